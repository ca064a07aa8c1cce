//! The app's REST API, resolved: its resource tree, each method's
//! protection, CORS, model and throttle, its authorizers, keys, usage plan,
//! resource policy and gateway responses. Every check that API Gateway would
//! make at deploy time runs here, so `local` and `package` refuse the same
//! apps with the same message.

use super::names;
use super::AppError;
use crate::cfn::ids;
use crate::config::{GatewayResponse, ResourcePolicy, StageConfig, ThrottleLimits, UsagePlan};
use chalice_rs_runtime::manifest::{
    segments, Authorizer, AuthorizerKind, Cors, Manifest, Route, IAM_AUTHORIZER,
};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

/// The path that `cargo chalice local` keeps for its console (and its
/// OpenAPI document): no route may start with it.
pub const CONSOLE_PREFIX: &str = "/_chalice";

/// One API Gateway resource (a path) with its methods.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiResource {
    /// The resource path: `/items/{id}`.
    pub path: String,
    /// The parent's path (`None` for `/`).
    pub parent: Option<String>,
    /// The last segment (empty for `/`).
    pub path_part: String,
    /// The routes (methods) of this path, by method.
    pub routes: Vec<Route>,
    /// The CORS preflight's settings, when a route of the path allows CORS.
    pub cors: Option<Cors>,
}

/// An authorizer of the API.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiAuthorizer {
    /// Its logical-ID stem (`MyAuth` for `my_auth`).
    pub stem: String,
    /// Its definition, from the manifest.
    pub definition: Authorizer,
}

/// An API key of the usage plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    /// Its logical-ID stem.
    pub stem: String,
    /// Its name (from `api_keys`).
    pub name: String,
}

/// A route's own stage throttling (`throttling.routes`).
#[derive(Debug, Clone, PartialEq)]
pub struct RouteThrottle {
    /// The HTTP method.
    pub method: String,
    /// The resource path, in API Gateway form.
    pub resource_path: String,
    /// Its limits.
    pub limits: ThrottleLimits,
}

/// The REST API of an app with routes.
#[derive(Debug, Clone, PartialEq)]
pub struct RestApi {
    /// Every route, sorted by path then method (the app-wide CORS applied).
    pub routes: Vec<Route>,
    /// The resource tree: every path and its ancestors, `/` first, sorted.
    pub resources: Vec<ApiResource>,
    /// The authorizers by name.
    pub authorizers: BTreeMap<String, ApiAuthorizer>,
    /// The API keys (empty unless a route requires a key).
    pub api_keys: Vec<ApiKey>,
    /// The usage plan of the keys.
    pub usage_plan: UsagePlan,
    /// The stage's own throttling.
    pub stage_throttle: Option<ThrottleLimits>,
    /// The routes' own throttling.
    pub route_throttles: Vec<RouteThrottle>,
    /// The resource policy document (`resource_policy` or its file).
    pub resource_policy: Option<Value>,
    /// Gateway responses by type.
    pub gateway_responses: BTreeMap<String, GatewayResponse>,
    /// Request models' JSON schemas by name.
    pub models: BTreeMap<String, Value>,
    /// API Gateway's stage name (`api`).
    pub stage_name: String,
    /// `EDGE`, `REGIONAL` or `PRIVATE`.
    pub endpoint_type: String,
    /// Binary media types.
    pub binary_media_types: Vec<String>,
    /// Minimum compression size.
    pub minimum_compression_size: Option<u32>,
    /// Stage variables.
    pub stage_variables: BTreeMap<String, String>,
}

impl RestApi {
    /// The route of `method` on `resource_path`.
    pub fn route(&self, method: &str, resource_path: &str) -> Option<&Route> {
        self.routes
            .iter()
            .find(|r| r.method == method && r.resource_path == resource_path)
    }

    /// The authorizer named `name` (not `iam`).
    pub fn authorizer(&self, name: &str) -> Option<&ApiAuthorizer> {
        self.authorizers.get(name)
    }
}

/// Resolves and checks the REST API of `manifest` (its CORS already applied)
/// in the stage of `config`; `None` when the app has no routes.
pub(super) fn resolve(
    manifest: &Manifest,
    config: &StageConfig,
) -> Result<Option<RestApi>, AppError> {
    if manifest.routes.is_empty() {
        return Ok(None);
    }
    for route in &manifest.routes {
        if segments(&route.resource_path).next() == CONSOLE_PREFIX.strip_prefix('/') {
            return Err(AppError::Config(format!(
                "`{} {}` ({}) is under `{CONSOLE_PREFIX}/`, which `cargo chalice local` keeps for its console; give the route another path",
                route.method,
                route.resource_path,
                route.location()
            )));
        }
    }
    let authorizers = authorizers(manifest)?;
    for route in &manifest.routes {
        if let Some(name) = &route.authorizer {
            if name != IAM_AUTHORIZER && !authorizers.contains_key(name) {
                return Err(AppError::Config(format!(
                    "`{} {}` ({}) names the authorizer `{name}`, which the app does not define",
                    route.method,
                    route.resource_path,
                    route.location()
                )));
            }
        }
    }
    let resources = resource_tree(manifest)?;
    let resource_policy = resource_policy(config)?;
    if config.endpoint_type == "PRIVATE" && resource_policy.is_none() {
        return Err(AppError::Config(
            "`api_gateway_endpoint_type` is PRIVATE but no `resource_policy` or `resource_policy_file` is given; API Gateway refuses to deploy a private API without a resource policy".to_owned(),
        ));
    }
    Ok(Some(RestApi {
        routes: manifest.routes.clone(),
        resources,
        authorizers,
        api_keys: api_keys(manifest, config)?,
        usage_plan: config.usage_plan.clone(),
        stage_throttle: config.throttling.as_ref().map(|t| t.stage_limits()),
        route_throttles: route_throttles(manifest, config)?,
        resource_policy,
        gateway_responses: config.gateway_responses.clone(),
        models: manifest.models.clone(),
        stage_name: config.api_gateway_stage.clone(),
        endpoint_type: config.endpoint_type.clone(),
        binary_media_types: config.binary_media_types.clone(),
        minimum_compression_size: config.minimum_compression_size,
        stage_variables: config.stage_variables.clone(),
    }))
}

/// Each authorizer by name with its logical-ID stem; two names with the same
/// stem, a TTL over API Gateway's limit, or a cached REQUEST authorizer
/// without identity sources are refused.
fn authorizers(manifest: &Manifest) -> Result<BTreeMap<String, ApiAuthorizer>, AppError> {
    let mut by_stem: BTreeMap<String, &str> = BTreeMap::new();
    let mut out = BTreeMap::new();
    for authorizer in &manifest.authorizers {
        let stem = ids::camel(&authorizer.name);
        if stem.is_empty() || stem.len() > 200 {
            return Err(AppError::Unsupported(format!(
                "the authorizer `{}` needs a name of 1 to 200 letters and digits",
                authorizer.name
            )));
        }
        if let Some(other) = by_stem.insert(stem.clone(), &authorizer.name) {
            return Err(AppError::Unsupported(format!(
                "the authorizers `{other}` and `{}` would get the same logical ID `{}`; rename one",
                authorizer.name,
                names::authorizer_id(&stem)
            )));
        }
        if let AuthorizerKind::Request { identity_sources } = &authorizer.kind {
            if identity_sources.is_empty() && authorizer.ttl_seconds > 0 {
                return Err(AppError::Unsupported(format!(
                    "the REQUEST authorizer `{}` ({}:{}) caches decisions for {} s but has no identity sources; API Gateway needs identity sources to cache (give some, or a TTL of 0)",
                    authorizer.name, authorizer.file, authorizer.line, authorizer.ttl_seconds
                )));
            }
        }
        if authorizer.ttl_seconds > 3600 {
            return Err(AppError::Unsupported(format!(
                "the authorizer `{}` caches decisions for {} s; API Gateway allows at most 3600",
                authorizer.name, authorizer.ttl_seconds
            )));
        }
        out.insert(
            authorizer.name.clone(),
            ApiAuthorizer {
                stem,
                definition: authorizer.clone(),
            },
        );
    }
    Ok(out)
}

/// The resource tree with each path's routes and CORS preflight.
fn resource_tree(manifest: &Manifest) -> Result<Vec<ApiResource>, AppError> {
    let mut out = Vec::new();
    for path in manifest.resource_paths() {
        let parts: Vec<&str> = segments(&path).collect();
        let parent =
            (!parts.is_empty()).then(|| format!("/{}", parts[..parts.len() - 1].join("/")));
        let routes: Vec<Route> = manifest
            .routes
            .iter()
            .filter(|r| r.resource_path == path)
            .cloned()
            .collect();
        let cors = preflight(&path, &routes)?;
        out.push(ApiResource {
            path_part: parts.last().map(|s| (*s).to_owned()).unwrap_or_default(),
            path,
            parent,
            routes,
            cors,
        });
    }
    Ok(out)
}

/// The CORS preflight of the resource `path`: the routes of one resource
/// must agree, and a CORS resource cannot route OPTIONS itself.
fn preflight(path: &str, routes: &[Route]) -> Result<Option<Cors>, AppError> {
    let mut found: Option<&Route> = None;
    for route in routes.iter().filter(|r| r.cors.is_some()) {
        match found {
            Some(first) if first.cors != route.cors => {
                return Err(AppError::Unsupported(format!(
                    "`{path}` has routes with different CORS settings ({} and {}); API Gateway answers one preflight per resource, so give them the same settings",
                    first.location(),
                    route.location()
                )));
            }
            Some(_) => {}
            None => found = Some(route),
        }
    }
    let Some(route) = found else {
        return Ok(None);
    };
    if let Some(options) = routes.iter().find(|r| r.method == "OPTIONS") {
        return Err(AppError::Unsupported(format!(
            "`{path}` routes OPTIONS ({}) and allows CORS ({}); the CORS preflight is the OPTIONS method, so drop one",
            options.location(),
            route.location()
        )));
    }
    let cors = route.cors.clone();
    if let Some(cors) = &cors {
        if cors.headers().iter().any(|(_, v)| v.contains('\'')) {
            return Err(AppError::Unsupported(format!(
                "the CORS settings of {} contain `'`, which API Gateway's static header values cannot hold",
                route.location()
            )));
        }
    }
    Ok(cors)
}

/// The API keys of the usage plan, when a route requires a key.
fn api_keys(manifest: &Manifest, config: &StageConfig) -> Result<Vec<ApiKey>, AppError> {
    if !manifest.routes.iter().any(|r| r.api_key_required) {
        return Ok(Vec::new());
    }
    let mut seen = BTreeSet::new();
    let mut keys = Vec::new();
    for name in &config.api_keys {
        let stem = ids::camel(name);
        if !seen.insert(stem.clone()) {
            return Err(AppError::Config(format!(
                "`api_keys`: `{name}` gives the same logical ID as another key; rename one"
            )));
        }
        keys.push(ApiKey {
            stem,
            name: name.clone(),
        });
    }
    Ok(keys)
}

/// The routes `throttling.routes` names (`METHOD /path`, the path in API
/// Gateway or `#[route]` form), resolved against the manifest; a key that is
/// no route is an error.
fn route_throttles(
    manifest: &Manifest,
    config: &StageConfig,
) -> Result<Vec<RouteThrottle>, AppError> {
    let Some(throttling) = &config.throttling else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for (key, limits) in &throttling.routes {
        let (method, path) = key.split_once(' ').unwrap_or((key.as_str(), ""));
        let method = method.to_ascii_uppercase();
        let route = manifest
            .routes
            .iter()
            .find(|r| r.method == method && (r.resource_path == path || r.path == path));
        let Some(route) = route else {
            return Err(AppError::Config(format!(
                "`throttling.routes`: `{key}` is not a route of the app (write `METHOD /path` as `cargo chalice routes` lists them)"
            )));
        };
        out.push(RouteThrottle {
            method: route.method.clone(),
            resource_path: route.resource_path.clone(),
            limits: limits.clone(),
        });
    }
    Ok(out)
}

/// The stage's resource policy document, from `resource_policy_file` or
/// `resource_policy`.
fn resource_policy(config: &StageConfig) -> Result<Option<Value>, AppError> {
    Ok(
        match (&config.resource_policy, &config.resource_policy_file) {
            (_, Some(file)) => {
                Some(
                    super::role::read_policy(config, file).map_err(|error| match error {
                        AppError::PolicyFile { path, message } => {
                            AppError::ResourcePolicyFile { path, message }
                        }
                        other => other,
                    })?,
                )
            }
            (Some(policy), None) => Some(ip_policy(policy)),
            (None, None) => None,
        },
    )
}

/// The resource policy of `resource_policy`: invoke allowed (from the allowed
/// source IPs only, when listed), denied from the denied ones.
fn ip_policy(policy: &ResourcePolicy) -> Value {
    let mut allow = json!({
        "Effect": "Allow",
        "Principal": "*",
        "Action": "execute-api:Invoke",
        "Resource": "execute-api:/*",
    });
    if !policy.allow_source_ips.is_empty() {
        allow["Condition"] = json!({"IpAddress": {"aws:SourceIp": policy.allow_source_ips}});
    }
    let mut statements = vec![allow];
    if !policy.deny_source_ips.is_empty() {
        statements.push(json!({
            "Effect": "Deny",
            "Principal": "*",
            "Action": "execute-api:Invoke",
            "Resource": "execute-api:/*",
            "Condition": {"IpAddress": {"aws:SourceIp": policy.deny_source_ips}},
        }));
    }
    json!({"Version": "2012-10-17", "Statement": statements})
}

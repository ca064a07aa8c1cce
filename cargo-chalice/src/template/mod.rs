//! The CloudFormation template of an app: generated from its [`Manifest`] and
//! its stage's [`StageConfig`] as a typed model ([`model`]), serialised
//! deterministically as JSON or YAML.
//!
//! Resources (logical IDs in brackets):
//! - the function's role [`APIHandlerRole`](ROLE_ID) (its own log group only,
//!   plus X-Ray/VPC actions when those are on, plus the stage's
//!   `iam_policy_file`), its log group [`APIHandlerLogGroup`](LOG_GROUP_ID)
//!   with the stage's retention, and the function [`APIHandler`](FUNCTION_ID)
//!   (`provided.al2023`, Handler `api`, code `./deployment.zip`);
//! - the REST API [`RestAPI`](REST_API_ID); one `Resource<Path>` per path
//!   segment, nested; one `Method<Verb><Path>` per route and method, a Lambda
//!   proxy integration; a `RestAPIDeployment<hash>` whose ID carries a hash of
//!   the API's shape (so a changed API is redeployed) and which depends on
//!   every method; the stage [`RestAPIStage`](STAGE_ID); the permission
//!   [`APIHandlerInvokePermission`](PERMISSION_ID), scoped to this API;
//! - Outputs `EndpointURL`, `RestAPIId`, `APIHandlerName`, `APIHandlerArn`,
//!   `APIHandlerLogGroupName`;
//! - per authorizer `<Name>Authorizer` (`TOKEN`, `REQUEST` or
//!   `COGNITO_USER_POOLS`) and, for Lambda authorizers, the function
//!   `<Name>AuthorizerHandler` (same code and role, `_HANDLER`
//!   `authorizer:<name>`), its log group and its invoke permission scoped to
//!   the authorizer; methods are `CUSTOM`/`COGNITO_USER_POOLS` with an
//!   `AuthorizerId`, or `AWS_IAM`;
//! - when a route requires an API key: `APIUsagePlan` (throttle and quota
//!   from `usage_plan`), one `APIKey<Name>` and `UsagePlanKey<Name>` per name
//!   of `api_keys`, outputs `APIKey<Name>Id`;
//! - a CORS preflight `MethodOptions<Path>` (MOCK) per resource with a CORS
//!   route; `GatewayResponse<Type>` per `gateway_responses` entry; the
//!   RestApi's `Policy` from `resource_policy` or `resource_policy_file`;
//!   stage `MethodSettings` from `throttling`.
//!
//! When one template would pass 500 resources or 51,200 bytes (the most a
//! `TemplateBody` may hold), the API's resources and methods move into nested
//! stacks (`Routes<Path>`, each at most 450 resources and well under the 1 MB
//! a nested template read from S3 may hold), split along the path tree so that
//! a route added under `/items` touches only the stack holding `/items`. Each
//! template is checked ([`check`]) before it is written.

pub mod check;
pub mod ids;
pub mod model;
pub mod resources;
pub mod yaml;

use crate::artifact::Arch;
use crate::config::{FunctionConfig, StageConfig};
use chalice_rs_runtime::manifest::{
    preflight_headers, segments, Authorizer, AuthorizerKind, Cors, Manifest, Route, IAM_AUTHORIZER,
};
use model::*;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

/// The relative path of the code every function refers to.
pub const CODE_PATH: &str = "./deployment.zip";
/// The API function's logical ID.
pub const FUNCTION_ID: &str = "APIHandler";
/// The role's logical ID.
pub const ROLE_ID: &str = "APIHandlerRole";
/// The request validator's logical ID (when a route validates its body).
pub const REQUEST_VALIDATOR_ID: &str = "RequestValidatorBody";
/// The log group's logical ID.
pub const LOG_GROUP_ID: &str = "APIHandlerLogGroup";
/// The invoke permission's logical ID.
pub const PERMISSION_ID: &str = "APIHandlerInvokePermission";
/// The REST API's logical ID.
pub const REST_API_ID: &str = "RestAPI";
/// The stage's logical ID.
pub const STAGE_ID: &str = "RestAPIStage";
/// Prefix of the deployment's logical ID (followed by the shape hash).
pub const DEPLOYMENT_PREFIX: &str = "RestAPIDeployment";
/// The inline policy holding the user's `iam_policy_file`, or the policy
/// generated from the app's AWS SDK calls (`autogen_policy`).
pub const USER_POLICY_NAME: &str = "AppPolicy";
/// The usage plan's logical ID.
pub const USAGE_PLAN_ID: &str = "APIUsagePlan";
/// The `_HANDLER` of the HTTP API function.
pub const API_HANDLER: &str = "api";

/// Retention periods CloudWatch Logs accepts, in days.
pub const RETENTION_DAYS: &[u32] = &[
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

/// The template file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum TemplateFormat {
    /// JSON (default).
    #[default]
    Json,
    /// YAML.
    Yaml,
}

impl TemplateFormat {
    /// The file extension: `json` or `yaml`.
    pub fn extension(self) -> &'static str {
        match self {
            TemplateFormat::Json => "json",
            TemplateFormat::Yaml => "yaml",
        }
    }

    /// The template's text, with a trailing newline.
    pub fn render(self, template: &Template) -> String {
        match self {
            TemplateFormat::Json => {
                let mut text = serde_json::to_string_pretty(template).unwrap_or_default();
                text.push('\n');
                text
            }
            TemplateFormat::Yaml => yaml::to_yaml(&template.to_value()),
        }
    }
}

/// Why no template can be made.
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    /// The stage's `iam_policy_file` cannot be used.
    #[error("iam_policy_file {path}: {message}")]
    PolicyFile {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The app's sources cannot be read to generate its IAM policy.
    #[error("cannot generate the IAM policy from the code (set `autogen_policy` to false or give an `iam_policy_file`): {0}")]
    GeneratedPolicy(Box<crate::policy::PolicyError>),
    /// The stage's `resource_policy_file` cannot be used.
    #[error("resource_policy_file {path}: {message}")]
    ResourcePolicyFile {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A setting has a value CloudFormation would reject.
    #[error("{0}")]
    Config(String),
    /// The app uses something packaging does not support yet.
    #[error("{0}")]
    Unsupported(String),
    /// `.chalice/resources.json` cannot be used, or an environment variable
    /// refers to a resource the stack does not have.
    #[error(transparent)]
    Resources(#[from] resources::ResourcesError),
    /// A generated template failed the generator's own checks (a bug).
    #[error("generated template failed its checks: {0}")]
    Check(String),
}

/// A nested stack's template.
#[derive(Debug, Clone)]
pub struct NestedTemplate {
    /// The `AWS::CloudFormation::Stack` resource's logical ID in the root.
    pub logical_id: String,
    /// The file name, beside the root template (the stack's `TemplateURL`).
    pub file_name: String,
    /// The template.
    pub template: Template,
}

/// The root template and its nested templates.
#[derive(Debug, Clone)]
pub struct TemplateSet {
    /// The root template.
    pub root: Template,
    /// Nested templates (empty unless the app is large).
    pub nested: Vec<NestedTemplate>,
}

/// A template set rendered and checked.
#[derive(Debug, Clone)]
pub struct RenderedSet {
    /// The root template's text.
    pub root: String,
    /// `(file name, text)` of each nested template.
    pub nested: Vec<(String, String)>,
}

/// Generates, renders and checks the templates for `manifest` in the stage of
/// `config`, with functions for `arch`.
pub fn generate(
    manifest: &Manifest,
    config: &StageConfig,
    arch: Arch,
    format: TemplateFormat,
) -> Result<(TemplateSet, RenderedSet), TemplateError> {
    let generator = Generator::new(manifest, config, arch, format)?;
    let declared = resources::Declared::load(&config.project_dir)?;
    let mut single = generator.single();
    declared.merge(&mut single, config)?;
    let text = format.render(&single);
    if single.resources.len() <= check::MAX_RESOURCES && text.len() <= check::MAX_TEMPLATE_BODY {
        let set = TemplateSet {
            root: single,
            nested: Vec::new(),
        };
        let rendered = render_checked(&set, format)?;
        return Ok((set, rendered));
    }
    // Split; shrink the size budget if an estimate turns out too optimistic.
    let mut budget = Budget::default();
    let mut last_error = String::new();
    for _ in 0..6 {
        let mut set = generator.split(&budget);
        declared.merge(&mut set.root, config)?;
        match render_checked(&set, format) {
            Ok(rendered) => return Ok((set, rendered)),
            Err(TemplateError::Check(message)) => {
                last_error = message;
                budget.bytes = budget.bytes * 3 / 4;
                budget.resources = budget.resources * 3 / 4;
            }
            Err(other) => return Err(other),
        }
    }
    Err(TemplateError::Check(last_error))
}

/// Renders each template of `set` and runs [`check::check`] on it.
pub fn render_checked(
    set: &TemplateSet,
    format: TemplateFormat,
) -> Result<RenderedSet, TemplateError> {
    let root = format.render(&set.root);
    check::check(
        "root template",
        &set.root.to_value(),
        root.len(),
        check::MAX_TEMPLATE_BODY,
    )
    .map_err(TemplateError::Check)?;
    let mut nested = Vec::new();
    for child in &set.nested {
        let text = format.render(&child.template);
        check::check(
            &child.file_name,
            &child.template.to_value(),
            text.len(),
            check::MAX_TEMPLATE_URL,
        )
        .map_err(TemplateError::Check)?;
        nested.push((child.file_name.clone(), text));
    }
    Ok(RenderedSet { root, nested })
}

/// The hash of the API's shape carried by the deployment's logical ID: the
/// routes (path, method, API key, authorizer) and the API settings that need a
/// redeployment to take effect.
pub fn api_shape_hash(manifest: &Manifest, config: &StageConfig) -> String {
    let mut shape = String::new();
    for route in &manifest.routes {
        shape.push_str(&format!(
            "{} {} key={} auth={}\n",
            route.method,
            route.resource_path,
            route.api_key_required,
            route.authorizer.as_deref().unwrap_or("")
        ));
    }
    shape.push_str(&format!(
        "binary={}\ncompression={:?}\n",
        config.binary_media_types.join(","),
        config.minimum_compression_size
    ));
    // Added only when used, so that apps without them keep their hash.
    for route in manifest.routes.iter().filter(|r| r.cors.is_some()) {
        shape.push_str(&format!(
            "cors {} {} {:?}\n",
            route.method,
            route.resource_path,
            route.cors.as_ref().map(Cors::headers)
        ));
    }
    for authorizer in &manifest.authorizers {
        shape.push_str(&format!(
            "authorizer {} {:?} ttl={}\n",
            authorizer.name, authorizer.kind, authorizer.ttl_seconds
        ));
    }
    for (kind, response) in &config.gateway_responses {
        shape.push_str(&format!("gateway_response {kind} {response:?}\n"));
    }
    for route in manifest.routes.iter().filter(|r| r.model.is_some()) {
        shape.push_str(&format!(
            "model {} {} {:?}\n",
            route.method, route.resource_path, route.model
        ));
    }
    for (name, schema) in &manifest.models {
        shape.push_str(&format!("schema {name} {schema}\n"));
    }
    if let Some(policy) = &config.resource_policy {
        shape.push_str(&format!("resource_policy {policy:?}\n"));
    }
    if let Some(file) = &config.resource_policy_file {
        shape.push_str(&format!("resource_policy_file {file}\n"));
    }
    ids::short_hash(&shape, 12)
}

/// Where a template finds the API, the function and a resource's parent.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// The root template: everything is local.
    Root,
    /// A nested template: the API, the function and outside parents are parameters.
    Nested,
}

/// Names of the nested templates' parameters.
const PARAM_REST_API: &str = "RestApiId";
const PARAM_ROOT_RESOURCE: &str = "RootResourceId";
const PARAM_FUNCTION_ARN: &str = "FunctionArn";

/// One API Gateway resource path with its methods.
struct Unit<'a> {
    path: String,
    /// `Resource<Name>`, `None` for `/`.
    resource_id: Option<String>,
    /// The parent path (`None` for `/`).
    parent: Option<String>,
    /// The last segment.
    path_part: String,
    routes: Vec<&'a Route>,
}

/// How much one nested template may hold, as estimated before rendering.
#[derive(Debug, Clone, Copy)]
struct Budget {
    resources: usize,
    bytes: usize,
    units: usize,
}

impl Default for Budget {
    fn default() -> Self {
        Self {
            resources: 450,
            bytes: 900_000,
            // Each unit may need a parameter and an output (limit 200 each).
            units: 150,
        }
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct Cost {
    resources: usize,
    bytes: usize,
    units: usize,
}

impl Cost {
    fn add(self, other: Cost) -> Cost {
        Cost {
            resources: self.resources + other.resources,
            bytes: self.bytes + other.bytes,
            units: self.units + other.units,
        }
    }
    fn fits(self, budget: &Budget) -> bool {
        self.resources <= budget.resources
            && self.bytes <= budget.bytes
            && self.units <= budget.units
    }
}

struct Generator<'a> {
    manifest: &'a Manifest,
    config: &'a StageConfig,
    function: FunctionConfig,
    arch: Arch,
    format: TemplateFormat,
    names: BTreeMap<String, String>,
    units: Vec<Unit<'a>>,
    by_path: BTreeMap<String, usize>,
    user_policy: Option<Value>,
    /// Authorizers by name: their logical-ID stem (`MyAuth`) and definition.
    authorizers: BTreeMap<String, (String, &'a Authorizer)>,
    /// The CORS settings of each unit that has any (by unit index).
    cors: BTreeMap<usize, Cors>,
    /// The API's resource policy.
    resource_policy: Option<Value>,
    /// `(logical ID stem, name)` of each API key (when a route requires one).
    api_keys: Vec<(String, String)>,
    /// Per-route stage throttling: (HTTP method, escaped resource path, limits).
    route_throttles: Vec<(String, String, crate::config::ThrottleLimits)>,
}

impl<'a> Generator<'a> {
    fn new(
        manifest: &'a Manifest,
        config: &'a StageConfig,
        arch: Arch,
        format: TemplateFormat,
    ) -> Result<Self, TemplateError> {
        if manifest.routes.is_empty() {
            return Err(TemplateError::Unsupported(
                "the app has no routes; API Gateway cannot deploy an API without methods"
                    .to_owned(),
            ));
        }
        let function = config.function(API_HANDLER);
        if !RETENTION_DAYS.contains(&function.log_retention_in_days) {
            return Err(TemplateError::Config(format!(
                "`log_retention_in_days` is {}; CloudWatch Logs accepts {}",
                function.log_retention_in_days,
                RETENTION_DAYS
                    .iter()
                    .map(u32::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        if !function.manage_iam_role && function.iam_role_arn.is_none() {
            return Err(TemplateError::Config(
                "`manage_iam_role` is false but no `iam_role_arn` is given".to_owned(),
            ));
        }
        let user_policy = match &function.iam_policy_file {
            Some(file) if function.manage_iam_role => Some(read_policy(config, file)?),
            None if function.manage_iam_role && function.autogen_policy => {
                generated_policy(config, &function)?
            }
            _ => None,
        };
        let paths = manifest.resource_paths();
        let names = ids::path_names(paths.iter().map(String::as_str));
        let mut units: Vec<Unit<'a>> = paths
            .iter()
            .map(|path| {
                let parts: Vec<&str> = segments(path).collect();
                let parent = if parts.is_empty() {
                    None
                } else {
                    Some(format!("/{}", parts[..parts.len() - 1].join("/")))
                };
                Unit {
                    path: path.clone(),
                    resource_id: (!parts.is_empty()).then(|| format!("Resource{}", names[path])),
                    parent,
                    path_part: parts.last().map(|s| (*s).to_owned()).unwrap_or_default(),
                    routes: Vec::new(),
                }
            })
            .collect();
        let by_path: BTreeMap<String, usize> = units
            .iter()
            .enumerate()
            .map(|(i, u)| (u.path.clone(), i))
            .collect();
        for route in &manifest.routes {
            if let Some(&index) = by_path.get(&route.resource_path) {
                units[index].routes.push(route);
            }
        }
        let authorizers = authorizer_stems(manifest)?;
        for authorizer in &manifest.authorizers {
            if let AuthorizerKind::Request { identity_sources } = &authorizer.kind {
                if identity_sources.is_empty() && authorizer.ttl_seconds > 0 {
                    return Err(TemplateError::Unsupported(format!(
                        "the REQUEST authorizer `{}` ({}:{}) caches decisions for {} s but has no identity sources; API Gateway needs identity sources to cache (give some, or a TTL of 0)",
                        authorizer.name, authorizer.file, authorizer.line, authorizer.ttl_seconds
                    )));
                }
            }
            if authorizer.ttl_seconds > 3600 {
                return Err(TemplateError::Unsupported(format!(
                    "the authorizer `{}` caches decisions for {} s; API Gateway allows at most 3600",
                    authorizer.name, authorizer.ttl_seconds
                )));
            }
        }
        for authorizer in manifest.authorizers.iter().filter(|a| a.has_function()) {
            let days = config.function(&authorizer.name).log_retention_in_days;
            if !RETENTION_DAYS.contains(&days) {
                return Err(TemplateError::Config(format!(
                    "`log_retention_in_days` of the authorizer `{}` is {days}; CloudWatch Logs does not accept it",
                    authorizer.name
                )));
            }
        }
        for route in &manifest.routes {
            if let Some(name) = &route.authorizer {
                if name != IAM_AUTHORIZER && !authorizers.contains_key(name) {
                    return Err(TemplateError::Config(format!(
                        "`{} {}` ({}) names the authorizer `{name}`, which the app does not define",
                        route.method,
                        route.resource_path,
                        route.location()
                    )));
                }
            }
        }
        let cors = unit_cors(&units)?;
        let resource_policy = resource_policy(config)?;
        if config.endpoint_type == "PRIVATE" && resource_policy.is_none() {
            return Err(TemplateError::Config(
                "`api_gateway_endpoint_type` is PRIVATE but no `resource_policy` or `resource_policy_file` is given; API Gateway refuses to deploy a private API without a resource policy".to_owned(),
            ));
        }
        let api_keys = if manifest.routes.iter().any(|r| r.api_key_required) {
            let mut seen = BTreeSet::new();
            let mut keys = Vec::new();
            for name in &config.api_keys {
                let stem = ids::camel(name);
                if !seen.insert(stem.clone()) {
                    return Err(TemplateError::Config(format!(
                        "`api_keys`: `{name}` gives the same logical ID as another key; rename one"
                    )));
                }
                keys.push((stem, name.clone()));
            }
            keys
        } else {
            Vec::new()
        };
        let route_throttles = route_throttles(manifest, config)?;
        Ok(Self {
            manifest,
            config,
            function,
            arch,
            format,
            names,
            units,
            by_path,
            user_policy,
            authorizers,
            cors,
            resource_policy,
            api_keys,
            route_throttles,
        })
    }

    /// The API Gateway authorizer's logical ID.
    fn authorizer_id(stem: &str) -> String {
        format!("{stem}Authorizer")
    }

    /// The authorizer function's logical ID.
    fn authorizer_function_id(stem: &str) -> String {
        format!("{stem}AuthorizerHandler")
    }

    /// `(AuthorizationType, AuthorizerId)` of a route's method.
    /// In a nested template the authorizer's ID is a parameter of the same name.
    fn authorization(&self, route: &Route) -> (String, Option<Expr>) {
        match route.authorizer.as_deref() {
            None => ("NONE".to_owned(), None),
            Some(IAM_AUTHORIZER) => ("AWS_IAM".to_owned(), None),
            Some(name) => match self.authorizers.get(name) {
                Some((stem, authorizer)) => {
                    let kind = match authorizer.kind {
                        AuthorizerKind::CognitoUserPools { .. } => "COGNITO_USER_POOLS",
                        _ => "CUSTOM",
                    };
                    // In a nested template the parameter has the same name.
                    (
                        kind.to_owned(),
                        Some(Expr::reference(Self::authorizer_id(stem))),
                    )
                }
                // Checked in `new`.
                None => ("NONE".to_owned(), None),
            },
        }
    }

    /// The authorizers of the routes of `unit` (logical IDs).
    fn unit_authorizers(&self, unit: &Unit<'_>) -> BTreeSet<String> {
        unit.routes
            .iter()
            .filter_map(|r| r.authorizer.as_deref())
            .filter_map(|name| self.authorizers.get(name))
            .map(|(stem, _)| Self::authorizer_id(stem))
            .collect()
    }

    /// A function of the app: `handler` is its `_HANDLER`.
    fn function_props(
        &self,
        f: &FunctionConfig,
        handler: &str,
        description: String,
        log_group_id: &str,
        role: Expr,
    ) -> FunctionProps {
        FunctionProps {
            runtime: "provided.al2023".to_owned(),
            handler: handler.to_owned(),
            code: Value::String(CODE_PATH.to_owned()),
            architectures: vec![self.arch.lambda_name().to_owned()],
            memory_size: f.lambda_memory_size,
            timeout: f.lambda_timeout,
            role,
            description,
            environment: {
                // The config's variables, and the app-wide CORS settings for the runtime.
                let variables: BTreeMap<String, Expr> = f
                    .environment_variables
                    .iter()
                    .map(|(name, value)| (name.clone(), resources::env_expr(value)))
                    .chain(
                        self.config
                            .cors_environment()
                            .map(|(name, json)| (name, Expr::Str(json))),
                    )
                    .collect();
                (!variables.is_empty()).then_some(Environment { variables })
            },
            logging_config: LoggingConfig {
                log_group: Expr::reference(log_group_id),
            },
            tags: f
                .tags
                .iter()
                .map(|(key, value)| Tag {
                    key: key.clone(),
                    value: value.clone(),
                })
                .collect(),
            reserved_concurrent_executions: f.reserved_concurrency,
            layers: f.layers.clone(),
            vpc_config: (!f.subnet_ids.is_empty() || !f.security_group_ids.is_empty()).then(|| {
                VpcConfig {
                    subnet_ids: f.subnet_ids.clone(),
                    security_group_ids: f.security_group_ids.clone(),
                }
            }),
            tracing_config: f.xray.then(|| TracingConfig {
                mode: "Active".to_owned(),
            }),
        }
    }

    /// Authorizers (and their functions, logs and permissions), API keys and
    /// usage plan, gateway responses; with their outputs.
    fn governance(&self, template: &mut Template, role: &Expr) {
        let mut put = |id: String, resource: Resource| {
            template.resources.insert(id, resource);
        };
        let mut outputs = Vec::new();
        for (stem, authorizer) in self.authorizers.values() {
            let authorizer_id = Self::authorizer_id(stem);
            let (kind, identity_source, validation, provider_arns) = match &authorizer.kind {
                AuthorizerKind::Token {
                    header,
                    validation_expression,
                } => (
                    "TOKEN",
                    Some(format!("method.request.header.{header}")),
                    validation_expression.clone(),
                    Vec::new(),
                ),
                AuthorizerKind::Request { identity_sources } => (
                    "REQUEST",
                    (!identity_sources.is_empty()).then(|| identity_sources.join(", ")),
                    None,
                    Vec::new(),
                ),
                AuthorizerKind::CognitoUserPools {
                    provider_arns,
                    header,
                } => (
                    "COGNITO_USER_POOLS",
                    Some(format!("method.request.header.{header}")),
                    None,
                    provider_arns.clone(),
                ),
            };
            let mut uri = None;
            if authorizer.has_function() {
                let function_id = Self::authorizer_function_id(stem);
                let log_group_id = format!("{stem}AuthorizerLogGroup");
                let f = self.config.function(&authorizer.name);
                put(
                    log_group_id.clone(),
                    ResourceKind::LogGroup(LogGroupProps {
                        retention_in_days: f.log_retention_in_days,
                    })
                    .into(),
                );
                let props = self.function_props(
                    &f,
                    &format!(
                        "{}{}",
                        chalice_rs_runtime::lambda::AUTHORIZER_HANDLER_PREFIX,
                        authorizer.name
                    ),
                    format!(
                        "chalice-rs app {}, stage {}: authorizer {}",
                        self.config.app_name, self.config.stage, authorizer.name
                    ),
                    &log_group_id,
                    role.clone(),
                );
                put(
                    function_id.clone(),
                    ResourceKind::Function(Box::new(props)).into(),
                );
                put(
                    format!("{stem}AuthorizerInvokePermission"),
                    ResourceKind::Permission(PermissionProps {
                        action: "lambda:InvokeFunction".to_owned(),
                        function_name: Expr::get_att(&function_id, "Arn"),
                        principal: "apigateway.amazonaws.com".to_owned(),
                        source_arn: Expr::sub(format!(
                            "arn:${{AWS::Partition}}:execute-api:${{AWS::Region}}:${{AWS::AccountId}}:${{{REST_API_ID}}}/authorizers/${{{authorizer_id}}}"
                        )),
                    })
                    .into(),
                );
                uri = Some(Expr::sub(format!(
                    "arn:${{AWS::Partition}}:apigateway:${{AWS::Region}}:lambda:path/2015-03-31/functions/${{{function_id}.Arn}}/invocations"
                )));
                outputs.push((
                    format!("{function_id}Name"),
                    format!("The authorizer {}'s function name", authorizer.name),
                    Expr::reference(&function_id),
                ));
                outputs.push((
                    format!("{function_id}Arn"),
                    format!("The authorizer {}'s function ARN", authorizer.name),
                    Expr::get_att(&function_id, "Arn"),
                ));
            }
            put(
                authorizer_id,
                ResourceKind::Authorizer(AuthorizerProps {
                    name: authorizer.name.clone(),
                    kind: kind.to_owned(),
                    rest_api_id: Expr::reference(REST_API_ID),
                    identity_source,
                    identity_validation_expression: validation,
                    authorizer_uri: uri,
                    authorizer_result_ttl_in_seconds: authorizer.ttl_seconds,
                    provider_arns,
                })
                .into(),
            );
        }
        if !self.api_keys.is_empty() {
            let plan = &self.config.usage_plan;
            put(
                USAGE_PLAN_ID.to_owned(),
                ResourceKind::UsagePlan(UsagePlanProps {
                    usage_plan_name: format!("{}-{}", self.config.app_name, self.config.stage),
                    description: format!(
                        "chalice-rs app {}, stage {}: API keys",
                        self.config.app_name, self.config.stage
                    ),
                    api_stages: vec![ApiStage {
                        api_id: Expr::reference(REST_API_ID),
                        stage: Expr::reference(STAGE_ID),
                    }],
                    throttle: plan.throttle.as_ref().map(|t| ThrottleSettings {
                        burst_limit: t.burst_limit,
                        rate_limit: t.rate_limit,
                    }),
                    quota: plan.quota.as_ref().map(|q| QuotaSettings {
                        limit: q.limit,
                        period: q.period.clone(),
                    }),
                })
                .into(),
            );
            for (stem, name) in &self.api_keys {
                let key_id = format!("APIKey{stem}");
                put(
                    key_id.clone(),
                    Resource {
                        kind: ResourceKind::ApiKey(ApiKeyProps {
                            name: name.clone(),
                            description: format!(
                                "chalice-rs app {}, stage {}",
                                self.config.app_name, self.config.stage
                            ),
                            enabled: true,
                        }),
                        depends_on: vec![STAGE_ID.to_owned()],
                        metadata: None,
                    },
                );
                put(
                    format!("UsagePlanKey{stem}"),
                    ResourceKind::UsagePlanKey(UsagePlanKeyProps {
                        key_id: Expr::reference(&key_id),
                        key_type: "API_KEY".to_owned(),
                        usage_plan_id: Expr::reference(USAGE_PLAN_ID),
                    })
                    .into(),
                );
                outputs.push((
                    format!("{key_id}Id"),
                    format!("The ID of the API key {name} (not its value)"),
                    Expr::reference(&key_id),
                ));
            }
        }
        for (kind, response) in &self.config.gateway_responses {
            put(
                gateway_response_id(kind),
                ResourceKind::GatewayResponse(GatewayResponseProps {
                    response_type: kind.clone(),
                    rest_api_id: Expr::reference(REST_API_ID),
                    status_code: response.status_code.map(|c| c.to_string()),
                    response_parameters: response
                        .headers
                        .iter()
                        .map(|(name, value)| {
                            (
                                format!("gatewayresponse.header.{name}"),
                                format!("'{value}'"),
                            )
                        })
                        .collect(),
                    response_templates: response.templates.clone(),
                })
                .into(),
            );
        }
        for (name, schema) in &self.manifest.models {
            put(
                model_id(name),
                ResourceKind::Model(ModelProps {
                    content_type: "application/json".to_owned(),
                    name: name.clone(),
                    rest_api_id: Expr::reference(REST_API_ID),
                    schema: schema.clone(),
                })
                .into(),
            );
        }
        if self.manifest.routes.iter().any(|r| r.model.is_some()) {
            put(
                REQUEST_VALIDATOR_ID.to_owned(),
                ResourceKind::RequestValidator(RequestValidatorProps {
                    name: "body".to_owned(),
                    rest_api_id: Expr::reference(REST_API_ID),
                    validate_request_body: true,
                    validate_request_parameters: false,
                })
                .into(),
            );
        }
        for (name, description, value) in outputs {
            template.outputs.insert(name, Output { description, value });
        }
    }

    fn description(&self) -> String {
        format!(
            "chalice-rs app {}, stage {}: Lambda function and REST API",
            self.config.app_name, self.config.stage
        )
    }

    fn deployment_id(&self) -> String {
        format!(
            "{DEPLOYMENT_PREFIX}{}",
            api_shape_hash(self.manifest, self.config)
        )
    }

    fn method_id(&self, route: &Route) -> String {
        format!(
            "Method{}{}",
            ids::method_name(&route.method),
            self.names[&route.resource_path]
        )
    }

    /// The function, its role and logs, the API, stage and permission, outputs.
    fn core(&self) -> Template {
        let mut template = Template::new(self.description());
        let f = &self.function;
        let mut put = |id: &str, resource: Resource| {
            template.resources.insert(id.to_owned(), resource);
        };
        let role = match (&f.iam_role_arn, f.manage_iam_role) {
            (Some(arn), false) => Expr::str(arn.clone()),
            _ => {
                put(ROLE_ID, ResourceKind::Role(self.role()).into());
                Expr::get_att(ROLE_ID, "Arn")
            }
        };
        put(
            LOG_GROUP_ID,
            ResourceKind::LogGroup(LogGroupProps {
                retention_in_days: f.log_retention_in_days,
            })
            .into(),
        );
        let function = self.function_props(
            f,
            API_HANDLER,
            format!(
                "chalice-rs app {}, stage {}: HTTP API handler",
                self.config.app_name, self.config.stage
            ),
            LOG_GROUP_ID,
            role.clone(),
        );
        put(
            FUNCTION_ID,
            // `Code` as a relative path is what `aws cloudformation package`
            // uploads (cfn-lint accepts it, with warning W3002).
            ResourceKind::Function(Box::new(function)).into(),
        );
        put(
            PERMISSION_ID,
            ResourceKind::Permission(PermissionProps {
                action: "lambda:InvokeFunction".to_owned(),
                function_name: Expr::get_att(FUNCTION_ID, "Arn"),
                principal: "apigateway.amazonaws.com".to_owned(),
                source_arn: Expr::sub(format!(
                    "arn:${{AWS::Partition}}:execute-api:${{AWS::Region}}:${{AWS::AccountId}}:${{{REST_API_ID}}}/*"
                )),
            })
            .into(),
        );
        put(
            REST_API_ID,
            ResourceKind::RestApi(RestApiProps {
                name: self.config.app_name.clone(),
                description: format!(
                    "chalice-rs app {}, stage {}",
                    self.config.app_name, self.config.stage
                ),
                endpoint_configuration: EndpointConfiguration {
                    types: vec![self.config.endpoint_type.clone()],
                },
                binary_media_types: self.config.binary_media_types.clone(),
                minimum_compression_size: self.config.minimum_compression_size,
                policy: self.resource_policy.clone(),
            })
            .into(),
        );
        put(
            STAGE_ID,
            ResourceKind::Stage(StageProps {
                stage_name: self.config.api_gateway_stage.clone(),
                deployment_id: Expr::reference(self.deployment_id()),
                rest_api_id: Expr::reference(REST_API_ID),
                tracing_enabled: f.xray,
                method_settings: self.method_settings(),
                variables: self.config.stage_variables.clone(),
            })
            .into(),
        );
        let output = |description: &str, value: Expr| Output {
            description: description.to_owned(),
            value,
        };
        template.outputs.insert(
            "EndpointURL".to_owned(),
            output(
                "The API's URL",
                Expr::sub(format!(
                    "https://${{{REST_API_ID}}}.execute-api.${{AWS::Region}}.${{AWS::URLSuffix}}/{}/",
                    self.config.api_gateway_stage
                )),
            ),
        );
        template.outputs.insert(
            "RestAPIId".to_owned(),
            output("The REST API's ID", Expr::reference(REST_API_ID)),
        );
        template.outputs.insert(
            "APIHandlerName".to_owned(),
            output("The API function's name", Expr::reference(FUNCTION_ID)),
        );
        template.outputs.insert(
            "APIHandlerArn".to_owned(),
            output("The API function's ARN", Expr::get_att(FUNCTION_ID, "Arn")),
        );
        template.outputs.insert(
            "APIHandlerLogGroupName".to_owned(),
            output(
                "The API function's log group",
                Expr::reference(LOG_GROUP_ID),
            ),
        );
        self.governance(&mut template, &role);
        template
    }

    /// The stage's method settings: stage-wide, then per route.
    fn method_settings(&self) -> Vec<MethodSetting> {
        let throttling = self.config.throttling.as_ref();
        let mut out = vec![MethodSetting {
            http_method: "*".to_owned(),
            resource_path: "/*".to_owned(),
            metrics_enabled: false,
            data_trace_enabled: false,
            throttling_burst_limit: throttling.and_then(|t| t.burst_limit),
            throttling_rate_limit: throttling.and_then(|t| t.rate_limit),
        }];
        for (method, path, limits) in &self.route_throttles {
            out.push(MethodSetting {
                http_method: method.clone(),
                resource_path: path.clone(),
                metrics_enabled: false,
                data_trace_enabled: false,
                throttling_burst_limit: limits.burst_limit,
                throttling_rate_limit: limits.rate_limit,
            });
        }
        out
    }

    fn role(&self) -> RoleProps {
        let f = &self.function;
        let mut log_groups = vec![Expr::get_att(LOG_GROUP_ID, "Arn")];
        for (stem, authorizer) in self.authorizers.values() {
            if authorizer.has_function() {
                log_groups.push(Expr::get_att(format!("{stem}AuthorizerLogGroup"), "Arn"));
            }
        }
        let resource = if log_groups.len() == 1 {
            json!(log_groups[0])
        } else {
            json!(log_groups)
        };
        let mut statements = vec![json!({
            "Sid": "OwnLogGroup",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": resource,
        })];
        if f.xray {
            statements.push(json!({
                "Sid": "XRay",
                "Effect": "Allow",
                "Action": ["xray:PutTelemetryRecords", "xray:PutTraceSegments"],
                "Resource": "*",
            }));
        }
        if !f.subnet_ids.is_empty() || !f.security_group_ids.is_empty() {
            statements.push(json!({
                "Sid": "VpcNetworkInterfaces",
                "Effect": "Allow",
                "Action": [
                    "ec2:AssignPrivateIpAddresses",
                    "ec2:CreateNetworkInterface",
                    "ec2:DeleteNetworkInterface",
                    "ec2:DescribeNetworkInterfaces",
                    "ec2:UnassignPrivateIpAddresses",
                ],
                "Resource": "*",
            }));
        }
        let mut policies = vec![InlinePolicy {
            policy_name: "Runtime".to_owned(),
            policy_document: json!({"Version": "2012-10-17", "Statement": statements}),
        }];
        if let Some(document) = &self.user_policy {
            policies.push(InlinePolicy {
                policy_name: USER_POLICY_NAME.to_owned(),
                policy_document: document.clone(),
            });
        }
        RoleProps {
            assume_role_policy_document: json!({
                "Version": "2012-10-17",
                "Statement": [{
                    "Effect": "Allow",
                    "Principal": {"Service": "lambda.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }],
            }),
            policies,
        }
    }

    fn rest_api(&self, scope: Scope) -> Expr {
        match scope {
            Scope::Root => Expr::reference(REST_API_ID),
            Scope::Nested => Expr::reference(PARAM_REST_API),
        }
    }

    /// The resources of one unit: its `AWS::ApiGateway::Resource` and methods.
    fn unit_resources(&self, unit: &Unit<'_>, scope: Scope) -> Vec<(String, Resource)> {
        let root_id = match scope {
            Scope::Root => Expr::get_att(REST_API_ID, "RootResourceId"),
            Scope::Nested => Expr::reference(PARAM_ROOT_RESOURCE),
        };
        let id_of = |path: &str| -> Expr {
            match self
                .by_path
                .get(path)
                .and_then(|&i| self.units[i].resource_id.clone())
            {
                Some(id) => Expr::reference(id),
                None => root_id.clone(),
            }
        };
        let mut out = Vec::new();
        if let (Some(id), Some(parent)) = (&unit.resource_id, &unit.parent) {
            out.push((
                id.clone(),
                ResourceKind::ApiResource(ApiResourceProps {
                    parent_id: id_of(parent),
                    path_part: unit.path_part.clone(),
                    rest_api_id: self.rest_api(scope),
                })
                .into(),
            ));
        }
        let function_arn = match scope {
            Scope::Root => format!("${{{FUNCTION_ID}.Arn}}"),
            Scope::Nested => format!("${{{PARAM_FUNCTION_ARN}}}"),
        };
        for route in &unit.routes {
            let (authorization_type, authorizer_id) = self.authorization(route);
            out.push((
                self.method_id(route),
                ResourceKind::Method(Box::new(MethodProps {
                    authorization_type,
                    authorizer_id,
                    api_key_required: route.api_key_required,
                    http_method: route.method.clone(),
                    // In a nested template the model and the validator are
                    // parameters of the same names.
                    request_models: route
                        .model
                        .iter()
                        .map(|model| ("application/json".to_owned(), Expr::reference(model_id(model))))
                        .collect(),
                    request_validator_id: route
                        .model
                        .as_ref()
                        .map(|_| Expr::reference(REQUEST_VALIDATOR_ID)),
                    integration: Integration {
                        integration_http_method: Some("POST".to_owned()),
                        kind: "AWS_PROXY".to_owned(),
                        uri: Some(Expr::sub(format!(
                            "arn:${{AWS::Partition}}:apigateway:${{AWS::Region}}:lambda:path/2015-03-31/functions/{function_arn}/invocations"
                        ))),
                        request_templates: BTreeMap::new(),
                        integration_responses: Vec::new(),
                    },
                    method_responses: Vec::new(),
                    resource_id: id_of(&unit.path),
                    rest_api_id: self.rest_api(scope),
                }))
                .into(),
            ));
        }
        let index = self.by_path.get(&unit.path).copied();
        if let Some(cors) = index.and_then(|i| self.cors.get(&i)) {
            let headers = preflight_headers(cors, unit.routes.iter().map(|r| r.method.as_str()));
            let name = |header: &str| format!("method.response.header.{header}");
            out.push((
                format!("MethodOptions{}", self.names[&unit.path]),
                ResourceKind::Method(Box::new(MethodProps {
                    authorization_type: "NONE".to_owned(),
                    authorizer_id: None,
                    api_key_required: false,
                    http_method: "OPTIONS".to_owned(),
                    request_models: BTreeMap::new(),
                    request_validator_id: None,
                    integration: Integration {
                        integration_http_method: None,
                        kind: "MOCK".to_owned(),
                        uri: None,
                        request_templates: [(
                            "application/json".to_owned(),
                            "{\"statusCode\": 200}".to_owned(),
                        )]
                        .into(),
                        integration_responses: vec![IntegrationResponse {
                            status_code: "200".to_owned(),
                            response_parameters: headers
                                .iter()
                                .map(|(header, value)| (name(header), format!("'{value}'")))
                                .collect(),
                        }],
                    },
                    method_responses: vec![MethodResponse {
                        status_code: "200".to_owned(),
                        response_parameters: headers
                            .iter()
                            .map(|(header, _)| (name(header), true))
                            .collect(),
                    }],
                    resource_id: id_of(&unit.path),
                    rest_api_id: self.rest_api(scope),
                }))
                .into(),
            ));
        }
        out
    }

    fn deployment(&self, depends_on: Vec<String>) -> Resource {
        let mut depends_on = depends_on;
        // Gateway responses take effect with a deployment made after them.
        depends_on.extend(
            self.config
                .gateway_responses
                .keys()
                .map(|k| gateway_response_id(k)),
        );
        depends_on.sort();
        Resource {
            kind: ResourceKind::Deployment(DeploymentProps {
                rest_api_id: Expr::reference(REST_API_ID),
                description: format!(
                    "chalice-rs app {}, stage {}, API shape {}",
                    self.config.app_name,
                    self.config.stage,
                    api_shape_hash(self.manifest, self.config)
                ),
            }),
            depends_on,
            metadata: None,
        }
    }

    /// Everything in one template.
    fn single(&self) -> Template {
        let mut template = self.core();
        let mut methods = Vec::new();
        for unit in &self.units {
            for (id, resource) in self.unit_resources(unit, Scope::Root) {
                if matches!(resource.kind, ResourceKind::Method(_)) {
                    methods.push(id.clone());
                }
                template.resources.insert(id, resource);
            }
        }
        template
            .resources
            .insert(self.deployment_id(), self.deployment(methods));
        template
    }

    fn unit_cost(&self, index: usize) -> Cost {
        let unit = &self.units[index];
        let resources = usize::from(unit.resource_id.is_some())
            + unit.routes.len()
            + usize::from(self.cors.contains_key(&index));
        Cost {
            resources,
            // A generous estimate (a rendered method takes about 700 bytes, a
            // resource 400, a parameter and an output about 300); the rendered
            // templates are measured afterwards all the same.
            bytes: 1_200 * resources + 400,
            units: 1,
        }
    }

    /// The units of the subtree at `path`, parents first, children by segment.
    fn subtree(&self, children: &BTreeMap<usize, Vec<usize>>, index: usize, out: &mut Vec<usize>) {
        out.push(index);
        if let Some(kids) = children.get(&index) {
            for &kid in kids {
                self.subtree(children, kid, out);
            }
        }
    }

    /// Groups of units, each fitting `budget`, in parent-first order.
    fn groups(
        &self,
        children: &BTreeMap<usize, Vec<usize>>,
        costs: &[Cost],
        index: usize,
        budget: &Budget,
    ) -> Vec<(Vec<usize>, Cost)> {
        let mut all = Vec::new();
        self.subtree(children, index, &mut all);
        let total = all
            .iter()
            .fold(Cost::default(), |sum, &i| sum.add(costs[i]));
        if total.fits(budget) {
            return vec![(all, total)];
        }
        let mut parts = vec![(vec![index], costs[index])];
        if let Some(kids) = children.get(&index) {
            for &kid in kids {
                parts.extend(self.groups(children, costs, kid, budget));
            }
        }
        // Pack neighbours together while they fit.
        let mut packed: Vec<(Vec<usize>, Cost)> = Vec::new();
        for (units, cost) in parts {
            match packed.last_mut() {
                Some((last_units, last_cost)) if last_cost.add(cost).fits(budget) => {
                    last_units.extend(units);
                    *last_cost = last_cost.add(cost);
                }
                _ => packed.push((units, cost)),
            }
        }
        packed
    }

    /// The root template with nested stacks holding the API's resources and methods.
    fn split(&self, budget: &Budget) -> TemplateSet {
        let costs: Vec<Cost> = (0..self.units.len()).map(|i| self.unit_cost(i)).collect();
        let mut children: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for (index, unit) in self.units.iter().enumerate() {
            if let Some(parent) = unit.parent.as_ref().and_then(|p| self.by_path.get(p)) {
                children.entry(*parent).or_default().push(index);
            }
        }
        for kids in children.values_mut() {
            kids.sort_by(|a, b| self.units[*a].path_part.cmp(&self.units[*b].path_part));
        }
        let root_index = self.by_path.get("/").copied().unwrap_or(0);
        let mut groups = self.groups(&children, &costs, root_index, budget);
        // `/` without methods is a unit with nothing to create.
        groups.retain(|(_, cost)| cost.resources > 0);

        let stack_id =
            |units: &[usize]| format!("Routes{}", self.names[&self.units[units[0]].path]);
        let mut owner: BTreeMap<String, String> = BTreeMap::new();
        for (units, _) in &groups {
            let id = stack_id(units);
            for &i in units {
                if let Some(resource_id) = &self.units[i].resource_id {
                    owner.insert(resource_id.clone(), id.clone());
                }
            }
        }
        let mut root = self.core();
        let mut nested = Vec::new();
        let mut exported: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut stacks = Vec::new();
        for (units, _) in &groups {
            let id = stack_id(units);
            let file_name = format!("{id}.{}", self.format.extension());
            let mut template = Template::new(format!(
                "{} (routes from {})",
                self.description(),
                self.units[units[0]].path
            ));
            let mut parameters: BTreeMap<String, Expr> = BTreeMap::new();
            let members: BTreeSet<usize> = units.iter().copied().collect();
            for &i in units {
                let unit = &self.units[i];
                for (resource_id, resource) in self.unit_resources(unit, Scope::Nested) {
                    template.resources.insert(resource_id, resource);
                }
                if !unit.routes.is_empty() {
                    parameters.insert(
                        PARAM_FUNCTION_ARN.to_owned(),
                        Expr::get_att(FUNCTION_ID, "Arn"),
                    );
                }
                for authorizer_id in self.unit_authorizers(unit) {
                    parameters.insert(authorizer_id.clone(), Expr::reference(authorizer_id));
                }
                for model in unit.routes.iter().filter_map(|r| r.model.as_deref()) {
                    parameters.insert(model_id(model), Expr::reference(model_id(model)));
                    parameters.insert(
                        REQUEST_VALIDATOR_ID.to_owned(),
                        Expr::reference(REQUEST_VALIDATOR_ID),
                    );
                }
                let parent_index = unit.parent.as_ref().and_then(|p| self.by_path.get(p));
                let parent_id = parent_index.and_then(|&p| self.units[p].resource_id.clone());
                match (parent_id, parent_index) {
                    (Some(parent_id), Some(p)) if !members.contains(p) => {
                        let from = owner[&parent_id].clone();
                        exported
                            .entry(from.clone())
                            .or_default()
                            .insert(parent_id.clone());
                        parameters.insert(
                            parent_id.clone(),
                            Expr::get_att(from, format!("Outputs.{parent_id}")),
                        );
                    }
                    _ => {}
                }
                if unit.resource_id.is_none() || unit.parent.as_deref() == Some("/") {
                    parameters.insert(
                        PARAM_ROOT_RESOURCE.to_owned(),
                        Expr::get_att(REST_API_ID, "RootResourceId"),
                    );
                }
            }
            parameters.insert(PARAM_REST_API.to_owned(), Expr::reference(REST_API_ID));
            for name in parameters.keys() {
                let description = match name.as_str() {
                    PARAM_REST_API => "The REST API's ID".to_owned(),
                    PARAM_ROOT_RESOURCE => "The ID of the API's root resource".to_owned(),
                    PARAM_FUNCTION_ARN => "The API function's ARN".to_owned(),
                    REQUEST_VALIDATOR_ID => "The ID of the request validator".to_owned(),
                    other if other.starts_with(MODEL_PREFIX) => {
                        format!("The name of the request model {other}")
                    }
                    other
                        if self
                            .authorizers
                            .values()
                            .any(|(stem, _)| Self::authorizer_id(stem) == other) =>
                    {
                        format!("The ID of the authorizer {other}")
                    }
                    other => format!("The ID of the API resource {other} (another nested stack)"),
                };
                template
                    .parameters
                    .insert(name.clone(), Parameter::string(description));
            }
            root.resources.insert(
                id.clone(),
                ResourceKind::Stack(StackProps {
                    template_url: file_name.clone(),
                    parameters,
                })
                .into(),
            );
            stacks.push(id.clone());
            nested.push(NestedTemplate {
                logical_id: id,
                file_name,
                template,
            });
        }
        for child in &mut nested {
            if let Some(outputs) = exported.get(&child.logical_id) {
                for resource_id in outputs {
                    child.template.outputs.insert(
                        resource_id.clone(),
                        Output {
                            description: format!("The ID of the API resource {resource_id}"),
                            value: Expr::reference(resource_id.clone()),
                        },
                    );
                }
            }
        }
        root.resources
            .insert(self.deployment_id(), self.deployment(stacks));
        TemplateSet { root, nested }
    }
}

/// The logical ID of a gateway response: `GatewayResponseDefault4xx`.
fn gateway_response_id(kind: &str) -> String {
    format!("GatewayResponse{}", ids::camel(&kind.to_ascii_lowercase()))
}

/// Each authorizer's logical-ID stem, by name; two names with the same stem
/// are refused.
fn authorizer_stems(
    manifest: &Manifest,
) -> Result<BTreeMap<String, (String, &Authorizer)>, TemplateError> {
    let mut by_stem: BTreeMap<String, &str> = BTreeMap::new();
    let mut out = BTreeMap::new();
    for authorizer in &manifest.authorizers {
        let stem = ids::camel(&authorizer.name);
        if stem.is_empty() || stem.len() > 200 {
            return Err(TemplateError::Unsupported(format!(
                "the authorizer `{}` needs a name of 1 to 200 letters and digits",
                authorizer.name
            )));
        }
        if let Some(other) = by_stem.insert(stem.clone(), &authorizer.name) {
            return Err(TemplateError::Unsupported(format!(
                "the authorizers `{other}` and `{}` would get the same logical ID `{stem}Authorizer`; rename one",
                authorizer.name
            )));
        }
        out.insert(authorizer.name.clone(), (stem, authorizer));
    }
    Ok(out)
}

/// The CORS settings of each unit with a CORS route; the routes of one
/// resource must agree, and a CORS resource cannot route OPTIONS itself.
fn unit_cors(units: &[Unit<'_>]) -> Result<BTreeMap<usize, Cors>, TemplateError> {
    let mut out = BTreeMap::new();
    for (index, unit) in units.iter().enumerate() {
        let mut found: Option<&Route> = None;
        for route in unit.routes.iter().filter(|r| r.cors.is_some()) {
            match found {
                Some(first) if first.cors != route.cors => {
                    return Err(TemplateError::Unsupported(format!(
                        "`{}` has routes with different CORS settings ({} and {}); API Gateway answers one preflight per resource, so give them the same settings",
                        unit.path,
                        first.location(),
                        route.location()
                    )));
                }
                Some(_) => {}
                None => found = Some(route),
            }
        }
        if let Some(route) = found {
            if let Some(options) = unit.routes.iter().find(|r| r.method == "OPTIONS") {
                return Err(TemplateError::Unsupported(format!(
                    "`{}` routes OPTIONS ({}) and allows CORS ({}); the CORS preflight is the OPTIONS method, so drop one",
                    unit.path,
                    options.location(),
                    route.location()
                )));
            }
            if let Some(cors) = &route.cors {
                if cors.headers().iter().any(|(_, v)| v.contains('\'')) {
                    return Err(TemplateError::Unsupported(format!(
                        "the CORS settings of {} contain `'`, which API Gateway's static header values cannot hold",
                        route.location()
                    )));
                }
                out.insert(index, cors.clone());
            }
        }
    }
    Ok(out)
}

/// The stage's per-route throttling: `(HTTP method, escaped resource path, limits)`.
fn route_throttles(
    manifest: &Manifest,
    config: &StageConfig,
) -> Result<Vec<(String, String, crate::config::ThrottleLimits)>, TemplateError> {
    Ok(throttled_routes(manifest, config)?
        .into_iter()
        .map(|(method, resource_path, limits)| {
            (
                method,
                format!("/{}", resource_path.replace('/', "~1")),
                limits,
            )
        })
        .collect())
}

/// The routes `throttling.routes` names (`METHOD /path`, the path in API
/// Gateway or `#[route]` form), resolved against the manifest: `(HTTP method,
/// resource path, limits)`. The template's MethodSettings and the local
/// server's buckets both read this list; a key that is no route is an error.
pub fn throttled_routes(
    manifest: &Manifest,
    config: &StageConfig,
) -> Result<Vec<(String, String, crate::config::ThrottleLimits)>, TemplateError> {
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
            return Err(TemplateError::Config(format!(
                "`throttling.routes`: `{key}` is not a route of the app (write `METHOD /path` as `cargo chalice routes` lists them)"
            )));
        };
        out.push((
            route.method.clone(),
            route.resource_path.clone(),
            limits.clone(),
        ));
    }
    Ok(out)
}

/// The prefix of request models' logical IDs.
const MODEL_PREFIX: &str = "Model";

/// The logical ID of request model `name` (`Model<Name>`; model names are
/// Rust type names, alphanumeric or with `_`, which is dropped).
fn model_id(name: &str) -> String {
    let stem: String = name.chars().filter(char::is_ascii_alphanumeric).collect();
    format!("{MODEL_PREFIX}{stem}")
}

/// The stage's resource policy document, from `resource_policy_file` or
/// `resource_policy`: what the RestApi's `Policy` is, and what
/// `cargo chalice local` enforces.
pub fn resource_policy(config: &StageConfig) -> Result<Option<Value>, TemplateError> {
    Ok(
        match (&config.resource_policy, &config.resource_policy_file) {
            (_, Some(file)) => Some(read_resource_policy(config, file)?),
            (Some(policy), None) => Some(ip_policy(policy)),
            (None, None) => None,
        },
    )
}

/// The resource policy of `resource_policy`: invoke allowed (from the allowed
/// source IPs only, when listed), denied from the denied ones.
fn ip_policy(policy: &crate::config::ResourcePolicy) -> Value {
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

/// Reads the stage's `resource_policy_file` (relative to `.chalice/`).
fn read_resource_policy(config: &StageConfig, file: &str) -> Result<Value, TemplateError> {
    read_policy(config, file).map_err(|error| match error {
        TemplateError::PolicyFile { path, message } => {
            TemplateError::ResourcePolicyFile { path, message }
        }
        other => other,
    })
}

/// The policy generated from the AWS SDK calls in the app's sources
/// (`autogen_policy`); `None` when there is nothing to grant, or no sources to
/// read (a manifest without a project, as in generated test apps).
fn generated_policy(
    config: &StageConfig,
    function: &crate::config::FunctionConfig,
) -> Result<Option<Value>, TemplateError> {
    match crate::policy::policy_for(&config.project_dir, function) {
        Ok(outcome) => Ok(outcome.document),
        Err(crate::policy::PolicyError::NoSources { .. }) => Ok(None),
        Err(error) => Err(TemplateError::GeneratedPolicy(Box::new(error))),
    }
}

/// Reads the stage's `iam_policy_file` (relative to `.chalice/`), with the
/// checks `gen-policy` applies.
fn read_policy(config: &StageConfig, file: &str) -> Result<Value, TemplateError> {
    use crate::policy::{read_policy_file, PolicyError};
    let path = config.project_dir.join(".chalice").join(file);
    read_policy_file(&path).map_err(|error| {
        let message = match error {
            PolicyError::PolicyFile { message, .. } => message,
            PolicyError::Read { source, .. } => source.to_string(),
            other => other.to_string(),
        };
        TemplateError::PolicyFile { path, message }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(paths: &[&str]) -> Manifest {
        let fragments: Vec<String> = paths
            .iter()
            .map(|path| {
                json!({
                    "kind": "route", "handler": "h", "module": "m", "file": "f.rs", "line": 1,
                    "path": path, "resource_path": path, "methods": ["GET"],
                })
                .to_string()
            })
            .collect();
        Manifest::from_fragments(fragments.iter().map(|f| f.as_bytes())).unwrap()
    }

    fn config() -> StageConfig {
        let dir = std::env::temp_dir().join("chalice-template-test-no-config");
        crate::config::load(&dir, "dev", "app").unwrap()
    }

    #[test]
    fn split_stacks_pass_parent_ids_through_outputs() {
        let manifest = manifest(&["/", "/a", "/a/b", "/a/b/c", "/a/b/c/d", "/z"]);
        let config = config();
        let generator =
            Generator::new(&manifest, &config, Arch::Arm64, TemplateFormat::Json).unwrap();
        // Two resources per stack at most: forces the tree apart.
        let budget = Budget {
            resources: 2,
            bytes: 1_000_000,
            units: 10,
        };
        let set = generator.split(&budget);
        assert!(set.nested.len() >= 3, "{}", set.nested.len());
        let rendered = render_checked(&set, TemplateFormat::Json).unwrap();
        assert_eq!(rendered.nested.len(), set.nested.len());
        let root = set.root.to_value();
        let mut outputs_seen = 0;
        for child in &set.nested {
            let stack = &root["Resources"][&child.logical_id];
            assert_eq!(stack["Type"], "AWS::CloudFormation::Stack");
            assert_eq!(stack["Properties"]["TemplateURL"], child.file_name.as_str());
            // Every parameter of the child is passed by the root, and vice versa.
            let passed: BTreeSet<String> = stack["Properties"]["Parameters"]
                .as_object()
                .unwrap()
                .keys()
                .cloned()
                .collect();
            let declared: BTreeSet<String> = child.template.parameters.keys().cloned().collect();
            assert_eq!(passed, declared, "{}", child.logical_id);
            for (name, value) in stack["Properties"]["Parameters"].as_object().unwrap() {
                if let Some([from, attribute]) = value["Fn::GetAtt"]
                    .as_array()
                    .map(|a| [a[0].as_str().unwrap(), a[1].as_str().unwrap()])
                {
                    if let Some(output) = attribute.strip_prefix("Outputs.") {
                        assert_eq!(output, name);
                        let owner = set.nested.iter().find(|n| n.logical_id == from).unwrap();
                        assert!(owner.template.outputs.contains_key(name));
                        assert!(owner.template.resources.contains_key(name));
                        outputs_seen += 1;
                    }
                }
            }
        }
        assert!(outputs_seen > 0, "some parent lives in another stack");
        let deployment = root["Resources"]
            .as_object()
            .unwrap()
            .iter()
            .find(|(id, _)| id.starts_with(DEPLOYMENT_PREFIX))
            .unwrap()
            .1;
        assert_eq!(
            deployment["DependsOn"].as_array().unwrap().len(),
            set.nested.len()
        );
    }

    #[test]
    fn the_role_gets_the_policy_generated_from_the_code() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("src")).unwrap();
        std::fs::write(
            dir.path().join("src/main.rs"),
            "use aws_sdk_dynamodb::Client;\n\
             async fn save(client: &Client) {\n\
                 let _ = client.put_item().table_name(\"t\").send().await;\n\
                 let _ = client.get_item().table_name(\"t\").send().await;\n\
             }\n\
             fn main() {}\n",
        )
        .unwrap();
        let config = crate::config::load(dir.path(), "dev", "app").unwrap();
        let manifest = manifest(&["/"]);
        let (set, _) = generate(&manifest, &config, Arch::Arm64, TemplateFormat::Json).unwrap();
        let root = set.root.to_value();
        let role = root["Resources"]
            .as_object()
            .unwrap()
            .values()
            .find(|r| r["Type"] == "AWS::IAM::Role")
            .unwrap();
        let app_policy = role["Properties"]["Policies"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["PolicyName"] == USER_POLICY_NAME)
            .expect("the generated policy is attached");
        let text = app_policy["PolicyDocument"].to_string();
        assert!(
            text.contains("dynamodb:PutItem") && text.contains("dynamodb:GetItem"),
            "{text}"
        );

        // `autogen_policy: false` leaves it out.
        std::fs::create_dir_all(dir.path().join(".chalice")).unwrap();
        std::fs::write(
            dir.path().join(".chalice/config.json"),
            r#"{"autogen_policy": false}"#,
        )
        .unwrap();
        let config = crate::config::load(dir.path(), "dev", "app").unwrap();
        let (set, _) = generate(&manifest, &config, Arch::Arm64, TemplateFormat::Json).unwrap();
        assert!(!set.root.to_value().to_string().contains("dynamodb:PutItem"));
    }

    #[test]
    fn small_apps_stay_in_one_template() {
        let manifest = manifest(&["/", "/items", "/items/{id}"]);
        let (set, rendered) =
            generate(&manifest, &config(), Arch::X86_64, TemplateFormat::Yaml).unwrap();
        assert!(set.nested.is_empty());
        assert!(rendered.root.contains("Handler: api"), "{}", rendered.root);
        assert!(rendered.root.contains("- x86_64"));
        let ids: Vec<&String> = set.root.resources.keys().collect();
        for expected in [
            "MethodGetRoot",
            "MethodGetItems",
            "MethodGetItemsIdParam",
            "ResourceItems",
            "ResourceItemsIdParam",
        ] {
            assert!(
                set.root.resources.contains_key(expected),
                "{expected} not in {ids:?}"
            );
        }
    }

    #[test]
    fn authorizers_become_resources_and_unknown_ones_are_named() {
        let mut manifest = manifest(&["/x", "/y"]);
        manifest.routes[0].authorizer = Some("auth".to_owned());
        let err = generate(&manifest, &config(), Arch::Arm64, TemplateFormat::Json).unwrap_err();
        assert!(err.to_string().contains("authorizer `auth`"), "{err}");

        let authorizer = |name: &str| Authorizer {
            name: name.to_owned(),
            module: "m".to_owned(),
            file: "f.rs".to_owned(),
            line: 1,
            kind: AuthorizerKind::Token {
                header: "Authorization".to_owned(),
                validation_expression: None,
            },
            ttl_seconds: 0,
        };
        manifest.authorizers = vec![authorizer("auth")];
        manifest.routes[1].authorizer = Some(IAM_AUTHORIZER.to_owned());
        let (set, _) = generate(&manifest, &config(), Arch::Arm64, TemplateFormat::Json).unwrap();
        let root = set.root.to_value();
        let method = &root["Resources"]["MethodGetX"]["Properties"];
        assert_eq!(method["AuthorizationType"], "CUSTOM");
        assert_eq!(method["AuthorizerId"]["Ref"], "AuthAuthorizer");
        assert_eq!(
            root["Resources"]["MethodGetY"]["Properties"]["AuthorizationType"],
            "AWS_IAM"
        );
        assert_eq!(
            root["Resources"]["AuthAuthorizerHandler"]["Properties"]["Handler"],
            "authorizer:auth"
        );

        // The deployment follows the authorizers and CORS too.
        let before = api_shape_hash(&manifest, &config());
        manifest.authorizers[0].ttl_seconds = 60;
        let after = api_shape_hash(&manifest, &config());
        assert_ne!(before, after);
        manifest.routes[0].cors = Some(Cors {
            allow_origin: "*".to_owned(),
            allow_headers: Vec::new(),
            expose_headers: Vec::new(),
            max_age: None,
            allow_credentials: false,
        });
        assert_ne!(after, api_shape_hash(&manifest, &config()));
        manifest.authorizers[0].kind = AuthorizerKind::Request {
            identity_sources: Vec::new(),
        };
        let err = generate(&manifest, &config(), Arch::Arm64, TemplateFormat::Json).unwrap_err();
        assert!(err.to_string().contains("no identity sources"), "{err}");

        // Two names with the same logical ID are refused, naming both.
        manifest.authorizers = vec![authorizer("a_b"), authorizer("aB")];
        manifest.routes[0].authorizer = None;
        let err = generate(&manifest, &config(), Arch::Arm64, TemplateFormat::Json).unwrap_err();
        assert!(err.to_string().contains("`a_b` and `aB`"), "{err}");
    }

    #[test]
    fn cors_routes_of_one_resource_must_agree() {
        let mut manifest = manifest(&["/x"]);
        let cors = |origin: &str| Cors {
            allow_origin: origin.to_owned(),
            allow_headers: Vec::new(),
            expose_headers: Vec::new(),
            max_age: None,
            allow_credentials: false,
        };
        let mut post = manifest.routes[0].clone();
        post.method = "POST".to_owned();
        manifest.routes.push(post);
        manifest.routes[0].cors = Some(cors("*"));
        let (set, _) = generate(&manifest, &config(), Arch::Arm64, TemplateFormat::Json).unwrap();
        let root = set.root.to_value();
        assert_eq!(
            root["Resources"]["MethodOptionsX"]["Properties"]["Integration"]
                ["IntegrationResponses"][0]["ResponseParameters"]
                ["method.response.header.Access-Control-Allow-Methods"],
            "'GET,OPTIONS,POST'"
        );
        manifest.routes[1].cors = Some(cors("https://a.example"));
        let err = generate(&manifest, &config(), Arch::Arm64, TemplateFormat::Json).unwrap_err();
        assert!(err.to_string().contains("different CORS settings"), "{err}");
    }
}

#[cfg(test)]
mod model_tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn app_wide_cors_reaches_every_resource_and_the_function() {
        let mut manifest: Manifest = serde_json::from_value(json!({
            "version": chalice_rs_runtime::manifest::MANIFEST_VERSION,
            "routes": [
                {"resource_path": "/a", "path": "/a", "method": "GET",
                 "handler": "a", "module": "app", "file": "src/main.rs", "line": 1,
                 "content_types": ["application/json"], "api_key_required": false}
            ]
        }))
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(".chalice")).unwrap();
        std::fs::write(
            dir.path().join(".chalice/config.json"),
            r#"{"version": "2.0", "app_name": "app", "autogen_policy": false, "cors": {"allow_origin": "https://app.example"}}"#,
        )
        .unwrap();
        let config = crate::config::load(dir.path(), "dev", "app").unwrap();
        config.apply_cors(&mut manifest);
        let (set, _) = generate(&manifest, &config, Arch::Arm64, TemplateFormat::Json).unwrap();
        let root = set.root.to_value();
        let options = &root["Resources"]["MethodOptionsA"]["Properties"];
        assert_eq!(
            options["Integration"]["IntegrationResponses"][0]["ResponseParameters"]
                ["method.response.header.Access-Control-Allow-Origin"],
            "'https://app.example'"
        );
        let variables = &root["Resources"][FUNCTION_ID]["Properties"]["Environment"]["Variables"];
        assert!(
            variables["CHALICE_CORS"]
                .as_str()
                .unwrap()
                .contains("https://app.example"),
            "{variables}"
        );
    }

    #[test]
    fn validated_routes_get_their_model_and_the_validator() {
        let manifest: Manifest = serde_json::from_value(json!({
            "version": chalice_rs_runtime::manifest::MANIFEST_VERSION,
            "routes": [
                {"resource_path": "/reports", "path": "/reports", "method": "POST",
                 "handler": "create", "module": "app", "file": "src/main.rs", "line": 1,
                 "content_types": ["application/json"], "api_key_required": false,
                 "model": "NewReport"},
                {"resource_path": "/reports", "path": "/reports", "method": "GET",
                 "handler": "list", "module": "app", "file": "src/main.rs", "line": 2,
                 "content_types": ["application/json"], "api_key_required": false}
            ],
            "models": {"NewReport": {"$schema": "http://json-schema.org/draft-04/schema#", "type": "object"}}
        }))
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(".chalice")).unwrap();
        std::fs::write(
            dir.path().join(".chalice/config.json"),
            r#"{"version": "2.0", "app_name": "app", "autogen_policy": false}"#,
        )
        .unwrap();
        let config = crate::config::load(dir.path(), "dev", "app").unwrap();
        let (set, _) = generate(&manifest, &config, Arch::Arm64, TemplateFormat::Json).unwrap();
        let root = set.root.to_value();
        let resources = &root["Resources"];
        assert_eq!(
            resources["ModelNewReport"]["Type"],
            "AWS::ApiGateway::Model"
        );
        assert_eq!(
            resources["ModelNewReport"]["Properties"]["Schema"]["type"],
            "object"
        );
        assert_eq!(
            resources[REQUEST_VALIDATOR_ID]["Properties"]["ValidateRequestBody"],
            true
        );
        let post = &resources["MethodPostReports"]["Properties"];
        assert_eq!(
            post["RequestModels"],
            json!({"application/json": {"Ref": "ModelNewReport"}})
        );
        assert_eq!(
            post["RequestValidatorId"],
            json!({"Ref": REQUEST_VALIDATOR_ID})
        );
        let get = &resources["MethodGetReports"]["Properties"];
        assert!(get.get("RequestModels").is_none(), "{get}");
        assert!(get.get("RequestValidatorId").is_none(), "{get}");

        // Split into nested stacks: the model and the validator stay in the
        // root and reach the method as parameters of the same names.
        let generator =
            Generator::new(&manifest, &config, Arch::Arm64, TemplateFormat::Json).unwrap();
        let set = generator.split(&Budget {
            resources: 2,
            bytes: 1_000_000,
            units: 10,
        });
        render_checked(&set, TemplateFormat::Json).unwrap();
        let root = set.root.to_value();
        assert!(root["Resources"]["ModelNewReport"].is_object());
        let child = set
            .nested
            .iter()
            .find(|n| n.template.resources.contains_key("MethodPostReports"))
            .expect("the method in a nested stack");
        assert!(child.template.parameters.contains_key("ModelNewReport"));
        assert!(child.template.parameters.contains_key(REQUEST_VALIDATOR_ID));
        let passed = &root["Resources"][&child.logical_id]["Properties"]["Parameters"];
        assert_eq!(passed["ModelNewReport"], json!({"Ref": "ModelNewReport"}));
        assert_eq!(
            passed[REQUEST_VALIDATOR_ID],
            json!({"Ref": REQUEST_VALIDATOR_ID})
        );
    }
}

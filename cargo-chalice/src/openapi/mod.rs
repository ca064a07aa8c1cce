//! `cargo chalice openapi`: the OpenAPI 3.0 document of the app's REST API,
//! a reader of the resolved model ([`crate::app`]).
//!
//! Paths and methods come from the resource tree; parameters, bodies and
//! responses from the routes' schemas (`bootstrap --manifest`, see the
//! runtime's `route_schemas`); security schemes from the authorizers, the
//! API keys and `iam`; the gateway's own answers (403, 429, 400 for a
//! model) beside the handler's `ChaliceError`s. With
//! [`Options::aws_extensions`], the `x-amazon-apigateway-*` extensions
//! ([`aws`]) make it importable into API Gateway as the same API.

pub mod aws;
pub mod schema;

use crate::app::rest_api::RestApi;
use crate::app::App;
use chalice_rs_runtime::manifest::{preflight_headers, segments, AuthorizerKind, Route};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// The OpenAPI version written.
pub const OPENAPI_VERSION: &str = "3.0.3";

/// The security scheme of API keys.
pub const API_KEY_SCHEME: &str = "api_key";

/// The security scheme of `iam` (SigV4).
pub const IAM_SCHEME: &str = "sigv4";

/// How the document is written.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The `servers` entry (`None`: API Gateway's stage URL, with variables).
    pub server_url: Option<String>,
    /// Add the `x-amazon-apigateway-*` extensions for this account and region.
    pub aws_extensions: Option<aws::Target>,
}

/// `cargo chalice openapi` options.
#[derive(Debug, Clone, clap::Args)]
pub struct OpenApiArgs {
    /// The stage of .chalice/config.json.
    #[arg(long, default_value = "dev")]
    pub stage: String,
    /// The document's format.
    #[arg(long, value_enum, default_value = "json")]
    pub format: crate::template::TemplateFormat,
    /// Add the `x-amazon-apigateway-*` extensions, so that API Gateway can
    /// import the document as the API `package` writes (needs the region
    /// and the account of the deployed functions).
    #[arg(long)]
    pub aws_extensions: bool,
    /// The region of the functions (with --aws-extensions).
    #[arg(long, env = "AWS_REGION")]
    pub region: Option<String>,
    /// The account ID of the functions (with --aws-extensions).
    #[arg(long, env = "AWS_ACCOUNT_ID")]
    pub account_id: Option<String>,
    /// Write the document to this file instead of stdout.
    #[arg(long, short = 'o')]
    pub output: Option<std::path::PathBuf>,
}

/// Why no document can be written.
#[derive(Debug, thiserror::Error)]
pub enum OpenApiError {
    /// The app has no routes.
    #[error("app `{0}` has no routes: there is no REST API to describe (`cargo chalice routes` lists its functions)")]
    NoRoutes(String),
    /// The app cannot be built or resolved.
    #[error(transparent)]
    Load(#[from] crate::routes::RoutesError),
    /// `--aws-extensions` without a region or an account, or with bad ones.
    #[error("--aws-extensions: {0}")]
    Target(String),
    /// The output file cannot be written.
    #[error("cannot write `{path}`: {source}")]
    Write {
        /// The file.
        path: std::path::PathBuf,
        /// The error.
        source: std::io::Error,
    },
}

/// `cargo chalice openapi`: builds the app for the host, resolves it in the
/// stage and prints (or writes) its document.
pub fn run(project_dir: &std::path::Path, args: &OpenApiArgs) -> Result<(), OpenApiError> {
    let aws_extensions = if args.aws_extensions {
        let region = args.region.as_deref().ok_or_else(|| {
            OpenApiError::Target(
                "the functions' region is needed: pass `--region` or set AWS_REGION".to_owned(),
            )
        })?;
        let account = args.account_id.as_deref().ok_or_else(|| {
            OpenApiError::Target(
                "the functions' account is needed: pass `--account-id` or set AWS_ACCOUNT_ID"
                    .to_owned(),
            )
        })?;
        Some(aws::Target::new(region, account).map_err(OpenApiError::Target)?)
    } else {
        None
    };
    let app = crate::routes::load(project_dir, &args.stage)?;
    let document = document(
        &app,
        &Options {
            server_url: None,
            aws_extensions,
        },
    )?;
    let text = render(&document, args.format);
    match &args.output {
        Some(path) => std::fs::write(path, text).map_err(|source| OpenApiError::Write {
            path: path.clone(),
            source,
        }),
        None => {
            print!("{text}");
            Ok(())
        }
    }
}

/// The document as JSON (pretty, with a final newline) or YAML.
pub fn render(document: &Value, format: crate::template::TemplateFormat) -> String {
    match format {
        crate::template::TemplateFormat::Json => {
            let mut text = serde_json::to_string_pretty(document).unwrap_or_default();
            text.push('\n');
            text
        }
        crate::template::TemplateFormat::Yaml => crate::cfn::yaml::to_yaml(document),
    }
}

/// The OpenAPI document of `app`'s REST API.
pub fn document(app: &App, options: &Options) -> Result<Value, OpenApiError> {
    let api = app
        .rest_api
        .as_ref()
        .ok_or_else(|| OpenApiError::NoRoutes(app.name.clone()))?;
    let mut components = BTreeMap::new();
    components.insert("ChaliceError".to_owned(), chalice_error_schema());
    components.insert("GatewayError".to_owned(), gateway_error_schema());
    for (name, model) in &api.models {
        let converted = schema::to_openapi(model, &mut components);
        components.insert(name.clone(), converted);
    }
    let operation_ids = operation_ids(&api.routes);
    let mut paths = Map::new();
    for resource in api.resources.iter().filter(|r| !r.routes.is_empty()) {
        let mut item = Map::new();
        for route in &resource.routes {
            let mut operation = operation(api, route, &operation_ids, &mut components);
            if let Some(target) = &options.aws_extensions {
                aws::add_integration(app, route, target, &mut operation);
            }
            item.insert(route.method.to_ascii_lowercase(), operation);
        }
        if let Some(cors) = &resource.cors {
            let headers =
                preflight_headers(cors, resource.routes.iter().map(|r| r.method.as_str()));
            let mut preflight = preflight_operation(&resource.path, &headers);
            if options.aws_extensions.is_some() {
                aws::add_preflight(&headers, &mut preflight);
            }
            item.insert("options".to_owned(), preflight);
        }
        paths.insert(resource.path.clone(), Value::Object(item));
    }
    let mut document = json!({
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": app.name,
            "version": app.stage,
            "description": format!("{}. Written by `cargo chalice openapi`.", app.description()),
        },
        "servers": [server(api, options)],
        "tags": tags(api),
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": security_schemes(api),
        },
    });
    if let Some(target) = &options.aws_extensions {
        aws::add_api_extensions(app, api, target, &mut document);
    }
    Ok(document)
}

/// The `servers` entry.
fn server(api: &RestApi, options: &Options) -> Value {
    match &options.server_url {
        Some(url) => json!({"url": url}),
        None => json!({
            "url": "https://{restApiId}.execute-api.{region}.amazonaws.com/{stage}",
            "description": "the deployed stage (`cargo chalice url` prints it)",
            "variables": {
                "restApiId": {"default": "restApiId", "description": "the REST API's ID"},
                "region": {"default": "us-east-1"},
                "stage": {"default": api.stage_name},
            },
        }),
    }
}

/// The tag of a route: its resource's first segment (`/` for the root).
pub fn tag_of(resource_path: &str) -> String {
    segments(resource_path)
        .next()
        .map_or_else(|| "/".to_owned(), |first| format!("/{first}"))
}

fn tags(api: &RestApi) -> Value {
    let tags: BTreeSet<String> = api
        .routes
        .iter()
        .map(|r| tag_of(&r.resource_path))
        .collect();
    Value::Array(tags.into_iter().map(|name| json!({"name": name})).collect())
}

/// Each route's `operationId`: the handler's name, with the method when the
/// handler serves several, unique in the document.
fn operation_ids(routes: &[Route]) -> BTreeMap<(String, String), String> {
    let mut per_handler: BTreeMap<&str, usize> = BTreeMap::new();
    for route in routes {
        *per_handler.entry(&route.handler).or_default() += 1;
    }
    let mut taken = BTreeSet::new();
    let mut out = BTreeMap::new();
    for route in routes {
        let base = if per_handler[route.handler.as_str()] > 1 {
            format!("{}_{}", route.handler, route.method.to_ascii_lowercase())
        } else {
            route.handler.clone()
        };
        let mut id = base.clone();
        let mut n = 2;
        while !taken.insert(id.clone()) {
            id = format!("{base}_{n}");
            n += 1;
        }
        out.insert((route.method.clone(), route.resource_path.clone()), id);
    }
    out
}

/// The summary (the doc comment's first paragraph) and description (all of
/// it, when there is more).
fn summary_and_description(doc: Option<&str>) -> (Option<String>, Option<String>) {
    let Some(doc) = doc.map(str::trim).filter(|d| !d.is_empty()) else {
        return (None, None);
    };
    let first = doc.split("\n\n").next().unwrap_or(doc);
    let summary = first.split_whitespace().collect::<Vec<_>>().join(" ");
    let description = (first.len() < doc.len()).then(|| doc.to_owned());
    (Some(summary), description)
}

fn operation(
    api: &RestApi,
    route: &Route,
    operation_ids: &BTreeMap<(String, String), String>,
    components: &mut BTreeMap<String, Value>,
) -> Value {
    let schemas = route.schemas.clone().unwrap_or_default();
    let mut operation = Map::new();
    operation.insert(
        "operationId".to_owned(),
        json!(operation_ids[&(route.method.clone(), route.resource_path.clone())]),
    );
    let (summary, description) = summary_and_description(route.doc.as_deref());
    if let Some(summary) = summary {
        operation.insert("summary".to_owned(), json!(summary));
    }
    if let Some(description) = description {
        operation.insert("description".to_owned(), json!(description));
    }
    operation.insert("tags".to_owned(), json!([tag_of(&route.resource_path)]));
    operation.insert(
        "x-chalice-handler".to_owned(),
        json!({"name": route.handler, "module": route.module, "file": route.file, "line": route.line}),
    );

    let mut parameters = Vec::new();
    for segment in segments(&route.resource_path) {
        let Some(name) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) else {
            continue;
        };
        let bare = name.trim_end_matches('+');
        let converted = schemas
            .params
            .get(bare)
            .map(|s| schema::to_openapi(s, components))
            .unwrap_or_else(|| json!({"type": "string"}));
        let mut parameter =
            json!({"name": name, "in": "path", "required": true, "schema": converted});
        if name.ends_with('+') {
            parameter["description"] = json!(format!(
                "the rest of the path after this point, slashes included (`<{bare}..>`)"
            ));
        }
        parameters.push(parameter);
    }
    if let Some(query) = &schemas.query {
        let converted = schema::to_openapi(query, components);
        let required: BTreeSet<&str> = converted["required"]
            .as_array()
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if let Some(properties) = converted["properties"].as_object() {
            for (name, property) in properties {
                parameters.push(json!({
                    "name": name,
                    "in": "query",
                    "required": required.contains(name.as_str()),
                    "schema": property,
                }));
            }
        }
    }
    if !parameters.is_empty() {
        operation.insert("parameters".to_owned(), Value::Array(parameters));
    }

    if let Some(body) = request_body(route, &schemas, components) {
        operation.insert("requestBody".to_owned(), body);
    }
    operation.insert(
        "responses".to_owned(),
        responses(api, route, &schemas, components),
    );
    let security = security_requirement(route);
    if let Some(security) = security {
        operation.insert("security".to_owned(), json!([security]));
    }
    Value::Object(operation)
}

/// The request body: the model's reference (required: API Gateway checks
/// it), else the body extractor's schema in each accepted content type.
fn request_body(
    route: &Route,
    schemas: &chalice_rs_runtime::manifest::RouteSchemas,
    components: &mut BTreeMap<String, Value>,
) -> Option<Value> {
    if let Some(model) = &route.model {
        return Some(json!({
            "required": true,
            "description": "checked against the model before the handler runs (`validate = true`)",
            "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{model}")}}},
        }));
    }
    let body = schemas.body.as_ref()?;
    let converted = body
        .schema
        .as_ref()
        .map(|s| schema::to_openapi(s, components))
        .unwrap_or_else(|| json!({}));
    let json_body = body.content_type.as_deref() == Some("application/json");
    let mut content = Map::new();
    for content_type in &route.content_types {
        let schema = if json_body && !content_type.contains("json") {
            json!({})
        } else {
            converted.clone()
        };
        content.insert(content_type.clone(), json!({"schema": schema}));
    }
    Some(json!({"required": json_body, "content": content}))
}

fn error_response(description: &str, schema: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}},
    })
}

fn responses(
    api: &RestApi,
    route: &Route,
    schemas: &chalice_rs_runtime::manifest::RouteSchemas,
    components: &mut BTreeMap<String, Value>,
) -> Value {
    let mut responses = Map::new();
    let ok = match &schemas.response {
        Some(body) => match &body.content_type {
            None => json!({"description": "no body"}),
            Some(content_type) => {
                let schema = body
                    .schema
                    .as_ref()
                    .map(|s| schema::to_openapi(s, components))
                    .unwrap_or_else(|| json!({}));
                json!({"description": "the handler's answer", "content": {content_type: {"schema": schema}}})
            }
        },
        None => json!({
            "description": "the handler's answer (its return type does not say which body)",
            "content": {"application/json": {"schema": {}}},
        }),
    };
    responses.insert("200".to_owned(), ok);
    let takes_input =
        !schemas.params.is_empty() || schemas.query.is_some() || schemas.body.is_some();
    if route.model.is_some() {
        responses.insert(
            "400".to_owned(),
            json!({
                "description": "the gateway's `Invalid request body`, or the handler's BadRequestError",
                "content": {"application/json": {"schema": {"oneOf": [
                    {"$ref": "#/components/schemas/GatewayError"},
                    {"$ref": "#/components/schemas/ChaliceError"},
                ]}}},
            }),
        );
    } else if takes_input {
        responses.insert(
            "400".to_owned(),
            error_response(
                "BadRequestError: a parameter or the body does not parse",
                "ChaliceError",
            ),
        );
    }
    if route.authorizer.is_some() {
        responses.insert(
            "401".to_owned(),
            error_response(
                "the gateway: no or an invalid identity (`Unauthorized`)",
                "GatewayError",
            ),
        );
    }
    responses.insert(
        "403".to_owned(),
        error_response(
            "the gateway: denied by the authorizer, the API key or the resource policy",
            "GatewayError",
        ),
    );
    if schemas.body.is_some() || route.model.is_some() {
        responses.insert(
            "415".to_owned(),
            error_response(
                "UnsupportedMediaType: a Content-Type the route does not accept",
                "ChaliceError",
            ),
        );
    }
    if route.api_key_required || api.stage_throttle.is_some() || !api.route_throttles.is_empty() {
        responses.insert(
            "429".to_owned(),
            error_response(
                "the gateway: throttled or over the usage plan's quota",
                "GatewayError",
            ),
        );
    }
    responses.insert(
        "default".to_owned(),
        error_response(
            "an error the handler answers with (`ChaliceError`)",
            "ChaliceError",
        ),
    );
    Value::Object(responses)
}

/// The operation's security requirement: the authorizer and the API key
/// together (both must pass), or `None` for an open route.
fn security_requirement(route: &Route) -> Option<Value> {
    let mut requirement = Map::new();
    if let Some(name) = &route.authorizer {
        let scheme = if name == chalice_rs_runtime::manifest::IAM_AUTHORIZER {
            IAM_SCHEME
        } else {
            name
        };
        requirement.insert(scheme.to_owned(), json!([]));
    }
    if route.api_key_required {
        requirement.insert(API_KEY_SCHEME.to_owned(), json!([]));
    }
    (!requirement.is_empty()).then_some(Value::Object(requirement))
}

/// The security schemes the routes use.
fn security_schemes(api: &RestApi) -> Value {
    let mut schemes = Map::new();
    if api.routes.iter().any(|r| r.api_key_required) {
        schemes.insert(
            API_KEY_SCHEME.to_owned(),
            json!({"type": "apiKey", "name": "x-api-key", "in": "header",
                   "description": "a key of the stage's usage plan (`api_keys`)"}),
        );
    }
    if api
        .routes
        .iter()
        .any(|r| r.authorizer.as_deref() == Some(chalice_rs_runtime::manifest::IAM_AUTHORIZER))
    {
        schemes.insert(
            IAM_SCHEME.to_owned(),
            json!({"type": "apiKey", "name": "Authorization", "in": "header",
                   "description": "AWS Signature Version 4 (`authorizer = iam`)"}),
        );
    }
    for (name, authorizer) in &api.authorizers {
        let (header, description) = match &authorizer.definition.kind {
            AuthorizerKind::Token { header, .. } => (
                header.clone(),
                format!("the token the `{name}` authorizer checks"),
            ),
            AuthorizerKind::Request { identity_sources } => (
                identity_sources
                    .iter()
                    .find_map(|s| s.strip_prefix("method.request.header."))
                    .unwrap_or("Unused")
                    .to_owned(),
                format!(
                    "the `{name}` REQUEST authorizer reads {}",
                    identity_sources.join(", ")
                ),
            ),
            AuthorizerKind::CognitoUserPools { header, .. } => (
                header.clone(),
                format!("an ID or access token of the `{name}` Cognito user pool"),
            ),
        };
        schemes.insert(
            name.clone(),
            json!({"type": "apiKey", "name": header, "in": "header", "description": description}),
        );
    }
    Value::Object(schemes)
}

/// The CORS preflight API Gateway answers for `path`.
fn preflight_operation(path: &str, headers: &[(String, String)]) -> Value {
    let documented: Map<String, Value> = headers
        .iter()
        .map(|(name, value)| {
            (
                name.clone(),
                json!({"schema": {"type": "string"}, "example": value}),
            )
        })
        .collect();
    let id: String = path
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    json!({
        "operationId": format!("cors_preflight{id}"),
        "summary": "CORS preflight, answered by the gateway",
        "tags": [tag_of(path)],
        "responses": {"200": {"description": "the CORS headers", "headers": documented}},
    })
}

/// ChaliceError's body.
fn chalice_error_schema() -> Value {
    json!({
        "type": "object",
        "description": "the body of a `ChaliceError` (`ChaliceError::not_found(..)` answers 404 NotFoundError)",
        "required": ["Code", "Message"],
        "properties": {
            "Code": {"type": "string", "enum": [
                "BadRequestError", "UnauthorizedError", "ForbiddenError", "NotFoundError",
                "MethodNotAllowedError", "RequestTimeoutError", "ConflictError",
                "UnsupportedMediaType", "UnprocessableEntityError", "TooManyRequestsError",
                "ChaliceViewError", "InternalServerError",
            ]},
            "Message": {"type": "string"},
        },
    })
}

/// API Gateway's own answers (`{"message": "Forbidden"}`).
fn gateway_error_schema() -> Value {
    json!({
        "type": "object",
        "description": "an answer of API Gateway itself, with its `x-amzn-ErrorType` header",
        "properties": {"message": {"type": "string"}},
    })
}

#[cfg(test)]
mod tests;

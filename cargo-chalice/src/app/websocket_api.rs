//! The WebSocket API: its routes (one Lambda function each, as Chalice
//! makes them), its route selection expression, its stage and throttling,
//! and the `$connect` authorizer. Built from the manifest's WebSocket
//! handlers and the stage's config; read by the template
//! (`template/websocket_api.rs`) and `local` (`local/websocket/`).

use super::{names, AppError};
use crate::cfn::ids;
use crate::config::{StageConfig, ThrottleLimits};
use chalice_rs_runtime::manifest::{
    AuthorizerKind, Manifest, WebsocketFragment, CONNECT_ROUTE, DEFAULT_ROUTE, DISCONNECT_ROUTE,
    IAM_AUTHORIZER,
};

/// The WebSocket API's logical ID.
pub const API_ID: &str = "WebsocketAPI";
/// Its stage's logical ID.
pub const STAGE_ID: &str = "WebsocketAPIStage";
/// Its deployment's logical ID.
pub const DEPLOYMENT_ID: &str = "WebsocketAPIDeployment";
/// The route selection expression when the config sets none.
pub const DEFAULT_ROUTE_SELECTION: &str = "$request.body.action";

/// The WebSocket API of an app with WebSocket handlers.
#[derive(Debug, Clone, PartialEq)]
pub struct WebsocketApi {
    /// The API's name: `<app>-<stage>-websocket`.
    pub name: String,
    /// How a message's route key is found (`$request.body.action`).
    pub route_selection_expression: String,
    /// The stage's name (the config's `api_gateway_stage`).
    pub stage_name: String,
    /// The stage's throttling (the config's `throttling` rate and burst).
    pub throttle: ThrottleLimits,
    /// The routes, sorted by route key.
    pub routes: Vec<WebsocketRoute>,
    /// The `$connect` authorizer.
    pub authorizer: Option<WebsocketAuthorizer>,
}

/// One route and the function that answers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebsocketRoute {
    /// `$connect`, `$disconnect`, `$default` or a custom key.
    pub route_key: String,
    /// Its function's `lambda_functions` key (`websocket_connect`, ...).
    pub function: String,
    /// The logical-ID stem of its route, integration and permission
    /// (`WebsocketConnect`, `WebsocketMessageSendmessage`).
    pub stem: String,
    /// Where the handler is written, for messages.
    pub location: String,
    /// Whether the handler's response goes back to the client (a route
    /// response): message routes do, `$connect` and `$disconnect` cannot.
    pub responds: bool,
}

/// How `$connect` is authorized.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebsocketAuthorizer {
    /// IAM (SigV4) authorization.
    Iam,
    /// A REQUEST Lambda authorizer.
    Lambda {
        /// Its name (its function's `lambda_functions` key).
        name: String,
        /// Its logical-ID stem.
        stem: String,
        /// Identity sources in the WebSocket form
        /// (`route.request.header.X`, `route.request.querystring.q`,
        /// `stageVariables.v`).
        identity_sources: Vec<String>,
    },
}

impl WebsocketApi {
    /// The route of `route_key`.
    pub fn route(&self, route_key: &str) -> Option<&WebsocketRoute> {
        self.routes.iter().find(|r| r.route_key == route_key)
    }

    /// The route a message selects: its key when a route has it, else
    /// `$default` when there is one.
    pub fn select(&self, route_key: Option<&str>) -> Option<&WebsocketRoute> {
        route_key
            .filter(|key| !key.starts_with('$'))
            .and_then(|key| self.route(key))
            .or_else(|| self.route(DEFAULT_ROUTE))
    }

    /// The logical ID of the `$connect` authorizer.
    pub fn authorizer_id(&self) -> Option<String> {
        match &self.authorizer {
            Some(WebsocketAuthorizer::Lambda { stem, .. }) => {
                Some(format!("Websocket{}", names::authorizer_id(stem)))
            }
            _ => None,
        }
    }
}

/// The WebSocket API of `manifest`, or `None` without WebSocket handlers.
pub fn resolve(
    manifest: &Manifest,
    config: &StageConfig,
) -> Result<Option<WebsocketApi>, AppError> {
    if manifest.websocket.is_empty() {
        return Ok(None);
    }
    let expression = config
        .websocket_route_selection_expression
        .clone()
        .unwrap_or_else(|| DEFAULT_ROUTE_SELECTION.to_owned());
    check_selection_expression(&expression)?;
    let messages = manifest
        .websocket
        .iter()
        .any(|h| h.route_key != CONNECT_ROUTE && h.route_key != DISCONNECT_ROUTE);
    if !messages {
        return Err(AppError::Unsupported(format!(
            "the app has WebSocket handlers ({}) but no `#[on_ws_message]`: API Gateway needs a \
             message route; add `#[on_ws_message]` (the `$default` route)",
            manifest
                .websocket
                .iter()
                .map(WebsocketFragment::location)
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let mut routes = Vec::new();
    let mut authorizer = None;
    for handler in &manifest.websocket {
        let function = handler.function_name();
        if let Some(name) = &handler.authorizer {
            authorizer = Some(resolve_authorizer(manifest, handler, name)?);
        }
        routes.push(WebsocketRoute {
            route_key: handler.route_key.clone(),
            stem: ids::camel(&function),
            function,
            location: handler.location(),
            responds: handler.route_key != CONNECT_ROUTE && handler.route_key != DISCONNECT_ROUTE,
        });
    }
    let throttle = config
        .throttling
        .as_ref()
        .map(|t| t.stage_limits())
        .unwrap_or(ThrottleLimits {
            rate_limit: None,
            burst_limit: None,
        });
    Ok(Some(WebsocketApi {
        name: format!(
            "{}-websocket",
            names::stack_name(&config.app_name, &config.stage)
        ),
        route_selection_expression: expression,
        stage_name: config.api_gateway_stage.clone(),
        throttle,
        routes,
        authorizer,
    }))
}

/// `$request.body.<path>` or `${request.body.<path>}`, and the other forms
/// API Gateway takes: what the local server can evaluate.
fn check_selection_expression(expression: &str) -> Result<(), AppError> {
    if selection_path(expression).is_some() {
        return Ok(());
    }
    Err(AppError::Config(format!(
        "{}: `websocket_route_selection_expression` is `{expression}`; expected \
         `$request.body.<field>` (a JSON path into the message, such as `$request.body.action`)",
        crate::config::CONFIG_PATH
    )))
}

/// The JSON path of a `$request.body.a.b` expression: `["a", "b"]`.
pub fn selection_path(expression: &str) -> Option<Vec<&str>> {
    let inner = expression
        .strip_prefix("${")
        .and_then(|e| e.strip_suffix('}'))
        .or_else(|| expression.strip_prefix('$'))?;
    let path = inner.strip_prefix("request.body.")?;
    let parts: Vec<&str> = path.split('.').collect();
    parts
        .iter()
        .all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        })
        .then_some(parts)
}

/// The `$connect` authorizer `name`: `iam`, or a REQUEST authorizer (the only
/// Lambda authorizer WebSocket APIs take).
fn resolve_authorizer(
    manifest: &Manifest,
    handler: &WebsocketFragment,
    name: &str,
) -> Result<WebsocketAuthorizer, AppError> {
    if name == IAM_AUTHORIZER {
        return Ok(WebsocketAuthorizer::Iam);
    }
    let Some(definition) = manifest.authorizer(name) else {
        return Err(AppError::Unsupported(format!(
            "#[on_ws_connect] at {} names the authorizer `{name}`, which the app does not define",
            handler.location()
        )));
    };
    let AuthorizerKind::Request { identity_sources } = &definition.kind else {
        return Err(AppError::Unsupported(format!(
            "#[on_ws_connect] at {} uses the authorizer `{name}` ({}:{}), which is not a REQUEST \
             authorizer: WebSocket APIs take REQUEST authorizers (`#[authorizer(kind = request, \
             headers = [..], query = [..])]`) or `iam`",
            handler.location(),
            definition.file,
            definition.line
        )));
    };
    let identity_sources = identity_sources
        .iter()
        .map(|source| {
            source
                .strip_prefix("method.request.")
                .map(|rest| format!("route.request.{rest}"))
                .unwrap_or_else(|| source.clone())
        })
        .collect();
    Ok(WebsocketAuthorizer::Lambda {
        name: name.to_owned(),
        stem: ids::camel(name),
        identity_sources,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selection_expressions_are_read_as_json_paths() {
        assert_eq!(selection_path("$request.body.action"), Some(vec!["action"]));
        assert_eq!(
            selection_path("${request.body.meta.kind}"),
            Some(vec!["meta", "kind"])
        );
        assert_eq!(selection_path("$request.header.x"), None);
        assert_eq!(selection_path("action"), None);
        assert!(check_selection_expression("$request.body.").is_err());
    }
}

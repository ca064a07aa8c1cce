//! WebSocket handlers (`#[on_ws_connect]`, `#[on_ws_disconnect]`,
//! `#[on_ws_message]`): their registrations, the event API Gateway sends
//! them, and how one is invoked.
//!
//! A handler's arguments are the usual extractors, read from the event:
//! [`WebsocketContext`] (the connection id, the route key, the event type, the
//! disconnect's status and reason), `Json<T>` and `TextBody` (the message),
//! `Query<T>` and `Headers` (on connect), `State<T>`, and `Request` (with
//! [`Request::authorizer`], the `$connect` authorizer's context). Its return
//! value is any `IntoResponse`: a connect handler refuses the connection with
//! a status other than 2xx; a message handler's body is sent back to the
//! client when the route has a route response.
//!
//! With the `websocket` feature, `Connections` sends to, closes and
//! describes connections through API Gateway's connections API.

#[cfg(feature = "websocket")]
mod connections;

#[cfg(feature = "websocket")]
pub use connections::{ConnectionError, ConnectionInfo, Connections};

use crate::app::App;
use crate::dispatch::to_proxy_response;
use crate::error::ChaliceError;
use crate::extract::FromRequest;
use crate::registry::HandlerFn;
use crate::request::Request;
use crate::response::IntoResponse;
use aws_lambda_events::apigw::{
    ApiGatewayProxyRequest, ApiGatewayProxyResponse, ApiGatewayWebsocketProxyRequest,
};
use futures_util::FutureExt as _;
use std::panic::AssertUnwindSafe;

pub use crate::manifest::{CONNECT_ROUTE, DEFAULT_ROUTE, DISCONNECT_ROUTE};

/// One WebSocket handler, registered by its attribute.
#[derive(Debug)]
pub struct WebsocketRegistration {
    /// The JSON manifest fragment, also placed in the `chalice_manifest` section.
    pub fragment: &'static [u8],
    /// The route key it answers (`$connect`, `$disconnect`, `$default`, or custom).
    pub route_key: &'static str,
    /// The handler wrapper.
    pub handler: HandlerFn,
}

inventory::collect!(WebsocketRegistration);

/// Every registered WebSocket handler, in link order.
pub fn registrations() -> impl Iterator<Item = &'static WebsocketRegistration> {
    inventory::iter::<WebsocketRegistration>.into_iter()
}

/// The handler of `route_key`.
pub fn find(route_key: &str) -> Option<&'static WebsocketRegistration> {
    registrations().find(|registration| registration.route_key == route_key)
}

/// What API Gateway says about the connection and this event
/// (`requestContext`). A handler argument; outside a WebSocket handler it
/// answers 500.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct WebsocketContext {
    /// The connection's id (`connectionId`): where `Connections` sends.
    pub connection_id: String,
    /// The route key that selected this handler (`$connect`, `sendmessage`, ...).
    pub route_key: String,
    /// `CONNECT`, `MESSAGE` or `DISCONNECT`.
    pub event_type: String,
    /// The API's domain name (`abc123.execute-api.us-east-1.amazonaws.com`;
    /// `127.0.0.1:<port>` under `cargo chalice local`).
    pub domain_name: String,
    /// The stage.
    pub stage: String,
    /// The API's id.
    pub api_id: String,
    /// The request's id.
    pub request_id: String,
    /// The message's id (`MESSAGE` events).
    pub message_id: Option<String>,
    /// When the connection was made, in milliseconds since the epoch.
    pub connected_at: i64,
    /// When this event was received, in milliseconds since the epoch.
    pub request_time_epoch: i64,
    /// The close's status code (`DISCONNECT` events).
    pub disconnect_status_code: Option<i64>,
    /// The close's reason (`DISCONNECT` events).
    pub disconnect_reason: Option<String>,
}

impl WebsocketContext {
    /// The context of an event.
    pub fn from_event(event: &ApiGatewayWebsocketProxyRequest) -> Self {
        let context = &event.request_context;
        let text = |value: &Option<String>| value.clone().unwrap_or_default();
        Self {
            connection_id: text(&context.connection_id),
            route_key: text(&context.route_key),
            event_type: text(&context.event_type),
            domain_name: text(&context.domain_name),
            stage: text(&context.stage),
            api_id: text(&context.apiid),
            request_id: text(&context.request_id),
            message_id: context.message_id.clone(),
            connected_at: context.connected_at,
            request_time_epoch: context.request_time_epoch,
            disconnect_status_code: context.disconnect_status_code,
            disconnect_reason: context.disconnect_reason.clone(),
        }
    }

    /// The connections API's endpoint of the API that sent the event:
    /// `https://{domainName}/{stage}`, or `http://` for a loopback domain
    /// (`cargo chalice local`'s).
    pub fn endpoint(&self) -> String {
        let scheme = if is_loopback(&self.domain_name) {
            "http"
        } else {
            "https"
        };
        format!("{scheme}://{}/{}", self.domain_name, self.stage)
    }
}

/// Whether `domain` (a host, with an optional port) is on this machine.
pub(crate) fn is_loopback(domain: &str) -> bool {
    let host = match domain.rsplit_once(':') {
        Some((host, port)) if port.chars().all(|c| c.is_ascii_digit()) => host,
        _ => domain,
    };
    host == "localhost" || host.starts_with("127.") || host == "[::1]"
}

impl FromRequest for WebsocketContext {
    fn from_request(request: &Request) -> Result<Self, ChaliceError> {
        match request.websocket() {
            Some(context) => Ok(context.clone()),
            None => {
                eprintln!(
                    "chalice-rs: `WebsocketContext` is an argument of WebSocket handlers only \
                     (#[on_ws_connect], #[on_ws_message], #[on_ws_disconnect])"
                );
                Err(ChaliceError::internal())
            }
        }
    }
}

/// The request a WebSocket event gives its handler: the headers, query,
/// body, stage variables and authorizer context of the event in the REST
/// proxy form the extractors read, with the [`WebsocketContext`].
pub fn request_from_event(
    event: ApiGatewayWebsocketProxyRequest,
    lambda_context: Option<lambda_runtime::Context>,
    app: App,
) -> Request {
    let context = WebsocketContext::from_event(&event);
    let mut proxy = ApiGatewayProxyRequest::default();
    proxy.http_method = event.http_method.clone().unwrap_or(http::Method::GET);
    proxy.path = Some(format!("/{}", context.stage));
    proxy.resource = context_route(&context);
    proxy.headers = event.headers;
    proxy.multi_value_headers = event.multi_value_headers;
    proxy.query_string_parameters = event.query_string_parameters;
    proxy.multi_value_query_string_parameters = event.multi_value_query_string_parameters;
    proxy.stage_variables = event.stage_variables;
    proxy.body = event.body;
    proxy.is_base64_encoded = event.is_base64_encoded;
    let from = event.request_context;
    proxy.request_context.stage = from.stage;
    proxy.request_context.request_id = from.request_id;
    proxy.request_context.account_id = from.account_id;
    proxy.request_context.apiid = from.apiid;
    proxy.request_context.domain_name = from.domain_name;
    proxy.request_context.identity = from.identity;
    proxy.request_context.authorizer = from.authorizer;
    proxy.request_context.resource_path = context_route(&context);
    Request::from_event(proxy, lambda_context, app).with_websocket(context)
}

fn context_route(context: &WebsocketContext) -> Option<String> {
    Some(context.route_key.clone())
}

/// Invokes the handler `registration` with `event`, as the Lambda function
/// does: its response in API Gateway's proxy form (a panic answers 500).
pub async fn invoke(
    registration: &'static WebsocketRegistration,
    event: ApiGatewayWebsocketProxyRequest,
    lambda_context: Option<lambda_runtime::Context>,
    app: App,
) -> ApiGatewayProxyResponse {
    let request = request_from_event(event, lambda_context, app);
    let handler = registration.handler;
    let outcome = match std::panic::catch_unwind(AssertUnwindSafe(|| handler(request))) {
        Ok(future) => AssertUnwindSafe(future).catch_unwind().await,
        Err(panic) => Err(panic),
    };
    let response = outcome.unwrap_or_else(|_| {
        eprintln!(
            "chalice-rs: the WebSocket handler of `{}` panicked; answering 500",
            registration.route_key
        );
        ChaliceError::internal().into_response()
    });
    to_proxy_response(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event() -> ApiGatewayWebsocketProxyRequest {
        serde_json::from_value(serde_json::json!({
            "headers": {"Host": "abc.execute-api.us-east-1.amazonaws.com"},
            "queryStringParameters": {"room": "lobby"},
            "multiValueQueryStringParameters": {"room": ["lobby"]},
            "requestContext": {
                "routeKey": "$connect", "eventType": "CONNECT", "stage": "dev",
                "connectedAt": 1700000000000_i64, "requestTimeEpoch": 1700000000001_i64,
                "requestId": "r1", "domainName": "abc.execute-api.us-east-1.amazonaws.com",
                "connectionId": "c1=", "apiId": "abc", "messageDirection": "IN",
                "identity": {"sourceIp": "127.0.0.1"},
                "authorizer": {"principalId": "ana", "room": "lobby"}
            },
            "isBase64Encoded": false
        }))
        .unwrap()
    }

    #[test]
    fn the_event_becomes_a_request_with_its_context() {
        let request = request_from_event(event(), None, App::new());
        assert_eq!(request.query("room"), Some("lobby"));
        assert_eq!(
            request.header("host"),
            Some("abc.execute-api.us-east-1.amazonaws.com")
        );
        assert_eq!(
            request.authorizer().get("principalId"),
            Some(&serde_json::json!("ana"))
        );
        let context = WebsocketContext::from_request(&request).unwrap();
        assert_eq!(context.connection_id, "c1=");
        assert_eq!(context.event_type, "CONNECT");
        assert_eq!(
            context.endpoint(),
            "https://abc.execute-api.us-east-1.amazonaws.com/dev"
        );
    }

    #[test]
    fn a_loopback_domain_is_reached_over_http() {
        let mut context = WebsocketContext::from_event(&event());
        context.domain_name = "127.0.0.1:8001".into();
        assert_eq!(context.endpoint(), "http://127.0.0.1:8001/dev");
        assert!(is_loopback("localhost"));
        assert!(!is_loopback("abc.execute-api.us-east-1.amazonaws.com"));
        assert!(!is_loopback("127.example.com:443") || is_loopback("127.0.0.1"));
    }
}

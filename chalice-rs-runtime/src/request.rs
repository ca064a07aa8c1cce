//! The incoming request, as API Gateway's REST v1 proxy event describes it.

use crate::app::App;
use crate::error::ChaliceError;
use aws_lambda_events::apigw::{ApiGatewayProxyRequest, ApiGatewayProxyRequestContext};
use base64::Engine as _;
use http::{HeaderMap, Method};
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

/// The request a handler is called with. Cheap to clone (shared).
///
/// Take it as a handler argument to read anything about the request: method,
/// paths, query, headers, body, stage variables, the API Gateway request
/// context (with the authorizer's context) and the Lambda context.
#[derive(Clone)]
pub struct Request {
    inner: Arc<Inner>,
}

struct Inner {
    event: ApiGatewayProxyRequest,
    body: Body,
    lambda_context: Option<lambda_runtime::Context>,
    app: App,
    websocket: Option<crate::websocket::WebsocketContext>,
}

/// Where the request body's bytes are.
#[derive(Clone)]
enum Body {
    /// The event's `body` text as it is (empty when absent): not copied.
    InEvent,
    /// Decoded from the event's base64 `body`.
    Decoded(Vec<u8>),
    /// The message of a base64 `body` that does not decode.
    Undecodable(String),
}

impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Request")
            .field("method", self.method())
            .field("path", &self.path())
            .field("resource_path", &self.resource_path())
            .finish_non_exhaustive()
    }
}

impl Request {
    /// Wraps a REST v1 proxy event. A base64 body that does not decode is kept
    /// as an error that body extractors report as 400.
    pub fn from_event(
        event: ApiGatewayProxyRequest,
        lambda_context: Option<lambda_runtime::Context>,
        app: App,
    ) -> Self {
        let body = match event.body.as_deref() {
            Some(text) if event.is_base64_encoded => {
                match base64::engine::general_purpose::STANDARD.decode(text) {
                    Ok(bytes) => Body::Decoded(bytes),
                    Err(error) => {
                        Body::Undecodable(format!("the base64 body does not decode: {error}"))
                    }
                }
            }
            _ => Body::InEvent,
        };
        Self {
            inner: Arc::new(Inner {
                event,
                body,
                lambda_context,
                app,
                websocket: None,
            }),
        }
    }

    /// The request with the context of the WebSocket event it came from.
    pub(crate) fn with_websocket(self, context: crate::websocket::WebsocketContext) -> Self {
        let mut inner = Arc::try_unwrap(self.inner).unwrap_or_else(|shared| Inner {
            event: shared.event.clone(),
            body: shared.body.clone(),
            lambda_context: shared.lambda_context.clone(),
            app: shared.app.clone(),
            websocket: shared.websocket.clone(),
        });
        inner.websocket = Some(context);
        Self {
            inner: Arc::new(inner),
        }
    }

    /// The WebSocket event's context, for a WebSocket handler's request.
    pub fn websocket(&self) -> Option<&crate::websocket::WebsocketContext> {
        self.inner.websocket.as_ref()
    }

    /// The whole proxy event.
    pub fn event(&self) -> &ApiGatewayProxyRequest {
        &self.inner.event
    }
    /// The HTTP method.
    pub fn method(&self) -> &Method {
        &self.inner.event.http_method
    }
    /// The request path as the client sent it (`/items/3`); empty if absent.
    pub fn path(&self) -> &str {
        self.inner.event.path.as_deref().unwrap_or("")
    }
    /// The matched resource in API Gateway form (`/items/{id}`).
    pub fn resource_path(&self) -> &str {
        self.inner
            .event
            .request_context
            .resource_path
            .as_deref()
            .or(self.inner.event.resource.as_deref())
            .unwrap_or("")
    }
    /// A path parameter by name, as API Gateway passes it: encoded as the
    /// client sent it (`Le%20Guin`). A typed handler argument of the same
    /// name gets it percent-decoded (`Le Guin`).
    pub fn path_param(&self, name: &str) -> Option<&str> {
        self.inner
            .event
            .path_parameters
            .get(name)
            .map(String::as_str)
    }
    /// All path parameters, encoded as the client sent them.
    pub fn path_params(&self) -> &HashMap<String, String> {
        &self.inner.event.path_parameters
    }
    /// The last value of a query-string parameter (as API Gateway's
    /// `queryStringParameters`).
    pub fn query(&self, name: &str) -> Option<&str> {
        let multi = &self.inner.event.multi_value_query_string_parameters;
        if let Some(all) = multi.all(name) {
            return all.last().copied();
        }
        self.inner.event.query_string_parameters.first(name)
    }
    /// Every value of a query-string parameter, in order (`?tag=a&tag=b`).
    pub fn query_all(&self, name: &str) -> Vec<&str> {
        let multi = &self.inner.event.multi_value_query_string_parameters;
        match multi.all(name) {
            Some(all) => all,
            None => self
                .inner
                .event
                .query_string_parameters
                .all(name)
                .unwrap_or_default(),
        }
    }
    /// Every query-string pair, with repeated names repeated.
    pub fn query_pairs(&self) -> Vec<(&str, &str)> {
        let event = &self.inner.event;
        let map = if event.multi_value_query_string_parameters.is_empty() {
            &event.query_string_parameters
        } else {
            &event.multi_value_query_string_parameters
        };
        map.iter().collect()
    }
    /// The headers (every value of repeated headers).
    pub fn headers(&self) -> &HeaderMap {
        let event = &self.inner.event;
        if event.multi_value_headers.is_empty() {
            &event.headers
        } else {
            &event.multi_value_headers
        }
    }
    /// One header's first value, if it is valid text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers().get(name).and_then(|v| v.to_str().ok())
    }
    /// The media type of the body (`Content-Type` without parameters, lower case);
    /// `application/json` when absent, as Chalice assumes. A value that is
    /// not plain ASCII is read as UTF-8 (lossily), so that it matches no
    /// route's `content_types` rather than passing for an absent one.
    pub fn content_type(&self) -> String {
        self.media_type().into_owned()
    }
    /// [`content_type`](Self::content_type), borrowed when it needs no change.
    pub(crate) fn media_type(&self) -> Cow<'_, str> {
        const ABSENT: &str = "application/json";
        let Some(value) = self.headers().get(http::header::CONTENT_TYPE) else {
            return Cow::Borrowed(ABSENT);
        };
        fn essence(text: &str) -> &str {
            text.split(';').next().unwrap_or("").trim()
        }
        let media = match String::from_utf8_lossy(value.as_bytes()) {
            Cow::Borrowed(text) => Cow::Borrowed(essence(text)),
            Cow::Owned(text) => Cow::Owned(essence(&text).to_owned()),
        };
        if media.is_empty() {
            Cow::Borrowed(ABSENT)
        } else if media.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(media.to_ascii_lowercase())
        } else {
            media
        }
    }
    /// The raw body (base64 bodies decoded).
    pub fn body(&self) -> Result<&[u8], ChaliceError> {
        match &self.inner.body {
            Body::InEvent => Ok(self.event_body().as_bytes()),
            Body::Decoded(bytes) => Ok(bytes),
            Body::Undecodable(message) => Err(ChaliceError::bad_request(message.clone())),
        }
    }
    /// The event's `body` text; empty when absent.
    fn event_body(&self) -> &str {
        self.inner.event.body.as_deref().unwrap_or("")
    }
    /// The body as UTF-8 text.
    pub fn text(&self) -> Result<&str, ChaliceError> {
        if let Body::InEvent = self.inner.body {
            // Already text: no need to check it again.
            return Ok(self.event_body());
        }
        std::str::from_utf8(self.body()?).map_err(|error| {
            ChaliceError::bad_request(format!("the body is not UTF-8 text: {error}"))
        })
    }
    /// The body parsed as JSON; 400 with serde's message when it does not parse.
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, ChaliceError> {
        let body = self.body()?;
        if body.is_empty() {
            return Err(ChaliceError::bad_request(
                "Error Parsing JSON: the request body is empty",
            ));
        }
        serde_json::from_slice(body)
            .map_err(|error| ChaliceError::bad_request(format!("Error Parsing JSON: {error}")))
    }
    /// The stage variables.
    pub fn stage_variables(&self) -> &HashMap<String, String> {
        &self.inner.event.stage_variables
    }
    /// One stage variable.
    pub fn stage_variable(&self, name: &str) -> Option<&str> {
        self.inner
            .event
            .stage_variables
            .get(name)
            .map(String::as_str)
    }
    /// API Gateway's request context (stage, request id, identity, authorizer).
    pub fn request_context(&self) -> &ApiGatewayProxyRequestContext {
        &self.inner.event.request_context
    }
    /// The authorizer's context: `principalId` and the context map an authorizer
    /// returned; empty for a route without an authorizer.
    pub fn authorizer(&self) -> &HashMap<String, serde_json::Value> {
        &self.inner.event.request_context.authorizer.fields
    }
    /// The Lambda invocation context; `None` in the test client.
    pub fn lambda_context(&self) -> Option<&lambda_runtime::Context> {
        self.inner.lambda_context.as_ref()
    }
    /// Shared state of type `T` registered with [`App::state`], if any.
    pub fn state<T: Clone + Send + Sync + 'static>(&self) -> Option<T> {
        self.inner.app.get::<T>()
    }
    pub(crate) fn app(&self) -> &App {
        &self.inner.app
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn with_content_type(value: Option<HeaderValue>) -> Request {
        let mut event = ApiGatewayProxyRequest::default();
        if let Some(value) = value {
            event.headers.insert(http::header::CONTENT_TYPE, value);
        }
        Request::from_event(event, None, App::new())
    }

    #[test]
    fn the_content_type_is_the_media_type_in_lower_case() {
        let request =
            with_content_type(Some(HeaderValue::from_static("Text/Plain; charset=utf-8")));
        assert_eq!(request.content_type(), "text/plain");
        assert_eq!(with_content_type(None).content_type(), "application/json");
    }

    #[test]
    fn the_media_type_is_borrowed_when_already_lower_case() {
        for (value, media, borrowed) in [
            ("application/json", "application/json", true),
            (" text/plain ; charset=utf-8", "text/plain", true),
            ("Text/Plain", "text/plain", false),
            ("", "application/json", true),
            ("  ; charset=utf-8", "application/json", true),
        ] {
            let request = with_content_type(Some(HeaderValue::from_static(value)));
            let got = request.media_type();
            assert_eq!(got, media, "{value}");
            assert_eq!(matches!(got, Cow::Borrowed(_)), borrowed, "{value}");
            assert_eq!(request.content_type(), media, "{value}");
        }
    }

    #[test]
    fn a_content_type_that_is_not_ascii_is_not_taken_for_an_absent_one() {
        let value = HeaderValue::from_bytes(b"application/json\xff").unwrap();
        let request = with_content_type(Some(value));
        assert_eq!(request.content_type(), "application/json\u{fffd}");
    }

    #[test]
    fn a_text_body_is_the_events_and_an_absent_one_is_empty() {
        let mut event = ApiGatewayProxyRequest::default();
        event.body = Some("caf\u{e9}".to_owned());
        let request = Request::from_event(event, None, App::new());
        assert_eq!(request.body().unwrap(), "caf\u{e9}".as_bytes());
        assert_eq!(request.text().unwrap(), "caf\u{e9}");

        let mut event = ApiGatewayProxyRequest::default();
        event.is_base64_encoded = true;
        let request = Request::from_event(event, None, App::new());
        assert_eq!(request.body().unwrap(), b"");
        assert_eq!(request.text().unwrap(), "");
    }

    #[test]
    fn a_body_that_is_not_base64_or_not_utf8_is_a_400() {
        let mut event = ApiGatewayProxyRequest::default();
        event.body = Some("not base64!".to_owned());
        event.is_base64_encoded = true;
        let request = Request::from_event(event, None, App::new());
        let error = request.body().unwrap_err();
        assert_eq!(error.status(), http::StatusCode::BAD_REQUEST);

        let mut event = ApiGatewayProxyRequest::default();
        event.body = Some("/w==".to_owned()); // 0xff
        event.is_base64_encoded = true;
        let request = Request::from_event(event, None, App::new());
        assert_eq!(request.body().unwrap(), [0xff]);
        let error = request.text().unwrap_err();
        assert_eq!(error.status(), http::StatusCode::BAD_REQUEST);
        assert!(error.to_string().contains("not UTF-8"), "{error}");
    }
}

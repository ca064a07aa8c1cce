//! API Gateway's own answers, with the app's `gateway_responses` applied as
//! the deployed stage applies its `GatewayResponse` resources: the entry for
//! the response's type, else `DEFAULT_4XX` or `DEFAULT_5XX`, sets the
//! headers and the body template; only the type's own entry changes the
//! status code.

use crate::config::GatewayResponse as ResponseOverride;
use bytes::Bytes;
use chalice_rs_runtime::gateway::GatewayResponse;
use http::{HeaderName, HeaderValue, Response, StatusCode};
use http_body_util::Full;
use std::collections::BTreeMap;

/// The gateway responses of one stage.
#[derive(Debug, Clone, Default)]
pub struct GatewayResponses {
    overrides: BTreeMap<String, ResponseOverride>,
    stage: String,
}

impl GatewayResponses {
    /// The responses of `stage` with the config's `gateway_responses`.
    pub fn new(overrides: BTreeMap<String, ResponseOverride>, stage: String) -> Self {
        Self { overrides, stage }
    }

    /// The response for `kind`; `message` replaces the type's own message
    /// (as the resource policy's denial names the resource).
    pub fn render(
        &self,
        kind: GatewayResponse,
        message: Option<&str>,
        request_id: &str,
    ) -> Response<Full<Bytes>> {
        let (status, _, default_body) = kind.parts();
        let message = message.map(str::to_owned).or_else(|| kind.message());
        let exact = self.overrides.get(kind.response_type());
        let fallback = if status >= 500 {
            "DEFAULT_5XX"
        } else {
            "DEFAULT_4XX"
        };
        let applied = exact.or_else(|| self.overrides.get(fallback));
        let status = exact.and_then(|o| o.status_code).unwrap_or(status);
        let mut body = match (&message, kind.message()) {
            // A message other than the type's own: the same shape, that message.
            (Some(given), own) if own.as_deref() != Some(given.as_str()) => {
                serde_json::json!({ "message": given }).to_string()
            }
            _ => default_body.to_owned(),
        };
        let mut headers = kind.headers();
        if let Some(applied) = applied {
            for (name, value) in &applied.headers {
                match (
                    HeaderName::from_bytes(name.as_bytes()),
                    HeaderValue::from_str(value),
                ) {
                    (Ok(name), Ok(value)) => {
                        headers.insert(name, value);
                    }
                    _ => eprintln!(
                        "chalice local: gateway_responses: header `{name}` is not a valid HTTP header; skipped"
                    ),
                }
            }
            let template = applied
                .templates
                .get("application/json")
                .or_else(|| applied.templates.values().next());
            if let Some(template) = template {
                body = self.fill(template, kind, message.as_deref(), request_id);
            }
        }
        let mut response = Response::new(Full::new(Bytes::from(body)));
        *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
        *response.headers_mut() = headers;
        if let Ok(value) = HeaderValue::from_str(request_id) {
            response.headers_mut().insert("x-amzn-requestid", value);
        }
        response
    }

    /// A body template with the `$context` variables API Gateway fills in
    /// gateway responses.
    fn fill(
        &self,
        template: &str,
        kind: GatewayResponse,
        message: Option<&str>,
        request_id: &str,
    ) -> String {
        let message_string = match message {
            Some(message) => serde_json::Value::from(message).to_string(),
            None => "null".to_owned(),
        };
        // Longest names first: `$context.error.message` is a prefix of `...messageString`.
        template
            .replace("$context.error.messageString", &message_string)
            .replace("$context.error.message", message.unwrap_or(""))
            .replace("$context.error.responseType", kind.response_type())
            .replace("$context.requestId", request_id)
            .replace("$context.stage", &self.stage)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt as _;

    fn body(response: Response<Full<Bytes>>) -> String {
        let bytes = futures_body(response);
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    fn futures_body(response: Response<Full<Bytes>>) -> Bytes {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        runtime
            .block_on(response.into_body().collect())
            .unwrap()
            .to_bytes()
    }

    #[test]
    fn without_overrides_the_design_table_applies() {
        let responses = GatewayResponses::default();
        let response = responses.render(GatewayResponse::InvalidApiKey, None, "r-1");
        assert_eq!(response.status(), 403);
        assert_eq!(response.headers()["x-amzn-errortype"], "ForbiddenException");
        assert_eq!(response.headers()["x-amzn-requestid"], "r-1");
        assert_eq!(body(response), r#"{"message":"Forbidden"}"#);
    }

    #[test]
    fn the_exact_type_then_the_default_class_applies() {
        let mut overrides = BTreeMap::new();
        overrides.insert(
            "UNAUTHORIZED".to_owned(),
            ResponseOverride {
                status_code: Some(418),
                headers: [("X-Why".to_owned(), "auth".to_owned())].into(),
                templates: [(
                    "application/json".to_owned(),
                    r#"{"error": $context.error.messageString, "type": "$context.error.responseType", "id": "$context.requestId"}"#.to_owned(),
                )]
                .into(),
            },
        );
        overrides.insert(
            "DEFAULT_4XX".to_owned(),
            ResponseOverride {
                status_code: None,
                headers: [("Access-Control-Allow-Origin".to_owned(), "*".to_owned())].into(),
                templates: BTreeMap::new(),
            },
        );
        let responses = GatewayResponses::new(overrides, "api".to_owned());
        let response = responses.render(GatewayResponse::Unauthorized, None, "r-2");
        assert_eq!(response.status(), 418);
        assert_eq!(response.headers()["x-why"], "auth");
        let json: serde_json::Value = serde_json::from_str(&body(response)).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"error": "Unauthorized", "type": "UNAUTHORIZED", "id": "r-2"})
        );
        let response = responses.render(GatewayResponse::Throttled, None, "r-3");
        assert_eq!(response.status(), 429);
        assert_eq!(response.headers()["access-control-allow-origin"], "*");
        assert_eq!(body(response), r#"{"message":"Too Many Requests"}"#);
        // 5XX responses are not touched by DEFAULT_4XX.
        let response = responses.render(GatewayResponse::IntegrationFailure, None, "r-4");
        assert!(response
            .headers()
            .get("access-control-allow-origin")
            .is_none());
    }

    #[test]
    fn a_given_message_replaces_the_types_own() {
        let responses = GatewayResponses::default();
        let response = responses.render(
            GatewayResponse::AccessDenied,
            Some("User: anonymous is not authorized"),
            "r",
        );
        assert_eq!(
            body(response),
            r#"{"message":"User: anonymous is not authorized"}"#
        );
    }
}

//! The events the local WebSocket API sends its functions, in the shape API
//! Gateway sends them: `CONNECT` (the upgrade request's headers and query),
//! `MESSAGE` (the frame's text, or base64 for a binary frame) and
//! `DISCONNECT` (the close's status code and reason), each with the
//! `requestContext` of the deployed API (`connectionId`, `connectedAt`,
//! `requestTimeEpoch`, `messageId`, `eventType`, `domainName`, ...).

use base64::Engine as _;
use http::HeaderMap;
use serde_json::{json, Map, Value};

/// The API's id in local events and ARNs.
pub const LOCAL_API_ID: &str = "local";

/// What every event of one connection shares.
#[derive(Debug, Clone)]
pub struct ConnectionContext {
    /// The connection's id.
    pub connection_id: String,
    /// When it was made (ms since the epoch).
    pub connected_at: i64,
    /// The stage.
    pub stage: String,
    /// `127.0.0.1:<port>`: the API's domain, and so its connections endpoint.
    pub domain_name: String,
    /// The client's address.
    pub source_ip: String,
    /// The client's `User-Agent`.
    pub user_agent: Option<String>,
}

/// A `requestContext` of `route_key` and `event_type`, received at `now` (ms).
fn request_context(
    context: &ConnectionContext,
    route_key: &str,
    event_type: &str,
    request_id: &str,
    now: i64,
) -> Map<String, Value> {
    let mut identity = Map::new();
    identity.insert("sourceIp".to_owned(), json!(context.source_ip));
    if let Some(agent) = &context.user_agent {
        identity.insert("userAgent".to_owned(), json!(agent));
    }
    let mut out = Map::new();
    out.insert("routeKey".to_owned(), json!(route_key));
    out.insert("eventType".to_owned(), json!(event_type));
    out.insert(
        "extendedRequestId".to_owned(),
        json!(extended_request_id(request_id)),
    );
    out.insert("requestTime".to_owned(), json!(request_time(now)));
    out.insert("messageDirection".to_owned(), json!("IN"));
    out.insert("stage".to_owned(), json!(context.stage));
    out.insert("connectedAt".to_owned(), json!(context.connected_at));
    out.insert("requestTimeEpoch".to_owned(), json!(now));
    out.insert("identity".to_owned(), Value::Object(identity));
    out.insert("requestId".to_owned(), json!(request_id));
    out.insert("domainName".to_owned(), json!(context.domain_name));
    out.insert("connectionId".to_owned(), json!(context.connection_id));
    out.insert("apiId".to_owned(), json!(LOCAL_API_ID));
    out
}

/// API Gateway's `extendedRequestId`: a short id of the request.
fn extended_request_id(request_id: &str) -> String {
    let bytes: Vec<u8> = request_id
        .bytes()
        .filter(u8::is_ascii_hexdigit)
        .take(12)
        .collect();
    let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
    encoded.chars().take(16).collect()
}

/// `30/Nov/2026:10:00:00 +0000`, as `requestTime`.
pub fn request_time(epoch_ms: i64) -> String {
    let format = time::macros::format_description!(
        "[day]/[month repr:short]/[year]:[hour]:[minute]:[second] +0000"
    );
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(epoch_ms) * 1_000_000)
        .ok()
        .and_then(|t| t.format(format).ok())
        .unwrap_or_default()
}

/// `headers` (the last value of each name) and `multiValueHeaders`.
fn header_maps(headers: &HeaderMap) -> (Value, Value) {
    let mut single = Map::new();
    let mut multi: Map<String, Value> = Map::new();
    for (name, value) in headers {
        let text = String::from_utf8_lossy(value.as_bytes()).into_owned();
        single.insert(name.as_str().to_owned(), json!(text));
        match multi.get_mut(name.as_str()) {
            Some(Value::Array(values)) => values.push(json!(text)),
            _ => {
                multi.insert(name.as_str().to_owned(), json!([text]));
            }
        }
    }
    (Value::Object(single), Value::Object(multi))
}

/// `queryStringParameters` (the last value) and
/// `multiValueQueryStringParameters`; `None` without a query, as API Gateway
/// leaves them out.
fn query_maps(query: &str) -> Option<(Value, Value)> {
    if query.is_empty() {
        return None;
    }
    let mut single = Map::new();
    let mut multi: Map<String, Value> = Map::new();
    for (name, value) in form_pairs(query) {
        single.insert(name.clone(), json!(value));
        match multi.get_mut(&name) {
            Some(Value::Array(values)) => values.push(json!(value)),
            _ => {
                multi.insert(name, json!([value]));
            }
        }
    }
    Some((Value::Object(single), Value::Object(multi)))
}

/// The query's pairs, percent-decoded.
fn form_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let decode = |text: &str| {
                percent_encoding::percent_decode_str(&text.replace('+', " "))
                    .decode_utf8_lossy()
                    .into_owned()
            };
            (decode(name), decode(value))
        })
        .collect()
}

/// The `$connect` event of the upgrade request.
pub fn connect(
    context: &ConnectionContext,
    headers: &HeaderMap,
    query: &str,
    request_id: &str,
    now: i64,
    authorizer: Option<&Value>,
) -> Value {
    let mut headers = headers.clone();
    for (name, value) in [
        ("x-forwarded-for", context.source_ip.clone()),
        ("x-forwarded-proto", "http".to_owned()),
    ] {
        if let Ok(value) = http::HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
    let (single, multi) = header_maps(&headers);
    let mut request_context = request_context(context, "$connect", "CONNECT", request_id, now);
    if let Some(authorizer) = authorizer {
        request_context.insert("authorizer".to_owned(), authorizer.clone());
    }
    let mut event = Map::new();
    event.insert("headers".to_owned(), single);
    event.insert("multiValueHeaders".to_owned(), multi);
    if let Some((single, multi)) = query_maps(query) {
        event.insert("queryStringParameters".to_owned(), single);
        event.insert("multiValueQueryStringParameters".to_owned(), multi);
    }
    event.insert("requestContext".to_owned(), Value::Object(request_context));
    event.insert("isBase64Encoded".to_owned(), json!(false));
    Value::Object(event)
}

/// The body of a message: its text, or base64 for a binary frame.
#[derive(Debug, Clone)]
pub enum MessageBody {
    /// A text frame.
    Text(String),
    /// A binary frame.
    Binary(Vec<u8>),
}

/// A `MESSAGE` event of `route_key`.
pub fn message(
    context: &ConnectionContext,
    route_key: &str,
    body: &MessageBody,
    request_id: &str,
    message_id: &str,
    now: i64,
    authorizer: Option<&Value>,
) -> Value {
    let mut request_context = request_context(context, route_key, "MESSAGE", request_id, now);
    request_context.insert("messageId".to_owned(), json!(message_id));
    if let Some(authorizer) = authorizer {
        request_context.insert("authorizer".to_owned(), authorizer.clone());
    }
    let (body, base64) = match body {
        MessageBody::Text(text) => (text.clone(), false),
        MessageBody::Binary(bytes) => (
            base64::engine::general_purpose::STANDARD.encode(bytes),
            true,
        ),
    };
    json!({
        "requestContext": request_context,
        "body": body,
        "isBase64Encoded": base64,
    })
}

/// The `$disconnect` event, with the close's status code and reason.
pub fn disconnect(
    context: &ConnectionContext,
    status_code: u16,
    reason: &str,
    request_id: &str,
    now: i64,
    authorizer: Option<&Value>,
) -> Value {
    let mut request_context =
        request_context(context, "$disconnect", "DISCONNECT", request_id, now);
    request_context.insert("disconnectStatusCode".to_owned(), json!(status_code));
    request_context.insert("disconnectReason".to_owned(), json!(reason));
    if let Some(authorizer) = authorizer {
        request_context.insert("authorizer".to_owned(), authorizer.clone());
    }
    let host = context.domain_name.clone();
    json!({
        "headers": {"Host": host, "x-api-key": "", "X-Forwarded-For": "", "x-restapi": ""},
        "multiValueHeaders": {
            "Host": [host], "x-api-key": [""], "X-Forwarded-For": [""], "x-restapi": [""]
        },
        "requestContext": request_context,
        "isBase64Encoded": false,
    })
}

/// The route key a message selects by the API's selection expression
/// (`path`, from `$request.body.a.b`): the value at that path of the JSON
/// body when it is a string (or a number or a boolean, as text); `None` when
/// the body is not JSON or has no such value.
pub fn selected_key(body: &MessageBody, path: &[&str]) -> Option<String> {
    let MessageBody::Text(text) = body else {
        return None;
    };
    let value: Value = serde_json::from_str(text).ok()?;
    let found = path.iter().try_fold(&value, |value, key| value.get(key))?;
    match found {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lambda_events::apigw::ApiGatewayWebsocketProxyRequest;

    fn context() -> ConnectionContext {
        ConnectionContext {
            connection_id: "c1=".into(),
            connected_at: 1_764_496_800_000,
            stage: "api".into(),
            domain_name: "127.0.0.1:8001".into(),
            source_ip: "127.0.0.1".into(),
            user_agent: Some("test".into()),
        }
    }

    /// Each event reads back as the typed WebSocket event the runtime takes,
    /// with the fields API Gateway sets.
    #[test]
    fn events_have_the_deployed_shape() {
        let mut headers = HeaderMap::new();
        headers.insert("host", "127.0.0.1:8001".parse().unwrap());
        let connect = connect(
            &context(),
            &headers,
            "room=a%20b&x=1&x=2",
            "r1",
            1_764_496_800_001,
            None,
        );
        let typed: ApiGatewayWebsocketProxyRequest =
            serde_json::from_value(connect.clone()).unwrap();
        assert_eq!(typed.request_context.event_type.as_deref(), Some("CONNECT"));
        assert_eq!(typed.request_context.connected_at, 1_764_496_800_000);
        assert_eq!(typed.query_string_parameters.first("room"), Some("a b"));
        assert_eq!(
            connect["multiValueQueryStringParameters"]["x"],
            json!(["1", "2"])
        );
        assert_eq!(
            connect["requestContext"]["requestTime"],
            "30/Nov/2025:10:00:00 +0000"
        );

        let body = MessageBody::Text(r#"{"action":"sendmessage"}"#.into());
        let message = message(&context(), "sendmessage", &body, "r2", "m2", 5, None);
        let typed: ApiGatewayWebsocketProxyRequest = serde_json::from_value(message).unwrap();
        assert_eq!(typed.request_context.message_id.as_deref(), Some("m2"));
        assert_eq!(
            typed.request_context.route_key.as_deref(),
            Some("sendmessage")
        );
        assert_eq!(typed.body.as_deref(), Some(r#"{"action":"sendmessage"}"#));

        let gone = disconnect(&context(), 1001, "Going away", "r3", 6, None);
        let typed: ApiGatewayWebsocketProxyRequest = serde_json::from_value(gone).unwrap();
        assert_eq!(typed.request_context.disconnect_status_code, Some(1001));
        assert_eq!(
            typed.request_context.disconnect_reason.as_deref(),
            Some("Going away")
        );
    }

    #[test]
    fn the_selection_expression_reads_the_body() {
        let text = |t: &str| MessageBody::Text(t.to_owned());
        assert_eq!(
            selected_key(&text(r#"{"action":"send"}"#), &["action"]).as_deref(),
            Some("send")
        );
        assert_eq!(
            selected_key(&text(r#"{"a":{"b":2}}"#), &["a", "b"]).as_deref(),
            Some("2")
        );
        assert_eq!(selected_key(&text("not json"), &["action"]), None);
        assert_eq!(
            selected_key(&MessageBody::Binary(vec![1]), &["action"]),
            None
        );
    }
}

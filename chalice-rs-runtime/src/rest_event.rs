//! The REST API proxy event, written as JSON straight from the request: the
//! one event API Gateway's emulation sends, for `cargo chalice local` (as
//! the bytes an instance reads from the Runtime API) and the test client
//! (read back as `ApiGatewayProxyRequest` by [`crate::gateway::build_event`]).
//!
//! Building `ApiGatewayProxyRequest` and serialising it cost a quarter of
//! the local server's instructions per request: a `String` or a map per
//! field, a serialiser call per key. The writer copies the constant parts
//! (the keys, the fields local leaves `null`) as they are and escapes only
//! the request's own text, with serde_json. Its tests check the result
//! against aws_lambda_events' serialisation of the same event.
//!
//! As API Gateway does, an empty map (`headers`, `multiValueHeaders`, the
//! query's, `pathParameters`, `stageVariables`) is `null`, and so is the
//! body of a request without one.

use crate::gateway::{is_binary, EventSettings, HttpRequest, RouteMatch};
use base64::Engine as _;
use http::HeaderValue;
use serde_json::Value;
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::io::Write as _;

/// One request's proxy event, before it is written: the request, its route,
/// and what API Gateway adds.
#[derive(Debug, Clone, Copy)]
pub struct RestEvent<'a> {
    /// The request.
    pub request: &'a HttpRequest,
    /// Its route and path parameters.
    pub matched: &'a RouteMatch,
    /// Stage, stage variables, binary media types, caller.
    pub settings: &'a EventSettings,
    /// `requestContext.requestId`.
    pub request_id: &'a str,
    /// `requestContext.requestTimeEpoch`, in milliseconds.
    pub epoch_ms: i64,
}

/// What API Gateway's checks add to `requestContext` once a request is
/// admitted: the authorizer's context and the caller's keys.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CallerContext {
    /// `requestContext.authorizer` (left out when empty).
    pub authorizer: HashMap<String, Value>,
    /// `requestContext.identity.accessKey`.
    pub access_key: Option<String>,
    /// `requestContext.identity.apiKeyId`.
    pub api_key_id: Option<String>,
    /// `requestContext.identity.apiKey`.
    pub api_key: Option<String>,
}

impl RestEvent<'_> {
    /// The event as JSON.
    pub fn to_json(&self, caller: &CallerContext) -> Vec<u8> {
        // Sized for a usual event at once, and for a body's base64.
        let mut out = Vec::with_capacity(1536 + self.request.body.len() * 4 / 3);
        self.write(caller, &mut out);
        out
    }

    /// Appends the event as JSON to `out`.
    pub fn write(&self, caller: &CallerContext, out: &mut Vec<u8>) {
        let request = self.request;
        let headers = &request.headers;
        out.extend_from_slice(b"{\"resource\":");
        string(out, &self.matched.resource_path);
        out.extend_from_slice(b",\"path\":");
        string(out, &request.path);
        out.extend_from_slice(b",\"httpMethod\":");
        string(out, request.method.as_str());
        out.extend_from_slice(b",\"headers\":");
        write_map(
            out,
            headers.keys().filter_map(|name| {
                let last = headers.get_all(name).iter().next_back()?;
                Some((name.as_str(), header_text(last)))
            }),
        );
        out.extend_from_slice(b",\"multiValueHeaders\":");
        write_multi_map(
            out,
            headers
                .keys()
                .map(|name| (name.as_str(), headers.get_all(name).iter().map(header_text))),
        );
        let query = query_pairs(&request.query);
        out.extend_from_slice(b",\"queryStringParameters\":");
        write_map(
            out,
            query
                .iter()
                .filter_map(|(name, values)| Some((&**name, Cow::Borrowed(&**values.last()?)))),
        );
        out.extend_from_slice(b",\"multiValueQueryStringParameters\":");
        write_multi_map(
            out,
            query.iter().map(|(name, values)| {
                (&**name, values.iter().map(|value| Cow::Borrowed(&**value)))
            }),
        );
        out.extend_from_slice(b",\"pathParameters\":");
        write_map(
            out,
            self.matched
                .path_params
                .iter()
                .map(|(name, value)| (name.as_str(), Cow::Borrowed(value.as_str()))),
        );
        out.extend_from_slice(b",\"stageVariables\":");
        write_map(
            out,
            self.settings
                .stage_variables
                .iter()
                .map(|(name, value)| (name.as_str(), Cow::Borrowed(value.as_str()))),
        );
        self.write_request_context(caller, out);
        self.write_body(out);
        out.push(b'}');
    }

    /// `,"requestContext":{...}`, in aws_lambda_events' order of fields.
    fn write_request_context(&self, caller: &CallerContext, out: &mut Vec<u8>) {
        let settings = self.settings;
        let headers = &self.request.headers;
        let visible = |name: http::header::HeaderName| {
            headers.get(name).and_then(|value| value.to_str().ok())
        };
        out.extend_from_slice(b",\"requestContext\":{\"accountId\":");
        string(out, &settings.account_id);
        out.extend_from_slice(b",\"resourceId\":");
        let _ = write!(out, "\"{:06x}\"", resource_id(&self.matched.resource_path));
        out.extend_from_slice(b",\"stage\":");
        string(out, &settings.stage);
        out.extend_from_slice(b",\"domainName\":");
        optional_string(out, visible(http::header::HOST));
        out.extend_from_slice(b",\"domainPrefix\":null,\"requestId\":");
        string(out, self.request_id);
        out.extend_from_slice(
            b",\"protocol\":\"HTTP/1.1\",\"identity\":{\"cognitoIdentityPoolId\":null,\
              \"accountId\":null,\"cognitoIdentityId\":null,\"caller\":null,\"apiKey\":",
        );
        optional_string(out, caller.api_key.as_deref());
        out.extend_from_slice(b",\"apiKeyId\":");
        optional_string(out, caller.api_key_id.as_deref());
        out.extend_from_slice(b",\"accessKey\":");
        optional_string(out, caller.access_key.as_deref());
        out.extend_from_slice(b",\"sourceIp\":");
        string(out, &settings.source_ip);
        out.extend_from_slice(
            b",\"cognitoAuthenticationType\":null,\"cognitoAuthenticationProvider\":null,\
              \"userArn\":null,\"userAgent\":",
        );
        optional_string(out, visible(http::header::USER_AGENT));
        out.extend_from_slice(b",\"user\":null},\"resourcePath\":");
        string(out, &self.matched.resource_path);
        out.extend_from_slice(b",\"path\":\"/");
        string_contents(out, &settings.stage);
        string_contents(out, &self.request.path);
        out.push(b'"');
        if !caller.authorizer.is_empty() {
            out.extend_from_slice(b",\"authorizer\":");
            // A map of strings to JSON values always serialises.
            let _ = serde_json::to_writer(&mut *out, &caller.authorizer);
        }
        out.extend_from_slice(b",\"httpMethod\":");
        string(out, self.request.method.as_str());
        out.extend_from_slice(b",\"requestTime\":null,\"requestTimeEpoch\":");
        let _ = write!(out, "{}", self.epoch_ms);
        out.extend_from_slice(b",\"apiId\":");
        string(out, &settings.api_id);
        out.push(b'}');
    }

    /// `,"body":...,"isBase64Encoded":...`: base64 for a binary media type.
    fn write_body(&self, out: &mut Vec<u8>) {
        let body = &self.request.body;
        if body.is_empty() {
            out.extend_from_slice(b",\"body\":null,\"isBase64Encoded\":false");
            return;
        }
        let content_type = self
            .request
            .headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok());
        out.extend_from_slice(b",\"body\":");
        if is_binary(content_type, &self.settings.binary_media_types) {
            out.push(b'"');
            let start = out.len();
            out.resize(
                start + base64::encoded_len(body.len(), true).unwrap_or(0),
                0,
            );
            let written = base64::engine::general_purpose::STANDARD
                .encode_slice(body, &mut out[start..])
                .unwrap_or(0);
            out.truncate(start + written);
            out.extend_from_slice(b"\",\"isBase64Encoded\":true");
        } else {
            string(out, &String::from_utf8_lossy(body));
            out.extend_from_slice(b",\"isBase64Encoded\":false");
        }
    }
}

/// The query by name (in name order), each name's values in order: the last
/// is `queryStringParameters`', all of them
/// `multiValueQueryStringParameters`'. Decoded as API Gateway's captured
/// events show: as `application/x-www-form-urlencoded` (`+` and `%20` are
/// spaces, `%2B` is `+`). What no capture settles follows the WHATWG URL
/// standard's form parser: a name without `=` has the value `""`, empty
/// pairs (`&&`) are skipped, a malformed escape (`%zz`) stays as written,
/// and bytes that are not UTF-8 become U+FFFD (a JSON event can only carry
/// text).
fn query_pairs(query: &str) -> BTreeMap<Cow<'_, str>, Vec<Cow<'_, str>>> {
    let mut pairs: BTreeMap<Cow<'_, str>, Vec<Cow<'_, str>>> = BTreeMap::new();
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        pairs.entry(name).or_default().push(value);
    }
    pairs
}

/// The value of query parameter `name` in `queryStringParameters` (its last
/// value), as a REQUEST authorizer's identity source reads it.
pub fn query_value(query: &str, name: &str) -> Option<String> {
    form_urlencoded::parse(query.as_bytes())
        .filter(|(key, _)| key == name)
        .last()
        .map(|(_, value)| value.into_owned())
}

/// A header's value as text (headers reach the event as text; bytes that
/// are not UTF-8 become U+FFFD).
fn header_text(value: &HeaderValue) -> Cow<'_, str> {
    String::from_utf8_lossy(value.as_bytes())
}

/// A short stable id for a resource, as API Gateway shows in `resourceId`
/// (written as 6 hex digits).
fn resource_id(resource_path: &str) -> u64 {
    let hash = resource_path
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        });
    hash & 0xff_ffff
}

/// `{"name":"value",...}`, or `null` without entries.
fn write_map<'a>(out: &mut Vec<u8>, entries: impl Iterator<Item = (&'a str, Cow<'a, str>)>) {
    let mut empty = true;
    for (name, value) in entries {
        out.push(if empty { b'{' } else { b',' });
        empty = false;
        string(out, name);
        out.push(b':');
        string(out, &value);
    }
    out.extend_from_slice(if empty { b"null" } else { b"}" });
}

/// `{"name":["value",...],...}`, or `null` without entries.
fn write_multi_map<'a, V>(out: &mut Vec<u8>, entries: impl Iterator<Item = (&'a str, V)>)
where
    V: Iterator<Item = Cow<'a, str>>,
{
    let mut empty = true;
    for (name, values) in entries {
        out.push(if empty { b'{' } else { b',' });
        empty = false;
        string(out, name);
        out.extend_from_slice(b":[");
        for (index, value) in values.enumerate() {
            if index > 0 {
                out.push(b',');
            }
            string(out, &value);
        }
        out.push(b']');
    }
    out.extend_from_slice(if empty { b"null" } else { b"}" });
}

/// `text` as a JSON string, escaped by serde_json.
fn string(out: &mut Vec<u8>, text: &str) {
    // Writing a string to a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, text);
}

/// `text` escaped as inside a JSON string, without the quotes.
fn string_contents(out: &mut Vec<u8>, text: &str) {
    let start = out.len();
    string(out, text);
    // Drop the quotes serde_json put around it.
    if out.len() >= start + 2 {
        out.pop();
        out.remove(start);
    }
}

/// A string, or `null`.
fn optional_string(out: &mut Vec<u8>, text: Option<&str>) {
    match text {
        Some(text) => string(out, text),
        None => out.extend_from_slice(b"null"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gateway::Router;
    use http::Method;
    use serde_json::json;

    fn written(request: &HttpRequest, caller: &CallerContext) -> Value {
        let matched = Router::new([("/items", "GET"), ("/items/{id}", "GET")])
            .route(request.method.as_str(), &request.path)
            .expect("routed");
        let event = RestEvent {
            request,
            matched: &matched,
            settings: &EventSettings::default(),
            request_id: "id-1",
            epoch_ms: 7,
        };
        serde_json::from_slice(&event.to_json(caller)).expect("the event is JSON")
    }

    #[test]
    fn empty_maps_and_a_missing_body_are_null_as_api_gateway_sends_them() {
        let request = HttpRequest {
            method: Method::GET,
            path: "/items".to_owned(),
            ..HttpRequest::default()
        };
        let event = written(&request, &CallerContext::default());
        for key in [
            "headers",
            "multiValueHeaders",
            "queryStringParameters",
            "multiValueQueryStringParameters",
            "pathParameters",
            "stageVariables",
            "body",
        ] {
            assert_eq!(event[key], Value::Null, "{key}");
        }
        assert_eq!(event["isBase64Encoded"], false);
        assert!(event["requestContext"].get("authorizer").is_none());
        assert_eq!(event["requestContext"]["path"], "/api/items");
        assert_eq!(event["requestContext"]["requestTimeEpoch"], 7);
    }

    #[test]
    fn the_caller_context_goes_into_the_request_context() {
        let request = HttpRequest {
            method: Method::GET,
            path: "/items/7".to_owned(),
            query: "q=a%22b&q=c".to_owned(),
            ..HttpRequest::default()
        };
        let caller = CallerContext {
            authorizer: [("principalId".to_owned(), json!("ann"))].into(),
            access_key: None,
            api_key_id: Some("local-main".to_owned()),
            api_key: Some("k\"1".to_owned()),
        };
        let event = written(&request, &caller);
        assert_eq!(event["pathParameters"], json!({"id": "7"}));
        assert_eq!(event["queryStringParameters"], json!({"q": "c"}));
        assert_eq!(
            event["multiValueQueryStringParameters"],
            json!({"q": ["a\"b", "c"]})
        );
        let context = &event["requestContext"];
        assert_eq!(context["authorizer"], json!({"principalId": "ann"}));
        assert_eq!(context["identity"]["apiKey"], "k\"1");
        assert_eq!(context["identity"]["apiKeyId"], "local-main");
        assert_eq!(context["identity"]["accessKey"], Value::Null);
    }
}

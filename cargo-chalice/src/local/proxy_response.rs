//! The Lambda proxy response, checked and turned into HTTP as API Gateway does.
//!
//! A response API Gateway would call malformed (not a JSON object, an unknown
//! key, a missing or out-of-range `statusCode`, a non-string `body`, headers
//! that are not strings, invalid base64) is a [`Malformed`] error: the gateway
//! answers 502.

use base64::Engine as _;
use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::collections::BTreeMap;

/// Why API Gateway would reject a proxy response ("Malformed Lambda proxy response").
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("malformed Lambda proxy response: {0}")]
pub struct Malformed(pub String);

/// A proxy response, ready to send.
#[derive(Debug)]
pub struct HttpResponse {
    /// The status.
    pub status: StatusCode,
    /// The headers, `headers` and `multiValueHeaders` merged.
    pub headers: HeaderMap,
    /// The body, base64-decoded when `isBase64Encoded`.
    pub body: Bytes,
}

const KEYS: &[&str] = &[
    "statusCode",
    "headers",
    "multiValueHeaders",
    "body",
    "isBase64Encoded",
];

/// Headers API Gateway sets itself; the function's values are dropped.
const HOP_BY_HOP: &[&str] = &["content-length", "transfer-encoding", "connection"];

fn malformed(message: impl Into<String>) -> Malformed {
    Malformed(message.into())
}

fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}

fn header_pair(name: &str, value: &str) -> Result<(HeaderName, HeaderValue), Malformed> {
    let name = HeaderName::from_bytes(name.as_bytes())
        .map_err(|_| malformed(format!("invalid header name `{name}`")))?;
    let value = HeaderValue::from_str(value)
        .map_err(|_| malformed(format!("invalid value for header `{name}`")))?;
    Ok((name, value))
}

fn object<'a>(
    response: &'a Map<String, Value>,
    key: &str,
) -> Result<Option<&'a Map<String, Value>>, Malformed> {
    match response.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(map)) => Ok(Some(map)),
        Some(_) => Err(malformed(format!("`{key}` must be an object"))),
    }
}

/// The usual shape of a proxy response, read without building a JSON tree:
/// a numeric `statusCode` in range and string header values. Anything else
/// (a string status, numbers or nulls as header values, ...) goes to the
/// general reading, which accepts the same documents as before and words
/// the errors. Maps are read in key order, as the general reading's are.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Usual<'a> {
    status_code: u16,
    #[serde(default, borrow)]
    headers: Option<BTreeMap<Cow<'a, str>, Cow<'a, str>>>,
    #[serde(default, borrow)]
    multi_value_headers: Option<BTreeMap<Cow<'a, str>, Vec<Cow<'a, str>>>>,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    is_base64_encoded: Option<bool>,
}

/// Parses and validates `payload`, the function's result.
pub fn parse(payload: &[u8]) -> Result<HttpResponse, Malformed> {
    match serde_json::from_slice::<Usual<'_>>(payload) {
        Ok(usual) if (100..=599).contains(&usual.status_code) => parse_usual(usual),
        _ => parse_any(payload),
    }
}

/// [`parse`] of the usual shape.
fn parse_usual(usual: Usual<'_>) -> Result<HttpResponse, Malformed> {
    let status = StatusCode::from_u16(usual.status_code)
        .map_err(|_| malformed("`statusCode` must be an integer from 100 to 599"))?;
    let mut headers = HeaderMap::new();
    for (name, values) in usual.multi_value_headers.iter().flatten() {
        for value in values {
            let (name, value) = header_pair(name, value)?;
            headers.append(name, value);
        }
    }
    for (name, value) in usual.headers.iter().flatten() {
        let (name, value) = header_pair(name, value)?;
        if !headers.contains_key(&name) {
            headers.insert(name, value);
        }
    }
    finish(
        status,
        headers,
        usual.body,
        usual.is_base64_encoded.unwrap_or(false),
    )
}

/// [`parse`] of any document: each key checked on its own, with the
/// message API Gateway's check deserves.
fn parse_any(payload: &[u8]) -> Result<HttpResponse, Malformed> {
    let value: Value =
        serde_json::from_slice(payload).map_err(|e| malformed(format!("not JSON: {e}")))?;
    let Value::Object(mut response) = value else {
        return Err(malformed("not a JSON object"));
    };
    if let Some(key) = response.keys().find(|key| !KEYS.contains(&key.as_str())) {
        return Err(malformed(format!("unknown key `{key}`")));
    }
    let status = match response.get("statusCode") {
        Some(Value::Number(number)) => number.as_u64(),
        Some(Value::String(text)) => text.parse::<u64>().ok(),
        _ => None,
    }
    .and_then(|code| u16::try_from(code).ok())
    .filter(|code| (100..=599).contains(code))
    .and_then(|code| StatusCode::from_u16(code).ok())
    .ok_or_else(|| malformed("`statusCode` must be an integer from 100 to 599"))?;

    let mut headers = HeaderMap::new();
    if let Some(multi) = object(&response, "multiValueHeaders")? {
        for (name, values) in multi {
            let values = match values {
                Value::Array(values) => values.as_slice(),
                Value::Null => &[],
                _ => {
                    return Err(malformed(format!(
                        "`multiValueHeaders.{name}` must be a list"
                    )))
                }
            };
            for value in values {
                let text = scalar(value).ok_or_else(|| {
                    malformed(format!("`multiValueHeaders.{name}` must hold strings"))
                })?;
                let (name, value) = header_pair(name, &text)?;
                headers.append(name, value);
            }
        }
    }
    if let Some(single) = object(&response, "headers")? {
        for (name, value) in single {
            if value.is_null() {
                continue;
            }
            let text = scalar(value)
                .ok_or_else(|| malformed(format!("`headers.{name}` must be a string")))?;
            let (name, value) = header_pair(name, &text)?;
            // Values in multiValueHeaders win over the same header in headers.
            if !headers.contains_key(&name) {
                headers.insert(name, value);
            }
        }
    }
    let base64 = match response.get("isBase64Encoded") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(flag)) => *flag,
        Some(_) => return Err(malformed("`isBase64Encoded` must be a boolean")),
    };
    // Taken out of the document: a text body becomes the response without a copy.
    let body = match response.remove("body") {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) => Some(text),
        Some(_) => return Err(malformed("`body` must be a string")),
    };
    finish(status, headers, body, base64)
}

/// The response from its checked parts: API Gateway's own headers dropped,
/// a JSON content type by default, the body base64-decoded if it says so.
fn finish(
    status: StatusCode,
    mut headers: HeaderMap,
    body: Option<String>,
    base64: bool,
) -> Result<HttpResponse, Malformed> {
    for name in HOP_BY_HOP {
        headers.remove(*name);
    }
    if !headers.contains_key(http::header::CONTENT_TYPE) {
        headers.insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
    }
    let body = match body {
        None => Bytes::new(),
        Some(text) if base64 => base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .map(Bytes::from)
            .map_err(|_| {
                malformed("`body` is not valid base64 although `isBase64Encoded` is true")
            })?,
        Some(text) => Bytes::from(text),
    };
    Ok(HttpResponse {
        status,
        headers,
        body,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merges_headers_and_decodes_base64() {
        let response = parse(
            br#"{"statusCode": 201, "headers": {"x-a": "1", "x-b": "single"},
                 "multiValueHeaders": {"x-b": ["m1", "m2"], "set-cookie": ["a=1", "b=2"]},
                 "body": "AP8=", "isBase64Encoded": true}"#,
        )
        .unwrap();
        assert_eq!(response.status, 201);
        assert_eq!(response.headers["x-a"], "1");
        let b: Vec<_> = response.headers.get_all("x-b").iter().collect();
        assert_eq!(b, ["m1", "m2"]);
        assert_eq!(response.headers.get_all("set-cookie").iter().count(), 2);
        assert_eq!(response.headers["content-type"], "application/json");
        assert_eq!(&response.body[..], &[0x00, 0xff]);
    }

    #[test]
    fn text_body_and_string_status() {
        let response = parse(
            br#"{"statusCode": "404", "body": "nope", "headers": {"content-type": "text/plain"}}"#,
        )
        .unwrap();
        assert_eq!(response.status, 404);
        assert_eq!(&response.body[..], b"nope");
        assert_eq!(response.headers["content-type"], "text/plain");
    }

    #[test]
    fn malformed_responses_are_rejected() {
        for payload in [
            &b"not json"[..],
            b"[1]",
            br#"{"body": "x"}"#,
            br#"{"statusCode": 99}"#,
            br#"{"statusCode": 700}"#,
            br#"{"statusCode": 200, "extra": 1}"#,
            br#"{"statusCode": 200, "body": {"a": 1}}"#,
            br#"{"statusCode": 200, "headers": {"x": {"a": 1}}}"#,
            br#"{"statusCode": 200, "multiValueHeaders": {"x": "a"}}"#,
            br#"{"statusCode": 200, "body": "%%%", "isBase64Encoded": true}"#,
            br#"{"statusCode": 200, "headers": {"bad name": "x"}}"#,
        ] {
            assert!(
                parse(payload).is_err(),
                "{}",
                String::from_utf8_lossy(payload)
            );
        }
    }
}

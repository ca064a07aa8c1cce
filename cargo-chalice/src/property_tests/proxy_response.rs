//! The function's proxy response (`local::proxy_response::parse`): any bytes
//! and any JSON are read or refused without a panic; a valid response reads
//! back to its status, headers and body.

use super::{any_json, config};
use crate::local::proxy_response::parse;
use base64::Engine as _;
use http::{HeaderMap, HeaderName, HeaderValue};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{json, Map, Value};

const KEYS: &[&str] = &[
    "statusCode",
    "headers",
    "multiValueHeaders",
    "body",
    "isBase64Encoded",
    "content-type",
    "x-a",
];

/// Header names, some equal but for case, some API Gateway sets itself.
const NAMES: &[&str] = &[
    "x-a",
    "X-A",
    "x-b",
    "Set-Cookie",
    "content-type",
    "Content-Length",
    "connection",
    "x-c",
];

/// A header value as the function writes it: text, a number or a boolean.
fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        4 => "[ -~]{0,10}".prop_map(Value::from),
        1 => any::<i32>().prop_map(Value::from),
        1 => any::<bool>().prop_map(Value::from),
    ]
}

/// The text `http` gets for a JSON header value.
fn text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// Keeps the first of names equal but for case: one header of a map.
fn distinct<T>(entries: Vec<(&'static str, T)>) -> Vec<(&'static str, T)> {
    let mut seen = Vec::new();
    entries
        .into_iter()
        .filter(|(name, _)| {
            let lower = name.to_ascii_lowercase();
            let new = !seen.contains(&lower);
            seen.push(lower);
            new
        })
        .collect()
}

proptest! {
    #![proptest_config(config(256))]

    /// Any bytes, and any JSON: read or refused, never a panic.
    #[test]
    fn any_payload_is_read_or_refused(
        payload in prop_oneof![
            vec(any::<u8>(), 0..64),
            any_json(KEYS).prop_map(|value| value.to_string().into_bytes()),
        ],
    ) {
        if let Err(error) = parse(&payload) {
            prop_assert!(error.to_string().starts_with("malformed Lambda proxy response: "));
        }
    }

    /// A valid response reads back: its status, `multiValueHeaders` (when it
    /// gives a name values) over `headers` (less those API Gateway sets itself, with a
    /// JSON content type by default), and its body, base64 or text.
    #[test]
    fn a_valid_response_reads_back(
        status in 100u16..=599,
        status_as_text in any::<bool>(),
        single in vec((select(NAMES), value()), 0..5),
        multi in vec((select(NAMES), vec(value(), 0..3)), 0..4),
        body in prop_oneof![
            vec(any::<u8>(), 0..32).prop_map(|bytes| (bytes, true)),
            "\\PC{0,24}".prop_map(|text| (text.into_bytes(), false)),
        ],
    ) {
        let (single, multi) = (distinct(single), distinct(multi));
        let (body, base64) = body;
        let mut response = Map::new();
        response.insert(
            "statusCode".into(),
            if status_as_text { json!(status.to_string()) } else { json!(status) },
        );
        response.insert("headers".into(), Value::Object(
            single.iter().map(|(name, value)| ((*name).to_owned(), value.clone())).collect(),
        ));
        response.insert("multiValueHeaders".into(), Value::Object(
            multi.iter().map(|(name, values)| ((*name).to_owned(), json!(values))).collect(),
        ));
        response.insert("isBase64Encoded".into(), json!(base64));
        response.insert("body".into(), if base64 {
            json!(base64::engine::general_purpose::STANDARD.encode(&body))
        } else {
            json!(String::from_utf8_lossy(&body))
        });
        let payload = Value::Object(response).to_string();

        let mut expected = HeaderMap::new();
        for (name, values) in &multi {
            for value in values {
                expected.append(
                    HeaderName::from_bytes(name.as_bytes()).map_err(|e| TestCaseError::fail(e.to_string()))?,
                    HeaderValue::from_str(&text(value)).map_err(|e| TestCaseError::fail(e.to_string()))?,
                );
            }
        }
        for (name, value) in &single {
            let name = HeaderName::from_bytes(name.as_bytes()).map_err(|e| TestCaseError::fail(e.to_string()))?;
            if !multi
                .iter()
                .any(|(m, values)| m.eq_ignore_ascii_case(name.as_str()) && !values.is_empty())
            {
                expected.insert(name, HeaderValue::from_str(&text(value)).map_err(|e| TestCaseError::fail(e.to_string()))?);
            }
        }
        for name in ["content-length", "connection"] {
            expected.remove(name);
        }
        if !expected.contains_key("content-type") {
            expected.insert("content-type", HeaderValue::from_static("application/json"));
        }

        let read = parse(payload.as_bytes()).map_err(|e| TestCaseError::fail(format!("{e}: {payload}")))?;
        prop_assert_eq!(read.status.as_u16(), status);
        prop_assert_eq!(&read.headers, &expected, "{}", payload);
        prop_assert_eq!(&read.body[..], &body[..]);
    }
}

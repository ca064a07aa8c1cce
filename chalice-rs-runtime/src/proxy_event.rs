//! The REST v1 proxy event as the `api` function reads it from Lambda.
//!
//! API Gateway's own events always parse. Hand-made ones (the Lambda
//! console's and SAM's test events, a test's) often carry `null` where API
//! Gateway puts an object or a number: `requestContext.identity`,
//! `requestTimeEpoch`, `requestContext.httpMethod`, a header's value. Such an
//! event is read a second time with every `null` taken as absent (the
//! authorizer's context excepted: it reaches the handler as it is), so that
//! it gets a proxy response rather than an invocation error. An event that
//! still does not parse (not JSON, truncated, not a proxy event) is an error
//! that `lambda_runtime` reports to Lambda (`/invocation/{id}/error`); the
//! instance then takes the next event.
//!
//! A well-formed event is read directly first ([`direct`]), the way
//! `aws_lambda_events` reads it but without its costly header reader.

mod direct;

use aws_lambda_events::apigw::ApiGatewayProxyRequest;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

/// A proxy event read by [`parse`], for `lambda_runtime` to deserialise.
#[derive(Debug)]
pub(crate) struct ProxyEvent(pub(crate) ApiGatewayProxyRequest);

impl<'de> Deserialize<'de> for ProxyEvent {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Borrowed from lambda_runtime's buffer: no copy of the event.
        let raw = <&RawValue>::deserialize(deserializer)?;
        parse(raw.get()).map(ProxyEvent).map_err(D::Error::custom)
    }
}

/// Parses `json` as a REST v1 proxy event: as it is, else with its nulls
/// taken as absent. The error is the first attempt's.
pub fn parse(json: &str) -> Result<ApiGatewayProxyRequest, serde_json::Error> {
    if let Some(event) = direct::parse(json) {
        return Ok(event);
    }
    let error = match serde_json::from_str(json) {
        Ok(event) => return Ok(event),
        Err(error) => error,
    };
    let Ok(mut value) = serde_json::from_str::<Value>(json) else {
        return Err(error);
    };
    if !read_nulls_as_absent(&mut value) {
        return Err(error);
    }
    serde_json::from_value(value).map_err(|_| error)
}

/// Removes the event's null members and gives it the `requestContext` (with
/// the event's `httpMethod`) that a hand-made event may lack; whether
/// anything changed.
fn read_nulls_as_absent(event: &mut Value) -> bool {
    let Some(event) = event.as_object_mut() else {
        return false;
    };
    let mut changed = remove_nulls(event);
    let method = event.get("httpMethod").cloned();
    let context = event
        .entry("requestContext")
        .or_insert_with(|| Value::Object(Map::new()));
    if let (Some(context), Some(method)) = (context.as_object_mut(), method) {
        if !context.contains_key("httpMethod") {
            context.insert("httpMethod".to_owned(), method);
            changed = true;
        }
    }
    changed
}

/// Removes the null members of `object` and of the objects in it, except
/// inside `authorizer`; whether any was removed.
fn remove_nulls(object: &mut Map<String, Value>) -> bool {
    let before = object.len();
    object.retain(|_, value| !value.is_null());
    let mut changed = object.len() != before;
    for (key, value) in object.iter_mut() {
        if key == "authorizer" {
            continue;
        }
        if let Value::Object(inner) = value {
            changed |= remove_nulls(inner);
        }
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event() -> Value {
        json!({
            "resource": "/items/{id}",
            "path": "/items/7",
            "httpMethod": "GET",
            "headers": {"Accept": "*/*"},
            "multiValueHeaders": {"Accept": ["*/*"]},
            "queryStringParameters": {"q": "x"},
            "multiValueQueryStringParameters": {"q": ["x"]},
            "pathParameters": {"id": "7"},
            "stageVariables": {"v": "1"},
            "requestContext": {
                "resourcePath": "/items/{id}",
                "httpMethod": "GET",
                "requestTimeEpoch": 1_428_582_896_000_i64,
                "identity": {"sourceIp": "198.51.100.7"},
                "authorizer": {"principalId": "ann", "claims": null}
            },
            "body": "{}",
            "isBase64Encoded": false
        })
    }

    fn parse_value(value: &Value) -> Result<ApiGatewayProxyRequest, serde_json::Error> {
        parse(&value.to_string())
    }

    #[test]
    fn a_well_formed_event_parses_as_it_is() {
        let parsed = parse_value(&event()).unwrap();
        assert_eq!(parsed.path_parameters["id"], "7");
        assert_eq!(parsed.request_context.request_time_epoch, 1_428_582_896_000);
        // The authorizer's nulls are kept.
        assert_eq!(
            parsed.request_context.authorizer.fields["claims"],
            Value::Null
        );
    }

    #[test]
    fn every_optional_member_may_be_null() {
        for pointer in [
            "/resource",
            "/path",
            "/headers",
            "/multiValueHeaders",
            "/queryStringParameters",
            "/multiValueQueryStringParameters",
            "/pathParameters",
            "/stageVariables",
            "/body",
            "/isBase64Encoded",
            "/headers/Accept",
            "/pathParameters/id",
            "/requestContext/resourcePath",
            "/requestContext/httpMethod",
            "/requestContext/requestTimeEpoch",
            "/requestContext/identity",
            "/requestContext/identity/sourceIp",
            "/requestContext/authorizer",
            "/requestContext",
        ] {
            let mut value = event();
            *value.pointer_mut(pointer).unwrap() = Value::Null;
            let parsed = parse_value(&value).unwrap_or_else(|e| panic!("{pointer}: {e}"));
            assert_eq!(parsed.http_method, http::Method::GET, "{pointer}");
        }
    }

    #[test]
    fn a_null_request_context_method_is_the_events() {
        let mut value = event();
        value["httpMethod"] = json!("PUT");
        value["requestContext"]["httpMethod"] = Value::Null;
        let parsed = parse_value(&value).unwrap();
        assert_eq!(parsed.request_context.http_method, http::Method::PUT);
    }

    #[test]
    fn what_is_not_a_proxy_event_stays_an_error() {
        for text in [
            "",
            "not json",
            "{\"httpMethod\": \"GET\", \"path\": ",
            "[1, 2]",
            "{\"detail-type\": \"Scheduled Event\", \"source\": \"aws.events\"}",
            "{\"httpMethod\": null, \"requestContext\": {}}",
            "{\"httpMethod\": \"NOT A METHOD\", \"requestContext\": {}}",
            "{\"httpMethod\": \"GET\", \"requestContext\": {}, \"headers\": {\"a\": 7}}",
        ] {
            assert!(parse(text).is_err(), "{text}");
        }
    }

    #[test]
    fn the_error_is_the_first_attempts() {
        let mut value = event();
        value["requestContext"]["identity"] = json!(5);
        let message = parse_value(&value).unwrap_err().to_string();
        assert!(message.contains("invalid type: integer `5`"), "{message}");
    }

    #[test]
    fn lambda_runtime_reads_it_through_a_path_tracking_deserializer() {
        // lambda_runtime deserialises payloads with serde_path_to_error.
        let text = event().to_string();
        let deserializer = &mut serde_json::Deserializer::from_str(&text);
        let event: ProxyEvent = serde_path_to_error::deserialize(deserializer).unwrap();
        assert_eq!(event.0.path.as_deref(), Some("/items/7"));

        let truncated = &text[..text.len() / 2];
        let deserializer = &mut serde_json::Deserializer::from_str(truncated);
        let error = serde_path_to_error::deserialize::<_, ProxyEvent>(deserializer).unwrap_err();
        assert!(error.to_string().contains("EOF"), "{error}");
    }
}

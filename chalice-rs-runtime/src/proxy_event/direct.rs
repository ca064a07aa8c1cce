//! The direct reading of a well-formed REST v1 proxy event: one pass, with
//! the headers read straight into their `HeaderMap`.
//!
//! `aws_lambda_events` reads each header's value through an untagged enum:
//! the value is buffered, then tried as a string, then as an array, and
//! every `multiValueHeaders` entry first builds (and drops) a formatted
//! type error. That is most of the time the `api` function spends reading
//! an event. This reader accepts a subset of what `aws_lambda_events`
//! accepts (the members API Gateway sends, header values that are strings
//! or arrays of strings) and builds the same [`ApiGatewayProxyRequest`] from
//! it; anything else is refused, and [`parse`](super::parse) then reads the
//! event as `aws_lambda_events` does, for its result or its error.

use aws_lambda_events::apigw::{ApiGatewayProxyRequest, ApiGatewayProxyRequestContext};
use aws_lambda_events::query_map::serde::standard::deserialize_empty as query_map;
use aws_lambda_events::query_map::QueryMap;
use http::header::{HeaderName, HeaderValue};
use http::{HeaderMap, Method};
use serde::de::{DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use std::collections::HashMap;
use std::fmt;

/// Reads `json` as a REST v1 proxy event; `None` when this reader does not
/// take it (the caller then reads it as `aws_lambda_events` does).
pub(super) fn parse(json: &str) -> Option<ApiGatewayProxyRequest> {
    let direct: DirectEvent = serde_json::from_str(json).ok()?;
    let mut event = ApiGatewayProxyRequest::default();
    event.resource = direct.resource;
    event.path = direct.path;
    event.http_method = direct.http_method;
    event.headers = direct.headers;
    event.multi_value_headers = direct.multi_value_headers;
    event.query_string_parameters = direct.query_string_parameters;
    event.multi_value_query_string_parameters = direct.multi_value_query_string_parameters;
    event.path_parameters = direct.path_parameters;
    event.stage_variables = direct.stage_variables;
    event.request_context = direct.request_context;
    event.body = direct.body;
    event.is_base64_encoded = direct.is_base64_encoded;
    Some(event)
}

/// [`ApiGatewayProxyRequest`]'s members, in its order, with its defaults
/// and readers, but the headers'. An unknown member is refused: with
/// `aws_lambda_events`' `catch-all-fields` feature it would be kept.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DirectEvent {
    #[serde(default)]
    resource: Option<String>,
    #[serde(default)]
    path: Option<String>,
    #[serde(deserialize_with = "method")]
    http_method: Method,
    #[serde(deserialize_with = "headers", default)]
    headers: HeaderMap,
    #[serde(deserialize_with = "headers", default)]
    multi_value_headers: HeaderMap,
    #[serde(default, deserialize_with = "query_map")]
    query_string_parameters: QueryMap,
    #[serde(default, deserialize_with = "query_map")]
    multi_value_query_string_parameters: QueryMap,
    #[serde(deserialize_with = "nullish", default)]
    path_parameters: HashMap<String, String>,
    #[serde(deserialize_with = "nullish", default)]
    stage_variables: HashMap<String, String>,
    request_context: ApiGatewayProxyRequestContext,
    #[serde(default)]
    body: Option<String>,
    #[serde(default, deserialize_with = "nullish")]
    is_base64_encoded: bool,
}

/// `null` as the default, as `aws_lambda_events` reads these members.
fn nullish<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// The method as `aws_lambda_events` reads it: a string, empty for `GET`.
fn method<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Method, D::Error> {
    struct MethodVisitor;
    impl Visitor<'_> for MethodVisitor {
        type Value = Method;
        fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
            formatter.write_str("a method name")
        }
        fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Method, E> {
            if text.is_empty() {
                Ok(Method::GET)
            } else {
                text.parse().map_err(E::custom)
            }
        }
    }
    deserializer.deserialize_str(MethodVisitor)
}

/// `headers` or `multiValueHeaders`: `null` or absent for none; each name
/// with a string (which replaces the name's earlier values) or an array of
/// strings (appended), as `aws_lambda_events` builds the map.
fn headers<'de, D: Deserializer<'de>>(deserializer: D) -> Result<HeaderMap, D::Error> {
    deserializer.deserialize_option(HeadersVisitor)
}

struct HeadersVisitor;

impl<'de> Visitor<'de> for HeadersVisitor {
    type Value = HeaderMap;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a map of header names to strings or arrays of strings")
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<HeaderMap, E> {
        Ok(HeaderMap::default())
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<HeaderMap, E> {
        Ok(HeaderMap::default())
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<HeaderMap, D::Error> {
        deserializer.deserialize_map(self)
    }

    fn visit_map<M: MapAccess<'de>>(self, mut access: M) -> Result<HeaderMap, M::Error> {
        let mut map = HeaderMap::with_capacity(access.size_hint().unwrap_or(0));
        while let Some(name) = access.next_key_seed(NameSeed)? {
            access.next_value_seed(ValuesSeed {
                name,
                map: &mut map,
            })?;
        }
        Ok(map)
    }
}

/// A header name, read from the text without an intermediate `String`.
struct NameSeed;

impl<'de> DeserializeSeed<'de> for NameSeed {
    type Value = HeaderName;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<HeaderName, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl Visitor<'_> for NameSeed {
    type Value = HeaderName;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a header name")
    }

    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<HeaderName, E> {
        HeaderName::from_bytes(text.as_bytes()).map_err(E::custom)
    }
}

/// One header's value or values, added to the map under `name`.
struct ValuesSeed<'a> {
    name: HeaderName,
    map: &'a mut HeaderMap,
}

impl<'de> DeserializeSeed<'de> for ValuesSeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ValuesSeed<'_> {
    type Value = ();

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a string or an array of strings")
    }

    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<(), E> {
        let value = HeaderValue::from_str(text).map_err(E::custom)?;
        self.map.insert(self.name, value);
        Ok(())
    }

    fn visit_seq<S: SeqAccess<'de>>(self, mut values: S) -> Result<(), S::Error> {
        while let Some(value) = values.next_element_seed(ValueSeed)? {
            self.map.append(&self.name, value);
        }
        Ok(())
    }
}

/// One string of a header's array.
struct ValueSeed;

impl<'de> DeserializeSeed<'de> for ValueSeed {
    type Value = HeaderValue;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<HeaderValue, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl Visitor<'_> for ValueSeed {
    type Value = HeaderValue;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a header value")
    }

    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<HeaderValue, E> {
        HeaderValue::from_str(text).map_err(E::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::{json, Value};

    /// What `aws_lambda_events` reads from `json`, if anything.
    fn reference(json: &str) -> Option<ApiGatewayProxyRequest> {
        serde_json::from_str(json).ok()
    }

    /// An event as API Gateway sends it (`cargo chalice local` too).
    fn event() -> Value {
        json!({
            "resource": "/items/{id}",
            "path": "/items/1",
            "httpMethod": "GET",
            "headers": {"Host": "127.0.0.1:8000", "X-Forwarded-For": "127.0.0.1"},
            "multiValueHeaders": {"Host": ["127.0.0.1:8000"], "X-Forwarded-For": ["127.0.0.1"]},
            "queryStringParameters": null,
            "multiValueQueryStringParameters": null,
            "pathParameters": {"id": "1"},
            "stageVariables": null,
            "requestContext": {
                "accountId": "123456789012",
                "resourceId": "abc123",
                "stage": "api",
                "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
                "extendedRequestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
                "requestTime": "27/Nov/2026:03:40:00 +0000",
                "requestTimeEpoch": 1_795_750_800_000_i64,
                "path": "/api/items/1",
                "protocol": "HTTP/1.1",
                "identity": {"cognitoIdentityPoolId": null, "sourceIp": "127.0.0.1", "userAgent": "wrk"},
                "resourcePath": "/items/{id}",
                "httpMethod": "GET",
                "apiId": "local",
                "domainName": "127.0.0.1:8000",
                "domainPrefix": "127"
            },
            "body": null,
            "isBase64Encoded": false
        })
    }

    /// Whenever the direct reader takes an event, it reads what
    /// `aws_lambda_events` reads.
    fn check_same(value: &Value) -> Option<ApiGatewayProxyRequest> {
        let json = value.to_string();
        let direct = parse(&json);
        if let Some(direct) = &direct {
            assert_eq!(Some(direct), reference(&json).as_ref(), "{json}");
        }
        direct
    }

    #[test]
    fn an_api_gateway_event_is_read_directly_as_aws_lambda_events_reads_it() {
        let mut value = event();
        assert!(check_same(&value).is_some());
        value["body"] = json!("{\"name\": \"x\"}");
        value["isBase64Encoded"] = json!(true);
        value["queryStringParameters"] = json!({"a": "2", "b": "x y"});
        value["multiValueQueryStringParameters"] = json!({"a": ["1", "2"], "b": ["x y"]});
        value["stageVariables"] = json!({"v": "1"});
        value["requestContext"]["authorizer"] = json!({"principalId": "ann", "claims": null});
        assert!(check_same(&value).is_some());
    }

    #[test]
    fn headers_are_built_as_aws_lambda_events_builds_them() {
        for headers in [
            json!(null),
            json!({}),
            json!({"Accept": "*/*", "accept": "text/html"}),
            json!({"Accept": ["a", "b"], "accept": ["c"]}),
            json!({"Accept": ["a", "b"], "accept": "c"}),
            json!({"Accept": "c", "accept": ["a", "b"]}),
            json!({"X-Empty": []}),
            json!({"X-Escaped": "caf\u{e9} \"q\""}),
            json!({"Set-Cookie": ["a=1", "b=2"], "Host": "h"}),
        ] {
            let mut value = event();
            value["headers"] = headers.clone();
            value["multiValueHeaders"] = headers.clone();
            assert!(check_same(&value).is_some(), "{headers}");
        }
    }

    #[test]
    fn what_it_does_not_take_is_left_to_aws_lambda_events() {
        for (pointer, member) in [
            ("/headers", json!({"Accept": 7})),
            ("/headers", json!({"bad name": "x"})),
            ("/headers", json!({"X-Bad": "a\u{1}b"})),
            ("/multiValueHeaders", json!({"Accept": [[1, 2]]})),
            ("/multiValueHeaders", json!({"Accept": [null]})),
            ("/requestContext/identity", json!(null)),
            ("/httpMethod", json!(null)),
            ("/httpMethod", json!("NOT A METHOD")),
        ] {
            let mut value = event();
            *value.pointer_mut(pointer).unwrap() = member.clone();
            assert!(check_same(&value).is_none(), "{pointer}: {member}");
        }
        // An unknown member (kept by `catch-all-fields`) and a missing one.
        let mut value = event();
        value["extra"] = json!(1);
        assert!(check_same(&value).is_none());
        let mut value = event();
        value.as_object_mut().unwrap().remove("requestContext");
        assert!(check_same(&value).is_none());
    }

    #[test]
    fn an_empty_method_is_get_and_absent_members_take_their_defaults() {
        let mut value = event();
        value["httpMethod"] = json!("");
        for member in ["resource", "path", "headers", "body", "isBase64Encoded"] {
            value.as_object_mut().unwrap().remove(member);
        }
        let parsed = check_same(&value).unwrap();
        assert_eq!(parsed.http_method, Method::GET);
    }

    fn header_name() -> impl Strategy<Value = String> {
        prop::sample::select(vec![
            "Accept",
            "accept",
            "ACCEPT",
            "Host",
            "X-Forwarded-For",
            "x-forwarded-for",
            "Set-Cookie",
            "X-Custom",
            "bad name",
            "",
        ])
        .prop_map(str::to_owned)
    }

    fn header_text() -> impl Strategy<Value = Value> {
        prop::sample::select(vec!["", "a", "b, c", "caf\u{e9}", "x\u{1}y", " spaced "])
            .prop_map(|text| json!(text))
    }

    fn header_member() -> impl Strategy<Value = Value> {
        prop_oneof![
            header_text(),
            prop::collection::vec(header_text(), 0..3).prop_map(Value::from),
            Just(json!(null)),
            Just(json!(5)),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn random_headers_are_read_as_aws_lambda_events_reads_them(
            members in prop::collection::vec((header_name(), header_member()), 0..6)
        ) {
            // A JSON object with repeated names, built by hand.
            let object = members
                .iter()
                .map(|(name, member)| format!("{}:{member}", json!(name)))
                .collect::<Vec<_>>()
                .join(",");
            let mut value = event();
            value["headers"] = json!("HEADERS");
            value["multiValueHeaders"] = json!("HEADERS");
            let json = value.to_string().replace("\"HEADERS\"", &format!("{{{object}}}"));
            if let Some(direct) = parse(&json) {
                prop_assert_eq!(Some(direct), reference(&json));
            }
        }
    }
}

//! The REST proxy event against what the Lambda side parses: any method,
//! path, query, headers, body and content type give an event that
//! serialises and reads back as `ApiGatewayProxyRequest`, with the body
//! base64-encoded exactly when its media type is binary. Path parameters'
//! and the query's decoding is not asserted here, only their structure.
//!
//! And `RestEvent`'s JSON against aws_lambda_events' serialisation of the
//! same event built field by field (`reference_event`), but for the empty
//! maps the writer leaves `null`, as API Gateway does.

use crate::config;
use aws_lambda_events::apigw::ApiGatewayProxyRequest;
use aws_lambda_events::apigw::ApiGatewayProxyRequestContext;
use aws_lambda_events::query_map::QueryMap;
use base64::Engine as _;
use chalice_rs_runtime::gateway::{
    build_event, is_binary, CallerContext, EventSettings, HttpRequest, RestEvent, RouteMatch,
};
use http::{HeaderMap, HeaderName, HeaderValue, Method};
use proptest::collection::{hash_map, vec};
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};

/// The parameter names of a query map.
fn names(map: &QueryMap) -> BTreeSet<String> {
    map.iter().map(|(name, _)| name.to_owned()).collect()
}

/// Content types and whether they are binary for the media types of
/// `BINARY_TYPES` (`image/*`, `application/octet-stream`).
const CONTENT_TYPES: &[(&str, bool)] = &[
    ("image/png", true),
    ("IMAGE/GIF", true),
    ("image/webp; q=1", true),
    ("application/octet-stream", true),
    (" application/octet-stream ; charset=x", true),
    ("application/json", false),
    ("text/plain; charset=utf-8", false),
    ("imagex/png", false),
    ("application/octet-streams", false),
    ("", false),
];
const BINARY_TYPES: &[&str] = &["image/*", "application/octet-stream"];

fn method() -> impl Strategy<Value = Method> {
    prop_oneof![
        select(&["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"][..])
            .prop_map(str::to_owned),
        "[A-Z][A-Za-z-]{0,8}",
    ]
    .prop_filter_map("a method token", |m| Method::from_bytes(m.as_bytes()).ok())
}

/// Header values `http` accepts that are text: visible ASCII, spaces, tabs
/// and any other Unicode.
fn header_value() -> impl Strategy<Value = HeaderValue> {
    "[ -~\t\u{80}-\u{10ffff}]{0,12}"
        .prop_filter_map("a header value", |v| HeaderValue::from_str(&v).ok())
}

fn headers() -> impl Strategy<Value = HeaderMap> {
    let name = prop_oneof![
        select(&["x-tag", "X-Tag", "cookie", "host", "user-agent", "accept"][..])
            .prop_map(str::to_owned),
        "[a-z][a-z0-9-]{0,8}",
    ];
    vec((name, header_value()), 0..8).prop_map(|pairs| {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            if let Ok(name) = HeaderName::from_bytes(name.as_bytes()) {
                headers.append(name, value);
            }
        }
        headers
    })
}

fn request() -> impl Strategy<Value = (HttpRequest, Option<(&'static str, bool)>)> {
    (
        method(),
        prop_oneof!["/[a-z0-9%/._~-]{0,16}", "/\\PC{0,12}"],
        prop_oneof!["[a-z0-9=&+%.]{0,20}", "\\PC{0,16}"],
        headers(),
        prop::option::of(select(CONTENT_TYPES)),
        prop_oneof![
            vec(any::<u8>(), 0..40),
            "\\PC{0,20}".prop_map(String::into_bytes)
        ],
    )
        .prop_map(|(method, path, query, mut headers, content_type, body)| {
            if let Some((content_type, _)) = content_type {
                headers.insert(
                    http::header::CONTENT_TYPE,
                    HeaderValue::from_static(content_type),
                );
            }
            let request = HttpRequest {
                method,
                path,
                query,
                headers,
                body,
            };
            (request, content_type)
        })
}

fn route_match() -> impl Strategy<Value = RouteMatch> {
    (
        "/[a-z{}+/]{0,12}",
        hash_map("[a-z]{1,4}", "\\PC{0,8}", 0..3),
    )
        .prop_map(|(resource_path, path_params)| RouteMatch {
            resource_path,
            path_params,
        })
}

proptest! {
    #![proptest_config(config(256))]

    /// The event reads back as the Lambda side's type, with the request's
    /// method, path, resource, parameters, headers and body.
    #[test]
    fn the_event_reads_back_as_the_lambda_side_parses_it(
        (request, content_type) in request(),
        matched in route_match(),
    ) {
        let settings = EventSettings {
            binary_media_types: BINARY_TYPES.iter().map(|t| (*t).to_owned()).collect(),
            ..EventSettings::default()
        };
        let event = build_event(&request, &matched, &settings, "request-1", 1);
        let bytes = serde_json::to_vec(&event).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let read: ApiGatewayProxyRequest = serde_json::from_slice(&bytes)
            .map_err(|e| TestCaseError::fail(format!("{e}: {}", String::from_utf8_lossy(&bytes))))?;

        prop_assert_eq!(&read.http_method, &request.method);
        prop_assert_eq!(read.path.as_deref(), Some(request.path.as_str()));
        prop_assert_eq!(read.resource.as_deref(), Some(matched.resource_path.as_str()));
        prop_assert_eq!(&read.path_parameters, &matched.path_params);
        prop_assert_eq!(&read.multi_value_headers, &request.headers);
        for name in request.headers.keys() {
            let last = request.headers.get_all(name).iter().next_back();
            prop_assert_eq!(read.headers.get(name), last, "header {}", name);
        }
        prop_assert_eq!(read.headers.keys_len(), request.headers.keys_len());

        let binary = content_type.is_some_and(|(_, binary)| binary);
        if request.body.is_empty() {
            prop_assert_eq!(read.body, None);
            prop_assert!(!read.is_base64_encoded);
        } else if binary {
            prop_assert!(read.is_base64_encoded);
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(read.body.unwrap_or_default())
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(decoded, request.body);
        } else {
            prop_assert!(!read.is_base64_encoded);
            prop_assert_eq!(read.body, Some(String::from_utf8_lossy(&request.body).into_owned()));
        }

        // The query's structure: the same names in both maps, the single
        // value the last of the list.
        let (single, multi) = (&read.query_string_parameters, &read.multi_value_query_string_parameters);
        prop_assert_eq!(names(single), names(multi));
        for name in names(single) {
            let all = multi.all(&name).unwrap_or_default();
            prop_assert_eq!(all.last().copied(), single.first(&name), "query {}", name);
        }
    }
}

/// The event as aws_lambda_events' model, built field by field: what the
/// writer must serialise the same.
fn reference_event(
    request: &HttpRequest,
    matched: &RouteMatch,
    settings: &EventSettings,
    caller: &CallerContext,
) -> ApiGatewayProxyRequest {
    let mut single_query: HashMap<String, String> = HashMap::new();
    let mut multi_query: HashMap<String, Vec<String>> = HashMap::new();
    for (name, value) in form_urlencoded::parse(request.query.as_bytes()) {
        single_query.insert(name.clone().into_owned(), value.clone().into_owned());
        multi_query
            .entry(name.into_owned())
            .or_default()
            .push(value.into_owned());
    }
    let mut single_headers = HeaderMap::new();
    for name in request.headers.keys() {
        if let Some(last) = request.headers.get_all(name).iter().next_back() {
            single_headers.insert(name.clone(), last.clone());
        }
    }
    let text = |name| {
        request
            .headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
            .map(str::to_owned)
    };
    let mut context = ApiGatewayProxyRequestContext::default();
    context.account_id = Some(settings.account_id.clone());
    context.apiid = Some(settings.api_id.clone());
    context.stage = Some(settings.stage.clone());
    context.request_id = Some("request-1".to_owned());
    context.protocol = Some("HTTP/1.1".to_owned());
    context.resource_path = Some(matched.resource_path.clone());
    context.path = Some(format!("/{}{}", settings.stage, request.path));
    context.http_method = request.method.clone();
    context.request_time_epoch = 1;
    context.domain_name = text(http::header::HOST);
    context.identity.source_ip = Some(settings.source_ip.clone());
    context.identity.user_agent = text(http::header::USER_AGENT);
    context.identity.api_key = caller.api_key.clone();
    context.identity.api_key_id = caller.api_key_id.clone();
    context.identity.access_key = caller.access_key.clone();
    context.authorizer.fields = caller.authorizer.clone();

    let mut event = ApiGatewayProxyRequest::default();
    event.resource = Some(matched.resource_path.clone());
    event.path = Some(request.path.clone());
    event.http_method = request.method.clone();
    event.headers = single_headers;
    event.multi_value_headers = request.headers.clone();
    event.query_string_parameters = QueryMap::from(single_query);
    event.multi_value_query_string_parameters = QueryMap::from(multi_query);
    event.path_parameters = matched.path_params.clone();
    event.stage_variables = settings.stage_variables.clone();
    event.request_context = context;
    let content_type = request
        .headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    if !request.body.is_empty() {
        if is_binary(content_type, &settings.binary_media_types) {
            event.body = Some(base64::engine::general_purpose::STANDARD.encode(&request.body));
            event.is_base64_encoded = true;
        } else {
            event.body = Some(String::from_utf8_lossy(&request.body).into_owned());
        }
    }
    event
}

/// The maps API Gateway sends as `null` when empty (aws_lambda_events
/// writes `{}`), and the generated `resourceId`.
fn normalised(mut event: Value) -> Value {
    for key in [
        "headers",
        "multiValueHeaders",
        "queryStringParameters",
        "multiValueQueryStringParameters",
        "pathParameters",
        "stageVariables",
    ] {
        if event[key]
            .as_object()
            .is_some_and(serde_json::Map::is_empty)
        {
            event[key] = Value::Null;
        }
    }
    event["requestContext"]["resourceId"] = Value::Null;
    event
}

fn caller_context() -> impl Strategy<Value = CallerContext> {
    let value = prop_oneof![
        "\\PC{0,8}".prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<bool>().prop_map(Value::from),
    ];
    (
        hash_map("\\PC{1,6}", value, 0..3),
        prop::option::of("\\PC{0,8}"),
        prop::option::of("[a-z0-9-]{0,8}"),
        prop::option::of("\\PC{0,8}"),
    )
        .prop_map(
            |(authorizer, access_key, api_key_id, api_key)| CallerContext {
                authorizer,
                access_key,
                api_key_id,
                api_key,
            },
        )
}

fn settings() -> impl Strategy<Value = EventSettings> {
    (
        "[a-z]{1,6}",
        hash_map("[a-zA-Z]{1,4}", "\\PC{0,8}", 0..3),
        "[0-9.:a-f]{3,12}",
    )
        .prop_map(|(stage, stage_variables, source_ip)| EventSettings {
            stage,
            stage_variables,
            source_ip,
            binary_media_types: BINARY_TYPES.iter().map(|t| (*t).to_owned()).collect(),
            ..EventSettings::default()
        })
}

proptest! {
    #![proptest_config(config(256))]

    /// The written event is aws_lambda_events' serialisation of the same
    /// event (as JSON values: the maps' order differs), empty maps aside.
    #[test]
    fn the_written_event_is_the_models_serialisation(
        (request, _) in request(),
        matched in route_match(),
        settings in settings(),
        caller in caller_context(),
    ) {
        let event = RestEvent {
            request: &request,
            matched: &matched,
            settings: &settings,
            request_id: "request-1",
            epoch_ms: 1,
        };
        let written = event.to_json(&caller);
        let written: Value = serde_json::from_slice(&written)
            .map_err(|e| TestCaseError::fail(format!("{e}: {}", String::from_utf8_lossy(&written))))?;
        prop_assert!(written["requestContext"]["resourceId"].as_str().is_some_and(|id| id.len() == 6));
        let reference = serde_json::to_value(reference_event(&request, &matched, &settings, &caller))
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(normalised(written), normalised(reference));
    }
}

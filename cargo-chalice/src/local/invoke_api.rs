//! The Lambda Invoke API on the local server:
//! `POST /2015-03-31/functions/{FunctionName}/invocations`, as
//! `aws lambda invoke --endpoint-url http://127.0.0.1:8000` and the AWS SDKs
//! call it.
//!
//! `FunctionName` is a function's `lambda_functions` key, its Lambda name
//! (`<app>-<stage>-<name>`), or its ARN or partial ARN, unqualified or
//! `$LATEST`. `X-Amz-Invocation-Type` is `RequestResponse` (the default: 200
//! and the function's answer), `Event` (202 at once; the function runs in
//! the background) or `DryRun` (204). A failed invocation answers 200 with
//! `X-Amz-Function-Error: Unhandled` and the error document;
//! `X-Amz-Log-Type: Tail` adds `X-Amz-Log-Result`, the last 4 KB of the
//! invocation's log, base64. Errors that keep the function from running are
//! Lambda's: 404 `ResourceNotFoundException`, 413
//! `RequestTooLargeException`, 400 `InvalidRequestContentException` and
//! `ValidationException`.
//!
//! The path belongs to the Invoke API even when an app's route (a greedy
//! `/{proxy+}`) would match it: on AWS the two are different hosts, and
//! the banner says when an app's route is shadowed.

use super::functions::{Direct, FunctionResult, Functions};
use super::logs;
use base64::Engine as _;
use bytes::{Bytes, BytesMut};
use http::{HeaderMap, HeaderValue, Method, Response, StatusCode};
use http_body_util::{BodyExt as _, Full};
use hyper::body::Incoming;
use serde_json::json;
use std::time::Instant;

/// The Invoke API's path prefix.
pub const PREFIX: &str = "/2015-03-31/functions/";
/// The Invoke API's path suffix.
pub const SUFFIX: &str = "/invocations";
/// The largest payload of a synchronous invocation: 6 MB.
pub const MAX_SYNC_PAYLOAD: usize = 6 * 1024 * 1024;
/// The largest payload of an asynchronous (`Event`) invocation: 1 MB.
pub const MAX_ASYNC_PAYLOAD: usize = 1024 * 1024;

/// `X-Amz-Invocation-Type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvocationType {
    /// Wait for the function's answer (the default).
    RequestResponse,
    /// Queue the event; answer 202 at once.
    Event,
    /// Check the request only; answer 204.
    DryRun,
}

/// An Invoke call, parsed from its path, query and headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvokeCall {
    /// `FunctionName`, percent-decoded.
    pub function_name: String,
    /// `?Qualifier=`.
    pub qualifier: Option<String>,
    /// `X-Amz-Invocation-Type`.
    pub invocation_type: InvocationType,
    /// `X-Amz-Log-Type: Tail`.
    pub tail: bool,
}

/// An error answer of the Invoke API, as Lambda writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// `x-amzn-ErrorType`.
    pub error_type: &'static str,
    /// The message.
    pub message: String,
}

impl ApiError {
    fn new(status: StatusCode, error_type: &'static str, message: String) -> Self {
        Self {
            status,
            error_type,
            message,
        }
    }

    /// 404 `ResourceNotFoundException`.
    pub fn not_found(arn: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "ResourceNotFoundException",
            format!("Function not found: {arn}"),
        )
    }

    /// 413 `RequestTooLargeException` for a payload over `limit` bytes.
    pub fn too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "RequestTooLargeException",
            format!("Request must be smaller than {limit} bytes for the InvokeFunction operation"),
        )
    }

    /// The answer: the status, `x-amzn-ErrorType`, and `{"Type": "User", "Message": ..}`.
    pub fn response(&self, request_id: &str) -> Response<Full<Bytes>> {
        let body = json!({"Type": "User", "Message": self.message}).to_string();
        let mut response = json_response(self.status, Bytes::from(body), request_id);
        response.headers_mut().insert(
            "x-amzn-errortype",
            HeaderValue::from_static(self.error_type),
        );
        response
    }
}

/// Whether a request is an Invoke call (`POST` on the Invoke path).
pub fn is_invoke(method: &Method, path: &str) -> bool {
    method == Method::POST && path.starts_with(PREFIX) && path.ends_with(SUFFIX)
}

/// One validation error as Lambda's front end words it.
fn validation(value: &str, member: &str, allowed: &str) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "ValidationException",
        format!(
            "1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: Member must satisfy enum value set: [{allowed}]"
        ),
    )
}

impl InvokeCall {
    /// Parses an Invoke call (see [`is_invoke`] for which requests are).
    pub fn parse(path: &str, query: Option<&str>, headers: &HeaderMap) -> Result<Self, ApiError> {
        let encoded = path
            .strip_prefix(PREFIX)
            .and_then(|rest| rest.strip_suffix(SUFFIX))
            .unwrap_or_default();
        let function_name = percent_encoding::percent_decode_str(encoded)
            .decode_utf8_lossy()
            .into_owned();
        if function_name.is_empty() || function_name.contains('/') {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "ValidationException",
                format!("1 validation error detected: Value '{function_name}' at 'functionName' failed to satisfy constraint: Member must have length greater than or equal to 1 and must not contain '/'"),
            ));
        }
        let qualifier = query.and_then(|query| {
            query
                .split('&')
                .filter_map(|pair| pair.split_once('='))
                .find(|(key, _)| *key == "Qualifier")
                .map(|(_, value)| {
                    percent_encoding::percent_decode_str(value)
                        .decode_utf8_lossy()
                        .into_owned()
                })
        });
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        let invocation_type = match header("x-amz-invocation-type") {
            None | Some("RequestResponse") => InvocationType::RequestResponse,
            Some("Event") => InvocationType::Event,
            Some("DryRun") => InvocationType::DryRun,
            Some(other) => {
                return Err(validation(
                    other,
                    "invocationType",
                    "Event, RequestResponse, DryRun",
                ))
            }
        };
        let tail = match header("x-amz-log-type") {
            None | Some("None") => false,
            Some("Tail") => true,
            Some(other) => return Err(validation(other, "logType", "None, Tail")),
        };
        Ok(Self {
            function_name,
            qualifier,
            invocation_type,
            tail,
        })
    }

    /// The largest payload this call may carry.
    pub fn payload_limit(&self) -> usize {
        match self.invocation_type {
            InvocationType::Event => MAX_ASYNC_PAYLOAD,
            _ => MAX_SYNC_PAYLOAD,
        }
    }
}

/// Checks a payload: JSON (an empty one is `{}`), within `limit`.
pub fn check_payload(body: Bytes, limit: usize) -> Result<Bytes, ApiError> {
    if body.len() > limit {
        return Err(ApiError::too_large(limit));
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Bytes::from_static(b"{}"));
    }
    match serde_json::from_slice::<serde::de::IgnoredAny>(&body) {
        Ok(_) => Ok(body),
        Err(error) => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "InvalidRequestContentException",
            format!("Could not parse request body into json: Could not parse payload into json: {error}"),
        )),
    }
}

/// The answer of a synchronous invocation: 200, the payload (or the error
/// document with `X-Amz-Function-Error: Unhandled`), the executed version,
/// and the log's tail when asked for.
pub fn invocation_response(
    result: &FunctionResult,
    log: Option<&[String]>,
    request_id: &str,
) -> Response<Full<Bytes>> {
    let mut response = json_response(StatusCode::OK, result.payload.clone(), request_id);
    let headers = response.headers_mut();
    headers.insert(
        "x-amz-executed-version",
        HeaderValue::from_static("$LATEST"),
    );
    if result.error {
        headers.insert(
            "x-amz-function-error",
            HeaderValue::from_static("Unhandled"),
        );
    }
    if let Some(lines) = log {
        let tail = base64::engine::general_purpose::STANDARD.encode(logs::tail(lines));
        if let Ok(value) = HeaderValue::from_str(&tail) {
            headers.insert("x-amz-log-result", value);
        }
    }
    response
}

fn json_response(status: StatusCode, body: Bytes, request_id: &str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Ok(value) = HeaderValue::from_str(request_id) {
        headers.insert("x-amzn-requestid", value);
    }
    response
}

fn empty_response(status: StatusCode, request_id: &str) -> Response<Full<Bytes>> {
    let mut response = json_response(status, Bytes::new(), request_id);
    response.headers_mut().remove(http::header::CONTENT_TYPE);
    response
}

/// Reads the body up to `limit` bytes (one more says it is over).
async fn read_body(mut body: Incoming, limit: usize) -> Result<Bytes, ApiError> {
    let mut collected = BytesMut::new();
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "InvalidRequestContentException",
                "the request body could not be read".to_owned(),
            ));
        };
        if let Ok(data) = frame.into_data() {
            if collected.len() + data.len() > limit {
                return Err(ApiError::too_large(limit));
            }
            collected.extend_from_slice(&data);
        }
    }
    Ok(collected.freeze())
}

/// Serves one Invoke call against `functions`; the second value says how
/// it went, for the server's log line.
pub async fn handle(
    functions: &Functions,
    region: &str,
    request: http::Request<Incoming>,
) -> (Response<Full<Bytes>>, String) {
    let request_id = super::runtime_api::new_request_id();
    let (parts, body) = request.into_parts();
    let call = match InvokeCall::parse(parts.uri.path(), parts.uri.query(), &parts.headers) {
        Ok(call) => call,
        Err(error) => return (error.response(&request_id), error.error_type.to_owned()),
    };
    let function = match functions.find(&call.function_name, call.qualifier.as_deref(), region) {
        Ok(function) => function,
        Err(not_found) => {
            let error = ApiError::not_found(&not_found.arn);
            return (error.response(&request_id), error.error_type.to_owned());
        }
    };
    let payload = match read_body(body, call.payload_limit())
        .await
        .and_then(|body| check_payload(body, call.payload_limit()))
    {
        Ok(payload) => payload,
        Err(error) => return (error.response(&request_id), error.error_type.to_owned()),
    };
    match call.invocation_type {
        InvocationType::DryRun => (
            empty_response(StatusCode::NO_CONTENT, &request_id),
            format!("{} dry run", function.key),
        ),
        InvocationType::Event => {
            run_in_background(function, request_id.clone(), payload);
            (
                empty_response(StatusCode::ACCEPTED, &request_id),
                format!("{} queued", function.key),
            )
        }
        InvocationType::RequestResponse => {
            let invoked = tokio::spawn({
                let pool = function.pool.clone();
                let request_id = request_id.clone();
                async move {
                    pool.invoke_with(request_id, payload, super::pool::Invoke::DIRECT)
                        .await
                }
            })
            .await;
            let Ok(invoked) = invoked else {
                let error = ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "ServiceException",
                    "the invocation was cancelled".to_owned(),
                );
                return (error.response(&request_id), error.error_type.to_owned());
            };
            let result = FunctionResult::of(&invoked, &request_id, function.pool.spec().timeout);
            let log = call.tail.then_some(invoked.log.as_deref()).flatten();
            let kind = if invoked.cold { "cold" } else { "warm" };
            let summary = match result.error_summary() {
                Some((error_type, _)) => format!("{} Unhandled {error_type} {kind}", function.key),
                None => format!("{} {kind}", function.key),
            };
            (invocation_response(&result, log, &request_id), summary)
        }
    }
}

/// Runs an `Event` invocation on its own task and logs how it ended.
fn run_in_background(function: &Direct, request_id: String, payload: Bytes) {
    let pool = function.pool.clone();
    let key = function.key.clone();
    tokio::spawn(async move {
        let started = Instant::now();
        let timeout = pool.spec().timeout;
        let invoked = pool
            .invoke_with(request_id.clone(), payload, super::pool::Invoke::DIRECT)
            .await;
        let result = FunctionResult::of(&invoked, &request_id, timeout);
        let outcome = match result.error_summary() {
            Some((error_type, message)) => format!("error {error_type}: {message}"),
            None => "ok".to_owned(),
        };
        super::stdout::line(format!(
            "Event {key} {outcome} {:.1} ms {}",
            started.elapsed().as_secs_f64() * 1000.0,
            if invoked.cold { "cold" } else { "warm" }
        ));
    });
}

/// Whether a route of the app answers `POST` on the Invoke path (the Invoke
/// API shadows it locally).
pub fn shadowed_route(router: &chalice_rs_runtime::gateway::Router) -> Option<String> {
    router
        .route("POST", &format!("{PREFIX}example{SUFFIX}"))
        .map(|matched| matched.resource_path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(
                http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        map
    }

    #[test]
    fn only_post_on_the_invoke_path_is_an_invoke_call() {
        let path = "/2015-03-31/functions/work/invocations";
        assert!(is_invoke(&Method::POST, path));
        assert!(!is_invoke(&Method::GET, path));
        assert!(!is_invoke(&Method::POST, "/2015-03-31/functions/work"));
        assert!(!is_invoke(&Method::POST, "/items"));
    }

    #[test]
    fn a_route_the_invoke_path_shadows_is_named() {
        use chalice_rs_runtime::gateway::Router;
        let greedy = Router::new([("/{proxy+}", "POST"), ("/items", "GET")]);
        assert_eq!(shadowed_route(&greedy), Some("/{proxy+}".to_owned()));
        let own = Router::new([("/2015-03-31/functions/{name}/invocations", "POST")]);
        assert_eq!(
            shadowed_route(&own),
            Some("/2015-03-31/functions/{name}/invocations".to_owned())
        );
        let unrelated = Router::new([("/{proxy+}", "GET"), ("/items", "POST")]);
        assert_eq!(shadowed_route(&unrelated), None);
    }

    #[test]
    fn calls_parse_the_name_qualifier_and_headers() {
        let call = InvokeCall::parse(
            "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Ashop-dev-work/invocations",
            Some("Qualifier=%24LATEST"),
            &headers(&[("X-Amz-Invocation-Type", "Event"), ("X-Amz-Log-Type", "Tail")]),
        )
        .unwrap();
        assert_eq!(
            call,
            InvokeCall {
                function_name: "arn:aws:lambda:us-east-1:123456789012:function:shop-dev-work"
                    .to_owned(),
                qualifier: Some("$LATEST".to_owned()),
                invocation_type: InvocationType::Event,
                tail: true,
            }
        );
        assert_eq!(call.payload_limit(), MAX_ASYNC_PAYLOAD);
        let plain = InvokeCall::parse(
            "/2015-03-31/functions/work/invocations",
            None,
            &HeaderMap::new(),
        )
        .unwrap();
        assert_eq!(plain.invocation_type, InvocationType::RequestResponse);
        assert!(!plain.tail);
        assert_eq!(plain.payload_limit(), MAX_SYNC_PAYLOAD);
    }

    #[test]
    fn bad_headers_are_validation_errors() {
        let error = InvokeCall::parse(
            "/2015-03-31/functions/work/invocations",
            None,
            &headers(&[("X-Amz-Invocation-Type", "Async")]),
        )
        .unwrap_err();
        assert_eq!(error.status, StatusCode::BAD_REQUEST);
        assert_eq!(error.error_type, "ValidationException");
        assert!(
            error.message.contains("Value 'Async' at 'invocationType'"),
            "{}",
            error.message
        );
        let error = InvokeCall::parse(
            "/2015-03-31/functions/work/invocations",
            None,
            &headers(&[("X-Amz-Log-Type", "All")]),
        )
        .unwrap_err();
        assert!(error.message.contains("'logType'"), "{}", error.message);
    }

    #[test]
    fn payloads_are_json_within_the_limit() {
        assert_eq!(check_payload(Bytes::new(), 10).unwrap(), "{}");
        assert_eq!(check_payload(Bytes::from("[1]"), 10).unwrap(), "[1]");
        let error = check_payload(Bytes::from("{not json"), 100).unwrap_err();
        assert_eq!(
            (error.status, error.error_type),
            (StatusCode::BAD_REQUEST, "InvalidRequestContentException")
        );
        let error = check_payload(Bytes::from(vec![b' '; 11]), 10).unwrap_err();
        assert_eq!(
            (error.status, error.error_type),
            (StatusCode::PAYLOAD_TOO_LARGE, "RequestTooLargeException")
        );
        assert_eq!(
            error.message,
            "Request must be smaller than 10 bytes for the InvokeFunction operation"
        );
    }

    #[tokio::test]
    async fn errors_answer_as_lambda_does() {
        let response = ApiError::not_found("arn:aws:lambda:us-east-1:123456789012:function:nope")
            .response("req-1");
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        assert_eq!(
            response.headers()["x-amzn-errortype"],
            "ResourceNotFoundException"
        );
        assert_eq!(response.headers()["x-amzn-requestid"], "req-1");
        let body = response.into_body().collect().await.unwrap().to_bytes();
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            body,
            json!({"Type": "User", "Message": "Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope"})
        );
    }

    #[tokio::test]
    async fn an_invocation_answers_its_payload_error_and_log() {
        let ok = FunctionResult {
            payload: Bytes::from(r#"{"done":true}"#),
            error: false,
        };
        let response = invocation_response(&ok, None, "r");
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["x-amz-executed-version"], "$LATEST");
        assert!(response.headers().get("x-amz-function-error").is_none());
        assert!(response.headers().get("x-amz-log-result").is_none());
        let failed = FunctionResult {
            payload: Bytes::from(r#"{"errorType":"E","errorMessage":"m"}"#),
            error: true,
        };
        let lines = vec![
            "START RequestId: r Version: $LATEST".to_owned(),
            "hello".to_owned(),
        ];
        let response = invocation_response(&failed, Some(&lines), "r");
        assert_eq!(response.headers()["x-amz-function-error"], "Unhandled");
        let tail = base64::engine::general_purpose::STANDARD
            .decode(response.headers()["x-amz-log-result"].as_bytes())
            .unwrap();
        assert_eq!(tail, b"START RequestId: r Version: $LATEST\nhello\n");
        let body = response.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(body, failed.payload);
    }
}

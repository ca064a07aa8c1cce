//! Extractors and return types end to end, through the test client and the
//! dispatcher: what a handler receives and what the client gets back.

use aws_lambda_events::apigw::ApiGatewayProxyRequest;
use chalice_rs_runtime::dispatch::Dispatcher;
use chalice_rs_runtime::gateway::EventSettings;
use chalice_rs_runtime::test::Client;
use chalice_rs_runtime::{
    route, App, ChaliceError, Headers, Json, Query, RawBody, Request, StatusCode, TextBody,
};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;

#[derive(Clone)]
struct Missing;

#[derive(Deserialize)]
struct Page {
    limit: u32,
    offset: Option<u32>,
}

#[route("/context/<name>", methods = [GET, POST])]
async fn context(name: String, request: Request) -> Json<Value> {
    Json(json!({
        "name": name,
        "method": request.method().as_str(),
        "path": request.path(),
        "resource_path": request.resource_path(),
        "stage": request.request_context().stage,
        "request_id": request.request_context().request_id,
        "stage_variable": request.stage_variable("table"),
        "has_lambda_context": request.lambda_context().is_some(),
        "path_params": request.path_params(),
    }))
}

#[route("/state", methods = [GET])]
async fn needs_state(
    chalice_rs_runtime::State(_missing): chalice_rs_runtime::State<Missing>,
) -> &'static str {
    "unreachable"
}

#[route("/optional", methods = [POST])]
async fn optional(body: Option<Json<Value>>) -> Json<Value> {
    Json(json!({ "body": body.map(|Json(value)| value) }))
}

#[route("/text", methods = [POST], content_types = ["text/plain"])]
async fn text(TextBody(text): TextBody) -> String {
    text.to_uppercase()
}

#[route("/raw", methods = [POST], content_types = ["application/octet-stream"])]
async fn raw(RawBody(bytes): RawBody) -> Vec<u8> {
    bytes.into_iter().rev().collect()
}

#[route("/headers", methods = [GET])]
async fn headers(Headers(headers): Headers) -> Json<Value> {
    let tags: Vec<&str> = headers
        .get_all("x-tag")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    Json(json!({ "tags": tags }))
}

#[route("/page", methods = [GET])]
async fn page(Query(page): Query<Page>) -> Json<Value> {
    Json(json!({ "limit": page.limit, "offset": page.offset }))
}

#[route("/accepted", methods = [POST])]
async fn accepted() -> (StatusCode, Json<Value>) {
    (StatusCode::ACCEPTED, Json(json!({"queued": true})))
}

#[route("/nothing", methods = [DELETE])]
async fn nothing() {}

#[route("/io-error", methods = [GET])]
async fn io_error() -> Result<String, std::io::Error> {
    Err(std::io::Error::other("disk on fire"))
}

#[route("/question-mark", methods = [GET])]
async fn question_mark(request: Request) -> Result<String, ChaliceError> {
    let number: u32 = request.query("n").unwrap_or("").parse()?;
    Ok(format!("n={number}"))
}

#[route("/sync", methods = [GET])]
fn sync_handler() -> &'static str {
    "plain fn"
}

fn client() -> Client {
    let settings = EventSettings {
        stage: "dev".to_owned(),
        stage_variables: HashMap::from([("table".to_owned(), "items-dev".to_owned())]),
        ..EventSettings::default()
    };
    Client::with_settings(App::new(), settings)
}

#[tokio::test]
async fn request_exposes_the_event() {
    let response = client()
        .post("/context/caf%C3%A9")
        .json(&json!({}))
        .send()
        .await;
    assert_eq!(response.status(), 200, "{}", response.text());
    let body = response.json();
    assert_eq!(body["name"], "café");
    assert_eq!(body["method"], "POST");
    assert_eq!(body["path"], "/context/caf%C3%A9");
    assert_eq!(body["resource_path"], "/context/{name}");
    assert_eq!(body["stage"], "dev");
    assert_eq!(body["stage_variable"], "items-dev");
    assert_eq!(body["has_lambda_context"], false);
    // The event keeps what API Gateway sends: the client's encoding.
    assert_eq!(body["path_params"], json!({"name": "caf%C3%A9"}));
    assert!(body["request_id"].as_str().is_some_and(|id| !id.is_empty()));
}

#[tokio::test]
async fn typed_path_parameters_are_decoded_and_the_event_is_not() {
    let cases = [
        ("Le%20Guin", "Le Guin"),
        ("a+b", "a+b"),
        ("a%2Fb", "a/b"),
        ("100%2525", "100%25"),
    ];
    for (raw, decoded) in cases {
        let response = client().get(&format!("/context/{raw}")).send().await;
        assert_eq!(response.status(), 200, "{raw}: {}", response.text());
        let body = response.json();
        assert_eq!(body["name"], decoded, "{raw}");
        assert_eq!(body["path_params"], json!({ "name": raw }), "{raw}");
        assert_eq!(body["path"], format!("/context/{raw}"), "{raw}");
        assert_eq!(body["resource_path"], "/context/{name}", "{raw}");
    }

    // What does not decode is a 400 naming the parameter, never a lossy value.
    for (raw, why) in [
        ("%zz", "`%zz` at byte 0 is not a percent-escape"),
        (
            "caf%C3",
            "the bytes decoded from `%C3` at byte 3 are not UTF-8",
        ),
        (
            "%FF",
            "the bytes decoded from `%FF` at byte 0 are not UTF-8",
        ),
    ] {
        let response = client().get(&format!("/context/{raw}")).send().await;
        assert_eq!(response.status(), 400, "{raw}: {}", response.text());
        let body = response.json();
        assert_eq!(body["Code"], "BadRequestError");
        let message = body["Message"].as_str().unwrap_or_default();
        assert!(
            message.starts_with(&format!(
                "invalid value `{raw}` for path parameter `name`: {why}"
            )),
            "{message}"
        );
    }
}

#[tokio::test]
async fn missing_state_is_a_500() {
    let response = client().get("/state").send().await;
    assert_eq!(response.status(), 500);
    assert_eq!(response.json()["Code"], "InternalServerError");
}

#[tokio::test]
async fn optional_extractor_tolerates_a_bad_body() {
    let client = client();
    let given = client.post("/optional").json(&json!({"a": 1})).send().await;
    assert_eq!(given.json(), json!({"body": {"a": 1}}));
    let broken = client
        .post("/optional")
        .header("content-type", "application/json")
        .body("{")
        .send()
        .await;
    assert_eq!(broken.status(), 200);
    assert_eq!(broken.json(), json!({"body": null}));
}

#[tokio::test]
async fn text_body_must_be_utf8() {
    let client = client();
    let ok = client
        .post("/text")
        .header("content-type", "text/plain; charset=utf-8")
        .body("shout")
        .send()
        .await;
    assert_eq!(ok.text(), "SHOUT");
    assert_eq!(ok.header("content-type"), Some("text/plain; charset=utf-8"));
    // A text media type reaches the function as text: API Gateway replaces
    // bytes that are not UTF-8.
    let lossy = client
        .post("/text")
        .header("content-type", "text/plain")
        .body(vec![0x66, 0xff])
        .send()
        .await;
    assert_eq!(lossy.text(), "F\u{FFFD}");
    // Bytes that arrive base64-encoded and are not UTF-8: 400.
    let dispatcher = Dispatcher::new(App::new());
    let mut bad = event("POST", "/text", "/text");
    bad.headers
        .insert("content-type", "text/plain".parse().unwrap());
    bad.multi_value_headers
        .insert("content-type", "text/plain".parse().unwrap());
    bad.body = Some("Zv8=".to_owned());
    bad.is_base64_encoded = true;
    let response = dispatcher.dispatch(bad, None).await;
    assert_eq!(response.status_code, 400);
}

#[tokio::test]
async fn raw_body_round_trips_binary() {
    let response = client()
        .post("/raw")
        .header("content-type", "application/octet-stream")
        .body(vec![1u8, 2, 0xff, 0])
        .send()
        .await;
    assert_eq!(response.status(), 200);
    assert!(response.is_base64_encoded());
    assert_eq!(response.bytes(), [0, 0xff, 2, 1]);
    assert_eq!(
        response.header("content-type"),
        Some("application/octet-stream")
    );
}

#[tokio::test]
async fn headers_keep_every_value() {
    let response = client()
        .get("/headers")
        .header("X-Tag", "one")
        .header("x-tag", "two")
        .send()
        .await;
    assert_eq!(response.json(), json!({"tags": ["one", "two"]}));
}

#[tokio::test]
async fn query_errors_name_the_parameter() {
    let client = client();
    let ok = client.get("/page?limit=5&offset=2").send().await;
    assert_eq!(ok.json(), json!({"limit": 5, "offset": 2}));
    let last_wins = client.get("/page?limit=5&limit=6").send().await;
    assert_eq!(last_wins.json(), json!({"limit": 6, "offset": null}));

    let missing = client.get("/page").send().await;
    assert_eq!(missing.status(), 400);
    let message = missing.json()["Message"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(message.contains("limit"), "{message}");

    let malformed = client.get("/page?limit=5&offset=-1").send().await;
    assert_eq!(malformed.status(), 400);
    let message = malformed.json()["Message"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(message.contains("`offset`"), "{message}");
}

#[tokio::test]
async fn return_types() {
    let client = client();
    let accepted = client.post("/accepted").send().await;
    assert_eq!(accepted.status(), 202);
    assert_eq!(accepted.json(), json!({"queued": true}));

    let nothing = client.delete("/nothing").send().await;
    assert_eq!(nothing.status(), 200);
    assert!(nothing.bytes().is_empty());

    let sync = client.get("/sync").send().await;
    assert_eq!(sync.text(), "plain fn");
}

#[tokio::test]
async fn foreign_errors_become_500_without_details() {
    let client = client();
    let response = client.get("/io-error").send().await;
    assert_eq!(response.status(), 500);
    let body = response.json();
    assert_eq!(body["Code"], "InternalServerError");
    assert!(!body.to_string().contains("disk on fire"), "{body}");

    let parsed = client.get("/question-mark?n=12").send().await;
    assert_eq!(parsed.text(), "n=12");
    let failed = client.get("/question-mark?n=twelve").send().await;
    assert_eq!(failed.status(), 500);
}

fn event(method: &str, resource: &str, path: &str) -> ApiGatewayProxyRequest {
    serde_json::from_value(json!({
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": {"Content-Type": "application/octet-stream"},
        "multiValueHeaders": {"Content-Type": ["application/octet-stream"]},
        "requestContext": {"resourcePath": resource, "httpMethod": method, "stage": "api"},
        "isBase64Encoded": false
    }))
    .expect("a REST v1 event")
}

#[tokio::test]
async fn dispatcher_rejects_a_body_that_is_not_base64() {
    let dispatcher = Dispatcher::new(App::new());
    let mut bad = event("POST", "/raw", "/raw");
    bad.body = Some("not base64!".to_owned());
    bad.is_base64_encoded = true;
    let response = dispatcher.dispatch(bad, None).await;
    assert_eq!(response.status_code, 400);

    let mut good = event("POST", "/raw", "/raw");
    good.body = Some("AQID".to_owned());
    good.is_base64_encoded = true;
    let response = dispatcher.dispatch(good, None).await;
    assert_eq!(response.status_code, 200);
    assert!(response.is_base64_encoded);
}

#[tokio::test]
async fn dispatcher_answers_unknown_resources_with_404() {
    let dispatcher = Dispatcher::new(App::new());
    let response = dispatcher
        .dispatch(event("GET", "/not/{here}", "/not/x"), None)
        .await;
    assert_eq!(response.status_code, 404);
    // A known resource, a method it lacks.
    let response = dispatcher
        .dispatch(event("PUT", "/sync", "/sync"), None)
        .await;
    assert_eq!(response.status_code, 404);
}

//! A valid app compiles: every argument source and several return types,
//! every kind of event and plain function, and the WebSocket handlers; each
//! attribute registers with its options. (The attributes' compile errors are
//! chalice-rs-macros' UI tests, which only type-check: a case that must
//! build and run lives here, in the workspace's own build.)

use chalice_rs_runtime::events::{
    BatchResponse, DynamoDbEvent, EventBridgeEvent, KinesisEvent, S3Event, ScheduledEvent,
    SnsMessage, SqsEvent,
};
use chalice_rs_runtime::{
    lambda_function, on_dynamodb_record, on_event, on_kinesis_record, on_s3_event, on_sns_message,
    on_sqs_message, route, schedule, App, ChaliceError, Headers, Json, Query, RawBody, Request,
    Response, State, StatusCode, TextBody,
};
use chalice_rs_runtime::{on_ws_connect, on_ws_disconnect, on_ws_message, WebsocketContext};
use serde::Deserialize;

#[derive(Clone, Default)]
struct Db;

#[derive(Deserialize, serde::Serialize)]
struct Item {
    name: String,
}

#[derive(Deserialize)]
struct Page {
    limit: Option<u32>,
}

#[route("/", methods = [GET])]
async fn index() -> &'static str {
    "hello"
}

#[route("/items/<id>", methods = [GET, PUT], content_types = ["application/json"], name = "get_item")]
async fn item(
    id: u64,
    request: Request,
    State(_db): State<Db>,
) -> Result<Json<Item>, ChaliceError> {
    let _ = request.method();
    Ok(Json(Item {
        name: id.to_string(),
    }))
}

#[route("/items", methods = [POST])]
async fn create(Json(item): Json<Item>) -> (StatusCode, Json<Item>) {
    (StatusCode::CREATED, Json(item))
}

#[route("/items", methods = [GET])]
fn list(Query(page): Query<Page>, Headers(headers): Headers) -> String {
    format!("{:?} {}", page.limit, headers.len())
}

#[route("/files/<path..>", methods = [GET])]
async fn file(path: String) -> Response {
    Response::builder().text(path)
}

#[route("/upload", methods = [POST], content_types = ["application/octet-stream"])]
async fn upload(RawBody(bytes): RawBody) -> Vec<u8> {
    bytes
}

#[route("/echo", methods = ["post"], content_types = ["text/plain"])]
async fn echo(TextBody(text): TextBody) -> String {
    text
}

#[schedule("rate(5 minutes)")]
async fn tick(_event: ScheduledEvent) -> Result<(), ChaliceError> {
    Ok(())
}

#[schedule(
    "cron(0 3 * * ? *)",
    description = "the nightly report",
    name = "nightly"
)]
fn nightly_report(
    _event: serde_json::Value,
    State(_db): State<Db>,
) -> Result<&'static str, String> {
    Ok("done")
}

#[derive(Deserialize)]
struct Order {
    id: String,
}

#[on_event(
    pattern = r#"{"source": ["app.orders"], "detail-type": ["Order Placed"]}"#,
    bus = "orders"
)]
async fn order_placed(
    event: EventBridgeEvent<Order>,
    State(_db): State<Db>,
) -> Result<String, ChaliceError> {
    Ok(event.detail.id)
}

#[on_event(pattern = r#"{"source": ["aws.ec2"]}"#, name = "ec2")]
async fn any_event(event: serde_json::Value) -> Result<serde_json::Value, ChaliceError> {
    Ok(event)
}

#[on_sqs_message(queue = "WorkQueue", batch_size = 100, max_batching_window = 5)]
async fn work(event: SqsEvent) -> Result<BatchResponse, ChaliceError> {
    Ok(BatchResponse::failed(
        event.messages.into_iter().map(|m| m.message_id),
    ))
}

#[on_sqs_message(queue = "orders.fifo", batch_size = 10)]
fn fifo(_event: SqsEvent) -> Result<(), std::io::Error> {
    Ok(())
}

#[on_sns_message(topic = "Notifications", filter_policy = r#"{"kind": ["upload"]}"#)]
async fn notify(message: SnsMessage) -> Result<(), ChaliceError> {
    let _ = message.subject;
    Ok(())
}

#[on_s3_event(bucket = "Uploads", events = ["s3:ObjectCreated:*", "s3:ObjectRemoved:Delete"], prefix = "in/", suffix = ".csv")]
async fn uploaded(event: S3Event, State(_db): State<Db>) -> Result<usize, ChaliceError> {
    Ok(event.records.len())
}

#[on_dynamodb_record(
    stream = "Todos",
    batch_size = 1000,
    starting_position = "TRIM_HORIZON",
    max_batching_window = 1
)]
async fn todo_changed(_event: DynamoDbEvent) -> Result<(), ChaliceError> {
    Ok(())
}

#[on_kinesis_record(stream = "arn:aws:kinesis:us-east-1:123456789012:stream/clicks")]
async fn clicks(event: KinesisEvent) -> Result<BatchResponse, ChaliceError> {
    let _ = event.records.first().map(|r| r.data_as_str());
    Ok(BatchResponse::new())
}

#[derive(Deserialize)]
struct StatsRequest {
    days: u32,
}

#[lambda_function]
async fn stats(request: StatsRequest) -> Result<impl serde::Serialize, ChaliceError> {
    Ok(serde_json::json!({"days": request.days}))
}

#[lambda_function(name = "ping-v2")]
fn ping() -> Result<(), ChaliceError> {
    Ok(())
}

#[derive(Deserialize)]
struct Join {
    room: String,
}

#[on_ws_connect]
async fn ws_join(
    context: WebsocketContext,
    Query(join): Query<Join>,
    State(_db): State<Db>,
) -> Result<(), ChaliceError> {
    if join.room.is_empty() || context.connection_id.is_empty() {
        return Err(ChaliceError::forbidden("no room"));
    }
    Ok(())
}

#[on_ws_message(route = "sendmessage")]
async fn ws_send(Json(item): Json<Item>) -> String {
    item.name
}

#[on_ws_message]
fn ws_default(TextBody(text): TextBody) -> String {
    text
}

#[on_ws_disconnect]
async fn ws_leave(context: WebsocketContext) -> StatusCode {
    let _ = context.disconnect_status_code;
    StatusCode::OK
}

#[test]
fn every_attribute_compiles_and_registers_with_its_options() {
    // The WebSocket handlers, by route key.
    let manifest = chalice_rs_runtime::registry::manifest().expect("a valid manifest");
    let keys: Vec<&str> = manifest
        .websocket
        .iter()
        .map(|h| h.route_key.as_str())
        .collect();
    assert_eq!(keys, ["$connect", "$default", "$disconnect", "sendmessage"]);
    // Every attribute registered, with its options.
    let manifest = chalice_rs_runtime::registry::manifest().expect("a valid manifest");
    let functions: Vec<&str> = manifest.functions.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        functions,
        [
            "clicks",
            "ec2",
            "fifo",
            "nightly",
            "notify",
            "order_placed",
            "ping-v2",
            "stats",
            "tick",
            "todo_changed",
            "uploaded",
            "work"
        ]
    );
    assert_eq!(manifest.routes.len(), 8);
    let item = manifest
        .routes
        .iter()
        .find(|r| r.resource_path == "/items/{id}" && r.method == "PUT")
        .expect("PUT /items/{id}");
    assert_eq!(item.handler, "get_item");
    let echo = manifest
        .routes
        .iter()
        .find(|r| r.resource_path == "/echo")
        .expect("/echo");
    assert_eq!(echo.method, "POST");
    assert_eq!(echo.content_types, ["text/plain"]);
    // The entry point type-checks (running it needs a Lambda Runtime API).
    let _entry: fn() -> std::process::ExitCode =
        || chalice_rs_runtime::run(|| async { App::new().state(Db) });
}

//! Attribute macros for chalice-rs. Use them through `chalice_rs_runtime`,
//! which re-exports them.

mod authorizer;
mod call;
mod diagnostics;
mod fragment;
mod function;
mod options;
mod path;
mod route;
mod source;
mod websocket;

use proc_macro::TokenStream;
use source::Kind;

/// Registers an async (or plain) function as the handler of a route.
///
/// ```text
/// #[route("/items/<id>", methods = [GET, PUT], content_types = ["application/json"], name = "item")]
/// async fn item(id: u64, Json(body): Json<Item>) -> Result<Json<Item>, ChaliceError> { .. }
/// ```
///
/// - The path has literal segments, `<name>` (one segment, API Gateway
///   `{name}`) and `<name..>` (the rest of the path, `{name+}`, last only).
///   Each `<name>` binds the argument of the same name, percent-decoded once
///   from the event's raw value and parsed with `FromStr` (a value that does
///   not decode or parse answers 400 naming it).
/// - Every other argument is an extractor (`FromRequest`).
/// - `methods` defaults to `[GET]`; `content_types` to `["application/json"]`
///   (others answer 415); `name` renames the handler in the manifest.
#[proc_macro_attribute]
pub fn route(attr: TokenStream, item: TokenStream) -> TokenStream {
    route::expand(attr.into(), item.into()).into()
}

/// Makes a function a Lambda authorizer and defines, under its name, the
/// reference routes use: `#[route(.., authorizer = name)]`.
///
/// ```text
/// #[authorizer(header = "Authorization", validation = "^Bearer .+$", ttl = 300)]   // TOKEN (default)
/// async fn bearer(request: AuthRequest) -> AuthResponse { .. }
///
/// #[authorizer(kind = request, headers = ["X-Token"], query = ["token"], stage_variables = ["env"], ttl = 60)]
/// async fn by_request(request: AuthRequest) -> AuthResponse { .. }
/// ```
///
/// The authorizer runs as its own Lambda function (same binary, `_HANDLER`
/// `authorizer:<name>`); its decision is cached per identity for `ttl` seconds.
#[proc_macro_attribute]
pub fn authorizer(attr: TokenStream, item: TokenStream) -> TokenStream {
    authorizer::expand(attr.into(), item.into()).into()
}

/// Declares a Cognito user pool authorizer:
/// `cognito_authorizer!(users, provider_arns = ["arn:aws:cognito-idp:..."], header = "Authorization");`
/// then `#[route(.., authorizer = users)]`.
#[proc_macro]
pub fn cognito_authorizer(input: TokenStream) -> TokenStream {
    authorizer::expand_cognito(input.into()).into()
}

// Event and plain functions. Each makes its own Lambda function from the
// app's one binary (`_HANDLER` `function:<name>`), named after the Rust
// function or `name = ".."`: its key in the config's `lambda_functions`.
// A handler takes its event first, then any `State<T>` arguments, and
// returns `Result<T, E>` with `E: Display`; an `Err` is reported as Lambda
// reports a function error (`errorType`, `errorMessage`), and so is a panic.

/// Runs a function on an EventBridge schedule (UTC).
///
/// ```text
/// #[schedule("rate(5 minutes)")]
/// #[schedule("cron(0 3 * * ? *)", description = "the nightly report", name = "nightly")]
/// async fn nightly(event: ScheduledEvent, State(db): State<Db>) -> Result<(), ChaliceError> { .. }
/// ```
///
/// The expression is checked as EventBridge checks it: `rate(1 minute)`,
/// `rate(N minutes|hours|days)`, or six cron fields (minutes hours
/// day-of-month month day-of-week year, one of the days `?`). The handler
/// takes a `ScheduledEvent` (or `serde_json::Value`) and returns
/// `Result<T: Serialize, E: Display>`.
#[proc_macro_attribute]
pub fn schedule(attr: TokenStream, item: TokenStream) -> TokenStream {
    function::expand(Kind::Schedule, attr.into(), item.into()).into()
}

/// Runs a function on the EventBridge events its pattern matches.
///
/// ```text
/// #[on_event(pattern = r#"{"source": ["app.orders"]}"#, bus = "orders", name = "orders")]
/// async fn placed(event: EventBridgeEvent<Order>) -> Result<(), ChaliceError> { .. }
/// ```
///
/// `pattern` (required) is an EventBridge event pattern: a JSON object whose
/// fields are lists of values to match or objects of more fields. `bus` is
/// the event bus (name or ARN; the account's default bus without it). The
/// handler takes an `EventBridgeEvent<T>` (its `detail` read as `T`).
#[proc_macro_attribute]
pub fn on_event(attr: TokenStream, item: TokenStream) -> TokenStream {
    function::expand(Kind::Event, attr.into(), item.into()).into()
}

/// Consumes an SQS queue in batches, failing single messages if it must.
///
/// ```text
/// #[on_sqs_message(queue = "WorkQueue", batch_size = 10, max_batching_window = 0, name = "work")]
/// async fn work(event: SqsEvent) -> Result<BatchResponse, ChaliceError> { .. }
/// ```
///
/// `queue` (required): its name, its ARN, or a queue of
/// `.chalice/resources.json`. `batch_size`: 1 to 10,000 (default 10), over
/// 10 only with `max_batching_window` of at least 1; a `*.fifo` queue takes
/// at most 10 and no window. `max_batching_window`: 0 to 300 seconds. The
/// handler takes an `SqsEvent` and returns `Result<(), E>` (every message
/// succeeded) or `Result<BatchResponse, E>` (these messages failed; they
/// return to the queue); an `Err` fails the whole batch.
#[proc_macro_attribute]
pub fn on_sqs_message(attr: TokenStream, item: TokenStream) -> TokenStream {
    function::expand(Kind::Sqs, attr.into(), item.into()).into()
}

/// Receives the messages of an SNS topic, one per invocation.
///
/// ```text
/// #[on_sns_message(topic = "Notifications", filter_policy = r#"{"kind": ["upload"]}"#)]
/// async fn notify(message: SnsMessage) -> Result<(), ChaliceError> { .. }
/// ```
///
/// `topic` (required): its name, its ARN, or a topic of
/// `.chalice/resources.json`. `filter_policy`: the subscription's filter
/// policy, a JSON object. The handler takes an `SnsMessage`.
#[proc_macro_attribute]
pub fn on_sns_message(attr: TokenStream, item: TokenStream) -> TokenStream {
    function::expand(Kind::Sns, attr.into(), item.into()).into()
}

/// Receives a bucket's object notifications.
///
/// ```text
/// #[on_s3_event(bucket = "Uploads", events = ["s3:ObjectCreated:*"], prefix = "incoming/", suffix = ".csv")]
/// async fn uploaded(event: S3Event) -> Result<(), ChaliceError> { .. }
/// ```
///
/// `bucket` (required): its name, or a bucket of `.chalice/resources.json`.
/// `events`: S3 event types (default `["s3:ObjectCreated:*"]`); `prefix`,
/// `suffix`: filter the keys. The handler takes an `S3Event`, its object
/// keys URL-decoded.
#[proc_macro_attribute]
pub fn on_s3_event(attr: TokenStream, item: TokenStream) -> TokenStream {
    function::expand(Kind::S3, attr.into(), item.into()).into()
}

/// Consumes a DynamoDB table's stream in batches.
///
/// ```text
/// #[on_dynamodb_record(stream = "Todos", batch_size = 100, starting_position = "LATEST")]
/// async fn changed(event: DynamoDbEvent) -> Result<BatchResponse, ChaliceError> { .. }
/// ```
///
/// `stream` (required): the stream's ARN, or a table of
/// `.chalice/resources.json` with a stream. `batch_size`: 1 to 10,000
/// (default 100); `starting_position`: `LATEST` (default) or
/// `TRIM_HORIZON`; `max_batching_window`: 0 to 300 seconds. The handler
/// takes a `DynamoDbEvent`; it may fail records by sequence number.
#[proc_macro_attribute]
pub fn on_dynamodb_record(attr: TokenStream, item: TokenStream) -> TokenStream {
    function::expand(Kind::Dynamodb, attr.into(), item.into()).into()
}

/// Consumes a Kinesis stream in batches.
///
/// ```text
/// #[on_kinesis_record(stream = "Clicks", batch_size = 100, starting_position = "TRIM_HORIZON")]
/// async fn clicks(event: KinesisEvent) -> Result<BatchResponse, ChaliceError> { .. }
/// ```
///
/// Keys as `#[on_dynamodb_record]`; `stream` is the stream's name, its ARN,
/// or a stream of `.chalice/resources.json`. The handler takes a
/// `KinesisEvent`, its data base64-decoded.
#[proc_macro_attribute]
pub fn on_kinesis_record(attr: TokenStream, item: TokenStream) -> TokenStream {
    function::expand(Kind::Kinesis, attr.into(), item.into()).into()
}

/// A plain Lambda function, invoked by name.
///
/// ```text
/// #[lambda_function]
/// #[lambda_function(name = "stats")]
/// async fn stats(request: StatsRequest, State(db): State<Db>) -> Result<Stats, ChaliceError> { .. }
/// ```
///
/// The handler takes any `Deserialize` payload and returns
/// `Result<T: Serialize, E: Display>`: the function's JSON result.
#[proc_macro_attribute]
pub fn lambda_function(attr: TokenStream, item: TokenStream) -> TokenStream {
    function::expand(Kind::Invoke, attr.into(), item.into()).into()
}

// WebSocket handlers. Each makes its own Lambda function from the app's one
// binary (`_HANDLER` `websocket:<route key>`). A handler's arguments are
// extractors (`WebsocketContext`, `Json<T>`, `TextBody`, `Query<T>`,
// `Headers`, `State<T>`, `Request`, `Connections`), its result any
// `IntoResponse`.

/// Runs when a client connects (`$connect`), before the connection exists:
/// a status other than 2xx refuses it with that status.
///
/// ```text
/// #[on_ws_connect]
/// #[on_ws_connect(authorizer = tickets)]   // a REQUEST `#[authorizer]`, or `iam`
/// async fn join(context: WebsocketContext, Query(q): Query<Join>) -> Result<(), ChaliceError> { .. }
/// ```
#[proc_macro_attribute]
pub fn on_ws_connect(attr: TokenStream, item: TokenStream) -> TokenStream {
    websocket::expand(websocket::Kind::Connect, attr.into(), item.into()).into()
}

/// Runs when a connection closes, from either side (`$disconnect`);
/// `WebsocketContext` has the close's status code and reason.
///
/// ```text
/// #[on_ws_disconnect]
/// async fn leave(context: WebsocketContext) -> StatusCode { .. }
/// ```
#[proc_macro_attribute]
pub fn on_ws_disconnect(attr: TokenStream, item: TokenStream) -> TokenStream {
    websocket::expand(websocket::Kind::Disconnect, attr.into(), item.into()).into()
}

/// Handles a message: `route = ".."` for messages whose route selection
/// expression (`$request.body.action` by default) gives that key, without it
/// the `$default` route (every message no other route takes). The handler's
/// response body is sent back to the client.
///
/// ```text
/// #[on_ws_message(route = "sendmessage")]
/// async fn send(context: WebsocketContext, Json(m): Json<Send>) -> Result<(), ChaliceError> { .. }
/// #[on_ws_message]
/// async fn other(TextBody(text): TextBody) -> String { .. }
/// ```
///
/// A route key here is ASCII letters, digits, `_` and `-` (it names the
/// route's function, `websocket_message_<key>`).
#[proc_macro_attribute]
pub fn on_ws_message(attr: TokenStream, item: TokenStream) -> TokenStream {
    websocket::expand(websocket::Kind::Message, attr.into(), item.into()).into()
}

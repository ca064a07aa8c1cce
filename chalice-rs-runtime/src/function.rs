//! Event-driven and plain functions (`#[schedule]`, `#[on_sqs_message]`, ...,
//! `#[lambda_function]`): their registrations, how one is invoked, and the
//! errors it reports as Lambda reports a function error.
//!
//! A handler takes its event first, then any number of [`State<T>`], and
//! returns `Result<T, E>` with `E: Display`. The traits below say which
//! types each attribute passes; a handler whose arguments or result do not
//! fit is a compile error at the argument or the result.

use crate::app::App;
use crate::events::{
    BatchResponse, DynamoDbEvent, EventBridgeEvent, KinesisEvent, S3Event, ScheduledEvent,
    SnsMessage, SqsEvent,
};
use crate::extract::State;
use futures_util::FutureExt as _;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt::Display;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;

/// The `errorType` of an event the handler's first argument cannot be read from.
pub const INVALID_EVENT: &str = "InvalidEvent";
/// The `errorType` of a `State<T>` argument whose `T` the app does not hold.
pub const MISSING_STATE: &str = "MissingState";
/// The `errorType` of a handler that panicked.
pub const PANIC: &str = "Panic";
/// The `errorType` of a result that does not serialize to JSON.
pub const INVALID_RESULT: &str = "InvalidResult";

/// A function error, as Lambda reports it:
/// `{"errorType": "..", "errorMessage": ".."}`.
///
/// A handler's `Err(e)` becomes the error type's name
/// (`std::any::type_name`, as `lambda_runtime` names it) and `e`'s
/// `Display`; a panic, an unreadable event and missing state have the
/// `errorType`s [`PANIC`], [`INVALID_EVENT`] and [`MISSING_STATE`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "camelCase")]
#[error("{error_type}: {error_message}")]
pub struct FunctionError {
    /// The error's type.
    pub error_type: String,
    /// The error's message.
    pub error_message: String,
}

impl FunctionError {
    /// An error of `error_type` with `error_message`.
    pub fn new(error_type: impl Into<String>, error_message: impl Into<String>) -> Self {
        Self {
            error_type: error_type.into(),
            error_message: error_message.into(),
        }
    }

    /// The report of a handler's `Err(error)`: its type's name and its `Display`.
    pub fn from_error<E: Display>(error: &E) -> Self {
        Self::new(std::any::type_name::<E>(), error.to_string())
    }
}

impl From<FunctionError> for lambda_runtime::Diagnostic {
    fn from(error: FunctionError) -> Self {
        lambda_runtime::Diagnostic {
            error_type: error.error_type,
            error_message: error.error_message,
        }
    }
}

/// The future a generated function wrapper returns: the handler's result
/// as JSON, or its error.
pub type FunctionFuture = Pin<Box<dyn Future<Output = Result<Value, FunctionError>> + Send>>;

/// A generated function wrapper: reads the arguments from the event and the
/// app, calls the handler, converts its result.
pub type FunctionFn = fn(Value, App) -> FunctionFuture;

/// One event or plain function, registered by its attribute.
#[derive(Debug)]
pub struct FunctionRegistration {
    /// The JSON manifest fragment, also placed in the `chalice_manifest` section.
    pub fragment: &'static [u8],
    /// The function's name (its `_HANDLER` is `function:<name>`).
    pub name: &'static str,
    /// The wrapper.
    pub handler: FunctionFn,
}

inventory::collect!(FunctionRegistration);

/// Every registered function, in link order.
pub fn registrations() -> impl Iterator<Item = &'static FunctionRegistration> {
    inventory::iter::<FunctionRegistration>.into_iter()
}

/// The registration of the function `name`.
pub fn find(name: &str) -> Option<&'static FunctionRegistration> {
    registrations().find(|registration| registration.name == name)
}

/// The names of every registered function, sorted.
pub fn names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = registrations().map(|r| r.name).collect();
    names.sort_unstable();
    names
}

/// Invokes a function with `event`, as Lambda does: its result as JSON, or
/// the function error (a panic included) that Lambda reports. The error is
/// also written to standard error, the function's log.
pub async fn invoke(handler: FunctionFn, event: Value, app: App) -> Result<Value, FunctionError> {
    let outcome = match std::panic::catch_unwind(AssertUnwindSafe(|| handler(event, app))) {
        Ok(future) => AssertUnwindSafe(future).catch_unwind().await,
        Err(panic) => Err(panic),
    };
    let result = outcome.unwrap_or_else(|panic| {
        let message = panic
            .downcast_ref::<&str>()
            .map(|text| (*text).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a value that is not text".to_owned());
        Err(FunctionError::new(
            PANIC,
            format!("the handler panicked: {message}"),
        ))
    });
    if let Err(error) = &result {
        eprintln!("chalice-rs: function error: {error}");
    }
    result
}

/// The first argument of a handler, read from the event.
fn read_event<T: DeserializeOwned>(event: Value, what: &str) -> Result<T, FunctionError> {
    serde_path_to_error::deserialize(event).map_err(|error| {
        let path = error.path().to_string();
        let error = error.into_inner();
        let at = if path == "." {
            String::new()
        } else {
            format!(" at `{path}`")
        };
        FunctionError::new(
            INVALID_EVENT,
            format!("the event is not {what}{at}: {error}"),
        )
    })
}

macro_rules! event_argument {
    (
        $(#[$doc:meta])* $trait:ident,
        message = $message:tt, label = $label:tt, note = $note:tt
    ) => {
        $(#[$doc])*
        #[diagnostic::on_unimplemented(message = $message, label = $label, note = $note)]
        pub trait $trait: Sized {
            /// Reads the argument from the event.
            fn from_event(event: Value) -> Result<Self, FunctionError>;
        }
    };
}

event_argument!(
    /// What a `#[schedule]` handler takes first: [`ScheduledEvent`] (or
    /// `serde_json::Value`, the event as sent).
    ScheduleArgument,
    message = "`#[schedule]` passes a `ScheduledEvent`, not `{Self}`",
    label = "the event of `#[schedule]` is a `ScheduledEvent`",
    note = "the first argument of a `#[schedule]` handler is the event: `ScheduledEvent` (or `serde_json::Value`, the event as sent); `State<T>` arguments come after it"
);
event_argument!(
    /// What an `#[on_sqs_message]` handler takes first: [`SqsEvent`] (or
    /// `serde_json::Value`, the event as sent).
    SqsArgument,
    message = "`#[on_sqs_message]` passes an `SqsEvent`, not `{Self}`",
    label = "the event of `#[on_sqs_message]` is an `SqsEvent`",
    note = "the first argument of an `#[on_sqs_message]` handler is the batch: `SqsEvent` (or `serde_json::Value`, the event as sent); `State<T>` arguments come after it"
);
event_argument!(
    /// What an `#[on_sns_message]` handler takes first: [`SnsMessage`] (or
    /// `serde_json::Value`, the event as sent).
    SnsArgument,
    message = "`#[on_sns_message]` passes an `SnsMessage`, not `{Self}`",
    label = "the event of `#[on_sns_message]` is an `SnsMessage`",
    note = "the first argument of an `#[on_sns_message]` handler is the message: `SnsMessage` (or `serde_json::Value`, the event as sent); `State<T>` arguments come after it"
);
event_argument!(
    /// What an `#[on_s3_event]` handler takes first: [`S3Event`] (or
    /// `serde_json::Value`, the event as sent).
    S3Argument,
    message = "`#[on_s3_event]` passes an `S3Event`, not `{Self}`",
    label = "the event of `#[on_s3_event]` is an `S3Event`",
    note = "the first argument of an `#[on_s3_event]` handler is the event: `S3Event` (or `serde_json::Value`, the event as sent); `State<T>` arguments come after it"
);
event_argument!(
    /// What an `#[on_dynamodb_record]` handler takes first: [`DynamoDbEvent`]
    /// (or `serde_json::Value`, the event as sent).
    DynamoDbArgument,
    message = "`#[on_dynamodb_record]` passes a `DynamoDbEvent`, not `{Self}`",
    label = "the event of `#[on_dynamodb_record]` is a `DynamoDbEvent`",
    note = "the first argument of an `#[on_dynamodb_record]` handler is the batch: `DynamoDbEvent` (or `serde_json::Value`, the event as sent); `State<T>` arguments come after it"
);
event_argument!(
    /// What an `#[on_kinesis_record]` handler takes first: [`KinesisEvent`]
    /// (or `serde_json::Value`, the event as sent).
    KinesisArgument,
    message = "`#[on_kinesis_record]` passes a `KinesisEvent`, not `{Self}`",
    label = "the event of `#[on_kinesis_record]` is a `KinesisEvent`",
    note = "the first argument of an `#[on_kinesis_record]` handler is the batch: `KinesisEvent` (or `serde_json::Value`, the event as sent); `State<T>` arguments come after it"
);

// Written out (not generated) so that the compiler's "the following types
// implement" help shows these lines.
impl ScheduleArgument for ScheduledEvent {
    fn from_event(event: Value) -> Result<Self, FunctionError> {
        read_event(event, "a `ScheduledEvent`")
    }
}
impl ScheduleArgument for Value {
    fn from_event(event: Value) -> Result<Self, FunctionError> {
        Ok(event)
    }
}
impl SqsArgument for SqsEvent {
    fn from_event(event: Value) -> Result<Self, FunctionError> {
        read_event(event, "an `SqsEvent`")
    }
}
impl SqsArgument for Value {
    fn from_event(event: Value) -> Result<Self, FunctionError> {
        Ok(event)
    }
}
impl SnsArgument for SnsMessage {
    fn from_event(event: Value) -> Result<Self, FunctionError> {
        read_event(event, "an `SnsMessage`")
    }
}
impl SnsArgument for Value {
    fn from_event(event: Value) -> Result<Self, FunctionError> {
        Ok(event)
    }
}
impl S3Argument for S3Event {
    fn from_event(event: Value) -> Result<Self, FunctionError> {
        read_event(event, "an `S3Event`")
    }
}
impl S3Argument for Value {
    fn from_event(event: Value) -> Result<Self, FunctionError> {
        Ok(event)
    }
}
impl DynamoDbArgument for DynamoDbEvent {
    fn from_event(event: Value) -> Result<Self, FunctionError> {
        read_event(event, "a `DynamoDbEvent`")
    }
}
impl DynamoDbArgument for Value {
    fn from_event(event: Value) -> Result<Self, FunctionError> {
        Ok(event)
    }
}
impl KinesisArgument for KinesisEvent {
    fn from_event(event: Value) -> Result<Self, FunctionError> {
        read_event(event, "a `KinesisEvent`")
    }
}
impl KinesisArgument for Value {
    fn from_event(event: Value) -> Result<Self, FunctionError> {
        Ok(event)
    }
}

/// What an `#[on_event]` handler takes first: [`EventBridgeEvent<T>`] (its
/// `detail` read as `T`).
#[diagnostic::on_unimplemented(
    message = "`#[on_event]` passes an `EventBridgeEvent<T>`, not `{Self}`",
    label = "the event of `#[on_event]` is an `EventBridgeEvent<T>`",
    note = "the first argument of an `#[on_event]` handler is the event: an `EventBridgeEvent<T>` whose `detail` is read as `T: Deserialize` (or `serde_json::Value`, the event as sent); `State<T>` arguments come after it"
)]
pub trait EventBridgeArgument: Sized {
    /// Reads the argument from the event.
    fn from_event(event: Value) -> Result<Self, FunctionError>;
}

impl<T: DeserializeOwned> EventBridgeArgument for EventBridgeEvent<T> {
    fn from_event(event: Value) -> Result<Self, FunctionError> {
        read_event(event, "an EventBridge event with this `detail`")
    }
}

impl EventBridgeArgument for Value {
    fn from_event(event: Value) -> Result<Self, FunctionError> {
        Ok(event)
    }
}

/// What a `#[lambda_function]` handler takes first: any `Deserialize` payload.
#[diagnostic::on_unimplemented(
    message = "the payload of a `#[lambda_function]` must implement `serde::Deserialize`; `{Self}` does not",
    label = "not `Deserialize`",
    note = "the first argument of a `#[lambda_function]` handler is its payload, any `T: serde::Deserialize` (`#[derive(Deserialize)]`); `State<T>` arguments come after it"
)]
pub trait InvokePayload: Sized {
    /// Reads the payload.
    fn from_event(event: Value) -> Result<Self, FunctionError>;
}

impl<T: DeserializeOwned> InvokePayload for T {
    fn from_event(event: Value) -> Result<Self, FunctionError> {
        read_event(event, "the payload this function takes")
    }
}

/// An argument after the event: built from the app, as `State<T>`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot follow the event of a function",
    label = "after the event, a function takes only `State<T>` arguments",
    note = "an event function takes its event first, then `State<T>` arguments: the state of the `App` built by `run`'s closure"
)]
pub trait FunctionArgument: Sized {
    /// Builds the argument from the app.
    fn from_app(app: &App) -> Result<Self, FunctionError>;
}

impl<T: Clone + Send + Sync + 'static> FunctionArgument for State<T> {
    fn from_app(app: &App) -> Result<Self, FunctionError> {
        app.get::<T>().map(State).ok_or_else(|| {
            FunctionError::new(
                MISSING_STATE,
                format!(
                    "no state of type `{}`; register it with `App::new().state(..)`",
                    std::any::type_name::<T>()
                ),
            )
        })
    }
}

/// What a handler that is not a batch handler returns: `Result<T, E>` with
/// `T: Serialize` (the function's JSON result) and `E: Display`.
#[diagnostic::on_unimplemented(
    message = "a function returns `Result<T, E>` with `T: Serialize` and `E: Display`, not `{Self}`",
    label = "return a `Result`",
    note = "`Ok(value)` is the function's result as JSON (`Ok(())` is `null`); `Err(error)` is reported as Lambda reports a function error: its type's name and its `Display`"
)]
pub trait FunctionResult {
    /// The result as JSON, or the function error.
    fn into_result(self) -> Result<Value, FunctionError>;
}

impl<T: Serialize, E: Display> FunctionResult for Result<T, E> {
    fn into_result(self) -> Result<Value, FunctionError> {
        match self {
            Ok(value) => serde_json::to_value(value).map_err(|error| {
                FunctionError::new(
                    INVALID_RESULT,
                    format!("the result does not serialize to JSON: {error}"),
                )
            }),
            Err(error) => Err(FunctionError::from_error(&error)),
        }
    }
}

/// What a batch handler (`#[on_sqs_message]`, `#[on_dynamodb_record]`,
/// `#[on_kinesis_record]`) returns: `Result<(), E>` or
/// `Result<BatchResponse, E>`, with `E: Display`.
#[diagnostic::on_unimplemented(
    message = "a batch handler returns `Result<(), E>` or `Result<BatchResponse, E>` with `E: Display`, not `{Self}`",
    label = "return `Result<(), E>` or `Result<BatchResponse, E>`",
    note = "`Ok(())` means every item succeeded; `Ok(BatchResponse)` names the failed items (SQS message ids, stream sequence numbers); `Err` fails the whole batch"
)]
pub trait BatchResult {
    /// The batch response as JSON, or the function error.
    fn into_batch(self) -> Result<BatchResponse, FunctionError>;
}

impl<E: Display> BatchResult for Result<(), E> {
    fn into_batch(self) -> Result<BatchResponse, FunctionError> {
        self.map(|()| BatchResponse::new())
            .map_err(|error| FunctionError::from_error(&error))
    }
}

impl<E: Display> BatchResult for Result<BatchResponse, E> {
    fn into_batch(self) -> Result<BatchResponse, FunctionError> {
        self.map_err(|error| FunctionError::from_error(&error))
    }
}

/// The identifiers of a batch's items, read from the event as sent: SQS
/// message ids, DynamoDB and Kinesis sequence numbers.
pub fn batch_item_ids(event: &Value) -> Vec<String> {
    let Some(records) = event.get("Records").and_then(Value::as_array) else {
        return Vec::new();
    };
    records
        .iter()
        .filter_map(|record| {
            record
                .get("messageId")
                .or_else(|| record.get("dynamodb")?.get("SequenceNumber"))
                .or_else(|| record.get("kinesis")?.get("sequenceNumber"))
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .collect()
}

/// Helpers of the generated wrappers.
#[doc(hidden)]
pub mod output {
    use super::*;

    /// A non-batch handler's result as the function's result.
    pub fn result<R: FunctionResult>(result: R) -> Result<Value, FunctionError> {
        result.into_result()
    }

    /// A batch handler's result as the function's result. A failure naming
    /// an item the batch does not hold is logged: Lambda then fails the whole batch.
    pub fn batch<R: BatchResult>(result: R, items: &[String]) -> Result<Value, FunctionError> {
        let response = result.into_batch()?;
        for failed in response.failures() {
            if !items.iter().any(|item| item == failed) {
                eprintln!(
                    "chalice-rs: the batch response names `{failed}`, which is not an item of this \
                     batch (name SQS messages by `message_id`, stream records by `sequence_number`); \
                     Lambda retries the whole batch"
                );
            }
        }
        serde_json::to_value(response).map_err(|error| {
            FunctionError::new(
                INVALID_RESULT,
                format!("the batch response does not serialize: {error}"),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Debug)]
    struct Refused;

    impl Display for Refused {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("job 7 refused")
        }
    }

    fn failing(_event: Value, _app: App) -> FunctionFuture {
        Box::pin(async { output::result(Err::<(), _>(Refused)) })
    }

    fn panicking(_event: Value, _app: App) -> FunctionFuture {
        Box::pin(async { panic!("boom {}", 7) })
    }

    fn panicking_early(_event: Value, _app: App) -> FunctionFuture {
        panic!("before the future")
    }

    fn scheduled(event: Value, app: App) -> FunctionFuture {
        Box::pin(async move {
            let event = <ScheduledEvent as ScheduleArgument>::from_event(event)?;
            let State(prefix) = <State<String> as FunctionArgument>::from_app(&app)?;
            output::result(Ok::<_, Refused>(format!("{prefix}{}", event.time)))
        })
    }

    #[tokio::test]
    async fn an_error_is_reported_with_its_type_and_message() {
        let error = invoke(failing, json!({}), App::new()).await.unwrap_err();
        assert_eq!(error.error_type, std::any::type_name::<Refused>());
        assert!(
            error.error_type.ends_with("::Refused"),
            "{}",
            error.error_type
        );
        assert_eq!(error.error_message, "job 7 refused");
        let wire = serde_json::to_value(&error).unwrap();
        assert_eq!(
            wire,
            json!({"errorType": error.error_type, "errorMessage": "job 7 refused"})
        );
        let diagnostic = lambda_runtime::Diagnostic::from(error.clone());
        assert_eq!(
            (diagnostic.error_type, diagnostic.error_message),
            (error.error_type, error.error_message)
        );
    }

    #[tokio::test]
    async fn panics_are_reported_and_caught() {
        let error = invoke(panicking, json!({}), App::new()).await.unwrap_err();
        assert_eq!(
            error,
            FunctionError::new(PANIC, "the handler panicked: boom 7")
        );
        let error = invoke(panicking_early, json!({}), App::new())
            .await
            .unwrap_err();
        assert_eq!(
            error.error_message,
            "the handler panicked: before the future"
        );
    }

    #[tokio::test]
    async fn the_event_and_the_state_are_read_with_clear_errors() {
        let event = crate::events::sample::schedule();
        let app = App::new().state(String::from("at "));
        assert_eq!(
            invoke(scheduled, event.clone(), app).await.unwrap(),
            json!("at 2024-01-01T03:00:00Z")
        );
        let error = invoke(scheduled, event, App::new()).await.unwrap_err();
        assert_eq!(error.error_type, MISSING_STATE);
        assert!(
            error.error_message.contains("`alloc::string::String`"),
            "{error}"
        );
        let error = invoke(scheduled, json!({"id": 3}), App::new())
            .await
            .unwrap_err();
        assert_eq!(error.error_type, INVALID_EVENT);
        assert!(
            error
                .error_message
                .starts_with("the event is not a `ScheduledEvent` at `id`: invalid type"),
            "{error}"
        );
    }

    #[test]
    fn batch_results_become_batch_responses() {
        let items = vec!["a".to_owned(), "b".to_owned()];
        assert_eq!(
            output::batch(Ok::<(), Refused>(()), &items).unwrap(),
            json!({"batchItemFailures": []})
        );
        assert_eq!(
            output::batch(Ok::<_, Refused>(BatchResponse::failed(["b"])), &items).unwrap(),
            json!({"batchItemFailures": [{"itemIdentifier": "b"}]})
        );
        let error = output::batch(Err::<(), _>(Refused), &items).unwrap_err();
        assert_eq!(error.error_message, "job 7 refused");
        assert_eq!(
            output::result(Ok::<_, Refused>(json!({"n": 1}))).unwrap(),
            json!({"n": 1})
        );
        assert_eq!(output::result(Ok::<(), Refused>(())).unwrap(), Value::Null);
    }

    #[test]
    fn batch_item_ids_are_read_from_every_batch_source() {
        use crate::events::sample;
        let sqs = sample::sqs(["x"]);
        assert_eq!(
            batch_item_ids(&sqs),
            [sqs["Records"][0]["messageId"].as_str().unwrap()]
        );
        let dynamodb = sample::dynamodb_insert([json!({"id": "1"})]);
        assert_eq!(
            batch_item_ids(&dynamodb),
            [dynamodb["Records"][0]["dynamodb"]["SequenceNumber"]
                .as_str()
                .unwrap()]
        );
        let kinesis = sample::kinesis(["x"]);
        assert_eq!(
            batch_item_ids(&kinesis),
            [kinesis["Records"][0]["kinesis"]["sequenceNumber"]
                .as_str()
                .unwrap()]
        );
        assert!(batch_item_ids(&json!({"no": "records"})).is_empty());
    }
}

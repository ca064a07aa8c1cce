//! Event and plain functions through the test client: every attribute,
//! invoked with the sample events as Lambda would invoke it, with State,
//! partial batch failures, errors and panics.

use chalice_rs_runtime::events::{
    sample, BatchResponse, DynamoDbEvent, EventBridgeEvent, KinesisEvent, S3Event, ScheduledEvent,
    SnsMessage, SqsEvent,
};
use chalice_rs_runtime::function::{FunctionError, INVALID_EVENT, MISSING_STATE, PANIC};
use chalice_rs_runtime::test::Client;
use chalice_rs_runtime::{
    lambda_function, on_dynamodb_record, on_event, on_kinesis_record, on_s3_event, on_sns_message,
    on_sqs_message, schedule, App, ChaliceError, State,
};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};

/// What the handlers saw, shared through the app's state.
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<String>>>);

impl Log {
    fn push(&self, line: String) {
        self.0.lock().unwrap().push(line);
    }
    fn lines(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

#[schedule("cron(0 3 * * ? *)", description = "nightly")]
async fn nightly(event: ScheduledEvent, State(log): State<Log>) -> Result<(), ChaliceError> {
    log.push(format!("nightly at {}", event.time));
    Ok(())
}

#[schedule("rate(5 minutes)", name = "tick")]
fn every_five_minutes() -> Result<&'static str, ChaliceError> {
    Ok("ticked")
}

#[derive(Debug, Deserialize)]
struct Order {
    #[serde(rename = "orderId")]
    order_id: String,
    total: f64,
}

#[on_event(pattern = r#"{"source": ["app.orders"]}"#)]
async fn order_placed(event: EventBridgeEvent<Order>) -> Result<Value, ChaliceError> {
    Ok(json!({"order": event.detail.order_id, "total": event.detail.total}))
}

#[on_sqs_message(queue = "jobs", batch_size = 5)]
async fn work(event: SqsEvent, State(log): State<Log>) -> Result<BatchResponse, ChaliceError> {
    let mut response = BatchResponse::new();
    for message in &event.messages {
        match message.body.parse::<u32>() {
            Ok(n) => log.push(format!("job {n}")),
            Err(_) => response.fail(&message.message_id),
        }
    }
    Ok(response)
}

#[on_sqs_message(queue = "all-or-nothing")]
async fn strict(event: SqsEvent) -> Result<(), String> {
    match event.messages.iter().find(|m| m.body.is_empty()) {
        Some(empty) => Err(format!("message {} is empty", empty.message_id)),
        None => Ok(()),
    }
}

#[on_sqs_message(queue = "wrong-ids")]
async fn wrong_ids(event: SqsEvent) -> Result<BatchResponse, ChaliceError> {
    Ok(BatchResponse::failed(
        event.messages.iter().map(|m| m.receipt_handle.clone()),
    ))
}

#[on_sns_message(topic = "alerts", filter_policy = r#"{"level": ["error"]}"#)]
async fn alert(message: SnsMessage) -> Result<String, ChaliceError> {
    if message.message == "panic" {
        panic!("alert {} made me panic", message.message_id);
    }
    Ok(format!(
        "{}: {}",
        message.subject.unwrap_or_default(),
        message.message
    ))
}

#[on_s3_event(bucket = "uploads", events = ["s3:ObjectCreated:*"], suffix = ".csv")]
async fn uploaded(event: S3Event) -> Result<Vec<String>, ChaliceError> {
    Ok(event
        .records
        .iter()
        .map(|r| format!("{}/{} ({} bytes)", r.bucket, r.key, r.size))
        .collect())
}

#[derive(Debug, Deserialize)]
struct Todo {
    id: String,
    title: String,
}

#[on_dynamodb_record(stream = "Todos", starting_position = "TRIM_HORIZON")]
async fn todo_changed(event: DynamoDbEvent) -> Result<BatchResponse, ChaliceError> {
    let mut response = BatchResponse::new();
    for record in &event.records {
        match record.new_image_as::<Todo>() {
            Ok(Some(todo)) if !todo.title.is_empty() => {
                let _ = todo.id;
            }
            _ => response.fail(&record.sequence_number),
        }
    }
    Ok(response)
}

#[on_kinesis_record(stream = "clicks", batch_size = 500, max_batching_window = 2)]
async fn clicks(
    event: KinesisEvent,
    State(log): State<Log>,
) -> Result<BatchResponse, ChaliceError> {
    let mut response = BatchResponse::new();
    for record in &event.records {
        match record.data_as_str() {
            Ok(text) => log.push(format!("click {text}")),
            Err(_) => response.fail(&record.sequence_number),
        }
    }
    Ok(response)
}

#[derive(Deserialize)]
struct Numbers {
    values: Vec<i64>,
}

#[derive(Serialize)]
struct Summary {
    count: usize,
    sum: i64,
}

#[lambda_function]
async fn summarize(numbers: Numbers) -> Result<Summary, ChaliceError> {
    if numbers.values.is_empty() {
        return Err(ChaliceError::bad_request("no values"));
    }
    Ok(Summary {
        count: numbers.values.len(),
        sum: numbers.values.iter().sum(),
    })
}

#[lambda_function(name = "raw-echo")]
fn echo(payload: Value) -> Result<Value, std::convert::Infallible> {
    Ok(payload)
}

fn client() -> (Client, Log) {
    let log = Log::default();
    (Client::new(App::new().state(log.clone())), log)
}

#[tokio::test]
async fn schedules_get_the_scheduled_event_and_state() {
    let (client, log) = client();
    assert_eq!(
        client.invoke("nightly", sample::schedule()).await,
        Ok(Value::Null)
    );
    assert_eq!(log.lines(), ["nightly at 2024-01-01T03:00:00Z"]);
    assert_eq!(
        client.invoke("tick", sample::schedule()).await,
        Ok(json!("ticked"))
    );
}

#[tokio::test]
async fn eventbridge_details_are_typed() {
    let (client, _) = client();
    let event = sample::event(
        "app.orders",
        "Order Placed",
        json!({"orderId": "o-1", "total": 9.5}),
    );
    assert_eq!(
        client.invoke("order_placed", event).await,
        Ok(json!({"order": "o-1", "total": 9.5}))
    );
    let wrong = sample::event("app.orders", "Order Placed", json!({"orderId": 1}));
    let error = client.invoke("order_placed", wrong).await.unwrap_err();
    assert_eq!(error.error_type, INVALID_EVENT);
    assert!(
        error.error_message.contains("at `detail.orderId`"),
        "{error}"
    );
}

#[tokio::test]
async fn sqs_batches_fail_single_messages() {
    let (client, log) = client();
    let event = sample::sqs(["1", "not a number", "3"]);
    let bad_id = event["Records"][1]["messageId"].clone();
    assert_eq!(
        client.invoke("work", event).await,
        Ok(json!({"batchItemFailures": [{"itemIdentifier": bad_id}]}))
    );
    assert_eq!(log.lines(), ["job 1", "job 3"]);
    assert_eq!(
        client.invoke("work", sample::sqs(["7"])).await,
        Ok(json!({"batchItemFailures": []}))
    );
}

#[tokio::test]
async fn an_err_fails_the_whole_batch_as_a_function_error() {
    let (client, _) = client();
    assert_eq!(
        client.invoke("strict", sample::sqs(["a", "b"])).await,
        Ok(json!({"batchItemFailures": []}))
    );
    let event = sample::sqs(["a", ""]);
    let id = event["Records"][1]["messageId"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        client.invoke("strict", event).await,
        Err(FunctionError::new(
            "alloc::string::String",
            format!("message {id} is empty")
        ))
    );
    // Naming items by something else than their id is answered as asked
    // (and logged): Lambda would retry the whole batch.
    let result = client
        .invoke("wrong_ids", sample::sqs(["a"]))
        .await
        .unwrap();
    assert!(result["batchItemFailures"][0]["itemIdentifier"]
        .as_str()
        .unwrap()
        .starts_with("AQEB"));
}

#[tokio::test]
async fn sns_messages_come_one_at_a_time_and_panics_are_reported() {
    let (client, _) = client();
    assert_eq!(
        client.invoke("alert", sample::sns("Disk", "full")).await,
        Ok(json!("Disk: full"))
    );
    let error = client
        .invoke("alert", sample::sns("", "panic"))
        .await
        .unwrap_err();
    assert_eq!(error.error_type, PANIC);
    assert!(
        error
            .error_message
            .starts_with("the handler panicked: alert ")
            && error.error_message.ends_with(" made me panic"),
        "{error}"
    );
    // The instance keeps serving after a panic.
    assert_eq!(
        client.invoke("alert", sample::sns("", "again")).await,
        Ok(json!(": again"))
    );
}

#[tokio::test]
async fn s3_keys_arrive_decoded() {
    let (client, _) = client();
    assert_eq!(
        client
            .invoke("uploaded", sample::s3_put("uploads", "in/a b+c.csv", 12))
            .await,
        Ok(json!(["uploads/in/a b+c.csv (12 bytes)"]))
    );
}

#[tokio::test]
async fn dynamodb_records_fail_by_sequence_number() {
    let (client, _) = client();
    let event = sample::dynamodb_insert([
        json!({"id": "1", "title": "write docs"}),
        json!({"id": "2", "title": ""}),
    ]);
    let bad = event["Records"][1]["dynamodb"]["SequenceNumber"].clone();
    assert_eq!(
        client.invoke("todo_changed", event).await,
        Ok(json!({"batchItemFailures": [{"itemIdentifier": bad}]}))
    );
}

#[tokio::test]
async fn kinesis_data_arrives_decoded() {
    let (client, log) = client();
    let event = sample::kinesis([&b"left"[..], &[0xff, 0xfe][..]]);
    let bad = event["Records"][1]["kinesis"]["sequenceNumber"].clone();
    assert_eq!(
        client.invoke("clicks", event).await,
        Ok(json!({"batchItemFailures": [{"itemIdentifier": bad}]}))
    );
    assert_eq!(log.lines(), ["click left"]);
}

#[tokio::test]
async fn plain_functions_take_and_return_any_json() {
    let (client, _) = client();
    assert_eq!(
        client
            .invoke("summarize", json!({"values": [1, 2, 3]}))
            .await,
        Ok(json!({"count": 3, "sum": 6}))
    );
    assert_eq!(
        client.invoke("summarize", json!({"values": []})).await,
        Err(FunctionError::new(
            "chalice_rs_runtime::error::ChaliceError",
            "BadRequestError: no values"
        ))
    );
    let error = client
        .invoke("summarize", json!({"values": "x"}))
        .await
        .unwrap_err();
    assert_eq!(error.error_type, INVALID_EVENT);
    assert!(
        error
            .error_message
            .starts_with("the event is not the payload this function takes at `values`"),
        "{error}"
    );
    assert_eq!(
        client.invoke("raw-echo", json!([1, "a"])).await,
        Ok(json!([1, "a"]))
    );
}

#[tokio::test]
async fn missing_state_is_a_function_error() {
    let client = Client::new(App::new());
    let error = client
        .invoke("nightly", sample::schedule())
        .await
        .unwrap_err();
    assert_eq!(error.error_type, MISSING_STATE);
    assert!(error.error_message.contains("Log"), "{error}");
}

#[tokio::test]
#[should_panic(expected = "no function `nope` in this binary; its functions are: alert, clicks")]
async fn invoking_an_unknown_function_names_the_functions() {
    let (client, _) = client();
    let _ = client.invoke("nope", json!({})).await;
}

#[test]
fn the_manifest_lists_every_function_with_its_source() {
    use chalice_rs_runtime::manifest::EventSource;
    let manifest = chalice_rs_runtime::registry::manifest().expect("a valid manifest");
    let names: Vec<&str> = manifest.functions.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "alert",
            "clicks",
            "nightly",
            "order_placed",
            "raw-echo",
            "strict",
            "summarize",
            "tick",
            "todo_changed",
            "uploaded",
            "work",
            "wrong_ids"
        ]
    );
    let source = |name: &str| manifest.function(name).unwrap().source.clone();
    assert_eq!(
        source("nightly"),
        EventSource::Schedule {
            expression: "cron(0 3 * * ? *)".into(),
            description: Some("nightly".into())
        }
    );
    assert_eq!(
        source("work"),
        EventSource::Sqs {
            queue: "jobs".into(),
            batch_size: 5,
            max_batching_window: None
        }
    );
    assert_eq!(
        source("clicks"),
        EventSource::Kinesis {
            stream: "clicks".into(),
            batch_size: 500,
            starting_position: "LATEST".into(),
            max_batching_window: Some(2)
        }
    );
    assert_eq!(source("raw-echo"), EventSource::Invoke);
    let work = manifest.function("work").unwrap();
    assert_eq!(work.handler(), "function:work");
    assert!(
        work.file.ends_with("tests/events.rs") && work.module == "events",
        "{work:?}"
    );
}

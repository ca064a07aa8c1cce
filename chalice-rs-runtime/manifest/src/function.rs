//! Event-driven and plain Lambda functions: `#[schedule]`, `#[on_event]`,
//! `#[on_sqs_message]`, `#[on_sns_message]`, `#[on_s3_event]`,
//! `#[on_dynamodb_record]`, `#[on_kinesis_record]` and `#[lambda_function]`.
//!
//! Each attribute embeds one [`FunctionFragment`]: the function's name (its
//! key in the config's `lambda_functions`, and the suffix of its Lambda
//! name), where it is written, and its [`EventSource`]. Every such function
//! runs the app's one `bootstrap`, told apart by its `_HANDLER`:
//! [`FUNCTION_HANDLER_PREFIX`] followed by the name.

use serde::{Deserialize, Serialize};

/// The `_HANDLER` prefix of an event or plain function: `function:<name>`.
pub const FUNCTION_HANDLER_PREFIX: &str = "function:";

/// The S3 event types a bucket notification accepts (the S3 API's `Event`).
pub const S3_EVENT_TYPES: &[&str] = &[
    "s3:ObjectCreated:*",
    "s3:ObjectCreated:Put",
    "s3:ObjectCreated:Post",
    "s3:ObjectCreated:Copy",
    "s3:ObjectCreated:CompleteMultipartUpload",
    "s3:ObjectRemoved:*",
    "s3:ObjectRemoved:Delete",
    "s3:ObjectRemoved:DeleteMarkerCreated",
    "s3:ObjectRestore:*",
    "s3:ObjectRestore:Post",
    "s3:ObjectRestore:Completed",
    "s3:ObjectRestore:Delete",
    "s3:ReducedRedundancyLostObject",
    "s3:Replication:*",
    "s3:Replication:OperationFailedReplication",
    "s3:Replication:OperationNotTracked",
    "s3:Replication:OperationMissedThreshold",
    "s3:Replication:OperationReplicatedAfterThreshold",
    "s3:LifecycleTransition",
    "s3:LifecycleExpiration:*",
    "s3:LifecycleExpiration:Delete",
    "s3:LifecycleExpiration:DeleteMarkerCreated",
    "s3:IntelligentTiering",
    "s3:ObjectAcl:Put",
    "s3:ObjectTagging:*",
    "s3:ObjectTagging:Put",
    "s3:ObjectTagging:Delete",
    "s3:ObjectRetention:Put",
    "s3:ObjectAnnotation:*",
    "s3:ObjectAnnotation:Put",
    "s3:ObjectAnnotation:Delete",
];

/// Where a stream's new event source mapping starts reading.
pub const STARTING_POSITIONS: &[&str] = &["LATEST", "TRIM_HORIZON"];

/// One event-driven or plain function, as its attribute declared it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunctionFragment {
    /// Its name: the Rust function's name, or the attribute's `name = ".."`.
    /// The key of its settings in the config's `lambda_functions`.
    pub name: String,
    /// `module_path!()` of the handler.
    pub module: String,
    /// `file!()` of the handler.
    pub file: String,
    /// Line of the attribute.
    pub line: u32,
    /// What invokes it.
    pub source: EventSource,
}

impl FunctionFragment {
    /// Where the handler is written, for messages: `src/main.rs:12 (app::nightly)`.
    pub fn location(&self) -> String {
        format!(
            "{}:{} ({}::{})",
            self.file, self.line, self.module, self.name
        )
    }

    /// Its `_HANDLER` value: `function:<name>`.
    pub fn handler(&self) -> String {
        format!("{FUNCTION_HANDLER_PREFIX}{}", self.name)
    }
}

/// What invokes an event function. A queue, topic, bucket or stream is named
/// by its name, its ARN, or the logical ID of a resource of
/// `.chalice/resources.json`; `cargo-chalice` resolves which.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventSource {
    /// `#[schedule("rate(5 minutes)")]` / `#[schedule("cron(0 3 * * ? *)")]`:
    /// an EventBridge rule's schedule (UTC).
    Schedule {
        /// The schedule expression, as EventBridge takes it.
        expression: String,
        /// The rule's description.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        description: Option<String>,
    },
    /// `#[on_event(pattern = r#"{..}"#, bus = "..")]`: an EventBridge rule's
    /// event pattern.
    EventBridge {
        /// The event pattern, as JSON text.
        pattern: String,
        /// The event bus (name or ARN); the account's default bus when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        bus: Option<String>,
    },
    /// `#[on_sqs_message(queue = "..", batch_size = 10, max_batching_window = 0)]`.
    Sqs {
        /// The queue.
        queue: String,
        /// Messages per invocation (1 to 10,000; over 10 needs a batching window).
        batch_size: u32,
        /// Seconds to gather a batch (0 to 300).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_batching_window: Option<u32>,
    },
    /// `#[on_sns_message(topic = "..")]`.
    Sns {
        /// The topic.
        topic: String,
        /// The subscription's filter policy, as JSON text.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        filter_policy: Option<String>,
    },
    /// `#[on_s3_event(bucket = "..", events = ["s3:ObjectCreated:*"], prefix = "..", suffix = "..")]`.
    S3 {
        /// The bucket.
        bucket: String,
        /// The S3 event types (`s3:ObjectCreated:*` by default).
        events: Vec<String>,
        /// Only keys starting with this.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        prefix: Option<String>,
        /// Only keys ending with this.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        suffix: Option<String>,
    },
    /// `#[on_dynamodb_record(stream = "..", batch_size = 100, starting_position = "LATEST")]`.
    DynamodbStream {
        /// The table's stream (its ARN, or a table of `.chalice/resources.json`).
        stream: String,
        /// Records per invocation (1 to 10,000).
        batch_size: u32,
        /// `LATEST` or `TRIM_HORIZON`.
        starting_position: String,
        /// Seconds to gather a batch (0 to 300).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_batching_window: Option<u32>,
    },
    /// `#[on_kinesis_record(stream = "..", batch_size = 100, starting_position = "LATEST")]`.
    Kinesis {
        /// The stream.
        stream: String,
        /// Records per invocation (1 to 10,000).
        batch_size: u32,
        /// `LATEST` or `TRIM_HORIZON`.
        starting_position: String,
        /// Seconds to gather a batch (0 to 300).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_batching_window: Option<u32>,
    },
    /// `#[lambda_function]`: invoked by name only.
    Invoke,
}

impl EventSource {
    /// The attribute that declares this kind of function, for messages.
    pub fn attribute(&self) -> &'static str {
        match self {
            EventSource::Schedule { .. } => "#[schedule]",
            EventSource::EventBridge { .. } => "#[on_event]",
            EventSource::Sqs { .. } => "#[on_sqs_message]",
            EventSource::Sns { .. } => "#[on_sns_message]",
            EventSource::S3 { .. } => "#[on_s3_event]",
            EventSource::DynamodbStream { .. } => "#[on_dynamodb_record]",
            EventSource::Kinesis { .. } => "#[on_kinesis_record]",
            EventSource::Invoke => "#[lambda_function]",
        }
    }

    /// Whether the handler receives a batch and may report single failed
    /// items (`ReportBatchItemFailures`): SQS, DynamoDB streams, Kinesis.
    pub fn is_batch(&self) -> bool {
        matches!(
            self,
            EventSource::Sqs { .. }
                | EventSource::DynamodbStream { .. }
                | EventSource::Kinesis { .. }
        )
    }
}

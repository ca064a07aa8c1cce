//! The events AWS sends to event functions, deserialized from the exact JSON
//! each source sends, and the batch response of the batch sources.
//!
//! | attribute | the handler's first argument |
//! |---|---|
//! | `#[schedule]` | [`ScheduledEvent`] |
//! | `#[on_event]` | [`EventBridgeEvent<T>`] (`detail` as `T`) |
//! | `#[on_sqs_message]` | [`SqsEvent`] (a batch) |
//! | `#[on_sns_message]` | [`SnsMessage`] (one message) |
//! | `#[on_s3_event]` | [`S3Event`] (object keys URL-decoded) |
//! | `#[on_dynamodb_record]` | [`DynamoDbEvent`] (a batch) |
//! | `#[on_kinesis_record]` | [`KinesisEvent`] (a batch, data base64-decoded) |
//!
//! Every attribute also takes `serde_json::Value`: the event as sent.
//! [`sample`] builds realistic events of each kind for tests and
//! `cargo chalice invoke --example`.

mod dynamodb;
mod kinesis;
mod s3;
pub mod sample;
mod schedule;
mod sns;
mod sqs;

pub use dynamodb::{AttributeValue, DynamoDbEvent, DynamoDbRecord, Item, StreamEventName};
pub use kinesis::{KinesisEvent, KinesisRecord};
pub use s3::{decode_key, S3Event, S3Record};
pub use schedule::{EventBridgeEvent, ScheduledEvent};
pub use sns::{SnsMessage, SnsMessageAttribute};
pub use sqs::{SqsEvent, SqsMessage, SqsMessageAttribute};

use serde::{Deserialize, Serialize};

/// What a batch handler (`#[on_sqs_message]`, `#[on_dynamodb_record]`,
/// `#[on_kinesis_record]`) returns to fail single items of its batch:
/// `{"batchItemFailures":[{"itemIdentifier":".."}]}`, the partial batch
/// response of Lambda's `ReportBatchItemFailures`.
///
/// Name an SQS message by its [`message_id`](SqsMessage::message_id) and a
/// stream record by its sequence number
/// ([`DynamoDbRecord::sequence_number`], [`KinesisRecord::sequence_number`]).
/// The failed SQS messages return to the queue; a stream is retried from the
/// lowest failed sequence number. An empty response means every item
/// succeeded, as returning `Ok(())` does; an `Err` fails the whole batch.
///
/// ```
/// use chalice_rs_runtime::events::BatchResponse;
/// let mut response = BatchResponse::new();
/// response.fail("059f36b4-87a3-44ab-83d2-661975830a7d");
/// assert_eq!(
///     serde_json::to_value(&response).unwrap(),
///     serde_json::json!({"batchItemFailures": [{"itemIdentifier": "059f36b4-87a3-44ab-83d2-661975830a7d"}]})
/// );
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchResponse {
    /// The failed items.
    pub batch_item_failures: Vec<BatchItemFailure>,
}

/// One failed item of a batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchItemFailure {
    /// The SQS message id, or the stream record's sequence number.
    pub item_identifier: String,
}

impl BatchResponse {
    /// A response with no failure: every item succeeded.
    pub fn new() -> Self {
        Self::default()
    }

    /// A response failing these items.
    pub fn failed<I, S>(items: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut response = Self::new();
        for item in items {
            response.fail(item);
        }
        response
    }

    /// Marks one more item failed.
    pub fn fail(&mut self, item_identifier: impl Into<String>) {
        self.batch_item_failures.push(BatchItemFailure {
            item_identifier: item_identifier.into(),
        });
    }

    /// Whether no item failed.
    pub fn is_empty(&self) -> bool {
        self.batch_item_failures.is_empty()
    }

    /// The identifiers of the failed items.
    pub fn failures(&self) -> impl Iterator<Item = &str> {
        self.batch_item_failures
            .iter()
            .map(|failure| failure.item_identifier.as_str())
    }
}

/// Base64 text in the event, bytes in the type.
mod base64_bytes {
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine as _;
    use serde::{Deserialize, Deserializer, Serializer};

    /// Encodes bytes as a base64 string.
    pub fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&STANDARD.encode(bytes))
    }

    /// Encodes optional bytes as a base64 string or `null`.
    pub fn serialize_option<S: Serializer>(
        bytes: &Option<Vec<u8>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match bytes {
            Some(bytes) => serialize(bytes, serializer),
            None => serializer.serialize_none(),
        }
    }

    /// Encodes a list of byte strings as base64 strings.
    pub fn serialize_list<S: Serializer>(
        list: &[Vec<u8>],
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(list.iter().map(|bytes| STANDARD.encode(bytes)))
    }

    /// Decodes a base64 string.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(deserializer)?;
        STANDARD
            .decode(text.as_bytes())
            .map_err(|error| serde::de::Error::custom(format!("invalid base64 data: {error}")))
    }

    /// Decodes an optional base64 string (absent or `null` is `None`).
    pub fn deserialize_option<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Vec<u8>>, D::Error> {
        match Option::<String>::deserialize(deserializer)? {
            None => Ok(None),
            Some(text) => STANDARD
                .decode(text.as_bytes())
                .map(Some)
                .map_err(|error| serde::de::Error::custom(format!("invalid base64 data: {error}"))),
        }
    }

    /// Decodes a list of base64 strings (`null` is empty).
    pub fn deserialize_list<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Vec<Vec<u8>>, D::Error> {
        Option::<Vec<String>>::deserialize(deserializer)?
            .unwrap_or_default()
            .iter()
            .map(|text| {
                STANDARD.decode(text.as_bytes()).map_err(|error| {
                    serde::de::Error::custom(format!("invalid base64 data: {error}"))
                })
            })
            .collect()
    }
}

/// A map that AWS may send as `null`: `null` is empty.
fn nullable<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_batch_response_is_lambdas_partial_batch_response() {
        let response = BatchResponse::failed(["a", "b"]);
        assert_eq!(
            serde_json::to_string(&response).unwrap(),
            r#"{"batchItemFailures":[{"itemIdentifier":"a"},{"itemIdentifier":"b"}]}"#
        );
        assert_eq!(response.failures().collect::<Vec<_>>(), ["a", "b"]);
        assert!(!response.is_empty());
        assert_eq!(
            serde_json::to_string(&BatchResponse::new()).unwrap(),
            r#"{"batchItemFailures":[]}"#
        );
        let read: BatchResponse =
            serde_json::from_str(r#"{"batchItemFailures":[{"itemIdentifier":"x"}]}"#).unwrap();
        assert_eq!(read, BatchResponse::failed(["x"]));
    }
}

//! SQS: the batch of messages an `#[on_sqs_message]` function receives.

use super::{base64_bytes, nullable};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// What an `#[on_sqs_message]` function receives: a batch of messages
/// (`Records` in the event). Fail single messages by returning a
/// [`BatchResponse`](super::BatchResponse) naming their
/// [`message_id`](SqsMessage::message_id)s.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SqsEvent {
    /// The messages, in the order Lambda received them.
    #[serde(rename = "Records")]
    pub messages: Vec<SqsMessage>,
}

/// One SQS message of a batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SqsMessage {
    /// The message's id: its identifier in a [`BatchResponse`](super::BatchResponse).
    pub message_id: String,
    /// The receipt handle (to delete or change the visibility of the message yourself).
    pub receipt_handle: String,
    /// The body, as sent.
    pub body: String,
    /// The MD5 digest of the body (hex).
    #[serde(default)]
    pub md5_of_body: String,
    /// The system attributes: `ApproximateReceiveCount`, `SentTimestamp`,
    /// `SenderId`, `ApproximateFirstReceiveTimestamp`, and for FIFO queues
    /// `MessageGroupId`, `MessageDeduplicationId`, `SequenceNumber`.
    #[serde(default, deserialize_with = "nullable")]
    pub attributes: HashMap<String, String>,
    /// The sender's message attributes.
    #[serde(default, deserialize_with = "nullable")]
    pub message_attributes: HashMap<String, SqsMessageAttribute>,
    /// The queue's ARN.
    #[serde(rename = "eventSourceARN")]
    pub event_source_arn: String,
    /// `aws:sqs`.
    #[serde(default)]
    pub event_source: String,
    /// The queue's region.
    #[serde(default)]
    pub aws_region: String,
}

impl SqsMessage {
    /// The body parsed as JSON into `T`.
    pub fn body_json<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_str(&self.body)
    }

    /// How many times the message has been received (`ApproximateReceiveCount`), 1 the first time.
    pub fn receive_count(&self) -> u32 {
        self.attributes
            .get("ApproximateReceiveCount")
            .and_then(|count| count.parse().ok())
            .unwrap_or(1)
    }

    /// A message attribute's string value (`String` and `Number` attributes).
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.message_attributes
            .get(name)
            .and_then(|attribute| attribute.string_value.as_deref())
    }
}

/// A message attribute of an SQS message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SqsMessageAttribute {
    /// `String`, `Number` or `Binary` (with an optional `.custom` suffix).
    pub data_type: String,
    /// The value of a `String` or `Number` attribute.
    #[serde(default)]
    pub string_value: Option<String>,
    /// The value of a `Binary` attribute, base64-decoded.
    #[serde(
        default,
        deserialize_with = "base64_bytes::deserialize_option",
        serialize_with = "base64_bytes::serialize_option"
    )]
    pub binary_value: Option<Vec<u8>>,
    /// Reserved by SQS; sent empty.
    #[serde(default, deserialize_with = "nullable")]
    pub string_list_values: Vec<String>,
    /// Reserved by SQS; sent empty.
    #[serde(
        default,
        deserialize_with = "base64_bytes::deserialize_list",
        serialize_with = "base64_bytes::serialize_list"
    )]
    pub binary_list_values: Vec<Vec<u8>>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_batch_as_sqs_sends_it() {
        let event: SqsEvent = serde_json::from_value(json!({
            "Records": [
                {
                    "messageId": "059f36b4-87a3-44ab-83d2-661975830a7d",
                    "receiptHandle": "AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a",
                    "body": "{\"job\": 7}",
                    "attributes": {
                        "ApproximateReceiveCount": "3",
                        "SentTimestamp": "1545082649183",
                        "SenderId": "AIDAIENQZJOLO23YVJ4VO",
                        "ApproximateFirstReceiveTimestamp": "1545082649185"
                    },
                    "messageAttributes": {
                        "Priority": {
                            "stringValue": "high", "stringListValues": [],
                            "binaryListValues": [], "dataType": "String"
                        },
                        "Blob": {
                            "binaryValue": "aGk=", "stringListValues": [],
                            "binaryListValues": [], "dataType": "Binary"
                        }
                    },
                    "md5OfBody": "e4e68fb7bd0e697a0ae8f1bb342846b3",
                    "eventSource": "aws:sqs",
                    "eventSourceARN": "arn:aws:sqs:us-east-2:123456789012:my-queue",
                    "awsRegion": "us-east-2"
                },
                {
                    "messageId": "2e1424d4-f796-459a-8184-9c92662be6da",
                    "receiptHandle": "AQEBzWwaftRI0KuVm4tP+/7q1rGgNqicHq",
                    "body": "second",
                    "attributes": null,
                    "messageAttributes": null,
                    "md5OfBody": "a9f0e61a137d86aa9db53465e0801612",
                    "eventSource": "aws:sqs",
                    "eventSourceARN": "arn:aws:sqs:us-east-2:123456789012:my-queue",
                    "awsRegion": "us-east-2"
                }
            ]
        }))
        .unwrap();
        let [first, second] = &event.messages[..] else {
            panic!("two messages: {event:?}");
        };
        assert_eq!(first.message_id, "059f36b4-87a3-44ab-83d2-661975830a7d");
        assert_eq!(first.body_json::<serde_json::Value>().unwrap()["job"], 7);
        assert_eq!(first.receive_count(), 3);
        assert_eq!(first.attribute("Priority"), Some("high"));
        assert_eq!(
            first.message_attributes["Blob"].binary_value.as_deref(),
            Some(&b"hi"[..])
        );
        assert_eq!(
            first.event_source_arn,
            "arn:aws:sqs:us-east-2:123456789012:my-queue"
        );
        assert_eq!(second.body, "second");
        assert!(second.attributes.is_empty() && second.message_attributes.is_empty());
        assert_eq!(second.receive_count(), 1);
        assert!(second.body_json::<serde_json::Value>().is_err());
    }
}

//! SNS: the one message an `#[on_sns_message]` function receives.

use serde::de::DeserializeOwned;
use serde::Deserialize;
use std::collections::HashMap;

/// What an `#[on_sns_message]` function receives: one notification (SNS
/// invokes a function with one record per event, as Chalice passes it).
///
/// It deserializes from the Lambda event, `{"Records": [{"Sns": {..}}]}`;
/// an event without exactly one record is refused.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "SnsEventJson")]
pub struct SnsMessage {
    /// The message's id.
    pub message_id: String,
    /// The topic's ARN.
    pub topic_arn: String,
    /// The subject, when the publisher gave one.
    pub subject: Option<String>,
    /// The message, as published.
    pub message: String,
    /// When it was published (ISO 8601, UTC): `2019-01-02T12:45:07.000Z`.
    pub timestamp: String,
    /// The message attributes.
    pub message_attributes: HashMap<String, SnsMessageAttribute>,
    /// The ARN of the subscription that delivered it.
    pub subscription_arn: String,
}

impl SnsMessage {
    /// The message parsed as JSON into `T`.
    pub fn message_json<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_str(&self.message)
    }

    /// A message attribute's value.
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.message_attributes
            .get(name)
            .map(|attribute| attribute.value.as_str())
    }
}

/// A message attribute of an SNS message.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SnsMessageAttribute {
    /// `String`, `String.Array`, `Number` or `Binary`.
    #[serde(rename = "Type")]
    pub data_type: String,
    /// The value (a JSON array's text for `String.Array`, base64 for `Binary`).
    #[serde(rename = "Value")]
    pub value: String,
}

/// The Lambda event of an SNS subscription.
#[derive(Deserialize)]
struct SnsEventJson {
    #[serde(rename = "Records")]
    records: Vec<SnsRecordJson>,
}

#[derive(Deserialize)]
struct SnsRecordJson {
    #[serde(rename = "EventSubscriptionArn", default)]
    subscription_arn: String,
    #[serde(rename = "Sns")]
    sns: SnsJson,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SnsJson {
    message_id: String,
    topic_arn: String,
    #[serde(default)]
    subject: Option<String>,
    message: String,
    timestamp: String,
    #[serde(default, deserialize_with = "super::nullable")]
    message_attributes: HashMap<String, SnsMessageAttribute>,
}

impl TryFrom<SnsEventJson> for SnsMessage {
    type Error = String;

    fn try_from(event: SnsEventJson) -> Result<Self, String> {
        let count = event.records.len();
        let Some(record) = event.records.into_iter().next().filter(|_| count == 1) else {
            return Err(format!(
                "an SNS event carries one record (one message per invocation); this one has {count}"
            ));
        };
        let sns = record.sns;
        Ok(SnsMessage {
            message_id: sns.message_id,
            topic_arn: sns.topic_arn,
            subject: sns.subject,
            message: sns.message,
            timestamp: sns.timestamp,
            message_attributes: sns.message_attributes,
            subscription_arn: record.subscription_arn,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(records: Vec<serde_json::Value>) -> serde_json::Value {
        json!({ "Records": records })
    }

    fn record(subject: serde_json::Value) -> serde_json::Value {
        json!({
            "EventVersion": "1.0",
            "EventSubscriptionArn": "arn:aws:sns:us-east-1:123456789012:sns-lambda:21be56ed-a058-49f5-8c98-aedd2564c486",
            "EventSource": "aws:sns",
            "Sns": {
                "SignatureVersion": "1",
                "Timestamp": "2019-01-02T12:45:07.000Z",
                "Signature": "tcc6faL2yUC6dgZdmrwh1Y4cGa/ebXEkAi6RibDsvpi+tE/1+82j",
                "SigningCertUrl": "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-ac565b8b1a6c5d002d285f9598aa1d9b.pem",
                "MessageId": "95df01b4-ee98-5cb9-9903-4c221d41eb5e",
                "Message": "{\"level\": \"warn\"}",
                "MessageAttributes": {
                    "Test": {"Type": "String", "Value": "TestString"},
                    "TestBinary": {"Type": "Binary", "Value": "TestBinary"}
                },
                "Type": "Notification",
                "UnsubscribeUrl": "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=arn:aws:sns:us-east-1:123456789012:test-lambda:21be56ed-a058-49f5-8c98-aedd2564c486",
                "TopicArn": "arn:aws:sns:us-east-1:123456789012:sns-lambda",
                "Subject": subject
            }
        })
    }

    #[test]
    fn one_notification_as_sns_sends_it() {
        let message: SnsMessage =
            serde_json::from_value(event(vec![record(json!("TestInvoke"))])).unwrap();
        assert_eq!(message.message_id, "95df01b4-ee98-5cb9-9903-4c221d41eb5e");
        assert_eq!(message.subject.as_deref(), Some("TestInvoke"));
        assert_eq!(
            message.topic_arn,
            "arn:aws:sns:us-east-1:123456789012:sns-lambda"
        );
        assert_eq!(message.timestamp, "2019-01-02T12:45:07.000Z");
        assert_eq!(message.attribute("Test"), Some("TestString"));
        assert_eq!(message.message_attributes["TestBinary"].data_type, "Binary");
        assert_eq!(
            message.message_json::<serde_json::Value>().unwrap()["level"],
            "warn"
        );
        assert!(message
            .subscription_arn
            .ends_with(":21be56ed-a058-49f5-8c98-aedd2564c486"));

        let no_subject: SnsMessage =
            serde_json::from_value(event(vec![record(serde_json::Value::Null)])).unwrap();
        assert_eq!(no_subject.subject, None);
    }

    #[test]
    fn an_event_without_exactly_one_record_is_refused() {
        for records in [vec![], vec![record(json!("a")), record(json!("b"))]] {
            let count = records.len();
            let error = serde_json::from_value::<SnsMessage>(event(records))
                .unwrap_err()
                .to_string();
            assert!(error.contains(&format!("this one has {count}")), "{error}");
        }
    }
}

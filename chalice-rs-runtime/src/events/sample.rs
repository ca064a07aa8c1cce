//! Realistic events of each kind, as AWS sends them, for tests
//! (`client.invoke("work", sample::sqs(["a", "b"]))`) and
//! `cargo chalice invoke --example KIND`.
//!
//! Every generator is pure: no network, no clock, no randomness. Ids,
//! receipt handles and timestamps are fixed (derived from the content and
//! position), so outputs are stable. The region is `us-east-1`, the account
//! `123456789012`, the time `2024-01-01T03:00:00Z`.

use super::AttributeValue;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use md5::{Digest, Md5};
use serde_json::{json, Value};

/// The region of every sample.
pub const REGION: &str = "us-east-1";
/// The account of every sample.
pub const ACCOUNT: &str = "123456789012";
/// The time of every sample (ISO 8601, UTC).
pub const TIME: &str = "2024-01-01T03:00:00Z";
/// [`TIME`] in seconds since the epoch.
pub const EPOCH_SECONDS: u64 = 1_704_078_000;
/// The kinds [`example`] builds, as `cargo chalice invoke --example` takes them.
pub const EXAMPLE_KINDS: &[&str] = &[
    "schedule", "event", "sqs", "sns", "s3", "dynamodb", "kinesis",
];

/// A kind [`example`] does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no example event of kind `{kind}`{suggestion}; the kinds are: {}", EXAMPLE_KINDS.join(", "))]
pub struct UnknownKind {
    /// The kind asked for.
    pub kind: String,
    suggestion: String,
}

/// The example event of `kind` (one of [`EXAMPLE_KINDS`]): a scheduled event,
/// an EventBridge `Order Placed` event, an SQS batch of two messages, an SNS
/// notification, an S3 put of `uploads/hello world.csv`, two DynamoDB
/// inserts, two Kinesis records.
///
/// ```
/// use chalice_rs_runtime::events::sample;
/// let batch = sample::example("sqs").unwrap();
/// assert_eq!(batch["Records"].as_array().unwrap().len(), 2);
/// assert!(sample::example("sqs ").is_err());
/// ```
pub fn example(kind: &str) -> Result<Value, UnknownKind> {
    Ok(match kind {
        "schedule" => schedule(),
        "event" => event(
            "app.orders",
            "Order Placed",
            json!({"orderId": "o-1001", "total": 42.5}),
        ),
        "sqs" => sqs(["hello", "world"]),
        "sns" => sns("Greetings", "Hello from SNS!"),
        "s3" => s3_put("my-bucket", "uploads/hello world.csv", 1024),
        "dynamodb" => dynamodb_insert([
            json!({"id": "1", "title": "first"}),
            json!({"id": "2", "title": "second"}),
        ]),
        "kinesis" => kinesis(["hello", "world"]),
        other => {
            let trimmed = other.trim().to_ascii_lowercase();
            let suggestion = EXAMPLE_KINDS
                .iter()
                .find(|known| {
                    **known == trimmed || known.starts_with(&trimmed) && !trimmed.is_empty()
                })
                .map(|known| format!(" (did you mean `{known}`?)"))
                .unwrap_or_default();
            return Err(UnknownKind {
                kind: other.to_owned(),
                suggestion,
            });
        }
    })
}

/// The scheduled event of a rule named `my-schedule`, as EventBridge sends it
/// to a `#[schedule]` function.
pub fn schedule() -> Value {
    json!({
        "version": "0",
        "id": uuid("schedule"),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT,
        "time": TIME,
        "region": REGION,
        "resources": [format!("arn:aws:events:{REGION}:{ACCOUNT}:rule/my-schedule")],
        "detail": {}
    })
}

/// An EventBridge event of `source` and `detail_type` with `detail`, as
/// delivered to an `#[on_event]` function.
pub fn event(source: &str, detail_type: &str, detail: Value) -> Value {
    json!({
        "version": "0",
        "id": uuid(&format!("event {source} {detail_type} {detail}")),
        "detail-type": detail_type,
        "source": source,
        "account": ACCOUNT,
        "time": TIME,
        "region": REGION,
        "resources": [],
        "detail": detail
    })
}

/// An SQS batch of messages with these bodies, from the queue `my-queue`.
///
/// ```
/// let batch = chalice_rs_runtime::events::sample::sqs(["a", "b"]);
/// assert_eq!(batch["Records"][1]["body"], "b");
/// assert_eq!(batch["Records"][0]["md5OfBody"], "0cc175b9c0f1b6a831c399e269772661");
/// ```
pub fn sqs<I, S>(bodies: I) -> Value
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let queue_arn = format!("arn:aws:sqs:{REGION}:{ACCOUNT}:my-queue");
    let records: Vec<Value> = bodies
        .into_iter()
        .enumerate()
        .map(|(index, body)| {
            let body = body.as_ref();
            let seed = format!("sqs {index} {body}");
            let sent = EPOCH_SECONDS * 1000 + index as u64;
            json!({
                "messageId": uuid(&seed),
                "receiptHandle": format!("AQEB{}", STANDARD.encode([digest(&seed), digest(body)].concat())),
                "body": body,
                "attributes": {
                    "ApproximateReceiveCount": "1",
                    "SentTimestamp": sent.to_string(),
                    "SenderId": "AIDAIENQZJOLO23YVJ4VO",
                    "ApproximateFirstReceiveTimestamp": (sent + 2).to_string()
                },
                "messageAttributes": {},
                "md5OfBody": hex(&digest(body)),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": REGION
            })
        })
        .collect();
    json!({ "Records": records })
}

/// An SNS notification with `subject` (none when empty) and `message`, from
/// the topic `my-topic`.
pub fn sns(subject: &str, message: &str) -> Value {
    let topic_arn = format!("arn:aws:sns:{REGION}:{ACCOUNT}:my-topic");
    let subscription_arn = format!("{topic_arn}:{}", uuid(&format!("subscription {topic_arn}")));
    let subject = if subject.is_empty() {
        Value::Null
    } else {
        Value::from(subject)
    };
    json!({
        "Records": [{
            "EventSource": "aws:sns",
            "EventVersion": "1.0",
            "EventSubscriptionArn": subscription_arn,
            "Sns": {
                "Type": "Notification",
                "MessageId": uuid(&format!("sns {subject} {message}")),
                "TopicArn": topic_arn,
                "Subject": subject,
                "Message": message,
                "Timestamp": "2024-01-01T03:00:00.000Z",
                "SignatureVersion": "1",
                "Signature": STANDARD.encode(digest(message)),
                "SigningCertUrl": format!("https://sns.{REGION}.amazonaws.com/SimpleNotificationService-01d088a6f77103d0fe307c0069e40ed6.pem"),
                "UnsubscribeUrl": format!("https://sns.{REGION}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn={subscription_arn}"),
                "MessageAttributes": {}
            }
        }]
    })
}

/// The notification of a `PutObject` of `key` (`size` bytes) into `bucket`,
/// the key URL-encoded as S3 writes it (`hello world.csv` is
/// `hello+world.csv`).
pub fn s3_put(bucket: &str, key: &str, size: u64) -> Value {
    let seed = format!("s3 {bucket} {key} {size}");
    json!({
        "Records": [{
            "eventVersion": "2.1",
            "eventSource": "aws:s3",
            "awsRegion": REGION,
            "eventTime": "2024-01-01T03:00:00.000Z",
            "eventName": "ObjectCreated:Put",
            "userIdentity": {"principalId": "AWS:AIDAINPONIXQXHT3IKHL2"},
            "requestParameters": {"sourceIPAddress": "203.0.113.10"},
            "responseElements": {
                "x-amz-request-id": hex(&digest(&seed))[..16].to_ascii_uppercase(),
                "x-amz-id-2": STANDARD.encode([digest(&seed), digest(key), digest(bucket)].concat())
            },
            "s3": {
                "s3SchemaVersion": "1.0",
                "configurationId": uuid(&format!("configuration {bucket}")),
                "bucket": {
                    "name": bucket,
                    "ownerIdentity": {"principalId": "A3NL1KOZZKEXAMPLE"},
                    "arn": format!("arn:aws:s3:::{bucket}")
                },
                "object": {
                    "key": encode_key(key),
                    "size": size,
                    "eTag": hex(&digest(&seed)),
                    "sequencer": "00659229F0A1B2C3D4"
                }
            }
        }]
    })
}

/// DynamoDB stream records inserting these items (plain JSON objects,
/// written as DynamoDB attribute values) into the table `my-table`. The key
/// is the item's `id` attribute, or its first attribute without one.
pub fn dynamodb_insert<I>(items: I) -> Value
where
    I: IntoIterator<Item = Value>,
{
    let stream_arn = format!(
        "arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/my-table/stream/2024-01-01T00:00:00.000"
    );
    let records: Vec<Value> = items
        .into_iter()
        .enumerate()
        .map(|(index, item)| {
            let image = match AttributeValue::from_json(&item) {
                AttributeValue::M(map) => map,
                other => [("value".to_owned(), other)].into_iter().collect(),
            };
            let key_name = if image.contains_key("id") {
                Some("id".to_owned())
            } else {
                item.as_object().and_then(|map| map.keys().next().cloned())
            };
            let keys: serde_json::Map<String, Value> = key_name
                .and_then(|name| {
                    let value = serde_json::to_value(image.get(&name)?).ok()?;
                    Some((name, value))
                })
                .into_iter()
                .collect();
            let new_image = serde_json::to_value(&image).unwrap_or_default();
            let size = new_image.to_string().len() + Value::Object(keys.clone()).to_string().len();
            json!({
                "eventID": hex(&digest(&format!("dynamodb {index} {item}"))),
                "eventName": "INSERT",
                "eventVersion": "1.1",
                "eventSource": "aws:dynamodb",
                "awsRegion": REGION,
                "dynamodb": {
                    "ApproximateCreationDateTime": EPOCH_SECONDS,
                    "Keys": keys,
                    "NewImage": new_image,
                    "SequenceNumber": format!("{}", 4_421_584_500_000_000_017_450_439_091_u128 + index as u128),
                    "SizeBytes": size,
                    "StreamViewType": "NEW_AND_OLD_IMAGES"
                },
                "eventSourceARN": stream_arn
            })
        })
        .collect();
    json!({ "Records": records })
}

/// Kinesis records with this data (base64 in the event) from the stream
/// `my-stream`, shard `shardId-000000000000`.
pub fn kinesis<I, D>(data: I) -> Value
where
    I: IntoIterator<Item = D>,
    D: AsRef<[u8]>,
{
    let stream_arn = format!("arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/my-stream");
    let records: Vec<Value> = data
        .into_iter()
        .enumerate()
        .map(|(index, data)| {
            let sequence_number = format!(
                "{}",
                49_590_338_271_490_256_608_559_692_538_361_571_095_u128 + index as u128
            ) + "921575989136588898";
            json!({
                "kinesis": {
                    "kinesisSchemaVersion": "1.0",
                    "partitionKey": format!("partition-{index}"),
                    "sequenceNumber": sequence_number,
                    "data": STANDARD.encode(data.as_ref()),
                    "approximateArrivalTimestamp": EPOCH_SECONDS as f64 + index as f64 * 0.001
                },
                "eventSource": "aws:kinesis",
                "eventVersion": "1.0",
                "eventID": format!("shardId-000000000000:{sequence_number}"),
                "eventName": "aws:kinesis:record",
                "invokeIdentityArn": format!("arn:aws:iam::{ACCOUNT}:role/lambda-role"),
                "awsRegion": REGION,
                "eventSourceARN": stream_arn
            })
        })
        .collect();
    json!({ "Records": records })
}

/// A key URL-encoded as S3 writes it in events: a space is `+`; letters,
/// digits, `/` and `-_.*` stay; every other byte is `%XX`.
fn encode_key(key: &str) -> String {
    form_urlencoded::byte_serialize(key.as_bytes())
        .collect::<String>()
        .replace("%2F", "/")
}

fn digest(text: &str) -> [u8; 16] {
    Md5::digest(text.as_bytes()).into()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// A UUID (version 4 in form) derived from `seed`: fixed for a given seed.
fn uuid(seed: &str) -> String {
    let mut bytes = digest(seed);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let text = hex(&bytes);
    format!(
        "{}-{}-{}-{}-{}",
        &text[..8],
        &text[8..12],
        &text[12..16],
        &text[16..20],
        &text[20..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::{
        DynamoDbEvent, EventBridgeEvent, KinesisEvent, S3Event, ScheduledEvent, SnsMessage,
        SqsEvent, StreamEventName,
    };

    #[test]
    fn every_sample_reads_as_its_event_type() {
        let scheduled: ScheduledEvent = serde_json::from_value(schedule()).unwrap();
        assert_eq!(scheduled.time, TIME);
        assert_eq!(scheduled.detail_type, "Scheduled Event");

        let event: EventBridgeEvent = serde_json::from_value(example("event").unwrap()).unwrap();
        assert_eq!(event.detail["orderId"], "o-1001");

        let batch: SqsEvent = serde_json::from_value(sqs(["a", "b"])).unwrap();
        assert_eq!(batch.messages.len(), 2);
        assert_eq!(batch.messages[1].body, "b");
        assert_ne!(batch.messages[0].message_id, batch.messages[1].message_id);
        assert_eq!(
            batch.messages[0].md5_of_body,
            "0cc175b9c0f1b6a831c399e269772661"
        );

        let message: SnsMessage = serde_json::from_value(sns("Hi", "there")).unwrap();
        assert_eq!(
            (message.subject.as_deref(), message.message.as_str()),
            (Some("Hi"), "there")
        );
        let untitled: SnsMessage = serde_json::from_value(sns("", "x")).unwrap();
        assert_eq!(untitled.subject, None);

        let key = "in/a b+c (1)/é%.csv";
        let put = s3_put("bucket", key, 7);
        let raw = put["Records"][0]["s3"]["object"]["key"].as_str().unwrap();
        assert_eq!(raw, "in/a+b%2Bc+%281%29/%C3%A9%25.csv");
        let s3: S3Event = serde_json::from_value(put).unwrap();
        assert_eq!((s3.records[0].key.as_str(), s3.records[0].size), (key, 7));
        assert_eq!(s3.records[0].event_name, "ObjectCreated:Put");

        let inserts: DynamoDbEvent = serde_json::from_value(dynamodb_insert([
            json!({"id": "1", "n": 2}),
            json!({"name": "x"}),
        ]))
        .unwrap();
        assert_eq!(inserts.records[0].event_name, StreamEventName::Insert);
        assert_eq!(
            inserts.records[0].keys_as::<Value>().unwrap(),
            json!({"id": "1"})
        );
        assert_eq!(
            inserts.records[0].new_image_as::<Value>().unwrap(),
            Some(json!({"id": "1", "n": 2}))
        );
        assert_eq!(
            inserts.records[1].keys_as::<Value>().unwrap(),
            json!({"name": "x"})
        );
        assert!(inserts.records[0].sequence_number < inserts.records[1].sequence_number);

        let stream: KinesisEvent = serde_json::from_value(kinesis(["hello", "world"])).unwrap();
        assert_eq!(stream.records[1].data_as_str().unwrap(), "world");
        assert!(stream.records[0].sequence_number < stream.records[1].sequence_number);
        assert_eq!(stream.records[0].sequence_number.len(), 56);
    }

    #[test]
    fn samples_are_deterministic_and_every_kind_has_one() {
        for kind in EXAMPLE_KINDS {
            assert_eq!(example(kind).unwrap(), example(kind).unwrap(), "{kind}");
        }
        assert_eq!(uuid("x"), uuid("x"));
        assert_ne!(uuid("x"), uuid("y"));
        let id = uuid("x");
        assert_eq!((id.len(), &id[14..15]), (36, "4"));
        let error = example("sq").unwrap_err().to_string();
        assert!(
            error.contains("`sq`")
                && error.contains("did you mean `sqs`")
                && error.contains("kinesis"),
            "{error}"
        );
        assert!(!example("nope")
            .unwrap_err()
            .to_string()
            .contains("did you mean"));
    }
}

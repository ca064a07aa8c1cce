//! Kinesis: the batch of records an `#[on_kinesis_record]` function receives.

use serde::de::DeserializeOwned;
use serde::Deserialize;

/// What an `#[on_kinesis_record]` function receives: a batch of stream
/// records, their data base64-decoded. Fail single records by returning a
/// [`BatchResponse`](super::BatchResponse) naming their
/// [`sequence_number`](KinesisRecord::sequence_number)s.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct KinesisEvent {
    /// The records, in stream order.
    #[serde(rename = "Records")]
    pub records: Vec<KinesisRecord>,
}

/// One Kinesis record.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(from = "RecordJson")]
pub struct KinesisRecord {
    /// The data, base64-decoded.
    pub data: Vec<u8>,
    /// The partition key.
    pub partition_key: String,
    /// The sequence number: its identifier in a [`BatchResponse`](super::BatchResponse).
    pub sequence_number: String,
    /// When the record reached the stream, in seconds since the epoch.
    pub approximate_arrival_timestamp: f64,
    /// `shardId-000000000006:<sequence number>`.
    pub event_id: String,
    /// The stream's ARN.
    pub event_source_arn: String,
    /// The stream's region.
    pub aws_region: String,
    /// `KMS` when the record was encrypted at rest.
    pub encryption_type: Option<String>,
}

impl KinesisRecord {
    /// The data as UTF-8 text.
    pub fn data_as_str(&self) -> Result<&str, std::str::Utf8Error> {
        std::str::from_utf8(&self.data)
    }

    /// The data parsed as JSON into `T`.
    pub fn data_json<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_slice(&self.data)
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RecordJson {
    kinesis: DataJson,
    #[serde(rename = "eventID", default)]
    event_id: String,
    #[serde(rename = "eventSourceARN", default)]
    event_source_arn: String,
    #[serde(default)]
    aws_region: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DataJson {
    #[serde(deserialize_with = "super::base64_bytes::deserialize")]
    data: Vec<u8>,
    partition_key: String,
    sequence_number: String,
    #[serde(default)]
    approximate_arrival_timestamp: f64,
    #[serde(default)]
    encryption_type: Option<String>,
}

impl From<RecordJson> for KinesisRecord {
    fn from(record: RecordJson) -> Self {
        KinesisRecord {
            data: record.kinesis.data,
            partition_key: record.kinesis.partition_key,
            sequence_number: record.kinesis.sequence_number,
            approximate_arrival_timestamp: record.kinesis.approximate_arrival_timestamp,
            event_id: record.event_id,
            event_source_arn: record.event_source_arn,
            aws_region: record.aws_region,
            encryption_type: record.kinesis.encryption_type,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record(data: &str, sequence_number: &str) -> serde_json::Value {
        json!({
            "kinesis": {
                "kinesisSchemaVersion": "1.0",
                "partitionKey": "1",
                "sequenceNumber": sequence_number,
                "data": data,
                "approximateArrivalTimestamp": 1545084650.987
            },
            "eventSource": "aws:kinesis",
            "eventVersion": "1.0",
            "eventID": format!("shardId-000000000006:{sequence_number}"),
            "eventName": "aws:kinesis:record",
            "invokeIdentityArn": "arn:aws:iam::123456789012:role/lambda-role",
            "awsRegion": "us-east-2",
            "eventSourceARN": "arn:aws:kinesis:us-east-2:123456789012:stream/lambda-stream"
        })
    }

    #[test]
    fn records_as_kinesis_sends_them_with_data_decoded() {
        let event: KinesisEvent = serde_json::from_value(json!({"Records": [
            record("SGVsbG8sIHRoaXMgaXMgYSB0ZXN0Lg==", "49590338271490256608559692538361571095921575989136588898"),
            record("eyJjbGlja3MiOiAzfQ==", "49590338271490256608559692540925702759324208523137515618"),
            record("//79", "49590338271490256608559692540925702759324208523137515619"),
        ]}))
        .unwrap();
        let [text, json, binary] = &event.records[..] else {
            panic!("three records: {event:?}");
        };
        assert_eq!(text.data_as_str().unwrap(), "Hello, this is a test.");
        assert_eq!(
            text.sequence_number,
            "49590338271490256608559692538361571095921575989136588898"
        );
        assert_eq!(text.partition_key, "1");
        assert_eq!(text.approximate_arrival_timestamp, 1545084650.987);
        assert!(text.event_id.starts_with("shardId-000000000006:"));
        assert_eq!(
            text.event_source_arn,
            "arn:aws:kinesis:us-east-2:123456789012:stream/lambda-stream"
        );
        assert_eq!(json.data_json::<serde_json::Value>().unwrap()["clicks"], 3);
        assert_eq!(binary.data, [0xff, 0xfe, 0xfd]);
        assert!(binary.data_as_str().is_err());
    }

    #[test]
    fn data_that_is_not_base64_is_refused() {
        let error = serde_json::from_value::<KinesisEvent>(
            json!({"Records": [record("not base64!", "1")]}),
        )
        .unwrap_err()
        .to_string();
        assert!(error.contains("invalid base64 data"), "{error}");
    }
}

//! S3: the object notifications an `#[on_s3_event]` function receives.

use percent_encoding::percent_decode_str;
use serde::Deserialize;

/// What an `#[on_s3_event]` function receives: the bucket's notification
/// records (S3 sends one per event), object keys already URL-decoded.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct S3Event {
    /// The records.
    #[serde(rename = "Records")]
    pub records: Vec<S3Record>,
}

/// One object notification.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "RecordJson")]
pub struct S3Record {
    /// What happened, without the `s3:` prefix: `ObjectCreated:Put`,
    /// `ObjectRemoved:Delete`, ...
    pub event_name: String,
    /// When (ISO 8601, UTC): `2024-01-01T03:00:00.000Z`.
    pub event_time: String,
    /// The bucket's region.
    pub aws_region: String,
    /// The bucket's name.
    pub bucket: String,
    /// The bucket's ARN.
    pub bucket_arn: String,
    /// The object's key, URL-decoded (`+` is a space, then `%XX` escapes):
    /// `uploads/hello world.csv`, as given to `GetObject`.
    pub key: String,
    /// The object's size in bytes (0 when the event has none, as for deletes).
    pub size: u64,
    /// The object's ETag, when the event has one.
    pub etag: Option<String>,
    /// The object's version, in a versioned bucket.
    pub version_id: Option<String>,
    /// Orders the events of one key: a later event has a greater sequencer
    /// (compare as hex strings of equal length).
    pub sequencer: String,
    /// The notification configuration's id.
    pub configuration_id: String,
}

impl S3Record {
    /// Whether the event is an object creation (`ObjectCreated:*`).
    pub fn is_created(&self) -> bool {
        self.event_name.starts_with("ObjectCreated:")
    }

    /// Whether the event is an object removal (`ObjectRemoved:*`).
    pub fn is_removed(&self) -> bool {
        self.event_name.starts_with("ObjectRemoved:")
    }
}

/// Decodes an object key as S3 writes it in events: `+` is a space, then
/// `%XX` escapes are bytes of UTF-8.
///
/// ```
/// use chalice_rs_runtime::events::decode_key;
/// assert_eq!(decode_key("uploads/red+flower%282%29.jpg").unwrap(), "uploads/red flower(2).jpg");
/// assert_eq!(decode_key("a%2Bb%20c").unwrap(), "a+b c");
/// assert_eq!(decode_key("caf%C3%A9").unwrap(), "café");
/// ```
pub fn decode_key(raw: &str) -> Result<String, std::str::Utf8Error> {
    let spaced = raw.replace('+', " ");
    percent_decode_str(&spaced)
        .decode_utf8()
        .map(|key| key.into_owned())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RecordJson {
    event_name: String,
    event_time: String,
    #[serde(default)]
    aws_region: String,
    s3: EntityJson,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EntityJson {
    #[serde(default)]
    configuration_id: String,
    bucket: BucketJson,
    object: ObjectJson,
}

#[derive(Deserialize)]
struct BucketJson {
    name: String,
    #[serde(default)]
    arn: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ObjectJson {
    key: String,
    #[serde(default)]
    size: Option<u64>,
    #[serde(default, rename = "eTag")]
    etag: Option<String>,
    #[serde(default)]
    version_id: Option<String>,
    #[serde(default)]
    sequencer: String,
}

impl TryFrom<RecordJson> for S3Record {
    type Error = String;

    fn try_from(record: RecordJson) -> Result<Self, String> {
        let object = record.s3.object;
        let key = decode_key(&object.key).map_err(|error| {
            format!(
                "the object key `{}` is not UTF-8 once URL-decoded: {error}",
                object.key
            )
        })?;
        Ok(S3Record {
            event_name: record.event_name,
            event_time: record.event_time,
            aws_region: record.aws_region,
            bucket: record.s3.bucket.name,
            bucket_arn: record.s3.bucket.arn,
            key,
            size: object.size.unwrap_or(0),
            etag: object.etag.filter(|etag| !etag.is_empty()),
            version_id: object.version_id.filter(|version| !version.is_empty()),
            sequencer: object.sequencer,
            configuration_id: record.s3.configuration_id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record(event_name: &str, object: serde_json::Value) -> serde_json::Value {
        json!({
            "eventVersion": "2.1",
            "eventSource": "aws:s3",
            "awsRegion": "us-west-2",
            "eventTime": "1970-01-01T00:00:00.000Z",
            "eventName": event_name,
            "userIdentity": {"principalId": "AWS:AIDAINPONIXQXHT3IKHL2"},
            "requestParameters": {"sourceIPAddress": "205.255.255.255"},
            "responseElements": {
                "x-amz-request-id": "D82B88E5F771F645",
                "x-amz-id-2": "vlR7PnpV2Ce81l0PRw6jlUpck7Jo5ZsQjryTjKlc5aLWGVHPZLj5NeC6qMa0emYBDXOo6QBU0Wo="
            },
            "s3": {
                "s3SchemaVersion": "1.0",
                "configurationId": "828aa6fc-f7b5-4305-8584-487c791949c1",
                "bucket": {
                    "name": "DOC-EXAMPLE-BUCKET",
                    "ownerIdentity": {"principalId": "A3I5XTEXAMAI3E"},
                    "arn": "arn:aws:s3:::lambda-artifacts-deafc19498e3f2df"
                },
                "object": object
            }
        })
    }

    #[test]
    fn records_as_s3_sends_them_with_keys_decoded() {
        let event: S3Event = serde_json::from_value(json!({"Records": [
            record("ObjectCreated:Put", json!({
                "key": "uploads/2024/red+flower+%281%29.jpg",
                "size": 1305107,
                "eTag": "b21b84d653bb07b05b1e6b33684dc11b",
                "sequencer": "0C0F6F405D6ED209E1"
            })),
            record("ObjectRemoved:Delete", json!({
                "key": "b21b84d653bb07b05b1e6b33684dc11b%2Bplus%2Fslash",
                "versionId": "096fKKXTRTtl3on89fVO.nfljtsv6qko",
                "sequencer": "0C0F6F405D6ED209E2"
            })),
        ]}))
        .unwrap();
        let [put, delete] = &event.records[..] else {
            panic!("two records: {event:?}");
        };
        assert_eq!(put.key, "uploads/2024/red flower (1).jpg");
        assert_eq!(put.bucket, "DOC-EXAMPLE-BUCKET");
        assert_eq!(put.size, 1305107);
        assert_eq!(
            put.etag.as_deref(),
            Some("b21b84d653bb07b05b1e6b33684dc11b")
        );
        assert!(put.is_created() && !put.is_removed());
        assert_eq!(put.event_time, "1970-01-01T00:00:00.000Z");
        assert_eq!(put.aws_region, "us-west-2");
        assert_eq!(delete.key, "b21b84d653bb07b05b1e6b33684dc11b+plus/slash");
        assert_eq!((delete.size, delete.etag.as_deref()), (0, None));
        assert_eq!(
            delete.version_id.as_deref(),
            Some("096fKKXTRTtl3on89fVO.nfljtsv6qko")
        );
        assert!(delete.is_removed());
        assert!(put.sequencer < delete.sequencer);
    }

    #[test]
    fn a_key_that_is_not_utf8_once_decoded_is_refused() {
        let error = serde_json::from_value::<S3Event>(json!({"Records": [
            record("ObjectCreated:Put", json!({"key": "bad%FF", "size": 1, "sequencer": "01"}))
        ]}))
        .unwrap_err()
        .to_string();
        assert!(error.contains("`bad%FF` is not UTF-8"), "{error}");
        assert_eq!(decode_key("plain").unwrap(), "plain");
        assert_eq!(decode_key("100%25+sure").unwrap(), "100% sure");
    }
}

//! DynamoDB streams: the batch of records an `#[on_dynamodb_record]`
//! function receives.

use super::base64_bytes;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::HashMap;

/// What an `#[on_dynamodb_record]` function receives: a batch of stream
/// records. Fail single records by returning a
/// [`BatchResponse`](super::BatchResponse) naming their
/// [`sequence_number`](DynamoDbRecord::sequence_number)s.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct DynamoDbEvent {
    /// The records, in stream order.
    #[serde(rename = "Records")]
    pub records: Vec<DynamoDbRecord>,
}

/// An item as DynamoDB writes it: attribute name → typed value.
pub type Item = HashMap<String, AttributeValue>;

/// One change to the table.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(from = "RecordJson")]
pub struct DynamoDbRecord {
    /// The record's id.
    pub event_id: String,
    /// What happened to the item.
    pub event_name: StreamEventName,
    /// The stream's ARN.
    pub event_source_arn: String,
    /// The table's region.
    pub aws_region: String,
    /// The item's key attributes.
    pub keys: Item,
    /// The item after the change (stream views `NEW_IMAGE`, `NEW_AND_OLD_IMAGES`).
    pub new_image: Option<Item>,
    /// The item before the change (stream views `OLD_IMAGE`, `NEW_AND_OLD_IMAGES`).
    pub old_image: Option<Item>,
    /// The sequence number: its identifier in a [`BatchResponse`](super::BatchResponse).
    pub sequence_number: String,
    /// The size of the record in bytes.
    pub size_bytes: u64,
    /// `KEYS_ONLY`, `NEW_IMAGE`, `OLD_IMAGE` or `NEW_AND_OLD_IMAGES`.
    pub stream_view_type: String,
    /// When the change was made, in seconds since the epoch.
    pub approximate_creation_date_time: Option<f64>,
    /// Whether DynamoDB removed the item because its TTL expired.
    pub ttl_expired: bool,
}

impl DynamoDbRecord {
    /// The key as plain JSON, deserialized into `T`.
    pub fn keys_as<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_value(item_to_json(&self.keys))
    }

    /// The new image as plain JSON, deserialized into `T` (`None` without one).
    pub fn new_image_as<T: DeserializeOwned>(&self) -> Result<Option<T>, serde_json::Error> {
        self.new_image
            .as_ref()
            .map(|item| serde_json::from_value(item_to_json(item)))
            .transpose()
    }

    /// The old image as plain JSON, deserialized into `T` (`None` without one).
    pub fn old_image_as<T: DeserializeOwned>(&self) -> Result<Option<T>, serde_json::Error> {
        self.old_image
            .as_ref()
            .map(|item| serde_json::from_value(item_to_json(item)))
            .transpose()
    }
}

/// The kind of change a stream record describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum StreamEventName {
    /// A new item.
    Insert,
    /// An item changed.
    Modify,
    /// An item deleted.
    Remove,
}

/// A DynamoDB attribute value, as DynamoDB writes it: `{"S": "text"}`,
/// `{"N": "42"}`, `{"M": {..}}`...
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum AttributeValue {
    /// A string.
    #[serde(rename = "S")]
    S(String),
    /// A number, as DynamoDB sends it: text.
    #[serde(rename = "N")]
    N(String),
    /// Binary data (base64 in the event).
    #[serde(rename = "B", with = "base64_bytes")]
    B(Vec<u8>),
    /// A string set.
    #[serde(rename = "SS")]
    Ss(Vec<String>),
    /// A number set.
    #[serde(rename = "NS")]
    Ns(Vec<String>),
    /// A binary set.
    #[serde(
        rename = "BS",
        deserialize_with = "base64_bytes::deserialize_list",
        serialize_with = "base64_bytes::serialize_list"
    )]
    Bs(Vec<Vec<u8>>),
    /// A map.
    #[serde(rename = "M")]
    M(HashMap<String, AttributeValue>),
    /// A list.
    #[serde(rename = "L")]
    L(Vec<AttributeValue>),
    /// Null.
    #[serde(rename = "NULL")]
    Null(bool),
    /// A boolean.
    #[serde(rename = "BOOL")]
    Bool(bool),
}

impl AttributeValue {
    /// The value as plain JSON: numbers as JSON numbers (text when they do
    /// not fit one), sets and lists as arrays, binary as base64 text.
    pub fn to_json(&self) -> Value {
        match self {
            AttributeValue::S(text) => Value::String(text.clone()),
            AttributeValue::N(number) => number_to_json(number),
            AttributeValue::B(bytes) => Value::String(STANDARD.encode(bytes)),
            AttributeValue::Ss(texts) => texts.iter().cloned().map(Value::String).collect(),
            AttributeValue::Ns(numbers) => numbers.iter().map(|n| number_to_json(n)).collect(),
            AttributeValue::Bs(list) => list
                .iter()
                .map(|bytes| Value::String(STANDARD.encode(bytes)))
                .collect(),
            AttributeValue::M(map) => item_to_json(map),
            AttributeValue::L(list) => list.iter().map(AttributeValue::to_json).collect(),
            AttributeValue::Null(_) => Value::Null,
            AttributeValue::Bool(value) => Value::Bool(*value),
        }
    }

    /// The attribute value of plain JSON (numbers as `N`, arrays as `L`,
    /// objects as `M`), as the DynamoDB document clients write it.
    pub fn from_json(value: &Value) -> Self {
        match value {
            Value::Null => AttributeValue::Null(true),
            Value::Bool(b) => AttributeValue::Bool(*b),
            Value::Number(n) => AttributeValue::N(n.to_string()),
            Value::String(s) => AttributeValue::S(s.clone()),
            Value::Array(list) => AttributeValue::L(list.iter().map(Self::from_json).collect()),
            Value::Object(map) => AttributeValue::M(
                map.iter()
                    .map(|(name, value)| (name.clone(), Self::from_json(value)))
                    .collect(),
            ),
        }
    }
}

/// An item as plain JSON (see [`AttributeValue::to_json`]).
fn item_to_json(item: &Item) -> Value {
    let mut names: Vec<&String> = item.keys().collect();
    names.sort();
    let mut map = Map::new();
    for name in names {
        map.insert(name.clone(), item[name].to_json());
    }
    Value::Object(map)
}

fn number_to_json(number: &str) -> Value {
    if let Ok(int) = number.parse::<i64>() {
        return Value::from(int);
    }
    if let Ok(uint) = number.parse::<u64>() {
        return Value::from(uint);
    }
    // An integer too large for 64 bits stays text rather than lose digits.
    let decimal = number.contains(['.', 'e', 'E']);
    match number.parse::<f64>().ok().filter(|f| f.is_finite()) {
        Some(float) if decimal => Value::from(float),
        _ => Value::String(number.to_owned()),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RecordJson {
    #[serde(rename = "eventID", default)]
    event_id: String,
    event_name: StreamEventName,
    #[serde(rename = "eventSourceARN", default)]
    event_source_arn: String,
    #[serde(default)]
    aws_region: String,
    #[serde(default)]
    user_identity: Option<UserIdentityJson>,
    dynamodb: StreamRecordJson,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UserIdentityJson {
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    principal_id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct StreamRecordJson {
    #[serde(default, deserialize_with = "super::nullable")]
    keys: Item,
    #[serde(default)]
    new_image: Option<Item>,
    #[serde(default)]
    old_image: Option<Item>,
    sequence_number: String,
    #[serde(default)]
    size_bytes: u64,
    #[serde(default)]
    stream_view_type: String,
    #[serde(default)]
    approximate_creation_date_time: Option<f64>,
}

impl From<RecordJson> for DynamoDbRecord {
    fn from(record: RecordJson) -> Self {
        let ttl_expired = record.user_identity.is_some_and(|identity| {
            identity.kind == "Service" && identity.principal_id == "dynamodb.amazonaws.com"
        });
        let stream = record.dynamodb;
        DynamoDbRecord {
            event_id: record.event_id,
            event_name: record.event_name,
            event_source_arn: record.event_source_arn,
            aws_region: record.aws_region,
            keys: stream.keys,
            new_image: stream.new_image,
            old_image: stream.old_image,
            sequence_number: stream.sequence_number,
            size_bytes: stream.size_bytes,
            stream_view_type: stream.stream_view_type,
            approximate_creation_date_time: stream.approximate_creation_date_time,
            ttl_expired,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn arn() -> &'static str {
        "arn:aws:dynamodb:us-east-1:123456789012:table/ExampleTableWithStream/stream/2015-06-27T00:48:05.899"
    }

    #[test]
    fn records_as_a_stream_sends_them() {
        let event: DynamoDbEvent = serde_json::from_value(json!({"Records": [
            {
                "eventID": "c4ca4238a0b923820dcc509a6f75849b",
                "eventName": "INSERT",
                "eventVersion": "1.1",
                "eventSource": "aws:dynamodb",
                "awsRegion": "us-east-1",
                "dynamodb": {
                    "Keys": {"Id": {"N": "101"}},
                    "NewImage": {
                        "Message": {"S": "New item!"}, "Id": {"N": "101"},
                        "Tags": {"SS": ["a", "b"]}, "Price": {"N": "9.5"},
                        "Blob": {"B": "AAEqQQ=="}, "Parts": {"L": [{"BOOL": true}, {"NULL": true}]},
                        "Meta": {"M": {"Big": {"N": "123456789012345678901234567890"}}}
                    },
                    "ApproximateCreationDateTime": 1428537600,
                    "SequenceNumber": "4421584500000000017450439091",
                    "SizeBytes": 26,
                    "StreamViewType": "NEW_AND_OLD_IMAGES"
                },
                "eventSourceARN": arn()
            },
            {
                "eventID": "eccbc87e4b5ce2fe28308fd9f2a7baf3",
                "eventName": "REMOVE",
                "eventVersion": "1.1",
                "eventSource": "aws:dynamodb",
                "awsRegion": "us-east-1",
                "userIdentity": {"type": "Service", "principalId": "dynamodb.amazonaws.com"},
                "dynamodb": {
                    "Keys": {"Id": {"N": "101"}},
                    "OldImage": {"Message": {"S": "This item has changed"}, "Id": {"N": "101"}},
                    "ApproximateCreationDateTime": 1428537600,
                    "SequenceNumber": "4421584500000000017450439093",
                    "SizeBytes": 38,
                    "StreamViewType": "NEW_AND_OLD_IMAGES"
                },
                "eventSourceARN": arn()
            }
        ]}))
        .unwrap();
        let [insert, remove] = &event.records[..] else {
            panic!("two records: {event:?}");
        };
        assert_eq!(insert.event_name, StreamEventName::Insert);
        assert_eq!(insert.sequence_number, "4421584500000000017450439091");
        assert_eq!(insert.keys["Id"], AttributeValue::N("101".into()));
        assert_eq!(insert.keys_as::<Value>().unwrap(), json!({"Id": 101}));
        assert_eq!(
            insert.new_image_as::<Value>().unwrap(),
            Some(json!({
                "Blob": "AAEqQQ==", "Id": 101, "Message": "New item!",
                "Meta": {"Big": "123456789012345678901234567890"},
                "Parts": [true, null], "Price": 9.5, "Tags": ["a", "b"]
            }))
        );
        assert_eq!(
            insert.new_image.as_ref().unwrap()["Blob"],
            AttributeValue::B(vec![0, 1, 42, 65])
        );
        assert_eq!(insert.old_image_as::<Value>().unwrap(), None);
        assert!(!insert.ttl_expired);
        assert_eq!(insert.approximate_creation_date_time, Some(1428537600.0));
        assert_eq!(insert.event_source_arn, arn());
        assert_eq!(remove.event_name, StreamEventName::Remove);
        assert!(remove.ttl_expired && remove.new_image.is_none());
        assert_eq!(
            remove.old_image_as::<Value>().unwrap().unwrap()["Message"],
            "This item has changed"
        );
    }

    #[test]
    fn attribute_values_round_trip_through_json() {
        let value = json!({"id": "1", "n": 3, "ok": true, "none": null, "list": [1.5, "x"]});
        let AttributeValue::M(item) = AttributeValue::from_json(&value) else {
            panic!("an object is a map");
        };
        assert_eq!(item["n"], AttributeValue::N("3".into()));
        assert_eq!(item["none"], AttributeValue::Null(true));
        assert_eq!(item_to_json(&item), value);
        let wire = serde_json::to_value(&item["list"]).unwrap();
        assert_eq!(wire, json!({"L": [{"N": "1.5"}, {"S": "x"}]}));
        let bs: AttributeValue = serde_json::from_value(json!({"BS": ["AAE=", "Ag=="]})).unwrap();
        assert_eq!(bs, AttributeValue::Bs(vec![vec![0, 1], vec![2]]));
        assert_eq!(
            serde_json::to_value(&bs).unwrap(),
            json!({"BS": ["AAE=", "Ag=="]})
        );
    }
}

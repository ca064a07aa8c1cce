//! How an event function names its queue, topic, bucket, stream or bus: by
//! its name, by its ARN, or by the logical ID of a resource of
//! `.chalice/resources.json`. Each is checked as AWS checks it (the ARN's
//! service, the name's characters, the declared resource's type) and turned
//! into what the template refers to: a literal ARN, an ARN derived from the
//! name with `${AWS::Partition}`, `${AWS::Region}` and `${AWS::AccountId}`
//! (`Fn::Sub`), or a `Ref`/`Fn::GetAtt` of the declared resource.

use super::super::resources::{Declared, RESOURCES_PATH};
use crate::cfn::model::Expr;
use serde_json::Value;

/// A kind of event source resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    /// An SQS queue.
    Queue,
    /// An SNS topic.
    Topic,
    /// An S3 bucket.
    Bucket,
    /// A DynamoDB table's stream.
    DynamodbStream,
    /// A Kinesis data stream.
    KinesisStream,
    /// An EventBridge event bus.
    EventBus,
}

impl SourceKind {
    /// What it is called in messages.
    pub fn noun(self) -> &'static str {
        match self {
            SourceKind::Queue => "queue",
            SourceKind::Topic => "topic",
            SourceKind::Bucket => "bucket",
            SourceKind::DynamodbStream => "DynamoDB stream",
            SourceKind::KinesisStream => "Kinesis stream",
            SourceKind::EventBus => "event bus",
        }
    }

    /// The resource types of `.chalice/resources.json` that can be it.
    pub fn declared_types(self) -> &'static [&'static str] {
        match self {
            SourceKind::Queue => &["AWS::SQS::Queue"],
            SourceKind::Topic => &["AWS::SNS::Topic"],
            SourceKind::Bucket => &["AWS::S3::Bucket"],
            SourceKind::DynamodbStream => &["AWS::DynamoDB::Table", "AWS::DynamoDB::GlobalTable"],
            SourceKind::KinesisStream => &["AWS::Kinesis::Stream"],
            SourceKind::EventBus => &["AWS::Events::EventBus"],
        }
    }

    /// The ARN's service.
    fn service(self) -> &'static str {
        match self {
            SourceKind::Queue => "sqs",
            SourceKind::Topic => "sns",
            SourceKind::Bucket => "s3",
            SourceKind::DynamodbStream => "dynamodb",
            SourceKind::KinesisStream => "kinesis",
            SourceKind::EventBus => "events",
        }
    }

    /// An example ARN, for messages.
    fn example_arn(self) -> &'static str {
        match self {
            SourceKind::Queue => "arn:aws:sqs:us-east-1:123456789012:jobs",
            SourceKind::Topic => "arn:aws:sns:us-east-1:123456789012:alerts",
            SourceKind::Bucket => "arn:aws:s3:::my-uploads",
            SourceKind::DynamodbStream => {
                "arn:aws:dynamodb:us-east-1:123456789012:table/Orders/stream/2024-01-01T00:00:00.000"
            }
            SourceKind::KinesisStream => "arn:aws:kinesis:us-east-1:123456789012:stream/clicks",
            SourceKind::EventBus => "arn:aws:events:us-east-1:123456789012:event-bus/orders",
        }
    }

    /// Whether `name` is a valid name of this kind, or what is wrong with it.
    fn check_name(self, name: &str) -> Result<(), String> {
        let chars_ok = |extra: &str| {
            name.chars()
                .all(|c| c.is_ascii_alphanumeric() || extra.contains(c))
        };
        let (ok, rule) = match self {
            SourceKind::Queue => {
                let base = name.strip_suffix(".fifo").unwrap_or(name);
                (
                    !base.is_empty()
                        && name.len() <= 80
                        && base.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
                    "1 to 80 letters, digits, `-` and `_` (and `.fifo` for a FIFO queue)",
                )
            }
            SourceKind::Topic => {
                let base = name.strip_suffix(".fifo").unwrap_or(name);
                (
                    !base.is_empty()
                        && name.len() <= 256
                        && base.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
                    "1 to 256 letters, digits, `-` and `_` (and `.fifo` for a FIFO topic)",
                )
            }
            SourceKind::Bucket => (
                (3..=63).contains(&name.len())
                    && name
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-')
                    && name.starts_with(|c: char| c.is_ascii_alphanumeric())
                    && name.ends_with(|c: char| c.is_ascii_alphanumeric()),
                "3 to 63 lower-case letters, digits, `.` and `-`, beginning and ending with a letter or digit",
            ),
            SourceKind::KinesisStream => (
                !name.is_empty() && name.len() <= 128 && chars_ok("_.-"),
                "1 to 128 letters, digits, `_`, `.` and `-`",
            ),
            SourceKind::EventBus => (
                !name.is_empty() && name.len() <= 256 && chars_ok("/._-"),
                "1 to 256 letters, digits, `/`, `.`, `_` and `-`",
            ),
            SourceKind::DynamodbStream => (
                false,
                "a DynamoDB stream has no name of its own: give the stream's ARN or a table of `.chalice/resources.json`",
            ),
        };
        if ok {
            Ok(())
        } else {
            Err(rule.to_owned())
        }
    }
}

/// Where a source resource is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// A resource of `.chalice/resources.json`, in the app's stack.
    Declared {
        /// Its logical ID.
        logical_id: String,
        /// Its `Type`.
        resource_type: String,
    },
    /// Outside the stack, named by its name or ARN.
    External {
        /// Its name (the bucket's, the queue's...), when known without AWS.
        name: Option<String>,
        /// The region of its ARN, when given by an ARN with a region.
        region: Option<String>,
    },
}

/// A source resource as the template refers to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// What the attribute said.
    pub given: String,
    /// What kind of resource it is.
    pub kind: SourceKind,
    /// Where it is.
    pub place: Place,
    /// Its ARN in the template (for a bus: its name or ARN).
    pub arn: Expr,
}

impl Source {
    /// The logical ID of the declared resource, if it is one.
    pub fn declared_id(&self) -> Option<&str> {
        match &self.place {
            Place::Declared { logical_id, .. } => Some(logical_id),
            Place::External { .. } => None,
        }
    }

    /// How it is named in messages: `queue \`Jobs\` (.chalice/resources.json)`.
    pub fn describe(&self) -> String {
        match &self.place {
            Place::Declared { logical_id, .. } => {
                format!("{} `{logical_id}` ({RESOURCES_PATH})", self.kind.noun())
            }
            Place::External { .. } => format!("{} `{}`", self.kind.noun(), self.given),
        }
    }
}

/// Resolves how an attribute names a `kind` resource, or says what is wrong.
pub fn resolve(given: &str, kind: SourceKind, declared: &Declared) -> Result<Source, String> {
    let noun = kind.noun();
    if given.trim().is_empty() {
        return Err(format!("names no {noun}"));
    }
    if given.starts_with("arn:") {
        return from_arn(given, kind);
    }
    if let Some(resource_type) = declared.resource_type(given) {
        if !kind.declared_types().contains(&resource_type) {
            return Err(format!(
                "`{given}` is an `{resource_type}` of `{RESOURCES_PATH}`, not a {noun} ({})",
                kind.declared_types().join(" or ")
            ));
        }
        return Ok(Source {
            given: given.to_owned(),
            kind,
            place: Place::Declared {
                logical_id: given.to_owned(),
                resource_type: resource_type.to_owned(),
            },
            arn: declared_arn(given, kind),
        });
    }
    let same_kind: Vec<&str> = declared
        .resources
        .keys()
        .map(String::as_str)
        .filter(|id| {
            declared
                .resource_type(id)
                .is_some_and(|t| kind.declared_types().contains(&t))
        })
        .collect();
    if let Some(close) = crate::suggest::closest(given, same_kind.iter().copied()) {
        return Err(format!(
            "`{given}` is not a resource of `{RESOURCES_PATH}` (did you mean `{close}`?); to use a {noun} outside the stack of that name, give its ARN ({})",
            kind.example_arn()
        ));
    }
    if let Err(rule) = kind.check_name(given) {
        let declared_note = if same_kind.is_empty() {
            format!("`{RESOURCES_PATH}` declares no {noun}")
        } else {
            format!("its {noun}s: {}", same_kind.join(", "))
        };
        return Err(format!(
            "`{given}` is neither a resource of `{RESOURCES_PATH}` ({declared_note}) nor a {noun} name ({rule}); an ARN looks like {}",
            kind.example_arn()
        ));
    }
    let arn = match kind {
        SourceKind::Queue => sub_arn("sqs", given),
        SourceKind::Topic => sub_arn("sns", given),
        SourceKind::KinesisStream => sub_arn("kinesis", &format!("stream/{given}")),
        SourceKind::Bucket => Expr::sub(format!("arn:${{AWS::Partition}}:s3:::{given}")),
        SourceKind::EventBus => Expr::str(given),
        // `check_name` refuses every name of a DynamoDB stream.
        SourceKind::DynamodbStream => return Err(format!("`{given}` is not a stream ARN")),
    };
    Ok(Source {
        given: given.to_owned(),
        kind,
        place: Place::External {
            name: Some(given.to_owned()),
            region: None,
        },
        arn,
    })
}

/// `arn:${AWS::Partition}:<service>:${AWS::Region}:${AWS::AccountId}:<resource>`.
fn sub_arn(service: &str, resource: &str) -> Expr {
    Expr::sub(format!(
        "arn:${{AWS::Partition}}:{service}:${{AWS::Region}}:${{AWS::AccountId}}:{resource}"
    ))
}

/// The ARN (for a bus, the name) of the declared resource `id` of `kind`.
fn declared_arn(id: &str, kind: SourceKind) -> Expr {
    match kind {
        SourceKind::Topic => Expr::reference(id),
        SourceKind::DynamodbStream => Expr::get_att(id, "StreamArn"),
        SourceKind::EventBus => Expr::get_att(id, "Name"),
        SourceKind::Queue | SourceKind::Bucket | SourceKind::KinesisStream => {
            Expr::get_att(id, "Arn")
        }
    }
}

/// Checks an ARN given for a `kind` resource.
fn from_arn(arn: &str, kind: SourceKind) -> Result<Source, String> {
    let noun = kind.noun();
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [_, partition, service, region, account, resource] = parts.as_slice() else {
        return Err(format!(
            "`{arn}` is not an ARN (`arn:partition:service:region:account:resource`, such as {})",
            kind.example_arn()
        ));
    };
    let wrong = |why: &str| {
        Err(format!(
            "`{arn}` is not the ARN of a {noun}: {why} (such as {})",
            kind.example_arn()
        ))
    };
    if partition.is_empty() {
        return wrong("it has no partition");
    }
    if *service != kind.service() {
        return wrong(&format!(
            "its service is `{service}`, not `{}`",
            kind.service()
        ));
    }
    let regional = kind != SourceKind::Bucket;
    if regional && (region.is_empty() || account.is_empty()) {
        return wrong("it needs a region and an account");
    }
    if !regional && (!region.is_empty() || !account.is_empty()) {
        return wrong("a bucket's ARN has no region and no account");
    }
    let name = match kind {
        SourceKind::Queue | SourceKind::Topic | SourceKind::Bucket => {
            if kind == SourceKind::Topic && resource.contains(':') {
                return wrong("it is a subscription's ARN; give the topic's");
            }
            if kind == SourceKind::Bucket && resource.contains('/') {
                return wrong("it names objects; give the bucket's ARN");
            }
            resource.to_string()
        }
        SourceKind::KinesisStream => {
            let Some(rest) = resource.strip_prefix("stream/") else {
                return wrong("its resource is not `stream/<name>`");
            };
            if rest.contains("/consumer/") {
                return wrong("it is an enhanced fan-out consumer, which is not supported; give the stream's ARN");
            }
            rest.to_owned()
        }
        SourceKind::EventBus => {
            let Some(rest) = resource.strip_prefix("event-bus/") else {
                return wrong("its resource is not `event-bus/<name>`");
            };
            rest.to_owned()
        }
        SourceKind::DynamodbStream => {
            let pieces: Vec<&str> = resource.split('/').collect();
            match pieces.as_slice() {
                ["table", table, "stream", label] if !table.is_empty() && !label.is_empty() => {
                    table.to_string()
                }
                ["table", _] => {
                    return wrong("it is a table's ARN; give its stream's (the table's `LatestStreamArn`), or a table of `.chalice/resources.json`")
                }
                _ => return wrong("its resource is not `table/<table>/stream/<label>`"),
            }
        }
    };
    if kind != SourceKind::DynamodbStream {
        if let Err(rule) = kind.check_name(&name) {
            return wrong(&format!("`{name}` is not a {noun} name ({rule})"));
        }
    }
    Ok(Source {
        given: arn.to_owned(),
        kind,
        place: Place::External {
            name: Some(name),
            region: regional.then(|| region.to_string()),
        },
        arn: Expr::str(arn),
    })
}

/// The `Properties` of a declared resource.
pub fn properties<'a>(
    declared: &'a Declared,
    id: &str,
) -> Option<&'a serde_json::Map<String, Value>> {
    declared.resource(id)?.get("Properties")?.as_object()
}

/// The name of a declared bucket as the template can write it without
/// referring to the bucket: a literal `BucketName`, or a `Fn::Sub` of one
/// that uses only pseudo parameters (`${AWS::StackName}`...). `None` when
/// CloudFormation names the bucket or its name needs another resource.
pub fn known_bucket_name(declared: &Declared, id: &str) -> Option<Expr> {
    match properties(declared, id)?.get("BucketName")? {
        Value::String(name) => Some(Expr::str(name.clone())),
        Value::Object(sub) if sub.len() == 1 => {
            let text = sub.get("Fn::Sub")?.as_str()?;
            let mut rest = text;
            while let Some(start) = rest.find("${") {
                let after = &rest[start + 2..];
                let end = after.find('}')?;
                let name = &after[..end];
                if !name.starts_with("AWS::") && !name.starts_with('!') {
                    return None;
                }
                rest = &after[end + 1..];
            }
            Some(Expr::sub(text))
        }
        _ => None,
    }
}

/// A whole number property of a declared resource (a number or a string of
/// digits, as CloudFormation takes them); `None` when absent or an intrinsic.
pub fn number_property(declared: &Declared, id: &str, key: &str) -> Option<u64> {
    match properties(declared, id)?.get(key)? {
        Value::Number(n) => n.as_u64(),
        Value::String(text) => text.parse().ok(),
        _ => None,
    }
}

/// A boolean property of a declared resource (`true` or `"true"`).
pub fn bool_property(declared: &Declared, id: &str, key: &str) -> Option<bool> {
    match properties(declared, id)?.get(key)? {
        Value::Bool(b) => Some(*b),
        Value::String(text) => text.parse().ok(),
        _ => None,
    }
}

//! Event functions' sources, resolved: what invokes each `#[schedule]`,
//! `#[on_event]`, `#[on_sqs_message]`, `#[on_sns_message]`, `#[on_s3_event]`,
//! `#[on_dynamodb_record]` and `#[on_kinesis_record]` function, as the
//! template wires it and as AWS would check it.
//!
//! - a schedule or an event pattern is an EventBridge rule ([`Wiring::Rule`]);
//! - a queue or a stream is polled by Lambda ([`Wiring::Mapping`]), and the
//!   function gets its own role with what the source needs
//!   ([`EventFunction::source_statements`]);
//! - a topic is subscribed to ([`Wiring::Subscription`]);
//! - a bucket sends notifications ([`Wiring::Bucket`]): a bucket of
//!   `.chalice/resources.json` gets them in the template, a bucket outside
//!   the stack gets them from `deploy` ([`ExternalNotification`]).
//!
//! A queue, topic, bucket or stream is named by its name, its ARN or a
//! resource of `.chalice/resources.json` ([`sources`]). Every mistake is
//! reported with the function's attribute, name and source line.

pub mod sources;

use super::function::Function;
use super::resources::{Declared, RESOURCES_PATH};
use super::AppError;
use crate::cfn::model::Expr;
use crate::config::EnvValue;
use chalice_rs_runtime::manifest::schedule::Schedule;
use chalice_rs_runtime::manifest::{EventSource, FunctionFragment, Manifest};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sources::{Place, Source, SourceKind};
use std::collections::BTreeMap;

/// The S3 event types a notification may name (the S3 API's list).
pub use chalice_rs_runtime::manifest::S3_EVENT_TYPES;

/// The longest batch Lambda takes from a queue or a stream.
pub const MAX_BATCH_SIZE: u32 = 10_000;
/// The longest batching window, in seconds.
pub const MAX_BATCHING_WINDOW: u32 = 300;
/// The longest batch from an SQS queue without a batching window, and from a FIFO queue.
pub const MAX_SQS_BATCH_WITHOUT_WINDOW: u32 = 10;
/// The longest description of an EventBridge rule.
pub const MAX_RULE_DESCRIPTION: usize = 512;
/// An SQS queue's visibility timeout when its declaration sets none.
pub const DEFAULT_VISIBILITY_TIMEOUT: u64 = 30;

/// An event function's source, resolved for the template.
#[derive(Debug, Clone, PartialEq)]
pub struct EventFunction {
    /// Its key in the config's `lambda_functions`.
    pub name: String,
    /// The attribute that declared it (`#[on_sqs_message]`).
    pub attribute: &'static str,
    /// Where its handler is written: `src/jobs.rs:9 (app::jobs::work)`.
    pub location: String,
    /// The logical-ID stem of its resources.
    pub stem: String,
    /// The function's logical ID.
    pub function_id: String,
    /// The Lambda function's name.
    pub function_name: String,
    /// The alias its source invokes (the stage's, with `lambda_versions`).
    pub alias: Option<String>,
    /// What invokes it.
    pub wiring: Wiring,
    /// Environment variables the template writes otherwise than the config
    /// says: a `Ref`/`Fn::GetAtt` of the function's own bucket becomes the
    /// bucket's known name or ARN, which does not make the function wait for
    /// the bucket (the bucket waits for the function).
    pub environment_overrides: BTreeMap<String, Expr>,
}

/// How an event function is invoked.
#[derive(Debug, Clone, PartialEq)]
pub enum Wiring {
    /// An EventBridge rule: a schedule or an event pattern.
    Rule {
        /// `rate(..)` or `cron(..)`.
        schedule_expression: Option<String>,
        /// The event pattern (a JSON object).
        event_pattern: Option<Value>,
        /// The event bus; the default bus when absent.
        event_bus: Option<Source>,
        /// The rule's description.
        description: String,
    },
    /// Lambda polls a queue or a stream.
    Mapping {
        /// The queue or the stream.
        source: Source,
        /// Records or messages per invocation.
        batch_size: u32,
        /// Seconds to gather a batch.
        max_batching_window: Option<u32>,
        /// `LATEST` or `TRIM_HORIZON` (streams).
        starting_position: Option<String>,
    },
    /// A subscription to an SNS topic.
    Subscription {
        /// The topic.
        topic: Source,
        /// The filter policy (a JSON object).
        filter_policy: Option<Value>,
    },
    /// Notifications of an S3 bucket.
    Bucket {
        /// The bucket.
        bucket: Source,
        /// For a declared bucket, its name as the template can write it
        /// without referring to the bucket (a literal `BucketName`).
        known_name: Option<Expr>,
        /// The event types.
        events: Vec<String>,
        /// Only keys starting with this.
        prefix: Option<String>,
        /// Only keys ending with this.
        suffix: Option<String>,
    },
    /// Nothing: invoked by name (`#[lambda_function]`).
    Invoke,
}

/// A notification `deploy` writes on a bucket outside the stack, after the
/// stack is deployed (and `delete` removes): the bucket's entry with the
/// `Id` [`super::names::notification_id`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExternalNotification {
    /// The bucket's name.
    pub bucket: String,
    /// The function's `lambda_functions` key.
    pub function: String,
    /// The Lambda function's name, with `:<alias>` when the bucket invokes
    /// its alias.
    pub function_name: String,
    /// The S3 event types.
    pub events: Vec<String>,
    /// Only keys starting with this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    /// Only keys ending with this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suffix: Option<String>,
}

impl EventFunction {
    /// The IAM statements its role needs to read its source (a queue or a
    /// stream); empty for sources that push events (rules, topics, buckets).
    pub fn source_statements(&self) -> Vec<Value> {
        let Wiring::Mapping { source, .. } = &self.wiring else {
            return Vec::new();
        };
        let (sid, actions): (&str, &[&str]) = match source.kind {
            SourceKind::Queue => (
                "ReceiveFromQueue",
                &[
                    "sqs:DeleteMessage",
                    "sqs:GetQueueAttributes",
                    "sqs:ReceiveMessage",
                ],
            ),
            SourceKind::DynamodbStream => (
                "ReadDynamodbStream",
                &[
                    "dynamodb:DescribeStream",
                    "dynamodb:GetRecords",
                    "dynamodb:GetShardIterator",
                    "dynamodb:ListStreams",
                ],
            ),
            SourceKind::KinesisStream => (
                "ReadKinesisStream",
                &[
                    "kinesis:DescribeStream",
                    "kinesis:DescribeStreamSummary",
                    "kinesis:GetRecords",
                    "kinesis:GetShardIterator",
                    "kinesis:ListShards",
                    "kinesis:ListStreams",
                    "kinesis:SubscribeToShard",
                ],
            ),
            SourceKind::Topic | SourceKind::Bucket | SourceKind::EventBus => return Vec::new(),
        };
        vec![json!({
            "Sid": sid,
            "Effect": "Allow",
            "Action": actions,
            "Resource": source.arn,
        })]
    }

    /// What its role needs to read its source, in words:
    /// ``sqs:DeleteMessage, sqs:GetQueueAttributes, sqs:ReceiveMessage on
    /// queue `Jobs` ``; `None` for sources that push events.
    pub fn source_needs(&self) -> Option<String> {
        let Wiring::Mapping { source, .. } = &self.wiring else {
            return None;
        };
        let actions: Vec<String> = self
            .source_statements()
            .iter()
            .filter_map(|statement| statement["Action"].as_array())
            .flatten()
            .filter_map(|action| action.as_str().map(str::to_owned))
            .collect();
        Some(format!("{} on {}", actions.join(", "), source.describe()))
    }

    /// The notification `deploy` writes, for a bucket outside the stack.
    pub fn external_notification(&self) -> Option<ExternalNotification> {
        let Wiring::Bucket {
            bucket,
            events,
            prefix,
            suffix,
            ..
        } = &self.wiring
        else {
            return None;
        };
        let Place::External {
            name: Some(name), ..
        } = &bucket.place
        else {
            return None;
        };
        Some(ExternalNotification {
            bucket: name.clone(),
            function: self.name.clone(),
            function_name: self.invoked_name(),
            events: events.clone(),
            prefix: prefix.clone(),
            suffix: suffix.clone(),
        })
    }

    /// The name its source invokes: the function's, qualified with its
    /// alias when it has one (`shop-prod-work:prod`).
    pub fn invoked_name(&self) -> String {
        match &self.alias {
            Some(alias) => format!("{}:{alias}", self.function_name),
            None => self.function_name.clone(),
        }
    }

    /// `#[on_sqs_message] work (src/jobs.rs:9 (app::jobs::work))`, for messages.
    pub fn describe(&self) -> String {
        format!("{} `{}` ({})", self.attribute, self.name, self.location)
    }
}

/// Resolves the source of every event function of `manifest`; `functions`
/// are the app's resolved functions (each event function among them).
pub fn resolve(
    manifest: &Manifest,
    functions: &[Function],
    declared: &Declared,
) -> Result<Vec<EventFunction>, AppError> {
    let mut resolved = Vec::new();
    for fragment in &manifest.functions {
        let Some(function) = functions.iter().find(|f| f.name == fragment.name) else {
            continue;
        };
        let fail = |message: String| AppError::Event {
            attribute: fragment.source.attribute(),
            function: fragment.name.clone(),
            location: fragment.location(),
            message,
        };
        let wiring = wiring(fragment, function, declared).map_err(&fail)?;
        let environment_overrides = own_bucket_variables(function, &wiring).map_err(&fail)?;
        resolved.push(EventFunction {
            name: fragment.name.clone(),
            attribute: fragment.source.attribute(),
            location: fragment.location(),
            stem: crate::cfn::ids::camel(&fragment.name),
            function_id: function.logical_id.clone(),
            function_name: function.function_name.clone(),
            alias: function.rollout.as_ref().map(|r| r.alias.clone()),
            wiring,
            environment_overrides,
        });
    }
    check_overlapping_notifications(&resolved)?;
    Ok(resolved)
}

/// The wiring of one function, checked.
fn wiring(
    fragment: &FunctionFragment,
    function: &Function,
    declared: &Declared,
) -> Result<Wiring, String> {
    Ok(match &fragment.source {
        EventSource::Schedule {
            expression,
            description,
        } => {
            Schedule::parse(expression).map_err(|e| e.0)?;
            if let Some(text) = description
                .as_deref()
                .filter(|d| d.chars().count() > MAX_RULE_DESCRIPTION)
            {
                return Err(format!(
                    "the description is {} characters; EventBridge takes {MAX_RULE_DESCRIPTION}",
                    text.chars().count()
                ));
            }
            Wiring::Rule {
                schedule_expression: Some(expression.trim().to_owned()),
                event_pattern: None,
                event_bus: None,
                description: description
                    .clone()
                    .unwrap_or_else(|| format!("{}: {}", function.description, expression.trim())),
            }
        }
        EventSource::EventBridge { pattern, bus } => {
            let event_pattern = json_object(pattern, "event pattern")?;
            let event_bus = match bus.as_deref() {
                None => None,
                Some(bus) => Some(sources::resolve(bus, SourceKind::EventBus, declared)?),
            };
            Wiring::Rule {
                schedule_expression: None,
                event_pattern: Some(event_pattern),
                event_bus,
                description: function.description.clone(),
            }
        }
        EventSource::Sqs {
            queue,
            batch_size,
            max_batching_window,
        } => {
            let source = sources::resolve(queue, SourceKind::Queue, declared)?;
            check_batch(*batch_size, *max_batching_window)?;
            check_queue(
                &source,
                declared,
                *batch_size,
                *max_batching_window,
                function,
            )?;
            Wiring::Mapping {
                source,
                batch_size: *batch_size,
                max_batching_window: *max_batching_window,
                starting_position: None,
            }
        }
        EventSource::DynamodbStream {
            stream,
            batch_size,
            starting_position,
            max_batching_window,
        }
        | EventSource::Kinesis {
            stream,
            batch_size,
            starting_position,
            max_batching_window,
        } => {
            let kind = if matches!(fragment.source, EventSource::Kinesis { .. }) {
                SourceKind::KinesisStream
            } else {
                SourceKind::DynamodbStream
            };
            let source = sources::resolve(stream, kind, declared)?;
            check_batch(*batch_size, *max_batching_window)?;
            check_starting_position(starting_position)?;
            if kind == SourceKind::DynamodbStream {
                check_table_stream(&source, declared)?;
            }
            Wiring::Mapping {
                source,
                batch_size: *batch_size,
                max_batching_window: *max_batching_window,
                starting_position: Some(starting_position.clone()),
            }
        }
        EventSource::Sns {
            topic,
            filter_policy,
        } => {
            let topic = sources::resolve(topic, SourceKind::Topic, declared)?;
            let fifo = match &topic.place {
                Place::Declared { logical_id, .. } => {
                    sources::bool_property(declared, logical_id, "FifoTopic").unwrap_or(false)
                }
                Place::External { name, .. } => {
                    name.as_deref().is_some_and(|n| n.ends_with(".fifo"))
                }
            };
            if fifo {
                return Err(format!(
                    "{} is a FIFO topic, which delivers to SQS queues only: subscribe a queue to it and read that with `#[on_sqs_message]`",
                    topic.describe()
                ));
            }
            Wiring::Subscription {
                topic,
                filter_policy: filter_policy
                    .as_deref()
                    .map(|text| json_object(text, "filter policy"))
                    .transpose()?,
            }
        }
        EventSource::S3 {
            bucket,
            events,
            prefix,
            suffix,
        } => {
            let bucket = sources::resolve(bucket, SourceKind::Bucket, declared)?;
            check_s3_events(events)?;
            for (what, value) in [("prefix", prefix), ("suffix", suffix)] {
                if value.as_deref() == Some("") {
                    return Err(format!(
                        "the {what} is empty, which S3 refuses; leave it out to match every key"
                    ));
                }
            }
            let known_name = bucket
                .declared_id()
                .and_then(|id| sources::known_bucket_name(declared, id));
            Wiring::Bucket {
                bucket,
                known_name,
                events: events.clone(),
                prefix: prefix.clone(),
                suffix: suffix.clone(),
            }
        }
        EventSource::Invoke => Wiring::Invoke,
    })
}

/// Parses JSON text that must be a non-empty object.
fn json_object(text: &str, what: &str) -> Result<Value, String> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) if !map.is_empty() => Ok(Value::Object(map)),
        Ok(Value::Object(_)) => Err(format!(
            "the {what} is an empty object, which matches nothing"
        )),
        Ok(other) => Err(format!("the {what} must be a JSON object, not `{other}`")),
        Err(error) => Err(format!("the {what} is not JSON: {error}")),
    }
}

/// Batch size and batching window within Lambda's ranges.
fn check_batch(batch_size: u32, window: Option<u32>) -> Result<(), String> {
    if !(1..=MAX_BATCH_SIZE).contains(&batch_size) {
        return Err(format!(
            "`batch_size` is {batch_size}; Lambda takes 1 to {MAX_BATCH_SIZE}"
        ));
    }
    if let Some(window) = window.filter(|w| *w > MAX_BATCHING_WINDOW) {
        return Err(format!(
            "`max_batching_window` is {window} s; Lambda takes 0 to {MAX_BATCHING_WINDOW}"
        ));
    }
    Ok(())
}

/// An SQS source: batches over 10 need a window; FIFO queues take neither;
/// a declared queue's visibility timeout covers the function's timeout.
fn check_queue(
    source: &Source,
    declared: &Declared,
    batch_size: u32,
    window: Option<u32>,
    function: &Function,
) -> Result<(), String> {
    let fifo = match &source.place {
        Place::Declared { logical_id, .. } => {
            sources::bool_property(declared, logical_id, "FifoQueue").unwrap_or(false)
        }
        Place::External { name, .. } => name.as_deref().is_some_and(|n| n.ends_with(".fifo")),
    };
    let with_window = window.is_some_and(|w| w > 0);
    if fifo && (batch_size > MAX_SQS_BATCH_WITHOUT_WINDOW || with_window) {
        return Err(format!(
            "{} is a FIFO queue: Lambda takes at most {MAX_SQS_BATCH_WITHOUT_WINDOW} messages per batch from it and no `max_batching_window`",
            source.describe()
        ));
    }
    if batch_size > MAX_SQS_BATCH_WITHOUT_WINDOW && !with_window {
        return Err(format!(
            "`batch_size` is {batch_size}: Lambda takes more than {MAX_SQS_BATCH_WITHOUT_WINDOW} messages per batch only with a batching window; set `max_batching_window` (1 to {MAX_BATCHING_WINDOW} s)"
        ));
    }
    if let Place::Declared { logical_id, .. } = &source.place {
        let visibility = sources::number_property(declared, logical_id, "VisibilityTimeout")
            .unwrap_or(DEFAULT_VISIBILITY_TIMEOUT);
        let timeout = u64::from(function.settings.lambda_timeout);
        if visibility < timeout {
            return Err(format!(
                "the queue `{logical_id}` has a visibility timeout of {visibility} s, shorter than the function's `lambda_timeout` of {timeout} s, so Lambda refuses to read it; set the queue's `VisibilityTimeout` in `{RESOURCES_PATH}` to at least {timeout} (AWS advises six times the timeout) or lower the function's `lambda_timeout`"
            ));
        }
    }
    Ok(())
}

/// `LATEST` or `TRIM_HORIZON`.
fn check_starting_position(position: &str) -> Result<(), String> {
    match position {
        "LATEST" | "TRIM_HORIZON" => Ok(()),
        "AT_TIMESTAMP" => Err("`starting_position` AT_TIMESTAMP needs a timestamp, which is not supported; use LATEST or TRIM_HORIZON".to_owned()),
        other => Err(format!(
            "`starting_position` is `{other}`; use LATEST or TRIM_HORIZON"
        )),
    }
}

/// A declared table has a stream.
fn check_table_stream(source: &Source, declared: &Declared) -> Result<(), String> {
    let Some(id) = source.declared_id() else {
        return Ok(());
    };
    let has_stream = sources::properties(declared, id)
        .and_then(|p| p.get("StreamSpecification"))
        .is_some_and(|s| s.get("StreamViewType").is_some());
    if has_stream {
        return Ok(());
    }
    Err(format!(
        "the table `{id}` of `{RESOURCES_PATH}` has no stream: add `\"StreamSpecification\": {{\"StreamViewType\": \"NEW_AND_OLD_IMAGES\"}}` (or KEYS_ONLY, NEW_IMAGE, OLD_IMAGE) to its `Properties`"
    ))
}

/// Known S3 event types, at least one.
fn check_s3_events(events: &[String]) -> Result<(), String> {
    if events.is_empty() {
        return Err("names no S3 event type; use `s3:ObjectCreated:*` for new objects".to_owned());
    }
    for event in events {
        if !S3_EVENT_TYPES.contains(&event.as_str()) {
            let hint = crate::suggest::closest(event, S3_EVENT_TYPES.iter().copied())
                .map(|close| format!(" (did you mean `{close}`?)"))
                .unwrap_or_default();
            return Err(format!(
                "`{event}` is not an S3 event type{hint}; S3 sends {}",
                S3_EVENT_TYPES.join(", ")
            ));
        }
    }
    Ok(())
}

/// The function's own-bucket variables written with the bucket's known name
/// (see [`EventFunction::environment_overrides`]); an error when the bucket
/// has no name the template can know.
fn own_bucket_variables(
    function: &Function,
    wiring: &Wiring,
) -> Result<BTreeMap<String, Expr>, String> {
    let Wiring::Bucket {
        bucket, known_name, ..
    } = wiring
    else {
        return Ok(BTreeMap::new());
    };
    let Some(id) = bucket.declared_id() else {
        return Ok(BTreeMap::new());
    };
    let mut overrides = BTreeMap::new();
    for (variable, value) in &function.environment {
        if value.resource() != Some(id) {
            continue;
        }
        let circle = format!(
            "its environment variable `{variable}` is {value}, but the bucket `{id}` can only be created once this function exists (it sends the function its events), so CloudFormation cannot create either"
        );
        let Some(name) = known_name else {
            return Err(format!(
                "{circle}; give the bucket a `BucketName` in `{RESOURCES_PATH}` (such as {{\"Fn::Sub\": \"${{AWS::StackName}}-uploads\"}}), which the variable then takes, or read the bucket's name from the event"
            ));
        };
        let written = match value {
            EnvValue::Ref { .. } => name.clone(),
            EnvValue::GetAtt { target } if target.1 == "Arn" => Expr::sub(format!(
                "arn:${{AWS::Partition}}:s3:::{}",
                match name {
                    Expr::Str(text) | Expr::Sub { text } => text.clone(),
                    _ => String::new(),
                }
            )),
            _ => {
                return Err(format!(
                "{circle}; only its `Ref` (the name) and `Arn` can be written without the bucket"
            ))
            }
        };
        overrides.insert(variable.clone(), written);
    }
    Ok(overrides)
}

/// One function's notifications of a bucket, for the overlap check.
struct Notified<'a> {
    event: &'a EventFunction,
    bucket: &'a Source,
    events: &'a [String],
    prefix: &'a Option<String>,
    suffix: &'a Option<String>,
}

/// Two functions on one bucket whose events and key filters overlap: S3
/// refuses such a notification configuration.
fn check_overlapping_notifications(events: &[EventFunction]) -> Result<(), AppError> {
    let notified: Vec<Notified> = events
        .iter()
        .filter_map(|event| match &event.wiring {
            Wiring::Bucket {
                bucket,
                events,
                prefix,
                suffix,
                ..
            } => Some(Notified {
                event,
                bucket,
                events,
                prefix,
                suffix,
            }),
            _ => None,
        })
        .collect();
    for (i, a) in notified.iter().enumerate() {
        for b in &notified[i + 1..] {
            let same_bucket = match (a.bucket.declared_id(), b.bucket.declared_id()) {
                (Some(x), Some(y)) => x == y,
                (None, None) => a.bucket.place == b.bucket.place,
                _ => false,
            };
            if !same_bucket {
                continue;
            }
            let Some((x, y)) = a
                .events
                .iter()
                .flat_map(|x| b.events.iter().map(move |y| (x, y)))
                .find(|(x, y)| events_overlap(x, y))
            else {
                continue;
            };
            let prefixes = affixes_overlap(a.prefix, b.prefix, |p, q| p.starts_with(q));
            let suffixes = affixes_overlap(a.suffix, b.suffix, |p, q| p.ends_with(q));
            if prefixes && suffixes {
                return Err(AppError::Event {
                    attribute: b.event.attribute,
                    function: b.event.name.clone(),
                    location: b.event.location.clone(),
                    message: format!(
                        "its `{y}` events of {} overlap the `{x}` events of {} (their key prefixes and suffixes overlap too), which S3 refuses; give them disjoint `prefix` or `suffix` filters",
                        b.bucket.describe(),
                        a.event.describe()
                    ),
                });
            }
        }
    }
    Ok(())
}

/// Whether two S3 event types have events in common (`s3:ObjectCreated:*`
/// covers `s3:ObjectCreated:Put`).
fn events_overlap(a: &str, b: &str) -> bool {
    let family = |event: &str| event.rsplit_once(':').map(|(f, _)| f.to_owned());
    a == b
        || (a.ends_with(":*") && family(a) == family(b))
        || (b.ends_with(":*") && family(a) == family(b))
}

/// Whether two optional prefix (or suffix) filters match a common key.
fn affixes_overlap(
    a: &Option<String>,
    b: &Option<String>,
    extends: impl Fn(&str, &str) -> bool,
) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => extends(a, b) || extends(b, a),
        _ => true,
    }
}

/// What `package` and `deploy` say about the app's event functions: which
/// buckets the template wires and which `deploy` wires, and, for a function
/// with an existing role (`existing_role` of its name gives the role's ARN),
/// what that role must grant.
pub fn notes<'a>(
    events: &[EventFunction],
    existing_role: &dyn Fn(&str) -> Option<&'a str>,
) -> Vec<String> {
    let mut notes = Vec::new();
    for event in events {
        if let Wiring::Bucket { bucket, .. } = &event.wiring {
            match &bucket.place {
                Place::Declared { logical_id, .. } => notes.push(format!(
                    "the bucket `{logical_id}` ({RESOURCES_PATH}) sends its events to `{}` through its NotificationConfiguration in the template",
                    event.name
                )),
                Place::External { .. } => notes.push(format!(
                    "the bucket `{}` is outside the stack: `cargo chalice deploy` adds the notification for `{}` to it after the stack (keeping its other notifications) and `cargo chalice delete` removes it; with `aws cloudformation deploy`, add it yourself",
                    event
                        .external_notification()
                        .map(|n| n.bucket)
                        .unwrap_or_else(|| bucket.given.clone()),
                    event.name
                )),
            }
        }
        if let (Some(arn), Some(needs)) = (existing_role(&event.name), event.source_needs()) {
            notes.push(format!(
                "`{}` runs with the existing role {arn}, to which chalice-rs adds nothing: it needs {needs}",
                event.name
            ));
        }
    }
    notes
}

#[cfg(test)]
mod tests;

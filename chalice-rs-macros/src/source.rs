//! The options of the event-function attributes, checked as AWS checks them
//! when the function is deployed, and turned into the manifest's
//! [`EventSource`].

use crate::diagnostics::Errors;
use crate::options::{self, KeyValue};
use chalice_rs_manifest::schedule::Schedule;
use chalice_rs_manifest::{EventSource, S3_EVENT_TYPES, STARTING_POSITIONS};
use proc_macro2::{Span, TokenStream};
use serde_json::Value;
use syn::parse::{Parse, ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, LitStr, Token};

/// Keys of `#[schedule("..", ..)]` after the expression.
const SCHEDULE_KEYS: &[&str] = &["description", "name"];
/// Keys of `#[on_event(..)]`.
const EVENT_KEYS: &[&str] = &["pattern", "bus", "name"];
/// Keys of `#[on_sqs_message(..)]`.
const SQS_KEYS: &[&str] = &["queue", "batch_size", "max_batching_window", "name"];
/// Keys of `#[on_sns_message(..)]`.
const SNS_KEYS: &[&str] = &["topic", "filter_policy", "name"];
/// Keys of `#[on_s3_event(..)]`.
const S3_KEYS: &[&str] = &["bucket", "events", "prefix", "suffix", "name"];
/// Keys of `#[on_dynamodb_record(..)]` and `#[on_kinesis_record(..)]`.
const STREAM_KEYS: &[&str] = &[
    "stream",
    "batch_size",
    "starting_position",
    "max_batching_window",
    "name",
];
/// Keys of `#[lambda_function(..)]`.
const INVOKE_KEYS: &[&str] = &["name"];

/// An event pattern, for messages.
const PATTERN_EXAMPLE: &str = r#"{"source": ["app.orders"]}"#;
/// A filter policy, for messages.
const FILTER_POLICY_EXAMPLE: &str = r#"{"kind": ["upload"]}"#;
/// Keys people reach for that are settings of the config, not of the attribute.
const CONFIG_SETTINGS: &[&str] = &[
    "timeout",
    "memory",
    "memory_size",
    "lambda_timeout",
    "lambda_memory_size",
    "environment",
    "environment_variables",
    "reserved_concurrency",
    "tags",
];
/// Longest EventBridge rule description.
const MAX_DESCRIPTION: usize = 512;

/// Which attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `#[schedule]`.
    Schedule,
    /// `#[on_event]`.
    Event,
    /// `#[on_sqs_message]`.
    Sqs,
    /// `#[on_sns_message]`.
    Sns,
    /// `#[on_s3_event]`.
    S3,
    /// `#[on_dynamodb_record]`.
    Dynamodb,
    /// `#[on_kinesis_record]`.
    Kinesis,
    /// `#[lambda_function]`.
    Invoke,
}

impl Kind {
    /// The attribute's name.
    pub fn attribute(self) -> &'static str {
        match self {
            Kind::Schedule => "schedule",
            Kind::Event => "on_event",
            Kind::Sqs => "on_sqs_message",
            Kind::Sns => "on_sns_message",
            Kind::S3 => "on_s3_event",
            Kind::Dynamodb => "on_dynamodb_record",
            Kind::Kinesis => "on_kinesis_record",
            Kind::Invoke => "lambda_function",
        }
    }

    fn keys(self) -> &'static [&'static str] {
        match self {
            Kind::Schedule => SCHEDULE_KEYS,
            Kind::Event => EVENT_KEYS,
            Kind::Sqs => SQS_KEYS,
            Kind::Sns => SNS_KEYS,
            Kind::S3 => S3_KEYS,
            Kind::Dynamodb | Kind::Kinesis => STREAM_KEYS,
            Kind::Invoke => INVOKE_KEYS,
        }
    }

    /// The runtime's trait for the handler's first argument.
    pub fn event_trait(self) -> &'static str {
        match self {
            Kind::Schedule => "ScheduleArgument",
            Kind::Event => "EventBridgeArgument",
            Kind::Sqs => "SqsArgument",
            Kind::Sns => "SnsArgument",
            Kind::S3 => "S3Argument",
            Kind::Dynamodb => "DynamoDbArgument",
            Kind::Kinesis => "KinesisArgument",
            Kind::Invoke => "InvokePayload",
        }
    }

    /// Whether the handler receives a batch and may fail single items.
    pub fn is_batch(self) -> bool {
        matches!(self, Kind::Sqs | Kind::Dynamodb | Kind::Kinesis)
    }
}

/// What the attribute declares.
pub struct Declared {
    /// `name = ".."`, when given.
    pub name: Option<String>,
    /// What invokes the function.
    pub source: EventSource,
}

/// One argument of the attribute: a string (the schedule expression) or a
/// `key = value`.
enum Argument {
    Positional(LitStr),
    Option(KeyValue),
}

impl Parse for Argument {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        if input.peek(LitStr) {
            input.parse().map(Argument::Positional)
        } else {
            input.parse().map(Argument::Option)
        }
    }
}

/// The options of one attribute, each key once and known.
struct Options {
    kind: Kind,
    positional: Vec<LitStr>,
    entries: Vec<KeyValue>,
}

impl Options {
    fn parse(kind: Kind, attr: TokenStream, errors: &mut Errors) -> Options {
        let arguments = match Punctuated::<Argument, Token![,]>::parse_terminated.parse2(attr) {
            Ok(arguments) => arguments,
            Err(error) => {
                errors.push(error);
                Punctuated::new()
            }
        };
        let mut options = Options {
            kind,
            positional: Vec::new(),
            entries: Vec::new(),
        };
        let mut seen = Vec::new();
        for argument in arguments {
            match argument {
                Argument::Positional(text) => options.positional.push(text),
                Argument::Option(option) => {
                    if !options::first_time(&option.key, &mut seen, errors) {
                        continue;
                    }
                    let key = option.key.to_string();
                    if kind.keys().contains(&key.as_str()) {
                        options.entries.push(option);
                    } else if CONFIG_SETTINGS.contains(&key.as_str()) {
                        errors.push(syn::Error::new(
                            option.key.span(),
                            format!(
                                "`{key}` is not a key of `#[{}]`: a function's settings go in `.chalice/config.json`, under `lambda_functions.<name>` (`lambda_timeout`, `lambda_memory_size`, `environment_variables`, ...)",
                                kind.attribute()
                            ),
                        ));
                    } else {
                        options::unknown_key(&option.key, kind.attribute(), kind.keys(), errors);
                    }
                }
            }
        }
        options
    }

    fn get(&self, key: &str) -> Option<&KeyValue> {
        self.entries.iter().find(|option| option.key == key)
    }

    /// A non-empty string, or an error naming the key.
    fn string(&self, key: &str, example: &str, errors: &mut Errors) -> Option<(String, Span)> {
        let option = self.get(key)?;
        let hint = format!("expected a string: `{key} = {example}`");
        let text = options::string(&option.value, &hint, errors)?;
        if text.trim().is_empty() {
            errors.push(syn::Error::new(
                option.value.span(),
                format!("`{key}` must not be empty: `{key} = {example}`"),
            ));
            return None;
        }
        Some((text, option.value.span()))
    }

    /// A required string: its absence is an error at the attribute.
    fn required(&self, key: &str, what: &str, errors: &mut Errors) -> Option<String> {
        if self.get(key).is_none() {
            errors.push(syn::Error::new(
                Span::call_site(),
                format!(
                    "`#[{}]` needs `{key} = \"..\"`: {what}",
                    self.kind.attribute()
                ),
            ));
            return None;
        }
        self.string(key, "\"..\"", errors).map(|(text, _)| text)
    }

    /// A whole number, or an error naming the key.
    fn number(&self, key: &str, example: u32, errors: &mut Errors) -> Option<(u32, Span)> {
        let option = self.get(key)?;
        let value = options::integer(
            &option.value,
            0..=u32::MAX,
            &format!("expected a whole number: `{key} = {example}`"),
            errors,
        )?;
        Some((value, option.value.span()))
    }
}

/// Reads and checks the options of `kind`.
pub fn declared(kind: Kind, attr: TokenStream, errors: &mut Errors) -> Option<Declared> {
    let options = Options::parse(kind, attr, errors);
    if kind != Kind::Schedule {
        for text in &options.positional {
            errors.push(syn::Error::new(
                text.span(),
                format!(
                    "`#[{}]` takes `key = value` options only; its keys are: {}",
                    kind.attribute(),
                    kind.keys().join(", ")
                ),
            ));
        }
    }
    let name = function_name(&options, errors);
    let source = match kind {
        Kind::Schedule => schedule(&options, errors),
        Kind::Event => event_bridge(&options, errors),
        Kind::Sqs => sqs(&options, errors),
        Kind::Sns => sns(&options, errors),
        Kind::S3 => s3(&options, errors),
        Kind::Dynamodb | Kind::Kinesis => stream(&options, errors),
        Kind::Invoke => Some(EventSource::Invoke),
    }?;
    Some(Declared { name, source })
}

/// `name = ".."`: letters, digits, `-` and `_`, as a Lambda function name.
fn function_name(options: &Options, errors: &mut Errors) -> Option<String> {
    let (name, span) = options.string("name", "\"nightly_report\"", errors)?;
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        errors.push(syn::Error::new(
            span,
            format!("the function name `{name}` may only hold ASCII letters, digits, `-` and `_` (it is part of the Lambda function's name)"),
        ));
        return None;
    }
    Some(name)
}

fn schedule(options: &Options, errors: &mut Errors) -> Option<EventSource> {
    let mut positional = options.positional.iter();
    let Some(expression) = positional.next() else {
        errors.push(syn::Error::new(
            Span::call_site(),
            "`#[schedule]` needs a schedule expression first: `#[schedule(\"rate(5 minutes)\")]` or `#[schedule(\"cron(0 3 * * ? *)\")]`",
        ));
        return None;
    };
    for extra in positional {
        errors.push(syn::Error::new(
            extra.span(),
            "`#[schedule]` takes one schedule expression; the other options are `key = value`",
        ));
    }
    let description = options.string("description", "\"the nightly report\"", errors);
    if let Some((text, span)) = &description {
        if text.chars().count() > MAX_DESCRIPTION {
            errors.push(syn::Error::new(
                *span,
                format!(
                    "an EventBridge rule's description is at most {MAX_DESCRIPTION} characters"
                ),
            ));
        }
    }
    let text = expression.value();
    if let Err(error) = Schedule::parse(&text) {
        errors.push(syn::Error::new(expression.span(), error.to_string()));
        return None;
    }
    Some(EventSource::Schedule {
        expression: normalized_expression(&text),
        description: description.map(|(text, _)| text),
    })
}

/// A parsed expression with its spacing as EventBridge writes it:
/// `rate(5 minutes)`, `cron(0 3 * * ? *)`.
fn normalized_expression(text: &str) -> String {
    let text = text.trim();
    match (text.find('('), text.rfind(')')) {
        (Some(open), Some(close)) if open < close => {
            let body: Vec<&str> = text[open + 1..close].split_whitespace().collect();
            format!("{}({})", text[..open].trim(), body.join(" "))
        }
        _ => text.to_owned(),
    }
}

fn event_bridge(options: &Options, errors: &mut Errors) -> Option<EventSource> {
    let bus = options
        .string("bus", "\"orders\"", errors)
        .map(|(bus, _)| bus);
    if options.get("pattern").is_none() {
        errors.push(syn::Error::new(
            Span::call_site(),
            "`#[on_event]` needs `pattern = r#\"{\"source\": [\"app.orders\"]}\"#`: the EventBridge event pattern the rule matches",
        ));
        return None;
    }
    let (pattern, span) =
        options.string("pattern", "r#\"{\"source\": [\"app.orders\"]}\"#", errors)?;
    if let Err(message) = check_pattern(&pattern, "an event pattern", PATTERN_EXAMPLE) {
        errors.push(syn::Error::new(span, message));
        return None;
    }
    Some(EventSource::EventBridge { pattern, bus })
}

/// An event pattern or a filter policy (`what`, shown with `example`): a
/// non-empty JSON object whose values are lists of values to match or
/// objects of more fields.
fn check_pattern(text: &str, what: &str, example: &str) -> Result<(), String> {
    let value: Value = serde_json::from_str(text)
        .map_err(|error| format!("{what} is JSON, and this is not: {error}"))?;
    let Value::Object(fields) = &value else {
        return Err(format!("{what} is a JSON object, such as `{example}`"));
    };
    if fields.is_empty() {
        return Err(format!("{what} needs at least one field to match"));
    }
    check_fields(fields, what, "")
}

fn check_fields(
    fields: &serde_json::Map<String, Value>,
    what: &str,
    parent: &str,
) -> Result<(), String> {
    for (name, value) in fields {
        let path = if parent.is_empty() {
            name.clone()
        } else {
            format!("{parent}.{name}")
        };
        match value {
            Value::Array(_) => {}
            Value::Object(inner) if !inner.is_empty() => check_fields(inner, what, &path)?,
            other => {
                return Err(format!(
                    "in {what}, `{path}` is `{other}`; each field is a list of values to match (`[{other}]`) or an object of more fields"
                ));
            }
        }
    }
    Ok(())
}

fn sqs(options: &Options, errors: &mut Errors) -> Option<EventSource> {
    let queue = options.required(
        "queue",
        "the queue's name, its ARN, or a queue of `.chalice/resources.json`",
        errors,
    );
    let window = batching_window(options, errors);
    let fifo = queue.as_deref().is_some_and(|q| q.ends_with(".fifo"));
    let batch_size = match options.number("batch_size", 10, errors) {
        Some((size, span)) => {
            let max = if fifo { 10 } else { 10_000 };
            if !(1..=max).contains(&size) {
                let range = if fifo {
                    "1 to 10 for a FIFO queue"
                } else {
                    "1 to 10,000 for an SQS queue"
                };
                errors.push(syn::Error::new(
                    span,
                    format!("`batch_size = {size}` is out of range: it is {range}"),
                ));
            } else if size > 10 && window.is_none_or(|(seconds, _)| seconds == 0) {
                errors.push(syn::Error::new(
                    span,
                    format!("an SQS batch of more than 10 messages needs a batching window: add `max_batching_window = 1` (seconds, up to 300) beside `batch_size = {size}`"),
                ));
            }
            size
        }
        None => 10,
    };
    if let (true, Some((seconds, span))) = (fifo, window) {
        if seconds > 0 {
            errors.push(syn::Error::new(
                span,
                "a FIFO queue takes no batching window: remove `max_batching_window`",
            ));
        }
    }
    Some(EventSource::Sqs {
        queue: queue?,
        batch_size,
        max_batching_window: window.map(|(seconds, _)| seconds),
    })
}

/// `max_batching_window`: 0 to 300 seconds.
fn batching_window(options: &Options, errors: &mut Errors) -> Option<(u32, Span)> {
    let (seconds, span) = options.number("max_batching_window", 5, errors)?;
    if seconds > 300 {
        errors.push(syn::Error::new(
            span,
            format!("`max_batching_window = {seconds}` is out of range: it is 0 to 300 seconds"),
        ));
        return None;
    }
    Some((seconds, span))
}

fn sns(options: &Options, errors: &mut Errors) -> Option<EventSource> {
    let topic = options.required(
        "topic",
        "the topic's name, its ARN, or a topic of `.chalice/resources.json`",
        errors,
    );
    let filter_policy = options
        .string("filter_policy", "r#\"{\"kind\": [\"upload\"]}\"#", errors)
        .and_then(|(policy, span)| {
            match check_pattern(&policy, "a filter policy", FILTER_POLICY_EXAMPLE) {
                Ok(()) => Some(policy),
                Err(message) => {
                    errors.push(syn::Error::new(span, message));
                    None
                }
            }
        });
    Some(EventSource::Sns {
        topic: topic?,
        filter_policy,
    })
}

fn s3(options: &Options, errors: &mut Errors) -> Option<EventSource> {
    let bucket = options.required(
        "bucket",
        "the bucket's name, or a bucket of `.chalice/resources.json`",
        errors,
    );
    let prefix = options
        .string("prefix", "\"uploads/\"", errors)
        .map(|(p, _)| p);
    let suffix = options.string("suffix", "\".csv\"", errors).map(|(s, _)| s);
    let events = match options.get("events") {
        None => vec!["s3:ObjectCreated:*".to_owned()],
        Some(option) => s3_events(&option.value, errors),
    };
    Some(EventSource::S3 {
        bucket: bucket?,
        events,
        prefix,
        suffix,
    })
}

fn s3_events(value: &Expr, errors: &mut Errors) -> Vec<String> {
    let hint = "expected a list of S3 event types: `events = [\"s3:ObjectCreated:*\"]`";
    let Expr::Array(array) = value else {
        errors.push(syn::Error::new(value.span(), hint));
        return Vec::new();
    };
    if array.elems.is_empty() {
        errors.push(syn::Error::new(
            value.span(),
            "`events` needs at least one event type (leave it out for `[\"s3:ObjectCreated:*\"]`)",
        ));
    }
    let mut events: Vec<String> = Vec::new();
    for element in &array.elems {
        let Some(event) = options::string(element, hint, errors) else {
            continue;
        };
        if !S3_EVENT_TYPES.contains(&event.as_str()) {
            let hint = match options::closest(&event, S3_EVENT_TYPES) {
                Some(near) => format!("; did you mean `{near}`?"),
                None => String::new(),
            };
            errors.push(syn::Error::new(
                element.span(),
                format!(
                    "unknown S3 event type `{event}`{hint}\nhelp: the types are: {}",
                    S3_EVENT_TYPES.join(", ")
                ),
            ));
        } else if events.contains(&event) {
            errors.push(syn::Error::new(
                element.span(),
                format!("`{event}` is listed twice"),
            ));
        } else {
            events.push(event);
        }
    }
    events
}

/// `#[on_dynamodb_record]` and `#[on_kinesis_record]`.
fn stream(options: &Options, errors: &mut Errors) -> Option<EventSource> {
    let what = match options.kind {
        Kind::Kinesis => "the stream's name, its ARN, or a stream of `.chalice/resources.json`",
        _ => "the table's stream ARN, or a table of `.chalice/resources.json` (with a stream)",
    };
    let stream = options.required("stream", what, errors);
    let batch_size = match options.number("batch_size", 100, errors) {
        Some((size, span)) => {
            if !(1..=10_000).contains(&size) {
                errors.push(syn::Error::new(
                    span,
                    format!(
                        "`batch_size = {size}` is out of range: it is 1 to 10,000 for a stream"
                    ),
                ));
            }
            size
        }
        None => 100,
    };
    let starting_position = match options.string("starting_position", "\"LATEST\"", errors) {
        Some((position, span)) => {
            if !STARTING_POSITIONS.contains(&position.as_str()) {
                let hint = match options::closest(&position, STARTING_POSITIONS) {
                    Some(near) => format!("; did you mean `{near}`?"),
                    None => String::new(),
                };
                errors.push(syn::Error::new(
                    span,
                    format!(
                        "unknown starting position `{position}`{hint}\nhelp: a stream mapping starts at `LATEST` (new records only) or `TRIM_HORIZON` (the oldest record kept)"
                    ),
                ));
            }
            position
        }
        None => "LATEST".to_owned(),
    };
    let max_batching_window = batching_window(options, errors).map(|(seconds, _)| seconds);
    let stream = stream?;
    Some(match options.kind {
        Kind::Kinesis => EventSource::Kinesis {
            stream,
            batch_size,
            starting_position,
            max_batching_window,
        },
        _ => EventSource::DynamodbStream {
            stream,
            batch_size,
            starting_position,
            max_batching_window,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn source(kind: Kind, attr: TokenStream) -> Result<EventSource, String> {
        let mut errors = Errors::default();
        let declared = declared(kind, attr, &mut errors);
        match errors.finish() {
            Ok(()) => Ok(declared.expect("no error, a declaration").source),
            Err(tokens) => Err(tokens.to_string()),
        }
    }

    #[test]
    fn defaults_are_awss() {
        assert_eq!(
            source(Kind::Sqs, quote! { queue = "Jobs" }).unwrap(),
            EventSource::Sqs {
                queue: "Jobs".into(),
                batch_size: 10,
                max_batching_window: None
            }
        );
        assert_eq!(
            source(Kind::Kinesis, quote! { stream = "Clicks" }).unwrap(),
            EventSource::Kinesis {
                stream: "Clicks".into(),
                batch_size: 100,
                starting_position: "LATEST".into(),
                max_batching_window: None
            }
        );
        assert_eq!(
            source(Kind::S3, quote! { bucket = "Uploads" }).unwrap(),
            EventSource::S3 {
                bucket: "Uploads".into(),
                events: vec!["s3:ObjectCreated:*".into()],
                prefix: None,
                suffix: None
            }
        );
        assert_eq!(
            source(Kind::Schedule, quote! { " cron( 0 3  * * ? * ) " }).unwrap(),
            EventSource::Schedule {
                expression: "cron(0 3 * * ? *)".into(),
                description: None
            }
        );
    }

    #[test]
    fn batch_sizes_follow_the_sources_limits() {
        let ok = |attr| source(Kind::Sqs, attr).is_ok();
        assert!(ok(quote! { queue = "q", batch_size = 10 }));
        assert!(ok(
            quote! { queue = "q", batch_size = 10000, max_batching_window = 1 }
        ));
        assert!(!ok(quote! { queue = "q", batch_size = 11 }));
        assert!(!ok(
            quote! { queue = "q", batch_size = 11, max_batching_window = 0 }
        ));
        assert!(!ok(quote! { queue = "q", batch_size = 0 }));
        assert!(!ok(
            quote! { queue = "q", batch_size = 10001, max_batching_window = 5 }
        ));
        assert!(!ok(
            quote! { queue = "jobs.fifo", batch_size = 11, max_batching_window = 5 }
        ));
        assert!(!ok(quote! { queue = "jobs.fifo", max_batching_window = 5 }));
        assert!(ok(quote! { queue = "jobs.fifo", batch_size = 10 }));
        assert!(!ok(quote! { queue = "q", max_batching_window = 301 }));
        let stream = |attr| source(Kind::Dynamodb, attr).is_ok();
        assert!(stream(
            quote! { stream = "s", batch_size = 10000, starting_position = "TRIM_HORIZON" }
        ));
        assert!(!stream(quote! { stream = "s", batch_size = 10001 }));
        assert!(!stream(
            quote! { stream = "s", starting_position = "AT_TIMESTAMP" }
        ));
    }

    #[test]
    fn patterns_are_json_objects_of_lists() {
        assert!(check_pattern(
            r#"{"source": ["app"], "detail": {"n": [{"numeric": [">", 1]}]}}"#,
            "p",
            "{}"
        )
        .is_ok());
        for (bad, says) in [
            ("[1]", "is a JSON object"),
            ("{}", "at least one field"),
            ("{nope", "is JSON, and this is not"),
            (r#"{"source": "app"}"#, "`source` is `\"app\"`"),
            (r#"{"detail": {"state": 3}}"#, "`detail.state` is `3`"),
        ] {
            let error = check_pattern(bad, "p", "{}").unwrap_err();
            assert!(error.contains(says), "{bad}: {error}");
        }
    }
}

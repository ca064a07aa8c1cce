//! One Lambda function of the app: every function runs the same `bootstrap`
//! and is told apart by its `_HANDLER`.

use crate::config::{EnvValue, FunctionConfig};
use chalice_rs_runtime::manifest::EventSource;
use std::collections::BTreeMap;

/// What invokes a function. A new kind of function (an event source) is a new
/// variant here, resolved in [`super::resolve`] and written by every reader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trigger {
    /// The REST API's Lambda proxy integration (every route).
    RestApi,
    /// API Gateway, as the Lambda authorizer `name`.
    Authorizer {
        /// The authorizer's name.
        name: String,
    },
    /// An event source (a schedule, a queue, a topic, a bucket, a stream),
    /// or nothing but a direct invocation (`#[lambda_function]`).
    Event(EventSource),
    /// The WebSocket API, as the handler of `route_key`.
    Websocket {
        /// `$connect`, `$disconnect`, `$default` or a custom key.
        route_key: String,
    },
}

impl Trigger {
    /// What invokes the function, in a few words, for listings:
    /// `REST API`, `authorizer bearer`, `#[on_sqs_message] WorkQueue`.
    pub fn label(&self) -> String {
        match self {
            Trigger::RestApi => "REST API".to_owned(),
            Trigger::Authorizer { name } => format!("authorizer {name}"),
            Trigger::Websocket { route_key } => format!("WebSocket {route_key}"),
            Trigger::Event(source) => {
                let what = match source {
                    EventSource::Schedule { expression, .. } => expression.clone(),
                    EventSource::EventBridge { pattern, bus } => match bus {
                        Some(bus) => format!("{pattern} on {bus}"),
                        None => pattern.clone(),
                    },
                    EventSource::Sqs { queue, .. } => queue.clone(),
                    EventSource::Sns { topic, .. } => topic.clone(),
                    EventSource::S3 { bucket, .. } => bucket.clone(),
                    EventSource::DynamodbStream { stream, .. }
                    | EventSource::Kinesis { stream, .. } => stream.clone(),
                    EventSource::Invoke => String::new(),
                };
                format!("{} {what}", source.attribute())
                    .trim_end()
                    .to_owned()
            }
        }
    }
}

/// A Lambda function of the app, resolved for one stage.
#[derive(Debug, Clone, PartialEq)]
pub struct Function {
    /// Its key in the config's `lambda_functions` (`api`, or the authorizer's name).
    pub name: String,
    /// The Lambda function's name: [`super::names::function_name`].
    pub function_name: String,
    /// Its `_HANDLER`, which tells the shared `bootstrap` what to run.
    pub handler: String,
    /// What invokes it.
    pub trigger: Trigger,
    /// The template's logical ID of the function.
    pub logical_id: String,
    /// The template's logical ID of its log group.
    pub log_group_id: String,
    /// A one-line description (the function's `Description`).
    pub description: String,
    /// Memory, timeout, role, tags, VPC, tracing, retention.
    pub settings: FunctionConfig,
    /// Its environment: the config's variables and, when the config sets
    /// app-wide CORS, the variable carrying it to the runtime.
    pub environment: BTreeMap<String, EnvValue>,
    /// Its published versions and the stage's alias that its callers
    /// invoke (`lambda_versions`, `traffic_shifting`); `None`: callers
    /// invoke the function itself.
    pub rollout: Option<super::rollout::Rollout>,
    /// Its log format and level (`log_format`, `log_level`).
    pub logs: super::function_logs::FunctionLogs,
}

impl Function {
    /// The Lambda log group's name: `/aws/lambda/<function name>`.
    pub fn log_group_name(&self) -> String {
        format!("/aws/lambda/{}", self.function_name)
    }

    /// The event source of an event or plain function; `None` for the API
    /// function and authorizers.
    pub fn event_source(&self) -> Option<&EventSource> {
        match &self.trigger {
            Trigger::Event(source) => Some(source),
            Trigger::RestApi | Trigger::Authorizer { .. } | Trigger::Websocket { .. } => None,
        }
    }

    /// The logical ID of its alias (`<LogicalId>Alias`), when it has one.
    pub fn alias_id(&self) -> Option<String> {
        self.rollout
            .as_ref()
            .map(|_| format!("{}Alias", self.logical_id))
    }

    /// The schedule expression of a `#[schedule]` function.
    pub fn schedule_expression(&self) -> Option<&str> {
        match self.event_source()? {
            EventSource::Schedule { expression, .. } => Some(expression),
            _ => None,
        }
    }
}

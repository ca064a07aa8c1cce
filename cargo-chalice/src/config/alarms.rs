//! The `alarms` key: CloudWatch alarms on the API and the functions, and
//! who they notify.

use serde::Deserialize;

/// `alarms`: each threshold present makes its alarm; `notify` says who is
/// told.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Alarms {
    /// An email address (a topic with its subscription is created) or the
    /// ARN of an existing SNS topic.
    pub notify: Option<String>,
    /// The API's 5XX responses, as a fraction of its requests over a minute
    /// (`0.05`: 5 %).
    pub api_5xx_rate: Option<f64>,
    /// The API's p99 latency over a minute, in milliseconds.
    pub api_p99_latency_ms: Option<f64>,
    /// Each function's errors in a minute (at least this many).
    pub function_errors: Option<u32>,
    /// Each function's throttled invocations in a minute (at least this many).
    pub function_throttles: Option<u32>,
    /// Each function's longest invocation in a minute, as a fraction of its
    /// timeout (`0.8`: 80 % of `lambda_timeout`).
    pub duration_near_timeout: Option<f64>,
    /// The age of the oldest message of each `#[on_sqs_message]` function's
    /// queue, in seconds.
    pub queue_oldest_message_age_s: Option<u32>,
}

/// The keys of [`Alarms`], for the did-you-mean of unknown keys.
pub const ALARMS_KEYS: &[&str] = &[
    "notify",
    "api_5xx_rate",
    "api_p99_latency_ms",
    "function_errors",
    "function_throttles",
    "duration_near_timeout",
    "queue_oldest_message_age_s",
];

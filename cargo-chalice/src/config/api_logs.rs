//! The `api_logs` key: the API stage's access logs, execution logs, data
//! trace and detailed metrics, and whether the stack sets the account's
//! CloudWatch role that API Gateway logs with.

use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// `api_logs`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ApiLogs {
    /// `true` (a JSON line per request) or an access log format
    /// (`$context.requestId ...`).
    pub access_logs: Option<Value>,
    /// `OFF`, `ERROR` or `INFO`: API Gateway's execution logs.
    pub execution_logging: Option<String>,
    /// Log full requests and responses in the execution logs.
    pub data_trace: Option<bool>,
    /// CloudWatch metrics per method.
    pub detailed_metrics: Option<bool>,
    /// Per route (`METHOD /path`): its own execution logging, data trace
    /// and metrics.
    #[serde(default)]
    pub routes: BTreeMap<String, MethodLogs>,
    /// Create the account's CloudWatch role for API Gateway in this stack
    /// (it is one setting per account and region).
    pub account_role: Option<bool>,
}

/// Logging settings of one route (`api_logs.routes.<route>`).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct MethodLogs {
    /// `OFF`, `ERROR` or `INFO`.
    pub execution_logging: Option<String>,
    /// Log full requests and responses.
    pub data_trace: Option<bool>,
    /// CloudWatch metrics for this method.
    pub detailed_metrics: Option<bool>,
}

/// The keys of [`ApiLogs`].
pub const API_LOGS_KEYS: &[&str] = &[
    "access_logs",
    "execution_logging",
    "data_trace",
    "detailed_metrics",
    "routes",
    "account_role",
];

/// The keys of [`MethodLogs`].
pub const METHOD_LOGS_KEYS: &[&str] = &["execution_logging", "data_trace", "detailed_metrics"];

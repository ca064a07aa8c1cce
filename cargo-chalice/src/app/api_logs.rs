//! The API stage's logs and metrics (`api_logs`), resolved and checked:
//! access logs into a log group of the stage's retention, execution
//! logging, data trace and detailed metrics for the stage and per route,
//! and whether the stack sets the account's CloudWatch role.

use super::rest_api::RestApi;
use super::AppError;
use crate::config::{ApiLogs as ApiLogsConfig, MethodLogs as MethodLogsConfig};

/// The execution logging levels API Gateway takes.
pub const LOGGING_LEVELS: &[&str] = &["OFF", "ERROR", "INFO"];

/// The access log format of `"access_logs": true`: one JSON object per
/// request.
pub const DEFAULT_ACCESS_LOG_FORMAT: &str = concat!(
    r#"{"requestId":"$context.requestId","extendedRequestId":"$context.extendedRequestId","#,
    r#""ip":"$context.identity.sourceIp","requestTime":"$context.requestTime","#,
    r#""httpMethod":"$context.httpMethod","resourcePath":"$context.resourcePath","#,
    r#""status":"$context.status","protocol":"$context.protocol","#,
    r#""responseLength":"$context.responseLength","#,
    r#""integrationLatency":"$context.integrationLatency","#,
    r#""responseLatency":"$context.responseLatency"}"#
);

/// How to give the account its CloudWatch role for API Gateway, once.
pub const SET_ACCOUNT_ROLE: &str = "Set it once: \
    `aws iam create-role --role-name apigateway-cloudwatch --assume-role-policy-document '{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"apigateway.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}'`, \
    `aws iam attach-role-policy --role-name apigateway-cloudwatch --policy-arn arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs`, \
    `aws apigateway update-account --patch-operations op=replace,path=/cloudwatchRoleArn,value=<the role's ARN>`; \
    or let this stack set it with `\"api_logs\": {\"account_role\": true}`";

/// Execution logging, data trace and metrics of a set of methods.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MethodLogging {
    /// `OFF`, `ERROR` or `INFO`; `None`: not set (API Gateway's `OFF`).
    pub logging_level: Option<String>,
    /// Full requests and responses in the execution logs.
    pub data_trace: bool,
    /// CloudWatch metrics per method.
    pub detailed_metrics: bool,
}

impl MethodLogging {
    /// Whether API Gateway writes execution logs with these settings, which
    /// needs the account's CloudWatch role.
    pub fn logs(&self) -> bool {
        self.logging_level.as_deref().is_some_and(|l| l != "OFF") || self.data_trace
    }
}

/// One route's own settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteLogging {
    /// The HTTP method.
    pub method: String,
    /// The resource path, in API Gateway form.
    pub resource_path: String,
    /// Its settings.
    pub logging: MethodLogging,
}

/// The API stage's logs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApiLogs {
    /// The access log format, when access logs are on.
    pub access_log_format: Option<String>,
    /// The access log group's retention (the API function's
    /// `log_retention_in_days`).
    pub retention_in_days: u32,
    /// The stage's settings.
    pub stage: MethodLogging,
    /// The routes' own settings.
    pub routes: Vec<RouteLogging>,
    /// Whether the stack sets the account's CloudWatch role.
    pub account_role: bool,
}

impl ApiLogs {
    /// Whether API Gateway writes logs, which needs the account's
    /// CloudWatch role.
    pub fn needs_account_role(&self) -> bool {
        self.access_log_format.is_some()
            || self.stage.logs()
            || self.routes.iter().any(|r| r.logging.logs())
    }

    /// Whether the stage needs the account's CloudWatch role and the stack
    /// does not set it: `deploy` checks the account first.
    pub fn relies_on_account_role(&self) -> bool {
        self.needs_account_role() && !self.account_role
    }

    /// What `package` says when API Gateway logs but the stack does not
    /// set the account's CloudWatch role.
    pub fn account_role_note(&self) -> Option<String> {
        self.relies_on_account_role().then(|| {
            format!(
                "API Gateway writes this stage's logs with the account's CloudWatch role (one per account and region), which this stack does not set; \
                 if the account has none, API Gateway refuses the stage (`deploy` checks first). {SET_ACCOUNT_ROLE}"
            )
        })
    }
}

/// Resolves `api_logs` for `api`; `retention_in_days` is the API
/// function's.
pub fn resolve(
    config: Option<&ApiLogsConfig>,
    api: &RestApi,
    retention_in_days: u32,
) -> Result<ApiLogs, AppError> {
    let Some(config) = config else {
        return Ok(ApiLogs {
            retention_in_days,
            ..ApiLogs::default()
        });
    };
    let access_log_format = match &config.access_logs {
        None | Some(serde_json::Value::Bool(false)) => None,
        Some(serde_json::Value::Bool(true)) => Some(DEFAULT_ACCESS_LOG_FORMAT.to_owned()),
        Some(serde_json::Value::String(format)) => {
            if !format.contains("$context.requestId")
                && !format.contains("$context.extendedRequestId")
            {
                return Err(AppError::Config(format!(
                    "`api_logs.access_logs` `{format}` has neither `$context.requestId` nor `$context.extendedRequestId`; API Gateway needs one of them in an access log format"
                )));
            }
            Some(format.clone())
        }
        Some(other) => {
            return Err(AppError::Config(format!(
                "`api_logs.access_logs` is {other}; write true or an access log format (`$context.requestId $context.status`)"
            )))
        }
    };
    let stage = method_logging(
        "api_logs",
        &config.execution_logging,
        config.data_trace,
        config.detailed_metrics,
    )?;
    let mut routes = Vec::new();
    for (key, route_config) in &config.routes {
        let MethodLogsConfig {
            execution_logging,
            data_trace,
            detailed_metrics,
        } = route_config;
        let (method, path) = key.split_once(' ').unwrap_or((key.as_str(), ""));
        let method = method.to_ascii_uppercase();
        let route = api
            .routes
            .iter()
            .find(|r| r.method == method && (r.resource_path == path || r.path == path))
            .ok_or_else(|| {
                AppError::Config(format!(
                    "`api_logs.routes`: `{key}` is not a route of the app (write `METHOD /path` as `cargo chalice routes` lists them)"
                ))
            })?;
        // A route's unset keys take the stage's.
        let logging = method_logging(
            &format!("api_logs.routes.{key}"),
            &execution_logging
                .clone()
                .or_else(|| config.execution_logging.clone()),
            data_trace.or(config.data_trace),
            detailed_metrics.or(config.detailed_metrics),
        )?;
        routes.push(RouteLogging {
            method: route.method.clone(),
            resource_path: route.resource_path.clone(),
            logging,
        });
    }
    Ok(ApiLogs {
        access_log_format,
        retention_in_days,
        stage,
        routes,
        account_role: config.account_role.unwrap_or(false),
    })
}

/// The settings at `at`, the level checked.
fn method_logging(
    at: &str,
    level: &Option<String>,
    data_trace: Option<bool>,
    detailed_metrics: Option<bool>,
) -> Result<MethodLogging, AppError> {
    if let Some(level) = level {
        if !LOGGING_LEVELS.contains(&level.as_str()) {
            return Err(AppError::Config(format!(
                "`{at}.execution_logging` is `{level}`; API Gateway takes {}",
                LOGGING_LEVELS.join(", ")
            )));
        }
    }
    Ok(MethodLogging {
        logging_level: level.clone(),
        data_trace: data_trace.unwrap_or(false),
        detailed_metrics: detailed_metrics.unwrap_or(false),
    })
}

//! The stage's CloudWatch alarms (`alarms`), resolved: one [`Alarm`] per
//! threshold and per thing it watches (the API; each function; each queue
//! an `#[on_sqs_message]` function reads), and the SNS topic they notify.
//! The template writes them (`template::alarms`); a function's alarms (and
//! the API's, for the API function) also roll back its traffic shifting.

use super::events::sources::{Place, SourceKind};
use super::events::{EventFunction, Wiring};
use super::function::Function;
use super::rest_api::RestApi;
use super::AppError;
use crate::cfn::model::Expr;
use crate::config::Alarms as AlarmsConfig;

/// Who the alarms notify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notify {
    /// An email address: the stack creates a topic with its subscription
    /// (AWS mails a confirmation link first).
    Email(String),
    /// An existing SNS topic's ARN.
    Topic(String),
}

/// How a metric is reduced over a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Statistic {
    /// `Sum`, `Average`, `Maximum`...
    Plain(&'static str),
    /// A percentile: `p99`.
    Percentile(&'static str),
}

/// One alarm.
#[derive(Debug, Clone, PartialEq)]
pub struct Alarm {
    /// Its logical ID (`Api5xxAlarm`, `APIHandlerErrorsAlarm`).
    pub logical_id: String,
    /// The `lambda_functions` key of the function it watches, `None` for
    /// the API's and a queue's.
    pub function: Option<String>,
    /// What it says when it fires.
    pub description: String,
    /// `AWS/ApiGateway`, `AWS/Lambda`, `AWS/SQS`.
    pub namespace: &'static str,
    /// `5XXError`, `Errors`...
    pub metric: &'static str,
    /// The metric's dimensions.
    pub dimensions: Vec<(&'static str, Expr)>,
    /// How the metric is reduced over a minute.
    pub statistic: Statistic,
    /// The threshold.
    pub threshold: f64,
    /// `GreaterThanThreshold` or `GreaterThanOrEqualToThreshold`.
    pub comparison: &'static str,
}

/// The stage's alarms.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Alarms {
    /// Who is told; `None`: the alarms only show in CloudWatch (and stop
    /// traffic shifting).
    pub notify: Option<Notify>,
    /// The alarms, the API's first, then per function.
    pub alarms: Vec<Alarm>,
}

impl Alarms {
    /// The alarms that stop a traffic shift of `function`: its own, and
    /// the API's for the API function.
    pub fn rolling_back(&self, function: &Function) -> Vec<&Alarm> {
        let api = function.trigger == super::function::Trigger::RestApi;
        self.alarms
            .iter()
            .filter(|a| match &a.function {
                Some(name) => *name == function.name,
                None => api && a.namespace == API_NAMESPACE,
            })
            .collect()
    }
}

/// API Gateway's metrics' namespace.
pub const API_NAMESPACE: &str = "AWS/ApiGateway";
/// Lambda's metrics' namespace.
pub const LAMBDA_NAMESPACE: &str = "AWS/Lambda";

/// Resolves the stage's `alarms` for the app's API and functions.
pub fn resolve(
    config: Option<&AlarmsConfig>,
    app_name: &str,
    rest_api: Option<&RestApi>,
    functions: &[Function],
    events: &[EventFunction],
) -> Result<Alarms, AppError> {
    let Some(config) = config else {
        return Ok(Alarms::default());
    };
    let invalid =
        |key: &str, message: String| AppError::Config(format!("`alarms.{key}` {message}"));
    let fraction = |key: &str, value: Option<f64>| match value {
        Some(v) if !(v > 0.0 && v <= 1.0) => Err(invalid(
            key,
            format!("is {v}; write a fraction above 0 and at most 1 (0.05 for 5 %)"),
        )),
        _ => Ok(()),
    };
    fraction("api_5xx_rate", config.api_5xx_rate)?;
    fraction("duration_near_timeout", config.duration_near_timeout)?;
    if let Some(ms) = config.api_p99_latency_ms.filter(|ms| *ms <= 0.0) {
        return Err(invalid(
            "api_p99_latency_ms",
            format!("is {ms}; write milliseconds above 0"),
        ));
    }
    for (key, value) in [
        ("function_errors", config.function_errors),
        ("function_throttles", config.function_throttles),
        (
            "queue_oldest_message_age_s",
            config.queue_oldest_message_age_s,
        ),
    ] {
        if value == Some(0) {
            return Err(invalid(key, "is 0; write 1 or more".to_owned()));
        }
    }
    let notify = config.notify.as_deref().map(notify).transpose()?;
    let mut alarms = Vec::new();
    if let Some(api) = rest_api {
        let dimensions = || {
            vec![
                ("ApiName", Expr::str(app_name)),
                ("Stage", Expr::str(&api.stage_name)),
            ]
        };
        if let Some(rate) = config.api_5xx_rate {
            alarms.push(Alarm {
                logical_id: "Api5xxAlarm".to_owned(),
                function: None,
                description: format!(
                    "{app_name} API (stage {}): more than {} % of requests answered 5XX in a minute",
                    api.stage_name,
                    rate * 100.0
                ),
                namespace: API_NAMESPACE,
                metric: "5XXError",
                dimensions: dimensions(),
                statistic: Statistic::Plain("Average"),
                threshold: rate,
                comparison: "GreaterThanThreshold",
            });
        }
        if let Some(ms) = config.api_p99_latency_ms {
            alarms.push(Alarm {
                logical_id: "ApiLatencyAlarm".to_owned(),
                function: None,
                description: format!(
                    "{app_name} API (stage {}): p99 latency above {ms} ms in a minute",
                    api.stage_name
                ),
                namespace: API_NAMESPACE,
                metric: "Latency",
                dimensions: dimensions(),
                statistic: Statistic::Percentile("p99"),
                threshold: ms,
                comparison: "GreaterThanThreshold",
            });
        }
    }
    for function in functions {
        let dimensions = || vec![("FunctionName", Expr::str(&function.function_name))];
        let mut add = |suffix: &str, what: String, metric, statistic, threshold, comparison| {
            alarms.push(Alarm {
                logical_id: format!("{}{suffix}Alarm", function.logical_id),
                function: Some(function.name.clone()),
                description: format!("{}: {what}", function.function_name),
                namespace: LAMBDA_NAMESPACE,
                metric,
                dimensions: dimensions(),
                statistic,
                threshold,
                comparison,
            });
        };
        if let Some(errors) = config.function_errors {
            add(
                "Errors",
                format!("{errors} or more errors in a minute"),
                "Errors",
                Statistic::Plain("Sum"),
                f64::from(errors),
                "GreaterThanOrEqualToThreshold",
            );
        }
        if let Some(throttles) = config.function_throttles {
            add(
                "Throttles",
                format!("{throttles} or more throttled invocations in a minute"),
                "Throttles",
                Statistic::Plain("Sum"),
                f64::from(throttles),
                "GreaterThanOrEqualToThreshold",
            );
        }
        if let Some(fraction) = config.duration_near_timeout {
            let timeout_ms = f64::from(function.settings.lambda_timeout) * 1000.0;
            let threshold = (timeout_ms * fraction).round();
            add(
                "Duration",
                format!(
                    "an invocation took {threshold} ms or more, {} % of its {} s timeout",
                    fraction * 100.0,
                    function.settings.lambda_timeout
                ),
                "Duration",
                Statistic::Plain("Maximum"),
                threshold,
                "GreaterThanOrEqualToThreshold",
            );
        }
    }
    if let Some(age) = config.queue_oldest_message_age_s {
        for event in events {
            let Wiring::Mapping { source, .. } = &event.wiring else {
                continue;
            };
            if source.kind != SourceKind::Queue {
                continue;
            }
            let queue_name = match &source.place {
                Place::Declared { logical_id, .. } => Expr::get_att(logical_id, "QueueName"),
                Place::External {
                    name: Some(name), ..
                } => Expr::str(name),
                Place::External { name: None, .. } => continue,
            };
            alarms.push(Alarm {
                logical_id: format!("{}QueueAgeAlarm", event.stem),
                function: None,
                description: format!(
                    "the queue of {}: its oldest message is {age} s old or more",
                    event.describe()
                ),
                namespace: "AWS/SQS",
                metric: "ApproximateAgeOfOldestMessage",
                dimensions: vec![("QueueName", queue_name)],
                statistic: Statistic::Plain("Maximum"),
                threshold: f64::from(age),
                comparison: "GreaterThanOrEqualToThreshold",
            });
        }
    }
    Ok(Alarms { notify, alarms })
}

/// `notify`: an email address or an SNS topic's ARN.
fn notify(text: &str) -> Result<Notify, AppError> {
    if let Some(rest) = text.strip_prefix("arn:") {
        let parts: Vec<&str> = rest.split(':').collect();
        if parts.len() == 5 && parts[1] == "sns" && !parts[4].is_empty() {
            return Ok(Notify::Topic(text.to_owned()));
        }
        return Err(AppError::Config(format!(
            "`alarms.notify` `{text}` is not an SNS topic's ARN (arn:aws:sns:<region>:<account>:<topic>)"
        )));
    }
    let (user, domain) = text.split_once('@').unwrap_or_default();
    let valid = !user.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !text.chars().any(|c| c.is_whitespace() || c == ',');
    if valid {
        Ok(Notify::Email(text.to_owned()))
    } else {
        Err(AppError::Config(format!(
            "`alarms.notify` `{text}` is neither an email address nor an SNS topic's ARN"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notify_takes_an_email_or_a_topic() {
        assert_eq!(
            notify("ops@example.com").unwrap(),
            Notify::Email("ops@example.com".to_owned())
        );
        let topic = "arn:aws:sns:eu-west-1:123456789012:ops";
        assert_eq!(notify(topic).unwrap(), Notify::Topic(topic.to_owned()));
        for bad in [
            "ops",
            "ops@example",
            "arn:aws:sqs:eu-west-1:1:q",
            "a b@example.com",
        ] {
            let message = notify(bad).unwrap_err().to_string();
            assert!(
                message.contains(&format!("`alarms.notify` `{bad}`")),
                "{message}"
            );
        }
    }

    #[test]
    fn thresholds_out_of_range_are_refused() {
        for (config, says) in [
            (
                AlarmsConfig {
                    api_5xx_rate: Some(5.0),
                    ..Default::default()
                },
                "`alarms.api_5xx_rate` is 5; write a fraction",
            ),
            (
                AlarmsConfig {
                    function_errors: Some(0),
                    ..Default::default()
                },
                "`alarms.function_errors` is 0",
            ),
        ] {
            let message = resolve(Some(&config), "app", None, &[], &[])
                .unwrap_err()
                .to_string();
            assert!(message.contains(says), "{message}");
        }
    }
}

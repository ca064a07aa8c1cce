//! `cargo chalice logs`: the deployed functions' CloudWatch Logs, once or followed.

use super::state::DeployedResource;
use crate::app::names;
use crate::aws::{call_error, error_code, Aws, AwsError};
use std::collections::HashSet;
use std::io::Write;
use std::time::Duration;

/// The shortest pause between two polls of `--follow`.
const MIN_POLL: Duration = Duration::from_secs(1);
/// The longest pause between two polls of `--follow` (when nothing comes).
const MAX_POLL: Duration = Duration::from_secs(5);

/// Why logs cannot be shown.
#[derive(Debug, thiserror::Error)]
pub enum LogsError {
    /// `--since` is not a duration.
    #[error("`--since {0}` is not a duration; write a number and a unit: 30s, 10m, 2h, 1d")]
    Since(String),
    /// `--name` names no function of the stage.
    #[error("no function `{name}` in this stage{suggestion}; its functions are: {known}")]
    UnknownFunction {
        /// The name asked for.
        name: String,
        /// ` (did you mean `x`?)` or empty.
        suggestion: String,
        /// The stage's functions.
        known: String,
    },
    /// The stage has no function.
    #[error("the deployed stack has no Lambda function")]
    NoFunction,
    /// A call failed.
    #[error(transparent)]
    Aws(#[from] AwsError),
    /// Writing to the output failed.
    #[error("cannot write the logs: {0}")]
    Write(std::io::Error),
}

/// A function whose logs are read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogSource {
    /// The function's name in Lambda.
    pub function: String,
    /// Its log group.
    pub log_group: String,
}

/// Parses `--since`: `30s`, `10m`, `2h`, `1d` (a bare number is minutes).
pub fn parse_since(text: &str) -> Result<Duration, LogsError> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number
        .parse()
        .map_err(|_| LogsError::Since(text.to_owned()))?;
    let seconds = match unit.trim() {
        "s" | "sec" | "secs" => 1,
        "" | "m" | "min" | "mins" => 60,
        "h" | "hour" | "hours" => 3600,
        "d" | "day" | "days" => 86_400,
        _ => return Err(LogsError::Since(text.to_owned())),
    };
    number
        .checked_mul(seconds)
        .map(Duration::from_secs)
        .ok_or_else(|| LogsError::Since(text.to_owned()))
}

/// The functions of a stack's resources, all or the one `name` designates:
/// its key in `lambda_functions` (`api`, an authorizer's or an event
/// function's name: the Lambda function `<stack>[-<name>]`), its Lambda
/// name, or its logical ID (any case); each with its log group.
pub fn select_functions(
    resources: &[DeployedResource],
    stack: &str,
    name: Option<&str>,
) -> Result<Vec<LogSource>, LogsError> {
    let functions: Vec<&DeployedResource> = resources
        .iter()
        .filter(|r| r.resource_type == "AWS::Lambda::Function" && !r.physical_id.is_empty())
        .collect();
    if functions.is_empty() {
        return Err(LogsError::NoFunction);
    }
    // The `lambda_functions` key of a function: `api` for the stack's own
    // name, else what follows `<stack>-`.
    let key = |r: &DeployedResource| -> String {
        if r.physical_id == stack {
            names::API_HANDLER.to_owned()
        } else {
            r.physical_id
                .strip_prefix(&format!("{stack}-"))
                .unwrap_or(&r.physical_id)
                .to_owned()
        }
    };
    let chosen: Vec<&DeployedResource> = match name {
        None => functions.clone(),
        Some(name) => {
            let by = |matches: &dyn Fn(&DeployedResource) -> bool| -> Vec<&DeployedResource> {
                functions.iter().copied().filter(|r| matches(r)).collect()
            };
            let mut chosen = by(&|r| key(r) == name);
            if chosen.is_empty() {
                chosen = by(&|r| r.physical_id == name);
            }
            if chosen.is_empty() {
                chosen = by(&|r| r.logical_id.eq_ignore_ascii_case(name));
            }
            chosen
        }
    };
    if chosen.is_empty() {
        let keys: Vec<String> = functions.iter().map(|r| key(r)).collect();
        let name = name.unwrap_or_default();
        let suggestion = crate::suggest::closest(name, keys.iter().map(String::as_str))
            .map(|close| format!(" (did you mean `{close}`?)"))
            .unwrap_or_default();
        let known: Vec<String> = functions
            .iter()
            .map(|r| format!("{} ({})", key(r), r.physical_id))
            .collect();
        return Err(LogsError::UnknownFunction {
            name: name.to_owned(),
            suggestion,
            known: known.join(", "),
        });
    }
    // Each function has its own log group (its LoggingConfig), named after
    // its logical ID ([`names::log_group_id_of`]); else Lambda's default group.
    let log_group = |function: &DeployedResource| {
        let ids = [
            names::log_group_id_of(&function.logical_id),
            format!("{}LogGroup", function.logical_id),
        ];
        ids.iter()
            .find_map(|id| {
                resources.iter().find(|r| {
                    r.resource_type == "AWS::Logs::LogGroup"
                        && &r.logical_id == id
                        && !r.physical_id.is_empty()
                })
            })
            .map(|r| r.physical_id.clone())
            .unwrap_or_else(|| format!("/aws/lambda/{}", function.physical_id))
    };
    Ok(chosen
        .into_iter()
        .map(|r| LogSource {
            function: r.physical_id.clone(),
            log_group: log_group(r),
        })
        .collect())
}

/// One log line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    /// Milliseconds since the Unix epoch.
    pub timestamp: i64,
    /// The function.
    pub function: String,
    /// The message, without its trailing newline.
    pub message: String,
}

impl std::fmt::Display for LogLine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {} {}",
            format_timestamp(self.timestamp),
            self.function,
            self.message
        )
    }
}

/// Where one log group was read up to.
#[derive(Debug)]
struct Cursor {
    source: LogSource,
    start: i64,
    seen_at_start: HashSet<String>,
}

impl Cursor {
    /// The events from `start` on, not yet returned, all pages.
    async fn poll(
        &mut self,
        client: &aws_sdk_cloudwatchlogs::Client,
    ) -> Result<Vec<LogLine>, LogsError> {
        let mut lines = Vec::new();
        let mut token: Option<String> = None;
        let mut newest = self.start;
        let mut at_newest: HashSet<String> = HashSet::new();
        for _page in 0..1000 {
            let answer = client
                .filter_log_events()
                .log_group_name(&self.source.log_group)
                .start_time(self.start)
                .set_next_token(token.clone())
                .send()
                .await;
            let page = match answer {
                Ok(page) => page,
                // No group yet: the function has not run (or not logged).
                Err(error) if error_code(&error) == Some("ResourceNotFoundException") => {
                    return Ok(Vec::new())
                }
                Err(error) => {
                    return Err(call_error("CloudWatchLogs.FilterLogEvents", error).into())
                }
            };
            for event in page.events() {
                let timestamp = event.timestamp().unwrap_or(self.start);
                let id = event.event_id().unwrap_or_default().to_owned();
                if timestamp == self.start && self.seen_at_start.contains(&id) {
                    continue;
                }
                if timestamp > newest {
                    newest = timestamp;
                    at_newest.clear();
                }
                if timestamp == newest {
                    at_newest.insert(id);
                }
                lines.push(LogLine {
                    timestamp,
                    function: self.source.function.clone(),
                    message: event.message().unwrap_or_default().trim_end().to_owned(),
                });
            }
            token = page.next_token().map(str::to_owned);
            if token.is_none() {
                break;
            }
        }
        if newest > self.start {
            self.start = newest;
            self.seen_at_start = at_newest;
        } else {
            self.seen_at_start.extend(at_newest);
        }
        Ok(lines)
    }
}

/// Prints the logs of `sources` since `since` ago; with `follow`, keeps
/// polling (1 to 5 s apart) until Ctrl-C.
pub async fn show(
    aws: &Aws,
    sources: Vec<LogSource>,
    since: Duration,
    follow: bool,
    out: &mut impl Write,
) -> Result<(), LogsError> {
    let client = aws.logs();
    let start = now_millis() - i64::try_from(since.as_millis()).unwrap_or(i64::MAX / 2);
    let mut cursors: Vec<Cursor> = sources
        .into_iter()
        .map(|source| Cursor {
            source,
            start,
            seen_at_start: HashSet::new(),
        })
        .collect();
    let mut interval = MIN_POLL;
    let reading = async {
        loop {
            let mut lines = Vec::new();
            for cursor in &mut cursors {
                lines.extend(cursor.poll(&client).await?);
            }
            lines.sort_by_key(|l| l.timestamp);
            for line in &lines {
                match writeln!(out, "{line}") {
                    Ok(()) => {}
                    // The reader went away (`| head`): stop quietly.
                    Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => return Ok(()),
                    Err(error) => return Err(LogsError::Write(error)),
                }
            }
            out.flush().map_err(LogsError::Write)?;
            if !follow {
                return Ok(());
            }
            interval = if lines.is_empty() {
                (interval * 2).min(MAX_POLL)
            } else {
                MIN_POLL
            };
            tokio::time::sleep(interval).await;
        }
    };
    if !follow {
        return reading.await;
    }
    // One Ctrl-C listener for the whole follow, so that a Ctrl-C during a
    // poll is not missed.
    tokio::select! {
        result = reading => result,
        _ = tokio::signal::ctrl_c() => Ok(()),
    }
}

fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or_default()
}

/// `YYYY-MM-DD HH:MM:SS.mmm` (UTC) of a time in milliseconds since the epoch.
pub fn format_timestamp(millis: i64) -> String {
    let secs = millis.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let day_secs = secs.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}.{:03}",
        day_secs / 3600,
        day_secs % 3600 / 60,
        day_secs % 60,
        millis.rem_euclid(1000)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resource(logical: &str, physical: &str, kind: &str) -> DeployedResource {
        DeployedResource {
            logical_id: logical.to_owned(),
            physical_id: physical.to_owned(),
            resource_type: kind.to_owned(),
        }
    }

    #[test]
    fn since_durations() {
        assert_eq!(parse_since("30s").unwrap(), Duration::from_secs(30));
        assert_eq!(parse_since("10m").unwrap(), Duration::from_secs(600));
        assert_eq!(parse_since("10").unwrap(), Duration::from_secs(600));
        assert_eq!(parse_since("2h").unwrap(), Duration::from_secs(7200));
        assert_eq!(parse_since("1d").unwrap(), Duration::from_secs(86_400));
        assert!(matches!(parse_since("ten"), Err(LogsError::Since(_))));
        assert!(matches!(parse_since("5y"), Err(LogsError::Since(_))));
        assert!(matches!(parse_since(""), Err(LogsError::Since(_))));
    }

    #[test]
    fn functions_by_name() {
        let resources = vec![
            resource("APIHandler", "hello-dev", "AWS::Lambda::Function"),
            resource(
                "AuthorizeAuthorizerHandler",
                "hello-dev-authorize",
                "AWS::Lambda::Function",
            ),
            resource(
                "AuthorizeAuthorizerLogGroup",
                "hello-dev-AuthorizeAuthorizerLogGroup-A1",
                "AWS::Logs::LogGroup",
            ),
            resource(
                "NightlyReportFunction",
                "hello-dev-nightly_report",
                "AWS::Lambda::Function",
            ),
            resource(
                "NightlyReportLogGroup",
                "hello-dev-NightlyReportLogGroup-N1",
                "AWS::Logs::LogGroup",
            ),
            resource(
                "ReportFunction",
                "hello-dev-report",
                "AWS::Lambda::Function",
            ),
            resource(
                "APIHandlerLogGroup",
                "hello-dev-APIHandlerLogGroup-X1",
                "AWS::Logs::LogGroup",
            ),
            resource("RestAPI", "abc", "AWS::ApiGateway::RestApi"),
        ];
        let select = |name: Option<&str>| select_functions(&resources, "hello-dev", name);
        assert_eq!(select(None).unwrap().len(), 4);
        assert_eq!(
            select(Some("api")).unwrap(),
            vec![LogSource {
                function: "hello-dev".to_owned(),
                log_group: "hello-dev-APIHandlerLogGroup-X1".to_owned()
            }]
        );
        // Each function by its `lambda_functions` key, with its own log group.
        assert_eq!(
            select(Some("authorize")).unwrap(),
            vec![LogSource {
                function: "hello-dev-authorize".to_owned(),
                log_group: "hello-dev-AuthorizeAuthorizerLogGroup-A1".to_owned()
            }]
        );
        assert_eq!(
            select(Some("nightly_report")).unwrap(),
            vec![LogSource {
                function: "hello-dev-nightly_report".to_owned(),
                log_group: "hello-dev-NightlyReportLogGroup-N1".to_owned()
            }]
        );
        // `report` is one function, not every name ending in it; without a
        // log group of its own, Lambda's default.
        assert_eq!(
            select(Some("report")).unwrap(),
            vec![LogSource {
                function: "hello-dev-report".to_owned(),
                log_group: "/aws/lambda/hello-dev-report".to_owned()
            }]
        );
        // By Lambda name and by logical ID.
        assert_eq!(select(Some("hello-dev")).unwrap()[0].function, "hello-dev");
        assert_eq!(
            select(Some("nightlyreportfunction")).unwrap()[0].function,
            "hello-dev-nightly_report"
        );
        let error = select(Some("nightly_reprot")).unwrap_err().to_string();
        assert!(
            error.starts_with("no function `nightly_reprot` in this stage (did you mean `nightly_report`?); its functions are: api (hello-dev), authorize (hello-dev-authorize)"),
            "{error}"
        );
        assert!(matches!(
            select_functions(&resources[7..], "hello-dev", None),
            Err(LogsError::NoFunction)
        ));
    }

    #[test]
    fn timestamps() {
        assert_eq!(format_timestamp(0), "1970-01-01 00:00:00.000");
        assert_eq!(
            format_timestamp(1_709_251_199_123),
            "2024-02-29 23:59:59.123"
        );
        assert_eq!(format_timestamp(951_782_400_000), "2000-02-29 00:00:00.000");
    }
}

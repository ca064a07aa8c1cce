//! The CloudFormation stack of a stage: change sets, progress from the stack
//! events, bounded waits, and plain messages when a stack fails.

use crate::aws::{call_error, error_code, AwsError};
use aws_sdk_cloudformation::types::{
    Capability, ChangeAction, ChangeSetType, Replacement, StackEvent,
};
use aws_sdk_cloudformation::Client;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::collections::HashSet;
use std::time::{Duration, Instant};

/// How long to wait for a change set to be computed.
pub const CHANGE_SET_TIMEOUT: Duration = Duration::from_secs(5 * 60);
/// How long to wait for a stack operation to finish.
pub const STACK_TIMEOUT: Duration = Duration::from_secs(45 * 60);
/// The longest pause between two polls.
const MAX_POLL_INTERVAL: Duration = Duration::from_secs(3);

/// Why a stack operation did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum StackError {
    /// The stack ended in a failed state.
    #[error("stack {stack} ended in {status}{reason}{failures}\n  fix the cause and run `cargo chalice deploy` again")]
    Failed {
        /// The stack.
        stack: String,
        /// Its final status.
        status: String,
        /// `: <the stack's reason>` or empty.
        reason: String,
        /// One line per failed resource, each starting with a newline.
        failures: String,
    },
    /// CloudFormation refused the change set.
    #[error("CloudFormation refused the change for stack {stack}: {reason}")]
    ChangeSetFailed {
        /// The stack.
        stack: String,
        /// CloudFormation's reason.
        reason: String,
    },
    /// The stack is in a state that a deploy cannot continue from.
    #[error("stack {stack} is {status}: {help}")]
    Stuck {
        /// The stack.
        stack: String,
        /// Its status.
        status: String,
        /// What to do.
        help: &'static str,
    },
    /// A wait ran out of time.
    #[error("stack {stack} is still {status} after {minutes} min; CloudFormation goes on with it, run the command again later")]
    Timeout {
        /// The stack.
        stack: String,
        /// The last status seen.
        status: String,
        /// How long we waited.
        minutes: u64,
    },
    /// An API call failed.
    #[error(transparent)]
    Aws(#[from] AwsError),
}

/// Where a stack status leads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// An operation is running.
    InProgress,
    /// The last operation succeeded.
    Complete,
    /// The last operation failed (rolled back or not).
    Failed,
}

/// The phase of a CloudFormation stack status.
pub fn phase(status: &str) -> Phase {
    if status.ends_with("_IN_PROGRESS") {
        Phase::InProgress
    } else if matches!(
        status,
        "CREATE_COMPLETE" | "UPDATE_COMPLETE" | "DELETE_COMPLETE" | "IMPORT_COMPLETE"
    ) {
        Phase::Complete
    } else {
        Phase::Failed
    }
}

/// A stack as `DescribeStacks` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackInfo {
    /// The stack's ARN.
    pub stack_id: String,
    /// Its status (`CREATE_COMPLETE`).
    pub status: String,
    /// Its outputs, (key, value).
    pub outputs: Vec<(String, String)>,
}

impl StackInfo {
    /// The value of output `key`.
    pub fn output(&self, key: &str) -> Option<&str> {
        self.outputs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// The stack named (or with the ARN) `stack`; `None` when it does not exist.
pub async fn describe(cf: &Client, stack: &str) -> Result<Option<StackInfo>, StackError> {
    let answer = match cf.describe_stacks().stack_name(stack).send().await {
        Ok(answer) => answer,
        Err(error) => {
            let missing = error_code(&error) == Some("ValidationError")
                && aws_sdk_cloudformation::error::ProvideErrorMetadata::message(&error)
                    .is_some_and(|m| m.contains("does not exist"));
            if missing {
                return Ok(None);
            }
            return Err(call_error("CloudFormation.DescribeStacks", error).into());
        }
    };
    let Some(found) = answer.stacks().first() else {
        return Ok(None);
    };
    Ok(Some(StackInfo {
        stack_id: found.stack_id().unwrap_or(stack).to_owned(),
        status: found
            .stack_status()
            .map(|s| s.as_str().to_owned())
            .unwrap_or_default(),
        outputs: found
            .outputs()
            .iter()
            .filter_map(|o| Some((o.output_key()?.to_owned(), o.output_value()?.to_owned())))
            .collect(),
    }))
}

/// The template given to a change set.
#[derive(Debug, Clone)]
pub enum TemplateSource {
    /// Inline (up to 51,200 bytes).
    Body(String),
    /// An uploaded template's URL.
    Url(String),
}

/// One line of a change set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedChange {
    /// Add, Modify, Remove...
    pub action: String,
    /// The logical ID.
    pub logical_id: String,
    /// The resource type.
    pub resource_type: String,
    /// Whether a Modify replaces the resource (`True`, `Conditional`).
    pub replacement: Option<String>,
}

impl std::fmt::Display for PlannedChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sign = match self.action.as_str() {
            "Add" => "+",
            "Remove" => "-",
            "Modify" => "~",
            _ => "*",
        };
        write!(
            f,
            "  {sign} {:<7} {} ({})",
            self.action, self.logical_id, self.resource_type
        )?;
        match self.replacement.as_deref() {
            Some("True") => write!(f, " [replaced]"),
            Some("Conditional") => write!(f, " [may be replaced]"),
            _ => Ok(()),
        }
    }
}

/// A computed change set.
#[derive(Debug, Clone)]
pub struct ChangeSet {
    /// Its ARN.
    pub id: String,
    /// The stack's ARN.
    pub stack_id: String,
    /// Its changes; empty means there is nothing to do.
    pub changes: Vec<PlannedChange>,
}

/// Creates a change set for `stack` and waits until it is computed.
/// Returns `None` when CloudFormation finds no change (the change set is deleted).
pub async fn create_change_set(
    cf: &Client,
    stack: &str,
    create: bool,
    template: &TemplateSource,
) -> Result<Option<ChangeSet>, StackError> {
    let name = format!("chalice-rs-{}", unix_millis());
    let mut request = cf
        .create_change_set()
        .stack_name(stack)
        .change_set_name(&name)
        .change_set_type(if create {
            ChangeSetType::Create
        } else {
            ChangeSetType::Update
        })
        .capabilities(Capability::CapabilityIam)
        .capabilities(Capability::CapabilityNamedIam)
        .capabilities(Capability::CapabilityAutoExpand)
        .description("cargo chalice deploy");
    request = match template {
        TemplateSource::Body(body) => request.template_body(body),
        TemplateSource::Url(url) => request.template_url(url),
    };
    let created = request
        .send()
        .await
        .map_err(|e| call_error("CloudFormation.CreateChangeSet", e))?;
    let id = created.id().unwrap_or(&name).to_owned();
    let stack_id = created.stack_id().unwrap_or(stack).to_owned();
    let started = Instant::now();
    let mut interval = Duration::from_millis(100);
    loop {
        let mut changes = Vec::new();
        let mut token: Option<String> = None;
        let mut status = String::new();
        let mut reason = String::new();
        for _page in 0..100 {
            let page = cf
                .describe_change_set()
                .change_set_name(&id)
                .stack_name(&stack_id)
                .set_next_token(token.clone())
                .send()
                .await
                .map_err(|e| call_error("CloudFormation.DescribeChangeSet", e))?;
            status = page
                .status()
                .map(|s| s.as_str().to_owned())
                .unwrap_or_default();
            reason = page.status_reason().unwrap_or_default().to_owned();
            changes.extend(
                page.changes()
                    .iter()
                    .filter_map(|c| c.resource_change())
                    .map(|r| PlannedChange {
                        action: r
                            .action()
                            .map(ChangeAction::as_str)
                            .unwrap_or("?")
                            .to_owned(),
                        logical_id: r.logical_resource_id().unwrap_or("?").to_owned(),
                        resource_type: r.resource_type().unwrap_or("?").to_owned(),
                        replacement: r.replacement().map(Replacement::as_str).map(str::to_owned),
                    }),
            );
            token = page.next_token().map(str::to_owned);
            if token.is_none() || status != "CREATE_COMPLETE" {
                break;
            }
        }
        match status.as_str() {
            "CREATE_COMPLETE" => {
                return Ok(Some(ChangeSet {
                    id,
                    stack_id,
                    changes,
                }))
            }
            "FAILED" => {
                if is_no_change(&reason) {
                    // Nothing to do: leave no change set behind.
                    let _ = cf
                        .delete_change_set()
                        .change_set_name(&id)
                        .stack_name(&stack_id)
                        .send()
                        .await;
                    return Ok(None);
                }
                return Err(StackError::ChangeSetFailed {
                    stack: stack.to_owned(),
                    reason,
                });
            }
            _ => {}
        }
        if started.elapsed() > CHANGE_SET_TIMEOUT {
            return Err(StackError::Timeout {
                stack: stack.to_owned(),
                status: format!("computing change set {name} ({status})"),
                minutes: CHANGE_SET_TIMEOUT.as_secs() / 60,
            });
        }
        tokio::time::sleep(interval).await;
        interval = (interval * 2).min(MAX_POLL_INTERVAL);
    }
}

/// Whether a failed change set's reason means "no changes".
pub fn is_no_change(reason: &str) -> bool {
    reason.contains("didn't contain changes") || reason.contains("No updates are to be performed")
}

/// The ID of the newest event of `stack`, to show only the events after it.
pub async fn newest_event(cf: &Client, stack: &str) -> Result<Option<String>, StackError> {
    let page = cf
        .describe_stack_events()
        .stack_name(stack)
        .send()
        .await
        .map_err(|e| call_error("CloudFormation.DescribeStackEvents", e))?;
    Ok(page
        .stack_events()
        .first()
        .and_then(|e| e.event_id())
        .map(str::to_owned))
}

/// Executes a change set.
pub async fn execute(cf: &Client, change_set: &ChangeSet) -> Result<(), StackError> {
    cf.execute_change_set()
        .change_set_name(&change_set.id)
        .stack_name(&change_set.stack_id)
        .send()
        .await
        .map_err(|e| call_error("CloudFormation.ExecuteChangeSet", e))?;
    Ok(())
}

/// Starts deleting a stack.
pub async fn start_delete(cf: &Client, stack: &str) -> Result<(), StackError> {
    cf.delete_stack()
        .stack_name(stack)
        .send()
        .await
        .map_err(|e| call_error("CloudFormation.DeleteStack", e))?;
    Ok(())
}

/// Follows the events of `stack_id` after event `since`, with a progress
/// display, until the stack's operation ends or `timeout` passes.
///
/// `name` is the stack's name for messages, `total` the number of resources
/// the operation touches (for the progress bar). A stack that ends in a failed
/// state gives [`StackError::Failed`] with the failed resources and reasons.
pub async fn wait(
    cf: &Client,
    name: &str,
    stack_id: &str,
    since: Option<String>,
    total: usize,
    timeout: Duration,
) -> Result<StackInfo, StackError> {
    let progress = Progress::new(name, total);
    let mut events = EventCursor::new(since);
    let mut failures: Vec<String> = Vec::new();
    let mut failed_nested: Vec<(String, String)> = Vec::new();
    let mut started_at: Option<i64> = None;
    let started = Instant::now();
    let mut interval = Duration::from_millis(250);
    loop {
        let info = describe(cf, stack_id).await?;
        // Events are read after the status so that none that led to it is missed.
        for event in events.next_events(cf, stack_id).await? {
            progress.event(&event, name);
            if let Some(line) = failure_line(&event, name) {
                failures.push(line);
                if event.resource_type() == Some("AWS::CloudFormation::Stack") {
                    if let Some(nested) = event.physical_resource_id().filter(|p| !p.is_empty()) {
                        let logical = event.logical_resource_id().unwrap_or("?");
                        failed_nested.push((logical.to_owned(), nested.to_owned()));
                    }
                }
            }
            if let Some(time) = event.timestamp() {
                started_at = Some(started_at.map_or(time.secs(), |t: i64| t.min(time.secs())));
            }
        }
        let Some(info) = info else {
            // Gone: a deleted stack that no longer answers by its ID.
            progress.finish(&format!("{name}: DELETE_COMPLETE"));
            return Ok(StackInfo {
                stack_id: stack_id.to_owned(),
                status: "DELETE_COMPLETE".to_owned(),
                outputs: Vec::new(),
            });
        };
        progress.status(&info.status);
        match phase(&info.status) {
            Phase::InProgress => {}
            Phase::Complete => {
                progress.finish(&format!("{name}: {}", info.status));
                return Ok(info);
            }
            Phase::Failed => {
                progress.finish(&format!("{name}: {}", info.status));
                let reason = stack_reason(cf, stack_id).await;
                for (logical, nested) in failed_nested.iter().take(5) {
                    failures.extend(nested_failures(cf, logical, nested, started_at).await);
                }
                return Err(StackError::Failed {
                    stack: name.to_owned(),
                    status: info.status,
                    reason: reason.map(|r| format!(": {r}")).unwrap_or_default(),
                    failures: failures.iter().map(|f| format!("\n  {f}")).collect(),
                });
            }
        }
        if started.elapsed() > timeout {
            progress.finish(&format!("{name}: {} (stopped waiting)", info.status));
            return Err(StackError::Timeout {
                stack: name.to_owned(),
                status: info.status,
                minutes: timeout.as_secs() / 60,
            });
        }
        tokio::time::sleep(interval).await;
        interval = (interval * 2).min(MAX_POLL_INTERVAL);
    }
}

async fn stack_reason(cf: &Client, stack_id: &str) -> Option<String> {
    let answer = cf
        .describe_stacks()
        .stack_name(stack_id)
        .send()
        .await
        .ok()?;
    answer
        .stacks()
        .first()?
        .stack_status_reason()
        .map(str::to_owned)
}

/// The failures inside a nested stack (`Nested/Resource (Type) STATUS: reason`),
/// from its events since `since` (Unix seconds); best effort.
async fn nested_failures(
    cf: &Client,
    logical: &str,
    stack_id: &str,
    since: Option<i64>,
) -> Vec<String> {
    let Ok(page) = cf.describe_stack_events().stack_name(stack_id).send().await else {
        return Vec::new();
    };
    // `arn:...:stack/<name>/<id>`: the nested stack's own events carry its name.
    let name = stack_id.split('/').nth(1).unwrap_or(stack_id);
    let mut lines: Vec<String> = page
        .stack_events()
        .iter()
        .filter(|e| match (since, e.timestamp()) {
            (Some(since), Some(time)) => time.secs() >= since,
            _ => true,
        })
        .filter_map(|e| failure_line(e, name))
        .map(|line| format!("{logical}/{line}"))
        .collect();
    lines.reverse();
    lines
}

/// `Type LogicalId: reason` for a failed resource event (not the stack's own
/// events, and not the "cancelled" echoes of another resource's failure).
pub fn failure_line(event: &StackEvent, stack_name: &str) -> Option<String> {
    let status = event.resource_status()?.as_str();
    if !status.ends_with("_FAILED") {
        return None;
    }
    let logical = event.logical_resource_id().unwrap_or("?");
    let reason = event.resource_status_reason().unwrap_or("no reason given");
    if logical == stack_name && event.resource_type() == Some("AWS::CloudFormation::Stack") {
        return None;
    }
    if reason.contains("Resource creation cancelled")
        || reason.contains("Resource update cancelled")
    {
        return None;
    }
    Some(format!(
        "{logical} ({}) {status}: {reason}",
        event.resource_type().unwrap_or("?")
    ))
}

/// New stack events, oldest first, across polls.
struct EventCursor {
    since: Option<String>,
    seen: HashSet<String>,
}

impl EventCursor {
    fn new(since: Option<String>) -> Self {
        Self {
            since,
            seen: HashSet::new(),
        }
    }

    /// The events not yet returned, newer than `since`, oldest first.
    async fn next_events(
        &mut self,
        cf: &Client,
        stack_id: &str,
    ) -> Result<Vec<StackEvent>, StackError> {
        let mut fresh = Vec::new();
        let mut token: Option<String> = None;
        // Events come newest first; stop at the first one already known.
        'pages: for _page in 0..20 {
            let page = cf
                .describe_stack_events()
                .stack_name(stack_id)
                .set_next_token(token.clone())
                .send()
                .await
                .map_err(|e| call_error("CloudFormation.DescribeStackEvents", e))?;
            for event in page.stack_events() {
                let id = event.event_id().unwrap_or_default();
                if self.since.as_deref() == Some(id) || self.seen.contains(id) {
                    break 'pages;
                }
                fresh.push(event.clone());
            }
            token = page.next_token().map(str::to_owned);
            if token.is_none() {
                break;
            }
        }
        for event in &fresh {
            if let Some(id) = event.event_id() {
                self.seen.insert(id.to_owned());
            }
        }
        fresh.reverse();
        Ok(fresh)
    }
}

/// The progress display: a bar on a terminal, plain lines otherwise.
struct Progress {
    bar: ProgressBar,
    stack: String,
}

impl Progress {
    fn new(stack: &str, total: usize) -> Self {
        let bar = ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr());
        // With no count of resources (waiting for another operation), a spinner only.
        let template = if total == 0 {
            "{spinner} {msg} [{elapsed}]"
        } else {
            "{spinner} {msg} [{pos}/{len} resources, {elapsed}]"
        };
        let style = ProgressStyle::with_template(template)
            .unwrap_or_else(|_| ProgressStyle::default_spinner());
        bar.set_style(style);
        bar.set_message(stack.to_owned());
        bar.enable_steady_tick(Duration::from_millis(120));
        Self {
            bar,
            stack: stack.to_owned(),
        }
    }

    fn line(&self, text: &str) {
        if self.bar.is_hidden() {
            eprintln!("{text}");
        } else {
            self.bar.println(text);
        }
    }

    fn status(&self, status: &str) {
        self.bar.set_message(format!("{} {status}", self.stack));
    }

    fn event(&self, event: &StackEvent, stack_name: &str) {
        let status = event.resource_status().map(|s| s.as_str()).unwrap_or("?");
        let logical = event.logical_resource_id().unwrap_or("?");
        let is_stack = logical == stack_name;
        if !is_stack && status.ends_with("_COMPLETE") {
            self.bar.inc(1);
        }
        let time = event
            .timestamp()
            .map(|t| format_time(t.secs()))
            .unwrap_or_default();
        let reason = event
            .resource_status_reason()
            .map(|r| format!("  {r}"))
            .unwrap_or_default();
        self.line(&format!(
            "  {time}  {status:<28} {:<36} {logical}{reason}",
            event.resource_type().unwrap_or("?")
        ));
    }

    fn finish(&self, text: &str) {
        self.bar.finish_and_clear();
        eprintln!("{text}");
    }
}

fn unix_millis() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or_default()
}

/// `HH:MM:SS` (UTC) of a Unix time.
pub fn format_time(secs: i64) -> String {
    let day = secs.rem_euclid(86_400);
    format!("{:02}:{:02}:{:02}", day / 3600, day % 3600 / 60, day % 60)
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_cloudformation::types::ResourceStatus;

    #[test]
    fn phases() {
        assert_eq!(phase("CREATE_IN_PROGRESS"), Phase::InProgress);
        assert_eq!(
            phase("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS"),
            Phase::InProgress
        );
        assert_eq!(phase("REVIEW_IN_PROGRESS"), Phase::InProgress);
        assert_eq!(phase("CREATE_COMPLETE"), Phase::Complete);
        assert_eq!(phase("UPDATE_COMPLETE"), Phase::Complete);
        assert_eq!(phase("DELETE_COMPLETE"), Phase::Complete);
        assert_eq!(phase("ROLLBACK_COMPLETE"), Phase::Failed);
        assert_eq!(phase("UPDATE_ROLLBACK_COMPLETE"), Phase::Failed);
        assert_eq!(phase("CREATE_FAILED"), Phase::Failed);
        assert_eq!(phase("DELETE_FAILED"), Phase::Failed);
    }

    #[test]
    fn no_change_reasons() {
        assert!(is_no_change(
            "The submitted information didn't contain changes. Submit different information to create a change set."
        ));
        assert!(is_no_change("No updates are to be performed."));
        assert!(!is_no_change(
            "Template format error: Unresolved resource dependencies [X]"
        ));
    }

    #[test]
    fn failure_lines_name_the_resource_and_reason() {
        let failed = StackEvent::builder()
            .logical_resource_id("APIHandler")
            .resource_type("AWS::Lambda::Function")
            .resource_status(ResourceStatus::CreateFailed)
            .resource_status_reason("Error occurred while GetObject. S3 Error Code: NoSuchKey")
            .build();
        assert_eq!(
            failure_line(&failed, "hello-dev").as_deref(),
            Some("APIHandler (AWS::Lambda::Function) CREATE_FAILED: Error occurred while GetObject. S3 Error Code: NoSuchKey")
        );
        let cancelled = StackEvent::builder()
            .logical_resource_id("RestAPI")
            .resource_type("AWS::ApiGateway::RestApi")
            .resource_status(ResourceStatus::CreateFailed)
            .resource_status_reason("Resource creation cancelled")
            .build();
        assert_eq!(failure_line(&cancelled, "hello-dev"), None);
        let complete = StackEvent::builder()
            .logical_resource_id("RestAPI")
            .resource_status(ResourceStatus::CreateComplete)
            .build();
        assert_eq!(failure_line(&complete, "hello-dev"), None);
    }

    #[test]
    fn planned_changes_read_well() {
        let change = PlannedChange {
            action: "Modify".to_owned(),
            logical_id: "APIHandler".to_owned(),
            resource_type: "AWS::Lambda::Function".to_owned(),
            replacement: Some("True".to_owned()),
        };
        assert_eq!(
            change.to_string(),
            "  ~ Modify  APIHandler (AWS::Lambda::Function) [replaced]"
        );
        assert_eq!(format_time(86_400 + 3_723), "01:02:03");
    }
}

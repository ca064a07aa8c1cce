//! `#[schedule]` functions fired on their schedule while `cargo chalice
//! local` runs: `rate(..)` every period from when the schedule started,
//! `cron(..)` at its UTC minutes ([`super::cron`]).
//!
//! Each firing sends the scheduled event EventBridge sends (its time is the
//! scheduled minute, its resource the rule's ARN) to the function's pool of
//! the build in service, and is logged like a request. A firing still
//! running when the next one is due makes that one skipped, with a log line.
//! A reload keeps the timing of the schedules it did not change.

use super::cron;
use super::functions::{FunctionResult, LOCAL_ACCOUNT};
use super::gateway_server::Gateway;
use super::pool::Invoke;
use crate::app::function::{Function, Trigger};
use crate::app::App;
use bytes::Bytes;
use chalice_rs_runtime::manifest::schedule::Schedule;
use chalice_rs_runtime::manifest::EventSource;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use tokio::sync::mpsc;

/// One `#[schedule]` function.
#[derive(Debug, Clone, PartialEq)]
pub struct Scheduled {
    /// The function's key in `lambda_functions`.
    pub key: String,
    /// The expression, as written.
    pub expression: String,
    /// The parsed expression.
    pub schedule: Schedule,
    /// The ARN of the EventBridge rule that fires it.
    pub rule_arn: String,
}

/// Why a schedule cannot run locally.
#[derive(Debug, thiserror::Error)]
#[error(
    "the schedule `{expression}` of the function `{key}` is not one EventBridge takes: {message}"
)]
pub struct ScheduleError {
    /// The function.
    pub key: String,
    /// The expression.
    pub expression: String,
    /// What is wrong.
    pub message: String,
}

/// The name of the EventBridge rule of a `#[schedule]` function:
/// `<stack>-<Stem>Rule`, the name CloudFormation gives the template's rule
/// `<Stem>Rule` (on AWS followed by a random suffix).
pub fn rule_name(app: &App, function: &Function) -> String {
    format!(
        "{}-{}Rule",
        app.stack_name(),
        crate::cfn::ids::camel(&function.name)
    )
}

/// The `#[schedule]` functions of `app`, with their rules' ARNs in `region`.
pub fn scheduled(app: &App, region: &str) -> Result<Vec<Scheduled>, ScheduleError> {
    let mut out = Vec::new();
    for function in &app.functions {
        let Trigger::Event(EventSource::Schedule { expression, .. }) = &function.trigger else {
            continue;
        };
        let schedule = Schedule::parse(expression).map_err(|error| ScheduleError {
            key: function.name.clone(),
            expression: expression.clone(),
            message: error.to_string(),
        })?;
        out.push(Scheduled {
            key: function.name.clone(),
            expression: expression.clone(),
            schedule,
            rule_arn: format!(
                "arn:aws:events:{region}:{LOCAL_ACCOUNT}:rule/{}",
                rule_name(app, function)
            ),
        });
    }
    Ok(out)
}

/// The scheduled event EventBridge sends for a firing at `time`.
pub fn scheduled_event(rule_arn: &str, region: &str, time: OffsetDateTime) -> Value {
    json!({
        "version": "0",
        "id": uuid::Uuid::new_v4().to_string(),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": LOCAL_ACCOUNT,
        "time": format_time(time),
        "region": region,
        "resources": [rule_arn],
        "detail": {},
    })
}

/// `2026-05-01T03:00:00Z`.
pub fn format_time(time: OffsetDateTime) -> String {
    let whole = time.replace_nanosecond(0).unwrap_or(time);
    whole.format(&Rfc3339).unwrap_or_default()
}

/// One firing of a schedule.
#[derive(Debug, Clone, PartialEq)]
pub struct Firing {
    /// The function's key.
    pub key: String,
    /// The scheduled time.
    pub time: OffsetDateTime,
    /// The rule's ARN.
    pub rule_arn: String,
}

/// What is due at some moment.
#[derive(Debug, Clone, PartialEq)]
pub enum Due {
    /// Fire it.
    Fire(Firing),
    /// Skip it: the previous firing of the function is still running.
    Skip(Firing),
}

#[derive(Debug, Clone)]
struct Entry {
    scheduled: Scheduled,
    /// When the schedule started (a `rate`'s anchor).
    anchor: OffsetDateTime,
    /// When it fires next; `None` once it never will.
    next: Option<OffsetDateTime>,
}

/// The schedules' timing: when each fires next, and which are running.
#[derive(Debug, Clone, Default)]
pub struct Timetable {
    entries: Vec<Entry>,
    running: BTreeSet<String>,
}

impl Timetable {
    /// The schedules of `list`, started at `now`; with `fire_now`, each is
    /// also due at once.
    pub fn new(list: &[Scheduled], now: OffsetDateTime, fire_now: bool) -> Self {
        let mut table = Self::default();
        table.update(list, now);
        if fire_now {
            for entry in &mut table.entries {
                entry.next = Some(now);
            }
        }
        table
    }

    /// Takes the schedules of a new build: an unchanged schedule keeps its
    /// timing, a new or changed one starts at `now`.
    pub fn update(&mut self, list: &[Scheduled], now: OffsetDateTime) {
        let old = std::mem::take(&mut self.entries);
        for scheduled in list {
            let kept = old.iter().find(|entry| {
                entry.scheduled.key == scheduled.key
                    && entry.scheduled.expression == scheduled.expression
            });
            let entry = match kept {
                Some(entry) => Entry {
                    scheduled: scheduled.clone(),
                    ..entry.clone()
                },
                None => Entry {
                    scheduled: scheduled.clone(),
                    anchor: now,
                    next: cron::next_after(&scheduled.schedule, now, now),
                },
            };
            self.entries.push(entry);
        }
    }

    /// When the next firing is due.
    pub fn next_due(&self) -> Option<OffsetDateTime> {
        self.entries.iter().filter_map(|entry| entry.next).min()
    }

    /// The next firing time of the function `key`.
    pub fn next_of(&self, key: &str) -> Option<OffsetDateTime> {
        self.entries
            .iter()
            .find(|entry| entry.scheduled.key == key)
            .and_then(|entry| entry.next)
    }

    /// The firings due at `now` (each schedule's latest: missed ones are not
    /// made up), marked running unless the previous one still is; each
    /// schedule moves on to its next time after `now`.
    pub fn take_due(&mut self, now: OffsetDateTime) -> Vec<Due> {
        let mut due = Vec::new();
        for entry in &mut self.entries {
            let Some(next) = entry.next else { continue };
            if next > now {
                continue;
            }
            // The latest due time: when woken late, the slots before it are not made up.
            let mut time = next;
            let mut following = cron::next_after(&entry.scheduled.schedule, entry.anchor, time);
            for _ in 0..10_000 {
                match following {
                    Some(after) if after <= now => {
                        time = after;
                        following = cron::next_after(&entry.scheduled.schedule, entry.anchor, time);
                    }
                    _ => break,
                }
            }
            if following.is_some_and(|after| after <= now) {
                following = cron::next_after(&entry.scheduled.schedule, entry.anchor, now);
            }
            entry.next = following;
            let key = entry.scheduled.key.clone();
            let firing = Firing {
                key: key.clone(),
                time,
                rule_arn: entry.scheduled.rule_arn.clone(),
            };
            if self.running.insert(key) {
                due.push(Due::Fire(firing));
            } else {
                due.push(Due::Skip(firing));
            }
        }
        due
    }

    /// The firing of `key` has finished.
    pub fn finished(&mut self, key: &str) {
        self.running.remove(key);
    }
}

/// Fires the schedules of the build in service of `gateway` until the task
/// is dropped; `fire_now` fires each once at start.
pub async fn run(gateway: Arc<Gateway>, region: String, fire_now: bool) {
    let mut generations = gateway.subscribe();
    let mut current = gateway.current();
    let mut table = Timetable::new(&current.schedules, OffsetDateTime::now_utc(), fire_now);
    let (finished_tx, mut finished_rx) = mpsc::unbounded_channel::<String>();
    loop {
        let now = OffsetDateTime::now_utc();
        for due in table.take_due(now) {
            match due {
                Due::Fire(firing) => {
                    let generation = current.clone();
                    let region = region.clone();
                    let finished = finished_tx.clone();
                    tokio::spawn(async move {
                        let key = firing.key.clone();
                        fire(&generation, &region, firing).await;
                        let _ = finished.send(key);
                    });
                }
                Due::Skip(firing) => println!(
                    "chalice local: schedule {} at {} skipped: its previous firing is still running",
                    firing.key,
                    format_time(firing.time)
                ),
            }
        }
        let wait = table.next_due().map_or(Duration::from_secs(3600), |next| {
            (next - OffsetDateTime::now_utc())
                .try_into()
                .unwrap_or(Duration::ZERO)
        });
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            Some(key) = finished_rx.recv() => table.finished(&key),
            changed = generations.changed() => {
                if changed.is_err() {
                    return;
                }
                current = gateway.current();
                table.update(&current.schedules, OffsetDateTime::now_utc());
            }
        }
    }
}

/// Sends one scheduled event to the function of `generation` and logs it.
async fn fire(generation: &super::gateway_server::Generation, region: &str, firing: Firing) {
    let Some(function) = generation.functions.get(&firing.key) else {
        return;
    };
    let event = scheduled_event(&firing.rule_arn, region, firing.time);
    let request_id = super::runtime_api::new_request_id();
    let started = std::time::Instant::now();
    let timeout = function.pool.spec().timeout;
    let invoked = function
        .pool
        .clone()
        .invoke_with(
            request_id.clone(),
            Bytes::from(event.to_string()),
            Invoke {
                limit: None,
                capture: false,
            },
        )
        .await;
    let result = FunctionResult::of(&invoked, &request_id, timeout);
    let outcome = match result.error_summary() {
        Some((error_type, message)) => format!("error {error_type}: {message}"),
        None => "ok".to_owned(),
    };
    super::stdout::line(format!(
        "SCHEDULE {} {} {outcome} {:.1} ms {}",
        firing.key,
        format_time(firing.time),
        started.elapsed().as_secs_f64() * 1000.0,
        if invoked.cold { "cold" } else { "warm" }
    ));
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn scheduled(key: &str, expression: &str) -> Scheduled {
        Scheduled {
            key: key.to_owned(),
            expression: expression.to_owned(),
            schedule: Schedule::parse(expression).unwrap(),
            rule_arn: format!("arn:aws:events:us-east-1:123456789012:rule/app-dev-{key}"),
        }
    }

    fn keys(due: &[Due]) -> Vec<String> {
        due.iter()
            .map(|due| match due {
                Due::Fire(f) => format!("fire {} {}", f.key, format_time(f.time)),
                Due::Skip(f) => format!("skip {} {}", f.key, format_time(f.time)),
            })
            .collect()
    }

    #[test]
    fn the_event_is_eventbridges_scheduled_event() {
        let event = scheduled_event(
            "arn:aws:events:eu-west-1:123456789012:rule/shop-dev-nightly",
            "eu-west-1",
            datetime!(2026-05-01 03:00:00.250 UTC),
        );
        assert_eq!(event["detail-type"], "Scheduled Event");
        assert_eq!(event["source"], "aws.events");
        assert_eq!(event["version"], "0");
        assert_eq!(event["account"], "123456789012");
        assert_eq!(event["region"], "eu-west-1");
        assert_eq!(event["time"], "2026-05-01T03:00:00Z");
        assert_eq!(
            event["resources"],
            json!(["arn:aws:events:eu-west-1:123456789012:rule/shop-dev-nightly"])
        );
        assert_eq!(event["detail"], json!({}));
        assert!(uuid::Uuid::parse_str(event["id"].as_str().unwrap()).is_ok());
    }

    #[test]
    fn rates_fire_every_period_and_crons_on_their_minutes() {
        let start = datetime!(2026-05-01 10:00:30 UTC);
        let mut table = Timetable::new(
            &[
                scheduled("often", "rate(1 minute)"),
                scheduled("quarter", "cron(0/15 * * * ? *)"),
            ],
            start,
            false,
        );
        assert_eq!(table.next_due(), Some(datetime!(2026-05-01 10:01:30 UTC)));
        assert!(table
            .take_due(datetime!(2026-05-01 10:01:29 UTC))
            .is_empty());
        assert_eq!(
            keys(&table.take_due(datetime!(2026-05-01 10:01:30 UTC))),
            ["fire often 2026-05-01T10:01:30Z"]
        );
        table.finished("often");
        assert_eq!(
            table.next_of("often"),
            Some(datetime!(2026-05-01 10:02:30 UTC))
        );
        assert_eq!(
            table.next_of("quarter"),
            Some(datetime!(2026-05-01 10:15:00 UTC))
        );
        // Woken late: each schedule fires once, at its latest due time.
        let late = datetime!(2026-05-01 10:15:40 UTC);
        assert_eq!(
            keys(&table.take_due(late)),
            [
                "fire often 2026-05-01T10:15:30Z",
                "fire quarter 2026-05-01T10:15:00Z"
            ]
        );
        assert_eq!(
            table.next_of("often"),
            Some(datetime!(2026-05-01 10:16:30 UTC))
        );
    }

    #[test]
    fn a_firing_due_while_the_previous_runs_is_skipped() {
        let start = datetime!(2026-05-01 10:00:00 UTC);
        let mut table = Timetable::new(&[scheduled("slow", "rate(1 minute)")], start, true);
        assert_eq!(
            keys(&table.take_due(start)),
            ["fire slow 2026-05-01T10:00:00Z"]
        );
        assert_eq!(
            keys(&table.take_due(datetime!(2026-05-01 10:01:00 UTC))),
            ["skip slow 2026-05-01T10:01:00Z"]
        );
        table.finished("slow");
        assert_eq!(
            keys(&table.take_due(datetime!(2026-05-01 10:02:00 UTC))),
            ["fire slow 2026-05-01T10:02:00Z"]
        );
    }

    #[test]
    fn a_reload_keeps_the_timing_of_unchanged_schedules() {
        let start = datetime!(2026-05-01 10:00:00 UTC);
        let mut table = Timetable::new(
            &[
                scheduled("a", "rate(5 minutes)"),
                scheduled("b", "rate(5 minutes)"),
            ],
            start,
            false,
        );
        let reload = datetime!(2026-05-01 10:02:00 UTC);
        table.update(
            &[
                scheduled("a", "rate(5 minutes)"),
                scheduled("b", "rate(10 minutes)"),
                scheduled("c", "rate(1 hour)"),
            ],
            reload,
        );
        assert_eq!(table.next_of("a"), Some(datetime!(2026-05-01 10:05:00 UTC)));
        assert_eq!(table.next_of("b"), Some(datetime!(2026-05-01 10:12:00 UTC)));
        assert_eq!(table.next_of("c"), Some(datetime!(2026-05-01 11:02:00 UTC)));
        table.update(&[scheduled("a", "rate(5 minutes)")], reload);
        assert_eq!(table.next_of("b"), None);
    }
}

//! Notifications of S3 buckets outside the stack (`#[on_s3_event]` on a
//! bucket named by its name or ARN): CloudFormation cannot change a bucket
//! it does not own, so `deploy` writes them after the stack, as Chalice's
//! deploy does, and `delete` removes them.
//!
//! A bucket has one notification configuration, shared with whoever else
//! uses it: each write reads it, replaces only the Lambda entries whose `Id`
//! is this stack's ([`names::notification_id_prefix`]: `chalice-rs:<stack>:`,
//! one entry per function), keeps every other entry (other stacks', other
//! tools', queues, topics, EventBridge), and writes it back only when it
//! changed. The function's permission to be invoked by the bucket is in the
//! template (`<Stem>InvokePermission`), so S3's check of the destination
//! passes once the stack is deployed.
//!
//! What was wired is recorded in `.chalice/deployed/<stage>.json`
//! ([`WiredNotification`]): a bucket whose function was removed is cleaned
//! on the next deploy, and `delete` knows which buckets to clean. A failed
//! write leaves the state of the buckets before it, so running `deploy`
//! again finishes the work.

use crate::app::events::ExternalNotification;
use crate::app::names;
use crate::aws::{describe, error_code};
use aws_sdk_s3::types::{
    Event, FilterRule, FilterRuleName, LambdaFunctionConfiguration, NotificationConfiguration,
    NotificationConfigurationFilter, S3KeyFilter,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// One notification entry `deploy` wrote on a bucket outside the stack.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WiredNotification {
    /// The bucket.
    pub bucket: String,
    /// The entry's `Id`: `chalice-rs:<stack>:<function>`.
    pub id: String,
    /// The function it invokes.
    pub function_arn: String,
    /// Its S3 event types.
    pub events: Vec<String>,
}

/// Why a bucket's notifications could not be read or written.
#[derive(Debug, thiserror::Error)]
#[error("the notifications of the bucket `{bucket}` could not be {action}: {message}")]
pub struct NotificationError {
    /// The bucket.
    pub bucket: String,
    /// `read` or `written`.
    pub action: &'static str,
    /// What S3 said.
    pub message: String,
}

/// The ARN of the Lambda function `function_name` of the account and region.
pub fn function_arn(partition: &str, region: &str, account: &str, function_name: &str) -> String {
    format!("arn:{partition}:lambda:{region}:{account}:function:{function_name}")
}

/// The entry of one notification, invoking `function_arn`.
pub fn entry(
    stack: &str,
    notification: &ExternalNotification,
    function_arn: &str,
) -> Result<LambdaFunctionConfiguration, String> {
    let mut rules = Vec::new();
    for (name, value) in [
        (FilterRuleName::Prefix, &notification.prefix),
        (FilterRuleName::Suffix, &notification.suffix),
    ] {
        if let Some(value) = value {
            rules.push(FilterRule::builder().name(name).value(value).build());
        }
    }
    let filter = (!rules.is_empty()).then(|| {
        NotificationConfigurationFilter::builder()
            .key(S3KeyFilter::builder().set_filter_rules(Some(rules)).build())
            .build()
    });
    LambdaFunctionConfiguration::builder()
        .id(names::notification_id(stack, &notification.function))
        .lambda_function_arn(function_arn)
        .set_events(Some(
            notification
                .events
                .iter()
                .map(|e| Event::from(e.as_str()))
                .collect(),
        ))
        .set_filter(filter)
        .build()
        .map_err(|e| e.to_string())
}

/// A bucket's Lambda entries with this stack's replaced by `ours`: the
/// others' entries first, in their order, then ours.
pub fn merged(
    existing: &[LambdaFunctionConfiguration],
    stack: &str,
    ours: &[LambdaFunctionConfiguration],
) -> Vec<LambdaFunctionConfiguration> {
    let prefix = names::notification_id_prefix(stack);
    existing
        .iter()
        .filter(|c| !c.id().is_some_and(|id| id.starts_with(&prefix)))
        .chain(ours)
        .cloned()
        .collect()
}

/// Makes each bucket of `desired` (and each of `previous` that no longer is)
/// hold exactly this stack's entries of `desired`; `function_arn` gives each
/// function's ARN by its Lambda name. Returns what is wired now; on failure,
/// what is wired up to the failed bucket, and the error.
pub async fn wire(
    s3: &aws_sdk_s3::Client,
    stack: &str,
    desired: &[ExternalNotification],
    previous: &[WiredNotification],
    function_arn: &dyn Fn(&str) -> String,
) -> Result<Vec<WiredNotification>, (Vec<WiredNotification>, NotificationError)> {
    let mut by_bucket: BTreeMap<&str, Vec<&ExternalNotification>> = BTreeMap::new();
    for notification in desired {
        by_bucket
            .entry(notification.bucket.as_str())
            .or_default()
            .push(notification);
    }
    let buckets: BTreeSet<&str> = by_bucket
        .keys()
        .copied()
        .chain(previous.iter().map(|w| w.bucket.as_str()))
        .collect();
    let mut wired: Vec<WiredNotification> = Vec::new();
    for bucket in buckets {
        let wanted = by_bucket.get(bucket).cloned().unwrap_or_default();
        let mut ours = Vec::new();
        let mut records = Vec::new();
        for notification in wanted {
            let arn = function_arn(&notification.function_name);
            let fail = |message: String| NotificationError {
                bucket: bucket.to_owned(),
                action: "written",
                message,
            };
            match entry(stack, notification, &arn) {
                Ok(entry) => ours.push(entry),
                Err(message) => return Err((keep(wired, previous, bucket), fail(message))),
            }
            records.push(WiredNotification {
                bucket: bucket.to_owned(),
                id: names::notification_id(stack, &notification.function),
                function_arn: arn,
                events: notification.events.clone(),
            });
        }
        match replace_ours(s3, bucket, stack, &ours).await {
            Ok(None) if ours.is_empty() => {}
            Ok(None) => {
                let error = NotificationError {
                    bucket: bucket.to_owned(),
                    action: "written",
                    message: "the bucket does not exist (create it, or name an existing bucket in `#[on_s3_event]`)".to_owned(),
                };
                return Err((keep(wired, previous, bucket), error));
            }
            Ok(Some(changed)) => {
                if changed {
                    let verb = if ours.is_empty() { "removed" } else { "wired" };
                    eprintln!(
                        "{verb} the notifications of the bucket {bucket} ({} function(s) of this stack)",
                        ours.len()
                    );
                }
                wired.extend(records);
            }
            Err(error) => return Err((keep(wired, previous, bucket), error)),
        }
    }
    Ok(wired)
}

/// What is wired after a failure at `failed`: the buckets done, and the
/// previous entries of the others (unchanged).
fn keep(
    mut done: Vec<WiredNotification>,
    previous: &[WiredNotification],
    failed: &str,
) -> Vec<WiredNotification> {
    let handled: BTreeSet<String> = done.iter().map(|w| w.bucket.clone()).collect();
    done.extend(
        previous
            .iter()
            .filter(|w| w.bucket.as_str() >= failed && !handled.contains(&w.bucket))
            .cloned(),
    );
    done
}

/// Removes this stack's entries from every bucket of `wired` (a bucket that
/// no longer exists has none).
pub async fn unwire(
    s3: &aws_sdk_s3::Client,
    stack: &str,
    wired: &[WiredNotification],
) -> Result<(), NotificationError> {
    let buckets: BTreeSet<&str> = wired.iter().map(|w| w.bucket.as_str()).collect();
    for bucket in buckets {
        if replace_ours(s3, bucket, stack, &[]).await? == Some(true) {
            eprintln!("removed this stack's notifications from the bucket {bucket}");
        }
    }
    Ok(())
}

/// Replaces this stack's Lambda entries of `bucket` with `ours`; whether
/// the configuration changed, `None` when the bucket does not exist.
async fn replace_ours(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    stack: &str,
    ours: &[LambdaFunctionConfiguration],
) -> Result<Option<bool>, NotificationError> {
    let error = |action: &'static str, message: String| NotificationError {
        bucket: bucket.to_owned(),
        action,
        message,
    };
    let current = match s3
        .get_bucket_notification_configuration()
        .bucket(bucket)
        .send()
        .await
    {
        Ok(current) => current,
        Err(e) if error_code(&e) == Some("NoSuchBucket") => return Ok(None),
        Err(e) => return Err(error("read", describe(&e))),
    };
    let existing = current.lambda_function_configurations();
    let lambda = merged(existing, stack, ours);
    if lambda == existing {
        return Ok(Some(false));
    }
    let configuration = NotificationConfiguration::builder()
        .set_lambda_function_configurations(Some(lambda))
        .set_queue_configurations(Some(current.queue_configurations().to_vec()))
        .set_topic_configurations(Some(current.topic_configurations().to_vec()))
        .set_event_bridge_configuration(current.event_bridge_configuration().cloned())
        .build();
    s3.put_bucket_notification_configuration()
        .bucket(bucket)
        .notification_configuration(configuration)
        .send()
        .await
        .map_err(|e| error("written", describe(&e)))?;
    Ok(Some(true))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notification(function: &str, suffix: Option<&str>) -> ExternalNotification {
        ExternalNotification {
            bucket: "drop".to_owned(),
            function: function.to_owned(),
            function_name: format!("shop-dev-{function}"),
            events: vec!["s3:ObjectCreated:*".to_owned()],
            prefix: Some("in/".to_owned()),
            suffix: suffix.map(str::to_owned),
        }
    }

    fn other(id: &str) -> LambdaFunctionConfiguration {
        LambdaFunctionConfiguration::builder()
            .id(id)
            .lambda_function_arn("arn:aws:lambda:us-east-1:1:function:theirs")
            .events(Event::from("s3:ObjectRemoved:*"))
            .build()
            .unwrap()
    }

    #[test]
    fn an_entry_carries_our_id_the_function_and_the_filters() {
        let arn = function_arn("aws", "us-east-1", "123456789012", "shop-dev-work");
        assert_eq!(
            arn,
            "arn:aws:lambda:us-east-1:123456789012:function:shop-dev-work"
        );
        let entry = entry("shop-dev", &notification("work", Some(".csv")), &arn).unwrap();
        assert_eq!(entry.id(), Some("chalice-rs:shop-dev:work"));
        assert_eq!(entry.lambda_function_arn(), arn);
        assert_eq!(entry.events(), [Event::S3ObjectCreated]);
        let rules = entry.filter().unwrap().key().unwrap().filter_rules();
        assert_eq!(rules.len(), 2);
        assert_eq!(rules[0].name(), Some(&FilterRuleName::Prefix));
        assert_eq!(rules[1].value(), Some(".csv"));
        let bare = ExternalNotification {
            prefix: None,
            ..notification("work", None)
        };
        assert!(entry_of(&bare).filter().is_none());
    }

    fn entry_of(notification: &ExternalNotification) -> LambdaFunctionConfiguration {
        entry(
            "shop-dev",
            notification,
            "arn:aws:lambda:us-east-1:1:function:f",
        )
        .unwrap()
    }

    #[test]
    fn only_this_stacks_entries_are_replaced() {
        let existing = vec![
            other("theirs"),
            entry_of(&notification("gone", None)),
            other("chalice-rs:shop-prod:work"),
        ];
        let ours = vec![entry_of(&notification("work", None))];
        let merged = merged(&existing, "shop-dev", &ours);
        let ids: Vec<&str> = merged.iter().filter_map(|c| c.id()).collect();
        assert_eq!(
            ids,
            [
                "theirs",
                "chalice-rs:shop-prod:work",
                "chalice-rs:shop-dev:work"
            ]
        );
        // Removing ours leaves everyone else's.
        let cleared = super::merged(&merged, "shop-dev", &[]);
        let ids: Vec<&str> = cleared.iter().filter_map(|c| c.id()).collect();
        assert_eq!(ids, ["theirs", "chalice-rs:shop-prod:work"]);
        // Replacing ours with the same is no change.
        assert_eq!(super::merged(&merged, "shop-dev", &ours), merged);
    }

    #[test]
    fn after_a_failure_the_buckets_not_reached_keep_their_record() {
        let record = |bucket: &str| WiredNotification {
            bucket: bucket.to_owned(),
            id: "chalice-rs:s:f".to_owned(),
            function_arn: "arn".to_owned(),
            events: vec![],
        };
        let previous = vec![record("a"), record("b"), record("c")];
        let kept = keep(vec![record("a")], &previous, "b");
        let buckets: Vec<&str> = kept.iter().map(|w| w.bucket.as_str()).collect();
        assert_eq!(buckets, ["a", "b", "c"]);
        // A bucket done before the failure is recorded as it is now.
        let kept = keep(vec![], &previous, "b");
        let buckets: Vec<&str> = kept.iter().map(|w| w.bucket.as_str()).collect();
        assert_eq!(buckets, ["b", "c"]);
    }
}

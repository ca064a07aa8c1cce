//! Event functions' wiring in the template (logical IDs from the function's
//! stem, [`crate::app::names`]):
//!
//! - `#[schedule]`, `#[on_event]`: `<Stem>Rule` (`AWS::Events::Rule`, its
//!   `ScheduleExpression` or `EventPattern`, `EventBusName` for a named bus,
//!   `State` ENABLED, the function as its one target) and
//!   `<Stem>InvokePermission` (events.amazonaws.com, from that rule);
//! - `#[on_sqs_message]`, `#[on_dynamodb_record]`, `#[on_kinesis_record]`:
//!   `<Stem>EventSourceMapping` (`BatchSize`,
//!   `MaximumBatchingWindowInSeconds`, `StartingPosition` for streams,
//!   `FunctionResponseTypes` ReportBatchItemFailures, `Enabled`); the
//!   function runs with its own role `<Stem>Role` (written with the other
//!   roles, [`super::functions`]): `Runtime` (its own log group), its
//!   `AppPolicy`, and `EventSource` with what reading the queue or stream
//!   needs, on its ARN only;
//! - `#[on_sns_message]`: `<Stem>Subscription` (`AWS::SNS::Subscription`,
//!   protocol lambda, `FilterPolicy`) and `<Stem>InvokePermission`
//!   (sns.amazonaws.com, from that topic);
//! - `#[on_s3_event]`: `<Stem>InvokePermission` (s3.amazonaws.com, the
//!   account, and the bucket's ARN when its name is known without the
//!   bucket); a bucket of `.chalice/resources.json` gets one
//!   `NotificationConfiguration.LambdaConfigurations` entry per event type
//!   and `DependsOn` the permission (S3 checks it when the bucket is
//!   configured). The entries name the function by an ARN built from its
//!   name, so that the bucket does not wait for the function as well. A
//!   bucket outside the stack is wired by `deploy`.
//!
//! All of them live in the root template (nested stacks hold the API only).

use super::{Generator, TemplateError};
use crate::app::events::{EventFunction, Wiring};
use crate::app::resources::{ResourcesError, RESOURCES_PATH};
use crate::app::{names, AppError};
use crate::cfn::model::*;
use serde_json::{json, Value};

/// The longest ID of a rule's target.
const MAX_TARGET_ID: usize = 64;

impl Generator<'_> {
    /// Adds every event function's wiring to the root template, refusing a
    /// logical ID another resource of the template already has.
    pub(super) fn write_events(&self, root: &mut Template) -> Result<(), TemplateError> {
        for event in &self.app.events {
            for (id, resource) in self.event_resources(event) {
                if root.resources.contains_key(&id) {
                    return Err(AppError::Event {
                        attribute: event.attribute,
                        function: event.name.clone(),
                        location: event.location.clone(),
                        message: format!(
                            "its resource `{id}` would have the logical ID of another resource of the template; rename the function"
                        ),
                    }
                    .into());
                }
                root.resources.insert(id, resource);
            }
        }
        Ok(())
    }

    /// The resources of one event function's wiring, by logical ID.
    fn event_resources(&self, event: &EventFunction) -> Vec<(String, Resource)> {
        let function_arn = match self.app.function(&event.name) {
            Some(function) => self.invoked_arn(function),
            None => Expr::get_att(&event.function_id, "Arn"),
        };
        let permission =
            |principal: &str, source_account: Option<Expr>, source_arn: Option<Expr>| {
                (
                    names::event_permission_id(&event.stem),
                    ResourceKind::Permission(PermissionProps {
                        action: "lambda:InvokeFunction".to_owned(),
                        function_name: function_arn.clone(),
                        principal: principal.to_owned(),
                        source_account,
                        source_arn,
                    })
                    .into(),
                )
            };
        let mut resources: Vec<(String, Resource)> = Vec::new();
        match &event.wiring {
            Wiring::Rule {
                schedule_expression,
                event_pattern,
                event_bus,
                description,
            } => {
                let rule_id = names::event_rule_id(&event.stem);
                resources.push((
                    rule_id.clone(),
                    ResourceKind::EventsRule(EventsRuleProps {
                        description: description.clone(),
                        event_bus_name: event_bus.as_ref().map(|bus| bus.arn.clone()),
                        event_pattern: event_pattern.clone(),
                        schedule_expression: schedule_expression.clone(),
                        state: "ENABLED".to_owned(),
                        targets: vec![RuleTarget {
                            arn: function_arn.clone(),
                            id: event.function_id.chars().take(MAX_TARGET_ID).collect(),
                        }],
                    })
                    .into(),
                ));
                resources.push(permission(
                    "events.amazonaws.com",
                    None,
                    Some(Expr::get_att(rule_id, "Arn")),
                ));
            }
            Wiring::Mapping {
                source,
                batch_size,
                max_batching_window,
                starting_position,
            } => resources.push((
                names::event_mapping_id(&event.stem),
                ResourceKind::EventSourceMapping(EventSourceMappingProps {
                    batch_size: *batch_size,
                    enabled: true,
                    event_source_arn: source.arn.clone(),
                    function_name: match &event.alias {
                        Some(_) => function_arn.clone(),
                        None => Expr::reference(&event.function_id),
                    },
                    function_response_types: vec!["ReportBatchItemFailures".to_owned()],
                    maximum_batching_window_in_seconds: *max_batching_window,
                    starting_position: starting_position.clone(),
                })
                .into(),
            )),
            Wiring::Subscription {
                topic,
                filter_policy,
            } => {
                let region = match &topic.place {
                    crate::app::events::sources::Place::External { region, .. } => region.clone(),
                    crate::app::events::sources::Place::Declared { .. } => None,
                };
                resources.push((
                    names::event_subscription_id(&event.stem),
                    ResourceKind::SnsSubscription(SnsSubscriptionProps {
                        endpoint: function_arn.clone(),
                        filter_policy: filter_policy.clone(),
                        protocol: "lambda".to_owned(),
                        region,
                        topic_arn: topic.arn.clone(),
                    })
                    .into(),
                ));
                resources.push(permission(
                    "sns.amazonaws.com",
                    None,
                    Some(topic.arn.clone()),
                ));
            }
            Wiring::Bucket {
                bucket, known_name, ..
            } => {
                // The bucket's ARN, unless only the bucket itself knows it
                // (which would make the permission and the bucket wait for
                // each other).
                let source_arn = match (bucket.declared_id(), known_name) {
                    (None, _) => Some(bucket.arn.clone()),
                    (Some(_), Some(Expr::Str(name) | Expr::Sub { text: name })) => {
                        Some(Expr::sub(format!("arn:${{AWS::Partition}}:s3:::{name}")))
                    }
                    (Some(_), _) => None,
                };
                resources.push(permission(
                    "s3.amazonaws.com",
                    Some(Expr::reference("AWS::AccountId")),
                    source_arn,
                ));
            }
            Wiring::Invoke => {}
        }
        resources
    }

    /// Adds each S3 function's entries to its declared bucket's
    /// `NotificationConfiguration` (once `.chalice/resources.json` is in
    /// `root`), the bucket depending on the function's permission.
    pub(super) fn write_bucket_notifications(
        &self,
        root: &mut Template,
    ) -> Result<(), TemplateError> {
        for event in &self.app.events {
            let Wiring::Bucket {
                bucket,
                events,
                prefix,
                suffix,
                ..
            } = &event.wiring
            else {
                continue;
            };
            let Some(bucket_id) = bucket.declared_id() else {
                continue;
            };
            let invalid = |message: String| {
                TemplateError::Resources(ResourcesError::Invalid(format!(
                    "resource `{bucket_id}` {message}, so the notifications of {} cannot be added to it",
                    event.describe()
                )))
            };
            let Some(ResourceKind::Declared(attributes)) =
                root.resources.get_mut(bucket_id).map(|r| &mut r.kind)
            else {
                return Err(invalid("is not in the template".to_owned()));
            };
            let configurations = lambda_configurations(attributes).map_err(invalid)?;
            let mut rules = Vec::new();
            if let Some(prefix) = prefix {
                rules.push(json!({"Name": "prefix", "Value": prefix}));
            }
            if let Some(suffix) = suffix {
                rules.push(json!({"Name": "suffix", "Value": suffix}));
            }
            let function_arn = Expr::sub(format!(
                "arn:${{AWS::Partition}}:lambda:${{AWS::Region}}:${{AWS::AccountId}}:function:{}",
                event.invoked_name()
            ));
            for kind in events {
                let mut entry = json!({"Event": kind, "Function": function_arn});
                if !rules.is_empty() {
                    entry["Filter"] = json!({"S3Key": {"Rules": rules}});
                }
                configurations.push(entry);
            }
            let permission = names::event_permission_id(&event.stem);
            let depends_on = match attributes.remove("DependsOn") {
                None => vec![],
                Some(Value::Array(items)) => items,
                Some(one) => vec![one],
            };
            let mut depends_on: Vec<Value> = depends_on
                .into_iter()
                .filter(|d| d.as_str() != Some(permission.as_str()))
                .collect();
            depends_on.push(Value::String(permission));
            attributes.insert("DependsOn".to_owned(), Value::Array(depends_on));
        }
        if let Some(cycle) = crate::app::resources::cycle(root) {
            return Err(TemplateError::Resources(ResourcesError::Invalid(format!(
                "resources depend on each other in a circle, which CloudFormation cannot create: {} (a bucket with `#[on_s3_event]` functions waits for them: none of them, nor what they refer to, may refer to the bucket except through a known `BucketName`)",
                cycle.join(" → ")
            ))));
        }
        Ok(())
    }
}

/// The `Properties.NotificationConfiguration.LambdaConfigurations` list of a
/// declared resource, created when absent; what is wrong when it is not a
/// list the tool can add to.
fn lambda_configurations(
    attributes: &mut serde_json::Map<String, Value>,
) -> Result<&mut Vec<Value>, String> {
    let properties = attributes
        .entry("Properties")
        .or_insert_with(|| json!({}))
        .as_object_mut()
        .ok_or_else(|| "has `Properties` that are not an object".to_owned())?;
    let notification = properties
        .entry("NotificationConfiguration")
        .or_insert_with(|| json!({}))
        .as_object_mut()
        .ok_or_else(|| {
            format!("has a `NotificationConfiguration` that is not an object in `{RESOURCES_PATH}`")
        })?;
    notification
        .entry("LambdaConfigurations")
        .or_insert_with(|| json!([]))
        .as_array_mut()
        .ok_or_else(|| "has `LambdaConfigurations` that are not a list".to_owned())
}

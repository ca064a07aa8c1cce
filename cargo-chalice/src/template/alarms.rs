//! The stage's alarms in the template ([`crate::app::alarms`]): one
//! `AWS::CloudWatch::Alarm` per resolved alarm (a minute's datapoint, missing
//! data not breaching), notifying `AlarmTopic` (an `AWS::SNS::Topic` with
//! the email subscription of `alarms.notify`) or the topic `notify` names.

use super::Generator;
use crate::app::alarms::{Notify, Statistic};
use crate::cfn::model::*;
use crate::cfn::operations::*;

/// The logical ID of the topic made for an email address.
pub const ALARM_TOPIC_ID: &str = "AlarmTopic";

impl Generator<'_> {
    /// Writes the alarms and the topic they notify.
    pub(super) fn write_alarms(&self, template: &mut Template) {
        let alarms = &self.app.alarms;
        let actions = match &alarms.notify {
            None => Vec::new(),
            Some(Notify::Topic(arn)) => vec![Expr::str(arn)],
            Some(Notify::Email(address)) => {
                template.resources.insert(
                    ALARM_TOPIC_ID.to_owned(),
                    ResourceKind::Topic(TopicProps {
                        subscription: vec![TopicSubscription {
                            endpoint: address.clone(),
                            protocol: "email".to_owned(),
                        }],
                    })
                    .into(),
                );
                vec![Expr::reference(ALARM_TOPIC_ID)]
            }
        };
        for alarm in &alarms.alarms {
            let (statistic, extended_statistic) = match &alarm.statistic {
                Statistic::Plain(name) => (Some((*name).to_owned()), None),
                Statistic::Percentile(name) => (None, Some((*name).to_owned())),
            };
            template.resources.insert(
                alarm.logical_id.clone(),
                ResourceKind::Alarm(Box::new(AlarmProps {
                    alarm_description: alarm.description.clone(),
                    namespace: alarm.namespace.to_owned(),
                    metric_name: alarm.metric.to_owned(),
                    dimensions: alarm
                        .dimensions
                        .iter()
                        .map(|(name, value)| Dimension {
                            name: (*name).to_owned(),
                            value: value.clone(),
                        })
                        .collect(),
                    statistic,
                    extended_statistic,
                    period: 60,
                    evaluation_periods: 1,
                    threshold: alarm.threshold,
                    comparison_operator: alarm.comparison.to_owned(),
                    treat_missing_data: "notBreaching".to_owned(),
                    alarm_actions: actions.clone(),
                }))
                .into(),
            );
        }
    }
}

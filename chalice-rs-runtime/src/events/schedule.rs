//! EventBridge events: the scheduled event of `#[schedule]` and the matched
//! event of `#[on_event]`.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// What a `#[schedule]` function receives: EventBridge's `Scheduled Event`.
///
/// ```json
/// {"version": "0", "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
///  "detail-type": "Scheduled Event", "source": "aws.events",
///  "account": "123456789012", "time": "2015-10-08T16:53:06Z",
///  "region": "us-east-1",
///  "resources": ["arn:aws:events:us-east-1:123456789012:rule/my-scheduled-rule"],
///  "detail": {}}
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduledEvent {
    /// The event's id.
    pub id: String,
    /// When the rule fired (ISO 8601, UTC): `2015-10-08T16:53:06Z`.
    pub time: String,
    /// The region of the rule.
    pub region: String,
    /// The account of the rule.
    pub account: String,
    /// The rule's ARN (one entry).
    #[serde(default)]
    pub resources: Vec<String>,
    /// `Scheduled Event`.
    #[serde(rename = "detail-type")]
    pub detail_type: String,
    /// `aws.events`.
    pub source: String,
}

impl ScheduledEvent {
    /// The ARN of the rule that fired, when the event names one.
    pub fn rule_arn(&self) -> Option<&str> {
        self.resources.first().map(String::as_str)
    }
}

/// What an `#[on_event]` function receives: the EventBridge event its
/// pattern matched, its `detail` deserialized as `T` (any JSON by default).
///
/// ```
/// use chalice_rs_runtime::events::EventBridgeEvent;
/// #[derive(serde::Deserialize)]
/// struct Order { id: String }
///
/// let event: EventBridgeEvent<Order> = serde_json::from_value(serde_json::json!({
///     "version": "0", "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
///     "detail-type": "Order Placed", "source": "app.orders", "account": "123456789012",
///     "time": "2024-01-01T03:00:00Z", "region": "us-east-1", "resources": [],
///     "detail": {"id": "o-1"}
/// })).unwrap();
/// assert_eq!(event.detail.id, "o-1");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(bound(deserialize = "T: DeserializeOwned"))]
pub struct EventBridgeEvent<T = serde_json::Value> {
    /// The event's id.
    pub id: String,
    /// The event's type: `Order Placed`.
    #[serde(rename = "detail-type")]
    pub detail_type: String,
    /// Who sent it: `app.orders`, `aws.ec2`.
    pub source: String,
    /// The account of the bus.
    pub account: String,
    /// When it happened (ISO 8601, UTC).
    pub time: String,
    /// The region of the bus.
    pub region: String,
    /// The ARNs of the resources it concerns.
    #[serde(default)]
    pub resources: Vec<String>,
    /// The event's own content.
    pub detail: T,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_scheduled_event_as_eventbridge_sends_it() {
        let event: ScheduledEvent = serde_json::from_value(json!({
            "version": "0",
            "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": "123456789012",
            "time": "2015-10-08T16:53:06Z",
            "region": "us-east-1",
            "resources": ["arn:aws:events:us-east-1:123456789012:rule/my-scheduled-rule"],
            "detail": {}
        }))
        .unwrap();
        assert_eq!(event.time, "2015-10-08T16:53:06Z");
        assert_eq!(event.detail_type, "Scheduled Event");
        assert_eq!(
            event.rule_arn(),
            Some("arn:aws:events:us-east-1:123456789012:rule/my-scheduled-rule")
        );
        assert_eq!(
            (event.region.as_str(), event.account.as_str()),
            ("us-east-1", "123456789012")
        );
    }

    #[test]
    fn an_eventbridge_event_with_a_typed_detail() {
        #[derive(Debug, Deserialize, PartialEq)]
        #[serde(rename_all = "kebab-case")]
        struct StateChange {
            instance_id: String,
            state: String,
        }
        let raw = json!({
            "version": "0",
            "id": "7bf73129-1428-4cd3-a780-95db273d1602",
            "detail-type": "EC2 Instance State-change Notification",
            "source": "aws.ec2",
            "account": "123456789012",
            "time": "2021-11-11T21:29:54Z",
            "region": "us-east-1",
            "resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111"],
            "detail": {"instance-id": "i-abcd1111", "state": "pending"}
        });
        let typed: EventBridgeEvent<StateChange> = serde_json::from_value(raw.clone()).unwrap();
        assert_eq!(
            typed.detail,
            StateChange {
                instance_id: "i-abcd1111".into(),
                state: "pending".into()
            }
        );
        assert_eq!(typed.source, "aws.ec2");
        let untyped: EventBridgeEvent = serde_json::from_value(raw).unwrap();
        assert_eq!(untyped.detail["state"], "pending");
    }
}

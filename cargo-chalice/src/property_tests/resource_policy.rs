//! The API's resource policy (`local::resource_policy`) against the
//! authorizer policy evaluator of the runtime (`evaluate_policy`, itself
//! checked against IAM's rules by the runtime's property tests): on
//! documents without conditions, both say the same of every method ARN.
//! Any document is read without a panic.

use super::{any_json, config};
use crate::local::resource_policy::{ResourcePolicy, Verdict};
use chalice_rs_runtime::authorizer::evaluate_policy;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{json, Value};
use std::net::{IpAddr, Ipv4Addr};

const PREFIX: &str = "arn:aws:execute-api:us-east-1:123456789012:local";
const CALLER: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

const KEYS: &[&str] = &[
    "Statement",
    "Effect",
    "Allow",
    "Deny",
    "Action",
    "Resource",
    "Condition",
    "IpAddress",
    "aws:SourceIp",
    "execute-api:Invoke",
    "*",
];

fn statement() -> impl Strategy<Value = Value> {
    let action = select(
        &[
            "execute-api:Invoke",
            "execute-api:invoke",
            "execute-api:*",
            "execute-api:?",
            "*",
            "s3:*",
        ][..],
    );
    let resource = prop_oneof![
        Just("*".to_owned()),
        "[GETPOS*?/ab]{0,8}".prop_map(|tail| format!("{PREFIX}/api/{tail}")),
    ];
    (
        select(&["Allow", "Deny", "allow", ""][..]),
        vec(action, 1..3),
        vec(resource, 1..3),
    )
        .prop_map(|(effect, actions, resources)| {
            json!({"Effect": effect, "Action": actions, "Resource": resources})
        })
}

/// What the verdict says as `evaluate_policy` says it.
fn as_evaluation(verdict: Verdict) -> Option<bool> {
    match verdict {
        Verdict::Allowed => Some(true),
        Verdict::Denied(message) if message.ends_with("with an explicit deny") => Some(false),
        Verdict::Denied(_) => None,
    }
}

proptest! {
    #![proptest_config(config(256))]

    /// Without conditions, the resource policy says what the authorizer
    /// policy evaluator says.
    #[test]
    fn the_resource_policy_agrees_with_the_authorizer_evaluator(
        statements in vec(statement(), 0..4),
        tail in "(GET|POST)/[ab/]{0,5}",
    ) {
        let document = json!({"Version": "2012-10-17", "Statement": statements});
        let method_arn = format!("{PREFIX}/api/{tail}");
        let (policy, warnings) = ResourcePolicy::new(&document, PREFIX);
        let verdict = as_evaluation(policy.evaluate(&method_arn, CALLER));
        prop_assert_eq!(verdict, evaluate_policy(&document, &method_arn), "{} on {}: {:?}", document, method_arn, warnings);
    }

    /// Any document is read and evaluated without a panic.
    #[test]
    fn any_document_is_read(document in any_json(KEYS), tail in "(GET|POST)/[ab/]{0,5}") {
        let (policy, _warnings) = ResourcePolicy::new(&document, PREFIX);
        let _ = policy.evaluate(&format!("{PREFIX}/api/{tail}"), CALLER);
    }
}

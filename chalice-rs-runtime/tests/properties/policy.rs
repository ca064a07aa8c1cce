//! `authorizer::evaluate_policy` (the IAM policy an authorizer returns)
//! against IAM's rules: a statement applies when one of its actions covers
//! `execute-api:Invoke` (action names are case-insensitive) and one of its
//! resources matches the method's ARN (case-sensitive); `*` matches any run
//! of characters and `?` one. An applying `Deny` wins, then an applying
//! `Allow`; otherwise the policy says nothing (an implicit deny). A statement
//! whose `Effect` is neither `Allow` nor `Deny` says nothing.

use crate::config;
use chalice_rs_runtime::authorizer::{evaluate_policy, wildcard_match};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{json, Value};

/// The ARNs' common start: the methods differ after it.
const API: &str = "arn:aws:execute-api:us-east-1:123456789012:api/dev/";

/// IAM's glob, by dynamic programming over the two strings' characters:
/// `matches[i][j]` when `pattern[i..]` matches `text[j..]`.
fn glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let mut matches = vec![vec![false; t.len() + 1]; p.len() + 1];
    matches[p.len()][t.len()] = true;
    for i in (0..p.len()).rev() {
        for j in (0..=t.len()).rev() {
            matches[i][j] = match p[i] {
                '*' => matches[i + 1][j] || (j < t.len() && matches[i][j + 1]),
                '?' => j < t.len() && matches[i + 1][j + 1],
                c => j < t.len() && t[j] == c && matches[i + 1][j + 1],
            };
        }
    }
    matches[0][0]
}

/// What the policy says of `method_arn`: `Some(false)` an explicit deny,
/// `Some(true)` allowed, `None` nothing.
fn model(statements: &[Statement], method_arn: &str) -> Option<bool> {
    let applying: Vec<&str> = statements
        .iter()
        .filter(|s| {
            s.actions
                .iter()
                .any(|a| glob(&a.to_lowercase(), "execute-api:invoke"))
                && s.resources.iter().any(|r| glob(r, method_arn))
        })
        .map(|s| s.effect)
        .collect();
    if applying.contains(&"Deny") {
        Some(false)
    } else if applying.contains(&"Allow") {
        Some(true)
    } else {
        None
    }
}

#[derive(Debug, Clone)]
struct Statement {
    effect: &'static str,
    actions: Vec<&'static str>,
    resources: Vec<String>,
}

impl Statement {
    /// As JSON: a lone action or resource is sometimes a string, not a list.
    fn to_json(&self, lone_as_string: bool) -> Value {
        let list = |items: Vec<Value>| match items.as_slice() {
            [one] if lone_as_string => one.clone(),
            _ => Value::Array(items),
        };
        json!({
            "Effect": self.effect,
            "Action": list(self.actions.iter().map(|a| json!(a)).collect()),
            "Resource": list(self.resources.iter().map(|r| json!(r)).collect()),
        })
    }
}

/// Actions that cover `execute-api:Invoke` or do not, some only when
/// compared without case.
const ACTIONS: &[&str] = &[
    "execute-api:Invoke",
    "execute-api:invoke",
    "EXECUTE-API:INVOKE",
    "execute-api:*",
    "execute-api:Inv?ke",
    "execute-api:?",
    "execute-api:ManageConnections",
    "*",
    "s3:*",
];

/// ARN tails from a small alphabet, so that patterns often match.
fn arn_tail() -> impl Strategy<Value = String> {
    "(GET|POST)/[ab/]{0,5}"
}

fn resource() -> impl Strategy<Value = String> {
    prop_oneof![
        1 => Just("*".to_owned()),
        4 => "[GETPOS*?/ab]{0,9}".prop_map(|tail| format!("{API}{tail}")),
        1 => "[a-z:*?]{0,6}".prop_map(|p| format!("arn:aws:execute-api:{p}")),
    ]
}

fn statement() -> impl Strategy<Value = Statement> {
    (
        select(&["Allow", "Deny", "allow", ""][..]),
        vec(select(ACTIONS), 1..3),
        vec(resource(), 1..3),
    )
        .prop_map(|(effect, actions, resources)| Statement {
            effect,
            actions,
            resources,
        })
}

/// Any JSON, nested a few levels.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        "\\PC{0,8}".prop_map(Value::from),
        select(
            &[
                "Statement",
                "Effect",
                "Allow",
                "Deny",
                "Action",
                "Resource",
                "*"
            ][..]
        )
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 32, 4, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..4).prop_map(Value::Array),
            vec(
                (
                    select(&["Statement", "Effect", "Action", "Resource", "x"][..]),
                    inner
                ),
                0..4
            )
            .prop_map(|entries| Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k.to_owned(), v))
                    .collect()
            )),
        ]
    })
}

proptest! {
    #![proptest_config(config(512))]

    /// The evaluator answers what IAM's rules answer.
    #[test]
    fn the_evaluator_agrees_with_iam(
        statements in vec(statement(), 0..4),
        lone_as_string in any::<bool>(),
        single_statement_object in any::<bool>(),
        tail in arn_tail(),
    ) {
        let method_arn = format!("{API}{tail}");
        let listed: Vec<Value> = statements.iter().map(|s| s.to_json(lone_as_string)).collect();
        let policy = match listed.as_slice() {
            [one] if single_statement_object => json!({"Version": "2012-10-17", "Statement": one}),
            _ => json!({"Version": "2012-10-17", "Statement": listed}),
        };
        prop_assert_eq!(
            evaluate_policy(&policy, &method_arn),
            model(&statements, &method_arn),
            "{} on {}", policy, method_arn
        );
    }

    /// The glob is IAM's.
    #[test]
    fn wildcards_match_as_iam_globs(pattern in "[ab\u{e9}*?]{0,8}", text in "[ab\u{e9}]{0,8}") {
        prop_assert_eq!(wildcard_match(&pattern, &text), glob(&pattern, &text));
    }

    /// Any document: no panic, and an answer only from a `Statement`.
    #[test]
    fn any_document_is_evaluated_without_panic(document in any_json(), tail in arn_tail()) {
        let method_arn = format!("{API}{tail}");
        let answer = evaluate_policy(&document, &method_arn);
        if document.get("Statement").is_none() {
            prop_assert_eq!(answer, None);
        }
    }
}

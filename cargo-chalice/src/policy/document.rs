//! The policy document: its statements from the calls found, a policy
//! file's check, and the text `cargo chalice gen-policy` prints.

use super::actions_for;
use super::{PolicyError, PolicyOutcome, PolicySource, SdkCall};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Reads and checks a policy document file (JSON with a `Statement`).
pub fn read_policy_file(path: &Path) -> Result<Value, PolicyError> {
    let text = std::fs::read_to_string(path).map_err(|source| PolicyError::Read {
        path: path.to_owned(),
        source,
    })?;
    let fail = |message: String| PolicyError::PolicyFile {
        path: path.to_owned(),
        message,
    };
    let value: Value = serde_json::from_str(&text)
        .map_err(|e| fail(format!("line {}, column {}: {e}", e.line(), e.column())))?;
    match value.get("Statement") {
        Some(Value::Array(statements)) if !statements.is_empty() => Ok(value),
        Some(Value::Object(_)) => Ok(value),
        _ => Err(fail(
            "a policy document needs a non-empty `Statement`".to_owned(),
        )),
    }
}

/// The policy document granting the mapped calls, and the unmapped calls.
///
/// One statement per IAM service prefix (sorted), its actions sorted and
/// deduplicated, `Resource: "*"`. `None` when no call maps to an action.
pub fn generate(calls: &[SdkCall]) -> (Option<Value>, Vec<SdkCall>) {
    let mut by_prefix: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut unmapped = Vec::new();
    for call in calls {
        match actions_for(&call.service_crate, &call.method) {
            Some(actions) => {
                for action in actions {
                    let prefix = action.split(':').next().unwrap_or_default().to_owned();
                    by_prefix.entry(prefix).or_default().insert(action);
                }
            }
            None => unmapped.push(call.clone()),
        }
    }
    unmapped.sort();
    unmapped.dedup();
    if by_prefix.is_empty() {
        return (None, unmapped);
    }
    let statements: Vec<Value> = by_prefix
        .iter()
        .map(|(prefix, actions)| {
            json!({
                "Sid": statement_id(prefix),
                "Effect": "Allow",
                "Action": actions.iter().collect::<Vec<_>>(),
                "Resource": "*",
            })
        })
        .collect();
    (
        Some(json!({"Version": "2012-10-17", "Statement": statements})),
        unmapped,
    )
}

/// `cognito-idp` → `CognitoIdpCalls`: an IAM statement id (alphanumeric).
fn statement_id(prefix: &str) -> String {
    let mut out = String::new();
    for word in prefix.split(|c: char| !c.is_ascii_alphanumeric()) {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(chars);
        }
    }
    out.push_str("Calls");
    out
}

/// The text `cargo chalice gen-policy` prints: the document (or why there is
/// none), then the unmapped calls as warnings on stderr's behalf.
pub fn render(outcome: &PolicyOutcome) -> (String, Vec<String>) {
    let mut warnings: Vec<String> = outcome
        .unmapped
        .iter()
        .map(|call| format!("not granted (unknown IAM action): {call}"))
        .collect();
    let stdout = match (&outcome.document, &outcome.source) {
        (Some(document), _) => {
            let mut text = serde_json::to_string_pretty(document).unwrap_or_default();
            text.push('\n');
            text
        }
        (None, PolicySource::Disabled) => {
            warnings.push(
                "autogen_policy is false and no iam_policy_file is set: no policy".to_owned(),
            );
            String::new()
        }
        (None, _) => {
            warnings.push(
                "no AWS SDK client call found: the app needs no extra permissions".to_owned(),
            );
            String::new()
        }
    };
    (stdout, warnings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn document_is_sorted_deduplicated_and_lists_unmapped() {
        let call = |service: &str, method: &str, line: usize| SdkCall {
            service_crate: service.to_owned(),
            method: method.to_owned(),
            file: PathBuf::from("src/main.rs"),
            line,
        };
        let calls = [
            call("aws_sdk_s3", "put_object", 9),
            call("aws_sdk_dynamodb", "scan", 3),
            call("aws_sdk_dynamodb", "put_item", 1),
            call("aws_sdk_dynamodb", "scan", 5),
            call("aws_sdk_dynamodb", "execute_statement", 7),
        ];
        let (document, unmapped) = generate(&calls);
        assert_eq!(
            document,
            Some(json!({
                "Version": "2012-10-17",
                "Statement": [
                    {"Sid": "DynamodbCalls", "Effect": "Allow",
                     "Action": ["dynamodb:PutItem", "dynamodb:Scan"], "Resource": "*"},
                    {"Sid": "S3Calls", "Effect": "Allow", "Action": ["s3:PutObject"], "Resource": "*"},
                ]
            }))
        );
        assert_eq!(unmapped, [call("aws_sdk_dynamodb", "execute_statement", 7)]);
        let text = serde_json::to_string(&document).unwrap_or_default();
        assert!(
            !text.contains("\"*\"]") && !text.contains(":*"),
            "no wildcard action: {text}"
        );

        let (none, unmapped) = generate(&[call("aws_sdk_s3", "select_object_content", 2)]);
        assert_eq!(none, None);
        assert_eq!(unmapped.len(), 1);
        assert_eq!(
            unmapped[0].to_string(),
            "src/main.rs:2: aws_sdk_s3::Client::select_object_content"
        );
    }
}

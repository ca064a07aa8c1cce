//! The `$connect` authorizer, as API Gateway applies a REQUEST Lambda
//! authorizer to a WebSocket API: 401 without every identity source, the
//! authorizer's policy on the `$connect` method ARN, its context passed on to
//! the connection's events.

use serde_json::{json, Value};

/// Why a connection is refused: the status the client gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// 401: an identity source is missing, or the authorizer said `Unauthorized`.
    Unauthorized,
    /// 403: the policy does not allow `$connect`.
    Forbidden,
    /// 500: the authorizer failed.
    Failed,
}

impl Refusal {
    /// The status and message API Gateway answers with.
    pub fn answer(self) -> (http::StatusCode, &'static str) {
        match self {
            Refusal::Unauthorized => (http::StatusCode::UNAUTHORIZED, "Unauthorized"),
            Refusal::Forbidden => (http::StatusCode::FORBIDDEN, "Forbidden"),
            Refusal::Failed => (
                http::StatusCode::INTERNAL_SERVER_ERROR,
                "Internal server error",
            ),
        }
    }
}

/// The `$connect` method ARN of the local API in `region` and `stage`.
pub fn method_arn(region: &str, account: &str, api_id: &str, stage: &str) -> String {
    format!("arn:aws:execute-api:{region}:{account}:{api_id}/{stage}/$connect")
}

/// Whether the `$connect` event has every identity source
/// (`route.request.header.X`, `route.request.querystring.q`; others, such as
/// stage variables, are not checked).
pub fn identity_present(identity_sources: &[String], connect_event: &Value) -> bool {
    identity_sources.iter().all(|source| {
        if let Some(header) = source.strip_prefix("route.request.header.") {
            return connect_event["headers"]
                .as_object()
                .is_some_and(|h| h.keys().any(|k| k.eq_ignore_ascii_case(header)));
        }
        if let Some(name) = source.strip_prefix("route.request.querystring.") {
            return connect_event["queryStringParameters"].get(name).is_some();
        }
        true
    })
}

/// The REQUEST authorizer's event: the `$connect` event with its `type` and
/// `methodArn`.
pub fn request_event(connect_event: &Value, method_arn: &str) -> Value {
    let mut event = connect_event.clone();
    event["type"] = json!("REQUEST");
    event["methodArn"] = json!(method_arn);
    event
}

/// The decision of the authorizer's `output`: its context (with
/// `principalId`) when its policy allows `method_arn` and denies nothing of
/// it, else [`Refusal::Forbidden`].
pub fn decide(output: &Value, method_arn: &str) -> Result<Value, Refusal> {
    let statements = output["policyDocument"]["Statement"]
        .as_array()
        .ok_or(Refusal::Failed)?;
    let matching = |effect: &str| {
        statements.iter().any(|s| {
            s["Effect"].as_str() == Some(effect)
                && resources(&s["Resource"])
                    .iter()
                    .any(|r| arn_matches(r, method_arn))
        })
    };
    if !matching("Allow") || matching("Deny") {
        return Err(Refusal::Forbidden);
    }
    let mut context = output["context"].as_object().cloned().unwrap_or_default();
    context.insert("principalId".to_owned(), output["principalId"].clone());
    Ok(Value::Object(context))
}

/// The refusal of an authorizer that failed with `error` (Lambda's error
/// document): `Unauthorized` is a 401, as API Gateway reads it.
pub fn failure(error: &[u8]) -> Refusal {
    let document: Value = serde_json::from_slice(error).unwrap_or(Value::Null);
    if document["errorMessage"].as_str() == Some("Unauthorized") {
        Refusal::Unauthorized
    } else {
        Refusal::Failed
    }
}

/// A policy statement's `Resource`: one ARN or a list.
fn resources(value: &Value) -> Vec<String> {
    match value {
        Value::String(one) => vec![one.clone()],
        Value::Array(many) => many
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

/// Whether `pattern` (with `*` and `?` wildcards, as IAM's) matches `arn`.
fn arn_matches(pattern: &str, arn: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let text: Vec<char> = arn.chars().collect();
    let (mut p, mut t, mut star, mut mark) = (0, 0, None, 0);
    while t < text.len() {
        if p < pattern.len() && (pattern[p] == '?' || pattern[p] == text[t]) {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == '*' {
            star = Some(p);
            mark = t;
            p += 1;
        } else if let Some(s) = star {
            p = s + 1;
            mark += 1;
            t = mark;
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARN: &str = "arn:aws:execute-api:us-east-1:123456789012:local/api/$connect";

    fn policy(effect: &str, resource: Value) -> Value {
        json!({
            "principalId": "ana",
            "policyDocument": {"Version": "2012-10-17", "Statement": [
                {"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}
            ]},
            "context": {"room": "lobby"},
        })
    }

    #[test]
    fn policy_resources_match_with_wildcards() {
        assert!(arn_matches(ARN, ARN));
        assert!(arn_matches("arn:aws:execute-api:*:*:local/*", ARN));
        assert!(arn_matches("*", ARN));
        assert!(!arn_matches("arn:aws:execute-api:*:*:other/*", ARN));
    }

    #[test]
    fn the_policy_decides_and_the_context_is_kept() {
        assert_eq!(
            decide(&policy("Allow", json!(ARN)), ARN),
            Ok(json!({"principalId": "ana", "room": "lobby"}))
        );
        assert_eq!(
            decide(
                &policy("Allow", json!(["arn:aws:execute-api:*:*:local/api/*"])),
                ARN
            )
            .map(|_| ()),
            Ok(())
        );
        assert_eq!(
            decide(&policy("Deny", json!(ARN)), ARN),
            Err(Refusal::Forbidden)
        );
        assert_eq!(
            decide(
                &policy("Allow", json!("arn:aws:execute-api:*:*:other/*")),
                ARN
            ),
            Err(Refusal::Forbidden)
        );
        assert_eq!(decide(&json!({"nope": 1}), ARN), Err(Refusal::Failed));
        assert_eq!(
            failure(br#"{"errorType": "x", "errorMessage": "Unauthorized"}"#),
            Refusal::Unauthorized
        );
        assert_eq!(failure(b"{}"), Refusal::Failed);
    }

    #[test]
    fn identity_sources_must_all_be_there() {
        let event = json!({
            "headers": {"x-ticket": "t"},
            "queryStringParameters": {"room": "lobby"},
        });
        let sources = |list: &[&str]| list.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert!(identity_present(
            &sources(&[
                "route.request.header.X-Ticket",
                "route.request.querystring.room"
            ]),
            &event
        ));
        assert!(!identity_present(
            &sources(&["route.request.header.X-Other"]),
            &event
        ));
        assert!(!identity_present(
            &sources(&["route.request.querystring.ticket"]),
            &event
        ));
        let request = request_event(&event, ARN);
        assert_eq!(request["type"], "REQUEST");
        assert_eq!(request["methodArn"], ARN);
    }
}

//! The `$connect` authorizer, as API Gateway applies a REQUEST Lambda
//! authorizer to a WebSocket API: 401 without every identity source, the
//! authorizer's policy on the `$connect` method ARN, its context passed on to
//! the connection's events.

use chalice_rs_runtime::authorizer::evaluate_policy;
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
/// `principalId`) when its policy allows `method_arn` (and denies nothing of
/// it), else [`Refusal::Forbidden`].
pub fn decide(output: &Value, method_arn: &str) -> Result<Value, Refusal> {
    let policy = output.get("policyDocument").ok_or(Refusal::Failed)?;
    if evaluate_policy(policy, method_arn) != Some(true) {
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

    /// What `AuthResponse::allow(.., ["*"])` writes for `$connect` allows it.
    #[test]
    fn the_runtimes_allow_admits_the_connection() {
        let output = chalice_rs_runtime::authorizer::AuthResponse::allow("ana", ["*"])
            .context("room", "lobby")
            .into_output(ARN)
            .unwrap();
        assert_eq!(
            decide(&output, ARN),
            Ok(json!({"principalId": "ana", "room": "lobby"}))
        );
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

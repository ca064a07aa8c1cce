//! The API's resource policy, enforced on the caller's address as the
//! deployed RestApi's `Policy` is: the same document the template carries
//! (`resource_policy` or `resource_policy_file`). A statement applies when
//! its action covers `execute-api:Invoke` (compared without case, as IAM
//! does), a resource matches the method's ARN and its conditions hold; an
//! explicit `Deny` wins, and without an `Allow` the request is refused too.
//! A statement whose `Effect` is neither `Allow` nor `Deny` is reported and
//! skipped.
//!
//! Conditions on `aws:SourceIp` (`IpAddress`, `NotIpAddress`) are evaluated;
//! a statement with any other condition cannot be judged here: it is
//! reported when the server starts and then skipped.

use chalice_rs_runtime::authorizer::{self, covers_invoke, string_or_list, wildcard_match};
use ipnet::IpNet;
use serde_json::Value;
use std::net::IpAddr;

/// What the policy says of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The request may go on.
    Allowed,
    /// Refused: 403 with this message.
    Denied(String),
}

#[derive(Debug, Clone)]
enum Addresses {
    In(Vec<IpNet>),
    NotIn(Vec<IpNet>),
}

#[derive(Debug, Clone)]
struct Statement {
    deny: bool,
    resources: Vec<String>,
    conditions: Vec<Addresses>,
}

/// A resource policy ready to evaluate.
#[derive(Debug, Clone)]
pub struct ResourcePolicy {
    statements: Vec<Statement>,
}

impl ResourcePolicy {
    /// Reads `document`; `arn_prefix` (`arn:aws:execute-api:region:account:api`)
    /// expands the `execute-api:/...` shorthand. Returns the policy and one
    /// warning per statement that cannot be enforced locally.
    pub fn new(document: &Value, arn_prefix: &str) -> (Self, Vec<String>) {
        let mut statements = Vec::new();
        let mut warnings = Vec::new();
        for (index, statement) in authorizer::statements(document).iter().enumerate() {
            if !string_or_list(statement.get("Action")).any(covers_invoke) {
                continue;
            }
            let deny = match statement.get("Effect").and_then(Value::as_str) {
                Some("Allow") => false,
                Some("Deny") => true,
                _ => {
                    warnings.push(format!(
                        "resource policy statement {}: its `Effect` is neither `Allow` nor `Deny`; the statement is ignored",
                        index + 1
                    ));
                    continue;
                }
            };
            let resources = string_or_list(statement.get("Resource"))
                .map(|resource| match resource.strip_prefix("execute-api:") {
                    Some(rest) => format!("{arn_prefix}{rest}"),
                    None => resource.to_owned(),
                })
                .collect();
            match conditions(statement.get("Condition")) {
                Ok(conditions) => statements.push(Statement {
                    deny,
                    resources,
                    conditions,
                }),
                Err(what) => warnings.push(format!(
                    "resource policy statement {}: {what} cannot be checked locally; the statement is ignored",
                    index + 1
                )),
            }
        }
        (Self { statements }, warnings)
    }

    /// Whether `source_ip` may invoke `method_arn`.
    pub fn evaluate(&self, method_arn: &str, source_ip: IpAddr) -> Verdict {
        let mut allowed = false;
        for statement in &self.statements {
            let applies = statement
                .resources
                .iter()
                .any(|resource| wildcard_match(resource, method_arn))
                && statement
                    .conditions
                    .iter()
                    .all(|condition| match condition {
                        Addresses::In(nets) => nets.iter().any(|net| net.contains(&source_ip)),
                        Addresses::NotIn(nets) => !nets.iter().any(|net| net.contains(&source_ip)),
                    });
            if !applies {
                continue;
            }
            if statement.deny {
                return Verdict::Denied(format!(
                    "User: anonymous is not authorized to perform: execute-api:Invoke on resource: {method_arn} with an explicit deny"
                ));
            }
            allowed = true;
        }
        if allowed {
            Verdict::Allowed
        } else {
            Verdict::Denied(format!(
                "User: anonymous is not authorized to perform: execute-api:Invoke on resource: {method_arn}"
            ))
        }
    }
}

/// The source-IP conditions of a statement; `Err` names one it cannot judge.
fn conditions(condition: Option<&Value>) -> Result<Vec<Addresses>, String> {
    let Some(condition) = condition else {
        return Ok(Vec::new());
    };
    let Some(operators) = condition.as_object() else {
        return Err("a `Condition` that is not an object".to_owned());
    };
    let mut out = Vec::new();
    for (operator, keys) in operators {
        let Some(keys) = keys.as_object() else {
            return Err(format!("condition `{operator}`"));
        };
        for (key, values) in keys {
            if !key.eq_ignore_ascii_case("aws:SourceIp") {
                return Err(format!("condition key `{key}`"));
            }
            let nets = string_or_list(Some(values))
                .map(parse_net)
                .collect::<Result<Vec<_>, _>>()?;
            match operator.as_str() {
                "IpAddress" => out.push(Addresses::In(nets)),
                "NotIpAddress" => out.push(Addresses::NotIn(nets)),
                other => return Err(format!("condition operator `{other}`")),
            }
        }
    }
    Ok(out)
}

/// An address or CIDR range.
fn parse_net(text: &str) -> Result<IpNet, String> {
    text.parse::<IpNet>()
        .or_else(|_| text.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| format!("`{text}`, which is not an IP address or CIDR range,"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const PREFIX: &str = "arn:aws:execute-api:us-east-1:123456789012:local";
    const ARN: &str = "arn:aws:execute-api:us-east-1:123456789012:local/api/GET/items";

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn allow_and_deny_lists_as_the_template_writes_them() {
        let document = json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke",
             "Resource": "execute-api:/*", "Condition": {"IpAddress": {"aws:SourceIp": ["127.0.0.0/8"]}}},
            {"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke",
             "Resource": "execute-api:/*", "Condition": {"IpAddress": {"aws:SourceIp": ["127.0.0.2"]}}},
        ]});
        let (policy, warnings) = ResourcePolicy::new(&document, PREFIX);
        assert!(warnings.is_empty());
        assert_eq!(policy.evaluate(ARN, ip("127.0.0.1")), Verdict::Allowed);
        match policy.evaluate(ARN, ip("127.0.0.2")) {
            Verdict::Denied(message) => {
                assert!(message.ends_with("with an explicit deny"), "{message}")
            }
            other => panic!("{other:?}"),
        }
        match policy.evaluate(ARN, ip("10.1.2.3")) {
            Verdict::Denied(message) => {
                assert!(message.contains(ARN), "{message}");
                assert!(!message.contains("explicit"), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn resources_narrow_the_statement() {
        let document = json!({"Statement": [
            {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "execute-api:/*/GET/*"},
        ]});
        let (policy, _) = ResourcePolicy::new(&document, PREFIX);
        assert_eq!(policy.evaluate(ARN, ip("127.0.0.1")), Verdict::Allowed);
        let post = ARN.replace("/GET/", "/POST/");
        assert!(matches!(
            policy.evaluate(&post, ip("127.0.0.1")),
            Verdict::Denied(_)
        ));
    }

    #[test]
    fn other_conditions_are_reported_and_skipped() {
        let document = json!({"Statement": [
            {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"},
            {"Effect": "Deny", "Action": "execute-api:Invoke", "Resource": "*",
             "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-1"}}},
        ]});
        let (policy, warnings) = ResourcePolicy::new(&document, PREFIX);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].contains("aws:SourceVpce"), "{warnings:?}");
        assert_eq!(policy.evaluate(ARN, ip("127.0.0.1")), Verdict::Allowed);
    }

    /// Found by the property tests: an `Effect` other than `Deny` (`allow`,
    /// none) allowed, and action names were compared with their case.
    #[test]
    fn only_allow_allows_and_actions_ignore_case() {
        let document = json!({"Statement": [
            {"Effect": "allow", "Action": "execute-api:Invoke", "Resource": "*"},
            {"Effect": "Allow", "Action": "EXECUTE-API:invoke", "Resource": "*/POST/*"},
        ]});
        let (policy, warnings) = ResourcePolicy::new(&document, PREFIX);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].contains("statement 1"), "{warnings:?}");
        assert!(matches!(
            policy.evaluate(ARN, ip("127.0.0.1")),
            Verdict::Denied(_)
        ));
        let post = ARN.replace("/GET/", "/POST/");
        assert_eq!(policy.evaluate(&post, ip("127.0.0.1")), Verdict::Allowed);
    }
}

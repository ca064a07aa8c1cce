//! Checks the generator runs on every template it writes: what cfn-lint does
//! not check, or what would only fail at deploy time.
//!
//! - each `AWS::ApiGateway::Method` has an `AuthorizationType` and a Lambda
//!   proxy integration (`AWS_PROXY`, `IntegrationHttpMethod` `POST`), except
//!   CORS preflights (`OPTIONS`, `MOCK`, with integration and method
//!   responses); `CUSTOM` and `COGNITO_USER_POOLS` methods name an
//!   `AuthorizerId`, others do not;
//! - Lambda authorizers (`TOKEN`, `REQUEST`) have an `AuthorizerUri`, TOKEN
//!   and Cognito ones an `IdentitySource`, Cognito ones `ProviderARNs`; the
//!   result TTL is 0 to 3600 seconds;
//! - a usage plan covers at least one API stage;
//! - a template holding an `AWS::ApiGateway::Deployment` lists in its
//!   `DependsOn` every method of that template and every nested stack
//!   (which hold the other methods), or the deployment can be taken before
//!   the methods exist and API Gateway refuses an empty API;
//! - every `Ref`/`Fn::GetAtt`/`${...}` names a resource, a parameter or a
//!   pseudo parameter of the same template;
//! - logical IDs are alphanumeric and at most 255 characters;
//! - CloudFormation's limits: 500 resources, 200 parameters, 200 outputs;
//!   51,200 bytes for the root template (so that it can be passed inline as
//!   `TemplateBody`) and 1 MB for nested templates (read from S3);
//! - no generated policy statement grants the `*` action (generated roles:
//!   the shared role and those with a `Runtime` policy).

use crate::cfn::ids::is_valid_logical_id;
use serde_json::Value;
use std::collections::BTreeSet;

/// CloudFormation's limit on resources per template.
pub const MAX_RESOURCES: usize = 500;
/// CloudFormation's limit on a template passed as `TemplateBody`, in bytes:
/// the root template stays within it.
pub const MAX_TEMPLATE_BODY: usize = 51_200;
/// CloudFormation's limit on a template read from S3 (`TemplateURL`), in
/// bytes: nested templates, always uploaded, stay within it.
pub const MAX_TEMPLATE_URL: usize = 1_048_576;
/// CloudFormation's limit on parameters per template.
pub const MAX_PARAMETERS: usize = 200;
/// CloudFormation's limit on outputs per template.
pub const MAX_OUTPUTS: usize = 200;

/// The first problem found in a template, described for a bug report;
/// `max_bytes` is the size limit that applies to it.
pub fn check(
    name: &str,
    template: &Value,
    rendered_len: usize,
    max_bytes: usize,
) -> Result<(), String> {
    let fail = |message: String| Err(format!("{name}: {message}"));
    let empty = serde_json::Map::new();
    let resources = template
        .get("Resources")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let parameters = template
        .get("Parameters")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let outputs = template
        .get("Outputs")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    if resources.is_empty() {
        return fail("the template has no resources".to_owned());
    }
    if resources.len() > MAX_RESOURCES {
        return fail(format!(
            "{} resources (limit {MAX_RESOURCES})",
            resources.len()
        ));
    }
    if parameters.len() > MAX_PARAMETERS {
        return fail(format!(
            "{} parameters (limit {MAX_PARAMETERS})",
            parameters.len()
        ));
    }
    if outputs.len() > MAX_OUTPUTS {
        return fail(format!("{} outputs (limit {MAX_OUTPUTS})", outputs.len()));
    }
    if rendered_len > max_bytes {
        return fail(format!("{rendered_len} bytes (limit {max_bytes})"));
    }
    for id in resources
        .keys()
        .chain(parameters.keys())
        .chain(outputs.keys())
    {
        if !is_valid_logical_id(id) {
            return fail(format!("`{id}` is not a valid logical ID"));
        }
    }
    fn kind(resource: &Value) -> &str {
        resource.get("Type").and_then(Value::as_str).unwrap_or("")
    }
    let methods: BTreeSet<&str> = resources
        .iter()
        .filter(|(_, r)| kind(r) == "AWS::ApiGateway::Method")
        .map(|(id, _)| id.as_str())
        .collect();
    let stacks: BTreeSet<&str> = resources
        .iter()
        .filter(|(_, r)| kind(r) == "AWS::CloudFormation::Stack")
        .map(|(id, _)| id.as_str())
        .collect();
    for (id, resource) in resources {
        let properties = resource.get("Properties").unwrap_or(&Value::Null);
        match kind(resource) {
            "AWS::ApiGateway::Method" => {
                if properties
                    .get("AuthorizationType")
                    .and_then(Value::as_str)
                    .is_none_or(str::is_empty)
                {
                    return fail(format!("method `{id}` has no AuthorizationType"));
                }
                let authorization = properties
                    .get("AuthorizationType")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                let has_authorizer = properties.get("AuthorizerId").is_some();
                match authorization {
                    "CUSTOM" | "COGNITO_USER_POOLS" if !has_authorizer => {
                        return fail(format!(
                            "method `{id}` is {authorization} without an AuthorizerId"
                        ));
                    }
                    "NONE" | "AWS_IAM" if has_authorizer => {
                        return fail(format!(
                            "method `{id}` is {authorization} but names an AuthorizerId"
                        ));
                    }
                    "NONE" | "AWS_IAM" | "CUSTOM" | "COGNITO_USER_POOLS" => {}
                    other => {
                        return fail(format!("method `{id}` has the AuthorizationType `{other}`"));
                    }
                }
                let integration = properties.get("Integration").unwrap_or(&Value::Null);
                let preflight = properties.get("HttpMethod").and_then(Value::as_str)
                    == Some("OPTIONS")
                    && integration.get("Type").and_then(Value::as_str) == Some("MOCK");
                if preflight {
                    let non_empty = |value: Option<&Value>| {
                        value
                            .and_then(Value::as_array)
                            .is_some_and(|items| !items.is_empty())
                    };
                    if !non_empty(integration.get("IntegrationResponses"))
                        || !non_empty(properties.get("MethodResponses"))
                    {
                        return fail(format!(
                            "preflight `{id}` needs integration and method responses"
                        ));
                    }
                    continue;
                }
                if integration.get("Type").and_then(Value::as_str) != Some("AWS_PROXY") {
                    return fail(format!("method `{id}` is not an AWS_PROXY integration"));
                }
                if integration
                    .get("IntegrationHttpMethod")
                    .and_then(Value::as_str)
                    != Some("POST")
                {
                    return fail(format!(
                        "method `{id}` must invoke Lambda with IntegrationHttpMethod POST"
                    ));
                }
            }
            "AWS::ApiGateway::Deployment" => {
                let depends: BTreeSet<&str> = match resource.get("DependsOn") {
                    Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
                    Some(Value::String(one)) => [one.as_str()].into(),
                    _ => BTreeSet::new(),
                };
                if let Some(missing) = methods
                    .iter()
                    .chain(stacks.iter())
                    .find(|m| !depends.contains(*m))
                {
                    return fail(format!("deployment `{id}` does not depend on `{missing}`"));
                }
                if methods.is_empty() && stacks.is_empty() {
                    return fail(format!("deployment `{id}` deploys an API without methods"));
                }
            }
            "AWS::ApiGateway::Authorizer" => {
                let kind = properties.get("Type").and_then(Value::as_str).unwrap_or("");
                let has = |key: &str| properties.get(key).is_some();
                match kind {
                    "TOKEN" | "REQUEST" if !has("AuthorizerUri") => {
                        return fail(format!("authorizer `{id}` has no AuthorizerUri"));
                    }
                    "COGNITO_USER_POOLS" if !non_empty_array(properties.get("ProviderARNs")) => {
                        return fail(format!("authorizer `{id}` has no ProviderARNs"));
                    }
                    "TOKEN" | "REQUEST" | "COGNITO_USER_POOLS" => {}
                    other => return fail(format!("authorizer `{id}` has the Type `{other}`")),
                }
                if kind != "REQUEST" && !has("IdentitySource") {
                    return fail(format!("authorizer `{id}` has no IdentitySource"));
                }
                let ttl = properties
                    .get("AuthorizerResultTtlInSeconds")
                    .and_then(Value::as_u64)
                    .unwrap_or(0);
                if ttl > 3600 {
                    return fail(format!("authorizer `{id}` caches for {ttl} s (limit 3600)"));
                }
            }
            "AWS::ApiGateway::UsagePlan" if !non_empty_array(properties.get("ApiStages")) => {
                return fail(format!("usage plan `{id}` covers no API stage"));
            }
            // The generated roles (the shared one, event functions' own)
            // have a `Runtime` policy; roles of `.chalice/resources.json` are
            // the user's to write.
            "AWS::IAM::Role" if is_generated_role(id, properties) => {
                if let Some(policies) = properties.get("Policies").and_then(Value::as_array) {
                    for policy in policies {
                        let generated = policy.get("PolicyName").and_then(Value::as_str)
                            != Some(super::USER_POLICY_NAME);
                        if generated && grants_star(policy.get("PolicyDocument")) {
                            return fail(format!("role `{id}` grants the `*` action"));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    let known: BTreeSet<&str> = resources
        .keys()
        .chain(parameters.keys())
        .map(String::as_str)
        .collect();
    let mut missing = None;
    walk_references(template, &mut |target| {
        let base = target.split('.').next().unwrap_or(target);
        if missing.is_none() && !base.starts_with("AWS::") && !known.contains(base) {
            missing = Some(target.to_owned());
        }
    });
    if let Some(target) = missing {
        return fail(format!("`{target}` is referenced but not defined"));
    }
    Ok(())
}

/// Whether a role is one the generator writes: the shared role, or a role
/// with the generated `Runtime` policy.
fn is_generated_role(id: &str, properties: &Value) -> bool {
    id == super::ROLE_ID
        || properties
            .get("Policies")
            .and_then(Value::as_array)
            .is_some_and(|policies| {
                policies.iter().any(|p| {
                    p.get("PolicyName").and_then(Value::as_str)
                        == Some(crate::app::names::RUNTIME_POLICY_NAME)
                })
            })
}

/// Whether `value` holds a non-empty array.
fn non_empty_array(value: Option<&Value>) -> bool {
    value
        .and_then(Value::as_array)
        .is_some_and(|items| !items.is_empty())
}

fn grants_star(document: Option<&Value>) -> bool {
    let Some(statements) = document.and_then(|d| d.get("Statement")) else {
        return false;
    };
    let statements: Vec<&Value> = match statements {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    };
    statements
        .iter()
        .any(|statement| match statement.get("Action") {
            Some(Value::String(action)) => action == "*",
            Some(Value::Array(actions)) => actions.iter().any(|a| a == "*"),
            _ => false,
        })
}

/// Calls `found` with every target of `Ref`, `Fn::GetAtt` and `Fn::Sub`'s `${...}`.
fn walk_references(value: &Value, found: &mut dyn FnMut(&str)) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                match (key.as_str(), inner) {
                    ("Ref", Value::String(target)) => found(target),
                    ("Fn::GetAtt", Value::Array(parts)) => {
                        if let Some(target) = parts.first().and_then(Value::as_str) {
                            found(target);
                        }
                    }
                    ("Fn::Sub", Value::String(text)) => {
                        let mut rest = text.as_str();
                        while let Some(start) = rest.find("${") {
                            let after = &rest[start + 2..];
                            let Some(end) = after.find('}') else { break };
                            let name = &after[..end];
                            if !name.starts_with('!') {
                                found(name);
                            }
                            rest = &after[end + 1..];
                        }
                    }
                    _ => walk_references(inner, found),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| walk_references(item, found)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn api(method: Value, deployment_depends: Value) -> Value {
        json!({
            "Resources": {
                "RestAPI": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "a"}},
                "MethodGetRoot": method,
                "Deployment": {"Type": "AWS::ApiGateway::Deployment",
                    "Properties": {"RestApiId": {"Ref": "RestAPI"}}, "DependsOn": deployment_depends}
            }
        })
    }

    fn method(auth: Option<&str>, kind: &str, http: &str) -> Value {
        let mut properties = json!({
            "HttpMethod": "GET",
            "ResourceId": {"Fn::GetAtt": ["RestAPI", "RootResourceId"]},
            "RestApiId": {"Ref": "RestAPI"},
            "Integration": {"Type": kind, "IntegrationHttpMethod": http,
                "Uri": {"Fn::Sub": "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/x"}}
        });
        if let Some(auth) = auth {
            properties["AuthorizationType"] = json!(auth);
        }
        json!({"Type": "AWS::ApiGateway::Method", "Properties": properties})
    }

    #[test]
    fn a_correct_template_passes() {
        let template = api(
            method(Some("NONE"), "AWS_PROXY", "POST"),
            json!(["MethodGetRoot"]),
        );
        check("t", &template, 100, MAX_TEMPLATE_BODY).unwrap();
    }

    #[test]
    fn each_rule_catches_its_mistake() {
        let cases = [
            (
                api(method(Some("NONE"), "AWS_PROXY", "POST"), json!([])),
                "does not depend on `MethodGetRoot`",
            ),
            (
                api(method(None, "AWS_PROXY", "POST"), json!(["MethodGetRoot"])),
                "no AuthorizationType",
            ),
            (
                api(
                    method(Some("NONE"), "AWS", "POST"),
                    json!(["MethodGetRoot"]),
                ),
                "AWS_PROXY",
            ),
            (
                api(
                    method(Some("NONE"), "AWS_PROXY", "GET"),
                    json!(["MethodGetRoot"]),
                ),
                "POST",
            ),
        ];
        let mut custom = method(Some("CUSTOM"), "AWS_PROXY", "POST");
        let mut cases = cases.to_vec();
        cases.push((
            api(custom.clone(), json!(["MethodGetRoot"])),
            "without an AuthorizerId",
        ));
        custom["Properties"]["AuthorizationType"] = json!("NONE");
        custom["Properties"]["AuthorizerId"] = json!("abc");
        cases.push((
            api(custom, json!(["MethodGetRoot"])),
            "names an AuthorizerId",
        ));
        let mut preflight = method(Some("NONE"), "MOCK", "POST");
        preflight["Properties"]["HttpMethod"] = json!("OPTIONS");
        cases.push((
            api(preflight, json!(["MethodGetRoot"])),
            "needs integration and method responses",
        ));
        let mut lambda_authorizer = api(
            method(Some("NONE"), "AWS_PROXY", "POST"),
            json!(["MethodGetRoot"]),
        );
        lambda_authorizer["Resources"]["Auth"] = json!({"Type": "AWS::ApiGateway::Authorizer",
            "Properties": {"Type": "TOKEN", "IdentitySource": "method.request.header.A"}});
        cases.push((lambda_authorizer, "no AuthorizerUri"));
        let mut plan = api(
            method(Some("NONE"), "AWS_PROXY", "POST"),
            json!(["MethodGetRoot"]),
        );
        plan["Resources"]["Plan"] =
            json!({"Type": "AWS::ApiGateway::UsagePlan", "Properties": {"ApiStages": []}});
        cases.push((plan, "covers no API stage"));
        for (template, expected) in cases {
            let err = check("t", &template, 100, MAX_TEMPLATE_BODY).unwrap_err();
            assert!(err.contains(expected), "{err} (expected {expected})");
        }
        let template = api(
            method(Some("NONE"), "AWS_PROXY", "POST"),
            json!(["MethodGetRoot"]),
        );
        assert!(
            check("t", &template, MAX_TEMPLATE_BODY + 1, MAX_TEMPLATE_BODY)
                .unwrap_err()
                .contains("bytes")
        );
        let mut broken = template.clone();
        broken["Resources"]["MethodGetRoot"]["Properties"]["RestApiId"] = json!({"Ref": "Nope"});
        assert!(check("t", &broken, 100, MAX_TEMPLATE_BODY)
            .unwrap_err()
            .contains("`Nope`"));
        let mut star = template.clone();
        star["Resources"]["APIHandlerRole"] = json!({"Type": "AWS::IAM::Role", "Properties": {"Policies": [
            {"PolicyName": "Logs", "PolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}}
        ]}});
        assert!(check("t", &star, 100, MAX_TEMPLATE_BODY)
            .unwrap_err()
            .contains("`*` action"));
        let mut many = template;
        for i in 0..MAX_RESOURCES {
            many["Resources"][format!("Extra{i}")] = json!({"Type": "AWS::Logs::LogGroup"});
        }
        assert!(check("t", &many, 100, MAX_TEMPLATE_BODY)
            .unwrap_err()
            .contains("resources"));
    }
}

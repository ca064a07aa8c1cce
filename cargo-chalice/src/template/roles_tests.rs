//! Each function's role in the template, from its own settings.

use super::*;
use chalice_rs_runtime::manifest::Manifest;
use serde_json::{json, Value};

/// A project with `config`, `.chalice/resources.json` (a queue `Jobs` and a
/// table `Orders`), the policy file `reports.json` and a source calling
/// DynamoDB's `PutItem`.
fn project(config: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let files = [
        (".chalice/config.json", config.to_owned()),
        (
            ".chalice/resources.json",
            json!({"Resources": {
                "Jobs": {"Type": "AWS::SQS::Queue", "Properties": {"VisibilityTimeout": 360}},
                "Orders": {"Type": "AWS::DynamoDB::Table", "Properties": {
                    "BillingMode": "PAY_PER_REQUEST",
                    "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
                    "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}]}}}})
            .to_string(),
        ),
        (
            ".chalice/reports.json",
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                "Action": ["dynamodb:GetItem"], "Resource": "*"}]})
            .to_string(),
        ),
        (
            "src/main.rs",
            "async fn save(c: &aws_sdk_dynamodb::Client) { let _ = c.put_item().send().await; }\nfn main() {}\n".to_owned(),
        ),
    ];
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }
    dir
}

/// `GET /` behind the authorizer `bearer`, `/x-role` when `clash`, and the
/// functions `nightly` (a schedule), `work` (reads `Jobs`), `report`
/// (invoked) and, when `clash`, `resource_x` (invoked).
fn manifest(clash: bool) -> Manifest {
    let mut fragments = vec![
        json!({"kind": "route", "handler": "h", "module": "app", "file": "src/main.rs",
               "line": 1, "path": "/", "resource_path": "/", "methods": ["GET"],
               "authorizer": "bearer"}),
        json!({"kind": "authorizer", "name": "bearer", "module": "app", "file": "src/main.rs",
               "line": 2, "authorizer": {"type": "token", "header": "Authorization"},
               "ttl_seconds": 0}),
    ];
    let mut functions = vec![
        (
            "nightly",
            json!({"type": "schedule", "expression": "rate(1 hour)"}),
        ),
        (
            "work",
            json!({"type": "sqs", "queue": "Jobs", "batch_size": 1}),
        ),
        ("report", json!({"type": "invoke"})),
    ];
    if clash {
        fragments.push(
            json!({"kind": "route", "handler": "x", "module": "app", "file": "src/main.rs",
                   "line": 3, "path": "/x-role", "resource_path": "/x-role", "methods": ["GET"]}),
        );
        functions.push(("resource_x", json!({"type": "invoke"})));
    }
    for (line, (name, source)) in functions.into_iter().enumerate() {
        fragments.push(json!({"kind": "function", "name": name, "module": "app",
            "file": "src/main.rs", "line": line + 10, "source": source}));
    }
    let texts: Vec<String> = fragments.iter().map(Value::to_string).collect();
    Manifest::from_fragments(texts.iter().map(String::as_bytes)).expect("manifest")
}

/// The checked root template of the app in `config`.
fn template(config: &str) -> Result<Value, TemplateError> {
    let dir = project(config);
    let stage = crate::config::load(dir.path(), "dev", "shop").expect("config");
    let (set, _) = resolve_and_generate(manifest(false), stage, Arch::Arm64, TemplateFormat::Json)?;
    Ok(set.root.to_value())
}

/// The inline policy `name` of the role `id`.
fn policy<'a>(resources: &'a Value, id: &str, name: &str) -> Option<&'a Value> {
    resources[id]["Properties"]["Policies"]
        .as_array()?
        .iter()
        .find(|p| p["PolicyName"] == name)
        .map(|p| &p["PolicyDocument"])
}

#[test]
fn each_function_runs_with_the_role_of_its_own_settings() {
    let arn = "arn:aws:iam::123456789012:role/tokens";
    let root = template(&format!(
        r#"{{"app_name": "shop", "lambda_functions": {{
            "report": {{"iam_policy_file": "reports.json"}},
            "bearer": {{"manage_iam_role": false, "iam_role_arn": "{arn}"}},
            "nightly": {{"xray": true}}}}}}"#
    ))
    .expect("template");
    let r = &root["Resources"];
    let role = |function: &str| r[function]["Properties"]["Role"].clone();
    // The policy file's function: its own role, with the file's policy.
    assert_eq!(
        role("ReportFunction"),
        json!({"Fn::GetAtt": ["ReportRole", "Arn"]})
    );
    assert_eq!(
        policy(r, "ReportRole", USER_POLICY_NAME),
        Some(
            &json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Action": ["dynamodb:GetItem"], "Resource": "*"}]})
        )
    );
    assert_eq!(
        policy(r, "ReportRole", "Runtime").expect("Runtime")["Statement"][0]["Resource"],
        json!({"Fn::GetAtt": ["ReportLogGroup", "Arn"]})
    );
    // The existing role's function: that role, nothing generated.
    assert_eq!(role("BearerAuthorizerHandler"), json!(arn));
    assert!(r.get("BearerAuthorizerRole").is_none());
    // The queue reader: its own role, the code's policy and its queue.
    assert_eq!(
        role("WorkFunction"),
        json!({"Fn::GetAtt": ["WorkRole", "Arn"]})
    );
    assert!(policy(r, "WorkRole", "EventSource").is_some());
    // The others share the app's role, which traces for `nightly`.
    for function in ["APIHandler", "NightlyFunction"] {
        assert_eq!(
            role(function),
            json!({"Fn::GetAtt": [ROLE_ID, "Arn"]}),
            "{function}"
        );
    }
    let runtime = policy(r, ROLE_ID, "Runtime").expect("Runtime");
    assert_eq!(
        runtime["Statement"][0]["Resource"],
        json!([{"Fn::GetAtt": ["APIHandlerLogGroup", "Arn"]},
               {"Fn::GetAtt": ["NightlyLogGroup", "Arn"]}])
    );
    assert_eq!(runtime["Statement"][1]["Sid"], "XRay");
    let roles: Vec<&String> = r
        .as_object()
        .expect("resources")
        .iter()
        .filter(|(_, v)| v["Type"] == "AWS::IAM::Role")
        .map(|(id, _)| id)
        .collect();
    assert_eq!(roles, [ROLE_ID, "ReportRole", "WorkRole"]);
}

#[test]
fn the_table_scope_reaches_generated_policies_only() {
    let root = template(
        r#"{"app_name": "shop", "environment_variables": {"TABLE": {"Ref": "Orders"}},
            "lambda_functions": {"report": {"iam_policy_file": "reports.json"}}}"#,
    )
    .expect("template");
    let r = &root["Resources"];
    let scoped = json!({"Fn::GetAtt": ["Orders", "Arn"]});
    for generated in [ROLE_ID, "WorkRole"] {
        assert_eq!(
            policy(r, generated, USER_POLICY_NAME).expect("AppPolicy")["Statement"][0]["Resource"]
                [0],
            scoped,
            "{generated}"
        );
    }
    // The user's file is written as it is.
    assert_eq!(
        policy(r, "ReportRole", USER_POLICY_NAME).expect("AppPolicy")["Statement"][0]["Resource"],
        "*"
    );
}

#[test]
fn every_function_with_an_existing_role_leaves_no_role_in_the_template() {
    let root = template(
        r#"{"app_name": "shop", "manage_iam_role": false,
            "iam_role_arn": "arn:aws:iam::123456789012:role/app"}"#,
    )
    .expect("template");
    let r = root["Resources"].as_object().expect("resources");
    assert!(r.values().all(|v| v["Type"] != "AWS::IAM::Role"));
    let message = template(
        r#"{"app_name": "shop", "lambda_functions": {"work": {"manage_iam_role": false}}}"#,
    )
    .expect_err("no ARN")
    .to_string();
    assert!(
        message.contains("`manage_iam_role` is false for the function `work`"),
        "{message}"
    );
}

#[test]
fn an_own_role_with_the_logical_id_of_an_api_resource_is_refused() {
    let dir = project(
        r#"{"app_name": "shop", "lambda_functions": {"resource_x": {"autogen_policy": false}}}"#,
    );
    let stage = crate::config::load(dir.path(), "dev", "shop").expect("config");
    let message = resolve_and_generate(manifest(true), stage, Arch::Arm64, TemplateFormat::Json)
        .expect_err("a clash")
        .to_string();
    assert!(
        message.starts_with("#[lambda_function] `resource_x` (src/main.rs:")
            && message.contains("its role `ResourceXRole` would have the logical ID of another resource of the template"),
        "{message}"
    );
}

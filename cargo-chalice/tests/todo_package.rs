//! examples/todo's package and deploy: its `.chalice/resources.json` table in
//! the template (cfn-lint clean), `TODO_TABLE` from `{"Ref": "TodoTable"}`,
//! the generated DynamoDB statement scoped to the table, and a deploy to the
//! moto server that creates the table.
//!
//! The template and zip are written by `package::write_package`, the part of
//! `cargo chalice package` after the Lambda build, from the manifest of a
//! build of examples/todo for this machine: the arm64 Lambda build (musl)
//! needs a C cross toolchain for the AWS SDK's TLS (cargo-zigbuild), which
//! the test environment does not install. The build uses the tests' shared
//! target directory.

use crate::common;

use cargo_chalice::deploy::{self, Packaged};
use cargo_chalice::package::TemplateFormat;
use common::{lint, runtime, Moto};
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

#[test]
fn todo_package_declares_its_table_and_passes_cfn_lint() {
    let out = tempfile::tempdir().unwrap();
    let packaged = common::package_example("todo", out.path(), TemplateFormat::Json);
    assert!(packaged.nested_templates.is_empty());
    let template: Value =
        serde_json::from_slice(&std::fs::read(&packaged.template_path).unwrap()).unwrap();
    let resources = &template["Resources"];
    assert_eq!(
        resources["TodoTable"],
        json!({
            "Type": "AWS::DynamoDB::Table",
            "Properties": {
                "TableName": {"Fn::Sub": "${AWS::StackName}"},
                "BillingMode": "PAY_PER_REQUEST",
                // The app keys its items by the string attribute `id`.
                "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
                "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
            },
        })
    );
    assert_eq!(
        resources["APIHandler"]["Properties"]["Environment"]["Variables"]["TODO_TABLE"],
        json!({"Ref": "TodoTable"})
    );
    let policies = resources["APIHandlerRole"]["Properties"]["Policies"]
        .as_array()
        .expect("policies");
    let app_policy = policies
        .iter()
        .find(|p| p["PolicyName"] == "AppPolicy")
        .expect("the generated policy");
    assert_eq!(
        app_policy["PolicyDocument"]["Statement"],
        json!([{
            "Sid": "DynamodbCalls",
            "Effect": "Allow",
            "Action": [
                "dynamodb:DeleteItem",
                "dynamodb:GetItem",
                "dynamodb:PutItem",
                "dynamodb:Scan",
                "dynamodb:UpdateItem",
            ],
            "Resource": [
                {"Fn::GetAtt": ["TodoTable", "Arn"]},
                {"Fn::Sub": "${TodoTable.Arn}/index/*"},
            ],
        }])
    );
    assert_eq!(
        template["Outputs"]["TodoTableName"]["Value"],
        json!({"Ref": "TodoTable"})
    );
    lint(&[&packaged.template_path]);

    let yaml_out = tempfile::tempdir().unwrap();
    let yaml = common::package_example("todo", yaml_out.path(), TemplateFormat::Yaml);
    let text = std::fs::read_to_string(&yaml.template_path).unwrap();
    assert!(text.contains("TodoTable:"), "{text}");
    lint(&[&yaml.template_path]);
}

#[test]
fn todos_prod_stage_shifts_traffic_logs_and_alarms() {
    let out = tempfile::tempdir().unwrap();
    let packaged = common::package_example_stage("todo", "prod", out.path(), TemplateFormat::Json);
    let template: Value =
        serde_json::from_slice(&std::fs::read(&packaged.template_path).unwrap()).unwrap();
    let r = &template["Resources"];
    // The API invokes the `prod` alias, which CodeDeploy moves 10 % first.
    assert_eq!(r["APIHandlerAlias"]["Properties"]["Name"], "prod");
    assert_eq!(
        r["APIHandlerInvokePermission"]["Properties"]["FunctionName"],
        json!({"Ref": "APIHandlerAlias"})
    );
    assert_eq!(
        r["APIHandlerDeploymentGroup"]["Properties"]["DeploymentConfigName"],
        "CodeDeployDefault.LambdaCanary10Percent5Minutes"
    );
    let version = r["APIHandlerAlias"]["Properties"]["FunctionVersion"]["Fn::GetAtt"][0]
        .as_str()
        .expect("a version");
    assert_eq!(r[version]["DeletionPolicy"], "Retain");
    // Rolled back on the API's and the function's alarms, which mail ops.
    let alarms = r["APIHandlerDeploymentGroup"]["Properties"]["AlarmConfiguration"]["Alarms"]
        .as_array()
        .expect("alarms")
        .len();
    assert_eq!(alarms, 4);
    assert_eq!(
        r["AlarmTopic"]["Properties"]["Subscription"][0]["Endpoint"],
        "ops@example.com"
    );
    // Access logs and JSON function logs.
    assert_eq!(
        r["RestAPIStage"]["Properties"]["AccessLogSetting"]["DestinationArn"],
        json!({"Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]})
    );
    assert_eq!(
        r["APIHandler"]["Properties"]["LoggingConfig"]["LogFormat"],
        "JSON"
    );
    // The account's CloudWatch role is account state: said, not created.
    assert!(r.get("ApiGatewayAccount").is_none());
    assert_eq!(
        packaged.operation_notes.len(),
        1,
        "{:?}",
        packaged.operation_notes
    );
    lint(&[&packaged.template_path]);
}

/// One DynamoDB JSON call to moto (no SDK client for DynamoDB in this crate):
/// the status and the answer.
fn dynamodb(endpoint: &str, target: &str, body: &Value) -> (u16, Value) {
    let address = endpoint.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).expect("connect to moto");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let body = body.to_string();
    let request = format!(
        "POST / HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\
         Content-Type: application/x-amz-json-1.0\r\nX-Amz-Target: DynamoDB_20120810.{target}\r\n\
         Authorization: AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).unwrap();
    let answer = String::from_utf8_lossy(&answer);
    let (head, body) = answer.split_once("\r\n\r\n").expect("an HTTP answer");
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status");
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

#[test]
fn todo_deploys_its_table_to_moto() {
    let moto = Moto::start();
    let project = tempfile::tempdir().unwrap();
    let out = project.path().join("out");
    let packaged = common::package_example("todo", &out, TemplateFormat::Json);
    let rt = runtime();
    let state = rt.block_on(async {
        let aws = moto.aws().await;
        let outcome = deploy::deploy_packaged(&aws, project.path(), &Packaged::from(&packaged))
            .await
            .expect("deploy");
        assert!(outcome.changed);
        outcome.state
    });
    assert_eq!(state.stack_name, "todo-dev");
    let table = state
        .resources
        .iter()
        .find(|r| r.logical_id == "TodoTable")
        .unwrap_or_else(|| panic!("TodoTable in {:?}", state.resources));
    assert_eq!(table.resource_type, "AWS::DynamoDB::Table");
    assert_eq!(table.physical_id, "todo-dev");

    // The table exists in moto, keyed as the app expects.
    let (status, answer) = dynamodb(
        &moto.endpoint,
        "DescribeTable",
        &json!({"TableName": "todo-dev"}),
    );
    assert_eq!(status, 200, "{answer}");
    let described = &answer["Table"];
    assert_eq!(
        described["KeySchema"],
        json!([{"AttributeName": "id", "KeyType": "HASH"}]),
        "{answer}"
    );
    assert_eq!(described["TableStatus"], "ACTIVE", "{answer}");

    // The function's TODO_TABLE is the table's name (the Ref, resolved).
    let function = state
        .resources
        .iter()
        .find(|r| r.logical_id == "APIHandler")
        .expect("APIHandler")
        .physical_id
        .clone();
    let variables = rt.block_on(async {
        let lambda = aws_sdk_lambda::Client::new(&moto.sdk_config().await);
        let configuration = lambda
            .get_function_configuration()
            .function_name(&function)
            .send()
            .await
            .expect("GetFunctionConfiguration");
        configuration
            .environment()
            .and_then(|e| e.variables())
            .cloned()
            .unwrap_or_default()
    });
    assert_eq!(
        variables.get("TODO_TABLE").map(String::as_str),
        Some("todo-dev"),
        "{variables:?}"
    );
}

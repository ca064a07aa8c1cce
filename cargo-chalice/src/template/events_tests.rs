//! The event functions' wiring in the template, from synthetic manifests.

use super::split::Budget;
use super::*;
use chalice_rs_runtime::manifest::Manifest;
use serde_json::{json, Value};

/// A project with `config` and `resources` (`.chalice/resources.json`).
pub(super) fn project(config: &str, resources: &Value) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join(".chalice")).expect(".chalice");
    std::fs::write(dir.path().join(".chalice/config.json"), config).expect("config");
    std::fs::write(
        dir.path().join(".chalice/resources.json"),
        resources.to_string(),
    )
    .expect("resources");
    dir
}

/// A manifest of one route on `/` (unless `routes` is false) and the event
/// functions `(name, source)`.
pub(super) fn manifest(routes: bool, functions: &[(&str, Value)]) -> Manifest {
    let mut fragments: Vec<String> = functions
        .iter()
        .enumerate()
        .map(|(line, (name, source))| {
            json!({"kind": "function", "name": name, "module": "app", "file": "src/main.rs",
                   "line": line + 1, "source": source})
            .to_string()
        })
        .collect();
    if routes {
        fragments.push(
            json!({"kind": "route", "handler": "h", "module": "app", "file": "src/main.rs",
                   "line": 100, "path": "/", "resource_path": "/", "methods": ["GET"]})
            .to_string(),
        );
    }
    Manifest::from_fragments(fragments.iter().map(String::as_bytes)).expect("manifest")
}

/// The resources of the synthetic apps.
pub(super) fn declared() -> Value {
    json!({"Resources": {
        "Jobs": {"Type": "AWS::SQS::Queue", "Properties": {"VisibilityTimeout": 360}},
        "Alerts": {"Type": "AWS::SNS::Topic"},
        "Uploads": {"Type": "AWS::S3::Bucket", "DependsOn": "Alerts", "Properties": {
            "BucketName": {"Fn::Sub": "${AWS::StackName}-uploads"},
            "NotificationConfiguration": {"TopicConfigurations": [
                {"Event": "s3:ObjectRemoved:*", "Topic": {"Ref": "Alerts"}}]}}},
        "Orders": {"Type": "AWS::DynamoDB::Table", "Properties": {
            "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
            "StreamSpecification": {"StreamViewType": "NEW_AND_OLD_IMAGES"}}},
        "Clicks": {"Type": "AWS::Kinesis::Stream", "Properties": {"ShardCount": 1}},
        "Bus": {"Type": "AWS::Events::EventBus", "Properties": {"Name": "shop-orders"}}
    }})
}

/// One function of every kind, sources named every way.
pub(super) fn every_kind() -> Vec<(&'static str, Value)> {
    vec![
        (
            "nightly",
            json!({"type": "schedule", "expression": "cron(0 3 * * ? *)", "description": "tidy up"}),
        ),
        (
            "ordered",
            json!({"type": "event_bridge", "pattern": "{\"source\": [\"shop\"], \"detail-type\": [\"order\"]}", "bus": "Bus"}),
        ),
        (
            "default_bus",
            json!({"type": "event_bridge", "pattern": "{\"source\": [\"aws.s3\"]}"}),
        ),
        (
            "work",
            json!({"type": "sqs", "queue": "Jobs", "batch_size": 50, "max_batching_window": 5}),
        ),
        (
            "named_queue",
            json!({"type": "sqs", "queue": "partner-jobs", "batch_size": 10}),
        ),
        (
            "alert",
            json!({"type": "sns", "topic": "Alerts", "filter_policy": "{\"level\": [\"high\"]}"}),
        ),
        (
            "partner_alert",
            json!({"type": "sns", "topic": "arn:aws:sns:eu-west-1:123456789012:partner"}),
        ),
        (
            "uploaded",
            json!({"type": "s3", "bucket": "Uploads", "events": ["s3:ObjectCreated:Put", "s3:ObjectCreated:Post"], "prefix": "in/", "suffix": ".csv"}),
        ),
        (
            "dropped",
            json!({"type": "s3", "bucket": "partner-drop", "events": ["s3:ObjectCreated:*"]}),
        ),
        (
            "order_changed",
            json!({"type": "dynamodb_stream", "stream": "Orders", "batch_size": 100, "starting_position": "TRIM_HORIZON", "max_batching_window": 1}),
        ),
        (
            "clicked",
            json!({"type": "kinesis", "stream": "Clicks", "batch_size": 200, "starting_position": "LATEST"}),
        ),
        ("plain", json!({"type": "invoke"})),
    ]
}

/// The configuration of the synthetic apps (a generated policy needs sources).
const CONFIG: &str = r#"{"app_name": "shop", "autogen_policy": false}"#;

/// The root template of the app of every kind, checked.
fn every_kind_template(config: &str) -> Value {
    let dir = project(config, &declared());
    let stage = crate::config::load(dir.path(), "dev", "shop").expect("config");
    let (set, _) = resolve_and_generate(
        manifest(true, &every_kind()),
        stage,
        Arch::Arm64,
        TemplateFormat::Json,
    )
    .expect("template");
    assert!(set.nested.is_empty());
    set.root.to_value()
}

#[test]
fn rules_and_their_permissions() {
    let root = every_kind_template(CONFIG);
    let r = &root["Resources"];
    assert_eq!(
        r["NightlyRule"],
        json!({"Type": "AWS::Events::Rule", "Properties": {
            "Description": "tidy up", "ScheduleExpression": "cron(0 3 * * ? *)", "State": "ENABLED",
            "Targets": [{"Arn": {"Fn::GetAtt": ["NightlyFunction", "Arn"]}, "Id": "NightlyFunction"}]}})
    );
    assert_eq!(
        r["NightlyInvokePermission"],
        json!({"Type": "AWS::Lambda::Permission", "Properties": {
            "Action": "lambda:InvokeFunction", "FunctionName": {"Fn::GetAtt": ["NightlyFunction", "Arn"]},
            "Principal": "events.amazonaws.com", "SourceArn": {"Fn::GetAtt": ["NightlyRule", "Arn"]}}})
    );
    let ordered = &r["OrderedRule"]["Properties"];
    assert_eq!(
        ordered["EventPattern"],
        json!({"source": ["shop"], "detail-type": ["order"]})
    );
    assert_eq!(
        ordered["EventBusName"],
        json!({"Fn::GetAtt": ["Bus", "Name"]})
    );
    assert!(ordered.get("ScheduleExpression").is_none());
    assert!(r["DefaultBusRule"]["Properties"]
        .get("EventBusName")
        .is_none());
    // A plain function is only a function.
    assert!(r["PlainFunction"].is_object() && r["PlainLogGroup"].is_object());
    assert!(r.get("PlainInvokePermission").is_none() && r.get("PlainRule").is_none());
    assert_eq!(
        root["Outputs"]["PlainFunctionArn"]["Value"],
        json!({"Fn::GetAtt": ["PlainFunction", "Arn"]})
    );
    assert_eq!(
        r["PlainFunction"]["Properties"]["Handler"],
        "function:plain"
    );
    assert_eq!(
        r["PlainFunction"]["Properties"]["FunctionName"],
        "shop-dev-plain"
    );
}

#[test]
fn queues_and_streams_are_mapped_with_partial_batch_failures() {
    let root = every_kind_template(CONFIG);
    let r = &root["Resources"];
    assert_eq!(
        r["WorkEventSourceMapping"],
        json!({"Type": "AWS::Lambda::EventSourceMapping", "Properties": {
            "BatchSize": 50, "Enabled": true, "EventSourceArn": {"Fn::GetAtt": ["Jobs", "Arn"]},
            "FunctionName": {"Ref": "WorkFunction"},
            "FunctionResponseTypes": ["ReportBatchItemFailures"],
            "MaximumBatchingWindowInSeconds": 5}})
    );
    assert_eq!(
        r["NamedQueueEventSourceMapping"]["Properties"]["EventSourceArn"],
        json!({"Fn::Sub": "arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:partner-jobs"})
    );
    let stream = &r["OrderChangedEventSourceMapping"]["Properties"];
    assert_eq!(
        stream["EventSourceArn"],
        json!({"Fn::GetAtt": ["Orders", "StreamArn"]})
    );
    assert_eq!(stream["StartingPosition"], "TRIM_HORIZON");
    assert_eq!(stream["MaximumBatchingWindowInSeconds"], 1);
    let kinesis = &r["ClickedEventSourceMapping"]["Properties"];
    assert_eq!(kinesis["StartingPosition"], "LATEST");
    assert_eq!(
        kinesis["EventSourceArn"],
        json!({"Fn::GetAtt": ["Clicks", "Arn"]})
    );
    assert!(kinesis.get("MaximumBatchingWindowInSeconds").is_none());
}

#[test]
fn a_polling_function_has_its_own_role_with_only_its_source() {
    let root = every_kind_template(CONFIG);
    let r = &root["Resources"];
    assert_eq!(
        r["WorkFunction"]["Properties"]["Role"],
        json!({"Fn::GetAtt": ["WorkRole", "Arn"]})
    );
    let policies = r["WorkRole"]["Properties"]["Policies"].as_array().unwrap();
    let names: Vec<&str> = policies
        .iter()
        .map(|p| p["PolicyName"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Runtime", "EventSource"]);
    assert_eq!(
        policies[0]["PolicyDocument"]["Statement"][0]["Resource"],
        json!({"Fn::GetAtt": ["WorkLogGroup", "Arn"]})
    );
    assert_eq!(
        policies[1]["PolicyDocument"]["Statement"],
        json!([{"Sid": "ReceiveFromQueue", "Effect": "Allow",
            "Action": ["sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage"],
            "Resource": {"Fn::GetAtt": ["Jobs", "Arn"]}}])
    );
    assert_eq!(
        r["OrderChangedRole"]["Properties"]["Policies"][1]["PolicyDocument"]["Statement"][0]
            ["Resource"],
        json!({"Fn::GetAtt": ["Orders", "StreamArn"]})
    );
    assert!(r["ClickedRole"].is_object() && r["NamedQueueRole"].is_object());
    // Functions that are pushed to keep the shared role, which writes only to
    // their log groups.
    assert_eq!(
        r["NightlyFunction"]["Properties"]["Role"],
        json!({"Fn::GetAtt": [ROLE_ID, "Arn"]})
    );
    let shared = r[ROLE_ID]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"][0]
        ["Resource"]
        .to_string();
    assert!(shared.contains("NightlyLogGroup") && shared.contains("APIHandlerLogGroup"));
    assert!(!shared.contains("WorkLogGroup"), "{shared}");
    assert!(
        r.as_object()
            .unwrap()
            .iter()
            .filter(|(_, v)| v["Type"] == "AWS::IAM::Role")
            .all(|(id, _)| id == ROLE_ID || id.ends_with("Role")),
        "only the shared and the polling functions' roles"
    );
}

#[test]
fn an_existing_role_gets_nothing_added() {
    let root = every_kind_template(
        r#"{"app_name": "shop", "manage_iam_role": false, "iam_role_arn": "arn:aws:iam::123456789012:role/mine"}"#,
    );
    let r = root["Resources"].as_object().unwrap();
    assert!(r.values().all(|v| v["Type"] != "AWS::IAM::Role"));
    assert_eq!(
        r["WorkFunction"]["Properties"]["Role"],
        "arn:aws:iam::123456789012:role/mine"
    );
    assert!(r.contains_key("WorkEventSourceMapping"));
}

#[test]
fn topics_are_subscribed_and_may_invoke() {
    let root = every_kind_template(CONFIG);
    let r = &root["Resources"];
    assert_eq!(
        r["AlertSubscription"],
        json!({"Type": "AWS::SNS::Subscription", "Properties": {
            "Endpoint": {"Fn::GetAtt": ["AlertFunction", "Arn"]},
            "FilterPolicy": {"level": ["high"]}, "Protocol": "lambda",
            "TopicArn": {"Ref": "Alerts"}}})
    );
    assert_eq!(
        r["AlertInvokePermission"]["Properties"]["SourceArn"],
        json!({"Ref": "Alerts"})
    );
    assert_eq!(
        r["AlertInvokePermission"]["Properties"]["Principal"],
        "sns.amazonaws.com"
    );
    let partner = &r["PartnerAlertSubscription"]["Properties"];
    assert_eq!(partner["Region"], "eu-west-1");
    assert_eq!(
        partner["TopicArn"],
        "arn:aws:sns:eu-west-1:123456789012:partner"
    );
}

#[test]
fn a_declared_bucket_notifies_after_its_permission() {
    let root = every_kind_template(CONFIG);
    let r = &root["Resources"];
    let bucket = &r["Uploads"];
    // The user's DependsOn and notifications are kept.
    assert_eq!(
        bucket["DependsOn"],
        json!(["Alerts", "UploadedInvokePermission"])
    );
    let notification = &bucket["Properties"]["NotificationConfiguration"];
    assert_eq!(
        notification["TopicConfigurations"][0]["Event"],
        "s3:ObjectRemoved:*"
    );
    let function = json!({"Fn::Sub": "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:shop-dev-uploaded"});
    let filter = json!({"S3Key": {"Rules": [{"Name": "prefix", "Value": "in/"}, {"Name": "suffix", "Value": ".csv"}]}});
    assert_eq!(
        notification["LambdaConfigurations"],
        json!([
            {"Event": "s3:ObjectCreated:Put", "Filter": filter, "Function": function},
            {"Event": "s3:ObjectCreated:Post", "Filter": filter, "Function": function},
        ])
    );
    assert_eq!(
        r["UploadedInvokePermission"]["Properties"],
        json!({"Action": "lambda:InvokeFunction",
            "FunctionName": {"Fn::GetAtt": ["UploadedFunction", "Arn"]},
            "Principal": "s3.amazonaws.com", "SourceAccount": {"Ref": "AWS::AccountId"},
            "SourceArn": {"Fn::Sub": "arn:${AWS::Partition}:s3:::${AWS::StackName}-uploads"}})
    );
    // A bucket outside the stack: the permission only (deploy wires the bucket).
    assert_eq!(
        r["DroppedInvokePermission"]["Properties"]["SourceArn"],
        json!({"Fn::Sub": "arn:${AWS::Partition}:s3:::partner-drop"})
    );
    assert!(!root.to_string().contains("function:shop-dev-dropped"));
}

#[test]
fn a_bucket_cloudformation_names_is_invoked_from_the_account() {
    let mut resources = declared();
    resources["Resources"]["Uploads"] = json!({"Type": "AWS::S3::Bucket"});
    let dir = project(CONFIG, &resources);
    let stage = crate::config::load(dir.path(), "dev", "shop").expect("config");
    let functions = [(
        "uploaded",
        json!({"type": "s3", "bucket": "Uploads", "events": ["s3:ObjectCreated:*"]}),
    )];
    let (set, _) = resolve_and_generate(
        manifest(false, &functions),
        stage,
        Arch::Arm64,
        TemplateFormat::Json,
    )
    .expect("template");
    let root = set.root.to_value();
    let permission = &root["Resources"]["UploadedInvokePermission"]["Properties"];
    assert!(permission.get("SourceArn").is_none(), "{permission}");
    assert_eq!(
        permission["SourceAccount"],
        json!({"Ref": "AWS::AccountId"})
    );
    assert_eq!(
        root["Resources"]["Uploads"]["DependsOn"],
        json!(["UploadedInvokePermission"])
    );
    // The S3 function runs with the shared role; an app whose only function
    // has its own role has no shared role.
    assert!(root["Resources"].get(ROLE_ID).is_some());
    let dir = project(CONFIG, &declared());
    let stage = crate::config::load(dir.path(), "dev", "shop").expect("config");
    let functions = [(
        "work",
        json!({"type": "sqs", "queue": "Jobs", "batch_size": 1}),
    )];
    let (set, _) = resolve_and_generate(
        manifest(false, &functions),
        stage,
        Arch::Arm64,
        TemplateFormat::Json,
    )
    .expect("template");
    assert!(!set.root.resources.contains_key(ROLE_ID));
    assert!(set.root.resources.contains_key("WorkRole"));
}

#[test]
fn a_circle_through_the_bucket_is_refused() {
    let mut resources = declared();
    resources["Resources"]["BucketParameter"] = json!({"Type": "AWS::SSM::Parameter",
        "Properties": {"Type": "String", "Value": {"Ref": "Uploads"}}});
    let config = r#"{"app_name": "shop", "autogen_policy": false,
        "lambda_functions": {"uploaded": {"environment_variables": {"P": {"Ref": "BucketParameter"}}}}}"#;
    let dir = project(config, &resources);
    let stage = crate::config::load(dir.path(), "dev", "shop").expect("config");
    let functions = [(
        "uploaded",
        json!({"type": "s3", "bucket": "Uploads", "events": ["s3:ObjectCreated:*"]}),
    )];
    let message = resolve_and_generate(
        manifest(false, &functions),
        stage,
        Arch::Arm64,
        TemplateFormat::Json,
    )
    .expect_err("a circle")
    .to_string();
    assert!(message.contains("circle"), "{message}");
    assert!(message.contains("UploadedInvokePermission"), "{message}");
    assert!(message.contains("#[on_s3_event]"), "{message}");
}

#[test]
fn a_logical_id_taken_by_the_api_is_refused() {
    let dir = project(CONFIG, &declared());
    let stage = crate::config::load(dir.path(), "dev", "shop").expect("config");
    let mut manifest = manifest(
        false,
        &[(
            "resource_x",
            json!({"type": "schedule", "expression": "rate(1 hour)"}),
        )],
    );
    let route = json!({"kind": "route", "handler": "h", "module": "app", "file": "src/main.rs",
        "line": 1, "path": "/x-rule", "resource_path": "/x-rule", "methods": ["GET"]})
    .to_string();
    manifest.routes = Manifest::from_fragments([route.as_bytes()]).unwrap().routes;
    let message = resolve_and_generate(manifest, stage, Arch::Arm64, TemplateFormat::Json)
        .expect_err("a clash")
        .to_string();
    assert!(
        message.starts_with("#[schedule] `resource_x` (src/main.rs:1 (app::resource_x)): its resource `ResourceXRule`"),
        "{message}"
    );
}

#[test]
fn event_wiring_stays_in_the_root_when_the_api_is_split() {
    let dir = project(CONFIG, &declared());
    let stage = crate::config::load(dir.path(), "dev", "shop").expect("config");
    let app = App::resolve(manifest(true, &every_kind()), stage).expect("app");
    let generator = Generator::new(&app, Arch::Arm64, TemplateFormat::Json);
    let budget = Budget {
        resources: 1,
        bytes: 1_000_000,
        units: 10,
    };
    let mut set = generator.split(&budget);
    generator.finish_root(&mut set.root).expect("root");
    assert!(!set.nested.is_empty());
    for id in [
        "NightlyRule",
        "WorkEventSourceMapping",
        "WorkRole",
        "AlertSubscription",
        "UploadedInvokePermission",
    ] {
        assert!(set.root.resources.contains_key(id), "{id}");
    }
    render_checked(&set, TemplateFormat::Json).expect("checked");
}

#[test]
fn the_generated_dynamodb_scope_reaches_the_event_roles() {
    let dir = project(
        r#"{"app_name": "shop", "environment_variables": {"TABLE": {"Ref": "Orders"}}}"#,
        &json!({"Resources": {"Orders": declared()["Resources"]["Orders"].clone(),
                              "Jobs": declared()["Resources"]["Jobs"].clone()}}),
    );
    std::fs::create_dir_all(dir.path().join("src")).unwrap();
    std::fs::write(
        dir.path().join("src/main.rs"),
        "async fn save(client: &aws_sdk_dynamodb::Client) { let _ = client.put_item().send().await; }\nfn main() {}\n",
    )
    .unwrap();
    let stage = crate::config::load(dir.path(), "dev", "shop").expect("config");
    let functions = [(
        "work",
        json!({"type": "sqs", "queue": "Jobs", "batch_size": 1}),
    )];
    let (set, _) = resolve_and_generate(
        manifest(true, &functions),
        stage,
        Arch::Arm64,
        TemplateFormat::Json,
    )
    .expect("template");
    let root = set.root.to_value();
    for role in [ROLE_ID, "WorkRole"] {
        let policies = root["Resources"][role]["Properties"]["Policies"]
            .as_array()
            .unwrap();
        let app_policy = policies
            .iter()
            .find(|p| p["PolicyName"] == USER_POLICY_NAME)
            .unwrap_or_else(|| panic!("{role} has the app's policy"));
        assert_eq!(
            app_policy["PolicyDocument"]["Statement"][0]["Resource"][0],
            json!({"Fn::GetAtt": ["Orders", "Arn"]}),
            "{role}"
        );
    }
}

//! The event functions' sources resolved from synthetic manifests.

use super::*;
use crate::app::App;
use serde_json::json;

/// A project directory with `config` and, when given, `resources`.
fn project(config: &str, resources: Option<Value>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join(".chalice")).expect(".chalice");
    std::fs::write(dir.path().join(".chalice/config.json"), config).expect("config");
    if let Some(resources) = resources {
        std::fs::write(
            dir.path().join(RESOURCES_PATH),
            serde_json::to_string_pretty(&resources).expect("json"),
        )
        .expect("resources");
    }
    dir
}

/// A manifest of event functions: `(name, source)`, each on its own line of
/// `src/jobs.rs`.
fn manifest(functions: &[(&str, Value)]) -> Manifest {
    let fragments: Vec<String> = functions
        .iter()
        .enumerate()
        .map(|(line, (name, source))| {
            json!({"kind": "function", "name": name, "module": "app::jobs",
                   "file": "src/jobs.rs", "line": line + 10, "source": source})
            .to_string()
        })
        .collect();
    Manifest::from_fragments(fragments.iter().map(String::as_bytes)).expect("manifest")
}

/// The resources every test may refer to.
fn declared() -> Value {
    json!({"Resources": {
        "Jobs": {"Type": "AWS::SQS::Queue", "Properties": {"VisibilityTimeout": 120}},
        "Alerts": {"Type": "AWS::SNS::Topic"},
        "Uploads": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": {"Fn::Sub": "${AWS::StackName}-uploads"}}},
        "Anonymous": {"Type": "AWS::S3::Bucket"},
        "Orders": {"Type": "AWS::DynamoDB::Table", "Properties": {
            "StreamSpecification": {"StreamViewType": "NEW_IMAGE"}}},
        "Plain": {"Type": "AWS::DynamoDB::Table", "Properties": {}},
        "Clicks": {"Type": "AWS::Kinesis::Stream", "Properties": {"ShardCount": 1}},
        "Bus": {"Type": "AWS::Events::EventBus", "Properties": {"Name": "orders"}}
    }})
}

const CONFIG: &str = r#"{"app_name": "shop", "autogen_policy": false}"#;

fn resolve_with(config: &str, functions: &[(&str, Value)]) -> Result<App, AppError> {
    let dir = project(config, Some(declared()));
    let stage = crate::config::load(dir.path(), "dev", "shop").expect("config");
    App::resolve(manifest(functions), stage)
}

fn resolve(functions: &[(&str, Value)]) -> App {
    resolve_with(CONFIG, functions).expect("app")
}

fn refusal(functions: &[(&str, Value)]) -> String {
    resolve_with(CONFIG, functions)
        .expect_err("refused")
        .to_string()
}

fn sqs(queue: &str) -> Value {
    json!({"type": "sqs", "queue": queue, "batch_size": 10})
}

fn mapping_arn(app: &App, name: &str) -> Expr {
    match &app.event(name).expect("event").wiring {
        Wiring::Mapping { source, .. } => source.arn.clone(),
        other => panic!("not a mapping: {other:?}"),
    }
}

#[test]
fn a_queue_is_named_by_logical_id_name_or_arn() {
    let app = resolve(&[
        ("by_id", sqs("Jobs")),
        ("by_name", sqs("work-items")),
        ("by_arn", sqs("arn:aws:sqs:eu-west-1:123456789012:other")),
    ]);
    assert_eq!(mapping_arn(&app, "by_id"), Expr::get_att("Jobs", "Arn"));
    assert_eq!(
        mapping_arn(&app, "by_name"),
        Expr::sub("arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:work-items")
    );
    assert_eq!(
        mapping_arn(&app, "by_arn"),
        Expr::str("arn:aws:sqs:eu-west-1:123456789012:other")
    );
    // Each gets its own role with exactly the queue's actions on its ARN.
    let statements = app.event("by_id").unwrap().source_statements();
    assert_eq!(
        serde_json::to_value(&statements).unwrap(),
        json!([{"Sid": "ReceiveFromQueue", "Effect": "Allow",
            "Action": ["sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage"],
            "Resource": {"Fn::GetAtt": ["Jobs", "Arn"]}}])
    );
    assert_eq!(
        app.roles.of("by_id"),
        Some(&crate::app::role::Role::Managed {
            logical_id: "ByIdRole".to_owned()
        })
    );
}

#[test]
fn streams_topics_buses_resolve_to_their_intrinsics() {
    let app = resolve(&[
        (
            "table",
            json!({"type": "dynamodb_stream", "stream": "Orders", "batch_size": 100, "starting_position": "LATEST"}),
        ),
        (
            "clicks",
            json!({"type": "kinesis", "stream": "Clicks", "batch_size": 100, "starting_position": "TRIM_HORIZON"}),
        ),
        (
            "named",
            json!({"type": "kinesis", "stream": "raw", "batch_size": 5, "starting_position": "LATEST"}),
        ),
        (
            "alert",
            json!({"type": "sns", "topic": "Alerts", "filter_policy": "{\"level\": [\"high\"]}"}),
        ),
        (
            "ordered",
            json!({"type": "event_bridge", "pattern": "{\"source\": [\"shop\"]}", "bus": "Bus"}),
        ),
        (
            "nightly",
            json!({"type": "schedule", "expression": "cron(0 3 * * ? *)"}),
        ),
        ("plain", json!({"type": "invoke"})),
    ]);
    assert_eq!(
        mapping_arn(&app, "table"),
        Expr::get_att("Orders", "StreamArn")
    );
    assert_eq!(mapping_arn(&app, "clicks"), Expr::get_att("Clicks", "Arn"));
    assert_eq!(
        mapping_arn(&app, "named"),
        Expr::sub("arn:${AWS::Partition}:kinesis:${AWS::Region}:${AWS::AccountId}:stream/raw")
    );
    let actions = |name: &str| app.event(name).unwrap().source_statements()[0]["Action"].clone();
    assert_eq!(
        actions("table"),
        json!([
            "dynamodb:DescribeStream",
            "dynamodb:GetRecords",
            "dynamodb:GetShardIterator",
            "dynamodb:ListStreams"
        ])
    );
    assert_eq!(
        actions("clicks"),
        json!([
            "kinesis:DescribeStream",
            "kinesis:DescribeStreamSummary",
            "kinesis:GetRecords",
            "kinesis:GetShardIterator",
            "kinesis:ListShards",
            "kinesis:ListStreams",
            "kinesis:SubscribeToShard"
        ])
    );
    let Wiring::Subscription {
        topic,
        filter_policy,
    } = &app.event("alert").unwrap().wiring
    else {
        panic!("subscription");
    };
    assert_eq!(topic.arn, Expr::reference("Alerts"));
    assert_eq!(filter_policy, &Some(json!({"level": ["high"]})));
    let Wiring::Rule {
        event_pattern,
        event_bus,
        ..
    } = &app.event("ordered").unwrap().wiring
    else {
        panic!("rule");
    };
    assert_eq!(event_pattern, &Some(json!({"source": ["shop"]})));
    assert_eq!(
        event_bus.as_ref().unwrap().arn,
        Expr::get_att("Bus", "Name")
    );
    // Sources that push events need no permissions of the role.
    for name in ["alert", "ordered", "nightly", "plain"] {
        assert!(app.event(name).unwrap().source_statements().is_empty());
        assert_eq!(
            app.roles.managed_of(name).map(|r| r.logical_id.as_str()),
            Some(crate::app::names::ROLE_ID),
            "{name}"
        );
    }
    assert_eq!(
        app.function("nightly").unwrap().schedule_expression(),
        Some("cron(0 3 * * ? *)")
    );
    assert!(matches!(
        app.function("plain").unwrap().event_source(),
        Some(EventSource::Invoke)
    ));
}

#[test]
fn mistakes_name_the_function_its_line_and_the_fix() {
    let cases: Vec<(Value, &str)> = vec![
        (sqs("Jobz"), "`Jobz` is not a resource of `.chalice/resources.json` (did you mean `Jobs`?)"),
        (sqs("Uploads"), "`Uploads` is an `AWS::S3::Bucket` of `.chalice/resources.json`, not a queue (AWS::SQS::Queue)"),
        (sqs("not a queue!"), "nor a queue name"),
        (
            json!({"type": "s3", "bucket": "arn:aws:sqs:us-east-1:123456789012:q", "events": ["s3:ObjectCreated:*"]}),
            "is not the ARN of a bucket: its service is `sqs`, not `s3`",
        ),
        (
            json!({"type": "s3", "bucket": "Uploads", "events": ["s3:ObjectCreated:Putt"]}),
            "did you mean `s3:ObjectCreated:Put`?",
        ),
        (
            json!({"type": "dynamodb_stream", "stream": "Plain", "batch_size": 10, "starting_position": "LATEST"}),
            "the table `Plain` of `.chalice/resources.json` has no stream: add `\"StreamSpecification\"",
        ),
        (
            json!({"type": "dynamodb_stream", "stream": "arn:aws:dynamodb:us-east-1:123456789012:table/T",
                   "batch_size": 10, "starting_position": "LATEST"}),
            "it is a table's ARN; give its stream's",
        ),
        (
            json!({"type": "dynamodb_stream", "stream": "sales", "batch_size": 10, "starting_position": "LATEST"}),
            "a DynamoDB stream has no name of its own",
        ),
        (
            json!({"type": "kinesis", "stream": "Clicks", "batch_size": 10, "starting_position": "NOW"}),
            "`starting_position` is `NOW`",
        ),
        (
            json!({"type": "sqs", "queue": "Jobs", "batch_size": 50}),
            "set `max_batching_window`",
        ),
        (
            json!({"type": "sqs", "queue": "jobs.fifo", "batch_size": 10, "max_batching_window": 5}),
            "is a FIFO queue",
        ),
        (
            json!({"type": "sqs", "queue": "Jobs", "batch_size": 20000, "max_batching_window": 5}),
            "Lambda takes 1 to 10000",
        ),
        (
            json!({"type": "event_bridge", "pattern": "[1]"}),
            "the event pattern must be a JSON object",
        ),
        (
            json!({"type": "sns", "topic": "arn:aws:sns:us-east-1:123456789012:t:0b3e", "filter_policy": null}),
            "it is a subscription's ARN",
        ),
        (
            json!({"type": "schedule", "expression": "rate(1 minutes)"}),
            "EventBridge wants `rate(1 minute)`",
        ),
        (
            json!({"type": "schedule", "expression": "rate(1 day)", "description": "x".repeat(513)}),
            "the description is 513 characters; EventBridge takes 512",
        ),
        (
            json!({"type": "sns", "topic": "orders.fifo"}),
            "topic `orders.fifo` is a FIFO topic, which delivers to SQS queues only",
        ),
    ];
    for (source, expected) in cases {
        let attribute = serde_json::from_value::<EventSource>(source.clone())
            .unwrap()
            .attribute();
        let message = refusal(&[("work", source)]);
        assert!(
            message.starts_with(&format!(
                "{attribute} `work` (src/jobs.rs:10 (app::jobs::work)): "
            )),
            "{message}"
        );
        assert!(
            message.contains(expected),
            "{message}\nexpected: {expected}"
        );
    }
}

#[test]
fn a_queue_must_stay_invisible_for_the_whole_invocation() {
    let slow = r#"{"app_name": "shop", "autogen_policy": false,
        "lambda_functions": {"work": {"lambda_timeout": 300}}}"#;
    let message = resolve_with(slow, &[("work", sqs("Jobs"))])
        .expect_err("refused")
        .to_string();
    assert!(
        message.contains(
            "visibility timeout of 120 s, shorter than the function's `lambda_timeout` of 300 s"
        ),
        "{message}"
    );
    // The default 60 s timeout fits the declared 120 s.
    resolve(&[("work", sqs("Jobs"))]);
}

#[test]
fn overlapping_notifications_on_one_bucket_are_refused() {
    let s3 = |events: Value, prefix: Option<&str>| {
        let mut source = json!({"type": "s3", "bucket": "Uploads", "events": events});
        if let Some(prefix) = prefix {
            source["prefix"] = json!(prefix);
        }
        source
    };
    let message = refusal(&[
        ("a", s3(json!(["s3:ObjectCreated:*"]), Some("in/"))),
        ("b", s3(json!(["s3:ObjectCreated:Put"]), Some("in/csv/"))),
    ]);
    assert!(message.starts_with("#[on_s3_event] `b`"), "{message}");
    assert!(
        message.contains("overlap the `s3:ObjectCreated:*` events"),
        "{message}"
    );
    // Disjoint prefixes, or other event families, are fine.
    resolve(&[
        ("a", s3(json!(["s3:ObjectCreated:*"]), Some("in/"))),
        ("b", s3(json!(["s3:ObjectCreated:Put"]), Some("out/"))),
        ("c", s3(json!(["s3:ObjectRemoved:*"]), None)),
    ]);
}

#[test]
fn a_bucket_function_refers_to_its_own_bucket_by_its_known_name() {
    let config = r#"{"app_name": "shop", "autogen_policy": false,
        "environment_variables": {"BUCKET": {"Ref": "Uploads"}, "BUCKET_ARN": {"Fn::GetAtt": ["Uploads", "Arn"]}}}"#;
    let app = resolve_with(
        config,
        &[(
            "uploaded",
            json!({"type": "s3", "bucket": "Uploads", "events": ["s3:ObjectCreated:*"]}),
        )],
    )
    .expect("app");
    let overrides = &app.event("uploaded").unwrap().environment_overrides;
    assert_eq!(overrides["BUCKET"], Expr::sub("${AWS::StackName}-uploads"));
    assert_eq!(
        overrides["BUCKET_ARN"],
        Expr::sub("arn:${AWS::Partition}:s3:::${AWS::StackName}-uploads")
    );
    // A bucket CloudFormation names cannot be referred to by its function.
    let config = r#"{"app_name": "shop", "autogen_policy": false,
        "environment_variables": {"BUCKET": {"Ref": "Anonymous"}}}"#;
    let message = resolve_with(
        config,
        &[(
            "uploaded",
            json!({"type": "s3", "bucket": "Anonymous", "events": ["s3:ObjectCreated:*"]}),
        )],
    )
    .expect_err("a circle")
    .to_string();
    assert!(
        message.contains("environment variable `BUCKET`")
            && message.contains("give the bucket a `BucketName`"),
        "{message}"
    );
}

#[test]
fn notes_say_who_wires_each_bucket_and_what_an_existing_role_needs() {
    let app = resolve(&[
        (
            "inside",
            json!({"type": "s3", "bucket": "Uploads", "events": ["s3:ObjectCreated:*"]}),
        ),
        (
            "outside",
            json!({"type": "s3", "bucket": "arn:aws:s3:::partner-drop", "events": ["s3:ObjectCreated:*"], "suffix": ".csv"}),
        ),
    ]);
    let notes = app.event_notes();
    assert!(
        notes[0].contains("`Uploads`") && notes[0].contains("in the template"),
        "{notes:?}"
    );
    assert!(
        notes[1].contains("`partner-drop` is outside the stack: `cargo chalice deploy` adds"),
        "{notes:?}"
    );
    assert_eq!(
        app.external_notifications(),
        vec![ExternalNotification {
            bucket: "partner-drop".to_owned(),
            function: "outside".to_owned(),
            function_name: "shop-dev-outside".to_owned(),
            events: vec!["s3:ObjectCreated:*".to_owned()],
            prefix: None,
            suffix: Some(".csv".to_owned()),
        }]
    );
    let existing = r#"{"app_name": "shop", "manage_iam_role": false,
        "iam_role_arn": "arn:aws:iam::123456789012:role/mine"}"#;
    let app = resolve_with(existing, &[("work", sqs("Jobs"))]).expect("app");
    let notes = app.event_notes();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(
        notes[0].contains("`work` runs with the existing role arn:aws:iam::123456789012:role/mine, to which chalice-rs adds nothing: it needs sqs:DeleteMessage, sqs:GetQueueAttributes, sqs:ReceiveMessage on queue `Jobs`"),
        "{notes:?}"
    );
}

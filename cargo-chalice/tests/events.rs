//! Event functions end to end without an app binary: the template of a
//! synthetic manifest with every kind of event function (sources named by
//! logical ID, name and ARN) passes cfn-lint, and deploys to the moto server
//! through the library's deploy pipeline, with a bucket outside the stack
//! wired, kept on a re-deploy and unwired on delete.
//!
//! moto does not run the functions' code, so the zip is a few bytes. Its
//! CloudFormation skips SNS subscriptions and the `NotificationConfiguration`
//! of a bucket it creates, so those are asserted on the template
//! (`template::events_tests`).

use crate::common;

use aws_sdk_s3::types::{
    Event, LambdaFunctionConfiguration, NotificationConfiguration, QueueConfiguration,
};
use cargo_chalice::app::App;
use cargo_chalice::artifact::Arch;
use cargo_chalice::deploy::{self, state, Packaged, Target};
use cargo_chalice::template::{self, TemplateFormat};
use chalice_rs_runtime::manifest::Manifest;
use common::{runtime, Moto};
use serde_json::{json, Value};
use std::path::Path;

/// The stack's resources (`.chalice/resources.json`).
fn declared() -> Value {
    json!({"Resources": {
        "Jobs": {"Type": "AWS::SQS::Queue", "Properties": {"VisibilityTimeout": 360}},
        "Alerts": {"Type": "AWS::SNS::Topic"},
        "Uploads": {"Type": "AWS::S3::Bucket", "Properties": {
            "BucketName": {"Fn::Sub": "${AWS::StackName}-uploads"}}},
        "Orders": {"Type": "AWS::DynamoDB::Table", "Properties": {
            "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
            "StreamSpecification": {"StreamViewType": "NEW_AND_OLD_IMAGES"}}},
        "Clicks": {"Type": "AWS::Kinesis::Stream", "Properties": {"ShardCount": 1}},
        "Bus": {"Type": "AWS::Events::EventBus", "Properties": {"Name": "shop-orders"}}
    }})
}

/// The bucket outside the stack.
const PARTNER_BUCKET: &str = "partner-drop";

/// One function of each kind, with a route.
fn manifest(with_kinesis: bool) -> Manifest {
    let mut functions = vec![
        (
            "nightly",
            json!({"type": "schedule", "expression": "cron(0 3 * * ? *)"}),
        ),
        (
            "ordered",
            json!({"type": "event_bridge", "pattern": "{\"source\": [\"shop\"]}", "bus": "Bus"}),
        ),
        (
            "work",
            json!({"type": "sqs", "queue": "Jobs", "batch_size": 50, "max_batching_window": 5}),
        ),
        (
            "alert",
            json!({"type": "sns", "topic": "Alerts", "filter_policy": "{\"level\": [\"high\"]}"}),
        ),
        (
            "uploaded",
            json!({"type": "s3", "bucket": "Uploads", "events": ["s3:ObjectCreated:*"], "prefix": "in/"}),
        ),
        (
            "dropped",
            json!({"type": "s3", "bucket": PARTNER_BUCKET, "events": ["s3:ObjectCreated:*"], "suffix": ".csv"}),
        ),
        (
            "order_changed",
            json!({"type": "dynamodb_stream", "stream": "Orders", "batch_size": 100, "starting_position": "TRIM_HORIZON"}),
        ),
        ("plain", json!({"type": "invoke"})),
    ];
    if with_kinesis {
        functions.push((
            "clicked",
            json!({"type": "kinesis", "stream": "Clicks", "batch_size": 200, "starting_position": "LATEST"}),
        ));
    }
    let mut fragments: Vec<String> = functions
        .iter()
        .enumerate()
        .map(|(line, (name, source))| {
            json!({"kind": "function", "name": name, "module": "shop", "file": "src/main.rs",
                   "line": line + 1, "source": source})
            .to_string()
        })
        .collect();
    fragments.push(
        json!({"kind": "route", "handler": "index", "module": "shop", "file": "src/main.rs",
               "line": 50, "path": "/", "resource_path": "/", "methods": ["GET"]})
        .to_string(),
    );
    Manifest::from_fragments(fragments.iter().map(String::as_bytes)).expect("manifest")
}

/// A project directory holding the config and `.chalice/resources.json`.
fn project(dir: &Path) {
    std::fs::create_dir_all(dir.join(".chalice")).unwrap();
    std::fs::write(
        dir.join(".chalice/config.json"),
        r#"{"version": "2.0", "app_name": "shop", "autogen_policy": false}"#,
    )
    .unwrap();
    std::fs::write(dir.join(".chalice/resources.json"), declared().to_string()).unwrap();
}

/// The resolved app of the project in `dir`.
fn app(dir: &Path, with_kinesis: bool) -> App {
    let config = cargo_chalice::config::load(dir, "dev", "shop").expect("config");
    App::resolve(manifest(with_kinesis), config).expect("app")
}

#[test]
fn every_kind_of_event_function_passes_cfn_lint() {
    let dir = tempfile::tempdir().unwrap();
    project(dir.path());
    let app = app(dir.path(), true);
    let mut files = Vec::new();
    for format in [TemplateFormat::Json, TemplateFormat::Yaml] {
        let (set, rendered) = template::generate(&app, Arch::Arm64, format).expect("template");
        assert!(set.nested.is_empty());
        let path = dir.path().join(format!("template.{}", format.extension()));
        std::fs::write(&path, rendered.root).unwrap();
        files.push(path);
    }
    let paths: Vec<&Path> = files.iter().map(|p| p.as_path()).collect();
    common::lint(&paths);
}

/// Creates the partner's bucket with someone else's notifications (a Lambda
/// entry and a queue). moto answers `GetBucketNotificationConfiguration`
/// of a bucket that has none with a document the SDK cannot parse (S3
/// answers an empty `NotificationConfiguration`), so the bucket always has
/// some.
async fn partner_bucket(s3: &aws_sdk_s3::Client) {
    s3.create_bucket()
        .bucket(PARTNER_BUCKET)
        .send()
        .await
        .unwrap();
    let theirs = LambdaFunctionConfiguration::builder()
        .id("theirs")
        .lambda_function_arn(THEIR_FUNCTION)
        .events(Event::S3ObjectRemoved)
        .build()
        .unwrap();
    let queue = QueueConfiguration::builder()
        .id("their-queue")
        .queue_arn("arn:aws:sqs:us-east-1:123456789012:audit")
        .events(Event::S3ObjectRestoreCompleted)
        .build()
        .unwrap();
    s3.put_bucket_notification_configuration()
        .bucket(PARTNER_BUCKET)
        .notification_configuration(
            NotificationConfiguration::builder()
                .lambda_function_configurations(theirs)
                .queue_configurations(queue)
                .build(),
        )
        .send()
        .await
        .unwrap();
}

/// The function of someone else's notification on the partner's bucket.
const THEIR_FUNCTION: &str = "arn:aws:lambda:us-east-1:123456789012:function:theirs";

/// `snake_case` → `SnakeCase`, as logical IDs are made.
fn camel(name: &str) -> String {
    cargo_chalice::cfn::ids::camel(name)
}

/// The Lambda entries of a bucket's notification configuration, by ID.
async fn lambda_entries(s3: &aws_sdk_s3::Client, bucket: &str) -> Vec<(String, String)> {
    let mut entries: Vec<(String, String)> = s3
        .get_bucket_notification_configuration()
        .bucket(bucket)
        .send()
        .await
        .unwrap()
        .lambda_function_configurations()
        .iter()
        .map(|c| {
            (
                c.id().unwrap_or_default().to_owned(),
                c.lambda_function_arn().to_owned(),
            )
        })
        .collect();
    entries.sort();
    entries
}

#[test]
fn event_functions_deploy_to_moto_and_wire_an_outside_bucket() {
    let moto = Moto::start();
    let dir = tempfile::tempdir().unwrap();
    project(dir.path());
    let app = app(dir.path(), true);
    let (_, rendered) = template::generate(&app, Arch::X86_64, TemplateFormat::Json).unwrap();
    let packaged = Packaged {
        bucket_notifications: app.external_notifications(),
        ..common::write_package(
            &dir.path().join(".chalice/deployments/dev"),
            &app.name,
            &app.stage,
            rendered.root.as_bytes(),
            b"events zip",
        )
    };
    let rt = runtime();
    rt.block_on(async {
        let aws = moto.aws().await;
        let config = moto.sdk_config().await;
        let s3 = aws.s3();
        let lambda = aws_sdk_lambda::Client::new(&config);
        // The partner's bucket, with someone else's notifications.
        partner_bucket(&s3).await;

        let outcome = deploy::deploy_packaged(&aws, dir.path(), &packaged)
            .await
            .expect("deploy");
        let state = &outcome.state;
        let physical = |id: &str| {
            state
                .resources
                .iter()
                .find(|r| r.logical_id == id)
                .unwrap_or_else(|| panic!("{id} in {:?}", state.resources))
                .physical_id
                .clone()
        };
        for (id, kind) in [
            ("NightlyRule", "AWS::Events::Rule"),
            ("OrderedRule", "AWS::Events::Rule"),
            ("NightlyInvokePermission", "AWS::Lambda::Permission"),
            ("WorkEventSourceMapping", "AWS::Lambda::EventSourceMapping"),
            (
                "OrderChangedEventSourceMapping",
                "AWS::Lambda::EventSourceMapping",
            ),
            ("WorkRole", "AWS::IAM::Role"),
            ("UploadedInvokePermission", "AWS::Lambda::Permission"),
            ("DroppedInvokePermission", "AWS::Lambda::Permission"),
        ] {
            assert!(
                state
                    .resources
                    .iter()
                    .any(|r| r.logical_id == id && r.resource_type == kind),
                "{id} ({kind}) in {:?}",
                state.resources
            );
        }
        // Every function, with its handler.
        for name in [
            "nightly",
            "ordered",
            "work",
            "alert",
            "uploaded",
            "dropped",
            "order_changed",
            "plain",
        ] {
            let function = lambda
                .get_function()
                .function_name(format!("shop-dev-{name}"))
                .send()
                .await
                .unwrap_or_else(|e| panic!("shop-dev-{name}: {e:?}"));
            let configuration = function.configuration().unwrap();
            assert_eq!(
                configuration.handler(),
                Some(format!("function:{name}").as_str())
            );
        }
        // The queue's mapping.
        let mappings = lambda
            .list_event_source_mappings()
            .function_name("shop-dev-work")
            .send()
            .await
            .unwrap();
        let mapping = &mappings.event_source_mappings()[0];
        assert_eq!(mapping.batch_size(), Some(50));
        // The queue's physical ID is its URL, which ends with its name.
        let queue_url = physical("Jobs");
        let queue_name = queue_url.rsplit('/').next().unwrap();
        assert!(
            mapping
                .event_source_arn()
                .unwrap()
                .ends_with(&format!(":{queue_name}")),
            "{mapping:?}"
        );
        // The rule's permission.
        let policy = lambda
            .get_policy()
            .function_name("shop-dev-nightly")
            .send()
            .await
            .unwrap();
        let policy: Value = serde_json::from_str(policy.policy().unwrap()).unwrap();
        assert_eq!(
            policy["Statement"][0]["Principal"]["Service"],
            "events.amazonaws.com"
        );
        // The outside bucket's permission is the stack's (not added by an API call).
        let policy = lambda
            .get_policy()
            .function_name("shop-dev-dropped")
            .send()
            .await
            .unwrap();
        let policy: Value = serde_json::from_str(policy.policy().unwrap()).unwrap();
        let statement = &policy["Statement"][0];
        assert_eq!(statement["Principal"]["Service"], "s3.amazonaws.com");
        assert_eq!(
            statement["Condition"]["ArnLike"]["AWS:SourceArn"],
            "arn:aws:s3:::partner-drop"
        );
        // The partner's bucket: ours added, theirs kept.
        let function_arn = "arn:aws:lambda:us-east-1:123456789012:function:shop-dev-dropped";
        assert_eq!(
            lambda_entries(&s3, PARTNER_BUCKET).await,
            vec![
                (
                    "chalice-rs:shop-dev:dropped".to_owned(),
                    function_arn.to_owned()
                ),
                ("theirs".to_owned(), THEIR_FUNCTION.to_owned()),
            ]
        );
        let configuration = s3
            .get_bucket_notification_configuration()
            .bucket(PARTNER_BUCKET)
            .send()
            .await
            .unwrap();
        assert_eq!(
            configuration.queue_configurations().len(),
            1,
            "their queue is kept"
        );
        let ours = configuration
            .lambda_function_configurations()
            .iter()
            .find(|c| c.id() == Some("chalice-rs:shop-dev:dropped"))
            .unwrap();
        let rules = ours.filter().unwrap().key().unwrap().filter_rules();
        assert_eq!(rules[0].value(), Some(".csv"));
        assert_eq!(
            state.bucket_notifications,
            vec![deploy::notifications::WiredNotification {
                bucket: PARTNER_BUCKET.to_owned(),
                id: "chalice-rs:shop-dev:dropped".to_owned(),
                function_arn: function_arn.to_owned(),
                events: vec!["s3:ObjectCreated:*".to_owned()],
            }]
        );
        assert_eq!(
            state::read(dir.path(), "dev").unwrap().as_ref(),
            Some(state),
            "the state file records the wiring"
        );

        // `logs --name` selects each function by its key, with its own log group.
        for name in ["api", "nightly", "work", "uploaded", "plain"] {
            let sources = deploy::logs::select_functions(&state.resources, "shop-dev", Some(name))
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            let [source] = sources.as_slice() else {
                panic!("{name}: {sources:?}");
            };
            let stem = if name == "api" {
                "APIHandler".to_owned()
            } else {
                camel(name)
            };
            assert_eq!(
                source.log_group,
                physical(&format!("{stem}LogGroup")),
                "{name}"
            );
        }
        let work =
            deploy::logs::select_functions(&state.resources, "shop-dev", Some("work")).unwrap();
        common::put_log_events(
            &config,
            &work[0].log_group,
            "2026/01/01/[$LATEST]events",
            &["received 3 messages"],
        )
        .await;
        let mut shown = Vec::new();
        deploy::logs::show(
            &aws,
            work,
            std::time::Duration::from_secs(300),
            false,
            &mut shown,
        )
        .await
        .unwrap();
        let shown = String::from_utf8(shown).unwrap();
        assert!(
            shown.contains("shop-dev-work received 3 messages"),
            "{shown}"
        );
        let error = deploy::logs::select_functions(&state.resources, "shop-dev", Some("wrok"))
            .unwrap_err()
            .to_string();
        assert!(error.contains("(did you mean `work`?)"), "{error}");

        // A second deploy changes nothing and wires the same.
        let again = deploy::deploy_packaged(&aws, dir.path(), &packaged)
            .await
            .expect("deploy again");
        assert!(!again.changed);
        assert_eq!(again.state.bucket_notifications, state.bucket_notifications);
        assert_eq!(lambda_entries(&s3, PARTNER_BUCKET).await.len(), 2);

        // Without the S3 function, its entry leaves the partner's bucket.
        let without = Packaged {
            bucket_notifications: Vec::new(),
            ..packaged.clone()
        };
        let outcome = deploy::deploy_packaged(&aws, dir.path(), &without)
            .await
            .expect("deploy without");
        assert!(outcome.state.bucket_notifications.is_empty());
        assert_eq!(
            lambda_entries(&s3, PARTNER_BUCKET).await,
            vec![("theirs".to_owned(), THEIR_FUNCTION.to_owned())]
        );

        // Wired again, then `delete` removes only ours.
        deploy::deploy_packaged(&aws, dir.path(), &packaged)
            .await
            .expect("deploy with");
        assert_eq!(lambda_entries(&s3, PARTNER_BUCKET).await.len(), 2);
        let target = Target {
            project_dir: dir.path().to_owned(),
            stage: "dev".to_owned(),
            stack_name: "shop-dev".to_owned(),
            api_gateway_stage: "api".to_owned(),
            state: state::read(dir.path(), "dev").unwrap(),
        };
        deploy::delete(&aws, &target).await.expect("delete");
        assert_eq!(
            lambda_entries(&s3, PARTNER_BUCKET).await,
            vec![("theirs".to_owned(), THEIR_FUNCTION.to_owned())]
        );
        assert!(state::read(dir.path(), "dev").unwrap().is_none());
    });
}

#[test]
fn a_missing_outside_bucket_fails_after_the_stack_and_a_rerun_finishes() {
    let moto = Moto::start();
    let dir = tempfile::tempdir().unwrap();
    project(dir.path());
    let app = app(dir.path(), false);
    let (_, rendered) = template::generate(&app, Arch::X86_64, TemplateFormat::Json).unwrap();
    let packaged = Packaged {
        bucket_notifications: app.external_notifications(),
        ..common::write_package(
            &dir.path().join("out"),
            &app.name,
            &app.stage,
            rendered.root.as_bytes(),
            b"zip",
        )
    };
    runtime().block_on(async {
        let aws = moto.aws().await;
        let s3 = aws.s3();
        let error = deploy::deploy_packaged(&aws, dir.path(), &packaged)
            .await
            .expect_err("no partner bucket")
            .to_string();
        assert!(
            error.contains("the notifications of the bucket `partner-drop` could not be written: the bucket does not exist"),
            "{error}"
        );
        assert!(error.contains("run `cargo chalice deploy` again"), "{error}");
        // The stack is deployed and recorded; nothing is wired.
        let state = state::read(dir.path(), "dev").unwrap().expect("a state file");
        assert!(state.resources.iter().any(|r| r.logical_id == "DroppedFunction"));
        assert!(state.bucket_notifications.is_empty());
        // Once the bucket exists, deploying again finishes the wiring.
        partner_bucket(&s3).await;
        let outcome = deploy::deploy_packaged(&aws, dir.path(), &packaged)
            .await
            .expect("deploy again");
        assert!(!outcome.changed);
        assert_eq!(outcome.state.bucket_notifications.len(), 1);
        assert_eq!(lambda_entries(&s3, PARTNER_BUCKET).await.len(), 2);
    });
}

//! examples/events packaged and deployed: the template of its real manifest
//! (read from a build of the example for this machine, shared with the other
//! tests' builds of it) wires each function to its source of
//! `.chalice/resources.json`, passes cfn-lint, and deploys to the moto server
//! with its functions, rule, queue mapping and permissions.
//!
//! As for examples/todo (`todo_package`), the template and zip are written by
//! `package::write_package` after a host build: the Lambda build of an app
//! using the AWS SDK for arm64 (the default) needs a C cross toolchain the
//! tests do not install.

use crate::common;

use cargo_chalice::deploy::{self, Packaged};
use cargo_chalice::package::TemplateFormat;
use chalice_rs_runtime::manifest::EventSource;
use common::{lint, runtime, Moto};
use serde_json::json;

#[test]
fn the_example_declares_every_kind_it_uses() {
    let (_, manifest) = common::example_build("events");
    let kinds: Vec<(&str, &str)> = manifest
        .functions
        .iter()
        .map(|f| (f.name.as_str(), f.source.attribute()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("nightly", "#[schedule]"),
            ("notify", "#[on_sns_message]"),
            ("on_upload", "#[on_s3_event]"),
            ("stats", "#[lambda_function]"),
            ("work", "#[on_sqs_message]"),
        ]
    );
    assert!(matches!(
        &manifest.function("work").expect("work").source,
        EventSource::Sqs { queue, batch_size: 10, .. } if queue == "WorkQueue"
    ));
}

#[test]
fn the_example_template_wires_each_source_and_passes_cfn_lint() {
    let out = tempfile::tempdir().unwrap();
    let packaged = common::package_example("events", out.path(), TemplateFormat::Json);
    let template = common::read_template(&packaged.template_path);
    let resources = template["Resources"].as_object().expect("resources");
    let of_type = |kind: &str| common::resources_of_type(&template, kind);
    // One function per handler, the API's and the five event functions, all
    // running the one bootstrap, told apart by their handler.
    let mut handlers: Vec<&str> = of_type("AWS::Lambda::Function")
        .iter()
        .map(|(_, f)| f["Properties"]["Handler"].as_str().expect("handler"))
        .collect();
    handlers.sort_unstable();
    assert_eq!(
        handlers,
        [
            "api",
            "function:nightly",
            "function:notify",
            "function:on_upload",
            "function:stats",
            "function:work",
        ]
    );
    let work = &resources["WorkFunction"]["Properties"];
    assert_eq!(work["FunctionName"], "events-dev-work");
    assert_eq!(
        (work["MemorySize"].clone(), work["Timeout"].clone()),
        (json!(256), json!(30))
    );
    assert_eq!(
        work["Environment"]["Variables"]["WORK_QUEUE_URL"],
        json!({"Ref": "WorkQueue"})
    );

    // The nightly schedule: a rule and the permission for EventBridge.
    let rules = of_type("AWS::Events::Rule");
    assert_eq!(rules.len(), 1, "{rules:?}");
    assert_eq!(
        rules[0].1["Properties"]["ScheduleExpression"],
        "cron(0 3 * * ? *)"
    );
    // The worker reads the queue in batches and reports single failures.
    let mappings = of_type("AWS::Lambda::EventSourceMapping");
    assert_eq!(mappings.len(), 1, "{mappings:?}");
    let mapping = &mappings[0].1["Properties"];
    assert_eq!(
        mapping["EventSourceArn"],
        json!({"Fn::GetAtt": ["WorkQueue", "Arn"]})
    );
    assert_eq!(mapping["BatchSize"], 10);
    assert_eq!(
        mapping["FunctionResponseTypes"],
        json!(["ReportBatchItemFailures"])
    );
    // The topic's subscription (moto skips it: asserted here).
    let subscriptions = of_type("AWS::SNS::Subscription");
    assert_eq!(subscriptions.len(), 1, "{subscriptions:?}");
    assert_eq!(
        subscriptions[0].1["Properties"]["TopicArn"],
        json!({"Ref": "Notifications"})
    );
    // The bucket notifies the upload handler of `.csv` files under incoming/.
    let uploads = &resources["Uploads"];
    let lambda = &uploads["Properties"]["NotificationConfiguration"]["LambdaConfigurations"][0];
    assert_eq!(lambda["Event"], "s3:ObjectCreated:*");
    assert_eq!(
        lambda["Filter"]["S3Key"]["Rules"],
        json!([{"Name": "prefix", "Value": "incoming/"}, {"Name": "suffix", "Value": ".csv"}])
    );
    assert!(
        uploads["DependsOn"].is_string() || uploads["DependsOn"].is_array(),
        "{uploads}"
    );
    let permissions: Vec<&str> = of_type("AWS::Lambda::Permission")
        .iter()
        .map(|(_, p)| p["Properties"]["Principal"].as_str().expect("principal"))
        .collect();
    for principal in [
        "events.amazonaws.com",
        "sns.amazonaws.com",
        "s3.amazonaws.com",
    ] {
        assert!(permissions.contains(&principal), "{permissions:?}");
    }
    lint(&[&packaged.template_path]);

    let yaml_out = tempfile::tempdir().unwrap();
    let yaml = common::package_example("events", yaml_out.path(), TemplateFormat::Yaml);
    lint(&[&yaml.template_path]);
}

#[test]
fn the_example_deploys_to_moto() {
    let moto = Moto::start();
    let project = tempfile::tempdir().unwrap();
    let out = project.path().join("out");
    let packaged = common::package_example("events", &out, TemplateFormat::Json);
    let rt = runtime();
    let state = rt.block_on(async {
        let aws = moto.aws().await;
        deploy::deploy_packaged(&aws, project.path(), &Packaged::from(&packaged))
            .await
            .expect("deploy")
            .state
    });
    let physical = |logical: &str| {
        state
            .resources
            .iter()
            .find(|r| r.logical_id == logical)
            .unwrap_or_else(|| panic!("{logical} in {:?}", state.resources))
            .physical_id
            .clone()
    };
    assert_eq!(physical("WorkFunction"), "events-dev-work");
    rt.block_on(async {
        let config = moto.sdk_config().await;
        let lambda = aws_sdk_lambda::Client::new(&config);
        let functions = lambda.list_functions().send().await.expect("ListFunctions");
        let mut names: Vec<&str> = functions
            .functions()
            .iter()
            .filter_map(|f| f.function_name())
            .collect();
        names.sort_unstable();
        assert_eq!(
            names,
            [
                "events-dev",
                "events-dev-nightly",
                "events-dev-notify",
                "events-dev-on_upload",
                "events-dev-stats",
                "events-dev-work",
            ]
        );
        let mappings = lambda
            .list_event_source_mappings()
            .function_name("events-dev-work")
            .send()
            .await
            .expect("ListEventSourceMappings");
        let mapping = mappings.event_source_mappings().first().expect("a mapping");
        assert!(
            mapping
                .event_source_arn()
                .is_some_and(|arn| arn.starts_with("arn:aws:sqs:")),
            "{mapping:?}"
        );
        assert_eq!(mapping.batch_size(), Some(10));
        let policy = lambda
            .get_policy()
            .function_name("events-dev-nightly")
            .send()
            .await
            .expect("GetPolicy");
        assert!(
            policy
                .policy()
                .is_some_and(|p| p.contains("events.amazonaws.com")),
            "{policy:?}"
        );
    });
}

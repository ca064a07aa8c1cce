//! Operating a deployed app, without an app binary (synthetic manifests):
//! the templates of versions, aliases, traffic shifting and alarms pass
//! cfn-lint; versions are published on moto only when a function changes,
//! and `rollback` moves an alias back through the Lambda API; `metrics`
//! shows the metric data the test puts into moto's CloudWatch.
//!
//! moto's CloudFormation skips aliases, CodeDeploy and alarms (asserted on
//! the template in `template::operations_tests`), so the test makes the
//! alias through the Lambda API, as the stack's alias does on AWS.

use crate::common;

use cargo_chalice::app::App;
use cargo_chalice::artifact::Arch;
use cargo_chalice::deploy::{self, rollback, DeployError, Packaged};
use cargo_chalice::template::{self, TemplateFormat};
use chalice_rs_runtime::manifest::Manifest;
use common::{runtime, Moto};
use serde_json::json;
use std::path::Path;

/// A route, a queue consumer, a schedule and a plain function.
fn manifest(route: bool) -> Manifest {
    let mut fragments = vec![
        json!({"kind": "function", "name": "work", "module": "ops", "file": "src/main.rs",
               "line": 1, "source": {"type": "sqs", "queue": "Jobs", "batch_size": 10}}),
        json!({"kind": "function", "name": "nightly", "module": "ops", "file": "src/main.rs",
               "line": 2, "source": {"type": "schedule", "expression": "rate(1 day)"}}),
        json!({"kind": "function", "name": "plain", "module": "ops", "file": "src/main.rs",
               "line": 3, "source": {"type": "invoke"}}),
    ];
    if route {
        fragments.push(
            json!({"kind": "route", "handler": "index", "module": "ops", "file": "src/main.rs",
                   "line": 9, "path": "/", "resource_path": "/", "methods": ["GET"]}),
        );
    }
    let fragments: Vec<String> = fragments.iter().map(|f| f.to_string()).collect();
    Manifest::from_fragments(fragments.iter().map(String::as_bytes)).expect("manifest")
}

/// Writes the project's config and resources in `dir`.
fn project(dir: &Path, config: &serde_json::Value) {
    std::fs::create_dir_all(dir.join(".chalice")).unwrap();
    std::fs::write(dir.join(".chalice/config.json"), config.to_string()).unwrap();
    std::fs::write(
        dir.join(".chalice/resources.json"),
        json!({"Resources": {"Jobs": {"Type": "AWS::SQS::Queue",
            "Properties": {"VisibilityTimeout": 360}}}})
        .to_string(),
    )
    .unwrap();
}

#[test]
fn versions_traffic_shifting_alarms_logs_and_both_apis_domains_pass_cfn_lint() {
    let dir = tempfile::tempdir().unwrap();
    project(
        dir.path(),
        &json!({"app_name": "ops", "autogen_policy": false, "stages": {"prod": {
            "traffic_shifting": "Canary10Percent5Minutes",
            "lambda_functions": {"nightly": {"traffic_shifting": "AllAtOnce"}},
            "alarms": {"notify": "ops@example.com", "api_5xx_rate": 0.01,
                "api_p99_latency_ms": 3000, "function_errors": 1, "function_throttles": 1,
                "duration_near_timeout": 0.9, "queue_oldest_message_age_s": 300},
            "log_format": "JSON", "log_level": "WARN",
            "api_logs": {"access_logs": true, "execution_logging": "INFO", "data_trace": true,
                "detailed_metrics": true, "account_role": true,
                "routes": {"GET /": {"execution_logging": "ERROR"}}},
            "api_gateway_custom_domain": {"domain_name": "api.example.com",
                "certificate_arn": "arn:aws:acm:us-east-1:123456789012:certificate/abc",
                "url_prefix": "v1", "tags": {"team": "ops"}}}}}),
    );
    let config = cargo_chalice::config::load(dir.path(), "prod", "ops").expect("config");
    let app = App::resolve(manifest(true), config).expect("app");
    let mut files = Vec::new();
    for format in [TemplateFormat::Json, TemplateFormat::Yaml] {
        let (_, rendered) = template::generate_release(
            &app,
            Arch::Arm64,
            format,
            &template::Release {
                code_sha256: Some("ab".repeat(32)),
                api_canary: None,
            },
        )
        .expect("template");
        let path = dir.path().join(format!("template.{}", format.extension()));
        std::fs::write(&path, rendered.root).unwrap();
        files.push(path);
    }
    // A canary on the API stage, the served deployment kept.
    let (_, rendered) = template::generate_release(
        &app,
        Arch::Arm64,
        TemplateFormat::Json,
        &template::Release {
            code_sha256: Some("ab".repeat(32)),
            api_canary: Some(cargo_chalice::app::rollout::ApiCanary {
                percent: 10.0,
                base_deployment: "RestAPIDeployment0123456789".to_owned(),
            }),
        },
    )
    .expect("canary template");
    let canary = dir.path().join("canary.json");
    std::fs::write(&canary, rendered.root).unwrap();
    files.push(canary);
    // The WebSocket API on its custom domain.
    let websocket = tempfile::tempdir().unwrap();
    project(
        websocket.path(),
        &json!({"app_name": "live", "autogen_policy": false, "stages": {"prod": {
            "websocket_api_custom_domain": {"domain_name": "live.example.com",
                "certificate_arn": "arn:aws:acm:eu-west-1:123456789012:certificate/abc",
                "url_prefix": "v1", "tags": {"team": "ops"}}}}}),
    );
    let fragments: Vec<String> = ["$connect", "$default", "$disconnect"]
        .iter()
        .enumerate()
        .map(|(line, route_key)| {
            json!({"kind": "websocket", "route_key": route_key, "handler": format!("h{line}"),
                   "module": "live", "file": "src/main.rs", "line": line + 1})
            .to_string()
        })
        .collect();
    let manifest = Manifest::from_fragments(fragments.iter().map(String::as_bytes)).unwrap();
    let config = cargo_chalice::config::load(websocket.path(), "prod", "live").expect("config");
    let app = App::resolve(manifest, config).expect("websocket app");
    let (_, rendered) =
        template::generate(&app, Arch::Arm64, TemplateFormat::Json).expect("websocket template");
    let websocket_domain = dir.path().join("websocket-domain.json");
    std::fs::write(&websocket_domain, rendered.root).unwrap();
    files.push(websocket_domain);
    let paths: Vec<&Path> = files.iter().map(|p| p.as_path()).collect();
    common::lint(&paths);
}

/// Packages the app of `dir` (stage `prod`, RELEASE=`release`) into
/// `.chalice/deployments/prod` as `package` does, with a fake zip.
fn package(dir: &Path, release: &str) -> Packaged {
    package_app(dir, release, false)
}

/// [`package`], with the REST API's route when `route`.
fn package_app(dir: &Path, release: &str, route: bool) -> Packaged {
    project(
        dir,
        &json!({"app_name": "ops", "autogen_policy": false, "stages": {"prod": {
            "environment_variables": {"RELEASE": release},
            "lambda_functions": {"plain": {"lambda_versions": true}}}}}),
    );
    let config = cargo_chalice::config::load(dir, "prod", "ops").expect("config");
    let app = App::resolve(manifest(route), config).expect("app");
    let zip = b"ops zip";
    let zip_sha256 = deploy::bucket::sha256_hex(zip);
    let out = dir.join(".chalice/deployments/prod");
    std::fs::create_dir_all(&out).unwrap();
    let (_, rendered) = template::generate_release(
        &app,
        Arch::X86_64,
        TemplateFormat::Json,
        &template::Release {
            code_sha256: Some(zip_sha256.clone()),
            api_canary: None,
        },
    )
    .unwrap();
    common::write_package(&out, &app.name, &app.stage, rendered.root.as_bytes(), zip)
}

#[test]
fn rollback_moves_the_alias_to_the_previous_version_on_moto() {
    let moto = Moto::start();
    let dir = tempfile::tempdir().unwrap();
    let rt = runtime();
    rt.block_on(async {
        let aws = moto.aws().await;
        let lambda = aws.lambda();
        let versions = || async {
            let listed = lambda
                .list_versions_by_function()
                .function_name("ops-prod-plain")
                .send()
                .await
                .expect("versions");
            let mut numbers: Vec<String> = listed
                .versions()
                .iter()
                .filter_map(|v| v.version().map(str::to_owned))
                .filter(|v| v != "$LATEST")
                .collect();
            numbers.sort();
            numbers
        };
        let alias_version = || async {
            lambda
                .get_alias()
                .function_name("ops-prod-plain")
                .name("prod")
                .send()
                .await
                .expect("alias")
                .function_version()
                .unwrap_or_default()
                .to_owned()
        };

        let first = deploy::deploy_packaged(&aws, dir.path(), &package(dir.path(), "1"))
            .await
            .expect("deploy");
        assert_eq!(versions().await, ["1"]);
        // What the stack's alias is on AWS (moto's CloudFormation skips it).
        lambda
            .create_alias()
            .function_name("ops-prod-plain")
            .name("prod")
            .function_version("1")
            .send()
            .await
            .expect("alias");
        let error = rollback::rollback(&aws, &first.state, None)
            .await
            .expect_err("nothing before version 1");
        assert_eq!(
            error.to_string(),
            "the alias `prod` of ops-prod-plain points to version 1, and no version was published before it: there is no previous version to roll back to"
        );

        // A changed configuration is a new version resource; an unchanged
        // deploy, none.
        let version_resource = |state: &deploy::state::DeployedState| {
            let ids: Vec<String> = state
                .of_type("AWS::Lambda::Version")
                .map(|r| r.logical_id.clone())
                .collect();
            assert_eq!(ids.len(), 1, "{ids:?}");
            ids[0].clone()
        };
        let first_version = version_resource(&first.state);
        let second = deploy::deploy_packaged(&aws, dir.path(), &package(dir.path(), "2"))
            .await
            .expect("deploy");
        let second_version = version_resource(&second.state);
        assert_ne!(first_version, second_version);
        // moto adds new resources before it updates the others (CloudFormation
        // follows the version's `Ref` to the function), so its version
        // resource published the old configuration again; publish the new
        // one as the version resource does on AWS.
        lambda
            .publish_version()
            .function_name("ops-prod-plain")
            .send()
            .await
            .expect("publish");
        assert_eq!(versions().await, ["1", "2"]);
        let unchanged = deploy::deploy_packaged(&aws, dir.path(), &package(dir.path(), "2"))
            .await
            .expect("deploy");
        assert!(!unchanged.changed);
        assert_eq!(version_resource(&unchanged.state), second_version);
        assert_eq!(versions().await, ["1", "2"]);
        lambda
            .update_alias()
            .function_name("ops-prod-plain")
            .name("prod")
            .function_version("2")
            .send()
            .await
            .expect("alias");

        // The state file is what the command reads.
        let state = deploy::state::read(dir.path(), "prod")
            .expect("state")
            .expect("deployed");
        let moved = rollback::rollback(&aws, &state, None)
            .await
            .expect("rollback");
        assert_eq!(
            moved.iter().map(ToString::to_string).collect::<Vec<_>>(),
            ["ops-prod-plain: alias prod version 2 → 1"]
        );
        assert_eq!(alias_version().await, "1");

        // A function without versions, and a name that is no function.
        let error = rollback::rollback(&aws, &state, Some("work"))
            .await
            .expect_err("no alias");
        assert!(
            matches!(
                &error,
                DeployError::Rollback(rollback::RollbackError::NoAlias { function, .. })
                    if function == "ops-prod-work"
            ),
            "{error}"
        );
        let error = rollback::rollback(&aws, &state, Some("plian"))
            .await
            .expect_err("unknown");
        assert!(
            error.to_string().contains("(did you mean `plain`?)"),
            "{error}"
        );
    });
}

#[test]
fn a_stage_canary_starts_from_the_served_deployment_and_without_one_says_so_on_moto() {
    let moto = Moto::start();
    let dir = tempfile::tempdir().unwrap();
    project(
        dir.path(),
        &json!({"app_name": "ops", "autogen_policy": false, "stages": {"prod": {}}}),
    );
    let config = cargo_chalice::config::load(dir.path(), "prod", "ops").expect("config");
    let app = App::resolve(manifest(true), config).expect("app");
    let (_, rendered) = template::generate(&app, Arch::X86_64, TemplateFormat::Json).unwrap();
    let packaged = common::write_package(
        &dir.path().join(".chalice/deployments/prod"),
        &app.name,
        &app.stage,
        rendered.root.as_bytes(),
        b"ops zip",
    );
    runtime().block_on(async {
        let aws = moto.aws().await;
        let outcome = deploy::deploy_packaged(&aws, dir.path(), &packaged)
            .await
            .expect("deploy");
        let rest_api_id = outcome.state.rest_api_id.clone().expect("an API");
        // moto's CloudFormation skips stages: make the one the stack has on
        // AWS, serving the stack's deployment.
        let client = aws_sdk_apigateway::Client::new(&aws.config);
        let deployment = outcome
            .state
            .of_type("AWS::ApiGateway::Deployment")
            .next()
            .expect("the stack's deployment")
            .clone();
        client
            .create_stage()
            .rest_api_id(&rest_api_id)
            .stage_name("api")
            .deployment_id(&deployment.physical_id)
            .send()
            .await
            .expect("stage");
        for promote in [true, false] {
            let error = deploy::canary::settle(&aws, &outcome.state, "api", promote)
                .await
                .expect_err("no canary");
            assert_eq!(
                error.to_string(),
                format!("the stage `api` of the API {rest_api_id} has no canary; `cargo chalice deploy --canary PERCENT` makes one")
            );
        }
        // `deploy --canary` keeps the deployment the stage serves.
        let base = deploy::canary::served_deployment(&aws, Some(&outcome.state), "prod", "api")
            .await
            .expect("served");
        assert_eq!(base, deployment.logical_id);
        // Not deployed: said so.
        let error = deploy::canary::served_deployment(&aws, None, "prod", "api")
            .await
            .expect_err("not deployed")
            .to_string();
        assert!(error.contains("deploy it once without `--canary`"), "{error}");
    });
}

#[test]
fn deploy_reads_the_accounts_cloudwatch_role_for_api_logs() {
    let moto = Moto::start();
    runtime().block_on(async {
        let aws = moto.aws().await;
        assert_eq!(
            deploy::account::cloudwatch_role(&aws)
                .await
                .expect("account"),
            None
        );
        let role = "arn:aws:iam::123456789012:role/apigateway-cloudwatch";
        aws_sdk_apigateway::Client::new(&aws.config)
            .update_account()
            .patch_operations(
                aws_sdk_apigateway::types::PatchOperation::builder()
                    .op(aws_sdk_apigateway::types::Op::Replace)
                    .path("/cloudwatchRoleArn")
                    .value(role)
                    .build(),
            )
            .send()
            .await
            .expect("update account");
        assert_eq!(
            deploy::account::cloudwatch_role(&aws)
                .await
                .expect("account"),
            Some(role.to_owned())
        );
    });
    let error = DeployError::NoCloudWatchRole {
        region: "eu-west-1".to_owned(),
        how: cargo_chalice::app::api_logs::SET_ACCOUNT_ROLE,
    }
    .to_string();
    assert!(
        error.starts_with("the account has no CloudWatch role for API Gateway in eu-west-1")
            && error.contains("aws apigateway update-account"),
        "{error}"
    );
}

/// `cargo chalice metrics` on a stage deployed to moto: a clear "no data in
/// the window" before any datapoint, then the API's and the functions'
/// figures from the datapoints the test puts (moto computes sums, averages
/// and maxima; it has no percentiles, so the latency rows show `-`).
#[test]
fn metrics_shows_cloudwatch_data_and_says_when_there_is_none_on_moto() {
    let moto = Moto::start();
    let dir = tempfile::tempdir().unwrap();
    let rt = runtime();
    let metrics = |since: &str| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_cargo-chalice"));
        command
            .args(["chalice", "metrics", "--stage", "prod", "--since", since])
            .current_dir(dir.path())
            .stdin(std::process::Stdio::null());
        common::aws_env(&mut command, &moto);
        let output = command.output().expect("run cargo-chalice metrics");
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(
            output.status.success(),
            "metrics failed\nstdout:\n{stdout}\nstderr:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        stdout
    };
    // The command finds the project as every command does (`cargo metadata`).
    std::fs::create_dir_all(dir.path().join("src")).unwrap();
    std::fs::write(
        dir.path().join("Cargo.toml"),
        "[package]\nname = \"ops\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("src/main.rs"), "fn main() {}\n").unwrap();
    rt.block_on(async {
        let aws = moto.aws().await;
        deploy::deploy_packaged(&aws, dir.path(), &package_app(dir.path(), "1", true))
            .await
            .expect("deploy");
    });
    let empty = metrics("1h");
    assert!(
        empty.contains("no data in the window: nothing was invoked in the last 1h"),
        "{empty}"
    );

    rt.block_on(async {
        use aws_sdk_cloudwatch::types::{Dimension, MetricDatum, StandardUnit};
        let cloudwatch = aws_sdk_cloudwatch::Client::new(&moto.sdk_config().await);
        let at = aws_sdk_cloudwatch::primitives::DateTime::from_secs(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs() as i64
                - 120,
        );
        let datum = |name: &str, dimensions: &[(&str, &str)], value: f64, unit| {
            MetricDatum::builder()
                .metric_name(name)
                .set_dimensions(Some(
                    dimensions
                        .iter()
                        .map(|(n, v)| Dimension::builder().name(*n).value(*v).build())
                        .collect(),
                ))
                .timestamp(at)
                .value(value)
                .unit(unit)
                .build()
        };
        let api = [("ApiName", "ops"), ("Stage", "api")];
        let plain = [("FunctionName", "ops-prod-plain")];
        for (namespace, data) in [
            (
                "AWS/ApiGateway",
                vec![
                    datum("Count", &api, 40.0, StandardUnit::Count),
                    datum("4XXError", &api, 3.0, StandardUnit::Count),
                    datum("5XXError", &api, 1.0, StandardUnit::Count),
                ],
            ),
            (
                "AWS/Lambda",
                vec![
                    datum("Invocations", &plain, 12.0, StandardUnit::Count),
                    datum("Errors", &plain, 2.0, StandardUnit::Count),
                    datum("Duration", &plain, 35.5, StandardUnit::Milliseconds),
                ],
            ),
        ] {
            cloudwatch
                .put_metric_data()
                .namespace(namespace)
                .set_metric_data(Some(data))
                .send()
                .await
                .expect("put metric data");
        }
    });
    let report = metrics("1h");
    // A section: its title line, then its rows up to the blank line.
    let section = |title: &str| -> Vec<String> {
        let mut lines = report.lines().skip_while(|line| *line != title);
        assert!(lines.next().is_some(), "no section `{title}` in\n{report}");
        lines
            .take_while(|line| !line.is_empty())
            .map(str::to_owned)
            .collect()
    };
    // The figure of a row: the first word after its label.
    let figure = |rows: &[String], label: &str| -> String {
        let row = rows
            .iter()
            .find_map(|row| row.trim_start().strip_prefix(label))
            .unwrap_or_else(|| panic!("no `{label}` row in\n{report}"));
        row.split_whitespace().next().unwrap_or_default().to_owned()
    };
    let api = section("API ops (stage api)");
    assert_eq!(figure(&api, "requests"), "40", "{report}");
    assert_eq!(figure(&api, "4XX"), "3", "{report}");
    assert_eq!(figure(&api, "5XX"), "1", "{report}");
    assert_eq!(figure(&api, "p99 latency"), "-", "{report}");
    let plain = section("function ops-prod-plain");
    assert_eq!(figure(&plain, "invocations"), "12", "{report}");
    assert_eq!(figure(&plain, "errors"), "2", "{report}");
    assert_eq!(figure(&plain, "throttles"), "-", "{report}");
    assert_eq!(figure(&plain, "duration (maximum)"), "35.5", "{report}");
    // A function without datapoints: its rows, without figures.
    let work = section("function ops-prod-work");
    assert_eq!(figure(&work, "invocations"), "-", "{report}");
}

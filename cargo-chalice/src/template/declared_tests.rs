//! Tests of `.chalice/resources.json` in the template and locally.

use crate::app::environment::local_environment;
use crate::app::resources::RESOURCES_PATH;
use crate::app::App;
use crate::artifact::Arch;
use crate::config::StageConfig;
use crate::template::{generate, TemplateError, TemplateFormat};
use chalice_rs_runtime::manifest::Manifest;
use serde_json::{json, Value};

mod declared {
    use super::*;

    const TABLE: &str = r#"{"Type": "AWS::DynamoDB::Table", "Properties": {
        "TableName": {"Fn::Sub": "${AWS::StackName}-todos"},
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}]}}"#;

    fn manifest() -> Manifest {
        let route = json!({
            "kind": "route", "handler": "h", "module": "m", "file": "f.rs", "line": 1,
            "path": "/todos", "resource_path": "/todos", "methods": ["GET"],
        })
        .to_string();
        Manifest::from_fragments([route.as_bytes()]).expect("manifest")
    }

    /// A project with `files` (path, text) under a temporary directory.
    fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("tempdir");
        for (path, text) in files {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(path, text).expect("write");
        }
        dir
    }

    fn config_of(dir: &tempfile::TempDir) -> StageConfig {
        crate::config::load(dir.path(), "dev", "app").expect("config")
    }

    /// The root template of the project, or the error.
    fn template(files: &[(&str, &str)]) -> Result<Value, TemplateError> {
        let dir = project(files);
        let app = App::resolve(manifest(), config_of(&dir))?;
        let (set, _) = generate(&app, Arch::Arm64, TemplateFormat::Json)?;
        Ok(set.root.to_value())
    }

    fn resources_json(resources: &str) -> String {
        format!(r#"{{"Resources": {resources}}}"#)
    }

    fn env_config(value: &str) -> String {
        format!(
            r#"{{"app_name": "app", "stages": {{"dev": {{"environment_variables": {{"TODO_TABLE": {value}}}}}}}}}"#
        )
    }

    fn error_of(files: &[(&str, &str)]) -> String {
        template(files).expect_err("an error").to_string()
    }

    #[test]
    fn resources_and_outputs_are_merged_and_env_refs_become_intrinsics() {
        let fragment = format!(
            r#"{{"AWSTemplateFormatVersion": "2010-09-09",
                "Resources": {{"TodoTable": {TABLE},
                  "Uploads": {{"Type": "AWS::S3::Bucket", "DeletionPolicy": "Retain",
                    "DependsOn": "TodoTable",
                    "Properties": {{"Tags": [{{"Key": "fn", "Value": {{"Ref": "APIHandler"}}}}]}}}}}},
                "Outputs": {{"TableName": {{"Value": {{"Ref": "TodoTable"}}}},
                  "TableArn": {{"Description": "arn", "Value": {{"Fn::Sub": ["${{T}}", {{"T": {{"Fn::GetAtt": ["TodoTable", "Arn"]}}}}]}}}}}}}}"#
        );
        let config = r#"{"app_name": "app", "environment_variables": {"PLAIN": "text"},
            "stages": {"dev": {"environment_variables": {"TODO_TABLE": {"Ref": "TodoTable"}},
              "lambda_functions": {"api": {"environment_variables": {"TABLE_ARN": {"Fn::GetAtt": ["TodoTable", "Arn"]}}}}}}}"#;
        let root = template(&[
            (".chalice/config.json", config),
            (RESOURCES_PATH, &fragment),
        ])
        .expect("template");
        let resources = &root["Resources"];
        assert_eq!(resources["TodoTable"]["Type"], "AWS::DynamoDB::Table");
        assert_eq!(
            resources["TodoTable"]["Properties"]["BillingMode"],
            "PAY_PER_REQUEST"
        );
        assert_eq!(resources["Uploads"]["DeletionPolicy"], "Retain");
        assert_eq!(resources["Uploads"]["DependsOn"], "TodoTable");
        assert_eq!(
            resources["APIHandler"]["Properties"]["Environment"]["Variables"],
            json!({
                "PLAIN": "text",
                "TODO_TABLE": {"Ref": "TodoTable"},
                "TABLE_ARN": {"Fn::GetAtt": ["TodoTable", "Arn"]},
            })
        );
        assert_eq!(
            root["Outputs"]["TableName"]["Value"],
            json!({"Ref": "TodoTable"})
        );
        assert_eq!(root["Outputs"]["TableArn"]["Description"], "arn");
        assert!(root["Outputs"]["EndpointURL"].is_object());
    }

    #[test]
    fn fragment_errors_name_the_file_and_the_resource() {
        let config = (".chalice/config.json", r#"{"app_name": "app"}"#);
        let cases: &[(String, &str)] = &[
            (
                resources_json(r#"{"APIHandler": {"Type": "AWS::SQS::Queue"}}"#),
                "`.chalice/resources.json`: resource `APIHandler` clashes with a resource chalice-rs generates; rename it",
            ),
            (
                resources_json(r#"{"Queue": {"Properties": {}}}"#),
                "`.chalice/resources.json`: resource `Queue` has no `Type`",
            ),
            (
                resources_json(r#"{"todo-table": {"Type": "AWS::SQS::Queue"}}"#),
                "`.chalice/resources.json`: resource `todo-table` is not a valid logical ID",
            ),
            (
                resources_json(r#"{"Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": {"Ref": "Nope"}}}}"#),
                "`.chalice/resources.json`: resource `Queue` refers to `Nope`, which is neither declared here nor generated by chalice-rs",
            ),
            (
                resources_json(r#"{"Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": {"Fn::Sub": "${queue.Arn}"}}}}"#),
                "refers to `queue`, which is neither declared here nor generated by chalice-rs (did you mean `Queue`?)",
            ),
            (
                resources_json(r#"{"Queue": {"Type": "AWS::SQS::Queue", "DependsOn": ["Other"]}}"#),
                "resource `Queue` depends on `Other`",
            ),
            (
                resources_json(r#"{"Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": {"Ref": "AWS::Nope"}}}}"#),
                "refers to `AWS::Nope`, which is not a pseudo parameter",
            ),
            (
                r#"{"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}, "Conditions": {}}"#.to_owned(),
                "`.chalice/resources.json`: `Conditions` is not supported",
            ),
            (
                r#"{"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}, "Parameters": {}}"#.to_owned(),
                "`Parameters` is not supported",
            ),
            (
                resources_json(r#"{"Q": {"Type": "AWS::SQS::Queue", "Condition": "IsProd"}}"#),
                "resource `Q` has a `Condition`: conditions are not supported",
            ),
            (
                resources_json(r#"{"Q": {"Type": "AWS::SQS::Queue", "Properties": {"DelaySeconds": {"Fn::If": ["C", 1, 2]}}}}"#),
                "resource `Q` uses `Fn::If`",
            ),
            (
                resources_json(r#"{"Q": {"Type": "AWS::SQS::Queue", "Propertes": {}}}"#),
                "resource `Q` has the unknown attribute `Propertes`",
            ),
            (
                resources_json(r#"{"Q": {"Type": "Queue"}}"#),
                "resource `Q` has the `Type` \"Queue\"",
            ),
            (
                resources_json(r#"{"Fn": {"Type": "AWS::Serverless::Function"}}"#),
                "SAM types need a `Transform`",
            ),
            (
                r#"{"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}, "Outputs": {"RestAPIId": {"Value": "x"}}}"#.to_owned(),
                "output `RestAPIId` clashes with an output chalice-rs generates; rename it",
            ),
            (
                r#"{"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}, "Outputs": {"Q": {"Value": "x", "Export": {"Name": "q"}}}}"#.to_owned(),
                "output `Q` has `Export`, which is not supported",
            ),
            (
                r#"{"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}, "Outputs": {"Q": {"Description": "x"}}}"#.to_owned(),
                "output `Q` has no `Value`",
            ),
            (
                r#"{"Resources": {}}"#.to_owned(),
                "`Resources` is empty",
            ),
            (
                resources_json(r#"{"A": {"Type": "AWS::SQS::Queue", "DependsOn": "B"}, "B": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": {"Fn::GetAtt": ["A", "QueueName"]}}}}"#),
                "resources depend on each other in a circle, which CloudFormation cannot create: A → B → A",
            ),
            (
                "{\n  \"Resources\": {\n    \"Q\": {\"Type\": \"AWS::SQS::Queue\",}\n  }\n}".to_owned(),
                "`.chalice/resources.json` line 3, column 37: invalid JSON: trailing comma",
            ),
        ];
        for (fragment, expected) in cases {
            let error = error_of(&[config, (RESOURCES_PATH, fragment)]);
            assert!(
                error.contains(expected),
                "{fragment}\n  gave: {error}\n  expected: {expected}"
            );
        }
    }

    #[test]
    fn env_refs_must_name_a_resource_of_the_stack() {
        let error = error_of(&[
            (
                ".chalice/config.json",
                &env_config(r#"{"Ref": "TodoTabel"}"#),
            ),
            (
                RESOURCES_PATH,
                &resources_json(&format!(r#"{{"TodoTable": {TABLE}}}"#)),
            ),
        ]);
        assert_eq!(
            error,
            "`.chalice/config.json`: stage `dev`: environment variable `TODO_TABLE`: refers to `TodoTabel`, which is neither declared in `.chalice/resources.json` nor generated by chalice-rs (did you mean `TodoTable`?)"
        );
        let error = error_of(&[(
            ".chalice/config.json",
            &env_config(r#"{"Fn::GetAtt": ["Table", "Arn"]}"#),
        )]);
        assert!(
            error.contains("`Table`, which is neither declared in `.chalice/resources.json` nor generated by chalice-rs (`.chalice/resources.json` declares no resources)"),
            "{error}"
        );
        // A resource that refers to the function cannot be in its environment.
        let error = error_of(&[
            (".chalice/config.json", &env_config(r#"{"Ref": "Topic"}"#)),
            (
                RESOURCES_PATH,
                &resources_json(
                    r#"{"Topic": {"Type": "AWS::SNS::Topic", "Properties": {"Subscription": [{"Protocol": "lambda", "Endpoint": {"Fn::GetAtt": ["APIHandler", "Arn"]}}]}}}"#,
                ),
            ),
        ]);
        assert!(
            error.contains("in a circle") && error.contains("APIHandler → Topic → APIHandler"),
            "{error}"
        );
        // A generated resource is a valid target.
        let root = template(&[(".chalice/config.json", &env_config(r#"{"Ref": "RestAPI"}"#))])
            .expect("template");
        assert_eq!(
            root["Resources"]["APIHandler"]["Properties"]["Environment"]["Variables"]["TODO_TABLE"],
            json!({"Ref": "RestAPI"})
        );
    }

    #[test]
    fn bad_env_values_name_file_stage_and_variable() {
        for (value, expected) in [
            (r#"{"Reff": "TodoTable"}"#, "unknown key `Reff`"),
            (
                r#"{"Ref": "TodoTable", "x": 1}"#,
                "an object with the keys `Ref`, `x`",
            ),
            (
                r#"{"Fn::GetAtt": "TodoTable.Arn"}"#,
                "`Fn::GetAtt` takes [\"LogicalId\", \"Attribute\"]",
            ),
            (r#"{"Ref": "todo-table"}"#, "`Ref` takes the logical ID"),
            ("3", "3 is not a string"),
        ] {
            let dir = project(&[(".chalice/config.json", &env_config(value))]);
            let error = crate::config::load(dir.path(), "dev", "app")
                .expect_err("an error")
                .to_string();
            assert!(
                error.contains("config.json:1:")
                    && error.contains("stage `dev`: environment variable `TODO_TABLE`: ")
                    && error.contains(expected),
                "{value}: {error}"
            );
        }
        let dir = project(&[(
            ".chalice/config.json",
            r#"{"lambda_functions": {"api": {"environment_variables": {"A": {"GetAtt": ["T", "Arn"]}}}}}"#,
        )]);
        let error = crate::config::load(dir.path(), "dev", "app")
            .expect_err("an error")
            .to_string();
        assert!(
            error.contains(
                "function `api` (every stage): environment variable `A`: unknown key `GetAtt`"
            ),
            "{error}"
        );
    }

    #[test]
    fn one_declared_table_scopes_the_generated_dynamodb_statement() {
        let main = "fn f(c: aws_sdk_dynamodb::Client, q: aws_sdk_sqs::Client) { c.put_item(); c.get_item(); q.send_message(); }\n";
        let config = env_config(r#"{"Ref": "TodoTable"}"#);
        let one = resources_json(&format!(r#"{{"TodoTable": {TABLE}}}"#));
        let policy = |files: &[(&str, &str)]| -> Value {
            let root = template(files).expect("template");
            root["Resources"]["APIHandlerRole"]["Properties"]["Policies"][1]["PolicyDocument"]
                ["Statement"]
                .clone()
        };
        let statements = policy(&[
            ("src/main.rs", main),
            (".chalice/config.json", &config),
            (RESOURCES_PATH, &one),
        ]);
        assert_eq!(
            statements[0]["Resource"],
            json!([{"Fn::GetAtt": ["TodoTable", "Arn"]}, {"Fn::Sub": "${TodoTable.Arn}/index/*"}])
        );
        assert_eq!(statements[1]["Action"], json!(["sqs:SendMessage"]));
        assert_eq!(statements[1]["Resource"], "*");
        // Two tables, or none referred to: left as it is.
        let two = resources_json(&format!(r#"{{"TodoTable": {TABLE}, "Other": {TABLE}}}"#));
        let statements = policy(&[
            ("src/main.rs", main),
            (".chalice/config.json", &config),
            (RESOURCES_PATH, &two),
        ]);
        assert_eq!(statements[0]["Resource"], "*");
        let statements = policy(&[
            ("src/main.rs", main),
            (".chalice/config.json", &env_config("\"todos\"")),
            (RESOURCES_PATH, &one),
        ]);
        assert_eq!(statements[0]["Resource"], "*");
        // An account-level action keeps `*`.
        let statements = policy(&[
            (
                "src/main.rs",
                "fn f(c: aws_sdk_dynamodb::Client) { c.put_item(); c.list_tables(); }\n",
            ),
            (".chalice/config.json", &config),
            (RESOURCES_PATH, &one),
        ]);
        assert_eq!(statements[0]["Resource"], "*");
    }

    #[test]
    fn local_environment_resolves_names_and_prefers_the_shell() {
        let fragment = resources_json(&format!(
            r#"{{"TodoTable": {TABLE},
                "Literal": {{"Type": "AWS::S3::Bucket", "Properties": {{"BucketName": "my-bucket"}}}},
                "Unnamed": {{"Type": "AWS::DynamoDB::Table", "Properties": {{}}}},
                "Queue": {{"Type": "AWS::SQS::Queue", "Properties": {{"QueueName": "q"}}}},
                "Regional": {{"Type": "AWS::S3::Bucket", "Properties": {{"BucketName": {{"Fn::Sub": "b-${{AWS::Region}}"}}}}}}}}"#
        ));
        let config = |value: &str| {
            format!(
                r#"{{"app_name": "todo", "environment_variables": {{"PLAIN": "x"}},
                  "stages": {{"dev": {{"environment_variables": {{"V": {value}}}}}}}}}"#
            )
        };
        let resolve = |value: &str, shell: Option<&str>| {
            let dir = project(&[
                (".chalice/config.json", &config(value)),
                (RESOURCES_PATH, &fragment),
            ]);
            let app = App::resolve(manifest(), config_of(&dir)).map_err(|e| e.to_string())?;
            let shell = shell.map(str::to_owned);
            let api = app.function("api").expect("the API function");
            local_environment(&app, api, &|name| {
                (name == "V").then(|| shell.clone()).flatten()
            })
            .map(|env| env.get("V").cloned().unwrap_or_default())
            .map_err(|e| e.to_string())
        };
        assert_eq!(
            resolve(r#"{"Ref": "TodoTable"}"#, None).as_deref(),
            Ok("todo-dev-todos")
        );
        assert_eq!(
            resolve(r#"{"Ref": "Literal"}"#, None).as_deref(),
            Ok("my-bucket")
        );
        assert_eq!(
            resolve(r#"{"Ref": "TodoTable"}"#, Some("mine")).as_deref(),
            Ok("mine")
        );
        assert_eq!(
            resolve(r#"{"Fn::GetAtt": ["TodoTable", "Arn"]}"#, Some("arn:x")).as_deref(),
            Ok("arn:x")
        );
        // A literal in the config is not overridden by the shell.
        assert_eq!(resolve("\"lit\"", Some("shell")).as_deref(), Ok("lit"));
        for (value, expected) in [
            (
                r#"{"Fn::GetAtt": ["TodoTable", "Arn"]}"#,
                "an attribute of `TodoTable` known only once the stack is deployed",
            ),
            (r#"{"Ref": "Unnamed"}"#, "`Unnamed` has no `TableName`"),
            (
                r#"{"Ref": "Queue"}"#,
                "the `Ref` of `Queue` (AWS::SQS::Queue) is known only once the stack is deployed",
            ),
            (
                r#"{"Ref": "Regional"}"#,
                "uses `Fn::Sub` with more than `${AWS::StackName}`",
            ),
            (
                r#"{"Ref": "RestAPI"}"#,
                "`RestAPI` is not declared in `.chalice/resources.json`",
            ),
        ] {
            let error = resolve(value, None).expect_err(value);
            assert!(
                error
                    .starts_with("`.chalice/config.json`: stage `dev`: environment variable `V`: ")
                    && error.contains(expected)
                    && error.ends_with("; set `V` in the shell environment to override"),
                "{value}: {error}"
            );
        }
    }
}

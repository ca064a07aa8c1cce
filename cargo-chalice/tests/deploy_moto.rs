//! `cargo chalice deploy`, `url`, `logs` and `delete` against the moto server.
//!
//! Each test starts its own `moto_server` on a free loopback port (from PATH,
//! `$CHALICE_TEST_VENV/bin` or `<repo>/.venv/bin`; `scripts/test.sh` installs
//! it) with dummy credentials, and stops it when done.
//!
//! moto does not model everything CloudFormation does: it skips
//! `AWS::ApiGateway::Stage` and friends, gives no Outputs after change sets,
//! emits only stack-level events, never fails a resource, does not delete
//! API Gateway resources removed by an update, and keeps the RestApi after a
//! stack is deleted. The tests assert what moto does model.

use crate::common;

use cargo_chalice::deploy::{self, state, Packaged};
use common::{aws_env, repo_root, runtime, sync_dir, sync_file, Moto, SharedBuild as _};
use serde_json::json;
use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A template as `cargo chalice package` writes it, by hand: a role, a
/// function whose code is the local zip, a REST API with `paths` (GET each),
/// a deployment, a stage, a permission and outputs.
fn hand_template(app: &str, paths: &[&str]) -> serde_json::Value {
    let mut resources = json!({
        "APIHandlerRole": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {"Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}}},
        "APIHandler": {"Type": "AWS::Lambda::Function", "Properties": {"FunctionName": format!("{app}-dev"),
            "Runtime": "provided.al2023", "Handler": "api", "Code": "./deployment.zip",
            "Role": {"Fn::GetAtt": ["APIHandlerRole", "Arn"]}}},
        "RestAPI": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": app}},
        "APIHandlerInvokePermission": {"Type": "AWS::Lambda::Permission", "Properties": {"Action": "lambda:InvokeFunction",
            "FunctionName": {"Ref": "APIHandler"}, "Principal": "apigateway.amazonaws.com",
            "SourceArn": {"Fn::Sub": "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${RestAPI}/*"}}}
    });
    let mut methods = Vec::new();
    for path in paths {
        let id = format!("Path{}", path.to_uppercase());
        resources[&id] = json!({"Type": "AWS::ApiGateway::Resource", "Properties": {"RestApiId": {"Ref": "RestAPI"},
            "ParentId": {"Fn::GetAtt": ["RestAPI", "RootResourceId"]}, "PathPart": path}});
        resources[format!("{id}Get")] = json!({"Type": "AWS::ApiGateway::Method", "Properties": {"RestApiId": {"Ref": "RestAPI"},
            "ResourceId": {"Ref": id}, "HttpMethod": "GET", "AuthorizationType": "NONE",
            "Integration": {"Type": "AWS_PROXY", "IntegrationHttpMethod": "POST",
                "Uri": {"Fn::Sub": "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${APIHandler.Arn}/invocations"}}}});
        methods.push(format!("{id}Get"));
    }
    let deployment = format!("RestAPIDeployment{}", paths.join(""));
    resources[&deployment] = json!({"Type": "AWS::ApiGateway::Deployment", "DependsOn": methods, "Properties": {"RestApiId": {"Ref": "RestAPI"}}});
    resources["RestAPIStage"] = json!({"Type": "AWS::ApiGateway::Stage", "Properties": {"RestApiId": {"Ref": "RestAPI"},
        "DeploymentId": {"Ref": deployment}, "StageName": "api"}});
    json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": resources,
        "Outputs": {
            "EndpointURL": {"Value": {"Fn::Sub": "https://${RestAPI}.execute-api.${AWS::Region}.${AWS::URLSuffix}/api/"}},
            "RestAPIId": {"Value": {"Ref": "RestAPI"}}
        }
    })
}

/// Writes a hand-made package into `dir`: template.json and deployment.zip.
fn hand_package(dir: &Path, app: &str, template: &serde_json::Value, zip_bytes: &[u8]) -> Packaged {
    common::write_package(
        dir,
        app,
        "dev",
        &serde_json::to_vec_pretty(template).unwrap(),
        zip_bytes,
    )
}

/// The API's resources (all of them: the tests' APIs have fewer than 500).
async fn api_resources(
    apigw: &aws_sdk_apigateway::Client,
    rest_api_id: &str,
) -> Vec<aws_sdk_apigateway::types::Resource> {
    apigw
        .get_resources()
        .rest_api_id(rest_api_id)
        .limit(500)
        .send()
        .await
        .unwrap()
        .items
        .unwrap_or_default()
}

async fn api_paths(
    config: &aws_config::SdkConfig,
    rest_api_id: &str,
) -> Vec<(String, Vec<String>)> {
    let apigw = aws_sdk_apigateway::Client::new(config);
    let mut paths: Vec<(String, Vec<String>)> = api_resources(&apigw, rest_api_id)
        .await
        .iter()
        .map(|r| {
            let mut methods: Vec<String> = r
                .resource_methods()
                .map(|m| m.keys().cloned().collect())
                .unwrap_or_default();
            methods.sort();
            (r.path().unwrap_or_default().to_owned(), methods)
        })
        .collect();
    paths.sort();
    paths
}

/// The library pipeline on a hand-written template: create, nothing to
/// deploy, an update, a nested stack uploaded to S3, delete.
#[test]
fn hand_written_template_deploys_updates_and_deletes() {
    let moto = Moto::start();
    let project = tempfile::tempdir().unwrap();
    let rt = runtime();
    rt.block_on(async {
        let aws = moto.aws().await;
        let config = moto.sdk_config().await;
        let out = project.path().join("out");

        // First deploy: creates the managed bucket, uploads, creates the stack.
        let packaged = hand_package(
            &out,
            "handapp",
            &hand_template("handapp", &["a", "b"]),
            b"zip one",
        );
        let first = deploy::deploy_packaged(&aws, project.path(), &packaged)
            .await
            .unwrap();
        assert!(first.changed);
        let state = state::read(project.path(), "dev").unwrap().unwrap();
        assert_eq!(state, first.state);
        assert_eq!(state.stack_name, "handapp-dev");
        assert_eq!(state.region, "us-east-1");
        let rest_api_id = state.rest_api_id.clone().unwrap();
        assert_eq!(
            state.endpoint_url.as_deref(),
            Some(
                format!("https://{rest_api_id}.execute-api.us-east-1.amazonaws.com/api/").as_str()
            )
        );
        assert!(state
            .resources
            .iter()
            .any(|r| r.logical_id == "APIHandler" && r.physical_id == "handapp-dev"));
        let s3 = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&config)
                .force_path_style(true)
                .build(),
        );
        let (bucket, key) = state
            .artifact_location
            .trim_start_matches("s3://")
            .split_once('/')
            .unwrap();
        assert_eq!(bucket, "chalice-rs-deploy-123456789012-us-east-1");
        assert_eq!(key, format!("handapp/{}.zip", packaged.zip_sha256));
        let object = s3
            .get_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await
            .unwrap();
        // Versioned: the object has a version ID (the Rust SDK cannot parse
        // moto's GetBucketVersioning answer).
        assert!(
            object.version_id().is_some_and(|v| v != "null"),
            "{:?}",
            object.version_id()
        );
        assert_eq!(
            object.body.collect().await.unwrap().into_bytes().as_ref(),
            b"zip one"
        );
        let block = s3
            .get_public_access_block()
            .bucket(bucket)
            .send()
            .await
            .unwrap();
        let block = block.public_access_block_configuration().unwrap();
        assert_eq!(block.block_public_acls(), Some(true));
        assert_eq!(block.restrict_public_buckets(), Some(true));
        s3.get_bucket_encryption()
            .bucket(bucket)
            .send()
            .await
            .unwrap();
        assert_eq!(
            api_paths(&config, &rest_api_id).await,
            vec![
                ("/".to_owned(), vec![]),
                ("/a".to_owned(), vec!["GET".to_owned()]),
                ("/b".to_owned(), vec!["GET".to_owned()])
            ]
        );

        // Same package again: nothing to deploy.
        let again = deploy::deploy_packaged(&aws, project.path(), &packaged)
            .await
            .unwrap();
        assert!(!again.changed);
        assert_eq!(again.state, first.state);

        // A new route and new code: an update.
        let packaged = hand_package(
            &out,
            "handapp",
            &hand_template("handapp", &["a", "b", "c"]),
            b"zip two",
        );
        let update = deploy::deploy_packaged(&aws, project.path(), &packaged)
            .await
            .unwrap();
        assert!(update.changed);
        assert!(update
            .state
            .resources
            .iter()
            .any(|r| r.logical_id == "PathC"));
        assert!(api_paths(&config, &rest_api_id)
            .await
            .contains(&("/c".to_owned(), vec!["GET".to_owned()])));
        let lambda = aws_sdk_lambda::Client::new(&config);
        let function = lambda
            .get_function()
            .function_name("handapp-dev")
            .send()
            .await
            .unwrap();
        let code = function.configuration().unwrap();
        use base64::Engine;
        let sha = base64::engine::general_purpose::STANDARD.encode(sha2_digest(b"zip two"));
        assert_eq!(code.code_sha256(), Some(sha.as_str()));

        // Delete.
        let target = deploy::Target {
            project_dir: project.path().to_owned(),
            stage: "dev".to_owned(),
            stack_name: "handapp-dev".to_owned(),
            api_gateway_stage: "api".to_owned(),
            state: Some(update.state.clone()),
        };
        deploy::delete(&aws, &target).await.unwrap();
        assert_eq!(state::read(project.path(), "dev").unwrap(), None);
        let cf = aws_sdk_cloudformation::Client::new(&config);
        let stacks = cf
            .describe_stacks()
            .stack_name(&update.state.stack_id)
            .send()
            .await;
        let status = stacks.ok().and_then(|s| {
            s.stacks()
                .first()
                .and_then(|s| s.stack_status().map(|s| s.as_str().to_owned()))
        });
        assert!(
            matches!(status.as_deref(), None | Some("DELETE_COMPLETE")),
            "{status:?}"
        );
    });
}

/// A root template with a nested stack: both templates go through S3.
#[test]
fn nested_stacks_are_uploaded_and_created() {
    let moto = Moto::start();
    let project = tempfile::tempdir().unwrap();
    let rt = runtime();
    rt.block_on(async {
        let aws = moto.aws().await;
        let config = moto.sdk_config().await;
        let out = project.path().join("out");
        let nested = json!({
            "AWSTemplateFormatVersion": "2010-09-09",
            "Resources": {"Extra": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "nestedapi"}}}
        });
        let mut root = hand_template("nestapp", &["a"]);
        root["Resources"]["Nested1"] = json!({"Type": "AWS::CloudFormation::Stack", "Properties": {"TemplateURL": "nested-1.json"}});
        let packaged = hand_package(&out, "nestapp", &root, b"nested zip");
        std::fs::write(out.join("nested-1.json"), serde_json::to_vec(&nested).unwrap()).unwrap();
        let outcome = deploy::deploy_packaged(&aws, project.path(), &packaged).await.unwrap();
        assert!(outcome.changed);
        assert!(outcome
            .state
            .resources
            .iter()
            .any(|r| r.logical_id == "Nested1" && r.resource_type == "AWS::CloudFormation::Stack"));
        let apigw = aws_sdk_apigateway::Client::new(&config);
        let apis = apigw.get_rest_apis().send().await.unwrap();
        assert!(apis.items().iter().any(|a| a.name() == Some("nestedapi")), "the nested stack's API exists");
        // Both templates were uploaded under content-hash keys.
        let s3 = aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(&config).force_path_style(true).build());
        let listed = s3
            .list_objects_v2()
            .bucket("chalice-rs-deploy-123456789012-us-east-1")
            .prefix("nestapp/templates/")
            .send()
            .await
            .unwrap();
        assert_eq!(listed.contents().len(), 2);
    });
}

fn sha2_digest(bytes: &[u8]) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).to_vec()
}

/// A copy of examples/hello, deployed with the real `cargo-chalice` binary
/// against a moto server.
///
/// The copy lives at one path under the tests' target directory, shared by
/// the tests one at a time (a lock), and files are rewritten only when they
/// differ: cargo then builds the app once, not once per test or per run.
struct AppCopy<'a> {
    dir: std::sync::MutexGuard<'static, PathBuf>,
    moto: &'a Moto,
}

/// Where the deployed copy of examples/hello lives.
fn tests_app_dir() -> PathBuf {
    repo_root().join("target/chalice-deploy-tests")
}

static HELLO_DIR: std::sync::OnceLock<std::sync::Mutex<PathBuf>> = std::sync::OnceLock::new();
static AUTH_DIR: std::sync::OnceLock<std::sync::Mutex<PathBuf>> = std::sync::OnceLock::new();

impl<'a> AppCopy<'a> {
    /// A copy of examples/hello.
    fn new(moto: &'a Moto) -> Self {
        Self::of(moto, "hello", &HELLO_DIR)
    }

    /// A copy of examples/`example`, one at a time through `lock`.
    fn of(
        moto: &'a Moto,
        example: &str,
        lock: &'static std::sync::OnceLock<std::sync::Mutex<PathBuf>>,
    ) -> Self {
        let lock = lock
            .get_or_init(|| std::sync::Mutex::new(tests_app_dir().join(format!("{example}-app"))));
        // A test that failed while holding the lock left files that are reset below.
        let dir = lock.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let source = repo_root().join("examples").join(example);
        sync_dir(&source.join("src"), &dir.join("src"));
        sync_dir(&source.join(".chalice"), &dir.join(".chalice"));
        let _ = std::fs::remove_dir_all(dir.join(state::DEPLOYED_DIR));
        let runtime = repo_root().join("chalice-rs-runtime");
        let manifest = std::fs::read_to_string(source.join("Cargo.toml"))
            .unwrap()
            // Its own package name: its binary in the shared target directory
            // is not the one package.rs reads for examples/hello.
            .replacen(
                &format!("name = \"{example}\""),
                &format!("name = \"{example}-deploy-copy\""),
                1,
            )
            .replace(
                "path = \"../../chalice-rs-runtime\"",
                &format!("path = {:?}", runtime.display().to_string()),
            );
        assert!(
            manifest.contains(&runtime.display().to_string()),
            "{example}'s path dependency moved"
        );
        sync_file(
            format!("{manifest}\n[workspace]\n").as_bytes(),
            &dir.join("Cargo.toml"),
        );
        // The workspace's lock file: the same versions, no resolution.
        sync_file(
            &std::fs::read(repo_root().join("Cargo.lock")).unwrap(),
            &dir.join("Cargo.lock"),
        );
        Self { dir, moto }
    }

    fn path(&self) -> &Path {
        &self.dir
    }

    /// Runs `cargo-chalice <args>` in the app's directory (x86_64 builds in a
    /// target directory shared by the tests, so builds are reused).
    fn chalice(&self, args: &[&str]) -> Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_cargo-chalice"));
        command
            .args(args)
            .current_dir(self.path())
            .shared_build()
            .env("CARGO_TERM_COLOR", "never")
            .stdin(Stdio::null());
        aws_env(&mut command, self.moto);
        command.output().expect("run cargo-chalice")
    }

    /// `chalice(args)`, which must succeed; returns (stdout, stderr).
    fn ok(&self, args: &[&str]) -> (String, String) {
        let output = self.chalice(args);
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert!(
            output.status.success(),
            "cargo-chalice {args:?} failed\nstdout:\n{stdout}\nstderr:\n{stderr}"
        );
        (stdout, stderr)
    }

    /// `chalice(args)`, which must fail; returns stderr.
    fn fails(&self, args: &[&str]) -> String {
        let output = self.chalice(args);
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert!(
            !output.status.success(),
            "cargo-chalice {args:?} succeeded\nstdout:\n{}\nstderr:\n{stderr}",
            String::from_utf8_lossy(&output.stdout)
        );
        stderr
    }

    fn deploy(&self) -> (String, String) {
        self.ok(&["chalice", "deploy", "--arch", "x86_64"])
    }

    fn state(&self) -> state::DeployedState {
        state::read(self.path(), "dev")
            .unwrap()
            .expect("a state file")
    }

    fn zip(&self) -> Vec<u8> {
        std::fs::read(self.path().join(".chalice/deployments/dev/deployment.zip")).unwrap()
    }

    /// The manifest of the zip's bootstrap (`bootstrap --manifest`).
    fn manifest(&self) -> chalice_rs_runtime::manifest::Manifest {
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(self.zip())).unwrap();
        let mut bootstrap = Vec::new();
        archive
            .by_name("bootstrap")
            .unwrap()
            .read_to_end(&mut bootstrap)
            .unwrap();
        let path = self.path().join("bootstrap-from-zip");
        std::fs::write(&path, bootstrap).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let output = Command::new(&path)
            .arg("--manifest")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(output.status.success(), "bootstrap --manifest failed");
        serde_json::from_slice(&output.stdout).unwrap()
    }

    fn add_route(&self) {
        let main = self.path().join("src/main.rs");
        let mut text = std::fs::read_to_string(&main).unwrap();
        text.push_str("\n#[route(\"/added/<name>\", methods = [GET, POST])]\nasync fn added(name: String) -> Response {\n    Response::builder().text(name)\n}\n");
        std::fs::write(main, text).unwrap();
    }

    fn remove_added_route(&self) {
        let main = self.path().join("src/main.rs");
        let text = std::fs::read_to_string(&main).unwrap();
        let cut = text
            .find("\n#[route(\"/added/<name>\"")
            .expect("the added route");
        std::fs::write(main, &text[..cut]).unwrap();
    }
}

/// (path, sorted methods) of every resource the manifest implies: each route's
/// path and every prefix of it, with the root.
fn expected_api(manifest: &chalice_rs_runtime::manifest::Manifest) -> Vec<(String, Vec<String>)> {
    let mut api: std::collections::BTreeMap<String, std::collections::BTreeSet<String>> =
        Default::default();
    api.entry("/".to_owned()).or_default();
    for route in &manifest.routes {
        let mut prefix = String::new();
        for segment in route.resource_path.split('/').filter(|s| !s.is_empty()) {
            prefix.push('/');
            prefix.push_str(segment);
            api.entry(prefix.clone()).or_default();
        }
        let path = if route.resource_path.is_empty() {
            "/".to_owned()
        } else {
            route.resource_path.clone()
        };
        api.entry(path).or_default().insert(route.method.clone());
    }
    api.into_iter()
        .map(|(path, methods)| (path, methods.into_iter().collect()))
        .collect()
}

async fn assert_api_matches(
    config: &aws_config::SdkConfig,
    app: &AppCopy<'_>,
    rest_api_id: &str,
    function_arn: &str,
) {
    let manifest = app.manifest();
    assert!(!manifest.routes.is_empty());
    let actual = api_paths(config, rest_api_id).await;
    assert_eq!(
        actual,
        expected_api(&manifest),
        "API Gateway resources and methods = the manifest's"
    );
    let apigw = aws_sdk_apigateway::Client::new(config);
    let mut integrations = 0;
    for resource in &api_resources(&apigw, rest_api_id).await {
        for method in resource
            .resource_methods()
            .map(|m| m.keys().cloned().collect::<Vec<_>>())
            .unwrap_or_default()
        {
            let integration = apigw
                .get_integration()
                .rest_api_id(rest_api_id)
                .resource_id(resource.id().unwrap())
                .http_method(&method)
                .send()
                .await
                .unwrap();
            let path = resource.path().unwrap_or_default();
            assert_eq!(
                integration.r#type().map(|t| t.as_str()),
                Some("AWS_PROXY"),
                "{method} {path}"
            );
            assert_eq!(integration.http_method(), Some("POST"), "{method} {path}");
            let uri = integration.uri().unwrap_or_default();
            assert!(
                uri.contains(function_arn) && uri.ends_with("/invocations"),
                "{method} {path}: {uri}"
            );
            integrations += 1;
        }
    }
    assert_eq!(integrations, manifest.routes.len());
}

fn function_of(state: &state::DeployedState) -> String {
    state
        .resources
        .iter()
        .find(|r| r.resource_type == "AWS::Lambda::Function")
        .map(|r| r.physical_id.clone())
        .expect("a function in the state")
}

async fn stack_event_count(config: &aws_config::SdkConfig, stack: &str) -> usize {
    let cf = aws_sdk_cloudformation::Client::new(config);
    cf.describe_stack_events()
        .stack_name(stack)
        .send()
        .await
        .unwrap()
        .stack_events()
        .len()
}

/// A child process killed (and reaped) if the test fails before it ends.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// examples/hello, end to end: deploy, check every modelled resource, url,
/// nothing to deploy, a route added and removed, logs, delete.
#[test]
fn hello_deploy_url_redeploy_routes_logs_delete() {
    let moto = Moto::start();
    let app = AppCopy::new(&moto);
    let rt = runtime();
    let config = rt.block_on(moto.sdk_config());

    // First deploy.
    let (stdout, stderr) = app.deploy();
    assert!(stderr.contains("creating stack hello-dev"), "{stderr}");
    let state = app.state();
    let url = state.endpoint_url.clone().unwrap();
    let rest_api_id = state.rest_api_id.clone().unwrap();
    assert_eq!(
        url,
        format!("https://{rest_api_id}.execute-api.us-east-1.amazonaws.com/api/")
    );
    assert!(stdout.contains(&format!("Rest API URL: {url}")), "{stdout}");
    assert_eq!(state.stack_name, "hello-dev");
    assert_eq!(state.region, "us-east-1");
    let zip = app.zip();
    assert_eq!(state.artifact_sha256, deploy::bucket::sha256_hex(&zip));
    assert_eq!(
        state.artifact_location,
        format!(
            "s3://chalice-rs-deploy-123456789012-us-east-1/hello/{}.zip",
            state.artifact_sha256
        )
    );
    for kind in [
        "AWS::Lambda::Function",
        "AWS::ApiGateway::RestApi",
        "AWS::Lambda::Permission",
        "AWS::IAM::Role",
    ] {
        assert!(
            state.resources.iter().any(|r| r.resource_type == kind),
            "{kind} in {:?}",
            state.resources
        );
    }
    let function = function_of(&state);
    rt.block_on(async {
        let cf = aws_sdk_cloudformation::Client::new(&config);
        let stacks = cf
            .describe_stacks()
            .stack_name("hello-dev")
            .send()
            .await
            .unwrap();
        let stack = &stacks.stacks()[0];
        assert_eq!(
            stack.stack_status().map(|s| s.as_str()),
            Some("CREATE_COMPLETE")
        );
        assert_eq!(stack.stack_id(), Some(state.stack_id.as_str()));

        let lambda = aws_sdk_lambda::Client::new(&config);
        let found = lambda
            .get_function()
            .function_name(&function)
            .send()
            .await
            .unwrap();
        let configuration = found.configuration().unwrap();
        use base64::Engine;
        let sha = base64::engine::general_purpose::STANDARD.encode(sha2_digest(&zip));
        assert_eq!(
            configuration.code_sha256(),
            Some(sha.as_str()),
            "the function runs the uploaded zip"
        );
        assert_eq!(configuration.handler(), Some("api"));
        let function_arn = configuration.function_arn().unwrap().to_owned();

        let policy = lambda
            .get_policy()
            .function_name(&function)
            .send()
            .await
            .unwrap();
        let policy: serde_json::Value = serde_json::from_str(policy.policy().unwrap()).unwrap();
        let statement = &policy["Statement"][0];
        assert_eq!(
            statement["Principal"]["Service"],
            "apigateway.amazonaws.com"
        );
        assert_eq!(statement["Action"], "lambda:InvokeFunction");
        let source_arn = statement["Condition"]["ArnLike"]["AWS:SourceArn"]
            .as_str()
            .unwrap();
        assert_eq!(
            source_arn,
            format!("arn:aws:execute-api:us-east-1:123456789012:{rest_api_id}/*")
        );

        assert_api_matches(&config, &app, &rest_api_id, &function_arn).await;
    });

    // `url` prints the URL.
    let (stdout, _) = app.ok(&["chalice", "url"]);
    assert_eq!(stdout.trim(), url);

    // Nothing changed: nothing deployed.
    let events = rt.block_on(stack_event_count(&config, "hello-dev"));
    let (_, stderr) = app.deploy();
    assert!(stderr.contains("code unchanged"), "{stderr}");
    assert!(stderr.contains("nothing to deploy"), "{stderr}");
    assert_eq!(
        rt.block_on(stack_event_count(&config, "hello-dev")),
        events,
        "no stack operation ran"
    );
    assert_eq!(app.state(), state);

    // A new route: the API gains it.
    app.add_route();
    let (_, stderr) = app.deploy();
    assert!(stderr.contains("updating stack hello-dev"), "{stderr}");
    assert!(stderr.contains("+ Add"), "{stderr}");
    let added = app.state();
    assert_eq!(added.rest_api_id, state.rest_api_id);
    assert_ne!(added.artifact_sha256, state.artifact_sha256);
    rt.block_on(async {
        let lambda = aws_sdk_lambda::Client::new(&config);
        let found = lambda
            .get_function()
            .function_name(&function)
            .send()
            .await
            .unwrap();
        let function_arn = found
            .configuration()
            .unwrap()
            .function_arn()
            .unwrap()
            .to_owned();
        assert_api_matches(&config, &app, &rest_api_id, &function_arn).await;
        let paths = api_paths(&config, &rest_api_id).await;
        assert!(
            paths.contains(&(
                "/added/{name}".to_owned(),
                vec!["GET".to_owned(), "POST".to_owned()]
            )),
            "{paths:?}"
        );
    });
    let added_ids: Vec<String> = added
        .resources
        .iter()
        .filter(|r| !state.resources.iter().any(|s| s.logical_id == r.logical_id))
        .map(|r| r.logical_id.clone())
        .collect();
    assert!(
        added_ids.len() >= 4,
        "two resources and two methods were added: {added_ids:?}"
    );

    // The route removed again: its resources leave the stack (moto keeps
    // the API Gateway objects themselves; CloudFormation deletes them).
    app.remove_added_route();
    let (_, stderr) = app.deploy();
    assert!(stderr.contains("- Remove"), "{stderr}");
    let removed = app.state();
    for id in &added_ids {
        assert!(
            !removed.resources.iter().any(|r| &r.logical_id == id),
            "{id} is still in the stack"
        );
    }
    assert_eq!(
        removed.artifact_sha256, state.artifact_sha256,
        "the same source gives the same zip"
    );

    // Logs: events written to the function's log group are shown.
    let log_group = removed
        .resources
        .iter()
        .find(|r| r.resource_type == "AWS::Logs::LogGroup")
        .map(|r| r.physical_id.clone())
        .expect("a log group");
    rt.block_on(common::put_log_events(
        &config,
        &log_group,
        "2026/01/01/[$LATEST]abc",
        &[
            "START RequestId: 1",
            "handled GET /items from the test",
            "END RequestId: 1",
        ],
    ));
    let (stdout, _) = app.ok(&["chalice", "logs", "--since", "5m"]);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{stdout}");
    assert!(
        lines[1].ends_with(&format!("{function} handled GET /items from the test")),
        "{stdout}"
    );
    assert!(
        lines[0].contains("START RequestId: 1") && lines[2].contains("END RequestId: 1"),
        "in time order: {stdout}"
    );
    let (stdout, _) = app.ok(&["chalice", "logs", "--name", "api"]);
    assert_eq!(stdout.lines().count(), 3, "{stdout}");
    // --follow: new events appear as they come; Ctrl-C ends it.
    let mut command = Command::new(env!("CARGO_BIN_EXE_cargo-chalice"));
    command
        .args(["chalice", "logs", "--follow", "--since", "1m"])
        .current_dir(app.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    aws_env(&mut command, &moto);
    let mut follower = KillOnDrop(command.spawn().unwrap());
    let stdout = follower.0.stdout.take().unwrap();
    let (sender, lines) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in std::io::BufRead::lines(std::io::BufReader::new(stdout)).map_while(Result::ok) {
            if sender.send(line).is_err() {
                return;
            }
        }
    });
    for round in 0..2 {
        let message = format!("followed event {round}");
        rt.block_on(common::put_log_events(
            &config,
            &log_group,
            &format!("stream-{round}"),
            &[message.as_str()],
        ));
        // Earlier events of the last minute come first.
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = lines
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("`logs --follow` did not show {message:?}"));
            if line.contains(&message) {
                assert!(line.ends_with(&format!("{function} {message}")), "{line}");
                break;
            }
        }
    }
    let interrupted = Command::new("kill")
        .args(["-INT", &follower.0.id().to_string()])
        .status()
        .unwrap();
    assert!(interrupted.success());
    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(status) = follower.0.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "`logs --follow` did not stop on Ctrl-C"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(
        status.success(),
        "Ctrl-C ends `logs --follow` cleanly: {status}"
    );

    let stderr = app.fails(&["chalice", "logs", "--name", "nope"]);
    assert!(
        stderr.contains("no function `nope`") && stderr.contains(&function),
        "{stderr}"
    );

    // Delete: the stack and the state file go.
    let (_, stderr) = app.ok(&["chalice", "delete"]);
    assert!(stderr.contains("deleted stack hello-dev"), "{stderr}");
    assert!(state::read(app.path(), "dev").unwrap().is_none());
    rt.block_on(async {
        let cf = aws_sdk_cloudformation::Client::new(&config);
        let status = match cf
            .describe_stacks()
            .stack_name(&state.stack_id)
            .send()
            .await
        {
            Ok(found) => found
                .stacks()
                .first()
                .and_then(|s| s.stack_status())
                .map(|s| s.as_str().to_owned()),
            Err(_) => None,
        };
        assert!(
            matches!(status.as_deref(), None | Some("DELETE_COMPLETE")),
            "{status:?}"
        );
        let lambda = aws_sdk_lambda::Client::new(&config);
        assert!(
            lambda
                .get_function()
                .function_name(&function)
                .send()
                .await
                .is_err(),
            "the function is gone"
        );
    });
    let stderr = app.fails(&["chalice", "url"]);
    assert!(stderr.contains("is not deployed"), "{stderr}");
    let (_, stderr) = app.ok(&["chalice", "delete"]);
    assert!(stderr.contains("does not exist"), "{stderr}");
}

/// Failures are plain and the next deploy recovers: a stack left by an
/// interrupted create, a missing deployment bucket, code removed from the
/// bucket out of band; no credentials and no region are explained.
#[test]
fn failures_are_plain_and_the_next_deploy_recovers() {
    let moto = Moto::start();
    let app = AppCopy::new(&moto);
    let rt = runtime();
    let config = rt.block_on(moto.sdk_config());

    // No credentials, no region: what to do.
    let mut command = Command::new(env!("CARGO_BIN_EXE_cargo-chalice"));
    command
        .args(["chalice", "delete"])
        .current_dir(app.path())
        .stdin(Stdio::null());
    aws_env(&mut command, &moto);
    command
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_SESSION_TOKEN");
    let output = command.output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("no AWS credentials") && stderr.contains("AWS_ACCESS_KEY_ID"),
        "{stderr}"
    );
    command
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env_remove("AWS_REGION");
    let output = command.output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("no AWS region") && stderr.contains("--region"),
        "{stderr}"
    );

    // An endpoint that does not answer: the call is named.
    let closed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    command
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ENDPOINT_URL", format!("http://127.0.0.1:{closed}"));
    let output = command.output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("CloudFormation.DescribeStacks failed: cannot reach the service"),
        "{stderr}"
    );

    // A deploy interrupted after its change set was made (Ctrl-C) leaves a
    // stack in REVIEW_IN_PROGRESS; and a configured bucket that is gone.
    rt.block_on(async {
        let cf = aws_sdk_cloudformation::Client::new(&config);
        cf.create_change_set()
            .stack_name("hello-dev")
            .change_set_name("interrupted")
            .change_set_type(aws_sdk_cloudformation::types::ChangeSetType::Create)
            .template_body(
                serde_json::to_string(&hand_template("hello", &["x"]))
                    .unwrap()
                    .replace("./deployment.zip", "unused"),
            )
            .send()
            .await
            .unwrap();
    });
    let config_path = app.path().join(".chalice/config.json");
    let original = std::fs::read_to_string(&config_path).unwrap();
    let mut with_bucket: serde_json::Value = serde_json::from_str(&original).unwrap();
    with_bucket["stages"]["dev"]["deployment_bucket"] = json!("hello-artifacts");
    std::fs::write(
        &config_path,
        serde_json::to_string_pretty(&with_bucket).unwrap(),
    )
    .unwrap();
    let stderr = app.fails(&["chalice", "deploy", "--arch", "x86_64"]);
    assert!(
        stderr.contains("the deployment bucket `hello-artifacts`")
            && stderr.contains("does not exist"),
        "{stderr}"
    );
    assert!(state::read(app.path(), "dev").unwrap().is_none());

    // The bucket made: the deploy goes through, from the interrupted stack.
    rt.block_on(async {
        let s3 = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&config)
                .force_path_style(true)
                .build(),
        );
        s3.create_bucket()
            .bucket("hello-artifacts")
            .send()
            .await
            .unwrap();
    });
    let (_, stderr) = app.deploy();
    assert!(
        stderr.contains("REVIEW_IN_PROGRESS") && stderr.contains("deleting the empty stack"),
        "{stderr}"
    );
    assert!(stderr.contains("creating stack hello-dev"), "{stderr}");
    let state = app.state();
    assert!(
        state
            .artifact_location
            .starts_with("s3://hello-artifacts/hello/"),
        "{}",
        state.artifact_location
    );

    // The code removed from the bucket out of band: uploaded again.
    rt.block_on(async {
        let s3 = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&config)
                .force_path_style(true)
                .build(),
        );
        let key = state
            .artifact_location
            .trim_start_matches("s3://hello-artifacts/");
        s3.delete_object()
            .bucket("hello-artifacts")
            .key(key)
            .send()
            .await
            .unwrap();
    });
    let (_, stderr) = app.deploy();
    assert!(
        stderr.contains("uploaded s3://hello-artifacts/"),
        "{stderr}"
    );
    assert!(stderr.contains("nothing to deploy"), "{stderr}");
    assert_eq!(app.state(), state);

    // Another region than the deployed one: refused, the state kept.
    let stderr = app.fails(&["chalice", "delete", "--region", "eu-west-1"]);
    assert!(
        stderr.contains("deployed in us-east-1") && stderr.contains("--region us-east-1"),
        "{stderr}"
    );
    assert!(state::read(app.path(), "dev").unwrap().is_some());
    let stderr = app.fails(&[
        "chalice",
        "deploy",
        "--arch",
        "x86_64",
        "--region",
        "eu-west-1",
    ]);
    assert!(stderr.contains("deployed in us-east-1"), "{stderr}");

    // A bad config is named before anything is touched.
    std::fs::write(
        &config_path,
        original.replace("\"api_gateway_stage\"", "\"api_gateway_stag\""),
    )
    .unwrap();
    let stderr = app.fails(&["chalice", "deploy", "--arch", "x86_64"]);
    assert!(stderr.contains("api_gateway_stag"), "{stderr}");
}

/// examples/auth without its CORS route (moto cannot create MOCK methods):
/// its methods carry the authorization types and API key flag of the routes.
#[test]
fn auth_methods_carry_authorization_types_and_api_keys() {
    let moto = Moto::start();
    let app = AppCopy::of(&moto, "auth", &AUTH_DIR);
    let main = app.path().join("src/main.rs");
    let source = std::fs::read_to_string(&main).unwrap();
    let without_cors = source.replace(", cors = true)]", ")]");
    assert_ne!(source, without_cors, "examples/auth's CORS route moved");
    sync_file(without_cors.as_bytes(), &main);
    app.deploy();
    // The package deployed: cfn-lint clean, with the request model's schema.
    let template_path = app.path().join(".chalice/deployments/dev/template.json");
    common::lint(&[template_path.as_path()]);
    let template: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&template_path).unwrap()).unwrap();
    let resources = &template["Resources"];
    assert_eq!(
        resources["ModelNewReport"]["Properties"]["Schema"]["required"],
        json!(["title"])
    );
    assert_eq!(
        resources["MethodPostReports"]["Properties"]["RequestValidatorId"],
        json!({"Ref": "RequestValidatorBody"})
    );
    let state = app.state();
    let rest_api_id = state.rest_api_id.clone().expect("a REST API");
    let config = runtime().block_on(moto.sdk_config());
    let methods = runtime().block_on(async {
        let apigw = aws_sdk_apigateway::Client::new(&config);
        let mut methods = std::collections::BTreeMap::new();
        for resource in &api_resources(&apigw, &rest_api_id).await {
            let path = resource.path().unwrap_or_default().to_owned();
            for verb in resource
                .resource_methods()
                .map(|m| m.keys().cloned().collect::<Vec<_>>())
                .unwrap_or_default()
            {
                let method = apigw
                    .get_method()
                    .rest_api_id(&rest_api_id)
                    .resource_id(resource.id().unwrap())
                    .http_method(&verb)
                    .send()
                    .await
                    .unwrap();
                methods.insert(
                    format!("{verb} {path}"),
                    (
                        method.authorization_type().unwrap_or_default().to_owned(),
                        method.api_key_required().unwrap_or(false),
                    ),
                );
            }
        }
        methods
    });
    let expect = |route: &str, authorization: &str, key: bool| {
        assert_eq!(
            methods.get(route),
            Some(&(authorization.to_owned(), key)),
            "{route} in {methods:?}"
        );
    };
    expect("GET /", "NONE", false);
    expect("GET /me", "CUSTOM", false);
    expect("GET /tenants/{tenant}/report", "CUSTOM", false);
    expect("GET /admin", "AWS_IAM", false);
    expect("GET /profile", "COGNITO_USER_POOLS", false);
    expect("POST /reports", "NONE", true);
    app.ok(&["chalice", "delete"]);
}

/// `deploy --show-api-keys` reads each key's name and value by its ID (moto
/// does not create keys from templates: this one is made directly).
#[test]
fn api_key_values_are_read_by_id() {
    let moto = Moto::start();
    let rt = runtime();
    let config = rt.block_on(moto.sdk_config());
    let id = rt.block_on(async {
        aws_sdk_apigateway::Client::new(&config)
            .create_api_key()
            .name("auth-reports")
            .value("a-key-value-of-twenty-chars")
            .enabled(true)
            .send()
            .await
            .unwrap()
            .id()
            .unwrap()
            .to_owned()
    });
    let keys = rt
        .block_on(deploy::api_keys::api_key_values(&config, &[id]))
        .unwrap();
    assert_eq!(
        keys,
        [deploy::api_keys::ApiKeyValue {
            name: "auth-reports".to_owned(),
            value: "a-key-value-of-twenty-chars".to_owned(),
        }]
    );
    let missing = rt.block_on(deploy::api_keys::api_key_values(
        &config,
        &["nope".to_owned()],
    ));
    assert!(missing.is_err());
}

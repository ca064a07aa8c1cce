//! `cargo chalice package` and `routes`: real builds of examples/hello (cross
//! compiled), golden templates, determinism, large apps split into nested
//! stacks, and every template written checked by cfn-lint.
//!
//! cfn-lint comes from `scripts/test.sh` (PATH, `$CHALICE_TEST_VENV/bin` or
//! `<repo>/.venv/bin`); without it these tests fail and say so.

use crate::common;

use cargo_chalice::artifact::Arch;
use cargo_chalice::config;
use cargo_chalice::package::{write_package, TemplateFormat};
use chalice_rs_runtime::manifest::Manifest;
use object::Object;
use serde_json::Value;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use common::{
    read_template, repo_root, resources_of_type, tests_target_dir as test_target_dir,
    SharedBuild as _,
};

/// Runs cfn-lint on the templates; fails on any error (warnings are printed).
fn lint(templates: &[PathBuf]) {
    let paths: Vec<&Path> = templates.iter().map(PathBuf::as_path).collect();
    common::lint(&paths);
}

/// Runs `cargo-chalice` with the tests' target directory.
fn cargo_chalice(args: &[&str]) -> (std::process::Output, std::time::Duration) {
    let start = Instant::now();
    let output = Command::new(env!("CARGO_BIN_EXE_cargo-chalice"))
        .args(args)
        .shared_build()
        .output()
        .expect("run cargo-chalice");
    let elapsed = start.elapsed();
    assert!(
        output.status.success(),
        "cargo-chalice {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output, elapsed)
}

fn hello_dir() -> String {
    repo_root().join("examples/hello").display().to_string()
}

/// The single `bootstrap` entry of a deployment zip: its bytes.
fn bootstrap_of(zip_path: &Path) -> Vec<u8> {
    let file = std::fs::File::open(zip_path).expect("open zip");
    let mut archive = zip::ZipArchive::new(file).expect("a zip");
    assert_eq!(archive.len(), 1, "one entry");
    let mut entry = archive.by_index(0).expect("entry");
    assert_eq!(entry.name().unwrap(), "bootstrap");
    assert_eq!(entry.unix_mode().map(|m| m & 0o777), Some(0o755));
    let mut bytes = Vec::new();
    entry.read_to_end(&mut bytes).expect("unzip");
    bytes
}

/// Packages examples/hello for `arch` twice into two directories and once
/// more into the first; checks determinism, the zip, the template and lint.
fn package_hello(arch: &str, expected: object::Architecture) -> (tempfile::TempDir, Value) {
    let dir = tempfile::tempdir().expect("tempdir");
    let out1 = dir.path().join("out1");
    let out2 = dir.path().join("out2");
    let hello = hello_dir();
    let package_into = |out: &Path| {
        cargo_chalice(&[
            "package",
            "--project-dir",
            &hello,
            "--arch",
            arch,
            out.to_str().unwrap(),
        ])
    };
    let (_, first) = package_into(&out1);
    let (_, second) = package_into(&out1);
    let (output, _) = package_into(&out2);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("template.json") && stdout.contains("deployment.zip"),
        "{stdout}"
    );

    for name in ["template.json", "deployment.zip"] {
        let a = std::fs::read(out1.join(name)).unwrap();
        let b = std::fs::read(out2.join(name)).unwrap();
        assert!(
            a == b,
            "{name} differs between two packages of the same source"
        );
    }
    let zip_size = std::fs::metadata(out1.join("deployment.zip"))
        .unwrap()
        .len();
    eprintln!(
        "examples/hello {arch}: deployment.zip {zip_size} bytes ({:.2} MB); package: first {:.2} s, second (nothing changed) {:.2} s",
        zip_size as f64 / 1e6,
        first.as_secs_f64(),
        second.as_secs_f64()
    );

    let bootstrap = bootstrap_of(&out1.join("deployment.zip"));
    let file = object::File::parse(&*bootstrap).expect("bootstrap is an executable");
    assert_eq!(file.format(), object::BinaryFormat::Elf);
    assert_eq!(file.architecture(), expected);
    let app = cargo_chalice::app_manifest::from_bytes(Path::new("bootstrap"), &bootstrap).unwrap();

    let template = read_template(&out1.join("template.json"));
    let methods = resources_of_type(&template, "AWS::ApiGateway::Method");
    assert_eq!(methods.len(), app.manifest.routes.len());
    let functions = resources_of_type(&template, "AWS::Lambda::Function");
    assert_eq!(functions.len(), 1);
    assert_eq!(functions[0].1["Properties"]["Code"], "./deployment.zip");
    assert_eq!(functions[0].1["Properties"]["Architectures"][0], arch);
    lint(&[out1.join("template.json")]);
    (dir, template)
}

#[test]
fn hello_packages_for_x86_64_deterministically_and_lints() {
    let (dir, template) = package_hello("x86_64", object::Architecture::X86_64);
    assert_eq!(
        template["Resources"]["RestAPIStage"]["Properties"]["StageName"],
        "api"
    );
    // The golden template: the file exactly as written.
    let text = std::fs::read_to_string(dir.path().join("out1/template.json")).unwrap();
    insta::assert_snapshot!("hello_template_x86_64_json", text);

    // The same package as YAML passes cfn-lint too.
    let out = dir.path().join("yaml");
    cargo_chalice(&[
        "package",
        "--project-dir",
        &hello_dir(),
        "--arch",
        "x86_64",
        "--template-format",
        "yaml",
        out.to_str().unwrap(),
    ]);
    let yaml = std::fs::read_to_string(out.join("template.yaml")).expect("template.yaml");
    // The zip does not depend on the template format.
    assert_eq!(
        std::fs::read(out.join("deployment.zip")).unwrap(),
        std::fs::read(dir.path().join("out1/deployment.zip")).unwrap()
    );
    assert!(yaml.contains("Type: AWS::ApiGateway::RestApi"), "{yaml}");
    insta::assert_snapshot!("hello_template_x86_64_yaml", yaml);
    lint(&[out.join("template.yaml")]);
}

#[test]
fn hello_packages_for_arm64_from_any_host() {
    let (dir, _) = package_hello("arm64", object::Architecture::Aarch64);
    // `file`, when installed, agrees.
    if let Ok(output) = Command::new("file")
        .arg(dir.path().join("out1/deployment.zip"))
        .output()
    {
        eprintln!("{}", String::from_utf8_lossy(&output.stdout));
    }
    let target = test_target_dir().join("aarch64-unknown-linux-musl/release/hello");
    if let Ok(output) = Command::new("file").arg(&target).output() {
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(
            text.contains("aarch64") && text.contains("statically linked"),
            "{text}"
        );
    }
}

#[test]
fn routes_prints_the_manifest() {
    let (output, _) = cargo_chalice(&["routes", "--project-dir", &hello_dir()]);
    let table = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = table.lines().collect();
    assert!(
        lines[0].starts_with("METHOD") && lines[0].ends_with("AUTHORIZATION"),
        "{table}"
    );
    let rows: Vec<Vec<&str>> = lines
        .iter()
        .map(|l| l.split_whitespace().collect())
        .collect();
    for expected in [
        ["GET", "/items/{id}", "hello::item", "NONE"],
        ["DELETE", "/items/{id}", "hello::item", "NONE"],
        ["GET", "/files/{path+}", "hello::file", "NONE"],
    ] {
        assert!(
            rows.iter().any(|row| row == &expected),
            "{expected:?} missing from\n{table}"
        );
    }
}

#[test]
fn gen_policy_prints_a_named_functions_policy() {
    // hello calls no AWS SDK: its API function's role needs nothing more.
    let (output, _) =
        cargo_chalice(&["gen-policy", "--project-dir", &hello_dir(), "--name", "api"]);
    assert!(output.stdout.is_empty(), "{:?}", output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no AWS SDK client call found"), "{stderr}");
    let output = Command::new(env!("CARGO_BIN_EXE_cargo-chalice"))
        .args(["gen-policy", "--project-dir", &hello_dir(), "--name", "apj"])
        .shared_build()
        .output()
        .expect("run cargo-chalice");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(
        stderr.contains("the app has no function `apj` (did you mean `api`?); its functions: api"),
        "{stderr}"
    );
}

/// A synthetic app: `routes` routes over a tree with literal, parameter and
/// greedy segments, 1 to 3 methods per path.
fn synthetic_manifest(routes: usize) -> Manifest {
    let mut fragments = Vec::new();
    let mut count = 0;
    let mut i = 0;
    while count < routes {
        let group = i % 17;
        let (path, resource_path) = match i % 4 {
            0 => (format!("/g{group}/r{i}"), format!("/g{group}/r{i}")),
            1 => (
                format!("/g{group}/r{i}/<id>"),
                format!("/g{group}/r{i}/{{id}}"),
            ),
            2 => (
                format!("/g{group}/r{i}/<id>/sub-item"),
                format!("/g{group}/r{i}/{{id}}/sub-item"),
            ),
            _ => (
                format!("/g{group}/files{i}/<path..>"),
                format!("/g{group}/files{i}/{{path+}}"),
            ),
        };
        let methods: Vec<&str> = ["GET", "POST", "DELETE"]
            .into_iter()
            .take((routes - count).min(1 + i % 3))
            .collect();
        count += methods.len();
        fragments.push(
            serde_json::json!({
                "kind": "route", "handler": format!("h{i}"), "module": "synthetic", "file": "src/main.rs",
                "line": i + 1, "path": path, "resource_path": resource_path, "methods": methods,
                "api_key_required": i % 10 == 0,
            })
            .to_string(),
        );
        i += 1;
    }
    Manifest::from_fragments(fragments.iter().map(|f| f.as_bytes())).expect("valid manifest")
}

fn project_with_config(config_json: Option<&str>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    if let Some(text) = config_json {
        std::fs::create_dir_all(dir.path().join(".chalice")).unwrap();
        std::fs::write(dir.path().join(".chalice/config.json"), text).unwrap();
    }
    dir
}

/// Writes a package of `manifest` (with a stand-in binary) and returns the
/// paths of all templates written.
fn write_synthetic(
    project: &Path,
    manifest: Manifest,
    out: &Path,
    format: TemplateFormat,
) -> cargo_chalice::package::PackageOutput {
    let config = config::load(project, "dev", "synthetic").expect("config");
    let binary = project.join("bootstrap");
    std::fs::write(&binary, b"\x7fELF stand-in").unwrap();
    write_package(&binary, manifest, config, Arch::Arm64, out, format).expect("package")
}

#[test]
fn a_thousand_routes_nest_within_cloudformation_limits() {
    let project = project_with_config(None);
    let manifest = synthetic_manifest(1_000);
    assert_eq!(manifest.routes.len(), 1_000);
    for format in [TemplateFormat::Json, TemplateFormat::Yaml] {
        let out = project.path().join(format!("out-{format:?}"));
        let output = write_synthetic(project.path(), manifest.clone(), &out, format);
        assert!(
            !output.nested_templates.is_empty(),
            "1,000 routes need nested stacks"
        );
        let mut all = vec![output.template_path.clone()];
        all.extend(output.nested_templates.iter().cloned());
        // The root fits a TemplateBody; nested templates (read from S3) fit 1 MB.
        let root_size = std::fs::metadata(&output.template_path).unwrap().len();
        assert!(
            root_size <= 51_200,
            "the root template is {root_size} bytes"
        );
        for path in &output.nested_templates {
            let size = std::fs::metadata(path).unwrap().len();
            assert!(size <= 1_048_576, "{} is {size} bytes", path.display());
        }
        if format == TemplateFormat::Json {
            let root = read_template(&output.template_path);
            let stacks = resources_of_type(&root, "AWS::CloudFormation::Stack");
            assert_eq!(stacks.len(), output.nested_templates.len());
            let deployment = resources_of_type(&root, "AWS::ApiGateway::Deployment");
            assert_eq!(deployment.len(), 1);
            let depends: Vec<&str> = deployment[0].1["DependsOn"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap())
                .collect();
            let mut methods = 0;
            let mut api_resources = 0;
            for (id, stack) in &stacks {
                assert!(
                    depends.contains(&id.as_str()),
                    "deployment must depend on {id}"
                );
                let file = stack["Properties"]["TemplateURL"].as_str().unwrap();
                let child = read_template(&out.join(file));
                let count = child["Resources"].as_object().unwrap().len();
                assert!(count <= 500, "{file}: {count} resources");
                methods += resources_of_type(&child, "AWS::ApiGateway::Method").len();
                api_resources += resources_of_type(&child, "AWS::ApiGateway::Resource").len();
            }
            assert_eq!(methods, 1_000);
            assert_eq!(api_resources, manifest.resource_paths().len() - 1);
            assert!(
                methods + api_resources > 500,
                "the app is beyond one template's 500 resources"
            );
        }
        lint(&all);
    }
}

#[test]
fn synthetic_packages_are_byte_identical() {
    let project = project_with_config(None);
    let a = write_synthetic(
        project.path(),
        synthetic_manifest(1_000),
        &project.path().join("a"),
        TemplateFormat::Json,
    );
    let b = write_synthetic(
        project.path(),
        synthetic_manifest(1_000),
        &project.path().join("b"),
        TemplateFormat::Json,
    );
    assert_eq!(a.zip_sha256, b.zip_sha256);
    let files = |out: &cargo_chalice::package::PackageOutput| -> Vec<(String, Vec<u8>)> {
        std::iter::once(&out.template_path)
            .chain(&out.nested_templates)
            .map(|p| {
                (
                    p.file_name().unwrap().to_string_lossy().into_owned(),
                    std::fs::read(p).unwrap(),
                )
            })
            .collect()
    };
    assert!(
        files(&a) == files(&b),
        "two packages of the same app differ"
    );
}

#[test]
fn stage_settings_reach_the_template() {
    let project = project_with_config(Some(
        r#"{
          "version": "2.0",
          "app_name": "configured",
          "stages": {
            "dev": {
              "api_gateway_stage": "v1",
              "api_gateway_endpoint_type": "REGIONAL",
              "minimum_compression_size": 1024,
              "binary_media_types": ["image/png"],
              "stage_variables": {"COLOUR": "blue"},
              "environment_variables": {"TABLE": "items"},
              "lambda_memory_size": 512,
              "lambda_timeout": 10,
              "tags": {"team": "web"},
              "reserved_concurrency": 5,
              "layers": ["arn:aws:lambda:eu-west-1:123456789012:layer:extra:3"],
              "xray": true,
              "subnet_ids": ["subnet-0123456789abcdef0"],
              "security_group_ids": ["sg-0123456789abcdef0"],
              "log_retention_in_days": 30,
              "iam_policy_file": "policy-dev.json"
            }
          }
        }"#,
    ));
    std::fs::write(
        project.path().join(".chalice/policy-dev.json"),
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["dynamodb:GetItem"],
            "Resource": "arn:aws:dynamodb:eu-west-1:123456789012:table/items"}]}"#,
    )
    .unwrap();
    let out = project.path().join("out");
    let output = write_synthetic(
        project.path(),
        synthetic_manifest(12),
        &out,
        TemplateFormat::Json,
    );
    assert!(output.nested_templates.is_empty());
    let template = read_template(&output.template_path);
    let function = &template["Resources"]["APIHandler"]["Properties"];
    assert_eq!(function["MemorySize"], 512);
    assert_eq!(function["Timeout"], 10);
    assert_eq!(function["Environment"]["Variables"]["TABLE"], "items");
    assert_eq!(function["Tags"][0]["Key"], "team");
    assert_eq!(function["ReservedConcurrentExecutions"], 5);
    assert_eq!(function["TracingConfig"]["Mode"], "Active");
    assert_eq!(
        function["VpcConfig"]["SubnetIds"][0],
        "subnet-0123456789abcdef0"
    );
    assert_eq!(function["Layers"].as_array().unwrap().len(), 1);
    let api = &template["Resources"]["RestAPI"]["Properties"];
    assert_eq!(api["EndpointConfiguration"]["Types"][0], "REGIONAL");
    assert_eq!(api["MinimumCompressionSize"], 1024);
    assert_eq!(api["BinaryMediaTypes"][0], "image/png");
    let stage = &template["Resources"]["RestAPIStage"]["Properties"];
    assert_eq!(stage["StageName"], "v1");
    assert_eq!(stage["Variables"]["COLOUR"], "blue");
    assert_eq!(
        template["Resources"]["APIHandlerLogGroup"]["Properties"]["RetentionInDays"],
        30
    );
    let policies = template["Resources"]["APIHandlerRole"]["Properties"]["Policies"]
        .as_array()
        .unwrap();
    assert!(policies.iter().any(|p| p["PolicyName"] == "AppPolicy"));
    assert!(template["Outputs"]["EndpointURL"]["Value"]["Fn::Sub"]
        .as_str()
        .unwrap()
        .ends_with("/v1/"));
    lint(&[output.template_path]);
}

#[test]
fn default_role_is_least_privilege() {
    let project = project_with_config(None);
    let out = project.path().join("out");
    let output = write_synthetic(
        project.path(),
        synthetic_manifest(3),
        &out,
        TemplateFormat::Json,
    );
    let template = read_template(&output.template_path);
    let role = &template["Resources"]["APIHandlerRole"]["Properties"];
    let policies = role["Policies"].as_array().unwrap();
    assert_eq!(policies.len(), 1);
    let statements = policies[0]["PolicyDocument"]["Statement"]
        .as_array()
        .unwrap();
    assert_eq!(statements.len(), 1);
    assert_eq!(
        statements[0]["Action"],
        serde_json::json!(["logs:CreateLogStream", "logs:PutLogEvents"])
    );
    assert_eq!(
        statements[0]["Resource"],
        serde_json::json!({"Fn::GetAtt": ["APIHandlerLogGroup", "Arn"]})
    );
    let permission = &template["Resources"]["APIHandlerInvokePermission"]["Properties"];
    assert_eq!(
        permission["SourceArn"]["Fn::Sub"],
        "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${RestAPI}/*"
    );
}

#[test]
fn deployment_id_follows_the_api_shape() {
    let project = project_with_config(None);
    let id = |routes: usize| {
        let out = project.path().join(format!("out{routes}"));
        let output = write_synthetic(
            project.path(),
            synthetic_manifest(routes),
            &out,
            TemplateFormat::Json,
        );
        let template = read_template(&output.template_path);
        let deployments = resources_of_type(&template, "AWS::ApiGateway::Deployment");
        assert_eq!(deployments.len(), 1);
        let depends = deployments[0].1["DependsOn"].as_array().unwrap().len();
        assert_eq!(depends, routes, "one DependsOn per method");
        deployments[0].0.clone()
    };
    let five = id(5);
    assert!(five.starts_with("RestAPIDeployment"));
    assert_eq!(five, id(5));
    assert_ne!(five, id(6));
}

#[test]
fn bad_settings_are_reported() {
    let project = project_with_config(Some(r#"{"log_retention_in_days": 13}"#));
    let config = config::load(project.path(), "dev", "x").unwrap();
    let err = cargo_chalice::template::resolve_and_generate(
        synthetic_manifest(2),
        config,
        Arch::Arm64,
        TemplateFormat::Json,
    )
    .unwrap_err();
    assert!(err.to_string().contains("log_retention_in_days"), "{err}");

    let project = project_with_config(Some(r#"{"iam_policy_file": "missing.json"}"#));
    let config = config::load(project.path(), "dev", "x").unwrap();
    let err = cargo_chalice::template::resolve_and_generate(
        synthetic_manifest(2),
        config,
        Arch::Arm64,
        TemplateFormat::Json,
    )
    .unwrap_err();
    assert!(err.to_string().contains("missing.json"), "{err}");
}

#[test]
fn build_zips_the_same_artifact_as_package() {
    let (output, _) = cargo_chalice(&["build", "--project-dir", &hello_dir(), "--arch", "x86_64"]);
    let stdout = String::from_utf8(output.stdout).unwrap();
    let zip_line = stdout
        .lines()
        .find(|l| l.starts_with("zip "))
        .unwrap_or_else(|| panic!("no zip line in {stdout}"));
    let zip_path = zip_line[4..].split(" (").next().unwrap();
    let bootstrap = bootstrap_of(Path::new(zip_path));
    let app = cargo_chalice::app_manifest::from_bytes(Path::new("bootstrap"), &bootstrap).unwrap();
    assert_eq!(app.arch, Some(Arch::X86_64));
    assert!(
        stdout.contains(&format!("{} routes", app.manifest.routes.len())),
        "{stdout}"
    );
}

#[test]
fn errors_name_the_problem() {
    let empty = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_cargo-chalice"))
        .args(["package", "--project-dir"])
        .arg(empty.path())
        .arg(empty.path().join("out"))
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("cannot read the Cargo project"), "{stderr}");

    let output = Command::new(env!("CARGO_BIN_EXE_cargo-chalice"))
        .args([
            "package",
            "--project-dir",
            &hello_dir(),
            "--stage",
            "nope",
            "--arch",
            "x86_64",
        ])
        .arg(empty.path().join("out"))
        .shared_build()
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no stage `nope`"), "{stderr}");
    assert!(
        !empty.path().join("out").exists(),
        "nothing is written on error"
    );
}

/// Adds authorizers (TOKEN, REQUEST, Cognito), IAM routes and CORS resources
/// to a synthetic manifest.
fn governed(mut manifest: Manifest) -> Manifest {
    use chalice_rs_runtime::manifest::{Authorizer, AuthorizerKind, Cors};
    let authorizer = |name: &str, kind: AuthorizerKind| Authorizer {
        name: name.to_owned(),
        module: "synthetic".to_owned(),
        file: "src/main.rs".to_owned(),
        line: 1,
        kind,
        ttl_seconds: 300,
    };
    manifest.authorizers = vec![
        authorizer(
            "cognito",
            AuthorizerKind::CognitoUserPools {
                provider_arns: vec![
                    "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_abc".to_owned(),
                ],
                header: "Authorization".to_owned(),
            },
        ),
        authorizer(
            "request_auth",
            AuthorizerKind::Request {
                identity_sources: vec![
                    "method.request.header.X-Tenant".to_owned(),
                    "method.request.querystring.key".to_owned(),
                ],
            },
        ),
        authorizer(
            "token_auth",
            AuthorizerKind::Token {
                header: "Authorization".to_owned(),
                validation_expression: Some("^Bearer .+$".to_owned()),
            },
        ),
    ];
    let cors = Cors {
        allow_origin: "https://example.com".to_owned(),
        allow_headers: vec!["X-Tenant".to_owned()],
        expose_headers: vec!["X-Request-Id".to_owned()],
        max_age: Some(600),
        allow_credentials: true,
    };
    let cors_paths: Vec<String> = manifest
        .resource_paths()
        .into_iter()
        .enumerate()
        .filter(|(i, _)| i % 5 == 1)
        .map(|(_, p)| p)
        .collect();
    for (i, route) in manifest.routes.iter_mut().enumerate() {
        route.authorizer = match i % 8 {
            1 => Some("token_auth".to_owned()),
            3 => Some("request_auth".to_owned()),
            5 => Some("cognito".to_owned()),
            7 => Some("iam".to_owned()),
            _ => None,
        };
        if cors_paths.contains(&route.resource_path) {
            route.cors = Some(cors.clone());
        }
    }
    manifest
}

const GOVERNED_CONFIG: &str = r#"{
  "version": "2.0",
  "app_name": "governed",
  "api_keys": ["partner-a", "partner-b"],
  "usage_plan": {"throttle": {"rate_limit": 10, "burst_limit": 20},
                 "quota": {"limit": 1000, "period": "DAY"}},
  "throttling": {"rate_limit": 100.5, "burst_limit": 200,
                 "routes": {"GET /g1/r1/{id}": {"rate_limit": 5, "burst_limit": 10}}},
  "gateway_responses": {
    "UNAUTHORIZED": {"status_code": 401, "headers": {"X-Foo": "bar"},
                     "templates": {"application/json": "{\"message\": $context.error.messageString}"}},
    "DEFAULT_4XX": {"headers": {"Access-Control-Allow-Origin": "*"}}
  },
  "resource_policy": {"allow_source_ips": ["10.0.0.0/8", "192.0.2.1"], "deny_source_ips": ["10.1.0.0/16"]},
  "stages": {"dev": {}}
}"#;

#[test]
fn authorizers_keys_cors_and_policies_reach_the_template() {
    let project = project_with_config(Some(GOVERNED_CONFIG));
    let manifest = governed(synthetic_manifest(16));
    let out = project.path().join("out");
    let output = write_synthetic(project.path(), manifest.clone(), &out, TemplateFormat::Json);
    assert!(output.nested_templates.is_empty());
    let t = read_template(&output.template_path);
    let r = &t["Resources"];

    // Lambda authorizers: function, log group, permission, authorizer.
    let token = &r["TokenAuthAuthorizer"]["Properties"];
    assert_eq!(
        r["TokenAuthAuthorizer"]["Type"],
        "AWS::ApiGateway::Authorizer"
    );
    assert_eq!(token["Type"], "TOKEN");
    assert_eq!(
        token["IdentitySource"],
        "method.request.header.Authorization"
    );
    assert_eq!(token["IdentityValidationExpression"], "^Bearer .+$");
    assert_eq!(token["AuthorizerResultTtlInSeconds"], 300);
    assert_eq!(
        token["AuthorizerUri"]["Fn::Sub"],
        "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${TokenAuthAuthorizerHandler.Arn}/invocations"
    );
    let function = &r["TokenAuthAuthorizerHandler"]["Properties"];
    assert_eq!(function["Handler"], "authorizer:token_auth");
    assert_eq!(function["Code"], "./deployment.zip");
    assert_eq!(function["Role"], r["APIHandler"]["Properties"]["Role"]);
    assert_eq!(
        function["LoggingConfig"]["LogGroup"]["Ref"],
        "TokenAuthAuthorizerLogGroup"
    );
    assert_eq!(
        r["TokenAuthAuthorizerLogGroup"]["Type"],
        "AWS::Logs::LogGroup"
    );
    let permission = &r["TokenAuthAuthorizerInvokePermission"]["Properties"];
    assert_eq!(permission["Principal"], "apigateway.amazonaws.com");
    assert_eq!(
        permission["SourceArn"]["Fn::Sub"],
        "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${RestAPI}/authorizers/${TokenAuthAuthorizer}"
    );
    let request = &r["RequestAuthAuthorizer"]["Properties"];
    assert_eq!(request["Type"], "REQUEST");
    assert_eq!(
        request["IdentitySource"],
        "method.request.header.X-Tenant, method.request.querystring.key"
    );
    assert_eq!(
        r["RequestAuthAuthorizerHandler"]["Properties"]["Handler"],
        "authorizer:request_auth"
    );
    // Cognito: no function.
    let cognito = &r["CognitoAuthorizer"]["Properties"];
    assert_eq!(cognito["Type"], "COGNITO_USER_POOLS");
    assert_eq!(cognito["ProviderARNs"].as_array().unwrap().len(), 1);
    assert!(cognito.get("AuthorizerUri").is_none());
    assert!(r.get("CognitoAuthorizerHandler").is_none());
    // The role may write to each function's log group.
    let log_resources = &r["APIHandlerRole"]["Properties"]["Policies"][0]["PolicyDocument"]
        ["Statement"][0]["Resource"];
    assert_eq!(
        log_resources.as_array().unwrap().len(),
        3,
        "{log_resources}"
    );
    for output in [
        "TokenAuthAuthorizerHandlerArn",
        "RequestAuthAuthorizerHandlerName",
    ] {
        assert!(t["Outputs"].get(output).is_some(), "output {output}");
    }

    // Methods: authorization as the route says.
    let mut seen = std::collections::BTreeSet::new();
    for (id, method) in resources_of_type(&t, "AWS::ApiGateway::Method") {
        let p = &method["Properties"];
        if p["HttpMethod"] == "OPTIONS" {
            continue;
        }
        let route = manifest
            .routes
            .iter()
            .find(|route| {
                id.starts_with(&format!(
                    "Method{}",
                    cargo_chalice::cfn::ids::method_name(&route.method)
                )) && p["HttpMethod"] == route.method.as_str()
                    && id.ends_with(&cargo_chalice::cfn::ids::path_name(&route.resource_path))
            })
            .unwrap_or_else(|| panic!("no route for {id}"));
        let (kind, authorizer) = match route.authorizer.as_deref() {
            None => ("NONE", None),
            Some("iam") => ("AWS_IAM", None),
            Some("cognito") => ("COGNITO_USER_POOLS", Some("CognitoAuthorizer")),
            Some("token_auth") => ("CUSTOM", Some("TokenAuthAuthorizer")),
            Some(_) => ("CUSTOM", Some("RequestAuthAuthorizer")),
        };
        assert_eq!(p["AuthorizationType"], kind, "{id}");
        assert_eq!(p["AuthorizerId"]["Ref"].as_str(), authorizer, "{id}");
        assert_eq!(
            p.get("ApiKeyRequired")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            route.api_key_required,
            "{id}"
        );
        seen.insert(kind);
    }
    assert_eq!(seen.len(), 4, "{seen:?}");

    // API keys and the usage plan.
    let keys = resources_of_type(&t, "AWS::ApiGateway::ApiKey");
    assert_eq!(keys.len(), 2);
    let key = &r["APIKeyPartnerA"];
    assert_eq!(key["Properties"]["Name"], "partner-a");
    assert_eq!(key["Properties"]["Enabled"], true);
    assert_eq!(key["DependsOn"][0], "RestAPIStage");
    let plan = &r["APIUsagePlan"]["Properties"];
    assert_eq!(plan["ApiStages"][0]["ApiId"]["Ref"], "RestAPI");
    assert_eq!(plan["ApiStages"][0]["Stage"]["Ref"], "RestAPIStage");
    assert_eq!(plan["Throttle"]["RateLimit"], 10.0);
    assert_eq!(plan["Throttle"]["BurstLimit"], 20);
    assert_eq!(plan["Quota"]["Limit"], 1000);
    assert_eq!(plan["Quota"]["Period"], "DAY");
    let plan_key = &r["UsagePlanKeyPartnerB"]["Properties"];
    assert_eq!(plan_key["KeyId"]["Ref"], "APIKeyPartnerB");
    assert_eq!(plan_key["KeyType"], "API_KEY");
    assert_eq!(plan_key["UsagePlanId"]["Ref"], "APIUsagePlan");
    assert_eq!(
        t["Outputs"]["APIKeyPartnerAId"]["Value"]["Ref"],
        "APIKeyPartnerA"
    );

    // Stage throttling.
    let settings = r["RestAPIStage"]["Properties"]["MethodSettings"]
        .as_array()
        .unwrap();
    assert_eq!(settings.len(), 2);
    assert_eq!(settings[0]["ResourcePath"], "/*");
    assert_eq!(settings[0]["ThrottlingRateLimit"], 100.5);
    assert_eq!(settings[0]["ThrottlingBurstLimit"], 200);
    assert_eq!(settings[1]["HttpMethod"], "GET");
    assert_eq!(settings[1]["ResourcePath"], "/~1g1~1r1~1{id}");
    assert_eq!(settings[1]["ThrottlingRateLimit"], 5.0);

    // CORS preflights.
    let preflights: Vec<_> = resources_of_type(&t, "AWS::ApiGateway::Method")
        .into_iter()
        .filter(|(_, m)| m["Properties"]["HttpMethod"] == "OPTIONS")
        .collect();
    let cors_paths: std::collections::BTreeSet<&str> = manifest
        .routes
        .iter()
        .filter(|r| r.cors.is_some())
        .map(|r| r.resource_path.as_str())
        .collect();
    assert_eq!(preflights.len(), cors_paths.len());
    assert!(!preflights.is_empty());
    let deployment = resources_of_type(&t, "AWS::ApiGateway::Deployment")[0].1;
    for (id, preflight) in &preflights {
        let p = &preflight["Properties"];
        assert_eq!(p["AuthorizationType"], "NONE");
        assert_eq!(p["Integration"]["Type"], "MOCK");
        assert_eq!(
            p["Integration"]["RequestTemplates"]["application/json"],
            "{\"statusCode\": 200}"
        );
        let params = &p["Integration"]["IntegrationResponses"][0]["ResponseParameters"];
        assert_eq!(
            params["method.response.header.Access-Control-Allow-Origin"],
            "'https://example.com'"
        );
        assert_eq!(
            params["method.response.header.Access-Control-Allow-Credentials"],
            "'true'"
        );
        assert_eq!(
            params["method.response.header.Access-Control-Max-Age"],
            "'600'"
        );
        assert!(
            params["method.response.header.Access-Control-Allow-Headers"]
                .as_str()
                .unwrap()
                .contains("X-Tenant")
        );
        let methods = params["method.response.header.Access-Control-Allow-Methods"]
            .as_str()
            .unwrap();
        assert!(
            methods.contains("OPTIONS") && methods.contains("GET"),
            "{methods}"
        );
        let declared = p["MethodResponses"][0]["ResponseParameters"]
            .as_object()
            .unwrap();
        assert_eq!(declared.len(), params.as_object().unwrap().len());
        assert!(declared.values().all(|v| v == true));
        assert!(
            deployment["DependsOn"]
                .as_array()
                .unwrap()
                .contains(&Value::from(id.as_str())),
            "the deployment waits for {id}"
        );
    }

    // Gateway responses and the resource policy.
    let unauthorized = &r["GatewayResponseUnauthorized"]["Properties"];
    assert_eq!(unauthorized["ResponseType"], "UNAUTHORIZED");
    assert_eq!(unauthorized["StatusCode"], "401");
    assert_eq!(
        unauthorized["ResponseParameters"]["gatewayresponse.header.X-Foo"],
        "'bar'"
    );
    assert!(unauthorized["ResponseTemplates"]["application/json"]
        .as_str()
        .unwrap()
        .contains("$context.error.messageString"));
    assert!(r["GatewayResponseDefault4xx"]["Properties"]
        .get("StatusCode")
        .is_none());
    assert!(deployment["DependsOn"]
        .as_array()
        .unwrap()
        .contains(&Value::from("GatewayResponseUnauthorized")));
    let policy = &r["RestAPI"]["Properties"]["Policy"];
    assert_eq!(policy["Statement"][0]["Effect"], "Allow");
    assert_eq!(policy["Statement"][0]["Resource"], "execute-api:/*");
    assert_eq!(
        policy["Statement"][0]["Condition"]["IpAddress"]["aws:SourceIp"][0],
        "10.0.0.0/8"
    );
    assert_eq!(policy["Statement"][1]["Effect"], "Deny");

    lint(std::slice::from_ref(&output.template_path));
    // YAML too.
    let yaml = write_synthetic(
        project.path(),
        manifest,
        &project.path().join("out-yaml"),
        TemplateFormat::Yaml,
    );
    lint(&[yaml.template_path]);
}

#[test]
fn governed_large_apps_pass_authorizers_to_nested_stacks() {
    let project = project_with_config(Some(GOVERNED_CONFIG));
    let manifest = governed(synthetic_manifest(1_000));
    let out = project.path().join("out");
    let output = write_synthetic(project.path(), manifest, &out, TemplateFormat::Json);
    assert!(!output.nested_templates.is_empty());
    let root = read_template(&output.template_path);
    assert_eq!(
        resources_of_type(&root, "AWS::ApiGateway::Authorizer").len(),
        3,
        "authorizers stay in the root"
    );
    let mut custom = 0;
    let mut preflights = 0;
    for (id, stack) in resources_of_type(&root, "AWS::CloudFormation::Stack") {
        let file = stack["Properties"]["TemplateURL"].as_str().unwrap();
        let child = read_template(&out.join(file));
        for (_, method) in resources_of_type(&child, "AWS::ApiGateway::Method") {
            let p = &method["Properties"];
            if p["HttpMethod"] == "OPTIONS" {
                preflights += 1;
            }
            if let Some(target) = p["AuthorizerId"]["Ref"].as_str() {
                custom += 1;
                assert!(
                    child["Parameters"].get(target).is_some(),
                    "{file}: {target}"
                );
                assert_eq!(
                    stack["Properties"]["Parameters"][target]["Ref"], target,
                    "{id} passes {target}"
                );
            }
        }
    }
    assert!(custom > 300, "{custom}");
    assert!(preflights > 0);
    let mut all = vec![output.template_path.clone()];
    all.extend(output.nested_templates.iter().cloned());
    lint(&all);
}

#[test]
fn governance_settings_are_checked() {
    let cases = [
        (
            r#"{"usage_plan": {"quota": {"limit": 5, "period": "YEAR"}}}"#,
            "usage_plan.quota.period",
        ),
        (
            r#"{"usage_plan": {"throttle": {"rate": 5}}}"#,
            "unknown key `usage_plan.throttle.rate` (did you mean `rate_limit`?)",
        ),
        (
            r#"{"gateway_responses": {"NOPE": {}}}"#,
            "unknown key `gateway_responses.NOPE`; known keys here: ACCESS_DENIED",
        ),
        (
            r#"{"gateway_responses": {"THROTTLED": {"status_code": 99}}}"#,
            "status_code",
        ),
        (
            r#"{"resource_policy": {"allow_source_ips": ["10.0.0.0/33"]}}"#,
            "not an IP address",
        ),
        (
            r#"{"resource_policy": {"allow_source_ips": ["1.2.3.4"]}, "resource_policy_file": "p.json"}"#,
            "both set",
        ),
        (
            r#"{"throttling": {"routes": {"items": {}}}}"#,
            "METHOD /path",
        ),
        (r#"{"api_keys": []}"#, "`api_keys` is empty"),
    ];
    for (text, expected) in cases {
        let project = project_with_config(Some(text));
        let err = config::load(project.path(), "dev", "x")
            .unwrap_err()
            .to_string();
        assert!(err.contains(expected), "{text}: {err}");
        assert!(err.contains("config.json"), "{err}");
    }
    // Checked against the app's routes and files.
    let generate = |text: &str| {
        let project = project_with_config(Some(text));
        let config = config::load(project.path(), "dev", "x").unwrap();
        cargo_chalice::template::resolve_and_generate(
            synthetic_manifest(3),
            config,
            Arch::Arm64,
            TemplateFormat::Json,
        )
        .map(|_| ())
        .unwrap_err()
        .to_string()
    };
    let err = generate(r#"{"throttling": {"routes": {"GET /nope": {"rate_limit": 1}}}}"#);
    assert!(err.contains("`GET /nope` is not a route"), "{err}");
    let err = generate(r#"{"resource_policy_file": "policy.json"}"#);
    assert!(
        err.contains("resource_policy_file") && err.contains("policy.json"),
        "{err}"
    );
    let err = generate(r#"{"api_gateway_endpoint_type": "PRIVATE"}"#);
    assert!(err.contains("PRIVATE"), "{err}");
}

#[test]
fn a_private_api_with_a_policy_file_lints() {
    let project = project_with_config(Some(
        r#"{"api_gateway_endpoint_type": "PRIVATE", "resource_policy_file": "policy.json"}"#,
    ));
    let policy = serde_json::json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*",
         "Condition": {"StringEquals": {"aws:sourceVpce": "vpce-0123456789abcdef0"}}}
    ]});
    std::fs::write(
        project.path().join(".chalice/policy.json"),
        policy.to_string(),
    )
    .unwrap();
    let output = write_synthetic(
        project.path(),
        synthetic_manifest(4),
        &project.path().join("out"),
        TemplateFormat::Json,
    );
    let t = read_template(&output.template_path);
    assert_eq!(t["Resources"]["RestAPI"]["Properties"]["Policy"], policy);
    assert_eq!(
        t["Resources"]["RestAPI"]["Properties"]["EndpointConfiguration"]["Types"][0],
        "PRIVATE"
    );
    lint(&[output.template_path]);
}

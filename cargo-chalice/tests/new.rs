//! `cargo chalice new`: each template makes a project whose own `cargo test`
//! passes (depending on this checkout's runtime by path); an existing
//! directory and a bad name are refused without writing anything.
//!
//! The generated projects build in the tests' shared target directory (or
//! `$CHALICE_NEW_TEST_TARGET_DIR`) with the workspace's Cargo.lock copied in
//! and the other tests' build settings (`common::SharedBuild`), so they reuse
//! what the other tests' builds of the examples compiled.

use crate::common;

use common::{http, LocalServer, SharedBuild as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;

/// One nested cargo at a time: they share a target directory anyway.
static CARGO: Mutex<()> = Mutex::new(());

/// Runs cargo-chalice in `cwd`; a command that builds (`gen-policy`) builds
/// as every other build of the tests does (`SharedBuild`), so the project's
/// own `cargo test` afterwards reuses its dependencies.
fn cargo_chalice(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cargo-chalice"))
        .args(args)
        .current_dir(cwd)
        .env_remove("CHALICE_RS_PATH")
        .shared_build()
        .env("CARGO_TARGET_DIR", target_dir())
        .output()
        .expect("cargo-chalice runs")
}

/// Where the generated projects build: `$CHALICE_NEW_TEST_TARGET_DIR`, else
/// the tests' shared target directory.
fn target_dir() -> PathBuf {
    std::env::var_os("CHALICE_NEW_TEST_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(common::tests_target_dir)
}

/// How long one nested build (`cargo test`, `cargo chalice package`) may take.
const BUILD_LIMIT: std::time::Duration = std::time::Duration::from_secs(1800);

/// Runs `command` to completion, killing it past [`BUILD_LIMIT`].
fn output_bounded(command: &mut Command) -> Output {
    use std::io::Read;
    let mut child = command
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("command starts");
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            bytes
        })
    };
    let stdout = drain(Box::new(child.stdout.take().expect("stdout")));
    let stderr = drain(Box::new(child.stderr.take().expect("stderr")));
    let deadline = std::time::Instant::now() + BUILD_LIMIT;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{command:?} did not finish within {BUILD_LIMIT:?}");
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    Output {
        status,
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    }
}

fn text(output: &Output) -> String {
    format!(
        "status {}\nstdout:\n{}\nstderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn new_project_passes_its_tests(template: &str) {
    let root = tempfile::tempdir().expect("temp dir");
    let name = format!("new-{template}-app");
    let checkout = common::repo_root();
    let output = cargo_chalice(
        &[
            "chalice",
            "new",
            &name,
            "--template",
            template,
            "--runtime-path",
            checkout.to_str().expect("UTF-8 checkout path"),
        ],
        root.path(),
    );
    assert!(output.status.success(), "{}", text(&output));
    let project = root.path().join(&name);
    for file in [
        "Cargo.toml",
        "src/main.rs",
        "src/tests.rs",
        ".chalice/config.json",
        ".gitignore",
    ] {
        assert!(project.join(file).is_file(), "{template}: no {file}");
    }
    let config: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(project.join(".chalice/config.json")).expect("config"),
    )
    .expect("config is JSON");
    assert_eq!(config["app_name"], name.as_str());
    assert!(config["stages"]["dev"].is_object());

    // Same versions as the workspace: nothing new to download or compile.
    std::fs::copy(checkout.join("Cargo.lock"), project.join("Cargo.lock")).expect("lock file");

    // The policy generated from the new project's code.
    let policy = cargo_chalice(
        &[
            "gen-policy",
            "--project-dir",
            project.to_str().expect("UTF-8"),
        ],
        root.path(),
    );
    assert!(policy.status.success(), "{}", text(&policy));
    let stdout = String::from_utf8_lossy(&policy.stdout);
    if template == "dynamodb" {
        let document: serde_json::Value = serde_json::from_str(&stdout).expect("policy JSON");
        assert_eq!(
            document["Statement"][0]["Action"],
            serde_json::json!([
                "dynamodb:DeleteItem",
                "dynamodb:GetItem",
                "dynamodb:PutItem"
            ]),
            "{document}"
        );
        assert_eq!(document["Statement"][0]["Resource"], "*");
    } else {
        assert!(stdout.is_empty(), "{template} makes no SDK call: {stdout}");
        assert!(
            String::from_utf8_lossy(&policy.stderr).contains("no AWS SDK client call"),
            "{}",
            text(&policy)
        );
    }

    let target_dir = target_dir();
    let _guard = CARGO
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let test = output_bounded(
        Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
            .args(["test", "--quiet"])
            .args(common::dependency_profile_args())
            .current_dir(&project)
            .shared_build()
            .env("CARGO_TARGET_DIR", &target_dir),
    );
    assert!(
        test.status.success(),
        "`cargo test` in a new {template} project failed:\n{}",
        text(&test)
    );
    let stdout = String::from_utf8_lossy(&test.stdout);
    assert!(
        stdout.contains("test result: ok") && !stdout.contains(" 0 passed"),
        "{template}: no test ran:\n{stdout}"
    );
}

#[test]
fn hello_template_passes_cargo_test() {
    new_project_passes_its_tests("hello");
}

#[test]
fn rest_api_template_passes_cargo_test() {
    new_project_passes_its_tests("rest-api");
}

#[test]
fn dynamodb_template_passes_cargo_test() {
    new_project_passes_its_tests("dynamodb");
}

#[test]
fn existing_directories_are_never_overwritten() {
    let root = tempfile::tempdir().expect("temp dir");
    let existing = root.path().join("mine");
    std::fs::create_dir(&existing).expect("mkdir");
    std::fs::write(existing.join("notes.txt"), "keep me").expect("write");
    let output = cargo_chalice(&["new", "mine"], root.path());
    assert!(!output.status.success(), "{}", text(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("already exists"), "{stderr}");
    let entries: Vec<_> = std::fs::read_dir(&existing)
        .expect("read")
        .filter_map(Result::ok)
        .map(|e| e.file_name())
        .collect();
    assert_eq!(entries, ["notes.txt"]);
    assert_eq!(
        std::fs::read_to_string(existing.join("notes.txt"))
            .ok()
            .as_deref(),
        Some("keep me")
    );
}

#[test]
fn bad_names_and_templates_are_refused() {
    let root = tempfile::tempdir().expect("temp dir");
    for (args, message) in [
        (vec!["new", "9lives"], "must start with a letter"),
        (vec!["new", "my app"], "contains ' '"),
        (vec!["new", "struct"], "keyword"),
        (
            vec!["new", "fine", "--template", "graphql"],
            "no template `graphql`",
        ),
        (
            vec!["new", "fine", "--runtime-path", "/nonexistent"],
            "not a chalice-rs checkout",
        ),
    ] {
        let output = cargo_chalice(&args, root.path());
        assert!(!output.status.success(), "{args:?}: {}", text(&output));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
    let left: Vec<_> = std::fs::read_dir(root.path())
        .expect("read")
        .filter_map(Result::ok)
        .collect();
    assert!(left.is_empty(), "something was written: {left:?}");
}

/// A fresh `hello` project serves with `cargo chalice local` and packages
/// with `cargo chalice package` (its template passes cfn-lint).
#[test]
fn fresh_project_serves_locally_and_packages() {
    let root = tempfile::tempdir().expect("temp dir");
    let checkout = common::repo_root();
    let output = cargo_chalice(
        &[
            "new",
            "fresh-app",
            "--runtime-path",
            checkout.to_str().expect("UTF-8 checkout path"),
        ],
        root.path(),
    );
    assert!(output.status.success(), "{}", text(&output));
    let project = root.path().join("fresh-app");
    std::fs::copy(checkout.join("Cargo.lock"), project.join("Cargo.lock")).expect("lock file");
    let _guard = CARGO
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());

    // local: the banner gives the address; GET / answers the template's greeting.
    let local = LocalServer::start(
        Command::new(env!("CARGO_BIN_EXE_cargo-chalice"))
            .args(["local", "--port", "0", "--no-autoreload", "--project-dir"])
            .arg(&project)
            .shared_build(),
        std::time::Duration::from_secs(600),
    );
    let (status, body) = http(&local.address, "GET", "/", &[], "");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"hello\":\"world\""), "{body}");
    let (status, body) = http(&local.address, "GET", "/hello/ferris", &[], "");
    assert_eq!(status, 200, "{body}");
    drop(local);

    // package: template.json and deployment.zip, lint-clean.
    let out = root.path().join("out");
    let package = output_bounded(
        Command::new(env!("CARGO_BIN_EXE_cargo-chalice"))
            .args(["package", "--arch", "x86_64", "--project-dir"])
            .arg(&project)
            .arg(&out)
            .shared_build(),
    );
    assert!(package.status.success(), "{}", text(&package));
    assert!(out.join("deployment.zip").is_file());
    let template: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("template.json")).expect("template.json"),
    )
    .expect("template is JSON");
    assert!(
        template["Resources"]
            .as_object()
            .is_some_and(|r| r.values().any(|v| v["Type"] == "AWS::Lambda::Function")),
        "{template}"
    );
    common::lint(&[&out.join("template.json")]);
}

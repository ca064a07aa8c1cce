//! `cargo chalice new`: each template makes a project whose own `cargo test`
//! passes (depending on this checkout's runtime by path); an existing
//! directory and a bad name are refused without writing anything.
//!
//! The generated projects build in this checkout's target directory (or
//! `$CHALICE_NEW_TEST_TARGET_DIR`) with the workspace's Cargo.lock copied in,
//! so they reuse what the workspace already compiled.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;

/// One nested cargo at a time: they share a target directory anyway.
static CARGO: Mutex<()> = Mutex::new(());

fn checkout() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .expect("checkout")
}

fn cargo_chalice(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cargo-chalice"))
        .args(args)
        .current_dir(cwd)
        .env_remove("CHALICE_RS_PATH")
        .output()
        .expect("cargo-chalice runs")
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
    let checkout = checkout();
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
    let target_dir = std::env::var_os("CHALICE_NEW_TEST_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| checkout.join("target"));
    let _guard = CARGO
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let test = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .args(["test", "--quiet"])
        .current_dir(&project)
        .env("CARGO_TARGET_DIR", &target_dir)
        .output()
        .expect("cargo runs");
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

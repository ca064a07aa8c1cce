//! `cargo chalice new` as a new user meets it (issue 19): the tool is
//! installed the way `cargo install --path cargo-chalice` installs it, and
//! each template's project, created with no flag in a temporary directory
//! outside the checkout, builds, passes its own `cargo test`, serves with
//! `cargo chalice local` and packages with `cargo chalice package`. An
//! existing directory and a bad name are refused without writing anything.
//!
//! "Installed": the binary under test is copied to `<temporary root>/bin/cargo-chalice`,
//! which comes first on PATH. It is the binary `cargo install --path
//! cargo-chalice` builds from this checkout (same sources, same recorded
//! checkout), without building it a second time. `cargo chalice new` runs
//! through cargo, which finds it there. The commands that build run it as
//! cargo does (`cargo-chalice chalice <command>`) but directly. Run through
//! cargo, they would get cargo's own path in `$CARGO`, and the tests'
//! lighter build settings (`common::SharedBuild`) would be lost.
//!
//! Each project is built once per run, for the host (`gen-policy`, `local`
//! and, with the same dependencies, `cargo test`) and for Lambda
//! (`package`). Builds go to the tests' shared target directory (or
//! `$CHALICE_NEW_TEST_TARGET_DIR`), with the workspace's Cargo.lock copied in
//! and the other tests' build settings, so they reuse what the other tests'
//! builds of the examples compiled.

use crate::common;

use common::{http, LocalServer, SharedBuild as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;

/// One nested cargo at a time: they share a target directory anyway.
static CARGO: Mutex<()> = Mutex::new(());

/// The cargo that runs the tests.
fn cargo() -> std::ffi::OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

/// Where the generated projects build: `$CHALICE_NEW_TEST_TARGET_DIR`, else
/// the tests' shared target directory.
fn target_dir() -> PathBuf {
    std::env::var_os("CHALICE_NEW_TEST_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(common::tests_target_dir)
}

/// cargo-chalice installed into a temporary root, and a temporary working
/// directory outside the checkout; both removed on drop.
struct Installed {
    /// `<root>/bin/cargo-chalice`.
    binary: PathBuf,
    /// PATH with `<root>/bin` first.
    path: std::ffi::OsString,
    /// Where projects are created (also under the root).
    work: PathBuf,
    _root: tempfile::TempDir,
}

impl Installed {
    /// Installs the binary under test: a hard link (a copy across file systems).
    fn new() -> Self {
        let root = tempfile::tempdir().expect("temp dir");
        let bin = root.path().join("bin");
        std::fs::create_dir(&bin).expect("mkdir bin");
        let binary = bin.join("cargo-chalice");
        let built = Path::new(env!("CARGO_BIN_EXE_cargo-chalice"));
        if std::fs::hard_link(built, &binary).is_err() {
            std::fs::copy(built, &binary).expect("copy cargo-chalice");
        }
        // cargo looks in $CARGO_HOME/bin before PATH unless PATH names it:
        // name it after the installed root, so that a cargo-chalice the user
        // installed there is not the one that runs.
        let cargo_home = std::env::var_os("CARGO_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")));
        let mut dirs = vec![bin];
        dirs.extend(cargo_home.map(|home| home.join("bin")));
        dirs.extend(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        ));
        let path = std::env::join_paths(dirs).expect("PATH");
        let work = root.path().join("work");
        std::fs::create_dir(&work).expect("mkdir work");
        let checkout = common::repo_root().canonicalize().expect("checkout");
        let canonical_work = work.canonicalize().expect("work dir");
        assert!(
            !canonical_work.starts_with(&checkout),
            "the temporary directory {} is inside the checkout: set TMPDIR elsewhere",
            canonical_work.display()
        );
        assert_eq!(
            cargo_chalice::new::enclosing_workspace(&canonical_work),
            None,
            "the temporary directory is inside a Cargo workspace"
        );
        Self {
            binary,
            path,
            work,
            _root: root,
        }
    }

    /// `cargo <args>` in `cwd`, as a user types it, with the installed
    /// tool on PATH and neither `CHALICE_RS_PATH` nor a project directory
    /// in the environment.
    fn cargo(&self, args: &[&str], cwd: &Path) -> Output {
        Command::new(cargo())
            .args(args)
            .current_dir(cwd)
            .env("PATH", &self.path)
            .env_remove("CHALICE_RS_PATH")
            .env_remove("CHALICE_PROJECT_DIR")
            .output()
            .expect("cargo runs")
    }

    /// `cargo chalice <args>` in `cwd` as cargo runs it (`cargo-chalice
    /// chalice <args>`), with the tests' build settings.
    fn chalice(&self, args: &[&str], cwd: &Path) -> Command {
        let mut command = Command::new(&self.binary);
        command
            .arg("chalice")
            .args(args)
            .current_dir(cwd)
            .env("PATH", &self.path)
            .env_remove("CHALICE_RS_PATH")
            .env_remove("CHALICE_PROJECT_DIR")
            .shared_build()
            .env("CARGO_TARGET_DIR", target_dir());
        command
    }
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

/// What each template's project answers locally without AWS: (method,
/// path, body, status, a part of the answer).
fn local_checks(
    template: &str,
) -> &'static [(&'static str, &'static str, &'static str, u16, &'static str)] {
    match template {
        "hello" => &[
            ("GET", "/", "", 200, "\"hello\":\"world\""),
            ("GET", "/hello/ferris", "", 200, "\"hello\":\"ferris\""),
        ],
        "rest-api" => &[
            ("GET", "/items", "", 200, "\"items\":[]"),
            ("GET", "/items/7", "", 404, "no item 7"),
        ],
        // Refused by the handler before any DynamoDB call.
        "dynamodb" => &[(
            "POST",
            "/notes",
            r#"{"text": "  "}"#,
            400,
            "1 to 1000 characters",
        )],
        other => panic!("no local checks for the template {other}"),
    }
}

/// Creates a `template` project as a user would, then runs what `new`
/// prints next (`cargo test`, `cargo chalice local`), `gen-policy` and
/// `package`.
fn new_project_works_outside_the_checkout(template: &str) {
    let installed = Installed::new();
    let name = format!("demo-{template}");
    let checkout = common::repo_root();

    // No flag, no CHALICE_RS_PATH: the runtime of the checkout the tool
    // was built from.
    let output = installed.cargo(
        &["chalice", "new", &name, "--template", template],
        &installed.work,
    );
    assert!(output.status.success(), "{}", text(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let runtime_dir = checkout
        .join("chalice-rs-runtime")
        .canonicalize()
        .expect("runtime dir");
    assert!(
        stdout.contains(&format!(
            "depending on chalice-rs-runtime at {}",
            runtime_dir.display()
        )),
        "{template}: not the checkout's runtime (another cargo-chalice ran?):\n{}",
        text(&output)
    );
    let next = stdout
        .lines()
        .find_map(|line| line.strip_prefix("next: "))
        .unwrap_or_else(|| panic!("no `next:` line:\n{stdout}"));
    assert_eq!(
        next,
        format!("cd {name} && cargo test && cargo chalice local")
    );

    let project = installed.work.join(&name);
    for file in [
        "Cargo.toml",
        "src/main.rs",
        "src/tests.rs",
        ".chalice/config.json",
        ".gitignore",
    ] {
        assert!(project.join(file).is_file(), "{template}: no {file}");
    }
    let manifest = std::fs::read_to_string(project.join("Cargo.toml")).expect("Cargo.toml");
    assert!(
        manifest.contains(&format!(
            "chalice-rs-runtime = {{ path = \"{}\" }}",
            runtime_dir.display()
        )),
        "{manifest}"
    );
    let config: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(project.join(".chalice/config.json")).expect("config"),
    )
    .expect("config is JSON");
    assert_eq!(config["app_name"], name.as_str());
    assert!(config["stages"]["dev"].is_object());

    // Same versions as the workspace: nothing new to download or compile.
    std::fs::copy(checkout.join("Cargo.lock"), project.join("Cargo.lock")).expect("lock file");

    let _guard = CARGO
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());

    // The policy generated from the new project's code (the host build).
    let policy = output_bounded(&mut installed.chalice(&["gen-policy"], &project));
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

    // next: cargo test (for the target `local` builds for, so that the two
    // share one build of the dependencies in this run).
    let test = output_bounded(
        Command::new(cargo())
            .args(["test", "--quiet"])
            .args(common::host_target_args(&project))
            .args(common::dependency_profile_args())
            .current_dir(&project)
            .env("PATH", &installed.path)
            .shared_build()
            .env("CARGO_TARGET_DIR", target_dir()),
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

    // next: cargo chalice local (the host build again: nothing to compile).
    let local = LocalServer::start(
        &mut installed.chalice(&["local", "--port", "0", "--no-autoreload"], &project),
        std::time::Duration::from_secs(600),
    );
    for (method, path, body, status, part) in local_checks(template) {
        let headers: &[(&str, &str)] = if body.is_empty() {
            &[]
        } else {
            &[("content-type", "application/json")]
        };
        let (got, answer) = http(&local.address, method, path, headers, body);
        assert_eq!(got, *status, "{template}: {method} {path}: {answer}");
        assert!(
            answer.contains(part),
            "{template}: {method} {path}: {answer}"
        );
    }
    drop(local);

    // package: template.json and deployment.zip, lint-clean.
    let out = installed.work.join("out");
    let package = output_bounded(
        installed
            .chalice(&["package", "--arch", "x86_64"], &project)
            .arg(&out),
    );
    assert!(package.status.success(), "{}", text(&package));
    assert!(out.join("deployment.zip").is_file());
    let template_json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("template.json")).expect("template.json"),
    )
    .expect("template is JSON");
    assert!(
        template_json["Resources"]
            .as_object()
            .is_some_and(|r| r.values().any(|v| v["Type"] == "AWS::Lambda::Function")),
        "{template_json}"
    );
    common::lint(&[&out.join("template.json")]);
}

#[test]
fn hello_template_works_outside_the_checkout() {
    new_project_works_outside_the_checkout("hello");
}

#[test]
fn rest_api_template_works_outside_the_checkout() {
    new_project_works_outside_the_checkout("rest-api");
}

#[test]
fn dynamodb_template_works_outside_the_checkout() {
    new_project_works_outside_the_checkout("dynamodb");
}

/// Runs the binary under test in `cwd`, without `CHALICE_RS_PATH`.
fn cargo_chalice(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cargo-chalice"))
        .args(args)
        .current_dir(cwd)
        .env_remove("CHALICE_RS_PATH")
        .output()
        .expect("cargo-chalice runs")
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
            vec!["new", "fine", "--template", "rest_api"],
            "no template `rest_api` (did you mean `rest-api`?)",
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

/// `CHALICE_RS_PATH` (and `--runtime-path`, which wins over it) replace the
/// recorded checkout; a mistyped command gets clap's "did you mean", as
/// `cargo chalice` and as `cargo-chalice`.
#[test]
fn the_runtime_can_be_chosen_and_mistyped_commands_are_suggested() {
    let root = tempfile::tempdir().expect("temp dir");
    let other = root.path().join("elsewhere/chalice-rs-runtime");
    std::fs::create_dir_all(&other).expect("mkdir");
    std::fs::write(other.join("Cargo.toml"), "[package]\n").expect("write");
    let other = other.canonicalize().expect("resolvable");
    let checkout = common::repo_root();
    for (args, env, expected) in [
        (
            vec!["new", "by-env"],
            Some(root.path().join("elsewhere")),
            other.clone(),
        ),
        (
            vec![
                "new",
                "by-flag",
                "--runtime-path",
                checkout.to_str().expect("UTF-8"),
            ],
            Some(root.path().join("elsewhere")),
            checkout
                .join("chalice-rs-runtime")
                .canonicalize()
                .expect("runtime"),
        ),
    ] {
        let mut command = Command::new(env!("CARGO_BIN_EXE_cargo-chalice"));
        command.args(&args).current_dir(root.path());
        if let Some(env) = env {
            command.env("CHALICE_RS_PATH", env);
        }
        let output = command.output().expect("runs");
        assert!(output.status.success(), "{args:?}: {}", text(&output));
        let manifest = std::fs::read_to_string(root.path().join(args[1]).join("Cargo.toml"))
            .expect("Cargo.toml");
        assert!(
            manifest.contains(&format!(
                "chalice-rs-runtime = {{ path = \"{}\" }}",
                expected.display()
            )),
            "{args:?}: {manifest}"
        );
    }

    for args in [&["chalice", "lcoal"][..], &["lcoal"]] {
        let output = cargo_chalice(args, root.path());
        assert!(!output.status.success(), "{args:?}: {}", text(&output));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("unrecognized subcommand 'lcoal'")
                && stderr.contains("a similar subcommand exists: 'local'"),
            "{args:?}: {stderr}"
        );
    }
}

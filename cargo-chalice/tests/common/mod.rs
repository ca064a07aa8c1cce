//! What the tests that deploy to the moto server share: the server itself
//! (started on a free loopback port, stopped on drop), the AWS settings that
//! point a process or the SDK at it, cfn-lint, and files synced into the
//! tests' app copies.
//!
//! `moto_server` and `cfn-lint` come from PATH, `$CHALICE_TEST_VENV/bin` or
//! `<repo>/.venv/bin` (`scripts/test.sh` installs them); without them the
//! tests fail and say so.

// Each test file uses a part of this module.
#![allow(dead_code)]

use aws_sdk_s3::config::Credentials;
use cargo_chalice::aws::Aws;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A moto server on a free loopback port, killed on drop.
pub struct Moto {
    child: Child,
    /// `http://127.0.0.1:<port>`.
    pub endpoint: String,
}

/// A program the test venv provides, from PATH, `$CHALICE_TEST_VENV/bin` or
/// `<repo>/.venv/bin`; panics with "run scripts/test.sh" when absent.
pub fn venv_tool(name: &str) -> PathBuf {
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Some(path) = std::env::var_os("PATH") {
        candidates.extend(std::env::split_paths(&path).map(|dir| dir.join(name)));
    }
    if let Some(venv) = std::env::var_os("CHALICE_TEST_VENV") {
        candidates.push(PathBuf::from(venv).join("bin").join(name));
    }
    candidates.push(repo_root().join(".venv/bin").join(name));
    candidates
        .into_iter()
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("{name} not found on PATH, in $CHALICE_TEST_VENV/bin or .venv/bin: run scripts/test.sh"))
}

/// The `moto_server` program.
pub fn moto_binary() -> PathBuf {
    venv_tool("moto_server")
}

impl Moto {
    /// Starts a server and waits until it answers (60 s at most).
    pub fn start() -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(moto_binary())
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start moto_server");
        let mut moto = Self {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if answers(port) {
                return moto;
            }
            if let Ok(Some(status)) = moto.child.try_wait() {
                panic!("moto_server exited at start: {status}");
            }
            assert!(
                Instant::now() < deadline,
                "moto_server did not answer within 60 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// An SDK configuration for this server, with dummy credentials.
    pub async fn sdk_config(&self) -> aws_config::SdkConfig {
        aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new("us-east-1"))
            .endpoint_url(&self.endpoint)
            .credentials_provider(Credentials::new("testing", "testing", None, None, "test"))
            .load()
            .await
    }

    /// The tool's AWS access for this server (the test process has no credentials in its environment).
    pub async fn aws(&self) -> Aws {
        Aws {
            config: self.sdk_config().await,
            region: "us-east-1".to_owned(),
            endpoint_url: Some(self.endpoint.clone()),
        }
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn answers(port: u16) -> bool {
    let Ok(mut stream) =
        TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_millis(500))
    else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    if stream
        .write_all(b"GET /moto-api/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).is_ok() && head.starts_with(b"HTTP/1.")
}

/// The checkout.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

/// A current-thread tokio runtime.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Sets the environment variables of the dummy credentials for a process
/// and isolates it from the user's AWS files.
pub fn aws_env(command: &mut Command, moto: &Moto) {
    command
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_SESSION_TOKEN", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ENDPOINT_URL", &moto.endpoint)
        .env("AWS_CONFIG_FILE", "/nonexistent/aws-config")
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/aws-credentials",
        )
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_DEFAULT_REGION")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_DEFAULT_PROFILE");
}

/// The target dir that every test's nested cargo builds share.
pub fn tests_target_dir() -> PathBuf {
    repo_root().join("target/chalice-tests")
}

/// `command.shared_build()` makes a command (a `cargo-chalice` that builds, or
/// a `cargo build`/`cargo test` of an app) build as every other build of the
/// tests does, so
/// that each target has one dependency build, in [`tests_target_dir`]:
///
/// - host builds: the dev profile with `cargo chalice local`'s dependency
///   settings but unoptimised dependencies (cargo-chalice passes its
///   settings and [`lambda_cargo`] appends the overrides; a direct cargo
///   command adds [`dependency_profile_args`]) and no debug info: the tests
///   check behaviour, and optimising the AWS SDK took most of a run; an example built
///   inside the workspace (whose root Cargo.toml builds dependencies without
///   debug info) and a copy or new project outside it build the same
///   dependencies;
/// - Lambda builds: `cargo build` runs through [`lambda_cargo`], which keeps
///   cargo-chalice's release profile (static musl, stripped, unwinding) but
///   unoptimised, without fat LTO and with 16 codegen units: no test
///   measures an artifact's size or speed, and optimising (LTO over one
///   codegen unit above all) is most of a Lambda build's time.
pub trait SharedBuild {
    /// Sets the environment described at [`SharedBuild`].
    fn shared_build(&mut self) -> &mut Self;
}

impl SharedBuild for Command {
    fn shared_build(&mut self) -> &mut Self {
        self.env("CARGO_TARGET_DIR", tests_target_dir())
            .env("CARGO_PROFILE_DEV_DEBUG", "false")
            .env("CARGO", lambda_cargo())
            .env(REAL_CARGO, real_cargo())
    }
}

/// The tests' host builds: `cargo chalice local`'s settings with the
/// dependencies left unoptimised, as [`lambda_cargo`] makes cargo-chalice's
/// own host builds (the same profile, so one dependency build serves both).
const TEST_HOST_OVERRIDES: &[&str] = &[
    "profile.dev.package.\"*\".opt-level=0",
    "profile.dev.package.chalice-rs-runtime.opt-level=0",
];

/// `--config` arguments giving a direct cargo command the dependency
/// settings of the host builds that cargo-chalice starts in the tests.
pub fn dependency_profile_args() -> Vec<String> {
    cargo_chalice::project::HOST_PROFILE
        .iter()
        .chain(TEST_HOST_OVERRIDES)
        .flat_map(|setting| ["--config".to_owned(), (*setting).to_owned()])
        .collect()
}

/// The environment variable naming the cargo that [`lambda_cargo`] runs
/// (its script spells it out).
const REAL_CARGO: &str = "CHALICE_TESTS_REAL_CARGO";

/// The cargo that ran the tests (`$CARGO`), else `cargo` from PATH.
fn real_cargo() -> std::ffi::OsString {
    std::env::var_os(REAL_CARGO)
        .or_else(|| std::env::var_os("CARGO"))
        .unwrap_or_else(|| "cargo".into())
}

/// The script of [`lambda_cargo`].
const LAMBDA_CARGO: &str = r#"#!/bin/sh
# Written by cargo-chalice's tests (tests/common/mod.rs): cargo, with lighter
# profiles than cargo-chalice's: Lambda builds unoptimised and without LTO,
# host builds with unoptimised dependencies (the tests check behaviour, not
# speed or size).
if [ "$1" = build ] || [ "$1" = zigbuild ]; then
  case " $* " in
    *" --release "*)
      exec "$CHALICE_TESTS_REAL_CARGO" "$@" --config 'profile.release.lto="off"' --config profile.release.codegen-units=16 --config profile.release.opt-level=0 ;;
    *)
      exec "$CHALICE_TESTS_REAL_CARGO" "$@" --config 'profile.dev.package."*".opt-level=0' --config 'profile.dev.package.chalice-rs-runtime.opt-level=0' ;;
  esac
fi
exec "$CHALICE_TESTS_REAL_CARGO" "$@"
"#;

/// A cargo for cargo-chalice (which runs `$CARGO`): `cargo build` gets
/// `--config` settings after cargo-chalice's own, which they override (the
/// last `--config` of a key wins; the environment's `CARGO_PROFILE_*` would
/// not, as `--config` comes first): no optimisation, no LTO and 16 codegen
/// units in the release profile. Everything else runs unchanged. Written once per run.
pub fn lambda_cargo() -> PathBuf {
    static PATH: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    PATH.get_or_init(|| {
        let dir = tests_target_dir();
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("lambda-cargo.sh");
        let temporary = dir.join(format!("lambda-cargo.sh.{}", std::process::id()));
        std::fs::write(&temporary, LAMBDA_CARGO).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&temporary, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        std::fs::rename(&temporary, &path).unwrap();
        path
    })
    .clone()
}

/// Makes `to` hold the files of `from` (recursively), writing only those that differ.
pub fn sync_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            sync_dir(&entry.path(), &target);
        } else {
            sync_file(&std::fs::read(entry.path()).unwrap(), &target);
        }
    }
}

/// Writes `bytes` to `path` unless it holds them already (keeping its mtime for cargo).
pub fn sync_file(bytes: &[u8], path: &Path) {
    if std::fs::read(path).ok().as_deref() != Some(bytes) {
        std::fs::write(path, bytes).unwrap();
    }
}

/// The `cfn-lint` program.
pub fn cfn_lint() -> PathBuf {
    venv_tool("cfn-lint")
}

/// Runs cfn-lint on `templates`; fails on any error (warnings are printed).
pub fn lint(templates: &[&Path]) {
    assert!(!templates.is_empty());
    let output = Command::new(cfn_lint())
        .args(["--format", "parseable", "--"])
        .args(templates)
        .stdin(Stdio::null())
        .output()
        .expect("run cfn-lint");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let code = output.status.code().unwrap_or(-1);
    // cfn-lint's exit code: 2 = errors, 4 = warnings, 8 = informational.
    assert!(
        code >= 0 && code & !(4 | 8) == 0,
        "cfn-lint found errors (exit {code}) in {templates:?}:\n{text}"
    );
    if !text.trim().is_empty() {
        eprintln!("cfn-lint notes:\n{text}");
    }
}

/// A running `cargo chalice local`: its output is collected into a log, the
/// address is read off the banner; dropping it sends SIGINT (as Ctrl-C does,
/// so it stops its own instances) and waits, then kills.
pub struct LocalServer {
    child: Child,
    /// `127.0.0.1:<port>`, from the banner's `serving on http://...`.
    pub address: String,
    log: std::sync::Arc<std::sync::Mutex<String>>,
    /// When each line was read, with the line.
    timed: TimedLines,
}

/// The lines of a server's output with the moment each was read.
type TimedLines = std::sync::Arc<std::sync::Mutex<Vec<(Instant, String)>>>;

impl LocalServer {
    /// Starts `command` (a `cargo-chalice local ...`) and waits until the
    /// banner shows the address, for `limit` at most (the first start builds
    /// the app). Panics with the output if it exits or does not start.
    pub fn start(command: &mut Command, limit: Duration) -> Self {
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start cargo chalice local");
        let log = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let timed = TimedLines::default();
        let (address_tx, address_rx) = std::sync::mpsc::channel();
        collect_lines(
            child.stdout.take().expect("stdout"),
            &log,
            &timed,
            Some(address_tx),
        );
        collect_lines(child.stderr.take().expect("stderr"), &log, &timed, None);
        let deadline = Instant::now() + limit;
        let address = loop {
            if let Ok(address) = address_rx.recv_timeout(Duration::from_millis(200)) {
                break address;
            }
            let exited = child.try_wait().ok().flatten();
            if exited.is_some() || Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "cargo chalice local did not start ({}):\n{}",
                    exited.map_or("no banner in time".to_owned(), |s| format!(
                        "exited with {s}"
                    )),
                    log.lock().unwrap()
                );
            }
        };
        Self {
            child,
            address,
            log,
            timed,
        }
    }

    /// When the first line containing `needle` read after `since` was read.
    pub fn line_read_at(&self, since: Instant, needle: &str) -> Option<Instant> {
        self.timed
            .lock()
            .unwrap()
            .iter()
            .find(|(at, line)| *at >= since && line.contains(needle))
            .map(|(at, _)| *at)
    }

    /// `http://<address><path>`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// The output so far (stdout and stderr, line by line).
    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// Waits (20 s at most) until the log satisfies `check`; the log is read
    /// from a pipe, so a line may land just after the answer it describes.
    pub fn log_until(&self, what: &str, check: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let log = self.log();
            if check(&log) {
                return log;
            }
            assert!(Instant::now() < deadline, "{what}; the log:\n{log}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends SIGINT, as Ctrl-C does, and waits (20 s at most) for the exit;
    /// `None` when it had to be killed.
    pub fn stop(&mut self) -> Option<std::process::ExitStatus> {
        let _ = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        None
    }
}

impl Drop for LocalServer {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            self.stop();
        }
        if std::thread::panicking() {
            eprintln!("--- cargo chalice local output ---\n{}", self.log());
        }
    }
}

/// Appends the lines of `stream` to `log` on a thread; sends the banner's
/// address to `address` when given.
fn collect_lines(
    stream: impl Read + Send + 'static,
    log: &std::sync::Arc<std::sync::Mutex<String>>,
    timed: &TimedLines,
    address: Option<std::sync::mpsc::Sender<String>>,
) {
    use std::io::BufRead as _;
    let log = log.clone();
    let timed = timed.clone();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stream).lines() {
            let Ok(line) = line else { break };
            if let (Some(address), Some(rest)) = (&address, line.split("serving on http://").nth(1))
            {
                let _ = address.send(rest.split('/').next().unwrap_or_default().to_owned());
            }
            let mut log = log.lock().unwrap();
            log.push_str(&line);
            log.push('\n');
            drop(log);
            timed.lock().unwrap().push((Instant::now(), line));
        }
    });
}

/// One HTTP/1.1 request on loopback with `Connection: close` (60 s at most): the status and the body.
pub fn http(
    address: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String) {
    let mut stream = TcpStream::connect(address).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .expect("timeout");
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).expect("send");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).expect("read");
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {answer:?}"));
    let chunked = head.lines().any(|line| {
        line.to_ascii_lowercase().starts_with("transfer-encoding:") && line.contains("chunked")
    });
    let body = if chunked {
        dechunk(body)
    } else {
        body.to_owned()
    };
    (status, body)
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if size == 0 || rest.len() < size {
            break;
        }
        out.push_str(&rest[..size]);
        body = rest[size..].trim_start_matches("\r\n");
    }
    out
}

/// `examples/<name>` built for this machine (see [`example_host_build`]),
/// once per test run: the binary and its manifest.
pub fn example_build(name: &str) -> (PathBuf, chalice_rs_runtime::manifest::Manifest) {
    type Builds =
        std::collections::BTreeMap<String, (PathBuf, chalice_rs_runtime::manifest::Manifest)>;
    static BUILDS: std::sync::Mutex<Builds> = std::sync::Mutex::new(Builds::new());
    let mut builds = BUILDS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    builds
        .entry(name.to_owned())
        .or_insert_with(|| example_host_build(name))
        .clone()
}

/// The package of `examples/<name>`'s `dev` stage in `out`, written by
/// `package::write_package` (the part of `cargo chalice package` after the
/// Lambda build) from [`example_build`]: the Lambda build of an app using the
/// AWS SDK needs a C cross toolchain for arm64 that the tests do not install.
pub fn package_example(
    name: &str,
    out: &Path,
    format: cargo_chalice::package::TemplateFormat,
) -> cargo_chalice::package::PackageOutput {
    package_example_stage(name, "dev", out, format)
}

/// [`package_example`] of the stage `stage`.
pub fn package_example_stage(
    name: &str,
    stage: &str,
    out: &Path,
    format: cargo_chalice::package::TemplateFormat,
) -> cargo_chalice::package::PackageOutput {
    let (binary, manifest) = example_build(name);
    let config = cargo_chalice::config::load(&repo_root().join("examples").join(name), stage, name)
        .expect("config");
    cargo_chalice::package::write_package(
        &binary,
        manifest,
        config,
        cargo_chalice::artifact::Arch::X86_64,
        out,
        format,
    )
    .expect("package")
}

/// The `cargo` arguments that build `project_dir` for its host target
/// (`host_target`): `--target` and the linker for the musl target, none for
/// the native one. A `cargo test` given them shares the dependencies of the
/// host builds `cargo chalice local` makes.
pub fn host_target_args(project_dir: &Path) -> Vec<String> {
    let project = cargo_chalice::project::Project::discover(project_dir).expect("a Cargo project");
    let target = cargo_chalice::host_target::choose(&project);
    let mut args = Vec::new();
    if let Some(triple) = target.triple() {
        args.extend(["--target".to_owned(), triple.to_owned()]);
    }
    for setting in target.cargo_settings() {
        args.extend(["--config".to_owned(), setting]);
    }
    args
}

/// The executable `bin` of a host build for `target` in `target_dir`.
pub fn host_binary(
    target_dir: &Path,
    target: &cargo_chalice::host_target::HostTarget,
    bin: &str,
) -> PathBuf {
    let mut binary = target_dir.to_owned();
    binary.extend(target.triple());
    binary.join("debug").join(bin)
}

/// Builds `examples/<name>` as `cargo chalice local` builds it (the host
/// build, for Lambda's libc when it can be: `host_target`) with the tests'
/// shared build settings (its dependencies shared with every other host
/// build of the tests) and reads its manifest from `bootstrap --manifest`:
/// the binary and the manifest.
fn example_host_build(name: &str) -> (PathBuf, chalice_rs_runtime::manifest::Manifest) {
    use cargo_chalice::host_target;
    let project =
        cargo_chalice::project::Project::discover(&repo_root().join("examples").join(name))
            .expect("the example's Cargo project");
    let target = host_target::choose(&project);
    let status = host_target::build_command(&project, &target)
        .arg("--locked")
        .args(dependency_profile_args())
        .shared_build()
        .env("CARGO_TERM_COLOR", "never")
        .status()
        .expect("run cargo build");
    assert!(status.success(), "cargo build of examples/{name} failed");
    let binary = host_binary(&tests_target_dir(), &target, name);
    let output = Command::new(&binary)
        .arg("--manifest")
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("run {name} --manifest: {e}"));
    assert!(output.status.success(), "{name} --manifest failed");
    let manifest = serde_json::from_slice(&output.stdout).expect("a manifest");
    (binary, manifest)
}

/// Writes `messages` (timestamps now, in order) to a new stream of `log_group`.
pub async fn put_log_events(
    config: &aws_config::SdkConfig,
    log_group: &str,
    stream: &str,
    messages: &[&str],
) {
    let logs = aws_sdk_cloudwatchlogs::Client::new(config);
    let _ = logs
        .create_log_group()
        .log_group_name(log_group)
        .send()
        .await;
    logs.create_log_stream()
        .log_group_name(log_group)
        .log_stream_name(stream)
        .send()
        .await
        .unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let events = messages.iter().enumerate().map(|(i, m)| {
        aws_sdk_cloudwatchlogs::types::InputLogEvent::builder()
            .timestamp(now - 1000 + i as i64)
            .message(*m)
            .build()
            .unwrap()
    });
    logs.put_log_events()
        .log_group_name(log_group)
        .log_stream_name(stream)
        .set_log_events(Some(events.collect()))
        .send()
        .await
        .unwrap();
}

/// Debian's Chromium (`/usr/bin/chromium`), once installed: scripts/test-env.sh
/// installs it in the background while the workspace builds, into the log
/// `$CHALICE_TEST_CHROMIUM_INSTALL`, which ends with `exit <status>`; this
/// waits for that line (at most 10 minutes) and fails with the log if the
/// install failed.
pub fn chromium() -> PathBuf {
    let chromium = PathBuf::from("/usr/bin/chromium");
    if let Some(log) = std::env::var_os("CHALICE_TEST_CHROMIUM_INSTALL").filter(|l| !l.is_empty()) {
        let deadline = Instant::now() + Duration::from_secs(600);
        loop {
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            if let Some(status) = text.lines().rev().find_map(|l| l.strip_prefix("exit ")) {
                assert_eq!(
                    status.trim(),
                    "0",
                    "apt-get install chromium failed:\n{text}"
                );
                break;
            }
            assert!(
                Instant::now() < deadline,
                "apt-get install chromium has not finished in 10 minutes:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(500));
        }
    }
    assert!(
        chromium.is_file(),
        "{} is missing: run scripts/test.sh (it installs Debian's chromium)",
        chromium.display()
    );
    chromium
}

/// The test venv's Python (`$CHALICE_TEST_VENV` or `<repo>/.venv`), which
/// has the packages the tests import (Playwright); panics with "run
/// scripts/test.sh" when absent.
pub fn venv_python() -> PathBuf {
    std::env::var_os("CHALICE_TEST_VENV")
        .map(PathBuf::from)
        .into_iter()
        .chain([repo_root().join(".venv")])
        .map(|venv| venv.join("bin/python3"))
        .find(|python| python.is_file())
        .unwrap_or_else(|| {
            panic!("no Python venv in $CHALICE_TEST_VENV or .venv: run scripts/test.sh")
        })
}

/// A package in `out` as `package` writes one (`template` as
/// template.json, `zip` as deployment.zip) and what `deploy` takes of it:
/// `app_name`'s stage `stage`, API stage `api`, the account's deployment
/// bucket, no bucket outside the stack to wire.
pub fn write_package(
    out: &Path,
    app_name: &str,
    stage: &str,
    template: &[u8],
    zip: &[u8],
) -> cargo_chalice::deploy::Packaged {
    std::fs::create_dir_all(out).unwrap();
    let template_path = out.join("template.json");
    std::fs::write(&template_path, template).unwrap();
    let zip_path = out.join("deployment.zip");
    std::fs::write(&zip_path, zip).unwrap();
    cargo_chalice::deploy::Packaged {
        app_name: app_name.to_owned(),
        stage: stage.to_owned(),
        api_gateway_stage: "api".to_owned(),
        deployment_bucket: None,
        template_path,
        zip_path,
        zip_sha256: cargo_chalice::deploy::bucket::sha256_hex(zip),
        bucket_notifications: Vec::new(),
    }
}

/// The JSON template at `path`.
pub fn read_template(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).expect("read the template"))
        .expect("a JSON template")
}

/// The resources of `template` whose `Type` is `kind`, with their logical IDs.
pub fn resources_of_type<'a>(
    template: &'a serde_json::Value,
    kind: &str,
) -> Vec<(&'a String, &'a serde_json::Value)> {
    template["Resources"]
        .as_object()
        .expect("resources")
        .iter()
        .filter(|(_, r)| r["Type"] == kind)
        .collect()
}

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
fn venv_tool(name: &str) -> PathBuf {
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

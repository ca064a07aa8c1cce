//! `cargo chalice local` end to end: the real binary serving examples/hello
//! (or a temporary copy of it) on a free loopback port, driven over HTTP.

use crate::common;

use bytes::Bytes;
use common::{repo_root, LocalServer, SharedBuild as _};
use http_body_util::{BodyExt as _, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_cargo-chalice");

/// The first build of a fresh copy compiles the app's dependencies.
pub(crate) const START_TIMEOUT: Duration = Duration::from_secs(900);

pub(crate) fn hello_dir() -> PathBuf {
    repo_root().join("examples/hello")
}

/// A copy of examples/hello named `name`, building into a target dir shared
/// by the test copies, with `config` as its .chalice/config.json.
pub(crate) struct Copy {
    dir: tempfile::TempDir,
}

impl Copy {
    pub(crate) fn new(name: &str, config: &str) -> Self {
        let dir = tempfile::Builder::new()
            .prefix("chalice-local-test-")
            .tempdir()
            .unwrap();
        let root = repo_root();
        let manifest = std::fs::read_to_string(hello_dir().join("Cargo.toml")).unwrap();
        let runtime = root.join("chalice-rs-runtime");
        let manifest = manifest
            .replace("name = \"hello\"", &format!("name = \"{name}\""))
            .replace(
                "\"../../chalice-rs-runtime\"",
                &format!("{:?}", runtime.display().to_string()),
            )
            + "\n[workspace]\n";
        assert!(
            manifest.contains(&runtime.display().to_string()),
            "{manifest}"
        );
        std::fs::write(dir.path().join("Cargo.toml"), manifest).unwrap();
        std::fs::copy(root.join("Cargo.lock"), dir.path().join("Cargo.lock")).unwrap();
        std::fs::create_dir_all(dir.path().join("src")).unwrap();
        std::fs::copy(
            hello_dir().join("src/main.rs"),
            dir.path().join("src/main.rs"),
        )
        .unwrap();
        std::fs::create_dir_all(dir.path().join(".chalice")).unwrap();
        std::fs::write(dir.path().join(".chalice/config.json"), config).unwrap();
        Self { dir }
    }

    pub(crate) fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `chalice-tests` in the target dir this test was built in: the one
    /// target dir that every test's nested cargo builds share.
    pub(crate) fn target_dir() -> PathBuf {
        let bin = Path::new(BIN);
        let target = bin.parent().and_then(Path::parent).unwrap_or(bin);
        target.join("chalice-tests")
    }
}

/// The command of `cargo chalice local` on `dir` with `extra` arguments,
/// building into `target_dir` when given.
pub(crate) fn local_command(dir: &Path, extra: &[&str], target_dir: Option<&Path>) -> Command {
    let mut command = Command::new(BIN);
    command
        .args(["local", "--port", "0", "--project-dir"])
        .arg(dir)
        .args(extra)
        .shared_build();
    if let Some(target_dir) = target_dir {
        command.env("CARGO_TARGET_DIR", target_dir);
    }
    command
}

/// Starts `cargo chalice local` on `dir` with `extra` arguments, building
/// into `target_dir` when given.
pub(crate) fn serve(dir: &Path, extra: &[&str], target_dir: Option<&Path>) -> LocalServer {
    LocalServer::start(&mut local_command(dir, extra, target_dir), START_TIMEOUT)
}

/// `cargo chalice local` on examples/hello.
fn serve_hello() -> LocalServer {
    serve(&hello_dir(), &[], None)
}

/// One HTTP answer.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) headers: http::HeaderMap,
    pub(crate) body: Bytes,
}

impl Answer {
    pub(crate) fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", String::from_utf8_lossy(&self.body)))
    }

    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub(crate) fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_else(|| panic!("no header {name} in {:?}", self.headers))
    }
}

pub(crate) type HttpClient =
    Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>;

pub(crate) fn client() -> HttpClient {
    Client::builder(TokioExecutor::new()).build_http()
}

pub(crate) async fn send(
    client: &HttpClient,
    method: &str,
    url: &str,
    content_type: Option<&str>,
    body: impl Into<Bytes>,
) -> Result<Answer, String> {
    let mut request = http::Request::builder().method(method).uri(url);
    if let Some(content_type) = content_type {
        request = request.header("content-type", content_type);
    }
    let request = request
        .body(Full::new(body.into()))
        .map_err(|e| e.to_string())?;
    let response = tokio::time::timeout(Duration::from_secs(60), client.request(request))
        .await
        .map_err(|_| format!("{method} {url}: no answer in 60 s"))?
        .map_err(|e| format!("{method} {url}: {e}"))?;
    let (parts, body) = response.into_parts();
    let body = body.collect().await.map_err(|e| e.to_string())?.to_bytes();
    Ok(Answer {
        status: parts.status.as_u16(),
        headers: parts.headers,
        body,
    })
}

pub(crate) async fn get(client: &HttpClient, url: &str) -> Answer {
    send(client, "GET", url, None, Bytes::new()).await.unwrap()
}

pub(crate) fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

pub(crate) fn assert_gateway_error(answer: &Answer, status: u16, error_type: &str, body: Value) {
    assert_eq!(answer.status, status, "{}", answer.text());
    assert_eq!(answer.header("x-amzn-errortype"), error_type);
    assert_eq!(answer.json(), body);
}

#[test]
fn serves_the_routes_of_examples_hello() {
    let server = serve_hello();
    assert!(
        server.log().contains("/items/{id}"),
        "the banner lists the routes:\n{}",
        server.log()
    );
    block_on(async {
        let c = client();
        let index = get(&c, &server.url("/")).await;
        assert_eq!(index.status, 200);
        // GREETING comes from the stage's environment_variables.
        assert_eq!(index.json(), json!({"hello": "world"}));
        assert!(!index.header("x-amzn-requestid").is_empty());

        let created = send(
            &c,
            "POST",
            &server.url("/items"),
            Some("application/json"),
            r#"{"name": "pen", "price": 120}"#,
        )
        .await
        .unwrap();
        assert_eq!(created.status, 201, "{}", created.text());
        let id = created.json()["id"].as_u64().unwrap();
        let item = get(&c, &server.url(&format!("/items/{id}"))).await;
        assert_eq!(item.status, 200);
        assert_eq!(item.json(), json!({"name": "pen", "price": 120}));
        let missing = get(&c, &server.url("/items/999")).await;
        assert_eq!(missing.status, 404);
        assert_eq!(missing.json()["Code"], "NotFoundError");

        let search = get(&c, &server.url("/search?tag=a&tag=b&q=x%20y")).await;
        assert_eq!(search.json(), json!({"tags": ["a", "b"], "q": "x y"}));
        // The query decoded as API Gateway decodes it: `+` is a space, `%2B` a
        // plus, a name without `=` is "".
        let search = get(&c, &server.url("/search?tag=a+b&tag=c%2Bd&tag&q=")).await;
        assert_eq!(search.json(), json!({"tags": ["a b", "c+d", ""], "q": ""}));

        let file = get(&c, &server.url("/files/docs/a%20b.txt")).await;
        assert_eq!(file.text(), "file: docs/a b.txt");
        assert_eq!(file.header("content-type"), "text/plain");
        // Typed path parameters decoded once from the event's raw value, `%2F` included.
        let file = get(&c, &server.url("/files/Le%20Guin%2Fbooks/caf%C3%A9.txt")).await;
        assert_eq!(file.text(), "file: Le Guin/books/café.txt");
        let missing = get(&c, &server.url("/items/%39%39%39")).await;
        assert_eq!(missing.json()["Message"], "no item 999");
        let bad = get(&c, &server.url("/files/a%zz")).await;
        assert_eq!(bad.status, 400, "{}", bad.text());
        assert_eq!(
            bad.json()["Message"],
            "invalid value `a%zz` for path parameter `path`: `%zz` at byte 1 is not a percent-escape (`%` and two hex digits)"
        );

        let echo = send(
            &c,
            "POST",
            &server.url("/echo"),
            Some("text/plain"),
            "hi there",
        )
        .await
        .unwrap();
        assert_eq!(echo.status, 200);
        assert_eq!(echo.text(), "hi there");
        assert_eq!(echo.headers.get_all("set-cookie").iter().count(), 2);

        let teapot = get(&c, &server.url("/teapot")).await;
        assert_eq!(teapot.status, 409);
        assert_eq!(teapot.json()["Code"], "ConflictError");
    });
    server.log_until("one access-log line per request", |log| {
        log.contains("GET / 200 ")
            && log.contains("POST /items 201 ")
            && log
                .lines()
                .any(|l| l.starts_with("GET /items/999 404 ") && l.ends_with(" warm"))
    });
}

#[test]
fn unknown_path_or_method_is_missing_authentication_token() {
    let server = serve_hello();
    block_on(async {
        let c = client();
        let body = json!({"message": "Missing Authentication Token"});
        for (method, path) in [
            ("GET", "/nope"),
            ("DELETE", "/items"),
            ("PATCH", "/items/1"),
            ("GET", "/files"),
        ] {
            let answer = send(&c, method, &server.url(path), None, Bytes::new())
                .await
                .unwrap();
            assert_gateway_error(
                &answer,
                403,
                "MissingAuthenticationTokenException",
                body.clone(),
            );
        }
    });
}

#[test]
fn a_handler_outliving_the_timeout_answers_504() {
    let copy = Copy::new(
        "hello_timeout",
        r#"{"version": "2.0", "app_name": "hello", "stages": {"dev": {"lambda_timeout": 2}}}"#,
    );
    let server = serve(copy.path(), &["--no-autoreload"], Some(&Copy::target_dir()));
    block_on(async {
        let c = client();
        let quick = get(&c, &server.url("/sleep/10")).await;
        assert_eq!(quick.text(), "slept 10 ms");
        let answer = get(&c, &server.url("/sleep/5000")).await;
        assert_gateway_error(
            &answer,
            504,
            "InternalServerErrorException",
            json!({"message": "Endpoint request timed out"}),
        );
        let answer = get(&c, &server.url("/")).await;
        assert_eq!(answer.status, 200);
    });
    server.log_until("the timeout is reported", |log| {
        log.contains("outlived the timeout (2 s)")
    });
}

#[test]
fn binary_bodies_round_trip() {
    let server = serve_hello();
    block_on(async {
        let c = client();
        let image = get(&c, &server.url("/image")).await;
        assert_eq!(image.status, 200);
        assert_eq!(image.header("content-type"), "image/png");
        assert_eq!(
            &image.body[..],
            &[0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0xff, 0x00]
        );
        let bytes: Vec<u8> = (0..=255).collect();
        let upload = send(&c, "POST", &server.url("/upload"), Some("image/png"), bytes)
            .await
            .unwrap();
        assert_eq!(upload.status, 200, "{}", upload.text());
        assert_eq!(upload.json(), json!({"received": 256}));
    });
}

#[test]
fn answers_64_concurrent_requests() {
    let server = serve(&hello_dir(), &["--max-instances", "8"], None);
    block_on(async {
        let c = client();
        let mut tasks = Vec::new();
        for i in 0..64 {
            let c = c.clone();
            let url = server.url(&format!("/files/request-{i}"));
            tasks.push(tokio::spawn(async move {
                (i, send(&c, "GET", &url, None, Bytes::new()).await)
            }));
        }
        for task in tasks {
            let (i, answer) = task.await.unwrap();
            let answer = answer.unwrap();
            assert_eq!(answer.status, 200);
            assert_eq!(answer.text(), format!("file: request-{i}"));
        }
    });
    let log = server.log_until("64 access-log lines", |log| {
        log.lines()
            .filter(|l| l.starts_with("GET /files/request-"))
            .count()
            == 64
    });
    let cold = log
        .lines()
        .filter(|l| l.starts_with("GET /files/") && l.ends_with(" cold"))
        .count();
    // One instance was started before serving; at most 8 run at once.
    assert!(cold <= 7, "{cold} cold starts:\n{log}");
}

/// The processes whose parent is `pid`.
pub(crate) fn children_of(pid: u32) -> Vec<u32> {
    let mut children = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // pid (comm) state ppid ...
        let Some(after) = stat.rsplit_once(')').map(|(_, rest)| rest) else {
            continue;
        };
        let fields: Vec<&str> = after.split_whitespace().collect();
        if fields.get(1).and_then(|p| p.parse::<u32>().ok()) == Some(pid) {
            if let Ok(child) = entry.file_name().to_string_lossy().parse() {
                children.push(child);
            }
        }
    }
    children
}

/// Whether `pid` runs (a zombie does not).
pub(crate) fn is_alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
        Err(_) => false,
    }
}

/// Runs `command` to its end, killed after `limit`: (stderr, whether it exited).
fn run_bounded(command: &mut Command, limit: Duration) -> (String, bool) {
    let mut child = command
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let exited = loop {
        if child.try_wait().unwrap().is_some() {
            break true;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            break false;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let output = child.wait_with_output().unwrap();
    (String::from_utf8_lossy(&output.stderr).into_owned(), exited)
}

#[test]
fn local_and_routes_refuse_what_package_refuses_with_its_message() {
    // A PRIVATE API without a resource policy: API Gateway refuses it, so
    // package does; local used to serve it.
    let config =
        r#"{"version": "2.0", "app_name": "hello", "api_gateway_endpoint_type": "PRIVATE"}"#;
    let copy = Copy::new("hello_refused", config);
    let target = Copy::target_dir();
    let (local, exited) = run_bounded(
        Command::new(BIN)
            .args(["local", "--port", "0", "--no-autoreload", "--project-dir"])
            .arg(copy.path())
            .shared_build()
            .env("CARGO_TARGET_DIR", &target),
        START_TIMEOUT,
    );
    assert!(exited, "local served an app package refuses: {local}");
    let (routes, exited) = run_bounded(
        Command::new(BIN)
            .args(["routes", "--project-dir"])
            .arg(copy.path())
            .shared_build()
            .env("CARGO_TARGET_DIR", &target),
        START_TIMEOUT,
    );
    assert!(exited, "{routes}");
    // What package says after its build, from the same binary's manifest.
    let project = cargo_chalice::project::Project::discover(copy.path()).unwrap();
    let host_target = cargo_chalice::host_target::choose(&project);
    let binary = common::host_binary(&target, &host_target, "hello_refused");
    let manifest = cargo_chalice::build::manifest_of_runnable(&binary).unwrap();
    let stage = cargo_chalice::config::load(copy.path(), "dev", "hello_refused").unwrap();
    let out = tempfile::tempdir().unwrap();
    let package = cargo_chalice::package::write_package(
        &binary,
        manifest,
        stage,
        cargo_chalice::artifact::Arch::X86_64,
        out.path(),
        cargo_chalice::package::TemplateFormat::Json,
    )
    .expect_err("package refuses a PRIVATE API without a resource policy")
    .to_string();
    assert!(
        package.contains("PRIVATE but no `resource_policy`"),
        "{package}"
    );
    let said = format!("error: {package}");
    assert!(
        local.lines().any(|line| line == said),
        "local: {local}\npackage: {package}"
    );
    assert!(
        routes.lines().any(|line| line == said),
        "routes: {routes}\npackage: {package}"
    );
}

#[test]
fn reloads_on_change_without_failing_requests() {
    let copy = Copy::new("hello_reload", r#"{"version": "2.0", "app_name": "hello"}"#);
    let server = serve(copy.path(), &[], Some(&Copy::target_dir()));
    let main_rs = copy.path().join("src/main.rs");
    let source = std::fs::read_to_string(&main_rs).unwrap();
    assert!(source.contains("greeting: \"world\""));
    block_on(async {
        let c = client();
        assert_eq!(
            get(&c, &server.url("/")).await.json(),
            json!({"hello": "world"})
        );

        // 32 connections of load for 20 s at least, the edit in the middle.
        let load_started = Instant::now();
        let stop = Arc::new(AtomicBool::new(false));
        let ok = Arc::new(AtomicUsize::new(0));
        let failures = Arc::new(Mutex::new(Vec::new()));
        let first_new_answer = Arc::new(Mutex::new(None::<Instant>));
        let mut workers = Vec::new();
        for _ in 0..32 {
            let (c, stop, ok, failures, first_new_answer) = (
                c.clone(),
                stop.clone(),
                ok.clone(),
                failures.clone(),
                first_new_answer.clone(),
            );
            let url = server.url("/");
            workers.push(tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    match send(&c, "GET", &url, None, Bytes::new()).await {
                        Ok(answer) if answer.status == 200 => {
                            ok.fetch_add(1, Ordering::Relaxed);
                            if answer.text().contains("reloaded") {
                                first_new_answer
                                    .lock()
                                    .unwrap()
                                    .get_or_insert_with(Instant::now);
                            }
                        }
                        Ok(answer) => failures.lock().unwrap().push(format!(
                            "{} {}",
                            answer.status,
                            answer.text()
                        )),
                        Err(error) => failures.lock().unwrap().push(error),
                    }
                }
            }));
        }
        tokio::time::sleep(Duration::from_secs(2)).await;

        let reloaded = source.replace("greeting: \"world\"", "greeting: \"reloaded\"");
        let first_write = Instant::now();
        std::fs::write(&main_rs, &reloaded).unwrap();
        let mut written = Instant::now();
        let deadline = Instant::now() + START_TIMEOUT;
        let served = loop {
            if let Some(at) = *first_new_answer.lock().unwrap() {
                break at;
            }
            assert!(
                Instant::now() < deadline,
                "the change was not served:\n{}",
                server.log()
            );
            // cargo chalice local starts watching just after its banner, so on
            // a busy machine a change written at once can precede the watch:
            // unnoticed after 5 s, it is written again.
            if written.elapsed() > Duration::from_secs(5)
                && !server.log().contains("changed; rebuilding")
            {
                std::fs::write(&main_rs, &reloaded).unwrap();
                written = Instant::now();
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        // From cargo's `Finished` (the build is done) to the new answer:
        // reading the manifest, starting an instance, the swap.
        let built = server
            .line_read_at(first_write, "Finished `dev` profile")
            .unwrap_or_else(|| panic!("no end of build in the log:\n{}", server.log()));
        let swap = served.saturating_duration_since(built);
        println!("reload under load: the new answer {swap:?} after the build finished");
        assert!(
            swap <= Duration::from_secs(1),
            "the new answer came {swap:?} after the build finished:\n{}",
            server.log()
        );
        // Keep the load on while the old instances drain.
        tokio::time::sleep(Duration::from_millis(300)).await;

        // A compile error keeps the last good build in service.
        std::fs::write(&main_rs, format!("{source}\nfn broken( {{\n")).unwrap();
        let deadline = Instant::now() + START_TIMEOUT;
        while !server.log().contains("still serving the last good build") {
            assert!(
                Instant::now() < deadline,
                "no build failure reported:\n{}",
                server.log()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(
            server.log().contains("error: could not compile"),
            "cargo's errors are shown:\n{}",
            server.log()
        );
        assert_eq!(
            get(&c, &server.url("/")).await.json(),
            json!({"hello": "reloaded"})
        );

        tokio::time::sleep_until((load_started + Duration::from_secs(20)).into()).await;
        stop.store(true, Ordering::Relaxed);
        for worker in workers {
            worker.await.unwrap();
        }
        let failures = failures.lock().unwrap();
        assert!(
            failures.is_empty(),
            "requests failed during the reload: {failures:?}"
        );
        assert!(
            ok.load(Ordering::Relaxed) > 10,
            "too few requests ran during the reload"
        );
    });
    server.log_until("the reload is reported", |log| {
        log.contains("src/main.rs changed; rebuilding") && log.contains("reloaded in")
    });
}

fn auth_dir() -> PathBuf {
    repo_root().join("examples/auth")
}

/// A request with headers, answered (bounded) by the server.
async fn call(client: &HttpClient, method: &str, url: &str, headers: &[(&str, &str)]) -> Answer {
    call_with_body(client, method, url, headers, "").await
}

/// [`call`] with a body.
async fn call_with_body(
    client: &HttpClient,
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Answer {
    let mut request = http::Request::builder().method(method).uri(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let request = request
        .body(Full::new(Bytes::from(body.to_owned())))
        .unwrap();
    let response = tokio::time::timeout(Duration::from_secs(60), client.request(request))
        .await
        .unwrap_or_else(|_| panic!("{method} {url}: no answer in 60 s"))
        .unwrap_or_else(|e| panic!("{method} {url}: {e}"));
    let (parts, body) = response.into_parts();
    Answer {
        status: parts.status.as_u16(),
        headers: parts.headers,
        body: body.collect().await.unwrap().to_bytes(),
    }
}

/// An unsigned JWT with `claims` (the local Cognito authorizer does not
/// check signatures).
fn jwt(claims: Value) -> String {
    use base64::Engine as _;
    let encode = |v: Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    format!(
        "{}.{}.c2ln",
        encode(json!({"alg": "RS256", "kid": "test"})),
        encode(claims)
    )
}

#[test]
fn examples_auth_enforces_authorizers_api_keys_and_cors() {
    let server = serve(&auth_dir(), &["--no-autoreload"], None);
    let banner = server.log();
    assert!(banner.contains("[authorizer bearer]"), "{banner}");
    assert!(
        banner.contains("API keys accepted in x-api-key: auth-reports"),
        "{banner}"
    );
    block_on(async {
        let c = client();
        let open = call(&c, "GET", &server.url("/"), &[]).await;
        assert_eq!(open.json(), json!({"hello": "anyone"}));

        // TOKEN authorizer: no token → 401, restyled by gateway_responses.UNAUTHORIZED.
        let missing = call(&c, "GET", &server.url("/me"), &[]).await;
        assert_eq!(missing.status, 401);
        assert_eq!(missing.header("x-amzn-errortype"), "UnauthorizedException");
        assert_eq!(missing.header("www-authenticate"), "Bearer");
        assert_eq!(
            missing.json(),
            json!({"message": "Unauthorized", "hint": "send Authorization: allow-<name>"})
        );
        let me = |token: &'static str| {
            let url = server.url("/me");
            let c = &c;
            async move { call(c, "GET", &url, &[("authorization", token)]).await }
        };
        let first = me("allow-ann").await;
        assert_eq!(first.status, 200, "{}", first.text());
        assert_eq!(first.json()["principal"], "ann");
        assert_eq!(first.json()["name"], "ann");
        let decision = first.json()["decision"].as_u64().expect("decision number");
        // The same token within the TTL: the cached decision, the authorizer not called.
        let cached = me("allow-ann").await;
        assert_eq!(cached.json()["decision"], decision);
        // A token failing the validation expression is 401 without a call.
        assert_eq!(me("Bearer x").await.status, 401);
        let other = me("allow-bob").await;
        assert_eq!(other.json()["name"], "bob");
        assert_eq!(other.json()["decision"], decision + 1);
        assert_gateway_error(
            &me("deny").await,
            403,
            "AccessDeniedException",
            json!({"message": "User is not authorized to access this resource with an explicit deny"}),
        );

        // REQUEST authorizer: every identity source present, policy per path.
        let tenant = |path: &str| {
            let url = server.url(path);
            let c = &c;
            async move { call(c, "GET", &url, &[("x-tenant", "acme")]).await }
        };
        let report = tenant("/tenants/acme/report?team=blue").await;
        assert_eq!(report.status, 200, "{}", report.text());
        assert_eq!(report.json(), json!({"tenant": "acme", "team": "blue"}));
        assert_eq!(tenant("/tenants/acme/report").await.status, 401);
        assert_gateway_error(
            &tenant("/tenants/other/report?team=blue").await,
            403,
            "AccessDeniedException",
            json!({"message": "User is not authorized to access this resource"}),
        );

        // API key, then the body against the request model.
        let reports = |key: Option<&'static str>, body: &'static str| {
            let mut headers = vec![("content-type", "application/json")];
            headers.extend(key.map(|k| ("x-api-key", k)));
            let url = server.url("/reports");
            let c = &c;
            async move { call_with_body(c, "POST", &url, &headers, body).await }
        };
        let report = r#"{"title": "q3", "pages": 4}"#;
        let forbidden = json!({"message": "Forbidden"});
        assert_gateway_error(
            &reports(None, report).await,
            403,
            "ForbiddenException",
            forbidden.clone(),
        );
        assert_gateway_error(
            &reports(Some("nope"), report).await,
            403,
            "ForbiddenException",
            forbidden,
        );
        let created = reports(Some("auth-reports"), report).await;
        assert_eq!(created.status, 200, "{}", created.text());
        assert_eq!(created.json()["api_key_id"], "local-auth-reports");
        assert_eq!(created.json()["created"], "q3");
        for bad in [r#"{"pages": 4}"#, r#"{"title": 3}"#, "not json"] {
            assert_gateway_error(
                &reports(Some("auth-reports"), bad).await,
                400,
                "BadRequestException",
                json!({"message": "Invalid request body"}),
            );
        }

        // IAM: unsigned → Missing Authentication Token; signed → the access key reaches the handler.
        assert_gateway_error(
            &call(&c, "GET", &server.url("/admin"), &[]).await,
            403,
            "MissingAuthenticationTokenException",
            json!({"message": "Missing Authentication Token"}),
        );
        let signed = call(
            &c,
            "GET",
            &server.url("/admin"),
            &[
                (
                    "authorization",
                    "AWS4-HMAC-SHA256 Credential=AKIDLOCAL/20261126/us-east-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date, Signature=00",
                ),
                ("x-amz-date", "20261126T000000Z"),
            ],
        )
        .await;
        assert_eq!(
            signed.json(),
            json!({"admin": true, "access_key": "AKIDLOCAL"})
        );

        // Cognito: no token → 401; a current token of the pool → its claims.
        assert_eq!(
            call(&c, "GET", &server.url("/profile"), &[]).await.status,
            401
        );
        let iss = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Example";
        let token = jwt(json!({"iss": iss, "exp": 4_000_000_000_u64, "email": "ann@example.com"}));
        let profile = call(
            &c,
            "GET",
            &server.url("/profile"),
            &[("authorization", &token)],
        )
        .await;
        assert_eq!(profile.json(), json!({"email": "ann@example.com"}));
        let expired = jwt(json!({"iss": iss, "exp": 1, "email": "ann@example.com"}));
        let refused = call(
            &c,
            "GET",
            &server.url("/profile"),
            &[("authorization", &expired)],
        )
        .await;
        assert_eq!(refused.status, 401);

        // CORS: the preflight as the MOCK method answers, the headers on the handler's answer.
        let preflight = call(
            &c,
            "OPTIONS",
            &server.url("/cors"),
            &[
                ("origin", "https://app.example"),
                ("access-control-request-method", "GET"),
            ],
        )
        .await;
        assert_eq!(preflight.status, 200);
        assert_eq!(preflight.header("access-control-allow-origin"), "*");
        assert_eq!(
            preflight.header("access-control-allow-methods"),
            "GET,OPTIONS"
        );
        assert!(preflight
            .header("access-control-allow-headers")
            .contains("X-Api-Key"));
        let cors = call(&c, "GET", &server.url("/cors"), &[]).await;
        assert_eq!(cors.header("access-control-allow-origin"), "*");
        // No preflight where no route has CORS.
        assert_eq!(
            call(&c, "OPTIONS", &server.url("/me"), &[]).await.status,
            403
        );
    });
}

#[test]
fn examples_auth_stages_throttle_count_quotas_and_apply_the_resource_policy() {
    let limited = serve(
        &auth_dir(),
        &["--no-autoreload", "--stage", "limited"],
        None,
    );
    block_on(async {
        let c = client();
        // `GET /` allows a burst of 2, then refills at one per 100 s.
        for _ in 0..2 {
            assert_eq!(call(&c, "GET", &limited.url("/"), &[]).await.status, 200);
        }
        assert_gateway_error(
            &call(&c, "GET", &limited.url("/"), &[]).await,
            429,
            "TooManyRequestsException",
            json!({"message": "Too Many Requests"}),
        );
        // The usage plan's quota: two requests a day per key.
        let key = [
            ("x-api-key", "auth-reports"),
            ("content-type", "application/json"),
        ];
        let report = r#"{"title": "q3"}"#;
        for _ in 0..2 {
            let created = call_with_body(&c, "POST", &limited.url("/reports"), &key, report).await;
            assert_eq!(created.status, 200, "{}", created.text());
        }
        assert_gateway_error(
            &call_with_body(&c, "POST", &limited.url("/reports"), &key, report).await,
            429,
            "LimitExceededException",
            json!({"message": "Limit Exceeded"}),
        );
    });
    drop(limited);

    // `browser` gives every route without its own `cors` the stage's CORS.
    let browser = serve(
        &auth_dir(),
        &["--no-autoreload", "--stage", "browser"],
        None,
    );
    block_on(async {
        let c = client();
        let preflight = call(&c, "OPTIONS", &browser.url("/me"), &[]).await;
        assert_eq!(preflight.status, 200, "{}", preflight.text());
        assert_eq!(
            preflight.header("access-control-allow-origin"),
            "https://app.example"
        );
        assert_eq!(preflight.header("access-control-max-age"), "600");
        let open = call(&c, "GET", &browser.url("/"), &[]).await;
        assert_eq!(
            open.header("access-control-allow-origin"),
            "https://app.example"
        );
        // A route's own `cors` wins.
        let own = call(&c, "GET", &browser.url("/cors"), &[]).await;
        assert_eq!(own.header("access-control-allow-origin"), "*");
    });
    drop(browser);

    // `office` allows 203.0.113.0/24 only: a loopback caller is refused.
    let office = serve(&auth_dir(), &["--no-autoreload", "--stage", "office"], None);
    block_on(async {
        let refused = call(&client(), "GET", &office.url("/"), &[]).await;
        assert_eq!(refused.status, 403, "{}", refused.text());
        assert_eq!(refused.header("x-amzn-errortype"), "AccessDeniedException");
        let message = refused.json()["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(
            message.starts_with("User: anonymous is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:")
                && message.ends_with("/api/GET/"),
            "{message}"
        );
    });
}

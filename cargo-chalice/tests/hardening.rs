//! Bad input and faults against `cargo chalice local` on examples/hello, all
//! on one server (each start costs the run time): malformed bodies and
//! content types, a path parameter that does not parse, bytes that are not
//! UTF-8, API Gateway's size limits, then panics and crashes under
//! concurrent load, and Ctrl-C with invocations running.
//!
//! What a deployed API answers is in `chalice_rs_runtime::gateway_limits`
//! (the front door's limits) and `docs/guide/local.md`.

use crate::common::LocalServer;
use crate::local::{
    assert_gateway_error, block_on, children_of, client, get, hello_dir, is_alive, local_command,
    send, Answer, HttpClient, START_TIMEOUT,
};

use bytes::Bytes;
use serde_json::{json, Value};
use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The instances `local` may run at once, and the load's concurrency.
const CONCURRENCY: usize = 8;

/// API Gateway's limit on the request line, and on the header lines together.
const HEAD_LIMIT: usize = 10_240;

/// API Gateway's limit on a body.
const BODY_LIMIT: usize = 10_485_760;

#[test]
fn bad_input_and_faults_are_answered_as_deployed_and_leave_no_process() {
    let started = Instant::now();
    let mut command = local_command(
        &hello_dir(),
        &[
            "--no-autoreload",
            "--max-instances",
            &CONCURRENCY.to_string(),
        ],
        None,
    );
    // The instances inherit the environment: with RUST_BACKTRACE set, each
    // panic prints a backtrace, and symbolising the first one costs a new
    // instance half a second (the load took 9 s instead of 2).
    command.env("RUST_BACKTRACE", "0");
    let mut server = LocalServer::start(&mut command, START_TIMEOUT);
    let serving = Instant::now();
    let address = server.address.clone();
    let mut phases = Vec::new();
    let mut phase = |name: &'static str, since: &mut Instant| {
        phases.push(format!("{name} {:.1} s", since.elapsed().as_secs_f64()));
        *since = Instant::now();
    };
    let mut since = Instant::now();
    block_on(async {
        let c = client();
        bodies_and_content_types(&c, &server.url("")).await;
        path_parameters(&c, &server.url("")).await;
    });
    phase("bodies, content types, path parameters", &mut since);
    block_on(body_limits(&client(), &server.url("")));
    phase("body limits", &mut since);
    bytes_that_are_not_utf8(&address);
    head_limits(&address);
    phase("UTF-8 and head limits", &mut since);
    block_on(faults_under_load(&server.url("")));
    phase("faults under load", &mut since);
    let log = server.log_until("every crash is reported", |log| {
        log.matches("exited (exit status: 70)").count() == 100
    });
    // A panic keeps its instance; each crash costs one. With one instance
    // started before serving and at most 8 at once, 107 cold starts at most.
    let cold = log.lines().filter(|l| l.ends_with(" cold")).count();
    assert!(cold < 100 + CONCURRENCY, "{cold} cold starts");

    stop_with_invocations_running(&mut server);
    phase("Ctrl-C", &mut since);
    eprintln!(
        "hardening: {:.1} s after the server started ({:.1} s in all): {}",
        serving.elapsed().as_secs_f64(),
        started.elapsed().as_secs_f64(),
        phases.join(", ")
    );
}

async fn post(c: &HttpClient, url: &str, content_type: Option<&str>, body: &str) -> Answer {
    send(c, "POST", url, content_type, body.to_owned())
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

fn assert_chalice_error(answer: &Answer, status: u16, code: &str) -> String {
    assert_eq!(answer.status, status, "{}", answer.text());
    let body = answer.json();
    assert_eq!(body["Code"], code, "{body}");
    body["Message"].as_str().unwrap_or_default().to_owned()
}

/// Malformed JSON is the handler's 400; a content type the route does not
/// list is the app's 415 (a REST proxy integration without a request
/// validator checks no content type; Chalice checks `content_types` in the
/// app, so `local` and a deployed API answer alike).
async fn bodies_and_content_types(c: &HttpClient, base: &str) {
    let items = format!("{base}/items");
    for (body, says) in [
        ("{\"name\": ", "EOF while parsing"),
        ("", "the request body is empty"),
        ("\"lamp\"", "invalid type: string \"lamp\""),
        ("{\"name\": 7}", "invalid type: integer `7`"),
    ] {
        let answer = post(c, &items, Some("application/json"), body).await;
        let message = assert_chalice_error(&answer, 400, "BadRequestError");
        assert!(
            message.starts_with("Error Parsing JSON: ") && message.contains(says),
            "{body:?}: {message}"
        );
    }
    let wrong = post(c, &items, Some("text/plain"), "{}").await;
    assert_eq!(
        assert_chalice_error(&wrong, 415, "UnsupportedMediaType"),
        "Unsupported media type: text/plain"
    );
    let echo = format!("{base}/echo");
    let csv = post(c, &echo, Some("text/csv"), "a,b").await;
    assert_chalice_error(&csv, 415, "UnsupportedMediaType");
    // No Content-Type: application/json, as Chalice assumes.
    let bare = post(c, &echo, None, "{\"a\": 1}").await;
    assert_eq!(bare.status, 200, "{}", bare.text());
    assert_eq!(bare.header("content-type"), "application/json");
    assert_eq!(bare.text(), "{\"a\": 1}");
    let upload = format!("{base}/upload");
    let untyped = post(c, &upload, None, "raw").await;
    assert_eq!(
        assert_chalice_error(&untyped, 415, "UnsupportedMediaType"),
        "Unsupported media type: application/json"
    );
    // Case and parameters do not matter.
    let cased = post(c, &echo, Some("Text/Plain; charset=UTF-8"), "hi").await;
    assert_eq!((cased.status, cased.text().as_str()), (200, "hi"));
}

/// A path parameter that does not parse is 400 naming it.
async fn path_parameters(c: &HttpClient, base: &str) {
    for id in ["abc", "-1", "18446744073709551616"] {
        for method in ["GET", "PUT", "DELETE"] {
            let answer = send(c, method, &format!("{base}/items/{id}"), None, Bytes::new())
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            let message = assert_chalice_error(&answer, 400, "BadRequestError");
            assert!(
                message.starts_with(&format!("invalid value `{id}` for path parameter `id`")),
                "{method} {id}: {message}"
            );
        }
    }
}

/// A body of exactly 10 MB passes API Gateway's front door, but no proxy
/// event of it fits Lambda's 6 MB: the `REQUEST_TOO_LARGE` gateway response.
/// One byte more and the front door answers itself, in plain text.
async fn body_limits(c: &HttpClient, base: &str) {
    let upload = format!("{base}/upload");
    let octets = Some("application/octet-stream");
    let fits = send(c, "POST", &upload, octets, vec![7_u8; 4 * 1024 * 1024])
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(fits.status, 200, "{}", fits.text());
    assert_eq!(fits.json(), json!({"received": 4 * 1024 * 1024}));

    let ten = send(c, "POST", &upload, octets, vec![7_u8; BODY_LIMIT])
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_gateway_error(
        &ten,
        413,
        "BadRequestException",
        json!({"message": "Request Too Long"}),
    );
    let text = send(
        c,
        "POST",
        &format!("{base}/echo"),
        Some("text/plain"),
        "a".repeat(BODY_LIMIT),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(text.status, 413, "{}", text.text());

    let over = send(c, "POST", &upload, octets, vec![7_u8; BODY_LIMIT + 1])
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(over.status, 413);
    assert_eq!(over.text(), "HTTP content length exceeded 10485760 bytes.");
    assert!(
        over.headers.get("x-amzn-errortype").is_none(),
        "{:?}",
        over.headers
    );
}

/// A raw HTTP/1.1 exchange: status, headers (names in lower case), body.
struct Raw {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Raw {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
}

/// Writes `head` (request line and headers, without the blank line; a
/// `Host` and `Connection: close` are added) and `body` byte for byte, and
/// reads the answer (30 s at most).
fn raw(address: &str, head: &[u8], body: &[u8]) -> Raw {
    let mut stream = TcpStream::connect(address).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    let mut request = head.to_vec();
    request.extend_from_slice(b"\r\nHost: h\r\nConnection: close\r\n");
    if !body.is_empty() {
        request.extend_from_slice(format!("Content-Length: {}\r\n", body.len()).as_bytes());
    }
    request.extend_from_slice(b"\r\n");
    request.extend_from_slice(body);
    stream.write_all(&request).expect("send");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).expect("read the answer");
    let split = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no head in {:?}", String::from_utf8_lossy(&answer)));
    let head = String::from_utf8_lossy(&answer[..split]).into_owned();
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {head:?}"));
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    assert!(
        !headers
            .iter()
            .any(|(n, v)| n == "transfer-encoding" && v.contains("chunked")),
        "{head}"
    );
    Raw {
        status,
        headers,
        body: answer[split + 4..].to_vec(),
    }
}

/// Bytes that are not UTF-8: raw in the request line, HTTP's own 400;
/// percent-encoded, decoded lossily; raw in a header value (HTTP allows any
/// byte from 0x80), the value reaches the function read lossily.
fn bytes_that_are_not_utf8(address: &str) {
    for line in [
        b"GET /files/a\xffb HTTP/1.1".as_slice(),
        b"GET /search?q=a\xffb HTTP/1.1".as_slice(),
    ] {
        let answer = raw(address, line, b"");
        assert_eq!(answer.status, 400, "{}", String::from_utf8_lossy(line));
    }
    // Percent-encoded: answered, not failed.
    for path in ["/files/%FF%FE", "/items/%FF"] {
        let answer = raw(address, format!("GET {path} HTTP/1.1").as_bytes(), b"");
        assert!(
            answer.status == 200 || answer.status == 400,
            "{path}: {} {}",
            answer.status,
            String::from_utf8_lossy(&answer.body)
        );
    }
    let search = raw(address, b"GET /search?q=%FF&tag=%C3%A9 HTTP/1.1", b"");
    assert_eq!(search.status, 200);
    assert_eq!(search.json()["tags"], json!(["é"]));
    assert!(search.json()["q"].is_string(), "{}", search.json());

    let header = raw(
        address,
        b"GET /search?q=x HTTP/1.1\r\nX-Raw: a\xffb\r\nX-City: C\xc3\xb3rdoba",
        b"",
    );
    assert_eq!(
        header.status,
        200,
        "{}",
        String::from_utf8_lossy(&header.body)
    );
    let echo = raw(
        address,
        b"POST /echo HTTP/1.1\r\nContent-Type: text/plain\xff",
        b"hi",
    );
    assert_eq!(echo.status, 415, "{}", String::from_utf8_lossy(&echo.body));
    assert_eq!(
        echo.json()["Message"],
        "Unsupported media type: text/plain\u{fffd}"
    );
}

/// The request line and the header lines may each be 10240 bytes; one
/// more is the front door's 414 or 431, in plain text.
fn head_limits(address: &str) {
    // "GET " + target + " HTTP/1.1"; the target is "/search?q=" and the value.
    let value_fits = HEAD_LIMIT - "GET ".len() - " HTTP/1.1".len() - "/search?q=".len();
    let line = |n: usize| format!("GET /search?q={} HTTP/1.1", "q".repeat(n));
    let fits = raw(address, line(value_fits).as_bytes(), b"");
    assert_eq!(fits.status, 200);
    assert_eq!(fits.json()["q"].as_str().map(str::len), Some(value_fits));
    let over = raw(address, line(value_fits + 1).as_bytes(), b"");
    assert_eq!(over.status, 414);
    assert_eq!(over.body, b"An HTTP line is larger than 10240 bytes.");
    assert_eq!(over.header("content-type"), Some("text; charset=utf-8"));
    assert_eq!(over.header("x-amzn-errortype"), None);

    // raw() adds "Host: h" (7 bytes) and "Connection: close" (17); "X-Big: " is 7.
    let header_fits = HEAD_LIMIT - 7 - 17 - 7;
    let head = |n: usize| format!("GET / HTTP/1.1\r\nX-Big: {}", "b".repeat(n));
    let fits = raw(address, head(header_fits).as_bytes(), b"");
    assert_eq!(fits.status, 200, "{}", String::from_utf8_lossy(&fits.body));
    let over = raw(address, head(header_fits + 1).as_bytes(), b"");
    assert_eq!(over.status, 431);
    assert_eq!(over.body, b"HTTP header is larger than 10240 bytes.");
}

/// What one request of the load is, and what it must answer.
#[derive(Debug, Clone, Copy)]
enum Load {
    Panic,
    Crash,
    File(usize),
    Echo(usize),
}

/// 1000 panics, 100 crashes and 500 good requests, interleaved, 8 at a time:
/// every panic answers 500, every crash 502, every good request its own
/// answer; the pool serves afterwards.
async fn faults_under_load(base: &str) {
    // Per 16 requests: one crash, ten panics, five good ones.
    let plan: Vec<Load> = (0..1600)
        .map(|i| match i % 16 {
            7 => Load::Crash,
            0 | 3 | 6 | 10 | 13 => {
                if i % 2 == 0 {
                    Load::File(i)
                } else {
                    Load::Echo(i)
                }
            }
            _ => Load::Panic,
        })
        .collect();
    let plan = Arc::new(plan);
    let next = Arc::new(AtomicUsize::new(0));
    let failures = Arc::new(Mutex::new(Vec::<String>::new()));
    let c = client();
    let mut workers = Vec::new();
    for _ in 0..CONCURRENCY {
        let (c, plan, next, failures) = (c.clone(), plan.clone(), next.clone(), failures.clone());
        let base = base.to_owned();
        workers.push(tokio::spawn(async move {
            loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                let Some(&load) = plan.get(index) else {
                    return;
                };
                if let Err(failure) = one(&c, &base, load).await {
                    failures
                        .lock()
                        .unwrap()
                        .push(format!("{load:?}: {failure}"));
                }
            }
        }));
    }
    let all = async {
        for worker in workers {
            worker.await.expect("a load worker panicked");
        }
    };
    tokio::time::timeout(Duration::from_secs(180), all)
        .await
        .expect("the load did not finish in 180 s");
    let failures = std::mem::take(&mut *failures.lock().unwrap());
    assert!(
        failures.is_empty(),
        "{} of 1600 requests failed; the first: {:#?}",
        failures.len(),
        &failures[..failures.len().min(10)]
    );
    for _ in 0..3 {
        let index = get(&c, &format!("{base}/")).await;
        assert_eq!(index.json(), json!({"hello": "world"}));
    }
}

/// Sends one request of the load and checks its answer.
async fn one(c: &HttpClient, base: &str, load: Load) -> Result<(), String> {
    let (method, path, body) = match load {
        Load::Panic => ("GET", "/panic".to_owned(), String::new()),
        Load::Crash => ("GET", "/crash".to_owned(), String::new()),
        Load::File(i) => ("GET", format!("/files/load/{i}"), String::new()),
        Load::Echo(i) => ("POST", "/echo".to_owned(), format!("load/{i}")),
    };
    let content_type = matches!(load, Load::Echo(_)).then_some("text/plain");
    let answer = send(c, method, &format!("{base}{path}"), content_type, body).await?;
    let error_type = answer
        .headers
        .get("x-amzn-errortype")
        .and_then(|v| v.to_str().ok());
    let body: Value = serde_json::from_slice(&answer.body).unwrap_or(Value::Null);
    let ok = match load {
        Load::Panic => answer.status == 500 && body["Code"] == "InternalServerError",
        Load::Crash => {
            answer.status == 502
                && error_type == Some("InternalServerErrorException")
                && body == json!({"message": "Internal server error"})
        }
        Load::File(i) => answer.status == 200 && answer.text() == format!("file: load/{i}"),
        Load::Echo(i) => answer.status == 200 && answer.text() == format!("load/{i}"),
    };
    if ok {
        Ok(())
    } else {
        Err(format!("{} {}", answer.status, answer.text()))
    }
}

/// Ctrl-C while invocations run: the server exits and no instance is left.
fn stop_with_invocations_running(server: &mut LocalServer) {
    block_on(async {
        let c = client();
        let mut running = Vec::new();
        for _ in 0..3 {
            let (c, url) = (c.clone(), server.url("/sleep/5000"));
            running.push(tokio::spawn(async move {
                send(&c, "GET", &url, None, Bytes::new()).await
            }));
        }
        // Idle instances are left from the load: the three start at once.
        tokio::time::sleep(Duration::from_millis(500)).await;
        let instances = children_of(server.pid());
        assert!(!instances.is_empty(), "no instance runs");
        let stopping = Instant::now();
        let status = tokio::task::block_in_place(|| server.stop());
        let status = status.expect("the server stops on SIGINT");
        assert!(status.success(), "{status}");
        assert!(
            stopping.elapsed() < Duration::from_secs(10),
            "stopping took {:?}",
            stopping.elapsed()
        );
        let deadline = Instant::now() + Duration::from_secs(10);
        while instances.iter().any(|pid| is_alive(*pid)) {
            assert!(
                Instant::now() < deadline,
                "instances left running: {instances:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        for request in running {
            // Cut off by the stop: an error, or no answer at all.
            let _ = tokio::time::timeout(Duration::from_secs(5), request).await;
        }
    });
}

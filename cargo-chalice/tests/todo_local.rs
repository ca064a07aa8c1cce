//! examples/todo through `cargo chalice local`, against DynamoDB served by a
//! moto server this test starts: the app's real configuration path
//! (AWS_ENDPOINT_URL read by aws-config, TODO_TABLE from .chalice/config.json).
//!
//! HTTP is spoken over plain `TcpStream`s on loopback (no client crate).

mod common;

use common::Moto;
use serde_json::{json, Value};
use std::io::{BufRead, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long `cargo chalice local` may take to build and start the app.
const LOCAL_START: Duration = Duration::from_secs(900);

fn checkout() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .expect("checkout")
}

/// A child process: SIGINT (lets it stop its own children), then kill.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-INT", &self.0.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// One HTTP/1.1 request with `Connection: close`: the status and the body.
fn http(
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

fn json_body(status: u16, body: &str) -> Value {
    serde_json::from_str(body)
        .unwrap_or_else(|e| panic!("status {status}, body not JSON ({e}): {body}"))
}

#[test]
fn todo_serves_through_local_against_moto() {
    let moto = Moto::start();
    let endpoint = moto.endpoint.clone();
    let moto_address = endpoint.trim_start_matches("http://").to_owned();

    // The table named in examples/todo/.chalice/config.json (dev stage).
    let (status, body) = http(
        &moto_address,
        "POST",
        "/",
        &[
            ("Content-Type", "application/x-amz-json-1.0"),
            ("X-Amz-Target", "DynamoDB_20120810.CreateTable"),
            (
                "Authorization",
                "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0",
            ),
        ],
        &json!({
            "TableName": "todo-dev",
            "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
            "BillingMode": "PAY_PER_REQUEST",
        })
        .to_string(),
    );
    assert_eq!(status, 200, "CreateTable on moto: {body}");

    let mut child = Command::new(env!("CARGO_BIN_EXE_cargo-chalice"))
        .args(["local", "--port", "0", "--no-autoreload", "--project-dir"])
        .arg(checkout().join("examples/todo"))
        .env("AWS_ENDPOINT_URL", &endpoint)
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env_remove("AWS_PROFILE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start cargo chalice local");
    let stdout = child.stdout.take().expect("stdout");
    let local = Process(child);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            if let Some(rest) = line.split("serving on http://").nth(1) {
                let _ = tx.send(rest.split('/').next().unwrap_or_default().to_owned());
            }
        }
    });
    let address = rx
        .recv_timeout(LOCAL_START)
        .expect("cargo chalice local prints `serving on http://...`");
    let json = [
        ("Content-Type", "application/json"),
        ("x-api-key", "todo-writer"),
    ];

    // The write routes need the stage's API key.
    let (status, body) = http(
        &address,
        "POST",
        "/todos",
        &[("Content-Type", "application/json")],
        r#"{"title": "no key"}"#,
    );
    assert_eq!(status, 403, "{body}");
    assert_eq!(json_body(status, &body), json!({"message": "Forbidden"}));

    let (status, body) = http(
        &address,
        "POST",
        "/todos",
        &json,
        r#"{"title": "water the plants"}"#,
    );
    assert_eq!(status, 201, "{body}");
    let created = json_body(status, &body);
    assert_eq!(created["title"], "water the plants");
    let id = created["id"].as_str().expect("id").to_owned();

    let (status, body) = http(&address, "POST", "/todos", &json, r#"{"title": ""}"#);
    assert_eq!(status, 400, "{body}");
    assert_eq!(json_body(status, &body)["Code"], "BadRequestError");

    let (status, body) = http(
        &address,
        "PUT",
        &format!("/todos/{id}"),
        &json,
        r#"{"done": true}"#,
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(json_body(status, &body)["done"], true);

    let (status, body) = http(&address, "POST", "/todos", &json, r#"{"title": "second"}"#);
    assert_eq!(status, 201, "{body}");
    let (status, body) = http(&address, "GET", "/todos?limit=1", &[], "");
    assert_eq!(status, 200, "{body}");
    let page = json_body(status, &body);
    assert_eq!(page["items"].as_array().map(Vec::len), Some(1), "{page}");
    let token = page["next_token"].as_str().expect("a next page").to_owned();
    let (status, body) = http(
        &address,
        "GET",
        &format!("/todos?limit=5&next_token={token}"),
        &[],
        "",
    );
    assert_eq!(status, 200, "{body}");
    let rest = json_body(status, &body);
    assert_eq!(rest["items"].as_array().map(Vec::len), Some(1), "{rest}");
    assert_ne!(rest["items"][0]["id"], page["items"][0]["id"]);

    let (status, _) = http(&address, "DELETE", &format!("/todos/{id}"), &json, "");
    assert_eq!(status, 204);
    let (status, body) = http(&address, "GET", &format!("/todos/{id}"), &[], "");
    assert_eq!(status, 404, "{body}");

    drop(local);
    drop(moto);
}

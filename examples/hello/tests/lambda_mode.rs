//! Lambda mode: the built `hello` binary against a Lambda Runtime API on
//! loopback, fed real-shaped REST v1 proxy events; and manifest mode.

use base64::Engine as _;
use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, Notify};

/// How long any single wait may take before the test fails.
const WAIT: Duration = Duration::from_secs(20);

/// What the function posted back for one invocation.
#[derive(Debug)]
enum Outcome {
    /// `POST /invocation/{id}/response`.
    Response(Value),
    /// `POST /invocation/{id}/error`.
    Error(Value),
}

#[derive(Default)]
struct Queue {
    events: Mutex<VecDeque<(String, Vec<u8>)>>,
    ready: Notify,
}

/// A minimal Lambda Runtime API: `next` hands out queued events (long poll),
/// `response` and `error` report back on a channel.
struct RuntimeApi {
    addr: SocketAddr,
    queue: Arc<Queue>,
    results: mpsc::UnboundedReceiver<(String, Outcome)>,
    polls: Arc<Mutex<u32>>,
    server: tokio::task::JoinHandle<()>,
    counter: u32,
}

type HyperResponse = Response<Full<Bytes>>;

fn reply(status: StatusCode, body: &'static str) -> HyperResponse {
    let mut response = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
    *response.status_mut() = status;
    response
}

async fn handle(
    request: Request<Incoming>,
    queue: Arc<Queue>,
    results: mpsc::UnboundedSender<(String, Outcome)>,
    polls: Arc<Mutex<u32>>,
) -> Result<HyperResponse, hyper::Error> {
    let path = request.uri().path().to_owned();
    let method = request.method().clone();
    if method == Method::GET && path == "/2018-06-01/runtime/invocation/next" {
        *polls.lock().unwrap() += 1;
        let (id, event) = loop {
            let notified = queue.ready.notified();
            if let Some(next) = queue.events.lock().unwrap().pop_front() {
                break next;
            }
            notified.await;
        };
        let deadline = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis()
            + 30_000;
        let response = Response::builder()
            .header("content-type", "application/json")
            .header("lambda-runtime-aws-request-id", id.as_str())
            .header("lambda-runtime-deadline-ms", deadline.to_string())
            .header(
                "lambda-runtime-invoked-function-arn",
                "arn:aws:lambda:us-east-1:123456789012:function:hello-dev",
            )
            .header(
                "lambda-runtime-trace-id",
                "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1",
            )
            .body(Full::new(Bytes::from(event)))
            .expect("valid response");
        return Ok(response);
    }
    let Some(rest) = path.strip_prefix("/2018-06-01/runtime/invocation/") else {
        return Ok(reply(
            StatusCode::NOT_FOUND,
            "{\"errorMessage\":\"unknown path\"}",
        ));
    };
    let (id, kind) = rest.split_once('/').unwrap_or((rest, ""));
    let id = id.to_owned();
    let kind = kind.to_owned();
    let body = request.into_body().collect().await?.to_bytes();
    let value: Value = serde_json::from_slice(&body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&body).into_owned()));
    let outcome = match kind.as_str() {
        "response" => Outcome::Response(value),
        "error" => Outcome::Error(value),
        _ => {
            return Ok(reply(
                StatusCode::NOT_FOUND,
                "{\"errorMessage\":\"unknown path\"}",
            ))
        }
    };
    let _ = results.send((id, outcome));
    Ok(reply(StatusCode::ACCEPTED, "{\"status\":\"OK\"}"))
}

impl RuntimeApi {
    async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        let queue = Arc::new(Queue::default());
        let polls = Arc::new(Mutex::new(0));
        let (sender, results) = mpsc::unbounded_channel();
        let server = tokio::spawn({
            let queue = queue.clone();
            let polls = polls.clone();
            async move {
                loop {
                    let Ok((stream, _)) = listener.accept().await else {
                        return;
                    };
                    let queue = queue.clone();
                    let sender = sender.clone();
                    let polls = polls.clone();
                    tokio::spawn(async move {
                        let service = service_fn(move |request| {
                            handle(request, queue.clone(), sender.clone(), polls.clone())
                        });
                        let _ = http1::Builder::new()
                            .serve_connection(TokioIo::new(stream), service)
                            .await;
                    });
                }
            }
        });
        Self {
            addr,
            queue,
            results,
            polls,
            server,
            counter: 0,
        }
    }

    /// Queues `event` and waits for what the function answers.
    async fn invoke_raw(&mut self, event: String) -> Outcome {
        self.invoke_bytes(event.into_bytes()).await
    }

    /// Queues `event`, any bytes, and waits for what the function answers.
    async fn invoke_bytes(&mut self, event: Vec<u8>) -> Outcome {
        self.counter += 1;
        let id = format!("8476a536-e9f4-11e8-9739-2dfe598c{:04}", self.counter);
        self.queue
            .events
            .lock()
            .unwrap()
            .push_back((id.clone(), event));
        self.queue.ready.notify_waiters();
        self.queue.ready.notify_one();
        let (got, outcome) = tokio::time::timeout(WAIT, self.results.recv())
            .await
            .expect("the function did not answer in time")
            .expect("the runtime API stopped");
        assert_eq!(got, id, "the answer is for another invocation");
        outcome
    }

    /// Invokes with a proxy event and returns the proxy response.
    async fn invoke(&mut self, event: Value) -> Value {
        match self.invoke_raw(event.to_string()).await {
            Outcome::Response(response) => response,
            Outcome::Error(error) => panic!("the function reported an error: {error}"),
        }
    }

    fn polls(&self) -> u32 {
        *self.polls.lock().unwrap()
    }
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// The `hello` process; killed and reaped when dropped, even when a test fails.
struct Instance(Child);

impl Instance {
    fn spawn(api: &RuntimeApi) -> Self {
        let child = Command::new(env!("CARGO_BIN_EXE_hello"))
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("AWS_LAMBDA_RUNTIME_API", api.addr.to_string())
            .env("AWS_LAMBDA_FUNCTION_NAME", "hello-dev")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/hello-dev")
            .env(
                "AWS_LAMBDA_LOG_STREAM_NAME",
                "2026/01/01/[$LATEST]0123456789abcdef",
            )
            .env("AWS_REGION", "us-east-1")
            .env("_HANDLER", "api")
            .env("GREETING", "bonjour")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the hello binary");
        Self(child)
    }

    fn is_running(&mut self) -> bool {
        matches!(self.0.try_wait(), Ok(None))
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A REST v1 proxy event shaped like API Gateway's documented example.
fn event(method: &str, resource: &str, path: &str) -> Value {
    json!({
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": {
            "Accept": "*/*",
            "Host": "gy415nuibc.execute-api.us-east-1.amazonaws.com",
            "User-Agent": "curl/8.5.0",
            "X-Forwarded-For": "54.240.196.186, 54.182.214.83",
            "X-Forwarded-Port": "443",
            "X-Forwarded-Proto": "https"
        },
        "multiValueHeaders": {
            "Accept": ["*/*"],
            "Host": ["gy415nuibc.execute-api.us-east-1.amazonaws.com"],
            "User-Agent": ["curl/8.5.0"],
            "X-Forwarded-For": ["54.240.196.186, 54.182.214.83"],
            "X-Forwarded-Port": ["443"],
            "X-Forwarded-Proto": ["https"]
        },
        "queryStringParameters": null,
        "multiValueQueryStringParameters": null,
        "pathParameters": null,
        "stageVariables": {"stageVariableName": "stageVariableValue"},
        "requestContext": {
            "accountId": "123456789012",
            "resourceId": "roq9wj",
            "path": format!("/api{path}"),
            "stage": "api",
            "domainName": "gy415nuibc.execute-api.us-east-1.amazonaws.com",
            "domainPrefix": "gy415nuibc",
            "requestId": "deef4878-7910-11e6-8f14-25afc3e9ae33",
            "extendedRequestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
            "protocol": "HTTP/1.1",
            "identity": {
                "cognitoIdentityPoolId": null,
                "accountId": null,
                "cognitoIdentityId": null,
                "caller": null,
                "apiKey": null,
                "sourceIp": "54.240.196.186",
                "cognitoAuthenticationType": null,
                "cognitoAuthenticationProvider": null,
                "userArn": null,
                "userAgent": "curl/8.5.0",
                "user": null
            },
            "resourcePath": resource,
            "httpMethod": method,
            "requestTime": "09/Apr/2015:12:34:56 +0000",
            "requestTimeEpoch": 1428582896000_i64,
            "apiId": "gy415nuibc"
        },
        "body": null,
        "isBase64Encoded": false
    })
}

fn with_header(mut event: Value, name: &str, values: &[&str]) -> Value {
    event["headers"][name] = json!(values.last());
    event["multiValueHeaders"][name] = json!(values);
    event
}

/// The proxy response's body as text (decoded when base64).
fn body_bytes(response: &Value) -> Vec<u8> {
    let body = response["body"].as_str().unwrap_or_default();
    if response["isBase64Encoded"] == true {
        base64::engine::general_purpose::STANDARD
            .decode(body)
            .expect("base64 body")
    } else {
        body.as_bytes().to_vec()
    }
}

fn body_json(response: &Value) -> Value {
    serde_json::from_slice(&body_bytes(response))
        .unwrap_or_else(|e| panic!("body is not JSON ({e}): {response}"))
}

/// A header's values in the proxy response (both maps).
fn header_values(response: &Value, name: &str) -> Vec<String> {
    let mut values = Vec::new();
    for map in ["multiValueHeaders", "headers"] {
        let Some(object) = response[map].as_object() else {
            continue;
        };
        for (key, value) in object {
            if !key.eq_ignore_ascii_case(name) {
                continue;
            }
            match value {
                Value::Array(items) => {
                    values.extend(items.iter().filter_map(|v| v.as_str().map(str::to_owned)))
                }
                Value::String(text) => values.push(text.clone()),
                _ => {}
            }
        }
        if !values.is_empty() {
            break;
        }
    }
    values
}

async fn start() -> (RuntimeApi, Instance) {
    let api = RuntimeApi::start().await;
    let instance = Instance::spawn(&api);
    (api, instance)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_rest_v1_events() {
    let (mut api, mut instance) = start().await;

    // Index: the stage's environment reaches the handler.
    let response = api.invoke(event("GET", "/", "/")).await;
    assert_eq!(response["statusCode"], 200, "{response}");
    assert_eq!(body_json(&response), json!({"bonjour": "world"}));
    assert_eq!(
        header_values(&response, "content-type"),
        ["application/json"]
    );
    assert_eq!(response["isBase64Encoded"], false);

    // PUT with path parameters and a JSON body, then GET it back.
    let mut put = event("PUT", "/items/{id}", "/items/42");
    put["pathParameters"] = json!({"id": "42"});
    put["body"] = json!("{\"name\":\"lamp\",\"price\":1200}");
    let put = with_header(put, "Content-Type", &["application/json; charset=utf-8"]);
    let response = api.invoke(put).await;
    assert_eq!(response["statusCode"], 201, "{response}");
    assert_eq!(body_json(&response), json!({"name": "lamp", "price": 1200}));

    let mut get = event("GET", "/items/{id}", "/items/42");
    get["pathParameters"] = json!({"id": "42"});
    let response = api.invoke(get).await;
    assert_eq!(response["statusCode"], 200, "{response}");
    assert_eq!(body_json(&response)["name"], "lamp");

    // A path parameter that does not parse: 400 naming it.
    let mut bad = event("GET", "/items/{id}", "/items/lamp");
    bad["pathParameters"] = json!({"id": "lamp"});
    let response = api.invoke(bad).await;
    assert_eq!(response["statusCode"], 400, "{response}");
    let body = body_json(&response);
    assert_eq!(body["Code"], "BadRequestError");
    assert!(
        body["Message"]
            .as_str()
            .unwrap_or_default()
            .contains("`id`"),
        "{body}"
    );

    // Multi-value query string: every value, in order; the single map holds the last.
    let mut search = event("GET", "/search", "/search");
    search["queryStringParameters"] = json!({"tag": "blue", "q": "lamp"});
    search["multiValueQueryStringParameters"] = json!({"tag": ["red", "blue"], "q": ["lamp"]});
    let response = api.invoke(search).await;
    assert_eq!(response["statusCode"], 200, "{response}");
    assert_eq!(
        body_json(&response),
        json!({"tags": ["red", "blue"], "q": "lamp"})
    );

    // Query through the typed extractor.
    let mut list = event("GET", "/items", "/items");
    list["queryStringParameters"] = json!({"limit": "5"});
    list["multiValueQueryStringParameters"] = json!({"limit": ["5"]});
    let response = api.invoke(list).await;
    assert_eq!(
        body_json(&response),
        json!({"items": [{"id": 42, "name": "lamp", "price": 1200}]})
    );

    // Multi-value headers in, repeated Set-Cookie out.
    let mut echo = event("POST", "/echo", "/echo");
    echo["body"] = json!("plain words");
    let echo = with_header(echo, "Content-Type", &["text/plain"]);
    let echo = with_header(echo, "X-Tag", &["a", "b"]);
    let response = api.invoke(echo).await;
    assert_eq!(response["statusCode"], 200, "{response}");
    assert_eq!(body_bytes(&response), b"plain words");
    assert_eq!(
        header_values(&response, "set-cookie"),
        ["seen=1", "theme=dark"]
    );

    // A base64 (binary) request body.
    let payload: Vec<u8> = vec![0x00, 0xff, 0x10, 0x80, 0x7f, 0xfe];
    let mut upload = event("POST", "/upload", "/upload");
    upload["body"] = json!(base64::engine::general_purpose::STANDARD.encode(&payload));
    upload["isBase64Encoded"] = json!(true);
    let upload = with_header(upload, "Content-Type", &["application/octet-stream"]);
    let response = api.invoke(upload).await;
    assert_eq!(response["statusCode"], 200, "{response}");
    assert_eq!(body_json(&response), json!({"received": payload.len()}));

    // A binary response: base64 with isBase64Encoded.
    let response = api.invoke(event("GET", "/image", "/image")).await;
    assert_eq!(response["statusCode"], 200, "{response}");
    assert_eq!(response["isBase64Encoded"], true);
    assert_eq!(header_values(&response, "content-type"), ["image/png"]);
    assert_eq!(
        body_bytes(&response),
        [0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0xff, 0x00]
    );

    // Path parameters arrive as the client encoded them (API Gateway REST
    // does not decode them); typed arguments get them decoded, as locally.
    let mut file = event(
        "GET",
        "/files/{path+}",
        "/files/Le%20Guin%2Fbooks/caf%C3%A9.txt",
    );
    file["pathParameters"] = json!({"path": "Le%20Guin%2Fbooks/caf%C3%A9.txt"});
    let response = api.invoke(file).await;
    assert_eq!(response["statusCode"], 200, "{response}");
    assert_eq!(
        body_bytes(&response),
        "file: Le Guin/books/café.txt".as_bytes()
    );
    let mut get = event("GET", "/items/{id}", "/items/%34%32");
    get["pathParameters"] = json!({"id": "%34%32"});
    let response = api.invoke(get).await;
    assert_eq!(response["statusCode"], 200, "{response}");
    assert_eq!(body_json(&response)["name"], "lamp");
    // An escape that does not decode: 400 naming the parameter.
    let mut bad = event("GET", "/files/{path+}", "/files/%FF");
    bad["pathParameters"] = json!({"path": "%FF"});
    let response = api.invoke(bad).await;
    assert_eq!(response["statusCode"], 400, "{response}");
    let message = body_json(&response)["Message"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(message.contains("path parameter `path`"), "{message}");
    assert!(message.contains("not UTF-8"), "{message}");

    // Wrong content type: 415.
    let mut wrong = event("POST", "/items", "/items");
    wrong["body"] = json!("name=lamp");
    let wrong = with_header(
        wrong,
        "Content-Type",
        &["application/x-www-form-urlencoded"],
    );
    let response = api.invoke(wrong).await;
    assert_eq!(response["statusCode"], 415, "{response}");
    assert_eq!(body_json(&response)["Code"], "UnsupportedMediaType");

    // Malformed JSON: 400 with serde's message.
    let mut broken = event("POST", "/items", "/items");
    broken["body"] = json!("{\"name\": ");
    let broken = with_header(broken, "Content-Type", &["application/json"]);
    let response = api.invoke(broken).await;
    assert_eq!(response["statusCode"], 400, "{response}");
    let message = body_json(&response)["Message"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(message.contains("EOF while parsing"), "{message}");

    assert!(instance.is_running());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_resource_is_answered_not_crashed() {
    let (mut api, mut instance) = start().await;
    // A resource this build does not have (the API was deployed from another build).
    let mut stale = event("POST", "/{proxy+}", "/hello/world");
    stale["pathParameters"] = json!({"proxy": "hello/world"});
    stale["body"] = json!("{\r\n\t\"a\": 1\r\n}");
    let stale = with_header(stale, "Content-Type", &["application/json"]);
    let response = api.invoke(stale).await;
    assert_eq!(response["statusCode"], 404, "{response}");
    assert_eq!(body_json(&response)["Code"], "NotFoundError");
    // A known resource with a method it lacks.
    let response = api.invoke(event("PATCH", "/items", "/items")).await;
    assert_eq!(response["statusCode"], 404, "{response}");

    // An event that is not a proxy event at all: reported as an invocation error.
    match api
        .invoke_raw("{\"detail-type\": \"Scheduled Event\"}".to_owned())
        .await
    {
        Outcome::Error(error) => assert!(error.is_object(), "{error}"),
        Outcome::Response(response) => panic!("expected an error, got {response}"),
    }
    let response = api.invoke(event("GET", "/", "/")).await;
    assert_eq!(response["statusCode"], 200, "{response}");
    assert!(instance.is_running());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_answers_500_and_the_instance_survives() {
    let (mut api, mut instance) = start().await;
    let mut put = event("PUT", "/items/{id}", "/items/1");
    put["pathParameters"] = json!({"id": "1"});
    put["body"] = json!("{\"name\":\"kept\"}");
    let put = with_header(put, "Content-Type", &["application/json"]);
    assert_eq!(api.invoke(put).await["statusCode"], 201);

    let response = api.invoke(event("GET", "/panic", "/panic")).await;
    assert_eq!(response["statusCode"], 500, "{response}");
    assert_eq!(body_json(&response)["Code"], "InternalServerError");

    // Same process, same state.
    let mut get = event("GET", "/items/{id}", "/items/1");
    get["pathParameters"] = json!({"id": "1"});
    let response = api.invoke(get).await;
    assert_eq!(response["statusCode"], 200, "{response}");
    assert_eq!(body_json(&response)["name"], "kept");
    assert!(instance.is_running());
    // One poll per invocation so far, plus the one now waiting.
    let deadline = tokio::time::Instant::now() + WAIT;
    while api.polls() < 4 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(api.polls(), 4);
}

#[test]
fn manifest_mode_prints_the_sorted_manifest() {
    let output = Command::new(env!("CARGO_BIN_EXE_hello"))
        .arg("--manifest")
        .env_remove("AWS_LAMBDA_RUNTIME_API")
        .output()
        .expect("run hello --manifest");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let manifest: Value = serde_json::from_slice(&output.stdout).expect("manifest is JSON");
    assert_eq!(manifest["version"], 1);
    let routes = manifest["routes"].as_array().expect("routes");
    let keys: Vec<(String, String)> = routes
        .iter()
        .map(|r| {
            (
                r["resource_path"].as_str().unwrap_or_default().to_owned(),
                r["method"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted, "routes are not sorted");
    for expected in [
        ("/", "GET"),
        ("/items", "GET"),
        ("/items", "POST"),
        ("/items/{id}", "DELETE"),
        ("/items/{id}", "GET"),
        ("/items/{id}", "PUT"),
        ("/files/{path+}", "GET"),
        ("/upload", "POST"),
    ] {
        assert!(
            keys.iter().any(|(p, m)| p == expected.0 && m == expected.1),
            "missing {expected:?} in {keys:?}"
        );
    }
    let item = routes
        .iter()
        .find(|r| r["resource_path"] == "/items/{id}" && r["method"] == "GET")
        .expect("GET /items/{id}");
    assert_eq!(item["path"], "/items/<id>");
    assert_eq!(item["handler"], "item");
    assert_eq!(item["content_types"], json!(["application/json"]));
    let upload = routes
        .iter()
        .find(|r| r["resource_path"] == "/upload")
        .expect("POST /upload");
    assert_eq!(
        upload["content_types"],
        json!(["application/octet-stream", "image/png"])
    );

    // The environment variable form gives the same output.
    let again = Command::new(env!("CARGO_BIN_EXE_hello"))
        .env("CHALICE_MANIFEST", "1")
        .output()
        .expect("run hello with CHALICE_MANIFEST=1");
    assert_eq!(again.stdout, output.stdout);
}

#[test]
fn without_a_runtime_api_it_explains_itself() {
    let output = Command::new(env!("CARGO_BIN_EXE_hello"))
        .env_remove("AWS_LAMBDA_RUNTIME_API")
        .env_remove("CHALICE_MANIFEST")
        .output()
        .expect("run hello");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("AWS_LAMBDA_RUNTIME_API"), "{stderr}");
}

/// The REST v1 request fixtures shipped in the `aws_lambda_events` crate
/// (real API Gateway captures), found through `cargo metadata`.
fn aws_lambda_events_fixtures() -> Vec<(String, Value)> {
    // Only the host's packages: those are on disk, since the test was built.
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned());
    let version = Command::new(rustc)
        .arg("-vV")
        .output()
        .expect("run rustc -vV");
    let version = String::from_utf8_lossy(&version.stdout).into_owned();
    let host = version
        .lines()
        .find_map(|line| line.strip_prefix("host: "))
        .expect("rustc -vV names the host")
        .to_owned();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--offline"])
        .args(["--filter-platform", &host])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run cargo metadata");
    assert!(
        output.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: Value = serde_json::from_slice(&output.stdout).expect("metadata JSON");
    let manifest = metadata["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| p["name"] == "aws_lambda_events")
        .and_then(|p| p["manifest_path"].as_str())
        .expect("aws_lambda_events in the dependency graph");
    let dir = std::path::Path::new(manifest)
        .parent()
        .expect("package dir")
        .join("src/fixtures");
    let names = [
        "example-apigw-request.json",
        "example-apigw-request-multi-value-parameters.json",
        "example-apigw-request-catch-all.json",
        "example-apigw-sam-rest-request.json",
        "example-apigw-console-test-request.json",
        "example-apigw-restapi-openapi-request.json",
    ];
    names
        .iter()
        .map(|name| {
            let path = dir.join(name);
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("read fixture {}: {e}", path.display()));
            let value = serde_json::from_str(&text).expect("fixture JSON");
            ((*name).to_owned(), value)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aws_lambda_events_fixtures_are_served() {
    let fixtures = aws_lambda_events_fixtures();
    let (mut api, mut instance) = start().await;
    for (name, fixture) in fixtures {
        // As captured: resources this app does not have.
        let response = api.invoke(fixture.clone()).await;
        assert_eq!(response["statusCode"], 404, "{name}: {response}");
        assert_eq!(body_json(&response)["Code"], "NotFoundError", "{name}");

        // The same event, routed by API Gateway to `POST /echo`.
        let mut echo = fixture.clone();
        echo["resource"] = json!("/echo");
        echo["path"] = json!("/echo");
        echo["httpMethod"] = json!("POST");
        echo["pathParameters"] = Value::Null;
        echo["requestContext"]["resourcePath"] = json!("/echo");
        echo["requestContext"]["httpMethod"] = json!("POST");
        let response = api.invoke(echo).await;
        assert_eq!(response["statusCode"], 200, "{name}: {response}");
        let sent = fixture["body"].as_str().unwrap_or_default();
        assert_eq!(body_bytes(&response), sent.as_bytes(), "{name}");
        assert_eq!(
            header_values(&response, "set-cookie"),
            ["seen=1", "theme=dark"]
        );
    }
    assert!(instance.is_running());
}

#[test]
fn missing_lambda_variables_are_named_not_panicked_on() {
    let output = Command::new(env!("CARGO_BIN_EXE_hello"))
        .env_clear()
        .env("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .output()
        .expect("run hello");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("AWS_LAMBDA_FUNCTION_NAME is not set"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// What `api` answers for `event`: the proxy response, or the error it
/// reported for an event it could not read.
fn expect_error(outcome: Outcome, what: &str) -> Value {
    match outcome {
        Outcome::Error(error) => {
            assert!(
                error["errorType"].as_str().is_some_and(|t| !t.is_empty())
                    && error["errorMessage"]
                        .as_str()
                        .is_some_and(|m| !m.is_empty()),
                "{what}: {error}"
            );
            error
        }
        Outcome::Response(response) => panic!("{what}: expected an error, got {response}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreadable_events_are_errors_and_the_instance_takes_the_next() {
    let (mut api, mut instance) = start().await;
    let good = event("GET", "/", "/").to_string();
    let mut body_surrogate = event("POST", "/echo", "/echo").to_string();
    body_surrogate = body_surrogate.replace("\"body\":null", "\"body\":\"a\\ud800b\"");
    assert!(body_surrogate.contains("\\ud800"), "{body_surrogate}");
    let mut not_utf8 = event("POST", "/echo", "/echo")
        .to_string()
        .replace("\"body\":null", "\"body\":\"a\u{1}b\"")
        .into_bytes();
    // The placeholder byte becomes 0xff: not UTF-8 inside a JSON string.
    let at = not_utf8
        .iter()
        .position(|&b| b == 1)
        .expect("placeholder byte");
    not_utf8[at] = 0xff;
    let bad: Vec<(&str, Vec<u8>)> = vec![
        ("truncated", good.as_bytes()[..good.len() / 2].to_vec()),
        ("not JSON", b"this is not an event".to_vec()),
        ("empty", Vec::new()),
        ("an array", b"[1, 2]".to_vec()),
        (
            "an SQS event",
            br#"{"Records": [{"messageId": "1", "body": "hi", "eventSource": "aws:sqs"}]}"#
                .to_vec(),
        ),
        (
            "no httpMethod",
            br#"{"path": "/", "requestContext": {}}"#.to_vec(),
        ),
        (
            "an unknown method",
            br#"{"httpMethod": "GET ME", "requestContext": {}}"#.to_vec(),
        ),
        (
            "an unpaired surrogate in the body",
            body_surrogate.into_bytes(),
        ),
        ("a byte that is not UTF-8", not_utf8),
    ];
    for (what, event) in bad {
        expect_error(api.invoke_bytes(event).await, what);
        // The instance is still there, and serves the next event.
        let response = api.invoke(serde_json::from_str(&good).unwrap()).await;
        assert_eq!(response["statusCode"], 200, "after {what}: {response}");
    }
    assert!(instance.is_running());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_with_nulls_get_proxy_responses() {
    let (mut api, mut instance) = start().await;
    // A test event's nulls: every optional member, and request context fields.
    let mut nulls = event("GET", "/items/{id}", "/items/5");
    nulls["pathParameters"] = json!({"id": "5"});
    for member in [
        "headers",
        "multiValueHeaders",
        "queryStringParameters",
        "multiValueQueryStringParameters",
        "stageVariables",
        "body",
        "isBase64Encoded",
    ] {
        nulls[member] = Value::Null;
    }
    for field in [
        "identity",
        "requestTimeEpoch",
        "httpMethod",
        "requestId",
        "stage",
        "authorizer",
    ] {
        nulls["requestContext"][field] = Value::Null;
    }
    let response = api.invoke(nulls.clone()).await;
    assert_eq!(response["statusCode"], 404, "{response}");
    assert_eq!(body_json(&response)["Message"], "no item 5");

    // No path parameters where the resource has one: 400 naming it.
    let mut no_params = nulls.clone();
    no_params["pathParameters"] = Value::Null;
    let response = api.invoke(no_params).await;
    assert_eq!(response["statusCode"], 400, "{response}");
    assert_eq!(
        body_json(&response)["Message"],
        "missing path parameter `id`"
    );

    // A null request context, and a header whose value is null.
    let mut index = event("GET", "/", "/");
    index["requestContext"] = Value::Null;
    index["headers"]["Accept"] = Value::Null;
    let response = api.invoke(index).await;
    assert_eq!(response["statusCode"], 200, "{response}");
    assert_eq!(body_json(&response), json!({"bonjour": "world"}));

    let mut search = event("GET", "/search", "/search");
    search["requestContext"]["identity"] = Value::Null;
    let response = api.invoke(search).await;
    assert_eq!(body_json(&response), json!({"tags": [], "q": null}));
    assert!(instance.is_running());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_that_do_not_decode_are_400() {
    let (mut api, mut instance) = start().await;
    let mut upload = event("POST", "/upload", "/upload");
    upload["body"] = json!("%%% not base64 %%%");
    upload["isBase64Encoded"] = json!(true);
    let upload = with_header(upload, "Content-Type", &["application/octet-stream"]);
    let response = api.invoke(upload).await;
    assert_eq!(response["statusCode"], 400, "{response}");
    let message = body_json(&response)["Message"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(message.contains("does not decode"), "{message}");

    // Binary (base64) bytes that are not UTF-8, to a handler reading text.
    let mut echo = event("POST", "/echo", "/echo");
    echo["body"] = json!(base64::engine::general_purpose::STANDARD.encode([b'a', 0xff, b'b']));
    echo["isBase64Encoded"] = json!(true);
    let echo = with_header(echo, "Content-Type", &["text/plain"]);
    let response = api.invoke(echo).await;
    assert_eq!(response["statusCode"], 400, "{response}");
    assert_eq!(body_json(&response)["Code"], "BadRequestError");
    assert!(instance.is_running());
}

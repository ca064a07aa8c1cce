//! One Lambda invocation, REST v1 event JSON in to proxy response JSON out:
//! chalice-rs (`Dispatcher`) beside axum behind lambda_http, in the same run.
//!
//! Each side parses the same event text, runs an equivalent handler (a
//! `GET /items/{id}` reading shared state, a `PUT /items/{id}` with a 1 KB JSON
//! body) and serialises the proxy response. Run with `cargo bench -p
//! chalice-rs-runtime --bench invoke`.

use aws_lambda_events::apigw::ApiGatewayProxyRequest;
use chalice_rs_runtime::dispatch::Dispatcher;
use chalice_rs_runtime::{route, App, ChaliceError, Json, State};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::hint::black_box;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tower::ServiceExt as _;

/// The stored item: about 1 KB of JSON.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
struct Item {
    id: u64,
    name: String,
    description: String,
    tags: Vec<String>,
    price: u32,
    in_stock: bool,
}

/// Shared state, the same type on both sides.
#[derive(Clone, Default)]
struct Db(Arc<Mutex<HashMap<u64, Item>>>);

impl Db {
    fn get(&self, id: u64) -> Option<Item> {
        self.0.lock().ok()?.get(&id).cloned()
    }
    fn put(&self, id: u64, item: Item) {
        if let Ok(mut items) = self.0.lock() {
            items.insert(id, item);
        }
    }
}

// --- chalice-rs handlers -----------------------------------------------------

#[route("/items/<id>", methods = [GET])]
async fn get_item(id: u64, State(db): State<Db>) -> Result<Json<Item>, ChaliceError> {
    db.get(id)
        .map(Json)
        .ok_or_else(|| ChaliceError::not_found(format!("no item {id}")))
}

#[route("/items/<id>", methods = [PUT])]
async fn put_item(id: u64, State(db): State<Db>, Json(item): Json<Item>) -> Json<Item> {
    db.put(id, item.clone());
    Json(item)
}

// --- axum handlers -----------------------------------------------------------

mod with_axum {
    use super::{Db, Item};
    use axum::extract::{Path, State};
    use axum::http::StatusCode;
    use axum::routing::get;
    use axum::{Json, Router};

    async fn get_item(Path(id): Path<u64>, State(db): State<Db>) -> Result<Json<Item>, StatusCode> {
        db.get(id).map(Json).ok_or(StatusCode::NOT_FOUND)
    }

    async fn put_item(
        Path(id): Path<u64>,
        State(db): State<Db>,
        Json(item): Json<Item>,
    ) -> Json<Item> {
        db.put(id, item.clone());
        Json(item)
    }

    /// lambda_http puts the stage in front of the path (`/api/items/7`).
    pub fn router(db: Db) -> Router {
        Router::new()
            .route("/api/items/{id}", get(get_item).put(put_item))
            .with_state(db)
    }
}

// --- events ------------------------------------------------------------------

fn item(id: u64) -> Item {
    Item {
        id,
        name: "Adjustable desk lamp".to_owned(),
        description: "A sturdy desk lamp with an adjustable arm, a weighted base and a warm \
                      LED that does not flicker. "
            .repeat(9),
        tags: ["home", "office", "lighting", "led", "desk", "adjustable"]
            .iter()
            .map(|t| (*t).to_owned())
            .collect(),
        price: 4_999,
        in_stock: true,
    }
}

/// A REST v1 proxy event as API Gateway sends it (headers of a browser call
/// through CloudFront).
fn event(method: &str, id: u64, body: Option<String>) -> String {
    let headers = [
        ("Accept", "application/json"),
        ("Accept-Encoding", "gzip, deflate, br"),
        ("Accept-Language", "en-GB,en;q=0.9"),
        ("CloudFront-Forwarded-Proto", "https"),
        ("CloudFront-Is-Desktop-Viewer", "true"),
        ("CloudFront-Is-Mobile-Viewer", "false"),
        ("CloudFront-Viewer-Country", "GB"),
        ("Content-Type", "application/json"),
        ("Host", "gy415nuibc.execute-api.eu-west-1.amazonaws.com"),
        (
            "User-Agent",
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36",
        ),
        (
            "Via",
            "2.0 d98420743a69852491bbdea73f7680bd.cloudfront.net (CloudFront)",
        ),
        (
            "X-Amz-Cf-Id",
            "pn-PWIJc6thYnZm5P0NMgOUglL1DYtl0gdeJky8tqsg8iS_sgsKD1A==",
        ),
        (
            "X-Amzn-Trace-Id",
            "Root=1-5e66d96f-7491f09xmpl79d18acf3d050",
        ),
        ("X-Forwarded-For", "54.240.196.186, 54.182.214.83"),
        ("X-Forwarded-Port", "443"),
        ("X-Forwarded-Proto", "https"),
    ];
    let single: serde_json::Map<String, Value> = headers
        .iter()
        .map(|(k, v)| ((*k).to_owned(), json!(v)))
        .collect();
    let multi: serde_json::Map<String, Value> = headers
        .iter()
        .map(|(k, v)| ((*k).to_owned(), json!([v])))
        .collect();
    json!({
        "resource": "/items/{id}",
        "path": format!("/items/{id}"),
        "httpMethod": method,
        "headers": single,
        "multiValueHeaders": multi,
        "queryStringParameters": null,
        "multiValueQueryStringParameters": null,
        "pathParameters": {"id": id.to_string()},
        "stageVariables": null,
        "requestContext": {
            "resourceId": "2gxmpl",
            "resourcePath": "/items/{id}",
            "httpMethod": method,
            "extendedRequestId": "JJbxmHc4IAMFd_w=",
            "requestTime": "10/Mar/2020:00:03:59 +0000",
            "path": format!("/api/items/{id}"),
            "accountId": "123456789012",
            "protocol": "HTTP/1.1",
            "stage": "api",
            "domainPrefix": "gy415nuibc",
            "requestTimeEpoch": 1583798639428_i64,
            "requestId": "77375676-xmpl-4b79-853a-f982474efe18",
            "identity": {
                "cognitoIdentityPoolId": null,
                "accountId": null,
                "cognitoIdentityId": null,
                "caller": null,
                "sourceIp": "54.240.196.186",
                "principalOrgId": null,
                "accessKey": null,
                "cognitoAuthenticationType": null,
                "cognitoAuthenticationProvider": null,
                "userArn": null,
                "userAgent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36",
                "user": null
            },
            "domainName": "gy415nuibc.execute-api.eu-west-1.amazonaws.com",
            "apiId": "gy415nuibc"
        },
        "body": body,
        "isBase64Encoded": false
    })
    .to_string()
}

// --- the two pipelines ---------------------------------------------------------

async fn chalice_invoke(dispatcher: &Dispatcher, event: &str) -> String {
    let event: ApiGatewayProxyRequest = match serde_json::from_str(event) {
        Ok(event) => event,
        Err(error) => return format!("{{\"errorMessage\":\"{error}\"}}"),
    };
    let response = dispatcher.dispatch(event, None).await;
    serde_json::to_string(&response).unwrap_or_default()
}

async fn axum_invoke(router: &axum::Router, event: &str) -> String {
    let request: lambda_http::request::LambdaRequest = match serde_json::from_str(event) {
        Ok(request) => request,
        Err(error) => return format!("{{\"errorMessage\":\"{error}\"}}"),
    };
    let event = lambda_http::LambdaEvent::new(request, lambda_http::Context::default());
    let adapter = lambda_http::Adapter::from(router.clone());
    match adapter.oneshot(event).await {
        Ok(response) => serde_json::to_string(&response).unwrap_or_default(),
        Err(error) => format!("{{\"errorMessage\":\"{error}\"}}"),
    }
}

/// Status and body JSON of a proxy response, to check both sides agree.
fn status_and_body(response: &str) -> (i64, Value) {
    let value: Value = serde_json::from_str(response).unwrap_or_default();
    let body = value["body"]
        .as_str()
        .and_then(|body| serde_json::from_str(body).ok())
        .unwrap_or_default();
    (value["statusCode"].as_i64().unwrap_or_default(), body)
}

// --- timing ----------------------------------------------------------------------

const ROUNDS: usize = 25;

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    values[values.len() / 2]
}

/// Times `ours` and `theirs` in alternating batches; returns the median
/// nanoseconds per invocation of each.
fn compare(
    runtime: &tokio::runtime::Runtime,
    dispatcher: &Dispatcher,
    router: &axum::Router,
    event: &str,
) -> (f64, f64) {
    // Batch size: about 20 ms of work per batch.
    let start = Instant::now();
    let mut calibration = 0u64;
    while start.elapsed() < Duration::from_millis(50) {
        runtime.block_on(chalice_invoke(dispatcher, event));
        calibration += 1;
    }
    let batch = (calibration * 20 / 50).max(10);
    let mut ours = Vec::with_capacity(ROUNDS);
    let mut theirs = Vec::with_capacity(ROUNDS);
    for round in 0..ROUNDS {
        let time_ours = || {
            runtime.block_on(async {
                let start = Instant::now();
                for _ in 0..batch {
                    black_box(chalice_invoke(dispatcher, black_box(event)).await);
                }
                start.elapsed().as_nanos() as f64 / batch as f64
            })
        };
        let time_theirs = || {
            runtime.block_on(async {
                let start = Instant::now();
                for _ in 0..batch {
                    black_box(axum_invoke(router, black_box(event)).await);
                }
                start.elapsed().as_nanos() as f64 / batch as f64
            })
        };
        if round % 2 == 0 {
            ours.push(time_ours());
            theirs.push(time_theirs());
        } else {
            theirs.push(time_theirs());
            ours.push(time_ours());
        }
    }
    (median(ours), median(theirs))
}

fn main() {
    // `cargo test --benches` runs this with `--test`: check agreement only.
    let quick = std::env::args().any(|arg| arg == "--test");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let db = Db::default();
    db.put(7, item(7));
    let dispatcher = Dispatcher::new(App::new().state(db.clone()));
    let router = with_axum::router(db);

    let body = serde_json::to_string(&item(8)).expect("item JSON");
    let cases = [
        ("GET /items/{id}", event("GET", 7, None)),
        (
            "PUT /items/{id} (1 KB JSON)",
            event("PUT", 8, Some(body.clone())),
        ),
    ];
    println!(
        "one invocation: REST v1 event JSON -> proxy response JSON (body {} bytes for PUT, event {} bytes)",
        body.len(),
        cases[1].1.len()
    );
    for (name, event) in &cases {
        let ours = runtime.block_on(chalice_invoke(&dispatcher, event));
        let theirs = runtime.block_on(axum_invoke(&router, event));
        let (our_status, our_body) = status_and_body(&ours);
        let (their_status, their_body) = status_and_body(&theirs);
        assert_eq!(our_status, 200, "chalice-rs answered {ours}");
        assert_eq!(their_status, 200, "axum answered {theirs}");
        assert_eq!(our_body, their_body, "the two sides disagree on {name}");
        if quick {
            continue;
        }
        let (ours, theirs) = compare(&runtime, &dispatcher, &router, event);
        println!(
            "{name:<28} chalice-rs {:>8.2} µs   axum+lambda_http {:>8.2} µs   ours/axum {:.2}",
            ours / 1000.0,
            theirs / 1000.0,
            ours / theirs
        );
    }
}

//! examples/hello: the chalice-rs tour in one file.

use chalice_rs_runtime::{
    route, App, ChaliceError, Json, Query, RawBody, Request, Response, State, StatusCode,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// An item stored in memory.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct Item {
    /// Its name.
    pub name: String,
    /// Its price in cents.
    #[serde(default)]
    pub price: u32,
}

/// The in-memory store, shared by the handlers of one instance.
#[derive(Clone, Default)]
pub struct Db(Arc<Mutex<BTreeMap<u64, Item>>>);

impl Db {
    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<u64, Item>> {
        // A poisoned lock only means a handler panicked mid-update; the map is still usable.
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A greeting.
#[route("/", methods = [GET])]
async fn index() -> Json<Value> {
    let greeting = std::env::var("GREETING").unwrap_or_else(|_| "hello".to_owned());
    Json(json!({ greeting: "world" }))
}

/// Query parameters of `GET /items`.
#[derive(Deserialize, JsonSchema)]
struct ListParams {
    limit: Option<usize>,
    min_price: Option<u32>,
}

/// The items, by number.
///
/// `limit` caps how many; `min_price` (in cents) leaves out the cheaper ones.
#[route("/items", methods = [GET])]
async fn list_items(Query(params): Query<ListParams>, State(db): State<Db>) -> Json<Value> {
    let items: Vec<Value> = db
        .lock()
        .iter()
        .filter(|(_, item)| item.price >= params.min_price.unwrap_or(0))
        .take(params.limit.unwrap_or(usize::MAX))
        .map(|(id, item)| json!({"id": id, "name": item.name, "price": item.price}))
        .collect();
    Json(json!({ "items": items }))
}

/// Stores a new item and answers 201 with its number.
#[route("/items", methods = [POST])]
async fn create_item(
    Json(item): Json<Item>,
    State(db): State<Db>,
) -> Result<(StatusCode, Json<Value>), ChaliceError> {
    if item.name.trim().is_empty() {
        return Err(ChaliceError::bad_request("an item needs a name"));
    }
    let mut items = db.lock();
    let id = items.keys().next_back().map_or(1, |last| last + 1);
    items.insert(id, item.clone());
    Ok((
        StatusCode::CREATED,
        Json(json!({"id": id, "name": item.name, "price": item.price})),
    ))
}

/// One item by its number.
///
/// GET reads it, PUT writes it (201 when new), DELETE removes it (204).
#[route("/items/<id>", methods = [GET, PUT, DELETE])]
async fn item(id: u64, request: Request, State(db): State<Db>) -> Result<Response, ChaliceError> {
    let mut items = db.lock();
    match request.method().as_str() {
        "GET" => match items.get(&id) {
            Some(item) => Ok(Response::builder().json(item)),
            None => Err(ChaliceError::not_found(format!("no item {id}"))),
        },
        "PUT" => {
            let item: Item = request.json()?;
            let created = items.insert(id, item.clone()).is_none();
            let status = if created { 201 } else { 200 };
            Ok(Response::builder().status(status).json(&item))
        }
        _ => match items.remove(&id) {
            Some(_) => Ok(Response::builder().status(204).empty()),
            None => Err(ChaliceError::not_found(format!("no item {id}"))),
        },
    }
}

#[route("/search", methods = [GET])]
async fn search(request: Request) -> Json<Value> {
    Json(json!({ "tags": request.query_all("tag"), "q": request.query("q") }))
}

#[route("/echo", methods = [POST], content_types = ["application/json", "text/plain"])]
async fn echo(request: Request) -> Result<Response, ChaliceError> {
    Ok(Response::builder()
        .header("content-type", request.content_type())
        .header("set-cookie", "seen=1")
        .header("set-cookie", "theme=dark")
        .text(request.text()?))
}

#[route("/files/<path..>", methods = [GET])]
async fn file(path: String) -> Response {
    Response::builder()
        .header("content-type", "text/plain")
        .text(format!("file: {path}"))
}

#[route("/image", methods = [GET])]
async fn image() -> Response {
    // The 8-byte PNG signature and a few bytes that are not UTF-8.
    Response::builder()
        .header("content-type", "image/png")
        .binary(vec![
            0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0xff, 0x00,
        ])
}

#[route("/upload", methods = [POST], content_types = ["application/octet-stream", "image/png"])]
async fn upload(RawBody(bytes): RawBody) -> Json<Value> {
    Json(json!({ "received": bytes.len() }))
}

#[route("/teapot", methods = [GET])]
async fn teapot() -> Result<String, ChaliceError> {
    Err(ChaliceError::new(
        chalice_rs_runtime::ErrorKind::Conflict,
        "I am a teapot, not a coffee machine",
    ))
}

#[route("/panic", methods = [GET])]
async fn panics() -> &'static str {
    panic!("this handler always panics");
}

#[route("/sleep/<ms>", methods = [GET])]
async fn sleep(ms: u64) -> String {
    // Blocks the instance on purpose: the local server's timeout test uses it.
    std::thread::sleep(std::time::Duration::from_millis(ms));
    format!("slept {ms} ms")
}

#[route("/crash", methods = [GET])]
async fn crash() -> &'static str {
    // Kills the instance: API Gateway answers 502 and Lambda starts a new one.
    std::process::exit(70);
}

/// The app's shared state, built once per instance.
pub fn app() -> App {
    App::new().state(Db::default())
}

#[cfg(test)]
mod tests;

fn main() -> std::process::ExitCode {
    chalice_rs_runtime::run(|| async { app() })
}

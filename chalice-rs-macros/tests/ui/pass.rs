//! A valid app: every argument source and several return types.

use chalice_rs_runtime::{
    route, App, ChaliceError, Headers, Json, Query, RawBody, Request, Response, State, StatusCode,
    TextBody,
};
use serde::Deserialize;

#[derive(Clone, Default)]
struct Db;

#[derive(Deserialize, serde::Serialize)]
struct Item {
    name: String,
}

#[derive(Deserialize)]
struct Page {
    limit: Option<u32>,
}

#[route("/", methods = [GET])]
async fn index() -> &'static str {
    "hello"
}

#[route("/items/<id>", methods = [GET, PUT], content_types = ["application/json"], name = "get_item")]
async fn item(id: u64, request: Request, State(_db): State<Db>) -> Result<Json<Item>, ChaliceError> {
    let _ = request.method();
    Ok(Json(Item { name: id.to_string() }))
}

#[route("/items", methods = [POST])]
async fn create(Json(item): Json<Item>) -> (StatusCode, Json<Item>) {
    (StatusCode::CREATED, Json(item))
}

#[route("/items", methods = [GET])]
fn list(Query(page): Query<Page>, Headers(headers): Headers) -> String {
    format!("{:?} {}", page.limit, headers.len())
}

#[route("/files/<path..>", methods = [GET])]
async fn file(path: String) -> Response {
    Response::builder().text(path)
}

#[route("/upload", methods = [POST], content_types = ["application/octet-stream"])]
async fn upload(RawBody(bytes): RawBody) -> Vec<u8> {
    bytes
}

#[route("/echo", methods = ["post"], content_types = ["text/plain"])]
async fn echo(TextBody(text): TextBody) -> String {
    text
}

fn main() {
    // Every attribute registered, with its options.
    let manifest = chalice_rs_runtime::registry::manifest().expect("a valid manifest");
    assert_eq!(manifest.routes.len(), 8);
    let item = manifest
        .routes
        .iter()
        .find(|r| r.resource_path == "/items/{id}" && r.method == "PUT")
        .expect("PUT /items/{id}");
    assert_eq!(item.handler, "get_item");
    let echo = manifest.routes.iter().find(|r| r.resource_path == "/echo").expect("/echo");
    assert_eq!(echo.method, "POST");
    assert_eq!(echo.content_types, ["text/plain"]);
    // The entry point type-checks (running it needs a Lambda Runtime API).
    let _entry: fn() -> std::process::ExitCode =
        || chalice_rs_runtime::run(|| async { App::new().state(Db) });
}

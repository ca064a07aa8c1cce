//! The baseline of bench/local.sh: the same `GET /items/{id}` and
//! `PUT /items/{id}` as examples/hello, served by axum directly (no API
//! Gateway or Lambda emulation). Usage: `bare-axum <port>`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// An item, as in examples/hello.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Item {
    name: String,
    #[serde(default)]
    price: u32,
}

type Db = Arc<Mutex<BTreeMap<u64, Item>>>;

async fn get_item(Path(id): Path<u64>, State(db): State<Db>) -> (StatusCode, Json<Value>) {
    let items = db.lock().unwrap_or_else(|e| e.into_inner());
    match items.get(&id) {
        Some(item) => (StatusCode::OK, Json(json!(item))),
        None => (
            StatusCode::NOT_FOUND,
            Json(json!({"Code": "NotFoundError", "Message": format!("no item {id}")})),
        ),
    }
}

async fn put_item(
    Path(id): Path<u64>,
    State(db): State<Db>,
    Json(item): Json<Item>,
) -> (StatusCode, Json<Item>) {
    let created = db
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(id, item.clone())
        .is_none();
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    (status, Json(item))
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let port: u16 = std::env::args()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(8001);
    let app = Router::new()
        .route("/items/{id}", get(get_item).put(put_item))
        .with_state(Db::default());
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("bare axum: serving on http://127.0.0.1:{port}/");
    axum::serve(listener, app).await
}

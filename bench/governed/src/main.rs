//! The app bench/local-floor.sh measures governance on: `GET /items/<id>`
//! plain and `GET /keyed/items/<id>` behind an API key and a cached TOKEN
//! authorizer; `POST /unchecked/items` plain and `POST /items` with a body
//! validated against its schema. Each pair's handlers do the same work, so
//! that the figures differ by what the gateway does in front of them.

use chalice_rs_runtime::authorizer::{AuthRequest, AuthResponse};
use chalice_rs_runtime::{authorizer, route, App, Json};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{json, Value};

/// `Authorization: allow-<name>` is allowed everything, cached for 5 minutes.
#[authorizer(header = "Authorization", validation = "^allow-[a-z]+$", ttl = 300)]
async fn bearer(request: AuthRequest) -> AuthResponse {
    match request.token().and_then(|token| token.strip_prefix("allow-")) {
        Some(name) => AuthResponse::allow(name, ["*"]),
        None => AuthResponse::unauthorized(),
    }
}

#[route("/items/<id>", methods = [GET])]
async fn item(id: u64) -> Json<Value> {
    Json(json!({"id": id, "name": "pen"}))
}

#[route("/keyed/items/<id>", methods = [GET], api_key_required = true, authorizer = bearer)]
async fn keyed_item(id: u64) -> Json<Value> {
    Json(json!({"id": id, "name": "pen"}))
}

/// The body of `POST /items`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct NewItem {
    /// The item's name.
    pub name: String,
    /// Its price in cents.
    pub price: u32,
}

#[route("/items", methods = [POST], validate = true)]
async fn create_item(Json(item): Json<NewItem>) -> Json<Value> {
    Json(json!({"id": 1, "name": item.name, "price": item.price}))
}

#[route("/unchecked/items", methods = [POST])]
async fn create_unchecked_item(Json(item): Json<NewItem>) -> Json<Value> {
    Json(json!({"id": 1, "name": item.name, "price": item.price}))
}

fn main() -> std::process::ExitCode {
    chalice_rs_runtime::run(|| async { App::new() })
}

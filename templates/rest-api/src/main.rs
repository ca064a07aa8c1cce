//! {{name}}: a REST API on chalice-rs, items kept in memory.
//!
//! - `GET /items?limit=N`: the items, in id order.
//! - `POST /items` `{"name": "...", "price": 100}`: adds one (201).
//! - `GET /items/<id>`, `PUT /items/<id>`, `DELETE /items/<id>` (204).
//!
//! The memory belongs to one Lambda instance: swap the store for DynamoDB
//! (see the `dynamodb` template) before relying on it.

use chalice_rs_runtime::{route, App, ChaliceError, Json, Query, State, StatusCode};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

/// An item.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Item {
    /// Its name (not blank).
    pub name: String,
    /// Its price in cents.
    #[serde(default)]
    pub price: u32,
}

impl Item {
    fn validate(self) -> Result<Item, ChaliceError> {
        if self.name.trim().is_empty() {
            return Err(ChaliceError::bad_request("`name` must not be blank"));
        }
        Ok(self)
    }
}

/// The items of this instance, by id.
#[derive(Clone, Default)]
pub struct Store(Arc<Mutex<BTreeMap<u64, Item>>>);

impl Store {
    fn lock(&self) -> MutexGuard<'_, BTreeMap<u64, Item>> {
        // A poisoned lock only means a handler panicked mid-update.
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// An item with its id, as answered.
#[derive(Serialize)]
struct Stored<'a> {
    id: u64,
    #[serde(flatten)]
    item: &'a Item,
}

#[derive(Deserialize)]
struct ListParams {
    limit: Option<usize>,
}

#[route("/items", methods = [GET])]
async fn list_items(
    Query(params): Query<ListParams>,
    State(store): State<Store>,
) -> Json<serde_json::Value> {
    let items = store.lock();
    let page: Vec<Stored<'_>> = items
        .iter()
        .take(params.limit.unwrap_or(usize::MAX))
        .map(|(id, item)| Stored { id: *id, item })
        .collect();
    Json(serde_json::json!({ "items": page }))
}

#[route("/items", methods = [POST])]
async fn create_item(
    Json(item): Json<Item>,
    State(store): State<Store>,
) -> Result<(StatusCode, Json<serde_json::Value>), ChaliceError> {
    let item = item.validate()?;
    let mut items = store.lock();
    let id = items.keys().next_back().map_or(1, |last| last + 1);
    let body = serde_json::json!(Stored { id, item: &item });
    items.insert(id, item);
    Ok((StatusCode::CREATED, Json(body)))
}

#[route("/items/<id>", methods = [GET])]
async fn get_item(id: u64, State(store): State<Store>) -> Result<Json<Item>, ChaliceError> {
    store
        .lock()
        .get(&id)
        .cloned()
        .map(Json)
        .ok_or_else(|| ChaliceError::not_found(format!("no item {id}")))
}

#[route("/items/<id>", methods = [PUT])]
async fn put_item(
    id: u64,
    Json(item): Json<Item>,
    State(store): State<Store>,
) -> Result<(StatusCode, Json<Item>), ChaliceError> {
    let item = item.validate()?;
    let created = store.lock().insert(id, item.clone()).is_none();
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(item)))
}

#[route("/items/<id>", methods = [DELETE])]
async fn delete_item(
    id: u64,
    State(store): State<Store>,
) -> Result<(StatusCode, String), ChaliceError> {
    match store.lock().remove(&id) {
        Some(_) => Ok((StatusCode::NO_CONTENT, String::new())),
        None => Err(ChaliceError::not_found(format!("no item {id}"))),
    }
}

/// The app with its store.
pub fn app() -> App {
    App::new().state(Store::default())
}

#[cfg(test)]
mod tests;

fn main() -> std::process::ExitCode {
    chalice_rs_runtime::run(|| async { app() })
}

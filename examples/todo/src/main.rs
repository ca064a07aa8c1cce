//! examples/todo: a todo API on DynamoDB.
//!
//! - `GET /todos?limit=N&next_token=T`: one page of todos (`limit` 1..=100,
//!   default 20); the answer's `next_token` fetches the next page.
//! - `POST /todos` `{"title": "...", "done": false}`: creates a todo (201).
//! - `GET /todos/<id>`, `PUT /todos/<id>` (`title` and/or `done`),
//!   `DELETE /todos/<id>` (204): 404 for an unknown id.
//!
//! The write routes need an API key (`x-api-key`; the stage's `api_keys`,
//! `todo-writer`: locally that name is its value, deployed API Gateway
//! chooses it). The table name comes from `TODO_TABLE`; the AWS configuration from the
//! environment through aws-config, including `AWS_ENDPOINT_URL` (moto in the
//! tests and under `cargo chalice local`).

use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use aws_sdk_dynamodb::Client;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chalice_rs_runtime::{route, App, ChaliceError, Json, Query, State, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::HashMap;

/// Longest title accepted, in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// Page size when `limit` is absent.
pub const DEFAULT_LIMIT: u32 = 20;
/// Largest page size.
pub const MAX_LIMIT: u32 = 100;

/// The handlers' shared state: the DynamoDB client and the table.
#[derive(Clone)]
pub struct Todos {
    /// The DynamoDB client.
    pub client: Client,
    /// The table, keyed by the string attribute `id`.
    pub table: String,
}

/// A stored todo.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Todo {
    /// Its id (a UUID).
    pub id: String,
    /// What to do.
    pub title: String,
    /// Whether it is done.
    pub done: bool,
}

/// The body of `POST /todos`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewTodo {
    title: String,
    #[serde(default)]
    done: bool,
}

/// The body of `PUT /todos/<id>`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TodoUpdate {
    title: Option<String>,
    done: Option<bool>,
}

/// The query of `GET /todos`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Page {
    limit: Option<u32>,
    next_token: Option<String>,
}

/// A title trimmed and checked: not blank, at most [`MAX_TITLE_CHARS`].
pub fn valid_title(title: &str) -> Result<String, ChaliceError> {
    let title = title.trim();
    if title.is_empty() {
        return Err(ChaliceError::bad_request("`title` must not be blank"));
    }
    if title.chars().count() > MAX_TITLE_CHARS {
        return Err(ChaliceError::bad_request(format!(
            "`title` is longer than {MAX_TITLE_CHARS} characters"
        )));
    }
    Ok(title.to_owned())
}

/// The page token of the last id of a page.
pub fn encode_token(last_id: &str) -> String {
    URL_SAFE_NO_PAD.encode(last_id)
}

/// The last id of the previous page, from its token; 400 when malformed.
pub fn decode_token(token: &str) -> Result<String, ChaliceError> {
    URL_SAFE_NO_PAD
        .decode(token)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .filter(|id| !id.is_empty())
        .ok_or_else(|| ChaliceError::bad_request("`next_token` is not a token this API issued"))
}

/// Logs an SDK failure and answers 500 (the details stay in the logs).
fn backend_error(operation: &str, error: impl std::fmt::Debug) -> ChaliceError {
    eprintln!("todo: DynamoDB {operation} failed: {error:?}");
    ChaliceError::internal()
}

/// A todo from a DynamoDB item; `None` when the item is malformed.
fn from_item(item: &HashMap<String, AttributeValue>) -> Option<Todo> {
    Some(Todo {
        id: item.get("id")?.as_s().ok()?.clone(),
        title: item.get("title")?.as_s().ok()?.clone(),
        done: *item.get("done")?.as_bool().ok()?,
    })
}

fn to_json(todo: &Todo) -> Value {
    json!({"id": todo.id, "title": todo.title, "done": todo.done})
}

fn id_key(id: &str) -> AttributeValue {
    AttributeValue::S(id.to_owned())
}

#[route("/todos", methods = [GET])]
async fn list_todos(
    Query(page): Query<Page>,
    State(todos): State<Todos>,
) -> Result<Json<Value>, ChaliceError> {
    let limit = page.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ChaliceError::bad_request(format!(
            "`limit` must be between 1 and {MAX_LIMIT}"
        )));
    }
    let start = match page.next_token.as_deref() {
        Some(token) => Some(HashMap::from([(
            "id".to_owned(),
            id_key(&decode_token(token)?),
        )])),
        None => None,
    };
    let output = todos
        .client
        .scan()
        .table_name(&todos.table)
        .limit(limit as i32)
        .set_exclusive_start_key(start)
        .send()
        .await
        .map_err(|error| backend_error("Scan", error))?;
    let items: Vec<Value> = output
        .items()
        .iter()
        .filter_map(from_item)
        .map(|t| to_json(&t))
        .collect();
    let next_token = output
        .last_evaluated_key()
        .and_then(|key| key.get("id"))
        .and_then(|id| id.as_s().ok())
        .map(|id| encode_token(id));
    Ok(Json(json!({"items": items, "next_token": next_token})))
}

#[route("/todos", methods = [POST], api_key_required = true)]
async fn create_todo(
    Json(new): Json<NewTodo>,
    State(todos): State<Todos>,
) -> Result<(StatusCode, Json<Value>), ChaliceError> {
    let todo = Todo {
        id: uuid::Uuid::new_v4().to_string(),
        title: valid_title(&new.title)?,
        done: new.done,
    };
    todos
        .client
        .put_item()
        .table_name(&todos.table)
        .item("id", id_key(&todo.id))
        .item("title", AttributeValue::S(todo.title.clone()))
        .item("done", AttributeValue::Bool(todo.done))
        .condition_expression("attribute_not_exists(id)")
        .send()
        .await
        .map_err(|error| backend_error("PutItem", error))?;
    Ok((StatusCode::CREATED, Json(to_json(&todo))))
}

#[route("/todos/<id>", methods = [GET])]
async fn get_todo(id: String, State(todos): State<Todos>) -> Result<Json<Value>, ChaliceError> {
    let output = todos
        .client
        .get_item()
        .table_name(&todos.table)
        .key("id", id_key(&id))
        .send()
        .await
        .map_err(|error| backend_error("GetItem", error))?;
    match output.item().and_then(from_item) {
        Some(todo) => Ok(Json(to_json(&todo))),
        None => Err(ChaliceError::not_found(format!("no todo {id}"))),
    }
}

#[route("/todos/<id>", methods = [PUT], api_key_required = true)]
async fn update_todo(
    id: String,
    Json(update): Json<TodoUpdate>,
    State(todos): State<Todos>,
) -> Result<Json<Value>, ChaliceError> {
    let mut sets = Vec::new();
    let mut request = todos
        .client
        .update_item()
        .table_name(&todos.table)
        .key("id", id_key(&id))
        .condition_expression("attribute_exists(id)")
        .return_values(ReturnValue::AllNew);
    if let Some(title) = &update.title {
        sets.push("#title = :title");
        request = request
            .expression_attribute_names("#title", "title")
            .expression_attribute_values(":title", AttributeValue::S(valid_title(title)?));
    }
    if let Some(done) = update.done {
        sets.push("#done = :done");
        request = request
            .expression_attribute_names("#done", "done")
            .expression_attribute_values(":done", AttributeValue::Bool(done));
    }
    if sets.is_empty() {
        return Err(ChaliceError::bad_request(
            "give `title` and/or `done` to update",
        ));
    }
    let output = request
        .update_expression(format!("SET {}", sets.join(", ")))
        .send()
        .await
        .map_err(|error| {
            if error
                .as_service_error()
                .is_some_and(|e| e.is_conditional_check_failed_exception())
            {
                ChaliceError::not_found(format!("no todo {id}"))
            } else {
                backend_error("UpdateItem", error)
            }
        })?;
    let todo = output
        .attributes()
        .and_then(from_item)
        .ok_or_else(|| backend_error("UpdateItem", "the answer holds no todo"))?;
    Ok(Json(to_json(&todo)))
}

#[route("/todos/<id>", methods = [DELETE], api_key_required = true)]
async fn delete_todo(
    id: String,
    State(todos): State<Todos>,
) -> Result<(StatusCode, String), ChaliceError> {
    todos
        .client
        .delete_item()
        .table_name(&todos.table)
        .key("id", id_key(&id))
        .condition_expression("attribute_exists(id)")
        .send()
        .await
        .map_err(|error| {
            if error
                .as_service_error()
                .is_some_and(|e| e.is_conditional_check_failed_exception())
            {
                ChaliceError::not_found(format!("no todo {id}"))
            } else {
                backend_error("DeleteItem", error)
            }
        })?;
    Ok((StatusCode::NO_CONTENT, String::new()))
}

/// The app with its DynamoDB client, configured from the environment
/// (`AWS_ENDPOINT_URL`, region, credentials) and `TODO_TABLE` (default `todos`).
pub async fn app() -> App {
    let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let table = std::env::var("TODO_TABLE").unwrap_or_else(|_| "todos".to_owned());
    App::new().state(Todos {
        client: Client::new(&config),
        table,
    })
}

#[cfg(test)]
mod tests;

fn main() -> std::process::ExitCode {
    chalice_rs_runtime::run(app)
}

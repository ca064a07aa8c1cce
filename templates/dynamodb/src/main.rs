//! {{name}}: a chalice-rs API storing notes in DynamoDB.
//!
//! - `POST /notes` `{"text": "..."}`: stores a note (201, with its id).
//! - `GET /notes/<id>`, `DELETE /notes/<id>` (204): 404 for an unknown id.
//!
//! The table (string key `id`) is declared in `.chalice/resources.json` and
//! deployed in the app's stack; `TABLE_NAME` refers to it (`{"Ref": "Table"}`
//! in `.chalice/config.json`; `cargo chalice local` uses its name,
//! `{{name}}-dev`). Region, credentials
//! and `AWS_ENDPOINT_URL` (for example a local moto server) from the
//! environment. `cargo chalice gen-policy` shows the IAM actions the code
//! needs (`dynamodb:PutItem`, `dynamodb:GetItem`, `dynamodb:DeleteItem`).

use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::Client;
use chalice_rs_runtime::{route, App, ChaliceError, Json, State, StatusCode};
use serde::Deserialize;
use serde_json::{json, Value};

/// The handlers' shared state.
#[derive(Clone)]
pub struct Notes {
    /// The DynamoDB client.
    pub client: Client,
    /// The table's name.
    pub table: String,
}

/// The body of `POST /notes`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewNote {
    text: String,
}

/// Logs an SDK failure and answers 500 (details stay in the logs).
fn backend_error(operation: &str, error: impl std::fmt::Debug) -> ChaliceError {
    eprintln!("DynamoDB {operation} failed: {error:?}");
    ChaliceError::internal()
}

#[route("/notes", methods = [POST])]
async fn create_note(
    Json(note): Json<NewNote>,
    State(notes): State<Notes>,
) -> Result<(StatusCode, Json<Value>), ChaliceError> {
    let text = note.text.trim();
    if text.is_empty() || text.chars().count() > 1000 {
        return Err(ChaliceError::bad_request(
            "`text` must hold 1 to 1000 characters",
        ));
    }
    let id = uuid::Uuid::new_v4().to_string();
    notes
        .client
        .put_item()
        .table_name(&notes.table)
        .item("id", AttributeValue::S(id.clone()))
        .item("text", AttributeValue::S(text.to_owned()))
        .send()
        .await
        .map_err(|error| backend_error("PutItem", error))?;
    Ok((StatusCode::CREATED, Json(json!({"id": id, "text": text}))))
}

#[route("/notes/<id>", methods = [GET])]
async fn get_note(id: String, State(notes): State<Notes>) -> Result<Json<Value>, ChaliceError> {
    let output = notes
        .client
        .get_item()
        .table_name(&notes.table)
        .key("id", AttributeValue::S(id.clone()))
        .send()
        .await
        .map_err(|error| backend_error("GetItem", error))?;
    let text = output
        .item()
        .and_then(|item| item.get("text"))
        .and_then(|text| text.as_s().ok())
        .ok_or_else(|| ChaliceError::not_found(format!("no note {id}")))?;
    Ok(Json(json!({"id": id, "text": text})))
}

#[route("/notes/<id>", methods = [DELETE])]
async fn delete_note(
    id: String,
    State(notes): State<Notes>,
) -> Result<(StatusCode, String), ChaliceError> {
    notes
        .client
        .delete_item()
        .table_name(&notes.table)
        .key("id", AttributeValue::S(id.clone()))
        .condition_expression("attribute_exists(id)")
        .send()
        .await
        .map_err(|error| {
            if error
                .as_service_error()
                .is_some_and(|e| e.is_conditional_check_failed_exception())
            {
                ChaliceError::not_found(format!("no note {id}"))
            } else {
                backend_error("DeleteItem", error)
            }
        })?;
    Ok((StatusCode::NO_CONTENT, String::new()))
}

/// The app with a client for `table`.
pub fn app_with(client: Client, table: String) -> App {
    App::new().state(Notes { client, table })
}

#[cfg(test)]
mod tests;

fn main() -> std::process::ExitCode {
    chalice_rs_runtime::run(|| async {
        let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        let table = std::env::var("TABLE_NAME").unwrap_or_else(|_| "{{name}}".to_owned());
        app_with(Client::new(&config), table)
    })
}

//! Where the chat keeps its connections: which room each is in.

use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::Client;
use chalice_rs_runtime::ChaliceError;
use std::path::PathBuf;
use std::time::Duration;

/// The longest room name.
pub const MAX_ROOM: usize = 64;

/// A room name is 1 to [`MAX_ROOM`] letters, digits, `-` and `_`.
pub fn check_room(room: &str) -> Result<(), ChaliceError> {
    let ok = !room.is_empty()
        && room.len() <= MAX_ROOM
        && room
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(ChaliceError::bad_request(format!(
            "`room` is 1 to {MAX_ROOM} letters, digits, `-` and `_`"
        )))
    }
}

/// The connections of every room.
#[derive(Clone, Debug)]
pub enum Rooms {
    /// The DynamoDB table: key `connection_id`, attribute `room`, and an
    /// index `room` on it.
    Dynamo {
        /// The client.
        client: Client,
        /// The table's name.
        table: String,
    },
    /// No table reachable: one file per connection in a directory of this
    /// machine, which every function of the app reads (each WebSocket route
    /// is its own Lambda function, its own process, so memory would not be
    /// shared).
    Local {
        /// The directory.
        dir: PathBuf,
    },
}

impl Rooms {
    /// The table of `CHAT_TABLE` when it answers, else the local directory.
    pub async fn open() -> Self {
        let table = std::env::var("CHAT_TABLE").unwrap_or_default();
        if !table.is_empty() {
            let config = aws_config::from_env()
                .timeout_config(
                    aws_config::timeout::TimeoutConfig::builder()
                        .operation_timeout(Duration::from_secs(3))
                        .build(),
                )
                .retry_config(aws_config::retry::RetryConfig::disabled())
                .load()
                .await;
            let client = Client::new(&config);
            match client.describe_table().table_name(&table).send().await {
                Ok(_) => {
                    let client = Client::new(&aws_config::load_from_env().await);
                    return Rooms::Dynamo { client, table };
                }
                Err(error) => eprintln!(
                    "chat: the table {table} cannot be reached ({}); keeping the connections on this machine",
                    aws_sdk_dynamodb::error::DisplayErrorContext(&error)
                ),
            }
        }
        let name = if table.is_empty() {
            "chat"
        } else {
            table.as_str()
        };
        let dir = std::env::temp_dir().join(format!("chalice-rs-{name}"));
        if let Err(error) = std::fs::create_dir_all(&dir) {
            eprintln!("chat: cannot create {}: {error}", dir.display());
        }
        Rooms::Local { dir }
    }

    /// The file of a connection in the local directory (its id hex-encoded:
    /// ids hold `/` and `=`).
    fn file(dir: &std::path::Path, connection_id: &str) -> PathBuf {
        let name: String = connection_id.bytes().map(|b| format!("{b:02x}")).collect();
        dir.join(name)
    }

    /// Puts the connection in `room`.
    pub async fn join(&self, room: &str, connection_id: &str) -> Result<(), ChaliceError> {
        match self {
            Rooms::Dynamo { client, table } => {
                client
                    .put_item()
                    .table_name(table)
                    .item("connection_id", AttributeValue::S(connection_id.to_owned()))
                    .item("room", AttributeValue::S(room.to_owned()))
                    .send()
                    .await?;
            }
            Rooms::Local { dir } => std::fs::write(Self::file(dir, connection_id), room)?,
        }
        Ok(())
    }

    /// Forgets the connection.
    pub async fn leave(&self, connection_id: &str) -> Result<(), ChaliceError> {
        match self {
            Rooms::Dynamo { client, table } => {
                client
                    .delete_item()
                    .table_name(table)
                    .key("connection_id", AttributeValue::S(connection_id.to_owned()))
                    .send()
                    .await?;
            }
            Rooms::Local { dir } => match std::fs::remove_file(Self::file(dir, connection_id)) {
                Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
                    return Err(error.into())
                }
                _ => {}
            },
        }
        Ok(())
    }

    /// The room of the connection.
    pub async fn room_of(&self, connection_id: &str) -> Result<Option<String>, ChaliceError> {
        match self {
            Rooms::Dynamo { client, table } => {
                let item = client
                    .get_item()
                    .table_name(table)
                    .key("connection_id", AttributeValue::S(connection_id.to_owned()))
                    .send()
                    .await?;
                Ok(item
                    .item()
                    .and_then(|item| item.get("room"))
                    .and_then(|room| room.as_s().ok())
                    .cloned())
            }
            Rooms::Local { dir } => match std::fs::read_to_string(Self::file(dir, connection_id)) {
                Ok(room) => Ok(Some(room)),
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(error) => Err(error.into()),
            },
        }
    }

    /// The connections of `room`.
    pub async fn members(&self, room: &str) -> Result<Vec<String>, ChaliceError> {
        match self {
            Rooms::Dynamo { client, table } => {
                let mut members = Vec::new();
                let mut pages = client
                    .query()
                    .table_name(table)
                    .index_name("room")
                    .key_condition_expression("room = :room")
                    .expression_attribute_values(":room", AttributeValue::S(room.to_owned()))
                    .into_paginator()
                    .send();
                while let Some(page) = pages.next().await {
                    for item in page?.items() {
                        if let Some(Ok(id)) = item.get("connection_id").map(AttributeValue::as_s) {
                            members.push(id.clone());
                        }
                    }
                }
                Ok(members)
            }
            Rooms::Local { dir } => {
                let mut members = Vec::new();
                for entry in std::fs::read_dir(dir)? {
                    let path = entry?.path();
                    // A connection that left meanwhile is skipped.
                    let Ok(its_room) = std::fs::read_to_string(&path) else {
                        continue;
                    };
                    if its_room != room {
                        continue;
                    }
                    let name = path
                        .file_name()
                        .and_then(|n| n.to_str())
                        .unwrap_or_default();
                    let bytes: Option<Vec<u8>> = (0..name.len())
                        .step_by(2)
                        .map(|i| u8::from_str_radix(name.get(i..i + 2)?, 16).ok())
                        .collect();
                    if let Some(id) = bytes.and_then(|b| String::from_utf8(b).ok()) {
                        members.push(id);
                    }
                }
                Ok(members)
            }
        }
    }
}

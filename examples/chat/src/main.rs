//! examples/chat: a WebSocket chat with rooms.
//!
//! - Connect to `wss://.../api?room=NAME` (`ws://127.0.0.1:8001/api?room=NAME`
//!   under `cargo chalice local`): the connection joins the room. The
//!   `$connect` authorizer refuses a connection without `room` (401, API
//!   Gateway's check of its identity source) and to a room of `CLOSED_ROOMS`
//!   (403); the connect handler refuses a malformed room name (400).
//! - Send `{"action": "sendmessage", "message": TEXT}`: TEXT goes to every
//!   other connection of the room, through the connections API; the sender
//!   gets `{"delivered": N}`. Connections that are gone are forgotten.
//! - Anything else goes to `$default`, which answers with how to send.
//!
//! The connections are kept in the DynamoDB table `CHAT_TABLE` (the stack's
//! `ChatConnections`). When that table cannot be reached (no table, no
//! credentials, as on a laptop), they are kept on this machine instead
//! ([`rooms::Rooms::Local`]), so that `cargo chalice local` works with no AWS
//! at all.

mod rooms;

use chalice_rs_runtime::authorizer::{AuthRequest, AuthResponse};
use chalice_rs_runtime::websocket::{ConnectionError, Connections};
use chalice_rs_runtime::{
    authorizer, on_ws_connect, on_ws_disconnect, on_ws_message, App, ChaliceError, Json, Query,
    Request, State, StatusCode, TextBody, WebsocketContext,
};
use rooms::Rooms;
use serde::Deserialize;
use serde_json::{json, Value};

/// The query of the connection: `?room=NAME`.
#[derive(Debug, Deserialize)]
struct Join {
    room: String,
}

/// A message of the `sendmessage` route.
#[derive(Debug, Deserialize)]
struct SendMessage {
    message: String,
}

/// Admits connections to any room but those of `CLOSED_ROOMS` (a
/// comma-separated list of the stage's environment), with the room as the
/// principal; without `?room=` API Gateway refuses before calling it.
#[authorizer(kind = request, query = ["room"], ttl = 0)]
async fn open_rooms(request: AuthRequest) -> AuthResponse {
    let room = request.query("room").unwrap_or_default();
    let closed = std::env::var("CLOSED_ROOMS").unwrap_or_default();
    if closed.split(',').any(|closed| closed.trim() == room) {
        return AuthResponse::deny(room);
    }
    AuthResponse::allow(room, ["*"]).context("room", room)
}

/// Joins the room of `?room=NAME` (letters, digits, `-` and `_`, at most
/// 64); refuses the connection (400) for another name.
#[on_ws_connect(authorizer = open_rooms)]
async fn join(
    context: WebsocketContext,
    Query(join): Query<Join>,
    request: Request,
    State(rooms): State<Rooms>,
) -> Result<StatusCode, ChaliceError> {
    rooms::check_room(&join.room)?;
    // The authorizer's context, on every event of the connection.
    let admitted = request
        .authorizer()
        .get("room")
        .and_then(|room| room.as_str());
    if admitted != Some(join.room.as_str()) {
        return Err(ChaliceError::forbidden("not admitted to this room"));
    }
    rooms.join(&join.room, &context.connection_id).await?;
    Ok(StatusCode::OK)
}

/// Sends the message to every other connection of the sender's room.
#[on_ws_message(route = "sendmessage")]
async fn send_message(
    context: WebsocketContext,
    Json(send): Json<SendMessage>,
    State(rooms): State<Rooms>,
    connections: Connections,
) -> Result<Json<Value>, ChaliceError> {
    let me = &context.connection_id;
    let Some(room) = rooms.room_of(me).await? else {
        return Err(ChaliceError::bad_request("this connection is in no room"));
    };
    let mut delivered = 0;
    for member in rooms.members(&room).await? {
        if &member == me {
            continue;
        }
        match connections.send(&member, send.message.clone()).await {
            Ok(()) => delivered += 1,
            Err(ConnectionError::Gone { connection_id }) => rooms.leave(&connection_id).await?,
            Err(error) => eprintln!("chat: not delivered to {member}: {error}"),
        }
    }
    Ok(Json(json!({ "delivered": delivered })))
}

/// Every other message: how to send one.
#[on_ws_message]
async fn unknown_action(TextBody(text): TextBody) -> Json<Value> {
    Json(json!({
        "error": "unknown action",
        "expected": {"action": "sendmessage", "message": "TEXT"},
        "received": text,
    }))
}

/// Leaves the room.
#[on_ws_disconnect]
async fn leave(
    context: WebsocketContext,
    State(rooms): State<Rooms>,
) -> Result<StatusCode, ChaliceError> {
    rooms.leave(&context.connection_id).await?;
    Ok(StatusCode::OK)
}

fn main() -> std::process::ExitCode {
    chalice_rs_runtime::run(|| async { App::new().state(Rooms::open().await) })
}

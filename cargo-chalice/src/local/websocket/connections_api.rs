//! The local connections API (`POST`, `GET`, `DELETE`
//! `/{stage}/@connections/{id}`), as API Gateway's management API answers
//! it: 410 `GoneException` for a connection that is not open, 413 for data
//! over a message's 128 KB.

use super::{Command, Registry, MAX_MESSAGE_BYTES};
use bytes::Bytes;
use http::{Method, Response, StatusCode};
use http_body_util::Full;
use serde_json::json;

/// The path segment before a connection's id.
pub const CONNECTIONS_SEGMENT: &str = "@connections";

/// An answer of the connections API: `status`, and `error` as API Gateway
/// names it (`x-amzn-ErrorType`, and the body's `message`).
fn answer(
    status: StatusCode,
    error: Option<(&str, String)>,
    body: Option<String>,
) -> Response<Full<Bytes>> {
    let text = match (&error, body) {
        (Some((_, message)), _) => json!({ "message": message }).to_string(),
        (None, Some(body)) => body,
        (None, None) => String::new(),
    };
    let mut response = Response::new(Full::new(Bytes::from(text)));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    if let Some((kind, _)) = error {
        if let Ok(value) = http::HeaderValue::from_str(kind) {
            headers.insert("x-amzn-errortype", value);
        }
    }
    response
}

/// ISO 8601 time of `epoch_ms`, as the API's timestamps.
fn iso_time(epoch_ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(epoch_ms) * 1_000_000)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

/// Answers `method` on the connection `id` (percent-encoded, as in the path).
pub async fn handle(
    registry: &Registry,
    method: &Method,
    encoded_id: &str,
    body: Bytes,
) -> Response<Full<Bytes>> {
    let id = percent_encoding::percent_decode_str(encoded_id)
        .decode_utf8_lossy()
        .into_owned();
    let gone = || {
        answer(
            StatusCode::GONE,
            Some(("GoneException", format!("connection {id} is gone"))),
            None,
        )
    };
    let Some(connection) = registry.get(&id) else {
        return gone();
    };
    match *method {
        Method::POST => {
            if body.len() > MAX_MESSAGE_BYTES {
                return answer(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    Some((
                        "PayloadTooLargeException",
                        format!(
                            "the data is {} bytes; a message holds at most {MAX_MESSAGE_BYTES}",
                            body.len()
                        ),
                    )),
                    None,
                );
            }
            match connection.commands.send(Command::Send(body)) {
                Ok(()) => answer(StatusCode::OK, None, None),
                Err(_) => gone(),
            }
        }
        Method::GET => {
            let mut identity = serde_json::Map::new();
            identity.insert("sourceIp".to_owned(), json!(connection.context.source_ip));
            if let Some(agent) = &connection.context.user_agent {
                identity.insert("userAgent".to_owned(), json!(agent));
            }
            let body = json!({
                "connectedAt": iso_time(connection.context.connected_at),
                "lastActiveAt": iso_time(connection.last_active()),
                "identity": identity,
            });
            answer(StatusCode::OK, None, Some(body.to_string()))
        }
        Method::DELETE => match connection.commands.send(Command::Close) {
            Ok(()) => answer(StatusCode::NO_CONTENT, None, None),
            Err(_) => gone(),
        },
        _ => answer(
            StatusCode::FORBIDDEN,
            Some(("ForbiddenException", "Forbidden".to_owned())),
            None,
        ),
    }
}

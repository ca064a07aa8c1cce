//! The local WebSocket API, on its own port, as API Gateway serves one:
//!
//! - `$connect` runs before the upgrade completes: the connection exists
//!   only when it answers 2xx, otherwise the client gets its status;
//! - each message goes to the route its selection expression picks, else
//!   `$default`, else the client gets API Gateway's `Forbidden` error frame;
//!   a route's response body goes back to the client;
//! - frames over 32 KB and messages over 128 KB close the connection with
//!   1009; an idle connection (10 minutes) and an old one (2 hours) are
//!   closed with 1001 (both settable for tests);
//! - `$disconnect` runs when either side closes, with the status code and
//!   reason;
//! - the connections API ([`connections_api`]) at
//!   `http://127.0.0.1:<port>/<stage>/@connections/<id>`, which the runtime's
//!   `Connections` finds from the events' `domainName`.
//!
//! The functions and the API's routes are the gateway's generation in
//! service at each event, so a reload keeps the open connections (as a new
//! deployment does on AWS). The port is opened when the app has WebSocket
//! handlers at the start: a reload that adds the first ones needs a restart.

pub mod authorizer;
pub mod connection;
pub mod connections_api;
pub mod events;

pub use connection::{Command, Connection, Registry};

use super::gateway_server::Gateway;
use super::pool::Outcome;
use super::proxy_response;
use super::runtime_api::new_request_id;
use crate::app::websocket_api::{selection_path, WebsocketApi, WebsocketAuthorizer};
use bytes::Bytes;
use chalice_rs_runtime::manifest::{CONNECT_ROUTE, DISCONNECT_ROUTE};
use events::{ConnectionContext, MessageBody};
use futures_util::{SinkExt as _, StreamExt as _};
use http::{Method, Request, Response, StatusCode};
use http_body_util::{BodyExt as _, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, Role, WebSocketConfig};
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::WebSocketStream;

/// Listens on the WebSocket API's port (`--websocket-port`, else `--port` +
/// 1, or a free port with `--port 0`) and serves it: the address, and the
/// server's task.
pub async fn start(
    gateway: Arc<Gateway>,
    args: &super::LocalArgs,
) -> Result<(SocketAddr, tokio::task::JoinHandle<()>), super::LocalError> {
    let port = args.websocket_port.unwrap_or(if args.port == 0 {
        0
    } else {
        args.port.saturating_add(1)
    });
    let listener = TcpListener::bind((args.host.as_str(), port))
        .await
        .map_err(|source| super::LocalError::Bind {
            address: format!("{}:{port} (the WebSocket API; --websocket-port)", args.host),
            source,
        })?;
    let address = listener.local_addr().map_err(super::LocalError::Io)?;
    let server = WebsocketServer::new(
        gateway,
        Limits {
            idle_timeout: Duration::from_secs(args.websocket_idle_timeout),
            max_lifetime: Duration::from_secs(args.websocket_max_lifetime),
        },
        address.to_string(),
    );
    Ok((address, tokio::spawn(server.serve(listener))))
}

/// The largest frame API Gateway takes.
pub const MAX_FRAME_BYTES: usize = 32 * 1024;
/// The largest message API Gateway takes.
pub const MAX_MESSAGE_BYTES: usize = 128 * 1024;
/// How long API Gateway keeps a connection without messages.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(10 * 60);
/// How long API Gateway keeps a connection at most.
pub const MAX_LIFETIME: Duration = Duration::from_secs(2 * 60 * 60);

/// The idle timeout and the lifetime of connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Closed after this long without a frame from the client.
    pub idle_timeout: Duration,
    /// Closed this long after it was made.
    pub max_lifetime: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            idle_timeout: IDLE_TIMEOUT,
            max_lifetime: MAX_LIFETIME,
        }
    }
}

/// Milliseconds since the epoch.
fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// A new connection id, as API Gateway's: 16 characters of base64.
fn new_connection_id() -> String {
    use base64::Engine as _;
    let bytes = uuid::Uuid::new_v4().into_bytes();
    base64::engine::general_purpose::STANDARD.encode(&bytes[..10])
}

/// A plain answer with a JSON `message`.
fn message_response(status: StatusCode, message: &str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(
        json!({ "message": message }).to_string(),
    )));
    *response.status_mut() = status;
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    response
}

/// The local WebSocket API.
#[derive(Debug)]
pub struct WebsocketServer {
    gateway: Arc<Gateway>,
    registry: Registry,
    limits: Limits,
    /// `127.0.0.1:<port>`.
    domain_name: String,
}

/// How a function's invocation went, for the log and the client.
enum Invoked {
    /// The function's proxy response.
    Answered(proxy_response::HttpResponse, &'static str),
    /// It failed (an error, a crash, a timeout, a malformed response).
    Failed(String),
}

impl WebsocketServer {
    /// A server of the gateway's WebSocket API, reachable at `domain_name`.
    pub fn new(gateway: Arc<Gateway>, limits: Limits, domain_name: String) -> Arc<Self> {
        Arc::new(Self {
            gateway,
            registry: Registry::default(),
            limits,
            domain_name,
        })
    }

    /// Accepts connections on `listener` until the task is dropped.
    pub async fn serve(self: Arc<Self>, listener: TcpListener) {
        loop {
            let (stream, peer) = match listener.accept().await {
                Ok(accepted) => accepted,
                Err(error) => {
                    eprintln!("chalice local: WebSocket accept failed: {error}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            let _ = stream.set_nodelay(true);
            let server = self.clone();
            tokio::spawn(async move {
                let service = service_fn(move |request| {
                    let server = server.clone();
                    async move { Ok::<_, std::convert::Infallible>(server.handle(peer, request).await) }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .with_upgrades()
                    .await;
            });
        }
    }

    async fn handle(
        self: &Arc<Self>,
        peer: SocketAddr,
        request: Request<Incoming>,
    ) -> Response<Full<Bytes>> {
        let generation = self.gateway.current();
        let Some(api) = generation.websocket.clone() else {
            return message_response(
                StatusCode::NOT_FOUND,
                "this build of the app has no WebSocket handlers",
            );
        };
        let path = request.uri().path().to_owned();
        let mut segments = path.trim_start_matches('/').splitn(3, '/');
        let stage = segments.next().unwrap_or_default();
        let rest: Vec<&str> = segments.collect();
        if stage != api.stage_name {
            return message_response(StatusCode::FORBIDDEN, "Forbidden");
        }
        match rest.as_slice() {
            [] | [""] => self.upgrade(peer, request, &api).await,
            [connections_api::CONNECTIONS_SEGMENT, id] if !id.is_empty() => {
                let method = request.method().clone();
                let body = match request.into_body().collect().await {
                    Ok(collected) => collected.to_bytes(),
                    Err(_) => Bytes::new(),
                };
                let response = connections_api::handle(&self.registry, &method, id, body).await;
                println!(
                    "{method} /{stage}/@connections/{id} {}",
                    response.status().as_u16()
                );
                response
            }
            _ => message_response(StatusCode::FORBIDDEN, "Forbidden"),
        }
    }

    /// Runs `$connect` (and the authorizer) and completes the upgrade when
    /// it answers 2xx.
    async fn upgrade(
        self: &Arc<Self>,
        peer: SocketAddr,
        mut request: Request<Incoming>,
        api: &WebsocketApi,
    ) -> Response<Full<Bytes>> {
        let headers = request.headers();
        let is_upgrade = request.method() == Method::GET
            && headers
                .get(http::header::UPGRADE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
        let Some(key) = headers
            .get("sec-websocket-key")
            .filter(|_| is_upgrade)
            .map(|v| v.as_bytes().to_vec())
        else {
            return message_response(
                StatusCode::BAD_REQUEST,
                "expected a WebSocket upgrade (GET with Upgrade: websocket)",
            );
        };
        let context = ConnectionContext {
            connection_id: new_connection_id(),
            connected_at: now_ms(),
            stage: api.stage_name.clone(),
            domain_name: self.domain_name.clone(),
            source_ip: peer.ip().to_string(),
            user_agent: headers
                .get(http::header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
        };
        let query = request.uri().query().unwrap_or_default().to_owned();
        let authorizer = match &api.authorizer {
            Some(WebsocketAuthorizer::Lambda {
                name,
                identity_sources,
                ..
            }) => {
                match self
                    .authorize(name, identity_sources, &context, headers, &query)
                    .await
                {
                    Ok(context) => Some(context),
                    Err(response) => return response,
                }
            }
            // SigV4 is not checked locally (as the REST API's `iam` routes).
            Some(WebsocketAuthorizer::Iam) | None => None,
        };
        if let Some(route) = api.route(CONNECT_ROUTE) {
            let request_id = new_request_id();
            let event = events::connect(
                &context,
                headers,
                &query,
                &request_id,
                now_ms(),
                authorizer.as_ref(),
            );
            let started = std::time::Instant::now();
            let invoked = self.invoke(&route.function, &event, &request_id).await;
            let (status, kind) = match &invoked {
                Invoked::Answered(response, kind) => (response.status, *kind),
                Invoked::Failed(_) => (StatusCode::BAD_GATEWAY, "failed"),
            };
            println!(
                "WS $connect {} {} {:.1} ms {kind}",
                context.connection_id,
                status.as_u16(),
                started.elapsed().as_secs_f64() * 1000.0
            );
            match invoked {
                Invoked::Answered(response, _) if response.status.is_success() => {}
                Invoked::Answered(response, _) => {
                    let mut refused = Response::new(Full::new(response.body));
                    *refused.status_mut() = response.status;
                    *refused.headers_mut() = response.headers;
                    return refused;
                }
                Invoked::Failed(error) => {
                    eprintln!("chalice local: $connect failed: {error}");
                    return message_response(StatusCode::BAD_GATEWAY, "Internal server error");
                }
            }
        }
        let (commands, receiver) = mpsc::unbounded_channel();
        let connection = Arc::new(Connection {
            context,
            commands,
            last_active: AtomicI64::new(now_ms()),
            authorizer,
        });
        self.registry.insert(connection.clone());
        let on_upgrade = hyper::upgrade::on(&mut request);
        let server = self.clone();
        tokio::spawn(async move {
            let config = WebSocketConfig::default()
                .max_frame_size(Some(MAX_FRAME_BYTES))
                .max_message_size(Some(MAX_MESSAGE_BYTES));
            match on_upgrade.await {
                Ok(upgraded) => {
                    let stream = WebSocketStream::from_raw_socket(
                        TokioIo::new(upgraded),
                        Role::Server,
                        Some(config),
                    )
                    .await;
                    server.run(stream, connection, receiver).await;
                }
                Err(error) => {
                    eprintln!("chalice local: the WebSocket upgrade failed: {error}");
                    server.closed(&connection, 1006, "").await;
                }
            }
        });
        let accept = tokio_tungstenite::tungstenite::handshake::derive_accept_key(&key);
        let mut response = Response::new(Full::new(Bytes::new()));
        *response.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
        let headers = response.headers_mut();
        headers.insert(
            http::header::UPGRADE,
            http::HeaderValue::from_static("websocket"),
        );
        headers.insert(
            http::header::CONNECTION,
            http::HeaderValue::from_static("Upgrade"),
        );
        if let Ok(value) = http::HeaderValue::from_str(&accept) {
            headers.insert("sec-websocket-accept", value);
        }
        response
    }

    /// Serves one open connection until either side closes it, then runs
    /// `$disconnect`.
    async fn run<S>(
        self: Arc<Self>,
        stream: WebSocketStream<S>,
        connection: Arc<Connection>,
        mut commands: mpsc::UnboundedReceiver<Command>,
    ) where
        S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    {
        let (mut sink, mut incoming) = stream.split();
        let connected = tokio::time::Instant::now();
        let mut last_active = connected;
        let close = |code: u16, reason: &str| {
            Message::Close(Some(CloseFrame {
                code: CloseCode::from(code),
                reason: reason.to_owned().into(),
            }))
        };
        let (code, reason): (u16, String) = loop {
            let idle_at = last_active + self.limits.idle_timeout;
            let end_of_life = connected + self.limits.max_lifetime;
            tokio::select! {
                frame = incoming.next() => {
                    match frame {
                        Some(Ok(Message::Text(text))) => {
                            last_active = self.touch(&connection);
                            let body = MessageBody::Text(text.as_str().to_owned());
                            tokio::spawn(self.clone().on_message(connection.clone(), body));
                        }
                        Some(Ok(Message::Binary(data))) => {
                            last_active = self.touch(&connection);
                            let body = MessageBody::Binary(data.to_vec());
                            tokio::spawn(self.clone().on_message(connection.clone(), body));
                        }
                        Some(Ok(Message::Ping(_) | Message::Pong(_))) => {
                            last_active = self.touch(&connection);
                        }
                        Some(Ok(Message::Close(frame))) => {
                            let _ = sink.close().await;
                            break match frame {
                                Some(frame) => (u16::from(frame.code), frame.reason.as_str().to_owned()),
                                None => (1005, String::new()),
                            };
                        }
                        Some(Ok(Message::Frame(_))) => {}
                        Some(Err(WsError::Capacity(_))) => {
                            let reason = "Message too big";
                            let _ = sink.send(close(1009, reason)).await;
                            let _ = sink.close().await;
                            break (1009, reason.to_owned());
                        }
                        Some(Err(_)) | None => break (1006, String::new()),
                    }
                }
                command = commands.recv() => {
                    match command {
                        Some(Command::Send(data)) => {
                            let message = match String::from_utf8(data.to_vec()) {
                                Ok(text) => Message::Text(text.into()),
                                Err(_) => Message::Binary(data),
                            };
                            if sink.send(message).await.is_err() {
                                break (1006, String::new());
                            }
                        }
                        Some(Command::Close) | None => {
                            let _ = sink.send(close(1000, "")).await;
                            let _ = sink.close().await;
                            break (1000, String::new());
                        }
                    }
                }
                () = tokio::time::sleep_until(idle_at) => {
                    let _ = sink.send(close(1001, "Going away")).await;
                    let _ = sink.close().await;
                    break (1001, "Going away".to_owned());
                }
                () = tokio::time::sleep_until(end_of_life) => {
                    let _ = sink.send(close(1001, "Going away")).await;
                    let _ = sink.close().await;
                    break (1001, "Going away".to_owned());
                }
            }
        };
        self.closed(&connection, code, &reason).await;
    }

    /// Records a frame from the client.
    fn touch(&self, connection: &Connection) -> tokio::time::Instant {
        connection.last_active.store(now_ms(), Ordering::Relaxed);
        tokio::time::Instant::now()
    }

    /// Forgets the connection and runs `$disconnect`.
    async fn closed(&self, connection: &Connection, code: u16, reason: &str) {
        let context = &connection.context;
        self.registry.remove(&context.connection_id);
        let Some(api) = self.gateway.current().websocket.clone() else {
            return;
        };
        let Some(route) = api.route(DISCONNECT_ROUTE) else {
            println!("WS closed {} {code} {reason}", context.connection_id);
            return;
        };
        let request_id = new_request_id();
        let event = events::disconnect(
            context,
            code,
            reason,
            &request_id,
            now_ms(),
            connection.authorizer.as_ref(),
        );
        let started = std::time::Instant::now();
        let status = match self.invoke(&route.function, &event, &request_id).await {
            Invoked::Answered(response, _) => response.status.as_u16().to_string(),
            Invoked::Failed(error) => {
                eprintln!("chalice local: $disconnect failed: {error}");
                "failed".to_owned()
            }
        };
        println!(
            "WS $disconnect {} {code} {reason:?} {status} {:.1} ms",
            context.connection_id,
            started.elapsed().as_secs_f64() * 1000.0
        );
    }

    /// Routes one message and answers the client as API Gateway does.
    async fn on_message(self: Arc<Self>, connection: Arc<Connection>, body: MessageBody) {
        let context = &connection.context;
        let request_id = new_request_id();
        let Some(api) = self.gateway.current().websocket.clone() else {
            return;
        };
        let error_frame = |message: &str| {
            Bytes::from(
                json!({
                    "message": message,
                    "connectionId": context.connection_id,
                    "requestId": request_id,
                })
                .to_string(),
            )
        };
        let selected = selection_path(&api.route_selection_expression)
            .and_then(|path| events::selected_key(&body, &path));
        let Some(route) = api.select(selected.as_deref()) else {
            println!(
                "WS {} {} no route for {:?}: Forbidden",
                selected.as_deref().unwrap_or("(no route key)"),
                context.connection_id,
                selected
            );
            let _ = connection
                .commands
                .send(Command::Send(error_frame("Forbidden")));
            return;
        };
        let message_id = new_request_id();
        let event = events::message(
            context,
            &route.route_key,
            &body,
            &request_id,
            &message_id,
            now_ms(),
            connection.authorizer.as_ref(),
        );
        let started = std::time::Instant::now();
        let invoked = self.invoke(&route.function, &event, &request_id).await;
        let (status, kind) = match &invoked {
            Invoked::Answered(response, kind) => (response.status.as_u16().to_string(), *kind),
            Invoked::Failed(_) => ("failed".to_owned(), "failed"),
        };
        println!(
            "WS {} {} {status} {:.1} ms {kind}",
            route.route_key,
            context.connection_id,
            started.elapsed().as_secs_f64() * 1000.0
        );
        match invoked {
            Invoked::Answered(response, _) => {
                if route.responds && !response.body.is_empty() {
                    let _ = connection.commands.send(Command::Send(response.body));
                }
            }
            Invoked::Failed(error) => {
                eprintln!(
                    "chalice local: the route {} failed: {error}",
                    route.route_key
                );
                let _ = connection
                    .commands
                    .send(Command::Send(error_frame("Internal server error")));
            }
        }
    }

    /// The authorizer's decision on a connection: its context (with
    /// `principalId`) when it allows, else the answer the client gets.
    async fn authorize(
        &self,
        name: &str,
        identity_sources: &[String],
        context: &ConnectionContext,
        headers: &http::HeaderMap,
        query: &str,
    ) -> Result<Value, Response<Full<Bytes>>> {
        let refuse = |refusal: authorizer::Refusal| {
            let (status, message) = refusal.answer();
            println!(
                "WS authorizer {name} {} {}",
                context.connection_id,
                status.as_u16()
            );
            message_response(status, message)
        };
        let event = events::connect(context, headers, query, &new_request_id(), now_ms(), None);
        if !authorizer::identity_present(identity_sources, &event) {
            return Err(refuse(authorizer::Refusal::Unauthorized));
        }
        let generation = self.gateway.current();
        let method_arn = authorizer::method_arn(
            &generation.region,
            super::functions::LOCAL_ACCOUNT,
            events::LOCAL_API_ID,
            &context.stage,
        );
        let Some(function) = generation.functions.get(name) else {
            return Err(refuse(authorizer::Refusal::Failed));
        };
        let payload = Bytes::from(authorizer::request_event(&event, &method_arn).to_string());
        let invoked = function
            .pool
            .clone()
            .invoke(new_request_id(), payload)
            .await;
        let decision = match invoked.outcome {
            Outcome::Response(output) => {
                let output: Value = serde_json::from_slice(&output).unwrap_or(Value::Null);
                authorizer::decide(&output, &method_arn)
            }
            Outcome::FunctionError(error) => Err(authorizer::failure(&error)),
            _ => Err(authorizer::Refusal::Failed),
        };
        match decision {
            Ok(context_value) => {
                println!("WS authorizer {name} {} allowed", context.connection_id);
                Ok(context_value)
            }
            Err(refusal) => Err(refuse(refusal)),
        }
    }

    /// Invokes the function `key` of the generation in service with `event`.
    async fn invoke(&self, key: &str, event: &Value, request_id: &str) -> Invoked {
        let generation = self.gateway.current();
        let Some(function) = generation.functions.get(key) else {
            return Invoked::Failed(format!("this build has no function `{key}`"));
        };
        let payload = Bytes::from(event.to_string());
        // On its own task: a client hanging up does not kill the instance.
        let invocation = tokio::spawn(function.pool.clone().invoke(request_id.to_owned(), payload));
        let Ok(invoked) = invocation.await else {
            return Invoked::Failed("the invocation was cancelled".to_owned());
        };
        let kind = if invoked.cold { "cold" } else { "warm" };
        match invoked.outcome {
            Outcome::Response(payload) => match proxy_response::parse(&payload) {
                Ok(response) => Invoked::Answered(response, kind),
                Err(error) => Invoked::Failed(error.to_string()),
            },
            Outcome::FunctionError(document) => {
                Invoked::Failed(String::from_utf8_lossy(&document).into_owned())
            }
            Outcome::ResponseTooLarge => {
                Invoked::Failed("the response is over Lambda's 6 MB".to_owned())
            }
            Outcome::Crashed(why) | Outcome::StartFailed(why) => Invoked::Failed(why),
            Outcome::TimedOut => Invoked::Failed("the function timed out".to_owned()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_ids_look_like_api_gateways() {
        let id = new_connection_id();
        assert_eq!(id.len(), 16);
        assert!(id.ends_with('='));
        assert_ne!(id, new_connection_id());
    }
}

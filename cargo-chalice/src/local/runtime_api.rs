//! The Lambda Runtime API, as one instance's bootstrap sees it on Lambda.
//!
//! Each instance gets its own endpoint (`AWS_LAMBDA_RUNTIME_API`, a loopback
//! port), serving the four calls a custom runtime makes:
//! `GET /2018-06-01/runtime/invocation/next`,
//! `POST /2018-06-01/runtime/invocation/{id}/response`,
//! `POST /2018-06-01/runtime/invocation/{id}/error` and
//! `POST /2018-06-01/runtime/init/error`.

use bytes::Bytes;
use http::{HeaderName, HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::{BodyExt as _, Full, Limited};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;

/// The largest response payload Lambda accepts from a function: 6 MB.
pub const MAX_RESPONSE_BYTES: usize = 6 * 1024 * 1024;

const PREFIX: &str = "/2018-06-01/runtime";

// The headers of an event's delivery, named once (not parsed per event).
const REQUEST_ID: HeaderName = HeaderName::from_static("lambda-runtime-aws-request-id");
const DEADLINE_MS: HeaderName = HeaderName::from_static("lambda-runtime-deadline-ms");
const FUNCTION_ARN: HeaderName = HeaderName::from_static("lambda-runtime-invoked-function-arn");
const TRACE_ID: HeaderName = HeaderName::from_static("lambda-runtime-trace-id");

/// A new request id (a random version 4 UUID, as API Gateway's and Lambda's).
///
/// The randomness is a per-thread generator seeded once from the OS: ids must
/// be unique, not secret, and a system call per request is measurable under
/// load.
pub fn new_request_id() -> String {
    thread_local! {
        static STATE: std::cell::Cell<u64> =
            std::cell::Cell::new(uuid::Uuid::new_v4().as_u64_pair().0);
    }
    let (high, low) = STATE.with(|state| {
        let high = splitmix64(state);
        (high, splitmix64(state))
    });
    let bytes = (u128::from(high) << 64 | u128::from(low)).to_be_bytes();
    uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .hyphenated()
        .to_string()
}

/// SplitMix64: the next value of the sequence in `state`.
fn splitmix64(state: &std::cell::Cell<u64>) -> u64 {
    let next = state.get().wrapping_add(0x9e37_79b9_7f4a_7c15);
    state.set(next);
    let mut z = next;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// One event on its way to an instance.
#[derive(Debug)]
pub struct Invocation {
    /// The request id (`Lambda-Runtime-Aws-Request-Id`).
    pub request_id: String,
    /// The event, as JSON.
    pub payload: Bytes,
    /// The function timeout, for the deadline header.
    pub timeout: Duration,
    /// Told when the runtime has taken the event (and when).
    pub delivered: oneshot::Sender<tokio::time::Instant>,
    /// Where the runtime's answer goes.
    pub reply: oneshot::Sender<Reply>,
}

/// What the runtime answered for one invocation.
#[derive(Debug)]
pub enum Reply {
    /// `POST .../response`: the function's result.
    Response(Bytes),
    /// `POST .../error`: the function failed; the error document.
    FunctionError(Bytes),
    /// The result was larger than [`MAX_RESPONSE_BYTES`].
    ResponseTooLarge,
}

/// What the Runtime API shares with the pool about one instance.
#[derive(Debug)]
struct Shared {
    /// Events waiting for `/next` (at most one: one event per instance at a time).
    queue: tokio::sync::Mutex<mpsc::Receiver<Invocation>>,
    /// The event being handled: its id and where its answer goes.
    current: Mutex<Option<(String, oneshot::Sender<Reply>)>>,
    /// Set by `/init/error` (the error document).
    init_error: watch::Sender<Option<String>>,
    /// Set the first time the runtime waits on `/next`: init is over.
    ready: watch::Sender<bool>,
    /// `Lambda-Runtime-Invoked-Function-Arn`, made once.
    function_arn: HeaderValue,
}

/// A running Runtime API endpoint for one instance. Dropping it stops it.
#[derive(Debug)]
pub struct RuntimeApi {
    addr: SocketAddr,
    sender: mpsc::Sender<Invocation>,
    init_error: watch::Receiver<Option<String>>,
    ready: watch::Receiver<bool>,
    task: JoinHandle<()>,
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl RuntimeApi {
    /// Starts an endpoint on a free loopback port.
    pub async fn start(function_arn: String) -> std::io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let (sender, receiver) = mpsc::channel(1);
        let (init_tx, init_rx) = watch::channel(None);
        let (ready_tx, ready_rx) = watch::channel(false);
        let shared = Arc::new(Shared {
            queue: tokio::sync::Mutex::new(receiver),
            current: Mutex::new(None),
            init_error: init_tx,
            ready: ready_tx,
            function_arn: HeaderValue::from_str(&function_arn)
                .unwrap_or_else(|_| HeaderValue::from_static("invalid")),
        });
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let _ = stream.set_nodelay(true);
                let shared = shared.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |request| {
                        let shared = shared.clone();
                        async move { Ok::<_, std::convert::Infallible>(handle(&shared, request).await) }
                    });
                    // The instance closing its connection (or being killed) ends this task.
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Ok(Self {
            addr,
            sender,
            init_error: init_rx,
            ready: ready_rx,
            task,
        })
    }

    /// The value of `AWS_LAMBDA_RUNTIME_API`: `127.0.0.1:<port>`.
    pub fn endpoint(&self) -> String {
        self.addr.to_string()
    }

    /// Queues an event for the instance; fails when the endpoint is gone.
    pub async fn send(&self, invocation: Invocation) -> Result<(), Invocation> {
        self.sender.send(invocation).await.map_err(|error| error.0)
    }

    /// Resolves with the error document once the runtime reports an init error.
    pub fn init_failed(&self) -> impl std::future::Future<Output = String> + Send + 'static {
        let mut receiver = self.init_error.clone();
        async move {
            let error = match receiver.wait_for(Option::is_some).await {
                Ok(error) => error.clone(),
                Err(_) => None,
            };
            match error {
                Some(error) => error,
                // The endpoint is gone without an init error: never resolve.
                None => std::future::pending().await,
            }
        }
    }

    /// Resolves once the runtime has finished init and asked for its first event.
    pub fn ready(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let mut receiver = self.ready.clone();
        async move {
            let ready = receiver.wait_for(|ready| *ready).await.is_ok();
            if !ready {
                std::future::pending::<()>().await;
            }
        }
    }
}

fn respond(status: StatusCode, body: &'static str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
    *response.status_mut() = status;
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

fn accepted() -> Response<Full<Bytes>> {
    respond(StatusCode::ACCEPTED, r#"{"status":"OK"}"#)
}

async fn handle(shared: &Shared, request: Request<Incoming>) -> Response<Full<Bytes>> {
    let path = request.uri().path().to_owned();
    let Some(rest) = path.strip_prefix(PREFIX) else {
        return respond(
            StatusCode::NOT_FOUND,
            r#"{"errorType":"NotFound","errorMessage":"unknown path"}"#,
        );
    };
    let method = request.method().clone();
    if method == Method::GET && rest == "/invocation/next" {
        return next(shared).await;
    }
    if method != Method::POST {
        return respond(
            StatusCode::METHOD_NOT_ALLOWED,
            r#"{"errorType":"MethodNotAllowed","errorMessage":"method not allowed"}"#,
        );
    }
    let body = match Limited::new(request.into_body(), MAX_RESPONSE_BYTES)
        .collect()
        .await
    {
        Ok(body) => Ok(body.to_bytes()),
        Err(_) => Err(()),
    };
    if rest == "/init/error" {
        let text = body
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default();
        shared.init_error.send_replace(Some(text));
        return accepted();
    }
    let Some((id, kind)) = rest
        .strip_prefix("/invocation/")
        .and_then(|rest| rest.rsplit_once('/'))
    else {
        return respond(
            StatusCode::NOT_FOUND,
            r#"{"errorType":"NotFound","errorMessage":"unknown path"}"#,
        );
    };
    let reply = match (kind, body) {
        ("response", Ok(body)) => Reply::Response(body),
        ("response", Err(())) => Reply::ResponseTooLarge,
        ("error", body) => Reply::FunctionError(body.unwrap_or_default()),
        _ => {
            return respond(
                StatusCode::NOT_FOUND,
                r#"{"errorType":"NotFound","errorMessage":"unknown path"}"#,
            )
        }
    };
    let current = {
        let mut current = shared.current.lock().unwrap_or_else(|e| e.into_inner());
        match current.as_ref() {
            Some((current_id, _)) if current_id == id => current.take(),
            _ => None,
        }
    };
    let Some((_, sender)) = current else {
        return respond(
            StatusCode::BAD_REQUEST,
            r#"{"errorType":"InvalidRequestID","errorMessage":"Invalid request ID"}"#,
        );
    };
    let too_large = matches!(reply, Reply::ResponseTooLarge);
    // The gateway may have given up (timeout); the answer is then dropped, as on Lambda.
    let _ = sender.send(reply);
    if too_large {
        return respond(
            StatusCode::PAYLOAD_TOO_LARGE,
            r#"{"errorType":"RequestEntityTooLarge","errorMessage":"response payload exceeds 6 MB"}"#,
        );
    }
    accepted()
}

async fn next(shared: &Shared) -> Response<Full<Bytes>> {
    shared.ready.send_replace(true);
    let invocation = {
        let mut queue = shared.queue.lock().await;
        queue.recv().await
    };
    let Some(invocation) = invocation else {
        return respond(
            StatusCode::GONE,
            r#"{"errorType":"Shutdown","errorMessage":"the instance is shutting down"}"#,
        );
    };
    let deadline_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .saturating_add(invocation.timeout)
        .as_millis();
    let compact = invocation.request_id.replace('-', "");
    let trace_id = format!(
        "Root=1-{:08x}-{};Parent={};Sampled=0",
        deadline_ms / 1000,
        compact.get(..24).unwrap_or(&compact),
        compact.get(..16).unwrap_or(&compact),
    );
    let mut response = Response::new(Full::new(invocation.payload));
    let headers = response.headers_mut();
    let header = |value: &str| {
        HeaderValue::from_str(value).unwrap_or_else(|_| HeaderValue::from_static("invalid"))
    };
    headers.insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(REQUEST_ID, header(&invocation.request_id));
    headers.insert(
        DEADLINE_MS,
        HeaderValue::from(u64::try_from(deadline_ms).unwrap_or(u64::MAX)),
    );
    headers.insert(FUNCTION_ARN, shared.function_arn.clone());
    headers.insert(TRACE_ID, header(&trace_id));
    *shared.current.lock().unwrap_or_else(|e| e.into_inner()) =
        Some((invocation.request_id, invocation.reply));
    let _ = invocation.delivered.send(tokio::time::Instant::now());
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_distinct_v4_uuids() {
        let ids: std::collections::BTreeSet<String> = (0..1000).map(|_| new_request_id()).collect();
        assert_eq!(ids.len(), 1000);
        for id in &ids {
            let parsed = uuid::Uuid::parse_str(id).unwrap();
            assert_eq!(parsed.get_version_num(), 4, "{id}");
            assert_eq!(parsed.get_variant(), uuid::Variant::RFC4122, "{id}");
            assert_eq!(parsed.hyphenated().to_string(), *id);
        }
    }
}

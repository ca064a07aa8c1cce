//! The API Gateway emulator: an HTTP server that routes requests over the
//! manifest's resources, sends REST v1 proxy events to the function's pool,
//! and answers with the function's proxy response or a gateway response.
//! The same server answers the Lambda Invoke API ([`super::invoke_api`]).

use super::console::{self, Console, RequestEvent};
use super::finish_on_drop::FinishOnDrop;
use super::front_door;
use super::functions::Functions;
use super::governance::{self, Governance, Refusal};
use super::invoke_api;
use super::pool::{Invoke, Outcome, Pool, GATEWAY_TIMEOUT};
use super::proxy_response;
use super::schedules::Scheduled;
use crate::app::rest_api::RestApi;
use bytes::{Bytes, BytesMut};
use chalice_rs_runtime::gateway::{
    EventSettings, GatewayResponse, HttpRequest, RestEvent, Router, MAX_BODY_BYTES,
};
use chalice_rs_runtime::gateway_limits::{Oversized, MAX_EVENT_BYTES};
use chalice_rs_runtime::manifest::Route;
use http::{HeaderValue, Request, Response};
use http_body_util::{BodyExt as _, Either, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, RwLock};
use std::time::{Instant, SystemTime, UNIX_EPOCH};
use tokio::net::TcpListener;

/// A request body is read (and dropped) up to this size before answering 413,
/// so that the client sees the answer rather than a reset connection.
const DRAIN_LIMIT: usize = 64 * 1024 * 1024;

/// One build of the app, with its configuration: what requests, Invoke
/// calls and schedules are served by.
#[derive(Debug)]
pub struct Generation {
    /// The REST API, when the app has routes.
    pub api: Option<ApiGeneration>,
    /// The WebSocket API, when the app has WebSocket handlers (served by
    /// [`super::websocket`] with `functions`).
    pub websocket: Option<crate::app::websocket_api::WebsocketApi>,
    /// Every function, invoked directly (the Invoke API, the schedules).
    pub functions: Functions,
    /// The `#[schedule]` functions.
    pub schedules: Vec<Scheduled>,
    /// The region of the functions' ARNs and events.
    pub region: String,
}

impl Generation {
    /// The REST API's routes (none without an API).
    pub fn routes(&self) -> &[Route] {
        self.api.as_ref().map_or(&[], |api| api.routes.as_slice())
    }

    /// Stops the instances once their invocations finish.
    pub async fn retire(&self) {
        if let Some(api) = &self.api {
            api.retire().await;
        }
        self.functions.retire().await;
    }

    /// Stops every instance now.
    pub async fn shutdown(&self) {
        if let Some(api) = &self.api {
            api.shutdown().await;
        }
        self.functions.shutdown().await;
    }
}

/// The REST API of one build: its routes, the API function's pool and the
/// stage's checks.
#[derive(Debug)]
pub struct ApiGeneration {
    /// Routing over the manifest's resources (and their CORS preflights).
    pub router: Router,
    /// The manifest's routes.
    pub routes: Vec<Route>,
    /// Index into `routes` by `(resource path, method)`.
    by_key: HashMap<(String, String), usize>,
    /// CORS preflight headers by resource path.
    preflights: HashMap<String, Vec<(String, String)>>,
    /// Stage, stage variables, binary media types.
    pub settings: EventSettings,
    /// `settings.source_ip` read as an address, to compare with each caller's.
    settings_ip: Option<IpAddr>,
    /// The function's instances.
    pub pool: Arc<Pool>,
    /// The stage's checks and gateway responses.
    pub governance: Governance,
    /// The API's OpenAPI document, for the console ([`ApiGeneration::with_openapi`]).
    pub openapi: Option<serde_json::Value>,
}

impl ApiGeneration {
    /// The REST API `api` served by `pool`, checked by `governance`.
    pub fn new(
        api: &RestApi,
        settings: EventSettings,
        pool: Arc<Pool>,
        governance: Governance,
    ) -> Self {
        let routes = api.routes.clone();
        let preflights = governance::preflights(&api.resources);
        let router = Router::new(
            routes
                .iter()
                .map(|route| (route.resource_path.as_str(), route.method.as_str()))
                .chain(preflights.keys().map(|path| (path.as_str(), "OPTIONS"))),
        );
        let by_key = routes
            .iter()
            .enumerate()
            .map(|(index, route)| ((route.resource_path.clone(), route.method.clone()), index))
            .collect();
        Self {
            router,
            routes,
            by_key,
            preflights,
            settings_ip: settings.source_ip.parse().ok(),
            settings,
            pool,
            governance,
            openapi: None,
        }
    }

    /// The same, with its OpenAPI document for the console.
    pub fn with_openapi(mut self, document: serde_json::Value) -> Self {
        self.openapi = Some(document);
        self
    }

    /// Stops the instances (the function's and the authorizers') once their
    /// invocations finish.
    pub async fn retire(&self) {
        self.pool.retire().await;
        self.governance.authorizers.retire().await;
    }

    /// Stops every instance now.
    pub async fn shutdown(&self) {
        self.pool.shutdown().await;
        self.governance.authorizers.shutdown().await;
    }
}

/// The gateway: the generation in service, swappable while requests run.
#[derive(Debug)]
pub struct Gateway {
    current: RwLock<Arc<Generation>>,
    /// Counts the swaps, for those that follow them (the schedules).
    swaps: tokio::sync::watch::Sender<u64>,
    /// What the console's pages are told.
    console: Arc<Console>,
}

/// What the log and the console learn of one request besides its answer.
#[derive(Debug, Default)]
struct Trace {
    /// The instance that ran it (0: none).
    instance: u64,
    /// The function's log lines for it, when kept.
    log: Option<Vec<String>>,
}

impl Gateway {
    /// A gateway serving `generation`, with its console.
    pub fn new(generation: Generation) -> Arc<Self> {
        Arc::new(Self {
            current: RwLock::new(Arc::new(generation)),
            swaps: tokio::sync::watch::Sender::new(0),
            console: Arc::new(Console::new()),
        })
    }

    /// The console this gateway tells.
    pub fn console(&self) -> &Arc<Console> {
        &self.console
    }

    /// Told each time another generation is put in service.
    pub fn subscribe(&self) -> tokio::sync::watch::Receiver<u64> {
        self.swaps.subscribe()
    }

    /// The generation new requests go to.
    pub fn current(&self) -> Arc<Generation> {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Puts `generation` in service and returns the one it replaces; requests
    /// already running finish on the old one.
    pub fn swap(&self, generation: Generation) -> Arc<Generation> {
        let old = {
            let mut current = self.current.write().unwrap_or_else(|e| e.into_inner());
            std::mem::replace(&mut *current, Arc::new(generation))
        };
        self.swaps.send_modify(|swaps| *swaps += 1);
        old
    }

    /// Accepts connections on `listener` until the task is dropped.
    pub async fn serve(self: Arc<Self>, listener: TcpListener) {
        loop {
            let (stream, peer) = match listener.accept().await {
                Ok(accepted) => accepted,
                Err(error) => {
                    eprintln!("chalice local: accept failed: {error}");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            };
            let _ = stream.set_nodelay(true);
            let gateway = self.clone();
            tokio::spawn(async move {
                let service = service_fn(move |request| {
                    let gateway = gateway.clone();
                    async move { Ok::<_, std::convert::Infallible>(gateway.handle(peer, request).await) }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    }

    async fn handle(
        &self,
        peer: SocketAddr,
        request: Request<Incoming>,
    ) -> Response<console::Body> {
        let started = Instant::now();
        let method = request.method().clone();
        let path = request.uri().path().to_owned();
        if console::is_console(&path) {
            return self.console.respond(&method, &path, &self.current());
        }
        let mut trace = Trace::default();
        let (response, kind) = if invoke_api::is_invoke(&method, &path) {
            let generation = self.current();
            invoke_api::handle(&generation.functions, &generation.region, request).await
        } else {
            // Only a console's page needs the query string in the log.
            let path_and_query = self
                .console
                .watching()
                .then(|| request.uri().path_and_query().map(|p| p.to_string()))
                .flatten();
            let (response, kind) = self.respond(peer, request, &mut trace).await;
            if self.console.watching() {
                self.console.request(RequestEvent {
                    sequence: 0,
                    time_ms: SystemTime::now()
                        .duration_since(UNIX_EPOCH)
                        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
                    method: method.to_string(),
                    path: path_and_query.unwrap_or_else(|| path.clone()),
                    status: response.status().as_u16(),
                    duration_ms: started.elapsed().as_secs_f64() * 1000.0,
                    kind: kind.to_owned(),
                    instance: trace.instance,
                    request_id: response
                        .headers()
                        .get("x-amzn-requestid")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_owned(),
                    log: trace.log.take().unwrap_or_default(),
                });
            }
            (response, kind.to_owned())
        };
        super::stdout::line(format!(
            "{method} {path} {} {:.1} ms {kind}",
            response.status().as_u16(),
            started.elapsed().as_secs_f64() * 1000.0
        ));
        response.map(Either::Left)
    }

    async fn respond(
        &self,
        peer: SocketAddr,
        request: Request<Incoming>,
        trace: &mut Trace,
    ) -> (Response<Full<Bytes>>, &'static str) {
        let request_id = super::runtime_api::new_request_id();
        let current = self.current();
        let Some(generation) = current.api.as_ref() else {
            return (no_api_response(&request_id), "no REST API");
        };
        let governance = &generation.governance;
        let refuse = |refusal: Refusal| {
            let response =
                governance
                    .responses
                    .render(refusal.kind, refusal.message.as_deref(), &request_id);
            (response, "gateway")
        };
        let (mut parts, body) = request.into_parts();
        if let Err(oversized) = front_door::check_head(&parts.method, &parts.uri, &parts.headers) {
            return (front_door::refusal(oversized), "gateway");
        }
        parts.headers = front_door::headers_as_text(std::mem::take(&mut parts.headers));
        let declared_too_large = parts
            .headers
            .get(http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok())
            .is_some_and(|length| length > MAX_BODY_BYTES as u64);
        let Ok(body) = read_body(body, declared_too_large).await else {
            return (front_door::refusal(Oversized::Body), "gateway");
        };
        let Some(matched) = generation
            .router
            .route(parts.method.as_str(), parts.uri.path())
        else {
            return refuse(GatewayResponse::MissingAuthenticationToken.into());
        };
        let source_ip = peer.ip();
        let method_arn = governance.method_arn(parts.method.as_str(), parts.uri.path());
        let key = (matched.resource_path.clone(), parts.method.to_string());
        let Some(route) = generation.by_key.get(&key).map(|&i| &generation.routes[i]) else {
            // Only the CORS preflights are routed without a route of the app's.
            let Some(headers) = generation.preflights.get(&matched.resource_path) else {
                return refuse(GatewayResponse::MissingAuthenticationToken.into());
            };
            return match governance.admit_preflight(&matched.resource_path, &method_arn, source_ip)
            {
                Ok(()) => (preflight_response(headers, &request_id), "preflight"),
                Err(refusal) => refuse(refusal),
            };
        };
        let http_request = HttpRequest {
            method: parts.method,
            path: parts.uri.path().to_owned(),
            query: parts.uri.query().unwrap_or("").to_owned(),
            headers: parts.headers,
            body: Vec::from(body),
        };
        let mut settings_with_ip;
        let settings = if generation.settings_ip == Some(source_ip) {
            &generation.settings
        } else {
            settings_with_ip = generation.settings.clone();
            settings_with_ip.source_ip = source_ip.to_string();
            &settings_with_ip
        };
        let epoch_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        let event = RestEvent {
            request: &http_request,
            matched: &matched,
            settings,
            request_id: &request_id,
            epoch_ms,
        };
        let caller = match governance.admit(route, event, &method_arn, source_ip).await {
            Ok(admission) => admission.into_caller(),
            Err(refusal) => return refuse(refusal),
        };
        let payload = Bytes::from(event.to_json(&caller));
        // Lambda refuses a larger event; API Gateway answers its REQUEST_TOO_LARGE response.
        if payload.len() > MAX_EVENT_BYTES {
            return refuse(GatewayResponse::RequestTooLarge.into());
        }
        // A client hanging up does not stop the invocation: it finishes on a
        // task of its own. With a console open, the invocation's log is kept for it.
        let how = Invoke {
            limit: Some(GATEWAY_TIMEOUT),
            capture: self.console.watching(),
        };
        let mut invoked = FinishOnDrop::new(generation.pool.clone().invoke_with(
            request_id.clone(),
            payload,
            how,
        ))
        .await;
        trace.instance = invoked.instance;
        trace.log = invoked.log.take();
        let kind = if invoked.cold { "cold" } else { "warm" };
        let failure = match invoked.outcome {
            Outcome::Response(payload) => match proxy_response::parse(&payload) {
                Ok(parsed) => {
                    let mut response = Response::new(Full::new(parsed.body));
                    *response.status_mut() = parsed.status;
                    *response.headers_mut() = parsed.headers;
                    add_request_id(&mut response, &request_id);
                    return (response, kind);
                }
                Err(error) => {
                    eprintln!("chalice local: {error}");
                    GatewayResponse::IntegrationFailure
                }
            },
            Outcome::FunctionError(document) => {
                eprintln!(
                    "chalice local: the function returned an error: {}",
                    String::from_utf8_lossy(&document)
                );
                GatewayResponse::IntegrationFailure
            }
            Outcome::ResponseTooLarge => {
                eprintln!("chalice local: the function's response is over Lambda's 6 MB limit");
                GatewayResponse::IntegrationFailure
            }
            Outcome::Crashed(_) | Outcome::StartFailed(_) => GatewayResponse::IntegrationFailure,
            Outcome::TimedOut => GatewayResponse::IntegrationTimeout,
        };
        let (response, _) = refuse(failure.into());
        (response, kind)
    }
}

/// Reads the body; `Err` when it is over API Gateway's 10 MB (the rest is drained).
async fn read_body(mut body: Incoming, too_large: bool) -> Result<Bytes, ()> {
    let mut collected = BytesMut::new();
    let mut seen = 0_usize;
    let mut over = too_large;
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else {
            return Err(());
        };
        if let Ok(data) = frame.into_data() {
            seen = seen.saturating_add(data.len());
            if seen > MAX_BODY_BYTES {
                over = true;
                collected.clear();
            }
            if seen > DRAIN_LIMIT {
                break;
            }
            if !over {
                collected.extend_from_slice(&data);
            }
        }
    }
    if over {
        Err(())
    } else {
        Ok(collected.freeze())
    }
}

/// The answer when the app has no REST API (only event functions): 404,
/// pointing at the Invoke API.
fn no_api_response(request_id: &str) -> Response<Full<Bytes>> {
    let body = serde_json::json!({
        "message": format!(
            "this app has no routes, so no REST API; invoke its functions with POST {}<name>{}",
            invoke_api::PREFIX,
            invoke_api::SUFFIX
        )
    });
    let mut response = Response::new(Full::new(Bytes::from(body.to_string())));
    *response.status_mut() = http::StatusCode::NOT_FOUND;
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    add_request_id(&mut response, request_id);
    response
}

/// `x-amzn-RequestId`, API Gateway's answer header (named once, not parsed per answer).
const REQUEST_ID_HEADER: http::HeaderName = http::HeaderName::from_static("x-amzn-requestid");

fn add_request_id(response: &mut Response<Full<Bytes>>, request_id: &str) {
    if let Ok(value) = HeaderValue::from_str(request_id) {
        response.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
}

/// The answer of a CORS preflight's MOCK integration: 200, the CORS
/// headers, an empty JSON body.
fn preflight_response(headers: &[(String, String)], request_id: &str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::new()));
    let map = response.headers_mut();
    map.insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    for (name, value) in headers {
        if let (Ok(name), Ok(value)) = (
            http::HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            map.insert(name, value);
        }
    }
    add_request_id(&mut response, request_id);
    response
}

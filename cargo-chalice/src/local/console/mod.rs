//! The console of `cargo chalice local`: a page in the browser, under
//! [`PREFIX`] on the gateway's own address, with the route table and a
//! try-it form per route (from the OpenAPI document, [`crate::openapi`]),
//! a live request log, the function instances, the reloads and the last
//! build error.
//!
//! The gateway and the reloader publish what happens on a [`Console`]
//! (a `tokio::sync::broadcast` channel); the page reads it as server-sent
//! events ([`events`]). No route of the app may use the prefix: the model
//! refuses it ([`crate::app::rest_api`]).

mod events;

pub use events::{ConsoleEvent, RequestEvent};

use super::gateway_server::Generation;
use bytes::Bytes;
use http::{HeaderValue, Method, Response, StatusCode};
use http_body_util::{Either, Full};
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::sync::Mutex;
use tokio::sync::broadcast;

/// The path prefix of the console (refused for the app's routes).
pub const PREFIX: &str = crate::app::rest_api::CONSOLE_PREFIX;

/// The page: HTML with its CSS and script inline, no other request but the
/// document, the status and the events.
const PAGE: &str = include_str!("page.html");

/// How many requests the console remembers for a page opened later.
const RECENT: usize = 200;

/// A response of the gateway's server: a whole body, or the event stream.
pub type Body = Either<Full<Bytes>, events::EventStream>;

/// What the console knows, and the channel that tells the pages.
#[derive(Debug)]
pub struct Console {
    sender: broadcast::Sender<ConsoleEvent>,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    recent: VecDeque<RequestEvent>,
    reloads: u64,
    last_build_error: Option<String>,
    sequence: u64,
}

impl Default for Console {
    fn default() -> Self {
        Self::new()
    }
}

impl Console {
    /// A console no page listens to yet.
    pub fn new() -> Self {
        Self {
            sender: broadcast::Sender::new(256),
            state: Mutex::new(State::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether a page is open: the gateway then keeps each invocation's log.
    pub fn watching(&self) -> bool {
        self.sender.receiver_count() > 0
    }

    /// Records a request the gateway answered and tells the pages.
    pub fn request(&self, mut event: RequestEvent) {
        {
            let mut state = self.lock();
            state.sequence += 1;
            event.sequence = state.sequence;
            state.recent.push_back(event.clone());
            while state.recent.len() > RECENT {
                state.recent.pop_front();
            }
        }
        let _ = self.sender.send(ConsoleEvent::Request(event));
    }

    /// A new build is in service (`seconds` after the change).
    pub fn reloaded(&self, seconds: f64) {
        let reloads = {
            let mut state = self.lock();
            state.reloads += 1;
            state.last_build_error = None;
            state.reloads
        };
        let _ = self.sender.send(ConsoleEvent::Reload { reloads, seconds });
    }

    /// A rebuild failed; the last good build is still served.
    pub fn build_failed(&self, message: String) {
        self.lock().last_build_error = Some(message.clone());
        let _ = self.sender.send(ConsoleEvent::BuildFailed { message });
    }

    /// The state of the server: the instances of `generation`, the
    /// reloads, the last build error, the recent requests.
    pub fn status(&self, generation: &Generation) -> Value {
        let mut instances = Vec::new();
        if let Some(api) = &generation.api {
            instances
                .push(json!({"function": "api (behind the gateway)", "counts": api.pool.counts()}));
        }
        for function in generation.functions.iter() {
            instances.push(json!({
                "function": format!("{} (invoked directly)", function.key),
                "counts": function.pool.counts(),
            }));
        }
        let api_keys: Vec<String> = generation
            .api
            .as_ref()
            .map(|api| {
                api.governance
                    .api_keys
                    .iter()
                    .map(|k| k.value.clone())
                    .collect()
            })
            .unwrap_or_default();
        let state = self.lock();
        json!({
            "reloads": state.reloads,
            "last_build_error": state.last_build_error,
            "instances": instances,
            "api_keys": api_keys,
            "recent": state.recent,
        })
    }

    /// Answers a request under [`PREFIX`].
    pub fn respond(&self, method: &Method, path: &str, generation: &Generation) -> Response<Body> {
        let rest = path.strip_prefix(PREFIX).unwrap_or("");
        if method != Method::GET && method != Method::HEAD {
            return whole(
                StatusCode::METHOD_NOT_ALLOWED,
                "text/plain; charset=utf-8",
                Bytes::from_static(b"the console answers GET only\n"),
            );
        }
        match rest {
            "" => {
                let mut response = whole(
                    StatusCode::PERMANENT_REDIRECT,
                    "text/plain; charset=utf-8",
                    Bytes::new(),
                );
                response
                    .headers_mut()
                    .insert(http::header::LOCATION, HeaderValue::from_static("/_chalice/"));
                response
            }
            "/" => whole(StatusCode::OK, "text/html; charset=utf-8", Bytes::from_static(PAGE.as_bytes())),
            "/openapi.json" => match generation.api.as_ref().and_then(|api| api.openapi.as_ref()) {
                Some(document) => whole(
                    StatusCode::OK,
                    "application/json",
                    Bytes::from(serde_json::to_vec_pretty(document).unwrap_or_default()),
                ),
                None => whole(
                    StatusCode::NOT_FOUND,
                    "application/json",
                    Bytes::from_static(b"{\"message\": \"the app has no routes\"}"),
                ),
            },
            "/status" => whole(
                StatusCode::OK,
                "application/json",
                Bytes::from(self.status(generation).to_string()),
            ),
            "/events" => {
                let mut response = Response::new(Either::Right(events::EventStream::new(
                    self.sender.subscribe(),
                )));
                let headers = response.headers_mut();
                headers.insert(http::header::CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
                headers.insert(http::header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
                response
            }
            other => whole(
                StatusCode::NOT_FOUND,
                "text/plain; charset=utf-8",
                Bytes::from(format!(
                    "no console page `{PREFIX}{other}`: the console is {PREFIX}/, its document {PREFIX}/openapi.json\n"
                )),
            ),
        }
    }
}

/// Whether `path` is the console's.
pub fn is_console(path: &str) -> bool {
    path.strip_prefix(PREFIX)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

fn whole(status: StatusCode, content_type: &'static str, body: Bytes) -> Response<Body> {
    let mut response = Response::new(Either::Left(Full::new(body)));
    *response.status_mut() = status;
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static(content_type),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(path: &str) -> RequestEvent {
        RequestEvent {
            sequence: 0,
            time_ms: 0,
            method: "GET".into(),
            path: path.into(),
            status: 200,
            duration_ms: 1.0,
            kind: "warm".into(),
            instance: 1,
            request_id: "r".into(),
            log: Vec::new(),
        }
    }

    #[test]
    fn requests_are_numbered_kept_and_sent() {
        let console = Console::new();
        assert!(!console.watching());
        let mut receiver = console.sender.subscribe();
        assert!(console.watching());
        console.request(request("/a"));
        console.request(request("/b"));
        let Ok(ConsoleEvent::Request(second)) =
            receiver.try_recv().and_then(|_| receiver.try_recv())
        else {
            panic!("no request event");
        };
        assert_eq!((second.sequence, second.path.as_str()), (2, "/b"));
        for n in 0..RECENT + 5 {
            console.request(request(&format!("/{n}")));
        }
        assert_eq!(console.lock().recent.len(), RECENT);
    }

    #[test]
    fn a_reload_clears_the_build_error() {
        let console = Console::new();
        console.build_failed("error[E0308]: mismatched types".into());
        assert!(console.lock().last_build_error.is_some());
        console.reloaded(1.5);
        let state = console.lock();
        assert_eq!(
            (state.reloads, state.last_build_error.as_deref()),
            (1, None)
        );
    }

    #[test]
    fn the_prefix_is_matched_by_segment() {
        assert!(is_console("/_chalice"));
        assert!(is_console("/_chalice/openapi.json"));
        assert!(!is_console("/_chalicex"));
        assert!(!is_console("/items"));
    }
}

//! An in-process test client: requests go through API Gateway's routing and
//! the REST v1 event, exactly as deployed, without a network; event and
//! plain functions are invoked with an event as Lambda invokes them
//! ([`Client::invoke`]).
//!
//! ```
//! use chalice_rs_runtime::{route, test::Client, App, Json};
//!
//! #[route("/hello/<name>", methods = [GET])]
//! async fn hello(name: String) -> Json<serde_json::Value> {
//!     Json(serde_json::json!({ "hello": name }))
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let client = Client::new(App::new());
//! let response = client.get("/hello/ferris").send().await;
//! assert_eq!(response.status(), 200);
//! assert_eq!(response.json()["hello"], "ferris");
//!
//! let missing = client.get("/nope").send().await;
//! assert_eq!(missing.status(), 403); // Missing Authentication Token, as API Gateway
//! # }
//! ```

use crate::app::App;
use crate::dispatch::{to_proxy_response, Dispatcher};
use crate::function::{self, FunctionError};
use crate::gateway::{build_event, EventSettings, GatewayResponse, HttpRequest, Router};
use crate::gateway_limits::{self, Oversized};
use crate::registry::registrations;
use aws_lambda_events::apigw::ApiGatewayProxyResponse;
use aws_lambda_events::encodings::Body as ProxyBody;
use http::{HeaderMap, HeaderName, HeaderValue, Method};
use serde::Serialize;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Calls the app's handlers in-process, as API Gateway + Lambda would.
#[derive(Clone)]
pub struct Client {
    dispatcher: Arc<Dispatcher>,
    router: Arc<Router>,
    settings: Arc<EventSettings>,
    counter: Arc<AtomicU64>,
}

impl Client {
    /// A client for every route of this binary, with `app`'s state.
    pub fn new(app: App) -> Self {
        Self::with_settings(app, EventSettings::default())
    }

    /// A client with a given stage, stage variables and binary media types.
    pub fn with_settings(app: App, settings: EventSettings) -> Self {
        let router = Router::new(registrations().flat_map(|registration| {
            registration
                .methods
                .iter()
                .map(move |method| (registration.resource_path, *method))
        }));
        Self {
            dispatcher: Arc::new(Dispatcher::new(app)),
            router: Arc::new(router),
            settings: Arc::new(settings),
            counter: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Starts a request with any method.
    pub fn request(&self, method: Method, path_and_query: &str) -> RequestBuilder {
        let (path, query) = match path_and_query.split_once('?') {
            Some((path, query)) => (path.to_owned(), query.to_owned()),
            None => (path_and_query.to_owned(), String::new()),
        };
        RequestBuilder {
            client: self.clone(),
            request: HttpRequest {
                method,
                path,
                query,
                headers: HeaderMap::new(),
                body: Vec::new(),
            },
        }
    }
    /// Starts a GET.
    pub fn get(&self, path: &str) -> RequestBuilder {
        self.request(Method::GET, path)
    }
    /// Starts a POST.
    pub fn post(&self, path: &str) -> RequestBuilder {
        self.request(Method::POST, path)
    }
    /// Starts a PUT.
    pub fn put(&self, path: &str) -> RequestBuilder {
        self.request(Method::PUT, path)
    }
    /// Starts a PATCH.
    pub fn patch(&self, path: &str) -> RequestBuilder {
        self.request(Method::PATCH, path)
    }
    /// Starts a DELETE.
    pub fn delete(&self, path: &str) -> RequestBuilder {
        self.request(Method::DELETE, path)
    }

    /// Invokes the event or plain function `name` with `event` as Lambda
    /// does: the same deserialization, State, result and errors. Returns the
    /// function's JSON result (a batch handler's
    /// `{"batchItemFailures": [..]}`), or the function error Lambda would
    /// report (`errorType`, `errorMessage`), a panic included.
    ///
    /// ```
    /// use chalice_rs_runtime::events::{sample, BatchResponse, SqsEvent};
    /// use chalice_rs_runtime::{on_sqs_message, test::Client, App, ChaliceError};
    ///
    /// #[on_sqs_message(queue = "jobs")]
    /// async fn work(event: SqsEvent) -> Result<BatchResponse, ChaliceError> {
    ///     let bad = event.messages.iter().filter(|m| m.body == "bad");
    ///     Ok(BatchResponse::failed(bad.map(|m| m.message_id.clone())))
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let client = Client::new(App::new());
    /// let event = sample::sqs(["good", "bad"]);
    /// let result = client.invoke("work", event.clone()).await.unwrap();
    /// assert_eq!(
    ///     result["batchItemFailures"][0]["itemIdentifier"],
    ///     event["Records"][1]["messageId"]
    /// );
    /// # }
    /// ```
    ///
    /// # Panics
    /// When the binary defines no function `name`: a bug in the test (the
    /// message lists the functions it defines).
    pub async fn invoke(
        &self,
        name: &str,
        event: serde_json::Value,
    ) -> Result<serde_json::Value, FunctionError> {
        let Some(registration) = function::find(name) else {
            panic!(
                "no function `{name}` in this binary; its functions are: {}",
                function::names().join(", ")
            );
        };
        function::invoke(registration.handler, event, self.dispatcher.app().clone()).await
    }
}

/// A request being built; finish with [`send`](Self::send).
pub struct RequestBuilder {
    client: Client,
    request: HttpRequest,
}

impl RequestBuilder {
    /// Appends a query parameter (repeatable).
    pub fn query(mut self, name: &str, value: &str) -> Self {
        let pair = serde_urlencoded::to_string([(name, value)]).unwrap_or_default();
        if !self.request.query.is_empty() {
            self.request.query.push('&');
        }
        self.request.query.push_str(&pair);
        self
    }
    /// Appends a header (repeatable).
    ///
    /// # Panics
    /// On a header name or value that HTTP does not allow: a bug in the test.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        let name = HeaderName::try_from(name).expect("invalid header name in test request");
        let value = HeaderValue::try_from(value).expect("invalid header value in test request");
        self.request.headers.append(name, value);
        self
    }
    /// Sets a JSON body and `Content-Type: application/json`.
    pub fn json<T: Serialize + ?Sized>(mut self, body: &T) -> Self {
        self.request.body = serde_json::to_vec(body).expect("test body does not serialise to JSON");
        self.request.headers.insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        self
    }
    /// Sets a raw body (set the content type with [`header`](Self::header)).
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.request.body = body.into();
        self
    }

    /// Sends the request through routing, the event and the handler.
    pub async fn send(self) -> TestResponse {
        let client = self.client;
        let target = if self.request.query.is_empty() {
            self.request.path.clone()
        } else {
            format!("{}?{}", self.request.path, self.request.query)
        };
        let size = gateway_limits::check_head(&self.request.method, &target, &self.request.headers)
            .and_then(|()| gateway_limits::check_body(self.request.body.len()));
        if let Err(oversized) = size {
            return TestResponse::oversized(oversized);
        }
        let Some(matched) = client
            .router
            .route(self.request.method.as_str(), &self.request.path)
        else {
            return TestResponse::gateway(GatewayResponse::MissingAuthenticationToken);
        };
        let id = client.counter.fetch_add(1, Ordering::Relaxed);
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or_default();
        let event = build_event(
            &self.request,
            &matched,
            &client.settings,
            &format!("test-request-{id}"),
            now,
        );
        if json_length(&event) > gateway_limits::MAX_EVENT_BYTES {
            return TestResponse::gateway(GatewayResponse::RequestTooLarge);
        }
        let response = client.dispatcher.call(event, None).await;
        TestResponse::from_proxy(to_proxy_response(response))
    }
}

/// What the client received.
#[derive(Debug, Clone)]
pub struct TestResponse {
    status: u16,
    headers: HeaderMap,
    body: Vec<u8>,
    is_base64_encoded: bool,
}

/// The length of `value` in JSON, without writing it out.
fn json_length(value: &impl Serialize) -> usize {
    struct Counter(usize);
    impl std::io::Write for Counter {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0 += bytes.len();
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut counter = Counter(0);
    // An event that does not serialise is not over the limit; dispatch reports it.
    let _ = serde_json::to_writer(&mut counter, value);
    counter.0
}

impl TestResponse {
    fn oversized(oversized: Oversized) -> Self {
        Self {
            status: oversized.status(),
            headers: oversized.headers(),
            body: oversized.message().as_bytes().to_vec(),
            is_base64_encoded: false,
        }
    }

    fn gateway(response: GatewayResponse) -> Self {
        let (status, _, body) = response.parts();
        Self {
            status,
            headers: response.headers(),
            body: body.as_bytes().to_vec(),
            is_base64_encoded: false,
        }
    }

    fn from_proxy(proxy: ApiGatewayProxyResponse) -> Self {
        let mut headers = proxy.headers;
        for (name, value) in proxy.multi_value_headers.iter() {
            headers.append(name.clone(), value.clone());
        }
        let body = match proxy.body {
            None | Some(ProxyBody::Empty) => Vec::new(),
            Some(ProxyBody::Text(text)) => text.into_bytes(),
            Some(ProxyBody::Binary(bytes)) => bytes,
            Some(_) => Vec::new(),
        };
        Self {
            status: u16::try_from(proxy.status_code).unwrap_or(502),
            headers,
            body,
            is_base64_encoded: proxy.is_base64_encoded,
        }
    }

    /// The status code.
    pub fn status(&self) -> u16 {
        self.status
    }
    /// The headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }
    /// One header's first value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    /// The body bytes (binary bodies already decoded).
    pub fn bytes(&self) -> &[u8] {
        &self.body
    }
    /// Whether the Lambda answered with a base64-encoded (binary) body.
    pub fn is_base64_encoded(&self) -> bool {
        self.is_base64_encoded
    }
    /// The body as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    /// The body as JSON.
    ///
    /// # Panics
    /// When the body is not JSON: the test fails with the body in the message.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|error| panic!("response body is not JSON ({error}): {}", self.text()))
    }
}

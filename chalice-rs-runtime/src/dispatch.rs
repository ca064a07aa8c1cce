//! Dispatch: a REST v1 proxy event in, a proxy response out.
//!
//! API Gateway has already routed the request, so dispatch looks the handler up
//! by `(requestContext.resourcePath, httpMethod)` without matching paths.

use crate::app::App;
use crate::error::ChaliceError;
use crate::manifest::{Cors, APP_CORS_ENV};
use crate::registry::{registrations, RouteRegistration};
use crate::request::Request;
use crate::response::{Body, IntoResponse, Response};
use aws_lambda_events::apigw::{ApiGatewayProxyRequest, ApiGatewayProxyResponse};
use aws_lambda_events::encodings::Body as ProxyBody;
use futures_util::FutureExt as _;
use http::{HeaderName, HeaderValue};
use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

/// Routes proxy events to the registered handlers of one app instance.
#[derive(Debug, Clone)]
pub struct Dispatcher {
    app: App,
    table: HashMap<&'static str, Vec<Entry>>,
}

/// One method of one resource: its registration and its CORS headers.
#[derive(Debug, Clone)]
struct Entry {
    method: &'static str,
    registration: &'static RouteRegistration,
    cors_headers: Arc<[(HeaderName, HeaderValue)]>,
}

/// The headers of the app-wide CORS settings ([`APP_CORS_ENV`], set by the
/// tool from the config's `cors`); empty when unset or unreadable.
fn app_cors_headers() -> Vec<(HeaderName, HeaderValue)> {
    let Ok(json) = std::env::var(APP_CORS_ENV) else {
        return Vec::new();
    };
    match serde_json::from_str::<Cors>(&json) {
        Ok(cors) => cors.header_values(),
        Err(error) => {
            eprintln!("chalice-rs: {APP_CORS_ENV} is not valid CORS settings ({error}); no app-wide CORS headers");
            Vec::new()
        }
    }
}

impl Dispatcher {
    /// A dispatcher over every route registered in this binary.
    pub fn new(app: App) -> Self {
        let mut table: HashMap<&'static str, Vec<Entry>> = HashMap::new();
        let app_cors: Arc<[(HeaderName, HeaderValue)]> = app_cors_headers().into();
        for registration in registrations() {
            let cors_headers: Arc<[(HeaderName, HeaderValue)]> = if registration.cors {
                registration.cors_headers().into()
            } else {
                app_cors.clone()
            };
            let methods = table.entry(registration.resource_path).or_default();
            for method in registration.methods {
                methods.push(Entry {
                    method,
                    registration,
                    cors_headers: cors_headers.clone(),
                });
            }
        }
        Self { app, table }
    }

    /// The app this dispatcher serves.
    pub fn app(&self) -> &App {
        &self.app
    }

    fn find(&self, resource_path: &str, method: &str) -> Option<&Entry> {
        self.table
            .get(resource_path)?
            .iter()
            .find(|entry| entry.method == method)
    }

    /// Runs the handler for `event` and returns its response. Never fails: a
    /// panicking handler answers 500 `InternalServerError`.
    pub async fn call(
        &self,
        event: ApiGatewayProxyRequest,
        lambda_context: Option<lambda_runtime::Context>,
    ) -> Response {
        let request = Request::from_event(event, lambda_context, self.app.clone());
        let Some(entry) = self.find(request.resource_path(), request.method().as_str()) else {
            eprintln!(
                "chalice-rs: no handler for {} {} (was the API deployed from another build?)",
                request.method(),
                request.resource_path()
            );
            return ChaliceError::not_found(format!(
                "no handler for {} {}",
                request.method(),
                request.resource_path()
            ))
            .into_response();
        };
        let mut response = Self::call_route(entry.registration, request).await;
        for (name, value) in entry.cors_headers.iter() {
            response
                .headers_mut()
                .entry(name.clone())
                .or_insert_with(|| value.clone());
        }
        response
    }

    async fn call_route(registration: &'static RouteRegistration, request: Request) -> Response {
        let content_type = request.media_type();
        if !registration
            .content_types
            .iter()
            .any(|accepted| *accepted == content_type)
        {
            return ChaliceError::unsupported_media_type(format!(
                "Unsupported media type: {content_type}"
            ))
            .into_response();
        }
        let handler = registration.handler;
        let outcome = match std::panic::catch_unwind(AssertUnwindSafe(|| handler(request))) {
            Ok(future) => AssertUnwindSafe(future).catch_unwind().await,
            Err(panic) => Err(panic),
        };
        match outcome {
            Ok(response) => response,
            Err(_) => {
                eprintln!("chalice-rs: the handler panicked; answering 500");
                ChaliceError::internal().into_response()
            }
        }
    }

    /// [`call`](Self::call), with the response in API Gateway's proxy form.
    pub async fn dispatch(
        &self,
        event: ApiGatewayProxyRequest,
        lambda_context: Option<lambda_runtime::Context>,
    ) -> ApiGatewayProxyResponse {
        to_proxy_response(self.call(event, lambda_context).await)
    }
}

/// Converts a response into API Gateway's proxy response: every header in
/// `multiValueHeaders`, binary bodies base64-encoded.
pub fn to_proxy_response(response: Response) -> ApiGatewayProxyResponse {
    let (status, headers, body) = response.into_parts();
    let mut proxy = ApiGatewayProxyResponse::default();
    proxy.status_code = i64::from(status.as_u16());
    proxy.multi_value_headers = headers;
    match body {
        Body::Empty => proxy.body = Some(ProxyBody::Text(String::new())),
        Body::Text(text) => proxy.body = Some(ProxyBody::Text(text)),
        Body::Binary(bytes) => {
            proxy.body = Some(ProxyBody::Binary(bytes));
            proxy.is_base64_encoded = true;
        }
    }
    proxy
}

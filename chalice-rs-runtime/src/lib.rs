//! # chalice-rs runtime
//!
//! Write HTTP handlers as ordinary async functions, serve them on AWS Lambda
//! behind API Gateway, and test them in-process.
//!
//! ```no_run
//! use chalice_rs_runtime::{route, App, ChaliceError, Json, State};
//! use serde_json::{json, Value};
//!
//! #[derive(Clone, Default)]
//! struct Db;
//!
//! #[route("/", methods = [GET])]
//! async fn index() -> Json<Value> {
//!     Json(json!({"hello": "world"}))
//! }
//!
//! #[route("/items/<id>", methods = [GET])]
//! async fn item(id: u64, State(_db): State<Db>) -> Result<Json<Value>, ChaliceError> {
//!     if id == 0 {
//!         return Err(ChaliceError::not_found("no item 0"));
//!     }
//!     Ok(Json(json!({"id": id})))
//! }
//!
//! fn main() -> std::process::ExitCode {
//!     chalice_rs_runtime::run(|| async { App::new().state(Db::default()) })
//! }
//! ```
//!
//! The attribute [`route`] registers a handler; [`run`] is the binary's entry
//! point; [`test::Client`] calls handlers in `cargo test` exactly as API
//! Gateway would. Event and plain functions ([`schedule`], [`on_event`],
//! [`on_sqs_message`], [`on_sns_message`], [`on_s3_event`],
//! [`on_dynamodb_record`], [`on_kinesis_record`], [`lambda_function`]) take
//! the typed events of [`events`]; [`test::Client::invoke`] runs them.
//! WebSocket handlers ([`on_ws_connect`], [`on_ws_message`],
//! [`on_ws_disconnect`]) take extractors, [`WebsocketContext`] among them;
//! `websocket::Connections` (feature `websocket`) sends to connections.

mod allocator;
pub mod app;
pub mod authorizer;
pub mod dispatch;
pub mod error;
pub mod events;
pub mod extract;
pub mod function;
pub mod gateway;
pub mod gateway_limits;
pub mod lambda;
pub mod manifest;
pub mod models;
mod path_value;
mod proxy_event;
mod proxy_response;
pub mod registry;
pub mod request;
pub mod response;
pub mod rest_event;
mod route_schemas;
pub mod test;
pub mod websocket;

pub use app::App;
pub use chalice_rs_macros::{authorizer, cognito_authorizer, route};
pub use chalice_rs_macros::{lambda_function, on_dynamodb_record, on_event, on_kinesis_record};
pub use chalice_rs_macros::{on_s3_event, on_sns_message, on_sqs_message, schedule};
pub use chalice_rs_macros::{on_ws_connect, on_ws_disconnect, on_ws_message};
pub use error::{ChaliceError, ErrorKind};
pub use extract::{FromRequest, Headers, Query, RawBody, State, TextBody};
pub use http::StatusCode;
pub use lambda::run;
/// The `tracing` macros (`tracing::info!`) for the function's log, as
/// `run` installs its subscriber: JSON lines with the request's ID under
/// `"log_format": "JSON"`.
pub use lambda_runtime::tracing;
pub use request::Request;
pub use response::{IntoResponse, Json, Response};
pub use websocket::WebsocketContext;

/// Items the macros' generated code uses. Not a public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::authorizer::{AuthorizerFuture, AuthorizerRef, AuthorizerRegistration};
    pub use crate::extract::path_param;
    pub use crate::function::{
        batch_item_ids, output, DynamoDbArgument, EventBridgeArgument, FunctionArgument,
        FunctionFuture, FunctionRegistration, InvokePayload, KinesisArgument, S3Argument,
        ScheduleArgument, SnsArgument, SqsArgument,
    };
    pub use crate::models::{schema_of, ModelRegistration};
    pub use crate::registry::{fragment_bytes, HandlerFuture, RouteRegistration};
    pub use crate::route_schemas::{
        add_input, InputSchema, InputSchemaFallback, OutputSchema, OutputSchemaFallback,
        ParamSchema, ParamSchemaFallback, Probe,
    };
    pub use crate::websocket::WebsocketRegistration;
    pub use chalice_rs_manifest::RouteSchemas;
    pub use inventory;
    pub use serde_json::Value;
}

/// The guide's chapters (`docs/guide/`), compiled as doc tests so that their
/// Rust examples keep building: `cargo test -p chalice-rs-runtime --doc`.
#[cfg(doctest)]
mod guide {
    #[doc = include_str!("../../docs/guide/getting-started.md")]
    pub struct GettingStarted;
    #[doc = include_str!("../../docs/guide/handlers.md")]
    pub struct Handlers;
    #[doc = include_str!("../../docs/guide/extractors-and-responses.md")]
    pub struct ExtractorsAndResponses;
    #[doc = include_str!("../../docs/guide/testing.md")]
    pub struct Testing;
    #[doc = include_str!("../../docs/guide/local.md")]
    pub struct Local;
    #[doc = include_str!("../../docs/guide/config.md")]
    pub struct Config;
    #[doc = include_str!("../../docs/guide/commands.md")]
    pub struct Commands;
    #[doc = include_str!("../../docs/guide/deploy.md")]
    pub struct Deploy;
    #[doc = include_str!("../../docs/guide/governance.md")]
    pub struct Governance;
    #[doc = include_str!("../../docs/guide/events.md")]
    pub struct Events;
    #[doc = include_str!("../../docs/guide/websocket.md")]
    pub struct Websocket;
    #[doc = include_str!("../../docs/guide/operating.md")]
    pub struct Operating;
    #[doc = include_str!("../../docs/guide/openapi.md")]
    pub struct OpenApi;
}

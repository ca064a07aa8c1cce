//! The connections API client: send to a connection, close it, describe it.

use super::WebsocketContext;
use crate::error::ChaliceError;
use crate::extract::FromRequest;
use crate::request::Request;
use aws_sdk_apigatewaymanagement::config::http::HttpResponse;
use aws_sdk_apigatewaymanagement::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_apigatewaymanagement::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_apigatewaymanagement::primitives::Blob;
use aws_sdk_apigatewaymanagement::Client;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

/// Why a call to the connections API failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectionError {
    /// The connection is closed (API Gateway's `GoneException`, HTTP 410):
    /// forget it.
    #[error("connection `{connection_id}` is gone")]
    Gone {
        /// The connection's id.
        connection_id: String,
    },
    /// Any other failure: the SDK's error code (when there is one) and message.
    #[error("the connections API failed for `{connection_id}`: {message}")]
    Failed {
        /// The connection's id.
        connection_id: String,
        /// The error's code, as API Gateway names it (`LimitExceededException`, ...).
        code: Option<String>,
        /// What went wrong.
        message: String,
    },
}

/// What the connections API says about a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConnectionInfo {
    /// When it was made, in milliseconds since the epoch.
    pub connected_at: Option<i64>,
    /// When it last sent or received, in milliseconds since the epoch.
    pub last_active_at: Option<i64>,
    /// The client's address.
    pub source_ip: Option<String>,
    /// The client's `User-Agent`.
    pub user_agent: Option<String>,
}

/// The connections API of the WebSocket API that invoked the handler, on the
/// official AWS SDK. Take it as a handler argument (or build it with
/// [`Connections::new`]); deployed it calls `https://{domainName}/{stage}`,
/// under `cargo chalice local` the local server's endpoint, with no
/// configuration either way.
///
/// ```no_run
/// use chalice_rs_runtime::websocket::{ConnectionError, Connections};
/// # async fn f(connections: Connections) -> Result<(), ConnectionError> {
/// match connections.send("c1=", "hello").await {
///     Err(ConnectionError::Gone { connection_id }) => println!("forget {connection_id}"),
///     other => other?,
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Connections {
    client: Client,
}

impl Connections {
    /// The connections API of the API that sent the event of `context`.
    /// Deployed, the function's credentials (Lambda's environment) sign the
    /// calls; a loopback endpoint (`cargo chalice local`) takes any.
    pub fn new(context: &WebsocketContext) -> Self {
        Self::for_endpoint(&context.endpoint())
    }

    /// The connections API at `endpoint` (`https://{domain}/{stage}`).
    /// Clients are kept per endpoint for the instance's life.
    pub fn for_endpoint(endpoint: &str) -> Self {
        static CLIENTS: OnceLock<Mutex<HashMap<String, Client>>> = OnceLock::new();
        let clients = CLIENTS.get_or_init(Default::default);
        let mut clients = clients
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let client = clients
            .entry(endpoint.to_owned())
            .or_insert_with(|| Client::from_conf(config(endpoint)))
            .clone();
        Self { client }
    }

    /// Sends `data` to the connection (a text frame when it is UTF-8).
    pub async fn send(
        &self,
        connection_id: &str,
        data: impl Into<Vec<u8>>,
    ) -> Result<(), ConnectionError> {
        self.client
            .post_to_connection()
            .connection_id(connection_id)
            .data(Blob::new(data.into()))
            .send()
            .await
            .map(|_| ())
            .map_err(|error| failure(connection_id, error))
    }

    /// Closes the connection (its `$disconnect` handler runs).
    pub async fn close(&self, connection_id: &str) -> Result<(), ConnectionError> {
        self.client
            .delete_connection()
            .connection_id(connection_id)
            .send()
            .await
            .map(|_| ())
            .map_err(|error| failure(connection_id, error))
    }

    /// What API Gateway knows of the connection.
    pub async fn info(&self, connection_id: &str) -> Result<ConnectionInfo, ConnectionError> {
        let output = self
            .client
            .get_connection()
            .connection_id(connection_id)
            .send()
            .await
            .map_err(|error| failure(connection_id, error))?;
        let millis = |time: Option<&aws_sdk_apigatewaymanagement::primitives::DateTime>| {
            time.and_then(|t| t.to_millis().ok())
        };
        Ok(ConnectionInfo {
            connected_at: millis(output.connected_at()),
            last_active_at: millis(output.last_active_at()),
            source_ip: output
                .identity()
                .and_then(|i| i.source_ip())
                .map(str::to_owned),
            user_agent: output
                .identity()
                .and_then(|i| i.user_agent())
                .map(str::to_owned),
        })
    }
}

impl FromRequest for Connections {
    fn from_request(request: &Request) -> Result<Self, ChaliceError> {
        WebsocketContext::from_request(request).map(|context| Connections::new(&context))
    }
}

/// The SDK's configuration for `endpoint`.
fn config(endpoint: &str) -> aws_sdk_apigatewaymanagement::Config {
    let region = std::env::var("AWS_REGION")
        .or_else(|_| std::env::var("AWS_DEFAULT_REGION"))
        .unwrap_or_else(|_| "us-east-1".to_owned());
    let host = endpoint
        .split_once("://")
        .map_or(endpoint, |(_, rest)| rest)
        .split('/')
        .next()
        .unwrap_or_default();
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let credentials = match (
        super::is_loopback(host),
        env("AWS_ACCESS_KEY_ID"),
        env("AWS_SECRET_ACCESS_KEY"),
    ) {
        (false, Some(key), Some(secret)) => {
            Credentials::new(key, secret, env("AWS_SESSION_TOKEN"), None, "environment")
        }
        // The local endpoint checks no signature; nothing leaves the machine.
        (true, _, _) => Credentials::new("local", "local", None, None, "chalice-local"),
        (false, _, _) => {
            eprintln!(
                "chalice-rs: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set; calls to \
                 {endpoint} will be refused"
            );
            Credentials::new("", "", None, None, "missing")
        }
    };
    aws_sdk_apigatewaymanagement::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region))
        .credentials_provider(credentials)
        .endpoint_url(endpoint)
        .build()
}

/// An SDK error as a [`ConnectionError`]: `GoneException` (or a bare 410) is
/// [`ConnectionError::Gone`].
fn failure<E>(connection_id: &str, error: SdkError<E, HttpResponse>) -> ConnectionError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let status = error.raw_response().map(|raw| raw.status().as_u16());
    let code = error.code().map(str::to_owned);
    if code.as_deref() == Some("GoneException") || status == Some(410) {
        return ConnectionError::Gone {
            connection_id: connection_id.to_owned(),
        };
    }
    let message = match error.message() {
        Some(message) => message.to_owned(),
        None => aws_sdk_apigatewaymanagement::error::DisplayErrorContext(&error).to_string(),
    };
    ConnectionError::Failed {
        connection_id: connection_id.to_owned(),
        code,
        message,
    }
}

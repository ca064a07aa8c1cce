//! The binary's entry point: manifest mode or Lambda mode.

use crate::app::App;
use crate::authorizer::{self, AuthRequest, AuthorizerRegistration};
use crate::dispatch::Dispatcher;
use crate::function::{self, FunctionRegistration};
use crate::manifest::{FUNCTION_HANDLER_PREFIX, WEBSOCKET_HANDLER_PREFIX};
use crate::proxy_event::ProxyEvent;
use crate::proxy_response::ProxyResponse;
use crate::registry;
use lambda_runtime::{service_fn, LambdaEvent};
use std::future::Future;
use std::pin::Pin;
use std::process::ExitCode;

/// The `_HANDLER` value of the HTTP API function.
pub const API_HANDLER: &str = "api";

/// The `_HANDLER` prefix of an authorizer's function: `authorizer:<name>`.
pub const AUTHORIZER_HANDLER_PREFIX: &str = "authorizer:";

/// Runs the app: call it from `main` with a closure that builds the [`App`]
/// (its state), once per instance.
///
/// - `bootstrap --manifest` (or `CHALICE_MANIFEST=1`) prints the manifest and
///   exits without calling `init`.
/// - With `AWS_LAMBDA_RUNTIME_API` set (on Lambda, or under `cargo chalice
///   local`), it serves the function named by `_HANDLER`: `api` (the
///   default), `authorizer:<name>` or `function:<name>` (an event or plain
///   function). `init` runs once per instance, before the first event, for
///   the API and the functions alike.
///
/// ```no_run
/// use chalice_rs_runtime::App;
///
/// #[derive(Clone, Default)]
/// struct Db;
///
/// fn main() -> std::process::ExitCode {
///     chalice_rs_runtime::run(|| async { App::new().state(Db::default()) })
/// }
/// ```
pub fn run<F, Fut>(init: F) -> ExitCode
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = App>,
{
    // Only this shim is generic (compiled in the app's crate, unoptimised in
    // debug builds); the runtime loop, tokio's scheduler and lambda_runtime
    // are compiled here, in this crate, with its optimisation level.
    run_boxed(Box::new(move || Box::pin(init()) as InitFuture))
}

/// Installs the `tracing` subscriber Lambda's logging controls describe,
/// unless `main` installed one before calling [`run`]: one line per event
/// on stdout, a JSON object with the invocation's `requestId` when
/// `AWS_LAMBDA_LOG_FORMAT` is `JSON` (the function's `log_format`), at the
/// level of `AWS_LAMBDA_LOG_LEVEL` (`log_level`), else `RUST_LOG`, else
/// `INFO`. Lambda sets both variables; so does `cargo chalice local`.
fn init_logging() {
    if !lambda_runtime::tracing::dispatcher::has_been_set() {
        lambda_runtime::tracing::init_default_subscriber();
    }
}

/// The app's init future, boxed.
type InitFuture<'a> = Pin<Box<dyn Future<Output = App> + 'a>>;

fn run_boxed<'a>(init: Box<dyn FnOnce() -> InitFuture<'a> + 'a>) -> ExitCode {
    let manifest_mode = std::env::args().skip(1).any(|arg| arg == "--manifest")
        || std::env::var_os("CHALICE_MANIFEST").is_some_and(|v| v == "1");
    if manifest_mode {
        return print_manifest();
    }
    let Ok(api) = std::env::var("AWS_LAMBDA_RUNTIME_API") else {
        eprintln!(
            "this is a chalice-rs app: serve it with `cargo chalice local`, print its manifest \
             with `--manifest`, or deploy it with `cargo chalice deploy` \
             (AWS_LAMBDA_RUNTIME_API is not set)"
        );
        return ExitCode::from(2);
    };
    if let Err(message) = check_lambda_environment() {
        eprintln!("chalice-rs: {message} (runtime API {api})");
        return ExitCode::from(2);
    }
    init_logging();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("chalice-rs: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let handler = std::env::var("_HANDLER").unwrap_or_else(|_| API_HANDLER.to_owned());
    runtime.block_on(async move {
        match handler.as_str() {
            API_HANDLER => serve_api(init().await).await,
            other if other.starts_with(AUTHORIZER_HANDLER_PREFIX) => {
                let name = &other[AUTHORIZER_HANDLER_PREFIX.len()..];
                match authorizer::registrations().find(|r| r.name == name && r.handler.is_some()) {
                    Some(registration) => serve_authorizer(registration).await,
                    None => {
                        eprintln!(
                            "chalice-rs: _HANDLER names authorizer `{name}`, which this binary does not define"
                        );
                        ExitCode::FAILURE
                    }
                }
            }
            other if other.starts_with(FUNCTION_HANDLER_PREFIX) => {
                let name = &other[FUNCTION_HANDLER_PREFIX.len()..];
                match function::find(name) {
                    Some(registration) => serve_function(registration, init().await).await,
                    None => {
                        eprintln!("chalice-rs: {}", unknown_function(name));
                        ExitCode::FAILURE
                    }
                }
            }
            other if other.starts_with(WEBSOCKET_HANDLER_PREFIX) => {
                let route_key = &other[WEBSOCKET_HANDLER_PREFIX.len()..];
                match crate::websocket::find(route_key) {
                    Some(registration) => serve_websocket(registration, init().await).await,
                    None => {
                        eprintln!(
                            "chalice-rs: _HANDLER names the WebSocket route `{route_key}`, which \
                             this binary does not handle (was the function deployed from another build?)"
                        );
                        ExitCode::FAILURE
                    }
                }
            }
            other => {
                eprintln!(
                    "chalice-rs: unknown handler `{other}` in _HANDLER (runtime API {api}); \
                     this binary serves `{API_HANDLER}`, `{AUTHORIZER_HANDLER_PREFIX}<name>`, \
                     `{FUNCTION_HANDLER_PREFIX}<name>` and `{WEBSOCKET_HANDLER_PREFIX}<route key>`"
                );
                ExitCode::FAILURE
            }
        }
    })
}

/// The variables lambda_runtime reads at start-up, where a missing one would
/// panic inside it: checked first, for a plain message instead.
fn check_lambda_environment() -> Result<(), String> {
    for name in [
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_VERSION",
    ] {
        if std::env::var_os(name).is_none() {
            return Err(format!(
                "{name} is not set; the Lambda service and `cargo chalice local` set it"
            ));
        }
    }
    let memory = std::env::var("AWS_LAMBDA_FUNCTION_MEMORY_SIZE").unwrap_or_default();
    if memory.parse::<i32>().is_err() {
        return Err(format!(
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE must be a number of megabytes, not `{memory}`"
        ));
    }
    Ok(())
}

fn print_manifest() -> ExitCode {
    match registry::manifest() {
        Ok(manifest) => {
            print!("{}", manifest.to_json());
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn serve_authorizer(registration: &'static AuthorizerRegistration) -> ExitCode {
    let Some(handler) = registration.handler else {
        return ExitCode::FAILURE;
    };
    let result = lambda_runtime::run(service_fn(
        move |event: LambdaEvent<serde_json::Value>| async move {
            let method_arn = event
                .payload
                .get("methodArn")
                .and_then(serde_json::Value::as_str)
                .unwrap_or_default()
                .to_owned();
            let decision = handler(AuthRequest::from_event(event.payload)).await;
            decision
                .into_output(&method_arn)
                .map_err(lambda_runtime::Error::from)
        },
    ))
    .await;
    exit_code(result)
}

/// The message for a `_HANDLER` naming a function the binary does not define.
fn unknown_function(name: &str) -> String {
    let names = function::names();
    let defined = if names.is_empty() {
        "it defines no event or plain function".to_owned()
    } else {
        format!("it defines: {}", names.join(", "))
    };
    format!(
        "_HANDLER names function `{name}`, which this binary does not define; {defined} \
         (was the function deployed from another build?)"
    )
}

/// Serves one event or plain function: each event is invoked as
/// [`function::invoke`] does (in the test client too); an error or a panic
/// is reported to Lambda as a function error and the instance keeps serving.
async fn serve_function(registration: &'static FunctionRegistration, app: App) -> ExitCode {
    let app = &app;
    let result = lambda_runtime::run(service_fn(
        move |event: LambdaEvent<serde_json::Value>| async move {
            function::invoke(registration.handler, event.payload, app.clone())
                .await
                .map_err(lambda_runtime::Diagnostic::from)
        },
    ))
    .await;
    exit_code(result)
}

/// Serves one WebSocket handler: each event is invoked as
/// [`websocket::invoke`](crate::websocket::invoke) does.
async fn serve_websocket(
    registration: &'static crate::websocket::WebsocketRegistration,
    app: App,
) -> ExitCode {
    let app = &app;
    let result = lambda_runtime::run(service_fn(
        move |event: LambdaEvent<aws_lambda_events::apigw::ApiGatewayWebsocketProxyRequest>| async move {
            let response = crate::websocket::invoke(
                registration,
                event.payload,
                Some(event.context),
                app.clone(),
            )
            .await;
            Ok::<_, std::convert::Infallible>(response)
        },
    ))
    .await;
    exit_code(result)
}

async fn serve_api(app: App) -> ExitCode {
    let dispatcher = Dispatcher::new(app);
    let dispatcher = &dispatcher;
    let result = lambda_runtime::run(service_fn(
        move |event: LambdaEvent<ProxyEvent>| async move {
            // Written as `dispatch`'s `ApiGatewayProxyResponse` would be.
            let response = dispatcher.call(event.payload.0, Some(event.context)).await;
            Ok::<_, std::convert::Infallible>(ProxyResponse(response))
        },
    ))
    .await;
    exit_code(result)
}

/// The process's exit code once the Lambda runtime loop ends.
fn exit_code(result: Result<(), lambda_runtime::Error>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("chalice-rs: the Lambda runtime stopped: {error}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_function_is_named_with_the_ones_defined() {
        let message = unknown_function("nope");
        assert!(
            message
                .starts_with("_HANDLER names function `nope`, which this binary does not define;"),
            "{message}"
        );
        assert!(
            message.contains("it defines no event or plain function"),
            "{message}"
        );
    }
}

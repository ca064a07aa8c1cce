//! What `cargo chalice local` prints when it starts: the routes and their
//! guards, the functions and what triggers each, the Invoke API's address,
//! the schedules' next firings, and the address it serves on (last, in a
//! line that tests and scripts read).

use super::functions::Functions;
use super::gateway_server::Generation;
use super::invoke_api;
use super::pool::GATEWAY_TIMEOUT;
use super::schedules::{format_time, Scheduled};
use super::{cron, LocalArgs, API_KEYS_ENV};
use crate::app::App;
use chalice_rs_runtime::manifest::Route;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

/// Where the server listens.
#[derive(Debug, Clone, Copy)]
pub struct Addresses {
    /// The REST API and the Invoke API.
    pub http: SocketAddr,
    /// The WebSocket API and its connections API, when it is served.
    pub websocket: Option<SocketAddr>,
}

/// Prints the banner of `generation`, served at `addresses`.
pub fn print(
    app: &App,
    generation: &Generation,
    addresses: Addresses,
    args: &LocalArgs,
    project_dir: &Path,
) {
    let address = addresses.http;
    match (&generation.api, app.api_function()) {
        (Some(api), Some(function)) => {
            let settings = &function.settings;
            let stage_name = app.rest_api.as_ref().map_or("", |a| a.stage_name.as_str());
            println!(
                "chalice local: {} (stage {}, API Gateway stage {stage_name}, function {})",
                app.name, app.stage, function.function_name
            );
            print_routes(&api.routes);
            if api.routes.iter().any(|route| route.api_key_required) {
                let keys: Vec<&str> = api
                    .governance
                    .api_keys
                    .iter()
                    .map(|key| key.value.as_str())
                    .collect();
                println!(
                    "  API keys accepted in x-api-key: {} (set {API_KEYS_ENV} to choose others)",
                    keys.join(", ")
                );
            }
            let timeout =
                if Duration::from_secs(u64::from(settings.lambda_timeout)) > GATEWAY_TIMEOUT {
                    format!(
                        "{} s (API Gateway's limit; lambda_timeout is {} s)",
                        GATEWAY_TIMEOUT.as_secs(),
                        settings.lambda_timeout
                    )
                } else {
                    format!("{} s", settings.lambda_timeout)
                };
            println!(
                "  up to {} instances of {} MB, timeout {timeout}",
                args.max_instances, settings.lambda_memory_size
            );
            if let Some(resource) = invoke_api::shadowed_route(&api.router) {
                println!(
                    "  note: the route POST {resource} also matches the Invoke API's path; here POST {}<name>{} goes to the Invoke API (on AWS they are different hosts)",
                    invoke_api::PREFIX,
                    invoke_api::SUFFIX
                );
            }
        }
        _ => println!(
            "chalice local: {} (stage {}, no routes: no REST API)",
            app.name, app.stage
        ),
    }
    println!(
        "  Lambda Invoke API: POST http://{address}{}<name>{} (aws lambda invoke --endpoint-url http://{address})",
        invoke_api::PREFIX,
        invoke_api::SUFFIX
    );
    if generation.api.is_some() {
        let console = super::console::PREFIX;
        println!(
            "  console: http://{address}{console}/ (the OpenAPI document: http://{address}{console}/openapi.json)"
        );
    }
    print_functions(&generation.functions);
    if let (Some(api), Some(address)) = (&generation.websocket, addresses.websocket) {
        let at = format!("{address}/{}", api.stage_name);
        println!(
            "  WebSocket API: ws://{at} (routes {}; selection {}); connections API: http://{at}/@connections/<id>",
            api.routes
                .iter()
                .map(|r| r.route_key.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            api.route_selection_expression
        );
    }
    print_schedules(&generation.schedules, args);
    if !args.no_autoreload {
        println!(
            "  reloading on changes to {}/src, Cargo.toml and .chalice/config.json",
            project_dir.display()
        );
    }
    println!("chalice local: serving on http://{address}/ (Ctrl-C to stop)");
}

/// Prints the route table, with what guards each route.
pub fn print_routes(routes: &[Route]) {
    let width = routes
        .iter()
        .map(|r| r.resource_path.len())
        .max()
        .unwrap_or(0);
    for route in routes {
        let mut guards = Vec::new();
        if let Some(authorizer) = &route.authorizer {
            guards.push(format!("authorizer {authorizer}"));
        }
        if route.api_key_required {
            guards.push("API key".to_owned());
        }
        if route.cors.is_some() {
            guards.push("CORS".to_owned());
        }
        let guards = if guards.is_empty() {
            String::new()
        } else {
            format!(" [{}]", guards.join(", "))
        };
        println!(
            "  {:<7} {:<width$}  {} ({}:{}){guards}",
            route.method, route.resource_path, route.handler, route.file, route.line
        );
    }
}

/// Prints each function: its key, Lambda name, trigger, memory and timeout.
pub fn print_functions(functions: &Functions) {
    for function in functions.iter() {
        let spec = function.pool.spec();
        println!(
            "  function {} ({}): {}, {} MB, timeout {} s",
            function.key,
            function.function_name,
            function.trigger.label(),
            spec.memory_mb,
            spec.timeout.as_secs()
        );
    }
}

/// Prints when each schedule fires next (or that schedules are off).
fn print_schedules(schedules: &[Scheduled], args: &LocalArgs) {
    if schedules.is_empty() {
        return;
    }
    if args.no_schedules {
        println!("  schedules are off (--no-schedules)");
        return;
    }
    let now = time::OffsetDateTime::now_utc();
    for scheduled in schedules {
        let next = cron::next_after(&scheduled.schedule, now, now)
            .map_or_else(|| "never again".to_owned(), format_time);
        let now_too = if args.schedules_now { "now, then " } else { "" };
        println!(
            "  schedule {} {}: fires {now_too}{next} (UTC)",
            scheduled.key, scheduled.expression
        );
    }
}

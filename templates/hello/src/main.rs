//! {{name}}: a chalice-rs app.
//!
//! Run the tests with `cargo test`, serve it with `cargo chalice local`,
//! deploy it with `cargo chalice deploy`.

use chalice_rs_runtime::{route, App, Json};
use serde_json::{json, Value};

#[route("/", methods = [GET])]
async fn index() -> Json<Value> {
    Json(json!({"hello": "world"}))
}

#[route("/hello/<name>", methods = [GET])]
async fn hello(name: String) -> Json<Value> {
    Json(json!({"hello": name}))
}

/// The app: register shared state with `App::new().state(..)`.
pub fn app() -> App {
    App::new()
}

#[cfg(test)]
mod tests;

fn main() -> std::process::ExitCode {
    chalice_rs_runtime::run(|| async { app() })
}

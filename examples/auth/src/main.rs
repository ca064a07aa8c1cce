//! examples/auth: who may call what.
//!
//! - `GET /` is open to anyone; `GET /cors` also answers browsers from any
//!   origin (a CORS preflight and CORS headers).
//! - `GET /me` needs a bearer of `Authorization: allow-<name>` (a TOKEN
//!   authorizer, its decision cached for five minutes); `deny` is refused
//!   explicitly, anything else is 401.
//! - `GET /tenants/<tenant>/report` needs `X-Tenant` and `?team=` that a
//!   REQUEST authorizer checks (no cache): tenant `acme` only.
//! - `POST /reports` needs an API key (`x-api-key`); `cargo chalice local`
//!   accepts each name of `api_keys` as its value (`auth-reports`). Its body
//!   is validated against `NewReport`'s JSON schema before the handler runs.
//! - `GET /admin` needs a SigV4-signed request (IAM authorization).
//! - `GET /profile` needs an ID token of the Cognito user pool `users`; the
//!   handler sees its claims.
//!
//! The stages of `.chalice/config.json` add a custom 401 body, throttling
//! and a quota (`limited`), and a resource policy (`office`).

use chalice_rs_runtime::authorizer::{AuthRequest, AuthResponse, AuthRoute};
use chalice_rs_runtime::{authorizer, cognito_authorizer, route, App, Json, Request};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};

/// How many decisions this instance of the TOKEN authorizer made: each
/// decision carries its number, so a cached one is recognisable.
static DECISIONS: AtomicU64 = AtomicU64::new(0);

/// `Authorization: allow-<name>` lets `<name>` call every route; `deny` is
/// an explicit deny; anything else is 401.
#[authorizer(
    header = "Authorization",
    validation = "^(allow-[a-z]+|deny)$",
    ttl = 300
)]
async fn bearer(request: AuthRequest) -> AuthResponse {
    let decision = DECISIONS.fetch_add(1, Ordering::Relaxed) + 1;
    match request.token() {
        Some("deny") => AuthResponse::deny("nobody"),
        Some(token) => match token.strip_prefix("allow-") {
            Some(name) => AuthResponse::allow(name, ["*"])
                .context("name", name)
                .context("decision", decision),
            None => AuthResponse::unauthorized(),
        },
        None => AuthResponse::unauthorized(),
    }
}

/// Tenant `acme` may read its reports, only with `GET`.
#[authorizer(kind = request, headers = ["X-Tenant"], query = ["team"], ttl = 0)]
async fn tenant_check(request: AuthRequest) -> AuthResponse {
    match (request.header("X-Tenant"), request.query("team")) {
        (Some("acme"), Some(team)) => {
            AuthResponse::allow("acme", [AuthRoute::new("/tenants/acme/*", ["GET"])])
                .context("team", team)
        }
        _ => AuthResponse::unauthorized(),
    }
}

cognito_authorizer!(
    users,
    provider_arns = ["arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Example"]
);

#[route("/", methods = [GET])]
async fn index() -> Json<Value> {
    Json(json!({"hello": "anyone"}))
}

#[route("/cors", methods = [GET], cors = true)]
async fn cors() -> Json<Value> {
    Json(json!({"hello": "browsers"}))
}

#[route("/me", methods = [GET], authorizer = bearer)]
async fn me(request: Request) -> Json<Value> {
    let context = request.authorizer();
    Json(json!({
        "principal": context.get("principalId"),
        "name": context.get("name"),
        "decision": context.get("decision"),
    }))
}

#[route("/tenants/<tenant>/report", methods = [GET], authorizer = tenant_check)]
async fn report(tenant: String, request: Request) -> Json<Value> {
    Json(json!({
        "tenant": tenant,
        "team": request.authorizer().get("team"),
    }))
}

/// The body of `POST /reports`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct NewReport {
    /// The report's title.
    pub title: String,
    /// How many pages, if known.
    pub pages: Option<u32>,
}

#[route("/reports", methods = [POST], api_key_required = true, validate = true)]
async fn create_report(Json(report): Json<NewReport>, request: Request) -> Json<Value> {
    let key_id = request.request_context().identity.api_key_id.clone();
    Json(json!({"created": report.title, "pages": report.pages, "api_key_id": key_id}))
}

#[route("/admin", methods = [GET], authorizer = iam)]
async fn admin(request: Request) -> Json<Value> {
    let access_key = request.request_context().identity.access_key.clone();
    Json(json!({"admin": true, "access_key": access_key}))
}

#[route("/profile", methods = [GET], authorizer = users)]
async fn profile(request: Request) -> Json<Value> {
    let claims = request.authorizer().get("claims").cloned();
    let email = claims.as_ref().and_then(|c| c.get("email")).cloned();
    Json(json!({"email": email}))
}

/// The app: no shared state.
pub fn app() -> App {
    App::new()
}

#[cfg(test)]
mod tests;

fn main() -> std::process::ExitCode {
    chalice_rs_runtime::run(|| async { app() })
}

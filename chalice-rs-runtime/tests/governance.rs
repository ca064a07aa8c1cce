//! Authorizers, API keys and CORS as the manifest, the dispatcher and the test
//! client see them.

use chalice_rs_runtime::authorizer::{AuthRequest, AuthResponse};
use chalice_rs_runtime::manifest::{AuthorizerKind, IAM_AUTHORIZER};
use chalice_rs_runtime::{authorizer, cognito_authorizer, registry, route, test::Client, App};
use serde_json::json;

#[authorizer(header = "X-Token", validation = "^tok-.+$", ttl = 60)]
async fn token_auth(request: AuthRequest) -> AuthResponse {
    match request.token() {
        Some("tok-allow") => AuthResponse::allow("alice", ["/secret"]).context("team", "blue"),
        Some("tok-deny") => AuthResponse::deny("mallory"),
        _ => AuthResponse::unauthorized(),
    }
}

#[authorizer(kind = request, headers = ["X-Key"], query = ["key"], ttl = 0)]
fn request_auth(request: AuthRequest) -> AuthResponse {
    match request.query("key") {
        Some(_) => AuthResponse::allow("bob", ["*"]),
        None => AuthResponse::unauthorized(),
    }
}

cognito_authorizer!(
    users,
    provider_arns = ["arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_abc"]
);

#[route("/secret", authorizer = token_auth)]
async fn secret() -> &'static str {
    "s"
}

#[route("/by-request", methods = [POST], authorizer = request_auth, api_key_required = true)]
async fn by_request() -> &'static str {
    "r"
}

#[route("/signed", authorizer = iam)]
async fn signed() -> &'static str {
    "i"
}

#[route("/pool", authorizer = users)]
async fn pool() -> &'static str {
    "p"
}

#[route("/open", cors = true)]
async fn open() -> &'static str {
    "o"
}

#[route("/tight", cors = Cors { allow_origin: "https://example.com", allow_headers: ["X-Custom"], expose_headers: ["X-Out"], max_age: 600, allow_credentials: true })]
async fn tight() -> &'static str {
    "t"
}

#[test]
fn manifest_lists_authorizers_and_route_settings() {
    let manifest = registry::manifest().expect("manifest");
    let names: Vec<&str> = manifest
        .authorizers
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    assert_eq!(names, ["request_auth", "token_auth", "users"]);
    let token = manifest.authorizer("token_auth").unwrap();
    assert_eq!(
        token.kind,
        AuthorizerKind::Token {
            header: "X-Token".into(),
            validation_expression: Some("^tok-.+$".into())
        }
    );
    assert_eq!(token.ttl_seconds, 60);
    let request = manifest.authorizer("request_auth").unwrap();
    assert_eq!(
        request.kind,
        AuthorizerKind::Request {
            identity_sources: vec![
                "method.request.header.X-Key".into(),
                "method.request.querystring.key".into()
            ]
        }
    );
    assert!(!manifest.authorizer("users").unwrap().has_function());

    let route = |path: &str| manifest.routes.iter().find(|r| r.path == path).unwrap();
    // The call-site values the compiler spliced into the macro's fragment.
    let secret = route("/secret");
    assert_eq!(
        (secret.module.as_str(), secret.file.as_str()),
        ("governance", file!())
    );
    assert!(secret.line > 1);
    assert_eq!(token.module, "governance");
    assert_eq!(route("/secret").authorizer.as_deref(), Some("token_auth"));
    assert!(route("/by-request").api_key_required);
    assert_eq!(route("/signed").authorizer.as_deref(), Some(IAM_AUTHORIZER));
    assert_eq!(route("/pool").authorizer.as_deref(), Some("users"));
    assert_eq!(route("/open").cors.as_ref().unwrap().allow_origin, "*");
    let tight = route("/tight").cors.clone().unwrap();
    assert_eq!(tight.max_age, Some(600));
    assert!(tight.allow_credentials);
}

#[tokio::test]
async fn authorizer_functions_decide() {
    let arn = "arn:aws:execute-api:us-east-1:1:api/dev/GET/secret";
    let allow = token_auth
        .call(AuthRequest::from_event(
            json!({"type": "TOKEN", "authorizationToken": "tok-allow", "methodArn": arn}),
        ))
        .await
        .into_output(arn)
        .unwrap();
    assert_eq!(allow["principalId"], "alice");
    assert_eq!(allow["context"]["team"], "blue");
    let none = token_auth
        .call(AuthRequest::from_event(
            json!({"type": "TOKEN", "methodArn": arn}),
        ))
        .await;
    assert!(none.into_output(arn).is_err());
}

#[tokio::test]
async fn cors_headers_are_on_every_response_of_a_cors_route() {
    let client = Client::new(App::new());
    let open = client.get("/open").send().await;
    assert_eq!(open.header("access-control-allow-origin"), Some("*"));
    assert!(open
        .header("access-control-allow-headers")
        .unwrap()
        .contains("X-Api-Key"));
    let tight = client.get("/tight").send().await;
    assert_eq!(
        tight.header("access-control-allow-origin"),
        Some("https://example.com")
    );
    assert_eq!(tight.header("access-control-max-age"), Some("600"));
    assert_eq!(
        tight.header("access-control-allow-credentials"),
        Some("true")
    );
    assert_eq!(tight.header("access-control-expose-headers"), Some("X-Out"));
    assert!(tight
        .header("access-control-allow-headers")
        .unwrap()
        .contains("X-Custom"));
    let plain = client.get("/secret").send().await;
    assert_eq!(plain.header("access-control-allow-origin"), None);
}

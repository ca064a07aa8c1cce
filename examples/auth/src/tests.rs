//! The handlers through the test client, the authorizers called directly.
//! `cargo-chalice/tests/local.rs` runs the whole app under `cargo chalice
//! local`, where API Gateway's checks apply.

use super::*;
use chalice_rs_runtime::authorizer::evaluate_policy;
use chalice_rs_runtime::test::Client;

const ARN: &str = "arn:aws:execute-api:us-east-1:123456789012:api-id/api";

fn token_event(token: &str, method: &str, path: &str) -> AuthRequest {
    AuthRequest::from_event(json!({
        "type": "TOKEN",
        "authorizationToken": token,
        "methodArn": format!("{ARN}/{method}/{path}"),
    }))
}

#[tokio::test]
async fn bearer_allows_names_and_denies_deny() {
    let arn = format!("{ARN}/GET/me");
    let output = bearer
        .call(token_event("allow-ann", "GET", "me"))
        .await
        .into_output(&arn)
        .expect("allowed");
    assert_eq!(output["principalId"], "ann");
    assert_eq!(output["context"]["name"], "ann");
    assert_eq!(evaluate_policy(&output["policyDocument"], &arn), Some(true));

    let output = bearer
        .call(token_event("deny", "GET", "me"))
        .await
        .into_output(&arn)
        .expect("a policy");
    assert_eq!(
        evaluate_policy(&output["policyDocument"], &arn),
        Some(false)
    );

    let refused = bearer.call(token_event("who", "GET", "me")).await;
    assert_eq!(refused.into_output(&arn), Err("Unauthorized"));
}

#[tokio::test]
async fn tenant_allows_acme_reads_only() {
    let request = |tenant: &str, method: &str| {
        AuthRequest::from_event(json!({
            "type": "REQUEST",
            "methodArn": format!("{ARN}/{method}/tenants/{tenant}/report"),
            "headers": {"X-Tenant": tenant},
            "queryStringParameters": {"team": "blue"},
        }))
    };
    let arn = format!("{ARN}/GET/tenants/acme/report");
    let output = tenant_check
        .call(request("acme", "GET"))
        .await
        .into_output(&arn)
        .expect("allowed");
    assert_eq!(evaluate_policy(&output["policyDocument"], &arn), Some(true));
    let post = format!("{ARN}/POST/tenants/acme/report");
    assert_eq!(evaluate_policy(&output["policyDocument"], &post), None);
    let other = format!("{ARN}/GET/tenants/other/report");
    assert_eq!(evaluate_policy(&output["policyDocument"], &other), None);
    assert!(tenant_check
        .call(request("other", "GET"))
        .await
        .into_output(&arn)
        .is_err());
}

#[tokio::test]
async fn handlers_answer() {
    let client = Client::new(app());
    assert_eq!(client.get("/").send().await.json()["hello"], "anyone");
    let cors = client.get("/cors").send().await;
    assert_eq!(cors.header("access-control-allow-origin"), Some("*"));
    let report = client.get("/tenants/acme/report").send().await;
    assert_eq!(report.json()["tenant"], "acme");
    let created = client
        .post("/reports")
        .json(&json!({"title": "q3", "pages": 4}))
        .send()
        .await;
    assert_eq!(created.json()["created"], "q3");
}

#[test]
fn the_report_model_is_in_the_manifest() {
    let manifest = chalice_rs_runtime::registry::manifest().expect("manifest");
    let route = manifest
        .routes
        .iter()
        .find(|r| r.resource_path == "/reports")
        .expect("POST /reports");
    assert_eq!(route.model.as_deref(), Some("NewReport"));
    let schema = &manifest.models["NewReport"];
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-04/schema#");
    assert_eq!(schema["required"], json!(["title"]));
}

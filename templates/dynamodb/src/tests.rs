//! The API through the in-process test client. These tests need no AWS
//! account: the client points at a closed loopback port and has no
//! credentials, so requests that reach DynamoDB fail (500), and validation
//! must answer before that. To test against DynamoDB itself, run a local
//! moto server and set AWS_ENDPOINT_URL.

use super::app_with;
use aws_sdk_dynamodb::config::{BehaviorVersion, Config, Region};
use chalice_rs_runtime::test::Client;
use serde_json::json;

fn offline_app() -> chalice_rs_runtime::App {
    let config = Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url("http://127.0.0.1:9")
        .build();
    app_with(
        aws_sdk_dynamodb::Client::from_conf(config),
        "notes".to_owned(),
    )
}

#[tokio::test]
async fn invalid_notes_are_refused_before_dynamodb() {
    let client = Client::new(offline_app());
    for body in [
        json!({"text": "  "}),
        json!({}),
        json!({"text": "a", "extra": 1}),
    ] {
        let response = client.post("/notes").json(&body).send().await;
        assert_eq!(response.status(), 400, "{body}: {}", response.text());
        assert_eq!(response.json()["Code"], "BadRequestError");
    }
    let too_long = client
        .post("/notes")
        .json(&json!({"text": "x".repeat(1001)}))
        .send()
        .await;
    assert_eq!(too_long.status(), 400);
}

#[tokio::test]
async fn dynamodb_failures_answer_500_without_details() {
    let client = Client::new(offline_app());
    let response = client.get("/notes/some-id").send().await;
    assert_eq!(response.status(), 500);
    assert_eq!(response.json()["Code"], "InternalServerError");
}

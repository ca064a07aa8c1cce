//! examples/todo through `cargo chalice local`, against DynamoDB served by a
//! moto server this test starts: the app's real configuration path
//! (AWS_ENDPOINT_URL read by aws-config, TODO_TABLE from .chalice/config.json).
//!
//! HTTP is spoken over plain `TcpStream`s on loopback (no client crate).

use crate::common;

use common::{http, LocalServer, Moto, SharedBuild as _};
use serde_json::{json, Value};
use std::process::Command;
use std::time::Duration;

/// How long `cargo chalice local` may take to build and start the app.
const LOCAL_START: Duration = Duration::from_secs(900);

fn json_body(status: u16, body: &str) -> Value {
    serde_json::from_str(body)
        .unwrap_or_else(|e| panic!("status {status}, body not JSON ({e}): {body}"))
}

#[test]
fn todo_serves_through_local_against_moto() {
    let moto = Moto::start();
    let endpoint = moto.endpoint.clone();
    let moto_address = endpoint.trim_start_matches("http://").to_owned();

    // The table named in examples/todo/.chalice/config.json (dev stage).
    let (status, body) = http(
        &moto_address,
        "POST",
        "/",
        &[
            ("Content-Type", "application/x-amz-json-1.0"),
            ("X-Amz-Target", "DynamoDB_20120810.CreateTable"),
            (
                "Authorization",
                "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0",
            ),
        ],
        &json!({
            "TableName": "todo-dev",
            "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
            "BillingMode": "PAY_PER_REQUEST",
        })
        .to_string(),
    );
    assert_eq!(status, 200, "CreateTable on moto: {body}");

    let local = LocalServer::start(
        Command::new(env!("CARGO_BIN_EXE_cargo-chalice"))
            .args(["local", "--port", "0", "--no-autoreload", "--project-dir"])
            .arg(common::repo_root().join("examples/todo"))
            .env("AWS_ENDPOINT_URL", &endpoint)
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env_remove("AWS_PROFILE")
            .shared_build(),
        LOCAL_START,
    );
    let address = local.address.clone();
    let json = [
        ("Content-Type", "application/json"),
        ("x-api-key", "todo-writer"),
    ];

    // The write routes need the stage's API key.
    let (status, body) = http(
        &address,
        "POST",
        "/todos",
        &[("Content-Type", "application/json")],
        r#"{"title": "no key"}"#,
    );
    assert_eq!(status, 403, "{body}");
    assert_eq!(json_body(status, &body), json!({"message": "Forbidden"}));

    let (status, body) = http(
        &address,
        "POST",
        "/todos",
        &json,
        r#"{"title": "water the plants"}"#,
    );
    assert_eq!(status, 201, "{body}");
    let created = json_body(status, &body);
    assert_eq!(created["title"], "water the plants");
    let id = created["id"].as_str().expect("id").to_owned();

    let (status, body) = http(&address, "POST", "/todos", &json, r#"{"title": ""}"#);
    assert_eq!(status, 400, "{body}");
    assert_eq!(json_body(status, &body)["Code"], "BadRequestError");

    let (status, body) = http(
        &address,
        "PUT",
        &format!("/todos/{id}"),
        &json,
        r#"{"done": true}"#,
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(json_body(status, &body)["done"], true);

    let (status, body) = http(&address, "POST", "/todos", &json, r#"{"title": "second"}"#);
    assert_eq!(status, 201, "{body}");
    let (status, body) = http(&address, "GET", "/todos?limit=1", &[], "");
    assert_eq!(status, 200, "{body}");
    let page = json_body(status, &body);
    assert_eq!(page["items"].as_array().map(Vec::len), Some(1), "{page}");
    let token = page["next_token"].as_str().expect("a next page").to_owned();
    let (status, body) = http(
        &address,
        "GET",
        &format!("/todos?limit=5&next_token={token}"),
        &[],
        "",
    );
    assert_eq!(status, 200, "{body}");
    let rest = json_body(status, &body);
    assert_eq!(rest["items"].as_array().map(Vec::len), Some(1), "{rest}");
    assert_ne!(rest["items"][0]["id"], page["items"][0]["id"]);

    let (status, _) = http(&address, "DELETE", &format!("/todos/{id}"), &json, "");
    assert_eq!(status, 204);
    let (status, body) = http(&address, "GET", &format!("/todos/{id}"), &[], "");
    assert_eq!(status, 404, "{body}");

    drop(local);
    drop(moto);
}

//! The app's routes through the in-process test client: API Gateway's
//! routing and event, the handler, the response, without a network.

use super::app;
use chalice_rs_runtime::test::Client;
use serde_json::json;

#[tokio::test]
async fn index_says_hello() {
    let response = Client::new(app()).get("/").send().await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.json(), json!({"hello": "world"}));
}

#[tokio::test]
async fn hello_takes_a_name() {
    let response = Client::new(app()).get("/hello/ferris").send().await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.json(), json!({"hello": "ferris"}));
}

#[tokio::test]
async fn unknown_routes_are_refused_as_api_gateway_does() {
    let response = Client::new(app()).get("/nope").send().await;
    assert_eq!(response.status(), 403);
}

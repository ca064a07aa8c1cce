//! The example's own tests, through the in-process test client: API Gateway's
//! routing and REST v1 event, the handlers, the proxy response.

use super::app;
use chalice_rs_runtime::test::Client;
use serde_json::{json, Value};

fn client() -> Client {
    Client::new(app())
}

/// The Chalice error body of a response, checked for its shape.
fn error_body(body: &Value, code: &str) -> String {
    assert_eq!(body["Code"], code, "unexpected error body: {body}");
    assert_eq!(
        body.as_object().map(|o| o.len()),
        Some(2),
        "extra fields: {body}"
    );
    body["Message"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn index_greets() {
    let response = client().get("/").send().await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.header("content-type"), Some("application/json"));
    let greeting = std::env::var("GREETING").unwrap_or_else(|_| "hello".to_owned());
    assert_eq!(response.json(), json!({ greeting: "world" }));
    assert!(!response.is_base64_encoded());
}

#[tokio::test]
async fn items_crud() {
    let client = client();

    let missing = client.get("/items/7").send().await;
    assert_eq!(missing.status(), 404);
    assert_eq!(error_body(&missing.json(), "NotFoundError"), "no item 7");

    let created = client
        .put("/items/7")
        .json(&json!({"name": "lamp", "price": 1200}))
        .send()
        .await;
    assert_eq!(created.status(), 201);
    assert_eq!(created.json(), json!({"name": "lamp", "price": 1200}));

    let replaced = client
        .put("/items/7")
        .json(&json!({"name": "lamp", "price": 900}))
        .send()
        .await;
    assert_eq!(replaced.status(), 200);

    let fetched = client.get("/items/7").send().await;
    assert_eq!(fetched.status(), 200);
    assert_eq!(fetched.json(), json!({"name": "lamp", "price": 900}));

    let listed = client.get("/items").send().await;
    assert_eq!(
        listed.json(),
        json!({"items": [{"id": 7, "name": "lamp", "price": 900}]})
    );

    let deleted = client.delete("/items/7").send().await;
    assert_eq!(deleted.status(), 204);
    assert!(deleted.bytes().is_empty());

    let gone = client.get("/items/7").send().await;
    assert_eq!(gone.status(), 404);
    let again = client.delete("/items/7").send().await;
    assert_eq!(again.status(), 404);
}

#[tokio::test]
async fn state_is_per_app_instance() {
    let first = client();
    first
        .put("/items/1")
        .json(&json!({"name": "a"}))
        .send()
        .await;
    let second = client();
    assert_eq!(second.get("/items/1").send().await.status(), 404);
    assert_eq!(first.get("/items/1").send().await.status(), 200);
}

#[tokio::test]
async fn json_post_creates_with_next_id() {
    let client = client();
    let first = client
        .post("/items")
        .json(&json!({"name": "pen", "price": 150}))
        .send()
        .await;
    assert_eq!(first.status(), 201);
    assert_eq!(first.json(), json!({"id": 1, "name": "pen", "price": 150}));
    // `price` has a default.
    let second = client
        .post("/items")
        .json(&json!({"name": "ink"}))
        .send()
        .await;
    assert_eq!(second.status(), 201);
    assert_eq!(second.json(), json!({"id": 2, "name": "ink", "price": 0}));

    let blank = client
        .post("/items")
        .json(&json!({"name": "  "}))
        .send()
        .await;
    assert_eq!(blank.status(), 400);
    assert_eq!(
        error_body(&blank.json(), "BadRequestError"),
        "an item needs a name"
    );
}

#[tokio::test]
async fn query_parameters_filter_the_list() {
    let client = client();
    for (id, price) in [(1, 100), (2, 500), (3, 900)] {
        let response = client
            .put(&format!("/items/{id}"))
            .json(&json!({"name": format!("item{id}"), "price": price}))
            .send()
            .await;
        assert_eq!(response.status(), 201);
    }
    let ids = |body: Value| -> Vec<u64> {
        body["items"]
            .as_array()
            .expect("items array")
            .iter()
            .filter_map(|item| item["id"].as_u64())
            .collect()
    };
    let all = client.get("/items").send().await;
    assert_eq!(ids(all.json()), [1, 2, 3]);
    let cheap_first = client.get("/items?limit=2").send().await;
    assert_eq!(ids(cheap_first.json()), [1, 2]);
    let dear = client
        .get("/items")
        .query("min_price", "400")
        .query("limit", "1")
        .send()
        .await;
    assert_eq!(ids(dear.json()), [2]);

    let malformed = client.get("/items?limit=many").send().await;
    assert_eq!(malformed.status(), 400);
    let message = error_body(&malformed.json(), "BadRequestError");
    assert!(message.contains("query"), "{message}");
    assert!(message.contains("`limit`"), "{message}");
}

#[tokio::test]
async fn multi_value_query() {
    let response = client()
        .get("/search?tag=red&tag=blue")
        .query("tag", "green & gold")
        .query("q", "lamp")
        .send()
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.json(),
        json!({"tags": ["red", "blue", "green & gold"], "q": "lamp"})
    );
    let none = client().get("/search").send().await;
    assert_eq!(none.json(), json!({"tags": [], "q": null}));
}

#[tokio::test]
async fn malformed_json_answers_400_with_serde_message() {
    let client = client();
    let broken = client
        .post("/items")
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await;
    assert_eq!(broken.status(), 400);
    let message = error_body(&broken.json(), "BadRequestError");
    assert!(message.starts_with("Error Parsing JSON"), "{message}");
    assert!(message.contains("EOF while parsing"), "{message}");

    let wrong_type = client.post("/items").json(&json!({"name": 5})).send().await;
    assert_eq!(wrong_type.status(), 400);
    let message = error_body(&wrong_type.json(), "BadRequestError");
    assert!(
        message.contains("invalid type: integer `5`, expected a string"),
        "{message}"
    );

    let empty = client
        .post("/items")
        .header("content-type", "application/json")
        .send()
        .await;
    assert_eq!(empty.status(), 400);

    // The same for a body parsed inside the handler (`request.json()`).
    let put = client
        .put("/items/3")
        .header("content-type", "application/json")
        .body("[1, 2")
        .send()
        .await;
    assert_eq!(put.status(), 400);
    assert!(error_body(&put.json(), "BadRequestError").starts_with("Error Parsing JSON"));
}

#[tokio::test]
async fn wrong_content_type_answers_415() {
    let client = client();
    let response = client
        .post("/items")
        .header("content-type", "text/plain")
        .body("{\"name\": \"pen\"}")
        .send()
        .await;
    assert_eq!(response.status(), 415);
    let message = error_body(&response.json(), "UnsupportedMediaType");
    assert!(message.contains("text/plain"), "{message}");

    // Parameters of the media type do not matter; case does not either.
    let with_charset = client
        .post("/items")
        .header("content-type", "Application/JSON; charset=utf-8")
        .body("{\"name\": \"pen\"}")
        .send()
        .await;
    assert_eq!(with_charset.status(), 201);

    let upload_as_json = client.post("/upload").json(&json!({"a": 1})).send().await;
    assert_eq!(upload_as_json.status(), 415);
}

#[tokio::test]
async fn bad_path_parameter_names_it() {
    let response = client().get("/items/twelve").send().await;
    assert_eq!(response.status(), 400);
    let message = error_body(&response.json(), "BadRequestError");
    assert!(message.contains("`id`"), "{message}");
    assert!(message.contains("twelve"), "{message}");

    let negative = client().get("/sleep/-5").send().await;
    assert_eq!(negative.status(), 400);
    assert!(error_body(&negative.json(), "BadRequestError").contains("`ms`"));
}

#[tokio::test]
async fn unknown_path_or_method_is_missing_authentication_token() {
    let client = client();
    for response in [
        client.get("/nope").send().await,
        client.get("/items/1/extra").send().await,
        client.patch("/items/1").json(&json!({})).send().await,
        client.delete("/items").send().await,
        client.post("/").send().await,
    ] {
        assert_eq!(response.status(), 403);
        assert_eq!(
            response.json(),
            json!({"message": "Missing Authentication Token"})
        );
        assert_eq!(
            response.header("x-amzn-errortype"),
            Some("MissingAuthenticationTokenException")
        );
    }
}

#[tokio::test]
async fn trailing_slash_reaches_the_same_resource() {
    let response = client().get("/items/").send().await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.json(), json!({"items": []}));
}

#[tokio::test]
async fn handler_errors_use_chalice_codes() {
    let response = client().get("/teapot").send().await;
    assert_eq!(response.status(), 409);
    assert_eq!(
        error_body(&response.json(), "ConflictError"),
        "I am a teapot, not a coffee machine"
    );
}

#[tokio::test]
async fn panic_answers_500_and_the_next_request_works() {
    let client = client();
    client
        .put("/items/1")
        .json(&json!({"name": "kept"}))
        .send()
        .await;
    let response = client.get("/panic").send().await;
    assert_eq!(response.status(), 500);
    let message = error_body(&response.json(), "InternalServerError");
    assert!(
        !message.contains("always panics"),
        "panic text leaked: {message}"
    );

    let next = client.get("/items/1").send().await;
    assert_eq!(next.status(), 200);
    assert_eq!(next.json()["name"], "kept");
}

#[tokio::test]
async fn binary_response_is_base64_encoded() {
    let response = client().get("/image").send().await;
    assert_eq!(response.status(), 200);
    assert!(response.is_base64_encoded());
    assert_eq!(response.header("content-type"), Some("image/png"));
    assert_eq!(
        response.bytes(),
        [0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0xff, 0x00]
    );
}

#[tokio::test]
async fn binary_upload_arrives_intact() {
    let body: Vec<u8> = (0..=255u8).chain([0xff, 0xfe, 0x00]).collect();
    for content_type in ["application/octet-stream", "image/png"] {
        let response = client()
            .post("/upload")
            .header("content-type", content_type)
            .body(body.clone())
            .send()
            .await;
        assert_eq!(
            response.status(),
            200,
            "{content_type}: {}",
            response.text()
        );
        assert_eq!(response.json(), json!({"received": body.len()}));
    }
}

#[tokio::test]
async fn set_cookie_is_repeated() {
    let response = client()
        .post("/echo")
        .header("content-type", "text/plain")
        .body("hi there")
        .send()
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.text(), "hi there");
    assert_eq!(response.header("content-type"), Some("text/plain"));
    let cookies: Vec<&str> = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    assert_eq!(cookies, ["seen=1", "theme=dark"]);
}

#[tokio::test]
async fn greedy_path_takes_the_rest() {
    let client = client();
    let response = client.get("/files/docs/2024/report.txt").send().await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.text(), "file: docs/2024/report.txt");
    let encoded = client.get("/files/my%20notes.txt").send().await;
    assert_eq!(encoded.text(), "file: my notes.txt");
    // An encoded slash is decoded in the value and does not split segments.
    let slash = client.get("/files/Le%20Guin%2Fbooks").send().await;
    assert_eq!(slash.text(), "file: Le Guin/books");
    let bad = client.get("/files/%FF").send().await;
    assert_eq!(bad.status(), 400);
    let single = client.get("/files/a").send().await;
    assert_eq!(single.text(), "file: a");
    // `{path+}` needs at least one segment.
    let bare = client.get("/files").send().await;
    assert_eq!(bare.status(), 403);
}

#[tokio::test]
async fn path_parameter_route_runs() {
    let response = client().get("/sleep/0").send().await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.text(), "slept 0 ms");
}

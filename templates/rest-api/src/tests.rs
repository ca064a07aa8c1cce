//! The API through the in-process test client.

use super::app;
use chalice_rs_runtime::test::Client;
use serde_json::json;

#[tokio::test]
async fn items_crud() {
    let client = Client::new(app());

    let created = client
        .post("/items")
        .json(&json!({"name": "lamp", "price": 1200}))
        .send()
        .await;
    assert_eq!(created.status(), 201);
    assert_eq!(
        created.json(),
        json!({"id": 1, "name": "lamp", "price": 1200})
    );

    let fetched = client.get("/items/1").send().await;
    assert_eq!(fetched.status(), 200);
    assert_eq!(fetched.json(), json!({"name": "lamp", "price": 1200}));

    let replaced = client
        .put("/items/1")
        .json(&json!({"name": "lamp", "price": 900}))
        .send()
        .await;
    assert_eq!(replaced.status(), 200);
    let added = client
        .put("/items/5")
        .json(&json!({"name": "desk"}))
        .send()
        .await;
    assert_eq!(added.status(), 201);

    let listed = client.get("/items?limit=1").send().await;
    assert_eq!(
        listed.json(),
        json!({"items": [{"id": 1, "name": "lamp", "price": 900}]})
    );

    let deleted = client.delete("/items/1").send().await;
    assert_eq!(deleted.status(), 204);
    let missing = client.get("/items/1").send().await;
    assert_eq!(missing.status(), 404);
    assert_eq!(missing.json()["Code"], "NotFoundError");
}

#[tokio::test]
async fn invalid_input_is_a_400() {
    let client = Client::new(app());
    for body in [
        json!({"name": " "}),
        json!({"price": 3}),
        json!({"name": "a", "colour": "red"}),
    ] {
        let response = client.post("/items").json(&body).send().await;
        assert_eq!(response.status(), 400, "{body}");
        assert_eq!(response.json()["Code"], "BadRequestError");
    }
    let not_a_number = client.get("/items/abc").send().await;
    assert_eq!(not_a_number.status(), 400);
    let bad_limit = client.get("/items?limit=-1").send().await;
    assert_eq!(bad_limit.status(), 400);
}

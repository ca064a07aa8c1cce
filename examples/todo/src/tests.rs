//! The todo API through the in-process test client, against DynamoDB served
//! by a moto server that the test starts on a free loopback port.

use super::*;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
};
use chalice_rs_runtime::test::Client as TestClient;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long moto may take to start.
const MOTO_START: Duration = Duration::from_secs(60);

/// A moto server on loopback, killed when dropped.
struct Moto {
    child: Child,
    url: String,
}

impl Moto {
    /// Finds `moto_server` ($CHALICE_TEST_VENV/bin, the checkout's .venv/bin,
    /// then PATH) and starts it; panics with "run scripts/test.sh" when absent.
    fn start() -> Moto {
        let program = moto_server().unwrap_or_else(|| {
            panic!(
                "moto_server not found in $CHALICE_TEST_VENV/bin, .venv/bin or PATH: \
                 run scripts/test.sh (it installs moto[server])"
            )
        });
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("no free loopback port")
            .port();
        let child = Command::new(&program)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start {}: {error}", program.display()));
        let mut moto = Moto {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let address = SocketAddr::from(([127, 0, 0, 1], port));
        let deadline = Instant::now() + MOTO_START;
        loop {
            if TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_ok() {
                return moto;
            }
            if let Ok(Some(status)) = moto.child.try_wait() {
                panic!("moto_server exited before listening: {status}");
            }
            assert!(
                Instant::now() < deadline,
                "moto_server did not listen on {address} within {MOTO_START:?}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn moto_server() -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = Vec::new();
    if let Some(venv) = std::env::var_os("CHALICE_TEST_VENV") {
        dirs.push(PathBuf::from(venv).join("bin"));
    }
    dirs.push(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin"));
    if let Some(path) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&path));
    }
    dirs.into_iter()
        .map(|dir| dir.join("moto_server"))
        .find(|candidate| candidate.is_file())
}

/// Creates the todo table (key `id`, a string) through the app's own client.
async fn create_table(todos: &Todos) {
    todos
        .client
        .create_table()
        .table_name(&todos.table)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("id")
                .attribute_type(ScalarAttributeType::S)
                .build()
                .expect("attribute definition"),
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name("id")
                .key_type(KeyType::Hash)
                .build()
                .expect("key schema"),
        )
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .expect("CreateTable on moto");
}

fn error_message(response: &chalice_rs_runtime::test::TestResponse, code: &str) -> String {
    let body = response.json();
    assert_eq!(body["Code"], code, "unexpected error body: {body}");
    body["Message"].as_str().unwrap_or_default().to_owned()
}

/// The only test that touches the process environment: it configures the app
/// exactly as Lambda would (AWS_ENDPOINT_URL, region, credentials, TODO_TABLE).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn todos_on_dynamodb() {
    let moto = Moto::start();
    std::env::set_var("AWS_ENDPOINT_URL", &moto.url);
    std::env::set_var("AWS_REGION", "us-east-1");
    std::env::set_var("AWS_ACCESS_KEY_ID", "testing");
    std::env::set_var("AWS_SECRET_ACCESS_KEY", "testing");
    std::env::remove_var("AWS_PROFILE");
    std::env::set_var("TODO_TABLE", "todos-test");

    let app = app().await;
    let todos = app
        .get::<Todos>()
        .expect("the app registers its Todos state");
    assert_eq!(todos.table, "todos-test");
    create_table(&todos).await;
    let client = TestClient::new(app);

    // Create, with validation first.
    let blank = client
        .post("/todos")
        .json(&json!({"title": "   "}))
        .send()
        .await;
    assert_eq!(blank.status(), 400);
    assert!(error_message(&blank, "BadRequestError").contains("blank"));
    let long = "x".repeat(MAX_TITLE_CHARS + 1);
    let too_long = client
        .post("/todos")
        .json(&json!({"title": long}))
        .send()
        .await;
    assert_eq!(too_long.status(), 400);
    let unknown = client
        .post("/todos")
        .json(&json!({"title": "a", "priority": 1}))
        .send()
        .await;
    assert_eq!(unknown.status(), 400, "{}", unknown.text());
    let not_json = client
        .post("/todos")
        .header("content-type", "application/json")
        .body("{")
        .send()
        .await;
    assert_eq!(not_json.status(), 400);

    let created = client
        .post("/todos")
        .json(&json!({"title": "  buy milk "}))
        .send()
        .await;
    assert_eq!(created.status(), 201, "{}", created.text());
    let todo = created.json();
    assert_eq!(todo["title"], "buy milk");
    assert_eq!(todo["done"], false);
    let id = todo["id"].as_str().expect("an id").to_owned();

    // Read.
    let fetched = client.get(&format!("/todos/{id}")).send().await;
    assert_eq!(fetched.status(), 200);
    assert_eq!(fetched.json(), todo);
    let missing = client.get("/todos/nope").send().await;
    assert_eq!(missing.status(), 404);
    assert_eq!(error_message(&missing, "NotFoundError"), "no todo nope");

    // Update.
    let done = client
        .put(&format!("/todos/{id}"))
        .json(&json!({"done": true}))
        .send()
        .await;
    assert_eq!(done.status(), 200, "{}", done.text());
    assert_eq!(
        done.json(),
        json!({"id": id, "title": "buy milk", "done": true})
    );
    let renamed = client
        .put(&format!("/todos/{id}"))
        .json(&json!({"title": "buy oat milk"}))
        .send()
        .await;
    assert_eq!(renamed.json()["title"], "buy oat milk");
    assert_eq!(renamed.json()["done"], true);
    let empty_update = client
        .put(&format!("/todos/{id}"))
        .json(&json!({}))
        .send()
        .await;
    assert_eq!(empty_update.status(), 400);
    let blank_update = client
        .put(&format!("/todos/{id}"))
        .json(&json!({"title": ""}))
        .send()
        .await;
    assert_eq!(blank_update.status(), 400);
    let update_missing = client
        .put("/todos/nope")
        .json(&json!({"done": true}))
        .send()
        .await;
    assert_eq!(update_missing.status(), 404, "{}", update_missing.text());

    // Pagination: 7 todos in pages of 3 → 3 + 3 + 1, each exactly once.
    for n in 1..=6 {
        let response = client
            .post("/todos")
            .json(&json!({"title": format!("todo {n}")}))
            .send()
            .await;
        assert_eq!(response.status(), 201);
    }
    let mut seen: Vec<String> = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut request = client.get("/todos").query("limit", "3");
        if let Some(token) = &token {
            request = request.query("next_token", token);
        }
        let page = request.send().await;
        assert_eq!(page.status(), 200, "{}", page.text());
        let body = page.json();
        let items = body["items"].as_array().expect("items").clone();
        assert!(items.len() <= 3);
        seen.extend(
            items
                .iter()
                .map(|t| t["id"].as_str().unwrap_or_default().to_owned()),
        );
        pages += 1;
        assert!(pages <= 10, "pagination does not end: {seen:?}");
        match body["next_token"].as_str() {
            Some(next) => token = Some(next.to_owned()),
            None => break,
        }
    }
    seen.sort();
    let before = seen.len();
    seen.dedup();
    assert_eq!(seen.len(), before, "a todo appeared on two pages");
    assert_eq!(seen.len(), 7);
    assert!(seen.contains(&id));
    let everything = client.get("/todos").send().await.json();
    assert_eq!(everything["items"].as_array().map(Vec::len), Some(7));
    assert_eq!(everything["next_token"], Value::Null);

    for bad in ["0", "101", "many"] {
        let response = client.get("/todos").query("limit", bad).send().await;
        assert_eq!(response.status(), 400, "limit={bad}");
    }
    let bad_token = client.get("/todos").query("next_token", "!!").send().await;
    assert_eq!(bad_token.status(), 400);

    // Delete.
    let deleted = client.delete(&format!("/todos/{id}")).send().await;
    assert_eq!(deleted.status(), 204, "{}", deleted.text());
    assert_eq!(
        client.get(&format!("/todos/{id}")).send().await.status(),
        404
    );
    let again = client.delete(&format!("/todos/{id}")).send().await;
    assert_eq!(again.status(), 404);
    drop(moto);
}

#[test]
fn tokens_round_trip_and_reject_garbage() {
    let id = "0b7c7c1e-3c55-4a7e-9b9e-000000000000";
    assert_eq!(decode_token(&encode_token(id)).ok().as_deref(), Some(id));
    assert!(decode_token("***").is_err());
    assert!(decode_token("").is_err());
}

#[test]
fn titles_are_trimmed_and_bounded() {
    assert_eq!(valid_title(" a ").ok().as_deref(), Some("a"));
    assert!(valid_title(" \t").is_err());
    assert!(valid_title(&"é".repeat(MAX_TITLE_CHARS)).is_ok());
    assert!(valid_title(&"é".repeat(MAX_TITLE_CHARS + 1)).is_err());
}

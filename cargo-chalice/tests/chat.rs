//! examples/chat, the WebSocket API: its template (cfn-lint, the
//! ApiGatewayV2 resources, the roles) from the host build's manifest, and
//! `cargo chalice local` serving it to real WebSocket clients
//! (tokio-tungstenite) on loopback.

use crate::common;

use cargo_chalice::local::websocket::Limits;
use cargo_chalice::package::TemplateFormat;
use chalice_rs_runtime::websocket::{ConnectionError, Connections};
use common::{LocalServer, Moto, SharedBuild as _};
use futures_util::{SinkExt as _, StreamExt as _};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::process::Command;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Client = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// How long `cargo chalice local` may take to build and start the app.
const LOCAL_START: Duration = Duration::from_secs(900);
/// How long one expected frame may take.
const FRAME_WAIT: Duration = Duration::from_secs(20);

#[test]
fn the_chat_template_has_the_websocket_api_and_passes_cfn_lint() {
    let out = tempfile::tempdir().unwrap();
    let packaged = common::package_example("chat", out.path(), TemplateFormat::Json);
    let template = common::read_template(&packaged.template_path);
    let resources = template["Resources"].as_object().expect("resources");
    let of_type = |kind: &str| common::resources_of_type(&template, kind);
    // One function per route, each running the one bootstrap.
    let mut handlers: Vec<&str> = of_type("AWS::Lambda::Function")
        .iter()
        .map(|(_, f)| f["Properties"]["Handler"].as_str().unwrap())
        .collect();
    handlers.sort_unstable();
    assert_eq!(
        handlers,
        [
            "authorizer:open_rooms",
            "websocket:$connect",
            "websocket:$default",
            "websocket:$disconnect",
            "websocket:sendmessage"
        ]
    );
    let api = &resources["WebsocketAPI"];
    assert_eq!(api["Type"], "AWS::ApiGatewayV2::Api");
    assert_eq!(api["Properties"]["ProtocolType"], "WEBSOCKET");
    assert_eq!(
        api["Properties"]["RouteSelectionExpression"],
        "$request.body.action"
    );
    let routes: BTreeSet<&str> = of_type("AWS::ApiGatewayV2::Route")
        .iter()
        .map(|(_, r)| r["Properties"]["RouteKey"].as_str().unwrap())
        .collect();
    assert_eq!(
        routes,
        BTreeSet::from(["$connect", "$default", "$disconnect", "sendmessage"])
    );
    // Message routes answer the client; connect and disconnect cannot.
    let send = &resources["WebsocketMessageSendmessageRoute"]["Properties"];
    assert_eq!(send["RouteResponseSelectionExpression"], "$default");
    assert_eq!(
        send["Target"],
        json!({"Fn::Sub": "integrations/${WebsocketMessageSendmessageIntegration}"})
    );
    let connect = &resources["WebsocketConnectRoute"]["Properties"];
    assert!(connect.get("RouteResponseSelectionExpression").is_none());
    // The `$connect` authorizer: REQUEST, its identity source the query's `room`.
    assert_eq!(connect["AuthorizationType"], "CUSTOM");
    assert_eq!(
        connect["AuthorizerId"],
        json!({"Ref": "WebsocketOpenRoomsAuthorizer"})
    );
    let authorizer = &resources["WebsocketOpenRoomsAuthorizer"]["Properties"];
    assert_eq!(authorizer["AuthorizerType"], "REQUEST");
    assert_eq!(
        authorizer["IdentitySource"],
        json!(["route.request.querystring.room"])
    );
    assert_eq!(of_type("AWS::ApiGatewayV2::RouteResponse").len(), 2);
    for (_, integration) in of_type("AWS::ApiGatewayV2::Integration") {
        assert_eq!(integration["Properties"]["IntegrationType"], "AWS_PROXY");
    }
    // A deployment of this shape, depending on every route; the stage serves it.
    let deployments = of_type("AWS::ApiGatewayV2::Deployment");
    assert_eq!(deployments.len(), 1);
    let (deployment_id, deployment) = deployments[0];
    assert_eq!(deployment["DependsOn"].as_array().unwrap().len(), 6);
    let stage = &resources["WebsocketAPIStage"]["Properties"];
    assert_eq!(stage["StageName"], "api");
    assert_eq!(stage["DeploymentId"], json!({"Ref": deployment_id}));
    // API Gateway may invoke each route's function, from this API only.
    let permissions: Vec<_> = of_type("AWS::Lambda::Permission")
        .into_iter()
        .filter(|(id, _)| id.as_str() != "WebsocketOpenRoomsAuthorizerPermission")
        .collect();
    assert_eq!(permissions.len(), 4);
    for (_, permission) in &permissions {
        assert_eq!(
            permission["Properties"]["SourceArn"],
            json!({"Fn::Sub": "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${WebsocketAPI}/*"})
        );
    }
    // Each route's role may manage this API's connections, and only those.
    let roles = of_type("AWS::IAM::Role");
    let mut granted = 0;
    for (id, role) in &roles {
        let text = role.to_string();
        if text.contains("execute-api:ManageConnections") {
            granted += 1;
            assert!(
                text.contains(r#"${WebsocketAPI}/*"#) && !text.contains(r#""Resource":"*""#),
                "{id}: {text}"
            );
        }
    }
    assert_eq!(granted, 4, "{roles:?}");
    assert_eq!(
        template["Outputs"]["WebsocketConnectEndpointURL"]["Value"],
        json!({"Fn::Sub": "wss://${WebsocketAPI}.execute-api.${AWS::Region}.${AWS::URLSuffix}/api"})
    );
    assert!(resources.contains_key("ChatConnections"));
    let yaml_out = tempfile::tempdir().unwrap();
    let yaml = common::package_example("chat", yaml_out.path(), TemplateFormat::Yaml);
    common::lint(&[&packaged.template_path, &yaml.template_path]);
}

/// The README and the guide show the chat's handlers whole, as they are.
#[test]
fn the_docs_show_the_chat_handlers_as_written() {
    let root = common::repo_root();
    let source = std::fs::read_to_string(root.join("examples/chat/src/main.rs")).unwrap();
    let start = source
        .find("/// The query of the connection")
        .expect("the handlers' start");
    let end = source.find("fn main()").expect("main");
    let handlers = &source[start..end];
    for doc in ["README.md", "docs/guide/websocket.md"] {
        let text = std::fs::read_to_string(root.join(doc)).unwrap();
        assert!(
            text.contains(handlers),
            "{doc} does not show examples/chat/src/main.rs's handlers as written"
        );
    }
}

/// The next text frame, answering pings; `None` when the connection closes.
async fn next_text(client: &mut Client) -> Option<String> {
    let wait = tokio::time::timeout(FRAME_WAIT, async {
        loop {
            match client.next().await {
                Some(Ok(Message::Text(text))) => return Some(text.as_str().to_owned()),
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return None,
                Some(Ok(_)) => {}
            }
        }
    });
    wait.await.expect("a frame in time")
}

/// The close frame the server sends (after any text frames).
async fn close_frame(client: &mut Client) -> Option<CloseFrame> {
    let wait = tokio::time::timeout(FRAME_WAIT, async {
        loop {
            match client.next().await {
                Some(Ok(Message::Close(frame))) => return frame,
                None | Some(Err(_)) => return None,
                Some(Ok(_)) => {}
            }
        }
    });
    wait.await.expect("a close in time")
}

fn send_message(text: &str) -> Message {
    Message::Text(
        json!({"action": "sendmessage", "message": text})
            .to_string()
            .into(),
    )
}

/// `cargo chalice local` on examples/chat with the AWS endpoint `endpoint`
/// and the temporary directory `tmp`: the server, and the WebSocket API's
/// `127.0.0.1:<port>/<stage>` from the banner.
fn serve_chat(endpoint: &str, tmp: &std::path::Path, extra: &[&str]) -> (LocalServer, String) {
    let local = LocalServer::start(
        Command::new(env!("CARGO_BIN_EXE_cargo-chalice"))
            .args([
                "local",
                "--port",
                "0",
                "--no-autoreload",
                "--websocket-port",
                "0",
            ])
            .args(extra)
            .arg("--project-dir")
            .arg(common::repo_root().join("examples/chat"))
            .env("AWS_ENDPOINT_URL", endpoint)
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env_remove("AWS_PROFILE")
            .env("TMPDIR", tmp)
            .shared_build(),
        LOCAL_START,
    );
    let log = local.log();
    let banner = log
        .lines()
        .find(|line| line.contains("WebSocket API: ws://"))
        .unwrap_or_else(|| panic!("no WebSocket line in the banner:\n{log}"));
    let at = banner
        .split("ws://")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .expect("ws address")
        .to_owned();
    assert!(at.ends_with("/api"), "{banner}");
    (local, at)
}

#[test]
fn the_chat_serves_through_local() {
    // No table reachable (an endpoint nobody listens on): the chat keeps its
    // connections on this machine, in this test's own temporary directory.
    let tmp = tempfile::tempdir().unwrap();
    let (local, at) = serve_chat(
        "http://127.0.0.1:1",
        tmp.path(),
        &["--websocket-idle-timeout", "6"],
    );
    let url = |query: &str| format!("ws://{at}{query}");
    let started = std::time::Instant::now();

    common::runtime().block_on(async {
        // Refused connections: without the authorizer's identity source
        // (401), denied by the authorizer (403, a closed room of the stage's
        // CLOSED_ROOMS), refused by the connect handler (400, a bad name).
        for (query, status) in [("", 401), ("?room=attic", 403), ("?room=a%20b", 400)] {
            match tokio_tungstenite::connect_async(url(query)).await {
                Err(WsError::Http(response)) => assert_eq!(response.status(), status, "{query}"),
                other => panic!("expected a refused connection for {query:?}, got {other:?}"),
            }
        }

        // Two clients of a room chat; a third, in another room, hears nothing.
        let (mut ana, _) = tokio_tungstenite::connect_async(url("?room=lobby"))
            .await
            .unwrap();
        let (mut bob, _) = tokio_tungstenite::connect_async(url("?room=lobby"))
            .await
            .unwrap();
        let (mut eve, _) = tokio_tungstenite::connect_async(url("?room=other"))
            .await
            .unwrap();
        ana.send(send_message("hello bob")).await.unwrap();
        assert_eq!(next_text(&mut bob).await.as_deref(), Some("hello bob"));
        // The custom route's response goes back to the sender.
        let answer: Value = serde_json::from_str(&next_text(&mut ana).await.unwrap()).unwrap();
        assert_eq!(answer, json!({"delivered": 1}));
        let sent = std::time::Instant::now();
        bob.send(send_message("hi ana")).await.unwrap();
        assert_eq!(next_text(&mut ana).await.as_deref(), Some("hi ana"));
        eprintln!(
            "websocket: a warm message from one client to another in {:.1} ms",
            sent.elapsed().as_secs_f64() * 1000.0
        );
        assert_eq!(
            next_text(&mut bob).await.as_deref(),
            Some(r#"{"delivered":1}"#)
        );

        // `$default` takes what no route key selects, JSON or not.
        eve.send(Message::Text("just text".into())).await.unwrap();
        let answer: Value = serde_json::from_str(&next_text(&mut eve).await.unwrap()).unwrap();
        assert_eq!(answer["error"], "unknown action");
        assert_eq!(answer["received"], "just text");
        eve.send(Message::Text(r#"{"action": "dance"}"#.into()))
            .await
            .unwrap();
        let answer: Value = serde_json::from_str(&next_text(&mut eve).await.unwrap()).unwrap();
        assert_eq!(answer["received"], r#"{"action": "dance"}"#);

        // A connection the store still holds but that is gone: the send
        // answers 410, the chat forgets it.
        let ghost = "Z2hvc3Rfcm9vbQ=";
        // The chat's local store: `chalice-rs-<CHAT_TABLE>` in the temporary directory.
        let store = tmp.path().join("chalice-rs-chat-dev-connections");
        assert!(store.is_dir(), "{store:?}");
        let ghost_file = store.join(
            ghost
                .bytes()
                .map(|b| format!("{b:02x}"))
                .collect::<String>(),
        );
        std::fs::write(&ghost_file, "lobby").unwrap();
        ana.send(send_message("anyone?")).await.unwrap();
        assert_eq!(next_text(&mut bob).await.as_deref(), Some("anyone?"));
        assert_eq!(
            next_text(&mut ana).await.as_deref(),
            Some(r#"{"delivered":1}"#)
        );
        assert!(!ghost_file.exists(), "the gone connection is forgotten");
        // The connections API itself: 410 GoneException for an unknown id.
        let address = at.trim_end_matches("/api");
        let (status, body) =
            common::http(address, "POST", "/api/@connections/bm9uZQ%3D%3D", &[], "x");
        assert_eq!(status, 410, "{body}");

        // A message over 128 KB closes the connection with 1009; its
        // `$disconnect` runs with that status.
        eve.send(Message::Text("x".repeat(200 * 1024).into()))
            .await
            .ok();
        let frame = close_frame(&mut eve).await.expect("a close frame");
        assert_eq!(frame.code, CloseCode::Size);

        // A client's close runs `$disconnect` with its status and reason.
        bob.close(Some(CloseFrame {
            code: CloseCode::from(4000),
            reason: "bye".into(),
        }))
        .await
        .unwrap();
        local.log_until("the disconnects", |log| {
            log.contains(r#" 4000 "bye" 200"#) && log.contains(r#" 1009 "Message too big" 200"#)
        });
        ana.send(send_message("alone")).await.unwrap();
        assert_eq!(
            next_text(&mut ana).await.as_deref(),
            Some(r#"{"delivered":0}"#)
        );

        // An idle connection is closed with 1001 after the (shortened) idle timeout.
        let frame = close_frame(&mut ana).await.expect("a close frame");
        assert_eq!(frame.code, CloseCode::Away);
        local.log_until("the idle disconnect", |log| {
            log.contains(r#" 1001 "Going away" 200"#)
        });

        // 50 clients of one room, each sending once: each receives every
        // other client's message.
        const CLIENTS: usize = 50;
        let crowd_started = std::time::Instant::now();
        // Connected at once (each connection's idle time starts at its connect).
        let crowd = futures_util::future::join_all(
            (0..CLIENTS).map(|_| tokio_tungstenite::connect_async(url("?room=crowd"))),
        )
        .await
        .into_iter()
        .map(|connected| connected.expect("a crowd connection").0);
        let mut tasks = Vec::new();
        for (index, mut client) in crowd.enumerate() {
            tasks.push(tokio::spawn(async move {
                client
                    .send(send_message(&format!("m{index}")))
                    .await
                    .unwrap();
                let mut heard = BTreeSet::new();
                let mut delivered = None;
                while heard.len() < CLIENTS - 1 || delivered.is_none() {
                    let text = next_text(&mut client).await.expect("a message");
                    if text.starts_with('{') {
                        delivered = Some(text);
                    } else {
                        heard.insert(text);
                    }
                }
                client.close(None).await.ok();
                (index, heard)
            }));
        }
        for task in tasks {
            let (index, heard) = task.await.unwrap();
            let expected: BTreeSet<String> = (0..CLIENTS)
                .filter(|other| *other != index)
                .map(|other| format!("m{other}"))
                .collect();
            assert_eq!(heard, expected, "client {index}");
        }
        eprintln!(
            "websocket: {CLIENTS} clients connected, each sent one message and heard the {} others in {:.1} s",
            CLIENTS - 1,
            crowd_started.elapsed().as_secs_f64()
        );

        // The runtime's connections client against the local endpoint: the
        // connection's info, a send, a close (its `$disconnect` runs), and
        // the typed `Gone` after it.
        let connects = |log: &str| log.matches("WS $connect ").count();
        let before = connects(&local.log());
        let (mut solo, _) = tokio_tungstenite::connect_async(url("?room=solo"))
            .await
            .unwrap();
        let log = local.log_until("the solo connect", |log| connects(log) > before);
        let id = log
            .lines()
            .rev()
            .find(|line| line.starts_with("WS $connect ") && line.contains(" 200 "))
            .and_then(|line| line.split(' ').nth(2))
            .expect("the connection's id")
            .to_owned();
        let connections = Connections::for_endpoint(&format!("http://{at}"));
        let info = connections.info(&id).await.expect("info");
        assert_eq!(info.source_ip.as_deref(), Some("127.0.0.1"));
        assert!(info.connected_at.is_some_and(|at| at > 0), "{info:?}");
        connections.send(&id, "from the SDK").await.expect("send");
        assert_eq!(next_text(&mut solo).await.as_deref(), Some("from the SDK"));
        connections.close(&id).await.expect("close");
        let frame = close_frame(&mut solo).await.expect("a close frame");
        assert_eq!(frame.code, CloseCode::Normal);
        local.log_until("the solo disconnect", |log| {
            log.contains(&format!("WS $disconnect {id} 1000"))
        });
        match connections.send(&id, "late").await {
            Err(ConnectionError::Gone { connection_id }) => assert_eq!(connection_id, id),
            other => panic!("expected Gone, got {other:?}"),
        }
    });
    eprintln!(
        "websocket: the local scenarios took {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

/// One call of DynamoDB's JSON API on moto.
fn dynamodb(moto: &Moto, target: &str, body: Value) -> Value {
    let (status, text) = common::http(
        moto.endpoint.trim_start_matches("http://"),
        "POST",
        "/",
        &[
            ("Content-Type", "application/x-amz-json-1.0"),
            ("X-Amz-Target", &format!("DynamoDB_20120810.{target}")),
            (
                "Authorization",
                "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0",
            ),
        ],
        &body.to_string(),
    );
    assert_eq!(status, 200, "{target} on moto: {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

/// The connection ids of the chat's table, sorted.
fn stored(moto: &Moto) -> Vec<String> {
    let scan = dynamodb(moto, "Scan", json!({"TableName": "chat-dev-connections"}));
    let mut ids: Vec<String> = scan["Items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["connection_id"]["S"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

#[test]
fn the_chat_keeps_its_connections_in_dynamodb() {
    // The table of .chalice/resources.json, as the stack would create it.
    let moto = Moto::start();
    dynamodb(
        &moto,
        "CreateTable",
        json!({
            "TableName": "chat-dev-connections",
            "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [
                {"AttributeName": "connection_id", "AttributeType": "S"},
                {"AttributeName": "room", "AttributeType": "S"}
            ],
            "KeySchema": [{"AttributeName": "connection_id", "KeyType": "HASH"}],
            "GlobalSecondaryIndexes": [{
                "IndexName": "room",
                "KeySchema": [{"AttributeName": "room", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"}
            }],
        }),
    );
    let tmp = tempfile::tempdir().unwrap();
    let (local, at) = serve_chat(&moto.endpoint, tmp.path(), &[]);
    let url = |query: &str| format!("ws://{at}{query}");
    common::runtime().block_on(async {
        let (mut ana, _) = tokio_tungstenite::connect_async(url("?room=lobby"))
            .await
            .unwrap();
        let (mut bob, _) = tokio_tungstenite::connect_async(url("?room=lobby"))
            .await
            .unwrap();
        assert_eq!(stored(&moto).len(), 2);
        // A connection the table holds but that is gone: forgotten on the next send.
        dynamodb(
            &moto,
            "PutItem",
            json!({"TableName": "chat-dev-connections", "Item": {
                "connection_id": {"S": "Z2hvc3Q="}, "room": {"S": "lobby"}}}),
        );
        ana.send(send_message("through dynamodb")).await.unwrap();
        assert_eq!(
            next_text(&mut bob).await.as_deref(),
            Some("through dynamodb")
        );
        assert_eq!(
            next_text(&mut ana).await.as_deref(),
            Some(r#"{"delivered":1}"#)
        );
        assert_eq!(stored(&moto).len(), 2, "the gone connection is forgotten");
        bob.close(None).await.unwrap();
        local.log_until("bob's disconnect", |log| log.contains(" 1005 \"\" 200"));
        assert_eq!(stored(&moto).len(), 1);
    });
    assert!(
        !local.log().contains("cannot be reached"),
        "the table was not used:\n{}",
        local.log()
    );
}

/// The resolved app of examples/chat's host build, its connections kept in
/// `project` (no table), with the WebSocket handlers `keep` says.
fn chat_app(
    project: &std::path::Path,
    keep: impl Fn(&str) -> bool,
) -> (std::path::PathBuf, cargo_chalice::app::App) {
    let (binary, mut manifest) = common::example_build("chat");
    manifest
        .websocket
        .retain(|handler| keep(&handler.route_key));
    std::fs::create_dir_all(project.join(".chalice")).unwrap();
    let config = json!({
        "app_name": "chat",
        "environment_variables": {"CHAT_TABLE": "", "TMPDIR": project.display().to_string()},
    });
    std::fs::write(project.join(".chalice/config.json"), config.to_string()).unwrap();
    let stage = cargo_chalice::config::load(project, "dev", "chat").unwrap();
    (
        binary,
        cargo_chalice::app::App::resolve(manifest, stage).unwrap(),
    )
}

/// A generation of `app` (its functions' pools, no REST API).
fn generation(
    app: &cargo_chalice::app::App,
    binary: &std::path::Path,
) -> cargo_chalice::local::gateway_server::Generation {
    cargo_chalice::local::gateway_server::Generation {
        api: None,
        websocket: app.websocket_api.clone(),
        functions: cargo_chalice::local::functions::Functions::new(
            app,
            binary,
            "us-east-1",
            2,
            cargo_chalice::local::logs::Echo::Stderr,
        )
        .unwrap(),
        schedules: Vec::new(),
        region: "us-east-1".to_owned(),
    }
}

/// The local WebSocket API of `generation`, in-process: the gateway, the
/// address, and the server's task.
async fn serve_in_process(
    generation: cargo_chalice::local::gateway_server::Generation,
    limits: cargo_chalice::local::websocket::Limits,
) -> (
    std::sync::Arc<cargo_chalice::local::gateway_server::Gateway>,
    std::net::SocketAddr,
    tokio::task::JoinHandle<()>,
) {
    use cargo_chalice::local::websocket::WebsocketServer;
    let gateway = cargo_chalice::local::gateway_server::Gateway::new(generation);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let server = WebsocketServer::new(gateway.clone(), limits, address.to_string());
    (gateway, address, tokio::spawn(server.serve(listener)))
}

/// Without a `$default` route, a message no route key selects gets API
/// Gateway's error frame, and the connection stays open.
#[test]
fn an_unmatched_route_gets_the_forbidden_frame() {
    let project = tempfile::tempdir().unwrap();
    let (binary, app) = chat_app(project.path(), |key| key != "$default");
    common::runtime().block_on(async {
        let (gateway, address, serving) =
            serve_in_process(generation(&app, &binary), Limits::default()).await;
        let url = format!("ws://{address}/api?room=alone");
        let (mut ana, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
        for text in [r#"{"action": "dance"}"#, "not json"] {
            ana.send(Message::Text(text.into())).await.unwrap();
            let frame: Value = serde_json::from_str(&next_text(&mut ana).await.unwrap()).unwrap();
            assert_eq!(frame["message"], "Forbidden", "{frame}");
            assert!(
                frame["connectionId"]
                    .as_str()
                    .is_some_and(|id| id.len() == 16),
                "{frame}"
            );
            assert!(frame["requestId"].is_string(), "{frame}");
        }
        ana.send(send_message("still here")).await.unwrap();
        assert_eq!(
            next_text(&mut ana).await.as_deref(),
            Some(r#"{"delivered":0}"#)
        );
        ana.close(None).await.ok();
        serving.abort();
        gateway.current().shutdown().await;
    });
}

/// A reload swaps the generation (the build, its functions and routes): the
/// open connections stay, and their next events go to the new generation's
/// functions (the old one's are stopped here, so nothing else could answer).
/// In-process, with two generations of the one host build of examples/chat.
#[test]
fn a_reload_keeps_the_open_connections() {
    let project = tempfile::tempdir().unwrap();
    let (binary, app) = chat_app(project.path(), |_| true);
    common::runtime().block_on(async {
        let (gateway, address, serving) =
            serve_in_process(generation(&app, &binary), Limits::default()).await;
        let url = format!("ws://{address}/api?room=reload");
        let (mut ana, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
        let (mut bob, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
        ana.send(send_message("before")).await.unwrap();
        assert_eq!(next_text(&mut bob).await.as_deref(), Some("before"));
        assert_eq!(
            next_text(&mut ana).await.as_deref(),
            Some(r#"{"delivered":1}"#)
        );

        let old = gateway.swap(generation(&app, &binary));
        old.shutdown().await;
        ana.send(send_message("after")).await.unwrap();
        assert_eq!(next_text(&mut bob).await.as_deref(), Some("after"));
        assert_eq!(
            next_text(&mut ana).await.as_deref(),
            Some(r#"{"delivered":1}"#)
        );

        ana.close(None).await.ok();
        bob.close(None).await.ok();
        serving.abort();
        gateway.current().shutdown().await;
    });
}

/// A connection open for the (shortened) lifetime is closed with 1001, even
/// while its client keeps talking.
#[test]
fn a_connection_is_closed_at_the_end_of_its_lifetime() {
    let project = tempfile::tempdir().unwrap();
    let (binary, app) = chat_app(project.path(), |_| true);
    let limits = Limits {
        idle_timeout: Duration::from_secs(600),
        max_lifetime: Duration::from_millis(1500),
    };
    common::runtime().block_on(async {
        let (gateway, address, serving) = serve_in_process(generation(&app, &binary), limits).await;
        let url = format!("ws://{address}/api?room=short");
        let (mut ana, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
        let opened = std::time::Instant::now();
        ana.send(send_message("one")).await.unwrap();
        assert_eq!(
            next_text(&mut ana).await.as_deref(),
            Some(r#"{"delivered":0}"#)
        );
        ana.send(Message::Ping(Vec::new().into())).await.unwrap();
        let frame = close_frame(&mut ana).await.expect("a close frame");
        assert_eq!(frame.code, CloseCode::Away);
        assert_eq!(frame.reason.as_str(), "Going away");
        assert!(
            opened.elapsed() >= Duration::from_millis(1400),
            "{:?}",
            opened.elapsed()
        );
        serving.abort();
        gateway.current().shutdown().await;
    });
}

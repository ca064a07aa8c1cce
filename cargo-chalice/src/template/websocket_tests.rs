//! The WebSocket API's model and template, through resolved apps of
//! synthetic manifests.

use super::*;
use crate::app::websocket_api::{WebsocketAuthorizer, API_ID};
use chalice_rs_runtime::manifest::Manifest;
use serde_json::{json, Value};

/// A manifest of WebSocket handlers `(route key, authorizer)` and of
/// `authorizers` (name, kind as JSON).
fn manifest(handlers: &[(&str, Option<&str>)], authorizers: &[(&str, Value)]) -> Manifest {
    let mut fragments: Vec<String> = handlers
        .iter()
        .enumerate()
        .map(|(line, (route_key, authorizer))| {
            let mut fragment = json!({
                "kind": "websocket", "route_key": route_key, "handler": format!("h{line}"),
                "module": "chat", "file": "src/main.rs", "line": line + 1,
            });
            if let Some(name) = authorizer {
                fragment["authorizer"] = json!(name);
            }
            fragment.to_string()
        })
        .collect();
    for (name, kind) in authorizers {
        fragments.push(
            json!({"kind": "authorizer", "name": name, "module": "chat", "file": "src/auth.rs",
                   "line": 3, "authorizer": kind, "ttl_seconds": 0})
            .to_string(),
        );
    }
    Manifest::from_fragments(fragments.iter().map(|f| f.as_bytes())).expect("manifest")
}

fn config(text: &str) -> (tempfile::TempDir, crate::config::StageConfig) {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join(".chalice")).expect(".chalice");
    std::fs::write(dir.path().join(".chalice/config.json"), text).expect("config");
    let stage = crate::config::load(dir.path(), "dev", "chat").expect("config");
    (dir, stage)
}

const CONFIG: &str = r#"{"app_name": "chat", "autogen_policy": false,
    "throttling": {"rate_limit": 50, "burst_limit": 20}}"#;

fn chat(authorizer: Option<&str>) -> Manifest {
    manifest(
        &[
            ("$connect", authorizer),
            ("$disconnect", None),
            ("$default", None),
            ("sendmessage", None),
        ],
        &[(
            "tickets",
            json!({"type": "request", "identity_sources": [
                "method.request.header.X-Ticket", "method.request.querystring.ticket"]}),
        )],
    )
}

#[test]
fn each_route_is_a_function_with_its_own_role() {
    let (_dir, stage) = config(CONFIG);
    let app = App::resolve(chat(None), stage).expect("app");
    let api = app.websocket_api.as_ref().expect("a WebSocket API");
    assert_eq!(api.route_selection_expression, "$request.body.action");
    assert_eq!(api.name, "chat-dev-websocket");
    let handlers: Vec<(&str, &str)> = app
        .functions
        .iter()
        .map(|f| (f.name.as_str(), f.handler.as_str()))
        .collect();
    assert_eq!(
        handlers,
        [
            ("websocket_connect", "websocket:$connect"),
            ("websocket_message", "websocket:$default"),
            ("websocket_disconnect", "websocket:$disconnect"),
            ("websocket_message_sendmessage", "websocket:sendmessage"),
        ]
    );
    for function in &app.functions {
        let role = app
            .roles
            .managed_of(&function.name)
            .expect("a managed role");
        assert_eq!(role.functions, std::slice::from_ref(&function.name));
        assert_eq!(role.source_statements.len(), 1);
        assert_eq!(
            role.source_statements[0]["Action"],
            json!(["execute-api:ManageConnections"])
        );
    }
}

#[test]
fn what_websocket_apis_cannot_take_is_refused() {
    let (_dir, stage) = config(CONFIG);
    let token = manifest(
        &[("$connect", Some("bearer")), ("$default", None)],
        &[(
            "bearer",
            json!({"type": "token", "header": "Authorization"}),
        )],
    );
    let message = App::resolve(token, stage.clone())
        .expect_err("TOKEN")
        .to_string();
    assert!(
        message.contains("not a REQUEST authorizer") && message.contains("src/main.rs:1"),
        "{message}"
    );
    let connect_only = manifest(&[("$connect", None)], &[]);
    let message = App::resolve(connect_only, stage)
        .expect_err("no messages")
        .to_string();
    assert!(message.contains("add `#[on_ws_message]`"), "{message}");
    let (_dir, stage) = config(
        r#"{"app_name": "chat", "websocket_route_selection_expression": "$request.header.x"}"#,
    );
    let message = App::resolve(chat(None), stage)
        .expect_err("expression")
        .to_string();
    assert!(
        message.contains("`websocket_route_selection_expression` is `$request.header.x`"),
        "{message}"
    );
}

#[test]
fn routing_falls_back_to_default_and_else_matches_nothing() {
    let (_dir, stage) = config(CONFIG);
    let app = App::resolve(chat(None), stage.clone()).expect("app");
    let api = app.websocket_api.as_ref().expect("api");
    assert_eq!(
        api.select(Some("sendmessage"))
            .map(|r| r.route_key.as_str()),
        Some("sendmessage")
    );
    assert_eq!(
        api.select(Some("dance")).map(|r| r.route_key.as_str()),
        Some("$default")
    );
    assert_eq!(
        api.select(Some("$connect")).map(|r| r.route_key.as_str()),
        Some("$default")
    );
    assert_eq!(
        api.select(None).map(|r| r.route_key.as_str()),
        Some("$default")
    );
    let without_default = manifest(&[("$connect", None), ("sendmessage", None)], &[]);
    let app = App::resolve(without_default, stage).expect("app");
    let api = app.websocket_api.as_ref().expect("api");
    assert!(api.select(Some("dance")).is_none());
    assert!(api.select(None).is_none());
}

#[test]
fn the_template_has_the_api_its_authorizer_and_throttled_stage() {
    let (_dir, stage) = config(CONFIG);
    let app = App::resolve(chat(Some("tickets")), stage).expect("app");
    let api = app.websocket_api.as_ref().expect("api");
    assert!(matches!(
        &api.authorizer,
        Some(WebsocketAuthorizer::Lambda { identity_sources, .. })
            if identity_sources == &["route.request.header.X-Ticket", "route.request.querystring.ticket"]
    ));
    let (set, _) = super::generate(&app, Arch::Arm64, TemplateFormat::Json).expect("template");
    let root = set.root.to_value();
    let resources = &root["Resources"];
    assert_eq!(resources[API_ID]["Type"], "AWS::ApiGatewayV2::Api");
    let authorizer = &resources["WebsocketTicketsAuthorizer"];
    assert_eq!(authorizer["Type"], "AWS::ApiGatewayV2::Authorizer");
    assert_eq!(authorizer["Properties"]["AuthorizerType"], "REQUEST");
    assert_eq!(
        authorizer["Properties"]["IdentitySource"],
        json!([
            "route.request.header.X-Ticket",
            "route.request.querystring.ticket"
        ])
    );
    assert_eq!(
        authorizer["Properties"]["AuthorizerUri"],
        json!({"Fn::Sub": "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${TicketsAuthorizerHandler.Arn}/invocations"})
    );
    let connect = &resources["WebsocketConnectRoute"]["Properties"];
    assert_eq!(connect["AuthorizationType"], "CUSTOM");
    assert_eq!(
        connect["AuthorizerId"],
        json!({"Ref": "WebsocketTicketsAuthorizer"})
    );
    assert_eq!(
        resources["WebsocketMessageRoute"]["Properties"]["AuthorizationType"],
        "NONE"
    );
    assert_eq!(
        resources["WebsocketTicketsAuthorizerPermission"]["Properties"]["SourceArn"],
        json!({"Fn::Sub": "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${WebsocketAPI}/authorizers/${WebsocketTicketsAuthorizer}"})
    );
    // The authorizer's function exists though the app has no REST API.
    assert_eq!(
        resources["TicketsAuthorizerHandler"]["Type"],
        "AWS::Lambda::Function"
    );
    let stage = &resources["WebsocketAPIStage"]["Properties"];
    assert_eq!(
        stage["DefaultRouteSettings"],
        json!({"ThrottlingRateLimit": 50.0, "ThrottlingBurstLimit": 20})
    );
    assert_eq!(
        root["Outputs"]["WebsocketAPIId"]["Value"],
        json!({"Ref": API_ID})
    );
    // Another route is another deployment.
    let (_dir, stage) = config(CONFIG);
    let mut more = chat(Some("tickets"));
    more.websocket.push(more.websocket[3].clone());
    more.websocket[4].route_key = "typing".into();
    let other = App::resolve(more, stage).expect("app");
    let (other_set, _) =
        super::generate(&other, Arch::Arm64, TemplateFormat::Json).expect("template");
    let deployment = |root: &Value| {
        root["Resources"]
            .as_object()
            .unwrap()
            .keys()
            .find(|id| id.starts_with("WebsocketAPIDeployment"))
            .cloned()
            .expect("a deployment")
    };
    assert_ne!(deployment(&root), deployment(&other_set.root.to_value()));
}

#[test]
fn iam_on_connect_is_aws_iam() {
    let (_dir, stage) = config(CONFIG);
    let app = App::resolve(chat(Some("iam")), stage).expect("app");
    let (set, _) = super::generate(&app, Arch::Arm64, TemplateFormat::Json).expect("template");
    let root = set.root.to_value();
    let connect = &root["Resources"]["WebsocketConnectRoute"]["Properties"];
    assert_eq!(connect["AuthorizationType"], "AWS_IAM");
    assert!(connect.get("AuthorizerId").is_none());
}

#[test]
fn a_websocket_custom_domain_is_a_regional_v2_domain_mapped_to_the_stage() {
    let (_dir, stage) = config(
        r#"{"app_name": "chat", "autogen_policy": false, "websocket_api_custom_domain": {
            "domain_name": "chat.example.com", "url_prefix": "live", "tags": {"team": "chat"},
            "certificate_arn": "arn:aws:acm:eu-west-1:123456789012:certificate/abc"}}"#,
    );
    let app = App::resolve(chat(None), stage).expect("app");
    let domain = app.websocket_custom_domain.as_ref().expect("domain");
    assert_eq!(domain.url(), "wss://chat.example.com/live/");
    let (set, _) = super::generate(&app, Arch::Arm64, TemplateFormat::Json).expect("template");
    let root = set.root.to_value();
    let resources = &root["Resources"];
    assert_eq!(
        resources["WebsocketCustomDomain"],
        json!({"Type": "AWS::ApiGatewayV2::DomainName", "Properties": {
            "DomainName": "chat.example.com",
            "DomainNameConfigurations": [{
                "CertificateArn": "arn:aws:acm:eu-west-1:123456789012:certificate/abc",
                "EndpointType": "REGIONAL", "SecurityPolicy": "TLS_1_2"}],
            "Tags": {"team": "chat"}}})
    );
    assert_eq!(
        resources["WebsocketCustomDomainMapping"],
        json!({"Type": "AWS::ApiGatewayV2::ApiMapping", "Properties": {
            "ApiId": {"Ref": API_ID}, "DomainName": {"Ref": "WebsocketCustomDomain"},
            "Stage": {"Ref": "WebsocketAPIStage"}, "ApiMappingKey": "live"}})
    );
    let outputs = &root["Outputs"];
    assert_eq!(
        outputs["WebsocketCustomDomainURL"]["Value"],
        "wss://chat.example.com/live/"
    );
    assert_eq!(
        outputs["WebsocketCustomDomainTarget"]["Value"],
        json!({"Fn::GetAtt": ["WebsocketCustomDomain", "RegionalDomainName"]})
    );
    // No REST API domain: the app has no routes.
    assert!(resources.get("ApiGatewayCustomDomain").is_none());

    // Without WebSocket handlers there is no API to put on the domain.
    let (_dir, stage) = config(
        r#"{"app_name": "chat", "websocket_api_custom_domain": {"domain_name": "chat.example.com",
            "certificate_arn": "arn:aws:acm:eu-west-1:123456789012:certificate/abc"}}"#,
    );
    let plain = json!({"kind": "function", "name": "plain", "module": "chat",
        "file": "src/main.rs", "line": 1, "source": {"type": "invoke"}})
    .to_string();
    let only_a_function = Manifest::from_fragments([plain.as_bytes()]).expect("manifest");
    let error = App::resolve(only_a_function, stage).expect_err("no WebSocket API");
    assert_eq!(
        error.to_string(),
        "`websocket_api_custom_domain`: the app has no WebSocket handlers, so no WebSocket API to put on a domain"
    );
}

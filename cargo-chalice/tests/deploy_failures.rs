//! Stack failures that moto cannot produce (it never fails or rolls back a
//! resource, and gives no Outputs after change sets), against a scripted
//! CloudFormation on a loopback port: failed resources named with their
//! reasons, a rolled-back first create deleted and re-created, the URL from
//! the stack's Outputs.

use aws_sdk_s3::config::Credentials;
use cargo_chalice::aws::Aws;
use cargo_chalice::deploy::{self, stack, Packaged};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const OLD_ID: &str = "arn:aws:cloudformation:us-east-1:123456789012:stack/app-dev/old";
const NEW_ID: &str = "arn:aws:cloudformation:us-east-1:123456789012:stack/app-dev/new";
const XMLNS: &str = "http://cloudformation.amazonaws.com/doc/2010-05-15/";

/// One request the fake received: the CloudFormation action (or `S3 <method> <path>`) and its parameters.
#[derive(Debug, Clone)]
struct Call {
    action: String,
    params: HashMap<String, String>,
}

/// A scripted AWS endpoint: `respond` maps a call to (status, body).
struct Fake {
    endpoint: String,
    calls: Arc<Mutex<Vec<Call>>>,
}

impl Fake {
    fn start(respond: impl Fn(&Call) -> (u16, String) + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let calls: Arc<Mutex<Vec<Call>>> = Arc::default();
        let recorded = calls.clone();
        let respond = Arc::new(respond);
        // The thread ends with the test process; it only ever serves loopback.
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let recorded = recorded.clone();
                let respond = respond.clone();
                std::thread::spawn(move || serve(stream, &recorded, &*respond));
            }
        });
        Self { endpoint, calls }
    }

    fn actions(&self) -> Vec<String> {
        self.calls
            .lock()
            .unwrap()
            .iter()
            .map(|c| c.action.clone())
            .collect()
    }

    fn call(&self, action: &str) -> Option<Call> {
        self.calls
            .lock()
            .unwrap()
            .iter()
            .find(|c| c.action == action)
            .cloned()
    }

    async fn aws(&self) -> Aws {
        let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new("us-east-1"))
            .endpoint_url(&self.endpoint)
            .credentials_provider(Credentials::new("testing", "testing", None, None, "test"))
            .load()
            .await;
        Aws {
            config,
            region: "us-east-1".to_owned(),
            endpoint_url: Some(self.endpoint.clone()),
        }
    }
}

fn serve(
    stream: TcpStream,
    calls: &Mutex<Vec<Call>>,
    respond: &(dyn Fn(&Call) -> (u16, String) + Send + Sync),
) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
            return;
        }
        let mut parts = request_line.split_whitespace();
        let method = parts.next().unwrap_or_default().to_owned();
        let path = parts.next().unwrap_or_default().to_owned();
        let mut length = 0usize;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse().unwrap_or(0);
                }
            }
        }
        let mut body = vec![0u8; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let params = parse_form(&String::from_utf8_lossy(&body));
        let action = match params.get("Action") {
            Some(action) => action.clone(),
            None => format!("S3 {method} {path}"),
        };
        let call = Call { action, params };
        calls.lock().unwrap().push(call.clone());
        let (status, body) = respond(&call);
        let head = if method == "HEAD" {
            String::new()
        } else {
            body
        };
        let response = format!(
            "HTTP/1.1 {status} X\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nx-amzn-RequestId: 1\r\n\r\n{head}",
            head.len()
        );
        let mut stream = reader.get_ref();
        if stream.write_all(response.as_bytes()).is_err() {
            return;
        }
    }
}

fn parse_form(body: &str) -> HashMap<String, String> {
    body.split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (decode(k), decode(v)))
        .collect()
}

fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'+', _) => out.push(b' '),
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 2;
            }
            (byte, _) => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn wrap(action: &str, result: &str) -> String {
    format!("<{action}Response xmlns=\"{XMLNS}\"><{action}Result>{result}</{action}Result><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></{action}Response>")
}

fn stack_xml(id: &str, status: &str, reason: &str, outputs: &str) -> String {
    wrap(
        "DescribeStacks",
        &format!(
            "<Stacks><member><StackName>app-dev</StackName><StackId>{id}</StackId><StackStatus>{status}</StackStatus>\
             <StackStatusReason>{reason}</StackStatusReason><CreationTime>2024-01-01T00:00:00Z</CreationTime>\
             <Outputs>{outputs}</Outputs></member></Stacks>"
        ),
    )
}

fn not_found(name: &str) -> (u16, String) {
    (
        400,
        format!(
            "<ErrorResponse xmlns=\"{XMLNS}\"><Error><Type>Sender</Type><Code>ValidationError</Code>\
             <Message>Stack with id {name} does not exist</Message></Error><RequestId>1</RequestId></ErrorResponse>"
        ),
    )
}

/// (event ID, logical ID, type, status, reason), newest first.
fn events_xml(stack_id: &str, events: &[(&str, &str, &str, &str, &str)]) -> String {
    let members: String = events
        .iter()
        .map(|(id, logical, kind, status, reason)| {
            // The nested stack's event carries the nested stack's ARN.
            let physical = if *logical == "Nested1" { NESTED_ID } else { "" };
            format!(
                "<member><EventId>{id}</EventId><StackId>{stack_id}</StackId><StackName>app-dev</StackName>\
                 <LogicalResourceId>{logical}</LogicalResourceId><PhysicalResourceId>{physical}</PhysicalResourceId>\
                 <ResourceType>{kind}</ResourceType>\
                 <Timestamp>2024-01-01T00:00:00Z</Timestamp><ResourceStatus>{status}</ResourceStatus>\
                 <ResourceStatusReason>{reason}</ResourceStatusReason></member>"
            )
        })
        .collect();
    wrap(
        "DescribeStackEvents",
        &format!("<StackEvents>{members}</StackEvents>"),
    )
}

const FAILED_EVENTS: &[(&str, &str, &str, &str, &str)] = &[
    ("e5", "app-dev", "AWS::CloudFormation::Stack", "ROLLBACK_COMPLETE", ""),
    ("e4", "APIHandler", "AWS::Lambda::Function", "DELETE_COMPLETE", ""),
    ("e3", "RestAPI", "AWS::ApiGateway::RestApi", "CREATE_FAILED", "Resource creation cancelled"),
    (
        "e2",
        "APIHandler",
        "AWS::Lambda::Function",
        "CREATE_FAILED",
        "Resource handler returned message: &quot;Error occurred while GetObject. S3 Error Code: NoSuchBucket&quot;",
    ),
    ("e1", "app-dev", "AWS::CloudFormation::Stack", "CREATE_IN_PROGRESS", "User Initiated"),
];

const NESTED_ID: &str = "arn:aws:cloudformation:us-east-1:123456789012:stack/app-dev-Nested1-ABC/n";

/// A stack that rolled back: the error names the failed resources and their
/// reasons (not the "cancelled" echoes), inside nested stacks too, the final
/// status, and what to do.
#[test]
fn a_failed_stack_names_its_failed_resources() {
    let fake = Fake::start(|call| {
        match call.action.as_str() {
        "DescribeStackEvents" if call.params.get("StackName").map(String::as_str) == Some(NESTED_ID) => (
            200,
            events_xml(
                NESTED_ID,
                &[
                    ("m3", "app-dev-Nested1-ABC", "AWS::CloudFormation::Stack", "CREATE_FAILED", "The following resource(s) failed to create: [PathItemsGet]."),
                    ("m2", "PathItemsGet", "AWS::ApiGateway::Method", "CREATE_FAILED", "Invalid Method identifier specified"),
                    ("m1", "app-dev-Nested1-ABC", "AWS::CloudFormation::Stack", "CREATE_IN_PROGRESS", ""),
                ],
            ),
        ),
        "DescribeStackEvents" => {
            let mut events = FAILED_EVENTS.to_vec();
            events.insert(
                1,
                ("e6", "Nested1", "AWS::CloudFormation::Stack", "CREATE_FAILED", "Embedded stack was not successfully created"),
            );
            (200, events_xml(OLD_ID, &events))
        }
        "DescribeStacks" => (
            200,
            stack_xml(
                OLD_ID,
                "ROLLBACK_COMPLETE",
                "The following resource(s) failed to create: [APIHandler]. Rollback requested by user.",
                "",
            ),
        ),
        _ => (400, String::new()),
    }
    });
    let error = runtime().block_on(async {
        let aws = fake.aws().await;
        let cf = aws.cloudformation();
        stack::wait(&cf, "app-dev", OLD_ID, None, 3, Duration::from_secs(30))
            .await
            .unwrap_err()
    });
    let message = error.to_string();
    assert!(
        matches!(error, stack::StackError::Failed { .. }),
        "{message}"
    );
    assert!(
        message.contains("stack app-dev ended in ROLLBACK_COMPLETE"),
        "{message}"
    );
    assert!(
        message.contains("The following resource(s) failed to create: [APIHandler]"),
        "{message}"
    );
    assert!(
        message.contains(
            "APIHandler (AWS::Lambda::Function) CREATE_FAILED: Resource handler returned message: \"Error occurred while GetObject. S3 Error Code: NoSuchBucket\""
        ),
        "{message}"
    );
    assert!(
        message.contains("Nested1/PathItemsGet (AWS::ApiGateway::Method) CREATE_FAILED: Invalid Method identifier specified"),
        "{message}"
    );
    assert!(
        !message.contains("Nested1/app-dev-Nested1-ABC"),
        "the nested stack's own event is not a resource: {message}"
    );
    assert!(!message.contains("cancelled"), "{message}");
    assert!(
        message.contains("run `cargo chalice deploy` again"),
        "{message}"
    );
}

/// A first create that rolled back: the next deploy deletes the stack and
/// creates it again; the URL comes from the stack's Outputs.
#[test]
fn a_rolled_back_first_create_is_deleted_and_created_again() {
    // 0: rolled back; 1: deleted; 2: change set made; 3: created.
    let phase = Arc::new(Mutex::new(0));
    let shared = phase.clone();
    let fake = Fake::start(move |call| {
        let mut phase = shared.lock().unwrap();
        let name = call.params.get("StackName").cloned().unwrap_or_default();
        match (call.action.as_str(), *phase) {
            (action, _) if action.starts_with("S3 ") => (200, String::new()),
            ("DescribeStacks", 0) => (200, stack_xml(OLD_ID, "ROLLBACK_COMPLETE", "Rollback requested by user.", "")),
            ("DescribeStacks", 1) if name == OLD_ID => (200, stack_xml(OLD_ID, "DELETE_COMPLETE", "", "")),
            ("DescribeStacks", 1) => not_found(&name),
            ("DescribeStacks", 2) => (200, stack_xml(NEW_ID, "REVIEW_IN_PROGRESS", "", "")),
            ("DescribeStacks", _) => (
                200,
                stack_xml(
                    NEW_ID,
                    "CREATE_COMPLETE",
                    "",
                    "<member><OutputKey>EndpointURL</OutputKey><OutputValue>https://api1.execute-api.us-east-1.amazonaws.com/api/</OutputValue></member>\
                     <member><OutputKey>RestAPIId</OutputKey><OutputValue>api1</OutputValue></member>",
                ),
            ),
            ("DescribeStackEvents", 0 | 1) => (200, events_xml(OLD_ID, FAILED_EVENTS)),
            ("DescribeStackEvents", _) => (
                200,
                events_xml(
                    NEW_ID,
                    &[
                        ("n3", "app-dev", "AWS::CloudFormation::Stack", "CREATE_COMPLETE", ""),
                        ("n2", "RestAPI", "AWS::ApiGateway::RestApi", "CREATE_COMPLETE", ""),
                        ("n1", "app-dev", "AWS::CloudFormation::Stack", "REVIEW_IN_PROGRESS", "User Initiated"),
                    ],
                ),
            ),
            ("DeleteStack", _) => {
                *phase = 1;
                (200, format!("<DeleteStackResponse xmlns=\"{XMLNS}\"><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></DeleteStackResponse>"))
            }
            ("CreateChangeSet", _) => {
                *phase = 2;
                (200, wrap("CreateChangeSet", &format!("<Id>arn:cs/1</Id><StackId>{NEW_ID}</StackId>")))
            }
            ("DescribeChangeSet", _) => (
                200,
                wrap(
                    "DescribeChangeSet",
                    "<Status>CREATE_COMPLETE</Status><ExecutionStatus>AVAILABLE</ExecutionStatus><Changes><member><Type>Resource</Type>\
                     <ResourceChange><Action>Add</Action><LogicalResourceId>RestAPI</LogicalResourceId>\
                     <ResourceType>AWS::ApiGateway::RestApi</ResourceType></ResourceChange></member></Changes>",
                ),
            ),
            ("ExecuteChangeSet", _) => {
                *phase = 3;
                (200, wrap("ExecuteChangeSet", ""))
            }
            ("ListStackResources", _) => (
                200,
                wrap(
                    "ListStackResources",
                    "<StackResourceSummaries><member><LogicalResourceId>RestAPI</LogicalResourceId><PhysicalResourceId>api1</PhysicalResourceId>\
                     <ResourceType>AWS::ApiGateway::RestApi</ResourceType><ResourceStatus>CREATE_COMPLETE</ResourceStatus>\
                     <LastUpdatedTimestamp>2024-01-01T00:00:00Z</LastUpdatedTimestamp></member></StackResourceSummaries>",
                ),
            ),
            _ => (400, String::new()),
        }
    });
    let (_project, outcome) = deploy_small(&fake);
    let outcome = outcome.unwrap();
    assert!(outcome.changed);
    assert_eq!(
        outcome.state.endpoint_url.as_deref(),
        Some("https://api1.execute-api.us-east-1.amazonaws.com/api/")
    );
    assert_eq!(outcome.state.stack_id, NEW_ID);
    let actions: Vec<String> = fake
        .actions()
        .into_iter()
        .filter(|a| !a.starts_with("S3 "))
        .collect();
    let position = |action: &str| {
        actions
            .iter()
            .position(|a| a == action)
            .unwrap_or_else(|| panic!("no {action} in {actions:?}"))
    };
    assert!(
        position("DeleteStack") < position("CreateChangeSet"),
        "{actions:?}"
    );
    assert!(
        position("CreateChangeSet") < position("ExecuteChangeSet"),
        "{actions:?}"
    );
    let create = fake.call("CreateChangeSet").unwrap();
    assert_eq!(
        create.params.get("ChangeSetType").map(String::as_str),
        Some("CREATE")
    );
    assert_eq!(
        create.params.get("StackName").map(String::as_str),
        Some("app-dev")
    );
    assert_eq!(
        fake.call("DeleteStack")
            .unwrap()
            .params
            .get("StackName")
            .map(String::as_str),
        Some(OLD_ID)
    );
    // The artifact was already in the bucket: no upload.
    assert!(
        fake.actions().iter().all(|a| !a.starts_with("S3 PUT")),
        "{:?}",
        fake.actions()
    );
    assert_eq!(*phase.lock().unwrap(), 3);
}

/// A minimal package whose artifact is already in `my-artifacts`.
fn small_package(project: &std::path::Path) -> Packaged {
    Packaged {
        deployment_bucket: Some("my-artifacts".to_owned()),
        ..crate::common::write_package(
            project,
            "app",
            "dev",
            br#"{"Resources": {"RestAPI": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "app"}}}}"#,
            b"zip",
        )
    }
}

/// A current-thread runtime for one test.
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Deploys [`small_package`] of a new project against `fake`; returns the
/// project (for its state file) and the outcome.
fn deploy_small(
    fake: &Fake,
) -> (
    tempfile::TempDir,
    Result<deploy::DeployOutcome, deploy::DeployError>,
) {
    let project = tempfile::tempdir().unwrap();
    let packaged = small_package(project.path());
    let outcome = runtime().block_on(async {
        deploy::deploy_packaged(&fake.aws().await, project.path(), &packaged).await
    });
    (project, outcome)
}

/// A stack still busy with an earlier deploy (stopped with Ctrl-C) is waited
/// for; then an unchanged template means nothing to deploy, and no execution.
#[test]
fn a_busy_stack_is_waited_for_then_nothing_to_deploy() {
    let polls = Arc::new(Mutex::new(0));
    let shared = polls.clone();
    let fake = Fake::start(move |call| {
        let mut polls = shared.lock().unwrap();
        match call.action.as_str() {
            action if action.starts_with("S3 ") => (200, String::new()),
            "DescribeStacks" => {
                *polls += 1;
                let status = if *polls <= 2 { "UPDATE_IN_PROGRESS" } else { "UPDATE_COMPLETE" };
                (200, stack_xml(OLD_ID, status, "", ""))
            }
            "DescribeStackEvents" => (200, events_xml(OLD_ID, &[("u1", "app-dev", "AWS::CloudFormation::Stack", "UPDATE_IN_PROGRESS", "")])),
            "CreateChangeSet" => (200, wrap("CreateChangeSet", &format!("<Id>arn:cs/2</Id><StackId>{OLD_ID}</StackId>"))),
            "DescribeChangeSet" => (
                200,
                wrap(
                    "DescribeChangeSet",
                    "<Status>FAILED</Status><ExecutionStatus>UNAVAILABLE</ExecutionStatus>\
                     <StatusReason>The submitted information didn't contain changes. Submit different information to create a change set.</StatusReason>",
                ),
            ),
            "DeleteChangeSet" => (200, wrap("DeleteChangeSet", "")),
            "ListStackResources" => (200, wrap("ListStackResources", "<StackResourceSummaries></StackResourceSummaries>")),
            _ => (400, String::new()),
        }
    });
    let (_project, outcome) = deploy_small(&fake);
    let outcome = outcome.unwrap();
    assert!(!outcome.changed);
    let actions = fake.actions();
    assert!(
        *polls.lock().unwrap() >= 3,
        "the busy stack was polled until it settled: {actions:?}"
    );
    let create = fake.call("CreateChangeSet").unwrap();
    assert_eq!(
        create.params.get("ChangeSetType").map(String::as_str),
        Some("UPDATE")
    );
    assert!(
        actions.iter().any(|a| a == "DeleteChangeSet"),
        "the empty change set is removed: {actions:?}"
    );
    assert!(
        !actions.iter().any(|a| a == "ExecuteChangeSet"),
        "nothing executed: {actions:?}"
    );
}

/// A change set that CloudFormation refuses: its reason, plainly.
#[test]
fn a_refused_change_set_gives_its_reason() {
    let fake = Fake::start(|call| {
        match call.action.as_str() {
        action if action.starts_with("S3 ") => (200, String::new()),
        "DescribeStacks" => (200, stack_xml(OLD_ID, "UPDATE_COMPLETE", "", "")),
        "CreateChangeSet" => (200, wrap("CreateChangeSet", &format!("<Id>arn:cs/3</Id><StackId>{OLD_ID}</StackId>"))),
        "DescribeChangeSet" => (
            200,
            wrap(
                "DescribeChangeSet",
                "<Status>FAILED</Status><ExecutionStatus>UNAVAILABLE</ExecutionStatus>\
                 <StatusReason>Template format error: Unresolved resource dependencies [Missing] in the Resources block of the template</StatusReason>",
            ),
        ),
        _ => (400, String::new()),
    }
    });
    let (project, outcome) = deploy_small(&fake);
    let error = outcome.unwrap_err().to_string();
    assert_eq!(
        error,
        "CloudFormation refused the change for stack app-dev: Template format error: Unresolved resource dependencies [Missing] in the Resources block of the template"
    );
    assert!(
        cargo_chalice::deploy::state::read(project.path(), "dev")
            .unwrap()
            .is_none(),
        "no state written"
    );
}

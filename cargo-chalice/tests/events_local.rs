//! Event functions on this machine, end to end: `cargo chalice local`'s
//! Lambda Invoke API (through the AWS SDK for Rust, boto3 and raw HTTP), a
//! schedule firing, and `cargo chalice invoke --local`, on the test app
//! `tests/fixtures/events-app` (a route, a `#[schedule]`, an
//! `#[on_sqs_message]` and two `#[lambda_function]`s).

use crate::common;

use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{InvocationType, LogType};
use base64::Engine as _;
use common::{repo_root, LocalServer, SharedBuild as _};
use serde_json::{json, Value};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_cargo-chalice");

/// The first build of a fresh copy compiles the app's dependencies.
const START_TIMEOUT: Duration = Duration::from_secs(900);

fn fixture() -> PathBuf {
    repo_root().join("cargo-chalice/tests/fixtures/events-app")
}

/// A copy of the test app, named `evapp`, in a temporary directory (built
/// into the tests' shared target dir).
fn app_copy() -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix("chalice-events-test-")
        .tempdir()
        .unwrap();
    let runtime = repo_root().join("chalice-rs-runtime");
    let manifest = std::fs::read_to_string(fixture().join("Cargo.toml.in"))
        .unwrap()
        .replace("\"NAME\"", "\"evapp\"")
        .replace(
            "\"RUNTIME\"",
            &format!("{:?}", runtime.display().to_string()),
        );
    std::fs::write(dir.path().join("Cargo.toml"), manifest).unwrap();
    std::fs::copy(
        repo_root().join("Cargo.lock"),
        dir.path().join("Cargo.lock"),
    )
    .unwrap();
    common::sync_dir(&fixture().join("src"), &dir.path().join("src"));
    common::sync_dir(&fixture().join(".chalice"), &dir.path().join(".chalice"));
    dir
}

fn serve(dir: &Path, extra: &[&str]) -> LocalServer {
    let mut command = Command::new(BIN);
    command
        .args(["local", "--port", "0", "--no-autoreload", "--project-dir"])
        .arg(dir)
        .args(extra)
        .env("AWS_REGION", "us-east-1")
        .shared_build();
    LocalServer::start(&mut command, START_TIMEOUT)
}

/// A Lambda client of the AWS SDK for the local server.
async fn lambda(server: &LocalServer) -> aws_sdk_lambda::Client {
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .endpoint_url(server.url(""))
        .credentials_provider(aws_sdk_lambda::config::Credentials::new(
            "testing", "testing", None, None, "test",
        ))
        .load()
        .await;
    aws_sdk_lambda::Client::new(&config)
}

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

fn payload_json(output: &aws_sdk_lambda::operation::invoke::InvokeOutput) -> Value {
    let bytes = output
        .payload()
        .map(|b| b.as_ref().to_vec())
        .unwrap_or_default();
    serde_json::from_slice(&bytes)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&bytes)))
}

#[test]
fn the_invoke_api_runs_every_function_as_lambda_answers() {
    let app = app_copy();
    let server = serve(app.path(), &["--no-schedules"]);
    let banner = server.log();
    for line in [
        "Lambda Invoke API: POST http://",
        "function add (evapp-dev-add): #[lambda_function], 128 MB, timeout 60 s",
        "function slow (evapp-dev-slow): #[lambda_function], 128 MB, timeout 1 s",
        "function tick (evapp-dev-tick): #[schedule] rate(1 hour)",
        "function work (evapp-dev-work): #[on_sqs_message] jobs",
        "schedules are off (--no-schedules)",
    ] {
        assert!(
            banner.contains(line),
            "the banner lacks {line:?}:\n{banner}"
        );
    }
    block_on(async {
        let client = lambda(&server).await;
        // By key, Lambda name and ARN; with the log's tail.
        for name in [
            "add",
            "evapp-dev-add",
            "arn:aws:lambda:us-east-1:123456789012:function:evapp-dev-add",
            "123456789012:function:evapp-dev-add:$LATEST",
        ] {
            let output = client
                .invoke()
                .function_name(name)
                .payload(Blob::new(r#"{"values": [1, 2, 3]}"#))
                .log_type(LogType::Tail)
                .send()
                .await
                .unwrap_or_else(|e| panic!("{name}: {e:?}"));
            assert_eq!(output.status_code(), 200);
            assert_eq!(output.executed_version(), Some("$LATEST"));
            assert_eq!(output.function_error(), None);
            assert_eq!(
                payload_json(&output),
                json!({"sum": 6, "greeting": "hello"})
            );
            let log = base64::engine::general_purpose::STANDARD
                .decode(output.log_result().expect("a log"))
                .unwrap();
            let log = String::from_utf8(log).unwrap();
            let lines: Vec<&str> = log.lines().collect();
            assert!(
                lines[0].starts_with("START RequestId: ")
                    && lines[0].ends_with(" Version: $LATEST"),
                "{log}"
            );
            assert!(
                lines.contains(&"adding 3 values") && lines.contains(&"to stderr"),
                "{log}"
            );
            assert!(
                lines[lines.len() - 2].starts_with("END RequestId: "),
                "{log}"
            );
            let report = lines[lines.len() - 1];
            assert!(
                report.starts_with("REPORT RequestId: ")
                    && report.contains("\tBilled Duration: ")
                    && report.contains("\tMemory Size: 128 MB\t"),
                "{log}"
            );
        }
        // A function error: 200, Unhandled, the error document.
        let failed = client
            .invoke()
            .function_name("add")
            .payload(Blob::new(r#"{"values": []}"#))
            .send()
            .await
            .unwrap();
        assert_eq!(failed.status_code(), 200);
        assert_eq!(failed.function_error(), Some("Unhandled"));
        let document = payload_json(&failed);
        assert_eq!(
            document["errorMessage"], "BadRequestError: no values",
            "{document}"
        );
        assert!(
            document["errorType"]
                .as_str()
                .unwrap()
                .ends_with("ChaliceError"),
            "{document}"
        );
        assert!(failed.log_result().is_none(), "no tail unless asked for");
        // The function's own timeout (1 s), not API Gateway's 29 s.
        let started = std::time::Instant::now();
        let timed_out = client.invoke().function_name("slow").send().await.unwrap();
        assert_eq!(timed_out.function_error(), Some("Unhandled"));
        let document = payload_json(&timed_out);
        assert_eq!(document["errorType"], "Sandbox.Timedout");
        assert!(
            document["errorMessage"]
                .as_str()
                .unwrap()
                .ends_with("Task timed out after 1.00 seconds"),
            "{document}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(4),
            "{:?}",
            started.elapsed()
        );
        // A batch handler's partial failure.
        let batch = client
            .invoke()
            .function_name("work")
            .payload(Blob::new(
                chalice_rs_runtime::events::sample::sqs(["1", "x"]).to_string(),
            ))
            .send()
            .await
            .unwrap();
        let second =
            chalice_rs_runtime::events::sample::sqs(["1", "x"])["Records"][1]["messageId"].clone();
        assert_eq!(
            payload_json(&batch),
            json!({"batchItemFailures": [{"itemIdentifier": second}]})
        );
        // Event: 202 at once; DryRun: 204.
        let queued = client
            .invoke()
            .function_name("add")
            .invocation_type(InvocationType::Event)
            .payload(Blob::new(r#"{"values": [4]}"#))
            .send()
            .await
            .unwrap();
        assert_eq!(queued.status_code(), 202);
        let dry = client
            .invoke()
            .function_name("add")
            .invocation_type(InvocationType::DryRun)
            .send()
            .await
            .unwrap();
        assert_eq!(dry.status_code(), 204);
        // An unknown function: ResourceNotFoundException.
        let error = client
            .invoke()
            .function_name("nope")
            .send()
            .await
            .expect_err("no such function");
        let service = error.into_service_error();
        assert!(service.is_resource_not_found_exception(), "{service:?}");
        assert_eq!(
            aws_sdk_lambda::error::ProvideErrorMetadata::message(&service),
            Some("Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope")
        );
        // Another version than $LATEST is not there.
        let error = client
            .invoke()
            .function_name("add")
            .qualifier("7")
            .send()
            .await
            .expect_err("no version 7");
        assert!(error.into_service_error().is_resource_not_found_exception());
    });
    // Raw HTTP: over 6 MB is 413; the REST API still answers.
    let (status, body) = common::http(
        &server.address,
        "POST",
        "/2015-03-31/functions/add/invocations",
        &[],
        &" ".repeat(6 * 1024 * 1024 + 1),
    );
    assert_eq!(status, 413, "{body}");
    assert!(
        body.contains("Request must be smaller than 6291456 bytes"),
        "{body}"
    );
    let (status, body) = common::http(&server.address, "GET", "/", &[], "");
    assert_eq!((status, body.as_str()), (200, r#"{"hello":"events"}"#));
    server.log_until("the queued invocation ran and was logged", |log| {
        log.lines().any(|l| l.starts_with("Event add ok "))
            && log.contains("POST /2015-03-31/functions/nope/invocations 404 ")
    });
}

#[test]
fn boto3_invokes_a_local_function() {
    let app = app_copy();
    let server = serve(app.path(), &["--no-schedules"]);
    let python = common::moto_binary().with_file_name("python");
    let script = format!(
        r#"
import base64, boto3, json
client = boto3.client("lambda", endpoint_url="{}", region_name="us-east-1",
                      aws_access_key_id="testing", aws_secret_access_key="testing")
answer = client.invoke(FunctionName="evapp-dev-add", Payload=json.dumps({{"values": [2, 5]}}), LogType="Tail")
print(json.dumps({{"status": answer["StatusCode"], "payload": json.loads(answer["Payload"].read()),
                  "log": base64.b64decode(answer["LogResult"]).decode()}}))
try:
    client.invoke(FunctionName="missing")
except client.exceptions.ResourceNotFoundException as error:
    print(error.response["Error"]["Message"])
"#,
        server.url("")
    );
    let output = Command::new(&python)
        .arg("-c")
        .arg(&script)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("run {}: {e}", python.display()));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut lines = stdout.lines();
    let answer: Value = serde_json::from_str(lines.next().unwrap()).unwrap();
    assert_eq!(answer["status"], 200);
    assert_eq!(answer["payload"], json!({"sum": 7, "greeting": "hello"}));
    assert!(
        answer["log"].as_str().unwrap().contains("adding 2 values"),
        "{answer}"
    );
    assert_eq!(
        lines.next(),
        Some("Function not found: arn:aws:lambda:us-east-1:123456789012:function:missing")
    );
}

#[test]
fn a_schedule_fires_with_eventbridges_scheduled_event() {
    let app = app_copy();
    let server = serve(app.path(), &["--schedules-now"]);
    assert!(
        server
            .log()
            .contains("schedule tick rate(1 hour): fires now, then "),
        "{}",
        server.log()
    );
    let log = server.log_until("the schedule fired", |log| {
        log.contains("tick event: ") && log.lines().any(|l| l.starts_with("SCHEDULE tick "))
    });
    let line = log
        .lines()
        .find_map(|l| l.strip_prefix("tick event: "))
        .unwrap();
    let event: Value = serde_json::from_str(line).unwrap();
    assert_eq!(event["detail-type"], "Scheduled Event");
    assert_eq!(event["source"], "aws.events");
    assert_eq!(event["account"], "123456789012");
    assert_eq!(event["region"], "us-east-1");
    assert_eq!(
        event["resources"],
        json!(["arn:aws:events:us-east-1:123456789012:rule/evapp-dev-TickRule"])
    );
    assert_eq!(event["detail"], json!({}));
    let time = event["time"].as_str().unwrap();
    let parsed = time::OffsetDateTime::parse(time, &time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|e| panic!("{time}: {e}"));
    assert!(
        (time::OffsetDateTime::now_utc() - parsed)
            .whole_seconds()
            .abs()
            < 600,
        "{time}"
    );
    let fired = log
        .lines()
        .find(|l| l.starts_with("SCHEDULE tick "))
        .unwrap();
    assert!(fired.contains(&format!(" {time} ok ")), "{fired}");
}

/// `cargo chalice invoke ARGS --local` on `dir`, with `stdin`.
fn invoke_local(dir: &Path, args: &[&str], stdin: &str) -> Output {
    invoke_local_with(dir, args, stdin, |_| {})
}

/// [`invoke_local`], with `setup` applied to the command.
fn invoke_local_with(
    dir: &Path,
    args: &[&str],
    stdin: &str,
    setup: impl FnOnce(&mut Command),
) -> Output {
    let mut command = Command::new(BIN);
    command
        .arg("invoke")
        .args(args)
        .args(["--local", "--project-dir"])
        .arg(dir)
        .shared_build();
    setup(&mut command);
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.as_bytes()).unwrap();
    drop(input);
    child.wait_with_output().unwrap()
}

#[test]
fn a_json_log_format_gives_json_lines_with_the_request_id() {
    let app = app_copy();
    let output = invoke_local(app.path(), &["logged", "--event", "-"], "{}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let request_id = stderr
        .split("START RequestId: ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect(&stderr);
    let lines: Vec<Value> = stderr
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .collect();
    let line = |message: &str| {
        lines
            .iter()
            .find(|l| l["fields"]["message"] == message)
            .unwrap_or_else(|| panic!("no JSON line `{message}` in {stderr}"))
    };
    // `log_level` DEBUG lets the debug line through; each names the request.
    let debug = line("checking");
    assert_eq!(debug["level"], "DEBUG");
    assert_eq!(debug["fields"]["step"], 1);
    let info = line("logged once");
    assert_eq!(info["level"], "INFO");
    assert_eq!(info["span"]["requestId"], request_id, "{stderr}");
}

#[test]
fn invoke_local_prints_the_result_and_the_log() {
    let app = app_copy();
    let output = invoke_local(
        app.path(),
        &["add", "--event", "-"],
        r#"{"values": [40, 2]}"#,
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert_eq!(
        serde_json::from_str::<Value>(&stdout).unwrap(),
        json!({"sum": 42, "greeting": "hello"})
    );
    let start = stderr.find("START RequestId: ").expect(&stderr);
    let adding = stderr.find("adding 2 values").expect(&stderr);
    let end = stderr.find("END RequestId: ").expect(&stderr);
    let report = stderr.find("REPORT RequestId: ").expect(&stderr);
    assert!(start < adding && adding < end && end < report, "{stderr}");

    // A function error: the error document, errorType and errorMessage, exit 1.
    let output = invoke_local(app.path(), &["add", "--event", "-"], r#"{"values": []}"#);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let document: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(document["errorMessage"], "BadRequestError: no values");
    assert!(
        stderr.contains(&format!(
            "error: the function `add` failed: {}: BadRequestError: no values",
            document["errorType"].as_str().unwrap()
        )),
        "{stderr}"
    );

    // Its own timeout.
    let output = invoke_local(app.path(), &["slow"], "");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("failed: Sandbox.Timedout: RequestId: ")
            && stderr.contains("Status: timeout"),
        "{stderr}"
    );

    // An example event; a kind the function does not read is warned about.
    let output = invoke_local(app.path(), &["work", "--example", "sqs"], "");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // The example's bodies, "hello" and "world", are not numbers: both fail.
    let example = chalice_rs_runtime::events::sample::example("sqs").unwrap();
    assert_eq!(
        serde_json::from_slice::<Value>(&output.stdout).unwrap(),
        json!({"batchItemFailures": [
            {"itemIdentifier": example["Records"][0]["messageId"]},
            {"itemIdentifier": example["Records"][1]["messageId"]},
        ]})
    );
    let output = invoke_local(app.path(), &["work", "--example", "s3"], "");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("warning: `work` is invoked by #[on_sqs_message]; a `s3` event"),
        "{stderr}"
    );
    assert_eq!(
        output.status.code(),
        Some(1),
        "the S3 event is not an SQS batch: {stderr}"
    );

    // Unknown names and kinds.
    let output = invoke_local(app.path(), &["wrok"], "");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(
            "no function `wrok` in stage `dev` (did you mean `work`?); its functions are: api, add, logged, slow, tick, work"
        ),
        "{stderr}"
    );
    let output = invoke_local(app.path(), &["work", "--example", "sq"], "");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--example: no example event of kind `sq`")
            && stderr.contains("the kinds are: schedule, event, sqs"),
        "{stderr}"
    );
}

#[test]
fn invoke_without_local_needs_a_deployed_stage() {
    let app = app_copy();
    let moto = common::Moto::start();
    let mut command = Command::new(BIN);
    command
        .args(["invoke", "add", "--project-dir"])
        .arg(app.path());
    common::aws_env(&mut command, &moto);
    let output = command.stdin(Stdio::null()).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("stage `dev` is not deployed")
            && stderr.contains("cargo chalice deploy --stage dev"),
        "{stderr}"
    );
}

#[test]
fn a_reload_serves_new_functions_and_new_settings() {
    let app = app_copy();
    let mut command = Command::new(BIN);
    command
        .args(["local", "--port", "0", "--no-schedules", "--project-dir"])
        .arg(app.path())
        .shared_build();
    let server = LocalServer::start(&mut command, START_TIMEOUT);
    let main_rs = app.path().join("src/main.rs");
    let config = app.path().join(".chalice/config.json");
    let source = std::fs::read_to_string(&main_rs).unwrap();
    let changed_source = source.replace(
        "fn main()",
        "#[lambda_function]\nasync fn twice(n: i64) -> Result<i64, ChaliceError> {\n    Ok(2 * n)\n}\n\nfn main()",
    );
    let changed_config = std::fs::read_to_string(&config)
        .unwrap()
        .replace(r#""GREETING": "hello""#, r#""GREETING": "reloaded""#);
    let write = || {
        std::fs::write(&main_rs, &changed_source).unwrap();
        std::fs::write(&config, &changed_config).unwrap();
    };
    write();
    block_on(async {
        let client = lambda(&server).await;
        let deadline = std::time::Instant::now() + START_TIMEOUT;
        let mut written = std::time::Instant::now();
        let reloads = |log: &str| log.matches("chalice local: reloaded").count();
        let mut reloads_at_write = reloads(&server.log());
        loop {
            // The watcher may start after a change made right at the start,
            // and a build started right before the change may not see it
            // (a reload that still has no `twice`): write again.
            let log = server.log();
            if written.elapsed() > Duration::from_secs(5)
                && (!log.contains("rebuilding") || reloads(&log) > reloads_at_write)
            {
                write();
                written = std::time::Instant::now();
                reloads_at_write = reloads(&log);
            }
            if let Ok(output) = client
                .invoke()
                .function_name("twice")
                .payload(Blob::new("21"))
                .send()
                .await
            {
                assert_eq!(payload_json(&output), json!(42));
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "no reload:\n{}",
                server.log()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let output = client
            .invoke()
            .function_name("add")
            .payload(Blob::new(r#"{"values": [1]}"#))
            .send()
            .await
            .unwrap();
        assert_eq!(
            payload_json(&output),
            json!({"sum": 1, "greeting": "reloaded"})
        );
    });
    let log = server.log();
    assert!(
        log.contains("chalice local: the functions are now:")
            && log.contains("function twice (evapp-dev-twice): #[lambda_function]"),
        "{log}"
    );
}

/// A queue named `work` on `moto`: its URL (through boto3 from the tests' venv).
fn moto_queue(moto: &common::Moto) -> String {
    let python = common::moto_binary().with_file_name("python");
    let script = format!(
        "import boto3\nsqs = boto3.client('sqs', endpoint_url='{}', region_name='us-east-1', \
         aws_access_key_id='testing', aws_secret_access_key='testing')\n\
         print(sqs.create_queue(QueueName='work')['QueueUrl'])",
        moto.endpoint
    );
    let output = Command::new(python)
        .args(["-c", &script])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

/// examples/events, every kind of function: `invoke --local` with each
/// example event, then the local Invoke API through the AWS SDK; the
/// queue `on_upload` sends to is moto's.
#[test]
fn examples_events_runs_every_kind_of_function_locally() {
    let dir = repo_root().join("examples/events");
    let moto = common::Moto::start();
    let queue = moto_queue(&moto);
    let aws = |command: &mut Command| {
        common::aws_env(command, &moto);
        command.env("WORK_QUEUE_URL", &queue);
    };
    let run = |args: &[&str], stdin: &str| {
        let output = invoke_local_with(&dir, args, stdin, aws);
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        (output.status.code(), stdout, stderr)
    };
    let ok = |args: &[&str], stdin: &str| {
        let (code, stdout, stderr) = run(args, stdin);
        assert_eq!(code, Some(0), "{args:?}:\n{stdout}\n{stderr}");
        let value: Value = serde_json::from_str(&stdout)
            .unwrap_or_else(|e| panic!("{args:?}: not JSON ({e}): {stdout}"));
        (value, stderr)
    };

    // S3: the upload's job goes to the (moto) queue.
    let (queued, _) = ok(&["on_upload", "--example", "s3"], "");
    assert_eq!(queued, json!(1));
    // SQS: the example's bodies are not jobs (both fail alone); a job passes.
    let (failed, stderr) = ok(&["work", "--example", "sqs"], "");
    assert_eq!(
        failed["batchItemFailures"].as_array().unwrap().len(),
        2,
        "{failed}"
    );
    assert!(stderr.contains("is not a job"), "{stderr}");
    let job = json!({"bucket": "b", "key": "incoming/a.csv", "size": 3}).to_string();
    let batch = chalice_rs_runtime::events::sample::sqs([job]).to_string();
    let (passed, stderr) = ok(&["work", "--event", "-"], &batch);
    assert_eq!(passed, json!({"batchItemFailures": []}));
    assert!(
        stderr.contains("processing s3://b/incoming/a.csv (3 bytes)"),
        "{stderr}"
    );
    // SNS.
    let (_, stderr) = ok(&["notify", "--example", "sns"], "");
    assert!(
        stderr.contains("notification Greetings: Hello from SNS!"),
        "{stderr}"
    );
    // A schedule.
    let (report, _) = ok(&["nightly", "--example", "schedule"], "");
    assert_eq!(report, json!("nightly report for 2024-01-01"));
    // A plain function, and its error.
    let (stats, _) = ok(&["stats", "--event", "-"], r#"{"csv": "a,b\n1,2\n"}"#);
    assert_eq!(stats, json!({"columns": ["a", "b"], "rows": 1}));
    let (code, _, stderr) = run(&["stats", "--event", "-"], r#"{"csv": ""}"#);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains(
            "error: the function `stats` failed: events::PipelineError: the CSV text is empty"
        ),
        "{stderr}"
    );

    // The Invoke API of `cargo chalice local`, through the AWS SDK.
    let mut command = Command::new(BIN);
    command
        .args([
            "local",
            "--port",
            "0",
            "--no-autoreload",
            "--no-schedules",
            "--project-dir",
        ])
        .arg(&dir)
        .shared_build();
    aws(&mut command);
    let server = LocalServer::start(&mut command, START_TIMEOUT);
    assert!(
        server
            .log()
            .contains("function nightly (events-dev-nightly): #[schedule] cron(0 3 * * ? *)"),
        "{}",
        server.log()
    );
    block_on(async {
        let client = lambda(&server).await;
        let output = client
            .invoke()
            .function_name("events-dev-work")
            .payload(Blob::new(batch.clone()))
            .log_type(LogType::Tail)
            .send()
            .await
            .unwrap();
        assert_eq!(payload_json(&output), json!({"batchItemFailures": []}));
        let log = base64::engine::general_purpose::STANDARD
            .decode(output.log_result().unwrap())
            .unwrap();
        assert!(
            String::from_utf8_lossy(&log).contains("processing s3://b/incoming/a.csv (3 bytes)"),
            "{}",
            String::from_utf8_lossy(&log)
        );
        let output = client
            .invoke()
            .function_name("stats")
            .payload(Blob::new(r#"{"csv": "x\n1\n2\n"}"#))
            .send()
            .await
            .unwrap();
        assert_eq!(payload_json(&output), json!({"columns": ["x"], "rows": 2}));
    });
}

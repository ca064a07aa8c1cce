//! Lambda mode: the built `events` binary serving its functions
//! (`_HANDLER=function:<name>`) against a Lambda Runtime API on loopback,
//! fed the sample events: results, partial batch responses and function
//! errors as Lambda receives them, and a clear exit for an unknown name.

use chalice_rs_runtime::events::sample;
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

/// How long any single wait may take before the test fails.
const WAIT: Duration = Duration::from_secs(30);

/// What the function posted for one invocation: `response` or `error`, and the body.
type Outcome = (String, Value);

/// The events waiting for `next`, and whether the API is shutting down.
#[derive(Default)]
struct Queue {
    events: Mutex<VecDeque<(String, String)>>,
    ready: Condvar,
    stopped: AtomicBool,
}

/// A minimal Lambda Runtime API on loopback (blocking, one thread per
/// connection, HTTP/1.1 keep-alive).
struct RuntimeApi {
    addr: SocketAddr,
    queue: Arc<Queue>,
    results: mpsc::Receiver<(String, Outcome)>,
    counter: u32,
}

impl RuntimeApi {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        let queue = Arc::new(Queue::default());
        let (sender, results) = mpsc::channel();
        let accept_queue = queue.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                if accept_queue.stopped.load(Ordering::SeqCst) {
                    return;
                }
                let queue = accept_queue.clone();
                let sender = sender.clone();
                std::thread::spawn(move || serve(stream, &queue, &sender));
            }
        });
        Self {
            addr,
            queue,
            results,
            counter: 0,
        }
    }

    /// Queues `event` and waits for what the function posts back.
    fn invoke(&mut self, event: &Value) -> Outcome {
        self.counter += 1;
        let id = format!("6f1b2c3d-0000-4000-8000-{:012}", self.counter);
        self.queue
            .events
            .lock()
            .unwrap()
            .push_back((id.clone(), event.to_string()));
        self.queue.ready.notify_all();
        let (got, outcome) = self
            .results
            .recv_timeout(WAIT)
            .expect("the function did not answer in time");
        assert_eq!(got, id, "the answer is for another invocation");
        outcome
    }
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        self.queue.stopped.store(true, Ordering::SeqCst);
        self.queue.ready.notify_all();
        // Wakes the accept loop so that it sees `stopped`.
        let _ = TcpStream::connect(self.addr);
    }
}

/// One connection: requests in turn until it closes or the API stops.
fn serve(stream: TcpStream, queue: &Queue, results: &mpsc::Sender<(String, Outcome)>) {
    let Ok(writer) = stream.try_clone() else {
        return;
    };
    let mut writer = writer;
    let mut reader = BufReader::new(stream);
    loop {
        let Some((method, path, body)) = read_request(&mut reader) else {
            return;
        };
        if method == "GET" && path == "/2018-06-01/runtime/invocation/next" {
            let Some((id, event)) = next_event(queue) else {
                return;
            };
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\
                 lambda-runtime-aws-request-id: {id}\r\n\
                 lambda-runtime-deadline-ms: 4102444800000\r\n\
                 lambda-runtime-invoked-function-arn: arn:aws:lambda:us-east-1:123456789012:function:events-dev-work\r\n\
                 content-length: {}\r\n\r\n",
                event.len()
            );
            if writer.write_all(head.as_bytes()).is_err()
                || writer.write_all(event.as_bytes()).is_err()
            {
                return;
            }
            continue;
        }
        let reply = match path
            .strip_prefix("/2018-06-01/runtime/invocation/")
            .and_then(|rest| rest.split_once('/'))
        {
            Some((id, kind)) if method == "POST" && (kind == "response" || kind == "error") => {
                let value = serde_json::from_slice(&body)
                    .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&body).into_owned()));
                let _ = results.send((id.to_owned(), (kind.to_owned(), value)));
                "HTTP/1.1 202 Accepted\r\ncontent-type: application/json\r\ncontent-length: 15\r\n\r\n{\"status\":\"OK\"}"
            }
            _ => "HTTP/1.1 404 Not Found\r\ncontent-length: 2\r\n\r\n{}",
        };
        if writer.write_all(reply.as_bytes()).is_err() {
            return;
        }
    }
}

/// The next queued event; `None` once the API stops.
fn next_event(queue: &Queue) -> Option<(String, String)> {
    let mut events = queue.events.lock().unwrap();
    loop {
        if queue.stopped.load(Ordering::SeqCst) {
            return None;
        }
        if let Some(next) = events.pop_front() {
            return Some(next);
        }
        events = queue
            .ready
            .wait_timeout(events, Duration::from_millis(200))
            .unwrap()
            .0;
    }
}

/// Method, path and body of one request (`content-length` or chunked).
fn read_request(reader: &mut BufReader<TcpStream>) -> Option<(String, String, Vec<u8>)> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_owned();
    let path = parts.next()?.to_owned();
    let mut length = 0;
    let mut chunked = false;
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':')?;
        match name.trim().to_ascii_lowercase().as_str() {
            "content-length" => length = value.trim().parse().ok()?,
            "transfer-encoding" => chunked = value.trim().eq_ignore_ascii_case("chunked"),
            _ => {}
        }
    }
    let mut body = Vec::new();
    if chunked {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size).ok()?;
            let size = usize::from_str_radix(size.trim().split(';').next()?, 16).ok()?;
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk).ok()?;
            if size == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..size]);
        }
    } else {
        body.resize(length, 0);
        reader.read_exact(&mut body).ok()?;
    }
    Some((method, path, body))
}

/// The `events` process serving `handler`; killed and reaped when dropped.
struct Instance(Child);

impl Instance {
    fn spawn(api: &RuntimeApi, handler: &str) -> Self {
        let child = Command::new(env!("CARGO_BIN_EXE_events"))
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("AWS_LAMBDA_RUNTIME_API", api.addr.to_string())
            .env("AWS_LAMBDA_FUNCTION_NAME", "events-dev-fn")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            // The SDK's configuration from the environment only: no
            // instance metadata lookup.
            .env("AWS_REGION", "us-east-1")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("WORK_QUEUE_URL", "http://127.0.0.1:9/queue/unused")
            .env("_HANDLER", handler)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the events binary");
        Self(child)
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn a_batch_function_answers_its_partial_batch_response() {
    let mut api = RuntimeApi::start();
    let _instance = Instance::spawn(&api, "function:work");
    let job = json!({"bucket": "b", "key": "incoming/a.csv", "size": 1}).to_string();
    let batch = sample::sqs([job.as_str(), "not a job"]);
    let bad = batch["Records"][1]["messageId"].clone();
    assert_eq!(
        api.invoke(&batch),
        (
            "response".to_owned(),
            json!({"batchItemFailures": [{"itemIdentifier": bad}]})
        )
    );
    assert_eq!(
        api.invoke(&sample::sqs([job.as_str()])),
        ("response".to_owned(), json!({"batchItemFailures": []}))
    );
}

#[test]
fn an_error_is_posted_as_lambda_reports_it_and_the_instance_keeps_serving() {
    let mut api = RuntimeApi::start();
    let _instance = Instance::spawn(&api, "function:notify");
    let empty = sample::sns("Upload", "");
    let id = empty["Records"][0]["Sns"]["MessageId"].clone();
    assert_eq!(
        api.invoke(&empty),
        (
            "error".to_owned(),
            json!({
                "errorType": "events::PipelineError",
                "errorMessage": format!("notification {} has an empty message", id.as_str().unwrap())
            })
        )
    );
    assert_eq!(
        api.invoke(&json!({"not": "an sns event"})).0,
        "error",
        "an unreadable event is a function error too"
    );
    assert_eq!(
        api.invoke(&sample::sns("Upload", "done")),
        ("response".to_owned(), Value::Null)
    );
}

#[test]
fn a_plain_function_returns_its_result() {
    let mut api = RuntimeApi::start();
    let _instance = Instance::spawn(&api, "function:stats");
    assert_eq!(
        api.invoke(&json!({"csv": "a,b,c\n1,2,3\n"})),
        (
            "response".to_owned(),
            json!({"columns": ["a", "b", "c"], "rows": 1})
        )
    );
}

#[test]
fn an_unknown_function_exits_naming_the_functions() {
    let api = RuntimeApi::start();
    let mut instance = Instance::spawn(&api, "function:nope");
    let status = instance.0.wait().expect("the process ends");
    assert!(!status.success());
    let mut stderr = String::new();
    instance
        .0
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .expect("read stderr");
    assert!(
        stderr.contains("_HANDLER names function `nope`, which this binary does not define; it defines: nightly, notify, on_upload, stats, work"),
        "{stderr}"
    );
}

//! The least an API Gateway emulator over the Lambda Runtime API can do per
//! request: no routing, no event building, no checks, no response parsing,
//! no access log. Each client request hands a constant event (a file) to the
//! next instance asking `/next`, and answers with the instance's payload as
//! the body.
//!
//! Usage: `floor-gateway <port> <instances> <function binary> <event.json>`.
//! `FLOOR_RUNTIME=current_thread` runs it on one thread (default: tokio's
//! multi-thread scheduler, as `cargo chalice local`). Prints `ready` once the
//! client port listens.

use bytes::Bytes;
use http::{HeaderValue, Request, Response, StatusCode};
use http_body_util::{BodyExt as _, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use std::collections::HashMap;
use std::error::Error;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot};

type BoxError = Box<dyn Error + Send + Sync>;

/// One client request waiting for an instance: its id and where the payload goes.
type Job = (u64, oneshot::Sender<Bytes>);

/// What the Runtime API side shares between the instances' connections.
struct RuntimeApi {
    queue: tokio::sync::Mutex<mpsc::Receiver<Job>>,
    in_flight: Mutex<HashMap<u64, oneshot::Sender<Bytes>>>,
    event: Bytes,
}

struct Args {
    port: u16,
    instances: usize,
    function: String,
    event: Bytes,
}

fn parse_args() -> Result<Args, BoxError> {
    let usage = "usage: floor-gateway <port> <instances> <function binary> <event.json>";
    let mut args = std::env::args().skip(1);
    let mut next = |what: &str| {
        args.next()
            .ok_or_else(|| format!("missing {what}; {usage}"))
    };
    let port = next("port")?.parse().map_err(|e| format!("port: {e}"))?;
    let instances = next("instances")?
        .parse()
        .map_err(|e| format!("instances: {e}"))?;
    let function = next("function binary")?;
    let path = next("event file")?;
    let event = std::fs::read(&path).map_err(|e| format!("{path}: {e}"))?;
    Ok(Args {
        port,
        instances,
        function,
        event: Bytes::from(event),
    })
}

fn main() -> Result<(), BoxError> {
    let args = parse_args()?;
    let runtime = if std::env::var("FLOOR_RUNTIME").is_ok_and(|v| v == "current_thread") {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?
    };
    runtime.block_on(serve(args))
}

/// Serves `handle` on each connection `listener` accepts.
async fn accept_loop<F, Fut>(listener: TcpListener, handle: F)
where
    F: Fn(Request<Incoming>) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Response<Full<Bytes>>> + Send + 'static,
{
    while let Ok((stream, _)) = listener.accept().await {
        tokio::spawn(serve_connection(stream, handle.clone()));
    }
}

async fn serve_connection<F, Fut>(stream: TcpStream, handle: F)
where
    F: Fn(Request<Incoming>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Response<Full<Bytes>>> + Send + 'static,
{
    let _ = stream.set_nodelay(true);
    let service = service_fn(move |request| {
        let answer = handle(request);
        async move { Ok::<_, std::convert::Infallible>(answer.await) }
    });
    let _ = hyper::server::conn::http1::Builder::new()
        .serve_connection(TokioIo::new(stream), service)
        .await;
}

async fn serve(args: Args) -> Result<(), BoxError> {
    let (jobs, queue) = mpsc::channel::<Job>(1024);
    let api = Arc::new(RuntimeApi {
        queue: tokio::sync::Mutex::new(queue),
        in_flight: Mutex::new(HashMap::new()),
        event: args.event,
    });
    let api_listener = TcpListener::bind("127.0.0.1:0").await?;
    let api_address = api_listener.local_addr()?;
    tokio::spawn(accept_loop(api_listener, move |request| {
        let api = api.clone();
        async move { runtime_api(&api, request).await }
    }));
    let mut instances = Vec::new();
    for number in 0..args.instances {
        let child = tokio::process::Command::new(&args.function)
            .env("AWS_LAMBDA_RUNTIME_API", api_address.to_string())
            .env("AWS_LAMBDA_FUNCTION_NAME", "floor")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_LOG_STREAM_NAME", format!("instance-{number}"))
            .env("AWS_LAMBDA_LOG_GROUP_NAME", "floor")
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("{}: {e}", args.function))?;
        instances.push(child);
    }
    let clients = TcpListener::bind(("127.0.0.1", args.port)).await?;
    println!("ready");
    let next_id = Arc::new(AtomicU64::new(1));
    tokio::select! {
        () = accept_loop(clients, move |request| {
            let jobs = jobs.clone();
            let id = next_id.fetch_add(1, Ordering::Relaxed);
            async move { invoke(jobs, id, request).await }
        }) => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    drop(instances);
    Ok(())
}

/// A client request: queue it for an instance, answer with its payload.
async fn invoke(
    jobs: mpsc::Sender<Job>,
    id: u64,
    request: Request<Incoming>,
) -> Response<Full<Bytes>> {
    let _ = request.into_body().collect().await;
    let (reply, payload) = oneshot::channel();
    if jobs.send((id, reply)).await.is_err() {
        return status(StatusCode::BAD_GATEWAY);
    }
    match payload.await {
        Ok(payload) => Response::new(Full::new(payload)),
        Err(_) => status(StatusCode::BAD_GATEWAY),
    }
}

fn status(code: StatusCode) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = code;
    response
}

/// `GET .../invocation/next` and `POST .../invocation/{id}/response`.
async fn runtime_api(api: &RuntimeApi, request: Request<Incoming>) -> Response<Full<Bytes>> {
    let path = request.uri().path().to_owned();
    if path.ends_with("/invocation/next") {
        let Some((id, reply)) = api.queue.lock().await.recv().await else {
            return status(StatusCode::GONE);
        };
        api.in_flight
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id, reply);
        let mut response = Response::new(Full::new(api.event.clone()));
        let headers = response.headers_mut();
        headers.insert("lambda-runtime-aws-request-id", HeaderValue::from(id));
        headers.insert(
            "lambda-runtime-deadline-ms",
            HeaderValue::from(u64::MAX / 2),
        );
        headers.insert(
            "lambda-runtime-invoked-function-arn",
            HeaderValue::from_static("arn:aws:lambda:us-east-1:123456789012:function:floor"),
        );
        response
    } else if path.ends_with("/response") {
        // /2018-06-01/runtime/invocation/{id}/response
        let id = path.split('/').nth(4).and_then(|id| id.parse::<u64>().ok());
        let payload = request
            .into_body()
            .collect()
            .await
            .map(|b| b.to_bytes())
            .unwrap_or_default();
        let reply = id.and_then(|id| {
            api.in_flight
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&id)
        });
        match reply {
            Some(reply) => {
                let _ = reply.send(payload);
                status(StatusCode::ACCEPTED)
            }
            None => status(StatusCode::NOT_FOUND),
        }
    } else {
        eprintln!("floor-gateway: unexpected call {path}");
        status(StatusCode::NOT_FOUND)
    }
}

//! `cargo chalice local` under sustained load: a soak over a mix of routes of
//! examples/hello at 32 connections, with every answer checked and the
//! resident memory of the server and of each instance sampled.
//!
//! CI runs it for `CHALICE_SOAK_SECONDS` (default 12 s); `bench/soak.sh`
//! runs it for 60 s and prints its figures.

use crate::common::LocalServer;
use crate::local::{block_on, children_of, client, local_command, send, HttpClient};
use bytes::Bytes;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The connections the soak keeps busy.
const CONNECTIONS: usize = 32;

/// One request of the mix and the statuses that are a correct answer.
struct Call {
    method: &'static str,
    path: &'static str,
    content_type: Option<&'static str>,
    body: &'static str,
    ok: &'static [u16],
}

/// Reads, a write that replaces one item (so that memory use is bounded),
/// a body the handler's typed extraction refuses, an erroring route and a
/// panicking one.
const MIX: &[Call] = &[
    Call {
        method: "GET",
        path: "/",
        content_type: None,
        body: "",
        ok: &[200],
    },
    Call {
        method: "PUT",
        path: "/items/1",
        content_type: Some("application/json"),
        body: r#"{"name": "pen", "price": 120}"#,
        ok: &[200, 201],
    },
    Call {
        method: "GET",
        path: "/items?limit=5&min_price=100",
        content_type: None,
        body: "",
        ok: &[200],
    },
    Call {
        method: "GET",
        path: "/items/1",
        content_type: None,
        body: "",
        // Each instance keeps its own items, as Lambda's do.
        ok: &[200, 404],
    },
    Call {
        method: "POST",
        path: "/items",
        content_type: Some("application/json"),
        body: r#"{"name": "pen", "price": "not a number"}"#,
        ok: &[400],
    },
    Call {
        method: "POST",
        path: "/echo",
        content_type: Some("text/plain"),
        body: "hello",
        ok: &[200],
    },
    Call {
        method: "GET",
        path: "/teapot",
        content_type: None,
        body: "",
        ok: &[409],
    },
    Call {
        method: "GET",
        path: "/panic",
        content_type: None,
        body: "",
        ok: &[500],
    },
];

/// The soak's length: `CHALICE_SOAK_SECONDS`, else 12 s.
fn soak_length() -> Duration {
    let seconds = std::env::var("CHALICE_SOAK_SECONDS")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or(12);
    Duration::from_secs(seconds.max(3))
}

/// The resident memory of `pid` in KiB (`VmRSS`), if it is alive.
fn resident_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kib| kib.parse().ok())
}

/// The resident memory of the server and of each of its instances.
fn memory(server: &LocalServer) -> BTreeMap<u32, u64> {
    std::iter::once(server.pid())
        .chain(children_of(server.pid()))
        .filter_map(|pid| resident_kib(pid).map(|kib| (pid, kib)))
        .collect()
}

/// What the workers saw.
#[derive(Default)]
struct Tally {
    answered: u64,
    failures: Vec<String>,
}

async fn worker(
    client: HttpClient,
    base: String,
    offset: usize,
    stop: Arc<AtomicBool>,
    tally: Arc<Mutex<Tally>>,
) {
    let mut answered = 0;
    let mut failures = Vec::new();
    for call in MIX.iter().cycle().skip(offset) {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        let url = format!("{base}{}", call.path);
        match send(
            &client,
            call.method,
            &url,
            call.content_type,
            Bytes::from_static(call.body.as_bytes()),
        )
        .await
        {
            Ok(answer) if call.ok.contains(&answer.status) => answered += 1,
            Ok(answer) => failures.push(format!(
                "{} {}: {} {}",
                call.method,
                call.path,
                answer.status,
                answer.text()
            )),
            Err(error) => failures.push(error),
        }
    }
    let mut tally = tally.lock().unwrap();
    tally.answered += answered;
    tally.failures.extend(failures);
}

#[test]
fn a_soak_over_mixed_routes_fails_nothing_and_memory_stays_flat() {
    let length = soak_length();
    let mut command = local_command(
        &crate::common::repo_root().join("examples/hello"),
        &["--no-autoreload"],
        None,
    );
    // A panic's backtrace (RUST_BACKTRACE reaches the instances) costs each
    // new instance half a second: the soak measures the server, not that.
    command.env("RUST_BACKTRACE", "0");
    let server = LocalServer::start(&mut command, Duration::from_secs(900));
    let base = server.url("");
    let (tally, early, late) = block_on(async {
        let client = client();
        let stop = Arc::new(AtomicBool::new(false));
        let tally = Arc::new(Mutex::new(Tally::default()));
        let started = Instant::now();
        let workers: Vec<_> = (0..CONNECTIONS)
            .map(|n| {
                tokio::spawn(worker(
                    client.clone(),
                    base.clone(),
                    n % MIX.len(),
                    stop.clone(),
                    tally.clone(),
                ))
            })
            .collect();
        // The pool has grown and the instances are warm after a third of the run.
        tokio::time::sleep_until((started + length / 3).into()).await;
        let early = memory(&server);
        tokio::time::sleep_until((started + length).into()).await;
        let late = memory(&server);
        stop.store(true, Ordering::Relaxed);
        for worker in workers {
            worker.await.unwrap();
        }
        let tally = std::mem::take(&mut *tally.lock().unwrap());
        (tally, early, late)
    });
    println!(
        "soak: {} s, {CONNECTIONS} connections: {} answers ({:.0} per second), {} failed",
        length.as_secs(),
        tally.answered,
        tally.answered as f64 / length.as_secs_f64(),
        tally.failures.len()
    );
    assert!(
        tally.failures.is_empty(),
        "{} requests failed, the first: {:?}",
        tally.failures.len(),
        &tally.failures[..tally.failures.len().min(5)]
    );
    assert!(
        tally.answered > 100,
        "too few requests ran: {}",
        tally.answered
    );
    let server_pid = server.pid();
    let mut compared = 0;
    for (pid, before) in &early {
        let Some(after) = late.get(pid) else {
            continue;
        };
        let what = if *pid == server_pid {
            "server"
        } else {
            "instance"
        };
        println!(
            "  {what} {pid}: {before} KiB at {} s, {after} KiB at {} s",
            length.as_secs() / 3,
            length.as_secs()
        );
        assert!(
            *after <= before + before / 10,
            "the {what} {pid} grew from {before} KiB to {after} KiB (more than 10%)"
        );
        compared += 1;
    }
    assert!(
        compared >= 2,
        "the server and an instance are sampled: {early:?} {late:?}"
    );
}

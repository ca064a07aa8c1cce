//! Cold-start probe: the time from spawning a chalice-rs binary to its first
//! `GET /2018-06-01/runtime/invocation/next` on a loopback Runtime API.
//!
//! ```text
//! cargo run --release -p chalice-rs-runtime --example startup_probe -- <binary> [runs]
//! ```
//!
//! Each run binds a fresh port, starts the binary with the Lambda environment,
//! waits (at most 10 s) for the poll's request line, then kills the process.
//! Prints every run and the median. `bench/startup.sh` builds and runs it.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

const POLL_LINE: &str = "GET /2018-06-01/runtime/invocation/next";

fn one_run(binary: &str) -> Result<Duration, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("bind: {e}"))?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("local addr: {e}"))?;
    listener
        .set_nonblocking(true)
        .map_err(|e| format!("nonblocking: {e}"))?;
    let start = Instant::now();
    let mut child = Command::new(binary)
        .env("AWS_LAMBDA_RUNTIME_API", addr.to_string())
        .env("AWS_LAMBDA_FUNCTION_NAME", "startup-probe")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("_HANDLER", "api")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start {binary}: {e}"))?;
    let result = wait_for_poll(&listener, start);
    let _ = child.kill();
    let _ = child.wait();
    result
}

fn wait_for_poll(listener: &TcpListener, start: Instant) -> Result<Duration, String> {
    let limit = Duration::from_secs(10);
    loop {
        match listener.accept() {
            Ok((stream, _)) => {
                stream
                    .set_nonblocking(false)
                    .map_err(|e| format!("blocking: {e}"))?;
                stream
                    .set_read_timeout(Some(limit))
                    .map_err(|e| format!("timeout: {e}"))?;
                let mut line = String::new();
                BufReader::new(stream)
                    .read_line(&mut line)
                    .map_err(|e| format!("read: {e}"))?;
                let elapsed = start.elapsed();
                if line.starts_with(POLL_LINE) {
                    return Ok(elapsed);
                }
                return Err(format!("unexpected first request: {}", line.trim_end()));
            }
            Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => {
                if start.elapsed() > limit {
                    return Err("no poll within 10 s".to_owned());
                }
                // Busy-ish wait: 20 µs granularity keeps the figure honest.
                std::thread::sleep(Duration::from_micros(20));
            }
            Err(error) => return Err(format!("accept: {error}")),
        }
    }
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(binary) = args.next() else {
        eprintln!("usage: startup_probe <binary> [runs]");
        return ExitCode::from(2);
    };
    let runs: usize = match args.next().map(|n| n.parse()) {
        None => 21,
        Some(Ok(n)) if n > 0 => n,
        Some(_) => {
            eprintln!("runs must be a positive number");
            return ExitCode::from(2);
        }
    };
    let mut times = Vec::with_capacity(runs);
    for run in 0..runs {
        match one_run(&binary) {
            Ok(elapsed) => {
                println!(
                    "run {:>3}: {:>8.3} ms",
                    run + 1,
                    elapsed.as_secs_f64() * 1e3
                );
                times.push(elapsed);
            }
            Err(error) => {
                eprintln!("run {}: {error}", run + 1);
                return ExitCode::FAILURE;
            }
        }
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "process start -> first Runtime API poll ({runs} runs): median {:.3} ms, min {:.3} ms, max {:.3} ms",
        ms(times[times.len() / 2]),
        ms(times[0]),
        ms(times[times.len() - 1])
    );
    ExitCode::SUCCESS
}

//! An instance's output, and the log of one invocation, as Lambda writes it.
//!
//! An instance's stdout and stderr are pipes read line by line on a thread
//! each, and echoed to this process's output. To tell which lines an
//! invocation wrote (for `X-Amz-Log-Result`), the reader of each pipe also
//! holds a write end: a marker line written there before the event is
//! handed over, and another after the answer came back, brackets the
//! function's output (a pipe keeps the order of writes, and the function
//! wrote its lines before it posted its answer).
//!
//! [`report`] writes the `START`, `END` and `REPORT` lines Lambda adds, and
//! [`tail`] keeps the last 4 KB of them, as `LogType: Tail` returns.

use std::io::{BufRead as _, BufReader, Write as _};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::oneshot;

/// How much of an invocation's log `X-Amz-Log-Result` carries: the last 4 KB.
pub const TAIL_BYTES: usize = 4 * 1024;

/// Begins a marker line (a control character no function prints).
const MARK: &str = "\u{1f}chalice-local-mark:";

/// Numbers captures across instances.
static NEXT_CAPTURE: AtomicU64 = AtomicU64::new(1);

/// Where the lines an instance writes are echoed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Echo {
    /// Its stdout to this process's stdout, its stderr to stderr (`local`).
    Split,
    /// Both to this process's stderr (`invoke`, whose stdout is the result).
    Stderr,
}

/// The two streams of an instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stream {
    Stdout = 0,
    Stderr = 1,
}

/// The capture in progress on one instance.
#[derive(Debug, Default)]
struct Capture {
    token: u64,
    lines: Vec<String>,
    /// Per stream: its begin marker has been read.
    begun: [bool; 2],
    /// Per stream: its end marker has been read.
    ended: [bool; 2],
    /// Told the lines once both streams reached the end marker.
    done: Option<oneshot::Sender<Vec<String>>>,
}

/// An instance's output: the write ends kept for markers, and the capture
/// that the reader threads fill.
#[derive(Debug)]
pub struct InstanceOutput {
    writers: Mutex<[Option<std::io::PipeWriter>; 2]>,
    capture: Arc<Mutex<Option<Capture>>>,
}

/// The instance's ends of the pipes (`Command::stdout` and `stderr` take them).
#[derive(Debug)]
pub struct ChildEnds {
    /// Its stdout.
    pub stdout: std::io::PipeWriter,
    /// Its stderr.
    pub stderr: std::io::PipeWriter,
}

impl InstanceOutput {
    /// Opens the pipes and starts their readers, echoing as `echo` says.
    pub fn open(echo: Echo) -> std::io::Result<(Self, ChildEnds)> {
        let capture = Arc::new(Mutex::new(None));
        let (out_read, out_write) = std::io::pipe()?;
        let (err_read, err_write) = std::io::pipe()?;
        let ends = ChildEnds {
            stdout: out_write.try_clone()?,
            stderr: err_write.try_clone()?,
        };
        for (reader, stream) in [(out_read, Stream::Stdout), (err_read, Stream::Stderr)] {
            let capture = capture.clone();
            std::thread::Builder::new()
                .name("chalice-local-output".to_owned())
                .spawn(move || read_lines(reader, stream, echo, &capture))?;
        }
        Ok((
            Self {
                writers: Mutex::new([Some(out_write), Some(err_write)]),
                capture,
            },
            ends,
        ))
    }

    /// Starts capturing: what the instance writes from now on (until
    /// [`InstanceOutput::end`]) belongs to the invocation. Returns the token.
    pub fn begin(&self) -> u64 {
        let token = NEXT_CAPTURE.fetch_add(1, Ordering::Relaxed);
        *lock(&self.capture) = Some(Capture {
            token,
            ..Capture::default()
        });
        self.mark(token);
        token
    }

    /// Ends the capture `token` and returns its lines once the readers have
    /// read up to the end marker (1 s at most: a reader that is gone returns
    /// what it had).
    pub async fn end(&self, token: u64) -> Vec<String> {
        let (sender, receiver) = oneshot::channel();
        if let Some(capture) = lock(&self.capture).as_mut() {
            if capture.token == token {
                capture.done = Some(sender);
            }
        }
        self.mark(token);
        match tokio::time::timeout(Duration::from_secs(1), receiver).await {
            Ok(Ok(lines)) => lines,
            _ => lock(&self.capture)
                .take()
                .map(|capture| capture.lines)
                .unwrap_or_default(),
        }
    }

    /// Writes the marker line of `token` on both pipes (at most a few dozen
    /// bytes, which a pipe takes at once while its reader drains it).
    fn mark(&self, token: u64) {
        let line = format!("{MARK}{token}\n");
        let mut writers = lock(&self.writers);
        for writer in writers.iter_mut().flatten() {
            let _ = writer.write_all(line.as_bytes());
        }
    }

    /// Closes this side's write ends, so that the readers end once the
    /// instance's ends are closed too.
    pub fn close(&self) {
        *lock(&self.writers) = [None, None];
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// Reads `reader` line by line until it closes: echoes each line, adds it
/// to the capture in progress, and acts on the markers.
fn read_lines(
    reader: std::io::PipeReader,
    stream: Stream,
    echo: Echo,
    capture: &Mutex<Option<Capture>>,
) {
    let mut reader = BufReader::new(reader);
    let mut buffer = Vec::new();
    loop {
        buffer.clear();
        match reader.read_until(b'\n', &mut buffer) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let text = String::from_utf8_lossy(&buffer);
        let text = text.strip_suffix('\n').unwrap_or(&text);
        let (line, marker) = match text.find(MARK) {
            Some(at) => (
                &text[..at],
                text[at + MARK.len()..].trim().parse::<u64>().ok(),
            ),
            None => (text, None),
        };
        // A marker right after output without a newline ends that output's line.
        if marker.is_none() || !line.is_empty() {
            write_echo(echo, stream, line);
            let mut guard = lock(capture);
            if let Some(capture) = guard.as_mut() {
                let index = stream as usize;
                if capture.begun[index] && !capture.ended[index] {
                    capture.lines.push(line.to_owned());
                }
            }
        }
        if let Some(token) = marker {
            on_marker(capture, stream, token);
        }
    }
}

fn write_echo(echo: Echo, stream: Stream, line: &str) {
    match (echo, stream) {
        (Echo::Split, Stream::Stdout) => super::stdout::line(line.to_owned()),
        _ => {
            let _ = writeln!(std::io::stderr().lock(), "{line}");
        }
    }
}

/// The first marker of a capture on a stream begins it there, the second ends it.
fn on_marker(capture: &Mutex<Option<Capture>>, stream: Stream, token: u64) {
    let index = stream as usize;
    let mut guard = lock(capture);
    let Some(current) = guard.as_mut() else {
        return;
    };
    if current.token != token {
        return;
    }
    if !current.begun[index] {
        current.begun[index] = true;
    } else {
        current.ended[index] = true;
    }
    if current.ended == [true, true] && current.done.is_some() {
        if let Some(finished) = guard.take() {
            if let Some(done) = finished.done {
                let _ = done.send(finished.lines);
            }
        }
    }
}

/// What Lambda reports about one invocation in its `REPORT` line.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// The request id.
    pub request_id: String,
    /// From the event's delivery to the answer.
    pub duration: Duration,
    /// The function's memory size, in MB.
    pub memory_mb: u32,
    /// The instance's peak memory, in MB, when known.
    pub max_memory_mb: Option<u64>,
    /// The instance's init, on its first invocation.
    pub init: Option<Duration>,
    /// `timeout` or `error` when the invocation did not end normally.
    pub status: Option<&'static str>,
}

/// `START RequestId: <id> Version: $LATEST`.
pub fn start_line(request_id: &str) -> String {
    format!("START RequestId: {request_id} Version: $LATEST")
}

/// The `END` and `REPORT` lines of an invocation, as Lambda writes them.
pub fn report(report: &Report) -> Vec<String> {
    let millis = report.duration.as_secs_f64() * 1000.0;
    // Lambda bills whole milliseconds, rounded up.
    let billed = report.duration.as_micros().div_ceil(1000).max(1);
    let mut line = format!(
        "REPORT RequestId: {}\tDuration: {millis:.2} ms\tBilled Duration: {billed} ms\tMemory Size: {} MB\t",
        report.request_id, report.memory_mb
    );
    if let Some(used) = report.max_memory_mb {
        line.push_str(&format!("Max Memory Used: {used} MB\t"));
    }
    if let Some(init) = report.init {
        line.push_str(&format!(
            "Init Duration: {:.2} ms\t",
            init.as_secs_f64() * 1000.0
        ));
    }
    if let Some(status) = report.status {
        line.push_str(&format!("Status: {status}"));
    }
    vec![format!("END RequestId: {}", report.request_id), line]
}

/// The last [`TAIL_BYTES`] of `lines` (each ended by a newline), cut at a
/// character boundary.
pub fn tail(lines: &[String]) -> String {
    let mut text = String::new();
    for line in lines {
        text.push_str(line);
        text.push('\n');
    }
    if text.len() <= TAIL_BYTES {
        return text;
    }
    let mut start = text.len() - TAIL_BYTES;
    while !text.is_char_boundary(start) {
        start += 1;
    }
    text[start..].to_owned()
}

/// The peak resident memory of process `pid` in MB (Linux's `VmHWM`), if known.
pub fn peak_memory_mb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kilobytes: u64 = line
        .trim_start_matches("VmHWM:")
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kilobytes.div_ceil(1024))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_capture_holds_what_was_written_between_its_markers() {
        let (output, mut ends) = InstanceOutput::open(Echo::Stderr).unwrap();
        // Written as the instance would write them.
        ends.stdout.write_all(b"before\n").unwrap();
        let token = output.begin();
        ends.stdout.write_all(b"one\n").unwrap();
        ends.stderr.write_all(b"two\n").unwrap();
        ends.stdout.write_all(b"three, without a newline").unwrap();
        let lines = output.end(token).await;
        ends.stdout.write_all(b"after\n").unwrap();
        let mut sorted = lines.clone();
        sorted.sort();
        assert_eq!(
            sorted,
            ["one", "three, without a newline", "two"],
            "{lines:?}"
        );
        // The next capture starts clean.
        let token = output.begin();
        ends.stderr.write_all(b"four\n").unwrap();
        assert_eq!(output.end(token).await, ["four"]);
        output.close();
    }

    #[test]
    fn the_report_has_lambdas_fields() {
        let lines = report(&Report {
            request_id: "abc".to_owned(),
            duration: Duration::from_micros(12_345),
            memory_mb: 128,
            max_memory_mb: Some(20),
            init: Some(Duration::from_millis(3)),
            status: None,
        });
        assert_eq!(lines[0], "END RequestId: abc");
        assert_eq!(
            lines[1],
            "REPORT RequestId: abc\tDuration: 12.35 ms\tBilled Duration: 13 ms\tMemory Size: 128 MB\tMax Memory Used: 20 MB\tInit Duration: 3.00 ms\t"
        );
        let timed_out = report(&Report {
            request_id: "abc".to_owned(),
            duration: Duration::from_secs(3),
            memory_mb: 128,
            max_memory_mb: None,
            init: None,
            status: Some("timeout"),
        });
        assert!(timed_out[1]
            .ends_with("Billed Duration: 3000 ms\tMemory Size: 128 MB\tStatus: timeout"));
    }

    #[test]
    fn the_tail_is_the_last_4_kb_on_a_character_boundary() {
        let short = vec!["a".to_owned(), "b".to_owned()];
        assert_eq!(tail(&short), "a\nb\n");
        let long: Vec<String> = (0..1000).map(|i| format!("line {i} é")).collect();
        let kept = tail(&long);
        assert!(kept.len() <= TAIL_BYTES && kept.len() > TAIL_BYTES - 4);
        assert!(kept.ends_with("line 999 é\n"));
    }
}

//! The local server's standard output for what it prints per request (the
//! access log, the instances' output): lines queued to one writer thread,
//! which writes them in order, many at once under load, and flushes as soon
//! as no line is waiting. A `println!` per request was a system call per
//! request, a measurable share of the server's time at full load.

use std::io::Write as _;
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::sync::OnceLock;

/// What the writer is asked to do.
enum Message {
    /// Print this line (without its newline).
    Line(String),
    /// Answer once every line queued before is written.
    Flush(SyncSender<()>),
}

/// Written once this much is queued, even if more is waiting.
const BATCH_BYTES: usize = 64 * 1024;

static WRITER: OnceLock<Option<Sender<Message>>> = OnceLock::new();

/// The writer's queue (started on first use); `None` if its thread could
/// not be started, and lines are then printed at once.
fn writer() -> Option<&'static Sender<Message>> {
    WRITER
        .get_or_init(|| {
            let (sender, receiver) = mpsc::channel();
            std::thread::Builder::new()
                .name("chalice-local-stdout".to_owned())
                .spawn(move || write_lines(&receiver))
                .ok()
                .map(|_| sender)
        })
        .as_ref()
}

/// Prints `line` on stdout, after every line printed before it here.
pub fn line(line: String) {
    match writer() {
        Some(sender) => {
            if let Err(mpsc::SendError(Message::Line(line))) = sender.send(Message::Line(line)) {
                println!("{line}");
            }
        }
        None => println!("{line}"),
    }
}

/// Waits until every line printed before is written (at exit).
pub fn flush() {
    let Some(sender) = writer() else {
        return;
    };
    let (done, written) = mpsc::sync_channel(1);
    if sender.send(Message::Flush(done)).is_ok() {
        let _ = written.recv();
    }
}

/// The writer thread: takes what is queued, writes it with one call, and
/// waits for more.
fn write_lines(receiver: &Receiver<Message>) {
    let mut batch = String::new();
    let mut flushed = Vec::new();
    while let Ok(first) = receiver.recv() {
        let mut next = Some(first);
        while let Some(message) = next {
            match message {
                Message::Line(line) => {
                    batch.push_str(&line);
                    batch.push('\n');
                }
                Message::Flush(done) => flushed.push(done),
            }
            next = if batch.len() < BATCH_BYTES {
                receiver.try_recv().ok()
            } else {
                None
            };
        }
        if !batch.is_empty() {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(batch.as_bytes());
            let _ = out.flush();
            batch.clear();
        }
        for done in flushed.drain(..) {
            let _ = done.send(());
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn flush_returns_once_the_lines_before_are_written() {
        for n in 0..100 {
            super::line(format!("line {n}"));
        }
        super::flush();
        super::flush();
    }
}

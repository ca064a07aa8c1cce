//! The local server's standard output for what it prints per request (the
//! access log, the instances' output): lines appended to one buffer that a
//! writer thread writes in order, all of it at once, at most a few
//! milliseconds after the first line waiting. A `println!` per request was a
//! system call per request, and waking a writer per line a futex call: both a
//! measurable share of the server's time at full load.

use std::io::Write as _;
use std::sync::{Condvar, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

/// How long the writer lets lines gather after the first one: the delay a
/// reader of the terminal may see, and what makes a write carry many lines
/// under load.
const GATHER: Duration = Duration::from_millis(2);

/// The lines waiting, and whether the writer holds lines not yet written.
#[derive(Default)]
struct Queue {
    text: String,
    /// Set while the writer holds lines it has taken but not written.
    writing: bool,
}

/// The queue and its two signals: lines arrived, a write completed.
#[derive(Default)]
struct Output {
    queue: Mutex<Queue>,
    arrived: Condvar,
    written: Condvar,
}

static OUTPUT: OnceLock<Option<&'static Output>> = OnceLock::new();

/// The output (its writer started on first use); `None` if the thread
/// could not be started, and lines are then printed at once.
fn output() -> Option<&'static Output> {
    *OUTPUT.get_or_init(|| {
        let output: &'static Output = Box::leak(Box::default());
        std::thread::Builder::new()
            .name("chalice-local-stdout".to_owned())
            .spawn(move || write_lines(output))
            .ok()
            .map(|_| output)
    })
}

fn lock(output: &Output) -> MutexGuard<'_, Queue> {
    output.queue.lock().unwrap_or_else(|e| e.into_inner())
}

/// Prints `line` on stdout, after every line printed before it here.
pub fn line(line: String) {
    let Some(output) = output() else {
        println!("{line}");
        return;
    };
    let first = {
        let mut queue = lock(output);
        let first = queue.text.is_empty();
        queue.text.push_str(&line);
        queue.text.push('\n');
        first
    };
    // Only the first line of a batch wakes the writer.
    if first {
        output.arrived.notify_one();
    }
}

/// Waits until every line printed before is written (at exit).
pub fn flush() {
    let Some(output) = output() else {
        return;
    };
    let mut queue = lock(output);
    while !queue.text.is_empty() || queue.writing {
        output.arrived.notify_one();
        queue = output
            .written
            .wait(queue)
            .unwrap_or_else(|e| e.into_inner());
    }
}

/// The writer thread: waits for a line, lets more gather, takes them all
/// and writes them with one call.
fn write_lines(output: &Output) {
    let mut batch = String::new();
    loop {
        {
            let mut queue = lock(output);
            while queue.text.is_empty() {
                queue = output
                    .arrived
                    .wait(queue)
                    .unwrap_or_else(|e| e.into_inner());
            }
            queue.writing = true;
        }
        std::thread::sleep(GATHER);
        {
            let mut queue = lock(output);
            std::mem::swap(&mut batch, &mut queue.text);
        }
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(batch.as_bytes());
        let _ = out.flush();
        drop(out);
        batch.clear();
        lock(output).writing = false;
        output.written.notify_all();
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

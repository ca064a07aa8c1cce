use chalice_rs_runtime::events::{ScheduledEvent, SqsEvent};
use chalice_rs_runtime::{on_sqs_message, schedule, ChaliceError};

// A batch handler returns `()` or a `BatchResponse`.
#[on_sqs_message(queue = "jobs")]
async fn work(_event: SqsEvent) -> Result<String, ChaliceError> {
    Ok(String::new())
}

// Every handler returns a `Result`.
#[schedule("rate(1 hour)")]
async fn hourly(_event: ScheduledEvent) {}

fn main() {}

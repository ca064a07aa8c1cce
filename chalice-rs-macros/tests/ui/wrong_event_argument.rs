use chalice_rs_runtime::events::{S3Event, ScheduledEvent, SqsEvent};
use chalice_rs_runtime::{
    lambda_function, on_s3_event, on_sns_message, on_sqs_message, schedule, ChaliceError, State,
};

#[derive(Clone)]
struct Db;

struct NotDeserialize;

#[on_sqs_message(queue = "jobs")]
async fn work(_event: ScheduledEvent) -> Result<(), ChaliceError> {
    Ok(())
}

#[schedule("rate(1 hour)")]
async fn hourly(State(_db): State<Db>) -> Result<(), ChaliceError> {
    Ok(())
}

#[on_sns_message(topic = "alerts")]
async fn alert(_event: SqsEvent) -> Result<(), ChaliceError> {
    Ok(())
}

#[on_s3_event(bucket = "uploads")]
async fn uploaded(_event: S3Event, _db: Db) -> Result<(), ChaliceError> {
    Ok(())
}

#[lambda_function]
async fn stats(_payload: NotDeserialize) -> Result<(), ChaliceError> {
    Ok(())
}

fn main() {}

use chalice_rs_runtime::events::SqsEvent;
use chalice_rs_runtime::{lambda_function, on_sqs_message, ChaliceError};

#[on_sqs_message(queue = "jobs", bach_size = 10)]
async fn work(_event: SqsEvent) -> Result<(), ChaliceError> {
    Ok(())
}

#[lambda_function(name = "stats", timeout = 30)]
async fn stats(_payload: serde_json::Value) -> Result<(), ChaliceError> {
    Ok(())
}

#[lambda_function(name = "bad name!")]
async fn renamed(_payload: serde_json::Value) -> Result<(), ChaliceError> {
    Ok(())
}

fn main() {}

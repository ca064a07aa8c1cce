use chalice_rs_runtime::events::{KinesisEvent, SqsEvent};
use chalice_rs_runtime::{on_kinesis_record, on_sqs_message, ChaliceError};

#[on_sqs_message(queue = "jobs", max_batching_window = 301)]
async fn slow(_event: SqsEvent) -> Result<(), ChaliceError> {
    Ok(())
}

#[on_sqs_message(queue = "orders.fifo", max_batching_window = 5)]
async fn fifo(_event: SqsEvent) -> Result<(), ChaliceError> {
    Ok(())
}

#[on_kinesis_record(stream = "clicks", max_batching_window = 600)]
async fn clicks(_event: KinesisEvent) -> Result<(), ChaliceError> {
    Ok(())
}

fn main() {}

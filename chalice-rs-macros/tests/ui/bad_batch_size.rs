use chalice_rs_runtime::events::{DynamoDbEvent, KinesisEvent, SqsEvent};
use chalice_rs_runtime::{on_dynamodb_record, on_kinesis_record, on_sqs_message, ChaliceError};

// Over 10 messages needs a batching window.
#[on_sqs_message(queue = "jobs", batch_size = 100)]
async fn big(_event: SqsEvent) -> Result<(), ChaliceError> {
    Ok(())
}

#[on_sqs_message(queue = "jobs", batch_size = 20000, max_batching_window = 5)]
async fn huge(_event: SqsEvent) -> Result<(), ChaliceError> {
    Ok(())
}

// A FIFO queue takes at most 10.
#[on_sqs_message(queue = "orders.fifo", batch_size = 50)]
async fn fifo(_event: SqsEvent) -> Result<(), ChaliceError> {
    Ok(())
}

#[on_dynamodb_record(stream = "Todos", batch_size = 0)]
async fn none(_event: DynamoDbEvent) -> Result<(), ChaliceError> {
    Ok(())
}

#[on_kinesis_record(stream = "clicks", batch_size = 10001)]
async fn too_many(_event: KinesisEvent) -> Result<(), ChaliceError> {
    Ok(())
}

fn main() {}

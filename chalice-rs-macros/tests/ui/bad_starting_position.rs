use chalice_rs_runtime::events::{DynamoDbEvent, KinesisEvent};
use chalice_rs_runtime::{on_dynamodb_record, on_kinesis_record, ChaliceError};

#[on_dynamodb_record(stream = "Todos", starting_position = "latest")]
async fn todos(_event: DynamoDbEvent) -> Result<(), ChaliceError> {
    Ok(())
}

#[on_kinesis_record(stream = "clicks", starting_position = "AT_TIMESTAMP")]
async fn clicks(_event: KinesisEvent) -> Result<(), ChaliceError> {
    Ok(())
}

fn main() {}

use chalice_rs_runtime::events::{
    DynamoDbEvent, EventBridgeEvent, KinesisEvent, S3Event, ScheduledEvent, SnsMessage, SqsEvent,
};
use chalice_rs_runtime::{
    on_dynamodb_record, on_event, on_kinesis_record, on_s3_event, on_sns_message, on_sqs_message,
    schedule, ChaliceError,
};

#[schedule(description = "when?")]
async fn nightly(_event: ScheduledEvent) -> Result<(), ChaliceError> {
    Ok(())
}

#[on_event(bus = "orders")]
async fn orders(_event: EventBridgeEvent) -> Result<(), ChaliceError> {
    Ok(())
}

#[on_sqs_message(batch_size = 5)]
async fn work(_event: SqsEvent) -> Result<(), ChaliceError> {
    Ok(())
}

#[on_sns_message]
async fn alert(_message: SnsMessage) -> Result<(), ChaliceError> {
    Ok(())
}

#[on_s3_event(suffix = ".csv")]
async fn uploaded(_event: S3Event) -> Result<(), ChaliceError> {
    Ok(())
}

#[on_dynamodb_record(batch_size = 10)]
async fn changed(_event: DynamoDbEvent) -> Result<(), ChaliceError> {
    Ok(())
}

#[on_kinesis_record(stream = "")]
async fn clicks(_event: KinesisEvent) -> Result<(), ChaliceError> {
    Ok(())
}

fn main() {}

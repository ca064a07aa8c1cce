use chalice_rs_runtime::events::S3Event;
use chalice_rs_runtime::{on_s3_event, ChaliceError};

#[on_s3_event(bucket = "uploads", events = ["s3:ObjectCreated:put", "s3:ObjectDeleted:*", "s3:ObjectRemoved:*"])]
async fn uploaded(_event: S3Event) -> Result<(), ChaliceError> {
    Ok(())
}

fn main() {}

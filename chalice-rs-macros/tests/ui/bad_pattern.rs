use chalice_rs_runtime::events::{EventBridgeEvent, SnsMessage};
use chalice_rs_runtime::{on_event, on_sns_message, ChaliceError};

// Not JSON.
#[on_event(pattern = "source = app.orders")]
async fn orders(_event: EventBridgeEvent) -> Result<(), ChaliceError> {
    Ok(())
}

// A value that is not a list.
#[on_event(pattern = r#"{"source": "app.orders"}"#)]
async fn placed(_event: EventBridgeEvent) -> Result<(), ChaliceError> {
    Ok(())
}

// Not an object.
#[on_sns_message(topic = "alerts", filter_policy = r#"["error"]"#)]
async fn alert(_message: SnsMessage) -> Result<(), ChaliceError> {
    Ok(())
}

fn main() {}

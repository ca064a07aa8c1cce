//! The least a Lambda function on lambda_runtime can do per request: take the
//! event and answer a constant proxy response.
//!
//! `FLOOR_EVENT=apigw` deserialises the event as
//! `aws_lambda_events::apigw::ApiGatewayProxyRequest` (what any API Gateway
//! function must read); otherwise the event is skipped unread
//! (`serde::de::IgnoredAny`).

use aws_lambda_events::apigw::ApiGatewayProxyRequest;
use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde::de::{DeserializeOwned, IgnoredAny};
use serde_json::{json, Value};

/// The constant proxy response.
fn answer() -> Value {
    json!({
        "statusCode": 200,
        "headers": {"content-type": "application/json"},
        "body": "{\"id\":1,\"name\":\"pen\",\"price\":120}"
    })
}

fn main() -> Result<(), Error> {
    let read_event = std::env::var("FLOOR_EVENT").is_ok_and(|v| v == "apigw");
    // One event at a time: a current-thread runtime, as chalice-rs apps use.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        if read_event {
            answer_each::<ApiGatewayProxyRequest>().await
        } else {
            answer_each::<IgnoredAny>().await
        }
    })
}

/// Serves events of type `E` until the Runtime API goes away, answering each with [`answer`].
async fn answer_each<E: DeserializeOwned + Send + 'static>() -> Result<(), Error> {
    lambda_runtime::run(service_fn(|_: LambdaEvent<E>| async {
        Ok::<_, Error>(answer())
    }))
    .await
}

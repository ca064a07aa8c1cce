//! Every function in-process, invoked with the sample events as Lambda would
//! invoke it. The upload handler's queue is an in-memory `WorkQueue`, so no
//! test calls AWS.

use super::*;
use chalice_rs_runtime::events::sample;
use chalice_rs_runtime::test::Client;
use std::sync::{Arc, Mutex};

/// A client whose functions send jobs to the returned list.
fn client() -> (Client, Arc<Mutex<Vec<String>>>) {
    let sent = Arc::new(Mutex::new(Vec::new()));
    let app = App::new().state(WorkQueue::Memory(sent.clone()));
    (Client::new(app), sent)
}

#[tokio::test]
async fn an_upload_queues_one_job_with_the_decoded_key() {
    let (client, sent) = client();
    let upload = sample::s3_put("uploads-1", "incoming/sales 2024+q1.csv", 2048);
    assert_eq!(client.invoke("on_upload", upload).await, Ok(json!(1)));
    let sent = sent.lock().unwrap().clone();
    let [body] = &sent[..] else {
        panic!("one job: {sent:?}");
    };
    let job: Job = serde_json::from_str(body).unwrap();
    assert_eq!(
        job,
        Job {
            bucket: "uploads-1".into(),
            key: "incoming/sales 2024+q1.csv".into(),
            size: 2048
        }
    );
}

#[tokio::test]
async fn an_empty_upload_queues_nothing() {
    let (client, sent) = client();
    let empty = sample::s3_put("uploads-1", "incoming/empty.csv", 0);
    assert_eq!(client.invoke("on_upload", empty).await, Ok(json!(0)));
    assert!(sent.lock().unwrap().is_empty());
}

#[tokio::test]
async fn the_worker_fails_only_the_messages_that_are_not_jobs() {
    let (client, _) = client();
    let job = json!({"bucket": "uploads-1", "key": "incoming/a.csv", "size": 3}).to_string();
    let batch = sample::sqs([job.as_str(), "not a job", job.as_str()]);
    let bad = batch["Records"][1]["messageId"].clone();
    assert_eq!(
        client.invoke("work", batch).await,
        Ok(json!({"batchItemFailures": [{"itemIdentifier": bad}]}))
    );
}

#[tokio::test]
async fn jobs_flow_from_the_upload_to_the_worker() {
    let (client, sent) = client();
    for key in ["incoming/a.csv", "incoming/b c.csv"] {
        let upload = sample::s3_put("uploads-1", key, 10);
        assert_eq!(client.invoke("on_upload", upload).await, Ok(json!(1)));
    }
    let queued = sent.lock().unwrap().clone();
    assert_eq!(
        client.invoke("work", sample::sqs(&queued)).await,
        Ok(json!({"batchItemFailures": []}))
    );
}

#[tokio::test]
async fn a_notification_is_logged_and_an_empty_one_is_an_error() {
    let (client, _) = client();
    assert_eq!(
        client
            .invoke("notify", sample::sns("Upload", "sales.csv processed"))
            .await,
        Ok(Value::Null)
    );
    let empty = sample::sns("Upload", " ");
    let id = empty["Records"][0]["Sns"]["MessageId"]
        .as_str()
        .unwrap()
        .to_owned();
    let error = client.invoke("notify", empty).await.unwrap_err();
    assert_eq!(error.error_type, "events::PipelineError");
    assert_eq!(
        error.error_message,
        format!("notification {id} has an empty message")
    );
}

#[tokio::test]
async fn the_nightly_report_names_its_day() {
    let (client, _) = client();
    assert_eq!(
        client.invoke("nightly", sample::schedule()).await,
        Ok(json!("nightly report for 2024-01-01"))
    );
}

#[tokio::test]
async fn stats_counts_rows_and_columns() {
    let (client, _) = client();
    assert_eq!(
        client
            .invoke("stats", json!({"csv": "region, total\neu,3\n\nus,4\n"}))
            .await,
        Ok(json!({"columns": ["region", "total"], "rows": 2}))
    );
    let error = client
        .invoke("stats", json!({"csv": ""}))
        .await
        .unwrap_err();
    assert_eq!(
        (error.error_type.as_str(), error.error_message.as_str()),
        (
            "events::PipelineError",
            "the CSV text is empty: it needs at least a header line"
        )
    );
    let error = client
        .invoke("stats", json!({"text": "a,b"}))
        .await
        .unwrap_err();
    assert_eq!(
        error.error_type,
        chalice_rs_runtime::function::INVALID_EVENT
    );
}

#[tokio::test]
async fn the_api_says_what_the_app_does() {
    let (client, _) = client();
    let response = client.get("/").send().await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.json()["functions"][1], "work");
}

#[tokio::test]
async fn without_a_queue_url_an_upload_fails_clearly() {
    let config = aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .build();
    let queue = WorkQueue::Sqs {
        client: aws_sdk_sqs::Client::new(&config),
        url: String::new(),
    };
    let client = Client::new(App::new().state(queue));
    let error = client
        .invoke("on_upload", sample::s3_put("b", "incoming/x.csv", 1))
        .await
        .unwrap_err();
    assert_eq!(
        error.error_message,
        "cannot queue s3://b/incoming/x.csv: WORK_QUEUE_URL is not set (.chalice/config.json sets it to the WorkQueue's URL)"
    );
}

#[test]
fn the_manifest_has_the_api_and_every_function() {
    use chalice_rs_runtime::manifest::EventSource;
    let manifest = chalice_rs_runtime::registry::manifest().unwrap();
    assert_eq!(manifest.routes.len(), 1);
    let names: Vec<&str> = manifest.functions.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["nightly", "notify", "on_upload", "stats", "work"]);
    assert_eq!(
        manifest.function("on_upload").unwrap().source,
        EventSource::S3 {
            bucket: "Uploads".into(),
            events: vec!["s3:ObjectCreated:*".into()],
            prefix: Some("incoming/".into()),
            suffix: Some(".csv".into())
        }
    );
}

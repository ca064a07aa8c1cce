//! examples/events: an upload pipeline of event functions beside a small API.
//!
//! - `on_upload` (`#[on_s3_event]`): a `.csv` file created under `incoming/`
//!   in the bucket `Uploads` becomes a job on the queue `WorkQueue`.
//! - `work` (`#[on_sqs_message]`): processes the jobs; a message that is not
//!   a job fails alone (a partial batch failure) and returns to the queue.
//! - `notify` (`#[on_sns_message]`): logs the messages of the topic
//!   `Notifications`; an empty message is an error.
//! - `nightly` (`#[schedule]`): the nightly report, at 03:00 UTC.
//! - `stats` (`#[lambda_function]`): the rows and columns of a CSV text,
//!   invoked by name.
//! - `GET /`: what the app does.
//!
//! The bucket, the queue and the topic are in `.chalice/resources.json`; the
//! queue's URL reaches the functions as `WORK_QUEUE_URL` (`.chalice/config.json`).
//! That URL exists only once the stack is deployed: under `cargo chalice
//! local`, set `WORK_QUEUE_URL` in the shell (a queue of a moto server, or of
//! the deployed stage), as `local` says when it is missing.

use aws_sdk_sqs::error::DisplayErrorContext;
use chalice_rs_runtime::events::{BatchResponse, S3Event, ScheduledEvent, SnsMessage, SqsEvent};
use chalice_rs_runtime::{
    lambda_function, on_s3_event, on_sns_message, on_sqs_message, route, schedule, App, Json, State,
};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// One uploaded file to process.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Job {
    /// The bucket.
    pub bucket: String,
    /// The object's key (decoded: as `GetObject` takes it).
    pub key: String,
    /// Its size in bytes.
    pub size: u64,
}

/// What can go wrong in the pipeline. Its `Display` is the `errorMessage`
/// Lambda reports; its type, `events::PipelineError`, the `errorType`.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    /// The queue refused a job.
    #[error("cannot queue s3://{bucket}/{key}: {reason}")]
    Queue {
        /// The job's bucket.
        bucket: String,
        /// The job's key.
        key: String,
        /// Why.
        reason: String,
    },
    /// A notification without a message.
    #[error("notification {0} has an empty message")]
    EmptyNotification(String),
    /// `stats` was given no CSV header.
    #[error("the CSV text is empty: it needs at least a header line")]
    EmptyCsv,
}

/// Where jobs go: the SQS queue at `url` (the state of every function).
#[derive(Clone)]
pub struct WorkQueue {
    /// The SQS client.
    pub client: aws_sdk_sqs::Client,
    /// The queue's URL (`WORK_QUEUE_URL`).
    pub url: String,
    /// In tests, the bodies sent, instead of SQS: the tests make no AWS call.
    #[cfg(test)]
    pub sent: Option<std::sync::Arc<std::sync::Mutex<Vec<String>>>>,
}

impl WorkQueue {
    /// Sends `job`.
    pub async fn send(&self, job: &Job) -> Result<(), PipelineError> {
        let body = json!(job).to_string();
        let failed = |reason: String| PipelineError::Queue {
            bucket: job.bucket.clone(),
            key: job.key.clone(),
            reason,
        };
        #[cfg(test)]
        if let Some(sent) = &self.sent {
            sent.lock().expect("the test queue").push(body);
            return Ok(());
        }
        if self.url.is_empty() {
            return Err(failed(
                "WORK_QUEUE_URL is not set (.chalice/config.json sets it to the WorkQueue's URL)"
                    .to_owned(),
            ));
        }
        self.client
            .send_message()
            .queue_url(&self.url)
            .message_body(body)
            .send()
            .await
            .map_err(|error| failed(DisplayErrorContext(error).to_string()))?;
        Ok(())
    }
}

/// The jobs of an upload: one per created, non-empty object.
pub fn jobs_for(event: &S3Event) -> Vec<Job> {
    event
        .records
        .iter()
        .filter(|record| record.is_created() && record.size > 0)
        .map(|record| Job {
            bucket: record.bucket.clone(),
            key: record.key.clone(),
            size: record.size,
        })
        .collect()
}

#[on_s3_event(bucket = "Uploads", prefix = "incoming/", suffix = ".csv")]
async fn on_upload(event: S3Event, State(queue): State<WorkQueue>) -> Result<usize, PipelineError> {
    let jobs = jobs_for(&event);
    for job in &jobs {
        queue.send(job).await?;
    }
    Ok(jobs.len())
}

#[on_sqs_message(queue = "WorkQueue", batch_size = 10)]
async fn work(event: SqsEvent) -> Result<BatchResponse, PipelineError> {
    let mut failed = BatchResponse::new();
    for message in &event.messages {
        match message.body_json::<Job>() {
            Ok(job) => println!(
                "processing s3://{}/{} ({} bytes)",
                job.bucket, job.key, job.size
            ),
            Err(error) => {
                eprintln!("message {} is not a job: {error}", message.message_id);
                failed.fail(&message.message_id);
            }
        }
    }
    Ok(failed)
}

#[on_sns_message(topic = "Notifications")]
async fn notify(message: SnsMessage) -> Result<(), PipelineError> {
    if message.message.trim().is_empty() {
        return Err(PipelineError::EmptyNotification(message.message_id));
    }
    let subject = message.subject.as_deref().unwrap_or("(no subject)");
    println!("notification {subject}: {}", message.message);
    Ok(())
}

#[schedule("cron(0 3 * * ? *)", description = "the nightly report")]
async fn nightly(event: ScheduledEvent) -> Result<String, PipelineError> {
    let day = event.time.get(..10).unwrap_or(&event.time);
    let report = format!("nightly report for {day}");
    println!("{report}");
    Ok(report)
}

/// The payload of `stats`.
#[derive(Debug, Deserialize)]
pub struct StatsRequest {
    /// CSV text, header first.
    pub csv: String,
}

/// What `stats` returns.
#[derive(Debug, Serialize)]
pub struct Stats {
    /// The header's column names.
    pub columns: Vec<String>,
    /// The data rows (non-blank lines after the header).
    pub rows: usize,
}

#[lambda_function]
async fn stats(request: StatsRequest) -> Result<Stats, PipelineError> {
    let mut lines = request.csv.lines().filter(|line| !line.trim().is_empty());
    let header = lines.next().ok_or(PipelineError::EmptyCsv)?;
    Ok(Stats {
        columns: header.split(',').map(|c| c.trim().to_owned()).collect(),
        rows: lines.count(),
    })
}

#[route("/", methods = [GET])]
async fn index() -> Json<Value> {
    Json(json!({
        "app": "events",
        "pipeline": [
            "upload a .csv under incoming/ to the Uploads bucket",
            "on_upload queues a job on WorkQueue",
            "work processes the jobs",
        ],
        "functions": ["on_upload", "work", "notify", "nightly", "stats"],
    }))
}

/// The app: the SQS client configured from the environment, and the queue
/// from `WORK_QUEUE_URL`.
pub async fn app() -> App {
    let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let url = std::env::var("WORK_QUEUE_URL").unwrap_or_default();
    App::new().state(WorkQueue {
        client: aws_sdk_sqs::Client::new(&config),
        url,
        #[cfg(test)]
        sent: None,
    })
}

#[cfg(test)]
mod tests;

fn main() -> std::process::ExitCode {
    chalice_rs_runtime::run(app)
}

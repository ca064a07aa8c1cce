//! `cargo chalice invoke NAME`: invokes one function of the app with an
//! event and prints its result (JSON) on standard output and its log on
//! standard error; a function error exits non-zero with its `errorType` and
//! `errorMessage`.
//!
//! With `--local` the function runs on this machine ([`local`]): the host
//! build, under the same Runtime API emulator and pool as `cargo chalice
//! local`, with its stage environment and timeout. Without it, the deployed
//! function is invoked ([`remote`]: Lambda's `Invoke`, with the log's tail).
//!
//! The event is a JSON file (`--event FILE`, `-` for standard input), a
//! realistic example (`--example KIND`, from the runtime's
//! [`chalice_rs_runtime::events::sample::example`]), or `{}`.

pub mod local;
pub mod remote;

use crate::app::function::Trigger;
use crate::deploy::commands::AwsArgs;
use chalice_rs_runtime::events::sample::{self, UnknownKind};
use chalice_rs_runtime::manifest::EventSource;
use clap::Args;
use std::io::Read as _;
use std::path::PathBuf;

/// `cargo chalice invoke` options.
#[derive(Debug, Clone, Args)]
pub struct InvokeArgs {
    /// The function: its name (`api`, an authorizer's or an event function's name, its key in `lambda_functions`) or its Lambda name.
    pub name: String,
    /// The event: a JSON file, or `-` for standard input (default: `{}`).
    #[arg(long, conflicts_with = "example")]
    pub event: Option<PathBuf>,
    /// A realistic example event of this kind: schedule, event, sqs, sns, s3, dynamodb, kinesis.
    #[arg(long)]
    pub example: Option<String>,
    /// Run the function on this machine (built for the host, under the local Lambda emulator) instead of the deployed one.
    #[arg(long)]
    pub local: bool,
    /// The stage of .chalice/config.json.
    #[arg(long, default_value = "dev")]
    pub stage: String,
    /// AWS access (without --local).
    #[command(flatten)]
    pub aws: AwsArgs,
}

/// Why a function could not be invoked, or failed.
#[derive(Debug, thiserror::Error)]
pub enum InvokeError {
    /// The project cannot be found.
    #[error(transparent)]
    Project(#[from] crate::project::ProjectError),
    /// `.chalice/config.json` is invalid.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// The host build failed.
    #[error(transparent)]
    Build(#[from] crate::build::BuildError),
    /// The app cannot be resolved (`package` refuses it too).
    #[error(transparent)]
    App(#[from] crate::app::AppError),
    /// An environment variable cannot be resolved on this machine.
    #[error(transparent)]
    Environment(#[from] crate::app::resources::ResourcesError),
    /// The deployed stage cannot be read.
    #[error(transparent)]
    Deploy(#[from] crate::deploy::DeployError),
    /// AWS cannot be reached or refused the call.
    #[error(transparent)]
    Aws(#[from] crate::aws::AwsError),
    /// `NAME` names no function.
    #[error("no function `{name}` in stage `{stage}`{suggestion}; its functions are: {known}")]
    UnknownFunction {
        /// The name asked for.
        name: String,
        /// The stage.
        stage: String,
        /// ` (did you mean `x`?)` or nothing.
        suggestion: String,
        /// The functions, comma-separated.
        known: String,
    },
    /// `--event` cannot be read or is not JSON.
    #[error("--event {path}: {message}")]
    Event {
        /// The file (`-` for standard input).
        path: String,
        /// What is wrong.
        message: String,
    },
    /// `--example` names no kind.
    #[error("--example: {0}")]
    Example(#[from] UnknownKind),
    /// The function ran and failed.
    #[error("the function `{function}` failed: {error_type}: {error_message}")]
    FunctionFailed {
        /// The function's name.
        function: String,
        /// The error document's `errorType`.
        error_type: String,
        /// The error document's `errorMessage`.
        error_message: String,
    },
    /// The async runtime could not start.
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
}

/// Runs `cargo chalice invoke`.
pub fn run(project_dir: &std::path::Path, args: &InvokeArgs) -> Result<(), InvokeError> {
    let payload = payload(args)?;
    if args.local {
        local::run(project_dir, args, payload)
    } else {
        remote::run(project_dir, args, payload)
    }
}

/// The event: the `--event` file or standard input, the `--example`, or `{}`.
pub fn payload(args: &InvokeArgs) -> Result<Vec<u8>, InvokeError> {
    if let Some(kind) = &args.example {
        let event = sample::example(kind)?;
        return Ok(event.to_string().into_bytes());
    }
    let Some(path) = &args.event else {
        return Ok(b"{}".to_vec());
    };
    let shown = path.display().to_string();
    let error = |message: String| InvokeError::Event {
        path: shown.clone(),
        message,
    };
    let bytes = if path.as_os_str() == "-" {
        let mut bytes = Vec::new();
        std::io::stdin()
            .read_to_end(&mut bytes)
            .map_err(|e| error(format!("cannot read standard input: {e}")))?;
        bytes
    } else {
        std::fs::read(path).map_err(|e| error(format!("cannot read it: {e}")))?
    };
    check_json(&bytes).map_err(error)?;
    Ok(bytes)
}

/// `Ok` when `bytes` is one JSON document; else where it is not.
pub fn check_json(bytes: &[u8]) -> Result<(), String> {
    serde_json::from_slice::<serde::de::IgnoredAny>(bytes)
        .map(|_| ())
        .map_err(|e| format!("not JSON: {e}"))
}

/// The `--example` kind that fits an event source (`None`: any payload).
pub fn kind_of(source: &EventSource) -> Option<&'static str> {
    match source {
        EventSource::Schedule { .. } => Some("schedule"),
        EventSource::EventBridge { .. } => Some("event"),
        EventSource::Sqs { .. } => Some("sqs"),
        EventSource::Sns { .. } => Some("sns"),
        EventSource::S3 { .. } => Some("s3"),
        EventSource::DynamodbStream { .. } => Some("dynamodb"),
        EventSource::Kinesis { .. } => Some("kinesis"),
        EventSource::Invoke => None,
    }
}

/// A warning when the `--example` kind is not what the function receives.
pub fn example_mismatch(kind: &str, function: &str, trigger: &Trigger) -> Option<String> {
    let expected = match trigger {
        Trigger::Event(source) => kind_of(source)?,
        Trigger::RestApi => "an API Gateway proxy event",
        Trigger::Authorizer { .. } => "an API Gateway authorizer event",
        Trigger::Websocket { .. } => "an API Gateway WebSocket event",
    };
    if kind == expected {
        return None;
    }
    let attribute = match trigger {
        Trigger::Event(source) => source.attribute().to_owned(),
        Trigger::RestApi => "the REST API".to_owned(),
        Trigger::Authorizer { name } => format!("the authorizer {name}"),
        Trigger::Websocket { route_key } => format!("the WebSocket route {route_key}"),
    };
    let wanted = if expected.contains(' ') {
        expected.to_owned()
    } else {
        format!("`--example {expected}`")
    };
    Some(format!(
        "`{function}` is invoked by {attribute}; a `{kind}` event may not be what it reads (its own kind: {wanted})"
    ))
}

/// The error of an unknown function: the known ones, and the nearest.
pub fn unknown_function(name: &str, stage: &str, known: &[String]) -> InvokeError {
    let suggestion = crate::suggest::closest(name, known.iter().map(String::as_str))
        .map(|closest| format!(" (did you mean `{closest}`?)"))
        .unwrap_or_default();
    InvokeError::UnknownFunction {
        name: name.to_owned(),
        stage: stage.to_owned(),
        suggestion,
        known: known.join(", "),
    }
}

/// Prints a result: the payload on standard output; a failure also as an
/// error (so the exit code is not zero).
pub fn finish(
    function: &str,
    payload: &[u8],
    error: Option<(String, String)>,
) -> Result<(), InvokeError> {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(payload);
    if !payload.ends_with(b"\n") {
        let _ = out.write_all(b"\n");
    }
    let _ = out.flush();
    match error {
        Some((error_type, error_message)) => Err(InvokeError::FunctionFailed {
            function: function.to_owned(),
            error_type,
            error_message,
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_example_of_another_kind_is_named() {
        let sqs = Trigger::Event(EventSource::Sqs {
            queue: "q".to_owned(),
            batch_size: 10,
            max_batching_window: None,
        });
        assert_eq!(example_mismatch("sqs", "work", &sqs), None);
        let warning = example_mismatch("s3", "work", &sqs).unwrap();
        assert!(
            warning.contains("`work` is invoked by #[on_sqs_message]")
                && warning.contains("`--example sqs`"),
            "{warning}"
        );
        assert_eq!(
            example_mismatch("s3", "plain", &Trigger::Event(EventSource::Invoke)),
            None
        );
        let api = example_mismatch("sqs", "api", &Trigger::RestApi).unwrap();
        assert!(api.contains("an API Gateway proxy event"), "{api}");
    }

    #[test]
    fn unknown_functions_list_the_known_ones_with_the_nearest() {
        let known = vec!["api".to_owned(), "nightly".to_owned(), "worker".to_owned()];
        let message = unknown_function("wroker", "dev", &known).to_string();
        assert_eq!(
            message,
            "no function `wroker` in stage `dev` (did you mean `worker`?); its functions are: api, nightly, worker"
        );
        let message = unknown_function("zzz", "prod", &known).to_string();
        assert_eq!(
            message,
            "no function `zzz` in stage `prod`; its functions are: api, nightly, worker"
        );
    }

    #[test]
    fn every_source_has_an_example_kind() {
        for kind in sample::EXAMPLE_KINDS {
            assert!(sample::example(kind).is_ok(), "{kind}");
        }
        let sources = [
            EventSource::Schedule {
                expression: "rate(1 minute)".to_owned(),
                description: None,
            },
            EventSource::EventBridge {
                pattern: "{}".to_owned(),
                bus: None,
            },
            EventSource::Sns {
                topic: "t".to_owned(),
                filter_policy: None,
            },
        ];
        for source in sources {
            let kind = kind_of(&source).unwrap();
            assert!(sample::EXAMPLE_KINDS.contains(&kind), "{kind}");
        }
        assert!(check_json(b"{\"a\": 1}").is_ok());
        assert!(check_json(b"{\"a\": ")
            .unwrap_err()
            .starts_with("not JSON: EOF"));
    }
}

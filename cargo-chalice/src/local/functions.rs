//! Every function of the app, invoked directly (the Invoke API, a schedule,
//! `cargo chalice invoke --local`): each with its own pool of instances,
//! started on the first invocation, with its stage environment, memory and
//! timeout, and what Lambda answers when an invocation fails.

use super::logs::Echo;
use super::pool::{FunctionSpec, Invoked, Outcome, Pool};
use crate::app::environment::local_environment;
use crate::app::function::{Function, Trigger};
use crate::app::resources::ResourcesError;
use crate::app::App;
use bytes::Bytes;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// The account id of local ARNs and events (as API Gateway's local events).
pub const LOCAL_ACCOUNT: &str = "123456789012";

/// The region local functions run in: `AWS_REGION`, `AWS_DEFAULT_REGION`,
/// else `us-east-1`.
pub fn local_region() -> String {
    std::env::var("AWS_REGION")
        .or_else(|_| std::env::var("AWS_DEFAULT_REGION"))
        .ok()
        .filter(|region| !region.is_empty())
        .unwrap_or_else(|| "us-east-1".to_owned())
}

/// The ARN of the Lambda function `function_name` here.
pub fn function_arn(region: &str, function_name: &str) -> String {
    format!("arn:aws:lambda:{region}:{LOCAL_ACCOUNT}:function:{function_name}")
}

/// How to start `function` of the app: its settings, the Lambda
/// environment with its name, and its own environment resolved locally.
pub fn function_spec(
    app: &App,
    function: &Function,
    binary: &Path,
    region: &str,
    echo: Echo,
) -> Result<FunctionSpec, ResourcesError> {
    let settings = &function.settings;
    let function_name = &function.function_name;
    let mut env = BTreeMap::new();
    for (key, value) in [
        ("AWS_LAMBDA_FUNCTION_NAME", function_name.clone()),
        ("_HANDLER", function.handler.clone()),
        (
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
            settings.lambda_memory_size.to_string(),
        ),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".to_owned()),
        ("AWS_LAMBDA_LOG_GROUP_NAME", function.log_group_name()),
        ("AWS_REGION", region.to_owned()),
        ("AWS_DEFAULT_REGION", region.to_owned()),
        ("AWS_EXECUTION_ENV", "AWS_Lambda_provided.al2023".to_owned()),
        ("TZ", ":UTC".to_owned()),
    ] {
        env.insert(key.to_owned(), value);
    }
    // As Lambda sets them for the function's `LoggingConfig`.
    for (key, value) in function.logs.environment() {
        env.insert(key.to_owned(), value);
    }
    env.extend(local_environment(app, function, &|name| {
        std::env::var(name).ok()
    })?);
    Ok(FunctionSpec {
        binary: binary.to_owned(),
        env,
        timeout: Duration::from_secs(u64::from(settings.lambda_timeout)),
        function_arn: function_arn(region, function_name),
        memory_mb: settings.lambda_memory_size,
        echo,
    })
}

/// One function, invoked directly.
#[derive(Debug)]
pub struct Direct {
    /// Its key in `lambda_functions` (`api`, an authorizer's or a function's name).
    pub key: String,
    /// Its Lambda name (`<app>-<stage>-<name>`).
    pub function_name: String,
    /// What invokes it on AWS.
    pub trigger: Trigger,
    /// Its instances (started on the first invocation).
    pub pool: Arc<Pool>,
}

/// Every function of one build of the app, in the app's order (`api`
/// first, then the authorizers, then the event functions).
#[derive(Debug, Default)]
pub struct Functions {
    functions: Vec<Direct>,
}

/// A `FunctionName` that names no function of the app (Lambda's
/// `ResourceNotFoundException`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotFound {
    /// The ARN Lambda names in its message.
    pub arn: String,
}

impl Functions {
    /// A pool of at most `max_instances` for each function of `app`.
    pub fn new(
        app: &App,
        binary: &Path,
        region: &str,
        max_instances: usize,
        echo: Echo,
    ) -> Result<Self, ResourcesError> {
        let mut functions = Vec::new();
        for function in &app.functions {
            let spec = function_spec(app, function, binary, region, echo)?;
            functions.push(Direct {
                key: function.name.clone(),
                function_name: function.function_name.clone(),
                trigger: function.trigger.clone(),
                pool: Pool::new(spec, max_instances),
            });
        }
        Ok(Self { functions })
    }

    /// The functions, in the app's order.
    pub fn iter(&self) -> impl Iterator<Item = &Direct> {
        self.functions.iter()
    }

    /// The function with this `lambda_functions` key.
    pub fn get(&self, key: &str) -> Option<&Direct> {
        self.functions.iter().find(|f| f.key == key)
    }

    /// The function a Lambda `FunctionName` designates: its key, its Lambda
    /// name, its ARN or partial ARN (`123456789012:function:<name>`), with
    /// no qualifier or `$LATEST` (in the name or as `qualifier`).
    pub fn find(
        &self,
        function_name: &str,
        qualifier: Option<&str>,
        region: &str,
    ) -> Result<&Direct, NotFound> {
        let (name, in_name) = split_function_name(function_name);
        let qualifier = qualifier.filter(|q| !q.is_empty()).or(in_name);
        let arn = |name: &str| match qualifier {
            Some(qualifier) => format!("{}:{qualifier}", function_arn(region, name)),
            None => function_arn(region, name),
        };
        if qualifier.is_some_and(|qualifier| qualifier != "$LATEST") {
            return Err(NotFound { arn: arn(name) });
        }
        self.get(name)
            .or_else(|| self.functions.iter().find(|f| f.function_name == name))
            .ok_or_else(|| NotFound { arn: arn(name) })
    }

    /// Stops every instance once its invocation finishes.
    pub async fn retire(&self) {
        for function in &self.functions {
            function.pool.retire().await;
        }
    }

    /// Stops every instance now.
    pub async fn shutdown(&self) {
        for function in &self.functions {
            function.pool.shutdown().await;
        }
    }
}

/// The name and the qualifier in a `FunctionName`: `name`, `name:qualifier`,
/// `123456789012:function:name[:qualifier]`,
/// `arn:aws:lambda:<region>:123456789012:function:name[:qualifier]`.
pub fn split_function_name(text: &str) -> (&str, Option<&str>) {
    let after_function = match text.find(":function:") {
        Some(at) => &text[at + ":function:".len()..],
        None => text,
    };
    match after_function.split_once(':') {
        Some((name, qualifier)) => (name, Some(qualifier)),
        None => (after_function, None),
    }
}

/// An invocation's result as Lambda returns it: the payload, and whether it
/// is an error document (`X-Amz-Function-Error: Unhandled`).
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionResult {
    /// The function's answer, or the error document.
    pub payload: Bytes,
    /// Whether the invocation failed.
    pub error: bool,
}

impl FunctionResult {
    /// The result of `invoked`, with Lambda's error documents for the
    /// failures a function cannot report itself (timeout, crash, init, size).
    pub fn of(invoked: &Invoked, request_id: &str, timeout: Duration) -> Self {
        let failure = |error_type: &str, message: String| Self {
            payload: Bytes::from(
                json!({"errorType": error_type, "errorMessage": message}).to_string(),
            ),
            error: true,
        };
        match &invoked.outcome {
            Outcome::Response(payload) => Self {
                payload: payload.clone(),
                error: false,
            },
            Outcome::FunctionError(document) => Self {
                payload: document.clone(),
                error: true,
            },
            Outcome::ResponseTooLarge => failure(
                "Function.ResponseSizeTooLarge",
                format!(
                    "Response payload size exceeded maximum allowed payload size ({} bytes).",
                    super::runtime_api::MAX_RESPONSE_BYTES
                ),
            ),
            Outcome::TimedOut => failure(
                "Sandbox.Timedout",
                format!(
                    "RequestId: {request_id} Error: Task timed out after {:.2} seconds",
                    timeout.as_secs_f64()
                ),
            ),
            Outcome::Crashed(status) => failure(
                "Runtime.ExitError",
                format!("RequestId: {request_id} Error: Runtime exited with error: {status}"),
            ),
            Outcome::StartFailed(message) => failure(
                "Runtime.InitError",
                format!("RequestId: {request_id} Error: {message}"),
            ),
        }
    }

    /// `errorType` and `errorMessage` of an error document (what a message
    /// shows), or `None` for a success.
    pub fn error_summary(&self) -> Option<(String, String)> {
        if !self.error {
            return None;
        }
        let document: Value = serde_json::from_slice(&self.payload).unwrap_or(Value::Null);
        let field = |name: &str| {
            document
                .get(name)
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        Some((
            field("errorType").unwrap_or_else(|| "Unhandled".to_owned()),
            field("errorMessage")
                .unwrap_or_else(|| String::from_utf8_lossy(&self.payload).into_owned()),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_names_split_into_name_and_qualifier() {
        assert_eq!(split_function_name("work"), ("work", None));
        assert_eq!(
            split_function_name("work:$LATEST"),
            ("work", Some("$LATEST"))
        );
        assert_eq!(
            split_function_name("123456789012:function:shop-dev-work"),
            ("shop-dev-work", None)
        );
        assert_eq!(
            split_function_name(
                "arn:aws:lambda:eu-west-1:123456789012:function:shop-dev-work:prod"
            ),
            ("shop-dev-work", Some("prod"))
        );
    }

    fn direct(key: &str, function_name: &str) -> Direct {
        let spec = FunctionSpec {
            binary: "bootstrap".into(),
            env: BTreeMap::new(),
            timeout: Duration::from_secs(3),
            function_arn: function_arn("us-east-1", function_name),
            memory_mb: 128,
            echo: Echo::Split,
        };
        Direct {
            key: key.to_owned(),
            function_name: function_name.to_owned(),
            trigger: Trigger::Event(chalice_rs_runtime::manifest::EventSource::Invoke),
            pool: Pool::new(spec, 1),
        }
    }

    #[test]
    fn a_function_is_found_by_key_name_or_arn_at_latest_only() {
        let functions = Functions {
            functions: vec![direct("api", "shop-dev"), direct("work", "shop-dev-work")],
        };
        let found = |name: &str, qualifier: Option<&str>| {
            functions
                .find(name, qualifier, "eu-west-1")
                .map(|f| f.key.clone())
        };
        assert_eq!(found("work", None), Ok("work".to_owned()));
        assert_eq!(found("shop-dev-work", None), Ok("work".to_owned()));
        assert_eq!(found("shop-dev", None), Ok("api".to_owned()));
        assert_eq!(
            found(
                "arn:aws:lambda:eu-west-1:123456789012:function:shop-dev-work",
                None
            ),
            Ok("work".to_owned())
        );
        assert_eq!(found("work:$LATEST", None), Ok("work".to_owned()));
        assert_eq!(found("work", Some("$LATEST")), Ok("work".to_owned()));
        assert_eq!(
            found("work", Some("3")),
            Err(NotFound {
                arn: "arn:aws:lambda:eu-west-1:123456789012:function:work:3".to_owned()
            })
        );
        assert_eq!(
            found("nope", None),
            Err(NotFound {
                arn: "arn:aws:lambda:eu-west-1:123456789012:function:nope".to_owned()
            })
        );
    }

    #[test]
    fn results_carry_lambdas_error_documents() {
        let invoked = |outcome| Invoked {
            outcome,
            cold: false,
            log: None,
            duration: Duration::ZERO,
            instance: 0,
        };
        let timeout = Duration::from_secs(3);
        let ok = FunctionResult::of(&invoked(Outcome::Response(Bytes::from("1"))), "r", timeout);
        assert_eq!((ok.payload.as_ref(), ok.error), (&b"1"[..], false));
        assert_eq!(ok.error_summary(), None);
        let timed_out = FunctionResult::of(&invoked(Outcome::TimedOut), "r-1", timeout);
        assert!(timed_out.error);
        assert_eq!(
            timed_out.error_summary(),
            Some((
                "Sandbox.Timedout".to_owned(),
                "RequestId: r-1 Error: Task timed out after 3.00 seconds".to_owned()
            ))
        );
        let reported = FunctionResult::of(
            &invoked(Outcome::FunctionError(Bytes::from(
                r#"{"errorType":"&alloc::string::String","errorMessage":"no such item"}"#,
            ))),
            "r",
            timeout,
        );
        assert_eq!(
            reported.error_summary(),
            Some((
                "&alloc::string::String".to_owned(),
                "no such item".to_owned()
            ))
        );
        let crashed = FunctionResult::of(
            &invoked(Outcome::Crashed("exit status: 101".to_owned())),
            "r",
            timeout,
        );
        assert_eq!(crashed.error_summary().unwrap().0, "Runtime.ExitError");
    }
}

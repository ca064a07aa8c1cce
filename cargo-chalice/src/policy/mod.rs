//! The functions' IAM policy, generated from the app's code (`autogen_policy`).
//!
//! The app's sources are read with `syn`, following the module tree from
//! `src/main.rs`, `src/lib.rs` and `src/bin/*.rs` (`#[cfg(test)]` modules and
//! items and `#[test]` functions are skipped: test code does not run on
//! Lambda). Every method call on a value that is an AWS SDK client
//! (`aws_sdk_<service>::Client`) is an SDK call; its IAM action comes from
//! the service's prefix and the operation's name (`put_item` →
//! `dynamodb:PutItem`), with tables for the services and operations whose IAM
//! names differ. A call that cannot be mapped is listed, never granted.
//!
//! The parts: `actions` (SDK operations to IAM actions), `scan` (the crate's
//! module tree, test code left out), `declarations` and `calls` (the two
//! passes of the call finder, and its heuristic), `document` (the policy
//! document and its text). This module: the errors, the calls found, and
//! the policy of a function.

mod actions;
mod calls;
mod declarations;
mod document;
mod scan;

pub use actions::{actions_for, pascal_case};
pub use document::{generate, read_policy_file, render};
pub use scan::{find_calls, scan_project};

use crate::config::FunctionConfig;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Why the policy cannot be produced.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// A source file or the policy file cannot be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A source file does not parse as Rust.
    #[error("{path}:{line}:{column}: cannot parse: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// Line (1-based).
        line: usize,
        /// Column (1-based).
        column: usize,
        /// The parser's message.
        message: String,
    },
    /// The project has no `src/main.rs`, `src/lib.rs` or `src/bin/*.rs`.
    #[error("{dir}: no src/main.rs, src/lib.rs or src/bin/*.rs to read")]
    NoSources {
        /// The project directory.
        dir: PathBuf,
    },
    /// The project or its `.chalice/config.json` cannot be used.
    #[error(transparent)]
    Project(#[from] crate::project::ProjectError),
    /// The stage's configuration is invalid.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// The `iam_policy_file` is not a policy document.
    #[error("iam_policy_file {path}: {message}")]
    PolicyFile {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

/// One SDK call found in the code.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SdkCall {
    /// The SDK crate, e.g. `aws_sdk_dynamodb`; empty for a call that looks
    /// like an SDK request (`x.op(..)...send()` in a file using an SDK crate)
    /// on a value whose type the heuristic cannot tell: never granted.
    pub service_crate: String,
    /// The client method, e.g. `put_item` (for an unidentified client: the
    /// call chain, e.g. `clients[0].put_item(..).send()`).
    pub method: String,
    /// The source file.
    pub file: PathBuf,
    /// Line of the call (1-based).
    pub line: usize,
}

impl std::fmt::Display for SdkCall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.service_crate.is_empty() {
            return write!(
                f,
                "{}:{}: `{}` looks like an AWS SDK call on a client the heuristic cannot identify",
                self.file.display(),
                self.line,
                self.method
            );
        }
        write!(
            f,
            "{}:{}: {}::Client::{}",
            self.file.display(),
            self.line,
            self.service_crate,
            self.method
        )
    }
}

/// Where the policy came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicySource {
    /// Generated from the code.
    Generated,
    /// The function's `iam_policy_file` (its full path).
    File(PathBuf),
    /// `autogen_policy` is false and no `iam_policy_file` is set.
    Disabled,
}

/// The policy of a function and how it was made.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyOutcome {
    /// Where it came from.
    pub source: PolicySource,
    /// The policy document; `None` when there is nothing to grant (no SDK
    /// call, or generation disabled without a file).
    pub document: Option<Value>,
    /// Every SDK call found (empty when the policy comes from a file).
    pub calls: Vec<SdkCall>,
    /// Calls whose IAM action is not known: not granted.
    pub unmapped: Vec<SdkCall>,
}

/// The policy of function `function` of the project in `project_dir`:
/// `iam_policy_file` (relative to `.chalice/`) when set, else generated from
/// the code when `autogen_policy` is true.
pub fn policy_for(
    project_dir: &Path,
    function: &FunctionConfig,
) -> Result<PolicyOutcome, PolicyError> {
    if let Some(file) = &function.iam_policy_file {
        let path = project_dir.join(".chalice").join(file);
        let document = read_policy_file(&path)?;
        return Ok(PolicyOutcome {
            source: PolicySource::File(path),
            document: Some(document),
            calls: Vec::new(),
            unmapped: Vec::new(),
        });
    }
    if !function.autogen_policy {
        return Ok(PolicyOutcome {
            source: PolicySource::Disabled,
            document: None,
            calls: Vec::new(),
            unmapped: Vec::new(),
        });
    }
    let calls = scan_project(project_dir)?;
    let (document, unmapped) = generate(&calls);
    Ok(PolicyOutcome {
        source: PolicySource::Generated,
        document,
        calls,
        unmapped,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    pub(super) fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("temp dir");
        for (path, text) in files {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(path, text).expect("write");
        }
        dir
    }

    pub(super) fn function(autogen: bool, file: Option<&str>) -> FunctionConfig {
        FunctionConfig {
            environment_variables: Default::default(),
            lambda_memory_size: 128,
            lambda_timeout: 60,
            autogen_policy: autogen,
            iam_policy_file: file.map(str::to_owned),
            iam_role_arn: None,
            manage_iam_role: true,
            tags: Default::default(),
            reserved_concurrency: None,
            layers: Vec::new(),
            xray: false,
            subnet_ids: Vec::new(),
            security_group_ids: Vec::new(),
            log_retention_in_days: 14,
            lambda_versions: false,
            traffic_shifting: None,
            log_format: None,
            log_level: None,
        }
    }

    #[test]
    fn policy_file_replaces_and_disabled_gives_none() {
        let dir = project(&[
            (
                "src/main.rs",
                "fn f(c: aws_sdk_sqs::Client) { c.send_message(); }\nfn main() {}\n",
            ),
            (
                ".chalice/policy.json",
                r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "arn:aws:sqs:*:*:q"}]}"#,
            ),
            (".chalice/empty.json", r#"{"Version": "2012-10-17"}"#),
        ]);
        let from_file =
            policy_for(dir.path(), &function(true, Some("policy.json"))).expect("policy");
        assert_eq!(
            from_file.source,
            PolicySource::File(dir.path().join(".chalice/policy.json"))
        );
        assert_eq!(
            from_file.document.expect("document")["Statement"][0]["Resource"],
            "arn:aws:sqs:*:*:q"
        );
        let disabled = policy_for(dir.path(), &function(false, None)).expect("policy");
        assert_eq!(disabled.source, PolicySource::Disabled);
        assert_eq!(disabled.document, None);
        let bad =
            policy_for(dir.path(), &function(true, Some("empty.json"))).expect_err("no statement");
        assert!(bad.to_string().contains("empty.json"), "{bad}");
        let missing =
            policy_for(dir.path(), &function(true, Some("nope.json"))).expect_err("missing");
        assert!(missing.to_string().contains("nope.json"), "{missing}");
        let generated = policy_for(dir.path(), &function(true, None)).expect("policy");
        assert_eq!(
            generated.document.expect("document")["Statement"][0]["Action"],
            json!(["sqs:SendMessage"])
        );
    }

    /// The repository's DynamoDB apps: their policy is exactly what their
    /// handlers call (test code, such as CreateTable in examples/todo's tests,
    /// is left out).
    #[test]
    fn policies_of_the_todo_example_and_the_dynamodb_template() {
        let checkout = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        for (dir, expected) in [
            (
                "examples/todo",
                json!([
                    "dynamodb:DeleteItem",
                    "dynamodb:GetItem",
                    "dynamodb:PutItem",
                    "dynamodb:Scan",
                    "dynamodb:UpdateItem"
                ]),
            ),
            (
                "templates/dynamodb",
                json!([
                    "dynamodb:DeleteItem",
                    "dynamodb:GetItem",
                    "dynamodb:PutItem"
                ]),
            ),
        ] {
            let outcome = policy_for(&checkout.join(dir), &function(true, None)).expect("policy");
            assert!(outcome.unmapped.is_empty(), "{dir}: {:?}", outcome.unmapped);
            let document = outcome.document.expect("a document");
            assert_eq!(
                document["Statement"].as_array().map(Vec::len),
                Some(1),
                "{dir}: {document}"
            );
            assert_eq!(document["Statement"][0]["Action"], expected, "{dir}");
        }
    }
}

//! The IAM role the app's functions share: one managed by the tool (with the
//! policy of `iam_policy_file`, or the one generated from the AWS SDK calls
//! in the app's sources, scanned once here), or an existing role's ARN.

use super::AppError;
use crate::config::{FunctionConfig, StageConfig};
use crate::policy::{policy_for, PolicyError, PolicyOutcome};
use serde_json::Value;

/// The functions' role.
#[derive(Debug, Clone, PartialEq)]
pub enum Role {
    /// A role the stack creates (`manage_iam_role`, the default).
    Managed {
        /// The statements of `iam_policy_file` or generated from the code;
        /// `None` when there is nothing to grant.
        policy: Option<Value>,
        /// X-Ray's actions are granted (`xray`).
        xray: bool,
        /// The VPC's network-interface actions are granted (`subnet_ids`).
        vpc: bool,
    },
    /// An existing role (`manage_iam_role: false`, `iam_role_arn`).
    Existing {
        /// Its ARN.
        arn: String,
    },
}

/// The role and the policy outcome (its source, the calls found, what the
/// generated policy cannot grant).
pub(super) struct Resolved {
    pub role: Role,
    pub policy: Option<PolicyOutcome>,
}

/// Resolves the role from the API function's settings (the role's settings
/// are the app's, as in Chalice): the sources are scanned here, once.
pub(super) fn resolve(config: &StageConfig, f: &FunctionConfig) -> Result<Resolved, AppError> {
    if !f.manage_iam_role {
        let Some(arn) = f.iam_role_arn.clone() else {
            return Err(AppError::Config(
                "`manage_iam_role` is false but no `iam_role_arn` is given".to_owned(),
            ));
        };
        return Ok(Resolved {
            role: Role::Existing { arn },
            policy: None,
        });
    }
    let outcome = match policy_for(&config.project_dir, f) {
        Ok(outcome) => Some(outcome),
        Err(error) => match &f.iam_policy_file {
            Some(file) => return Err(policy_file_error(config, file, error)),
            // A manifest without sources (generated test apps).
            None if matches!(error, PolicyError::NoSources { .. }) => None,
            None => return Err(AppError::GeneratedPolicy(Box::new(error))),
        },
    };
    Ok(Resolved {
        role: Role::Managed {
            policy: outcome.as_ref().and_then(|o| o.document.clone()),
            xray: f.xray,
            vpc: !f.subnet_ids.is_empty() || !f.security_group_ids.is_empty(),
        },
        policy: outcome,
    })
}

/// What `package` and `deploy` warn about: the calls the generated policy
/// cannot grant.
pub fn warnings(outcome: Option<&PolicyOutcome>) -> Vec<String> {
    outcome
        .map(|o| {
            o.unmapped
                .iter()
                .map(|call| {
                    format!("the generated IAM policy does not grant {call}; grant it with iam_policy_file")
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Reads a policy file of the stage (relative to `.chalice/`), with the
/// checks `gen-policy` applies.
pub(super) fn read_policy(config: &StageConfig, file: &str) -> Result<Value, AppError> {
    let path = config.project_dir.join(".chalice").join(file);
    crate::policy::read_policy_file(&path).map_err(|error| policy_file_error(config, file, error))
}

/// The error of the stage's policy file `file`: the file and what is wrong.
fn policy_file_error(config: &StageConfig, file: &str, error: PolicyError) -> AppError {
    let message = match error {
        PolicyError::PolicyFile { message, .. } => message,
        PolicyError::Read { source, .. } => source.to_string(),
        other => other.to_string(),
    };
    AppError::PolicyFile {
        path: config.project_dir.join(".chalice").join(file),
        message,
    }
}

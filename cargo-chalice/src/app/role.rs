//! The IAM role the app's functions share: one managed by the tool (with the
//! policy of `iam_policy_file`, or the one generated from the AWS SDK calls
//! in the app's sources, scanned once here), or an existing role's ARN.

use super::AppError;
use crate::config::{FunctionConfig, StageConfig};
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

/// The role and what the generated policy could not grant.
pub(super) struct Resolved {
    pub role: Role,
    pub warnings: Vec<String>,
}

/// Resolves the role from the API function's settings (the role's settings
/// are the app's, as in Chalice).
pub(super) fn resolve(config: &StageConfig, f: &FunctionConfig) -> Result<Resolved, AppError> {
    if !f.manage_iam_role {
        let Some(arn) = f.iam_role_arn.clone() else {
            return Err(AppError::Config(
                "`manage_iam_role` is false but no `iam_role_arn` is given".to_owned(),
            ));
        };
        return Ok(Resolved {
            role: Role::Existing { arn },
            warnings: Vec::new(),
        });
    }
    let mut warnings = Vec::new();
    let policy = match &f.iam_policy_file {
        Some(file) => Some(read_policy(config, file)?),
        None if f.autogen_policy => {
            match crate::policy::policy_for(&config.project_dir, f) {
                Ok(outcome) => {
                    warnings = outcome
                        .unmapped
                        .iter()
                        .map(|call| format!("the generated IAM policy does not grant {call}; grant it with iam_policy_file"))
                        .collect();
                    outcome.document
                }
                // A manifest without sources (generated test apps).
                Err(crate::policy::PolicyError::NoSources { .. }) => None,
                Err(error) => return Err(AppError::GeneratedPolicy(Box::new(error))),
            }
        }
        None => None,
    };
    Ok(Resolved {
        role: Role::Managed {
            policy,
            xray: f.xray,
            vpc: !f.subnet_ids.is_empty() || !f.security_group_ids.is_empty(),
        },
        warnings,
    })
}

/// Reads a policy file of the stage (relative to `.chalice/`), with the
/// checks `gen-policy` applies.
pub(super) fn read_policy(config: &StageConfig, file: &str) -> Result<Value, AppError> {
    use crate::policy::{read_policy_file, PolicyError};
    let path = config.project_dir.join(".chalice").join(file);
    read_policy_file(&path).map_err(|error| {
        let message = match error {
            PolicyError::PolicyFile { message, .. } => message,
            PolicyError::Read { source, .. } => source.to_string(),
            other => other.to_string(),
        };
        AppError::PolicyFile { path, message }
    })
}

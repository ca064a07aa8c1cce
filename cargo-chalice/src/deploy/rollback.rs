//! `cargo chalice rollback`: points the stage's alias of each function (or
//! of one) back to the version published before the one it points to,
//! through the Lambda API: no build, no CloudFormation, done in seconds.
//!
//! The versions are those `lambda_versions` or `traffic_shifting` publish
//! (`template::rollout`); CloudFormation keeps them when a deploy
//! replaces them. The next deploy that changes the function publishes a new
//! version and moves the alias forward again.

use super::state::DeployedState;
use super::DeployError;
use crate::aws::{call_error, error_code, Aws};

/// Why a function's alias cannot be moved back.
#[derive(Debug, thiserror::Error)]
pub enum RollbackError {
    /// The function has no alias named after the stage.
    #[error("the function {function} has no alias `{alias}`: only functions with `lambda_versions` or `traffic_shifting` in the stage `{alias}` have versions to roll back to; set one in .chalice/config.json and deploy")]
    NoAlias {
        /// The Lambda function.
        function: String,
        /// The alias looked for (the stage).
        alias: String,
    },
    /// No function of the stage has an alias.
    #[error("no function of the stage `{stage}` has an alias `{stage}` (none has `lambda_versions` or `traffic_shifting`): there is nothing to roll back")]
    NothingVersioned {
        /// The stage.
        stage: String,
    },
    /// The alias points to the first version.
    #[error("the alias `{alias}` of {function} points to version {current}, and no version was published before it: there is no previous version to roll back to")]
    NoPreviousVersion {
        /// The Lambda function.
        function: String,
        /// The alias.
        alias: String,
        /// The version it points to.
        current: String,
    },
    /// CodeDeploy is shifting traffic on the alias.
    #[error("the alias `{alias}` of {function} is shifting traffic from version {current} to {next} (CodeDeploy): stop that deployment instead, which rolls it back (`aws deploy stop-deployment --auto-rollback-enabled --deployment-id ...`, or the CodeDeploy console)")]
    Shifting {
        /// The Lambda function.
        function: String,
        /// The alias.
        alias: String,
        /// The version it points to.
        current: String,
        /// The version traffic is shifting to.
        next: String,
    },
}

/// One alias moved back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Moved {
    /// The Lambda function.
    pub function: String,
    /// The alias (the stage).
    pub alias: String,
    /// The version it pointed to.
    pub from: String,
    /// The version it points to now.
    pub to: String,
}

impl std::fmt::Display for Moved {
    /// `shop-prod: alias prod 3 → 2`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: alias {} version {} → {}",
            self.function, self.alias, self.from, self.to
        )
    }
}

/// Moves the stage's alias of the deployed functions of `state` (all, or
/// the one `name` designates as `logs --name` does) to their previous
/// versions. With no name, the functions without an alias are skipped;
/// every other problem stops before anything is moved.
pub async fn rollback(
    aws: &Aws,
    state: &DeployedState,
    name: Option<&str>,
) -> Result<Vec<Moved>, DeployError> {
    let lambda = aws.lambda();
    let alias = state.stage.as_str();
    let functions = super::logs::select_functions(&state.resources, &state.stack_name, name)?;
    let mut plan = Vec::new();
    for function in functions {
        let function = function.function;
        let found = lambda
            .get_alias()
            .function_name(&function)
            .name(alias)
            .send()
            .await;
        let current = match found {
            Ok(found) => found,
            Err(error) if error_code(&error) == Some("ResourceNotFoundException") => {
                if name.is_some() {
                    return Err(RollbackError::NoAlias {
                        function,
                        alias: alias.to_owned(),
                    }
                    .into());
                }
                continue;
            }
            Err(error) => return Err(call_error("Lambda.GetAlias", error).into()),
        };
        let current_version = current.function_version().unwrap_or_default().to_owned();
        if let Some(next) = current
            .routing_config()
            .and_then(|r| r.additional_version_weights())
            .and_then(|weights| weights.keys().next())
        {
            return Err(RollbackError::Shifting {
                function,
                alias: alias.to_owned(),
                current: current_version,
                next: next.clone(),
            }
            .into());
        }
        let versions = versions(aws, &function).await?;
        let previous = previous_version(&versions, &current_version).ok_or_else(|| {
            RollbackError::NoPreviousVersion {
                function: function.clone(),
                alias: alias.to_owned(),
                current: current_version.clone(),
            }
        })?;
        plan.push(Moved {
            function,
            alias: alias.to_owned(),
            from: current_version,
            to: previous.to_string(),
        });
    }
    if plan.is_empty() {
        return Err(RollbackError::NothingVersioned {
            stage: state.stage.clone(),
        }
        .into());
    }
    for moved in &plan {
        lambda
            .update_alias()
            .function_name(&moved.function)
            .name(&moved.alias)
            .function_version(&moved.to)
            .send()
            .await
            .map_err(|e| call_error("Lambda.UpdateAlias", e))?;
    }
    Ok(plan)
}

/// The published versions of `function` (numbers; `$LATEST` left out).
async fn versions(aws: &Aws, function: &str) -> Result<Vec<u64>, DeployError> {
    let lambda = aws.lambda();
    let mut out = Vec::new();
    let mut marker: Option<String> = None;
    for _page in 0..100 {
        let page = lambda
            .list_versions_by_function()
            .function_name(function)
            .set_marker(marker.clone())
            .send()
            .await
            .map_err(|e| call_error("Lambda.ListVersionsByFunction", e))?;
        out.extend(
            page.versions()
                .iter()
                .filter_map(|v| v.version()?.parse::<u64>().ok()),
        );
        marker = page.next_marker().map(str::to_owned);
        if marker.is_none() {
            break;
        }
    }
    Ok(out)
}

/// The highest of `versions` below `current`; `None` when `current` is not
/// a number or nothing precedes it.
fn previous_version(versions: &[u64], current: &str) -> Option<u64> {
    let current: u64 = current.parse().ok()?;
    versions.iter().copied().filter(|v| *v < current).max()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_previous_version_is_the_highest_below() {
        assert_eq!(previous_version(&[1, 2, 3, 5], "5"), Some(3));
        assert_eq!(previous_version(&[3, 1, 2], "3"), Some(2));
        assert_eq!(previous_version(&[1], "1"), None);
        assert_eq!(previous_version(&[1, 2], "$LATEST"), None);
    }
}

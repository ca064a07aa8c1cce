//! The API stage's canary after `deploy --canary PERCENT`: `promote` makes
//! the canary's deployment the stage's and removes the canary; `rollback
//! --canary` removes the canary, the stage keeping the deployment it
//! served. Both through API Gateway's `UpdateStage`, in seconds; the next
//! `deploy` (without `--canary`) writes the stage as the template says.

use super::state::DeployedState;
use super::DeployError;
use crate::aws::{call_error, Aws};
use aws_sdk_apigateway::types::{Op, PatchOperation};

/// Why the canary cannot be promoted or removed.
#[derive(Debug, thiserror::Error)]
pub enum CanaryError {
    /// The stage has no canary.
    #[error("the stage `{stage}` of the API {rest_api_id} has no canary; `cargo chalice deploy --canary PERCENT` makes one")]
    NoCanary {
        /// The API Gateway stage.
        stage: String,
        /// The API.
        rest_api_id: String,
    },
    /// The deployed stage has no REST API.
    #[error("the deployed stage `{stage}` has no REST API, so no API canary")]
    NoApi {
        /// The chalice stage.
        stage: String,
    },
    /// `deploy --canary` needs a deployment to keep serving.
    #[error("`deploy --canary` keeps the stage on the deployment it serves, and the stage `{stage}` serves none of its stack's; deploy it once without `--canary`")]
    NothingDeployed {
        /// The chalice stage.
        stage: String,
    },
    /// The stage has a canary already.
    #[error("the stage `{stage}` has a canary already (deployment {deployment_id}); `cargo chalice promote` or `cargo chalice rollback --canary` first")]
    AlreadyCanary {
        /// The API Gateway stage.
        stage: String,
        /// The canary's deployment.
        deployment_id: String,
    },
}

/// What happened to the canary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CanaryOutcome {
    /// The stage serves the canary's deployment.
    Promoted {
        /// The deployment's ID.
        deployment_id: String,
    },
    /// The canary is gone; the stage serves what it served.
    Dropped {
        /// The deployment the stage serves.
        deployment_id: String,
    },
}

/// The logical ID of the deployment the API stage `api_stage` serves (API
/// Gateway `GetStage`, matched against the stack's deployments in
/// `state`): the base of a `deploy --canary`. A stage that already has a
/// canary is refused.
pub async fn served_deployment(
    aws: &Aws,
    state: Option<&DeployedState>,
    stage: &str,
    api_stage: &str,
) -> Result<String, DeployError> {
    let nothing = || CanaryError::NothingDeployed {
        stage: stage.to_owned(),
    };
    let state = state.ok_or_else(nothing)?;
    let rest_api_id = state.rest_api_id.clone().ok_or_else(nothing)?;
    let served = aws_sdk_apigateway::Client::new(&aws.config)
        .get_stage()
        .rest_api_id(&rest_api_id)
        .stage_name(api_stage)
        .send()
        .await
        .map_err(|e| call_error("APIGateway.GetStage", e))?;
    if let Some(canary) = served.canary_settings().and_then(|c| c.deployment_id()) {
        return Err(CanaryError::AlreadyCanary {
            stage: api_stage.to_owned(),
            deployment_id: canary.to_owned(),
        }
        .into());
    }
    let deployment_id = served.deployment_id().unwrap_or_default();
    Ok(state
        .of_type("AWS::ApiGateway::Deployment")
        .find(|r| r.physical_id == deployment_id)
        .map(|r| r.logical_id.clone())
        .ok_or_else(nothing)?)
}

/// The patch operations of promoting the canary of deployment `canary`.
pub fn promote_operations(canary: &str) -> Vec<PatchOperation> {
    vec![
        PatchOperation::builder()
            .op(Op::Replace)
            .path("/deploymentId")
            .value(canary)
            .build(),
        PatchOperation::builder()
            .op(Op::Remove)
            .path("/canarySettings")
            .build(),
    ]
}

/// The patch operation of removing the canary.
pub fn drop_operations() -> Vec<PatchOperation> {
    vec![PatchOperation::builder()
        .op(Op::Remove)
        .path("/canarySettings")
        .build()]
}

/// Promotes (`promote`) or drops the canary of the API stage `api_stage`
/// of the deployed `state`.
pub async fn settle(
    aws: &Aws,
    state: &DeployedState,
    api_stage: &str,
    promote: bool,
) -> Result<CanaryOutcome, DeployError> {
    let rest_api_id = state
        .rest_api_id
        .clone()
        .ok_or_else(|| CanaryError::NoApi {
            stage: state.stage.clone(),
        })?;
    let client = aws_sdk_apigateway::Client::new(&aws.config);
    let stage = client
        .get_stage()
        .rest_api_id(&rest_api_id)
        .stage_name(api_stage)
        .send()
        .await
        .map_err(|e| call_error("APIGateway.GetStage", e))?;
    let Some(canary) = stage
        .canary_settings()
        .and_then(|c| c.deployment_id())
        .map(str::to_owned)
    else {
        return Err(CanaryError::NoCanary {
            stage: api_stage.to_owned(),
            rest_api_id,
        }
        .into());
    };
    let (operations, outcome) = if promote {
        (
            promote_operations(&canary),
            CanaryOutcome::Promoted {
                deployment_id: canary,
            },
        )
    } else {
        (
            drop_operations(),
            CanaryOutcome::Dropped {
                deployment_id: stage.deployment_id().unwrap_or_default().to_owned(),
            },
        )
    };
    client
        .update_stage()
        .rest_api_id(&rest_api_id)
        .stage_name(api_stage)
        .set_patch_operations(Some(operations))
        .send()
        .await
        .map_err(|e| call_error("APIGateway.UpdateStage", e))?;
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn promoting_serves_the_canary_and_removes_it() {
        let operations = promote_operations("abc123");
        assert_eq!(operations.len(), 2);
        assert_eq!(operations[0].op(), Some(&Op::Replace));
        assert_eq!(operations[0].path(), Some("/deploymentId"));
        assert_eq!(operations[0].value(), Some("abc123"));
        assert_eq!(operations[1].op(), Some(&Op::Remove));
        assert_eq!(operations[1].path(), Some("/canarySettings"));
        let dropping = drop_operations();
        assert_eq!(dropping.len(), 1);
        assert_eq!(dropping[0].path(), Some("/canarySettings"));
    }
}

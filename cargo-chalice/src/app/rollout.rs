//! How a new build of a function reaches its callers: published Lambda
//! versions, an alias named after the stage that every caller invokes (the
//! API, authorizers, event sources), and optionally CodeDeploy shifting the
//! alias to a new version gradually (`lambda_versions`, `traffic_shifting`).

use super::AppError;

/// CodeDeploy's predefined Lambda deployment configurations, by the name
/// `traffic_shifting` takes (CodeDeploy's name without
/// `CodeDeployDefault.Lambda`).
pub const TRAFFIC_SHIFTING_NAMES: &[&str] = &[
    "AllAtOnce",
    "Canary10Percent5Minutes",
    "Canary10Percent10Minutes",
    "Canary10Percent15Minutes",
    "Canary10Percent30Minutes",
    "Linear10PercentEvery1Minute",
    "Linear10PercentEvery2Minutes",
    "Linear10PercentEvery3Minutes",
    "Linear10PercentEvery10Minutes",
];

/// The longest Lambda alias name.
const MAX_ALIAS_NAME: usize = 128;

/// A function's versions and alias.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rollout {
    /// The alias every caller invokes: the chalice stage's name.
    pub alias: String,
    /// How CodeDeploy moves the alias to a new version; `None`: at once,
    /// by CloudFormation.
    pub traffic_shifting: Option<TrafficShifting>,
}

/// A CodeDeploy deployment configuration for Lambda.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrafficShifting {
    /// Its name as `traffic_shifting` takes it (`Canary10Percent5Minutes`).
    pub name: String,
}

impl TrafficShifting {
    /// CodeDeploy's name: `CodeDeployDefault.LambdaCanary10Percent5Minutes`.
    pub fn deployment_config_name(&self) -> String {
        format!("CodeDeployDefault.Lambda{}", self.name)
    }
}

/// A canary on the API stage (`deploy --canary PERCENT`): the stage keeps
/// serving the deployment it has and sends `percent` % of the requests to
/// the new one, until `promote` or `rollback --canary`.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiCanary {
    /// The share of requests the new deployment gets, above 0 and below 100.
    pub percent: f64,
    /// The logical ID of the deployment the stage serves now (from the
    /// stage's state file).
    pub base_deployment: String,
}

/// The rollout of the function `name` (`which` names it in errors: empty for
/// the API function, ` of the function `x`` otherwise) in `stage`: `None`
/// when it has neither `lambda_versions` nor `traffic_shifting`.
pub fn resolve(
    stage: &str,
    which: &str,
    lambda_versions: bool,
    traffic_shifting: Option<&str>,
) -> Result<Option<Rollout>, AppError> {
    let traffic_shifting = match traffic_shifting {
        None => None,
        Some(name) if TRAFFIC_SHIFTING_NAMES.contains(&name) => Some(TrafficShifting {
            name: name.to_owned(),
        }),
        Some(name) => {
            let close = crate::suggest::closest(name, TRAFFIC_SHIFTING_NAMES.iter().copied())
                .map(|close| format!(" (did you mean `{close}`?)"))
                .unwrap_or_default();
            return Err(AppError::Config(format!(
                "`traffic_shifting`{which} is `{name}`{close}; CodeDeploy's Lambda configurations are {}",
                TRAFFIC_SHIFTING_NAMES.join(", ")
            )));
        }
    };
    if !lambda_versions && traffic_shifting.is_none() {
        return Ok(None);
    }
    check_alias_name(stage)?;
    Ok(Some(Rollout {
        alias: stage.to_owned(),
        traffic_shifting,
    }))
}

/// Lambda's rule for alias names: letters, digits, `-` and `_`, not only
/// digits (a version number), at most 128 characters.
fn check_alias_name(stage: &str) -> Result<(), AppError> {
    let valid = !stage.is_empty()
        && stage.len() <= MAX_ALIAS_NAME
        && stage
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        && !stage.chars().all(|c| c.is_ascii_digit());
    if valid {
        Ok(())
    } else {
        Err(AppError::Config(format!(
            "the stage `{stage}` cannot name a Lambda alias (`lambda_versions`, `traffic_shifting`): Lambda takes letters, digits, `-` and `_`, not only digits, at most {MAX_ALIAS_NAME} characters; rename the stage"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_asked_is_no_rollout() {
        assert_eq!(resolve("dev", "", false, None).unwrap(), None);
    }

    #[test]
    fn traffic_shifting_implies_versions_and_names_codedeploys_configuration() {
        let rollout = resolve("prod", "", false, Some("Canary10Percent5Minutes"))
            .unwrap()
            .unwrap();
        assert_eq!(rollout.alias, "prod");
        assert_eq!(
            rollout.traffic_shifting.unwrap().deployment_config_name(),
            "CodeDeployDefault.LambdaCanary10Percent5Minutes"
        );
        let versions_only = resolve("prod", "", true, None).unwrap().unwrap();
        assert_eq!(versions_only.traffic_shifting, None);
    }

    #[test]
    fn an_unknown_configuration_is_refused_with_the_closest() {
        let message = resolve(
            "prod",
            " of the function `work`",
            false,
            Some("Canary10Percent5Minute"),
        )
        .unwrap_err()
        .to_string();
        assert!(
            message.starts_with("`traffic_shifting` of the function `work` is `Canary10Percent5Minute` (did you mean `Canary10Percent5Minutes`?); CodeDeploy's Lambda configurations are AllAtOnce, "),
            "{message}"
        );
    }

    #[test]
    fn a_stage_that_cannot_name_an_alias_is_refused() {
        for stage in ["2024", "prod.eu"] {
            let message = resolve(stage, "", true, None).unwrap_err().to_string();
            assert!(
                message.contains(&format!("the stage `{stage}` cannot name a Lambda alias")),
                "{message}"
            );
        }
    }
}

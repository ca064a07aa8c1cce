//! Versions, aliases and traffic shifting in the template
//! ([`crate::app::rollout`]), per function with `lambda_versions` or
//! `traffic_shifting`:
//!
//! - `<Function>Version<hash>` (`AWS::Lambda::Version`, kept on removal):
//!   its logical ID carries a hash of the code (the zip's SHA-256) and of
//!   the function's properties, so CloudFormation publishes a version only
//!   when one of them changed, and the versions before stay for
//!   `cargo chalice rollback`;
//! - `<Function>Alias` (`AWS::Lambda::Alias`, named after the stage) on that
//!   version: what the API's integrations, the authorizers, the permissions
//!   and the event sources invoke ([`Generator::invoked_arn`]);
//! - with `traffic_shifting`: the app's `CodeDeployApplication` and
//!   `CodeDeployServiceRole`, a `<Function>DeploymentGroup` with the
//!   configuration and rollback on failure or alarm, and the alias's
//!   `UpdatePolicy` `CodeDeployLambdaAliasUpdate`;
//! - with `deploy --canary`: the stage keeps the deployment it serves (kept
//!   in the template under its logical ID) and its `CanarySetting` sends a
//!   share of the requests to this template's deployment.

use super::{Generator, TemplateError, DEPLOYMENT_PREFIX, REST_API_ID};
use crate::app::function::Function;
use crate::app::rest_api::RestApi;
use crate::app::AppError;
use crate::cfn::model::*;
use crate::cfn::operations::*;
use serde_json::json;
use sha2::{Digest, Sha256};

/// The logical ID of the app's CodeDeploy application.
pub const CODE_DEPLOY_APPLICATION_ID: &str = "CodeDeployApplication";
/// The logical ID of the role CodeDeploy shifts traffic with.
pub const CODE_DEPLOY_ROLE_ID: &str = "CodeDeployServiceRole";
/// Hex digits of the hash in a version's logical ID.
const VERSION_HASH_LEN: usize = 10;

impl Generator<'_> {
    /// The deployment the API stage serves: the base of a canary, else the
    /// deployment of this template.
    pub(super) fn stage_deployment_id(&self, api: &RestApi) -> String {
        match &self.release.api_canary {
            Some(canary) => canary.base_deployment.clone(),
            None => self.deployment_id(api),
        }
    }

    /// Refuses a canary that would change nothing, or of a share API
    /// Gateway does not take.
    pub(super) fn check_canary(&self) -> Result<(), TemplateError> {
        let Some(canary) = &self.release.api_canary else {
            return Ok(());
        };
        let Some(api) = &self.app.rest_api else {
            return Err(AppError::Unsupported(
                "`--canary` sends a share of the API's requests to a new deployment, and the app has no API".to_owned(),
            )
            .into());
        };
        if !(canary.percent > 0.0 && canary.percent < 100.0) {
            return Err(AppError::Config(format!(
                "`--canary {}`: write the share of requests for the new deployment, above 0 and below 100 (percent)",
                canary.percent
            ))
            .into());
        }
        if canary.base_deployment == self.deployment_id(api) {
            return Err(AppError::Unsupported(format!(
                "the API has not changed since the deployed `{}`: a stage canary would send requests to the same deployment. Deploy without `--canary`; the functions' code rolls out with `traffic_shifting`",
                canary.base_deployment
            ))
            .into());
        }
        Ok(())
    }

    /// Keeps the deployment a canary's stage serves in the root template
    /// (its logical ID and properties unchanged, so CloudFormation leaves
    /// it), after what the new deployment waits for.
    pub(super) fn write_api_canary(&self, template: &mut Template) {
        let (Some(canary), Some(api)) = (&self.release.api_canary, &self.app.rest_api) else {
            return;
        };
        let depends_on = template
            .resources
            .get(&self.deployment_id(api))
            .map(|d| d.depends_on.clone())
            .unwrap_or_default();
        let shape = canary
            .base_deployment
            .strip_prefix(DEPLOYMENT_PREFIX)
            .unwrap_or(&canary.base_deployment);
        template.resources.insert(
            canary.base_deployment.clone(),
            Resource::after(
                ResourceKind::Deployment(DeploymentProps {
                    rest_api_id: Expr::reference(REST_API_ID),
                    description: format!("{}, API shape {shape}", self.app.description()),
                }),
                depends_on,
            ),
        );
    }

    /// What a caller invokes `function` by: its alias's ARN (the alias's
    /// `Ref`) when it has one, else the function's ARN.
    pub(super) fn invoked_arn(&self, function: &Function) -> Expr {
        match function.alias_id() {
            Some(alias) => Expr::reference(alias),
            None => Expr::get_att(&function.logical_id, "Arn"),
        }
    }

    /// The same, inside an `Fn::Sub` text: `${APIHandlerAlias}` or
    /// `${APIHandler.Arn}`.
    pub(super) fn invoked_arn_sub(&self, function: &Function) -> String {
        match function.alias_id() {
            Some(alias) => format!("${{{alias}}}"),
            None => format!("${{{}.Arn}}", function.logical_id),
        }
    }

    /// The URI by which API Gateway (an integration, an authorizer) invokes
    /// `function`: through its alias when it has one.
    pub(super) fn invocation_uri(&self, function: &Function) -> Expr {
        invocation_uri(&self.invoked_arn_sub(function))
    }

    /// The logical ID of the version of `function` as this template
    /// defines it: `<LogicalId>Version<hash of code and properties>`.
    pub(super) fn version_id(&self, function: &Function, props: &FunctionProps) -> String {
        let mut hash = Sha256::new();
        hash.update(self.release.code_sha256.as_deref().unwrap_or_default());
        hash.update(b"\n");
        hash.update(serde_json::to_vec(props).unwrap_or_default());
        let digest: String = hash
            .finalize()
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect();
        format!(
            "{}Version{}",
            function.logical_id,
            &digest[..VERSION_HASH_LEN]
        )
    }

    /// Writes the version and alias of every function that has them, and
    /// CodeDeploy's resources for those that shift traffic.
    pub(super) fn write_rollouts(&self, template: &mut Template) {
        let mut shifting = false;
        for function in &self.app.functions {
            let (Some(rollout), Some(alias_id)) = (&function.rollout, function.alias_id()) else {
                continue;
            };
            let props = self.function_props(function);
            let version_id = self.version_id(function, &props);
            template.resources.insert(
                version_id.clone(),
                Resource::retained(ResourceKind::Version(VersionProps {
                    function_name: Expr::reference(&function.logical_id),
                    description: format!(
                        "{} ({})",
                        function.description,
                        version_id.trim_start_matches(&function.logical_id)
                    ),
                })),
            );
            let mut alias: Resource = ResourceKind::Alias(AliasProps {
                function_name: Expr::reference(&function.logical_id),
                function_version: Expr::get_att(&version_id, "Version"),
                name: rollout.alias.clone(),
                description: format!("{}: stage {}", function.description, rollout.alias),
            })
            .into();
            if let Some(traffic) = &rollout.traffic_shifting {
                shifting = true;
                let group_id = format!("{}DeploymentGroup", function.logical_id);
                template.resources.insert(
                    group_id.clone(),
                    ResourceKind::DeploymentGroup(Box::new(DeploymentGroupProps {
                        application_name: Expr::reference(CODE_DEPLOY_APPLICATION_ID),
                        deployment_config_name: traffic.deployment_config_name(),
                        service_role_arn: Expr::get_att(CODE_DEPLOY_ROLE_ID, "Arn"),
                        deployment_style: DeploymentStyle {
                            deployment_type: "BLUE_GREEN".to_owned(),
                            deployment_option: "WITH_TRAFFIC_CONTROL".to_owned(),
                        },
                        auto_rollback_configuration: AutoRollbackConfiguration {
                            enabled: true,
                            events: vec![
                                "DEPLOYMENT_FAILURE".to_owned(),
                                "DEPLOYMENT_STOP_ON_ALARM".to_owned(),
                                "DEPLOYMENT_STOP_ON_REQUEST".to_owned(),
                            ],
                        },
                        alarm_configuration: self.rollback_alarms(function),
                    }))
                    .into(),
                );
                alias.update_policy = Some(json!({"CodeDeployLambdaAliasUpdate": {
                    "ApplicationName": Expr::reference(CODE_DEPLOY_APPLICATION_ID),
                    "DeploymentGroupName": Expr::reference(&group_id),
                }}));
            }
            template.resources.insert(alias_id, alias);
        }
        if shifting {
            template.resources.insert(
                CODE_DEPLOY_APPLICATION_ID.to_owned(),
                ResourceKind::CodeDeployApplication(CodeDeployApplicationProps {
                    compute_platform: "Lambda".to_owned(),
                })
                .into(),
            );
            template.resources.insert(
                CODE_DEPLOY_ROLE_ID.to_owned(),
                ResourceKind::Role(RoleProps {
                    assume_role_policy_document: json!({
                        "Version": "2012-10-17",
                        "Statement": [{
                            "Effect": "Allow",
                            "Principal": {"Service": "codedeploy.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }],
                    }),
                    policies: Vec::new(),
                    managed_policy_arns: vec![Expr::sub(
                        "arn:${AWS::Partition}:iam::aws:policy/service-role/AWSCodeDeployRoleForLambda",
                    )],
                })
                .into(),
            );
        }
    }

    /// The alarms whose firing stops a traffic shift of `function` and
    /// rolls it back ([`crate::app::alarms::Alarms::rolling_back`]).
    fn rollback_alarms(&self, function: &Function) -> Option<AlarmConfiguration> {
        let alarms: Vec<AlarmName> = self
            .app
            .alarms
            .rolling_back(function)
            .into_iter()
            .map(|alarm| AlarmName {
                name: Expr::reference(&alarm.logical_id),
            })
            .collect();
        (!alarms.is_empty()).then_some(AlarmConfiguration {
            enabled: true,
            alarms,
        })
    }
}

/// The URI by which API Gateway invokes the Lambda function whose ARN
/// `invoked` spells inside an `Fn::Sub` text.
pub(super) fn invocation_uri(invoked: &str) -> Expr {
    Expr::sub(format!(
        "arn:${{AWS::Partition}}:apigateway:${{AWS::Region}}:lambda:path/2015-03-31/functions/{invoked}/invocations"
    ))
}

//! The API stage's logs in the template ([`crate::app::api_logs`]): the
//! access log group `ApiAccessLogGroup` (the stage's retention) and the
//! stage's `AccessLogSetting`; the stage's and the routes' execution
//! logging, data trace and metrics are its `MethodSettings`
//! ([`super::rest_api`]). With `api_logs.account_role`, the account's
//! CloudWatch role `ApiGatewayCloudWatchRole` and `ApiGatewayAccount`, which
//! the stage waits for.

use super::Generator;
use crate::app::api_logs::ApiLogs;
use crate::cfn::model::*;
use crate::cfn::operations::*;
use serde_json::json;

/// The logical ID of the access log group.
pub const ACCESS_LOG_GROUP_ID: &str = "ApiAccessLogGroup";
/// The logical ID of the account's settings.
pub const API_ACCOUNT_ID: &str = "ApiGatewayAccount";
/// The logical ID of the role API Gateway logs with.
pub const API_LOGS_ROLE_ID: &str = "ApiGatewayCloudWatchRole";

impl Generator<'_> {
    /// The stage's access logs, when on.
    pub(super) fn access_log_setting(&self, logs: &ApiLogs) -> Option<AccessLogSetting> {
        logs.access_log_format
            .as_ref()
            .map(|format| AccessLogSetting {
                destination_arn: Expr::get_att(ACCESS_LOG_GROUP_ID, "Arn"),
                format: format.clone(),
            })
    }

    /// What the stage waits for: the account's role, when the stack sets it.
    pub(super) fn stage_depends_on(&self, logs: &ApiLogs) -> Vec<String> {
        if logs.account_role {
            vec![API_ACCOUNT_ID.to_owned()]
        } else {
            Vec::new()
        }
    }

    /// Writes the access log group and the account's role.
    pub(super) fn write_api_logs(&self, template: &mut Template) {
        let Some(logs) = &self.app.api_logs else {
            return;
        };
        if logs.access_log_format.is_some() {
            template.resources.insert(
                ACCESS_LOG_GROUP_ID.to_owned(),
                ResourceKind::LogGroup(LogGroupProps {
                    retention_in_days: logs.retention_in_days,
                })
                .into(),
            );
        }
        if logs.account_role {
            template.resources.insert(
                API_LOGS_ROLE_ID.to_owned(),
                ResourceKind::Role(RoleProps {
                    assume_role_policy_document: json!({
                        "Version": "2012-10-17",
                        "Statement": [{
                            "Effect": "Allow",
                            "Principal": {"Service": "apigateway.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }],
                    }),
                    policies: Vec::new(),
                    managed_policy_arns: vec![Expr::sub(
                        "arn:${AWS::Partition}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs",
                    )],
                })
                .into(),
            );
            template.resources.insert(
                API_ACCOUNT_ID.to_owned(),
                ResourceKind::ApiAccount(ApiAccountProps {
                    cloud_watch_role_arn: Expr::get_att(API_LOGS_ROLE_ID, "Arn"),
                })
                .into(),
            );
        }
    }
}

//! The app's functions in the template: the shared role, and per function its
//! log group, the function and its outputs. What invokes a function (the
//! API's permission, an authorizer's) is written with what invokes it.

use super::{Generator, CODE_PATH, ROLE_ID, USER_POLICY_NAME};
use crate::app::function::{Function, Trigger};
use crate::app::role::Role;
use crate::cfn::model::*;
use crate::config::EnvValue;
use serde_json::json;
use std::collections::BTreeMap;

/// The intrinsic function (or literal) of an environment variable's value in
/// the template.
pub fn env_expr(value: &EnvValue) -> Expr {
    match value {
        EnvValue::Literal(text) => Expr::str(text.clone()),
        EnvValue::Ref { target } => Expr::reference(target.clone()),
        EnvValue::GetAtt { target } => Expr::get_att(target.0.clone(), target.1.clone()),
    }
}

impl Generator<'_> {
    /// Writes the role (when the stack manages it) and returns the ARN the
    /// functions take.
    pub(super) fn write_role(&self, template: &mut Template) -> Expr {
        match &self.app.role {
            Role::Existing { arn } => Expr::str(arn.clone()),
            Role::Managed { policy, xray, vpc } => {
                template.resources.insert(
                    ROLE_ID.to_owned(),
                    ResourceKind::Role(self.role(policy.as_ref(), *xray, *vpc)).into(),
                );
                Expr::get_att(ROLE_ID, "Arn")
            }
        }
    }

    /// Each function with its log group and outputs.
    pub(super) fn write_functions(&self, template: &mut Template, role: &Expr) {
        for function in &self.app.functions {
            template.resources.insert(
                function.log_group_id.clone(),
                ResourceKind::LogGroup(LogGroupProps {
                    retention_in_days: function.settings.log_retention_in_days,
                })
                .into(),
            );
            // `Code` as a relative path is what `aws cloudformation package`
            // uploads (cfn-lint accepts it, with warning W3002).
            template.resources.insert(
                function.logical_id.clone(),
                ResourceKind::Function(Box::new(self.function_props(function, role.clone())))
                    .into(),
            );
            let id = &function.logical_id;
            let output = |description: String, value: Expr| Output { description, value };
            let outputs = match &function.trigger {
                Trigger::RestApi => vec![
                    (
                        format!("{id}Name"),
                        output("The API function's name".to_owned(), Expr::reference(id)),
                    ),
                    (
                        format!("{id}Arn"),
                        output(
                            "The API function's ARN".to_owned(),
                            Expr::get_att(id, "Arn"),
                        ),
                    ),
                    (
                        format!("{id}LogGroupName"),
                        output(
                            "The API function's log group".to_owned(),
                            Expr::reference(&function.log_group_id),
                        ),
                    ),
                ],
                Trigger::Authorizer { name } => vec![
                    (
                        format!("{id}Name"),
                        output(
                            format!("The authorizer {name}'s function name"),
                            Expr::reference(id),
                        ),
                    ),
                    (
                        format!("{id}Arn"),
                        output(
                            format!("The authorizer {name}'s function ARN"),
                            Expr::get_att(id, "Arn"),
                        ),
                    ),
                ],
                Trigger::Event(source) => vec![
                    (
                        format!("{id}Name"),
                        output(
                            format!(
                                "The {} function {}'s name",
                                source.attribute(),
                                function.name
                            ),
                            Expr::reference(id),
                        ),
                    ),
                    (
                        format!("{id}Arn"),
                        output(
                            format!(
                                "The {} function {}'s ARN",
                                source.attribute(),
                                function.name
                            ),
                            Expr::get_att(id, "Arn"),
                        ),
                    ),
                ],
            };
            template.outputs.extend(outputs);
        }
    }

    /// The `AWS::Lambda::Function` properties of `function`.
    fn function_props(&self, function: &Function, role: Expr) -> FunctionProps {
        let f = &function.settings;
        let variables: BTreeMap<String, Expr> = function
            .environment
            .iter()
            .map(|(name, value)| (name.clone(), env_expr(value)))
            .collect();
        FunctionProps {
            runtime: "provided.al2023".to_owned(),
            handler: function.handler.clone(),
            code: serde_json::Value::String(CODE_PATH.to_owned()),
            architectures: vec![self.arch.lambda_name().to_owned()],
            memory_size: f.lambda_memory_size,
            timeout: f.lambda_timeout,
            role,
            description: function.description.clone(),
            function_name: function.function_name.clone(),
            environment: (!variables.is_empty()).then_some(Environment { variables }),
            logging_config: LoggingConfig {
                log_group: Expr::reference(&function.log_group_id),
            },
            tags: f
                .tags
                .iter()
                .map(|(key, value)| Tag {
                    key: key.clone(),
                    value: value.clone(),
                })
                .collect(),
            reserved_concurrent_executions: f.reserved_concurrency,
            layers: f.layers.clone(),
            vpc_config: (!f.subnet_ids.is_empty() || !f.security_group_ids.is_empty()).then(|| {
                VpcConfig {
                    subnet_ids: f.subnet_ids.clone(),
                    security_group_ids: f.security_group_ids.clone(),
                }
            }),
            tracing_config: f.xray.then(|| TracingConfig {
                mode: "Active".to_owned(),
            }),
        }
    }

    /// The managed role: the functions' own log groups, X-Ray and VPC
    /// actions when used, and the app's policy.
    fn role(&self, policy: Option<&serde_json::Value>, xray: bool, vpc: bool) -> RoleProps {
        let log_groups: Vec<Expr> = self
            .app
            .functions
            .iter()
            .map(|f| Expr::get_att(&f.log_group_id, "Arn"))
            .collect();
        let resource = if log_groups.len() == 1 {
            json!(log_groups[0])
        } else {
            json!(log_groups)
        };
        let mut statements = vec![json!({
            "Sid": "OwnLogGroup",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": resource,
        })];
        if xray {
            statements.push(json!({
                "Sid": "XRay",
                "Effect": "Allow",
                "Action": ["xray:PutTelemetryRecords", "xray:PutTraceSegments"],
                "Resource": "*",
            }));
        }
        if vpc {
            statements.push(json!({
                "Sid": "VpcNetworkInterfaces",
                "Effect": "Allow",
                "Action": [
                    "ec2:AssignPrivateIpAddresses",
                    "ec2:CreateNetworkInterface",
                    "ec2:DeleteNetworkInterface",
                    "ec2:DescribeNetworkInterfaces",
                    "ec2:UnassignPrivateIpAddresses",
                ],
                "Resource": "*",
            }));
        }
        let mut policies = vec![InlinePolicy {
            policy_name: "Runtime".to_owned(),
            policy_document: json!({"Version": "2012-10-17", "Statement": statements}),
        }];
        if let Some(document) = policy {
            policies.push(InlinePolicy {
                policy_name: USER_POLICY_NAME.to_owned(),
                policy_document: document.clone(),
            });
        }
        RoleProps {
            assume_role_policy_document: json!({
                "Version": "2012-10-17",
                "Statement": [{
                    "Effect": "Allow",
                    "Principal": {"Service": "lambda.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }],
            }),
            policies,
        }
    }
}

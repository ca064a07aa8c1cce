//! The app's functions in the template: their roles (the shared role, and
//! the functions' own roles, [`crate::app::role`]), and per function its log
//! group, the function and its outputs. What invokes a function (the API's
//! permission, an authorizer's, an event source's) is written with what
//! invokes it ([`super::events`]).

use super::{Generator, TemplateError, CODE_PATH, ROLE_ID, USER_POLICY_NAME};
use crate::app::function::{Function, Trigger};
use crate::app::names::{EVENT_SOURCE_POLICY_NAME, RUNTIME_POLICY_NAME};
use crate::app::role::{ManagedRole, Role};
use crate::app::AppError;
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
    /// The ARN of the role `function` runs with: its existing role, or the
    /// role of the stack it runs with (the shared role or its own,
    /// [`crate::app::role`]).
    pub(super) fn role_of(&self, function: &Function) -> Expr {
        match self.app.roles.of(&function.name) {
            Some(Role::Existing { arn }) => Expr::str(arn.clone()),
            Some(Role::Managed { logical_id }) => Expr::get_att(logical_id, "Arn"),
            None => Expr::get_att(ROLE_ID, "Arn"),
        }
    }

    /// Writes the shared role, when a function runs with it.
    pub(super) fn write_role(&self, template: &mut Template) {
        if let Some(role) = self.app.roles.shared() {
            template.resources.insert(
                role.logical_id.clone(),
                ResourceKind::Role(role_props(role)).into(),
            );
        }
    }

    /// Adds the functions' own roles to the root template, refusing a
    /// logical ID another resource of the template already has.
    pub(super) fn write_own_roles(&self, root: &mut Template) -> Result<(), TemplateError> {
        for role in self
            .app
            .roles
            .managed
            .iter()
            .filter(|r| r.logical_id != ROLE_ID)
        {
            if root.resources.contains_key(&role.logical_id) {
                let name = role.functions.first().cloned().unwrap_or_default();
                let message = format!(
                    "its role `{}` would have the logical ID of another resource of the template; rename the function",
                    role.logical_id
                );
                return Err(match self.app.event(&name) {
                    Some(event) => AppError::Event {
                        attribute: event.attribute,
                        function: name,
                        location: event.location.clone(),
                        message,
                    },
                    None => AppError::Unsupported(format!("the function `{name}`: {message}")),
                }
                .into());
            }
            root.resources.insert(
                role.logical_id.clone(),
                ResourceKind::Role(role_props(role)).into(),
            );
        }
        Ok(())
    }

    /// Each function with its log group and outputs.
    pub(super) fn write_functions(&self, template: &mut Template) {
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
                ResourceKind::Function(Box::new(self.function_props(function))).into(),
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
                Trigger::Websocket { route_key } => vec![(
                    format!("{id}Name"),
                    output(
                        format!("The WebSocket route {route_key}'s function name"),
                        Expr::reference(id),
                    ),
                )],
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
    pub(super) fn function_props(&self, function: &Function) -> FunctionProps {
        let f = &function.settings;
        let role = self.role_of(function);
        let overrides = match &function.trigger {
            Trigger::Event(_) => self
                .app
                .event(&function.name)
                .map(|e| &e.environment_overrides),
            Trigger::RestApi | Trigger::Authorizer { .. } | Trigger::Websocket { .. } => None,
        };
        let variables: BTreeMap<String, Expr> = function
            .environment
            .iter()
            .map(|(name, value)| {
                let written = overrides
                    .and_then(|o| o.get(name))
                    .cloned()
                    .unwrap_or_else(|| env_expr(value));
                (name.clone(), written)
            })
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
                log_format: function.logs.format.clone(),
                application_log_level: function.logs.level.clone(),
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
}

/// A managed role's properties: write to its functions' log groups, X-Ray
/// and VPC actions when used (`Runtime`), the code's policy (`AppPolicy`)
/// and, for a function's own role, what its source needs (`EventSource`).
pub(super) fn role_props(role: &ManagedRole) -> RoleProps {
    let log_groups: Vec<Expr> = role
        .log_groups
        .iter()
        .map(|id| Expr::get_att(id, "Arn"))
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
    if role.xray {
        statements.push(json!({
            "Sid": "XRay",
            "Effect": "Allow",
            "Action": ["xray:PutTelemetryRecords", "xray:PutTraceSegments"],
            "Resource": "*",
        }));
    }
    if role.vpc {
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
        policy_name: RUNTIME_POLICY_NAME.to_owned(),
        policy_document: json!({"Version": "2012-10-17", "Statement": statements}),
    }];
    if let Some(document) = role.app_policy() {
        policies.push(InlinePolicy {
            policy_name: USER_POLICY_NAME.to_owned(),
            policy_document: document.clone(),
        });
    }
    if !role.source_statements.is_empty() {
        policies.push(InlinePolicy {
            policy_name: EVENT_SOURCE_POLICY_NAME.to_owned(),
            policy_document: json!({"Version": "2012-10-17", "Statement": role.source_statements}),
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
        managed_policy_arns: Vec::new(),
    }
}

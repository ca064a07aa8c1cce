//! The environment of a function on this machine (`cargo chalice local`),
//! where there is no stack: the config's `Ref`/`Fn::GetAtt` variables are
//! resolved from the shell or from `.chalice/resources.json`.

use super::function::Function;
use super::names::stack_name;
use super::resources::{Declared, ResourcesError, RESOURCES_PATH};
use super::App;
use crate::config::EnvValue;
use serde_json::Value;
use std::collections::BTreeMap;

/// Resource types whose `Ref` is their name, and the property holding that
/// name: what `cargo chalice local` can resolve a `Ref` to without a stack.
pub const LOCAL_NAMES: &[(&str, &str)] = &[
    ("AWS::DynamoDB::Table", "TableName"),
    ("AWS::Kinesis::Stream", "Name"),
    ("AWS::Logs::LogGroup", "LogGroupName"),
    ("AWS::S3::Bucket", "BucketName"),
    ("AWS::SSM::Parameter", "Name"),
];

/// The environment of `function` for a run on this machine (`cargo chalice
/// local`): literals as they are; a `Ref`/`Fn::GetAtt` variable takes the
/// value `shell` gives it (the shell's environment) when there is one, else a
/// `Ref` resolves to the literal name of a resource of `.chalice/resources.json`
/// whose `Ref` is its name ([`LOCAL_NAMES`]; a name `{"Fn::Sub":
/// "...${AWS::StackName}..."}` uses the stack name `<app>-<stage>`); anything
/// else is an error naming the stage, the variable and the resource.
pub fn local_environment(
    app: &App,
    function: &Function,
    shell: &dyn Fn(&str) -> Option<String>,
) -> Result<BTreeMap<String, String>, ResourcesError> {
    let mut out = BTreeMap::new();
    for (variable, value) in &function.environment {
        let resolved = match value {
            EnvValue::Literal(text) => text.clone(),
            reference => match shell(variable) {
                Some(from_shell) => from_shell,
                None => resolve_locally(app, &app.resources, variable, reference)?,
            },
        };
        out.insert(variable.clone(), resolved);
    }
    Ok(out)
}

/// The local value of a `Ref`/`Fn::GetAtt` variable not set in the shell.
fn resolve_locally(
    app: &App,
    declared: &Declared,
    variable: &str,
    value: &EnvValue,
) -> Result<String, ResourcesError> {
    let error = |message: String| ResourcesError::Environment {
        stage: app.stage.clone(),
        variable: variable.to_owned(),
        message: format!("{message}; set `{variable}` in the shell environment to override"),
    };
    let target = value.resource().unwrap_or_default();
    let target_type = declared.resource_type(target);
    let target_type = match (value, target_type) {
        (EnvValue::GetAtt { target }, _) => {
            return Err(error(format!(
                "is {value}, an attribute of `{}` known only once the stack is deployed (no stack runs locally)",
                target.0
            )))
        }
        (_, None) => {
            return Err(error(format!(
                "is {value}, but `{target}` is not declared in `{RESOURCES_PATH}`, so it has no value without a stack"
            )))
        }
        (_, Some(kind)) => kind,
    };
    let Some((_, property)) = LOCAL_NAMES.iter().find(|(kind, _)| *kind == target_type) else {
        let kinds: Vec<&str> = LOCAL_NAMES.iter().map(|(kind, _)| *kind).collect();
        return Err(error(format!(
            "is {value}; the `Ref` of `{target}` ({target_type}) is known only once the stack is deployed (it is resolved locally for {} only)",
            kinds.join(", ")
        )));
    };
    let name = declared
        .resource(target)
        .and_then(|r| r.get("Properties"))
        .and_then(|p| p.get(*property));
    let stack = stack_name(&app.name, &app.stage);
    match name {
        Some(Value::String(name)) => Ok(name.clone()),
        Some(Value::Object(sub)) if sub.len() == 1 && sub.get("Fn::Sub").is_some_and(Value::is_string) => {
            let text = sub["Fn::Sub"].as_str().unwrap_or_default();
            let replaced = text.replace("${AWS::StackName}", &stack);
            if replaced.contains("${") {
                return Err(error(format!(
                    "is {value}; the `{property}` of `{target}` uses `Fn::Sub` with more than `${{AWS::StackName}}`, which is known only once deployed"
                )));
            }
            Ok(replaced)
        }
        Some(_) => Err(error(format!(
            "is {value}; the `{property}` of `{target}` is not a literal string (or a `Fn::Sub` of `${{AWS::StackName}}`)"
        ))),
        None => Err(error(format!(
            "is {value}; `{target}` has no `{property}`, so CloudFormation names it at deploy time"
        ))),
    }
}

//! `.chalice/resources.json`: resources the app needs beside its API (a
//! table, a bucket, a queue), declared as a CloudFormation fragment and
//! deployed in the app's stack.
//!
//! ```json
//! {
//!   "Resources": {
//!     "TodoTable": {"Type": "AWS::DynamoDB::Table", "Properties": {...}}
//!   },
//!   "Outputs": {
//!     "TodoTableName": {"Value": {"Ref": "TodoTable"}}
//!   }
//! }
//! ```
//!
//! - `Resources` (required) and `Outputs` (optional) are merged into the root
//!   template that `cargo chalice package` writes and `cargo chalice deploy`
//!   deploys (never into nested stacks); `AWSTemplateFormatVersion` and
//!   `Description` may be present and are ignored. `Parameters`,
//!   `Conditions`, `Mappings`, `Transform` and `Rules` are refused, as are
//!   `Condition` on a resource or output, `Fn::If` and output `Export`s.
//! - A resource has a `Type` and may have `Properties`, `DependsOn`,
//!   `Metadata`, `DeletionPolicy`, `UpdateReplacePolicy`, `CreationPolicy`
//!   and `UpdatePolicy`, copied as written. Logical IDs are letters and
//!   digits, and none may be one chalice-rs generates (`APIHandler`,
//!   `RestAPI`...).
//! - Every `Ref`, `Fn::GetAtt`, `Fn::Sub` `${...}` and `DependsOn` of the
//!   fragment names a resource of the fragment, a resource chalice-rs
//!   generates, or a pseudo parameter (`AWS::Region`...); references may not
//!   go round in a circle (a resource that refers to a function, named in
//!   that function's environment variables).
//!
//! In `.chalice/config.json`, an `environment_variables` value may be
//! `{"Ref": "TodoTable"}` or `{"Fn::GetAtt": ["TodoTable", "Arn"]}`
//! ([`EnvValue`]): the function's `Environment` gets the intrinsic function.
//! The target must be a resource of the stack.
//!
//! Locally (`cargo chalice local`), where there is no stack,
//! [`local_environment`] resolves such a variable from the shell's
//! environment when it is set there, else a `Ref` from the resource's
//! literal name ([`LOCAL_NAMES`]: the resource types whose `Ref` is their
//! name); anything else is an error that names the stage, the variable and
//! the resource.
//!
//! When the IAM policy is generated from the code (`autogen_policy`, no
//! `iam_policy_file`) and the fragment declares exactly one
//! `AWS::DynamoDB::Table`, which an environment variable refers to, the
//! generated DynamoDB statements that grant only item and table actions are
//! scoped to that table (and its indexes) instead of `*`.

use super::model::{Expr, ResourceKind, Template};
use super::{ids::is_valid_logical_id, ROLE_ID, USER_POLICY_NAME};
use crate::config::{EnvValue, FunctionConfig, StageConfig};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The fragment's path inside a project.
pub const RESOURCES_PATH: &str = ".chalice/resources.json";

/// Resource types whose `Ref` is their name, and the property holding that
/// name: what `cargo chalice local` can resolve a `Ref` to without a stack.
pub const LOCAL_NAMES: &[(&str, &str)] = &[
    ("AWS::DynamoDB::Table", "TableName"),
    ("AWS::Kinesis::Stream", "Name"),
    ("AWS::Logs::LogGroup", "LogGroupName"),
    ("AWS::S3::Bucket", "BucketName"),
    ("AWS::SSM::Parameter", "Name"),
];

/// CloudFormation's pseudo parameters.
const PSEUDO_PARAMETERS: &[&str] = &[
    "AWS::AccountId",
    "AWS::NotificationARNs",
    "AWS::NoValue",
    "AWS::Partition",
    "AWS::Region",
    "AWS::StackId",
    "AWS::StackName",
    "AWS::URLSuffix",
];

/// The attributes a resource of the fragment may have.
const RESOURCE_KEYS: &[&str] = &[
    "Type",
    "Properties",
    "DependsOn",
    "Metadata",
    "DeletionPolicy",
    "UpdateReplacePolicy",
    "CreationPolicy",
    "UpdatePolicy",
];

/// DynamoDB actions whose resource is a table or its indexes.
const DYNAMODB_TABLE_ACTIONS: &[&str] = &[
    "dynamodb:BatchGetItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:DeleteItem",
    "dynamodb:DescribeTable",
    "dynamodb:GetItem",
    "dynamodb:PartiQLDelete",
    "dynamodb:PartiQLInsert",
    "dynamodb:PartiQLSelect",
    "dynamodb:PartiQLUpdate",
    "dynamodb:PutItem",
    "dynamodb:Query",
    "dynamodb:Scan",
    "dynamodb:UpdateItem",
];

/// Why the fragment cannot be used, or an environment variable cannot be
/// resolved.
#[derive(Debug, thiserror::Error)]
pub enum ResourcesError {
    /// The file exists but cannot be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not JSON.
    #[error("`{RESOURCES_PATH}` line {line}, column {column}: invalid JSON: {message}")]
    Json {
        /// Line (1-based).
        line: usize,
        /// Column (1-based).
        column: usize,
        /// The parser's message.
        message: String,
    },
    /// The fragment is JSON but not a usable fragment.
    #[error("`{RESOURCES_PATH}`: {0}")]
    Invalid(String),
    /// An environment variable of `.chalice/config.json` refers to a resource
    /// that is not in the stack, or cannot be resolved locally.
    #[error(
        "`.chalice/config.json`: stage `{stage}`: environment variable `{variable}`: {message}"
    )]
    Environment {
        /// The stage.
        stage: String,
        /// The variable.
        variable: String,
        /// What is wrong.
        message: String,
    },
}

/// The fragment of a project: empty when it has no `.chalice/resources.json`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Declared {
    /// Resources by logical ID, as written.
    pub resources: BTreeMap<String, Map<String, Value>>,
    /// Outputs by name: `(description, value)`.
    pub outputs: BTreeMap<String, (Option<String>, Value)>,
}

impl Declared {
    /// Reads `.chalice/resources.json` of `project_dir` (none: empty).
    pub fn load(project_dir: &Path) -> Result<Self, ResourcesError> {
        let path = project_dir.join(RESOURCES_PATH);
        match std::fs::read_to_string(&path) {
            Ok(text) => Self::parse(&text),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(source) => Err(ResourcesError::Read { path, source }),
        }
    }

    /// Parses and checks the text of a fragment (references to resources
    /// outside it are checked by [`Declared::merge`]).
    pub fn parse(text: &str) -> Result<Self, ResourcesError> {
        let value: Value = serde_json::from_str(text).map_err(|e| ResourcesError::Json {
            line: e.line(),
            column: e.column(),
            message: e
                .to_string()
                .split(" at line ")
                .next()
                .unwrap_or("")
                .to_owned(),
        })?;
        let invalid = |message: String| Err(ResourcesError::Invalid(message));
        let Value::Object(top) = value else {
            return invalid("the file must hold a JSON object with `Resources`".to_owned());
        };
        for (key, value) in &top {
            match key.as_str() {
                "Resources" | "Outputs" => {}
                "AWSTemplateFormatVersion" if value == "2010-09-09" => {}
                "Description" if value.is_string() => {}
                "Parameters" | "Conditions" | "Mappings" | "Transform" | "Rules" => {
                    return invalid(format!(
                        "`{key}` is not supported: declare `Resources` (and `Outputs`) only; per-stage values belong in `.chalice/config.json`"
                    ));
                }
                other => {
                    return invalid(format!(
                        "unknown key `{other}`; expected `Resources` and optionally `Outputs`"
                    ))
                }
            }
        }
        let Some(Value::Object(resources)) = top.get("Resources") else {
            return invalid("`Resources` must be an object of resources by logical ID".to_owned());
        };
        if resources.is_empty() {
            return invalid("`Resources` is empty".to_owned());
        }
        let mut declared = Declared::default();
        for (id, resource) in resources {
            let fail = |message: &str| invalid(format!("resource `{id}` {message}"));
            if !is_valid_logical_id(id) {
                return fail("is not a valid logical ID: use 1 to 255 letters and digits");
            }
            let Value::Object(attributes) = resource else {
                return fail("must be an object with `Type` and `Properties`");
            };
            for key in attributes.keys() {
                if key == "Condition" {
                    return fail("has a `Condition`: conditions are not supported");
                }
                if !RESOURCE_KEYS.contains(&key.as_str()) {
                    return fail(&format!(
                        "has the unknown attribute `{key}`; expected {}",
                        RESOURCE_KEYS.join(", ")
                    ));
                }
            }
            match attributes.get("Type") {
                Some(Value::String(kind)) if is_resource_type(kind) => {
                    if kind.starts_with("AWS::Serverless::") {
                        return fail(&format!(
                            "is an `{kind}`: SAM types need a `Transform`, which is not supported"
                        ));
                    }
                }
                Some(other) => {
                    return fail(&format!(
                        "has the `Type` {other}; expected a type such as `AWS::DynamoDB::Table`"
                    ))
                }
                None => return fail("has no `Type`"),
            }
            if attributes.get("Properties").is_some_and(|p| !p.is_object()) {
                return fail("has `Properties` that are not an object");
            }
            if let Some(depends_on) = attributes.get("DependsOn") {
                let ok = match depends_on {
                    Value::String(_) => true,
                    Value::Array(items) => items.iter().all(Value::is_string),
                    _ => false,
                };
                if !ok {
                    return fail("has a `DependsOn` that is not a logical ID or a list of them");
                }
            }
            if uses_function(resource, "Fn::If") {
                return fail("uses `Fn::If`: conditions are not supported");
            }
            declared.resources.insert(id.clone(), attributes.clone());
        }
        match top.get("Outputs") {
            None => {}
            Some(Value::Object(outputs)) => {
                for (name, output) in outputs {
                    let fail = |message: &str| invalid(format!("output `{name}` {message}"));
                    if !is_valid_logical_id(name) {
                        return fail("is not a valid name: use 1 to 255 letters and digits");
                    }
                    let Value::Object(output) = output else {
                        return fail("must be an object with a `Value`");
                    };
                    for key in output.keys() {
                        match key.as_str() {
                            "Value" | "Description" => {}
                            "Export" | "Condition" => {
                                return fail(&format!("has `{key}`, which is not supported"))
                            }
                            other => {
                                return fail(&format!(
                                "has the unknown key `{other}`; expected `Value` and `Description`"
                            ))
                            }
                        }
                    }
                    let Some(value) = output.get("Value") else {
                        return fail("has no `Value`");
                    };
                    let description = match output.get("Description") {
                        None => None,
                        Some(Value::String(text)) => Some(text.clone()),
                        Some(_) => return fail("has a `Description` that is not a string"),
                    };
                    declared
                        .outputs
                        .insert(name.clone(), (description, value.clone()));
                }
            }
            Some(_) => return invalid("`Outputs` must be an object of outputs by name".to_owned()),
        }
        Ok(declared)
    }

    /// The declared resource `id`.
    pub fn resource(&self, id: &str) -> Option<&Map<String, Value>> {
        self.resources.get(id)
    }

    /// The declared resource's `Type`.
    pub fn resource_type(&self, id: &str) -> Option<&str> {
        self.resource(id)?.get("Type")?.as_str()
    }

    /// Adds the fragment to the root `template` of the stage of `config`:
    /// checks that no ID clashes with a generated one and that every
    /// reference (of the fragment, and of the functions' environment
    /// variables) names a resource of the stack; scopes the generated
    /// DynamoDB statements to the one declared table (see the module docs).
    pub fn merge(
        &self,
        template: &mut Template,
        config: &StageConfig,
    ) -> Result<(), ResourcesError> {
        let invalid = |message: String| Err(ResourcesError::Invalid(message));
        for id in self.resources.keys() {
            if template.resources.contains_key(id) {
                return invalid(format!(
                    "resource `{id}` clashes with a resource chalice-rs generates; rename it"
                ));
            }
        }
        for name in self.outputs.keys() {
            if template.outputs.contains_key(name) {
                return invalid(format!(
                    "output `{name}` clashes with an output chalice-rs generates; rename it"
                ));
            }
        }
        let known: BTreeSet<&str> = template
            .resources
            .keys()
            .chain(self.resources.keys())
            .map(String::as_str)
            .collect();
        let check = |place: String, value: &Value| -> Result<(), ResourcesError> {
            let mut targets = Vec::new();
            references(value, &BTreeSet::new(), &mut targets);
            for target in targets {
                if target.starts_with("AWS::") {
                    if !PSEUDO_PARAMETERS.contains(&target.as_str()) {
                        return invalid(format!(
                            "{place} refers to `{target}`, which is not a pseudo parameter ({})",
                            PSEUDO_PARAMETERS.join(", ")
                        ));
                    }
                } else if !known.contains(target.as_str()) {
                    return invalid(format!(
                        "{place} refers to `{target}`, which is neither declared here nor generated by chalice-rs{}",
                        self.suggestion(&target)
                    ));
                }
            }
            Ok(())
        };
        for (id, attributes) in &self.resources {
            let mut attributes = attributes.clone();
            if let Some(depends_on) = attributes.remove("DependsOn") {
                let ids: Vec<Value> = match depends_on {
                    Value::Array(items) => items,
                    one => vec![one],
                };
                for target in ids.iter().filter_map(Value::as_str) {
                    if !known.contains(target) {
                        return invalid(format!(
                            "resource `{id}` depends on `{target}`, which is neither declared here nor generated by chalice-rs{}",
                            self.suggestion(target)
                        ));
                    }
                }
            }
            check(format!("resource `{id}`"), &Value::Object(attributes))?;
        }
        for (name, (_, value)) in &self.outputs {
            check(format!("output `{name}`"), value)?;
        }
        // The functions' environment variables.
        let mut referenced = BTreeSet::new();
        for resource in template.resources.values() {
            let ResourceKind::Function(function) = &resource.kind else {
                continue;
            };
            let Some(environment) = &function.environment else {
                continue;
            };
            for (variable, value) in &environment.variables {
                let target = match value {
                    Expr::Ref { target } => target.as_str(),
                    Expr::GetAtt { target } => target[0].as_str(),
                    _ => continue,
                };
                if !known.contains(target) {
                    return Err(ResourcesError::Environment {
                        stage: config.stage.clone(),
                        variable: variable.clone(),
                        message: format!(
                            "refers to `{target}`, which is neither declared in `{RESOURCES_PATH}` nor generated by chalice-rs{}",
                            self.suggestion(target)
                        ),
                    });
                }
                referenced.insert(target.to_owned());
            }
        }
        for (id, attributes) in &self.resources {
            template.resources.insert(
                id.clone(),
                ResourceKind::Declared(attributes.clone()).into(),
            );
        }
        if let Some(cycle) = find_cycle(&dependencies(&template.to_value())) {
            if cycle.iter().any(|id| self.resources.contains_key(id)) {
                return invalid(format!(
                    "resources depend on each other in a circle, which CloudFormation cannot create: {} (a resource that refers to a function cannot be in that function's environment variables)",
                    cycle.join(" → ")
                ));
            }
        }
        for (name, (description, value)) in &self.outputs {
            template.outputs.insert(
                name.clone(),
                super::model::Output {
                    description: description
                        .clone()
                        .unwrap_or_else(|| format!("{name} (declared in {RESOURCES_PATH})")),
                    value: Expr::Json(value.clone()),
                },
            );
        }
        self.scope_dynamodb_policy(template, &config.function(super::API_HANDLER), &referenced);
        Ok(())
    }

    /// ` (declared: A, B)`, to help with a typo.
    fn suggestion(&self, target: &str) -> String {
        if self.resources.is_empty() {
            return format!(" (`{RESOURCES_PATH}` declares no resources)");
        }
        if let Some(close) =
            crate::suggest::closest(target, self.resources.keys().map(String::as_str))
        {
            return format!(" (did you mean `{close}`?)");
        }
        let ids: Vec<&str> = self.resources.keys().map(String::as_str).collect();
        format!(" (declared: {})", ids.join(", "))
    }

    /// Scopes the generated policy's DynamoDB statements to the one declared
    /// table, when the policy is generated and a variable refers to it.
    fn scope_dynamodb_policy(
        &self,
        template: &mut Template,
        api: &FunctionConfig,
        referenced: &BTreeSet<String>,
    ) {
        if api.iam_policy_file.is_some() || !api.autogen_policy {
            return;
        }
        let tables: Vec<&String> = self
            .resources
            .keys()
            .filter(|id| self.resource_type(id) == Some("AWS::DynamoDB::Table"))
            .collect();
        let [table] = tables.as_slice() else {
            return;
        };
        if !referenced.contains(*table) {
            return;
        }
        let Some(ResourceKind::Role(role)) =
            template.resources.get_mut(ROLE_ID).map(|r| &mut r.kind)
        else {
            return;
        };
        let Some(policy) = role
            .policies
            .iter_mut()
            .find(|p| p.policy_name == USER_POLICY_NAME)
        else {
            return;
        };
        let Some(statements) = policy
            .policy_document
            .get_mut("Statement")
            .and_then(Value::as_array_mut)
        else {
            return;
        };
        for statement in statements {
            let table_only = match statement.get("Action") {
                Some(Value::Array(actions)) => {
                    !actions.is_empty()
                        && actions.iter().all(|a| {
                            a.as_str()
                                .is_some_and(|a| DYNAMODB_TABLE_ACTIONS.contains(&a))
                        })
                }
                Some(Value::String(action)) => DYNAMODB_TABLE_ACTIONS.contains(&action.as_str()),
                _ => false,
            };
            if table_only && statement.get("Resource") == Some(&json!("*")) {
                statement["Resource"] = json!([
                    {"Fn::GetAtt": [table, "Arn"]},
                    {"Fn::Sub": format!("${{{table}.Arn}}/index/*")},
                ]);
            }
        }
    }
}

/// What each resource of `template` refers to or depends on, by logical ID.
fn dependencies(template: &Value) -> BTreeMap<String, BTreeSet<String>> {
    let empty = Map::new();
    let resources = template
        .get("Resources")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    resources
        .iter()
        .map(|(id, resource)| {
            let mut targets = Vec::new();
            references(resource, &BTreeSet::new(), &mut targets);
            match resource.get("DependsOn") {
                Some(Value::String(one)) => targets.push(one.clone()),
                Some(Value::Array(items)) => {
                    targets.extend(items.iter().filter_map(Value::as_str).map(str::to_owned))
                }
                _ => {}
            }
            let targets = targets
                .into_iter()
                .filter(|t| resources.contains_key(t))
                .collect();
            (id.clone(), targets)
        })
        .collect()
}

/// A cycle of `graph` (`A → B → A`), if it has one.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(start) = path.iter().position(|n| n == node) {
            let mut cycle = path[start..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

/// Whether `kind` looks like a resource type: `AWS::Service::Type`,
/// `Alexa::ASK::Skill`, or `Custom::Name`.
fn is_resource_type(kind: &str) -> bool {
    let parts: Vec<&str> = kind.split("::").collect();
    let word = |p: &&str| {
        !p.is_empty()
            && p.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '@')
    };
    match parts.as_slice() {
        ["Custom", name] => word(name),
        [_, _, _] => parts.iter().all(word),
        _ => false,
    }
}

/// Whether the intrinsic function `name` is used anywhere in `value`.
fn uses_function(value: &Value, name: &str) -> bool {
    match value {
        Value::Object(map) => {
            (map.len() == 1 && map.contains_key(name))
                || map.values().any(|v| uses_function(v, name))
        }
        Value::Array(items) => items.iter().any(|v| uses_function(v, name)),
        _ => false,
    }
}

/// Collects the targets of every `Ref`, `Fn::GetAtt` and `Fn::Sub` `${...}`
/// in `value` (`local`: names an enclosing `Fn::Sub` defines).
fn references(value: &Value, local: &BTreeSet<String>, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                match (key.as_str(), inner) {
                    ("Ref", Value::String(target)) => out.push(target.clone()),
                    ("Fn::GetAtt", Value::Array(parts)) => {
                        if let Some(target) = parts.first().and_then(Value::as_str) {
                            out.push(target.to_owned());
                        }
                        references(inner, local, out);
                    }
                    ("Fn::GetAtt", Value::String(dotted)) => {
                        out.push(dotted.split('.').next().unwrap_or_default().to_owned());
                    }
                    ("Fn::Sub", Value::String(text)) => sub_references(text, local, out),
                    ("Fn::Sub", Value::Array(parts)) => {
                        let variables = parts.get(1).and_then(Value::as_object);
                        let mut names = local.clone();
                        if let Some(variables) = variables {
                            names.extend(variables.keys().cloned());
                            for v in variables.values() {
                                references(v, local, out);
                            }
                        }
                        if let Some(text) = parts.first().and_then(Value::as_str) {
                            sub_references(text, &names, out);
                        }
                    }
                    _ => references(inner, local, out),
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                references(item, local, out);
            }
        }
        _ => {}
    }
}

/// The `${Name}` and `${Name.Attribute}` targets of a `Fn::Sub` text
/// (`${!Literal}` is text).
fn sub_references(text: &str, local: &BTreeSet<String>, out: &mut Vec<String>) {
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            break;
        };
        let name = after[..end].trim();
        if !name.starts_with('!') {
            let base = if name.starts_with("AWS::") {
                name
            } else {
                name.split('.').next().unwrap_or(name)
            };
            if !local.contains(base) {
                out.push(base.to_owned());
            }
        }
        rest = &after[end + 1..];
    }
}

/// The intrinsic function (or literal) of an environment variable's value in
/// the template.
pub fn env_expr(value: &EnvValue) -> Expr {
    match value {
        EnvValue::Literal(text) => Expr::str(text.clone()),
        EnvValue::Ref { target } => Expr::reference(target.clone()),
        EnvValue::GetAtt { target } => Expr::get_att(target.0.clone(), target.1.clone()),
    }
}

/// The environment of `function` for a run on this machine (`cargo chalice
/// local`): literals as they are; a `Ref`/`Fn::GetAtt` variable takes the
/// value `shell` gives it (the shell's environment) when there is one, else a
/// `Ref` resolves to the literal name of a resource of `.chalice/resources.json`
/// whose `Ref` is its name ([`LOCAL_NAMES`]; a name `{"Fn::Sub":
/// "...${AWS::StackName}..."}` uses the stack name `<app>-<stage>`); anything
/// else is an error naming the stage, the variable and the resource.
pub fn local_environment(
    config: &StageConfig,
    function: &FunctionConfig,
    shell: &dyn Fn(&str) -> Option<String>,
) -> Result<BTreeMap<String, String>, ResourcesError> {
    let unresolved = function
        .environment_variables
        .iter()
        .any(|(name, value)| !matches!(value, EnvValue::Literal(_)) && shell(name).is_none());
    let declared = if unresolved {
        Declared::load(&config.project_dir)?
    } else {
        Declared::default()
    };
    let mut out = BTreeMap::new();
    for (variable, value) in &function.environment_variables {
        let resolved = match value {
            EnvValue::Literal(text) => text.clone(),
            reference => match shell(variable) {
                Some(from_shell) => from_shell,
                None => resolve_locally(config, &declared, variable, reference)?,
            },
        };
        out.insert(variable.clone(), resolved);
    }
    Ok(out)
}

/// The local value of a `Ref`/`Fn::GetAtt` variable not set in the shell.
fn resolve_locally(
    config: &StageConfig,
    declared: &Declared,
    variable: &str,
    value: &EnvValue,
) -> Result<String, ResourcesError> {
    let error = |message: String| ResourcesError::Environment {
        stage: config.stage.clone(),
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
    let stack = crate::deploy::stack_name(&config.app_name, &config.stage);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::artifact::Arch;
    use crate::template::{generate, TemplateError, TemplateFormat};
    use chalice_rs_runtime::manifest::Manifest;

    const TABLE: &str = r#"{"Type": "AWS::DynamoDB::Table", "Properties": {
        "TableName": {"Fn::Sub": "${AWS::StackName}-todos"},
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}]}}"#;

    fn manifest() -> Manifest {
        let route = json!({
            "kind": "route", "handler": "h", "module": "m", "file": "f.rs", "line": 1,
            "path": "/todos", "resource_path": "/todos", "methods": ["GET"],
        })
        .to_string();
        Manifest::from_fragments([route.as_bytes()]).expect("manifest")
    }

    /// A project with `files` (path, text) under a temporary directory.
    fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("tempdir");
        for (path, text) in files {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(path, text).expect("write");
        }
        dir
    }

    fn config_of(dir: &tempfile::TempDir) -> StageConfig {
        crate::config::load(dir.path(), "dev", "app").expect("config")
    }

    /// The root template of the project, or the error.
    fn template(files: &[(&str, &str)]) -> Result<Value, TemplateError> {
        let dir = project(files);
        let config = config_of(&dir);
        let (set, _) = generate(&manifest(), &config, Arch::Arm64, TemplateFormat::Json)?;
        Ok(set.root.to_value())
    }

    fn resources_json(resources: &str) -> String {
        format!(r#"{{"Resources": {resources}}}"#)
    }

    fn env_config(value: &str) -> String {
        format!(
            r#"{{"app_name": "app", "stages": {{"dev": {{"environment_variables": {{"TODO_TABLE": {value}}}}}}}}}"#
        )
    }

    fn error_of(files: &[(&str, &str)]) -> String {
        template(files).expect_err("an error").to_string()
    }

    #[test]
    fn resources_and_outputs_are_merged_and_env_refs_become_intrinsics() {
        let fragment = format!(
            r#"{{"AWSTemplateFormatVersion": "2010-09-09",
                "Resources": {{"TodoTable": {TABLE},
                  "Uploads": {{"Type": "AWS::S3::Bucket", "DeletionPolicy": "Retain",
                    "DependsOn": "TodoTable",
                    "Properties": {{"Tags": [{{"Key": "fn", "Value": {{"Ref": "APIHandler"}}}}]}}}}}},
                "Outputs": {{"TableName": {{"Value": {{"Ref": "TodoTable"}}}},
                  "TableArn": {{"Description": "arn", "Value": {{"Fn::Sub": ["${{T}}", {{"T": {{"Fn::GetAtt": ["TodoTable", "Arn"]}}}}]}}}}}}}}"#
        );
        let config = r#"{"app_name": "app", "environment_variables": {"PLAIN": "text"},
            "stages": {"dev": {"environment_variables": {"TODO_TABLE": {"Ref": "TodoTable"}},
              "lambda_functions": {"api": {"environment_variables": {"TABLE_ARN": {"Fn::GetAtt": ["TodoTable", "Arn"]}}}}}}}"#;
        let root = template(&[
            (".chalice/config.json", config),
            (RESOURCES_PATH, &fragment),
        ])
        .expect("template");
        let resources = &root["Resources"];
        assert_eq!(resources["TodoTable"]["Type"], "AWS::DynamoDB::Table");
        assert_eq!(
            resources["TodoTable"]["Properties"]["BillingMode"],
            "PAY_PER_REQUEST"
        );
        assert_eq!(resources["Uploads"]["DeletionPolicy"], "Retain");
        assert_eq!(resources["Uploads"]["DependsOn"], "TodoTable");
        assert_eq!(
            resources["APIHandler"]["Properties"]["Environment"]["Variables"],
            json!({
                "PLAIN": "text",
                "TODO_TABLE": {"Ref": "TodoTable"},
                "TABLE_ARN": {"Fn::GetAtt": ["TodoTable", "Arn"]},
            })
        );
        assert_eq!(
            root["Outputs"]["TableName"]["Value"],
            json!({"Ref": "TodoTable"})
        );
        assert_eq!(root["Outputs"]["TableArn"]["Description"], "arn");
        assert!(root["Outputs"]["EndpointURL"].is_object());
    }

    #[test]
    fn fragment_errors_name_the_file_and_the_resource() {
        let config = (".chalice/config.json", r#"{"app_name": "app"}"#);
        let cases: &[(String, &str)] = &[
            (
                resources_json(r#"{"APIHandler": {"Type": "AWS::SQS::Queue"}}"#),
                "`.chalice/resources.json`: resource `APIHandler` clashes with a resource chalice-rs generates; rename it",
            ),
            (
                resources_json(r#"{"Queue": {"Properties": {}}}"#),
                "`.chalice/resources.json`: resource `Queue` has no `Type`",
            ),
            (
                resources_json(r#"{"todo-table": {"Type": "AWS::SQS::Queue"}}"#),
                "`.chalice/resources.json`: resource `todo-table` is not a valid logical ID",
            ),
            (
                resources_json(r#"{"Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": {"Ref": "Nope"}}}}"#),
                "`.chalice/resources.json`: resource `Queue` refers to `Nope`, which is neither declared here nor generated by chalice-rs",
            ),
            (
                resources_json(r#"{"Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": {"Fn::Sub": "${queue.Arn}"}}}}"#),
                "refers to `queue`, which is neither declared here nor generated by chalice-rs (did you mean `Queue`?)",
            ),
            (
                resources_json(r#"{"Queue": {"Type": "AWS::SQS::Queue", "DependsOn": ["Other"]}}"#),
                "resource `Queue` depends on `Other`",
            ),
            (
                resources_json(r#"{"Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": {"Ref": "AWS::Nope"}}}}"#),
                "refers to `AWS::Nope`, which is not a pseudo parameter",
            ),
            (
                r#"{"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}, "Conditions": {}}"#.to_owned(),
                "`.chalice/resources.json`: `Conditions` is not supported",
            ),
            (
                r#"{"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}, "Parameters": {}}"#.to_owned(),
                "`Parameters` is not supported",
            ),
            (
                resources_json(r#"{"Q": {"Type": "AWS::SQS::Queue", "Condition": "IsProd"}}"#),
                "resource `Q` has a `Condition`: conditions are not supported",
            ),
            (
                resources_json(r#"{"Q": {"Type": "AWS::SQS::Queue", "Properties": {"DelaySeconds": {"Fn::If": ["C", 1, 2]}}}}"#),
                "resource `Q` uses `Fn::If`",
            ),
            (
                resources_json(r#"{"Q": {"Type": "AWS::SQS::Queue", "Propertes": {}}}"#),
                "resource `Q` has the unknown attribute `Propertes`",
            ),
            (
                resources_json(r#"{"Q": {"Type": "Queue"}}"#),
                "resource `Q` has the `Type` \"Queue\"",
            ),
            (
                resources_json(r#"{"Fn": {"Type": "AWS::Serverless::Function"}}"#),
                "SAM types need a `Transform`",
            ),
            (
                r#"{"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}, "Outputs": {"RestAPIId": {"Value": "x"}}}"#.to_owned(),
                "output `RestAPIId` clashes with an output chalice-rs generates; rename it",
            ),
            (
                r#"{"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}, "Outputs": {"Q": {"Value": "x", "Export": {"Name": "q"}}}}"#.to_owned(),
                "output `Q` has `Export`, which is not supported",
            ),
            (
                r#"{"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}, "Outputs": {"Q": {"Description": "x"}}}"#.to_owned(),
                "output `Q` has no `Value`",
            ),
            (
                r#"{"Resources": {}}"#.to_owned(),
                "`Resources` is empty",
            ),
            (
                resources_json(r#"{"A": {"Type": "AWS::SQS::Queue", "DependsOn": "B"}, "B": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": {"Fn::GetAtt": ["A", "QueueName"]}}}}"#),
                "resources depend on each other in a circle, which CloudFormation cannot create: A → B → A",
            ),
            (
                "{\n  \"Resources\": {\n    \"Q\": {\"Type\": \"AWS::SQS::Queue\",}\n  }\n}".to_owned(),
                "`.chalice/resources.json` line 3, column 37: invalid JSON: trailing comma",
            ),
        ];
        for (fragment, expected) in cases {
            let error = error_of(&[config, (RESOURCES_PATH, fragment)]);
            assert!(
                error.contains(expected),
                "{fragment}\n  gave: {error}\n  expected: {expected}"
            );
        }
    }

    #[test]
    fn env_refs_must_name_a_resource_of_the_stack() {
        let error = error_of(&[
            (
                ".chalice/config.json",
                &env_config(r#"{"Ref": "TodoTabel"}"#),
            ),
            (
                RESOURCES_PATH,
                &resources_json(&format!(r#"{{"TodoTable": {TABLE}}}"#)),
            ),
        ]);
        assert_eq!(
            error,
            "`.chalice/config.json`: stage `dev`: environment variable `TODO_TABLE`: refers to `TodoTabel`, which is neither declared in `.chalice/resources.json` nor generated by chalice-rs (did you mean `TodoTable`?)"
        );
        let error = error_of(&[(
            ".chalice/config.json",
            &env_config(r#"{"Fn::GetAtt": ["Table", "Arn"]}"#),
        )]);
        assert!(
            error.contains("`Table`, which is neither declared in `.chalice/resources.json` nor generated by chalice-rs (`.chalice/resources.json` declares no resources)"),
            "{error}"
        );
        // A resource that refers to the function cannot be in its environment.
        let error = error_of(&[
            (".chalice/config.json", &env_config(r#"{"Ref": "Topic"}"#)),
            (
                RESOURCES_PATH,
                &resources_json(
                    r#"{"Topic": {"Type": "AWS::SNS::Topic", "Properties": {"Subscription": [{"Protocol": "lambda", "Endpoint": {"Fn::GetAtt": ["APIHandler", "Arn"]}}]}}}"#,
                ),
            ),
        ]);
        assert!(
            error.contains("in a circle") && error.contains("APIHandler → Topic → APIHandler"),
            "{error}"
        );
        // A generated resource is a valid target.
        let root = template(&[(".chalice/config.json", &env_config(r#"{"Ref": "RestAPI"}"#))])
            .expect("template");
        assert_eq!(
            root["Resources"]["APIHandler"]["Properties"]["Environment"]["Variables"]["TODO_TABLE"],
            json!({"Ref": "RestAPI"})
        );
    }

    #[test]
    fn bad_env_values_name_file_stage_and_variable() {
        for (value, expected) in [
            (r#"{"Reff": "TodoTable"}"#, "unknown key `Reff`"),
            (
                r#"{"Ref": "TodoTable", "x": 1}"#,
                "an object with the keys `Ref`, `x`",
            ),
            (
                r#"{"Fn::GetAtt": "TodoTable.Arn"}"#,
                "`Fn::GetAtt` takes [\"LogicalId\", \"Attribute\"]",
            ),
            (r#"{"Ref": "todo-table"}"#, "`Ref` takes the logical ID"),
            ("3", "3 is not a string"),
        ] {
            let dir = project(&[(".chalice/config.json", &env_config(value))]);
            let error = crate::config::load(dir.path(), "dev", "app")
                .expect_err("an error")
                .to_string();
            assert!(
                error.contains("config.json:1:")
                    && error.contains("stage `dev`: environment variable `TODO_TABLE`: ")
                    && error.contains(expected),
                "{value}: {error}"
            );
        }
        let dir = project(&[(
            ".chalice/config.json",
            r#"{"lambda_functions": {"api": {"environment_variables": {"A": {"GetAtt": ["T", "Arn"]}}}}}"#,
        )]);
        let error = crate::config::load(dir.path(), "dev", "app")
            .expect_err("an error")
            .to_string();
        assert!(
            error.contains(
                "function `api` (every stage): environment variable `A`: unknown key `GetAtt`"
            ),
            "{error}"
        );
    }

    #[test]
    fn one_declared_table_scopes_the_generated_dynamodb_statement() {
        let main = "fn f(c: aws_sdk_dynamodb::Client, q: aws_sdk_sqs::Client) { c.put_item(); c.get_item(); q.send_message(); }\n";
        let config = env_config(r#"{"Ref": "TodoTable"}"#);
        let one = resources_json(&format!(r#"{{"TodoTable": {TABLE}}}"#));
        let policy = |files: &[(&str, &str)]| -> Value {
            let root = template(files).expect("template");
            root["Resources"]["APIHandlerRole"]["Properties"]["Policies"][1]["PolicyDocument"]
                ["Statement"]
                .clone()
        };
        let statements = policy(&[
            ("src/main.rs", main),
            (".chalice/config.json", &config),
            (RESOURCES_PATH, &one),
        ]);
        assert_eq!(
            statements[0]["Resource"],
            json!([{"Fn::GetAtt": ["TodoTable", "Arn"]}, {"Fn::Sub": "${TodoTable.Arn}/index/*"}])
        );
        assert_eq!(statements[1]["Action"], json!(["sqs:SendMessage"]));
        assert_eq!(statements[1]["Resource"], "*");
        // Two tables, or none referred to: left as it is.
        let two = resources_json(&format!(r#"{{"TodoTable": {TABLE}, "Other": {TABLE}}}"#));
        let statements = policy(&[
            ("src/main.rs", main),
            (".chalice/config.json", &config),
            (RESOURCES_PATH, &two),
        ]);
        assert_eq!(statements[0]["Resource"], "*");
        let statements = policy(&[
            ("src/main.rs", main),
            (".chalice/config.json", &env_config("\"todos\"")),
            (RESOURCES_PATH, &one),
        ]);
        assert_eq!(statements[0]["Resource"], "*");
        // An account-level action keeps `*`.
        let statements = policy(&[
            (
                "src/main.rs",
                "fn f(c: aws_sdk_dynamodb::Client) { c.put_item(); c.list_tables(); }\n",
            ),
            (".chalice/config.json", &config),
            (RESOURCES_PATH, &one),
        ]);
        assert_eq!(statements[0]["Resource"], "*");
    }

    #[test]
    fn local_environment_resolves_names_and_prefers_the_shell() {
        let fragment = resources_json(&format!(
            r#"{{"TodoTable": {TABLE},
                "Literal": {{"Type": "AWS::S3::Bucket", "Properties": {{"BucketName": "my-bucket"}}}},
                "Unnamed": {{"Type": "AWS::DynamoDB::Table", "Properties": {{}}}},
                "Queue": {{"Type": "AWS::SQS::Queue", "Properties": {{"QueueName": "q"}}}},
                "Regional": {{"Type": "AWS::S3::Bucket", "Properties": {{"BucketName": {{"Fn::Sub": "b-${{AWS::Region}}"}}}}}}}}"#
        ));
        let config = |value: &str| {
            format!(
                r#"{{"app_name": "todo", "environment_variables": {{"PLAIN": "x"}},
                  "stages": {{"dev": {{"environment_variables": {{"V": {value}}}}}}}}}"#
            )
        };
        let resolve = |value: &str, shell: Option<&str>| {
            let dir = project(&[
                (".chalice/config.json", &config(value)),
                (RESOURCES_PATH, &fragment),
            ]);
            let stage = config_of(&dir);
            let shell = shell.map(str::to_owned);
            local_environment(&stage, &stage.function("api"), &|name| {
                (name == "V").then(|| shell.clone()).flatten()
            })
            .map(|env| env.get("V").cloned().unwrap_or_default())
            .map_err(|e| e.to_string())
        };
        assert_eq!(
            resolve(r#"{"Ref": "TodoTable"}"#, None).as_deref(),
            Ok("todo-dev-todos")
        );
        assert_eq!(
            resolve(r#"{"Ref": "Literal"}"#, None).as_deref(),
            Ok("my-bucket")
        );
        assert_eq!(
            resolve(r#"{"Ref": "TodoTable"}"#, Some("mine")).as_deref(),
            Ok("mine")
        );
        assert_eq!(
            resolve(r#"{"Fn::GetAtt": ["TodoTable", "Arn"]}"#, Some("arn:x")).as_deref(),
            Ok("arn:x")
        );
        // A literal in the config is not overridden by the shell.
        assert_eq!(resolve("\"lit\"", Some("shell")).as_deref(), Ok("lit"));
        for (value, expected) in [
            (
                r#"{"Fn::GetAtt": ["TodoTable", "Arn"]}"#,
                "an attribute of `TodoTable` known only once the stack is deployed",
            ),
            (r#"{"Ref": "Unnamed"}"#, "`Unnamed` has no `TableName`"),
            (
                r#"{"Ref": "Queue"}"#,
                "the `Ref` of `Queue` (AWS::SQS::Queue) is known only once the stack is deployed",
            ),
            (
                r#"{"Ref": "Regional"}"#,
                "uses `Fn::Sub` with more than `${AWS::StackName}`",
            ),
            (
                r#"{"Ref": "RestAPI"}"#,
                "`RestAPI` is not declared in `.chalice/resources.json`",
            ),
        ] {
            let error = resolve(value, None).expect_err(value);
            assert!(
                error
                    .starts_with("`.chalice/config.json`: stage `dev`: environment variable `V`: ")
                    && error.contains(expected)
                    && error.ends_with("; set `V` in the shell environment to override"),
                "{value}: {error}"
            );
        }
    }
}

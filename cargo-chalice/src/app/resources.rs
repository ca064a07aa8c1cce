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
//! ([`crate::config::EnvValue`]): the function's `Environment` gets the intrinsic function.
//! The target must be a resource of the stack.
//!
//! Locally (`cargo chalice local`), where there is no stack,
//! [`super::environment::local_environment`] resolves such a variable from the shell's
//! environment when it is set there, else a `Ref` from the resource's
//! literal name ([`super::environment::LOCAL_NAMES`]: the resource types whose `Ref` is their
//! name); anything else is an error that names the stage, the variable and
//! the resource.
//!
//! When the IAM policy is generated from the code (`autogen_policy`, no
//! `iam_policy_file`) and the fragment declares exactly one
//! `AWS::DynamoDB::Table`, which an environment variable refers to, the
//! generated DynamoDB statements that grant only item and table actions are
//! scoped to that table (and its indexes) instead of `*`, in every role with
//! the generated policy (a role with a policy file keeps the file as it is).

use super::names::USER_POLICY_NAME;
use crate::cfn::ids::is_valid_logical_id;
use crate::cfn::model::{Expr, Output, ResourceKind, Template};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The fragment's path inside a project.
pub const RESOURCES_PATH: &str = ".chalice/resources.json";

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
    /// DynamoDB statements to the one declared table in the roles whose
    /// policy is generated (`generated`: their logical IDs; see the module
    /// docs). `stage` names the stage in errors.
    pub fn merge(
        &self,
        template: &mut Template,
        stage: &str,
        generated: &BTreeSet<String>,
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
                        stage: stage.to_owned(),
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
                Output {
                    description: description
                        .clone()
                        .unwrap_or_else(|| format!("{name} (declared in {RESOURCES_PATH})")),
                    value: Expr::Json(value.clone()),
                },
            );
        }
        if !generated.is_empty() {
            self.scope_dynamodb_policy(template, &referenced, generated);
        }
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
        referenced: &BTreeSet<String>,
        generated: &BTreeSet<String>,
    ) {
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
        for (id, resource) in template.resources.iter_mut() {
            // Every role with the generated policy (not a policy file's).
            let ResourceKind::Role(role) = &mut resource.kind else {
                continue;
            };
            if !generated.contains(id) {
                continue;
            }
            let Some(policy) = role
                .policies
                .iter_mut()
                .find(|p| p.policy_name == USER_POLICY_NAME)
            else {
                continue;
            };
            let Some(statements) = policy
                .policy_document
                .get_mut("Statement")
                .and_then(Value::as_array_mut)
            else {
                continue;
            };
            scope_statements(statements, table);
        }
    }
}

/// Scopes the table-only DynamoDB statements granted on `*` to `table`.
fn scope_statements(statements: &mut [Value], table: &str) {
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

/// A circle of resources of `template` that refer to or depend on each
/// other (`A → B → A`), which CloudFormation cannot create.
pub fn cycle(template: &Template) -> Option<Vec<String>> {
    find_cycle(&dependencies(&template.to_value()))
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

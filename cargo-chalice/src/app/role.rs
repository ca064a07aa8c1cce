//! The IAM roles of the app's functions. Each function's role comes from its
//! own settings (`lambda_functions.<name>`, then the stage, then the top
//! level), as in Chalice:
//!
//! - `manage_iam_role: false` with `iam_role_arn`: that existing role,
//!   nothing is generated for it (`package` and `deploy` print what its
//!   event source needs of it);
//! - otherwise a role the stack creates, with the policy of
//!   `iam_policy_file`, the one generated from the AWS SDK calls in the
//!   app's sources (scanned once, here), or none (`autogen_policy: false`).
//!
//! The functions whose role settings are the `api` function's (the app's)
//! and whose source needs nothing of the role share one role
//! ([`names::ROLE_ID`]); a function with other settings, or whose source
//! needs permissions (a queue or a stream it reads), gets its own
//! ([`names::role_id_of`]), so that no function is granted another's source.

use super::events::EventFunction;
use super::function::{Function, Trigger};
use super::{names, AppError};
use crate::config::{FunctionConfig, StageConfig};
use crate::policy::{policy_for, PolicyError, PolicyOutcome, PolicySource};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Where a managed role's policy comes from, by a function's settings.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum PolicyChoice {
    /// `iam_policy_file` (relative to `.chalice/`).
    File(String),
    /// Generated from the code (`autogen_policy`, the default).
    Generated,
    /// `autogen_policy: false` without `iam_policy_file`: no `AppPolicy`.
    Disabled,
}

/// A function's IAM settings, resolved: what decides its role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoleSettings {
    /// An existing role (`manage_iam_role: false`, `iam_role_arn`).
    Existing {
        /// Its ARN.
        arn: String,
    },
    /// A role the stack creates, with this policy.
    Managed(PolicyChoice),
}

impl RoleSettings {
    /// The role settings of the function `name` from its resolved settings:
    /// an error when `manage_iam_role` is false without an `iam_role_arn`,
    /// or the ARN is not a role's.
    pub fn of(name: &str, settings: &FunctionConfig) -> Result<Self, AppError> {
        if !settings.manage_iam_role {
            let Some(arn) = &settings.iam_role_arn else {
                return Err(AppError::Config(format!(
                    "`manage_iam_role` is false for the function `{name}` but it has no `iam_role_arn`: give the ARN of the role it runs with (in `lambda_functions.{name}`, or for every function in the stage or at the top level), or leave `manage_iam_role` out so that chalice-rs creates its role"
                )));
            };
            if !is_role_arn(arn) {
                return Err(AppError::Config(format!(
                    "`iam_role_arn` of the function `{name}` is `{arn}`, which is not an IAM role's ARN (`arn:aws:iam::<account>:role/<name>`)"
                )));
            }
            return Ok(Self::Existing { arn: arn.clone() });
        }
        Ok(Self::Managed(
            match (&settings.iam_policy_file, settings.autogen_policy) {
                (Some(file), _) => PolicyChoice::File(file.clone()),
                (None, true) => PolicyChoice::Generated,
                (None, false) => PolicyChoice::Disabled,
            },
        ))
    }
}

/// `arn:<partition>:iam::<12 digits>:role/<path and name>`, as Lambda's
/// `Role` accepts it.
fn is_role_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [prefix, partition, service, region, account, resource] = parts.as_slice() else {
        return false;
    };
    *prefix == "arn"
        && partition.starts_with("aws")
        && *service == "iam"
        && region.is_empty()
        && account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit())
        && resource
            .strip_prefix("role/")
            .is_some_and(|name| !name.is_empty() && !name.ends_with('/'))
}

/// The role one function runs with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    /// A role the stack creates: the logical ID of one of [`Roles::managed`].
    Managed {
        /// Its logical ID.
        logical_id: String,
    },
    /// An existing role, to which nothing is added.
    Existing {
        /// Its ARN.
        arn: String,
    },
}

/// A role the stack creates.
#[derive(Debug, Clone, PartialEq)]
pub struct ManagedRole {
    /// Its logical ID: [`names::ROLE_ID`] for the shared role, else
    /// [`names::role_id_of`] its function.
    pub logical_id: String,
    /// The functions that run with it (their `lambda_functions` keys), in
    /// the app's order.
    pub functions: Vec<String>,
    /// Their log groups' logical IDs: the only log groups it writes to.
    pub log_groups: Vec<String>,
    /// Its policy (`AppPolicy`): where it comes from and the calls found;
    /// `None` when the app has no sources to generate it from.
    pub policy: Option<PolicyOutcome>,
    /// X-Ray's actions are granted (one of its functions has `xray`).
    pub xray: bool,
    /// The VPC's network-interface actions are granted (one of its
    /// functions has `subnet_ids` or `security_group_ids`).
    pub vpc: bool,
    /// What reading its function's source needs (`EventSource`, a queue's or
    /// a stream's actions on its ARN); empty for the shared role.
    pub source_statements: Vec<Value>,
}

impl ManagedRole {
    /// The code's policy document (`AppPolicy`), when there is one.
    pub fn app_policy(&self) -> Option<&Value> {
        self.policy.as_ref()?.document.as_ref()
    }

    /// Whether its policy is generated from the code.
    pub fn is_generated(&self) -> bool {
        self.policy
            .as_ref()
            .is_some_and(|p| p.source == PolicySource::Generated)
    }

    /// Its policy beyond logging, X-Ray and VPC, as one document: the code's
    /// statements, then its source's. `None` when it grants nothing else.
    pub fn document(&self) -> Option<Value> {
        let app = self.app_policy();
        let mut statements = match app.and_then(|d| d.get("Statement")) {
            Some(Value::Array(items)) => items.clone(),
            Some(one) => vec![one.clone()],
            None => Vec::new(),
        };
        statements.extend(self.source_statements.iter().cloned());
        if statements.is_empty() {
            return None;
        }
        let mut document = match app {
            Some(Value::Object(map)) => map.clone(),
            _ => serde_json::Map::new(),
        };
        document
            .entry("Version")
            .or_insert_with(|| json!("2012-10-17"));
        document.insert("Statement".to_owned(), Value::Array(statements));
        Some(Value::Object(document))
    }

    /// What `cargo chalice gen-policy --name` prints: the [`Self::document`]
    /// (or nothing), and the warnings for standard error (the calls not
    /// granted, why there is no document).
    pub fn render(&self) -> (String, Vec<String>) {
        let mut warnings: Vec<String> = self
            .policy
            .iter()
            .flat_map(|p| &p.unmapped)
            .map(|call| format!("not granted (unknown IAM action): {call}"))
            .collect();
        let Some(document) = self.document() else {
            warnings.push(match self.policy.as_ref().map(|p| &p.source) {
                Some(PolicySource::Disabled) => {
                    "autogen_policy is false and no iam_policy_file is set: no policy".to_owned()
                }
                Some(_) => "no AWS SDK client call found: the function needs no extra permissions"
                    .to_owned(),
                None => "the app has no sources to generate a policy from".to_owned(),
            });
            return (String::new(), warnings);
        };
        let mut text = serde_json::to_string_pretty(&document).unwrap_or_default();
        text.push('\n');
        (text, warnings)
    }
}

/// Every function's role, and the roles the stack creates.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Roles {
    /// Each function's role, by its `lambda_functions` key.
    pub of_function: BTreeMap<String, Role>,
    /// The roles the stack creates: the shared role first (when a function
    /// runs with it), then the functions' own, in the app's order.
    pub managed: Vec<ManagedRole>,
}

impl Roles {
    /// The role of the function `name`.
    pub fn of(&self, name: &str) -> Option<&Role> {
        self.of_function.get(name)
    }

    /// The managed role whose logical ID is `logical_id`.
    pub fn managed(&self, logical_id: &str) -> Option<&ManagedRole> {
        self.managed.iter().find(|r| r.logical_id == logical_id)
    }

    /// The managed role the function `name` runs with, if it runs with one.
    pub fn managed_of(&self, name: &str) -> Option<&ManagedRole> {
        match self.of(name)? {
            Role::Managed { logical_id } => self.managed(logical_id),
            Role::Existing { .. } => None,
        }
    }

    /// The ARN of the existing role the function `name` runs with.
    pub fn existing_of(&self, name: &str) -> Option<&str> {
        match self.of(name)? {
            Role::Existing { arn } => Some(arn),
            Role::Managed { .. } => None,
        }
    }

    /// The shared role, when a function runs with it.
    pub fn shared(&self) -> Option<&ManagedRole> {
        self.managed(names::ROLE_ID)
    }
}

/// The roles and the app's policy outcome.
pub(super) struct Resolved {
    /// Every function's role.
    pub roles: Roles,
    /// The policy of the app's settings (the `api` function's): what
    /// `gen-policy` prints; `None` for an existing role.
    pub policy: Option<PolicyOutcome>,
    /// The calls the generated policy cannot grant, when a role has it.
    pub warnings: Vec<String>,
}

/// Resolves each function's role from its settings; `events` are the event
/// functions' sources (what a queue or a stream needs). The sources are
/// scanned here, once.
pub(super) fn resolve(
    config: &StageConfig,
    functions: &[Function],
    events: &[EventFunction],
) -> Result<Resolved, AppError> {
    let mut policies = Policies {
        config,
        known: BTreeMap::new(),
    };
    // The app's settings: the API function's, else the stage's (a setting
    // of `lambda_functions.api` counts, as it would with an API).
    let app_settings = match functions.iter().find(|f| f.trigger == Trigger::RestApi) {
        Some(api) => Some((
            RoleSettings::of(&api.name, &api.settings)?,
            api.settings.clone(),
        )),
        None => {
            let settings = config.function(names::API_HANDLER);
            RoleSettings::of(names::API_HANDLER, &settings)
                .ok()
                .map(|role| (role, settings))
        }
    };
    let policy = match &app_settings {
        Some((RoleSettings::Managed(choice), settings)) => policies.get(choice, settings)?,
        _ => None,
    };
    let shared = app_settings.map(|(role, _)| role);
    let mut roles = Roles::default();
    let mut members: Vec<&Function> = Vec::new();
    let mut own: Vec<ManagedRole> = Vec::new();
    for function in functions {
        let settings = RoleSettings::of(&function.name, &function.settings)?;
        let mut source_statements = events
            .iter()
            .find(|e| e.name == function.name)
            .map(EventFunction::source_statements)
            .unwrap_or_default();
        if let Trigger::Websocket { .. } = function.trigger {
            source_statements.push(manage_connections_statement());
        }
        let role = match &settings {
            RoleSettings::Existing { arn } => Role::Existing { arn: arn.clone() },
            RoleSettings::Managed(_)
                if Some(&settings) == shared.as_ref() && source_statements.is_empty() =>
            {
                members.push(function);
                Role::Managed {
                    logical_id: names::ROLE_ID.to_owned(),
                }
            }
            RoleSettings::Managed(choice) => {
                let logical_id = names::role_id_of(&function.logical_id);
                own.push(ManagedRole {
                    logical_id: logical_id.clone(),
                    functions: vec![function.name.clone()],
                    log_groups: vec![function.log_group_id.clone()],
                    policy: policies.get(choice, &function.settings)?,
                    xray: function.settings.xray,
                    vpc: uses_vpc(&function.settings),
                    source_statements,
                });
                Role::Managed { logical_id }
            }
        };
        roles.of_function.insert(function.name.clone(), role);
    }
    if !members.is_empty() {
        roles.managed.push(ManagedRole {
            logical_id: names::ROLE_ID.to_owned(),
            functions: members.iter().map(|f| f.name.clone()).collect(),
            log_groups: members.iter().map(|f| f.log_group_id.clone()).collect(),
            policy: policy.clone(),
            xray: members.iter().any(|f| f.settings.xray),
            vpc: members.iter().any(|f| uses_vpc(&f.settings)),
            source_statements: Vec::new(),
        });
    }
    check_ids(functions, &own)?;
    roles.managed.extend(own);
    let generated = roles
        .managed
        .iter()
        .filter(|r| r.is_generated())
        .find_map(|r| r.policy.as_ref());
    let mut warnings = warnings(generated);
    warnings.extend(ignored_role_arns(functions));
    Ok(Resolved {
        warnings,
        roles,
        policy,
    })
}

/// What a WebSocket handler's role needs to reach its connections (send,
/// close, describe): `execute-api:ManageConnections` on this API's
/// connections only.
pub fn manage_connections_statement() -> Value {
    json!({
        "Sid": "ManageConnections",
        "Effect": "Allow",
        "Action": ["execute-api:ManageConnections"],
        "Resource": {"Fn::Sub": format!(
            "arn:${{AWS::Partition}}:execute-api:${{AWS::Region}}:${{AWS::AccountId}}:${{{}}}/*",
            super::websocket_api::API_ID
        )},
    })
}

/// A warning per function whose `iam_role_arn` is set while chalice-rs
/// manages its role (`manage_iam_role` not false): the ARN is not used, as in
/// Chalice, and saying so beats leaving it silently unused.
fn ignored_role_arns(functions: &[Function]) -> Vec<String> {
    functions
        .iter()
        .filter(|f| f.settings.manage_iam_role)
        .filter_map(|f| {
            f.settings.iam_role_arn.as_ref().map(|arn| {
                format!(
                    "`iam_role_arn` ({arn}) of the function `{}` is not used: chalice-rs creates its role while `manage_iam_role` is not false; set `\"manage_iam_role\": false` to run it with that role",
                    f.name
                )
            })
        })
        .collect()
}

/// Whether the function runs in a VPC.
fn uses_vpc(settings: &FunctionConfig) -> bool {
    !settings.subnet_ids.is_empty() || !settings.security_group_ids.is_empty()
}

/// The functions' own roles' logical IDs clash with no other role nor any
/// function or log group.
fn check_ids(functions: &[Function], own: &[ManagedRole]) -> Result<(), AppError> {
    let mut taken: BTreeMap<&str, String> = BTreeMap::new();
    taken.insert(names::ROLE_ID, "the shared role".to_owned());
    for function in functions {
        taken.insert(
            &function.logical_id,
            format!("the function `{}`", function.name),
        );
        taken.insert(
            &function.log_group_id,
            format!("the log group of the function `{}`", function.name),
        );
    }
    for role in own {
        let name = role
            .functions
            .first()
            .map(String::as_str)
            .unwrap_or_default();
        if let Some(other) = taken.insert(
            &role.logical_id,
            format!("the role of the function `{name}`"),
        ) {
            return Err(AppError::Unsupported(format!(
                "the role of the function `{name}` would have the logical ID `{}` of {other}; rename the function",
                role.logical_id
            )));
        }
    }
    Ok(())
}

/// Each policy read or generated once.
struct Policies<'a> {
    config: &'a StageConfig,
    known: BTreeMap<PolicyChoice, Option<PolicyOutcome>>,
}

impl Policies<'_> {
    /// The policy of `choice`, read or generated with the settings of a
    /// function that makes it (`settings`).
    fn get(
        &mut self,
        choice: &PolicyChoice,
        settings: &FunctionConfig,
    ) -> Result<Option<PolicyOutcome>, AppError> {
        if let Some(known) = self.known.get(choice) {
            return Ok(known.clone());
        }
        let outcome = match policy_for(&self.config.project_dir, settings) {
            Ok(outcome) => Some(outcome),
            Err(error) => match &settings.iam_policy_file {
                Some(file) => return Err(policy_file_error(self.config, file, error)),
                // A manifest without sources (generated test apps).
                None if matches!(error, PolicyError::NoSources { .. }) => None,
                None => return Err(AppError::GeneratedPolicy(Box::new(error))),
            },
        };
        self.known.insert(choice.clone(), outcome.clone());
        Ok(outcome)
    }
}

/// What `package` and `deploy` warn about: the calls the generated policy
/// cannot grant.
pub fn warnings(outcome: Option<&PolicyOutcome>) -> Vec<String> {
    outcome
        .map(|o| {
            o.unmapped
                .iter()
                .map(|call| {
                    format!("the generated IAM policy does not grant {call}; grant it with iam_policy_file")
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Reads a policy file of the stage (relative to `.chalice/`), with the
/// checks `gen-policy` applies.
pub(super) fn read_policy(config: &StageConfig, file: &str) -> Result<Value, AppError> {
    let path = config.project_dir.join(".chalice").join(file);
    crate::policy::read_policy_file(&path).map_err(|error| policy_file_error(config, file, error))
}

/// The error of the stage's policy file `file`: the file and what is wrong.
fn policy_file_error(config: &StageConfig, file: &str, error: PolicyError) -> AppError {
    let message = match error {
        PolicyError::PolicyFile { message, .. } => message,
        PolicyError::Read { source, .. } => source.to_string(),
        other => other.to_string(),
    };
    AppError::PolicyFile {
        path: config.project_dir.join(".chalice").join(file),
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::App;
    use chalice_rs_runtime::manifest::Manifest;

    /// A project with `config`, a queue `Jobs`, two policy files and a source
    /// calling DynamoDB's `PutItem`.
    fn project(config: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("tempdir");
        let files = [
            (".chalice/config.json", config.to_owned()),
            (
                ".chalice/resources.json",
                json!({"Resources": {"Jobs": {"Type": "AWS::SQS::Queue",
                    "Properties": {"VisibilityTimeout": 360}}}})
                .to_string(),
            ),
            (
                ".chalice/reports.json",
                json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                    "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]})
                .to_string(),
            ),
            (
                ".chalice/tokens.json",
                json!({"Version": "2012-10-17", "Statement": {"Effect": "Allow",
                    "Action": "ssm:GetParameter", "Resource": "*"}})
                .to_string(),
            ),
            (
                "src/main.rs",
                "async fn save(c: &aws_sdk_dynamodb::Client) { let _ = c.put_item().send().await; }\nfn main() {}\n".to_owned(),
            ),
        ];
        for (path, text) in files {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(path, text).expect("write");
        }
        dir
    }

    /// An app of every kind of function: the API (`GET /` behind the
    /// authorizer `bearer`), `nightly` (a schedule), `work` (reads `Jobs`),
    /// `report` (invoked), and `functions` more `(name, source)`.
    fn manifest(functions: &[(&str, Value)]) -> Manifest {
        let mut fragments = vec![
            json!({"kind": "route", "handler": "h", "module": "app", "file": "src/main.rs",
                   "line": 1, "path": "/", "resource_path": "/", "methods": ["GET"],
                   "authorizer": "bearer"}),
            json!({"kind": "authorizer", "name": "bearer", "module": "app", "file": "src/main.rs",
                   "line": 2, "authorizer": {"type": "token", "header": "Authorization"},
                   "ttl_seconds": 0}),
        ];
        let every = [
            (
                "nightly",
                json!({"type": "schedule", "expression": "rate(1 hour)"}),
            ),
            (
                "work",
                json!({"type": "sqs", "queue": "Jobs", "batch_size": 1}),
            ),
            ("report", json!({"type": "invoke"})),
        ];
        for (line, (name, source)) in every
            .iter()
            .cloned()
            .chain(functions.iter().map(|(n, s)| (*n, s.clone())))
            .enumerate()
        {
            fragments.push(json!({"kind": "function", "name": name, "module": "app",
                "file": "src/main.rs", "line": line + 10, "source": source}));
        }
        let texts: Vec<String> = fragments.iter().map(Value::to_string).collect();
        Manifest::from_fragments(texts.iter().map(String::as_bytes)).expect("manifest")
    }

    fn resolve_with(config: &str, functions: &[(&str, Value)]) -> Result<App, AppError> {
        let dir = project(config);
        let stage = crate::config::load(dir.path(), "dev", "shop").expect("config");
        App::resolve(manifest(functions), stage)
    }

    fn resolve(config: &str) -> App {
        resolve_with(config, &[]).expect("app")
    }

    fn role_id<'a>(app: &'a App, name: &str) -> Option<&'a str> {
        app.roles.managed_of(name).map(|r| r.logical_id.as_str())
    }

    fn actions(document: &Value) -> Vec<Value> {
        document["Statement"]
            .as_array()
            .expect("statements")
            .iter()
            .map(|s| s["Action"].clone())
            .collect()
    }

    #[test]
    fn functions_with_the_apps_settings_share_one_role() {
        // `report` states the app's settings itself, `nightly` traces: both
        // still run with the shared role, which grants X-Ray for `nightly`.
        let app = resolve(
            r#"{"app_name": "shop", "lambda_functions": {
                "report": {"autogen_policy": true}, "nightly": {"xray": true}}}"#,
        );
        for name in ["api", "bearer", "nightly", "report"] {
            assert_eq!(role_id(&app, name), Some(names::ROLE_ID), "{name}");
        }
        let shared = app.roles.shared().expect("the shared role");
        assert_eq!(shared.functions, ["api", "bearer", "nightly", "report"]);
        assert_eq!(
            shared.log_groups,
            [
                "APIHandlerLogGroup",
                "BearerAuthorizerLogGroup",
                "NightlyLogGroup",
                "ReportLogGroup"
            ]
        );
        assert!(shared.xray && !shared.vpc && shared.is_generated());
        assert_eq!(
            actions(shared.app_policy().expect("policy")),
            [json!(["dynamodb:PutItem"])]
        );
        // The queue reader has its own role: the same policy and its queue.
        let work = app.roles.managed_of("work").expect("work's role");
        assert_eq!(work.logical_id, "WorkRole");
        assert_eq!(work.log_groups, ["WorkLogGroup"]);
        assert_eq!(work.policy, shared.policy);
        assert_eq!(work.source_statements.len(), 1);
        assert!(!work.xray);
        assert_eq!(app.roles.managed.len(), 2);
        assert_eq!(app.policy, shared.policy);
    }

    #[test]
    fn a_policy_file_gives_a_function_its_own_role() {
        let app = resolve(
            r#"{"app_name": "shop", "lambda_functions": {
                "report": {"iam_policy_file": "reports.json", "subnet_ids": ["subnet-1"]},
                "bearer": {"iam_policy_file": "tokens.json"},
                "work": {"autogen_policy": false}}}"#,
        );
        let report = app.roles.managed_of("report").expect("report's role");
        assert_eq!(report.logical_id, "ReportRole");
        assert_eq!(report.functions, ["report"]);
        assert!(report.vpc && !report.is_generated());
        assert_eq!(
            report.policy.as_ref().map(|p| &p.source),
            Some(&PolicySource::File(
                app.project_dir.join(".chalice/reports.json")
            ))
        );
        assert_eq!(
            actions(report.app_policy().expect("policy")),
            [json!("s3:GetObject")]
        );
        assert_eq!(role_id(&app, "bearer"), Some("BearerAuthorizerRole"));
        // `work` reads its queue and generates nothing.
        let work = app.roles.managed_of("work").expect("work's role");
        assert_eq!(work.app_policy(), None);
        assert_eq!(
            work.policy.as_ref().map(|p| &p.source),
            Some(&PolicySource::Disabled)
        );
        let shared = app.roles.shared().expect("the shared role");
        assert_eq!(shared.functions, ["api", "nightly"]);
        assert!(!shared.vpc);
    }

    #[test]
    fn an_existing_role_is_used_and_nothing_is_generated_for_it() {
        let arn = "arn:aws:iam::123456789012:role/workers";
        let app = resolve(&format!(
            r#"{{"app_name": "shop", "stages": {{"dev": {{"lambda_functions": {{
                "work": {{"manage_iam_role": false, "iam_role_arn": "{arn}"}}}}}}}}}}"#
        ));
        assert_eq!(
            app.roles.of("work"),
            Some(&Role::Existing {
                arn: arn.to_owned()
            })
        );
        assert!(app.roles.managed.iter().all(|r| r.logical_id != "WorkRole"));
        assert_eq!(role_id(&app, "api"), Some(names::ROLE_ID));
        let notes = app.event_notes();
        assert_eq!(
            notes,
            [format!("`work` runs with the existing role {arn}, to which chalice-rs adds nothing: it needs sqs:DeleteMessage, sqs:GetQueueAttributes, sqs:ReceiveMessage on queue `Jobs` (.chalice/resources.json)")]
        );
        // The other way round: the app's role is an existing one, and one
        // function has its own.
        let app = resolve(&format!(
            r#"{{"app_name": "shop", "manage_iam_role": false, "iam_role_arn": "{arn}",
                "lambda_functions": {{"report": {{"manage_iam_role": true}}}}}}"#
        ));
        assert_eq!(app.roles.existing_of("api"), Some(arn));
        assert_eq!(app.policy, None);
        assert_eq!(role_id(&app, "report"), Some("ReportRole"));
        assert_eq!(app.roles.shared(), None);
        assert_eq!(app.roles.managed.len(), 1);
        assert!(app.roles.managed[0].is_generated());
    }

    #[test]
    fn an_arn_of_a_managed_role_is_reported_unused() {
        let app = resolve(
            r#"{"app_name": "shop", "lambda_functions": {"work": {"iam_role_arn": "arn:aws:iam::1:role/w"}}}"#,
        );
        assert!(
            app.policy_warnings.iter().any(|w| w.starts_with(
                "`iam_role_arn` (arn:aws:iam::1:role/w) of the function `work` is not used"
            )),
            "{:?}",
            app.policy_warnings
        );
    }

    #[test]
    fn an_unmanaged_role_without_an_arn_names_the_function_and_the_key() {
        let message = resolve_with(
            r#"{"app_name": "shop", "lambda_functions": {"nightly": {"manage_iam_role": false}}}"#,
            &[],
        )
        .expect_err("no ARN")
        .to_string();
        assert!(
            message.starts_with("`manage_iam_role` is false for the function `nightly` but it has no `iam_role_arn`")
                && message.contains("`lambda_functions.nightly`"),
            "{message}"
        );
        let message = resolve_with(
            r#"{"app_name": "shop", "manage_iam_role": false, "iam_role_arn": "workers"}"#,
            &[],
        )
        .expect_err("not an ARN")
        .to_string();
        assert!(
            message.contains(
                "`iam_role_arn` of the function `api` is `workers`, which is not an IAM role's ARN"
            ),
            "{message}"
        );
        let message = resolve_with(
            r#"{"app_name": "shop", "lambda_functions": {"report": {"iam_policy_file": "nope.json"}}}"#,
            &[],
        )
        .expect_err("no file")
        .to_string();
        assert!(message.contains(".chalice/nope.json"), "{message}");
        assert!(is_role_arn("arn:aws-cn:iam::123456789012:role/a/b"));
        assert!(!is_role_arn("arn:aws:iam::123456789012:user/a"));
        assert!(!is_role_arn("arn:aws:iam::12345:role/a"));
    }

    #[test]
    fn two_own_roles_with_one_logical_id_are_refused() {
        let message = resolve_with(
            r#"{"app_name": "shop", "lambda_functions": {
                "bearer": {"iam_policy_file": "tokens.json"},
                "bearer_authorizer": {"iam_policy_file": "tokens.json"}}}"#,
            &[("bearer_authorizer", json!({"type": "invoke"}))],
        )
        .expect_err("a clash")
        .to_string();
        assert!(
            message.contains("the role of the function `bearer_authorizer` would have the logical ID `BearerAuthorizerRole` of the role of the function `bearer`"),
            "{message}"
        );
    }

    #[test]
    fn gen_policy_name_prints_the_functions_whole_policy() {
        let arn = "arn:aws:iam::123456789012:role/reports";
        let app = resolve(&format!(
            r#"{{"app_name": "shop", "lambda_functions": {{
                "report": {{"manage_iam_role": false, "iam_role_arn": "{arn}"}},
                "nightly": {{"autogen_policy": false}}}}}}"#
        ));
        // The code's policy, then what reading the queue needs.
        let (text, warnings) = app.role_of_function("work").expect("work").render();
        let document: Value = serde_json::from_str(&text).expect("JSON");
        assert_eq!(document["Version"], "2012-10-17");
        assert_eq!(
            actions(&document),
            [
                json!(["dynamodb:PutItem"]),
                json!([
                    "sqs:DeleteMessage",
                    "sqs:GetQueueAttributes",
                    "sqs:ReceiveMessage"
                ])
            ]
        );
        assert_eq!(
            document["Statement"][1]["Resource"],
            json!({"Fn::GetAtt": ["Jobs", "Arn"]})
        );
        assert!(warnings.is_empty(), "{warnings:?}");
        // The shared role's: the code's policy only.
        let (text, _) = app.role_of_function("api").expect("api").render();
        let document: Value = serde_json::from_str(&text).expect("JSON");
        assert_eq!(actions(&document), [json!(["dynamodb:PutItem"])]);
        // Nothing to grant.
        let (text, warnings) = app.role_of_function("nightly").expect("nightly").render();
        assert!(text.is_empty());
        assert_eq!(
            warnings,
            ["autogen_policy is false and no iam_policy_file is set: no policy"]
        );
        let message = app
            .role_of_function("report")
            .expect_err("existing")
            .to_string();
        assert!(
            message.starts_with(&format!(
                "the function `report` runs with the existing role {arn}"
            )),
            "{message}"
        );
        let message = app
            .role_of_function("wrok")
            .expect_err("unknown")
            .to_string();
        assert_eq!(
            message,
            "the app has no function `wrok` (did you mean `work`?); its functions: api, bearer, nightly, report, work"
        );
    }
}

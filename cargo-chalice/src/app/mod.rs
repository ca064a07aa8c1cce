//! The resolved application: everything the app will be on AWS, built once
//! from the manifest (what the code declares), the stage's
//! `.chalice/config.json`, `.chalice/resources.json` and the IAM policy scan
//! of the sources, and checked while it is built.
//!
//! It is the only thing `package` (through [`crate::template`]), `deploy`,
//! `local`, `routes` and `gen-policy` read, so that what `local` serves is
//! what `package` writes, and `local` refuses exactly what `package` refuses,
//! with the same message. See ARCHITECTURE.md for where a new kind of
//! function or API goes.

pub mod alarms;
pub mod api_logs;
pub mod custom_domain;
pub mod environment;
pub mod events;
pub mod function;
pub mod function_logs;
pub mod names;
pub mod resources;
pub mod rest_api;
pub mod role;
pub mod rollout;
pub mod websocket_api;

use crate::config::{EnvValue, FunctionConfig, StageConfig};
use chalice_rs_runtime::manifest::Manifest;
#[cfg(test)]
use chalice_rs_runtime::manifest::APP_CORS_ENV;
use function::{Function, Trigger};
use resources::{Declared, ResourcesError};
use rest_api::RestApi;
use std::collections::BTreeMap;
use std::path::PathBuf;
use websocket_api::WebsocketApi;

/// The retention periods CloudWatch Logs accepts, in days.
pub const RETENTION_DAYS: &[u32] = &[
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

/// Why the app cannot be resolved: what AWS would refuse, found before any
/// build of a template or start of a local server.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The stage's `iam_policy_file` cannot be used.
    #[error("iam_policy_file {path}: {message}")]
    PolicyFile {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The app's sources cannot be read to generate its IAM policy.
    #[error("cannot generate the IAM policy from the code (set `autogen_policy` to false or give an `iam_policy_file`): {0}")]
    GeneratedPolicy(Box<crate::policy::PolicyError>),
    /// The stage's `resource_policy_file` cannot be used.
    #[error("resource_policy_file {path}: {message}")]
    ResourcePolicyFile {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A setting has a value AWS would reject.
    #[error("{0}")]
    Config(String),
    /// The app uses something AWS (or this tool) does not support.
    #[error("{0}")]
    Unsupported(String),
    /// `.chalice/resources.json` cannot be used, or an environment variable
    /// refers to a resource the stack does not have.
    #[error(transparent)]
    Resources(#[from] ResourcesError),
    /// An event function's source cannot be wired as written.
    #[error("{attribute} `{function}` ({location}): {message}")]
    Event {
        /// The attribute (`#[on_sqs_message]`).
        attribute: &'static str,
        /// The function's name.
        function: String,
        /// Where it is written: `src/jobs.rs:9 (app::jobs::work)`.
        location: String,
        /// What is wrong.
        message: String,
    },
}

/// Why `cargo chalice gen-policy --name` has no role policy to print.
#[derive(Debug, thiserror::Error)]
pub enum RolePolicyError {
    /// No function has that name.
    #[error("the app has no function `{name}`{hint}; its functions: {known}")]
    UnknownFunction {
        /// The name asked for.
        name: String,
        /// ` (did you mean `work`?)`, or nothing.
        hint: String,
        /// The app's functions, comma-separated.
        known: String,
    },
    /// The function runs with an existing role.
    #[error("the function `{name}` runs with the existing role {arn} (`manage_iam_role` is false): chalice-rs writes no policy for it{needs}")]
    ExistingRole {
        /// The function.
        name: String,
        /// The role's ARN.
        arn: String,
        /// `; it must grant ...` for a function reading a queue or a stream.
        needs: String,
    },
}

/// An app resolved for one stage.
#[derive(Debug, Clone, PartialEq)]
pub struct App {
    /// The app's name (`app_name`).
    pub name: String,
    /// The chalice stage (`dev`).
    pub stage: String,
    /// The project directory.
    pub project_dir: PathBuf,
    /// Every Lambda function, the API function first.
    pub functions: Vec<Function>,
    /// The REST API, when the app has routes.
    pub rest_api: Option<RestApi>,
    /// The WebSocket API, when the app has WebSocket handlers.
    pub websocket_api: Option<WebsocketApi>,
    /// Each function's role, from its own settings, and the roles the stack
    /// creates (`role.rs`).
    pub roles: role::Roles,
    /// The policy of the app's role settings (the `api` function's, the
    /// shared role's): its source, the SDK calls found in the sources and
    /// what the generated policy cannot grant (`None` for an existing role).
    pub policy: Option<crate::policy::PolicyOutcome>,
    /// What the generated IAM policy cannot grant (for `package` and `deploy`
    /// to warn about).
    pub policy_warnings: Vec<String>,
    /// `.chalice/resources.json`.
    pub resources: Declared,
    /// The event functions' sources, resolved (in the manifest's order).
    pub events: Vec<events::EventFunction>,
    /// The stage's CloudWatch alarms (`alarms`).
    pub alarms: alarms::Alarms,
    /// The API stage's logs and metrics (`api_logs`), when the app has an API.
    pub api_logs: Option<api_logs::ApiLogs>,
    /// The REST API's custom domain (`api_gateway_custom_domain`).
    pub custom_domain: Option<custom_domain::CustomDomain>,
    /// The WebSocket API's custom domain (`websocket_api_custom_domain`).
    pub websocket_custom_domain: Option<custom_domain::CustomDomain>,
    /// The manifest it was resolved from (app-wide CORS applied).
    pub manifest: Manifest,
    /// The stage's configuration, for the stage-level settings the model
    /// does not lift (deployment bucket, architecture).
    pub config: StageConfig,
}

impl App {
    /// Resolves and checks the app of `manifest` in the stage of `config`.
    pub fn resolve(manifest: Manifest, config: StageConfig) -> Result<Self, AppError> {
        let mut manifest = manifest;
        config.apply_cors(&mut manifest);
        let rest_api = rest_api::resolve(&manifest, &config)?;
        let mut functions = Vec::new();
        if rest_api.is_some() {
            functions.push(function(
                &config,
                names::API_HANDLER,
                chalice_rs_runtime::lambda::API_HANDLER.to_owned(),
                Trigger::RestApi,
                names::FUNCTION_ID.to_owned(),
                names::LOG_GROUP_ID.to_owned(),
                "HTTP API handler".to_owned(),
            )?);
        }
        if let Some(api) = &rest_api {
            for authorizer in api.authorizers.values() {
                let definition = &authorizer.definition;
                if !definition.has_function() {
                    continue;
                }
                functions.push(function(
                    &config,
                    &definition.name,
                    format!(
                        "{}{}",
                        chalice_rs_runtime::lambda::AUTHORIZER_HANDLER_PREFIX,
                        definition.name
                    ),
                    Trigger::Authorizer {
                        name: definition.name.clone(),
                    },
                    names::authorizer_function_id(&authorizer.stem),
                    names::authorizer_log_group_id(&authorizer.stem),
                    format!("authorizer {}", definition.name),
                )?);
            }
        }
        for event in &manifest.functions {
            let stem = crate::cfn::ids::camel(&event.name);
            if let Some(other) = functions
                .iter()
                .find(|f| f.logical_id == names::event_function_id(&stem))
            {
                return Err(AppError::Unsupported(format!(
                    "the functions `{}` and `{}` would share the logical ID `{}`; rename one",
                    other.name,
                    event.name,
                    names::event_function_id(&stem)
                )));
            }
            functions.push(function(
                &config,
                &event.name,
                event.handler(),
                Trigger::Event(event.source.clone()),
                names::event_function_id(&stem),
                names::event_log_group_id(&stem),
                format!("{} {}", event.source.attribute(), event.name),
            )?);
        }
        let websocket_api = websocket_api::resolve(&manifest, &config)?;
        if let Some(api) = &websocket_api {
            websocket_functions(&config, &manifest, api, &mut functions)?;
        }
        // `api` is always known: the shared role reads its settings.
        let mut known = vec![names::API_HANDLER];
        for function in &functions {
            if !known.contains(&function.name.as_str()) {
                known.push(&function.name);
            }
        }
        if let Some((key, close)) = config.unknown_function(&known) {
            return Err(AppError::Config(format!(
                "{}: `{key}` names no function of the app{}; its functions are: {}",
                crate::config::CONFIG_PATH,
                close
                    .map(|c| format!(" (did you mean `{c}`?)"))
                    .unwrap_or_default(),
                known.join(", ")
            )));
        }
        if functions.is_empty() {
            return Err(AppError::Unsupported(
                "the app has no routes and no other functions; add a `#[route]` handler or an event function (`#[schedule]`, `#[on_sqs_message]`, `#[lambda_function]`, ...)".to_owned(),
            ));
        }
        let resources = Declared::load(&config.project_dir)?;
        let events = events::resolve(&manifest, &functions, &resources)?;
        let role = role::resolve(&config, &functions, &events)?;
        let alarms = alarms::resolve(
            config.alarms.as_ref(),
            &config.app_name,
            rest_api.as_ref(),
            &functions,
            &events,
        )?;
        let api_logs = match (&rest_api, functions.first()) {
            (Some(api), Some(function)) => Some(api_logs::resolve(
                config.api_logs.as_ref(),
                api,
                function.settings.log_retention_in_days,
            )?),
            _ => None,
        };
        let custom_domain = custom_domain::resolve(
            config.custom_domain.as_ref(),
            custom_domain::DomainOf::Rest(rest_api.as_ref().map(|api| api.endpoint_type.as_str())),
        )?;
        let websocket_custom_domain = custom_domain::resolve(
            config.websocket_custom_domain.as_ref(),
            custom_domain::DomainOf::Websocket(websocket_api.is_some()),
        )?;
        Ok(Self {
            name: config.app_name.clone(),
            stage: config.stage.clone(),
            project_dir: config.project_dir.clone(),
            functions,
            rest_api,
            websocket_api,
            roles: role.roles,
            policy_warnings: role.warnings,
            policy: role.policy,
            resources,
            events,
            alarms,
            api_logs,
            custom_domain,
            websocket_custom_domain,
            manifest,
            config,
        })
    }

    /// The resolved source of the event function `name`.
    pub fn event(&self, name: &str) -> Option<&events::EventFunction> {
        self.events.iter().find(|e| e.name == name)
    }

    /// What `package` and `deploy` tell about the event functions' wiring:
    /// which buckets the template wires, which `deploy` wires, and what a
    /// function's existing role must grant.
    pub fn event_notes(&self) -> Vec<String> {
        events::notes(&self.events, &|name| self.roles.existing_of(name))
    }

    /// What `package` and `deploy` tell about operating the stage: what the
    /// account must have for the API's logs.
    pub fn operation_notes(&self) -> Vec<String> {
        self.api_logs
            .iter()
            .filter_map(api_logs::ApiLogs::account_role_note)
            .collect()
    }

    /// The role `cargo chalice gen-policy --name` prints the policy of: the
    /// role of the function `name`; an error when there is no such
    /// function, or it runs with an existing role.
    pub fn role_of_function(&self, name: &str) -> Result<&role::ManagedRole, RolePolicyError> {
        if let Some(arn) = self.roles.existing_of(name) {
            return Err(RolePolicyError::ExistingRole {
                name: name.to_owned(),
                arn: arn.to_owned(),
                needs: self
                    .event(name)
                    .and_then(events::EventFunction::source_needs)
                    .map(|needs| format!("; it must grant {needs}"))
                    .unwrap_or_default(),
            });
        }
        self.roles.managed_of(name).ok_or_else(|| {
            let known: Vec<&str> = self.functions.iter().map(|f| f.name.as_str()).collect();
            RolePolicyError::UnknownFunction {
                name: name.to_owned(),
                hint: crate::suggest::closest(name, known.iter().copied())
                    .map(|close| format!(" (did you mean `{close}`?)"))
                    .unwrap_or_default(),
                known: known.join(", "),
            }
        })
    }

    /// The notifications `deploy` writes on buckets outside the stack.
    pub fn external_notifications(&self) -> Vec<events::ExternalNotification> {
        self.events
            .iter()
            .filter_map(events::EventFunction::external_notification)
            .collect()
    }

    /// The function whose `lambda_functions` key is `name`.
    pub fn function(&self, name: &str) -> Option<&Function> {
        self.functions.iter().find(|f| f.name == name)
    }

    /// The REST API's function (every route's integration).
    pub fn api_function(&self) -> Option<&Function> {
        self.functions
            .iter()
            .find(|f| f.trigger == Trigger::RestApi)
    }

    /// The function of the Lambda authorizer `name`.
    pub fn authorizer_function(&self, name: &str) -> Option<&Function> {
        self.functions
            .iter()
            .find(|f| matches!(&f.trigger, Trigger::Authorizer { name: n } if n == name))
    }

    /// The CloudFormation stack's name.
    pub fn stack_name(&self) -> String {
        names::stack_name(&self.name, &self.stage)
    }

    /// A description of the app's stage, for the template and its resources.
    pub fn description(&self) -> String {
        format!("chalice-rs app {}, stage {}", self.name, self.stage)
    }
}

/// The WebSocket API's functions: one per route, and the `$connect`
/// authorizer's when the REST API does not already have it.
fn websocket_functions(
    config: &StageConfig,
    manifest: &Manifest,
    api: &WebsocketApi,
    functions: &mut Vec<Function>,
) -> Result<(), AppError> {
    if let Some(websocket_api::WebsocketAuthorizer::Lambda { name, stem, .. }) = &api.authorizer {
        let known = functions
            .iter()
            .any(|f| matches!(&f.trigger, Trigger::Authorizer { name: n } if n == name));
        if !known && manifest.authorizer(name).is_some() {
            functions.push(function(
                config,
                name,
                format!(
                    "{}{name}",
                    chalice_rs_runtime::lambda::AUTHORIZER_HANDLER_PREFIX
                ),
                Trigger::Authorizer { name: name.clone() },
                names::authorizer_function_id(stem),
                names::authorizer_log_group_id(stem),
                format!("authorizer {name}"),
            )?);
        }
    }
    for route in &api.routes {
        let logical_id = names::event_function_id(&route.stem);
        if let Some(other) = functions.iter().find(|f| f.logical_id == logical_id) {
            return Err(AppError::Unsupported(format!(
                "the functions `{}` and `{}` would share the logical ID `{logical_id}`; rename one",
                other.name, route.function
            )));
        }
        let handler = manifest
            .websocket_handler(&route.route_key)
            .map(chalice_rs_runtime::manifest::WebsocketFragment::lambda_handler)
            .unwrap_or_default();
        functions.push(function(
            config,
            &route.function,
            handler,
            Trigger::Websocket {
                route_key: route.route_key.clone(),
            },
            logical_id,
            names::event_log_group_id(&route.stem),
            format!("WebSocket route {}", route.route_key),
        )?);
    }
    Ok(())
}

/// Resolves and checks one function's settings.
fn function(
    config: &StageConfig,
    name: &str,
    handler: String,
    trigger: Trigger,
    logical_id: String,
    log_group_id: String,
    role_in_app: String,
) -> Result<Function, AppError> {
    let settings: FunctionConfig = config.function(name);
    let which = if name == names::API_HANDLER {
        String::new()
    } else {
        format!(" of the function `{name}`")
    };
    if !RETENTION_DAYS.contains(&settings.log_retention_in_days) {
        return Err(AppError::Config(format!(
            "`log_retention_in_days`{which} is {}; CloudWatch Logs accepts {}",
            settings.log_retention_in_days,
            RETENTION_DAYS
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    if !(128..=10240).contains(&settings.lambda_memory_size) {
        return Err(AppError::Config(format!(
            "`lambda_memory_size`{which} is {}; Lambda accepts 128 to 10240 (MB)",
            settings.lambda_memory_size
        )));
    }
    if !(1..=900).contains(&settings.lambda_timeout) {
        return Err(AppError::Config(format!(
            "`lambda_timeout`{which} is {}; Lambda accepts 1 to 900 (seconds)",
            settings.lambda_timeout
        )));
    }
    let function_name = names::function_name(&config.app_name, &config.stage, name);
    if function_name.len() > names::MAX_FUNCTION_NAME {
        return Err(AppError::Config(format!(
            "the Lambda function name `{function_name}` (`<app_name>-<stage>[-<function>]`) is {} characters; Lambda allows {}: shorten `app_name`, the stage or the function's name",
            function_name.len(),
            names::MAX_FUNCTION_NAME
        )));
    }
    let logs = function_logs::resolve(
        &which,
        settings.log_format.as_deref(),
        settings.log_level.as_deref(),
    )?;
    let rollout = rollout::resolve(
        &config.stage,
        &which,
        settings.lambda_versions,
        settings.traffic_shifting.as_deref(),
    )?;
    let mut environment: BTreeMap<String, EnvValue> = settings.environment_variables.clone();
    if let Some((variable, json)) = config.cors_environment() {
        environment.insert(variable, EnvValue::Literal(json));
    }
    Ok(Function {
        name: name.to_owned(),
        function_name,
        handler,
        trigger,
        logical_id,
        log_group_id,
        description: format!(
            "chalice-rs app {}, stage {}: {role_in_app}",
            config.app_name, config.stage
        ),
        settings,
        environment,
        rollout,
        logs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A manifest of `routes`: `(method, path, cors)`.
    fn manifest(routes: &[(&str, &str, Option<&str>)]) -> Manifest {
        let routes: Vec<_> = routes
            .iter()
            .enumerate()
            .map(|(line, (method, path, origin))| {
                let mut route = json!({
                    "resource_path": path, "path": path, "method": method,
                    "handler": format!("h{line}"), "module": "app", "file": "src/main.rs",
                    "line": line + 1, "content_types": ["application/json"],
                    "api_key_required": false,
                });
                if let Some(origin) = origin {
                    route["cors"] = json!({"allow_origin": origin, "allow_headers": [],
                        "expose_headers": [], "allow_credentials": false});
                }
                route
            })
            .collect();
        serde_json::from_value(json!({
            "version": chalice_rs_runtime::manifest::MANIFEST_VERSION, "routes": routes,
        }))
        .expect("manifest")
    }

    /// The stage `dev` of a project whose config is `config`.
    fn config(config: &str) -> (tempfile::TempDir, StageConfig) {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join(".chalice")).expect(".chalice");
        std::fs::write(dir.path().join(".chalice/config.json"), config).expect("config");
        let stage = crate::config::load(dir.path(), "dev", "app").expect("config");
        (dir, stage)
    }

    fn refusal(routes: &[(&str, &str, Option<&str>)], config_text: &str) -> String {
        let (_dir, stage) = config(config_text);
        App::resolve(manifest(routes), stage)
            .expect_err("refused")
            .to_string()
    }

    // The drifts `local` once served and `package` refused: both read the
    // app through `App::resolve`, so they now refuse them with one message.
    #[test]
    fn routes_of_one_resource_with_different_cors_are_refused() {
        let message = refusal(
            &[("GET", "/a", Some("https://x")), ("PUT", "/a", Some("*"))],
            r#"{"app_name": "app", "autogen_policy": false}"#,
        );
        assert!(
            message.starts_with("`/a` has routes with different CORS settings (src/main.rs:1")
                && message.contains("one preflight per resource"),
            "{message}"
        );
    }

    #[test]
    fn an_options_route_on_a_cors_resource_is_refused() {
        let message = refusal(
            &[("GET", "/a", Some("*")), ("OPTIONS", "/a", None)],
            r#"{"app_name": "app", "autogen_policy": false}"#,
        );
        assert!(
            message.starts_with("`/a` routes OPTIONS (")
                && message.contains("the CORS preflight is the OPTIONS method"),
            "{message}"
        );
    }

    #[test]
    fn a_private_endpoint_without_a_resource_policy_is_refused() {
        let message = refusal(
            &[("GET", "/", None)],
            r#"{"app_name": "app", "autogen_policy": false, "api_gateway_endpoint_type": "PRIVATE"}"#,
        );
        assert!(
            message.contains("PRIVATE but no `resource_policy`"),
            "{message}"
        );
    }

    #[test]
    fn functions_are_named_once_for_the_template_and_local() {
        let (_dir, stage) = config(
            r#"{"app_name": "shop", "autogen_policy": false, "cors": true,
                "environment_variables": {"A": "1"}}"#,
        );
        let app = App::resolve(manifest(&[("GET", "/", None)]), stage).expect("app");
        let api = app.api_function().expect("api function");
        assert_eq!(api.function_name, "shop-dev");
        assert_eq!(api.log_group_name(), "/aws/lambda/shop-dev");
        assert_eq!(api.handler, "api");
        // The config's variables and the app-wide CORS, for both readers.
        assert_eq!(api.environment["A"], EnvValue::Literal("1".to_owned()));
        assert!(api.environment.contains_key(APP_CORS_ENV));
        let long = "x".repeat(61);
        let (_dir, stage) = config(&format!(
            r#"{{"app_name": "{long}", "autogen_policy": false}}"#
        ));
        let message = App::resolve(manifest(&[("GET", "/", None)]), stage)
            .expect_err("too long")
            .to_string();
        assert!(message.contains("Lambda allows 64"), "{message}");
    }

    #[test]
    fn every_functions_memory_and_timeout_are_checked() {
        let mut with_function = manifest(&[("GET", "/", None)]);
        with_function.functions.push(
            serde_json::from_value(json!({"name": "work", "module": "app",
                "file": "src/main.rs", "line": 9, "source": {"type": "invoke"}}))
            .expect("function"),
        );
        for (settings, says) in [
            (
                r#"{"lambda_memory_size": 64}"#,
                "`lambda_memory_size` of the function `work` is 64; Lambda accepts 128 to 10240",
            ),
            (
                r#"{"lambda_timeout": 901}"#,
                "`lambda_timeout` of the function `work` is 901; Lambda accepts 1 to 900",
            ),
        ] {
            let (_dir, stage) = config(&format!(
                r#"{{"app_name": "app", "autogen_policy": false, "lambda_functions": {{"work": {settings}}}}}"#
            ));
            let message = App::resolve(with_function.clone(), stage)
                .expect_err("refused")
                .to_string();
            assert!(message.contains(says), "{message}");
        }
    }

    #[test]
    fn an_app_without_functions_is_refused_with_what_to_add() {
        let (_dir, stage) = config(r#"{"app_name": "app"}"#);
        let message = App::resolve(manifest(&[]), stage)
            .expect_err("nothing")
            .to_string();
        assert!(message.contains("add a `#[route]` handler"), "{message}");
    }

    #[test]
    fn a_lambda_functions_entry_naming_no_function_is_refused() {
        let message = refusal(
            &[("GET", "/", None)],
            r#"{"app_name": "app", "autogen_policy": false,
                "stages": {"dev": {"lambda_functions": {"apii": {"lambda_memory_size": 512}}}}}"#,
        );
        assert_eq!(
            message,
            ".chalice/config.json: `stages.dev.lambda_functions.apii` names no function of the app (did you mean `api`?); its functions are: api"
        );
    }

    #[test]
    fn routes_under_the_consoles_prefix_are_refused() {
        let message = refusal(
            &[("GET", "/_chalice/{page}", None)],
            r#"{"app_name": "app"}"#,
        );
        assert!(
            message.contains("`GET /_chalice/{page}` (src/main.rs:1 (app::h0))"),
            "{message}"
        );
        assert!(message.contains("console"), "{message}");
        let (_dir, stage) = config(r#"{"app_name": "app"}"#);
        assert!(App::resolve(manifest(&[("GET", "/_chalicex", None)]), stage).is_ok());
    }
}

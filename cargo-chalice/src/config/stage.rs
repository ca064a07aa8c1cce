//! A stage, resolved: loading and parsing the file, then the stage's
//! values over the top level's, checked.

use super::checks::{check_environment, check_keys, check_types};
use super::file::{ConfigFile, StageSection};
use super::governance::{
    resolve_governance, GatewayResponse, ResourcePolicy, Throttling, UsagePlan,
};
use super::{invalid, ConfigError, CONFIG_PATH};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One stage of a project, resolved: what package, local and deploy read.
#[derive(Debug, Clone, PartialEq)]
pub struct StageConfig {
    /// The project directory.
    pub project_dir: PathBuf,
    /// The app's name.
    pub app_name: String,
    /// The chalice stage (`dev`).
    pub stage: String,
    /// API Gateway stage name.
    pub api_gateway_stage: String,
    /// Endpoint type: `EDGE`, `REGIONAL` or `PRIVATE`.
    pub endpoint_type: String,
    /// Binary media types.
    pub binary_media_types: Vec<String>,
    /// Minimum compression size.
    pub minimum_compression_size: Option<u32>,
    /// Stage variables.
    pub stage_variables: BTreeMap<String, String>,
    /// Deployment bucket, if set.
    pub deployment_bucket: Option<String>,
    /// Architecture: `arm64` or `x86_64`.
    pub architecture: String,
    /// API key names (used when a route requires a key): `api_keys`, or `<app>-<stage>`.
    pub api_keys: Vec<String>,
    /// The usage plan's limits.
    pub usage_plan: UsagePlan,
    /// Stage throttling.
    pub throttling: Option<Throttling>,
    /// Gateway responses by type.
    pub gateway_responses: BTreeMap<String, GatewayResponse>,
    /// Resource policy from source-IP lists.
    pub resource_policy: Option<ResourcePolicy>,
    /// Resource policy file under `.chalice/`.
    pub resource_policy_file: Option<String>,
    /// CORS for the routes without their own (`cors`).
    pub cors: Option<chalice_rs_runtime::manifest::Cors>,
    /// The WebSocket API's route selection expression, when the config sets one.
    pub websocket_route_selection_expression: Option<String>,
    /// CloudWatch alarms (`alarms`: the stage's, else the top level's).
    pub alarms: Option<super::Alarms>,
    /// The API stage's logs (`api_logs`: the stage's, else the top level's).
    pub api_logs: Option<super::ApiLogs>,
    /// The REST API's custom domain (`api_gateway_custom_domain`: the
    /// stage's, else the top level's).
    pub custom_domain: Option<super::CustomDomain>,
    /// The WebSocket API's custom domain (`websocket_api_custom_domain`: the
    /// stage's, else the top level's).
    pub websocket_custom_domain: Option<super::CustomDomain>,
    /// The whole file, for the functions' settings.
    pub(super) file: ConfigFile,
}

/// Loads `.chalice/config.json` of `project_dir` for `stage`.
///
/// A missing file means defaults (app name `default_app_name`). A present file
/// must be valid: errors carry the file, line and column, and unknown keys are
/// named. A stage that the file does not define is an error when the file
/// defines stages; `dev` is always allowed.
pub fn load(
    project_dir: &Path,
    stage: &str,
    default_app_name: &str,
) -> Result<StageConfig, ConfigError> {
    let path = project_dir.join(CONFIG_PATH);
    let file = match std::fs::read_to_string(&path) {
        Ok(text) => parse(&path, &text)?,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => ConfigFile::default(),
        Err(source) => return Err(ConfigError::Read { path, source }),
    };
    resolve(project_dir, &path, file, stage, default_app_name)
}

/// Parses the text of a config file; errors name `path`, line and column, and
/// unknown keys and values of the wrong type by their full name
/// (`stages.dev.lambda_memroy_size`).
pub fn parse(path: &Path, text: &str) -> Result<ConfigFile, ConfigError> {
    let json_error = |error: serde_json::Error| ConfigError::Invalid {
        path: path.to_owned(),
        line: error.line(),
        column: error.column(),
        message: error
            .to_string()
            .split(" at line ")
            .next()
            .unwrap_or("")
            .to_owned(),
    };
    let value: Value = serde_json::from_str(text).map_err(json_error)?;
    check_keys(path, text, &value)?;
    check_environment(path, text, &value)?;
    match serde_json::from_str(text) {
        Ok(file) => Ok(file),
        Err(error) => Err(check_types(path, text, &value)
            .err()
            .unwrap_or_else(|| json_error(error))),
    }
}

/// The stage `stage` of `file` (read from `path`), checked.
fn resolve(
    project_dir: &Path,
    path: &Path,
    file: ConfigFile,
    stage: &str,
    default_app_name: &str,
) -> Result<StageConfig, ConfigError> {
    let defined = file.stages.contains_key(stage) || (stage == "dev" && file.stages.is_empty());
    if !defined {
        let known: Vec<&str> = file.stages.keys().map(String::as_str).collect();
        return Err(ConfigError::UnknownStage {
            path: path.to_owned(),
            stage: stage.to_owned(),
            known: if known.is_empty() {
                "(none)".to_owned()
            } else {
                known.join(", ")
            },
        });
    }
    let section = file.stages.get(stage);
    let pick = |get: &dyn Fn(&StageSection) -> Option<String>| {
        section.and_then(get).or_else(|| get(&file.top))
    };
    let app_name = file
        .app_name
        .clone()
        .unwrap_or_else(|| default_app_name.to_owned());
    if app_name.is_empty()
        || !app_name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(invalid(
            path,
            format!("`app_name` `{app_name}` must be letters, digits, `-` or `_`"),
        ));
    }
    let endpoint_type =
        pick(&|s| s.api_gateway_endpoint_type.clone()).unwrap_or_else(|| "EDGE".to_owned());
    if !["EDGE", "REGIONAL", "PRIVATE"].contains(&endpoint_type.as_str()) {
        return Err(invalid(
            path,
            format!("`api_gateway_endpoint_type` is `{endpoint_type}`; expected EDGE, REGIONAL or PRIVATE"),
        ));
    }
    let architecture = pick(&|s| s.architecture.clone()).unwrap_or_else(|| "arm64".to_owned());
    if !["arm64", "x86_64"].contains(&architecture.as_str()) {
        return Err(invalid(
            path,
            format!("`architecture` is `{architecture}`; expected arm64 or x86_64"),
        ));
    }
    let binary_media_types = section
        .and_then(|s| s.binary_media_types.clone())
        .or_else(|| file.top.binary_media_types.clone())
        .unwrap_or_else(|| {
            chalice_rs_runtime::gateway::DEFAULT_BINARY_MEDIA_TYPES
                .iter()
                .map(|s| (*s).to_owned())
                .collect()
        });
    let mut stage_variables = file.top.stage_variables.clone().unwrap_or_default();
    if let Some(vars) = section.and_then(|s| s.stage_variables.as_ref()) {
        stage_variables.extend(vars.clone());
    }
    let governance = resolve_governance(path, &file, section, &app_name, stage)?;
    let config = StageConfig {
        project_dir: project_dir.to_owned(),
        app_name,
        stage: stage.to_owned(),
        api_gateway_stage: pick(&|s| s.api_gateway_stage.clone())
            .unwrap_or_else(|| "api".to_owned()),
        endpoint_type,
        binary_media_types,
        minimum_compression_size: section
            .and_then(|s| s.minimum_compression_size)
            .or(file.top.minimum_compression_size),
        stage_variables,
        deployment_bucket: pick(&|s| s.deployment_bucket.clone()),
        architecture,
        api_keys: governance.api_keys,
        usage_plan: governance.usage_plan,
        throttling: governance.throttling,
        gateway_responses: governance.gateway_responses,
        resource_policy: governance.resource_policy,
        resource_policy_file: governance.resource_policy_file,
        cors: governance.cors,
        websocket_route_selection_expression: pick(&|s| {
            s.websocket_route_selection_expression.clone()
        }),
        alarms: section
            .and_then(|s| s.alarms.clone())
            .or_else(|| file.top.alarms.clone()),
        api_logs: section
            .and_then(|s| s.api_logs.clone())
            .or_else(|| file.top.api_logs.clone()),
        custom_domain: section
            .and_then(|s| s.api_gateway_custom_domain.clone())
            .or_else(|| file.top.api_gateway_custom_domain.clone()),
        websocket_custom_domain: section
            .and_then(|s| s.websocket_api_custom_domain.clone())
            .or_else(|| file.top.websocket_api_custom_domain.clone()),
        file,
    };
    let api = config.function("api");
    if !(128..=10240).contains(&api.lambda_memory_size) {
        return Err(invalid(
            path,
            format!(
                "`lambda_memory_size` is {}; expected 128 to 10240 (MB)",
                api.lambda_memory_size
            ),
        ));
    }
    if !(1..=900).contains(&api.lambda_timeout) {
        return Err(invalid(
            path,
            format!(
                "`lambda_timeout` is {}; expected 1 to 900 (seconds)",
                api.lambda_timeout
            ),
        ));
    }
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::tests::load_text;

    #[test]
    fn missing_file_gives_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let config = load(dir.path(), "dev", "myapp").unwrap();
        assert_eq!(config.app_name, "myapp");
        assert_eq!(config.api_gateway_stage, "api");
        assert_eq!(config.architecture, "arm64");
        let api = config.function("api");
        assert_eq!((api.lambda_memory_size, api.lambda_timeout), (128, 60));
        assert!(api.autogen_policy);
    }

    #[test]
    fn invalid_json_has_line_and_column() {
        let err = load_text("{\n  \"app_name\": \"a\",\n  oops\n}", "dev").unwrap_err();
        let text = err.to_string();
        assert!(text.contains("config.json:3:"), "{text}");
    }

    #[test]
    fn unknown_stage_lists_stages() {
        let err = load_text(r#"{"stages": {"dev": {}, "prod": {}}}"#, "qa").unwrap_err();
        assert_eq!(
            err.to_string()
                .split(": ")
                .skip(1)
                .collect::<Vec<_>>()
                .join(": "),
            "no stage `qa`; the stages are: dev, prod"
        );
    }

    #[test]
    fn out_of_range_values_are_rejected() {
        let err = load_text(r#"{"lambda_timeout": 1000}"#, "dev").unwrap_err();
        assert!(err.to_string().contains("lambda_timeout"));
    }
}

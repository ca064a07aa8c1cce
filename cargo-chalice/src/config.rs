//! `.chalice/config.json`: Chalice's project configuration, with stages.
//!
//! Settings resolve as in Chalice: a function's entry under a stage's
//! `lambda_functions`, then the stage, then the top level, then the default.

use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The config file's path inside a project.
pub const CONFIG_PATH: &str = ".chalice/config.json";

/// Why the configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file exists but cannot be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not valid JSON, or a value has the wrong type.
    #[error("{path}:{line}:{column}: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Line of the error (1-based).
        line: usize,
        /// Column of the error (1-based).
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// The stage asked for is not in `stages`.
    #[error("{path}: no stage `{stage}`; the stages are: {known}")]
    UnknownStage {
        /// The file.
        path: PathBuf,
        /// The stage asked for.
        stage: String,
        /// The stages the file defines.
        known: String,
    },
}

/// The value of an environment variable in `environment_variables`: a
/// string, or a reference to a resource of the stack (one declared in
/// `.chalice/resources.json`, or one chalice-rs generates), which
/// CloudFormation resolves at deploy time.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum EnvValue {
    /// A literal string.
    Literal(String),
    /// `{"Ref": "TodoTable"}`: the resource's `Ref` value (a table's name, a
    /// queue's URL...).
    Ref {
        /// The resource's logical ID.
        #[serde(rename = "Ref")]
        target: String,
    },
    /// `{"Fn::GetAtt": ["TodoTable", "Arn"]}`: an attribute of the resource.
    GetAtt {
        /// The resource's logical ID and the attribute.
        #[serde(rename = "Fn::GetAtt")]
        target: (String, String),
    },
}

impl EnvValue {
    /// The logical ID of the resource referred to; `None` for a literal.
    pub fn resource(&self) -> Option<&str> {
        match self {
            EnvValue::Literal(_) => None,
            EnvValue::Ref { target } => Some(target),
            EnvValue::GetAtt { target } => Some(&target.0),
        }
    }
}

impl std::fmt::Display for EnvValue {
    /// The value as written in the config: `"text"`, `{"Ref": "X"}`...
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EnvValue::Literal(text) => write!(f, "{}", Value::from(text.as_str())),
            EnvValue::Ref { target } => write!(f, "{}", serde_json::json!({"Ref": target})),
            EnvValue::GetAtt { target } => write!(
                f,
                "{}",
                serde_json::json!({"Fn::GetAtt": [target.0, target.1]})
            ),
        }
    }
}

/// Settings that may appear at the top level, in a stage, or in a function.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct Settings {
    /// Environment variables for the functions (merged across levels): strings,
    /// or `{"Ref": ...}`/`{"Fn::GetAtt": [...]}` of a resource of the stack.
    pub environment_variables: Option<BTreeMap<String, EnvValue>>,
    /// Memory in MB (128..=10240).
    pub lambda_memory_size: Option<u32>,
    /// Timeout in seconds (1..=900).
    pub lambda_timeout: Option<u32>,
    /// Generate the IAM policy from the code (default true).
    pub autogen_policy: Option<bool>,
    /// A policy file under `.chalice/`, used instead of the generated policy.
    pub iam_policy_file: Option<String>,
    /// An existing IAM role ARN for the functions.
    pub iam_role_arn: Option<String>,
    /// Whether the tool manages the role (default true).
    pub manage_iam_role: Option<bool>,
    /// Tags for the resources (merged across levels).
    pub tags: Option<BTreeMap<String, String>>,
    /// Reserved concurrency of the function.
    pub reserved_concurrency: Option<u32>,
    /// Lambda layer ARNs.
    pub layers: Option<Vec<String>>,
    /// X-Ray active tracing.
    pub xray: Option<bool>,
    /// VPC subnets.
    pub subnet_ids: Option<Vec<String>>,
    /// VPC security groups.
    pub security_group_ids: Option<Vec<String>>,
    /// CloudWatch Logs retention in days.
    pub log_retention_in_days: Option<u32>,
}

/// A stage: settings plus the API-wide keys.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct StageSection {
    /// Settings shared by the stage's functions.
    #[serde(flatten)]
    pub settings: Settings,
    /// API Gateway stage name (default `api`).
    pub api_gateway_stage: Option<String>,
    /// `EDGE`, `REGIONAL` or `PRIVATE` (default `EDGE`).
    pub api_gateway_endpoint_type: Option<String>,
    /// Binary media types (default: Chalice's list).
    pub binary_media_types: Option<Vec<String>>,
    /// Responses larger than this are compressed.
    pub minimum_compression_size: Option<u32>,
    /// Stage variables.
    pub stage_variables: Option<BTreeMap<String, String>>,
    /// S3 bucket for deployment artifacts.
    pub deployment_bucket: Option<String>,
    /// `arm64` (default) or `x86_64`.
    pub architecture: Option<String>,
    /// Per-function overrides, by function name (`api`, or a handler name).
    pub lambda_functions: Option<BTreeMap<String, Settings>>,
    /// Names of the API keys made when a route requires one (default one key, `<app>-<stage>`).
    pub api_keys: Option<Vec<String>>,
    /// The usage plan the API keys belong to.
    pub usage_plan: Option<UsagePlan>,
    /// Stage throttling, overall and per route.
    pub throttling: Option<Throttling>,
    /// Gateway responses by response type (`UNAUTHORIZED`, `DEFAULT_4XX`...).
    pub gateway_responses: Option<BTreeMap<String, GatewayResponse>>,
    /// A resource policy from source-IP lists.
    pub resource_policy: Option<ResourcePolicy>,
    /// A resource policy file under `.chalice/` (instead of `resource_policy`).
    pub resource_policy_file: Option<String>,
    /// CORS for every route without its own `cors`: `true` or a
    /// [`CorsConfig`] object.
    pub cors: Option<Value>,
}

/// The object form of the app-wide `cors` key.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CorsConfig {
    /// `Access-Control-Allow-Origin` (default `*`).
    pub allow_origin: Option<String>,
    /// Headers allowed beyond Chalice's defaults.
    #[serde(default)]
    pub allow_headers: Vec<String>,
    /// `Access-Control-Expose-Headers`.
    #[serde(default)]
    pub expose_headers: Vec<String>,
    /// `Access-Control-Max-Age` in seconds (0 to 86400).
    pub max_age: Option<u32>,
    /// `Access-Control-Allow-Credentials: true`.
    #[serde(default)]
    pub allow_credentials: bool,
}

/// A rate and burst limit.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ThrottleLimits {
    /// Steady-state requests per second.
    pub rate_limit: Option<f64>,
    /// Burst capacity (requests).
    pub burst_limit: Option<u32>,
}

/// A usage plan's quota.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Quota {
    /// Requests per period.
    pub limit: u32,
    /// `DAY`, `WEEK` or `MONTH`.
    pub period: String,
}

/// `usage_plan`: throttle and quota for the API keys.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct UsagePlan {
    /// Rate and burst per key.
    pub throttle: Option<ThrottleLimits>,
    /// Quota per key.
    pub quota: Option<Quota>,
}

/// `throttling`: the stage's limits, overall and per route (`"GET /items/{id}"`).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Throttling {
    /// Steady-state requests per second for the whole stage.
    pub rate_limit: Option<f64>,
    /// Burst capacity for the whole stage.
    pub burst_limit: Option<u32>,
    /// Limits per route, keyed `"METHOD /path"`.
    #[serde(default)]
    pub routes: BTreeMap<String, ThrottleLimits>,
}

impl Throttling {
    /// The stage's own rate and burst: the defaults of every route.
    pub fn stage_limits(&self) -> ThrottleLimits {
        ThrottleLimits {
            rate_limit: self.rate_limit,
            burst_limit: self.burst_limit,
        }
    }
}

/// One gateway response.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct GatewayResponse {
    /// The HTTP status (default: API Gateway's for the type).
    pub status_code: Option<u16>,
    /// Response headers (static values).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Body templates by content type.
    #[serde(default)]
    pub templates: BTreeMap<String, String>,
}

/// `resource_policy`: who may call the API, by source IP.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ResourcePolicy {
    /// Only these addresses or CIDR ranges may call (empty: anyone).
    #[serde(default)]
    pub allow_source_ips: Vec<String>,
    /// These addresses or CIDR ranges may not call.
    #[serde(default)]
    pub deny_source_ips: Vec<String>,
}

/// API Gateway's gateway response types.
pub const GATEWAY_RESPONSE_TYPES: &[&str] = &[
    "ACCESS_DENIED",
    "API_CONFIGURATION_ERROR",
    "AUTHORIZER_CONFIGURATION_ERROR",
    "AUTHORIZER_FAILURE",
    "BAD_REQUEST_BODY",
    "BAD_REQUEST_PARAMETERS",
    "DEFAULT_4XX",
    "DEFAULT_5XX",
    "EXPIRED_TOKEN",
    "INTEGRATION_FAILURE",
    "INTEGRATION_TIMEOUT",
    "INVALID_API_KEY",
    "INVALID_SIGNATURE",
    "MISSING_AUTHENTICATION_TOKEN",
    "QUOTA_EXCEEDED",
    "REQUEST_TOO_LARGE",
    "RESOURCE_NOT_FOUND",
    "THROTTLED",
    "UNAUTHORIZED",
    "UNSUPPORTED_MEDIA_TYPE",
    "WAF_FILTERED",
];

/// The whole file.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct ConfigFile {
    /// Config format version (`"2.0"`).
    pub version: Option<String>,
    /// The app's name: the stack is `<app_name>-<stage>`.
    pub app_name: Option<String>,
    /// Top-level settings and API keys.
    #[serde(flatten)]
    pub top: StageSection,
    /// The stages by name.
    #[serde(default)]
    pub stages: BTreeMap<String, StageSection>,
}

/// Settings of one function in one stage, fully resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionConfig {
    /// Environment variables (see [`EnvValue`]; [`local_environment`]
    /// resolves them for a run on this machine).
    pub environment_variables: BTreeMap<String, EnvValue>,
    /// Memory in MB.
    pub lambda_memory_size: u32,
    /// Timeout in seconds.
    pub lambda_timeout: u32,
    /// Generate the IAM policy from the code.
    pub autogen_policy: bool,
    /// Policy file (relative to `.chalice/`).
    pub iam_policy_file: Option<String>,
    /// Existing role ARN.
    pub iam_role_arn: Option<String>,
    /// Whether the tool manages the role.
    pub manage_iam_role: bool,
    /// Tags.
    pub tags: BTreeMap<String, String>,
    /// Reserved concurrency.
    pub reserved_concurrency: Option<u32>,
    /// Layers.
    pub layers: Vec<String>,
    /// X-Ray tracing.
    pub xray: bool,
    /// VPC subnets.
    pub subnet_ids: Vec<String>,
    /// VPC security groups.
    pub security_group_ids: Vec<String>,
    /// Log retention in days.
    pub log_retention_in_days: u32,
}

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
    file: ConfigFile,
}

impl StageConfig {
    /// The resolved settings of function `name` (`api` for the HTTP API).
    pub fn function(&self, name: &str) -> FunctionConfig {
        let top = &self.file.top;
        let stage = self.file.stages.get(&self.stage);
        let mut levels: Vec<&Settings> = vec![&top.settings];
        if let Some(function) = top.lambda_functions.as_ref().and_then(|f| f.get(name)) {
            levels.push(function);
        }
        if let Some(stage) = stage {
            levels.push(&stage.settings);
            if let Some(function) = stage.lambda_functions.as_ref().and_then(|f| f.get(name)) {
                levels.push(function);
            }
        }
        // The most specific level that sets a key wins; maps merge.
        let pick = |get: &dyn Fn(&Settings) -> Option<Value>| -> Option<Value> {
            levels.iter().rev().find_map(|level| get(level))
        };
        fn merge<T: Clone>(
            levels: &[&Settings],
            get: impl Fn(&Settings) -> Option<&BTreeMap<String, T>>,
        ) -> BTreeMap<String, T> {
            let mut out = BTreeMap::new();
            for level in levels {
                if let Some(map) = get(level) {
                    out.extend(map.iter().map(|(k, v)| (k.clone(), v.clone())));
                }
            }
            out
        }
        let number = |v: Option<Value>| v.and_then(|v| v.as_u64()).map(|n| n as u32);
        let flag = |v: Option<Value>| v.and_then(|v| v.as_bool());
        let text = |v: Option<Value>| v.and_then(|v| v.as_str().map(str::to_owned));
        let list = |v: Option<Value>| -> Vec<String> {
            v.and_then(|v| serde_json::from_value(v).ok())
                .unwrap_or_default()
        };
        FunctionConfig {
            environment_variables: merge(&levels, |s| s.environment_variables.as_ref()),
            lambda_memory_size: number(pick(&|s| s.lambda_memory_size.map(Value::from)))
                .unwrap_or(128),
            lambda_timeout: number(pick(&|s| s.lambda_timeout.map(Value::from))).unwrap_or(60),
            autogen_policy: flag(pick(&|s| s.autogen_policy.map(Value::from))).unwrap_or(true),
            iam_policy_file: text(pick(&|s| s.iam_policy_file.clone().map(Value::from))),
            iam_role_arn: text(pick(&|s| s.iam_role_arn.clone().map(Value::from))),
            manage_iam_role: flag(pick(&|s| s.manage_iam_role.map(Value::from))).unwrap_or(true),
            tags: merge(&levels, |s| s.tags.as_ref()),
            reserved_concurrency: number(pick(&|s| s.reserved_concurrency.map(Value::from))),
            layers: list(pick(&|s| s.layers.clone().map(Value::from))),
            xray: flag(pick(&|s| s.xray.map(Value::from))).unwrap_or(false),
            subnet_ids: list(pick(&|s| s.subnet_ids.clone().map(Value::from))),
            security_group_ids: list(pick(&|s| s.security_group_ids.clone().map(Value::from))),
            log_retention_in_days: number(pick(&|s| s.log_retention_in_days.map(Value::from)))
                .unwrap_or(14),
        }
    }
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

/// Keys of [`Settings`].
const SETTINGS_KEYS: &[&str] = &[
    "environment_variables",
    "lambda_memory_size",
    "lambda_timeout",
    "autogen_policy",
    "iam_policy_file",
    "iam_role_arn",
    "manage_iam_role",
    "tags",
    "reserved_concurrency",
    "layers",
    "xray",
    "subnet_ids",
    "security_group_ids",
    "log_retention_in_days",
];
/// Keys of [`StageSection`] beyond the settings.
const STAGE_KEYS: &[&str] = &[
    "api_gateway_stage",
    "api_gateway_endpoint_type",
    "binary_media_types",
    "minimum_compression_size",
    "stage_variables",
    "deployment_bucket",
    "architecture",
    "lambda_functions",
    "api_keys",
    "usage_plan",
    "throttling",
    "gateway_responses",
    "resource_policy",
    "resource_policy_file",
    "cors",
];
/// Keys only the top level has.
const TOP_KEYS: &[&str] = &["version", "app_name", "stages"];

/// Parses the text of a config file; errors name `path`, line and column, and
/// unknown keys by their full name (`stages.dev.lambda_memroy_size`).
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
    serde_json::from_str(text).map_err(json_error)
}

/// Checks every `environment_variables` value: a string, `{"Ref": "Id"}` or
/// `{"Fn::GetAtt": ["Id", "Attribute"]}`; errors name the level (stage,
/// function) and the variable.
fn check_environment(path: &Path, text: &str, value: &Value) -> Result<(), ConfigError> {
    let mut sections: Vec<(String, &Value)> = vec![("top level".to_owned(), value)];
    fn functions(section: &Value) -> Vec<(String, &Value)> {
        section
            .get("lambda_functions")
            .and_then(Value::as_object)
            .map(|f| f.iter().map(|(name, v)| (name.clone(), v)).collect())
            .unwrap_or_default()
    }
    for (name, function) in functions(value) {
        sections.push((format!("function `{name}` (every stage)"), function));
    }
    if let Some(stages) = value.get("stages").and_then(Value::as_object) {
        for (stage, section) in stages {
            sections.push((format!("stage `{stage}`"), section));
            for (name, function) in functions(section) {
                sections.push((format!("stage `{stage}`, function `{name}`"), function));
            }
        }
    }
    for (place, section) in sections {
        let Some(variables) = section
            .get("environment_variables")
            .and_then(Value::as_object)
        else {
            continue;
        };
        for (variable, value) in variables {
            if let Err((key, problem)) = check_env_value(value) {
                let (line, column) = locate(text, key.as_deref().unwrap_or(variable));
                return Err(ConfigError::Invalid {
                    path: path.to_owned(),
                    line,
                    column,
                    message: format!("{place}: environment variable `{variable}`: {problem}"),
                });
            }
        }
    }
    Ok(())
}

/// What is wrong with an environment variable's value, and the key to point at.
fn check_env_value(value: &Value) -> Result<(), (Option<String>, String)> {
    const EXPECTED: &str =
        r#"expected a string, {"Ref": "LogicalId"} or {"Fn::GetAtt": ["LogicalId", "Attribute"]}"#;
    let logical_id = |id: &str| crate::cfn::ids::is_valid_logical_id(id);
    let Some(object) = value.as_object() else {
        return match value {
            Value::String(_) => Ok(()),
            other => Err((None, format!("{other} is not a string; {EXPECTED}"))),
        };
    };
    let mut keys = object.keys();
    let (Some(key), None) = (keys.next(), keys.next()) else {
        let keys: Vec<String> = object.keys().map(|k| format!("`{k}`")).collect();
        return Err((
            None,
            format!(
                "an object with the keys {}; {EXPECTED}",
                if keys.is_empty() {
                    "(none)".to_owned()
                } else {
                    keys.join(", ")
                }
            ),
        ));
    };
    let at = Some(key.clone());
    match (key.as_str(), &object[key]) {
        ("Ref", Value::String(id)) if logical_id(id) => Ok(()),
        ("Ref", other) => Err((
            at,
            format!("`Ref` takes the logical ID of a resource (letters and digits), not {other}"),
        )),
        ("Fn::GetAtt", Value::Array(parts))
            if parts.len() == 2
                && parts[0].as_str().is_some_and(logical_id)
                && parts[1].as_str().is_some_and(|a| !a.is_empty()) =>
        {
            Ok(())
        }
        ("Fn::GetAtt", other) => Err((
            at,
            format!(
                r#"`Fn::GetAtt` takes ["LogicalId", "Attribute"] (e.g. ["TodoTable", "Arn"]), not {other}"#
            ),
        )),
        (other, _) => Err((at, format!("unknown key `{other}`; {EXPECTED}"))),
    }
}

fn check_keys(path: &Path, text: &str, value: &Value) -> Result<(), ConfigError> {
    let unknown = |key: &str, full: String, allowed: &[&[&str]]| {
        let (line, column) = locate(text, key);
        let mut all: Vec<&str> = allowed
            .iter()
            .flat_map(|keys| keys.iter().copied())
            .collect();
        all.sort_unstable();
        ConfigError::Invalid {
            path: path.to_owned(),
            line,
            column,
            message: format!("unknown key `{full}`; known keys here: {}", all.join(", ")),
        }
    };
    let check = |object: &Value, prefix: &str, allowed: &[&[&str]]| -> Result<(), ConfigError> {
        if let Some(map) = object.as_object() {
            for key in map.keys() {
                if !allowed.iter().any(|keys| keys.contains(&key.as_str())) {
                    return Err(unknown(key, format!("{prefix}{key}"), allowed));
                }
            }
        }
        Ok(())
    };
    let Some(top) = value.as_object() else {
        return Err(invalid(path, "the file must hold a JSON object".to_owned()));
    };
    check(value, "", &[TOP_KEYS, STAGE_KEYS, SETTINGS_KEYS])?;
    let check_functions = |section: &Value, prefix: &str| -> Result<(), ConfigError> {
        if let Some(functions) = section.get("lambda_functions").and_then(Value::as_object) {
            for (name, function) in functions {
                check(
                    function,
                    &format!("{prefix}lambda_functions.{name}."),
                    &[SETTINGS_KEYS],
                )?;
            }
        }
        Ok(())
    };
    check_functions(value, "")?;
    if let Some(stages) = top.get("stages").and_then(Value::as_object) {
        for (name, stage) in stages {
            let prefix = format!("stages.{name}.");
            check(stage, &prefix, &[STAGE_KEYS, SETTINGS_KEYS])?;
            check_functions(stage, &prefix)?;
        }
    }
    Ok(())
}

/// Line and column (1-based) of the first `"key"` in `text`.
fn locate(text: &str, key: &str) -> (usize, usize) {
    let needle = format!("\"{key}\"");
    let Some(offset) = text.find(&needle) else {
        return (1, 1);
    };
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rfind('\n').map_or(offset, |nl| offset - nl - 1) + 1;
    (line, column)
}

fn invalid(path: &Path, message: String) -> ConfigError {
    ConfigError::Invalid {
        path: path.to_owned(),
        line: 1,
        column: 1,
        message,
    }
}

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

/// The API-governance keys of a stage, resolved and checked.
struct Governance {
    api_keys: Vec<String>,
    usage_plan: UsagePlan,
    throttling: Option<Throttling>,
    gateway_responses: BTreeMap<String, GatewayResponse>,
    resource_policy: Option<ResourcePolicy>,
    resource_policy_file: Option<String>,
    cors: Option<chalice_rs_runtime::manifest::Cors>,
}

/// Resolves (stage over top level, whole values) and checks the keys of
/// API keys, usage plan, throttling, gateway responses and resource policy.
fn resolve_governance(
    path: &Path,
    file: &ConfigFile,
    section: Option<&StageSection>,
    app_name: &str,
    stage: &str,
) -> Result<Governance, ConfigError> {
    fn pick<T: Clone>(
        section: Option<&StageSection>,
        top: &StageSection,
        get: impl Fn(&StageSection) -> Option<&T>,
    ) -> Option<T> {
        section.and_then(&get).or_else(|| get(top)).cloned()
    }
    let top = &file.top;
    let api_keys = pick(section, top, |s| s.api_keys.as_ref())
        .unwrap_or_else(|| vec![format!("{app_name}-{stage}")]);
    if api_keys.is_empty() {
        return Err(invalid(
            path,
            "`api_keys` is empty; name at least one key or leave it out".to_owned(),
        ));
    }
    let mut seen = std::collections::BTreeSet::new();
    for name in &api_keys {
        let ok = !name.is_empty()
            && name.len() <= 128
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.');
        if !ok {
            return Err(invalid(
                path,
                format!("`api_keys`: `{name}` must be 1 to 128 letters, digits, `-`, `_` or `.`"),
            ));
        }
        if !seen.insert(name.to_ascii_lowercase()) {
            return Err(invalid(
                path,
                format!("`api_keys`: `{name}` is listed twice"),
            ));
        }
    }
    let check_limits = |key: &str, limits: &ThrottleLimits| -> Result<(), ConfigError> {
        if let Some(rate) = limits.rate_limit {
            if !rate.is_finite() || rate < 0.0 {
                return Err(invalid(
                    path,
                    format!("`{key}.rate_limit` is {rate}; expected a number >= 0"),
                ));
            }
        }
        Ok(())
    };
    let usage_plan = pick(section, top, |s| s.usage_plan.as_ref()).unwrap_or_default();
    if let Some(throttle) = &usage_plan.throttle {
        check_limits("usage_plan.throttle", throttle)?;
    }
    if let Some(quota) = &usage_plan.quota {
        if !["DAY", "WEEK", "MONTH"].contains(&quota.period.as_str()) {
            return Err(invalid(
                path,
                format!(
                    "`usage_plan.quota.period` is `{}`; expected DAY, WEEK or MONTH",
                    quota.period
                ),
            ));
        }
        if quota.limit == 0 {
            return Err(invalid(
                path,
                "`usage_plan.quota.limit` is 0; expected at least 1".to_owned(),
            ));
        }
    }
    let throttling = pick(section, top, |s| s.throttling.as_ref());
    if let Some(throttling) = &throttling {
        check_limits("throttling", &throttling.stage_limits())?;
        for (route, limits) in &throttling.routes {
            let valid = route
                .split_once(' ')
                .is_some_and(|(method, p)| !method.is_empty() && p.starts_with('/'));
            if !valid {
                return Err(invalid(
                    path,
                    format!("`throttling.routes`: `{route}` should be `METHOD /path`, e.g. `GET /items/{{id}}`"),
                ));
            }
            check_limits(&format!("throttling.routes.{route}"), limits)?;
        }
    }
    let gateway_responses =
        pick(section, top, |s| s.gateway_responses.as_ref()).unwrap_or_default();
    for (kind, response) in &gateway_responses {
        if !GATEWAY_RESPONSE_TYPES.contains(&kind.as_str()) {
            return Err(invalid(
                path,
                format!(
                    "`gateway_responses`: `{kind}` is not a gateway response type; expected one of {}",
                    GATEWAY_RESPONSE_TYPES.join(", ")
                ),
            ));
        }
        if let Some(code) = response.status_code {
            if !(100..=599).contains(&code) {
                return Err(invalid(
                    path,
                    format!(
                        "`gateway_responses.{kind}.status_code` is {code}; expected 100 to 599"
                    ),
                ));
            }
        }
        for (name, value) in &response.headers {
            let ok = !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            if !ok || value.contains('\'') {
                return Err(invalid(
                    path,
                    format!("`gateway_responses.{kind}.headers`: `{name}` must be a header name (letters, digits, `-`) with a value without `'`"),
                ));
            }
        }
    }
    let resource_policy = pick(section, top, |s| s.resource_policy.as_ref());
    let resource_policy_file = pick(section, top, |s| s.resource_policy_file.as_ref());
    if resource_policy.is_some() && resource_policy_file.is_some() {
        return Err(invalid(
            path,
            "`resource_policy` and `resource_policy_file` are both set; use one".to_owned(),
        ));
    }
    if let Some(policy) = &resource_policy {
        if policy.allow_source_ips.is_empty() && policy.deny_source_ips.is_empty() {
            return Err(invalid(
                path,
                "`resource_policy` needs `allow_source_ips` or `deny_source_ips`".to_owned(),
            ));
        }
        for ip in policy
            .allow_source_ips
            .iter()
            .chain(&policy.deny_source_ips)
        {
            if !is_ip_or_cidr(ip) {
                return Err(invalid(
                    path,
                    format!("`resource_policy`: `{ip}` is not an IP address or CIDR range"),
                ));
            }
        }
    }
    let cors = match pick(section, top, |s| s.cors.as_ref()) {
        None | Some(Value::Bool(false)) => None,
        Some(Value::Bool(true)) => Some(app_cors(CorsConfig::default())),
        Some(object @ Value::Object(_)) => {
            let config: CorsConfig = serde_json::from_value(object)
                .map_err(|error| invalid(path, format!("`cors`: {error}")))?;
            if config.max_age.is_some_and(|age| age > 86_400) {
                return Err(invalid(
                    path,
                    "`cors.max_age` is over 86400 (seconds)".to_owned(),
                ));
            }
            Some(app_cors(config))
        }
        Some(_) => {
            return Err(invalid(
                path,
                "`cors` must be `true`, `false` or an object with `allow_origin`, `allow_headers`, `expose_headers`, `max_age`, `allow_credentials`".to_owned(),
            ))
        }
    };
    Ok(Governance {
        api_keys,
        usage_plan,
        throttling,
        gateway_responses,
        resource_policy,
        resource_policy_file,
        cors,
    })
}

/// The runtime's CORS settings for the app-wide `cors` key.
fn app_cors(config: CorsConfig) -> chalice_rs_runtime::manifest::Cors {
    chalice_rs_runtime::manifest::Cors {
        allow_origin: config.allow_origin.unwrap_or_else(|| "*".to_owned()),
        allow_headers: config.allow_headers,
        expose_headers: config.expose_headers,
        max_age: config.max_age,
        allow_credentials: config.allow_credentials,
    }
}

impl StageConfig {
    /// Gives the app-wide `cors` to the routes of `manifest` without their
    /// own, as the template, the function and the local server see them.
    pub fn apply_cors(&self, manifest: &mut chalice_rs_runtime::manifest::Manifest) {
        if let Some(cors) = &self.cors {
            for route in manifest.routes.iter_mut().filter(|r| r.cors.is_none()) {
                route.cors = Some(cors.clone());
            }
        }
    }

    /// The functions' environment variable that carries the app-wide CORS
    /// settings to the runtime (which adds the headers to responses).
    pub fn cors_environment(&self) -> Option<(String, String)> {
        let cors = self.cors.as_ref()?;
        let json = serde_json::to_string(cors).ok()?;
        Some((chalice_rs_runtime::manifest::APP_CORS_ENV.to_owned(), json))
    }
}

/// Whether `text` is an IPv4/IPv6 address or CIDR range (`10.0.0.0/8`).
fn is_ip_or_cidr(text: &str) -> bool {
    let (address, prefix) = match text.split_once('/') {
        Some((address, prefix)) => (address, Some(prefix)),
        None => (text, None),
    };
    let Ok(ip) = address.parse::<std::net::IpAddr>() else {
        return false;
    };
    let max = if ip.is_ipv4() { 32 } else { 128 };
    prefix.is_none_or(|p| p.parse::<u32>().is_ok_and(|p| p <= max))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_text(text: &str, stage: &str) -> Result<StageConfig, ConfigError> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(".chalice")).unwrap();
        std::fs::write(dir.path().join(CONFIG_PATH), text).unwrap();
        load(dir.path(), stage, "fallback")
    }

    #[test]
    fn app_wide_cors_is_true_or_an_object_and_reaches_routes_without_their_own() {
        let config = load_text(r#"{"cors": true}"#, "dev").unwrap();
        assert_eq!(config.cors.as_ref().unwrap().allow_origin, "*");
        let config = load_text(
            r#"{"cors": true, "stages": {"dev": {"cors": {"allow_origin": "https://app.example", "max_age": 600}}}}"#,
            "dev",
        )
        .unwrap();
        let cors = config.cors.clone().unwrap();
        assert_eq!(cors.allow_origin, "https://app.example");
        assert_eq!(cors.max_age, Some(600));
        let (name, json) = config.cors_environment().unwrap();
        assert_eq!(name, "CHALICE_CORS");
        assert!(json.contains("https://app.example"), "{json}");
        let mut manifest: chalice_rs_runtime::manifest::Manifest = serde_json::from_value(serde_json::json!({
            "version": chalice_rs_runtime::manifest::MANIFEST_VERSION,
            "routes": [
                {"resource_path": "/a", "path": "/a", "method": "GET", "handler": "a", "module": "m",
                 "file": "f", "line": 1, "content_types": [], "api_key_required": false},
                {"resource_path": "/b", "path": "/b", "method": "GET", "handler": "b", "module": "m",
                 "file": "f", "line": 2, "content_types": [], "api_key_required": false,
                 "cors": {"allow_origin": "*", "allow_headers": [], "expose_headers": [], "allow_credentials": false}}
            ]
        }))
        .unwrap();
        config.apply_cors(&mut manifest);
        assert_eq!(
            manifest.routes[0].cors.as_ref().unwrap().allow_origin,
            "https://app.example"
        );
        assert_eq!(manifest.routes[1].cors.as_ref().unwrap().allow_origin, "*");
        assert!(load_text(r#"{"cors": false}"#, "dev")
            .unwrap()
            .cors
            .is_none());
        let err = load_text(r#"{"cors": {"allow_origins": "*"}}"#, "dev").unwrap_err();
        assert!(
            err.to_string()
                .contains("`cors`: unknown field `allow_origins`"),
            "{err}"
        );
        let err = load_text(r#"{"cors": {"max_age": 90000}}"#, "dev").unwrap_err();
        assert!(err.to_string().contains("86400"), "{err}");
        let err = load_text(r#"{"cors": "yes"}"#, "dev").unwrap_err();
        assert!(err.to_string().contains("`cors` must be"), "{err}");
    }

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
    fn function_over_stage_over_top_level() {
        let config = load_text(
            r#"{"version": "2.0", "app_name": "a", "lambda_memory_size": 256,
                "environment_variables": {"A": "top", "B": "top"},
                "stages": {"dev": {"lambda_timeout": 10, "environment_variables": {"B": "stage"},
                  "lambda_functions": {"api": {"lambda_memory_size": 1024}}}}}"#,
            "dev",
        )
        .unwrap();
        let api = config.function("api");
        assert_eq!(api.lambda_memory_size, 1024);
        assert_eq!(api.lambda_timeout, 10);
        assert_eq!(
            api.environment_variables["A"],
            EnvValue::Literal("top".to_owned())
        );
        assert_eq!(
            api.environment_variables["B"],
            EnvValue::Literal("stage".to_owned())
        );
        assert_eq!(config.function("other").lambda_memory_size, 256);
    }

    #[test]
    fn invalid_json_has_line_and_column() {
        let err = load_text("{\n  \"app_name\": \"a\",\n  oops\n}", "dev").unwrap_err();
        let text = err.to_string();
        assert!(text.contains("config.json:3:"), "{text}");
    }

    #[test]
    fn unknown_key_is_named() {
        let err = load_text(
            "{\"stages\": {\"dev\": {\n \"lambda_memroy_size\": 3}}}",
            "dev",
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .contains("config.json:2:2: unknown key `stages.dev.lambda_memroy_size`"),
            "{err}"
        );
        let err = load_text(r#"{"colour": 1}"#, "dev").unwrap_err();
        assert!(err.to_string().contains("colour"), "{err}");
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

    #[test]
    fn governance_keys_resolve_stage_over_top_level() {
        let text = r#"{
          "app_name": "shop",
          "usage_plan": {"quota": {"limit": 10, "period": "WEEK"}},
          "gateway_responses": {"DEFAULT_4XX": {"status_code": 400}},
          "stages": {
            "dev": {},
            "prod": {"api_keys": ["mobile"],
                     "usage_plan": {"throttle": {"rate_limit": 2.5, "burst_limit": 5}},
                     "throttling": {"burst_limit": 50, "routes": {"GET /items": {"rate_limit": 1}}},
                     "resource_policy": {"deny_source_ips": ["2001:db8::/32"]}}
          }
        }"#;
        let dev = load_text(text, "dev").unwrap();
        assert_eq!(dev.api_keys, ["shop-dev"]);
        assert_eq!(dev.usage_plan.quota.as_ref().unwrap().period, "WEEK");
        assert_eq!(dev.gateway_responses["DEFAULT_4XX"].status_code, Some(400));
        assert!(dev.throttling.is_none() && dev.resource_policy.is_none());
        let prod = load_text(text, "prod").unwrap();
        assert_eq!(prod.api_keys, ["mobile"]);
        assert!(
            prod.usage_plan.quota.is_none(),
            "a stage's usage_plan replaces the top level's"
        );
        assert_eq!(
            prod.usage_plan.throttle.as_ref().unwrap().rate_limit,
            Some(2.5)
        );
        let throttling = prod.throttling.unwrap();
        assert_eq!(throttling.burst_limit, Some(50));
        assert_eq!(throttling.routes["GET /items"].rate_limit, Some(1.0));
        assert_eq!(
            prod.resource_policy.unwrap().deny_source_ips,
            ["2001:db8::/32"]
        );
        let err = load_text(r#"{"stages": {"dev": {"api_keys": ["a b"]}}}"#, "dev").unwrap_err();
        assert!(err.to_string().contains("`a b`"), "{err}");
        let err = load_text(
            r#"{"gateway_responses": {"UNAUTHORIZED": {"body": "x"}}}"#,
            "dev",
        )
        .unwrap_err();
        assert!(err.to_string().contains("unknown field `body`"), "{err}");
    }
}

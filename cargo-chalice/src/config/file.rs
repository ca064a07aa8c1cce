//! The config file's serde types: the whole file, a stage, the settings,
//! an environment variable's value.

use super::governance::{GatewayResponse, ResourcePolicy, Throttling, UsagePlan};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

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
    /// Publish a Lambda version on each change and invoke the function
    /// through an alias named after the stage (`app::rollout`).
    pub lambda_versions: Option<bool>,
    /// Shift traffic to a new version gradually with CodeDeploy
    /// (`Canary10Percent5Minutes`, `Linear10PercentEvery1Minute`,
    /// `AllAtOnce`...); implies `lambda_versions`.
    pub traffic_shifting: Option<String>,
    /// Lambda's log format: `Text` (default) or `JSON`.
    pub log_format: Option<String>,
    /// The application log level with the `JSON` format: `TRACE`, `DEBUG`,
    /// `INFO`, `WARN`, `ERROR` or `FATAL`.
    pub log_level: Option<String>,
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
    /// [`CorsConfig`](super::CorsConfig) object.
    pub cors: Option<Value>,
    /// The WebSocket API's route selection expression (default
    /// `$request.body.action`).
    pub websocket_route_selection_expression: Option<String>,
    /// CloudWatch alarms on the API and the functions.
    pub alarms: Option<super::Alarms>,
    /// The API stage's logs and metrics.
    pub api_logs: Option<super::ApiLogs>,
    /// The REST API's custom domain name.
    pub api_gateway_custom_domain: Option<super::CustomDomain>,
    /// The WebSocket API's custom domain name.
    pub websocket_api_custom_domain: Option<super::CustomDomain>,
}

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

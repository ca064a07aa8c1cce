//! The REST API's resources (`AWS::ApiGateway::*`), as typed CloudFormation:
//! the API, its resources, methods, deployment and stage, and its governance
//! (authorizers, keys, usage plans, models, validators, gateway responses).

use super::model::Expr;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// `AWS::ApiGateway::Authorizer`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AuthorizerProps {
    /// The authorizer's name.
    pub name: String,
    /// `TOKEN`, `REQUEST` or `COGNITO_USER_POOLS`.
    #[serde(rename = "Type")]
    pub kind: String,
    /// The API.
    pub rest_api_id: Expr,
    /// Where the identity comes from (comma separated for REQUEST).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity_source: Option<String>,
    /// A regular expression the token must match (TOKEN).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity_validation_expression: Option<String>,
    /// The authorizer function's invocation URI (TOKEN, REQUEST).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authorizer_uri: Option<Expr>,
    /// How long a decision is cached.
    pub authorizer_result_ttl_in_seconds: u32,
    /// User pool ARNs (COGNITO_USER_POOLS).
    #[serde(rename = "ProviderARNs", skip_serializing_if = "Vec::is_empty")]
    pub provider_arns: Vec<String>,
}

/// `AWS::ApiGateway::ApiKey`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ApiKeyProps {
    /// Its name.
    pub name: String,
    /// What it is for.
    pub description: String,
    /// Always true.
    pub enabled: bool,
}

/// `AWS::ApiGateway::UsagePlan`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UsagePlanProps {
    /// Its name.
    pub usage_plan_name: String,
    /// Description.
    pub description: String,
    /// The API stages it covers.
    pub api_stages: Vec<ApiStage>,
    /// Rate and burst per key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub throttle: Option<ThrottleSettings>,
    /// Quota per key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quota: Option<QuotaSettings>,
}

/// One API stage of a usage plan.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ApiStage {
    /// The API.
    pub api_id: Expr,
    /// The stage (its name).
    pub stage: Expr,
}

/// Rate and burst.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ThrottleSettings {
    /// Burst capacity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub burst_limit: Option<u32>,
    /// Requests per second.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate_limit: Option<f64>,
}

/// A quota.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct QuotaSettings {
    /// Requests per period.
    pub limit: u32,
    /// `DAY`, `WEEK` or `MONTH`.
    pub period: String,
}

/// `AWS::ApiGateway::UsagePlanKey`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UsagePlanKeyProps {
    /// The API key.
    pub key_id: Expr,
    /// `API_KEY`.
    pub key_type: String,
    /// The usage plan.
    pub usage_plan_id: Expr,
}

/// `AWS::ApiGateway::Model`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ModelProps {
    /// `application/json`.
    pub content_type: String,
    /// The model's name (the Rust type's).
    pub name: String,
    /// The API.
    pub rest_api_id: Expr,
    /// The JSON schema (draft 4).
    pub schema: Value,
}

/// `AWS::ApiGateway::RequestValidator`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RequestValidatorProps {
    /// Its name.
    pub name: String,
    /// The API.
    pub rest_api_id: Expr,
    /// Bodies are validated.
    pub validate_request_body: bool,
    /// Parameters are not.
    pub validate_request_parameters: bool,
}

/// `AWS::ApiGateway::GatewayResponse`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GatewayResponseProps {
    /// The response type (`UNAUTHORIZED`...).
    pub response_type: String,
    /// The API.
    pub rest_api_id: Expr,
    /// The status, as a string.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_code: Option<String>,
    /// `gatewayresponse.header.<Name>` → `'value'`.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub response_parameters: BTreeMap<String, String>,
    /// Body templates by content type.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub response_templates: BTreeMap<String, String>,
}

/// A method's declared response (MOCK preflight methods).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct MethodResponse {
    /// The status, as a string.
    pub status_code: String,
    /// `method.response.header.<Name>` → `true`.
    pub response_parameters: BTreeMap<String, bool>,
}

/// An integration response (MOCK preflight methods).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct IntegrationResponse {
    /// The status, as a string.
    pub status_code: String,
    /// `method.response.header.<Name>` → `'value'`.
    pub response_parameters: BTreeMap<String, String>,
}

/// `AWS::ApiGateway::RestApi`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RestApiProps {
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Endpoint type.
    pub endpoint_configuration: EndpointConfiguration,
    /// Binary media types.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub binary_media_types: Vec<String>,
    /// Compression threshold in bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minimum_compression_size: Option<u32>,
    /// The resource policy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy: Option<Value>,
}

/// An API's endpoint types.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct EndpointConfiguration {
    /// `EDGE`, `REGIONAL` or `PRIVATE`.
    pub types: Vec<String>,
}

/// `AWS::ApiGateway::Resource`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ApiResourceProps {
    /// The parent resource's ID.
    pub parent_id: Expr,
    /// The segment (`items`, `{id}`, `{path+}`).
    pub path_part: String,
    /// The API.
    pub rest_api_id: Expr,
}

/// `AWS::ApiGateway::Method`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct MethodProps {
    /// `NONE`, `CUSTOM`, `COGNITO_USER_POOLS` or `AWS_IAM`.
    pub authorization_type: String,
    /// The authorizer (CUSTOM, COGNITO_USER_POOLS).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authorizer_id: Option<Expr>,
    /// Whether an API key is required.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub api_key_required: bool,
    /// The HTTP method.
    pub http_method: String,
    /// The request model by content type (`validate = true`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub request_models: BTreeMap<String, Expr>,
    /// The request validator (with a request model).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_validator_id: Option<Expr>,
    /// The Lambda proxy integration (or MOCK for a preflight).
    pub integration: Integration,
    /// Declared responses (MOCK preflight methods).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub method_responses: Vec<MethodResponse>,
    /// The resource.
    pub resource_id: Expr,
    /// The API.
    pub rest_api_id: Expr,
}

/// A method's integration.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Integration {
    /// `POST` (Lambda is always invoked with POST); none for MOCK.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub integration_http_method: Option<String>,
    /// `AWS_PROXY` or `MOCK`.
    #[serde(rename = "Type")]
    pub kind: String,
    /// The function's invocation URI; none for MOCK.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uri: Option<Expr>,
    /// Request templates (MOCK).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub request_templates: BTreeMap<String, String>,
    /// Integration responses (MOCK).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub integration_responses: Vec<IntegrationResponse>,
}

/// `AWS::ApiGateway::Deployment`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeploymentProps {
    /// The API.
    pub rest_api_id: Expr,
    /// Description (carries the shape hash).
    pub description: String,
}

/// `AWS::ApiGateway::Stage`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct StageProps {
    /// Stage name.
    pub stage_name: String,
    /// The deployment.
    pub deployment_id: Expr,
    /// The API.
    pub rest_api_id: Expr,
    /// X-Ray tracing.
    pub tracing_enabled: bool,
    /// Method settings for all methods.
    pub method_settings: Vec<MethodSetting>,
    /// Stage variables.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub variables: BTreeMap<String, String>,
    /// Access logs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_log_setting: Option<super::operations::AccessLogSetting>,
    /// A canary deployment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub canary_setting: Option<super::operations::CanarySetting>,
}

/// Settings for a set of methods.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct MethodSetting {
    /// `*` for all.
    pub http_method: String,
    /// `/*` for all.
    pub resource_path: String,
    /// CloudWatch metrics per method.
    pub metrics_enabled: bool,
    /// Full request/response logging (off: it logs bodies).
    pub data_trace_enabled: bool,
    /// Execution logs: `OFF`, `ERROR` or `INFO`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logging_level: Option<String>,
    /// Burst limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub throttling_burst_limit: Option<u32>,
    /// Requests per second.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub throttling_rate_limit: Option<f64>,
}

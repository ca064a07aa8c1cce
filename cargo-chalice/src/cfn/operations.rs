//! The resources of operating an app, as typed CloudFormation: published
//! Lambda versions, the stage's aliases, and CodeDeploy's traffic shifting.

use super::model::Expr;
use serde::Serialize;

/// `AWS::Lambda::Version`: publishes the function's code and configuration
/// as they are when it is created.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct VersionProps {
    /// The function.
    pub function_name: Expr,
    /// What it is (carries the hash of the code and configuration).
    pub description: String,
}

/// `AWS::Lambda::Alias`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AliasProps {
    /// The function.
    pub function_name: Expr,
    /// The version it points to.
    pub function_version: Expr,
    /// The alias's name (the stage).
    pub name: String,
    /// What it is.
    pub description: String,
}

/// `AWS::CodeDeploy::Application`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CodeDeployApplicationProps {
    /// `Lambda`.
    pub compute_platform: String,
}

/// `AWS::CodeDeploy::DeploymentGroup` of a Lambda alias.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeploymentGroupProps {
    /// The CodeDeploy application.
    pub application_name: Expr,
    /// `CodeDeployDefault.Lambda<Name>`.
    pub deployment_config_name: String,
    /// The role CodeDeploy acts with.
    pub service_role_arn: Expr,
    /// `BLUE_GREEN`, `WITH_TRAFFIC_CONTROL` (the only style for Lambda).
    pub deployment_style: DeploymentStyle,
    /// Roll back when the deployment fails or an alarm fires.
    pub auto_rollback_configuration: AutoRollbackConfiguration,
    /// The alarms that stop and roll back a deployment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alarm_configuration: Option<AlarmConfiguration>,
}

/// A deployment group's style.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeploymentStyle {
    /// `BLUE_GREEN`.
    pub deployment_type: String,
    /// `WITH_TRAFFIC_CONTROL`.
    pub deployment_option: String,
}

/// When CodeDeploy rolls back.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AutoRollbackConfiguration {
    /// Always true.
    pub enabled: bool,
    /// `DEPLOYMENT_FAILURE`, `DEPLOYMENT_STOP_ON_ALARM`, `DEPLOYMENT_STOP_ON_REQUEST`.
    pub events: Vec<String>,
}

/// The alarms a deployment watches.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AlarmConfiguration {
    /// Always true.
    pub enabled: bool,
    /// The alarms, by name.
    pub alarms: Vec<AlarmName>,
}

/// An alarm, by name.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AlarmName {
    /// The alarm's name (`Ref` of an `AWS::CloudWatch::Alarm`).
    pub name: Expr,
}

/// `AWS::CloudWatch::Alarm` on one metric.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AlarmProps {
    /// What it says when it fires.
    pub alarm_description: String,
    /// The metric's namespace (`AWS/Lambda`).
    pub namespace: String,
    /// The metric (`Errors`).
    pub metric_name: String,
    /// The metric's dimensions.
    pub dimensions: Vec<Dimension>,
    /// `Sum`, `Average`, `Maximum` (or none with a percentile).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statistic: Option<String>,
    /// A percentile (`p99`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extended_statistic: Option<String>,
    /// Seconds per datapoint.
    pub period: u32,
    /// Datapoints to compare.
    pub evaluation_periods: u32,
    /// The threshold.
    pub threshold: f64,
    /// `GreaterThanThreshold`...
    pub comparison_operator: String,
    /// `notBreaching`: no traffic is not an alarm.
    pub treat_missing_data: String,
    /// The topics told when it fires.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub alarm_actions: Vec<Expr>,
}

/// A metric's dimension.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Dimension {
    /// `FunctionName`, `ApiName`...
    pub name: String,
    /// Its value.
    pub value: Expr,
}

/// `AWS::SNS::Topic` the alarms notify.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TopicProps {
    /// Its subscriptions (the email address).
    pub subscription: Vec<TopicSubscription>,
}

/// A subscription of a topic.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TopicSubscription {
    /// The email address.
    pub endpoint: String,
    /// `email`.
    pub protocol: String,
}

/// `AWS::ApiGateway::Account`: the account's CloudWatch role for API
/// Gateway (one per account and region).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ApiAccountProps {
    /// The role's ARN.
    pub cloud_watch_role_arn: Expr,
}

/// A stage's access logs.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AccessLogSetting {
    /// The log group's ARN.
    pub destination_arn: Expr,
    /// One line per request, with `$context` variables.
    pub format: String,
}

/// A stage's canary: the share of requests sent to another deployment.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CanarySetting {
    /// The canary's deployment.
    pub deployment_id: Expr,
    /// Its share of the requests, in percent.
    pub percent_traffic: f64,
    /// Whether the canary uses the stage's cache (false).
    pub use_stage_cache: bool,
}

/// `AWS::ApiGateway::DomainName`: a custom domain.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DomainNameProps {
    /// The domain.
    pub domain_name: String,
    /// The certificate of an EDGE domain.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate_arn: Option<String>,
    /// The certificate of a REGIONAL domain.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub regional_certificate_arn: Option<String>,
    /// `EDGE` or `REGIONAL`.
    pub endpoint_configuration: super::model::EndpointConfiguration,
    /// `TLS_1_0` or `TLS_1_2`.
    pub security_policy: String,
    /// Tags.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<super::model::Tag>,
}

/// `AWS::ApiGateway::BasePathMapping`: the API's stage on a domain.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct BasePathMappingProps {
    /// The domain.
    pub domain_name: Expr,
    /// The API.
    pub rest_api_id: Expr,
    /// The stage.
    pub stage: Expr,
    /// The base path; none: the domain's root.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base_path: Option<String>,
}

//! A typed model of the CloudFormation resources chalice-rs writes.
//!
//! Every map is a `BTreeMap` and every struct serialises its fields in
//! declaration order, so the same model always gives the same bytes.

use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

pub use super::apigateway::{
    ApiKeyProps, ApiResourceProps, ApiStage, AuthorizerProps, DeploymentProps,
    EndpointConfiguration, GatewayResponseProps, Integration, IntegrationResponse, MethodProps,
    MethodResponse, MethodSetting, ModelProps, QuotaSettings, RequestValidatorProps, RestApiProps,
    StageProps, ThrottleSettings, UsagePlanKeyProps, UsagePlanProps,
};

/// A CloudFormation template.
#[derive(Debug, Clone, Serialize)]
pub struct Template {
    /// Always `2010-09-09`.
    #[serde(rename = "AWSTemplateFormatVersion")]
    pub format_version: String,
    /// What the stack is.
    #[serde(rename = "Description")]
    pub description: String,
    /// Input parameters (nested stacks only: the root needs none).
    #[serde(rename = "Parameters", skip_serializing_if = "BTreeMap::is_empty")]
    pub parameters: BTreeMap<String, Parameter>,
    /// Resources by logical ID.
    #[serde(rename = "Resources")]
    pub resources: BTreeMap<String, Resource>,
    /// Outputs by name.
    #[serde(rename = "Outputs", skip_serializing_if = "BTreeMap::is_empty")]
    pub outputs: BTreeMap<String, Output>,
}

impl Template {
    /// An empty template with a description.
    pub fn new(description: impl Into<String>) -> Self {
        Self {
            format_version: "2010-09-09".to_owned(),
            description: description.into(),
            parameters: BTreeMap::new(),
            resources: BTreeMap::new(),
            outputs: BTreeMap::new(),
        }
    }

    /// The template as a JSON value (for checks and rewriting).
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

/// A template parameter.
#[derive(Debug, Clone, Serialize)]
pub struct Parameter {
    /// Its type (`String`).
    #[serde(rename = "Type")]
    pub kind: String,
    /// What it carries.
    #[serde(rename = "Description")]
    pub description: String,
}

impl Parameter {
    /// A `String` parameter.
    pub fn string(description: impl Into<String>) -> Self {
        Self {
            kind: "String".to_owned(),
            description: description.into(),
        }
    }
}

/// A template output.
#[derive(Debug, Clone, Serialize)]
pub struct Output {
    /// What it is.
    #[serde(rename = "Description")]
    pub description: String,
    /// Its value.
    #[serde(rename = "Value")]
    pub value: Expr,
}

/// A value: a literal or an intrinsic function.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Expr {
    /// A literal string.
    Str(String),
    /// `{"Ref": id}`.
    Ref {
        /// The logical ID or parameter.
        #[serde(rename = "Ref")]
        target: String,
    },
    /// `{"Fn::GetAtt": [id, attribute]}`.
    GetAtt {
        /// The logical ID and attribute.
        #[serde(rename = "Fn::GetAtt")]
        target: [String; 2],
    },
    /// `{"Fn::Sub": text}`.
    Sub {
        /// The text with `${...}` references.
        #[serde(rename = "Fn::Sub")]
        text: String,
    },
    /// Any other value, as the user wrote it (an output of
    /// `.chalice/resources.json`).
    Json(Value),
}

impl Expr {
    /// A literal.
    pub fn str(text: impl Into<String>) -> Self {
        Expr::Str(text.into())
    }
    /// `Ref`.
    pub fn reference(target: impl Into<String>) -> Self {
        Expr::Ref {
            target: target.into(),
        }
    }
    /// `Fn::GetAtt`.
    pub fn get_att(target: impl Into<String>, attribute: impl Into<String>) -> Self {
        Expr::GetAtt {
            target: [target.into(), attribute.into()],
        }
    }
    /// `Fn::Sub`.
    pub fn sub(text: impl Into<String>) -> Self {
        Expr::Sub { text: text.into() }
    }
}

/// A resource: its type and properties, and what it depends on.
#[derive(Debug, Clone, Serialize)]
pub struct Resource {
    /// Type and properties.
    #[serde(flatten)]
    pub kind: ResourceKind,
    /// Explicit dependencies (logical IDs), sorted.
    #[serde(rename = "DependsOn", skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
    /// Resource metadata (cfn-lint settings).
    #[serde(rename = "Metadata", skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
    /// `Retain`: the resource outlives its removal from the template (a
    /// published version, which a rollback goes back to).
    #[serde(rename = "DeletionPolicy", skip_serializing_if = "Option::is_none")]
    pub deletion_policy: Option<String>,
    /// `Retain`: the resource outlives its replacement.
    #[serde(
        rename = "UpdateReplacePolicy",
        skip_serializing_if = "Option::is_none"
    )]
    pub update_replace_policy: Option<String>,
    /// How CloudFormation updates it (an alias shifted by CodeDeploy).
    #[serde(rename = "UpdatePolicy", skip_serializing_if = "Option::is_none")]
    pub update_policy: Option<Value>,
}

impl From<ResourceKind> for Resource {
    fn from(kind: ResourceKind) -> Self {
        Self {
            kind,
            depends_on: Vec::new(),
            metadata: None,
            deletion_policy: None,
            update_replace_policy: None,
            update_policy: None,
        }
    }
}

impl Resource {
    /// `kind`, created after the resources `depends_on` (logical IDs).
    pub fn after(kind: ResourceKind, depends_on: Vec<String>) -> Self {
        Self {
            depends_on,
            ..kind.into()
        }
    }

    /// `kind`, kept when it leaves the template or is replaced.
    pub fn retained(kind: ResourceKind) -> Self {
        Self {
            deletion_policy: Some("Retain".to_owned()),
            update_replace_policy: Some("Retain".to_owned()),
            ..kind.into()
        }
    }
}

/// The resource types chalice-rs writes, with their properties.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "Type", content = "Properties")]
pub enum ResourceKind {
    /// The functions' execution role.
    #[serde(rename = "AWS::IAM::Role")]
    Role(RoleProps),
    /// A function's log group.
    #[serde(rename = "AWS::Logs::LogGroup")]
    LogGroup(LogGroupProps),
    /// A Lambda function.
    #[serde(rename = "AWS::Lambda::Function")]
    Function(Box<FunctionProps>),
    /// Permission for API Gateway, EventBridge, SNS or S3 to invoke a function.
    #[serde(rename = "AWS::Lambda::Permission")]
    Permission(PermissionProps),
    /// An EventBridge rule (a schedule or an event pattern).
    #[serde(rename = "AWS::Events::Rule")]
    EventsRule(EventsRuleProps),
    /// Lambda polling a queue or a stream for a function.
    #[serde(rename = "AWS::Lambda::EventSourceMapping")]
    EventSourceMapping(EventSourceMappingProps),
    /// A function's subscription to an SNS topic.
    #[serde(rename = "AWS::SNS::Subscription")]
    SnsSubscription(SnsSubscriptionProps),
    /// The REST API.
    #[serde(rename = "AWS::ApiGateway::RestApi")]
    RestApi(RestApiProps),
    /// One path segment of the API.
    #[serde(rename = "AWS::ApiGateway::Resource")]
    ApiResource(ApiResourceProps),
    /// One HTTP method on a resource.
    #[serde(rename = "AWS::ApiGateway::Method")]
    Method(Box<MethodProps>),
    /// A deployment of the API.
    #[serde(rename = "AWS::ApiGateway::Deployment")]
    Deployment(DeploymentProps),
    /// The API stage.
    #[serde(rename = "AWS::ApiGateway::Stage")]
    Stage(StageProps),
    /// A nested stack.
    #[serde(rename = "AWS::CloudFormation::Stack")]
    Stack(StackProps),
    /// A Lambda or Cognito authorizer.
    #[serde(rename = "AWS::ApiGateway::Authorizer")]
    Authorizer(AuthorizerProps),
    /// An API key.
    #[serde(rename = "AWS::ApiGateway::ApiKey")]
    ApiKey(ApiKeyProps),
    /// A usage plan.
    #[serde(rename = "AWS::ApiGateway::UsagePlan")]
    UsagePlan(UsagePlanProps),
    /// An API key's membership of a usage plan.
    #[serde(rename = "AWS::ApiGateway::UsagePlanKey")]
    UsagePlanKey(UsagePlanKeyProps),
    /// A customised gateway response.
    #[serde(rename = "AWS::ApiGateway::GatewayResponse")]
    GatewayResponse(GatewayResponseProps),
    /// A request model (a JSON schema).
    #[serde(rename = "AWS::ApiGateway::Model")]
    Model(ModelProps),
    /// The request validator of the validated methods.
    #[serde(rename = "AWS::ApiGateway::RequestValidator")]
    RequestValidator(RequestValidatorProps),
    /// A WebSocket API.
    #[serde(rename = "AWS::ApiGatewayV2::Api")]
    WebsocketApi(super::apigatewayv2::ApiProps),
    /// A WebSocket API's Lambda proxy integration.
    #[serde(rename = "AWS::ApiGatewayV2::Integration")]
    WebsocketIntegration(super::apigatewayv2::IntegrationProps),
    /// A WebSocket API's route.
    #[serde(rename = "AWS::ApiGatewayV2::Route")]
    WebsocketRoute(super::apigatewayv2::RouteProps),
    /// A WebSocket route's response.
    #[serde(rename = "AWS::ApiGatewayV2::RouteResponse")]
    WebsocketRouteResponse(super::apigatewayv2::RouteResponseProps),
    /// A WebSocket API's `$connect` authorizer.
    #[serde(rename = "AWS::ApiGatewayV2::Authorizer")]
    WebsocketAuthorizer(super::apigatewayv2::AuthorizerProps),
    /// A deployment of the WebSocket API.
    #[serde(rename = "AWS::ApiGatewayV2::Deployment")]
    WebsocketDeployment(super::apigatewayv2::DeploymentProps),
    /// The WebSocket API's stage.
    #[serde(rename = "AWS::ApiGatewayV2::Stage")]
    WebsocketStage(super::apigatewayv2::StageProps),
    /// The WebSocket API's custom domain.
    #[serde(rename = "AWS::ApiGatewayV2::DomainName")]
    WebsocketDomainName(super::apigatewayv2::DomainNameProps),
    /// The WebSocket API's stage on its custom domain.
    #[serde(rename = "AWS::ApiGatewayV2::ApiMapping")]
    WebsocketApiMapping(super::apigatewayv2::ApiMappingProps),
    /// A published version of a function.
    #[serde(rename = "AWS::Lambda::Version")]
    Version(super::operations::VersionProps),
    /// A function's alias (the stage's).
    #[serde(rename = "AWS::Lambda::Alias")]
    Alias(super::operations::AliasProps),
    /// The CodeDeploy application of the app's traffic shifting.
    #[serde(rename = "AWS::CodeDeploy::Application")]
    CodeDeployApplication(super::operations::CodeDeployApplicationProps),
    /// How CodeDeploy shifts one function's alias.
    #[serde(rename = "AWS::CodeDeploy::DeploymentGroup")]
    DeploymentGroup(Box<super::operations::DeploymentGroupProps>),
    /// A CloudWatch alarm.
    #[serde(rename = "AWS::CloudWatch::Alarm")]
    Alarm(Box<super::operations::AlarmProps>),
    /// The topic the alarms notify.
    #[serde(rename = "AWS::SNS::Topic")]
    Topic(super::operations::TopicProps),
    /// The account's CloudWatch role for API Gateway.
    #[serde(rename = "AWS::ApiGateway::Account")]
    ApiAccount(super::operations::ApiAccountProps),
    /// A custom domain.
    #[serde(rename = "AWS::ApiGateway::DomainName")]
    DomainName(super::operations::DomainNameProps),
    /// The API's stage on a custom domain.
    #[serde(rename = "AWS::ApiGateway::BasePathMapping")]
    BasePathMapping(super::operations::BasePathMappingProps),
    /// A resource of `.chalice/resources.json`: its `Type`, `Properties` and
    /// other attributes, as the user wrote them.
    #[serde(untagged)]
    Declared(serde_json::Map<String, Value>),
}

/// `AWS::IAM::Role`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RoleProps {
    /// Who may assume the role.
    pub assume_role_policy_document: Value,
    /// Inline policies.
    pub policies: Vec<InlinePolicy>,
    /// AWS managed policies (CodeDeploy's service role).
    #[serde(rename = "ManagedPolicyArns", skip_serializing_if = "Vec::is_empty")]
    pub managed_policy_arns: Vec<Expr>,
}

/// An inline IAM policy.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct InlinePolicy {
    /// Its name.
    pub policy_name: String,
    /// The policy document (generated, or the user's file).
    pub policy_document: Value,
}

/// `AWS::Logs::LogGroup`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LogGroupProps {
    /// Days to keep events.
    pub retention_in_days: u32,
}

/// `AWS::Lambda::Function`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct FunctionProps {
    /// `provided.al2023`.
    pub runtime: String,
    /// The function kind the bootstrap serves (`api`).
    pub handler: String,
    /// `./deployment.zip` (relative; `aws cloudformation package` uploads it).
    pub code: Value,
    /// `arm64` or `x86_64`.
    pub architectures: Vec<String>,
    /// Memory in MB.
    pub memory_size: u32,
    /// Timeout in seconds.
    pub timeout: u32,
    /// The execution role's ARN.
    pub role: Expr,
    /// Description.
    pub description: String,
    /// The function's name: `<app>-<stage>[-<function>]`, as `cargo chalice
    /// local` names it too.
    pub function_name: String,
    /// Environment variables.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment: Option<Environment>,
    /// Where the logs go.
    pub logging_config: LoggingConfig,
    /// Tags.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
    /// Reserved concurrency.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reserved_concurrent_executions: Option<u32>,
    /// Layer ARNs.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub layers: Vec<String>,
    /// VPC settings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vpc_config: Option<VpcConfig>,
    /// X-Ray tracing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tracing_config: Option<TracingConfig>,
}

/// A function's environment.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Environment {
    /// The variables: literals, or `Ref`/`Fn::GetAtt` of a resource.
    pub variables: BTreeMap<String, Expr>,
}

/// A function's log destination.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LoggingConfig {
    /// The log group's name.
    pub log_group: Expr,
    /// `Text` or `JSON`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_format: Option<String>,
    /// The application log level (JSON only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub application_log_level: Option<String>,
}

/// A tag.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Tag {
    /// Key.
    pub key: String,
    /// Value.
    pub value: String,
}

/// A function's VPC.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct VpcConfig {
    /// Subnets.
    pub subnet_ids: Vec<String>,
    /// Security groups.
    pub security_group_ids: Vec<String>,
}

/// X-Ray mode.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TracingConfig {
    /// `Active`.
    pub mode: String,
}

/// `AWS::Lambda::Permission`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PermissionProps {
    /// `lambda:InvokeFunction`.
    pub action: String,
    /// The function.
    pub function_name: Expr,
    /// `apigateway.amazonaws.com`, `events.amazonaws.com`, `sns.amazonaws.com`, `s3.amazonaws.com`.
    pub principal: String,
    /// The account that owns the source (S3 buckets).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_account: Option<Expr>,
    /// The one API, rule, topic or bucket that may invoke.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_arn: Option<Expr>,
}

/// `AWS::Events::Rule`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct EventsRuleProps {
    /// What the rule is for.
    pub description: String,
    /// The event bus (name or ARN); the default bus when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_bus_name: Option<Expr>,
    /// The event pattern (a JSON object).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_pattern: Option<Value>,
    /// `rate(..)` or `cron(..)`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schedule_expression: Option<String>,
    /// `ENABLED`.
    pub state: String,
    /// The function.
    pub targets: Vec<RuleTarget>,
}

/// One target of a rule.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RuleTarget {
    /// The function's ARN.
    pub arn: Expr,
    /// The target's ID within the rule (letters, digits, `.`, `-`, `_`; 64 at most).
    pub id: String,
}

/// `AWS::Lambda::EventSourceMapping`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct EventSourceMappingProps {
    /// Records or messages per invocation.
    pub batch_size: u32,
    /// Always true.
    pub enabled: bool,
    /// The queue's or stream's ARN.
    pub event_source_arn: Expr,
    /// The function.
    pub function_name: Expr,
    /// `ReportBatchItemFailures`: the handler may fail single items.
    pub function_response_types: Vec<String>,
    /// Seconds to gather a batch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub maximum_batching_window_in_seconds: Option<u32>,
    /// `LATEST` or `TRIM_HORIZON` (streams only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub starting_position: Option<String>,
}

/// `AWS::SNS::Subscription`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SnsSubscriptionProps {
    /// The function's ARN.
    pub endpoint: Expr,
    /// The filter policy (a JSON object).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filter_policy: Option<Value>,
    /// `lambda`.
    pub protocol: String,
    /// The topic's region, when the topic is given by an ARN.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// The topic.
    pub topic_arn: Expr,
}

/// `AWS::CloudFormation::Stack`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct StackProps {
    /// The nested template: a file name beside the root template.
    #[serde(rename = "TemplateURL")]
    pub template_url: String,
    /// Parameters for the nested template.
    pub parameters: BTreeMap<String, Expr>,
}

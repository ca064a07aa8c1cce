//! The `AWS::ApiGatewayV2::*` resources of a WebSocket API, with their
//! properties.

use super::model::Expr;
use serde::Serialize;

/// `AWS::ApiGatewayV2::Api` (a WebSocket API).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ApiProps {
    /// The API's name.
    pub name: String,
    /// `WEBSOCKET`.
    pub protocol_type: String,
    /// How a message's route key is found (`$request.body.action`).
    pub route_selection_expression: String,
    /// What the API is.
    pub description: String,
}

/// `AWS::ApiGatewayV2::Integration`: a Lambda proxy integration.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct IntegrationProps {
    /// The API.
    pub api_id: Expr,
    /// `AWS_PROXY`.
    pub integration_type: String,
    /// The function's invocation URI.
    pub integration_uri: Expr,
}

/// `AWS::ApiGatewayV2::Route`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RouteProps {
    /// The API.
    pub api_id: Expr,
    /// `$connect`, `$disconnect`, `$default` or a custom key.
    pub route_key: String,
    /// `integrations/<id>`.
    pub target: Expr,
    /// `NONE`, `AWS_IAM` or `CUSTOM` (`$connect` only).
    pub authorization_type: String,
    /// The authorizer of a `CUSTOM` route.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authorizer_id: Option<Expr>,
    /// `$default` for a route whose integration's response goes back to the client.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub route_response_selection_expression: Option<String>,
}

/// `AWS::ApiGatewayV2::RouteResponse`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RouteResponseProps {
    /// The API.
    pub api_id: Expr,
    /// The route.
    pub route_id: Expr,
    /// `$default`.
    pub route_response_key: String,
}

/// `AWS::ApiGatewayV2::Authorizer` (a REQUEST Lambda authorizer).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AuthorizerProps {
    /// The API.
    pub api_id: Expr,
    /// `REQUEST`.
    pub authorizer_type: String,
    /// The function's invocation URI.
    pub authorizer_uri: Expr,
    /// `route.request.header.X`, `route.request.querystring.q`, `stageVariables.v`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub identity_source: Vec<String>,
    /// The authorizer's name.
    pub name: String,
}

/// `AWS::ApiGatewayV2::Deployment`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeploymentProps {
    /// The API.
    pub api_id: Expr,
    /// What is deployed.
    pub description: String,
}

/// `AWS::ApiGatewayV2::Stage`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct StageProps {
    /// The API.
    pub api_id: Expr,
    /// The stage's name.
    pub stage_name: String,
    /// The deployment it serves.
    pub deployment_id: Expr,
    /// Throttling of every route.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_route_settings: Option<RouteSettings>,
}

/// A stage's `DefaultRouteSettings`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RouteSettings {
    /// Requests per second.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub throttling_rate_limit: Option<f64>,
    /// Burst capacity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub throttling_burst_limit: Option<u32>,
}

/// `AWS::ApiGatewayV2::DomainName`: a custom domain of the WebSocket API.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DomainNameProps {
    /// The domain (`chat.example.com`).
    pub domain_name: String,
    /// Its certificate, endpoint type and TLS policy.
    pub domain_name_configurations: Vec<DomainNameConfiguration>,
    /// Tags (a map, unlike the REST API's list).
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub tags: std::collections::BTreeMap<String, String>,
}

/// One of a domain name's `DomainNameConfigurations`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DomainNameConfiguration {
    /// The ACM certificate's ARN.
    pub certificate_arn: String,
    /// `REGIONAL`.
    pub endpoint_type: String,
    /// `TLS_1_0` or `TLS_1_2`.
    pub security_policy: String,
}

/// `AWS::ApiGatewayV2::ApiMapping`: the stage on the domain, under a key.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ApiMappingProps {
    /// The API.
    pub api_id: Expr,
    /// The domain name.
    pub domain_name: Expr,
    /// The stage.
    pub stage: Expr,
    /// The path under the domain (`v1`); none: the root.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_mapping_key: Option<String>,
}

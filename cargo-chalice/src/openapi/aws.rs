//! The `x-amazon-apigateway-*` extensions: what API Gateway needs to import
//! the document as the same API that `cargo chalice package` writes
//! (Lambda proxy integrations, authorizers, the API key source, the request
//! validator, gateway responses, binary media types, the resource policy,
//! CORS preflights as mock integrations).

use crate::app::rest_api::RestApi;
use crate::app::App;
use chalice_rs_runtime::manifest::{AuthorizerKind, Route};
use serde_json::{json, Map, Value};

/// The validator of routes with a request model (the template's too).
pub const BODY_VALIDATOR: &str = "body";

/// Where the API is imported: the functions' ARNs are built from these.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The partition (`aws`, `aws-cn`, `aws-us-gov`).
    pub partition: String,
    /// The region.
    pub region: String,
    /// The account ID (12 digits).
    pub account_id: String,
}

impl Target {
    /// A target in `region` of `account_id`, its partition from the region's
    /// prefix; an account ID that is not 12 digits is an error.
    pub fn new(region: &str, account_id: &str) -> Result<Self, String> {
        if account_id.len() != 12 || !account_id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!(
                "`--account-id {account_id}` is not an AWS account ID (12 digits)"
            ));
        }
        if region.is_empty()
            || !region
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err(format!(
                "`--region {region}` is not an AWS region such as `us-east-1`"
            ));
        }
        let partition = if region.starts_with("cn-") {
            "aws-cn"
        } else if region.starts_with("us-gov-") {
            "aws-us-gov"
        } else {
            "aws"
        };
        Ok(Self {
            partition: partition.to_owned(),
            region: region.to_owned(),
            account_id: account_id.to_owned(),
        })
    }

    /// The invocation URI API Gateway calls for the Lambda function `name`.
    pub fn invocation_uri(&self, function_name: &str) -> String {
        let Target {
            partition,
            region,
            account_id,
        } = self;
        format!(
            "arn:{partition}:apigateway:{region}:lambda:path/2015-03-31/functions/arn:{partition}:lambda:{region}:{account_id}:function:{function_name}/invocations"
        )
    }
}

/// The Lambda proxy integration of `route` (to the `api` function), and
/// its request validator.
pub fn add_integration(app: &App, route: &Route, target: &Target, operation: &mut Value) {
    let Some(function) = app.api_function() else {
        return;
    };
    operation["x-amazon-apigateway-integration"] = json!({
        "type": "aws_proxy",
        "httpMethod": "POST",
        "uri": target.invocation_uri(&function.function_name),
        "passthroughBehavior": "when_no_match",
    });
    if route.model.is_some() {
        operation["x-amazon-apigateway-request-validator"] = json!(BODY_VALIDATOR);
    }
}

/// The CORS preflight as API Gateway's mock integration answering `headers`.
pub fn add_preflight(headers: &[(String, String)], operation: &mut Value) {
    let parameters: Map<String, Value> = headers
        .iter()
        .map(|(name, value)| {
            (
                format!("method.response.header.{name}"),
                json!(format!("'{value}'")),
            )
        })
        .collect();
    operation["x-amazon-apigateway-integration"] = json!({
        "type": "mock",
        "requestTemplates": {"application/json": "{\"statusCode\": 200}"},
        "passthroughBehavior": "when_no_match",
        "responses": {"default": {"statusCode": "200", "responseParameters": parameters}},
    });
}

/// The API-wide extensions, and each security scheme's authorizer.
pub fn add_api_extensions(app: &App, api: &RestApi, target: &Target, document: &mut Value) {
    document["x-amazon-apigateway-api-key-source"] = json!("HEADER");
    if !api.binary_media_types.is_empty() {
        document["x-amazon-apigateway-binary-media-types"] = json!(api.binary_media_types);
    }
    if let Some(size) = api.minimum_compression_size {
        document["x-amazon-apigateway-minimum-compression-size"] = json!(size);
    }
    if let Some(policy) = &api.resource_policy {
        document["x-amazon-apigateway-policy"] = policy.clone();
    }
    if api.routes.iter().any(|r| r.model.is_some()) {
        document["x-amazon-apigateway-request-validators"] = json!({
            BODY_VALIDATOR: {"validateRequestBody": true, "validateRequestParameters": false},
        });
    }
    if !api.gateway_responses.is_empty() {
        let responses: Map<String, Value> = api
            .gateway_responses
            .iter()
            .map(|(kind, response)| {
                let mut out = Map::new();
                if let Some(status) = response.status_code {
                    out.insert("statusCode".to_owned(), json!(status.to_string()));
                }
                if !response.headers.is_empty() {
                    let parameters: Map<String, Value> = response
                        .headers
                        .iter()
                        .map(|(name, value)| {
                            (
                                format!("gatewayresponse.header.{name}"),
                                json!(format!("'{value}'")),
                            )
                        })
                        .collect();
                    out.insert("responseParameters".to_owned(), Value::Object(parameters));
                }
                if !response.templates.is_empty() {
                    out.insert("responseTemplates".to_owned(), json!(response.templates));
                }
                (kind.clone(), Value::Object(out))
            })
            .collect();
        document["x-amazon-apigateway-gateway-responses"] = Value::Object(responses);
    }
    let schemes = &mut document["components"]["securitySchemes"];
    if let Some(iam) = schemes.get_mut(super::IAM_SCHEME) {
        iam["x-amazon-apigateway-authtype"] = json!("awsSigv4");
    }
    for (name, authorizer) in &api.authorizers {
        let Some(scheme) = schemes.get_mut(name) else {
            continue;
        };
        let definition = &authorizer.definition;
        let uri = app
            .authorizer_function(name)
            .map(|function| target.invocation_uri(&function.function_name));
        let (authtype, mut extension) = match &definition.kind {
            AuthorizerKind::Token {
                header,
                validation_expression,
            } => {
                let mut extension = json!({
                    "type": "token",
                    "identitySource": format!("method.request.header.{header}"),
                });
                if let Some(expression) = validation_expression {
                    extension["identityValidationExpression"] = json!(expression);
                }
                ("custom", extension)
            }
            AuthorizerKind::Request { identity_sources } => (
                "custom",
                json!({"type": "request", "identitySource": identity_sources.join(", ")}),
            ),
            AuthorizerKind::CognitoUserPools { provider_arns, .. } => (
                "cognito_user_pools",
                json!({"type": "cognito_user_pools", "providerARNs": provider_arns}),
            ),
        };
        if let Some(uri) = uri {
            extension["authorizerUri"] = json!(uri);
        }
        if definition.has_function() {
            extension["authorizerResultTtlInSeconds"] = json!(definition.ttl_seconds);
        }
        scheme["x-amazon-apigateway-authtype"] = json!(authtype);
        scheme["x-amazon-apigateway-authorizer"] = extension;
    }
}

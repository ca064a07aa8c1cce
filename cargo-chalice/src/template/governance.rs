//! API governance in the template: authorizers, API keys and the usage
//! plan, gateway responses, request models and their validator.

use super::{Generator, REQUEST_VALIDATOR_ID, REST_API_ID, STAGE_ID, USAGE_PLAN_ID};
use crate::app::names;
use crate::app::rest_api::{ApiAuthorizer, ApiKey, RestApi};
use crate::cfn::ids;
use crate::cfn::model::*;
use chalice_rs_runtime::manifest::AuthorizerKind;

/// The prefix of request models' logical IDs.
pub(super) const MODEL_PREFIX: &str = "Model";

/// The logical ID of request model `name` (`Model<Name>`; model names are
/// Rust type names, alphanumeric or with `_`, which is dropped).
pub(super) fn model_id(name: &str) -> String {
    let stem: String = name.chars().filter(char::is_ascii_alphanumeric).collect();
    format!("{MODEL_PREFIX}{stem}")
}

/// The logical ID of a gateway response: `GatewayResponseDefault4xx`.
pub(super) fn gateway_response_id(kind: &str) -> String {
    format!("GatewayResponse{}", ids::camel(&kind.to_ascii_lowercase()))
}

impl Generator<'_> {
    /// Authorizers (and their functions' invoke permissions), API keys and
    /// usage plan, gateway responses, request models; with their outputs.
    pub(super) fn write_governance(&self, template: &mut Template, api: &RestApi) {
        let mut put = |id: String, resource: Resource| {
            template.resources.insert(id, resource);
        };
        let mut outputs = Vec::new();
        for ApiAuthorizer {
            stem,
            definition: authorizer,
        } in api.authorizers.values()
        {
            let authorizer_id = names::authorizer_id(stem);
            let (kind, identity_source, validation, provider_arns) = match &authorizer.kind {
                AuthorizerKind::Token {
                    header,
                    validation_expression,
                } => (
                    "TOKEN",
                    Some(format!("method.request.header.{header}")),
                    validation_expression.clone(),
                    Vec::new(),
                ),
                AuthorizerKind::Request { identity_sources } => (
                    "REQUEST",
                    (!identity_sources.is_empty()).then(|| identity_sources.join(", ")),
                    None,
                    Vec::new(),
                ),
                AuthorizerKind::CognitoUserPools {
                    provider_arns,
                    header,
                } => (
                    "COGNITO_USER_POOLS",
                    Some(format!("method.request.header.{header}")),
                    None,
                    provider_arns.clone(),
                ),
            };
            let uri = self.app.authorizer_function(&authorizer.name).map(|function| {
                let invoked = self.invoked_arn_sub(function);
                put(
                    format!("{stem}AuthorizerInvokePermission"),
                    ResourceKind::Permission(PermissionProps {
                        action: "lambda:InvokeFunction".to_owned(),
                        function_name: self.invoked_arn(function),
                        principal: "apigateway.amazonaws.com".to_owned(),
                        source_account: None,
                        source_arn: Some(Expr::sub(format!(
                            "arn:${{AWS::Partition}}:execute-api:${{AWS::Region}}:${{AWS::AccountId}}:${{{REST_API_ID}}}/authorizers/${{{authorizer_id}}}"
                        ))),
                    })
                    .into(),
                );
                super::rollout::invocation_uri(&invoked)
            });
            put(
                authorizer_id,
                ResourceKind::Authorizer(AuthorizerProps {
                    name: authorizer.name.clone(),
                    kind: kind.to_owned(),
                    rest_api_id: Expr::reference(REST_API_ID),
                    identity_source,
                    identity_validation_expression: validation,
                    authorizer_uri: uri,
                    authorizer_result_ttl_in_seconds: authorizer.ttl_seconds,
                    provider_arns,
                })
                .into(),
            );
        }
        if !api.api_keys.is_empty() {
            let plan = &api.usage_plan;
            put(
                USAGE_PLAN_ID.to_owned(),
                ResourceKind::UsagePlan(UsagePlanProps {
                    usage_plan_name: self.app.stack_name(),
                    description: format!("{}: API keys", self.app.description()),
                    api_stages: vec![ApiStage {
                        api_id: Expr::reference(REST_API_ID),
                        stage: Expr::reference(STAGE_ID),
                    }],
                    throttle: plan.throttle.as_ref().map(|t| ThrottleSettings {
                        burst_limit: t.burst_limit,
                        rate_limit: t.rate_limit,
                    }),
                    quota: plan.quota.as_ref().map(|q| QuotaSettings {
                        limit: q.limit,
                        period: q.period.clone(),
                    }),
                })
                .into(),
            );
            for ApiKey { stem, name } in &api.api_keys {
                let key_id = format!("APIKey{stem}");
                put(
                    key_id.clone(),
                    Resource::after(
                        ResourceKind::ApiKey(ApiKeyProps {
                            name: name.clone(),
                            description: self.app.description(),
                            enabled: true,
                        }),
                        vec![STAGE_ID.to_owned()],
                    ),
                );
                put(
                    format!("UsagePlanKey{stem}"),
                    ResourceKind::UsagePlanKey(UsagePlanKeyProps {
                        key_id: Expr::reference(&key_id),
                        key_type: "API_KEY".to_owned(),
                        usage_plan_id: Expr::reference(USAGE_PLAN_ID),
                    })
                    .into(),
                );
                outputs.push((
                    format!("{key_id}Id"),
                    format!("The ID of the API key {name} (not its value)"),
                    Expr::reference(&key_id),
                ));
            }
        }
        for (kind, response) in &api.gateway_responses {
            put(
                gateway_response_id(kind),
                ResourceKind::GatewayResponse(GatewayResponseProps {
                    response_type: kind.clone(),
                    rest_api_id: Expr::reference(REST_API_ID),
                    status_code: response.status_code.map(|c| c.to_string()),
                    response_parameters: response
                        .headers
                        .iter()
                        .map(|(name, value)| {
                            (
                                format!("gatewayresponse.header.{name}"),
                                format!("'{value}'"),
                            )
                        })
                        .collect(),
                    response_templates: response.templates.clone(),
                })
                .into(),
            );
        }
        for (name, schema) in &api.models {
            put(
                model_id(name),
                ResourceKind::Model(ModelProps {
                    content_type: "application/json".to_owned(),
                    name: name.clone(),
                    rest_api_id: Expr::reference(REST_API_ID),
                    schema: schema.clone(),
                })
                .into(),
            );
        }
        if api.routes.iter().any(|r| r.model.is_some()) {
            put(
                REQUEST_VALIDATOR_ID.to_owned(),
                ResourceKind::RequestValidator(RequestValidatorProps {
                    name: "body".to_owned(),
                    rest_api_id: Expr::reference(REST_API_ID),
                    validate_request_body: true,
                    validate_request_parameters: false,
                })
                .into(),
            );
        }
        for (name, description, value) in outputs {
            template.outputs.insert(name, Output { description, value });
        }
    }
}

//! The REST API in the template: the API, its stage and the permission to
//! invoke the API function; each resource with its methods and CORS
//! preflight; the deployment, whose logical ID carries the API's shape hash.

use super::governance::model_id;
use super::{Generator, FUNCTION_ID, PERMISSION_ID, REQUEST_VALIDATOR_ID, REST_API_ID, STAGE_ID};
use crate::app::api_logs::{ApiLogs, MethodLogging};
use crate::app::names::{self, DEPLOYMENT_PREFIX};
use crate::app::rest_api::{ApiResource, RestApi};
use crate::cfn::ids;
use crate::cfn::model::*;
use crate::cfn::operations::CanarySetting;
use crate::config::ThrottleLimits;
use chalice_rs_runtime::manifest::{preflight_headers, AuthorizerKind, Route, IAM_AUTHORIZER};
use std::collections::{BTreeMap, BTreeSet};

/// Where a template finds the API, the function and a resource's parent.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Scope {
    /// The root template: everything is local.
    Root,
    /// A nested template: the API, the function and outside parents are parameters.
    Nested,
}

/// Names of the nested templates' parameters.
pub(super) const PARAM_REST_API: &str = "RestApiId";
pub(super) const PARAM_ROOT_RESOURCE: &str = "RootResourceId";
pub(super) const PARAM_FUNCTION_ARN: &str = "FunctionArn";

impl Generator<'_> {
    /// The API, its stage, the API function's invoke permission, outputs.
    pub(super) fn write_api_core(&self, template: &mut Template, api: &RestApi) {
        let xray = self.app.api_function().is_some_and(|f| f.settings.xray);
        let mut put = |id: &str, resource: Resource| {
            template.resources.insert(id.to_owned(), resource);
        };
        put(
            PERMISSION_ID,
            ResourceKind::Permission(PermissionProps {
                action: "lambda:InvokeFunction".to_owned(),
                function_name: self
                    .app
                    .api_function()
                    .map(|f| self.invoked_arn(f))
                    .unwrap_or_else(|| Expr::get_att(FUNCTION_ID, "Arn")),
                principal: "apigateway.amazonaws.com".to_owned(),
                source_account: None,
                source_arn: Some(Expr::sub(format!(
                    "arn:${{AWS::Partition}}:execute-api:${{AWS::Region}}:${{AWS::AccountId}}:${{{REST_API_ID}}}/*"
                ))),
            })
            .into(),
        );
        put(
            REST_API_ID,
            ResourceKind::RestApi(RestApiProps {
                name: self.app.name.clone(),
                description: self.app.description(),
                endpoint_configuration: EndpointConfiguration {
                    types: vec![api.endpoint_type.clone()],
                },
                binary_media_types: api.binary_media_types.clone(),
                minimum_compression_size: api.minimum_compression_size,
                policy: api.resource_policy.clone(),
            })
            .into(),
        );
        let logs = self.app.api_logs.clone().unwrap_or_default();
        put(
            STAGE_ID,
            Resource::after(
                ResourceKind::Stage(StageProps {
                    stage_name: api.stage_name.clone(),
                    deployment_id: Expr::reference(self.stage_deployment_id(api)),
                    rest_api_id: Expr::reference(REST_API_ID),
                    tracing_enabled: xray,
                    method_settings: method_settings(api, &logs),
                    variables: api.stage_variables.clone(),
                    access_log_setting: self.access_log_setting(&logs),
                    canary_setting: self
                        .release
                        .api_canary
                        .as_ref()
                        .map(|canary| CanarySetting {
                            deployment_id: Expr::reference(self.deployment_id(api)),
                            percent_traffic: canary.percent,
                            use_stage_cache: false,
                        }),
                }),
                self.stage_depends_on(&logs),
            ),
        );
        template.outputs.insert(
            "EndpointURL".to_owned(),
            Output {
                description: "The API's URL".to_owned(),
                value: Expr::sub(format!(
                    "https://${{{REST_API_ID}}}.execute-api.${{AWS::Region}}.${{AWS::URLSuffix}}/{}/",
                    api.stage_name
                )),
            },
        );
        template.outputs.insert(
            "RestAPIId".to_owned(),
            Output {
                description: "The REST API's ID".to_owned(),
                value: Expr::reference(REST_API_ID),
            },
        );
    }

    /// `(AuthorizationType, AuthorizerId)` of a route's method.
    /// In a nested template the authorizer's ID is a parameter of the same name.
    fn authorization(&self, api: &RestApi, route: &Route) -> (String, Option<Expr>) {
        match route.authorizer.as_deref() {
            None => ("NONE".to_owned(), None),
            Some(IAM_AUTHORIZER) => ("AWS_IAM".to_owned(), None),
            Some(name) => match api.authorizer(name) {
                Some(authorizer) => {
                    let kind = match authorizer.definition.kind {
                        AuthorizerKind::CognitoUserPools { .. } => "COGNITO_USER_POOLS",
                        _ => "CUSTOM",
                    };
                    (
                        kind.to_owned(),
                        Some(Expr::reference(names::authorizer_id(&authorizer.stem))),
                    )
                }
                // Refused when the app is resolved.
                None => ("NONE".to_owned(), None),
            },
        }
    }

    /// The authorizers of the routes of `unit` (logical IDs).
    pub(super) fn unit_authorizers(&self, api: &RestApi, unit: &ApiResource) -> BTreeSet<String> {
        unit.routes
            .iter()
            .filter_map(|r| r.authorizer.as_deref())
            .filter_map(|name| api.authorizer(name))
            .map(|a| names::authorizer_id(&a.stem))
            .collect()
    }

    /// The logical ID of an API resource (`None` for `/`, the API's root).
    pub(super) fn resource_id(&self, unit: &ApiResource) -> Option<String> {
        unit.parent
            .as_ref()
            .map(|_| format!("Resource{}", self.names[&unit.path]))
    }

    /// The logical ID of the API resource at `path`.
    pub(super) fn resource_id_of(&self, api: &RestApi, path: &str) -> Option<String> {
        let index = *self.by_path.get(path)?;
        self.resource_id(&api.resources[index])
    }

    fn rest_api(&self, scope: Scope) -> Expr {
        match scope {
            Scope::Root => Expr::reference(REST_API_ID),
            Scope::Nested => Expr::reference(PARAM_REST_API),
        }
    }

    fn method_id(&self, route: &Route) -> String {
        format!(
            "Method{}{}",
            ids::method_name(&route.method),
            self.names[&route.resource_path]
        )
    }

    /// The deployment's logical ID: it changes with the API's shape.
    pub(super) fn deployment_id(&self, api: &RestApi) -> String {
        format!(
            "{DEPLOYMENT_PREFIX}{}",
            super::shape::api_shape_hash(self.app, api)
        )
    }

    /// The deployment, after `depends_on` (the methods or the stacks holding them).
    pub(super) fn deployment(&self, api: &RestApi, depends_on: Vec<String>) -> Resource {
        let mut depends_on = depends_on;
        // Gateway responses take effect with a deployment made after them.
        depends_on.extend(
            api.gateway_responses
                .keys()
                .map(|k| super::governance::gateway_response_id(k)),
        );
        depends_on.sort();
        Resource::after(
            ResourceKind::Deployment(DeploymentProps {
                rest_api_id: Expr::reference(REST_API_ID),
                description: format!(
                    "{}, API shape {}",
                    self.app.description(),
                    super::shape::api_shape_hash(self.app, api)
                ),
            }),
            depends_on,
        )
    }

    /// The template resources of one API resource: its
    /// `AWS::ApiGateway::Resource`, its methods and its CORS preflight.
    pub(super) fn api_resource(
        &self,
        api: &RestApi,
        unit: &ApiResource,
        scope: Scope,
    ) -> Vec<(String, Resource)> {
        let root_id = match scope {
            Scope::Root => Expr::get_att(REST_API_ID, "RootResourceId"),
            Scope::Nested => Expr::reference(PARAM_ROOT_RESOURCE),
        };
        let id_of = |path: &str| -> Expr {
            match self.resource_id_of(api, path) {
                Some(id) => Expr::reference(id),
                None => root_id.clone(),
            }
        };
        let mut out = Vec::new();
        if let (Some(id), Some(parent)) = (self.resource_id(unit), &unit.parent) {
            out.push((
                id,
                ResourceKind::ApiResource(ApiResourceProps {
                    parent_id: id_of(parent),
                    path_part: unit.path_part.clone(),
                    rest_api_id: self.rest_api(scope),
                })
                .into(),
            ));
        }
        let function_arn = match scope {
            Scope::Root => self
                .app
                .api_function()
                .map(|f| self.invoked_arn_sub(f))
                .unwrap_or_else(|| format!("${{{FUNCTION_ID}.Arn}}")),
            Scope::Nested => format!("${{{PARAM_FUNCTION_ARN}}}"),
        };
        for route in &unit.routes {
            let (authorization_type, authorizer_id) = self.authorization(api, route);
            out.push((
                self.method_id(route),
                ResourceKind::Method(Box::new(MethodProps {
                    authorization_type,
                    authorizer_id,
                    api_key_required: route.api_key_required,
                    http_method: route.method.clone(),
                    // In a nested template the model and the validator are
                    // parameters of the same names.
                    request_models: route
                        .model
                        .iter()
                        .map(|model| {
                            (
                                "application/json".to_owned(),
                                Expr::reference(model_id(model)),
                            )
                        })
                        .collect(),
                    request_validator_id: route
                        .model
                        .as_ref()
                        .map(|_| Expr::reference(REQUEST_VALIDATOR_ID)),
                    integration: Integration {
                        integration_http_method: Some("POST".to_owned()),
                        kind: "AWS_PROXY".to_owned(),
                        uri: Some(super::rollout::invocation_uri(&function_arn)),
                        request_templates: BTreeMap::new(),
                        integration_responses: Vec::new(),
                    },
                    method_responses: Vec::new(),
                    resource_id: id_of(&unit.path),
                    rest_api_id: self.rest_api(scope),
                }))
                .into(),
            ));
        }
        if let Some(cors) = &unit.cors {
            let headers = preflight_headers(cors, unit.routes.iter().map(|r| r.method.as_str()));
            let name = |header: &str| format!("method.response.header.{header}");
            out.push((
                format!("MethodOptions{}", self.names[&unit.path]),
                ResourceKind::Method(Box::new(MethodProps {
                    authorization_type: "NONE".to_owned(),
                    authorizer_id: None,
                    api_key_required: false,
                    http_method: "OPTIONS".to_owned(),
                    request_models: BTreeMap::new(),
                    request_validator_id: None,
                    integration: Integration {
                        integration_http_method: None,
                        kind: "MOCK".to_owned(),
                        uri: None,
                        request_templates: [(
                            "application/json".to_owned(),
                            "{\"statusCode\": 200}".to_owned(),
                        )]
                        .into(),
                        integration_responses: vec![IntegrationResponse {
                            status_code: "200".to_owned(),
                            response_parameters: headers
                                .iter()
                                .map(|(header, value)| (name(header), format!("'{value}'")))
                                .collect(),
                        }],
                    },
                    method_responses: vec![MethodResponse {
                        status_code: "200".to_owned(),
                        response_parameters: headers
                            .iter()
                            .map(|(header, _)| (name(header), true))
                            .collect(),
                    }],
                    resource_id: id_of(&unit.path),
                    rest_api_id: self.rest_api(scope),
                }))
                .into(),
            ));
        }
        out
    }
}

/// The stage's method settings: stage-wide, then per route (a route's
/// throttling and logging in one setting; each takes the stage's values
/// for what it does not set).
fn method_settings(api: &RestApi, logs: &ApiLogs) -> Vec<MethodSetting> {
    let stage = api.stage_throttle.clone().unwrap_or_default();
    let setting = |method: &str, path: String, limits: &ThrottleLimits, logging: &MethodLogging| {
        MethodSetting {
            http_method: method.to_owned(),
            resource_path: path,
            metrics_enabled: logging.detailed_metrics,
            data_trace_enabled: logging.data_trace,
            logging_level: logging.logging_level.clone(),
            throttling_burst_limit: limits.burst_limit,
            throttling_rate_limit: limits.rate_limit,
        }
    };
    let mut out = vec![setting("*", "/*".to_owned(), &stage, &logs.stage)];
    // (resource path, method, throttle, logging), throttled routes first.
    let mut routes: Vec<(String, String, ThrottleLimits, MethodLogging)> = Vec::new();
    let mut entry = |path: &str, method: &str| -> usize {
        match routes.iter().position(|r| r.0 == path && r.1 == method) {
            Some(index) => index,
            None => {
                routes.push((
                    path.to_owned(),
                    method.to_owned(),
                    stage.clone(),
                    logs.stage.clone(),
                ));
                routes.len() - 1
            }
        }
    };
    let mut throttled = Vec::new();
    for throttle in &api.route_throttles {
        throttled.push((entry(&throttle.resource_path, &throttle.method), throttle));
    }
    let mut logged = Vec::new();
    for route in &logs.routes {
        logged.push((entry(&route.resource_path, &route.method), route));
    }
    for (index, throttle) in throttled {
        routes[index].2 = throttle.limits.clone();
    }
    for (index, route) in logged {
        routes[index].3 = route.logging.clone();
    }
    for (path, method, limits, logging) in &routes {
        out.push(setting(
            method,
            format!("/{}", path.replace('/', "~1")),
            limits,
            logging,
        ));
    }
    out
}

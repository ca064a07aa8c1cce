//! The WebSocket API in the root template: the API, per route an
//! integration, a route (and a route response when the route answers) and
//! the permission for API Gateway to invoke its function; the `$connect`
//! authorizer and its permission; a deployment whose ID carries the API's
//! shape, the stage with its throttling; the outputs with the `wss://` URL.

use super::{Generator, TemplateError};
use crate::app::websocket_api::{
    WebsocketApi, WebsocketAuthorizer, API_ID, DEPLOYMENT_ID, STAGE_ID,
};
use crate::app::AppError;
use crate::cfn::apigatewayv2::*;
use crate::cfn::model::{Expr, Output, PermissionProps, Resource, ResourceKind, Template};

/// The output holding the API's `wss://` URL.
pub const URL_OUTPUT: &str = "WebsocketConnectEndpointURL";
/// The output holding the API's id.
pub const ID_OUTPUT: &str = "WebsocketAPIId";

/// The API's ARN pattern for `path` (`/*`, `/authorizers/${X}`).
fn execute_arn(path: &str) -> Expr {
    Expr::sub(format!(
        "arn:${{AWS::Partition}}:execute-api:${{AWS::Region}}:${{AWS::AccountId}}:${{{API_ID}}}{path}"
    ))
}

/// A short hash of what a deployment deploys, so that a changed API gets a
/// new deployment (CloudFormation only creates one when its ID changes).
fn shape_hash(api: &WebsocketApi) -> String {
    let mut shape = api.route_selection_expression.clone();
    for route in &api.routes {
        shape.push('\n');
        shape.push_str(&route.route_key);
        shape.push(if route.responds { '+' } else { '-' });
    }
    shape.push_str(&format!("\n{:?}", api.authorizer));
    crate::cfn::ids::short_hash(&shape, 8)
}

impl Generator<'_> {
    /// Adds the WebSocket API to the root template, refusing a logical ID
    /// another resource already has.
    pub(super) fn write_websocket_api(&self, root: &mut Template) -> Result<(), TemplateError> {
        let Some(api) = &self.app.websocket_api else {
            return Ok(());
        };
        for (id, resource) in self.websocket_resources(api) {
            if root.resources.contains_key(&id) {
                return Err(AppError::Unsupported(format!(
                    "the WebSocket API's resource `{id}` would have the logical ID of another \
                     resource of the template; rename that resource"
                ))
                .into());
            }
            root.resources.insert(id, resource);
        }
        root.outputs.insert(
            URL_OUTPUT.to_owned(),
            Output {
                description: "The WebSocket API's URL".to_owned(),
                value: Expr::sub(format!(
                    "wss://${{{API_ID}}}.execute-api.${{AWS::Region}}.${{AWS::URLSuffix}}/{}",
                    api.stage_name
                )),
            },
        );
        self.write_websocket_custom_domain(root);
        root.outputs.insert(
            ID_OUTPUT.to_owned(),
            Output {
                description: "The WebSocket API's id".to_owned(),
                value: Expr::reference(API_ID),
            },
        );
        Ok(())
    }

    fn websocket_resources(&self, api: &WebsocketApi) -> Vec<(String, Resource)> {
        let api_id = || Expr::reference(API_ID);
        let mut out: Vec<(String, Resource)> = vec![(
            API_ID.to_owned(),
            ResourceKind::WebsocketApi(ApiProps {
                name: api.name.clone(),
                protocol_type: "WEBSOCKET".to_owned(),
                route_selection_expression: api.route_selection_expression.clone(),
                description: format!("{}: WebSocket API", self.app.description()),
            })
            .into(),
        )];
        let authorizer_id = api.authorizer_id();
        if let (
            Some(WebsocketAuthorizer::Lambda {
                name,
                identity_sources,
                ..
            }),
            Some(id),
        ) = (&api.authorizer, &authorizer_id)
        {
            if let Some(function) = self.app.authorizer_function(name) {
                out.push((
                    id.clone(),
                    ResourceKind::WebsocketAuthorizer(AuthorizerProps {
                        api_id: api_id(),
                        authorizer_type: "REQUEST".to_owned(),
                        authorizer_uri: self.invocation_uri(function),
                        identity_source: identity_sources.clone(),
                        name: name.clone(),
                    })
                    .into(),
                ));
                out.push((
                    format!("{id}Permission"),
                    ResourceKind::Permission(PermissionProps {
                        action: "lambda:InvokeFunction".to_owned(),
                        function_name: self.invoked_arn(function),
                        principal: "apigateway.amazonaws.com".to_owned(),
                        source_account: None,
                        source_arn: Some(execute_arn(&format!("/authorizers/${{{id}}}"))),
                    })
                    .into(),
                ));
            }
        }
        let mut deployed = Vec::new();
        for route in &api.routes {
            let Some(function) = self.app.function(&route.function) else {
                continue;
            };
            let integration_id = format!("{}Integration", route.stem);
            let route_id = format!("{}Route", route.stem);
            out.push((
                integration_id.clone(),
                ResourceKind::WebsocketIntegration(IntegrationProps {
                    api_id: api_id(),
                    integration_type: "AWS_PROXY".to_owned(),
                    integration_uri: self.invocation_uri(function),
                })
                .into(),
            ));
            let is_connect = route.route_key == chalice_rs_runtime::manifest::CONNECT_ROUTE;
            let (authorization_type, authorizer) = match (&api.authorizer, is_connect) {
                (Some(WebsocketAuthorizer::Iam), true) => ("AWS_IAM", None),
                (Some(WebsocketAuthorizer::Lambda { .. }), true) => {
                    ("CUSTOM", authorizer_id.as_deref().map(Expr::reference))
                }
                _ => ("NONE", None),
            };
            out.push((
                route_id.clone(),
                ResourceKind::WebsocketRoute(RouteProps {
                    api_id: api_id(),
                    route_key: route.route_key.clone(),
                    target: Expr::sub(format!("integrations/${{{integration_id}}}")),
                    authorization_type: authorization_type.to_owned(),
                    authorizer_id: authorizer,
                    route_response_selection_expression: route
                        .responds
                        .then(|| "$default".to_owned()),
                })
                .into(),
            ));
            deployed.push(route_id.clone());
            if route.responds {
                let response_id = format!("{}RouteResponse", route.stem);
                out.push((
                    response_id.clone(),
                    ResourceKind::WebsocketRouteResponse(RouteResponseProps {
                        api_id: api_id(),
                        route_id: Expr::reference(&route_id),
                        route_response_key: "$default".to_owned(),
                    })
                    .into(),
                ));
                deployed.push(response_id);
            }
            out.push((
                format!("{}WebsocketPermission", route.stem),
                ResourceKind::Permission(PermissionProps {
                    action: "lambda:InvokeFunction".to_owned(),
                    function_name: self.invoked_arn(function),
                    principal: "apigateway.amazonaws.com".to_owned(),
                    source_account: None,
                    source_arn: Some(execute_arn("/*")),
                })
                .into(),
            ));
        }
        let deployment_id = format!("{DEPLOYMENT_ID}{}", shape_hash(api));
        deployed.sort();
        out.push((
            deployment_id.clone(),
            Resource::after(
                ResourceKind::WebsocketDeployment(DeploymentProps {
                    api_id: api_id(),
                    description: format!("{} routes", api.routes.len()),
                }),
                deployed,
            ),
        ));
        let throttle = &api.throttle;
        let limited = throttle.rate_limit.is_some() || throttle.burst_limit.is_some();
        let settings = limited.then_some(RouteSettings {
            throttling_rate_limit: throttle.rate_limit,
            throttling_burst_limit: throttle.burst_limit,
        });
        out.push((
            STAGE_ID.to_owned(),
            ResourceKind::WebsocketStage(StageProps {
                api_id: api_id(),
                stage_name: api.stage_name.clone(),
                deployment_id: Expr::reference(&deployment_id),
                default_route_settings: settings,
            })
            .into(),
        ));
        out
    }
}

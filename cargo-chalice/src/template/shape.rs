//! The hash of the REST API's shape: what the deployment's logical ID
//! carries, so that a changed API gets a new deployment (API Gateway serves
//! a stage from a deployment, a snapshot of the API).

use crate::app::rest_api::RestApi;
use crate::app::App;
use crate::cfn::ids;
use chalice_rs_runtime::manifest::Cors;

/// The hash of the API's shape carried by the deployment's logical ID: the
/// routes (path, method, API key, authorizer) and the API settings that need a
/// redeployment to take effect.
pub fn api_shape_hash(app: &App, api: &RestApi) -> String {
    let config = &app.config;
    let mut shape = String::new();
    for route in &api.routes {
        shape.push_str(&format!(
            "{} {} key={} auth={}\n",
            route.method,
            route.resource_path,
            route.api_key_required,
            route.authorizer.as_deref().unwrap_or("")
        ));
    }
    shape.push_str(&format!(
        "binary={}\ncompression={:?}\n",
        api.binary_media_types.join(","),
        api.minimum_compression_size
    ));
    // Added only when used, so that apps without them keep their hash.
    for route in api.routes.iter().filter(|r| r.cors.is_some()) {
        shape.push_str(&format!(
            "cors {} {} {:?}\n",
            route.method,
            route.resource_path,
            route.cors.as_ref().map(Cors::headers)
        ));
    }
    for authorizer in api.authorizers.values().map(|a| &a.definition) {
        shape.push_str(&format!(
            "authorizer {} {:?} ttl={}\n",
            authorizer.name, authorizer.kind, authorizer.ttl_seconds
        ));
    }
    for (kind, response) in &api.gateway_responses {
        shape.push_str(&format!("gateway_response {kind} {response:?}\n"));
    }
    for route in api.routes.iter().filter(|r| r.model.is_some()) {
        shape.push_str(&format!(
            "model {} {} {:?}\n",
            route.method, route.resource_path, route.model
        ));
    }
    for (name, schema) in &api.models {
        shape.push_str(&format!("schema {name} {schema}\n"));
    }
    if let Some(policy) = &config.resource_policy {
        shape.push_str(&format!("resource_policy {policy:?}\n"));
    }
    if let Some(file) = &config.resource_policy_file {
        shape.push_str(&format!("resource_policy_file {file}\n"));
    }
    ids::short_hash(&shape, 12)
}

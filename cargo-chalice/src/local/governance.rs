//! What the stage checks between routing and the integration, in the order
//! the deployed API applies it (see ARCHITECTURE.md): the resource policy on the
//! caller's address, the route's throttling, the route's authorizer, the
//! API key and its usage plan, then the request body against the route's
//! request model. Each refusal is a gateway response,
//! which the app's `gateway_responses` may restyle.
//!
//! The same config and manifest drive the template (`cargo chalice package`),
//! so the local server enforces what the deployed stage would.

use super::api_keys::{ApiKey, ApiKeys};
use super::authorizers::{Authorization, Authorizers, Grant, Subject};
use super::gateway_responses::GatewayResponses;
use super::limits::{Limited, Limits};
use super::request_models::RequestModels;
use super::resource_policy::{ResourcePolicy, Verdict};
use crate::app::rest_api::ApiResource;
use chalice_rs_runtime::gateway::{CallerContext, GatewayResponse, RestEvent};
use chalice_rs_runtime::manifest::{preflight_headers, Route};
use std::collections::HashMap;
use std::net::IpAddr;

/// The stage's checks and its gateway responses.
#[derive(Debug, Default)]
pub struct Governance {
    /// The app's authorizers.
    pub authorizers: Authorizers,
    /// The accepted API keys.
    pub api_keys: ApiKeys,
    /// Throttling and quotas, with their counts.
    pub limits: Option<Limits>,
    /// Gateway responses with the app's overrides.
    pub responses: GatewayResponses,
    /// The API's resource policy, if it has one.
    pub resource_policy: Option<ResourcePolicy>,
    /// The request models of validated routes.
    pub request_models: RequestModels,
    /// `arn:aws:execute-api:<region>:<account>:<api>/<stage>`: method ARNs start so.
    pub stage_arn: String,
}

/// Why the gateway answers instead of the function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The response type.
    pub kind: GatewayResponse,
    /// A message other than the type's own.
    pub message: Option<String>,
}

impl From<GatewayResponse> for Refusal {
    fn from(kind: GatewayResponse) -> Self {
        Self {
            kind,
            message: None,
        }
    }
}

/// What an admitted request carries to the function.
#[derive(Debug, Clone, Default)]
pub struct Admission {
    /// The authorizer's grant.
    pub grant: Grant,
    /// The API key the request used, when the route requires one.
    pub api_key: Option<ApiKey>,
}

impl Admission {
    /// What the grant and the key put into the proxy event's request context.
    pub fn into_caller(self) -> CallerContext {
        let (api_key_id, api_key) = match self.api_key {
            Some(key) => (Some(format!("local-{}", key.name)), Some(key.value)),
            None => (None, None),
        };
        CallerContext {
            authorizer: self.grant.context,
            access_key: self.grant.access_key,
            api_key_id,
            api_key,
        }
    }
}

impl Governance {
    /// The ARN API Gateway gives a call of `method` on `path`.
    pub fn method_arn(&self, method: &str, path: &str) -> String {
        format!(
            "{}/{method}/{}",
            self.stage_arn,
            path.trim_start_matches('/')
        )
    }

    /// Checks before a CORS preflight (a MOCK method: no authorizer, no key).
    pub fn admit_preflight(
        &self,
        resource_path: &str,
        method_arn: &str,
        source_ip: IpAddr,
    ) -> Result<(), Refusal> {
        self.check_policy(method_arn, source_ip)?;
        self.check_throttle("OPTIONS", resource_path)
    }

    /// Checks a request for `route` (`event`, the proxy event it would send,
    /// carries the request); the admission goes into the event
    /// ([`Admission::into_caller`]).
    pub async fn admit(
        &self,
        route: &Route,
        event: RestEvent<'_>,
        method_arn: &str,
        source_ip: IpAddr,
    ) -> Result<Admission, Refusal> {
        self.check_policy(method_arn, source_ip)?;
        self.check_throttle(&route.method, &route.resource_path)?;
        let request = event.request;
        let subject = Subject { event, method_arn };
        let grant = match self.authorizers.authorize(route, subject).await {
            Authorization::Allowed(grant) => grant,
            Authorization::Refused(kind) => return Err(kind.into()),
        };
        let api_key = if route.api_key_required {
            let key = request
                .headers
                .get("x-api-key")
                .and_then(|v| v.to_str().ok())
                .and_then(|value| self.api_keys.find(value))
                .ok_or(Refusal::from(GatewayResponse::InvalidApiKey))?;
            if let Some(limits) = &self.limits {
                limits.admit_key(&key.value).map_err(limited)?;
            }
            Some(key.clone())
        } else {
            None
        };
        if let Some(model) = &route.model {
            let content_type = request
                .headers
                .get(http::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok());
            if !self
                .request_models
                .admits(model, content_type, &request.body)
            {
                return Err(GatewayResponse::BadRequestBody.into());
            }
        }
        Ok(Admission { grant, api_key })
    }

    fn check_policy(&self, method_arn: &str, source_ip: IpAddr) -> Result<(), Refusal> {
        match self
            .resource_policy
            .as_ref()
            .map(|policy| policy.evaluate(method_arn, source_ip))
        {
            Some(Verdict::Denied(message)) => Err(Refusal {
                kind: GatewayResponse::AccessDenied,
                message: Some(message),
            }),
            _ => Ok(()),
        }
    }

    fn check_throttle(&self, method: &str, resource_path: &str) -> Result<(), Refusal> {
        match &self.limits {
            Some(limits) => limits.admit_route(method, resource_path).map_err(limited),
            None => Ok(()),
        }
    }
}

fn limited(limited: Limited) -> Refusal {
    match limited {
        Limited::Throttled => GatewayResponse::Throttled.into(),
        Limited::QuotaExceeded => GatewayResponse::QuotaExceeded.into(),
    }
}

/// The CORS preflight headers by resource path, for the resources that have
/// one in the model (a CORS route, no `OPTIONS` route of the app's own), as
/// the template makes its MOCK `OPTIONS` methods.
pub fn preflights(resources: &[ApiResource]) -> HashMap<String, Vec<(String, String)>> {
    resources
        .iter()
        .filter_map(|resource| {
            let cors = resource.cors.as_ref()?;
            let methods = resource.routes.iter().map(|r| r.method.as_str());
            Some((resource.path.clone(), preflight_headers(cors, methods)))
        })
        .collect()
}

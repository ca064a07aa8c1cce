//! The API-governance keys: API keys, usage plan, throttling, gateway
//! responses, resource policy and app-wide CORS, resolved (stage over top
//! level, whole values) and checked.

use super::file::{ConfigFile, StageSection};
use super::{invalid, ConfigError, StageConfig};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

/// The object form of the app-wide `cors` key.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CorsConfig {
    /// `Access-Control-Allow-Origin` (default `*`).
    pub allow_origin: Option<String>,
    /// Headers allowed beyond Chalice's defaults.
    #[serde(default)]
    pub allow_headers: Vec<String>,
    /// `Access-Control-Expose-Headers`.
    #[serde(default)]
    pub expose_headers: Vec<String>,
    /// `Access-Control-Max-Age` in seconds (0 to 86400).
    pub max_age: Option<u32>,
    /// `Access-Control-Allow-Credentials: true`.
    #[serde(default)]
    pub allow_credentials: bool,
}

/// A rate and burst limit.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ThrottleLimits {
    /// Steady-state requests per second.
    pub rate_limit: Option<f64>,
    /// Burst capacity (requests).
    pub burst_limit: Option<u32>,
}

/// A usage plan's quota.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Quota {
    /// Requests per period.
    pub limit: u32,
    /// `DAY`, `WEEK` or `MONTH`.
    pub period: String,
}

/// `usage_plan`: throttle and quota for the API keys.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct UsagePlan {
    /// Rate and burst per key.
    pub throttle: Option<ThrottleLimits>,
    /// Quota per key.
    pub quota: Option<Quota>,
}

/// `throttling`: the stage's limits, overall and per route (`"GET /items/{id}"`).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Throttling {
    /// Steady-state requests per second for the whole stage.
    pub rate_limit: Option<f64>,
    /// Burst capacity for the whole stage.
    pub burst_limit: Option<u32>,
    /// Limits per route, keyed `"METHOD /path"`.
    #[serde(default)]
    pub routes: BTreeMap<String, ThrottleLimits>,
}

impl Throttling {
    /// The stage's own rate and burst: the defaults of every route.
    pub fn stage_limits(&self) -> ThrottleLimits {
        ThrottleLimits {
            rate_limit: self.rate_limit,
            burst_limit: self.burst_limit,
        }
    }
}

/// One gateway response.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct GatewayResponse {
    /// The HTTP status (default: API Gateway's for the type).
    pub status_code: Option<u16>,
    /// Response headers (static values).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Body templates by content type.
    #[serde(default)]
    pub templates: BTreeMap<String, String>,
}

/// `resource_policy`: who may call the API, by source IP.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ResourcePolicy {
    /// Only these addresses or CIDR ranges may call (empty: anyone).
    #[serde(default)]
    pub allow_source_ips: Vec<String>,
    /// These addresses or CIDR ranges may not call.
    #[serde(default)]
    pub deny_source_ips: Vec<String>,
}

/// API Gateway's gateway response types.
pub const GATEWAY_RESPONSE_TYPES: &[&str] = &[
    "ACCESS_DENIED",
    "API_CONFIGURATION_ERROR",
    "AUTHORIZER_CONFIGURATION_ERROR",
    "AUTHORIZER_FAILURE",
    "BAD_REQUEST_BODY",
    "BAD_REQUEST_PARAMETERS",
    "DEFAULT_4XX",
    "DEFAULT_5XX",
    "EXPIRED_TOKEN",
    "INTEGRATION_FAILURE",
    "INTEGRATION_TIMEOUT",
    "INVALID_API_KEY",
    "INVALID_SIGNATURE",
    "MISSING_AUTHENTICATION_TOKEN",
    "QUOTA_EXCEEDED",
    "REQUEST_TOO_LARGE",
    "RESOURCE_NOT_FOUND",
    "THROTTLED",
    "UNAUTHORIZED",
    "UNSUPPORTED_MEDIA_TYPE",
    "WAF_FILTERED",
];

/// The API-governance keys of a stage, resolved and checked.
pub(super) struct Governance {
    pub(super) api_keys: Vec<String>,
    pub(super) usage_plan: UsagePlan,
    pub(super) throttling: Option<Throttling>,
    pub(super) gateway_responses: BTreeMap<String, GatewayResponse>,
    pub(super) resource_policy: Option<ResourcePolicy>,
    pub(super) resource_policy_file: Option<String>,
    pub(super) cors: Option<chalice_rs_runtime::manifest::Cors>,
}

/// Resolves (stage over top level, whole values) and checks the keys of
/// API keys, usage plan, throttling, gateway responses and resource policy.
pub(super) fn resolve_governance(
    path: &Path,
    file: &ConfigFile,
    section: Option<&StageSection>,
    app_name: &str,
    stage: &str,
) -> Result<Governance, ConfigError> {
    fn pick<T: Clone>(
        section: Option<&StageSection>,
        top: &StageSection,
        get: impl Fn(&StageSection) -> Option<&T>,
    ) -> Option<T> {
        section.and_then(&get).or_else(|| get(top)).cloned()
    }
    let top = &file.top;
    let api_keys = pick(section, top, |s| s.api_keys.as_ref())
        .unwrap_or_else(|| vec![format!("{app_name}-{stage}")]);
    if api_keys.is_empty() {
        return Err(invalid(
            path,
            "`api_keys` is empty; name at least one key or leave it out".to_owned(),
        ));
    }
    let mut seen = std::collections::BTreeSet::new();
    for name in &api_keys {
        let ok = !name.is_empty()
            && name.len() <= 128
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.');
        if !ok {
            return Err(invalid(
                path,
                format!("`api_keys`: `{name}` must be 1 to 128 letters, digits, `-`, `_` or `.`"),
            ));
        }
        if !seen.insert(name.to_ascii_lowercase()) {
            return Err(invalid(
                path,
                format!("`api_keys`: `{name}` is listed twice"),
            ));
        }
    }
    let check_limits = |key: &str, limits: &ThrottleLimits| -> Result<(), ConfigError> {
        if let Some(rate) = limits.rate_limit {
            if !rate.is_finite() || rate < 0.0 {
                return Err(invalid(
                    path,
                    format!("`{key}.rate_limit` is {rate}; expected a number >= 0"),
                ));
            }
        }
        Ok(())
    };
    let usage_plan = pick(section, top, |s| s.usage_plan.as_ref()).unwrap_or_default();
    if let Some(throttle) = &usage_plan.throttle {
        check_limits("usage_plan.throttle", throttle)?;
    }
    if let Some(quota) = &usage_plan.quota {
        if !["DAY", "WEEK", "MONTH"].contains(&quota.period.as_str()) {
            return Err(invalid(
                path,
                format!(
                    "`usage_plan.quota.period` is `{}`; expected DAY, WEEK or MONTH",
                    quota.period
                ),
            ));
        }
        if quota.limit == 0 {
            return Err(invalid(
                path,
                "`usage_plan.quota.limit` is 0; expected at least 1".to_owned(),
            ));
        }
    }
    let throttling = pick(section, top, |s| s.throttling.as_ref());
    if let Some(throttling) = &throttling {
        check_limits("throttling", &throttling.stage_limits())?;
        for (route, limits) in &throttling.routes {
            let valid = route
                .split_once(' ')
                .is_some_and(|(method, p)| !method.is_empty() && p.starts_with('/'));
            if !valid {
                return Err(invalid(
                    path,
                    format!("`throttling.routes`: `{route}` should be `METHOD /path`, e.g. `GET /items/{{id}}`"),
                ));
            }
            check_limits(&format!("throttling.routes.{route}"), limits)?;
        }
    }
    let gateway_responses =
        pick(section, top, |s| s.gateway_responses.as_ref()).unwrap_or_default();
    for (kind, response) in &gateway_responses {
        if !GATEWAY_RESPONSE_TYPES.contains(&kind.as_str()) {
            return Err(invalid(
                path,
                format!(
                    "`gateway_responses`: `{kind}` is not a gateway response type; expected one of {}",
                    GATEWAY_RESPONSE_TYPES.join(", ")
                ),
            ));
        }
        if let Some(code) = response.status_code {
            if !(100..=599).contains(&code) {
                return Err(invalid(
                    path,
                    format!(
                        "`gateway_responses.{kind}.status_code` is {code}; expected 100 to 599"
                    ),
                ));
            }
        }
        for (name, value) in &response.headers {
            let ok = !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            if !ok || value.contains('\'') {
                return Err(invalid(
                    path,
                    format!("`gateway_responses.{kind}.headers`: `{name}` must be a header name (letters, digits, `-`) with a value without `'`"),
                ));
            }
        }
    }
    let resource_policy = pick(section, top, |s| s.resource_policy.as_ref());
    let resource_policy_file = pick(section, top, |s| s.resource_policy_file.as_ref());
    if resource_policy.is_some() && resource_policy_file.is_some() {
        return Err(invalid(
            path,
            "`resource_policy` and `resource_policy_file` are both set; use one".to_owned(),
        ));
    }
    if let Some(policy) = &resource_policy {
        if policy.allow_source_ips.is_empty() && policy.deny_source_ips.is_empty() {
            return Err(invalid(
                path,
                "`resource_policy` needs `allow_source_ips` or `deny_source_ips`".to_owned(),
            ));
        }
        for ip in policy
            .allow_source_ips
            .iter()
            .chain(&policy.deny_source_ips)
        {
            if !is_ip_or_cidr(ip) {
                return Err(invalid(
                    path,
                    format!("`resource_policy`: `{ip}` is not an IP address or CIDR range"),
                ));
            }
        }
    }
    let cors = match pick(section, top, |s| s.cors.as_ref()) {
        None | Some(Value::Bool(false)) => None,
        Some(Value::Bool(true)) => Some(app_cors(CorsConfig::default())),
        Some(object @ Value::Object(_)) => {
            let config: CorsConfig = serde_json::from_value(object)
                .map_err(|error| invalid(path, format!("`cors`: {error}")))?;
            if config.max_age.is_some_and(|age| age > 86_400) {
                return Err(invalid(
                    path,
                    "`cors.max_age` is over 86400 (seconds)".to_owned(),
                ));
            }
            Some(app_cors(config))
        }
        Some(_) => {
            return Err(invalid(
                path,
                "`cors` must be `true`, `false` or an object with `allow_origin`, `allow_headers`, `expose_headers`, `max_age`, `allow_credentials`".to_owned(),
            ))
        }
    };
    Ok(Governance {
        api_keys,
        usage_plan,
        throttling,
        gateway_responses,
        resource_policy,
        resource_policy_file,
        cors,
    })
}

/// The runtime's CORS settings for the app-wide `cors` key.
fn app_cors(config: CorsConfig) -> chalice_rs_runtime::manifest::Cors {
    chalice_rs_runtime::manifest::Cors {
        allow_origin: config.allow_origin.unwrap_or_else(|| "*".to_owned()),
        allow_headers: config.allow_headers,
        expose_headers: config.expose_headers,
        max_age: config.max_age,
        allow_credentials: config.allow_credentials,
    }
}

impl StageConfig {
    /// Gives the app-wide `cors` to the routes of `manifest` without their
    /// own, as the template, the function and the local server see them.
    pub fn apply_cors(&self, manifest: &mut chalice_rs_runtime::manifest::Manifest) {
        if let Some(cors) = &self.cors {
            for route in manifest.routes.iter_mut().filter(|r| r.cors.is_none()) {
                route.cors = Some(cors.clone());
            }
        }
    }

    /// The functions' environment variable that carries the app-wide CORS
    /// settings to the runtime (which adds the headers to responses).
    pub fn cors_environment(&self) -> Option<(String, String)> {
        let cors = self.cors.as_ref()?;
        let json = serde_json::to_string(cors).ok()?;
        Some((chalice_rs_runtime::manifest::APP_CORS_ENV.to_owned(), json))
    }
}

/// Whether `text` is an IPv4/IPv6 address or CIDR range (`10.0.0.0/8`).
fn is_ip_or_cidr(text: &str) -> bool {
    let (address, prefix) = match text.split_once('/') {
        Some((address, prefix)) => (address, Some(prefix)),
        None => (text, None),
    };
    let Ok(ip) = address.parse::<std::net::IpAddr>() else {
        return false;
    };
    let max = if ip.is_ipv4() { 32 } else { 128 };
    prefix.is_none_or(|p| p.parse::<u32>().is_ok_and(|p| p <= max))
}

#[cfg(test)]
mod tests {
    use crate::config::tests::load_text;

    #[test]
    fn app_wide_cors_is_true_or_an_object_and_reaches_routes_without_their_own() {
        let config = load_text(r#"{"cors": true}"#, "dev").unwrap();
        assert_eq!(config.cors.as_ref().unwrap().allow_origin, "*");
        let config = load_text(
            r#"{"cors": true, "stages": {"dev": {"cors": {"allow_origin": "https://app.example", "max_age": 600}}}}"#,
            "dev",
        )
        .unwrap();
        let cors = config.cors.clone().unwrap();
        assert_eq!(cors.allow_origin, "https://app.example");
        assert_eq!(cors.max_age, Some(600));
        let (name, json) = config.cors_environment().unwrap();
        assert_eq!(name, "CHALICE_CORS");
        assert!(json.contains("https://app.example"), "{json}");
        let mut manifest: chalice_rs_runtime::manifest::Manifest = serde_json::from_value(serde_json::json!({
            "version": chalice_rs_runtime::manifest::MANIFEST_VERSION,
            "routes": [
                {"resource_path": "/a", "path": "/a", "method": "GET", "handler": "a", "module": "m",
                 "file": "f", "line": 1, "content_types": [], "api_key_required": false},
                {"resource_path": "/b", "path": "/b", "method": "GET", "handler": "b", "module": "m",
                 "file": "f", "line": 2, "content_types": [], "api_key_required": false,
                 "cors": {"allow_origin": "*", "allow_headers": [], "expose_headers": [], "allow_credentials": false}}
            ]
        }))
        .unwrap();
        config.apply_cors(&mut manifest);
        assert_eq!(
            manifest.routes[0].cors.as_ref().unwrap().allow_origin,
            "https://app.example"
        );
        assert_eq!(manifest.routes[1].cors.as_ref().unwrap().allow_origin, "*");
        assert!(load_text(r#"{"cors": false}"#, "dev")
            .unwrap()
            .cors
            .is_none());
        let err = load_text(r#"{"cors": {"allow_origins": "*"}}"#, "dev").unwrap_err();
        assert!(
            err.to_string()
                .contains("unknown key `cors.allow_origins` (did you mean `allow_origin`?)"),
            "{err}"
        );
        let err = load_text(r#"{"cors": {"max_age": 90000}}"#, "dev").unwrap_err();
        assert!(err.to_string().contains("86400"), "{err}");
        let err = load_text(r#"{"cors": "yes"}"#, "dev").unwrap_err();
        assert!(err.to_string().contains("`cors` must be"), "{err}");
    }

    #[test]
    fn governance_keys_resolve_stage_over_top_level() {
        let text = r#"{
          "app_name": "shop",
          "usage_plan": {"quota": {"limit": 10, "period": "WEEK"}},
          "gateway_responses": {"DEFAULT_4XX": {"status_code": 400}},
          "stages": {
            "dev": {},
            "prod": {"api_keys": ["mobile"],
                     "usage_plan": {"throttle": {"rate_limit": 2.5, "burst_limit": 5}},
                     "throttling": {"burst_limit": 50, "routes": {"GET /items": {"rate_limit": 1}}},
                     "resource_policy": {"deny_source_ips": ["2001:db8::/32"]}}
          }
        }"#;
        let dev = load_text(text, "dev").unwrap();
        assert_eq!(dev.api_keys, ["shop-dev"]);
        assert_eq!(dev.usage_plan.quota.as_ref().unwrap().period, "WEEK");
        assert_eq!(dev.gateway_responses["DEFAULT_4XX"].status_code, Some(400));
        assert!(dev.throttling.is_none() && dev.resource_policy.is_none());
        let prod = load_text(text, "prod").unwrap();
        assert_eq!(prod.api_keys, ["mobile"]);
        assert!(
            prod.usage_plan.quota.is_none(),
            "a stage's usage_plan replaces the top level's"
        );
        assert_eq!(
            prod.usage_plan.throttle.as_ref().unwrap().rate_limit,
            Some(2.5)
        );
        let throttling = prod.throttling.unwrap();
        assert_eq!(throttling.burst_limit, Some(50));
        assert_eq!(throttling.routes["GET /items"].rate_limit, Some(1.0));
        assert_eq!(
            prod.resource_policy.unwrap().deny_source_ips,
            ["2001:db8::/32"]
        );
        let err = load_text(r#"{"stages": {"dev": {"api_keys": ["a b"]}}}"#, "dev").unwrap_err();
        assert!(err.to_string().contains("`a b`"), "{err}");
        let err = load_text(
            r#"{"gateway_responses": {"UNAUTHORIZED": {"body": "x"}}}"#,
            "dev",
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .contains("unknown key `gateway_responses.UNAUTHORIZED.body`"),
            "{err}"
        );
    }
}

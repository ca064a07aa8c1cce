//! The APIs' custom domains (`api_gateway_custom_domain` for the REST API,
//! `websocket_api_custom_domain` for the WebSocket API: Chalice's keys),
//! resolved and checked as API Gateway would: the domain, its ACM certificate
//! (in us-east-1 for an EDGE API), the base path, the TLS version, the tags.

use super::AppError;
use crate::config::CustomDomain as CustomDomainConfig;
use std::collections::BTreeMap;

/// The security policies (`tls_version`) API Gateway takes.
pub const TLS_VERSIONS: &[&str] = &["TLS_1_0", "TLS_1_2"];

/// An API's custom domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomDomain {
    /// The URL scheme of the API: `https` (REST) or `wss` (WebSocket).
    pub scheme: &'static str,
    /// The domain (`api.example.com`).
    pub domain_name: String,
    /// The ACM certificate's ARN.
    pub certificate_arn: String,
    /// `EDGE` or `REGIONAL`, as the API's.
    pub endpoint_type: String,
    /// The base path (`v1`); `None`: the API at the domain's root.
    pub base_path: Option<String>,
    /// `TLS_1_0` or `TLS_1_2`.
    pub security_policy: String,
    /// Tags of the domain name.
    pub tags: BTreeMap<String, String>,
}

impl CustomDomain {
    /// The API's URL on the domain: `https://api.example.com/v1/`,
    /// `wss://chat.example.com/`.
    pub fn url(&self) -> String {
        match &self.base_path {
            Some(path) => format!("{}://{}/{path}/", self.scheme, self.domain_name),
            None => format!("{}://{}/", self.scheme, self.domain_name),
        }
    }
}

/// The API a custom domain is for.
#[derive(Debug, Clone, Copy)]
pub enum DomainOf<'a> {
    /// The REST API, when the app has one: its endpoint type.
    Rest(Option<&'a str>),
    /// The WebSocket API, whether the app has one (always REGIONAL).
    Websocket(bool),
}

impl DomainOf<'_> {
    /// The config key.
    fn key(self) -> &'static str {
        match self {
            DomainOf::Rest(_) => "api_gateway_custom_domain",
            DomainOf::Websocket(_) => "websocket_api_custom_domain",
        }
    }
}

/// Resolves `api_gateway_custom_domain` or `websocket_api_custom_domain`
/// for the API `of`.
pub fn resolve(
    config: Option<&CustomDomainConfig>,
    of: DomainOf<'_>,
) -> Result<Option<CustomDomain>, AppError> {
    let Some(config) = config else {
        return Ok(None);
    };
    let key = of.key();
    let invalid = |message: String| AppError::Config(format!("`{key}`: {message}"));
    let (scheme, endpoint_type) = match of {
        DomainOf::Rest(Some(endpoint_type)) => ("https", endpoint_type),
        DomainOf::Rest(None) => {
            return Err(invalid(
                "the app has no routes, so no REST API to put on a domain".to_owned(),
            ))
        }
        DomainOf::Websocket(true) => ("wss", "REGIONAL"),
        DomainOf::Websocket(false) => {
            return Err(invalid(
                "the app has no WebSocket handlers, so no WebSocket API to put on a domain"
                    .to_owned(),
            ))
        }
    };
    let domain_name = config
        .domain_name
        .clone()
        .ok_or_else(|| invalid("`domain_name` is missing (`api.example.com`)".to_owned()))?;
    let valid_domain = domain_name.contains('.')
        && domain_name.len() <= 253
        && domain_name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        });
    if !valid_domain {
        return Err(invalid(format!(
            "`domain_name` `{domain_name}` is not a domain name API Gateway takes (lowercase letters, digits and `-` in dot-separated labels: `api.example.com`)"
        )));
    }
    let certificate_arn = config.certificate_arn.clone().ok_or_else(|| {
        invalid("`certificate_arn` is missing (the ARN of the domain's certificate in AWS Certificate Manager)".to_owned())
    })?;
    let parts: Vec<&str> = certificate_arn.split(':').collect();
    if parts.len() != 6
        || parts[0] != "arn"
        || parts[2] != "acm"
        || !parts[5].starts_with("certificate/")
    {
        return Err(invalid(format!(
            "`certificate_arn` `{certificate_arn}` is not an ACM certificate's ARN (arn:aws:acm:<region>:<account>:certificate/<id>)"
        )));
    }
    match endpoint_type {
        "EDGE" if parts[3] != "us-east-1" => {
            return Err(invalid(format!(
                "the certificate is in {}, and an EDGE API's domain (CloudFront) takes a certificate in us-east-1; import it there, or make the API REGIONAL (`api_gateway_endpoint_type`)",
                parts[3]
            )))
        }
        "PRIVATE" => {
            return Err(invalid(
                "a PRIVATE API's custom domain is not supported; use an EDGE or REGIONAL API".to_owned(),
            ))
        }
        _ => {}
    }
    let security_policy = config
        .tls_version
        .clone()
        .unwrap_or_else(|| "TLS_1_2".to_owned());
    if !TLS_VERSIONS.contains(&security_policy.as_str()) {
        return Err(invalid(format!(
            "`tls_version` is `{security_policy}`; API Gateway takes {}",
            TLS_VERSIONS.join(", ")
        )));
    }
    let base_path = match config.url_prefix.as_deref().map(|p| p.trim_matches('/')) {
        None | Some("") => None,
        Some(path) => {
            let valid = path.split('/').all(|segment| {
                !segment.is_empty()
                    && segment
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "-._~".contains(c))
            });
            if !valid {
                return Err(invalid(format!(
                    "`url_prefix` `{path}` is not a base path API Gateway takes (letters, digits, `-`, `.`, `_`, `~` in `/`-separated segments)"
                )));
            }
            Some(path.to_owned())
        }
    };
    Ok(Some(CustomDomain {
        scheme,
        domain_name,
        certificate_arn,
        endpoint_type: endpoint_type.to_owned(),
        base_path,
        security_policy,
        tags: config.tags.clone(),
    }))
}

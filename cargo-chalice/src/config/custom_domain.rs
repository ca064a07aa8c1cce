//! Chalice's `api_gateway_custom_domain` and `websocket_api_custom_domain`
//! keys: the REST and the WebSocket API's custom domain names.

use serde::Deserialize;
use std::collections::BTreeMap;

/// `api_gateway_custom_domain`, `websocket_api_custom_domain`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CustomDomain {
    /// The domain (`api.example.com`).
    pub domain_name: Option<String>,
    /// The ACM certificate's ARN (in us-east-1 for an EDGE API).
    pub certificate_arn: Option<String>,
    /// The base path the API is mapped under (`v1`); none: the root.
    pub url_prefix: Option<String>,
    /// `TLS_1_0` or `TLS_1_2` (default).
    pub tls_version: Option<String>,
    /// Tags of the domain name.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// The keys of [`CustomDomain`].
pub const CUSTOM_DOMAIN_KEYS: &[&str] = &[
    "domain_name",
    "certificate_arn",
    "url_prefix",
    "tls_version",
    "tags",
];

//! The APIs' custom domains in the template
//! ([`crate::app::custom_domain`]). The REST API's: `ApiGatewayCustomDomain`
//! (`AWS::ApiGateway::DomainName`: the certificate as `CertificateArn` for
//! EDGE, `RegionalCertificateArn` for REGIONAL, the security policy, the
//! tags), `ApiGatewayCustomDomainMapping` (`AWS::ApiGateway::BasePathMapping`
//! of the stage under the base path), and the outputs `CustomDomainURL`,
//! `CustomDomainTarget` (what the domain's DNS record points at: the
//! CloudFront or regional domain) and `CustomDomainHostedZoneId` (for a
//! Route 53 alias record). The WebSocket API's: `WebsocketCustomDomain`
//! (`AWS::ApiGatewayV2::DomainName`, REGIONAL), `WebsocketCustomDomainMapping`
//! (`AWS::ApiGatewayV2::ApiMapping`) and the same outputs prefixed with
//! `Websocket`.

use super::{Generator, REST_API_ID, STAGE_ID};
use crate::app::custom_domain::CustomDomain;
use crate::app::websocket_api;
use crate::cfn::apigatewayv2 as v2;
use crate::cfn::model::*;
use crate::cfn::operations::*;

/// The logical ID of the domain name.
pub const CUSTOM_DOMAIN_ID: &str = "ApiGatewayCustomDomain";
/// The logical ID of the base path mapping.
pub const CUSTOM_DOMAIN_MAPPING_ID: &str = "ApiGatewayCustomDomainMapping";
/// The output with the API's URL on the domain.
pub const CUSTOM_DOMAIN_URL_OUTPUT: &str = "CustomDomainURL";
/// The output with what the domain's DNS record points at.
pub const CUSTOM_DOMAIN_TARGET_OUTPUT: &str = "CustomDomainTarget";
/// The output with the target's Route 53 hosted zone.
pub const CUSTOM_DOMAIN_ZONE_OUTPUT: &str = "CustomDomainHostedZoneId";
/// The logical ID of the WebSocket API's domain name.
pub const WEBSOCKET_DOMAIN_ID: &str = "WebsocketCustomDomain";
/// The logical ID of the WebSocket API's mapping.
pub const WEBSOCKET_DOMAIN_MAPPING_ID: &str = "WebsocketCustomDomainMapping";

impl Generator<'_> {
    /// Writes the custom domain, its mapping and outputs.
    pub(super) fn write_custom_domain(&self, template: &mut Template) {
        let Some(domain) = &self.app.custom_domain else {
            return;
        };
        let edge = domain.endpoint_type == "EDGE";
        template.resources.insert(
            CUSTOM_DOMAIN_ID.to_owned(),
            ResourceKind::DomainName(DomainNameProps {
                domain_name: domain.domain_name.clone(),
                certificate_arn: edge.then(|| domain.certificate_arn.clone()),
                regional_certificate_arn: (!edge).then(|| domain.certificate_arn.clone()),
                endpoint_configuration: EndpointConfiguration {
                    types: vec![domain.endpoint_type.clone()],
                },
                security_policy: domain.security_policy.clone(),
                tags: domain
                    .tags
                    .iter()
                    .map(|(key, value)| Tag {
                        key: key.clone(),
                        value: value.clone(),
                    })
                    .collect(),
            })
            .into(),
        );
        template.resources.insert(
            CUSTOM_DOMAIN_MAPPING_ID.to_owned(),
            ResourceKind::BasePathMapping(BasePathMappingProps {
                domain_name: Expr::reference(CUSTOM_DOMAIN_ID),
                rest_api_id: Expr::reference(REST_API_ID),
                stage: Expr::reference(STAGE_ID),
                base_path: domain.base_path.clone(),
            })
            .into(),
        );
        let (target, zone) = if edge {
            ("DistributionDomainName", "DistributionHostedZoneId")
        } else {
            ("RegionalDomainName", "RegionalHostedZoneId")
        };
        write_outputs(
            template,
            REST_OUTPUTS,
            domain,
            CUSTOM_DOMAIN_ID,
            target,
            zone,
        );
    }

    /// Writes the WebSocket API's custom domain (always REGIONAL), its
    /// mapping and outputs.
    pub(super) fn write_websocket_custom_domain(&self, template: &mut Template) {
        let Some(domain) = &self.app.websocket_custom_domain else {
            return;
        };
        template.resources.insert(
            WEBSOCKET_DOMAIN_ID.to_owned(),
            ResourceKind::WebsocketDomainName(v2::DomainNameProps {
                domain_name: domain.domain_name.clone(),
                domain_name_configurations: vec![v2::DomainNameConfiguration {
                    certificate_arn: domain.certificate_arn.clone(),
                    endpoint_type: domain.endpoint_type.clone(),
                    security_policy: domain.security_policy.clone(),
                }],
                tags: domain.tags.clone(),
            })
            .into(),
        );
        template.resources.insert(
            WEBSOCKET_DOMAIN_MAPPING_ID.to_owned(),
            ResourceKind::WebsocketApiMapping(v2::ApiMappingProps {
                api_id: Expr::reference(websocket_api::API_ID),
                domain_name: Expr::reference(WEBSOCKET_DOMAIN_ID),
                stage: Expr::reference(websocket_api::STAGE_ID),
                api_mapping_key: domain.base_path.clone(),
            })
            .into(),
        );
        write_outputs(
            template,
            WEBSOCKET_OUTPUTS,
            domain,
            WEBSOCKET_DOMAIN_ID,
            "RegionalDomainName",
            "RegionalHostedZoneId",
        );
    }
}

/// The names of a domain's outputs: its URL, its DNS target, the target's
/// hosted zone.
pub type DomainOutputs = [&'static str; 3];

/// The REST API's domain's outputs.
pub const REST_OUTPUTS: DomainOutputs = [
    CUSTOM_DOMAIN_URL_OUTPUT,
    CUSTOM_DOMAIN_TARGET_OUTPUT,
    CUSTOM_DOMAIN_ZONE_OUTPUT,
];
/// The WebSocket API's domain's outputs.
pub const WEBSOCKET_OUTPUTS: DomainOutputs = [
    "WebsocketCustomDomainURL",
    "WebsocketCustomDomainTarget",
    "WebsocketCustomDomainHostedZoneId",
];

/// Writes the `outputs` of `domain` (the resource `domain_id`, whose DNS
/// target and hosted zone are its attributes `target` and `zone`).
fn write_outputs(
    template: &mut Template,
    outputs: DomainOutputs,
    domain: &CustomDomain,
    domain_id: &str,
    target: &str,
    zone: &str,
) {
    let [url_output, target_output, zone_output] = outputs;
    for (name, description, value) in [
        (
            url_output,
            "The API's URL on its custom domain",
            Expr::str(domain.url()),
        ),
        (
            target_output,
            "What the custom domain's DNS record points at",
            Expr::get_att(domain_id, target),
        ),
        (
            zone_output,
            "The Route 53 hosted zone of that target (for an alias record)",
            Expr::get_att(domain_id, zone),
        ),
    ] {
        template.outputs.insert(
            name.to_owned(),
            Output {
                description: description.to_owned(),
                value,
            },
        );
    }
}

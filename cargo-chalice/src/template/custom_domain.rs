//! The REST API's custom domain in the template
//! ([`crate::app::custom_domain`]): `ApiGatewayCustomDomain`
//! (`AWS::ApiGateway::DomainName`: the certificate as `CertificateArn` for
//! EDGE, `RegionalCertificateArn` for REGIONAL, the security policy, the
//! tags), `ApiGatewayCustomDomainMapping` (`AWS::ApiGateway::BasePathMapping`
//! of the stage under the base path), and the outputs `CustomDomainURL`,
//! `CustomDomainTarget` (what the domain's DNS record points at: the
//! CloudFront or regional domain) and `CustomDomainHostedZoneId` (for a
//! Route 53 alias record).

use super::{Generator, REST_API_ID, STAGE_ID};
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
        for (name, description, value) in [
            (
                CUSTOM_DOMAIN_URL_OUTPUT,
                "The API's URL on its custom domain",
                Expr::str(domain.url()),
            ),
            (
                CUSTOM_DOMAIN_TARGET_OUTPUT,
                "What the custom domain's DNS record points at",
                Expr::get_att(CUSTOM_DOMAIN_ID, target),
            ),
            (
                CUSTOM_DOMAIN_ZONE_OUTPUT,
                "The Route 53 hosted zone of that target (for an alias record)",
                Expr::get_att(CUSTOM_DOMAIN_ID, zone),
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
}

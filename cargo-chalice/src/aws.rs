//! AWS access for `deploy`, `delete`, `url`, `logs` and `invoke`: one SDK configuration
//! from the default chain, `--profile`, `--region` and `--endpoint-url`.
//!
//! When an endpoint is given (`--endpoint-url` or `AWS_ENDPOINT_URL`), every
//! client talks to it and S3 uses path-style addressing, so that the same
//! commands work against an emulator such as moto.

use aws_config::{BehaviorVersion, SdkConfig};
use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::config::ProvideCredentials;
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};

/// How to reach AWS, from the command line (each with an environment fallback).
#[derive(Debug, Clone, Default)]
pub struct AwsOptions {
    /// A named profile of `~/.aws/config` (`--profile`, `AWS_PROFILE`).
    pub profile: Option<String>,
    /// The region (`--region`, `AWS_REGION`).
    pub region: Option<String>,
    /// Another endpoint for every service (`--endpoint-url`, `AWS_ENDPOINT_URL`).
    pub endpoint_url: Option<String>,
}

/// Why AWS cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum AwsError {
    /// No region from the options, the environment or the profile.
    #[error(
        "no AWS region: pass `--region REGION`, set AWS_REGION, or set `region` in the profile of ~/.aws/config"
    )]
    NoRegion,
    /// No credentials from the default chain.
    #[error(
        "no AWS credentials{profile}: {reason}\n  provide them with `aws configure` (~/.aws/credentials), `aws sso login`, \
         AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, `--profile NAME`, or an instance/task role"
    )]
    NoCredentials {
        /// ` (profile X)` or empty.
        profile: String,
        /// Why the chain found none.
        reason: String,
    },
    /// An API call failed after the SDK's retries.
    #[error("{call} failed: {message}")]
    Call {
        /// The call, as `Service.Operation`.
        call: &'static str,
        /// What AWS (or the network) said.
        message: String,
    },
}

/// A loaded SDK configuration and the facts the commands need from it.
#[derive(Debug, Clone)]
pub struct Aws {
    /// The shared SDK configuration.
    pub config: SdkConfig,
    /// The region in use.
    pub region: String,
    /// The custom endpoint, if any.
    pub endpoint_url: Option<String>,
}

impl Aws {
    /// Loads the configuration and checks that a region and credentials exist.
    pub async fn load(options: &AwsOptions) -> Result<Self, AwsError> {
        let mut loader = aws_config::defaults(BehaviorVersion::latest());
        if let Some(profile) = &options.profile {
            loader = loader.profile_name(profile);
        }
        if let Some(region) = &options.region {
            loader = loader.region(aws_config::Region::new(region.clone()));
        }
        if let Some(endpoint) = options.endpoint_url.as_deref().filter(|e| !e.is_empty()) {
            loader = loader.endpoint_url(endpoint);
        }
        let config = loader.load().await;
        let region = config
            .region()
            .map(|r| r.to_string())
            .ok_or(AwsError::NoRegion)?;
        let profile = options
            .profile
            .as_ref()
            .map(|p| format!(" (profile `{p}`)"))
            .unwrap_or_default();
        let provider = config
            .credentials_provider()
            .ok_or_else(|| AwsError::NoCredentials {
                profile: profile.clone(),
                reason: "no credentials provider is configured".to_owned(),
            })?;
        if let Err(error) = provider.provide_credentials().await {
            return Err(AwsError::NoCredentials {
                profile,
                reason: error_chain(&error),
            });
        }
        let endpoint_url = config.endpoint_url().map(str::to_owned);
        Ok(Self {
            config,
            region,
            endpoint_url,
        })
    }

    /// A CloudFormation client.
    pub fn cloudformation(&self) -> aws_sdk_cloudformation::Client {
        aws_sdk_cloudformation::Client::new(&self.config)
    }

    /// An S3 client (path-style addressing when an endpoint is given).
    pub fn s3(&self) -> aws_sdk_s3::Client {
        let config = aws_sdk_s3::config::Builder::from(&self.config)
            .force_path_style(self.endpoint_url.is_some())
            .build();
        aws_sdk_s3::Client::from_conf(config)
    }

    /// A CloudWatch Logs client.
    pub fn logs(&self) -> aws_sdk_cloudwatchlogs::Client {
        aws_sdk_cloudwatchlogs::Client::new(&self.config)
    }

    /// A Lambda client.
    pub fn lambda(&self) -> aws_sdk_lambda::Client {
        aws_sdk_lambda::Client::new(&self.config)
    }

    /// An STS client.
    pub fn sts(&self) -> aws_sdk_sts::Client {
        aws_sdk_sts::Client::new(&self.config)
    }

    /// The DNS suffix of the region's partition (`amazonaws.com`, `amazonaws.com.cn`).
    pub fn url_suffix(&self) -> &'static str {
        if self.region.starts_with("cn-") {
            "amazonaws.com.cn"
        } else {
            "amazonaws.com"
        }
    }

    /// The region's partition (`aws`, `aws-cn`, `aws-us-gov`), for ARNs.
    pub fn partition(&self) -> &'static str {
        if self.region.starts_with("cn-") {
            "aws-cn"
        } else if self.region.starts_with("us-gov-") {
            "aws-us-gov"
        } else {
            "aws"
        }
    }

    /// The account that the credentials belong to (STS GetCallerIdentity).
    pub async fn account_id(&self) -> Result<String, AwsError> {
        let identity = self
            .sts()
            .get_caller_identity()
            .send()
            .await
            .map_err(|e| call_error("STS.GetCallerIdentity", e))?;
        identity.account.ok_or_else(|| AwsError::Call {
            call: "STS.GetCallerIdentity",
            message: "the answer has no account".to_owned(),
        })
    }
}

/// An error and its sources, `: `-separated, without repeats.
fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(error) = next {
        let text = error.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        next = error.source();
    }
    parts.join(": ")
}

/// Turns an SDK error into [`AwsError::Call`] naming `call`, with AWS's code
/// and message when there are some, or the network's reason.
pub fn call_error<E>(call: &'static str, error: SdkError<E, HttpResponse>) -> AwsError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    AwsError::Call {
        call,
        message: describe(&error),
    }
}

/// A one-line description of an SDK error.
pub fn describe<E>(error: &SdkError<E, HttpResponse>) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    match error {
        SdkError::ServiceError(service) => {
            let inner = service.err();
            match (inner.code(), inner.message()) {
                (Some(code), Some(message)) => format!("{code}: {message}"),
                (Some(code), None) => code.to_owned(),
                _ => format!(
                    "HTTP {}: {}",
                    service.raw().status().as_u16(),
                    error_chain(inner)
                ),
            }
        }
        SdkError::DispatchFailure(_) => format!("cannot reach the service: {}", error_chain(error)),
        SdkError::TimeoutError(_) => "the call timed out".to_owned(),
        _ => error_chain(error),
    }
}

/// The error code of a service error (`NoSuchKey`, `ValidationError`), if any.
pub fn error_code<E, R>(error: &SdkError<E, R>) -> Option<&str>
where
    E: ProvideErrorMetadata,
{
    match error {
        SdkError::ServiceError(service) => service.err().code(),
        _ => None,
    }
}

/// The HTTP status of a service error's response, if any.
pub fn error_status<E>(error: &SdkError<E, HttpResponse>) -> Option<u16> {
    match error {
        SdkError::ServiceError(service) => Some(service.raw().status().as_u16()),
        _ => None,
    }
}

//! The values of a deployed stage's API keys, for `cargo chalice deploy
//! --show-api-keys`: API Gateway chooses them, the stack knows only their
//! IDs. They are printed on standard output when asked, never logged or
//! written to the state file.

use crate::aws::{call_error, AwsError};
use aws_config::SdkConfig;

/// One key: its name and its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyValue {
    /// The key's name (`api_keys`).
    pub name: String,
    /// What a client sends in `x-api-key`.
    pub value: String,
}

/// The names and values of the API keys with these IDs.
pub async fn api_key_values(
    config: &SdkConfig,
    ids: &[String],
) -> Result<Vec<ApiKeyValue>, AwsError> {
    let client = aws_sdk_apigateway::Client::new(config);
    let mut out = Vec::new();
    for id in ids {
        let key = client
            .get_api_key()
            .api_key(id)
            .include_value(true)
            .send()
            .await
            .map_err(|error| call_error("apigateway:GetApiKey", error))?;
        out.push(ApiKeyValue {
            name: key.name().unwrap_or(id).to_owned(),
            value: key.value().unwrap_or_default().to_owned(),
        });
    }
    Ok(out)
}

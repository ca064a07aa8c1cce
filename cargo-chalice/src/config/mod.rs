//! `.chalice/config.json`: Chalice's project configuration, with stages.
//!
//! Settings resolve as in Chalice: a function's entry under a stage's
//! `lambda_functions`, then the stage, then the top level, then the default.
//!
//! The parts: `file` (the file's serde types), `checks` (unknown keys and
//! environment values, with their line and column), `stage` (loading and
//! resolving a stage), `function` (a function's settings), `governance`
//! (API keys, usage plan, throttling, gateway responses, resource policy,
//! CORS), `alarms` (CloudWatch alarms and who they notify), `api_logs` (the API
//! stage's logs and metrics), `custom_domain` (`api_gateway_custom_domain`). This module: the errors and the public paths.

mod alarms;
mod api_logs;
mod checks;
mod custom_domain;
mod file;
mod function;
mod governance;
mod stage;

pub use alarms::{Alarms, ALARMS_KEYS};
pub use api_logs::{ApiLogs, MethodLogs, API_LOGS_KEYS, METHOD_LOGS_KEYS};
pub use custom_domain::{CustomDomain, CUSTOM_DOMAIN_KEYS};
pub use file::{ConfigFile, EnvValue, Settings, StageSection};
pub use function::FunctionConfig;
pub use governance::{
    CorsConfig, GatewayResponse, Quota, ResourcePolicy, ThrottleLimits, Throttling, UsagePlan,
    GATEWAY_RESPONSE_TYPES,
};
pub use stage::{load, parse, StageConfig};

use std::path::{Path, PathBuf};

/// The config file's path inside a project.
pub const CONFIG_PATH: &str = ".chalice/config.json";

/// Why the configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file exists but cannot be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not valid JSON, or a value has the wrong type.
    #[error("{path}:{line}:{column}: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Line of the error (1-based).
        line: usize,
        /// Column of the error (1-based).
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// The stage asked for is not in `stages`.
    #[error("{path}: no stage `{stage}`; the stages are: {known}")]
    UnknownStage {
        /// The file.
        path: PathBuf,
        /// The stage asked for.
        stage: String,
        /// The stages the file defines.
        known: String,
    },
}

/// An [`ConfigError::Invalid`] of the whole file (line 1, column 1).
fn invalid(path: &Path, message: String) -> ConfigError {
    ConfigError::Invalid {
        path: path.to_owned(),
        line: 1,
        column: 1,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Loads `text` as the config file of a temporary project, for `stage`.
    pub(super) fn load_text(text: &str, stage: &str) -> Result<StageConfig, ConfigError> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(".chalice")).unwrap();
        std::fs::write(dir.path().join(CONFIG_PATH), text).unwrap();
        load(dir.path(), stage, "fallback")
    }
}

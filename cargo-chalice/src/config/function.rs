//! The settings of one function: the most specific level that sets a key.

use super::file::{EnvValue, Settings};
use super::StageConfig;
use serde_json::Value;
use std::collections::BTreeMap;

/// Settings of one function in one stage, fully resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionConfig {
    /// Environment variables (see [`EnvValue`]; [`crate::app::environment::local_environment`]
    /// resolves them for a run on this machine).
    pub environment_variables: BTreeMap<String, EnvValue>,
    /// Memory in MB.
    pub lambda_memory_size: u32,
    /// Timeout in seconds.
    pub lambda_timeout: u32,
    /// Generate the IAM policy from the code.
    pub autogen_policy: bool,
    /// Policy file (relative to `.chalice/`).
    pub iam_policy_file: Option<String>,
    /// Existing role ARN.
    pub iam_role_arn: Option<String>,
    /// Whether the tool manages the role.
    pub manage_iam_role: bool,
    /// Tags.
    pub tags: BTreeMap<String, String>,
    /// Reserved concurrency.
    pub reserved_concurrency: Option<u32>,
    /// Layers.
    pub layers: Vec<String>,
    /// X-Ray tracing.
    pub xray: bool,
    /// VPC subnets.
    pub subnet_ids: Vec<String>,
    /// VPC security groups.
    pub security_group_ids: Vec<String>,
    /// Log retention in days.
    pub log_retention_in_days: u32,
    /// Publish versions and invoke through the stage's alias.
    pub lambda_versions: bool,
    /// The CodeDeploy traffic shifting, as written (checked by the model).
    pub traffic_shifting: Option<String>,
    /// Lambda's log format, as written (checked by the model).
    pub log_format: Option<String>,
    /// The application log level, as written (checked by the model).
    pub log_level: Option<String>,
}

impl StageConfig {
    /// The resolved settings of function `name` (`api` for the HTTP API).
    pub fn function(&self, name: &str) -> FunctionConfig {
        let top = &self.file.top;
        let stage = self.file.stages.get(&self.stage);
        let mut levels: Vec<&Settings> = vec![&top.settings];
        if let Some(function) = top.lambda_functions.as_ref().and_then(|f| f.get(name)) {
            levels.push(function);
        }
        if let Some(stage) = stage {
            levels.push(&stage.settings);
            if let Some(function) = stage.lambda_functions.as_ref().and_then(|f| f.get(name)) {
                levels.push(function);
            }
        }
        // The most specific level that sets a key wins; maps merge.
        let pick = |get: &dyn Fn(&Settings) -> Option<Value>| -> Option<Value> {
            levels.iter().rev().find_map(|level| get(level))
        };
        fn merge<T: Clone>(
            levels: &[&Settings],
            get: impl Fn(&Settings) -> Option<&BTreeMap<String, T>>,
        ) -> BTreeMap<String, T> {
            let mut out = BTreeMap::new();
            for level in levels {
                if let Some(map) = get(level) {
                    out.extend(map.iter().map(|(k, v)| (k.clone(), v.clone())));
                }
            }
            out
        }
        let number = |v: Option<Value>| v.and_then(|v| v.as_u64()).map(|n| n as u32);
        let flag = |v: Option<Value>| v.and_then(|v| v.as_bool());
        let text = |v: Option<Value>| v.and_then(|v| v.as_str().map(str::to_owned));
        let list = |v: Option<Value>| -> Vec<String> {
            v.and_then(|v| serde_json::from_value(v).ok())
                .unwrap_or_default()
        };
        FunctionConfig {
            environment_variables: merge(&levels, |s| s.environment_variables.as_ref()),
            lambda_memory_size: number(pick(&|s| s.lambda_memory_size.map(Value::from)))
                .unwrap_or(128),
            lambda_timeout: number(pick(&|s| s.lambda_timeout.map(Value::from))).unwrap_or(60),
            autogen_policy: flag(pick(&|s| s.autogen_policy.map(Value::from))).unwrap_or(true),
            iam_policy_file: text(pick(&|s| s.iam_policy_file.clone().map(Value::from))),
            iam_role_arn: text(pick(&|s| s.iam_role_arn.clone().map(Value::from))),
            manage_iam_role: flag(pick(&|s| s.manage_iam_role.map(Value::from))).unwrap_or(true),
            tags: merge(&levels, |s| s.tags.as_ref()),
            reserved_concurrency: number(pick(&|s| s.reserved_concurrency.map(Value::from))),
            layers: list(pick(&|s| s.layers.clone().map(Value::from))),
            xray: flag(pick(&|s| s.xray.map(Value::from))).unwrap_or(false),
            subnet_ids: list(pick(&|s| s.subnet_ids.clone().map(Value::from))),
            security_group_ids: list(pick(&|s| s.security_group_ids.clone().map(Value::from))),
            log_retention_in_days: number(pick(&|s| s.log_retention_in_days.map(Value::from)))
                .unwrap_or(14),
            lambda_versions: flag(pick(&|s| s.lambda_versions.map(Value::from))).unwrap_or(false),
            traffic_shifting: text(pick(&|s| s.traffic_shifting.clone().map(Value::from))),
            log_format: text(pick(&|s| s.log_format.clone().map(Value::from))),
            log_level: text(pick(&|s| s.log_level.clone().map(Value::from))),
        }
    }
}

impl StageConfig {
    /// The first `lambda_functions` entry (at the top level, then in each
    /// stage) whose name is none of `known`: its key path
    /// (`stages.prod.lambda_functions.nightly_reprot`) and the known name
    /// closest to it.
    pub fn unknown_function(&self, known: &[&str]) -> Option<(String, Option<String>)> {
        let top = std::iter::once((String::new(), &self.file.top));
        let stages = self
            .file
            .stages
            .iter()
            .map(|(name, stage)| (format!("stages.{name}."), stage));
        top.chain(stages).find_map(|(prefix, section)| {
            let name = section
                .lambda_functions
                .iter()
                .flat_map(|functions| functions.keys())
                .find(|name| !known.contains(&name.as_str()))?;
            let close = crate::suggest::closest(name, known.iter().copied()).map(str::to_owned);
            Some((format!("{prefix}lambda_functions.{name}"), close))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::tests::load_text;

    #[test]
    fn function_over_stage_over_top_level() {
        let config = load_text(
            r#"{"version": "2.0", "app_name": "a", "lambda_memory_size": 256,
                "environment_variables": {"A": "top", "B": "top"},
                "stages": {"dev": {"lambda_timeout": 10, "environment_variables": {"B": "stage"},
                  "lambda_functions": {"api": {"lambda_memory_size": 1024}}}}}"#,
            "dev",
        )
        .unwrap();
        let api = config.function("api");
        assert_eq!(api.lambda_memory_size, 1024);
        assert_eq!(api.lambda_timeout, 10);
        assert_eq!(
            api.environment_variables["A"],
            EnvValue::Literal("top".to_owned())
        );
        assert_eq!(
            api.environment_variables["B"],
            EnvValue::Literal("stage".to_owned())
        );
        assert_eq!(config.function("other").lambda_memory_size, 256);
    }

    #[test]
    fn entries_naming_no_function_are_found() {
        let config = load_text(
            r#"{"lambda_functions": {"api": {}, "nightly": {}},
                "stages": {"dev": {}, "prod": {"lambda_functions": {"nightly_reprot": {}}}}}"#,
            "dev",
        )
        .unwrap();
        assert_eq!(
            config.unknown_function(&["api", "nightly", "nightly_reprot"]),
            None
        );
        assert_eq!(
            config.unknown_function(&["api", "nightly"]),
            Some((
                "stages.prod.lambda_functions.nightly_reprot".to_owned(),
                None
            ))
        );
        assert_eq!(
            config.unknown_function(&["nightly_report"]),
            Some(("lambda_functions.api".to_owned(), None))
        );
        // The closest name is suggested.
        assert_eq!(
            config.unknown_function(&["api", "nightly_report", "nighty"]),
            Some((
                "lambda_functions.nightly".to_owned(),
                Some("nighty".to_owned())
            ))
        );
    }
}

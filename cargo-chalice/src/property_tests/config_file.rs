//! `.chalice/config.json`: any bytes and any JSON load or fail with an error
//! naming the file (and, for an object, a key of it); generated valid
//! configs load, each setting resolved from the most specific level.

use super::{any_json, config};
use crate::config::{load, EnvValue, CONFIG_PATH};
use proptest::collection::{btree_map, vec};
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Keys at every level of the file, a few mistyped.
const KEYS: &[&str] = &[
    "app_name",
    "version",
    "stages",
    "dev",
    "prod",
    "lambda_functions",
    "api",
    "lambda_memory_size",
    "lambda_timeout",
    "lambda_memroy_size",
    "environment_variables",
    "Ref",
    "Fn::GetAtt",
    "architecture",
    "api_gateway_stage",
    "api_gateway_endpoint_type",
    "binary_media_types",
    "stage_variables",
    "tags",
    "layers",
    "xray",
    "usage_plan",
    "quota",
    "limit",
    "period",
    "throttle",
    "rate_limit",
    "burst_limit",
    "throttling",
    "routes",
    "gateway_responses",
    "DEFAULT_4XX",
    "status_code",
    "resource_policy",
    "allow_source_ips",
    "cors",
    "allow_origin",
    "max_age",
    "alarms",
    "api_logs",
];

/// Writes `bytes` as the config file of a new project and loads `stage`.
fn load_bytes(bytes: &[u8], stage: &str) -> Result<Result<(), String>, TestCaseError> {
    let dir = tempfile::tempdir().map_err(|e| TestCaseError::fail(e.to_string()))?;
    let file = dir.path().join(CONFIG_PATH);
    let written = Path::new(&file)
        .parent()
        .map(std::fs::create_dir_all)
        .transpose()
        .and_then(|_| std::fs::write(&file, bytes));
    written.map_err(|e| TestCaseError::fail(e.to_string()))?;
    Ok(load(dir.path(), stage, "fallback")
        .map(|_| ())
        .map_err(|error| error.to_string()))
}

/// Every object key of `value`, at any depth.
fn keys_of(value: &Value, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                out.insert(key.clone());
                keys_of(inner, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|item| keys_of(item, out)),
        _ => {}
    }
}

/// The stage a test loads: the file's first, else `dev`.
fn stage_of(document: &Value) -> String {
    document
        .get("stages")
        .and_then(Value::as_object)
        .and_then(|stages| stages.keys().next().cloned())
        .unwrap_or_else(|| "dev".to_owned())
}

/// One level's settings of the `api` function.
#[derive(Debug, Clone)]
struct Settings {
    memory: Option<u32>,
    timeout: Option<u32>,
    environment: BTreeMap<String, String>,
}

/// A stage's (or the top level's) section.
#[derive(Debug, Clone)]
struct Section {
    settings: Settings,
    api: Option<Settings>,
    architecture: Option<&'static str>,
    api_gateway_stage: Option<String>,
    stage_variables: BTreeMap<String, String>,
}

impl Settings {
    fn to_json(&self) -> Map<String, Value> {
        let mut out = Map::new();
        if let Some(memory) = self.memory {
            out.insert("lambda_memory_size".into(), json!(memory));
        }
        if let Some(timeout) = self.timeout {
            out.insert("lambda_timeout".into(), json!(timeout));
        }
        if !self.environment.is_empty() {
            out.insert("environment_variables".into(), json!(self.environment));
        }
        out
    }
}

impl Section {
    fn to_json(&self) -> Map<String, Value> {
        let mut out = self.settings.to_json();
        if let Some(api) = &self.api {
            out.insert("lambda_functions".into(), json!({ "api": api.to_json() }));
        }
        if let Some(architecture) = self.architecture {
            out.insert("architecture".into(), json!(architecture));
        }
        if let Some(stage) = &self.api_gateway_stage {
            out.insert("api_gateway_stage".into(), json!(stage));
        }
        if !self.stage_variables.is_empty() {
            out.insert("stage_variables".into(), json!(self.stage_variables));
        }
        out
    }
}

fn settings() -> impl Strategy<Value = Settings> {
    (
        proptest::option::of(128u32..=10240),
        proptest::option::of(1u32..=900),
        btree_map("[A-Z][A-Z0-9_]{0,3}", "\\PC{0,6}", 0..3),
    )
        .prop_map(|(memory, timeout, environment)| Settings {
            memory,
            timeout,
            environment,
        })
}

fn section() -> impl Strategy<Value = Section> {
    (
        settings(),
        proptest::option::of(settings()),
        proptest::option::of(select(&["arm64", "x86_64"][..])),
        proptest::option::of("[a-z][a-z0-9]{0,5}"),
        btree_map("[a-z]{1,3}", "[a-z0-9]{0,4}", 0..3),
    )
        .prop_map(
            |(settings, api, architecture, api_gateway_stage, stage_variables)| Section {
                settings,
                api,
                architecture,
                api_gateway_stage,
                stage_variables,
            },
        )
}

proptest! {
    #![proptest_config(config(128))]

    /// Any bytes: a config or an error naming the file.
    #[test]
    fn any_bytes_load_or_fail_naming_the_file(
        bytes in prop_oneof![
            vec(any::<u8>(), 0..48),
            any_json(KEYS).prop_map(|value| value.to_string().into_bytes()),
        ],
    ) {
        if let Err(message) = load_bytes(&bytes, "dev")? {
            prop_assert!(message.contains(CONFIG_PATH), "{}", message);
        }
    }

    /// Any JSON object: a config or an error naming the file and, between
    /// backquotes, a key of the document (the whole key path or its end).
    #[test]
    fn any_object_loads_or_fails_naming_a_key(
        entries in vec((select(KEYS).prop_map(str::to_owned), any_json(KEYS)), 0..5),
        pretty in any::<bool>(),
    ) {
        let document = Value::Object(entries.into_iter().collect());
        let text = if pretty {
            serde_json::to_string_pretty(&document)
        } else {
            serde_json::to_string(&document)
        }
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let stage = stage_of(&document);
        if let Err(message) = load_bytes(text.as_bytes(), &stage)? {
            prop_assert!(message.contains(CONFIG_PATH), "{}", message);
            let mut keys = BTreeSet::new();
            keys_of(&document, &mut keys);
            keys.insert(stage);
            let quoted: Vec<&str> = message.split('`').skip(1).step_by(2).collect();
            prop_assert!(
                quoted.iter().any(|span| keys.iter().any(|key| {
                    *span == key || span.ends_with(&format!(".{key}"))
                })),
                "{} names no key of {}", message, text
            );
        }
    }
}

proptest! {
    #![proptest_config(config(128))]

    /// A valid config loads; the `api` function's settings come from the
    /// most specific level (the stage's function, the stage, the top level's
    /// function, the top level), the maps merge, the stage's values win.
    #[test]
    fn valid_configs_load_with_the_most_specific_settings(
        app_name in proptest::option::of("[a-z][a-z0-9_-]{0,8}"),
        top in section(),
        stages in btree_map("[a-z]{1,4}", section(), 0..3),
        pick in any::<prop::sample::Index>(),
    ) {
        let mut document = top.to_json();
        if let Some(name) = &app_name {
            document.insert("app_name".into(), json!(name));
        }
        if !stages.is_empty() {
            let stages: Map<String, Value> = stages
                .iter()
                .map(|(name, section)| (name.clone(), Value::Object(section.to_json())))
                .collect();
            document.insert("stages".into(), Value::Object(stages));
        }
        let names: Vec<&String> = stages.keys().collect();
        let stage_name = if names.is_empty() { "dev".to_owned() } else { pick.get(&names).to_string() };
        let stage = stages.get(&stage_name);
        let text = Value::Object(document).to_string();
        let dir = tempfile::tempdir().map_err(|e| TestCaseError::fail(e.to_string()))?;
        std::fs::create_dir_all(dir.path().join(".chalice"))
            .and_then(|()| std::fs::write(dir.path().join(CONFIG_PATH), &text))
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let loaded = load(dir.path(), &stage_name, "fallback")
            .map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;

        // Least specific first.
        let levels: Vec<&Settings> = [Some(&top.settings), top.api.as_ref()]
            .into_iter()
            .chain([stage.map(|s| &s.settings), stage.and_then(|s| s.api.as_ref())])
            .flatten()
            .collect();
        let api = loaded.function("api");
        let most_specific = |get: fn(&Settings) -> Option<u32>| levels.iter().rev().find_map(|l| get(l));
        prop_assert_eq!(api.lambda_memory_size, most_specific(|l| l.memory).unwrap_or(128));
        prop_assert_eq!(api.lambda_timeout, most_specific(|l| l.timeout).unwrap_or(60));
        let mut environment = BTreeMap::new();
        for level in &levels {
            for (name, value) in &level.environment {
                environment.insert(name.clone(), EnvValue::Literal(value.clone()));
            }
        }
        prop_assert_eq!(api.environment_variables, environment);

        prop_assert_eq!(loaded.app_name, app_name.unwrap_or_else(|| "fallback".to_owned()));
        let architecture = stage.and_then(|s| s.architecture).or(top.architecture);
        prop_assert_eq!(loaded.architecture, architecture.unwrap_or("arm64"));
        let api_stage = stage.and_then(|s| s.api_gateway_stage.clone()).or(top.api_gateway_stage.clone());
        prop_assert_eq!(loaded.api_gateway_stage, api_stage.unwrap_or_else(|| "api".to_owned()));
        let mut variables = top.stage_variables.clone();
        variables.extend(stage.map(|s| s.stage_variables.clone()).unwrap_or_default());
        prop_assert_eq!(loaded.stage_variables, variables);
    }
}

//! The file's checks beyond its types: unknown keys at every level (with a
//! "did you mean"), environment variables' values, the key whose value has
//! the wrong type, and the line and column of a key.

use super::file::ConfigFile;
use super::{invalid, ConfigError};
use serde_json::{json, Value};
use std::path::Path;

/// Keys of [`Settings`](super::Settings).
const SETTINGS_KEYS: &[&str] = &[
    "environment_variables",
    "lambda_memory_size",
    "lambda_timeout",
    "autogen_policy",
    "iam_policy_file",
    "iam_role_arn",
    "manage_iam_role",
    "tags",
    "reserved_concurrency",
    "layers",
    "xray",
    "subnet_ids",
    "security_group_ids",
    "log_retention_in_days",
    "lambda_versions",
    "traffic_shifting",
    "log_format",
    "log_level",
];
/// Keys of [`StageSection`](super::StageSection) beyond the settings.
const STAGE_KEYS: &[&str] = &[
    "api_gateway_stage",
    "api_gateway_endpoint_type",
    "binary_media_types",
    "minimum_compression_size",
    "stage_variables",
    "deployment_bucket",
    "architecture",
    "lambda_functions",
    "api_keys",
    "usage_plan",
    "throttling",
    "gateway_responses",
    "resource_policy",
    "resource_policy_file",
    "cors",
    "websocket_route_selection_expression",
    "alarms",
    "api_logs",
    "api_gateway_custom_domain",
    "websocket_api_custom_domain",
];
/// Keys only the top level has.
const TOP_KEYS: &[&str] = &["version", "app_name", "stages"];
/// Keys of [`UsagePlan`](super::UsagePlan).
const USAGE_PLAN_KEYS: &[&str] = &["throttle", "quota"];
/// Keys of [`ThrottleLimits`](super::ThrottleLimits): `usage_plan.throttle`,
/// `throttling.routes.<route>`.
const LIMIT_KEYS: &[&str] = &["rate_limit", "burst_limit"];
/// Keys of [`Quota`](super::Quota).
const QUOTA_KEYS: &[&str] = &["limit", "period"];
/// Keys of [`Throttling`](super::Throttling).
const THROTTLING_KEYS: &[&str] = &["rate_limit", "burst_limit", "routes"];
/// Keys of a [`GatewayResponse`](super::GatewayResponse).
const GATEWAY_RESPONSE_KEYS: &[&str] = &["status_code", "headers", "templates"];
/// Keys of [`ResourcePolicy`](super::ResourcePolicy).
const RESOURCE_POLICY_KEYS: &[&str] = &["allow_source_ips", "deny_source_ips"];
/// Keys of the object form of `cors` ([`CorsConfig`](super::CorsConfig)).
const CORS_KEYS: &[&str] = &[
    "allow_origin",
    "allow_headers",
    "expose_headers",
    "max_age",
    "allow_credentials",
];

/// Checks every `environment_variables` value: a string, `{"Ref": "Id"}` or
/// `{"Fn::GetAtt": ["Id", "Attribute"]}`; errors name the level (stage,
/// function) and the variable.
pub(super) fn check_environment(path: &Path, text: &str, value: &Value) -> Result<(), ConfigError> {
    let mut sections: Vec<(String, &Value)> = vec![("top level".to_owned(), value)];
    fn functions(section: &Value) -> Vec<(String, &Value)> {
        section
            .get("lambda_functions")
            .and_then(Value::as_object)
            .map(|f| f.iter().map(|(name, v)| (name.clone(), v)).collect())
            .unwrap_or_default()
    }
    for (name, function) in functions(value) {
        sections.push((format!("function `{name}` (every stage)"), function));
    }
    if let Some(stages) = value.get("stages").and_then(Value::as_object) {
        for (stage, section) in stages {
            sections.push((format!("stage `{stage}`"), section));
            for (name, function) in functions(section) {
                sections.push((format!("stage `{stage}`, function `{name}`"), function));
            }
        }
    }
    for (place, section) in sections {
        let Some(variables) = section
            .get("environment_variables")
            .and_then(Value::as_object)
        else {
            continue;
        };
        for (variable, value) in variables {
            if let Err((key, problem)) = check_env_value(value) {
                let (line, column) = locate(text, &[key.as_deref().unwrap_or(variable)]);
                return Err(ConfigError::Invalid {
                    path: path.to_owned(),
                    line,
                    column,
                    message: format!("{place}: environment variable `{variable}`: {problem}"),
                });
            }
        }
    }
    Ok(())
}

/// What is wrong with an environment variable's value, and the key to point at.
fn check_env_value(value: &Value) -> Result<(), (Option<String>, String)> {
    const EXPECTED: &str =
        r#"expected a string, {"Ref": "LogicalId"} or {"Fn::GetAtt": ["LogicalId", "Attribute"]}"#;
    let logical_id = |id: &str| crate::cfn::ids::is_valid_logical_id(id);
    let Some(object) = value.as_object() else {
        return match value {
            Value::String(_) => Ok(()),
            other => Err((None, format!("{other} is not a string; {EXPECTED}"))),
        };
    };
    let mut keys = object.keys();
    let (Some(key), None) = (keys.next(), keys.next()) else {
        let keys: Vec<String> = object.keys().map(|k| format!("`{k}`")).collect();
        return Err((
            None,
            format!(
                "an object with the keys {}; {EXPECTED}",
                if keys.is_empty() {
                    "(none)".to_owned()
                } else {
                    keys.join(", ")
                }
            ),
        ));
    };
    let at = Some(key.clone());
    match (key.as_str(), &object[key]) {
        ("Ref", Value::String(id)) if logical_id(id) => Ok(()),
        ("Ref", other) => Err((
            at,
            format!("`Ref` takes the logical ID of a resource (letters and digits), not {other}"),
        )),
        ("Fn::GetAtt", Value::Array(parts))
            if parts.len() == 2
                && parts[0].as_str().is_some_and(logical_id)
                && parts[1].as_str().is_some_and(|a| !a.is_empty()) =>
        {
            Ok(())
        }
        ("Fn::GetAtt", other) => Err((
            at,
            format!(
                r#"`Fn::GetAtt` takes ["LogicalId", "Attribute"] (e.g. ["TodoTable", "Arn"]), not {other}"#
            ),
        )),
        (other, _) => Err((at, format!("unknown key `{other}`; {EXPECTED}"))),
    }
}

/// Checks that every key is one the place it is in knows, at every level:
/// the top level, `stages.<stage>`, `lambda_functions.<function>` at both,
/// and the objects inside (`usage_plan`, `throttling`, `gateway_responses`,
/// `resource_policy`, `cors`). An unknown key is named by its full path, at
/// its line and column, with the known key it was probably meant to be and
/// the keys known there.
pub(super) fn check_keys(path: &Path, text: &str, value: &Value) -> Result<(), ConfigError> {
    if !value.is_object() {
        return Err(invalid(path, "the file must hold a JSON object".to_owned()));
    }
    let keys = KeyCheck { path, text };
    keys.object(value, &[], &[TOP_KEYS, STAGE_KEYS, SETTINGS_KEYS])?;
    keys.section(value, &[])?;
    if let Some(stages) = value.get("stages").and_then(Value::as_object) {
        for (name, stage) in stages {
            let at = ["stages", name.as_str()];
            keys.object(stage, &at, &[STAGE_KEYS, SETTINGS_KEYS])?;
            keys.section(stage, &at)?;
        }
    }
    Ok(())
}

/// The key check of one file.
struct KeyCheck<'a> {
    /// The file, for errors.
    path: &'a Path,
    /// Its text, to locate keys.
    text: &'a str,
}

impl KeyCheck<'_> {
    /// Checks the objects inside a section (the top level or a stage) at `at`.
    fn section(&self, section: &Value, at: &[&str]) -> Result<(), ConfigError> {
        let inside = |key: &'static str| {
            let mut path = at.to_vec();
            path.push(key);
            section.get(key).map(|value| (value, path))
        };
        if let Some((functions, at)) = inside("lambda_functions") {
            self.each(functions, &at, &[SETTINGS_KEYS])?;
        }
        if let Some((plan, at)) = inside("usage_plan") {
            self.object(plan, &at, &[USAGE_PLAN_KEYS])?;
            for (key, keys) in [("throttle", LIMIT_KEYS), ("quota", QUOTA_KEYS)] {
                if let Some(inner) = plan.get(key) {
                    self.object(inner, &[at.as_slice(), &[key]].concat(), &[keys])?;
                }
            }
        }
        if let Some((throttling, at)) = inside("throttling") {
            self.object(throttling, &at, &[THROTTLING_KEYS])?;
            if let Some(routes) = throttling.get("routes") {
                self.each(
                    routes,
                    &[at.as_slice(), &["routes"]].concat(),
                    &[LIMIT_KEYS],
                )?;
            }
        }
        if let Some((responses, at)) = inside("gateway_responses") {
            self.object(responses, &at, &[super::GATEWAY_RESPONSE_TYPES])?;
            self.each(responses, &at, &[GATEWAY_RESPONSE_KEYS])?;
        }
        if let Some((policy, at)) = inside("resource_policy") {
            self.object(policy, &at, &[RESOURCE_POLICY_KEYS])?;
        }
        if let Some((cors, at)) = inside("cors") {
            self.object(cors, &at, &[CORS_KEYS])?;
        }
        if let Some((alarms, at)) = inside("alarms") {
            self.object(alarms, &at, &[super::ALARMS_KEYS])?;
        }
        for key in ["api_gateway_custom_domain", "websocket_api_custom_domain"] {
            if let Some((domain, at)) = inside(key) {
                self.object(domain, &at, &[super::CUSTOM_DOMAIN_KEYS])?;
            }
        }
        if let Some((logs, at)) = inside("api_logs") {
            self.object(logs, &at, &[super::API_LOGS_KEYS])?;
            if let Some(routes) = logs.get("routes") {
                self.each(
                    routes,
                    &[at.as_slice(), &["routes"]].concat(),
                    &[super::METHOD_LOGS_KEYS],
                )?;
            }
        }
        Ok(())
    }

    /// Checks each value of the object `map` at `at` (keys the user names:
    /// functions, routes) against `allowed`.
    fn each(&self, map: &Value, at: &[&str], allowed: &[&[&str]]) -> Result<(), ConfigError> {
        for (name, value) in map.as_object().into_iter().flatten() {
            self.object(value, &[at, &[name.as_str()]].concat(), allowed)?;
        }
        Ok(())
    }

    /// Checks that each key of `object` (at `at`), if it is an object, is
    /// one of `allowed`; other values are left to serde.
    fn object(&self, object: &Value, at: &[&str], allowed: &[&[&str]]) -> Result<(), ConfigError> {
        let Some(map) = object.as_object() else {
            return Ok(());
        };
        let Some(key) = map
            .keys()
            .find(|key| !allowed.iter().any(|keys| keys.contains(&key.as_str())))
        else {
            return Ok(());
        };
        let mut all: Vec<&str> = allowed
            .iter()
            .flat_map(|keys| keys.iter().copied())
            .collect();
        all.sort_unstable();
        let suggestion = crate::suggest::closest(key, all.iter().copied())
            .or_else(|| crate::suggest::completion(key, all.iter().copied()))
            .map(|known| format!(" (did you mean `{known}`?)"))
            .unwrap_or_default();
        let full: Vec<&str> = [at, &[key.as_str()]].concat();
        let (line, column) = locate(self.text, &full);
        Err(ConfigError::Invalid {
            path: self.path.to_owned(),
            line,
            column,
            message: format!(
                "unknown key `{}`{suggestion}; known keys here: {}",
                full.join("."),
                all.join(", ")
            ),
        })
    }
}

/// Finds the key whose value has the wrong type, once serde has refused the
/// file: inside the flattened sections (the top level, a stage, a function's
/// settings) serde's error names no key and points at the section's end.
/// Each key of those sections is read alone, nested as in the file; the
/// first that fails is named, at its line and column. `Ok` when no key alone
/// fails.
pub(super) fn check_types(path: &Path, text: &str, value: &Value) -> Result<(), ConfigError> {
    let Some((at, error)) = first_wrong_type(&mut Vec::new(), value) else {
        return Ok(());
    };
    let (line, column) = locate(text, &at);
    Err(ConfigError::Invalid {
        path: path.to_owned(),
        line,
        column,
        message: format!("`{}`: {error}", at.join(".")),
    })
}

/// The path of the first key under `at` (holding `value`) that the file's
/// types refuse on its own, with serde's error.
fn first_wrong_type<'a>(
    at: &mut Vec<&'a str>,
    value: &'a Value,
) -> Option<(Vec<&'a str>, serde_json::Error)> {
    // The objects whose keys are read one by one: the top level, `stages`,
    // a stage, `lambda_functions` and a function's entry.
    let sections = matches!(
        at.as_slice(),
        [] | ["stages"] | ["stages", _] | [.., "lambda_functions"] | [.., "lambda_functions", _]
    );
    match value.as_object() {
        Some(map) if sections => map.iter().find_map(|(key, inner)| {
            at.push(key);
            let found = first_wrong_type(at, inner);
            at.pop();
            found
        }),
        _ => {
            let alone = at
                .iter()
                .rev()
                .fold(value.clone(), |inner, key| json!({ *key: inner }));
            let error = serde_json::from_value::<ConfigFile>(alone).err()?;
            Some((at.clone(), error))
        }
    }
}

/// Line and column (1-based) of the key at the end of `path` in `text`: each
/// key of the path is looked for after the one before it, so that a key
/// repeated elsewhere in the file is found where it is wrong. (1, 1) when
/// it cannot be found.
fn locate(text: &str, path: &[&str]) -> (usize, usize) {
    let needle = |key: &str| serde_json::to_string(key).unwrap_or_else(|_| format!("\"{key}\""));
    let mut offset = 0;
    let mut found = None;
    for key in path {
        match text[offset..].find(&needle(key)) {
            Some(at) => {
                found = Some(offset + at);
                offset += at + needle(key).len();
            }
            None => {
                // Out of order (or escaped differently): the key's first occurrence.
                found = path.last().and_then(|last| text.find(&needle(last)));
                break;
            }
        }
    }
    let Some(offset) = found else {
        return (1, 1);
    };
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rfind('\n').map_or(offset, |nl| offset - nl - 1) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use crate::config::tests::load_text;

    #[test]
    fn unknown_key_is_named() {
        let err = load_text(
            "{\"stages\": {\"dev\": {\n \"lambda_memroy_size\": 3}}}",
            "dev",
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .contains("config.json:2:2: unknown key `stages.dev.lambda_memroy_size`"),
            "{err}"
        );
        let err = load_text(r#"{"colour": 1}"#, "dev").unwrap_err();
        assert!(err.to_string().contains("colour"), "{err}");
    }

    #[test]
    fn unknown_key_suggests_the_known_one() {
        // A typo, at the top level: the nearest key.
        let err = load_text(r#"{"lambda_memroy_size": 256}"#, "dev").unwrap_err();
        assert!(
            err.to_string().contains(
                "config.json:1:2: unknown key `lambda_memroy_size` (did you mean `lambda_memory_size`?); known keys here: "
            ),
            "{err}"
        );
        // A key cut short, in a stage's function: the only key it begins.
        let err = load_text(
            "{\"stages\": {\"prod\": {\"lambda_functions\": {\"api\": {\n  \"lambda_memory\": 256}}}}}",
            "prod",
        )
        .unwrap_err();
        assert!(
            err.to_string().contains(
                "config.json:2:3: unknown key `stages.prod.lambda_functions.api.lambda_memory` (did you mean `lambda_memory_size`?)"
            ),
            "{err}"
        );
        // Nothing close: no guess, the known keys only.
        let err = load_text(r#"{"colour": 1}"#, "dev").unwrap_err();
        assert!(!err.to_string().contains("did you mean"), "{err}");
        assert!(err.to_string().contains("known keys here: "), "{err}");
    }

    /// `(config text, the error's expected start)` for a mistyped key at
    /// each level and in each object inside.
    const MISTYPED: &[(&str, &str)] = &[
        (
            "{\n  \"lambda_memory\": 256}",
            "config.json:2:3: unknown key `lambda_memory` (did you mean `lambda_memory_size`?); known keys here: alarms, api_gateway_custom_domain, api_gateway_endpoint_type, ",
        ),
        (
            "{\"stages\": {\"dev\": {\"lambda_memory\": 256}}}",
            "config.json:1:21: unknown key `stages.dev.lambda_memory` (did you mean `lambda_memory_size`?); known keys here: alarms, api_gateway_custom_domain, api_gateway_endpoint_type, ",
        ),
        (
            "{\"lambda_functions\": {\"api\": {\"lambda_memory\": 256}}}",
            "config.json:1:31: unknown key `lambda_functions.api.lambda_memory` (did you mean `lambda_memory_size`?); known keys here: autogen_policy, ",
        ),
        (
            "{\"stages\": {\"dev\": {\"lambda_functions\": {\"api\": {\"lambda_memory\": 256}}}}}",
            "config.json:1:50: unknown key `stages.dev.lambda_functions.api.lambda_memory` (did you mean `lambda_memory_size`?)",
        ),
        (
            "{\"stages\": {\"dev\": {\"api_gateway_stag\": \"v1\"}}}",
            "unknown key `stages.dev.api_gateway_stag` (did you mean `api_gateway_stage`?)",
        ),
        (
            "{\"usage_plan\": {\"quotas\": {\"limit\": 1, \"period\": \"DAY\"}}}",
            "config.json:1:17: unknown key `usage_plan.quotas` (did you mean `quota`?); known keys here: quota, throttle",
        ),
        (
            "{\"usage_plan\": {\"throttle\": {\"rate\": 1}}}",
            "unknown key `usage_plan.throttle.rate` (did you mean `rate_limit`?); known keys here: burst_limit, rate_limit",
        ),
        (
            "{\"usage_plan\": {\"quota\": {\"limit\": 1, \"perid\": \"DAY\"}}}",
            "unknown key `usage_plan.quota.perid` (did you mean `period`?); known keys here: limit, period",
        ),
        (
            "{\"stages\": {\"prod\": {\"throttling\": {\"burst_limt\": 5}}}}",
            "unknown key `stages.prod.throttling.burst_limt` (did you mean `burst_limit`?); known keys here: burst_limit, rate_limit, routes",
        ),
        (
            "{\"throttling\": {\"routes\": {\"GET /a\": {\"rate_limt\": 5}}}}",
            "unknown key `throttling.routes.GET /a.rate_limt` (did you mean `rate_limit`?)",
        ),
        (
            "{\"gateway_responses\": {\"UNAUTHORISED\": {}}}",
            "unknown key `gateway_responses.UNAUTHORISED` (did you mean `UNAUTHORIZED`?); known keys here: ACCESS_DENIED, ",
        ),
        (
            "{\"gateway_responses\": {\"DEFAULT_4XX\": {\"status\": 400}}}",
            "unknown key `gateway_responses.DEFAULT_4XX.status` (did you mean `status_code`?)",
        ),
        (
            "{\"resource_policy\": {\"allow_source_ip\": []}}",
            "unknown key `resource_policy.allow_source_ip` (did you mean `allow_source_ips`?)",
        ),
        (
            "{\"stages\": {\"dev\": {\"cors\": {\"max_ag\": 5}}}}",
            "unknown key `stages.dev.cors.max_ag` (did you mean `max_age`?); known keys here: allow_credentials, allow_headers, allow_origin, expose_headers, max_age",
        ),
    ];

    #[test]
    fn mistyped_keys_are_named_at_every_level() {
        for (text, expected) in MISTYPED {
            let err = load_text(text, "dev").expect_err(text).to_string();
            assert!(err.contains(expected), "{text}:\n{err}\nwanted: {expected}");
        }
    }

    /// Found by the property tests: serde's error inside a flattened section
    /// named no key and pointed at the section's end.
    #[test]
    fn a_value_of_the_wrong_type_is_named_where_it_is() {
        for (text, expected) in [
            (
                "{\"lambda_functions\": false}",
                "config.json:1:2: `lambda_functions`: invalid type: boolean `false`, expected a map",
            ),
            (
                "{\"stages\": {\"dev\": {\n  \"lambda_timeout\": \"x\"}}}",
                "config.json:2:3: `stages.dev.lambda_timeout`: invalid type: string \"x\", expected u32",
            ),
            (
                "{\"lambda_functions\": {\"api\": {\"xray\": 1}}}",
                "config.json:1:31: `lambda_functions.api.xray`: invalid type: integer `1`, expected a boolean",
            ),
            (
                "{\"app_name\": \"a\",\n \"usage_plan\": {\"quota\": {\"limit\": 1}}}",
                "config.json:2:2: `usage_plan`: missing field `period`",
            ),
        ] {
            let err = load_text(text, "dev").expect_err(text).to_string();
            assert!(err.contains(expected), "{text}:\n{err}\nwanted: {expected}");
        }
    }

    #[test]
    fn a_key_repeated_elsewhere_is_located_where_it_is_wrong() {
        // `lambda_memory` is also an (allowed) environment variable's name,
        // earlier in the file: the error points at the stage's key.
        let text = "{\"environment_variables\": {\"lambda_memory\": \"x\"},\n \"stages\": {\"dev\": {\n  \"lambda_memory\": 1}}}";
        let err = load_text(text, "dev").expect_err("unknown").to_string();
        assert!(
            err.contains("config.json:3:3: unknown key `stages.dev.lambda_memory`"),
            "{err}"
        );
        assert_eq!(super::locate("{}", &["absent"]), (1, 1));
    }
}

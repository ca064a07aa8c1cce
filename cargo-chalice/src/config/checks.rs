//! The file's checks beyond its types: unknown keys (with a "did you
//! mean"), environment variables' values, and the line and column of a key.

use super::{invalid, ConfigError};
use serde_json::Value;
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
];
/// Keys only the top level has.
const TOP_KEYS: &[&str] = &["version", "app_name", "stages"];

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
                let (line, column) = locate(text, key.as_deref().unwrap_or(variable));
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

/// Checks that every key is one the place it is in knows; an unknown key is
/// named in full, with the line and column of its first occurrence and the
/// known key it was probably meant to be.
pub(super) fn check_keys(path: &Path, text: &str, value: &Value) -> Result<(), ConfigError> {
    let unknown = |key: &str, full: String, allowed: &[&[&str]]| {
        let (line, column) = locate(text, key);
        let mut all: Vec<&str> = allowed
            .iter()
            .flat_map(|keys| keys.iter().copied())
            .collect();
        all.sort_unstable();
        let suggestion = crate::suggest::closest(key, all.iter().copied())
            .or_else(|| crate::suggest::completion(key, all.iter().copied()))
            .map(|known| format!(" (did you mean `{known}`?)"))
            .unwrap_or_default();
        ConfigError::Invalid {
            path: path.to_owned(),
            line,
            column,
            message: format!(
                "unknown key `{full}`{suggestion}; known keys here: {}",
                all.join(", ")
            ),
        }
    };
    let check = |object: &Value, prefix: &str, allowed: &[&[&str]]| -> Result<(), ConfigError> {
        if let Some(map) = object.as_object() {
            for key in map.keys() {
                if !allowed.iter().any(|keys| keys.contains(&key.as_str())) {
                    return Err(unknown(key, format!("{prefix}{key}"), allowed));
                }
            }
        }
        Ok(())
    };
    let Some(top) = value.as_object() else {
        return Err(invalid(path, "the file must hold a JSON object".to_owned()));
    };
    check(value, "", &[TOP_KEYS, STAGE_KEYS, SETTINGS_KEYS])?;
    let check_functions = |section: &Value, prefix: &str| -> Result<(), ConfigError> {
        if let Some(functions) = section.get("lambda_functions").and_then(Value::as_object) {
            for (name, function) in functions {
                check(
                    function,
                    &format!("{prefix}lambda_functions.{name}."),
                    &[SETTINGS_KEYS],
                )?;
            }
        }
        Ok(())
    };
    check_functions(value, "")?;
    if let Some(stages) = top.get("stages").and_then(Value::as_object) {
        for (name, stage) in stages {
            let prefix = format!("stages.{name}.");
            check(stage, &prefix, &[STAGE_KEYS, SETTINGS_KEYS])?;
            check_functions(stage, &prefix)?;
        }
    }
    Ok(())
}

/// Line and column (1-based) of the first `"key"` in `text`.
fn locate(text: &str, key: &str) -> (usize, usize) {
    let needle = format!("\"{key}\"");
    let Some(offset) = text.find(&needle) else {
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
}

//! YAML output for templates: block style, two-space indentation, keys sorted
//! (whatever `serde_json`'s map order is in a build); strings that could be
//! read as anything but a string are double-quoted with JSON escapes (valid
//! YAML). Intrinsic functions keep their long form (`Fn::Sub:`), which
//! CloudFormation reads in YAML as in JSON.

use serde_json::Value;

/// Renders a JSON value as a YAML document (with a trailing newline).
pub fn to_yaml(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::Object(map) if !map.is_empty() => write_map(&mut out, map, 0),
        Value::Array(items) if !items.is_empty() => write_seq(&mut out, items, 0),
        other => {
            out.push_str(&scalar(other));
            out.push('\n');
        }
    }
    out
}

fn indent(out: &mut String, level: usize) {
    for _ in 0..level {
        out.push_str("  ");
    }
}

/// The map's entries sorted by key.
fn sorted(map: &serde_json::Map<String, Value>) -> Vec<(&String, &Value)> {
    let mut entries: Vec<_> = map.iter().collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    entries
}

fn write_map(out: &mut String, map: &serde_json::Map<String, Value>, level: usize) {
    for (key, value) in sorted(map) {
        indent(out, level);
        out.push_str(&string(key));
        out.push(':');
        write_child(out, value, level);
    }
}

fn write_seq(out: &mut String, items: &[Value], level: usize) {
    for item in items {
        indent(out, level);
        out.push('-');
        match item {
            Value::Object(map) if !map.is_empty() => {
                // The first key goes on the dash's line, the rest align with it.
                let mut first = true;
                for (key, value) in sorted(map) {
                    if first {
                        out.push(' ');
                        first = false;
                    } else {
                        indent(out, level + 1);
                    }
                    out.push_str(&string(key));
                    out.push(':');
                    write_child(out, value, level + 1);
                }
            }
            Value::Array(inner) if !inner.is_empty() => {
                out.push('\n');
                write_seq(out, inner, level + 1);
            }
            other => {
                out.push(' ');
                out.push_str(&scalar(other));
                out.push('\n');
            }
        }
    }
}

fn write_child(out: &mut String, value: &Value, level: usize) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            out.push('\n');
            write_map(out, map, level + 1);
        }
        Value::Array(items) if !items.is_empty() => {
            out.push('\n');
            write_seq(out, items, level + 1);
        }
        other => {
            out.push(' ');
            out.push_str(&scalar(other));
            out.push('\n');
        }
    }
}

fn scalar(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => string(s),
        Value::Array(_) => "[]".to_owned(),
        Value::Object(_) => "{}".to_owned(),
    }
}

/// Words YAML 1.1 or 1.2 readers take for booleans or null.
const RESERVED: &[&str] = &[
    "y", "n", "yes", "no", "on", "off", "true", "false", "null", "~",
];

/// A string as a plain scalar when that is unambiguous, otherwise quoted.
fn string(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/' | ':'))
        && text.starts_with(|c: char| c.is_ascii_alphabetic() || c == '/' || c == '_')
        && !text.ends_with(':')
        && !text.contains(": ")
        && !RESERVED.contains(&text.to_ascii_lowercase().as_str());
    if plain {
        text.to_owned()
    } else {
        // A JSON string literal is a valid YAML double-quoted scalar.
        serde_json::to_string(text).unwrap_or_else(|_| format!("{text:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn block_style_with_quoting_where_needed() {
        let value = json!({
            "Resources": {
                "Fn": {"Fn::Sub": "https://${Api}.x/api/", "Ref": "Api"},
                "List": ["a", 1, true, {"Key": "yes", "Value": "no"}, "", "*", "10"],
                "Other": {},
                "Zero": []
            },
            "Text": "line\nbreak \"quoted\""
        });
        let yaml = to_yaml(&value);
        let expected = "\
Resources:
  Fn:
    Fn::Sub: \"https://${Api}.x/api/\"
    Ref: Api
  List:
    - a
    - 1
    - true
    - Key: \"yes\"
      Value: \"no\"
    - \"\"
    - \"*\"
    - \"10\"
  Other: {}
  Zero: []
Text: \"line\\nbreak \\\"quoted\\\"\"
";
        assert_eq!(yaml, expected);
    }
}

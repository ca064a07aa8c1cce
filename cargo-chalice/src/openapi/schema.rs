//! JSON Schema (draft 4, as schemars and the request models write it) to
//! the OpenAPI 3.0 Schema Object, which is a dialect of its own: one `type`
//! (null is `nullable: true`), no boolean schemas, no `$schema`, no
//! `definitions` (they move to `components/schemas`), a schema for `items`,
//! and only its own keywords.

use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The keywords of the OpenAPI 3.0 Schema Object (besides `x-` extensions).
const KEYWORDS: &[&str] = &[
    "title",
    "multipleOf",
    "maximum",
    "exclusiveMaximum",
    "minimum",
    "exclusiveMinimum",
    "maxLength",
    "minLength",
    "pattern",
    "maxItems",
    "minItems",
    "uniqueItems",
    "maxProperties",
    "minProperties",
    "required",
    "enum",
    "type",
    "not",
    "allOf",
    "oneOf",
    "anyOf",
    "items",
    "properties",
    "additionalProperties",
    "description",
    "format",
    "default",
    "nullable",
    "readOnly",
    "writeOnly",
    "example",
    "deprecated",
    "$ref",
];

/// Converts `schema` to an OpenAPI 3.0 schema; its `definitions` are added
/// to `components` (the Schema Objects of `components/schemas`, by name),
/// and references to them point there.
pub fn to_openapi(schema: &Value, components: &mut BTreeMap<String, Value>) -> Value {
    if let Some(Value::Object(definitions)) = schema.get("definitions") {
        for (name, definition) in definitions {
            let converted = convert(definition);
            components.entry(name.clone()).or_insert(converted);
        }
    }
    convert(schema)
}

fn convert(schema: &Value) -> Value {
    let map = match schema {
        Value::Bool(true) => return Value::Object(Map::new()),
        Value::Bool(false) => return serde_json::json!({"not": {}}),
        Value::Object(map) => map,
        // Not a schema: accept anything rather than write an invalid document.
        _ => return Value::Object(Map::new()),
    };
    let mut out = Map::new();
    let mut nullable = false;
    for (key, value) in map {
        match key.as_str() {
            "type" => match value {
                Value::Array(types) => {
                    let named: Vec<&Value> = types.iter().filter(|t| *t != "null").collect();
                    nullable |= named.len() < types.len();
                    if let [only] = named.as_slice() {
                        out.insert(key.clone(), (*only).clone());
                    }
                }
                Value::String(t) if t == "null" => nullable = true,
                other => {
                    out.insert(key.clone(), other.clone());
                }
            },
            "anyOf" | "oneOf" | "allOf" => {
                let Value::Array(items) = value else { continue };
                let mut kept = Vec::new();
                for item in items {
                    if item.get("type").is_some_and(|t| t == "null") && key != "allOf" {
                        nullable = true;
                    } else {
                        kept.push(convert(item));
                    }
                }
                if !kept.is_empty() {
                    out.insert(key.clone(), Value::Array(kept));
                }
            }
            "properties" => {
                let Value::Object(properties) = value else {
                    continue;
                };
                let converted = properties
                    .iter()
                    .map(|(name, property)| (name.clone(), convert(property)))
                    .collect();
                out.insert(key.clone(), Value::Object(converted));
            }
            "items" => {
                let items = match value {
                    Value::Array(tuple) => {
                        serde_json::json!({"anyOf": tuple.iter().map(convert).collect::<Vec<_>>()})
                    }
                    single => convert(single),
                };
                out.insert(key.clone(), items);
            }
            "not" => {
                out.insert(key.clone(), convert(value));
            }
            "additionalProperties" => {
                let converted = match value {
                    Value::Bool(allowed) => Value::Bool(*allowed),
                    schema => convert(schema),
                };
                out.insert(key.clone(), converted);
            }
            "required" if value.as_array().is_some_and(|r| !r.is_empty()) => {
                out.insert(key.clone(), value.clone());
            }
            // OpenAPI 3.0 wants at least one name in `required`.
            "required" => {}
            "$ref" => {
                let reference = value.as_str().unwrap_or_default();
                let name = reference
                    .strip_prefix("#/definitions/")
                    .or_else(|| reference.strip_prefix("#/$defs/"));
                let target = match name {
                    Some(name) => format!("#/components/schemas/{name}"),
                    None => reference.to_owned(),
                };
                out.insert(key.clone(), Value::String(target));
            }
            "examples" => {
                if let Some(first) = value.as_array().and_then(|e| e.first()) {
                    out.insert("example".to_owned(), first.clone());
                }
            }
            key if KEYWORDS.contains(&key) || key.starts_with("x-") => {
                out.insert(key.to_owned(), value.clone());
            }
            // `$schema`, `definitions`, `$id` and the keywords OpenAPI 3.0
            // lacks (`patternProperties`, `if`, ...) are left out.
            _ => {}
        }
    }
    if nullable {
        out.insert("nullable".to_owned(), Value::Bool(true));
    }
    // Siblings of `$ref` are ignored by OpenAPI 3.0: keep the reference
    // alone, nullable through `allOf`.
    if let Some(reference) = out.get("$ref").cloned() {
        if out.len() > 1 {
            let mut wrapped = Map::new();
            wrapped.insert(
                "allOf".to_owned(),
                Value::Array(vec![serde_json::json!({"$ref": reference})]),
            );
            if nullable {
                wrapped.insert("nullable".to_owned(), Value::Bool(true));
            }
            return Value::Object(wrapped);
        }
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn draft_4_becomes_the_openapi_dialect() {
        let mut components = BTreeMap::new();
        let schema = json!({
            "$schema": "http://json-schema.org/draft-04/schema#",
            "title": "NewItem",
            "type": "object",
            "required": ["name"],
            "properties": {
                "name": {"type": "string", "examples": ["pen"]},
                "price": {"type": ["integer", "null"], "format": "uint32", "minimum": 0},
                "tags": {"type": "array", "items": true},
                "next": {"anyOf": [{"$ref": "#/definitions/Node"}, {"type": "null"}]},
                "pair": {"type": "array", "items": [{"type": "string"}, {"type": "integer"}]},
                "extra": {"patternProperties": {"^x": {}}, "required": []}
            },
            "definitions": {"Node": {"type": "object", "properties": {"v": {"const": 1}}}}
        });
        let converted = to_openapi(&schema, &mut components);
        assert_eq!(
            converted,
            json!({
                "title": "NewItem",
                "type": "object",
                "required": ["name"],
                "properties": {
                    "name": {"type": "string", "example": "pen"},
                    "price": {"type": "integer", "format": "uint32", "minimum": 0, "nullable": true},
                    "tags": {"type": "array", "items": {}},
                    "next": {"anyOf": [{"$ref": "#/components/schemas/Node"}], "nullable": true},
                    "pair": {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}},
                    "extra": {}
                }
            })
        );
        assert_eq!(components["Node"]["type"], "object");
    }

    #[test]
    fn boolean_schemas_become_objects() {
        let mut components = BTreeMap::new();
        assert_eq!(to_openapi(&json!(true), &mut components), json!({}));
        assert_eq!(
            to_openapi(&json!(false), &mut components),
            json!({"not": {}})
        );
    }
}

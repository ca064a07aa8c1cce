//! Request models: with `#[route(.., validate = true)]`, the JSON schema of
//! the handler's `Json<T>` (`T: JsonSchema`, from schemars) becomes an API
//! Gateway Model, and API Gateway (or `cargo chalice local`) answers 400
//! `{"message": "Invalid request body"}` to a body that does not match,
//! before the handler runs.
//!
//! API Gateway reads JSON Schema draft 4: the schema is generated inline (no
//! `$ref` to shared definitions unless a type is recursive) and the few
//! keywords that changed after draft 4 are written the draft-4 way.

use crate::manifest::ManifestError;
use schemars::generate::SchemaSettings;
use serde_json::Value;
use std::collections::BTreeMap;

/// The `$schema` of API Gateway models.
pub const DRAFT_04: &str = "http://json-schema.org/draft-04/schema#";

/// A model, registered by `#[route(.., validate = true)]`.
#[derive(Debug)]
pub struct ModelRegistration {
    /// The model's name: the type's name.
    pub name: &'static str,
    /// Computes its schema.
    pub schema: fn() -> Value,
}

inventory::collect!(ModelRegistration);

/// The draft-4 JSON schema of `T`.
pub fn schema_of<T: schemars::JsonSchema>() -> Value {
    let generator = SchemaSettings::draft07()
        .with(|settings| settings.inline_subschemas = true)
        .into_generator();
    let mut schema = generator.into_root_schema_for::<T>().to_value();
    to_draft_04(&mut schema);
    if let Value::Object(map) = &mut schema {
        map.insert("$schema".to_owned(), Value::from(DRAFT_04));
    }
    schema
}

/// Rewrites draft-6/7 keywords in draft-4 form, in place: numeric
/// `exclusiveMinimum`/`exclusiveMaximum` become `minimum`/`maximum` with a
/// boolean flag, `const` becomes a one-value `enum`, `$defs` become
/// `definitions`.
pub fn to_draft_04(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            for (exclusive, bound) in [
                ("exclusiveMinimum", "minimum"),
                ("exclusiveMaximum", "maximum"),
            ] {
                if let Some(limit) = map.get(exclusive).filter(|v| v.is_number()).cloned() {
                    map.insert(bound.to_owned(), limit);
                    map.insert(exclusive.to_owned(), Value::Bool(true));
                }
            }
            if let Some(value) = map.remove("const") {
                map.insert("enum".to_owned(), Value::Array(vec![value]));
            }
            if let Some(defs) = map.remove("$defs") {
                map.insert("definitions".to_owned(), defs);
            }
            for value in map.values_mut() {
                to_draft_04(value);
            }
        }
        Value::Array(list) => list.iter_mut().for_each(to_draft_04),
        _ => {}
    }
    if let Value::String(reference) = schema {
        if let Some(rest) = reference.strip_prefix("#/$defs/") {
            *reference = format!("#/definitions/{rest}");
        }
    }
}

/// The registered models by name; two types of the same name with different
/// schemas are an error naming the model.
pub fn models() -> Result<BTreeMap<String, Value>, ManifestError> {
    let mut out = BTreeMap::new();
    for registration in inventory::iter::<ModelRegistration> {
        let schema = (registration.schema)();
        match out.get(registration.name) {
            Some(existing) if existing != &schema => {
                return Err(ManifestError::ConflictingModel {
                    name: registration.name.to_owned(),
                });
            }
            _ => {
                out.insert(registration.name.to_owned(), schema);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(schemars::JsonSchema)]
    #[allow(dead_code)]
    struct NewItem {
        name: String,
        price: Option<u32>,
    }

    #[test]
    fn schemas_are_draft_04() {
        let schema = schema_of::<NewItem>();
        assert_eq!(schema["$schema"], DRAFT_04);
        assert_eq!(schema["type"], "object");
        assert_eq!(schema["required"], json!(["name"]));
        assert_eq!(schema["properties"]["name"]["type"], "string");
    }

    #[test]
    fn newer_keywords_are_rewritten() {
        let mut schema = json!({
            "properties": {
                "n": {"exclusiveMinimum": 0},
                "kind": {"const": "a"},
                "next": {"$ref": "#/$defs/Node"}
            },
            "$defs": {"Node": {"type": "object"}}
        });
        to_draft_04(&mut schema);
        assert_eq!(
            schema,
            json!({
                "properties": {
                    "n": {"minimum": 0, "exclusiveMinimum": true},
                    "kind": {"enum": ["a"]},
                    "next": {"$ref": "#/definitions/Node"}
                },
                "definitions": {"Node": {"type": "object"}}
            })
        );
    }
}

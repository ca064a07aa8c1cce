//! Request validation as the deployed method's RequestValidator does it: a
//! route with a request model (`#[route(.., validate = true)]`) gets its JSON
//! body checked against the model's schema (JSON Schema draft 4) before the
//! function is called; a body that is not JSON or does not match answers 400
//! `{"message": "Invalid request body"}`. As deployed, the model is mapped
//! to `application/json`: a request of another content type is not checked.

use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

/// The app's request models, compiled.
#[derive(Default)]
pub struct RequestModels {
    validators: HashMap<String, jsonschema::Validator>,
}

impl std::fmt::Debug for RequestModels {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestModels")
            .field("models", &self.validators.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// A model whose schema cannot be compiled.
#[derive(Debug, thiserror::Error)]
#[error("request model `{name}` has a schema API Gateway cannot use: {message}")]
pub struct ModelError {
    /// The model.
    pub name: String,
    /// Why.
    pub message: String,
}

impl RequestModels {
    /// Compiles the manifest's models (name → draft-4 schema).
    pub fn new(models: &BTreeMap<String, Value>) -> Result<Self, ModelError> {
        let mut validators = HashMap::new();
        for (name, schema) in models {
            let validator = jsonschema::draft4::new(schema).map_err(|error| ModelError {
                name: name.clone(),
                message: error.to_string(),
            })?;
            validators.insert(name.clone(), validator);
        }
        Ok(Self { validators })
    }

    /// Whether a request with `content_type` and `body` passes model `name`.
    pub fn admits(&self, name: &str, content_type: Option<&str>, body: &[u8]) -> bool {
        let json = content_type.is_none_or(|value| {
            value
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .eq_ignore_ascii_case("application/json")
        });
        if !json {
            return true;
        }
        let Some(validator) = self.validators.get(name) else {
            // Unknown models were refused when the manifest was read.
            return true;
        };
        match serde_json::from_slice::<Value>(body) {
            Ok(instance) => validator.is_valid(&instance),
            Err(_) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn models() -> RequestModels {
        let schema = json!({
            "$schema": "http://json-schema.org/draft-04/schema#",
            "type": "object",
            "required": ["title"],
            "properties": {
                "title": {"type": "string"},
                "pages": {"type": ["integer", "null"], "minimum": 0}
            }
        });
        RequestModels::new(&[("NewReport".to_owned(), schema)].into()).unwrap()
    }

    #[test]
    fn bodies_are_checked_against_the_schema() {
        let models = models();
        let json = Some("application/json; charset=utf-8");
        assert!(models.admits("NewReport", json, br#"{"title": "q3", "pages": 4}"#));
        assert!(models.admits("NewReport", None, br#"{"title": "q3"}"#));
        assert!(!models.admits("NewReport", json, br#"{"pages": 4}"#));
        assert!(!models.admits("NewReport", json, br#"{"title": 7}"#));
        assert!(!models.admits("NewReport", json, br#"{"title": "q3", "pages": -1}"#));
        assert!(!models.admits("NewReport", json, b"not json"));
        assert!(!models.admits("NewReport", json, b""));
        // Only application/json is mapped to the model.
        assert!(models.admits("NewReport", Some("text/plain"), b"anything"));
    }

    #[test]
    fn a_broken_schema_names_its_model() {
        let broken = json!({"type": 12});
        let error = RequestModels::new(&[("Bad".to_owned(), broken)].into()).unwrap_err();
        assert!(error.to_string().contains("`Bad`"), "{error}");
    }
}

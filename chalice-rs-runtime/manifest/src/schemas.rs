//! What a route's handler takes and returns, as JSON schemas: the part of
//! the OpenAPI document that only the compiled types know.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// The JSON schemas of one route's handler, computed by a running binary
/// (`bootstrap --manifest`) from its argument and return types; a manifest
/// read from the binary's section has none.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteSchemas {
    /// Each path parameter's schema by name, from its argument's type
    /// (`{"type": "string"}` for a type without a JSON schema).
    #[serde(default)]
    pub params: BTreeMap<String, Value>,
    /// The query string's schema: the `T` of a `Query<T>` argument.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<Value>,
    /// The request body, when the handler reads one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<BodySchema>,
    /// The response body, when the return type says what it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<BodySchema>,
}

/// A request or response body: its media type and, when the type has one,
/// its JSON schema.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BodySchema {
    /// The media type (`application/json`, `text/plain`), or `None` for no
    /// body at all (a handler returning `()` or a `StatusCode`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// The body's JSON schema (draft 4), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<Value>,
}

impl BodySchema {
    /// A body of `content_type` with `schema`.
    pub fn new(content_type: &str, schema: Option<Value>) -> Self {
        Self {
            content_type: Some(content_type.to_owned()),
            schema,
        }
    }

    /// No body.
    pub fn empty() -> Self {
        Self {
            content_type: None,
            schema: None,
        }
    }
}

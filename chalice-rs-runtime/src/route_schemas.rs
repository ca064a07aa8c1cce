//! The JSON schemas of a route handler's path parameters, query, body and
//! response, from its argument and return types, for the OpenAPI document
//! (`cargo chalice openapi`).
//!
//! `#[route]` asks a [`Probe`] of each type: a type with a schema answers
//! through the first trait of each pair ([`ParamSchema`], [`InputSchema`],
//! [`OutputSchema`]), any other type through its fallback, which method
//! resolution picks only when the first does not apply (the receiver is
//! one reference deeper for the first). So a type without `JsonSchema` is
//! never an error: it is documented as a string, or left out.

use crate::extract::{Query, RawBody, TextBody};
use crate::manifest::{BodySchema, RouteSchemas};
use crate::models::schema_of;
use crate::response::Json;
use http::StatusCode;
use serde_json::{json, Value};
use std::marker::PhantomData;

/// Stands for the type `T` in the generated code's method calls.
pub struct Probe<T: ?Sized>(PhantomData<T>);

impl<T: ?Sized> Probe<T> {
    /// A probe of `T`.
    pub const fn new() -> Self {
        Self(PhantomData)
    }
}

impl<T: ?Sized> Default for Probe<T> {
    fn default() -> Self {
        Self::new()
    }
}

/// A path parameter's schema, for a type with a JSON schema.
pub trait ParamSchema {
    /// The schema of the parameter's type.
    fn param_schema(&self) -> Value;
}

impl<T: schemars::JsonSchema> ParamSchema for &Probe<T> {
    fn param_schema(&self) -> Value {
        schema_of::<T>()
    }
}

/// A path parameter's schema, for any other `FromStr` type: a string.
pub trait ParamSchemaFallback {
    /// `{"type": "string"}`.
    fn param_schema(&self) -> Value;
}

impl<T: ?Sized> ParamSchemaFallback for Probe<T> {
    fn param_schema(&self) -> Value {
        json!({"type": "string"})
    }
}

/// What an extractor says about the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputDoc {
    /// The query string, with the schema of its `T`.
    Query(Value),
    /// The body.
    Body(BodySchema),
}

/// An extractor that documents part of the request.
pub trait DocumentedInput {
    /// What it reads.
    fn input_doc() -> InputDoc;
}

impl<T: schemars::JsonSchema> DocumentedInput for Json<T> {
    fn input_doc() -> InputDoc {
        InputDoc::Body(BodySchema::new("application/json", Some(schema_of::<T>())))
    }
}

impl<T: schemars::JsonSchema> DocumentedInput for Query<T> {
    fn input_doc() -> InputDoc {
        InputDoc::Query(schema_of::<T>())
    }
}

impl DocumentedInput for TextBody {
    fn input_doc() -> InputDoc {
        InputDoc::Body(BodySchema::new(
            "text/plain",
            Some(json!({"type": "string"})),
        ))
    }
}

impl DocumentedInput for RawBody {
    fn input_doc() -> InputDoc {
        InputDoc::Body(BodySchema::new(
            "application/octet-stream",
            Some(json!({"type": "string", "format": "binary"})),
        ))
    }
}

/// An argument's part of the request, for a documented extractor.
pub trait InputSchema {
    /// What the extractor reads.
    fn input_schema(&self) -> Option<InputDoc>;
}

impl<T: DocumentedInput> InputSchema for &Probe<T> {
    fn input_schema(&self) -> Option<InputDoc> {
        Some(T::input_doc())
    }
}

/// An argument's part of the request, for any other extractor: nothing.
pub trait InputSchemaFallback {
    /// `None`.
    fn input_schema(&self) -> Option<InputDoc>;
}

impl<T: ?Sized> InputSchemaFallback for Probe<T> {
    fn input_schema(&self) -> Option<InputDoc> {
        None
    }
}

/// A return type that says what its response's body is.
pub trait DocumentedOutput {
    /// The body of a successful response.
    fn output_doc() -> BodySchema;
}

impl<T: schemars::JsonSchema> DocumentedOutput for Json<T> {
    fn output_doc() -> BodySchema {
        BodySchema::new("application/json", Some(schema_of::<T>()))
    }
}

impl DocumentedOutput for Value {
    fn output_doc() -> BodySchema {
        BodySchema::new("application/json", None)
    }
}

impl DocumentedOutput for String {
    fn output_doc() -> BodySchema {
        BodySchema::new("text/plain", Some(json!({"type": "string"})))
    }
}

impl DocumentedOutput for &'static str {
    fn output_doc() -> BodySchema {
        String::output_doc()
    }
}

impl DocumentedOutput for Vec<u8> {
    fn output_doc() -> BodySchema {
        BodySchema::new(
            "application/octet-stream",
            Some(json!({"type": "string", "format": "binary"})),
        )
    }
}

impl DocumentedOutput for () {
    fn output_doc() -> BodySchema {
        BodySchema::empty()
    }
}

impl DocumentedOutput for StatusCode {
    fn output_doc() -> BodySchema {
        BodySchema::empty()
    }
}

impl<T: DocumentedOutput> DocumentedOutput for (StatusCode, T) {
    fn output_doc() -> BodySchema {
        T::output_doc()
    }
}

impl<T: DocumentedOutput, E> DocumentedOutput for Result<T, E> {
    fn output_doc() -> BodySchema {
        T::output_doc()
    }
}

/// The response body of a documented return type.
pub trait OutputSchema {
    /// The body of a successful response.
    fn output_schema(&self) -> Option<BodySchema>;
}

impl<T: DocumentedOutput> OutputSchema for &Probe<T> {
    fn output_schema(&self) -> Option<BodySchema> {
        Some(T::output_doc())
    }
}

/// The response body of any other return type (a [`crate::Response`] built by
/// hand, `impl IntoResponse`): unknown.
pub trait OutputSchemaFallback {
    /// `None`.
    fn output_schema(&self) -> Option<BodySchema>;
}

impl<T: ?Sized> OutputSchemaFallback for Probe<T> {
    fn output_schema(&self) -> Option<BodySchema> {
        None
    }
}

/// Adds an argument's part of the request to `schemas`.
pub fn add_input(schemas: &mut RouteSchemas, input: Option<InputDoc>) {
    match input {
        Some(InputDoc::Query(schema)) => schemas.query = Some(schema),
        Some(InputDoc::Body(body)) => schemas.body = Some(body),
        None => {}
    }
}

#[cfg(test)]
// The probes are called as `#[route]` calls them, one reference deeper than
// the fallback needs: that depth is what picks the type's own answer.
#[allow(clippy::needless_borrow)]
mod tests {
    use super::*;

    #[derive(schemars::JsonSchema, serde::Deserialize)]
    #[allow(dead_code)]
    struct Page {
        limit: u32,
    }

    #[allow(dead_code)]
    struct NoSchema;

    #[test]
    fn typed_parameters_have_their_schema_and_others_are_strings() {
        assert_eq!((&&Probe::<u64>::new()).param_schema()["type"], "integer");
        assert_eq!((&&Probe::<String>::new()).param_schema()["type"], "string");
        assert_eq!(
            (&&Probe::<NoSchema>::new()).param_schema(),
            json!({"type": "string"})
        );
    }

    #[test]
    fn extractors_document_query_and_body() {
        let Some(InputDoc::Query(query)) = (&&Probe::<Query<Page>>::new()).input_schema() else {
            panic!("no query");
        };
        assert_eq!(query["properties"]["limit"]["type"], "integer");
        let Some(InputDoc::Body(body)) = (&&Probe::<Json<Page>>::new()).input_schema() else {
            panic!("no body");
        };
        assert_eq!(body.content_type.as_deref(), Some("application/json"));
        assert!((&&Probe::<Json<NoSchema>>::new()).input_schema().is_none());
        assert!((&&Probe::<crate::Headers>::new()).input_schema().is_none());
    }

    #[test]
    fn return_types_document_the_response() {
        let body = (&&Probe::<Result<Json<Page>, crate::ChaliceError>>::new())
            .output_schema()
            .unwrap();
        assert_eq!(body.schema.unwrap()["required"], json!(["limit"]));
        let text = (&&Probe::<(StatusCode, &'static str)>::new())
            .output_schema()
            .unwrap();
        assert_eq!(text.content_type.as_deref(), Some("text/plain"));
        assert_eq!(
            (&&Probe::<StatusCode>::new()).output_schema(),
            Some(BodySchema::empty())
        );
        assert!((&&Probe::<Json<NoSchema>>::new()).output_schema().is_none());
        assert!((&&Probe::<crate::Response>::new())
            .output_schema()
            .is_none());
    }
}

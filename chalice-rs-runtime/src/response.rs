//! Responses: the [`Response`] type, its builder, and [`IntoResponse`].

use crate::error::ChaliceError;
use http::header::{HeaderName, HeaderValue, CONTENT_TYPE};
use http::{HeaderMap, StatusCode};
use serde::Serialize;

/// The body of a response.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Body {
    /// No body.
    #[default]
    Empty,
    /// A UTF-8 body, sent as is.
    Text(String),
    /// A binary body, sent base64-encoded with `isBase64Encoded: true`.
    Binary(Vec<u8>),
}

/// An HTTP response: a status, headers (repeatable, such as `Set-Cookie`) and a body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    status: StatusCode,
    headers: HeaderMap,
    body: Body,
}

impl Default for Response {
    fn default() -> Self {
        Self {
            status: StatusCode::OK,
            headers: HeaderMap::new(),
            body: Body::Empty,
        }
    }
}

impl Response {
    /// A builder starting at 200 with no headers.
    ///
    /// ```
    /// use chalice_rs_runtime::Response;
    /// let response = Response::builder()
    ///     .status(201)
    ///     .header("set-cookie", "a=1")
    ///     .header("set-cookie", "b=2")
    ///     .text("created");
    /// assert_eq!(response.status().as_u16(), 201);
    /// assert_eq!(response.headers().get_all("set-cookie").iter().count(), 2);
    /// ```
    pub fn builder() -> ResponseBuilder {
        ResponseBuilder::default()
    }
    /// The status code.
    pub fn status(&self) -> StatusCode {
        self.status
    }
    /// The headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }
    /// The headers, to change.
    pub fn headers_mut(&mut self) -> &mut HeaderMap {
        &mut self.headers
    }
    /// The body.
    pub fn body(&self) -> &Body {
        &self.body
    }
    /// The body's bytes (empty for no body).
    pub fn body_bytes(&self) -> &[u8] {
        match &self.body {
            Body::Empty => &[],
            Body::Text(text) => text.as_bytes(),
            Body::Binary(bytes) => bytes,
        }
    }
    /// Splits the response into its parts.
    pub fn into_parts(self) -> (StatusCode, HeaderMap, Body) {
        (self.status, self.headers, self.body)
    }
}

/// Builds a [`Response`]; finish with [`text`](Self::text), [`binary`](Self::binary),
/// [`json`](Self::json) or [`empty`](Self::empty).
#[derive(Debug, Default)]
pub struct ResponseBuilder {
    response: Response,
}

impl ResponseBuilder {
    /// Sets the status. A number outside 100..=999 becomes 500 and is logged.
    pub fn status(mut self, status: impl TryInto<StatusCode>) -> Self {
        self.response.status = status.try_into().unwrap_or_else(|_| {
            eprintln!("chalice-rs: invalid status code in a response; answering 500");
            StatusCode::INTERNAL_SERVER_ERROR
        });
        self
    }
    /// Appends a header (a repeated name keeps every value). An invalid name or
    /// value is logged and skipped.
    pub fn header(mut self, name: impl AsRef<str>, value: impl AsRef<str>) -> Self {
        match (
            HeaderName::try_from(name.as_ref()),
            HeaderValue::try_from(value.as_ref()),
        ) {
            (Ok(name), Ok(value)) => {
                self.response.headers.append(name, value);
            }
            _ => eprintln!(
                "chalice-rs: skipping invalid response header `{}`",
                name.as_ref()
            ),
        }
        self
    }
    fn default_content_type(&mut self, content_type: &'static str) {
        if !self.response.headers.contains_key(CONTENT_TYPE) {
            self.response
                .headers
                .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
        }
    }
    /// Finishes with a text body (`text/plain; charset=utf-8` unless a content type is set).
    pub fn text(mut self, body: impl Into<String>) -> Response {
        self.default_content_type("text/plain; charset=utf-8");
        self.response.body = Body::Text(body.into());
        self.response
    }
    /// Finishes with a binary body (`application/octet-stream` unless a content type is set).
    pub fn binary(mut self, body: impl Into<Vec<u8>>) -> Response {
        self.default_content_type("application/octet-stream");
        self.response.body = Body::Binary(body.into());
        self.response
    }
    /// Finishes with a JSON body (`application/json` unless a content type is set).
    pub fn json<T: Serialize + ?Sized>(self, value: &T) -> Response {
        // Only `T`'s own `serialize` runs in the caller's crate (at its
        // optimisation level, none in debug builds); serde_json's writer
        // runs here, behind `dyn`, with the same output and errors.
        let value: &dyn erased_serde::Serialize = &value;
        self.json_dyn(value)
    }
    /// Not generic, so compiled in this crate.
    fn json_dyn(self, value: &dyn erased_serde::Serialize) -> Response {
        self.json_direct(value)
    }
    /// [`json`](Self::json) without the `dyn` serializer, for this crate's
    /// callers (compiled here, optimised).
    pub(crate) fn json_direct<T: Serialize + ?Sized>(mut self, value: &T) -> Response {
        match serde_json::to_string(value) {
            Ok(text) => {
                self.default_content_type("application/json");
                self.response.body = Body::Text(text);
                self.response
            }
            Err(error) => ChaliceError::from(error).into_response(),
        }
    }
    /// Finishes with no body.
    pub fn empty(self) -> Response {
        self.response
    }
}

/// What a handler may return: anything that becomes a [`Response`].
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned from a handler",
    label = "this type does not implement `IntoResponse`",
    note = "return `Json<T>`, `String`, `&'static str`, `Vec<u8>`, `Response`, `(StatusCode, T)`, `()` or `Result<T, E>` where `E: Into<ChaliceError>`"
)]
pub trait IntoResponse {
    /// Converts into a response.
    fn into_response(self) -> Response;
}

impl IntoResponse for Response {
    fn into_response(self) -> Response {
        self
    }
}

impl IntoResponse for () {
    fn into_response(self) -> Response {
        Response::default()
    }
}

impl IntoResponse for StatusCode {
    fn into_response(self) -> Response {
        Response::builder().status(self).empty()
    }
}

impl IntoResponse for String {
    fn into_response(self) -> Response {
        Response::builder().text(self)
    }
}

impl IntoResponse for &'static str {
    fn into_response(self) -> Response {
        Response::builder().text(self)
    }
}

impl IntoResponse for Vec<u8> {
    fn into_response(self) -> Response {
        Response::builder().binary(self)
    }
}

impl IntoResponse for serde_json::Value {
    fn into_response(self) -> Response {
        Response::builder().json_direct(&self)
    }
}

impl<T: IntoResponse> IntoResponse for (StatusCode, T) {
    fn into_response(self) -> Response {
        let mut response = self.1.into_response();
        response.status = self.0;
        response
    }
}

impl<T: IntoResponse, E: Into<ChaliceError>> IntoResponse for Result<T, E> {
    fn into_response(self) -> Response {
        match self {
            Ok(value) => value.into_response(),
            Err(error) => error.into().into_response(),
        }
    }
}

/// A JSON body: as an extractor it parses the request body, as a return value
/// it serialises the response body with `Content-Type: application/json`.
///
/// As an extractor, a body that is not JSON of type `T` answers 400
/// `BadRequestError` with serde's message; an empty body too.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Json<T>(pub T);

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        Response::builder().json(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_sets_content_type() {
        let response = Json(serde_json::json!({"a": 1})).into_response();
        assert_eq!(response.headers()[CONTENT_TYPE], "application/json");
        assert_eq!(response.body_bytes(), br#"{"a":1}"#);
    }

    #[test]
    fn json_through_dyn_is_json_written_directly() {
        #[derive(Serialize)]
        struct Item<'a> {
            name: &'a str,
            price: u32,
            tags: Vec<&'a str>,
            note: Option<f64>,
        }
        let item = Item {
            name: "caf\u{e9} \"q\"\n",
            price: 1234,
            tags: vec!["a", "b"],
            note: None,
        };
        assert_eq!(
            Response::builder().status(201).json(&item),
            Response::builder().status(201).json_direct(&item)
        );
        let value = serde_json::json!({"a": [1, 2.5, null], "b": {"c": true}});
        assert_eq!(
            Response::builder().json(&value),
            value.clone().into_response()
        );
        // serde_json's own error (a map key that is not a string): the same 500.
        let bad: std::collections::BTreeMap<Vec<u8>, u8> = [(vec![1], 2)].into();
        let response = Response::builder().json(&bad);
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(response, Response::builder().json_direct(&bad));
    }

    #[test]
    fn status_tuple_overrides_status() {
        let response = (StatusCode::CREATED, "made").into_response();
        assert_eq!(response.status(), StatusCode::CREATED);
        assert_eq!(response.body(), &Body::Text("made".into()));
    }

    #[test]
    fn bytes_are_binary() {
        let response = vec![0u8, 159, 146, 150].into_response();
        assert_eq!(response.body(), &Body::Binary(vec![0, 159, 146, 150]));
        assert_eq!(response.headers()[CONTENT_TYPE], "application/octet-stream");
    }

    #[test]
    fn errors_in_results_become_chalice_errors() {
        let result: Result<&'static str, ChaliceError> = Err(ChaliceError::conflict("taken"));
        assert_eq!(result.into_response().status(), StatusCode::CONFLICT);
    }

    #[test]
    fn invalid_header_is_skipped_not_panicking() {
        let response = Response::builder().header("bad name", "x").text("ok");
        assert!(
            response.headers().is_empty()
                || !response.headers().contains_key(CONTENT_TYPE)
                || response.headers().len() == 1
        );
    }
}

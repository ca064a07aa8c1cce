//! Chalice's error type: a status code, a `Code` and a `Message`.

use crate::response::{IntoResponse, Response};
use http::StatusCode;
use std::fmt;

/// The kinds of errors a handler can answer with, as in Chalice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// 400 `BadRequestError`.
    BadRequest,
    /// 401 `UnauthorizedError`.
    Unauthorized,
    /// 403 `ForbiddenError`.
    Forbidden,
    /// 404 `NotFoundError`.
    NotFound,
    /// 405 `MethodNotAllowedError`.
    MethodNotAllowed,
    /// 408 `RequestTimeoutError`.
    RequestTimeout,
    /// 409 `ConflictError`.
    Conflict,
    /// 415 `UnsupportedMediaType`.
    UnsupportedMediaType,
    /// 422 `UnprocessableEntityError`.
    UnprocessableEntity,
    /// 429 `TooManyRequestsError`.
    TooManyRequests,
    /// 500 `ChaliceViewError`: an error the handler chose to report.
    ChaliceView,
    /// 500 `InternalServerError`: an unexpected error or a panic; the details are
    /// logged, never sent.
    InternalServer,
}

impl ErrorKind {
    /// The HTTP status of this kind.
    pub fn status(self) -> StatusCode {
        match self {
            ErrorKind::BadRequest => StatusCode::BAD_REQUEST,
            ErrorKind::Unauthorized => StatusCode::UNAUTHORIZED,
            ErrorKind::Forbidden => StatusCode::FORBIDDEN,
            ErrorKind::NotFound => StatusCode::NOT_FOUND,
            ErrorKind::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ErrorKind::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            ErrorKind::Conflict => StatusCode::CONFLICT,
            ErrorKind::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorKind::UnprocessableEntity => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorKind::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            ErrorKind::ChaliceView | ErrorKind::InternalServer => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The `Code` field of the JSON body, as Chalice names it.
    pub fn code(self) -> &'static str {
        match self {
            ErrorKind::BadRequest => "BadRequestError",
            ErrorKind::Unauthorized => "UnauthorizedError",
            ErrorKind::Forbidden => "ForbiddenError",
            ErrorKind::NotFound => "NotFoundError",
            ErrorKind::MethodNotAllowed => "MethodNotAllowedError",
            ErrorKind::RequestTimeout => "RequestTimeoutError",
            ErrorKind::Conflict => "ConflictError",
            ErrorKind::UnsupportedMediaType => "UnsupportedMediaType",
            ErrorKind::UnprocessableEntity => "UnprocessableEntityError",
            ErrorKind::TooManyRequests => "TooManyRequestsError",
            ErrorKind::ChaliceView => "ChaliceViewError",
            ErrorKind::InternalServer => "InternalServerError",
        }
    }
}

/// An error a handler answers with: `{"Code": "NotFoundError", "Message": "..."}`.
///
/// Build one with the constructor of its kind (`ChaliceError::not_found("no item 3")`)
/// and return it from a handler returning `Result<_, ChaliceError>`. Any other
/// error type converts with `?` into a 500 `InternalServerError` whose details
/// go to the log (CloudWatch), not to the client.
///
/// ```
/// use chalice_rs_runtime::ChaliceError;
/// let err = ChaliceError::not_found("no item 3");
/// assert_eq!(err.status().as_u16(), 404);
/// assert_eq!(err.code(), "NotFoundError");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChaliceError {
    kind: ErrorKind,
    message: String,
}

impl ChaliceError {
    /// An error of `kind` with `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }
    /// 400 `BadRequestError`.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::BadRequest, message)
    }
    /// 401 `UnauthorizedError`.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unauthorized, message)
    }
    /// 403 `ForbiddenError`.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Forbidden, message)
    }
    /// 404 `NotFoundError`.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound, message)
    }
    /// 405 `MethodNotAllowedError`.
    pub fn method_not_allowed(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::MethodNotAllowed, message)
    }
    /// 408 `RequestTimeoutError`.
    pub fn request_timeout(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::RequestTimeout, message)
    }
    /// 409 `ConflictError`.
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Conflict, message)
    }
    /// 415 `UnsupportedMediaType`.
    pub fn unsupported_media_type(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::UnsupportedMediaType, message)
    }
    /// 422 `UnprocessableEntityError`.
    pub fn unprocessable_entity(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::UnprocessableEntity, message)
    }
    /// 429 `TooManyRequestsError`.
    pub fn too_many_requests(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::TooManyRequests, message)
    }
    /// 500 `ChaliceViewError` with a message the client sees.
    pub fn view(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::ChaliceView, message)
    }
    /// 500 `InternalServerError` with Chalice's generic message; log the cause yourself.
    pub fn internal() -> Self {
        Self::new(
            ErrorKind::InternalServer,
            "An internal server error occurred.",
        )
    }

    /// The kind of error.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }
    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.kind.status()
    }
    /// The `Code` field.
    pub fn code(&self) -> &'static str {
        self.kind.code()
    }
    /// The `Message` field.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for ChaliceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code(), self.message)
    }
}

/// Any error converts into a 500 `InternalServerError`; the error itself is
/// written to standard error (the function's log), never to the client.
impl<E: std::error::Error + Send + Sync + 'static> From<E> for ChaliceError {
    fn from(error: E) -> Self {
        eprintln!("chalice-rs: handler error: {error}");
        let mut source = error.source();
        while let Some(cause) = source {
            eprintln!("  caused by: {cause}");
            source = cause.source();
        }
        ChaliceError::internal()
    }
}

impl IntoResponse for ChaliceError {
    fn into_response(self) -> Response {
        #[derive(serde::Serialize)]
        struct Body<'a> {
            #[serde(rename = "Code")]
            code: &'a str,
            #[serde(rename = "Message")]
            message: &'a str,
        }
        // `application/json`, as a static header value (nothing to parse or copy).
        Response::builder()
            .status(self.status())
            .json_direct(&Body {
                code: self.code(),
                message: &self.message,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_chalice_status_and_code() {
        let cases = [
            (ChaliceError::bad_request("m"), 400, "BadRequestError"),
            (ChaliceError::unauthorized("m"), 401, "UnauthorizedError"),
            (ChaliceError::forbidden("m"), 403, "ForbiddenError"),
            (ChaliceError::not_found("m"), 404, "NotFoundError"),
            (
                ChaliceError::method_not_allowed("m"),
                405,
                "MethodNotAllowedError",
            ),
            (
                ChaliceError::request_timeout("m"),
                408,
                "RequestTimeoutError",
            ),
            (ChaliceError::conflict("m"), 409, "ConflictError"),
            (
                ChaliceError::unsupported_media_type("m"),
                415,
                "UnsupportedMediaType",
            ),
            (
                ChaliceError::unprocessable_entity("m"),
                422,
                "UnprocessableEntityError",
            ),
            (
                ChaliceError::too_many_requests("m"),
                429,
                "TooManyRequestsError",
            ),
            (ChaliceError::view("m"), 500, "ChaliceViewError"),
        ];
        for (err, status, code) in cases {
            assert_eq!(err.status().as_u16(), status);
            assert_eq!(err.code(), code);
            let response = err.into_response();
            let body: serde_json::Value = serde_json::from_slice(response.body_bytes()).unwrap();
            assert_eq!(body, serde_json::json!({"Code": code, "Message": "m"}));
        }
    }

    #[test]
    fn foreign_errors_become_internal_errors() {
        let parse: Result<u8, _> = "x".parse::<u8>();
        let err: ChaliceError = parse.unwrap_err().into();
        assert_eq!(err.kind(), ErrorKind::InternalServer);
        assert_eq!(err.status().as_u16(), 500);
    }
}

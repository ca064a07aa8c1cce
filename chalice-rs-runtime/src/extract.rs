//! Extractors: handler arguments built from the request.
//!
//! A handler argument whose name matches a `<param>` of the route is parsed from
//! the path with [`FromStr`]; any other argument's type must implement
//! [`FromRequest`].

use crate::error::ChaliceError;
use crate::request::Request;
use crate::response::Json;
use http::HeaderMap;
use serde::de::DeserializeOwned;
use std::fmt::Display;
use std::str::FromStr;

/// A handler argument built from the request.
///
/// On failure the error is the response: a 400 for a malformed body or query,
/// a 500 for missing state.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is neither a path parameter nor an extractor",
    label = "not a `<param>` of the route, and `{Self}` does not implement `FromRequest`",
    note = "an argument named like a `<param>` in the path is parsed from the path; any other argument must be an extractor: `Json<T>`, `Query<T>`, `Headers`, `RawBody`, `TextBody`, `State<T>` or `Request` (and in WebSocket handlers `WebsocketContext` and `Connections`)"
)]
pub trait FromRequest: Sized {
    /// Builds the value from the request.
    fn from_request(request: &Request) -> Result<Self, ChaliceError>;
}

impl FromRequest for Request {
    fn from_request(request: &Request) -> Result<Self, ChaliceError> {
        Ok(request.clone())
    }
}

impl<T: FromRequest> FromRequest for Option<T> {
    fn from_request(request: &Request) -> Result<Self, ChaliceError> {
        Ok(T::from_request(request).ok())
    }
}

impl<T: DeserializeOwned> FromRequest for Json<T> {
    fn from_request(request: &Request) -> Result<Self, ChaliceError> {
        request.json().map(Json)
    }
}

/// The query string deserialised into `T` (the last value of a repeated name).
///
/// A missing or malformed parameter answers 400 `BadRequestError` naming it.
/// For every value of a repeated name use [`Request::query_all`].
///
/// ```
/// use chalice_rs_runtime::{route, Query};
/// #[derive(serde::Deserialize)]
/// struct Page { limit: Option<u32> }
///
/// #[route("/things", methods = [GET])]
/// async fn things(Query(page): Query<Page>) -> String {
///     format!("limit={:?}", page.limit)
/// }
/// # fn main() {}
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Query<T>(pub T);

impl<T: DeserializeOwned> FromRequest for Query<T> {
    fn from_request(request: &Request) -> Result<Self, ChaliceError> {
        // The last value of each name wins, as in `queryStringParameters`.
        let mut pairs: Vec<(&str, &str)> = Vec::new();
        for (name, value) in request.query_pairs() {
            match pairs.iter_mut().find(|(n, _)| *n == name) {
                Some(pair) => pair.1 = value,
                None => pairs.push((name, value)),
            }
        }
        let encoded = serde_urlencoded::to_string(&pairs).unwrap_or_default();
        let deserializer =
            serde_urlencoded::Deserializer::new(form_urlencoded::parse(encoded.as_bytes()));
        serde_path_to_error::deserialize(deserializer)
            .map(Query)
            .map_err(|error| {
                let path = error.path().to_string();
                let error = error.into_inner();
                if path == "." {
                    ChaliceError::bad_request(format!("invalid query string: {error}"))
                } else {
                    ChaliceError::bad_request(format!(
                        "invalid query string: parameter `{path}`: {error}"
                    ))
                }
            })
    }
}

/// All request headers (repeated headers keep every value).
#[derive(Debug, Clone, Default)]
pub struct Headers(pub HeaderMap);

impl FromRequest for Headers {
    fn from_request(request: &Request) -> Result<Self, ChaliceError> {
        Ok(Headers(request.headers().clone()))
    }
}

/// The raw request body, base64 bodies decoded (binary uploads).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawBody(pub Vec<u8>);

impl FromRequest for RawBody {
    fn from_request(request: &Request) -> Result<Self, ChaliceError> {
        request.body().map(|body| RawBody(body.to_vec()))
    }
}

/// The request body as UTF-8 text; 400 when it is not UTF-8.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TextBody(pub String);

impl FromRequest for TextBody {
    fn from_request(request: &Request) -> Result<Self, ChaliceError> {
        request.text().map(|text| TextBody(text.to_owned()))
    }
}

/// Shared state of type `T`, registered once per instance with [`App::state`](crate::App::state).
///
/// A `T` that was never registered answers 500 and logs which type is missing.
#[derive(Debug, Clone, Copy, Default)]
pub struct State<T>(pub T);

impl<T: Clone + Send + Sync + 'static> FromRequest for State<T> {
    fn from_request(request: &Request) -> Result<Self, ChaliceError> {
        match request.app().get::<T>() {
            Some(value) => Ok(State(value)),
            None => {
                eprintln!(
                    "chalice-rs: no state of type `{}`; register it with `App::new().state(..)`",
                    std::any::type_name::<T>()
                );
                Err(ChaliceError::internal())
            }
        }
    }
}

/// Parses path parameter `name` with [`FromStr`]; 400 naming the parameter when
/// it is absent or does not parse.
pub fn path_param<T>(request: &Request, name: &str) -> Result<T, ChaliceError>
where
    T: FromStr,
    T::Err: Display,
{
    let Some(raw) = request.path_param(name) else {
        return Err(ChaliceError::bad_request(format!(
            "missing path parameter `{name}`"
        )));
    };
    raw.parse().map_err(|error: T::Err| {
        ChaliceError::bad_request(format!(
            "invalid value `{raw}` for path parameter `{name}`: {error}"
        ))
    })
}

//! Extractors: handler arguments built from the request.
//!
//! A handler argument whose name matches a `<param>` of the route is parsed from
//! the path with [`FromStr`], percent-decoded once ([`path_param`]); any other
//! argument's type must implement [`FromRequest`].

use crate::error::ChaliceError;
use crate::path_value;
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

/// Parses path parameter `name` with [`FromStr`] after percent-decoding it
/// once (API Gateway passes it as the client encoded it: `Le%20Guin` is
/// parsed from `Le Guin`, `a%2Fb` from `a/b`; `+` stays `+`). 400 naming the
/// parameter when it is absent, when an escape is malformed or decodes to
/// bytes that are not UTF-8, or when the text does not parse.
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
    let text = path_value::decode(raw).map_err(|error| {
        ChaliceError::bad_request(format!(
            "invalid value `{raw}` for path parameter `{name}`: {error}"
        ))
    })?;
    text.parse().map_err(|error: T::Err| {
        ChaliceError::bad_request(format!(
            "invalid value `{text}` for path parameter `{name}`: {error}"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::App;
    use crate::error::ErrorKind;
    use aws_lambda_events::apigw::ApiGatewayProxyRequest;

    fn request(name: &str, raw: &str) -> Request {
        let mut event = ApiGatewayProxyRequest::default();
        event
            .path_parameters
            .insert(name.to_owned(), raw.to_owned());
        Request::from_event(event, None, App::new())
    }

    #[test]
    fn a_typed_path_parameter_is_decoded_once() {
        let name: String = path_param(&request("author", "Le%20Guin"), "author").unwrap();
        assert_eq!(name, "Le Guin");
        let rest: String = path_param(&request("path", "a%2Fb/c%2525"), "path").unwrap();
        assert_eq!(rest, "a/b/c%25");
        let plus: String = path_param(&request("q", "a+b"), "q").unwrap();
        assert_eq!(plus, "a+b");
        let id: u64 = path_param(&request("id", "%34%32"), "id").unwrap();
        assert_eq!(id, 42);
        // Raw access keeps what API Gateway sent.
        assert_eq!(
            request("author", "Le%20Guin").path_param("author"),
            Some("Le%20Guin")
        );
    }

    #[test]
    fn undecodable_values_are_400s_naming_the_parameter() {
        let cases = [
            (
                "%zz",
                "invalid value `%zz` for path parameter `id`: `%zz` at byte 0 is not a percent-escape (`%` and two hex digits)",
            ),
            (
                "caf%C3",
                "invalid value `caf%C3` for path parameter `id`: the bytes decoded from `%C3` at byte 3 are not UTF-8",
            ),
            (
                "Le%20Guin",
                "invalid value `Le Guin` for path parameter `id`: invalid digit found in string",
            ),
        ];
        for (raw, message) in cases {
            let error = path_param::<u64>(&request("id", raw), "id").unwrap_err();
            assert_eq!(error.kind(), ErrorKind::BadRequest, "{raw}");
            assert_eq!(error.message(), message, "{raw}");
        }
        // A String gets no lossy replacement either.
        let error = path_param::<String>(&request("name", "%FF"), "name").unwrap_err();
        assert_eq!(error.kind(), ErrorKind::BadRequest);
        assert!(error.message().contains("`name`"), "{}", error.message());
    }

    #[test]
    fn a_missing_parameter_is_named() {
        let error = path_param::<String>(&request("id", "7"), "other").unwrap_err();
        assert_eq!(error.message(), "missing path parameter `other`");
    }
}

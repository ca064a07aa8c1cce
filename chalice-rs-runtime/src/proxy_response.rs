//! The `api` function's answer to Lambda: a [`Response`] written as the
//! JSON of the proxy response [`to_proxy_response`] makes of it.
//!
//! `aws_lambda_events` writes `multiValueHeaders` by copying every header
//! value into a `String` of a new `Vec` per name; this writes the same
//! JSON (the same error for a value that is not UTF-8) from the response's
//! own headers.
//!
//! [`to_proxy_response`]: crate::dispatch::to_proxy_response

use crate::response::{Body, Response};
use base64::display::Base64Display;
use base64::engine::general_purpose::STANDARD;
use http::header::GetAll;
use http::{HeaderMap, HeaderValue};
use serde::ser::{Error as _, SerializeMap, SerializeSeq, SerializeStruct};
use serde::{Serialize, Serializer};

/// A response, serialised as API Gateway's proxy response.
#[derive(Debug)]
pub(crate) struct ProxyResponse(pub(crate) Response);

impl Serialize for ProxyResponse {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let response = &self.0;
        // The members, names and order of `ApiGatewayProxyResponse`.
        let mut proxy = serializer.serialize_struct("ApiGatewayProxyResponse", 5)?;
        proxy.serialize_field("statusCode", &i64::from(response.status().as_u16()))?;
        proxy.serialize_field("headers", &NoHeaders)?;
        proxy.serialize_field("multiValueHeaders", &MultiValueHeaders(response.headers()))?;
        match response.body() {
            Body::Empty => proxy.serialize_field("body", "")?,
            Body::Text(text) => proxy.serialize_field("body", text)?,
            Body::Binary(bytes) => proxy.serialize_field("body", &Base64(bytes))?,
        }
        let binary = matches!(response.body(), Body::Binary(_));
        proxy.serialize_field("isBase64Encoded", &binary)?;
        proxy.end()
    }
}

/// `headers`: empty, every header is in `multiValueHeaders`.
struct NoHeaders;

impl Serialize for NoHeaders {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_map(Some(0))?.end()
    }
}

/// `multiValueHeaders`: each name with the array of its values.
struct MultiValueHeaders<'a>(&'a HeaderMap);

impl Serialize for MultiValueHeaders<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.keys_len()))?;
        for name in self.0.keys() {
            map.serialize_entry(name.as_str(), &Values(self.0.get_all(name)))?;
        }
        map.end()
    }
}

/// One header's values, as strings.
struct Values<'a>(GetAll<'a, HeaderValue>);

impl Serialize for Values<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // A value that is not UTF-8 fails the whole response with
        // `FromUtf8Error`'s message, as in `aws_lambda_events`.
        let mut seq = serializer.serialize_seq(Some(self.0.iter().count()))?;
        for value in self.0.iter() {
            seq.serialize_element(
                std::str::from_utf8(value.as_bytes()).map_err(S::Error::custom)?,
            )?;
        }
        seq.end()
    }
}

/// A binary body, base64-encoded as it is written.
struct Base64<'a>(&'a [u8]);

impl Serialize for Base64<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&Base64Display::new(self.0, &STANDARD))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dispatch::to_proxy_response;
    use crate::error::ChaliceError;
    use crate::response::IntoResponse;

    /// The JSON (or the error's message) `aws_lambda_events` writes, and this.
    fn both(response: Response) -> (Result<Vec<u8>, String>, Result<Vec<u8>, String>) {
        let direct =
            serde_json::to_vec(&ProxyResponse(response.clone())).map_err(|e| e.to_string());
        let reference = serde_json::to_vec(&to_proxy_response(response)).map_err(|e| e.to_string());
        (direct, reference)
    }

    #[test]
    fn it_writes_what_aws_lambda_events_writes() {
        let responses = [
            Response::default(),
            Response::builder().status(204).empty(),
            ChaliceError::not_found("no item 1").into_response(),
            Response::builder()
                .header("set-cookie", "a=1")
                .header("Set-Cookie", "b=2")
                .header("x-quoted", "\"q\" \\ é")
                .text("caf\u{e9} \"x\"\n"),
            Response::builder()
                .header("content-type", "image/png")
                .binary(vec![0x89, b'P', b'N', b'G', 0xff, 0x00]),
            Response::builder().binary(Vec::new()),
        ];
        for response in responses {
            let (direct, reference) = both(response);
            assert!(reference.is_ok());
            assert_eq!(
                direct.as_deref().map(String::from_utf8_lossy),
                reference.as_deref().map(String::from_utf8_lossy)
            );
        }
    }

    #[test]
    fn a_header_value_that_is_not_utf8_is_the_same_error() {
        let mut response = Response::builder().header("x-a", "ok").text("body");
        let value = HeaderValue::from_bytes(b"caf\xe9").unwrap();
        response
            .headers_mut()
            .append(http::header::HeaderName::from_static("x-a"), value);
        let (direct, reference) = both(response);
        let message = reference.unwrap_err();
        assert!(message.contains("utf-8"), "{message}");
        assert_eq!(direct.unwrap_err(), message);
    }
}

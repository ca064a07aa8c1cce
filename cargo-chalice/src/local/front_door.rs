//! What API Gateway's front door does with a request before routing it: it
//! refuses one over its size limits
//! ([`chalice_rs_runtime::gateway_limits`]: 414, 431, 413 in plain text), and
//! it hands the function header values as text.
//!
//! HTTP allows any byte from 0x80 in a header value; the proxy event is
//! JSON, so a value that is not UTF-8 reaches the function read lossily
//! (each invalid sequence becomes U+FFFD) instead of making the event
//! impossible to write.

use bytes::Bytes;
use chalice_rs_runtime::gateway_limits::{self, Oversized};
use http::{HeaderMap, HeaderValue, Method, Response, Uri};
use http_body_util::Full;

/// Checks the request line and the header lines against API Gateway's limits.
pub fn check_head(method: &Method, uri: &Uri, headers: &HeaderMap) -> Result<(), Oversized> {
    let target = uri.path_and_query().map_or("/", |target| target.as_str());
    gateway_limits::check_head(method, target, headers)
}

/// The front door's answer to an oversized request.
pub fn refusal(oversized: Oversized) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from_static(
        oversized.message().as_bytes(),
    )));
    *response.status_mut() =
        http::StatusCode::from_u16(oversized.status()).unwrap_or(http::StatusCode::BAD_REQUEST);
    *response.headers_mut() = oversized.headers();
    response
}

/// `headers` with every value valid UTF-8 (invalid sequences replaced);
/// returned as it is, without a copy, in the usual case where all are.
pub fn headers_as_text(headers: HeaderMap) -> HeaderMap {
    if headers
        .values()
        .all(|value| std::str::from_utf8(value.as_bytes()).is_ok())
    {
        return headers;
    }
    let mut text = HeaderMap::with_capacity(headers.len());
    for (name, value) in &headers {
        let value = match std::str::from_utf8(value.as_bytes()) {
            Ok(_) => value.clone(),
            Err(_) => {
                let lossy = String::from_utf8_lossy(value.as_bytes());
                // U+FFFD is three bytes from 0x80, which a header value allows.
                HeaderValue::from_bytes(lossy.as_bytes()).unwrap_or_else(|_| value.clone())
            }
        };
        text.append(name.clone(), value);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_that_are_not_utf8_are_read_lossily_in_order() {
        let mut headers = HeaderMap::new();
        headers.append("x-tag", HeaderValue::from_static("a"));
        headers.append("x-tag", HeaderValue::from_bytes(b"b\xff").unwrap());
        headers.insert(
            "x-city",
            HeaderValue::from_bytes("Córdoba".as_bytes()).unwrap(),
        );
        let text = headers_as_text(headers);
        let tags: Vec<&[u8]> = text.get_all("x-tag").iter().map(|v| v.as_bytes()).collect();
        assert_eq!(tags, [b"a".as_slice(), "b\u{fffd}".as_bytes()]);
        assert_eq!(text["x-city"].as_bytes(), "Córdoba".as_bytes());
        assert!(text
            .values()
            .all(|v| std::str::from_utf8(v.as_bytes()).is_ok()));
    }

    #[test]
    fn the_event_with_such_headers_serialises() {
        let mut headers = HeaderMap::new();
        headers.insert("x-raw", HeaderValue::from_bytes(b"\xc3\x28").unwrap());
        let request = chalice_rs_runtime::gateway::HttpRequest {
            headers: headers_as_text(headers),
            path: "/".to_owned(),
            ..Default::default()
        };
        let matched = chalice_rs_runtime::gateway::Router::new([("/", "GET")])
            .route("GET", "/")
            .expect("routed");
        let event = chalice_rs_runtime::gateway::build_event(
            &request,
            &matched,
            &chalice_rs_runtime::gateway::EventSettings::default(),
            "id",
            0,
        );
        let json = serde_json::to_value(&event).expect("the event serialises");
        assert_eq!(json["headers"]["x-raw"], "\u{fffd}(");
    }

    #[test]
    fn refusals_are_the_front_doors() {
        let response = refusal(Oversized::Headers);
        assert_eq!(response.status(), 431);
        assert_eq!(response.headers()["content-type"], "text; charset=utf-8");
        let uri: Uri = format!("/search?q={}", "a".repeat(10_240)).parse().unwrap();
        assert_eq!(
            check_head(&Method::GET, &uri, &HeaderMap::new()),
            Err(Oversized::RequestLine)
        );
    }
}

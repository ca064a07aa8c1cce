//! API Gateway's size limits on a request, as the deployed REST API applies
//! them, for `cargo chalice local` and the test client.
//!
//! Its front door refuses what it will not read, before routing, keys,
//! authorizers or gateway responses, with a plain-text answer and no
//! `x-amzn-ErrorType` (a stage's `gateway_responses` cannot restyle it):
//!
//! | what | limit | answer |
//! |---|---|---|
//! | the request line | 10240 bytes | 414 `An HTTP line is larger than 10240 bytes.` |
//! | the header lines, together | 10240 bytes | 431 `HTTP header is larger than 10240 bytes.` |
//! | the body | 10485760 bytes | 413 `HTTP content length exceeded 10485760 bytes.` |
//!
//! A request within those limits whose proxy event is over Lambda's 6 MB
//! (a 10 MB body does not fit once in JSON, or base64) never reaches the
//! function either: API Gateway answers its `REQUEST_TOO_LARGE` gateway
//! response ([`GatewayResponse::RequestTooLarge`](crate::gateway::GatewayResponse::RequestTooLarge)).

use http::{HeaderMap, HeaderValue, Method};

pub use crate::gateway::MAX_BODY_BYTES;

/// The longest request line API Gateway reads (method, target, version).
pub const MAX_REQUEST_LINE_BYTES: usize = 10_240;

/// The most bytes of header lines (`name: value`) API Gateway reads.
pub const MAX_HEADER_BYTES: usize = 10_240;

/// The largest event Lambda accepts for a synchronous invocation: 6 MB.
pub const MAX_EVENT_BYTES: usize = 6 * 1024 * 1024;

/// A request API Gateway's front door refuses for its size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Oversized {
    /// The request line is over [`MAX_REQUEST_LINE_BYTES`] (a long URL): 414.
    RequestLine,
    /// The header lines are over [`MAX_HEADER_BYTES`] together: 431.
    Headers,
    /// The body is over [`MAX_BODY_BYTES`]: 413.
    Body,
}

impl Oversized {
    /// The status code.
    pub fn status(self) -> u16 {
        match self {
            Self::RequestLine => 414,
            Self::Headers => 431,
            Self::Body => 413,
        }
    }

    /// The body: one line of text.
    pub fn message(self) -> &'static str {
        match self {
            Self::RequestLine => "An HTTP line is larger than 10240 bytes.",
            Self::Headers => "HTTP header is larger than 10240 bytes.",
            Self::Body => "HTTP content length exceeded 10485760 bytes.",
        }
    }

    /// The headers: the content type API Gateway sends with these answers.
    pub fn headers(self) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static("text; charset=utf-8"),
        );
        headers
    }
}

/// Checks the request line (`method target HTTP/1.1`) and the header lines
/// against API Gateway's limits; `target` is the path and query as sent.
pub fn check_head(method: &Method, target: &str, headers: &HeaderMap) -> Result<(), Oversized> {
    let request_line = method.as_str().len() + 1 + target.len() + " HTTP/1.1".len();
    if request_line > MAX_REQUEST_LINE_BYTES {
        return Err(Oversized::RequestLine);
    }
    let mut header_bytes = 0_usize;
    for (name, value) in headers {
        header_bytes += name.as_str().len() + ": ".len() + value.len();
        if header_bytes > MAX_HEADER_BYTES {
            return Err(Oversized::Headers);
        }
    }
    Ok(())
}

/// Checks a body's length against API Gateway's 10 MB.
pub fn check_body(length: usize) -> Result<(), Oversized> {
    if length > MAX_BODY_BYTES {
        Err(Oversized::Body)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, String)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        map
    }

    #[test]
    fn the_request_line_may_be_10240_bytes_long() {
        // "GET " + target + " HTTP/1.1"
        let fits = format!("/search?q={}", "a".repeat(10_240 - 4 - 9 - 10));
        assert_eq!(check_head(&Method::GET, &fits, &HeaderMap::new()), Ok(()));
        let over = format!("{fits}a");
        assert_eq!(
            check_head(&Method::GET, &over, &HeaderMap::new()),
            Err(Oversized::RequestLine)
        );
    }

    #[test]
    fn header_lines_count_together() {
        // "host: 127.0.0.1:8000" is 20 bytes; "x-big: " 7.
        let host = ("host", "127.0.0.1:8000".to_owned());
        let fits = headers(&[host.clone(), ("x-big", "b".repeat(10_240 - 20 - 7))]);
        assert_eq!(check_head(&Method::GET, "/", &fits), Ok(()));
        let over = headers(&[host, ("x-big", "b".repeat(10_240 - 20 - 7 + 1))]);
        assert_eq!(
            check_head(&Method::GET, "/", &over),
            Err(Oversized::Headers)
        );
        // Repeated headers count each line.
        let repeated = headers(&[("x-a", "a".repeat(6_000)), ("x-a", "a".repeat(6_000))]);
        assert_eq!(
            check_head(&Method::GET, "/", &repeated),
            Err(Oversized::Headers)
        );
    }

    #[test]
    fn a_body_may_be_10_mb() {
        assert_eq!(check_body(MAX_BODY_BYTES), Ok(()));
        assert_eq!(check_body(MAX_BODY_BYTES + 1), Err(Oversized::Body));
    }

    #[test]
    fn answers_are_plain_text_without_an_error_type() {
        for oversized in [Oversized::RequestLine, Oversized::Headers, Oversized::Body] {
            let headers = oversized.headers();
            assert_eq!(headers["content-type"], "text; charset=utf-8");
            assert!(headers.get("x-amzn-errortype").is_none());
            assert!(oversized.message().ends_with(" bytes."));
        }
        assert_eq!(Oversized::Body.status(), 413);
        assert_eq!(Oversized::Headers.status(), 431);
        assert_eq!(Oversized::RequestLine.status(), 414);
    }
}

//! A path parameter's value, from what API Gateway passes to the text a
//! typed handler argument gets.
//!
//! A REST API's proxy event carries `pathParameters` as the client encoded
//! them (`/authors/Le%20Guin` gives `Le%20Guin`), in `cargo chalice local`
//! and the test client as deployed. A typed argument (`name: String`,
//! `id: u64`, `<rest..>`) gets the value percent-decoded once: `%20` is a
//! space, `%2F` a `/`, and `+` stays `+` (a path is not a form).

use percent_encoding::percent_decode_str;
use std::borrow::Cow;

/// Why a raw path value does not decode to text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum PathValueError {
    /// A `%` not followed by two hexadecimal digits.
    #[error("`{escape}` at byte {at} is not a percent-escape (`%` and two hex digits)")]
    MalformedEscape {
        /// The `%` and what follows it (up to two characters).
        escape: String,
        /// The byte offset of the `%` in the raw value.
        at: usize,
    },
    /// The decoded bytes are not UTF-8.
    #[error("the bytes decoded from `{escape}` at byte {at} are not UTF-8")]
    NotUtf8 {
        /// The raw text where the invalid bytes start (up to three characters).
        escape: String,
        /// The byte offset of that text in the raw value.
        at: usize,
    },
}

/// Percent-decodes `raw` once. Borrows when there is nothing to decode.
pub(crate) fn decode(raw: &str) -> Result<Cow<'_, str>, PathValueError> {
    if let Some(at) = malformed_escape(raw) {
        return Err(PathValueError::MalformedEscape {
            escape: excerpt(raw, at),
            at,
        });
    }
    percent_decode_str(raw).decode_utf8().map_err(|error| {
        let at = raw_offset(raw, error.valid_up_to());
        PathValueError::NotUtf8 {
            escape: excerpt(raw, at),
            at,
        }
    })
}

/// Up to three characters of `raw` from byte `at` (an escape's length).
fn excerpt(raw: &str, at: usize) -> String {
    raw.get(at..).unwrap_or_default().chars().take(3).collect()
}

/// The offset of the first `%` not followed by two hex digits.
fn malformed_escape(raw: &str) -> Option<usize> {
    let bytes = raw.as_bytes();
    bytes.iter().enumerate().find_map(|(at, byte)| {
        let well_formed = bytes
            .get(at + 1..at + 3)
            .is_some_and(|digits| digits.iter().all(u8::is_ascii_hexdigit));
        (*byte == b'%' && !well_formed).then_some(at)
    })
}

/// The offset in `raw` (well-formed escapes only) of the decoded byte
/// `decoded_at`.
fn raw_offset(raw: &str, decoded_at: usize) -> usize {
    let bytes = raw.as_bytes();
    let mut at = 0;
    for _ in 0..decoded_at {
        at += if bytes.get(at) == Some(&b'%') { 3 } else { 1 };
    }
    at.min(raw.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_decode_once_and_plus_stays() {
        assert_eq!(decode("Le%20Guin").unwrap(), "Le Guin");
        assert_eq!(decode("caf%C3%A9").unwrap(), "café");
        assert_eq!(decode("a%2Fb/c").unwrap(), "a/b/c");
        assert_eq!(decode("a+b").unwrap(), "a+b");
        assert_eq!(decode("100%2525").unwrap(), "100%25");
        assert_eq!(decode("%41%62").unwrap(), "Ab");
    }

    #[test]
    fn plain_text_is_borrowed() {
        assert!(matches!(
            decode("plain-id_7.txt").unwrap(),
            Cow::Borrowed(_)
        ));
        assert!(matches!(decode("é").unwrap(), Cow::Borrowed(_)));
        assert_eq!(decode("").unwrap(), "");
    }

    #[test]
    fn a_malformed_escape_is_named_with_its_offset() {
        let cases = [
            ("%zz", "%zz", 0),
            ("ab%4", "%4", 2),
            ("ab%", "%", 2),
            ("x%4g", "%4g", 1),
            ("ok%20then%", "%", 9),
            ("%%41", "%%4", 0),
        ];
        for (raw, escape, at) in cases {
            assert_eq!(
                decode(raw),
                Err(PathValueError::MalformedEscape {
                    escape: escape.to_owned(),
                    at
                }),
                "{raw}"
            );
        }
        let message = decode("a%zz").unwrap_err().to_string();
        assert_eq!(
            message,
            "`%zz` at byte 1 is not a percent-escape (`%` and two hex digits)"
        );
    }

    #[test]
    fn bytes_that_are_not_utf8_are_refused_not_replaced() {
        assert_eq!(
            decode("%FF"),
            Err(PathValueError::NotUtf8 {
                escape: "%FF".to_owned(),
                at: 0
            })
        );
        // A truncated two-byte sequence after valid text and escapes.
        assert_eq!(
            decode("a%20b%C3"),
            Err(PathValueError::NotUtf8 {
                escape: "%C3".to_owned(),
                at: 5
            })
        );
        // A lead byte followed by a literal character.
        assert_eq!(
            decode("é%C3x"),
            Err(PathValueError::NotUtf8 {
                escape: "%C3".to_owned(),
                at: 2
            })
        );
        assert_eq!(
            decode("%FF").unwrap_err().to_string(),
            "the bytes decoded from `%FF` at byte 0 are not UTF-8"
        );
    }
}

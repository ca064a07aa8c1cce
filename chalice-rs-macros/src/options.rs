//! `key = value` options of the attributes, and readers for their values.

use crate::diagnostics::Errors;
use syn::parse::{Parse, ParseStream};
use syn::spanned::Spanned;
use syn::{Expr, Ident, Lit, Token};

/// One `key = value` of an attribute.
pub struct KeyValue {
    /// The key.
    pub key: Ident,
    /// The value, an expression read by the helpers below (never compiled).
    pub value: Expr,
}

impl Parse for KeyValue {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let key: Ident = input.parse()?;
        input.parse::<Token![=]>()?;
        let value: Expr = input.parse()?;
        Ok(Self { key, value })
    }
}

/// A string literal, or an error with `hint`.
pub fn string(value: &Expr, hint: &str, errors: &mut Errors) -> Option<String> {
    match value {
        Expr::Lit(syn::ExprLit {
            lit: Lit::Str(s), ..
        }) => Some(s.value()),
        other => {
            errors.push(syn::Error::new(other.span(), hint));
            None
        }
    }
}

/// A list of string literals, or an error with `hint`.
pub fn strings(value: &Expr, hint: &str, errors: &mut Errors) -> Vec<String> {
    let Expr::Array(array) = value else {
        errors.push(syn::Error::new(value.span(), hint));
        return Vec::new();
    };
    array
        .elems
        .iter()
        .filter_map(|element| string(element, hint, errors))
        .collect()
}

/// `true` or `false`, or an error with `hint`.
pub fn boolean(value: &Expr, hint: &str, errors: &mut Errors) -> Option<bool> {
    match value {
        Expr::Lit(syn::ExprLit {
            lit: Lit::Bool(b), ..
        }) => Some(b.value),
        other => {
            errors.push(syn::Error::new(other.span(), hint));
            None
        }
    }
}

/// An integer literal within `range`, or an error with `hint`.
pub fn integer(
    value: &Expr,
    range: std::ops::RangeInclusive<u32>,
    hint: &str,
    errors: &mut Errors,
) -> Option<u32> {
    if let Expr::Lit(syn::ExprLit {
        lit: Lit::Int(int), ..
    }) = value
    {
        if let Ok(n) = int.base10_parse::<u32>() {
            if range.contains(&n) {
                return Some(n);
            }
        }
    }
    errors.push(syn::Error::new(value.span(), hint));
    None
}

/// Records `key` as seen; a repeated key is an error.
pub fn first_time(key: &Ident, seen: &mut Vec<String>, errors: &mut Errors) -> bool {
    let name = key.to_string();
    if seen.contains(&name) {
        errors.push(syn::Error::new(
            key.span(),
            format!("duplicate key `{name}`"),
        ));
        return false;
    }
    seen.push(name);
    true
}

/// The candidate closest to `word` (edit distance at most a third of its
/// length, and at least 2), for "did you mean".
pub fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(2);
    candidates
        .iter()
        .map(|candidate| (edit_distance(word, candidate), *candidate))
        .filter(|(distance, _)| *distance <= limit)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

/// An unknown key of `#[attribute]`: the error names the closest key, then
/// every key.
pub fn unknown_key(key: &Ident, attribute: &str, keys: &[&str], errors: &mut Errors) {
    let name = key.to_string();
    let hint = match closest(&name, keys) {
        Some(near) => format!("; did you mean `{near}`?"),
        None => String::new(),
    };
    errors.push(syn::Error::new(
        key.span(),
        format!(
            "unknown key `{name}` in `#[{attribute}]`{hint}\nhelp: its keys are: {}",
            keys.join(", ")
        ),
    ));
}

/// Levenshtein distance between two strings, case-insensitive.
fn edit_distance(a: &str, b: &str) -> usize {
    strsim::levenshtein(&a.to_lowercase(), &b.to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closest_finds_near_misses_only() {
        let keys = ["queue", "batch_size", "max_batching_window", "name"];
        assert_eq!(closest("bach_size", &keys), Some("batch_size"));
        assert_eq!(closest("queu", &keys), Some("queue"));
        assert_eq!(
            closest("max_batch_window", &keys),
            Some("max_batching_window")
        );
        assert_eq!(closest("timeout", &keys), None);
        assert_eq!(
            closest("Latest", &["LATEST", "TRIM_HORIZON"]),
            Some("LATEST")
        );
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}

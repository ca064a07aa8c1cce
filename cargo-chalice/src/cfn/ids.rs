//! Stable, readable logical IDs derived from resource paths.
//!
//! `/items/{id}` becomes `ItemsIdParam`, `/files/{path+}` `FilesPathProxy`,
//! `/` `Root`. Two paths that would get the same name (`/a-b` and `/aB`) both
//! get a short hash of their path appended, so that the names stay unique and
//! still do not depend on the rest of the app.

use chalice_rs_runtime::manifest::{is_parameter, segments};
use std::collections::BTreeMap;

/// CloudFormation's limit on a logical ID's length.
pub const MAX_LOGICAL_ID: usize = 255;
/// Longest path-derived part kept before it is shortened with a hash.
const MAX_PATH_PART: usize = 160;

/// Lower-case hex of the first `len` hex digits of SHA-256 of `text`.
pub fn short_hash(text: &str, len: usize) -> String {
    let mut hex = crate::bundle::sha256_hex(text.as_bytes());
    hex.truncate(len);
    hex
}

/// `snake_case-or.dotted` → `SnakeCaseOrDotted`: ASCII letters and digits only.
pub fn camel(text: &str) -> String {
    let mut out = String::new();
    for part in text.split(|c: char| !c.is_ascii_alphanumeric()) {
        let mut chars = part.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(chars);
        }
    }
    out
}

/// The readable name of a resource path, before collisions are resolved.
pub fn path_name(resource_path: &str) -> String {
    let mut out = String::new();
    for segment in segments(resource_path) {
        if is_parameter(segment) {
            let inner = &segment[1..segment.len() - 1];
            if let Some(name) = inner.strip_suffix('+') {
                out.push_str(&camel(name));
                out.push_str("Proxy");
            } else {
                out.push_str(&camel(inner));
                out.push_str("Param");
            }
        } else {
            out.push_str(&camel(segment));
        }
    }
    if out.is_empty() {
        if resource_path.trim_matches('/').is_empty() {
            return "Root".to_owned();
        }
        return format!("Path{}", short_hash(resource_path, 8));
    }
    if out.len() > MAX_PATH_PART {
        out.truncate(MAX_PATH_PART);
        out.push_str(&short_hash(resource_path, 8));
    }
    out
}

/// Unique names for a set of resource paths: [`path_name`], with a hash of the
/// path appended where two paths would share a name.
pub fn path_names<'a>(paths: impl IntoIterator<Item = &'a str>) -> BTreeMap<String, String> {
    let mut by_name: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for path in paths {
        by_name.entry(path_name(path)).or_default().push(path);
    }
    let mut out = BTreeMap::new();
    for (name, paths) in by_name {
        let clash = paths.len() > 1;
        for path in paths {
            let unique = if clash {
                format!("{name}{}", short_hash(path, 8))
            } else {
                name.clone()
            };
            out.insert(path.to_owned(), unique);
        }
    }
    out
}

/// `GET` → `Get`, `DELETE` → `Delete`.
pub fn method_name(method: &str) -> String {
    let lower = method.to_ascii_lowercase();
    camel(&lower)
}

/// Whether `id` is a valid logical ID: ASCII letters and digits, 1 to 255.
pub fn is_valid_logical_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= MAX_LOGICAL_ID && id.chars().all(|c| c.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readable_names() {
        assert_eq!(path_name("/"), "Root");
        assert_eq!(path_name("/items"), "Items");
        assert_eq!(path_name("/items/{id}"), "ItemsIdParam");
        assert_eq!(path_name("/files/{path+}"), "FilesPathProxy");
        assert_eq!(
            path_name("/user_profile/{user_id}/avatar.png"),
            "UserProfileUserIdParamAvatarPng"
        );
        assert_eq!(method_name("DELETE"), "Delete");
    }

    #[test]
    fn clashing_names_get_hashes_and_others_do_not() {
        let names = path_names(["/a-b", "/aB", "/items"]);
        assert_eq!(names["/items"], "Items");
        assert_ne!(names["/a-b"], names["/aB"]);
        assert!(names["/a-b"].starts_with("AB") && names["/a-b"].len() == 10);
        // Stable: the same path gets the same name whatever else is there.
        let again = path_names(["/aB", "/a-b"]);
        assert_eq!(names["/a-b"], again["/a-b"]);
    }

    #[test]
    fn long_paths_stay_within_limits() {
        let long = format!("/{}", "segment/".repeat(60));
        let name = path_name(&long);
        assert!(name.len() <= MAX_PATH_PART + 8);
        assert!(is_valid_logical_id(&format!("Method{name}")));
    }
}

//! The route path grammar: literal segments, `<name>` and `<name..>`.

use std::collections::BTreeSet;

/// One segment of a route path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// A literal segment: `items`.
    Literal(String),
    /// A one-segment parameter: `<id>` (API Gateway `{id}`).
    Param(String),
    /// A greedy tail parameter: `<path..>` (API Gateway `{path+}`), always last.
    Greedy(String),
}

/// A parsed route path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoutePath {
    /// The segments; empty for `/`.
    pub segments: Vec<Segment>,
}

impl RoutePath {
    /// Parses `/items/<id>`; the error says which segment is wrong and why.
    pub fn parse(path: &str) -> Result<Self, String> {
        let Some(rest) = path.strip_prefix('/') else {
            return Err(format!("route path `{path}` must start with `/`"));
        };
        if rest.is_empty() {
            return Ok(Self {
                segments: Vec::new(),
            });
        }
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        let parts: Vec<&str> = rest.split('/').collect();
        let mut names = BTreeSet::new();
        let mut segments = Vec::new();
        for (index, part) in parts.iter().enumerate() {
            if part.is_empty() {
                return Err(format!("empty segment (`//`) in route path `{path}`"));
            }
            let segment = if let Some(inner) = part.strip_prefix('<') {
                let Some(inner) = inner.strip_suffix('>') else {
                    return Err(format!(
                        "malformed segment `{part}`: `<` without a closing `>`"
                    ));
                };
                let (name, greedy) = match inner.strip_suffix("..") {
                    Some(name) => (name, true),
                    None => (inner, false),
                };
                if !is_identifier(name) {
                    return Err(format!(
                        "malformed segment `{part}`: a parameter name must be a Rust identifier"
                    ));
                }
                if !names.insert(name.to_owned()) {
                    return Err(format!("parameter `<{name}>` appears twice in `{path}`"));
                }
                if greedy {
                    if index + 1 != parts.len() {
                        return Err(format!(
                            "malformed segment `{part}`: a `<name..>` segment must be the last"
                        ));
                    }
                    Segment::Greedy(name.to_owned())
                } else {
                    Segment::Param(name.to_owned())
                }
            } else {
                if let Some(bad) = part
                    .chars()
                    .find(|c| matches!(c, '<' | '>' | '{' | '}' | '?' | '#' | '+' | ' ' | '*'))
                {
                    return Err(format!(
                        "malformed segment `{part}`: `{bad}` is not allowed here; parameters are written `<name>` or `<name..>`"
                    ));
                }
                Segment::Literal((*part).to_owned())
            };
            segments.push(segment);
        }
        Ok(Self { segments })
    }

    /// The path in API Gateway form: `/items/{id}`, `/files/{path+}`, `/`.
    pub fn resource_path(&self) -> String {
        if self.segments.is_empty() {
            return "/".to_owned();
        }
        let mut out = String::new();
        for segment in &self.segments {
            out.push('/');
            match segment {
                Segment::Literal(s) => out.push_str(s),
                Segment::Param(s) => out.push_str(&format!("{{{s}}}")),
                Segment::Greedy(s) => out.push_str(&format!("{{{s}+}}")),
            }
        }
        out
    }

    /// The parameter names, in order.
    pub fn params(&self) -> impl Iterator<Item = &str> {
        self.segments.iter().filter_map(|segment| match segment {
            Segment::Param(name) | Segment::Greedy(name) => Some(name.as_str()),
            Segment::Literal(_) => None,
        })
    }
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    match chars.next() {
        Some(c) if c == '_' || c.is_ascii_alphabetic() => {}
        _ => return false,
    }
    name != "_" && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resource(path: &str) -> String {
        RoutePath::parse(path).unwrap().resource_path()
    }

    #[test]
    fn paths_convert_to_api_gateway_form() {
        assert_eq!(resource("/"), "/");
        assert_eq!(resource("/items/<id>"), "/items/{id}");
        assert_eq!(resource("/files/<path..>"), "/files/{path+}");
        assert_eq!(resource("/a/b/"), "/a/b");
    }

    #[test]
    fn malformed_paths_say_why() {
        let err = |p: &str| RoutePath::parse(p).unwrap_err();
        assert!(err("items").contains("must start with `/`"));
        assert!(err("/a//b").contains("empty segment"));
        assert!(err("/<id").contains("without a closing"));
        assert!(err("/<p..>/x").contains("must be the last"));
        assert!(err("/<1a>").contains("identifier"));
        assert!(err("/<a>/<a>").contains("twice"));
        assert!(err("/{id}").contains("`{`"));
    }

    #[test]
    fn params_are_listed_in_order() {
        let path = RoutePath::parse("/a/<x>/b/<rest..>").unwrap();
        assert_eq!(path.params().collect::<Vec<_>>(), ["x", "rest"]);
    }
}

/// Property tests: any string parses or is refused without a panic, and a
/// path parsed renders back to itself.
#[cfg(test)]
mod properties {
    use super::*;
    use proptest::collection::vec;
    use proptest::prelude::*;

    /// The path as a user writes it: `/items/<id>/<rest..>`.
    fn render(segments: &[Segment]) -> String {
        if segments.is_empty() {
            return "/".to_owned();
        }
        segments
            .iter()
            .map(|segment| match segment {
                Segment::Literal(text) => format!("/{text}"),
                Segment::Param(name) => format!("/<{name}>"),
                Segment::Greedy(name) => format!("/<{name}..>"),
            })
            .collect()
    }

    /// The same path in API Gateway form, built independently of `parse`.
    fn resource_form(segments: &[Segment]) -> String {
        render(segments)
            .replace("..>", "+}")
            .replace('<', "{")
            .replace('>', "}")
    }

    /// Valid paths: literals of API Gateway's path characters, parameters
    /// with distinct identifier names, perhaps a greedy last one.
    fn valid_segments() -> impl Strategy<Value = Vec<Segment>> {
        let segment = prop_oneof![
            2 => "[a-zA-Z0-9._-]{1,6}".prop_map(Segment::Literal),
            1 => "[a-z_][a-z0-9_]{0,4}".prop_map(Segment::Param),
        ];
        (
            vec(segment, 0..6),
            proptest::option::of("[A-Za-z][A-Za-z0-9_]{0,4}"),
        )
            .prop_map(|(mut segments, greedy)| {
                segments.extend(greedy.map(Segment::Greedy));
                // Distinct names: the position is appended to each.
                for (index, segment) in segments.iter_mut().enumerate() {
                    if let Segment::Param(name) | Segment::Greedy(name) = segment {
                        name.push_str(&format!("_{index}"));
                    }
                }
                segments
            })
    }

    fn config(cases: u32) -> ProptestConfig {
        ProptestConfig {
            cases,
            failure_persistence: None,
            ..ProptestConfig::default()
        }
    }

    proptest! {
        #![proptest_config(config(512))]

        /// A valid path parses to its segments (a trailing slash or not) and
        /// converts to API Gateway's form.
        #[test]
        fn valid_paths_round_trip(segments in valid_segments(), slash in any::<bool>()) {
            let mut text = render(&segments);
            if slash && !segments.is_empty() {
                text.push('/');
            }
            let parsed = RoutePath::parse(&text).map_err(TestCaseError::fail)?;
            prop_assert_eq!(&parsed.segments, &segments);
            prop_assert_eq!(parsed.resource_path(), resource_form(&segments));
        }

        /// Any string, and strings of the grammar's characters: no panic; a
        /// path that parses renders back to itself (less a trailing slash).
        #[test]
        fn any_string_parses_or_is_refused(
            text in prop_oneof!["\\PC{0,24}", "[/<>.a_1{}*]{0,16}", "(/(<[a_.]{0,3}>|[a.]{0,2}))*/?"],
        ) {
            match RoutePath::parse(&text) {
                Ok(path) => {
                    let rendered = render(&path.segments);
                    let trimmed = match text.strip_suffix('/') {
                        Some(rest) if !rest.is_empty() => rest,
                        _ => text.as_str(),
                    };
                    prop_assert_eq!(&rendered, trimmed);
                    prop_assert_eq!(RoutePath::parse(&rendered), Ok(path));
                }
                Err(message) => prop_assert!(!message.is_empty()),
            }
        }
    }
}

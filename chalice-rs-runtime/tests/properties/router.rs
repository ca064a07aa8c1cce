//! `gateway::Router` against a brute-force model of API Gateway's routing.
//!
//! The model: a resource matches a request path segment by segment (a
//! literal the same segment, `{param}` any one segment, `{proxy+}` one or
//! more segments to the end; a trailing slash ignored). Of the resources that
//! match the path and have the request's method, the most specific wins,
//! compared segment by segment: a literal before `{param}` before
//! `{proxy+}`. None: the route is missing. API Gateway resolves the resource
//! and the method as a pair: a literal resource without the method gives way
//! to a `{param}` or `{proxy+}` resource that has it (as measured on REST
//! APIs; a method on no matching resource is "Missing Authentication Token").
//!
//! The resource sets come from a three-letter alphabet, so that literals,
//! parameters and greedy resources collide often; as in a manifest, one
//! position of the tree has one variable name (`p<depth>` or `g<depth>`).

use crate::config;
use chalice_rs_runtime::gateway::Router;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use std::collections::{BTreeMap, BTreeSet};

const LITERALS: &[&str] = &["a", "b", "c"];
const METHODS: &[&str] = &["GET", "POST"];
/// The requests' methods: one no resource has.
const REQUEST_METHODS: &[&str] = &["GET", "POST", "PUT"];
/// The requests' segments: `A` is no resource's (paths are case-sensitive).
const REQUEST_SEGMENTS: &[&str] = &["a", "b", "c", "A"];

/// One segment of a resource path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Literal(&'static str),
    Param,
    Greedy,
}

/// A resource path with one of its methods.
#[derive(Debug, Clone)]
struct Resource {
    parts: Vec<Part>,
    method: &'static str,
}

impl Resource {
    /// The variable's name at `depth`: one name per position of the tree.
    fn name(part: Part, depth: usize) -> Option<String> {
        match part {
            Part::Literal(_) => None,
            Part::Param => Some(format!("p{depth}")),
            Part::Greedy => Some(format!("g{depth}")),
        }
    }

    /// API Gateway's form: `/a/{p1}/{g2+}`.
    fn path(&self) -> String {
        if self.parts.is_empty() {
            return "/".to_owned();
        }
        let mut path = String::new();
        for (depth, part) in self.parts.iter().enumerate() {
            path.push('/');
            match (part, Self::name(*part, depth)) {
                (Part::Literal(literal), _) => path.push_str(literal),
                (Part::Greedy, Some(name)) => path.push_str(&format!("{{{name}+}}")),
                (_, name) => path.push_str(&format!("{{{}}}", name.unwrap_or_default())),
            }
        }
        path
    }

    /// The names of its variables.
    fn names(&self) -> BTreeSet<String> {
        self.parts
            .iter()
            .enumerate()
            .filter_map(|(depth, part)| Self::name(*part, depth))
            .collect()
    }

    /// Whether it matches the request's segments.
    fn matches(&self, segments: &[&str]) -> bool {
        for (depth, part) in self.parts.iter().enumerate() {
            match part {
                Part::Literal(literal) if segments.get(depth) != Some(literal) => return false,
                Part::Param if depth >= segments.len() => return false,
                Part::Greedy => return segments.len() > depth,
                _ => {}
            }
        }
        segments.len() == self.parts.len()
    }

    /// Its specificity, compared segment by segment (smaller wins).
    fn rank(&self) -> Vec<u8> {
        self.parts
            .iter()
            .map(|part| match part {
                Part::Literal(_) => 0,
                Part::Param => 1,
                Part::Greedy => 2,
            })
            .collect()
    }
}

/// The resource API Gateway routes `method path` to, by brute force.
fn model<'a>(resources: &'a [Resource], method: &str, path: &str) -> Option<&'a Resource> {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    resources
        .iter()
        .filter(|resource| resource.method == method && resource.matches(&segments))
        .min_by_key(|resource| resource.rank())
}

/// Drops the resources that would give a position of the tree a second kind
/// of variable (`/a/{p1}` and `/a/{g1+}`): API Gateway, and the manifest,
/// refuse them.
fn one_variable_per_position(resources: Vec<Resource>) -> Vec<Resource> {
    let mut kinds: BTreeMap<Vec<Option<&str>>, Part> = BTreeMap::new();
    let prefix = |parts: &[Part]| -> Vec<Option<&'static str>> {
        parts
            .iter()
            .map(|part| match part {
                Part::Literal(literal) => Some(*literal),
                _ => None,
            })
            .collect()
    };
    let mut kept = Vec::new();
    for resource in resources {
        let variables: Vec<(Vec<Option<&str>>, Part)> = resource
            .parts
            .iter()
            .enumerate()
            .filter(|(_, part)| !matches!(part, Part::Literal(_)))
            .map(|(depth, part)| (prefix(&resource.parts[..depth]), *part))
            .collect();
        if variables
            .iter()
            .all(|(at, part)| kinds.get(at).is_none_or(|kind| kind == part))
        {
            kinds.extend(variables);
            kept.push(resource);
        }
    }
    kept
}

fn resource() -> impl Strategy<Value = Resource> {
    let part = prop_oneof![
        3 => select(LITERALS).prop_map(Part::Literal),
        1 => Just(Part::Param),
    ];
    (vec(part, 0..4), prop::bool::weighted(0.3), select(METHODS)).prop_map(
        |(mut parts, greedy, method)| {
            if greedy {
                parts.push(Part::Greedy);
            }
            Resource { parts, method }
        },
    )
}

fn request_path() -> impl Strategy<Value = String> {
    (vec(select(REQUEST_SEGMENTS), 0..6), any::<bool>()).prop_map(|(segments, slash)| {
        let mut path = format!("/{}", segments.join("/"));
        if slash && !segments.is_empty() {
            path.push('/');
        }
        path
    })
}

proptest! {
    #![proptest_config(config(512))]

    /// The router answers what the model answers: the resource, and its
    /// variables bound; whatever the order the routes were given in.
    #[test]
    fn the_router_agrees_with_the_model(
        resources in vec(resource(), 1..12),
        requests in vec((select(REQUEST_METHODS), request_path()), 1..16),
    ) {
        let resources = one_variable_per_position(resources);
        let routes: Vec<(String, &str)> =
            resources.iter().map(|r| (r.path(), r.method)).collect();
        let router = Router::new(routes.iter().map(|(path, method)| (path.as_str(), *method)));
        let reversed =
            Router::new(routes.iter().rev().map(|(path, method)| (path.as_str(), *method)));
        for (method, path) in &requests {
            let expected = model(&resources, method, path).map(|r| (r.path(), r.names()));
            for router in [&router, &reversed] {
                let actual = router.route(method, path).map(|found| {
                    let names: BTreeSet<String> = found.path_params.keys().cloned().collect();
                    (found.resource_path, names)
                });
                prop_assert_eq!(&actual, &expected, "{} {} over {:?}", method, path, routes);
            }
        }
    }

    /// Any resource paths, methods and request paths: no panic, and a match
    /// names one of the resource paths given.
    #[test]
    fn the_router_never_panics(
        routes in vec(("[/{}+a-c]{0,10}", "[A-Z]{0,3}"), 0..8),
        requests in vec(("\\PC{0,4}", prop_oneof!["[/{}+%a-c]{0,12}", "\\PC{0,16}"]), 1..8),
    ) {
        let router = Router::new(routes.iter().map(|(path, method)| (path.as_str(), method.as_str())));
        for (method, path) in &requests {
            if let Some(found) = router.route(method, path) {
                prop_assert!(
                    routes.iter().any(|(resource, _)| *resource == found.resource_path),
                    "{} {} gave {:?}", method, path, found
                );
            }
        }
    }
}

//! The manifest: everything the tool knows about an app, read from the compiled app.
//!
//! Each `#[route]` attribute embeds one JSON [`Fragment`] in the binary's
//! `chalice_manifest` link section (NUL-terminated). The tool reads that section
//! from the artifact file of any architecture, and the binary prints the same
//! manifest in manifest mode; neither runs user code. [`Manifest::from_fragments`]
//! turns the fragments into the sorted, validated [`Manifest`], the one contract
//! between an app and `cargo-chalice`.
//!
//! The fragment types ([`Fragment`], [`RouteFragment`], [`Authorizer`],
//! [`Cors`], ...) are defined once in the `chalice-rs-manifest` crate, which
//! the macros that write the fragments use too, and are re-exported here.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

// The fragments are defined once, in `chalice-rs-manifest`, for the macros
// that write them and for the readers here and in `cargo-chalice`.
use chalice_rs_manifest::fragment_text;
pub use chalice_rs_manifest::{
    route_key_problem, websocket_function_name, WebsocketFragment, CONNECT_ROUTE, DEFAULT_ROUTE,
    DISCONNECT_ROUTE, MAX_ROUTE_KEY, WEBSOCKET_HANDLER_PREFIX,
};
pub use chalice_rs_manifest::{
    schedule, Authorizer, AuthorizerKind, BodySchema, Cors, EventSource, Fragment,
    FunctionFragment, RouteFragment, RouteSchemas, CORS_DEFAULT_HEADERS, FUNCTION_HANDLER_PREFIX,
    IAM_AUTHORIZER, MANIFEST_VERSION, S3_EVENT_TYPES, SECTION_NAME, STARTING_POSITIONS,
};

/// The environment variable carrying the app-wide CORS settings (the
/// config's `cors`, as JSON) to the functions: routes without their own
/// `cors` answer with these headers.
pub const APP_CORS_ENV: &str = "CHALICE_CORS";

/// The headers of the CORS preflight (`OPTIONS`) of a resource whose routes
/// have `cors` set to `cors` and use `methods`: [`Cors::headers`] plus
/// `Access-Control-Allow-Methods` (the methods and `OPTIONS`, sorted). The
/// template's MOCK integration and `cargo chalice local` answer with these.
pub fn preflight_headers<'a>(
    cors: &Cors,
    methods: impl IntoIterator<Item = &'a str>,
) -> Vec<(String, String)> {
    let mut methods: Vec<&str> = methods.into_iter().collect();
    methods.push("OPTIONS");
    methods.sort_unstable();
    methods.dedup();
    let mut headers = cors.headers();
    headers.push(("Access-Control-Allow-Methods".to_owned(), methods.join(",")));
    headers
}

/// The whole app, sorted deterministically.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// [`MANIFEST_VERSION`] of the binary that produced it.
    pub version: u32,
    /// One entry per (resource path, method), sorted by path then method.
    pub routes: Vec<Route>,
    /// The authorizers, sorted by name.
    #[serde(default)]
    pub authorizers: Vec<Authorizer>,
    /// The event-driven and plain functions, sorted by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub functions: Vec<FunctionFragment>,
    /// The WebSocket handlers, sorted by route key.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub websocket: Vec<WebsocketFragment>,
    /// The request models' JSON schemas by name. Only a running binary can
    /// compute them (`bootstrap --manifest`); a manifest read from the
    /// binary's section has the routes' model names and no schemas.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub models: BTreeMap<String, serde_json::Value>,
}

/// One API Gateway method: a resource path, an HTTP method and its handler.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Route {
    /// The path in API Gateway form: `/items/{id}`, `/files/{path+}`.
    pub resource_path: String,
    /// The path as the user wrote it: `/items/<id>`, `/files/<path..>`.
    pub path: String,
    /// HTTP method, upper case.
    pub method: String,
    /// Name of the handler function.
    pub handler: String,
    /// Module of the handler.
    pub module: String,
    /// Source file of the handler.
    pub file: String,
    /// Line of the `#[route]` attribute.
    pub line: u32,
    /// Accepted request content types.
    pub content_types: Vec<String>,
    /// Whether the method requires an API key.
    pub api_key_required: bool,
    /// Name of the authorizer protecting the route, if any (`iam` for AWS_IAM).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorizer: Option<String>,
    /// CORS settings, if the route allows cross-origin calls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cors: Option<Cors>,
    /// The request model (`validate = true`): API Gateway checks the JSON
    /// body against its schema in [`Manifest::models`] before the handler.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// The handler's doc comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc: Option<String>,
    /// The JSON schemas of the handler's parameters, body and response:
    /// only a running binary computes them (`bootstrap --manifest`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schemas: Option<RouteSchemas>,
}

impl Route {
    /// Where the handler is written, for messages: `src/main.rs:12 (hello::item)`.
    pub fn location(&self) -> String {
        format!(
            "{}:{} ({}::{})",
            self.file, self.line, self.module, self.handler
        )
    }
}

/// Why fragments could not become a manifest.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ManifestError {
    /// A fragment is not valid JSON of the expected shape.
    #[error("malformed manifest fragment: {source} (fragment: {fragment})")]
    Malformed {
        /// The fragment's text.
        fragment: String,
        /// The JSON error.
        source: serde_json::Error,
    },
    /// A path does not follow the route grammar.
    #[error("invalid route path `{path}` at {location}: {reason}")]
    InvalidPath {
        /// The path as written.
        path: String,
        /// Where the route is written.
        location: String,
        /// What is wrong.
        reason: String,
    },
    /// Two handlers claim the same method on the same resource.
    #[error("`{method} {resource_path}` is routed twice: by {first} and by {second}")]
    Duplicate {
        /// HTTP method.
        method: String,
        /// Path in API Gateway form.
        resource_path: String,
        /// The first handler.
        first: String,
        /// The second handler.
        second: String,
    },
    /// Two routes give the same position of a path different parameter names.
    #[error("`{first_path}` ({first}) and `{second_path}` ({second}) name the same path segment differently; API Gateway needs one name per position")]
    ConflictingParameter {
        /// The first path.
        first_path: String,
        /// The first handler.
        first: String,
        /// The second path.
        second_path: String,
        /// The second handler.
        second: String,
    },
    /// Two authorizers share a name.
    #[error("two authorizers are named `{name}`: {first} and {second}")]
    DuplicateAuthorizer {
        /// The name.
        name: String,
        /// The first definition.
        first: String,
        /// The second definition.
        second: String,
    },
    /// A route names an authorizer the app does not define.
    #[error("route `{method} {path}` at {location} names authorizer `{authorizer}`, which the app does not define")]
    UnknownAuthorizer {
        /// The method.
        method: String,
        /// The path.
        path: String,
        /// Where the route is written.
        location: String,
        /// The name.
        authorizer: String,
    },
    /// Two functions (event functions, authorizers with a function, or the
    /// API's `api`) share a name, which is their key in the config's
    /// `lambda_functions` and part of their Lambda name.
    #[error(
        "two functions are named `{name}`: {first} and {second}; give one of them `name = \"..\"`"
    )]
    DuplicateFunction {
        /// The name.
        name: String,
        /// The first definition.
        first: String,
        /// The second definition.
        second: String,
    },
    /// Two request model types share a name but not a schema.
    #[error(
        "two request models are named `{name}` with different schemas; rename one of the types"
    )]
    ConflictingModel {
        /// The model's name.
        name: String,
    },
    /// A route names a model no registration describes.
    #[error(
        "route `{method} {path}` at {location} validates with model `{model}`, which has no schema"
    )]
    UnknownModel {
        /// The method.
        method: String,
        /// The path.
        path: String,
        /// Where the route is written.
        location: String,
        /// The model's name.
        model: String,
    },
    /// Two WebSocket handlers answer the same route key.
    #[error("the WebSocket route `{route_key}` has two handlers: {first} and {second}")]
    DuplicateWebsocketRoute {
        /// The route key.
        route_key: String,
        /// The first handler.
        first: String,
        /// The second handler.
        second: String,
    },
    /// A WebSocket route key API Gateway or the tool cannot take.
    #[error("the WebSocket route key of {location}: {reason}")]
    InvalidWebsocketRoute {
        /// Where the handler is written.
        location: String,
        /// What is wrong.
        reason: String,
    },
    /// The `$connect` handler names an authorizer the app does not define.
    #[error("the `$connect` authorizer `{authorizer}` of {location} is not defined by the app")]
    UnknownWebsocketAuthorizer {
        /// Where the connect handler is written.
        location: String,
        /// The name.
        authorizer: String,
    },
    /// The manifest was written by a newer or older binary.
    #[error("manifest version {found} is not supported (expected {MANIFEST_VERSION}); rebuild the app with a matching chalice-rs-runtime")]
    Version {
        /// Version found.
        found: u32,
    },
}

/// Splits a resource path into its segments (`/items/{id}` → `items`, `{id}`).
pub fn segments(resource_path: &str) -> impl Iterator<Item = &str> {
    resource_path
        .split('/')
        .filter(|segment| !segment.is_empty())
}

/// Whether a resource segment is a parameter (`{id}` or `{path+}`).
pub fn is_parameter(segment: &str) -> bool {
    segment.starts_with('{') && segment.ends_with('}')
}

impl Manifest {
    /// Builds the manifest from NUL-separated JSON fragments (a section's bytes
    /// may be padded with NULs between fragments).
    pub fn from_section(bytes: &[u8]) -> Result<Self, ManifestError> {
        Self::from_fragments(bytes.split(|b| *b == 0).filter(|f| !f.is_empty()))
    }

    /// Builds the manifest from fragments: expands methods, sorts, and rejects
    /// duplicates and conflicting parameter names, naming both handlers.
    pub fn from_fragments<'a>(
        fragments: impl IntoIterator<Item = &'a [u8]>,
    ) -> Result<Self, ManifestError> {
        let mut routes = Vec::new();
        let mut authorizers = Vec::new();
        let mut functions = Vec::new();
        let mut websocket = Vec::new();
        for bytes in fragments {
            let fragment = Fragment::parse(bytes).map_err(|source| ManifestError::Malformed {
                fragment: String::from_utf8_lossy(fragment_text(bytes)).into_owned(),
                source,
            })?;
            match fragment {
                Fragment::Route(route) => {
                    if !route.resource_path.starts_with('/') {
                        return Err(ManifestError::InvalidPath {
                            path: route.resource_path.clone(),
                            location: format!(
                                "{}:{} ({}::{})",
                                route.file, route.line, route.module, route.handler
                            ),
                            reason: "a path must start with `/`".to_owned(),
                        });
                    }
                    let resource_path = route.resource_path.clone();
                    for method in &route.methods {
                        routes.push(Route {
                            resource_path: resource_path.clone(),
                            path: route.path.clone(),
                            method: method.clone(),
                            handler: route.handler.clone(),
                            module: route.module.clone(),
                            file: route.file.clone(),
                            line: route.line,
                            content_types: route.content_types.clone(),
                            api_key_required: route.api_key_required,
                            authorizer: route.authorizer.clone(),
                            cors: route.cors.clone(),
                            model: route.model.clone(),
                            doc: route.doc.clone(),
                            schemas: None,
                        });
                    }
                }
                Fragment::Authorizer(authorizer) => authorizers.push(authorizer),
                Fragment::Function(function) => functions.push(function),
                Fragment::Websocket(handler) => websocket.push(handler),
                // `Fragment` is non-exhaustive: a kind added to
                // `chalice-rs-manifest` and not handled here is an error, not
                // a registration silently left out.
                _ => {
                    return Err(ManifestError::Malformed {
                        fragment: String::from_utf8_lossy(fragment_text(bytes)).into_owned(),
                        source: serde::de::Error::custom(
                            "a kind of fragment this manifest reader does not handle",
                        ),
                    });
                }
            }
        }
        authorizers.sort_by(|a, b| (&a.name, &a.module).cmp(&(&b.name, &b.module)));
        functions
            .sort_by(|a: &FunctionFragment, b| (&a.name, &a.module).cmp(&(&b.name, &b.module)));
        websocket.sort_by(|a: &WebsocketFragment, b| {
            (&a.route_key, &a.module, &a.handler).cmp(&(&b.route_key, &b.module, &b.handler))
        });
        routes.sort_by(|a, b| {
            (&a.resource_path, &a.method, &a.module, &a.handler).cmp(&(
                &b.resource_path,
                &b.method,
                &b.module,
                &b.handler,
            ))
        });
        let manifest = Manifest {
            version: MANIFEST_VERSION,
            routes,
            authorizers,
            functions,
            websocket,
            models: BTreeMap::new(),
        };
        manifest.validate()?;
        Ok(manifest)
    }

    /// Checks the rules API Gateway enforces: one handler per method and
    /// resource, one parameter name per path position.
    pub fn validate(&self) -> Result<(), ManifestError> {
        if self.version != MANIFEST_VERSION {
            return Err(ManifestError::Version {
                found: self.version,
            });
        }
        for pair in self.routes.windows(2) {
            let (a, b) = (&pair[0], &pair[1]);
            if a.resource_path == b.resource_path && a.method == b.method {
                return Err(ManifestError::Duplicate {
                    method: a.method.clone(),
                    resource_path: a.resource_path.clone(),
                    first: a.location(),
                    second: b.location(),
                });
            }
        }
        let location = |a: &Authorizer| format!("{}:{} ({}::{})", a.file, a.line, a.module, a.name);
        for pair in self.authorizers.windows(2) {
            if pair[0].name == pair[1].name {
                return Err(ManifestError::DuplicateAuthorizer {
                    name: pair[0].name.clone(),
                    first: location(&pair[0]),
                    second: location(&pair[1]),
                });
            }
        }
        self.check_function_names()?;
        self.check_websocket()?;
        for route in &self.routes {
            if let Some(name) = &route.authorizer {
                if name != IAM_AUTHORIZER && self.authorizer(name).is_none() {
                    return Err(ManifestError::UnknownAuthorizer {
                        method: route.method.clone(),
                        path: route.path.clone(),
                        location: route.location(),
                        authorizer: name.clone(),
                    });
                }
            }
        }
        // API Gateway resources form a tree: `/items/{id}` and `/items/{key}`
        // cannot both exist under `/items`.
        let mut by_prefix: BTreeMap<String, (&str, &Route)> = BTreeMap::new();
        for route in &self.routes {
            let mut prefix = String::new();
            for segment in segments(&route.resource_path) {
                if is_parameter(segment) {
                    match by_prefix.get(&prefix) {
                        Some((existing, other)) if *existing != segment => {
                            return Err(ManifestError::ConflictingParameter {
                                first_path: other.path.clone(),
                                first: other.location(),
                                second_path: route.path.clone(),
                                second: route.location(),
                            });
                        }
                        Some(_) => {}
                        None => {
                            by_prefix.insert(prefix.clone(), (segment, route));
                        }
                    }
                }
                prefix.push('/');
                prefix.push_str(if is_parameter(segment) { "{}" } else { segment });
            }
        }
        Ok(())
    }

    /// One name per function: the API's `api` (when there are routes), the
    /// Lambda authorizers' and the event functions' names.
    fn check_function_names(&self) -> Result<(), ManifestError> {
        let mut seen: BTreeMap<&str, String> = BTreeMap::new();
        if let Some(route) = self.routes.first() {
            seen.insert(
                crate::lambda::API_HANDLER,
                format!(
                    "the REST API's function (routes such as {})",
                    route.location()
                ),
            );
        }
        let authorizers = self
            .authorizers
            .iter()
            .filter(|a| a.has_function())
            .map(|a| {
                (
                    a.name.as_str(),
                    format!("{}:{} ({}::{})", a.file, a.line, a.module, a.name),
                )
            });
        let functions = self.functions.iter().map(|f| {
            (
                f.name.as_str(),
                format!("{} {}", f.source.attribute(), f.location()),
            )
        });
        let websocket: Vec<(String, String)> = self
            .websocket
            .iter()
            .map(|h| {
                (
                    h.function_name(),
                    format!("{} {}", h.attribute(), h.location()),
                )
            })
            .collect();
        let websocket = websocket.iter().map(|(n, l)| (n.as_str(), l.clone()));
        for (name, location) in authorizers.chain(functions).chain(websocket) {
            if let Some(first) = seen.get(name) {
                return Err(ManifestError::DuplicateFunction {
                    name: name.to_owned(),
                    first: first.clone(),
                    second: location,
                });
            }
            seen.insert(name, location);
        }
        Ok(())
    }

    /// One handler per WebSocket route key, custom keys AWS and the tool
    /// take, and a `$connect` authorizer the app defines.
    fn check_websocket(&self) -> Result<(), ManifestError> {
        for pair in self.websocket.windows(2) {
            if pair[0].route_key == pair[1].route_key {
                return Err(ManifestError::DuplicateWebsocketRoute {
                    route_key: pair[0].route_key.clone(),
                    first: pair[0].location(),
                    second: pair[1].location(),
                });
            }
        }
        for handler in &self.websocket {
            let reserved = [CONNECT_ROUTE, DISCONNECT_ROUTE, DEFAULT_ROUTE];
            if !reserved.contains(&handler.route_key.as_str()) {
                if let Some(reason) = route_key_problem(&handler.route_key) {
                    return Err(ManifestError::InvalidWebsocketRoute {
                        location: handler.location(),
                        reason,
                    });
                }
            }
            if let Some(name) = &handler.authorizer {
                if name != IAM_AUTHORIZER && self.authorizer(name).is_none() {
                    return Err(ManifestError::UnknownWebsocketAuthorizer {
                        location: handler.location(),
                        authorizer: name.clone(),
                    });
                }
            }
        }
        Ok(())
    }

    /// The WebSocket handler of `route_key`.
    pub fn websocket_handler(&self, route_key: &str) -> Option<&WebsocketFragment> {
        self.websocket.iter().find(|h| h.route_key == route_key)
    }

    /// The event or plain function named `name`.
    pub fn function(&self, name: &str) -> Option<&FunctionFragment> {
        self.functions.iter().find(|f| f.name == name)
    }

    /// Every API Gateway resource path the routes need, parents first, sorted
    /// (`/`, `/items`, `/items/{id}`). The root is always included.
    pub fn resource_paths(&self) -> Vec<String> {
        let mut paths = BTreeSet::new();
        paths.insert("/".to_owned());
        for route in &self.routes {
            let mut current = String::new();
            for part in segments(&route.resource_path) {
                current.push('/');
                current.push_str(part);
                paths.insert(current.clone());
            }
        }
        paths.into_iter().collect()
    }

    /// The authorizer named `name`.
    pub fn authorizer(&self, name: &str) -> Option<&Authorizer> {
        self.authorizers.iter().find(|a| a.name == name)
    }

    /// Pretty JSON with a trailing newline, as printed in manifest mode.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fragment(handler: &str, path: &str, resource_path: &str, methods: &[&str]) -> String {
        serde_json::json!({
            "kind": "route", "handler": handler, "module": "app", "file": "src/main.rs",
            "line": 3, "path": path, "resource_path": resource_path, "methods": methods,
        })
        .to_string()
    }

    fn function_fragment(name: &str, line: u32) -> String {
        serde_json::json!({
            "kind": "function", "name": name, "module": "app", "file": "src/jobs.rs",
            "line": line, "source": {"type": "schedule", "expression": "rate(1 day)"},
        })
        .to_string()
    }

    #[test]
    fn functions_are_sorted_and_their_names_unique() {
        let (b, a) = (
            function_fragment("tidy", 4),
            function_fragment("archive", 9),
        );
        let manifest =
            Manifest::from_fragments([b.as_bytes(), a.as_bytes()]).expect("two functions");
        let names: Vec<&str> = manifest.functions.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["archive", "tidy"]);
        assert!(manifest.function("tidy").is_some());

        let again = function_fragment("tidy", 12);
        let error = Manifest::from_fragments([b.as_bytes(), again.as_bytes()])
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("two functions are named `tidy`")
                && error.contains("src/jobs.rs:4")
                && error.contains("src/jobs.rs:12"),
            "{error}"
        );
        let api = function_fragment("api", 5);
        let route = fragment("index", "/", "/", &["GET"]);
        let error = Manifest::from_fragments([route.as_bytes(), api.as_bytes()])
            .unwrap_err()
            .to_string();
        assert!(error.contains("REST API's function"), "{error}");
    }

    #[test]
    fn section_bytes_become_a_sorted_manifest() {
        let section = format!(
            "{}\0\0{}\0",
            fragment("item", "/items/<id>", "/items/{id}", &["PUT", "GET"]),
            fragment("index", "/", "/", &["GET"])
        );
        let manifest = Manifest::from_section(section.as_bytes()).unwrap();
        let keys: Vec<_> = manifest
            .routes
            .iter()
            .map(|r| format!("{} {}", r.method, r.resource_path))
            .collect();
        assert_eq!(keys, ["GET /", "GET /items/{id}", "PUT /items/{id}"]);
        assert_eq!(manifest.resource_paths(), ["/", "/items", "/items/{id}"]);
    }

    #[test]
    fn duplicates_name_both_handlers() {
        let a = fragment("first", "/x", "/x", &["GET"]);
        let b = fragment("second", "/x/", "/x", &["GET"]);
        let err = Manifest::from_fragments([a.as_bytes(), b.as_bytes()]).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("app::first") && text.contains("app::second"),
            "{text}"
        );
    }

    #[test]
    fn conflicting_parameter_names_are_rejected() {
        let a = fragment("a", "/items/<id>", "/items/{id}", &["GET"]);
        let b = fragment("b", "/items/<key>/x", "/items/{key}/x", &["GET"]);
        let err = Manifest::from_fragments([a.as_bytes(), b.as_bytes()]).unwrap_err();
        assert!(matches!(err, ManifestError::ConflictingParameter { .. }));
    }

    #[test]
    fn malformed_fragment_is_reported() {
        let err = Manifest::from_fragments([b"{not json".as_slice()]).unwrap_err();
        assert!(err.to_string().contains("malformed manifest fragment"));
    }
}

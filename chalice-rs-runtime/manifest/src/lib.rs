//! # chalice-rs manifest format
//!
//! Each `#[route]` attribute, `#[authorizer]` function,
//! `cognito_authorizer!` and event-function attribute (`#[schedule]`,
//! `#[on_sqs_message]`, ..., `#[lambda_function]`) of a chalice-rs app
//! embeds one JSON [`Fragment`] in
//! the binary's [`SECTION_NAME`] link section, NUL-terminated. This crate is
//! the one definition of those fragments: the macros build [`Fragment`] values
//! and write them with [`Fragment::template`]; the runtime and `cargo-chalice`
//! read them with [`Fragment::parse`]. A field renamed or retyped here changes
//! both sides at once.
//!
//! Apps and tools use these types through `chalice_rs_runtime::manifest`,
//! which re-exports them beside the assembled `Manifest`.

use serde::{Deserialize, Serialize};

mod function;
pub mod schedule;
mod schemas;
mod websocket;

pub use function::{
    EventSource, FunctionFragment, FUNCTION_HANDLER_PREFIX, S3_EVENT_TYPES, STARTING_POSITIONS,
};
pub use schemas::{BodySchema, RouteSchemas};
pub use websocket::{
    function_name as websocket_function_name, route_key_problem, WebsocketFragment, CONNECT_ROUTE,
    DEFAULT_ROUTE, DISCONNECT_ROUTE, MAX_ROUTE_KEY, WEBSOCKET_HANDLER_PREFIX,
};

/// Version of the manifest format; bumped when a field changes meaning.
pub const MANIFEST_VERSION: u32 = 1;

/// The name of the link section holding the fragments (ELF; Mach-O uses `__DATA,__chalice`).
pub const SECTION_NAME: &str = "chalice_manifest";

/// The authorizer name that means IAM (SigV4) authorization.
pub const IAM_AUTHORIZER: &str = "iam";

/// The headers Chalice always allows in CORS.
pub const CORS_DEFAULT_HEADERS: &[&str] = &[
    "Authorization",
    "Content-Type",
    "X-Amz-Date",
    "X-Amz-Security-Token",
    "X-Api-Key",
];

/// What one attribute in the user's code registers, as embedded in the binary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Fragment {
    /// A `#[route]` attribute: one handler for one path and one or more methods.
    Route(RouteFragment),
    /// An `#[authorizer]` function or a `cognito_authorizer!`.
    Authorizer(Authorizer),
    /// An event-driven or plain function (`#[schedule]`, `#[on_sqs_message]`,
    /// ..., `#[lambda_function]`).
    Function(FunctionFragment),
    /// A WebSocket handler (`#[on_ws_connect]`, `#[on_ws_disconnect]`,
    /// `#[on_ws_message]`).
    Websocket(WebsocketFragment),
}

impl Fragment {
    /// Parses one embedded fragment (its trailing NUL, if any, ignored).
    pub fn parse(bytes: &[u8]) -> Result<Self, serde_json::Error> {
        serde_json::from_slice(fragment_text(bytes))
    }

    /// The fragment's JSON text, in pieces around the three values only the
    /// compiler knows where the fragment is written: the module, file and
    /// line of the call site ([`SiteValue`]). The fields `module`, `file` and
    /// `line` of `self` are ignored. Joining the pieces with those values
    /// ([`render`]) gives the text [`Fragment::parse`] reads back; the macros
    /// join them with `concat!(.., module_path!(), .., file!(), .., line!(), ..)`.
    ///
    /// The holes are found by serializing the fragment with different site
    /// values and comparing the texts, so no key name is written here and no
    /// text the user wrote can be mistaken for a hole.
    pub fn template(&self) -> Result<Vec<Piece>, serde_json::Error> {
        let mut base = self.clone();
        base.set_site("", "", 0);
        let text = serde_json::to_string(&base)?;
        // Where each value goes: the byte offset in `text`, and how many
        // bytes of `text` the value replaces (the `0` of the line).
        let mut holes = Vec::with_capacity(3);
        for (value, replaced) in [
            (SiteValue::Module, 0),
            (SiteValue::File, 0),
            (SiteValue::Line, 1),
        ] {
            let mut probe = base.clone();
            match value {
                SiteValue::Module => probe.set_site("m", "", 0),
                SiteValue::File => probe.set_site("", "f", 0),
                SiteValue::Line => probe.set_site("", "", 1),
            }
            let probed = serde_json::to_string(&probe)?;
            let offset = text
                .bytes()
                .zip(probed.bytes())
                .position(|(a, b)| a != b)
                .filter(|offset| probed.len() == text.len() + 1 - replaced && *offset < text.len())
                .ok_or_else(|| {
                    <serde_json::Error as serde::ser::Error>::custom(format!(
                        "the fragment's {value:?} value is not where it was expected"
                    ))
                })?;
            holes.push((offset, replaced, value));
        }
        holes.sort_by_key(|(offset, _, _)| *offset);
        let mut pieces = Vec::with_capacity(7);
        let mut start = 0;
        for (offset, replaced, value) in holes {
            let before = text.get(start..offset).unwrap_or_default();
            if !before.is_empty() {
                pieces.push(Piece::Text(before.to_owned()));
            }
            pieces.push(Piece::Site(value));
            start = offset + replaced;
        }
        let rest = text.get(start..).unwrap_or_default();
        if !rest.is_empty() {
            pieces.push(Piece::Text(rest.to_owned()));
        }
        Ok(pieces)
    }

    /// Sets the call-site values of the fragment.
    fn set_site(&mut self, module: &str, file: &str, line: u32) {
        let (m, f, l) = match self {
            Fragment::Route(route) => (&mut route.module, &mut route.file, &mut route.line),
            Fragment::Authorizer(authorizer) => (
                &mut authorizer.module,
                &mut authorizer.file,
                &mut authorizer.line,
            ),
            Fragment::Function(function) => {
                (&mut function.module, &mut function.file, &mut function.line)
            }
            Fragment::Websocket(handler) => {
                (&mut handler.module, &mut handler.file, &mut handler.line)
            }
        };
        module.clone_into(m);
        file.clone_into(f);
        *l = line;
    }
}

/// A value of a fragment that the compiler supplies where the fragment is
/// written (`module_path!()`, `file!()`, `line!()`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SiteValue {
    /// The module path of the call site, a JSON string's content.
    Module,
    /// The source file of the call site, a JSON string's content.
    File,
    /// The line of the call site, a JSON number.
    Line,
}

/// One piece of a fragment's text from [`Fragment::template`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// JSON text, written as is.
    Text(String),
    /// A call-site value, written as is: a module path or a file name inside
    /// the JSON string whose quotes the surrounding text holds, or a line number.
    Site(SiteValue),
}

/// Joins the pieces of [`Fragment::template`] with the call-site values, as
/// the macros' `concat!` does: the text of one fragment, without its NUL.
pub fn render(pieces: &[Piece], module: &str, file: &str, line: u32) -> String {
    let mut out = String::new();
    for piece in pieces {
        match piece {
            Piece::Text(text) => out.push_str(text),
            Piece::Site(SiteValue::Module) => out.push_str(module),
            Piece::Site(SiteValue::File) => out.push_str(file),
            Piece::Site(SiteValue::Line) => out.push_str(&line.to_string()),
        }
    }
    out
}

/// A fragment's JSON text: the bytes before the first NUL.
pub fn fragment_text(bytes: &[u8]) -> &[u8] {
    let end = bytes.iter().position(|b| *b == 0).unwrap_or(bytes.len());
    &bytes[..end]
}

/// A `#[route]` attribute as the macro saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteFragment {
    /// Name of the handler (the function name, or the `name` key).
    pub handler: String,
    /// `module_path!()` of the handler.
    pub module: String,
    /// `file!()` of the handler.
    pub file: String,
    /// Line of the attribute.
    pub line: u32,
    /// The path as the user wrote it: `/items/<id>`.
    pub path: String,
    /// The path in API Gateway form: `/items/{id}`.
    pub resource_path: String,
    /// HTTP methods, upper case.
    pub methods: Vec<String>,
    /// Accepted request content types.
    #[serde(default = "default_content_types")]
    pub content_types: Vec<String>,
    /// Whether an API key is required (`api_key_required = true`).
    #[serde(default)]
    pub api_key_required: bool,
    /// Name of the authorizer protecting the route, if any (`iam` for AWS_IAM).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorizer: Option<String>,
    /// CORS settings of the route, if it allows cross-origin calls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cors: Option<Cors>,
    /// The request model's name (`validate = true`): the type of its `Json<T>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// The handler's doc comment (the OpenAPI summary and description).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc: Option<String>,
}

/// The content types of a route that names none.
pub fn default_content_types() -> Vec<String> {
    vec!["application/json".to_owned()]
}

/// CORS settings: the headers API Gateway's preflight and the handler's
/// responses carry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cors {
    /// `Access-Control-Allow-Origin` (default `*`).
    pub allow_origin: String,
    /// `Access-Control-Allow-Headers`, added to Chalice's defaults.
    #[serde(default)]
    pub allow_headers: Vec<String>,
    /// `Access-Control-Expose-Headers`.
    #[serde(default)]
    pub expose_headers: Vec<String>,
    /// `Access-Control-Max-Age` in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_age: Option<u32>,
    /// `Access-Control-Allow-Credentials: true`.
    #[serde(default)]
    pub allow_credentials: bool,
}

impl Cors {
    /// [`Cors::headers`] as HTTP header names and values (an entry that is
    /// not a valid header is left out). With the `http` feature.
    #[cfg(feature = "http")]
    pub fn header_values(&self) -> Vec<(http::HeaderName, http::HeaderValue)> {
        self.headers()
            .into_iter()
            .filter_map(|(name, value)| {
                Some((
                    http::HeaderName::try_from(name).ok()?,
                    http::HeaderValue::try_from(value).ok()?,
                ))
            })
            .collect()
    }

    /// The response headers for these settings (without the preflight's
    /// `Access-Control-Allow-Methods`), sorted by name.
    pub fn headers(&self) -> Vec<(String, String)> {
        let mut allow: Vec<String> = CORS_DEFAULT_HEADERS
            .iter()
            .map(|h| (*h).to_owned())
            .collect();
        for header in &self.allow_headers {
            if !allow.iter().any(|h| h.eq_ignore_ascii_case(header)) {
                allow.push(header.clone());
            }
        }
        allow.sort();
        let mut out = vec![
            ("Access-Control-Allow-Headers".to_owned(), allow.join(",")),
            (
                "Access-Control-Allow-Origin".to_owned(),
                self.allow_origin.clone(),
            ),
        ];
        if !self.expose_headers.is_empty() {
            out.push((
                "Access-Control-Expose-Headers".to_owned(),
                self.expose_headers.join(","),
            ));
        }
        if let Some(max_age) = self.max_age {
            out.push(("Access-Control-Max-Age".to_owned(), max_age.to_string()));
        }
        if self.allow_credentials {
            out.push((
                "Access-Control-Allow-Credentials".to_owned(),
                "true".to_owned(),
            ));
        }
        out.sort();
        out
    }
}

/// What kind of authorizer, and where its identity comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AuthorizerKind {
    /// A TOKEN Lambda authorizer: one header carries the token.
    Token {
        /// The header (`Authorization` by default).
        header: String,
        /// A regular expression the token must match, checked by API Gateway.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        validation_expression: Option<String>,
    },
    /// A REQUEST Lambda authorizer: identity from headers, query strings and stage variables.
    Request {
        /// Identity sources in API Gateway form
        /// (`method.request.header.X`, `method.request.querystring.q`, `stageVariables.v`).
        identity_sources: Vec<String>,
    },
    /// A Cognito user pool authorizer.
    CognitoUserPools {
        /// The user pool ARNs.
        provider_arns: Vec<String>,
        /// The header carrying the token.
        header: String,
    },
}

/// An authorizer of the app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Authorizer {
    /// Its name (the function's name); routes name it.
    pub name: String,
    /// Module of the definition.
    pub module: String,
    /// Source file of the definition.
    pub file: String,
    /// Line of the definition.
    pub line: u32,
    /// The kind and identity sources.
    #[serde(rename = "authorizer")]
    pub kind: AuthorizerKind,
    /// How long API Gateway caches a decision per identity (0 to 3600 s).
    pub ttl_seconds: u32,
}

impl Authorizer {
    /// Whether a Lambda function runs this authorizer (not Cognito).
    pub fn has_function(&self) -> bool {
        !matches!(self.kind, AuthorizerKind::CognitoUserPools { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A route with every field set to a value other than its default.
    fn full_route() -> RouteFragment {
        RouteFragment {
            handler: "item".into(),
            module: "app::items".into(),
            file: "src/items.rs".into(),
            line: 42,
            path: "/items/<id>".into(),
            resource_path: "/items/{id}".into(),
            methods: vec!["GET".into(), "PUT".into()],
            content_types: vec!["text/plain".into()],
            api_key_required: true,
            authorizer: Some("bearer".into()),
            cors: Some(Cors {
                allow_origin: "https://example.com".into(),
                allow_headers: vec!["X-In".into()],
                expose_headers: vec!["X-Out".into()],
                max_age: Some(600),
                allow_credentials: true,
            }),
            model: Some("NewItem".into()),
            doc: Some("Gets one item.\n\nBy its `id`.".into()),
        }
    }

    fn authorizer(kind: AuthorizerKind) -> Authorizer {
        Authorizer {
            name: "bearer".into(),
            module: "app::auth".into(),
            file: "src/auth.rs".into(),
            line: 7,
            kind,
            ttl_seconds: 60,
        }
    }

    /// Every kind of fragment with every field set: what the writer produces
    /// the reader gives back, field for field.
    #[test]
    fn every_field_round_trips_through_the_template() {
        let fragments = [
            Fragment::Route(full_route()),
            Fragment::Route(RouteFragment {
                authorizer: None,
                cors: None,
                model: None,
                doc: None,
                api_key_required: false,
                ..full_route()
            }),
            Fragment::Authorizer(authorizer(AuthorizerKind::Token {
                header: "Authorization".into(),
                validation_expression: Some("^Bearer .+$".into()),
            })),
            Fragment::Authorizer(authorizer(AuthorizerKind::Token {
                header: "X-Token".into(),
                validation_expression: None,
            })),
            Fragment::Authorizer(authorizer(AuthorizerKind::Request {
                identity_sources: vec![
                    "method.request.header.X-Key".into(),
                    "method.request.querystring.key".into(),
                    "stageVariables.env".into(),
                ],
            })),
            Fragment::Authorizer(authorizer(AuthorizerKind::CognitoUserPools {
                provider_arns: vec!["arn:aws:cognito-idp:us-east-1:1:userpool/p".into()],
                header: "Authorization".into(),
            })),
        ]
        .into_iter()
        .chain(every_source().into_iter().map(|(source, _)| {
            Fragment::Function(FunctionFragment {
                name: "work".into(),
                module: "app::jobs".into(),
                file: "src/jobs.rs".into(),
                line: 9,
                source,
            })
        }))
        .chain([
            Fragment::Websocket(WebsocketFragment {
                route_key: CONNECT_ROUTE.into(),
                handler: "join".into(),
                module: "chat".into(),
                file: "src/main.rs".into(),
                line: 4,
                authorizer: Some("tickets".into()),
            }),
            Fragment::Websocket(WebsocketFragment {
                route_key: "sendmessage".into(),
                handler: "send".into(),
                module: "chat".into(),
                file: "src/main.rs".into(),
                line: 9,
                authorizer: None,
            }),
        ]);
        for fragment in fragments {
            let (module, file, line) = match &fragment {
                Fragment::Route(r) => (r.module.clone(), r.file.clone(), r.line),
                Fragment::Authorizer(a) => (a.module.clone(), a.file.clone(), a.line),
                Fragment::Function(f) => (f.module.clone(), f.file.clone(), f.line),
                Fragment::Websocket(w) => (w.module.clone(), w.file.clone(), w.line),
            };
            let pieces = fragment.template().unwrap();
            let holes: Vec<_> = pieces
                .iter()
                .filter_map(|p| match p {
                    Piece::Site(value) => Some(*value),
                    Piece::Text(_) => None,
                })
                .collect();
            assert_eq!(holes.len(), 3, "{pieces:?}");
            let mut text = render(&pieces, &module, &file, line);
            text.push('\0');
            assert_eq!(
                Fragment::parse(text.as_bytes()).unwrap(),
                fragment,
                "{text}"
            );
        }
    }

    /// Text the user wrote that looks like a key or a site value stays text.
    #[test]
    fn user_text_is_never_taken_for_a_hole() {
        let route = RouteFragment {
            handler: "\"module\":\"".into(),
            path: "/\",\"line\":0".into(),
            content_types: vec!["a/\"file\":\"\"".into()],
            ..full_route()
        };
        let pieces = Fragment::Route(route.clone()).template().unwrap();
        let text = render(&pieces, &route.module, &route.file, route.line);
        assert_eq!(
            Fragment::parse(text.as_bytes()).unwrap(),
            Fragment::Route(route)
        );
    }

    /// The wire format, key for key: a field renamed or retyped here changes
    /// what tools built against an earlier version read, so it must fail
    /// this test (and bump `MANIFEST_VERSION` if its meaning changes).
    #[test]
    fn the_wire_format_is_pinned() {
        let route = serde_json::to_value(Fragment::Route(full_route())).unwrap();
        assert_eq!(
            route,
            serde_json::json!({
                "kind": "route", "handler": "item", "module": "app::items",
                "file": "src/items.rs", "line": 42, "path": "/items/<id>",
                "resource_path": "/items/{id}", "methods": ["GET", "PUT"],
                "content_types": ["text/plain"], "api_key_required": true,
                "authorizer": "bearer",
                "cors": {
                    "allow_origin": "https://example.com", "allow_headers": ["X-In"],
                    "expose_headers": ["X-Out"], "max_age": 600, "allow_credentials": true,
                },
                "model": "NewItem", "doc": "Gets one item.\n\nBy its `id`.",
            })
        );
        let kinds = [
            (
                AuthorizerKind::Token {
                    header: "Authorization".into(),
                    validation_expression: Some("^B .+$".into()),
                },
                serde_json::json!({
                    "type": "token", "header": "Authorization", "validation_expression": "^B .+$",
                }),
            ),
            (
                AuthorizerKind::Request {
                    identity_sources: vec!["stageVariables.env".into()],
                },
                serde_json::json!({"type": "request", "identity_sources": ["stageVariables.env"]}),
            ),
            (
                AuthorizerKind::CognitoUserPools {
                    provider_arns: vec!["arn".into()],
                    header: "Authorization".into(),
                },
                serde_json::json!({
                    "type": "cognito_user_pools", "provider_arns": ["arn"], "header": "Authorization",
                }),
            ),
        ];
        for (kind, json) in kinds {
            assert_eq!(
                serde_json::to_value(Fragment::Authorizer(authorizer(kind))).unwrap(),
                serde_json::json!({
                    "kind": "authorizer", "name": "bearer", "module": "app::auth",
                    "file": "src/auth.rs", "line": 7, "authorizer": json, "ttl_seconds": 60,
                })
            );
        }
    }

    /// Every kind of event source with every field set, and its JSON.
    fn every_source() -> Vec<(EventSource, serde_json::Value)> {
        use serde_json::json;
        vec![
            (
                EventSource::Schedule {
                    expression: "rate(5 minutes)".into(),
                    description: Some("tidy".into()),
                },
                json!({"type": "schedule", "expression": "rate(5 minutes)", "description": "tidy"}),
            ),
            (
                EventSource::EventBridge {
                    pattern: r#"{"source":["app"]}"#.into(),
                    bus: Some("orders".into()),
                },
                json!({"type": "event_bridge", "pattern": "{\"source\":[\"app\"]}", "bus": "orders"}),
            ),
            (
                EventSource::Sqs {
                    queue: "Jobs".into(),
                    batch_size: 20,
                    max_batching_window: Some(5),
                },
                json!({"type": "sqs", "queue": "Jobs", "batch_size": 20, "max_batching_window": 5}),
            ),
            (
                EventSource::Sns {
                    topic: "arn:aws:sns:us-east-1:1:t".into(),
                    filter_policy: Some(r#"{"k":["v"]}"#.into()),
                },
                json!({"type": "sns", "topic": "arn:aws:sns:us-east-1:1:t", "filter_policy": "{\"k\":[\"v\"]}"}),
            ),
            (
                EventSource::S3 {
                    bucket: "Uploads".into(),
                    events: vec!["s3:ObjectCreated:*".into()],
                    prefix: Some("in/".into()),
                    suffix: Some(".csv".into()),
                },
                json!({"type": "s3", "bucket": "Uploads", "events": ["s3:ObjectCreated:*"],
                       "prefix": "in/", "suffix": ".csv"}),
            ),
            (
                EventSource::DynamodbStream {
                    stream: "Table".into(),
                    batch_size: 100,
                    starting_position: "LATEST".into(),
                    max_batching_window: Some(1),
                },
                json!({"type": "dynamodb_stream", "stream": "Table", "batch_size": 100,
                       "starting_position": "LATEST", "max_batching_window": 1}),
            ),
            (
                EventSource::Kinesis {
                    stream: "Clicks".into(),
                    batch_size: 50,
                    starting_position: "TRIM_HORIZON".into(),
                    max_batching_window: Some(2),
                },
                json!({"type": "kinesis", "stream": "Clicks", "batch_size": 50,
                       "starting_position": "TRIM_HORIZON", "max_batching_window": 2}),
            ),
            (EventSource::Invoke, json!({"type": "invoke"})),
        ]
    }

    /// WebSocket handlers' wire format, key for key.
    #[test]
    fn the_websocket_wire_format_is_pinned() {
        let fragment = Fragment::Websocket(WebsocketFragment {
            route_key: CONNECT_ROUTE.into(),
            handler: "join".into(),
            module: "chat".into(),
            file: "src/main.rs".into(),
            line: 4,
            authorizer: Some("tickets".into()),
        });
        assert_eq!(
            serde_json::to_value(&fragment).unwrap(),
            serde_json::json!({
                "kind": "websocket", "route_key": "$connect", "handler": "join",
                "module": "chat", "file": "src/main.rs", "line": 4, "authorizer": "tickets",
            })
        );
        let Fragment::Websocket(handler) = fragment else {
            panic!("not a websocket handler");
        };
        assert_eq!(handler.lambda_handler(), "websocket:$connect");
        assert_eq!(handler.function_name(), "websocket_connect");
    }

    /// Event functions' wire format, key for key.
    #[test]
    fn the_function_wire_format_is_pinned() {
        for (source, json) in every_source() {
            let fragment = Fragment::Function(FunctionFragment {
                name: "work".into(),
                module: "app::jobs".into(),
                file: "src/jobs.rs".into(),
                line: 9,
                source,
            });
            assert_eq!(
                serde_json::to_value(&fragment).unwrap(),
                serde_json::json!({
                    "kind": "function", "name": "work", "module": "app::jobs",
                    "file": "src/jobs.rs", "line": 9, "source": json,
                })
            );
        }
        let text = r#"{"kind":"function","name":"n","module":"m","file":"f.rs","line":1,
            "source":{"type":"sqs","queue":"q","batch_size":10}}"#;
        let Fragment::Function(function) = Fragment::parse(text.as_bytes()).unwrap() else {
            panic!("not a function");
        };
        assert_eq!(function.handler(), "function:n");
        assert!(function.source.is_batch());
    }

    /// The shape of the JSON the tools of earlier builds read: the tag, the
    /// key names and the defaults of the optional fields.
    #[test]
    fn the_wire_format_keeps_its_key_names() {
        let text = r#"{"kind":"route","handler":"h","module":"m","file":"f.rs","line":1,
            "path":"/","resource_path":"/","methods":["GET"]}"#;
        let Fragment::Route(route) = Fragment::parse(text.as_bytes()).unwrap() else {
            panic!("not a route");
        };
        assert_eq!(route.content_types, ["application/json"]);
        assert!(!route.api_key_required && route.cors.is_none());
        let text = r#"{"kind":"authorizer","name":"users","module":"m","file":"f.rs","line":1,
            "authorizer":{"type":"cognito_user_pools","provider_arns":["arn"],"header":"Authorization"},
            "ttl_seconds":300}"#;
        let Fragment::Authorizer(authorizer) = Fragment::parse(text.as_bytes()).unwrap() else {
            panic!("not an authorizer");
        };
        assert!(!authorizer.has_function());
        let cors: Cors = serde_json::from_str(r#"{"allow_origin":"*"}"#).unwrap();
        assert_eq!(cors.headers().len(), 2);
    }
}

//! API Gateway's side of a request, reproduced for the test client and
//! `cargo chalice local`: routing with API Gateway's precedence, the REST v1
//! proxy event, binary media types, and gateway responses.
//!
//! The event carries what a REST API's proxy integration carries: `path`,
//! `requestContext.path` and `pathParameters` (`{proxy+}` included) as the
//! client encoded them, and the query string decoded as a form
//! (`queryStringParameters` and `multiValueQueryStringParameters`).

pub use crate::rest_event::{CallerContext, RestEvent};
use aws_lambda_events::apigw::ApiGatewayProxyRequest;
use http::{HeaderMap, HeaderName, HeaderValue, Method};
use std::collections::{BTreeMap, HashMap};

/// Chalice's default binary media types (used when the config sets none).
pub const DEFAULT_BINARY_MEDIA_TYPES: &[&str] = &[
    "application/octet-stream",
    "application/x-tar",
    "application/zip",
    "audio/basic",
    "audio/ogg",
    "audio/mp4",
    "audio/mpeg",
    "audio/wav",
    "audio/webm",
    "image/png",
    "image/jpg",
    "image/jpeg",
    "image/gif",
    "video/ogg",
    "video/mpeg",
    "video/webm",
];

/// The largest request body API Gateway accepts: 10 MB.
pub const MAX_BODY_BYTES: usize = 10 * 1024 * 1024;

/// Where a request path leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteMatch {
    /// The matched resource in API Gateway form (`/items/{id}`).
    pub resource_path: String,
    /// The path parameters as the client encoded them (`Le%20Guin`), as
    /// API Gateway passes them; a greedy `{proxy+}` value is the rest of the
    /// path without its trailing slash. An encoded `/` (`%2F`) does not
    /// separate segments.
    pub path_params: HashMap<String, String>,
}

#[derive(Debug, Default, Clone)]
struct Node {
    literals: BTreeMap<String, Node>,
    param: Option<(String, Box<Node>)>,
    greedy: Option<(String, Vec<String>)>,
    resource_path: Option<String>,
    methods: Vec<String>,
}

/// Matches request paths to resources as API Gateway does: a literal segment
/// before `{param}` before `{proxy+}`, trailing slash ignored; an unknown
/// path or a method the resource lacks is "Missing Authentication Token".
#[derive(Debug, Default, Clone)]
pub struct Router {
    root: Node,
}

impl Router {
    /// A router over `(resource_path, method)` pairs.
    pub fn new<'a>(routes: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut root = Node::default();
        for (resource_path, method) in routes {
            let mut node = &mut root;
            let mut greedy_methods = None;
            for segment in resource_path.split('/').filter(|s| !s.is_empty()) {
                if let Some(name) = segment.strip_prefix('{').and_then(|s| s.strip_suffix("+}")) {
                    let entry = node
                        .greedy
                        .get_or_insert_with(|| (name.to_owned(), Vec::new()));
                    greedy_methods = Some((resource_path.to_owned(), &mut entry.1));
                    break;
                } else if let Some(name) =
                    segment.strip_prefix('{').and_then(|s| s.strip_suffix('}'))
                {
                    let entry = node
                        .param
                        .get_or_insert_with(|| (name.to_owned(), Box::default()));
                    node = &mut entry.1;
                } else {
                    node = node.literals.entry(segment.to_owned()).or_default();
                }
            }
            match greedy_methods {
                Some((path, methods)) => {
                    methods.push(format!("{method} {path}"));
                }
                None => {
                    node.resource_path = Some(resource_path.to_owned());
                    node.methods.push(method.to_owned());
                }
            }
        }
        Self { root }
    }

    /// Matches `method` and `path` (the URL path, without the query string).
    pub fn route(&self, method: &str, path: &str) -> Option<RouteMatch> {
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let mut params = HashMap::new();
        let resource = match_node(&self.root, &segments, method, &mut params)?;
        Some(RouteMatch {
            resource_path: resource,
            path_params: params,
        })
    }
}

fn match_node(
    node: &Node,
    segments: &[&str],
    method: &str,
    params: &mut HashMap<String, String>,
) -> Option<String> {
    let Some((first, rest)) = segments.split_first() else {
        if node.methods.iter().any(|m| m == method) {
            return node.resource_path.clone();
        }
        return None;
    };
    if let Some(child) = node.literals.get(*first) {
        if let Some(found) = match_node(child, rest, method, params) {
            return Some(found);
        }
    }
    if let Some((name, child)) = &node.param {
        if let Some(found) = match_node(child, rest, method, params) {
            params.insert(name.clone(), (*first).to_owned());
            return Some(found);
        }
    }
    if let Some((name, methods)) = &node.greedy {
        let prefix = format!("{method} ");
        if let Some(entry) = methods.iter().find(|m| m.starts_with(&prefix)) {
            params.insert(name.clone(), segments.join("/"));
            return Some(entry[prefix.len()..].to_owned());
        }
    }
    None
}

/// An HTTP request as it reaches API Gateway.
#[derive(Debug, Clone, Default)]
pub struct HttpRequest {
    /// The method.
    pub method: Method,
    /// The path, percent-encoded as sent, without the query string.
    pub path: String,
    /// The raw query string, without `?`.
    pub query: String,
    /// The headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Vec<u8>,
}

/// What API Gateway knows beyond the request: stage, variables, caller.
#[derive(Debug, Clone)]
pub struct EventSettings {
    /// The stage name (`api` by default).
    pub stage: String,
    /// The stage variables.
    pub stage_variables: HashMap<String, String>,
    /// Media types sent to the function base64-encoded.
    pub binary_media_types: Vec<String>,
    /// The caller's IP address.
    pub source_ip: String,
    /// The account id in the request context.
    pub account_id: String,
    /// The API id in the request context.
    pub api_id: String,
}

impl Default for EventSettings {
    fn default() -> Self {
        Self {
            stage: "api".to_owned(),
            stage_variables: HashMap::new(),
            binary_media_types: DEFAULT_BINARY_MEDIA_TYPES
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
            source_ip: "127.0.0.1".to_owned(),
            account_id: "123456789012".to_owned(),
            api_id: "local".to_owned(),
        }
    }
}

/// Whether `content_type` matches one of `binary_media_types` (`image/*` and
/// `*/*` wildcards included).
pub fn is_binary(content_type: Option<&str>, binary_media_types: &[String]) -> bool {
    let Some(content_type) = content_type else {
        return false;
    };
    let media = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    binary_media_types.iter().any(|pattern| {
        let pattern = pattern.to_ascii_lowercase();
        match pattern.split_once('/') {
            Some(("*", "*")) => true,
            Some((kind, "*")) => media.split_once('/').is_some_and(|(k, _)| k == kind),
            _ => pattern == media,
        }
    })
}

/// Builds the REST v1 proxy event API Gateway sends for `request` routed to
/// `matched`: the JSON [`RestEvent`] writes, read back as the function reads it.
pub fn build_event(
    request: &HttpRequest,
    matched: &RouteMatch,
    settings: &EventSettings,
    request_id: &str,
    request_time_epoch_ms: i64,
) -> ApiGatewayProxyRequest {
    let event = RestEvent {
        request,
        matched,
        settings,
        request_id,
        epoch_ms: request_time_epoch_ms,
    };
    let json = event.to_json(&CallerContext::default());
    // The writer's events read back as this type: its tests check it for any request.
    serde_json::from_slice(&json).unwrap_or_default()
}

/// The responses API Gateway itself answers with (before or instead of the
/// function), as the deployed API sends them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum GatewayResponse {
    /// Unknown path or method: 403 `Missing Authentication Token`.
    MissingAuthenticationToken,
    /// API key missing or wrong: 403 `Forbidden`.
    InvalidApiKey,
    /// The authorizer found no identity or said Unauthorized: 401.
    Unauthorized,
    /// The authorizer denied explicitly: 403.
    AccessDenied,
    /// The authorizer's policy does not allow this method (no explicit deny): 403.
    NotAuthorized,
    /// The authorizer failed (crashed, timed out, answered no valid policy): 500.
    AuthorizerConfigurationError,
    /// The body does not match the route's request model: 400.
    BadRequestBody,
    /// The function crashed or answered a malformed proxy response: 502.
    IntegrationFailure,
    /// The function outlived the timeout: 504.
    IntegrationTimeout,
    /// The proxy event is over Lambda's 6 MB (a body over 10 MB is refused
    /// before, by [`crate::gateway_limits`]): 413.
    RequestTooLarge,
    /// Throttled: 429 `Too Many Requests`.
    Throttled,
    /// Usage plan quota exceeded: 429 `Limit Exceeded`.
    QuotaExceeded,
}

impl GatewayResponse {
    /// Status code, `x-amzn-ErrorType` and JSON body.
    pub fn parts(self) -> (u16, &'static str, &'static str) {
        match self {
            Self::MissingAuthenticationToken => (
                403,
                "MissingAuthenticationTokenException",
                r#"{"message":"Missing Authentication Token"}"#,
            ),
            Self::InvalidApiKey => (403, "ForbiddenException", r#"{"message":"Forbidden"}"#),
            Self::Unauthorized => (
                401,
                "UnauthorizedException",
                r#"{"message":"Unauthorized"}"#,
            ),
            Self::AccessDenied => (
                403,
                "AccessDeniedException",
                r#"{"message":"User is not authorized to access this resource with an explicit deny"}"#,
            ),
            Self::NotAuthorized => (
                403,
                "AccessDeniedException",
                r#"{"message":"User is not authorized to access this resource"}"#,
            ),
            Self::AuthorizerConfigurationError => (
                500,
                "AuthorizerConfigurationException",
                r#"{"message": null}"#,
            ),
            Self::BadRequestBody => (
                400,
                "BadRequestException",
                r#"{"message": "Invalid request body"}"#,
            ),
            Self::IntegrationFailure => (
                502,
                "InternalServerErrorException",
                r#"{"message": "Internal server error"}"#,
            ),
            Self::IntegrationTimeout => (
                504,
                "InternalServerErrorException",
                r#"{"message": "Endpoint request timed out"}"#,
            ),
            // As a deployed API answers a body that fits its 10 MB but not Lambda's 6 MB.
            Self::RequestTooLarge => (
                413,
                "BadRequestException",
                r#"{"message": "Request Too Long"}"#,
            ),
            Self::Throttled => (
                429,
                "TooManyRequestsException",
                r#"{"message":"Too Many Requests"}"#,
            ),
            Self::QuotaExceeded => (
                429,
                "LimitExceededException",
                r#"{"message":"Limit Exceeded"}"#,
            ),
        }
    }

    /// The gateway response type an app overrides it with
    /// (`gateway_responses` in the config; `DEFAULT_4XX`/`DEFAULT_5XX` apply
    /// to the types it does not name).
    pub fn response_type(self) -> &'static str {
        match self {
            Self::MissingAuthenticationToken => "MISSING_AUTHENTICATION_TOKEN",
            Self::InvalidApiKey => "INVALID_API_KEY",
            Self::Unauthorized => "UNAUTHORIZED",
            Self::AccessDenied | Self::NotAuthorized => "ACCESS_DENIED",
            Self::AuthorizerConfigurationError => "AUTHORIZER_CONFIGURATION_ERROR",
            Self::BadRequestBody => "BAD_REQUEST_BODY",
            // A failed Lambda proxy integration answers with the default 5XX response.
            Self::IntegrationFailure => "DEFAULT_5XX",
            Self::IntegrationTimeout => "INTEGRATION_TIMEOUT",
            Self::RequestTooLarge => "REQUEST_TOO_LARGE",
            Self::Throttled => "THROTTLED",
            Self::QuotaExceeded => "QUOTA_EXCEEDED",
        }
    }

    /// The message of the body (`$context.error.message` in a template).
    pub fn message(self) -> Option<String> {
        let (_, _, body) = self.parts();
        serde_json::from_str::<serde_json::Value>(body)
            .ok()?
            .get("message")?
            .as_str()
            .map(str::to_owned)
    }

    /// The response's headers: JSON content type and `x-amzn-ErrorType`.
    pub fn headers(self) -> HeaderMap {
        let (_, error_type, _) = self.parts();
        let mut headers = HeaderMap::new();
        headers.insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        headers.insert(
            HeaderName::from_static("x-amzn-errortype"),
            HeaderValue::from_static(error_type),
        );
        headers
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn router() -> Router {
        Router::new([
            ("/", "GET"),
            ("/items", "GET"),
            ("/items/{id}", "GET"),
            ("/items/{id}", "PUT"),
            ("/items/special", "GET"),
            ("/files/{path+}", "GET"),
            ("/{proxy+}", "POST"),
        ])
    }

    #[test]
    fn literal_beats_parameter_beats_greedy() {
        let r = router();
        assert_eq!(
            r.route("GET", "/items/special").unwrap().resource_path,
            "/items/special"
        );
        let m = r.route("GET", "/items/7").unwrap();
        assert_eq!(m.resource_path, "/items/{id}");
        assert_eq!(m.path_params["id"], "7");
        let m = r.route("GET", "/files/a/b%20c.txt").unwrap();
        assert_eq!(m.resource_path, "/files/{path+}");
        assert_eq!(m.path_params["path"], "a/b%20c.txt");
        assert_eq!(
            r.route("POST", "/anything/else").unwrap().resource_path,
            "/{proxy+}"
        );
    }

    #[test]
    fn path_parameters_keep_the_clients_encoding() {
        let r = router();
        let m = r.route("GET", "/items/Le%20Guin").unwrap();
        assert_eq!(m.path_params["id"], "Le%20Guin");
        // `+` is not a space in a path; `%2F` is inside the segment.
        let m = r.route("GET", "/items/a+b%2Fc").unwrap();
        assert_eq!(m.resource_path, "/items/{id}");
        assert_eq!(m.path_params["id"], "a+b%2Fc");
        let m = r
            .route("GET", "/files/Le%20Guin%2Fbooks/caf%C3%A9/")
            .unwrap();
        assert_eq!(m.resource_path, "/files/{path+}");
        assert_eq!(m.path_params["path"], "Le%20Guin%2Fbooks/caf%C3%A9");
        // Escapes that do not decode are passed on too: the handler decides.
        let m = r.route("GET", "/items/%zz%FF").unwrap();
        assert_eq!(m.path_params["id"], "%zz%FF");
    }

    #[test]
    fn trailing_slash_is_ignored() {
        assert_eq!(
            router().route("GET", "/items/").unwrap().resource_path,
            "/items"
        );
        assert_eq!(router().route("GET", "/").unwrap().resource_path, "/");
    }

    #[test]
    fn unknown_path_or_method_does_not_match() {
        assert!(router().route("GET", "/nope").is_none());
        assert!(router().route("DELETE", "/items/7").is_none());
        assert!(router().route("GET", "/files").is_none());
    }

    #[test]
    fn parameter_falls_back_when_literal_subtree_fails() {
        let r = Router::new([("/a/b", "GET"), ("/a/{x}/c", "GET")]);
        assert_eq!(r.route("GET", "/a/b/c").unwrap().resource_path, "/a/{x}/c");
    }

    #[test]
    fn event_has_rest_v1_fields() {
        let mut headers = HeaderMap::new();
        headers.append("x-tag", HeaderValue::from_static("a"));
        headers.append("x-tag", HeaderValue::from_static("b"));
        headers.insert("content-type", HeaderValue::from_static("image/png"));
        let request = HttpRequest {
            method: Method::PUT,
            path: "/items/7".into(),
            query: "q=1&q=2&x=a+b".into(),
            headers,
            body: vec![0, 1, 2],
        };
        let matched = router().route("PUT", "/items/7").unwrap();
        let event = build_event(&request, &matched, &EventSettings::default(), "req-1", 5);
        let json = serde_json::to_value(&event).unwrap();
        assert_eq!(json["resource"], "/items/{id}");
        assert_eq!(json["pathParameters"]["id"], "7");
        assert_eq!(json["queryStringParameters"]["q"], "2");
        assert_eq!(
            json["multiValueQueryStringParameters"]["q"],
            serde_json::json!(["1", "2"])
        );
        assert_eq!(json["queryStringParameters"]["x"], "a b");
        assert_eq!(
            json["multiValueHeaders"]["x-tag"],
            serde_json::json!(["a", "b"])
        );
        assert_eq!(json["headers"]["x-tag"], "b");
        assert_eq!(json["isBase64Encoded"], true);
        assert_eq!(json["body"], "AAEC");
        assert_eq!(json["requestContext"]["resourcePath"], "/items/{id}");
        assert_eq!(json["requestContext"]["stage"], "api");
        assert_eq!(json["requestContext"]["identity"]["sourceIp"], "127.0.0.1");
    }

    fn event_for(path: &str, query: &str) -> serde_json::Value {
        let request = HttpRequest {
            method: Method::GET,
            path: path.into(),
            query: query.into(),
            ..HttpRequest::default()
        };
        let matched = router().route("GET", path).unwrap();
        let settings = EventSettings {
            stage: "dev".into(),
            ..EventSettings::default()
        };
        serde_json::to_value(build_event(&request, &matched, &settings, "req", 0)).unwrap()
    }

    #[test]
    fn event_paths_are_as_the_client_encoded_them() {
        let json = event_for("/items/Le%20Guin", "");
        assert_eq!(json["path"], "/items/Le%20Guin");
        assert_eq!(json["resource"], "/items/{id}");
        assert_eq!(
            json["pathParameters"],
            serde_json::json!({"id": "Le%20Guin"})
        );
        assert_eq!(json["requestContext"]["path"], "/dev/items/Le%20Guin");
        assert_eq!(json["requestContext"]["resourcePath"], "/items/{id}");

        let json = event_for("/files/user/test%2Balias@x.com/plus/test+alias@x.com/", "");
        assert_eq!(
            json["path"],
            "/files/user/test%2Balias@x.com/plus/test+alias@x.com/"
        );
        assert_eq!(
            json["pathParameters"]["path"],
            "user/test%2Balias@x.com/plus/test+alias@x.com"
        );
        assert_eq!(json["resource"], "/files/{path+}");
    }

    #[test]
    fn the_query_is_decoded_as_a_form() {
        let query = "email=test%2Balias@x.com&plus=test+alias&space=foo%20bar\
                     &url=https://x.com/a%2Fb%3Fc%3D1&tag=a&tag=b&tag=&flag&&empty=";
        let json = event_for("/items", query);
        let single = &json["queryStringParameters"];
        assert_eq!(single["email"], "test+alias@x.com");
        assert_eq!(single["plus"], "test alias");
        assert_eq!(single["space"], "foo bar");
        assert_eq!(single["url"], "https://x.com/a/b?c=1");
        // A repeated name: the last value alone, every value in the multi map.
        assert_eq!(single["tag"], "");
        assert_eq!(
            json["multiValueQueryStringParameters"]["tag"],
            serde_json::json!(["a", "b", ""])
        );
        // A name without `=` and an empty value are both "".
        assert_eq!(single["flag"], "");
        assert_eq!(single["empty"], "");
        assert_eq!(
            single.as_object().map(|o| o.len()),
            Some(7),
            "no entry for `&&`: {single}"
        );
    }

    #[test]
    fn undecodable_query_escapes_do_not_fail_the_event() {
        let json = event_for("/items", "bad=%zz&bits=%FF&half=caf%C3&plus=%2");
        let single = &json["queryStringParameters"];
        assert_eq!(single["bad"], "%zz");
        assert_eq!(single["bits"], "\u{FFFD}");
        assert_eq!(single["half"], "caf\u{FFFD}");
        assert_eq!(single["plus"], "%2");
    }

    #[test]
    fn binary_media_types_support_wildcards() {
        let types = vec!["image/*".to_owned()];
        assert!(is_binary(Some("image/png; q=1"), &types));
        assert!(!is_binary(Some("text/plain"), &types));
        assert!(is_binary(Some("text/plain"), &["*/*".to_owned()]));
        assert!(!is_binary(None, &types));
    }
}

//! Lambda authorizers: the request API Gateway sends them and the decision they return.
//!
//! ```
//! use chalice_rs_runtime::authorizer::{AuthRequest, AuthResponse};
//! use chalice_rs_runtime::{authorizer, route};
//!
//! #[authorizer(header = "Authorization", ttl = 300)]
//! async fn bearer(request: AuthRequest) -> AuthResponse {
//!     match request.token() {
//!         Some("Bearer let-me-in") => AuthResponse::allow("user-1", ["/private/*"]).context("role", "admin"),
//!         Some("Bearer go-away") => AuthResponse::deny("user-2"),
//!         _ => AuthResponse::unauthorized(),
//!     }
//! }
//!
//! #[route("/private/data", authorizer = bearer)]
//! async fn data(request: chalice_rs_runtime::Request) -> String {
//!     format!("hello {:?}", request.authorizer().get("principalId"))
//! }
//! # fn main() {}
//! ```

use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;

/// What an authorizer function receives: a TOKEN or a REQUEST authorizer event.
#[derive(Debug, Clone)]
pub struct AuthRequest {
    event: Value,
}

impl AuthRequest {
    /// Wraps the raw authorizer event.
    pub fn from_event(event: Value) -> Self {
        Self { event }
    }
    /// The raw event.
    pub fn event(&self) -> &Value {
        &self.event
    }
    /// `TOKEN` or `REQUEST`.
    pub fn kind(&self) -> &str {
        self.event.get("type").and_then(Value::as_str).unwrap_or("")
    }
    /// The method ARN being authorized:
    /// `arn:aws:execute-api:{region}:{account}:{api}/{stage}/{METHOD}/{path}`.
    pub fn method_arn(&self) -> &str {
        self.event
            .get("methodArn")
            .and_then(Value::as_str)
            .unwrap_or("")
    }
    /// The token of a TOKEN authorizer (the identity header's value).
    pub fn token(&self) -> Option<&str> {
        self.event.get("authorizationToken").and_then(Value::as_str)
    }
    /// A header of a REQUEST authorizer's event (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.event
            .get("headers")
            .and_then(Value::as_object)?
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .and_then(|(_, value)| value.as_str())
    }
    /// A query-string parameter of a REQUEST authorizer's event.
    pub fn query(&self, name: &str) -> Option<&str> {
        self.event.get("queryStringParameters")?.get(name)?.as_str()
    }
    /// A stage variable of a REQUEST authorizer's event.
    pub fn stage_variable(&self, name: &str) -> Option<&str> {
        self.event.get("stageVariables")?.get(name)?.as_str()
    }
}

/// An allowed route: a path (`/items/*`, `/items/{id}` or `*`) and its methods.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthRoute {
    /// The path, with `*` wildcards.
    pub path: String,
    /// The methods; empty means every method.
    pub methods: Vec<String>,
}

impl AuthRoute {
    /// A path allowed for the given methods.
    pub fn new(
        path: impl Into<String>,
        methods: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        Self {
            path: path.into(),
            methods: methods.into_iter().map(Into::into).collect(),
        }
    }
}

impl From<&str> for AuthRoute {
    fn from(path: &str) -> Self {
        Self {
            path: path.to_owned(),
            methods: Vec::new(),
        }
    }
}

impl From<String> for AuthRoute {
    fn from(path: String) -> Self {
        Self {
            path,
            methods: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Decision {
    Allow(Vec<AuthRoute>),
    Deny,
    Policy(Value),
    Unauthorized,
}

/// An authorizer's answer: allow some routes, deny, a full IAM policy, or
/// "Unauthorized" (API Gateway answers 401).
#[derive(Debug, Clone, PartialEq)]
pub struct AuthResponse {
    principal_id: String,
    decision: Decision,
    context: Map<String, Value>,
}

/// The authorizer failed the request with 401: the Lambda error message API
/// Gateway recognises.
pub const UNAUTHORIZED: &str = "Unauthorized";

impl AuthResponse {
    /// Allows `principal_id` to call `routes` (Chalice style: `"/items/*"`,
    /// `"*"` for everything, or [`AuthRoute`] for given methods); every other
    /// route is implicitly denied (403).
    pub fn allow<R: Into<AuthRoute>>(
        principal_id: impl Into<String>,
        routes: impl IntoIterator<Item = R>,
    ) -> Self {
        Self {
            principal_id: principal_id.into(),
            decision: Decision::Allow(routes.into_iter().map(Into::into).collect()),
            context: Map::new(),
        }
    }
    /// Denies every route explicitly (403 "... with an explicit deny").
    pub fn deny(principal_id: impl Into<String>) -> Self {
        Self {
            principal_id: principal_id.into(),
            decision: Decision::Deny,
            context: Map::new(),
        }
    }
    /// Returns this IAM policy document as is.
    pub fn policy(principal_id: impl Into<String>, policy_document: Value) -> Self {
        Self {
            principal_id: principal_id.into(),
            decision: Decision::Policy(policy_document),
            context: Map::new(),
        }
    }
    /// No valid identity: API Gateway answers 401 `Unauthorized`.
    pub fn unauthorized() -> Self {
        Self {
            principal_id: String::new(),
            decision: Decision::Unauthorized,
            context: Map::new(),
        }
    }
    /// Adds a context entry, passed to the handler in `requestContext.authorizer`
    /// (API Gateway accepts strings, numbers and booleans).
    pub fn context(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.context.insert(key.into(), value.into());
        self
    }

    /// The authorizer's Lambda output for `method_arn`, or `Err(UNAUTHORIZED)`.
    pub fn into_output(self, method_arn: &str) -> Result<Value, &'static str> {
        let statements = match self.decision {
            Decision::Unauthorized => return Err(UNAUTHORIZED),
            Decision::Policy(policy) => {
                return Ok(output(&self.principal_id, policy, self.context));
            }
            Decision::Deny => vec![json!({
                "Action": "execute-api:Invoke",
                "Effect": "Deny",
                "Resource": [route_arn(method_arn, "*", "*")],
            })],
            Decision::Allow(routes) => {
                let mut resources = Vec::new();
                for route in &routes {
                    if route.methods.is_empty() {
                        resources.push(route_arn(method_arn, "*", &route.path));
                    } else {
                        for method in &route.methods {
                            resources.push(route_arn(method_arn, method, &route.path));
                        }
                    }
                }
                if resources.is_empty() {
                    Vec::new()
                } else {
                    vec![json!({
                        "Action": "execute-api:Invoke",
                        "Effect": "Allow",
                        "Resource": resources,
                    })]
                }
            }
        };
        let policy = json!({ "Version": "2012-10-17", "Statement": statements });
        Ok(output(&self.principal_id, policy, self.context))
    }
}

fn output(principal_id: &str, policy: Value, context: Map<String, Value>) -> Value {
    let mut out = json!({ "principalId": principal_id, "policyDocument": policy });
    if !context.is_empty() {
        out["context"] = Value::Object(context);
    }
    out
}

/// `arn:...:{api}/{stage}/{method}/{path}` for the API and stage of `method_arn`.
fn route_arn(method_arn: &str, method: &str, path: &str) -> String {
    // arn:aws:execute-api:region:account:api/stage/METHOD/path...
    let (prefix, resource) = method_arn.rsplit_once(':').unwrap_or(("", method_arn));
    let mut parts = resource.splitn(3, '/');
    let api = parts.next().unwrap_or("*");
    let stage = parts.next().unwrap_or("*");
    // A WebSocket API's `$connect` (`api/stage/$connect`): its routes are
    // route keys, not methods and paths; allowing or denying is for the
    // connection, on every route key of the stage.
    if parts.next().is_some_and(|route| !route.contains('/')) {
        return format!("{prefix}:{api}/{stage}/*");
    }
    let path = path.trim_start_matches('/');
    let path = if path.is_empty() { "" } else { path };
    format!("{prefix}:{api}/{stage}/{method}/{path}")
}

/// Whether `policy` allows invoking `method_arn`; `None` when it says nothing
/// (implicit deny), `Some(false)` for an explicit deny. Wildcards `*` and `?`
/// match as IAM does.
pub fn evaluate_policy(policy: &Value, method_arn: &str) -> Option<bool> {
    // Read in place: a cached authorizer's policy is evaluated on every request.
    let mut allowed = None;
    for statement in statements(policy) {
        let effect = statement
            .get("Effect")
            .and_then(Value::as_str)
            .unwrap_or("");
        if !string_or_list(statement.get("Action")).any(covers_invoke) {
            continue;
        }
        if !string_or_list(statement.get("Resource"))
            .any(|resource| wildcard_match(resource, method_arn))
        {
            continue;
        }
        match effect {
            "Deny" => return Some(false),
            "Allow" => allowed = Some(true),
            _ => {}
        }
    }
    allowed
}

/// A policy document's statements: its `Statement` list, or the one
/// statement it holds; anything else has none.
pub fn statements(policy: &Value) -> &[Value] {
    match policy.get("Statement") {
        Some(Value::Array(list)) => list,
        Some(single @ Value::Object(_)) => std::slice::from_ref(single),
        _ => &[],
    }
}

/// Whether an IAM `Action` (`execute-api:Invoke`, `execute-api:*`, `*`...)
/// covers `execute-api:Invoke`. Action names are case-insensitive in IAM.
pub fn covers_invoke(action: &str) -> bool {
    if action.bytes().any(|b| b.is_ascii_uppercase()) {
        wildcard_match(&action.to_ascii_lowercase(), "execute-api:invoke")
    } else {
        wildcard_match(action, "execute-api:invoke")
    }
}

/// The strings of a policy field that holds a string or a list of strings
/// (`Action`, `Resource`, a condition's values), borrowed; anything else
/// has none.
pub fn string_or_list(value: Option<&Value>) -> impl Iterator<Item = &str> {
    let list = match value {
        Some(single @ Value::String(_)) => std::slice::from_ref(single),
        Some(Value::Array(list)) => list.as_slice(),
        _ => &[],
    };
    list.iter().filter_map(Value::as_str)
}

/// IAM-style glob: `*` any run of characters, `?` one character.
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    if pattern.is_ascii() && text.is_ascii() {
        // One byte, one character: no need to split into chars.
        glob(pattern.as_bytes(), text.as_bytes(), b'*', b'?')
    } else {
        let pattern: Vec<char> = pattern.chars().collect();
        let text: Vec<char> = text.chars().collect();
        glob(&pattern, &text, '*', '?')
    }
}

/// [`wildcard_match`] over characters `c`, with `any` (`*`) and `one` (`?`).
fn glob<C: Copy + PartialEq>(p: &[C], t: &[C], any: C, one: C) -> bool {
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == one || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == any {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == any {
        pi += 1;
    }
    pi == p.len()
}

/// The context an authorizer output passes to the handler's
/// `requestContext.authorizer`: `principalId` plus the context entries
/// (values as strings, numbers or booleans, as API Gateway passes them).
pub fn handler_context(output: &Value) -> HashMap<String, Value> {
    let mut context = HashMap::new();
    if let Some(principal) = output.get("principalId") {
        context.insert("principalId".to_owned(), principal.clone());
    }
    if let Some(Value::Object(entries)) = output.get("context") {
        for (key, value) in entries {
            context.insert(key.clone(), value.clone());
        }
    }
    context
}

/// The future a generated authorizer wrapper returns.
pub type AuthorizerFuture = Pin<Box<dyn Future<Output = AuthResponse> + Send + 'static>>;

/// A generated authorizer wrapper.
pub type AuthorizerFn = fn(AuthRequest) -> AuthorizerFuture;

/// A reference to an authorizer, as `#[authorizer]` defines it under the
/// function's name: `#[route(.., authorizer = my_auth)]` names it.
#[derive(Debug, Clone, Copy)]
pub struct AuthorizerRef {
    /// The authorizer's name in the manifest.
    pub name: &'static str,
    /// The function; `None` for a Cognito authorizer.
    pub handler: Option<AuthorizerFn>,
}

impl AuthorizerRef {
    /// Calls the authorizer function (in tests); a Cognito authorizer has
    /// none and answers [`AuthResponse::unauthorized`].
    pub async fn call(&self, request: AuthRequest) -> AuthResponse {
        match self.handler {
            Some(handler) => handler(request).await,
            None => AuthResponse::unauthorized(),
        }
    }
}

/// One authorizer, registered by `#[authorizer]` or `cognito_authorizer!`.
#[derive(Debug)]
pub struct AuthorizerRegistration {
    /// The JSON manifest fragment.
    pub fragment: &'static [u8],
    /// The name (`_HANDLER` is `authorizer:<name>`).
    pub name: &'static str,
    /// The wrapper; `None` for Cognito authorizers (no function).
    pub handler: Option<AuthorizerFn>,
}

inventory::collect!(AuthorizerRegistration);

/// Every registered authorizer.
pub fn registrations() -> impl Iterator<Item = &'static AuthorizerRegistration> {
    inventory::iter::<AuthorizerRegistration>.into_iter()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARN: &str = "arn:aws:execute-api:us-east-1:123456789012:abc123/api/GET/items/7";

    #[test]
    fn on_a_websocket_connect_allow_and_deny_are_for_the_connection() {
        let connect = "arn:aws:execute-api:us-east-1:123456789012:abc123/api/$connect";
        let output = AuthResponse::allow("u1", ["*"])
            .into_output(connect)
            .unwrap();
        assert_eq!(
            output["policyDocument"]["Statement"][0]["Resource"],
            json!(["arn:aws:execute-api:us-east-1:123456789012:abc123/api/*"])
        );
        assert_eq!(
            evaluate_policy(&output["policyDocument"], connect),
            Some(true)
        );
        let output = AuthResponse::deny("u1").into_output(connect).unwrap();
        assert_eq!(
            evaluate_policy(&output["policyDocument"], connect),
            Some(false)
        );
    }

    #[test]
    fn allow_builds_chalice_style_policy() {
        let output = AuthResponse::allow("u1", ["/items/*", "/"])
            .context("role", "admin")
            .into_output(ARN)
            .unwrap();
        assert_eq!(output["principalId"], "u1");
        assert_eq!(
            output["policyDocument"]["Statement"][0]["Resource"],
            json!([
                "arn:aws:execute-api:us-east-1:123456789012:abc123/api/*/items/*",
                "arn:aws:execute-api:us-east-1:123456789012:abc123/api/*/"
            ])
        );
        assert_eq!(output["context"]["role"], "admin");
        assert_eq!(evaluate_policy(&output["policyDocument"], ARN), Some(true));
        let other = "arn:aws:execute-api:us-east-1:123456789012:abc123/api/GET/other";
        assert_eq!(evaluate_policy(&output["policyDocument"], other), None);
    }

    #[test]
    fn route_methods_restrict_the_policy() {
        let output = AuthResponse::allow("u", [AuthRoute::new("/items/*", ["PUT"])])
            .into_output(ARN)
            .unwrap();
        assert_eq!(evaluate_policy(&output["policyDocument"], ARN), None);
    }

    #[test]
    fn deny_is_explicit_and_unauthorized_is_an_error() {
        let output = AuthResponse::deny("u").into_output(ARN).unwrap();
        assert_eq!(evaluate_policy(&output["policyDocument"], ARN), Some(false));
        assert_eq!(
            AuthResponse::unauthorized().into_output(ARN),
            Err(UNAUTHORIZED)
        );
    }

    #[test]
    fn request_accessors_read_the_event() {
        let request = AuthRequest::from_event(json!({
            "type": "REQUEST", "methodArn": ARN,
            "headers": {"X-Token": "t"}, "queryStringParameters": {"q": "1"},
            "stageVariables": {"v": "2"}
        }));
        assert_eq!(request.kind(), "REQUEST");
        assert_eq!(request.header("x-token"), Some("t"));
        assert_eq!(request.query("q"), Some("1"));
        assert_eq!(request.stage_variable("v"), Some("2"));
        assert_eq!(request.token(), None);
    }

    /// Found by the property tests: IAM compares action names without case,
    /// and `execute-api:?` (one character) does not cover `Invoke`.
    #[test]
    fn actions_are_compared_without_case() {
        let arn = "arn:aws:execute-api:us-east-1:123456789012:api/dev/GET/";
        let policy = |action: &str| json!({"Statement": [{"Effect": "Allow", "Action": [action], "Resource": ["*"]}]});
        assert_eq!(
            evaluate_policy(&policy("execute-api:invoke"), arn),
            Some(true)
        );
        assert_eq!(evaluate_policy(&policy("EXECUTE-API:*"), arn), Some(true));
        assert_eq!(evaluate_policy(&policy("execute-api:?"), arn), None);
    }

    #[test]
    fn wildcards_match_like_iam() {
        assert!(wildcard_match("a*c", "abbbc"));
        assert!(wildcard_match("a?c", "abc"));
        assert!(!wildcard_match("a?c", "abbc"));
        assert!(wildcard_match("*", ""));
    }
}

//! Authorization before the integration, as the deployed method's
//! `AuthorizationType` has it.
//!
//! - A Lambda authorizer (`#[authorizer]`) runs as its own function: a pool
//!   of the app's binary with `_HANDLER=authorizer:<name>`, sent the real
//!   `TOKEN` or `REQUEST` event. A missing identity (or a token failing the
//!   validation expression) answers 401 without calling it; its answer is
//!   cached per identity for its TTL, and the cached policy is evaluated
//!   against each request's method ARN. `Unauthorized` → 401, an explicit
//!   deny → 403, no matching allow → 403, anything else → 500.
//! - `authorizer = iam`: a request without a SigV4 signature (an
//!   `Authorization: AWS4-HMAC-SHA256 ...` header or `X-Amz-Signature` in the
//!   query) answers 403 `Missing Authentication Token`. The signature itself
//!   is not verified locally: there are no credentials to verify it with.
//! - A Cognito user pool authorizer: a missing token answers 401; a token is
//!   decoded as a JWT, its `exp` must be in the future and its `iss` one of
//!   the pools' issuers; its claims reach `requestContext.authorizer.claims`.
//!   The signature is not verified locally (the pool's keys are not
//!   reachable offline).

use super::pool::{FunctionSpec, Outcome, Pool, PoolError};
use base64::Engine as _;
use bytes::Bytes;
use chalice_rs_runtime::authorizer::{evaluate_policy, handler_context, UNAUTHORIZED};
use chalice_rs_runtime::gateway::{CallerContext, GatewayResponse, HttpRequest, RestEvent};
use chalice_rs_runtime::manifest::{Authorizer, AuthorizerKind, Route, IAM_AUTHORIZER};
use chalice_rs_runtime::rest_event;
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The outcome of authorizing one request.
#[derive(Debug, Clone, PartialEq)]
pub enum Authorization {
    /// The request goes on to the integration.
    Allowed(Grant),
    /// API Gateway answers instead.
    Refused(GatewayResponse),
}

/// What an allowed request carries to the function.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Grant {
    /// `requestContext.authorizer`: principal and context, or Cognito claims.
    pub context: HashMap<String, Value>,
    /// `requestContext.identity.accessKey` of a SigV4-signed request.
    pub access_key: Option<String>,
}

/// One request as an authorizer sees it.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    /// The REST v1 proxy event API Gateway would send: the request, its
    /// request id, the stage (a REQUEST authorizer's event is written from it).
    pub event: RestEvent<'a>,
    /// `arn:aws:execute-api:region:account:api/stage/METHOD/path`.
    pub method_arn: &'a str,
}

/// A Lambda authorizer's function and its decisions cache.
#[derive(Debug)]
struct LambdaAuthorizer {
    definition: Authorizer,
    pool: Arc<Pool>,
    validation: Option<regex_lite::Regex>,
    /// Authorizer outputs by identity, with when they were cached.
    cache: Mutex<HashMap<String, (Instant, Arc<Value>)>>,
}

/// A Cognito user pool authorizer.
#[derive(Debug)]
struct CognitoAuthorizer {
    header: String,
    /// `https://cognito-idp.<region>.amazonaws.com/<pool id>`; empty when no
    /// provider ARN could be read (then any issuer is accepted).
    issuers: Vec<String>,
}

/// The app's authorizers, ready to run.
#[derive(Debug, Default)]
pub struct Authorizers {
    lambda: HashMap<String, LambdaAuthorizer>,
    cognito: HashMap<String, CognitoAuthorizer>,
}

/// Why the authorizers cannot be set up.
#[derive(Debug, thiserror::Error)]
pub enum AuthorizersError {
    /// A TOKEN authorizer's validation expression is not a valid regex.
    #[error("authorizer `{name}` ({location}): validation expression `{expression}` is not a valid regular expression: {source}")]
    Validation {
        /// The authorizer.
        name: String,
        /// `file:line`.
        location: String,
        /// The expression.
        expression: String,
        /// Why.
        source: regex_lite::Error,
    },
}

impl Authorizers {
    /// The authorizers of the manifest; `spec_for(name)` is the function
    /// spec of Lambda authorizer `name`.
    pub fn new(
        definitions: &[Authorizer],
        spec_for: impl Fn(&Authorizer) -> FunctionSpec,
        max_instances: usize,
    ) -> Result<Self, AuthorizersError> {
        let mut out = Self::default();
        for definition in definitions {
            match &definition.kind {
                AuthorizerKind::CognitoUserPools {
                    provider_arns,
                    header,
                } => {
                    let issuers = provider_arns.iter().filter_map(|arn| issuer(arn)).collect();
                    out.cognito.insert(
                        definition.name.clone(),
                        CognitoAuthorizer {
                            header: header.clone(),
                            issuers,
                        },
                    );
                }
                kind => {
                    let validation = match kind {
                        AuthorizerKind::Token {
                            validation_expression: Some(expression),
                            ..
                        } => Some(
                            regex_lite::Regex::new(&format!("^(?:{expression})$")).map_err(
                                |source| AuthorizersError::Validation {
                                    name: definition.name.clone(),
                                    location: format!("{}:{}", definition.file, definition.line),
                                    expression: expression.clone(),
                                    source,
                                },
                            )?,
                        ),
                        _ => None,
                    };
                    out.lambda.insert(
                        definition.name.clone(),
                        LambdaAuthorizer {
                            definition: definition.clone(),
                            pool: Pool::new(spec_for(definition), max_instances),
                            validation,
                            cache: Mutex::new(HashMap::new()),
                        },
                    );
                }
            }
        }
        Ok(out)
    }

    /// Starts one instance of each Lambda authorizer, so that a broken one
    /// is reported at start.
    pub async fn prewarm(&self) -> Result<(), PoolError> {
        for authorizer in self.lambda.values() {
            authorizer.pool.prewarm().await?;
        }
        Ok(())
    }

    /// Stops the authorizers' instances once their invocations finish.
    pub async fn retire(&self) {
        for authorizer in self.lambda.values() {
            authorizer.pool.retire().await;
        }
    }

    /// Stops the authorizers' instances now.
    pub async fn shutdown(&self) {
        for authorizer in self.lambda.values() {
            authorizer.pool.shutdown().await;
        }
    }

    /// Authorizes `subject` for `route`.
    pub async fn authorize(&self, route: &Route, subject: Subject<'_>) -> Authorization {
        let Some(name) = route.authorizer.as_deref() else {
            return Authorization::Allowed(Grant::default());
        };
        if name == IAM_AUTHORIZER {
            return iam(subject.event.request);
        }
        if let Some(cognito) = self.cognito.get(name) {
            return cognito.authorize(subject.event.request);
        }
        match self.lambda.get(name) {
            Some(lambda) => lambda.authorize(subject).await,
            // The manifest's validation rules this out; answer as a misconfigured API would.
            None => Authorization::Refused(GatewayResponse::AuthorizerConfigurationError),
        }
    }
}

impl LambdaAuthorizer {
    async fn authorize(&self, subject: Subject<'_>) -> Authorization {
        let Some(identity) = self.identity(subject) else {
            return Authorization::Refused(GatewayResponse::Unauthorized);
        };
        let ttl = Duration::from_secs(u64::from(self.definition.ttl_seconds));
        let cached = (!ttl.is_zero())
            .then(|| {
                let cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
                cache
                    .get(&identity)
                    .filter(|(at, _)| at.elapsed() < ttl)
                    .map(|(_, output)| output.clone())
            })
            .flatten();
        // A cached identity passed the validation when its decision was cached.
        if cached.is_none() && !self.passes_validation(&identity) {
            return Authorization::Refused(GatewayResponse::Unauthorized);
        }
        let output = match cached {
            Some(output) => output,
            // The event is made only when the function runs.
            None => match self
                .invoke(subject.event.request_id, &self.event(subject))
                .await
            {
                Ok(output) => {
                    let output = Arc::new(output);
                    if !ttl.is_zero() {
                        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
                        cache.retain(|_, (at, _)| at.elapsed() < ttl);
                        cache.insert(identity, (Instant::now(), output.clone()));
                    }
                    output
                }
                Err(refusal) => return Authorization::Refused(refusal),
            },
        };
        let policy = output.get("policyDocument").unwrap_or(&Value::Null);
        match evaluate_policy(policy, subject.method_arn) {
            Some(true) => Authorization::Allowed(Grant {
                context: handler_context(&output),
                access_key: None,
            }),
            Some(false) => Authorization::Refused(GatewayResponse::AccessDenied),
            None => Authorization::Refused(GatewayResponse::NotAuthorized),
        }
    }

    /// The identity (the decision's cache key); `None` when an identity
    /// source is missing. A token's validation is [`Self::passes_validation`].
    fn identity(&self, subject: Subject<'_>) -> Option<String> {
        match &self.definition.kind {
            AuthorizerKind::Token { header, .. } => {
                header_value(subject.event.request, header).map(str::to_owned)
            }
            AuthorizerKind::Request { identity_sources } => {
                let mut identity = Vec::new();
                for source in identity_sources {
                    identity.push(identity_value(subject, source)?);
                }
                Some(identity.join("\u{0}"))
            }
            AuthorizerKind::CognitoUserPools { .. } => None,
        }
    }

    /// Whether a TOKEN authorizer's `identity` (the token) matches its
    /// `validation` expression (always, without one or for REQUEST).
    fn passes_validation(&self, identity: &str) -> bool {
        match (&self.definition.kind, &self.validation) {
            (AuthorizerKind::Token { .. }, Some(validation)) => validation.is_match(identity),
            _ => true,
        }
    }

    /// The event the authorizer's function gets (of an identity
    /// [`LambdaAuthorizer::identity`] found).
    fn event(&self, subject: Subject<'_>) -> Value {
        match &self.definition.kind {
            AuthorizerKind::Request { .. } => {
                let json = subject.event.to_json(&CallerContext::default());
                let mut event = match serde_json::from_slice(&json) {
                    Ok(Value::Object(map)) => map,
                    _ => Map::new(),
                };
                event.remove("body");
                event.remove("isBase64Encoded");
                event.insert("type".to_owned(), json!("REQUEST"));
                event.insert("methodArn".to_owned(), json!(subject.method_arn));
                Value::Object(event)
            }
            AuthorizerKind::Token { header, .. } => json!({
                "type": "TOKEN",
                "authorizationToken": header_value(subject.event.request, header).unwrap_or_default(),
                "methodArn": subject.method_arn,
            }),
            AuthorizerKind::CognitoUserPools { .. } => Value::Null,
        }
    }

    /// Runs the authorizer's function; `Err` is the gateway's answer.
    async fn invoke(&self, request_id: &str, event: &Value) -> Result<Value, GatewayResponse> {
        let name = &self.definition.name;
        let payload = Bytes::from(event.to_string());
        let invoked = self
            .pool
            .clone()
            .invoke(format!("{request_id}-authorizer"), payload)
            .await;
        match invoked.outcome {
            Outcome::Response(payload) => {
                let output: Value = serde_json::from_slice(&payload).unwrap_or(Value::Null);
                if output.get("principalId").is_some() && output.get("policyDocument").is_some() {
                    Ok(output)
                } else {
                    eprintln!("chalice local: authorizer `{name}` answered without a principalId and a policyDocument: {}", String::from_utf8_lossy(&payload));
                    Err(GatewayResponse::AuthorizerConfigurationError)
                }
            }
            Outcome::FunctionError(document) => {
                let message = serde_json::from_slice::<Value>(&document)
                    .ok()
                    .and_then(|v| {
                        v.get("errorMessage")
                            .and_then(Value::as_str)
                            .map(str::to_owned)
                    });
                if message.as_deref() == Some(UNAUTHORIZED) {
                    Err(GatewayResponse::Unauthorized)
                } else {
                    eprintln!(
                        "chalice local: authorizer `{name}` failed: {}",
                        String::from_utf8_lossy(&document)
                    );
                    Err(GatewayResponse::AuthorizerConfigurationError)
                }
            }
            other => {
                eprintln!("chalice local: authorizer `{name}` failed: {other:?}");
                Err(GatewayResponse::AuthorizerConfigurationError)
            }
        }
    }
}

impl CognitoAuthorizer {
    fn authorize(&self, request: &HttpRequest) -> Authorization {
        let Some(token) = header_value(request, &self.header) else {
            return Authorization::Refused(GatewayResponse::Unauthorized);
        };
        let token = token.strip_prefix("Bearer ").unwrap_or(token);
        match jwt_claims(token) {
            Some(claims) if self.accepts(&claims) => {
                let claims: Map<String, Value> = claims
                    .into_iter()
                    .map(|(key, value)| {
                        // API Gateway passes claims as strings.
                        let text = match value {
                            Value::String(text) => text,
                            other => other.to_string(),
                        };
                        (key, Value::String(text))
                    })
                    .collect();
                Authorization::Allowed(Grant {
                    context: [("claims".to_owned(), Value::Object(claims))].into(),
                    access_key: None,
                })
            }
            _ => Authorization::Refused(GatewayResponse::Unauthorized),
        }
    }

    fn accepts(&self, claims: &Map<String, Value>) -> bool {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let unexpired = claims
            .get("exp")
            .and_then(Value::as_u64)
            .is_some_and(|exp| exp > now);
        let issued_here = self.issuers.is_empty()
            || claims
                .get("iss")
                .and_then(Value::as_str)
                .is_some_and(|iss| self.issuers.iter().any(|known| known == iss));
        unexpired && issued_here
    }
}

/// `AWS_IAM`: the request must be SigV4-signed.
fn iam(request: &HttpRequest) -> Authorization {
    let header = header_value(request, "Authorization")
        .filter(|value| value.starts_with("AWS4-HMAC-SHA256 "))
        .filter(|value| value.contains("Credential=") && value.contains("Signature="));
    let access_key = match header {
        Some(value) => value
            .split("Credential=")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .map(str::to_owned),
        None => {
            let presigned = request.query.split('&').any(|pair| {
                pair.split('=')
                    .next()
                    .is_some_and(|name| name.eq_ignore_ascii_case("X-Amz-Signature"))
            });
            if !presigned {
                return Authorization::Refused(GatewayResponse::MissingAuthenticationToken);
            }
            request
                .query
                .split('&')
                .find_map(|pair| pair.strip_prefix("X-Amz-Credential="))
                .and_then(|credential| credential.split("%2F").next())
                .map(str::to_owned)
        }
    };
    Authorization::Allowed(Grant {
        context: HashMap::new(),
        access_key,
    })
}

/// A header's value, when present and not empty.
fn header_value<'a>(request: &'a HttpRequest, name: &str) -> Option<&'a str> {
    request
        .headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .filter(|value| !value.trim().is_empty())
}

/// The value of a REQUEST authorizer's identity source.
fn identity_value(subject: Subject<'_>, source: &str) -> Option<String> {
    if let Some(name) = source.strip_prefix("method.request.header.") {
        return header_value(subject.event.request, name).map(str::to_owned);
    }
    if let Some(name) = source.strip_prefix("method.request.querystring.") {
        return rest_event::query_value(&subject.event.request.query, name)
            .filter(|value| !value.is_empty());
    }
    if let Some(name) = source.strip_prefix("stageVariables.") {
        return subject
            .event
            .settings
            .stage_variables
            .get(name)
            .filter(|value| !value.is_empty())
            .cloned();
    }
    None
}

/// The claims of a JWT (its payload), without verifying the signature.
fn jwt_claims(token: &str) -> Option<Map<String, Value>> {
    let mut parts = token.split('.');
    let (_header, payload, _signature) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    match serde_json::from_slice(&bytes).ok()? {
        Value::Object(claims) => Some(claims),
        _ => None,
    }
}

/// The token issuer of a user pool ARN
/// (`arn:aws:cognito-idp:<region>:<account>:userpool/<id>`).
fn issuer(arn: &str) -> Option<String> {
    let mut parts = arn.splitn(6, ':');
    let (_, _, service, region, _, resource) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    let pool = resource.strip_prefix("userpool/")?;
    (service == "cognito-idp").then(|| format!("https://cognito-idp.{region}.amazonaws.com/{pool}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(headers: &[(&str, &str)], query: &str) -> HttpRequest {
        let mut request = HttpRequest {
            query: query.to_owned(),
            ..HttpRequest::default()
        };
        for (name, value) in headers {
            request.headers.insert(
                http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                value.parse().unwrap(),
            );
        }
        request
    }

    fn jwt(claims: Value) -> String {
        let encode =
            |v: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
        format!(
            "{}.{}.c2lnbmF0dXJl",
            encode(&json!({"alg": "RS256", "kid": "k"})),
            encode(&claims)
        )
    }

    #[test]
    fn iam_needs_a_sigv4_signature() {
        assert_eq!(
            iam(&request(&[], "")),
            Authorization::Refused(GatewayResponse::MissingAuthenticationToken)
        );
        assert_eq!(
            iam(&request(&[("authorization", "Bearer x")], "")),
            Authorization::Refused(GatewayResponse::MissingAuthenticationToken)
        );
        let signed = request(
            &[(
                "authorization",
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261126/us-east-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc",
            )],
            "",
        );
        match iam(&signed) {
            Authorization::Allowed(grant) => {
                assert_eq!(grant.access_key.as_deref(), Some("AKIDEXAMPLE"));
            }
            other => panic!("{other:?}"),
        }
        let presigned = request(
            &[],
            "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID2%2F20261126%2Fus-east-1&X-Amz-Signature=abc",
        );
        assert!(matches!(iam(&presigned), Authorization::Allowed(_)));
    }

    #[test]
    fn cognito_checks_presence_expiry_and_issuer() {
        let authorizer = CognitoAuthorizer {
            header: "Authorization".to_owned(),
            issuers: vec![issuer(
                "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Pool",
            )
            .unwrap()],
        };
        let iss = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Pool";
        assert_eq!(
            authorizer.authorize(&request(&[], "")),
            Authorization::Refused(GatewayResponse::Unauthorized)
        );
        let good = jwt(
            json!({"sub": "u-1", "iss": iss, "exp": 4_000_000_000_u64, "email_verified": true}),
        );
        match authorizer.authorize(&request(&[("authorization", &good)], "")) {
            Authorization::Allowed(grant) => {
                assert_eq!(grant.context["claims"]["sub"], "u-1");
                assert_eq!(grant.context["claims"]["email_verified"], "true");
            }
            other => panic!("{other:?}"),
        }
        let expired = jwt(json!({"sub": "u-1", "iss": iss, "exp": 1}));
        let elsewhere =
            jwt(json!({"sub": "u-1", "iss": "https://example.com", "exp": 4_000_000_000_u64}));
        for token in [expired.as_str(), elsewhere.as_str(), "not-a-jwt"] {
            assert_eq!(
                authorizer.authorize(&request(&[("authorization", token)], "")),
                Authorization::Refused(GatewayResponse::Unauthorized),
                "{token}"
            );
        }
    }

    #[test]
    fn issuers_come_from_pool_arns() {
        assert_eq!(
            issuer("arn:aws:cognito-idp:eu-west-1:1:userpool/eu-west-1_X").as_deref(),
            Some("https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_X")
        );
        assert_eq!(issuer("arn:aws:s3:::bucket"), None);
    }
}

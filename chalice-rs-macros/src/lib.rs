//! Attribute macros for chalice-rs. Use them through `chalice_rs_runtime`,
//! which re-exports them.

mod authorizer;
mod diagnostics;
mod fragment;
mod options;
mod path;
mod route;

use proc_macro::TokenStream;

/// Registers an async (or plain) function as the handler of a route.
///
/// ```text
/// #[route("/items/<id>", methods = [GET, PUT], content_types = ["application/json"], name = "item")]
/// async fn item(id: u64, Json(body): Json<Item>) -> Result<Json<Item>, ChaliceError> { .. }
/// ```
///
/// - The path has literal segments, `<name>` (one segment, API Gateway
///   `{name}`) and `<name..>` (the rest of the path, `{name+}`, last only).
///   Each `<name>` binds the argument of the same name, parsed with `FromStr`
///   (a value that does not parse answers 400).
/// - Every other argument is an extractor (`FromRequest`).
/// - `methods` defaults to `[GET]`; `content_types` to `["application/json"]`
///   (others answer 415); `name` renames the handler in the manifest.
#[proc_macro_attribute]
pub fn route(attr: TokenStream, item: TokenStream) -> TokenStream {
    route::expand(attr.into(), item.into()).into()
}

/// Makes a function a Lambda authorizer and defines, under its name, the
/// reference routes use: `#[route(.., authorizer = name)]`.
///
/// ```text
/// #[authorizer(header = "Authorization", validation = "^Bearer .+$", ttl = 300)]   // TOKEN (default)
/// async fn bearer(request: AuthRequest) -> AuthResponse { .. }
///
/// #[authorizer(kind = request, headers = ["X-Token"], query = ["token"], stage_variables = ["env"], ttl = 60)]
/// async fn by_request(request: AuthRequest) -> AuthResponse { .. }
/// ```
///
/// The authorizer runs as its own Lambda function (same binary, `_HANDLER`
/// `authorizer:<name>`); its decision is cached per identity for `ttl` seconds.
#[proc_macro_attribute]
pub fn authorizer(attr: TokenStream, item: TokenStream) -> TokenStream {
    authorizer::expand(attr.into(), item.into()).into()
}

/// Declares a Cognito user pool authorizer:
/// `cognito_authorizer!(users, provider_arns = ["arn:aws:cognito-idp:..."], header = "Authorization");`
/// then `#[route(.., authorizer = users)]`.
#[proc_macro]
pub fn cognito_authorizer(input: TokenStream) -> TokenStream {
    authorizer::expand_cognito(input.into()).into()
}

//! Attribute macros for chalice-rs. Use them through `chalice_rs_runtime`,
//! which re-exports them.

mod diagnostics;
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

//! The WebSocket attributes (`#[on_ws_connect]`, `#[on_ws_disconnect]`,
//! `#[on_ws_message]`): checking the options and the handler, generating its
//! wrapper (extractors in, `IntoResponse` out) and its registration.

use crate::diagnostics::Errors;
use crate::fragment;
use crate::options::{self, KeyValue};
use chalice_rs_manifest::{
    route_key_problem, Fragment, WebsocketFragment, CONNECT_ROUTE, DEFAULT_ROUTE, DISCONNECT_ROUTE,
    IAM_AUTHORIZER,
};
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::ext::IdentExt as _;
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, FnArg, ItemFn, Token};

/// Which attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `#[on_ws_connect]`: `$connect`.
    Connect,
    /// `#[on_ws_disconnect]`: `$disconnect`.
    Disconnect,
    /// `#[on_ws_message]`: `$default`, or `route = ".."`.
    Message,
}

impl Kind {
    fn attribute(self) -> &'static str {
        match self {
            Kind::Connect => "on_ws_connect",
            Kind::Disconnect => "on_ws_disconnect",
            Kind::Message => "on_ws_message",
        }
    }

    fn keys(self) -> &'static [&'static str] {
        match self {
            Kind::Connect => &["authorizer"],
            Kind::Disconnect => &[],
            Kind::Message => &["route"],
        }
    }
}

/// What the options declare.
struct Declared {
    route_key: String,
    /// The span of the route key (its string, or the attribute).
    route_span: Span,
    authorizer: Option<(String, Option<syn::Path>)>,
}

/// Expands the attribute `kind` on `item`.
pub fn expand(kind: Kind, attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let function: ItemFn = match syn::parse2(item.clone()) {
        Ok(function) => function,
        Err(_) => {
            let error = syn::Error::new(
                Span::call_site(),
                format!(
                    "`#[{}]` goes on a function: `async fn name(context: WebsocketContext, ..) -> impl IntoResponse`",
                    kind.attribute()
                ),
            )
            .to_compile_error();
            return quote! { #item #error };
        }
    };
    let declared = declared(kind, attr, &mut errors);
    crate::call::check_signature(&function.sig, kind.attribute(), &mut errors);
    match (declared, errors.finish()) {
        (Some(declared), Ok(())) => generate(&function, declared),
        (_, Err(compile_errors)) => quote! { #function #compile_errors },
        (None, Ok(())) => quote! { #function },
    }
}

fn declared(kind: Kind, attr: TokenStream, errors: &mut Errors) -> Option<Declared> {
    let options = match Punctuated::<KeyValue, Token![,]>::parse_terminated.parse2(attr) {
        Ok(options) => options,
        Err(error) => {
            errors.push(syn::Error::new(
                error.span(),
                format!(
                    "expected `key = value` options: {}",
                    match kind {
                        Kind::Connect =>
                            "`authorizer = name` (a REQUEST `#[authorizer]`, or `iam`)",
                        Kind::Disconnect => "`#[on_ws_disconnect]` takes none",
                        Kind::Message =>
                            "`route = \"sendmessage\"` (without it, the `$default` route)",
                    }
                ),
            ));
            return None;
        }
    };
    let default_key = match kind {
        Kind::Connect => CONNECT_ROUTE,
        Kind::Disconnect => DISCONNECT_ROUTE,
        Kind::Message => DEFAULT_ROUTE,
    };
    let mut declared = Declared {
        route_key: default_key.to_owned(),
        route_span: Span::call_site(),
        authorizer: None,
    };
    let mut seen = Vec::new();
    for option in options {
        if !options::first_time(&option.key, &mut seen, errors) {
            continue;
        }
        match (kind, option.key.to_string().as_str()) {
            (Kind::Message, "route") => {
                let hint = "`route` is the route key, a string: `route = \"sendmessage\"`";
                if let Some(key) = options::string(&option.value, hint, errors) {
                    let span = option.value.span();
                    if let Some(problem) = route_key_problem(&key) {
                        errors.push(syn::Error::new(span, format!("bad route key: {problem}")));
                    }
                    declared.route_key = key;
                    declared.route_span = span;
                }
            }
            (Kind::Connect, "authorizer") => match &option.value {
                Expr::Path(path) => {
                    let name = path
                        .path
                        .segments
                        .last()
                        .map(|s| s.ident.to_string())
                        .unwrap_or_default();
                    let reference =
                        (!path.path.is_ident(IAM_AUTHORIZER)).then(|| path.path.clone());
                    declared.authorizer = Some((name, reference));
                }
                other => errors.push(syn::Error::new(
                    other.span(),
                    "expected the name of a REQUEST `#[authorizer]` function, or `iam`",
                )),
            },
            _ => options::unknown_key(&option.key, kind.attribute(), kind.keys(), errors),
        }
    }
    Some(declared)
}

/// The const that makes two handlers of one route key in one module a
/// compile error (E0428 at both attributes); the manifest check catches
/// handlers in different modules.
fn guard_name(route_key: &str) -> String {
    let readable: String = route_key
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    format!("__chalice_websocket_route_{readable}")
}

fn generate(function: &ItemFn, declared: Declared) -> TokenStream {
    let ident = &function.sig.ident;
    let route_key = declared.route_key;
    let fragment = Fragment::Websocket(WebsocketFragment {
        route_key: route_key.clone(),
        handler: ident.unraw().to_string(),
        module: String::new(),
        file: String::new(),
        line: 0,
        authorizer: declared.authorizer.as_ref().map(|(name, _)| name.clone()),
    });
    let embedded = fragment::embed(&fragment);
    // `authorizer = name` must name an `#[authorizer]`: a type error at the
    // user's path otherwise (its kind is checked when the app is resolved).
    let authorizer_check = declared
        .authorizer
        .as_ref()
        .and_then(|(_, path)| path.as_ref())
        .map(|path| {
            quote_spanned! { path.span() =>
                const _: ::chalice_rs_runtime::__private::AuthorizerRef = #path;
            }
        });
    let mut bindings = Vec::new();
    let mut call_args = Vec::new();
    for (index, argument) in function.sig.inputs.iter().enumerate() {
        let FnArg::Typed(typed) = argument else {
            continue;
        };
        let ty = &typed.ty;
        let var = format_ident!("__chalice_arg{}", index);
        bindings.push(crate::call::extractor_binding(&var, ty));
        call_args.push(var);
    }
    let handler = crate::call::request_handler(
        &function.sig,
        &format_ident!("__chalice_websocket_handler"),
        &bindings,
        &call_args,
    );
    let guard_span = declared.route_span;
    let guard = format_ident!("{}", guard_name(&route_key), span = guard_span);
    let duplicate_guard = quote_spanned! { guard_span =>
        #[doc(hidden)]
        #[allow(non_upper_case_globals, dead_code)]
        const #guard: () = ();
    };

    quote! {
        #function

        #duplicate_guard

        const _: () = {
            #embedded
            #authorizer_check

            #handler

            ::chalice_rs_runtime::__private::inventory::submit! {
                ::chalice_rs_runtime::__private::WebsocketRegistration {
                    fragment: &__CHALICE_FRAGMENT,
                    route_key: #route_key,
                    handler: __chalice_websocket_handler,
                }
            }
        };
    }
}

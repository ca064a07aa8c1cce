//! `#[authorizer]` (Lambda TOKEN and REQUEST authorizers) and
//! `cognito_authorizer!`: each defines an `AuthorizerRef` const under its name
//! and registers a manifest fragment.

use crate::diagnostics::Errors;
use crate::fragment;
use crate::options::{self, KeyValue};
use chalice_rs_manifest::{Authorizer, AuthorizerKind, Fragment};
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use syn::parse::{Parse, ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, Ident, ItemFn, Token};

/// Keys of `#[authorizer(..)]`.
const KEYS: &[&str] = &[
    "kind",
    "header",
    "validation",
    "headers",
    "query",
    "stage_variables",
    "ttl",
];
/// API Gateway's default result TTL.
const DEFAULT_TTL: u32 = 300;

/// Expands `#[authorizer(..)]` on a function.
pub fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let function: ItemFn = match syn::parse2(item.clone()) {
        Ok(function) => function,
        Err(_) => {
            let error = syn::Error::new(
                Span::call_site(),
                "`#[authorizer]` goes on a function: `async fn name(request: AuthRequest) -> AuthResponse`",
            )
            .to_compile_error();
            return quote! { #item #error };
        }
    };
    let options = match Punctuated::<KeyValue, Token![,]>::parse_terminated.parse2(attr) {
        Ok(options) => options,
        Err(error) => {
            errors.push(error);
            Punctuated::new()
        }
    };
    let (kind, ttl) = lambda_kind(&options, &mut errors);
    if function.sig.inputs.len() != 1 {
        errors.push(syn::Error::new(
            function.sig.inputs.span(),
            "an authorizer takes one argument: `request: AuthRequest`",
        ));
    }
    if let Err(compile_errors) = errors.finish() {
        return quote! { #function #compile_errors };
    }
    let name = function.sig.ident.clone();
    let fragment = authorizer_fragment(&name, kind, ttl);
    let implementation = format_ident!("__chalice_authorizer_impl_{}", name);
    let wrapper = format_ident!("__chalice_authorizer_wrapper_{}", name);
    let mut renamed = function.clone();
    renamed.sig.ident = implementation.clone();
    renamed.vis = syn::Visibility::Inherited;
    let call = crate::call::call(&function.sig, &implementation, &[quote! { request }]);
    let wrapper_fn = quote! {
        #[doc(hidden)]
        #[allow(non_snake_case)]
        fn #wrapper(
            request: ::chalice_rs_runtime::authorizer::AuthRequest,
        ) -> ::chalice_rs_runtime::__private::AuthorizerFuture {
            ::std::boxed::Box::pin(async move { #call })
        }
    };
    let definition = define(
        &name,
        &function.vis,
        &fragment,
        quote! { ::core::option::Option::Some(#wrapper) },
    );
    quote! {
        #[allow(non_snake_case)]
        #renamed
        #wrapper_fn
        #definition
    }
}

/// The fragment of the authorizer `name` (module, file and line are the
/// compiler's, filled in by `fragment::embed`).
fn authorizer_fragment(name: &Ident, kind: AuthorizerKind, ttl_seconds: u32) -> Fragment {
    Fragment::Authorizer(Authorizer {
        name: name.to_string(),
        module: String::new(),
        file: String::new(),
        line: 0,
        kind,
        ttl_seconds,
    })
}

/// The const `name` and the registration of its fragment.
fn define(
    name: &Ident,
    vis: &syn::Visibility,
    fragment: &Fragment,
    handler: TokenStream,
) -> TokenStream {
    let embedded = fragment::embed(fragment);
    let name_text = name.to_string();
    let doc = format!(
        "The `{name_text}` authorizer: name it in `#[route(.., authorizer = {name_text})]`."
    );
    quote! {
        #[doc = #doc]
        #[allow(non_upper_case_globals)]
        #vis const #name: ::chalice_rs_runtime::__private::AuthorizerRef =
            ::chalice_rs_runtime::__private::AuthorizerRef { name: #name_text, handler: #handler };

        const _: () = {
            #embedded
            ::chalice_rs_runtime::__private::inventory::submit! {
                ::chalice_rs_runtime::__private::AuthorizerRegistration {
                    fragment: &__CHALICE_FRAGMENT,
                    name: #name_text,
                    handler: #handler,
                }
            }
        };
    }
}

fn lambda_kind(
    options: &Punctuated<KeyValue, Token![,]>,
    errors: &mut Errors,
) -> (AuthorizerKind, u32) {
    let mut seen = Vec::new();
    let mut request = false;
    let mut header = None;
    let mut validation = None;
    let mut sources = Vec::new();
    let mut ttl = DEFAULT_TTL;
    let mut request_only: Vec<&Ident> = Vec::new();
    for option in options {
        if !options::first_time(&option.key, &mut seen, errors) {
            continue;
        }
        let value = &option.value;
        match option.key.to_string().as_str() {
            "kind" => match value {
                Expr::Path(path) if path.path.is_ident("token") => request = false,
                Expr::Path(path) if path.path.is_ident("request") => request = true,
                other => errors.push(syn::Error::new(
                    other.span(),
                    "expected `kind = token` or `kind = request`",
                )),
            },
            "header" => {
                header = options::string(
                    value,
                    "expected a header name: `header = \"Authorization\"`",
                    errors,
                )
            }
            "validation" => {
                validation = options::string(value, "expected a regular expression string", errors);
            }
            "headers" => {
                request_only.push(&option.key);
                sources.extend(
                    options::strings(value, "expected a list of header names", errors)
                        .into_iter()
                        .map(|h| format!("method.request.header.{h}")),
                );
            }
            "query" => {
                request_only.push(&option.key);
                sources.extend(
                    options::strings(value, "expected a list of query-string names", errors)
                        .into_iter()
                        .map(|q| format!("method.request.querystring.{q}")),
                );
            }
            "stage_variables" => {
                request_only.push(&option.key);
                sources.extend(
                    options::strings(value, "expected a list of stage variable names", errors)
                        .into_iter()
                        .map(|v| format!("stageVariables.{v}")),
                );
            }
            "ttl" => {
                ttl = options::integer(
                    value,
                    0..=3600,
                    "expected seconds from 0 to 3600: `ttl = 300`",
                    errors,
                )
                .unwrap_or(DEFAULT_TTL);
            }
            other => errors.push(syn::Error::new(
                option.key.span(),
                format!(
                    "unknown key `{other}` in `#[authorizer]`; expected one of: {}",
                    KEYS.join(", ")
                ),
            )),
        }
    }
    if request {
        if header.is_some() || validation.is_some() {
            errors.push(syn::Error::new(
                Span::call_site(),
                "`header` and `validation` are for TOKEN authorizers; a REQUEST authorizer lists `headers`, `query` and `stage_variables`",
            ));
        }
        if sources.is_empty() && ttl > 0 {
            errors.push(syn::Error::new(
                Span::call_site(),
                "a cached REQUEST authorizer needs identity sources: `headers = [..]`, `query = [..]` or `stage_variables = [..]` (or `ttl = 0`)",
            ));
        }
        (
            AuthorizerKind::Request {
                identity_sources: sources,
            },
            ttl,
        )
    } else {
        for key in request_only {
            errors.push(syn::Error::new(
                key.span(),
                format!("`{key}` is for REQUEST authorizers: add `kind = request`"),
            ));
        }
        let kind = AuthorizerKind::Token {
            header: header.unwrap_or_else(|| "Authorization".to_owned()),
            validation_expression: validation,
        };
        (kind, ttl)
    }
}

/// `cognito_authorizer!(name, provider_arns = [..], header = "Authorization", ttl = 300)`.
struct CognitoInput {
    vis: syn::Visibility,
    name: Ident,
    options: Punctuated<KeyValue, Token![,]>,
}

impl Parse for CognitoInput {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let vis = input.parse()?;
        let name = input.parse()?;
        let options = if input.is_empty() {
            Punctuated::new()
        } else {
            input.parse::<Token![,]>()?;
            Punctuated::parse_terminated(input)?
        };
        Ok(Self { vis, name, options })
    }
}

/// Expands `cognito_authorizer!`.
pub fn expand_cognito(input: TokenStream) -> TokenStream {
    let input: CognitoInput = match syn::parse2(input) {
        Ok(input) => input,
        Err(error) => return error.to_compile_error(),
    };
    let mut errors = Errors::default();
    let mut seen = Vec::new();
    let mut provider_arns = Vec::new();
    let mut header = "Authorization".to_owned();
    let mut ttl = DEFAULT_TTL;
    for option in &input.options {
        if !options::first_time(&option.key, &mut seen, &mut errors) {
            continue;
        }
        match option.key.to_string().as_str() {
            "provider_arns" => {
                provider_arns = options::strings(
                    &option.value,
                    "expected a list of user pool ARNs",
                    &mut errors,
                );
            }
            "header" => {
                if let Some(h) =
                    options::string(&option.value, "expected a header name", &mut errors)
                {
                    header = h;
                }
            }
            "ttl" => {
                ttl = options::integer(
                    &option.value,
                    0..=3600,
                    "expected seconds from 0 to 3600",
                    &mut errors,
                )
                .unwrap_or(DEFAULT_TTL);
            }
            other => errors.push(syn::Error::new(
                option.key.span(),
                format!("unknown key `{other}`; expected provider_arns, header or ttl"),
            )),
        }
    }
    if provider_arns.is_empty() {
        errors.push(syn::Error::new(
            input.name.span(),
            "a Cognito authorizer needs `provider_arns = [\"arn:aws:cognito-idp:..:userpool/..\"]`",
        ));
    }
    for arn in &provider_arns {
        if !arn.starts_with("arn:") || !arn.contains(":cognito-idp:") {
            errors.push(syn::Error::new(
                input.name.span(),
                format!("`{arn}` is not a Cognito user pool ARN (arn:aws:cognito-idp:REGION:ACCOUNT:userpool/ID)"),
            ));
        }
    }
    if let Err(compile_errors) = errors.finish() {
        return compile_errors;
    }
    let kind = AuthorizerKind::CognitoUserPools {
        provider_arns,
        header,
    };
    let fragment = authorizer_fragment(&input.name, kind, ttl);
    define(
        &input.name,
        &input.vis,
        &fragment,
        quote! { ::core::option::Option::None },
    )
}

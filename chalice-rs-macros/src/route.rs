//! `#[route]`: parsing the attribute, checking it against the function, and
//! generating the handler wrapper and its registration.

use crate::diagnostics::Errors;
use crate::fragment;
use crate::options::{self, KeyValue};
use crate::path::RoutePath;
use chalice_rs_manifest::{Cors, Fragment, RouteFragment};
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, FnArg, ItemFn, Lit, LitStr, Pat, Token};

/// Methods API Gateway accepts on a resource.
const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];
/// Keys the attribute accepts after the path.
const KEYS: &[&str] = &[
    "methods",
    "content_types",
    "name",
    "api_key_required",
    "authorizer",
    "cors",
    "validate",
];
/// Fields of `cors = Cors { .. }`.
const CORS_FIELDS: &[&str] = &[
    "allow_origin",
    "allow_headers",
    "expose_headers",
    "max_age",
    "allow_credentials",
];

/// The attribute as written: `#[route("/items/<id>", methods = [GET], ...)]`.
pub struct RouteAttr {
    path: LitStr,
    options: Punctuated<KeyValue, Token![,]>,
}

impl Parse for RouteAttr {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        if input.is_empty() {
            return Err(
                input.error("expected a path: `#[route(\"/items/<id>\", methods = [GET])]`")
            );
        }
        let path: LitStr = input.parse().map_err(|e| {
            syn::Error::new(
                e.span(),
                "expected the route path as a string literal, such as `\"/items/<id>\"`",
            )
        })?;
        let options = if input.is_empty() {
            Punctuated::new()
        } else {
            input.parse::<Token![,]>()?;
            Punctuated::parse_terminated(input)?
        };
        Ok(Self { path, options })
    }
}

/// The checked route: everything the generated code needs.
struct Route {
    path: LitStr,
    route_path: RoutePath,
    methods: Vec<String>,
    content_types: Vec<String>,
    name: Option<String>,
    api_key_required: bool,
    authorizer: Option<AuthorizerChoice>,
    cors: Option<Cors>,
    /// `validate = true`, with the key's span.
    validate: Option<Span>,
}

/// The request model of a validated route: the `T` of its `Json<T>`.
struct Model {
    /// The type's name, the model's name.
    name: String,
    /// The type.
    ty: syn::Type,
}

/// The `authorizer = ..` of a route.
struct AuthorizerChoice {
    /// The name in the manifest (the path's last segment).
    name: String,
    /// The path to the authorizer's `AuthorizerRef`; `None` for `iam`.
    path: Option<syn::Path>,
}

fn check_attr(attr: RouteAttr, errors: &mut Errors) -> Option<Route> {
    let route_path = match RoutePath::parse(&attr.path.value()) {
        Ok(path) => Some(path),
        Err(message) => {
            errors.push(syn::Error::new(attr.path.span(), message));
            None
        }
    };
    let mut methods = Vec::new();
    let mut content_types = Vec::new();
    let mut name = None;
    let mut api_key_required = false;
    let mut authorizer = None;
    let mut cors = None;
    let mut validate = None;
    let mut seen: Vec<String> = Vec::new();
    for option in &attr.options {
        let key = option.key.to_string();
        if !options::first_time(&option.key, &mut seen, errors) {
            continue;
        }
        match key.as_str() {
            "api_key_required" => {
                api_key_required = options::boolean(
                    &option.value,
                    "expected `true` or `false`: `api_key_required = true`",
                    errors,
                )
                .unwrap_or(false);
            }
            "authorizer" => authorizer = parse_authorizer(&option.value, errors),
            "validate" => {
                let on = options::boolean(
                    &option.value,
                    "expected `true` or `false`: `validate = true`",
                    errors,
                )
                .unwrap_or(false);
                validate = on.then(|| option.key.span());
            }
            "cors" => cors = parse_cors(&option.value, errors),
            "methods" => methods = parse_methods(&option.value, errors),
            "content_types" => content_types = parse_strings(&option.value, errors),
            "name" => match &option.value {
                Expr::Lit(syn::ExprLit {
                    lit: Lit::Str(s), ..
                }) if !s.value().is_empty() => {
                    name = Some(s.value());
                }
                other => errors.push(syn::Error::new(
                    other.span(),
                    "expected a non-empty string: `name = \"get_item\"`",
                )),
            },
            _ => errors.push(syn::Error::new(
                option.key.span(),
                format!(
                    "unknown key `{key}` in `#[route]`; expected one of: {}",
                    KEYS.join(", ")
                ),
            )),
        }
    }
    if methods.is_empty() && !seen.iter().any(|k| k == "methods") {
        methods.push("GET".to_owned());
    }
    if content_types.is_empty() && !seen.iter().any(|k| k == "content_types") {
        content_types = chalice_rs_manifest::default_content_types();
    }
    Some(Route {
        path: attr.path,
        route_path: route_path?,
        methods,
        content_types,
        name,
        api_key_required,
        authorizer,
        cors,
        validate,
    })
}

/// The model of a validated route: the `T` of the handler's `Json<T>`
/// argument, which must be a named type.
fn find_model(function: &ItemFn, validate: Span, errors: &mut Errors) -> Option<Model> {
    let json_arg = function.sig.inputs.iter().find_map(|argument| {
        let FnArg::Typed(typed) = argument else {
            return None;
        };
        let syn::Type::Path(path) = &*typed.ty else {
            return None;
        };
        let last = path.path.segments.last()?;
        if last.ident != "Json" {
            return None;
        }
        let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
            return None;
        };
        args.args.iter().find_map(|arg| match arg {
            syn::GenericArgument::Type(ty) => Some(ty.clone()),
            _ => None,
        })
    });
    let Some(ty) = json_arg else {
        errors.push(syn::Error::new(
            validate,
            "`validate = true` checks the request body against the schema of the handler's `Json<T>` argument, and this handler has none\n\
             help: take the body as `Json<T>` with `T: serde::Deserialize + schemars::JsonSchema`",
        ));
        return None;
    };
    let name = match &ty {
        syn::Type::Path(path) if path.qself.is_none() => path
            .path
            .segments
            .last()
            .filter(|segment| segment.arguments.is_none())
            .map(|segment| segment.ident.to_string()),
        _ => None,
    };
    match name {
        Some(name) => Some(Model { name, ty }),
        None => {
            errors.push(syn::Error::new(
                ty.span(),
                "a validated body needs a named type without generic arguments (its name names the API Gateway model), such as `Json<NewItem>`",
            ));
            None
        }
    }
}

fn parse_authorizer(value: &Expr, errors: &mut Errors) -> Option<AuthorizerChoice> {
    let Expr::Path(path) = value else {
        errors.push(syn::Error::new(
            value.span(),
            "expected the name of an `#[authorizer]` function, a `cognito_authorizer!`, or `iam`",
        ));
        return None;
    };
    let name = path.path.segments.last()?.ident.to_string();
    if path.path.is_ident("iam") {
        return Some(AuthorizerChoice { name, path: None });
    }
    Some(AuthorizerChoice {
        name,
        path: Some(path.path.clone()),
    })
}

fn parse_cors(value: &Expr, errors: &mut Errors) -> Option<Cors> {
    let mut cors = Cors {
        allow_origin: "*".to_owned(),
        allow_headers: Vec::new(),
        expose_headers: Vec::new(),
        max_age: None,
        allow_credentials: false,
    };
    match value {
        Expr::Lit(syn::ExprLit {
            lit: Lit::Bool(b), ..
        }) => b.value.then_some(cors),
        Expr::Struct(config) if config.path.is_ident("Cors") => {
            let mut seen = Vec::new();
            for field in &config.fields {
                let syn::Member::Named(key) = &field.member else {
                    continue;
                };
                if !options::first_time(key, &mut seen, errors) {
                    continue;
                }
                let value = &field.expr;
                match key.to_string().as_str() {
                    "allow_origin" => {
                        if let Some(origin) =
                            options::string(value, "expected an origin string", errors)
                        {
                            cors.allow_origin = origin;
                        }
                    }
                    "allow_headers" => {
                        cors.allow_headers =
                            options::strings(value, "expected a list of header names", errors);
                    }
                    "expose_headers" => {
                        cors.expose_headers =
                            options::strings(value, "expected a list of header names", errors);
                    }
                    "max_age" => {
                        cors.max_age = options::integer(
                            value,
                            0..=86400,
                            "expected seconds (0 to 86400)",
                            errors,
                        );
                    }
                    "allow_credentials" => {
                        if let Some(allow) =
                            options::boolean(value, "expected `true` or `false`", errors)
                        {
                            cors.allow_credentials = allow;
                        }
                    }
                    other => {
                        errors.push(syn::Error::new(
                            key.span(),
                            format!(
                                "unknown CORS field `{other}`; expected one of: {}",
                                CORS_FIELDS.join(", ")
                            ),
                        ));
                    }
                }
            }
            Some(cors)
        }
        other => {
            errors.push(syn::Error::new(
                other.span(),
                "expected `cors = true` or `cors = Cors { allow_origin: \"https://example.com\", max_age: 600, .. }`",
            ));
            None
        }
    }
}

fn parse_methods(value: &Expr, errors: &mut Errors) -> Vec<String> {
    let Expr::Array(array) = value else {
        errors.push(syn::Error::new(
            value.span(),
            "expected a list of methods: `methods = [GET, POST]`",
        ));
        return Vec::new();
    };
    if array.elems.is_empty() {
        errors.push(syn::Error::new(
            value.span(),
            "a route needs at least one method",
        ));
    }
    let mut methods = Vec::new();
    for element in &array.elems {
        let (text, span) = match element {
            Expr::Path(path) if path.path.get_ident().is_some() => {
                let ident = path
                    .path
                    .get_ident()
                    .map(|i| i.to_string())
                    .unwrap_or_default();
                (ident, element.span())
            }
            Expr::Lit(syn::ExprLit {
                lit: Lit::Str(s), ..
            }) => (s.value(), s.span()),
            _ => {
                errors.push(syn::Error::new(
                    element.span(),
                    "expected a method name such as `GET`",
                ));
                continue;
            }
        };
        let upper = text.to_ascii_uppercase();
        if !METHODS.contains(&upper.as_str()) {
            errors.push(syn::Error::new(
                span,
                format!(
                    "unknown method `{text}`; expected one of: {}",
                    METHODS.join(", ")
                ),
            ));
        } else if methods.contains(&upper) {
            errors.push(syn::Error::new(
                span,
                format!("method `{upper}` is listed twice"),
            ));
        } else {
            methods.push(upper);
        }
    }
    methods
}

fn parse_strings(value: &Expr, errors: &mut Errors) -> Vec<String> {
    let Expr::Array(array) = value else {
        errors.push(syn::Error::new(
            value.span(),
            "expected a list of strings: `content_types = [\"application/json\"]`",
        ));
        return Vec::new();
    };
    if array.elems.is_empty() {
        errors.push(syn::Error::new(
            value.span(),
            "a route needs at least one content type (leave `content_types` out for `[\"application/json\"]`)",
        ));
    }
    let mut out = Vec::new();
    for element in &array.elems {
        match element {
            Expr::Lit(syn::ExprLit {
                lit: Lit::Str(s), ..
            }) if s.value().contains('/') => {
                out.push(s.value().to_ascii_lowercase());
            }
            _ => errors.push(syn::Error::new(
                element.span(),
                "expected a media type string such as `\"application/json\"`",
            )),
        }
    }
    out
}

/// How one argument of the handler is obtained.
enum ArgSource {
    /// Parsed from the path parameter of this name.
    PathParam(String),
    /// Built by the type's `FromRequest` implementation.
    Extractor,
}

/// Expands `#[route]` on `item`.
pub fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let function: ItemFn = match syn::parse2(item.clone()) {
        Ok(function) => function,
        Err(_) => {
            let error = syn::Error::new(
                Span::call_site(),
                "`#[route]` goes on a function: `async fn name(..) -> impl IntoResponse`",
            );
            let error = error.to_compile_error();
            return quote! { #item #error };
        }
    };
    let route = match syn::parse2::<RouteAttr>(attr) {
        Ok(attr) => check_attr(attr, &mut errors),
        Err(error) => {
            errors.push(error);
            None
        }
    };
    let sources = check_function(&function, route.as_ref(), &mut errors);
    let model = route
        .as_ref()
        .and_then(|r| r.validate)
        .and_then(|span| find_model(&function, span, &mut errors));
    match (route, errors.finish()) {
        (Some(route), Ok(())) => generate(&function, &route, &sources, model.as_ref()),
        (_, Err(compile_errors)) => quote! { #function #compile_errors },
        (None, Ok(())) => quote! { #function },
    }
}

fn check_function(function: &ItemFn, route: Option<&Route>, errors: &mut Errors) -> Vec<ArgSource> {
    let signature = &function.sig;
    if !signature.generics.params.is_empty() {
        errors.push(syn::Error::new(
            signature.generics.span(),
            "a route handler cannot be generic",
        ));
    }
    let params: Vec<&str> = route
        .map(|r| r.route_path.params().collect())
        .unwrap_or_default();
    let mut used = Vec::new();
    let mut sources = Vec::new();
    for argument in &signature.inputs {
        match argument {
            FnArg::Receiver(receiver) => {
                errors.push(syn::Error::new(
                    receiver.span(),
                    "a route handler is a free function; it cannot take `self`",
                ));
            }
            FnArg::Typed(typed) => {
                let name = match &*typed.pat {
                    Pat::Ident(ident) => Some(ident.ident.to_string()),
                    _ => None,
                };
                match name {
                    Some(name) if params.contains(&name.as_str()) => {
                        used.push(name.clone());
                        sources.push(ArgSource::PathParam(name));
                    }
                    Some(name) if route.is_some() && is_path_value_type(&typed.ty) => {
                        // `FromRequest` is never implemented for these: say
                        // what is wrong here rather than through the trait.
                        let path = route.map(|r| r.path.value()).unwrap_or_default();
                        errors.push(syn::Error::new(
                            typed.span(),
                            format!(
                                "argument `{name}` is not a parameter of the route path `{path}`\n\
                                 help: add `<{name}>` to the path, or read it from an extractor \
                                 such as `Query<T>` or `Json<T>`"
                            ),
                        ));
                        sources.push(ArgSource::Extractor);
                    }
                    _ => sources.push(ArgSource::Extractor),
                }
            }
        }
    }
    if let Some(route) = route {
        for param in &params {
            if !used.iter().any(|u| u == param) {
                errors.push(syn::Error::new(
                    route.path.span(),
                    format!(
                        "unused parameter `<{param}>`: the handler has no argument named `{param}`\n\
                         help: add an argument such as `{param}: String` to `{}`",
                        signature.ident
                    ),
                ));
            }
        }
    }
    sources
}

fn generate(
    function: &ItemFn,
    route: &Route,
    sources: &[ArgSource],
    model: Option<&Model>,
) -> TokenStream {
    let ident = &function.sig.ident;
    let handler_name = route.name.clone().unwrap_or_else(|| ident.to_string());
    let resource_path = route.route_path.resource_path();
    // Module, file and line are the compiler's, filled in by `fragment::embed`.
    let fragment = Fragment::Route(RouteFragment {
        handler: handler_name,
        module: String::new(),
        file: String::new(),
        line: 0,
        path: route.path.value(),
        resource_path: resource_path.clone(),
        methods: route.methods.clone(),
        content_types: route.content_types.clone(),
        api_key_required: route.api_key_required,
        authorizer: route.authorizer.as_ref().map(|a| a.name.clone()),
        cors: route.cors.clone(),
        model: model.map(|m| m.name.clone()),
        doc: doc_comment(&function.attrs),
    });
    let embedded = fragment::embed(&fragment);
    // The model's schema is computed when the manifest is printed; a type
    // that is not `JsonSchema` is an error at the type.
    let model_registration = model.map(|model| {
        let name = &model.name;
        let ty = &model.ty;
        quote_spanned! { ty.span() =>
            ::chalice_rs_runtime::__private::inventory::submit! {
                ::chalice_rs_runtime::__private::ModelRegistration {
                    name: #name,
                    schema: ::chalice_rs_runtime::__private::schema_of::<#ty>,
                }
            }
        }
    });
    let has_cors = route.cors.is_some();
    // `authorizer = my_auth` must name an `#[authorizer]` (an `AuthorizerRef`):
    // a missing or wrong name is a type error at the user's path.
    let authorizer_check = route
        .authorizer
        .as_ref()
        .and_then(|a| a.path.as_ref())
        .map(|path| {
            quote_spanned! { path.span() =>
                const _: ::chalice_rs_runtime::__private::AuthorizerRef = #path;
            }
        });

    let mut bindings = Vec::new();
    let mut call_args = Vec::new();
    for (index, (argument, source)) in function.sig.inputs.iter().zip(sources).enumerate() {
        let FnArg::Typed(typed) = argument else {
            continue;
        };
        let ty = &typed.ty;
        let var = format_ident!("__chalice_arg{}", index);
        let binding = match source {
            ArgSource::PathParam(name) => quote_spanned! { ty.span() =>
                let #var: #ty = match ::chalice_rs_runtime::__private::path_param(&__chalice_request, #name) {
                    ::core::result::Result::Ok(value) => value,
                    ::core::result::Result::Err(error) => {
                        return ::chalice_rs_runtime::IntoResponse::into_response(error);
                    }
                };
            },
            ArgSource::Extractor => crate::call::extractor_binding(&var, ty),
        };
        bindings.push(binding);
        call_args.push(var);
    }
    let schemas = schemas_fn(function, sources);
    let handler = crate::call::request_handler(
        &function.sig,
        &format_ident!("__chalice_handler"),
        &bindings,
        &call_args,
    );
    let methods = &route.methods;
    let content_types = &route.content_types;
    // Two handlers of one module with the same method and path define the same
    // const: rustc reports E0428 with both path strings underlined.
    let path_span = route.path.span();
    let duplicate_guards = route.methods.iter().map(|method| {
        let guard = format_ident!("{}", guard_name(method, &resource_path), span = path_span);
        quote_spanned! { path_span =>
            #[doc(hidden)]
            #[allow(non_upper_case_globals, dead_code)]
            const #guard: () = ();
        }
    });

    quote! {
        #function

        #(#duplicate_guards)*

        const _: () = {
            #embedded
            #authorizer_check
            #model_registration

            #schemas

            #handler

            ::chalice_rs_runtime::__private::inventory::submit! {
                ::chalice_rs_runtime::__private::RouteRegistration {
                    fragment: &__CHALICE_FRAGMENT,
                    resource_path: #resource_path,
                    methods: &[#(#methods),*],
                    content_types: &[#(#content_types),*],
                    cors: #has_cors,
                    handler: __chalice_handler,
                    schemas: __chalice_schemas,
                }
            }
        };
    }
}

/// The text of the function's doc comment (`///` lines), one leading
/// space of each line removed; `None` without one.
fn doc_comment(attrs: &[syn::Attribute]) -> Option<String> {
    let lines: Vec<String> = attrs
        .iter()
        .filter(|attr| attr.path().is_ident("doc"))
        .filter_map(|attr| match &attr.meta {
            syn::Meta::NameValue(syn::MetaNameValue {
                value:
                    Expr::Lit(syn::ExprLit {
                        lit: Lit::Str(text),
                        ..
                    }),
                ..
            }) => Some(text.value()),
            _ => None,
        })
        .flat_map(|text| {
            text.split('\n')
                .map(|line| line.strip_suffix('\r').unwrap_or(line))
                .map(|line| line.strip_prefix(' ').unwrap_or(line).to_owned())
                .collect::<Vec<_>>()
        })
        .collect();
    let text = lines.join("\n").trim().to_owned();
    (!text.is_empty()).then_some(text)
}

/// `fn __chalice_schemas()`: the JSON schemas of the handler's path
/// parameters, extractors and return type, asked of each type's `Probe`
/// (a type without a schema is not an error; see the runtime's
/// `route_schemas`). A return type that cannot be named (`impl Trait`)
/// is left out. A musl build (Lambda's) has none.
fn schemas_fn(function: &ItemFn, sources: &[ArgSource]) -> TokenStream {
    let private = quote! { ::chalice_rs_runtime::__private };
    let mut steps = Vec::new();
    for (argument, source) in function.sig.inputs.iter().zip(sources) {
        let FnArg::Typed(typed) = argument else {
            continue;
        };
        let ty = &typed.ty;
        steps.push(match source {
            ArgSource::PathParam(name) => quote! {
                __chalice_schemas.params.insert(
                    ::std::string::String::from(#name),
                    (&&#private::Probe::<#ty>::new()).param_schema(),
                );
            },
            ArgSource::Extractor => quote! {
                #private::add_input(
                    &mut __chalice_schemas,
                    (&&#private::Probe::<#ty>::new()).input_schema(),
                );
            },
        });
    }
    let output = match &function.sig.output {
        syn::ReturnType::Default => Some(quote! { () }),
        syn::ReturnType::Type(_, ty) if !mentions_impl(ty) => Some(quote! { #ty }),
        syn::ReturnType::Type(..) => None,
    };
    if let Some(output) = output {
        steps.push(quote! {
            __chalice_schemas.response = (&&#private::Probe::<#output>::new()).output_schema();
        });
    }
    // Lambda builds (musl, release) never print the schemas: leaving the
    // calls out there keeps schemars' generator out of the `bootstrap` (125 KB
    // of examples/hello's 2.77 MB, x86_64, without LTO). The host build, musl
    // too where it can be, is a debug build and keeps them.
    quote! {
        #[cfg(not(all(target_env = "musl", not(debug_assertions))))]
        fn __chalice_schemas() -> #private::RouteSchemas {
            #[allow(unused_imports)]
            use #private::{
                InputSchema as _, InputSchemaFallback as _, OutputSchema as _,
                OutputSchemaFallback as _, ParamSchema as _, ParamSchemaFallback as _,
            };
            #[allow(unused_mut)]
            let mut __chalice_schemas = #private::RouteSchemas::default();
            #(#steps)*
            __chalice_schemas
        }

        #[cfg(all(target_env = "musl", not(debug_assertions)))]
        fn __chalice_schemas() -> #private::RouteSchemas {
            #private::RouteSchemas::default()
        }
    }
}

/// Whether `ty` contains `impl Trait` (which no other position can name).
fn mentions_impl(ty: &syn::Type) -> bool {
    struct Finder(bool);
    impl<'ast> syn::visit::Visit<'ast> for Finder {
        fn visit_type_impl_trait(&mut self, _: &'ast syn::TypeImplTrait) {
            self.0 = true;
        }
    }
    let mut finder = Finder(false);
    syn::visit::Visit::visit_type(&mut finder, ty);
    finder.0
}

/// Whether `ty` is a standard type parsed from text (`u64`, `String`, ...):
/// such an argument can only come from the path.
fn is_path_value_type(ty: &syn::Type) -> bool {
    const TYPES: &[&str] = &[
        "bool", "char", "i8", "i16", "i32", "i64", "i128", "isize", "u8", "u16", "u32", "u64",
        "u128", "usize", "f32", "f64", "String",
    ];
    match ty {
        syn::Type::Path(path) if path.qself.is_none() => path
            .path
            .get_ident()
            .is_some_and(|ident| TYPES.contains(&ident.to_string().as_str())),
        _ => false,
    }
}

/// The name of the const that makes a repeated `(method, path)` in one module a
/// compile error: readable (`__chalice_route_GET_items_id_…`) and, through the
/// hash of the exact resource path, distinct for `/a_b` and `/a/b`.
fn guard_name(method: &str, resource_path: &str) -> String {
    let readable: String = resource_path
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("_");
    let hash = resource_path
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
    format!("__chalice_route_{method}_{readable}_{:08x}", hash as u32)
}

#[cfg(test)]
mod tests {
    use super::guard_name;

    #[test]
    fn guard_names_tell_paths_apart() {
        assert_ne!(guard_name("GET", "/a_b"), guard_name("GET", "/a/b"));
        assert_ne!(
            guard_name("GET", "/items/{id}"),
            guard_name("GET", "/items/id")
        );
        assert_ne!(guard_name("GET", "/x"), guard_name("PUT", "/x"));
        assert_eq!(
            guard_name("GET", "/items/{id}"),
            guard_name("GET", "/items/{id}")
        );
        assert!(guard_name("GET", "/items/{id}").starts_with("__chalice_route_GET_items_id_"));
        assert!(guard_name("GET", "/").starts_with("__chalice_route_GET__"));
    }
}

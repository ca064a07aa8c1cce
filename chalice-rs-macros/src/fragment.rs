//! Embedding a manifest fragment in the binary's `chalice_manifest` section.

use chalice_rs_manifest::{Fragment, Piece, SiteValue};
use proc_macro2::{Span, TokenStream};
use quote::quote;

/// Items (for a `const _: () = { .. }` block) defining `__CHALICE_FRAGMENT`:
/// `fragment` as JSON (the one format of `chalice-rs-manifest`), with the
/// module, file and line of the call site, NUL-terminated, in the manifest
/// link section. The `module`, `file` and `line` of `fragment` are ignored.
pub fn embed(fragment: &Fragment) -> TokenStream {
    // `module`, `file` and `line` come from the compiler at the call site,
    // spliced into the JSON text with `concat!`.
    let pieces = match fragment.template() {
        Ok(pieces) => pieces,
        Err(error) => {
            return syn::Error::new(
                Span::call_site(),
                format!("chalice-rs: cannot write the manifest fragment: {error}"),
            )
            .to_compile_error();
        }
    };
    let parts = pieces.iter().map(|piece| match piece {
        Piece::Text(text) => quote! { #text },
        Piece::Site(SiteValue::Module) => quote! { ::core::module_path!() },
        Piece::Site(SiteValue::File) => quote! { ::core::file!() },
        Piece::Site(SiteValue::Line) => quote! { ::core::line!() },
    });
    let section = chalice_rs_manifest::SECTION_NAME;
    quote! {
        const __CHALICE_FRAGMENT_TEXT: &str = ::core::concat!(#(#parts),*);
        #[cfg_attr(not(target_vendor = "apple"), unsafe(link_section = #section))]
        #[cfg_attr(target_vendor = "apple", unsafe(link_section = "__DATA,__chalice"))]
        #[used]
        static __CHALICE_FRAGMENT: [u8; __CHALICE_FRAGMENT_TEXT.len() + 1] =
            ::chalice_rs_runtime::__private::fragment_bytes::<{ __CHALICE_FRAGMENT_TEXT.len() + 1 }>(
                __CHALICE_FRAGMENT_TEXT,
            );
    }
}

/// The macros write fragments that the reader's type, `chalice_rs_manifest::Fragment`,
/// reads back field for field: each test expands a real attribute, joins the
/// generated `concat!` as the compiler would, and parses the text.
#[cfg(test)]
mod tests {
    use chalice_rs_manifest::{
        Authorizer, AuthorizerKind, Cors, EventSource, Fragment, FunctionFragment, RouteFragment,
    };
    use proc_macro2::{TokenStream, TokenTree};
    use quote::quote;
    use syn::parse::Parser;
    use syn::punctuated::Punctuated;
    use syn::{Expr, Lit, Token};

    const MODULE: &str = "app::items";
    const FILE: &str = "src/items.rs";
    const LINE: u32 = 12;

    /// The arguments of every `concat!(..)` in `tokens`.
    fn concats(tokens: TokenStream, out: &mut Vec<TokenStream>) {
        let trees: Vec<TokenTree> = tokens.into_iter().collect();
        for (index, tree) in trees.iter().enumerate() {
            if let TokenTree::Group(group) = tree {
                let after_concat = index >= 2
                    && matches!(&trees[index - 2], TokenTree::Ident(i) if i == "concat")
                    && matches!(&trees[index - 1], TokenTree::Punct(p) if p.as_char() == '!');
                if after_concat {
                    out.push(group.stream());
                } else {
                    concats(group.stream(), out);
                }
            }
        }
    }

    /// The fragment an expansion embeds, as the compiler would write it at
    /// `MODULE`, `FILE`, `LINE` (NUL-terminated, like the section's bytes).
    fn embedded(expansion: TokenStream) -> Fragment {
        let text = expansion.to_string();
        assert!(
            text.contains(&format!("\"{}\"", chalice_rs_manifest::SECTION_NAME)),
            "{text}"
        );
        let mut found = Vec::new();
        concats(expansion, &mut found);
        assert_eq!(found.len(), 1, "one fragment per attribute: {text}");
        let parts = Punctuated::<Expr, Token![,]>::parse_terminated
            .parse2(found.remove(0))
            .unwrap();
        let mut json = String::new();
        for part in parts {
            match part {
                Expr::Lit(syn::ExprLit {
                    lit: Lit::Str(s), ..
                }) => json.push_str(&s.value()),
                Expr::Macro(m) => match m
                    .mac
                    .path
                    .segments
                    .last()
                    .unwrap()
                    .ident
                    .to_string()
                    .as_str()
                {
                    "module_path" => json.push_str(MODULE),
                    "file" => json.push_str(FILE),
                    "line" => json.push_str(&LINE.to_string()),
                    other => panic!("unexpected macro {other}! in the fragment"),
                },
                other => panic!("unexpected part of the fragment: {}", quote!(#other)),
            }
        }
        json.push('\0');
        Fragment::parse(json.as_bytes()).unwrap_or_else(|e| panic!("{e}: {json}"))
    }

    fn route(attr: TokenStream, item: TokenStream) -> Fragment {
        embedded(crate::route::expand(attr, item))
    }

    fn authorizer(attr: TokenStream) -> Fragment {
        let item = quote! { async fn bearer(request: AuthRequest) -> AuthResponse { todo!() } };
        embedded(crate::authorizer::expand(attr, item))
    }

    fn authorizer_fragment(name: &str, kind: AuthorizerKind, ttl_seconds: u32) -> Fragment {
        Fragment::Authorizer(Authorizer {
            name: name.into(),
            module: MODULE.into(),
            file: FILE.into(),
            line: LINE,
            kind,
            ttl_seconds,
        })
    }

    #[test]
    fn a_route_with_every_option_reads_back() {
        let fragment = route(
            quote! {
                "/items/<id>", methods = [GET, put], content_types = ["Text/Plain"],
                name = "get_item", api_key_required = true, authorizer = auth::bearer,
                cors = Cors { allow_origin: "https://example.com", allow_headers: ["X-In"],
                    expose_headers: ["X-Out"], max_age: 600, allow_credentials: true },
                validate = true
            },
            quote! {
                /// Gets one item.
                ///
                /// By its `id`.
                async fn item(id: u64, Json(body): Json<NewItem>) -> String { todo!() }
            },
        );
        let expected = RouteFragment {
            handler: "get_item".into(),
            module: MODULE.into(),
            file: FILE.into(),
            line: LINE,
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
        };
        assert_eq!(fragment, Fragment::Route(expected));
    }

    #[test]
    fn a_route_with_no_option_reads_back_with_the_defaults() {
        let fragment = route(
            quote! { "/files/<path..>", cors = true, authorizer = iam },
            quote! { fn files(path: String) -> String { path } },
        );
        let expected = RouteFragment {
            handler: "files".into(),
            module: MODULE.into(),
            file: FILE.into(),
            line: LINE,
            path: "/files/<path..>".into(),
            resource_path: "/files/{path+}".into(),
            methods: vec!["GET".into()],
            content_types: vec!["application/json".into()],
            api_key_required: false,
            authorizer: Some("iam".into()),
            cors: Some(Cors {
                allow_origin: "*".into(),
                allow_headers: Vec::new(),
                expose_headers: Vec::new(),
                max_age: None,
                allow_credentials: false,
            }),
            model: None,
            doc: None,
        };
        assert_eq!(fragment, Fragment::Route(expected));
    }

    #[test]
    fn every_kind_of_authorizer_reads_back() {
        assert_eq!(
            authorizer(quote! {}),
            authorizer_fragment(
                "bearer",
                AuthorizerKind::Token {
                    header: "Authorization".into(),
                    validation_expression: None,
                },
                300,
            )
        );
        assert_eq!(
            authorizer(quote! { header = "X-Token", validation = "^tok-\"x\"$", ttl = 60 }),
            authorizer_fragment(
                "bearer",
                AuthorizerKind::Token {
                    header: "X-Token".into(),
                    validation_expression: Some("^tok-\"x\"$".into()),
                },
                60,
            )
        );
        assert_eq!(
            authorizer(quote! {
                kind = request, headers = ["X-Key"], query = ["key"], stage_variables = ["env"], ttl = 0
            }),
            authorizer_fragment(
                "bearer",
                AuthorizerKind::Request {
                    identity_sources: vec![
                        "method.request.header.X-Key".into(),
                        "method.request.querystring.key".into(),
                        "stageVariables.env".into(),
                    ],
                },
                0,
            )
        );
        let arn = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_abc";
        assert_eq!(
            embedded(crate::authorizer::expand_cognito(quote! {
                pub users, provider_arns = [#arn], header = "X-Auth", ttl = 30
            })),
            authorizer_fragment(
                "users",
                AuthorizerKind::CognitoUserPools {
                    provider_arns: vec![arn.into()],
                    header: "X-Auth".into(),
                },
                30,
            )
        );
    }

    fn function(kind: crate::source::Kind, attr: TokenStream) -> Fragment {
        let item = quote! { async fn nightly_job(event: E) -> Result<(), String> { todo!() } };
        embedded(crate::function::expand(kind, attr, item))
    }

    fn function_fragment(name: &str, source: EventSource) -> Fragment {
        Fragment::Function(FunctionFragment {
            name: name.into(),
            module: MODULE.into(),
            file: FILE.into(),
            line: LINE,
            source,
        })
    }

    #[test]
    fn every_kind_of_function_reads_back() {
        use crate::source::Kind;
        let cases = [
            (
                function(
                    Kind::Schedule,
                    quote! { "rate(1 day)", description = "tidy \"up\"" },
                ),
                function_fragment(
                    "nightly_job",
                    EventSource::Schedule {
                        expression: "rate(1 day)".into(),
                        description: Some("tidy \"up\"".into()),
                    },
                ),
            ),
            (
                function(
                    Kind::Event,
                    quote! { pattern = r#"{"source": ["app"]}"#, bus = "orders", name = "orders" },
                ),
                function_fragment(
                    "orders",
                    EventSource::EventBridge {
                        pattern: r#"{"source": ["app"]}"#.into(),
                        bus: Some("orders".into()),
                    },
                ),
            ),
            (
                function(
                    Kind::Sqs,
                    quote! { queue = "Jobs", batch_size = 20, max_batching_window = 5 },
                ),
                function_fragment(
                    "nightly_job",
                    EventSource::Sqs {
                        queue: "Jobs".into(),
                        batch_size: 20,
                        max_batching_window: Some(5),
                    },
                ),
            ),
            (
                function(
                    Kind::Sns,
                    quote! { topic = "Alerts", filter_policy = r#"{"k": ["v"]}"# },
                ),
                function_fragment(
                    "nightly_job",
                    EventSource::Sns {
                        topic: "Alerts".into(),
                        filter_policy: Some(r#"{"k": ["v"]}"#.into()),
                    },
                ),
            ),
            (
                function(
                    Kind::S3,
                    quote! {
                        bucket = "Uploads", events = ["s3:ObjectCreated:Put", "s3:ObjectRemoved:*"],
                        prefix = "in/", suffix = ".csv"
                    },
                ),
                function_fragment(
                    "nightly_job",
                    EventSource::S3 {
                        bucket: "Uploads".into(),
                        events: vec!["s3:ObjectCreated:Put".into(), "s3:ObjectRemoved:*".into()],
                        prefix: Some("in/".into()),
                        suffix: Some(".csv".into()),
                    },
                ),
            ),
            (
                function(
                    Kind::Dynamodb,
                    quote! { stream = "Todos", batch_size = 50, starting_position = "TRIM_HORIZON", max_batching_window = 1 },
                ),
                function_fragment(
                    "nightly_job",
                    EventSource::DynamodbStream {
                        stream: "Todos".into(),
                        batch_size: 50,
                        starting_position: "TRIM_HORIZON".into(),
                        max_batching_window: Some(1),
                    },
                ),
            ),
            (
                function(Kind::Kinesis, quote! { stream = "Clicks" }),
                function_fragment(
                    "nightly_job",
                    EventSource::Kinesis {
                        stream: "Clicks".into(),
                        batch_size: 100,
                        starting_position: "LATEST".into(),
                        max_batching_window: None,
                    },
                ),
            ),
            (
                function(Kind::Invoke, quote! {}),
                function_fragment("nightly_job", EventSource::Invoke),
            ),
            (
                function(Kind::Invoke, quote! { name = "stats-v2" }),
                function_fragment("stats-v2", EventSource::Invoke),
            ),
        ];
        for (written, expected) in cases {
            assert_eq!(written, expected);
        }
    }
}

//! The event-function attributes (`#[schedule]`, `#[on_event]`,
//! `#[on_sqs_message]`, `#[on_sns_message]`, `#[on_s3_event]`,
//! `#[on_dynamodb_record]`, `#[on_kinesis_record]`, `#[lambda_function]`):
//! checking the handler, generating its wrapper and its registration.

use crate::diagnostics::Errors;
use crate::fragment;
use crate::source::{self, Declared, Kind};
use chalice_rs_manifest::{Fragment, FunctionFragment};
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::ext::IdentExt as _;
use syn::spanned::Spanned;
use syn::{FnArg, ItemFn};

/// Expands the attribute `kind` on `item`.
pub fn expand(kind: Kind, attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let function: ItemFn = match syn::parse2(item.clone()) {
        Ok(function) => function,
        Err(_) => {
            let error = syn::Error::new(
                Span::call_site(),
                format!(
                    "`#[{}]` goes on a function: `async fn name(event: ..) -> Result<.., E>`",
                    kind.attribute()
                ),
            )
            .to_compile_error();
            return quote! { #item #error };
        }
    };
    let declared = source::declared(kind, attr, &mut errors);
    crate::call::check_signature(&function.sig, kind.attribute(), &mut errors);
    match (declared, errors.finish()) {
        (Some(declared), Ok(())) => generate(&function, kind, declared),
        (_, Err(compile_errors)) => quote! { #function #compile_errors },
        (None, Ok(())) => quote! { #function },
    }
}

fn generate(function: &ItemFn, kind: Kind, declared: Declared) -> TokenStream {
    let ident = &function.sig.ident;
    let name = declared.name.unwrap_or_else(|| ident.unraw().to_string());
    // Module, file and line are the compiler's, filled in by `fragment::embed`.
    let fragment = Fragment::Function(FunctionFragment {
        name: name.clone(),
        module: String::new(),
        file: String::new(),
        line: 0,
        source: declared.source,
    });
    let embedded = fragment::embed(&fragment);

    // The event first, read through the attribute's trait; then `State<T>`s.
    // Each is checked at the user's type, so a mismatch is reported there.
    let event_trait = format_ident!("{}", kind.event_trait());
    let mut bindings = Vec::new();
    let mut call_args = Vec::new();
    for (index, argument) in function.sig.inputs.iter().enumerate() {
        let FnArg::Typed(typed) = argument else {
            continue;
        };
        let ty = &typed.ty;
        let var = format_ident!("__chalice_arg{}", index);
        let binding = if index == 0 {
            quote_spanned! { ty.span() =>
                let #var: #ty =
                    <#ty as ::chalice_rs_runtime::__private::#event_trait>::from_event(__chalice_event)?;
            }
        } else {
            quote_spanned! { ty.span() =>
                let #var: #ty =
                    <#ty as ::chalice_rs_runtime::__private::FunctionArgument>::from_app(&__chalice_app)?;
            }
        };
        bindings.push(binding);
        call_args.push(var);
    }
    let call = crate::call::call(&function.sig, ident, &call_args);
    let output_span = crate::call::output_span(&function.sig);
    let (items, output) = if kind.is_batch() {
        (
            quote! {
                let __chalice_items =
                    ::chalice_rs_runtime::__private::batch_item_ids(&__chalice_event);
            },
            quote_spanned! { output_span =>
                ::chalice_rs_runtime::__private::output::batch(__chalice_output, &__chalice_items)
            },
        )
    } else {
        (
            TokenStream::new(),
            quote_spanned! { output_span =>
                ::chalice_rs_runtime::__private::output::result(__chalice_output)
            },
        )
    };

    quote! {
        #function

        const _: () = {
            #embedded

            fn __chalice_function(
                __chalice_event: ::chalice_rs_runtime::__private::Value,
                __chalice_app: ::chalice_rs_runtime::App,
            ) -> ::chalice_rs_runtime::__private::FunctionFuture {
                ::std::boxed::Box::pin(async move {
                    #items
                    #(#bindings)*
                    let _ = &__chalice_app;
                    let __chalice_output = #call;
                    #output
                })
            }

            ::chalice_rs_runtime::__private::inventory::submit! {
                ::chalice_rs_runtime::__private::FunctionRegistration {
                    fragment: &__CHALICE_FRAGMENT,
                    name: #name,
                    handler: __chalice_function,
                }
            }
        };
    }
}

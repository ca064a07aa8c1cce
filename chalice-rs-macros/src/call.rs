//! The call of the user's function from a generated wrapper, and the
//! signatures such a call cannot make.

use crate::diagnostics::Errors;
use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;

/// `name(args..)`, awaited when `sig` is `async`.
pub fn call(sig: &syn::Signature, name: &syn::Ident, args: &[impl ToTokens]) -> TokenStream {
    if sig.asyncness.is_some() {
        quote! { #name(#(#args),*).await }
    } else {
        quote! { #name(#(#args),*) }
    }
}

/// Where errors about the function's return value point: its return type,
/// or its name when it has none.
pub fn output_span(sig: &syn::Signature) -> Span {
    match &sig.output {
        syn::ReturnType::Default => sig.ident.span(),
        syn::ReturnType::Type(_, ty) => ty.span(),
    }
}

/// Reports what a generated wrapper cannot call, for the attribute named
/// `attribute`: generic handlers, methods, arguments of an unnameable
/// (`impl Trait`) type.
pub fn check_signature(signature: &syn::Signature, attribute: &str, errors: &mut Errors) {
    if !signature.generics.params.is_empty() {
        errors.push(syn::Error::new(
            signature.generics.span(),
            format!("a `#[{attribute}]` handler cannot be generic"),
        ));
    }
    for argument in &signature.inputs {
        match argument {
            syn::FnArg::Receiver(receiver) => errors.push(syn::Error::new(
                receiver.span(),
                format!("a `#[{attribute}]` handler is a free function; it cannot take `self`"),
            )),
            syn::FnArg::Typed(typed) => {
                if let syn::Type::ImplTrait(_) = &*typed.ty {
                    errors.push(syn::Error::new(
                        typed.ty.span(),
                        "name the argument's type: the generated wrapper builds it, so it cannot be `impl Trait`",
                    ));
                }
            }
        }
    }
}

/// `let <var>: <ty> = ...` from the request through `FromRequest`, answering
/// the extractor's rejection when it fails (the error at the argument's type).
pub fn extractor_binding(var: &syn::Ident, ty: &syn::Type) -> TokenStream {
    quote_spanned! { ty.span() =>
        let #var: #ty = match <#ty as ::chalice_rs_runtime::FromRequest>::from_request(&__chalice_request) {
            ::core::result::Result::Ok(value) => value,
            ::core::result::Result::Err(error) => {
                return ::chalice_rs_runtime::IntoResponse::into_response(error);
            }
        };
    }
}

/// The wrapper `fn <handler>(Request) -> HandlerFuture` of a route or a
/// WebSocket handler: the `bindings` of its arguments, the call of the
/// user's function with `args`, its output turned into a response (an
/// error at the function's return type when it is no `IntoResponse`).
pub fn request_handler(
    sig: &syn::Signature,
    handler: &syn::Ident,
    bindings: &[TokenStream],
    args: &[syn::Ident],
) -> TokenStream {
    let call = call(sig, &sig.ident, args);
    let into_response = quote_spanned! { output_span(sig) =>
        ::chalice_rs_runtime::IntoResponse::into_response(__chalice_output)
    };
    quote! {
        fn #handler(
            __chalice_request: ::chalice_rs_runtime::Request,
        ) -> ::chalice_rs_runtime::__private::HandlerFuture {
            ::std::boxed::Box::pin(async move {
                #(#bindings)*
                let __chalice_output = #call;
                #into_response
            })
        }
    }
}

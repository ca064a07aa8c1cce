//! The call of the user's function from a generated wrapper.

use proc_macro2::{Span, TokenStream};
use quote::{quote, ToTokens};
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

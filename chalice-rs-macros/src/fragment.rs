//! Embedding a manifest fragment in the binary's `chalice_manifest` section.

use proc_macro2::TokenStream;
use quote::quote;

/// Items (for a `const _: () = { .. }` block) defining `__CHALICE_FRAGMENT`:
/// the JSON object `fields` plus `module`, `file` and `line` from the call
/// site, NUL-terminated, in the manifest link section.
pub fn embed(fields: &serde_json::Value) -> TokenStream {
    // `module`, `file` and `line` come from the compiler at the call site,
    // spliced into the JSON text with `concat!`.
    let text = fields.to_string();
    let tail = text.strip_prefix('{').unwrap_or(&text);
    let tail = if tail == "}" {
        tail.to_owned()
    } else {
        format!(",{tail}")
    };
    let head = "{\"module\":\"";
    let mid = "\",\"file\":\"";
    let line_head = "\",\"line\":";
    quote! {
        const __CHALICE_FRAGMENT_TEXT: &str = ::core::concat!(
            #head, ::core::module_path!(), #mid, ::core::file!(), #line_head, ::core::line!(), #tail
        );
        #[cfg_attr(not(target_vendor = "apple"), unsafe(link_section = "chalice_manifest"))]
        #[cfg_attr(target_vendor = "apple", unsafe(link_section = "__DATA,__chalice"))]
        #[used]
        static __CHALICE_FRAGMENT: [u8; __CHALICE_FRAGMENT_TEXT.len() + 1] =
            ::chalice_rs_runtime::__private::fragment_bytes::<{ __CHALICE_FRAGMENT_TEXT.len() + 1 }>(
                __CHALICE_FRAGMENT_TEXT,
            );
    }
}

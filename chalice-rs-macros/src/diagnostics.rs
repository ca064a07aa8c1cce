//! Collecting every error of an attribute before reporting them together.

use proc_macro2::TokenStream;

/// The errors found so far; reported all at once.
#[derive(Default)]
pub struct Errors {
    combined: Option<syn::Error>,
}

impl Errors {
    /// Records an error.
    pub fn push(&mut self, error: syn::Error) {
        match &mut self.combined {
            Some(combined) => combined.combine(error),
            None => self.combined = Some(error),
        }
    }

    /// `Ok` when nothing was recorded, else the `compile_error!`s to emit.
    pub fn finish(self) -> Result<(), TokenStream> {
        match self.combined {
            None => Ok(()),
            Some(error) => Err(error.to_compile_error()),
        }
    }
}

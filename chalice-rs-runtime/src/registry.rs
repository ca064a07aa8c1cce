//! The routes the app's `#[route]` attributes registered, collected at link
//! time, and the manifest of everything the binary registered (routes,
//! authorizers, event and plain functions).

use crate::manifest::{Manifest, ManifestError};
use crate::request::Request;
use crate::response::Response;
use std::future::Future;
use std::pin::Pin;

/// The future a generated handler wrapper returns.
pub type HandlerFuture = Pin<Box<dyn Future<Output = Response> + Send + 'static>>;

/// A generated handler wrapper: extracts the arguments, calls the user's
/// function, converts its return value.
pub type HandlerFn = fn(Request) -> HandlerFuture;

/// One `#[route]` attribute, registered by the macro.
#[derive(Debug)]
pub struct RouteRegistration {
    /// The JSON manifest fragment, also placed in the `chalice_manifest` section.
    pub fragment: &'static [u8],
    /// The path in API Gateway form.
    pub resource_path: &'static str,
    /// The methods, upper case.
    pub methods: &'static [&'static str],
    /// Accepted request content types (lower case).
    pub content_types: &'static [&'static str],
    /// Whether the route has CORS settings (in its fragment).
    pub cors: bool,
    /// The handler wrapper.
    pub handler: HandlerFn,
    /// The JSON schemas of the handler's parameters, body and response.
    pub schemas: fn() -> crate::manifest::RouteSchemas,
}

inventory::collect!(RouteRegistration);

impl RouteRegistration {
    /// The CORS response headers of the route, read from its fragment; empty
    /// without CORS.
    pub fn cors_headers(&self) -> Vec<(http::HeaderName, http::HeaderValue)> {
        if !self.cors {
            return Vec::new();
        }
        let cors = match crate::manifest::Fragment::parse(self.fragment) {
            Ok(crate::manifest::Fragment::Route(route)) => route.cors,
            _ => None,
        };
        cors.map(|cors| cors.header_values()).unwrap_or_default()
    }
}

/// Every registered route, in link order.
pub fn registrations() -> impl Iterator<Item = &'static RouteRegistration> {
    inventory::iter::<RouteRegistration>.into_iter()
}

/// The manifest of this binary, from its registrations, with the request
/// models' schemas. Runs no handler and no `App` setup.
pub fn manifest() -> Result<Manifest, ManifestError> {
    let mut manifest = Manifest::from_fragments(
        registrations()
            .map(|r| r.fragment)
            .chain(crate::authorizer::registrations().map(|r| r.fragment))
            .chain(crate::function::registrations().map(|r| r.fragment))
            .chain(crate::websocket::registrations().map(|r| r.fragment)),
    )?;
    manifest.models = crate::models::models()?;
    for registration in registrations() {
        let schemas = (registration.schemas)();
        for route in manifest.routes.iter_mut().filter(|route| {
            route.resource_path == registration.resource_path
                && registration.methods.contains(&route.method.as_str())
        }) {
            route.schemas = Some(schemas.clone());
        }
    }
    for route in &manifest.routes {
        if let Some(model) = &route.model {
            if !manifest.models.contains_key(model) {
                return Err(ManifestError::UnknownModel {
                    method: route.method.clone(),
                    path: route.path.clone(),
                    location: route.location(),
                    model: model.clone(),
                });
            }
        }
    }
    Ok(manifest)
}

/// Copies a `&str` into a NUL-terminated byte array at compile time, for the
/// manifest section. `N` must be `text.len() + 1`.
pub const fn fragment_bytes<const N: usize>(text: &str) -> [u8; N] {
    let bytes = text.as_bytes();
    let mut out = [0u8; N];
    let mut i = 0;
    while i < bytes.len() && i < N {
        out[i] = bytes[i];
        i += 1;
    }
    out
}

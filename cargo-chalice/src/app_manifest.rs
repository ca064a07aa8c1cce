//! Reading an app's [`Manifest`] from its compiled binary, of any
//! architecture, without running it.
//!
//! Each `#[route]` places a JSON fragment in the `chalice_manifest` link
//! section (`__DATA,__chalice` on Mach-O). This module opens the executable
//! with the `object` crate and hands that section's bytes to
//! [`Manifest::from_section`], so an arm64 artifact built on an x86_64 host is
//! read just like a host build.
//!
//! Request models' schemas are computed by the running binary
//! ([`models_by_running`]): the section names the models, not their schemas.

use crate::artifact::Arch;
use chalice_rs_runtime::manifest::{Manifest, ManifestError, SECTION_NAME};
use object::{Object, ObjectSection};
use std::path::{Path, PathBuf};

/// The section name on Mach-O (segment `__DATA`).
pub const MACHO_SECTION_NAME: &str = "__chalice";

/// Why the manifest cannot be read from a binary.
#[derive(Debug, thiserror::Error)]
pub enum AppManifestError {
    /// The file cannot be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The binary.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not an executable `object` understands.
    #[error("{path} is not an executable this tool can read: {source}")]
    Parse {
        /// The binary.
        path: PathBuf,
        /// The parse error.
        source: object::Error,
    },
    /// The binary has no manifest section: no `#[route]` was linked in.
    #[error("{path} has no `{SECTION_NAME}` section: the app registers no routes (no `#[route]` function is linked into the binary)")]
    NoSection {
        /// The binary.
        path: PathBuf,
    },
    /// `bootstrap --manifest` could not be run or did not print a manifest.
    #[error("cannot read the manifest printed by `{path} --manifest`: {message}")]
    Run {
        /// The binary.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// The section's fragments do not form a valid manifest.
    #[error("the manifest of {path} is invalid: {source}")]
    Manifest {
        /// The binary.
        path: PathBuf,
        /// The manifest error.
        source: Box<ManifestError>,
    },
}

/// An app's manifest and what the binary is built for.
#[derive(Debug, Clone)]
pub struct AppManifest {
    /// The manifest.
    pub manifest: Manifest,
    /// The binary's architecture, when it is one Lambda runs.
    pub arch: Option<Arch>,
}

/// Reads the manifest of the executable at `path`.
pub fn read(path: &Path) -> Result<AppManifest, AppManifestError> {
    let data = std::fs::read(path).map_err(|source| AppManifestError::Read {
        path: path.to_owned(),
        source,
    })?;
    from_bytes(path, &data)
}

/// Reads the manifest from an executable's bytes; `path` names it in errors.
pub fn from_bytes(path: &Path, data: &[u8]) -> Result<AppManifest, AppManifestError> {
    let file = object::File::parse(data).map_err(|source| AppManifestError::Parse {
        path: path.to_owned(),
        source,
    })?;
    let arch = match file.architecture() {
        object::Architecture::Aarch64 => Some(Arch::Arm64),
        object::Architecture::X86_64 => Some(Arch::X86_64),
        _ => None,
    };
    let section = file
        .section_by_name(SECTION_NAME)
        .or_else(|| file.section_by_name(MACHO_SECTION_NAME))
        .ok_or_else(|| AppManifestError::NoSection {
            path: path.to_owned(),
        })?;
    let bytes = section.data().map_err(|source| AppManifestError::Parse {
        path: path.to_owned(),
        source,
    })?;
    let manifest = Manifest::from_section(bytes).map_err(|source| AppManifestError::Manifest {
        path: path.to_owned(),
        source: Box::new(source),
    })?;
    Ok(AppManifest { manifest, arch })
}

/// The manifest `binary --manifest` prints, with the request models'
/// schemas: for a binary that runs on this machine.
pub fn by_running(binary: &Path) -> Result<Manifest, AppManifestError> {
    let error = |message: String| AppManifestError::Run {
        path: binary.to_owned(),
        message,
    };
    let output = std::process::Command::new(binary)
        .arg("--manifest")
        .env("CHALICE_MANIFEST", "1")
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| error(e.to_string()))?;
    if !output.status.success() {
        return Err(error(format!(
            "it exited with {}: {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    serde_json::from_slice(&output.stdout).map_err(|e| error(e.to_string()))
}

/// The request models' schemas, from `binary --manifest`; every model the
/// routes of `manifest` name must be there.
pub fn models_by_running(
    binary: &Path,
    manifest: &Manifest,
) -> Result<std::collections::BTreeMap<String, serde_json::Value>, AppManifestError> {
    let printed = by_running(binary)?;
    check_models(binary, manifest, &printed)?;
    Ok(printed.models)
}

/// Fills `manifest` (read from the section of `binary`, which runs on this
/// machine) with what only `binary --manifest` computes: the request
/// models' schemas and each route's [`RouteSchemas`](chalice_rs_runtime::manifest::RouteSchemas).
pub fn schemas_by_running(binary: &Path, manifest: &mut Manifest) -> Result<(), AppManifestError> {
    let printed = by_running(binary)?;
    check_models(binary, manifest, &printed)?;
    for route in &mut manifest.routes {
        route.schemas = printed
            .routes
            .iter()
            .find(|p| p.method == route.method && p.resource_path == route.resource_path)
            .and_then(|p| p.schemas.clone());
    }
    manifest.models = printed.models;
    Ok(())
}

/// Every model the routes of `manifest` name must be in `printed`.
fn check_models(
    binary: &Path,
    manifest: &Manifest,
    printed: &Manifest,
) -> Result<(), AppManifestError> {
    for route in &manifest.routes {
        if let Some(model) = &route.model {
            if !printed.models.contains_key(model) {
                return Err(AppManifestError::Run {
                    path: binary.to_owned(),
                    message: format!(
                        "route `{} {}` at {} names model `{model}`, which it does not describe",
                        route.method,
                        route.path,
                        route.location()
                    ),
                });
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use object::write;

    fn fragment(handler: &str, path: &str, methods: &[&str]) -> String {
        serde_json::json!({
            "kind": "route", "handler": handler, "module": "app", "file": "src/main.rs",
            "line": 1, "path": path, "resource_path": path, "methods": methods,
        })
        .to_string()
    }

    fn elf(arch: object::Architecture, section: Option<&[u8]>) -> Vec<u8> {
        let mut obj =
            write::Object::new(object::BinaryFormat::Elf, arch, object::Endianness::Little);
        let text = obj.add_section(Vec::new(), b".text".to_vec(), object::SectionKind::Text);
        obj.set_section_data(text, vec![0u8; 16], 4);
        if let Some(bytes) = section {
            let id = obj.add_section(
                Vec::new(),
                SECTION_NAME.as_bytes().to_vec(),
                object::SectionKind::ReadOnlyData,
            );
            obj.set_section_data(id, bytes.to_vec(), 1);
        }
        obj.write().unwrap()
    }

    #[test]
    fn reads_an_arm64_file_on_any_host() {
        let section = format!(
            "{}\0{}\0",
            fragment("index", "/", &["GET"]),
            fragment("items", "/items", &["GET", "POST"])
        );
        let data = elf(object::Architecture::Aarch64, Some(section.as_bytes()));
        let app = from_bytes(Path::new("bootstrap"), &data).unwrap();
        assert_eq!(app.arch, Some(Arch::Arm64));
        let keys: Vec<_> = app
            .manifest
            .routes
            .iter()
            .map(|r| format!("{} {}", r.method, r.resource_path))
            .collect();
        assert_eq!(keys, ["GET /", "GET /items", "POST /items"]);
    }

    #[test]
    fn reads_an_x86_64_file() {
        let section = format!("{}\0", fragment("index", "/", &["GET"]));
        let data = elf(object::Architecture::X86_64, Some(section.as_bytes()));
        let app = from_bytes(Path::new("bootstrap"), &data).unwrap();
        assert_eq!(app.arch, Some(Arch::X86_64));
        assert_eq!(app.manifest.routes.len(), 1);
    }

    #[test]
    fn missing_section_and_garbage_are_errors() {
        let data = elf(object::Architecture::X86_64, None);
        let err = from_bytes(Path::new("bootstrap"), &data).unwrap_err();
        assert!(matches!(err, AppManifestError::NoSection { .. }), "{err}");
        let err = from_bytes(Path::new("notes.txt"), b"hello, not an ELF file").unwrap_err();
        assert!(matches!(err, AppManifestError::Parse { .. }), "{err}");
        let data = elf(object::Architecture::X86_64, Some(b"{broken\0"));
        let err = from_bytes(Path::new("bootstrap"), &data).unwrap_err();
        assert!(
            err.to_string().contains("malformed manifest fragment"),
            "{err}"
        );
    }
}

//! The one build pipeline: the app built for this machine (`routes`,
//! `gen-policy`, `local`, and the request models' schemas) or for Lambda
//! (`package`, `build`, `deploy`), with its full manifest.
//!
//! The manifest is read from the binary's `chalice_manifest` section without
//! running it ([`crate::app_manifest`]); only the request models' JSON
//! schemas, which the section names but cannot hold, are printed by a binary
//! that runs here (`bootstrap --manifest`, which runs no handler).

use crate::app_manifest::{self, AppManifestError};
use crate::artifact::{self, Arch, ArtifactError, BuildOptions};
use crate::host_target;
use crate::project::{Project, ProjectError};
use chalice_rs_runtime::manifest::Manifest;
use std::path::{Path, PathBuf};

/// What a build is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// This machine: the dev profile, dependencies optimised
    /// ([`crate::project::HOST_PROFILE`]), for Lambda's libc when it can be
    /// ([`host_target`]), as `cargo chalice local` runs it.
    Host,
    /// Lambda: a static release build for the architecture.
    Lambda(Arch),
}

/// A built app.
#[derive(Debug, Clone)]
pub struct Built {
    /// The executable cargo wrote.
    pub binary: PathBuf,
    /// What it was built for.
    pub target: Target,
    /// Its manifest, with the request models' schemas.
    pub manifest: Manifest,
}

/// Why the app cannot be built or its manifest read.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The project cannot be found, or the host build failed.
    #[error(transparent)]
    Project(#[from] ProjectError),
    /// The Lambda build failed.
    #[error(transparent)]
    Artifact(#[from] ArtifactError),
    /// The manifest cannot be read.
    #[error(transparent)]
    Manifest(#[from] AppManifestError),
    /// The Lambda build is not for the architecture asked for.
    #[error("{path} is not a Linux {expected} executable (found {found}); was it built by another tool?")]
    WrongArch {
        /// The binary.
        path: PathBuf,
        /// The architecture asked for.
        expected: Arch,
        /// What it is.
        found: String,
    },
}

/// Builds `project` for `target` and reads its manifest. `progress` shows a
/// spinner during a Lambda build.
pub fn build(project: &Project, target: Target, progress: bool) -> Result<Built, BuildError> {
    match target {
        Target::Host => {
            let binary = host_target::build(project, &host_target::choose(project))?;
            let manifest = manifest_of_runnable(&binary)?;
            Ok(Built {
                binary,
                target,
                manifest,
            })
        }
        Target::Lambda(arch) => {
            let built = artifact::build(project, &BuildOptions { arch, progress })?;
            let app = app_manifest::read(&built.binary)?;
            if app.arch != Some(arch) {
                return Err(BuildError::WrongArch {
                    path: built.binary,
                    expected: arch,
                    found: app
                        .arch
                        .map_or_else(|| "another architecture".to_owned(), |a| a.to_string()),
                });
            }
            let mut manifest = app.manifest;
            if has_models(&manifest) {
                // The schemas come from a binary that runs here: this one
                // when Lambda's architecture is this machine's.
                let runnable = if arch.runs_here() {
                    built.binary.clone()
                } else {
                    host_target::build(project, &host_target::choose(project))?
                };
                manifest.models = app_manifest::models_by_running(&runnable, &manifest)?;
            }
            Ok(Built {
                binary: built.binary,
                target,
                manifest,
            })
        }
    }
}

/// The manifest of a binary that runs on this machine: its section, with
/// the models' schemas and the routes' schemas (the OpenAPI document's)
/// that `binary --manifest` prints.
pub fn manifest_of_runnable(binary: &Path) -> Result<Manifest, AppManifestError> {
    let mut manifest = app_manifest::read(binary)?.manifest;
    app_manifest::schemas_by_running(binary, &mut manifest)?;
    Ok(manifest)
}

fn has_models(manifest: &Manifest) -> bool {
    manifest.routes.iter().any(|route| route.model.is_some())
}

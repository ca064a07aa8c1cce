//! The user's project: where it is, its binary, and building it with cargo.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Why a project cannot be found or built.
#[derive(Debug, thiserror::Error)]
pub enum ProjectError {
    /// `cargo metadata` failed (no Cargo.toml, or an invalid one).
    #[error("cannot read the Cargo project in {dir}: {message}")]
    Metadata {
        /// The directory searched.
        dir: PathBuf,
        /// Cargo's message.
        message: String,
    },
    /// The package has no binary target.
    #[error("package `{package}` ({manifest}) has no binary target; a chalice-rs app is a binary (src/main.rs)")]
    NoBinary {
        /// The package name.
        package: String,
        /// Its Cargo.toml.
        manifest: PathBuf,
    },
    /// cargo could not be started.
    #[error("cannot run cargo: {0}")]
    Spawn(std::io::Error),
    /// cargo build failed; its diagnostics were already shown.
    #[error("`cargo build` failed for {package}; see the compiler's errors above")]
    BuildFailed {
        /// The package.
        package: String,
    },
}

/// Cargo settings of host builds: the dev profile, with dependencies (and
/// the runtime, a workspace member in this repository) optimised, so that an
/// app served locally is not slowed by debug builds of serde, hyper and
/// tokio, while the app's own crate rebuilds quickly.
pub const HOST_PROFILE: &[&str] = &[
    "profile.dev.package.\"*\".opt-level=2",
    "profile.dev.package.\"*\".debug-assertions=false",
    "profile.dev.package.\"*\".overflow-checks=false",
    "profile.dev.package.chalice-rs-runtime.opt-level=2",
    "profile.dev.package.chalice-rs-runtime.debug-assertions=false",
    "profile.dev.package.chalice-rs-runtime.overflow-checks=false",
];

/// A chalice-rs app's Cargo package.
#[derive(Debug, Clone)]
pub struct Project {
    /// The project directory (holding Cargo.toml and `.chalice/`).
    pub dir: PathBuf,
    /// The package name.
    pub package: String,
    /// The binary target's name.
    pub bin: String,
    /// The package's Cargo.toml.
    pub manifest_path: PathBuf,
    /// Cargo's target directory (shared with a workspace, if any).
    pub target_dir: PathBuf,
}

impl Project {
    /// Finds the package whose Cargo.toml is in `dir`.
    pub fn discover(dir: &Path) -> Result<Self, ProjectError> {
        let dir = dir.canonicalize().map_err(|error| ProjectError::Metadata {
            dir: dir.to_owned(),
            message: error.to_string(),
        })?;
        let manifest_path = dir.join("Cargo.toml");
        let metadata = cargo_metadata::MetadataCommand::new()
            .manifest_path(&manifest_path)
            .no_deps()
            .exec()
            .map_err(|error| ProjectError::Metadata {
                dir: dir.clone(),
                message: error.to_string(),
            })?;
        let package = metadata
            .packages
            .iter()
            .find(|p| p.manifest_path.as_std_path() == manifest_path)
            .ok_or_else(|| ProjectError::Metadata {
                dir: dir.clone(),
                message: "no package in this directory's Cargo.toml (a virtual workspace?)"
                    .to_owned(),
            })?;
        let bin = package
            .targets
            .iter()
            .find(|t| t.is_bin())
            .map(|t| t.name.clone())
            .ok_or_else(|| ProjectError::NoBinary {
                package: package.name.to_string(),
                manifest: manifest_path.clone(),
            })?;
        Ok(Self {
            dir,
            package: package.name.to_string(),
            bin,
            manifest_path,
            target_dir: metadata.target_directory.into_std_path_buf(),
        })
    }

    /// A `cargo build` command for this package's binary; cargo's own
    /// diagnostics go to the terminal unchanged.
    pub fn cargo_build(&self, target: Option<&str>, release: bool) -> Command {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut command = Command::new(cargo);
        command
            .arg("build")
            .arg("--manifest-path")
            .arg(&self.manifest_path)
            .arg("--bin")
            .arg(&self.bin);
        if let Some(target) = target {
            command.arg("--target").arg(target);
        }
        if release {
            command.arg("--release");
        }
        command.stdin(Stdio::null());
        command
    }

    /// Where cargo puts the binary for `target` and profile.
    pub fn binary_path(&self, target: Option<&str>, release: bool) -> PathBuf {
        let mut path = self.target_dir.clone();
        if let Some(target) = target {
            path.push(target);
        }
        path.push(if release { "release" } else { "debug" });
        path.push(format!("{}{}", self.bin, std::env::consts::EXE_SUFFIX));
        path
    }
}

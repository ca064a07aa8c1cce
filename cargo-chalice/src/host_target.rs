//! The target of the host build (`local`, `invoke --local`, `routes`,
//! `gen-policy`, the schemas): Lambda's kind of executable when it can be.
//!
//! On Lambda the `bootstrap` is a static musl executable (with the runtime's
//! dlmalloc). The host build is the same kind of executable for this
//! machine's architecture (`x86_64-unknown-linux-musl` on x86_64 Linux), in
//! the dev profile, so that the instances `cargo chalice local` runs behave
//! as Lambda's do, down to their memory: glibc keeps every value ever given
//! to `setenv` (lambda_runtime sets `_X_AMZN_TRACE_ID` to each invocation's
//! trace id), so a glibc instance grows by about 150 bytes per invocation,
//! where a musl one stays flat.
//!
//! The build falls back to the machine's own target, and says why, when the
//! musl one cannot be built here: not Linux on x86_64 or arm64, no rustup to
//! add the target, or C dependencies (the AWS SDK's TLS stack) without a C
//! compiler for musl (`musl-gcc`, from Debian's and Ubuntu's musl-tools).

use crate::artifact::{self, Arch};
use crate::project::{Project, ProjectError, HOST_PROFILE};
use std::path::PathBuf;
use std::process::Command;

/// What the host build is built for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostTarget {
    /// Lambda's static musl executable for this machine's architecture.
    Lambda(Arch),
    /// The machine's own target (glibc on Linux); the reason musl is not used.
    Native(String),
}

impl HostTarget {
    /// The `--target` triple (`None`: cargo's default, the machine's own).
    pub fn triple(&self) -> Option<&'static str> {
        match self {
            HostTarget::Lambda(arch) => Some(arch.triple()),
            HostTarget::Native(_) => None,
        }
    }

    /// The `--config` settings the triple needs: rust-lld links a musl
    /// executable without a cross C toolchain, as for Lambda builds.
    pub fn cargo_settings(&self) -> Vec<String> {
        self.triple()
            .map(|triple| vec![format!("target.{triple}.linker=\"rust-lld\"")])
            .unwrap_or_default()
    }
}

/// The `cargo build` command of the host build of `project` for `target`:
/// the dev profile with the dependencies optimised ([`HOST_PROFILE`]), the
/// one host profile that `local`, `routes`, `gen-policy` and the models'
/// schemas share.
pub fn build_command(project: &Project, target: &HostTarget) -> Command {
    let mut command = project.cargo_build(target.triple(), false);
    for setting in HOST_PROFILE
        .iter()
        .map(|s| (*s).to_owned())
        .chain(target.cargo_settings())
    {
        command.arg("--config").arg(setting);
    }
    command
}

/// Where the host build of `project` for `target` puts the executable.
pub fn binary_path(project: &Project, target: &HostTarget) -> PathBuf {
    project.binary_path(target.triple(), false)
}

/// Builds `project` for `target` ([`build_command`]) and returns the executable.
pub fn build(project: &Project, target: &HostTarget) -> Result<PathBuf, ProjectError> {
    let status = build_command(project, target)
        .status()
        .map_err(ProjectError::Spawn)?;
    if !status.success() {
        return Err(ProjectError::BuildFailed {
            package: project.package.clone(),
        });
    }
    Ok(binary_path(project, target))
}

/// This machine's Lambda architecture, when it runs Linux on one.
pub fn this_machine() -> Option<Arch> {
    [Arch::X86_64, Arch::Arm64]
        .into_iter()
        .find(|arch| arch.runs_here())
}

/// Chooses the host build's target for `project` (see the module's doc).
/// Adds the musl target with rustup when it is missing.
pub fn choose(project: &Project) -> HostTarget {
    let Some(arch) = this_machine() else {
        return HostTarget::Native(
            "this machine is not Linux on x86_64 or arm64, so Lambda's executables do not run here"
                .to_owned(),
        );
    };
    let triple = arch.triple();
    if let Err(error) = artifact::ensure_target(triple) {
        return HostTarget::Native(error.to_string());
    }
    // With a musl C compiler any app builds; without one, only an app
    // with no C code (reading its dependency graph costs a `cargo metadata`).
    if has_musl_c_compiler(arch) {
        return HostTarget::Lambda(arch);
    }
    let c_dependencies = artifact::c_dependencies(project, triple);
    if !c_dependencies.is_empty() {
        return HostTarget::Native(format!(
            "{} compile C code and no C compiler for musl was found: install musl-gcc \
             (`apt-get install musl-tools`) or set CC_{}",
            c_dependencies.join(", "),
            triple.replace('-', "_")
        ));
    }
    HostTarget::Lambda(arch)
}

/// Whether the `cc` crate finds a C compiler for `arch`'s musl target: the
/// `CC_<triple>` variable, or `<arch>-linux-musl-gcc` or `musl-gcc` on PATH.
fn has_musl_c_compiler(arch: Arch) -> bool {
    let triple = arch.triple();
    if std::env::var_os(format!("CC_{}", triple.replace('-', "_"))).is_some()
        || std::env::var_os(format!("CC_{triple}")).is_some()
    {
        return true;
    }
    let prefix = match arch {
        Arch::X86_64 => "x86_64",
        Arch::Arm64 => "aarch64",
    };
    let compilers = [format!("{prefix}-linux-musl-gcc"), "musl-gcc".to_owned()];
    let Some(path) = std::env::var_os("PATH") else {
        return false;
    };
    std::env::split_paths(&path).any(|dir| compilers.iter().any(|cc| dir.join(cc).is_file()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lambda_target_is_linked_by_rust_lld_and_the_native_one_as_cargo_does() {
        let lambda = HostTarget::Lambda(Arch::X86_64);
        assert_eq!(lambda.triple(), Some("x86_64-unknown-linux-musl"));
        assert_eq!(
            lambda.cargo_settings(),
            ["target.x86_64-unknown-linux-musl.linker=\"rust-lld\""]
        );
        let native = HostTarget::Native("why".to_owned());
        assert_eq!(native.triple(), None);
        assert!(native.cargo_settings().is_empty());
    }
}

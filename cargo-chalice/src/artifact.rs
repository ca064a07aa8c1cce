//! `cargo chalice build`: the Lambda `bootstrap`, cross-compiled for
//! `aarch64-unknown-linux-musl` or `x86_64-unknown-linux-musl`.
//!
//! Pure-Rust apps link with `rust-lld`, shipped with every rustup toolchain, so
//! no cross C toolchain is needed. Apps with C dependencies are built with
//! `cargo zigbuild` when it is installed. The release profile is set on the
//! command line (`--config profile.release.*`), so an app outside this
//! workspace gets small, fast-starting artifacts too. Cargo's own diagnostics
//! reach the user unchanged; a spinner says what is being compiled.

use crate::project::{Project, ProjectError};
use std::io::{BufRead, BufReader, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

/// A Lambda architecture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, clap::ValueEnum)]
pub enum Arch {
    /// AWS Graviton: `aarch64-unknown-linux-musl`.
    #[value(name = "arm64")]
    Arm64,
    /// Intel/AMD: `x86_64-unknown-linux-musl`.
    #[value(name = "x86_64")]
    X86_64,
}

impl Arch {
    /// Whether a Linux binary of this architecture runs on this machine.
    pub fn runs_here(self) -> bool {
        cfg!(target_os = "linux")
            && match self {
                Arch::Arm64 => cfg!(target_arch = "aarch64"),
                Arch::X86_64 => cfg!(target_arch = "x86_64"),
            }
    }

    /// The Rust target triple built for this architecture.
    pub fn triple(self) -> &'static str {
        match self {
            Arch::Arm64 => "aarch64-unknown-linux-musl",
            Arch::X86_64 => "x86_64-unknown-linux-musl",
        }
    }

    /// The name Lambda's `Architectures` property uses.
    pub fn lambda_name(self) -> &'static str {
        match self {
            Arch::Arm64 => "arm64",
            Arch::X86_64 => "x86_64",
        }
    }

    /// Parses a Lambda architecture name (`arm64`, `x86_64`), as written in
    /// `.chalice/config.json`.
    pub fn from_lambda_name(name: &str) -> Option<Self> {
        match name {
            "arm64" => Some(Arch::Arm64),
            "x86_64" => Some(Arch::X86_64),
            _ => None,
        }
    }
}

impl std::fmt::Display for Arch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.lambda_name())
    }
}

/// The release profile of Lambda artifacts, passed as `--config` so that it
/// applies to any project: small (`opt-level = "s"`, fat LTO, one codegen
/// unit, stripped) and unwinding, so that a panicking handler answers 500 and
/// the instance keeps serving.
pub const RELEASE_PROFILE: &[&str] = &[
    "profile.release.opt-level=\"s\"",
    "profile.release.lto=\"fat\"",
    "profile.release.codegen-units=1",
    "profile.release.strip=\"symbols\"",
    "profile.release.panic=\"unwind\"",
];

/// Why the artifact could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ArtifactError {
    /// The rustup target is missing and could not be installed.
    #[error("the Rust target {triple} is not installed and `rustup target add {triple}` failed{detail}; run it yourself and retry")]
    MissingTarget {
        /// The target triple.
        triple: &'static str,
        /// What went wrong, if known.
        detail: String,
    },
    /// The rustup target is missing and rustup is not available.
    #[error("the Rust standard library for {triple} is not installed (rustup not found); install it with `rustup target add {triple}`")]
    NoRustup {
        /// The target triple.
        triple: &'static str,
    },
    /// cargo (or cargo zigbuild) could not be started.
    #[error("cannot run `{program}`: {source}")]
    Spawn {
        /// The program.
        program: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The build failed; cargo's diagnostics were already shown.
    #[error("building {package} for {triple} failed; see cargo's messages above{hint}")]
    BuildFailed {
        /// The package.
        package: String,
        /// The target triple.
        triple: &'static str,
        /// Advice when C dependencies are the likely cause.
        hint: String,
    },
    /// The build reported success but the binary is not where cargo puts it.
    #[error("cargo finished but {path} does not exist")]
    MissingBinary {
        /// Where the binary was expected.
        path: PathBuf,
    },
    /// Project discovery or the host build failed.
    #[error(transparent)]
    Project(#[from] ProjectError),
}

/// How to build.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// The architecture.
    pub arch: Arch,
    /// Show the spinner (when stderr is a terminal).
    pub progress: bool,
}

/// A built `bootstrap` binary.
#[derive(Debug, Clone)]
pub struct Artifact {
    /// The binary cargo wrote.
    pub binary: PathBuf,
    /// Its architecture.
    pub arch: Arch,
    /// Whether `cargo zigbuild` built it.
    pub zigbuild: bool,
}

/// Builds the project's binary for Lambda (release profile, musl, static).
pub fn build(project: &Project, options: &BuildOptions) -> Result<Artifact, ArtifactError> {
    let triple = options.arch.triple();
    ensure_target(triple)?;
    // Reading the dependency graph costs a `cargo metadata`: only when it matters.
    let zigbuild = zigbuild_available() && !c_dependencies(project, triple).is_empty();
    let mut command = build_command(project, options.arch, zigbuild);
    let description = format!(
        "Building {} for {} ({}{})",
        project.package,
        options.arch,
        triple,
        if zigbuild { ", cargo zigbuild" } else { "" }
    );
    let success = run_with_spinner(&mut command, &description, options.progress)?;
    if !success {
        let c_deps = if zigbuild {
            Vec::new()
        } else {
            c_dependencies(project, triple)
        };
        let hint = if !c_deps.is_empty() {
            format!(
                "\nhint: {} depends on C code ({}), which needs a C cross toolchain for {triple}; \
                 install cargo-zigbuild (`cargo install cargo-zigbuild` and Zig from ziglang.org or \
                 `pip install ziglang`) and `cargo chalice build` will use it",
                project.package,
                c_deps.join(", ")
            )
        } else {
            String::new()
        };
        return Err(ArtifactError::BuildFailed {
            package: project.package.clone(),
            triple,
            hint,
        });
    }
    let binary = project.binary_path(Some(triple), true);
    if !binary.is_file() {
        return Err(ArtifactError::MissingBinary { path: binary });
    }
    Ok(Artifact {
        binary,
        arch: options.arch,
        zigbuild,
    })
}

/// The cargo command that builds `project` for `arch`: `cargo build` linked
/// by rust-lld, or `cargo zigbuild` (which brings its own linker).
pub fn build_command(project: &Project, arch: Arch, zigbuild: bool) -> Command {
    let triple = arch.triple();
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command.arg(if zigbuild { "zigbuild" } else { "build" });
    command
        .arg("--manifest-path")
        .arg(&project.manifest_path)
        .arg("--bin")
        .arg(&project.bin)
        .arg("--target")
        .arg(triple)
        .arg("--release");
    for setting in RELEASE_PROFILE {
        command.arg("--config").arg(setting);
    }
    if !zigbuild {
        command
            .arg("--config")
            .arg(format!("target.{triple}.linker=\"rust-lld\""));
    }
    if std::io::stderr().is_terminal() {
        // Cargo's stderr is a pipe (so the spinner can print above it): keep its colours.
        command.arg("--color=always");
    }
    command.stdin(Stdio::null());
    command
}

/// Runs cargo with its stderr forwarded line by line, unchanged, under a
/// spinner naming the crate being compiled. Returns whether cargo succeeded.
fn run_with_spinner(
    command: &mut Command,
    description: &str,
    progress: bool,
) -> Result<bool, ArtifactError> {
    let program = command.get_program().to_string_lossy().into_owned();
    let spinner = if progress {
        indicatif::ProgressBar::new_spinner()
    } else {
        indicatif::ProgressBar::hidden()
    };
    spinner.set_message(description.to_owned());
    spinner.enable_steady_tick(Duration::from_millis(120));
    command.stdout(Stdio::inherit()).stderr(Stdio::piped());
    let mut child = command.spawn().map_err(|source| ArtifactError::Spawn {
        program: program.clone(),
        source,
    })?;
    if let Some(stderr) = child.stderr.take() {
        let mut reader = BufReader::new(stderr);
        let mut line = Vec::new();
        loop {
            line.clear();
            match reader.read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => break,
                Ok(_) => {
                    spinner.suspend(|| {
                        let mut err = std::io::stderr().lock();
                        let _ = err.write_all(&line);
                        let _ = err.flush();
                    });
                    if let Some(krate) = compiling(&line) {
                        spinner.set_message(format!("{description}: compiling {krate}"));
                    }
                }
            }
        }
    }
    let status = child
        .wait()
        .map_err(|source| ArtifactError::Spawn { program, source })?;
    spinner.finish_and_clear();
    Ok(status.success())
}

/// The crate named by a cargo `Compiling foo v1.2.3` line (colours removed).
fn compiling(line: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(line);
    let plain = strip_ansi(&text);
    let rest = plain.trim_start().strip_prefix("Compiling ")?;
    Some(rest.split(" (").next().unwrap_or(rest).trim().to_owned())
}

fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // CSI: ESC [ ... final byte in @..~
            if chars.next() == Some('[') {
                for c in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Makes sure the standard library for `triple` is installed: installs it
/// with rustup, or says the exact command to run.
pub fn ensure_target(triple: &'static str) -> Result<(), ArtifactError> {
    if sysroot_has_target(triple) {
        return Ok(());
    }
    let rustup = std::env::var_os("RUSTUP").unwrap_or_else(|| "rustup".into());
    let installed = Command::new(&rustup)
        .args(["target", "list", "--installed"])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output();
    let installed = match installed {
        Ok(output) if output.status.success() => output.stdout,
        _ => return Err(ArtifactError::NoRustup { triple }),
    };
    if String::from_utf8_lossy(&installed)
        .lines()
        .any(|line| line.trim() == triple)
    {
        return Ok(());
    }
    eprintln!("chalice: installing the Rust target {triple} (rustup target add {triple})");
    match Command::new(&rustup)
        .args(["target", "add", triple])
        .stdin(Stdio::null())
        .status()
    {
        Ok(status) if status.success() => Ok(()),
        Ok(status) => Err(ArtifactError::MissingTarget {
            triple,
            detail: format!(" ({status})"),
        }),
        Err(error) => Err(ArtifactError::MissingTarget {
            triple,
            detail: format!(" ({error})"),
        }),
    }
}

/// Whether the active toolchain's sysroot holds the standard library for `triple`.
fn sysroot_has_target(triple: &str) -> bool {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let Ok(output) = Command::new(rustc)
        .args(["--print", "sysroot"])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
    else {
        return false;
    };
    if !output.status.success() {
        return false;
    }
    let sysroot = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
    sysroot
        .join("lib/rustlib")
        .join(triple)
        .join("lib")
        .is_dir()
}

/// Whether `cargo zigbuild` can be run.
pub fn zigbuild_available() -> bool {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    Command::new(cargo)
        .args(["zigbuild", "--version"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// The packages in the app's dependency graph for `triple` that compile C
/// code: those declaring `links`, or building with the `cc`/`cmake` crates.
/// Empty when the graph cannot be read (the build reports that itself).
pub fn c_dependencies(project: &Project, triple: &str) -> Vec<String> {
    let metadata = cargo_metadata::MetadataCommand::new()
        .manifest_path(&project.manifest_path)
        .other_options(vec!["--filter-platform".to_owned(), triple.to_owned()])
        .exec();
    let Ok(metadata) = metadata else {
        return Vec::new();
    };
    let Some(resolve) = metadata.resolve.as_ref() else {
        return Vec::new();
    };
    // The package's own dependency closure (the resolve covers the whole workspace).
    let Some(root) = metadata
        .packages
        .iter()
        .find(|p| p.manifest_path.as_std_path() == project.manifest_path)
    else {
        return Vec::new();
    };
    let nodes: std::collections::BTreeMap<_, _> =
        resolve.nodes.iter().map(|n| (&n.id, n)).collect();
    let mut in_graph = std::collections::BTreeSet::new();
    let mut stack = vec![&root.id];
    while let Some(id) = stack.pop() {
        if !in_graph.insert(id) {
            continue;
        }
        if let Some(node) = nodes.get(id) {
            for dep in &node.deps {
                let runtime = dep.dep_kinds.iter().any(|k| {
                    matches!(
                        k.kind,
                        cargo_metadata::DependencyKind::Normal
                            | cargo_metadata::DependencyKind::Build
                    )
                });
                if runtime {
                    stack.push(&dep.pkg);
                }
            }
        }
    }
    let mut found: Vec<String> = metadata
        .packages
        .iter()
        .filter(|p| in_graph.contains(&p.id))
        .filter(|p| {
            p.links.is_some()
                || p.dependencies.iter().any(|d| {
                    d.kind == cargo_metadata::DependencyKind::Build
                        && (d.name == "cc" || d.name == "cmake")
                })
        })
        .map(|p| p.name.to_string())
        .collect();
    found.sort();
    found.dedup();
    found
}

/// The artifact's path relative to `base`, for messages.
pub fn display_path(path: &Path, base: &Path) -> String {
    path.strip_prefix(base)
        .unwrap_or(path)
        .display()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arch_names_and_triples() {
        assert_eq!(Arch::Arm64.triple(), "aarch64-unknown-linux-musl");
        assert_eq!(Arch::X86_64.triple(), "x86_64-unknown-linux-musl");
        assert_eq!(Arch::from_lambda_name("arm64"), Some(Arch::Arm64));
        assert_eq!(Arch::from_lambda_name("x86_64"), Some(Arch::X86_64));
        assert_eq!(Arch::from_lambda_name("amd64"), None);
    }

    #[test]
    fn compiling_lines_name_the_crate() {
        assert_eq!(
            compiling(b"   Compiling serde v1.0.200\n").as_deref(),
            Some("serde v1.0.200")
        );
        assert_eq!(
            compiling(b"\x1b[1m\x1b[32m   Compiling\x1b[0m hello v0.1.0 (/x/hello)\n").as_deref(),
            Some("hello v0.1.0")
        );
        assert_eq!(compiling(b"warning: unused variable\n"), None);
    }

    #[test]
    fn release_profile_is_valid_toml() {
        for setting in RELEASE_PROFILE {
            let (key, value) = setting.split_once('=').unwrap();
            assert!(key.starts_with("profile.release."), "{setting}");
            assert!(!value.is_empty());
        }
    }
}

//! `cargo chalice new`: a new project from one of the embedded templates.
//!
//! The templates live in the repository's `templates/<name>/` and are
//! embedded at build time (see `build.rs`), so an installed `cargo-chalice`
//! needs no checkout to write them. In their files `{{name}}` stands for the
//! project's name and `{{runtime}}` for the `chalice-rs-runtime` dependency
//! ([`RuntimeSource`]): a checkout given with `--runtime-path` or
//! `CHALICE_RS_PATH`; else the checkout this binary was built from (recorded
//! by `build.rs`, as `cargo install --path cargo-chalice` builds it), so
//! that the runtime matches the tool; else, for a binary built from a
//! registry's copy of the crate, the published version of the tool's own
//! release. `Cargo.toml.tmpl` becomes `Cargo.toml`.

use std::path::{Path, PathBuf};

include!(concat!(env!("OUT_DIR"), "/templates.rs"));

/// The version requirement of `chalice-rs-runtime` in new projects made by
/// a `cargo-chalice` built from a registry: the tool's own version (the
/// workspace releases them together).
pub const RUNTIME_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The chalice-rs checkout this binary was built from (recorded by
/// `build.rs`: the parent of cargo-chalice's manifest directory, holding
/// `chalice-rs-runtime/`); `None` when it was built from a registry's copy
/// of the crate.
pub fn built_from_checkout() -> Option<&'static Path> {
    let recorded = env!("CHALICE_RS_CHECKOUT");
    (!recorded.is_empty()).then(|| Path::new(recorded))
}

/// Where a new project's `chalice-rs-runtime` comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuntimeSource {
    /// The published crate, by version requirement.
    Published(String),
    /// A local `chalice-rs-runtime` directory, by absolute path.
    Path(PathBuf),
}

impl RuntimeSource {
    /// Chooses the runtime: `runtime_path` (`--runtime-path`,
    /// `CHALICE_RS_PATH`) first, else the checkout the tool was `recorded`
    /// as built from, else the published [`RUNTIME_VERSION`]. A recorded
    /// checkout that no longer holds the runtime is an error with the fix.
    pub fn choose(
        runtime_path: Option<&Path>,
        recorded: Option<&Path>,
    ) -> Result<RuntimeSource, NewError> {
        if let Some(path) = runtime_path {
            return runtime_crate_dir(path)
                .map(RuntimeSource::Path)
                .ok_or_else(|| NewError::BadRuntimePath {
                    path: path.to_owned(),
                });
        }
        let Some(checkout) = recorded else {
            return Ok(RuntimeSource::Published(RUNTIME_VERSION.to_owned()));
        };
        runtime_crate_dir(checkout)
            .map(RuntimeSource::Path)
            .ok_or_else(|| NewError::CheckoutGone {
                path: checkout.to_owned(),
            })
    }

    /// The value of `chalice-rs-runtime = ...` in the project's Cargo.toml.
    fn dependency(&self) -> Result<String, NewError> {
        match self {
            RuntimeSource::Published(version) => Ok(toml_string(version)),
            RuntimeSource::Path(path) => {
                let text = path
                    .to_str()
                    .ok_or_else(|| NewError::BadRuntimePath { path: path.clone() })?;
                Ok(format!("{{ path = {} }}", toml_string(text)))
            }
        }
    }
}

impl std::fmt::Display for RuntimeSource {
    /// `chalice-rs-runtime 0.1.0 (published)` or `chalice-rs-runtime at <path>`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RuntimeSource::Published(version) => {
                write!(f, "chalice-rs-runtime {version} from crates.io")
            }
            RuntimeSource::Path(path) => write!(f, "chalice-rs-runtime at {}", path.display()),
        }
    }
}

/// The template used when none is named.
pub const DEFAULT_TEMPLATE: &str = "hello";

/// Why a project cannot be created.
#[derive(Debug, thiserror::Error)]
pub enum NewError {
    /// The name cannot be a Cargo package name.
    #[error("`{name}` cannot be a project name: {reason}")]
    BadName {
        /// The name given.
        name: String,
        /// Why not.
        reason: String,
    },
    /// No such template.
    #[error("no template `{name}`{suggestion}; the templates are: {known}")]
    UnknownTemplate {
        /// The template asked for.
        name: String,
        /// ` (did you mean `x`?)` or empty.
        suggestion: String,
        /// The embedded templates.
        known: String,
    },
    /// The destination exists: it is never overwritten.
    #[error("{path} already exists; choose another name or directory (nothing was written)")]
    Exists {
        /// The destination.
        path: PathBuf,
    },
    /// `--runtime-path` does not hold chalice-rs-runtime.
    #[error("{path}: not a chalice-rs checkout (no chalice-rs-runtime/Cargo.toml) nor the chalice-rs-runtime crate")]
    BadRuntimePath {
        /// The path given.
        path: PathBuf,
    },
    /// The checkout this binary was built from no longer holds the runtime.
    #[error(
        "this cargo-chalice was built from the chalice-rs checkout {path}, which no longer holds \
         chalice-rs-runtime/Cargo.toml (moved or deleted?); nothing was written. Pass \
         `--runtime-path <checkout>` (or set CHALICE_RS_PATH=<checkout>), or reinstall with \
         `cargo install --path cargo-chalice` from the checkout where it is now"
    )]
    CheckoutGone {
        /// The recorded checkout.
        path: PathBuf,
    },
    /// Writing the project failed (what was written is removed).
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file or directory.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// What to create.
#[derive(Debug, Clone)]
pub struct NewOptions {
    /// The project's directory; its last component is the package name.
    pub path: PathBuf,
    /// The template's name (`hello`, `rest-api`, `dynamodb`).
    pub template: String,
    /// Where `chalice-rs-runtime` comes from ([`RuntimeSource::choose`]).
    pub runtime: RuntimeSource,
}

/// `cargo chalice new` options.
#[derive(Debug, Clone, clap::Args)]
pub struct NewArgs {
    /// The project's directory (created; its last component is the package name).
    pub path: PathBuf,
    /// The template: `hello` (two routes), `rest-api` (CRUD in memory) or
    /// `dynamodb` (CRUD on a DynamoDB table).
    #[arg(long, default_value = DEFAULT_TEMPLATE)]
    pub template: String,
    /// Depend on this chalice-rs checkout (its root, or its
    /// chalice-rs-runtime directory) instead of the checkout cargo-chalice
    /// was installed from (or, installed from crates.io, the published crate).
    #[arg(long, env = "CHALICE_RS_PATH")]
    pub runtime_path: Option<PathBuf>,
}

/// Runs `cargo chalice new`: creates the project and says what to do next.
pub fn run(args: &NewArgs) -> Result<(), NewError> {
    let runtime = RuntimeSource::choose(args.runtime_path.as_deref(), built_from_checkout())?;
    let dir = create(&NewOptions {
        path: args.path.clone(),
        template: args.template.clone(),
        runtime: runtime.clone(),
    })?;
    println!(
        "created {} from template `{}`, depending on {runtime}\nnext: cd {} && cargo test && cargo chalice local",
        dir.display(),
        args.template,
        shell_word(&dir.to_string_lossy())
    );
    if let Some(workspace) = enclosing_workspace(&dir) {
        eprintln!(
            "note: {} is inside the Cargo workspace of {}: add it to `members` (or `exclude`) \
             there, or cargo will refuse to build it",
            dir.display(),
            workspace.display()
        );
    }
    Ok(())
}

/// `text` as one word of a POSIX shell: unchanged when it holds only
/// characters the shell takes literally, else single-quoted.
fn shell_word(text: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "_-./+=:@%,".contains(c);
    if !text.is_empty() && text.chars().all(plain) {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

/// The Cargo.toml of a workspace above `dir`, if any.
pub fn enclosing_workspace(dir: &Path) -> Option<PathBuf> {
    let dir = dir.canonicalize().ok()?;
    dir.ancestors().skip(1).find_map(|ancestor| {
        let manifest = ancestor.join("Cargo.toml");
        let text = std::fs::read_to_string(&manifest).ok()?;
        text.lines()
            .any(|line| line.trim() == "[workspace]")
            .then_some(manifest)
    })
}

/// The names of the embedded templates, sorted.
pub fn template_names() -> Vec<&'static str> {
    TEMPLATES.iter().map(|(name, _)| *name).collect()
}

/// Rust keywords and crate names Cargo refuses as package names.
const RESERVED: &[&str] = &[
    "abstract",
    "alignof",
    "as",
    "async",
    "await",
    "become",
    "box",
    "break",
    "const",
    "continue",
    "crate",
    "do",
    "dyn",
    "else",
    "enum",
    "extern",
    "false",
    "final",
    "fn",
    "for",
    "gen",
    "if",
    "impl",
    "in",
    "let",
    "loop",
    "macro",
    "match",
    "mod",
    "move",
    "mut",
    "offsetof",
    "override",
    "priv",
    "proc",
    "pub",
    "pure",
    "ref",
    "return",
    "self",
    "sizeof",
    "static",
    "struct",
    "super",
    "trait",
    "true",
    "try",
    "type",
    "typeof",
    "unsafe",
    "unsized",
    "use",
    "virtual",
    "where",
    "while",
    "yield",
    "std",
    "core",
    "alloc",
    "proc_macro",
    "proc-macro",
    "test",
];

/// Checks a project name: what Cargo accepts as a package name that is also
/// a valid `app_name` (ASCII letters, digits, `-`, `_`; a letter first; at
/// most 64 characters; not a keyword or a built-in crate).
pub fn validate_name(name: &str) -> Result<(), NewError> {
    let bad = |reason: &str| NewError::BadName {
        name: name.to_owned(),
        reason: reason.to_owned(),
    };
    let Some(first) = name.chars().next() else {
        return Err(bad("it is empty"));
    };
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
    {
        return Err(bad(&format!(
            "it contains {c:?}; use ASCII letters, digits, `-` and `_`"
        )));
    }
    if !first.is_ascii_alphabetic() {
        return Err(bad("it must start with a letter"));
    }
    if name.len() > 64 {
        return Err(bad("it is longer than 64 characters"));
    }
    if RESERVED.contains(&name) {
        return Err(bad("it is a Rust keyword or a built-in crate's name"));
    }
    Ok(())
}

/// The absolute `chalice-rs-runtime` directory of `path`: a checkout's
/// root, or that directory itself; `None` when `path` is neither.
fn runtime_crate_dir(path: &Path) -> Option<PathBuf> {
    let crate_dir = if path.join("chalice-rs-runtime").join("Cargo.toml").is_file() {
        path.join("chalice-rs-runtime")
    } else if path.file_name().is_some_and(|n| n == "chalice-rs-runtime")
        && path.join("Cargo.toml").is_file()
    {
        path.to_owned()
    } else {
        return None;
    };
    crate_dir.canonicalize().ok()
}

/// A TOML basic string.
fn toml_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Creates the project; returns its directory. Nothing is overwritten: an
/// existing destination is an error, and a failure midway removes what was
/// written.
pub fn create(options: &NewOptions) -> Result<PathBuf, NewError> {
    let name = options
        .path
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| NewError::BadName {
            name: options.path.display().to_string(),
            reason: "the path has no final name in UTF-8".to_owned(),
        })?;
    validate_name(name)?;
    let files = TEMPLATES
        .iter()
        .find(|(template, _)| *template == options.template)
        .map(|(_, files)| *files)
        .ok_or_else(|| NewError::UnknownTemplate {
            name: options.template.clone(),
            suggestion: crate::suggest::closest(&options.template, template_names())
                .or_else(|| crate::suggest::completion(&options.template, template_names()))
                .map(|close| format!(" (did you mean `{close}`?)"))
                .unwrap_or_default(),
            known: template_names().join(", "),
        })?;
    let runtime = options.runtime.dependency()?;
    let dir = &options.path;
    if dir.symlink_metadata().is_ok() {
        return Err(NewError::Exists { path: dir.clone() });
    }
    let write_error = |path: &Path| {
        let path = path.to_owned();
        move |source| NewError::Write { path, source }
    };
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(write_error(parent))?;
    }
    // create_dir, not create_dir_all: it fails if the directory appeared meanwhile.
    std::fs::create_dir(dir).map_err(|source| match source.kind() {
        std::io::ErrorKind::AlreadyExists => NewError::Exists { path: dir.clone() },
        _ => NewError::Write {
            path: dir.clone(),
            source,
        },
    })?;
    let written = files.iter().try_for_each(|(relative, text)| {
        let relative = relative.strip_suffix(".tmpl").unwrap_or(relative);
        let path = dir.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(write_error(parent))?;
        }
        let text = text
            .replace("{{name}}", name)
            .replace("{{runtime}}", &runtime);
        std::fs::write(&path, text).map_err(write_error(&path))
    });
    if let Err(error) = written {
        // Only this call created the directory: remove the partial project.
        let _ = std::fs::remove_dir_all(dir);
        return Err(error);
    }
    Ok(dir.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_templates_are_embedded_with_their_files() {
        assert_eq!(template_names(), ["dynamodb", "hello", "rest-api"]);
        for (name, files) in TEMPLATES {
            let paths: Vec<&str> = files.iter().map(|(path, _)| *path).collect();
            for required in [
                ".chalice/config.json",
                ".gitignore",
                "Cargo.toml.tmpl",
                "src/main.rs",
                "src/tests.rs",
            ] {
                assert!(
                    paths.contains(&required),
                    "{name} lacks {required}: {paths:?}"
                );
            }
            let config = files
                .iter()
                .find(|(p, _)| *p == ".chalice/config.json")
                .map(|(_, t)| *t);
            let config: serde_json::Value =
                serde_json::from_str(config.unwrap_or_default()).expect("config is JSON");
            assert!(
                config["stages"]["dev"].is_object(),
                "{name} has no dev stage"
            );
        }
    }

    #[test]
    fn workspaces_above_are_found() {
        let inside = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let found = enclosing_workspace(&inside).expect("the checkout is a workspace");
        assert!(found.ends_with("Cargo.toml"));
        let root = tempfile::tempdir().expect("temp dir");
        assert_eq!(enclosing_workspace(root.path()), None);
    }

    #[test]
    fn names() {
        for good in ["app", "my-app", "my_app2", "A"] {
            assert!(validate_name(good).is_ok(), "{good}");
        }
        for (bad, reason) in [
            ("", "empty"),
            ("2fast", "start with a letter"),
            ("-x", "start with a letter"),
            ("my app", "contains ' '"),
            ("héllo", "contains 'é'"),
            ("a/b", "contains '/'"),
            ("fn", "keyword"),
            ("test", "keyword"),
        ] {
            let error = validate_name(bad).expect_err(bad).to_string();
            assert!(error.contains(reason), "{bad}: {error}");
        }
        assert!(validate_name(&"a".repeat(65)).is_err());
    }

    #[test]
    fn creates_substitutes_and_never_overwrites() {
        let root = tempfile::tempdir().expect("temp dir");
        let path = root.path().join("nested").join("shop-api");
        let options = NewOptions {
            path: path.clone(),
            template: "rest-api".to_owned(),
            runtime: RuntimeSource::Published("0.1.0".to_owned()),
        };
        assert_eq!(create(&options).expect("created"), path);
        let cargo = std::fs::read_to_string(path.join("Cargo.toml")).expect("Cargo.toml");
        assert!(cargo.contains("name = \"shop-api\""), "{cargo}");
        assert!(cargo.contains("chalice-rs-runtime = \"0.1.0\""), "{cargo}");
        assert!(!path.join("Cargo.toml.tmpl").exists());
        let config = std::fs::read_to_string(path.join(".chalice/config.json")).expect("config");
        assert!(config.contains("\"app_name\": \"shop-api\""));
        for file in ["src/main.rs", "src/tests.rs", ".gitignore"] {
            let text = std::fs::read_to_string(path.join(file)).expect(file);
            assert!(!text.contains("{{"), "{file} keeps a placeholder");
        }

        std::fs::write(path.join("src/main.rs"), "// mine").expect("edit");
        let again = create(&options).expect_err("exists");
        assert!(matches!(again, NewError::Exists { .. }), "{again}");
        assert_eq!(
            std::fs::read_to_string(path.join("src/main.rs"))
                .ok()
                .as_deref(),
            Some("// mine")
        );

        let empty = root.path().join("empty");
        std::fs::create_dir(&empty).expect("mkdir");
        let error = create(&NewOptions {
            path: empty.clone(),
            ..options.clone()
        })
        .expect_err("exists");
        assert!(error.to_string().contains("already exists"), "{error}");
        assert_eq!(std::fs::read_dir(&empty).map(|d| d.count()).ok(), Some(0));
    }

    #[test]
    fn runtime_path_and_unknown_templates() {
        let root = tempfile::tempdir().expect("temp dir");
        let checkout = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
        let path = root.path().join("local");
        let runtime = RuntimeSource::choose(Some(&checkout), None).expect("a checkout");
        create(&NewOptions {
            path: path.clone(),
            template: "hello".to_owned(),
            runtime,
        })
        .expect("created");
        let cargo = std::fs::read_to_string(path.join("Cargo.toml")).expect("Cargo.toml");
        let expected = checkout
            .join("chalice-rs-runtime")
            .canonicalize()
            .expect("runtime dir");
        assert!(
            cargo.contains(&format!(
                "chalice-rs-runtime = {{ path = \"{}\" }}",
                expected.display()
            )),
            "{cargo}"
        );

        let bad_runtime =
            RuntimeSource::choose(Some(root.path()), None).expect_err("not a checkout");
        assert!(matches!(bad_runtime, NewError::BadRuntimePath { .. }));
        for (asked, expected) in [
            (
                "graphql",
                "no template `graphql`; the templates are: dynamodb, hello, rest-api",
            ),
            (
                "helo",
                "no template `helo` (did you mean `hello`?); the templates are: ",
            ),
            (
                "rest",
                "no template `rest` (did you mean `rest-api`?); the templates are: ",
            ),
        ] {
            let unknown = create(&NewOptions {
                path: root.path().join("other"),
                template: asked.to_owned(),
                runtime: RuntimeSource::Published(RUNTIME_VERSION.to_owned()),
            })
            .expect_err("no such template");
            assert!(unknown.to_string().contains(expected), "{unknown}");
        }
        assert!(!root.path().join("other").exists());
    }

    #[test]
    fn the_runtime_is_the_flag_then_the_recorded_checkout_then_the_published_crate() {
        let checkout = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("the checkout")
            .canonicalize()
            .expect("resolvable");
        let runtime_dir = checkout.join("chalice-rs-runtime");
        // Built in this checkout: it is recorded.
        assert_eq!(built_from_checkout(), Some(checkout.as_path()));
        let elsewhere = tempfile::tempdir().expect("temp dir");
        let other = elsewhere.path().join("chalice-rs");
        std::fs::create_dir_all(other.join("chalice-rs-runtime")).expect("mkdir");
        std::fs::write(other.join("chalice-rs-runtime/Cargo.toml"), "[package]").expect("write");
        let other_runtime = other
            .join("chalice-rs-runtime")
            .canonicalize()
            .expect("resolvable");

        // Installed from a registry: nothing recorded, the tool's own version.
        assert_eq!(
            RuntimeSource::choose(None, None).expect("published"),
            RuntimeSource::Published(env!("CARGO_PKG_VERSION").to_owned())
        );
        // Installed from a checkout: that checkout's runtime.
        assert_eq!(
            RuntimeSource::choose(None, Some(&checkout)).expect("recorded"),
            RuntimeSource::Path(runtime_dir.clone())
        );
        // --runtime-path (or CHALICE_RS_PATH) wins over both, as a root or
        // as the runtime's own directory.
        for given in [other.clone(), other.join("chalice-rs-runtime")] {
            assert_eq!(
                RuntimeSource::choose(Some(&given), Some(&checkout)).expect("given"),
                RuntimeSource::Path(other_runtime.clone())
            );
            assert_eq!(
                RuntimeSource::choose(Some(&given), None).expect("given"),
                RuntimeSource::Path(other_runtime.clone())
            );
        }

        // The recorded checkout moved away: the error names it and the fixes.
        let moved = elsewhere.path().join("moved-away");
        let error = RuntimeSource::choose(None, Some(&moved)).expect_err("gone");
        assert!(matches!(error, NewError::CheckoutGone { .. }), "{error}");
        let message = error.to_string();
        let named = format!("built from the chalice-rs checkout {}", moved.display());
        for part in [
            named.as_str(),
            "--runtime-path <checkout>",
            "CHALICE_RS_PATH",
            "cargo install --path cargo-chalice",
        ] {
            assert!(message.contains(part), "{part}: {message}");
        }
        // ... and an explicit path still works.
        assert!(RuntimeSource::choose(Some(&other), Some(&moved)).is_ok());

        assert_eq!(
            RuntimeSource::Published("0.1.0".to_owned())
                .dependency()
                .expect("toml"),
            "\"0.1.0\""
        );
        assert_eq!(
            RuntimeSource::Path(PathBuf::from("/a \"b\"/chalice-rs-runtime"))
                .dependency()
                .expect("toml"),
            r#"{ path = "/a \"b\"/chalice-rs-runtime" }"#
        );
    }

    #[test]
    fn next_lines_quote_paths_for_the_shell() {
        assert_eq!(shell_word("demo"), "demo");
        assert_eq!(shell_word("../apps/demo-1"), "../apps/demo-1");
        assert_eq!(shell_word("my dir/demo"), "'my dir/demo'");
        assert_eq!(shell_word("it's/demo"), r"'it'\''s/demo'");
        assert_eq!(shell_word("$HOME/demo"), "'$HOME/demo'");
    }
}

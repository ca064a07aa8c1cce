//! `cargo chalice new`: a new project from one of the embedded templates.
//!
//! The templates live in the repository's `templates/<name>/` and are
//! embedded at build time (see `build.rs`), so an installed `cargo-chalice`
//! needs no checkout. In their files `{{name}}` stands for the project's
//! name and `{{runtime}}` for the `chalice-rs-runtime` dependency: the
//! published version, or a path to a local checkout (`--runtime-path`,
//! `CHALICE_RS_PATH`). `Cargo.toml.tmpl` becomes `Cargo.toml`.

use std::path::{Path, PathBuf};

include!(concat!(env!("OUT_DIR"), "/templates.rs"));

/// The version requirement of `chalice-rs-runtime` in new projects.
pub const RUNTIME_VERSION: &str = "0.1";

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
    #[error("no template `{name}`; the templates are: {known}")]
    UnknownTemplate {
        /// The template asked for.
        name: String,
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
    /// A chalice-rs checkout (or its `chalice-rs-runtime` directory) to depend
    /// on by path instead of the published crate.
    pub runtime_path: Option<PathBuf>,
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
    /// Depend on a local chalice-rs checkout (its root, or its
    /// chalice-rs-runtime directory) instead of the published crate.
    #[arg(long, env = "CHALICE_RS_PATH")]
    pub runtime_path: Option<PathBuf>,
}

/// Runs `cargo chalice new`: creates the project and says what to do next.
pub fn run(args: &NewArgs) -> Result<(), NewError> {
    let dir = create(&NewOptions {
        path: args.path.clone(),
        template: args.template.clone(),
        runtime_path: args.runtime_path.clone(),
    })?;
    println!(
        "created {} from template `{}`\nnext: cd {} && cargo test && cargo chalice local",
        dir.display(),
        args.template,
        dir.display()
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

/// The `chalice-rs-runtime = ...` value for a new project's Cargo.toml.
fn runtime_dependency(runtime_path: Option<&Path>) -> Result<String, NewError> {
    let Some(path) = runtime_path else {
        return Ok(format!("\"{RUNTIME_VERSION}\""));
    };
    let bad = || NewError::BadRuntimePath {
        path: path.to_owned(),
    };
    let crate_dir = if path.join("chalice-rs-runtime").join("Cargo.toml").is_file() {
        path.join("chalice-rs-runtime")
    } else if path.file_name().is_some_and(|n| n == "chalice-rs-runtime")
        && path.join("Cargo.toml").is_file()
    {
        path.to_owned()
    } else {
        return Err(bad());
    };
    let absolute = crate_dir.canonicalize().map_err(|_| bad())?;
    let text = absolute.to_str().ok_or_else(bad)?;
    Ok(format!("{{ path = {} }}", toml_string(text)))
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
            known: template_names().join(", "),
        })?;
    let runtime = runtime_dependency(options.runtime_path.as_deref())?;
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
            runtime_path: None,
        };
        assert_eq!(create(&options).expect("created"), path);
        let cargo = std::fs::read_to_string(path.join("Cargo.toml")).expect("Cargo.toml");
        assert!(cargo.contains("name = \"shop-api\""), "{cargo}");
        assert!(cargo.contains("chalice-rs-runtime = \"0.1\""), "{cargo}");
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
        create(&NewOptions {
            path: path.clone(),
            template: "hello".to_owned(),
            runtime_path: Some(checkout.clone()),
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

        let bad_runtime = create(&NewOptions {
            path: root.path().join("other"),
            template: "hello".to_owned(),
            runtime_path: Some(root.path().to_owned()),
        })
        .expect_err("not a checkout");
        assert!(matches!(bad_runtime, NewError::BadRuntimePath { .. }));
        let unknown = create(&NewOptions {
            path: root.path().join("other"),
            template: "graphql".to_owned(),
            runtime_path: None,
        })
        .expect_err("no such template");
        assert!(
            unknown.to_string().contains("dynamodb, hello, rest-api"),
            "{unknown}"
        );
        assert!(!root.path().join("other").exists());
    }
}

//! Embeds the project templates of `cargo chalice new` into the binary, and
//! records the checkout it is built from.
//!
//! In a checkout the templates live at the repository root (`../templates`);
//! `cargo-chalice/templates` is a symlink to them, which `cargo package`
//! follows, so a published crate carries a copy in `templates/`.
//! Writes `$OUT_DIR/templates.rs`: `TEMPLATES: &[(name, &[(path, text)])]`.
//!
//! Sets `CHALICE_RS_CHECKOUT` for the crate: the absolute path of the
//! chalice-rs checkout this crate is built from (the parent of its manifest
//! directory, holding `chalice-rs-runtime/`), which `cargo chalice new`
//! points new projects at; empty when the crate is built from a registry's
//! copy (no sibling `chalice-rs-runtime/`), whose new projects use the
//! published runtime.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let manifest_dir = PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"),
    );
    let checkout = manifest_dir.join("..");
    let runtime_manifest = checkout.join("chalice-rs-runtime").join("Cargo.toml");
    println!("cargo:rerun-if-changed={}", runtime_manifest.display());
    let in_checkout = runtime_manifest.is_file();
    let recorded = if in_checkout {
        let absolute = checkout.canonicalize().ok();
        match absolute.as_deref().and_then(Path::to_str) {
            Some(text) if !text.contains(['\n', '\r']) => text.to_owned(),
            // An env value is one line of text: new projects then use the
            // published runtime (or `--runtime-path`), and the build says so.
            _ => {
                println!(
                    "cargo:warning=the checkout's path {} cannot be recorded (not one line of \
                     UTF-8, or not resolvable): `cargo chalice new` will use the published chalice-rs-runtime \
                     unless given --runtime-path",
                    checkout.display()
                );
                String::new()
            }
        }
    } else {
        String::new()
    };
    println!("cargo:rustc-env=CHALICE_RS_CHECKOUT={recorded}");
    let dir = if in_checkout && checkout.join("templates").is_dir() {
        checkout.join("templates")
    } else {
        manifest_dir.join("templates")
    };
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut templates: Vec<PathBuf> = match std::fs::read_dir(&dir) {
        Ok(entries) => entries
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| path.is_dir())
            .collect(),
        Err(error) => panic!(
            "cargo-chalice: no project templates at {} ({error}); in a checkout they are \
             the repository's templates/, a published crate carries a copy in templates/",
            dir.display()
        ),
    };
    templates.sort();
    assert!(
        !templates.is_empty(),
        "cargo-chalice: {} holds no template directory",
        dir.display()
    );
    let mut out = String::from(
        "/// The embedded templates: name, then (relative path, contents) of each file.\n",
    );
    out.push_str("pub static TEMPLATES: &[(&str, &[(&str, &str)])] = &[\n");
    for template in &templates {
        let name = template
            .file_name()
            .and_then(|n| n.to_str())
            .expect("template names are UTF-8");
        let mut files = Vec::new();
        walk(template, template, &mut files);
        files.sort();
        let _ = writeln!(out, "    ({name:?}, &[");
        for (relative, absolute) in files {
            let _ = writeln!(
                out,
                "        ({relative:?}, include_str!({:?})),",
                absolute.display().to_string()
            );
        }
        out.push_str("    ]),\n");
    }
    out.push_str("];\n");
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out_dir.join("templates.rs"), out).expect("cannot write templates.rs");
}

/// Every file under `dir`, as (path relative to `root` with `/`, absolute path).
fn walk(root: &Path, dir: &Path, files: &mut Vec<(String, PathBuf)>) {
    let entries = std::fs::read_dir(dir)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", dir.display()));
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".swp") || name.ends_with('~') || name == ".DS_Store" {
            continue;
        }
        if path.is_dir() {
            walk(root, &path, files);
        } else {
            let relative = path
                .strip_prefix(root)
                .expect("walked paths are under the root")
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            let absolute = path.canonicalize().unwrap_or(path);
            files.push((relative, absolute));
        }
    }
}

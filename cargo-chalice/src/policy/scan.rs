//! The source scan: the crate roots, the module tree they declare, the
//! parsed files, and the test-only code left out.

use super::calls::find_calls_in;
use super::{PolicyError, SdkCall};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Every SDK call in the project's crate roots and their modules.
pub fn scan_project(project_dir: &Path) -> Result<Vec<SdkCall>, PolicyError> {
    let src = project_dir.join("src");
    let mut roots: Vec<PathBuf> = ["main.rs", "lib.rs"]
        .iter()
        .map(|name| src.join(name))
        .filter(|path| path.is_file())
        .collect();
    if let Ok(entries) = std::fs::read_dir(src.join("bin")) {
        let mut bins: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter_map(|path| {
                if path.extension().is_some_and(|e| e == "rs") && path.is_file() {
                    Some(path)
                } else if path.join("main.rs").is_file() {
                    Some(path.join("main.rs"))
                } else {
                    None
                }
            })
            .collect();
        bins.sort();
        roots.extend(bins);
    }
    if roots.is_empty() {
        return Err(PolicyError::NoSources {
            dir: project_dir.to_owned(),
        });
    }
    let mut files: Vec<(PathBuf, syn::File)> = Vec::new();
    let mut seen: BTreeSet<PathBuf> = BTreeSet::new();
    for root in roots {
        let dir = root.parent().map(Path::to_path_buf).unwrap_or_default();
        collect_module(&root, &dir, &mut files, &mut seen)?;
    }
    let parsed: Vec<(&Path, &syn::File)> = files.iter().map(|(p, f)| (p.as_path(), f)).collect();
    let display_base = project_dir;
    Ok(find_calls_in(&parsed, display_base))
}

/// Parses `path` and, recursively, the files of its `mod name;` items
/// (`children_dir` is where they live), skipping `#[cfg(test)]` modules.
fn collect_module(
    path: &Path,
    children_dir: &Path,
    files: &mut Vec<(PathBuf, syn::File)>,
    seen: &mut BTreeSet<PathBuf>,
) -> Result<(), PolicyError> {
    if !seen.insert(path.to_owned()) {
        return Ok(());
    }
    let text = std::fs::read_to_string(path).map_err(|source| PolicyError::Read {
        path: path.to_owned(),
        source,
    })?;
    let file = parse_file(path, &text)?;
    let mut children: Vec<(PathBuf, PathBuf)> = Vec::new();
    collect_mod_decls(&file.items, children_dir, &mut children);
    files.push((path.to_owned(), file));
    for (child, grandchildren_dir) in children {
        if child.is_file() {
            collect_module(&child, &grandchildren_dir, files, seen)?;
        }
    }
    Ok(())
}

/// The files of the out-of-line modules declared in `items` (inline modules
/// are searched for further declarations in their own directory).
fn collect_mod_decls(items: &[syn::Item], dir: &Path, out: &mut Vec<(PathBuf, PathBuf)>) {
    for item in items {
        let syn::Item::Mod(module) = item else {
            continue;
        };
        if is_test_only(&module.attrs) {
            continue;
        }
        let name = module.ident.to_string();
        let explicit = module.attrs.iter().find_map(|attr| {
            if !attr.path().is_ident("path") {
                return None;
            }
            match &attr.meta {
                syn::Meta::NameValue(syn::MetaNameValue {
                    value:
                        syn::Expr::Lit(syn::ExprLit {
                            lit: syn::Lit::Str(s),
                            ..
                        }),
                    ..
                }) => Some(s.value()),
                _ => None,
            }
        });
        match (&module.content, explicit) {
            (Some((_, inner)), _) => collect_mod_decls(inner, &dir.join(&name), out),
            (None, Some(explicit)) => {
                let file = dir.join(explicit);
                let child_dir = file.parent().map(Path::to_path_buf).unwrap_or_default();
                out.push((file, child_dir));
            }
            (None, None) => {
                let flat = dir.join(format!("{name}.rs"));
                if flat.is_file() {
                    out.push((flat, dir.join(&name)));
                } else {
                    out.push((dir.join(&name).join("mod.rs"), dir.join(&name)));
                }
            }
        }
    }
}

fn parse_file(path: &Path, text: &str) -> Result<syn::File, PolicyError> {
    syn::parse_file(text).map_err(|error| {
        let start = error.span().start();
        PolicyError::Parse {
            path: path.to_owned(),
            line: start.line,
            column: start.column + 1,
            message: error.to_string(),
        }
    })
}

/// `#[cfg(test)]`, `#[test]`, `#[tokio::test]` and the like.
pub(super) fn is_test_only(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|attr| {
        let path = attr.path();
        if path.segments.last().is_some_and(|s| s.ident == "test") {
            return true;
        }
        if path.is_ident("cfg") {
            if let syn::Meta::List(list) = &attr.meta {
                let tokens = list.tokens.to_string();
                return tokens.trim() == "test";
            }
        }
        false
    })
}

/// The SDK calls in one source text (a single-file crate): what the unit
/// tests and `scan_project` use.
pub fn find_calls(path: &Path, text: &str) -> Result<Vec<SdkCall>, PolicyError> {
    let file = parse_file(path, text)?;
    Ok(find_calls_in(&[(path, &file)], Path::new("")))
}

/// The attributes of an item (of the kinds that can be test-only).
pub(super) fn item_attrs(item: &syn::Item) -> Option<&[syn::Attribute]> {
    Some(match item {
        syn::Item::Fn(i) => &i.attrs,
        syn::Item::Mod(i) => &i.attrs,
        syn::Item::Impl(i) => &i.attrs,
        syn::Item::Struct(i) => &i.attrs,
        syn::Item::Use(i) => &i.attrs,
        syn::Item::Const(i) => &i.attrs,
        syn::Item::Static(i) => &i.attrs,
        syn::Item::Trait(i) => &i.attrs,
        syn::Item::Enum(i) => &i.attrs,
        syn::Item::Type(i) => &i.attrs,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::tests::{function, project};
    use crate::policy::{policy_for, PolicySource};
    use serde_json::json;

    #[test]
    fn parse_errors_name_the_file() {
        let error = find_calls(Path::new("src/bad.rs"), "fn f( {").expect_err("bad source");
        assert!(error.to_string().starts_with("src/bad.rs:1:"), "{error}");
    }

    #[test]
    fn project_modules_are_followed_and_test_modules_skipped() {
        let dir = project(&[
            (
                "src/main.rs",
                "mod store;\n#[cfg(test)]\nmod tests;\nmod unused_missing;\nfn main() {}\n",
            ),
            (
                "src/store.rs",
                "use aws_sdk_dynamodb::Client;\npub struct Store { pub db: Client }\nmod deep;\n\
                 impl Store { pub async fn get(&self) { self.db.get_item(); } }\n",
            ),
            (
                "src/store/deep.rs",
                "fn f(s: super::Store) { s.db.query(); }\n",
            ),
            (
                "src/tests.rs",
                "fn t(c: aws_sdk_dynamodb::Client) { c.create_table(); }\n",
            ),
            (
                "src/orphan.rs",
                "fn o(c: aws_sdk_dynamodb::Client) { c.delete_table(); }\n",
            ),
        ]);
        let outcome = policy_for(dir.path(), &function(true, None)).expect("policy");
        assert_eq!(outcome.source, PolicySource::Generated);
        let found: Vec<String> = outcome
            .calls
            .iter()
            .map(|c| format!("{}:{}", c.file.display(), c.method))
            .collect();
        assert_eq!(found, ["src/store.rs:get_item", "src/store/deep.rs:query"]);
        assert_eq!(
            outcome.document.expect("a document")["Statement"][0]["Action"],
            json!(["dynamodb:GetItem", "dynamodb:Query"])
        );
    }

    #[test]
    fn no_sources_is_an_error() {
        let dir = project(&[("Cargo.toml", "")]);
        assert!(matches!(
            policy_for(dir.path(), &function(true, None)),
            Err(PolicyError::NoSources { .. })
        ));
    }
}

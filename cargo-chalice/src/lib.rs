//! The library behind `cargo chalice`: one module per concept, one per command.
//!
//! The binary (`src/main.rs`) only parses the command line and reports errors.

pub mod app;
pub mod app_manifest;
pub mod artifact;
pub mod aws;
pub mod build;
pub mod bundle;
pub mod cfn;
pub mod cli;
pub mod config;
pub mod deploy;
pub mod host_target;
pub mod invoke;
pub mod local;
pub mod metrics;
pub mod new;
pub mod openapi;
pub mod package;
pub mod policy;
pub mod project;
pub mod routes;
pub mod suggest;
pub mod template;

#[cfg(test)]
mod property_tests;

#[cfg(test)]
mod architecture {
    //! The tool's modules import each other without a circle: each top-level
    //! module may use those below it (see ARCHITECTURE.md), never one that
    //! uses it back.

    use std::collections::{BTreeMap, BTreeSet};
    use std::path::Path;

    /// The top-level modules each top-level module's code (tests left out)
    /// refers to as `crate::<module>`.
    fn imports() -> BTreeMap<String, BTreeSet<String>> {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut stack = vec![src.clone()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).expect("src") {
                let path = entry.expect("entry").path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let relative = path.strip_prefix(&src).expect("under src");
                let top = relative
                    .components()
                    .next()
                    .and_then(|c| c.as_os_str().to_str())
                    .unwrap_or_default()
                    .trim_end_matches(".rs")
                    .to_owned();
                if top == "lib" || top == "main" || path.extension().is_none_or(|e| e != "rs") {
                    continue;
                }
                let text = std::fs::read_to_string(&path).expect("source");
                let code = text.split("#[cfg(test)]").next().unwrap_or_default();
                let used = graph.entry(top.clone()).or_default();
                for line in code.lines().filter(|l| !l.trim_start().starts_with("//")) {
                    for (at, _) in line.match_indices("crate::") {
                        let name: String = line[at + 7..]
                            .chars()
                            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                            .collect();
                        if !name.is_empty() && name != top {
                            used.insert(name);
                        }
                    }
                }
            }
        }
        graph
    }

    /// A path from `from` back to itself, if there is one.
    fn circle(
        graph: &BTreeMap<String, BTreeSet<String>>,
        from: &str,
        at: &str,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        for next in graph.get(at).into_iter().flatten() {
            if next == from {
                let mut found = path.clone();
                found.push(next.clone());
                return Some(found);
            }
            if !path.contains(next) {
                path.push(next.clone());
                if let Some(found) = circle(graph, from, next, path) {
                    return Some(found);
                }
                path.pop();
            }
        }
        None
    }

    #[test]
    fn no_module_imports_one_that_imports_it_back() {
        let graph = imports();
        assert!(graph.contains_key("app") && graph.contains_key("template"));
        for module in graph.keys() {
            let mut path = vec![module.clone()];
            if let Some(found) = circle(&graph, module, module, &mut path) {
                panic!("import circle: {}", found.join(" → "));
            }
        }
    }
}

//! The guide (`docs/guide/`) against the code.
//!
//! - `commands.md` lists every command `cargo-chalice --help` prints (and no
//!   other), and for each one every flag and positional argument with its
//!   default, its environment variable and its possible values;
//! - `config.md` lists every key `.chalice/config.json` accepts (as the
//!   config loader's "known keys here" reports them, at every level and in
//!   the objects inside), at the levels the loader accepts it, and no key it refuses, with
//!   the defaults the loader applies;
//! - the runtime's public items and methods, the attributes' keys and the
//!   gateway response types appear in their chapters.
//!
//! The Rust examples of the guide are compiled by
//! `cargo test -p chalice-rs-runtime --doc`.

use cargo_chalice::cli::Cli;
use clap::CommandFactory;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("cargo-chalice is inside the repository")
        .to_owned()
}

fn read(relative: &str) -> String {
    let path = repo().join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn guide(chapter: &str) -> String {
    read(&format!("docs/guide/{chapter}"))
}

/// The `## ` sections of a chapter: heading → body.
fn sections(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut current: Option<(String, String)> = None;
    let mut in_code = false;
    for line in text.lines() {
        if line.starts_with("```") {
            in_code = !in_code;
        }
        if !in_code {
            if let Some(heading) = line.strip_prefix("## ") {
                if let Some((name, body)) = current.take() {
                    out.insert(name, body);
                }
                current = Some((heading.trim().to_owned(), String::new()));
                continue;
            }
        }
        if let Some((_, body)) = current.as_mut() {
            body.push_str(line);
            body.push('\n');
        }
    }
    if let Some((name, body)) = current {
        out.insert(name, body);
    }
    out
}

/// The rows of the Markdown tables in `text` (header and separator rows
/// skipped), as trimmed cells.
fn table_rows(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut previous_was_table = false;
    for line in text.lines() {
        let line = line.trim();
        if !line.starts_with('|') {
            previous_was_table = false;
            continue;
        }
        let cells: Vec<String> = line
            .trim_matches('|')
            .split('|')
            .map(|c| c.trim().to_owned())
            .collect();
        let separator = cells
            .iter()
            .all(|c| !c.is_empty() && c.chars().all(|ch| ch == '-' || ch == ':'));
        // The first row of a table is its header.
        if previous_was_table && !separator {
            rows.push(cells);
        }
        previous_was_table = true;
    }
    rows
}

/// The `code spans` of a Markdown cell or text.
fn code_spans(text: &str) -> Vec<String> {
    text.split('`')
        .enumerate()
        .filter(|(i, _)| i % 2 == 1)
        .map(|(_, s)| s.to_owned())
        .collect()
}

/// Whether `word` occurs in `text` as a whole word.
fn has_word(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        let boundary = |c: Option<char>| !c.is_some_and(|c| c.is_alphanumeric() || c == '_');
        boundary(before) && boundary(after)
    })
}

// ---------------------------------------------------------------- commands

/// The commands `cargo-chalice --help` prints, without `help`.
fn commands_in_help() -> BTreeSet<String> {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_cargo-chalice"))
        .arg("--help")
        .output()
        .expect("cargo-chalice runs");
    assert!(output.status.success(), "cargo-chalice --help failed");
    let help = String::from_utf8_lossy(&output.stdout).into_owned();
    let mut lines = help.lines().skip_while(|l| l.trim() != "Commands:").skip(1);
    let mut out = BTreeSet::new();
    for line in lines.by_ref() {
        if line.trim().is_empty() {
            break;
        }
        let name = line.split_whitespace().next().unwrap_or_default();
        if name != "help" {
            out.insert(name.to_owned());
        }
    }
    assert!(!out.is_empty(), "no Commands: section in\n{help}");
    out
}

/// `commands.md`'s sections `## \`cargo chalice NAME\``, by command name.
fn command_sections() -> BTreeMap<String, String> {
    sections(&guide("commands.md"))
        .into_iter()
        .filter_map(|(heading, body)| {
            let name = heading
                .strip_prefix("`cargo chalice ")?
                .strip_suffix('`')?
                .to_owned();
            Some((name, body))
        })
        .collect()
}

/// The table row of `section` whose first cell documents `label`.
fn row_for<'a>(rows: &'a [Vec<String>], label: &str) -> Option<&'a Vec<String>> {
    rows.iter().find(|row| {
        row.first().is_some_and(|first| {
            code_spans(first)
                .iter()
                .any(|span| span == label || span.starts_with(&format!("{label} ")))
        })
    })
}

/// What the doc must say of one argument: its label in the first cell, its
/// default in the second, its environment variable in the third, its
/// possible values anywhere in the row.
fn check_argument(
    command: &str,
    rows: &[Vec<String>],
    arg: &clap::Arg,
    problems: &mut Vec<String>,
) {
    let label = match arg.get_long() {
        Some(long) => format!("--{long}"),
        None => arg
            .get_value_names()
            .and_then(|names| names.first().map(|n| n.to_string()))
            .unwrap_or_else(|| arg.get_id().as_str().to_ascii_uppercase()),
    };
    let Some(row) = row_for(rows, &label) else {
        problems.push(format!("`cargo chalice {command}`: no row for `{label}`"));
        return;
    };
    let cell = |i: usize| row.get(i).map(String::as_str).unwrap_or("");
    let is_flag = matches!(
        arg.get_action(),
        clap::ArgAction::SetTrue | clap::ArgAction::SetFalse
    );
    if !is_flag {
        for default in arg.get_default_values() {
            let default = default.to_string_lossy();
            if !code_spans(cell(1)).iter().any(|span| *span == default) {
                problems.push(format!(
                    "`cargo chalice {command}` `{label}`: the default `{default}` is not in its default cell `{}`",
                    cell(1)
                ));
            }
        }
        for value in arg.get_possible_values() {
            let name = value.get_name();
            if !row
                .iter()
                .any(|c| code_spans(c).iter().any(|span| span == name))
            {
                problems.push(format!(
                    "`cargo chalice {command}` `{label}`: the value `{name}` is not documented"
                ));
            }
        }
    }
    if let Some(env) = arg.get_env() {
        let env = env.to_string_lossy();
        if !code_spans(cell(2)).iter().any(|span| *span == env) {
            problems.push(format!(
                "`cargo chalice {command}` `{label}`: the environment variable `{env}` is not in its env cell `{}`",
                cell(2)
            ));
        }
    }
}

#[test]
fn every_command_in_the_help_has_a_section_and_no_section_is_stale() {
    let in_help = commands_in_help();
    let from_clap: BTreeSet<String> = Cli::command()
        .get_subcommands()
        .map(|c| c.get_name().to_owned())
        .collect();
    assert_eq!(
        in_help, from_clap,
        "the help and the clap definition disagree"
    );
    let documented: BTreeSet<String> = command_sections().into_keys().collect();
    let missing: Vec<&String> = in_help.difference(&documented).collect();
    let stale: Vec<&String> = documented.difference(&in_help).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "docs/guide/commands.md: commands without a `## `cargo chalice NAME`` section: {missing:?}; sections of commands that do not exist: {stale:?}"
    );
    // The overview table links each command too.
    let text = guide("commands.md");
    for command in &in_help {
        assert!(
            text.contains(&format!("[`{command}`](#cargo-chalice-{command})")),
            "docs/guide/commands.md: the overview table does not link `{command}`"
        );
    }
}

#[test]
fn every_flag_is_documented_with_its_default_env_and_values() {
    let mut cli = Cli::command();
    cli.build();
    let sections = command_sections();
    let mut problems = Vec::new();
    for command in cli.get_subcommands() {
        let name = command.get_name();
        let Some(section) = sections.get(name) else {
            continue; // reported by the test above
        };
        let rows = table_rows(section);
        let mut known: BTreeSet<String> = BTreeSet::from(["--help".to_owned()]);
        for arg in command.get_arguments() {
            let id = arg.get_id().as_str();
            if id == "help" || id == "version" || arg.is_global_set() {
                continue;
            }
            if let Some(long) = arg.get_long() {
                known.insert(format!("--{long}"));
            }
            check_argument(name, &rows, arg, &mut problems);
        }
        // No documented flag that the command does not have.
        for row in &rows {
            for span in code_spans(&row[0]) {
                let flag = span.split_whitespace().next().unwrap_or_default();
                if flag.starts_with("--") && !known.contains(flag) {
                    problems.push(format!(
                        "`cargo chalice {name}`: `{flag}` is documented but does not exist"
                    ));
                }
            }
        }
    }
    // The global options.
    let running = sections_of("commands.md", "Running it");
    let rows = table_rows(&running);
    for arg in Cli::command().get_arguments() {
        let id = arg.get_id().as_str();
        if id != "help" && id != "version" {
            check_argument("(global)", &rows, arg, &mut problems);
        }
    }
    // `new --template`: every embedded template.
    let new = &sections["new"];
    for template in cargo_chalice::new::template_names() {
        if !code_spans(new).iter().any(|span| span == template) {
            problems.push(format!(
                "`cargo chalice new`: the template `{template}` is not documented"
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "docs/guide/commands.md:\n- {}",
        problems.join("\n- ")
    );
}

fn sections_of(chapter: &str, heading: &str) -> String {
    sections(&guide(chapter))
        .remove(heading)
        .unwrap_or_else(|| panic!("docs/guide/{chapter} has no `## {heading}` section"))
}

// ------------------------------------------------------------------ config

const UNKNOWN: &str = "zz_not_a_key";

/// The loader's error for `text`.
fn config_error(text: &str) -> String {
    match cargo_chalice::config::parse(Path::new(".chalice/config.json"), text) {
        Ok(_) => panic!("the config loader accepted {text}"),
        Err(error) => error.to_string(),
    }
}

/// The keys the loader knows where `text` puts an unknown one.
fn known_keys(text: &str) -> BTreeSet<String> {
    let error = config_error(text);
    let list = error
        .split("known keys here: ")
        .nth(1)
        .unwrap_or_else(|| panic!("no list of known keys in: {error}"));
    list.split(", ").map(|k| k.trim().to_owned()).collect()
}

/// Every key of the code: path → levels (`top`, `top, stage` or `top,
/// stage, function`), nested keys as `usage_plan.quota.limit`, map keys as
/// `<route>`/`<TYPE>`.
fn keys_in_code() -> BTreeMap<String, &'static str> {
    let top = known_keys(&format!(r#"{{"{UNKNOWN}": 1}}"#));
    let stage = known_keys(&format!(r#"{{"stages": {{"dev": {{"{UNKNOWN}": 1}}}}}}"#));
    let function = known_keys(&format!(
        r#"{{"lambda_functions": {{"api": {{"{UNKNOWN}": 1}}}}}}"#
    ));
    let stage_function = known_keys(&format!(
        r#"{{"stages": {{"dev": {{"lambda_functions": {{"api": {{"{UNKNOWN}": 1}}}}}}}}}}"#
    ));
    assert_eq!(
        function, stage_function,
        "function keys differ at the top level and in a stage"
    );
    assert!(
        stage.is_subset(&top) && function.is_subset(&stage),
        "levels do not nest"
    );
    let mut out = BTreeMap::new();
    for key in &top {
        let levels = if function.contains(key) {
            "top, stage, function"
        } else if stage.contains(key) {
            "top, stage"
        } else {
            "top"
        };
        out.insert(key.clone(), levels);
    }
    // The objects inside: (path, the config putting an unknown key there).
    let nested = [
        (
            "usage_plan",
            format!(r#"{{"usage_plan": {{"{UNKNOWN}": 1}}}}"#),
        ),
        (
            "usage_plan.throttle",
            format!(r#"{{"usage_plan": {{"throttle": {{"{UNKNOWN}": 1}}}}}}"#),
        ),
        (
            "usage_plan.quota",
            format!(r#"{{"usage_plan": {{"quota": {{"{UNKNOWN}": 1}}}}}}"#),
        ),
        (
            "throttling",
            format!(r#"{{"throttling": {{"{UNKNOWN}": 1}}}}"#),
        ),
        (
            "throttling.routes.<route>",
            format!(r#"{{"throttling": {{"routes": {{"GET /x": {{"{UNKNOWN}": 1}}}}}}}}"#),
        ),
        (
            "gateway_responses.<TYPE>",
            format!(r#"{{"gateway_responses": {{"UNAUTHORIZED": {{"{UNKNOWN}": 1}}}}}}"#),
        ),
        (
            "resource_policy",
            format!(r#"{{"resource_policy": {{"{UNKNOWN}": 1}}}}"#),
        ),
        ("alarms", format!(r#"{{"alarms": {{"{UNKNOWN}": 1}}}}"#)),
        (
            "api_gateway_custom_domain",
            format!(r#"{{"api_gateway_custom_domain": {{"{UNKNOWN}": 1}}}}"#),
        ),
        (
            "websocket_api_custom_domain",
            format!(r#"{{"websocket_api_custom_domain": {{"{UNKNOWN}": 1}}}}"#),
        ),
        ("api_logs", format!(r#"{{"api_logs": {{"{UNKNOWN}": 1}}}}"#)),
        (
            "api_logs.routes.<route>",
            format!(r#"{{"api_logs": {{"routes": {{"GET /x": {{"{UNKNOWN}": 1}}}}}}}}"#),
        ),
    ];
    for (path, text) in nested {
        let root = path.split('.').next().unwrap_or_default();
        let levels = *out
            .get(root)
            .unwrap_or_else(|| panic!("`{root}` is not a key of the config any more"));
        for field in known_keys(&text) {
            out.insert(format!("{path}.{field}"), levels);
        }
    }
    out
}

/// `config.md`'s table of keys: key → its row.
fn documented_keys() -> BTreeMap<String, Vec<String>> {
    let section = sections_of("config.md", "Every key");
    table_rows(&section)
        .into_iter()
        .filter_map(|row| {
            let key = code_spans(row.first()?).into_iter().next()?;
            Some((key, row))
        })
        .collect()
}

#[test]
fn every_config_key_is_documented_at_its_levels() {
    let code = keys_in_code();
    let documented = documented_keys();
    let mut problems = Vec::new();
    for (key, levels) in &code {
        // A nested object may be documented by its fields alone.
        let covered = documented.contains_key(key)
            || documented.keys().any(|d| d.starts_with(&format!("{key}.")));
        if !covered {
            problems.push(format!("`{key}` (levels: {levels}) is not documented"));
        }
        if let Some(row) = documented.get(key) {
            let doc_levels = row.get(1).map(String::as_str).unwrap_or("");
            if doc_levels != *levels {
                problems.push(format!(
                    "`{key}`: documented at `{doc_levels}`, the loader accepts it at `{levels}`"
                ));
            }
        }
    }
    for key in documented.keys() {
        if !code.contains_key(key) {
            problems.push(format!(
                "`{key}` is documented but the loader does not accept it"
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "docs/guide/config.md:\n- {}",
        problems.join("\n- ")
    );
}

#[test]
fn a_key_the_doc_does_not_list_is_refused() {
    // The check above relies on the loader refusing unknown keys at each level.
    for text in [
        format!(r#"{{"{UNKNOWN}": 1}}"#),
        format!(r#"{{"stages": {{"dev": {{"{UNKNOWN}": 1}}}}}}"#),
        format!(r#"{{"lambda_functions": {{"api": {{"{UNKNOWN}": 1}}}}}}"#),
    ] {
        assert!(config_error(&text).contains(UNKNOWN));
    }
    for key in documented_keys().keys().filter(|k| !k.contains('.')) {
        assert!(
            known_keys(&format!(r#"{{"{UNKNOWN}": 1}}"#)).contains(key),
            "`{key}` is documented but unknown at the top level"
        );
    }
}

#[test]
fn documented_defaults_are_the_loaders() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = cargo_chalice::config::load(dir.path(), "dev", "app").expect("defaults load");
    let api = config.function("api");
    let expected: Vec<(&str, String)> = vec![
        ("api_gateway_stage", config.api_gateway_stage.clone()),
        ("api_gateway_endpoint_type", config.endpoint_type.clone()),
        ("architecture", config.architecture.clone()),
        ("lambda_memory_size", api.lambda_memory_size.to_string()),
        ("lambda_timeout", api.lambda_timeout.to_string()),
        ("autogen_policy", api.autogen_policy.to_string()),
        ("manage_iam_role", api.manage_iam_role.to_string()),
        ("xray", api.xray.to_string()),
        (
            "log_retention_in_days",
            api.log_retention_in_days.to_string(),
        ),
    ];
    let documented = documented_keys();
    let mut problems = Vec::new();
    for (key, value) in expected {
        let cell = documented
            .get(key)
            .and_then(|row| row.get(3))
            .cloned()
            .unwrap_or_default();
        if !code_spans(&cell).contains(&value) {
            problems.push(format!(
                "`{key}`: the default is `{value}`, the doc says `{cell}`"
            ));
        }
    }
    assert_eq!(
        config.api_keys,
        ["app-dev"],
        "the default API key name changed"
    );
    let cell = documented
        .get("api_keys")
        .and_then(|row| row.get(3))
        .cloned()
        .unwrap_or_default();
    if !cell.contains("<app_name>-<stage>") {
        problems.push(format!(
            "`api_keys`: the default is `<app_name>-<stage>`, the doc says `{cell}`"
        ));
    }
    // The retention values CloudWatch accepts, and Chalice's binary media types.
    let retention = documented
        .get("log_retention_in_days")
        .map(|row| row.join(" "))
        .unwrap_or_default();
    for days in cargo_chalice::template::RETENTION_DAYS {
        if !has_word(&retention, &days.to_string()) {
            problems.push(format!("`log_retention_in_days`: {days} is not listed"));
        }
    }
    let text = guide("config.md");
    for media_type in chalice_rs_runtime::gateway::DEFAULT_BINARY_MEDIA_TYPES {
        if !text.contains(&format!("`{media_type}`")) {
            problems.push(format!(
                "the default binary media type `{media_type}` is not listed"
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "docs/guide/config.md:\n- {}",
        problems.join("\n- ")
    );
}

// ----------------------------------------------------------------- runtime

/// The string literals of `const NAME: &[&str] = &[ .. ];` in a source file.
fn const_strings(source: &str, name: &str) -> Vec<String> {
    let start = source
        .find(&format!("const {name}: &[&str] = &["))
        .unwrap_or_else(|| panic!("no `const {name}` in the source"));
    let rest = &source[start..];
    let end = rest.find("];").unwrap_or(rest.len());
    rest[..end]
        .split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_attributes_keys_are_documented() {
    let route = read("chalice-rs-macros/src/route.rs");
    let authorizer = read("chalice-rs-macros/src/authorizer.rs");
    let handlers = guide("handlers.md");
    let governance = guide("governance.md");
    let mut problems = Vec::new();
    for key in const_strings(&route, "KEYS") {
        if !handlers.contains(&format!("| `{key}` |")) {
            problems.push(format!("handlers.md: `#[route]` key `{key}` has no row"));
        }
    }
    for method in const_strings(&route, "METHODS") {
        if !has_word(&handlers, &method) {
            problems.push(format!("handlers.md: method `{method}` is not listed"));
        }
    }
    for field in const_strings(&route, "CORS_FIELDS") {
        if !governance.contains(&format!("| `{field}` |")) {
            problems.push(format!("governance.md: CORS field `{field}` has no row"));
        }
    }
    for key in const_strings(&authorizer, "KEYS") {
        if !governance.contains(&format!("| `{key}` |")) {
            problems.push(format!(
                "governance.md: `#[authorizer]` key `{key}` has no row"
            ));
        }
    }
    for key in ["provider_arns", "header", "ttl"] {
        assert!(
            authorizer.contains(&format!("\"{key}\" =>")),
            "cognito_authorizer! lost `{key}`"
        );
        if !governance.contains(&format!("| `{key}` |")) {
            problems.push(format!(
                "governance.md: `cognito_authorizer!` key `{key}` has no row"
            ));
        }
    }
    for kind in cargo_chalice::config::GATEWAY_RESPONSE_TYPES {
        if !governance.contains(&format!("`{kind}`")) {
            problems.push(format!(
                "governance.md: gateway response type `{kind}` is not listed"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The names of the `pub fn`s of a source file (outside its tests).
fn pub_fns(source: &str) -> BTreeSet<String> {
    let source = source.split("#[cfg(test)]").next().unwrap_or(source);
    source
        .lines()
        .filter_map(|line| {
            let rest = line
                .trim_start()
                .strip_prefix("pub fn ")
                .or_else(|| line.trim_start().strip_prefix("pub async fn "))?;
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            Some(name)
        })
        .collect()
}

#[test]
fn the_runtimes_public_api_is_documented() {
    let mut problems = Vec::new();
    // Every item re-exported at the crate root appears in the guide.
    let lib = read("chalice-rs-runtime/src/lib.rs");
    let public = lib.split("pub mod __private").next().unwrap_or(&lib);
    let all: String = [
        "handlers.md",
        "extractors-and-responses.md",
        "testing.md",
        "governance.md",
    ]
    .iter()
    .map(|c| guide(c))
    .collect();
    for line in public.lines().filter(|l| l.starts_with("pub use ")) {
        let items = match (line.find('{'), line.find('}')) {
            (Some(open), Some(close)) => line[open + 1..close].to_owned(),
            _ => line
                .trim_end_matches(';')
                .rsplit("::")
                .next()
                .unwrap_or_default()
                .to_owned(),
        };
        for item in items.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            if !all.contains(&format!("`{item}"))
                && !all.contains(&format!("{item}("))
                && !has_word(&all, item)
            {
                problems.push(format!(
                    "`{item}` (re-exported by chalice_rs_runtime) is not in the guide"
                ));
            }
        }
    }
    // Every public method of the user-facing modules appears in its chapter.
    let modules: [(&str, &str, &[&str]); 7] = [
        ("request.rs", "extractors-and-responses.md", &[]),
        ("response.rs", "extractors-and-responses.md", &[]),
        ("error.rs", "extractors-and-responses.md", &[]),
        ("extract.rs", "extractors-and-responses.md", &["path_param"]),
        ("app.rs", "handlers.md", &[]),
        ("test.rs", "testing.md", &[]),
        // Used by the tool, not by apps.
        (
            "authorizer.rs",
            "governance.md testing.md",
            &[
                "covers_invoke",
                "handler_context",
                "registrations",
                "statements",
                "string_or_list",
                "wildcard_match",
            ],
        ),
    ];
    for (file, chapters, internal) in modules {
        let source = read(&format!("chalice-rs-runtime/src/{file}"));
        let text: String = chapters.split(' ').map(guide).collect();
        for name in pub_fns(&source) {
            if !internal.contains(&name.as_str()) && !has_word(&text, &name) {
                problems.push(format!("`{name}` of {file} is not in {chapters}"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

// ------------------------------------------------------------------- links

/// GitHub's anchor of a heading: lower case, punctuation dropped, spaces as `-`.
fn anchor(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == ' ' || *c == '-' || *c == '_')
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// The anchors of every heading of a Markdown file.
fn anchors(text: &str) -> BTreeSet<String> {
    let mut in_code = false;
    let mut out = BTreeSet::new();
    for line in text.lines() {
        if line.starts_with("```") {
            in_code = !in_code;
        } else if !in_code && line.starts_with('#') {
            out.insert(anchor(line.trim_start_matches('#')));
        }
    }
    out
}

#[test]
fn relative_links_lead_to_files_and_headings() {
    let docs = repo().join("docs");
    let mut files = vec![docs.join("README.md")];
    let guide_dir = docs.join("guide");
    let mut chapters: Vec<PathBuf> = std::fs::read_dir(&guide_dir)
        .expect("docs/guide")
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|e| e == "md"))
        .collect();
    chapters.sort();
    files.extend(chapters);
    let mut problems = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("a chapter");
        for (at, _) in text.match_indices("](") {
            let target: String = text[at + 2..].chars().take_while(|c| *c != ')').collect();
            if target.starts_with("http") || target.contains(' ') {
                continue;
            }
            let (path, fragment) = target.split_once('#').unwrap_or((&target, ""));
            let linked = if path.is_empty() {
                file.clone()
            } else {
                file.parent().expect("a directory").join(path)
            };
            // Read as bytes: a link may lead to an image.
            let Ok(linked_bytes) = std::fs::read(&linked) else {
                problems.push(format!("{}: `{target}`: no such file", file.display()));
                continue;
            };
            let linked_text = String::from_utf8_lossy(&linked_bytes);
            if !fragment.is_empty() && !anchors(&linked_text).contains(fragment) {
                problems.push(format!("{}: `{target}`: no such heading", file.display()));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

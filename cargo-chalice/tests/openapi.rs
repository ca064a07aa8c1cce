//! `cargo chalice openapi`: the document of each example validates with a
//! standard OpenAPI validator (openapi-spec-validator, from the test venv),
//! with and without the API Gateway extensions, and its paths and methods
//! are the route table's. The examples' host builds are the ones the other
//! tests use (`common::example_build`): no build of its own.

use crate::common;

use cargo_chalice::app::App;
use cargo_chalice::openapi::{self, aws, Options};
use std::collections::BTreeSet;
use std::process::{Command, Stdio};

const EXAMPLES: &[&str] = &["hello", "todo", "auth", "events"];

/// `(method, path)` of every operation of `document`.
fn operations(document: &serde_json::Value) -> BTreeSet<(String, String)> {
    document["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .expect("path item")
                .keys()
                .map(move |method| (method.to_ascii_uppercase(), path.clone()))
        })
        .collect()
}

#[test]
fn every_examples_document_validates_and_matches_its_routes() {
    let dir = tempfile::tempdir().unwrap();
    let target = aws::Target::new("us-east-1", "123456789012").unwrap();
    let mut files = Vec::new();
    for name in EXAMPLES {
        let (_, manifest) = common::example_build(name);
        let project = common::repo_root().join("examples").join(name);
        let config = cargo_chalice::config::load(&project, "dev", name).expect("config");
        let app = App::resolve(manifest, config).expect("resolve");
        let api = app.rest_api.as_ref().expect("every example has routes");

        let plain = openapi::document(&app, &Options::default()).unwrap();
        let mut expected: BTreeSet<(String, String)> = api
            .routes
            .iter()
            .map(|r| (r.method.clone(), r.resource_path.clone()))
            .collect();
        expected.extend(
            api.resources
                .iter()
                .filter(|r| r.cors.is_some())
                .map(|r| ("OPTIONS".to_owned(), r.path.clone())),
        );
        assert_eq!(operations(&plain), expected, "examples/{name}");

        let imported = openapi::document(
            &app,
            &Options {
                server_url: None,
                aws_extensions: Some(target.clone()),
            },
        )
        .unwrap();
        assert_eq!(operations(&imported), expected, "examples/{name}");
        for (suffix, document) in [("json", &plain), ("aws.json", &imported)] {
            let path = dir.path().join(format!("{name}.{suffix}"));
            std::fs::write(&path, serde_json::to_vec_pretty(document).unwrap()).unwrap();
            files.push(path);
        }
        let yaml = dir.path().join(format!("{name}.yaml"));
        std::fs::write(
            &yaml,
            openapi::render(&plain, cargo_chalice::template::TemplateFormat::Yaml),
        )
        .unwrap();
        files.push(yaml);
    }
    let output = Command::new(common::venv_tool("openapi-spec-validator"))
        .args(&files)
        .stdin(Stdio::null())
        .output()
        .expect("run openapi-spec-validator");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "openapi-spec-validator: {said}");
    assert_eq!(said.matches(": OK").count(), files.len(), "{said}");
}

#[test]
fn typed_parameters_bodies_and_doc_comments_reach_the_document() {
    let (_, manifest) = common::example_build("auth");
    let project = common::repo_root().join("examples/auth");
    let config = cargo_chalice::config::load(&project, "dev", "auth").expect("config");
    let app = App::resolve(manifest, config).expect("resolve");
    let document = openapi::document(&app, &Options::default()).unwrap();
    let create = &document["paths"]["/reports"]["post"];
    assert_eq!(create["requestBody"]["required"], true);
    assert_eq!(
        document["components"]["schemas"]["NewReport"]["properties"]["pages"]["nullable"],
        true
    );
    assert_eq!(create["security"], serde_json::json!([{"api_key": []}]));
    let (_, manifest) = common::example_build("hello");
    let config =
        cargo_chalice::config::load(&common::repo_root().join("examples/hello"), "dev", "hello")
            .expect("config");
    let app = App::resolve(manifest, config).expect("resolve");
    let document = openapi::document(&app, &Options::default()).unwrap();
    let item = &document["paths"]["/items/{id}"]["get"];
    assert_eq!(item["parameters"][0]["schema"]["type"], "integer");
    assert_eq!(item["summary"], "One item by its number.");
    let list = &document["paths"]["/items"]["get"];
    let names: Vec<&str> = list["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["limit", "min_price"]);
    let create = &document["paths"]["/items"]["post"];
    assert_eq!(
        create["requestBody"]["content"]["application/json"]["schema"]["required"],
        serde_json::json!(["name"])
    );
    let files = &document["paths"]["/files/{path+}"]["get"];
    assert_eq!(files["parameters"][0]["name"], "path+");
}

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

/// The `--aws-extensions` document of each example imports into API Gateway
/// (moto's `ImportRestApi`, failing on warnings) as the same API: the same
/// resources and methods, each route a Lambda proxy integration of the
/// stage's function (the preflights' mocks are checked in the document:
/// moto cannot import them).
#[test]
fn each_examples_aws_document_imports_into_api_gateway_on_moto() {
    let moto = common::Moto::start();
    let target = aws::Target::new("us-east-1", "123456789012").unwrap();
    common::runtime().block_on(async {
        let apigateway = aws_sdk_apigateway::Client::new(&moto.sdk_config().await);
        for name in EXAMPLES {
            let (_, manifest) = common::example_build(name);
            let project = common::repo_root().join("examples").join(name);
            let config = cargo_chalice::config::load(&project, "dev", name).expect("config");
            let app = App::resolve(manifest, config).expect("resolve");
            let document = openapi::document(
                &app,
                &Options {
                    server_url: None,
                    aws_extensions: Some(target.clone()),
                },
            )
            .unwrap();
            // moto cannot import a mock integration (it wants a URI and a
            // method for every integration): the preflights are imported
            // without theirs, and checked in the document instead.
            let mut for_moto = document.clone();
            for item in for_moto["paths"].as_object_mut().unwrap().values_mut() {
                if let Some(options) = item.get_mut("options") {
                    let mock = options
                        .as_object_mut()
                        .unwrap()
                        .remove("x-amazon-apigateway-integration")
                        .expect("a preflight's integration");
                    assert_eq!(mock["type"], "mock", "{name}: {mock}");
                }
            }
            let imported = apigateway
                .import_rest_api()
                .fail_on_warnings(true)
                .body(aws_sdk_apigateway::primitives::Blob::new(
                    serde_json::to_vec(&for_moto).unwrap(),
                ))
                .send()
                .await
                .unwrap_or_else(|e| panic!("examples/{name}: import: {e:?}"));
            let id = imported.id().expect("an API id");
            assert_eq!(imported.name(), Some(*name));
            let resources = apigateway
                .get_resources()
                .rest_api_id(id)
                .embed("methods")
                .limit(500)
                .send()
                .await
                .expect("resources");
            let mut methods = BTreeSet::new();
            for resource in resources.items() {
                let path = resource.path().unwrap_or_default().to_owned();
                for (method, _) in resource.resource_methods().into_iter().flatten() {
                    methods.insert((method.clone(), path.clone()));
                    if method == "OPTIONS" {
                        continue;
                    }
                    let integration = apigateway
                        .get_integration()
                        .rest_api_id(id)
                        .resource_id(resource.id().unwrap_or_default())
                        .http_method(method)
                        .send()
                        .await
                        .unwrap_or_else(|e| panic!("{method} {path}: integration: {e:?}"));
                    // The extension spells the type in lowercase, as AWS's
                    // documentation does; moto keeps it so, AWS uppercases it.
                    let kind = integration
                        .r#type()
                        .map(|t| t.as_str().to_ascii_uppercase());
                    assert_eq!(
                        kind.as_deref(),
                        Some("AWS_PROXY"),
                        "{name}: {method} {path}"
                    );
                    let uri = integration.uri().unwrap_or_default();
                    assert!(
                        uri.ends_with(&format!(
                            "function:{}/invocations",
                            app.api_function().expect("api").function_name
                        )),
                        "{name}: {method} {path}: {uri}"
                    );
                }
            }
            assert_eq!(methods, operations(&document), "examples/{name}");
        }
    });
}

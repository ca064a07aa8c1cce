//! Unit tests of the template writer, through resolved apps.

use super::split::Budget;
use super::*;
use crate::config::StageConfig;
use chalice_rs_runtime::manifest::{Authorizer, AuthorizerKind, Cors, Manifest, IAM_AUTHORIZER};
use serde_json::json;
use std::collections::BTreeSet;

/// Resolves the app of `manifest` in `config`'s stage and writes its templates.
fn generate(
    manifest: &Manifest,
    config: &StageConfig,
    arch: Arch,
    format: TemplateFormat,
) -> Result<(TemplateSet, RenderedSet), TemplateError> {
    resolve_and_generate(manifest.clone(), config.clone(), arch, format)
}

/// The API's shape hash of the app of `manifest`.
fn api_shape_hash(manifest: &Manifest, config: &StageConfig) -> String {
    let app = App::resolve(manifest.clone(), config.clone()).expect("app");
    shape::api_shape_hash(&app, app.rest_api.as_ref().expect("api"))
}

mod generator {
    use super::*;

    fn manifest(paths: &[&str]) -> Manifest {
        let fragments: Vec<String> = paths
            .iter()
            .map(|path| {
                json!({
                    "kind": "route", "handler": "h", "module": "m", "file": "f.rs", "line": 1,
                    "path": path, "resource_path": path, "methods": ["GET"],
                })
                .to_string()
            })
            .collect();
        Manifest::from_fragments(fragments.iter().map(|f| f.as_bytes())).unwrap()
    }

    fn config() -> StageConfig {
        let dir = std::env::temp_dir().join("chalice-template-test-no-config");
        crate::config::load(&dir, "dev", "app").unwrap()
    }

    #[test]
    fn split_stacks_pass_parent_ids_through_outputs() {
        let manifest = manifest(&["/", "/a", "/a/b", "/a/b/c", "/a/b/c/d", "/z"]);
        let config = config();
        let app = App::resolve(manifest.clone(), config.clone()).unwrap();
        let generator = Generator::new(&app, Arch::Arm64, TemplateFormat::Json);
        // Two resources per stack at most: forces the tree apart.
        let budget = Budget {
            resources: 2,
            bytes: 1_000_000,
            units: 10,
        };
        let set = generator.split(&budget);
        assert!(set.nested.len() >= 3, "{}", set.nested.len());
        let rendered = render_checked(&set, TemplateFormat::Json).unwrap();
        assert_eq!(rendered.nested.len(), set.nested.len());
        let root = set.root.to_value();
        let mut outputs_seen = 0;
        for child in &set.nested {
            let stack = &root["Resources"][&child.logical_id];
            assert_eq!(stack["Type"], "AWS::CloudFormation::Stack");
            assert_eq!(stack["Properties"]["TemplateURL"], child.file_name.as_str());
            // Every parameter of the child is passed by the root, and vice versa.
            let passed: BTreeSet<String> = stack["Properties"]["Parameters"]
                .as_object()
                .unwrap()
                .keys()
                .cloned()
                .collect();
            let declared: BTreeSet<String> = child.template.parameters.keys().cloned().collect();
            assert_eq!(passed, declared, "{}", child.logical_id);
            for (name, value) in stack["Properties"]["Parameters"].as_object().unwrap() {
                if let Some([from, attribute]) = value["Fn::GetAtt"]
                    .as_array()
                    .map(|a| [a[0].as_str().unwrap(), a[1].as_str().unwrap()])
                {
                    if let Some(output) = attribute.strip_prefix("Outputs.") {
                        assert_eq!(output, name);
                        let owner = set.nested.iter().find(|n| n.logical_id == from).unwrap();
                        assert!(owner.template.outputs.contains_key(name));
                        assert!(owner.template.resources.contains_key(name));
                        outputs_seen += 1;
                    }
                }
            }
        }
        assert!(outputs_seen > 0, "some parent lives in another stack");
        let deployment = root["Resources"]
            .as_object()
            .unwrap()
            .iter()
            .find(|(id, _)| id.starts_with(DEPLOYMENT_PREFIX))
            .unwrap()
            .1;
        assert_eq!(
            deployment["DependsOn"].as_array().unwrap().len(),
            set.nested.len()
        );
    }

    #[test]
    fn the_role_gets_the_policy_generated_from_the_code() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("src")).unwrap();
        std::fs::write(
            dir.path().join("src/main.rs"),
            "use aws_sdk_dynamodb::Client;\n\
             async fn save(client: &Client) {\n\
                 let _ = client.put_item().table_name(\"t\").send().await;\n\
                 let _ = client.get_item().table_name(\"t\").send().await;\n\
             }\n\
             fn main() {}\n",
        )
        .unwrap();
        let config = crate::config::load(dir.path(), "dev", "app").unwrap();
        let manifest = manifest(&["/"]);
        let (set, _) = generate(&manifest, &config, Arch::Arm64, TemplateFormat::Json).unwrap();
        let root = set.root.to_value();
        let role = root["Resources"]
            .as_object()
            .unwrap()
            .values()
            .find(|r| r["Type"] == "AWS::IAM::Role")
            .unwrap();
        let app_policy = role["Properties"]["Policies"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["PolicyName"] == USER_POLICY_NAME)
            .expect("the generated policy is attached");
        let text = app_policy["PolicyDocument"].to_string();
        assert!(
            text.contains("dynamodb:PutItem") && text.contains("dynamodb:GetItem"),
            "{text}"
        );

        // `autogen_policy: false` leaves it out.
        std::fs::create_dir_all(dir.path().join(".chalice")).unwrap();
        std::fs::write(
            dir.path().join(".chalice/config.json"),
            r#"{"autogen_policy": false}"#,
        )
        .unwrap();
        let config = crate::config::load(dir.path(), "dev", "app").unwrap();
        let (set, _) = generate(&manifest, &config, Arch::Arm64, TemplateFormat::Json).unwrap();
        assert!(!set.root.to_value().to_string().contains("dynamodb:PutItem"));
    }

    #[test]
    fn small_apps_stay_in_one_template() {
        let manifest = manifest(&["/", "/items", "/items/{id}"]);
        let (set, rendered) =
            generate(&manifest, &config(), Arch::X86_64, TemplateFormat::Yaml).unwrap();
        assert!(set.nested.is_empty());
        assert!(rendered.root.contains("Handler: api"), "{}", rendered.root);
        assert!(rendered.root.contains("- x86_64"));
        let ids: Vec<&String> = set.root.resources.keys().collect();
        for expected in [
            "MethodGetRoot",
            "MethodGetItems",
            "MethodGetItemsIdParam",
            "ResourceItems",
            "ResourceItemsIdParam",
        ] {
            assert!(
                set.root.resources.contains_key(expected),
                "{expected} not in {ids:?}"
            );
        }
    }

    #[test]
    fn authorizers_become_resources_and_unknown_ones_are_named() {
        let mut manifest = manifest(&["/x", "/y"]);
        manifest.routes[0].authorizer = Some("auth".to_owned());
        let err = generate(&manifest, &config(), Arch::Arm64, TemplateFormat::Json).unwrap_err();
        assert!(err.to_string().contains("authorizer `auth`"), "{err}");

        let authorizer = |name: &str| Authorizer {
            name: name.to_owned(),
            module: "m".to_owned(),
            file: "f.rs".to_owned(),
            line: 1,
            kind: AuthorizerKind::Token {
                header: "Authorization".to_owned(),
                validation_expression: None,
            },
            ttl_seconds: 0,
        };
        manifest.authorizers = vec![authorizer("auth")];
        manifest.routes[1].authorizer = Some(IAM_AUTHORIZER.to_owned());
        let (set, _) = generate(&manifest, &config(), Arch::Arm64, TemplateFormat::Json).unwrap();
        let root = set.root.to_value();
        let method = &root["Resources"]["MethodGetX"]["Properties"];
        assert_eq!(method["AuthorizationType"], "CUSTOM");
        assert_eq!(method["AuthorizerId"]["Ref"], "AuthAuthorizer");
        assert_eq!(
            root["Resources"]["MethodGetY"]["Properties"]["AuthorizationType"],
            "AWS_IAM"
        );
        assert_eq!(
            root["Resources"]["AuthAuthorizerHandler"]["Properties"]["Handler"],
            "authorizer:auth"
        );

        // The deployment follows the authorizers and CORS too.
        let before = api_shape_hash(&manifest, &config());
        manifest.authorizers[0].ttl_seconds = 60;
        let after = api_shape_hash(&manifest, &config());
        assert_ne!(before, after);
        manifest.routes[0].cors = Some(Cors {
            allow_origin: "*".to_owned(),
            allow_headers: Vec::new(),
            expose_headers: Vec::new(),
            max_age: None,
            allow_credentials: false,
        });
        assert_ne!(after, api_shape_hash(&manifest, &config()));
        manifest.authorizers[0].kind = AuthorizerKind::Request {
            identity_sources: Vec::new(),
        };
        let err = generate(&manifest, &config(), Arch::Arm64, TemplateFormat::Json).unwrap_err();
        assert!(err.to_string().contains("no identity sources"), "{err}");

        // Two names with the same logical ID are refused, naming both.
        manifest.authorizers = vec![authorizer("a_b"), authorizer("aB")];
        manifest.routes[0].authorizer = None;
        let err = generate(&manifest, &config(), Arch::Arm64, TemplateFormat::Json).unwrap_err();
        assert!(err.to_string().contains("`a_b` and `aB`"), "{err}");
    }

    #[test]
    fn cors_routes_of_one_resource_must_agree() {
        let mut manifest = manifest(&["/x"]);
        let cors = |origin: &str| Cors {
            allow_origin: origin.to_owned(),
            allow_headers: Vec::new(),
            expose_headers: Vec::new(),
            max_age: None,
            allow_credentials: false,
        };
        let mut post = manifest.routes[0].clone();
        post.method = "POST".to_owned();
        manifest.routes.push(post);
        manifest.routes[0].cors = Some(cors("*"));
        let (set, _) = generate(&manifest, &config(), Arch::Arm64, TemplateFormat::Json).unwrap();
        let root = set.root.to_value();
        assert_eq!(
            root["Resources"]["MethodOptionsX"]["Properties"]["Integration"]
                ["IntegrationResponses"][0]["ResponseParameters"]
                ["method.response.header.Access-Control-Allow-Methods"],
            "'GET,OPTIONS,POST'"
        );
        manifest.routes[1].cors = Some(cors("https://a.example"));
        let err = generate(&manifest, &config(), Arch::Arm64, TemplateFormat::Json).unwrap_err();
        assert!(err.to_string().contains("different CORS settings"), "{err}");
    }
}

mod models {
    use super::*;

    #[test]
    fn app_wide_cors_reaches_every_resource_and_the_function() {
        let mut manifest: Manifest = serde_json::from_value(json!({
            "version": chalice_rs_runtime::manifest::MANIFEST_VERSION,
            "routes": [
                {"resource_path": "/a", "path": "/a", "method": "GET",
                 "handler": "a", "module": "app", "file": "src/main.rs", "line": 1,
                 "content_types": ["application/json"], "api_key_required": false}
            ]
        }))
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(".chalice")).unwrap();
        std::fs::write(
            dir.path().join(".chalice/config.json"),
            r#"{"version": "2.0", "app_name": "app", "autogen_policy": false, "cors": {"allow_origin": "https://app.example"}}"#,
        )
        .unwrap();
        let config = crate::config::load(dir.path(), "dev", "app").unwrap();
        config.apply_cors(&mut manifest);
        let (set, _) = generate(&manifest, &config, Arch::Arm64, TemplateFormat::Json).unwrap();
        let root = set.root.to_value();
        let options = &root["Resources"]["MethodOptionsA"]["Properties"];
        assert_eq!(
            options["Integration"]["IntegrationResponses"][0]["ResponseParameters"]
                ["method.response.header.Access-Control-Allow-Origin"],
            "'https://app.example'"
        );
        let variables = &root["Resources"][FUNCTION_ID]["Properties"]["Environment"]["Variables"];
        assert!(
            variables["CHALICE_CORS"]
                .as_str()
                .unwrap()
                .contains("https://app.example"),
            "{variables}"
        );
    }

    #[test]
    fn validated_routes_get_their_model_and_the_validator() {
        let manifest: Manifest = serde_json::from_value(json!({
            "version": chalice_rs_runtime::manifest::MANIFEST_VERSION,
            "routes": [
                {"resource_path": "/reports", "path": "/reports", "method": "POST",
                 "handler": "create", "module": "app", "file": "src/main.rs", "line": 1,
                 "content_types": ["application/json"], "api_key_required": false,
                 "model": "NewReport"},
                {"resource_path": "/reports", "path": "/reports", "method": "GET",
                 "handler": "list", "module": "app", "file": "src/main.rs", "line": 2,
                 "content_types": ["application/json"], "api_key_required": false}
            ],
            "models": {"NewReport": {"$schema": "http://json-schema.org/draft-04/schema#", "type": "object"}}
        }))
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(".chalice")).unwrap();
        std::fs::write(
            dir.path().join(".chalice/config.json"),
            r#"{"version": "2.0", "app_name": "app", "autogen_policy": false}"#,
        )
        .unwrap();
        let config = crate::config::load(dir.path(), "dev", "app").unwrap();
        let (set, _) = generate(&manifest, &config, Arch::Arm64, TemplateFormat::Json).unwrap();
        let root = set.root.to_value();
        let resources = &root["Resources"];
        assert_eq!(
            resources["ModelNewReport"]["Type"],
            "AWS::ApiGateway::Model"
        );
        assert_eq!(
            resources["ModelNewReport"]["Properties"]["Schema"]["type"],
            "object"
        );
        assert_eq!(
            resources[REQUEST_VALIDATOR_ID]["Properties"]["ValidateRequestBody"],
            true
        );
        let post = &resources["MethodPostReports"]["Properties"];
        assert_eq!(
            post["RequestModels"],
            json!({"application/json": {"Ref": "ModelNewReport"}})
        );
        assert_eq!(
            post["RequestValidatorId"],
            json!({"Ref": REQUEST_VALIDATOR_ID})
        );
        let get = &resources["MethodGetReports"]["Properties"];
        assert!(get.get("RequestModels").is_none(), "{get}");
        assert!(get.get("RequestValidatorId").is_none(), "{get}");

        // Split into nested stacks: the model and the validator stay in the
        // root and reach the method as parameters of the same names.
        let app = App::resolve(manifest.clone(), config.clone()).unwrap();
        let generator = Generator::new(&app, Arch::Arm64, TemplateFormat::Json);
        let set = generator.split(&Budget {
            resources: 2,
            bytes: 1_000_000,
            units: 10,
        });
        render_checked(&set, TemplateFormat::Json).unwrap();
        let root = set.root.to_value();
        assert!(root["Resources"]["ModelNewReport"].is_object());
        let child = set
            .nested
            .iter()
            .find(|n| n.template.resources.contains_key("MethodPostReports"))
            .expect("the method in a nested stack");
        assert!(child.template.parameters.contains_key("ModelNewReport"));
        assert!(child.template.parameters.contains_key(REQUEST_VALIDATOR_ID));
        let passed = &root["Resources"][&child.logical_id]["Properties"]["Parameters"];
        assert_eq!(passed["ModelNewReport"], json!({"Ref": "ModelNewReport"}));
        assert_eq!(
            passed[REQUEST_VALIDATOR_ID],
            json!({"Ref": REQUEST_VALIDATOR_ID})
        );
    }
}

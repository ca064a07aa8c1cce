//! The document of a synthetic app with every kind of route.

use super::*;
use chalice_rs_runtime::manifest::Manifest;
use serde_json::json;

/// An app with a typed, documented route, a validated body, a greedy path,
/// an API key, a TOKEN authorizer, `iam` and CORS.
fn app() -> App {
    let manifest: Manifest = serde_json::from_value(json!({
        "version": 1,
        "routes": [
            {"resource_path": "/items", "path": "/items", "method": "POST", "handler": "create",
             "module": "app", "file": "src/main.rs", "line": 3,
             "content_types": ["application/json"], "api_key_required": true, "model": "NewItem",
             "cors": {"allow_origin": "*"},
             "schemas": {"params": {}, "body": {"content_type": "application/json",
                         "schema": {"type": "object"}}}},
            {"resource_path": "/items/{id}", "path": "/items/<id>", "method": "GET", "handler": "item",
             "module": "app", "file": "src/main.rs", "line": 9,
             "content_types": ["application/json"], "api_key_required": false, "authorizer": "bearer",
             "doc": "Gets one item.\n\nBy its `id`, an integer.",
             "schemas": {
                 "params": {"id": {"$schema": "http://json-schema.org/draft-04/schema#",
                                   "type": "integer", "format": "uint64", "minimum": 0}},
                 "query": {"type": "object", "required": ["fields"],
                           "properties": {"fields": {"type": "string"}, "limit": {"type": ["integer", "null"]}}},
                 "response": {"content_type": "application/json",
                              "schema": {"type": "object", "title": "Item"}}}},
            {"resource_path": "/files/{path+}", "path": "/files/<path..>", "method": "GET",
             "handler": "file", "module": "app", "file": "src/main.rs", "line": 20,
             "content_types": ["application/json"], "api_key_required": false, "authorizer": "iam"},
        ],
        "authorizers": [
            {"name": "bearer", "module": "app", "file": "src/main.rs", "line": 1, "ttl_seconds": 300,
             "authorizer": {"type": "token", "header": "Authorization", "validation_expression": "^allow-.+$"}}
        ],
        "models": {"NewItem": {"$schema": "http://json-schema.org/draft-04/schema#", "type": "object",
                               "properties": {"name": {"type": "string"}}, "required": ["name"]}},
    }))
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join(".chalice")).unwrap();
    std::fs::write(
        dir.path().join(".chalice/config.json"),
        r#"{"version": "2.0", "app_name": "shop", "autogen_policy": false,
            "binary_media_types": ["image/png"], "api_keys": ["web"]}"#,
    )
    .unwrap();
    let config = crate::config::load(dir.path(), "dev", "shop").unwrap();
    App::resolve(manifest, config).unwrap()
}

#[test]
fn paths_methods_parameters_and_bodies() {
    let doc = document(&app(), &Options::default()).unwrap();
    assert_eq!(doc["openapi"], OPENAPI_VERSION);
    let paths = doc["paths"].as_object().unwrap();
    let keys: Vec<&String> = paths.keys().collect();
    assert_eq!(keys, ["/files/{path+}", "/items", "/items/{id}"]);

    let get = &doc["paths"]["/items/{id}"]["get"];
    assert_eq!(get["operationId"], "item");
    assert_eq!(get["summary"], "Gets one item.");
    assert_eq!(
        get["description"],
        "Gets one item.\n\nBy its `id`, an integer."
    );
    assert_eq!(
        get["parameters"][0],
        json!({"name": "id", "in": "path", "required": true,
               "schema": {"type": "integer", "format": "uint64", "minimum": 0}})
    );
    assert_eq!(get["parameters"][1]["name"], "fields");
    assert_eq!(get["parameters"][1]["required"], true);
    assert_eq!(
        get["parameters"][2]["schema"],
        json!({"type": "integer", "nullable": true})
    );
    assert_eq!(
        get["responses"]["200"]["content"]["application/json"]["schema"]["title"],
        "Item"
    );
    assert_eq!(
        get["responses"]["401"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/GatewayError"
    );
    assert_eq!(get["security"], json!([{"bearer": []}]));

    let greedy = &doc["paths"]["/files/{path+}"]["get"];
    assert_eq!(greedy["parameters"][0]["name"], "path+");
    assert_eq!(greedy["parameters"][0]["schema"], json!({"type": "string"}));
    assert_eq!(greedy["security"], json!([{"sigv4": []}]));
    // No schemas (a manifest from the section): a generic JSON answer.
    assert_eq!(
        greedy["responses"]["200"]["content"]["application/json"]["schema"],
        json!({})
    );

    let post = &doc["paths"]["/items"]["post"];
    assert_eq!(post["requestBody"]["required"], true);
    assert_eq!(
        post["requestBody"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/NewItem"
    );
    assert_eq!(post["security"], json!([{"api_key": []}]));
    assert!(post["responses"]["429"].is_object());
    assert_eq!(
        doc["components"]["schemas"]["NewItem"]["required"],
        json!(["name"])
    );
    assert!(doc["components"]["schemas"]["NewItem"]
        .get("$schema")
        .is_none());
    let preflight = &doc["paths"]["/items"]["options"];
    assert_eq!(
        preflight["responses"]["200"]["headers"]["Access-Control-Allow-Methods"]["example"],
        "OPTIONS,POST"
    );
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["api_key"]["name"], "x-api-key");
    assert_eq!(schemes["bearer"]["name"], "Authorization");
    assert!(schemes["sigv4"].is_object());
    assert!(doc.get("x-amazon-apigateway-api-key-source").is_none());
    assert!(get.get("x-amazon-apigateway-integration").is_none());
}

#[test]
fn aws_extensions_make_it_importable() {
    let target = aws::Target::new("eu-west-1", "123456789012").unwrap();
    let doc = document(
        &app(),
        &Options {
            server_url: None,
            aws_extensions: Some(target),
        },
    )
    .unwrap();
    let get = &doc["paths"]["/items/{id}"]["get"];
    assert_eq!(
        get["x-amazon-apigateway-integration"],
        json!({"type": "aws_proxy", "httpMethod": "POST", "passthroughBehavior": "when_no_match",
               "uri": "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:shop-dev/invocations"})
    );
    assert_eq!(
        doc["paths"]["/items"]["post"]["x-amazon-apigateway-request-validator"],
        aws::BODY_VALIDATOR
    );
    assert_eq!(
        doc["x-amazon-apigateway-request-validators"]["body"]["validateRequestBody"],
        true
    );
    assert_eq!(doc["x-amazon-apigateway-api-key-source"], "HEADER");
    assert_eq!(
        doc["x-amazon-apigateway-binary-media-types"],
        json!(["image/png"])
    );
    let bearer = &doc["components"]["securitySchemes"]["bearer"];
    assert_eq!(bearer["x-amazon-apigateway-authtype"], "custom");
    assert_eq!(
        bearer["x-amazon-apigateway-authorizer"],
        json!({"type": "token", "identitySource": "method.request.header.Authorization",
               "identityValidationExpression": "^allow-.+$", "authorizerResultTtlInSeconds": 300,
               "authorizerUri": "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:shop-dev-bearer/invocations"})
    );
    assert_eq!(
        doc["components"]["securitySchemes"]["sigv4"]["x-amazon-apigateway-authtype"],
        "awsSigv4"
    );
    assert_eq!(
        doc["paths"]["/items"]["options"]["x-amazon-apigateway-integration"]["type"],
        "mock"
    );
}

#[test]
fn bad_targets_are_refused_with_the_reason() {
    let error = aws::Target::new("eu-west-1", "1234").unwrap_err();
    assert!(error.contains("12 digits"), "{error}");
    let error = aws::Target::new("EU West", "123456789012").unwrap_err();
    assert!(error.contains("us-east-1"), "{error}");
    assert_eq!(
        aws::Target::new("cn-north-1", "123456789012")
            .unwrap()
            .partition,
        "aws-cn"
    );
}

#[test]
fn doc_comments_split_into_summary_and_description() {
    assert_eq!(
        summary_and_description(Some("One line.")),
        (Some("One line.".to_owned()), None)
    );
    assert_eq!(
        summary_and_description(Some("Two\nlines.\n\nMore.")),
        (
            Some("Two lines.".to_owned()),
            Some("Two\nlines.\n\nMore.".to_owned())
        )
    );
    assert_eq!(summary_and_description(None), (None, None));
}

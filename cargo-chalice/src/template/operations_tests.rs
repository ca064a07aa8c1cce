//! Versions, aliases, traffic shifting and alarms in the template.

use super::events_tests::{declared, every_kind, manifest, project};
use super::*;
use serde_json::{json, Value};

/// The config of the synthetic apps: `prod` has `extra` on top of the
/// top level's settings.
fn config(prod: &str) -> String {
    format!(
        r#"{{"app_name": "shop", "autogen_policy": false, "stages": {{"dev": {{}}, "prod": {{{prod}}}}}}}"#
    )
}

/// The root template of every kind of function and a route, in `stage`,
/// for the code of hash `code`.
fn root(config: &str, stage: &str, code: Option<&str>) -> Value {
    root_of(&every_kind(), config, stage, code)
}

/// The root template of a route and `functions`.
fn root_of(functions: &[(&str, Value)], config: &str, stage: &str, code: Option<&str>) -> Value {
    let dir = project(config, &declared());
    let stage = crate::config::load(dir.path(), stage, "shop").expect("config");
    let app = App::resolve(manifest(true, functions), stage).expect("app");
    let (set, _) = generate_release(
        &app,
        Arch::Arm64,
        TemplateFormat::Json,
        &Release {
            code_sha256: code.map(str::to_owned),
            api_canary: None,
        },
    )
    .expect("template");
    set.root.to_value()
}

/// The logical IDs of the resources of `kind`.
fn ids_of(root: &Value, kind: &str) -> Vec<String> {
    root["Resources"]
        .as_object()
        .expect("resources")
        .iter()
        .filter(|(_, r)| r["Type"] == kind)
        .map(|(id, _)| id.clone())
        .collect()
}

#[test]
fn without_the_keys_callers_invoke_the_functions() {
    let root = root(&config(r#""lambda_versions": true"#), "dev", Some("aa"));
    assert!(ids_of(&root, "AWS::Lambda::Version").is_empty());
    assert!(ids_of(&root, "AWS::Lambda::Alias").is_empty());
    assert_eq!(
        root["Resources"]["APIHandlerInvokePermission"]["Properties"]["FunctionName"],
        json!({"Fn::GetAtt": ["APIHandler", "Arn"]})
    );
}

#[test]
fn every_caller_invokes_the_stages_alias() {
    let root = root(&config(r#""lambda_versions": true"#), "prod", Some("aa"));
    let r = &root["Resources"];
    let functions = ids_of(&root, "AWS::Lambda::Function");
    assert_eq!(ids_of(&root, "AWS::Lambda::Alias").len(), functions.len());
    assert_eq!(ids_of(&root, "AWS::Lambda::Version").len(), functions.len());
    for function in &functions {
        let alias = &r[format!("{function}Alias")];
        assert_eq!(alias["Properties"]["Name"], "prod", "{function}");
        assert_eq!(
            alias["Properties"]["FunctionName"],
            json!({"Ref": function})
        );
        let version = alias["Properties"]["FunctionVersion"]["Fn::GetAtt"][0]
            .as_str()
            .expect("version");
        assert!(
            version.starts_with(&format!("{function}Version")),
            "{version}"
        );
        assert_eq!(r[version]["DeletionPolicy"], "Retain");
        assert_eq!(r[version]["UpdateReplacePolicy"], "Retain");
        assert_eq!(
            r[version]["Properties"]["FunctionName"],
            json!({"Ref": function})
        );
        assert!(alias.get("UpdatePolicy").is_none());
    }
    // The API: its permission and every integration.
    assert_eq!(
        r["APIHandlerInvokePermission"]["Properties"]["FunctionName"],
        json!({"Ref": "APIHandlerAlias"})
    );
    let uri = r["MethodGetRoot"]["Properties"]["Integration"]["Uri"]["Fn::Sub"]
        .as_str()
        .expect("uri");
    assert!(
        uri.contains("/functions/${APIHandlerAlias}/invocations"),
        "{uri}"
    );
    // Rules, subscriptions, buckets: permissions and targets.
    assert_eq!(
        r["NightlyRule"]["Properties"]["Targets"][0]["Arn"],
        json!({"Ref": "NightlyFunctionAlias"})
    );
    for permission in [
        "NightlyInvokePermission",
        "AlertInvokePermission",
        "UploadedInvokePermission",
    ] {
        let function = r[permission]["Properties"]["FunctionName"]["Ref"]
            .as_str()
            .expect(permission);
        assert!(
            function.ends_with("FunctionAlias"),
            "{permission}: {function}"
        );
    }
    assert_eq!(
        r["AlertSubscription"]["Properties"]["Endpoint"],
        json!({"Ref": "AlertFunctionAlias"})
    );
    // Queues and streams: the mapping invokes the alias.
    assert_eq!(
        r["WorkEventSourceMapping"]["Properties"]["FunctionName"],
        json!({"Ref": "WorkFunctionAlias"})
    );
    // A declared bucket names the alias's ARN.
    let entry = &r["Uploads"]["Properties"]["NotificationConfiguration"]["LambdaConfigurations"][0];
    assert_eq!(
        entry["Function"],
        json!({"Fn::Sub": "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:shop-prod-uploaded:prod"})
    );
    assert_eq!(
        r["APIHandlerAlias"]["Properties"]["Description"],
        "chalice-rs app shop, stage prod: HTTP API handler: stage prod"
    );
}

#[test]
fn a_bucket_outside_the_stack_notifies_the_alias() {
    let dir = project(&config(r#""lambda_versions": true"#), &declared());
    let stage = crate::config::load(dir.path(), "prod", "shop").expect("config");
    let app = App::resolve(manifest(true, &every_kind()), stage).expect("app");
    let outside = app.external_notifications();
    assert_eq!(outside.len(), 1);
    assert_eq!(outside[0].function_name, "shop-prod-dropped:prod");
}

#[test]
fn a_version_is_published_when_the_code_or_the_configuration_changes() {
    let version_of = |root: &Value| -> String {
        root["Resources"]["APIHandlerAlias"]["Properties"]["FunctionVersion"]["Fn::GetAtt"][0]
            .as_str()
            .expect("version")
            .to_owned()
    };
    let versions = config(r#""lambda_versions": true"#);
    let first = version_of(&root(&versions, "prod", Some("aa")));
    assert_eq!(first, version_of(&root(&versions, "prod", Some("aa"))));
    assert_ne!(first, version_of(&root(&versions, "prod", Some("bb"))));
    let more_memory = config(r#""lambda_versions": true, "lambda_memory_size": 256"#);
    assert_ne!(first, version_of(&root(&more_memory, "prod", Some("aa"))));
    // Another function's change leaves this one's version alone.
    let other = config(
        r#""lambda_versions": true, "lambda_functions": {"work": {"lambda_memory_size": 512}}"#,
    );
    assert_eq!(first, version_of(&root(&other, "prod", Some("aa"))));
}

#[test]
fn traffic_shifting_goes_through_codedeploy() {
    let root = root(
        &config(
            r#""lambda_functions": {"api": {"traffic_shifting": "Linear10PercentEvery1Minute"}}"#,
        ),
        "prod",
        Some("aa"),
    );
    let r = &root["Resources"];
    // Only the API function has versions.
    assert_eq!(ids_of(&root, "AWS::Lambda::Alias"), ["APIHandlerAlias"]);
    assert_eq!(
        r["APIHandlerAlias"]["UpdatePolicy"],
        json!({"CodeDeployLambdaAliasUpdate": {
            "ApplicationName": {"Ref": "CodeDeployApplication"},
            "DeploymentGroupName": {"Ref": "APIHandlerDeploymentGroup"}}})
    );
    assert_eq!(
        r["CodeDeployApplication"],
        json!({"Type": "AWS::CodeDeploy::Application", "Properties": {"ComputePlatform": "Lambda"}})
    );
    let group = &r["APIHandlerDeploymentGroup"]["Properties"];
    assert_eq!(
        group["DeploymentConfigName"],
        "CodeDeployDefault.LambdaLinear10PercentEvery1Minute"
    );
    assert_eq!(
        group["DeploymentStyle"],
        json!({"DeploymentType": "BLUE_GREEN", "DeploymentOption": "WITH_TRAFFIC_CONTROL"})
    );
    assert_eq!(group["AutoRollbackConfiguration"]["Enabled"], true);
    assert_eq!(
        group["ServiceRoleArn"],
        json!({"Fn::GetAtt": ["CodeDeployServiceRole", "Arn"]})
    );
    assert_eq!(
        r["CodeDeployServiceRole"]["Properties"]["ManagedPolicyArns"],
        json!([{"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/service-role/AWSCodeDeployRoleForLambda"}])
    );
    assert_eq!(
        r["CodeDeployServiceRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]
            ["Principal"],
        json!({"Service": "codedeploy.amazonaws.com"})
    );
}

#[test]
fn a_mistyped_configuration_is_refused_naming_the_function() {
    let dir = project(
        &config(r#""lambda_functions": {"work": {"traffic_shifting": "Canary10Percent5Minute"}}"#),
        &declared(),
    );
    let stage = crate::config::load(dir.path(), "prod", "shop").expect("config");
    let message = App::resolve(manifest(true, &every_kind()), stage)
        .expect_err("refused")
        .to_string();
    assert!(
        message.starts_with(
            "`traffic_shifting` of the function `work` is `Canary10Percent5Minute` (did you mean `Canary10Percent5Minutes`?)"
        ),
        "{message}"
    );
}

#[test]
fn alarms_watch_the_api_the_functions_and_the_queues() {
    // Few functions: every alarm of every function in one template would
    // pass the 51,200 bytes of a template body.
    let queues: Vec<(&str, Value)> = every_kind()
        .into_iter()
        .filter(|(name, _)| ["work", "named_queue"].contains(name))
        .collect();
    let root = root_of(
        &queues,
        &config(
            r#""traffic_shifting": "Canary10Percent5Minutes", "alarms": {"notify": "ops@example.com",
                "api_5xx_rate": 0.05, "api_p99_latency_ms": 2500, "function_errors": 1,
                "function_throttles": 2, "duration_near_timeout": 0.8,
                "queue_oldest_message_age_s": 600}"#,
        ),
        "prod",
        Some("aa"),
    );
    let r = &root["Resources"];
    assert_eq!(
        r["AlarmTopic"],
        json!({"Type": "AWS::SNS::Topic", "Properties": {"Subscription": [
            {"Endpoint": "ops@example.com", "Protocol": "email"}]}})
    );
    assert_eq!(
        r["Api5xxAlarm"]["Properties"],
        json!({
            "AlarmDescription": "shop API (stage api): more than 5 % of requests answered 5XX in a minute",
            "Namespace": "AWS/ApiGateway", "MetricName": "5XXError",
            "Dimensions": [{"Name": "ApiName", "Value": "shop"}, {"Name": "Stage", "Value": "api"}],
            "Statistic": "Average", "Period": 60, "EvaluationPeriods": 1, "Threshold": 0.05,
            "ComparisonOperator": "GreaterThanThreshold", "TreatMissingData": "notBreaching",
            "AlarmActions": [{"Ref": "AlarmTopic"}]})
    );
    assert_eq!(
        r["ApiLatencyAlarm"]["Properties"]["ExtendedStatistic"],
        "p99"
    );
    assert!(r["ApiLatencyAlarm"]["Properties"]
        .get("Statistic")
        .is_none());
    assert_eq!(
        r["WorkFunctionDurationAlarm"]["Properties"]["Threshold"],
        json!(48000.0)
    );
    assert_eq!(
        r["WorkFunctionErrorsAlarm"]["Properties"]["Dimensions"],
        json!([{"Name": "FunctionName", "Value": "shop-prod-work"}])
    );
    assert_eq!(
        r["WorkQueueAgeAlarm"]["Properties"]["Dimensions"],
        json!([{"Name": "QueueName", "Value": {"Fn::GetAtt": ["Jobs", "QueueName"]}}])
    );
    // The queue named by its name is watched by that name.
    assert_eq!(
        r["NamedQueueQueueAgeAlarm"]["Properties"]["Dimensions"][0]["Value"],
        "partner-jobs"
    );
    // A traffic shift of the API function rolls back on its alarms and the API's.
    let alarms: Vec<&str> = r["APIHandlerDeploymentGroup"]["Properties"]["AlarmConfiguration"]
        ["Alarms"]
        .as_array()
        .expect("alarms")
        .iter()
        .map(|a| a["Name"]["Ref"].as_str().expect("ref"))
        .collect();
    assert_eq!(
        alarms,
        [
            "Api5xxAlarm",
            "ApiLatencyAlarm",
            "APIHandlerErrorsAlarm",
            "APIHandlerThrottlesAlarm",
            "APIHandlerDurationAlarm"
        ]
    );
    // An event function's shift, on its own only.
    assert_eq!(
        r["WorkFunctionDeploymentGroup"]["Properties"]["AlarmConfiguration"]["Alarms"]
            .as_array()
            .expect("alarms")
            .len(),
        3
    );
}

#[test]
fn alarms_may_notify_an_existing_topic() {
    let topic = "arn:aws:sns:eu-west-1:123456789012:ops";
    let root = root(
        &config(&format!(
            r#""alarms": {{"notify": "{topic}", "function_errors": 1}}"#
        )),
        "prod",
        None,
    );
    assert!(root["Resources"].get("AlarmTopic").is_none());
    assert_eq!(
        root["Resources"]["APIHandlerErrorsAlarm"]["Properties"]["AlarmActions"],
        json!([topic])
    );
}

#[test]
fn the_api_stage_logs_as_configured() {
    let logs = r#""log_retention_in_days": 30, "throttling": {"routes": {"GET /": {"rate_limit": 5}}},
        "api_logs": {"access_logs": true, "execution_logging": "ERROR", "detailed_metrics": true,
            "routes": {"GET /": {"execution_logging": "INFO", "data_trace": true}}}"#;
    let root = root(&config(logs), "prod", None);
    let r = &root["Resources"];
    assert_eq!(
        r["ApiAccessLogGroup"],
        json!({"Type": "AWS::Logs::LogGroup", "Properties": {"RetentionInDays": 30}})
    );
    let stage = &r["RestAPIStage"];
    assert_eq!(
        stage["Properties"]["AccessLogSetting"]["DestinationArn"],
        json!({"Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]})
    );
    let format = stage["Properties"]["AccessLogSetting"]["Format"]
        .as_str()
        .expect("format");
    assert!(
        format.contains("\"requestId\":\"$context.requestId\""),
        "{format}"
    );
    // The stage's settings, then the route's: its throttle and its logging
    // in one setting, the stage's metrics kept.
    assert_eq!(
        stage["Properties"]["MethodSettings"],
        json!([
            {"HttpMethod": "*", "ResourcePath": "/*", "MetricsEnabled": true,
             "DataTraceEnabled": false, "LoggingLevel": "ERROR"},
            {"HttpMethod": "GET", "ResourcePath": "/~1", "MetricsEnabled": true,
             "DataTraceEnabled": true, "LoggingLevel": "INFO", "ThrottlingRateLimit": 5.0}
        ])
    );
    // The account's role is not the stack's unless asked.
    assert!(r.get("ApiGatewayAccount").is_none());
    assert!(stage.get("DependsOn").is_none());
}

#[test]
fn the_accounts_cloudwatch_role_only_on_opt_in() {
    let dir = project(&config(r#""api_logs": {"access_logs": true}"#), &declared());
    let stage = crate::config::load(dir.path(), "prod", "shop").expect("config");
    let app = App::resolve(manifest(true, &every_kind()), stage).expect("app");
    let notes = app.operation_notes();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(
        notes[0].contains(
            "aws apigateway update-account --patch-operations op=replace,path=/cloudwatchRoleArn"
        ) && notes[0].contains(r#""api_logs": {"account_role": true}"#),
        "{}",
        notes[0]
    );
    let root = root(
        &config(
            r#""api_logs": {"access_logs": "$context.requestId $context.status", "account_role": true}"#,
        ),
        "prod",
        None,
    );
    let r = &root["Resources"];
    assert_eq!(
        r["ApiGatewayAccount"]["Properties"]["CloudWatchRoleArn"],
        json!({"Fn::GetAtt": ["ApiGatewayCloudWatchRole", "Arn"]})
    );
    assert_eq!(
        r["ApiGatewayCloudWatchRole"]["Properties"]["ManagedPolicyArns"],
        json!([{"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"}])
    );
    assert_eq!(r["RestAPIStage"]["DependsOn"], json!(["ApiGatewayAccount"]));
    assert_eq!(
        r["RestAPIStage"]["Properties"]["AccessLogSetting"]["Format"],
        "$context.requestId $context.status"
    );
    // Nothing logged: nothing to say.
    let dir = project(
        &config(r#""api_logs": {"detailed_metrics": true}"#),
        &declared(),
    );
    let stage = crate::config::load(dir.path(), "prod", "shop").expect("config");
    let app = App::resolve(manifest(true, &every_kind()), stage).expect("app");
    assert!(app.operation_notes().is_empty());
}

#[test]
fn log_settings_aws_would_refuse_are_named() {
    for (logs, says) in [
        (
            r#""api_logs": {"access_logs": "$context.status"}"#,
            "`api_logs.access_logs` `$context.status` has neither `$context.requestId` nor `$context.extendedRequestId`",
        ),
        (
            r#""api_logs": {"execution_logging": "DEBUG"}"#,
            "`api_logs.execution_logging` is `DEBUG`; API Gateway takes OFF, ERROR, INFO",
        ),
        (
            r#""api_logs": {"routes": {"GET /nope": {"data_trace": true}}}"#,
            "`api_logs.routes`: `GET /nope` is not a route of the app",
        ),
    ] {
        let dir = project(&config(logs), &declared());
        let stage = crate::config::load(dir.path(), "prod", "shop").expect("config");
        let message = App::resolve(manifest(true, &every_kind()), stage)
            .expect_err(logs)
            .to_string();
        assert!(message.contains(says), "{message}");
    }
}

#[test]
fn a_stage_canary_keeps_the_served_deployment() {
    let dir = project(&config(""), &declared());
    let stage = crate::config::load(dir.path(), "prod", "shop").expect("config");
    let app = App::resolve(manifest(true, &every_kind()), stage).expect("app");
    let generate = |base: &str, percent: f64| {
        generate_release(
            &app,
            Arch::Arm64,
            TemplateFormat::Json,
            &Release {
                code_sha256: None,
                api_canary: Some(crate::app::rollout::ApiCanary {
                    percent,
                    base_deployment: base.to_owned(),
                }),
            },
        )
    };
    let (set, _) = generate("RestAPIDeployment0123456789", 10.0).expect("template");
    let root = set.root.to_value();
    let r = &root["Resources"];
    let new = ids_of(&root, "AWS::ApiGateway::Deployment")
        .into_iter()
        .find(|id| id != "RestAPIDeployment0123456789")
        .expect("the new deployment");
    assert_eq!(
        r["RestAPIDeployment0123456789"]["Properties"]["Description"],
        "chalice-rs app shop, stage prod, API shape 0123456789"
    );
    let stage = &r["RestAPIStage"]["Properties"];
    assert_eq!(
        stage["DeploymentId"],
        json!({"Ref": "RestAPIDeployment0123456789"})
    );
    assert_eq!(
        stage["CanarySetting"],
        json!({"DeploymentId": {"Ref": new}, "PercentTraffic": 10.0, "UseStageCache": false})
    );
    // The same API: nothing for a canary.
    let message = generate(&new, 10.0).expect_err("same").to_string();
    assert!(
        message.contains("the API has not changed since the deployed"),
        "{message}"
    );
    let message = generate("RestAPIDeployment0123456789", 100.0)
        .expect_err("all")
        .to_string();
    assert!(message.contains("above 0 and below 100"), "{message}");
}

#[test]
fn a_custom_domain_maps_the_stage_and_says_where_dns_points() {
    let edge = root(
        &config(
            r#""api_gateway_custom_domain": {"domain_name": "api.example.com",
                "certificate_arn": "arn:aws:acm:us-east-1:123456789012:certificate/abc",
                "url_prefix": "/v1/", "tags": {"team": "shop"}}"#,
        ),
        "prod",
        None,
    );
    let r = &edge["Resources"];
    assert_eq!(
        r["ApiGatewayCustomDomain"],
        json!({"Type": "AWS::ApiGateway::DomainName", "Properties": {
            "DomainName": "api.example.com",
            "CertificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/abc",
            "EndpointConfiguration": {"Types": ["EDGE"]},
            "SecurityPolicy": "TLS_1_2",
            "Tags": [{"Key": "team", "Value": "shop"}]}})
    );
    assert_eq!(
        r["ApiGatewayCustomDomainMapping"]["Properties"],
        json!({"DomainName": {"Ref": "ApiGatewayCustomDomain"}, "RestApiId": {"Ref": "RestAPI"},
               "Stage": {"Ref": "RestAPIStage"}, "BasePath": "v1"})
    );
    let outputs = &edge["Outputs"];
    assert_eq!(
        outputs["CustomDomainURL"]["Value"],
        "https://api.example.com/v1/"
    );
    assert_eq!(
        outputs["CustomDomainTarget"]["Value"],
        json!({"Fn::GetAtt": ["ApiGatewayCustomDomain", "DistributionDomainName"]})
    );
    // A regional API: the regional certificate, target and zone; the root path.
    let regional = root(
        &config(
            r#""api_gateway_endpoint_type": "REGIONAL", "api_gateway_custom_domain": {
                "domain_name": "api.example.com", "tls_version": "TLS_1_0",
                "certificate_arn": "arn:aws:acm:eu-west-1:123456789012:certificate/abc"}"#,
        ),
        "prod",
        None,
    );
    let props = &regional["Resources"]["ApiGatewayCustomDomain"]["Properties"];
    assert_eq!(
        props["RegionalCertificateArn"],
        "arn:aws:acm:eu-west-1:123456789012:certificate/abc"
    );
    assert!(props.get("CertificateArn").is_none());
    assert_eq!(props["SecurityPolicy"], "TLS_1_0");
    assert!(
        regional["Resources"]["ApiGatewayCustomDomainMapping"]["Properties"]
            .get("BasePath")
            .is_none()
    );
    assert_eq!(
        regional["Outputs"]["CustomDomainHostedZoneId"]["Value"],
        json!({"Fn::GetAtt": ["ApiGatewayCustomDomain", "RegionalHostedZoneId"]})
    );
}

#[test]
fn a_custom_domain_api_gateway_would_refuse_is_named() {
    let certificate = "arn:aws:acm:us-east-1:123456789012:certificate/abc";
    for (domain, says) in [
        (
            format!(r#"{{"certificate_arn": "{certificate}"}}"#),
            "`api_gateway_custom_domain`: `domain_name` is missing",
        ),
        (
            format!(r#"{{"domain_name": "API.example.com", "certificate_arn": "{certificate}"}}"#),
            "`domain_name` `API.example.com` is not a domain name API Gateway takes",
        ),
        (
            r#"{"domain_name": "api.example.com", "certificate_arn": "arn:aws:acm:eu-west-1:1:certificate/x"}"#.to_owned(),
            "the certificate is in eu-west-1, and an EDGE API's domain (CloudFront) takes a certificate in us-east-1",
        ),
        (
            r#"{"domain_name": "api.example.com", "certificate_arn": "arn:aws:iam::1:server-certificate/x"}"#.to_owned(),
            "is not an ACM certificate's ARN",
        ),
        (
            format!(r#"{{"domain_name": "api.example.com", "certificate_arn": "{certificate}", "tls_version": "TLS_1_3"}}"#),
            "`tls_version` is `TLS_1_3`; API Gateway takes TLS_1_0, TLS_1_2",
        ),
        (
            format!(r#"{{"domain_name": "api.example.com", "certificate_arn": "{certificate}", "url_prefix": "v 1"}}"#),
            "`url_prefix` `v 1` is not a base path",
        ),
    ] {
        let dir = project(&config(&format!(r#""api_gateway_custom_domain": {domain}"#)), &declared());
        let stage = crate::config::load(dir.path(), "prod", "shop").expect("config");
        let message = App::resolve(manifest(true, &every_kind()), stage)
            .expect_err(&domain)
            .to_string();
        assert!(message.contains(says), "{message}");
    }
}

#[test]
fn authorizers_and_nested_stacks_invoke_the_alias_too() {
    use chalice_rs_runtime::manifest::{Authorizer, AuthorizerKind};
    let dir = project(&config(r#""lambda_versions": true"#), &declared());
    let stage = crate::config::load(dir.path(), "prod", "shop").expect("config");
    let mut with_authorizer = manifest(true, &[]);
    with_authorizer.authorizers = vec![Authorizer {
        name: "bearer".to_owned(),
        module: "app".to_owned(),
        file: "src/main.rs".to_owned(),
        line: 1,
        kind: AuthorizerKind::Token {
            header: "Authorization".to_owned(),
            validation_expression: None,
        },
        ttl_seconds: 0,
    }];
    with_authorizer.routes[0].authorizer = Some("bearer".to_owned());
    let app = App::resolve(with_authorizer, stage).expect("app");
    let (set, _) = generate(&app, Arch::Arm64, TemplateFormat::Json).expect("template");
    let root = set.root.to_value();
    let r = &root["Resources"];
    let function = app
        .authorizer_function("bearer")
        .expect("the authorizer's function")
        .logical_id
        .clone();
    let alias = format!("{function}Alias");
    assert_eq!(r[&alias]["Properties"]["Name"], "prod");
    let uri = r["BearerAuthorizer"]["Properties"]["AuthorizerUri"]["Fn::Sub"]
        .as_str()
        .expect("uri");
    assert!(
        uri.contains(&format!("/functions/${{{alias}}}/invocations")),
        "{uri}"
    );
    assert_eq!(
        r["BearerAuthorizerInvokePermission"]["Properties"]["FunctionName"],
        json!({"Ref": alias})
    );
    // Split into nested stacks: the API's function comes in as its alias.
    let generator = Generator::new(&app, Arch::Arm64, TemplateFormat::Json);
    let split = generator.split(&super::split::Budget {
        resources: 1,
        bytes: 1_000_000,
        units: 10,
    });
    let root = split.root.to_value();
    let passed: Vec<&Value> = split
        .nested
        .iter()
        .filter_map(|child| {
            root["Resources"][&child.logical_id]["Properties"]["Parameters"].get("FunctionArn")
        })
        .collect();
    assert!(!passed.is_empty());
    for value in passed {
        assert_eq!(value, &json!({"Ref": "APIHandlerAlias"}));
    }
}

#[test]
fn a_root_past_a_template_body_is_read_from_s3() {
    // Every alarm and traffic shifting on a dozen functions: more than the
    // 51,200 bytes of a template body, which nested stacks cannot take.
    let dir = project(
        &config(
            r#""traffic_shifting": "AllAtOnce", "alarms": {"function_errors": 1,
                "function_throttles": 1, "duration_near_timeout": 0.9}"#,
        ),
        &declared(),
    );
    let stage = crate::config::load(dir.path(), "prod", "shop").expect("config");
    let app = App::resolve(manifest(true, &every_kind()), stage).expect("app");
    let (set, rendered) = generate(&app, Arch::Arm64, TemplateFormat::Json).expect("template");
    assert!(rendered.root.len() > check::MAX_TEMPLATE_BODY);
    assert!(rendered.root.len() <= check::MAX_TEMPLATE_URL);
    assert!(!set.nested.is_empty(), "the API moved into a nested stack");
    assert_eq!(
        ids_of(&set.root.to_value(), "AWS::CloudWatch::Alarm").len(),
        3 * ids_of(&set.root.to_value(), "AWS::Lambda::Function").len()
    );
}

//! `cargo chalice invoke` without `--local`: the deployed function, through
//! Lambda's `Invoke` with `LogType: Tail`, honouring `--profile`,
//! `--region` and `--endpoint-url` (`AWS_ENDPOINT_URL`) as `deploy` does.
//!
//! The function is found among the deployed stack's functions
//! (`.chalice/deployed/<stage>.json`, else the stack's resources) by its
//! name (`<app>-<stage>-<name>`, the name the template gives it) or its
//! Lambda name. The manifest of the last deployed package
//! (`.chalice/deployments/<stage>/deployment.zip`), when there is one, tells
//! which event each function reads, for `--example`'s check.

use super::{example_mismatch, finish, unknown_function, InvokeArgs, InvokeError};
use crate::app::function::Trigger;
use crate::app::names;
use crate::aws::{call_error, error_code, Aws};
use crate::deploy::state::DeployedResource;
use crate::deploy::{list_resources, DeployError, Target};
use base64::Engine as _;
use chalice_rs_runtime::manifest::Manifest;
use std::io::Read as _;
use std::path::Path;

/// Invokes the deployed function `args.name` of the stage with `payload`.
pub fn run(project_dir: &Path, args: &InvokeArgs, payload: Vec<u8>) -> Result<(), InvokeError> {
    let target = Target::find(project_dir, &args.stage)?;
    let project = crate::project::Project::discover(project_dir)?;
    let config = crate::config::load(&project.dir, &args.stage, &project.package)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(InvokeError::Runtime)?;
    runtime.block_on(async {
        let aws = Aws::load(&target.aws_options(&args.aws)).await?;
        target.check_region(&aws)?;
        let resources = match &target.state {
            Some(state) => state.resources.clone(),
            None => {
                let cf = aws.cloudformation();
                let info = crate::deploy::stack::describe(&cf, &target.stack_name)
                    .await
                    .map_err(DeployError::from)?
                    .ok_or_else(|| not_deployed(&target))?;
                list_resources(&cf, &info.stack_id).await?
            }
        };
        let deployed = deployed_functions(&resources);
        let wanted = names::function_name(&config.app_name, &args.stage, &args.name);
        let Some(function_name) = deployed
            .iter()
            .find(|name| **name == args.name || **name == wanted)
            .cloned()
        else {
            let known: Vec<String> = deployed
                .iter()
                .map(|name| key_of(name, &target.stack_name))
                .collect();
            if known.is_empty() {
                return Err(not_deployed(&target).into());
            }
            return Err(unknown_function(&args.name, &args.stage, &known));
        };
        let key = key_of(&function_name, &target.stack_name);
        if let Some(kind) = &args.example {
            let manifest = deployed_manifest(&target.project_dir, &args.stage);
            if let Some(trigger) = manifest.as_ref().and_then(|m| trigger_of(m, &key)) {
                if let Some(warning) = example_mismatch(kind, &key, &trigger) {
                    eprintln!("warning: {warning}");
                }
            }
        }
        let answer = aws
            .lambda()
            .invoke()
            .function_name(&function_name)
            .log_type(aws_sdk_lambda::types::LogType::Tail)
            .payload(aws_sdk_lambda::primitives::Blob::new(payload))
            .send()
            .await
            .map_err(|error| {
                if error_code(&error) == Some("ResourceNotFoundException") {
                    InvokeError::Deploy(not_deployed(&target))
                } else {
                    InvokeError::Aws(call_error("Lambda.Invoke", error))
                }
            })?;
        if let Some(log) = answer.log_result() {
            match base64::engine::general_purpose::STANDARD.decode(log) {
                Ok(text) => eprint!("{}", String::from_utf8_lossy(&text)),
                Err(_) => eprintln!("{log}"),
            }
        }
        let payload = answer
            .payload()
            .map(|blob| blob.as_ref().to_vec())
            .unwrap_or_default();
        let error = answer.function_error().map(|_| error_summary(&payload));
        finish(&key, &payload, error)
    })
}

fn not_deployed(target: &Target) -> DeployError {
    DeployError::NotDeployed {
        stage: target.stage.clone(),
        stack: target.stack_name.clone(),
        state_file: crate::deploy::state::path(&target.project_dir, &target.stage),
    }
}

/// The Lambda names of the stack's functions.
pub fn deployed_functions(resources: &[DeployedResource]) -> Vec<String> {
    resources
        .iter()
        .filter(|r| r.resource_type == "AWS::Lambda::Function" && !r.physical_id.is_empty())
        .map(|r| r.physical_id.clone())
        .collect()
}

/// A deployed function's key: `api` for the stack's own name, else the
/// part after `<stack>-`.
pub fn key_of(function_name: &str, stack_name: &str) -> String {
    if function_name == stack_name {
        return names::API_HANDLER.to_owned();
    }
    function_name
        .strip_prefix(stack_name)
        .and_then(|rest| rest.strip_prefix('-'))
        .unwrap_or(function_name)
        .to_owned()
}

/// `errorType` and `errorMessage` of an error document.
fn error_summary(payload: &[u8]) -> (String, String) {
    let document: serde_json::Value = serde_json::from_slice(payload).unwrap_or_default();
    let field = |name: &str| {
        document
            .get(name)
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned)
    };
    (
        field("errorType").unwrap_or_else(|| "Unhandled".to_owned()),
        field("errorMessage").unwrap_or_else(|| String::from_utf8_lossy(payload).into_owned()),
    )
}

/// The manifest of the stage's last deployed package, if it is there.
fn deployed_manifest(project_dir: &Path, stage: &str) -> Option<Manifest> {
    let zip_path = project_dir
        .join(".chalice")
        .join("deployments")
        .join(stage)
        .join("deployment.zip");
    let file = std::fs::File::open(&zip_path).ok()?;
    let mut archive = zip::ZipArchive::new(file).ok()?;
    let mut entry = archive.by_name("bootstrap").ok()?;
    let mut bytes = Vec::new();
    entry.read_to_end(&mut bytes).ok()?;
    crate::app_manifest::from_bytes(&zip_path, &bytes)
        .ok()
        .map(|app| app.manifest)
}

/// What invokes the function `key` in a manifest.
fn trigger_of(manifest: &Manifest, key: &str) -> Option<Trigger> {
    if key == names::API_HANDLER {
        return Some(Trigger::RestApi);
    }
    if let Some(function) = manifest.functions.iter().find(|f| f.name == key) {
        return Some(Trigger::Event(function.source.clone()));
    }
    manifest
        .authorizers
        .iter()
        .find(|a| a.name == key)
        .map(|a| Trigger::Authorizer {
            name: a.name.clone(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deployed_names_map_back_to_keys() {
        assert_eq!(key_of("shop-dev", "shop-dev"), "api");
        assert_eq!(key_of("shop-dev-worker", "shop-dev"), "worker");
        assert_eq!(key_of("other", "shop-dev"), "other");
        let resources = vec![
            DeployedResource {
                logical_id: "APIHandler".to_owned(),
                physical_id: "shop-dev".to_owned(),
                resource_type: "AWS::Lambda::Function".to_owned(),
            },
            DeployedResource {
                logical_id: "APIHandlerLogGroup".to_owned(),
                physical_id: "/aws/lambda/shop-dev".to_owned(),
                resource_type: "AWS::Logs::LogGroup".to_owned(),
            },
        ];
        assert_eq!(deployed_functions(&resources), ["shop-dev"]);
        assert_eq!(
            error_summary(br#"{"errorType":"E","errorMessage":"m"}"#),
            ("E".to_owned(), "m".to_owned())
        );
    }
}

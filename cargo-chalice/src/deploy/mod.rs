//! `cargo chalice deploy`, `delete`, `url`, `logs`, `rollback` and `promote`: the packaged app
//! through S3 and CloudFormation, as a pipeline of plain steps, and the
//! deployed stage read back.
//!
//! deploy = package ─► deployment bucket ─► upload (skipped when the content
//! hash is already there) ─► template rewritten to the S3 locations ─► change
//! set (shown; empty = nothing to deploy) ─► execute, events, bounded wait ─►
//! `.chalice/deployed/<stage>.json` ─► notifications of buckets outside the
//! stack ([`notifications`]) ─► the state file again, with what is wired.

pub mod account;
pub mod api_keys;
pub mod bucket;
pub mod canary;
pub mod commands;
pub mod logs;
pub mod notifications;
pub mod rewrite;
pub mod rollback;
pub mod stack;
pub mod state;

use crate::aws::{call_error, Aws, AwsError, AwsOptions};
use crate::template::custom_domain::{DomainOutputs, REST_OUTPUTS, WEBSOCKET_OUTPUTS};
use rewrite::TemplateFile;
use stack::{StackError, StackInfo, TemplateSource};
use state::{DeployedResource, DeployedState};
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;

/// Why a deploy, delete or url command failed.
#[derive(Debug, thiserror::Error)]
pub enum DeployError {
    /// The app could not be packaged.
    #[error(transparent)]
    Package(#[from] crate::package::PackageError),
    /// The project or its config cannot be read.
    #[error(transparent)]
    Project(#[from] crate::project::ProjectError),
    /// `.chalice/config.json` is wrong.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// AWS cannot be reached or refused a call.
    #[error(transparent)]
    Aws(#[from] AwsError),
    /// The deployment bucket or an upload failed.
    #[error(transparent)]
    Bucket(#[from] bucket::BucketError),
    /// The packaged template is unusable.
    #[error(transparent)]
    Template(#[from] rewrite::TemplateError),
    /// The stack failed or cannot be deployed to.
    #[error(transparent)]
    Stack(#[from] StackError),
    /// The state file cannot be read or written.
    #[error(transparent)]
    State(#[from] state::StateError),
    /// Nothing is deployed for this stage.
    #[error("stage `{stage}` is not deployed (no {state_file} and no stack {stack}); run `cargo chalice deploy --stage {stage}`")]
    NotDeployed {
        /// The stage.
        stage: String,
        /// The stack looked for.
        stack: String,
        /// The state file looked for.
        state_file: PathBuf,
    },
    /// The region asked for is not the one the stage was deployed to.
    #[error("stage `{stage}` is deployed in {deployed} (see .chalice/deployed/{stage}.json), not {asked}; pass `--region {deployed}`")]
    OtherRegion {
        /// The stage.
        stage: String,
        /// Its region in the state file.
        deployed: String,
        /// The region in use.
        asked: String,
    },
    /// Logs cannot be shown.
    #[error(transparent)]
    Logs(#[from] logs::LogsError),
    /// A bucket outside the stack could not be wired after the stack was
    /// deployed (or unwired before a delete).
    #[error("{source}\n  {help}")]
    Notifications {
        /// What failed.
        source: notifications::NotificationError,
        /// What state things are in, and what to do.
        help: &'static str,
    },
    /// The API stage's canary cannot be made, promoted or removed.
    #[error(transparent)]
    Canary(#[from] canary::CanaryError),
    /// The stage logs through API Gateway and the account has no
    /// CloudWatch role for it.
    #[error("the account has no CloudWatch role for API Gateway in {region}, and this stage's `api_logs` need one (API Gateway would refuse the stage); nothing was deployed. {how}")]
    NoCloudWatchRole {
        /// The region.
        region: String,
        /// What to run.
        how: &'static str,
    },
    /// A function's alias cannot be rolled back.
    #[error(transparent)]
    Rollback(#[from] rollback::RollbackError),
    /// The async runtime could not start.
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
}

/// A packaged app, ready to deploy: what [`deploy_packaged`] needs.
#[derive(Debug, Clone)]
pub struct Packaged {
    /// The app's name (S3 key prefix; stack `<app_name>-<stage>`).
    pub app_name: String,
    /// The chalice stage.
    pub stage: String,
    /// The API Gateway stage name (for the URL when the stack has no output).
    pub api_gateway_stage: String,
    /// The stage's `deployment_bucket`, if set.
    pub deployment_bucket: Option<String>,
    /// The root template (JSON); nested templates are files beside it.
    pub template_path: PathBuf,
    /// The Lambda zip.
    pub zip_path: PathBuf,
    /// Its SHA-256, lowercase hex.
    pub zip_sha256: String,
    /// The notifications to write on buckets outside the stack, after it.
    pub bucket_notifications: Vec<crate::app::events::ExternalNotification>,
}

impl From<&crate::package::PackageOutput> for Packaged {
    fn from(output: &crate::package::PackageOutput) -> Self {
        Self {
            app_name: output.config.app_name.clone(),
            stage: output.config.stage.clone(),
            api_gateway_stage: output.config.api_gateway_stage.clone(),
            deployment_bucket: output.config.deployment_bucket.clone(),
            template_path: output.template_path.clone(),
            zip_path: output.zip_path.clone(),
            zip_sha256: output.zip_sha256.clone(),
            bucket_notifications: output.external_notifications.clone(),
        }
    }
}

/// What a deploy did.
#[derive(Debug, Clone)]
pub struct DeployOutcome {
    /// The state written to `.chalice/deployed/<stage>.json`.
    pub state: DeployedState,
    /// Whether the stack was created or updated (false: nothing to deploy).
    pub changed: bool,
}

pub use crate::app::names::stack_name;

/// Runs `future` on a fresh single-threaded runtime.
pub fn block_on<T>(future: impl Future<Output = Result<T, DeployError>>) -> Result<T, DeployError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(DeployError::Runtime)?
        .block_on(future)
}

/// Deploys a packaged app and writes the stage's state file.
pub async fn deploy_packaged(
    aws: &Aws,
    project_dir: &Path,
    packaged: &Packaged,
) -> Result<DeployOutcome, DeployError> {
    let s3 = aws.s3();
    let bucket = bucket::ensure(aws, &s3, packaged.deployment_bucket.as_deref()).await?;
    if bucket.created {
        eprintln!(
            "created deployment bucket {} (private, encrypted, versioned)",
            bucket.name
        );
    }
    let zip_key = bucket::artifact_key(&packaged.app_name, &packaged.zip_sha256);
    let upload = bucket::upload_file(&s3, &bucket.name, &zip_key, &packaged.zip_path).await?;
    if upload.skipped {
        eprintln!("code unchanged: s3://{}/{zip_key}", bucket.name);
    } else {
        eprintln!("uploaded s3://{}/{zip_key}", bucket.name);
    }

    let uploader = TemplateUploader {
        aws,
        s3: &s3,
        bucket: &bucket.name,
        app_name: &packaged.app_name,
        zip_key: &zip_key,
    };
    let root = TemplateFile::read(&packaged.template_path)?;
    let has_nested = !root.nested().is_empty();
    let root = uploader.prepare(root, 0).await?;
    let bytes = root.to_bytes();
    let source = if has_nested || bytes.len() > rewrite::MAX_TEMPLATE_BODY {
        TemplateSource::Url(uploader.upload(bytes).await?)
    } else {
        TemplateSource::Body(String::from_utf8_lossy(&bytes).into_owned())
    };

    let cf = aws.cloudformation();
    let name = stack_name(&packaged.app_name, &packaged.stage);
    let create = settle(&cf, &name).await?;
    let change_set = stack::create_change_set(&cf, &name, create, &source).await?;
    let (info, changed) = match change_set {
        None => {
            eprintln!("nothing to deploy: stack {name} is up to date");
            let info = stack::describe(&cf, &name)
                .await?
                .ok_or_else(|| StackError::Stuck {
                    stack: name.clone(),
                    status: "gone".to_owned(),
                    help: "it was deleted while deploying; run `cargo chalice deploy` again",
                })?;
            (info, false)
        }
        Some(change_set) => {
            if create {
                eprintln!(
                    "creating stack {name} ({} resources)",
                    change_set.changes.len()
                );
            } else {
                eprintln!("updating stack {name}:");
                for change in &change_set.changes {
                    eprintln!("{change}");
                }
            }
            let since = stack::newest_event(&cf, &change_set.stack_id).await?;
            stack::execute(&cf, &change_set).await?;
            let info = stack::wait(
                &cf,
                &name,
                &change_set.stack_id,
                since,
                change_set.changes.len(),
                stack::STACK_TIMEOUT,
            )
            .await?;
            (info, true)
        }
    };

    let resources = list_resources(&cf, &info.stack_id).await?;
    let (endpoint_url, rest_api_id) = endpoint(aws, &info, &resources, &packaged.api_gateway_stage);
    let previous = state::read(project_dir, &packaged.stage)?
        .filter(|s| s.stack_name == name)
        .map(|s| s.bucket_notifications)
        .unwrap_or_default();
    let mut state = DeployedState {
        stage: packaged.stage.clone(),
        stack_name: name,
        stack_id: info.stack_id.clone(),
        region: aws.region.clone(),
        endpoint_url,
        rest_api_id,
        artifact_sha256: packaged.zip_sha256.clone(),
        artifact_location: format!("s3://{}/{zip_key}", bucket.name),
        resources,
        bucket_notifications: previous,
        custom_domain: deployed_domain(&info, REST_OUTPUTS),
        websocket_custom_domain: deployed_domain(&info, WEBSOCKET_OUTPUTS),
    };
    state::write(project_dir, &state)?;
    if !packaged.bucket_notifications.is_empty() || !state.bucket_notifications.is_empty() {
        let account = aws.account_id().await?;
        let arn = |function_name: &str| {
            notifications::function_arn(aws.partition(), &aws.region, &account, function_name)
        };
        let wired = notifications::wire(
            &s3,
            &state.stack_name,
            &packaged.bucket_notifications,
            &state.bucket_notifications,
            &arn,
        )
        .await;
        let (wired, failure) = match wired {
            Ok(wired) => (wired, None),
            Err((wired, error)) => (wired, Some(error)),
        };
        state.bucket_notifications = wired;
        state::write(project_dir, &state)?;
        if let Some(source) = failure {
            return Err(DeployError::Notifications {
                source,
                help: "the stack is deployed and .chalice/deployed/<stage>.json records what is wired; fix the cause and run `cargo chalice deploy` again to finish",
            });
        }
    }
    Ok(DeployOutcome { state, changed })
}

/// Brings an existing stack to a state that takes a change set; returns
/// whether the change set creates the stack.
///
/// A stack busy with an operation (an earlier deploy stopped with Ctrl-C) is
/// waited for; a stack that was never created (REVIEW_IN_PROGRESS) or whose
/// first create rolled back is deleted so that it can be created again.
async fn settle(cf: &aws_sdk_cloudformation::Client, name: &str) -> Result<bool, DeployError> {
    for _attempt in 0..4 {
        let Some(info) = stack::describe(cf, name).await? else {
            return Ok(true);
        };
        match info.status.as_str() {
            "REVIEW_IN_PROGRESS" | "ROLLBACK_COMPLETE" | "ROLLBACK_FAILED" => {
                if info.status == "REVIEW_IN_PROGRESS" {
                    eprintln!(
                        "stack {name} is REVIEW_IN_PROGRESS: an earlier deploy stopped before creating it; \
                         deleting the empty stack to create it again"
                    );
                } else {
                    eprintln!(
                        "stack {name} is {}: its first create failed and it holds nothing; deleting it to create it again",
                        info.status
                    );
                }
                let since = stack::newest_event(cf, &info.stack_id).await?;
                stack::start_delete(cf, &info.stack_id).await?;
                stack::wait(cf, name, &info.stack_id, since, 0, stack::STACK_TIMEOUT).await?;
            }
            "DELETE_FAILED" => {
                return Err(StackError::Stuck {
                    stack: name.to_owned(),
                    status: info.status,
                    help: "a delete failed; run `cargo chalice delete`, or fix the resources named in the stack events",
                }
                .into())
            }
            "UPDATE_ROLLBACK_FAILED" => {
                return Err(StackError::Stuck {
                    stack: name.to_owned(),
                    status: info.status,
                    help: "run `aws cloudformation continue-update-rollback --stack-name <stack>`, then deploy again",
                }
                .into())
            }
            status if stack::phase(status) == stack::Phase::InProgress => {
                eprintln!("stack {name} is {status}: waiting for that operation to end");
                let since = stack::newest_event(cf, &info.stack_id).await?;
                match stack::wait(cf, name, &info.stack_id, since, 0, stack::STACK_TIMEOUT).await {
                    Ok(_) | Err(StackError::Failed { .. }) => {}
                    Err(error) => return Err(error.into()),
                }
            }
            _ => return Ok(false),
        }
    }
    Err(StackError::Stuck {
        stack: name.to_owned(),
        status: "changing".to_owned(),
        help: "its state keeps changing; run `cargo chalice deploy` again",
    }
    .into())
}

/// Rewrites templates to the uploaded artifacts, uploading nested templates.
struct TemplateUploader<'a> {
    aws: &'a Aws,
    s3: &'a aws_sdk_s3::Client,
    bucket: &'a str,
    app_name: &'a str,
    zip_key: &'a str,
}

impl TemplateUploader<'_> {
    /// Points the template's code at the zip and its nested stacks at their
    /// uploaded (and likewise prepared) templates.
    fn prepare(
        &self,
        mut template: TemplateFile,
        depth: usize,
    ) -> Pin<Box<dyn Future<Output = Result<TemplateFile, DeployError>> + '_>> {
        Box::pin(async move {
            template.set_code(self.bucket, self.zip_key);
            let nested = template.nested();
            if !nested.is_empty() && depth >= rewrite::MAX_DEPTH {
                return Err(rewrite::TemplateError::TooDeep {
                    path: template.path,
                }
                .into());
            }
            let dir = template
                .path
                .parent()
                .map(Path::to_owned)
                .unwrap_or_default();
            for (logical_id, file) in nested {
                let child = TemplateFile::read(&dir.join(&file))?;
                let child = self.prepare(child, depth + 1).await?;
                let url = self.upload(child.to_bytes()).await?;
                template.set_template_url(&logical_id, &url);
            }
            Ok(template)
        })
    }

    /// Uploads a template under its content hash; returns its URL.
    async fn upload(&self, bytes: Vec<u8>) -> Result<String, DeployError> {
        let key = bucket::template_key(self.app_name, &bytes);
        bucket::upload_bytes(self.s3, self.bucket, &key, bytes).await?;
        Ok(rewrite::template_url(
            self.bucket,
            &key,
            &self.aws.region,
            self.aws.url_suffix(),
            self.aws.endpoint_url.is_some(),
        ))
    }
}

/// The stack's resources, sorted by logical ID.
pub async fn list_resources(
    cf: &aws_sdk_cloudformation::Client,
    stack_id: &str,
) -> Result<Vec<DeployedResource>, DeployError> {
    let mut resources = Vec::new();
    let mut token: Option<String> = None;
    for _page in 0..100 {
        let page = cf
            .list_stack_resources()
            .stack_name(stack_id)
            .set_next_token(token.clone())
            .send()
            .await
            .map_err(|e| call_error("CloudFormation.ListStackResources", e))?;
        resources.extend(page.stack_resource_summaries().iter().filter_map(|r| {
            Some(DeployedResource {
                logical_id: r
                    .logical_resource_id()
                    .filter(|id| !id.is_empty())?
                    .to_owned(),
                physical_id: r.physical_resource_id().unwrap_or_default().to_owned(),
                resource_type: r.resource_type().unwrap_or_default().to_owned(),
            })
        }));
        token = page.next_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    resources.sort_by(|a, b| a.logical_id.cmp(&b.logical_id));
    Ok(resources)
}

/// The API's URL and ID: the stack's `EndpointURL` and `RestAPIId` outputs,
/// or, when a stack has none (an emulator), built from its RestApi resource.
pub fn endpoint(
    aws: &Aws,
    info: &StackInfo,
    resources: &[DeployedResource],
    api_gateway_stage: &str,
) -> (Option<String>, Option<String>) {
    let rest_api_id = info.output("RestAPIId").map(str::to_owned).or_else(|| {
        resources
            .iter()
            .find(|r| r.resource_type == "AWS::ApiGateway::RestApi" && !r.physical_id.is_empty())
            .map(|r| r.physical_id.clone())
    });
    let url = info.output("EndpointURL").map(str::to_owned).or_else(|| {
        rest_api_id.as_ref().map(|id| {
            format!(
                "https://{id}.execute-api.{}.{}/{api_gateway_stage}/",
                aws.region,
                aws.url_suffix()
            )
        })
    });
    (url, rest_api_id)
}

/// The custom domain of the stack's `outputs` (`template::custom_domain`:
/// the REST API's or the WebSocket API's).
pub fn deployed_domain(info: &StackInfo, outputs: DomainOutputs) -> Option<state::DeployedDomain> {
    let [url, target, zone] = outputs;
    Some(state::DeployedDomain {
        url: info.output(url)?.to_owned(),
        dns_target: info.output(target).unwrap_or_default().to_owned(),
        hosted_zone_id: info.output(zone).unwrap_or_default().to_owned(),
    })
}

/// Where a stage is deployed: its stack name and the state file, if any.
#[derive(Debug, Clone)]
pub struct Target {
    /// The project directory.
    pub project_dir: PathBuf,
    /// The stage.
    pub stage: String,
    /// The stack's name.
    pub stack_name: String,
    /// The API Gateway stage.
    pub api_gateway_stage: String,
    /// The state file's content, if there is one.
    pub state: Option<DeployedState>,
}

impl Target {
    /// Finds the stage's stack from its state file or from the config.
    pub fn find(project_dir: &Path, stage: &str) -> Result<Self, DeployError> {
        let project = crate::project::Project::discover(project_dir)?;
        let config = crate::config::load(&project.dir, stage, &project.package)?;
        let state = state::read(&project.dir, stage)?;
        Ok(Self {
            stack_name: state
                .as_ref()
                .map(|s| s.stack_name.clone())
                .unwrap_or_else(|| stack_name(&config.app_name, stage)),
            api_gateway_stage: config.api_gateway_stage.clone(),
            project_dir: project.dir,
            stage: stage.to_owned(),
            state,
        })
    }

    /// Refuses a region other than the one the state file records (the stack
    /// would not be found there, and a delete would forget it).
    pub fn check_region(&self, aws: &Aws) -> Result<(), DeployError> {
        match &self.state {
            Some(state) if state.region != aws.region => Err(DeployError::OtherRegion {
                stage: self.stage.clone(),
                deployed: state.region.clone(),
                asked: aws.region.clone(),
            }),
            _ => Ok(()),
        }
    }

    /// The error of a stage that is not deployed.
    pub fn not_deployed(&self) -> DeployError {
        DeployError::NotDeployed {
            stage: self.stage.clone(),
            stack: self.stack_name.clone(),
            state_file: state::path(&self.project_dir, &self.stage),
        }
    }
}

/// `cargo chalice delete`: removes the notifications `deploy` wrote on buckets
/// outside the stack, deletes the stage's stack, waits, removes the state file.
pub async fn delete(aws: &Aws, target: &Target) -> Result<(), DeployError> {
    target.check_region(aws)?;
    // The buckets outside the stack first: their entries name the stack's functions.
    if let Some(state) = &target.state {
        notifications::unwire(&aws.s3(), &state.stack_name, &state.bucket_notifications)
            .await
            .map_err(|source| DeployError::Notifications {
                source,
                help: "nothing was deleted; fix the cause and run `cargo chalice delete` again",
            })?;
    }
    let cf = aws.cloudformation();
    let name = &target.stack_name;
    let Some(info) = stack::describe(&cf, name).await? else {
        eprintln!("stack {name} does not exist; nothing to delete");
        state::remove(&target.project_dir, &target.stage)?;
        return Ok(());
    };
    let total = list_resources(&cf, &info.stack_id).await?.len();
    eprintln!("deleting stack {name} ({total} resources)");
    let since = stack::newest_event(&cf, &info.stack_id).await?;
    stack::start_delete(&cf, &info.stack_id).await?;
    stack::wait(
        &cf,
        name,
        &info.stack_id,
        since,
        total,
        stack::STACK_TIMEOUT,
    )
    .await?;
    state::remove(&target.project_dir, &target.stage)?;
    eprintln!("deleted stack {name} (the deployment bucket and its artifacts are kept)");
    Ok(())
}

/// `cargo chalice url`: the REST API's URL (on its custom domain when it has
/// one) and the WebSocket API's (`wss://`), each when the app has it, from
/// the state file or the stack.
pub async fn url(options: &AwsOptions, target: &Target) -> Result<Vec<String>, DeployError> {
    if let Some(state) = &target.state {
        let rest = match &state.custom_domain {
            Some(domain) => Some(domain.url.clone()),
            None => state.endpoint_url.clone(),
        };
        let websocket = match &state.websocket_custom_domain {
            Some(domain) => Some(domain.url.clone()),
            None => websocket_url(&state.resources, &state.region, &target.api_gateway_stage),
        };
        let urls: Vec<String> = rest.into_iter().chain(websocket).collect();
        if !urls.is_empty() {
            return Ok(urls);
        }
    }
    let aws = Aws::load(options).await?;
    let cf = aws.cloudformation();
    let info = stack::describe(&cf, &target.stack_name)
        .await?
        .filter(|info| info.status != "REVIEW_IN_PROGRESS")
        .ok_or_else(|| target.not_deployed())?;
    let resources = list_resources(&cf, &info.stack_id).await?;
    let websocket = deployed_domain(&info, WEBSOCKET_OUTPUTS)
        .map(|domain| domain.url)
        .or_else(|| {
            info.output(crate::template::websocket_api::URL_OUTPUT)
                .map(str::to_owned)
        })
        .or_else(|| websocket_url(&resources, &aws.region, &target.api_gateway_stage));
    let rest = match deployed_domain(&info, REST_OUTPUTS) {
        Some(domain) => Some(domain.url),
        None => endpoint(&aws, &info, &resources, &target.api_gateway_stage).0,
    };
    let urls: Vec<String> = rest.into_iter().chain(websocket).collect();
    if urls.is_empty() {
        return Err(target.not_deployed());
    }
    Ok(urls)
}

/// The WebSocket API's `wss://` URL, from its resource among `resources`.
pub fn websocket_url(
    resources: &[DeployedResource],
    region: &str,
    api_gateway_stage: &str,
) -> Option<String> {
    let api = resources.iter().find(|r| {
        r.resource_type == "AWS::ApiGatewayV2::Api"
            && r.logical_id == crate::app::websocket_api::API_ID
            && !r.physical_id.is_empty()
    })?;
    let suffix = if region.starts_with("cn-") {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    };
    Some(format!(
        "wss://{}.execute-api.{region}.{suffix}/{api_gateway_stage}",
        api.physical_id
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_websocket_url_comes_from_the_api_resource() {
        let resource = |logical_id: &str, physical_id: &str, kind: &str| DeployedResource {
            logical_id: logical_id.to_owned(),
            physical_id: physical_id.to_owned(),
            resource_type: kind.to_owned(),
        };
        let resources = [
            resource("APIHandler", "chat-dev", "AWS::Lambda::Function"),
            resource("WebsocketAPI", "abc123", "AWS::ApiGatewayV2::Api"),
        ];
        assert_eq!(
            websocket_url(&resources, "eu-west-1", "api").as_deref(),
            Some("wss://abc123.execute-api.eu-west-1.amazonaws.com/api")
        );
        assert_eq!(
            websocket_url(&resources, "cn-north-1", "v1").as_deref(),
            Some("wss://abc123.execute-api.cn-north-1.amazonaws.com.cn/v1")
        );
        assert_eq!(websocket_url(&resources[..1], "eu-west-1", "api"), None);
    }
}

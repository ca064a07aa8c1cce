//! The entry points of `deploy`, `delete`, `url`, `logs`, `rollback` and `promote`, as the CLI calls them.

use super::{block_on, list_resources, DeployError, Packaged, Target};
use crate::aws::{Aws, AwsOptions};
use clap::Args;
use std::path::Path;

/// How to reach AWS: `--profile`, `--region`, `--endpoint-url`.
#[derive(Debug, Clone, Args)]
pub struct AwsArgs {
    /// A named profile of ~/.aws/config and ~/.aws/credentials.
    #[arg(long, env = "AWS_PROFILE")]
    pub profile: Option<String>,
    /// The AWS region (else the profile's region).
    #[arg(long, env = "AWS_REGION")]
    pub region: Option<String>,
    /// Send every AWS call to this endpoint (an emulator such as moto); S3 then uses path-style URLs.
    #[arg(long, env = "AWS_ENDPOINT_URL")]
    pub endpoint_url: Option<String>,
}

impl Target {
    /// The AWS options, with the region of the state file when none is given.
    pub fn aws_options(&self, args: &AwsArgs) -> AwsOptions {
        let mut options = args.options();
        if options.region.is_none() {
            options.region = self.state.as_ref().map(|s| s.region.clone());
        }
        options
    }
}

impl AwsArgs {
    /// The options of [`Aws::load`].
    pub fn options(&self) -> AwsOptions {
        AwsOptions {
            profile: self.profile.clone(),
            region: self.region.clone(),
            endpoint_url: self.endpoint_url.clone(),
        }
    }
}

/// `cargo chalice deploy` options.
#[derive(Debug, Clone, Args)]
pub struct DeployArgs {
    /// The stage of .chalice/config.json.
    #[arg(long, default_value = "dev")]
    pub stage: String,
    /// Lambda architecture (default: the stage's `architecture`, else arm64).
    #[arg(long, value_enum)]
    pub arch: Option<crate::artifact::Arch>,
    /// Print the values of the stage's API keys after the deploy (standard
    /// output only; they are never logged or stored).
    #[arg(long)]
    pub show_api_keys: bool,
    /// Keep the API stage on its deployment and send this percent of the requests to the new one (a stage canary; then `promote` or `rollback --canary`).
    #[arg(long, value_name = "PERCENT")]
    pub canary: Option<f64>,
    /// AWS access.
    #[command(flatten)]
    pub aws: AwsArgs,
}

/// `cargo chalice delete` and `url` options.
#[derive(Debug, Clone, Args)]
pub struct StackArgs {
    /// The stage of .chalice/config.json.
    #[arg(long, default_value = "dev")]
    pub stage: String,
    /// AWS access.
    #[command(flatten)]
    pub aws: AwsArgs,
}

/// `cargo chalice logs` options.
#[derive(Debug, Clone, Args)]
pub struct LogsArgs {
    /// The stage of .chalice/config.json.
    #[arg(long, default_value = "dev")]
    pub stage: String,
    /// Only this function: its key in `lambda_functions` (`api`, an authorizer's or an event function's name), its Lambda name or its logical ID (default: all).
    #[arg(long)]
    pub name: Option<String>,
    /// How far back to start: 30s, 10m, 2h, 1d.
    #[arg(long, default_value = "10m")]
    pub since: String,
    /// Keep printing new events until Ctrl-C.
    #[arg(long, short)]
    pub follow: bool,
    /// AWS access.
    #[command(flatten)]
    pub aws: AwsArgs,
}

/// `cargo chalice deploy`: package, then deploy; prints the API's URL.
///
/// AWS access is checked first, so that missing credentials are reported
/// before a long build. The region defaults to the one of the stage's state
/// file; another one is refused (the stack there would be forgotten).
pub fn deploy(project_dir: &Path, args: &DeployArgs) -> Result<(), DeployError> {
    let stage = args.stage.as_str();
    let target = Target::find(project_dir, stage)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(DeployError::Runtime)?;
    let aws = runtime.block_on(Aws::load(&target.aws_options(&args.aws)))?;
    target.check_region(&aws)?;
    let api_canary = match args.canary {
        Some(percent) => Some(crate::app::rollout::ApiCanary {
            percent,
            base_deployment: runtime.block_on(super::canary::served_deployment(
                &aws,
                target.state.as_ref(),
                stage,
                &target.api_gateway_stage,
            ))?,
        }),
        None => None,
    };
    let output = crate::package::package(&crate::package::PackageOptions {
        project_dir: target.project_dir.clone(),
        stage: stage.to_owned(),
        arch: args.arch,
        out_dir: target
            .project_dir
            .join(".chalice")
            .join("deployments")
            .join(stage),
        format: crate::package::TemplateFormat::Json,
        api_canary,
    })?;
    for warning in &output.policy_warnings {
        eprintln!("warning: {warning}");
    }
    for note in &output.event_notes {
        eprintln!("note: {note}");
    }
    if output.needs_account_role {
        match runtime.block_on(super::account::cloudwatch_role(&aws))? {
            Some(arn) => eprintln!(
                "API Gateway writes the stage's logs with the account's CloudWatch role {arn}"
            ),
            None => {
                return Err(DeployError::NoCloudWatchRole {
                    region: aws.region.clone(),
                    how: crate::app::api_logs::SET_ACCOUNT_ROLE,
                })
            }
        }
    }
    let packaged = Packaged::from(&output);
    let outcome = runtime.block_on(super::deploy_packaged(&aws, &target.project_dir, &packaged))?;
    if let Some(percent) = args.canary {
        eprintln!(
            "the API stage sends {percent} % of its requests to the new deployment; `cargo chalice promote --stage {stage}` serves it to all, `cargo chalice rollback --canary --stage {stage}` removes it"
        );
    }
    for domain in [
        &outcome.state.custom_domain,
        &outcome.state.websocket_custom_domain,
    ]
    .into_iter()
    .flatten()
    {
        eprintln!("{}", domain.instructions());
    }
    let websocket = super::websocket_url(
        &outcome.state.resources,
        &outcome.state.region,
        &target.api_gateway_stage,
    );
    match (&outcome.state.endpoint_url, &websocket) {
        (None, None) => println!(
            "deployed stack {} (it has no REST API)",
            outcome.state.stack_name
        ),
        (rest, websocket) => {
            if let Some(url) = rest {
                println!("Rest API URL: {url}");
            }
            if let Some(url) = websocket {
                println!("WebSocket API URL: {url}");
            }
        }
    }
    if args.show_api_keys {
        let ids: Vec<String> = outcome
            .state
            .of_type("AWS::ApiGateway::ApiKey")
            .map(|resource| resource.physical_id.clone())
            .collect();
        if ids.is_empty() {
            eprintln!("the stage has no API key (no route has `api_key_required = true`)");
        }
        let keys = runtime.block_on(super::api_keys::api_key_values(&aws.config, &ids))?;
        for key in keys {
            println!("API key {}: {}", key.name, key.value);
        }
    }
    Ok(())
}

/// `cargo chalice delete`.
pub fn delete(project_dir: &Path, args: &StackArgs) -> Result<(), DeployError> {
    let target = Target::find(project_dir, &args.stage)?;
    let aws = &target.aws_options(&args.aws);
    block_on(async {
        let aws = Aws::load(aws).await?;
        super::delete(&aws, &target).await
    })
}

/// `cargo chalice url`: prints the URL.
pub fn url(project_dir: &Path, args: &StackArgs) -> Result<(), DeployError> {
    let target = Target::find(project_dir, &args.stage)?;
    for url in block_on(super::url(&target.aws_options(&args.aws), &target))? {
        println!("{url}");
    }
    Ok(())
}

/// `cargo chalice logs`.
pub fn logs(project_dir: &Path, args: &LogsArgs) -> Result<(), DeployError> {
    let since = super::logs::parse_since(&args.since)?;
    let target = Target::find(project_dir, &args.stage)?;
    let aws = &target.aws_options(&args.aws);
    let name = args.name.as_deref();
    let follow = args.follow;
    block_on(async {
        let aws = Aws::load(aws).await?;
        target.check_region(&aws)?;
        let resources = match &target.state {
            Some(state) => state.resources.clone(),
            None => {
                let cf = aws.cloudformation();
                let info = super::stack::describe(&cf, &target.stack_name)
                    .await?
                    .ok_or_else(|| target.not_deployed())?;
                list_resources(&cf, &info.stack_id).await?
            }
        };
        let sources = super::logs::select_functions(&resources, &target.stack_name, name)?;
        let mut out = std::io::stdout().lock();
        super::logs::show(&aws, sources, since, follow, &mut out).await?;
        Ok(())
    })
}

/// `cargo chalice rollback` options.
#[derive(Debug, Clone, Args)]
pub struct RollbackArgs {
    /// The stage of .chalice/config.json.
    #[arg(long, default_value = "dev")]
    pub stage: String,
    /// Only this function: its key in `lambda_functions` (`api`, an authorizer's or an event function's name), its Lambda name or its logical ID (default: every function with versions).
    #[arg(long, conflicts_with = "canary")]
    pub name: Option<String>,
    /// Remove the API stage's canary (`deploy --canary`) instead: the stage keeps serving its deployment.
    #[arg(long)]
    pub canary: bool,
    /// AWS access.
    #[command(flatten)]
    pub aws: AwsArgs,
}

/// `cargo chalice rollback`: moves the stage's aliases back one version.
pub fn rollback(project_dir: &Path, args: &RollbackArgs) -> Result<(), DeployError> {
    let target = Target::find(project_dir, &args.stage)?;
    let state = target.state.clone().ok_or_else(|| target.not_deployed())?;
    let aws = &target.aws_options(&args.aws);
    if args.canary {
        let outcome = block_on(async {
            let aws = Aws::load(aws).await?;
            target.check_region(&aws)?;
            super::canary::settle(&aws, &state, &target.api_gateway_stage, false).await
        })?;
        println!("{}", describe(&outcome, &target.api_gateway_stage));
        return Ok(());
    }
    let moved = block_on(async {
        let aws = Aws::load(aws).await?;
        target.check_region(&aws)?;
        super::rollback::rollback(&aws, &state, args.name.as_deref()).await
    })?;
    for moved in moved {
        println!("{moved}");
    }
    Ok(())
}

/// `cargo chalice promote`: the API stage serves its canary's deployment.
pub fn promote(project_dir: &Path, args: &StackArgs) -> Result<(), DeployError> {
    let target = Target::find(project_dir, &args.stage)?;
    let state = target.state.clone().ok_or_else(|| target.not_deployed())?;
    let aws = &target.aws_options(&args.aws);
    let outcome = block_on(async {
        let aws = Aws::load(aws).await?;
        target.check_region(&aws)?;
        super::canary::settle(&aws, &state, &target.api_gateway_stage, true).await
    })?;
    println!("{}", describe(&outcome, &target.api_gateway_stage));
    Ok(())
}

/// What `promote` and `rollback --canary` did, in a line.
fn describe(outcome: &super::canary::CanaryOutcome, stage: &str) -> String {
    match outcome {
        super::canary::CanaryOutcome::Promoted { deployment_id } => {
            format!("stage {stage}: promoted the canary; every request goes to deployment {deployment_id}")
        }
        super::canary::CanaryOutcome::Dropped { deployment_id } => {
            format!("stage {stage}: removed the canary; every request goes to deployment {deployment_id}")
        }
    }
}

//! Command-line arguments and dispatch to the commands' modules.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// `cargo chalice`, as cargo invokes it (`cargo-chalice chalice ...`).
#[derive(Debug, Parser)]
#[command(name = "cargo", bin_name = "cargo")]
enum CargoCli {
    /// Build, serve, package and deploy chalice-rs apps.
    Chalice(Cli),
}

/// `cargo chalice` and its options.
#[derive(Debug, Parser)]
#[command(
    version,
    about = "Build, serve, package and deploy chalice-rs apps on AWS Lambda and API Gateway"
)]
pub struct Cli {
    /// The app's directory (holding Cargo.toml and .chalice/).
    #[arg(long, global = true, default_value = ".", env = "CHALICE_PROJECT_DIR")]
    pub project_dir: PathBuf,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the route table from the app's manifest.
    Routes(StageArgs),
    /// Build the Lambda `bootstrap` (static, musl) and zip it.
    Build(BuildArgs),
    /// Write deployment.zip and the CloudFormation template(s) to OUT_DIR.
    Package(PackageArgs),
    /// Serve the app on this machine: API Gateway and Lambda emulated, with hot reload.
    Local(crate::local::LocalArgs),
    /// Package, upload and deploy the stage through CloudFormation; prints the API's URL.
    Deploy(crate::deploy::commands::DeployArgs),
    /// Delete the stage's CloudFormation stack.
    Delete(crate::deploy::commands::StackArgs),
    /// Print the stage's API URLs (the REST API's, the WebSocket API's `wss://`).
    Url(crate::deploy::commands::StackArgs),
    /// Print the stage's function logs from CloudWatch Logs.
    Logs(crate::deploy::commands::LogsArgs),
    /// Invoke one function (deployed, or on this machine with --local) with an event; print its result and log.
    Invoke(crate::invoke::InvokeArgs),
    /// Create a project from a template (hello, rest-api, dynamodb).
    New(crate::new::NewArgs),
    /// Print the IAM policy generated from the app's AWS SDK calls (or its iam_policy_file).
    GenPolicy(GenPolicyArgs),
    /// Point the stage's alias of each function back to its previous version (no build), or remove the API stage's canary.
    Rollback(crate::deploy::commands::RollbackArgs),
    /// Serve the API stage's canary (`deploy --canary`) to every request.
    Promote(crate::deploy::commands::StackArgs),
    /// Print the deployed stage's API and function metrics over a window, with charts.
    Metrics(crate::metrics::MetricsArgs),
    /// Print the OpenAPI 3.0 document of the app's REST API.
    Openapi(crate::openapi::OpenApiArgs),
}

/// `--stage`.
#[derive(Debug, Clone, Args)]
pub struct StageArgs {
    /// The stage of .chalice/config.json.
    #[arg(long, default_value = "dev")]
    pub stage: String,
}

/// `cargo chalice gen-policy` options.
#[derive(Debug, Clone, Args)]
pub struct GenPolicyArgs {
    /// The stage of .chalice/config.json.
    #[arg(long, default_value = "dev")]
    pub stage: String,
    /// Print the whole policy of this function's role (its code's policy and
    /// what its event source needs) instead of the app's shared role's.
    #[arg(long)]
    pub name: Option<String>,
}

/// `cargo chalice build` options.
#[derive(Debug, Clone, Args)]
pub struct BuildArgs {
    /// The stage of .chalice/config.json.
    #[arg(long, default_value = "dev")]
    pub stage: String,
    /// Lambda architecture (default: the stage's `architecture`, else arm64).
    #[arg(long, value_enum)]
    pub arch: Option<crate::artifact::Arch>,
}

/// `cargo chalice package` options.
#[derive(Debug, Clone, Args)]
pub struct PackageArgs {
    /// The stage of .chalice/config.json.
    #[arg(long, default_value = "dev")]
    pub stage: String,
    /// Lambda architecture (default: the stage's `architecture`, else arm64).
    #[arg(long, value_enum)]
    pub arch: Option<crate::artifact::Arch>,
    /// Template format.
    #[arg(long, value_enum, default_value = "json")]
    pub template_format: crate::template::TemplateFormat,
    /// Where to write the template(s) and deployment.zip.
    pub out_dir: PathBuf,
}

/// Parses the command line, with or without cargo's `chalice` word.
pub fn parse() -> Cli {
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if args.get(1).is_some_and(|arg| arg == "chalice") {
        match CargoCli::parse_from(args) {
            CargoCli::Chalice(cli) => cli,
        }
    } else {
        if let Some(first) = args.first_mut() {
            *first = "cargo-chalice".into();
        }
        Cli::parse_from(args)
    }
}

/// Runs the command.
pub fn dispatch(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::New(args) => Ok(crate::new::run(&args)?),
        Command::GenPolicy(args) => {
            let app = crate::routes::load(&cli.project_dir, &args.stage)?;
            let (document, warnings) = match &args.name {
                Some(name) => app.role_of_function(name)?.render(),
                None => {
                    let Some(outcome) = &app.policy else {
                        let own: Vec<&str> = app
                            .roles
                            .managed
                            .iter()
                            .flat_map(|r| r.functions.iter().map(String::as_str))
                            .collect();
                        let hint = if own.is_empty() {
                            String::new()
                        } else {
                            format!(
                                "; these functions have a role of their own, whose policy `--name <function>` prints: {}",
                                own.join(", ")
                            )
                        };
                        anyhow::bail!(
                            "stage `{}` uses an existing role (`manage_iam_role` is false): chalice-rs writes no policy for it{hint}",
                            app.stage
                        );
                    };
                    crate::policy::render(outcome)
                }
            };
            print!("{document}");
            for warning in warnings {
                eprintln!("warning: {warning}");
            }
            Ok(())
        }
        Command::Openapi(args) => Ok(crate::openapi::run(&cli.project_dir, &args)?),
        Command::Local(args) => crate::local::run(&cli.project_dir, args).map_err(Into::into),
        Command::Deploy(args) => Ok(crate::deploy::commands::deploy(&cli.project_dir, &args)?),
        Command::Delete(args) => Ok(crate::deploy::commands::delete(&cli.project_dir, &args)?),
        Command::Url(args) => Ok(crate::deploy::commands::url(&cli.project_dir, &args)?),
        Command::Logs(args) => Ok(crate::deploy::commands::logs(&cli.project_dir, &args)?),
        Command::Invoke(args) => Ok(crate::invoke::run(&cli.project_dir, &args)?),
        Command::Rollback(args) => Ok(crate::deploy::commands::rollback(&cli.project_dir, &args)?),
        Command::Promote(args) => Ok(crate::deploy::commands::promote(&cli.project_dir, &args)?),
        Command::Metrics(args) => Ok(crate::metrics::run(&cli.project_dir, &args)?),
        Command::Routes(args) => {
            let app = crate::routes::load(&cli.project_dir, &args.stage)?;
            print!("{}", crate::routes::table(&app));
            Ok(())
        }
        Command::Build(args) => {
            let out = crate::package::build(&cli.project_dir, &args.stage, args.arch)?;
            println!(
                "built {} ({}, {} routes)\nzip {} ({} bytes, sha256 {})",
                out.binary.display(),
                out.arch,
                out.manifest.routes.len(),
                out.zip.path.display(),
                out.zip.size,
                out.zip.sha256
            );
            Ok(())
        }
        Command::Package(args) => {
            let out = crate::package::package(&crate::package::PackageOptions {
                project_dir: cli.project_dir.clone(),
                stage: args.stage,
                arch: args.arch,
                out_dir: args.out_dir,
                format: args.template_format,
                api_canary: None,
            })?;
            for warning in &out.policy_warnings {
                eprintln!("warning: {warning}");
            }
            for note in out.event_notes.iter().chain(&out.operation_notes) {
                println!("note: {note}");
            }
            println!("wrote {}", out.template_path.display());
            for nested in &out.nested_templates {
                println!("wrote {}", nested.display());
            }
            println!(
                "wrote {} (sha256 {})",
                out.zip_path.display(),
                out.zip_sha256
            );
            Ok(())
        }
    }
}

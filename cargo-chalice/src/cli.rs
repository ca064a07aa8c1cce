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
#[command(version, about = "Build, serve, package and deploy chalice-rs apps on AWS Lambda and API Gateway")]
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
}

/// `--stage`.
#[derive(Debug, Clone, Args)]
pub struct StageArgs {
    /// The stage of .chalice/config.json.
    #[arg(long, default_value = "dev")]
    pub stage: String,
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
        Command::Routes(args) => {
            let _ = (&cli.project_dir, args);
            anyhow::bail!("`routes` is being written")
        }
    }
}

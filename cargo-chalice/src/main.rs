//! `cargo chalice`: build, serve, package and deploy chalice-rs apps.

use cargo_chalice::cli;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = cli::parse();
    match cli::dispatch(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            for cause in error.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            ExitCode::FAILURE
        }
    }
}

//! `cargo chalice invoke --local`: the function run once on this machine,
//! from the host build (the pipeline `local` uses), under the same Runtime
//! API emulator and pool, with its stage environment and its own timeout; no
//! server port is opened.
//!
//! Standard error gets Lambda's `START` line, what the function writes (as
//! it writes it), then `END` and `REPORT`.

use super::{example_mismatch, finish, unknown_function, InvokeArgs, InvokeError};
use crate::app::App;
use crate::build::Target;
use crate::local::functions::{function_spec, local_region, FunctionResult};
use crate::local::logs::{self, Echo};
use crate::local::pool::{Invoke, Pool};
use crate::local::runtime_api::new_request_id;
use crate::project::Project;
use bytes::Bytes;
use std::path::Path;

/// Builds the app for this machine, resolves it in the stage and runs the
/// function `args.name` once with `payload`.
pub fn run(project_dir: &Path, args: &InvokeArgs, payload: Vec<u8>) -> Result<(), InvokeError> {
    let project = Project::discover(project_dir)?;
    let config = crate::config::load(&project.dir, &args.stage, &project.package)?;
    let built = crate::build::build(&project, Target::Host, false)?;
    let app = App::resolve(built.manifest, config)?;
    let function = app
        .function(&args.name)
        .or_else(|| app.functions.iter().find(|f| f.function_name == args.name))
        .ok_or_else(|| {
            let known: Vec<String> = app.functions.iter().map(|f| f.name.clone()).collect();
            unknown_function(&args.name, &args.stage, &known)
        })?;
    if let Some(kind) = &args.example {
        if let Some(warning) = example_mismatch(kind, &function.name, &function.trigger) {
            eprintln!("warning: {warning}");
        }
    }
    let spec = function_spec(&app, function, &built.binary, &local_region(), Echo::Stderr)?;
    let timeout = spec.timeout;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(InvokeError::Runtime)?;
    let request_id = new_request_id();
    eprintln!("{}", logs::start_line(&request_id));
    let invoked = runtime.block_on(async {
        let pool = Pool::new(spec, 1);
        let invoked = pool
            .clone()
            .invoke_with(
                request_id.clone(),
                Bytes::from(payload),
                Invoke {
                    limit: None,
                    capture: true,
                },
            )
            .await;
        pool.shutdown().await;
        invoked
    });
    runtime.shutdown_timeout(std::time::Duration::from_secs(2));
    // The function's own lines were echoed as they came; then END and REPORT.
    if let Some(log) = &invoked.log {
        for line in log.iter().rev().take(2).rev() {
            eprintln!("{line}");
        }
    }
    let result = FunctionResult::of(&invoked, &request_id, timeout);
    finish(&function.name, &result.payload, result.error_summary())
}

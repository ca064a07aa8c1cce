//! `cargo chalice local`: API Gateway and Lambda on the developer's machine.
//!
//! The app's bootstrap is built for the host and run under a Lambda Runtime
//! API emulator ([`runtime_api`]), one event per instance, in a pool per
//! function that grows with load ([`pool`]). In front, an API Gateway
//! emulator ([`gateway_server`]) routes requests over the manifest's
//! resources and sends REST v1 proxy events; the same server answers the
//! Lambda Invoke API ([`invoke_api`]) for every function ([`functions`]),
//! and [`schedules`] fires the `#[schedule]` functions. [`reload`] rebuilds
//! on changes and swaps the pools.

pub mod api_keys;
pub mod authorizers;
pub mod banner;
pub mod console;
pub mod cron;
pub mod finish_on_drop;
pub mod front_door;
pub mod functions;
pub mod gateway_responses;
pub mod gateway_server;
pub mod governance;
pub mod invoke_api;
pub mod limits;
pub mod logs;
pub mod pool;
pub mod proxy_response;
pub mod reload;
pub mod request_models;
pub mod resource_policy;
pub mod runtime_api;
pub mod schedules;
pub mod stdout;
pub mod websocket;

use crate::app::resources::ResourcesError;
use crate::app::rest_api::RestApi;
use crate::app::{App, AppError};
use crate::config::{self, ConfigError};
use crate::host_target::{self, HostTarget};
use crate::project::{Project, ProjectError};
use api_keys::{ApiKeys, API_KEYS_ENV};
use authorizers::{Authorizers, AuthorizersError};
use chalice_rs_runtime::gateway::EventSettings;
use chalice_rs_runtime::manifest::{Authorizer, Manifest};
use clap::Args;
use functions::{function_spec, local_region, Functions};
use gateway_responses::GatewayResponses;
use gateway_server::{ApiGeneration, Gateway, Generation};
use governance::Governance;
use limits::Limits;
use logs::Echo;
use pool::{Pool, PoolError};
use request_models::{ModelError, RequestModels};
use resource_policy::ResourcePolicy;
use std::collections::{BTreeMap, VecDeque};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// `cargo chalice local` options.
#[derive(Debug, Clone, Args)]
pub struct LocalArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// Port to listen on (0 picks a free one; the banner shows it).
    #[arg(long, default_value_t = 8000)]
    pub port: u16,
    /// The stage of .chalice/config.json.
    #[arg(long, default_value = "dev")]
    pub stage: String,
    /// Do not rebuild and reload when the sources change.
    #[arg(long)]
    pub no_autoreload: bool,
    /// The most instances of each function running at once.
    // The default, 4, served the most requests per second on a 2-core
    // machine, with 3 (bench/local-floor.sh: 2 and 10 instances served fewer).
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..))]
    pub max_instances: u16,
    /// Do not fire the `#[schedule]` functions.
    #[arg(long, conflicts_with = "schedules_now")]
    pub no_schedules: bool,
    /// Also fire each `#[schedule]` function once right after the start.
    #[arg(long)]
    pub schedules_now: bool,
    /// Port of the WebSocket API (default: --port + 1; 0 picks a free one).
    #[arg(long)]
    pub websocket_port: Option<u16>,
    /// Seconds a WebSocket connection may stay idle (API Gateway: 600).
    #[arg(long, default_value_t = 600, value_parser = clap::value_parser!(u64).range(1..))]
    pub websocket_idle_timeout: u64,
    /// Seconds a WebSocket connection may stay open (API Gateway: 7200).
    #[arg(long, default_value_t = 7200, value_parser = clap::value_parser!(u64).range(1..))]
    pub websocket_max_lifetime: u64,
}

/// Why the local server cannot start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum LocalError {
    /// The project cannot be found.
    #[error(transparent)]
    Project(#[from] ProjectError),
    /// `.chalice/config.json` is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// cargo could not be started.
    #[error("cannot run cargo: {0}")]
    Cargo(std::io::Error),
    /// The build failed; cargo showed why.
    #[error("`cargo build` failed for {0}; see the compiler's errors above")]
    BuildFailed(String),
    /// The built binary could not be copied aside.
    #[error("cannot copy {from} to {to}: {source}")]
    Snapshot {
        /// The built binary.
        from: PathBuf,
        /// The copy.
        to: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The binary did not print a manifest.
    #[error("cannot read the manifest of {binary}: {message} (is it a chalice-rs app calling `chalice_rs_runtime::run`?)")]
    Manifest {
        /// The binary.
        binary: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// The address cannot be listened on.
    #[error("cannot listen on {address}: {source} (pick another port with --port)")]
    Bind {
        /// `host:port`.
        address: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// The async runtime or a temporary directory could not be created.
    #[error("cannot start the server: {0}")]
    Io(std::io::Error),
    /// The file watcher could not start.
    #[error("cannot watch the sources for changes: {0} (use --no-autoreload)")]
    Watch(#[from] notify::Error),
    /// The function could not start.
    #[error(transparent)]
    Start(#[from] PoolError),
    /// An authorizer cannot run locally.
    #[error(transparent)]
    Authorizers(#[from] AuthorizersError),
    /// A request model's schema cannot be compiled.
    #[error(transparent)]
    RequestModel(#[from] ModelError),
    /// The app cannot be resolved: `package` refuses it too, with this message.
    #[error(transparent)]
    App(#[from] AppError),
    /// An environment variable cannot be resolved on this machine.
    #[error(transparent)]
    Environment(#[from] ResourcesError),
    /// A schedule expression cannot be evaluated.
    #[error(transparent)]
    Schedule(#[from] schedules::ScheduleError),
}

/// Runs the local server for the project in `project_dir` until Ctrl-C.
pub fn run(project_dir: &Path, args: LocalArgs) -> Result<(), LocalError> {
    // One thread serves the gateway, the Runtime API and the rest: the
    // instances are the other processes that need the cores. Against tokio's
    // multi-thread scheduler it served more requests per second, and more
    // steadily, with less CPU per request (bench/local-floor.sh, 2 cores: 82-86 %
    // of the floor against 67-87 %); builds and file reads run elsewhere
    // (child processes, `spawn_blocking`).
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(LocalError::Io)?;
    let result = runtime.block_on(serve(project_dir, args));
    // Tasks still holding instances are dropped here, which kills their processes.
    runtime.shutdown_timeout(Duration::from_secs(2));
    result
}

async fn serve(project_dir: &Path, args: LocalArgs) -> Result<(), LocalError> {
    let project_dir = project_dir.to_owned();
    let (project, target) = tokio::task::spawn_blocking(move || {
        Project::discover(&project_dir).map(|project| {
            let target = host_target::choose(&project);
            (project, target)
        })
    })
    .await
    .map_err(|e| LocalError::Io(std::io::Error::other(e)))??;
    if let HostTarget::Native(why) = &target {
        eprintln!(
            "chalice local: instances run a build for this machine's libc, not Lambda's (musl): {why}"
        );
    }
    let mut loader = Loader::new(
        project,
        target,
        args.stage.clone(),
        usize::from(args.max_instances),
    )?;
    let (generation, app) = loader.load().await?;
    let address = format!("{}:{}", args.host, args.port);
    let listener = tokio::net::TcpListener::bind((args.host.as_str(), args.port))
        .await
        .map_err(|source| LocalError::Bind {
            address: address.clone(),
            source,
        })?;
    let local = listener.local_addr().map_err(LocalError::Io)?;
    let project_dir = loader.project.dir.clone();
    let gateway = Gateway::new(generation);
    let server = tokio::spawn(gateway.clone().serve(listener));
    // The watcher exists before the banner says the server is up, so that no
    // change made after the banner is missed.
    let reloader = if args.no_autoreload {
        None
    } else {
        let watcher = reload::Reloader::new(loader, gateway.clone())?;
        Some(tokio::spawn(watcher.run()))
    };
    // The WebSocket API, on its own port (as on AWS, its own host), when the
    // app has WebSocket handlers.
    let websocket = match &app.websocket_api {
        Some(_) => Some(websocket::start(gateway.clone(), &args).await?),
        None => None,
    };
    // Running even without schedules: a reload may add some.
    let scheduler = (!args.no_schedules).then(|| {
        tokio::spawn(schedules::run(
            gateway.clone(),
            gateway.current().region.clone(),
            args.schedules_now,
        ))
    });
    banner::print(
        &app,
        &gateway.current(),
        banner::Addresses {
            http: local,
            websocket: websocket.as_ref().map(|(address, _)| *address),
        },
        &args,
        &project_dir,
    );
    wait_for_shutdown_signal().await;
    stdout::flush();
    println!("chalice local: stopping");
    server.abort();
    let _ = server.await;
    let websocket_task = websocket.map(|(_, task)| task);
    for task in [reloader, scheduler, websocket_task].into_iter().flatten() {
        task.abort();
        let _ = task.await;
    }
    gateway.current().shutdown().await;
    stdout::flush();
    Ok(())
}

async fn wait_for_shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = terminate.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Builds the app and turns a build into a [`Generation`]; keeps the copies
/// of the binaries that instances run (cargo may overwrite the original while
/// they do).
#[derive(Debug)]
pub struct Loader {
    project: Project,
    /// What the app is built for ([`host_target::choose`], once per run).
    host_target: HostTarget,
    stage: String,
    max_instances: usize,
    snapshots: tempfile::TempDir,
    kept: VecDeque<PathBuf>,
    builds: u64,
    /// What the last `cargo build` wrote on stderr (the compiler's errors),
    /// without terminal colours.
    pub last_build_output: String,
}

impl Loader {
    fn new(
        project: Project,
        host_target: HostTarget,
        stage: String,
        max_instances: usize,
    ) -> Result<Self, LocalError> {
        let snapshots = tempfile::Builder::new()
            .prefix("chalice-local-")
            .tempdir()
            .map_err(LocalError::Io)?;
        Ok(Self {
            project,
            host_target,
            stage,
            max_instances,
            snapshots,
            kept: VecDeque::new(),
            builds: 0,
            last_build_output: String::new(),
        })
    }

    /// Reads the config, builds, reads the manifest, resolves the app (with
    /// the checks `package` makes) and starts one instance of the API
    /// function and of each Lambda authorizer; the other functions start on
    /// their first invocation.
    async fn load(&mut self) -> Result<(Generation, App), LocalError> {
        let config = config::load(&self.project.dir, &self.stage, &self.project.package)?;
        let binary = self.build().await?;
        let manifest = read_manifest(&binary).await?;
        let app = tokio::task::spawn_blocking(move || App::resolve(manifest, config))
            .await
            .map_err(|e| LocalError::Io(std::io::Error::other(e)))??;
        let region = local_region();
        let api = match (&app.rest_api, app.api_function()) {
            (Some(api), Some(function)) => {
                Some(self.api(&app, api, function, &binary, &region).await?)
            }
            _ => None,
        };
        let functions = Functions::new(&app, &binary, &region, self.max_instances, Echo::Split)?;
        let schedules = schedules::scheduled(&app, &region)?;
        let generation = Generation {
            api,
            websocket: app.websocket_api.clone(),
            functions,
            schedules,
            region,
        };
        Ok((generation, app))
    }

    /// The REST API served by `function` (prewarmed, with its authorizers).
    async fn api(
        &self,
        app: &App,
        api: &RestApi,
        function: &crate::app::function::Function,
        binary: &Path,
        region: &str,
    ) -> Result<ApiGeneration, LocalError> {
        let spec = function_spec(app, function, binary, region, Echo::Split)?;
        let settings = EventSettings {
            stage: api.stage_name.clone(),
            stage_variables: api
                .stage_variables
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            binary_media_types: api.binary_media_types.clone(),
            ..EventSettings::default()
        };
        let governance = self.governance(app, api, binary, &settings, region)?;
        let pool = Pool::new(spec, self.max_instances);
        pool.prewarm().await?;
        governance.authorizers.prewarm().await?;
        let generation = ApiGeneration::new(api, settings, pool, governance);
        // The console's document: relative to the page's server.
        let document = crate::openapi::document(
            app,
            &crate::openapi::Options {
                server_url: Some("/".to_owned()),
                aws_extensions: None,
            },
        );
        Ok(match document {
            Ok(document) => generation.with_openapi(document),
            Err(_) => generation,
        })
    }

    /// The stage's checks: authorizers (each its own pool of `binary`), API
    /// keys, throttling and quotas, gateway responses, resource policy.
    fn governance(
        &self,
        app: &App,
        api: &RestApi,
        binary: &Path,
        settings: &EventSettings,
        region: &str,
    ) -> Result<Governance, LocalError> {
        let mut specs = BTreeMap::new();
        for authorizer in api.authorizers.values() {
            let name = &authorizer.definition.name;
            if let Some(function) = app.authorizer_function(name) {
                specs.insert(
                    name.clone(),
                    function_spec(app, function, binary, region, Echo::Split)?,
                );
            }
        }
        let definitions: Vec<Authorizer> = api
            .authorizers
            .values()
            .map(|a| a.definition.clone())
            .collect();
        let authorizers = Authorizers::new(
            &definitions,
            |authorizer| specs[&authorizer.name].clone(),
            self.max_instances,
        )?;
        let key_names: Vec<String> = api.api_keys.iter().map(|k| k.name.clone()).collect();
        let api_keys = ApiKeys::new(&key_names, std::env::var(API_KEYS_ENV).ok().as_deref());
        let limits = (api.stage_throttle.is_some()
            || api.usage_plan.throttle.is_some()
            || api.usage_plan.quota.is_some())
        .then(|| {
            let routes = api
                .route_throttles
                .iter()
                .map(|t| (t.method.clone(), t.resource_path.clone(), t.limits.clone()))
                .collect();
            Limits::new(
                api.stage_throttle.clone().unwrap_or_default(),
                routes,
                &api.usage_plan,
            )
        });
        let api_arn = format!(
            "arn:aws:execute-api:{region}:{}:{}",
            settings.account_id, settings.api_id
        );
        let resource_policy = api.resource_policy.as_ref().map(|document| {
            let (policy, warnings) = ResourcePolicy::new(document, &api_arn);
            for warning in warnings {
                eprintln!("chalice local: {warning}");
            }
            policy
        });
        Ok(Governance {
            authorizers,
            api_keys,
            limits,
            responses: GatewayResponses::new(api.gateway_responses.clone(), api.stage_name.clone()),
            resource_policy,
            request_models: RequestModels::new(&api.models)?,
            stage_arn: format!("{api_arn}/{}", api.stage_name),
        })
    }

    /// Runs the host build (for Lambda's libc when it can be: [`host_target`])
    /// and copies the binary aside.
    async fn build(&mut self) -> Result<PathBuf, LocalError> {
        // The pipeline's host build, run here so that a reload can cancel it.
        let mut command = host_target::build_command(&self.project, &self.host_target);
        // cargo's errors go to the terminal as before, and to the console.
        if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
            command.arg("--color=always");
        }
        let mut command = tokio::process::Command::from(command);
        command
            .kill_on_drop(true)
            .stderr(std::process::Stdio::piped());
        let mut child = command.spawn().map_err(LocalError::Cargo)?;
        let mut output = Vec::new();
        if let Some(stderr) = child.stderr.take() {
            use tokio::io::AsyncBufReadExt as _;
            let mut lines = tokio::io::BufReader::new(stderr).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                eprintln!("{line}");
                output.push(line);
            }
        }
        let status = child.wait().await.map_err(LocalError::Cargo)?;
        self.last_build_output = strip_colours(&output.join("\n"));
        if !status.success() {
            return Err(LocalError::BuildFailed(self.project.package.clone()));
        }
        self.builds += 1;
        let built = host_target::binary_path(&self.project, &self.host_target);
        let dir = self.snapshots.path().join(format!("build-{}", self.builds));
        let copy = dir.join(
            built
                .file_name()
                .unwrap_or(std::ffi::OsStr::new("bootstrap")),
        );
        let snapshot_error = |source| LocalError::Snapshot {
            from: built.clone(),
            to: copy.clone(),
            source,
        };
        tokio::fs::create_dir_all(&dir)
            .await
            .map_err(snapshot_error)?;
        tokio::fs::copy(&built, &copy)
            .await
            .map_err(snapshot_error)?;
        // Keep the last two builds: instances of the previous one may still be finishing.
        self.kept.push_back(dir);
        while self.kept.len() > 3 {
            if let Some(old) = self.kept.pop_front() {
                let _ = tokio::fs::remove_dir_all(old).await;
            }
        }
        Ok(copy)
    }
}

/// `text` without its terminal colour sequences (`ESC [ ... m`).
fn strip_colours(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' && chars.peek() == Some(&'[') {
            for next in chars.by_ref() {
                if next.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Reads the manifest of the host build `binary` (see [`crate::build`]).
async fn read_manifest(binary: &Path) -> Result<Manifest, LocalError> {
    let path = binary.to_owned();
    let read = tokio::task::spawn_blocking(move || crate::build::manifest_of_runnable(&path))
        .await
        .map_err(|e| LocalError::Io(std::io::Error::other(e)))?;
    read.map_err(|error| LocalError::Manifest {
        binary: binary.to_owned(),
        message: match error {
            crate::app_manifest::AppManifestError::Run { message, .. } => message,
            other => other.to_string(),
        },
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn colours_are_stripped_from_the_build_output() {
        assert_eq!(
            super::strip_colours("\u{1b}[1m\u{1b}[91merror[E0308]\u{1b}[0m: mismatched types"),
            "error[E0308]: mismatched types"
        );
    }
}

//! Instances of one function: bootstrap processes under the Runtime API.
//!
//! As on Lambda, an instance handles one event at a time; the pool starts a
//! new instance (a cold start) when every instance is busy, up to
//! `max_instances`; a crashed instance is dropped and a later request starts a
//! new one; an invocation that outlives the timeout kills its instance.
//! Behind API Gateway an invocation also ends at the gateway's 29 s; invoked
//! directly (the Invoke API, a schedule, `cargo chalice invoke`) only the
//! function's own timeout applies, and its log can be captured
//! ([`super::logs`]).

use super::logs::{self, Echo, InstanceOutput, Report};
use super::runtime_api::{Invocation, Reply, RuntimeApi};
use bytes::Bytes;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::pin::Pin;
use std::process::Stdio;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::process::{Child, Command};
use tokio::sync::{oneshot, watch, Semaphore};
use tokio::time::Instant;

/// API Gateway's integration timeout: 29 s, whatever the function's timeout.
pub const GATEWAY_TIMEOUT: Duration = Duration::from_secs(29);

/// How long an instance may take to start (Lambda's init limit).
pub const INIT_TIMEOUT: Duration = Duration::from_secs(10);

/// Numbers instances across pools, for messages.
static NEXT_INSTANCE: AtomicU64 = AtomicU64::new(1);

/// Why an instance could not be started.
#[derive(Debug, thiserror::Error)]
pub enum PoolError {
    /// The Runtime API endpoint could not listen.
    #[error("cannot open a Runtime API endpoint: {0}")]
    Listen(std::io::Error),
    /// The bootstrap could not be started.
    #[error("cannot start {binary}: {source}")]
    Spawn {
        /// The binary.
        binary: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The bootstrap exited before asking for its first event.
    #[error("the function exited during init ({0})")]
    ExitedDuringInit(String),
    /// The runtime reported an init error.
    #[error("the function failed to initialise: {0}")]
    InitError(String),
    /// Init took longer than Lambda allows.
    #[error("the function did not finish init within {} s", INIT_TIMEOUT.as_secs())]
    InitTimeout,
    /// The pool is shut down.
    #[error("the server is shutting down")]
    ShutDown,
}

/// How to start an instance of the function.
#[derive(Debug, Clone)]
pub struct FunctionSpec {
    /// The bootstrap binary.
    pub binary: PathBuf,
    /// Environment variables, beyond the inherited ones and `AWS_LAMBDA_RUNTIME_API`.
    pub env: BTreeMap<String, String>,
    /// The function timeout (`lambda_timeout`).
    pub timeout: Duration,
    /// The function's ARN (`Lambda-Runtime-Invoked-Function-Arn`).
    pub function_arn: String,
    /// Its memory size in MB (`lambda_memory_size`), for the `REPORT` line.
    pub memory_mb: u32,
    /// Where its instances' output is echoed.
    pub echo: Echo,
}

/// How an invocation ended.
#[derive(Debug)]
pub enum Outcome {
    /// The function answered; the payload is its proxy response.
    Response(Bytes),
    /// The function reported an error (the runtime's error document).
    FunctionError(Bytes),
    /// The function's answer was over Lambda's 6 MB limit.
    ResponseTooLarge,
    /// The instance died while handling the event.
    Crashed(String),
    /// The instance could not be started, or failed during init.
    StartFailed(String),
    /// The invocation outlived the function timeout or API Gateway's 29 s.
    TimedOut,
}

/// An invocation's outcome and whether it needed a new instance.
#[derive(Debug)]
pub struct Invoked {
    /// How it ended.
    pub outcome: Outcome,
    /// Whether a new instance was started for it.
    pub cold: bool,
    /// Its log (`START`, what the function wrote, `END`, `REPORT`), when
    /// asked for with [`Invoke::capture`].
    pub log: Option<Vec<String>>,
    /// From the event's delivery to the answer (zero if never delivered).
    pub duration: Duration,
    /// The number of the instance that ran it (0: none started).
    pub instance: u64,
}

/// How to run one invocation.
#[derive(Debug, Clone, Copy)]
pub struct Invoke {
    /// Ends the invocation this long after it was asked for, whatever the
    /// function's timeout (API Gateway's 29 s); `None` for a direct invocation.
    pub limit: Option<Duration>,
    /// Collect the invocation's log lines ([`Invoked::log`]).
    pub capture: bool,
}

impl Invoke {
    /// Behind API Gateway: its 29 s limit, no log kept.
    pub const GATEWAY: Invoke = Invoke {
        limit: Some(GATEWAY_TIMEOUT),
        capture: false,
    };
    /// Invoked directly, with its log.
    pub const DIRECT: Invoke = Invoke {
        limit: None,
        capture: true,
    };
}

/// One bootstrap process and its Runtime API endpoint.
///
/// The process itself is owned by a watcher task, which reaps it once and
/// publishes how it exited: an invocation waits on that (a channel), instead
/// of polling the process (a `waitpid` call each time it wakes up).
#[derive(Debug)]
struct Instance {
    number: u64,
    /// How the process exited, once it has (`None` while it runs).
    exited: watch::Receiver<Option<String>>,
    /// Dropping or sending kills the process.
    kill: Option<oneshot::Sender<()>>,
    api: RuntimeApi,
    /// Its stdout and stderr.
    output: InstanceOutput,
    /// Its process id, for its peak memory.
    pid: Option<u32>,
    /// When it was started.
    spawned: Instant,
    /// Whether it has finished init (asked for an event).
    ready: bool,
    /// How long init took, until its first invocation reports it.
    init: Option<Duration>,
    /// Whether an invocation has reported init yet.
    reported_init: bool,
    /// A warm invocation's deadline, one timer for the instance's life:
    /// moving a registered timer later is an atomic store, where registering
    /// a new one (a timer per invocation) woke the I/O driver through its
    /// eventfd, a system call per request.
    deadline: Pin<Box<tokio::time::Sleep>>,
}

/// How one invocation on an instance went.
struct Run {
    outcome: Outcome,
    /// When the runtime took the event.
    delivered: Option<Instant>,
    /// When the answer (or the failure) came.
    finished: Instant,
}

/// Owns `child` until it exits (or is killed on request, or when the task is
/// dropped with the runtime: `kill_on_drop`), then publishes its exit.
async fn watch_child(
    mut child: Child,
    kill: oneshot::Receiver<()>,
    exited: watch::Sender<Option<String>>,
) {
    let status = tokio::select! {
        status = child.wait() => status,
        // A kill request, or the instance dropped without stop().
        _ = kill => {
            let _ = child.start_kill();
            child.wait().await
        }
    };
    exited.send_replace(Some(describe_exit(status)));
}

impl Instance {
    async fn start(spec: &FunctionSpec) -> Result<Self, PoolError> {
        let number = NEXT_INSTANCE.fetch_add(1, Ordering::Relaxed);
        let api = RuntimeApi::start(spec.function_arn.clone())
            .await
            .map_err(PoolError::Listen)?;
        let (output, ends) = InstanceOutput::open(spec.echo).map_err(PoolError::Listen)?;
        let mut command = Command::new(&spec.binary);
        command
            .envs(&spec.env)
            .env("AWS_LAMBDA_RUNTIME_API", api.endpoint())
            .env(
                "AWS_LAMBDA_LOG_STREAM_NAME",
                format!("local/[$LATEST]instance-{number}"),
            )
            .stdin(Stdio::null())
            .stdout(ends.stdout)
            .stderr(ends.stderr)
            .kill_on_drop(true);
        let spawned = Instant::now();
        let child = command.spawn().map_err(|source| PoolError::Spawn {
            binary: spec.binary.clone(),
            source,
        })?;
        // The command holds the instance's ends until it is dropped: the
        // readers see the end of the output once the instance exits.
        drop(command);
        let pid = child.id();
        let (kill_tx, kill_rx) = oneshot::channel();
        let (exited_tx, exited_rx) = watch::channel(None);
        tokio::spawn(watch_child(child, kill_rx, exited_tx));
        Ok(Self {
            number,
            exited: exited_rx,
            kill: Some(kill_tx),
            api,
            output,
            pid,
            spawned,
            ready: false,
            init: None,
            reported_init: false,
            deadline: Box::pin(tokio::time::sleep_until(spawned + INIT_TIMEOUT)),
        })
    }

    /// Resolves with how the process exited, once it has.
    fn exit(&self) -> impl std::future::Future<Output = String> + Send + 'static {
        let mut exited = self.exited.clone();
        async move {
            match exited.wait_for(Option::is_some).await {
                Ok(status) => status.clone().unwrap_or_default(),
                Err(_) => "its watcher is gone".to_owned(),
            }
        }
    }

    /// Waits until the runtime asks for its first event.
    async fn wait_ready(&mut self) -> Result<(), PoolError> {
        let ready = tokio::select! {
            () = self.api.ready() => Ok(()),
            status = self.exit() => Err(PoolError::ExitedDuringInit(status)),
            error = self.api.init_failed() => Err(PoolError::InitError(error)),
            () = tokio::time::sleep(INIT_TIMEOUT) => Err(PoolError::InitTimeout),
        };
        if ready.is_ok() {
            self.ready = true;
            self.init = Some(self.spawned.elapsed());
        }
        ready
    }

    async fn invoke(
        &mut self,
        request_id: String,
        payload: Bytes,
        timeout: Duration,
        limit: Option<Instant>,
    ) -> Run {
        let mut delivered_at = None;
        let outcome = self
            .run(request_id, payload, timeout, limit, &mut delivered_at)
            .await;
        if delivered_at.is_some() && !self.ready {
            self.ready = true;
            self.init = delivered_at.map(|at| at.saturating_duration_since(self.spawned));
        }
        Run {
            outcome,
            delivered: delivered_at,
            finished: Instant::now(),
        }
    }

    async fn run(
        &mut self,
        request_id: String,
        payload: Bytes,
        timeout: Duration,
        limit: Option<Instant>,
        delivered_at: &mut Option<Instant>,
    ) -> Outcome {
        let (reply_tx, reply_rx) = oneshot::channel();
        let (delivered_tx, mut delivered_rx) = oneshot::channel();
        let invocation = Invocation {
            request_id,
            payload,
            timeout,
            delivered: delivered_tx,
            reply: reply_tx,
        };
        if self.api.send(invocation).await.is_err() {
            return Outcome::Crashed("the Runtime API endpoint is gone".to_owned());
        }
        if self.ready {
            return self
                .run_warm(reply_rx, delivered_rx, timeout, limit, delivered_at)
                .await;
        }
        // An instance still in init has Lambda's init limit to take the event;
        // the function timeout runs from the moment the runtime takes it.
        let init_deadline = (!self.ready).then(|| self.spawned + INIT_TIMEOUT);
        let function_timer = async {
            let delivered = match init_deadline {
                Some(deadline) => tokio::time::timeout_at(deadline, &mut delivered_rx)
                    .await
                    .ok(),
                None => Some((&mut delivered_rx).await),
            };
            match delivered {
                Some(at) => {
                    let at = at.unwrap_or_else(|_| Instant::now());
                    *delivered_at = Some(at);
                    tokio::time::sleep_until(at + timeout).await;
                    Outcome::TimedOut
                }
                None => Outcome::StartFailed(PoolError::InitTimeout.to_string()),
            }
        };
        let limit = async {
            match limit {
                Some(limit) => tokio::time::sleep_until(limit).await,
                None => std::future::pending().await,
            }
        };
        let outcome = tokio::select! {
            biased;
            reply = reply_rx => outcome_of(reply),
            status = self.exit() => Outcome::Crashed(status),
            error = self.api.init_failed() => Outcome::StartFailed(PoolError::InitError(error).to_string()),
            outcome = function_timer => outcome,
            () = limit => Outcome::TimedOut,
        };
        // The answer may have come before the timer saw the delivery.
        if delivered_at.is_none() {
            *delivered_at = delivered_rx.try_recv().ok();
        }
        outcome
    }

    /// [`Instance::run`] on an instance past its init, waiting in `/next`:
    /// it takes the event at once, so the function timeout runs from now,
    /// and one timer serves both limits.
    async fn run_warm(
        &mut self,
        reply: oneshot::Receiver<Reply>,
        mut delivered: oneshot::Receiver<Instant>,
        timeout: Duration,
        limit: Option<Instant>,
        delivered_at: &mut Option<Instant>,
    ) -> Outcome {
        let deadline = match limit {
            Some(limit) => limit.min(Instant::now() + timeout),
            None => Instant::now() + timeout,
        };
        self.deadline.as_mut().reset(deadline);
        let exit = self.exit();
        let outcome = tokio::select! {
            biased;
            reply = reply => outcome_of(reply),
            status = exit => Outcome::Crashed(status),
            () = &mut self.deadline => Outcome::TimedOut,
        };
        *delivered_at = delivered.try_recv().ok();
        outcome
    }

    /// Kills the process and waits until it is reaped.
    async fn stop(mut self) {
        if let Some(kill) = self.kill.take() {
            let _ = kill.send(());
        }
        let _ = self.exit().await;
        self.output.close();
    }
}

/// How an invocation ended, from what its instance's Runtime API said.
fn outcome_of(reply: Result<Reply, oneshot::error::RecvError>) -> Outcome {
    match reply {
        Ok(Reply::Response(body)) => Outcome::Response(body),
        Ok(Reply::FunctionError(body)) => Outcome::FunctionError(body),
        Ok(Reply::ResponseTooLarge) => Outcome::ResponseTooLarge,
        Err(_) => Outcome::Crashed("the Runtime API endpoint is gone".to_owned()),
    }
}

fn describe_exit(status: std::io::Result<std::process::ExitStatus>) -> String {
    match status {
        Ok(status) => status.to_string(),
        Err(error) => format!("cannot wait for it: {error}"),
    }
}

/// The instances of one build of one function.
#[derive(Debug)]
pub struct Pool {
    spec: FunctionSpec,
    permits: Arc<Semaphore>,
    /// Idle instances and whether the pool is retired, under one lock.
    idle: Mutex<(Vec<Instance>, bool)>,
    /// The most instances at once.
    max_instances: usize,
    /// How many instances were started (cold starts, the prewarmed one included).
    started: std::sync::atomic::AtomicU64,
}

/// How many instances a pool runs, for the console.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct PoolCounts {
    /// Running an invocation.
    pub busy: usize,
    /// Waiting for one.
    pub idle: usize,
    /// Started so far (each a cold start).
    pub started: u64,
}

impl Pool {
    /// A pool of at most `max_instances` instances of `spec` (none started yet).
    pub fn new(spec: FunctionSpec, max_instances: usize) -> Arc<Self> {
        Arc::new(Self {
            spec,
            permits: Arc::new(Semaphore::new(max_instances.max(1))),
            idle: Mutex::new((Vec::new(), false)),
            max_instances: max_instances.max(1),
            started: std::sync::atomic::AtomicU64::new(0),
        })
    }

    /// Its instances: busy, idle, and how many were started.
    pub fn counts(&self) -> PoolCounts {
        PoolCounts {
            busy: self.max_instances - self.permits.available_permits(),
            idle: self.lock().0.len(),
            started: self.started.load(std::sync::atomic::Ordering::Relaxed),
        }
    }

    /// The function this pool runs.
    pub fn spec(&self) -> &FunctionSpec {
        &self.spec
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (Vec<Instance>, bool)> {
        self.idle.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Starts one instance and waits until it is ready, so that the first
    /// request does not pay for it and a build that cannot start is caught.
    pub async fn prewarm(&self) -> Result<(), PoolError> {
        let mut instance = Instance::start(&self.spec).await?;
        self.started
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if let Err(error) = instance.wait_ready().await {
            tokio::spawn(instance.stop());
            return Err(error);
        }
        self.release(instance);
        Ok(())
    }

    /// Runs one event behind API Gateway ([`Invoke::GATEWAY`]).
    pub async fn invoke(self: Arc<Self>, request_id: String, payload: Bytes) -> Invoked {
        self.invoke_with(request_id, payload, Invoke::GATEWAY).await
    }

    /// Runs one event on an idle instance, or on a new one when all are busy.
    pub async fn invoke_with(
        self: Arc<Self>,
        request_id: String,
        payload: Bytes,
        how: Invoke,
    ) -> Invoked {
        let started = Instant::now();
        let failed = |error: PoolError, cold| Invoked {
            outcome: Outcome::StartFailed(error.to_string()),
            cold,
            log: how.capture.then(Vec::new),
            duration: Duration::ZERO,
            instance: 0,
        };
        let Ok(_permit) = self.permits.clone().acquire_owned().await else {
            return failed(PoolError::ShutDown, false);
        };
        let idle = self.lock().0.pop();
        let (mut instance, cold) = match idle {
            Some(instance) => (instance, false),
            None => match Instance::start(&self.spec).await {
                Ok(instance) => {
                    self.started
                        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    (instance, true)
                }
                Err(error) => return failed(error, true),
            },
        };
        let capture = how.capture.then(|| instance.output.begin());
        let run = instance
            .invoke(
                request_id.clone(),
                payload,
                self.spec.timeout,
                how.limit.map(|limit| started + limit),
            )
            .await;
        let duration = run.delivered.map_or(Duration::ZERO, |at| {
            run.finished.saturating_duration_since(at)
        });
        let log = match capture {
            Some(token) => {
                let lines = instance.output.end(token).await;
                Some(self.log(&mut instance, &request_id, lines, &run.outcome, duration))
            }
            None => None,
        };
        let outcome = run.outcome;
        let number = instance.number;
        match &outcome {
            Outcome::Response(_) | Outcome::FunctionError(_) | Outcome::ResponseTooLarge => {
                self.release(instance);
            }
            Outcome::Crashed(status) => {
                eprintln!(
                    "chalice local: instance {} exited ({status}); the next request starts a new one",
                    instance.number
                );
                tokio::spawn(instance.stop());
            }
            Outcome::TimedOut => {
                let limit = match how.limit {
                    Some(limit) if limit < self.spec.timeout => limit,
                    _ => self.spec.timeout,
                };
                eprintln!(
                    "chalice local: instance {} outlived the timeout ({} s); killed",
                    instance.number,
                    limit.as_secs()
                );
                tokio::spawn(instance.stop());
            }
            Outcome::StartFailed(error) => {
                eprintln!("chalice local: instance {}: {error}", instance.number);
                tokio::spawn(instance.stop());
            }
        }
        Invoked {
            outcome,
            cold,
            log,
            duration,
            instance: number,
        }
    }

    /// The invocation's log: `START`, the function's lines, `END`, `REPORT`.
    fn log(
        &self,
        instance: &mut Instance,
        request_id: &str,
        lines: Vec<String>,
        outcome: &Outcome,
        duration: Duration,
    ) -> Vec<String> {
        let init = if instance.reported_init {
            None
        } else {
            instance.reported_init = true;
            instance.init
        };
        let status = match outcome {
            Outcome::TimedOut => Some("timeout"),
            Outcome::Crashed(_) | Outcome::StartFailed(_) => Some("error"),
            _ => None,
        };
        let mut log = vec![logs::start_line(request_id)];
        log.extend(lines);
        log.extend(logs::report(&Report {
            request_id: request_id.to_owned(),
            duration,
            memory_mb: self.spec.memory_mb,
            max_memory_mb: instance.pid.and_then(logs::peak_memory_mb),
            init,
            status,
        }));
        log
    }

    /// Returns an instance to the idle list, or stops it if the pool is retired.
    fn release(&self, instance: Instance) {
        let mut guard = self.lock();
        if guard.1 {
            drop(guard);
            tokio::spawn(instance.stop());
        } else {
            guard.0.push(instance);
        }
    }

    /// Retires the pool: idle instances stop now, busy ones when they finish.
    pub async fn retire(&self) {
        let idle = {
            let mut guard = self.lock();
            guard.1 = true;
            std::mem::take(&mut guard.0)
        };
        for instance in idle {
            instance.stop().await;
        }
    }

    /// Stops the pool: no new invocations, idle instances killed and reaped.
    pub async fn shutdown(&self) {
        self.permits.close();
        self.retire().await;
    }
}

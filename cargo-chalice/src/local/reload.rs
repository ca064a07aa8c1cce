//! Hot reload: watch the sources, rebuild, swap the pools.
//!
//! Changes to `src/`, `build.rs`, `Cargo.toml` and `.chalice/config.json` are
//! debounced, then the app is rebuilt. A good build with an instance that
//! starts replaces the generation in service (requests already running finish
//! on the old one); a compile error, an invalid config or an instance that
//! cannot start keeps the last good build in service.

use super::banner::{print_functions, print_routes};
use super::gateway_server::Gateway;
use super::{Loader, LocalError};
use crate::project::Project;
use notify::{EventKind, RecursiveMode, Watcher as _};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// Quiet time after the last change before rebuilding.
pub const DEBOUNCE: Duration = Duration::from_millis(100);

/// Watches a project and reloads the gateway's generation.
#[derive(Debug)]
pub struct Reloader {
    loader: Loader,
    gateway: Arc<Gateway>,
    _watcher: notify::RecommendedWatcher,
    events: mpsc::UnboundedReceiver<notify::Result<notify::Event>>,
}

impl Reloader {
    /// Starts watching the project that `loader` builds.
    pub fn new(loader: Loader, gateway: Arc<Gateway>) -> Result<Self, LocalError> {
        let (sender, events) = mpsc::unbounded_channel();
        let mut watcher = notify::recommended_watcher(move |event| {
            let _ = sender.send(event);
        })?;
        let dir = &loader.project.dir;
        watcher.watch(dir, RecursiveMode::NonRecursive)?;
        watch_if_present(&mut watcher, &dir.join("src"), RecursiveMode::Recursive)?;
        watch_if_present(
            &mut watcher,
            &dir.join(".chalice"),
            RecursiveMode::NonRecursive,
        )?;
        Ok(Self {
            loader,
            gateway,
            _watcher: watcher,
            events,
        })
    }

    /// Reloads on every batch of changes until the task is dropped.
    pub async fn run(mut self) {
        loop {
            let Some(first) = self.events.recv().await else {
                return;
            };
            let mut changed = BTreeSet::new();
            self.note(first, &mut changed);
            loop {
                match tokio::time::timeout(DEBOUNCE, self.events.recv()).await {
                    Ok(Some(event)) => self.note(event, &mut changed),
                    Ok(None) => return,
                    Err(_) => break,
                }
            }
            if !changed.is_empty() {
                self.reload(&changed).await;
            }
        }
    }

    fn note(&mut self, event: notify::Result<notify::Event>, changed: &mut BTreeSet<PathBuf>) {
        let event = match event {
            Ok(event) => event,
            Err(error) => {
                eprintln!("chalice local: file watcher: {error}");
                return;
            }
        };
        if !matches!(
            event.kind,
            EventKind::Create(_) | EventKind::Modify(_) | EventKind::Remove(_)
        ) {
            return;
        }
        for path in event.paths {
            if let Some(relative) = relevant(&self.loader.project.dir, &path) {
                // A new directory under src/ (when not watched recursively) is picked up by the recursive watch.
                changed.insert(relative);
            }
        }
    }

    async fn reload(&mut self, changed: &BTreeSet<PathBuf>) {
        let started = Instant::now();
        let list: Vec<String> = changed.iter().map(|p| p.display().to_string()).collect();
        println!("chalice local: {} changed; rebuilding", list.join(", "));
        if changed.contains(Path::new("Cargo.toml")) {
            let dir = self.loader.project.dir.clone();
            match tokio::task::spawn_blocking(move || Project::discover(&dir)).await {
                Ok(Ok(project)) => self.loader.project = project,
                Ok(Err(error)) => {
                    eprintln!("chalice local: {error}; still serving the last good build");
                    return;
                }
                Err(error) => {
                    eprintln!("chalice local: {error}; still serving the last good build");
                    return;
                }
            }
        }
        let (generation, _config) = match self.loader.load().await {
            Ok(loaded) => loaded,
            Err(error) => {
                eprintln!("chalice local: {error}");
                eprintln!("chalice local: still serving the last good build");
                let message = match &error {
                    LocalError::BuildFailed(_) => {
                        format!("{error}\n\n{}", self.loader.last_build_output)
                    }
                    _ => error.to_string(),
                };
                self.gateway.console().build_failed(message);
                return;
            }
        };
        let current = self.gateway.current();
        if current.routes() != generation.routes() {
            println!("chalice local: the routes are now:");
            print_routes(generation.routes());
        }
        let functions = |g: &super::gateway_server::Generation| -> Vec<(String, String)> {
            g.functions
                .iter()
                .map(|f| (f.key.clone(), f.trigger.label()))
                .collect()
        };
        if functions(&current) != functions(&generation) {
            println!("chalice local: the functions are now:");
            print_functions(&generation.functions);
        }
        drop(current);
        let old = self.gateway.swap(generation);
        let seconds = started.elapsed().as_secs_f64();
        println!("chalice local: reloaded in {seconds:.2} s");
        self.gateway.console().reloaded(seconds);
        tokio::spawn(async move { old.retire().await });
    }
}

fn watch_if_present(
    watcher: &mut notify::RecommendedWatcher,
    path: &Path,
    mode: RecursiveMode,
) -> Result<(), notify::Error> {
    if path.is_dir() {
        watcher.watch(path, mode)?;
    }
    Ok(())
}

/// The path relative to the project when a change there matters.
fn relevant(dir: &Path, path: &Path) -> Option<PathBuf> {
    let relative = path.strip_prefix(dir).ok()?;
    let name = relative.file_name()?.to_str()?;
    let editor_file = name.starts_with('.')
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name == "4913";
    if editor_file {
        return None;
    }
    let top = [
        Path::new("Cargo.toml"),
        Path::new("build.rs"),
        Path::new(".chalice/config.json"),
    ];
    if top.contains(&relative) || relative.starts_with("src") {
        Some(relative.to_owned())
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_sources_and_config_matter() {
        let dir = Path::new("/p");
        assert!(relevant(dir, Path::new("/p/src/main.rs")).is_some());
        assert!(relevant(dir, Path::new("/p/src/api/items.rs")).is_some());
        assert!(relevant(dir, Path::new("/p/Cargo.toml")).is_some());
        assert!(relevant(dir, Path::new("/p/.chalice/config.json")).is_some());
        assert!(relevant(dir, Path::new("/p/target/debug/hello")).is_none());
        assert!(relevant(dir, Path::new("/p/Cargo.lock")).is_none());
        assert!(relevant(dir, Path::new("/p/src/.main.rs.swp")).is_none());
        assert!(relevant(dir, Path::new("/p/src/main.rs~")).is_none());
        assert!(relevant(dir, Path::new("/other/src/main.rs")).is_none());
    }
}

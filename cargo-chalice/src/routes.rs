//! `cargo chalice routes`: the route table of the resolved app, and its other
//! functions (authorizers, event functions) with what invokes them.
//!
//! The app is built for the host ([`crate::build`]) and resolved
//! ([`crate::app`]) as `package` and `local` resolve it.

use crate::app::{App, AppError};
use crate::build::{self, BuildError, Target};
use crate::config::{self, ConfigError};
use crate::project::{Project, ProjectError};
use std::path::Path;

/// Why the routes cannot be listed.
#[derive(Debug, thiserror::Error)]
pub enum RoutesError {
    /// The project cannot be found or built.
    #[error(transparent)]
    Project(#[from] ProjectError),
    /// `.chalice/config.json` is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The app cannot be built or its manifest read.
    #[error(transparent)]
    Build(#[from] BuildError),
    /// The app cannot be resolved (what `package` and `local` refuse too).
    #[error(transparent)]
    App(#[from] AppError),
}

/// Builds the app for the host and resolves it in `stage`: what `routes`
/// and `gen-policy` read.
pub fn load(project_dir: &Path, stage: &str) -> Result<App, RoutesError> {
    let project = Project::discover(project_dir)?;
    let config = config::load(&project.dir, stage, &project.package)?;
    let built = build::build(&project, Target::Host, false)?;
    Ok(App::resolve(built.manifest, config)?)
}

/// What protects a route: `NONE`, `API key`, the authorizer, or both.
pub fn authorization(route: &chalice_rs_runtime::manifest::Route) -> String {
    match (&route.authorizer, route.api_key_required) {
        (Some(name), true) => format!("authorizer {name} + API key"),
        (Some(name), false) => format!("authorizer {name}"),
        (None, true) => "API key".to_owned(),
        (None, false) => "NONE".to_owned(),
    }
}

/// The route table of the app (one line per method), then, when the app has
/// functions other than the API's, one line per function; columns aligned.
pub fn table(app: &App) -> String {
    let routes = app.rest_api.as_ref().map_or(&[][..], |api| &api.routes);
    let mut out = String::new();
    if !routes.is_empty() || app.functions.len() == 1 {
        let header = ["METHOD", "PATH", "HANDLER", "AUTHORIZATION"].map(str::to_owned);
        let mut rows = vec![header];
        for route in routes {
            rows.push([
                route.method.clone(),
                route.resource_path.clone(),
                format!("{}::{}", route.module, route.handler),
                authorization(route),
            ]);
        }
        out.push_str(&aligned(&rows));
    }
    let others: Vec<_> = app
        .functions
        .iter()
        .filter(|f| f.trigger != crate::app::function::Trigger::RestApi)
        .collect();
    if !others.is_empty() {
        if !out.is_empty() {
            out.push('\n');
        }
        let header = ["FUNCTION", "LAMBDA NAME", "INVOKED BY"].map(str::to_owned);
        let mut rows = vec![header];
        for function in others {
            rows.push([
                function.name.clone(),
                function.function_name.clone(),
                function.trigger.label(),
            ]);
        }
        out.push_str(&aligned(&rows));
    }
    out
}

/// `rows` as lines with aligned columns (the last one unpadded).
fn aligned<const N: usize>(rows: &[[String; N]]) -> String {
    let mut widths = [0usize; N];
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i + 1 == row.len() {
                line.push_str(cell);
            } else {
                line.push_str(&format!("{cell:<width$}  ", width = widths[i]));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The app of `fragments`, with no config (the defaults).
    fn app_of(fragments: &[&str]) -> App {
        let manifest = chalice_rs_runtime::manifest::Manifest::from_fragments(
            fragments.iter().map(|f| f.as_bytes()),
        )
        .unwrap();
        let dir = std::env::temp_dir().join("chalice-routes-test-no-config");
        let config = crate::config::load(&dir, "dev", "app").unwrap();
        App::resolve(manifest, config).unwrap()
    }

    #[test]
    fn table_is_aligned() {
        let fragments = [
            r#"{"kind":"route","handler":"index","module":"app","file":"src/main.rs","line":1,"path":"/","resource_path":"/","methods":["GET"]}"#,
            r#"{"kind":"route","handler":"item","module":"app","file":"src/main.rs","line":2,"path":"/items/<id>","resource_path":"/items/{id}","methods":["DELETE"],"api_key_required":true}"#,
        ];
        let app = app_of(&fragments);
        assert_eq!(
            table(&app),
            "METHOD  PATH         HANDLER     AUTHORIZATION\n\
             GET     /            app::index  NONE\n\
             DELETE  /items/{id}  app::item   API key\n"
        );
    }

    #[test]
    fn event_functions_follow_the_routes() {
        let fragments = [
            r#"{"kind":"route","handler":"index","module":"app","file":"src/main.rs","line":1,"path":"/","resource_path":"/","methods":["GET"]}"#,
            r#"{"kind":"function","name":"nightly","module":"app","file":"src/main.rs","line":5,"source":{"type":"schedule","expression":"cron(0 3 * * ? *)"}}"#,
            r#"{"kind":"function","name":"work","module":"app","file":"src/main.rs","line":9,"source":{"type":"sqs","queue":"arn:aws:sqs:us-east-1:1:jobs","batch_size":10}}"#,
        ];
        let app = app_of(&fragments);
        assert_eq!(
            table(&app),
            "METHOD  PATH  HANDLER     AUTHORIZATION\n\
             GET     /     app::index  NONE\n\
             \n\
             FUNCTION  LAMBDA NAME      INVOKED BY\n\
             nightly   app-dev-nightly  #[schedule] cron(0 3 * * ? *)\n\
             work      app-dev-work     #[on_sqs_message] arn:aws:sqs:us-east-1:1:jobs\n"
        );
    }
}

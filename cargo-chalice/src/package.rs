//! `cargo chalice package`: the Lambda artifact and the CloudFormation
//! template(s) in one directory, ready for `aws cloudformation package` and
//! `aws cloudformation deploy` (or `cargo chalice deploy`).
//!
//! OUT_DIR receives `deployment.zip`, `template.json` (or `.yaml`) and, for
//! large apps, one template per nested stack. Files whose bytes do not change
//! are not rewritten.

use crate::app::{App, AppError};
use crate::artifact::Arch;
use crate::build::{self, BuildError, Target};
use crate::bundle::{self, BundleError};
use crate::config::{self, ConfigError, StageConfig};
use crate::project::{Project, ProjectError};
use crate::template::{self, TemplateError};
use chalice_rs_runtime::manifest::Manifest;
use std::path::{Path, PathBuf};

pub use crate::template::TemplateFormat;

/// The zip's file name in OUT_DIR (the template's `Code`).
pub const ZIP_NAME: &str = "deployment.zip";
/// The root template's file stem in OUT_DIR.
pub const TEMPLATE_STEM: &str = "template";

/// What to package.
#[derive(Debug, Clone)]
pub struct PackageOptions {
    /// The app's directory.
    pub project_dir: PathBuf,
    /// The chalice stage.
    pub stage: String,
    /// The architecture; `None` means the stage's `architecture` (default arm64).
    pub arch: Option<Arch>,
    /// Where the files go (created if needed).
    pub out_dir: PathBuf,
    /// JSON or YAML templates.
    pub format: TemplateFormat,
    /// A canary on the API stage (`deploy --canary`).
    pub api_canary: Option<crate::app::rollout::ApiCanary>,
}

/// What was written.
#[derive(Debug, Clone)]
pub struct PackageOutput {
    /// The root template.
    pub template_path: PathBuf,
    /// Nested templates (empty unless the app is large), in OUT_DIR.
    pub nested_templates: Vec<PathBuf>,
    /// The deployment zip.
    pub zip_path: PathBuf,
    /// The zip's SHA-256, lower-case hex.
    pub zip_sha256: String,
    /// The app's manifest, read from the built artifact.
    pub manifest: Manifest,
    /// The stage's configuration.
    pub config: StageConfig,
    /// The AWS SDK calls the generated IAM policy does not grant (an
    /// unknown IAM action), one message each; empty when the policy comes
    /// from `iam_policy_file` or is not generated.
    pub policy_warnings: Vec<String>,
    /// What the template does and does not wire for the event functions
    /// (which buckets it wires, which `deploy` wires, what an existing role
    /// must grant), one message each.
    pub event_notes: Vec<String>,
    /// What operating the stage needs beyond the stack (the account's
    /// CloudWatch role for the API's logs), one message each.
    pub operation_notes: Vec<String>,
    /// Whether the API stage logs with the account's CloudWatch role, which
    /// the stack does not create (`deploy` checks the account has one).
    pub needs_account_role: bool,
    /// The notifications `deploy` writes on buckets outside the stack.
    pub external_notifications: Vec<crate::app::events::ExternalNotification>,
}

/// Why packaging failed.
#[derive(Debug, thiserror::Error)]
pub enum PackageError {
    /// The project cannot be found.
    #[error(transparent)]
    Project(#[from] ProjectError),
    /// `.chalice/config.json` is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The build failed, or its manifest cannot be read.
    #[error(transparent)]
    Build(#[from] BuildError),
    /// The zip cannot be written.
    #[error(transparent)]
    Bundle(#[from] BundleError),
    /// No valid template can be made.
    #[error(transparent)]
    Template(#[from] TemplateError),
    /// The app cannot be resolved: what AWS would refuse.
    #[error(transparent)]
    App(#[from] AppError),
    /// OUT_DIR cannot be created.
    #[error("cannot create {path}: {source}")]
    OutDir {
        /// The directory.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// The stage's architecture unless one is given.
pub fn resolve_arch(arch: Option<Arch>, config: &StageConfig) -> Arch {
    arch.or_else(|| Arch::from_lambda_name(&config.architecture))
        .unwrap_or(Arch::Arm64)
}

/// Builds the app for Lambda, zips it, and writes the templates to OUT_DIR.
pub fn package(options: &PackageOptions) -> Result<PackageOutput, PackageError> {
    let project = Project::discover(&options.project_dir)?;
    let config = config::load(&project.dir, &options.stage, &project.package)?;
    let arch = resolve_arch(options.arch, &config);
    let built = build::build(&project, Target::Lambda(arch), true)?;
    let manifest = built.manifest;
    write_release(
        &built.binary,
        manifest,
        config,
        arch,
        &options.out_dir,
        options.format,
        options.api_canary.clone(),
    )
}

/// Writes the zip of `binary` and the templates for `manifest` into `out_dir`
/// (the part of [`package`] after the build).
pub fn write_package(
    binary: &Path,
    manifest: Manifest,
    config: StageConfig,
    arch: Arch,
    out_dir: &Path,
    format: TemplateFormat,
) -> Result<PackageOutput, PackageError> {
    write_release(binary, manifest, config, arch, out_dir, format, None)
}

/// [`write_package`] with a canary on the API stage.
pub fn write_release(
    binary: &Path,
    manifest: Manifest,
    config: StageConfig,
    arch: Arch,
    out_dir: &Path,
    format: TemplateFormat,
    api_canary: Option<crate::app::rollout::ApiCanary>,
) -> Result<PackageOutput, PackageError> {
    std::fs::create_dir_all(out_dir).map_err(|source| PackageError::OutDir {
        path: out_dir.to_owned(),
        source,
    })?;
    let app = App::resolve(manifest, config)?;
    let zip = bundle::write_zip(binary, &out_dir.join(ZIP_NAME))?;
    let release = template::Release {
        code_sha256: Some(zip.sha256.clone()),
        api_canary,
    };
    let (_, rendered) = template::generate_release(&app, arch, format, &release)?;
    let template_path = out_dir.join(format!("{TEMPLATE_STEM}.{}", format.extension()));
    bundle::write_if_changed(&template_path, rendered.root.as_bytes())?;
    let mut nested_templates = Vec::new();
    for (file_name, text) in &rendered.nested {
        let path = out_dir.join(file_name);
        bundle::write_if_changed(&path, text.as_bytes())?;
        nested_templates.push(path);
    }
    Ok(PackageOutput {
        template_path,
        nested_templates,
        zip_path: zip.path,
        zip_sha256: zip.sha256,
        event_notes: app.event_notes(),
        operation_notes: app.operation_notes(),
        needs_account_role: app
            .api_logs
            .as_ref()
            .is_some_and(crate::app::api_logs::ApiLogs::relies_on_account_role),
        external_notifications: app.external_notifications(),
        policy_warnings: app.policy_warnings,
        manifest: app.manifest,
        config: app.config,
    })
}

/// What `cargo chalice build` produced.
#[derive(Debug, Clone)]
pub struct BuildOutput {
    /// The `bootstrap` binary cargo wrote.
    pub binary: PathBuf,
    /// Its architecture.
    pub arch: Arch,
    /// The zip (under the target directory: `chalice/<bin>/<arch>/deployment.zip`).
    pub zip: bundle::Bundle,
    /// The app's manifest.
    pub manifest: Manifest,
}

/// `cargo chalice build`: builds the artifact, reads its manifest and zips it
/// under the target directory.
pub fn build(
    project_dir: &Path,
    stage: &str,
    arch: Option<Arch>,
) -> Result<BuildOutput, PackageError> {
    let project = Project::discover(project_dir)?;
    let config = config::load(&project.dir, stage, &project.package)?;
    let arch = resolve_arch(arch, &config);
    let built = build::build(&project, Target::Lambda(arch), true)?;
    let dir = project
        .target_dir
        .join("chalice")
        .join(&project.bin)
        .join(arch.lambda_name());
    std::fs::create_dir_all(&dir).map_err(|source| PackageError::OutDir {
        path: dir.clone(),
        source,
    })?;
    let zip = bundle::write_zip(&built.binary, &dir.join(ZIP_NAME))?;
    Ok(BuildOutput {
        binary: built.binary,
        arch,
        zip,
        manifest: built.manifest,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `package` warns about for the app of one route in `config`.
    fn unmapped_calls(config: &StageConfig) -> Vec<String> {
        let route = serde_json::json!({
            "kind": "route", "handler": "h", "module": "m", "file": "f.rs", "line": 1,
            "path": "/", "resource_path": "/", "methods": ["GET"],
        })
        .to_string();
        let manifest = Manifest::from_fragments([route.as_bytes()]).expect("manifest");
        App::resolve(manifest, config.clone())
            .expect("app")
            .policy_warnings
    }

    #[test]
    fn calls_the_generated_policy_cannot_grant_are_reported() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("src")).expect("src");
        std::fs::create_dir_all(dir.path().join(".chalice")).expect(".chalice");
        std::fs::write(
            dir.path().join("src/main.rs"),
            "fn f(c: aws_sdk_s3::Client) { c.get_object(); c.select_object_content(); }\n",
        )
        .expect("main.rs");
        let config_file = dir.path().join(".chalice/config.json");
        std::fs::write(&config_file, r#"{"version": "2.0", "app_name": "app"}"#).expect("config");
        let config = config::load(dir.path(), "dev", "app").expect("config");
        let warnings = unmapped_calls(&config);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0].contains("select_object_content"),
            "{warnings:?}"
        );
        // With a policy file, the file is the policy: nothing to report.
        std::fs::write(
            dir.path().join(".chalice/policy.json"),
            r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}"#,
        )
        .expect("policy");
        std::fs::write(
            &config_file,
            r#"{"version": "2.0", "app_name": "app", "iam_policy_file": "policy.json"}"#,
        )
        .expect("config");
        let config = config::load(dir.path(), "dev", "app").expect("config");
        assert!(unmapped_calls(&config).is_empty());
    }
}

//! The CloudFormation template of an app: a writer of the resolved
//! [`App`](crate::app::App), as a typed model ([`crate::cfn::model`]),
//! serialised deterministically as JSON or YAML. One module per concern:
//! [`functions`] (the functions, their logs and role), [`events`] (what
//! invokes the event functions: rules, event source mappings, subscriptions,
//! bucket notifications, their permissions and roles), [`rest_api`] (the API,
//! its resources, methods, stage and deployment), [`governance`]
//! (authorizers, keys, usage plan, gateway responses, request models),
//! [`split`] (nested stacks for large APIs), [`shape`] (the API's shape hash).
//!
//! Resources (logical IDs in brackets):
//! - the role the functions with the app's role settings share,
//!   [`APIHandlerRole`](ROLE_ID) (their own log groups only, plus X-Ray/VPC
//!   actions when one of them has those on, plus their `iam_policy_file` or
//!   the policy generated from the code; written when a function runs with
//!   it), and `<Stem>Role` (`<Stem>AuthorizerRole` for an authorizer) for a
//!   function with other role settings or a source to read; and per
//!   function a log group with the stage's retention and the function itself
//!   (`provided.al2023`, its `_HANDLER` as Handler, code `./deployment.zip`,
//!   `FunctionName` `<app>-<stage>[-<name>]`): the API function
//!   [`APIHandler`](FUNCTION_ID) and one `<Name>AuthorizerHandler` per Lambda
//!   authorizer;
//! - the REST API [`RestAPI`](REST_API_ID); one `Resource<Path>` per path
//!   segment, nested; one `Method<Verb><Path>` per route and method, a Lambda
//!   proxy integration; a `RestAPIDeployment<hash>` whose ID carries a hash of
//!   the API's shape (so a changed API is redeployed) and which depends on
//!   every method; the stage [`RestAPIStage`](STAGE_ID); the permission
//!   [`APIHandlerInvokePermission`](PERMISSION_ID), scoped to this API;
//! - Outputs `EndpointURL`, `RestAPIId`, `APIHandlerName`, `APIHandlerArn`,
//!   `APIHandlerLogGroupName`;
//! - per authorizer `<Name>Authorizer` (`TOKEN`, `REQUEST` or
//!   `COGNITO_USER_POOLS`) and, for Lambda authorizers, the invoke permission
//!   of its function scoped to the authorizer; methods are
//!   `CUSTOM`/`COGNITO_USER_POOLS` with an `AuthorizerId`, or `AWS_IAM`;
//! - when a route requires an API key: `APIUsagePlan` (throttle and quota
//!   from `usage_plan`), one `APIKey<Name>` and `UsagePlanKey<Name>` per name
//!   of `api_keys`, outputs `APIKey<Name>Id`;
//! - a CORS preflight `MethodOptions<Path>` (MOCK) per resource with a CORS
//!   route; `GatewayResponse<Type>` per `gateway_responses` entry; the
//!   RestApi's `Policy`; stage `MethodSettings` from `throttling`;
//! - per event function `<Stem>Function` and `<Stem>LogGroup` (named
//!   `<app>-<stage>-<name>`, handler `function:<name>`) and its wiring
//!   ([`events`]): `<Stem>Rule`, `<Stem>EventSourceMapping` with its own
//!   role `<Stem>Role`, `<Stem>Subscription`, `<Stem>InvokePermission`, a
//!   declared bucket's notifications; outputs `<Stem>FunctionName` and
//!   `<Stem>FunctionArn`;
//! - with WebSocket handlers, the WebSocket API ([`websocket_api`]):
//!   `WebsocketAPI`, per route its integration, route, route response and
//!   permission, the `$connect` authorizer, `WebsocketAPIDeployment<hash>`,
//!   `WebsocketAPIStage`, outputs `WebsocketConnectEndpointURL` and
//!   `WebsocketAPIId`;
//! - the resources and outputs of `.chalice/resources.json`.
//!
//! When one template would pass 500 resources or 51,200 bytes (the most a
//! `TemplateBody` may hold), the API's resources and methods move into nested
//! stacks ([`split`]). Each template is checked ([`check`]) before it is
//! written.

pub mod alarms;
pub mod api_logs;
pub mod check;
pub mod custom_domain;
pub mod events;
pub mod functions;
pub mod governance;
pub mod rest_api;
pub mod rollout;
pub mod shape;
pub mod split;
pub mod websocket_api;

use crate::app::App;
use crate::artifact::Arch;
use crate::cfn::ids;
use crate::cfn::model::*;
use crate::cfn::yaml;
use std::collections::{BTreeMap, BTreeSet};

pub use crate::app::names::{
    API_HANDLER, DEPLOYMENT_PREFIX, FUNCTION_ID, LOG_GROUP_ID, PERMISSION_ID, REQUEST_VALIDATOR_ID,
    REST_API_ID, ROLE_ID, STAGE_ID, USAGE_PLAN_ID, USER_POLICY_NAME,
};
pub use crate::app::RETENTION_DAYS;
pub use shape::api_shape_hash;

/// The relative path of the code every function refers to.
pub const CODE_PATH: &str = "./deployment.zip";

/// The template file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum TemplateFormat {
    /// JSON (default).
    #[default]
    Json,
    /// YAML.
    Yaml,
}

impl TemplateFormat {
    /// The file extension: `json` or `yaml`.
    pub fn extension(self) -> &'static str {
        match self {
            TemplateFormat::Json => "json",
            TemplateFormat::Yaml => "yaml",
        }
    }

    /// The template's text, with a trailing newline.
    pub fn render(self, template: &Template) -> String {
        match self {
            TemplateFormat::Json => {
                let mut text = serde_json::to_string_pretty(template).unwrap_or_default();
                text.push('\n');
                text
            }
            TemplateFormat::Yaml => yaml::to_yaml(&template.to_value()),
        }
    }
}

/// Why no template can be made.
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    /// The app cannot be resolved (the same error `local` gives).
    #[error(transparent)]
    App(#[from] crate::app::AppError),
    /// `.chalice/resources.json` cannot be merged into the template.
    #[error(transparent)]
    Resources(#[from] crate::app::resources::ResourcesError),
    /// A generated template failed the generator's own checks (a bug).
    #[error("generated template failed its checks: {0}")]
    Check(String),
}

/// A nested stack's template.
#[derive(Debug, Clone)]
pub struct NestedTemplate {
    /// The `AWS::CloudFormation::Stack` resource's logical ID in the root.
    pub logical_id: String,
    /// The file name, beside the root template (the stack's `TemplateURL`).
    pub file_name: String,
    /// The template.
    pub template: Template,
}

/// The root template and its nested templates.
#[derive(Debug, Clone)]
pub struct TemplateSet {
    /// The root template.
    pub root: Template,
    /// Nested templates (empty unless the app is large).
    pub nested: Vec<NestedTemplate>,
}

/// A template set rendered and checked.
#[derive(Debug, Clone)]
pub struct RenderedSet {
    /// The root template's text.
    pub root: String,
    /// `(file name, text)` of each nested template.
    pub nested: Vec<(String, String)>,
}

/// Generates, renders and checks the templates of `app`, with functions for
/// `arch`.
pub fn generate(
    app: &App,
    arch: Arch,
    format: TemplateFormat,
) -> Result<(TemplateSet, RenderedSet), TemplateError> {
    generate_release(app, arch, format, &Release::default())
}

/// What one release adds to the app's template.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Release {
    /// The SHA-256 (hex) of the code's zip: the published versions' logical
    /// IDs carry it ([`rollout`]), so that a version is published when the
    /// code changes. `package` gives it; without it a version changes with
    /// the functions' configuration only.
    pub code_sha256: Option<String>,
    /// A canary on the API stage (`deploy --canary`).
    pub api_canary: Option<crate::app::rollout::ApiCanary>,
}

/// [`generate`] for one release: its code and its API canary.
pub fn generate_release(
    app: &App,
    arch: Arch,
    format: TemplateFormat,
    release: &Release,
) -> Result<(TemplateSet, RenderedSet), TemplateError> {
    let mut generator = Generator::new(app, arch, format);
    generator.release = release.clone();
    generator.check_canary()?;
    let mut single = generator.single();
    generator.finish_root(&mut single)?;
    let text = format.render(&single);
    if single.resources.len() <= check::MAX_RESOURCES && text.len() <= check::MAX_TEMPLATE_BODY {
        let set = TemplateSet {
            root: single,
            nested: Vec::new(),
        };
        let rendered = render_checked(&set, format)?;
        return Ok((set, rendered));
    }
    // Split; shrink the size budget if an estimate turns out too optimistic.
    // The root stays within a template body when it can; when what cannot
    // move into nested stacks (the functions, their versions, CodeDeploy,
    // alarms) is larger, it is read from S3 as the nested templates are
    // (`deploy` uploads it; `aws cloudformation deploy` needs `--s3-bucket`).
    let mut first_error = None;
    for root_limit in [check::MAX_TEMPLATE_BODY, check::MAX_TEMPLATE_URL] {
        let mut budget = split::Budget::default();
        for _ in 0..6 {
            let mut set = generator.split(&budget);
            generator.finish_root(&mut set.root)?;
            match render_checked_within(&set, format, root_limit) {
                Ok(rendered) => return Ok((set, rendered)),
                Err(TemplateError::Check(message)) => {
                    first_error.get_or_insert(message);
                    budget.shrink();
                }
                Err(other) => return Err(other),
            }
        }
    }
    Err(TemplateError::Check(first_error.unwrap_or_default()))
}

/// Resolves the app of `manifest` in the stage of `config` and writes its
/// templates: what `package` does once the app is built.
pub fn resolve_and_generate(
    manifest: chalice_rs_runtime::manifest::Manifest,
    config: crate::config::StageConfig,
    arch: Arch,
    format: TemplateFormat,
) -> Result<(TemplateSet, RenderedSet), TemplateError> {
    generate(&App::resolve(manifest, config)?, arch, format)
}

/// Renders each template of `set` and runs [`check::check`] on it, the
/// root within a template body.
pub fn render_checked(
    set: &TemplateSet,
    format: TemplateFormat,
) -> Result<RenderedSet, TemplateError> {
    render_checked_within(set, format, check::MAX_TEMPLATE_BODY)
}

/// [`render_checked`] with the root within `root_limit` bytes.
fn render_checked_within(
    set: &TemplateSet,
    format: TemplateFormat,
    root_limit: usize,
) -> Result<RenderedSet, TemplateError> {
    let root = format.render(&set.root);
    check::check(
        "root template",
        &set.root.to_value(),
        root.len(),
        root_limit,
    )
    .map_err(TemplateError::Check)?;
    let mut nested = Vec::new();
    for child in &set.nested {
        let text = format.render(&child.template);
        check::check(
            &child.file_name,
            &child.template.to_value(),
            text.len(),
            check::MAX_TEMPLATE_URL,
        )
        .map_err(TemplateError::Check)?;
        nested.push((child.file_name.clone(), text));
    }
    Ok(RenderedSet { root, nested })
}

/// Writes the template of one app: the app and the IDs derived from it.
struct Generator<'a> {
    app: &'a App,
    arch: Arch,
    format: TemplateFormat,
    /// Each resource path's logical-ID stem.
    names: BTreeMap<String, String>,
    /// Each resource path's index in the API's resource tree.
    by_path: BTreeMap<String, usize>,
    /// The code's hash and the API canary ([`generate_release`]).
    release: Release,
}

impl<'a> Generator<'a> {
    fn new(app: &'a App, arch: Arch, format: TemplateFormat) -> Self {
        let resources = app.rest_api.iter().flat_map(|api| &api.resources);
        let names = ids::path_names(resources.clone().map(|r| r.path.as_str()));
        let by_path = resources
            .enumerate()
            .map(|(i, r)| (r.path.clone(), i))
            .collect();
        Self {
            app,
            arch,
            format,
            names,
            by_path,
            release: Release::default(),
        }
    }

    /// The template's description.
    fn description(&self) -> String {
        let what = match (&self.app.rest_api, &self.app.websocket_api) {
            (Some(_), None) => "Lambda function and REST API",
            (Some(_), Some(_)) => "Lambda functions, REST API and WebSocket API",
            (None, Some(_)) => "Lambda functions and WebSocket API",
            (None, None) => "Lambda functions",
        };
        format!("{}: {what}", self.app.description())
    }

    /// What every template of the app holds at its root: the functions and
    /// their role, the API's core and its governance.
    fn core(&self) -> Template {
        let mut template = Template::new(self.description());
        self.write_role(&mut template);
        self.write_functions(&mut template);
        self.write_rollouts(&mut template);
        if let Some(api) = &self.app.rest_api {
            self.write_api_core(&mut template, api);
            self.write_api_logs(&mut template);
            self.write_custom_domain(&mut template);
            self.write_governance(&mut template, api);
        }
        template
    }

    /// Everything in one template.
    fn single(&self) -> Template {
        let mut template = self.core();
        if let Some(api) = &self.app.rest_api {
            let mut methods = Vec::new();
            for resource in &api.resources {
                for (id, written) in self.api_resource(api, resource, rest_api::Scope::Root) {
                    if matches!(written.kind, ResourceKind::Method(_)) {
                        methods.push(id.clone());
                    }
                    template.resources.insert(id, written);
                }
            }
            template
                .resources
                .insert(self.deployment_id(api), self.deployment(api, methods));
        }
        template
    }

    /// Completes the root template: the event functions' wiring,
    /// `.chalice/resources.json`, and the declared buckets' notifications.
    fn finish_root(&self, root: &mut Template) -> Result<(), TemplateError> {
        self.write_api_canary(root);
        self.write_own_roles(root)?;
        self.write_events(root)?;
        self.write_websocket_api(root)?;
        self.write_alarms(root);
        self.merge_declared(root)?;
        self.write_bucket_notifications(root)
    }

    /// Adds `.chalice/resources.json` to the root template.
    fn merge_declared(&self, root: &mut Template) -> Result<(), TemplateError> {
        let generated: BTreeSet<String> = self
            .app
            .roles
            .managed
            .iter()
            .filter(|r| r.is_generated())
            .map(|r| r.logical_id.clone())
            .collect();
        self.app
            .resources
            .merge(root, &self.app.stage, &generated)?;
        Ok(())
    }
}

#[cfg(test)]
mod declared_tests;
#[cfg(test)]
mod events_tests;
#[cfg(test)]
mod operations_tests;
#[cfg(test)]
mod roles_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod websocket_tests;

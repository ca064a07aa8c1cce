//! The functions' IAM policy, generated from the app's code (`autogen_policy`).
//!
//! The app's sources are read with `syn`, following the module tree from
//! `src/main.rs`, `src/lib.rs` and `src/bin/*.rs` (`#[cfg(test)]` modules and
//! items and `#[test]` functions are skipped: test code does not run on
//! Lambda). Every method call on a value that is an AWS SDK client
//! (`aws_sdk_<service>::Client`) is an SDK call; its IAM action comes from
//! the service's prefix and the operation's name (`put_item` →
//! `dynamodb:PutItem`), with tables for the services and operations whose IAM
//! names differ. A call that cannot be mapped is listed, never granted.
//!
//! # What counts as a client (the heuristic)
//!
//! A value's kind is tracked through:
//! - types: `aws_sdk_x::Client` (also via `use aws_sdk_x::Client`,
//!   `use aws_sdk_x::Client as C`, `use aws_sdk_x as x` ... `x::Client`,
//!   `type Db = aws_sdk_x::Client`), through `&`, `Arc`, `Rc`, `Box`,
//!   `Option`, `State` and other one-parameter wrappers;
//! - function parameters and `let` bindings (annotated, or initialised from
//!   `aws_sdk_x::Client::new(..)`/`from_conf(..)`, another client value,
//!   `.clone()`, or a function returning a client), and one-field patterns
//!   such as `State(db): State<Db>`;
//! - struct fields (named or tuple) of the app's structs, through `self`,
//!   typed variables, and, when the base is unknown, any struct field of that
//!   name whose type is a client.
//!
//! Calls through traits, generics, macros or collections of clients are not
//! seen: give those permissions with `iam_policy_file`.

use crate::config::FunctionConfig;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use syn::visit::Visit;

/// Why the policy cannot be produced.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// A source file or the policy file cannot be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A source file does not parse as Rust.
    #[error("{path}:{line}:{column}: cannot parse: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// Line (1-based).
        line: usize,
        /// Column (1-based).
        column: usize,
        /// The parser's message.
        message: String,
    },
    /// The project has no `src/main.rs`, `src/lib.rs` or `src/bin/*.rs`.
    #[error("{dir}: no src/main.rs, src/lib.rs or src/bin/*.rs to read")]
    NoSources {
        /// The project directory.
        dir: PathBuf,
    },
    /// The project or its `.chalice/config.json` cannot be used.
    #[error(transparent)]
    Project(#[from] crate::project::ProjectError),
    /// The stage's configuration is invalid.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// The `iam_policy_file` is not a policy document.
    #[error("iam_policy_file {path}: {message}")]
    PolicyFile {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

/// One SDK call found in the code.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SdkCall {
    /// The SDK crate, e.g. `aws_sdk_dynamodb`; empty for a call that looks
    /// like an SDK request (`x.op(..)...send()` in a file using an SDK crate)
    /// on a value whose type the heuristic cannot tell: never granted.
    pub service_crate: String,
    /// The client method, e.g. `put_item` (for an unidentified client: the
    /// call chain, e.g. `clients[0].put_item(..).send()`).
    pub method: String,
    /// The source file.
    pub file: PathBuf,
    /// Line of the call (1-based).
    pub line: usize,
}

impl std::fmt::Display for SdkCall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.service_crate.is_empty() {
            return write!(
                f,
                "{}:{}: `{}` looks like an AWS SDK call on a client the heuristic cannot identify",
                self.file.display(),
                self.line,
                self.method
            );
        }
        write!(
            f,
            "{}:{}: {}::Client::{}",
            self.file.display(),
            self.line,
            self.service_crate,
            self.method
        )
    }
}

/// Where the policy came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicySource {
    /// Generated from the code.
    Generated,
    /// The function's `iam_policy_file` (its full path).
    File(PathBuf),
    /// `autogen_policy` is false and no `iam_policy_file` is set.
    Disabled,
}

/// The policy of a function and how it was made.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyOutcome {
    /// Where it came from.
    pub source: PolicySource,
    /// The policy document; `None` when there is nothing to grant (no SDK
    /// call, or generation disabled without a file).
    pub document: Option<Value>,
    /// Every SDK call found (empty when the policy comes from a file).
    pub calls: Vec<SdkCall>,
    /// Calls whose IAM action is not known: not granted.
    pub unmapped: Vec<SdkCall>,
}

/// The policy of function `function` of the project in `project_dir`:
/// `iam_policy_file` (relative to `.chalice/`) when set, else generated from
/// the code when `autogen_policy` is true.
pub fn policy_for(
    project_dir: &Path,
    function: &FunctionConfig,
) -> Result<PolicyOutcome, PolicyError> {
    if let Some(file) = &function.iam_policy_file {
        let path = project_dir.join(".chalice").join(file);
        let document = read_policy_file(&path)?;
        return Ok(PolicyOutcome {
            source: PolicySource::File(path),
            document: Some(document),
            calls: Vec::new(),
            unmapped: Vec::new(),
        });
    }
    if !function.autogen_policy {
        return Ok(PolicyOutcome {
            source: PolicySource::Disabled,
            document: None,
            calls: Vec::new(),
            unmapped: Vec::new(),
        });
    }
    let calls = scan_project(project_dir)?;
    let (document, unmapped) = generate(&calls);
    Ok(PolicyOutcome {
        source: PolicySource::Generated,
        document,
        calls,
        unmapped,
    })
}

/// The policy of the `api` function of `stage` (what `cargo chalice
/// gen-policy` prints).
pub fn policy_for_stage(project_dir: &Path, stage: &str) -> Result<PolicyOutcome, PolicyError> {
    let project = crate::project::Project::discover(project_dir)?;
    let config = crate::config::load(&project.dir, stage, &project.package)?;
    policy_for(&project.dir, &config.function("api"))
}

/// Reads and checks a policy document file (JSON with a `Statement`).
pub fn read_policy_file(path: &Path) -> Result<Value, PolicyError> {
    let text = std::fs::read_to_string(path).map_err(|source| PolicyError::Read {
        path: path.to_owned(),
        source,
    })?;
    let fail = |message: String| PolicyError::PolicyFile {
        path: path.to_owned(),
        message,
    };
    let value: Value = serde_json::from_str(&text)
        .map_err(|e| fail(format!("line {}, column {}: {e}", e.line(), e.column())))?;
    match value.get("Statement") {
        Some(Value::Array(statements)) if !statements.is_empty() => Ok(value),
        Some(Value::Object(_)) => Ok(value),
        _ => Err(fail(
            "a policy document needs a non-empty `Statement`".to_owned(),
        )),
    }
}

/// The policy document granting the mapped calls, and the unmapped calls.
///
/// One statement per IAM service prefix (sorted), its actions sorted and
/// deduplicated, `Resource: "*"`. `None` when no call maps to an action.
pub fn generate(calls: &[SdkCall]) -> (Option<Value>, Vec<SdkCall>) {
    let mut by_prefix: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut unmapped = Vec::new();
    for call in calls {
        match actions_for(&call.service_crate, &call.method) {
            Some(actions) => {
                for action in actions {
                    let prefix = action.split(':').next().unwrap_or_default().to_owned();
                    by_prefix.entry(prefix).or_default().insert(action);
                }
            }
            None => unmapped.push(call.clone()),
        }
    }
    unmapped.sort();
    unmapped.dedup();
    if by_prefix.is_empty() {
        return (None, unmapped);
    }
    let statements: Vec<Value> = by_prefix
        .iter()
        .map(|(prefix, actions)| {
            json!({
                "Sid": statement_id(prefix),
                "Effect": "Allow",
                "Action": actions.iter().collect::<Vec<_>>(),
                "Resource": "*",
            })
        })
        .collect();
    (
        Some(json!({"Version": "2012-10-17", "Statement": statements})),
        unmapped,
    )
}

/// `cognito-idp` → `CognitoIdpCalls`: an IAM statement id (alphanumeric).
fn statement_id(prefix: &str) -> String {
    let mut out = String::new();
    for word in prefix.split(|c: char| !c.is_ascii_alphanumeric()) {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(chars);
        }
    }
    out.push_str("Calls");
    out
}

/// IAM service prefixes that differ from the SDK crate's suffix.
const PREFIXES: &[(&str, &str)] = &[
    ("acmpca", "acm-pca"),
    ("applicationautoscaling", "application-autoscaling"),
    ("bedrockruntime", "bedrock"),
    ("cloudwatchlogs", "logs"),
    ("cognitoidentity", "cognito-identity"),
    ("cognitoidentityprovider", "cognito-idp"),
    ("costexplorer", "ce"),
    ("dynamodbstreams", "dynamodb"),
    ("elasticloadbalancingv2", "elasticloadbalancing"),
    ("emrserverless", "emr-serverless"),
    ("eventbridge", "events"),
    ("iotdataplane", "iot"),
    ("opensearch", "es"),
    ("pinpoint", "mobiletargeting"),
    ("sagemakerruntime", "sagemaker"),
    ("sesv2", "ses"),
    ("sfn", "states"),
    ("timestreamquery", "timestream"),
    ("timestreamwrite", "timestream"),
];

/// Services whose IAM actions do not follow the operation names (HTTP-verb
/// actions, or too many exceptions): every call is unmapped unless listed
/// in [`OPERATIONS`].
const EXPLICIT_ONLY: &[&str] = &["apigateway", "apigatewayv2", "apigatewaymanagement", "s3"];

/// Operations whose IAM actions differ from their names (by SDK crate suffix).
/// An empty action list means "cannot be mapped statically".
const OPERATIONS: &[(&str, &str, &[&str])] = &[
    // DynamoDB: transactions need the item actions; PartiQL depends on the statement.
    ("dynamodb", "transact_get_items", &["dynamodb:GetItem"]),
    (
        "dynamodb",
        "transact_write_items",
        &[
            "dynamodb:ConditionCheckItem",
            "dynamodb:DeleteItem",
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
        ],
    ),
    ("dynamodb", "execute_statement", &[]),
    ("dynamodb", "batch_execute_statement", &[]),
    ("dynamodb", "execute_transaction", &[]),
    // Lambda.
    ("lambda", "invoke", &["lambda:InvokeFunction"]),
    (
        "lambda",
        "invoke_with_response_stream",
        &["lambda:InvokeFunction"],
    ),
    // Batched operations authorised by the single action.
    ("sqs", "send_message_batch", &["sqs:SendMessage"]),
    ("sqs", "delete_message_batch", &["sqs:DeleteMessage"]),
    (
        "sqs",
        "change_message_visibility_batch",
        &["sqs:ChangeMessageVisibility"],
    ),
    ("sns", "publish_batch", &["sns:Publish"]),
    ("bedrockruntime", "converse", &["bedrock:InvokeModel"]),
    (
        "bedrockruntime",
        "converse_stream",
        &["bedrock:InvokeModelWithResponseStream"],
    ),
    // API Gateway's management API (WebSocket callbacks).
    (
        "apigatewaymanagement",
        "post_to_connection",
        &["execute-api:ManageConnections"],
    ),
    (
        "apigatewaymanagement",
        "get_connection",
        &["execute-api:ManageConnections"],
    ),
    (
        "apigatewaymanagement",
        "delete_connection",
        &["execute-api:ManageConnections"],
    ),
    // S3: objects.
    ("s3", "get_object", &["s3:GetObject"]),
    ("s3", "head_object", &["s3:GetObject"]),
    (
        "s3",
        "get_object_attributes",
        &["s3:GetObject", "s3:GetObjectVersion"],
    ),
    ("s3", "put_object", &["s3:PutObject"]),
    ("s3", "copy_object", &["s3:GetObject", "s3:PutObject"]),
    ("s3", "delete_object", &["s3:DeleteObject"]),
    ("s3", "delete_objects", &["s3:DeleteObject"]),
    ("s3", "get_object_tagging", &["s3:GetObjectTagging"]),
    ("s3", "put_object_tagging", &["s3:PutObjectTagging"]),
    ("s3", "delete_object_tagging", &["s3:DeleteObjectTagging"]),
    ("s3", "get_object_acl", &["s3:GetObjectAcl"]),
    ("s3", "put_object_acl", &["s3:PutObjectAcl"]),
    ("s3", "restore_object", &["s3:RestoreObject"]),
    ("s3", "create_multipart_upload", &["s3:PutObject"]),
    ("s3", "upload_part", &["s3:PutObject"]),
    ("s3", "upload_part_copy", &["s3:GetObject", "s3:PutObject"]),
    ("s3", "complete_multipart_upload", &["s3:PutObject"]),
    ("s3", "abort_multipart_upload", &["s3:AbortMultipartUpload"]),
    ("s3", "list_parts", &["s3:ListMultipartUploadParts"]),
    // S3: buckets.
    ("s3", "list_objects", &["s3:ListBucket"]),
    ("s3", "list_objects_v2", &["s3:ListBucket"]),
    ("s3", "list_object_versions", &["s3:ListBucketVersions"]),
    (
        "s3",
        "list_multipart_uploads",
        &["s3:ListBucketMultipartUploads"],
    ),
    ("s3", "head_bucket", &["s3:ListBucket"]),
    ("s3", "list_buckets", &["s3:ListAllMyBuckets"]),
    ("s3", "get_bucket_location", &["s3:GetBucketLocation"]),
    ("s3", "create_bucket", &["s3:CreateBucket"]),
    ("s3", "delete_bucket", &["s3:DeleteBucket"]),
    ("s3", "get_bucket_policy", &["s3:GetBucketPolicy"]),
    ("s3", "put_bucket_policy", &["s3:PutBucketPolicy"]),
    ("s3", "get_bucket_tagging", &["s3:GetBucketTagging"]),
    ("s3", "put_bucket_tagging", &["s3:PutBucketTagging"]),
    ("s3", "get_bucket_versioning", &["s3:GetBucketVersioning"]),
    ("s3", "put_bucket_versioning", &["s3:PutBucketVersioning"]),
    ("s3", "get_bucket_cors", &["s3:GetBucketCORS"]),
    ("s3", "put_bucket_cors", &["s3:PutBucketCORS"]),
    (
        "s3",
        "get_bucket_notification_configuration",
        &["s3:GetBucketNotification"],
    ),
    (
        "s3",
        "put_bucket_notification_configuration",
        &["s3:PutBucketNotification"],
    ),
];

/// The IAM actions of `method` on `service_crate`'s client; `None` when they
/// are not known (the call must not be granted blindly).
pub fn actions_for(service_crate: &str, method: &str) -> Option<Vec<String>> {
    let suffix = service_crate.strip_prefix("aws_sdk_")?;
    if suffix.is_empty()
        || !suffix
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    {
        return None;
    }
    if !method
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        || method.starts_with('_')
        || method.starts_with("wait_until_")
    {
        return None;
    }
    if let Some((_, _, actions)) = OPERATIONS
        .iter()
        .find(|(service, operation, _)| *service == suffix && *operation == method)
    {
        return (!actions.is_empty()).then(|| actions.iter().map(|a| (*a).to_owned()).collect());
    }
    if EXPLICIT_ONLY.contains(&suffix) {
        return None;
    }
    let prefix = PREFIXES
        .iter()
        .find(|(crate_suffix, _)| *crate_suffix == suffix)
        .map_or(suffix, |(_, prefix)| prefix);
    let operation = pascal_case(method)?;
    Some(vec![format!("{prefix}:{operation}")])
}

/// `list_objects_v2` → `ListObjectsV2`; `None` for an empty name.
pub fn pascal_case(snake: &str) -> Option<String> {
    let mut out = String::new();
    for word in snake.split('_').filter(|w| !w.is_empty()) {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(chars);
        }
    }
    (!out.is_empty()).then_some(out)
}

/// Every SDK call in the project's crate roots and their modules.
pub fn scan_project(project_dir: &Path) -> Result<Vec<SdkCall>, PolicyError> {
    let src = project_dir.join("src");
    let mut roots: Vec<PathBuf> = ["main.rs", "lib.rs"]
        .iter()
        .map(|name| src.join(name))
        .filter(|path| path.is_file())
        .collect();
    if let Ok(entries) = std::fs::read_dir(src.join("bin")) {
        let mut bins: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter_map(|path| {
                if path.extension().is_some_and(|e| e == "rs") && path.is_file() {
                    Some(path)
                } else if path.join("main.rs").is_file() {
                    Some(path.join("main.rs"))
                } else {
                    None
                }
            })
            .collect();
        bins.sort();
        roots.extend(bins);
    }
    if roots.is_empty() {
        return Err(PolicyError::NoSources {
            dir: project_dir.to_owned(),
        });
    }
    let mut files: Vec<(PathBuf, syn::File)> = Vec::new();
    let mut seen: BTreeSet<PathBuf> = BTreeSet::new();
    for root in roots {
        let dir = root.parent().map(Path::to_path_buf).unwrap_or_default();
        collect_module(&root, &dir, &mut files, &mut seen)?;
    }
    let parsed: Vec<(&Path, &syn::File)> = files.iter().map(|(p, f)| (p.as_path(), f)).collect();
    let display_base = project_dir;
    Ok(find_calls_in(&parsed, display_base))
}

/// Parses `path` and, recursively, the files of its `mod name;` items
/// (`children_dir` is where they live), skipping `#[cfg(test)]` modules.
fn collect_module(
    path: &Path,
    children_dir: &Path,
    files: &mut Vec<(PathBuf, syn::File)>,
    seen: &mut BTreeSet<PathBuf>,
) -> Result<(), PolicyError> {
    if !seen.insert(path.to_owned()) {
        return Ok(());
    }
    let text = std::fs::read_to_string(path).map_err(|source| PolicyError::Read {
        path: path.to_owned(),
        source,
    })?;
    let file = parse_file(path, &text)?;
    let mut children: Vec<(PathBuf, PathBuf)> = Vec::new();
    collect_mod_decls(&file.items, children_dir, &mut children);
    files.push((path.to_owned(), file));
    for (child, grandchildren_dir) in children {
        if child.is_file() {
            collect_module(&child, &grandchildren_dir, files, seen)?;
        }
    }
    Ok(())
}

/// The files of the out-of-line modules declared in `items` (inline modules
/// are searched for further declarations in their own directory).
fn collect_mod_decls(items: &[syn::Item], dir: &Path, out: &mut Vec<(PathBuf, PathBuf)>) {
    for item in items {
        let syn::Item::Mod(module) = item else {
            continue;
        };
        if is_test_only(&module.attrs) {
            continue;
        }
        let name = module.ident.to_string();
        let explicit = module.attrs.iter().find_map(|attr| {
            if !attr.path().is_ident("path") {
                return None;
            }
            match &attr.meta {
                syn::Meta::NameValue(syn::MetaNameValue {
                    value:
                        syn::Expr::Lit(syn::ExprLit {
                            lit: syn::Lit::Str(s),
                            ..
                        }),
                    ..
                }) => Some(s.value()),
                _ => None,
            }
        });
        match (&module.content, explicit) {
            (Some((_, inner)), _) => collect_mod_decls(inner, &dir.join(&name), out),
            (None, Some(explicit)) => {
                let file = dir.join(explicit);
                let child_dir = file.parent().map(Path::to_path_buf).unwrap_or_default();
                out.push((file, child_dir));
            }
            (None, None) => {
                let flat = dir.join(format!("{name}.rs"));
                if flat.is_file() {
                    out.push((flat, dir.join(&name)));
                } else {
                    out.push((dir.join(&name).join("mod.rs"), dir.join(&name)));
                }
            }
        }
    }
}

fn parse_file(path: &Path, text: &str) -> Result<syn::File, PolicyError> {
    syn::parse_file(text).map_err(|error| {
        let start = error.span().start();
        PolicyError::Parse {
            path: path.to_owned(),
            line: start.line,
            column: start.column + 1,
            message: error.to_string(),
        }
    })
}

/// `#[cfg(test)]`, `#[test]`, `#[tokio::test]` and the like.
fn is_test_only(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|attr| {
        let path = attr.path();
        if path.segments.last().is_some_and(|s| s.ident == "test") {
            return true;
        }
        if path.is_ident("cfg") {
            if let syn::Meta::List(list) = &attr.meta {
                let tokens = list.tokens.to_string();
                return tokens.trim() == "test";
            }
        }
        false
    })
}

/// The SDK calls in one source text (a single-file crate): what the unit
/// tests and `scan_project` use.
pub fn find_calls(path: &Path, text: &str) -> Result<Vec<SdkCall>, PolicyError> {
    let file = parse_file(path, text)?;
    Ok(find_calls_in(&[(path, &file)], Path::new("")))
}

/// What a value is, as far as the heuristic can tell.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    /// An SDK client of this crate (`aws_sdk_dynamodb`).
    Client(String),
    /// A value of one of the app's structs (or a type alias), by name.
    Named(String),
    /// A request builder made by a client (`client.put_item()...`).
    Builder,
}

/// What all files declare: structs' fields, type aliases, functions
/// returning clients. Names are unqualified (a heuristic across modules).
#[derive(Default)]
struct Declarations {
    /// Struct name → field (name or index) → its type, with the file's aliases.
    fields: HashMap<String, HashMap<String, (syn::Type, usize)>>,
    /// `type Name = ...;` → its type, with the file's aliases.
    type_aliases: HashMap<String, (syn::Type, usize)>,
    /// `static`/`const` name → its type, with the file's aliases.
    statics: HashMap<String, (syn::Type, usize)>,
    /// Function or method name → its return type, with the file's aliases.
    returns: HashMap<String, (syn::Type, usize)>,
    /// Per file: local name → full path (`Client` → `aws_sdk_dynamodb::Client`).
    uses: Vec<HashMap<String, Vec<String>>>,
    /// Per file: whether it names an `aws_sdk_*` crate anywhere.
    mentions_sdk: Vec<bool>,
}

impl Declarations {
    /// The kind of a type written in file `file`.
    fn kind_of_type(&self, ty: &syn::Type, file: usize, depth: usize) -> Option<Kind> {
        if depth > 16 {
            return None;
        }
        match ty {
            syn::Type::Reference(r) => self.kind_of_type(&r.elem, file, depth + 1),
            syn::Type::Paren(p) => self.kind_of_type(&p.elem, file, depth + 1),
            syn::Type::Group(g) => self.kind_of_type(&g.elem, file, depth + 1),
            syn::Type::Path(path) if path.qself.is_none() => {
                let segments: Vec<String> = path
                    .path
                    .segments
                    .iter()
                    .map(|s| s.ident.to_string())
                    .collect();
                let full = expand(&segments, &self.uses[file]);
                if let Some(service) = client_service(&full) {
                    return Some(Kind::Client(service));
                }
                let last = path.path.segments.last()?;
                // One-parameter wrappers: Arc<T>, Box<T>, Option<T>, State<T>, ...
                if let syn::PathArguments::AngleBracketed(args) = &last.arguments {
                    let types: Vec<&syn::Type> = args
                        .args
                        .iter()
                        .filter_map(|arg| match arg {
                            syn::GenericArgument::Type(t) => Some(t),
                            _ => None,
                        })
                        .collect();
                    if let [inner] = types.as_slice() {
                        return self.kind_of_type(inner, file, depth + 1);
                    }
                    return None;
                }
                let name = last.ident.to_string();
                if let Some((aliased, alias_file)) = self.type_aliases.get(&name) {
                    return self.kind_of_type(aliased, *alias_file, depth + 1);
                }
                self.fields.contains_key(&name).then_some(Kind::Named(name))
            }
            _ => None,
        }
    }

    /// The kind of field `member` of struct `name`.
    fn field_kind(&self, name: &str, member: &str) -> Option<Kind> {
        let (ty, file) = self.fields.get(name)?.get(member)?;
        self.kind_of_type(ty, *file, 0)
    }

    /// The client kind of a field named `member` in any struct, when every
    /// struct having such a client field agrees on the service.
    fn any_client_field(&self, member: &str) -> Option<Kind> {
        let mut found: Option<Kind> = None;
        for fields in self.fields.values() {
            if let Some((ty, file)) = fields.get(member) {
                if let Some(kind @ Kind::Client(_)) = self.kind_of_type(ty, *file, 0) {
                    if found.as_ref().is_some_and(|f| *f != kind) {
                        return None;
                    }
                    found = Some(kind);
                }
            }
        }
        found
    }

    /// The kind returned by function or method `name`.
    fn returned(&self, name: &str) -> Option<Kind> {
        let (ty, file) = self.returns.get(name)?;
        self.kind_of_type(ty, *file, 0)
    }
}

/// `[aws_sdk_x, Client]` or `[aws_sdk_x, client, Client]` → `aws_sdk_x`.
fn client_service(path: &[String]) -> Option<String> {
    let (first, rest) = path.split_first()?;
    if !first.starts_with("aws_sdk_") {
        return None;
    }
    let rest: Vec<&str> = rest.iter().map(String::as_str).collect();
    matches!(rest.as_slice(), ["Client"] | ["client", "Client"]).then(|| first.clone())
}

/// Replaces the first segment by what `use` made it stand for.
fn expand(segments: &[String], uses: &HashMap<String, Vec<String>>) -> Vec<String> {
    match segments.split_first() {
        Some((first, rest)) => match uses.get(first) {
            Some(full) => full.iter().chain(rest).cloned().collect(),
            None => segments.to_vec(),
        },
        None => Vec::new(),
    }
}

/// Records what the names of a `use` tree stand for.
fn collect_use(
    tree: &syn::UseTree,
    prefix: &mut Vec<String>,
    out: &mut HashMap<String, Vec<String>>,
) {
    match tree {
        syn::UseTree::Path(path) => {
            prefix.push(path.ident.to_string());
            collect_use(&path.tree, prefix, out);
            prefix.pop();
        }
        syn::UseTree::Name(name) => {
            let ident = name.ident.to_string();
            if ident == "self" {
                if let Some(last) = prefix.last() {
                    out.insert(last.clone(), prefix.clone());
                }
            } else {
                let mut full = prefix.clone();
                full.push(ident.clone());
                out.insert(ident, full);
            }
        }
        syn::UseTree::Rename(rename) => {
            let mut full = prefix.clone();
            if rename.ident != "self" {
                full.push(rename.ident.to_string());
            }
            out.insert(rename.rename.to_string(), full);
        }
        syn::UseTree::Glob(_) => {
            // `use aws_sdk_x::*;` brings `Client` into scope.
            if prefix.first().is_some_and(|p| p.starts_with("aws_sdk_")) {
                let mut full = prefix.clone();
                full.push("Client".to_owned());
                if client_service(&full).is_some() {
                    out.insert("Client".to_owned(), full);
                }
            }
        }
        syn::UseTree::Group(group) => {
            for item in &group.items {
                collect_use(item, prefix, out);
            }
        }
    }
}

/// First pass: declarations of one file (test-only items skipped).
struct DeclarationCollector<'a> {
    declarations: &'a mut Declarations,
    file: usize,
}

impl<'ast> Visit<'ast> for DeclarationCollector<'_> {
    fn visit_item(&mut self, item: &'ast syn::Item) {
        if let Some(attrs) = item_attrs(item) {
            if is_test_only(attrs) {
                return;
            }
        }
        syn::visit::visit_item(self, item);
    }
    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        let mut prefix = Vec::new();
        collect_use(
            &item.tree,
            &mut prefix,
            &mut self.declarations.uses[self.file],
        );
        if self.declarations.uses[self.file].values().any(|full| {
            full.first()
                .is_some_and(|first| first.starts_with("aws_sdk_"))
        }) {
            self.declarations.mentions_sdk[self.file] = true;
        }
    }
    fn visit_path(&mut self, path: &'ast syn::Path) {
        if path
            .segments
            .first()
            .is_some_and(|first| first.ident.to_string().starts_with("aws_sdk_"))
        {
            self.declarations.mentions_sdk[self.file] = true;
        }
        syn::visit::visit_path(self, path);
    }
    fn visit_item_struct(&mut self, item: &'ast syn::ItemStruct) {
        let fields = self
            .declarations
            .fields
            .entry(item.ident.to_string())
            .or_default();
        for (index, field) in item.fields.iter().enumerate() {
            let name = field
                .ident
                .as_ref()
                .map_or_else(|| index.to_string(), ToString::to_string);
            fields.insert(name, (field.ty.clone(), self.file));
        }
        syn::visit::visit_item_struct(self, item);
    }
    fn visit_item_static(&mut self, item: &'ast syn::ItemStatic) {
        self.declarations
            .statics
            .insert(item.ident.to_string(), ((*item.ty).clone(), self.file));
    }
    fn visit_item_const(&mut self, item: &'ast syn::ItemConst) {
        self.declarations
            .statics
            .insert(item.ident.to_string(), ((*item.ty).clone(), self.file));
    }
    fn visit_item_type(&mut self, item: &'ast syn::ItemType) {
        self.declarations
            .type_aliases
            .insert(item.ident.to_string(), ((*item.ty).clone(), self.file));
    }
    fn visit_signature(&mut self, signature: &'ast syn::Signature) {
        if let syn::ReturnType::Type(_, ty) = &signature.output {
            self.declarations
                .returns
                .insert(signature.ident.to_string(), ((**ty).clone(), self.file));
        }
    }
}

fn item_attrs(item: &syn::Item) -> Option<&[syn::Attribute]> {
    Some(match item {
        syn::Item::Fn(i) => &i.attrs,
        syn::Item::Mod(i) => &i.attrs,
        syn::Item::Impl(i) => &i.attrs,
        syn::Item::Struct(i) => &i.attrs,
        syn::Item::Use(i) => &i.attrs,
        syn::Item::Const(i) => &i.attrs,
        syn::Item::Static(i) => &i.attrs,
        syn::Item::Trait(i) => &i.attrs,
        syn::Item::Enum(i) => &i.attrs,
        syn::Item::Type(i) => &i.attrs,
        _ => return None,
    })
}

/// Second pass: the calls of one file.
struct CallFinder<'a> {
    declarations: &'a Declarations,
    file: usize,
    path: PathBuf,
    /// Variable scopes, innermost last (a heuristic: blocks push, fns reset).
    scopes: Vec<HashMap<String, Kind>>,
    /// The type of `Self` in the current impl.
    self_type: Option<syn::Type>,
    calls: Vec<SdkCall>,
}

/// Methods that are not operations: the client's own, and those of the
/// wrappers (`Option`, `Arc`, ...) the heuristic sees through.
const NOT_OPERATIONS: &[&str] = &[
    "config",
    "clone",
    "to_owned",
    "as_ref",
    "as_deref",
    "as_mut",
    "borrow",
    "deref",
    "fmt",
    "unwrap",
    "expect",
    "unwrap_or_else",
    "unwrap_or_default",
    "is_some",
    "is_none",
    "ok_or",
    "ok_or_else",
    "map",
    "take",
    "iter",
    "lock",
    "read",
    "write",
    "get",
    "get_or_init",
];

impl CallFinder<'_> {
    fn lookup(&self, name: &str) -> Option<Kind> {
        self.scopes
            .iter()
            .rev()
            .find_map(|scope| scope.get(name).cloned())
    }

    fn bind(&mut self, name: String, kind: Option<Kind>) {
        if let Some(scope) = self.scopes.last_mut() {
            match kind {
                Some(kind) => {
                    scope.insert(name, kind);
                }
                // Shadowing by something else hides the outer binding.
                None => {
                    scope.remove(&name);
                    if self
                        .scopes
                        .iter()
                        .rev()
                        .skip(1)
                        .any(|s| s.contains_key(&name))
                    {
                        if let Some(scope) = self.scopes.last_mut() {
                            scope.insert(name, Kind::Named(String::new()));
                        }
                    }
                }
            }
        }
    }

    /// `root.op(..)...send()` where no receiver in the chain is a known
    /// client: listed as an unidentified call (never granted).
    fn check_unresolved_request(&mut self, send: &syn::ExprMethodCall) {
        let mut methods = vec!["send()".to_owned()];
        let mut receiver = &*send.receiver;
        while let syn::Expr::MethodCall(inner) = receiver {
            if matches!(
                self.expr_kind(&inner.receiver),
                Some(Kind::Client(_) | Kind::Builder)
            ) {
                return;
            }
            methods.push(format!("{}(..)", inner.method));
            receiver = &inner.receiver;
        }
        if methods.len() < 2 || self.expr_kind(receiver) == Some(Kind::Builder) {
            return; // `tx.send(x)`: a channel; `request.send()`: a known builder.
        }
        let root = match receiver {
            syn::Expr::Path(_) | syn::Expr::Field(_) | syn::Expr::Index(_) => {
                quote::ToTokens::to_token_stream(receiver)
                    .to_string()
                    .replace(' ', "")
            }
            _ => "<expression>".to_owned(),
        };
        methods.reverse();
        self.calls.push(SdkCall {
            service_crate: String::new(),
            method: format!("{root}.{}", methods.join(".")),
            file: self.path.clone(),
            line: send.method.span().start().line,
        });
    }

    fn type_kind(&self, ty: &syn::Type) -> Option<Kind> {
        if let syn::Type::Path(path) = ty {
            if path.path.is_ident("Self") {
                let self_type = self.self_type.as_ref()?;
                return self.declarations.kind_of_type(self_type, self.file, 0);
            }
        }
        self.declarations.kind_of_type(ty, self.file, 0)
    }

    /// Binds the names of a pattern whose value has type `ty` (when given)
    /// or kind `kind`.
    fn bind_pattern(&mut self, pat: &syn::Pat, kind: Option<Kind>) {
        match pat {
            syn::Pat::Ident(ident) => self.bind(ident.ident.to_string(), kind),
            syn::Pat::Type(typed) => {
                let kind = self.type_kind(&typed.ty).or(kind);
                self.bind_pattern(&typed.pat, kind);
            }
            syn::Pat::Reference(r) => self.bind_pattern(&r.pat, kind),
            // `State(db)`, `Some(client)`, `Arc(x)`: one field carries the value.
            syn::Pat::TupleStruct(tuple) if tuple.elems.len() == 1 => {
                if let Some(inner) = tuple.elems.first() {
                    self.bind_pattern(inner, kind);
                }
            }
            other => {
                // Other patterns: bind nothing, but hide shadowed names.
                let mut names = Vec::new();
                pattern_names(other, &mut names);
                for name in names {
                    self.bind(name, None);
                }
            }
        }
    }

    /// The kind of an expression's value.
    fn expr_kind(&self, expr: &syn::Expr) -> Option<Kind> {
        match expr {
            syn::Expr::Path(path) if path.qself.is_none() => {
                let ident = path.path.get_ident()?.to_string();
                self.lookup(&ident).or_else(|| {
                    let (ty, file) = self.declarations.statics.get(&ident)?;
                    self.declarations.kind_of_type(ty, *file, 0)
                })
            }
            syn::Expr::Field(field) => {
                let member = match &field.member {
                    syn::Member::Named(ident) => ident.to_string(),
                    syn::Member::Unnamed(index) => index.index.to_string(),
                };
                match self.expr_kind(&field.base) {
                    Some(Kind::Named(name)) => self.declarations.field_kind(&name, &member),
                    Some(Kind::Client(_) | Kind::Builder) => None,
                    None => self.declarations.any_client_field(&member),
                }
            }
            syn::Expr::MethodCall(call) => {
                let method = call.method.to_string();
                if matches!(
                    method.as_str(),
                    "clone"
                        | "to_owned"
                        | "as_ref"
                        | "as_mut"
                        | "as_deref"
                        | "borrow"
                        | "deref"
                        | "unwrap"
                        | "expect"
                        | "unwrap_or_else"
                        | "lock"
                        | "read"
                        | "write"
                        | "get"
                        | "get_or_init"
                ) {
                    return self.expr_kind(&call.receiver);
                }
                // An operation or a builder's setter: a builder; `send` ends it.
                if let Some(Kind::Client(_) | Kind::Builder) = self.expr_kind(&call.receiver) {
                    return (method != "send").then_some(Kind::Builder);
                }
                self.declarations.returned(&method)
            }
            syn::Expr::Call(call) => {
                let syn::Expr::Path(func) = &*call.func else {
                    return None;
                };
                let segments: Vec<String> = func
                    .path
                    .segments
                    .iter()
                    .map(|s| s.ident.to_string())
                    .collect();
                let full = expand(&segments, &self.declarations.uses[self.file]);
                if let Some((constructor, ty)) = full.split_last() {
                    if matches!(constructor.as_str(), "new" | "from_conf") {
                        if let Some(service) = client_service(ty) {
                            return Some(Kind::Client(service));
                        }
                        if ty.len() == 1 && self.declarations.fields.contains_key(&ty[0]) {
                            return Some(Kind::Named(ty[0].clone()));
                        }
                    }
                }
                let last = segments.last()?;
                if last == "Some" || last == "Arc" || last == "Box" || last == "Rc" {
                    return call.args.first().and_then(|arg| self.expr_kind(arg));
                }
                self.declarations.returned(last)
            }
            syn::Expr::Struct(literal) => {
                let name = literal.path.segments.last()?.ident.to_string();
                self.declarations
                    .fields
                    .contains_key(&name)
                    .then_some(Kind::Named(name))
            }
            syn::Expr::Reference(r) => self.expr_kind(&r.expr),
            syn::Expr::Paren(p) => self.expr_kind(&p.expr),
            syn::Expr::Group(g) => self.expr_kind(&g.expr),
            syn::Expr::Try(t) => self.expr_kind(&t.expr),
            syn::Expr::Await(a) => self.expr_kind(&a.base),
            syn::Expr::Cast(c) => self.type_kind(&c.ty),
            _ => None,
        }
    }
}

fn pattern_names(pat: &syn::Pat, out: &mut Vec<String>) {
    struct Names<'a>(&'a mut Vec<String>);
    impl<'ast> Visit<'ast> for Names<'_> {
        fn visit_pat_ident(&mut self, ident: &'ast syn::PatIdent) {
            self.0.push(ident.ident.to_string());
            syn::visit::visit_pat_ident(self, ident);
        }
    }
    Names(out).visit_pat(pat);
}

impl<'ast> Visit<'ast> for CallFinder<'_> {
    fn visit_item(&mut self, item: &'ast syn::Item) {
        if let Some(attrs) = item_attrs(item) {
            if is_test_only(attrs) {
                return;
            }
        }
        syn::visit::visit_item(self, item);
    }

    fn visit_item_impl(&mut self, item: &'ast syn::ItemImpl) {
        let outer = self.self_type.replace((*item.self_ty).clone());
        syn::visit::visit_item_impl(self, item);
        self.self_type = outer;
    }

    fn visit_item_fn(&mut self, item: &'ast syn::ItemFn) {
        let outer = std::mem::replace(&mut self.scopes, vec![HashMap::new()]);
        let outer_self = self.self_type.take();
        syn::visit::visit_item_fn(self, item);
        self.scopes = outer;
        self.self_type = outer_self;
    }

    fn visit_impl_item_fn(&mut self, item: &'ast syn::ImplItemFn) {
        if is_test_only(&item.attrs) {
            return;
        }
        let outer = std::mem::replace(&mut self.scopes, vec![HashMap::new()]);
        syn::visit::visit_impl_item_fn(self, item);
        self.scopes = outer;
    }

    fn visit_fn_arg(&mut self, arg: &'ast syn::FnArg) {
        match arg {
            syn::FnArg::Receiver(_) => {
                let kind = self
                    .self_type
                    .as_ref()
                    .and_then(|ty| self.declarations.kind_of_type(ty, self.file, 0));
                self.bind("self".to_owned(), kind);
            }
            syn::FnArg::Typed(typed) => {
                let kind = self.type_kind(&typed.ty);
                self.bind_pattern(&typed.pat, kind);
            }
        }
        syn::visit::visit_fn_arg(self, arg);
    }

    fn visit_block(&mut self, block: &'ast syn::Block) {
        self.scopes.push(HashMap::new());
        syn::visit::visit_block(self, block);
        self.scopes.pop();
    }

    fn visit_local(&mut self, local: &'ast syn::Local) {
        // The initialiser is evaluated before the new names exist.
        if let Some(init) = &local.init {
            self.visit_expr(&init.expr);
            if let Some((_, diverge)) = &init.diverge {
                self.visit_expr(diverge);
            }
        }
        let kind = local
            .init
            .as_ref()
            .and_then(|init| self.expr_kind(&init.expr));
        self.bind_pattern(&local.pat, kind);
    }

    fn visit_expr_closure(&mut self, closure: &'ast syn::ExprClosure) {
        self.scopes.push(HashMap::new());
        for input in &closure.inputs {
            self.bind_pattern(input, None);
        }
        self.visit_expr(&closure.body);
        self.scopes.pop();
    }

    /// Macro bodies are tokens to syn: those that parse as comma-separated
    /// expressions (`tokio::join!`, `try_join!`, `vec!`, `format!`, ...) are
    /// searched like code; others (`select!`) are not.
    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        use syn::parse::Parser;
        let parser = syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated;
        if let Ok(exprs) = parser.parse2(mac.tokens.clone()) {
            for expr in &exprs {
                self.visit_expr(expr);
            }
        }
    }

    fn visit_expr_let(&mut self, expr: &'ast syn::ExprLet) {
        // `if let Some(client) = &self.client`: the binding is visible in the
        // rest of the enclosing block too (a harmless over-approximation).
        self.visit_expr(&expr.expr);
        let kind = self.expr_kind(&expr.expr);
        self.bind_pattern(&expr.pat, kind);
    }

    fn visit_expr_match(&mut self, expr: &'ast syn::ExprMatch) {
        self.visit_expr(&expr.expr);
        let kind = self.expr_kind(&expr.expr);
        for arm in &expr.arms {
            self.scopes.push(HashMap::new());
            self.bind_pattern(&arm.pat, kind.clone());
            if let Some((_, guard)) = &arm.guard {
                self.visit_expr(guard);
            }
            self.visit_expr(&arm.body);
            self.scopes.pop();
        }
    }

    fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
        if call.method == "send" && self.declarations.mentions_sdk[self.file] {
            self.check_unresolved_request(call);
        }
        if let Some(Kind::Client(service)) = self.expr_kind(&call.receiver) {
            let method = call.method.to_string();
            if !NOT_OPERATIONS.contains(&method.as_str()) {
                self.calls.push(SdkCall {
                    service_crate: service,
                    method,
                    file: self.path.clone(),
                    line: call.method.span().start().line,
                });
            }
        }
        syn::visit::visit_expr_method_call(self, call);
    }
}

/// The calls in already parsed files; paths are shown relative to `base`.
fn find_calls_in(files: &[(&Path, &syn::File)], base: &Path) -> Vec<SdkCall> {
    let mut declarations = Declarations {
        uses: vec![HashMap::new(); files.len()],
        mentions_sdk: vec![false; files.len()],
        ..Declarations::default()
    };
    for (index, (_, file)) in files.iter().enumerate() {
        DeclarationCollector {
            declarations: &mut declarations,
            file: index,
        }
        .visit_file(file);
    }
    let mut calls = Vec::new();
    for (index, (path, file)) in files.iter().enumerate() {
        let shown = path.strip_prefix(base).unwrap_or(path).to_path_buf();
        let mut finder = CallFinder {
            declarations: &declarations,
            file: index,
            path: shown,
            scopes: vec![HashMap::new()],
            self_type: None,
            calls: Vec::new(),
        };
        finder.visit_file(file);
        calls.extend(finder.calls);
    }
    calls.sort();
    calls
}

/// The text `cargo chalice gen-policy` prints: the document (or why there is
/// none), then the unmapped calls as warnings on stderr's behalf.
pub fn render(outcome: &PolicyOutcome) -> (String, Vec<String>) {
    let mut warnings: Vec<String> = outcome
        .unmapped
        .iter()
        .map(|call| format!("not granted (unknown IAM action): {call}"))
        .collect();
    let stdout = match (&outcome.document, &outcome.source) {
        (Some(document), _) => {
            let mut text = serde_json::to_string_pretty(document).unwrap_or_default();
            text.push('\n');
            text
        }
        (None, PolicySource::Disabled) => {
            warnings.push(
                "autogen_policy is false and no iam_policy_file is set: no policy".to_owned(),
            );
            String::new()
        }
        (None, _) => {
            warnings.push(
                "no AWS SDK client call found: the app needs no extra permissions".to_owned(),
            );
            String::new()
        }
    };
    (stdout, warnings)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn calls(source: &str) -> Vec<String> {
        find_calls(Path::new("src/main.rs"), source)
            .expect("parses")
            .into_iter()
            .map(|call| format!("{}::{}", call.service_crate, call.method))
            .collect()
    }

    #[test]
    fn constructor_and_let_bindings() {
        let source = r#"
            async fn f(config: &aws_config::SdkConfig) {
                let client = aws_sdk_dynamodb::Client::new(config);
                client.put_item().send().await;
                let copy = client.clone();
                copy.get_item().send().await;
                let other = String::new();
                other.len();
            }
        "#;
        assert_eq!(
            calls(source),
            ["aws_sdk_dynamodb::get_item", "aws_sdk_dynamodb::put_item"]
        );
    }

    #[test]
    fn use_aliases_and_renames() {
        let source = r#"
            use aws_sdk_s3::Client as S3;
            use aws_sdk_sqs as sqs;
            use aws_sdk_dynamodb::{self, types::AttributeValue};
            fn f(s3: &S3, queue: sqs::Client, db: &not_an_sdk::Client) {
                s3.get_object();
                queue.send_message();
                db.scan();
                let d = aws_sdk_dynamodb::Client::from_conf(conf);
                d.query();
            }
        "#;
        assert_eq!(
            calls(source),
            [
                "aws_sdk_dynamodb::query",
                "aws_sdk_s3::get_object",
                "aws_sdk_sqs::send_message"
            ]
        );
    }

    #[test]
    fn struct_fields_state_and_self() {
        let source = r#"
            use aws_sdk_dynamodb::Client;
            use std::sync::Arc;
            #[derive(Clone)]
            struct Todos { client: Client, table: String }
            #[derive(Clone)]
            struct Db(Arc<aws_sdk_sns::Client>);
            impl Todos {
                async fn save(&self) { self.client.put_item().send().await; }
            }
            #[route("/x", methods = [GET])]
            async fn handler(State(todos): State<Todos>, State(db): State<Db>) {
                todos.client.delete_item();
                db.0.publish();
                todos.table.len();
            }
        "#;
        assert_eq!(
            calls(source),
            [
                "aws_sdk_dynamodb::delete_item",
                "aws_sdk_dynamodb::put_item",
                "aws_sdk_sns::publish"
            ]
        );
    }

    #[test]
    fn functions_returning_clients_and_type_aliases() {
        let source = r#"
            type Queue = aws_sdk_sqs::Client;
            fn queue() -> Queue { todo!() }
            struct App { inner: Option<Queue> }
            impl App { fn logs(&self) -> &aws_sdk_cloudwatchlogs::Client { todo!() } }
            static SNS: std::sync::OnceLock<aws_sdk_sns::Client> = std::sync::OnceLock::new();
            async fn f(app: App) {
                SNS.get().unwrap().publish();
                queue().receive_message();
                app.logs().put_log_events();
                app.inner.unwrap().delete_message();
            }
        "#;
        assert_eq!(
            calls(source),
            [
                "aws_sdk_cloudwatchlogs::put_log_events",
                "aws_sdk_sns::publish",
                "aws_sdk_sqs::delete_message",
                "aws_sdk_sqs::receive_message"
            ]
        );
    }

    #[test]
    fn test_code_and_shadowing_are_ignored() {
        let source = r#"
            fn f(client: aws_sdk_dynamodb::Client) {
                client.get_item();
                {
                    let client = vec![1];
                    client.push(2);
                }
                let client = 5;
                client.pow(2);
            }
            #[cfg(test)]
            mod tests {
                fn setup(client: aws_sdk_dynamodb::Client) { client.create_table(); }
            }
            #[tokio::test]
            async fn t(client: aws_sdk_dynamodb::Client) { client.delete_table(); }
        "#;
        assert_eq!(calls(source), ["aws_sdk_dynamodb::get_item"]);
    }

    #[test]
    fn if_let_and_match_bindings() {
        let source = r#"
            struct S { client: Option<aws_sdk_sqs::Client> }
            fn f(s: &S) {
                if let Some(client) = &s.client { client.send_message(); }
                match s.client.clone() { Some(c) => { c.delete_message(); } None => {} }
            }
        "#;
        assert_eq!(
            calls(source),
            ["aws_sdk_sqs::delete_message", "aws_sdk_sqs::send_message"]
        );
    }

    #[test]
    fn unidentified_sdk_looking_calls_are_listed_not_granted() {
        let source = r#"
            use aws_sdk_dynamodb::types::AttributeValue;
            async fn f(clients: Vec<Box<dyn std::any::Any>>, tx: std::sync::mpsc::Sender<u8>, known: aws_sdk_dynamodb::Client) {
                clients[0].put_item().table_name("t").send().await;
                tx.send(1);
                known.get_item().send().await;
                let mut request = known.update_item().key("id", v);
                request = request.table_name("t");
                request.update_expression("SET a = :a").send().await;
            }
        "#;
        let found = find_calls(Path::new("src/main.rs"), source).expect("parses");
        let shown: Vec<String> = found.iter().map(ToString::to_string).collect();
        assert_eq!(found.len(), 3, "{shown:?}");
        assert_eq!(found[0].service_crate, "");
        assert_eq!(
            found[0].method,
            "clients[0].put_item(..).table_name(..).send()"
        );
        assert_eq!(found[1].method, "get_item");
        assert_eq!(found[2].method, "update_item");
        let (document, unmapped) = generate(&found);
        assert_eq!(
            document.expect("document")["Statement"][0]["Action"],
            json!(["dynamodb:GetItem", "dynamodb:UpdateItem"])
        );
        assert_eq!(unmapped.len(), 1);
        assert!(
            unmapped[0].to_string().contains("cannot identify"),
            "{}",
            unmapped[0]
        );
        // Without any SDK crate in the file, `.send()` chains are someone else's.
        assert!(calls("fn g(c: reqwest::Client) { c.get(u).send(); }").is_empty());
    }

    #[test]
    fn calls_inside_macros() {
        let source = r#"
            async fn f(db: aws_sdk_dynamodb::Client, q: aws_sdk_sqs::Client) {
                let (a, b) = tokio::try_join!(db.get_item().send(), q.send_message().send()).unwrap();
                println!("{:?}", db.scan().send().await);
            }
        "#;
        assert_eq!(
            calls(source),
            [
                "aws_sdk_dynamodb::get_item",
                "aws_sdk_dynamodb::scan",
                "aws_sdk_sqs::send_message"
            ]
        );
    }

    #[test]
    fn configuration_methods_are_not_operations() {
        let source = r#"
            fn f(client: aws_sdk_dynamodb::Client) { let _ = client.config(); let c = client.clone(); }
        "#;
        assert!(calls(source).is_empty());
    }

    #[test]
    fn action_names() {
        let action = |c: &str, m: &str| actions_for(c, m).map(|a| a.join(","));
        assert_eq!(
            action("aws_sdk_dynamodb", "put_item").as_deref(),
            Some("dynamodb:PutItem")
        );
        assert_eq!(
            action("aws_sdk_dynamodb", "batch_write_item").as_deref(),
            Some("dynamodb:BatchWriteItem")
        );
        assert_eq!(
            action("aws_sdk_s3", "list_objects_v2").as_deref(),
            Some("s3:ListBucket")
        );
        assert_eq!(
            action("aws_sdk_s3", "get_object").as_deref(),
            Some("s3:GetObject")
        );
        assert_eq!(
            action("aws_sdk_s3", "copy_object").as_deref(),
            Some("s3:GetObject,s3:PutObject")
        );
        assert_eq!(
            action("aws_sdk_cloudwatchlogs", "put_log_events").as_deref(),
            Some("logs:PutLogEvents")
        );
        assert_eq!(
            action("aws_sdk_sfn", "start_execution").as_deref(),
            Some("states:StartExecution")
        );
        assert_eq!(
            action("aws_sdk_lambda", "invoke").as_deref(),
            Some("lambda:InvokeFunction")
        );
        assert_eq!(
            action("aws_sdk_sqs", "send_message_batch").as_deref(),
            Some("sqs:SendMessage")
        );
        assert_eq!(
            action("aws_sdk_kinesis", "put_records").as_deref(),
            Some("kinesis:PutRecords")
        );
        // Unknown: never guessed.
        assert_eq!(action("aws_sdk_s3", "select_object_content"), None);
        assert_eq!(action("aws_sdk_apigateway", "get_rest_apis"), None);
        assert_eq!(action("aws_sdk_dynamodb", "execute_statement"), None);
        assert_eq!(action("aws_sdk_dynamodb", "wait_until_table_exists"), None);
        assert_eq!(action("not_an_sdk", "put_item"), None);
        assert_eq!(
            pascal_case("list_objects_v2").as_deref(),
            Some("ListObjectsV2")
        );
    }

    #[test]
    fn document_is_sorted_deduplicated_and_lists_unmapped() {
        let call = |service: &str, method: &str, line: usize| SdkCall {
            service_crate: service.to_owned(),
            method: method.to_owned(),
            file: PathBuf::from("src/main.rs"),
            line,
        };
        let calls = [
            call("aws_sdk_s3", "put_object", 9),
            call("aws_sdk_dynamodb", "scan", 3),
            call("aws_sdk_dynamodb", "put_item", 1),
            call("aws_sdk_dynamodb", "scan", 5),
            call("aws_sdk_dynamodb", "execute_statement", 7),
        ];
        let (document, unmapped) = generate(&calls);
        assert_eq!(
            document,
            Some(json!({
                "Version": "2012-10-17",
                "Statement": [
                    {"Sid": "DynamodbCalls", "Effect": "Allow",
                     "Action": ["dynamodb:PutItem", "dynamodb:Scan"], "Resource": "*"},
                    {"Sid": "S3Calls", "Effect": "Allow", "Action": ["s3:PutObject"], "Resource": "*"},
                ]
            }))
        );
        assert_eq!(unmapped, [call("aws_sdk_dynamodb", "execute_statement", 7)]);
        let text = serde_json::to_string(&document).unwrap_or_default();
        assert!(
            !text.contains("\"*\"]") && !text.contains(":*"),
            "no wildcard action: {text}"
        );

        let (none, unmapped) = generate(&[call("aws_sdk_s3", "select_object_content", 2)]);
        assert_eq!(none, None);
        assert_eq!(unmapped.len(), 1);
        assert_eq!(
            unmapped[0].to_string(),
            "src/main.rs:2: aws_sdk_s3::Client::select_object_content"
        );
    }

    #[test]
    fn lines_are_reported() {
        let source = "fn f(c: aws_sdk_sns::Client) {\n    c\n        .publish();\n}\n";
        let found = find_calls(Path::new("src/main.rs"), source).expect("parses");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].line, 3);
    }

    #[test]
    fn parse_errors_name_the_file() {
        let error = find_calls(Path::new("src/bad.rs"), "fn f( {").expect_err("bad source");
        assert!(error.to_string().starts_with("src/bad.rs:1:"), "{error}");
    }

    fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("temp dir");
        for (path, text) in files {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(path, text).expect("write");
        }
        dir
    }

    fn function(autogen: bool, file: Option<&str>) -> FunctionConfig {
        FunctionConfig {
            environment_variables: Default::default(),
            lambda_memory_size: 128,
            lambda_timeout: 60,
            autogen_policy: autogen,
            iam_policy_file: file.map(str::to_owned),
            iam_role_arn: None,
            manage_iam_role: true,
            tags: Default::default(),
            reserved_concurrency: None,
            layers: Vec::new(),
            xray: false,
            subnet_ids: Vec::new(),
            security_group_ids: Vec::new(),
            log_retention_in_days: 14,
        }
    }

    #[test]
    fn project_modules_are_followed_and_test_modules_skipped() {
        let dir = project(&[
            (
                "src/main.rs",
                "mod store;\n#[cfg(test)]\nmod tests;\nmod unused_missing;\nfn main() {}\n",
            ),
            (
                "src/store.rs",
                "use aws_sdk_dynamodb::Client;\npub struct Store { pub db: Client }\nmod deep;\n\
                 impl Store { pub async fn get(&self) { self.db.get_item(); } }\n",
            ),
            (
                "src/store/deep.rs",
                "fn f(s: super::Store) { s.db.query(); }\n",
            ),
            (
                "src/tests.rs",
                "fn t(c: aws_sdk_dynamodb::Client) { c.create_table(); }\n",
            ),
            (
                "src/orphan.rs",
                "fn o(c: aws_sdk_dynamodb::Client) { c.delete_table(); }\n",
            ),
        ]);
        let outcome = policy_for(dir.path(), &function(true, None)).expect("policy");
        assert_eq!(outcome.source, PolicySource::Generated);
        let found: Vec<String> = outcome
            .calls
            .iter()
            .map(|c| format!("{}:{}", c.file.display(), c.method))
            .collect();
        assert_eq!(found, ["src/store.rs:get_item", "src/store/deep.rs:query"]);
        assert_eq!(
            outcome.document.expect("a document")["Statement"][0]["Action"],
            json!(["dynamodb:GetItem", "dynamodb:Query"])
        );
    }

    #[test]
    fn policy_file_replaces_and_disabled_gives_none() {
        let dir = project(&[
            (
                "src/main.rs",
                "fn f(c: aws_sdk_sqs::Client) { c.send_message(); }\nfn main() {}\n",
            ),
            (
                ".chalice/policy.json",
                r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "arn:aws:sqs:*:*:q"}]}"#,
            ),
            (".chalice/empty.json", r#"{"Version": "2012-10-17"}"#),
        ]);
        let from_file =
            policy_for(dir.path(), &function(true, Some("policy.json"))).expect("policy");
        assert_eq!(
            from_file.source,
            PolicySource::File(dir.path().join(".chalice/policy.json"))
        );
        assert_eq!(
            from_file.document.expect("document")["Statement"][0]["Resource"],
            "arn:aws:sqs:*:*:q"
        );
        let disabled = policy_for(dir.path(), &function(false, None)).expect("policy");
        assert_eq!(disabled.source, PolicySource::Disabled);
        assert_eq!(disabled.document, None);
        let bad =
            policy_for(dir.path(), &function(true, Some("empty.json"))).expect_err("no statement");
        assert!(bad.to_string().contains("empty.json"), "{bad}");
        let missing =
            policy_for(dir.path(), &function(true, Some("nope.json"))).expect_err("missing");
        assert!(missing.to_string().contains("nope.json"), "{missing}");
        let generated = policy_for(dir.path(), &function(true, None)).expect("policy");
        assert_eq!(
            generated.document.expect("document")["Statement"][0]["Action"],
            json!(["sqs:SendMessage"])
        );
    }

    /// The repository's DynamoDB apps: their policy is exactly what their
    /// handlers call (test code, such as CreateTable in examples/todo's tests,
    /// is left out).
    #[test]
    fn policies_of_the_todo_example_and_the_dynamodb_template() {
        let checkout = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        for (dir, expected) in [
            (
                "examples/todo",
                json!([
                    "dynamodb:DeleteItem",
                    "dynamodb:GetItem",
                    "dynamodb:PutItem",
                    "dynamodb:Scan",
                    "dynamodb:UpdateItem"
                ]),
            ),
            (
                "templates/dynamodb",
                json!([
                    "dynamodb:DeleteItem",
                    "dynamodb:GetItem",
                    "dynamodb:PutItem"
                ]),
            ),
        ] {
            let outcome = policy_for(&checkout.join(dir), &function(true, None)).expect("policy");
            assert!(outcome.unmapped.is_empty(), "{dir}: {:?}", outcome.unmapped);
            let document = outcome.document.expect("a document");
            assert_eq!(
                document["Statement"].as_array().map(Vec::len),
                Some(1),
                "{dir}: {document}"
            );
            assert_eq!(document["Statement"][0]["Action"], expected, "{dir}");
        }
    }

    #[test]
    fn no_sources_is_an_error() {
        let dir = project(&[("Cargo.toml", "")]);
        assert!(matches!(
            policy_for(dir.path(), &function(true, None)),
            Err(PolicyError::NoSources { .. })
        ));
    }
}

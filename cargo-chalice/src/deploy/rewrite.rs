//! The packaged template made deployable: local artifact paths become S3 locations.
//!
//! `cargo chalice package` refers to the zip by a relative path
//! (`"Code": "./deployment.zip"`) and to nested templates by file name
//! (`"TemplateURL": "nested-1.json"`), as `aws cloudformation package` expects.
//! Deploy rewrites both, in the JSON, to the uploaded objects.

use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// CloudFormation's limit for a `TemplateBody`, in bytes.
pub const MAX_TEMPLATE_BODY: usize = 51_200;

/// Why a template cannot be prepared.
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    /// The file cannot be read.
    #[error("cannot read the template {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not a JSON template.
    #[error("{path} is not a JSON CloudFormation template: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// Nested stacks nest deeper than the tool ever writes (a loop?).
    #[error("{path}: nested stacks nest more than {MAX_DEPTH} levels deep")]
    TooDeep {
        /// The file.
        path: PathBuf,
    },
}

/// The deepest nesting of stacks followed.
pub const MAX_DEPTH: usize = 4;

/// A parsed template file.
#[derive(Debug, Clone)]
pub struct TemplateFile {
    /// Where it was read from.
    pub path: PathBuf,
    /// Its JSON.
    pub body: Value,
}

impl TemplateFile {
    /// Reads and parses a JSON template.
    pub fn read(path: &Path) -> Result<Self, TemplateError> {
        let text = std::fs::read_to_string(path).map_err(|source| TemplateError::Read {
            path: path.to_owned(),
            source,
        })?;
        let body: Value = serde_json::from_str(&text).map_err(|error| TemplateError::Invalid {
            path: path.to_owned(),
            message: error.to_string(),
        })?;
        if !body.get("Resources").is_some_and(Value::is_object) {
            return Err(TemplateError::Invalid {
                path: path.to_owned(),
                message: "no `Resources` object".to_owned(),
            });
        }
        Ok(Self {
            path: path.to_owned(),
            body,
        })
    }

    /// Points every `AWS::Lambda::Function`'s local `Code` at `bucket`/`key`;
    /// returns how many were rewritten.
    pub fn set_code(&mut self, bucket: &str, key: &str) -> usize {
        let mut count = 0;
        for properties in resources_of_type(&mut self.body, "AWS::Lambda::Function") {
            if properties.get("Code").is_some_and(Value::is_string) {
                properties["Code"] = json!({ "S3Bucket": bucket, "S3Key": key });
                count += 1;
            }
        }
        count
    }

    /// The nested stacks' local template files (`TemplateURL` that is not a URL),
    /// as (logical ID, file name).
    pub fn nested(&self) -> Vec<(String, String)> {
        let Some(resources) = self.body.get("Resources").and_then(Value::as_object) else {
            return Vec::new();
        };
        resources
            .iter()
            .filter(|(_, r)| {
                r.get("Type").and_then(Value::as_str) == Some("AWS::CloudFormation::Stack")
            })
            .filter_map(|(id, r)| {
                let url = r.get("Properties")?.get("TemplateURL")?.as_str()?;
                (!url.contains("://")).then(|| (id.clone(), url.to_owned()))
            })
            .collect()
    }

    /// Sets the `TemplateURL` of nested stack `logical_id`.
    pub fn set_template_url(&mut self, logical_id: &str, url: &str) {
        if let Some(properties) = self
            .body
            .get_mut("Resources")
            .and_then(|r| r.get_mut(logical_id))
            .and_then(|r| r.get_mut("Properties"))
        {
            properties["TemplateURL"] = Value::String(url.to_owned());
        }
    }

    /// The template as CloudFormation receives it (compact JSON).
    pub fn to_bytes(&self) -> Vec<u8> {
        // Serialising a `Value` cannot fail.
        serde_json::to_vec(&self.body).unwrap_or_default()
    }
}

fn resources_of_type<'a>(
    body: &'a mut Value,
    resource_type: &'a str,
) -> impl Iterator<Item = &'a mut Value> + 'a {
    body.get_mut("Resources")
        .and_then(Value::as_object_mut)
        .into_iter()
        .flat_map(|resources| resources.values_mut())
        .filter(move |r| r.get("Type").and_then(Value::as_str) == Some(resource_type))
        .filter_map(|r| r.get_mut("Properties"))
}

/// The URL by which CloudFormation reads an uploaded template.
///
/// On AWS, the virtual-hosted URL of the region. With a custom endpoint (an
/// emulator), the path-style URL of the region's S3 host: CloudFormation
/// emulators resolve S3 URLs against their own S3, and path-style needs no
/// bucket DNS.
pub fn template_url(
    bucket: &str,
    key: &str,
    region: &str,
    url_suffix: &str,
    emulator: bool,
) -> String {
    if emulator {
        format!("https://s3.{region}.{url_suffix}/{bucket}/{key}")
    } else {
        format!("https://{bucket}.s3.{region}.{url_suffix}/{key}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> TemplateFile {
        TemplateFile {
            path: PathBuf::from("template.json"),
            body: json!({
                "Resources": {
                    "APIHandler": {"Type": "AWS::Lambda::Function", "Properties": {"Code": "./deployment.zip", "Handler": "api"}},
                    "Other": {"Type": "AWS::Lambda::Function", "Properties": {"Code": {"ZipFile": "x"}}},
                    "Nested1": {"Type": "AWS::CloudFormation::Stack", "Properties": {"TemplateURL": "nested-1.json"}},
                    "Remote": {"Type": "AWS::CloudFormation::Stack", "Properties": {"TemplateURL": "https://example.com/t.json"}}
                }
            }),
        }
    }

    #[test]
    fn code_is_rewritten_only_when_local() {
        let mut template = sample();
        assert_eq!(template.set_code("bucket", "app/abc.zip"), 1);
        assert_eq!(
            template.body["Resources"]["APIHandler"]["Properties"]["Code"],
            json!({"S3Bucket": "bucket", "S3Key": "app/abc.zip"})
        );
        assert_eq!(
            template.body["Resources"]["Other"]["Properties"]["Code"],
            json!({"ZipFile": "x"})
        );
    }

    #[test]
    fn nested_templates_are_found_and_rewritten() {
        let mut template = sample();
        assert_eq!(
            template.nested(),
            vec![("Nested1".to_owned(), "nested-1.json".to_owned())]
        );
        template.set_template_url("Nested1", "https://b.s3.us-east-1.amazonaws.com/k");
        assert!(template.nested().is_empty());
    }

    #[test]
    fn template_urls() {
        assert_eq!(
            template_url("b", "app/t.json", "eu-west-1", "amazonaws.com", false),
            "https://b.s3.eu-west-1.amazonaws.com/app/t.json"
        );
        assert_eq!(
            template_url("b", "app/t.json", "us-east-1", "amazonaws.com", true),
            "https://s3.us-east-1.amazonaws.com/b/app/t.json"
        );
    }

    #[test]
    fn a_template_without_resources_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.json");
        std::fs::write(&path, "{\"Outputs\": {}}").unwrap();
        assert!(matches!(
            TemplateFile::read(&path),
            Err(TemplateError::Invalid { .. })
        ));
        std::fs::write(&path, "{").unwrap();
        assert!(matches!(
            TemplateFile::read(&path),
            Err(TemplateError::Invalid { .. })
        ));
    }
}

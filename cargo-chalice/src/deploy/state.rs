//! `.chalice/deployed/<stage>.json`: what the last deploy of a stage left, written atomically.

use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The folder of the state files, inside a project.
pub const DEPLOYED_DIR: &str = ".chalice/deployed";

/// Why a state file cannot be read or written.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// Reading, writing or removing failed.
    #[error("cannot {action} {path}: {source}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not a state file.
    #[error("{path} is not a deployment state file ({source}); delete it and run `cargo chalice deploy` again")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// The parse error.
        source: serde_json::Error,
    },
}

/// One resource of the deployed stack.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeployedResource {
    /// The template's logical ID.
    pub logical_id: String,
    /// The resource's name or ID in AWS.
    pub physical_id: String,
    /// The resource type (`AWS::Lambda::Function`).
    pub resource_type: String,
}

/// What a stage's deploy left.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeployedState {
    /// The chalice stage.
    pub stage: String,
    /// The CloudFormation stack's name.
    pub stack_name: String,
    /// The stack's ID (ARN).
    pub stack_id: String,
    /// The region.
    pub region: String,
    /// The API's URL.
    pub endpoint_url: Option<String>,
    /// The REST API's ID.
    pub rest_api_id: Option<String>,
    /// SHA-256 (hex) of the deployed zip.
    pub artifact_sha256: String,
    /// `s3://bucket/key` of the deployed zip.
    pub artifact_location: String,
    /// The stack's resources, sorted by logical ID.
    pub resources: Vec<DeployedResource>,
    /// The notifications `deploy` wrote on buckets outside the stack, which
    /// `delete` removes ([`super::notifications`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bucket_notifications: Vec<super::notifications::WiredNotification>,
    /// The API's custom domain (`api_gateway_custom_domain`), from the
    /// stack's outputs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_domain: Option<DeployedDomain>,
    /// The WebSocket API's custom domain (`websocket_api_custom_domain`),
    /// from the stack's outputs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub websocket_custom_domain: Option<DeployedDomain>,
}

/// A deployed custom domain: the API's URL on it, and where its DNS record
/// must point.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeployedDomain {
    /// `https://api.example.com/v1/`.
    pub url: String,
    /// The CloudFront or regional domain the record points at.
    pub dns_target: String,
    /// Its Route 53 hosted zone (for an alias record).
    pub hosted_zone_id: String,
}

impl DeployedDomain {
    /// What `deploy` prints about the domain.
    pub fn instructions(&self) -> String {
        let host = self
            .url
            .split_once("://")
            .map_or(self.url.as_str(), |(_, rest)| rest)
            .split('/')
            .next()
            .unwrap_or_default();
        format!(
            "custom domain: {} (point a DNS record of {host} at {}: a CNAME, or a Route 53 alias to that name in hosted zone {})",
            self.url, self.dns_target, self.hosted_zone_id
        )
    }
}

impl DeployedState {
    /// The physical IDs of the resources of `resource_type`.
    pub fn of_type<'a>(
        &'a self,
        resource_type: &'a str,
    ) -> impl Iterator<Item = &'a DeployedResource> + 'a {
        self.resources
            .iter()
            .filter(move |r| r.resource_type == resource_type)
    }
}

/// The state file of `stage` in `project_dir`.
pub fn path(project_dir: &Path, stage: &str) -> PathBuf {
    project_dir.join(DEPLOYED_DIR).join(format!("{stage}.json"))
}

/// Reads the state of `stage`; `None` when there is no file.
pub fn read(project_dir: &Path, stage: &str) -> Result<Option<DeployedState>, StateError> {
    let path = path(project_dir, stage);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(StateError::Io {
                action: "read",
                path,
                source,
            })
        }
    };
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|source| StateError::Invalid { path, source })
}

/// Writes the state of its stage: a temporary file in the same folder, then
/// renamed over the old one, so that a reader never sees half a file.
pub fn write(project_dir: &Path, state: &DeployedState) -> Result<PathBuf, StateError> {
    let path = path(project_dir, &state.stage);
    let dir = project_dir.join(DEPLOYED_DIR);
    let io = |action: &'static str, path: &Path| {
        let path = path.to_owned();
        move |source| StateError::Io {
            action,
            path,
            source,
        }
    };
    std::fs::create_dir_all(&dir).map_err(io("create", &dir))?;
    let mut text = serde_json::to_string_pretty(state).map_err(|source| StateError::Invalid {
        path: path.clone(),
        source,
    })?;
    text.push('\n');
    let mut file =
        tempfile::NamedTempFile::new_in(&dir).map_err(io("create a temporary file in", &dir))?;
    file.write_all(text.as_bytes())
        .map_err(io("write", file.path()))?;
    file.as_file().sync_all().map_err(io("write", &path))?;
    file.persist(&path).map_err(|error| StateError::Io {
        action: "write",
        path: path.clone(),
        source: error.error,
    })?;
    Ok(path)
}

/// Removes the state of `stage`; no file is not an error.
pub fn remove(project_dir: &Path, stage: &str) -> Result<(), StateError> {
    let path = path(project_dir, stage);
    match std::fs::remove_file(&path) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(StateError::Io {
            action: "remove",
            path,
            source,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> DeployedState {
        DeployedState {
            stage: "dev".to_owned(),
            stack_name: "hello-dev".to_owned(),
            stack_id: "arn:aws:cloudformation:us-east-1:123456789012:stack/hello-dev/x".to_owned(),
            region: "us-east-1".to_owned(),
            endpoint_url: Some("https://abc.execute-api.us-east-1.amazonaws.com/api/".to_owned()),
            rest_api_id: Some("abc".to_owned()),
            artifact_sha256: "00".repeat(32),
            artifact_location: "s3://b/hello/00.zip".to_owned(),
            resources: vec![DeployedResource {
                logical_id: "APIHandler".to_owned(),
                physical_id: "hello-dev".to_owned(),
                resource_type: "AWS::Lambda::Function".to_owned(),
            }],
            bucket_notifications: vec![super::super::notifications::WiredNotification {
                bucket: "partner-drop".to_owned(),
                id: "chalice-rs:hello-dev:uploaded".to_owned(),
                function_arn: "arn:aws:lambda:us-east-1:123456789012:function:hello-dev-uploaded"
                    .to_owned(),
                events: vec!["s3:ObjectCreated:*".to_owned()],
            }],
            custom_domain: None,
            websocket_custom_domain: None,
        }
    }

    #[test]
    fn write_read_remove() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(read(dir.path(), "dev").unwrap(), None);
        let written = write(dir.path(), &sample()).unwrap();
        assert_eq!(written, dir.path().join(".chalice/deployed/dev.json"));
        assert_eq!(read(dir.path(), "dev").unwrap(), Some(sample()));
        // Overwriting leaves exactly one file (no temporary files behind).
        write(dir.path(), &sample()).unwrap();
        let entries: Vec<_> = std::fs::read_dir(dir.path().join(DEPLOYED_DIR))
            .unwrap()
            .collect();
        assert_eq!(entries.len(), 1);
        remove(dir.path(), "dev").unwrap();
        assert_eq!(read(dir.path(), "dev").unwrap(), None);
        remove(dir.path(), "dev").unwrap();
    }

    #[test]
    fn a_state_file_of_an_earlier_version_has_no_notifications() {
        let mut state = serde_json::to_value(sample()).unwrap();
        state
            .as_object_mut()
            .unwrap()
            .remove("bucket_notifications");
        let read: DeployedState = serde_json::from_value(state).unwrap();
        assert!(read.bucket_notifications.is_empty());
    }

    #[test]
    fn a_custom_domain_says_where_its_dns_record_points() {
        let domain = DeployedDomain {
            url: "https://api.example.com/v1/".to_owned(),
            dns_target: "d111.cloudfront.net".to_owned(),
            hosted_zone_id: "Z2FDTNDATAQYW2".to_owned(),
        };
        assert_eq!(
            domain.instructions(),
            "custom domain: https://api.example.com/v1/ (point a DNS record of api.example.com at d111.cloudfront.net: a CNAME, or a Route 53 alias to that name in hosted zone Z2FDTNDATAQYW2)"
        );
        let mut state = sample();
        state.custom_domain = Some(domain);
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), &state).unwrap();
        assert_eq!(read(dir.path(), "dev").unwrap(), Some(state));
    }

    #[test]
    fn invalid_file_is_named() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(DEPLOYED_DIR)).unwrap();
        std::fs::write(path(dir.path(), "dev"), "{").unwrap();
        let error = read(dir.path(), "dev").unwrap_err().to_string();
        assert!(error.contains("dev.json"), "{error}");
    }
}

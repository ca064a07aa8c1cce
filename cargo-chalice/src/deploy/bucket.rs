//! The deployment bucket: the stage's `deployment_bucket`, or one the tool
//! creates once per account and region (private, encrypted, versioned); and
//! content-addressed uploads that skip what is already there.

use crate::aws::{call_error, describe, Aws, AwsError};
use aws_sdk_s3::operation::head_bucket::HeadBucketError;
use aws_sdk_s3::operation::head_object::HeadObjectError;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{
    BucketLocationConstraint, BucketVersioningStatus, CreateBucketConfiguration,
    PublicAccessBlockConfiguration, ServerSideEncryption, ServerSideEncryptionByDefault,
    ServerSideEncryptionConfiguration, ServerSideEncryptionRule, VersioningConfiguration,
};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// Why the bucket or an upload cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum BucketError {
    /// The stage's `deployment_bucket` does not exist.
    #[error(
        "the deployment bucket `{bucket}` (deployment_bucket in .chalice/config.json) does not exist in this account; \
         create it, or remove `deployment_bucket` to let cargo chalice manage one"
    )]
    Missing {
        /// The bucket.
        bucket: String,
    },
    /// The bucket exists but these credentials may not use it (another account's?).
    #[error("the deployment bucket `{bucket}` exists but cannot be used with these credentials (it may belong to another account): {message}")]
    Forbidden {
        /// The bucket.
        bucket: String,
        /// What S3 said.
        message: String,
    },
    /// An artifact cannot be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// An S3 call failed.
    #[error(transparent)]
    Aws(#[from] AwsError),
}

/// The bucket that deploy uploads to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeploymentBucket {
    /// Its name.
    pub name: String,
    /// Whether cargo chalice created (and looks after) it.
    pub managed: bool,
    /// Whether this deploy created it.
    pub created: bool,
}

/// The name of the bucket the tool manages for an account and region.
pub fn managed_bucket_name(account_id: &str, region: &str) -> String {
    format!("chalice-rs-deploy-{account_id}-{region}")
}

/// The S3 key of the zip with this SHA-256 (hex).
pub fn artifact_key(app_name: &str, sha256: &str) -> String {
    format!("{app_name}/{sha256}.zip")
}

/// The S3 key of a template with this content.
pub fn template_key(app_name: &str, body: &[u8]) -> String {
    format!("{app_name}/templates/{}.json", sha256_hex(body))
}

/// SHA-256 of `bytes`, in lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Finds or creates the deployment bucket.
///
/// `configured` is the stage's `deployment_bucket`: it must exist. Otherwise
/// the tool's own bucket for the account and region is used, created on first
/// use with public access blocked, default encryption and versioning.
pub async fn ensure(
    aws: &Aws,
    s3: &aws_sdk_s3::Client,
    configured: Option<&str>,
) -> Result<DeploymentBucket, BucketError> {
    if let Some(bucket) = configured {
        head_bucket(s3, bucket, None)
            .await?
            .then_some(())
            .ok_or_else(|| BucketError::Missing {
                bucket: bucket.to_owned(),
            })?;
        return Ok(DeploymentBucket {
            name: bucket.to_owned(),
            managed: false,
            created: false,
        });
    }
    let account = aws.account_id().await?;
    let name = managed_bucket_name(&account, &aws.region);
    let mut created = false;
    if !head_bucket(s3, &name, Some(&account)).await? {
        let mut create = s3.create_bucket().bucket(&name);
        if aws.region != "us-east-1" {
            create = create.create_bucket_configuration(
                CreateBucketConfiguration::builder()
                    .location_constraint(BucketLocationConstraint::from(aws.region.as_str()))
                    .build(),
            );
        }
        match create.send().await {
            Ok(_) => created = true,
            Err(error) if crate::aws::error_code(&error) == Some("BucketAlreadyOwnedByYou") => {}
            Err(error) => return Err(call_error("S3.CreateBucket", error).into()),
        }
    }
    // A bucket whose set-up was interrupted is completed by the next deploy:
    // versioning, set last, tells that the set-up finished. (A check that
    // cannot be read also leads to the idempotent set-up.)
    let finished = !created
        && s3
            .get_bucket_versioning()
            .bucket(&name)
            .send()
            .await
            .is_ok_and(|v| v.status() == Some(&BucketVersioningStatus::Enabled));
    if !finished {
        secure(s3, &name).await?;
    }
    Ok(DeploymentBucket {
        name,
        managed: true,
        created,
    })
}

/// Whether the bucket exists (and is usable); `expected_owner` guards against
/// a bucket of the same name in another account.
async fn head_bucket(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    expected_owner: Option<&str>,
) -> Result<bool, BucketError> {
    let mut head = s3.head_bucket().bucket(bucket);
    if let Some(owner) = expected_owner {
        head = head.expected_bucket_owner(owner);
    }
    match head.send().await {
        Ok(_) => Ok(true),
        Err(error) => {
            if matches!(error.as_service_error(), Some(HeadBucketError::NotFound(_))) {
                return Ok(false);
            }
            match crate::aws::error_status(&error) {
                Some(404) => Ok(false),
                Some(403) => Err(BucketError::Forbidden {
                    bucket: bucket.to_owned(),
                    message: describe(&error),
                }),
                _ => Err(call_error("S3.HeadBucket", error).into()),
            }
        }
    }
}

/// Blocks public access, turns on default encryption and versioning.
async fn secure(s3: &aws_sdk_s3::Client, bucket: &str) -> Result<(), BucketError> {
    s3.put_public_access_block()
        .bucket(bucket)
        .public_access_block_configuration(
            PublicAccessBlockConfiguration::builder()
                .block_public_acls(true)
                .ignore_public_acls(true)
                .block_public_policy(true)
                .restrict_public_buckets(true)
                .build(),
        )
        .send()
        .await
        .map_err(|e| call_error("S3.PutPublicAccessBlock", e))?;
    let by_default = ServerSideEncryptionByDefault::builder()
        .sse_algorithm(ServerSideEncryption::Aes256)
        .build()
        .map_err(|e| AwsError::Call {
            call: "S3.PutBucketEncryption",
            message: e.to_string(),
        })?;
    let encryption = ServerSideEncryptionConfiguration::builder()
        .rules(
            ServerSideEncryptionRule::builder()
                .apply_server_side_encryption_by_default(by_default)
                .build(),
        )
        .build()
        .map_err(|e| AwsError::Call {
            call: "S3.PutBucketEncryption",
            message: e.to_string(),
        })?;
    s3.put_bucket_encryption()
        .bucket(bucket)
        .server_side_encryption_configuration(encryption)
        .send()
        .await
        .map_err(|e| call_error("S3.PutBucketEncryption", e))?;
    s3.put_bucket_versioning()
        .bucket(bucket)
        .versioning_configuration(
            VersioningConfiguration::builder()
                .status(BucketVersioningStatus::Enabled)
                .build(),
        )
        .send()
        .await
        .map_err(|e| call_error("S3.PutBucketVersioning", e))?;
    Ok(())
}

/// Whether `key` exists in `bucket`.
pub async fn object_exists(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
) -> Result<bool, BucketError> {
    match s3.head_object().bucket(bucket).key(key).send().await {
        Ok(_) => Ok(true),
        Err(error) => {
            if matches!(error.as_service_error(), Some(HeadObjectError::NotFound(_)))
                || crate::aws::error_status(&error) == Some(404)
            {
                Ok(false)
            } else {
                Err(call_error("S3.HeadObject", error).into())
            }
        }
    }
}

/// Where an upload went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    /// The key.
    pub key: String,
    /// Whether the object was already there (nothing sent).
    pub skipped: bool,
}

/// Uploads the file at `path` under `key` unless the key exists (keys are
/// content hashes, so an existing key holds the same bytes).
pub async fn upload_file(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
    path: &Path,
) -> Result<Upload, BucketError> {
    if object_exists(s3, bucket, key).await? {
        return Ok(Upload {
            key: key.to_owned(),
            skipped: true,
        });
    }
    let body = ByteStream::from_path(path)
        .await
        .map_err(|e| BucketError::Read {
            path: path.to_owned(),
            source: std::io::Error::other(e),
        })?;
    s3.put_object()
        .bucket(bucket)
        .key(key)
        .content_type("application/zip")
        .body(body)
        .send()
        .await
        .map_err(|e| call_error("S3.PutObject", e))?;
    Ok(Upload {
        key: key.to_owned(),
        skipped: false,
    })
}

/// Uploads `bytes` under `key` unless the key exists.
pub async fn upload_bytes(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
    bytes: Vec<u8>,
) -> Result<Upload, BucketError> {
    if object_exists(s3, bucket, key).await? {
        return Ok(Upload {
            key: key.to_owned(),
            skipped: true,
        });
    }
    s3.put_object()
        .bucket(bucket)
        .key(key)
        .content_type("application/json")
        .body(ByteStream::from(bytes))
        .send()
        .await
        .map_err(|e| call_error("S3.PutObject", e))?;
    Ok(Upload {
        key: key.to_owned(),
        skipped: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_keys() {
        assert_eq!(
            managed_bucket_name("123456789012", "ap-southeast-2"),
            "chalice-rs-deploy-123456789012-ap-southeast-2"
        );
        assert!(managed_bucket_name("123456789012", "ap-southeast-2").len() <= 63);
        assert_eq!(artifact_key("hello", "ab"), "hello/ab.zip");
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            template_key("hello", b"abc"),
            "hello/templates/ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad.json"
        );
    }
}

//! The catalogue of AWS SDK services and operations to IAM actions.

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

#[cfg(test)]
mod tests {
    use super::*;

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
}

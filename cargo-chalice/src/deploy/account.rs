//! The account's CloudWatch role for API Gateway: one setting per account
//! and region, which API Gateway needs to write a stage's logs. `deploy`
//! reads it before a stack whose stage logs (`api_logs`) without creating
//! it (`api_logs.account_role`), so that a missing role stops the deploy
//! before CloudFormation does, with what to run.

use crate::aws::{call_error, Aws, AwsError};

/// The ARN of the account's CloudWatch role for API Gateway in the region;
/// `None` when none is set.
pub async fn cloudwatch_role(aws: &Aws) -> Result<Option<String>, AwsError> {
    let account = aws_sdk_apigateway::Client::new(&aws.config)
        .get_account()
        .send()
        .await
        .map_err(|e| call_error("APIGateway.GetAccount", e))?;
    Ok(account
        .cloudwatch_role_arn()
        .filter(|arn| !arn.is_empty())
        .map(str::to_owned))
}

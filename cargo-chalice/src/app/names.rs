//! The names an app's pieces get: the stack, the Lambda functions, and the
//! fixed logical IDs of the resources every app has. The template writes
//! them, `deploy` and `logs` read them back from the stack's outputs, and
//! `.chalice/resources.json` may refer to them.

/// The API function's logical ID.
pub const FUNCTION_ID: &str = "APIHandler";
/// The logical ID of the role the functions share (those whose role
/// settings are the `api` function's).
pub const ROLE_ID: &str = "APIHandlerRole";
/// The request validator's logical ID (validated routes only).
pub const REQUEST_VALIDATOR_ID: &str = "RequestValidatorBody";
/// The API function's log group's logical ID.
pub const LOG_GROUP_ID: &str = "APIHandlerLogGroup";
/// The permission letting API Gateway invoke the API function.
pub const PERMISSION_ID: &str = "APIHandlerInvokePermission";
/// The REST API's logical ID.
pub const REST_API_ID: &str = "RestAPI";
/// The API stage's logical ID.
pub const STAGE_ID: &str = "RestAPIStage";
/// The prefix of the deployment's logical ID (followed by the API's shape hash).
pub const DEPLOYMENT_PREFIX: &str = "RestAPIDeployment";
/// The name of the role's inline policy holding the user's (or the generated)
/// statements.
pub const USER_POLICY_NAME: &str = "AppPolicy";
/// The usage plan's logical ID (when a route requires an API key).
pub const USAGE_PLAN_ID: &str = "APIUsagePlan";
/// The config name (`lambda_functions` key) and `_HANDLER` of the API function.
pub const API_HANDLER: &str = "api";
/// The longest name Lambda accepts for a function.
pub const MAX_FUNCTION_NAME: usize = 64;

/// The CloudFormation stack of `app_name` in `stage`: `<app>-<stage>`.
pub fn stack_name(app_name: &str, stage: &str) -> String {
    format!("{app_name}-{stage}")
}

/// The Lambda function name of the function `name` of the app (its key in
/// `lambda_functions`): `<app>-<stage>` for the API function,
/// `<app>-<stage>-<name>` for the others, as Chalice names them.
pub fn function_name(app_name: &str, stage: &str, name: &str) -> String {
    if name == API_HANDLER {
        stack_name(app_name, stage)
    } else {
        format!("{}-{name}", stack_name(app_name, stage))
    }
}

/// The API Gateway authorizer's logical ID for an authorizer's stem.
pub fn authorizer_id(stem: &str) -> String {
    format!("{stem}Authorizer")
}

/// The logical ID of an authorizer's function.
pub fn authorizer_function_id(stem: &str) -> String {
    format!("{stem}AuthorizerHandler")
}

/// The logical ID of an authorizer function's log group.
pub fn authorizer_log_group_id(stem: &str) -> String {
    format!("{stem}AuthorizerLogGroup")
}

/// The logical ID of an event or plain function with logical-ID stem `stem`.
pub fn event_function_id(stem: &str) -> String {
    format!("{stem}Function")
}

/// The logical ID of an event or plain function's log group.
pub fn event_log_group_id(stem: &str) -> String {
    format!("{stem}LogGroup")
}

/// The name of the inline policy every generated role has: its functions'
/// own log groups, X-Ray and VPC actions.
pub const RUNTIME_POLICY_NAME: &str = "Runtime";
/// The name of the inline policy of an event function's own role granting
/// what its source needs (receive from the queue, read the stream).
pub const EVENT_SOURCE_POLICY_NAME: &str = "EventSource";

/// The logical ID of the own role of an event function (whose source needs
/// permissions, such as an SQS queue or a DynamoDB or Kinesis stream, or
/// whose role settings differ from the shared role's).
pub fn event_role_id(stem: &str) -> String {
    format!("{stem}Role")
}

/// The logical ID of the own role of a Lambda authorizer's function whose
/// role settings differ from the shared role's.
pub fn authorizer_role_id(stem: &str) -> String {
    format!("{stem}AuthorizerRole")
}

/// The logical ID of the own role of the function whose logical ID is
/// `function_id`, by the naming rules above (`APIHandler` →
/// `APIHandlerRole`, `<Stem>AuthorizerHandler` → `<Stem>AuthorizerRole`,
/// `<Stem>Function` → `<Stem>Role`).
pub fn role_id_of(function_id: &str) -> String {
    if function_id == FUNCTION_ID {
        return ROLE_ID.to_owned();
    }
    if let Some(stem) = function_id.strip_suffix("AuthorizerHandler") {
        return authorizer_role_id(stem);
    }
    if let Some(stem) = function_id.strip_suffix("Function") {
        return event_role_id(stem);
    }
    format!("{function_id}Role")
}

/// The logical ID of the EventBridge rule of a `#[schedule]` or `#[on_event]` function.
pub fn event_rule_id(stem: &str) -> String {
    format!("{stem}Rule")
}

/// The logical ID of the permission letting an event source (EventBridge,
/// SNS, S3) invoke an event function.
pub fn event_permission_id(stem: &str) -> String {
    format!("{stem}InvokePermission")
}

/// The logical ID of the event source mapping of an SQS, DynamoDB stream or
/// Kinesis function.
pub fn event_mapping_id(stem: &str) -> String {
    format!("{stem}EventSourceMapping")
}

/// The logical ID of the SNS subscription of an `#[on_sns_message]` function.
pub fn event_subscription_id(stem: &str) -> String {
    format!("{stem}Subscription")
}

/// The logical ID of the log group of the function whose logical ID is
/// `function_id`, by the naming rules above (`APIHandler` →
/// `APIHandlerLogGroup`, `<Stem>AuthorizerHandler` →
/// `<Stem>AuthorizerLogGroup`, `<Stem>Function` → `<Stem>LogGroup`).
pub fn log_group_id_of(function_id: &str) -> String {
    if function_id == FUNCTION_ID {
        return LOG_GROUP_ID.to_owned();
    }
    if let Some(stem) = function_id.strip_suffix("AuthorizerHandler") {
        return authorizer_log_group_id(stem);
    }
    if let Some(stem) = function_id.strip_suffix("Function") {
        return event_log_group_id(stem);
    }
    format!("{function_id}LogGroup")
}

/// The prefix of the `Id` of the notification entries `deploy` writes on a
/// bucket outside the stack for the stack `stack`: `chalice-rs:<stack>:`.
pub fn notification_id_prefix(stack: &str) -> String {
    format!("chalice-rs:{stack}:")
}

/// The `Id` of the notification entry of the function `name` (its
/// `lambda_functions` key) on a bucket outside the stack `stack`.
pub fn notification_id(stack: &str, name: &str) -> String {
    format!("{}{name}", notification_id_prefix(stack))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_api_function_is_named_after_the_stack_and_others_after_their_key() {
        assert_eq!(stack_name("shop", "prod"), "shop-prod");
        assert_eq!(function_name("shop", "prod", API_HANDLER), "shop-prod");
        assert_eq!(function_name("shop", "prod", "token"), "shop-prod-token");
    }

    #[test]
    fn each_function_finds_its_log_group() {
        assert_eq!(log_group_id_of(FUNCTION_ID), LOG_GROUP_ID);
        assert_eq!(
            log_group_id_of(&authorizer_function_id("Token")),
            authorizer_log_group_id("Token")
        );
        assert_eq!(
            log_group_id_of(&event_function_id("Nightly")),
            event_log_group_id("Nightly")
        );
        assert_eq!(role_id_of(FUNCTION_ID), ROLE_ID);
        assert_eq!(
            role_id_of(&authorizer_function_id("Token")),
            "TokenAuthorizerRole"
        );
        assert_eq!(
            role_id_of(&event_function_id("Work")),
            event_role_id("Work")
        );
        assert_eq!(
            notification_id("shop-dev", "uploaded"),
            "chalice-rs:shop-dev:uploaded"
        );
    }
}

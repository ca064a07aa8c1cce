//! CloudFormation as data: a typed model of the resources chalice-rs writes
//! ([`model`]; the REST API's in [`apigateway`], the WebSocket API's in [`apigatewayv2`], and those of operating an app in [`operations`]), their logical IDs ([`ids`]) and a YAML rendering ([`yaml`]).
//!
//! A leaf module: it knows CloudFormation, not chalice-rs apps. The model of
//! the app is [`crate::app`]; [`crate::template`] writes one into the other.

pub mod apigateway;
pub mod apigatewayv2;
pub mod ids;
pub mod model;
pub mod operations;
pub mod yaml;

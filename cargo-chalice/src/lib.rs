//! The library behind `cargo chalice`: one module per concept, one per command.
//!
//! The binary (`src/main.rs`) only parses the command line and reports errors.

pub mod app;
pub mod app_manifest;
pub mod artifact;
pub mod aws;
pub mod build;
pub mod bundle;
pub mod cfn;
pub mod cli;
pub mod config;
pub mod deploy;
pub mod local;
pub mod logs;
pub mod new;
pub mod package;
pub mod policy;
pub mod project;
pub mod routes;
pub mod suggest;
pub mod template;

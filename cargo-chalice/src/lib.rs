//! The library behind `cargo chalice`: one module per concept, one per command.
//!
//! The binary (`src/main.rs`) only parses the command line and reports errors.

pub mod cli;
pub mod config;
pub mod local;
pub mod project;
pub mod aws;
pub mod deploy;
pub mod logs;
pub mod app_manifest;
pub mod artifact;
pub mod bundle;
pub mod package;
pub mod routes;
pub mod template;
pub mod policy;
pub mod new;

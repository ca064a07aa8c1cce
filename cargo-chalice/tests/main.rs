//! The integration tests of cargo-chalice, in one binary: one compile and
//! link instead of one per file, and one process, so that what the tests
//! build (the examples, for the host and for Lambda) is built once per run
//! and shared (see `common`).
//!
//! Each file is a module; run one with `cargo test --test integration <file>::`.

mod common;

mod console;
mod deploy_failures;
mod deploy_moto;
mod docs;
mod events;
mod events_example;
mod events_local;
mod local;
mod new;
mod openapi;
mod operations;
mod package;
mod todo_local;
mod todo_package;
mod websocket;

//! The integration tests of cargo-chalice, in one binary: one compile and
//! link instead of one per file, and one process, so that what the tests
//! build (the examples, for the host and for Lambda) is built once per run
//! and shared (see `common`).
//!
//! Each file is a module; run one with `cargo test --test integration <file>::`.

mod common;

// libtest starts the tests in name order: the WebSocket tests are named
// `chat::`, so that the chat's host build (the runtime with its `websocket`
// feature) overlaps the other tests instead of running alone at the end.
mod chat;
mod console;
mod deploy_failures;
mod deploy_moto;
mod docs;
mod events;
mod events_example;
mod events_local;
mod hardening;
mod load;
mod local;
mod new;
mod openapi;
mod operations;
mod package;
mod todo_local;
mod todo_package;

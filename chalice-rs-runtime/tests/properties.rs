//! Property tests of API Gateway's side as the runtime reproduces it: the
//! path matcher against a brute-force model of API Gateway's precedence,
//! the proxy event against what the Lambda side parses, and the authorizer
//! policy evaluator against IAM's rules.
//!
//! Each property sets its case count: together they run in a few seconds in
//! a debug build. No failure files are written (`failure_persistence: None`):
//! a failure found here becomes a plain regression test.

use proptest::test_runner::Config;

#[path = "properties/event.rs"]
mod event;
#[path = "properties/policy.rs"]
mod policy;
#[path = "properties/router.rs"]
mod router;

/// The runner's settings: `cases` cases, nothing written to disk.
pub fn config(cases: u32) -> Config {
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

//! Property tests of the tool's readers of outside input: the config file,
//! the function's proxy response, and the API's resource policy.
//!
//! Each property sets its case count: together they run in a few seconds in
//! a debug build. No failure files are written (`failure_persistence: None`):
//! a failure found here becomes a plain regression test beside the code.

mod config_file;
mod proxy_response;
mod resource_policy;

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::Config;
use serde_json::Value;

/// The runner's settings: `cases` cases, nothing written to disk.
fn config(cases: u32) -> Config {
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

/// Any JSON value, a few levels deep, its object keys drawn from `keys` and
/// from arbitrary text (without a backquote).
fn any_json(keys: &'static [&'static str]) -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        "\\PC{0,8}".prop_map(Value::from),
        select(keys).prop_map(Value::from),
    ];
    // No backquote in a key: the errors quote keys between backquotes.
    let key = prop_oneof![3 => select(keys).prop_map(str::to_owned), 1 => "[^`\\p{C}]{0,6}"];
    leaf.prop_recursive(4, 48, 5, move |inner| {
        prop_oneof![
            vec(inner.clone(), 0..5).prop_map(Value::Array),
            vec((key.clone(), inner), 0..5)
                .prop_map(|entries| Value::Object(entries.into_iter().collect())),
        ]
    })
}

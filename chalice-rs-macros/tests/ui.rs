//! Compile-time errors of the attributes: one UI test per mistake a user can make,
//! each with its committed `.stderr` (regenerate with `TRYBUILD=overwrite`).
//! Every case fails to compile, so trybuild only type-checks (`cargo check`);
//! the valid app they are variations of is chalice-rs-runtime's
//! `tests/attributes.rs`.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/unused_param.rs");
    cases.compile_fail("tests/ui/not_an_extractor.rs");
    cases.compile_fail("tests/ui/malformed_segment.rs");
    cases.compile_fail("tests/ui/unknown_method.rs");
    cases.compile_fail("tests/ui/unknown_key.rs");
    cases.compile_fail("tests/ui/duplicate_route.rs");
    cases.compile_fail("tests/ui/bad_return.rs");
    cases.compile_fail("tests/ui/errors_are_collected.rs");
    cases.compile_fail("tests/ui/unknown_authorizer.rs");
    cases.compile_fail("tests/ui/bad_cors.rs");
    cases.compile_fail("tests/ui/bad_authorizer.rs");
    cases.compile_fail("tests/ui/bad_validate.rs");
    // Event and plain functions.
    cases.compile_fail("tests/ui/bad_schedule.rs");
    cases.compile_fail("tests/ui/bad_batch_size.rs");
    cases.compile_fail("tests/ui/bad_batching_window.rs");
    cases.compile_fail("tests/ui/bad_starting_position.rs");
    cases.compile_fail("tests/ui/unknown_s3_event.rs");
    cases.compile_fail("tests/ui/bad_pattern.rs");
    cases.compile_fail("tests/ui/missing_source.rs");
    cases.compile_fail("tests/ui/wrong_event_argument.rs");
    cases.compile_fail("tests/ui/bad_function_result.rs");
    cases.compile_fail("tests/ui/unknown_function_key.rs");
    // WebSocket handlers.
    cases.compile_fail("tests/ui/ws_duplicate_route.rs");
    cases.compile_fail("tests/ui/ws_bad_route_key.rs");
    cases.compile_fail("tests/ui/ws_wrong_signature.rs");
}

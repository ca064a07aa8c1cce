//! Compile-time errors of `#[route]`: one UI test per mistake a user can make,
//! each with its committed `.stderr` (regenerate with `TRYBUILD=overwrite`).

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("tests/ui/pass.rs");
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
}

//! The same method and path in two modules: the compiler cannot see both, so
//! building the manifest fails, naming both handlers.

mod first {
    use chalice_rs_runtime::route;

    #[route("/reports/<id>", methods = [GET])]
    async fn report(id: u32) -> String {
        id.to_string()
    }
}

mod second {
    use chalice_rs_runtime::route;

    #[route("/reports/<id>", methods = [GET, DELETE])]
    async fn other_report(id: u32) -> String {
        id.to_string()
    }
}

#[test]
fn manifest_names_both_handlers() {
    let error = chalice_rs_runtime::registry::manifest()
        .expect_err("a duplicate route must not make a manifest")
        .to_string();
    assert!(error.contains("GET"), "{error}");
    assert!(error.contains("/reports/{id}"), "{error}");
    assert!(error.contains("duplicates::first::report"), "{error}");
    assert!(
        error.contains("duplicates::second::other_report"),
        "{error}"
    );
    assert!(error.contains("tests/duplicates.rs"), "{error}");
}

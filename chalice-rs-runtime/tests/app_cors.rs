//! The app-wide CORS settings (`CHALICE_CORS`, set by the tool from the
//! config's `cors`) reach the responses of routes without their own `cors`;
//! a route's own settings win. One test: the variable is process-wide.

use chalice_rs_runtime::{route, test::Client, App};

#[route("/plain")]
async fn plain() -> &'static str {
    "p"
}

#[route("/own", cors = Cors { allow_origin: "https://own.example" })]
async fn own() -> &'static str {
    "o"
}

#[tokio::test]
async fn app_wide_cors_fills_in_for_routes_without_their_own() {
    let before = Client::new(App::new()).get("/plain").send().await;
    assert_eq!(before.header("access-control-allow-origin"), None);

    std::env::set_var(
        chalice_rs_runtime::manifest::APP_CORS_ENV,
        r#"{"allow_origin": "https://app.example", "allow_headers": [], "expose_headers": [], "max_age": 600, "allow_credentials": false}"#,
    );
    let client = Client::new(App::new());
    let plain = client.get("/plain").send().await;
    assert_eq!(
        plain.header("access-control-allow-origin"),
        Some("https://app.example")
    );
    assert_eq!(plain.header("access-control-max-age"), Some("600"));
    let own = client.get("/own").send().await;
    assert_eq!(
        own.header("access-control-allow-origin"),
        Some("https://own.example")
    );
    std::env::remove_var(chalice_rs_runtime::manifest::APP_CORS_ENV);
}

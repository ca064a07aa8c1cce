//! The console of `cargo chalice local` in a real browser: headless
//! Chromium (Debian's) driven by Playwright (`console_browser.py`, run with
//! the test venv's Python) against a copy of examples/hello that it breaks
//! and fixes. The screenshot goes to `$CHALICE_CONSOLE_SCREENSHOT`
//! (`docs/guide/console.png` when updating the guide's), else beside the
//! tests' builds.

use crate::common;
use crate::local::{serve, Copy};

use std::process::{Command, Stdio};

#[test]
fn the_console_sends_requests_and_shows_the_log_and_build_errors() {
    let copy = Copy::new(
        "hello_console",
        r#"{"version": "2.0", "app_name": "hello"}"#,
    );
    let server = serve(copy.path(), &[], Some(&Copy::target_dir()));
    assert!(
        server.log().contains("/_chalice/"),
        "the banner names the console:\n{}",
        server.log()
    );
    let screenshot = std::env::var_os("CHALICE_CONSOLE_SCREENSHOT")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| common::tests_target_dir().join("console.png"));
    let chromium = common::chromium();
    let output = Command::new(common::venv_python())
        .arg(common::repo_root().join("cargo-chalice/tests/console_browser.py"))
        .env("CHALICE_TEST_CHROMIUM", &chromium)
        .arg(server.url("/_chalice/"))
        .arg(copy.path().join("src/main.rs"))
        .arg(&screenshot)
        .stdin(Stdio::null())
        .output()
        .expect("run console_browser.py");
    assert!(
        output.status.success(),
        "the browser test failed:\n{}{}\n--- server ---\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
        server.log()
    );
    assert!(
        screenshot.is_file(),
        "no screenshot at {}",
        screenshot.display()
    );
    let log = server.log();
    assert!(log.contains("still serving the last good build"), "{log}");
    assert!(log.contains("reloaded in"), "{log}");
}

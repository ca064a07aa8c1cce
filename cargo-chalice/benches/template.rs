//! Template generation time (resolving the app included) for apps of 10, 100 and 1,000 routes (synthetic
//! manifests: no compile). Run: `cargo bench -p cargo-chalice --bench template`.

use cargo_chalice::artifact::Arch;
use cargo_chalice::template::{resolve_and_generate, TemplateFormat};
use chalice_rs_runtime::manifest::Manifest;
use std::time::{Duration, Instant};

/// A manifest of `routes` routes spread over a realistic tree: 1 to 3
/// methods per path, literal and parameter segments, a few levels deep.
fn manifest(routes: usize) -> Manifest {
    let mut fragments = Vec::new();
    let mut count = 0;
    let mut i = 0;
    while count < routes {
        let group = i % 25;
        let path = format!("/group{group}/items{i}/<id>");
        let resource_path = format!("/group{group}/items{i}/{{id}}");
        let methods: Vec<&str> = ["GET", "PUT", "DELETE"]
            .into_iter()
            .take((routes - count).min(1 + i % 3))
            .collect();
        count += methods.len();
        fragments.push(
            serde_json::json!({
                "kind": "route", "handler": format!("handler_{i}"), "module": "bench",
                "file": "src/main.rs", "line": i + 1, "path": path,
                "resource_path": resource_path, "methods": methods,
            })
            .to_string(),
        );
        i += 1;
    }
    Manifest::from_fragments(fragments.iter().map(|f| f.as_bytes())).expect("valid manifest")
}

fn main() {
    let dir = std::env::temp_dir();
    let config = cargo_chalice::config::load(&dir.join("chalice-bench-no-config"), "dev", "bench")
        .expect("default config");
    println!("template generation (render + checks), median of runs:");
    for routes in [10, 100, 1_000] {
        let manifest = manifest(routes);
        for format in [TemplateFormat::Json, TemplateFormat::Yaml] {
            let mut times = Vec::new();
            let started = Instant::now();
            let mut templates = 0;
            while times.len() < 5
                || (started.elapsed() < Duration::from_secs(2) && times.len() < 200)
            {
                let start = Instant::now();
                let (set, rendered) =
                    resolve_and_generate(manifest.clone(), config.clone(), Arch::Arm64, format)
                        .expect("template");
                times.push(start.elapsed());
                templates = 1 + set.nested.len();
                std::hint::black_box(rendered);
            }
            times.sort();
            let median = times[times.len() / 2];
            println!(
                "  {routes:>5} routes, {:<4}: {:>9.3} ms  ({templates} template(s), {} runs)",
                format!("{format:?}").to_lowercase(),
                median.as_secs_f64() * 1000.0,
                times.len()
            );
        }
    }
}

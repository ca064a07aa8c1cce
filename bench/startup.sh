#!/usr/bin/env bash
# Cold start of examples/hello: time from process start to its first
# Runtime API poll (GET /2018-06-01/runtime/invocation/next), median of N runs.
#
#   bench/startup.sh [runs]        (default 21)
#
# Builds hello with the release profile for the host, then runs
# chalice-rs-runtime's startup_probe example against it.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-21}"
cargo build --release -p hello
cargo build --release -p chalice-rs-runtime --example startup_probe
target_dir="${CARGO_TARGET_DIR:-target}"
ls -l "$target_dir/release/hello" | awk '{print "hello binary: " $5 " bytes"}'
"$target_dir/release/examples/startup_probe" "$target_dir/release/hello" "$runs"

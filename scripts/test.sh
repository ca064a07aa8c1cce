#!/usr/bin/env bash
# Runs every test of the workspace on a fresh machine: installs what the tests
# need (scripts/test-env.sh: a Python venv with moto[server] and cfn-lint,
# the musl rustup targets), then `cargo test --workspace`.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# The venv's and chromium's installs run in the background while the
# workspace builds (`--no-run`); the tests start once both are done.
export CHALICE_TEST_ENV_BACKGROUND=1
# shellcheck source=scripts/test-env.sh
. "$root/scripts/test-env.sh"
# trybuild's projects (chalice-rs-macros' UI tests) get the workspace's lean
# debug info too (the builds cargo-chalice's tests start set their own
# profile: cargo-chalice/tests/common, SharedBuild); CI's fresh clone has no
# use for incremental state, which is most of a target dir's size.
export CARGO_PROFILE_DEV_DEBUG="${CARGO_PROFILE_DEV_DEBUG:-line-tables-only}"
if [ "${CI:-}" = true ]; then
  export CARGO_INCREMENTAL=0
fi
cargo test --workspace --locked --no-run "$@"
test_env_wait
cargo test --workspace --locked --no-fail-fast "$@"

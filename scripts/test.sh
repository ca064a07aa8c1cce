#!/usr/bin/env bash
# Runs every test of the workspace on a fresh machine: installs what the tests
# need (scripts/test-env.sh: a Python venv with moto[server] and cfn-lint,
# the musl rustup targets), then `cargo test --workspace`.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# shellcheck source=scripts/test-env.sh
. "$root/scripts/test-env.sh"
cargo test --workspace --locked --no-fail-fast "$@"

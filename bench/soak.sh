#!/usr/bin/env bash
# The soak of `cargo chalice local` at its full length (prints figures; the
# test asserts): 60 s (or $1) at 32 connections over a mix of routes of
# examples/hello (reads, a write, a refused body, an erroring and a panicking
# route), every answer checked, and the resident memory of the server and of
# each instance compared between the 20th and the 60th second (a third of
# the run and its end). CI runs the same test for 12 s.
#
#   bench/soak.sh [seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
# shellcheck source=scripts/test-env.sh
. scripts/test-env.sh >/dev/null
CHALICE_SOAK_SECONDS="$seconds" cargo test -p cargo-chalice --test integration --locked \
    load::a_soak_over_mixed_routes -- --nocapture 2>&1 |
    grep -E "^(soak:|  (server|instance) )|test result|panicked|FAILED"

#!/usr/bin/env bash
# Figures for `cargo chalice local` (prints numbers; asserts nothing).
#
#   bench/local.sh [seconds] [connections]      (default 10 s, 32 connections)
#
# 1. Throughput and p99 latency of GET /items/{id} against `cargo chalice
#    local` on examples/hello, beside a bare axum server answering the same
#    route (bench/bare-axum), in the same run, with wrk.
#    examples/hello keeps its items in each instance's memory (as a Lambda
#    function would), so item 1 is first seeded with `wrk` sending PUT
#    /items/1 at the same concurrency for 2 s: that grows the pool to the size
#    the measured run needs and every instance stores the item. Non-2xx
#    answers and socket errors are printed; the goal needs zero of both.
# 2. Edit-to-serve time: from saving a change in a handler of a copy of
#    examples/hello to the new answer being served (incremental build), 3 runs.
#
# cargo-chalice is built with the release profile (LTO off to keep the build
# short, symbols kept for `perf`) into target/bench-local; the app itself is built by `local` as it
# always is (debug profile for the app's crate, dependencies optimised).
# Environment: MAX_INSTANCES (pool size; default: the command's default),
# PARTS (`throughput`, `edit` or `all`, the default), ROUNDS (measured
# local/bare pairs, alternating; default 1; the median ratio is printed).
# Each round also prints the CPU time per request of the local server and of
# its instances (from /proc): steadier than req/s on a shared machine.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
seconds="${1:-10}"
connections="${2:-32}"
bench_target="$root/target/bench-local"

if ! command -v wrk >/dev/null; then
    echo "installing wrk (apt-get)..." >&2
    if command -v apt-get >/dev/null; then
        (apt-get install -y wrk || (apt-get update && apt-get install -y wrk)) >/dev/null
    fi
    command -v wrk >/dev/null || { echo "error: wrk is needed (apt-get install wrk)" >&2; exit 1; }
fi

echo "== building cargo-chalice (release, no LTO) and bare-axum into $bench_target" >&2
CARGO_TARGET_DIR="$bench_target" CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
    CARGO_PROFILE_RELEASE_STRIP=false cargo build --release -p cargo-chalice --bin cargo-chalice >&2
CARGO_TARGET_DIR="$bench_target" cargo build --release --manifest-path bench/bare-axum/Cargo.toml >&2
chalice="$bench_target/release/cargo-chalice"
bare="$bench_target/release/bare-axum"

work="$(mktemp -d)"
# shellcheck source=bench/lib.sh
source bench/lib.sh
cleanup() {
    stop_servers
    rm -rf "$work"
}
trap cleanup EXIT

parts="${PARTS:-all}"
max_args=()
if [[ -n "${MAX_INSTANCES:-}" ]]; then
    max_args=(--max-instances "$MAX_INSTANCES")
fi

if [[ "$parts" == all || "$parts" == throughput ]]; then
echo "== throughput: GET /items/1, $connections connections, $seconds s" >&2
"$chalice" local --project-dir examples/hello --port 0 --no-autoreload "${max_args[@]}" >"$work/local.log" 2>&1 &
pids+=($!)
local_url="$(wait_for_url "$work/local.log")"
bare_port="$(free_port)"
"$bare" "$bare_port" >"$work/bare.log" 2>&1 &
pids+=($!)
bare_url="http://127.0.0.1:$bare_port/"
wait_for_answer "$bare_url"

# Every instance has its own in-memory store: seed item 1 with wrk sending PUTs
# at the measured concurrency, so that the pool grows to its full size and
# every instance (each is kept busy) stores the item.
write_put_script "$work/put.lua"
seed() {
    wrk -t2 -c"$connections" -d2s -s "$work/put.lua" "${1}items/1" >"$2"
}
seed "$local_url" "$work/seed-local.txt"
seed "$bare_url" "$work/seed-bare.txt"
cold_after_seed="$(grep -c ' cold$' "$work/local.log" || true)"

run_wrk() {
    wrk -t2 -c"$connections" -d"${seconds}s" --latency "${1}items/1" >"$2"
}
local_pid="${pids[0]}"
hz="$(getconf CLK_TCK)"
# Both get a short warm-up, then the measured runs, alternating (the machine
# may be shared: each round's ratio compares runs taken close together).
wrk -t2 -c"$connections" -d2s "${local_url}items/1" >/dev/null
wrk -t2 -c"$connections" -d2s "${bare_url}items/1" >/dev/null
rounds="${ROUNDS:-1}"
ratios=()
echo
echo "GET /items/1, $connections connections, ${seconds} s (wrk -t2), $(nproc) cores, $rounds round(s)"
printf '  %-26s %12s %10s %14s %8s\n' server req/s p99 socket-errors non-2xx
total_err=0
for round in $(seq "$rounds"); do
    read -r server0 instances0 <<<"$(process_ticks "$local_pid")"
    run_wrk "$local_url" "$work/wrk-local.txt"
    read -r server1 instances1 <<<"$(process_ticks "$local_pid")"
    run_wrk "$bare_url" "$work/wrk-bare.txt"
    read -r l_rps l_p99 l_err l_non <<<"$(wrk_summary "$work/wrk-local.txt")"
    read -r b_rps b_p99 b_err b_non <<<"$(wrk_summary "$work/wrk-bare.txt")"
    total_err=$((total_err + l_err + l_non))
    requests="$(awk '/requests in/ {print $1}' "$work/wrk-local.txt")"
    printf '  %-26s %12s %10s %14s %8s\n' "cargo chalice local ($round)" "$l_rps" "$l_p99" "$l_err" "$l_non"
    printf '  %-26s %12s %10s %14s %8s\n' "bare axum ($round)" "$b_rps" "$b_p99" "$b_err" "$b_non"
    ratio="$(awk -v l="$l_rps" -v b="$b_rps" 'BEGIN { if (b > 0) printf "%.1f", 100 * l / b; else print 0 }')"
    ratios+=("$ratio")
    awk -v r="$ratio" -v s=$((server1 - server0)) -v i=$((instances1 - instances0)) -v n="${requests:-0}" -v hz="$hz" \
        'BEGIN { printf "    ratio: %s%% of bare axum; CPU per request: server %.0f us, instances %.0f us\n", r, (n > 0 ? 1e6 * s / hz / n : 0), (n > 0 ? 1e6 * i / hz / n : 0) }'
done
printf '%s\n' "${ratios[@]}" | sort -n | awk '{ a[NR] = $1 } END { printf "  median ratio: %s%% of bare axum (the goal is against the transport floor: bench/local-floor.sh)\n", a[int((NR + 1) / 2)] }'
if [[ "$total_err" != 0 ]]; then
    echo "  WARNING: cargo chalice local had errors or non-2xx answers"
fi
cold_total="$(grep -c ' cold$' "$work/local.log" || true)"
read -r s_rps _ s_err s_non <<<"$(wrk_summary "$work/seed-local.txt")"
echo "  seeding (PUT /items/1, 2 s): $s_rps req/s, $s_err socket errors, $s_non non-2xx;" \
    "instances started: $cold_after_seed (plus the pre-started one)"
echo "  cold starts after seeding (warm-ups and measured runs): $((cold_total - cold_after_seed))"
fi

# --- edit-to-serve ---------------------------------------------------------
if [[ "$parts" == all || "$parts" == edit ]]; then
echo >&2
echo "== edit-to-serve on a copy of examples/hello" >&2
app="$work/app"
mkdir -p "$app/src" "$app/.chalice"
cp examples/hello/src/main.rs "$app/src/main.rs"
cp examples/hello/.chalice/config.json "$app/.chalice/config.json"
cp Cargo.lock "$app/Cargo.lock"
sed -e 's/^name = "hello"/name = "hello_bench"/' \
    -e "s|\"../../chalice-rs-runtime\"|\"$root/chalice-rs-runtime\"|" \
    examples/hello/Cargo.toml >"$app/Cargo.toml"
printf '\n[workspace]\n' >>"$app/Cargo.toml"
CARGO_TARGET_DIR="$root/target/chalice-tests" \
    "$chalice" local --project-dir "$app" --port 0 >"$work/reload.log" 2>&1 &
pids+=($!)
reload_url="$(wait_for_url "$work/reload.log")"
times=()
previous="world"
for run in 1 2 3; do
    word="edit$run"
    start="$(date +%s.%N)"
    sed -i "s/greeting: \"$previous\"/greeting: \"$word\"/" "$app/src/main.rs"
    deadline=$((SECONDS + 300))
    until curl -s "$reload_url" | grep -q "$word"; do
        if ((SECONDS > deadline)); then
            echo "error: the edit was not served; log:" >&2
            cat "$work/reload.log" >&2
            exit 1
        fi
        sleep 0.02
    done
    end="$(date +%s.%N)"
    times+=("$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.2f", e - s }')")
    previous="$word"
    sleep 1
done
echo
echo "edit-to-serve (save -> new answer served, incremental debug build): ${times[*]} s"
printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1 } END { printf "  median: %s s\n", a[int((NR + 1) / 2)] }'
grep -o "reloaded in [0-9.]* s" "$work/reload.log" | sed 's/^/  server: /'
fi

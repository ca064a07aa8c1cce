#!/usr/bin/env bash
# Instructions per request of `cargo chalice local`'s own process, beside the
# floor's gateway (prints figures; asserts nothing).
#
#   bench/local-instructions.sh [seconds]      (default 8 s of load each)
#
# Throughput on this 2-core machine moves by ±8 % from run to run (see
# bench/local-floor.sh); instruction counts do not: valgrind's callgrind
# counts the user-space instructions a process executes, the same for the
# same binaries and requests whatever else the machine runs. Each server runs
# under callgrind (its instances, child processes, run natively), is warmed
# up with its instrumentation off, then counts while wrk sends GET /items/1
# on 4 connections; the count divided by the requests wrk made is the
# figure. It leaves out the kernel's share (sockets, wake-ups), which both
# pay alike, per bench/local-floor.sh's CPU figures.
#
# 1. The floor's gateway (bench/runtime-api-floor, 2 instances): no routing,
#    event building, checks or response reading: the transport's own cost.
# 2. `cargo chalice local` on examples/hello with the default settings.
# The ratio is local's instructions over the floor gateway's.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
seconds="${1:-8}"
bench_target="$root/target/bench-local"
for tool in wrk valgrind callgrind_control callgrind_annotate; do
    command -v "$tool" >/dev/null || {
        echo "error: $tool is needed (apt-get install wrk valgrind)" >&2
        exit 1
    }
done

echo "== building cargo-chalice (release, no LTO) and runtime-api-floor into $bench_target" >&2
CARGO_TARGET_DIR="$bench_target" CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
    CARGO_PROFILE_RELEASE_STRIP=false cargo build --release -p cargo-chalice --bin cargo-chalice >&2
CARGO_TARGET_DIR="$bench_target" cargo build --release --manifest-path bench/runtime-api-floor/Cargo.toml >&2
chalice="$bench_target/release/cargo-chalice"

# shellcheck source=bench/lib.sh
source bench/lib.sh
use_work_dir

# Counts the instructions of process $1 (under callgrind, instrumentation
# off) while wrk loads $2 for $seconds; prints `requests instructions`.
count() {
    local pid="$1" url="$2" name="$3" requests total
    wrk -t1 -c4 -d3s "$url" >/dev/null
    callgrind_control -i on "$pid" >/dev/null
    wrk -t1 -c4 -d"${seconds}s" "$url" >"$work/$name.wrk"
    callgrind_control -d "$pid" >/dev/null
    callgrind_control -i off "$pid" >/dev/null
    requests="$(awk '/requests in/ {print $1}' "$work/$name.wrk")"
    # The dump is written asynchronously; wait for its totals.
    for _ in $(seq 50); do
        total="$(callgrind_annotate "$work/$name.out.1" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}')"
        [ -n "$total" ] && break
        sleep 0.2
    done
    echo "${requests:-0} ${total:-0}"
}

# Runs $2... under callgrind (in place of the background subshell, so that $! is its PID).
callgrind() { exec valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$work/$1.out" "${@:2}"; }

port="$(free_port)"
FLOOR_EVENT=apigw callgrind floor "$bench_target/release/floor-gateway" "$port" 2 \
    "$bench_target/release/floor-function" bench/runtime-api-floor/event.json >"$work/floor.log" 2>&1 &
floor_pid=$!
pids+=("$floor_pid")
wait_for_answer "http://127.0.0.1:$port/items/1"
read -r floor_requests floor_total <<<"$(count "$floor_pid" "http://127.0.0.1:$port/items/1" floor)"

callgrind local "$chalice" local --project-dir examples/hello --port 0 --no-autoreload >"$work/local.log" 2>&1 &
local_pid=$!
pids+=("$local_pid")
local_url="$(wait_for_url "$work/local.log")"
write_put_script "$work/put.lua"
wrk -t1 -c4 -d3s -s "$work/put.lua" "${local_url}items/1" >/dev/null
read -r local_requests local_total <<<"$(count "$local_pid" "${local_url}items/1" local)"

echo
echo "GET /items/1, 4 connections, ${seconds} s each, instructions of the server process (callgrind)"
awk -v fr="$floor_requests" -v ft="$floor_total" -v lr="$local_requests" -v lt="$local_total" 'BEGIN {
    f = (fr > 0 ? ft / fr : 0); l = (lr > 0 ? lt / lr : 0)
    printf "  %-36s %9s %14s %12s\n", "server", "requests", "instructions", "per request"
    printf "  %-36s %9d %14d %12.0f\n", "floor gateway (2 instances)", fr, ft, f
    printf "  %-36s %9d %14d %12.0f\n", "cargo chalice local (hello)", lr, lt, l
    printf "  local / floor: %.2fx\n", (f > 0 ? l / f : 0)
}'

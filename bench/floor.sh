#!/usr/bin/env bash
# The floor under bench/local.sh's throughput figure (prints numbers; asserts nothing).
#
#   bench/floor.sh [seconds] [connections]      (default 8 s, 32 connections)
#
# `cargo chalice local` runs the app as Lambda does: API Gateway in front, and
# the function's bootstrap (lambda_runtime) fetching each event from a Lambda
# Runtime API over loopback HTTP. bench/runtime-api-floor keeps only that
# transport: floor-gateway hands a constant API Gateway event
# (bench/runtime-api-floor/event.json) to the next instance and answers with
# its payload, with no routing, checks, event building, response parsing or
# access log; floor-function answers a constant proxy response. Whatever local
# does on top can only cost more, so these ratios bound its figure from above.
#
# Each configuration is measured beside bare axum (bench/bare-axum) answering
# GET /items/{id} in one process, alternating, with wrk -t2:
#   gateway scheduler (multi_thread, as local; or current_thread),
#   instances (10, local's default; or 2),
#   event read as ApiGatewayProxyRequest (apigw, as every API function must)
#   or skipped unread (ignored).
# CPU time per request of the gateway and of its instances comes from /proc.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
seconds="${1:-8}"
connections="${2:-32}"
bench_target="$root/target/bench-local"
command -v wrk >/dev/null || { echo "error: wrk is needed (apt-get install wrk)" >&2; exit 1; }

echo "== building bare-axum and runtime-api-floor (release) into $bench_target" >&2
CARGO_TARGET_DIR="$bench_target" cargo build --release --manifest-path bench/bare-axum/Cargo.toml >&2
CARGO_TARGET_DIR="$bench_target" cargo build --release --manifest-path bench/runtime-api-floor/Cargo.toml >&2
bare="$bench_target/release/bare-axum"
gateway="$bench_target/release/floor-gateway"
function="$bench_target/release/floor-function"
event="$root/bench/runtime-api-floor/event.json"

# shellcheck source=bench/lib.sh
source bench/lib.sh
out="$(mktemp -d)"
cleanup() {
    stop_servers
    rm -rf "$out"
}
trap cleanup EXIT

bare_port="$(free_port)"
"$bare" "$bare_port" >/dev/null 2>&1 &
pids+=($!)
bare_url="http://127.0.0.1:$bare_port/items/1"
wait_for_answer "$bare_url"
hz="$(getconf CLK_TCK)"

echo
echo "GET /items/1, $connections connections, ${seconds} s (wrk -t2), $(nproc) cores"
printf '  %-42s %10s %10s %7s %9s %11s %9s\n' configuration floor bare ratio failures "gateway/req" "inst./req"
for config in "multi_thread 10 apigw" "multi_thread 2 apigw" "current_thread 2 apigw" "current_thread 2 ignored"; do
    read -r scheduler instances read_event <<<"$config"
    port="$(free_port)"
    FLOOR_RUNTIME="$scheduler" FLOOR_EVENT="$read_event" \
        "$gateway" "$port" "$instances" "$function" "$event" >"$out/gateway.log" 2>&1 &
    gateway_pid=$!
    pids+=("$gateway_pid")
    url="http://127.0.0.1:$port/items/1"
    wait_for_answer "$url"
    wrk -t2 -c"$connections" -d2s "$url" >/dev/null
    read -r g0 i0 <<<"$(process_ticks "$gateway_pid")"
    wrk -t2 -c"$connections" -d"${seconds}s" "$url" >"$out/floor.txt"
    read -r g1 i1 <<<"$(process_ticks "$gateway_pid")"
    wrk -t2 -c"$connections" -d"${seconds}s" "$bare_url" >"$out/bare.txt"
    kill -INT "$gateway_pid"
    wait "$gateway_pid" 2>/dev/null || true
    read -r f_rps _ f_err f_non <<<"$(wrk_summary "$out/floor.txt")"
    read -r b_rps _ _ _ <<<"$(wrk_summary "$out/bare.txt")"
    requests="$(awk '/requests in/ {print $1}' "$out/floor.txt")"
    awk -v c="$scheduler, $instances instances, event $read_event" -v f="$f_rps" \
        -v b="$b_rps" -v e=$((f_err + f_non)) -v g=$((g1 - g0)) \
        -v i=$((i1 - i0)) -v n="${requests:-0}" -v hz="$hz" 'BEGIN {
            printf "  %-42s %10.0f %10.0f %6.1f%% %9d %8.0f us %6.0f us\n", c, f, b,
                (b > 0 ? 100 * f / b : 0), e, (n > 0 ? 1e6 * g / hz / n : 0), (n > 0 ? 1e6 * i / hz / n : 0)
        }'
done

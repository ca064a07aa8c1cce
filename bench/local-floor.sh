#!/usr/bin/env bash
# `cargo chalice local` against the floor of its transport, measured in one
# run (prints figures; asserts nothing).
#
#   bench/local-floor.sh [seconds] [connections]      (default 8 s, 32 connections)
#   ROUNDS=5 bench/local-floor.sh 6                    (the main pair 5 times: the median share)
#
# 1. The floor (bench/runtime-api-floor, see bench/floor.sh): a gateway that
#    hands a constant API Gateway event to the next instance over the Lambda
#    Runtime API and answers with its payload. Each configuration whose
#    function reads its event (as every API function must) is measured; the
#    best is the baseline of what follows.
# 2. `cargo chalice local` on examples/hello with the settings a user gets,
#    GET /items/1 (seeded first with PUTs at the same concurrency: each
#    instance keeps its own items): req/s as a share of the best floor, socket
#    errors and non-2xx answers, and the CPU time per request of the server
#    and of its instances (from /proc).
# 3. One connection: the median latency of local and of the best floor.
# 4. Governance, on bench/governed (a copy of it, with the workspace's
#    Cargo.lock): GET /keyed/items/1 (an API key and a TOKEN authorizer whose
#    decision is cached) as a share of GET /items/1 (plain, the same handler
#    and the same request headers, which it ignores: the figure is what the
#    checks cost, not what the key's and token's bytes cost in the event),
#    and POST /items (a body validated against its JSON schema) as a share
#    of POST /unchecked/items (the same handler, no validation).
#
# Every pair compared is measured close together on the same machine; the
# ratios are the figures, req/s alone depends on the machine and its load.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
seconds="${1:-8}"
connections="${2:-32}"
bench_target="$root/target/bench-local"
command -v wrk >/dev/null || { echo "error: wrk is needed (apt-get install wrk)" >&2; exit 1; }

echo "== building cargo-chalice (release, no LTO) and runtime-api-floor into $bench_target" >&2
CARGO_TARGET_DIR="$bench_target" CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
    CARGO_PROFILE_RELEASE_STRIP=false cargo build --release -p cargo-chalice --bin cargo-chalice >&2
CARGO_TARGET_DIR="$bench_target" cargo build --release --manifest-path bench/runtime-api-floor/Cargo.toml >&2
chalice="$bench_target/release/cargo-chalice"
gateway="$bench_target/release/floor-gateway"
function="$bench_target/release/floor-function"
event="$root/bench/runtime-api-floor/event.json"

# shellcheck source=bench/lib.sh
source bench/lib.sh
use_work_dir
hz="$(getconf CLK_TCK)"

# Runs wrk against $1 with $2 connections for $3 seconds (extra arguments
# follow), measuring the CPU of process $4 and its children; prints
# `req/s errors p50 server-us/req instances-us/req`.
measure() {
    local url="$1" conns="$2" secs="$3" pid="$4"
    shift 4
    local s0 i0 s1 i1 rps _p99 err non p50 requests
    read -r s0 i0 <<<"$(process_ticks "$pid")"
    wrk -t"$((conns < 2 ? 1 : 2))" -c"$conns" -d"${secs}s" --latency "$@" "$url" >"$work/wrk.txt"
    read -r s1 i1 <<<"$(process_ticks "$pid")"
    read -r rps _p99 err non <<<"$(wrk_summary "$work/wrk.txt")"
    p50="$(awk '$1 == "50%" {print $2}' "$work/wrk.txt")"
    requests="$(awk '/requests in/ {print $1}' "$work/wrk.txt")"
    awk -v r="$rps" -v e=$((err + non)) -v p="${p50:-?}" -v s=$((s1 - s0)) -v i=$((i1 - i0)) \
        -v n="${requests:-0}" -v hz="$hz" 'BEGIN {
            printf "%s %d %s %.0f %.0f\n", r, e, p, (n > 0 ? 1e6 * s / hz / n : 0), (n > 0 ? 1e6 * i / hz / n : 0)
        }'
}

# Prints $1 as a percentage of $2.
percent() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f%%", (b > 0 ? 100 * a / b : 0) }'; }

row() { printf '  %-44s %9s %7s %8s %9s %9s %s\n' "$@"; }

echo
echo "== the floor: GET /items/1, $connections connections, ${seconds} s (wrk -t2), $(nproc) cores"
row configuration req/s errors p50 "server/req" "inst./req" ""
best_rps=0
best_config=""
# Starts the floor with $1 (`<scheduler> <instances>`) on a free port and
# waits until it answers; sets floor_pid and floor_url (no subshell: the
# PID goes into `pids`).
start_floor() {
    local scheduler instances port
    read -r scheduler instances <<<"$1"
    port="$(free_port)"
    FLOOR_RUNTIME="$scheduler" FLOOR_EVENT=apigw \
        "$gateway" "$port" "$instances" "$function" "$event" >"$work/gateway.log" 2>&1 &
    floor_pid=$!
    pids+=("$floor_pid")
    floor_url="http://127.0.0.1:$port/items/1"
    wait_for_answer "$floor_url"
}

for config in "multi_thread 10" "multi_thread 2" "current_thread 2"; do
    read -r scheduler instances <<<"$config"
    start_floor "$config"
    pid="$floor_pid"
    url="$floor_url"
    wrk -t2 -c"$connections" -d2s "$url" >/dev/null
    read -r rps err p50 s i <<<"$(measure "$url" "$connections" "$seconds" "$pid")"
    row "floor: $scheduler, $instances instances" "$rps" "$err" "$p50" "$s us" "$i us" ""
    if awk -v a="$rps" -v b="$best_rps" 'BEGIN { exit !(a > b) }'; then
        best_rps="$rps"
        best_config="$config"
    fi
    kill -INT "$pid"
    wait "$pid" 2>/dev/null || true
done
echo "  best: $best_config ($best_rps req/s)"

# The best floor again, for its one-connection latency and beside local.
start_floor "$best_config"

echo
echo "== cargo chalice local on examples/hello (default settings)" >&2
"$chalice" local --project-dir examples/hello --port 0 --no-autoreload >"$work/local.log" 2>&1 &
local_pid=$!
pids+=("$local_pid")
local_url="$(wait_for_url "$work/local.log")"
write_put_script "$work/put.lua"
wrk -t2 -c"$connections" -d2s -s "$work/put.lua" "${local_url}items/1" >/dev/null
wrk -t2 -c"$connections" -d2s "${local_url}items/1" >/dev/null

rounds="${ROUNDS:-1}"
echo "GET /items/1, $connections connections, ${seconds} s, alternating, $rounds round(s)"
row server req/s errors p50 "server/req" "inst./req" "of floor"
shares=()
for round in $(seq "$rounds"); do
    read -r f_rps f_err f_p50 f_s f_i <<<"$(measure "$floor_url" "$connections" "$seconds" "$floor_pid")"
    read -r l_rps l_err l_p50 l_s l_i <<<"$(measure "${local_url}items/1" "$connections" "$seconds" "$local_pid")"
    row "floor ($best_config) ($round)" "$f_rps" "$f_err" "$f_p50" "$f_s us" "$f_i us" ""
    row "cargo chalice local ($round)" "$l_rps" "$l_err" "$l_p50" "$l_s us" "$l_i us" "$(percent "$l_rps" "$f_rps")"
    shares+=("$(awk -v a="$l_rps" -v b="$f_rps" 'BEGIN { printf "%.1f", (b > 0 ? 100 * a / b : 0) }')")
done
printf '%s\n' "${shares[@]}" | sort -n | awk '{ a[NR] = $1 } END { printf "  median share of the floor: %s%% (goal: 75%%, zero errors)\n", a[int((NR + 1) / 2)] }'

echo
echo "one connection, ${seconds} s"
row server req/s errors p50 "server/req" "inst./req" "p50 / floor's"
read -r f1_rps f1_err f1_p50 f1_s f1_i <<<"$(measure "$floor_url" 1 "$seconds" "$floor_pid")"
read -r l1_rps l1_err l1_p50 l1_s l1_i <<<"$(measure "${local_url}items/1" 1 "$seconds" "$local_pid")"
row "floor ($best_config)" "$f1_rps" "$f1_err" "$f1_p50" "$f1_s us" "$f1_i us" ""
ratio="$(awk -v l="$l1_p50" -v f="$f1_p50" 'function us(v) { if (v ~ /us$/) return v + 0; if (v ~ /ms$/) return 1000 * v; return 1e6 * v }
    BEGIN { printf "%.2fx", (us(f) > 0 ? us(l) / us(f) : 0) }')"
row "cargo chalice local" "$l1_rps" "$l1_err" "$l1_p50" "$l1_s us" "$l1_i us" "$ratio (goal: 1.5x)"
kill -INT "$local_pid" "$floor_pid"
wait "$local_pid" "$floor_pid" 2>/dev/null || true

echo
echo "== governance on bench/governed" >&2
app="$work/governed"
mkdir -p "$app"
cp -r bench/governed/src bench/governed/.chalice "$app/"
sed "s|path = \"../../chalice-rs-runtime\"|path = \"$root/chalice-rs-runtime\"|" bench/governed/Cargo.toml >"$app/Cargo.toml"
cp Cargo.lock "$app/"
CARGO_TARGET_DIR="$root/target" "$chalice" local --project-dir "$app" --port 0 --no-autoreload >"$work/governed.log" 2>&1 &
governed_pid=$!
pids+=("$governed_pid")
governed_url="$(wait_for_url "$work/governed.log")"
cat >"$work/keyed.lua" <<'LUA'
wrk.headers["x-api-key"] = "bench-key"
wrk.headers["Authorization"] = "allow-bench"
LUA
cat >"$work/post.lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"name": "pen", "price": 120}'
wrk.headers["Content-Type"] = "application/json"
LUA
for warm in "items/1 -s $work/keyed.lua" "keyed/items/1 -s $work/keyed.lua" "unchecked/items -s $work/post.lua" "items -s $work/post.lua"; do
    read -r path script <<<"$warm"
    # shellcheck disable=SC2086
    wrk -t2 -c"$connections" -d2s $script "${governed_url}$path" >/dev/null
done
echo "$connections connections, ${seconds} s each"
row route req/s errors p50 "server/req" "inst./req" "of plain"
read -r p_rps p_err p_p50 p_s p_i <<<"$(measure "${governed_url}items/1" "$connections" "$seconds" "$governed_pid" -s "$work/keyed.lua")"
row "GET /items/1 (plain)" "$p_rps" "$p_err" "$p_p50" "$p_s us" "$p_i us" ""
read -r k_rps k_err k_p50 k_s k_i <<<"$(measure "${governed_url}keyed/items/1" "$connections" "$seconds" "$governed_pid" -s "$work/keyed.lua")"
row "GET /keyed/items/1 (API key, cached auth.)" "$k_rps" "$k_err" "$k_p50" "$k_s us" "$k_i us" "$(percent "$k_rps" "$p_rps") (goal: 85%)"
read -r u_rps u_err u_p50 u_s u_i <<<"$(measure "${governed_url}unchecked/items" "$connections" "$seconds" "$governed_pid" -s "$work/post.lua")"
row "POST /unchecked/items (plain)" "$u_rps" "$u_err" "$u_p50" "$u_s us" "$u_i us" ""
read -r v_rps v_err v_p50 v_s v_i <<<"$(measure "${governed_url}items" "$connections" "$seconds" "$governed_pid" -s "$work/post.lua")"
row "POST /items (validated body)" "$v_rps" "$v_err" "$v_p50" "$v_s us" "$v_i us" "$(percent "$v_rps" "$u_rps") (goal: 85%)"

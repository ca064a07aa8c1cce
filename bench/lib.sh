# Helpers shared by the bench scripts that serve on loopback and load with wrk.
# Sourced, not run. The sourcing script keeps the PIDs of its background
# servers in `pids`; `stop_servers` (set as the EXIT trap) stops them.

pids=()

# Stops every server in `pids` and waits for each.
stop_servers() {
    local pid
    for pid in "${pids[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${pids[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
}

# Prints a free loopback TCP port.
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# Waits (10 s at most) until $1, a URL, answers; fails with a message otherwise.
wait_for_answer() {
    for _ in $(seq 100); do
        curl -s -o /dev/null "$1" && return 0
        sleep 0.1
    done
    echo "error: nothing answers on $1" >&2
    return 1
}

# Prints the CPU time (clock ticks) of process $1 and the sum over its children.
process_ticks() {
    local own children=0 child
    own="$(awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0)"
    for child in $(pgrep -P "$1" || true); do
        children=$((children + $(awk '{print $14 + $15}' "/proc/$child/stat" 2>/dev/null || echo 0)))
    done
    echo "$own $children"
}

# Prints `req/s p99 socket-errors non-2xx` from the output of `wrk --latency` in $1.
wrk_summary() {
    local file="$1" rps p99 errors non2xx
    rps="$(awk '/Requests\/sec/ {print $2}' "$file")"
    p99="$(awk '$1 == "99%" {print $2}' "$file")"
    errors="$(awk '/Socket errors/ {gsub(",", ""); print $4 + $6 + $8 + $10}' "$file")"
    non2xx="$(awk '/Non-2xx/ {print $5}' "$file")"
    echo "${rps:-0} ${p99:-?} ${errors:-0} ${non2xx:-0}"
}

# Waits (15 minutes at most: the first start builds the app) until $1, the
# log of `cargo chalice local`, shows the banner's URL; prints the URL.
wait_for_url() {
    local log="$1" deadline=$((SECONDS + 900))
    while ((SECONDS < deadline)); do
        if grep -q "serving on http://" "$log"; then
            grep -o "serving on http://[^ ]*" "$log" | head -1 | sed 's/serving on //'
            return 0
        fi
        sleep 0.2
    done
    echo "error: the server did not start; its log:" >&2
    cat "$log" >&2
    return 1
}

# Writes $1, a wrk script sending what examples/hello's PUT /items/{id}
# stores (seeding item 1 in every instance before GET /items/1 is measured).
write_put_script() {
    cat >"$1" <<'LUA'
wrk.method = "PUT"
wrk.body = '{"name": "pen", "price": 120}'
wrk.headers["Content-Type"] = "application/json"
LUA
}

# Sets `work` to a new temporary directory and the EXIT trap that stops the
# servers and removes it.
use_work_dir() {
    work="$(mktemp -d)"
    trap 'stop_servers; rm -rf "$work"' EXIT
}

#!/usr/bin/env bash
# Figures for `cargo chalice deploy` against the moto server (prints numbers; asserts nothing).
#
#   bench/deploy.sh [runs]        (default 3 runs of each no-change command)
#
# On a copy of examples/hello (x86_64), with the app already built once so
# that cargo has nothing to compile:
#   - first deploy: a fresh moto (new bucket, new stack), after one warm-up
#     CloudFormation request (moto's first one costs ~2.5 s of its own);
#   - redeploy with nothing changed (median of the runs);
#   - `package` with nothing changed (median): cargo's check, the manifest, the
#     zip and the template, i.e. the part of a deploy before any AWS call;
#   - the difference: what deploy adds beyond packaging (AWS calls).
# cargo-chalice is the debug build of target/debug unless PROFILE=release
# (then built into target/bench-deploy, which takes a while the first time).
# moto comes from PATH, $CHALICE_TEST_VENV/bin or .venv/bin (scripts/test-env.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
runs="${1:-3}"

moto="$(command -v moto_server || true)"
for candidate in "${CHALICE_TEST_VENV:-}/bin/moto_server" "$root/.venv/bin/moto_server"; do
    [ -n "$moto" ] || { [ -x "$candidate" ] && moto="$candidate"; } || true
done
[ -n "$moto" ] || { echo "error: moto_server not found: run scripts/test.sh (or . scripts/test-env.sh)" >&2; exit 1; }

if [ "${PROFILE:-debug}" = release ]; then
    CARGO_TARGET_DIR="$root/target/bench-deploy" cargo build --release -p cargo-chalice >&2
    chalice="$root/target/bench-deploy/release/cargo-chalice"
else
    cargo build -p cargo-chalice >&2
    chalice="$root/target/debug/cargo-chalice"
fi

work="$(mktemp -d)"
moto_pid=""
cleanup() {
    [ -n "$moto_pid" ] && kill "$moto_pid" 2>/dev/null && wait "$moto_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

cp -r examples/hello/src examples/hello/.chalice "$work/"
sed "s|path = \"../../chalice-rs-runtime\"|path = \"$root/chalice-rs-runtime\"|" examples/hello/Cargo.toml >"$work/Cargo.toml"
printf '\n[workspace]\n' >>"$work/Cargo.toml"
cp Cargo.lock "$work/"
export CARGO_TARGET_DIR="$root/target/chalice-tests"

now() { date +%s.%N; }
elapsed() { echo "$2 - $1" | bc; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "building the app once (not timed)..." >&2
(cd "$work" && "$chalice" package --arch x86_64 "$work/warm" >/dev/null 2>&1)

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
"$moto" -H 127.0.0.1 -p "$port" >/dev/null 2>&1 &
moto_pid=$!
for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$port/moto-api/" >/dev/null 2>&1 && break
    sleep 0.1
done
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1
export AWS_ENDPOINT_URL="http://127.0.0.1:$port" AWS_CONFIG_FILE=/nonexistent AWS_SHARED_CREDENTIALS_FILE=/nonexistent
unset AWS_PROFILE

# moto loads its CloudFormation backend (and every service it models) on the
# first CloudFormation request, ~2.5 s: warm it so that the figure is ours.
curl -s -o /dev/null -d 'Action=ListStacks&Version=2010-05-15' \
    -H 'Authorization: AWS4-HMAC-SHA256 Credential=testing/20240101/us-east-1/cloudformation/aws4_request, SignedHeaders=host, Signature=0' \
    "http://127.0.0.1:$port/"

cd "$work"
start=$(now)
"$chalice" deploy --arch x86_64 >/dev/null 2>&1
first=$(elapsed "$start" "$(now)")

redeploys=""
packages=""
for _ in $(seq 1 "$runs"); do
    start=$(now)
    "$chalice" deploy --arch x86_64 >/dev/null 2>"$work/redeploy.err"
    redeploys="$redeploys $(elapsed "$start" "$(now)")"
    grep -q "nothing to deploy" "$work/redeploy.err" || { echo "error: the redeploy changed something" >&2; exit 1; }
    start=$(now)
    "$chalice" package --arch x86_64 "$work/pkg" >/dev/null 2>&1
    packages="$packages $(elapsed "$start" "$(now)")"
done
redeploy=$(echo "$redeploys" | tr ' ' '\n' | grep . | median)
package=$(echo "$packages" | tr ' ' '\n' | grep . | median)

echo "cargo-chalice: ${PROFILE:-debug} build; moto_server: $moto"
printf 'first deploy (app built, fresh moto, warmed): %.2f s\n' "$first"
printf 'redeploy, nothing changed (median of %s):  %.2f s\n' "$runs" "$redeploy"
printf 'package, nothing changed (median of %s):   %.2f s\n' "$runs" "$package"
printf 'deploy beyond package (redeploy - package): %.2f s\n' "$(elapsed "$package" "$redeploy")"
printf 'first deploy beyond package:                %.2f s\n' "$(elapsed "$package" "$first")"

#!/usr/bin/env bash
# Installs what the tests need, idempotently: a Python venv in .venv with
# moto[server] and cfn-lint (PyPI), the rustup targets for Lambda, and
# Debian's musl-tools (musl-gcc: the C compiler an x86_64 Lambda build of an
# app using the AWS SDK needs for its TLS stack, as a user installs it); for
# the OpenAPI and console tests, openapi-spec-validator and playwright (PyPI)
# and Debian's chromium.
# Source it (`. scripts/test-env.sh`) to get .venv/bin on PATH.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv"
# The venv's packages: in the foreground, or with CHALICE_TEST_ENV_BACKGROUND=1
# (scripts/test.sh, which builds meanwhile) in the background, logged to
# target/venv-install.log; `test_env_wait` waits for it.
install_venv() {
  if [ ! -x "$venv/bin/cfn-lint" ] || [ ! -x "$venv/bin/moto_server" ]; then
    echo "test-env: creating $venv with moto[server] and cfn-lint" >&2
    python3 -m venv "$venv" || return 1
    "$venv/bin/pip" install --quiet --disable-pip-version-check "moto[server]>=5" "cfn-lint>=1" || return 1
  fi
  # The OpenAPI tests: a validator of the documents, and Playwright driving
  # Debian's chromium for the console (never `playwright install`: no browser
  # download).
  if [ ! -x "$venv/bin/openapi-spec-validator" ] || ! "$venv/bin/python" -c "import playwright" 2>/dev/null; then
    echo "test-env: pip install openapi-spec-validator playwright" >&2
    "$venv/bin/pip" install --quiet --disable-pip-version-check "openapi-spec-validator>=0.7" "playwright>=1.40" || return 1
  fi
}
venv_log=""
if [ "${CHALICE_TEST_ENV_BACKGROUND:-}" = 1 ]; then
  mkdir -p "$root/target"
  venv_log="$root/target/venv-install.log"
  echo "test-env: installing the venv's packages in the background (log: $venv_log)" >&2
  (
    status=0
    install_venv || status=$?
    echo "exit $status"
  ) >"$venv_log" 2>&1 &
else
  install_venv
fi
for target in x86_64-unknown-linux-musl aarch64-unknown-linux-musl; do
  if ! rustup target list --installed | grep -qx "$target"; then
    echo "test-env: rustup target add $target" >&2
    rustup target add "$target"
  fi
done
# Debian's packages: musl-tools (musl-gcc) now; chromium, which only the
# console's browser test needs and which takes a minute to install, in the
# background while the workspace builds, without its recommends (a printer
# setup with Samba and Perl: three times the packages, none used headless). Its log ends with `exit <status>`;
# `CHALICE_TEST_CHROMIUM_INSTALL` names it, and that test waits for it
# (tests/common: `chromium()`).
sudo=""
if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
if ! command -v musl-gcc >/dev/null 2>&1 || [ ! -x /usr/bin/chromium ]; then
  $sudo apt-get update -qq >/dev/null
fi
if ! command -v musl-gcc >/dev/null 2>&1; then
  echo "test-env: apt-get install musl-tools" >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq musl-tools >/dev/null
fi
if [ ! -x /usr/bin/chromium ]; then
  mkdir -p "$root/target"
  chromium_log="$root/target/chromium-install.log"
  echo "test-env: apt-get install chromium, in the background (log: $chromium_log)" >&2
  (
    status=0
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
      chromium fonts-liberation || status=$?
    echo "exit $status"
  ) >"$chromium_log" 2>&1 &
  export CHALICE_TEST_CHROMIUM_INSTALL="$chromium_log"
fi
export PATH="$venv/bin:$PATH"
export CHALICE_TEST_VENV="$venv"

# Waits for the background installs (the venv's, chromium's) and fails with
# the log of one that failed.
test_env_wait() {
  local log status
  for log in "$venv_log" "${CHALICE_TEST_CHROMIUM_INSTALL:-}"; do
    [ -n "$log" ] || continue
    until status="$(sed -n 's/^exit //p' "$log" 2>/dev/null)" && [ -n "$status" ]; do
      sleep 1
    done
    if [ "$status" != 0 ]; then
      echo "test-env: a background install failed ($log):" >&2
      cat "$log" >&2
      return 1
    fi
  done
}

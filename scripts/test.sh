#!/usr/bin/env bash
# Runs every test custodian has, on a fresh machine: formatting, lints, unit tests, integration
# tests through the binary, and end-to-end tests of the real AWS SDK against moto (an AWS API
# emulator, installed into .venv if missing and started on a free 127.0.0.1 port).
# Build output goes to a persistent CARGO_TARGET_DIR outside the checkout.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/custodian/target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
# Tests never use real credentials or configuration.
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ROLE_ARN AWS_WEB_IDENTITY_TOKEN_FILE AWS_REGION AWS_DEFAULT_REGION AWS_ENDPOINT_URL
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true

# moto, pinned, and cfn-lint (checks the generated Lambda template), in a local virtual environment.
MOTO_VERSION=5.2.5
CFN_LINT_VERSION=1.58.0
VENV="${CUSTODIAN_VENV:-$PWD/.venv}"
if ! "$VENV/bin/python" -c "import moto, boto3, flask" 2>/dev/null || [ "$("$VENV/bin/python" -c 'import moto; print(moto.__version__)')" != "$MOTO_VERSION" ] \
  || [ "$("$VENV/bin/cfn-lint" --version 2>/dev/null)" != "cfn-lint $CFN_LINT_VERSION" ]; then
  echo "installing moto[server]==$MOTO_VERSION and cfn-lint==$CFN_LINT_VERSION into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION" "cfn-lint==$CFN_LINT_VERSION"
fi
PORT=$("$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$CARGO_TARGET_DIR"
"$VENV/bin/moto_server" -H 127.0.0.1 -p "$PORT" > "$CARGO_TARGET_DIR/moto.log" 2>&1 &
MOTO_PID=$!
trap 'kill $MOTO_PID 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  "$VENV/bin/python" -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$PORT/moto-api/')" 2>/dev/null && break
  sleep 0.2
done
export CUSTODIAN_MOTO_ENDPOINT="http://127.0.0.1:$PORT" CUSTODIAN_MOTO_PYTHON="$VENV/bin/python" CUSTODIAN_CFN_LINT="$VENV/bin/cfn-lint"

cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --all-targets --locked
cargo test --workspace --doc --locked

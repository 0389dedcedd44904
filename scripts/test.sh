#!/usr/bin/env bash
# Runs every test custodian has, on a fresh machine: formatting, lints, unit and integration tests.
# Build output goes to a persistent CARGO_TARGET_DIR outside the checkout, so CI and repeated
# runs reuse compiled dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/custodian/target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
# Tests never use real credentials: clear anything the environment carries.
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ROLE_ARN AWS_WEB_IDENTITY_TOKEN_FILE
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=us-east-1
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true

cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --all-targets --locked
cargo test --workspace --doc --locked

#!/usr/bin/env bash
# Runs every test custodian has, on a fresh machine: formatting, lints, unit tests, integration
# tests through the binary, end-to-end tests of the real AWS SDK against moto (an AWS API
# emulator, installed into .venv if missing and started on a free 127.0.0.1 port), the Lambda
# function's handler and `bootstrap` binary (against a local Runtime API), and cfn-lint over the
# generated deployment templates, the Kubernetes manifests, and the container image (a static
# musl build of the CLI, dev profile, run with buildah: ~4 minutes cold). The release/musl Lambda zip has its own script
# (scripts/test-lambda-zip.sh): building it recompiles the AWS SDK for ~15 minutes.
# Build output goes to a persistent CARGO_TARGET_DIR outside the checkout.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/custodian/target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
source scripts/moto-env.sh

cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
# Supply chain (deny.toml): licences, banned crates and sources of every crate in Cargo.lock.
# cargo-deny (crates.io) is built once into a persistent folder beside the build output.
# Advisories need the RustSec database from GitHub, which these machines cannot fetch: not
# checked here.
DENY_VERSION=0.20.2
TOOLS="${CUSTODIAN_TOOLS:-$HOME/.cache/custodian/tools}"
if ! "$TOOLS/bin/cargo-deny" --version 2>/dev/null | grep -q " $DENY_VERSION\$"; then
  CARGO_TARGET_DIR="$TOOLS/target" cargo install --locked --quiet "cargo-deny@$DENY_VERSION" --root "$TOOLS"
fi
"$TOOLS/bin/cargo-deny" --offline --locked --log-level error check licenses bans sources
# The image test runs `custodian validate` inside the image; building and running it needs root
# (apt-get for buildah and musl-tools, buildah's chroot isolation).
if [ "$(id -u)" = 0 ] || sudo -n true 2>/dev/null; then
  CUSTODIAN_IMAGE="$(PROFILE=dev scripts/build-image.sh "$CARGO_TARGET_DIR/custodian-image.tar")"
  export CUSTODIAN_IMAGE
else
  export CUSTODIAN_IMAGE_UNAVAILABLE="building and running the image needs root (apt-get, buildah's chroot isolation)"
fi
cargo test --workspace --all-targets --locked
cargo test --workspace --doc --locked

#!/usr/bin/env bash
# Builds the Lambda deployment zip: one static `bootstrap` (musl, x86_64) for the
# `provided.al2023` runtime, with the periodic policies of policies/ bundled in.
#
#   scripts/build-lambda.sh            -> $CARGO_TARGET_DIR/lambda/custodian-lambda-x86_64.zip
#
# Installs what it needs if missing: the Rust target x86_64-unknown-linux-musl (rustup) and
# Debian's musl-tools (apt-get). No tool downloads a toolchain at build time. A cold build
# recompiles the AWS SDK for musl in the size-first `lambda` profile (fat LTO): about 14 minutes
# on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/custodian/target}"
TARGET=x86_64-unknown-linux-musl

if ! rustup target list --installed | grep -qx "$TARGET"; then
  rustup target add "$TARGET"
fi
if ! command -v musl-gcc >/dev/null; then
  SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
  $SUDO apt-get install -y musl-tools || { $SUDO apt-get update && $SUDO apt-get install -y musl-tools; }
fi

# Static, size-optimised (the `lambda` profile in Cargo.toml); C dependencies (aws-lc) compiled
# with musl-gcc.
# A static executable at a fixed address (not static-pie): no table of 1.2 MiB of relocations
# for the loader to apply at every cold start.
CC_x86_64_unknown_linux_musl=musl-gcc \
CARGO_TARGET_X86_64_UNKNOWN_LINUX_MUSL_RUSTFLAGS="-C relocation-model=static" \
  cargo build --profile lambda --locked --target "$TARGET" -p custodian-lambda --bin bootstrap

BUILT="$CARGO_TARGET_DIR/$TARGET/lambda/bootstrap"
# panic = "abort": nothing unwinds, so the unwind tables (1.6 MiB) only cost zip size and cold
# start; the function's panics still end the invocation with the message (no backtrace).
BIN="$CARGO_TARGET_DIR/$TARGET/lambda/bootstrap-stripped"
objcopy --remove-section=.eh_frame --remove-section=.eh_frame_hdr "$BUILT" "$BIN"
OUT="$CARGO_TARGET_DIR/lambda"
mkdir -p "$OUT"
ZIP="$OUT/custodian-lambda-x86_64.zip"
python3 - "$BIN" "$ZIP" <<'PY'
import sys, zipfile
binary, out = sys.argv[1], sys.argv[2]
info = zipfile.ZipInfo("bootstrap", date_time=(2026, 1, 1, 0, 0, 0))
info.external_attr = 0o100755 << 16  # a regular, executable file
info.compress_type = zipfile.ZIP_DEFLATED
with zipfile.ZipFile(out, "w") as z, open(binary, "rb") as f:
    z.writestr(info, f.read(), compresslevel=9)
PY
echo "bootstrap: $(stat -c %s "$BIN") bytes ($(file -b "$BIN" 2>/dev/null | cut -d, -f1-2 || echo static))"
echo "zip:       $(stat -c %s "$ZIP") bytes -> $ZIP"

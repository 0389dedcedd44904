#!/usr/bin/env bash
# Tests the Lambda zip from scripts/build-lambda.sh (built first if missing): checks the zip
# holds one executable, static `bootstrap`, then runs the binary tests (a local Lambda Runtime
# API, moto behind the AWS SDK) against that very file instead of the debug build.
#
#   scripts/test-lambda-zip.sh [ZIP]
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/custodian/target}"
ZIP="${1:-$CARGO_TARGET_DIR/lambda/custodian-lambda-x86_64.zip}"
[ -f "$ZIP" ] || scripts/build-lambda.sh
source scripts/moto-env.sh

DIR=$(mktemp -d)
python3 - "$ZIP" "$DIR" <<'PY'
import os, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
names = z.namelist()
assert names == ["bootstrap"], "the zip must hold exactly 'bootstrap', found %r" % names
mode = (z.getinfo("bootstrap").external_attr >> 16) & 0o777
assert mode & 0o111, "bootstrap is not executable in the zip (mode %o)" % mode
z.extract("bootstrap", sys.argv[2])
os.chmod(os.path.join(sys.argv[2], "bootstrap"), mode)
PY
if ldd "$DIR/bootstrap" 2>&1 | grep -q "=>"; then
  echo "bootstrap is dynamically linked:"; ldd "$DIR/bootstrap"; exit 1
fi
echo "testing $ZIP ($(stat -c %s "$ZIP") bytes): static bootstrap"
CUSTODIAN_BOOTSTRAP="$DIR/bootstrap" cargo test --locked -p custodian-lambda --test binary
rm -rf "$DIR"

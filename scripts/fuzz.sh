#!/usr/bin/env bash
# A longer mutation-fuzzing run (not a test) of the two fuzz targets in crates/core/tests/fuzz.rs:
# `validate` over mutated policy files and the snapshot reader over mutated describe files.
# Prints the cases run and cases per second of each; a failure prints the minimal input.
#
#   scripts/fuzz.sh [CASES]        (default 20000 per target; release build)
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/custodian/target}"
CASES="${1:-20000}"
cargo test --release --locked -p custodian-core --test fuzz --no-run >/dev/null 2>&1
for target in validate_never_panics_and_always_locates_its_errors the_snapshot_reader_never_panics_on_mutated_describe_files; do
  start=$(date +%s.%N)
  PROPTEST_CASES="$CASES" cargo test --release --locked -q -p custodian-core --test fuzz -- --exact "$target" >/dev/null
  end=$(date +%s.%N)
  python3 -c "import sys; c, s = int(sys.argv[1]), float(sys.argv[3]) - float(sys.argv[2]); print(f'{sys.argv[4]}: {c} cases in {s:.1f} s, {c / s:.0f} cases/s, no failure')" "$CASES" "$start" "$end" "$target"
done

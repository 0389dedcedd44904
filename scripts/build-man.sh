#!/usr/bin/env bash
# Writes the manual pages (roff) of custodian and of each of its commands into DIR (default
# $CARGO_TARGET_DIR/man): custodian.1, custodian-run.1, custodian-org-run.1, ...
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/custodian/target}"
OUT="${1:-$CARGO_TARGET_DIR/man}"
cargo build --locked -q --bin custodian
BIN="$CARGO_TARGET_DIR/debug/custodian"
mkdir -p "$OUT"
"$BIN" man > "$OUT/custodian.1"
pages=1
# Commands and their subcommands, from the parser's own help.
commands() { "$BIN" "$@" --help | sed -n '/^Commands:/,/^$/p' | awk 'NR > 1 && $1 != "help" && NF {print $1}'; }
for c in $(commands); do
  "$BIN" man "$c" > "$OUT/custodian-$c.1"
  pages=$((pages + 1))
  for s in $(commands "$c" 2>/dev/null || true); do
    "$BIN" man "$c" "$s" > "$OUT/custodian-$c-$s.1"
    pages=$((pages + 1))
  done
done
echo "$pages manual pages in $OUT"

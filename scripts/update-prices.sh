#!/usr/bin/env bash
# Refreshes the embedded price tables from the team's shared, sourced copies (../shared/pricing),
# unchanged. After running it, update EC2_PRICES_AS_OF / RDS_PRICES_AS_OF in
# crates/core/src/pricing/mod.rs (a test checks them against the files' headers) and NOTICE.
set -euo pipefail
cd "$(dirname "$0")/.."
src="${1:-../shared/pricing}"
cp "$src/ec2-linux-on-demand.tsv" "$src/rds-on-demand.tsv" crates/core/data/pricing/
echo "copied from $src; now check the dates in crates/core/src/pricing/mod.rs"

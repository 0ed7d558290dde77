#!/usr/bin/env bash
# Runs each fuzz target of fuzz/ for N executions (default 1,000,000).
# Needs a nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`).
# Usage: scripts/fuzz.sh [RUNS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
runs="${1:-1000000}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(load_bundle_bytes load_csv_bytes read_panels_bytes)
fi
cargo +nightly fuzz build -O
for t in "${targets[@]}"; do
  echo "== $t: $runs runs"
  mkdir -p "corpus/$t"
  # -max_len keeps inputs small enough to explore structure; -timeout per input in seconds.
  cargo +nightly fuzz run -O "$t" "corpus/$t" -- -runs="$runs" -max_len=4096 -timeout=10 -print_final_stats=1
done

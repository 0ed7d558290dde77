#!/usr/bin/env bash
# Crossing rules on the bundled Yangtze instance: time and gap of
# the MIP with microlp, the MIP with HiGHS (cargo feature `highs`, when it
# builds) and the Lagrangian path, next to the flow bound without the
# crossing rules.
#
# Usage: scripts/bench_cross.sh [TIME_LIMIT_SECONDS] [RULES]
#   TIME_LIMIT  per method, default 120
#   RULES       JSON object merged into the policy,
#               default '{"min_senior": 2, "cover_fields": true}'
# Writes raw CSV to bench/cross-<date>.csv and prints it with a machine note.
# HiGHS needs cmake, a C++ compiler and libclang; set HIGHS=0 to skip it.
set -euo pipefail
cd "$(dirname "$0")/.."
limit=${1:-120}
rules=${2:-'{"min_senior": 2, "cover_fields": true}'}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$rules" "$work/yangtze_cross.json" <<'PY'
import json, sys
rules, out = json.loads(sys.argv[1]), sys.argv[2]
d = json.load(open("instances/yangtze.json", encoding="utf-8"))
d["policy"].update(rules)
json.dump(d, open(out, "w", encoding="utf-8"), ensure_ascii=False)
PY
mkdir -p bench
csv="bench/cross-$(date +%Y%m%d-%H%M%S).csv"
cargo build --release --quiet --example bench_cross
./target/release/examples/bench_cross "$work/yangtze_cross.json" "$limit" flow lagrange microlp \
  2> "$work/log" | tee "$csv"
if [ "${HIGHS:-1}" != 0 ]; then
  # A separate target dir: the feature changes the dependency graph.
  if CARGO_TARGET_DIR=${HIGHS_TARGET:-target/highs} cargo build --release --quiet \
       --features highs --example bench_cross 2>> "$work/log"; then
    "${HIGHS_TARGET:-target/highs}"/release/examples/bench_cross \
      "$work/yangtze_cross.json" "$limit" highs 2>> "$work/log" | tail -n +2 | tee -a "$csv"
  else
    echo "highs,,skipped (build failed; see cargo output),,," | tee -a "$csv"
  fi
fi
grep -E "lagrange it" "$work/log" | tail -n 3 || true
echo "rules: $rules; time limit ${limit}s per method"
echo "machine: $(nproc) cores, $(uname -sm), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "raw: $csv"

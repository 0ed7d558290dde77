#!/usr/bin/env bash
# Solves every bundled instance and verifies the answer (with its
# certificate). Instances whose name contains "infeasible" must exit 3.
# Usage: scripts/smoke.sh [path/to/panels]   (default: target/release/panels)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/release/panels}
[ -x "$bin" ] || cargo build --release --quiet
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
passed=0 failed=0
for inst in instances/*.json instances/tiny/*.json instances/*/; do
  [ -e "$inst" ] || continue
  [ -f "$inst" ] || [ -f "$inst/policy.json" ] || continue
  name=$(basename "$inst" .json)
  set +e
  "$bin" --quiet solve "$inst" --out "$out/$name.json"
  code=$?
  set -e
  if [[ "$name" == *infeasible* ]]; then
    if [ "$code" -eq 3 ] && [ ! -e "$out/$name.json" ]; then
      echo "ok   $inst (infeasible, exit 3)"; passed=$((passed + 1))
    else
      echo "FAIL $inst: expected exit 3 and no output, got $code"; failed=$((failed + 1))
    fi
    continue
  fi
  if [ "$code" -eq 0 ] && "$bin" verify "$inst" "$out/$name.json" --certificate > "$out/$name.verify"; then
    echo "ok   $inst ($(grep -m1 '^objective' "$out/$name.verify"))"; passed=$((passed + 1))
  else
    echo "FAIL $inst (solve exit $code)"; cat "$out/$name.verify" 2>/dev/null || true; failed=$((failed + 1))
  fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

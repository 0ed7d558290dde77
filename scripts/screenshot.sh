#!/usr/bin/env bash
# Renders the fairness report of the bundled Yangtze instance and takes a
# screenshot of it in headless Chromium: docs/report-yangtze.{html,md,png}.
# Needs chromium (Debian: apt-get install chromium) and, for the city names,
# a CJK font (Debian: fonts-noto-cjk). Without chromium it says so and exits 0.
# Usage: scripts/screenshot.sh [path/to/panels]   (default: target/release/panels)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/release/panels}
[ -x "$bin" ] || cargo build --release --quiet
chrome=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$bin" --quiet solve instances/yangtze.json --out "$out/panels.json"
# Relative paths in the report's "how to check this" commands.
cp "$out/panels.json" "$out/yangtze-panels.json"
"$bin" --quiet report instances/yangtze.json "$out/yangtze-panels.json" --out docs/report-yangtze.html
"$bin" --quiet report instances/yangtze.json "$out/yangtze-panels.json" --out docs/report-yangtze.md
sed -i "s#$out/##g" docs/report-yangtze.html docs/report-yangtze.md
if [ -z "$chrome" ]; then
  echo "NOTICE: chromium not found; wrote docs/report-yangtze.{html,md}, no screenshot"
  exit 0
fi
"$chrome" --headless --no-sandbox --disable-gpu --disable-background-networking \
  --disable-component-update --disable-sync --no-first-run --hide-scrollbars \
  --screenshot="$PWD/docs/report-yangtze.png" --window-size=1200,3700 \
  "file://$PWD/docs/report-yangtze.html" 2>/dev/null
echo "wrote docs/report-yangtze.png ($(wc -c < docs/report-yangtze.png) bytes)"

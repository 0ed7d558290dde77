#!/usr/bin/env bash
# Regenerates the screenshots of the office console's pages,
# docs/console-*.png, by running the Chromium walk of the officer's path
# (tests/console_browser.rs) with CONSOLE_SCREENSHOTS set: login, rounds,
# validation errors, round, panels, programme view, explain, report, the
# round's files, round after replace and history append, history.
# Needs chromium, chromium-driver and fonts-wqy-microhei (Debian packages).
# Usage: scripts/console_screenshots.sh
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in /usr/bin/chromium /usr/bin/chromedriver; do
  [ -x "$tool" ] || { echo "error: $tool is missing: apt-get install -y chromium chromium-driver fonts-wqy-microhei" >&2; exit 2; }
done
CONSOLE_SCREENSHOTS="$PWD/docs" cargo test --quiet --profile ci --test console_browser
ls -1 docs/console-*.png

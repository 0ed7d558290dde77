#!/usr/bin/env bash
# Installs the reference solvers used by scripts/bench.py and scripts/reference.py
# (OR-Tools, HiGHS via highspy, numpy). Idempotent: pip skips what is already
# installed at a satisfying version. Set PYTHON to pick an interpreter.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
py="${PYTHON:-python3}"
if "$py" - <<'PY' 2>/dev/null
import numpy, highspy  # noqa: F401
from ortools.graph.python import min_cost_flow  # noqa: F401
PY
then
    echo "setup_bench: numpy, ortools and highspy already importable with $py"
else
    "$py" -m pip install --quiet -r "$here/requirements-bench.txt"
fi
"$py" -c 'import numpy, highspy, ortools; print("numpy", numpy.__version__, "| ortools", ortools.__version__, "| highspy ok")'

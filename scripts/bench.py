#!/usr/bin/env python3
"""Benchmark `panels solve` against OR-Tools and HiGHS in the same run.

Absolute times on a shared 2-core machine are noisy, so every size is run
through all solvers back to back and the table reports *ratios*. For each
size:

1. an instance: ``panels generate --preset NAME --seed S --out FILE`` when the
   binary has the subcommand (``--gen panels``), else scripts/gen_dense.py
   (``--gen python``); or an existing bundle given with ``--instance FILE``;
2. best of ``--repeat`` runs of ``panels solve INSTANCE --out TMP.json``,
   end-to-end wall time of the subprocess (parse + eligibility + solve +
   write), with peak RSS (``/usr/bin/time -v`` when present, else the
   child's rusage from ``os.wait4``);
3. best of ``--repeat`` solve calls of OR-Tools SimpleMinCostFlow and HiGHS
   on the same network (scripts/reference.py, one subprocess per solver, with
   a per-solver ``--timeout``; only the solver call is timed, model building
   is in the CSV);
4. a check that panels' objective equals both references' within 1e-6.

Writes the raw runs to scripts/results/bench-<date>.csv and a Markdown summary
(printed, and saved next to the CSV) with a machine note.

Usage::

    scripts/bench.py                                  # dense-300,dense-1000,dense-3000
    scripts/bench.py --sizes dense-300 --repeat 1 --gen python
    scripts/bench.py --instance instances/four-capitals.json --skip-highs
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import re
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TIME_BIN = "/usr/bin/time"
TOL = 1e-6

CSV_FIELDS = [
    "timestamp",
    "size",
    "instance",
    "apps",
    "experts",
    "eligible_pairs",
    "nodes",
    "arcs",
    "solver",
    "run",
    "seconds",
    "status",
    "objective",
    "peak_rss_kb",
    "build_s",
    "prep_s",
    "note",
]


@dataclass
class Measured:
    """One subprocess run: exit code (None on timeout), wall seconds, peak RSS, stderr."""

    rc: int | None
    wall: float
    rss_kb: int | None
    stderr: str


@dataclass
class SizeResult:
    """Everything measured for one size, for the summary table."""

    size: str
    instance: str
    info: dict = field(default_factory=dict)
    panels: dict = field(default_factory=dict)  # status, best, objective, rss_kb
    refs: dict = field(default_factory=dict)  # solver -> status, best, objective


# ---------------------------------------------------------------------------
# Running things
# ---------------------------------------------------------------------------


def run_measured(cmd: list[str], timeout: float) -> Measured:
    """Runs ``cmd``, measuring wall time and peak RSS of the child.

    With /usr/bin/time -v the RSS is parsed from its report; otherwise it is
    the child's ``ru_maxrss`` from ``os.wait4`` (kB on Linux). On timeout the
    whole process group is killed and ``rc`` is None.
    """
    use_time = os.access(TIME_BIN, os.X_OK)
    full = [TIME_BIN, "-v", *cmd] if use_time else list(cmd)
    with tempfile.TemporaryFile(mode="w+") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(full, stdout=subprocess.DEVNULL, stderr=err, start_new_session=True)
        deadline = t0 + timeout
        rc = None
        rusage = None
        while True:
            pid, status, rusage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                rc = os.waitstatus_to_exitcode(status)
                break
            if time.perf_counter() > deadline:
                os.killpg(proc.pid, signal.SIGKILL)
                os.wait4(proc.pid, 0)
                break
            time.sleep(0.005)
        wall = time.perf_counter() - t0
        proc.returncode = rc if rc is not None else -9  # we reaped it ourselves
        err.seek(0)
        text = err.read()
    rss = None
    if use_time:
        # Split /usr/bin/time's report off the child's own stderr.
        cut = min((i for i in (text.find("Command exited with non-zero status"), text.find("Command terminated by signal"),
                               text.find("\tCommand being timed:")) if i >= 0), default=len(text))
        text, report = text[:cut], text[cut:]
        m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", report)
        rss = int(m.group(1)) if m else None
        # /usr/bin/time reports "Command exited with non-zero status N".
        m = re.search(r"Command exited with non-zero status (\d+)", report)
        if rc == 0 and m:
            rc = int(m.group(1))
        m = re.search(r"Command terminated by signal (\d+)", report)
        if rc == 0 and m:
            rc = -int(m.group(1))
    elif rusage is not None and rc is not None:
        rss = rusage.ru_maxrss
    return Measured(rc=rc, wall=wall, rss_kb=rss, stderr=text)


def panels_has(bin_path: Path, sub: str) -> bool:
    """True when the panels binary exists and knows subcommand ``sub``."""
    if not (bin_path.is_file() and os.access(bin_path, os.X_OK)):
        return False
    try:
        r = subprocess.run([str(bin_path), sub, "--help"], capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return r.returncode == 0


def make_instance(preset: str, seed: int, gen: str, bin_path: Path, work: Path, regen: bool) -> Path:
    """Generates (or reuses) the bundle for ``preset``."""
    out = work / f"{gen}-{preset}-s{seed}.json"
    if out.exists() and not regen:
        return out
    if gen == "panels":
        cmd = [str(bin_path), "generate", "--preset", preset, "--seed", str(seed), "--out", str(out)]
    else:
        cmd = [sys.executable, str(HERE / "gen_dense.py"), "--preset", preset, "--seed", str(seed), "--out", str(out)]
    print(f"# generating {preset} (seed {seed}) with {gen} ...", file=sys.stderr)
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0 or not out.exists():
        raise SystemExit(f"generation failed ({' '.join(cmd)}):\n{r.stderr[-2000:]}")
    return out


def bench_panels(bin_path: Path, inst: Path, repeat: int, timeout: float, work: Path) -> tuple[dict, list[dict]]:
    """Best of ``repeat`` end-to-end ``panels solve`` runs."""
    rows = []
    best = None
    out = work / "panels-out.json"
    summary: dict = {"status": "n/a"}
    if not (bin_path.is_file() and os.access(bin_path, os.X_OK)):
        return {"status": "no binary"}, rows
    for run in range(repeat):
        if out.exists():
            out.unlink()
        m = run_measured([str(bin_path), "solve", str(inst), "--out", str(out)], timeout)
        if m.rc is None:
            status, obj = "timeout", None
        elif m.rc == 0:
            try:
                doc = json.loads(out.read_text(encoding="utf-8"))
                status, obj = doc.get("status", "?"), doc.get("objective")
            except (OSError, ValueError) as err:
                status, obj = f"bad output: {err}", None
        elif m.rc == 3:
            status, obj = "infeasible", None
        else:
            tail = m.stderr.strip().splitlines()[-1:] if m.stderr.strip() else [""]
            status, obj = f"exit {m.rc}: {tail[0][:120]}", None
        # panels' own summary line (not part of the contract; kept for reading).
        said = [ln for ln in m.stderr.splitlines() if ln.startswith(("optimal", "loaded"))]
        rows.append({"solver": "panels", "run": run, "seconds": m.wall, "status": status,
                     "objective": obj, "peak_rss_kb": m.rss_kb, "note": " | ".join(said)[:300]})
        if best is None or m.wall < best["seconds"]:
            best = rows[-1]
        if status == "timeout" or m.rc not in (0,):
            break  # no point repeating a failure
    summary = {"status": best["status"], "best": best["seconds"], "objective": best["objective"],
               "rss_kb": max((r["peak_rss_kb"] or 0) for r in rows) or None}
    return summary, rows


def bench_reference(solver: str, inst: Path, repeat: int, timeout: float, highs_model: str,
                    work: Path) -> tuple[dict, list[dict], dict]:
    """Runs scripts/reference.py for one solver; returns (summary, csv rows, report)."""
    out = work / f"ref-{solver}.json"
    if out.exists():
        out.unlink()
    cmd = [sys.executable, str(HERE / "reference.py"), str(inst), "--solvers", solver,
           "--repeat", str(repeat), "--out", str(out)]
    if solver == "highs":
        cmd += ["--highs-time-limit", str(timeout), "--highs-model", highs_model]
    # Budget: every solve may use the timeout, plus a margin for loading the bundle.
    m = run_measured(cmd, timeout * repeat + 600)
    if m.rc is None:
        return {"status": "timeout"}, [{"solver": solver, "run": 0, "seconds": None, "status": "timeout"}], {}
    if not out.exists():
        tail = m.stderr.strip().splitlines()[-1:] or [""]
        return ({"status": f"error: {tail[0][:120]}"},
                [{"solver": solver, "run": 0, "status": f"exit {m.rc}"}], {})
    rep = json.loads(out.read_text(encoding="utf-8"))
    r = rep["solvers"][solver]
    status = r["status"]
    if r.get("violations"):
        status += f" (INVALID: {r['violations'][0]})"
    prep = sum(rep["prep_s"].values())
    rows = [{"solver": solver if solver != "highs" else f"highs-{highs_model}", "run": i, "seconds": s,
             "status": r["status"], "objective": r.get("objective"), "build_s": r.get("build_s"),
             "prep_s": prep, "peak_rss_kb": m.rss_kb}
            for i, s in enumerate(r["runs_s"])]
    summary = {"status": status, "best": r["solve_s"], "objective": r.get("objective")}
    return summary, rows, rep


# ---------------------------------------------------------------------------
# Reporting
# ---------------------------------------------------------------------------


def fmt_s(summary: dict) -> str:
    """Seconds of the best run, or the status when there is none."""
    if summary.get("status") == "optimal" and summary.get("best") is not None:
        return f"{summary['best']:.3f}"
    return summary.get("status", "n/a")


def ratio(num: dict, den: dict) -> str:
    """num/den of best times when both are optimal."""
    if all(d.get("status") == "optimal" and d.get("best") for d in (num, den)):
        return f"{num['best'] / den['best']:.2f}"
    return "–"


def objectives_equal(res: SizeResult) -> str:
    """'yes' when every optimal objective agrees within 1e-6."""
    objs = {"panels": res.panels.get("objective") if res.panels.get("status") == "optimal" else None}
    for s, r in res.refs.items():
        objs[s] = r.get("objective") if r.get("status") == "optimal" else None
    have = {k: v for k, v in objs.items() if v is not None}
    if len(have) < 2:
        return "n/a"
    vals = list(have.values())
    if max(vals) - min(vals) <= TOL:
        return "yes" if "panels" in have else "yes (refs only)"
    return "NO " + ", ".join(f"{k}={v:.6f}" for k, v in have.items())


def markdown_table(results: list[SizeResult]) -> str:
    """The summary table."""
    lines = [
        "| size | panels (s) | OR-Tools solve (s) | HiGHS (s) | panels/OR-Tools | HiGHS/panels "
        "| objectives equal | panels peak RSS |",
        "|---|---:|---:|---:|---:|---:|---|---:|",
    ]
    for r in results:
        ort = r.refs.get("ortools", {"status": "n/a"})
        hig = r.refs.get("highs", {"status": "skipped"})
        rss = r.panels.get("rss_kb")
        rss_s = f"{rss / 1024:.0f} MiB" if rss else "n/a"
        size = f"{r.size} ({r.info.get('apps', '?')}×{r.info.get('experts', '?')})"
        lines.append(
            f"| {size} | {fmt_s(r.panels)} | {fmt_s(ort)} | {fmt_s(hig)} | {ratio(r.panels, ort)} "
            f"| {ratio(hig, r.panels)} | {objectives_equal(r)} | {rss_s} |"
        )
    return "\n".join(lines)


def machine_note(bin_path: Path, args) -> str:
    """nproc, CPU model, date, versions: enough to read the numbers later."""
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    vers = []
    try:
        import highspy  # noqa: F401
        import ortools

        vers.append(f"ortools {ortools.__version__}")
        from importlib.metadata import version

        vers.append(f"highspy {version('highspy')}")
    except Exception:  # noqa: BLE001 - only a note
        pass
    try:
        ver = subprocess.run([str(bin_path), "--version"], capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        ver = "not run"
    if ROOT in bin_path.resolve().parents:
        commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True).stdout.strip() or "?"
        ver += f", tree @ {commit}"
    return (
        f"Machine: {os.cpu_count()} CPUs (nproc), {cpu}; {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}; {', '.join(vers)}. Date: {dt.datetime.now().isoformat(timespec='seconds')}. "
        f"panels: {bin_path} ({ver or '?'}). Best of {args.repeat}; per-solver timeout {args.timeout:.0f} s; "
        f"HiGHS model: {args.highs_model} LP.\n"
        "panels time is end-to-end (`panels solve` subprocess: load, eligibility, solve, write); "
        "OR-Tools and HiGHS times are the solver call alone on a prebuilt network (their Python "
        "loading and model building are in the CSV, columns build_s and prep_s)."
        + (f"\nNote: {args.note}" if args.note else "")
    )


# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="dense-300,dense-1000,dense-3000", help="comma list of presets")
    ap.add_argument("--instance", action="append", default=[], help="bench this bundle (repeatable); "
                    "with --instance, --sizes is ignored unless given explicitly")
    ap.add_argument("--repeat", type=int, default=3, help="best of N runs")
    ap.add_argument("--seed", type=int, default=1, help="generator seed")
    ap.add_argument("--gen", choices=["auto", "panels", "python"], default="auto",
                    help="instance generator: panels generate, scripts/gen_dense.py, or panels when available")
    ap.add_argument("--regen", action="store_true", help="regenerate even if the instance file exists")
    ap.add_argument("--panels-bin", default=str(ROOT / "target" / "release" / "panels"))
    ap.add_argument("--skip-highs", action="store_true")
    ap.add_argument("--skip-ortools", action="store_true")
    ap.add_argument("--highs-model", choices=["flow", "assignment"], default="assignment")
    ap.add_argument("--timeout", type=float, default=600.0, help="seconds per solver run")
    ap.add_argument("--work-dir", default=os.path.join(tempfile.gettempdir(), "panels-bench"),
                    help="where instances and scratch outputs go")
    ap.add_argument("--results-dir", default=str(HERE / "results"))
    ap.add_argument("--note", help="free text appended to the machine note (e.g. which commit built panels)")
    args = ap.parse_args(argv)

    bin_path = Path(args.panels_bin)
    work = Path(args.work_dir)
    work.mkdir(parents=True, exist_ok=True)
    gen = args.gen
    if gen == "auto":
        gen = "panels" if panels_has(bin_path, "generate") else "python"
    elif gen == "panels" and not panels_has(bin_path, "generate"):
        raise SystemExit(f"{bin_path} has no working 'generate' subcommand; use --gen python")
    if not (bin_path.is_file() and os.access(bin_path, os.X_OK)):
        print(f"# note: {bin_path} not found; panels columns will read 'no binary'", file=sys.stderr)

    jobs: list[tuple[str, Path]] = [(Path(p).name, Path(p)) for p in args.instance]
    sizes_given = any(a.startswith("--sizes") for a in (argv if argv is not None else sys.argv[1:]))
    if not args.instance or sizes_given:
        for preset in [s.strip() for s in args.sizes.split(",") if s.strip()]:
            jobs.append((preset, make_instance(preset, args.seed, gen, bin_path, work, args.regen)))

    solvers = [s for s, skip in (("ortools", args.skip_ortools), ("highs", args.skip_highs)) if not skip]
    stamp = dt.datetime.now()
    results: list[SizeResult] = []
    rows: list[dict] = []
    for size, inst in jobs:
        res = SizeResult(size=size, instance=str(inst))
        print(f"# {size}: panels ...", file=sys.stderr)
        res.panels, prow = bench_panels(bin_path, inst, args.repeat, args.timeout, work)
        for s in solvers:
            print(f"# {size}: {s} ...", file=sys.stderr)
            res.refs[s], rrows, rep = bench_reference(s, inst, args.repeat, args.timeout, args.highs_model, work)
            if rep:
                res.info = {"apps": rep["apps"], "experts": rep["experts"], "eligible_pairs": rep["eligible_pairs"],
                            **rep["network"]}
            prow += rrows
        for r in prow:
            rows.append({"timestamp": stamp.isoformat(timespec="seconds"), "size": size, "instance": str(inst),
                         **res.info, **r})
        results.append(res)
        print(f"# {size}: panels {fmt_s(res.panels)}, "
              + ", ".join(f"{k} {fmt_s(v)}" for k, v in res.refs.items()), file=sys.stderr)

    out_dir = Path(args.results_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    base = out_dir / f"bench-{stamp.strftime('%Y-%m-%d-%H%M%S')}"
    with open(base.with_suffix(".csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=CSV_FIELDS, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    md = markdown_table(results) + "\n\n" + machine_note(bin_path, args) + "\n"
    base.with_suffix(".md").write_text(md, encoding="utf-8")
    print(md)
    print(f"raw runs: {base.with_suffix('.csv')}", file=sys.stderr)
    bad = any(objectives_equal(r).startswith("NO") or "INVALID" in json.dumps(r.refs) for r in results)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

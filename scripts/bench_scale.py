#!/usr/bin/env python3
"""Scale benchmarks for `panels` (docs/benchmarks.md, "Scale").

Rounds generated with `panels generate`, solved with **default flags**
(`--candidates auto`) unless a case says otherwise:

* `10k`  — 10,000 applications x 15,000 experts, panels of 5.
* `nsfc` — the `nsfc` preset: 300,000 applications x 80,000 experts,
  panels of 3, computed scores.
* `nsfc-k5` — the same pool with panels of 5.
* `nsfc-yangtze` — the `nsfc-yangtze` preset: the national pool with
  computed scores and the Yangtze caps (k = 5, outside share 0.4, at most
  3 per city and 2 per institution).
* `nsfc-yangtze-listed` — the same round given as 60 listed experts per
  application (`--affinity-per-application 60`, `min_affinity` set): the
  listed round of the same size and shape the capped computed-score round
  is held to (at most 2x its time).
* `yangtze-10k` — the `yangtze` preset at 10,000 applications x 15,000
  experts: computed scores, automatic candidates.
* `nsfc-affinity` — the `nsfc` round given as an explicit sparse affinity
  list (50 listed experts per application, `min_affinity` set so unlisted
  pairs are not eligible; a 1.1 GB bundle, streamed), automatic candidates.
* `10k-history` — the `10k` round with two programmes and three years of
  history (`--programmes 2 --years 3`: about 126,000 past reviews, every
  programme and history rule on). Its `baselines` (the plain `10k` round,
  and the same round with the two programmes only) are solved in the same
  run, alternating with it, and the script prints the ratios of the best
  times and of the user CPU times (target: history and programmes at most
  1.2x the plain round, still optimal).
* `10k-history-csv` — the same rounds written as CSV directories
  (`--format csv`: history.csv, experts.csv, ...), the form offices
  keep; the same baselines and target.

For each: `panels generate` once (wall time, peak RSS), then `panels solve
-v` end to end (load, candidates, flow, pricing, certificate, write) best
of N (default 3) with its peak RSS, via /usr/bin/time -v; the phase profile
of the best run (`phase NAME SECONDS` lines on stderr) goes into the JSON;
then `panels verify --certificate` once.

Reference in the same run (cases marked `reference`): panels solves once
more with `--dump-network` (the last candidate network, DIMACS; not timed)
and OR-Tools' SimpleMinCostFlow solves that network; the script checks the
optimal costs agree and reports **panels end to end / OR-Tools solve()
alone** (target <= 1.0) and panels' flow-solver time / OR-Tools.

`--sweep K1,K2,...` also solves each round once with `--candidates K` for
each K and reports the default's time over the best fixed K (target <=
1.2).

Rounds marked `lifecycle` also time, once each after the solves, `panels
draw --max-probability 0.5` and `panels replace` of 20 declines (the first
member of 20 panels spread over the round, taken from the draw), each with
its peak RSS and its ratio to the best solve time (targets: draw at most 3x
solve, replace at most 1x solve, each under 2 GiB); `--no-lifecycle` skips
them.

`--instructions` also counts, once per round, the instructions of the
rounds that have baselines and their baselines, under `valgrind
--tool=cachegrind --cache-sim=no` (all threads; SHA-256 left out, since
under valgrind it runs in software while natively the CPU's SHA
instructions do it), and prints their ratios: a yardstick that gives the
same count on every run, for machines whose wall times swing by tens of
percent between runs (docs/benchmarks.md, eleventh and twelfth passes).
Skipped with a note when valgrind is not installed.

Usage: scripts/bench_scale.py [--runs 3] [--only ROUND ...] [--sweep 20,40]
       [--no-lifecycle] [--no-reference] [--instructions] [--workdir DIR]
       [--panels BIN] [--commit ID]
Needs: a release build (cargo build --release); ortools and numpy for the
references (scripts/setup_bench.sh; skipped with a note when missing).
Writes a Markdown table to stdout and JSON to scripts/results/scale.json.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PANELS = os.path.join(ROOT, "target", "release", "panels")

# The 10k round with two programmes and three years of history, and the
# rounds it is held to (the `10k-history` cases).
HISTORY_ROUND = ["--preset", "nsfc", "--applications", "10000", "--experts", "15000",
                 "--panel-size", "5", "--seed", "1", "--programmes", "2", "--years", "3"]
HISTORY_BASELINES = {
    "plain": ["--preset", "nsfc", "--applications", "10000", "--experts", "15000",
              "--panel-size", "5", "--seed", "1"],
    "programmes only": ["--preset", "nsfc", "--applications", "10000", "--experts", "15000",
                        "--panel-size", "5", "--seed", "1", "--programmes", "2"],
}

CASES = {
    "10k": {
        "generate": ["--preset", "nsfc", "--applications", "10000", "--experts", "15000",
                     "--panel-size", "5", "--seed", "1"],
        "solve": [],
        "reference": True,
        "limit": "under 5 s, under 2 GiB",
    },
    "nsfc": {
        "generate": ["--preset", "nsfc", "--seed", "1"],
        "solve": [],
        "reference": True,
        "lifecycle": True,
        "limit": "end to end <= OR-Tools solve alone, under 4 GiB",
    },
    "nsfc-k5": {
        "generate": ["--preset", "nsfc", "--panel-size", "5", "--seed", "1"],
        "solve": [],
        "reference": True,
        "limit": "end to end <= OR-Tools solve alone, under 4 GiB",
    },
    "nsfc-yangtze": {
        "generate": ["--preset", "nsfc-yangtze", "--seed", "1"],
        "solve": [],
        "reference": True,
        "limit": "<= 2x nsfc-yangtze-listed, under 4 GiB",
    },
    "nsfc-yangtze-listed": {
        "generate": ["--preset", "nsfc-yangtze", "--affinity-per-application", "60",
                     "--seed", "1"],
        "solve": [],
        "reference": True,
        "limit": "under 4 GiB",
    },
    "yangtze-10k": {
        "generate": ["--preset", "yangtze", "--applications", "10000", "--experts", "15000",
                     "--seed", "1"],
        "solve": [],
        "reference": False,
        "lifecycle": True,
        "limit": "draw <= 3x solve, replace of 20 declines <= solve, each under 2 GiB",
    },
    "10k-history": {
        "generate": HISTORY_ROUND,
        "solve": [],
        "reference": False,
        "baselines": HISTORY_BASELINES,
        "limit": "at most 1.2x the plain round, optimal",
    },
    "10k-history-csv": {
        "generate": HISTORY_ROUND,
        "form": "csv",
        "solve": [],
        "reference": False,
        "baselines": HISTORY_BASELINES,
        "limit": "at most 1.2x the plain round, optimal",
    },
    "nsfc-affinity": {
        "generate": ["--preset", "nsfc", "--affinity-per-application", "50", "--seed", "1"],
        "solve": [],
        "reference": False,
        "limit": "under 3 min, under 8 GiB",
    },
}

# Cases run when --only is not given (the others are run by name).
DEFAULT_CASES = ["10k", "nsfc", "nsfc-k5", "nsfc-yangtze", "nsfc-yangtze-listed"]


def timed(cmd):
    """Runs cmd under /usr/bin/time -v: (wall seconds, peak RSS KiB, stderr)."""
    p = subprocess.run(["/usr/bin/time", "-v"] + cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr}")
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", p.stderr).group(1)
    parts = [float(x) for x in wall.split(":")]
    secs = sum(v * 60 ** i for i, v in enumerate(reversed(parts)))
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr).group(1))
    return secs, rss, p.stderr


def cpu_seconds(stderr):
    """User + system CPU seconds from /usr/bin/time -v."""
    user = float(re.search(r"User time \(seconds\): ([0-9.]+)", stderr).group(1))
    system = float(re.search(r"System time \(seconds\): ([0-9.]+)", stderr).group(1))
    return user + system


def instance_path(workdir, stem, case):
    """Where a case's round is written: a bundle file, or a directory for
    a case in CSV form."""
    return os.path.join(workdir, stem if case.get("form") == "csv" else f"{stem}.json")


def baseline_stem(name, label):
    """The file stem of round `name`'s baseline `label`."""
    return f"{name}-{label.replace(' ', '-')}"


def form_flags(case):
    """`panels generate` flags for the case's input form."""
    return ["--format", "csv"] if case.get("form") == "csv" else []


def against_baselines(name, case, inst, workdir, runs):
    """Solves `inst` and each baseline round alternately, `runs` times:
    best wall and CPU seconds per round, the ratios to each baseline, and
    every round's status (all must stay optimal)."""
    rounds = {name: inst}
    for label, gen in case["baselines"].items():
        path = instance_path(workdir, baseline_stem(name, label), case)
        timed([PANELS, "generate", "--out", path, "--quiet"] + gen + form_flags(case))
        rounds[label] = path
    best = {label: (float("inf"), float("inf")) for label in rounds}
    status = {}
    for _ in range(runs):
        for label, path in rounds.items():
            out = path + ".panels.json"
            wall, _, err = timed([PANELS, "solve", path, "--out", out] + case["solve"])
            cpu = cpu_seconds(err)
            best[label] = (min(best[label][0], wall), min(best[label][1], cpu))
            with open(out) as f:
                status[label] = json.load(f)["status"]
    ratios = {label: {"wall": best[name][0] / best[label][0], "cpu": best[name][1] / best[label][1]}
              for label in case["baselines"]}
    return {"best_wall_seconds": {k: v[0] for k, v in best.items()},
            "best_cpu_seconds": {k: v[1] for k, v in best.items()},
            "ratios": ratios, "status": status}


def cachegrind_instructions(path):
    """Instructions of a cachegrind output file (`--cache-sim=no`: one
    count per line), in all and without the functions of the `sha2` crate:
    (total, without SHA-256)."""
    total = sha = 0
    in_sha = False
    with open(path) as f:
        for line in f:
            if line.startswith("fn="):
                in_sha = "sha2::" in line
                continue
            parts = line.split()
            if len(parts) >= 2 and parts[0].isdigit() and parts[1].isdigit():
                n = int(parts[1])
                total += n
                if in_sha:
                    sha += n
    return total, total - sha


def instruction_counts(name, case, inst, workdir):
    """Instructions of solving `inst` and each of its baselines once
    (without SHA-256), and the ratios to each baseline; `None` without
    valgrind."""
    if shutil.which("valgrind") is None:
        return None
    rounds = {name: inst}
    for label in case["baselines"]:
        rounds[label] = instance_path(workdir, baseline_stem(name, label), case)
    counts = {}
    for label, path in rounds.items():
        out = os.path.join(workdir, f"{baseline_stem(name, label)}.cachegrind")
        subprocess.run(["valgrind", "--tool=cachegrind", "--cache-sim=no",
                        f"--cachegrind-out-file={out}", PANELS, "solve", path,
                        "--out", path + ".panels.json", "--quiet"] + case["solve"],
                       check=True, capture_output=True)
        counts[label] = cachegrind_instructions(out)[1]
        os.remove(out)
    return {"instructions_without_sha256": counts,
            "ratios": {label: counts[name] / counts[label] for label in case["baselines"]}}


def read_dimacs(path):
    """(nodes, supplies {node: b}, arcs as numpy columns u, v, lo, up, cost).

    `panels solve --dump-network` writes the `c`, `p` and `n` lines first,
    then only `a` lines: those are read by pandas' C parser when it is
    installed, else line by line."""
    import numpy as np
    n = 0
    supply = {}
    skip = 0
    with open(path) as f:
        for line in f:
            t = line.split()
            if t and t[0] == "a":
                break
            skip += 1
            if not t or t[0] == "c":
                continue
            if t[0] == "p":
                n = int(t[2])
            elif t[0] == "n":
                supply[int(t[1]) - 1] = int(t[2])
    try:
        import pandas as pd
        frame = pd.read_csv(path, sep=" ", header=None, skiprows=skip,
                            usecols=[1, 2, 3, 4, 5], dtype=np.int64, engine="c")
        return n, supply, tuple(frame[c].to_numpy() for c in [1, 2, 3, 4, 5])
    except ImportError:
        pass
    cols = [[], [], [], [], []]
    with open(path) as f:
        for line in f:
            t = line.split()
            if t and t[0] == "a":
                for c, x in zip(cols, t[1:6]):
                    c.append(int(x))
    return n, supply, tuple(np.array(c, dtype=np.int64) for c in cols)


def ortools_solve(path):
    """Optimal cost of the DIMACS network with OR-Tools, and solve() seconds."""
    import numpy as np
    from ortools.graph.python import min_cost_flow

    n, supply, (u, v, lo, up, cost) = read_dimacs(path)
    b = np.zeros(n, dtype=np.int64)
    for node, s in supply.items():
        b[node] = s
    # Lower bounds shifted into the supplies.
    u = u - 1
    v = v - 1
    np.subtract.at(b, u, lo)
    np.add.at(b, v, lo)
    base = int((lo * cost).sum())
    mcf = min_cost_flow.SimpleMinCostFlow()
    mcf.add_arcs_with_capacity_and_unit_cost(u, v, up - lo, cost)
    mcf.set_nodes_supplies(np.arange(n, dtype=np.int64), b)
    del u, v, lo, up, cost
    t = time.perf_counter()
    status = mcf.solve()
    secs = time.perf_counter() - t
    if status != mcf.OPTIMAL:
        sys.exit(f"OR-Tools: status {status}")
    return base + mcf.optimal_cost(), secs


def profile_of(stderr):
    """The `phase NAME SECONDSs[ (peak N MiB)][: DETAIL]` lines of
    `panels solve -v` (the peak: the process's largest resident memory when
    the phase ended, where the system tells it)."""
    out = []
    for line in stderr.splitlines():
        m = re.match(r"phase (\S+) ([0-9.]+)s(?: \(peak (\d+) MiB\))?(?:: (.*))?$",
                     line.strip())
        if m:
            phase = {"name": m.group(1), "seconds": float(m.group(2)),
                     "detail": m.group(4) or ""}
            if m.group(3) is not None:
                phase["peak_mib"] = int(m.group(3))
            out.append(phase)
    return out


def phase_total(profile, name):
    return sum(p["seconds"] for p in profile
               if p["name"] == name or p["name"].startswith(name + "."))


def lifecycle(name, inst, workdir, solve_wall):
    """Times draw (cap 0.5) and a replacement of 20 declines on `inst`."""
    drawn = os.path.join(workdir, f"{name}.draw.json")
    log = os.path.join(workdir, f"{name}.draw.log.json")
    d_wall, d_rss, _ = timed([PANELS, "draw", inst, "--max-probability", "0.5", "--seed", "1",
                              "--out", drawn, "--log", log, "--quiet"])
    with open(drawn) as f:
        panels = json.load(f)["panels"]
    step = max(1, len(panels) // 20)
    declines = ",".join(f"{p['application']}:{p['experts'][0]}" for p in panels[::step][:20])
    out = os.path.join(workdir, f"{name}.replaced.json")
    rlog = os.path.join(workdir, f"{name}.replace.log.json")
    r_wall, r_rss, _ = timed([PANELS, "replace", inst, drawn, "--decline", declines,
                              "--out", out, "--log", rlog, "--quiet"])
    return {
        "draw_seconds": d_wall, "draw_rss_kib": d_rss, "draw_over_solve": d_wall / solve_wall,
        "replace_seconds": r_wall, "replace_rss_kib": r_rss,
        "replace_over_solve": r_wall / solve_wall,
    }


def git_commit():
    p = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                       capture_output=True, text=True)
    return p.stdout.strip() or "unknown"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--only", choices=sorted(CASES), action="append",
                    help="run only this round (repeatable)")
    ap.add_argument("--sweep", default="",
                    help="comma-separated fixed K to compare the default against")
    ap.add_argument("--no-lifecycle", action="store_true", help="skip draw and replace")
    ap.add_argument("--no-reference", action="store_true", help="skip OR-Tools")
    ap.add_argument("--instructions", action="store_true",
                    help="count instructions of the rounds with baselines (valgrind)")
    ap.add_argument("--workdir", default="/tmp/panels-bench-scale")
    ap.add_argument("--panels", default=PANELS, help="the panels binary (default: the release build)")
    ap.add_argument("--commit", default=None, help="the commit the binary was built from (default: HEAD)")
    args = ap.parse_args()
    globals()["PANELS"] = os.path.abspath(args.panels)
    if not os.path.exists(PANELS):
        sys.exit("build first: cargo build --release")
    os.makedirs(args.workdir, exist_ok=True)
    sweep = [int(k) for k in args.sweep.split(",") if k.strip()]
    load = os.getloadavg()[0]
    commit = args.commit or git_commit()
    results = {"load_average_at_start": load, "commit": commit, "runs": args.runs,
               "cases": {}}
    rows = []
    life_rows = []
    sweep_rows = []
    for name in (args.only or DEFAULT_CASES):
        case = CASES[name]
        inst = instance_path(args.workdir, name, case)
        out = os.path.join(args.workdir, f"{name}.panels.json")
        g_wall, g_rss, _ = timed([PANELS, "generate", "--out", inst, "--quiet"]
                                 + case["generate"] + form_flags(case))
        best = None
        loads = []
        for _ in range(args.runs):
            loads.append(os.getloadavg()[0])
            wall, rss, err = timed([PANELS, "solve", inst, "--out", out, "-v"] + case["solve"])
            if best is None or wall < best[0]:
                best = (wall, rss, err)
        wall, rss, err = best
        profile = profile_of(err)
        solver = phase_total(profile, "solve")
        chose = next((l for l in err.splitlines() if l.startswith("candidates:")), "")
        stats_line = next((l for l in err.splitlines() if l.startswith("optimal over")), "")
        with open(out) as f:
            panels = json.load(f)
        v_wall, v_rss, v_err = timed([PANELS, "verify", inst, out, "--certificate"])
        entry = {
            "generate_seconds": g_wall, "generate_rss_kib": g_rss,
            "solve_seconds_best": wall, "solve_rss_kib": rss, "flow_solver_seconds": solver,
            "load_average_during_solves": loads,
            "status": panels["status"], "objective": panels["objective"],
            "pricing": panels.get("stats", {}).get("pricing"),
            "verify_certificate_seconds": v_wall, "verify_rss_kib": v_rss,
            "candidates_choice": chose, "stderr_summary": stats_line, "profile": profile,
            "limit": case["limit"],
        }
        if case["reference"] and not args.no_reference:
            net = os.path.join(args.workdir, f"{name}.dimacs")
            timed([PANELS, "solve", inst, "--out", out, "--quiet", "--dump-network", net]
                  + case["solve"])
            try:
                entry["ortools_load_average"] = os.getloadavg()[0]
                cost, secs = ortools_solve(net)
                entry["ortools_seconds"] = secs
                entry["ortools_objective"] = -cost / 1e6
                entry["same_optimum"] = -cost == round(panels["objective"] * 1e6)
                entry["panels_end_to_end_over_ortools"] = wall / secs if secs > 0 else None
                entry["panels_flow_over_ortools"] = solver / secs if secs > 0 else None
            except ImportError:
                entry["ortools"] = "not installed (scripts/setup_bench.sh)"
            os.remove(net)
        for k in sweep:
            k_wall, k_rss, k_err = timed([PANELS, "solve", inst, "--out", out, "-v",
                                          "--candidates", str(k)])
            entry.setdefault("sweep", {})[str(k)] = {
                "seconds": k_wall, "rss_kib": k_rss, "profile": profile_of(k_err)}
        if sweep:
            best_k = min(entry["sweep"].items(), key=lambda kv: kv[1]["seconds"])
            entry["default_over_best_fixed_k"] = wall / best_k[1]["seconds"]
            sweep_rows.append(
                f"| {name} | {wall:.1f} s | "
                + " | ".join(f"K={k}: {v['seconds']:.1f} s" for k, v in entry["sweep"].items())
                + f" | {entry['default_over_best_fixed_k']:.2f} (best K={best_k[0]}) |"
            )
        if case.get("baselines"):
            base = against_baselines(name, case, inst, args.workdir, args.runs)
            entry["baselines"] = base
            for label, r in base["ratios"].items():
                rows.append(
                    f"| {name} / {label} | | {base['best_wall_seconds'][name]:.2f} s / "
                    f"{base['best_wall_seconds'][label]:.2f} s = {r['wall']:.2f}x | | "
                    f"cpu {base['best_cpu_seconds'][name]:.2f} s / "
                    f"{base['best_cpu_seconds'][label]:.2f} s = {r['cpu']:.2f}x | "
                    f"{base['status'][name]} / {base['status'][label]} | | | | | {case['limit']} |"
                )
            if args.instructions:
                counts = instruction_counts(name, case, inst, args.workdir)
                entry["instructions"] = counts or "valgrind not installed"
                for label, r in (counts or {}).get("ratios", {}).items():
                    n = counts["instructions_without_sha256"]
                    rows.append(
                        f"| {name} / {label} | | instructions {n[name] / 1e6:,.0f} M / "
                        f"{n[label] / 1e6:,.0f} M = {r:.3f}x | | | | | | | | {case['limit']} |"
                    )
        if case.get("lifecycle") and not args.no_lifecycle:
            life = lifecycle(name, inst, args.workdir, wall)
            entry.update(life)
            life_rows.append(
                f"| {name} | {wall:.1f} s | {life['draw_seconds']:.1f} s "
                f"({life['draw_over_solve']:.2f}x), {life['draw_rss_kib'] / 1024:.0f} MiB | "
                f"{life['replace_seconds']:.1f} s ({life['replace_over_solve']:.2f}x), "
                f"{life['replace_rss_kib'] / 1024:.0f} MiB |"
            )
        results["cases"][name] = entry
        ref = ""
        if "ortools_seconds" in entry:
            ref = (f"{entry['ortools_seconds']:.1f} s (same optimum: {entry['same_optimum']}) | "
                   f"**{entry['panels_end_to_end_over_ortools']:.2f}** | "
                   f"{entry['panels_flow_over_ortools']:.2f}")
        else:
            ref = "— | — | —"
        phases = ", ".join(f"{n} {phase_total(profile, n):.1f}"
                           for n in ["load", "candidates", "network", "solve", "pricing",
                                     "certificate", "write"])
        rows.append(
            f"| {name} | {g_wall:.1f} s, {g_rss / 1024:.0f} MiB | {wall:.1f} s | "
            f"{rss / 1024:.0f} MiB | {phases} | {entry['status']} | "
            f"{v_wall:.1f} s | {ref} | {case['limit']} |"
        )
    print(f"commit {commit}; load average at start: {load:.2f}; solve best of {args.runs}; "
          "default flags")
    print("| round | generate | solve (end to end) | peak RSS | phases (s) | status "
          "| verify --certificate | OR-Tools solve() | panels / OR-Tools "
          "| panels flow / OR-Tools | target |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    if sweep_rows:
        print()
        print("| round | default (auto) | fixed K | default / best fixed K |")
        print("|---|---|---|---|")
        print("\n".join(sweep_rows))
    if life_rows:
        print()
        print("| round | solve (best) | draw, max_probability 0.5 | replace, 20 declines |")
        print("|---|---|---|---|")
        print("\n".join(life_rows))
    os.makedirs(os.path.join(ROOT, "scripts", "results"), exist_ok=True)
    path = os.path.join(ROOT, "scripts", "results", "scale.json")
    if args.only and os.path.exists(path):
        # A partial run replaces its own rounds and keeps the others.
        with open(path) as f:
            kept = json.load(f)
        kept.setdefault("cases", {}).update(results["cases"])
        kept.setdefault("partial_runs", []).append(
            {"cases": sorted(results["cases"]), "load_average_at_start": load,
             "runs": args.runs})
        results = kept
    with open(path, "w") as f:
        json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()

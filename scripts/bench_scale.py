#!/usr/bin/env python3
"""Scale benchmarks for `panels` (README "Scale").

Rounds generated with `panels generate`:

* `10k`  — 10,000 applications x 15,000 experts, panels of 5, solved on
  100 candidates per application (`--candidates 100`), then priced.
* `nsfc` — the `nsfc` preset: 300,000 applications x 80,000 experts,
  panels of 3, solved on 50 candidates per application, then priced.
* `nsfc-k5` — the same pool with panels of 5, on 100 candidates each.
* `yangtze-10k` — the `yangtze` preset at 10,000 applications x 15,000
  experts: computed scores, no affinity list (every pair of two
  institutions is eligible), automatic candidates.
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

Rounds marked `lifecycle` also time, once each after the solves, `panels
draw --max-probability 0.5` and `panels replace` of 20 declines (the first
member of 20 panels spread over the round, taken from the draw), each with
its peak RSS and its ratio to the best solve time (targets: draw at most 3x
solve, replace at most 1x solve, each under 2 GiB).

For each: `panels generate` once (wall time, peak RSS), then `panels solve`
end to end (load, candidates, flow, pricing, certificate, write) best of N
(default 3) with its peak RSS, via /usr/bin/time -v, and `panels verify
--certificate` once. For `10k`, panels also dumps the last network it
solved (`--dump-network`, DIMACS) and OR-Tools' SimpleMinCostFlow solves the
same network; the script checks the optimal costs agree and prints the
ratio of panels' flow-solver time (all its solves, warm ones included) to
OR-Tools' solve time.

Usage: scripts/bench_scale.py [--runs 3] [--only ROUND ...] [--workdir DIR]
Needs: a release build (cargo build --release); ortools for the 10k
reference (pip install ortools; skipped with a note when missing).
Writes a Markdown table to stdout and JSON to scripts/results/scale.json.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PANELS = os.path.join(ROOT, "target", "release", "panels")

CASES = {
    "10k": {
        "generate": ["--preset", "nsfc", "--applications", "10000", "--experts", "15000",
                     "--panel-size", "5", "--seed", "1"],
        "solve": ["--candidates", "100"],
        "reference": True,
        "limit": "under 5 s, under 2 GiB",
    },
    "nsfc": {
        "generate": ["--preset", "nsfc", "--seed", "1"],
        "solve": ["--candidates", "50"],
        "reference": False,
        "lifecycle": True,
        "limit": "under 3 min, under 8 GiB",
    },
    "nsfc-k5": {
        "generate": ["--preset", "nsfc", "--panel-size", "5", "--seed", "1"],
        "solve": ["--candidates", "100"],
        "reference": False,
        "limit": "under 3 min, under 8 GiB",
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
        "generate": ["--preset", "nsfc", "--applications", "10000", "--experts", "15000",
                     "--panel-size", "5", "--seed", "1", "--programmes", "2", "--years", "3"],
        "solve": ["--candidates", "100"],
        "reference": False,
        "baselines": {
            "plain": ["--preset", "nsfc", "--applications", "10000", "--experts", "15000",
                      "--panel-size", "5", "--seed", "1"],
            "programmes only": ["--preset", "nsfc", "--applications", "10000",
                                "--experts", "15000", "--panel-size", "5", "--seed", "1",
                                "--programmes", "2"],
        },
        "limit": "at most 1.2x the plain round, optimal",
    },
    "nsfc-affinity": {
        "generate": ["--preset", "nsfc", "--affinity-per-application", "50", "--seed", "1"],
        "solve": [],
        "reference": False,
        "limit": "under 3 min, under 8 GiB",
    },
}


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


def against_baselines(name, case, inst, workdir, runs):
    """Solves `inst` and each baseline round alternately, `runs` times:
    best wall and CPU seconds per round, the ratios to each baseline, and
    every round's status (all must stay optimal)."""
    rounds = {name: inst}
    for label, gen in case["baselines"].items():
        path = os.path.join(workdir, f"{name}-{label.replace(' ', '-')}.json")
        timed([PANELS, "generate", "--out", path, "--quiet"] + gen)
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


def read_dimacs(path):
    supply, arcs = {}, []
    n = 0
    with open(path) as f:
        for line in f:
            t = line.split()
            if not t or t[0] == "c":
                continue
            if t[0] == "p":
                n = int(t[2])
            elif t[0] == "n":
                supply[int(t[1]) - 1] = int(t[2])
            elif t[0] == "a":
                arcs.append(tuple(int(x) for x in t[1:6]))
    return n, supply, arcs


def ortools_solve(path):
    """Optimal cost of the DIMACS network with OR-Tools, and solve seconds."""
    from ortools.graph.python import min_cost_flow

    n, supply, arcs = read_dimacs(path)
    b = [0] * n
    for v, s in supply.items():
        b[v] = s
    mcf = min_cost_flow.SimpleMinCostFlow()
    base = 0
    for (u, v, lo, up, cost) in arcs:
        # Lower bounds shifted into the supplies.
        u, v = u - 1, v - 1
        b[u] -= lo
        b[v] += lo
        base += lo * cost
        mcf.add_arc_with_capacity_and_unit_cost(u, v, up - lo, cost)
    for v in range(n):
        mcf.set_node_supply(v, b[v])
    t = time.perf_counter()
    status = mcf.solve()
    secs = time.perf_counter() - t
    if status != mcf.OPTIMAL:
        sys.exit(f"OR-Tools: status {status}")
    return base + mcf.optimal_cost(), secs


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


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--only", choices=sorted(CASES), action="append",
                    help="run only this round (repeatable)")
    ap.add_argument("--workdir", default="/tmp/panels-bench-scale")
    args = ap.parse_args()
    if not os.path.exists(PANELS):
        sys.exit("build first: cargo build --release")
    os.makedirs(args.workdir, exist_ok=True)
    load = os.getloadavg()[0]
    results = {"load_average_at_start": load, "runs": args.runs, "cases": {}}
    rows = []
    life_rows = []
    for name, case in CASES.items():
        if args.only and name not in args.only:
            continue
        inst = os.path.join(args.workdir, f"{name}.json")
        out = os.path.join(args.workdir, f"{name}.panels.json")
        g_wall, g_rss, _ = timed([PANELS, "generate", "--out", inst, "--quiet"] + case["generate"])
        best = None
        for _ in range(args.runs):
            wall, rss, err = timed([PANELS, "solve", inst, "--out", out] + case["solve"])
            if best is None or wall < best[0]:
                best = (wall, rss, err)
        wall, rss, err = best
        solver = float(re.search(r"flow solver ([0-9.]+)s", err).group(1))
        stats_line = next((l for l in err.splitlines() if l.startswith("optimal over")), "")
        with open(out) as f:
            panels = json.load(f)
        v_wall, v_rss, v_err = timed([PANELS, "verify", inst, out, "--certificate"])
        entry = {
            "generate_seconds": g_wall, "generate_rss_kib": g_rss,
            "solve_seconds_best": wall, "solve_rss_kib": rss, "flow_solver_seconds": solver,
            "status": panels["status"], "objective": panels["objective"],
            "pricing": panels.get("stats", {}).get("pricing"),
            "verify_certificate_seconds": v_wall, "verify_rss_kib": v_rss,
            "stderr_summary": stats_line, "limit": case["limit"],
        }
        if case["reference"]:
            net = os.path.join(args.workdir, f"{name}.dimacs")
            timed([PANELS, "solve", inst, "--out", out, "--quiet", "--dump-network", net]
                  + case["solve"])
            try:
                cost, secs = ortools_solve(net)
                entry["ortools_seconds"] = secs
                entry["ortools_objective"] = -cost / 1e6
                entry["same_optimum"] = -cost == round(panels["objective"] * 1e6)
                entry["panels_flow_over_ortools"] = solver / secs if secs > 0 else None
            except ImportError:
                entry["ortools"] = "not installed (pip install ortools)"
        if case.get("baselines"):
            base = against_baselines(name, case, inst, args.workdir, args.runs)
            entry["baselines"] = base
            for label, r in base["ratios"].items():
                rows.append(
                    f"| {name} / {label} | | {base['best_wall_seconds'][name]:.2f} s / "
                    f"{base['best_wall_seconds'][label]:.2f} s = {r['wall']:.2f}x | | "
                    f"cpu {base['best_cpu_seconds'][name]:.2f} s / "
                    f"{base['best_cpu_seconds'][label]:.2f} s = {r['cpu']:.2f}x | "
                    f"{base['status'][name]} / {base['status'][label]} | | {case['limit']} | |"
                )
        if case.get("lifecycle"):
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
            ref = (f"OR-Tools {entry['ortools_seconds']:.2f} s on the same network "
                   f"(same optimum: {entry['same_optimum']}; panels flow / OR-Tools = "
                   f"{entry['panels_flow_over_ortools']:.2f})")
        rows.append(
            f"| {name} | {g_wall:.1f} s, {g_rss / 1024:.0f} MiB | {wall:.1f} s | "
            f"{rss / 1024:.0f} MiB | {solver:.1f} s | {entry['status']} | "
            f"{v_wall:.1f} s | {case['limit']} | {ref} |"
        )
    print(f"load average at start: {load:.2f}; solve best of {args.runs}")
    print("| round | generate | solve (end to end) | peak RSS | flow solver | status "
          "| verify --certificate | target | reference |")
    print("|---|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))
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

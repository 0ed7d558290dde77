#!/usr/bin/env python3
"""Seeded generator of dense benchmark bundles (SPEC.md JSON bundle format).

This is the Python fallback for ``panels generate``: it lets the benchmark
harness (scripts/bench.py) and the reference solvers (scripts/reference.py)
run before the Rust generator exists, and gives all three solvers one
identical input file.

Shape of a "dense" instance (defaults follow the benchmark brief):

* N applications x 1.5 N experts, panel size k = 3, five cities
  (the four Yangtze mid-reaches capitals plus Huangshi);
* ``min_outside = 1``, ``max_per_institution = 2``, ``max_load = 3``,
  5 % of experts with an own ``min_load = 1`` (exercises load lower bounds);
* teams of two non-expert persons (5 % of applications also have an expert on
  the team), 10 % of applications avoid 1-3 experts, co-authorships between
  team members and experts (some dated outside the 5-year window);
* 1 % of all (application, expert) pairs are declared conflicts;
* scores: an explicit, full ``affinity`` list of uniform random scores
  (``--scores affinity``, the default up to dense-1000), or no affinity list
  so that the computed field/keyword score applies (``--scores computed``,
  the default for dense-3000, whose full list would be ~750 MB of JSON).

Same arguments and seed => same bytes.

Usage::

    scripts/gen_dense.py --preset dense-1000 --seed 1 --out /tmp/d1000.json
    scripts/gen_dense.py --apps 50 --experts 80 --seed 7 --out /tmp/small.json
"""

from __future__ import annotations

import argparse
import json
import os
import sys

import numpy as np

#: Preset name -> number of applications (experts = 1.5 x applications).
PRESETS = {"dense-300": 300, "dense-1000": 1000, "dense-3000": 3000}

CITIES = ["武汉", "长沙", "合肥", "南昌", "黄石"]
DISCIPLINES = [f"F{d:02d}" for d in range(1, 9)]
KEYWORDS = [f"kw{i:03d}" for i in range(200)]


def default_scores_mode(apps: int) -> str:
    """Explicit affinity lists up to 1.5 M pairs; computed scores beyond."""
    return "affinity" if apps * int(apps * 1.5) <= 1_500_000 else "computed"


def random_fields(rng: np.random.Generator, n: int) -> list[str]:
    """``n`` distinct field codes like ``F0302`` (discipline + sub-field)."""
    out: set[str] = set()
    disc = DISCIPLINES[rng.integers(len(DISCIPLINES))]
    while len(out) < n:
        # Mostly one discipline, sometimes another one.
        d = disc if rng.random() < 0.8 else DISCIPLINES[rng.integers(len(DISCIPLINES))]
        out.add(f"{d}{rng.integers(1, 6):02d}")
    return sorted(out)


def random_keywords(rng: np.random.Generator, n: int) -> list[str]:
    """``n`` distinct keywords, some upper-cased (matching is case-insensitive)."""
    idx = rng.choice(len(KEYWORDS), size=n, replace=False)
    return [KEYWORDS[i].upper() if rng.random() < 0.1 else KEYWORDS[i] for i in sorted(idx)]


def generate(
    apps: int,
    experts: int,
    *,
    seed: int,
    k: int = 3,
    cities: int = 5,
    min_outside: int = 1,
    max_load: int = 3,
    max_per_institution: int | None = 2,
    max_per_city: int | None = None,
    conflict_rate: float = 0.01,
    scores: str = "affinity",
) -> tuple[dict, list[str] | None]:
    """Builds the bundle.

    Returns ``(bundle, affinity_lines)``: the bundle without its affinity list,
    and, in ``affinity`` mode, the list's entries as ready JSON strings (kept
    apart so that writing 1.5 M entries does not build 1.5 M dicts).
    """
    if cities < 1 or cities > len(CITIES):
        raise ValueError(f"cities must be in 1..{len(CITIES)}")
    rng = np.random.default_rng(seed)
    city_names = CITIES[:cities]
    insts_per_city = max(2, experts // (cities * 25))
    inst_names = [[f"{c}大学{j:02d}" for j in range(insts_per_city)] for c in city_names]

    expert_ids = [f"E{i:05d}" for i in range(experts)]
    ex_list = []
    for i, eid in enumerate(expert_ids):
        c = int(rng.integers(cities))
        e = {
            "id": eid,
            "city": city_names[c],
            "institution": inst_names[c][int(rng.integers(insts_per_city))],
            "fields": random_fields(rng, int(rng.integers(1, 4))),
            "keywords": random_keywords(rng, int(rng.integers(3, 7))),
        }
        if rng.random() < 0.05:
            e["min_load"] = 1
        if rng.random() < 0.01:
            e["available"] = False
        ex_list.append(e)

    app_ids = [f"A{j:05d}" for j in range(apps)]
    ap_list = []
    coauth = []
    for j, aid in enumerate(app_ids):
        c = int(rng.integers(cities))
        team = [f"P{j:05d}a", f"P{j:05d}b"]
        if rng.random() < 0.05:
            team.append(expert_ids[int(rng.integers(experts))])
        a = {
            "id": aid,
            "city": city_names[c],
            "institution": inst_names[c][int(rng.integers(insts_per_city))],
            "fields": random_fields(rng, int(rng.integers(1, 3))),
            "keywords": random_keywords(rng, int(rng.integers(2, 5))),
            "team": team,
        }
        if rng.random() < 0.10:
            n = int(rng.integers(1, 4))
            a["avoid"] = [expert_ids[i] for i in sorted(rng.choice(experts, n, replace=False))]
        ap_list.append(a)
        # One co-author link per application, a third of them too old to count.
        if rng.random() < 0.5:
            year = int(rng.choice([2016, 2021, 2023, 2024]))
            coauth.append({"a": team[0], "b": expert_ids[int(rng.integers(experts))], "year": year})

    # Declared conflicts: conflict_rate of all pairs, distinct, with the application.
    n_conf = int(round(conflict_rate * apps * experts))
    flat = rng.choice(apps * experts, size=n_conf, replace=False) if n_conf else np.array([], int)
    flat.sort()
    conflicts = [
        {"expert": expert_ids[f % experts], "with": app_ids[f // experts], "reason": "declared"}
        for f in flat.tolist()
    ]
    # A few conflicts with a person (a team member) instead of an application.
    for _ in range(max(1, apps // 100)):
        j = int(rng.integers(apps))
        conflicts.append(
            {"expert": expert_ids[int(rng.integers(experts))], "with": f"P{j:05d}b", "reason": "family"}
        )

    policy = {
        "panel_size": k,
        "min_outside": min_outside,
        "max_load": max_load,
        "year": 2025,
        "coauthor_years": 5,
        "seed": seed,
    }
    if max_per_institution is not None:
        policy["max_per_institution"] = max_per_institution
    if max_per_city is not None:
        policy["max_per_city"] = max_per_city

    bundle = {
        "policy": policy,
        "experts": ex_list,
        "applications": ap_list,
        "conflicts": conflicts,
        "coauthorships": coauth,
    }
    lines = None
    if scores == "affinity":
        lines = []
        for j, aid in enumerate(app_ids):
            row = rng.integers(0, 10_001, size=experts)  # score = row / 10^4
            lines.extend(
                f'{{"application":"{aid}","expert":"{eid}","score":{v / 10_000:.4f}}}'
                for eid, v in zip(expert_ids, row.tolist())
            )
    elif scores != "computed":
        raise ValueError(f"unknown scores mode {scores!r}")
    return bundle, lines


def write_bundle(bundle: dict, affinity_lines: list[str] | None, out) -> None:
    """Writes the bundle as JSON; the affinity list (if any) one entry a line."""
    body = json.dumps(bundle, ensure_ascii=False, separators=(",", ":"))
    if affinity_lines is None:
        out.write(body)
    else:
        out.write(body[:-1])  # drop the closing brace
        out.write(',"affinity":[\n')
        out.write(",\n".join(affinity_lines))
        out.write("\n]}")
    out.write("\n")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--preset", choices=sorted(PRESETS), help="dense-N: N apps x 1.5N experts")
    p.add_argument("--apps", type=int, help="number of applications (overrides the preset)")
    p.add_argument("--experts", type=int, help="number of experts (default 1.5 x apps)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--k", type=int, default=3, help="panel size")
    p.add_argument("--cities", type=int, default=5)
    p.add_argument("--min-outside", type=int, default=1)
    p.add_argument("--max-load", type=int, default=3)
    p.add_argument("--max-per-institution", type=int, default=2, help="negative: no cap")
    p.add_argument("--max-per-city", type=int, default=-1, help="negative: no cap")
    p.add_argument("--conflict-rate", type=float, default=0.01)
    p.add_argument("--scores", choices=["affinity", "computed"], help="default: affinity up to 1.5M pairs")
    p.add_argument("--out", required=True, help="output file ('-' for stdout)")
    args = p.parse_args(argv)

    apps = args.apps or PRESETS.get(args.preset or "", 0)
    if apps <= 0:
        p.error("give --preset or --apps")
    experts = args.experts or int(apps * 1.5)
    scores = args.scores or default_scores_mode(apps)
    bundle, lines = generate(
        apps,
        experts,
        seed=args.seed,
        k=args.k,
        cities=args.cities,
        min_outside=args.min_outside,
        max_load=args.max_load,
        max_per_institution=args.max_per_institution if args.max_per_institution >= 0 else None,
        max_per_city=args.max_per_city if args.max_per_city >= 0 else None,
        conflict_rate=args.conflict_rate,
        scores=scores,
    )
    if args.out == "-":
        write_bundle(bundle, lines, sys.stdout)
    else:
        tmp = args.out + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            write_bundle(bundle, lines, f)
        os.replace(tmp, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Reference solvers for `panels solve`: OR-Tools min-cost flow and HiGHS LP.

Reads an instance bundle (SPEC.md JSON format), computes the eligible pairs
and their scores exactly as SPEC.md says (and as crates/core/src/eligibility, crates/core/src/score.rs
do), builds the same min-cost-flow network panels builds (DESIGN.md, "The key
fact: most rules form a flow")::

    source -> application a                 cap k_a (all of it must flow)
           -> (a, city) group               home city: min(k_a - q_a, max_per_city or k_a)
                                            other cities: max_per_city or k_a
           -> (a, city, institution) group  cap max_per_institution or k_a
           -> expert e                      one arc per eligible pair, cap 1,
                                            cost -round(score * 1e6)
           -> sink                          load in [min_load, max_load]

with q_a = min(max(ceil(min_outside_share * k_a - 1e-9), min_outside), k_a),
and solves it with

* OR-Tools ``SimpleMinCostFlow`` (cost-scaling push-relabel); lower bounds on
  the expert -> sink arcs are removed by supply shifting (capacity
  max - min, the expert's supply -min_load, the sink's +min_load);
* HiGHS on an LP of the same problem, either
  ``--highs-model assignment`` (default): the network with the group arcs
  folded into rows: one column x[a,e] in [0, 1] per eligible pair and rows
  for applications (= k_a), city groups, institution groups (<= cap) and
  experts ([min_load, max_load]); or
  ``--highs-model flow``: the node-arc LP of the network above, one column
  per arc with bounds [lower, cap], one equality row per node
  (out - in = supply). Both are totally unimodular, so the LP optimum is the
  integral optimum. The assignment LP is about twice as fast in HiGHS
  (1000x1500: 7 s vs 13 s; 3000x4500: 264 s vs > 600 s).

Only the solver call is timed as ``solve_s`` (best of ``--repeat``); loading,
eligibility, network building and handing the model to the solver are
reported separately. Output is one JSON object (stdout or ``--out``)::

    {"instance": ..., "apps": A, "experts": E, "eligible_pairs": P,
     "network": {"nodes": n, "arcs": m}, "prep_s": {...},
     "solvers": {"ortools": {"status", "objective", "solve_s", "runs_s", "build_s"},
                 "highs":   {..., "model", "lp_objective", "max_fractionality"}},
     "objectives_agree": true}

``objective`` is the total score, exact in millionths (-cost / 1e6).

Usage::

    scripts/reference.py INSTANCE.json [--solvers ortools,highs] [--repeat 3]
                         [--highs-time-limit 600] [--panels-out panels.json]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import sys
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field

import numpy as np

SCORE_SCALE = 1_000_000
MAX_ABS_SCORE = 1000.0
DISCIPLINE_PREFIX = 3

POLICY_DEFAULTS = {
    "panel_size": 5,
    "min_outside_share": 0.0,
    "min_outside": 0,
    "max_per_city": None,
    "max_per_institution": None,
    "max_load": 6,
    "min_load": 0,
    "avoid_same_institution": True,
    "coauthor_hops": 1,
    "coauthor_years": None,
    "year": None,
    "default_affinity": 0.0,
    "min_affinity": None,
    "seed": 0,
    # `panels draw` only; they do not change the optimum of `solve`.
    "max_probability": None,
    "alternates": 2,
}


class BadInput(ValueError):
    """The bundle breaks SPEC.md (unknown reference, bad number, ...)."""


# ---------------------------------------------------------------------------
# Scores (mirror of crates/core/src/model.rs Score::from_f64 and crates/core/src/score.rs)
# ---------------------------------------------------------------------------


def round_half_away(y):
    """Rounds like Rust's ``f64::round`` (half away from zero), elementwise."""
    y = np.asarray(y, dtype=np.float64)
    t = np.trunc(y)
    frac = y - t  # exact in binary floating point
    return (t + np.where(np.abs(frac) >= 0.5, np.sign(y), 0.0)).astype(np.int64)


def to_micro(x: float | None) -> int | None:
    """``Score::from_f64``: millionths, or None when not finite / beyond ±1000."""
    if x is None or not math.isfinite(x) or abs(x) > MAX_ABS_SCORE:
        return None
    return int(round_half_away(x * SCORE_SCALE))


def discipline_prefix(code: str) -> str:
    """First 3 characters of a field code; empty when it is shorter (as
    ``discipline_prefix`` in crates/core/src/score.rs: a 3-character code is its own
    discipline)."""
    return code[:DISCIPLINE_PREFIX] if len(code) >= DISCIPLINE_PREFIX else ""


def ascii_fold(s: str) -> bytes:
    """Case folding of ``eq_ignore_ascii_case``: ASCII letters only."""
    return s.encode("utf-8").lower()


def computed_scores(apps: list[dict], experts: list[dict]) -> np.ndarray:
    """The computed score of every pair, in millionths (A x E int64).

    score = 0.7 * field_fit + 0.3 * keyword_fit, see crates/core/src/score.rs; evaluated
    in the same floating-point order so the rounding matches bit for bit.
    """
    n_e = len(experts)
    f_ix: dict[str, int] = {}
    p_ix: dict[str, int] = {}
    k_ix: dict[bytes, int] = {}
    for e in experts:
        for f in e.get("fields") or []:
            f_ix.setdefault(f, len(f_ix))
            p = discipline_prefix(f)
            if p:
                p_ix.setdefault(p, len(p_ix))
        for kw in e.get("keywords") or []:
            k_ix.setdefault(ascii_fold(kw), len(k_ix))
    has_f = np.zeros((n_e, len(f_ix) + 1), dtype=bool)  # last column: never
    has_p = np.zeros((n_e, len(p_ix) + 1), dtype=bool)
    has_k = np.zeros((n_e, len(k_ix) + 1), dtype=bool)
    for i, e in enumerate(experts):
        for f in e.get("fields") or []:
            has_f[i, f_ix[f]] = True
            p = discipline_prefix(f)
            if p:
                has_p[i, p_ix[p]] = True
        for kw in e.get("keywords") or []:
            has_k[i, k_ix[ascii_fold(kw)]] = True
    none_f, none_p, none_k = len(f_ix), len(p_ix), len(k_ix)

    out = np.zeros((len(apps), n_e), dtype=np.int64)
    for j, a in enumerate(apps):
        fields = a.get("fields") or []
        kws = a.get("keywords") or []
        if fields:
            total = np.zeros(n_e)
            for f in fields:
                exact = has_f[:, f_ix.get(f, none_f)]
                p = discipline_prefix(f)
                if p:
                    near = has_p[:, p_ix.get(p, none_p)]
                    total += np.where(exact, 1.0, np.where(near, 0.5, 0.0))
                else:
                    total += exact
            field_fit = total / len(fields)
        else:
            field_fit = np.zeros(n_e)
        if kws:
            hits = np.zeros(n_e)
            for kw in kws:
                hits += has_k[:, k_ix.get(ascii_fold(kw), none_k)]
            kw_fit = hits / len(kws)
        else:
            kw_fit = np.zeros(n_e)
        out[j] = round_half_away((0.7 * field_fit + 0.3 * kw_fit) * SCORE_SCALE)
    return out


# ---------------------------------------------------------------------------
# Instance and eligibility
# ---------------------------------------------------------------------------


@dataclass
class Prepared:
    """An instance reduced to what the flow needs (arrays indexed by app / expert)."""

    app_ids: list[str]
    expert_ids: list[str]
    k: np.ndarray  # panel size per application
    q: np.ndarray  # min outside-city members per application
    app_city: np.ndarray
    exp_city: np.ndarray
    exp_inst: np.ndarray
    n_cities: int
    n_insts: int
    min_load: np.ndarray
    max_load: np.ndarray
    max_per_city: int | None
    max_per_institution: int | None
    pair_app: np.ndarray  # eligible pairs, sorted by (app, expert)
    pair_exp: np.ndarray
    pair_score: np.ndarray  # millionths
    times: dict = field(default_factory=dict)
    warnings: list = field(default_factory=list)


def _interner():
    d: dict[str, int] = {}
    return d, (lambda name: d.setdefault(name, len(d)))


def prepare(bundle: dict) -> Prepared:
    """Eligibility and scores of every pair, per SPEC.md."""
    t0 = time.perf_counter()
    pol = dict(POLICY_DEFAULTS)
    unknown = set(bundle.get("policy", {})) - set(POLICY_DEFAULTS)
    if unknown:
        raise BadInput(f"policy: unknown field(s) {sorted(unknown)}")
    pol.update({k: v for k, v in bundle.get("policy", {}).items()})
    experts = bundle["experts"]
    apps = bundle["applications"]
    n_a, n_e = len(apps), len(experts)

    cities, city = _interner()
    insts, inst = _interner()
    expert_ids = [e["id"] for e in experts]
    app_ids = [a["id"] for a in apps]
    e_of = {eid: i for i, eid in enumerate(expert_ids)}
    a_of = {aid: j for j, aid in enumerate(app_ids)}
    if len(e_of) != n_e or len(a_of) != n_a:
        raise BadInput("duplicate expert or application id")

    exp_city = np.array([city(e["city"]) for e in experts], dtype=np.int64)
    exp_inst = np.array([inst(e["institution"]) for e in experts], dtype=np.int64)
    app_city = np.array([city(a["city"]) for a in apps], dtype=np.int64)
    app_inst = np.array([inst(a["institution"]) for a in apps], dtype=np.int64)
    available = np.array([e.get("available", True) is not False for e in experts])

    k = np.array([pol["panel_size"] if a.get("panel_size") is None else a["panel_size"] for a in apps], dtype=np.int64)
    by_share = np.maximum(np.ceil(pol["min_outside_share"] * k - 1e-9), 0).astype(np.int64)
    q = np.minimum(np.maximum(by_share, pol["min_outside"]), k)
    max_load = np.array(
        [e["max_load"] if e.get("max_load") is not None else pol["max_load"] for e in experts], dtype=np.int64
    )
    min_load = np.array(
        [e["min_load"] if e.get("min_load") is not None else pol["min_load"] for e in experts], dtype=np.int64
    )
    min_load[~available] = 0  # unavailable experts have no floor (crates/core/src/model.rs)
    bad = np.nonzero(min_load > max_load)[0]
    if len(bad):
        raise BadInput(f"expert {expert_ids[bad[0]]}: min_load > max_load")

    # ---- scores
    t1 = time.perf_counter()
    aff = bundle.get("affinity")
    if aff is not None:
        default = to_micro(pol["default_affinity"]) or 0
        scores = np.full((n_a, n_e), default, dtype=np.int64)
        try:
            rows = np.fromiter((a_of[r["application"]] for r in aff), dtype=np.int64, count=len(aff))
            cols = np.fromiter((e_of[r["expert"]] for r in aff), dtype=np.int64, count=len(aff))
        except KeyError as err:
            raise BadInput(f"affinity: unknown id {err}") from None
        vals = np.fromiter((r["score"] for r in aff), dtype=np.float64, count=len(aff))
        if not np.all(np.isfinite(vals)) or np.any(np.abs(vals) > MAX_ABS_SCORE):
            raise BadInput("affinity: score not finite or beyond ±1000")
        scores[rows, cols] = round_half_away(vals * SCORE_SCALE)  # last entry wins
    else:
        scores = computed_scores(apps, experts)
    t2 = time.perf_counter()

    # ---- eligibility
    ok = np.ones((n_a, n_e), dtype=bool)
    ok[:, ~available] = False
    if pol["avoid_same_institution"]:
        ok &= app_inst[:, None] != exp_inst[None, :]
    banned_a: list[int] = []
    banned_e: list[int] = []

    def ban(j: int, i: int) -> None:
        banned_a.append(j)
        banned_e.append(i)

    apps_of_person: dict[str, list[int]] = defaultdict(list)
    for j, a in enumerate(apps):
        for p in a.get("team") or []:
            apps_of_person[p].append(j)
            if p in e_of:
                ban(j, e_of[p])
        for x in a.get("avoid") or []:
            if x not in e_of:
                raise BadInput(f"application {a['id']}: avoid names unknown expert {x}")
            ban(j, e_of[x])
    for c in bundle.get("conflicts") or []:
        i = e_of.get(c["expert"])
        if i is None:
            raise BadInput(f"conflict: unknown expert {c['expert']}")
        w = c["with"]
        if w in a_of:
            ban(a_of[w], i)
        else:
            for j in apps_of_person.get(w, []):
                ban(j, i)
    hops = pol["coauthor_hops"]
    links = bundle.get("coauthorships") or []
    if hops and links:
        adj: dict[str, set[str]] = defaultdict(set)
        year, window = pol["year"], pol["coauthor_years"]
        for lk in links:
            y = lk.get("year")
            if year is not None and window is not None and y is not None and y < year - window:
                continue
            if lk["a"] != lk["b"]:
                adj[lk["a"]].add(lk["b"])
                adj[lk["b"]].add(lk["a"])
        near_cache: dict[str, list[int]] = {}
        for p, js in apps_of_person.items():
            if p not in near_cache:
                near_cache[p] = _experts_within(p, hops, adj, e_of)
            for j in js:
                for i in near_cache[p]:
                    ban(j, i)
    if banned_a:
        ok[np.array(banned_a), np.array(banned_e)] = False
    min_aff = to_micro(pol["min_affinity"])
    if min_aff is not None:
        ok &= scores >= min_aff

    pair_app, pair_exp = np.nonzero(ok)  # row-major: sorted by (app, expert)
    pair_score = scores[pair_app, pair_exp]
    t3 = time.perf_counter()
    warnings = []
    if pol["max_per_institution"] is not None and pol["max_per_institution"] < int(k.max(initial=0)):
        # The network nests institution groups inside city groups; an
        # institution with experts in two cities breaks that nesting, and the
        # flow then caps (city, institution) instead of the institution.
        names = list(insts)
        per = np.unique(np.stack([exp_inst, exp_city]), axis=1)[0]
        spans = np.nonzero(np.bincount(per, minlength=len(insts)) > 1)[0]
        if len(spans):
            warnings.append(
                f"{len(spans)} institution(s) have experts in more than one city (e.g. {names[spans[0]]}): "
                "the flow caps max_per_institution per (city, institution), a relaxation"
            )
    return Prepared(
        app_ids=app_ids,
        expert_ids=expert_ids,
        k=k,
        q=q,
        app_city=app_city,
        exp_city=exp_city,
        exp_inst=exp_inst,
        n_cities=len(cities),
        n_insts=len(insts),
        min_load=min_load,
        max_load=max_load,
        max_per_city=pol["max_per_city"],
        max_per_institution=pol["max_per_institution"],
        pair_app=pair_app.astype(np.int64),
        pair_exp=pair_exp.astype(np.int64),
        pair_score=pair_score,
        times={"model_s": t1 - t0, "scores_s": t2 - t1, "eligibility_s": t3 - t2},
        warnings=warnings,
    )


def _experts_within(start: str, hops: int, adj: dict, e_of: dict) -> list[int]:
    """Experts reached from ``start`` in 1..hops co-authorship links (BFS)."""
    seen = {start}
    frontier = deque([(start, 0)])
    out = []
    while frontier:
        u, d = frontier.popleft()
        if d == hops:
            continue
        for v in adj.get(u, ()):
            if v not in seen:
                seen.add(v)
                frontier.append((v, d + 1))
                if v in e_of:
                    out.append(e_of[v])
    return out


# ---------------------------------------------------------------------------
# The network
# ---------------------------------------------------------------------------


@dataclass
class Network:
    """Arc arrays of the min-cost-flow network (node 0 = source, last = sink)."""

    n_nodes: int
    tail: np.ndarray
    head: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    cost: np.ndarray  # millionths, -score on pair arcs
    supply: np.ndarray  # per node, before lower-bound shifting
    pair_arc0: int  # pair arcs are pair_arc0 .. pair_arc0 + P - 1, in pair order
    # For the assignment LP: row groups of every pair.
    pair_cg: np.ndarray
    pair_ig: np.ndarray
    cg_cap: np.ndarray
    ig_cap: np.ndarray
    exp_nodes: np.ndarray  # experts that have a node (index into experts)
    pair_exp_local: np.ndarray  # position of each pair's expert in exp_nodes

    @property
    def n_arcs(self) -> int:
        return len(self.tail)


def build_network(p: Prepared) -> Network:
    """The DESIGN.md flow network for the prepared instance."""
    n_a = len(p.app_ids)
    nc, ni = p.n_cities, p.n_insts
    pa, pe = p.pair_app, p.pair_exp
    city_key = pa * nc + p.exp_city[pe]
    inst_key = city_key * ni + p.exp_inst[pe]
    cg_keys, pair_cg = np.unique(city_key, return_inverse=True)
    ig_keys, pair_ig = np.unique(inst_key, return_inverse=True)
    n_cg, n_ig = len(cg_keys), len(ig_keys)

    cg_app = cg_keys // nc
    cg_home = (cg_keys % nc) == p.app_city[cg_app]
    k_cg = p.k[cg_app]
    other_cap = k_cg if p.max_per_city is None else np.minimum(k_cg, p.max_per_city)
    home_cap = np.minimum(k_cg - p.q[cg_app], other_cap)
    cg_cap = np.where(cg_home, home_cap, other_cap)
    ig_cg = np.searchsorted(cg_keys, ig_keys // ni)
    k_ig = p.k[cg_app[ig_cg]]
    ig_cap = k_ig if p.max_per_institution is None else np.minimum(k_ig, p.max_per_institution)

    used = np.zeros(len(p.expert_ids), dtype=bool)
    used[pe] = True
    used |= p.min_load > 0
    exp_nodes = np.nonzero(used)[0]
    local = np.full(len(p.expert_ids), -1, dtype=np.int64)
    local[exp_nodes] = np.arange(len(exp_nodes))
    n_x = len(exp_nodes)

    src = 0
    app0 = 1
    cg0 = app0 + n_a
    ig0 = cg0 + n_cg
    ex0 = ig0 + n_ig
    sink = ex0 + n_x
    n_nodes = sink + 1

    n_p = len(pa)
    tail = np.concatenate(
        [np.full(n_a, src), app0 + cg_app, cg0 + ig_cg, ig0 + pair_ig, ex0 + np.arange(n_x)]
    ).astype(np.int64)
    head = np.concatenate(
        [app0 + np.arange(n_a), cg0 + np.arange(n_cg), ig0 + np.arange(n_ig), ex0 + local[pe], np.full(n_x, sink)]
    ).astype(np.int64)
    lower = np.concatenate([p.k, np.zeros(n_cg + n_ig + n_p, np.int64), p.min_load[exp_nodes]])
    upper = np.concatenate([p.k, cg_cap, ig_cap, np.ones(n_p, np.int64), p.max_load[exp_nodes]])
    cost = np.concatenate([np.zeros(n_a + n_cg + n_ig, np.int64), -p.pair_score, np.zeros(n_x, np.int64)])
    supply = np.zeros(n_nodes, dtype=np.int64)
    total = int(p.k.sum())
    supply[src], supply[sink] = total, -total
    return Network(
        n_nodes=n_nodes,
        tail=tail,
        head=head,
        lower=lower.astype(np.int64),
        upper=upper.astype(np.int64),
        cost=cost,
        supply=supply,
        pair_arc0=n_a + n_cg + n_ig,
        pair_cg=pair_cg,
        pair_ig=pair_ig,
        cg_cap=cg_cap,
        ig_cap=ig_cap,
        exp_nodes=exp_nodes,
        pair_exp_local=local[pe],
    )


# ---------------------------------------------------------------------------
# Solvers
# ---------------------------------------------------------------------------


@contextlib.contextmanager
def stdout_to_stderr():
    """Sends file descriptor 1 to stderr for a while (HiGHS prints a banner
    on stdout when a ``Highs`` object is made, which would spoil our JSON)."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        os.dup2(2, 1)
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def check_assignment(p: Prepared, pair_flow: np.ndarray) -> list[str]:
    """Checks an assignment against SPEC.md's panel rules directly (not via
    the network): panel sizes, outside-city minimum, per-city and
    per-institution caps, loads. Pairs are eligible by construction.
    Returns the violations (at most 20)."""
    chosen = np.nonzero(pair_flow > 0)[0]
    a, e = p.pair_app[chosen], p.pair_exp[chosen]
    bad: list[str] = []
    size = np.bincount(a, minlength=len(p.app_ids))
    outside = np.bincount(a, weights=p.exp_city[e] != p.app_city[a], minlength=len(p.app_ids))
    for j in np.nonzero(size != p.k)[0][:5]:
        bad.append(f"{p.app_ids[j]}: {size[j]} experts, needs {p.k[j]}")
    for j in np.nonzero(outside < p.q)[0][:5]:
        bad.append(f"{p.app_ids[j]}: {int(outside[j])} from outside, needs {p.q[j]}")
    if p.max_per_city is not None:
        per = np.bincount(a * p.n_cities + p.exp_city[e])
        for key in np.nonzero(per > p.max_per_city)[0][:5]:
            bad.append(f"{p.app_ids[key // p.n_cities]}: {per[key]} from one city")
    if p.max_per_institution is not None:
        per = np.bincount(a * p.n_insts + p.exp_inst[e])
        for key in np.nonzero(per > p.max_per_institution)[0][:5]:
            bad.append(f"{p.app_ids[key // p.n_insts]}: {per[key]} from one institution")
    load = np.bincount(e, minlength=len(p.expert_ids))
    for i in np.nonzero((load < p.min_load) | (load > p.max_load))[0][:5]:
        bad.append(f"{p.expert_ids[i]}: load {load[i]} outside [{p.min_load[i]}, {p.max_load[i]}]")
    return bad[:20]


def solve_ortools(net: Network, repeat: int) -> dict:
    """OR-Tools SimpleMinCostFlow; lower bounds removed by supply shifting."""
    from ortools.graph.python import min_cost_flow

    cap = net.upper - net.lower
    supply = net.supply.copy()
    np.subtract.at(supply, net.tail, net.lower)
    np.add.at(supply, net.head, net.lower)
    fixed_cost = int((net.lower * net.cost).sum())  # zero here; kept for generality
    runs, builds = [], []
    status = None
    flows = None
    cost = None
    for _ in range(repeat):
        b0 = time.perf_counter()
        smcf = min_cost_flow.SimpleMinCostFlow()
        smcf.add_arcs_with_capacity_and_unit_cost(net.tail, net.head, cap, net.cost)
        smcf.set_nodes_supplies(np.arange(net.n_nodes), supply)
        b1 = time.perf_counter()
        st = smcf.solve()
        b2 = time.perf_counter()
        builds.append(b1 - b0)
        runs.append(b2 - b1)
        status = st
        if st == smcf.OPTIMAL:
            cost = smcf.optimal_cost() + fixed_cost
            n_p = len(net.pair_cg)
            flows = smcf.flows(np.arange(net.pair_arc0, net.pair_arc0 + n_p))
    name = {
        min_cost_flow.SimpleMinCostFlow.OPTIMAL: "optimal",
        min_cost_flow.SimpleMinCostFlow.INFEASIBLE: "infeasible",
    }.get(status, str(status))
    out = {"status": name, "solve_s": min(runs), "runs_s": runs, "build_s": min(builds)}
    if cost is not None:
        out["objective_micro"] = -int(cost)
        out["objective"] = -int(cost) / SCORE_SCALE
        out["_pair_flow"] = np.asarray(flows)
    return out


def _highs_lp_flow(net: Network):
    """Node-arc LP: one column per arc, one equality row per node."""
    import highspy

    m = net.n_arcs
    lp = highspy.HighsLp()
    lp.num_col_ = m
    lp.num_row_ = net.n_nodes
    lp.col_cost_ = net.cost.astype(np.float64)
    lp.col_lower_ = net.lower.astype(np.float64)
    lp.col_upper_ = net.upper.astype(np.float64)
    lp.row_lower_ = net.supply.astype(np.float64)
    lp.row_upper_ = net.supply.astype(np.float64)
    idx = np.empty(2 * m, dtype=np.int32)
    val = np.empty(2 * m, dtype=np.float64)
    lo = np.minimum(net.tail, net.head)
    hi = np.maximum(net.tail, net.head)
    idx[0::2], idx[1::2] = lo, hi
    tail_first = net.tail < net.head
    val[0::2] = np.where(tail_first, 1.0, -1.0)
    val[1::2] = -val[0::2]
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.arange(0, 2 * m + 1, 2, dtype=np.int32)
    lp.a_matrix_.index_ = idx
    lp.a_matrix_.value_ = val
    return lp, net.pair_arc0


def _highs_lp_assignment(net: Network, p: Prepared):
    """Assignment LP: x[a,e] in [0,1]; app, city-group, inst-group, expert rows."""
    import highspy

    n_a, n_p = len(p.app_ids), len(p.pair_app)
    n_cg, n_ig, n_x = len(net.cg_cap), len(net.ig_cap), len(net.exp_nodes)
    lp = highspy.HighsLp()
    lp.num_col_ = n_p
    lp.num_row_ = n_a + n_cg + n_ig + n_x
    lp.col_cost_ = (-p.pair_score).astype(np.float64)
    lp.col_lower_ = np.zeros(n_p)
    lp.col_upper_ = np.ones(n_p)
    lp.row_lower_ = np.concatenate(
        [p.k, np.zeros(n_cg + n_ig), p.min_load[net.exp_nodes]]
    ).astype(np.float64)
    lp.row_upper_ = np.concatenate(
        [p.k, net.cg_cap, net.ig_cap, p.max_load[net.exp_nodes]]
    ).astype(np.float64)
    idx = np.empty((n_p, 4), dtype=np.int32)
    idx[:, 0] = p.pair_app
    idx[:, 1] = n_a + net.pair_cg
    idx[:, 2] = n_a + n_cg + net.pair_ig
    idx[:, 3] = n_a + n_cg + n_ig + net.pair_exp_local
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.arange(0, 4 * n_p + 1, 4, dtype=np.int32)
    lp.a_matrix_.index_ = idx.ravel()
    lp.a_matrix_.value_ = np.ones(4 * n_p)
    return lp, 0


def solve_highs(net: Network, p: Prepared, repeat: int, model: str, time_limit: float, solver: str) -> dict:
    """HiGHS on the flow LP or the assignment LP; stops repeating after a timeout."""
    import highspy

    runs, builds = [], []
    out: dict = {"model": model, "highs_solver": solver}
    for _ in range(repeat):
        b0 = time.perf_counter()
        lp, first_pair_col = _highs_lp_flow(net) if model == "flow" else _highs_lp_assignment(net, p)
        with stdout_to_stderr():
            h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("time_limit", float(time_limit))
        h.setOptionValue("solver", solver)
        h.passModel(lp)
        b1 = time.perf_counter()
        h.run()
        b2 = time.perf_counter()
        builds.append(b1 - b0)
        runs.append(b2 - b1)
        ms = h.getModelStatus()
        if ms == highspy.HighsModelStatus.kOptimal:
            out["status"] = "optimal"
        elif ms == highspy.HighsModelStatus.kTimeLimit:
            out["status"] = "timeout"
            break
        elif ms == highspy.HighsModelStatus.kInfeasible:
            out["status"] = "infeasible"
            break
        elif ms == highspy.HighsModelStatus.kModelEmpty:
            # No columns: feasible only if every row admits 0.
            lo, hi = np.asarray(lp.row_lower_), np.asarray(lp.row_upper_)
            out["status"] = "infeasible" if np.any(lo > 0) or np.any(hi < 0) else "optimal"
            if out["status"] == "infeasible":
                break
        else:
            out["status"] = h.modelStatusToString(ms)
            break
    out.update({"solve_s": min(runs), "runs_s": runs, "build_s": min(builds)})
    if out["status"] == "optimal":
        x = np.asarray(h.getSolution().col_value, dtype=np.float64)
        if len(x) != lp.num_col_:  # empty model: no solution vector
            x = np.zeros(lp.num_col_)
        x = x[first_pair_col : first_pair_col + len(p.pair_app)]
        xr = np.rint(x).astype(np.int64)
        out["lp_objective"] = -h.getInfo().objective_function_value / SCORE_SCALE
        out["max_fractionality"] = float(np.abs(x - xr).max()) if len(x) else 0.0
        out["objective_micro"] = int((xr * p.pair_score).sum())
        out["objective"] = out["objective_micro"] / SCORE_SCALE
        out["_pair_flow"] = xr
    return out


# ---------------------------------------------------------------------------
# Driver
# ---------------------------------------------------------------------------


def panels_json(p: Prepared, pair_flow: np.ndarray, objective: float) -> dict:
    """The assignment in SPEC.md's panels output format (experts in input order)."""
    chosen = np.nonzero(pair_flow > 0)[0]
    panels: list[list[str]] = [[] for _ in p.app_ids]
    for c in chosen.tolist():
        panels[p.pair_app[c]].append(p.expert_ids[p.pair_exp[c]])
    return {
        "status": "optimal",
        "objective": objective,
        "bound": objective,
        "solver": "reference.py/ortools",
        "panels": [{"application": a, "experts": ex} for a, ex in zip(p.app_ids, panels)],
    }


def run(
    path: str,
    solvers: list[str],
    repeat: int = 1,
    highs_model: str = "assignment",
    highs_time_limit: float = 600.0,
    highs_solver: str = "choose",
    panels_out: str | None = None,
) -> dict:
    """Loads, prepares, builds and solves; returns the report dict."""
    t0 = time.perf_counter()
    with open(path, encoding="utf-8-sig") as f:
        bundle = json.load(f)
    t1 = time.perf_counter()
    p = prepare(bundle)
    del bundle
    t2 = time.perf_counter()
    net = build_network(p)
    t3 = time.perf_counter()
    report = {
        "instance": path,
        "apps": len(p.app_ids),
        "experts": len(p.expert_ids),
        "eligible_pairs": int(len(p.pair_app)),
        "network": {"nodes": int(net.n_nodes), "arcs": int(net.n_arcs)},
        "prep_s": {"load_json_s": t1 - t0, **p.times, "network_s": t3 - t2},
        "warnings": p.warnings,
        "solvers": {},
    }
    for s in solvers:
        if s == "ortools":
            r = solve_ortools(net, repeat)
        elif s == "highs":
            r = solve_highs(net, p, repeat, highs_model, highs_time_limit, highs_solver)
        else:
            raise ValueError(f"unknown solver {s!r}")
        flow = r.pop("_pair_flow", None)
        if flow is not None:
            r["violations"] = check_assignment(p, flow)
        if panels_out and flow is not None and "panels_written" not in report:
            with open(panels_out, "w", encoding="utf-8") as f:
                json.dump(panels_json(p, flow, r["objective"]), f, ensure_ascii=False, indent=1)
            report["panels_written"] = panels_out
        report["solvers"][s] = r
    objs = {r["objective_micro"] for r in report["solvers"].values() if "objective_micro" in r}
    report["objectives_agree"] = len(objs) <= 1
    report["valid"] = all(not r.get("violations") for r in report["solvers"].values())
    return report


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("instance", help="JSON bundle (SPEC.md format)")
    ap.add_argument("--solvers", default="ortools,highs", help="comma list of ortools, highs")
    ap.add_argument("--repeat", type=int, default=1, help="solve this many times, report the best")
    ap.add_argument("--highs-model", choices=["flow", "assignment"], default="assignment")
    ap.add_argument("--highs-solver", default="choose", help="HiGHS 'solver' option: choose, simplex, ipm, pdlp")
    ap.add_argument("--highs-time-limit", type=float, default=600.0, help="seconds per HiGHS solve")
    ap.add_argument("--panels-out", help="write the first optimal assignment here (SPEC panels JSON)")
    ap.add_argument("--out", help="write the report here instead of stdout")
    args = ap.parse_args(argv)
    solvers = [s.strip() for s in args.solvers.split(",") if s.strip()]
    try:
        report = run(
            args.instance,
            solvers,
            repeat=max(1, args.repeat),
            highs_model=args.highs_model,
            highs_time_limit=args.highs_time_limit,
            highs_solver=args.highs_solver,
            panels_out=args.panels_out,
        )
    except (BadInput, KeyError) as err:
        print(f"reference.py: {args.instance}: bad input: {err}", file=sys.stderr)
        return 2
    text = json.dumps(report, indent=2)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text + "\n")
    else:
        print(text)
    return 0 if report["objectives_agree"] and report["valid"] else 1


if __name__ == "__main__":
    sys.exit(main())

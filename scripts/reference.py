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

Rounds with programmes and history (SPEC "Programmes", "History (yearly
rounds)") are read separately, from SPEC.md alone (``prepare_round``), and
solved as a MIP by HiGHS with integrality (``solve_round_mip``);
``check_round`` checks given panels rule by rule (see scripts/README.md).

Usage::

    scripts/reference.py INSTANCE.json [--solvers ortools,highs] [--repeat 3]
                         [--highs-time-limit 600] [--panels-out panels.json]
    scripts/reference.py ROUND.json --round [--check panels.json]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import sys
import time
import unicodedata
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
# Rounds with programmes and history: an independent reading of SPEC.md's
# "Programmes", "History (yearly rounds)" and "Names as offices type them",
# solved as a MIP (HiGHS with integrality) and checked rule by rule.
# ---------------------------------------------------------------------------

ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))

#: Per-panel rules and loads a programme may override (SPEC "Programmes").
PROGRAMME_KEYS = (
    "panel_size",
    "min_outside_share",
    "min_outside",
    "max_per_city",
    "max_per_institution",
    "min_senior",
    "cover_fields",
    "min_affinity",
    "max_load",
)

#: History rules (SPEC "History"), all off by default, and the window.
HISTORY_DEFAULTS = {
    "history_years": 3,
    "avoid_repeat": "off",
    "repeat_penalty": None,
    "max_reviews_per_year": None,
    "max_consecutive_years": None,
    "max_declines": None,
    "min_rating": None,
}

#: Crossing rules (panels' docs/algorithms.md) that the round MIP models.
CROSSING_DEFAULTS = {
    "min_senior": 0,
    "senior_titles": ["professor", "教授", "研究员", "正高级", "主任医师"],
    "cover_fields": False,
}

#: Policy fields panels accepts that this MIP does not model (must stay off).
UNMODELLED = {
    "min_outside_share_round": None,
    "min_outside_share_by_city": {},
    "max_copanel": None,
    "bonus_per_city": 0,
}

ROUND_POLICY_DEFAULTS = {
    **POLICY_DEFAULTS,
    **HISTORY_DEFAULTS,
    **CROSSING_DEFAULTS,
    **UNMODELLED,
    "programmes": {},
}

SERVED = ("reviewed", "late")
OUTCOMES = ("reviewed", "declined", "no_show", "late")


def norm_name(s) -> str | None:
    """SPEC "Names as offices type them": NFKC, zero-width characters removed,
    trimmed, inner runs of white space (full-width included) collapsed."""
    if s is None:
        return None
    s = unicodedata.normalize("NFKC", str(s)).translate(ZERO_WIDTH)
    return " ".join(s.split())


def place_key(s) -> str:
    """Cities and institutions: normalised names that differ only in letter
    case are the same place."""
    return norm_name(s).lower()


def _norm_list(v) -> list[str]:
    return [n for n in (norm_name(x) for x in (v or [])) if n]


@dataclass
class HistoryRecord:
    """One past review, normalised."""

    year: int
    expert: str
    institution: str  # place key
    team: frozenset
    outcome: str
    rating: float | None


@dataclass
class Round:
    """A round reduced to what the MIP and the rule check need."""

    app_ids: list[str]
    expert_ids: list[str]
    k: list[int]
    q: list[int]
    max_city: list[int | None]
    max_inst: list[int | None]
    min_senior: list[int]
    cover: list[list[str]]  # fields each panel must cover (empty: rule off)
    programme: list[str | None]
    app_city: list[str]
    app_inst: list[str]
    exp_city: list[str]
    exp_inst: list[str]
    exp_fields: list[set]
    senior: list[bool]
    min_load: list[int]
    max_load: list[int]  # the round total
    cap: list[int]  # the round total under max_reviews_per_year
    prog_cap: dict  # programme -> max_load within it
    weight: dict  # (app, expert) eligible -> score - penalty, millionths
    score: dict  # (app, expert) eligible -> score before the penalty
    why: dict  # (app, expert) not eligible -> reason
    year_before: list[int]  # served or no-show reviews in policy.year


def _history_records(raw: list, year: int | None, where: str = "history") -> list[HistoryRecord]:
    out = []
    for n, r in enumerate(raw):
        if r.get("year") is None or not r.get("expert") or not r.get("institution"):
            raise BadInput(f"{where}[{n}]: year, expert and institution are required")
        outcome = norm_name(r.get("outcome") or "reviewed").lower().replace("-", "_").replace(" ", "_")
        if outcome not in OUTCOMES:
            raise BadInput(f"{where}[{n}]: unknown outcome {r.get('outcome')!r}")
        rating = r.get("rating")
        if rating is not None and not 1 <= float(rating) <= 5:
            raise BadInput(f"{where}[{n}]: rating {rating} not in 1..5")
        team = r.get("team") or []
        if isinstance(team, str):
            team = team.replace("；", ";").replace("、", ";").split(";")
        out.append(
            HistoryRecord(
                year=int(r["year"]),
                expert=norm_name(r["expert"]),
                institution=place_key(r["institution"]),
                team=frozenset(_norm_list(team)),
                outcome=outcome,
                rating=None if rating is None else float(rating),
            )
        )
    return out


def _normalised_bundle(bundle: dict) -> dict:
    """The bundle with every name in normal form and places as place keys."""

    def person(x):
        return norm_name(x)

    def common(r: dict) -> dict:
        """What experts and applications share: id, place, fields, keywords."""
        return {
            "id": person(r["id"]),
            "city": place_key(r["city"]),
            "institution": place_key(r["institution"]),
            "fields": _norm_list(r.get("fields")),
            "keywords": _norm_list(r.get("keywords")),
        }

    experts = [
        {
            **{k: e[k] for k in ("max_load", "min_load", "available") if k in e},
            **common(e),
            "title": norm_name(e.get("title")) or "",
            "programmes": _norm_list(e.get("programmes")),
        }
        for e in bundle["experts"]
    ]
    apps = [
        {
            **common(a),
            "panel_size": a.get("panel_size"),
            "team": _norm_list(a.get("team")),
            "avoid": _norm_list(a.get("avoid")),
            "programme": norm_name(a.get("programme")) or None,
        }
        for a in bundle["applications"]
    ]
    out = {"experts": experts, "applications": apps}
    out["conflicts"] = [{"expert": person(c["expert"]), "with": person(c["with"])} for c in bundle.get("conflicts") or []]
    out["coauthorships"] = [
        {"a": person(c["a"]), "b": person(c["b"]), "year": c.get("year")} for c in bundle.get("coauthorships") or []
    ]
    if bundle.get("affinity") is not None:
        out["affinity"] = [
            {"application": person(r["application"]), "expert": person(r["expert"]), "score": r["score"]}
            for r in bundle["affinity"]
        ]
    return out


def prepare_round(bundle: dict) -> Round:
    """Eligibility, scores, penalties, panel rules and loads of a round with
    programmes and history, read from SPEC.md alone."""
    pol_in = dict(bundle.get("policy") or {})
    unknown = set(pol_in) - set(ROUND_POLICY_DEFAULTS)
    if unknown:
        raise BadInput(f"policy: unknown field(s) {sorted(unknown)}")
    pol = {**ROUND_POLICY_DEFAULTS, **{k: v for k, v in pol_in.items() if v is not None}}
    for key, off in UNMODELLED.items():
        if pol[key] != off:
            raise BadInput(f"policy: {key} is not modelled by the round reference")
    nb = _normalised_bundle(bundle)
    experts, apps = nb["experts"], nb["applications"]
    n_a, n_e = len(apps), len(experts)

    # Base eligibility and scores (SPEC "Eligibility and objective") from the
    # flow reference, with min_affinity left to the programmes below.
    base_pol = {k: pol[k] for k in POLICY_DEFAULTS}
    base_pol["min_affinity"] = None
    p = prepare({**nb, "policy": base_pol})
    base = {(int(a), int(e)): int(s) for a, e, s in zip(p.pair_app, p.pair_exp, p.pair_score)}

    # Programmes.
    progs_raw = pol["programmes"] or {}
    progs: dict[str, dict] = {}
    for name, over in progs_raw.items():
        bad = set(over) - set(PROGRAMME_KEYS)
        if bad:
            raise BadInput(f"policy.programmes[{name}]: unknown field(s) {sorted(bad)}")
        progs[norm_name(name)] = {k: v for k, v in over.items() if v is not None}
    named = {a["programme"] for a in apps if a["programme"]}
    for name in progs:
        if name not in named:
            raise BadInput(f"policy.programmes: no application is in programme {name!r}")

    def rule(j: int, key: str):
        return progs.get(apps[j]["programme"] or "", {}).get(key, pol[key])

    k, q, max_city, max_inst, min_senior, cover, min_aff = [], [], [], [], [], [], []
    for j, a in enumerate(apps):
        kj = a["panel_size"] if a["panel_size"] is not None else rule(j, "panel_size")
        share, mo = rule(j, "min_outside_share"), rule(j, "min_outside")
        k.append(int(kj))
        q.append(min(max(math.ceil(share * kj - 1e-9), mo, 0), kj))
        max_city.append(rule(j, "max_per_city"))
        max_inst.append(rule(j, "max_per_institution"))
        min_senior.append(int(rule(j, "min_senior") or 0))
        cover.append(list(dict.fromkeys(a["fields"])) if rule(j, "cover_fields") else [])
        min_aff.append(to_micro(rule(j, "min_affinity")))
    prog_cap = {name: int(o["max_load"]) for name, o in progs.items() if "max_load" in o}

    titles = [t.strip().lower() for t in pol["senior_titles"]]
    senior = [any(e["title"].lower().startswith(t) for t in titles) for e in experts]

    # History.
    year = pol["year"]
    records = _history_records(bundle.get("history") or [], year)
    rules_set = (
        pol["avoid_repeat"] != "off"
        or pol["repeat_penalty"] is not None
        or any(pol[f] is not None for f in ("max_reviews_per_year", "max_consecutive_years", "max_declines", "min_rating"))
    )
    if records and rules_set and year is None:
        raise BadInput("policy: the history rules need the round's year")
    if pol["avoid_repeat"] not in ("off", "institution", "team", "both"):
        raise BadInput(f"policy: avoid_repeat {pol['avoid_repeat']!r}")
    hy = int(pol["history_years"])
    by_exp: dict[str, list[HistoryRecord]] = defaultdict(list)
    for r in records:
        by_exp[r.expert].append(r)

    def counts(r: HistoryRecord) -> bool:
        return year is not None and year - hy <= r.year <= year

    penalty = to_micro(pol["repeat_penalty"]) if pol["repeat_penalty"] else None
    mode = pol["avoid_repeat"]
    barred: list[str | None] = []
    year_before: list[int] = []
    served_inst: list[set] = []
    served_team: list[set] = []
    for e in experts:
        recs = by_exp.get(e["id"], [])
        counting = [r for r in recs if counts(r)]
        served = [r for r in counting if r.outcome in SERVED]
        served_inst.append({r.institution for r in served})
        served_team.append(set().union(*(r.team for r in served)) if served else set())
        year_before.append(sum(1 for r in recs if r.year == year and r.outcome in (*SERVED, "no_show")))
        why = None
        n_cons = pol["max_consecutive_years"]
        if n_cons is not None and year is not None:
            years = {r.year for r in recs if r.outcome in SERVED}
            if all(year - d in years for d in range(1, int(n_cons) + 1)):
                why = "resting (max_consecutive_years)"
        if why is None and pol["max_declines"] is not None:
            if sum(1 for r in counting if r.outcome in ("declined", "no_show")) > pol["max_declines"]:
                why = "declines (max_declines)"
        if why is None and pol["min_rating"] is not None:
            rated = [r.rating for r in counting if r.rating is not None]
            if rated and sum(rated) / len(rated) < pol["min_rating"]:
                why = "rating (min_rating)"
        barred.append(why)

    max_load = p.max_load.astype(int).tolist()
    cap = list(max_load)
    if pol["max_reviews_per_year"] is not None:
        cap = [min(c, max(0, int(pol["max_reviews_per_year"]) - y)) for c, y in zip(cap, year_before)]
    # Decision documented in docs/programmes-and-history.md (SPEC is silent):
    # an expert a history rule bars has no floor; a floor never exceeds the cap.
    min_load = [0 if barred[i] else min(int(m), cap[i]) for i, m in enumerate(p.min_load.tolist())]

    weight, score, why = {}, {}, {}
    for j, a in enumerate(apps):
        team = set(a["team"])
        for i, e in enumerate(experts):
            s = base.get((j, i))
            if s is None:
                why[j, i] = "base eligibility (team, avoid, conflict, co-author, institution, unavailable)"
                continue
            if barred[i]:
                why[j, i] = barred[i]
                continue
            if a["programme"] and e["programmes"] and a["programme"] not in e["programmes"]:
                why[j, i] = "other programme"
                continue
            if min_aff[j] is not None and s < min_aff[j]:
                why[j, i] = "below min_affinity"
                continue
            repeat = (mode in ("institution", "both") and a["institution"] in served_inst[i]) or (
                mode in ("team", "both") and bool(team & served_team[i])
            )
            if repeat and penalty is None:
                why[j, i] = f"repeat (avoid_repeat {mode})"
                continue
            score[j, i] = s
            weight[j, i] = s - (penalty if repeat else 0)

    return Round(
        app_ids=[a["id"] for a in apps],
        expert_ids=[e["id"] for e in experts],
        k=k,
        q=q,
        max_city=max_city,
        max_inst=max_inst,
        min_senior=min_senior,
        cover=cover,
        programme=[a["programme"] for a in apps],
        app_city=[a["city"] for a in apps],
        app_inst=[a["institution"] for a in apps],
        exp_city=[e["city"] for e in experts],
        exp_inst=[e["institution"] for e in experts],
        exp_fields=[set(e["fields"]) for e in experts],
        senior=senior,
        min_load=min_load,
        max_load=max_load,
        cap=cap,
        prog_cap=prog_cap,
        weight=weight,
        score=score,
        why=why,
        year_before=year_before,
    )


def _round_rows(r: Round, pairs: list[tuple[int, int]]):
    """Rows of the round MIP as (lower, upper, [columns])."""
    by_app: dict[int, list[int]] = defaultdict(list)
    by_exp: dict[int, list[int]] = defaultdict(list)
    for c, (j, i) in enumerate(pairs):
        by_app[j].append(c)
        by_exp[i].append(c)
    rows = []
    inf = math.inf
    for j in range(len(r.app_ids)):
        cols = by_app[j]
        rows.append((r.k[j], r.k[j], cols))
        rows.append((r.q[j], inf, [c for c in cols if r.exp_city[pairs[c][1]] != r.app_city[j]]))
        for cap, key in ((r.max_city[j], r.exp_city), (r.max_inst[j], r.exp_inst)):
            if cap is None:
                continue
            groups: dict[str, list[int]] = defaultdict(list)
            for c in cols:
                groups[key[pairs[c][1]]].append(c)
            rows += [(-inf, cap, g) for g in groups.values()]
        if r.min_senior[j]:
            rows.append((r.min_senior[j], inf, [c for c in cols if r.senior[pairs[c][1]]]))
        for f in r.cover[j]:
            rows.append((1, inf, [c for c in cols if f in r.exp_fields[pairs[c][1]]]))
    for i in range(len(r.expert_ids)):
        rows.append((r.min_load[i], r.cap[i], by_exp[i]))
        for prog, pc in r.prog_cap.items():
            cols = [c for c in by_exp[i] if r.programme[pairs[c][0]] == prog]
            if cols:
                rows.append((-inf, pc, cols))
    return rows


def solve_round_mip(r: Round, time_limit: float = 60.0) -> dict:
    """The round's optimum by HiGHS's MIP: {"status", "objective_micro",
    "panels" (app id -> expert ids)}; status "infeasible" when none exists."""
    import highspy

    pairs = sorted(r.weight)
    rows = _round_rows(r, pairs)
    for lo, hi, cols in rows:
        if not cols and (lo > 0 or hi < 0):
            return {"status": "infeasible"}
    rows = [row for row in rows if row[2]]
    if not pairs:
        return {"status": "optimal", "objective_micro": 0, "panels": {a: [] for a in r.app_ids}}
    with stdout_to_stderr():
        h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit))
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("mip_abs_gap", 1e-9)
    lp = highspy.HighsLp()
    n = len(pairs)
    lp.num_col_ = n
    lp.num_row_ = len(rows)
    lp.col_cost_ = np.array([-r.weight[pr] / SCORE_SCALE for pr in pairs], dtype=np.float64)
    lp.col_lower_ = np.zeros(n)
    lp.col_upper_ = np.ones(n)
    lp.row_lower_ = np.array([lo if lo != -math.inf else -highspy.kHighsInf for lo, _, _ in rows], dtype=np.float64)
    lp.row_upper_ = np.array([hi if hi != math.inf else highspy.kHighsInf for _, hi, _ in rows], dtype=np.float64)
    start, index = [0], []
    for _, _, cols in rows:
        index += cols
        start.append(len(index))
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.start_ = np.array(start, dtype=np.int32)
    lp.a_matrix_.index_ = np.array(index, dtype=np.int32)
    lp.a_matrix_.value_ = np.ones(len(index))
    lp.integrality_ = [highspy.HighsVarType.kInteger] * n
    h.passModel(lp)
    h.run()
    ms = h.getModelStatus()
    if ms == highspy.HighsModelStatus.kInfeasible:
        return {"status": "infeasible"}
    if ms != highspy.HighsModelStatus.kOptimal:
        return {"status": h.modelStatusToString(ms)}
    x = np.rint(np.asarray(h.getSolution().col_value)).astype(int)
    panels = {a: [] for a in r.app_ids}
    total = 0
    for c in np.nonzero(x > 0)[0].tolist():
        j, i = pairs[c]
        panels[r.app_ids[j]].append(r.expert_ids[i])
        total += r.weight[j, i]
    return {"status": "optimal", "objective_micro": total, "panels": panels}


def check_round(r: Round, panels: list[tuple[str, list[str]]]) -> tuple[list[tuple[str, str]], int]:
    """Every rule of the round for a given assignment, checked directly.
    Returns (violations as (rule, message), objective in millionths of the
    eligible pairs, after penalties)."""
    bad: list[tuple[str, str]] = []
    a_of = {a: j for j, a in enumerate(r.app_ids)}
    e_of = {e: i for i, e in enumerate(r.expert_ids)}
    seen_apps: set[int] = set()
    load = [0] * len(r.expert_ids)
    prog_load: dict[tuple[int, str], int] = defaultdict(int)
    total = 0
    for app_id, members in panels:
        j = a_of.get(norm_name(app_id))
        if j is None or j in seen_apps:
            bad.append(("application", f"{app_id}: unknown or listed twice"))
            continue
        seen_apps.add(j)
        idx = []
        for m in members:
            i = e_of.get(norm_name(m))
            if i is None:
                bad.append(("expert", f"{app_id}: unknown expert {m}"))
            elif i in idx:
                bad.append(("duplicate", f"{app_id}: {m} twice"))
            else:
                idx.append(i)
        for i in idx:
            load[i] += 1
            if r.programme[j]:
                prog_load[i, r.programme[j]] += 1
            if (j, i) in r.weight:
                total += r.weight[j, i]
            else:
                bad.append(("eligibility", f"{app_id}/{r.expert_ids[i]}: {r.why.get((j, i))}"))
        if len(idx) != r.k[j]:
            bad.append(("size", f"{app_id}: {len(idx)} experts, needs {r.k[j]}"))
        if sum(r.exp_city[i] != r.app_city[j] for i in idx) < r.q[j]:
            bad.append(("outside", f"{app_id}: fewer than {r.q[j]} from outside"))
        for cap, key, what in ((r.max_city[j], r.exp_city, "city"), (r.max_inst[j], r.exp_inst, "institution")):
            if cap is not None:
                per = defaultdict(int)
                for i in idx:
                    per[key[i]] += 1
                if any(v > cap for v in per.values()):
                    bad.append((f"per_{what}", f"{app_id}: more than {cap} from one {what}"))
        if sum(r.senior[i] for i in idx) < r.min_senior[j]:
            bad.append(("senior", f"{app_id}: fewer than {r.min_senior[j]} senior"))
        for f in r.cover[j]:
            if not any(f in r.exp_fields[i] for i in idx):
                bad.append(("cover", f"{app_id}: field {f} uncovered"))
    for j in set(range(len(r.app_ids))) - seen_apps:
        bad.append(("size", f"{r.app_ids[j]}: no panel"))
    for i, n in enumerate(load):
        if n > r.max_load[i] or n < r.min_load[i]:
            bad.append(("load", f"{r.expert_ids[i]}: load {n} outside [{r.min_load[i]}, {r.max_load[i]}]"))
        if n > r.cap[i]:
            bad.append(("max_reviews_per_year", f"{r.expert_ids[i]}: {r.year_before[i]} earlier + {n} > cap"))
    for (i, prog), n in prog_load.items():
        if prog in r.prog_cap and n > r.prog_cap[prog]:
            bad.append(("programme_load", f"{r.expert_ids[i]}: {n} in {prog} > {r.prog_cap[prog]}"))
    return bad, total


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


def round_main(args) -> int:
    """``--round``: the MIP optimum of a round with programmes and history,
    and the rule check of ``--check PANELS``; exit 0 when the panels (if
    given) break no rule and reach the optimum."""
    try:
        with open(args.instance, encoding="utf-8-sig") as f:
            r = prepare_round(json.load(f))
    except (BadInput, KeyError) as err:
        print(f"reference.py: {args.instance}: bad input: {err}", file=sys.stderr)
        return 2
    res = solve_round_mip(r, args.highs_time_limit)
    report = {"instance": args.instance, "status": res["status"], "eligible_pairs": len(r.weight)}
    if "objective_micro" in res:
        report["objective"] = res["objective_micro"] / SCORE_SCALE
    ok = True
    if args.check:
        with open(args.check, encoding="utf-8-sig") as f:
            given = json.load(f)
        bad, total = check_round(r, [(p["application"], p["experts"]) for p in given["panels"]])
        report["check"] = {"objective": total / SCORE_SCALE, "violations": [f"{k}: {m}" for k, m in bad]}
        ok = not bad and total == res.get("objective_micro")
    text = json.dumps(report, indent=2, ensure_ascii=False)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text + "\n")
    else:
        print(text)
    return 0 if ok else 1


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
    ap.add_argument(
        "--round",
        action="store_true",
        help="programmes and history: solve the round MIP with HiGHS (integrality) instead of the flow",
    )
    ap.add_argument("--check", metavar="PANELS", help="with --round: check this panels JSON rule by rule")
    args = ap.parse_args(argv)
    if args.round:
        return round_main(args)
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

#!/usr/bin/env python3
"""`panels` against an independent reading of SPEC.md's programmes and history.

The Rust tests compare the solver with a MIP and a brute force that share
panels' own eligibility code, so a misreading of SPEC would pass them. Here
the round is read again from SPEC.md alone (``reference.prepare_round``:
programme overrides, expert ``programmes``, programme ``max_load`` under the
round total, the history window, ``avoid_repeat``, ``repeat_penalty``,
``max_reviews_per_year``, ``max_consecutive_years``, ``max_declines``,
``min_rating``, names as offices type them) and solved as a MIP by HiGHS
(``reference.solve_round_mip``). For each round:

* ``panels solve`` and the reference agree on feasibility and on the optimum
  (1e-6 relative), and panels' panels pass the reference's rule check;
* ``panels verify`` passes them, and agrees with the reference (exit 1 iff
  the reference finds a violation) on hand-broken panels;
* ``panels history append`` refuses an existing (year, round) with exit 2
  and the file untouched, records the declines of replace logs, and what it
  writes loads as the next round's history table.

Rounds: many small random ones (``panels generate --years N --programmes M``
with random rule settings, programme overrides, expert programme lists and
extra records) and hand-crafted edge cases. CI runs a modest number of
random rounds; a longer sweep::

    python3 scripts/test_rounds.py --sweep 500 [--start 0]

The ``panels`` binary is ``$PANELS_BIN``, else ``target/ci/panels`` (what
``cargo test --profile ci`` builds), else ``target/release/panels``; the
tests fail (they do not skip) when none exists.
"""

from __future__ import annotations

import copy
import json
import os
import random
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import reference as ref  # noqa: E402

ROOT = HERE.parent
RANDOM_ROUNDS = int(os.environ.get("PANELS_ROUNDS", "40"))
#: Eligible pairs up to which `solve --method auto` takes the MIP with a
#: crossing rule (docs/algorithms.md).
CROSS_MIP_PAIRS = 2000
YEAR = 2026


def panels_bin() -> str:
    env = os.environ.get("PANELS_BIN")
    if env:
        return env
    for prof in ("ci", "release"):
        p = ROOT / "target" / prof / "panels"
        if p.exists():
            return str(p)
    raise AssertionError("no panels binary: build it (cargo build --profile ci) or set PANELS_BIN")


def run(*args, check_rc=None) -> subprocess.CompletedProcess:
    cp = subprocess.run([panels_bin(), "-q", *map(str, args)], capture_output=True, text=True, timeout=120)
    if check_rc is not None and cp.returncode != check_rc:
        raise AssertionError(f"panels {' '.join(map(str, args))}: exit {cp.returncode}, wanted {check_rc}\n{cp.stderr}")
    return cp


def write_json(path: Path, obj) -> Path:
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


# ---------------------------------------------------------------------------
# Random rounds
# ---------------------------------------------------------------------------


def _programme_override(rng: random.Random) -> dict:
    values = {
        "panel_size": lambda: rng.choice([1, 2, 3]),
        "min_outside_share": lambda: rng.choice([0.0, 0.5, 1.0]),
        "min_outside": lambda: rng.randint(0, 2),
        "max_per_city": lambda: rng.randint(1, 2),
        "max_per_institution": lambda: 1,
        "min_senior": lambda: rng.randint(0, 1),
        "cover_fields": lambda: rng.random() < 0.5,
        "min_affinity": lambda: rng.choice([0.0, 0.1, 0.3]),
        "max_load": lambda: rng.randint(1, 3),
    }
    keys = rng.sample(sorted(values), rng.randint(1, 3))
    return {key: values[key]() for key in keys}


def _spelling(rng: random.Random, name: str) -> str:
    """The same place as an office might type it."""
    return rng.choice(
        [
            name,
            name + " ",
            "\u3000" + name,
            name.upper(),
            name.lower(),
            name[:1] + "\u200b" + name[1:],
            "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in name),  # full-width
        ]
    )


def random_round(seed: int, tmp: Path, size: tuple[int, int] | None = None) -> dict:
    """A generated round with random programme and history rules: small,
    or `size` = (applications, experts) (about that many)."""
    rng = random.Random(seed)
    out = tmp / f"gen{seed}.json"
    n_a, n_e = size or (rng.randint(3, 9), rng.randint(8, 24))
    if size:
        n_a, n_e = rng.randint(n_a // 2, n_a), rng.randint(n_e // 2, n_e)
    run(
        "generate",
        "--preset",
        "tiny",
        "--seed",
        seed,
        "--applications",
        n_a,
        "--experts",
        n_e,
        "--panel-size",
        rng.choice([2, 3]),
        "--years",
        rng.choice([0, 1, 2, 3, 4]),
        "--programmes",
        rng.choice([0, 1, 2, 3]),
        "--out",
        out,
        check_rc=0,
    )
    b = json.loads(out.read_text(encoding="utf-8"))
    pol = b["policy"]
    pol["year"] = YEAR
    for key in ref.HISTORY_DEFAULTS:
        pol.pop(key, None)
    if rng.random() < 0.8:
        pol["history_years"] = rng.choice([0, 1, 2, 3, 5])
    pol["avoid_repeat"] = rng.choice(["off", "institution", "team", "both"])
    if rng.random() < 0.5:
        pol["repeat_penalty"] = rng.choice([0.05, 0.3, 1.5])
    if rng.random() < 0.5:
        pol["max_reviews_per_year"] = rng.randint(1, 6)
    if rng.random() < 0.4:
        pol["max_consecutive_years"] = rng.randint(1, 3)
    if rng.random() < 0.4:
        pol["max_declines"] = rng.randint(0, 2)
    if rng.random() < 0.4:
        pol["min_rating"] = rng.choice([2.5, 3.0, 3.5, 4.0])
    pol["max_load"] = rng.randint(2, 6)
    if rng.random() < 0.3:
        pol["max_per_institution"] = 1
    apps, experts = b["applications"], b["experts"]
    for a in apps:
        if a.get("programme") and rng.random() < 0.15:
            del a["programme"]  # an application without programme
        if rng.random() < 0.15:
            a["panel_size"] = rng.choice([1, 2, 3])
    names = sorted({a["programme"] for a in apps if a.get("programme")})
    pol["programmes"] = {n: _programme_override(rng) for n in names if rng.random() < 0.7}
    for e in experts:
        e.pop("programmes", None)
        if names and rng.random() < 0.3:
            e["programmes"] = rng.sample(names, rng.randint(1, len(names)))
    # Extra records: at the window's edges, after the round's year, every
    # outcome, ratings or none, places spelt as offices type them.
    hist = b.setdefault("history", [])
    hy = pol.get("history_years", 3)
    for _ in range(rng.randint(0, 12)):
        a = rng.choice(apps)
        rec = {
            "year": rng.choice([YEAR - hy - 1, YEAR - hy, YEAR - 1, YEAR, YEAR + 1, YEAR - 2]),
            "institution": _spelling(rng, a["institution"]),
            "expert": rng.choice(experts)["id"],
            "outcome": rng.choice(["reviewed", "reviewed", "late", "declined", "no_show"]),
        }
        if rng.random() < 0.5 and a.get("team"):
            rec["team"] = [rng.choice(a["team"])]
        if rng.random() < 0.5:
            rec["rating"] = rng.randint(1, 5)
        hist.append(rec)
    return b


# ---------------------------------------------------------------------------
# The same round as a CSV directory (SPEC "CSV directory", "History")
# ---------------------------------------------------------------------------

TABLES = {
    "experts": ["id", "name", "city", "institution", "fields", "keywords", "title", "max_load", "min_load",
                "available", "programmes"],
    "applications": ["id", "title", "city", "institution", "fields", "keywords", "panel_size", "team", "avoid",
                     "programme"],
    "conflicts": ["expert", "with", "reason"],
    "coauthorships": ["a", "b", "year"],
    "affinity": ["application", "expert", "score"],
    "history": ["year", "round", "programme", "application", "institution", "team", "expert", "outcome", "rating"],
}


def write_csv_dir(bundle: dict, d: Path) -> Path:
    """SPEC's CSV form of a bundle, written here (not by panels): `;` lists,
    empty cells for absent fields, `policy.json`."""
    import csv

    d.mkdir(parents=True, exist_ok=True)
    write_json(d / "policy.json", bundle["policy"])

    def cell(v):
        if v is None:
            return ""
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, list):
            return ";".join(map(str, v))
        return str(v)

    for table, cols in TABLES.items():
        rows = bundle.get(table)
        if rows is None or (not rows and table not in ("experts", "applications")):
            continue
        with open(d / f"{table}.csv", "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f)
            w.writerow(cols)
            for r in rows:
                w.writerow([cell(r.get(c)) for c in cols])
    return d


def read_history_csv(path: Path) -> list[dict]:
    """A history.csv as SPEC reads it: `;` lists, empty cells absent."""
    import csv

    out = []
    with open(path, encoding="utf-8-sig", newline="") as f:
        for row in csv.DictReader(f):
            rec = {k: v for k, v in row.items() if v != ""}
            rec["year"] = int(rec["year"])
            if "team" in rec:
                rec["team"] = rec["team"].split(";")
            if "rating" in rec:
                rec["rating"] = float(rec["rating"])
            out.append(rec)
    return out


def canonical(rec: dict) -> tuple:
    return tuple(
        (k, tuple(v) if isinstance(v, list) else v)
        for k, v in sorted(rec.items())
        if v not in (None, "", []) and not (k == "outcome" and v == "reviewed")
    )


# ---------------------------------------------------------------------------
# Comparison
# ---------------------------------------------------------------------------


def minimal_panels(panels: list[tuple[str, list[str]]], objective: float) -> dict:
    return {
        "status": "feasible",
        "objective": objective,
        "panels": [{"application": a, "experts": list(ex)} for a, ex in panels],
    }


def mutations(rng: random.Random, r: ref.Round, panels: list[tuple[str, list[str]]]):
    """Hand-broken (or merely changed) copies of a valid assignment."""
    out = []
    non_empty = [j for j, (_, ex) in enumerate(panels) if ex]
    if not non_empty:
        return out
    for _ in range(4):
        p = copy.deepcopy(panels)
        j = rng.choice(non_empty)
        kind = rng.choice(["swap", "swap", "swap", "drop", "dup", "move"])
        ex = p[j][1]
        if kind == "swap":
            ex[rng.randrange(len(ex))] = rng.choice(r.expert_ids)
        elif kind == "drop":
            ex.pop(rng.randrange(len(ex)))
        elif kind == "dup":
            ex.append(rng.choice(ex))
        else:  # one expert onto every panel: loads, programme caps, yearly caps
            e = rng.choice(r.expert_ids)
            for _, other in p:
                if other and e not in other:
                    other[0] = e
        out.append((kind, p))
    return out


class RoundCase:
    """Runs one round through panels and the reference; collects disagreements."""

    def __init__(self, bundle: dict, tmp: Path, name: str, seed: int = 0, csv: bool = True, lifecycle: bool = False):
        self.bundle, self.tmp, self.name, self.seed, self.csv = bundle, tmp, name, seed, csv
        self.lifecycle = lifecycle
        self.next_round: dict | None = None
        self.problems: list[str] = []

    def replace_draw_append(self, r: ref.Round, inst: Path, solved: Path, given, optimum: int) -> None:
        """A decline replaced, a draw, and the round appended to a history
        file (SPEC "History": `panels history append`)."""
        rng = random.Random(self.seed * 31 + 7)
        seats = [(a, e) for a, ex in given for e in ex]
        if not seats:
            return
        da, de = rng.choice(seats)
        fin, log = self.tmp / f"{self.name}.final.json", self.tmp / f"{self.name}.log.json"
        cp = run("replace", inst, solved, "--decline", f"{da}:{de}", "--out", fin, "--log", log)
        if cp.returncode not in (0, 3):
            self.fail(f"replace {da}:{de}: exit {cp.returncode}: {cp.stderr[-400:]}")
            return
        if cp.returncode == 3:
            fin, log, declined = solved, None, set()
        else:
            declined = {(da, de)}
            final = [(p["application"], p["experts"]) for p in json.loads(fin.read_text(encoding="utf-8"))["panels"]]
            bad, _ = ref.check_round(r, final)
            if bad or any(de in ex for a, ex in final if a == da):
                self.fail(f"replace's panels break the reference's rules or keep the decline: {bad[:3]}")
            if run("verify", inst, fin).returncode != 0:
                self.fail("verify rejects replace's panels")
        drawn, dlog = self.tmp / f"{self.name}.drawn.json", self.tmp / f"{self.name}.draw.json"
        cp = run("draw", inst, "--out", drawn, "--log", dlog)
        crossing = any(r.min_senior) or any(r.cover)
        if cp.returncode == 3 or (crossing and cp.returncode == 2):
            pass  # the probability cap starves a panel; a draw cannot hold crossing rules
        elif cp.returncode != 0:
            self.fail(f"draw: exit {cp.returncode}: {cp.stderr[-400:]}")
        else:
            got = json.loads(drawn.read_text(encoding="utf-8"))
            bad, total = ref.check_round(r, [(p["application"], p["experts"]) for p in got["panels"]])
            if bad or total > optimum or abs(got["objective"] - total / 1e6) > 1e-6 * max(1.0, abs(total / 1e6)):
                self.fail(f"draw: {bad[:3]}, objective {got['objective']}, reference {total / 1e6}, optimum {optimum / 1e6}")
        self.check_append(inst, fin, log, declined)

    def check_append(self, inst: Path, fin: Path, log: Path | None, declined: set) -> None:
        year = self.bundle["policy"]["year"]
        hist_json, hist_csv = self.tmp / f"{self.name}.hist.json", self.tmp / f"{self.name}.hist.csv"
        logs = ["--replace-log", log] if log else []
        for h in (hist_json, hist_csv):
            cp = run("history", "append", inst, fin, "--year", year, *logs, "--to", h)
            if cp.returncode != 0:
                self.fail(f"history append to {h.suffix}: exit {cp.returncode}: {cp.stderr[-300:]}")
                return
        recs = json.loads(hist_json.read_text(encoding="utf-8"))
        csv_recs = read_history_csv(hist_csv)
        if [canonical(x) for x in recs] != [canonical(x) for x in csv_recs]:
            self.fail("history append: the .csv and .json files hold different records")
        final = {(p["application"], e) for p in json.loads(fin.read_text(encoding="utf-8"))["panels"] for e in p["experts"]}
        apps = {a["id"]: a for a in self.bundle["applications"]}
        got_reviewed = {(x["application"], x["expert"]) for x in recs if x.get("outcome", "reviewed") == "reviewed"}
        got_declined = {(x["application"], x["expert"]) for x in recs if x.get("outcome") == "declined"}
        if got_reviewed != final or got_declined != declined or len(recs) != len(final) + len(declined):
            self.fail(f"history append: records {len(recs)}, final pairs {len(final)}, declines {declined} vs {got_declined}")
        for x in recs:
            a = apps[x["application"]]
            want = (year, a["institution"], sorted(a.get("team") or []), a.get("programme"))
            have = (x["year"], x["institution"], sorted(x.get("team") or []), x.get("programme"))
            if want != have or x.get("round"):
                self.fail(f"history append: record {x} does not carry the application's year, institution, team, programme")
                break
        # A (year, round) already in the file: exit 2, the file untouched.
        for h in (hist_json, hist_csv):
            before = h.read_bytes()
            cp = run("history", "append", inst, fin, "--year", year, "--to", h)
            if cp.returncode != 2 or h.read_bytes() != before:
                self.fail(f"history append twice to {h.suffix}: exit {cp.returncode}, file changed: {h.read_bytes() != before}")
        cp = run("history", "append", inst, fin, "--year", year, "--round", "autumn", "--to", hist_json)
        if cp.returncode != 0:
            self.fail(f"history append of a second round of the year: exit {cp.returncode}: {cp.stderr[-300:]}")
        # The next year's round with this history (and the CSV file panels
        # wrote as its history.csv).
        nxt = copy.deepcopy(self.bundle)
        nxt["policy"]["year"] = year + 1
        nxt["history"] = (nxt.get("history") or []) + recs
        self.next_round = nxt
        d = write_csv_dir({**nxt, "history": []}, self.tmp / f"{self.name}.next.csv")
        (d / "history.csv").write_bytes(hist_csv.read_bytes())
        try:
            r = ref.prepare_round({**nxt, "history": recs})
        except ref.BadInput as err:
            self.fail(f"reference: the appended history: {err}")
            return
        mip = ref.solve_round_mip(r)
        out = self.tmp / f"{self.name}.next.panels.json"
        cp = run("solve", d, "--out", out)
        want = 0 if mip["status"] == "optimal" else 3
        if cp.returncode != want:
            self.fail(f"next year from panels' history.csv: exit {cp.returncode}, reference {mip['status']}: {cp.stderr[-300:]}")
        elif want == 0:
            obj = json.loads(out.read_text(encoding="utf-8"))["objective"]
            if abs(obj - mip["objective_micro"] / 1e6) > 1e-6 * max(1.0, abs(obj)):
                self.fail(f"next year from panels' history.csv: objective {obj}, reference {mip['objective_micro'] / 1e6}")

    def fail(self, msg: str) -> None:
        self.problems.append(f"{self.name}: {msg}")

    def run(self) -> dict:
        inst = write_json(self.tmp / f"{self.name}.json", self.bundle)
        out = self.tmp / f"{self.name}.panels.json"
        try:
            r = ref.prepare_round(self.bundle)
        except ref.BadInput as err:
            cp = run("solve", inst, "--out", out)
            if cp.returncode != 2:
                self.fail(f"reference: bad input ({err}); panels solve exit {cp.returncode}")
            return {"outcome": "bad input"}
        mip = ref.solve_round_mip(r)
        cp = run("solve", inst, "--out", out)
        # Documented (docs/algorithms.md, "Crossing rules"): with min_senior or
        # cover_fields on more than CROSS_MIP_PAIRS eligible pairs, `auto`
        # takes the Lagrangian path: `feasible` with a bound, or exit 4 when
        # its repair finds nothing (which proves nothing).
        lagrange = (any(r.min_senior) or any(r.cover)) and len(r.weight) > CROSS_MIP_PAIRS
        if lagrange and cp.returncode == 4:
            return {"outcome": "lagrange found none"}
        if mip["status"] == "infeasible":
            if cp.returncode != 3:
                self.fail(f"reference: infeasible; panels solve exit {cp.returncode}: {cp.stderr[-400:]}")
            elif out.exists():
                self.fail("infeasible, yet panels wrote its output")
            return {"outcome": "infeasible"}
        if mip["status"] != "optimal":
            self.fail(f"reference MIP: {mip['status']}")
            return {"outcome": "reference failed"}
        if cp.returncode != 0:
            self.fail(f"reference optimum {mip['objective_micro'] / 1e6}; panels solve exit {cp.returncode}: {cp.stderr[-600:]}")
            return {"outcome": "disagree"}
        got = json.loads(out.read_text(encoding="utf-8"))
        best = mip["objective_micro"] / ref.SCORE_SCALE
        eps = 1e-6 * max(1.0, abs(best))
        given = [(p["application"], p["experts"]) for p in got["panels"]]
        named = [ref.norm_name(p.get("programme")) or None for p in got["panels"]]
        if named != r.programme:
            self.fail(f"outputs name the programmes {named}, the applications have {r.programme}")
        bad, total = ref.check_round(r, given)
        if bad:
            self.fail(f"panels' panels break the reference's rules: {bad[:5]}")
        if abs(got["objective"] - total / ref.SCORE_SCALE) > eps:
            self.fail(f"panels' objective {got['objective']}, its panels score {total / 1e6} by the reference")
        if lagrange and got["status"] == "feasible":
            # Not proven: the objective stays below the optimum, the bound above it.
            if got["objective"] > best + eps or got.get("bound") is None or got["bound"] < best - eps:
                self.fail(f"feasible: objective {got['objective']}, bound {got.get('bound')}, reference optimum {best}")
            return {"outcome": "lagrange feasible"}
        if got["status"] != "optimal":
            self.fail(f"panels status {got['status']} on a round the reference solves")
        if abs(got["objective"] - best) > eps:
            self.fail(f"objective: panels {got['objective']}, reference {best}")
        v = run("verify", inst, out)
        if v.returncode != 0:
            self.fail(f"verify rejects panels' own panels: {v.stdout[-400:]}")
        if self.csv:
            d = write_csv_dir(self.bundle, self.tmp / f"{self.name}.csv")
            cout = self.tmp / f"{self.name}.csv.panels.json"
            cp = run("solve", d, "--out", cout)
            if cp.returncode != 0:
                self.fail(f"the CSV form: panels solve exit {cp.returncode}: {cp.stderr[-400:]}")
            elif abs(json.loads(cout.read_text(encoding="utf-8"))["objective"] - best) > 1e-6 * max(1.0, abs(best)):
                self.fail("the CSV form solves to another optimum than the bundle")
            v = run("verify", d, out)
            if v.returncode != 0:
                self.fail(f"verify of the CSV form rejects the bundle's panels: {v.stdout[-400:]}")
        # Candidates with pricing: a few experts per application, the rest
        # priced in; the answer must still be the optimum over every pair.
        if not (any(r.min_senior) or any(r.cover)):
            n = 1 + self.seed % 4
            cout = self.tmp / f"{self.name}.cand.json"
            cp = run("solve", inst, "--out", cout, "--candidates", n)
            if cp.returncode != 0:
                self.fail(f"solve --candidates {n}: exit {cp.returncode}: {cp.stderr[-400:]}")
            else:
                c = json.loads(cout.read_text(encoding="utf-8"))
                if c["status"] != "optimal" or abs(c["objective"] - best) > 1e-6 * max(1.0, abs(best)):
                    self.fail(f"solve --candidates {n}: {c['status']} {c['objective']}, reference {best}")
                cbad, _ = ref.check_round(r, [(p["application"], p["experts"]) for p in c["panels"]])
                if cbad:
                    self.fail(f"solve --candidates {n}: panels break the reference's rules: {cbad[:3]}")
        if self.lifecycle:
            self.replace_draw_append(r, inst, out, given, mip["objective_micro"])
        rng = random.Random(self.seed * 7919 + 1)
        for kind, p in mutations(rng, r, given):
            bad, total = ref.check_round(r, p)
            mfile = write_json(self.tmp / f"{self.name}.mut.json", minimal_panels(p, total / ref.SCORE_SCALE))
            v = run("verify", inst, mfile)
            want = 1 if bad else 0
            if v.returncode != want:
                self.fail(
                    f"verify on a {kind} mutation: exit {v.returncode}, reference says "
                    f"{bad[:3] or 'no violation'}; verify: {(v.stdout + v.stderr)[-500:]}"
                )
        return {"outcome": "optimal", "objective": best, "pairs": len(r.weight)}


def run_random(seeds, tmp: Path, size: tuple[int, int] | None = None) -> tuple[list[str], dict]:
    problems, outcomes = [], {}
    for seed in seeds:
        case = RoundCase(random_round(seed, tmp, size), tmp, f"r{seed}", seed, csv=seed % 4 == 0, lifecycle=seed % 3 == 0)
        res = case.run()
        if case.next_round is not None:
            # The next year, with the appended history, as a round of its own.
            nxt = RoundCase(case.next_round, tmp, f"r{seed}next", seed + 1, csv=False)
            nxt.run()
            case.problems += nxt.problems
        outcomes[res["outcome"]] = outcomes.get(res["outcome"], 0) + 1
        problems += case.problems
    return problems, outcomes


class RandomRoundTests(unittest.TestCase):
    def test_random_rounds_agree_with_the_reference(self):
        with tempfile.TemporaryDirectory() as d:
            problems, outcomes = run_random(range(RANDOM_ROUNDS), Path(d))
        self.assertEqual(problems, [])
        # The sample must exercise both answers, not only one.
        self.assertGreaterEqual(outcomes.get("optimal", 0), RANDOM_ROUNDS // 2, outcomes)
        self.assertGreaterEqual(outcomes.get("infeasible", 0), 1, outcomes)


# ---------------------------------------------------------------------------
# Hand-crafted edge cases
# ---------------------------------------------------------------------------


def small_round(n_apps: int = 2, n_exp: int = 6, **policy) -> dict:
    """A round with distinct explicit scores (so the optimum is telling):
    experts alternate between Wuhan and Changsha, applications are in Wuhan."""
    experts = [
        {"id": f"E{i}", "city": ["Wuhan", "Changsha"][i % 2], "institution": f"Inst {i}", "title": "professor"}
        for i in range(1, n_exp + 1)
    ]
    apps = [
        {"id": f"A{j}", "city": "Wuhan", "institution": f"Univ {j}", "team": [f"P{j}"], "fields": ["F0301"]}
        for j in range(1, n_apps + 1)
    ]
    aff = [
        {"application": a["id"], "expert": e["id"], "score": round(0.9 - 0.1 * i + 0.01 * j, 2)}
        for j, a in enumerate(apps, 1)
        for i, e in enumerate(experts, 1)
    ]
    pol = {"panel_size": 2, "max_load": 6, "year": YEAR, "coauthor_hops": 0, **policy}
    return {"policy": pol, "experts": experts, "applications": apps, "affinity": aff, "history": []}


def rec(year: int, expert: str, institution: str = "Elsewhere", **kw) -> dict:
    return {"year": year, "expert": expert, "institution": institution, **kw}


class EdgeCaseTests(unittest.TestCase):
    """Each case pins the reference's reading of one sentence of SPEC, then
    requires panels to agree (optimum, rules, verify on the pair forced in)."""

    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory()
        self.tmp = Path(self._tmp.name)

    def tearDown(self):
        self._tmp.cleanup()

    def agree(self, bundle: dict, forced: list[tuple[str, str]] = ()) -> ref.Round:
        """panels and the reference agree on the round; each (app, expert) in
        ``forced`` is put on the optimal panel in place of its last member and
        ``verify`` must judge that as the reference does."""
        name = self.id().rsplit(".", 1)[-1]
        case = RoundCase(bundle, self.tmp, name)
        res = case.run()
        self.assertEqual(case.problems, [])
        self.assertEqual(res["outcome"], "optimal", res)
        r = ref.prepare_round(bundle)
        got = json.loads((self.tmp / f"{name}.panels.json").read_text(encoding="utf-8"))
        inst = self.tmp / f"{name}.json"
        for app, exp in forced:
            panels = [(p["application"], list(p["experts"])) for p in got["panels"]]
            for a, ex in panels:
                if a == app and exp not in ex:
                    ex[-1] = exp
            bad, total = ref.check_round(r, panels)
            f = write_json(self.tmp / "forced.json", minimal_panels(panels, total / ref.SCORE_SCALE))
            v = run("verify", inst, f)
            self.assertEqual(v.returncode, 1 if bad else 0, f"{app}/{exp}: reference {bad}; verify {v.stdout}")
        return r

    def eligible(self, r: ref.Round, app: str, exp: str) -> bool:
        return (r.app_ids.index(app), r.expert_ids.index(exp)) in r.weight

    def test_window_edges_and_records_after_the_year(self):
        # history_years 2: 2024..2026 count; 2023 and 2027 do not.
        b = small_round(avoid_repeat="institution", history_years=2, max_declines=0)
        b["history"] = [
            rec(YEAR - 2, "E1", "Univ 1"),  # exactly at the edge: counts
            rec(YEAR - 3, "E2", "Univ 1"),  # one year older: does not
            rec(YEAR + 1, "E3", "Univ 1"),  # after the round's year: does not
            rec(YEAR + 1, "E4", outcome="declined"),
            rec(YEAR - 3, "E5", outcome="no_show"),
            rec(YEAR - 2, "E6", outcome="declined"),  # at the edge: counts
        ]
        r = self.agree(b, forced=[("A1", "E1"), ("A1", "E2"), ("A1", "E6")])
        self.assertFalse(self.eligible(r, "A1", "E1"))
        self.assertTrue(self.eligible(r, "A1", "E2"))
        self.assertTrue(self.eligible(r, "A1", "E3"))
        self.assertTrue(self.eligible(r, "A2", "E4"))
        self.assertTrue(self.eligible(r, "A2", "E5"))
        self.assertFalse(self.eligible(r, "A2", "E6"))

    def test_history_years_zero_counts_only_the_rounds_year(self):
        b = small_round(avoid_repeat="both", history_years=0)
        b["history"] = [rec(YEAR, "E1", "Univ 1"), rec(YEAR - 1, "E2", "Univ 1")]
        r = self.agree(b, forced=[("A1", "E1")])
        self.assertFalse(self.eligible(r, "A1", "E1"))
        self.assertTrue(self.eligible(r, "A1", "E2"))

    def test_outcomes_declined_no_show_late(self):
        # late is served (a repeat); declined and no_show are not, but are declines.
        b = small_round(avoid_repeat="institution", max_declines=1, max_reviews_per_year=2)
        b["history"] = [
            rec(YEAR - 1, "E1", "Univ 1", outcome="late"),
            rec(YEAR - 1, "E2", "Univ 1", outcome="declined"),
            rec(YEAR - 1, "E3", "Univ 1", outcome="no_show"),
            rec(YEAR - 1, "E4", outcome="declined"),
            rec(YEAR - 2, "E4", outcome="no_show"),  # two: more than 1
            rec(YEAR, "E5", outcome="no_show"),  # counts against the yearly cap
            rec(YEAR, "E5", outcome="late"),
            rec(YEAR, "E6", outcome="declined"),  # does not
            rec(YEAR, "E6", outcome="declined"),
        ]
        r = self.agree(b, forced=[("A1", "E1"), ("A1", "E4"), ("A1", "E5"), ("A2", "E5")])
        self.assertFalse(self.eligible(r, "A1", "E1"))
        self.assertTrue(self.eligible(r, "A1", "E2"))
        self.assertTrue(self.eligible(r, "A1", "E3"))
        self.assertFalse(self.eligible(r, "A2", "E4"))
        i5, i6 = r.expert_ids.index("E5"), r.expert_ids.index("E6")
        self.assertEqual((r.cap[i5], r.cap[i6]), (0, 2))

    def test_yearly_cap_never_negative_and_floor_under_it(self):
        b = small_round(max_reviews_per_year=1, n_exp=6)
        b["experts"][0]["min_load"] = 1  # E1's floor, above what the cap leaves
        b["history"] = [rec(YEAR, "E1"), rec(YEAR, "E1"), rec(YEAR, "E1", outcome="no_show")]
        r = self.agree(b, forced=[("A1", "E1")])
        i1 = r.expert_ids.index("E1")
        self.assertEqual((r.cap[i1], r.min_load[i1]), (0, 0))

    def test_consecutive_years_ignore_the_window_and_need_every_year(self):
        b = small_round(max_consecutive_years=3, history_years=1)
        b["history"] = [
            rec(YEAR - 1, "E1"), rec(YEAR - 2, "E1", outcome="late"), rec(YEAR - 3, "E1"),  # rests
            rec(YEAR - 1, "E2"), rec(YEAR - 3, "E2"), rec(YEAR - 4, "E2"),  # a gap year
            rec(YEAR - 1, "E3"), rec(YEAR - 2, "E3", outcome="declined"), rec(YEAR - 3, "E3"),
            rec(YEAR, "E4"), rec(YEAR - 1, "E4"), rec(YEAR - 2, "E4"),  # this year is not before it
        ]
        r = self.agree(b, forced=[("A1", "E1"), ("A1", "E2")])
        self.assertFalse(self.eligible(r, "A1", "E1"))
        for e in ("E2", "E3", "E4"):
            self.assertTrue(self.eligible(r, "A1", e), e)

    def test_min_rating_mean_over_rated_counting_records(self):
        b = small_round(min_rating=3, history_years=2)
        b["history"] = [
            rec(YEAR - 1, "E1", rating=2), rec(YEAR - 1, "E1", rating=4),  # mean 3: not below
            rec(YEAR - 1, "E2", rating=2), rec(YEAR - 1, "E2", rating=3), rec(YEAR - 1, "E2"),  # 2.5
            rec(YEAR - 5, "E3", rating=1), rec(YEAR - 1, "E3"),  # unrated in the window
            rec(YEAR - 1, "E4", rating=2, outcome="declined"),  # a rating on any outcome
        ]
        r = self.agree(b, forced=[("A1", "E2"), ("A1", "E4")])
        self.assertTrue(self.eligible(r, "A1", "E1"))
        self.assertFalse(self.eligible(r, "A1", "E2"))
        self.assertTrue(self.eligible(r, "A1", "E3"))
        self.assertFalse(self.eligible(r, "A1", "E4"))

    def test_penalty_after_min_affinity_once_per_pair(self):
        b = small_round(avoid_repeat="both", repeat_penalty=0.5, min_affinity=0.55)
        b["history"] = [rec(YEAR - 1, "E2", "Univ 1", team=["P1"])]  # both kinds of repeat
        r = self.agree(b, forced=[("A1", "E2")])
        j, i = r.app_ids.index("A1"), r.expert_ids.index("E2")
        self.assertEqual(r.score[j, i] - r.weight[j, i], 500_000)

    def test_penalty_needs_avoid_repeat_and_zero_is_no_penalty(self):
        b = small_round(avoid_repeat="off", repeat_penalty=0.5)
        b["history"] = [rec(YEAR - 1, "E1", "Univ 1")]
        r = self.agree(b)
        j, i = r.app_ids.index("A1"), r.expert_ids.index("E1")
        self.assertEqual(r.score[j, i], r.weight[j, i])
        # SPEC: "if set (> 0)": a penalty of 0 is not set, the repeat is excluded.
        b["policy"].update(avoid_repeat="institution", repeat_penalty=0)
        r = self.agree(b, forced=[("A1", "E1")])
        self.assertFalse(self.eligible(r, "A1", "E1"))

    def test_team_repeat_and_names_as_offices_type_them(self):
        b = small_round(avoid_repeat="both")
        b["history"] = [
            rec(YEAR - 1, " E1", "ＵＮＩＶ\u30001 "),  # full-width, ideographic space, trailing
            rec(YEAR - 1, "E3", "univ  1"),  # letter case, double space
            rec(YEAR - 1, "E5", "Univ\u200b 2"),  # zero-width
            rec(YEAR - 1, "E2", "Nowhere", team=["P2 "]),
        ]
        r = self.agree(b, forced=[("A1", "E1"), ("A2", "E2")])
        for app, exp in (("A1", "E1"), ("A1", "E3"), ("A2", "E5"), ("A2", "E2")):
            self.assertFalse(self.eligible(r, app, exp), (app, exp))
        self.assertTrue(self.eligible(r, "A1", "E2"))

    def test_programme_max_load_equal_to_round_total(self):
        b = small_round(n_apps=4, n_exp=4, max_load=2)
        for a in b["applications"][:3]:
            a["programme"] = "人才计划"
        b["policy"]["programmes"] = {"人才计划": {"max_load": 2, "panel_size": 1}}
        r = self.agree(b)
        self.assertEqual(r.prog_cap, {"人才计划": 2})
        b["policy"]["programmes"]["人才计划"]["max_load"] = 1
        self.agree(b)

    def test_expert_programmes_and_an_application_without_one(self):
        b = small_round(n_apps=3)
        b["applications"][0]["programme"] = "科技进步奖 "
        b["applications"][1]["programme"] = "人才计划"
        b["experts"][0]["programmes"] = ["人才计划"]
        b["experts"][1]["programmes"] = ["科技进步奖", "人才计划"]
        b["policy"]["programmes"] = {"科技进步奖": {"min_outside": 2}, "人才计划": {"panel_size": 3}}
        r = self.agree(b, forced=[("A1", "E1"), ("A3", "E1")])
        self.assertFalse(self.eligible(r, "A1", "E1"))
        self.assertTrue(self.eligible(r, "A1", "E2"))
        self.assertTrue(self.eligible(r, "A2", "E1"))
        self.assertTrue(self.eligible(r, "A3", "E1"))  # no programme: anyone
        self.assertEqual(r.k, [2, 3, 2])
        self.assertEqual(r.q, [2, 0, 0])

    def test_precedence_application_programme_round(self):
        b = small_round(n_apps=2, min_affinity=0.0)
        b["applications"][0].update(programme="P", panel_size=1)
        b["policy"]["programmes"] = {"P": {"panel_size": 3, "min_affinity": 0.75}}
        r = self.agree(b)
        self.assertEqual(r.k, [1, 2])
        self.assertFalse(self.eligible(r, "A1", "E2"))  # 0.71 < the programme's 0.75
        self.assertTrue(self.eligible(r, "A2", "E2"))

    def test_refusals(self):
        cases = []
        b = small_round()
        b["applications"][0]["programme"] = "P"
        b["policy"]["programmes"] = {"Q": {"panel_size": 1}}  # no application names Q
        cases.append(b)
        b = small_round(max_declines=0)
        del b["policy"]["year"]
        b["history"] = [rec(YEAR - 1, "E1")]
        cases.append(b)
        for n, b in enumerate(cases):
            with self.assertRaises(ref.BadInput):
                ref.prepare_round(b)
            inst = write_json(self.tmp / f"bad{n}.json", b)
            out = self.tmp / f"bad{n}.panels.json"
            cp = run("solve", inst, "--out", out)
            self.assertEqual(cp.returncode, 2, cp.stderr)
            self.assertFalse(out.exists())
        # A history table without any rule needs no year.
        b = small_round()
        del b["policy"]["year"]
        b["history"] = [rec(YEAR - 1, "E1")]
        self.agree(b)


class HistoryAppendTests(unittest.TestCase):
    """`panels history append` against SPEC: one record per final pair,
    the declines of replace logs recorded, a (year, round) already in the
    file refused (exit 2, the file untouched), and the file loads as the
    next round's history."""

    def test_declines_withdrawals_and_rounds_of_a_year(self):
        with tempfile.TemporaryDirectory() as d:
            tmp = Path(d)
            gen = tmp / "g.json"
            run("generate", "--preset", "tiny", "--seed", 5, "--applications", 6, "--experts", 15,
                "--years", 3, "--programmes", 2, "--out", gen, check_rc=0)
            b = json.loads(gen.read_text(encoding="utf-8"))
            case = RoundCase(b, tmp, "round", 5, csv=False, lifecycle=True)
            self.assertEqual(case.run()["outcome"], "optimal")
            self.assertEqual(case.problems, [])
            solved = tmp / "round.panels.json"
            panels = [(p["application"], p["experts"]) for p in json.loads(solved.read_text(encoding="utf-8"))["panels"]]
            # A decline, then an expert who withdraws from every panel.
            (a0, ex0), busy = panels[0], {}
            for a, ex in panels:
                for e in ex:
                    busy.setdefault(e, []).append(a)
            withdrawn = next(e for e, apps in sorted(busy.items()) if len(apps) >= 2 and e != ex0[0])
            fin1, log1 = tmp / "f1.json", tmp / "l1.json"
            fin2, log2 = tmp / "f2.json", tmp / "l2.json"
            run("replace", case.tmp / "round.json", solved, "--decline", f"{a0}:{ex0[0]}",
                "--allow-moves", "--out", fin1, "--log", log1, check_rc=0)
            run("replace", case.tmp / "round.json", fin1, "--decline", withdrawn,
                "--allow-moves", "--out", fin2, "--log", log2, check_rc=0)
            declined = {(a0, ex0[0])} | {(a, withdrawn) for a in busy[withdrawn]}
            h = tmp / "h.json"
            run("history", "append", case.tmp / "round.json", fin2, "--year", YEAR,
                "--replace-log", log1, log2, "--to", h, check_rc=0)
            recs = json.loads(h.read_text(encoding="utf-8"))
            self.assertEqual({(x["application"], x["expert"]) for x in recs if x["outcome"] == "declined"}, declined)
            # (year, round) pairs: a labelled round and the unlabelled one are different rounds.
            h2 = tmp / "h2.json"
            base = ["history", "append", case.tmp / "round.json", fin2, "--year", YEAR]
            run(*base, "--round", "spring", "--to", h2, check_rc=0)
            run(*base, "--to", h2, check_rc=0)
            before = h2.read_bytes()
            for extra in (["--round", "spring"], ["--round", " spring "], []):
                self.assertEqual(run(*base, *extra, "--to", h2).returncode, 2, extra)
                self.assertEqual(h2.read_bytes(), before)
            # The appended file is the next round's history, read the same by both.
            nxt = copy.deepcopy(b)
            nxt["policy"]["year"] = YEAR + 1
            nxt["history"] = b.get("history", []) + json.loads(h2.read_text(encoding="utf-8"))
            nxt_case = RoundCase(nxt, tmp, "next", 6, csv=True)
            nxt_case.run()
            self.assertEqual(nxt_case.problems, [])


def main(argv: list[str]) -> int:
    import argparse

    ap = argparse.ArgumentParser(description="sweep random rounds against the reference")
    ap.add_argument("--sweep", type=int, required=True, help="number of random rounds")
    ap.add_argument("--start", type=int, default=0, help="first seed")
    ap.add_argument("--size", help="APPLICATIONS,EXPERTS: larger rounds (about that many) instead of tiny ones")
    args = ap.parse_args(argv)
    size = tuple(int(x) for x in args.size.split(",")) if args.size else None
    with tempfile.TemporaryDirectory() as d:
        problems, outcomes = run_random(range(args.start, args.start + args.sweep), Path(d), size)
    print(json.dumps(outcomes))
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    if "--sweep" in sys.argv[1:]:
        sys.exit(main(sys.argv[1:]))
    unittest.main()

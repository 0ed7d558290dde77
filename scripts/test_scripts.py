#!/usr/bin/env python3
"""Tests of the benchmark scripts (stdlib unittest; needs numpy, ortools, highspy).

Run:  python3 -m unittest discover -s scripts -p 'test_*.py' -v

* computed scores and rounding mirror crates/core/src/score.rs and crates/core/src/model.rs;
* each eligibility rule of SPEC.md removes exactly the pairs it should;
* on tiny random instances, OR-Tools and both HiGHS LPs equal a brute force
  over all panel choices (optimum and infeasibility), and their assignments
  pass the independent rule check;
* gen_dense.py is deterministic; bench.py runs end to end against a stand-in
  ``panels`` binary and reports equal objectives.
"""

from __future__ import annotations

import csv
import itertools
import json
import os
import random
import subprocess
import sys
import tempfile
import textwrap
import unittest
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import gen_dense  # noqa: E402
import bench_scale  # noqa: E402
import reference as ref  # noqa: E402


def expert(i, city="X", inst=None, **kw):
    return {"id": f"E{i}", "city": city, "institution": inst or f"I{i}", **kw}


def app(j, city="X", inst=None, **kw):
    return {"id": f"A{j}", "city": city, "institution": inst or f"J{j}", **kw}


def pairs_of(bundle):
    p = ref.prepare(bundle)
    return {(p.app_ids[a], p.expert_ids[e]) for a, e in zip(p.pair_app.tolist(), p.pair_exp.tolist())}


class ScoreTests(unittest.TestCase):
    def score(self, af, ak, ef, ek):
        return int(ref.computed_scores([{"fields": af, "keywords": ak}], [{"fields": ef, "keywords": ek}])[0, 0])

    def test_exact_field_and_all_keywords_score_one(self):
        self.assertEqual(self.score(["F0301"], ["optics"], ["F0301"], ["Optics"]), 1_000_000)

    def test_same_prefix_is_half(self):
        self.assertEqual(self.score(["F0301"], [], ["F0302"], []), 350_000)

    def test_fields_average_and_keywords_add(self):
        self.assertEqual(
            self.score(["F0301", "F0501"], ["a", "b", "c", "d"], ["F0301"], ["b"]),
            ref.to_micro(0.7 * 0.5 + 0.3 * 0.25),
        )

    def test_unrelated_is_zero_and_short_codes(self):
        self.assertEqual(self.score(["F0301"], ["x"], ["G1"], ["y"]), 0)
        self.assertEqual(self.score(["F03"], [], ["F03X"], []), 350_000)  # "F03" is its own prefix
        self.assertEqual(ref.discipline_prefix("物理学一"), "物理学")
        self.assertEqual(ref.discipline_prefix("F0"), "")

    def test_keywords_fold_ascii_only(self):
        self.assertEqual(self.score([], ["ÉTÉ"], [], ["été"]), 0)
        self.assertEqual(self.score([], ["Laser"], [], ["LASER"]), 300_000)

    def test_rounding_is_half_away_from_zero(self):
        self.assertEqual(ref.round_half_away(np.array([0.5, 1.5, 2.5, -0.5, -2.5])).tolist(), [1, 2, 3, -1, -3])
        self.assertEqual(ref.to_micro(0.0000005), 1)
        self.assertIsNone(ref.to_micro(1000.5))


class EligibilityTests(unittest.TestCase):
    def base(self, **extra):
        b = {
            "policy": {"panel_size": 1},
            "experts": [expert(0), expert(1), expert(2, inst="J0"), expert(3, available=False)],
            "applications": [app(0, team=["P9"]), app(1)],
        }
        b.update(extra)
        return b

    def test_unavailable_and_same_institution(self):
        got = pairs_of(self.base())
        self.assertNotIn(("A0", "E3"), got)
        self.assertNotIn(("A0", "E2"), got)
        self.assertIn(("A1", "E2"), got)
        b = self.base()
        b["policy"]["avoid_same_institution"] = False
        self.assertIn(("A0", "E2"), pairs_of(b))

    def test_team_avoid_and_declared(self):
        b = self.base(conflicts=[{"expert": "E1", "with": "A1"}, {"expert": "E0", "with": "P9"}])
        b["applications"][1]["team"] = ["E2"]
        b["applications"][1]["avoid"] = ["E0"]
        got = pairs_of(b)
        self.assertEqual({e for a, e in got if a == "A1"}, set())  # E2 team, E0 avoid, E1 declared
        self.assertNotIn(("A0", "E0"), got)  # conflict with team member P9
        self.assertIn(("A0", "E1"), got)

    def test_coauthors_hops_and_year_window(self):
        links = [{"a": "P9", "b": "E0", "year": 2010}, {"a": "E0", "b": "E1"}, {"a": "P9", "b": "P8", "year": 2024},
                 {"a": "P8", "b": "E2"}]
        b = self.base(coauthorships=links)
        b["policy"]["avoid_same_institution"] = False
        self.assertEqual({e for a, e in pairs_of(b) if a == "A0"}, {"E1", "E2"})  # 1 hop: E0 only
        b["policy"]["coauthor_hops"] = 2
        self.assertEqual({e for a, e in pairs_of(b) if a == "A0"}, set())
        b["policy"].update({"year": 2025, "coauthor_years": 5})  # the 2010 link no longer counts
        self.assertEqual({e for a, e in pairs_of(b) if a == "A0"}, {"E0", "E1"})
        b["policy"]["coauthor_hops"] = 0
        self.assertEqual({e for a, e in pairs_of(b) if a == "A0"}, {"E0", "E1", "E2"})

    def test_affinity_default_and_min_affinity(self):
        b = self.base(affinity=[{"application": "A1", "expert": "E0", "score": 0.9}])
        b["policy"].update({"default_affinity": 0.2, "min_affinity": 0.5})
        self.assertEqual(pairs_of(b), {("A1", "E0")})
        b["policy"]["min_affinity"] = 0.2
        p = ref.prepare(b)
        self.assertEqual(sorted(p.pair_score.tolist()), [200_000] * 4 + [900_000])


def random_tiny(rng: random.Random) -> dict:
    """A tiny random instance exercising every network level."""
    n_e, n_a = rng.randint(3, 7), rng.randint(1, 3)
    cities, insts = ["X", "Y", "Z"][: rng.randint(1, 3)], ["I0", "I1", "I2", "I3"]
    pol = {"panel_size": rng.randint(1, 3), "max_load": rng.randint(1, 3), "min_outside": rng.randint(0, 2)}
    if rng.random() < 0.5:
        pol["max_per_city"] = rng.randint(1, 2)
    if rng.random() < 0.5:
        pol["max_per_institution"] = rng.randint(1, 2)
    if rng.random() < 0.3:
        pol["min_outside_share"] = rng.choice([0.34, 0.5, 0.67])
    experts = []
    # Institutions belong to one city (the network nests them; see
    # test_institution_spanning_cities_is_flagged for the other case).
    for i in range(n_e):
        c = rng.choice(cities)
        e = expert(i, c, c + rng.choice(insts))
        if rng.random() < 0.2:
            e["min_load"] = 1
        experts.append(e)
    apps = []
    for j in range(n_a):
        c = rng.choice(cities)
        apps.append(app(j, c, c + rng.choice(insts)))
    aff = [{"application": a["id"], "expert": e["id"], "score": round(rng.random(), 3)}
           for a in apps for e in experts if rng.random() < 0.9]
    return {"policy": pol, "experts": experts, "applications": apps, "affinity": aff}


def brute_force(p: ref.Prepared) -> int | None:
    """Best total (millionths) over all assignments obeying the rules, or None."""
    n_a = len(p.app_ids)
    options = []
    for a in range(n_a):
        idx = np.nonzero(p.pair_app == a)[0].tolist()
        opts = []
        for combo in itertools.combinations(idx, int(p.k[a])):
            es = p.pair_exp[list(combo)]
            cities = p.exp_city[es].tolist()
            insts = p.exp_inst[es].tolist()
            if sum(c != p.app_city[a] for c in cities) < p.q[a]:
                continue
            if p.max_per_city is not None and max([cities.count(c) for c in cities] or [0]) > p.max_per_city:
                continue
            if p.max_per_institution is not None and max(
                [insts.count(i) for i in insts] or [0]
            ) > p.max_per_institution:
                continue
            opts.append((es.tolist(), int(p.pair_score[list(combo)].sum())))
        options.append(opts)
    best = None
    for choice in itertools.product(*options):
        load = np.zeros(len(p.expert_ids), dtype=int)
        for es, _ in choice:
            load[es] += 1
        if np.all(load <= p.max_load) and np.all(load >= p.min_load):
            total = sum(s for _, s in choice)
            best = total if best is None or total > best else best
    return best


class SolverTests(unittest.TestCase):
    def test_flow_and_lps_equal_brute_force(self):
        rng = random.Random(20240601)
        seen = {"optimal": 0, "infeasible": 0}
        for case in range(120):
            b = random_tiny(rng)
            p = ref.prepare(b)
            net = ref.build_network(p)
            want = brute_force(p)
            results = [ref.solve_ortools(net, 1)] + [
                ref.solve_highs(net, p, 1, model, 60, "choose") for model in ("flow", "assignment")
            ]
            for r in results:
                with self.subTest(case=case, solver=r.get("model", "ortools"), bundle=json.dumps(b)):
                    if want is None:
                        self.assertEqual(r["status"], "infeasible")
                    else:
                        self.assertEqual(r["status"], "optimal")
                        self.assertEqual(r["objective_micro"], want)
                        self.assertEqual(ref.check_assignment(p, r["_pair_flow"]), [])
            seen["infeasible" if want is None else "optimal"] += 1
        # The generator must produce both kinds, or the test proves little.
        self.assertGreater(seen["optimal"], 20)
        self.assertGreater(seen["infeasible"], 5)

    def test_institution_spanning_cities_is_flagged(self):
        # I3 has experts in Y and X: the nested network caps (city, I3), so it
        # may put two I3 experts on a panel; the report must say so.
        b = {"policy": {"panel_size": 2, "max_load": 3, "min_outside": 1, "max_per_institution": 1},
             "experts": [expert(0, "Y", "I1"), expert(1, "Y", "I3"), expert(2, "X", "I3")],
             "applications": [app(0, "Y", "I2")],
             "affinity": [{"application": "A0", "expert": "E0", "score": 0.1},
                          {"application": "A0", "expert": "E1", "score": 0.9},
                          {"application": "A0", "expert": "E2", "score": 0.9}]}
        p = ref.prepare(b)
        self.assertTrue(any("more than one city" in w for w in p.warnings))
        r = ref.solve_ortools(ref.build_network(p), 1)
        self.assertEqual(r["objective_micro"], 1_800_000)  # relaxation: E1 + E2
        self.assertEqual(brute_force(p), 1_000_000)  # true optimum: E0 + one of them
        self.assertTrue(any("one institution" in v for v in ref.check_assignment(p, r["_pair_flow"])))

    def test_checker_catches_broken_assignment(self):
        b = {"policy": {"panel_size": 2, "min_outside": 1, "max_load": 1},
             "experts": [expert(0, "X"), expert(1, "Y"), expert(2, "X")],
             "applications": [app(0, "X")]}
        p = ref.prepare(b)
        flow = np.zeros(len(p.pair_app), dtype=int)
        flow[[0, 2]] = 1  # E0 and E2, both home
        self.assertTrue(any("outside" in v for v in ref.check_assignment(p, flow)))
        flow[:] = 0
        self.assertTrue(any("needs 2" in v for v in ref.check_assignment(p, flow)))


class GeneratorAndBenchTests(unittest.TestCase):
    def test_gen_dense_is_deterministic_and_loads(self):
        with tempfile.TemporaryDirectory() as d:
            outs = []
            for name in ("a", "b"):
                f = os.path.join(d, name + ".json")
                gen_dense.main(["--apps", "20", "--experts", "30", "--seed", "5", "--out", f])
                outs.append(Path(f).read_bytes())
            self.assertEqual(outs[0], outs[1])
            bundle = json.loads(outs[0])
            self.assertEqual(len(bundle["affinity"]), 600)
            rep = ref.run(os.path.join(d, "a.json"), ["ortools", "highs"])
            self.assertTrue(rep["objectives_agree"] and rep["valid"])
            self.assertEqual(rep["solvers"]["ortools"]["status"], "optimal")

    def test_cachegrind_counts_leave_sha256_out(self):
        with tempfile.TemporaryDirectory() as d:
            out = Path(d) / "cachegrind.out"
            out.write_text(textwrap.dedent("""\
                desc: --cache-sim=no
                cmd: panels solve r.json
                events: Ir
                fl=src/main.rs
                fn=panels::main
                10 1000
                11 500
                fl=sha2/src/sha256/soft/unroll.rs
                fn=sha2::sha256::soft::unroll::compress
                3 7000
                fl=src/lib.rs
                fn=panels_flow::simplex::Simplex::pivot
                40 250
                summary: 8750
                """))
            self.assertEqual(bench_scale.cachegrind_instructions(out), (8750, 1750))

    def test_phase_lines_with_and_without_a_peak(self):
        err = "\n".join([
            "loaded 3 application(s)",
            "phase load 0.250s (peak 12 MiB): 100 bytes",
            "phase eligibility 0.010s",
            "phase solve.1 1.500s (peak 3612 MiB): 20 arcs, 7 pivots",
            "phase total 2.000s (peak 3612 MiB)",
        ])
        self.assertEqual(bench_scale.profile_of(err), [
            {"name": "load", "seconds": 0.25, "detail": "100 bytes", "peak_mib": 12},
            {"name": "eligibility", "seconds": 0.01, "detail": ""},
            {"name": "solve.1", "seconds": 1.5, "detail": "20 arcs, 7 pivots", "peak_mib": 3612},
            {"name": "total", "seconds": 2.0, "detail": "", "peak_mib": 3612},
        ])

    def test_bench_end_to_end_with_stand_in_panels(self):
        with tempfile.TemporaryDirectory() as d:
            inst = os.path.join(d, "small.json")
            gen_dense.main(["--apps", "30", "--experts", "45", "--seed", "3", "--scores", "computed", "--out", inst])
            fake = Path(d) / "panels"
            fake.write_text(textwrap.dedent(f"""\
                #!{sys.executable}
                # Stand-in for `panels solve INSTANCE --out FILE`: solves with reference.py.
                import sys
                sys.path.insert(0, {str(HERE)!r})
                import reference
                assert sys.argv[1] == "solve" and sys.argv[3] == "--out"
                reference.run(sys.argv[2], ["ortools"], panels_out=sys.argv[4])
                """))
            fake.chmod(0o755)
            res = Path(d) / "results"
            r = subprocess.run(
                [sys.executable, str(HERE / "bench.py"), "--instance", inst, "--repeat", "2",
                 "--panels-bin", str(fake), "--results-dir", str(res), "--work-dir", d],
                capture_output=True, text=True, timeout=300,
            )
            self.assertEqual(r.returncode, 0, r.stderr)
            row = [ln for ln in r.stdout.splitlines() if ln.startswith("| small.json")]
            self.assertEqual(len(row), 1, r.stdout)
            cells = [c.strip() for c in row[0].strip("|").split("|")]
            self.assertEqual(cells[6], "yes")
            self.assertTrue(cells[7].endswith("MiB"), cells)
            float(cells[1]), float(cells[2]), float(cells[3]), float(cells[4])
            with open(next(res.glob("bench-*.csv")), newline="") as f:
                solvers = [row["solver"] for row in csv.DictReader(f)]
            self.assertEqual(solvers.count("panels"), 2)
            self.assertEqual(solvers.count("ortools"), 2)


if __name__ == "__main__":
    unittest.main()

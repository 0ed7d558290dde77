//! The scalable route for crossing rules: a Lagrangian relaxation on top of
//! the exact flow, with a repair step (docs/algorithms.md, "Crossing rules").
//!
//! # The relaxation
//!
//! The crossing rows that are linear in the pairs are moved into the
//! objective with multipliers ≥ 0 (in millionths, like scores):
//!
//! | row | multiplier | added to the weight of pair (a, e) |
//! |---|---|---|
//! | `Σ_{e senior} x[a,e] ≥ min_senior` | `λ_a` | `λ_a` if e is senior |
//! | `Σ_{e lists f} x[a,e] ≥ 1` | `μ_{a,f}` | `μ_{a,f}` for each field f of a that e lists |
//! | `Σ_{a in scope t} Σ_{e outside} x[a,e] ≥ need_t` | `ν_t` | `ν_t` if e is outside a's city and a is in t's scope |
//!
//! For fixed multipliers the rest is the flow of [`super::network`] with
//! these weights (and the city bonus), solved exactly, so
//!
//! ```text
//! L(λ, μ, ν) = flow optimum − Σ λ_a·min_senior − Σ μ_{a,f} − Σ ν_t·need_t
//! ```
//!
//! is an upper bound on the best assignment obeying every rule (weak
//! duality: a feasible assignment gains ≥ 0 from every priced row). The
//! co-panel rule is quadratic in the pairs and is **not** priced; dropping
//! it only relaxes further, so `L` stays a bound, and the repair step
//! enforces it. The multipliers move by projected subgradient steps with
//! the Polyak step length `θ·(L − best)/‖g‖²`, θ halved when `L` has not
//! improved for a few iterations. The reported bound is the least `L`
//! seen; iteration 0 (all multipliers 0) is the plain flow optimum.
//!
//! # The repair
//!
//! [`repair`] turns the panels of a flow solution (which obey every flow
//! rule: outside city, per-city and per-institution caps, loads) into an
//! assignment that obeys the crossing rules as well, by swaps
//! `(a: out → in)` that keep every flow rule. The violation
//! `V = Σ senior deficits + uncovered fields + round-target deficits +
//! co-panel excesses` must strictly fall with each swap; among those the
//! swap losing least objective is taken. Passes repeat until `V = 0` or
//! no swap helps; then [`polish`] takes swaps that keep `V = 0` and gain
//! objective. The repair can fail (it is a heuristic): the caller then
//! reports that no assignment was found, never a wrong one.
//!
//! # Honesty
//!
//! Status is `optimal` only when the best repaired objective equals the
//! bound; otherwise `feasible`, with the bound and the gap.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use super::network::{self, check_laminar};
use super::{explain, SolveError};
use crate::eligibility::EligiblePairs;
use crate::flow::{self, FlowError};
use crate::model::{AppIx, CityIx, ExpertIx, Instance};

/// How the Lagrangian path runs.
#[derive(Clone, Debug, PartialEq)]
pub struct LagrangeOptions {
    /// Most subgradient iterations (each one flow solve and one repair).
    pub max_iterations: usize,
    /// Wall-clock budget; the loop stops after the iteration that crosses it.
    pub time_limit: Option<Duration>,
}

impl Default for LagrangeOptions {
    fn default() -> Self {
        LagrangeOptions {
            max_iterations: 30,
            time_limit: None,
        }
    }
}

/// The outcome of the Lagrangian path.
#[derive(Clone, Debug, PartialEq)]
pub struct LagrangeSolution {
    /// Per [`AppIx`], the experts sorted by index; obeys every rule.
    pub panels: Vec<Vec<ExpertIx>>,
    /// Objective of `panels` in millionths (scores plus city bonus).
    pub objective_micro: i64,
    /// The least Lagrangian bound seen, in millionths (≥ every feasible
    /// objective).
    pub bound_micro: i64,
    /// The plain flow optimum (iteration 0), in millionths: the bound
    /// without the priced rows.
    pub flow_bound_micro: i64,
    /// Iterations run.
    pub iterations: usize,
    /// Per iteration: the Lagrangian value `L`, the violated priced rows of
    /// the flow answer, and the best repaired objective so far (millionths).
    pub history: Vec<(i64, usize, Option<i64>)>,
}

/// The Lagrangian relaxation with repair. See the module docs.
///
/// # Errors
/// [`SolveError::Infeasible`] when the flow rules alone cannot be met
/// (explained from the min cut, as in the flow path);
/// [`SolveError::NotLaminar`] when the institution rule does not nest;
/// [`SolveError::NotFound`] when no repaired assignment obeys every rule.
pub fn solve_lagrange(
    inst: &Instance,
    pairs: &EligiblePairs,
    opts: &LagrangeOptions,
) -> Result<LagrangeSolution, SolveError> {
    check_laminar(inst).map_err(SolveError::NotLaminar)?;
    let started = Instant::now();
    let rows = Rows::new(inst, pairs);
    let mut mult = vec![0i64; rows.len()];
    let bonus = inst.policy.bonus_micro();
    let bonus_const = bonus * inst.app_ixs().filter(|&a| inst.panel_size(a) > 0).count() as i64;

    let mut best: Option<(i64, Vec<Vec<ExpertIx>>)> = None;
    let mut bound = i64::MAX;
    let mut flow_bound = i64::MAX;
    let mut theta = 1.0f64;
    let mut since_improved = 0usize;
    let mut iterations = 0usize;
    let mut weights = vec![0i64; pairs.len()];
    let mut history = Vec::new();
    for it in 0..opts.max_iterations.max(1) {
        iterations = it + 1;
        rows.weights(pairs, &mult, &mut weights);
        let enc = network::encode_with(inst, pairs, &weights, bonus);
        let sol = match enc.net.solve() {
            Ok(sol) => sol,
            Err(FlowError::Infeasible(cut)) => {
                return Err(SolveError::Infeasible(explain::from_cut(inst, &enc, &cut)))
            }
            Err(e) => return Err(SolveError::Flow(e)),
        };
        // Each Lagrangian value is a bound only if its flow is optimal:
        // checked in every build, not just debug ones.
        flow::certify(&enc.net, &sol).map_err(|e| SolveError::Uncertified(e.to_string()))?;
        let priced: i128 = rows
            .rhs
            .iter()
            .zip(&mult)
            .map(|(&b, &m)| i128::from(b) * i128::from(m))
            .sum();
        let l = -sol.cost - i128::from(bonus_const) - priced;
        let l = i64::try_from(l).map_err(|_| SolveError::Uncertified("bound overflow".into()))?;
        if it == 0 {
            flow_bound = l;
        }
        if l < bound {
            bound = l;
            since_improved = 0;
        } else {
            since_improved += 1;
            if since_improved >= 3 {
                theta /= 2.0;
                since_improved = 0;
            }
        }
        let panels = enc.panels(&sol.flow);
        let mut g = rows.slack(pairs, &panels);

        let mut repaired = panels;
        if repair(inst, pairs, &mut repaired) {
            let obj = objective(inst, pairs, &repaired);
            if best.as_ref().is_none_or(|(b, _)| obj > *b) {
                best = Some((obj, repaired));
            }
        }
        let lower = best.as_ref().map(|(b, _)| *b);
        history.push((l, g.iter().filter(|&&x| x < 0).count(), lower));
        if lower == Some(bound) {
            break; // proven optimal
        }
        if opts.time_limit.is_some_and(|t| started.elapsed() >= t) {
            break;
        }
        // Projected subgradient step on the violated / slack rows. A zero
        // subgradient means every priced row holds with equality: the
        // multipliers cannot move.
        // Rows with slack whose multiplier is already 0 cannot move
        // (projection): leave them out of the step length.
        for (gi, &m) in g.iter_mut().zip(&mult) {
            if *gi > 0 && m == 0 {
                *gi = 0;
            }
        }
        let norm: f64 = g.iter().map(|&x| (x as f64) * (x as f64)).sum();
        if norm == 0.0 || theta < 1e-4 {
            break;
        }
        let target = match lower {
            Some(lb) => (bound - lb).max(1) as f64,
            // No feasible answer yet: aim at 1% below the bound.
            None => (bound.unsigned_abs() as f64 * 0.01).max(1e5),
        };
        let step = theta * target / norm;
        for (m, &gi) in mult.iter_mut().zip(&g) {
            // g = lhs − rhs; a violated row (g < 0) raises its multiplier.
            let next = *m as f64 - step * gi as f64;
            *m = next.clamp(0.0, 1e12).round() as i64;
        }
    }
    // Polish the best repaired answer once: swaps that keep every rule
    // and gain objective.
    if let Some((obj, panels)) = best.as_mut() {
        if *obj < bound {
            polish(inst, pairs, panels, 3);
            *obj = objective(inst, pairs, panels);
        }
    }
    let Some((objective_micro, panels)) = best else {
        return Err(SolveError::NotFound(
            "the Lagrangian repair found no assignment obeying every crossing rule (this does not prove there is none); try --method mip on a small instance, or relax min_senior, cover_fields, the outside shares or max_copanel".into(),
        ));
    };
    if bound < objective_micro {
        return Err(SolveError::Uncertified(format!(
            "the Lagrangian bound {bound} is below a feasible answer's objective {objective_micro} (weak duality broken)"
        )));
    }
    Ok(LagrangeSolution {
        panels,
        objective_micro,
        bound_micro: bound.max(objective_micro),
        flow_bound_micro: flow_bound,
        iterations,
        history,
    })
}

/// The priced rows: per row, the pairs it counts and its right-hand side.
struct Rows {
    /// Per row, the pair indices (into [`EligiblePairs`]) it counts.
    terms: Vec<Vec<usize>>,
    /// Right-hand side of each `≥` row.
    rhs: Vec<i64>,
}

impl Rows {
    fn new(inst: &Instance, pairs: &EligiblePairs) -> Rows {
        let mut terms = Vec::new();
        let mut rhs = Vec::new();
        for a in inst.app_ixs() {
            let s = i64::from(inst.min_senior(a));
            let start = pairs.offsets[a.ix()];
            let experts = pairs.experts_of(a);
            if s > 0 {
                terms.push(
                    (0..experts.len())
                        .filter(|&i| inst.is_senior(experts[i]))
                        .map(|i| start + i)
                        .collect(),
                );
                rhs.push(s);
            }
            for f in inst.fields_to_cover(a) {
                terms.push(
                    (0..experts.len())
                        .filter(|&i| inst.covers(experts[i], f))
                        .map(|i| start + i)
                        .collect(),
                );
                rhs.push(1);
            }
        }
        for (city, share) in inst.round_outside_targets() {
            let (_, need) = inst.round_outside_needed(city, share);
            let mut t = Vec::new();
            for a in inst.app_ixs().filter(|&a| inst.in_scope(a, city)) {
                let home = inst.applications[a.ix()].city;
                let start = pairs.offsets[a.ix()];
                for (i, e) in pairs.experts_of(a).iter().enumerate() {
                    if inst.experts[e.ix()].city != home {
                        t.push(start + i);
                    }
                }
            }
            terms.push(t);
            rhs.push(need as i64);
        }
        Rows { terms, rhs }
    }

    fn len(&self) -> usize {
        self.rhs.len()
    }

    /// Pair weights: score plus the multipliers of the rows counting it.
    fn weights(&self, pairs: &EligiblePairs, mult: &[i64], out: &mut [i64]) {
        for (w, s) in out.iter_mut().zip(&pairs.scores) {
            *w = s.0;
        }
        for (t, &m) in self.terms.iter().zip(mult) {
            if m != 0 {
                for &p in t {
                    out[p] = out[p].saturating_add(m);
                }
            }
        }
    }

    /// `lhs − rhs` of every row at `panels` (negative = violated).
    fn slack(&self, pairs: &EligiblePairs, panels: &[Vec<ExpertIx>]) -> Vec<i64> {
        let mut chosen = vec![false; pairs.len()];
        for (a, panel) in panels.iter().enumerate() {
            let a = AppIx(a as u32);
            let row = pairs.experts_of(a);
            for e in panel {
                if let Ok(i) = row.binary_search(e) {
                    chosen[pairs.offsets[a.ix()] + i] = true;
                }
            }
        }
        self.terms
            .iter()
            .zip(&self.rhs)
            .map(|(t, &b)| t.iter().filter(|&&p| chosen[p]).count() as i64 - b)
            .collect()
    }
}

/// The objective of an assignment: Σ scores of its pairs plus the city
/// bonus of each panel ([`Instance::panel_bonus`]). Pairs that are not
/// eligible count 0 (callers only pass eligible ones).
pub fn objective(inst: &Instance, pairs: &EligiblePairs, panels: &[Vec<ExpertIx>]) -> i64 {
    let mut total = 0i64;
    for (a, panel) in panels.iter().enumerate() {
        let a = AppIx(a as u32);
        for &e in panel {
            total += score(pairs, a, e).unwrap_or(0);
        }
        total += inst.panel_bonus(panel);
    }
    total
}

fn score(pairs: &EligiblePairs, a: AppIx, e: ExpertIx) -> Option<i64> {
    let row = pairs.experts_of(a);
    row.binary_search(&e).ok().map(|i| pairs.scores_of(a)[i].0)
}

/// Mutable view of an assignment for swaps: loads, round-target counts,
/// co-panel counts.
struct State<'a> {
    inst: &'a Instance,
    pairs: &'a EligiblePairs,
    load: Vec<u32>,
    senior: Vec<bool>,
    /// Per round target: scope city, need, outside reviews now.
    targets: Vec<(Option<CityIx>, i64, i64)>,
    /// Co-panel counts (only when `max_copanel` is set).
    copanel: HashMap<(ExpertIx, ExpertIx), u32>,
    /// Reviews per (expert, programme) for programmes with a `max_load`.
    programme_load: HashMap<(ExpertIx, u32), u32>,
}

fn key(e: ExpertIx, f: ExpertIx) -> (ExpertIx, ExpertIx) {
    if e < f {
        (e, f)
    } else {
        (f, e)
    }
}

/// Total violation of the crossing rules by `panels`: senior deficits and
/// uncovered fields of each panel, round outside-share shortfalls and
/// co-panel excess (0 when every crossing rule holds).
pub(crate) fn crossing_violation(inst: &Instance, panels: &[Vec<ExpertIx>]) -> i64 {
    let none = EligiblePairs::default();
    let st = State::new(inst, &none, panels);
    let per_app: i64 = inst
        .app_ixs()
        .map(|a| st.app_violation(a, &panels[a.ix()]))
        .sum();
    per_app + st.global_violation()
}

impl<'a> State<'a> {
    fn new(inst: &'a Instance, pairs: &'a EligiblePairs, panels: &[Vec<ExpertIx>]) -> Self {
        let mut load = vec![0u32; inst.experts.len()];
        for p in panels {
            for &e in p {
                load[e.ix()] += 1;
            }
        }
        let targets = inst
            .round_outside_targets()
            .into_iter()
            .map(|(city, share)| {
                let (_, need) = inst.round_outside_needed(city, share);
                let have: usize = inst
                    .app_ixs()
                    .filter(|&a| inst.in_scope(a, city))
                    .map(|a| outside_count(inst, a, &panels[a.ix()]))
                    .sum();
                (city, need as i64, have as i64)
            })
            .collect();
        let mut programme_load = HashMap::new();
        for (a, p) in panels.iter().enumerate() {
            if let Some(prog) = crate::history::capped_programme(inst, AppIx(a as u32)) {
                for &e in p {
                    *programme_load.entry((e, prog.0)).or_insert(0) += 1;
                }
            }
        }
        let mut copanel = HashMap::new();
        if inst.policy.max_copanel.is_some() {
            for p in panels {
                for (i, &e) in p.iter().enumerate() {
                    for &f in &p[i + 1..] {
                        *copanel.entry(key(e, f)).or_insert(0) += 1;
                    }
                }
            }
        }
        State {
            inst,
            pairs,
            load,
            senior: inst.expert_ixs().map(|e| inst.is_senior(e)).collect(),
            targets,
            copanel,
            programme_load,
        }
    }

    /// Senior deficit plus uncovered fields of one panel.
    fn app_violation(&self, a: AppIx, panel: &[ExpertIx]) -> i64 {
        let inst = self.inst;
        let seniors = panel.iter().filter(|e| self.senior[e.ix()]).count() as i64;
        let mut v = (i64::from(inst.min_senior(a)) - seniors).max(0);
        for f in inst.fields_to_cover(a) {
            if !panel.iter().any(|&e| inst.covers(e, f)) {
                v += 1;
            }
        }
        v
    }

    /// [`State::app_violation`] of the panel with `out` replaced by `inn`,
    /// without building it.
    fn app_violation_after(
        &self,
        a: AppIx,
        panel: &[ExpertIx],
        out: ExpertIx,
        inn: ExpertIx,
    ) -> i64 {
        let inst = self.inst;
        let mut seniors = panel.iter().filter(|e| self.senior[e.ix()]).count() as i64;
        seniors += i64::from(self.senior[inn.ix()]) - i64::from(self.senior[out.ix()]);
        let mut v = (i64::from(inst.min_senior(a)) - seniors).max(0);
        if inst.cover_fields(a) {
            for f in inst.fields_to_cover(a) {
                let covered =
                    inst.covers(inn, f) || panel.iter().any(|&e| e != out && inst.covers(e, f));
                if !covered {
                    v += 1;
                }
            }
        }
        v
    }

    fn global_violation(&self) -> i64 {
        let targets: i64 = self.targets.iter().map(|t| (t.1 - t.2).max(0)).sum();
        let m = self.inst.policy.max_copanel.unwrap_or(u32::MAX);
        let copanel: i64 = self
            .copanel
            .values()
            .map(|&c| i64::from(c.saturating_sub(m)))
            .sum();
        targets + copanel
    }

    /// Change of the violation and of the objective if `out` is replaced
    /// by `inn` on `a`'s panel; `None` when the swap breaks a flow rule.
    fn delta(
        &self,
        a: AppIx,
        panel: &[ExpertIx],
        out: ExpertIx,
        inn: ExpertIx,
    ) -> Option<(i64, i64)> {
        let inst = self.inst;
        if self.load[inn.ix()] >= inst.max_load(inn) || self.load[out.ix()] <= inst.min_load(out) {
            return None;
        }
        if let Some(p) = crate::history::capped_programme(inst, a) {
            let cap = inst.programme_max_load(p).unwrap_or(0);
            if self.programme_load.get(&(inn, p.0)).copied().unwrap_or(0) >= cap {
                return None;
            }
        }
        let s_in = score(self.pairs, a, inn)?;
        let s_out = score(self.pairs, a, out)?;
        let xi = &inst.experts[inn.ix()];
        let xo = &inst.experts[out.ix()];
        if xi.city != xo.city {
            let same_city = panel
                .iter()
                .filter(|&&e| e != out && inst.experts[e.ix()].city == xi.city)
                .count() as u32;
            if same_city + 1 > inst.max_from_city(a, xi.city) {
                return None;
            }
        }
        if xi.institution != xo.institution {
            let same = panel
                .iter()
                .filter(|&&e| e != out && inst.experts[e.ix()].institution == xi.institution)
                .count() as u32;
            if same + 1 > inst.max_from_institution(a) {
                return None;
            }
        }
        let mut dv = self.app_violation_after(a, panel, out, inn) - self.app_violation(a, panel);
        let home = inst.applications[a.ix()].city;
        let d_out = i64::from(xi.city != home) - i64::from(xo.city != home);
        if d_out != 0 {
            for t in &self.targets {
                if inst.in_scope(a, t.0) {
                    dv += (t.1 - t.2 - d_out).max(0) - (t.1 - t.2).max(0);
                }
            }
        }
        if let Some(m) = inst.policy.max_copanel {
            for &g in panel {
                if g == out {
                    continue;
                }
                if self.copanel.get(&key(out, g)).copied().unwrap_or(0) > m {
                    dv -= 1;
                }
                if self.copanel.get(&key(inn, g)).copied().unwrap_or(0) >= m {
                    dv += 1;
                }
            }
        }
        let mut ds = s_in - s_out;
        let bonus = inst.policy.bonus_micro();
        if bonus != 0 && xi.city != xo.city {
            let others = |c: CityIx| {
                panel
                    .iter()
                    .any(|&e| e != out && inst.experts[e.ix()].city == c)
            };
            // Losing out's city, gaining in's.
            ds += bonus * (i64::from(!others(xi.city)) - i64::from(!others(xo.city)));
        }
        Some((dv, ds))
    }

    fn apply(&mut self, a: AppIx, panel: &mut [ExpertIx], out: ExpertIx, inn: ExpertIx) {
        let inst = self.inst;
        self.load[out.ix()] -= 1;
        self.load[inn.ix()] += 1;
        if let Some(p) = crate::history::capped_programme(inst, a) {
            if let Some(n) = self.programme_load.get_mut(&(out, p.0)) {
                *n = n.saturating_sub(1);
            }
            *self.programme_load.entry((inn, p.0)).or_insert(0) += 1;
        }
        let home = inst.applications[a.ix()].city;
        let d_out = i64::from(inst.experts[inn.ix()].city != home)
            - i64::from(inst.experts[out.ix()].city != home);
        for t in &mut self.targets {
            if inst.in_scope(a, t.0) {
                t.2 += d_out;
            }
        }
        if inst.policy.max_copanel.is_some() {
            for &g in panel.iter() {
                if g == out {
                    continue;
                }
                if let Some(c) = self.copanel.get_mut(&key(out, g)) {
                    *c -= 1;
                }
                *self.copanel.entry(key(inn, g)).or_insert(0) += 1;
            }
        }
        for e in panel.iter_mut() {
            if *e == out {
                *e = inn;
            }
        }
        panel.sort_unstable();
    }

    /// Applications that take part in some violation.
    fn sites(&self, panels: &[Vec<ExpertIx>]) -> Vec<AppIx> {
        let inst = self.inst;
        let m = inst.policy.max_copanel.unwrap_or(u32::MAX);
        inst.app_ixs()
            .filter(|&a| {
                let p = &panels[a.ix()];
                self.app_violation(a, p) > 0
                    || self
                        .targets
                        .iter()
                        .any(|t| t.2 < t.1 && inst.in_scope(a, t.0))
                    || p.iter().enumerate().any(|(i, &e)| {
                        p[i + 1..]
                            .iter()
                            .any(|&f| self.copanel.get(&key(e, f)).copied().unwrap_or(0) > m)
                    })
            })
            .collect()
    }

    /// The best swap on `a` with violation change in `accept` (by violation
    /// change, then objective change).
    fn best_swap(
        &self,
        a: AppIx,
        panel: &[ExpertIx],
        accept: impl Fn(i64, i64) -> bool,
    ) -> Option<(i64, i64, ExpertIx, ExpertIx)> {
        let mut best: Option<(i64, i64, ExpertIx, ExpertIx)> = None;
        for &inn in self.pairs.experts_of(a) {
            if panel.contains(&inn) || self.load[inn.ix()] >= self.inst.max_load(inn) {
                continue;
            }
            for &out in panel {
                let Some((dv, ds)) = self.delta(a, panel, out, inn) else {
                    continue;
                };
                if !accept(dv, ds) {
                    continue;
                }
                let better = best
                    .as_ref()
                    .is_none_or(|&(bv, bs, _, _)| (dv, -ds) < (bv, -bs));
                if better {
                    best = Some((dv, ds, out, inn));
                }
            }
        }
        best
    }
}

fn outside_count(inst: &Instance, a: AppIx, panel: &[ExpertIx]) -> usize {
    let home = inst.applications[a.ix()].city;
    panel
        .iter()
        .filter(|e| inst.experts[e.ix()].city != home)
        .count()
}

/// Greedy repair of `panels` (which must obey every flow rule) until every
/// crossing rule holds; see the module docs. Returns true when it does.
/// Every swap keeps the flow rules, so the result obeys them too.
pub fn repair(inst: &Instance, pairs: &EligiblePairs, panels: &mut [Vec<ExpertIx>]) -> bool {
    let mut st = State::new(inst, pairs, panels);
    let total = |st: &State, panels: &[Vec<ExpertIx>]| {
        st.global_violation()
            + inst
                .app_ixs()
                .map(|a| st.app_violation(a, &panels[a.ix()]))
                .sum::<i64>()
    };
    let mut v = total(&st, panels);
    let mut passes = 0;
    while v > 0 && passes < 10_000 {
        passes += 1;
        let sites = st.sites(panels);
        let mut moves: Vec<(i64, i64, AppIx)> = Vec::new();
        for &a in &sites {
            if let Some((dv, ds, _, _)) = st.best_swap(a, &panels[a.ix()], |dv, _| dv < 0) {
                moves.push((dv, -ds, a));
            }
        }
        if moves.is_empty() {
            return false;
        }
        moves.sort();
        let mut progress = false;
        for (_, _, a) in moves {
            // Re-evaluate against the current state.
            if let Some((dv, _, out, inn)) = st.best_swap(a, &panels[a.ix()], |dv, _| dv < 0) {
                let mut p = std::mem::take(&mut panels[a.ix()]);
                st.apply(a, &mut p, out, inn);
                panels[a.ix()] = p;
                v += dv;
                progress = true;
                if v == 0 {
                    break;
                }
            }
        }
        debug_assert_eq!(v, total(&st, panels));
        if !progress {
            return false;
        }
    }
    v == 0
}

/// Improving swaps that keep every rule (violation stays 0): at most
/// `passes` passes over the applications.
pub fn polish(inst: &Instance, pairs: &EligiblePairs, panels: &mut [Vec<ExpertIx>], passes: usize) {
    let mut st = State::new(inst, pairs, panels);
    for _ in 0..passes {
        let mut progress = false;
        for a in inst.app_ixs() {
            if let Some((_, _, out, inn)) =
                st.best_swap(a, &panels[a.ix()], |dv, ds| dv == 0 && ds > 0)
            {
                let mut p = std::mem::take(&mut panels[a.ix()]);
                st.apply(a, &mut p, out, inn);
                panels[a.ix()] = p;
                progress = true;
            }
        }
        if !progress {
            break;
        }
    }
}

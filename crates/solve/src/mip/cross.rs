//! The crossing rules as MIP rows (docs/algorithms.md, "Crossing rules"): rules that do
//! not nest inside the flow's city → institution tree, one method each on
//! [`Model`], plus the soft city bonus and [`solve_crossing`], which adds
//! co-panel rows lazily.
//!
//! | rule | row(s) | method |
//! |---|---|---|
//! | `min_senior` | `Σ_{e senior} x[a,e] ≥ min_senior`, every a | [`Model::add_senior_rule`] |
//! | `cover_fields` | `Σ_{e lists f} x[a,e] ≥ 1`, every a, every field f of a | [`Model::add_cover_rule`] |
//! | round outside share | `Σ_{a in scope} Σ_{e outside a's city} x[a,e] ≥ ceil(share·Σk)` | [`Model::add_round_outside_rule`] |
//! | `max_copanel` | `z[a,e,f] ≥ x[a,e] + x[a,f] − 1`, `Σ_a z[a,e,f] ≤ m` | [`Model::add_copanel_rule_for`] |
//! | `bonus_per_city` (soft) | `y[a,c] ≤ Σ_{e in c} x[a,e]`, objective `+ b·y[a,c]`, constant `− b` per panel | [`Model::add_city_bonus`] |
//!
//! The co-panel rule has one row per pair of experts that could meet, far
//! too many to write out on a real round; [`solve_crossing`] writes only
//! the pairs the current answer breaks and solves again (row generation),
//! which ends with an answer obeying every pair. The model without some
//! co-panel rows is a relaxation, so its bound stays a bound.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use super::{AuxDef, ColIx, MipError, MipOptions, MipSolution, MipStatus, Model};
use crate::eligibility::EligiblePairs;
use crate::model::{ExpertIx, Instance};

/// Most rounds of co-panel row generation before giving up.
pub const MAX_COPANEL_ROUNDS: usize = 50;

impl Model<'_> {
    /// Every crossing rule the policy switches on except `max_copanel`
    /// (see [`Model::add_copanel_rule_for`]), plus the city bonus.
    pub(crate) fn add_crossing_rules(&mut self) {
        self.add_senior_rule();
        self.add_cover_rule();
        self.add_round_outside_rule();
        self.add_city_bonus();
    }

    /// At least `min_senior` panel members with a senior title
    /// ([`Instance::is_senior`]). Nothing when `min_senior` is 0.
    pub fn add_senior_rule(&mut self) {
        let inst = self.inst;
        for a in inst.app_ixs() {
            let s = i64::from(inst.min_senior(a));
            if s == 0 {
                continue;
            }
            let terms = self
                .pair_columns_of_app(a)
                .filter(|&(_, e)| inst.is_senior(e))
                .map(|(c, _)| (c, 1))
                .collect();
            self.add_row("senior", terms, Some(s), None);
        }
    }

    /// Every field of every application listed by at least one panel
    /// member ([`Instance::covers`]). Nothing unless `cover_fields`.
    pub fn add_cover_rule(&mut self) {
        let inst = self.inst;
        for a in inst.app_ixs() {
            for f in inst.fields_to_cover(a) {
                let terms = self
                    .pair_columns_of_app(a)
                    .filter(|&(_, e)| inst.covers(e, f))
                    .map(|(c, _)| (c, 1))
                    .collect();
                self.add_row("field coverage", terms, Some(1), None);
            }
        }
    }

    /// The round-wide outside-city targets
    /// ([`Instance::round_outside_targets`]), one row each.
    pub fn add_round_outside_rule(&mut self) {
        let inst = self.inst;
        for (city, share) in inst.round_outside_targets() {
            let (_, need) = inst.round_outside_needed(city, share);
            let mut terms = Vec::new();
            for a in inst.app_ixs().filter(|&a| inst.in_scope(a, city)) {
                let home = inst.applications[a.ix()].city;
                terms.extend(
                    self.pair_columns_of_app(a)
                        .filter(|&(_, e)| inst.experts[e.ix()].city != home)
                        .map(|(c, _)| (c, 1)),
                );
            }
            self.add_row("round outside share", terms, Some(need as i64), None);
        }
    }

    /// `max_copanel` for the given expert pairs (each `(e, f)` with
    /// `e < f`): an indicator `z[a,e,f] ≥ x[a,e] + x[a,f] − 1` for every
    /// application both may review, and `Σ_a z ≤ max_copanel`. Nothing
    /// when `max_copanel` is unset.
    pub fn add_copanel_rule_for(&mut self, pairs: &BTreeSet<(ExpertIx, ExpertIx)>) {
        let Some(m) = self.inst.policy.max_copanel else {
            return;
        };
        for &(e, f) in pairs {
            let mut zs = Vec::new();
            for a in self.inst.app_ixs() {
                let (Some(xe), Some(xf)) = (self.pair_column(a, e), self.pair_column(a, f)) else {
                    continue;
                };
                zs.push((xe, xf));
            }
            if zs.len() <= m as usize {
                continue; // they cannot meet more than m times
            }
            let mut cap_terms = Vec::with_capacity(zs.len());
            for (xe, xf) in zs {
                let z = self.add_aux_column(0, 1, 0, AuxDef::Both(xe, xf));
                self.add_row("co-panel", vec![(z, 1), (xe, -1), (xf, -1)], Some(-1), None);
                cap_terms.push((z, 1));
            }
            self.add_row("co-panel", cap_terms, None, Some(i64::from(m)));
        }
    }

    /// `max_copanel` for every pair of experts that could meet more than
    /// `max_copanel` times: exact but large; for tiny instances and tests.
    pub fn add_copanel_rule(&mut self) {
        if self.inst.policy.max_copanel.is_none() {
            return;
        }
        let n = self.inst.experts.len();
        let mut all = BTreeSet::new();
        for e in 0..n as u32 {
            for f in e + 1..n as u32 {
                all.insert((ExpertIx(e), ExpertIx(f)));
            }
        }
        self.add_copanel_rule_for(&all);
    }

    /// The soft city bonus: `y[a,c] ≤ Σ_{e in c} x[a,e]` for every city c
    /// with an eligible expert for a, objective `+ bonus·y[a,c]`, and a
    /// constant `− bonus` per application with a non-empty panel, so a
    /// panel earns the bonus for each distinct city beyond the first.
    pub fn add_city_bonus(&mut self) {
        let inst = self.inst;
        let b = inst.policy.bonus_micro();
        if b == 0 {
            return;
        }
        for a in inst.app_ixs() {
            if inst.panel_size(a) == 0 {
                continue;
            }
            self.add_offset(-b);
            let mut by_city: Vec<(u32, ColIx)> = self
                .pair_columns_of_app(a)
                .map(|(c, e)| (inst.experts[e.ix()].city.0, c))
                .collect();
            by_city.sort_unstable();
            for group in by_city.chunk_by(|x, y| x.0 == y.0) {
                let cols: Vec<ColIx> = group.iter().map(|&(_, c)| c).collect();
                let y = self.add_aux_column(0, 1, b, AuxDef::AnyOf(cols.clone()));
                let mut terms = vec![(y, 1)];
                terms.extend(cols.iter().map(|&c| (c, -1)));
                self.add_row("city bonus", terms, None, Some(0));
            }
        }
    }
}

/// Pairs of experts that sit together on more than `max_copanel` of
/// `panels` (each `(e, f)` with `e < f`), in index order. Empty when the
/// rule is off.
pub(crate) fn copanel_excess(
    inst: &Instance,
    panels: &[Vec<ExpertIx>],
) -> BTreeSet<(ExpertIx, ExpertIx)> {
    let Some(m) = inst.policy.max_copanel else {
        return BTreeSet::new();
    };
    let mut count: std::collections::BTreeMap<(ExpertIx, ExpertIx), u32> = Default::default();
    for panel in panels {
        for (i, &e) in panel.iter().enumerate() {
            for &f in &panel[i + 1..] {
                let key = if e < f { (e, f) } else { (f, e) };
                *count.entry(key).or_default() += 1;
            }
        }
    }
    count
        .into_iter()
        .filter(|&(_, n)| n > m)
        .map(|(k, _)| k)
        .collect()
}

/// Solves the SPEC.md rules plus every crossing rule and the city bonus.
/// Co-panel rows are generated lazily: solve, add rows for the pairs the
/// answer breaks, solve again (at most [`MAX_COPANEL_ROUNDS`] rounds, all
/// within `opts.time_limit`).
///
/// # Errors
/// As [`Model::solve`]; [`MipError::TimeLimit`] also when time runs out
/// while the answer still breaks the co-panel rule.
pub fn solve_crossing(
    inst: &Instance,
    elig: &EligiblePairs,
    opts: &MipOptions,
) -> Result<MipSolution, MipError> {
    solve_crossing_with(inst, elig, opts, &|_| {})
}

/// [`solve_crossing`] with `shape` applied to every model after its rules
/// are written and before it is solved: a replacement fixes the seats it
/// keeps, adds a row or sets its own objective there.
///
/// # Errors
/// As [`solve_crossing`].
pub(crate) fn solve_crossing_with(
    inst: &Instance,
    elig: &EligiblePairs,
    opts: &MipOptions,
    shape: &dyn Fn(&mut Model<'_>),
) -> Result<MipSolution, MipError> {
    let started = Instant::now();
    let mut copanel: BTreeSet<(ExpertIx, ExpertIx)> = match &opts.warm_start {
        // Pairs the start already meets at the limit are likely to matter.
        Some(start) => near_limit(inst, start),
        None => BTreeSet::new(),
    };
    let mut best_bound: Option<i64> = None;
    for _round in 0..MAX_COPANEL_ROUNDS {
        let mut model = Model::new(inst, elig);
        model.add_spec_rules();
        model.add_crossing_rules();
        model.add_copanel_rule_for(&copanel);
        shape(&mut model);
        let mut round_opts = opts.clone();
        if let Some(limit) = opts.time_limit {
            let left = limit.saturating_sub(started.elapsed());
            if left.is_zero() {
                return Err(MipError::TimeLimit);
            }
            round_opts.time_limit = Some(left.max(Duration::from_millis(10)));
        }
        let mut sol = model.solve(&round_opts)?;
        // A relaxation's bound is a bound of the full model: keep the best.
        if let Some(b) = sol.bound_micro {
            best_bound = Some(best_bound.map_or(b, |x: i64| x.min(b)));
        }
        let broken = copanel_excess(inst, &sol.panels);
        if broken.is_empty() {
            sol.bound_micro = match sol.status {
                MipStatus::Optimal => Some(sol.objective_micro),
                MipStatus::Feasible => best_bound.map(|b| b.max(sol.objective_micro)),
            };
            return Ok(sol);
        }
        copanel.extend(broken);
    }
    Err(MipError::Solver(format!(
        "the co-panel rule still broken after {MAX_COPANEL_ROUNDS} rounds of row generation"
    )))
}

/// Pairs that meet exactly `max_copanel` times in `panels` (rows worth
/// writing from the start).
fn near_limit(inst: &Instance, panels: &[Vec<ExpertIx>]) -> BTreeSet<(ExpertIx, ExpertIx)> {
    let Some(m) = inst.policy.max_copanel else {
        return BTreeSet::new();
    };
    let mut count: std::collections::BTreeMap<(ExpertIx, ExpertIx), u32> = Default::default();
    for panel in panels {
        for (i, &e) in panel.iter().enumerate() {
            for &f in &panel[i + 1..] {
                let key = if e < f { (e, f) } else { (f, e) };
                *count.entry(key).or_default() += 1;
            }
        }
    }
    count
        .into_iter()
        .filter(|&(_, n)| n >= m)
        .map(|(k, _)| k)
        .collect()
}

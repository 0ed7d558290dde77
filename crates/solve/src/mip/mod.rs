//! The panel assignment problem as a mixed-integer program (`good_lp`).
//!
//! The exact engine of `panels` is the min-cost flow in [`crate::flow`]. This
//! module is the *other* formulation of the same problem, for three jobs:
//!
//! 1. an independent cross-check of the flow solver in property tests
//!    (flow optimum == MIP optimum on small instances; [`brute`] checks the
//!    MIP itself on tiny ones);
//! 2. the solver for rules that cut across the flow's tree (seniority, field
//!    coverage, a round-wide outside share, co-panel limits; see [`cross`]):
//!    each such rule is one `add_*_rule` method on [`Model`], written with
//!    [`Model::add_column`] and [`Model::add_row`];
//! 3. a fallback [`solve_mip`] on small instances (see [`MIP_PAIR_LIMIT`]).
//!
//! # The model (SPEC.md "Eligibility and objective")
//!
//! One binary column `x[a,e]` per eligible pair, in the order of
//! [`EligiblePairs`] (column `p` is pair `p`), maximising `Σ score·x` with
//!
//! | rule | row(s) | method |
//! |---|---|---|
//! | panel size | `Σ_e x[a,e] = k_a` | [`Model::add_panel_size_rule`] |
//! | outside city | `Σ_{e outside a's city} x[a,e] ≥ min_outside(a)` | [`Model::add_outside_rule`] |
//! | city cap | `Σ_{e in city c} x[a,e] ≤ max_per_city`, every a, c | [`Model::add_city_cap_rule`] |
//! | institution cap | `Σ_{e in inst. i} x[a,e] ≤ max_per_institution`, every a, i | [`Model::add_institution_cap_rule`] |
//! | load | `min_load(e) ≤ Σ_a x[a,e] ≤ max_load(e)` | [`Model::add_load_rule`] |
//!
//! Rows are kept as integer data ([`Row`]: integer coefficients, integer
//! bounds); the backend model is built from them at [`Model::solve`], and
//! the backend's answer is re-checked against every row in exact integer
//! arithmetic before it is returned.
//!
//! # Numbers and honesty
//!
//! Objective coefficients are the scores in millionths ([`Score`](crate::model::Score)'s
//! integer), so the optimum is an integer and is recomputed exactly from
//! the chosen pairs ([`MipSolution::objective_micro`]); the backend's
//! floating objective is never reported. Column values are rounded with
//! tolerance [`INTEGRALITY_TOL`]; a value farther from an integer is a
//! [`MipError::Solver`], not a silent rounding.
//!
//! [`MipStatus::Optimal`] is reported only when the backend says it proved
//! optimality: microlp's `TerminationReason::ProvenOptimal` (its branch and
//! bound closed with MIP gap 0), HiGHS's model status `Optimal` with a zero
//! gap. microlp prunes nodes that cannot beat the incumbent by more than
//! `max(1e-9, 1e-9·|incumbent|)`; since the objective is an integer in
//! millionths, "proven" is exact as long as the total score stays below
//! 1000 (|objective| < 1e9 millionths); above that it is optimal to within
//! `1e-9·|objective|` millionths (a panel round of 300 panels × 5 experts
//! with scores in [0, 1] stays below 1500, i.e. within 2 millionths).
//!
//! # Where it meets others
//!
//! Reads [`Instance`] and [`EligiblePairs`] (from
//! [`crate::eligibility::Eligibility::pairs`]); knows nothing of the flow.
//! Output panels are per [`AppIx`], experts sorted by index, like the flow's.

#[doc(hidden)] // exhaustive search for the tests; not API
pub mod brute;
pub mod cross;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Duration;

use good_lp::{
    variable, Expression, ProblemVariables, ResolutionError, Solution, SolutionStatus, SolverModel,
    Variable, WithInitialSolution, WithTimeLimit,
};
use thiserror::Error;

use crate::eligibility::EligiblePairs;
use crate::model::{AppIx, ExpertIx, Instance};

/// Largest number of eligible pairs (binary columns) for which the MIP is
/// used as a fallback solver with the default microlp backend (about a
/// second); property-test cross-checks should stay near 1,000 pairs.
///
/// Measured with microlp 0.6 through good_lp 1.15 on a shared 2-core
/// machine (release build; k = 3, 4 cities, 6 institutions, every pair
/// eligible except same-institution ones, scores in [0, 1], outside share
/// 1/3, city cap 2, institution cap 1, load ≤ 3). The plain model's
/// constraint matrix is totally unimodular, so microlp closes it at the
/// root LP; the time is the LP's:
///
/// | apps × experts | pairs | time |
/// |---|---|---|
/// | 20 × 30 | 500 | 0.02 s |
/// | 30 × 50 | 1,263 | 0.02–0.07 s |
/// | 40 × 60 | 2,001 | 0.08–0.18 s |
/// | 50 × 80 | 3,344 | 0.5 s |
/// | 60 × 100 | 5,008 | 0.5–0.75 s |
/// | 75 × 120 | 7,482 | 2–3 s |
/// | 100 × 150 | 12,548 | 12.6 s |
/// | 150 × 225 | 28,031 | 52 s |
/// | 200 × 300 | 49,945 | no answer in 120 s |
///
/// Crossing rules break total unimodularity and add branching, so treat
/// this as an upper limit. Above it the flow solver is the only exact
/// method.
pub const MIP_PAIR_LIMIT: usize = 5_000;

/// A column value farther than this from an integer is an error.
pub const INTEGRALITY_TOL: f64 = 1e-6;

/// The MIP backend.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Backend {
    /// microlp: pure Rust, embedded, the default. Honours the time limit
    /// (checked between simplex pivots and branch-and-bound nodes) and
    /// reports a proven bound.
    #[default]
    Microlp,
    /// HiGHS (cargo feature `highs`; needs cmake, a C++ compiler and
    /// libclang). Honours the time limit; reports no bound unless optimal.
    #[cfg(feature = "highs")]
    Highs,
}

/// How to solve.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MipOptions {
    /// Wall-clock budget of the call, building the backend's model
    /// included (the search gets what is left). Both backends honour it;
    /// when it runs out with a feasible assignment in hand, the result is
    /// [`MipStatus::Feasible`]; without one, [`MipError::TimeLimit`].
    pub time_limit: Option<Duration>,
    /// Which backend solves the model.
    pub backend: Backend,
    /// A starting assignment (per [`AppIx`], its experts), e.g. the flow's
    /// answer. The backend ignores it if it is infeasible or incomplete;
    /// pairs that are not eligible are dropped.
    pub warm_start: Option<Vec<Vec<ExpertIx>>>,
    /// A proven upper bound on the objective from elsewhere, in millionths
    /// (e.g. the flow optimum without the crossing rules). An answer that
    /// reaches it is reported [`MipStatus::Optimal`]; the reported bound is
    /// never above it.
    pub upper_bound: Option<i64>,
}

/// Whether optimality was proven.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MipStatus {
    /// The backend proved the assignment optimal.
    Optimal,
    /// A feasible assignment, optimality not proven (time limit or gap).
    Feasible,
}

/// A solved model.
#[derive(Clone, Debug, PartialEq)]
pub struct MipSolution {
    /// Per [`AppIx`], the assigned experts sorted by index.
    pub panels: Vec<Vec<ExpertIx>>,
    /// Total objective in millionths, recomputed exactly from the chosen
    /// columns (for the plain model: the sum of the pairs' scores).
    pub objective_micro: i64,
    /// Whether the backend proved optimality.
    pub status: MipStatus,
    /// A proven upper bound on the objective in millionths, when the backend
    /// gives one: equal to `objective_micro` when optimal.
    pub bound_micro: Option<i64>,
}

/// Why the model could not be solved.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum MipError {
    /// No assignment satisfies every rule (proven by the backend, or by a
    /// row that no assignment can satisfy).
    #[error("the MIP is infeasible: no assignment satisfies every rule")]
    Infeasible,
    /// The time limit ran out before any feasible assignment was found;
    /// says nothing about feasibility.
    #[error("the MIP time limit ran out before a feasible assignment was found")]
    TimeLimit,
    /// The backend failed, or returned something that does not check out
    /// (a fractional value, a violated row, an overflowing objective).
    #[error("MIP solver error: {0}")]
    Solver(String),
}

/// The time a backend may search until `deadline` (`None`: no limit);
/// [`MipError::TimeLimit`] when none is left (building the model took it).
fn time_left(deadline: Option<std::time::Instant>) -> Result<Option<Duration>, MipError> {
    match deadline {
        None => Ok(None),
        Some(d) => {
            let left = d.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                Err(MipError::TimeLimit)
            } else {
                Ok(Some(left))
            }
        }
    }
}

/// Solves the plain SPEC.md model (all five rule families) of `inst` over
/// the pairs `elig`.
///
/// # Arguments
/// `elig` must come from `Eligibility::compute(inst).pairs(inst)`.
///
/// # Returns
/// The panels and their exact objective, or [`MipError::Infeasible`] when
/// no assignment satisfies the rules.
///
/// # Complexity
/// One binary column per eligible pair; branch and bound is exponential in
/// the worst case. Keep `elig.len()` within [`MIP_PAIR_LIMIT`] with microlp.
pub fn solve_mip(
    inst: &Instance,
    elig: &EligiblePairs,
    opts: &MipOptions,
) -> Result<MipSolution, MipError> {
    let mut model = Model::new(inst, elig);
    model.add_spec_rules();
    model.solve(opts)
}

/// Index of a column of a [`Model`]. Columns `0..elig.len()` are the pair
/// columns `x[a,e]`, in [`EligiblePairs`] order; further columns are
/// auxiliary, added by crossing rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ColIx(pub u32);

impl ColIx {
    /// The index as a `usize`.
    pub fn ix(self) -> usize {
        self.0 as usize
    }
}

/// An integer column: `lo ≤ value ≤ hi`, objective coefficient in
/// millionths.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Column {
    /// Lower bound.
    pub lo: i32,
    /// Upper bound.
    pub hi: i32,
    /// Objective coefficient (maximised), in millionths.
    pub objective: i64,
}

/// One linear row `lo ≤ Σ coef·col ≤ hi` with integer data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// The rule family that added it (e.g. `"panel size"`), for messages.
    pub rule: &'static str,
    /// The terms; a column appears at most once.
    pub terms: Vec<(ColIx, i64)>,
    /// Lower bound, if any.
    pub lo: Option<i64>,
    /// Upper bound, if any.
    pub hi: Option<i64>,
}

impl Row {
    fn activity(&self, values: &[i64]) -> Option<i64> {
        self.terms.iter().try_fold(0i64, |acc, &(c, k)| {
            acc.checked_add(k.checked_mul(*values.get(c.ix())?)?)
        })
    }

    fn holds(&self, activity: i64) -> bool {
        self.lo.is_none_or(|lo| activity >= lo) && self.hi.is_none_or(|hi| activity <= hi)
    }
}

/// The MIP of one instance: columns and integer rows, one method per rule
/// family.
///
/// ```text
/// let mut m = Model::new(&inst, &pairs);
/// m.add_spec_rules();          // or the five add_*_rule methods one by one
/// // m.add_senior_rule(...);   // a crossing rule: one more method
/// let sol = m.solve(&MipOptions::default())?;
/// ```
///
/// A new crossing rule is one method that reads the instance, finds pair
/// columns with [`Model::pair_columns_of_app`] / [`Model::pair_columns_of_expert`]
/// / [`Model::pair_column`], adds auxiliary columns with [`Model::add_column`]
/// if it needs them, and adds rows with [`Model::add_row`].
#[derive(Clone, Debug)]
pub struct Model<'a> {
    inst: &'a Instance,
    elig: &'a EligiblePairs,
    columns: Vec<Column>,
    rows: Vec<Row>,
    /// Per expert, its pair columns (ascending).
    by_expert: Vec<Vec<ColIx>>,
    /// Rule of the first row no assignment can satisfy, if any.
    infeasible_row: Option<&'static str>,
    /// Constant added to the objective, in millionths (the city bonus
    /// counts cities beyond the first).
    offset: i64,
    /// How each auxiliary column follows from the pair columns, for warm
    /// starts (index: column − number of pairs).
    aux: Vec<AuxDef>,
}

/// How an auxiliary column's best value follows from the pair columns
/// (used to complete a warm start).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum AuxDef {
    /// No rule: left to the backend.
    Free,
    /// 1 when any of these columns is 1 (a city-bonus indicator).
    AnyOf(Vec<ColIx>),
    /// 1 when both columns are 1 (a co-panel indicator).
    Both(ColIx, ColIx),
}

impl<'a> Model<'a> {
    /// A model with one binary column per eligible pair and no rows yet.
    pub fn new(inst: &'a Instance, elig: &'a EligiblePairs) -> Self {
        let mut by_expert = vec![Vec::new(); inst.experts.len()];
        let mut columns = Vec::with_capacity(elig.len());
        for (p, (&e, &s)) in elig.experts.iter().zip(&elig.scores).enumerate() {
            columns.push(Column {
                lo: 0,
                hi: 1,
                objective: s.0,
            });
            if let Some(list) = by_expert.get_mut(e.ix()) {
                list.push(ColIx(p as u32));
            }
        }
        Model {
            inst,
            elig,
            columns,
            rows: Vec::new(),
            by_expert,
            infeasible_row: None,
            offset: 0,
            aux: Vec::new(),
        }
    }

    /// The constant added to the objective, in millionths.
    pub fn offset(&self) -> i64 {
        self.offset
    }

    /// Adds `delta` millionths to the objective's constant.
    pub(crate) fn add_offset(&mut self, delta: i64) {
        self.offset = self.offset.saturating_add(delta);
    }

    /// Adds an auxiliary column whose best value follows from the pair
    /// columns as `def` says (see [`AuxDef`]).
    pub(crate) fn add_aux_column(
        &mut self,
        lo: i32,
        hi: i32,
        objective: i64,
        def: AuxDef,
    ) -> ColIx {
        let c = self.add_column(lo, hi, objective);
        if let Some(last) = self.aux.last_mut() {
            *last = def;
        }
        c
    }

    /// The instance this model is of.
    pub fn instance(&self) -> &'a Instance {
        self.inst
    }

    /// The eligible pairs behind the pair columns.
    pub fn pairs(&self) -> &'a EligiblePairs {
        self.elig
    }

    /// All columns (pair columns first).
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// All rows added so far (rows implied by column bounds are not kept).
    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    /// The pair columns of application `a` with their experts.
    pub fn pair_columns_of_app(&self, a: AppIx) -> impl Iterator<Item = (ColIx, ExpertIx)> + 'a {
        let elig = self.elig;
        let start = elig.offsets[a.ix()];
        elig.experts_of(a)
            .iter()
            .enumerate()
            .map(move |(i, &e)| (ColIx((start + i) as u32), e))
    }

    /// The pair columns of expert `e` (ascending, i.e. by application).
    pub fn pair_columns_of_expert(&self, e: ExpertIx) -> &[ColIx] {
        &self.by_expert[e.ix()]
    }

    /// The column `x[a,e]`, if the pair is eligible.
    pub fn pair_column(&self, a: AppIx, e: ExpertIx) -> Option<ColIx> {
        let row = self.elig.experts_of(a);
        row.binary_search(&e)
            .ok()
            .map(|i| ColIx((self.elig.offsets[a.ix()] + i) as u32))
    }

    /// Adds an auxiliary integer column `lo ≤ y ≤ hi` with objective
    /// coefficient `objective` (millionths) and returns it.
    pub fn add_column(&mut self, lo: i32, hi: i32, objective: i64) -> ColIx {
        self.columns.push(Column { lo, hi, objective });
        self.aux.push(AuxDef::Free);
        ColIx((self.columns.len() - 1) as u32)
    }

    /// Fixes column `c` at its upper bound (a pair that must stay on its
    /// panel, e.g. a seat a replacement keeps).
    pub(crate) fn fix_at_upper(&mut self, c: ColIx) {
        let col = &mut self.columns[c.ix()];
        col.lo = col.hi;
    }

    /// Replaces the objective: column `c` gets `objective(c)` (millionths
    /// or any integer weight) and the constant becomes 0 (e.g. counting
    /// the seats a replacement keeps, before their score is maximised).
    pub(crate) fn set_objective(&mut self, objective: &dyn Fn(ColIx) -> i64) {
        for (i, col) in self.columns.iter_mut().enumerate() {
            col.objective = objective(ColIx(i as u32));
        }
        self.offset = 0;
    }

    /// Adds the row `lo ≤ Σ coef·col ≤ hi`. Rows every assignment within
    /// the column bounds satisfies are dropped; a row none can satisfy
    /// makes [`Model::solve`] return [`MipError::Infeasible`] at once.
    /// Zero coefficients are dropped; a column must appear at most once.
    pub fn add_row(
        &mut self,
        rule: &'static str,
        terms: Vec<(ColIx, i64)>,
        lo: Option<i64>,
        hi: Option<i64>,
    ) {
        let terms: Vec<(ColIx, i64)> = terms.into_iter().filter(|&(_, k)| k != 0).collect();
        let (mut min_act, mut max_act) = (0i128, 0i128);
        for &(c, k) in &terms {
            let col = self.columns[c.ix()];
            let (a, b) = (k as i128 * col.lo as i128, k as i128 * col.hi as i128);
            min_act += a.min(b);
            max_act += a.max(b);
        }
        let lo_ok = lo.is_none_or(|lo| min_act >= lo as i128);
        let hi_ok = hi.is_none_or(|hi| max_act <= hi as i128);
        if lo_ok && hi_ok {
            return; // implied by the column bounds
        }
        let lo_possible = lo.is_none_or(|lo| max_act >= lo as i128);
        let hi_possible = hi.is_none_or(|hi| min_act <= hi as i128);
        let empty_range = matches!((lo, hi), (Some(l), Some(h)) if l > h);
        if !lo_possible || !hi_possible || empty_range {
            self.infeasible_row.get_or_insert(rule);
            return;
        }
        self.rows.push(Row {
            rule,
            terms,
            lo,
            hi,
        });
    }

    /// Adds all five SPEC.md rule families.
    pub fn add_spec_rules(&mut self) {
        self.add_panel_size_rule();
        self.add_outside_rule();
        self.add_city_cap_rule();
        self.add_institution_cap_rule();
        self.add_load_rule();
        self.add_programme_load_rule();
    }

    /// Every application `a` gets exactly `k_a` experts:
    /// `Σ_e x[a,e] = inst.panel_size(a)`.
    pub fn add_panel_size_rule(&mut self) {
        for a in self.inst.app_ixs() {
            let k = i64::from(self.inst.panel_size(a));
            let terms = self.pair_columns_of_app(a).map(|(c, _)| (c, 1)).collect();
            self.add_row("panel size", terms, Some(k), Some(k));
        }
    }

    /// At least `inst.min_outside(a)` experts from a city other than `a`'s.
    pub fn add_outside_rule(&mut self) {
        for a in self.inst.app_ixs() {
            let q = i64::from(self.inst.min_outside(a));
            if q == 0 {
                continue;
            }
            let home = self.inst.applications[a.ix()].city;
            let terms = self
                .pair_columns_of_app(a)
                .filter(|&(_, e)| self.inst.experts[e.ix()].city != home)
                .map(|(c, _)| (c, 1))
                .collect();
            self.add_row("outside city", terms, Some(q), None);
        }
    }

    /// At most `max_per_city` experts of one city on any panel (home city
    /// included). Nothing when the policy sets no cap.
    pub fn add_city_cap_rule(&mut self) {
        self.add_group_cap(
            "city cap",
            |inst, a| inst.max_per_city(a),
            |inst, e| inst.experts[e.ix()].city.0,
        );
    }

    /// At most `max_per_institution` experts of one institution on any
    /// panel. Nothing when the policy sets no cap.
    pub fn add_institution_cap_rule(&mut self) {
        self.add_group_cap(
            "institution cap",
            |inst, a| inst.max_per_institution(a),
            |inst, e| inst.experts[e.ix()].institution.0,
        );
    }

    /// Per application with a cap (its programme's or the round's), one
    /// `≤ cap` row per group of its eligible experts.
    fn add_group_cap(
        &mut self,
        rule: &'static str,
        cap_of: impl Fn(&Instance, AppIx) -> Option<u32>,
        group_of: impl Fn(&Instance, ExpertIx) -> u32,
    ) {
        for a in self.inst.app_ixs() {
            let Some(cap) = cap_of(self.inst, a) else {
                continue;
            };
            let cap = i64::from(cap);
            let mut members: Vec<(u32, ColIx)> = self
                .pair_columns_of_app(a)
                .map(|(c, e)| (group_of(self.inst, e), c))
                .collect();
            members.sort_unstable();
            for group in members.chunk_by(|x, y| x.0 == y.0) {
                let terms = group.iter().map(|&(_, c)| (c, 1)).collect();
                self.add_row(rule, terms, None, Some(cap));
            }
        }
    }

    /// Every expert's load within `inst.min_load(e) ..= inst.max_load(e)`.
    pub fn add_load_rule(&mut self) {
        for e in self.inst.expert_ixs() {
            let lo = i64::from(self.inst.min_load(e));
            let hi = i64::from(self.inst.max_load(e));
            let terms = self.by_expert[e.ix()].iter().map(|&c| (c, 1)).collect();
            self.add_row("load", terms, Some(lo), Some(hi));
        }
    }

    /// Per expert and programme with a `max_load`: the expert's reviews
    /// within that programme at most that many.
    pub(crate) fn add_programme_load_rule(&mut self) {
        let inst = self.inst;
        if !inst.any_programme_load_cap() {
            return;
        }
        let mut rows: std::collections::BTreeMap<(ExpertIx, u32), Vec<(ColIx, i64)>> =
            Default::default();
        for a in inst.app_ixs() {
            let Some(p) = inst.applications[a.ix()].programme else {
                continue;
            };
            if inst.programme_max_load(p).is_none() {
                continue;
            }
            for (c, e) in self.pair_columns_of_app(a) {
                rows.entry((e, p.0)).or_default().push((c, 1));
            }
        }
        for ((_, p), terms) in rows {
            let cap = inst
                .programme_max_load(crate::model::ProgIx(p))
                .unwrap_or(0);
            self.add_row("programme load", terms, None, Some(i64::from(cap)));
        }
    }

    /// Solves the model with the backend in `opts`, checks the answer
    /// against every row in exact integers, and returns it.
    ///
    /// # Errors
    /// [`MipError::Infeasible`] when no assignment satisfies the rows;
    /// [`MipError::TimeLimit`] when time ran out with no assignment;
    /// [`MipError::Solver`] when the backend fails or its answer does not
    /// check out.
    pub fn solve(self, opts: &MipOptions) -> Result<MipSolution, MipError> {
        // The limit covers this whole call: the backend's model is built
        // within it and the search gets what is left (a limit too large
        // for a deadline is none).
        let deadline = opts
            .time_limit
            .and_then(|t| std::time::Instant::now().checked_add(t));
        if self.infeasible_row.is_some() {
            return Err(MipError::Infeasible);
        }
        let raw = if self.columns.is_empty() {
            RawSolution {
                values: Vec::new(),
                proven_optimal: true,
                bound: None,
            }
        } else {
            let warm = self.warm_start_values(opts.warm_start.as_deref());
            // A backend panic (e.g. microlp's integrality assertion) must not
            // take the program down: turn it into an error.
            catch_unwind(AssertUnwindSafe(|| match opts.backend {
                Backend::Microlp => self.run_microlp(deadline, warm),
                #[cfg(feature = "highs")]
                Backend::Highs => self.run_highs(deadline, warm),
            }))
            .map_err(|_| MipError::Solver("the MIP backend panicked".into()))??
        };
        self.decode(raw, opts.upper_bound)
    }

    fn warm_start_values(&self, panels: Option<&[Vec<ExpertIx>]>) -> Option<Vec<(usize, f64)>> {
        let panels = panels?;
        let mut values: Vec<(usize, f64)> = (0..self.elig.len()).map(|p| (p, 0.0)).collect();
        for (a, panel) in panels.iter().enumerate().take(self.elig.num_apps()) {
            for &e in panel {
                if let Some(c) = self.pair_column(AppIx(a as u32), e) {
                    values[c.ix()].1 = 1.0;
                }
            }
        }
        let n = self.elig.len();
        for (i, def) in self.aux.iter().enumerate() {
            let on = |c: &ColIx| values[c.ix()].1 > 0.5;
            let v = match def {
                AuxDef::Free => continue,
                AuxDef::AnyOf(cols) => cols.iter().any(on),
                AuxDef::Both(x, y) => on(x) && on(y),
            };
            values.push((n + i, if v { 1.0 } else { 0.0 }));
        }
        Some(values)
    }

    /// The backend model's variables and objective.
    fn backend_variables(&self) -> (ProblemVariables, Vec<Variable>, Expression) {
        let mut vars = ProblemVariables::new();
        let mut objective = Expression::with_capacity(self.columns.len());
        let cols: Vec<Variable> = self
            .columns
            .iter()
            .map(|c| {
                let v = vars.add(variable().integer().min(c.lo).max(c.hi));
                if c.objective != 0 {
                    objective.add_mul(c.objective as f64, v);
                }
                v
            })
            .collect();
        (vars, cols, objective)
    }

    fn add_backend_rows<M: SolverModel>(&self, problem: &mut M, cols: &[Variable]) {
        for row in &self.rows {
            let mut expr = Expression::with_capacity(row.terms.len());
            for &(c, k) in &row.terms {
                expr.add_mul(k as f64, cols[c.ix()]);
            }
            match (row.lo, row.hi) {
                (Some(lo), Some(hi)) if lo == hi => {
                    problem.add_constraint(expr.eq(lo as f64));
                }
                (lo, hi) => {
                    if let Some(lo) = lo {
                        problem.add_constraint(expr.clone().geq(lo as f64));
                    }
                    if let Some(hi) = hi {
                        problem.add_constraint(expr.leq(hi as f64));
                    }
                }
            }
        }
    }

    fn run_microlp(
        &self,
        deadline: Option<std::time::Instant>,
        warm: Option<Vec<(usize, f64)>>,
    ) -> Result<RawSolution, MipError> {
        let (vars, cols, objective) = self.backend_variables();
        let mut problem = vars.maximise(objective).using(good_lp::microlp);
        if let Some(warm) = warm {
            problem = problem.with_initial_solution(warm.into_iter().map(|(p, v)| (cols[p], v)));
        }
        self.add_backend_rows(&mut problem, &cols);
        // Set last: microlp's clock starts when it solves, so the search
        // gets what the build left.
        if let Some(left) = time_left(deadline)? {
            problem = problem.with_time_limit(left.as_secs_f64());
        }
        let solution = problem.solve().map_err(resolution_error)?;
        let proven_optimal = matches!(solution.status(), SolutionStatus::Optimal);
        let values = cols.iter().map(|&v| solution.value(v)).collect();
        let bound = solution.into_inner().stats().best_bound;
        Ok(RawSolution {
            values,
            proven_optimal,
            bound,
        })
    }

    #[cfg(feature = "highs")]
    fn run_highs(
        &self,
        deadline: Option<std::time::Instant>,
        warm: Option<Vec<(usize, f64)>>,
    ) -> Result<RawSolution, MipError> {
        let (vars, cols, objective) = self.backend_variables();
        let mut problem = vars.maximise(objective).using(good_lp::highs);
        problem.set_verbose(false);
        // Prove exact optimality, not HiGHS's default 0.01% gap.
        problem = problem
            .set_mip_rel_gap(0.0)
            .map_err(|e| MipError::Solver(format!("HiGHS gap option: {e}")))?;
        if let Some(warm) = warm {
            problem = problem.with_initial_solution(warm.into_iter().map(|(p, v)| (cols[p], v)));
        }
        self.add_backend_rows(&mut problem, &cols);
        if let Some(left) = time_left(deadline)? {
            problem = problem.set_time_limit(left.as_secs_f64());
        }
        let solution = problem.solve().map_err(resolution_error)?;
        let proven_optimal = matches!(solution.status(), SolutionStatus::Optimal);
        let values = cols.iter().map(|&v| solution.value(v)).collect();
        Ok(RawSolution {
            values,
            proven_optimal,
            bound: None,
        })
    }

    /// Rounds, checks every row exactly, recomputes the objective.
    fn decode(&self, raw: RawSolution, upper_bound: Option<i64>) -> Result<MipSolution, MipError> {
        let mut values = Vec::with_capacity(self.columns.len());
        for (i, (&v, col)) in raw.values.iter().zip(&self.columns).enumerate() {
            let r = v.round();
            if !v.is_finite() || (v - r).abs() > INTEGRALITY_TOL {
                return Err(MipError::Solver(format!(
                    "column {i} has non-integral value {v}"
                )));
            }
            let r = r as i64;
            if r < i64::from(col.lo) || r > i64::from(col.hi) {
                return Err(MipError::Solver(format!(
                    "column {i} has value {r} outside its bounds {}..={}",
                    col.lo, col.hi
                )));
            }
            values.push(r);
        }
        if values.len() != self.columns.len() {
            return Err(MipError::Solver(
                "the backend returned too few values".into(),
            ));
        }
        for row in &self.rows {
            match row.activity(&values) {
                Some(act) if row.holds(act) => {}
                _ => {
                    return Err(MipError::Solver(format!(
                        "the backend's assignment violates a {} row",
                        row.rule
                    )))
                }
            }
        }
        let mut objective: i64 = self.offset;
        for (col, &v) in self.columns.iter().zip(&values) {
            objective = col
                .objective
                .checked_mul(v)
                .and_then(|t| objective.checked_add(t))
                .ok_or_else(|| MipError::Solver("objective overflows i64".into()))?;
        }
        let mut panels = vec![Vec::new(); self.elig.num_apps()];
        for (a, panel) in panels.iter_mut().enumerate() {
            let a = AppIx(a as u32);
            for (c, e) in self.pair_columns_of_app(a) {
                if values[c.ix()] != 0 {
                    panel.push(e);
                }
            }
            panel.sort_unstable();
        }
        let (status, bound_micro) =
            if raw.proven_optimal || upper_bound.is_some_and(|ub| objective >= ub) {
                (MipStatus::Optimal, Some(objective))
            } else {
                // The objective is an integer, so floor(bound) bounds it; the
                // slack absorbs floating noise in the backend's bound (which
                // leaves out the model's constant offset).
                let bound = raw.bound.filter(|b| b.is_finite()).map(|b| {
                    let slack = 1e-6 * b.abs().max(1.0);
                    ((b + slack).floor() as i64)
                        .saturating_add(self.offset)
                        .max(objective)
                });
                let bound = match (bound, upper_bound) {
                    (Some(b), Some(ub)) => Some(b.min(ub)),
                    (b, ub) => b.or(ub),
                };
                (MipStatus::Feasible, bound)
            };
        Ok(MipSolution {
            panels,
            objective_micro: objective,
            status,
            bound_micro,
        })
    }
}

/// What a backend hands back before decoding.
struct RawSolution {
    values: Vec<f64>,
    proven_optimal: bool,
    bound: Option<f64>,
}

fn resolution_error(e: ResolutionError) -> MipError {
    match e {
        ResolutionError::Infeasible => MipError::Infeasible,
        // good_lp reports "no assignment before the time limit" as `Other`
        // (microlp: "Time limit reached before finding a feasible solution";
        // HiGHS: "NoSolutionFound").
        ResolutionError::Other(msg)
            if msg.to_ascii_lowercase().contains("time limit") || msg == "NoSolutionFound" =>
        {
            MipError::TimeLimit
        }
        other => MipError::Solver(other.to_string()),
    }
}

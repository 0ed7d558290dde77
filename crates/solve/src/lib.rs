//! `panels solve`: from an instance to optimal panels with a certificate, or
//! to an explanation of why none exist.
//!
//! The default method is the exact min-cost flow ([`crate::flow`]) over the
//! network built by [`network::encode`]; every flow solution is certified
//! (bounds, conservation, reduced costs) before it is returned, and its
//! potentials become a [`DualCertificate`] in model terms that `verify
//! --certificate` re-checks without the solver.
//!
//! When the policy switches on a crossing rule (docs/algorithms.md, "Crossing rules":
//! `min_senior`, `cover_fields`, the round outside shares, `max_copanel`)
//! the flow alone cannot hold the rules. Then [`solve_with`] runs the MIP
//! ([`crate::mip::cross`]) started from the repaired flow answer and
//! bounded by the flow optimum, or, for rounds too large for the MIP, the
//! Lagrangian relaxation with repair ([`lagrange`]). The soft city bonus
//! is not a crossing rule: it nests in the flow ([`network::encode_with`]).

#![deny(missing_docs)]

// The crates below, under the module names they had in one crate, so that
// paths read `crate::model::Instance` wherever they are used.
use panels_core::{certificate, eligibility, history, model};
use panels_flow as flow;
use panels_io as io;

pub mod candidates;
mod carry;
pub mod draw;
pub mod explain;
pub mod lagrange;
pub mod mip;
pub mod network;
pub mod pricing;
pub mod profile;
pub mod progress;

use std::time::{Duration, Instant};

use crate::certificate::{DualCertificate, Duals};
use crate::eligibility::{Eligibility, EligiblePairs};
use crate::flow::FlowError;
use crate::model::{ExpertIx, Instance};
use explain::Infeasibility;
use network::{ArcRole, Encoded, NotLaminar};

/// How far a result is proven.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Proven optimal: objective equals the certified bound.
    Optimal,
    /// Obeys every rule; optimality not proven (see the bound).
    Feasible,
}

impl Status {
    /// The word written in the panels file.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Optimal => "optimal",
            Status::Feasible => "feasible",
        }
    }
}

/// Which algorithm to use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Method {
    /// The min-cost flow, falling back to the MIP when the rules do not nest.
    #[default]
    Auto,
    /// The exact min-cost flow.
    Flow,
    /// The good_lp MIP (microlp); small instances only.
    Mip,
    /// The Lagrangian relaxation of the crossing rules on top of the flow,
    /// with repair (the flow itself when no crossing rule is on).
    Lagrange,
}

impl Method {
    /// Every method, in the order the command line lists them.
    pub const ALL: [Method; 4] = [Method::Auto, Method::Flow, Method::Mip, Method::Lagrange];

    /// The method's name: `auto`, `flow`, `mip` or `lagrange`.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Auto => "auto",
            Method::Flow => "flow",
            Method::Mip => "mip",
            Method::Lagrange => "lagrange",
        }
    }
}

impl std::str::FromStr for Method {
    type Err = String;

    /// A method by its name, in any letter case.
    fn from_str(s: &str) -> Result<Method, String> {
        Method::ALL
            .into_iter()
            .find(|m| m.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| format!("method {s}: expected auto, flow, mip or lagrange"))
    }
}

/// Largest number of eligible pairs for which [`Method::Auto`] sends a
/// round with crossing rules to the MIP; above it, to the Lagrangian path.
pub const CROSS_MIP_PAIR_LIMIT: usize = crate::mip::MIP_PAIR_LIMIT;

/// How to solve: the method, its budget, and the candidate pairs.
#[derive(Clone, Debug, Default)]
pub struct SolveOptions {
    /// Which algorithm.
    pub method: Method,
    /// Wall-clock budget of the MIP and the Lagrangian loop (`None`: no
    /// limit for the MIP, the iteration count for the Lagrangian). It
    /// covers the whole solve, from [`SolveOptions::started`]: the
    /// eligible pairs, the flow start and its repair, building the model,
    /// and the search (which gets what is left).
    pub time_limit: Option<Duration>,
    /// When the solve began, for the time limit: a caller that computed
    /// the eligibility first gives the moment it began (`None`: the call
    /// of [`solve_with`]).
    pub started: Option<Instant>,
    /// The MIP backend.
    pub backend: crate::mip::Backend,
    /// Subgradient iterations of the Lagrangian path (0: the default).
    pub lagrange_iterations: usize,
    /// Candidates per application (large rounds; see [`pricing`]).
    pub candidates: pricing::CandidateChoice,
    /// Where progress of the long phases goes (nowhere by default).
    pub progress: progress::Progress,
    /// Given the last network solved on candidates, e.g. to write it in
    /// the DIMACS min-cost flow format ([`network::dimacs`]) for reference
    /// solvers (`scripts/bench_scale.py`).
    pub dump_network: Option<NetworkDump>,
    /// Candidate pairs from which a round with city or institution caps is
    /// first solved without them, its optimum (less the panels that break
    /// a cap) starting the capped solve (`None`:
    /// [`pricing::UNCAPPED_START_FROM`]). A speed-up only: the optimum does
    /// not depend on it.
    pub uncapped_start_from: Option<usize>,
}

/// Longest time limit a solve takes, in seconds: 1,000,000 s (about 11.6
/// days). A `Duration` or a deadline far beyond it may overflow, and no
/// round needs more.
pub const MAX_TIME_LIMIT_SECONDS: f64 = 1e6;

/// A time limit that is not a number of seconds above 0 and at most
/// [`MAX_TIME_LIMIT_SECONDS`]: the number given.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BadTimeLimit(pub f64);

impl std::fmt::Display for BadTimeLimit {
    /// `1e20: expected …`; callers put the flag or field in front
    /// (`--time-limit 1e20: …`, `time_limit 1e20: …`).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: expected a number of seconds above 0 and at most {MAX_TIME_LIMIT_SECONDS}",
            self.0
        )
    }
}

impl std::error::Error for BadTimeLimit {}

/// A solve's time limit in seconds as a [`SolveOptions::time_limit`]: a
/// finite number above 0 and at most [`MAX_TIME_LIMIT_SECONDS`]. The one
/// rule of `panels solve --time-limit` and of the console's `time_limit`
/// (both call it; nothing is clamped).
///
/// # Errors
/// `0`, a negative number, `NaN`, an infinity, or more than the maximum.
///
/// # Examples
/// ```
/// use std::time::Duration;
/// use panels_solve::{time_limit, MAX_TIME_LIMIT_SECONDS};
///
/// assert_eq!(time_limit(60.0), Ok(Duration::from_secs(60)));
/// assert!(time_limit(MAX_TIME_LIMIT_SECONDS).is_ok());
/// let e = time_limit(1e20).unwrap_err();
/// assert_eq!(
///     format!("--time-limit {e}"),
///     "--time-limit 100000000000000000000: expected a number of seconds above 0 and at most 1000000"
/// );
/// ```
pub fn time_limit(seconds: f64) -> Result<Duration, BadTimeLimit> {
    if seconds.is_finite() && seconds > 0.0 && seconds <= MAX_TIME_LIMIT_SECONDS {
        Ok(Duration::from_secs_f64(seconds))
    } else {
        Err(BadTimeLimit(seconds))
    }
}

/// A receiver of the network solved on candidates ([`SolveOptions::dump_network`]).
#[derive(Clone)]
pub struct NetworkDump(pub std::sync::Arc<dyn Fn(&flow::Network) + Send + Sync>);

impl std::fmt::Debug for NetworkDump {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NetworkDump")
    }
}

/// Sizes and timings of a solve. Sizes go into the panels file's `stats`;
/// timings do not (same input ⇒ same bytes), they are printed on stderr.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct SolveStats {
    /// Eligible pairs.
    pub eligible_pairs: usize,
    /// Nodes in the flow network (0 for the MIP).
    pub nodes: usize,
    /// Arcs in the flow network (0 for the MIP).
    pub arcs: usize,
    /// Relative gap `(bound − objective) / max(|bound|, 1e-9)` of a
    /// `feasible` answer with a bound; absent when optimal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gap: Option<f64>,
    /// Seconds spent building eligibility and the network.
    #[serde(skip)]
    pub build_seconds: f64,
    /// Seconds in the solver.
    #[serde(skip)]
    pub solve_seconds: f64,
    /// Candidates and pricing, when the round was solved on candidates
    /// (see [`pricing`]); absent for the dense network.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pricing: Option<pricing::PricingStats>,
    /// Where the time went, phase by phase (stderr with `panels solve -v`).
    #[serde(skip)]
    pub profile: profile::Profile,
}

/// A solved round.
#[derive(Clone, Debug, PartialEq)]
pub struct Solved {
    /// Panel of each application (input order), experts in input order.
    pub panels: Vec<Vec<ExpertIx>>,
    /// Total score, in millionths.
    pub objective_micro: i64,
    /// Proven upper bound on the total score, in millionths (`None` when
    /// the method proved none).
    pub bound_micro: Option<i64>,
    /// Proven optimal or only feasible.
    pub status: Status,
    /// Dual certificate of the bound, when the method gives one.
    pub certificate: Option<DualCertificate>,
    /// `flow`, `mip` or `lagrange`.
    pub solver: &'static str,
    /// Sizes and timings.
    pub stats: SolveStats,
}

/// Why solving stopped without panels.
#[derive(Debug, thiserror::Error)]
pub enum SolveError {
    /// No assignment obeys every rule.
    #[error("{0}")]
    Infeasible(Infeasibility),
    /// The rules do not nest and the MIP was not allowed.
    #[error("{0}")]
    NotLaminar(NotLaminar),
    /// The flow solver refused the network (e.g. cost range).
    #[error("flow solver: {0}")]
    Flow(FlowError),
    /// The MIP backend failed.
    #[error("MIP solver: {0}")]
    Mip(String),
    /// A crossing rule is on and the method cannot hold it.
    #[error("{0}")]
    CrossingRules(String),
    /// A heuristic found no assignment obeying every rule (which proves
    /// nothing about feasibility).
    #[error("{0}")]
    NotFound(String),
    /// A solution failed its own certificate check: a bug, never expected.
    #[error("internal error: the solution failed its optimality check ({0}); please report this")]
    Uncertified(String),
}

/// Solves `inst` with `method` (no time limit, microlp).
pub fn solve(inst: &Instance, elig: &Eligibility, method: Method) -> Result<Solved, SolveError> {
    solve_with(
        inst,
        elig,
        &SolveOptions {
            method,
            ..SolveOptions::default()
        },
    )
}

/// Solves `inst` as `opts` says. Without crossing rules: the flow (or the
/// MIP when asked, or when the rules do not nest). With crossing rules:
/// [`Method::Auto`] takes the MIP up to [`CROSS_MIP_PAIR_LIMIT`] eligible
/// pairs (or when the rules do not nest) and the Lagrangian path above;
/// [`Method::Flow`] refuses.
pub fn solve_with(
    inst: &Instance,
    elig: &Eligibility,
    opts: &SolveOptions,
) -> Result<Solved, SolveError> {
    if let Some(k) = sparse_candidates(inst, opts) {
        match network::check_laminar(inst) {
            Ok(()) => return pricing::solve_sparse(inst, elig, k, opts),
            Err(e) if opts.method == Method::Flow => return Err(SolveError::NotLaminar(e)),
            Err(_) => {}
        }
    }
    let started = Instant::now();
    let pairs = elig.pairs(inst);
    if let Some(why) = explain::precheck(inst, elig, &pairs) {
        return Err(SolveError::Infeasible(why));
    }
    let laminar = network::check_laminar(inst);
    let crossing = inst.policy.crossing_rules();
    let with_gap = |mut s: Solved| {
        if let (Status::Feasible, Some(b)) = (s.status, s.bound_micro) {
            let (b, o) = (b as f64, s.objective_micro as f64);
            s.stats.gap = Some((b - o) / b.abs().max(1e-9));
        }
        s
    };
    if crossing.is_empty() {
        return match (opts.method, laminar) {
            (Method::Mip, _) | (Method::Auto, Err(_)) => solve_mip(inst, &pairs, started, opts),
            (Method::Flow | Method::Lagrange, Err(e)) => Err(SolveError::NotLaminar(e)),
            (_, Ok(())) => solve_flow(inst, &pairs, started),
        }
        .map(with_gap);
    }
    if let Some(why) = explain::precheck_crossing(inst, &pairs) {
        return Err(SolveError::Infeasible(why));
    }
    solve_crossing(inst, &pairs, started, opts, laminar.is_ok(), &crossing).map(with_gap)
}

/// What is left of the time limit of `opts` (`None`: no limit): the
/// limit counts from [`SolveOptions::started`], else from `started` (the
/// call of [`solve_with`]).
fn time_left(opts: &SolveOptions, started: Instant) -> Option<Duration> {
    let began = opts.started.unwrap_or(started);
    opts.time_limit.map(|l| l.saturating_sub(began.elapsed()))
}

/// Candidates per application when the round is solved on candidates with
/// pricing (see [`pricing`]): only for the flow, without crossing rules or
/// a city bonus. [`pricing::CandidateChoice::Auto`] keeps rounds of at most
/// [`pricing::DENSE_PAIRS`] applications × experts on all eligible pairs.
/// Both ways the answer is optimal over all eligible pairs.
fn sparse_candidates(inst: &Instance, opts: &SolveOptions) -> Option<usize> {
    let flow_only = matches!(opts.method, Method::Flow | Method::Auto)
        && inst.policy.crossing_rules().is_empty()
        && inst.policy.bonus_micro() == 0;
    if !flow_only {
        return None;
    }
    let size = inst.applications.len().saturating_mul(inst.experts.len());
    match opts.candidates {
        pricing::CandidateChoice::All => None,
        pricing::CandidateChoice::Auto if size <= pricing::DENSE_PAIRS => None,
        pricing::CandidateChoice::Auto => Some(pricing::auto_k(inst)),
        pricing::CandidateChoice::Top(k) => Some(k),
    }
}

fn solve_crossing(
    inst: &Instance,
    pairs: &EligiblePairs,
    started: Instant,
    opts: &SolveOptions,
    laminar: bool,
    crossing: &[crate::model::CrossingRule],
) -> Result<Solved, SolveError> {
    let use_mip = match opts.method {
        Method::Flow => {
            let names: Vec<&str> = crossing.iter().map(|r| r.field()).collect();
            return Err(SolveError::CrossingRules(format!(
                "the policy sets {}, which the flow alone cannot hold; use --method auto, mip or lagrange",
                names.join(", ")
            )));
        }
        Method::Mip => true,
        Method::Lagrange => false,
        Method::Auto => !laminar || pairs.len() <= CROSS_MIP_PAIR_LIMIT,
    };
    if use_mip {
        solve_cross_mip(inst, pairs, started, opts)
    } else {
        solve_cross_lagrange(inst, pairs, started, opts)
    }
}

/// Crossing rules by the MIP: the flow optimum (without the crossing
/// rules) bounds the answer, and its repaired panels start the search; if
/// the repaired panels already reach the bound, they are optimal and the
/// MIP is skipped.
pub(crate) fn solve_cross_mip(
    inst: &Instance,
    pairs: &EligiblePairs,
    started: Instant,
    opts: &SolveOptions,
) -> Result<Solved, SolveError> {
    use crate::mip::{cross, MipError, MipOptions, MipStatus};
    let mut upper_bound = None;
    let mut start: Option<(i64, Vec<Vec<ExpertIx>>)> = None;
    if network::check_laminar(inst).is_ok() {
        let enc = network::encode(inst, pairs);
        match enc.net.solve() {
            Ok(sol) => {
                let bonus_const = inst.policy.bonus_micro()
                    * inst.app_ixs().filter(|&a| inst.panel_size(a) > 0).count() as i64;
                let ub = i64::try_from(-sol.cost - i128::from(bonus_const))
                    .map_err(|_| SolveError::Uncertified("objective overflow".into()))?;
                upper_bound = Some(ub);
                let mut panels = enc.panels(&sol.flow);
                if lagrange::repair(inst, pairs, &mut panels) {
                    lagrange::polish(inst, pairs, &mut panels, 2);
                    start = Some((lagrange::objective(inst, pairs, &panels), panels));
                }
            }
            Err(FlowError::Infeasible(cut)) => {
                return Err(SolveError::Infeasible(explain::from_cut(inst, &enc, &cut)))
            }
            Err(e) => return Err(SolveError::Flow(e)),
        }
    }
    let build_seconds = started.elapsed().as_secs_f64();
    let t = Instant::now();
    let stats = |solve_seconds| SolveStats {
        eligible_pairs: pairs.len(),
        build_seconds,
        solve_seconds,
        ..Default::default()
    };
    if let (Some((obj, panels)), Some(ub)) = (&start, upper_bound) {
        if *obj >= ub {
            return Ok(Solved {
                panels: panels.clone(),
                objective_micro: *obj,
                bound_micro: Some(ub),
                status: Status::Optimal,
                certificate: None,
                solver: "mip",
                stats: stats(t.elapsed().as_secs_f64()),
            });
        }
    }
    let mip_opts = MipOptions {
        // What the flow start left; at least a moment to try, since the
        // repaired start is in hand whatever happens.
        time_limit: time_left(opts, started).map(|l| l.max(Duration::from_millis(10))),
        backend: opts.backend,
        warm_start: start.as_ref().map(|(_, p)| p.clone()),
        upper_bound,
    };
    let result = cross::solve_crossing(inst, pairs, &mip_opts);
    let solve_seconds = t.elapsed().as_secs_f64();
    let sol = match result {
        Ok(sol) => sol,
        Err(MipError::Infeasible) => {
            return Err(SolveError::Infeasible(explain::crossing_infeasible(
                inst,
                upper_bound.is_some(),
            )))
        }
        Err(MipError::TimeLimit) => match start {
            // Time ran out: the repaired flow answer is still valid.
            Some((obj, panels)) => {
                return Ok(Solved {
                    panels,
                    objective_micro: obj,
                    bound_micro: upper_bound,
                    status: Status::Feasible,
                    certificate: None,
                    solver: "mip",
                    stats: stats(solve_seconds),
                })
            }
            None => return Err(SolveError::Mip(MipError::TimeLimit.to_string())),
        },
        Err(e) => return Err(SolveError::Mip(e.to_string())),
    };
    // Keep the better of the MIP's answer and the start.
    let (panels, objective_micro) = match start {
        Some((obj, panels)) if obj > sol.objective_micro => (panels, obj),
        _ => (sol.panels, sol.objective_micro),
    };
    let bound = match (sol.status, sol.bound_micro, upper_bound) {
        (MipStatus::Optimal, _, _) => Some(objective_micro),
        (_, Some(b), Some(ub)) => Some(b.min(ub)),
        (_, b, ub) => b.or(ub),
    }
    .map(|b| b.max(objective_micro));
    let status = if bound == Some(objective_micro) {
        Status::Optimal
    } else {
        Status::Feasible
    };
    Ok(Solved {
        panels,
        objective_micro,
        bound_micro: bound,
        status,
        certificate: None,
        solver: "mip",
        stats: stats(solve_seconds),
    })
}

/// Crossing rules by the Lagrangian relaxation with repair.
pub(crate) fn solve_cross_lagrange(
    inst: &Instance,
    pairs: &EligiblePairs,
    started: Instant,
    opts: &SolveOptions,
) -> Result<Solved, SolveError> {
    let build_seconds = started.elapsed().as_secs_f64();
    let t = Instant::now();
    let mut lopts = lagrange::LagrangeOptions {
        time_limit: time_left(opts, started),
        ..Default::default()
    };
    if opts.lagrange_iterations > 0 {
        lopts.max_iterations = opts.lagrange_iterations;
    }
    let sol = lagrange::solve_lagrange(inst, pairs, &lopts)?;
    let status = if sol.objective_micro >= sol.bound_micro {
        Status::Optimal
    } else {
        Status::Feasible
    };
    Ok(Solved {
        panels: sol.panels,
        objective_micro: sol.objective_micro,
        bound_micro: Some(sol.bound_micro),
        status,
        certificate: None,
        solver: "lagrange",
        stats: SolveStats {
            eligible_pairs: pairs.len(),
            build_seconds,
            solve_seconds: t.elapsed().as_secs_f64(),
            ..Default::default()
        },
    })
}

/// The exact min-cost flow path.
pub(crate) fn solve_flow(
    inst: &Instance,
    pairs: &EligiblePairs,
    started: Instant,
) -> Result<Solved, SolveError> {
    let mut profile = profile::Profile::default();
    profile.add("eligible-pairs", started, format!("{} pairs", pairs.len()));
    let t = Instant::now();
    let enc = network::encode(inst, pairs);
    profile.add(
        "network.1",
        t,
        format!("{} nodes, {} arcs", enc.net.num_nodes(), enc.net.num_arcs()),
    );
    let build_seconds = started.elapsed().as_secs_f64();
    let t = Instant::now();
    let result = enc.net.solve();
    let solve_seconds = t.elapsed().as_secs_f64();
    profile.add("solve.1", t, "");
    let t = Instant::now();
    let sol = match result {
        Ok(sol) => sol,
        Err(FlowError::Infeasible(cut)) => {
            return Err(SolveError::Infeasible(explain::from_cut(inst, &enc, &cut)))
        }
        Err(e) => return Err(SolveError::Flow(e)),
    };
    flow::certify(&enc.net, &sol).map_err(|e| SolveError::Uncertified(e.to_string()))?;
    // The city bonus counts cities beyond the first: the flow pays it for
    // every city, so take one bonus off each non-empty panel.
    let bonus = inst.policy.bonus_micro();
    let bonus_const = bonus * inst.app_ixs().filter(|&a| inst.panel_size(a) > 0).count() as i64;
    let objective_micro = i64::try_from(-sol.cost - i128::from(bonus_const))
        .map_err(|_| SolveError::Uncertified("objective overflow".into()))?;
    let bound = -flow::dual_objective(&enc.net, &sol.potential);
    if bound != -sol.cost {
        return Err(SolveError::Uncertified(format!(
            "dual bound {bound} differs from objective {objective_micro}"
        )));
    }
    // The model-terms certificate knows no bonus arcs: with a bonus the
    // flow's own check above is the proof, and no certificate is written.
    let certificate = (bonus == 0)
        .then(|| model_duals(inst, &enc, &sol.potential).to_certificate(inst, objective_micro));
    profile.add("certificate.1", t, "");
    Ok(Solved {
        panels: enc.panels(&sol.flow),
        objective_micro,
        bound_micro: Some(objective_micro),
        status: Status::Optimal,
        certificate,
        solver: "flow",
        stats: SolveStats {
            eligible_pairs: pairs.len(),
            nodes: enc.net.num_nodes(),
            arcs: enc.net.num_arcs(),
            build_seconds,
            solve_seconds,
            gap: None,
            pricing: None,
            profile,
        },
    })
}

/// Translates node potentials into the model's LP duals (see
/// [`crate::certificate`]): with `rc = cost + π(from) − π(to)` and costs
/// `−score`, a path a → groups → e → sink has reduced costs summing to
/// `−s + π(a) − π(sink)`, so `u_a = π(a) − π(sink)` and each cap's dual is
/// the negative part of its arc's reduced cost.
pub fn model_duals(inst: &Instance, enc: &Encoded, potential: &[i64]) -> Duals {
    let n_apps = inst.applications.len();
    let n_exp = inst.experts.len();
    let pi_sink = potential[enc.sink.index()];
    let mut d = Duals {
        panel: enc
            .app_node
            .iter()
            .map(|n| potential[n.index()] - pi_sink)
            .collect(),
        city: vec![Default::default(); n_apps],
        institution: vec![Default::default(); n_apps],
        max_load: vec![0; n_exp],
        min_load: vec![0; n_exp],
        programme: vec![Default::default(); n_exp],
    };
    for a in enc.net.arcs() {
        let rc = enc.net.cost(a) + potential[enc.net.source(a).index()]
            - potential[enc.net.target(a).index()];
        match enc.arc_role(a) {
            ArcRole::CityCap(app, c) => {
                d.city[app.ix()].insert(c.0, (-rc).max(0));
            }
            ArcRole::InstitutionCap(app, i) => {
                d.institution[app.ix()].insert(i.0, (-rc).max(0));
            }
            ArcRole::Load(e) => {
                d.max_load[e.ix()] = (-rc).max(0);
                d.min_load[e.ix()] = rc.max(0);
            }
            ArcRole::ProgrammeCap(e, p) => {
                d.programme[e.ix()].insert(p.0, (-rc).max(0));
            }
            ArcRole::Pair(..) | ArcRole::CityBonus(..) => {}
        }
    }
    d
}

/// The MIP path (small instances; rules that do not nest).
pub fn solve_mip(
    inst: &Instance,
    pairs: &EligiblePairs,
    started: Instant,
    opts: &SolveOptions,
) -> Result<Solved, SolveError> {
    let build_seconds = started.elapsed().as_secs_f64();
    let t = Instant::now();
    // The pairs and the checks before took part of the limit.
    let mip_opts = crate::mip::MipOptions {
        time_limit: time_left(opts, started),
        backend: opts.backend,
        ..Default::default()
    };
    let sol = crate::mip::cross::solve_crossing(inst, pairs, &mip_opts).map_err(|e| match e {
        crate::mip::MipError::Infeasible => SolveError::Infeasible({
            let mut why = Infeasibility {
                shortfall: 1,
                ..Default::default()
            };
            why.finding(
                "the MIP proved that no assignment obeys every rule".into(),
                "整数规划证明：没有任何分配方案能满足全部规则".into(),
            );
            why.fix(
                "run `panels solve --method flow` (when the rules nest) for a detailed explanation"
                    .into(),
                "（规则可嵌套时）运行 `panels solve --method flow` 以获得详细说明".into(),
            );
            why
        }),
        other => SolveError::Mip(other.to_string()),
    })?;
    let solve_seconds = t.elapsed().as_secs_f64();
    let status = match sol.status {
        crate::mip::MipStatus::Optimal => Status::Optimal,
        crate::mip::MipStatus::Feasible => Status::Feasible,
    };
    Ok(Solved {
        panels: sol.panels,
        objective_micro: sol.objective_micro,
        bound_micro: match status {
            Status::Optimal => Some(sol.bound_micro.unwrap_or(sol.objective_micro)),
            Status::Feasible => sol.bound_micro,
        },
        status,
        certificate: None,
        solver: "mip",
        stats: SolveStats {
            eligible_pairs: pairs.len(),
            build_seconds,
            solve_seconds,
            ..Default::default()
        },
    })
}

/// The panels file for a solved round.
///
/// `stats` holds sizes only (eligible pairs, nodes, arcs): timings differ
/// from run to run, and the same input and seed must give the same bytes,
/// so they are printed on stderr, never written.
pub fn panels_file(
    inst: &Instance,
    elig: &Eligibility,
    solved: &Solved,
    hash: String,
) -> crate::io::panels::PanelsFile {
    let panels = inst
        .app_ixs()
        .map(|a| {
            let experts = &solved.panels[a.ix()];
            crate::io::panels::PanelRecord {
                application: inst.applications[a.ix()].id.clone(),
                programme: inst.programme_name(a).map(str::to_string),
                experts: experts
                    .iter()
                    .map(|e| inst.experts[e.ix()].id.clone())
                    .collect(),
                scores: Some(
                    experts
                        .iter()
                        .map(|&e| elig.score(inst, a, e).as_f64())
                        .collect(),
                ),
            }
        })
        .collect();
    let stats = serde_json::to_value(&solved.stats).ok();
    let mut file = crate::io::panels::PanelsFile {
        status: solved.status.as_str().to_string(),
        objective: crate::model::total_as_f64(solved.objective_micro),
        bound: solved.bound_micro.map(crate::model::total_as_f64),
        panels,
        solver: Some(solved.solver.to_string()),
        seed: Some(inst.policy.seed),
        input_sha256: Some(hash),
        certificate: solved
            .certificate
            .as_ref()
            .and_then(|c| serde_json::to_value(c).ok()),
        stats,
        ..Default::default()
    };
    file.seal();
    file
}

#[cfg(test)]
mod time_limit_tests {
    use super::*;

    #[test]
    fn a_time_limit_is_seconds_above_zero_up_to_the_one_maximum() {
        for ok in [1e-3, 1.0, 60.0, 86_400.0, MAX_TIME_LIMIT_SECONDS] {
            assert_eq!(time_limit(ok), Ok(Duration::from_secs_f64(ok)), "{ok}");
        }
        for bad in [
            0.0,
            -0.0,
            -1.0,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            MAX_TIME_LIMIT_SECONDS + 1.0,
            1e9,
            1e20,
            f64::MAX,
        ] {
            let e = time_limit(bad).unwrap_err();
            assert!(
                e.to_string()
                    .ends_with("expected a number of seconds above 0 and at most 1000000"),
                "{e}"
            );
        }
    }
}

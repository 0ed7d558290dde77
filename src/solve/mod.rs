//! `panels solve`: from an instance to optimal panels with a certificate, or
//! to an explanation of why none exist.
//!
//! The default method is the exact min-cost flow ([`crate::flow`]) over the
//! network built by [`network::encode`]; every flow solution is certified
//! (bounds, conservation, reduced costs) before it is returned, and its
//! potentials become a [`DualCertificate`] in model terms that `verify
//! --certificate` re-checks without the solver.

pub mod candidates;
pub mod explain;
pub mod network;
pub mod pricing;
pub mod progress;

use std::time::Instant;

use crate::certificate::{DualCertificate, Duals};
use crate::eligibility::{Eligibility, EligiblePairs};
use crate::flow::{self, FlowError};
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
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Method {
    /// The min-cost flow, falling back to the MIP when the rules do not nest.
    #[default]
    Auto,
    /// The exact min-cost flow.
    Flow,
    /// The good_lp MIP (microlp); small instances only.
    Mip,
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
    /// `flow` or `mip`.
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
    /// `--dump-network` could not write its file.
    #[error("cannot write the network: {0}")]
    Dump(String),
    /// A solution failed its own certificate check: a bug, never expected.
    #[error("internal error: the solution failed its optimality check ({0}); please report this")]
    Uncertified(String),
}

/// Options of [`solve_with`] beyond the method.
#[derive(Clone, Debug, Default)]
pub struct SolveOptions {
    /// Candidates per application (large rounds; see [`pricing`]).
    pub candidates: pricing::CandidateChoice,
    /// Progress bars on stderr.
    pub progress: progress::Progress,
    /// Write the last network solved on candidates to this file, in the
    /// DIMACS min-cost flow format (for reference solvers; see
    /// `scripts/bench_scale.py`).
    pub dump_network: Option<std::path::PathBuf>,
}

/// Solves `inst` with `method`, choosing dense or candidates + pricing as
/// `opts` says: [`pricing::CandidateChoice::Auto`] solves rounds of at most
/// [`pricing::DENSE_PAIRS`] applications × experts on all eligible pairs,
/// larger ones on candidates. Both answers are optimal over all eligible
/// pairs. The MIP and rules that do not nest always use all pairs.
pub fn solve_with(
    inst: &Instance,
    elig: &Eligibility,
    method: Method,
    opts: &SolveOptions,
) -> Result<Solved, SolveError> {
    let size = inst.applications.len().saturating_mul(inst.experts.len());
    let k = match opts.candidates {
        pricing::CandidateChoice::All => None,
        pricing::CandidateChoice::Auto if size <= pricing::DENSE_PAIRS => None,
        pricing::CandidateChoice::Auto => Some(pricing::auto_k(inst)),
        pricing::CandidateChoice::Top(k) => Some(k),
    };
    match (k, method) {
        (Some(k), Method::Flow) | (Some(k), Method::Auto) => {
            if let Err(e) = network::check_laminar(inst) {
                if method == Method::Flow {
                    return Err(SolveError::NotLaminar(e));
                }
                return solve(inst, elig, method);
            }
            pricing::solve_sparse(inst, elig, k, opts)
        }
        _ => solve(inst, elig, method),
    }
}

/// Solves `inst` with `method` on all eligible pairs.
pub fn solve(inst: &Instance, elig: &Eligibility, method: Method) -> Result<Solved, SolveError> {
    let started = Instant::now();
    let pairs = elig.pairs(inst);
    if let Some(why) = explain::precheck(inst, elig, &pairs) {
        return Err(SolveError::Infeasible(why));
    }
    let laminar = network::check_laminar(inst);
    match (method, laminar) {
        (Method::Mip, _) | (Method::Auto, Err(_)) => solve_mip(inst, &pairs, started),
        (Method::Flow, Err(e)) => Err(SolveError::NotLaminar(e)),
        (_, Ok(())) => solve_flow(inst, &pairs, started),
    }
}

/// The exact min-cost flow path.
pub fn solve_flow(
    inst: &Instance,
    pairs: &EligiblePairs,
    started: Instant,
) -> Result<Solved, SolveError> {
    let enc = network::encode(inst, pairs);
    let build_seconds = started.elapsed().as_secs_f64();
    let t = Instant::now();
    let result = enc.net.solve();
    let solve_seconds = t.elapsed().as_secs_f64();
    let sol = match result {
        Ok(sol) => sol,
        Err(FlowError::Infeasible(cut)) => {
            return Err(SolveError::Infeasible(explain::from_cut(inst, &enc, &cut)))
        }
        Err(e) => return Err(SolveError::Flow(e)),
    };
    flow::certify(&enc.net, &sol).map_err(|e| SolveError::Uncertified(e.to_string()))?;
    let objective_micro = i64::try_from(-sol.cost)
        .map_err(|_| SolveError::Uncertified("objective overflow".into()))?;
    let bound = -flow::dual_objective(&enc.net, &sol.potential);
    if bound != -sol.cost {
        return Err(SolveError::Uncertified(format!(
            "dual bound {bound} differs from objective {objective_micro}"
        )));
    }
    let duals = model_duals(inst, &enc, &sol.potential);
    Ok(Solved {
        panels: enc.panels(&sol.flow),
        objective_micro,
        bound_micro: Some(objective_micro),
        status: Status::Optimal,
        certificate: Some(duals.to_certificate(inst, objective_micro)),
        solver: "flow",
        stats: SolveStats {
            eligible_pairs: pairs.len(),
            nodes: enc.net.num_nodes(),
            arcs: enc.net.num_arcs(),
            build_seconds,
            solve_seconds,
            pricing: None,
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
            ArcRole::Pair(..) => {}
        }
    }
    d
}

/// The MIP path (small instances; rules that do not nest).
pub fn solve_mip(
    inst: &Instance,
    pairs: &EligiblePairs,
    started: Instant,
) -> Result<Solved, SolveError> {
    let build_seconds = started.elapsed().as_secs_f64();
    let t = Instant::now();
    let sol = crate::mip::solve_mip(inst, pairs, &crate::mip::MipOptions::default()).map_err(|e| match e {
        crate::mip::MipError::Infeasible => SolveError::Infeasible(Infeasibility {
            shortfall: 1,
            findings: vec!["the MIP proved that no assignment obeys every rule".into()],
            fixes: vec!["run `panels solve --method flow` (when the rules nest) for a detailed explanation".into()],
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

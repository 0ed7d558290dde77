//! `panels draw` and `panels replace`: a logged random draw (抽取) with a
//! cap on every pair's probability, ranked alternates, and replacement of
//! experts who decline with the fewest changes.
//!
//! # What a draw guarantees
//!
//! Chinese review practice draws experts at random from the eligible pool,
//! logs everything (全程留痕), keeps ranked alternates and forbids
//! re-rolling. Randomness also protects against collusion: an expert who
//! wants a given application can get it with probability at most `p`, the
//! policy's `max_probability` (Jecmen, Zhang, Liu, Shah, Conitzer, Fang,
//! *Mitigating Manipulation in Peer Review via Randomized Reviewer
//! Assignments*, NeurIPS 2020). A draw here
//!
//! 1. obeys **every** rule exactly (panel sizes, outside-city share,
//!    per-city and per-institution caps, load floors and caps, eligibility):
//!    every draw passes `verify` before the command line or the console
//!    writes it;
//! 2. draws each pair (a, e) with probability **exactly** `x(a,e)`, where
//!    `x` is an optimal solution of the linear program "maximise the
//!    expected total score over fractional assignments obeying every rule,
//!    with `x(a,e) ≤ p` for every pair"; so no pair exceeds `p`, and the
//!    expected total score is the largest any such random assignment can
//!    have (each random assignment's marginals are a feasible `x`);
//! 3. is a deterministic function of (input bytes, seed): the log records
//!    the input's SHA-256, the seed, the policy, every `x(a,e) > 0` and the
//!    result, and `panels draw --replay` recomputes it byte for byte.
//!
//! # The algorithm
//!
//! **The capped LP is a flow.** The rules nest (DESIGN.md "The key fact"),
//! so the panel problem is a min-cost flow over the network of
//! [`crate::network`]: application → city group → institution group
//! → expert → sink. Lowering the capacity of each pair arc from 1 to `p`
//! keeps it a flow problem, and its fractional optimum is the capped LP
//! above. Write `p = P/D` in lowest terms (`p` is rounded to 6 decimals, so
//! `D` divides 10⁶) and multiply every supply and bound by `D`, with pair
//! arcs capped at `P`: the data are integers, the constraint matrix is
//! totally unimodular, so the exact integer min-cost flow ([`crate::flow`])
//! of the scaled network *is* an optimal vertex of the scaled LP. Its flow
//! `f` read in units of `1/D` gives `x = f/D` ([`lp::CappedLp`]).
//!
//! **Dependent rounding keeps every rule.** ([`round`]; Gandhi, Khuller,
//! Parthasarathy, Srinivasan, *Dependent rounding and its applications*,
//! J. ACM 2006, on a general network as in Jecmen et al.) Call an arc
//! *fractional* when its flow is not a multiple of `D`. Every supply is a
//! multiple of `D`, so conservation at a node forbids exactly one
//! fractional arc there: the fractional arcs form a graph of minimum degree
//! ≥ 2 (ignoring direction) and contain a cycle. Along such a cycle, push
//! `+α` (forward arcs up, backward arcs down) with probability `β/(α+β)`
//! or `−β` with probability `α/(α+β)`, where `α` and `β` are the largest
//! steps that keep every cycle arc between the multiples of `D` around it.
//! The expected change of every arc is 0, conservation holds at every node,
//! and at least one arc becomes a multiple of `D` and is never touched
//! again. After at most (number of arcs) steps the flow is integral. Each
//! arc ends at the floor or the ceiling of its fractional value, so every
//! integral bound (panel size, city and institution caps, loads) still
//! holds; and `E[final flow] = f`, so `Pr[pair drawn] = x(a,e)` exactly.
//! All arithmetic is in integers (units of `1/D`); the random choice is
//! `u < β` for `u` uniform in `0..α+β` from a `ChaCha8Rng` seeded with the
//! seed, so it is exact and reproducible. The cycle search walks one path
//! and keeps the part before a cycle after rounding it, so the whole
//! rounding costs O(n + m + Σ cycle lengths).
//!
//! **No cap, no randomness.** With a cap of 1, `D = 1`, the scaled network
//! is the solve network, its optimum is integral, and the draw returns the
//! same panels as `panels solve` (`rounding_steps` 0). The randomness, and
//! the protection, come from the cap; so a draw that is given no cap (no
//! `--max-probability`, no policy `max_probability`) uses
//! [`DEFAULT_MAX_PROBABILITY`] (½), and says so ([`CapSource`]).
//!
//! # Alternates and replacement
//!
//! [`mod@alternates`] ranks, for each panel, the eligible non-members whose
//! promotion in place of some member keeps every rule (score, then input
//! order). [`mod@replace`] re-solves with declined pairs forbidden and a cost
//! that first maximises the number of pairs kept, then the score, so the
//! fewest other pairs change.
//!
//! # Where it meets others
//!
//! Uses the solver of this crate (the encoder and the cap-free optimum),
//! [`crate::flow`] (the exact solver), [`crate::eligibility`]; the CLI
//! writes what [`log`] builds, after `verify` accepts it.
//!
//! # Example
//!
//! Three experts for one seat, each capped at probability ½: the same seed
//! draws the same panel, and the draw never scores above the optimum.
//!
//! ```
//! use panels_core::eligibility::Eligibility;
//! use panels_solve::draw::draw_capped;
//!
//! let bundle = br#"{
//!   "policy": { "panel_size": 1 },
//!   "experts": [
//!     { "id": "E1", "city": "Hefei", "institution": "USTC" },
//!     { "id": "E2", "city": "Nanchang", "institution": "NCU" },
//!     { "id": "E3", "city": "Yueyang", "institution": "HNIT" }
//!   ],
//!   "applications": [ { "id": "A1", "city": "Wuhan", "institution": "WHU" } ],
//!   "affinity": [
//!     { "application": "A1", "expert": "E1", "score": 0.9 },
//!     { "application": "A1", "expert": "E2", "score": 0.8 },
//!     { "application": "A1", "expert": "E3", "score": 0.1 }
//!   ]
//! }"#;
//! let inst = panels_io::load_bundle_from_bytes(std::path::Path::new("r.json"), bundle)?;
//! let elig = Eligibility::compute(&inst);
//! let first = draw_capped(&inst, &elig, 7, 0.5)?;
//! let again = draw_capped(&inst, &elig, 7, 0.5)?;
//! assert_eq!(first.panels, again.panels);
//! assert_eq!(first.panels[0].len(), 1);
//! assert!(first.objective_micro <= first.optimum_micro);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod alternates;
pub mod history;
pub mod log;
pub mod lp;
pub mod replace;
pub mod replace_file;
pub mod round;
pub mod state;

use crate::eligibility::Eligibility;
use crate::explain::Infeasibility;
use crate::model::{ExpertIx, Instance};
use crate::network::NotLaminar;
use crate::{self as solve, Method, SolveError};

pub use alternates::{alternates, Alternate, PanelAlternates};
pub use log::{
    draw_output, replace_log, DrawLog, DrawOutput, ReplaceAsked, ReplaceLog, ReplayRecord,
    LOG_FORMAT, REPLACE_FORMAT,
};
pub use lp::{cap_fraction, units_text, CapTooLow, CappedLp, Marginal, PROBABILITY_UNITS};
pub use replace::{replace, replace_with, Change, ReplaceRequest, Replaced, Stopped};
pub use replace_file::{replace_file, FileReplacement, ReplaceFileError, ReplaceInput};
pub use round::{dependent_round, RoundError};

/// Why a draw or a replacement produced nothing.
#[derive(Debug, thiserror::Error)]
pub enum DrawError {
    /// The rules themselves admit no assignment (exit 3).
    #[error("{0}")]
    Infeasible(Infeasibility),
    /// The rules admit assignments, but not with every pair's probability
    /// at most `max_probability` (exit 3).
    #[error("{0}")]
    CapTooLow(CapTooLow),
    /// The rules do not nest, so the flow (and the draw, which samples
    /// from it) cannot hold them. A replacement never returns it: it
    /// takes the MIP then.
    #[error("{0}")]
    NotLaminar(NotLaminar),
    /// The policy sets crossing rules (`min_senior`, `cover_fields`, …),
    /// which a draw cannot hold: it samples panels from the flow (exit 2).
    #[error("the policy sets {0}, which a draw cannot hold (it samples panels from the flow, which holds only the rules that nest); turn it off to draw, or use panels solve")]
    CrossingRules(String),
    /// A decline that names no pair of the panels (exit 2).
    #[error("{0}")]
    BadDecline(String),
    /// Only the declined seats may change, and they cannot be refilled
    /// (exit 3): which application, which rule, what would help.
    #[error("{0}")]
    Stuck(String),
    /// The flow solver refused the network (numbers too large).
    #[error("flow solver: {0}")]
    Flow(crate::flow::FlowError),
    /// The MIP (a replacement on rules that do not nest) failed.
    #[error("MIP solver: {0}")]
    Mip(String),
    /// A bug: a result that broke its own invariant.
    #[error("internal error: {0}; please report this")]
    Internal(String),
}

impl From<SolveError> for DrawError {
    fn from(e: SolveError) -> Self {
        match e {
            SolveError::Infeasible(why) => DrawError::Infeasible(why),
            SolveError::NotLaminar(n) => DrawError::NotLaminar(n),
            SolveError::Flow(f) => DrawError::Flow(f),
            other => DrawError::Internal(other.to_string()),
        }
    }
}

/// A finished draw: the LP, the cap-free optimum and the sampled panels.
#[derive(Debug)]
pub struct Drawn {
    /// The capped LP (probabilities) the panels were sampled from.
    pub lp: CappedLp,
    /// Optimal total score without the cap (from `solve`), in millionths:
    /// an upper bound on every draw.
    pub optimum_micro: i64,
    /// The drawn panels, per application in input order, experts in input
    /// order.
    pub panels: Vec<Vec<ExpertIx>>,
    /// Total score of the drawn panels, in millionths.
    pub objective_micro: i64,
    /// Cycles rounded.
    pub rounding_steps: usize,
    /// The pairs the LP was solved on: every eligible pair, or on a large
    /// round the candidates with every pair pricing added (all pairs with
    /// probability are among them). Alternates are ranked among these.
    pub pairs: crate::eligibility::EligiblePairs,
    /// Exact number of eligible pairs of the round.
    pub eligible_pairs: usize,
}

/// The cap on every pair's probability when neither `--max-probability`
/// nor the policy's `max_probability` gives one: ½, so that a draw is
/// random wherever the rules leave room (抽取 means random).
pub const DEFAULT_MAX_PROBABILITY: f64 = 0.5;

/// Where the cap of a draw came from (written in the log).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CapSource {
    /// `--max-probability` on the command line (wins over the policy).
    Flag,
    /// The policy's `max_probability`.
    Policy,
    /// Neither: [`DEFAULT_MAX_PROBABILITY`].
    Default,
}

impl CapSource {
    /// The word written in the log: `flag`, `policy` or `default`.
    pub fn as_str(self) -> &'static str {
        match self {
            CapSource::Flag => "flag",
            CapSource::Policy => "policy",
            CapSource::Default => "default",
        }
    }

    /// Reads [`CapSource::as_str`] back.
    pub fn parse(s: &str) -> Option<CapSource> {
        match s {
            "flag" => Some(CapSource::Flag),
            "policy" => Some(CapSource::Policy),
            "default" => Some(CapSource::Default),
            _ => None,
        }
    }
}

/// The cap in force: the flag, else the policy, else the default.
///
/// A flag equal (to 6 decimals, as caps are applied) to the cap the policy
/// or the default would give changes nothing and is reported as that
/// source: so a log's `max_probability_source` says `flag` only when the
/// flag changed the cap, and a replay, which applies the flag again only
/// for `flag`, reproduces the logged source exactly (a source edited in a
/// log no longer replays as identical).
pub fn resolve_cap(flag: Option<f64>, policy: Option<f64>) -> (f64, CapSource) {
    let otherwise = match policy {
        Some(p) => (p, CapSource::Policy),
        None => (DEFAULT_MAX_PROBABILITY, CapSource::Default),
    };
    let micro = |p: f64| (p * 1e6).round();
    match flag {
        Some(p) if p.is_finite() && micro(p) == micro(otherwise.0) => (p, otherwise.1),
        Some(p) => (p, CapSource::Flag),
        None => otherwise,
    }
}

/// Draws panels for `inst` with `seed` and the cap of the policy (else
/// [`DEFAULT_MAX_PROBABILITY`]); see [`draw_capped`].
///
/// # Errors
/// As [`draw_capped`].
pub fn draw(inst: &Instance, elig: &Eligibility, seed: u64) -> Result<Drawn, DrawError> {
    let (cap, _) = resolve_cap(None, inst.policy.max_probability);
    draw_capped(inst, elig, seed, cap)
}

/// Draws panels for `inst` with `seed`, no pair above probability
/// `max_probability` (see the module docs).
///
/// # Errors
/// [`DrawError::Infeasible`] when no assignment obeys the rules,
/// [`DrawError::CapTooLow`] when none does with the probability cap,
/// [`DrawError::NotLaminar`] when the rules do not nest,
/// [`DrawError::CrossingRules`] when the policy sets a crossing rule.
pub fn draw_capped(
    inst: &Instance,
    elig: &Eligibility,
    seed: u64,
    max_probability: f64,
) -> Result<Drawn, DrawError> {
    let crossing = inst.policy.crossing_rules();
    if !crossing.is_empty() {
        let names: Vec<&str> = crossing.iter().map(|r| r.field()).collect();
        return Err(DrawError::CrossingRules(names.join(", ")));
    }
    let optimum = solve::solve(inst, elig, Method::Flow)?;
    let (lp, pairs, eligible_pairs) = match optimum.stats.pricing.as_ref() {
        // The round was too large for every pair: so is the draw.
        Some(p) => CappedLp::solve_sparse(
            inst,
            elig,
            p.candidates_per_application,
            Some(max_probability),
        )?,
        None => {
            let pairs = elig.pairs(inst);
            let lp = CappedLp::solve(inst, &pairs, Some(max_probability))?;
            let n = pairs.len();
            (lp, pairs, n)
        }
    };
    let (panels, rounding_steps) = lp.sample(seed)?;
    let objective_micro = total_micro(inst, elig, &panels);
    if objective_micro > optimum.objective_micro {
        return Err(DrawError::Internal(format!(
            "the draw scores {objective_micro} above the proven optimum {}",
            optimum.objective_micro
        )));
    }
    Ok(Drawn {
        lp,
        optimum_micro: optimum.objective_micro,
        panels,
        objective_micro,
        rounding_steps,
        pairs,
        eligible_pairs,
    })
}

/// Objective of `panels` in millionths: the scores of its pairs less their
/// repeat penalties ([`Eligibility::objective_score`]) plus each panel's
/// city bonus ([`Instance::panel_bonus`]), as `verify` recomputes it.
pub fn total_micro(inst: &Instance, elig: &Eligibility, panels: &[Vec<ExpertIx>]) -> i64 {
    let scores: i64 = panels
        .iter()
        .enumerate()
        .flat_map(|(a, p)| p.iter().map(move |&e| (a, e)))
        .map(|(a, e)| {
            elig.objective_score(inst, crate::model::AppIx(a as u32), e)
                .0
        })
        .sum();
    scores + panels.iter().map(|p| inst.panel_bonus(p)).sum::<i64>()
}

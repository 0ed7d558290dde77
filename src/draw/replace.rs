//! `panels replace`: experts decline, and the panels are repaired with the
//! fewest changes, keeping every rule.
//!
//! Each decline `(a, e)` removes the pair from the eligible pairs. The
//! solve network is then re-solved with the cost of every pair the old
//! panels hold lowered by a bonus `B` larger than any difference in total
//! score between two assignments (`B = seats × (max score − min score) + 1`):
//! the exact min-cost flow therefore first maximises the number of old
//! pairs kept — each lost pair costs `B`, more than any score gain — and
//! among those assignments maximises the total score. Since every panel
//! keeps its size, "pairs kept" is the same as "fewest pairs changed".
//!
//! When a decline can be filled by promoting one alternate (see
//! [`mod@super::alternates`]), exactly one pair changes: the declined one, for
//! the best-scoring alternate that may replace that member. Otherwise the
//! flow moves as few other pairs as the rules require (an expert may move
//! from one panel to another to free up a seat that counts towards an
//! outside-city rule, for example).

use std::collections::BTreeSet;

use super::DrawError;
use crate::eligibility::{Eligibility, EligiblePairs};
use crate::flow::{self, FlowError, Network};
use crate::model::{AppIx, ExpertIx, Instance};
use crate::solve::explain;
use crate::solve::network::{check_laminar, encode, ArcRole};

/// What changed on one panel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// The application.
    pub app: AppIx,
    /// Experts who left the panel (input order).
    pub removed: Vec<ExpertIx>,
    /// Experts who joined it (input order).
    pub added: Vec<ExpertIx>,
}

/// The repaired panels.
#[derive(Clone, Debug, PartialEq)]
pub struct Replaced {
    /// New panels, per application in input order, experts in input order.
    pub panels: Vec<Vec<ExpertIx>>,
    /// Total score of the new panels, in millionths.
    pub objective_micro: i64,
    /// Panels that changed, in input order.
    pub changes: Vec<Change>,
    /// Pairs of the old panels kept.
    pub kept: usize,
}

impl Replaced {
    /// Number of pairs removed (equal to the number added).
    pub fn changed_pairs(&self) -> usize {
        self.changes.iter().map(|c| c.removed.len()).sum()
    }
}

/// Repairs `panels` after the `declines` (see the module docs).
///
/// # Errors
/// [`DrawError::BadDecline`] when a decline names an expert who is not on
/// that panel or `panels` does not have one panel per application;
/// [`DrawError::Infeasible`] when no assignment without the declined pairs
/// obeys every rule; [`DrawError::NotLaminar`] when the rules do not nest.
pub fn replace(
    inst: &Instance,
    elig: &Eligibility,
    panels: &[Vec<ExpertIx>],
    declines: &[(AppIx, ExpertIx)],
) -> Result<Replaced, DrawError> {
    if panels.len() != inst.applications.len() {
        return Err(DrawError::BadDecline(format!(
            "the panels file has {} panel(s) for {} application(s)",
            panels.len(),
            inst.applications.len()
        )));
    }
    for &(a, e) in declines {
        if !panels[a.ix()].contains(&e) {
            return Err(DrawError::BadDecline(format!(
                "{} is not on the panel of {}",
                inst.experts[e.ix()].id,
                inst.applications[a.ix()].id
            )));
        }
    }
    check_laminar(inst).map_err(DrawError::NotLaminar)?;
    let all = elig.pairs(inst);
    let pairs = without(&all, declines);
    if let Some(why) = explain::precheck(inst, elig, &pairs) {
        return Err(DrawError::Infeasible(why));
    }
    let enc = encode(inst, &pairs);

    // The bonus B for keeping a pair: more than any score difference.
    let (lo, hi) = pairs
        .scores
        .iter()
        .fold((0i64, 0i64), |(lo, hi), s| (lo.min(s.0), hi.max(s.0)));
    let seats: i64 = inst.app_ixs().map(|a| i64::from(inst.panel_size(a))).sum();
    let bonus = seats
        .checked_mul(hi - lo)
        .and_then(|x| x.checked_add(1))
        .ok_or_else(|| DrawError::Flow(range_error()))?;
    let net = &enc.net;
    let mut biased = Network::with_capacity(net.num_nodes(), net.num_arcs());
    for n in net.nodes() {
        let m = biased.add_node();
        biased.set_supply(m, net.supply(n));
    }
    for arc in net.arcs() {
        let mut cost = net.cost(arc);
        if let ArcRole::Pair(a, e) = enc.arc_role(arc) {
            if panels[a.ix()].contains(&e) {
                cost = cost
                    .checked_sub(bonus)
                    .ok_or_else(|| DrawError::Flow(range_error()))?;
            }
        }
        biased.add_arc(
            net.source(arc),
            net.target(arc),
            net.lower(arc),
            net.upper(arc),
            cost,
        );
    }
    let sol = match biased.solve() {
        Ok(sol) => sol,
        Err(FlowError::Infeasible(cut)) => {
            return Err(DrawError::Infeasible(explain::from_cut(inst, &enc, &cut)))
        }
        Err(e) => return Err(DrawError::Flow(e)),
    };
    flow::certify(&biased, &sol).map_err(|e| DrawError::Internal(e.to_string()))?;
    let new = enc.panels(&sol.flow);
    let mut changes = Vec::new();
    let mut kept = 0;
    for a in inst.app_ixs() {
        let (old, now) = (&panels[a.ix()], &new[a.ix()]);
        let mut removed: Vec<ExpertIx> = old.iter().copied().filter(|e| !now.contains(e)).collect();
        let mut added: Vec<ExpertIx> = now.iter().copied().filter(|e| !old.contains(e)).collect();
        kept += now.len() - added.len();
        if !removed.is_empty() || !added.is_empty() {
            removed.sort_unstable();
            added.sort_unstable();
            changes.push(Change {
                app: a,
                removed,
                added,
            });
        }
    }
    Ok(Replaced {
        objective_micro: super::total_micro(inst, elig, &new),
        panels: new,
        changes,
        kept,
    })
}

fn range_error() -> FlowError {
    FlowError::CostRange {
        what: "the bonus for keeping a pair (seats × score range)",
        value: i128::MAX,
        limit: i128::from(i64::MAX),
    }
}

/// `all` without the declined pairs.
fn without(all: &EligiblePairs, declines: &[(AppIx, ExpertIx)]) -> EligiblePairs {
    let declines: BTreeSet<(AppIx, ExpertIx)> = declines.iter().copied().collect();
    let mut out = EligiblePairs {
        offsets: Vec::with_capacity(all.offsets.len()),
        experts: Vec::with_capacity(all.experts.len()),
        scores: Vec::with_capacity(all.scores.len()),
    };
    out.offsets.push(0);
    for a in 0..all.num_apps() {
        let a = AppIx(a as u32);
        for (&e, &s) in all.experts_of(a).iter().zip(all.scores_of(a)) {
            if !declines.contains(&(a, e)) {
                out.experts.push(e);
                out.scores.push(s);
            }
        }
        out.offsets.push(out.experts.len());
    }
    out
}

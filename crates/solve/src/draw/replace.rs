//! `panels replace`: experts decline or withdraw, and the panels are
//! repaired keeping every rule, the round's state and the locks.
//!
//! # What may change
//!
//! A *vacated seat* is a pair of the current panels that declined, or
//! whose expert withdrew from the round. Every declined pair and every
//! pair of a withdrawn expert is *forbidden*: it is on no panel after the
//! replacement (and after every later one: the panels file keeps them,
//! see docs/round-lifecycle.md). The caller marks withdrawn experts
//! unavailable in the instance it passes, so they are eligible for nothing
//! and their load floor no longer applies.
//!
//! - **By default only vacated seats change.** Every other pair of the
//!   current panels is fixed (its arc has lower bound 1). The free pairs
//!   are then only those of applications with a vacated seat, so the
//!   network holds the current panels plus, for those applications, every
//!   eligible expert: the answer is exact without the round's other
//!   eligible pairs (at 10,000 × 15,000 a replacement of 20 declines
//!   builds a network of about 50,000 + 20 × 15,000 pairs). The open seats
//!   are filled with the highest total score. When they cannot be filled,
//!   [`DrawError::Stuck`] says which application, which rule binds, and
//!   whether `--allow-moves` would find panels.
//! - **`allow_moves`** lets other pairs change too: the solve network with
//!   the forbidden pairs removed is re-solved with the cost of every pair
//!   the current panels hold lowered by a bonus `B` larger than any
//!   difference in total score between two assignments (`B = seats × (max
//!   score − min score) + 1`), so the exact min-cost flow first keeps as
//!   many current pairs as possible — the fewest pairs change — and among
//!   those maximises the score.
//!   On rounds above [`crate::pricing::DENSE_PAIRS`] applications
//!   × experts, the moves are sought among each application's candidates
//!   (the top K eligible experts by score, as `solve` keeps them) plus the
//!   rows above: every rule is kept, but "fewest changes" is then proven
//!   among those pairs only.
//! - **Locked applications** keep their panels in both modes (their pairs
//!   are fixed); a vacated seat on a locked panel is refused.
//!
//! # Rules that do not nest
//!
//! When an institution has experts in two cities and `max_per_institution`
//! is set, the institution cap crosses the city groups and no flow holds
//! the rules ([`check_laminar`]). The replacement then solves the same
//! problem over the same pairs exactly with the MIP of `solve`
//! ([`crate::mip::cross`], every rule a row, crossing rules included):
//! without moves the seats that stay are fixed columns and the open seats
//! get the best total score; with moves one model finds the most current
//! pairs any assignment keeps and a second the best score among those
//! (two integer objectives, so no bonus has to outweigh the scores).
//! With a deadline ([`ReplaceRequest::deadline`], `replace --time-limit`)
//! the MIP may stop before proving its refill: the best one found is
//! returned marked [`Replaced::stopped`] (the log and stderr say it is not
//! proven), and none found is an error.

use std::collections::BTreeSet;

use super::DrawError;
use crate::eligibility::{Eligibility, EligiblePairs};
use crate::explain;
use crate::flow::{self, ArcId, FlowError, Network};
use crate::model::{AppIx, ExpertIx, Instance, Score};
use crate::network::{check_laminar, encode, ArcRole, Encoded};

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
    /// Set when the MIP's refill (rules that do not nest) stopped at the
    /// time limit ([`ReplaceRequest::deadline`]) before proving it the
    /// best: the panels keep every rule, a better refill may exist.
    /// `None`: proven best (the flow's refill always is).
    pub stopped: Option<Stopped>,
}

/// A refill the time limit stopped before it was proven the best.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stopped {
    /// A proven upper bound on the refill's total score (scores and city
    /// bonuses, as `objective_micro`), when the backend gave one and the
    /// refill has that one objective (without moves; with moves the
    /// refill first keeps the most pairs, so a score bound says little).
    pub bound_micro: Option<i64>,
}

impl Replaced {
    /// Number of pairs removed (equal to the number added).
    pub fn changed_pairs(&self) -> usize {
        self.changes.iter().map(|c| c.removed.len()).sum()
    }
}

/// What a replacement starts from and may do.
#[derive(Clone, Copy, Debug)]
pub struct ReplaceRequest<'a> {
    /// Current panels, per application in input order.
    pub panels: &'a [Vec<ExpertIx>],
    /// Every declined pair of the round (earlier ones and new ones).
    pub declined: &'a [(AppIx, ExpertIx)],
    /// Every withdrawn expert of the round; the instance passed with the
    /// request marks them unavailable.
    pub withdrawn: &'a [ExpertIx],
    /// Applications whose panels must not change.
    pub locked: &'a [AppIx],
    /// Let pairs other than the vacated seats change.
    pub allow_moves: bool,
    /// When the refill must be found by (`None`: no limit). Only the MIP
    /// (rules that do not nest) takes it: when it runs out, the best
    /// refill found is returned, marked [`Replaced::stopped`], or, with
    /// none found, [`DrawError::Mip`]. The flow is exact and does not
    /// stop.
    pub deadline: Option<std::time::Instant>,
}

/// Repairs `panels` after the `declines` with other pairs free to move
/// (the behaviour of `--allow-moves`; see [`replace_with`]).
///
/// # Errors
/// As [`replace_with`].
pub fn replace(
    inst: &Instance,
    elig: &Eligibility,
    panels: &[Vec<ExpertIx>],
    declines: &[(AppIx, ExpertIx)],
) -> Result<Replaced, DrawError> {
    replace_with(
        inst,
        elig,
        &ReplaceRequest {
            panels,
            declined: declines,
            withdrawn: &[],
            locked: &[],
            allow_moves: true,
            deadline: None,
        },
    )
}

/// Repairs the panels of `req` (see the module docs).
///
/// # Errors
/// [`DrawError::BadDecline`] when `panels` does not have one panel per
/// application or a locked panel has a vacated seat;
/// [`DrawError::Stuck`] when only the vacated seats may change and they
/// cannot be refilled, or when the flow's refilled panels break a crossing
/// rule (`min_senior`, `cover_fields`, …: the flow holds only the rules
/// that nest in it); [`DrawError::Infeasible`] when no assignment without
/// the forbidden pairs obeys every rule; [`DrawError::Mip`] when the MIP
/// (rules that do not nest) fails.
pub fn replace_with(
    inst: &Instance,
    elig: &Eligibility,
    req: &ReplaceRequest<'_>,
) -> Result<Replaced, DrawError> {
    let panels = req.panels;
    if panels.len() != inst.applications.len() {
        return Err(DrawError::BadDecline(format!(
            "the panels file has {} panel(s) for {} application(s)",
            panels.len(),
            inst.applications.len()
        )));
    }
    // An institution with experts in two cities under
    // `max_per_institution`: the flow cannot hold the rules, the MIP can.
    let laminar = check_laminar(inst).is_ok();
    let rules = Rules::new(inst, req);
    for &a in req.locked {
        if let Some(&e) = rules.vacated[a.ix()].first() {
            return Err(DrawError::BadDecline(format!(
                "the panel of {} is locked, but {} left it; to replace, unlock it: --unlock {} (and leave it out of --lock)",
                inst.applications[a.ix()].id,
                inst.experts[e.ix()].id,
                inst.applications[a.ix()].id
            )));
        }
    }
    let mut stopped = None;
    let new = if req.allow_moves {
        let size = inst.applications.len().saturating_mul(inst.experts.len());
        let pairs = if size > crate::pricing::DENSE_PAIRS {
            rules.candidate_rows(inst, elig)
        } else {
            rules.without_forbidden(&elig.pairs(inst))
        };
        if let Some(why) = explain::precheck(inst, elig, &pairs) {
            return Err(DrawError::Infeasible(why));
        }
        if laminar {
            let enc = encode(inst, &pairs);
            match solve_fixed(inst, &enc, &rules, true)? {
                Ok(new) => new,
                Err(cut) => return Err(DrawError::Infeasible(explain::from_cut(inst, &enc, &cut))),
            }
        } else {
            match refill_mip(inst, &pairs, &rules, true, req.deadline)? {
                Some((new, s)) => {
                    stopped = s;
                    new
                }
                None => return Err(DrawError::Infeasible(no_assignment_mip())),
            }
        }
    } else {
        let pairs = rules.seats_and_open_rows(inst, elig);
        let refill = if laminar {
            let enc = encode(inst, &pairs);
            solve_fixed(inst, &enc, &rules, false)?.ok()
        } else {
            refill_mip(inst, &pairs, &rules, false, req.deadline)?.map(|(new, s)| {
                stopped = s;
                new
            })
        };
        match refill {
            Some(new) => new,
            None => return Err(DrawError::Stuck(stuck(inst, elig, req, &rules, &pairs))),
        }
    };
    let crossing = inst.policy.crossing_rules();
    if !crossing.is_empty() && crate::lagrange::crossing_violation(inst, &new) > 0 {
        let names: Vec<&str> = crossing.iter().map(|r| r.field()).collect();
        return Err(DrawError::Stuck(format!(
            "the refilled panels break {}: a replacement keeps the rules that nest in the flow (eligibility, sizes, cities, institutions, loads) and cannot hold these across them\nwhat would fix it:\n  - {}solve the round again (panels solve) with the declined pairs as conflicts",
            names.join(", "),
            if req.allow_moves {
                ""
            } else {
                "let other seats change (--allow-moves), or "
            }
        )));
    }
    let mut replaced = diff(inst, elig, panels, new);
    replaced.stopped = stopped;
    Ok(replaced)
}

/// The request resolved: vacated seats per panel, forbidden pairs, locks.
struct Rules<'a> {
    panels: &'a [Vec<ExpertIx>],
    /// Per application: its vacated seats (input order).
    vacated: Vec<Vec<ExpertIx>>,
    /// Declined pairs.
    declined: BTreeSet<(AppIx, ExpertIx)>,
    /// Per application: locked.
    locked: Vec<bool>,
}

impl<'a> Rules<'a> {
    fn new(inst: &Instance, req: &ReplaceRequest<'a>) -> Rules<'a> {
        let declined: BTreeSet<(AppIx, ExpertIx)> = req.declined.iter().copied().collect();
        let withdrawn: BTreeSet<ExpertIx> = req.withdrawn.iter().copied().collect();
        let vacated = inst
            .app_ixs()
            .map(|a| {
                req.panels[a.ix()]
                    .iter()
                    .copied()
                    .filter(|&e| declined.contains(&(a, e)) || withdrawn.contains(&e))
                    .collect()
            })
            .collect();
        let mut locked = vec![false; inst.applications.len()];
        for &a in req.locked {
            locked[a.ix()] = true;
        }
        Rules {
            panels: req.panels,
            vacated,
            declined,
            locked,
        }
    }

    fn forbidden(&self, a: AppIx, e: ExpertIx) -> bool {
        self.declined.contains(&(a, e))
    }

    /// True when the pair (a, e) of the current panels stays: always in a
    /// locked panel; without moves, every pair but the vacated seats.
    fn fixed(&self, a: AppIx, e: ExpertIx, allow_moves: bool) -> bool {
        let on_panel = self.panels[a.ix()].contains(&e);
        on_panel && !self.vacated[a.ix()].contains(&e) && (self.locked[a.ix()] || !allow_moves)
    }

    fn without_forbidden(&self, all: &EligiblePairs) -> EligiblePairs {
        let mut out = EligiblePairs::default();
        out.offsets.push(0);
        for a in 0..all.num_apps() {
            let a = AppIx(a as u32);
            for (&e, &s) in all.experts_of(a).iter().zip(all.scores_of(a)) {
                if !self.forbidden(a, e) {
                    out.experts.push(e);
                    out.scores.push(s);
                }
            }
            out.offsets.push(out.experts.len());
        }
        out
    }

    /// The pairs a replacement with moves uses on a round too large for
    /// every pair: each application's candidates (the top K eligible
    /// experts by score, as `solve` keeps them), its current panel, and
    /// for applications with a vacated seat every eligible expert; never a
    /// forbidden pair. The fewest changes are then found among these
    /// pairs (not proven over every eligible pair).
    fn candidate_rows(&self, inst: &Instance, elig: &Eligibility) -> EligiblePairs {
        use crate::eligibility::overlap::ScoreIndex;
        let index = ScoreIndex::new(inst);
        let k = crate::pricing::auto_k(inst);
        let cand = crate::candidates::generate(inst, elig, &index, k, &|| {}).candidates;
        let open = self.seats_and_open_rows(inst, elig);
        let mut out = EligiblePairs::default();
        out.offsets.push(0);
        for a in inst.app_ixs() {
            let mut row: Vec<(ExpertIx, Score)> = cand.rows[a.ix()]
                .iter()
                .copied()
                .filter(|&(e, _)| !self.forbidden(a, e))
                .collect();
            row.extend(
                open.experts_of(a)
                    .iter()
                    .copied()
                    .zip(open.scores_of(a).iter().copied()),
            );
            row.sort_unstable_by_key(|&(e, _)| e);
            row.dedup_by_key(|&mut (e, _)| e);
            for (e, s) in row {
                out.experts.push(e);
                out.scores.push(s);
            }
            out.offsets.push(out.experts.len());
        }
        out
    }

    /// The pairs a replacement without moves can use: the seats that stay,
    /// and every eligible, not forbidden expert of an application with a
    /// vacated seat. Nothing else of the round is materialised.
    fn seats_and_open_rows(&self, inst: &Instance, elig: &Eligibility) -> EligiblePairs {
        let mut out = EligiblePairs::default();
        out.offsets.push(0);
        for a in inst.app_ixs() {
            let mut row: Vec<(ExpertIx, Score)> = Vec::new();
            if self.vacated[a.ix()].is_empty() {
                for &e in &self.panels[a.ix()] {
                    row.push((e, elig.objective_score(inst, a, e)));
                }
            } else {
                for e in inst.expert_ixs() {
                    let stays = self.fixed(a, e, false);
                    if stays {
                        row.push((e, elig.objective_score(inst, a, e)));
                    } else if !self.forbidden(a, e) && !self.vacated[a.ix()].contains(&e) {
                        if let Some(s) = elig.eligible_score(inst, a, e) {
                            row.push((e, s));
                        }
                    }
                }
            }
            for (e, s) in row {
                out.experts.push(e);
                out.scores.push(s);
            }
            out.offsets.push(out.experts.len());
        }
        out
    }
}

/// Solves the encoded network with the fixed pairs pinned (and, with moves
/// allowed, the bonus for keeping a pair); `Err(cut)` when infeasible.
fn solve_fixed(
    inst: &Instance,
    enc: &Encoded,
    rules: &Rules<'_>,
    allow_moves: bool,
) -> Result<Result<Vec<Vec<ExpertIx>>, flow::Cut>, DrawError> {
    let net = &enc.net;
    let bonus = if allow_moves {
        keep_bonus(inst, net, enc)?
    } else {
        0
    };
    let mut biased = Network::with_capacity(net.num_nodes(), net.num_arcs());
    for n in net.nodes() {
        let m = biased.add_node();
        biased.set_supply(m, net.supply(n));
    }
    for arc in net.arcs() {
        let (mut lower, mut cost) = (net.lower(arc), net.cost(arc));
        if let ArcRole::Pair(a, e) = enc.arc_role(arc) {
            if rules.fixed(a, e, allow_moves) {
                lower = 1;
            }
            if rules.panels[a.ix()].contains(&e) {
                cost = cost
                    .checked_sub(bonus)
                    .ok_or_else(|| DrawError::Flow(range_error()))?;
            }
        }
        biased.add_arc(
            net.source(arc),
            net.target(arc),
            lower,
            net.upper(arc),
            cost,
        );
    }
    match biased.solve() {
        Ok(sol) => {
            flow::certify(&biased, &sol).map_err(|e| DrawError::Internal(e.to_string()))?;
            Ok(Ok(enc.panels(&sol.flow)))
        }
        Err(FlowError::Infeasible(cut)) => Ok(Err(cut)),
        Err(e) => Err(DrawError::Flow(e)),
    }
}

/// A refill: the new panels, and whether the time limit stopped it.
type Refill = (Vec<Vec<ExpertIx>>, Option<Stopped>);

/// The refill by the MIP ([`crate::mip::cross`]), for rounds whose rules
/// do not nest: every rule of the round is a row (crossing rules and the
/// city bonus included), over the same `pairs` the flow would use.
///
/// Without moves the seats that stay are fixed and the open ones filled
/// with the best total score. With moves a first model finds the most
/// current pairs any assignment keeps (locked seats fixed), and a second
/// the best score among the assignments that keep that many: the order
/// the flow's bonus gives, in two exact integer objectives instead of one
/// large one. `Ok(None)` when no assignment keeps every rule.
///
/// By `deadline` (both models share it) the best refill found is
/// returned with a [`Stopped`] when it is not proven the best; with moves,
/// when the second model finds nothing in the time the first left, the
/// first model's assignment (the most pairs kept it found, its score not
/// improved). [`DrawError::Mip`] when time ran out before any refill.
fn refill_mip(
    inst: &Instance,
    pairs: &EligiblePairs,
    rules: &Rules<'_>,
    allow_moves: bool,
    deadline: Option<std::time::Instant>,
) -> Result<Option<Refill>, DrawError> {
    use crate::mip::cross::solve_crossing_with;
    use crate::mip::{ColIx, MipError, MipOptions, MipSolution, MipStatus, Model};
    // The pair columns of the current panels, and those that must stay.
    let current = |m: &Model<'_>| -> Vec<(ColIx, bool)> {
        let mut out = Vec::new();
        for a in inst.app_ixs() {
            for &e in &rules.panels[a.ix()] {
                if let Some(c) = m.pair_column(a, e) {
                    out.push((c, rules.fixed(a, e, allow_moves)));
                }
            }
        }
        out
    };
    let fix = |m: &mut Model<'_>| {
        for (c, fixed) in current(m) {
            if fixed {
                m.fix_at_upper(c);
            }
        }
    };
    // `Ok(None)`: no assignment keeps every rule; `Err(None)`: time ran
    // out with none found.
    let run = |shape: &dyn Fn(&mut Model<'_>)| -> Result<Option<MipSolution>, Option<DrawError>> {
        let opts = MipOptions {
            time_limit: deadline.map(|d| d.saturating_duration_since(std::time::Instant::now())),
            ..MipOptions::default()
        };
        match solve_crossing_with(inst, pairs, &opts, shape) {
            Ok(sol) => Ok(Some(sol)),
            Err(MipError::Infeasible) => Ok(None),
            Err(MipError::TimeLimit) => Err(None),
            Err(e) => Err(Some(DrawError::Mip(e.to_string()))),
        }
    };
    let out_of_time = |e: Option<DrawError>| {
        e.unwrap_or_else(|| {
            DrawError::Mip(
                "the time limit ran out before the MIP found any refill (the rules do not nest, \
                 so the refill is the MIP's); nothing written: give a longer --time-limit"
                    .into(),
            )
        })
    };
    let proven = |sol: &MipSolution| sol.status == MipStatus::Optimal;
    if !allow_moves {
        return match run(&fix).map_err(out_of_time)? {
            None => Ok(None),
            Some(sol) => {
                let stopped = (!proven(&sol)).then_some(Stopped {
                    bound_micro: sol.bound_micro,
                });
                Ok(Some((sol.panels, stopped)))
            }
        };
    }
    let most_kept = run(&|m: &mut Model<'_>| {
        fix(m);
        let kept: BTreeSet<ColIx> = current(m).into_iter().map(|(c, _)| c).collect();
        m.set_objective(&|c| i64::from(kept.contains(&c)));
    })
    .map_err(out_of_time)?;
    let Some(most_kept) = most_kept else {
        return Ok(None);
    };
    let best = run(&|m: &mut Model<'_>| {
        fix(m);
        let terms = current(m).into_iter().map(|(c, _)| (c, 1)).collect();
        m.add_row("pairs kept", terms, Some(most_kept.objective_micro), None);
    });
    let stopped = Some(Stopped { bound_micro: None });
    match best {
        Ok(Some(sol)) if proven(&most_kept) && proven(&sol) => Ok(Some((sol.panels, None))),
        Ok(Some(sol)) => Ok(Some((sol.panels, stopped))),
        // The first model's assignment keeps every rule.
        Err(None) => Ok(Some((most_kept.panels, stopped))),
        Err(Some(e)) => Err(e),
        Ok(None) => Err(DrawError::Internal(format!(
            "the MIP kept {} pair(s) in one model and found no assignment keeping them in the next",
            most_kept.objective_micro
        ))),
    }
}

/// Why no assignment exists when the MIP proved it (the rules do not nest,
/// so there is no flow cut to read the binding rules from).
fn no_assignment_mip() -> crate::explain::Infeasibility {
    let mut out = crate::explain::Infeasibility {
        shortfall: 1,
        ..Default::default()
    };
    out.finding(
        "no assignment without the declined pairs and the withdrawn experts keeps every rule and every locked panel (proven by the MIP, which holds max_per_institution for an institution with experts in several cities)".into(),
        "去掉已拒评的配对和已退出的专家后，没有任何分配方案能同时满足全部规则和所有锁定的评审组（由整数规划证明，它对专家分布在多个城市的单位执行 max_per_institution）".into(),
    );
    out.fix(
        "unlock panels (--unlock APPLICATION, and leave them out of --lock)".into(),
        "解除评审组的锁定（--unlock 项目编号，并且不要再放进 --lock）".into(),
    );
    out.fix(
        "or add eligible experts to the pool, or raise max_load or the city and institution caps"
            .into(),
        "或在专家库中增加合格专家，或提高 max_load、每市和每单位的人数上限".into(),
    );
    out
}

/// The bonus `B` for keeping a pair: more than any difference in objective
/// (scores and city bonuses) between two assignments.
fn keep_bonus(inst: &Instance, net: &Network, enc: &Encoded) -> Result<i64, DrawError> {
    let (lo, hi) = net
        .arcs()
        .filter(|&a| matches!(enc.arc_role(a), ArcRole::Pair(..)))
        .map(|a: ArcId| -net.cost(a))
        .fold((0i64, 0i64), |(lo, hi), s| (lo.min(s), hi.max(s)));
    let seats: i64 = inst.app_ixs().map(|a| i64::from(inst.panel_size(a))).sum();
    // With a city bonus, two assignments also differ by up to
    // (k − 1) bonuses per panel (distinct cities beyond the first).
    let bonus_seats = seats - inst.applications.len() as i64;
    seats
        .checked_mul(hi - lo)
        .and_then(|x| x.checked_add(bonus_seats.max(0).checked_mul(inst.policy.bonus_micro())?))
        .and_then(|x| x.checked_add(1))
        .ok_or_else(|| DrawError::Flow(range_error()))
}

fn diff(
    inst: &Instance,
    elig: &Eligibility,
    panels: &[Vec<ExpertIx>],
    new: Vec<Vec<ExpertIx>>,
) -> Replaced {
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
    Replaced {
        stopped: None,
        objective_micro: super::total_micro(inst, elig, &new),
        panels: new,
        changes,
        kept,
    }
}

fn range_error() -> FlowError {
    FlowError::CostRange {
        what: "the bonus for keeping a pair (seats × score range)",
        value: i128::MAX,
        limit: i128::from(i64::MAX),
    }
}

/// Why the vacated seats cannot be refilled without moving anyone, and
/// what would help.
fn stuck(
    inst: &Instance,
    elig: &Eligibility,
    req: &ReplaceRequest<'_>,
    rules: &Rules<'_>,
    pairs: &EligiblePairs,
) -> String {
    let mut load = vec![0u32; inst.experts.len()];
    for a in inst.app_ixs() {
        for &e in &req.panels[a.ix()] {
            if !rules.vacated[a.ix()].contains(&e) {
                load[e.ix()] += 1;
            }
        }
    }
    let mut lines = Vec::new();
    for a in inst.app_ixs().filter(|a| !rules.vacated[a.ix()].is_empty()) {
        if let Some(line) = stuck_panel(inst, rules, pairs, &load, a) {
            lines.push(line);
        }
    }
    let mut left_low: BTreeSet<ExpertIx> = BTreeSet::new();
    for a in inst.app_ixs() {
        for &e in &rules.vacated[a.ix()] {
            if load[e.ix()] < inst.min_load(e) && left_low.insert(e) {
                lines.push(format!(
                    "{} would review {} application(s), below their min_load {}: only a move could give them another",
                    inst.experts[e.ix()].id,
                    load[e.ix()],
                    inst.min_load(e)
                ));
            }
        }
    }
    if lines.is_empty() {
        lines.push(
            "the open seats compete for the same experts: one at a time each can be refilled, together their loads run out"
                .into(),
        );
    }
    let mut out = String::from(
        "infeasible: the declined seats cannot be refilled without changing other seats\n",
    );
    for l in &lines {
        out.push_str(&format!("  - {l}\n"));
    }
    out.push_str("what would help:\n");
    out.push_str(&format!("  - {}\n", with_moves(inst, elig, req)));
    out.push_str("  - or add eligible experts to the pool, or raise max_load\n");
    out
}

/// The first rule that keeps application `a`'s open seats empty, counted
/// with every other seat fixed.
fn stuck_panel(
    inst: &Instance,
    rules: &Rules<'_>,
    pairs: &EligiblePairs,
    load: &[u32],
    a: AppIx,
) -> Option<String> {
    let app = &inst.applications[a.ix()];
    let kept: Vec<ExpertIx> = rules.panels[a.ix()]
        .iter()
        .copied()
        .filter(|e| !rules.vacated[a.ix()].contains(e))
        .collect();
    let open = rules.vacated[a.ix()].len();
    let city = |e: ExpertIx| inst.experts[e.ix()].city;
    let institution = |e: ExpertIx| inst.experts[e.ix()].institution;
    let outside_kept = kept.iter().filter(|&&e| city(e) != app.city).count() as u32;
    let need_outside = inst.min_outside(a).saturating_sub(outside_kept) as usize;
    let (mut eligible, mut full, mut city_full, mut inst_full, mut fit, mut fit_out) =
        (0, 0, 0, 0, 0, 0);
    for &e in pairs.experts_of(a) {
        if kept.contains(&e) {
            continue;
        }
        eligible += 1;
        let in_city = kept.iter().filter(|&&m| city(m) == city(e)).count() as u32;
        let in_inst = kept
            .iter()
            .filter(|&&m| institution(m) == institution(e))
            .count() as u32;
        if load[e.ix()] >= inst.max_load(e) {
            full += 1;
        } else if in_city >= inst.max_from_city(a, city(e)) {
            city_full += 1;
        } else if in_inst >= inst.max_from_institution(a) {
            inst_full += 1;
        } else {
            fit += 1;
            if city(e) != app.city {
                fit_out += 1;
            }
        }
    }
    if fit < open {
        Some(format!(
            "{}: {open} seat(s) to refill, but only {fit} expert(s) can take one ({eligible} eligible and not declined: {full} at max_load, {city_full} from a city at its cap (max_per_city), {inst_full} from an institution at its cap (max_per_institution))",
            app.id
        ))
    } else if fit_out < need_outside {
        Some(format!(
            "{}: needs {need_outside} more expert(s) from outside {} (min_outside), but only {fit_out} such expert(s) have load left and fit the caps",
            app.id,
            inst.app_city(a)
        ))
    } else {
        None
    }
}

/// Whether `--allow-moves` would find panels (tried only on rounds small
/// enough to hold every eligible pair).
fn with_moves(inst: &Instance, elig: &Eligibility, req: &ReplaceRequest<'_>) -> String {
    let size = inst.applications.len().saturating_mul(inst.experts.len());
    if size > crate::pricing::DENSE_PAIRS {
        return "--allow-moves may find panels by moving other seats (not tried: the round is large)"
            .into();
    }
    let moved = ReplaceRequest {
        allow_moves: true,
        ..*req
    };
    match replace_with(inst, elig, &moved) {
        Ok(r) => format!(
            "--allow-moves finds panels: it changes {} pair(s) on {} panel(s)",
            r.changed_pairs(),
            r.changes.len()
        ),
        Err(DrawError::Infeasible(_) | DrawError::Stuck(_)) => {
            "--allow-moves would not help: no assignment without the declined pairs keeps every rule and lock".into()
        }
        Err(e) => format!("--allow-moves may find panels (not decided: {e})"),
    }
}

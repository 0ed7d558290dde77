//! Report figures for programmes and the history (yearly rounds): per
//! programme, the outside-city share against the programme's own target
//! and its load cap; for the history, repeats avoided (or paid), experts
//! resting or barred, and yearly loads against `max_reviews_per_year`.
//! The HTML and Markdown forms place them in their "Programmes" and
//! "History" sections ([`super::html`], [`super::markdown`]); `--check`
//! compares them like every other figure.

use serde::{Deserialize, Serialize};

use super::{expert_named, Named, LIST_KEEP};
use crate::eligibility::Eligibility;
use crate::io::assignment::Resolved;
use crate::model::{AppIx, ExpertIx, Instance, ProgIx};

/// Outside-city share of one programme against its own target.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProgrammeShare {
    /// The programme's name; `None` for the applications without one.
    pub programme: Option<String>,
    /// Its applications.
    pub applications: usize,
    /// Reviews of its applications.
    pub reviews: u64,
    /// Of those, by experts from another city.
    pub outside_reviews: u64,
    /// Its outside-city share target (`min_outside_share`: the
    /// programme's own, else the round's), when above 0.
    pub target: Option<f64>,
    /// Where the target comes from: `programmes.<name>.min_outside_share`
    /// or `min_outside_share`.
    pub target_from: Option<String>,
    /// Σ required outside members / Σ panel sizes of its applications
    /// (what the per-panel rule guarantees).
    pub required_share: f64,
    /// Its `max_load` per expert, if it sets one.
    pub max_load: Option<u32>,
    /// Experts who reach that cap within the programme.
    pub at_cap: usize,
}

impl ProgrammeShare {
    /// `outside_reviews / reviews` (0 without reviews).
    pub fn share(&self) -> f64 {
        super::ratio(self.outside_reviews, self.reviews)
    }

    /// True unless the share falls short of the target.
    pub fn meets_target(&self) -> bool {
        self.target.is_none_or(|t| self.share() + 1e-12 >= t)
    }
}

/// One expert's reviews in the round's year against `max_reviews_per_year`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct YearlyLoad {
    /// The expert.
    pub expert: Named,
    /// Served or no-show reviews already recorded in the year.
    pub earlier: u32,
    /// Reviews this round.
    pub now: u32,
    /// `max_reviews_per_year`.
    pub cap: u32,
}

/// Experts a history rule keeps out of the round: how many, and the first
/// [`LIST_KEEP`] in pool order.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ExpertList {
    /// How many.
    pub count: usize,
    /// The first of them, pool order.
    pub experts: Vec<Named>,
}

impl ExpertList {
    fn push(&mut self, n: Named) {
        self.count += 1;
        if self.experts.len() < LIST_KEEP {
            self.experts.push(n);
        }
    }
}

/// What the history rules did this round.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct HistoryFigures {
    /// The round's year (`policy.year`).
    pub year: Option<i32>,
    /// `history_years`: the window is `year − history_years ..= year`.
    pub history_years: u32,
    /// Records in the history table.
    pub records: usize,
    /// Records within the window.
    pub counting: usize,
    /// `avoid_repeat` as written (`off`, `institution`, `team`, `both`).
    pub avoid_repeat: String,
    /// `repeat_penalty` when repeats are priced rather than excluded.
    pub repeat_penalty: Option<f64>,
    /// Pairs that repeat a counting review and keep every other rule of
    /// eligibility ([`crate::eligibility::Eligibility::repeat_pairs`]):
    /// under a ban, the pairs the ban alone keeps out (counted under the
    /// other reasons of the exclusions); under a penalty, the eligible
    /// pairs that pay it when assigned.
    pub repeat_pairs: u64,
    /// Assigned pairs that repeat (they pay `repeat_penalty`).
    pub repeats_paid: u64,
    /// Their total cost, in millionths.
    pub penalty_micro: i64,
    /// Experts resting (`max_consecutive_years`).
    pub resting: ExpertList,
    /// Experts barred by `max_declines`.
    pub barred_declines: ExpertList,
    /// Experts barred by `min_rating`.
    pub barred_rating: ExpertList,
    /// `max_reviews_per_year`, when set.
    pub max_reviews_per_year: Option<u32>,
    /// Experts with reviews recorded earlier in the round's year (served
    /// or no-show, as `max_reviews_per_year` counts them), whether or not
    /// that cap is set.
    pub reviewed_earlier: usize,
    /// Of all experts, those whose year (earlier + this round) reaches
    /// `max_reviews_per_year`.
    pub at_yearly_cap: usize,
    /// Of those, the experts with reviews earlier in the year (they come
    /// first in [`HistoryFigures::yearly`]); the rest reach the cap with
    /// this round's reviews alone.
    #[serde(default)]
    pub at_yearly_cap_earlier: usize,
    /// Experts with reviews earlier in the year, most reviews in the year
    /// first (ties: pool order), the first [`LIST_KEEP`].
    pub yearly: Vec<YearlyLoad>,
}

/// Programme and history figures of an assignment.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RoundFigures {
    /// Per programme (instance order, then applications without one);
    /// empty when no application names a programme.
    pub programmes: Vec<ProgrammeShare>,
    /// The history section; `None` when the input has no history table and
    /// no history rule.
    pub history: Option<HistoryFigures>,
}

/// Computes the figures from the instance and the resolved panels.
pub fn round_figures(inst: &Instance, elig: &Eligibility, resolved: &[Resolved]) -> RoundFigures {
    RoundFigures {
        programmes: programme_shares(inst, resolved),
        history: history_figures(inst, elig, resolved),
    }
}

fn programme_shares(inst: &Instance, resolved: &[Resolved]) -> Vec<ProgrammeShare> {
    if inst.applications.iter().all(|a| a.programme.is_none()) {
        return Vec::new();
    }
    let n = inst.programmes.len();
    let round = inst.policy.min_outside_share;
    // Slot n: applications without a programme.
    let slot = |a: AppIx| inst.applications[a.ix()].programme.map_or(n, |p| p.ix());
    let mut out: Vec<ProgrammeShare> = (0..=n)
        .map(|p| {
            let (name, own, max_load) = if p < n {
                let prog = ProgIx(p as u32);
                let name = inst.programmes.name(p as u32).to_string();
                let own = inst
                    .rules_of_programme(prog)
                    .and_then(|r| r.min_outside_share)
                    .map(|s| (s, format!("programmes.{name}.min_outside_share")));
                (Some(name), own, inst.programme_max_load(prog))
            } else {
                (None, None, None)
            };
            let (target, from) = own.unwrap_or((round, "min_outside_share".into()));
            ProgrammeShare {
                programme: name,
                applications: 0,
                reviews: 0,
                outside_reviews: 0,
                target: (target > 0.0).then_some(target),
                target_from: (target > 0.0).then_some(from),
                required_share: 0.0,
                max_load,
                at_cap: 0,
            }
        })
        .collect();
    let mut req = vec![(0u64, 0u64); n + 1];
    for a in inst.app_ixs() {
        let s = slot(a);
        out[s].applications += 1;
        req[s].0 += u64::from(inst.min_outside(a));
        req[s].1 += u64::from(inst.panel_size(a));
    }
    let mut within: std::collections::BTreeMap<(ExpertIx, usize), u32> = Default::default();
    for r in resolved {
        let Some(a) = r.app else { continue };
        let s = slot(a);
        let home = inst.applications[a.ix()].city;
        for &e in &r.distinct {
            out[s].reviews += 1;
            if inst.experts[e.ix()].city != home {
                out[s].outside_reviews += 1;
            }
            *within.entry((e, s)).or_default() += 1;
        }
    }
    for ((_, s), n_in) in within {
        if out[s].max_load.is_some_and(|c| n_in >= c) {
            out[s].at_cap += 1;
        }
    }
    for (s, p) in out.iter_mut().enumerate() {
        p.required_share = super::ratio(req[s].0, req[s].1);
    }
    out.retain(|p| p.applications > 0);
    out
}

fn history_figures(
    inst: &Instance,
    elig: &Eligibility,
    resolved: &[Resolved],
) -> Option<HistoryFigures> {
    let p = &inst.policy;
    if !inst.history.given && !p.history_rules_on() {
        return None;
    }
    let mut h = HistoryFigures {
        year: p.year,
        history_years: p.history_years,
        records: inst.history.records.len(),
        counting: inst
            .history
            .records
            .iter()
            .filter(|r| crate::history::counts(p, r.year))
            .count(),
        avoid_repeat: p.avoid_repeat.as_str().to_string(),
        repeat_penalty: p.repeat_penalty_micro().map(crate::model::total_as_f64),
        repeat_pairs: elig.repeat_pairs(inst),
        max_reviews_per_year: p.max_reviews_per_year,
        ..HistoryFigures::default()
    };
    let mut load = vec![0u32; inst.experts.len()];
    for r in resolved {
        let Some(a) = r.app else { continue };
        for &e in &r.distinct {
            load[e.ix()] += 1;
            if elig.pays_penalty(a, e) {
                h.repeats_paid += 1;
                h.penalty_micro += elig.penalty();
            }
        }
    }
    let mut yearly: Vec<(u32, ExpertIx, YearlyLoad)> = Vec::new();
    for e in inst.expert_ixs() {
        for bar in crate::history::bars(inst, e) {
            let list = match bar {
                crate::history::Bar::Resting { .. } => &mut h.resting,
                crate::history::Bar::Declines { .. } => &mut h.barred_declines,
                crate::history::Bar::Rating { .. } => &mut h.barred_rating,
            };
            list.push(expert_named(inst, e));
        }
        // Reviews earlier in the year are counted whenever the round has
        // a year, whether or not a yearly cap is set; the table of
        // yearly loads is a table against the cap (without a year there
        // is no past, and the cap holds this round's load alone).
        if p.year.is_none() && p.max_reviews_per_year.is_none() {
            continue;
        }
        let earlier = inst.reviews_earlier_this_year(e);
        h.reviewed_earlier += usize::from(earlier > 0);
        if let Some(cap) = p.max_reviews_per_year {
            let now = load[e.ix()];
            if earlier + now >= cap {
                h.at_yearly_cap += 1;
                h.at_yearly_cap_earlier += usize::from(earlier > 0);
            }
            if earlier > 0 {
                let row = YearlyLoad {
                    expert: expert_named(inst, e),
                    earlier,
                    now,
                    cap,
                };
                yearly.push((earlier + now, e, row));
            }
        }
    }
    yearly.sort_by(|x, y| y.0.cmp(&x.0).then(x.1.cmp(&y.1)));
    h.yearly = yearly
        .into_iter()
        .take(LIST_KEEP)
        .map(|(_, _, row)| row)
        .collect();
    Some(h)
}

//! Report figures for programmes and the history (yearly rounds): per
//! programme, the outside-city share against the programme's own target
//! and its load cap; for the history, repeats avoided (or paid), experts
//! resting or barred, and yearly loads against `max_reviews_per_year`.
//! Kept apart from the rest of the report (one struct, one function per
//! format) so that the sections can be placed wherever the report's
//! layout wants them.

use std::fmt::Write as _;

use crate::eligibility::Eligibility;
use crate::model::{AppIx, ExpertIx, Instance};
use crate::verify::Resolved;

/// Outside-city share of one programme.
#[derive(Clone, Debug, PartialEq)]
pub struct ProgrammeShare {
    /// The programme ("(none)" for applications without one).
    pub name: String,
    /// Its applications.
    pub applications: usize,
    /// Reviews of its applications.
    pub reviews: u64,
    /// Of those, by experts from another city.
    pub outside_reviews: u64,
    /// Its `min_outside_share` (the programme's, else the round's).
    pub target: f64,
    /// Σ required outside members / Σ panel sizes of its applications.
    pub required_share: f64,
    /// Its `max_load` per expert, if it sets one.
    pub max_load: Option<u32>,
    /// Experts who reach that cap within the programme.
    pub at_cap: usize,
}

impl ProgrammeShare {
    /// `outside_reviews / reviews` (0 without reviews).
    pub fn share(&self) -> f64 {
        if self.reviews == 0 {
            0.0
        } else {
            self.outside_reviews as f64 / self.reviews as f64
        }
    }
}

/// One expert's reviews in the round's year against `max_reviews_per_year`.
#[derive(Clone, Debug, PartialEq)]
pub struct YearlyLoad {
    /// The expert.
    pub expert: String,
    /// Served or no-show reviews already recorded in the year.
    pub past: u32,
    /// Reviews this round.
    pub now: u32,
    /// `max_reviews_per_year`.
    pub cap: u32,
}

/// The history's figures.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HistoryFigures {
    /// The round's year.
    pub year: Option<i32>,
    /// Records in the history table, and those that count this round.
    pub records: usize,
    /// Records within the window.
    pub counting: usize,
    /// `avoid_repeat` as written.
    pub avoid_repeat: String,
    /// Pairs excluded as repeats (a ban).
    pub repeats_avoided: u64,
    /// Assigned pairs that repeat and pay `repeat_penalty`.
    pub repeats_paid: u64,
    /// Their total cost, in millionths.
    pub penalty_micro: i64,
    /// Experts resting (`max_consecutive_years`).
    pub resting: Vec<String>,
    /// Experts barred by `max_declines`.
    pub barred_declines: Vec<String>,
    /// Experts barred by `min_rating`.
    pub barred_rating: Vec<String>,
    /// Experts with reviews earlier in the year (or now) against the cap,
    /// most loaded first.
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

impl RoundFigures {
    /// True when there is nothing to show.
    pub fn is_empty(&self) -> bool {
        self.programmes.is_empty() && self.history.is_none()
    }
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
    // Slot n: applications without a programme.
    let slot = |a: AppIx| inst.applications[a.ix()].programme.map_or(n, |p| p.ix());
    let mut out: Vec<ProgrammeShare> = (0..=n)
        .map(|p| {
            let (name, target, max_load) = if p < n {
                let prog = crate::model::ProgIx(p as u32);
                let rules = inst.rules_of_programme(prog);
                (
                    inst.programmes.name(p as u32).to_string(),
                    rules
                        .and_then(|r| r.min_outside_share)
                        .unwrap_or(inst.policy.min_outside_share),
                    inst.programme_max_load(prog),
                )
            } else {
                ("(none)".into(), inst.policy.min_outside_share, None)
            };
            ProgrammeShare {
                name,
                applications: 0,
                reviews: 0,
                outside_reviews: 0,
                target,
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
        p.required_share = if req[s].1 == 0 {
            0.0
        } else {
            req[s].0 as f64 / req[s].1 as f64
        };
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
        records: inst.history.records.len(),
        counting: inst
            .history
            .records
            .iter()
            .filter(|r| crate::history::counts(p, r.year))
            .count(),
        avoid_repeat: p.avoid_repeat.as_str().to_string(),
        ..HistoryFigures::default()
    };
    if elig.penalty() == 0 {
        h.repeats_avoided = elig.repeat_pairs();
    }
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
    for e in inst.expert_ixs() {
        let id = inst.experts[e.ix()].id.clone();
        for bar in crate::history::bars(inst, e) {
            match bar {
                crate::history::Bar::Resting { .. } => h.resting.push(id.clone()),
                crate::history::Bar::Declines { .. } => h.barred_declines.push(id.clone()),
                crate::history::Bar::Rating { .. } => h.barred_rating.push(id.clone()),
            }
        }
        if let (Some(cap), Some(year)) = (p.max_reviews_per_year, p.year) {
            let past = inst.history.reviews_in_year(e, year);
            if past > 0 {
                h.yearly.push(YearlyLoad {
                    expert: id,
                    past,
                    now: load[e.ix()],
                    cap,
                });
            }
        }
    }
    h.yearly.sort_by_key(|y| std::cmp::Reverse(y.past + y.now));
    Some(h)
}

fn pct(x: f64) -> String {
    super::pct(x)
}

fn names(list: &[String], n: usize) -> String {
    let mut s: Vec<&str> = list.iter().take(n).map(String::as_str).collect();
    if list.len() > n {
        s.push("…");
    }
    s.join(", ")
}

/// Most experts listed by name in a history line.
const LISTED: usize = 12;

/// The sections in Markdown (empty when there is nothing to show).
pub fn markdown(f: &RoundFigures) -> String {
    let mut s = String::new();
    if !f.programmes.is_empty() {
        s.push_str("\n## Programmes\n\n| programme | applications | reviews | outside share | target | required | max_load | experts at it |\n|---|---:|---:|---:|---:|---:|---:|---:|\n");
        for p in &f.programmes {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} | {} | {} | {} |",
                p.name.replace('|', "\\|"),
                p.applications,
                p.reviews,
                pct(p.share()),
                pct(p.target),
                pct(p.required_share),
                p.max_load.map_or("–".into(), |c| c.to_string()),
                p.at_cap
            );
        }
    }
    if let Some(h) = &f.history {
        let _ = writeln!(
            s,
            "\n## History\n\n- round year: {}; {} past review(s) on record, {} within the window\n- repeats (avoid_repeat {}): {} pair(s) excluded; {} assigned pair(s) paid the penalty (total {:.6})\n- resting (max_consecutive_years): {} expert(s){}\n- barred by max_declines: {}{}; by min_rating: {}{}",
            h.year.map_or("none".into(), |y| y.to_string()),
            h.records,
            h.counting,
            h.avoid_repeat,
            h.repeats_avoided,
            h.repeats_paid,
            crate::model::total_as_f64(h.penalty_micro),
            h.resting.len(),
            colon(&h.resting),
            h.barred_declines.len(),
            colon(&h.barred_declines),
            h.barred_rating.len(),
            colon(&h.barred_rating)
        );
        if !h.yearly.is_empty() {
            s.push_str("\n| expert | earlier this year | this round | max_reviews_per_year |\n|---|---:|---:|---:|\n");
            for y in h.yearly.iter().take(20) {
                let _ = writeln!(s, "| {} | {} | {} | {} |", y.expert, y.past, y.now, y.cap);
            }
        }
    }
    s
}

fn colon(list: &[String]) -> String {
    if list.is_empty() {
        String::new()
    } else {
        format!(" ({})", names(list, LISTED))
    }
}

/// The sections as HTML `<section>`s (empty when there is nothing to show).
pub fn html(f: &RoundFigures) -> String {
    use super::svg::esc;
    let mut s = String::new();
    if !f.programmes.is_empty() {
        s.push_str("<section>\n<h2>Programmes</h2>\n<p>Each programme is judged by its own rules: its outside-city share against its own target.</p>\n<table><tr><th>programme</th><th>applications</th><th>reviews</th><th>outside share</th><th>target</th><th>required</th><th>max_load</th><th>experts at it</th></tr>\n");
        for p in &f.programmes {
            let _ = writeln!(
                s,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&p.name),
                p.applications,
                p.reviews,
                pct(p.share()),
                if p.share() + 1e-9 < p.target { " (below)" } else { "" },
                pct(p.target),
                pct(p.required_share),
                p.max_load.map_or("–".into(), |c| c.to_string()),
                p.at_cap
            );
        }
        s.push_str("</table>\n</section>\n");
    }
    if let Some(h) = &f.history {
        let _ = write!(
            s,
            "<section>\n<h2>History</h2>\n<ul><li>round year {}: {} past review(s) on record, {} within the window</li>\
             <li>repeats (avoid_repeat {}): {} pair(s) excluded; {} assigned pair(s) paid the penalty (total {:.6})</li>\
             <li>resting (max_consecutive_years): {} expert(s){}</li>\
             <li>barred by max_declines: {}{}; by min_rating: {}{}</li></ul>\n",
            h.year.map_or("none".into(), |y| y.to_string()),
            h.records,
            h.counting,
            esc(&h.avoid_repeat),
            h.repeats_avoided,
            h.repeats_paid,
            crate::model::total_as_f64(h.penalty_micro),
            h.resting.len(),
            esc(&colon(&h.resting)),
            h.barred_declines.len(),
            esc(&colon(&h.barred_declines)),
            h.barred_rating.len(),
            esc(&colon(&h.barred_rating))
        );
        if !h.yearly.is_empty() {
            s.push_str("<table><tr><th>expert</th><th>earlier this year</th><th>this round</th><th>max_reviews_per_year</th></tr>\n");
            for y in h.yearly.iter().take(20) {
                let _ = writeln!(
                    s,
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    esc(&y.expert),
                    y.past,
                    y.now,
                    y.cap
                );
            }
            s.push_str("</table>\n");
        }
        s.push_str("</section>\n");
    }
    s
}

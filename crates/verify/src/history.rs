//! `verify` for programmes and the history rules, by plain loops over the
//! panels and the history records (nothing shared with eligibility or the
//! solvers beyond the model): an expert outside their programmes,
//! programme `max_load`, `avoid_repeat` (as a ban), `max_consecutive_years`,
//! `max_declines`, `min_rating` and `max_reviews_per_year`; and the repeat
//! penalties the recomputed objective pays.

use std::collections::BTreeMap;

use crate::model::{AppIx, ExpertIx, Instance};
use panels_core::history::PastReview;

use super::Resolved;

/// One broken programme or history rule, with its evidence.
#[derive(Clone, Debug, PartialEq)]
pub enum HistoryBreach {
    /// The expert lists programmes, not the application's.
    OutsideProgramme {
        /// The record.
        record: usize,
        /// The application.
        app: AppIx,
        /// The expert.
        expert: ExpertIx,
    },
    /// More reviews within a programme than its `max_load`.
    ProgrammeLoad {
        /// The expert.
        expert: ExpertIx,
        /// The programme's name.
        programme: String,
        /// The applications within it the expert sits on.
        apps: Vec<AppIx>,
        /// The programme's `max_load`.
        max: u32,
    },
    /// `avoid_repeat` (a ban): the expert served a counting review of an
    /// application of this institution (or sharing a team member).
    Repeat {
        /// The record.
        record: usize,
        /// The application.
        app: AppIx,
        /// The expert.
        expert: ExpertIx,
        /// The past review (year, application, institution).
        past: PastReview,
        /// `institution` or `team`.
        kind: &'static str,
    },
    /// `max_consecutive_years`: the expert should rest.
    Resting {
        /// The record.
        record: usize,
        /// The application.
        app: AppIx,
        /// The expert.
        expert: ExpertIx,
        /// `max_consecutive_years`.
        years: u32,
    },
    /// `max_declines`.
    Declines {
        /// The record.
        record: usize,
        /// The application.
        app: AppIx,
        /// The expert.
        expert: ExpertIx,
        /// Counting declined / no-show records.
        count: u32,
        /// `max_declines`.
        max: u32,
    },
    /// `min_rating`.
    Rating {
        /// The record.
        record: usize,
        /// The application.
        app: AppIx,
        /// The expert.
        expert: ExpertIx,
        /// The mean counting rating.
        mean: f64,
        /// `min_rating`.
        min: f64,
    },
    /// `max_reviews_per_year`: past reviews this year plus this load.
    YearlyCap {
        /// The expert.
        expert: ExpertIx,
        /// Served or no-show reviews already in the year.
        past: u32,
        /// This round's load.
        load: u32,
        /// `max_reviews_per_year`.
        max: u32,
    },
}

impl HistoryBreach {
    /// True for the programme rules (the rest are history rules).
    pub(crate) fn is_programme(&self) -> bool {
        matches!(
            self,
            HistoryBreach::OutsideProgramme { .. } | HistoryBreach::ProgrammeLoad { .. }
        )
    }

    /// The breach in a program officer's words.
    pub fn describe(&self, inst: &Instance) -> String {
        let app_id = |a: &AppIx| inst.applications[a.ix()].id.as_str();
        let ex_id = |e: &ExpertIx| inst.experts[e.ix()].id.as_str();
        let year = inst.policy.year.unwrap_or_default();
        match self {
            HistoryBreach::OutsideProgramme { app, expert, .. } => format!(
                "{}: {} does not serve programme {}",
                app_id(app),
                ex_id(expert),
                inst.programme_name(*app).unwrap_or("-")
            ),
            HistoryBreach::ProgrammeLoad {
                expert,
                programme,
                apps,
                max,
            } => {
                let list: Vec<&str> = apps.iter().map(app_id).collect();
                format!(
                    "{}: sits on {} panel(s) of programme {programme} ({}), its max_load is {max}",
                    ex_id(expert),
                    apps.len(),
                    list.join(", ")
                )
            }
            HistoryBreach::Repeat {
                app,
                expert,
                past,
                kind,
                ..
            } => format!(
                "{}: {} reviewed {}'s {} in {} (avoid_repeat {kind})",
                app_id(app),
                ex_id(expert),
                past.institution,
                past.application.as_deref().unwrap_or("application"),
                past.year
            ),
            HistoryBreach::Resting {
                app, expert, years, ..
            } => format!(
                "{}: {} served in each of the {years} year(s) before {year} and rests (max_consecutive_years {years})",
                app_id(app),
                ex_id(expert)
            ),
            HistoryBreach::Declines {
                app,
                expert,
                count,
                max,
                ..
            } => format!(
                "{}: {} declined or did not show {count} time(s), max_declines is {max}",
                app_id(app),
                ex_id(expert)
            ),
            HistoryBreach::Rating {
                app,
                expert,
                mean,
                min,
                ..
            } => format!(
                "{}: {}'s mean rating {} is below min_rating {min}",
                app_id(app),
                ex_id(expert),
                panels_core::history::mean_rating_text(*mean, *min)
            ),
            HistoryBreach::YearlyCap {
                expert,
                past,
                load,
                max,
            } => match inst.policy.year {
                Some(year) => format!(
                    "{}: {past} served or no-show review(s) already in {year} plus {load} now exceed max_reviews_per_year {max}",
                    ex_id(expert)
                ),
                None => format!(
                    "{}: {load} review(s) now exceed max_reviews_per_year {max}",
                    ex_id(expert)
                ),
            },
        }
    }
}

/// True when a record of `year` counts: within `year − history_years ..=
/// year` of the round (none without a round year).
fn counting(inst: &Instance, year: i32) -> bool {
    match inst.policy.year {
        Some(y) => {
            i64::from(year) >= i64::from(y) - i64::from(inst.policy.history_years) && year <= y
        }
        None => false,
    }
}

fn served(r: &PastReview) -> bool {
    matches!(
        r.outcome,
        panels_core::history::Outcome::Reviewed | panels_core::history::Outcome::Late
    )
}

fn same_place(a: &str, b: &str) -> bool {
    crate::io::names::place_key(a) == crate::io::names::place_key(b)
}

/// The history's records grouped by expert id (input order kept): built
/// once per check, so each rule reads only the expert's own records.
struct ByExpert<'i> {
    map: BTreeMap<&'i str, Vec<&'i PastReview>>,
}

impl<'i> ByExpert<'i> {
    fn new(inst: &'i Instance) -> ByExpert<'i> {
        let mut map: BTreeMap<&str, Vec<&PastReview>> = BTreeMap::new();
        for r in &inst.history.records {
            map.entry(r.expert.trim()).or_default().push(r);
        }
        ByExpert { map }
    }

    /// The expert's records, in input order.
    fn of(&self, inst: &Instance, e: ExpertIx) -> impl Iterator<Item = &'i PastReview> + '_ {
        self.map
            .get(inst.experts[e.ix()].id.as_str())
            .into_iter()
            .flatten()
            .copied()
    }
}

/// The first counting served review of `e` that makes (a, e) a repeat,
/// with its kind, under `avoid_repeat`.
fn repeat_of<'i>(
    inst: &Instance,
    by: &ByExpert<'i>,
    a: AppIx,
    e: ExpertIx,
) -> Option<(&'i PastReview, &'static str)> {
    let rule = inst.policy.avoid_repeat;
    if rule.is_off() {
        return None;
    }
    let app = &inst.applications[a.ix()];
    let institution = inst.app_institution(a);
    let team: Vec<&str> = app.team.iter().map(|&p| inst.person_id(p)).collect();
    for r in by.of(inst, e) {
        if !served(r) || !counting(inst, r.year) {
            continue;
        }
        if rule.institution() && same_place(&r.institution, institution) {
            return Some((r, "institution"));
        }
        if rule.team() && r.team.iter().any(|p| team.contains(&p.trim())) {
            return Some((r, "team"));
        }
    }
    None
}

/// The repeat penalties the assignment pays, in millionths: `repeat_penalty`
/// once per assigned pair that repeats (when penalties apply).
pub fn penalties(inst: &Instance, resolved: &[Resolved]) -> i64 {
    let Some(p) = inst.policy.repeat_penalty_micro() else {
        return 0;
    };
    let by = ByExpert::new(inst);
    let mut total: i64 = 0;
    for r in resolved {
        let Some(a) = r.app else { continue };
        for &e in &r.distinct {
            if repeat_of(inst, &by, a, e).is_some() {
                total = total.saturating_add(p);
            }
        }
    }
    total
}

/// Every programme and history breach of the assignment: pair breaches
/// in record order, then per expert (input order) the load breaches.
pub fn check(inst: &Instance, resolved: &[Resolved]) -> Vec<HistoryBreach> {
    let mut out = Vec::new();
    let p = &inst.policy;
    let ban = p.repeat_penalty_micro().is_none();
    let by = ByExpert::new(inst);
    for r in resolved {
        let Some(a) = r.app else { continue };
        for &e in &r.distinct {
            pair_breaches(inst, &by, r.record, a, e, ban, &mut out);
        }
    }
    let mut apps_of: Vec<Vec<AppIx>> = vec![Vec::new(); inst.experts.len()];
    for r in resolved {
        let Some(a) = r.app else { continue };
        for &e in &r.distinct {
            apps_of[e.ix()].push(a);
        }
    }
    for e in inst.expert_ixs() {
        let apps = &apps_of[e.ix()];
        for (name, rules) in &p.programmes {
            let Some(max) = rules.max_load else { continue };
            let within: Vec<AppIx> = apps
                .iter()
                .copied()
                .filter(|&a| inst.programme_name(a) == Some(name.as_str()))
                .collect();
            if within.len() > max as usize {
                out.push(HistoryBreach::ProgrammeLoad {
                    expert: e,
                    programme: name.clone(),
                    apps: within,
                    max,
                });
            }
        }
        if let Some(max) = p.max_reviews_per_year {
            // Without a round year there is no past to count (the cap
            // holds this round's load alone).
            let past = p.year.map_or(0, |year| {
                by.of(inst, e)
                    .filter(|r| r.year == year && r.outcome.takes_a_slot())
                    .count() as u32
            });
            let load = apps.len() as u32;
            if load > 0 && past + load > max {
                out.push(HistoryBreach::YearlyCap {
                    expert: e,
                    past,
                    load,
                    max,
                });
            }
        }
    }
    out
}

/// The breaches of one assigned pair.
fn pair_breaches(
    inst: &Instance,
    by: &ByExpert<'_>,
    record: usize,
    app: AppIx,
    expert: ExpertIx,
    ban: bool,
    out: &mut Vec<HistoryBreach>,
) {
    let p = &inst.policy;
    if let Some(prog) = inst.applications[app.ix()].programme {
        let list = &inst.experts[expert.ix()].programmes;
        if !list.is_empty() && !list.contains(&prog) {
            out.push(HistoryBreach::OutsideProgramme {
                record,
                app,
                expert,
            });
        }
    }
    if ban {
        if let Some((past, kind)) = repeat_of(inst, by, app, expert) {
            out.push(HistoryBreach::Repeat {
                record,
                app,
                expert,
                // Shown as evidence is (normalised, like explain's).
                past: PastReview {
                    institution: panels_core::history::shown_institution(&past.institution),
                    ..past.clone()
                },
                kind,
            });
        }
    }
    let Some(year) = p.year else { return };
    if let Some(n) = p.max_consecutive_years.filter(|&n| n > 0) {
        let mut all = true;
        for d in 1..=n as i32 {
            if !by.of(inst, expert).any(|r| r.year == year - d && served(r)) {
                all = false;
            }
        }
        if all {
            out.push(HistoryBreach::Resting {
                record,
                app,
                expert,
                years: n,
            });
        }
    }
    if let Some(max) = p.max_declines {
        let count = by
            .of(inst, expert)
            .filter(|r| counting(inst, r.year) && r.outcome.declined())
            .count() as u32;
        if count > max {
            out.push(HistoryBreach::Declines {
                record,
                app,
                expert,
                count,
                max,
            });
        }
    }
    if let Some(min) = p.min_rating {
        let mut sum = 0.0;
        let mut n = 0u32;
        for r in by.of(inst, expert) {
            if counting(inst, r.year) {
                if let Some(x) = r.rating {
                    sum += x;
                    n += 1;
                }
            }
        }
        if n > 0 && sum / f64::from(n) < min - 1e-9 {
            out.push(HistoryBreach::Rating {
                record,
                app,
                expert,
                mean: sum / f64::from(n),
                min,
            });
        }
    }
}

//! One function per rule of SPEC.md, each a plain loop that appends its
//! violations in input order. [`super::verify`] calls them in the order of
//! [`Rule`](super::Rule).
//!
//! Every function reads the records as [`Resolved`] (ids already looked up),
//! so an unknown id is reported once, by its own rule, and skipped by the
//! others instead of making them panic.

use std::collections::BTreeMap;

use super::{Resolved, Violation};
use crate::eligibility::{ConflictKind, Eligibility, Reason};
use crate::io::assignment::RoundState;
use crate::io::panels::PanelsFile;
use crate::model::{AppIx, CityIx, ExpertIx, InstIx, Instance, Score};

/// Σ score(a, e) over every record with a known application and each
/// distinct known expert of it, exact in millionths; also the number of
/// pairs summed. Scores of ineligible pairs count too (they are reported by
/// [`eligible_pairs`]).
pub(crate) fn recompute_objective(
    inst: &Instance,
    elig: &Eligibility,
    resolved: &[Resolved],
) -> (i64, usize) {
    let mut total: i64 = 0;
    let mut pairs = 0;
    for r in resolved {
        let Some(a) = r.app else { continue };
        for &e in &r.distinct {
            total = total.saturating_add(elig.score(inst, a, e).0);
            pairs += 1;
        }
    }
    (total, pairs)
}

/// Rule: every application of the instance has exactly one panel.
pub fn coverage(inst: &Instance, resolved: &[Resolved], out: &mut Vec<Violation>) {
    let mut records_of: Vec<Vec<usize>> = vec![Vec::new(); inst.applications.len()];
    for r in resolved {
        if let Some(a) = r.app {
            records_of[a.ix()].push(r.record);
        }
    }
    for a in inst.app_ixs() {
        let records = &records_of[a.ix()];
        if records.is_empty() {
            out.push(Violation::MissingApplication { app: a });
        } else if records.len() > 1 {
            out.push(Violation::DuplicateApplication {
                app: a,
                records: records.clone(),
            });
        }
    }
}

/// Rule: every record names an application of the instance.
pub(crate) fn unknown_applications(
    panels: &PanelsFile,
    resolved: &[Resolved],
    out: &mut Vec<Violation>,
) {
    for r in resolved {
        if r.app.is_none() {
            out.push(Violation::UnknownApplication {
                record: r.record,
                id: panels.panels[r.record].application.clone(),
            });
        }
    }
}

/// Rule: every listed expert id is an expert of the instance. Checked in
/// every record, including those with an unknown application.
pub(crate) fn unknown_experts(
    panels: &PanelsFile,
    resolved: &[Resolved],
    out: &mut Vec<Violation>,
) {
    for r in resolved {
        let record = &panels.panels[r.record];
        for (position, e) in r.experts.iter().enumerate() {
            if e.is_none() {
                out.push(Violation::UnknownExpert {
                    record: r.record,
                    application: record.application.clone(),
                    position,
                    id: record.experts[position].clone(),
                });
            }
        }
    }
}

/// Rule (SPEC "Outputs"): panels are listed in the order of the
/// applications in the input. Reported once, at the first record whose
/// application comes before that of an earlier record. Records with unknown
/// applications are skipped; a duplicate next to its twin is not an order
/// violation (it is a coverage one).
pub(crate) fn panel_order(resolved: &[Resolved], out: &mut Vec<Violation>) {
    let mut latest: Option<AppIx> = None;
    for r in resolved {
        let Some(a) = r.app else { continue };
        match latest {
            Some(prev) if a < prev => {
                out.push(Violation::PanelOrder {
                    record: r.record,
                    app: a,
                    after: prev,
                });
                return;
            }
            _ => latest = Some(a),
        }
    }
}

/// Rule: a panel lists exactly the application's panel size of experts.
pub fn panel_size(
    inst: &Instance,
    panels: &PanelsFile,
    resolved: &[Resolved],
    out: &mut Vec<Violation>,
) {
    for r in resolved {
        let Some(a) = r.app else { continue };
        let listed = panels.panels[r.record].experts.len();
        let k = inst.panel_size(a);
        if listed != k as usize {
            out.push(Violation::WrongPanelSize {
                record: r.record,
                app: a,
                listed,
                k,
            });
        }
    }
}

/// Rule: the experts of a panel are distinct. Compared by id as written, so
/// repeated unknown ids are caught too; each repeated id is reported once
/// per panel, at its first position.
pub(crate) fn distinct_experts(
    panels: &PanelsFile,
    resolved: &[Resolved],
    out: &mut Vec<Violation>,
) {
    for r in resolved {
        let record = &panels.panels[r.record];
        let ids = &record.experts;
        for (i, id) in ids.iter().enumerate() {
            let seen_before = ids[..i].contains(id);
            if seen_before {
                continue;
            }
            let times = ids.iter().filter(|x| *x == id).count();
            if times > 1 {
                out.push(Violation::RepeatedExpert {
                    record: r.record,
                    application: record.application.clone(),
                    id: id.clone(),
                    times,
                });
            }
        }
    }
}

/// Rule: every assigned pair is eligible; every reason is kept.
pub fn eligible_pairs(
    inst: &Instance,
    elig: &Eligibility,
    resolved: &[Resolved],
    out: &mut Vec<Violation>,
) {
    for r in resolved {
        let Some(a) = r.app else { continue };
        for &e in &r.distinct {
            let verdict = elig.check(inst, a, e);
            // Programme and history reasons are checked by their own loops
            // (verify::history).
            let reasons: Vec<Reason> = verdict
                .reasons
                .into_iter()
                .filter(|r| {
                    let k = r.kind();
                    !k.is_history() && k != ConflictKind::Programme
                })
                .collect();
            if !reasons.is_empty() {
                out.push(Violation::Ineligible {
                    record: r.record,
                    app: a,
                    expert: e,
                    reasons,
                });
            }
        }
    }
}

/// Rule: at least `inst.min_outside(a)` distinct panel members come from a
/// city other than the application's.
pub fn outside_city(inst: &Instance, resolved: &[Resolved], out: &mut Vec<Violation>) {
    for r in resolved {
        let Some(a) = r.app else { continue };
        let home = inst.applications[a.ix()].city;
        let mut outside: u32 = 0;
        for &e in &r.distinct {
            if inst.experts[e.ix()].city != home {
                outside += 1;
            }
        }
        let min = inst.min_outside(a);
        if outside < min {
            out.push(Violation::TooFewOutside {
                record: r.record,
                app: a,
                outside,
                min,
            });
        }
    }
}

/// Rule: at most `max_per_city` distinct panel members from any one city,
/// the application's own city included. Cities in order of interning.
pub(crate) fn city_cap(inst: &Instance, resolved: &[Resolved], out: &mut Vec<Violation>) {
    for r in resolved {
        let Some(a) = r.app else { continue };
        let Some(max) = inst.max_per_city(a) else {
            continue;
        };
        let mut by_city: BTreeMap<CityIx, Vec<ExpertIx>> = BTreeMap::new();
        for &e in &r.distinct {
            by_city
                .entry(inst.experts[e.ix()].city)
                .or_default()
                .push(e);
        }
        for (city, experts) in by_city {
            if experts.len() > max as usize {
                out.push(Violation::CityCap {
                    record: r.record,
                    app: a,
                    city,
                    experts,
                    max,
                });
            }
        }
    }
}

/// Rule: at most `max_per_institution` distinct panel members from any one
/// institution. Institutions in order of interning.
pub fn institution_cap(inst: &Instance, resolved: &[Resolved], out: &mut Vec<Violation>) {
    for r in resolved {
        let Some(a) = r.app else { continue };
        let Some(max) = inst.max_per_institution(a) else {
            continue;
        };
        let mut by_inst: BTreeMap<InstIx, Vec<ExpertIx>> = BTreeMap::new();
        for &e in &r.distinct {
            by_inst
                .entry(inst.experts[e.ix()].institution)
                .or_default()
                .push(e);
        }
        for (institution, experts) in by_inst {
            if experts.len() > max as usize {
                out.push(Violation::InstitutionCap {
                    record: r.record,
                    app: a,
                    institution,
                    experts,
                    max,
                });
            }
        }
    }
}

/// Rule: each expert's load (panels of known applications they sit on,
/// counted once per panel) lies in `[inst.min_load(e), inst.round_max_load(e)]`
/// (the yearly cap of the history is checked by `verify::history`).
/// Experts in input order; an expert can break only one side.
pub fn loads(inst: &Instance, resolved: &[Resolved], out: &mut Vec<Violation>) {
    let mut apps_of: Vec<Vec<AppIx>> = vec![Vec::new(); inst.experts.len()];
    for r in resolved {
        let Some(a) = r.app else { continue };
        for &e in &r.distinct {
            apps_of[e.ix()].push(a);
        }
    }
    for e in inst.expert_ixs() {
        let apps = &apps_of[e.ix()];
        let load = apps.len();
        let (min, max) = (inst.min_load(e), inst.round_max_load(e));
        if load < min as usize {
            out.push(Violation::Underloaded {
                expert: e,
                load: load as u32,
                min,
            });
        } else if load > max as usize {
            out.push(Violation::Overloaded {
                expert: e,
                apps: apps.clone(),
                max,
            });
        }
    }
}

/// The soft city bonus of every record with a known application
/// ([`Instance::panel_bonus`] over its distinct known experts), exact in
/// millionths; 0 when `bonus_per_city` is 0. Added to the recomputed
/// objective.
pub fn city_bonus(inst: &Instance, resolved: &[Resolved]) -> i64 {
    let mut total: i64 = 0;
    for r in resolved {
        if r.app.is_none() {
            continue;
        }
        total = total.saturating_add(inst.panel_bonus(&r.distinct));
    }
    total
}

/// Crossing rule: at least `min_senior` distinct panel members hold a
/// senior title ([`Instance::is_senior`]).
pub fn senior(inst: &Instance, resolved: &[Resolved], out: &mut Vec<Violation>) {
    for r in resolved {
        let Some(a) = r.app else { continue };
        let min = inst.min_senior(a);
        if min == 0 {
            continue;
        }
        let mut seniors: u32 = 0;
        for &e in &r.distinct {
            if inst.is_senior(e) {
                seniors += 1;
            }
        }
        if seniors < min {
            out.push(Violation::TooFewSenior {
                record: r.record,
                app: a,
                seniors,
                min,
            });
        }
    }
}

/// Crossing rule: with `cover_fields`, every field of the application is
/// listed (exactly) by some panel member. Fields in the application's order.
pub(crate) fn field_coverage(inst: &Instance, resolved: &[Resolved], out: &mut Vec<Violation>) {
    for r in resolved {
        let Some(a) = r.app else { continue };
        for field in inst.fields_to_cover(a) {
            let mut covered = false;
            for &e in &r.distinct {
                if inst.experts[e.ix()].fields.iter().any(|f| f == field) {
                    covered = true;
                }
            }
            if !covered {
                out.push(Violation::FieldNotCovered {
                    record: r.record,
                    app: a,
                    field: field.to_string(),
                });
            }
        }
    }
}

/// Crossing rule: the round-wide outside-city targets. Outside reviews are
/// counted over every record with a known application (distinct known
/// experts from a city other than the application's); the need is
/// `ceil(share × Σ k)` over the instance's applications in scope. The
/// whole-round target first, then cities by name.
pub(crate) fn round_outside_share(
    inst: &Instance,
    resolved: &[Resolved],
    out: &mut Vec<Violation>,
) {
    for (city, share) in inst.round_outside_targets() {
        let (reviews, need) = inst.round_outside_needed(city, share);
        let mut outside: u64 = 0;
        for r in resolved {
            let Some(a) = r.app else { continue };
            let home = inst.applications[a.ix()].city;
            if city.is_some_and(|c| c != home) {
                continue;
            }
            for &e in &r.distinct {
                if inst.experts[e.ix()].city != home {
                    outside += 1;
                }
            }
        }
        if outside < need {
            out.push(Violation::RoundOutsideShare {
                city,
                share,
                reviews,
                outside,
                need,
            });
        }
    }
}

/// Crossing rule: no two experts sit together on more than `max_copanel`
/// panels (records with a known application). Pairs in expert index order.
pub fn copanel(inst: &Instance, resolved: &[Resolved], out: &mut Vec<Violation>) {
    let Some(max) = inst.policy.max_copanel else {
        return;
    };
    let mut together: BTreeMap<(ExpertIx, ExpertIx), Vec<AppIx>> = BTreeMap::new();
    for r in resolved {
        let Some(a) = r.app else { continue };
        for (i, &e) in r.distinct.iter().enumerate() {
            for &f in &r.distinct[i + 1..] {
                let pair = if e < f { (e, f) } else { (f, e) };
                together.entry(pair).or_default().push(a);
            }
        }
    }
    for ((a, b), apps) in together {
        if apps.len() > max as usize {
            out.push(Violation::CopanelExceeded { a, b, apps, max });
        }
    }
}

/// Rule: when a record lists `scores`, there is one per expert and each
/// matches the recomputed score within tolerance. Unknown experts are
/// skipped (reported by [`unknown_experts`]).
pub(crate) fn listed_scores(
    inst: &Instance,
    elig: &Eligibility,
    panels: &PanelsFile,
    resolved: &[Resolved],
    out: &mut Vec<Violation>,
) {
    for r in resolved {
        let Some(a) = r.app else { continue };
        let record = &panels.panels[r.record];
        let Some(scores) = &record.scores else {
            continue;
        };
        if scores.len() != record.experts.len() {
            out.push(Violation::ListedScoresLength {
                record: r.record,
                app: a,
                scores: scores.len(),
                experts: record.experts.len(),
            });
            continue;
        }
        for (position, e) in r.experts.iter().enumerate() {
            let Some(e) = *e else { continue };
            let actual: Score = elig.score(inst, a, e);
            let listed = scores[position];
            if listed != actual.as_f64() {
                out.push(Violation::ListedScore {
                    record: r.record,
                    app: a,
                    expert: e,
                    listed,
                    actual,
                });
            }
        }
    }
}

/// Claim: a record that names a programme names its application's, as
/// names are compared (SPEC "Names as offices type them"); a record
/// without one (a CSV, an older file) claims nothing.
pub(crate) fn listed_programmes(
    inst: &Instance,
    panels: &PanelsFile,
    resolved: &[Resolved],
    out: &mut Vec<Violation>,
) {
    for r in resolved {
        let Some(a) = r.app else { continue };
        let Some(listed) = &panels.panels[r.record].programme else {
            continue;
        };
        let actual = inst.applications[a.ix()]
            .programme
            .map(|p| inst.programmes.name(p.0));
        if Some(panels_core::names::normalize(listed).as_ref()) != actual {
            out.push(Violation::ListedProgramme {
                record: r.record,
                app: a,
                listed: listed.clone(),
            });
        }
    }
}

/// Claim: the file's `objective` equals the recomputed Σ scores, exactly
/// (scores are whole millionths, so the float of the exact sum is the only
/// right value).
pub fn objective(claimed: f64, recomputed_micro: i64, out: &mut Vec<Violation>) {
    let recomputed = crate::model::total_as_f64(recomputed_micro);
    if claimed != recomputed {
        out.push(Violation::ObjectiveMismatch {
            claimed,
            recomputed_micro,
        });
    }
}

/// Rule: when the file gives a `bound`, the recomputed objective does not
/// exceed it (beyond tolerance). A non-finite bound fails.
pub fn bound(panels: &PanelsFile, recomputed_micro: i64, out: &mut Vec<Violation>) {
    let Some(bound) = panels.bound else { return };
    let recomputed = crate::model::total_as_f64(recomputed_micro);
    let ok = recomputed <= bound;
    // A NaN or infinite bound proves nothing.
    if !ok || !bound.is_finite() {
        out.push(Violation::AboveBound {
            bound,
            recomputed_micro,
        });
    }
}

/// Rule: the status is `optimal` or `feasible`; when `optimal` and a
/// `bound` is given, the bound equals the recomputed objective.
pub fn status(panels: &PanelsFile, recomputed_micro: i64, out: &mut Vec<Violation>) {
    match panels.status.as_str() {
        "feasible" | super::STATUS_NOT_RECORDED => {}
        "optimal" => {
            if let Some(bound) = panels.bound {
                let recomputed = crate::model::total_as_f64(recomputed_micro);
                if bound != recomputed {
                    out.push(Violation::OptimalWithGap {
                        bound,
                        recomputed_micro,
                    });
                }
            }
        }
        _ => out.push(Violation::BadStatus {
            status: panels.status.clone(),
        }),
    }
}

/// Rule: no panel holds a pair the file records as declined, or an expert
/// it records as withdrawn from the round.
pub fn declined(state: &RoundState, resolved: &[Resolved], out: &mut Vec<Violation>) {
    if state.declined.is_empty() && state.withdrawn.is_empty() {
        return;
    }
    for r in resolved {
        let Some(a) = r.app else { continue };
        for &e in &r.distinct {
            let withdrawn = state.withdrawn.binary_search(&e).is_ok();
            if withdrawn || state.declined.binary_search(&(a, e)).is_ok() {
                out.push(Violation::Declined {
                    record: r.record,
                    app: a,
                    expert: e,
                    withdrawn,
                });
            }
        }
    }
}

//! One function per eligibility rule of SPEC.md. Pair rules return
//! `Option<Reason>`; person-based rules (team, avoid, declared) record their
//! exclusions into the per-application map built by
//! [`super::Eligibility::compute`].

use std::collections::BTreeMap;

use super::Reason;
use crate::model::{AppIx, ConflictWith, ExpertIx, Instance, PersonIx, Score};

/// Per application: expert → reasons. Shared shape of the person-based rules.
pub type Exclusions = Vec<BTreeMap<ExpertIx, Vec<Reason>>>;

/// Records `reason` for (a, e), once.
pub(super) fn exclude(ex: &mut Exclusions, a: AppIx, e: ExpertIx, reason: Reason) {
    let list = ex[a.ix()].entry(e).or_default();
    if !list.contains(&reason) {
        list.push(reason);
    }
}

/// The expert as a person, when the person id is an expert's.
pub(super) fn person_as_expert(inst: &Instance, p: PersonIx) -> Option<ExpertIx> {
    (p.ix() < inst.experts.len()).then_some(ExpertIx(p.0))
}

/// Rule: e is unavailable.
pub fn unavailable(inst: &Instance, e: ExpertIx) -> Option<Reason> {
    (!inst.experts[e.ix()].available).then_some(Reason::Unavailable)
}

/// Rule: `avoid_same_institution` holds and the expert, who works at
/// `institution`, works at a's institution. The expert's institution is
/// passed in so that hot loops can read it from a packed table instead of
/// the expert's record.
#[inline]
pub(crate) fn same_institution(
    inst: &Instance,
    a: AppIx,
    institution: crate::model::InstIx,
) -> Option<Reason> {
    (inst.policy.avoid_same_institution && institution == inst.applications[a.ix()].institution)
        .then_some(Reason::SameInstitution)
}

/// Rule: the expert lists the programmes they serve, and not the
/// application's.
pub(crate) fn outside_programme(inst: &Instance, a: AppIx, e: ExpertIx) -> Option<Reason> {
    (!inst.serves(e, a)).then(|| Reason::OutsideProgramme {
        programme: inst.programme_name(a).unwrap_or_default().to_string(),
    })
}

/// Rules `max_consecutive_years`, `max_declines`, `min_rating`: the
/// history bars expert e from the whole round (one reason per rule).
pub(crate) fn history_bars(inst: &Instance, e: ExpertIx) -> Vec<Reason> {
    if !crate::history::barred(inst, e) {
        return Vec::new();
    }
    crate::history::bars(inst, e)
        .into_iter()
        .map(Reason::History)
        .collect()
}

/// Rule: the pair's score is below `min_affinity`.
pub(crate) fn below_min_affinity(score: Score, min: Option<Score>) -> Option<Reason> {
    match min {
        Some(min) if score < min => Some(Reason::BelowMinAffinity { score, min }),
        _ => None,
    }
}

/// Rule: e is on a's team.
pub(crate) fn team_members(inst: &Instance, ex: &mut Exclusions) {
    for a in inst.app_ixs() {
        for &p in &inst.applications[a.ix()].team {
            if let Some(e) = person_as_expert(inst, p) {
                exclude(ex, a, e, Reason::OnTeam);
            }
        }
    }
}

/// Rule: e is in a's `avoid` list.
pub(crate) fn applicant_avoid(inst: &Instance, ex: &mut Exclusions) {
    for a in inst.app_ixs() {
        for &e in &inst.applications[a.ix()].avoid {
            exclude(ex, a, e, Reason::AvoidedByApplicants);
        }
    }
}

/// Rule: a declared conflict names (e, a) or (e, a team member).
pub(crate) fn declared_conflicts(inst: &Instance, ex: &mut Exclusions) {
    let mut apps_of_person: BTreeMap<PersonIx, Vec<AppIx>> = BTreeMap::new();
    for a in inst.app_ixs() {
        for &p in &inst.applications[a.ix()].team {
            apps_of_person.entry(p).or_default().push(a);
        }
    }
    for c in &inst.conflicts {
        match c.with {
            ConflictWith::Application(a) => exclude(
                ex,
                a,
                c.expert,
                Reason::DeclaredWithApplication {
                    reason: c.reason.clone(),
                },
            ),
            ConflictWith::Person(p) => {
                for &a in apps_of_person.get(&p).map(Vec::as_slice).unwrap_or(&[]) {
                    exclude(
                        ex,
                        a,
                        c.expert,
                        Reason::DeclaredWithTeamMember {
                            person: p,
                            reason: c.reason.clone(),
                        },
                    );
                }
            }
        }
    }
}

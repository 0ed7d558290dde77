//! Who may review what, and why not.
//!
//! SPEC.md: a pair (application a, expert e) is eligible unless e is
//! unavailable; e is on a's team; e is in a's `avoid`; a conflict names
//! (e, a) or (e, a team member); e is within `coauthor_hops` co-authorship
//! links of a team member (in the year window); `avoid_same_institution`
//! holds and the institutions match; or the score is below `min_affinity`.
//!
//! Each rule is one function in [`rules`] returning the [`Reason`] it
//! excludes a pair for; [`Eligibility::check`] runs them all and keeps every
//! reason, so `panels explain` can answer "why was Prof. X not on panel
//! A017?". Only [`Eligibility::pairs`] builds the [`EligiblePairs`] the
//! solvers use.
//!
//! **Invariant:** petgraph stays private to `coauthor`; nothing outside
//! this module needs to know how co-authorship distance is computed.

mod coauthor;
pub mod overlap;
pub mod rules;

use std::collections::BTreeMap;

use crate::model::{AppIx, ExpertIx, Instance, PersonIx, Score};
use crate::score::Scorer;

/// The kind of a conflict, for counts in reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ConflictKind {
    /// The expert is not available this round.
    Unavailable,
    /// The expert is on the application's team.
    Team,
    /// The applicants asked to avoid the expert.
    ApplicantRequest,
    /// A declared conflict (with the application or a team member).
    Declared,
    /// A recent co-author of a team member (within the hop limit).
    Coauthor,
    /// Same institution as the applicant.
    Institution,
    /// Score below `min_affinity`.
    LowAffinity,
}

impl ConflictKind {
    /// All kinds, in report order.
    pub const ALL: [ConflictKind; 7] = [
        ConflictKind::Institution,
        ConflictKind::Team,
        ConflictKind::Coauthor,
        ConflictKind::Declared,
        ConflictKind::ApplicantRequest,
        ConflictKind::Unavailable,
        ConflictKind::LowAffinity,
    ];

    /// A short label for tables.
    pub fn label(self) -> &'static str {
        match self {
            ConflictKind::Unavailable => "unavailable",
            ConflictKind::Team => "team member",
            ConflictKind::ApplicantRequest => "applicant request",
            ConflictKind::Declared => "declared conflict",
            ConflictKind::Coauthor => "co-author",
            ConflictKind::Institution => "same institution",
            ConflictKind::LowAffinity => "below min_affinity",
        }
    }
}

/// Why one pair is not eligible, with its evidence.
#[derive(Clone, Debug, PartialEq)]
pub enum Reason {
    /// The expert is marked `available: false`.
    Unavailable,
    /// The expert is on the application's team.
    OnTeam,
    /// The expert is in the application's `avoid` list.
    AvoidedByApplicants,
    /// A declared conflict names the expert and the application.
    DeclaredWithApplication {
        /// The conflict's stated reason, if any.
        reason: Option<String>,
    },
    /// A declared conflict names the expert and a team member.
    DeclaredWithTeamMember {
        /// The team member.
        person: PersonIx,
        /// The conflict's stated reason, if any.
        reason: Option<String>,
    },
    /// The expert is within `coauthor_hops` links of a team member (the
    /// nearest other member; the chain itself from [`Reason::chain`]).
    Coauthor {
        /// The team member.
        member: PersonIx,
        /// Links between them (1 = co-authors).
        links: u32,
    },
    /// Same institution as the applicant (`avoid_same_institution`).
    SameInstitution,
    /// The pair's score is below `min_affinity`.
    BelowMinAffinity {
        /// The pair's score.
        score: Score,
        /// The policy's threshold.
        min: Score,
    },
}

impl Reason {
    /// The kind of this reason.
    pub fn kind(&self) -> ConflictKind {
        match self {
            Reason::Unavailable => ConflictKind::Unavailable,
            Reason::OnTeam => ConflictKind::Team,
            Reason::AvoidedByApplicants => ConflictKind::ApplicantRequest,
            Reason::DeclaredWithApplication { .. } | Reason::DeclaredWithTeamMember { .. } => {
                ConflictKind::Declared
            }
            Reason::Coauthor { .. } => ConflictKind::Coauthor,
            Reason::SameInstitution => ConflictKind::Institution,
            Reason::BelowMinAffinity { .. } => ConflictKind::LowAffinity,
        }
    }

    /// The reason in a program officer's words.
    pub fn describe(&self, inst: &Instance, a: AppIx, e: ExpertIx) -> String {
        let app = &inst.applications[a.ix()];
        let ex = &inst.experts[e.ix()];
        match self {
            Reason::Unavailable => format!("{} is marked unavailable this round", ex.id),
            Reason::OnTeam => format!("{} is on the team of {}", ex.id, app.id),
            Reason::AvoidedByApplicants => {
                format!("the applicants of {} asked to avoid {}", app.id, ex.id)
            }
            Reason::DeclaredWithApplication { reason } => format!(
                "declared conflict between {} and {}{}",
                ex.id,
                app.id,
                reason_suffix(reason)
            ),
            Reason::DeclaredWithTeamMember { person, reason } => format!(
                "declared conflict between {} and team member {}{}",
                ex.id,
                inst.person_id(*person),
                reason_suffix(reason)
            ),
            Reason::Coauthor { member, links } => format!(
                "co-authorship within {links} link(s) of team member {}",
                inst.person_id(*member)
            ),
            Reason::SameInstitution => format!(
                "{} and {} are both at {}",
                ex.id,
                app.id,
                inst.app_institution(a)
            ),
            Reason::BelowMinAffinity { score, min } => format!(
                "score {} is below min_affinity {}",
                score.as_f64(),
                min.as_f64()
            ),
        }
    }
}

impl Reason {
    /// The evidence of a co-author reason: a shortest chain of counting
    /// co-authorships from the expert to the team member, `e` first
    /// (searched again when asked, so stored reasons stay small). `None`
    /// for other reasons.
    pub fn chain(&self, inst: &Instance, e: ExpertIx) -> Option<Vec<PersonIx>> {
        match self {
            Reason::Coauthor { member, links } => {
                coauthor::chain(inst, *member, PersonIx(e.0), *links)
            }
            _ => None,
        }
    }
}

fn reason_suffix(reason: &Option<String>) -> String {
    match reason {
        Some(r) if !r.is_empty() => format!(" ({r})"),
        _ => String::new(),
    }
}

/// The verdict on one pair: its score and every reason it is excluded.
#[derive(Clone, Debug, PartialEq)]
pub struct Verdict {
    /// The pair's score.
    pub score: Score,
    /// Why the pair is excluded; empty when eligible.
    pub reasons: Vec<Reason>,
}

impl Verdict {
    /// True when no rule excludes the pair.
    pub fn is_eligible(&self) -> bool {
        self.reasons.is_empty()
    }
}

/// Precomputed eligibility of an instance: per application, the sparse set
/// of experts excluded by team, avoid, declared and co-author rules, plus the
/// scorer. Availability, institution and `min_affinity` are checked per pair.
#[derive(Clone, Debug)]
pub struct Eligibility {
    scorer: Scorer,
    min_affinity: Option<Score>,
    /// Per application: expert → the person-based reasons excluding it.
    person_based: Vec<BTreeMap<ExpertIx, Vec<Reason>>>,
}

impl Eligibility {
    /// Prepares eligibility for `inst`.
    ///
    /// Complexity: O(conflicts + Σ_a BFS(team of a, coauthor_hops)), plus the
    /// affinity list.
    pub fn compute(inst: &Instance) -> Eligibility {
        let mut person_based: Vec<BTreeMap<ExpertIx, Vec<Reason>>> =
            vec![BTreeMap::new(); inst.applications.len()];
        rules::team_members(inst, &mut person_based);
        rules::applicant_avoid(inst, &mut person_based);
        rules::declared_conflicts(inst, &mut person_based);
        coauthor::coauthor_conflicts(inst, &mut person_based);
        Eligibility {
            scorer: Scorer::new(inst),
            min_affinity: inst.policy.min_affinity.and_then(Score::from_f64),
            person_based,
        }
    }

    /// The scores behind this eligibility (listed and computed).
    pub fn scorer(&self) -> &Scorer {
        &self.scorer
    }

    /// True when (a, e), whose score is `score`, is eligible: the pair
    /// rules and `min_affinity`, without recomputing the score (for callers
    /// that already know it, e.g. from [`overlap::ScoreIndex::scan`]).
    pub fn eligible_given(&self, inst: &Instance, a: AppIx, e: ExpertIx, score: Score) -> bool {
        self.eligible_with(inst, a, e, || score).is_some()
    }

    /// True when no score, however high, makes (a, e) eligible: the
    /// expert is unavailable, of the applicant's institution, or excluded
    /// by a person-based rule.
    pub fn excluded_by_rules(&self, inst: &Instance, a: AppIx, e: ExpertIx) -> bool {
        rules::unavailable(inst, e).is_some()
            || rules::same_institution(inst, a, e).is_some()
            || self.person_based[a.ix()].contains_key(&e)
    }

    /// True when a person-based rule (team, avoid, declared conflict,
    /// co-author) excludes (a, e).
    pub fn is_person_excluded(&self, a: AppIx, e: ExpertIx) -> bool {
        let m = &self.person_based[a.ix()];
        !m.is_empty() && m.contains_key(&e)
    }

    /// Experts excluded from application `a` by a person-based rule (team,
    /// avoid, declared conflict, co-author), ascending.
    pub fn person_excluded(&self, a: AppIx) -> impl Iterator<Item = ExpertIx> + '_ {
        self.person_based[a.ix()].keys().copied()
    }

    /// The policy's `min_affinity` as a score, if set.
    pub fn min_affinity(&self) -> Option<Score> {
        self.min_affinity
    }

    /// The score of (a, e), eligible or not.
    pub fn score(&self, inst: &Instance, a: AppIx, e: ExpertIx) -> Score {
        self.scorer.score(inst, a, e)
    }

    /// Every reason (a, e) is excluded, and its score.
    pub fn check(&self, inst: &Instance, a: AppIx, e: ExpertIx) -> Verdict {
        let score = self.scorer.score(inst, a, e);
        let mut reasons = Vec::new();
        if let Some(r) = rules::unavailable(inst, e) {
            reasons.push(r);
        }
        if let Some(rs) = self.person_based[a.ix()].get(&e) {
            reasons.extend(rs.iter().cloned());
        }
        if let Some(r) = rules::same_institution(inst, a, e) {
            reasons.push(r);
        }
        if let Some(r) = rules::below_min_affinity(score, self.min_affinity) {
            reasons.push(r);
        }
        Verdict { score, reasons }
    }

    /// True when (a, e) is eligible. Cheaper than [`Eligibility::check`]: no
    /// allocation.
    pub fn is_eligible(&self, inst: &Instance, a: AppIx, e: ExpertIx) -> bool {
        self.eligible_score(inst, a, e).is_some()
    }

    /// The score of (a, e) when eligible, `None` otherwise.
    pub fn eligible_score(&self, inst: &Instance, a: AppIx, e: ExpertIx) -> Option<Score> {
        self.eligible_with(inst, a, e, || self.scorer.score(inst, a, e))
    }

    /// The eligibility test with the score supplied lazily (so
    /// [`Eligibility::pairs`] can walk the listed scores in step).
    fn eligible_with(
        &self,
        inst: &Instance,
        a: AppIx,
        e: ExpertIx,
        score: impl FnOnce() -> Score,
    ) -> Option<Score> {
        if rules::unavailable(inst, e).is_some()
            || rules::same_institution(inst, a, e).is_some()
            || self.person_based[a.ix()].contains_key(&e)
        {
            return None;
        }
        let score = score();
        if rules::below_min_affinity(score, self.min_affinity).is_some() {
            return None;
        }
        Some(score)
    }

    /// All eligible pairs, grouped by application in input order, experts in
    /// input order within each application.
    ///
    /// Complexity: O(applications × experts), with listed scores read in
    /// step rather than looked up.
    pub fn pairs(&self, inst: &Instance) -> EligiblePairs {
        let mut out = EligiblePairs {
            offsets: Vec::with_capacity(inst.applications.len() + 1),
            experts: Vec::new(),
            scores: Vec::new(),
        };
        out.offsets.push(0);
        for a in inst.app_ixs() {
            let mut listed = self.scorer.listed_row(a).iter().peekable();
            for e in inst.expert_ixs() {
                while listed.next_if(|&&(x, _)| x < e).is_some() {}
                let entry = listed.next_if(|&&(x, _)| x == e).map(|&(_, s)| s);
                let score = || entry.unwrap_or_else(|| self.scorer.unlisted(inst, a, e));
                if let Some(s) = self.eligible_with(inst, a, e, score) {
                    out.experts.push(e);
                    out.scores.push(s);
                }
            }
            out.offsets.push(out.experts.len());
        }
        out
    }

    /// Counts, per conflict kind, the pairs it excludes (a pair excluded for
    /// two reasons counts under both kinds). For the fairness report.
    pub fn conflict_counts(&self, inst: &Instance) -> BTreeMap<ConflictKind, u64> {
        let mut counts = BTreeMap::new();
        for a in inst.app_ixs() {
            for e in inst.expert_ixs() {
                let v = self.check(inst, a, e);
                let mut kinds: Vec<ConflictKind> = v.reasons.iter().map(Reason::kind).collect();
                kinds.dedup();
                for k in kinds {
                    *counts.entry(k).or_insert(0) += 1;
                }
            }
        }
        counts
    }
}

/// Eligible pairs in compressed rows: application a's experts are
/// `experts[offsets[a]..offsets[a+1]]`, with their scores alongside.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EligiblePairs {
    /// Row starts, one per application plus the end.
    pub offsets: Vec<usize>,
    /// Eligible experts, row by row.
    pub experts: Vec<ExpertIx>,
    /// Scores of the pairs, aligned with `experts`.
    pub scores: Vec<Score>,
}

impl EligiblePairs {
    /// Experts eligible for application `a`, in input order.
    pub fn experts_of(&self, a: AppIx) -> &[ExpertIx] {
        &self.experts[self.offsets[a.ix()]..self.offsets[a.ix() + 1]]
    }

    /// Scores aligned with [`EligiblePairs::experts_of`].
    pub fn scores_of(&self, a: AppIx) -> &[Score] {
        &self.scores[self.offsets[a.ix()]..self.offsets[a.ix() + 1]]
    }

    /// Number of eligible pairs.
    pub fn len(&self) -> usize {
        self.experts.len()
    }

    /// True when no pair is eligible.
    pub fn is_empty(&self) -> bool {
        self.experts.is_empty()
    }

    /// Number of applications (rows).
    pub fn num_apps(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }
}

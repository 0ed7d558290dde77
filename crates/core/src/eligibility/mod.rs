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
    /// The expert does not serve the application's programme.
    Programme,
    /// `avoid_repeat`: a repeat of a past served review.
    Repeat,
    /// `max_consecutive_years`: the expert rests this round.
    Resting,
    /// `max_declines`: too many declined or no-show records.
    Declines,
    /// `min_rating`: mean rating below the threshold.
    Rating,
}

impl ConflictKind {
    /// All kinds, in report order.
    pub const ALL: [ConflictKind; 12] = [
        ConflictKind::Institution,
        ConflictKind::Team,
        ConflictKind::Coauthor,
        ConflictKind::Declared,
        ConflictKind::ApplicantRequest,
        ConflictKind::Unavailable,
        ConflictKind::LowAffinity,
        ConflictKind::Programme,
        ConflictKind::Repeat,
        ConflictKind::Resting,
        ConflictKind::Declines,
        ConflictKind::Rating,
    ];

    /// True for the kinds the history table causes (counted apart from
    /// declared conflicts in reports).
    pub fn is_history(self) -> bool {
        matches!(
            self,
            ConflictKind::Repeat
                | ConflictKind::Resting
                | ConflictKind::Declines
                | ConflictKind::Rating
        )
    }

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
            ConflictKind::Programme => "other programme",
            ConflictKind::Repeat => "repeat (history)",
            ConflictKind::Resting => "resting (history)",
            ConflictKind::Declines => "declines (history)",
            ConflictKind::Rating => "rating (history)",
        }
    }

    /// [`ConflictKind::label`] in Chinese.
    pub fn label_zh(self) -> &'static str {
        match self {
            ConflictKind::Unavailable => "本轮不能参加",
            ConflictKind::Team => "项目组成员",
            ConflictKind::ApplicantRequest => "申请人要求回避",
            ConflictKind::Declared => "已申报的利益冲突",
            ConflictKind::Coauthor => "合作者",
            ConflictKind::Institution => "同一单位",
            ConflictKind::LowAffinity => "低于 min_affinity",
            ConflictKind::Programme => "不评审该类别",
            ConflictKind::Repeat => "重复评审（历史）",
            ConflictKind::Resting => "轮休（历史）",
            ConflictKind::Declines => "多次拒评（历史）",
            ConflictKind::Rating => "评分偏低（历史）",
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
    /// The expert lists programmes and not the application's.
    OutsideProgramme {
        /// The application's programme.
        programme: String,
    },
    /// `avoid_repeat`: the expert served a counting review of an
    /// application from this institution (or sharing a team member).
    Repeat(crate::history::Repeat),
    /// `max_consecutive_years` (and the other expert-wide history rules):
    /// the expert is barred from the round.
    History(crate::history::Bar),
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
            Reason::OutsideProgramme { .. } => ConflictKind::Programme,
            Reason::Repeat(_) => ConflictKind::Repeat,
            Reason::History(crate::history::Bar::Resting { .. }) => ConflictKind::Resting,
            Reason::History(crate::history::Bar::Declines { .. }) => ConflictKind::Declines,
            Reason::History(crate::history::Bar::Rating { .. }) => ConflictKind::Rating,
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
            Reason::OutsideProgramme { programme } => {
                let serves: Vec<&str> = ex
                    .programmes
                    .iter()
                    .map(|p| inst.programmes.name(p.0))
                    .collect();
                format!(
                    "{} serves {} only, not {programme} (the programme of {})",
                    ex.id,
                    serves.join(", "),
                    app.id
                )
            }
            Reason::Repeat(rep) => describe_repeat(inst, &ex.id, rep),
            Reason::History(bar) => describe_bar(inst, &ex.id, bar),
        }
    }
}

/// "E0042 reviewed 华中科技大学's A0123 in 2025 (avoid_repeat institution)".
pub(crate) fn describe_repeat(
    inst: &Instance,
    expert: &str,
    rep: &crate::history::Repeat,
) -> String {
    use crate::history::Repeat;
    let rule = inst.policy.avoid_repeat.as_str();
    match rep {
        Repeat::Institution {
            year,
            application,
            institution,
        } => match application {
            Some(app) => {
                format!("{expert} reviewed {institution}'s {app} in {year} (avoid_repeat {rule})")
            }
            None => format!(
                "{expert} reviewed an application of {institution} in {year} (avoid_repeat {rule})"
            ),
        },
        Repeat::Team {
            year,
            application,
            institution,
            person,
        } => format!(
            "{expert} reviewed {institution}'s {} in {year}, whose team had {} (avoid_repeat {rule})",
            application.as_deref().unwrap_or("application"),
            inst.person_id(*person)
        ),
    }
}

/// The first few items of a bar's evidence, joined (`…` for the rest).
pub fn evidence_list(items: impl Iterator<Item = String>) -> String {
    const SHOWN: usize = 6;
    let mut items = items.peekable();
    let mut out: Vec<String> = items.by_ref().take(SHOWN).collect();
    if items.peek().is_some() {
        out.push("…".into());
    }
    out.join(", ")
}

/// An expert-wide history bar in words, with its evidence.
pub(crate) fn describe_bar(inst: &Instance, expert: &str, bar: &crate::history::Bar) -> String {
    use crate::history::Bar;
    match bar {
        Bar::Resting { years, served } => {
            let list: Vec<String> = years.iter().map(i32::to_string).collect();
            format!(
                "{expert} served in each of {} (max_consecutive_years {}): rests in {} ({})",
                list.join(", "),
                years.len(),
                inst.policy.year.map_or("this round".into(), |y| y.to_string()),
                evidence_list(served.iter().map(|r| r.describe()))
            )
        }
        Bar::Declines {
            count,
            max,
            records,
        } => format!(
            "{expert} declined or did not show {count} time(s) in the history window, more than max_declines {max} ({})",
            evidence_list(records.iter().map(|r| r.describe()))
        ),
        Bar::Rating {
            mean,
            min,
            rated,
            records,
        } => format!(
            "{expert}'s mean rating {} over {rated} rated review(s) is below min_rating {min} ({})",
            crate::history::mean_rating_text(*mean, *min),
            evidence_list(records.iter().map(|(r, x)| format!("{}: {x}", r.describe())))
        ),
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

impl Reason {
    /// [`Reason::describe`] in Chinese, with the same evidence.
    pub fn describe_zh(&self, inst: &Instance, a: AppIx, e: ExpertIx) -> String {
        let app = &inst.applications[a.ix()];
        let ex = &inst.experts[e.ix()].id;
        let why = |reason: &Option<String>| match reason {
            Some(r) if !r.is_empty() => format!("（{r}）"),
            _ => String::new(),
        };
        match self {
            Reason::Unavailable => format!("{ex} 本轮标记为不可用"),
            Reason::OnTeam => format!("{ex} 是 {} 的团队成员", app.id),
            Reason::AvoidedByApplicants => format!("{} 的申请人要求回避 {ex}", app.id),
            Reason::DeclaredWithApplication { reason } => {
                format!("{ex} 与 {} 申报了利益冲突{}", app.id, why(reason))
            }
            Reason::DeclaredWithTeamMember { person, reason } => format!(
                "{ex} 与团队成员 {} 申报了利益冲突{}",
                inst.person_id(*person),
                why(reason)
            ),
            Reason::Coauthor { member, links } => format!(
                "与团队成员 {} 在 {links} 层以内有合作关系",
                inst.person_id(*member)
            ),
            Reason::SameInstitution => {
                format!("{ex} 与 {} 同属 {}", app.id, inst.app_institution(a))
            }
            Reason::BelowMinAffinity { score, min } => format!(
                "匹配度 {} 低于 min_affinity {}",
                score.as_f64(),
                min.as_f64()
            ),
            Reason::OutsideProgramme { programme } => {
                format!(
                    "{ex} 不参加计划类别 {programme}（{} 所属类别）的评审",
                    app.id
                )
            }
            Reason::Repeat(rep) => describe_repeat_zh(inst, ex, rep),
            Reason::History(bar) => describe_bar_zh(inst, ex, bar),
        }
    }
}

/// [`describe_repeat`] in Chinese.
pub(crate) fn describe_repeat_zh(
    inst: &Instance,
    ex: &str,
    rep: &crate::history::Repeat,
) -> String {
    use crate::history::Repeat;
    let rule = inst.policy.avoid_repeat.as_str();
    match rep {
        Repeat::Institution {
            year,
            application,
            institution,
        } => format!(
            "{ex} 在 {year} 年评审过{institution}的{}（avoid_repeat {rule}）",
            application.as_deref().unwrap_or("项目")
        ),
        Repeat::Team {
            year,
            application,
            institution,
            person,
        } => format!(
            "{ex} 在 {year} 年评审过{institution}的{}，其团队包含 {}（avoid_repeat {rule}）",
            application.as_deref().unwrap_or("项目"),
            inst.person_id(*person)
        ),
    }
}

/// [`describe_bar`] in Chinese.
pub(crate) fn describe_bar_zh(inst: &Instance, ex: &str, bar: &crate::history::Bar) -> String {
    use crate::history::Bar;
    match bar {
        Bar::Resting { years, served } => {
            let list: Vec<String> = years.iter().map(i32::to_string).collect();
            format!(
                "{ex} 在 {} 年连续参加评审（max_consecutive_years {}），{} 年轮空（{}）",
                list.join("、"),
                years.len(),
                inst.policy.year.map_or("本轮".into(), |y| y.to_string()),
                evidence_list(served.iter().map(|r| r.describe_zh()))
            )
        }
        Bar::Declines {
            count,
            max,
            records,
        } => format!(
            "{ex} 在计入期内拒评或缺席 {count} 次，超过 max_declines {max}（{}）",
            evidence_list(records.iter().map(|r| r.describe_zh()))
        ),
        Bar::Rating {
            mean,
            min,
            rated,
            records,
        } => format!(
            "{ex} 的 {rated} 次评审平均评分 {} 低于 min_rating {min}（{}）",
            crate::history::mean_rating_text(*mean, *min),
            evidence_list(
                records
                    .iter()
                    .map(|(r, x)| format!("{}：{x}", r.describe_zh()))
            )
        ),
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
    /// Per application: its `min_affinity` (the programme's or the round's).
    min_affinity: Vec<Option<Score>>,
    /// Per application: expert → the person-based reasons excluding it
    /// (and, when repeats are banned, the repeats).
    person_based: Vec<BTreeMap<ExpertIx, Vec<Reason>>>,
    /// Per expert: the history rules barring them from the round.
    bars: Vec<Vec<Reason>>,
    /// Per expert: unavailable or barred by history.
    out_of_round: Vec<bool>,
    /// Per expert: their institution (a packed copy of the experts'
    /// records, read by the eligibility test of every scanned pair).
    institution: Vec<crate::model::InstIx>,
    /// The experts who repeat a past review (`avoid_repeat`; a ban, or
    /// priced with `repeat_penalty`).
    repeats: crate::history::Repeats,
    /// True when repeats are excluded rather than priced.
    ban: bool,
    /// `repeat_penalty` in millionths (0 when repeats are banned or off).
    penalty: i64,
    /// True when some expert lists the programmes they serve.
    programme_lists: bool,
}

impl Eligibility {
    /// Prepares eligibility for `inst`.
    ///
    /// Complexity: O(conflicts + Σ_a BFS(team of a, coauthor_hops)), plus the
    /// affinity list.
    pub fn compute(inst: &Instance) -> Eligibility {
        // The history's rules (repeats, then each expert's bars) are
        // walked on a second thread while this one walks the other rules
        // (they read the instance only).
        let history_rules = || {
            let repeats = crate::history::repeats(inst);
            let bars: Vec<Vec<Reason>> = inst
                .expert_ixs()
                .map(|e| rules::history_bars(inst, e))
                .collect();
            (repeats, bars)
        };
        let (person_based, (repeats, bars)) = std::thread::scope(|s| {
            let worker = (!inst.history.is_empty()).then(|| s.spawn(history_rules));
            let mut person_based: Vec<BTreeMap<ExpertIx, Vec<Reason>>> =
                vec![BTreeMap::new(); inst.applications.len()];
            rules::team_members(inst, &mut person_based);
            rules::applicant_avoid(inst, &mut person_based);
            rules::declared_conflicts(inst, &mut person_based);
            coauthor::coauthor_conflicts(inst, &mut person_based);
            let history = match worker {
                Some(worker) => worker
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                None => history_rules(),
            };
            (person_based, history)
        });
        let penalty = inst.policy.repeat_penalty_micro().unwrap_or(0);
        let out_of_round = inst
            .expert_ixs()
            .map(|e| !inst.experts[e.ix()].available || !bars[e.ix()].is_empty())
            .collect();
        Eligibility {
            scorer: Scorer::new(inst),
            min_affinity: inst
                .app_ixs()
                .map(|a| inst.min_affinity(a).and_then(Score::from_f64))
                .collect(),
            person_based,
            bars,
            out_of_round,
            institution: inst.experts.iter().map(|x| x.institution).collect(),
            repeats,
            ban: penalty == 0,
            penalty,
            programme_lists: inst.experts.iter().any(|x| !x.programmes.is_empty()),
        }
    }

    /// True when expert `e` takes no part in the round: unavailable, or
    /// barred by a history rule (rest, declines, rating).
    #[inline]
    pub fn out_of_round(&self, e: ExpertIx) -> bool {
        self.out_of_round[e.ix()]
    }

    /// True when expert `e` may serve application `a`'s programme.
    #[inline]
    pub fn serves(&self, inst: &Instance, a: AppIx, e: ExpertIx) -> bool {
        !self.programme_lists || inst.serves(e, a)
    }

    /// The score of an eligible pair after the repeat penalty (`raw` when
    /// the pair repeats nothing or repeats are not priced).
    #[inline]
    pub fn priced_score(&self, a: AppIx, e: ExpertIx, raw: Score) -> Score {
        if self.penalty > 0 && self.repeat_of(a, e).is_some() {
            return self.penalised(raw);
        }
        raw
    }

    /// The past reviews (a, e) repeats under `avoid_repeat`, if any.
    #[inline]
    pub fn repeat_of(&self, a: AppIx, e: ExpertIx) -> Option<crate::history::RepeatHit> {
        self.repeats.of(a, e)
    }

    /// The experts who repeat a past review for application `a`
    /// (excluded or priced), in two parts: a set over the pool, for an
    /// institution with many of them (test it with
    /// [`crate::history::in_set`]), and the others, ascending. Every such
    /// expert is in one part or both.
    pub fn repeat_experts(
        &self,
        a: AppIx,
    ) -> (Option<&[u64]>, impl Iterator<Item = ExpertIx> + '_) {
        (
            self.repeats.institution_set(a),
            self.repeats.experts_beside_set(a),
        )
    }

    /// True when repeats are excluded (a ban), false when priced or off.
    pub fn repeats_banned(&self) -> bool {
        self.ban
    }

    /// True when a banned repeat excludes (a, e).
    #[inline]
    fn banned_repeat(&self, a: AppIx, e: ExpertIx) -> bool {
        self.ban && self.repeat_of(a, e).is_some()
    }

    /// The repeats (a, e) pays the penalty for, as evidence (empty when
    /// none or when repeats are banned).
    pub(crate) fn priced_repeats(
        &self,
        inst: &Instance,
        a: AppIx,
        e: ExpertIx,
    ) -> Vec<crate::history::Repeat> {
        match self.repeat_of(a, e) {
            Some(hit) if !self.ban => hit.evidence(inst),
            _ => Vec::new(),
        }
    }

    /// Pairs that repeat a counting review and keep every other rule of
    /// eligibility (the expert available and not barred by history, not of
    /// the applicants' institution, serving the programme, no person-based
    /// conflict, the raw score not below `min_affinity`): under a ban, the
    /// pairs the ban alone keeps out; under a penalty, the eligible pairs
    /// that pay it. A repeat that another rule keeps out anyway (an
    /// unavailable expert's, a conflict's) is neither banned nor priced,
    /// so it is not counted.
    ///
    /// Complexity: O(repeating pairs), each checked once.
    pub fn repeat_pairs(&self, inst: &Instance) -> u64 {
        inst.app_ixs()
            .map(|a| {
                self.repeats
                    .experts(a)
                    .filter(|&e| {
                        !self.excluded_apart_from_repeats(inst, a, e)
                            && self.min_affinity[a.ix()].is_none_or(|min| {
                                rules::below_min_affinity(self.scorer.score(inst, a, e), Some(min))
                                    .is_none()
                            })
                    })
                    .count() as u64
            })
            .sum()
    }

    /// True when (a, e) pays the repeat penalty.
    pub fn pays_penalty(&self, a: AppIx, e: ExpertIx) -> bool {
        !self.ban && self.repeat_of(a, e).is_some()
    }

    /// `repeat_penalty` in millionths when repeats are priced, else 0.
    pub fn penalty(&self) -> i64 {
        self.penalty
    }

    /// The scores behind this eligibility (listed and computed).
    pub fn scorer(&self) -> &Scorer {
        &self.scorer
    }

    /// The score (a, e) counts with when it is eligible, given its raw
    /// score `score` (the pair rules and `min_affinity`, compared with the
    /// raw score; then the repeat penalty), without recomputing the score
    /// (for callers that already know it, e.g. from
    /// [`overlap::ScoreIndex::scan`]). `None` when not eligible.
    pub fn eligible_given(
        &self,
        inst: &Instance,
        a: AppIx,
        e: ExpertIx,
        score: Score,
    ) -> Option<Score> {
        self.eligible_with(inst, a, e, || score)
    }

    /// True when no score, however high, makes (a, e) eligible: the
    /// expert is unavailable or barred by history, of the applicant's
    /// institution, outside the application's programme, or excluded by a
    /// person-based rule (or a banned repeat).
    pub(crate) fn excluded_by_rules(&self, inst: &Instance, a: AppIx, e: ExpertIx) -> bool {
        self.excluded_apart_from_repeats(inst, a, e) || self.banned_repeat(a, e)
    }

    /// [`Eligibility::excluded_by_rules`] without the repeat ban.
    #[inline]
    fn excluded_apart_from_repeats(&self, inst: &Instance, a: AppIx, e: ExpertIx) -> bool {
        self.out_of_round(e)
            || rules::same_institution(inst, a, self.institution[e.ix()]).is_some()
            || !self.serves(inst, a, e)
            || self.person_based[a.ix()].contains_key(&e)
    }

    /// True when a person-based rule (team, avoid, declared conflict,
    /// co-author) excludes (a, e); repeats are not looked at.
    #[inline]
    pub fn is_person_based_excluded(&self, a: AppIx, e: ExpertIx) -> bool {
        let m = &self.person_based[a.ix()];
        !m.is_empty() && m.contains_key(&e)
    }

    /// Experts excluded from application `a` by a person-based rule
    /// (team, avoid, declared conflict, co-author), ascending: those for
    /// which [`Eligibility::is_person_based_excluded`] holds.
    pub fn person_based_experts(&self, a: AppIx) -> impl Iterator<Item = ExpertIx> + '_ {
        self.person_based[a.ix()].keys().copied()
    }

    /// A repeating pair's score under `repeat_penalty`: `raw` less the
    /// penalty (`raw` when repeats are banned or off).
    #[inline]
    pub fn penalised(&self, raw: Score) -> Score {
        Score(raw.0 - self.penalty)
    }

    /// True when a person-based rule (team, avoid, declared conflict,
    /// co-author) or a banned repeat excludes (a, e).
    pub fn is_person_excluded(&self, a: AppIx, e: ExpertIx) -> bool {
        let m = &self.person_based[a.ix()];
        (!m.is_empty() && m.contains_key(&e)) || self.banned_repeat(a, e)
    }

    /// Experts excluded from application `a` by a person-based rule (team,
    /// avoid, declared conflict, co-author) or a banned repeat, ascending,
    /// each once.
    pub fn person_excluded(&self, a: AppIx) -> impl Iterator<Item = ExpertIx> + '_ {
        let persons = self.person_based[a.ix()].keys().copied();
        let banned = self.ban.then(|| self.repeats.experts(a));
        crate::history::merged(persons, banned.into_iter().flatten())
    }

    /// Application `a`'s `min_affinity` as a score, if set.
    pub fn min_affinity(&self, a: AppIx) -> Option<Score> {
        self.min_affinity[a.ix()]
    }

    /// The score of (a, e), eligible or not.
    pub fn score(&self, inst: &Instance, a: AppIx, e: ExpertIx) -> Score {
        self.scorer.score(inst, a, e)
    }

    /// What (a, e) adds to the objective when it sits on a panel, eligible
    /// or not: its score less the repeat penalty when it pays one
    /// ([`Eligibility::priced_score`]).
    pub fn objective_score(&self, inst: &Instance, a: AppIx, e: ExpertIx) -> Score {
        self.priced_score(a, e, self.scorer.score(inst, a, e))
    }

    /// Every reason (a, e) is excluded, and its score (after the repeat
    /// penalty; [`Eligibility::score`] is the raw score).
    pub fn check(&self, inst: &Instance, a: AppIx, e: ExpertIx) -> Verdict {
        let score = self.scorer.score(inst, a, e);
        let mut reasons = Vec::new();
        if let Some(r) = rules::unavailable(inst, e) {
            reasons.push(r);
        }
        reasons.extend(self.bars[e.ix()].iter().cloned());
        if let Some(r) = rules::outside_programme(inst, a, e) {
            reasons.push(r);
        }
        if let Some(rs) = self.person_based[a.ix()].get(&e) {
            reasons.extend(rs.iter().cloned());
        }
        if self.ban {
            if let Some(hit) = self.repeat_of(a, e) {
                reasons.extend(hit.evidence(inst).into_iter().map(Reason::Repeat));
            }
        }
        if let Some(r) = rules::same_institution(inst, a, inst.experts[e.ix()].institution) {
            reasons.push(r);
        }
        if let Some(r) = rules::below_min_affinity(score, self.min_affinity[a.ix()]) {
            reasons.push(r);
        }
        let score = self.priced_score(a, e, score);
        Verdict { score, reasons }
    }

    /// True when (a, e) is eligible. Cheaper than [`Eligibility::check`]: no
    /// allocation.
    pub fn is_eligible(&self, inst: &Instance, a: AppIx, e: ExpertIx) -> bool {
        self.eligible_score(inst, a, e).is_some()
    }

    /// The score of (a, e) when eligible (after the repeat penalty),
    /// `None` otherwise.
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
        if self.excluded_by_rules(inst, a, e) {
            return None;
        }
        let score = score();
        if rules::below_min_affinity(score, self.min_affinity[a.ix()]).is_some() {
            return None;
        }
        Some(self.priced_score(a, e, score))
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

/// The explanation of one pair as `panels explain` prints it: the expert,
/// the application, the score, then eligible (inside or outside the city)
/// or every reason it is not.
pub fn explain_text(
    inst: &Instance,
    elig: &Eligibility,
    a: crate::model::AppIx,
    e: crate::model::ExpertIx,
    verdict: &Verdict,
) -> String {
    explain_text_in(inst, elig, a, e, verdict, false)
}

/// [`explain_text`] in Chinese (`zh`, for a Chinese console page) or in
/// English: the same lines and evidence.
pub fn explain_text_in(
    inst: &Instance,
    elig: &Eligibility,
    a: crate::model::AppIx,
    e: crate::model::ExpertIx,
    verdict: &Verdict,
    zh: bool,
) -> String {
    use std::fmt::Write as _;
    let say = |en: String, cn: String| if zh { cn } else { en };
    let mut out = String::new();
    let ex = &inst.experts[e.ix()];
    let app = &inst.applications[a.ix()];
    let name = ex.name.as_deref().unwrap_or("-");
    let (ec, ei) = (inst.expert_city(e), inst.expert_institution(e));
    let (ac, ai) = (inst.app_city(a), inst.app_institution(a));
    let score = verdict.score.as_f64();
    let _ = writeln!(
        out,
        "{}",
        say(
            format!(
                "{} ({name}, {ec}, {ei}) for {} ({ac}, {ai}): score {score:.6}",
                ex.id, app.id
            ),
            format!(
                "{}（{name}，{ec}，{ei}）评审 {}（{ac}，{ai}）：匹配度 {score:.6}",
                ex.id, app.id
            ),
        )
    );
    if verdict.is_eligible() {
        let outside = ex.city != app.city;
        let left = crate::history::no_review_left_in(inst, e, zh);
        let _ = writeln!(
            out,
            "{}",
            say(
                format!(
                    "eligible{}{}",
                    if outside {
                        " (counts as an outside-city expert)"
                    } else {
                        " (same city as the applicant)"
                    },
                    left.as_ref()
                        .map(|why| format!(", but {} takes no review this round: {why}", ex.id))
                        .unwrap_or_default()
                ),
                format!(
                    "符合条件{}{}",
                    if outside {
                        "（计为外地专家）"
                    } else {
                        "（与申请人同城）"
                    },
                    left.as_ref()
                        .map(|why| format!("，但 {} 本轮不能再评审：{why}", ex.id))
                        .unwrap_or_default()
                ),
            )
        );
    } else {
        let _ = writeln!(
            out,
            "{}",
            if zh {
                "不符合条件："
            } else {
                "not eligible:"
            }
        );
        for r in &verdict.reasons {
            let (why, label) = if zh {
                (r.describe_zh(inst, a, e), r.kind().label_zh())
            } else {
                (r.describe(inst, a, e), r.kind().label())
            };
            let _ = writeln!(out, "  - {why} [{label}]");
            if let Some(chain) = r.chain(inst, e) {
                let ids: Vec<&str> = chain.iter().map(|&p| inst.person_id(p)).collect();
                let chain_word = if zh { "合作链：" } else { "chain: " };
                let _ = writeln!(out, "    {chain_word}{}", ids.join(" — "));
            }
        }
    }
    for line in crate::history::explain_notes(inst, elig, a, e, zh) {
        let _ = writeln!(out, "  * {line}");
    }
    out
}

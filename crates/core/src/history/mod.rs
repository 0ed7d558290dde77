//! Past reviews (the `history` table) and the yearly rules they feed
//! (SPEC "History (yearly rounds)").
//!
//! A record *counts* when `year − history_years ≤ its year ≤ year` (the
//! round's `policy.year`); a review was *served* when its outcome is
//! `reviewed` or `late`. From the counting records:
//!
//! | rule | where it acts |
//! |---|---|
//! | `avoid_repeat` (institution / team / both) | a pair exclusion ([`repeats`]), or with `repeat_penalty` a score cost |
//! | `max_reviews_per_year` | the expert's load cap ([`crate::model::Instance::max_load`]) |
//! | `max_consecutive_years` | the expert rests ([`bars`]) |
//! | `max_declines` | the expert is barred ([`bars`]) |
//! | `min_rating` | the expert is barred ([`bars`]) |
//!
//! This module only reads records and answers questions about them; the
//! eligibility rules wrap the answers into named reasons with evidence,
//! and `verify` re-checks them with loops of its own.

pub mod append;

use std::collections::BTreeMap;

use crate::model::{AppIx, ExpertIx, InstIx, Instance, Interner, PersonIx, Policy};

/// What became of one past review request.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Outcome {
    /// Reviewed (the default).
    #[default]
    Reviewed,
    /// The expert declined.
    Declined,
    /// The expert accepted and did not come.
    NoShow,
    /// Reviewed, late.
    Late,
}

impl Outcome {
    /// All outcomes, in the order of SPEC.
    pub const ALL: [Outcome; 4] = [
        Outcome::Reviewed,
        Outcome::Declined,
        Outcome::NoShow,
        Outcome::Late,
    ];

    /// The word written in files.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Reviewed => "reviewed",
            Outcome::Declined => "declined",
            Outcome::NoShow => "no_show",
            Outcome::Late => "late",
        }
    }

    /// The word written in a Chinese table: the first of the Chinese
    /// words [`Outcome::parse`] reads (已评审, 拒绝, 缺席, 逾期).
    pub fn chinese(self) -> &'static str {
        match self {
            Outcome::Reviewed => "已评审",
            Outcome::Declined => "拒绝",
            Outcome::NoShow => "缺席",
            Outcome::Late => "逾期",
        }
    }

    /// Reads an outcome: the words of SPEC in any letter case (`no-show`
    /// and `no show` too), or the Chinese words offices use (已评审/评审,
    /// 拒绝/谢绝/婉拒, 缺席/未到, 逾期/迟交/延迟).
    pub fn parse(text: &str) -> Option<Outcome> {
        // The words as this program writes them, without a copy.
        if let Some(o) = Outcome::ALL
            .into_iter()
            .find(|o| o.as_str() == text || o.chinese() == text)
        {
            return Some(o);
        }
        let t = text.trim().to_lowercase().replace(['-', ' '], "_");
        Some(match t.as_str() {
            "reviewed" | "已评审" | "评审" | "已评" | "完成" => Outcome::Reviewed,
            "declined" | "拒绝" | "谢绝" | "婉拒" | "不参加" => Outcome::Declined,
            "no_show" | "noshow" | "缺席" | "未到" | "未参加" => Outcome::NoShow,
            "late" | "逾期" | "迟交" | "延迟" => Outcome::Late,
            _ => return None,
        })
    }

    /// True for `reviewed` and `late`: the review was served.
    pub fn served(self) -> bool {
        matches!(self, Outcome::Reviewed | Outcome::Late)
    }

    /// True for `declined` and `no_show` (what `max_declines` counts).
    pub fn declined(self) -> bool {
        matches!(self, Outcome::Declined | Outcome::NoShow)
    }

    /// True for what `max_reviews_per_year` counts: served or no-show.
    pub fn takes_a_slot(self) -> bool {
        self.served() || self == Outcome::NoShow
    }
}

/// A short text kept in place (ids and names up to 24 bytes need no
/// allocation of their own): the history's texts, of which a round may
/// carry hundreds of thousands.
pub use compact_str::CompactString as ShortText;

/// One past review: one record per (past application, expert).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PastReview {
    /// The year of that round.
    pub year: i32,
    /// The round's label, if given.
    pub round: Option<ShortText>,
    /// The programme's label, if given.
    pub programme: Option<ShortText>,
    /// The past application's id (need not exist now).
    pub application: Option<ShortText>,
    /// The past applicant institution, as written (resolving compares it
    /// as SPEC's "Names as offices type them" says, and the loader notes
    /// the spellings it merges with today's).
    pub institution: ShortText,
    /// Person ids of the past application's team.
    pub team: Vec<ShortText>,
    /// The reviewer (need not be in today's pool).
    pub expert: ShortText,
    /// What became of the request.
    pub outcome: Outcome,
    /// The office's rating of the review, 1 to 5.
    pub rating: Option<f64>,
}

/// Fewer records than this are looked up on one thread (a thread costs
/// more than it saves).
const RESOLVE_PARALLEL_FROM: usize = 4096;

/// The ids of a run of history records, looked up in today's instance
/// (see [`History::resolve`]).
#[derive(Debug, PartialEq)]
struct Lookups {
    expert: Vec<Option<ExpertIx>>,
    institution: Vec<Option<InstIx>>,
    /// Team j of the run is `team_people[team_start[j]..team_start[j + 1]]`.
    team_start: Vec<usize>,
    team_people: Vec<PersonIx>,
    /// The records (indices in the run) whose institution is today's
    /// under another spelling (see [`History::respelled_institutions`]).
    respelled: Vec<u32>,
}

impl Lookups {
    fn of(
        records: &[PastReview],
        persons: &Interner,
        n_experts: usize,
        institutions: &Interner,
    ) -> Lookups {
        use crate::names::{normalize, place_key};
        // Institutions by place key, made at the first name not found as
        // it is.
        let mut folded: Option<BTreeMap<String, u32>> = None;
        let mut out = Lookups {
            expert: Vec::with_capacity(records.len()),
            institution: Vec::with_capacity(records.len()),
            team_start: Vec::with_capacity(records.len() + 1),
            team_people: Vec::new(),
            respelled: Vec::new(),
        };
        out.team_start.push(0);
        // Records often come grouped by expert (an export sorted by
        // reviewer, the generator's): then the previous record's answer
        // is at hand.
        let mut last: Option<(&str, Option<ExpertIx>)> = None;
        for (i, r) in records.iter().enumerate() {
            let e = match last {
                Some((id, e)) if id == r.expert => e,
                _ => {
                    let e = persons
                        .get(&normalize(&r.expert))
                        .filter(|&p| (p as usize) < n_experts)
                        .map(ExpertIx);
                    last = Some((&r.expert, e));
                    e
                }
            };
            out.expert.push(e);
            let name = normalize(&r.institution);
            let institution = institutions.get(&name).or_else(|| {
                folded
                    .get_or_insert_with(|| {
                        institutions
                            .names()
                            .iter()
                            .enumerate()
                            .rev()
                            .map(|(i, n)| (place_key(n), i as u32))
                            .collect()
                    })
                    .get(&place_key(&name))
                    .copied()
            });
            // Compared here, while the record is at hand.
            if institution.is_some_and(|ix| r.institution != institutions.name(ix)) {
                out.respelled.push(i as u32);
            }
            out.institution.push(institution.map(InstIx));
            out.team_people.extend(
                r.team
                    .iter()
                    .filter_map(|p| persons.get(&normalize(p)).map(PersonIx)),
            );
            out.team_start.push(out.team_people.len());
        }
        out
    }

    /// Appends the run that follows this one.
    fn append(&mut self, next: Lookups) {
        let shift = self.team_people.len();
        let records = self.expert.len() as u32;
        self.respelled
            .extend(next.respelled.iter().map(|&i| i + records));
        self.expert.extend(next.expert);
        self.institution.extend(next.institution);
        self.team_start
            .extend(next.team_start[1..].iter().map(|&k| k + shift));
        self.team_people.extend(next.team_people);
    }
}

/// The history table with its ids resolved against today's instance.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct History {
    /// The records, in input order.
    pub records: Vec<PastReview>,
    /// True when the input carried a history table at all (even empty).
    pub given: bool,
    expert: Vec<Option<ExpertIx>>,
    institution: Vec<Option<InstIx>>,
    /// Record i's team (today's persons) is
    /// `team_people[team_start[i]..team_start[i + 1]]`: one vector for
    /// all teams, not a small one per record.
    team_start: Vec<usize>,
    team_people: Vec<PersonIx>,
    /// Per expert of the pool: what the yearly rules read of their
    /// records (input order): expert e's are
    /// `facts[fact_start[e]..fact_start[e + 1]]`, one table for all
    /// experts (no small vector per expert, grown record by record).
    fact_start: Vec<u32>,
    facts: Vec<Fact>,
    /// See [`History::respelled_institutions`].
    respelled: Vec<u32>,
}

/// What the yearly rules read of one record, kept per expert side by side:
/// [`bars`] runs over every expert several times a solve, and reads
/// these few bytes instead of the records scattered over the heap.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Fact {
    /// Index into [`History::records`].
    pub(crate) record: u32,
    /// The record's year.
    pub(crate) year: i32,
    /// The record's outcome.
    pub(crate) outcome: Outcome,
    /// The record's rating.
    pub(crate) rating: Option<f64>,
}

impl History {
    /// Resolves `records` against today's experts (the first `n_experts`
    /// persons), persons and institutions, comparing names as SPEC's
    /// "Names as offices type them" says ([`crate::names`]): ids by
    /// their normal form, institutions by their place key (normal form
    /// without letter case). Ids that are not in today's round stay
    /// unresolved (the record still counts for nobody here).
    pub fn resolve(
        records: Vec<PastReview>,
        persons: &Interner,
        n_experts: usize,
        institutions: &Interner,
    ) -> History {
        // The ids of the records, looked up on two threads (each on half
        // the records), then joined in input order.
        let lookup = |part: &[PastReview]| Lookups::of(part, persons, n_experts, institutions);
        let found = if records.len() < RESOLVE_PARALLEL_FROM {
            lookup(&records)
        } else {
            let (front, back) = records.split_at(records.len() / 2);
            std::thread::scope(|s| {
                let worker = s.spawn(|| lookup(back));
                let mut found = lookup(front);
                found.append(
                    worker
                        .join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                );
                found
            })
        };
        let mut h = History {
            given: true,
            expert: found.expert,
            institution: found.institution,
            team_start: found.team_start,
            team_people: found.team_people,
            respelled: found.respelled,
            ..History::default()
        };
        // Records per expert (shifted by one), then where each expert's
        // facts start.
        let mut per_expert = vec![0u32; n_experts + 1];
        for e in h.expert.iter().flatten() {
            per_expert[e.ix() + 1] += 1;
        }
        for e in 0..n_experts {
            per_expert[e + 1] += per_expert[e];
        }
        let mut fill = per_expert.clone();
        let empty = Fact {
            record: 0,
            year: 0,
            outcome: Outcome::Reviewed,
            rating: None,
        };
        h.facts = vec![empty; per_expert[n_experts] as usize];
        for (i, r) in records.iter().enumerate() {
            if let Some(e) = h.expert[i] {
                let at = &mut fill[e.ix()];
                h.facts[*at as usize] = Fact {
                    record: i as u32,
                    year: r.year,
                    outcome: r.outcome,
                    rating: r.rating,
                };
                *at += 1;
            }
        }
        h.fact_start = per_expert;
        h.records = records;
        h
    }

    /// True when there is no record.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// What the yearly rules read of expert `e`'s records (input order).
    pub(crate) fn of_expert(&self, e: ExpertIx) -> &[Fact] {
        match (self.fact_start.get(e.ix()), self.fact_start.get(e.ix() + 1)) {
            (Some(&from), Some(&to)) => &self.facts[from as usize..to as usize],
            _ => &[],
        }
    }

    /// The pool expert of record `i`, if in today's pool.
    pub fn expert_of(&self, i: usize) -> Option<ExpertIx> {
        self.expert.get(i).copied().flatten()
    }

    /// Today's institution of record `i`'s past applicant, if known.
    pub fn institution_of(&self, i: usize) -> Option<InstIx> {
        self.institution.get(i).copied().flatten()
    }

    /// The records, in input order, whose institution is one of today's
    /// written otherwise (matched by its place key, or its text not in
    /// normal form): what the loader's spelling notes name.
    pub fn respelled_institutions(&self) -> impl Iterator<Item = usize> + '_ {
        self.respelled.iter().map(|&i| i as usize)
    }

    /// Today's persons of record `i`'s past team.
    pub(crate) fn team_of(&self, i: usize) -> &[PersonIx] {
        match (self.team_start.get(i), self.team_start.get(i + 1)) {
            (Some(&from), Some(&to)) => &self.team_people[from..to],
            _ => &[],
        }
    }

    /// Served or no-show reviews of `e` in `year` (what
    /// `max_reviews_per_year` counts besides this round's load).
    pub fn reviews_in_year(&self, e: ExpertIx, year: i32) -> u32 {
        let (served, no_show) = self.slots_in_year(e, year);
        served + no_show
    }

    /// [`History::reviews_in_year`] in its two parts: served reviews
    /// (`reviewed`, `late`) and no-shows of `e` in `year`.
    pub fn slots_in_year(&self, e: ExpertIx, year: i32) -> (u32, u32) {
        self.of_expert(e)
            .iter()
            .filter(|r| r.year == year && r.outcome.takes_a_slot())
            .fold((0, 0), |(served, no_show), r| {
                if r.outcome.served() {
                    (served + 1, no_show)
                } else {
                    (served, no_show + 1)
                }
            })
    }
}

/// The years a record must fall in to count: `year − history_years ..=
/// year`; `None` without a round year.
pub fn window(policy: &Policy) -> Option<(i32, i32)> {
    let y = policy.year?;
    let from = i64::from(y) - i64::from(policy.history_years);
    Some((from.max(i64::from(i32::MIN)) as i32, y))
}

/// True when a record of `year` counts this round.
pub fn counts(policy: &Policy, year: i32) -> bool {
    window(policy).is_some_and(|(from, to)| year >= from && year <= to)
}

/// One past review as a bar's evidence (SPEC: "year, past application,
/// institution"), as the history names them.
#[derive(Clone, Debug, PartialEq)]
pub struct PastEvidence {
    /// Its year.
    pub year: i32,
    /// The past application, if recorded.
    pub application: Option<ShortText>,
    /// The past applicant institution.
    pub institution: ShortText,
}

impl PastEvidence {
    fn of(r: &PastReview) -> PastEvidence {
        PastEvidence {
            year: r.year,
            application: r.application.clone(),
            institution: shown_institution(&r.institution),
        }
    }

    /// `2025 华中科技大学's A0123` (`2025 华中科技大学` without an
    /// application).
    pub fn describe(&self) -> String {
        match &self.application {
            Some(a) => format!("{} {}'s {a}", self.year, self.institution),
            None => format!("{} {}", self.year, self.institution),
        }
    }

    /// `2025 年华中科技大学的A0123` (without an application:
    /// `2025 年华中科技大学`), as repeats are worded.
    pub fn describe_zh(&self) -> String {
        match &self.application {
            Some(a) => format!("{} 年{}的{a}", self.year, self.institution),
            None => format!("{} 年{}", self.year, self.institution),
        }
    }
}

/// Why a history rule bars an expert from the whole round.
#[derive(Clone, Debug, PartialEq)]
pub enum Bar {
    /// Served in each of the `years` before the round (`max_consecutive_years`).
    Resting {
        /// The years served, ascending (N of them).
        years: Vec<i32>,
        /// The first served review of each of those years (input order).
        served: Vec<PastEvidence>,
    },
    /// More declined/no-show records than `max_declines`.
    Declines {
        /// Counting declined/no-show records.
        count: u32,
        /// `max_declines`.
        max: u32,
        /// Each of them, by year (input order within a year).
        records: Vec<PastEvidence>,
    },
    /// Mean counting rating below `min_rating`.
    Rating {
        /// The mean, over `rated` records.
        mean: f64,
        /// `min_rating`.
        min: f64,
        /// Counting records with a rating.
        rated: u32,
        /// Each of them with its rating, by year (input order within a
        /// year).
        records: Vec<(PastEvidence, f64)>,
    },
}

/// Every history rule that bars expert `e` this round, in the order
/// rest, declines, rating.
pub fn bars(inst: &Instance, e: ExpertIx) -> Vec<Bar> {
    let p = &inst.policy;
    let h = &inst.history;
    let mine = h.of_expert(e);
    let (Some(year), false) = (p.year, mine.is_empty()) else {
        return Vec::new();
    };
    // Nothing is allocated unless a rule bars: `barred` asks this of
    // every expert, several times per solve.
    let mut out = Vec::new();
    let evidence = |r: &Fact| PastEvidence::of(&h.records[r.record as usize]);
    if let Some(n) = resting(p, year, mine) {
        let years: Vec<i32> = (1..=n as i32).rev().map(|d| year - d).collect();
        let served = years
            .iter()
            .filter_map(|&y| {
                mine.iter()
                    .find(|r| r.year == y && r.outcome.served())
                    .map(evidence)
            })
            .collect();
        out.push(Bar::Resting { years, served });
    }
    if let Some((count, max)) = too_many_declines(p, mine) {
        let mut records: Vec<PastEvidence> = mine
            .iter()
            .filter(|r| counts(p, r.year) && r.outcome.declined())
            .map(evidence)
            .collect();
        records.sort_by_key(|r| r.year);
        out.push(Bar::Declines {
            count,
            max,
            records,
        });
    }
    if let Some((mean, min, rated)) = low_rating(p, mine) {
        let mut records: Vec<(PastEvidence, f64)> = mine
            .iter()
            .filter(|r| counts(p, r.year))
            .filter_map(|r| r.rating.map(|x| (evidence(r), x)))
            .collect();
        records.sort_by_key(|r| r.0.year);
        out.push(Bar::Rating {
            mean,
            min,
            rated,
            records,
        });
    }
    out
}

/// The rest rule: `Some(n)` when the expert served in each of the `n =
/// max_consecutive_years` years before the round (records `mine`).
fn resting(p: &Policy, year: i32, mine: &[Fact]) -> Option<u32> {
    let n = p.max_consecutive_years.filter(|&n| n > 0)?;
    // Each of the n years needs a record of its own.
    let all = n as usize <= mine.len()
        && (1..=n as i32).all(|d| {
            mine.iter()
                .any(|r| r.year == year - d && r.outcome.served())
        });
    all.then_some(n)
}

/// The declines rule: `Some((count, max_declines))` when more counting
/// records than `max_declines` were declined or no-show.
fn too_many_declines(p: &Policy, mine: &[Fact]) -> Option<(u32, u32)> {
    let max = p.max_declines?;
    let count = mine
        .iter()
        .filter(|r| counts(p, r.year) && r.outcome.declined())
        .count();
    (count as u64 > u64::from(max)).then_some((count as u32, max))
}

/// The rating rule: `Some((mean, min_rating, rated))` when the mean
/// rating of the counting rated records is below `min_rating`.
fn low_rating(p: &Policy, mine: &[Fact]) -> Option<(f64, f64, u32)> {
    let min = p.min_rating?;
    let (sum, rated) = mine
        .iter()
        .filter(|r| counts(p, r.year))
        .filter_map(|r| r.rating)
        .fold((0.0, 0u32), |(sum, n), x| (sum + x, n + 1));
    if rated == 0 {
        return None;
    }
    let mean = sum / f64::from(rated);
    (mean < min - 1e-9).then_some((mean, min, rated))
}

/// A mean rating as evidence that it is below `min`: two decimals when
/// they show it below, else as many more as it takes (up to the exact
/// value), so the text never reads "3.00 is below min_rating 3".
pub fn mean_rating_text(mean: f64, min: f64) -> String {
    (2..=9)
        .map(|digits| format!("{mean:.digits$}"))
        .find(|text| text.parse::<f64>().is_ok_and(|shown| shown < min))
        .unwrap_or_else(|| mean.to_string())
}

/// True when a history rule bars expert `e` this round ([`bars`] is not
/// empty), found without building the bars: asked of every expert
/// several times a solve ([`Instance::min_load`]).
pub fn barred(inst: &Instance, e: ExpertIx) -> bool {
    let p = &inst.policy;
    if p.max_consecutive_years.is_none() && p.max_declines.is_none() && p.min_rating.is_none() {
        return false;
    }
    let mine = inst.history.of_expert(e);
    let (Some(year), false) = (p.year, mine.is_empty()) else {
        return false;
    };
    resting(p, year, mine).is_some()
        || too_many_declines(p, mine).is_some()
        || low_rating(p, mine).is_some()
}

/// One kind of repeat, with its evidence: the latest counting served
/// review behind it.
#[derive(Clone, Debug, PartialEq)]
pub enum Repeat {
    /// A served review of an application from the same institution.
    Institution {
        /// Its year.
        year: i32,
        /// The past application, if recorded.
        application: Option<ShortText>,
        /// The institution as the history names it.
        institution: ShortText,
    },
    /// A served review of an application sharing a team member.
    Team {
        /// Its year.
        year: i32,
        /// The past application, if recorded.
        application: Option<ShortText>,
        /// The past application's institution as the history names it.
        institution: ShortText,
        /// The shared person.
        person: PersonIx,
    },
}

/// Where a pair's repeats come from: the latest counting served review of
/// each kind (record indices into [`History::records`]; the first in input
/// order among reviews of the same year).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RepeatHit {
    /// The review of an application from the same institution.
    pub institution: Option<u32>,
    /// The review of an application sharing a team member, and that person.
    pub team: Option<(u32, PersonIx)>,
}

impl RepeatHit {
    /// The hit as evidence, institution kind first.
    pub fn evidence(&self, inst: &Instance) -> Vec<Repeat> {
        let h = &inst.history;
        let mut out = Vec::with_capacity(2);
        if let Some(i) = self.institution {
            let r = &h.records[i as usize];
            out.push(Repeat::Institution {
                year: r.year,
                application: r.application.clone(),
                institution: shown_institution(&r.institution),
            });
        }
        if let Some((i, person)) = self.team {
            let r = &h.records[i as usize];
            out.push(Repeat::Team {
                year: r.year,
                application: r.application.clone(),
                institution: shown_institution(&r.institution),
                person,
            });
        }
        out
    }
}

/// A history record's institution as the history names it, in normal
/// form: the record keeps it as written (so that the loader can note a
/// spelling it merged with one of today's); evidence (`explain`, `verify`,
/// the report) shows it without the spaces at its ends or zero-width
/// characters.
pub fn shown_institution(institution: &ShortText) -> ShortText {
    match crate::names::normalize(institution) {
        std::borrow::Cow::Borrowed(_) => institution.clone(),
        std::borrow::Cow::Owned(n) => ShortText::from(n),
    }
}

/// Who would repeat a counting served review under `avoid_repeat`, kept
/// by institution (shared by every application of that institution)
/// and, for team members, per application. Empty when the rule is off.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Repeats {
    /// Per institution: the experts with a counting served review of an
    /// application from it, sorted by expert, each with the latest such
    /// review (record index).
    by_institution: Buckets<(ExpertIx, u32)>,
    /// Per application: the experts with a counting served review of an
    /// application sharing a team member, sorted by expert, each with the
    /// latest such review and the shared person.
    team: Buckets<(ExpertIx, u32, PersonIx)>,
    /// Each application's institution.
    app_institution: Vec<InstIx>,
    /// The institutions with many repeating experts (at least one per 64
    /// of the pool), their experts again as a set over the pool (bit e of
    /// word e / 64): a candidate scan tests it for each expert it meets
    /// instead of marking the list anew for each application of the
    /// institution (≈ 1,100 experts an application on a 10,000 round with
    /// three years of history). Institution k's set is
    /// `dense_bits[w · d .. w · (d + 1)]` for `d = dense_of[k]` and `w`
    /// words a set; `u32::MAX` for the others. At most the memory of the
    /// lists it repeats.
    dense_of: Vec<u32>,
    dense_bits: Vec<u64>,
    /// `w`: words a set (the pool's experts / 64, rounded up).
    dense_words: usize,
    /// Pairs (application, expert) that repeat, each once.
    pairs: u64,
}

impl Repeats {
    fn institution_row(&self, a: AppIx) -> &[(ExpertIx, u32)] {
        self.app_institution
            .get(a.ix())
            .map_or(&[], |i| self.by_institution.get(i.ix()))
    }

    fn team_row(&self, a: AppIx) -> &[(ExpertIx, u32, PersonIx)] {
        self.team.get(a.ix())
    }

    /// The experts who repeat a review of application `a`'s institution,
    /// as a set over the pool (test it with [`in_set`]), when that
    /// institution has many of them; `None` otherwise (they are then
    /// among [`Repeats::experts_beside_set`]).
    #[inline]
    pub fn institution_set(&self, a: AppIx) -> Option<&[u64]> {
        let d = *self.dense_of.get(self.app_institution.get(a.ix())?.ix())?;
        if d == u32::MAX {
            return None;
        }
        let from = d as usize * self.dense_words;
        self.dense_bits.get(from..from + self.dense_words)
    }

    /// The experts who would repeat for application `a` and are not in
    /// its [`Repeats::institution_set`] (all of [`Repeats::experts`] when
    /// there is no such set), ascending; an expert in both may be listed.
    pub fn experts_beside_set(&self, a: AppIx) -> impl Iterator<Item = ExpertIx> + '_ {
        let dense = self.institution_set(a).is_some();
        let inst_row = if dense {
            &[][..]
        } else {
            self.institution_row(a)
        };
        merged(
            inst_row.iter().map(|t| t.0),
            self.team_row(a).iter().map(|t| t.0),
        )
    }

    /// Where (a, e)'s repeats come from, if it repeats.
    #[inline]
    pub fn of(&self, a: AppIx, e: ExpertIx) -> Option<RepeatHit> {
        let row = self.institution_row(a);
        let institution =
            if row.is_empty() || self.institution_set(a).is_some_and(|set| !in_set(set, e)) {
                None
            } else {
                row.binary_search_by_key(&e, |&(x, _)| x)
                    .ok()
                    .map(|k| row[k].1)
            };
        let team_row = self.team_row(a);
        let team = if team_row.is_empty() {
            None
        } else {
            team_row
                .binary_search_by_key(&e, |&(x, _, _)| x)
                .ok()
                .map(|k| (team_row[k].1, team_row[k].2))
        };
        (institution.is_some() || team.is_some()).then_some(RepeatHit { institution, team })
    }

    /// The experts who would repeat for application `a`, ascending, each
    /// once.
    pub fn experts(&self, a: AppIx) -> impl Iterator<Item = ExpertIx> + '_ {
        merged(
            self.institution_row(a).iter().map(|t| t.0),
            self.team_row(a).iter().map(|t| t.0),
        )
    }

    /// Pairs (application, expert) that repeat.
    pub fn pairs(&self) -> u64 {
        self.pairs
    }
}

/// Two ascending lists of experts merged, ascending, each expert once.
pub(crate) fn merged<'r>(
    first: impl Iterator<Item = ExpertIx> + 'r,
    second: impl Iterator<Item = ExpertIx> + 'r,
) -> impl Iterator<Item = ExpertIx> + 'r {
    let mut first = first.peekable();
    let mut second = second.peekable();
    std::iter::from_fn(move || match (first.peek(), second.peek()) {
        (Some(&x), Some(&y)) if x == y => {
            second.next();
            first.next()
        }
        (Some(&x), Some(&y)) if y < x => second.next(),
        (Some(_), _) => first.next(),
        (None, _) => second.next(),
    })
}

/// True when expert `e` is in `set` (a set over the pool, bit e of word
/// e / 64; see [`Repeats::institution_set`]).
#[inline]
pub fn in_set(set: &[u64], e: ExpertIx) -> bool {
    set.get(e.ix() / 64)
        .is_some_and(|w| w >> (e.ix() % 64) & 1 == 1)
}

/// The sets of [`Repeats::institution_set`]: for each institution whose
/// list holds at least one expert per 64 of the pool's `n_experts`, its
/// experts as bits; `(dense_of, dense_bits)`.
fn dense_sets(
    by_institution: &Buckets<(ExpertIx, u32)>,
    n_keys: usize,
    n_experts: usize,
) -> (Vec<u32>, Vec<u64>) {
    let words = n_experts.div_ceil(64);
    let mut dense_of = vec![u32::MAX; n_keys];
    let mut bits = Vec::new();
    let mut d = 0u32;
    for (k, slot) in dense_of.iter_mut().enumerate() {
        let row = by_institution.get(k);
        if row.is_empty() || row.len() < words {
            continue;
        }
        let from = bits.len();
        bits.resize(from + words, 0u64);
        for &(e, _) in row {
            bits[from + e.ix() / 64] |= 1 << (e.ix() % 64);
        }
        *slot = d;
        d += 1;
    }
    (dense_of, bits)
}

/// Per key (an institution or a person, by index below `n_keys`): each
/// expert once, ascending, with their latest record (the first in input
/// order among those of that year). `items` are (key, expert, year,
/// record); each expert's items in input order. Bucketed by key in one
/// counting pass, which keeps the order items came in: when they came
/// expert by expert, ascending (as [`repeats`] gives them), each bucket
/// is already in expert order and each expert's run is read once for its
/// latest record; a bucket out of expert order is sorted first.
/// O(items) then, O(items · log bucket) at worst; no map.
fn latest_per_key(
    n_keys: usize,
    items: &[(usize, ExpertIx, i32, u32)],
) -> Buckets<(ExpertIx, u32)> {
    let mut start = vec![0u32; n_keys + 1];
    for t in items {
        start[t.0 + 1] += 1;
    }
    for k in 0..n_keys {
        start[k + 1] += start[k];
    }
    let mut fill = start.clone();
    let mut bucketed = vec![(ExpertIx(0), std::cmp::Reverse(0i32), 0u32); items.len()];
    for &(k, e, year, i) in items {
        bucketed[fill[k] as usize] = (e, std::cmp::Reverse(year), i);
        fill[k] += 1;
    }
    drop(fill);
    let mut out = Buckets {
        start: Vec::with_capacity(n_keys + 1),
        items: Vec::with_capacity(items.len()),
    };
    out.start.push(0);
    for k in 0..n_keys {
        let bucket = &mut bucketed[start[k] as usize..start[k + 1] as usize];
        if !bucket.is_sorted_by_key(|t| t.0) {
            bucket.sort_unstable();
        }
        // Each run of one expert: the least (later year, earlier record).
        let mut run: Option<(ExpertIx, std::cmp::Reverse<i32>, u32)> = None;
        for &t in bucket.iter() {
            match run {
                Some(r) if r.0 == t.0 => {
                    if (t.1, t.2) < (r.1, r.2) {
                        run = Some(t);
                    }
                }
                _ => {
                    if let Some(r) = run {
                        out.items.push((r.0, r.2));
                    }
                    run = Some(t);
                }
            }
        }
        if let Some(r) = run {
            out.items.push((r.0, r.2));
        }
        out.start.push(out.items.len() as u32);
    }
    out
}

/// Per application, the experts with a counting served review of an
/// application sharing a team member: each with the latest such review
/// (the first in input order among those of its year) and the shared
/// person met first in the application's team order. `person_lists` is
/// each person's reviewers with their latest review of that person
/// ([`latest_per_key`]), `years` each record's year.
///
/// For application `a` the team members are taken in order and each
/// member's list is read, an expert's entry kept when its review is later
/// than the one kept (on the same review, the member met first stays).
/// Two shortcuts keep this near-linear when teams are large and shared (a
/// team of 8,000 people on every application, every one of them reviewed
/// by every expert, cost applications × experts × team size before):
///
/// - Members whose lists are the same (each reviewed by the same experts
///   in the same reviews: a team reviewed together) share one list id,
///   and a list is read once per application: a later member with the
///   same list could only offer the same reviews, met later.
/// - An expert found with their latest review of any team (`top`) can
///   not be improved on; once every such expert is found so, the rest of
///   the team is skipped.
///
/// Complexity: O(team size + Σ distinct lists read) per application, plus
/// sorting the experts found; O(team persons of the history) once.
fn team_rows(
    inst: &Instance,
    person_lists: &Buckets<(ExpertIx, u32)>,
    years: &[i32],
    team: &mut Buckets<(ExpertIx, u32, PersonIx)>,
) {
    use std::cmp::Reverse;
    let key = |i: u32| (Reverse(years[i as usize]), i);
    // Each person's list id: the first person with the same list.
    let n_persons = inst.persons.len();
    let mut list_id = vec![0u32; n_persons];
    {
        let mut ids: rustc_hash::FxHashMap<&[(ExpertIx, u32)], u32> =
            rustc_hash::FxHashMap::default();
        for (p, id) in list_id.iter_mut().enumerate() {
            let list = person_lists.get(p);
            let next = ids.len() as u32;
            *id = *ids.entry(list).or_insert(next);
        }
    }
    let n_lists = list_id.iter().map(|&i| i as usize + 1).max().unwrap_or(0);
    // Each expert's latest review of any team, and how many experts have
    // one.
    let mut top: Vec<Option<u32>> = vec![None; inst.experts.len()];
    for (e, i) in person_lists.items.iter() {
        let t = &mut top[e.ix()];
        if t.is_none_or(|old| key(*i) < key(old)) {
            *t = Some(*i);
        }
    }
    let reviewers = top.iter().filter(|t| t.is_some()).count();
    // Per expert, for the application at hand: the review kept and the
    // member it came through (reset after each application).
    let mut best: Vec<Option<(u32, PersonIx)>> = vec![None; inst.experts.len()];
    let mut found: Vec<ExpertIx> = Vec::new();
    // The application (+ 1) that last read each list.
    let mut read_by: Vec<u32> = vec![0; n_lists];
    team.start.push(0);
    for a in inst.app_ixs() {
        let stamp = a.0 + 1;
        let mut settled = 0usize;
        for &person in &inst.applications[a.ix()].team {
            let Some(&id) = list_id.get(person.ix()) else {
                continue;
            };
            if read_by[id as usize] == stamp {
                continue;
            }
            read_by[id as usize] = stamp;
            for &(e, i) in person_lists.get(person.ix()) {
                let slot = &mut best[e.ix()];
                let better = match *slot {
                    None => {
                        found.push(e);
                        true
                    }
                    Some((old, _)) => key(i) < key(old),
                };
                if better {
                    *slot = Some((i, person));
                    if top[e.ix()] == Some(i) {
                        settled += 1;
                    }
                }
            }
            if settled == reviewers {
                break;
            }
        }
        found.sort_unstable();
        for &e in &found {
            if let Some((i, person)) = best[e.ix()].take() {
                team.items.push((e, i, person));
            }
        }
        found.clear();
        team.start.push(team.items.len() as u32);
    }
}

/// Lists per dense key, stored flat.
#[derive(Clone, Debug, PartialEq)]
struct Buckets<T> {
    /// Key k's items are `items[start[k]..start[k + 1]]`.
    start: Vec<u32>,
    items: Vec<T>,
}

impl<T> Default for Buckets<T> {
    fn default() -> Self {
        Buckets {
            start: Vec::new(),
            items: Vec::new(),
        }
    }
}

impl<T> Buckets<T> {
    fn get(&self, k: usize) -> &[T] {
        match (self.start.get(k), self.start.get(k + 1)) {
            (Some(&from), Some(&to)) => &self.items[from as usize..to as usize],
            _ => &[],
        }
    }
}

/// The repeats of the round under `avoid_repeat` ([`Repeats`]).
///
/// Complexity: O(records · log) to keep each expert's latest review per
/// institution and per person (bucketed by key in one counting pass),
/// then the team rows (`team_rows`): per application, its own team
/// members' lists, each distinct list once, stopping as soon as every
/// expert with a team review has been found with their latest one; the
/// institution lists are shared, so memory follows the history, not
/// applications × experts.
pub fn repeats(inst: &Instance) -> Repeats {
    let p = &inst.policy;
    if p.avoid_repeat.is_off() || inst.history.is_empty() {
        return Repeats::default();
    }
    let h = &inst.history;
    // Per (institution, expert) and (person, expert): the latest counting
    // served record, the first in input order among those of its year.
    let mut by_inst: Vec<(usize, ExpertIx, i32, u32)> = Vec::new();
    let mut by_person: Vec<(usize, ExpertIx, i32, u32)> = Vec::new();
    if p.avoid_repeat.institution() {
        by_inst.reserve(h.records.len());
    }
    if p.avoid_repeat.team() {
        by_person.reserve(h.team_people.len());
    }
    // Each record's year, side by side (the team rows below compare years
    // without reaching into the records; only records of pool experts are
    // compared). The records of the pool's experts are read from their
    // compact facts, expert by expert (the lists below are sorted, so the
    // order they are met in does not matter).
    let mut years = vec![0i32; h.records.len()];
    for e in inst.expert_ixs() {
        for f in h.of_expert(e) {
            let i = f.record as usize;
            years[i] = f.year;
            if !f.outcome.served() || !counts(p, f.year) {
                continue;
            }
            if p.avoid_repeat.institution() {
                if let Some(ix) = h.institution_of(i) {
                    by_inst.push((ix.ix(), e, f.year, f.record));
                }
            }
            if p.avoid_repeat.team() {
                for &person in h.team_of(i) {
                    by_person.push((person.ix(), e, f.year, f.record));
                }
            }
        }
    }
    let by_institution = latest_per_key(inst.institutions.len(), &by_inst);
    let (dense_of, dense_bits) =
        dense_sets(&by_institution, inst.institutions.len(), inst.experts.len());
    let mut out = Repeats {
        by_institution,
        team: Buckets {
            start: Vec::with_capacity(inst.applications.len() + 1),
            items: Vec::new(),
        },
        app_institution: inst.applications.iter().map(|a| a.institution).collect(),
        dense_of,
        dense_bits,
        dense_words: inst.experts.len().div_ceil(64),
        pairs: 0,
    };
    drop(by_inst);
    let person_lists = latest_per_key(inst.persons.len(), &by_person);
    drop(by_person);
    team_rows(inst, &person_lists, &years, &mut out.team);
    out.pairs = inst
        .app_ixs()
        .map(|a| {
            let row = out.institution_row(a);
            let set = out.institution_set(a);
            let extra = out
                .team_row(a)
                .iter()
                .filter(|t| match set {
                    Some(set) => !in_set(set, t.0),
                    None => row.binary_search_by_key(&t.0, |x| x.0).is_err(),
                })
                .count();
            (row.len() + extra) as u64
        })
        .sum();
    out
}

/// The applications of `a`'s programme an expert's programme load counts
/// (for callers that group loads): the programme index of `a`, when that
/// programme caps loads.
pub fn capped_programme(inst: &Instance, a: AppIx) -> Option<crate::model::ProgIx> {
    let p = inst.applications[a.ix()].programme?;
    inst.programme_max_load(p).map(|_| p)
}

/// Why expert `e`, though eligible, takes no review this round, when
/// their load cap is 0: `max_reviews_per_year` reached (with the count),
/// or a `max_load` of 0. `None` when they may take one.
pub fn no_review_left(inst: &Instance, e: ExpertIx) -> Option<String> {
    no_review_left_in(inst, e, false)
}

/// [`no_review_left`] in Chinese (`zh`) or English.
pub fn no_review_left_in(inst: &Instance, e: ExpertIx, zh: bool) -> Option<String> {
    if inst.max_load(e) > 0 {
        return None;
    }
    match (
        inst.policy.max_reviews_per_year,
        inst.policy.year,
        inst.yearly_room(e),
    ) {
        (Some(cap), Some(year), Some(0)) if inst.round_max_load(e) > 0 => {
            let n = inst.history.reviews_in_year(e, year);
            Some(if zh {
                format!("{year} 年已达 max_reviews_per_year {cap}（已评审或缺席 {n} 次）")
            } else {
                format!("max_reviews_per_year {cap} reached in {year} ({n} served or no-show)")
            })
        }
        // No round year (so no past reviews): the cap itself is 0.
        (Some(0), None, _) if inst.round_max_load(e) > 0 => Some("max_reviews_per_year 0".into()),
        _ => Some("max_load 0".into()),
    }
}

/// Lines `explain` adds for the programme and history rules that do not
/// exclude the pair: a priced repeat, a load cap lowered by
/// `max_reviews_per_year`, a programme's `max_load`.
pub(crate) fn explain_notes(
    inst: &Instance,
    elig: &crate::eligibility::Eligibility,
    a: AppIx,
    e: ExpertIx,
    zh: bool,
) -> Vec<String> {
    let mut out = Vec::new();
    let id = &inst.experts[e.ix()].id;
    for rep in elig.priced_repeats(inst, a, e) {
        let penalty = crate::model::Score(elig.penalty()).as_f64();
        out.push(if zh {
            format!(
                "{}；扣 repeat_penalty {penalty}",
                crate::eligibility::describe_repeat_zh(inst, id, &rep)
            )
        } else {
            format!(
                "{}; costs repeat_penalty {penalty}",
                crate::eligibility::describe_repeat(inst, id, &rep)
            )
        });
    }
    if let (Some(room), Some(cap)) = (inst.yearly_room(e), inst.policy.max_reviews_per_year) {
        let max_load = inst.max_load(e);
        out.push(match (inst.policy.year, zh) {
            // No round year, so no past: the cap holds this round's load.
            (None, true) => format!(
                "max_reviews_per_year {cap} 使{id}本轮至多评审 {room} 次（max_load {max_load}）"
            ),
            (None, false) => format!(
                "max_reviews_per_year {cap} leaves {id} {room} this round (max_load {max_load})"
            ),
            (Some(year), zh) => {
                let (served, no_show) = inst.history.slots_in_year(e, year);
                let n = served + no_show;
                if zh {
                    format!(
                        "{id} 在 {year} 年已评审或缺席 {n} 次（评审 {served} 次，缺席 {no_show} 次；拒评不计）：max_reviews_per_year {cap} 使本轮还可评审 {room} 次（max_load {max_load}）"
                    )
                } else {
                    format!(
                        "{id} served or did not show {n} time(s) in {year} ({served} served, {no_show} no-show; declines do not count): max_reviews_per_year {cap} leaves {room} this round (max_load {max_load})"
                    )
                }
            }
        });
    }
    if let Some(p) = inst.applications[a.ix()].programme {
        if let Some(cap) = inst.programme_max_load(p) {
            let name = inst.programmes.name(p.0);
            out.push(if zh {
                format!("计划 {name}：{id} 最多评审其中 {cap} 个项目")
            } else {
                format!("programme {name}: {id} may review at most {cap} of its applications")
            });
        }
    }
    out
}

/// A round label as compared: its normal form (SPEC "Names as offices
/// type them": [`crate::names::normalize`]), `None` when blank. `spring`,
/// ` spring`, `ｓｐｒｉｎｇ` and `spr\u{200B}ing` are one round.
pub fn round_label(label: Option<&str>) -> Option<std::borrow::Cow<'_, str>> {
    label.map(crate::names::normalize).filter(|l| !l.is_empty())
}

/// The records that repeat an earlier record of `records`: pairs (earlier,
/// later) of indices, in the order of the later one. A record repeats
/// another when both have the same year, round label ([`round_label`]),
/// past application id and expert, names compared as offices type them
/// (the history holds one record per past application and expert, so a
/// repeat would count one past review twice). Records without an
/// application id are never repeats: two of them may be two applications
/// of one institution, and cannot be told apart.
pub fn repeated_records(records: &[PastReview]) -> Vec<(usize, usize)> {
    use crate::names::normalize;
    use std::borrow::Cow;
    use std::hash::{Hash, Hasher};
    type Key<'a> = (i32, Option<Cow<'a, str>>, Cow<'a, str>, Cow<'a, str>);
    /// A record's key as compared; `None` without an application id.
    fn key(r: &PastReview) -> Option<Key<'_>> {
        let app = normalize(r.application.as_deref()?);
        (!app.is_empty()).then(|| {
            (
                r.year,
                round_label(r.round.as_deref()),
                app,
                normalize(&r.expert),
            )
        })
    }
    // Sorted by the key's hash (a loaded history is read once per load:
    // sorting plain numbers, not the keys' texts), then equal hashes
    // compared by their keys.
    let mut hashed: Vec<(u64, usize)> = records
        .iter()
        .enumerate()
        .filter_map(|(i, r)| {
            let k = key(r)?;
            let mut h = rustc_hash::FxHasher::default();
            k.hash(&mut h);
            Some((h.finish(), i))
        })
        .collect();
    hashed.sort_unstable();
    let mut out = Vec::new();
    let mut run = 0;
    while run < hashed.len() {
        let end = run + hashed[run..].partition_point(|&(h, _)| h == hashed[run].0);
        if end - run > 1 {
            let keys: Vec<_> = hashed[run..end]
                .iter()
                .map(|&(_, i)| key(&records[i]))
                .collect();
            for later in 1..keys.len() {
                if let Some(first) = (0..later).find(|&j| keys[j] == keys[later]) {
                    out.push((hashed[run + first].1, hashed[run + later].1));
                }
            }
        }
        run = end;
    }
    out.sort_unstable_by_key(|&(_, later)| later);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// [`latest_per_key`] by its definition: each bucket sorted by
    /// (expert, later year, earlier record), the first of each expert.
    fn latest_by_sorting(
        n_keys: usize,
        items: &[(usize, ExpertIx, i32, u32)],
    ) -> Buckets<(ExpertIx, u32)> {
        let mut out = Buckets::default();
        out.start.push(0);
        for k in 0..n_keys {
            let mut bucket: Vec<_> = items
                .iter()
                .filter(|t| t.0 == k)
                .map(|t| (t.1, std::cmp::Reverse(t.2), t.3))
                .collect();
            bucket.sort_unstable();
            bucket.dedup_by_key(|t| t.0);
            out.items.extend(bucket.iter().map(|t| (t.0, t.2)));
            out.start.push(out.items.len() as u32);
        }
        out
    }

    proptest! {
        #[test]
        fn latest_per_key_is_the_first_of_each_expert_sorted(
            raw in proptest::collection::vec((0usize..5, 0u32..6, 2020i32..2024, 0u32..40), 0..60),
            grouped in any::<bool>(),
        ) {
            let mut items: Vec<(usize, ExpertIx, i32, u32)> =
                raw.iter().map(|&(k, e, y, i)| (k, ExpertIx(e), y, i)).collect();
            if grouped {
                // As `repeats` gives them: expert by expert.
                items.sort_by_key(|t| t.1);
            }
            prop_assert_eq!(latest_per_key(5, &items), latest_by_sorting(5, &items));
        }
    }

    fn record(
        year: i32,
        round: Option<&str>,
        application: Option<&str>,
        expert: &str,
    ) -> PastReview {
        PastReview {
            year,
            round: round.map(ShortText::from),
            application: application.map(ShortText::from),
            institution: "WHU".into(),
            expert: expert.into(),
            ..PastReview::default()
        }
    }

    #[test]
    fn round_labels_compare_as_names() {
        let spring = round_label(Some("spring"));
        for typed in [
            "spring",
            " spring ",
            "ｓｐｒｉｎｇ",
            "spr\u{200B}ing",
            "spring\u{3000}",
        ] {
            assert_eq!(round_label(Some(typed)), spring, "{typed:?}");
        }
        assert_eq!(round_label(Some(" \u{200B} ")), None);
        assert_eq!(round_label(None), None);
        assert_ne!(round_label(Some("Spring")), spring);
    }

    proptest::proptest! {
        /// The repeats found through hashes are those of comparing every
        /// pair of records.
        #[test]
        fn repeats_match_every_pair_compared(
            picks in proptest::collection::vec((0..2i32, 0..4usize, 0..4usize, 0..3usize), 0..40)
        ) {
            const ROUNDS: [Option<&str>; 4] = [None, Some("spring"), Some("ｓｐｒｉｎｇ"), Some(" ")];
            const APPS: [Option<&str>; 4] = [None, Some("A1"), Some("Ａ1"), Some("A2")];
            const EXPERTS: [&str; 3] = ["E1", "E1\u{200B}", "E2"];
            let records: Vec<PastReview> = picks
                .iter()
                .map(|&(y, r, a, e)| record(2024 + y, ROUNDS[r], APPS[a], EXPERTS[e]))
                .collect();
            let same = |a: &PastReview, b: &PastReview| {
                fn app(r: &PastReview) -> Option<std::borrow::Cow<'_, str>> {
                    r.application.as_deref().map(crate::names::normalize).filter(|a| !a.is_empty())
                }
                app(a).is_some()
                    && a.year == b.year
                    && round_label(a.round.as_deref()) == round_label(b.round.as_deref())
                    && app(a) == app(b)
                    && crate::names::normalize(&a.expert) == crate::names::normalize(&b.expert)
            };
            let mut every_pair = Vec::new();
            for later in 0..records.len() {
                if let Some(first) = (0..later).find(|&j| same(&records[j], &records[later])) {
                    every_pair.push((first, later));
                }
            }
            proptest::prop_assert_eq!(repeated_records(&records), every_pair);
        }
    }

    #[test]
    fn repeats_are_same_year_round_application_and_expert() {
        let records = [
            record(2024, Some("spring"), Some("A1"), "E1"),
            record(2024, Some("autumn"), Some("A1"), "E1"),
            record(2025, Some("spring"), Some("A1"), "E1"),
            record(2024, Some("spring"), Some("A2"), "E1"),
            record(2024, Some("spring"), Some("A1"), "E2"),
            record(2024, None, None, "E1"),
            record(2024, None, None, "E1"),
            record(2024, Some("ｓｐｒｉｎｇ"), Some("A1 "), "E1"),
            record(2024, Some("spring"), Some("A1"), "E1"),
            record(2024, Some(" "), Some("A3"), "E3"),
            record(2024, None, Some("A3"), "E3"),
        ];
        assert_eq!(repeated_records(&records), vec![(0, 7), (0, 8), (9, 10)]);
        assert!(repeated_records(&records[..7]).is_empty());
    }

    proptest! {
        /// Records looked up in two runs, joined, give what one run gives
        /// (so the two threads of `History::resolve` change nothing),
        /// wherever the cut falls: spellings of institutions, experts not
        /// in the pool and persons not known included.
        #[test]
        fn lookups_of_two_runs_join_to_those_of_one(
            rows in prop::collection::vec(
                (0u8..7, 0usize..5, prop::collection::vec(0u8..9, 0..3)),
                0..40,
            ),
            cut in 0usize..41,
        ) {
            let mut persons = Interner::default();
            for e in 0..5 {
                persons.intern(&format!("E{e}"));
            }
            for p in 0..6 {
                persons.intern(&format!("P{p}"));
            }
            let mut institutions = Interner::default();
            for name in ["华中科技大学", "武汉大学", "Wuhan University"] {
                institutions.intern(name);
            }
            let spellings = ["华中科技大学", "武汉大学 ", "wuhan university", "南昌大学", "Wuhan University"];
            let records: Vec<PastReview> = rows
                .iter()
                .map(|(e, i, team)| PastReview {
                    expert: format!("E{e}").into(),
                    institution: spellings[*i].into(),
                    team: team.iter().map(|p| ShortText::from(format!("P{p}"))).collect(),
                    ..PastReview::default()
                })
                .collect();
            let cut = cut.min(records.len());
            let whole = Lookups::of(&records, &persons, 5, &institutions);
            let mut joined = Lookups::of(&records[..cut], &persons, 5, &institutions);
            joined.append(Lookups::of(&records[cut..], &persons, 5, &institutions));
            prop_assert_eq!(whole, joined);
        }
    }
}

#[cfg(test)]
mod team_repeat_tests {
    use super::*;
    use crate::model::{
        Application, AvoidRepeat, CityIx, Expert, InstIx, Interner, PersonIx, Policy,
    };
    use proptest::prelude::*;

    /// A round as the loaders build it: experts E0…, each at institution
    /// I(e % 3); applications with teams of persons P0…; past reviews
    /// (expert index, possibly not in the pool; institution; team of
    /// person numbers, possibly unknown; year; outcome) under
    /// `avoid_repeat` in 2026 with `history_years` years.
    fn round(
        experts: usize,
        teams: &[Vec<usize>],
        app_inst: &[usize],
        records: &[(usize, usize, Vec<usize>, i32, usize)],
        rule: AvoidRepeat,
        history_years: u32,
    ) -> Instance {
        let (mut cities, mut institutions, mut persons) = (
            Interner::default(),
            Interner::default(),
            Interner::default(),
        );
        let x = CityIx(cities.intern("X"));
        for i in 0..3 {
            institutions.intern(&format!("I{i}"));
        }
        let experts: Vec<Expert> = (0..experts)
            .map(|e| {
                persons.intern(&format!("E{e}"));
                Expert {
                    id: format!("E{e}"),
                    name: None,
                    city: x,
                    institution: InstIx((e % 3) as u32),
                    fields: Vec::new(),
                    keywords: Vec::new(),
                    title: None,
                    max_load: None,
                    min_load: None,
                    available: true,
                    programmes: Vec::new(),
                }
            })
            .collect();
        let applications: Vec<Application> = teams
            .iter()
            .zip(app_inst)
            .enumerate()
            .map(|(k, (team, &i))| Application {
                id: format!("A{k}"),
                title: None,
                city: x,
                institution: InstIx(i as u32),
                fields: Vec::new(),
                keywords: Vec::new(),
                panel_size: None,
                team: team
                    .iter()
                    .map(|p| PersonIx(persons.intern(&format!("P{p}"))))
                    .collect(),
                avoid: Vec::new(),
                programme: None,
            })
            .collect();
        let past: Vec<PastReview> = records
            .iter()
            .map(|(e, i, team, year, outcome)| PastReview {
                year: *year,
                institution: format!("I{i}").into(),
                team: team
                    .iter()
                    .map(|p| ShortText::from(format!("P{p}")))
                    .collect(),
                expert: format!("E{e}").into(),
                outcome: Outcome::ALL[*outcome],
                ..PastReview::default()
            })
            .collect();
        let history = History::resolve(past, &persons, experts.len(), &institutions);
        Instance {
            policy: Policy {
                panel_size: 1,
                year: Some(2026),
                history_years,
                avoid_repeat: rule,
                ..Policy::default()
            },
            experts,
            applications,
            conflicts: Vec::new(),
            coauthorships: Vec::new(),
            affinity: None,
            cities,
            institutions,
            persons,
            kept: Default::default(),
            programmes: Default::default(),
            history,
        }
    }

    /// The repeats of (a, e) by reading every record: the latest counting
    /// served review of each kind (the first in input order among those of
    /// its year), and for a team repeat the member of a's team, in a's
    /// order, met first among that review's team.
    fn by_every_record(inst: &Instance, a: AppIx, e: ExpertIx) -> Option<RepeatHit> {
        let p = &inst.policy;
        let h = &inst.history;
        let app = &inst.applications[a.ix()];
        let key = |i: usize| (std::cmp::Reverse(h.records[i].year), i);
        let counting: Vec<usize> = (0..h.records.len())
            .filter(|&i| {
                h.expert_of(i) == Some(e)
                    && h.records[i].outcome.served()
                    && counts(p, h.records[i].year)
            })
            .collect();
        let institution = if p.avoid_repeat.institution() {
            counting
                .iter()
                .copied()
                .filter(|&i| h.institution_of(i) == Some(app.institution))
                .min_by_key(|&i| key(i))
                .map(|i| i as u32)
        } else {
            None
        };
        let team = if p.avoid_repeat.team() {
            counting
                .iter()
                .copied()
                .filter(|&i| h.team_of(i).iter().any(|m| app.team.contains(m)))
                .min_by_key(|&i| key(i))
                .map(|i| {
                    let person = *app
                        .team
                        .iter()
                        .find(|m| h.team_of(i).contains(m))
                        .expect("shares a member");
                    (i as u32, person)
                })
        } else {
            None
        };
        (institution.is_some() || team.is_some()).then_some(RepeatHit { institution, team })
    }

    fn rules() -> impl Strategy<Value = AvoidRepeat> {
        prop_oneof![
            Just(AvoidRepeat::Team),
            Just(AvoidRepeat::Both),
            Just(AvoidRepeat::Institution),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// The repeats found per application through the members' lists
        /// (shared lists read once, stopping when every reviewer is found
        /// with their latest review) are those of reading every record:
        /// the same reviews, the same shared member as evidence, the same
        /// count of pairs.
        #[test]
        fn team_repeats_match_reading_every_record(
            experts in 1usize..6,
            apps in prop::collection::vec(
                (prop::collection::vec(0usize..8, 0..6), 0usize..3), 1..6),
            records in prop::collection::vec(
                (0usize..7, 0usize..3, prop::collection::vec(0usize..9, 0..5),
                 2022i32..2027, 0usize..4),
                0..25),
            rule in rules(),
            history_years in 0u32..4,
        ) {
            let teams: Vec<Vec<usize>> = apps.iter().map(|(t, _)| t.clone()).collect();
            let insts: Vec<usize> = apps.iter().map(|(_, i)| *i).collect();
            let inst = round(experts, &teams, &insts, &records, rule, history_years);
            let reps = repeats(&inst);
            let mut pairs = 0u64;
            for a in inst.app_ixs() {
                for e in inst.expert_ixs() {
                    let want = by_every_record(&inst, a, e);
                    pairs += u64::from(want.is_some());
                    prop_assert_eq!(reps.of(a, e), want, "{:?} {:?}", a, e);
                }
                let listed: Vec<ExpertIx> = reps.experts(a).collect();
                let want: Vec<ExpertIx> = inst
                    .expert_ixs()
                    .filter(|&e| by_every_record(&inst, a, e).is_some())
                    .collect();
                prop_assert_eq!(&listed, &want);
                // The same experts as a set and a list beside it.
                prop_assert_eq!(set_and_beside(&inst, &reps, a), want);
                let beside: Vec<ExpertIx> = reps.experts_beside_set(a).collect();
                prop_assert!(beside.windows(2).all(|w| w[0] < w[1]));
            }
            prop_assert_eq!(reps.pairs(), pairs);
        }
    }

    /// The experts in application `a`'s institution set or in the list
    /// beside it, ascending.
    fn set_and_beside(inst: &Instance, reps: &Repeats, a: AppIx) -> Vec<ExpertIx> {
        let set = reps.institution_set(a);
        let beside: Vec<ExpertIx> = reps.experts_beside_set(a).collect();
        inst.expert_ixs()
            .filter(|&e| set.is_some_and(|s| in_set(s, e)) || beside.contains(&e))
            .collect()
    }

    /// A pool of 200 experts (four words a set): institution 0 reviewed
    /// by 60 of them (kept as a set), institution 1 by 3 (a list), with
    /// teams on top; every pair is found as reading every record finds
    /// it, and the set and the list beside it hold the experts listed.
    #[test]
    fn institution_sets_and_lists_agree_with_every_record() {
        let mut records: Vec<(usize, usize, Vec<usize>, i32, usize)> = (0..60)
            .map(|e| (e * 3, 0, vec![e % 5], 2025 - (e % 2) as i32, e % 4))
            .collect();
        records.extend([(7, 1, vec![1], 2025, 0), (70, 1, vec![], 2024, 3)]);
        records.push((199, 1, vec![2, 9], 2026, 0));
        let teams = vec![vec![0, 1], vec![2], vec![], vec![9, 4]];
        let insts = vec![0, 1, 0, 2];
        for rule in [
            AvoidRepeat::Institution,
            AvoidRepeat::Team,
            AvoidRepeat::Both,
        ] {
            let inst = round(200, &teams, &insts, &records, rule, 3);
            let reps = repeats(&inst);
            let mut pairs = 0u64;
            for a in inst.app_ixs() {
                let want: Vec<ExpertIx> = inst
                    .expert_ixs()
                    .filter(|&e| by_every_record(&inst, a, e).is_some())
                    .collect();
                for e in inst.expert_ixs() {
                    assert_eq!(reps.of(a, e), by_every_record(&inst, a, e), "{a:?} {e:?}");
                }
                pairs += want.len() as u64;
                assert_eq!(reps.experts(a).collect::<Vec<_>>(), want);
                assert_eq!(set_and_beside(&inst, &reps, a), want, "{a:?}");
                if rule.institution() {
                    let set = reps.institution_set(a);
                    assert_eq!(set.is_some(), insts[a.ix()] == 0, "{a:?}");
                }
            }
            assert_eq!(reps.pairs(), pairs);
        }
    }

    /// One team of 8,000 people on each of 100 applications, every member
    /// reviewed by each of 300 experts (one past review each, the same
    /// team), and one more expert whose latest review is of another team:
    /// the team rows take well under a second (they took applications ×
    /// experts × team size, 14 s of CPU for a solve or an `explain`).
    #[test]
    fn a_large_team_shared_by_every_application_is_fast() {
        let t = 8000;
        let team: Vec<usize> = (0..t).collect();
        let mut teams = vec![team.clone(); 100];
        // One application more, with another team (so that team is known).
        teams.push(vec![t + 1]);
        let insts = vec![0; 101];
        let mut records: Vec<(usize, usize, Vec<usize>, i32, usize)> =
            (0..300).map(|e| (e, 1, team.clone(), 2025, 0)).collect();
        // Expert 300: latest review of a team no application has, an
        // earlier one of the shared team (never "settled").
        records.push((300, 1, vec![t + 1], 2025, 0));
        records.push((300, 1, team.clone(), 2024, 0));
        let inst = round(301, &teams, &insts, &records, AvoidRepeat::Team, 3);
        let start = std::time::Instant::now();
        let reps = repeats(&inst);
        let took = start.elapsed();
        assert!(took.as_secs_f64() < 2.0, "{took:?}");
        assert_eq!(reps.pairs(), 100 * 301 + 1);
        let hit = reps.of(AppIx(99), ExpertIx(300)).unwrap();
        assert_eq!(
            hit.team,
            Some((301, PersonIx(301))),
            "the earlier review, the first member"
        );
    }
}

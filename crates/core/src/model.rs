//! The instance model: experts, applications, policy, conflicts,
//! co-authorships and affinity, with string ids interned to dense indices.
//!
//! Everything downstream (eligibility, the flow builder, the MIP, `verify`,
//! the report) works on this model. Only `io` builds it from files, and
//! only through its one resolve step (`io::resolve`), which validates references and interns
//! ids once.
//!
//! **Invariant:** indices are dense and follow input order: `ExpertIx(i)` is
//! the i-th expert of the input, `AppIx(j)` the j-th application. Output
//! order (panels, experts in a panel) follows these indices, never hash order.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// Scores are stored as integers in millionths ("micro-score"), so that the
/// optimum the solver proves and the objective `verify` recomputes are the
/// same exact number. Input scores are rounded to 6 decimal places.
pub const SCORE_SCALE: i64 = 1_000_000;

/// Largest magnitude a score may have in the input (keeps every sum of
/// costs far from `i64` overflow, even with ten million pairs).
pub const MAX_ABS_SCORE: f64 = 1_000.0;

/// A score in millionths; see [`SCORE_SCALE`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Score(pub i64);

impl Score {
    /// Converts a finite input value, rounding to 6 decimals. Returns `None`
    /// for NaN, infinities and values beyond [`MAX_ABS_SCORE`].
    pub fn from_f64(x: f64) -> Option<Score> {
        if !x.is_finite() || x.abs() > MAX_ABS_SCORE {
            return None;
        }
        Some(Score((x * SCORE_SCALE as f64).round() as i64))
    }

    /// The score as a float, for output.
    pub fn as_f64(self) -> f64 {
        self.0 as f64 / SCORE_SCALE as f64
    }
}

/// Sum of scores (an objective), exact in millionths.
pub fn total_as_f64(micro: i64) -> f64 {
    micro as f64 / SCORE_SCALE as f64
}

macro_rules! index_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub u32);

        impl $name {
            /// The index as a `usize`, for slicing.
            #[inline]
            pub fn ix(self) -> usize {
                self.0 as usize
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    };
}

index_type!(
    /// Dense index of an expert, in input order.
    ExpertIx
);
index_type!(
    /// Dense index of an application, in input order.
    AppIx
);
index_type!(
    /// Dense index of a city name (interned; first appearance order).
    CityIx
);
index_type!(
    /// Dense index of an institution name (interned; first appearance order).
    InstIx
);
index_type!(
    /// Dense index of a programme name (interned; first appearance over
    /// applications, then experts).
    ProgIx
);
index_type!(
    /// Dense index of a person id: every expert id, team member and
    /// co-author. Experts come first, so `PersonIx(i)` for `i < experts.len()`
    /// is `ExpertIx(i)`.
    PersonIx
);

/// A short id stored inline (zero-padded; equal ids have equal bytes): a
/// hash table keyed by it finds an id without reading a string elsewhere
/// in memory (the id tables of loading, [`Interner`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShortId {
    len: u8,
    bytes: [u8; ShortId::MAX],
}

/// Hashes the id's bytes only, not the padding.
impl std::hash::Hash for ShortId {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write(&self.bytes[..usize::from(self.len)]);
    }
}

impl ShortId {
    /// The longest id kept inline, in bytes.
    pub const MAX: usize = 23;

    /// `id` inline, when it is at most [`ShortId::MAX`] bytes long.
    pub fn new(id: &str) -> Option<ShortId> {
        let b = id.as_bytes();
        (b.len() <= ShortId::MAX).then(|| {
            let mut bytes = [0u8; ShortId::MAX];
            bytes[..b.len()].copy_from_slice(b);
            ShortId {
                len: b.len() as u8,
                bytes,
            }
        })
    }
}

/// Interns strings to dense indices in first-appearance order. The index
/// is a hash map with rustc's Fx hash, as the loader's id tables (looked
/// up only, never iterated: output follows `names`; a history resolves
/// hundreds of thousands of ids against it).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Interner {
    names: Vec<String>,
    /// Names of up to [`ShortId::MAX`] bytes (nearly all), kept inside
    /// the table.
    short: rustc_hash::FxHashMap<ShortId, u32>,
    long: rustc_hash::FxHashMap<String, u32>,
}

impl Interner {
    /// Returns the index of `name`, adding it if new.
    pub fn intern(&mut self, name: &str) -> u32 {
        if let Some(i) = self.get(name) {
            return i;
        }
        let i = self.names.len() as u32;
        self.names.push(name.to_string());
        match ShortId::new(name) {
            Some(short) => self.short.insert(short, i),
            None => self.long.insert(name.to_string(), i),
        };
        i
    }

    /// The index of `name`, if interned.
    pub fn get(&self, name: &str) -> Option<u32> {
        match ShortId::new(name) {
            Some(short) => self.short.get(&short),
            None => self.long.get(name),
        }
        .copied()
    }

    /// The name behind an index.
    pub fn name(&self, i: u32) -> &str {
        &self.names[i as usize]
    }

    /// Number of interned names.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// True when nothing is interned.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// All names in index order.
    pub fn names(&self) -> &[String] {
        &self.names
    }
}

/// The round's rules. Field names and defaults are SPEC.md's; unknown fields
/// are rejected when loading (a typo must not pass silently).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Policy {
    /// Experts per application (an application's own `panel_size` wins).
    pub panel_size: u32,
    /// At least `ceil(share × k)` panel members from another city.
    pub min_outside_share: f64,
    /// At least this many from outside; the larger of the two counts applies.
    pub min_outside: u32,
    /// At most this many panel members from any one city (home included).
    pub max_per_city: Option<u32>,
    /// At most this many panel members from any one institution.
    pub max_per_institution: Option<u32>,
    /// Reviews per expert at most (an expert's own `max_load` wins).
    pub max_load: u32,
    /// Reviews per expert at least (an expert's own `min_load` wins).
    pub min_load: u32,
    /// An expert never reviews an application of their own institution.
    pub avoid_same_institution: bool,
    /// Conflict if the expert is within this many co-authorship links of a
    /// team member; 0 turns the rule off.
    pub coauthor_hops: u32,
    /// Only co-authorships with `year >= year - coauthor_years` count.
    pub coauthor_years: Option<u32>,
    /// The round's year.
    pub year: Option<i32>,
    /// Score of a pair that `affinity` does not list.
    pub default_affinity: f64,
    /// Pairs scoring below this are not eligible.
    pub min_affinity: Option<f64>,
    /// Seed of every random choice.
    pub seed: u64,
    /// `panels draw`: no (application, expert) pair is drawn with a
    /// probability above this (in (0, 1], rounded to 6 decimals). `None`
    /// means 1: the draw then has no randomness left and returns an optimal
    /// assignment, like `solve`. See the draw (`panels_solve::draw`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_probability: Option<f64>,
    /// `panels draw`: ranked alternates listed per panel, where the pool
    /// allows (default 2; at least 2 is required when loading).
    #[serde(skip_serializing_if = "is_default_alternates")]
    pub alternates: u32,
    /// Crossing rule: at least this many panel members hold a senior title
    /// (see [`Policy::senior_titles`]); 0 turns the rule off.
    #[serde(skip_serializing_if = "is_zero")]
    pub min_senior: u32,
    /// Titles that count as senior: an expert is senior when their title,
    /// trimmed and compared without letter case, starts with one of these
    /// (so `正高级` covers `正高级工程师`, while `professor` does not cover
    /// `associate professor`).
    #[serde(skip_serializing_if = "is_default_senior_titles")]
    pub senior_titles: Vec<String>,
    /// Crossing rule: every field of an application is listed (exactly, as
    /// written) by at least one panel member.
    #[serde(skip_serializing_if = "is_false")]
    pub cover_fields: bool,
    /// Crossing rule: at least `ceil(share × Σ k)` of all the round's
    /// reviews come from an expert outside the application's city.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_outside_share_round: Option<f64>,
    /// Crossing rule, per home city: at least `ceil(share × Σ k)` of the
    /// reviews of that city's applications come from outside it.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub min_outside_share_by_city: BTreeMap<String, f64>,
    /// Crossing rule: no two experts sit together on more than this many
    /// panels.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_copanel: Option<u32>,
    /// Soft preference: added to the objective, in score units, for every
    /// distinct city on a panel beyond the first. 0 turns it off.
    #[serde(skip_serializing_if = "is_zero_f64")]
    pub bonus_per_city: f64,
    /// Per-programme overrides of the per-panel rules and loads, by
    /// programme name (see [`ProgrammeRules`]).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub programmes: BTreeMap<String, ProgrammeRules>,
    /// History window: a past review counts when its year is within
    /// `year − history_years ..= year`.
    #[serde(skip_serializing_if = "is_default_history_years")]
    pub history_years: u32,
    /// Repeat rule over the history: off, institution, team or both.
    #[serde(skip_serializing_if = "AvoidRepeat::is_off")]
    pub avoid_repeat: AvoidRepeat,
    /// A repeat is not excluded but costs this much score (once per pair);
    /// only when `avoid_repeat` is not off.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repeat_penalty: Option<f64>,
    /// Served or no-show reviews in `year` plus this round's load at most.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_reviews_per_year: Option<u32>,
    /// An expert who served in each of the N years before `year` rests.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_consecutive_years: Option<u32>,
    /// More than this many counting declined/no-show records ⇒ not eligible.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_declines: Option<u32>,
    /// Mean counting rating below this ⇒ not eligible.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_rating: Option<f64>,
}

/// Overrides of the round's per-panel rules and loads for one programme
/// (policy `programmes`). `None` means the round's value. An application's
/// own `panel_size` wins over its programme's, which wins over the round's.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProgrammeRules {
    /// Experts per application.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub panel_size: Option<u32>,
    /// Outside-city share.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_outside_share: Option<f64>,
    /// Outside-city count.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_outside: Option<u32>,
    /// Per-city cap of a panel.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_per_city: Option<u32>,
    /// Per-institution cap of a panel.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_per_institution: Option<u32>,
    /// Senior panel members at least (crossing rule).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_senior: Option<u32>,
    /// Every field covered (crossing rule).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cover_fields: Option<bool>,
    /// Pairs scoring below this are not eligible.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_affinity: Option<f64>,
    /// An expert's reviews within this programme at most (under their
    /// round total).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_load: Option<u32>,
}

/// Policy `avoid_repeat`: which past reviews make a repeat.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AvoidRepeat {
    /// No repeat rule.
    #[default]
    Off,
    /// A served review of an application from the same institution.
    Institution,
    /// A served review of an application sharing a team member.
    Team,
    /// Either kind.
    Both,
}

impl AvoidRepeat {
    /// True when off.
    pub fn is_off(&self) -> bool {
        *self == AvoidRepeat::Off
    }

    /// True when institution repeats count.
    pub fn institution(self) -> bool {
        matches!(self, AvoidRepeat::Institution | AvoidRepeat::Both)
    }

    /// True when team repeats count.
    pub fn team(self) -> bool {
        matches!(self, AvoidRepeat::Team | AvoidRepeat::Both)
    }

    /// The policy word.
    pub fn as_str(self) -> &'static str {
        match self {
            AvoidRepeat::Off => "off",
            AvoidRepeat::Institution => "institution",
            AvoidRepeat::Team => "team",
            AvoidRepeat::Both => "both",
        }
    }
}

/// Default `history_years`.
pub(crate) const DEFAULT_HISTORY_YEARS: u32 = 3;

fn is_default_history_years(n: &u32) -> bool {
    *n == DEFAULT_HISTORY_YEARS
}

/// The default senior titles (see [`Policy::senior_titles`]).
pub(crate) const DEFAULT_SENIOR_TITLES: &[&str] =
    &["professor", "教授", "研究员", "正高级", "主任医师"];

fn is_default_alternates(n: &u32) -> bool {
    *n == 2
}

fn is_zero(x: &u32) -> bool {
    *x == 0
}

fn is_zero_f64(x: &f64) -> bool {
    *x == 0.0
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn is_default_senior_titles(t: &[String]) -> bool {
    t.iter()
        .map(String::as_str)
        .eq(DEFAULT_SENIOR_TITLES.iter().copied())
}

/// A rule that does not nest inside the flow's city → institution tree
/// (docs/algorithms.md, "Crossing rules").
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum CrossingRule {
    /// `min_senior`.
    Senior,
    /// `cover_fields`.
    CoverFields,
    /// `min_outside_share_round` / `min_outside_share_by_city`.
    RoundOutsideShare,
    /// `max_copanel`.
    Copanel,
}

impl CrossingRule {
    /// The policy field(s) that switch the rule on.
    pub fn field(self) -> &'static str {
        match self {
            CrossingRule::Senior => "min_senior",
            CrossingRule::CoverFields => "cover_fields",
            CrossingRule::RoundOutsideShare => "min_outside_share_round/min_outside_share_by_city",
            CrossingRule::Copanel => "max_copanel",
        }
    }
}

impl Policy {
    /// The hard crossing rules this policy switches on (the round's or
    /// any programme's), in a fixed order. Empty means the flow alone
    /// holds every hard rule.
    pub fn crossing_rules(&self) -> Vec<CrossingRule> {
        let mut out = Vec::new();
        if self.min_senior > 0 || self.programmes.values().any(|p| p.min_senior > Some(0)) {
            out.push(CrossingRule::Senior);
        }
        if self.cover_fields
            || self
                .programmes
                .values()
                .any(|p| p.cover_fields == Some(true))
        {
            out.push(CrossingRule::CoverFields);
        }
        if self.min_outside_share_round.is_some_and(|s| s > 0.0)
            || self.min_outside_share_by_city.values().any(|&s| s > 0.0)
        {
            out.push(CrossingRule::RoundOutsideShare);
        }
        if self.max_copanel.is_some() {
            out.push(CrossingRule::Copanel);
        }
        out
    }

    /// True when any history rule is set (they all need `year`).
    pub fn history_rules_on(&self) -> bool {
        !self.avoid_repeat.is_off()
            || self.max_reviews_per_year.is_some()
            || self.max_consecutive_years.is_some()
            || self.max_declines.is_some()
            || self.min_rating.is_some()
    }

    /// The repeat penalty in millionths, when repeats are priced rather
    /// than excluded (`repeat_penalty` > 0 and `avoid_repeat` not off).
    /// A penalty above 0 never becomes a ban: the loaders refuse one that
    /// rounds to 0 millionths, and one set in code costs at least 1.
    pub fn repeat_penalty_micro(&self) -> Option<i64> {
        if self.avoid_repeat.is_off() {
            return None;
        }
        self.repeat_penalty
            .filter(|&p| p > 0.0)
            .and_then(Score::from_f64)
            .map(|s| s.0.max(1))
    }

    /// The city bonus in millionths (0 when off).
    pub fn bonus_micro(&self) -> i64 {
        Score::from_f64(self.bonus_per_city).map_or(0, |s| s.0.max(0))
    }
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            panel_size: 5,
            min_outside_share: 0.0,
            min_outside: 0,
            max_per_city: None,
            max_per_institution: None,
            max_load: 6,
            min_load: 0,
            avoid_same_institution: true,
            coauthor_hops: 1,
            coauthor_years: None,
            year: None,
            default_affinity: 0.0,
            min_affinity: None,
            seed: 0,
            max_probability: None,
            alternates: 2,
            min_senior: 0,
            senior_titles: DEFAULT_SENIOR_TITLES
                .iter()
                .map(|s| s.to_string())
                .collect(),
            cover_fields: false,
            min_outside_share_round: None,
            min_outside_share_by_city: BTreeMap::new(),
            max_copanel: None,
            bonus_per_city: 0.0,
            programmes: BTreeMap::new(),
            history_years: DEFAULT_HISTORY_YEARS,
            avoid_repeat: AvoidRepeat::Off,
            repeat_penalty: None,
            max_reviews_per_year: None,
            max_consecutive_years: None,
            max_declines: None,
            min_rating: None,
        }
    }
}

/// One expert of the pool.
#[derive(Clone, Debug, PartialEq)]
pub struct Expert {
    /// The expert's id as given (also a person id).
    pub id: String,
    /// Display name, if given.
    pub name: Option<String>,
    /// Home city.
    pub city: CityIx,
    /// Institution (work unit).
    pub institution: InstIx,
    /// Discipline field codes, e.g. `F0301`.
    pub fields: Vec<String>,
    /// Free keywords.
    pub keywords: Vec<String>,
    /// Title, e.g. `professor`.
    pub title: Option<String>,
    /// Own load cap; `None` means the policy's.
    pub max_load: Option<u32>,
    /// Own load floor; `None` means the policy's.
    pub min_load: Option<u32>,
    /// False when the expert cannot review this round.
    pub available: bool,
    /// Programmes the expert serves; empty means all.
    pub programmes: Vec<ProgIx>,
}

/// One project application.
#[derive(Clone, Debug, PartialEq)]
pub struct Application {
    /// The application's id as given.
    pub id: String,
    /// Project title, if given.
    pub title: Option<String>,
    /// The applicant's city.
    pub city: CityIx,
    /// The applicant's institution.
    pub institution: InstIx,
    /// Discipline field codes.
    pub fields: Vec<String>,
    /// Free keywords.
    pub keywords: Vec<String>,
    /// Own panel size; `None` means the policy's.
    pub panel_size: Option<u32>,
    /// People on the application (person ids; may be expert ids).
    pub team: Vec<PersonIx>,
    /// Experts the applicants asked to avoid.
    pub avoid: Vec<ExpertIx>,
    /// The programme the application belongs to, if named.
    pub programme: Option<ProgIx>,
}

/// What a declared conflict names on the other side.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ConflictWith {
    /// The expert must not review this application.
    Application(AppIx),
    /// The expert must not review any application with this person on its team.
    Person(PersonIx),
}

/// A declared conflict of interest.
#[derive(Clone, Debug, PartialEq)]
pub struct Conflict {
    /// The conflicted expert.
    pub expert: ExpertIx,
    /// The application or person the conflict is with.
    pub with: ConflictWith,
    /// Free-text reason, if given.
    pub reason: Option<String>,
}

/// A co-authorship link between two persons.
#[derive(Clone, Debug, PartialEq)]
pub struct Coauthorship {
    /// One author.
    pub a: PersonIx,
    /// The other author.
    pub b: PersonIx,
    /// Year of the joint work, if known (undated links always count).
    pub year: Option<i32>,
}

/// A given score for one pair.
#[derive(Clone, Debug, PartialEq)]
pub struct Affinity {
    /// The application.
    pub application: AppIx,
    /// The expert.
    pub expert: ExpertIx,
    /// The score, in millionths.
    pub score: Score,
}

/// A whole round: the pool, the applications and the rules.
#[derive(Clone, Debug, PartialEq)]
pub struct Instance {
    /// The round's rules.
    pub policy: Policy,
    /// The pool, in input order.
    pub experts: Vec<Expert>,
    /// The applications, in input order.
    pub applications: Vec<Application>,
    /// Declared conflicts.
    pub conflicts: Vec<Conflict>,
    /// Co-authorship links.
    pub coauthorships: Vec<Coauthorship>,
    /// Given scores; `Some` when the instance has an affinity list at all
    /// (then unlisted pairs score `default_affinity`).
    pub affinity: Option<Vec<Affinity>>,
    /// City names.
    pub cities: Interner,
    /// Institution names.
    pub institutions: Interner,
    /// Person ids (experts first, then others in first-appearance order).
    pub persons: Interner,
    /// Columns of the office's tables the model does not use (e-mail,
    /// phone, notes), kept with their records for outputs that list them.
    pub kept: Kept,
    /// Programme names (applications first, then experts' lists).
    pub programmes: Interner,
    /// Past reviews (the `history` table).
    pub history: crate::history::History,
}

/// The kept columns of both record tables (see [`KeptColumns`]).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Kept {
    /// Kept columns of the experts table.
    pub experts: KeptColumns,
    /// Kept columns of the applications table.
    pub applications: KeptColumns,
}

/// Columns a table carried beyond the known fields (`电话`, `邮箱`,
/// `备注`), kept with their records: `columns` in the table's order, and
/// for record `i` its cells `rows[i]` (one per column, `""` when blank).
/// `rows` is empty when there are no kept columns.
///
/// Two values are equal when they hold the same cells under the same
/// column names, whatever the columns' order (a bundle lists a record's
/// kept fields by name).
#[derive(Clone, Debug, Default)]
pub struct KeptColumns {
    /// Column headers (normalised names), in first-appearance order.
    pub columns: Vec<String>,
    /// Per record, in input order: one cell per column.
    pub rows: Vec<Vec<String>>,
}

impl KeptColumns {
    /// Record `i`'s non-blank kept cells as (column, value), in column
    /// order.
    pub fn of(&self, i: usize) -> Vec<(&str, &str)> {
        match self.rows.get(i) {
            Some(row) => self
                .columns
                .iter()
                .zip(row)
                .filter(|(_, v)| !v.is_empty())
                .map(|(c, v)| (c.as_str(), v.as_str()))
                .collect(),
            None => Vec::new(),
        }
    }

    /// Record `i`'s cell in `column` (`""` when blank or absent).
    pub fn get(&self, i: usize, column: &str) -> &str {
        let Some(c) = self.columns.iter().position(|x| x == column) else {
            return "";
        };
        self.rows
            .get(i)
            .and_then(|r| r.get(c))
            .map_or("", String::as_str)
    }

    /// True when there are no kept columns.
    pub fn is_empty(&self) -> bool {
        self.columns.is_empty()
    }

    /// Builds the columns from each record's (column, value) pairs, in
    /// record order; columns in first-appearance order.
    pub fn from_records<'a, I, R>(records: I) -> KeptColumns
    where
        I: IntoIterator<Item = R>,
        R: IntoIterator<Item = (&'a str, &'a str)>,
    {
        let mut columns: Vec<String> = Vec::new();
        // Column positions by name: a wide sheet has thousands of columns.
        let mut position: std::collections::HashMap<&'a str, usize> = Default::default();
        let mut cells: Vec<Vec<(usize, String)>> = Vec::new();
        for rec in records {
            let mut row = Vec::new();
            for (c, v) in rec {
                if v.is_empty() {
                    continue;
                }
                let at = *position.entry(c).or_insert_with(|| {
                    columns.push(c.to_string());
                    columns.len() - 1
                });
                row.push((at, v.to_string()));
            }
            cells.push(row);
        }
        if columns.is_empty() {
            return KeptColumns::default();
        }
        let rows = cells
            .into_iter()
            .map(|row| {
                let mut full = vec![String::new(); columns.len()];
                for (at, v) in row {
                    full[at] = v;
                }
                full
            })
            .collect();
        KeptColumns { columns, rows }
    }

    /// The cells by column name, for comparing without column order.
    fn by_name(&self) -> std::collections::BTreeMap<&str, Vec<&str>> {
        self.columns
            .iter()
            .enumerate()
            .map(|(c, name)| {
                let cells = self.rows.iter().map(|r| r[c].as_str()).collect();
                (name.as_str(), cells)
            })
            .collect()
    }
}

impl PartialEq for KeptColumns {
    fn eq(&self, other: &KeptColumns) -> bool {
        self.rows.len() == other.rows.len() && self.by_name() == other.by_name()
    }
}

/// [`Instance::max_from_city`] of one application, for any city
/// ([`Instance::city_caps`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CityCaps {
    /// The application's city.
    pub home: CityIx,
    /// Most members from the home city (the outside-city rule and
    /// `max_per_city`).
    pub home_cap: u32,
    /// Most members from any other city (`max_per_city`, else the panel
    /// size).
    pub other_cap: u32,
    /// The panel size the caps were worked out for
    /// ([`Instance::panel_size`]).
    pub panel_size: u32,
    /// The members needed from other cities ([`Instance::min_outside`]).
    pub min_outside: u32,
}

impl CityCaps {
    /// Most members from city `c`.
    pub fn of(&self, c: CityIx) -> u32 {
        if c == self.home {
            self.home_cap
        } else {
            self.other_cap
        }
    }
}

impl Instance {
    /// The overrides of application `a`'s programme, if it names one
    /// that the policy lists.
    #[inline]
    pub(crate) fn programme_rules(&self, a: AppIx) -> Option<&ProgrammeRules> {
        if self.policy.programmes.is_empty() {
            return None;
        }
        let p = self.applications[a.ix()].programme?;
        self.policy.programmes.get(self.programmes.name(p.0))
    }

    /// The overrides of programme `p`, if the policy lists it.
    pub fn rules_of_programme(&self, p: ProgIx) -> Option<&ProgrammeRules> {
        self.policy.programmes.get(self.programmes.name(p.0))
    }

    /// Name of application `a`'s programme, if any.
    pub fn programme_name(&self, a: AppIx) -> Option<&str> {
        self.applications[a.ix()]
            .programme
            .map(|p| self.programmes.name(p.0))
    }

    /// Panel size of application `a`: its own, else its programme's, else
    /// the policy's.
    pub fn panel_size(&self, a: AppIx) -> u32 {
        self.panel_size_with(a, self.programme_rules(a))
    }

    /// [`Instance::panel_size`] with `a`'s programme overrides at hand.
    fn panel_size_with(&self, a: AppIx, rules: Option<&ProgrammeRules>) -> u32 {
        self.applications[a.ix()]
            .panel_size
            .or_else(|| rules.and_then(|r| r.panel_size))
            .unwrap_or(self.policy.panel_size)
    }

    /// Minimum number of panel members from outside `a`'s city: the larger of
    /// `ceil(min_outside_share × k)` and `min_outside`, capped at `k` (each
    /// the programme's when it sets one, else the round's).
    pub fn min_outside(&self, a: AppIx) -> u32 {
        let rules = self.programme_rules(a);
        self.min_outside_with(self.panel_size_with(a, rules), rules)
    }

    /// [`Instance::min_outside`] of an application with panel size `k`
    /// and programme overrides `rules`.
    fn min_outside_with(&self, k: u32, rules: Option<&ProgrammeRules>) -> u32 {
        let share = rules
            .and_then(|r| r.min_outside_share)
            .unwrap_or(self.policy.min_outside_share);
        let count = rules
            .and_then(|r| r.min_outside)
            .unwrap_or(self.policy.min_outside);
        let by_share = (share * k as f64 - 1e-9).ceil().max(0.0) as u32;
        by_share.max(count).min(k)
    }

    /// `max_per_city` of application `a` (its programme's, else the round's).
    pub fn max_per_city(&self, a: AppIx) -> Option<u32> {
        self.max_per_city_with(self.programme_rules(a))
    }

    /// [`Instance::max_per_city`] with the programme overrides at hand.
    fn max_per_city_with(&self, rules: Option<&ProgrammeRules>) -> Option<u32> {
        rules
            .and_then(|r| r.max_per_city)
            .or(self.policy.max_per_city)
    }

    /// `max_per_institution` of application `a` (its programme's, else the
    /// round's).
    pub fn max_per_institution(&self, a: AppIx) -> Option<u32> {
        self.programme_rules(a)
            .and_then(|r| r.max_per_institution)
            .or(self.policy.max_per_institution)
    }

    /// True when any application has a `max_per_institution`.
    pub fn any_institution_cap(&self) -> bool {
        self.policy.max_per_institution.is_some()
            || self
                .policy
                .programmes
                .values()
                .any(|r| r.max_per_institution.is_some())
    }

    /// `min_senior` of application `a` (its programme's, else the round's).
    pub fn min_senior(&self, a: AppIx) -> u32 {
        self.programme_rules(a)
            .and_then(|r| r.min_senior)
            .unwrap_or(self.policy.min_senior)
    }

    /// `cover_fields` of application `a` (its programme's, else the round's).
    pub fn cover_fields(&self, a: AppIx) -> bool {
        self.programme_rules(a)
            .and_then(|r| r.cover_fields)
            .unwrap_or(self.policy.cover_fields)
    }

    /// `min_affinity` of application `a` (its programme's, else the round's).
    pub fn min_affinity(&self, a: AppIx) -> Option<f64> {
        self.programme_rules(a)
            .and_then(|r| r.min_affinity)
            .or(self.policy.min_affinity)
    }

    /// Cap on expert `e`'s reviews within programme `p`, when the
    /// programme sets `max_load` (the round total still holds).
    pub fn programme_max_load(&self, p: ProgIx) -> Option<u32> {
        self.rules_of_programme(p).and_then(|r| r.max_load)
    }

    /// True when any programme caps loads (`programmes.*.max_load`).
    pub fn any_programme_load_cap(&self) -> bool {
        self.policy
            .programmes
            .values()
            .any(|r| r.max_load.is_some())
    }

    /// True when expert `e` may serve application `a`'s programme: the
    /// application has none, the expert lists none, or lists it.
    pub fn serves(&self, e: ExpertIx, a: AppIx) -> bool {
        match self.applications[a.ix()].programme {
            None => true,
            Some(p) => {
                let list = &self.experts[e.ix()].programmes;
                list.is_empty() || list.contains(&p)
            }
        }
    }

    /// Most panel members application `a` may take from city `c`: for the
    /// home city, `k − min_outside(a)` and `max_per_city`; for another city,
    /// `max_per_city`. Never more than the panel size `k`.
    pub fn max_from_city(&self, a: AppIx, c: CityIx) -> u32 {
        self.city_caps(a).of(c)
    }

    /// [`Instance::max_from_city`] of application `a` for every city at
    /// once (its programme's overrides looked up once): for callers that
    /// ask about many cities of one application.
    pub fn city_caps(&self, a: AppIx) -> CityCaps {
        let rules = self.programme_rules(a);
        let k = self.panel_size_with(a, rules);
        let other = self.max_per_city_with(rules).unwrap_or(k).min(k);
        let q = self.min_outside_with(k, rules);
        CityCaps {
            home: self.applications[a.ix()].city,
            home_cap: other.min(k - q),
            other_cap: other,
            panel_size: k,
            min_outside: q,
        }
    }

    /// Most panel members application `a` may take from any one
    /// institution (`max_per_institution`, never more than `k`).
    pub fn max_from_institution(&self, a: AppIx) -> u32 {
        let k = self.panel_size(a);
        self.max_per_institution(a).unwrap_or(k).min(k)
    }

    /// The round total of expert `e`: its own `max_load`, else the
    /// policy's (before the history's yearly cap).
    pub fn round_max_load(&self, e: ExpertIx) -> u32 {
        self.experts[e.ix()]
            .max_load
            .unwrap_or(self.policy.max_load)
    }

    /// Load cap of expert `e` this round: the round total
    /// ([`Instance::round_max_load`]), lowered by `max_reviews_per_year`
    /// to what the year has left (never below 0).
    pub fn max_load(&self, e: ExpertIx) -> u32 {
        let round = self.round_max_load(e);
        match self.yearly_room(e) {
            Some(room) => round.min(room),
            None => round,
        }
    }

    /// What `max_reviews_per_year` leaves expert `e` this round (`None`
    /// when the rule is off).
    pub fn yearly_room(&self, e: ExpertIx) -> Option<u32> {
        let cap = self.policy.max_reviews_per_year?;
        Some(cap.saturating_sub(self.reviews_earlier_this_year(e)))
    }

    /// Expert `e`'s served or no-show reviews already in the round's year,
    /// as `max_reviews_per_year` counts them: none without a year (a
    /// history table needs one as soon as a rule is set, so a round
    /// without a year has no past to count, and the cap holds this round's
    /// load alone).
    pub fn reviews_earlier_this_year(&self, e: ExpertIx) -> u32 {
        self.policy
            .year
            .map_or(0, |year| self.history.reviews_in_year(e, year))
    }

    /// Load floor of expert `e` (its own, else the policy's), never above
    /// [`Instance::max_load`]. Unavailable experts, and experts a history
    /// rule bars this round, have no floor.
    pub fn min_load(&self, e: ExpertIx) -> u32 {
        let ex = &self.experts[e.ix()];
        if !ex.available || crate::history::barred(self, e) {
            return 0;
        }
        let floor = ex.min_load.unwrap_or(self.policy.min_load);
        if self.policy.max_reviews_per_year.is_some() {
            floor.min(self.max_load(e))
        } else {
            floor
        }
    }

    /// Iterator over all expert indices.
    pub fn expert_ixs(&self) -> impl Iterator<Item = ExpertIx> {
        (0..self.experts.len() as u32).map(ExpertIx)
    }

    /// Iterator over all application indices.
    pub fn app_ixs(&self) -> impl Iterator<Item = AppIx> {
        (0..self.applications.len() as u32).map(AppIx)
    }

    /// The expert with this id.
    pub fn expert_by_id(&self, id: &str) -> Option<ExpertIx> {
        self.persons
            .get(id)
            .filter(|&p| (p as usize) < self.experts.len())
            .map(ExpertIx)
    }

    /// The application with this id (linear scan over a sorted index built
    /// on demand would be faster; callers needing many lookups should use
    /// [`Instance::app_index`]).
    pub fn app_by_id(&self, id: &str) -> Option<AppIx> {
        self.applications
            .iter()
            .position(|a| a.id == id)
            .map(|i| AppIx(i as u32))
    }

    /// A map from application id to index.
    pub fn app_index(&self) -> BTreeMap<&str, AppIx> {
        self.applications
            .iter()
            .enumerate()
            .map(|(i, a)| (a.id.as_str(), AppIx(i as u32)))
            .collect()
    }

    /// City name of an expert.
    pub fn expert_city(&self, e: ExpertIx) -> &str {
        self.cities.name(self.experts[e.ix()].city.0)
    }

    /// City name of an application.
    pub fn app_city(&self, a: AppIx) -> &str {
        self.cities.name(self.applications[a.ix()].city.0)
    }

    /// Institution name of an expert.
    pub fn expert_institution(&self, e: ExpertIx) -> &str {
        self.institutions.name(self.experts[e.ix()].institution.0)
    }

    /// Institution name of an application.
    pub fn app_institution(&self, a: AppIx) -> &str {
        self.institutions
            .name(self.applications[a.ix()].institution.0)
    }

    /// Id of a person.
    pub fn person_id(&self, p: PersonIx) -> &str {
        self.persons.name(p.0)
    }

    /// True when the instance has an affinity list (SPEC: then unlisted
    /// pairs score `default_affinity` rather than a computed score).
    pub(crate) fn has_affinity_list(&self) -> bool {
        self.affinity.is_some()
    }

    /// True when expert `e` holds a senior title ([`Policy::senior_titles`]:
    /// the trimmed title starts with a listed one, letter case ignored).
    pub fn is_senior(&self, e: ExpertIx) -> bool {
        let Some(title) = &self.experts[e.ix()].title else {
            return false;
        };
        let title = title.trim().to_lowercase();
        self.policy.senior_titles.iter().any(|t| {
            let t = t.trim().to_lowercase();
            !t.is_empty() && title.starts_with(&t)
        })
    }

    /// Fields of application `a` its panel must cover (none unless
    /// `cover_fields`, the programme's or the round's): each field once, in the application's order.
    pub fn fields_to_cover(&self, a: AppIx) -> Vec<&str> {
        if !self.cover_fields(a) {
            return Vec::new();
        }
        let mut out: Vec<&str> = Vec::new();
        for f in &self.applications[a.ix()].fields {
            if !out.contains(&f.as_str()) {
                out.push(f);
            }
        }
        out
    }

    /// True when expert `e` covers field `f`: one of the expert's fields is
    /// `f` exactly (a shared discipline prefix does not count).
    pub fn covers(&self, e: ExpertIx, f: &str) -> bool {
        self.experts[e.ix()].fields.iter().any(|x| x == f)
    }

    /// The round-wide outside-city targets in force: `(None, share)` for
    /// the whole round, `(Some(city), share)` per home city (cities by
    /// name order; a city with no application has no target). Each target
    /// needs `ceil(share × Σ k)` outside reviews over its applications
    /// ([`Instance::round_outside_needed`]).
    pub fn round_outside_targets(&self) -> Vec<(Option<CityIx>, f64)> {
        let mut out = Vec::new();
        if let Some(s) = self.policy.min_outside_share_round {
            if s > 0.0 {
                out.push((None, s));
            }
        }
        for (name, &s) in &self.policy.min_outside_share_by_city {
            if s > 0.0 {
                if let Some(c) = self.cities.get(name) {
                    out.push((Some(CityIx(c)), s));
                }
            }
        }
        out
    }

    /// True when application `a` falls under a round target's scope
    /// (`None` = every application).
    pub fn in_scope(&self, a: AppIx, city: Option<CityIx>) -> bool {
        city.is_none_or(|c| self.applications[a.ix()].city == c)
    }

    /// Reviews in a target's scope (Σ k over its applications) and the
    /// outside reviews it needs: `ceil(share × Σ k)`.
    pub fn round_outside_needed(&self, city: Option<CityIx>, share: f64) -> (u64, u64) {
        let total: u64 = self
            .app_ixs()
            .filter(|&a| self.in_scope(a, city))
            .map(|a| u64::from(self.panel_size(a)))
            .sum();
        let need = (share * total as f64 - 1e-9).ceil().max(0.0) as u64;
        (total, need.min(total))
    }

    /// The city bonus of one panel in millionths: `bonus_per_city` for
    /// every distinct city beyond the first (0 for an empty panel).
    pub fn panel_bonus(&self, panel: &[ExpertIx]) -> i64 {
        let b = self.policy.bonus_micro();
        if b == 0 || panel.is_empty() {
            return 0;
        }
        let mut cities: Vec<CityIx> = panel.iter().map(|e| self.experts[e.ix()].city).collect();
        cities.sort_unstable();
        cities.dedup();
        b * (cities.len() as i64 - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::{
        AppIx, Application, CityIx, InstIx, Instance, Interner, Policy, ProgIx, ProgrammeRules,
    };

    /// A round of applications in city 0 of three, each with an optional
    /// own panel size and programme (0 or 1, of which the policy lists
    /// the rules given), for the per-city caps.
    fn capped_round(
        policy: Policy,
        rules: [Option<ProgrammeRules>; 2],
        apps: &[(Option<u32>, Option<u32>)],
    ) -> Instance {
        let mut cities = Interner::default();
        for c in ["武汉", "长沙", "合肥"] {
            cities.intern(c);
        }
        let mut programmes = Interner::default();
        let names = ["人才计划", "科技进步奖"];
        for n in names {
            programmes.intern(n);
        }
        let mut policy = policy;
        for (name, r) in names.iter().zip(rules) {
            if let Some(r) = r {
                policy.programmes.insert(name.to_string(), r);
            }
        }
        let applications = apps
            .iter()
            .enumerate()
            .map(|(i, &(panel_size, programme))| Application {
                id: format!("A{i}"),
                title: None,
                city: CityIx(0),
                institution: InstIx(0),
                fields: Vec::new(),
                keywords: Vec::new(),
                panel_size,
                team: Vec::new(),
                avoid: Vec::new(),
                programme: programme.map(ProgIx),
            })
            .collect();
        Instance {
            policy,
            experts: Vec::new(),
            applications,
            conflicts: Vec::new(),
            coauthorships: Vec::new(),
            affinity: None,
            cities,
            institutions: Interner::default(),
            persons: Interner::default(),
            kept: Default::default(),
            programmes,
            history: Default::default(),
        }
    }

    fn rules_strategy() -> impl proptest::strategy::Strategy<Value = Option<ProgrammeRules>> {
        use proptest::prelude::*;
        proptest::option::of((
            proptest::option::of(1u32..7),
            proptest::option::of(0.0f64..=1.0),
            proptest::option::of(0u32..7),
            proptest::option::of(0u32..7),
        ))
        .prop_map(|r| {
            r.map(
                |(panel_size, min_outside_share, min_outside, max_per_city)| ProgrammeRules {
                    panel_size,
                    min_outside_share,
                    min_outside,
                    max_per_city,
                    ..ProgrammeRules::default()
                },
            )
        })
    }

    proptest::proptest! {
        /// The caps worked out once per application are the per-city rule
        /// as SPEC states it, for the home city and every other: the
        /// panel size k (the application's, else its programme's, else
        /// the round's), `max_per_city` (the programme's, else the
        /// round's; none means k), and at home also k minus the outside
        /// members, `max(ceil(share · k), min_outside)` at most k.
        #[test]
        fn city_caps_follow_the_per_city_rule(
            k0 in 1u32..7,
            share0 in 0.0f64..=1.0,
            count0 in 0u32..7,
            per_city0 in proptest::option::of(0u32..7),
            rules in [rules_strategy(), rules_strategy()],
            apps in proptest::collection::vec(
                (proptest::option::of(1u32..7), proptest::option::of(0u32..2)),
                1..6,
            ),
        ) {
            let policy = Policy {
                panel_size: k0,
                min_outside_share: share0,
                min_outside: count0,
                max_per_city: per_city0,
                ..Policy::default()
            };
            let inst = capped_round(policy, rules.clone(), &apps);
            for (i, &(own, programme)) in apps.iter().enumerate() {
                let a = AppIx(i as u32);
                let r = programme.and_then(|p| rules.get(p as usize).cloned().flatten());
                let k = own.or(r.as_ref().and_then(|r| r.panel_size)).unwrap_or(k0);
                let share = r.as_ref().and_then(|r| r.min_outside_share).unwrap_or(share0);
                let count = r.as_ref().and_then(|r| r.min_outside).unwrap_or(count0);
                let q = ((share * f64::from(k) - 1e-9).ceil().max(0.0) as u32).max(count).min(k);
                let per_city = r.as_ref().and_then(|r| r.max_per_city).or(per_city0);
                let other = per_city.map_or(k, |c| c.min(k));
                let caps = inst.city_caps(a);
                proptest::prop_assert_eq!(caps.home, CityIx(0));
                proptest::prop_assert_eq!(caps.home_cap, other.min(k - q));
                proptest::prop_assert_eq!(caps.other_cap, other);
                proptest::prop_assert_eq!(caps.panel_size, k);
                proptest::prop_assert_eq!(caps.min_outside, q);
                for c in 0..3 {
                    let c = CityIx(c);
                    let want = if c == CityIx(0) { other.min(k - q) } else { other };
                    proptest::prop_assert_eq!(inst.max_from_city(a, c), want);
                    proptest::prop_assert_eq!(caps.of(c), want);
                }
                proptest::prop_assert_eq!(inst.panel_size(a), k);
                proptest::prop_assert_eq!(inst.min_outside(a), q);
            }
        }
    }

    /// Short names (kept inline) and long ones number alike, in
    /// first-seen order; lookups find both and nothing else.
    #[test]
    fn interner_numbers_short_and_long_names_in_first_seen_order() {
        let mut t = Interner::default();
        let long = "华中科技大学同济医学院附属协和医院";
        assert!(long.len() > super::ShortId::MAX);
        let got: Vec<u32> = ["E1", long, "E1", "武汉", long, "E2"]
            .iter()
            .map(|s| t.intern(s))
            .collect();
        assert_eq!(got, vec![0, 1, 0, 2, 1, 3]);
        assert_eq!(t.names(), ["E1", long, "武汉", "E2"]);
        assert_eq!(t.get(long), Some(1));
        assert_eq!(t.get("E2"), Some(3));
        assert_eq!(t.get("E"), None);
        assert_eq!(t.get(&long[..long.len() - 3]), None);
        assert_eq!(t.len(), 4);
    }
}

//! The instance model: experts, applications, policy, conflicts,
//! co-authorships and affinity, with string ids interned to dense indices.
//!
//! Everything downstream (eligibility, the flow builder, the MIP, `verify`,
//! the report) works on this model. Only `io` builds it from files, and
//! only through [`InstanceBuilder`], which validates references and interns
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
    /// Dense index of a person id: every expert id, team member and
    /// co-author. Experts come first, so `PersonIx(i)` for `i < experts.len()`
    /// is `ExpertIx(i)`.
    PersonIx
);

/// Interns strings to dense indices in first-appearance order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Interner {
    names: Vec<String>,
    index: BTreeMap<String, u32>,
}

impl Interner {
    /// Returns the index of `name`, adding it if new.
    pub fn intern(&mut self, name: &str) -> u32 {
        if let Some(&i) = self.index.get(name) {
            return i;
        }
        let i = self.names.len() as u32;
        self.names.push(name.to_string());
        self.index.insert(name.to_string(), i);
        i
    }

    /// The index of `name`, if interned.
    pub fn get(&self, name: &str) -> Option<u32> {
        self.index.get(name).copied()
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
}

impl Instance {
    /// Panel size of application `a` (its own, else the policy's).
    pub fn panel_size(&self, a: AppIx) -> u32 {
        self.applications[a.ix()]
            .panel_size
            .unwrap_or(self.policy.panel_size)
    }

    /// Minimum number of panel members from outside `a`'s city: the larger of
    /// `ceil(min_outside_share × k)` and `min_outside`, capped at `k`.
    pub fn min_outside(&self, a: AppIx) -> u32 {
        let k = self.panel_size(a);
        let by_share = (self.policy.min_outside_share * k as f64 - 1e-9)
            .ceil()
            .max(0.0) as u32;
        by_share.max(self.policy.min_outside).min(k)
    }

    /// Load cap of expert `e` (its own, else the policy's).
    pub fn max_load(&self, e: ExpertIx) -> u32 {
        self.experts[e.ix()]
            .max_load
            .unwrap_or(self.policy.max_load)
    }

    /// Load floor of expert `e` (its own, else the policy's). Unavailable
    /// experts have no floor.
    pub fn min_load(&self, e: ExpertIx) -> u32 {
        let ex = &self.experts[e.ix()];
        if !ex.available {
            return 0;
        }
        ex.min_load.unwrap_or(self.policy.min_load)
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
    pub fn has_affinity_list(&self) -> bool {
        self.affinity.is_some()
    }
}

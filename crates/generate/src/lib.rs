//! Seeded synthetic instances of any size, realistic in shape.
//!
//! [`generate`] turns a [`GenConfig`] into an [`Instance`] in memory; the
//! CLI's `panels generate` and the benchmark scripts write it out through
//! `io`. Named [`preset`]s give the shapes the project talks about (the
//! Yangtze mid-reaches pool, the 光谷 corridor, dense benchmark rounds, an
//! NSFC-scale round).
//!
//! # What the instances look like
//!
//! - **Cities** of very different sizes: experts and applications are split
//!   over the configured cities in proportion to their weights (largest
//!   remainder, so 武汉 at weight 1.0 really is twenty times 黄石 at 0.05).
//! - **Institutions** inside each city: a few big, well-known universities
//!   (武汉大学, 华中科技大学, 长沙理工大学, …) hold about 65% of the city's
//!   people with Zipf-like sizes; many small generated units (武汉第3研究所,
//!   长沙市第2医院, …) share the rest. Every institution has 1–4 strong
//!   disciplines.
//! - **Fields** are NSFC-like codes: disciplines F01..F07 (then E01.., A01..
//!   when more are asked for), each with subfields F0101, F0102, …
//!   Applications list 1–2 fields, experts 1–3, drawn mostly from their
//!   institution's strengths. **Keywords** come from a per-discipline
//!   vocabulary (real terms for F01..F07); each subfield owns an overlapping
//!   window of it, so the computed score (`score.rs`) separates good, fair and
//!   poor matches.
//! - **Titles** follow the institution (professor / 研究员 / 主任医师 /
//!   正高级工程师 ladders), about 40% senior.
//! - **Loads** are heterogeneous: most experts take the policy's `max_load`,
//!   `low_load_share` about half of it, `high_load_share` five thirds of it
//!   (3 / 6 / 10 at the default 6); `min_load_share` of them must take at
//!   least one review.
//! - **Teams** of `team_size` persons (ids `P…`); with `team_expert_rate` one
//!   member is an expert of the applicant's own institution.
//! - **Co-authorships** link team members to experts (mostly the same
//!   institution or city) and experts to experts, dated over the eight years
//!   before `year` (3% undated). **Declared conflicts** (`conflict_rate`
//!   of all pairs), **avoid lists** of 0–3 competing experts of the same
//!   discipline, and **unavailable** experts (`unavailable_rate`).
//!
//! # Capacity margin
//!
//! The generator aims for a comfortably feasible round. With `k_a` the panel
//! size of application a and `q_a` its required outside-city count, it
//! raises the policy's `max_load` (and the low/high loads with it) to the
//! smallest value for which
//!
//! ```text
//! Σ max_load(e) over available experts            ≥ capacity_margin × Σ_a k_a
//! Σ max_load(e) over available experts not in c   ≥ capacity_margin × Σ_{a in c} q_a   (every city c)
//! ```
//!
//! with `capacity_margin` 1.5 by default. Σ `min_load` is kept at most a
//! quarter of Σ k_a. The loads of the configured `max_load` are kept when they
//! already suffice (the usual case: at 300 × 1,500 and k = 5, capacity is
//! about 5.8 × demand). [`capacity`] reports these sums for any instance.
//! What the margin does not cover: per-city and per-institution caps that
//! need more cities than exist (`max_per_city × cities < k`), a single-city
//! pool with an outside rule, and the few pairs lost to conflicts; such
//! configurations can be infeasible, and the solver will say why.
//!
//! # Determinism and cost
//!
//! One `ChaCha8Rng::seed_from_u64(seed)` stream drives every choice, in a
//! fixed order; no hash-map order is involved, so the same configuration
//! gives an equal `Instance`. Time and memory are linear in
//! applications + experts (+ conflicts + co-authorships), except with
//! `dense_affinity`, which stores applications × experts scores
//! (16 bytes each). See `examples/gen_timing.rs` for the NSFC-scale run.

#![deny(missing_docs)]

// The crates below, under the module names they had in one crate, so that
// paths read `crate::model::Instance` wherever they are used.
use panels_core::model;

pub mod history;
mod tables;

use std::collections::BTreeSet;

use rand::seq::index;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::model::{
    Affinity, AppIx, Application, CityIx, Coauthorship, Conflict, ConflictWith, Expert, ExpertIx,
    InstIx, Instance, Interner, PersonIx, Policy, Score,
};

use tables::TitleLadder;

/// Names of the presets [`preset`] knows, in a stable order.
pub const PRESETS: &[&str] = &[
    "yangtze",
    "guanggu",
    "tiny",
    "dense-300",
    "dense-1000",
    "dense-3000",
    "nsfc",
    "nsfc-yangtze",
];

/// Everything [`generate`] needs. `GenConfig::default()` is the Yangtze
/// mid-reaches round (the `yangtze` preset); change fields directly, with
/// struct-update syntax, or with the chained setters.
///
/// ```
/// use panels_generate::{generate, GenConfig};
/// let cfg = GenConfig::sized(40, 120).seed(7).panel_size(3).dense_affinity(true);
/// let inst = generate(&cfg);
/// assert_eq!(inst.applications.len(), 40);
/// assert_eq!(inst.affinity.as_ref().map(Vec::len), Some(40 * 120));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct GenConfig {
    /// Number of applications.
    pub applications: usize,
    /// Number of experts in the pool.
    pub experts: usize,
    /// Seed of the generator (and the policy's `seed`).
    pub seed: u64,
    /// Experts per application (policy `panel_size`).
    pub panel_size: u32,
    /// Cities and their relative weights (share of experts and of
    /// applications). Non-finite or negative weights count as 0; all zero
    /// means equal weights; empty means the default Yangtze set (武汉 1.0,
    /// 长沙 0.55, 合肥 0.5, 南昌 0.3, 九江 0.07, 岳阳 0.06, 安庆 0.05,
    /// 黄石 0.05).
    pub cities: Vec<(String, f64)>,
    /// Number of disciplines (top-level codes F01, F02, …; clamped to 1..=792).
    pub fields: usize,
    /// Subfields per discipline (F0101, F0102, …; clamped to 1..=99).
    pub subfields: usize,
    /// Policy `min_outside_share`.
    pub min_outside_share: f64,
    /// Policy `min_outside`.
    pub min_outside: u32,
    /// Policy `max_per_city`.
    pub max_per_city: Option<u32>,
    /// Policy `max_per_institution`.
    pub max_per_institution: Option<u32>,
    /// Policy `max_load` (raised if needed to meet `capacity_margin`).
    pub max_load: u32,
    /// Share of experts whose own `max_load` is about half the policy's.
    pub low_load_share: f64,
    /// Share of experts whose own `max_load` is five thirds of the policy's.
    pub high_load_share: f64,
    /// Share of available experts with their own `min_load` of 1.
    pub min_load_share: f64,
    /// Share of all (application, expert) pairs with a declared conflict
    /// (30% of them name a team member rather than the application).
    /// Memory grows with rate × applications × experts: keep it small at
    /// scale (the `nsfc` preset uses 1e-5, about one per application).
    pub conflict_rate: f64,
    /// Probability that a team member has co-authored with experts (then 1–3
    /// links); experts get 1–2 expert co-authors with half this probability.
    pub coauthor_rate: f64,
    /// Policy `coauthor_hops`.
    pub coauthor_hops: u32,
    /// Share of experts marked unavailable.
    pub unavailable_rate: f64,
    /// Largest avoid list (applicants name 0..=this experts; NSFC allows 3).
    pub avoid_max: usize,
    /// Smallest and largest team size, inclusive.
    pub team_size: (usize, usize),
    /// Probability that one team member is an expert of the applicant's own
    /// institution.
    pub team_expert_rate: f64,
    /// Share of applications (key projects) with their own panel size
    /// `panel_size + 2`.
    pub large_panel_rate: f64,
    /// Write an explicit affinity score for every pair (fields, keywords and
    /// noise; 4 decimals) instead of leaving scores to be computed.
    pub dense_affinity: bool,
    /// When above 0 (and not `dense_affinity`): write an explicit affinity
    /// list of this many experts per application (half sharing a subfield
    /// with it where there are enough, the rest drawn from the pool; scored
    /// as `dense_affinity` scores), and set the policy's `min_affinity` to
    /// [`SPARSE_MIN_AFFINITY`], so unlisted pairs (score
    /// `default_affinity` = 0) are not eligible: a sparse round given as
    /// scores, as a matching system would export it.
    pub sparse_affinity: usize,
    /// The round's year (policy `year`); co-authorships are dated in the
    /// eight years before it.
    pub year: i32,
    /// Policy `coauthor_years`.
    pub coauthor_years: Option<u32>,
    /// Capacity the generator aims for, as a multiple of demand (see the
    /// module docs); values below 1 or non-finite mean 1.5.
    pub capacity_margin: f64,
    /// Programmes the applications are split over (0: none); see
    /// [`history::add_programmes`].
    pub programmes: usize,
    /// Years of history before the round (0: none); see
    /// [`history::add_history`].
    pub years: usize,
}

impl Default for GenConfig {
    fn default() -> Self {
        GenConfig {
            applications: 300,
            experts: 1500,
            seed: 0,
            panel_size: 5,
            cities: city_list(tables::YANGTZE),
            fields: 7,
            subfields: 6,
            min_outside_share: 0.4,
            min_outside: 0,
            max_per_city: Some(3),
            max_per_institution: Some(2),
            max_load: 6,
            low_load_share: 0.15,
            high_load_share: 0.10,
            min_load_share: 0.02,
            conflict_rate: 0.0005,
            coauthor_rate: 0.3,
            coauthor_hops: 1,
            unavailable_rate: 0.03,
            avoid_max: 3,
            team_size: (1, 4),
            team_expert_rate: 0.15,
            large_panel_rate: 0.0,
            dense_affinity: false,
            sparse_affinity: 0,
            year: 2026,
            coauthor_years: Some(5),
            capacity_margin: 1.5,
            programmes: 0,
            years: 0,
        }
    }
}

/// Most applications, and most experts, [`check_limits`] lets a generated
/// round have (the `nsfc` preset has 300,000 and 80,000).
pub const MAX_GENERATED_PEOPLE: usize = 1_000_000;

/// Most listed scores (dense or sparse affinity) and most expected declared
/// conflicts a generated round may have: 20 million (a dense list stores 16
/// bytes per pair).
pub const MAX_GENERATED_PAIRS: u64 = 20_000_000;

/// Most experts per panel a generated round may ask for.
pub const MAX_GENERATED_PANEL_SIZE: u32 = 1_000;

/// Refuses a configuration whose round would not fit in memory: sizes over
/// [`MAX_GENERATED_PEOPLE`], [`MAX_GENERATED_PANEL_SIZE`], or listed scores
/// or expected conflicts over [`MAX_GENERATED_PAIRS`]; and more programmes
/// than the generator has names for ([`history::PROGRAMME_NAMES`]). The
/// message names the flag to change.
///
/// # Errors
/// The message.
pub fn check_limits(cfg: &GenConfig) -> Result<(), String> {
    let (na, ne) = (cfg.applications, cfg.experts);
    if na > MAX_GENERATED_PEOPLE || ne > MAX_GENERATED_PEOPLE {
        return Err(format!(
            "--applications {na}, --experts {ne}: at most {MAX_GENERATED_PEOPLE} of each are generated"
        ));
    }
    if cfg.panel_size > MAX_GENERATED_PANEL_SIZE {
        return Err(format!(
            "--panel-size {}: at most {MAX_GENERATED_PANEL_SIZE}",
            cfg.panel_size
        ));
    }
    let most = history::PROGRAMME_NAMES.len();
    if cfg.programmes > most {
        return Err(format!(
            "--programmes {}: at most {most} programmes are generated ({})",
            cfg.programmes,
            history::PROGRAMME_NAMES.join(", ")
        ));
    }
    if cfg.years > history::MAX_YEARS {
        return Err(format!(
            "--years {}: at most {} years of history are generated (over a longer window \
             max_declines 1 would bar nearly every expert)",
            cfg.years,
            history::MAX_YEARS
        ));
    }
    let pairs = na as u64 * ne as u64;
    let listed = if cfg.dense_affinity {
        pairs
    } else {
        na as u64 * cfg.sparse_affinity.min(ne) as u64
    };
    if listed > MAX_GENERATED_PAIRS {
        return Err(format!(
            "{listed} listed scores (applications × {}): at most {MAX_GENERATED_PAIRS}; \
             lower --applications, --experts or --affinity-per-application",
            if cfg.dense_affinity {
                "experts"
            } else {
                "--affinity-per-application"
            }
        ));
    }
    let conflicts = cfg.conflict_rate.max(0.0) * pairs as f64;
    if conflicts > MAX_GENERATED_PAIRS as f64 {
        return Err(format!(
            "about {conflicts:.0} declared conflicts (conflict rate {} × applications × experts): \
             at most {MAX_GENERATED_PAIRS}; lower --applications or --experts",
            cfg.conflict_rate
        ));
    }
    Ok(())
}

impl GenConfig {
    /// The default configuration with another size.
    pub fn sized(applications: usize, experts: usize) -> GenConfig {
        GenConfig {
            applications,
            experts,
            ..GenConfig::default()
        }
    }

    /// Sets the seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Sets the panel size.
    pub fn panel_size(mut self, k: u32) -> Self {
        self.panel_size = k;
        self
    }

    /// Sets the cities and their weights.
    pub fn cities<S: Into<String>>(mut self, cities: impl IntoIterator<Item = (S, f64)>) -> Self {
        self.cities = cities.into_iter().map(|(c, w)| (c.into(), w)).collect();
        self
    }

    /// Sets the policy's `max_load`.
    pub fn max_load(mut self, max_load: u32) -> Self {
        self.max_load = max_load;
        self
    }

    /// Sets the share of pairs with a declared conflict.
    pub fn conflict_rate(mut self, rate: f64) -> Self {
        self.conflict_rate = rate;
        self
    }

    /// Turns the explicit affinity list on or off.
    pub fn dense_affinity(mut self, on: bool) -> Self {
        self.dense_affinity = on;
        self
    }

    /// The policy the instance will carry, before any capacity adjustment of
    /// `max_load`.
    pub fn policy(&self) -> Policy {
        Policy {
            panel_size: self.panel_size,
            min_outside_share: self.min_outside_share,
            min_outside: self.min_outside,
            max_per_city: self.max_per_city,
            max_per_institution: self.max_per_institution,
            max_load: self.max_load,
            min_load: 0,
            avoid_same_institution: true,
            coauthor_hops: self.coauthor_hops,
            coauthor_years: self.coauthor_years,
            year: Some(self.year),
            default_affinity: 0.0,
            min_affinity: (self.sparse_affinity > 0 && !self.dense_affinity)
                .then_some(SPARSE_MIN_AFFINITY),
            seed: self.seed,
            ..Policy::default()
        }
    }
}

fn city_list(cities: &[(&str, f64)]) -> Vec<(String, f64)> {
    cities.iter().map(|&(c, w)| (c.to_string(), w)).collect()
}

/// A named configuration, or `None` for an unknown name (see [`PRESETS`]).
///
/// | name | size | shape |
/// |---|---|---|
/// | `yangtze` | 300 × 1,500 | 8 cities, k = 5, outside share 0.4, ≤ 3 per city, ≤ 2 per institution, year 2026, co-authors within 5 years |
/// | `guanggu` | 80 × 300 | 武汉, 黄石, 黄冈, 咸宁, 鄂州; k = 3, ≥ 1 outside |
/// | `tiny` | 8 × 24 | 3 cities, k = 2, ≥ 1 outside |
/// | `dense-300` / `-1000` / `-3000` | n × 1.5n | 5 cities, k = 3, ≥ 1 outside, 1% of pairs conflicted, dense affinity |
/// | `nsfc` | 300,000 × 80,000 | 32 cities, k = 3, max_load 18, ≥ 1 outside, computed scores |
/// | `nsfc-yangtze` | 300,000 × 80,000 | the `nsfc` pool with the Yangtze caps: k = 5, outside share 0.4, ≤ 3 per city, ≤ 2 per institution, computed scores |
pub fn preset(name: &str) -> Option<GenConfig> {
    let dense = |n: usize| GenConfig {
        applications: n,
        experts: n * 3 / 2,
        panel_size: 3,
        cities: city_list(tables::DENSE5),
        min_outside_share: 0.0,
        min_outside: 1,
        max_per_city: None,
        max_per_institution: None,
        conflict_rate: 0.01,
        dense_affinity: true,
        ..GenConfig::default()
    };
    Some(match name {
        "yangtze" => GenConfig::default(),
        "guanggu" => GenConfig {
            applications: 80,
            experts: 300,
            panel_size: 3,
            cities: city_list(tables::GUANGGU),
            min_outside_share: 0.0,
            min_outside: 1,
            max_per_city: None,
            max_per_institution: None,
            conflict_rate: 0.003,
            ..GenConfig::default()
        },
        "tiny" => GenConfig {
            applications: 8,
            experts: 24,
            panel_size: 2,
            cities: city_list(&[("武汉", 1.0), ("长沙", 0.6), ("黄石", 0.3)]),
            min_outside_share: 0.0,
            min_outside: 1,
            max_per_city: None,
            max_per_institution: None,
            conflict_rate: 0.01,
            min_load_share: 0.0,
            ..GenConfig::default()
        },
        "dense-300" => dense(300),
        "dense-1000" => dense(1000),
        "dense-3000" => dense(3000),
        "nsfc" => GenConfig {
            applications: 300_000,
            experts: 80_000,
            panel_size: 3,
            cities: tables::NATIONAL
                .iter()
                .enumerate()
                .map(|(r, c)| (c.to_string(), 1.0 / (r as f64 + 1.0)))
                .collect(),
            fields: 40,
            subfields: 8,
            min_outside_share: 0.0,
            min_outside: 1,
            max_per_city: None,
            max_per_institution: None,
            max_load: 18,
            conflict_rate: 1e-5,
            ..GenConfig::default()
        },
        "nsfc-yangtze" => GenConfig {
            panel_size: 5,
            min_outside_share: 0.4,
            min_outside: 0,
            max_per_city: Some(3),
            max_per_institution: Some(2),
            ..preset("nsfc")?
        },
        _ => return None,
    })
}

/// Capacity sums of an instance: what the generator's margin is about.
///
/// Outside supplies ignore conflicts and per-city caps: they are upper
/// bounds, good for spotting a round that cannot work, not a proof that it
/// can.
#[derive(Clone, Debug, PartialEq)]
pub struct Capacity {
    /// Σ panel sizes (reviews needed).
    pub demand: u64,
    /// Σ `max_load` over available experts.
    pub supply: u64,
    /// Σ `min_load` over available experts.
    pub min_load_total: u64,
    /// Per city, in [`CityIx`] order.
    pub cities: Vec<CityCapacity>,
}

/// One city's line in [`Capacity`].
#[derive(Clone, Debug, PartialEq)]
pub struct CityCapacity {
    /// The city.
    pub city: CityIx,
    /// Applications from the city.
    pub applications: usize,
    /// Available experts in the city.
    pub experts: usize,
    /// Σ required outside-city reviews of the city's applications.
    pub outside_demand: u64,
    /// Σ `max_load` of available experts of other cities.
    pub outside_supply: u64,
}

impl Capacity {
    /// supply / demand (infinite when nothing is demanded).
    pub fn margin(&self) -> f64 {
        ratio(self.supply, self.demand)
    }

    /// The smallest outside_supply / outside_demand over cities that need
    /// outside reviews (infinite when none does).
    pub fn outside_margin(&self) -> f64 {
        self.cities
            .iter()
            .map(|c| ratio(c.outside_supply, c.outside_demand))
            .fold(f64::INFINITY, f64::min)
    }
}

fn ratio(supply: u64, demand: u64) -> f64 {
    if demand == 0 {
        f64::INFINITY
    } else {
        supply as f64 / demand as f64
    }
}

/// Computes the [`Capacity`] sums of `inst`.
pub fn capacity(inst: &Instance) -> Capacity {
    let nc = inst.cities.len();
    let mut cities: Vec<CityCapacity> = (0..nc)
        .map(|c| CityCapacity {
            city: CityIx(c as u32),
            applications: 0,
            experts: 0,
            outside_demand: 0,
            outside_supply: 0,
        })
        .collect();
    let mut supply = 0u64;
    let mut min_load_total = 0u64;
    let mut supply_in = vec![0u64; nc];
    for e in inst.expert_ixs() {
        let ex = &inst.experts[e.ix()];
        if !ex.available {
            continue;
        }
        let m = u64::from(inst.max_load(e));
        supply += m;
        min_load_total += u64::from(inst.min_load(e));
        supply_in[ex.city.ix()] += m;
        cities[ex.city.ix()].experts += 1;
    }
    let mut demand = 0u64;
    for a in inst.app_ixs() {
        let c = inst.applications[a.ix()].city.ix();
        demand += u64::from(inst.panel_size(a));
        cities[c].applications += 1;
        cities[c].outside_demand += u64::from(inst.min_outside(a));
    }
    for (c, line) in cities.iter_mut().enumerate() {
        line.outside_supply = supply - supply_in[c];
    }
    Capacity {
        demand,
        supply,
        min_load_total,
        cities,
    }
}

// ---------------------------------------------------------------------------
// Sampling helpers

/// Cumulative weights for weighted choice by binary search.
struct Cumulative {
    cum: Vec<f64>,
}

impl Cumulative {
    fn new(weights: impl IntoIterator<Item = f64>) -> Cumulative {
        let ws: Vec<f64> = weights
            .into_iter()
            .map(|w| if w.is_finite() && w > 0.0 { w } else { 0.0 })
            .collect();
        let all_zero = ws.iter().all(|&w| w == 0.0);
        let mut total = 0.0;
        let cum = ws
            .iter()
            .map(|&w| {
                total += if all_zero { 1.0 } else { w };
                total
            })
            .collect();
        Cumulative { cum }
    }

    /// An index with probability proportional to its weight. Must not be
    /// empty.
    fn sample(&self, rng: &mut ChaCha8Rng) -> usize {
        let total = *self.cum.last().expect("non-empty sampler");
        let x = rng.random::<f64>() * total;
        self.cum
            .partition_point(|&c| c <= x)
            .min(self.cum.len() - 1)
    }
}

/// Splits `n` over weights by largest remainder; every weight gets at least
/// one when `n` is at least twice the number of weights.
fn apportion(n: usize, weights: &[f64]) -> Vec<usize> {
    let k = weights.len();
    if k == 0 {
        return Vec::new();
    }
    let ws: Vec<f64> = weights
        .iter()
        .map(|&w| if w.is_finite() && w > 0.0 { w } else { 0.0 })
        .collect();
    let total: f64 = ws.iter().sum();
    let ws: Vec<f64> = if total > 0.0 {
        ws.iter().map(|w| w / total).collect()
    } else {
        vec![1.0 / k as f64; k]
    };
    let floor_min = usize::from(n >= 2 * k);
    let mut counts: Vec<usize> = ws
        .iter()
        .map(|w| ((w * n as f64).floor() as usize).max(floor_min))
        .collect();
    // Fix the total: add by largest remainder, or take from the largest.
    let mut order: Vec<usize> = (0..k).collect();
    order.sort_by(|&a, &b| {
        let ra = ws[a] * n as f64 - counts[a] as f64;
        let rb = ws[b] * n as f64 - counts[b] as f64;
        rb.total_cmp(&ra).then(a.cmp(&b))
    });
    let mut sum: usize = counts.iter().sum();
    let mut i = 0;
    while sum < n {
        counts[order[i % k]] += 1;
        sum += 1;
        i += 1;
    }
    while sum > n {
        let big = (0..k)
            .max_by(|&a, &b| counts[a].cmp(&counts[b]).then(b.cmp(&a)))
            .expect("k > 0");
        counts[big] -= 1;
        sum -= 1;
    }
    counts
}

/// `counts[i]` copies of `i`, shuffled.
fn shuffled_slots(counts: &[usize], rng: &mut ChaCha8Rng) -> Vec<u32> {
    let mut slots: Vec<u32> = counts
        .iter()
        .enumerate()
        .flat_map(|(i, &n)| std::iter::repeat_n(i as u32, n))
        .collect();
    // Fisher–Yates with our own stream (explicit, so the order is ours).
    for i in (1..slots.len()).rev() {
        let j = rng.random_range(0..=i);
        slots.swap(i, j);
    }
    slots
}

fn pick<'a, T>(items: &'a [T], rng: &mut ChaCha8Rng) -> Option<&'a T> {
    if items.is_empty() {
        None
    } else {
        Some(&items[rng.random_range(0..items.len())])
    }
}

fn clamp01(x: f64) -> f64 {
    if x.is_finite() {
        x.clamp(0.0, 1.0)
    } else {
        0.0
    }
}

fn digits(n: usize) -> usize {
    n.max(1).to_string().len()
}

// ---------------------------------------------------------------------------
// Taxonomy: disciplines, subfields, keywords

struct Taxonomy {
    /// Subfield codes; subfield id = discipline × subfields + j.
    codes: Vec<String>,
    subfields: usize,
    disciplines: usize,
    popularity: Cumulative,
    sub_popularity: Cumulative,
    vocab: Vec<String>,
    /// Keyword ids of each subfield (an overlapping window of its
    /// discipline's vocabulary).
    window: Vec<Vec<u32>>,
    /// Keyword ids of each discipline.
    disc_vocab: Vec<Vec<u32>>,
}

impl Taxonomy {
    fn new(disciplines: usize, subfields: usize) -> Taxonomy {
        let disciplines = disciplines.clamp(1, 99 * tables::DEPARTMENT_LETTERS.len());
        let subfields = subfields.clamp(1, 99);
        let mut codes = Vec::with_capacity(disciplines * subfields);
        let mut vocab = Vec::new();
        let mut window = Vec::with_capacity(disciplines * subfields);
        let mut disc_vocab = Vec::with_capacity(disciplines);
        let mut pop = Vec::with_capacity(disciplines);
        for d in 0..disciplines {
            let letter = tables::DEPARTMENT_LETTERS[d / 99];
            let num = d % 99 + 1;
            let dcode = format!("{letter}{num:02}");
            let words: Vec<String> = if letter == 'F' && num <= tables::F_VOCAB.len() {
                tables::F_VOCAB[num - 1]
                    .iter()
                    .map(|s| s.to_string())
                    .collect()
            } else {
                (1..=16).map(|i| format!("{dcode}主题{i}")).collect()
            };
            pop.push(if letter == 'F' && num <= tables::F_POPULARITY.len() {
                tables::F_POPULARITY[num - 1]
            } else {
                1.0 / (1.0 + 0.05 * d as f64)
            });
            let base = vocab.len() as u32;
            let l = words.len();
            vocab.extend(words);
            disc_vocab.push((0..l as u32).map(|i| base + i).collect());
            let width = (2 * l).div_ceil(subfields).max(4).min(l);
            for j in 0..subfields {
                codes.push(format!("{dcode}{:02}", j + 1));
                let start = j * l / subfields;
                let mut w: Vec<u32> = (0..width)
                    .map(|t| base + ((start + t) % l) as u32)
                    .collect();
                w.sort_unstable();
                window.push(w);
            }
        }
        Taxonomy {
            codes,
            subfields,
            disciplines,
            popularity: Cumulative::new(pop),
            sub_popularity: Cumulative::new((0..subfields).map(|j| 1.0 / (1.0 + 0.3 * j as f64))),
            vocab,
            window,
            disc_vocab,
        }
    }

    fn discipline_of(&self, sub: u32) -> usize {
        sub as usize / self.subfields
    }

    fn subfield_in(&self, d: usize, rng: &mut ChaCha8Rng) -> u32 {
        (d * self.subfields + self.sub_popularity.sample(rng)) as u32
    }

    /// Another subfield of the same discipline as `sub`, if there is one.
    fn sibling(&self, sub: u32, rng: &mut ChaCha8Rng) -> u32 {
        if self.subfields == 1 {
            return sub;
        }
        let d = self.discipline_of(sub);
        let j = sub as usize % self.subfields;
        let other = (j + rng.random_range(1..self.subfields)) % self.subfields;
        (d * self.subfields + other) as u32
    }
}

/// Draws `n` distinct items of `from` (fewer if it is short) into `out`.
fn draw_distinct(from: &[u32], n: usize, rng: &mut ChaCha8Rng, out: &mut Vec<u32>) {
    let n = n.min(from.len());
    for i in index::sample(rng, from.len(), n) {
        let w = from[i];
        if !out.contains(&w) {
            out.push(w);
        }
    }
}

// ---------------------------------------------------------------------------
// Institutions

struct Unit {
    name: String,
    ladder: TitleLadder,
    strengths: Vec<usize>,
}

struct Geography {
    units: Vec<Unit>,
    /// Per city: its unit ids and their size weights.
    city_units: Vec<(Vec<u32>, Cumulative)>,
}

fn build_geography(
    cities: &[(String, f64)],
    people: &[usize],
    tax: &Taxonomy,
    rng: &mut ChaCha8Rng,
) -> Geography {
    let mut units = Vec::new();
    let mut city_units = Vec::with_capacity(cities.len());
    for (c, (city, _)) in cities.iter().enumerate() {
        let size = people[c];
        let known = tables::named_institutions(city);
        let invented;
        let named: &[&str] = if known.is_empty() {
            invented = [
                format!("{city}大学"),
                format!("{city}理工学院"),
                format!("{city}师范学院"),
            ];
            &[&invented[0], &invented[1], &invented[2]]
        } else {
            known
        };
        let n_named = size.div_ceil(25).clamp(1, named.len());
        let n_small = ((size as f64 * 0.35 / 8.0).round() as usize).max(1);
        let mut ids = Vec::with_capacity(n_named + n_small);
        let mut weights = Vec::with_capacity(n_named + n_small);
        let h: f64 = (0..n_named).map(|r| 1.0 / (r as f64 + 1.0).powf(0.9)).sum();
        for (r, name) in named.iter().take(n_named).enumerate() {
            let strengths = draw_strengths(tax, rng.random_range(3..=4), rng);
            ids.push(units.len() as u32);
            weights.push(0.65 * (1.0 / (r as f64 + 1.0).powf(0.9)) / h);
            units.push(Unit {
                name: name.to_string(),
                ladder: TitleLadder::of_name(name),
                strengths,
            });
        }
        let mut small_w = Vec::with_capacity(n_small);
        let mut per_kind = [0usize; 4];
        for _ in 0..n_small {
            let kind = rng.random_range(0..tables::UNIT_KINDS.len());
            per_kind[kind] += 1;
            let (suffix, ladder) = tables::UNIT_KINDS[kind];
            let name = if ladder == TitleLadder::Hospital {
                format!("{city}市第{}{suffix}", per_kind[kind])
            } else {
                format!("{city}第{}{suffix}", per_kind[kind])
            };
            let strengths = draw_strengths(tax, rng.random_range(1..=2), rng);
            ids.push(units.len() as u32);
            small_w.push(rng.random_range(0.5..1.5));
            units.push(Unit {
                name,
                ladder,
                strengths,
            });
        }
        let sw: f64 = small_w.iter().sum();
        weights.extend(small_w.iter().map(|w| 0.35 * w / sw));
        city_units.push((ids, Cumulative::new(weights)));
    }
    Geography { units, city_units }
}

fn draw_strengths(tax: &Taxonomy, n: usize, rng: &mut ChaCha8Rng) -> Vec<usize> {
    let n = n.min(tax.disciplines);
    let mut out = Vec::with_capacity(n);
    let mut tries = 0;
    while out.len() < n && tries < 50 {
        let d = tax.popularity.sample(rng);
        if !out.contains(&d) {
            out.push(d);
        }
        tries += 1;
    }
    out
}

// ---------------------------------------------------------------------------
// Loads and the capacity margin

#[derive(Clone, Copy, PartialEq, Eq)]
enum LoadClass {
    Policy,
    Low,
    High,
}

fn low_load(ml: u32) -> u32 {
    (ml / 2).max(1)
}

fn high_load(ml: u32) -> u32 {
    ml + (2 * ml).div_ceil(3)
}

/// Per-city counts of available experts by load class.
#[derive(Clone, Copy, Default)]
struct ClassCounts {
    policy: u64,
    low: u64,
    high: u64,
}

impl ClassCounts {
    fn supply(&self, ml: u32) -> u64 {
        self.policy * u64::from(ml)
            + self.low * u64::from(low_load(ml))
            + self.high * u64::from(high_load(ml))
    }
    fn any(&self) -> bool {
        self.policy + self.low + self.high > 0
    }
}

/// The smallest `max_load ≥ start` meeting the margin, or `start` when no
/// load can (no available experts, or a city with no outside experts).
fn scaled_max_load(
    start: u32,
    margin: f64,
    counts: &[ClassCounts],
    demand: u64,
    outside_demand: &[u64],
) -> u32 {
    let total_any = counts.iter().any(ClassCounts::any);
    if !total_any {
        return start;
    }
    let ok = |ml: u32| -> bool {
        let per: Vec<u64> = counts.iter().map(|c| c.supply(ml)).collect();
        let total: u64 = per.iter().sum();
        if (total as f64) < margin * demand as f64 {
            return false;
        }
        for (c, &q) in outside_demand.iter().enumerate() {
            let outside_has_experts = counts.iter().enumerate().any(|(o, cc)| o != c && cc.any());
            if q > 0 && outside_has_experts && ((total - per[c]) as f64) < margin * q as f64 {
                return false;
            }
        }
        true
    };
    let start = start.max(1);
    if ok(start) {
        return start;
    }
    let mut hi = start;
    while !ok(hi) {
        if hi >= 1 << 24 {
            return start;
        }
        hi = hi.saturating_mul(2);
    }
    let mut lo = start; // !ok(lo)
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if ok(mid) {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    hi
}

/// SPEC's outside count: max(ceil(share × k), min_outside), capped at k.
fn required_outside(share: f64, min_outside: u32, k: u32) -> u32 {
    let by_share = (share * k as f64 - 1e-9).ceil().max(0.0) as u32;
    by_share.max(min_outside).min(k)
}

// ---------------------------------------------------------------------------
// The generator

struct GenExpert {
    city: u32,
    unit: u32,
    subs: Vec<u32>,
    kws: Vec<u32>,
    class: LoadClass,
    min_load: bool,
    available: bool,
    /// Academic title, from the unit's ladder.
    title: &'static str,
    name: String,
}

struct GenApp {
    city: u32,
    unit: u32,
    subs: Vec<u32>,
    kws: Vec<u32>,
    panel_size: Option<u32>,
    title: String,
    team: Vec<PersonIx>,
    avoid: Vec<ExpertIx>,
}

/// What the generator draws everything from: the cities, the field
/// taxonomy and the units (institutions) of each city.
struct World {
    cities: Vec<(String, f64)>,
    tax: Taxonomy,
    geo: Geography,
}

/// Experts by unit, by city and by their first field's discipline (for
/// teams, avoid lists and co-authors).
struct Lookups {
    unit_experts: Vec<Vec<u32>>,
    city_experts: Vec<Vec<u32>>,
    disc_experts: Vec<Vec<u32>>,
}

/// The applications with the persons their teams add (ids and the unit
/// and city of their application).
struct Applicants {
    apps: Vec<GenApp>,
    person_ids: Vec<String>,
    person_home: Vec<(u32, u32)>,
}

/// Generates the instance `cfg` describes. Same `cfg` ⇒ equal `Instance`.
///
/// Complexity: O(applications + experts + conflicts + co-authorships) time
/// and memory, plus O(applications × experts) with `dense_affinity`.
pub fn generate(cfg: &GenConfig) -> Instance {
    let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
    let cities: Vec<(String, f64)> = if cfg.cities.is_empty() {
        city_list(tables::YANGTZE)
    } else {
        cfg.cities.clone()
    };
    let weights: Vec<f64> = cities.iter().map(|c| c.1).collect();
    let tax = Taxonomy::new(cfg.fields, cfg.subfields);

    let ne = cfg.experts;
    let na = cfg.applications;
    let expert_counts = apportion(ne, &weights);
    let app_counts = apportion(na, &weights);
    let people: Vec<usize> = expert_counts
        .iter()
        .zip(&app_counts)
        .map(|(e, a)| e + a / 4)
        .collect();
    let geo = build_geography(&cities, &people, &tax, &mut rng);
    let world = World { cities, tax, geo };
    let expert_city = shuffled_slots(&expert_counts, &mut rng);
    let app_city = shuffled_slots(&app_counts, &mut rng);

    let mut experts = gen_experts(cfg, &world, &expert_city, &mut rng);
    let app_k = draw_panel_sizes(cfg, na, &mut rng);
    let (demand, ml) = max_load_for_margin(cfg, &world, &experts, &app_k, &app_city);
    mark_min_loads(cfg, &mut experts, demand, &mut rng);
    let lookups = Lookups::new(&world, &experts);
    let applicants = gen_applications(cfg, &world, &experts, &lookups, &app_city, &app_k, &mut rng);
    let conflicts = gen_conflicts(cfg, &applicants.apps, &mut rng);
    let coauthorships = gen_coauthorships(cfg, &experts, &applicants, &lookups, &mut rng);
    let affinity = gen_affinity(cfg, &world.tax, &applicants.apps, &experts, &mut rng);
    let mut inst = assemble(
        cfg,
        &world,
        experts,
        applicants,
        ml,
        conflicts,
        coauthorships,
        affinity,
    );
    history::add_programmes(&mut inst, cfg.programmes, cfg.seed);
    history::add_history(&mut inst, cfg.years, cfg.seed);
    inst
}

/// The experts, one per slot of `expert_city`: unit, fields and keywords
/// (mostly of the unit's strengths), title, name, load class and
/// availability.
fn gen_experts(
    cfg: &GenConfig,
    world: &World,
    expert_city: &[u32],
    rng: &mut ChaCha8Rng,
) -> Vec<GenExpert> {
    let (tax, geo) = (&world.tax, &world.geo);
    let low_share = clamp01(cfg.low_load_share);
    let high_share = clamp01(cfg.high_load_share).min(1.0 - low_share);
    let unavailable = clamp01(cfg.unavailable_rate);
    let mut experts: Vec<GenExpert> = Vec::with_capacity(expert_city.len());
    let surnames =
        Cumulative::new((0..tables::SURNAMES.len()).map(|r| 1.0 / (r as f64 + 1.0).powf(0.7)));
    for &city in expert_city {
        let (ids, sizes) = &geo.city_units[city as usize];
        let unit = ids[sizes.sample(rng)];
        let u = &geo.units[unit as usize];
        let primary = if rng.random_bool(0.7) && !u.strengths.is_empty() {
            *pick(&u.strengths, rng).expect("non-empty")
        } else {
            tax.popularity.sample(rng)
        };
        let mut subs = vec![tax.subfield_in(primary, rng)];
        let nf = match rng.random::<f64>() {
            x if x < 0.5 => 1,
            x if x < 0.85 => 2,
            _ => 3,
        };
        for _ in 1..nf {
            let s = if rng.random_bool(0.65) {
                tax.sibling(subs[0], rng)
            } else {
                let d = tax.popularity.sample(rng);
                tax.subfield_in(d, rng)
            };
            if !subs.contains(&s) {
                subs.push(s);
            }
        }
        let mut kws = Vec::new();
        for &s in &subs {
            let n = rng.random_range(2..=3);
            draw_distinct(&tax.window[s as usize], n, rng, &mut kws);
        }
        kws.sort_unstable();
        let r = rng.random::<f64>();
        let tier = if r < 0.4 {
            0
        } else if r < 0.85 {
            1
        } else {
            2
        };
        let title = u.ladder.titles()[tier];
        let mut name = tables::SURNAMES[surnames.sample(rng)].to_string();
        for _ in 0..if rng.random_bool(0.7) { 2 } else { 1 } {
            name.push_str(pick(tables::GIVEN, rng).expect("non-empty"));
        }
        let r = rng.random::<f64>();
        let class = if r < low_share {
            LoadClass::Low
        } else if r < low_share + high_share {
            LoadClass::High
        } else {
            LoadClass::Policy
        };
        let available = !rng.random_bool(unavailable);
        experts.push(GenExpert {
            city,
            unit,
            subs,
            kws,
            class,
            min_load: false,
            available,
            title,
            name,
        });
    }
    experts
}

/// Each application's own panel size: larger at `large_panel_rate`, else
/// the policy's.
fn draw_panel_sizes(cfg: &GenConfig, na: usize, rng: &mut ChaCha8Rng) -> Vec<Option<u32>> {
    let large = clamp01(cfg.large_panel_rate);
    (0..na)
        .map(|_| {
            if large > 0.0 && rng.random_bool(large) {
                Some(cfg.panel_size.saturating_add(2))
            } else {
                None
            }
        })
        .collect()
}

/// The seats asked for, and the policy `max_load` that gives the capacity
/// margin (see [`scaled_max_load`]).
fn max_load_for_margin(
    cfg: &GenConfig,
    world: &World,
    experts: &[GenExpert],
    app_k: &[Option<u32>],
    app_city: &[u32],
) -> (u64, u32) {
    let n_cities = world.cities.len();
    let mut counts = vec![ClassCounts::default(); n_cities];
    for e in experts.iter().filter(|e| e.available) {
        let c = &mut counts[e.city as usize];
        match e.class {
            LoadClass::Policy => c.policy += 1,
            LoadClass::Low => c.low += 1,
            LoadClass::High => c.high += 1,
        }
    }
    let mut demand = 0u64;
    let mut outside_demand = vec![0u64; n_cities];
    for (j, k) in app_k.iter().enumerate() {
        let k = k.unwrap_or(cfg.panel_size);
        demand += u64::from(k);
        outside_demand[app_city[j] as usize] +=
            u64::from(required_outside(cfg.min_outside_share, cfg.min_outside, k));
    }
    let margin = if cfg.capacity_margin.is_finite() && cfg.capacity_margin >= 1.0 {
        cfg.capacity_margin
    } else {
        1.5
    };
    let ml = scaled_max_load(cfg.max_load, margin, &counts, demand, &outside_demand);
    (demand, ml)
}

/// A few available experts who must take at least one review.
fn mark_min_loads(cfg: &GenConfig, experts: &mut [GenExpert], demand: u64, rng: &mut ChaCha8Rng) {
    let available_ix: Vec<u32> = (0..experts.len() as u32)
        .filter(|&e| experts[e as usize].available)
        .collect();
    let n_min = ((clamp01(cfg.min_load_share) * available_ix.len() as f64).round() as u64)
        .min(demand / 4) as usize;
    for i in index::sample(rng, available_ix.len(), n_min.min(available_ix.len())) {
        experts[available_ix[i] as usize].min_load = true;
    }
}

impl Lookups {
    fn new(world: &World, experts: &[GenExpert]) -> Lookups {
        let mut unit_experts: Vec<Vec<u32>> = vec![Vec::new(); world.geo.units.len()];
        let mut city_experts: Vec<Vec<u32>> = vec![Vec::new(); world.cities.len()];
        let mut disc_experts: Vec<Vec<u32>> = vec![Vec::new(); world.tax.disciplines];
        for (i, e) in experts.iter().enumerate() {
            unit_experts[e.unit as usize].push(i as u32);
            city_experts[e.city as usize].push(i as u32);
            disc_experts[world.tax.discipline_of(e.subs[0])].push(i as u32);
        }
        Lookups {
            unit_experts,
            city_experts,
            disc_experts,
        }
    }
}

/// The applications, one per slot of `app_city`: unit, fields, keywords
/// and a title made of them, a team of new persons (sometimes with an
/// expert of the unit) and an avoid list of competitors.
fn gen_applications(
    cfg: &GenConfig,
    world: &World,
    experts: &[GenExpert],
    lookups: &Lookups,
    app_city: &[u32],
    app_k: &[Option<u32>],
    rng: &mut ChaCha8Rng,
) -> Applicants {
    let (tax, geo) = (&world.tax, &world.geo);
    let (ne, na) = (experts.len(), app_city.len());
    let (tmin, tmax) = {
        let (a, b) = cfg.team_size;
        (a.min(b), a.max(b))
    };
    let team_expert = clamp01(cfg.team_expert_rate);
    let person_width = digits(na.saturating_mul(tmax.max(1))).max(4);
    let mut out = Applicants {
        apps: Vec::with_capacity(na),
        person_ids: Vec::new(),
        person_home: Vec::new(),
    };
    for (j, &city) in app_city.iter().enumerate() {
        let (ids, sizes) = &geo.city_units[city as usize];
        let unit = ids[sizes.sample(rng)];
        let u = &geo.units[unit as usize];
        let primary = if rng.random_bool(0.55) && !u.strengths.is_empty() {
            *pick(&u.strengths, rng).expect("non-empty")
        } else {
            tax.popularity.sample(rng)
        };
        let mut subs = vec![tax.subfield_in(primary, rng)];
        if rng.random_bool(0.3) {
            let s = if rng.random_bool(0.6) {
                tax.sibling(subs[0], rng)
            } else {
                let d = tax.popularity.sample(rng);
                tax.subfield_in(d, rng)
            };
            if !subs.contains(&s) {
                subs.push(s);
            }
        }
        let nk = rng.random_range(3..=5);
        let mut kws = Vec::with_capacity(nk);
        let from_primary = if subs.len() > 1 { nk - 1 } else { nk - 2 };
        draw_distinct(&tax.window[subs[0] as usize], from_primary, rng, &mut kws);
        let rest: &[u32] = match subs.get(1) {
            Some(&s) => &tax.window[s as usize],
            None => &tax.disc_vocab[primary],
        };
        let mut tries = 0;
        while kws.len() < nk && tries < 20 {
            let w = *pick(rest, rng).expect("non-empty vocabulary");
            if !kws.contains(&w) {
                kws.push(w);
            }
            tries += 1;
        }
        let (pre, mid, post) = *pick(tables::TITLE_PATTERNS, rng).expect("non-empty");
        let k0 = &tax.vocab[kws[0] as usize];
        let k1 = &tax.vocab[kws[kws.len().min(2) - 1] as usize];
        let title = format!("{pre}{k0}{mid}{k1}{post}");

        // Team: new persons, sometimes an expert of the applicant's unit.
        let size = rng.random_range(tmin..=tmax);
        let mut team = Vec::with_capacity(size);
        let mut with_expert = None;
        if size > 0 && team_expert > 0.0 && rng.random_bool(team_expert) {
            with_expert = pick(&lookups.unit_experts[unit as usize], rng).copied();
        }
        for t in 0..size {
            if t == 1 || (size == 1 && t == 0) {
                if let Some(e) = with_expert.take() {
                    team.push(PersonIx(e));
                    continue;
                }
            }
            let p = ne + out.person_ids.len();
            out.person_ids.push(format!(
                "P{:0w$}",
                out.person_ids.len() + 1,
                w = person_width
            ));
            out.person_home.push((unit, city));
            team.push(PersonIx(p as u32));
        }

        // Avoid list: competitors of the same discipline elsewhere.
        let n_avoid = match rng.random::<f64>() {
            x if x < 0.6 => 0,
            x if x < 0.8 => 1,
            x if x < 0.92 => 2,
            _ => 3,
        }
        .min(cfg.avoid_max);
        let mut avoid: Vec<ExpertIx> = Vec::with_capacity(n_avoid);
        let pool = &lookups.disc_experts[primary];
        let mut tries = 0;
        while avoid.len() < n_avoid && tries < 8 * n_avoid && !pool.is_empty() {
            let e = *pick(pool, rng).expect("non-empty");
            if experts[e as usize].unit != unit && !avoid.contains(&ExpertIx(e)) {
                avoid.push(ExpertIx(e));
            }
            tries += 1;
        }
        avoid.sort_unstable();

        out.apps.push(GenApp {
            city,
            unit,
            subs,
            kws,
            panel_size: app_k[j],
            title,
            team,
            avoid,
        });
    }
    out
}

/// Declared conflicts: about `conflict_rate` × experts per application,
/// with the application or (sometimes) a member of its team.
fn gen_conflicts(cfg: &GenConfig, apps: &[GenApp], rng: &mut ChaCha8Rng) -> Vec<Conflict> {
    let ne = cfg.experts;
    let pair_rate = clamp01(cfg.conflict_rate);
    let mut conflicts = Vec::new();
    if ne > 0 && pair_rate > 0.0 {
        let mean = pair_rate * ne as f64;
        for (j, app) in apps.iter().enumerate() {
            let team = &app.team;
            let x = mean * rng.random_range(0.5..1.5);
            let mut n = x.floor() as usize;
            if rng.random_bool(x - x.floor()) {
                n += 1;
            }
            for i in index::sample(rng, ne, n.min(ne)) {
                let e = ExpertIx(i as u32);
                let member = team.iter().copied().filter(|p| p.ix() != i);
                let members: Vec<PersonIx> = member.collect();
                let with = if !members.is_empty() && rng.random_bool(0.3) {
                    ConflictWith::Person(*pick(&members, rng).expect("non-empty"))
                } else {
                    ConflictWith::Application(AppIx(j as u32))
                };
                let reason = pick(tables::CONFLICT_REASONS, rng).expect("non-empty");
                conflicts.push(Conflict {
                    expert: e,
                    with,
                    reason: Some(reason.to_string()),
                });
            }
        }
    }
    conflicts
}

/// Co-authorships: team members (at `coauthor_rate`) and experts (at half
/// of it) with experts of their unit, their city or anywhere, each pair
/// once, most with a recent year.
fn gen_coauthorships(
    cfg: &GenConfig,
    experts: &[GenExpert],
    applicants: &Applicants,
    lookups: &Lookups,
    rng: &mut ChaCha8Rng,
) -> Vec<Coauthorship> {
    let ne = experts.len();
    let (unit_experts, city_experts) = (&lookups.unit_experts, &lookups.city_experts);
    let co_rate = clamp01(cfg.coauthor_rate);
    let mut coauthorships = Vec::new();
    let mut seen: BTreeSet<(u32, u32)> = BTreeSet::new();
    let mut link = |a: u32, b: u32, rng: &mut ChaCha8Rng, out: &mut Vec<Coauthorship>| {
        if a == b || !seen.insert((a.min(b), a.max(b))) {
            return;
        }
        let year = if rng.random_bool(0.03) {
            None
        } else {
            Some(cfg.year - rng.random_range(1..=8))
        };
        out.push(Coauthorship {
            a: PersonIx(a),
            b: PersonIx(b),
            year,
        });
    };
    if ne > 0 && co_rate > 0.0 {
        for (p, &(unit, city)) in applicants.person_home.iter().enumerate() {
            if !rng.random_bool(co_rate) {
                continue;
            }
            for _ in 0..rng.random_range(1..=3) {
                let r = rng.random::<f64>();
                let pool: &[u32] = if r < 0.4 && !unit_experts[unit as usize].is_empty() {
                    &unit_experts[unit as usize]
                } else if r < 0.8 && !city_experts[city as usize].is_empty() {
                    &city_experts[city as usize]
                } else {
                    &[]
                };
                let e = match pick(pool, rng) {
                    Some(&e) => e,
                    None => rng.random_range(0..ne as u32),
                };
                link((ne + p) as u32, e, rng, &mut coauthorships);
            }
        }
        for (i, ex) in experts.iter().enumerate() {
            if !rng.random_bool(co_rate / 2.0) {
                continue;
            }
            let (unit, city) = (ex.unit, ex.city);
            for _ in 0..rng.random_range(1..=2) {
                let r = rng.random::<f64>();
                let pool: &[u32] = if r < 0.6 {
                    &unit_experts[unit as usize]
                } else if r < 0.9 {
                    &city_experts[city as usize]
                } else {
                    &[]
                };
                let e = match pick(pool, rng) {
                    Some(&e) => e,
                    None => rng.random_range(0..ne as u32),
                };
                link(i as u32, e, rng, &mut coauthorships);
            }
        }
    }
    coauthorships
}

/// Listed scores: every pair (`dense_affinity`), `sparse_affinity` per
/// application, or none.
fn gen_affinity(
    cfg: &GenConfig,
    tax: &Taxonomy,
    apps: &[GenApp],
    experts: &[GenExpert],
    rng: &mut ChaCha8Rng,
) -> Option<Vec<Affinity>> {
    if cfg.dense_affinity {
        let mut list = Vec::with_capacity(apps.len().saturating_mul(experts.len()));
        for (j, a) in apps.iter().enumerate() {
            for (i, e) in experts.iter().enumerate() {
                list.push(Affinity {
                    application: AppIx(j as u32),
                    expert: ExpertIx(i as u32),
                    score: listed_score(tax, a, e, rng),
                });
            }
        }
        Some(list)
    } else if cfg.sparse_affinity > 0 {
        Some(sparse_affinity(
            cfg.sparse_affinity,
            tax,
            apps,
            experts,
            rng,
        ))
    } else {
        None
    }
}

/// The model: names interned in first-appearance order (experts, then
/// applications; persons: experts, then team members).
#[allow(clippy::too_many_arguments)]
fn assemble(
    cfg: &GenConfig,
    world: &World,
    experts: Vec<GenExpert>,
    applicants: Applicants,
    ml: u32,
    conflicts: Vec<Conflict>,
    coauthorships: Vec<Coauthorship>,
    affinity: Option<Vec<Affinity>>,
) -> Instance {
    let (cities, tax, geo) = (&world.cities, &world.tax, &world.geo);
    let (ne, na) = (experts.len(), applicants.apps.len());
    let mut city_names = Interner::default();
    let mut inst_names = Interner::default();
    let mut city_map = vec![u32::MAX; cities.len()];
    let mut unit_map = vec![u32::MAX; geo.units.len()];
    let mut city_ix = |c: u32, names: &mut Interner| {
        if city_map[c as usize] == u32::MAX {
            city_map[c as usize] = names.intern(&cities[c as usize].0);
        }
        CityIx(city_map[c as usize])
    };
    let mut unit_ix = |u: u32, names: &mut Interner| {
        if unit_map[u as usize] == u32::MAX {
            unit_map[u as usize] = names.intern(&geo.units[u as usize].name);
        }
        InstIx(unit_map[u as usize])
    };
    let strings = |ids: &[u32], table: &[String]| -> Vec<String> {
        ids.iter().map(|&i| table[i as usize].clone()).collect()
    };
    let ew = digits(ne).max(4);
    let aw = digits(na).max(4);
    let mut persons = Interner::default();
    let mut model_experts = Vec::with_capacity(ne);
    for (i, e) in experts.into_iter().enumerate() {
        let id = format!("E{:0w$}", i + 1, w = ew);
        persons.intern(&id);
        let max_load = match e.class {
            LoadClass::Policy => None,
            LoadClass::Low => Some(low_load(ml)),
            LoadClass::High => Some(high_load(ml)),
        };
        model_experts.push(Expert {
            id,
            name: Some(e.name),
            city: city_ix(e.city, &mut city_names),
            institution: unit_ix(e.unit, &mut inst_names),
            fields: strings(&e.subs, &tax.codes),
            keywords: strings(&e.kws, &tax.vocab),
            title: Some(e.title.to_string()),
            max_load,
            min_load: e.min_load.then_some(1),
            available: e.available,
            programmes: Vec::new(),
        });
    }
    for p in &applicants.person_ids {
        persons.intern(p);
    }
    let mut model_apps = Vec::with_capacity(na);
    for (j, a) in applicants.apps.into_iter().enumerate() {
        model_apps.push(Application {
            id: format!("A{:0w$}", j + 1, w = aw),
            title: Some(a.title),
            city: city_ix(a.city, &mut city_names),
            institution: unit_ix(a.unit, &mut inst_names),
            fields: strings(&a.subs, &tax.codes),
            keywords: strings(&a.kws, &tax.vocab),
            panel_size: a.panel_size,
            team: a.team,
            avoid: a.avoid,
            programme: None,
        });
    }
    let mut policy = cfg.policy();
    policy.max_load = ml;
    Instance {
        policy,
        experts: model_experts,
        applications: model_apps,
        conflicts,
        coauthorships,
        affinity,
        cities: city_names,
        institutions: inst_names,
        persons,
        kept: Default::default(),
        programmes: Default::default(),
        history: Default::default(),
    }
}

/// The computed-score formula (score.rs) on integer ids: 0.7 × field fit +
/// 0.3 × keyword fit. Keyword lists are sorted for experts only, so the
/// application side is scanned.
/// `min_affinity` of rounds generated with [`GenConfig::sparse_affinity`].
pub const SPARSE_MIN_AFFINITY: f64 = 0.01;

/// `per_app` listed experts per application: half from those sharing a
/// subfield with it (as many as there are), the rest from the pool; each
/// scored like [`GenConfig::dense_affinity`] scores, in expert order.
fn sparse_affinity(
    per_app: usize,
    tax: &Taxonomy,
    apps: &[GenApp],
    experts: &[GenExpert],
    rng: &mut ChaCha8Rng,
) -> Vec<Affinity> {
    let ne = experts.len();
    let per_app = per_app.min(ne);
    let mut by_sub: std::collections::BTreeMap<u32, Vec<u32>> = std::collections::BTreeMap::new();
    for (i, e) in experts.iter().enumerate() {
        for &s in &e.subs {
            by_sub.entry(s).or_default().push(i as u32);
        }
    }
    let mut list = Vec::with_capacity(apps.len().saturating_mul(per_app));
    let mut chosen: BTreeSet<u32> = BTreeSet::new();
    for (j, a) in apps.iter().enumerate() {
        chosen.clear();
        // Half from experts sharing a subfield (drawn through a random
        // subfield of the application; a few tries, not a scan).
        let want_near = per_app / 2;
        let mut tries = 0;
        while chosen.len() < want_near && tries < 4 * per_app && !a.subs.is_empty() {
            tries += 1;
            let sub = a.subs[rng.random_range(0..a.subs.len())];
            if let Some(v) = by_sub.get(&sub) {
                chosen.insert(v[rng.random_range(0..v.len())]);
            }
        }
        while chosen.len() < per_app {
            chosen.insert(rng.random_range(0..ne as u32));
        }
        for &i in &chosen {
            list.push(Affinity {
                application: AppIx(j as u32),
                expert: ExpertIx(i),
                score: listed_score(tax, a, &experts[i as usize], rng),
            });
        }
    }
    list
}

/// An explicit affinity score: fields and keywords, plus noise, to 4
/// decimals.
fn listed_score(tax: &Taxonomy, a: &GenApp, e: &GenExpert, rng: &mut ChaCha8Rng) -> Score {
    let noise: f64 = rng.random();
    let s = ((0.75 * fit(tax, a, e) + 0.25 * noise) * 10_000.0).round() / 10_000.0;
    Score::from_f64(s).unwrap_or_default()
}

fn fit(tax: &Taxonomy, a: &GenApp, e: &GenExpert) -> f64 {
    let mut field = 0.0;
    for &s in &a.subs {
        if e.subs.contains(&s) {
            field += 1.0;
        } else if e
            .subs
            .iter()
            .any(|&t| tax.discipline_of(t) == tax.discipline_of(s))
        {
            field += 0.5;
        }
    }
    let field = field / a.subs.len().max(1) as f64;
    let hits = a
        .kws
        .iter()
        .filter(|k| e.kws.binary_search(k).is_ok())
        .count();
    let kw = hits as f64 / a.kws.len().max(1) as f64;
    0.7 * field + 0.3 * kw
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apportion_sums_and_keeps_every_city() {
        let w = [1.0, 0.55, 0.5, 0.3, 0.07, 0.06, 0.05, 0.05];
        for n in [0, 1, 7, 16, 100, 1500, 80_000] {
            let c = apportion(n, &w);
            assert_eq!(c.iter().sum::<usize>(), n);
            if n >= 16 {
                assert!(c.iter().all(|&x| x >= 1), "{n}: {c:?}");
            }
        }
        assert_eq!(apportion(10, &[0.0, 0.0]), vec![5, 5]);
        assert_eq!(apportion(3, &[f64::NAN, 1.0]), vec![0, 3]);
    }

    #[test]
    fn scaled_load_meets_margin() {
        let counts = [ClassCounts {
            policy: 10,
            low: 0,
            high: 0,
        }; 2];
        // demand 300 reviews, margin 1.5: 20 experts need 450 → 23 each.
        let ml = scaled_max_load(6, 1.5, &counts, 300, &[0, 0]);
        assert_eq!(ml, 23);
        assert_eq!(scaled_max_load(6, 1.5, &counts, 10, &[0, 0]), 6);
        // Outside: city 0 needs 150 outside reviews from city 1's 10 experts.
        assert_eq!(scaled_max_load(6, 1.5, &counts, 10, &[150, 0]), 23);
    }

    #[test]
    fn more_programmes_than_names_are_refused() {
        let most = history::PROGRAMME_NAMES.len();
        let cfg = |programmes| GenConfig {
            programmes,
            ..GenConfig::default()
        };
        assert_eq!(check_limits(&cfg(most)), Ok(()));
        let m = check_limits(&cfg(most + 1)).unwrap_err();
        assert!(m.contains(&format!("--programmes {}", most + 1)), "{m}");
        assert!(m.contains(&format!("at most {most}")), "{m}");
    }

    #[test]
    fn more_years_than_the_most_are_refused() {
        let cfg = |years| GenConfig {
            years,
            ..GenConfig::default()
        };
        assert_eq!(check_limits(&cfg(history::MAX_YEARS)), Ok(()));
        let m = check_limits(&cfg(history::MAX_YEARS + 1)).unwrap_err();
        assert!(m.contains("--years 11"), "{m}");
        assert!(m.contains("at most 10"), "{m}");
    }

    #[test]
    fn taxonomy_codes_are_nsfc_like() {
        let t = Taxonomy::new(7, 6);
        assert_eq!(t.codes[0], "F0101");
        assert_eq!(t.codes[6 * 6 + 5], "F0706");
        let t = Taxonomy::new(101, 2);
        assert_eq!(t.codes[99 * 2], "E0101");
        assert!(t.window.iter().all(|w| w.len() >= 4));
    }
}

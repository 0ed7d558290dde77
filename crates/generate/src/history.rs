//! Programmes and years of history for generated rounds (`generate
//! --programmes N --years N`): plausible data on which every programme and
//! history rule binds somewhere, while the round stays feasible.
//!
//! * Programmes: the first takes 60% of the applications and asks for more
//!   outside experts (`min_outside_share` 0.6); the second caps each
//!   expert's reviews within it (`max_load` 3); 15% of experts serve one
//!   programme only.
//! * History: in each of the N years before the round, half of the experts
//!   serve, each on 1–10 draws (≈ 3 reviews per expert per year) among
//!   today's applications sharing their field (so institutions and team
//!   members recur, and repeats happen; an application drawn twice for
//!   one expert and year is recorded once, as the history holds one
//!   record per past application and expert); outcomes
//!   are 92% reviewed, 3% late, 4% declined, 1% no-show; 60% of reviews
//!   are rated (3–5, but 1–2 for a few weak reviewers). One expert in ten
//!   already served 1–3 reviews in an earlier round of the same year.
//! * Rules: `avoid_repeat` both with a `repeat_penalty` of 0.1 (a cost, so
//!   the round stays feasible), `max_consecutive_years` N (N ≥ 2),
//!   `max_declines` 1, `min_rating` 2.5, `max_reviews_per_year` the round's
//!   `max_load`, `history_years` N.

use std::collections::BTreeMap;

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::model::{AvoidRepeat, Instance, ProgIx, ProgrammeRules};
use panels_core::history::{History, Outcome, PastReview, ShortText};

/// Pushes `r` unless `records[from..]` (the expert's records of that
/// year so far) already holds its past application: the history holds one
/// record per (past application, expert).
fn keep_once(records: &mut Vec<PastReview>, from: usize, r: PastReview) {
    if !records[from..]
        .iter()
        .any(|q| q.application == r.application)
    {
        records.push(r);
    }
}

/// Most years of history generated: the window (`history_years`) is the
/// years generated, and over a longer one the declines alone (4% of
/// draws, `max_declines` 1) would bar nearly every expert.
pub const MAX_YEARS: usize = 10;

/// Programme names used by the generator, in order.
pub const PROGRAMME_NAMES: &[&str] = &["科技进步奖", "人才计划", "自然科学奖", "技术发明奖"];

/// Splits the applications over `n` programmes (at most
/// [`PROGRAMME_NAMES`]) with their rules, and lets some experts serve one
/// programme only. Seeded; nothing when `n` is 0.
pub fn add_programmes(inst: &mut Instance, n: usize, seed: u64) {
    let n = n.min(PROGRAMME_NAMES.len());
    if n == 0 {
        return;
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x9e06_7a44);
    for name in &PROGRAMME_NAMES[..n] {
        inst.programmes.intern(name);
    }
    for a in &mut inst.applications {
        let p = if n == 1 || rng.random_bool(0.6) {
            0
        } else {
            rng.random_range(1..n)
        };
        a.programme = Some(ProgIx(p as u32));
    }
    for e in &mut inst.experts {
        if n > 1 && rng.random_bool(0.15) {
            e.programmes = vec![ProgIx(rng.random_range(0..n) as u32)];
        }
    }
    let round_share = inst.policy.min_outside_share;
    inst.policy.programmes.insert(
        PROGRAMME_NAMES[0].to_string(),
        ProgrammeRules {
            min_outside_share: Some(round_share.max(0.6)),
            ..ProgrammeRules::default()
        },
    );
    if n > 1 {
        inst.policy.programmes.insert(
            PROGRAMME_NAMES[1].to_string(),
            ProgrammeRules {
                max_load: Some(3.min(inst.policy.max_load)),
                ..ProgrammeRules::default()
            },
        );
    }
    let named: Vec<bool> = (0..n)
        .map(|p| {
            inst.applications
                .iter()
                .any(|a| a.programme == Some(ProgIx(p as u32)))
        })
        .collect();
    // A programme no application names would be refused on loading.
    inst.policy.programmes.retain(|name, _| {
        PROGRAMME_NAMES[..n]
            .iter()
            .position(|x| x == name)
            .is_some_and(|p| named[p])
    });
}

/// Adds `years` years of history before the round's year (2026 when the
/// policy has none) and switches the history rules on (see the module
/// docs). Seeded; nothing when `years` is 0.
pub fn add_history(inst: &mut Instance, years: usize, seed: u64) {
    if years == 0 {
        return;
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x4a15_70e5);
    let year = *inst.policy.year.get_or_insert(2026);
    // Applications by field, to draw past reviews from.
    let mut by_field: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (j, a) in inst.applications.iter().enumerate() {
        for f in &a.fields {
            by_field.entry(f.as_str()).or_default().push(j);
        }
    }
    let weak: Vec<bool> = inst.experts.iter().map(|_| rng.random_bool(0.03)).collect();
    let mut records = Vec::new();
    let n_apps = inst.applications.len();
    let review = |rng: &mut ChaCha8Rng, e: usize, y: i32, round: Option<&str>| {
        let ex = &inst.experts[e];
        let pool = ex
            .fields
            .first()
            .and_then(|f| by_field.get(f.as_str()))
            .filter(|l| !l.is_empty());
        let j = match pool {
            Some(l) => l[rng.random_range(0..l.len())],
            None => rng.random_range(0..n_apps.max(1)),
        };
        let a = &inst.applications[j.min(n_apps.saturating_sub(1))];
        let roll = rng.random_range(0..100);
        let outcome = match roll {
            0..=91 => Outcome::Reviewed,
            92..=94 => Outcome::Late,
            95..=98 => Outcome::Declined,
            _ => Outcome::NoShow,
        };
        let rating = (outcome.served() && rng.random_bool(0.6)).then(|| {
            if weak[e] {
                f64::from(rng.random_range(1..=2))
            } else {
                f64::from(rng.random_range(3..=5))
            }
        });
        PastReview {
            year: y,
            round: round.map(ShortText::from),
            programme: a
                .programme
                .map(|p| ShortText::from(inst.programmes.name(p.0))),
            application: Some(format!("{y}-{}", a.id).into()),
            institution: ShortText::from(inst.institutions.name(a.institution.0)),
            team: a
                .team
                .iter()
                .map(|&p| ShortText::from(inst.persons.name(p.0)))
                .collect(),
            expert: ShortText::from(ex.id.as_str()),
            outcome,
            rating,
        }
    };
    if n_apps > 0 {
        for y in (year - years as i32)..year {
            for e in 0..inst.experts.len() {
                if !rng.random_bool(0.5) {
                    continue;
                }
                let from = records.len();
                for _ in 0..rng.random_range(1..=10) {
                    let r = review(&mut rng, e, y, None);
                    keep_once(&mut records, from, r);
                }
            }
        }
        for e in 0..inst.experts.len() {
            if rng.random_bool(0.1) {
                let from = records.len();
                for _ in 0..rng.random_range(1..=3) {
                    let r = review(&mut rng, e, year, Some("spring"));
                    keep_once(&mut records, from, r);
                }
            }
        }
    }
    let p = &mut inst.policy;
    p.history_years = years as u32;
    p.avoid_repeat = AvoidRepeat::Both;
    p.repeat_penalty = Some(0.1);
    p.max_consecutive_years = (years >= 2).then_some(years as u32);
    p.max_declines = Some(1);
    p.min_rating = Some(2.5);
    p.max_reviews_per_year = Some(p.max_load);
    inst.history = History::resolve(
        records,
        &inst.persons,
        inst.experts.len(),
        &inst.institutions,
    );
}

//! Programmes and history on random tiny and small rounds: the flow equals
//! brute force (tiny) and the MIP (small); every flow answer's certificate
//! bound equals its objective (programme `max_load` rows included); every
//! answer passes `verify`, whose history and programme checks are plain
//! loops of their own.

mod common;

use common::{random_instance, Shape, SMALL, TINY};
use panels::certificate::dual_bound;
use panels::eligibility::Eligibility;
use panels::history::{History, Outcome, PastReview};
use panels::mip::brute::brute_force;
use panels::mip::{solve_mip, MipError, MipOptions};
use panels::model::{AvoidRepeat, Instance, ProgIx, ProgrammeRules};
use panels::solve::{self, Method, SolveError, Solved, Status};
use proptest::prelude::*;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

const PROGRAMMES: [&str; 2] = ["科技进步奖", "人才计划"];

/// A random round with programmes (overrides, experts' lists) and a
/// random history under random history rules, in 2026.
fn round(seed: u64, shape: Shape) -> Instance {
    let mut inst = random_instance(seed, shape);
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x4157_0e11);
    for name in PROGRAMMES {
        inst.programmes.intern(name);
    }
    for a in &mut inst.applications {
        a.programme = rng.random_bool(0.8).then(|| ProgIx(rng.random_range(0..2)));
    }
    for e in &mut inst.experts {
        if rng.random_bool(0.3) {
            e.programmes = vec![ProgIx(rng.random_range(0..2))];
        }
    }
    for (p, name) in PROGRAMMES.iter().enumerate() {
        let named = inst
            .applications
            .iter()
            .any(|a| a.programme == Some(ProgIx(p as u32)));
        if !named || rng.random_bool(0.3) {
            continue;
        }
        let rules = ProgrammeRules {
            panel_size: rng
                .random_bool(0.3)
                .then(|| rng.random_range(1..=shape.max_k)),
            min_outside_share: rng.random_bool(0.3).then_some(0.5),
            max_per_city: rng.random_bool(0.2).then_some(1),
            max_load: rng.random_bool(0.6).then(|| rng.random_range(1..=2)),
            min_affinity: rng.random_bool(0.2).then_some(-0.5),
            ..ProgrammeRules::default()
        };
        inst.policy.programmes.insert(name.to_string(), rules);
    }
    let p = &mut inst.policy;
    p.year = Some(2026);
    p.history_years = rng.random_range(0..=3);
    p.avoid_repeat = [
        AvoidRepeat::Off,
        AvoidRepeat::Institution,
        AvoidRepeat::Team,
        AvoidRepeat::Both,
    ][rng.random_range(0..4)];
    p.repeat_penalty = rng.random_bool(0.4).then_some(0.3);
    p.max_reviews_per_year = rng.random_bool(0.3).then(|| rng.random_range(1..=3));
    p.max_consecutive_years = rng.random_bool(0.3).then(|| rng.random_range(1..=2));
    p.max_declines = rng.random_bool(0.3).then(|| rng.random_range(0..=1));
    p.min_rating = rng.random_bool(0.3).then_some(2.5);
    let n_persons = inst.persons.len();
    let mut records = Vec::new();
    for _ in 0..rng.random_range(0..=3 * shape.experts) {
        let i = rng.random_range(0..inst.institutions.len());
        let team = (0..rng.random_range(0..=2))
            .map(|_| {
                inst.persons
                    .name(rng.random_range(0..n_persons) as u32)
                    .into()
            })
            .collect();
        records.push(PastReview {
            year: rng.random_range(2022..=2027),
            institution: inst.institutions.name(i as u32).into(),
            team,
            expert: format!("E{}", rng.random_range(0..shape.experts + 1)).into(),
            outcome: Outcome::ALL[rng.random_range(0..4)],
            rating: rng
                .random_bool(0.4)
                .then(|| f64::from(rng.random_range(1..=5))),
            ..PastReview::default()
        });
    }
    inst.history = History::resolve(
        records,
        &inst.persons,
        inst.experts.len(),
        &inst.institutions,
    );
    inst
}

fn flow(inst: &Instance) -> Result<Solved, SolveError> {
    solve::solve(inst, &Eligibility::compute(inst), Method::Flow)
}

fn assert_certified(inst: &Instance, s: &Solved) {
    assert_eq!(s.status, Status::Optimal);
    let elig = Eligibility::compute(inst);
    let duals = s
        .certificate
        .as_ref()
        .expect("flow answers carry a certificate")
        .resolve(inst)
        .expect("certificate resolves");
    let d = dual_bound(inst, &elig, &duals).expect("bound evaluates");
    assert_eq!(d, i128::from(s.objective_micro), "dual bound = objective");
}

fn assert_verified(inst: &Instance, s: &Solved) {
    let elig = Eligibility::compute(inst);
    let file = panels::solve::panels_file(inst, &elig, s, String::new());
    let report = panels::verify::verify(inst, &file);
    assert!(report.is_ok(), "verify: {}", report.render(inst));
    assert_eq!(report.objective_micro, s.objective_micro);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn flow_equals_brute_force_with_history_and_programmes(seed in any::<u64>()) {
        let inst = round(seed, TINY);
        let pairs = Eligibility::compute(&inst).pairs(&inst);
        match (flow(&inst), brute_force(&inst, &pairs)) {
            (Ok(s), Some((best, _))) => {
                prop_assert_eq!(s.objective_micro, best);
                assert_certified(&inst, &s);
                assert_verified(&inst, &s);
            }
            (Err(SolveError::Infeasible(_)), None) => {}
            (got, want) => prop_assert!(false, "flow {:?} vs brute {:?}",
                got.map(|s| s.objective_micro), want.map(|w| w.0)),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn flow_equals_mip_with_history_and_programmes(seed in any::<u64>()) {
        let inst = round(seed, SMALL);
        let pairs = Eligibility::compute(&inst).pairs(&inst);
        match (flow(&inst), solve_mip(&inst, &pairs, &MipOptions::default())) {
            (Ok(s), Ok(m)) => {
                prop_assert_eq!(s.objective_micro, m.objective_micro);
                assert_certified(&inst, &s);
                assert_verified(&inst, &s);
            }
            (Err(SolveError::Infeasible(_)), Err(MipError::Infeasible)) => {}
            (got, want) => prop_assert!(false, "flow {:?} vs mip {:?}",
                got.map(|s| s.objective_micro), want.map(|m| m.objective_micro)),
        }
    }
}

/// The random rounds are not degenerate: history and programme rules
/// exclude pairs or cap loads in many of them, and many stay feasible.
#[test]
fn the_random_rounds_exercise_the_rules() {
    let mut feasible = 0;
    let mut history_excludes = 0;
    let mut capped = 0;
    for seed in 0..200u64 {
        let inst = round(seed, SMALL);
        let elig = Eligibility::compute(&inst);
        let counts = elig.conflict_counts(&inst);
        if counts.keys().any(|k| k.is_history()) {
            history_excludes += 1;
        }
        if inst.any_programme_load_cap() {
            capped += 1;
        }
        if flow(&inst).is_ok() {
            feasible += 1;
        }
    }
    assert!(feasible >= 40, "{feasible} feasible");
    assert!(
        history_excludes >= 50,
        "{history_excludes} with history exclusions"
    );
    assert!(capped >= 50, "{capped} with programme caps");
}

/// `barred`, which answers without building the bars, agrees with
/// `bars` for every expert of the random rounds, and some are barred.
#[test]
fn barred_agrees_with_the_bars() {
    let mut barred = 0;
    for seed in 0..300u64 {
        let inst = round(seed, SMALL);
        for e in inst.expert_ixs() {
            let b = panels::history::barred(&inst, e);
            assert_eq!(
                b,
                !panels::history::bars(&inst, e).is_empty(),
                "seed {seed}, expert {e:?}"
            );
            barred += usize::from(b);
        }
    }
    assert!(barred >= 50, "{barred} barred");
}

const MID: Shape = Shape {
    apps: 24,
    experts: 40,
    cities: 3,
    inst_per_city: 3,
    max_k: 3,
};

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Large-round pricing honours exclusions, penalties and programme
    /// levels: on k candidates the optimum equals the dense one, the
    /// eligible pairs are counted exactly, and the certificate is proven.
    #[test]
    fn candidates_reach_the_dense_optimum_with_history(seed in 0u64..1_000_000, k in 1usize..6) {
        use panels::solve::pricing::CandidateChoice;
        use panels::solve::progress::Progress;
        use panels::solve::SolveOptions;
        let inst = round(seed, MID);
        let elig = Eligibility::compute(&inst);
        let dense = solve::solve(&inst, &elig, Method::Flow);
        let opts = SolveOptions {
            method: Method::Flow,
            candidates: CandidateChoice::Top(k),
            progress: Progress::hidden(),
            ..SolveOptions::default()
        };
        match (dense, solve::solve_with(&inst, &elig, &opts)) {
            (Ok(d), Ok(s)) => {
                prop_assert_eq!(d.objective_micro, s.objective_micro);
                // The scans count eligible pairs exactly (programme pools,
                // exclusions, history bars), without enumerating them.
                prop_assert_eq!(s.stats.eligible_pairs, d.stats.eligible_pairs);
                prop_assert!(s.stats.pricing.is_some());
                assert_verified(&inst, &s);
                let file = panels::solve::panels_file(&inst, &elig, &s, String::new());
                let out = panels::verify::check_certificate(&inst, &elig, &file, s.objective_micro);
                prop_assert!(out.is_ok(), "{}", out.describe());
            }
            (Err(SolveError::Infeasible(_)), Err(SolveError::Infeasible(_))) => {}
            (d, s) => prop_assert!(false, "dense {:?} vs candidates {:?}",
                d.map(|x| x.objective_micro), s.map(|x| x.objective_micro)),
        }
    }

    /// The indexed dual bound (large rounds) equals the enumeration with
    /// penalties, exclusions and programme duals.
    #[test]
    fn indexed_dual_bound_equals_enumeration_with_history(seed in 0u64..1_000_000) {
        use panels::certificate::{dual_bound_indexed, Duals};
        use std::collections::BTreeMap;
        let inst = round(seed, MID);
        let elig = Eligibility::compute(&inst);
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let (n_apps, n_exp) = (inst.applications.len(), inst.experts.len());
        let scale = 1_000_000i64;
        let mut d = Duals {
            panel: (0..n_apps).map(|_| rng.random_range(-scale / 2..scale)).collect(),
            city: vec![BTreeMap::new(); n_apps],
            institution: vec![BTreeMap::new(); n_apps],
            max_load: (0..n_exp).map(|_| rng.random_range(0..scale / 2)).collect(),
            min_load: vec![0; n_exp],
            programme: vec![BTreeMap::new(); n_exp],
        };
        for e in 0..n_exp {
            for p in 0..2u32 {
                if inst.programme_max_load(ProgIx(p)).is_some() && rng.random_bool(0.3) {
                    d.programme[e].insert(p, rng.random_range(0..scale / 4));
                }
            }
        }
        prop_assert_eq!(dual_bound_indexed(&inst, &elig, &d), dual_bound(&inst, &elig, &d));
    }
}

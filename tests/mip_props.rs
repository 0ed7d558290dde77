//! Properties of the MIP model (`panels::mip`): on tiny random instances
//! the MIP optimum equals the exhaustive-search optimum, infeasibility
//! agrees, and every MIP answer passes every SPEC.md rule checked here by
//! plain loops.

use std::time::Duration;

use panels::eligibility::{Eligibility, EligiblePairs};
use panels::mip::brute::brute_force;
use panels::mip::{solve_mip, MipError, MipOptions, MipSolution, MipStatus, Model};
use panels::model::{
    Affinity, AppIx, Application, CityIx, Expert, ExpertIx, InstIx, Instance, Interner, Policy,
    Score,
};
use proptest::prelude::*;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Shape of a random instance.
struct Shape {
    apps: usize,
    experts: usize,
    cities: usize,
    institutions: usize,
    max_k: u32,
}

/// A random instance of the given shape: random cities, institutions,
/// loads, panel sizes, outside counts, caps, availability, avoid lists and
/// scores (an affinity list covering most pairs, in [-1, 1]).
fn random_instance(seed: u64, shape: &Shape) -> Instance {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut cities = Interner::default();
    for c in 0..shape.cities {
        cities.intern(&format!("C{c}"));
    }
    let mut institutions = Interner::default();
    for i in 0..shape.institutions {
        institutions.intern(&format!("I{i}"));
    }
    let mut persons = Interner::default();
    let policy = Policy {
        panel_size: rng.random_range(1..=shape.max_k),
        min_outside_share: if rng.random_bool(0.3) { 0.5 } else { 0.0 },
        min_outside: rng.random_range(0..=1),
        max_per_city: rng.random_bool(0.5).then(|| rng.random_range(1..=2)),
        max_per_institution: rng.random_bool(0.4).then(|| rng.random_range(1..=2)),
        max_load: rng.random_range(2..=3),
        min_load: if rng.random_bool(0.1) { 1 } else { 0 },
        avoid_same_institution: rng.random_bool(0.5),
        default_affinity: rng.random_range(-500..=1000) as f64 / 1000.0,
        ..Policy::default()
    };
    let experts: Vec<Expert> = (0..shape.experts)
        .map(|i| {
            let id = format!("E{i}");
            persons.intern(&id);
            Expert {
                id,
                name: None,
                city: CityIx(rng.random_range(0..shape.cities) as u32),
                institution: InstIx(rng.random_range(0..shape.institutions) as u32),
                fields: Vec::new(),
                keywords: Vec::new(),
                title: None,
                max_load: rng.random_bool(0.2).then(|| rng.random_range(0..=3)),
                min_load: rng.random_bool(0.1).then(|| rng.random_range(0..=1)),
                available: rng.random_bool(0.95),
                programmes: Vec::new(),
            }
        })
        .collect();
    let applications: Vec<Application> = (0..shape.apps)
        .map(|j| {
            let avoid = (0..shape.experts)
                .filter(|_| rng.random_bool(0.05))
                .map(|e| ExpertIx(e as u32))
                .collect();
            Application {
                id: format!("A{j}"),
                title: None,
                city: CityIx(rng.random_range(0..shape.cities) as u32),
                institution: InstIx(rng.random_range(0..shape.institutions) as u32),
                fields: Vec::new(),
                keywords: Vec::new(),
                panel_size: rng
                    .random_bool(0.3)
                    .then(|| rng.random_range(0..=shape.max_k)),
                team: Vec::new(),
                avoid,
                programme: None,
            }
        })
        .collect();
    let mut affinity = Vec::new();
    for a in 0..shape.apps {
        for e in 0..shape.experts {
            if rng.random_bool(0.8) {
                // Three decimals, so ties between panels are common.
                let s = rng.random_range(-1000..=1000) as f64 / 1000.0;
                affinity.push(Affinity {
                    application: AppIx(a as u32),
                    expert: ExpertIx(e as u32),
                    score: Score::from_f64(s).expect("score in range"),
                });
            }
        }
    }
    Instance {
        policy,
        experts,
        applications,
        conflicts: Vec::new(),
        coauthorships: Vec::new(),
        affinity: Some(affinity),
        cities,
        institutions,
        persons,
        kept: Default::default(),
        programmes: Default::default(),
        history: Default::default(),
    }
}

/// Every SPEC.md rule, by plain loops; returns the violations.
fn violations(inst: &Instance, elig: &EligiblePairs, panels: &[Vec<ExpertIx>]) -> Vec<String> {
    let mut out = Vec::new();
    if panels.len() != inst.applications.len() {
        out.push(format!(
            "{} panels for {} applications",
            panels.len(),
            inst.applications.len()
        ));
        return out;
    }
    let mut load = vec![0u32; inst.experts.len()];
    for (j, panel) in panels.iter().enumerate() {
        let a = AppIx(j as u32);
        let app = &inst.applications[j];
        if panel.len() != inst.panel_size(a) as usize {
            out.push(format!(
                "A{j}: {} experts, want {}",
                panel.len(),
                inst.panel_size(a)
            ));
        }
        if panel.windows(2).any(|w| w[0] >= w[1]) {
            out.push(format!("A{j}: experts not sorted and distinct: {panel:?}"));
        }
        let mut outside = 0;
        for &e in panel {
            load[e.ix()] += 1;
            if !elig.experts_of(a).contains(&e) {
                out.push(format!("A{j}: E{} not eligible", e.0));
            }
            let ex = &inst.experts[e.ix()];
            if ex.city != app.city {
                outside += 1;
            }
            let same_city = panel
                .iter()
                .filter(|f| inst.experts[f.ix()].city == ex.city)
                .count();
            if let Some(cap) = inst.policy.max_per_city {
                if same_city > cap as usize {
                    out.push(format!("A{j}: {same_city} from city {} > {cap}", ex.city.0));
                }
            }
            let same_inst = panel
                .iter()
                .filter(|f| inst.experts[f.ix()].institution == ex.institution)
                .count();
            if let Some(cap) = inst.policy.max_per_institution {
                if same_inst > cap as usize {
                    out.push(format!(
                        "A{j}: {same_inst} from inst {} > {cap}",
                        ex.institution.0
                    ));
                }
            }
        }
        if outside < inst.min_outside(a) {
            out.push(format!(
                "A{j}: {outside} outside, want {}",
                inst.min_outside(a)
            ));
        }
    }
    for e in inst.expert_ixs() {
        let l = load[e.ix()];
        if l < inst.min_load(e) || l > inst.max_load(e) {
            out.push(format!(
                "E{}: load {l} not in {}..={}",
                e.0,
                inst.min_load(e),
                inst.max_load(e)
            ));
        }
    }
    out
}

/// Score of an assignment, summed from the eligible pairs.
fn total_score(elig: &EligiblePairs, panels: &[Vec<ExpertIx>]) -> i64 {
    let mut total = 0;
    for (j, panel) in panels.iter().enumerate() {
        let a = AppIx(j as u32);
        for e in panel {
            let i = elig
                .experts_of(a)
                .iter()
                .position(|f| f == e)
                .expect("eligible");
            total += elig.scores_of(a)[i].0;
        }
    }
    total
}

/// A tiny shape; panels of up to 3 experts, up to 2 when experts are few
/// (so that about half the random instances are feasible).
fn tiny_shape(apps: usize, experts: usize, cities: usize, institutions: usize) -> Shape {
    Shape {
        apps,
        experts,
        cities,
        institutions,
        max_k: if experts >= 5 { 3 } else { 2 },
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// MIP optimum == brute-force optimum; infeasible ⇔ brute force finds
    /// nothing; the MIP answer passes every rule and its objective is the
    /// sum of its pairs' scores.
    #[test]
    fn mip_matches_brute_force(
        seed in any::<u64>(),
        apps in 1usize..=3,
        experts in 2usize..=6,
        cities in 1usize..=3,
        institutions in 2usize..=4,
    ) {
        let inst = random_instance(seed, &tiny_shape(apps, experts, cities, institutions));
        let elig = Eligibility::compute(&inst).pairs(&inst);
        let brute = brute_force(&inst, &elig);
        let mip = solve_mip(&inst, &elig, &MipOptions::default());
        match (brute, mip) {
            (None, Err(MipError::Infeasible)) => {}
            (Some((best, brute_panels)), Ok(sol)) => {
                prop_assert_eq!(sol.status, MipStatus::Optimal);
                prop_assert_eq!(sol.objective_micro, best);
                prop_assert_eq!(sol.bound_micro, Some(best));
                let v = violations(&inst, &elig, &sol.panels);
                prop_assert!(v.is_empty(), "MIP answer breaks rules: {:?}", v);
                prop_assert_eq!(total_score(&elig, &sol.panels), sol.objective_micro);
                // The brute-force answer is checked by the same loops.
                let v = violations(&inst, &elig, &brute_panels);
                prop_assert!(v.is_empty(), "brute-force answer breaks rules: {:?}", v);
                prop_assert_eq!(total_score(&elig, &brute_panels), best);
            }
            (brute, mip) => prop_assert!(false, "brute {:?} vs MIP {:?}", brute, mip),
        }
    }

    /// Building the model rule by rule is the same as `solve_mip`, and a
    /// warm start (the brute-force optimum) does not change the optimum.
    #[test]
    fn rule_methods_and_warm_start_agree(seed in any::<u64>()) {
        let inst = random_instance(seed, &tiny_shape(3, 6, 2, 3));
        let elig = Eligibility::compute(&inst).pairs(&inst);
        let mut m = Model::new(&inst, &elig);
        m.add_panel_size_rule();
        m.add_outside_rule();
        m.add_city_cap_rule();
        m.add_institution_cap_rule();
        m.add_load_rule();
        let by_rules = m.solve(&MipOptions::default()).map(|s| s.objective_micro);
        let plain = solve_mip(&inst, &elig, &MipOptions::default()).map(|s| s.objective_micro);
        prop_assert_eq!(&by_rules, &plain);
        if let Some((best, panels)) = brute_force(&inst, &elig) {
            let opts = MipOptions { warm_start: Some(panels), ..MipOptions::default() };
            let warm = solve_mip(&inst, &elig, &opts).map(|s| s.objective_micro);
            prop_assert_eq!(warm, Ok(best));
        }
    }
}

/// Dropping rule families can only raise (never lower) the optimum.
#[test]
fn relaxing_rules_never_lowers_the_optimum() {
    let mut compared = 0;
    for seed in 0..40u64 {
        let inst = random_instance(seed, &tiny_shape(3, 6, 2, 3));
        let elig = Eligibility::compute(&inst).pairs(&inst);
        let Ok(full) = solve_mip(&inst, &elig, &MipOptions::default()) else {
            continue;
        };
        let mut m = Model::new(&inst, &elig);
        m.add_panel_size_rule();
        m.add_load_rule();
        let relaxed = m
            .solve(&MipOptions::default())
            .expect("relaxation of a feasible model");
        assert!(
            relaxed.objective_micro >= full.objective_micro,
            "seed {seed}"
        );
        compared += 1;
    }
    assert!(compared >= 10, "only {compared} feasible seeds");
}

/// One application, panel of 2 with at least one outsider: the best home
/// expert plus the only outsider, not the two best home experts; with two
/// outsiders required, infeasible.
#[test]
fn outside_rule_forces_an_outsider() {
    let mut inst = random_instance(7, &tiny_shape(1, 3, 2, 3));
    inst.policy = Policy {
        panel_size: 2,
        min_outside: 1,
        max_load: 1,
        avoid_same_institution: false,
        ..Policy::default()
    };
    inst.applications[0].city = CityIx(0);
    inst.applications[0].panel_size = None;
    inst.applications[0].avoid.clear();
    for (i, ex) in inst.experts.iter_mut().enumerate() {
        ex.available = true;
        ex.max_load = None;
        ex.min_load = None;
        ex.city = CityIx(if i < 2 { 0 } else { 1 });
    }
    let scores = [0.9, 0.8, 0.1];
    inst.affinity = Some(
        scores
            .iter()
            .enumerate()
            .map(|(e, &s)| Affinity {
                application: AppIx(0),
                expert: ExpertIx(e as u32),
                score: Score::from_f64(s).unwrap(),
            })
            .collect(),
    );
    let elig = Eligibility::compute(&inst).pairs(&inst);
    let sol = solve_mip(&inst, &elig, &MipOptions::default()).unwrap();
    assert_eq!(sol.panels, vec![vec![ExpertIx(0), ExpertIx(2)]]);
    assert_eq!(
        sol.objective_micro,
        Score::from_f64(0.9).unwrap().0 + Score::from_f64(0.1).unwrap().0
    );
    inst.policy.min_outside = 2;
    let elig = Eligibility::compute(&inst).pairs(&inst);
    assert_eq!(
        solve_mip(&inst, &elig, &MipOptions::default()),
        Err(MipError::Infeasible)
    );
}

/// A medium instance (20 applications × 30 experts, k = 3): every rule
/// holds, the objective is the sum of the pairs, the bound is above it.
#[test]
fn medium_instance_solves_and_checks_out() {
    let inst = medium_instance(20, 30, 3, 11);
    let elig = Eligibility::compute(&inst).pairs(&inst);
    let opts = MipOptions {
        time_limit: Some(Duration::from_secs(60)),
        ..MipOptions::default()
    };
    let sol: MipSolution = solve_mip(&inst, &elig, &opts).expect("feasible by construction");
    let v = violations(&inst, &elig, &sol.panels);
    assert!(v.is_empty(), "{v:?}");
    assert_eq!(total_score(&elig, &sol.panels), sol.objective_micro);
    if let Some(b) = sol.bound_micro {
        assert!(b >= sol.objective_micro);
    }
}

/// A feasible-by-construction instance: 4 cities, 6 institutions, k
/// experts per application, outside share 1/3, city cap 2, institution
/// cap 1, loads ≤ 3, scores in [0, 1] (millionths).
fn medium_instance(apps: usize, experts: usize, k: u32, seed: u64) -> Instance {
    let mut inst = random_instance(
        seed,
        &Shape {
            apps,
            experts,
            cities: 4,
            institutions: 6,
            max_k: k,
        },
    );
    inst.policy = Policy {
        panel_size: k,
        min_outside_share: 1.0 / 3.0,
        max_per_city: Some(2),
        max_per_institution: Some(1),
        max_load: 3,
        ..Policy::default()
    };
    for ex in &mut inst.experts {
        ex.available = true;
        ex.max_load = None;
        ex.min_load = None;
    }
    for app in &mut inst.applications {
        app.panel_size = None;
        app.avoid.clear();
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    inst.affinity = Some(
        (0..apps)
            .flat_map(|a| (0..experts).map(move |e| (a, e)))
            .map(|(a, e)| Affinity {
                application: AppIx(a as u32),
                expert: ExpertIx(e as u32),
                score: Score(rng.random_range(0..=1_000_000)),
            })
            .collect(),
    );
    inst
}

/// The random instances of the main property are a real mix: a good share
/// feasible (optima compared) and a good share infeasible (infeasibility
/// compared), so neither half of the property is vacuous.
#[test]
fn random_instances_mix_feasible_and_infeasible() {
    let n = 200;
    let mut feasible = 0;
    for seed in 0..n {
        let mut rng = ChaCha8Rng::seed_from_u64(seed + 1000);
        let shape = tiny_shape(
            rng.random_range(1..=3),
            rng.random_range(2..=6),
            rng.random_range(1..=3),
            rng.random_range(2..=4),
        );
        let inst = random_instance(seed, &shape);
        let elig = Eligibility::compute(&inst).pairs(&inst);
        if brute_force(&inst, &elig).is_some() {
            feasible += 1;
        }
    }
    assert!(
        (n / 4..=3 * n / 4).contains(&feasible),
        "{feasible} of {n} feasible"
    );
}

/// A zero time limit stops microlp before it has any assignment: that is
/// `TimeLimit`, not `Infeasible` (which would be a false claim).
#[test]
fn zero_time_limit_is_reported_as_time_limit() {
    let inst = medium_instance(20, 30, 3, 3);
    let elig = Eligibility::compute(&inst).pairs(&inst);
    let opts = MipOptions {
        time_limit: Some(Duration::ZERO),
        ..MipOptions::default()
    };
    assert_eq!(solve_mip(&inst, &elig, &opts), Err(MipError::TimeLimit));
    // The same instance without a limit is feasible.
    assert!(solve_mip(&inst, &elig, &MipOptions::default()).is_ok());
}

/// The time limit of a solve covers the whole solve: a solve that began
/// (its eligibility computed, say) longer ago than its limit leaves the
/// MIP no time, and says so, although the same MIP proves its optimum at
/// once when the limit counts from the call.
#[test]
fn the_time_limit_counts_from_when_the_solve_began() {
    use panels::solve::{solve_with, Method, SolveError, SolveOptions, Status};
    let inst = medium_instance(20, 30, 3, 11);
    let elig = Eligibility::compute(&inst);
    let opts = SolveOptions {
        method: Method::Mip,
        time_limit: Some(Duration::from_secs(30)),
        ..SolveOptions::default()
    };
    let solved = solve_with(&inst, &elig, &opts).expect("feasible by construction");
    assert_eq!(solved.status, Status::Optimal);
    let late = SolveOptions {
        started: std::time::Instant::now().checked_sub(Duration::from_secs(31)),
        ..opts
    };
    assert!(late.started.is_some());
    match solve_with(&inst, &elig, &late) {
        Err(SolveError::Mip(m)) => assert!(m.contains("time limit ran out"), "{m}"),
        other => panic!("expected the time limit, got {other:?}"),
    }
}

/// An instance with no eligible pair at all: feasible (empty panels, score
/// 0) when every panel size is 0, infeasible otherwise.
#[test]
fn no_eligible_pairs() {
    let mut inst = random_instance(3, &tiny_shape(2, 3, 2, 2));
    for ex in &mut inst.experts {
        ex.available = false;
    }
    for app in &mut inst.applications {
        app.panel_size = Some(0);
    }
    let elig = Eligibility::compute(&inst).pairs(&inst);
    assert!(elig.is_empty());
    let sol = solve_mip(&inst, &elig, &MipOptions::default()).unwrap();
    assert_eq!(sol.panels, vec![Vec::<ExpertIx>::new(); 2]);
    assert_eq!((sol.objective_micro, sol.status), (0, MipStatus::Optimal));
    assert_eq!(brute_force(&inst, &elig).map(|b| b.0), Some(0));
    inst.applications[1].panel_size = Some(1);
    let elig = Eligibility::compute(&inst).pairs(&inst);
    assert_eq!(
        solve_mip(&inst, &elig, &MipOptions::default()),
        Err(MipError::Infeasible)
    );
    assert_eq!(brute_force(&inst, &elig), None);
}

/// With the `highs` feature: HiGHS and microlp agree with brute force on
/// tiny instances.
#[cfg(feature = "highs")]
#[test]
fn highs_matches_brute_force() {
    use panels::mip::Backend;
    let opts = MipOptions {
        backend: Backend::Highs,
        ..MipOptions::default()
    };
    let mut feasible = 0;
    for seed in 0..60u64 {
        let inst = random_instance(seed, &tiny_shape(3, 6, 2, 3));
        let elig = Eligibility::compute(&inst).pairs(&inst);
        match (brute_force(&inst, &elig), solve_mip(&inst, &elig, &opts)) {
            (None, Err(MipError::Infeasible)) => {}
            (Some((best, _)), Ok(sol)) => {
                assert_eq!(sol.objective_micro, best, "seed {seed}");
                assert_eq!(sol.status, MipStatus::Optimal, "seed {seed}");
                assert!(violations(&inst, &elig, &sol.panels).is_empty());
                feasible += 1;
            }
            (b, m) => panic!("seed {seed}: brute {b:?} vs HiGHS {m:?}"),
        }
    }
    assert!(feasible >= 10, "only {feasible} feasible seeds");
}

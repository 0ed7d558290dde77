//! Large-round machinery on mid-size instances, held to the dense answer:
//! candidates + pricing reach the same optimum as the network over all
//! eligible pairs (computed scores and affinity lists, K forced small or
//! tiny), pricing adds the arcs the small K left out, the certificate
//! verifies, and the indexed dual bound of `verify --certificate` is the
//! same number as the full enumeration.

mod common;

use std::collections::BTreeMap;

use common::{random_instance, Shape};
use panels::certificate::{dual_bound, dual_bound_indexed, Duals};
use panels::eligibility::Eligibility;
use panels::generate::{generate, preset, GenConfig};
use panels::model::{Instance, Score};
use panels::solve::pricing::{CandidateChoice, PricingStats};
use panels::solve::progress::Progress;
use panels::solve::{self, Method, SolveError, SolveOptions};
use panels::verify::{check_certificate, verify, CertificateOutcome};
use proptest::prelude::*;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

const MID: Shape = Shape {
    apps: 24,
    experts: 40,
    cities: 3,
    inst_per_city: 3,
    max_k: 3,
};

/// Solves densely and on `k` candidates; asserts equal optima, a verified
/// file and a proven certificate. `None` when both say infeasible.
fn same_optimum(inst: &Instance, k: usize) -> Option<PricingStats> {
    same_optimum_with(inst, k, None)
}

/// [`same_optimum`], with rounds of `uncapped_start_from` candidate pairs
/// or more first solved without their group caps.
fn same_optimum_with(
    inst: &Instance,
    k: usize,
    uncapped_start_from: Option<usize>,
) -> Option<PricingStats> {
    let elig = Eligibility::compute(inst);
    let dense = solve::solve(inst, &elig, Method::Flow);
    let opts = SolveOptions {
        method: Method::Flow,
        candidates: CandidateChoice::Top(k),
        progress: Progress::hidden(),
        dump_network: None,
        uncapped_start_from,
        ..SolveOptions::default()
    };
    let sparse = solve::solve_with(inst, &elig, &opts);
    match (dense, sparse) {
        (Ok(d), Ok(s)) => {
            assert_eq!(d.objective_micro, s.objective_micro, "K = {k}");
            assert_eq!(s.status, solve::Status::Optimal);
            let file = panels::solve::panels_file(inst, &elig, &s, String::new());
            let report = verify(inst, &file);
            assert!(report.is_ok(), "{}", report.render(inst));
            let outcome = check_certificate(inst, &elig, &file, report.objective_micro);
            assert!(
                matches!(outcome, CertificateOutcome::Proven { .. }),
                "{outcome:?}"
            );
            let mut stats = s.stats.pricing.expect("solved on candidates");
            assert_eq!(stats.optimal_over, "all eligible pairs");
            assert_eq!(s.stats.eligible_pairs, d.stats.eligible_pairs);
            // Networks grown in place by group nodes, noted for the tests
            // below.
            for p in &s.stats.profile.phases {
                if p.name.starts_with("extend.")
                    && !p.detail.ends_with(" 0 group node(s) added in place")
                {
                    stats.notes.push("grown".into());
                }
                // Applications priced again from their last re-scan's
                // pairs, without scanning the pool.
                let repriced = p
                    .detail
                    .split(", ")
                    .find_map(|part| part.strip_suffix(" re-priced from their last scan"))
                    .and_then(|n| n.parse::<usize>().ok());
                if p.name.starts_with("pricing.") && repriced.is_some_and(|n| n > 0) {
                    stats.notes.push("repriced".into());
                }
                if p.name == "network.1" && p.detail.contains("from the optimum without group caps")
                {
                    stats.notes.push("seeded".into());
                    if p.detail.contains("along its tree") {
                        stats.notes.push("along its tree".into());
                    }
                }
            }
            Some(stats)
        }
        (Err(SolveError::Infeasible(_)), Err(SolveError::Infeasible(_))) => None,
        (d, s) => panic!(
            "dense and candidates disagree (K = {k}): {:?} vs {:?}",
            d.map(|x| x.objective_micro),
            s.map(|x| x.objective_micro)
        ),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// Random rules (caps, floors, outside shares, conflicts, partial
    /// affinity lists with negative defaults, min_affinity): same optimum.
    #[test]
    fn candidates_reach_the_dense_optimum(seed in 0u64..1_000_000, k in 1usize..8, min_aff in proptest::option::of(-300i64..300)) {
        let mut inst = random_instance(seed, MID);
        inst.policy.min_affinity = min_aff.map(|m| m as f64 / 1000.0);
        same_optimum(&inst, k);
    }
}

/// NSFC-shaped round (computed scores from fields and keywords), small.
fn nsfc_like(seed: u64, apps: usize, experts: usize, k: u32) -> Instance {
    let cfg = GenConfig {
        applications: apps,
        experts,
        panel_size: k,
        fields: 6,
        subfields: 4,
        ..preset("nsfc").expect("preset")
    }
    .seed(seed);
    generate(&cfg)
}

#[test]
fn computed_scores_same_optimum_and_tiny_k_adds_arcs() {
    let mut added = 0;
    let mut solved = 0;
    for seed in 0..4 {
        let inst = nsfc_like(seed, 200, 150, 3);
        for k in [3, 6, 40] {
            if let Some(stats) = same_optimum(&inst, k) {
                solved += 1;
                if k == 3 {
                    added += stats.arcs_added;
                }
            }
        }
    }
    assert!(solved >= 6, "most of these rounds are feasible");
    assert!(added > 0, "K = panel size leaves arcs for pricing to add");
}

#[test]
fn sparse_affinity_lists_with_min_affinity_same_optimum() {
    for seed in 0..4u64 {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut inst = generate(
            &GenConfig {
                applications: 120,
                experts: 160,
                panel_size: 3,
                ..preset("dense-300").expect("preset")
            }
            .seed(seed),
        );
        // Keep about a quarter of the pairs listed.
        if let Some(list) = inst.affinity.as_mut() {
            list.retain(|_| rng.random_bool(0.25));
        }
        inst.policy.default_affinity = [0.0, 0.05, -0.1][seed as usize % 3];
        inst.policy.min_affinity = (seed % 2 == 1).then_some(0.02);
        for k in [3, 12] {
            same_optimum(&inst, k);
        }
    }
}

/// Random duals (negative panel duals, floors, caps) on instances with and
/// without affinity lists: the index path sums the same bound.
#[test]
fn indexed_dual_bound_equals_enumeration() {
    for seed in 0..24u64 {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let inst = if seed % 2 == 0 {
            nsfc_like(seed, 60, 80, 3)
        } else {
            random_instance(seed, MID)
        };
        let elig = Eligibility::compute(&inst);
        let n_apps = inst.applications.len();
        let n_exp = inst.experts.len();
        let scale = 1_000_000i64;
        let mut d = Duals {
            panel: (0..n_apps)
                .map(|_| rng.random_range(-scale / 2..scale))
                .collect(),
            city: vec![BTreeMap::new(); n_apps],
            institution: vec![BTreeMap::new(); n_apps],
            programme: vec![BTreeMap::new(); n_exp],
            max_load: (0..n_exp)
                .map(|_| {
                    if rng.random_bool(0.5) {
                        0
                    } else {
                        rng.random_range(0..scale / 2)
                    }
                })
                .collect(),
            min_load: vec![0; n_exp],
        };
        for e in 0..n_exp {
            if rng.random_bool(0.05) {
                d.max_load[e] = 0;
                d.min_load[e] = rng.random_range(1..scale);
            }
        }
        for a in 0..n_apps {
            if rng.random_bool(0.3) {
                let c = rng.random_range(0..inst.cities.len()) as u32;
                d.city[a].insert(c, rng.random_range(0..scale / 4));
            }
            if rng.random_bool(0.2) {
                let i = rng.random_range(0..inst.institutions.len()) as u32;
                d.institution[a].insert(i, rng.random_range(0..scale / 4));
            }
        }
        assert_eq!(
            dual_bound_indexed(&inst, &elig, &d),
            dual_bound(&inst, &elig, &d),
            "seed {seed}"
        );
    }
}

#[test]
fn candidate_choice_parses() {
    assert_eq!("all".parse(), Ok(CandidateChoice::All));
    assert_eq!("auto".parse(), Ok(CandidateChoice::Auto));
    assert_eq!("25".parse(), Ok(CandidateChoice::Top(25)));
    assert!("0".parse::<CandidateChoice>().is_err());
    assert!("many".parse::<CandidateChoice>().is_err());
    let _ = Score(0);
}

/// The random rounds above are not vacuous: many are feasible, small K
/// makes pricing add arcs, and restricted networks that are infeasible
/// get more candidates rather than a false "infeasible".
#[test]
fn random_rounds_exercise_pricing_and_expansion() {
    let (mut feasible, mut infeasible, mut added, mut expansions) = (0, 0, 0, 0);
    let (mut warm_with_caps, mut grown, mut repriced) = (0, 0, 0);
    for seed in 0..100u64 {
        let inst = random_instance(seed, MID);
        let capped =
            inst.policy.max_per_city.is_some() || inst.policy.max_per_institution.is_some();
        match same_optimum(&inst, 1 + (seed as usize % 7)) {
            Some(s) => {
                feasible += 1;
                added += s.arcs_added;
                expansions += s.candidate_expansions;
                if capped {
                    warm_with_caps += s.warm_starts;
                }
                grown += s.notes.iter().filter(|n| *n == "grown").count();
                repriced += s.notes.iter().filter(|n| *n == "repriced").count();
            }
            None => infeasible += 1,
        }
    }
    assert!(
        feasible > 20 && infeasible > 0,
        "{feasible} feasible, {infeasible} infeasible"
    );
    assert!(
        added > 0 && expansions > 0,
        "{added} arcs added, {expansions} expansions"
    );
    // Pairs added under a cap whose group had no pair keep the warm start.
    assert!(warm_with_caps > 0, "no warm start in a round with caps");
    // Pairs that need a new group node get it in the running network
    // (and the dense optimum is still reached, checked above).
    assert!(grown > 0, "no network grew a group node in place");
    // Applications failing the bound test again are priced from their
    // last re-scan's pairs (and the optimum is still the dense one).
    assert!(repriced > 0, "no pricing pass re-priced from a kept scan");
}

/// Same input, same bytes: the candidates are scanned on several threads,
/// the file must not show it; `stats.pricing` carries counts only.
#[test]
fn candidate_solves_are_deterministic_and_auto_stays_dense_when_small() {
    let inst = nsfc_like(7, 150, 120, 3);
    let elig = Eligibility::compute(&inst);
    let bytes = |choice: CandidateChoice| {
        let opts = SolveOptions {
            method: Method::Auto,
            candidates: choice,
            progress: Progress::hidden(),
            dump_network: None,
            ..SolveOptions::default()
        };
        let s = solve::solve_with(&inst, &elig, &opts).expect("feasible");
        let file = panels::solve::panels_file(&inst, &elig, &s, String::new());
        (
            serde_json::to_vec(&file).expect("json"),
            s.stats.pricing.is_some(),
        )
    };
    let (a, sparse_a) = bytes(CandidateChoice::Top(5));
    let (b, _) = bytes(CandidateChoice::Top(5));
    assert!(sparse_a);
    assert_eq!(a, b);
    let text = String::from_utf8(a).expect("utf8");
    assert!(
        text.contains("\"pricing_rounds\""),
        "stats.pricing in the file"
    );
    assert!(!text.contains("seconds"), "no timings in the file");
    let (_, sparse_auto) = bytes(CandidateChoice::Auto);
    assert!(!sparse_auto, "a small round is solved on all pairs");
}

/// Rounds with caps first solved without them (as large rounds are: see
/// `pricing::UNCAPPED_START_FROM`), their panels cut to the caps and
/// their optimal tree starting the capped solve: the same optimum as the dense solve, proven
/// and verified, on random rules and on Yangtze-capped rounds with
/// computed scores; the start is taken in most of them.
#[test]
fn capped_rounds_started_from_the_uncapped_optimum_reach_the_dense_optimum() {
    let (mut capped, mut seeded) = (0, 0);
    for seed in 0..120u64 {
        let inst = random_instance(seed, MID);
        if inst.policy.max_per_city.is_none() && inst.policy.max_per_institution.is_none() {
            continue;
        }
        capped += 1;
        if let Some(s) = same_optimum_with(&inst, 1 + (seed as usize % 7), Some(0)) {
            seeded += s.notes.iter().filter(|n| *n == "seeded").count();
        }
    }
    let (mut yangtze_seeded, mut yangtze_along) = (0, 0);
    for seed in 0..6u64 {
        let cfg = GenConfig {
            applications: 240,
            experts: 160,
            ..preset("nsfc-yangtze").expect("preset")
        }
        .seed(seed);
        let inst = generate(&cfg);
        for k in [5, 12] {
            if let Some(s) = same_optimum_with(&inst, k, Some(0)) {
                yangtze_seeded += s.notes.iter().filter(|n| *n == "seeded").count();
                yangtze_along += s.notes.iter().filter(|n| *n == "along its tree").count();
            }
        }
    }
    assert!(
        capped > 20 && seeded > 10,
        "{capped} capped rounds, {seeded} seeded"
    );
    assert!(yangtze_seeded > 4, "{yangtze_seeded} Yangtze rounds seeded");
    // The start follows the uncapped optimal tree (the fallback, its
    // panels only, is there for bases the simplex refuses).
    assert!(
        yangtze_along == yangtze_seeded,
        "{yangtze_along} of {yangtze_seeded} Yangtze rounds seeded along the uncapped tree"
    );
}

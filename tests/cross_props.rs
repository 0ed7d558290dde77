//! Crossing rules across methods: on tiny random instances with
//! random crossing rules, the MIP optimum equals exhaustive search, the
//! whole solve path agrees, the Lagrangian bound is never below the
//! optimum and its answers pass `verify`.

mod common;

use common::{random_instance, with_crossing_rules, SMALL, TINY};
use panels::eligibility::Eligibility;
use panels::mip::brute::brute_force;
use panels::mip::cross::solve_crossing;
use panels::mip::{MipError, MipOptions, MipStatus};
use panels::model::Instance;
use panels::solve::lagrange::{solve_lagrange, LagrangeOptions};
use panels::solve::{solve_with, Method, SolveError, SolveOptions, Solved, Status};
use proptest::prelude::*;

/// `verify` on a solved round, as the CLI would write it.
fn verify_ok(inst: &Instance, solved: &Solved) -> Result<(), String> {
    let elig = Eligibility::compute(inst);
    let file = panels::solve::panels_file(inst, &elig, solved, "test".into());
    let report = panels::verify::verify(inst, &file);
    if report.is_ok() {
        Ok(())
    } else {
        Err(report.render(inst))
    }
}

fn as_solved(panels: Vec<Vec<panels::model::ExpertIx>>, objective: i64, bound: i64) -> Solved {
    Solved {
        panels,
        objective_micro: objective,
        bound_micro: Some(bound),
        status: if objective == bound {
            Status::Optimal
        } else {
            Status::Feasible
        },
        certificate: None,
        solver: "test",
        stats: Default::default(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// MIP (lazy co-panel rows) == brute force, and `solve` (auto) agrees
    /// and passes `verify`.
    #[test]
    fn mip_and_solve_match_brute_force(seed in any::<u64>()) {
        let inst = with_crossing_rules(random_instance(seed, TINY), seed, true);
        let elig = Eligibility::compute(&inst);
        let pairs = elig.pairs(&inst);
        let brute = brute_force(&inst, &pairs);
        let mip = solve_crossing(&inst, &pairs, &MipOptions::default());
        let solved = solve_with(&inst, &elig, &SolveOptions::default());
        match (&brute, mip, solved) {
            (None, Err(MipError::Infeasible), Err(SolveError::Infeasible(why))) => {
                prop_assert!(!why.findings.is_empty());
            }
            (Some((opt, _)), Ok(sol), Ok(s)) => {
                prop_assert_eq!(sol.status, MipStatus::Optimal);
                prop_assert_eq!(sol.objective_micro, *opt);
                prop_assert_eq!(s.status, Status::Optimal);
                prop_assert_eq!(s.objective_micro, *opt);
                prop_assert_eq!(s.bound_micro, Some(*opt));
                if let Err(r) = verify_ok(&inst, &s) {
                    prop_assert!(false, "verify failed:\n{}", r);
                }
                let m = as_solved(sol.panels, sol.objective_micro, sol.objective_micro);
                if let Err(r) = verify_ok(&inst, &m) {
                    prop_assert!(false, "verify failed on the MIP answer:\n{}", r);
                }
            }
            (b, m, s) => prop_assert!(
                false,
                "disagree: brute {:?}, mip {:?}, solve {:?}",
                b.as_ref().map(|x| x.0),
                m.map(|x| x.objective_micro),
                s.map(|x| x.objective_micro)
            ),
        }
    }

    /// The Lagrangian bound is at least the optimum; its answer obeys every
    /// rule and scores at most the optimum; it never answers an infeasible
    /// round.
    #[test]
    fn lagrangian_bound_and_answer_are_honest(seed in any::<u64>()) {
        let inst = with_crossing_rules(random_instance(seed, TINY), seed, true);
        let elig = Eligibility::compute(&inst);
        let pairs = elig.pairs(&inst);
        let brute = brute_force(&inst, &pairs);
        let lag = solve_lagrange(&inst, &pairs, &LagrangeOptions::default());
        match (brute, lag) {
            (Some((opt, _)), Ok(sol)) => {
                prop_assert!(sol.bound_micro >= opt, "bound {} < optimum {}", sol.bound_micro, opt);
                prop_assert!(sol.flow_bound_micro >= sol.bound_micro);
                prop_assert!(sol.objective_micro <= opt);
                let s = as_solved(sol.panels, sol.objective_micro, sol.bound_micro);
                if let Err(r) = verify_ok(&inst, &s) {
                    prop_assert!(false, "verify failed:\n{}", r);
                }
            }
            (None, Ok(sol)) => prop_assert!(false, "answered an infeasible round: {:?}", sol.panels),
            (_, Err(_)) => {}
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// The soft city bonus alone stays in the flow: its proven optimum
    /// equals exhaustive search, with the bonus counted the same way.
    #[test]
    fn flow_with_city_bonus_matches_brute_force(seed in any::<u64>(), bonus in 1..400u32) {
        let mut inst = random_instance(seed, TINY);
        inst.policy.bonus_per_city = f64::from(bonus) / 1000.0;
        let elig = Eligibility::compute(&inst);
        let pairs = elig.pairs(&inst);
        let brute = brute_force(&inst, &pairs);
        let flow = solve_with(&inst, &elig, &SolveOptions { method: Method::Flow, ..Default::default() });
        match (brute, flow) {
            (None, Err(SolveError::Infeasible(_))) => {}
            (Some((opt, _)), Ok(s)) => {
                prop_assert_eq!(s.status, Status::Optimal);
                prop_assert_eq!(s.objective_micro, opt);
                prop_assert!(s.certificate.is_none());
                if let Err(r) = verify_ok(&inst, &s) {
                    prop_assert!(false, "verify failed:\n{}", r);
                }
            }
            (b, f) => prop_assert!(false, "disagree: brute {:?}, flow {:?}", b.map(|x| x.0), f.map(|x| x.objective_micro)),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Small instances: the MIP (started from the repaired flow answer and
    /// bounded by the flow) is optimal, and the Lagrangian bound is above it.
    #[test]
    fn lagrangian_bound_is_above_the_mip_optimum(seed in any::<u64>()) {
        let inst = with_crossing_rules(random_instance(seed, SMALL), seed, true);
        let elig = Eligibility::compute(&inst);
        let pairs = elig.pairs(&inst);
        let opts = SolveOptions { method: Method::Mip, ..Default::default() };
        let Ok(mip) = solve_with(&inst, &elig, &opts) else { return Ok(()) };
        prop_assert_eq!(mip.status, Status::Optimal);
        if let Err(r) = verify_ok(&inst, &mip) {
            prop_assert!(false, "verify failed on the MIP:\n{}", r);
        }
        if let Ok(sol) = solve_lagrange(&inst, &pairs, &LagrangeOptions::default()) {
            prop_assert!(sol.bound_micro >= mip.objective_micro);
            prop_assert!(sol.objective_micro <= mip.objective_micro);
            let s = as_solved(sol.panels, sol.objective_micro, sol.bound_micro);
            if let Err(r) = verify_ok(&inst, &s) {
                prop_assert!(false, "verify failed:\n{}", r);
            }
        }
    }
}

/// The repair is a heuristic, but on feasible tiny rounds it should find
/// an answer most of the time: count it over fixed seeds. Also checks that
/// the random rules do bind (the optimum drops below the optimum without
/// the crossing rules) in some rounds, so the properties above are not
/// vacuous.
#[test]
fn crossing_rules_bind_and_repair_usually_succeeds() {
    let (mut feasible, mut found, mut binding) = (0, 0, 0);
    for seed in 0..120u64 {
        let inst = with_crossing_rules(random_instance(seed, TINY), seed, true);
        let elig = Eligibility::compute(&inst);
        let pairs = elig.pairs(&inst);
        let Some((opt, _)) = brute_force(&inst, &pairs) else {
            continue;
        };
        let mut plain = inst.clone();
        plain.policy.min_senior = 0;
        plain.policy.cover_fields = false;
        plain.policy.min_outside_share_round = None;
        plain.policy.min_outside_share_by_city.clear();
        plain.policy.max_copanel = None;
        let (plain_opt, _) = brute_force(&plain, &pairs).expect("a relaxation stays feasible");
        assert!(plain_opt >= opt);
        if plain_opt > opt {
            binding += 1;
        }
        feasible += 1;
        if solve_lagrange(&inst, &pairs, &LagrangeOptions::default()).is_ok() {
            found += 1;
        }
    }
    eprintln!("lagrangian repair: {found} of {feasible} feasible rounds; rules bind in {binding}");
    assert!(
        feasible >= 20,
        "too few feasible rounds to judge ({feasible})"
    );
    assert!(
        binding >= 5,
        "the crossing rules bind in only {binding} rounds"
    );
    assert!(2 * found >= feasible, "repair found {found} of {feasible}");
}

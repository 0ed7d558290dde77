//! The exact solver against brute force (tiny instances) and the good_lp MIP
//! (small ones), over many seeds. Every flow answer carries a certificate
//! whose dual bound, recomputed in model terms, equals its objective; every
//! answer passes `verify`.

mod common;

use common::{random_instance, SMALL, TINY};
use panels::certificate::dual_bound;
use panels::eligibility::Eligibility;
use panels::mip::brute::brute_force;
use panels::mip::{solve_mip, MipError, MipOptions};
use panels::model::Instance;
use panels::solve::{self, Method, SolveError, Solved, Status};
use proptest::prelude::*;

fn flow(inst: &Instance) -> Result<Solved, SolveError> {
    let elig = Eligibility::compute(inst);
    solve::solve(inst, &elig, Method::Flow)
}

/// The certificate's model-level bound equals the objective.
fn assert_certified(inst: &Instance, s: &Solved) {
    assert_eq!(s.status, Status::Optimal);
    let elig = Eligibility::compute(inst);
    let cert = s
        .certificate
        .as_ref()
        .expect("flow answers carry a certificate");
    let duals = cert.resolve(inst).expect("certificate resolves");
    let d = dual_bound(inst, &elig, &duals).expect("bound evaluates");
    assert_eq!(
        d,
        i128::from(s.objective_micro),
        "dual bound must equal the objective"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn flow_equals_brute_force_on_tiny_instances(seed in any::<u64>()) {
        let inst = random_instance(seed, TINY);
        let elig = Eligibility::compute(&inst);
        let pairs = elig.pairs(&inst);
        let brute = brute_force(&inst, &pairs);
        match (flow(&inst), brute) {
            (Ok(s), Some((best, _))) => {
                prop_assert_eq!(s.objective_micro, best);
                assert_certified(&inst, &s);
                common_verify(&inst, &s);
            }
            (Err(SolveError::Infeasible(_)), None) => {}
            (got, want) => prop_assert!(false, "flow {:?} vs brute {:?}", got.map(|s| s.objective_micro), want.map(|w| w.0)),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn flow_equals_mip_on_small_instances(seed in any::<u64>()) {
        let inst = random_instance(seed, SMALL);
        let elig = Eligibility::compute(&inst);
        let pairs = elig.pairs(&inst);
        let mip = solve_mip(&inst, &pairs, &MipOptions::default());
        match (flow(&inst), mip) {
            (Ok(s), Ok(m)) => {
                prop_assert_eq!(s.objective_micro, m.objective_micro);
                assert_certified(&inst, &s);
                common_verify(&inst, &s);
            }
            (Err(SolveError::Infeasible(_)), Err(MipError::Infeasible)) => {}
            (got, want) => prop_assert!(false, "flow {:?} vs mip {:?}", got.map(|s| s.objective_micro), want.map(|m| m.objective_micro)),
        }
    }
}

/// Every answer passes the independent checker.
fn common_verify(inst: &Instance, s: &Solved) {
    let elig = Eligibility::compute(inst);
    let file = panels::solve::panels_file(inst, &elig, s, String::new());
    let report = panels::verify::verify(inst, &file);
    assert!(report.is_ok(), "verify: {}", report.render(inst));
}

/// The random shapes are not degenerate: many are feasible, some are not,
/// so both branches of the properties above are exercised.
#[test]
fn random_shapes_mix_feasible_and_infeasible() {
    for shape in [TINY, SMALL] {
        let feasible = (0..200u64)
            .filter(|&s| flow(&random_instance(s, shape)).is_ok())
            .count();
        assert!(
            (40..=190).contains(&feasible),
            "{feasible} of 200 feasible for {shape:?}"
        );
    }
}

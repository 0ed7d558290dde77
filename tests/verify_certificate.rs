//! `verify --certificate`: the LP duals a flow solve writes prove its
//! objective optimal; tampered duals are caught or prove only a weaker bound.

mod common;

use common::{random_instance, SMALL};
use panels::certificate::DualCertificate;
use panels::eligibility::Eligibility;
use panels::model::Instance;
use panels::solve::{self, Method};
use panels::verify::{check_certificate, verify, CertificateOutcome};

/// A feasible random instance, its panels file and eligibility.
fn solved(seed_from: u64) -> (Instance, panels::io::panels::PanelsFile, Eligibility) {
    for seed in seed_from.. {
        let inst = random_instance(seed, SMALL);
        let elig = Eligibility::compute(&inst);
        if let Ok(s) = solve::solve(&inst, &elig, Method::Flow) {
            let file = panels::solve::panels_file(&inst, &elig, &s, String::new());
            return (inst, file, elig);
        }
    }
    unreachable!()
}

fn outcome(
    inst: &Instance,
    elig: &Eligibility,
    file: &panels::io::panels::PanelsFile,
) -> CertificateOutcome {
    let report = verify(inst, file);
    check_certificate(inst, elig, file, report.objective_micro)
}

#[test]
fn solver_certificates_prove_optimality() {
    for start in [0, 100, 200, 300, 400] {
        let (inst, file, elig) = solved(start);
        let got = outcome(&inst, &elig, &file);
        assert!(matches!(got, CertificateOutcome::Proven { .. }), "{got:?}");
        assert!(got.is_ok());
    }
}

#[test]
fn raising_a_dual_proves_only_a_weaker_bound_and_fails_an_optimal_claim() {
    let (inst, mut file, elig) = solved(7);
    let mut cert: DualCertificate =
        serde_json::from_value(file.certificate.clone().unwrap()).unwrap();
    // A larger u_a raises the bound by k_a (z can only absorb part of it).
    let first = inst.applications[0].id.clone();
    match cert
        .applications
        .iter_mut()
        .find(|a| a.application == first)
    {
        Some(a) => a.panel += 5_000_000,
        None => cert
            .applications
            .push(panels::certificate::ApplicationDual {
                application: first,
                panel: 5_000_000,
                ..Default::default()
            }),
    }
    // With its stated dual objective stale, the certificate contradicts
    // itself; restated, it proves only a weaker bound.
    file.certificate = Some(serde_json::to_value(&cert).unwrap());
    let got = outcome(&inst, &elig, &file);
    assert!(
        matches!(&got, CertificateOutcome::Invalid(why) if why.contains("dual objective")),
        "{got:?}"
    );
    let duals = cert.resolve(&inst).unwrap();
    cert.dual_objective =
        panels::certificate::dual_bound_fast(&inst, &elig, &duals).unwrap() as i64;
    file.certificate = Some(serde_json::to_value(&cert).unwrap());
    let got = outcome(&inst, &elig, &file);
    assert!(
        matches!(got, CertificateOutcome::BoundOnly { .. }),
        "{got:?}"
    );
    assert!(!got.is_ok(), "an optimal claim needs bound = objective");
    file.status = "feasible".into();
    assert!(
        outcome(&inst, &elig, &file).is_ok(),
        "a valid bound backs a feasible claim"
    );
}

#[test]
fn negative_capacity_duals_and_unknown_names_are_invalid() {
    let (inst, file, elig) = solved(11);
    let mut cert: DualCertificate =
        serde_json::from_value(file.certificate.clone().unwrap()).unwrap();
    cert.experts.push(panels::certificate::ExpertDual {
        expert: inst.experts[0].id.clone(),
        max_load: -1,
        min_load: 0,
        programmes: Default::default(),
    });
    let mut bad = file.clone();
    bad.certificate = Some(serde_json::to_value(&cert).unwrap());
    let got = outcome(&inst, &elig, &bad);
    assert!(
        matches!(&got, CertificateOutcome::Invalid(m) if m.contains("negative")),
        "{got:?}"
    );

    let mut cert: DualCertificate =
        serde_json::from_value(file.certificate.clone().unwrap()).unwrap();
    cert.experts.push(panels::certificate::ExpertDual {
        expert: "NOBODY".into(),
        max_load: 1,
        min_load: 0,
        programmes: Default::default(),
    });
    let mut bad = file.clone();
    bad.certificate = Some(serde_json::to_value(&cert).unwrap());
    let got = outcome(&inst, &elig, &bad);
    assert!(
        matches!(&got, CertificateOutcome::Invalid(m) if m.contains("NOBODY")),
        "{got:?}"
    );

    let mut bad = file;
    bad.certificate = None;
    assert_eq!(outcome(&inst, &elig, &bad), CertificateOutcome::Absent);
}

#[test]
fn a_worse_assignment_is_not_proven_by_the_optimal_duals() {
    // Swap in a different feasible assignment with a lower score: the same
    // duals then bound it from above with a gap.
    for seed in 0..200u64 {
        let inst = random_instance(seed, SMALL);
        let elig = Eligibility::compute(&inst);
        let Ok(best) = solve::solve(&inst, &elig, Method::Flow) else {
            continue;
        };
        let file = panels::solve::panels_file(&inst, &elig, &best, String::new());
        // Any MIP-optimal assignment has the same objective; so lower one
        // claimed number instead: the bound must stay ≥ the recomputed value.
        let report = verify(&inst, &file);
        let got = check_certificate(&inst, &elig, &file, report.objective_micro - 1);
        assert!(
            matches!(got, CertificateOutcome::BoundOnly { .. }),
            "{got:?}"
        );
        return;
    }
    panic!("no feasible instance in 200 seeds");
}

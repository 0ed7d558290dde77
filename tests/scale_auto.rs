//! `--candidates auto` at scale: rows that pricing grows (twice the
//! candidates, a lower bound on the rest) keep the dense optimum and a
//! proven certificate; the scans on several threads give the same bytes as
//! on one; the capped computed-score round (the Yangtze caps) adds pairs
//! below group nodes made only where a cap is reached.

mod common;

use std::process::Command;

use common::{random_instance, Shape};
use panels::eligibility::Eligibility;
use panels::generate::{generate, preset, GenConfig};
use panels::model::Instance;
use panels::solve::pricing::{self, CandidateChoice};
use panels::solve::progress::Progress;
use panels::solve::{self, Method, SolveError, SolveOptions};
use panels::verify::{check_certificate, verify, CertificateOutcome};
use proptest::prelude::*;

const MID: Shape = Shape {
    apps: 24,
    experts: 40,
    cities: 3,
    inst_per_city: 3,
    max_k: 3,
};

/// Solves densely and on `k` candidates with `--candidates auto`'s
/// growth; asserts equal optima, a verified file and a proven
/// certificate. Returns the notes of the sparse run (`None`: both
/// infeasible).
fn grown_equals_dense(inst: &Instance, k: usize) -> Option<Vec<String>> {
    let elig = Eligibility::compute(inst);
    let dense = solve::solve(inst, &elig, Method::Flow);
    let opts = SolveOptions {
        method: Method::Flow,
        candidates: CandidateChoice::Auto,
        progress: Progress::hidden(),
        ..SolveOptions::default()
    };
    let sparse = pricing::solve_sparse(inst, &elig, k, &opts);
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
            Some(s.stats.pricing.expect("on candidates").notes)
        }
        (Err(SolveError::Infeasible(_)), Err(SolveError::Infeasible(_))) => None,
        (d, s) => panic!(
            "dense and grown candidates disagree (K = {k}): {:?} vs {:?}",
            d.map(|x| x.objective_micro),
            s.map(|x| x.objective_micro)
        ),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// Random rules (caps, floors, outside shares, conflicts, partial
    /// affinity lists, min_affinity), rows grown when pricing extends them
    /// twice: the dense optimum.
    #[test]
    fn grown_rows_reach_the_dense_optimum(seed in 0u64..1_000_000, k in 1usize..6, min_aff in proptest::option::of(-300i64..300)) {
        let mut inst = random_instance(seed, MID);
        inst.policy.min_affinity = min_aff.map(|m| m as f64 / 1000.0);
        grown_equals_dense(&inst, k);
    }
}

/// NSFC-shaped rounds with the Yangtze caps (computed scores, k = 5,
/// outside share 0.4, ≤ 3 per city, ≤ 2 per institution), small.
fn capped_national(seed: u64, apps: usize, experts: usize) -> Instance {
    let cfg = GenConfig {
        applications: apps,
        experts,
        fields: 6,
        subfields: 4,
        ..preset("nsfc-yangtze").expect("preset")
    }
    .seed(seed);
    generate(&cfg)
}

#[test]
fn capped_computed_rounds_reach_the_dense_optimum() {
    let mut solved = 0;
    for seed in 0..6 {
        let inst = capped_national(seed, 150, 160);
        for k in [1, 5, 8, 30] {
            if grown_equals_dense(&inst, k).is_some() {
                solved += 1;
            }
        }
    }
    assert!(solved >= 12, "most of these rounds are feasible ({solved})");
}

/// With one candidate per application, pricing extends rows again and
/// again: some grow, and the optimum stays the dense one.
#[test]
fn rows_extended_twice_grow() {
    let mut grew = 0;
    for seed in 0..120 {
        let inst = random_instance(seed, MID);
        if let Some(notes) = grown_equals_dense(&inst, 1) {
            grew += notes.iter().filter(|n| n.contains("grew")).count();
        }
    }
    assert!(grew > 0, "no row grew");
}

#[test]
fn nsfc_shaped_rounds_grow_to_the_dense_optimum() {
    for seed in 0..4 {
        let cfg = GenConfig {
            applications: 200,
            experts: 150,
            panel_size: 3,
            fields: 6,
            subfields: 4,
            ..preset("nsfc").expect("preset")
        }
        .seed(seed);
        let inst = generate(&cfg);
        for k in [3, 10] {
            grown_equals_dense(&inst, k);
        }
    }
}

/// Runs `panels solve` on `bundle` with `PANELS_THREADS=threads`; returns
/// the bytes written.
fn solve_with_threads(
    dir: &std::path::Path,
    bundle: &std::path::Path,
    threads: &str,
    extra: &[&str],
) -> Vec<u8> {
    let out = dir.join(format!("p-{threads}-{}.json", extra.join("_")));
    let o = Command::new(env!("CARGO_BIN_EXE_panels"))
        .env("PANELS_THREADS", threads)
        .arg("--quiet")
        .arg("solve")
        .arg(bundle)
        .arg("--out")
        .arg(&out)
        .args(extra)
        .output()
        .expect("the binary runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    std::fs::read(&out).expect("panels written")
}

/// The candidate scans and pricing passes split applications over threads;
/// the panels file is byte-identical with 1, 2 and 3 threads, with auto
/// candidates (a round above the dense limit, rows growing) and a fixed K.
#[test]
fn parallel_scans_give_the_same_bytes_as_one_thread() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, cfg) in [
        (
            "nsfc",
            GenConfig {
                applications: 2_000,
                experts: 2_100,
                ..preset("nsfc").expect("preset")
            },
        ),
        (
            "capped",
            GenConfig {
                applications: 1_500,
                experts: 2_800,
                ..preset("nsfc-yangtze").expect("preset")
            },
        ),
    ] {
        let inst = generate(&cfg.seed(5));
        assert!(
            inst.applications.len() * inst.experts.len() > pricing::DENSE_PAIRS,
            "auto solves {name} on candidates"
        );
        let bundle = dir.path().join(format!("{name}.json"));
        panels::io::write_instance(&inst, &bundle, panels::io::InstanceFormat::Bundle)
            .expect("bundle written");
        for extra in [&[][..], &["--candidates", "6"][..]] {
            let one = solve_with_threads(dir.path(), &bundle, "1", extra);
            for threads in ["2", "3"] {
                let many = solve_with_threads(dir.path(), &bundle, threads, extra);
                assert!(
                    one == many,
                    "{name} {extra:?}: {threads} threads wrote other bytes than 1"
                );
            }
        }
    }
}

//! The statistical test of the draw: over many seeds, each pair is drawn
//! about as often as the capped LP says, and every draw obeys every rule.
//!
//! # The tolerance
//!
//! For a fixed pair with LP probability `x`, the draws with seeds
//! `0..N` are (modelling ChaCha8 as a random oracle) independent Bernoulli
//! trials with mean `x`, because the dependent rounding keeps every arc's
//! expectation (see `panels::draw`). Hoeffding's inequality gives
//! `Pr[|freq − x| ≥ t] ≤ 2·exp(−2·N·t²)`. With a union bound over the `M`
//! eligible pairs of all instances tested, the test fails for a correct
//! implementation with probability at most `2·M·exp(−2·N·t²)`; we set this
//! to `δ = 1e-6` and solve for `t = sqrt(ln(2M/δ) / (2N))` (about 0.03 for
//! N = 10,000 and a few hundred pairs). A bias in the rounding of that size
//! or larger (e.g. rounding each arc independently, or always pushing the
//! same way round a cycle) fails the test. The seed set is fixed, so the
//! test is deterministic.
//!
//! Pairs with `x = 0` must never be drawn and pairs with `x = 1` always:
//! those are checked exactly.

mod common;
mod draw_support;

use common::{random_instance, SMALL};
use draw_support::violations;
use panels::draw::CappedLp;
use panels::eligibility::Eligibility;
use panels::model::Instance;
use panels::solve::{self, Method};

const DRAWS: u64 = 10_000;
const DELTA: f64 = 1e-6;

/// Small random instances on which the capped draw is feasible and
/// genuinely random (several fractional pairs), with their caps.
fn instances() -> Vec<Instance> {
    let mut out = Vec::new();
    let caps = [0.5, 0.4, 0.75];
    for seed in 0..200u64 {
        let mut inst = random_instance(seed, SMALL);
        inst.policy.max_probability = Some(caps[out.len()]);
        let elig = Eligibility::compute(&inst);
        if solve::solve(&inst, &elig, Method::Flow).is_err() {
            continue;
        }
        let pairs = elig.pairs(&inst);
        let Ok(lp) = CappedLp::solve(&inst, &pairs, inst.policy.max_probability) else {
            continue;
        };
        let fractional = lp
            .marginals()
            .iter()
            .filter(|m| m.units < lp.denominator)
            .count();
        if fractional >= 8 {
            out.push(inst);
            if out.len() == caps.len() {
                break;
            }
        }
    }
    assert_eq!(out.len(), caps.len(), "enough test instances");
    out
}

#[test]
fn empirical_marginals_match_the_lp_and_every_draw_is_valid() {
    let insts = instances();
    let m: usize = insts
        .iter()
        .map(|i| Eligibility::compute(i).pairs(i).len())
        .sum();
    let t = ((2.0 * m as f64 / DELTA).ln() / (2.0 * DRAWS as f64)).sqrt();
    assert!(t < 0.04, "tolerance {t} too loose to mean anything");
    let mut worst: f64 = 0.0;
    for inst in &insts {
        let elig = Eligibility::compute(inst);
        let pairs = elig.pairs(inst);
        let lp = CappedLp::solve(inst, &pairs, inst.policy.max_probability).unwrap();
        let d = lp.denominator as f64;
        // counts[a][e]
        let mut counts = vec![vec![0u64; inst.experts.len()]; inst.applications.len()];
        for seed in 0..DRAWS {
            let (panels, _) = lp.sample(seed).unwrap();
            assert_eq!(
                violations(inst, &panels),
                Vec::<String>::new(),
                "seed {seed}"
            );
            for (a, p) in panels.iter().enumerate() {
                for e in p {
                    counts[a][e.ix()] += 1;
                }
            }
        }
        let mut x = vec![vec![0.0f64; inst.experts.len()]; inst.applications.len()];
        for mg in lp.marginals() {
            x[mg.app.ix()][mg.expert.ix()] = mg.units as f64 / d;
        }
        for a in 0..inst.applications.len() {
            for e in 0..inst.experts.len() {
                let freq = counts[a][e] as f64 / DRAWS as f64;
                let want = x[a][e];
                if want == 0.0 || want == 1.0 {
                    assert_eq!(freq, want, "pair (A{a}, E{e}) with probability {want}");
                } else {
                    worst = worst.max((freq - want).abs());
                    assert!(
                        (freq - want).abs() < t,
                        "pair (A{a}, E{e}): drawn {freq}, LP {want}, tolerance {t}"
                    );
                    assert!(want <= inst.policy.max_probability.unwrap() + 1e-12);
                }
            }
        }
    }
    eprintln!("{m} pairs, {DRAWS} draws each: worst deviation {worst:.4}, tolerance {t:.4}");
}

/// The draw without any cap given (no flag, no policy `max_probability`)
/// is random: it caps every pair at the default ½, and over many seeds each
/// pair is drawn as often as that capped LP says (the tolerance of the
/// module docs), never above ½ (checked exactly for pairs at 0).
#[test]
fn the_default_draw_is_random_with_the_default_cap() {
    let mut found = None;
    for seed in 0..200u64 {
        let mut inst = random_instance(seed, SMALL);
        inst.policy.max_probability = None;
        let elig = Eligibility::compute(&inst);
        let Ok(d) = panels::draw::draw(&inst, &elig, 0) else {
            continue;
        };
        let fractional =
            d.lp.marginals()
                .iter()
                .filter(|m| m.units < d.lp.denominator)
                .count();
        if fractional >= 8 {
            found = Some((inst, d));
            break;
        }
    }
    let (inst, d) = found.expect("an instance where the default draw has room");
    assert_eq!(d.lp.cap(), panels::draw::DEFAULT_MAX_PROBABILITY);
    assert_eq!(d.lp.denominator, 2);
    let elig = Eligibility::compute(&inst);
    let m = Eligibility::compute(&inst).pairs(&inst).len();
    const N: u64 = 4_000;
    let t = ((2.0 * m as f64 / DELTA).ln() / (2.0 * N as f64)).sqrt();
    let mut counts = vec![vec![0u64; inst.experts.len()]; inst.applications.len()];
    let mut distinct = std::collections::BTreeSet::new();
    for seed in 0..N {
        // The whole command path of a draw: solve, capped LP, rounding.
        let drawn = if seed < 20 {
            panels::draw::draw(&inst, &elig, seed).unwrap().panels
        } else {
            d.lp.sample(seed).unwrap().0
        };
        if seed < 20 {
            assert_eq!(
                drawn,
                d.lp.sample(seed).unwrap().0,
                "draw = sample of its LP"
            );
        }
        distinct.insert(drawn.clone());
        assert_eq!(violations(&inst, &drawn), Vec::<String>::new());
        for (a, p) in drawn.iter().enumerate() {
            for e in p {
                counts[a][e.ix()] += 1;
            }
        }
    }
    assert!(distinct.len() > 1, "every seed drew the same panels");
    let mut x = vec![vec![0.0f64; inst.experts.len()]; inst.applications.len()];
    for mg in d.lp.marginals() {
        x[mg.app.ix()][mg.expert.ix()] = mg.units as f64 / 2.0;
    }
    for a in 0..inst.applications.len() {
        for e in 0..inst.experts.len() {
            let freq = counts[a][e] as f64 / N as f64;
            if x[a][e] == 0.0 {
                assert_eq!(freq, 0.0);
            } else {
                assert!(x[a][e] <= 0.5);
                assert!(
                    (freq - x[a][e]).abs() < t,
                    "pair (A{a}, E{e}): {freq} vs {}",
                    x[a][e]
                );
            }
        }
    }
}

//! `replace` on rounds with the soft city bonus (`bonus_per_city`): on tiny
//! random rounds the replacement equals exhaustive search (the fewest
//! changes first, then the highest objective, bonus included), and the
//! objective it reports is the one `verify` recomputes.

mod common;
mod draw_support;

use common::{random_instance, TINY};
use draw_support::violations;
use panels::draw::{self, DrawError, ReplaceRequest};
use panels::eligibility::{Eligibility, EligiblePairs};
use panels::mip::brute::brute_force;
use panels::model::{AppIx, ExpertIx, Instance, Score};
use panels::solve::{solve_with, Method, SolveOptions};
use proptest::prelude::*;

/// Worth more than any difference in objective on a tiny round, so the
/// exhaustive search first keeps as many current pairs as it can.
const KEEP: i64 = 1_000_000_000_000;

/// The eligible pairs without the declined ones, each current pair worth
/// `KEEP` more; without moves, an application with no declined seat keeps
/// only its current panel.
fn keep_weighted(
    inst: &Instance,
    all: &EligiblePairs,
    panels: &[Vec<ExpertIx>],
    declined: &[(AppIx, ExpertIx)],
    moves: bool,
) -> EligiblePairs {
    let mut out = EligiblePairs::default();
    out.offsets.push(0);
    for a in inst.app_ixs() {
        let open = declined.iter().any(|&(d, _)| d == a);
        for (&e, &s) in all.experts_of(a).iter().zip(all.scores_of(a)) {
            let current = panels[a.ix()].contains(&e);
            if declined.contains(&(a, e)) || (!moves && !open && !current) {
                continue;
            }
            out.experts.push(e);
            out.scores.push(if current { Score(s.0 + KEEP) } else { s });
        }
        out.offsets.push(out.experts.len());
    }
    out
}

fn check(seed: u64, bonus: u32, picks: &[u32], moves: bool) -> Result<(), TestCaseError> {
    let mut inst = random_instance(seed, TINY);
    inst.policy.bonus_per_city = f64::from(bonus) / 1000.0;
    let elig = Eligibility::compute(&inst);
    let opts = SolveOptions {
        method: Method::Flow,
        ..Default::default()
    };
    let Ok(solved) = solve_with(&inst, &elig, &opts) else {
        return Ok(());
    };
    let seats: Vec<(AppIx, ExpertIx)> = solved
        .panels
        .iter()
        .enumerate()
        .flat_map(|(a, p)| p.iter().map(move |&e| (AppIx(a as u32), e)))
        .collect();
    if seats.is_empty() {
        return Ok(());
    }
    let mut declined: Vec<(AppIx, ExpertIx)> = picks
        .iter()
        .map(|&i| seats[i as usize % seats.len()])
        .collect();
    declined.sort_unstable();
    declined.dedup();
    let total_seats = seats.len() as i64;
    let pairs = keep_weighted(&inst, &elig.pairs(&inst), &solved.panels, &declined, moves);
    let brute = brute_force(&inst, &pairs).map(|(value, _)| {
        // The objective alone is far below KEEP / 2 either way.
        let kept = (value + KEEP / 2).div_euclid(KEEP);
        (kept, value - kept * KEEP)
    });
    let got = draw::replace_with(
        &inst,
        &elig,
        &ReplaceRequest {
            panels: &solved.panels,
            declined: &declined,
            withdrawn: &[],
            locked: &[],
            allow_moves: moves,
            deadline: None,
        },
    );
    // Without moves a replacement must keep every seat that did not decline.
    let must_keep = total_seats - declined.len() as i64;
    match (brute, got) {
        (Some((kept, objective)), Ok(r)) if moves || kept == must_keep => {
            prop_assert_eq!(r.kept as i64, kept, "fewest changes");
            prop_assert_eq!(r.objective_micro, objective, "objective, bonus included");
            prop_assert_eq!(violations(&inst, &r.panels), Vec::<String>::new());
            for &(a, e) in &declined {
                prop_assert!(!r.panels[a.ix()].contains(&e));
            }
        }
        (None, Err(DrawError::Infeasible(_))) if moves => {}
        (None, Err(DrawError::Stuck(_))) if !moves => {}
        (Some((kept, _)), Err(DrawError::Stuck(_))) if !moves && kept < must_keep => {}
        (b, g) => prop_assert!(
            false,
            "brute force {:?} vs replace {:?}",
            b,
            g.map(|r| (r.kept, r.objective_micro))
        ),
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// With moves: the fewest changed pairs, then the best objective with
    /// the city bonus, as exhaustive search finds them.
    #[test]
    fn replace_with_moves_and_city_bonus_matches_brute_force(seed in any::<u64>(), bonus in 1..400u32, picks in proptest::collection::vec(any::<u32>(), 1..=2)) {
        check(seed, bonus, &picks, true)?;
    }

    /// Without moves: only declined seats change, refilled for the best
    /// objective with the city bonus, or refused as stuck exactly when no
    /// refill keeps the rules.
    #[test]
    fn replace_of_declined_seats_with_city_bonus_matches_brute_force(seed in any::<u64>(), bonus in 1..400u32, picks in proptest::collection::vec(any::<u32>(), 1..=2)) {
        check(seed, bonus, &picks, false)?;
    }
}

/// Draw and replace on a round with a city bonus write panels whose
/// objective `verify` recomputes (bonus included), through the binary.
#[test]
fn draw_and_replace_with_city_bonus_verify() {
    let dir = tempfile::tempdir().unwrap();
    let round = dir.path().join("round.json");
    std::fs::write(
        &round,
        r#"{
  "policy": { "panel_size": 2, "max_load": 2, "bonus_per_city": 0.5 },
  "experts": [
    { "id": "E1", "city": "武汉", "institution": "U1" },
    { "id": "E2", "city": "武汉", "institution": "U2" },
    { "id": "E3", "city": "长沙", "institution": "U3" },
    { "id": "E4", "city": "合肥", "institution": "U4" },
    { "id": "E5", "city": "武汉", "institution": "U5" }
  ],
  "applications": [
    { "id": "A1", "city": "南昌", "institution": "X1" },
    { "id": "A2", "city": "南昌", "institution": "X2" }
  ],
  "affinity": [
    { "application": "A1", "expert": "E1", "score": 0.95 },
    { "application": "A1", "expert": "E2", "score": 0.9 },
    { "application": "A1", "expert": "E3", "score": 0.3 },
    { "application": "A2", "expert": "E1", "score": 0.9 },
    { "application": "A2", "expert": "E2", "score": 0.8 },
    { "application": "A2", "expert": "E4", "score": 0.2 },
    { "application": "A2", "expert": "E5", "score": 0.7 }
  ]
}"#,
    )
    .unwrap();
    let bin = env!("CARGO_BIN_EXE_panels");
    let run = |args: &[&str]| {
        let out = std::process::Command::new(bin)
            .args(args)
            .current_dir(dir.path())
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, err) = run(&["solve", "round.json", "--out", "s.json"]);
    assert_eq!(code, Some(0), "{err}");
    let (code, err) = run(&[
        "draw",
        "round.json",
        "--out",
        "d.json",
        "--log",
        "d.log.json",
        "--seed",
        "3",
    ]);
    assert_eq!(code, Some(0), "{err}");
    for (moves, out) in [(false, "r1.json"), (true, "r2.json")] {
        let log = format!("{out}.log.json");
        let mut args = vec![
            "replace",
            "round.json",
            "s.json",
            "--decline",
            "A1:E1",
            "--out",
            out,
            "--log",
            &log,
        ];
        if moves {
            args.push("--allow-moves");
        }
        let (code, err) = run(&args);
        assert_eq!(code, Some(0), "{err}");
        let (code, err) = run(&["verify", "round.json", out]);
        assert_eq!(code, Some(0), "{err}");
        let (code, err) = run(&["replace", "--replay", &log]);
        assert_eq!(code, Some(0), "{err}");
    }
}

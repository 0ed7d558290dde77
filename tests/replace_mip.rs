//! `replace` on rounds whose rules do not nest (an institution with experts
//! in two cities under `max_per_institution`), where the refill is the
//! MIP's: on tiny random rounds it equals exhaustive search over every
//! assignment, each judged by `verify` — without moves the kept seats stay
//! and the open ones get the best score; with moves the most current pairs
//! are kept, then the best score — and it refuses exactly when no refill
//! exists. The office's example (CAS in Wuhan and Changsha) runs through
//! the binary.

mod common;
mod draw_support;

use std::process::Command;

use common::{random_instance, TINY};
use draw_support::panels_file;
use panels::draw::{self, DrawError, ReplaceRequest};
use panels::eligibility::Eligibility;
use panels::io::panels::DeclinedPair;
use panels::model::{AppIx, ExpertIx, Instance};
use panels::solve::network::check_laminar;
use panels::solve::{solve, Method};
use proptest::prelude::*;

/// A tiny random round made not to nest: expert `picks[0]` joins the
/// institution of expert `picks[1]` but stays in another city, and
/// `max_per_institution` is set.
fn crossing_round(seed: u64, picks: &[u32]) -> Option<Instance> {
    let mut inst = random_instance(seed, TINY);
    let n = inst.experts.len() as u32;
    let (e, f) = ((picks[0] % n) as usize, (picks[1] % n) as usize);
    if inst.experts[e].city == inst.experts[f].city {
        let other = inst.cities.len() as u32;
        inst.experts[e].city.0 = (inst.experts[f].city.0 + 1) % other;
    }
    inst.experts[e].institution = inst.experts[f].institution;
    inst.policy.max_per_institution = Some(1 + picks[2] % 2);
    check_laminar(&inst).is_err().then_some(inst)
}

/// Every choice of one `k`-subset of experts per application.
fn assignments(inst: &Instance) -> Vec<Vec<Vec<ExpertIx>>> {
    let n = inst.experts.len();
    let mut all: Vec<Vec<Vec<ExpertIx>>> = vec![Vec::new()];
    for a in inst.app_ixs() {
        let k = inst.panel_size(a) as usize;
        let subsets: Vec<Vec<ExpertIx>> = (0u32..1 << n)
            .filter(|m| m.count_ones() as usize == k)
            .map(|m| {
                (0..n)
                    .filter(|i| m & (1 << i) != 0)
                    .map(|i| ExpertIx(i as u32))
                    .collect()
            })
            .collect();
        all = all
            .into_iter()
            .flat_map(|prefix| {
                subsets.iter().map(move |s| {
                    let mut next = prefix.clone();
                    next.push(s.clone());
                    next
                })
            })
            .collect();
    }
    all
}

/// The best refill by exhaustive search: `(pairs kept, objective)` of the
/// best assignment that `verify` passes (with the declines and withdrawals
/// as the file's state), keeps the locked panels and, without moves, every
/// seat that did not leave; `None` when there is none.
fn best_by_search(
    solving: &Instance,
    elig: &Eligibility,
    req: &ReplaceRequest<'_>,
) -> Option<(usize, i64)> {
    let left = |a: AppIx, e: ExpertIx| req.declined.contains(&(a, e)) || req.withdrawn.contains(&e);
    let mut best: Option<(usize, i64)> = None;
    for panels in assignments(solving) {
        let mut kept = 0;
        let mut allowed = true;
        for a in solving.app_ixs() {
            let old = &req.panels[a.ix()];
            kept += panels[a.ix()].iter().filter(|e| old.contains(e)).count();
            if req.locked.contains(&a) && &panels[a.ix()] != old {
                allowed = false;
            }
            if !req.allow_moves
                && old
                    .iter()
                    .any(|&e| !left(a, e) && !panels[a.ix()].contains(&e))
            {
                allowed = false;
            }
        }
        if !allowed {
            continue;
        }
        let mut file = panels_file(solving, &panels);
        file.declined = req
            .declined
            .iter()
            .map(|&(a, e)| DeclinedPair {
                application: solving.applications[a.ix()].id.clone(),
                expert: solving.experts[e.ix()].id.clone(),
            })
            .collect();
        file.withdrawn = req
            .withdrawn
            .iter()
            .map(|&e| solving.experts[e.ix()].id.clone())
            .collect();
        if !panels::verify::verify_with(solving, elig, &file).rules_ok() {
            continue;
        }
        let value = (
            if req.allow_moves { kept } else { 0 },
            draw::total_micro(solving, elig, &panels),
        );
        if best.is_none_or(|b| value > b) {
            best = Some(value);
        }
    }
    best
}

fn check(seed: u64, picks: &[u32], moves: bool) -> Result<(), TestCaseError> {
    let Some(inst) = crossing_round(seed, picks) else {
        return Ok(());
    };
    let elig = Eligibility::compute(&inst);
    let Ok(start) = solve(&inst, &elig, Method::Auto) else {
        return Ok(());
    };
    let seats: Vec<(AppIx, ExpertIx)> = start
        .panels
        .iter()
        .enumerate()
        .flat_map(|(a, p)| p.iter().map(move |&e| (AppIx(a as u32), e)))
        .collect();
    if seats.is_empty() {
        return Ok(());
    }
    let pick = |i: usize| seats[picks[3 + i] as usize % seats.len()];
    let mut declined = vec![pick(0)];
    let mut withdrawn = Vec::new();
    match picks[5] % 3 {
        0 => declined.push(pick(1)),
        1 => withdrawn.push(pick(1).1),
        _ => {}
    }
    declined.sort_unstable();
    declined.dedup();
    // A lock on a panel nobody leaves (a lock with a leaver is refused).
    let locked: Vec<AppIx> = inst
        .app_ixs()
        .filter(|&a| picks[6] % 4 == a.0)
        .filter(|&a| {
            start.panels[a.ix()]
                .iter()
                .all(|&e| !declined.contains(&(a, e)) && !withdrawn.contains(&e))
        })
        .collect();
    let mut solving = inst.clone();
    for &w in &withdrawn {
        solving.experts[w.ix()].available = false;
    }
    let elig = Eligibility::compute(&solving);
    let req = ReplaceRequest {
        panels: &start.panels,
        declined: &declined,
        withdrawn: &withdrawn,
        locked: &locked,
        allow_moves: moves,
        deadline: None,
    };
    let best = best_by_search(&solving, &elig, &req);
    match (draw::replace_with(&solving, &elig, &req), best) {
        (Ok(r), Some((kept, score))) => {
            prop_assert_eq!(r.objective_micro, score, "moves {}", moves);
            if moves {
                prop_assert_eq!(r.kept, kept);
            }
            for a in solving.app_ixs() {
                for &e in &r.panels[a.ix()] {
                    prop_assert!(!declined.contains(&(a, e)) && !withdrawn.contains(&e));
                }
            }
            let file = panels_file(&solving, &r.panels);
            let report = panels::verify::verify_with(&solving, &elig, &file);
            prop_assert!(report.rules_ok(), "{}", report.render(&solving));
        }
        (Err(DrawError::Stuck(_) | DrawError::Infeasible(_)), None) => {}
        (got, want) => {
            return Err(TestCaseError::fail(format!(
                "replace gave {:?}, exhaustive search {want:?}",
                got.map(|r| (r.kept, r.objective_micro))
            )))
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// Only the vacated seats change, and they get the best score.
    #[test]
    fn the_refill_without_moves_equals_exhaustive_search(seed in any::<u64>(), picks in proptest::collection::vec(any::<u32>(), 7)) {
        check(seed, &picks, false)?;
    }

    /// The most current pairs are kept, then the best score.
    #[test]
    fn the_refill_with_moves_equals_exhaustive_search(seed in any::<u64>(), picks in proptest::collection::vec(any::<u32>(), 7)) {
        check(seed, &picks, true)?;
    }
}

/// The searches above are not vacuous: many seeds give a round that does
/// not nest, a start, and a refill.
#[test]
fn most_crossing_rounds_are_refilled() {
    let mut refilled = 0;
    for seed in 0..60u64 {
        let picks = [seed as u32, 7 * seed as u32 + 1, 0, 3, 5, 2, 9];
        let Some(inst) = crossing_round(seed, &picks) else {
            continue;
        };
        let elig = Eligibility::compute(&inst);
        let Ok(start) = solve(&inst, &elig, Method::Auto) else {
            continue;
        };
        let Some((a, p)) = start.panels.iter().enumerate().find(|(_, p)| !p.is_empty()) else {
            continue;
        };
        let declined = [(AppIx(a as u32), p[0])];
        let req = ReplaceRequest {
            panels: &start.panels,
            declined: &declined,
            withdrawn: &[],
            locked: &[],
            allow_moves: true,
            deadline: None,
        };
        if draw::replace_with(&inst, &elig, &req).is_ok() {
            refilled += 1;
        }
    }
    assert!(refilled >= 15, "only {refilled} of 60 rounds refilled");
}

const CAS: &str = r#"{
  "policy": { "panel_size": 2, "max_per_institution": 1, "max_load": 2 },
  "experts": [
    { "id": "E1", "city": "Wuhan", "institution": "CAS" },
    { "id": "E2", "city": "Changsha", "institution": "CAS" },
    { "id": "E3", "city": "Wuhan", "institution": "WHU" },
    { "id": "E4", "city": "Changsha", "institution": "HNU" },
    { "id": "E5", "city": "Nanchang", "institution": "NCU" }
  ],
  "applications": [
    { "id": "A1", "city": "Beijing", "institution": "PKU" },
    { "id": "A2", "city": "Shanghai", "institution": "FDU" }
  ],
  "affinity": [
    { "application": "A1", "expert": "E1", "score": 0.9 },
    { "application": "A1", "expert": "E2", "score": 0.8 },
    { "application": "A1", "expert": "E3", "score": 0.5 },
    { "application": "A1", "expert": "E4", "score": 0.4 },
    { "application": "A1", "expert": "E5", "score": 0.3 },
    { "application": "A2", "expert": "E1", "score": 0.7 },
    { "application": "A2", "expert": "E2", "score": 0.9 },
    { "application": "A2", "expert": "E3", "score": 0.6 },
    { "application": "A2", "expert": "E4", "score": 0.2 },
    { "application": "A2", "expert": "E5", "score": 0.1 }
  ]
}"#;

fn panel_of(file: &std::path::Path, app: &str) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(file).unwrap()).unwrap();
    let p = v["panels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["application"] == app)
        .unwrap();
    p["experts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap().to_string())
        .collect()
}

fn run(args: &[&dyn AsRef<std::ffi::OsStr>]) -> (Option<i32>, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_panels"));
    for a in args {
        cmd.arg(a);
    }
    let o = cmd.output().expect("the binary runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    (o.status.code(), text)
}

/// CAS has experts in Wuhan and Changsha and at most one expert of an
/// institution sits on a panel: a decline is refilled (by the other CAS
/// expert, the best that keeps the cap), with and without moves, and a
/// lock alone runs too.
#[test]
fn a_decline_is_refilled_when_an_institution_spans_two_cities() {
    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str| dir.path().join(name);
    let round = p("cas.json");
    std::fs::write(&round, CAS).unwrap();
    let solved = p("s.json");
    let (code, text) = run(&[&"solve", &round, &"--out", &solved]);
    assert_eq!(code, Some(0), "{text}");
    assert_eq!(panel_of(&solved, "A1"), ["E1", "E3"]);
    for (moves, name) in [(false, "r.json"), (true, "rm.json")] {
        let (out, log) = (p(name), p(&format!("log-{name}")));
        let mut args: Vec<&dyn AsRef<std::ffi::OsStr>> = vec![
            &"replace",
            &round,
            &solved,
            &"--decline",
            &"A1:E1",
            &"--out",
            &out,
            &"--log",
            &log,
        ];
        if moves {
            args.push(&"--allow-moves");
        }
        let (code, text) = run(&args);
        assert_eq!(code, Some(0), "{text}");
        assert!(
            !text.contains("nest") && !text.contains("the draw"),
            "{text}"
        );
        assert_eq!(panel_of(&out, "A1"), ["E2", "E3"]);
        let (code, text) = run(&[&"verify", &round, &out]);
        assert_eq!(code, Some(0), "{text}");
    }
    let (out, log) = (p("l.json"), p("l-log.json"));
    let (code, text) = run(&[
        &"replace", &round, &solved, &"--lock", &"A2", &"--out", &out, &"--log", &log,
    ]);
    assert_eq!(code, Some(0), "{text}");
    assert_eq!(panel_of(&out, "A2"), panel_of(&solved, "A2"));
}

/// A draw samples from the flow and keeps refusing such a round, naming
/// the round's file and the institution (no panels file is involved).
#[test]
fn a_draw_refuses_a_round_that_does_not_nest_naming_the_round() {
    let dir = tempfile::tempdir().unwrap();
    let round = dir.path().join("cas.json");
    std::fs::write(&round, CAS).unwrap();
    let (out, log) = (dir.path().join("d.json"), dir.path().join("d-log.json"));
    let (code, text) = run(&[
        &"draw", &round, &"--seed", &"1", &"--out", &out, &"--log", &log,
    ]);
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("cas.json: institution CAS"), "{text}");
    assert!(text.contains("panels solve"), "{text}");
    assert!(!out.exists() && !log.exists());
}

/// `replace --time-limit` bounds the MIP's refill: a limit that leaves it
/// no time writes nothing and says so (exit 4); a limit it needs not all
/// of is recorded in the log, which replays identically, and the refill
/// is the proven one (no `refill_status`).
#[test]
fn the_mip_refill_honours_the_time_limit() {
    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str| dir.path().join(name);
    let round = p("cas.json");
    std::fs::write(&round, CAS).unwrap();
    let solved = p("s.json");
    let (code, text) = run(&[&"solve", &round, &"--out", &solved]);
    assert_eq!(code, Some(0), "{text}");
    for moves in [false, true] {
        let (out, log) = (p("t.json"), p("t-log.json"));
        let mut args: Vec<&dyn AsRef<std::ffi::OsStr>> = vec![
            &"replace",
            &round,
            &solved,
            &"--decline",
            &"A1:E1",
            &"--time-limit",
            &"1e-9",
            &"--out",
            &out,
            &"--log",
            &log,
        ];
        if moves {
            args.push(&"--allow-moves");
        }
        let (code, text) = run(&args);
        assert_eq!(code, Some(4), "{text}");
        assert!(
            text.contains("the time limit ran out before the MIP found any refill")
                && text.contains("--time-limit"),
            "{text}"
        );
        assert!(!out.exists() && !log.exists(), "nothing written");
    }
    let (out, log) = (p("r.json"), p("r-log.json"));
    let (code, text) = run(&[
        &"replace",
        &round,
        &solved,
        &"--decline",
        &"A1:E1",
        &"--time-limit",
        &"60",
        &"--out",
        &out,
        &"--log",
        &log,
    ]);
    assert_eq!(code, Some(0), "{text}");
    assert!(
        !text.contains("feasible: the MIP's refill stopped"),
        "{text}"
    );
    assert_eq!(panel_of(&out, "A1"), ["E2", "E3"]);
    let logged: serde_json::Value = serde_json::from_slice(&std::fs::read(&log).unwrap()).unwrap();
    assert_eq!(logged["time_limit"], 60.0, "{logged}");
    assert!(logged.get("refill_status").is_none(), "{logged}");
    let (code, text) = run(&[&"replace", &"--replay", &log]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("replay identical"), "{text}");
    // A negative limit is bad input.
    let (code, text) = run(&[
        &"replace",
        &round,
        &solved,
        &"--decline",
        &"A1:E1",
        &"--time-limit",
        &"-1",
        &"--out",
        &out,
        &"--log",
        &log,
    ]);
    assert_eq!(code, Some(2), "{text}");
}

/// A refill the limit stopped is said so in the log: `refill_status`
/// feasible, and the bound when the MIP gave one; a proven refill's log
/// has neither (so logs without a limit keep their bytes).
#[test]
fn a_stopped_refill_is_logged_as_feasible_with_its_bound() {
    let inst = panels::io::load_bundle_from_bytes(std::path::Path::new("cas.json"), CAS.as_bytes())
        .unwrap();
    let elig = Eligibility::compute(&inst);
    let start = solve(&inst, &elig, Method::Auto).unwrap();
    let declined = [(AppIx(0), start.panels[0][0])];
    let req = ReplaceRequest {
        panels: &start.panels,
        declined: &declined,
        withdrawn: &[],
        locked: &[],
        allow_moves: false,
        deadline: None,
    };
    let mut replaced = draw::replace_with(&inst, &elig, &req).unwrap();
    assert_eq!(
        replaced.stopped, None,
        "without a limit the refill is proven"
    );
    let asked = draw::ReplaceAsked::default();
    let file = panels_file(&inst, &replaced.panels);
    let proven = draw::replace_log(&inst, &replaced, &asked, 0, &file);
    let text = serde_json::to_string(&proven).unwrap();
    assert!(
        !text.contains("refill_status") && !text.contains("time_limit"),
        "{text}"
    );
    replaced.stopped = Some(draw::Stopped {
        bound_micro: Some(replaced.objective_micro + 100_000),
    });
    let stopped = draw::replace_log(&inst, &replaced, &asked, 0, &file);
    assert_eq!(stopped.refill_status.as_deref(), Some("feasible"));
    assert_eq!(
        stopped.refill_bound,
        Some(panels::model::total_as_f64(
            replaced.objective_micro + 100_000
        ))
    );
}

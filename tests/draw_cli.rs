//! `panels draw` and `panels replace` end to end, through the binary:
//! files written, `verify` passes, replay is byte-exact and refuses a
//! changed input or a tampered log, replacement keeps untouched panels.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use panels::generate::{generate, GenConfig};
use panels::io::{write_instance, InstanceFormat};
use panels::model::Instance;

fn panels(args: &[&dyn AsRef<std::ffi::OsStr>]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_panels"));
    cmd.arg("--quiet");
    for a in args {
        cmd.arg(a);
    }
    cmd.output().expect("the binary runs")
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn instance(cap: Option<f64>) -> Instance {
    let mut inst = generate(&GenConfig::sized(30, 60).seed(3).panel_size(3));
    inst.policy.min_outside = 1;
    inst.policy.max_probability = cap;
    inst
}

fn write(dir: &Path, name: &str, inst: &Instance) -> PathBuf {
    let p = dir.join(name);
    let format = if name.ends_with(".json") {
        InstanceFormat::Bundle
    } else {
        InstanceFormat::CsvDir
    };
    write_instance(inst, &p, format).unwrap();
    p
}

fn read_json(p: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
}

#[test]
fn draw_verifies_and_replays_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["round.json", "round_csv"] {
        let inst_path = write(dir.path(), name, &instance(Some(0.5)));
        let out = dir.path().join(format!("{name}.panels.json"));
        let log = dir.path().join(format!("{name}.draw.json"));
        let o = panels(&[
            &"draw", &inst_path, &"--seed", &"11", &"--out", &out, &"--log", &log,
        ]);
        assert_eq!(code(&o), 0, "{}", text(&o));
        let v = panels(&[&"verify", &inst_path, &out]);
        assert_eq!(code(&v), 0, "{}", text(&v));

        let l = read_json(&log);
        assert_eq!(l["seed"], 11);
        assert_eq!(l["max_probability"], 0.5);
        assert_eq!(
            l["input_sha256"],
            panels::io::instance_sha256(&inst_path).unwrap()
        );
        assert_eq!(l["panels"], read_json(&out)["panels"]);
        for row in l["probabilities"].as_array().unwrap() {
            for p in row["p"].as_array().unwrap() {
                let p = p.as_f64().unwrap();
                assert!(p > 0.0 && p <= 0.5, "probability {p}");
            }
        }
        assert_eq!(l["alternates"].as_array().unwrap().len(), 30);

        let r = panels(&[&"draw", &"--replay", &log]);
        assert_eq!(code(&r), 0, "{}", text(&r));
        assert!(text(&r).contains("identical"));

        // Replay to a fresh panels file gives the same bytes.
        let again = dir.path().join(format!("{name}.again.json"));
        let r = panels(&[&"draw", &"--replay", &log, &"--out", &again]);
        assert_eq!(code(&r), 0, "{}", text(&r));
        assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(&again).unwrap());
    }
}

#[test]
fn replay_refuses_a_changed_input_and_reports_a_tampered_log() {
    let dir = tempfile::tempdir().unwrap();
    let inst = instance(Some(0.5));
    let inst_path = write(dir.path(), "round.json", &inst);
    let out = dir.path().join("p.json");
    let log = dir.path().join("d.json");
    assert_eq!(
        code(&panels(&[
            &"draw", &inst_path, &"--out", &out, &"--log", &log
        ])),
        0
    );

    // The instance moved: replay from the new place still matches.
    let moved = write(dir.path(), "moved.json", &inst);
    let r = panels(&[&"draw", &"--replay", &log, &moved]);
    assert_eq!(code(&r), 0, "{}", text(&r));

    // One changed byte in the input: refused, exit 2, nothing compared.
    let mut changed = inst.clone();
    changed.experts[0].name = Some("Changed Name".into());
    write(dir.path(), "round.json", &changed);
    let r = panels(&[&"draw", &"--replay", &log]);
    assert_eq!(code(&r), 2, "{}", text(&r));
    assert!(text(&r).contains("input changed"), "{}", text(&r));

    // A tampered log (one panel member swapped): exit 1.
    write(dir.path(), "round.json", &inst);
    let mut l = read_json(&log);
    let alt = l["alternates"][0]["alternates"][0]["expert"].clone();
    l["panels"][0]["experts"][0] = alt;
    let tampered = dir.path().join("tampered.json");
    let mut bytes = serde_json::to_vec_pretty(&l).unwrap();
    bytes.push(b'\n');
    std::fs::write(&tampered, bytes).unwrap();
    let r = panels(&[&"draw", &"--replay", &tampered]);
    assert_eq!(code(&r), 1, "{}", text(&r));
    assert!(text(&r).contains("differs"), "{}", text(&r));
}

#[test]
fn same_seed_same_bytes_other_seeds_other_panels() {
    let dir = tempfile::tempdir().unwrap();
    let inst_path = write(dir.path(), "round.json", &instance(Some(0.4)));
    let run = |seed: &str, tag: &str| {
        let out = dir.path().join(format!("p{tag}.json"));
        let log = dir.path().join(format!("d{tag}.json"));
        let o = panels(&[
            &"draw", &inst_path, &"--seed", &seed, &"--out", &out, &"--log", &log,
        ]);
        assert_eq!(code(&o), 0, "{}", text(&o));
        (std::fs::read(&out).unwrap(), std::fs::read(&log).unwrap())
    };
    let a = run("5", "a");
    let b = run("5", "b");
    assert_eq!(a, b);
    let others: Vec<_> = (6..10)
        .map(|s| run(&s.to_string(), &format!("s{s}")).0)
        .collect();
    assert!(
        others.iter().any(|p| *p != a.0),
        "four other seeds all drew the same panels"
    );
}

#[test]
fn with_a_cap_of_one_the_draw_is_an_optimal_solve() {
    let dir = tempfile::tempdir().unwrap();
    let inst_path = write(dir.path(), "round.json", &instance(Some(1.0)));
    let drawn = dir.path().join("drawn.json");
    let solved = dir.path().join("solved.json");
    let log = dir.path().join("d.json");
    assert_eq!(
        code(&panels(&[
            &"draw", &inst_path, &"--out", &drawn, &"--log", &log
        ])),
        0
    );
    assert_eq!(code(&panels(&[&"solve", &inst_path, &"--out", &solved])), 0);
    let (d, s) = (read_json(&drawn), read_json(&solved));
    assert_eq!(d["status"], "optimal");
    assert_eq!(d["objective"], s["objective"]);
    assert_eq!(d["panels"], s["panels"]);
    assert_eq!(read_json(&log)["rounding_steps"], 0);
}

#[test]
fn a_cap_too_low_is_infeasible_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let inst_path = write(dir.path(), "round.json", &instance(Some(0.01)));
    let out = dir.path().join("p.json");
    let log = dir.path().join("d.json");
    let o = panels(&[&"draw", &inst_path, &"--out", &out, &"--log", &log]);
    assert_eq!(code(&o), 3, "{}", text(&o));
    assert!(text(&o).contains("max_probability"), "{}", text(&o));
    assert!(!out.exists() && !log.exists());
}

#[test]
fn policy_fields_are_validated() {
    let dir = tempfile::tempdir().unwrap();
    let inst_path = write(dir.path(), "round.json", &instance(Some(0.5)));
    let raw = std::fs::read_to_string(&inst_path).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&raw).unwrap();
    v["policy"]["max_probability"] = serde_json::json!(1.5);
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, serde_json::to_vec(&v).unwrap()).unwrap();
    let o = panels(&[
        &"draw",
        &bad,
        &"--out",
        &dir.path().join("p.json"),
        &"--log",
        &dir.path().join("d.json"),
    ]);
    assert_eq!(code(&o), 2, "{}", text(&o));
    assert!(text(&o).contains("max_probability"), "{}", text(&o));

    v["policy"]["max_probability"] = serde_json::json!(0.5);
    v["policy"]["alternates"] = serde_json::json!(1);
    std::fs::write(&bad, serde_json::to_vec(&v).unwrap()).unwrap();
    let o = panels(&[
        &"draw",
        &bad,
        &"--out",
        &dir.path().join("p.json"),
        &"--log",
        &dir.path().join("d.json"),
    ]);
    assert_eq!(code(&o), 2, "{}", text(&o));
    assert!(text(&o).contains("alternates"), "{}", text(&o));

    v["policy"]["alternates"] = serde_json::json!(4);
    std::fs::write(&bad, serde_json::to_vec(&v).unwrap()).unwrap();
    let log = dir.path().join("d.json");
    let o = panels(&[
        &"draw",
        &bad,
        &"--out",
        &dir.path().join("p.json"),
        &"--log",
        &log,
    ]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    let l = read_json(&log);
    for row in l["alternates"].as_array().unwrap() {
        let n = row["alternates"].as_array().unwrap().len();
        assert!(n == 4 || row["note"].is_string(), "{row}");
    }
}

#[test]
fn replace_keeps_untouched_panels_and_logs_changes() {
    let dir = tempfile::tempdir().unwrap();
    let inst_path = write(dir.path(), "round.json", &instance(Some(0.5)));
    let out = dir.path().join("p.json");
    let log = dir.path().join("d.json");
    assert_eq!(
        code(&panels(&[
            &"draw", &inst_path, &"--out", &out, &"--log", &log
        ])),
        0
    );
    let before = read_json(&out);
    let p0 = &before["panels"][0];
    let p3 = &before["panels"][3];
    let d1 = format!(
        "{}:{}",
        p0["application"].as_str().unwrap(),
        p0["experts"][0].as_str().unwrap()
    );
    let d2 = format!(
        "{}:{}",
        p3["application"].as_str().unwrap(),
        p3["experts"][1].as_str().unwrap()
    );
    let new = dir.path().join("new.json");
    let rlog = dir.path().join("r.json");
    let o = panels(&[
        &"replace",
        &inst_path,
        &out,
        &"--decline",
        &d1,
        &"--decline",
        &d2,
        &"--out",
        &new,
        &"--log",
        &rlog,
    ]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert_eq!(code(&panels(&[&"verify", &inst_path, &new])), 0);

    let after = read_json(&new);
    let r = read_json(&rlog);
    assert_eq!(r["declines"].as_array().unwrap().len(), 2);
    let changed: Vec<&str> = r["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["application"].as_str().unwrap())
        .collect();
    assert!(changed.contains(&p0["application"].as_str().unwrap()));
    for (b, a) in before["panels"]
        .as_array()
        .unwrap()
        .iter()
        .zip(after["panels"].as_array().unwrap())
    {
        let app = b["application"].as_str().unwrap();
        if !changed.contains(&app) {
            assert_eq!(b["experts"], a["experts"], "untouched panel {app} changed");
        }
    }
    let first_after = after["panels"][0]["experts"].as_array().unwrap();
    assert!(
        !first_after.contains(&p0["experts"][0]),
        "declined expert still on the panel"
    );
    assert_eq!(
        r["pairs_changed"], 2,
        "one alternate per decline suffices here"
    );

    // A decline naming an expert who is not on that panel: exit 2.
    let stranger = (0..60)
        .map(|i| format!("E{:04}", i + 1))
        .find(|id| {
            !p0["experts"]
                .as_array()
                .unwrap()
                .iter()
                .any(|x| x == id.as_str())
        })
        .unwrap();
    let bad = format!("{}:{stranger}", p0["application"].as_str().unwrap());
    let o = panels(&[
        &"replace",
        &inst_path,
        &out,
        &"--decline",
        &bad,
        &"--out",
        &new,
        &"--log",
        &rlog,
    ]);
    assert_eq!(code(&o), 2, "{}", text(&o));
    assert!(text(&o).contains("not on the panel"), "{}", text(&o));
    let o = panels(&[
        &"replace",
        &inst_path,
        &out,
        &"--decline",
        &"nonsense",
        &"--out",
        &new,
        &"--log",
        &rlog,
    ]);
    assert_eq!(code(&o), 2, "{}", text(&o));
}

/// Crossing rules (here each programme's `min_senior`): a draw refuses them
/// (exit 2, naming the rule, nothing written); a replacement whose refill
/// breaks them is refused (exit 3, naming the rule, nothing written), and
/// one that keeps them verifies. Neither ends in an internal error.
#[test]
fn crossing_rules_refuse_a_draw_and_a_replacement_that_breaks_them() {
    let cfg = GenConfig {
        applications: 6,
        experts: 15,
        programmes: 2,
        years: 3,
        seed: 5,
        ..panels::generate::preset("tiny").unwrap()
    };
    let mut inst = generate(&cfg);
    for rules in inst.policy.programmes.values_mut() {
        rules.min_senior = Some(1);
    }
    let dir = tempfile::tempdir().unwrap();
    let round = write(dir.path(), "round.json", &inst);
    let drawn = dir.path().join("drawn.json");
    let log = dir.path().join("draw.json");
    let o = panels(&[&"draw", &round, &"--out", &drawn, &"--log", &log]);
    assert_eq!(code(&o), 2, "{}", text(&o));
    assert!(text(&o).contains("min_senior"), "{}", text(&o));
    assert!(!drawn.exists() && !log.exists());

    let solved = dir.path().join("solved.json");
    let o = panels(&[&"solve", &round, &"--out", &solved]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    let file = read_json(&solved);
    let (mut refused, mut replaced, mut named) = (0, 0, 0);
    for p in file["panels"].as_array().unwrap() {
        for e in p["experts"].as_array().unwrap() {
            let decline = format!(
                "{}:{}",
                p["application"].as_str().unwrap(),
                e.as_str().unwrap()
            );
            let out = dir.path().join("final.json");
            let rlog = dir.path().join("replace.json");
            let o = panels(&[
                &"replace",
                &round,
                &solved,
                &"--decline",
                &decline,
                &"--out",
                &out,
                &"--log",
                &rlog,
            ]);
            match code(&o) {
                0 => {
                    replaced += 1;
                    let v = panels(&[&"verify", &round, &out]);
                    assert_eq!(code(&v), 0, "{decline}: {}", text(&v));
                    std::fs::remove_file(&out).unwrap();
                    std::fs::remove_file(&rlog).unwrap();
                }
                3 => {
                    refused += 1;
                    assert!(
                        !out.exists() && !rlog.exists(),
                        "{decline}: nothing written"
                    );
                    named += usize::from(text(&o).contains("break min_senior"));
                }
                c => panic!("{decline}: exit {c}: {}", text(&o)),
            }
        }
    }
    assert!(refused > 0 && named > 0, "some decline breaks min_senior");
    assert!(replaced > 0, "some decline is replaced");
}

/// The fix an infeasible `--max-probability` suggests works when followed:
/// on the round of `generate --preset tiny --years 3 --programmes 2 --seed
/// 1`, a cap of 0.15 used to suggest 0.181818 (2/11 rounded down, and the
/// outside-city bound of 2/9 left out), then 0.222222 (rounded down
/// again); the suggestion is now the smallest cap that works, rounded up,
/// with every binding bound listed. A tiny cap is echoed as given.
#[test]
fn following_the_suggested_cap_makes_the_draw_feasible() {
    let dir = tempfile::tempdir().unwrap();
    let round = dir.path().join("tiny.json");
    let made = panels(&[
        &"generate",
        &"--preset",
        &"tiny",
        &"--years",
        &"3",
        &"--programmes",
        &"2",
        &"--seed",
        &"1",
        &"--out",
        &round,
    ]);
    assert_eq!(code(&made), 0, "{}", text(&made));
    let (out, log) = (dir.path().join("d.json"), dir.path().join("dl.json"));
    let draw = |cap: &str| {
        panels(&[
            &"draw",
            &round,
            &"--seed",
            &"1",
            &"--max-probability",
            &cap,
            &"--out",
            &out,
            &"--log",
            &log,
        ])
    };
    let first = draw("0.15");
    assert_eq!(code(&first), 3, "{}", text(&first));
    let said = text(&first);
    let suggested = said
        .split("raise max_probability to at least ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no suggestion in\n{said}"))
        .to_string();
    // Both bounds of an application that both bind are listed.
    assert!(said.contains("from outside"), "{said}");
    let again = draw(&suggested);
    assert_eq!(
        code(&again),
        0,
        "--max-probability {suggested}: {}",
        text(&again)
    );
    assert!(!out.exists() || read_json(&out)["panels"].is_array());
    // One millionth less is still too low.
    let units: i64 = (suggested.parse::<f64>().unwrap() * 1e6).round() as i64;
    let less = draw(&panels::draw::units_text(units - 1));
    assert_eq!(code(&less), 3, "{}", text(&less));
    // A tiny cap is echoed as given, with the cap applied.
    let tiny = draw("1e-300");
    assert_eq!(code(&tiny), 3, "{}", text(&tiny));
    assert!(
        text(&tiny).contains(
            "at most 1e-300 (max_probability; caps are counted in millionths, so it was applied as 0.000001)"
        ),
        "{}",
        text(&tiny)
    );
}

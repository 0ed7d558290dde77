//! A round from first draw to final panels, end to end through the binary:
//! the draw is random by default, declines and withdrawals stick across
//! replacements in every panels format, locked panels do not move,
//! replacement logs replay byte for byte, and `verify` tells broken rules
//! from claims (an edit after solving, a tampered objective).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use panels::generate::{generate, preset, GenConfig};
use panels::io::{write_instance, InstanceFormat};
use panels::model::Instance;

fn panels(args: &[&dyn AsRef<std::ffi::OsStr>]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_panels"));
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

fn instance() -> Instance {
    let mut inst = generate(&GenConfig::sized(30, 60).seed(3).panel_size(3));
    inst.policy.min_outside = 1;
    inst
}

fn write(dir: &Path, name: &str, inst: &Instance) -> PathBuf {
    let p = dir.join(name);
    write_instance(inst, &p, InstanceFormat::Bundle).unwrap();
    p
}

fn read_json(p: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
}

fn ok(o: Output) -> Output {
    assert_eq!(code(&o), 0, "{}", text(&o));
    o
}

#[test]
fn the_default_draw_is_random_capped_at_one_half_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let inst_path = write(dir.path(), "round.json", &instance());
    let draw = |seed: &str, extra: &[&str]| {
        let out = dir.path().join(format!("p{seed}{}.json", extra.join("")));
        let log = dir.path().join(format!("l{seed}{}.json", extra.join("")));
        let mut args: Vec<&dyn AsRef<std::ffi::OsStr>> = vec![
            &"draw", &inst_path, &"--seed", &seed, &"--out", &out, &"--log", &log,
        ];
        for e in extra {
            args.push(e);
        }
        let o = ok(panels(&args));
        (read_json(&out), read_json(&log), text(&o))
    };
    let (p7, l7, said) = draw("7", &[]);
    assert!(said.contains("default 0.5"), "{said}");
    assert_eq!(l7["max_probability"], 0.5);
    assert_eq!(l7["max_probability_source"], "default");
    let others: Vec<_> = ["8", "9", "10"].iter().map(|s| draw(s, &[]).0).collect();
    assert!(
        others.iter().any(|p| p["panels"] != p7["panels"]),
        "seeds 7 to 10 drew the same panels"
    );
    // The flag wins over the policy, and a cap of 1 is the optimal solve.
    let (p1, l1, _) = draw("7", &["--max-probability", "1"]);
    assert_eq!(l1["max_probability_source"], "flag");
    assert_eq!(l1["rounding_steps"], 0);
    let solved = dir.path().join("solved.json");
    ok(panels(&[&"solve", &inst_path, &"--out", &solved]));
    assert_eq!(p1["panels"], read_json(&solved)["panels"]);
    // Replaying a draw made with the flag applies the flag again.
    let log = dir.path().join("l7--max-probability1.json");
    let o = ok(panels(&[&"draw", &"--replay", &log]));
    assert!(text(&o).contains("replay identical"), "{}", text(&o));
    for bad in ["0", "1.5", "-0.2", "NaN"] {
        let o = panels(&[
            &"draw",
            &inst_path,
            &"--max-probability",
            &bad,
            &"--out",
            &dir.path().join("x.json"),
            &"--log",
            &dir.path().join("y.json"),
        ]);
        assert_eq!(code(&o), 2, "--max-probability {bad}: {}", text(&o));
    }
}

/// decline → replace → decline → replace in each panels format: no declined
/// pair or withdrawn expert comes back, the state is carried, and a locked
/// panel keeps its members.
#[test]
fn declines_and_locks_stick_across_replacements_in_every_format() {
    for ext in ["json", "csv", "xlsx"] {
        let dir = tempfile::tempdir().unwrap();
        let inst_path = write(dir.path(), "round.json", &instance());
        let d0 = dir.path().join("d0.json");
        let log = dir.path().join("draw.json");
        ok(panels(&[
            &"draw", &inst_path, &"--seed", &"5", &"--out", &d0, &"--log", &log,
        ]));
        // The office's copy in the format under test.
        let d0 = if ext == "json" {
            d0
        } else {
            let copy = dir.path().join(format!("d0.{ext}"));
            ok(panels(&[&"export", &inst_path, &d0, &"--out", &copy]));
            copy
        };
        let drawn = read_json(&log);
        let first = drawn["panels"][0]["application"]
            .as_str()
            .unwrap()
            .to_string();
        let e1 = drawn["panels"][0]["experts"][0]
            .as_str()
            .unwrap()
            .to_string();
        let locked_app = drawn["panels"][5]["application"]
            .as_str()
            .unwrap()
            .to_string();
        let locked_panel = drawn["panels"][5]["experts"].clone();
        // An expert on neither the first nor the locked panel withdraws.
        let on = |i: usize, e: &str| {
            drawn["panels"][i]["experts"]
                .as_array()
                .unwrap()
                .iter()
                .any(|x| x == e)
        };
        let withdrawn = drawn["panels"][9]["experts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e.as_str().unwrap().to_string())
            .find(|e| !on(0, e) && !on(5, e))
            .expect("a member of panel 10 on neither panel");

        let r1 = dir.path().join(format!("r1.{ext}"));
        let l1 = dir.path().join("r1.log.json");
        ok(panels(&[
            &"replace",
            &inst_path,
            &d0,
            &"--decline",
            &format!("{first}:{e1}"),
            &"--lock",
            &locked_app,
            &"--out",
            &r1,
            &"--log",
            &l1,
        ]));
        let after1 = read_json(&l1);
        let now = after1["panels"][0]["experts"].clone();
        assert!(!now.as_array().unwrap().iter().any(|e| e == e1.as_str()));
        let e2 = now[0].as_str().unwrap().to_string();

        let r2 = dir.path().join(format!("r2.{ext}"));
        let l2 = dir.path().join("r2.log.json");
        ok(panels(&[
            &"replace",
            &inst_path,
            &r1,
            &"--decline",
            &format!("{first}:{e2},{withdrawn}"),
            &"--allow-moves",
            &"--out",
            &r2,
            &"--log",
            &l2,
        ]));
        let after2 = read_json(&l2);
        for p in after2["panels"].as_array().unwrap() {
            let experts = p["experts"].as_array().unwrap();
            assert!(
                !experts.iter().any(|e| e == withdrawn.as_str()),
                "{ext}: withdrawn expert back on {p}"
            );
            if p["application"] == first.as_str() {
                assert!(
                    !experts.iter().any(|e| e == e1.as_str() || e == e2.as_str()),
                    "{ext}: a declined pair came back: {p}"
                );
            }
            if p["application"] == locked_app.as_str() {
                assert_eq!(p["experts"], locked_panel, "{ext}: the locked panel moved");
            }
        }
        let declined: Vec<String> = after2["declined"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                format!(
                    "{}:{}",
                    d["application"].as_str().unwrap(),
                    d["expert"].as_str().unwrap()
                )
            })
            .collect();
        assert!(
            declined.contains(&format!("{first}:{e1}"))
                && declined.contains(&format!("{first}:{e2}")),
            "{ext}: {declined:?}"
        );
        assert_eq!(after2["withdrawn"], serde_json::json!([withdrawn]));
        assert_eq!(after2["locked"], serde_json::json!([locked_app]));
        ok(panels(&[&"verify", &inst_path, &r2]));

        // A third replacement on the written file still knows everything.
        let r3 = dir.path().join(format!("r3.{ext}"));
        let l3 = dir.path().join("r3.log.json");
        let third = after2["panels"][2]["application"]
            .as_str()
            .unwrap()
            .to_string();
        let e3 = after2["panels"][2]["experts"][1]
            .as_str()
            .unwrap()
            .to_string();
        ok(panels(&[
            &"replace",
            &inst_path,
            &r2,
            &"--decline",
            &format!("{third}:{e3}"),
            &"--out",
            &r3,
            &"--log",
            &l3,
        ]));
        let after3 = read_json(&l3);
        assert_eq!(after3["declined"].as_array().unwrap().len(), 3, "{ext}");
        assert_eq!(after3["withdrawn"], serde_json::json!([withdrawn]));
        assert_eq!(after3["locked"], serde_json::json!([locked_app]));
        assert_eq!(
            after3["pairs_changed"], 1,
            "{ext}: only the declined seat changes"
        );
        for (b, a) in after2["panels"]
            .as_array()
            .unwrap()
            .iter()
            .zip(after3["panels"].as_array().unwrap())
        {
            if b["application"] != third.as_str() {
                assert_eq!(
                    b["experts"], a["experts"],
                    "{ext}: a panel without a decline changed"
                );
            }
        }
        // A declined seat on a locked panel is refused.
        let o = panels(&[
            &"replace",
            &inst_path,
            &r3,
            &"--decline",
            &format!("{locked_app}:{}", locked_panel[0].as_str().unwrap()),
            &"--out",
            &dir.path().join(format!("r4.{ext}")),
            &"--log",
            &dir.path().join("r4-log.json"),
        ]);
        assert_eq!(code(&o), 2, "{ext}: {}", text(&o));
        assert!(text(&o).contains("locked"), "{}", text(&o));
    }
}

#[test]
fn replace_logs_replay_byte_for_byte_and_refuse_changed_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let inst_path = write(dir.path(), "round.json", &instance());
    let d0 = dir.path().join("d0.json");
    let log = dir.path().join("draw.json");
    ok(panels(&[
        &"draw", &inst_path, &"--out", &d0, &"--log", &log,
    ]));
    let drawn = read_json(&d0);
    let d = format!(
        "{}:{}",
        drawn["panels"][1]["application"].as_str().unwrap(),
        drawn["panels"][1]["experts"][0].as_str().unwrap()
    );
    let r1 = dir.path().join("r1.json");
    let l1 = dir.path().join("r1.log.json");
    ok(panels(&[
        &"replace",
        &inst_path,
        &d0,
        &"--decline",
        &d,
        &"--out",
        &r1,
        &"--log",
        &l1,
    ]));
    let o = ok(panels(&[&"replace", &"--replay", &l1]));
    assert!(text(&o).contains("replay identical"), "{}", text(&o));
    let again = dir.path().join("again.json");
    ok(panels(&[&"replace", &"--replay", &l1, &"--out", &again]));
    assert_eq!(std::fs::read(&again).unwrap(), std::fs::read(&r1).unwrap());
    // `draw --replay` checks a replacement's log too (one command for
    // every log of a round), with the same bytes.
    let o = ok(panels(&[&"draw", &"--replay", &l1]));
    assert!(text(&o).contains("replay identical"), "{}", text(&o));
    let again2 = dir.path().join("again2.json");
    ok(panels(&[&"draw", &"--replay", &l1, &"--out", &again2]));
    assert_eq!(std::fs::read(&again2).unwrap(), std::fs::read(&r1).unwrap());

    // A tampered log differs (exit 1).
    let tampered = dir.path().join("tampered.json");
    let mut v = read_json(&l1);
    v["pairs_kept"] = serde_json::json!(0);
    std::fs::write(&tampered, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
    let o = panels(&[&"replace", &"--replay", &tampered]);
    assert_eq!(code(&o), 1, "{}", text(&o));
    assert!(text(&o).contains("differs"), "{}", text(&o));
    let o = panels(&[&"draw", &"--replay", &tampered]);
    assert_eq!(code(&o), 1, "{}", text(&o));

    // A changed panels file or instance is refused (exit 2).
    let mut p = read_json(&d0);
    p["objective"] = serde_json::json!(0.0);
    std::fs::write(&d0, serde_json::to_vec_pretty(&p).unwrap()).unwrap();
    let o = panels(&[&"replace", &"--replay", &l1]);
    assert_eq!(code(&o), 2, "{}", text(&o));
    assert!(text(&o).contains("panels file changed"), "{}", text(&o));
    let mut changed = instance();
    changed.policy.max_load += 1;
    write_instance(&changed, &inst_path, InstanceFormat::Bundle).unwrap();
    let o = panels(&[&"replace", &"--replay", &l1]);
    assert_eq!(code(&o), 2, "{}", text(&o));
    assert!(text(&o).contains("instance changed"), "{}", text(&o));
}

#[test]
fn when_only_declined_seats_may_change_and_cannot_it_says_why_and_what_helps() {
    let dir = tempfile::tempdir().unwrap();
    // Loads are tight: everybody reviews exactly as many as they may.
    let mut inst = generate(&GenConfig::sized(20, 12).seed(1).panel_size(3));
    inst.policy.min_outside = 0;
    inst.policy.max_load = 5;
    inst.policy.min_load = 5;
    for e in &mut inst.experts {
        e.max_load = None;
        e.min_load = None;
    }
    let inst_path = write(dir.path(), "tight.json", &inst);
    let solved = dir.path().join("s.json");
    let o = panels(&[&"solve", &inst_path, &"--out", &solved]);
    if code(&o) != 0 {
        panic!("the tight round should solve: {}", text(&o));
    }
    let s = read_json(&solved);
    let d = format!(
        "{}:{}",
        s["panels"][0]["application"].as_str().unwrap(),
        s["panels"][0]["experts"][0].as_str().unwrap()
    );
    let o = panels(&[
        &"replace",
        &inst_path,
        &solved,
        &"--decline",
        &d,
        &"--out",
        &dir.path().join("r.json"),
        &"--log",
        &dir.path().join("r.log.json"),
    ]);
    assert_eq!(code(&o), 3, "{}", text(&o));
    let t = text(&o);
    assert!(t.contains("min_load") || t.contains("max_load"), "{t}");
    assert!(t.contains("--allow-moves"), "{t}");
    assert!(!dir.path().join("r.json").exists());
}

/// A legal hand edit: swap one member for an eligible expert so that every
/// rule still holds (found by trying swaps against `verify`'s rules).
fn legal_swap(inst: &Instance, file: &panels::io::panels::PanelsFile) -> (usize, usize, String) {
    for (i, p) in file.panels.iter().enumerate() {
        for m in 0..p.experts.len() {
            for e in &inst.experts {
                if p.experts.contains(&e.id) {
                    continue;
                }
                let mut edited = file.clone();
                edited.panels[i].experts[m] = e.id.clone();
                edited.panels[i].scores = None;
                if panels::verify::verify(inst, &edited).rules_ok() {
                    return (i, m, e.id.clone());
                }
            }
        }
    }
    panic!("no legal swap in the round");
}

#[test]
fn verify_tells_an_edit_after_solving_from_a_broken_claim() {
    let dir = tempfile::tempdir().unwrap();
    let inst = instance();
    let inst_path = write(dir.path(), "round.json", &inst);
    let solved = dir.path().join("s.json");
    ok(panels(&[&"solve", &inst_path, &"--out", &solved]));
    let o = ok(panels(&[&"verify", &inst_path, &solved]));
    assert!(!text(&o).contains("re-checked"), "{}", text(&o));
    assert!(text(&o).contains("not checked"), "{}", text(&o));
    let file = panels::io::read_panels(&solved).unwrap();

    // An edit keeping the rules: exit 0, with the note.
    let (i, m, e) = legal_swap(&inst, &file);
    let mut edited = file.clone();
    edited.panels[i].experts[m] = e;
    edited.panels[i].scores = None;
    let path = dir.path().join("edited.json");
    std::fs::write(&path, serde_json::to_vec_pretty(&edited).unwrap()).unwrap();
    let o = ok(panels(&[&"verify", &inst_path, &path]));
    assert!(
        text(&o).contains("edited after solving: objective now"),
        "{}",
        text(&o)
    );
    assert!(
        text(&o).contains("no longer proven optimal"),
        "{}",
        text(&o)
    );

    // A claim off by one millionth: broken (exit 1), compared exactly.
    let mut tampered = file.clone();
    tampered.objective += 1e-6;
    let path = dir.path().join("tampered.json");
    std::fs::write(&path, serde_json::to_vec_pretty(&tampered).unwrap()).unwrap();
    let o = panels(&[&"verify", &inst_path, &path]);
    assert_eq!(code(&o), 1, "{}", text(&o));
    assert!(text(&o).contains("claims: BROKEN"), "{}", text(&o));
    assert!(text(&o).starts_with("OK:"), "the rules hold: {}", text(&o));
    // A wrong bound on an optimal file, too.
    let mut tampered = file.clone();
    tampered.bound = tampered.bound.map(|b| b + 0.5);
    std::fs::write(&path, serde_json::to_vec_pretty(&tampered).unwrap()).unwrap();
    assert_eq!(code(&panels(&[&"verify", &inst_path, &path])), 1);
    // A certificate whose stated dual objective is wrong fails --certificate.
    let mut tampered = file.clone();
    if let Some(c) = tampered.certificate.as_mut() {
        let d = c["dual_objective"].as_i64().unwrap();
        c["dual_objective"] = serde_json::json!(d + 1);
    }
    std::fs::write(&path, serde_json::to_vec_pretty(&tampered).unwrap()).unwrap();
    let o = panels(&[&"verify", &inst_path, &path, &"--certificate"]);
    assert_eq!(code(&o), 1, "{}", text(&o));
    assert!(text(&o).contains("dual objective"), "{}", text(&o));

    // --certificate without one: says so, exit 2, not a rule failure.
    let draw = dir.path().join("d.json");
    ok(panels(&[
        &"draw",
        &inst_path,
        &"--out",
        &draw,
        &"--log",
        &dir.path().join("l.json"),
    ]));
    let o = panels(&[&"verify", &inst_path, &draw, &"--certificate"]);
    assert_eq!(code(&o), 2, "{}", text(&o));
    assert!(text(&o).contains("none in this file"), "{}", text(&o));

    // A CSV claims nothing: "not recorded", never "feasible, bound: none".
    let csv = dir.path().join("s.csv");
    ok(panels(&[&"solve", &inst_path, &"--out", &csv]));
    let o = ok(panels(&[&"verify", &inst_path, &csv]));
    assert!(text(&o).contains("not recorded"), "{}", text(&o));
    assert!(!text(&o).contains("bound: none"), "{}", text(&o));

    // Panels made for another version of the round: one line.
    let mut other = inst.clone();
    other.policy.seed += 1;
    let other_path = write(dir.path(), "other.json", &other);
    let o = panels(&[&"verify", &other_path, &solved]);
    assert_eq!(
        text(&o)
            .matches("made for another version of the round")
            .count(),
        1,
        "{}",
        text(&o)
    );
}

#[test]
fn a_hand_edited_workbook_that_keeps_the_rules_verifies_reports_and_exports() {
    use panels::io::xlsx::{read_xlsx_tables, tables_xlsx_bytes, Table, XCell};
    let dir = tempfile::tempdir().unwrap();
    let inst = generate(&preset("yangtze").unwrap());
    let inst_path = write(dir.path(), "yangtze.json", &inst);
    let book = dir.path().join("panels.xlsx");
    ok(panels(&[&"solve", &inst_path, &"--out", &book]));
    let file = panels::io::read_panels_for(&book, &inst).unwrap();
    let (i, m, e) = legal_swap(&inst, &file);
    let app = file.panels[i].application.clone();
    let old = file.panels[i].experts[m].clone();
    // Swap the id on the city sheet and on the reviewer sheet, as an
    // officer would (the two must agree).
    let sheets = read_xlsx_tables(&std::fs::read(&book).unwrap()).unwrap();
    let mut swapped = false;
    let mut on_reviewer_sheet = false;
    let tables: Vec<Table> = sheets
        .into_iter()
        .map(|(name, rows)| {
            let mut rows = rows;
            if name == "by expert" {
                let a = rows[0].iter().position(|c| c == "application").unwrap();
                for row in rows.iter_mut().skip(1) {
                    if row[a] == app && row[0] == old {
                        row[0] = e.clone();
                        on_reviewer_sheet = true;
                    }
                }
            } else if name != "summary" {
                for row in rows.iter_mut().skip(1) {
                    if row.first().map(String::as_str) == Some(app.as_str()) {
                        for c in row.iter_mut() {
                            if *c == old {
                                *c = e.clone();
                                swapped = true;
                            }
                        }
                    }
                }
            }
            let mut it = rows.into_iter();
            let header = it.next().unwrap_or_default();
            Table {
                name,
                header,
                rows: it
                    .map(|r| r.into_iter().map(XCell::from).collect())
                    .collect(),
            }
        })
        .collect();
    assert!(swapped, "the member's id is on the city sheet");
    assert!(on_reviewer_sheet, "the review is on the reviewer sheet");
    let edited = dir.path().join("edited.xlsx");
    std::fs::write(&edited, tables_xlsx_bytes(&edited, &tables).unwrap()).unwrap();

    let o = ok(panels(&[&"verify", &inst_path, &edited]));
    assert!(text(&o).contains("edited after solving"), "{}", text(&o));
    let report = dir.path().join("r.html");
    let o = ok(panels(&[
        &"report",
        &inst_path,
        &edited,
        &"--out",
        &report,
        &"--no-price",
    ]));
    assert!(!text(&o).contains("breaks"), "{}", text(&o));
    let html = std::fs::read_to_string(&report).unwrap();
    assert!(
        !html.contains("breaks 2 rule"),
        "the report shows a red banner"
    );
    ok(panels(&[
        &"export",
        &inst_path,
        &edited,
        &"--anonymous",
        &"--out",
        &dir.path().join("anon.csv"),
    ]));
}

/// A panels file that is not a set of complete panels (an expert listed
/// twice, a panel short of its size) is refused by `replace` as bad input
/// naming the panel, not reported as an infeasible replacement.
#[test]
fn replace_refuses_a_broken_panels_file_naming_the_panel() {
    let dir = tempfile::tempdir().unwrap();
    let inst_path = write(dir.path(), "round.json", &instance());
    let solved = dir.path().join("s.json");
    ok(panels(&[&"solve", &inst_path, &"--out", &solved, &"-q"]));
    let file = read_json(&solved);
    let app = file["panels"][0]["application"]
        .as_str()
        .unwrap()
        .to_string();
    let first = file["panels"][0]["experts"][0]
        .as_str()
        .unwrap()
        .to_string();
    let other = file["panels"][1]["experts"][0]
        .as_str()
        .unwrap()
        .to_string();
    for (name, edit, says) in [
        ("twice.json", "twice", "is listed twice on the panel of"),
        (
            "short.json",
            "short",
            "lists 2 expert(s), its panel size is 3",
        ),
    ] {
        let mut f = file.clone();
        let experts = f["panels"][0]["experts"].as_array_mut().unwrap();
        match edit {
            "twice" => experts[1] = experts[0].clone(),
            _ => {
                experts.pop();
            }
        }
        let path = dir.path().join(name);
        std::fs::write(&path, serde_json::to_vec(&f).unwrap()).unwrap();
        let decline = format!("{app}:{first}");
        let out = panels(&[
            &"replace",
            &inst_path,
            &path,
            &"--decline",
            &other,
            &"--decline",
            &decline,
            &"--out",
            &dir.path().join("r.json"),
            &"--log",
            &dir.path().join("l.json"),
        ]);
        assert_eq!(code(&out), 2, "{name}: {}", text(&out));
        assert!(
            text(&out).contains(says) && text(&out).contains(&app),
            "{name}: {}",
            text(&out)
        );
        assert!(!dir.path().join("r.json").exists() && !dir.path().join("l.json").exists());
    }
}

#[test]
fn a_locked_panel_is_unlocked_by_a_replacement_and_the_log_replays() {
    let dir = tempfile::tempdir().unwrap();
    let inst = instance();
    let inst_path = write(dir.path(), "round.json", &inst);
    let d0 = dir.path().join("d0.json");
    ok(panels(&[&"solve", &inst_path, &"--out", &d0, &"-q"]));
    let app = inst.applications[0].id.clone();
    let member = read_json(&d0)["panels"][0]["experts"][0]
        .as_str()
        .unwrap()
        .to_string();
    // Lock the first panel.
    let (r1, l1) = (dir.path().join("r1.json"), dir.path().join("r1.log.json"));
    ok(panels(&[
        &"replace", &inst_path, &d0, &"--lock", &app, &"--out", &r1, &"--log", &l1,
    ]));
    assert_eq!(read_json(&r1)["locked"], serde_json::json!([app]));
    // Locked: its member cannot decline.
    let (r2, l2) = (dir.path().join("r2.json"), dir.path().join("r2.log.json"));
    let decline = format!("{app}:{member}");
    let refused = panels(&[
        &"replace",
        &inst_path,
        &r1,
        &"--decline",
        &decline,
        &"--out",
        &r2,
        &"--log",
        &l2,
    ]);
    assert_eq!(code(&refused), 2, "{}", text(&refused));
    assert!(text(&refused).contains("--unlock"), "{}", text(&refused));
    // Unlocked in the same replacement: the seat is refilled, and the
    // file no longer lists the panel as locked.
    ok(panels(&[
        &"replace",
        &inst_path,
        &r1,
        &"--unlock",
        &app,
        &"--decline",
        &decline,
        &"--out",
        &r2,
        &"--log",
        &l2,
    ]));
    let after = read_json(&r2);
    assert!(after
        .get("locked")
        .is_none_or(|l| l.as_array().unwrap().is_empty()));
    assert_eq!(read_json(&l2)["unlock"], serde_json::json!([app]));
    assert!(!after["panels"][0]["experts"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e == member.as_str()));
    // The log replays byte for byte.
    ok(panels(&[&"replace", &"--replay", &l2]));
    // Unlocking and locking one panel at once is refused; unknown ids too.
    for bad in [
        vec!["--unlock", app.as_str(), "--lock", app.as_str()],
        vec!["--unlock", "NOPE"],
    ] {
        let (r3, l3) = (dir.path().join("r3.json"), dir.path().join("r3.log.json"));
        let mut args: Vec<&dyn AsRef<std::ffi::OsStr>> = vec![&"replace", &inst_path, &r1];
        for a in &bad {
            args.push(a);
        }
        args.extend([&"--out" as &dyn AsRef<std::ffi::OsStr>, &r3, &"--log", &l3]);
        let o = panels(&args);
        assert_eq!(code(&o), 2, "{bad:?}: {}", text(&o));
        assert!(!r3.exists() && !l3.exists());
    }
}

/// A JSON panels file written by hand with its panels only records no
/// claims, as a CSV does: verify checks the rules and says so.
#[test]
fn a_hand_written_json_panels_file_needs_no_claims() {
    let dir = tempfile::tempdir().unwrap();
    let inst_path = write(dir.path(), "round.json", &instance());
    let solved = dir.path().join("p.json");
    ok(panels(&[&"solve", &inst_path, &"--out", &solved, &"-q"]));
    let only = serde_json::json!({ "panels": read_json(&solved)["panels"] });
    let hand = dir.path().join("hand.json");
    std::fs::write(&hand, serde_json::to_vec(&only).unwrap()).unwrap();
    let o = ok(panels(&[&"verify", &inst_path, &hand]));
    let said = text(&o);
    assert!(said.contains("obey every rule"), "{said}");
    assert!(said.contains("not recorded"), "{said}");
    // A broken rule is still found.
    let mut broken = only.clone();
    let first = broken["panels"][0]["experts"].as_array_mut().unwrap();
    let second = first[1].clone();
    first[0] = second;
    std::fs::write(&hand, serde_json::to_vec(&broken).unwrap()).unwrap();
    let o = panels(&[&"verify", &inst_path, &hand]);
    assert_eq!(code(&o), 1, "{}", text(&o));
}

//! The report of a drawn round: it shows the cap, the draw log's SHA-256
//! (recorded in the panels file by `draw`, and of the log given with
//! `--log`) and the replay command, and it tells when a file that names a
//! draw is not what its draw log gives — or comes without a log, or was
//! edited after the draw (`verify`'s note). `report --check` needs the log
//! the report was made with.

mod util;

use serde_json::Value;
use util::Sandbox;

/// A generated Yangtze round with programmes, solved and drawn (seed 11,
/// cap ½), in a sandbox: `round.json`, `solved.json`, `drawn.json`,
/// `draw-log.json`.
fn drawn_round() -> Sandbox {
    let sb = Sandbox::new();
    sb.run(&[
        "-q",
        "generate",
        "--preset",
        "yangtze",
        "--applications",
        "40",
        "--experts",
        "200",
        "--seed",
        "5",
        "--programmes",
        "2",
        "--out",
        "round.json",
    ])
    .expect_code(0);
    sb.run(&["-q", "solve", "round.json", "--out", "solved.json"])
        .expect_code(0);
    sb.run(&[
        "-q",
        "draw",
        "round.json",
        "--seed",
        "11",
        "--max-probability",
        "0.5",
        "--out",
        "drawn.json",
        "--log",
        "draw-log.json",
    ])
    .expect_code(0);
    sb
}

fn sha256(bytes: &[u8]) -> String {
    panels::io::sha256_hex(bytes)
}

/// The figures embedded in a Markdown report.
fn figures_of(md: &str) -> Value {
    let block = md.split("<!-- panels-figures\n").nth(1).unwrap();
    serde_json::from_str(block.split("-->").next().unwrap()).unwrap()
}

/// The shell commands of a Markdown report's "how to check" block.
fn commands(md: &str) -> Vec<String> {
    md.split("```sh\n")
        .nth(1)
        .and_then(|b| b.split("\n```").next())
        .unwrap_or("")
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn a_draw_report_shows_its_cap_log_hash_and_replay_and_checks_with_the_log() {
    let sb = drawn_round();
    let log_sha = sha256(&sb.read("draw-log.json"));
    let drawn = sb.read_json("drawn.json");
    assert_eq!(
        drawn["draw_log_sha256"].as_str(),
        Some(log_sha.as_str()),
        "the draw records its log's hash in the panels file"
    );
    sb.run(&[
        "-q",
        "report",
        "round.json",
        "drawn.json",
        "--log",
        "draw-log.json",
        "--lang",
        "en",
        "--out",
        "r.md",
    ])
    .expect_code(0);
    let md = String::from_utf8(sb.read("r.md")).unwrap();
    assert!(!md.contains("> **Notes"), "a true draw has no notes:\n{md}");
    for want in [
        "probability cap on every (application, expert) pair: 0.5",
        &format!("draw log SHA-256 recorded in the panels file: {log_sha}"),
        "the same panels, seed and input as this file",
        "panels draw --replay draw-log.json round.json",
    ] {
        assert!(md.contains(want), "{want:?} missing:\n{md}");
    }
    let cmds = commands(&md);
    assert!(cmds.contains(&"sha256sum draw-log.json".to_string()));
    assert!(cmds.contains(
        &"panels report --check r.md round.json drawn.json --log draw-log.json".to_string()
    ));
    // Every command of the block succeeds on these files (the replay, the
    // check with the log, the price's reproduction included).
    for c in &cmds {
        let args: Vec<&str> = c.split_whitespace().collect();
        match args[0] {
            "panels" => {
                let mut a = vec!["-q"];
                a.extend(&args[1..]);
                sb.run(&a).expect_code(0);
            }
            "sha256sum" => {}
            other => panic!("unexpected command {other}"),
        }
    }
    // The round without the city rules, solved by `panels solve`, scores
    // what the price table says for that side.
    let figures = figures_of(&md);
    let city = &figures["prices"][0];
    assert_eq!(city["family"], "city");
    let without = sb.read_json("without-city-panels.json");
    assert_eq!(
        (without["objective"].as_f64().unwrap() * 1e6).round() as i64,
        city["outcome"]["without"]["objective_micro"]
            .as_i64()
            .unwrap()
    );
    assert_eq!(city["outcome"]["without"]["source"], "flow+certificate");
    // --check without the log the report was made with is a difference.
    sb.run(&[
        "-q",
        "report",
        "--check",
        "r.md",
        "round.json",
        "drawn.json",
    ])
    .expect_code(1)
    .stdout_has(&["give it with --log"]);
    // A file that is neither a draw log nor a replacement's log is
    // refused, nothing written.
    sb.run(&[
        "-q",
        "report",
        "round.json",
        "drawn.json",
        "--log",
        "drawn.json",
        "--out",
        "x.md",
    ])
    .expect_code(2)
    .stderr_has(&["not a draw log or a replacement's log"]);
    assert!(!sb.path("x.md").exists());
}

/// A replacement's log ties the panels file it wrote to the step before:
/// the report shows the declines, who replaced whom, the log's SHA-256
/// and the SHA-256 of the file it started from (the draw's output), and
/// whether the file holds the panels the log wrote; `--check` needs the
/// log, and the file it started from is not the replacement's output.
#[test]
fn a_replacement_log_ties_the_replaced_panels_to_the_draw() {
    let sb = drawn_round();
    let drawn = sb.read_json("drawn.json");
    let app = drawn["panels"][0]["application"]
        .as_str()
        .unwrap()
        .to_string();
    let ex = drawn["panels"][0]["experts"][0]
        .as_str()
        .unwrap()
        .to_string();
    sb.run(&[
        "-q",
        "replace",
        "round.json",
        "drawn.json",
        "--decline",
        &format!("{app}:{ex}"),
        "--allow-moves",
        "--out",
        "replaced.json",
        "--log",
        "replace-log.json",
    ])
    .expect_code(0);
    let log = sb.read("replace-log.json");
    let drawn_sha = sha256(&sb.read("drawn.json"));
    for lang in ["en", "zh"] {
        sb.run(&[
            "-q",
            "report",
            "round.json",
            "replaced.json",
            "--log",
            "replace-log.json",
            "--lang",
            lang,
            "--out",
            "r.md",
        ])
        .expect_code(0);
        let md = String::from_utf8(sb.read("r.md")).unwrap();
        let f = figures_of(&md);
        let r = &f["replace"];
        assert_eq!(r["sha256"], sha256(&log), "{r}");
        assert_eq!(r["started_from_sha256"], drawn_sha.as_str(), "{r}");
        assert_eq!(r["declines"][0], format!("{app}:{ex}").as_str());
        assert_eq!(r["panels_differ"], 0);
        assert!(r["changed"].as_u64().unwrap() >= 1);
        assert!(r["changes"][0]["removed"][0].is_string(), "{r}");
        assert!(f.get("draw").is_none() || f["draw"]["log"].is_null(), "{f}");
        assert!(md.contains(&drawn_sha), "the chain's link is shown");
        assert!(
            md.contains("panels replace --replay replace-log.json"),
            "{md}"
        );
        // A Chinese row's label and value stand either side of a
        // full-width colon.
        let words: &[&str] = if lang == "en" {
            &[
                "The replacement:",
                "replaced on",
                "started from",
                "- replacement log given to this report: replace-log.json",
            ]
        } else {
            &[
                "替换：",
                "的替换",
                "日志写出的专家组与本文件一致：是",
                "- 本报告所用的替换日志：replace-log.json",
                "- 随机种子：11",
            ]
        };
        for w in words {
            assert!(md.contains(w), "{w}\n{md}");
        }
        sb.run(&[
            "-q",
            "report",
            "--check",
            "r.md",
            "round.json",
            "replaced.json",
            "--log",
            "replace-log.json",
        ])
        .expect_code(0);
    }
    // The panels it started from are not the ones it wrote: a note at the
    // top names the panel that changed.
    sb.run(&[
        "-q",
        "report",
        "round.json",
        "drawn.json",
        "--log",
        "replace-log.json",
        "--lang",
        "en",
        "--out",
        "old.md",
    ])
    .expect_code(0);
    let md = String::from_utf8(sb.read("old.md")).unwrap();
    let f = figures_of(&md);
    assert!(f["replace"]["panels_differ"].as_u64().unwrap() >= 1, "{f}");
    assert!(
        md.contains("are not the ones the replacement wrote") && md.contains(&app),
        "{md}"
    );
}

/// The optimum's panels put into the draw's file (label `draw`, seed 11
/// kept): without the log the report says that nothing ties the panels to
/// a draw and repeats `verify`'s edit note; with the log it names the
/// applications whose panels are not the draw's. Without the assignment
/// hash (so no edit note) the first note still stands.
#[test]
fn a_hand_picked_assignment_labelled_a_draw_carries_the_notes() {
    let sb = drawn_round();
    let solved = sb.read_json("solved.json");
    let mut fake = sb.read_json("drawn.json");
    fake["panels"] = solved["panels"].clone();
    fake["objective"] = solved["objective"].clone();
    sb.write_json("fake.json", &fake);
    sb.run(&["-q", "verify", "round.json", "fake.json"])
        .expect_code(0)
        .stdout_has(&["note: edited after solving"]);

    for lang in ["en", "zh"] {
        let out = format!("fake-{lang}.md");
        sb.run(&[
            "-q",
            "report",
            "round.json",
            "fake.json",
            "--lang",
            lang,
            "--out",
            &out,
        ])
        .expect_code(0);
        let md = String::from_utf8(sb.read(&out)).unwrap();
        let notes = md.split("## 1.").next().unwrap();
        let want: &[&str] = if lang == "en" {
            &[
                "Notes: check these before relying on this file",
                "verify: note: edited after solving",
                "drawn at random (seed 11)",
                "does not show that these panels are the draw's",
            ]
        } else {
            &[
                "提示：使用本文件前请先核对以下各点",
                "verify 提示：求解后被修改过",
                "随机抽取（随机种子 11）",
                "不能说明这些专家组就是该次抽取的结果",
            ]
        };
        for w in want {
            assert!(notes.contains(w), "{lang}: {w:?} missing:\n{notes}");
        }
        assert!(
            md.contains("panels draw --replay"),
            "{lang}: the replay command"
        );
    }

    sb.run(&[
        "-q",
        "report",
        "round.json",
        "fake.json",
        "--log",
        "draw-log.json",
        "--lang",
        "en",
        "--out",
        "fake-log.md",
    ])
    .expect_code(0);
    let md = String::from_utf8(sb.read("fake-log.md")).unwrap();
    let notes = md.split("## 1.").next().unwrap();
    assert!(
        notes.contains(
            "in this file are not the draw's (the log draw-log.json names other members)"
        ),
        "{notes}"
    );
    assert!(md.contains("does NOT match this file"), "{md}");
    // The report is true, so it checks.
    sb.run(&[
        "-q",
        "report",
        "--check",
        "fake-log.md",
        "round.json",
        "fake.json",
        "--log",
        "draw-log.json",
    ])
    .expect_code(0);
    let figures = figures_of(&md);
    let differ = figures["draw"]["log"]["panels_differ"].as_u64().unwrap();
    assert!(differ > 0, "{}", figures["draw"]);

    // No hashes at all: no edit note, but the draw is still unchecked.
    let mut bare = fake.clone();
    let obj = bare.as_object_mut().unwrap();
    obj.remove("assignment_sha256");
    obj.remove("draw_log_sha256");
    sb.write_json("bare.json", &bare);
    sb.run(&[
        "-q",
        "report",
        "round.json",
        "bare.json",
        "--lang",
        "en",
        "--out",
        "bare.md",
    ])
    .expect_code(0);
    let md = String::from_utf8(sb.read("bare.md")).unwrap();
    let notes = md.split("## 1.").next().unwrap();
    assert!(!notes.contains("edited after solving"), "{notes}");
    assert!(
        notes.contains("does not show that these panels are the draw's"),
        "{notes}"
    );
}

/// A draw written as a workbook keeps its log's hash (summary sheet), and
/// a report of the workbook with the log finds them the same.
#[test]
fn a_drawn_workbook_records_its_log_hash() {
    let sb = drawn_round();
    sb.run(&[
        "-q",
        "draw",
        "round.json",
        "--seed",
        "11",
        "--max-probability",
        "0.5",
        "--out",
        "drawn.xlsx",
        "--log",
        "draw-log-2.json",
    ])
    .expect_code(0);
    let log_sha = sha256(&sb.read("draw-log-2.json"));
    let file = panels::io::read_panels(&sb.path("drawn.xlsx")).unwrap();
    assert_eq!(file.draw_log_sha256.as_deref(), Some(log_sha.as_str()));
    sb.run(&[
        "-q",
        "report",
        "round.json",
        "drawn.xlsx",
        "--log",
        "draw-log-2.json",
        "--lang",
        "en",
        "--out",
        "x.md",
    ])
    .expect_code(0);
    let md = String::from_utf8(sb.read("x.md")).unwrap();
    assert!(!md.contains("> **Notes"), "{md}");
    assert!(
        md.contains("the same panels, seed and input as this file"),
        "{md}"
    );
}

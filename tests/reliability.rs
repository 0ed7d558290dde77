//! Nothing lost, nothing crashes: the guarantees of docs/reliability.md,
//! through the real binary.
//!
//! - no command writes over one of its inputs, and no two outputs of one
//!   command are one file (any spelling, symlinks, hard links);
//! - a command's outputs are committed together: a late failure leaves
//!   every old file byte-identical;
//! - temporary files go away on SIGINT/SIGTERM, and stale ones of dead
//!   processes at the next write;
//! - outputs get the umask's permissions, and an existing file its mode;
//! - no exit 101: closed or full standard output, absurd time limits.

mod util;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use util::{base_bundle, Sandbox};

/// A sandbox with `bundle.json` (the base instance), `panels.json` (its
/// solution) and `log.json` (a draw's log, with `drawn.json`).
fn round() -> Sandbox {
    let sb = Sandbox::new();
    sb.write_json("bundle.json", &base_bundle());
    sb.run(&["solve", "bundle.json", "--out", "panels.json"])
        .expect_code(0);
    sb.run(&[
        "draw",
        "bundle.json",
        "--out",
        "drawn.json",
        "--log",
        "log.json",
    ])
    .expect_code(0);
    sb
}

/// Every file of the sandbox with its bytes, to compare before and after.
fn snapshot(sb: &Sandbox) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for name in sb.ls("") {
        let p = sb.path(&name);
        let bytes = if p.is_file() {
            std::fs::read(&p).unwrap()
        } else {
            Vec::new()
        };
        out.push((name, bytes));
    }
    out
}

fn temps_in(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".panels-tmp-"))
        .collect()
}

#[track_caller]
fn expect_refused(sb: &Sandbox, args: &[&str], says: &str) {
    let before = snapshot(sb);
    let run = sb.run(args);
    run.expect_code(2).stderr_has(&[says]);
    assert_eq!(snapshot(sb), before, "files changed\n{run}");
}

/// The first declinable pair of `panels.json`.
fn first_pair(sb: &Sandbox) -> String {
    let p = sb.read_json("panels.json");
    format!(
        "{}:{}",
        p["panels"][0]["application"].as_str().unwrap(),
        p["panels"][0]["experts"][0].as_str().unwrap()
    )
}

#[test]
fn no_command_writes_over_its_input_or_twice_to_one_file() {
    let sb = round();
    let pair = first_pair(&sb);
    std::os::unix::fs::symlink("bundle.json", sb.path("link.json")).unwrap();
    std::fs::hard_link(sb.path("bundle.json"), sb.path("hard.json")).unwrap();
    std::os::unix::fs::symlink("bundle.json", sb.path("report.md")).unwrap();
    let abs = sb.path("bundle.json").display().to_string();
    let input = "is the input";
    let twice = "are the same file";
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["solve", "bundle.json", "--out", &abs], input),
        (vec!["solve", "bundle.json", "--out", "./link.json"], input),
        (
            vec![
                "draw",
                "bundle.json",
                "--out",
                "d.json",
                "--log",
                "bundle.json",
            ],
            input,
        ),
        (
            vec![
                "draw",
                "bundle.json",
                "--out",
                "./bundle.json",
                "--log",
                "l.json",
            ],
            input,
        ),
        (
            vec![
                "draw",
                "bundle.json",
                "--out",
                "hard.json",
                "--log",
                "l.json",
            ],
            input,
        ),
        (
            vec![
                "draw",
                "bundle.json",
                "--out",
                "x.json",
                "--log",
                "./x.json",
            ],
            twice,
        ),
        (
            vec!["draw", "--replay", "log.json", "--out", "log.json"],
            input,
        ),
        (
            vec![
                "replace",
                "bundle.json",
                "panels.json",
                "--decline",
                &pair,
                "--out",
                "panels.json",
                "--log",
                "r.json",
            ],
            input,
        ),
        (
            vec![
                "replace",
                "bundle.json",
                "panels.json",
                "--decline",
                &pair,
                "--out",
                "n.json",
                "--log",
                "link.json",
            ],
            input,
        ),
        (
            vec![
                "replace",
                "bundle.json",
                "panels.json",
                "--decline",
                &pair,
                "--out",
                "n.json",
                "--log",
                "n.json",
            ],
            twice,
        ),
        (
            vec![
                "export",
                "bundle.json",
                "panels.json",
                "--out",
                "panels.json",
            ],
            input,
        ),
        (
            vec!["export", "bundle.json", "panels.json", "--out", &abs],
            input,
        ),
        (
            vec![
                "report",
                "bundle.json",
                "panels.json",
                "--out",
                "report.md",
                "--no-price",
            ],
            input,
        ),
    ];
    for (args, says) in cases {
        expect_refused(&sb, &args, says);
    }
}

#[test]
fn a_draw_that_fails_late_keeps_every_old_file() {
    let sb = round();
    let before = snapshot(&sb);
    // /proc takes no new files, even for root: the panels output fails
    // after the log is ready.
    let run = sb.run(&[
        "draw",
        "bundle.json",
        "--seed",
        "7",
        "--out",
        "/proc/panels-reliability-test.json",
        "--log",
        "log.json",
    ]);
    run.expect_code(4);
    assert_eq!(snapshot(&sb), before, "the old log changed\n{run}");
    assert!(temps_in(sb.root()).is_empty());

    let pair = first_pair(&sb);
    let run = sb.run(&[
        "replace",
        "bundle.json",
        "panels.json",
        "--decline",
        &pair,
        "--out",
        "/proc/panels-reliability-test.json",
        "--log",
        "log.json",
    ]);
    run.expect_code(4);
    assert_eq!(snapshot(&sb), before, "the old log changed\n{run}");
}

#[test]
fn outputs_get_the_umask_permissions_and_keep_an_existing_mode() {
    let sb = round();
    let mode = |rel: &str| {
        std::fs::metadata(sb.path(rel))
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    };
    // The harness runs under the test runner's umask; compute what it gives.
    let umask = {
        let probe = sb.path("probe");
        std::fs::File::create(&probe).unwrap();
        let m = 0o666 & !mode("probe");
        std::fs::remove_file(probe).unwrap();
        m
    };
    assert_eq!(mode("panels.json"), 0o666 & !umask);
    assert_eq!(mode("log.json"), 0o666 & !umask);
    sb.run(&["generate", "--preset", "tiny", "--out", "gen"])
        .expect_code(0);
    assert_eq!(mode("gen"), 0o777 & !umask);
    assert_eq!(mode("gen/experts.csv"), 0o666 & !umask);
    // An existing file and directory keep their modes.
    std::fs::set_permissions(sb.path("panels.json"), PermissionsExt::from_mode(0o640)).unwrap();
    std::fs::set_permissions(sb.path("gen"), PermissionsExt::from_mode(0o750)).unwrap();
    sb.run(&["solve", "bundle.json", "--out", "panels.json"])
        .expect_code(0);
    sb.run(&[
        "generate", "--preset", "tiny", "--seed", "3", "--out", "gen",
    ])
    .expect_code(0);
    assert_eq!(mode("panels.json"), 0o640);
    assert_eq!(mode("gen"), 0o750);
}

/// Spawns a draw that pauses between staging and commit, waits for its
/// temporary files, sends `signal`, and checks they are gone and the old
/// files untouched.
fn interrupt_draw(signal: &str) {
    let sb = round();
    let before = snapshot(&sb);
    let mut child = Command::new(env!("CARGO_BIN_EXE_panels"))
        .args([
            "draw",
            "bundle.json",
            "--seed",
            "5",
            "--out",
            "drawn.json",
            "--log",
            "log.json",
        ])
        .env("PANELS_TEST_COMMIT_DELAY_MS", "20000")
        .current_dir(sb.root())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let t = Instant::now();
    while temps_in(sb.root()).len() < 2 {
        assert!(t.elapsed() < Duration::from_secs(30), "no temporary files");
        std::thread::sleep(Duration::from_millis(20));
    }
    let pid = child.id().to_string();
    assert!(Command::new("kill")
        .args([signal, &pid])
        .status()
        .unwrap()
        .success());
    let status = child.wait().unwrap();
    assert!(
        t.elapsed() < Duration::from_secs(15),
        "the signal was not obeyed"
    );
    assert!(!status.success(), "{status:?}");
    assert!(temps_in(sb.root()).is_empty(), "{:?}", temps_in(sb.root()));
    assert_eq!(snapshot(&sb), before);
}

#[test]
fn temporary_files_are_removed_on_sigint() {
    interrupt_draw("-INT");
}

#[test]
fn temporary_files_are_removed_on_sigterm() {
    interrupt_draw("-TERM");
}

#[test]
fn stale_temporary_files_of_dead_processes_are_removed_at_the_next_write() {
    let sb = round();
    // A process that has ended: its pid names our stale files.
    let mut dead = Command::new("true").spawn().unwrap();
    let pid = dead.id();
    dead.wait().unwrap();
    let old = std::time::SystemTime::now() - Duration::from_secs(3600);
    let stale_file = sb.write(&format!(".panels-tmp-{pid}-0-00000000"), b"half a file");
    std::fs::File::options()
        .write(true)
        .open(&stale_file)
        .unwrap()
        .set_modified(old)
        .unwrap();
    let stale_dir = sb.mkdir(&format!(".panels-tmp-{pid}-1-00000000"));
    std::fs::write(stale_dir.join("experts.csv"), b"x").unwrap();
    std::fs::File::open(&stale_dir)
        .unwrap()
        .set_modified(old)
        .unwrap();
    // A fresh one (its process may still be writing) and a file that is
    // not ours stay.
    let fresh = sb.write(&format!(".panels-tmp-{pid}-2-00000000"), b"fresh");
    let other = sb.write(".panels-tmp-notours", b"keep");
    sb.run(&["solve", "bundle.json", "--out", "again.json"])
        .expect_code(0);
    assert!(!stale_file.exists() && !stale_dir.exists());
    assert!(fresh.exists() && other.exists());
}

#[test]
fn a_kill_before_the_commit_leaves_old_files_and_the_next_write_works() {
    let sb = round();
    let before = snapshot(&sb);
    let mut child = Command::new(env!("CARGO_BIN_EXE_panels"))
        .args(["generate", "--preset", "tiny", "--out", "gen"])
        .env("PANELS_TEST_COMMIT_DELAY_MS", "20000")
        .current_dir(sb.root())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let t = Instant::now();
    while temps_in(sb.root()).is_empty() {
        assert!(t.elapsed() < Duration::from_secs(30));
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(!sb.path("gen").exists());
    sb.run(&["generate", "--preset", "tiny", "--out", "gen"])
        .expect_code(0);
    assert!(sb.path("gen/experts.csv").is_file());
    let after: Vec<_> = snapshot(&sb)
        .into_iter()
        .filter(|(n, _)| n != "gen" && !n.starts_with(".panels-tmp-"))
        .collect();
    assert_eq!(after, before);
}

/// Runs the binary with its standard output closed before it prints.
fn run_with_closed_stdout(sb: &Sandbox, args: &[&str]) -> (Option<i32>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_panels"))
        .args(args)
        .current_dir(sb.root())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_closed_standard_output_ends_quietly() {
    let sb = round();
    for args in [
        &["verify", "bundle.json", "panels.json", "--certificate"][..],
        &["explain", "bundle.json", "-a", "A1", "-e", "E03"][..],
        &["draw", "--replay", "log.json"][..],
    ] {
        let (code, stderr) = run_with_closed_stdout(&sb, args);
        assert_eq!(code, Some(0), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

#[test]
fn a_full_standard_output_is_exit_4_with_a_message() {
    let sb = round();
    for args in [
        &["verify", "bundle.json", "panels.json"][..],
        &["explain", "bundle.json", "-a", "A1", "-e", "E03"][..],
        &["--help"][..],
        &["--version"][..],
        &["replace", "--help"][..],
    ] {
        let full = std::fs::File::options()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_panels"))
            .args(args)
            .current_dir(sb.root())
            .stdout(full)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(4), "{args:?}: {stderr}");
        assert!(stderr.contains("standard output"), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    // A full standard error is nobody's to hear: the outcome stands.
    let full = std::fs::File::options()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_panels"))
        .args(["solve", "bundle.json", "--out", "p2.json"])
        .current_dir(sb.root())
        .stderr(full)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn absurd_time_limits_are_refused_by_the_one_rule() {
    let sb = round();
    // The largest limit the rule takes is taken as given.
    sb.run(&[
        "solve",
        "bundle.json",
        "--out",
        "p.json",
        "--method",
        "mip",
        "--time-limit",
        "1000000",
    ])
    .expect_code(0);
    // Anything else is exit 2 with the library's words (the console says
    // the same after `time_limit`), and nothing is written. `1e20` used
    // to panic, then was clamped to 1e9 s while the console refused it.
    for bad in ["NaN", "-1", "inf", "0", "1000001", "1e9", "1e20"] {
        let arg = format!("--time-limit={bad}");
        let t: f64 = bad.parse().unwrap();
        let want = format!("--time-limit {}", panels::solve::time_limit(t).unwrap_err());
        let run = sb.run(&["solve", "bundle.json", "--out", "q.json", &arg]);
        run.expect_code(2).stderr_has(&[&want, "at most 1000000"]);
        assert!(!sb.path("q.json").exists(), "{bad}: nothing written");
    }
}

#[test]
fn the_mip_says_its_default_time_limit() {
    let sb = round();
    sb.run(&["solve", "bundle.json", "--out", "p.json", "--method", "mip"])
        .expect_code(0)
        .stderr_has(&["no --time-limit given, stopping after 300s"]);
}

/// The base bundle with ids, names, titles, cities and institutions that
/// Excel would run as formulas, and a negative score.
fn formula_bundle() -> serde_json::Value {
    serde_json::json!({
        "policy": { "panel_size": 1, "min_outside_share": 0.0, "max_load": 2,
                    "default_affinity": -1 },
        "experts": [
            { "id": "=E1", "name": "=HYPERLINK(\"http://x\")", "city": "+武汉",
              "institution": "-inst", "keywords": ["@k", "=k2"] },
            { "id": "'E2", "city": "@长沙", "institution": "'quoted", "title": "\tT" },
            { "id": "E3", "city": "-x", "institution": "plain" }
        ],
        "applications": [
            { "id": "-A1", "title": "=1+1", "city": "+武汉", "institution": "@i" },
            { "id": "A2", "title": "'t", "city": "@长沙", "institution": "x" }
        ],
        "affinity": [
            { "application": "-A1", "expert": "=E1", "score": -0.5 },
            { "application": "-A1", "expert": "'E2", "score": -0.25 },
            { "application": "A2", "expert": "E3", "score": 0.5 }
        ]
    })
}

#[test]
fn csv_outputs_have_a_bom_neutralise_formulas_and_read_back() {
    let sb = Sandbox::new();
    sb.write_json("f.json", &formula_bundle());
    sb.run(&["solve", "f.json", "--out", "p.csv"])
        .expect_code(0);
    let bytes = sb.read("p.csv");
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "no BOM");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    for line in text.lines().skip(1) {
        for cell in line.split(',') {
            let c = cell.trim_start_matches('"');
            let first = c.chars().next();
            let numeric = c.parse::<f64>().is_ok();
            assert!(
                numeric || !matches!(first, Some('=' | '+' | '-' | '@' | '\t')),
                "formula cell {cell:?} in {text}"
            );
        }
    }
    assert!(
        text.contains("'-A1,''E2,-0.25,"),
        "scores stay numbers: {text}"
    );
    assert!(text.contains("'-A1") && text.contains("''E2"), "{text}");
    // Read back: verify finds the same ids and scores.
    sb.run(&["verify", "f.json", "p.csv"]).expect_code(0);
    sb.run(&["export", "f.json", "p.csv", "--out", "again.json"])
        .expect_code(0);
    let again = sb.read_json("again.json");
    assert_eq!(again["panels"][0]["application"], "-A1");
    assert_eq!(again["panels"][1]["experts"][0], "E3");

    sb.run(&[
        "export",
        "f.json",
        "p.csv",
        "--anonymous",
        "--out",
        "anon.csv",
    ])
    .expect_code(0);
    let anon = sb.read("anon.csv");
    assert!(anon.starts_with(b"\xEF\xBB\xBF"));
    let anon = String::from_utf8_lossy(&anon[3..]).into_owned();
    assert!(anon.contains("'-A1,'=1+1,'+武汉,"), "{anon}");
    assert!(anon.contains("A2,''t,'@长沙,"), "{anon}");
}

#[test]
fn csv_instance_directories_round_trip_formula_like_text() {
    let sb = Sandbox::new();
    let path = sb.write_json("f.json", &formula_bundle());
    let inst = panels::io::load_instance(&path).unwrap();
    let dir = sb.path("inst");
    panels::io::write_instance(&inst, &dir, panels::io::InstanceFormat::CsvDir).unwrap();
    let experts = std::fs::read(dir.join("experts.csv")).unwrap();
    assert!(experts.starts_with(b"\xEF\xBB\xBF"));
    let experts = String::from_utf8_lossy(&experts);
    assert!(experts.contains("'=E1,"), "{experts}");
    let affinity =
        String::from_utf8_lossy(&std::fs::read(dir.join("affinity.csv")).unwrap()).into_owned();
    assert!(affinity.contains(",-0.5"), "{affinity}");
    let back = panels::io::load_instance(&dir).unwrap();
    assert_eq!(back, inst);
}

/// An output path that is a symbolic link is written through: the link
/// stays a link and the file it names gets the output (files and CSV
/// directories alike); a dangling link gets its file created.
#[test]
fn outputs_through_a_symbolic_link_keep_the_link() {
    let sb = round();
    std::fs::create_dir(sb.path("shared")).unwrap();
    std::fs::write(sb.path("shared/p.json"), "old").unwrap();
    std::os::unix::fs::symlink("shared/p.json", sb.path("p.json")).unwrap();
    std::os::unix::fs::symlink("shared/new.json", sb.path("dangling.json")).unwrap();
    std::os::unix::fs::symlink("shared/csv", sb.path("csv")).unwrap();
    sb.run(&["solve", "bundle.json", "--out", "p.json"])
        .expect_code(0);
    sb.run(&[
        "draw",
        "bundle.json",
        "--out",
        "dangling.json",
        "--log",
        "l.json",
    ])
    .expect_code(0);
    sb.run(&[
        "generate", "--preset", "tiny", "--out", "csv", "--format", "csv",
    ])
    .expect_code(0);
    for (link, target) in [
        ("p.json", "shared/p.json"),
        ("dangling.json", "shared/new.json"),
        ("csv", "shared/csv"),
    ] {
        let meta = std::fs::symlink_metadata(sb.path(link)).unwrap();
        assert!(meta.file_type().is_symlink(), "{link} is no longer a link");
        assert!(sb.path(target).exists(), "{target} not written");
    }
    assert_ne!(std::fs::read(sb.path("shared/p.json")).unwrap(), b"old");
    sb.run(&["verify", "bundle.json", "shared/p.json"])
        .expect_code(0);
    sb.run(&["verify", "bundle.json", "shared/new.json"])
        .expect_code(0);
    assert!(sb.path("shared/csv/experts.csv").is_file());
    assert!(temps_in(sb.root()).is_empty() && temps_in(&sb.path("shared")).is_empty());
}

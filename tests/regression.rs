//! Regression tests: one per bug found at the command line, named after
//! what went wrong, each saying where it was fixed.

mod util;

use util::{base_bundle, write_csv_dir, Sandbox};

/// `panels solve` wrote `stats.load_seconds`, `build_seconds` and
/// `solve_seconds` into the panels file, so two runs on the same input and
/// seed gave different bytes (SPEC.md: same input + seed ⇒ same output
/// bytes). Fixed in `src/cli.rs`: timings are printed on stderr only; the
/// file's `stats` keeps sizes.
#[test]
fn timings_made_solve_output_differ_between_runs() {
    let sb = Sandbox::new();
    // Large enough that timings would differ in their digits.
    sb.run(&[
        "generate", "--preset", "guanggu", "--seed", "4", "--out", "g.json", "-q",
    ])
    .expect_code(0);
    let first = sb.run(&["solve", "g.json", "--out", "a.json"]);
    first.expect_code(0);
    sb.run(&["solve", "g.json", "--out", "b.json", "-q"])
        .expect_code(0);
    assert_eq!(sb.read("a.json"), sb.read("b.json"));
    let stats = &sb.read_json("a.json")["stats"];
    let keys: Vec<&String> = stats
        .as_object()
        .map(|m| m.keys().collect())
        .unwrap_or_default();
    assert!(
        keys.iter().all(|k| !k.ends_with("_seconds")),
        "timings in the file: {keys:?}"
    );
    // The timings are still reported, on stderr.
    first.stderr_has(&["build ", "solve"]);
}

/// A panels CSV read back with `status: "unknown"`, which
/// `verify` rejects, so `verify` failed on `solve --out x.csv`'s own
/// output. Fixed in `crates/io/src/panels.rs`: a CSV records no claims, and
/// `verify` says so ("not recorded") rather than show `feasible`.
#[test]
fn verify_rejected_solves_own_csv_output() {
    let sb = Sandbox::new();
    sb.write_json("bundle.json", &base_bundle());
    sb.run(&["solve", "bundle.json", "--out", "panels.csv"])
        .expect_code(0);
    let run = sb.run(&["verify", "bundle.json", "panels.csv"]);
    run.expect_code(0)
        .stdout_has(&["OK", "claims: not recorded"]);
}

/// `--out` into a directory that does not exist solved the whole
/// round, then failed with exit 4 and a message naming a temporary file
/// (`nodir/.panels-tmp-XXXX`). Fixed in `src/cli.rs`: the output path is
/// checked before any work; exit 2 naming the missing directory.
#[test]
fn output_into_a_missing_directory() {
    let sb = Sandbox::new();
    sb.write_json("bundle.json", &base_bundle());
    let run = sb.run(&["solve", "bundle.json", "--out", "nodir/panels.json"]);
    run.expect_code(2)
        .stderr_has(&["nodir/panels.json", "directory nodir does not exist"]);
    assert!(!run.stderr.contains(".panels-tmp"), "{run}");
    assert_eq!(sb.ls(""), ["bundle.json"]);
    // An output path that is a directory is refused the same way.
    sb.mkdir("out.json");
    sb.run(&["solve", "bundle.json", "--out", "out.json"])
        .expect_code(2)
        .stderr_has(&["out.json", "is a directory"]);
}

/// An output path that is a directory was refused with "give a file name
/// ending in .json or .csv" by every command, `template` (which writes
/// only .xlsx) and `report` included. Each command now names the
/// extensions it writes.
#[test]
fn a_directory_as_output_names_the_commands_own_extensions() {
    let sb = Sandbox::new();
    sb.write_json("bundle.json", &base_bundle());
    sb.mkdir("dir.xlsx");
    let run = sb.run(&["template", "--out", "dir.xlsx"]);
    run.expect_code(2)
        .stderr_has(&["dir.xlsx", "is a directory", "ending in .xlsx"]);
    assert!(!run.stderr.contains(".json"), "{run}");
    sb.run(&["solve", "bundle.json", "--out", "dir.xlsx"])
        .expect_code(2)
        .stderr_has(&["is a directory", "ending in .json or .csv or .xlsx"]);
    sb.run(&["export", "bundle.json", "--out", "dir.xlsx"])
        .expect_code(2)
        .stderr_has(&["is a directory", "ending in .xlsx or .json"]);
    assert_eq!(sb.ls("dir.xlsx"), Vec::<String>::new());
}

/// `panels solve round.json --out round.json` replaced the
/// instance with the panels (and `--out inst/policy.json` a CSV
/// directory's policy). Fixed in `src/cli.rs`: exit 2, input untouched.
#[test]
fn solve_overwrote_its_own_input() {
    let sb = Sandbox::new();
    sb.write_json("round.json", &base_bundle());
    let before = sb.read("round.json");
    sb.run(&["solve", "round.json", "--out", "round.json"])
        .expect_code(2)
        .stderr_has(&["round.json", "is the input"]);
    assert_eq!(sb.read("round.json"), before);
    // The same file by another spelling.
    sb.mkdir("sub");
    sb.run(&["solve", "round.json", "--out", "sub/../round.json"])
        .expect_code(2);
    assert_eq!(sb.read("round.json"), before);

    write_csv_dir(&sb, "inst", |_, t| Some(t));
    let policy = sb.read("inst/policy.json");
    for target in ["inst/policy.json", "inst/experts.csv"] {
        sb.run(&["solve", "inst", "--out", target])
            .expect_code(2)
            .stderr_has(&[
                target,
                "is a file of the input inst (an instance directory)",
            ]);
    }
    assert_eq!(sb.read("inst/policy.json"), policy);
    // Writing next to the CSV files, under another name, is fine.
    sb.run(&["solve", "inst", "--out", "inst/panels.json"])
        .expect_code(0);
}

/// An empty bundle file was reported at `line 1 column 0`,
/// though columns count from 1 (`io::Location`). Fixed in
/// `crates/io/src/bundle.rs`: serde_json's column 0 is shown as column 1.
#[test]
fn empty_bundle_reported_column_zero() {
    let sb = Sandbox::new();
    sb.write("empty.json", "");
    let run = sb.run(&["solve", "empty.json", "--out", "p.json"]);
    run.expect_code(2)
        .stderr_has(&["empty.json line 1 column 1", "truncated"]);
    assert!(!run.stderr.contains("column 0"), "{run}");
}

/// JSON read from a user's file kept the last of a key given twice in one
/// object wherever it was read into a map or a loose value (a panels
/// file's certificate, a history file's records, a draw log), while
/// bundles and policy.json refused it. Every JSON input now refuses it,
/// naming the file, line and key; nothing is written.
#[test]
fn every_json_input_refuses_a_key_given_twice() {
    let sb = Sandbox::new();
    sb.write_json("round.json", &base_bundle());
    sb.run(&["-q", "solve", "round.json", "--out", "p.json"])
        .expect_code(0);
    // A panels file whose certificate names a key twice.
    let text = String::from_utf8(sb.read("p.json")).unwrap();
    assert!(text.contains("\"certificate\": {"), "{text}");
    sb.write(
        "p2.json",
        text.replacen(
            "\"certificate\": {",
            "\"certificate\": {\"x\": 1, \"x\": 2,",
            1,
        ),
    );
    sb.run(&["verify", "round.json", "p2.json", "--certificate"])
        .expect_code(2)
        .stderr_has(&["p2.json", "line", "the key \"x\" is given twice"]);
    // A history file whose record names its expert twice.
    sb.write(
        "h.json",
        r#"[{"year": 2025, "institution": "武汉大学", "expert": "E01", "expert": "E02"}]"#,
    );
    sb.run(&[
        "history",
        "append",
        "round.json",
        "p.json",
        "--year",
        "2026",
        "--to",
        "h.json",
    ])
    .expect_code(2)
    .stderr_has(&["h.json", "the key \"expert\" is given twice"]);
    // A history file with its list twice.
    sb.write("h2.json", r#"{"history": [], "history": []}"#);
    sb.run(&[
        "history",
        "append",
        "round.json",
        "p.json",
        "--year",
        "2026",
        "--to",
        "h2.json",
    ])
    .expect_code(2)
    .stderr_has(&["h2.json", "the key \"history\" is given twice"]);
    assert_eq!(sb.read("h2.json"), br#"{"history": [], "history": []}"#);
    // A draw log with its seed twice.
    sb.run(&[
        "-q",
        "draw",
        "round.json",
        "--seed",
        "3",
        "--out",
        "d.json",
        "--log",
        "d-log.json",
    ])
    .expect_code(0);
    let log = String::from_utf8(sb.read("d-log.json")).unwrap();
    sb.write("d2-log.json", log.replacen("{", "{\n  \"seed\": 4,", 1));
    sb.run(&["draw", "--replay", "d2-log.json"])
        .expect_code(2)
        .stderr_has(&["d2-log.json", "the key \"seed\" is given twice"]);
    // The same log given to a report.
    sb.run(&[
        "report",
        "round.json",
        "d.json",
        "--log",
        "d2-log.json",
        "--out",
        "r.md",
    ])
    .expect_code(2)
    .stderr_has(&["d2-log.json", "the key \"seed\" is given twice"]);
    assert!(!sb.path("r.md").exists());
}

/// A panels file with an `objective` (and a `bound`) but no `status` was
/// said to record no claims ("claims: not recorded … no status, objective
/// or bound") and passed with exit 0, though its objective was false.
/// Fixed in `crates/io/src/panels/mod.rs` (`PanelsFile::claims_present`:
/// the readers note an objective the file states) and
/// `crates/verify/src/lib.rs`: every claim present is checked, and the
/// report names the claims the file records.
#[test]
fn verify_checks_an_objective_without_a_status() {
    let sb = Sandbox::new();
    sb.write_json("bundle.json", &base_bundle());
    sb.run(&["solve", "bundle.json", "--out", "solved.json", "-q"])
        .expect_code(0);
    let solved = sb.read_json("solved.json");
    let panels = solved["panels"].clone();
    let truth = solved["objective"].as_f64().expect("an objective");
    let false_claim = truth + 90.0;

    // An objective alone, false: a broken claim, exit 1.
    sb.write_json(
        "objective.json",
        &serde_json::json!({ "panels": panels, "objective": false_claim }),
    );
    let run = sb.run(&["verify", "bundle.json", "objective.json"]);
    run.expect_code(1).stdout_has(&[
        "claims: BROKEN: 1 claim(s)",
        "claims recorded: objective (no status)",
        "[objective]",
        &format!("file says {false_claim}"),
        "status: not recorded, bound: none",
    ]);
    assert!(!run.stdout.contains("claims: not recorded"), "{run}");

    // An objective and a bound, both false (the bound below the true
    // objective): two broken claims.
    let low = truth - 1.0;
    sb.write_json(
        "both.json",
        &serde_json::json!({ "panels": panels, "objective": false_claim, "bound": low }),
    );
    sb.run(&["verify", "bundle.json", "both.json"])
        .expect_code(1)
        .stdout_has(&[
            "claims: BROKEN: 2 claim(s)",
            "claims recorded: objective, bound (no status)",
            "[objective]",
            "[bound]",
        ]);

    // The true objective without a status holds.
    sb.write_json(
        "true.json",
        &serde_json::json!({ "panels": panels, "objective": truth }),
    );
    sb.run(&["verify", "bundle.json", "true.json"])
        .expect_code(0)
        .stdout_has(&["claims: OK", "claims recorded: objective (no status)"]);

    // A bound alone, below the objective: broken, and the objective is
    // not said to be claimed.
    sb.write_json(
        "bound.json",
        &serde_json::json!({ "panels": panels, "bound": low }),
    );
    sb.run(&["verify", "bundle.json", "bound.json"])
        .expect_code(1)
        .stdout_has(&[
            "claims recorded: bound (no status)",
            "file does not say",
            "[bound]",
        ]);

    // The panels alone: no claim, "not recorded".
    sb.write_json("bare.json", &serde_json::json!({ "panels": panels }));
    sb.run(&["verify", "bundle.json", "bare.json"])
        .expect_code(0)
        .stdout_has(&["claims: not recorded"]);
}

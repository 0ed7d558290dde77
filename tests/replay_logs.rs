//! Replaying logs: relative paths recorded in a log are read from the
//! log's own folder (a replay works from any folder), a replay that
//! differs prints the first differing line as logged and as replayed, a
//! `--log` that is not JSON is named as the log, and a log whose
//! `max_probability_source` was edited does not replay as identical.

use std::path::Path;
use std::process::Command;

const ROUND: &str = r#"{
  "policy": { "panel_size": 2, "max_load": 2, "min_outside": 1 },
  "experts": [
    { "id": "E1", "city": "Wuhan", "institution": "WHU" },
    { "id": "E2", "city": "Wuhan", "institution": "HUST" },
    { "id": "E3", "city": "Changsha", "institution": "HNU" },
    { "id": "E4", "city": "Changsha", "institution": "CSU" },
    { "id": "E5", "city": "Nanchang", "institution": "NCU" },
    { "id": "E6", "city": "Hefei", "institution": "USTC" }
  ],
  "applications": [
    { "id": "A1", "city": "Wuhan", "institution": "CCNU" },
    { "id": "A2", "city": "Changsha", "institution": "HNNU" }
  ]
}"#;

/// Runs the binary in folder `cwd`: exit code, stdout, stderr.
fn panels(cwd: &Path, args: &[&dyn AsRef<std::ffi::OsStr>]) -> (Option<i32>, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_panels"));
    cmd.current_dir(cwd);
    for a in args {
        cmd.arg(a);
    }
    let o = cmd.output().expect("the binary runs");
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// A folder holding the round, a draw (`drawn.json`, `draw-log.json`) and
/// a replacement (`r1.json`, `r1-log.json`), all made from inside the
/// folder with relative paths.
fn round_folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("round.json"), ROUND).unwrap();
    let (code, out, err) = panels(
        d,
        &[
            &"draw",
            &"round.json",
            &"--seed",
            &"3",
            &"--out",
            &"drawn.json",
            &"--log",
            &"draw-log.json",
        ],
    );
    assert_eq!(code, Some(0), "{out}{err}");
    let drawn: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.join("drawn.json")).unwrap()).unwrap();
    let first = drawn["panels"][0]["experts"][0]
        .as_str()
        .unwrap()
        .to_string();
    let decline = format!("A1:{first}");
    let (code, out, err) = panels(
        d,
        &[
            &"replace",
            &"round.json",
            &"drawn.json",
            &"--decline",
            &decline,
            &"--allow-moves",
            &"--out",
            &"r1.json",
            &"--log",
            &"r1-log.json",
        ],
    );
    assert_eq!(code, Some(0), "{out}{err}");
    dir
}

#[test]
fn logs_replay_from_another_folder() {
    let dir = round_folder();
    let elsewhere = tempfile::tempdir().unwrap();
    for (cmd, log) in [
        ("replace", "r1-log.json"),
        ("draw", "r1-log.json"),
        ("draw", "draw-log.json"),
    ] {
        let log = dir.path().join(log);
        let (code, out, err) = panels(elsewhere.path(), &[&cmd, &"--replay", &log]);
        assert_eq!(
            code,
            Some(0),
            "{cmd} --replay {}: {out}{err}",
            log.display()
        );
        assert!(out.contains("replay identical"), "{out}");
    }
    // INSTANCE PANELS given after the flag still win.
    let log = dir.path().join("r1-log.json");
    let (round, drawn) = (dir.path().join("round.json"), dir.path().join("drawn.json"));
    let (code, out, err) = panels(
        elsewhere.path(),
        &[&"replace", &"--replay", &log, &round, &drawn],
    );
    assert_eq!(code, Some(0), "{out}{err}");
    let missing = elsewhere.path().join("nowhere.json");
    let (code, out, err) = panels(
        elsewhere.path(),
        &[&"replace", &"--replay", &log, &round, &missing],
    );
    assert_eq!(code, Some(2), "{out}{err}");
}

#[test]
fn a_replay_that_differs_prints_the_first_differing_line() {
    let dir = round_folder();
    let log = dir.path().join("r1-log.json");
    let text = std::fs::read_to_string(&log).unwrap();
    let edited = text.replace("\"allow_moves\": true", "\"allow_moves\": false");
    assert_ne!(edited, text);
    std::fs::write(&log, edited).unwrap();
    let (code, out, err) = panels(dir.path(), &[&"replace", &"--replay", &"r1-log.json"]);
    // Without moves the same seat is refilled, so the log differs at the
    // flag itself at the latest.
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(
        out.contains("replay differs from r1-log.json (first at line"),
        "{out}"
    );
    assert!(
        out.contains("  logged:   ") && out.contains("  replayed: "),
        "{out}"
    );
    let logged = out.lines().find(|l| l.starts_with("  logged:")).unwrap();
    let replayed = out.lines().find(|l| l.starts_with("  replayed:")).unwrap();
    assert_ne!(
        logged["  logged:".len()..].trim(),
        replayed["  replayed:".len()..].trim()
    );
}

#[test]
fn an_edited_cap_source_does_not_replay_as_identical() {
    let dir = round_folder();
    let log = dir.path().join("draw-log.json");
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(
        text.contains("\"max_probability_source\": \"default\""),
        "{text}"
    );
    std::fs::write(
        &log,
        text.replace(
            "\"max_probability_source\": \"default\"",
            "\"max_probability_source\": \"flag\"",
        ),
    )
    .unwrap();
    let (code, out, err) = panels(dir.path(), &[&"draw", &"--replay", &"draw-log.json"]);
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(
        out.contains("\"max_probability_source\": \"flag\""),
        "{out}"
    );
    assert!(
        out.contains("\"max_probability_source\": \"default\""),
        "{out}"
    );
    // A flag equal to the default changes nothing and is logged as such.
    let (code, out, err) = panels(
        dir.path(),
        &[
            &"draw",
            &"round.json",
            &"--seed",
            &"3",
            &"--max-probability",
            &"0.5",
            &"--out",
            &"again.json",
            &"--log",
            &"again-log.json",
        ],
    );
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(!err.contains("no max_probability given"), "{err}");
    // Same round, seed and cap: the very log of the draw with the default.
    assert_eq!(
        std::fs::read_to_string(dir.path().join("again-log.json")).unwrap(),
        text
    );
}

#[test]
fn a_log_that_is_not_json_is_named_as_the_log() {
    let dir = round_folder();
    for cmd in ["draw", "replace"] {
        let mut args: Vec<&dyn AsRef<std::ffi::OsStr>> = vec![&cmd, &"round.json"];
        if cmd == "replace" {
            args.extend([
                &"drawn.json" as &dyn AsRef<std::ffi::OsStr>,
                &"--decline",
                &"E1",
            ]);
        } else {
            args.extend([&"--seed" as &dyn AsRef<std::ffi::OsStr>, &"1"]);
        }
        args.extend([
            &"--out" as &dyn AsRef<std::ffi::OsStr>,
            &"x.json",
            &"--log",
            &"x-log.csv",
        ]);
        let (code, out, err) = panels(dir.path(), &args);
        assert_eq!(code, Some(2), "{out}{err}");
        assert!(
            err.contains("x-log.csv: the log (--log) must end in .json"),
            "{err}"
        );
        assert!(!dir.path().join("x.json").exists());
    }
}

/// A log written into another folder than the one the command ran in
/// recorded its inputs relative to the command's folder, while replay
/// read them from the log's folder first: from elsewhere the round was
/// not found, and a same-named older round archived beside the log was
/// reported as "the input changed". New logs record their inputs relative
/// to the log's own folder; replay tries the log's folder, then the
/// current folder, and takes the file whose SHA-256 is the logged one.
#[test]
fn logs_record_inputs_from_their_own_folder_and_replay_finds_the_logged_file() {
    let dir = round_folder();
    let d = dir.path();
    std::fs::create_dir(d.join("archive")).unwrap();
    let (code, out, err) = panels(
        d,
        &[
            &"draw",
            &"round.json",
            &"--seed",
            &"5",
            &"--out",
            &"archive/drawn.json",
            &"--log",
            &"archive/draw-log.json",
        ],
    );
    assert_eq!(code, Some(0), "{out}{err}");
    let (code, out, err) = panels(
        d,
        &[
            &"replace",
            &"round.json",
            &"drawn.json",
            &"--decline",
            &"E1",
            &"--out",
            &"archive/r.json",
            &"--log",
            &"archive/r-log.json",
        ],
    );
    assert_eq!(code, Some(0), "{out}{err}");
    let draw_log: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.join("archive/draw-log.json")).unwrap()).unwrap();
    assert_eq!(draw_log["instance"], "../round.json");
    let r_log: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.join("archive/r-log.json")).unwrap()).unwrap();
    assert_eq!(r_log["instance"], "../round.json");
    assert_eq!(r_log["panels_file"], "../drawn.json");
    // Replayed byte for byte from the round's folder, from the archive
    // and from anywhere else.
    let elsewhere = tempfile::tempdir().unwrap();
    for (cwd, log) in [
        (d, "archive/draw-log.json"),
        (d, "archive/r-log.json"),
        (&d.join("archive"), "draw-log.json"),
        (&d.join("archive"), "r-log.json"),
    ] {
        let (code, out, err) = panels(cwd, &[&"draw", &"--replay", &log]);
        assert_eq!(code, Some(0), "{log} from {}: {out}{err}", cwd.display());
        assert!(out.contains("replay identical"), "{out}");
    }
    let (code, out, err) = panels(
        elsewhere.path(),
        &[&"draw", &"--replay", &d.join("archive/draw-log.json")],
    );
    assert_eq!(code, Some(0), "{out}{err}");

    // A log made by an older version: the path relative to the folder the
    // command ran in (here: a log written beside its round, then archived),
    // and an older round.json archived beside it. Replay from the round's
    // folder takes the one with the logged hash.
    std::fs::copy(d.join("draw-log.json"), d.join("archive/old-log.json")).unwrap();
    let older = std::fs::read_to_string(d.join("round.json"))
        .unwrap()
        .replace("\"max_load\": 2", "\"max_load\": 3");
    std::fs::write(d.join("archive/round.json"), older).unwrap();
    let (code, out, err) = panels(d, &[&"draw", &"--replay", &"archive/old-log.json"]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("replay identical"), "{out}");

    // From a folder where neither place has the logged round: every path
    // tried, and how to give the round.
    let (code, out, err) = panels(
        elsewhere.path(),
        &[&"draw", &"--replay", &d.join("archive/old-log.json")],
    );
    assert_eq!(code, Some(2), "{out}{err}");
    assert!(
        err.contains("(beside the log): another file, SHA-256"),
        "{err}"
    );
    assert!(
        err.contains("(from the current folder): not there"),
        "{err}"
    );
    assert!(err.contains("draw --replay"), "{err}");
    assert!(err.contains("old-log.json ROUND"), "{err}");
    // A replacement's log moved away from its panels file: replayed by
    // `draw --replay LOG ROUND`, it points to `replace --replay`, which
    // takes the panels file too.
    std::fs::copy(d.join("r1-log.json"), elsewhere.path().join("r1-log.json")).unwrap();
    let round = d.join("round.json");
    let (code, out, err) = panels(
        elsewhere.path(),
        &[&"draw", &"--replay", &"r1-log.json", &round],
    );
    assert_eq!(code, Some(2), "{out}{err}");
    assert!(
        err.contains("the panels file it logged as \"drawn.json\""),
        "{err}"
    );
    assert!(
        err.contains("panels replace --replay r1-log.json ROUND PANELS"),
        "{err}"
    );
    let (code, out, err) = panels(
        elsewhere.path(),
        &[
            &"replace",
            &"--replay",
            &"r1-log.json",
            &round,
            &d.join("drawn.json"),
        ],
    );
    assert_eq!(code, Some(0), "{out}{err}");
}

/// The first expert of A1's panel in the panels file `name` of `dir`.
fn first_of_a1(dir: &Path, name: &str) -> String {
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join(name)).unwrap()).unwrap();
    v["panels"][0]["experts"][0].as_str().unwrap().to_string()
}

#[test]
fn a_replacement_that_changes_nothing_is_refused_and_logs_no_empty_step() {
    let dir = round_folder();
    let d = dir.path();
    // r1.json records A1's first expert of drawn.json as declined.
    let declined = format!("A1:{}", first_of_a1(d, "drawn.json"));
    let replace = |panels: &str, decline: &str, out: &str| {
        let log = format!("{out}-log.json");
        let out = format!("{out}.json");
        panels_in(d, panels, decline, &out, &log)
    };
    // Declined again, alone: nothing to do, nothing written.
    let (code, out, err) = replace("r1.json", &declined, "r2");
    assert_eq!(code, Some(2), "{out}{err}");
    assert!(err.contains("r1.json: nothing to replace"), "{err}");
    assert!(
        err.contains(&format!("--decline {declined}: declined already")),
        "{err}"
    );
    assert!(!d.join("r2.json").exists() && !d.join("r2-log.json").exists());
    // An expert withdrawn twice: the same.
    let gone = first_of_a1(d, "r1.json");
    let (code, out, err) = replace("r1.json", &gone, "w1");
    assert_eq!(code, Some(0), "{out}{err}");
    let (code, out, err) = replace("w1.json", &gone, "w2");
    assert_eq!(code, Some(2), "{out}{err}");
    assert!(
        err.contains(&format!("--decline {gone}: withdrawn already")),
        "{err}"
    );
    assert!(!d.join("w2.json").exists() && !d.join("w2-log.json").exists());
    // With something new, the repeat is a note and the step is logged.
    let fresh = format!("A2:{}", {
        let v: serde_json::Value =
            serde_json::from_slice(&std::fs::read(d.join("r1.json")).unwrap()).unwrap();
        v["panels"][1]["experts"][0].as_str().unwrap().to_string()
    });
    let both = format!("{declined},{fresh}");
    let (code, out, err) = replace("r1.json", &both, "r3");
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(err.contains("declined already"), "{err}");
    let log: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.join("r3-log.json")).unwrap()).unwrap();
    assert_eq!(log["pairs_changed"], 1, "{log}");

    // A log of such an empty step (as earlier versions wrote) does not
    // replay as a step: the replay refuses it the same way.
    let r1_sha = log["panels_sha256"].as_str().unwrap().to_string();
    let text = std::fs::read_to_string(d.join("r1-log.json")).unwrap();
    let mut empty: serde_json::Value = serde_json::from_str(&text).unwrap();
    empty["panels_file"] = "r1.json".into();
    empty["panels_sha256"] = r1_sha.into();
    empty["allow_moves"] = false.into();
    std::fs::write(d.join("empty-log.json"), empty.to_string()).unwrap();
    let (code, out, err) = panels(d, &[&"replace", &"--replay", &"empty-log.json"]);
    assert_eq!(code, Some(2), "{out}{err}");
    assert!(err.contains("nothing to replace"), "{err}");
}

/// `panels replace ROUND PANELS --decline DECLINE --out OUT --log LOG`
/// in `dir`.
fn panels_in(
    dir: &Path,
    panels_file: &str,
    decline: &str,
    out: &str,
    log: &str,
) -> (Option<i32>, String, String) {
    panels(
        dir,
        &[
            &"replace",
            &"round.json",
            &panels_file,
            &"--decline",
            &decline,
            &"--out",
            &out,
            &"--log",
            &log,
        ],
    )
}

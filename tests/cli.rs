//! The command line against SPEC.md's contract: exit codes 0/1/2/3, error
//! messages that name the file, the record and the problem, and output
//! files written whole or not at all.
//!
//! Every test builds its inputs in a fresh temporary directory from the
//! small valid instance in `util` (bundle or CSV form), changes one thing,
//! and runs the real binary.

mod util;

use serde_json::{json, Value};
use util::{base_bundle, set, write_csv_dir, Run, Sandbox};

// ------------------------------------------------------------------ helpers

/// Runs `solve INPUT --out out/panels.json` and checks the bad-input
/// contract: exit 2, stderr naming each of `parts`, no output file and no
/// stray temporary file, in `out/` or next to the input.
#[track_caller]
fn expect_bad_input(sb: &Sandbox, input: &str, parts: &[&str]) -> Run {
    expect_bad_output(sb, input, "panels.json", parts)
}

#[track_caller]
fn expect_bad_output(sb: &Sandbox, input: &str, out_name: &str, parts: &[&str]) -> Run {
    sb.mkdir("out");
    let before = sb.ls("");
    let out = format!("out/{out_name}");
    let run = sb.run(&["solve", input, "--out", &out]);
    run.expect_code(2).stderr_has(parts);
    assert!(
        run.stderr.starts_with("error: "),
        "bad input should print one `error:` message\n{run}"
    );
    assert!(
        sb.ls("out").is_empty(),
        "out/ is not empty: {:?}\n{run}",
        sb.ls("out")
    );
    assert_eq!(sb.ls(""), before, "the run left files behind\n{run}");
    run
}

/// The base bundle with `edit` applied, written as `bundle.json`.
fn bundle_with(sb: &Sandbox, edit: impl FnOnce(&mut Value)) -> &'static str {
    let mut b = base_bundle();
    edit(&mut b);
    sb.write_json("bundle.json", &b);
    "bundle.json"
}

/// The base CSV directory `inst/` with one file's text replaced.
fn csv_with(sb: &Sandbox, file: &'static str, text: &str) -> &'static str {
    let text = text.to_string();
    write_csv_dir(sb, "inst", move |name, t| {
        Some(if name == file { text.clone() } else { t })
    });
    "inst"
}

/// Solves `input` into `out` and checks it succeeded.
#[track_caller]
fn solve_ok(sb: &Sandbox, input: &str, out: &str) -> Run {
    let run = sb.run(&["solve", input, "--out", out]);
    run.expect_code(0);
    run
}

// ------------------------------------------------------------------ the base instance is valid

#[test]
fn base_instance_solves_and_verifies_in_both_forms() {
    let sb = Sandbox::new();
    sb.write_json("bundle.json", &base_bundle());
    write_csv_dir(&sb, "inst", |_, t| Some(t));
    solve_ok(&sb, "bundle.json", "a.json");
    solve_ok(&sb, "inst", "b.json");
    sb.run(&["verify", "bundle.json", "a.json"]).expect_code(0);
    sb.run(&["verify", "inst", "b.json"]).expect_code(0);
    let (a, b) = (sb.read_json("a.json"), sb.read_json("b.json"));
    assert_eq!(a["status"], "optimal");
    assert_eq!(a["objective"], b["objective"]);
    assert_eq!(a["panels"], b["panels"]);
    assert_eq!(a["panels"].as_array().unwrap().len(), 3);
}

// ------------------------------------------------------------------ 1. bad input, one class per test

#[test]
fn invalid_json_names_line_and_column() {
    let sb = Sandbox::new();
    // The stray comma is on line 3, column 16.
    sb.write(
        "bundle.json",
        "{\n  \"policy\": {},\n  \"experts\": [ , ],\n  \"applications\": []\n}\n",
    );
    expect_bad_input(
        &sb,
        "bundle.json",
        &["bundle.json", "line 3 column 16", "invalid JSON"],
    );
}

#[test]
fn truncated_bundle_is_reported_as_truncated() {
    let sb = Sandbox::new();
    let full = serde_json::to_vec_pretty(&base_bundle()).unwrap();
    sb.write("bundle.json", &full[..full.len() / 2]);
    expect_bad_input(&sb, "bundle.json", &["bundle.json", "line ", "truncated"]);
}

#[test]
fn invalid_utf8_in_csv_names_file_and_line() {
    let sb = Sandbox::new();
    write_csv_dir(&sb, "inst", |_, t| Some(t));
    // Bytes that are neither UTF-8 nor GB18030 in the city of the expert
    // on line 3 (row 3); GBK text is read as such (tests/office_tables.rs).
    let mut bytes = b"id,city,institution\nE01,Wuhan,WHU\nE02,".to_vec();
    bytes.extend_from_slice(&[0xFF, 0xFF, 0xBA, 0xBA]);
    bytes.extend_from_slice(b",HUST\n");
    sb.write("inst/experts.csv", &bytes);
    expect_bad_input(&sb, "inst", &["experts.csv", "line 3", "UTF-8"]);
}

#[test]
fn expert_without_city_names_record_and_field() {
    let sb = Sandbox::new();
    let input = bundle_with(&sb, |b| set(b, "/experts/2/city", None));
    expect_bad_input(
        &sb,
        input,
        &[
            "bundle.json",
            "experts[2] (id E03)",
            "field city",
            "missing",
        ],
    );
}

#[test]
fn expert_without_city_in_csv_names_row() {
    let sb = Sandbox::new();
    let input = csv_with(
        &sb,
        "experts.csv",
        "id,city,institution\nE01,武汉,武汉大学\nE02,,华中科技大学\nE03,长沙,中南大学\n",
    );
    expect_bad_input(
        &sb,
        input,
        &["experts.csv", "row 3 (id E02)", "field city", "missing"],
    );
}

#[test]
fn missing_required_csv_column() {
    let sb = Sandbox::new();
    let input = csv_with(&sb, "experts.csv", "id,city\nE01,武汉\nE02,长沙\n");
    expect_bad_input(
        &sb,
        input,
        &[
            "experts.csv",
            "row 1",
            "missing required column institution",
        ],
    );
}

#[test]
fn unknown_csv_column_suggests_the_known_one() {
    let sb = Sandbox::new();
    let input = csv_with(
        &sb,
        "experts.csv",
        "id,city,institution,max_lod\nE01,武汉,武汉大学,2\nE02,长沙,中南大学,2\n",
    );
    expect_bad_input(&sb, input, &["experts.csv", "row 1", "max_lod", "max_load"]);
}

#[test]
fn unknown_json_field_names_record() {
    let sb = Sandbox::new();
    let input = bundle_with(&sb, |b| {
        set(b, "/experts/0/emial", Some(json!("li@whu.edu.cn")))
    });
    expect_bad_input(
        &sb,
        input,
        &[
            "bundle.json",
            "experts[0] (id E01)",
            "emial",
            "unknown field",
        ],
    );
}

#[test]
fn unknown_policy_field_suggests_the_right_name() {
    let sb = Sandbox::new();
    let input = bundle_with(&sb, |b| {
        set(b, "/policy/min_outside_share", None);
        set(b, "/policy/min_outside_shar", Some(json!(0.5)));
    });
    expect_bad_input(
        &sb,
        input,
        &[
            "bundle.json",
            "policy",
            "min_outside_shar",
            "did you mean min_outside_share?",
        ],
    );
}

#[test]
fn unknown_policy_field_in_policy_json() {
    let sb = Sandbox::new();
    let input = csv_with(
        &sb,
        "policy.json",
        r#"{ "panel_size": 2, "min_outside_shar": 0.5 }"#,
    );
    expect_bad_input(
        &sb,
        input,
        &[
            "policy.json",
            "min_outside_shar",
            "did you mean min_outside_share?",
        ],
    );
}

#[test]
fn duplicate_expert_id_names_both_places() {
    let sb = Sandbox::new();
    let input = bundle_with(&sb, |b| set(b, "/experts/5/id", Some(json!("E02"))));
    expect_bad_input(
        &sb,
        input,
        &[
            "bundle.json",
            "experts[5] (id E02)",
            "duplicate expert id \"E02\"",
            "experts[1]",
        ],
    );
}

#[test]
fn duplicate_expert_id_in_csv_names_both_rows() {
    let sb = Sandbox::new();
    let input = csv_with(
        &sb,
        "experts.csv",
        "id,city,institution\nE01,武汉,武汉大学\nE02,长沙,中南大学\nE01,合肥,合肥工业大学\n",
    );
    expect_bad_input(
        &sb,
        input,
        &[
            "experts.csv",
            "row 4 (id E01)",
            "duplicate expert id",
            "row 2",
        ],
    );
}

#[test]
fn duplicate_application_id() {
    let sb = Sandbox::new();
    let input = bundle_with(&sb, |b| set(b, "/applications/2/id", Some(json!("A1"))));
    expect_bad_input(
        &sb,
        input,
        &[
            "bundle.json",
            "applications[2] (id A1)",
            "duplicate application id",
            "applications[0]",
        ],
    );
}

#[test]
fn avoid_naming_an_unknown_expert() {
    let sb = Sandbox::new();
    let input = bundle_with(&sb, |b| {
        set(b, "/applications/1/avoid", Some(json!(["E99"])))
    });
    expect_bad_input(
        &sb,
        input,
        &[
            "bundle.json",
            "applications[1] (id A2)",
            "field avoid",
            "\"E99\"",
            "not an expert id",
        ],
    );
}

#[test]
fn affinity_naming_an_unknown_application() {
    let sb = Sandbox::new();
    let input = bundle_with(&sb, |b| {
        b["affinity"] = json!([
            { "application": "A1", "expert": "E01", "score": 0.9 },
            { "application": "A9", "expert": "E02", "score": 0.5 }
        ]);
    });
    expect_bad_input(
        &sb,
        input,
        &[
            "bundle.json",
            "affinity[1]",
            "field application",
            "unknown application \"A9\"",
        ],
    );
}

#[test]
fn conflict_with_an_unknown_person() {
    let sb = Sandbox::new();
    let input = bundle_with(&sb, |b| set(b, "/conflicts/0/with", Some(json!("P404"))));
    expect_bad_input(
        &sb,
        input,
        &[
            "bundle.json",
            "conflicts[0]",
            "field with",
            "\"P404\"",
            "neither an application id nor a known person",
        ],
    );
}

#[test]
fn negative_max_load() {
    let sb = Sandbox::new();
    let input = bundle_with(&sb, |b| set(b, "/experts/3/max_load", Some(json!(-1))));
    expect_bad_input(
        &sb,
        input,
        &[
            "bundle.json",
            "experts[3] (id E04)",
            "field max_load",
            "non-negative integer",
            "-1",
        ],
    );
}

#[test]
fn fractional_max_load() {
    let sb = Sandbox::new();
    let input = bundle_with(&sb, |b| set(b, "/experts/0/max_load", Some(json!(2.5))));
    expect_bad_input(
        &sb,
        input,
        &["experts[0] (id E01)", "field max_load", "integer", "2.5"],
    );
}

#[test]
fn max_load_as_a_word_in_json_and_csv() {
    let sb = Sandbox::new();
    let input = bundle_with(&sb, |b| set(b, "/experts/0/max_load", Some(json!("ten"))));
    expect_bad_input(
        &sb,
        input,
        &["experts[0] (id E01)", "field max_load", "\"ten\""],
    );

    let sb = Sandbox::new();
    let input = csv_with(
        &sb,
        "experts.csv",
        "id,city,institution,max_load\nE01,武汉,武汉大学,2\nE02,长沙,中南大学,ten\n",
    );
    expect_bad_input(
        &sb,
        input,
        &[
            "experts.csv",
            "row 3 (id E02)",
            "field max_load",
            "non-negative integer",
            "\"ten\"",
        ],
    );
}

#[test]
fn panel_size_zero() {
    let sb = Sandbox::new();
    let input = bundle_with(&sb, |b| set(b, "/policy/panel_size", Some(json!(0))));
    expect_bad_input(
        &sb,
        input,
        &["bundle.json", "policy", "field panel_size", "0"],
    );
    let sb = Sandbox::new();
    let input = bundle_with(&sb, |b| {
        set(b, "/applications/1/panel_size", Some(json!(0)))
    });
    expect_bad_input(&sb, input, &["applications[1] (id A2)", "field panel_size"]);
}

#[test]
fn share_above_one() {
    let sb = Sandbox::new();
    let input = bundle_with(&sb, |b| {
        set(b, "/policy/min_outside_share", Some(json!(1.5)))
    });
    expect_bad_input(
        &sb,
        input,
        &[
            "bundle.json",
            "policy",
            "field min_outside_share",
            "between 0 and 1",
            "1.5",
        ],
    );
}

#[test]
fn nan_and_non_numeric_scores() {
    let affinity =
        |score: &str| format!("application,expert,score\nA1,E01,0.9\nA1,E02,{score}\nA2,E03,0.4\n");
    for (bad, shown) in [
        ("NaN", "\"NaN\""),
        ("high", "\"high\""),
        ("\"0,7\"", "decimal mark"),
    ] {
        let sb = Sandbox::new();
        let input = csv_with(&sb, "affinity.csv", "");
        sb.write("inst/affinity.csv", affinity(bad));
        expect_bad_input(&sb, input, &["affinity.csv", "row 3", "field score", shown]);
    }
    // JSON has no NaN: the literal is a syntax error, located.
    let sb = Sandbox::new();
    let rest = serde_json::to_string(&base_bundle()).unwrap();
    let text = format!(
        "{{\"affinity\": [{{\"application\": \"A1\", \"expert\": \"E01\", \"score\": NaN}}],\n{}",
        &rest[1..]
    );
    let column = format!("line 1 column {}", text.find("NaN").unwrap() + 1);
    sb.write("bundle.json", text);
    expect_bad_input(
        &sb,
        "bundle.json",
        &["bundle.json", &column, "invalid JSON"],
    );
    // A score given as text in JSON.
    let sb = Sandbox::new();
    let input = bundle_with(&sb, |b| {
        b["affinity"] = json!([{ "application": "A1", "expert": "E01", "score": "high" }]);
    });
    expect_bad_input(
        &sb,
        input,
        &["affinity[0]", "field score", "expected a number"],
    );
}

#[test]
fn empty_pool() {
    let sb = Sandbox::new();
    let input = bundle_with(&sb, |b| b["experts"] = json!([]));
    expect_bad_input(&sb, input, &["bundle.json", "no experts"]);
    let sb = Sandbox::new();
    let input = csv_with(&sb, "experts.csv", "id,city,institution\n");
    expect_bad_input(&sb, input, &["experts.csv", "no experts"]);
}

#[test]
fn huge_max_load() {
    let sb = Sandbox::new();
    let input = bundle_with(&sb, |b| set(b, "/experts/1/max_load", Some(json!(1e30))));
    expect_bad_input(
        &sb,
        input,
        &["experts[1] (id E02)", "field max_load", "at most"],
    );
    let sb = Sandbox::new();
    let input = bundle_with(&sb, |b| set(b, "/policy/max_load", Some(json!(u64::MAX))));
    expect_bad_input(&sb, input, &["policy", "field max_load", "at most"]);
}

#[test]
fn deeply_nested_json_is_refused_not_a_crash() {
    let sb = Sandbox::new();
    let depth = 100_000;
    let text = format!(
        "{{\"policy\": {{}}, \"experts\": [{{\"id\": \"E1\", \"city\": \"c\", \"institution\": \"i\", \"keywords\": {}{}}}], \"applications\": []}}",
        "[".repeat(depth),
        "]".repeat(depth)
    );
    sb.write("bundle.json", text);
    expect_bad_input(
        &sb,
        "bundle.json",
        &["bundle.json", "line 1 column", "recursion limit"],
    );
}

#[test]
fn csv_dir_without_policy_json() {
    let sb = Sandbox::new();
    write_csv_dir(&sb, "inst", |name, t| (name != "policy.json").then_some(t));
    expect_bad_input(&sb, "inst", &["policy.json", "missing"]);
}

#[test]
fn nonexistent_instance_path() {
    let sb = Sandbox::new();
    expect_bad_input(
        &sb,
        "no-such-round.json",
        &["no-such-round.json", "no such file"],
    );
}

#[test]
fn output_path_with_a_bad_extension() {
    let sb = Sandbox::new();
    sb.write_json("bundle.json", &base_bundle());
    expect_bad_output(
        &sb,
        "bundle.json",
        "panels.txt",
        &["panels.txt", ".json or .csv"],
    );
    expect_bad_output(
        &sb,
        "bundle.json",
        "panels",
        &["out/panels", ".json or .csv"],
    );
}

#[test]
fn bad_input_lists_every_problem_not_just_the_first() {
    let sb = Sandbox::new();
    let input = bundle_with(&sb, |b| {
        set(b, "/experts/0/city", None);
        set(b, "/experts/4/max_load", Some(json!("ten")));
        set(b, "/applications/2/avoid", Some(json!(["E77"])));
    });
    let run = expect_bad_input(
        &sb,
        input,
        &["experts[0] (id E01)", "experts[4] (id E05)", "\"E77\""],
    );
    assert!(run.stderr.lines().count() >= 3, "{run}");
}

#[test]
fn a_failed_solve_leaves_an_existing_output_untouched() {
    let sb = Sandbox::new();
    sb.write_json("bundle.json", &base_bundle());
    solve_ok(&sb, "bundle.json", "panels.json");
    let before = sb.read("panels.json");
    let mut b = base_bundle();
    set(&mut b, "/experts/0/max_load", Some(json!(-3)));
    sb.write_json("broken.json", &b);
    sb.run(&["solve", "broken.json", "--out", "panels.json"])
        .expect_code(2);
    assert_eq!(sb.read("panels.json"), before);
    assert!(
        !sb.ls("").iter().any(|n| n.starts_with(".panels-tmp")),
        "{:?}",
        sb.ls("")
    );
}

// ------------------------------------------------------------------ 2. infeasible

/// Two cities; `changsha_apps` applications from 长沙 at 湖南大学, panel
/// size `k`, `outside` of the pool from 武汉 (the rest from 长沙, none at
/// 湖南大学).
fn small_round(
    changsha_apps: usize,
    k: u32,
    share: f64,
    wuhan: &[(&str, u32)],
    changsha: usize,
) -> Value {
    let mut experts = Vec::new();
    for (i, &(id, load)) in wuhan.iter().enumerate() {
        experts.push(json!({ "id": id, "city": "武汉", "institution": format!("武汉{i}所"), "max_load": load }));
    }
    for i in 0..changsha {
        experts.push(
            json!({ "id": format!("C{i}"), "city": "长沙", "institution": format!("长沙{i}所") }),
        );
    }
    let apps: Vec<Value> = (0..changsha_apps)
        .map(|j| json!({ "id": format!("CS{}", j + 1), "city": "长沙", "institution": "湖南大学" }))
        .collect();
    json!({
        "policy": { "panel_size": k, "min_outside_share": share, "max_load": 3 },
        "experts": experts,
        "applications": apps
    })
}

#[test]
fn infeasible_outside_city_count_names_application_city_and_numbers() {
    let sb = Sandbox::new();
    // k = 3, share 0.6 → at least 2 outside; only one 武汉 expert.
    sb.write_json("round.json", &small_round(1, 3, 0.6, &[("W1", 3)], 4));
    sb.mkdir("out");
    let run = sb.run(&["solve", "round.json", "--out", "out/panels.json"]);
    run.expect_code(3).stderr_has(&[
        "infeasible",
        "CS1",
        "长沙",
        "needs 2 expert(s) from outside 长沙",
        "only 1",
    ]);
    assert!(sb.ls("out").is_empty(), "{run}");
}

#[test]
fn infeasible_only_together_names_both_applications_and_the_binding_rule() {
    let sb = Sandbox::new();
    // Each 长沙 application alone can get its one outside expert (W1), and
    // the pool has reviews to spare, but W1 can review only once.
    let round = small_round(2, 2, 0.5, &[("W1", 1)], 4);
    sb.write_json("round.json", &round);
    // Each application alone is feasible.
    for keep in 0..2 {
        let mut one = round.clone();
        one["applications"].as_array_mut().unwrap().remove(1 - keep);
        sb.write_json("one.json", &one);
        solve_ok(&sb, "one.json", "one-panels.json");
    }
    sb.mkdir("out");
    let run = sb.run(&["solve", "round.json", "--out", "out/panels.json"]);
    run.expect_code(3).stderr_has(&[
        "infeasible",
        "CS1",
        "CS2",
        "长沙",
        "binding",
        "outside-city rule",
        "max_load",
        "shortfall 1",
    ]);
    assert!(sb.ls("out").is_empty(), "{run}");
}

// ------------------------------------------------------------------ 3. verify

fn solved(sb: &Sandbox) -> Value {
    sb.write_json("bundle.json", &base_bundle());
    solve_ok(sb, "bundle.json", "panels.json");
    sb.read_json("panels.json")
}

#[test]
fn verify_accepts_solve_output_with_and_without_certificate() {
    let sb = Sandbox::new();
    solved(&sb);
    sb.run(&["verify", "bundle.json", "panels.json"])
        .expect_code(0)
        .stdout_has(&["OK"]);
    sb.run(&["verify", "bundle.json", "panels.json", "--certificate"])
        .expect_code(0)
        .stdout_has(&["OK", "certificate: OK"]);
    // CSV panels verify too.
    solve_ok(&sb, "bundle.json", "panels.csv");
    sb.run(&["verify", "bundle.json", "panels.csv"])
        .expect_code(0);
}

/// Finds the panel of `app` in a panels file.
fn panel_mut<'v>(p: &'v mut Value, app: &str) -> &'v mut Value {
    p["panels"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|r| r["application"] == app)
        .unwrap_or_else(|| panic!("no panel for {app}"))
}

#[test]
fn verify_flags_an_ineligible_expert() {
    let sb = Sandbox::new();
    let mut p = solved(&sb);
    // E03 is at 中南大学, as A1 is.
    let rec = panel_mut(&mut p, "A1");
    rec["experts"][0] = json!("E03");
    sb.write_json("tampered.json", &p);
    sb.run(&["verify", "bundle.json", "tampered.json"])
        .expect_code(1)
        .stdout_has(&["FAILED", "[eligibility]", "E03", "A1", "中南大学"]);
}

#[test]
fn verify_flags_a_dropped_application() {
    let sb = Sandbox::new();
    let mut p = solved(&sb);
    p["panels"]
        .as_array_mut()
        .unwrap()
        .retain(|r| r["application"] != "A2");
    sb.write_json("tampered.json", &p);
    sb.run(&["verify", "bundle.json", "tampered.json"])
        .expect_code(1)
        .stdout_has(&["FAILED", "[coverage]", "A2"]);
}

#[test]
fn verify_flags_an_overloaded_expert() {
    let sb = Sandbox::new();
    let mut p = solved(&sb);
    // Each panel below is eligible and meets the outside rule; E08 (长沙,
    // max_load 2) is on all three.
    for (app, experts) in [
        ("A1", ["E01", "E08"]),
        ("A2", ["E05", "E08"]),
        ("A3", ["E04", "E08"]),
    ] {
        let rec = panel_mut(&mut p, app);
        rec["experts"] = json!(experts);
        rec.as_object_mut().unwrap().remove("scores");
    }
    sb.write_json("tampered.json", &p);
    let run = sb.run(&["verify", "bundle.json", "tampered.json"]);
    run.expect_code(1)
        .stdout_has(&["FAILED", "[load]", "E08", "3"]);
    assert!(!run.stdout.contains("[eligibility]"), "{run}");
}

#[test]
fn verify_with_an_unreadable_panels_file_is_bad_input() {
    let sb = Sandbox::new();
    solved(&sb);
    sb.write("broken.json", "{\"status\": \"optimal\", \"panels\": [");
    sb.run(&["verify", "bundle.json", "broken.json"])
        .expect_code(2)
        .stderr_has(&["broken.json", "line 1"]);
    sb.run(&["verify", "bundle.json", "missing.json"])
        .expect_code(2)
        .stderr_has(&["missing.json"]);
    sb.run(&["verify", "missing-instance.json", "panels.json"])
        .expect_code(2)
        .stderr_has(&["missing-instance.json", "no such file"]);
    sb.write("panels.txt", "whatever");
    sb.run(&["verify", "bundle.json", "panels.txt"])
        .expect_code(2)
        .stderr_has(&["panels.txt"]);
}

// ------------------------------------------------------------------ 4. determinism

#[test]
fn solve_twice_gives_identical_bytes() {
    let sb = Sandbox::new();
    sb.run(&[
        "generate",
        "--preset",
        "tiny",
        "--seed",
        "7",
        "--out",
        "tiny.json",
        "-q",
    ])
    .expect_code(0);
    for out in ["a.json", "b.json", "a.csv", "b.csv"] {
        solve_ok(&sb, "tiny.json", out);
    }
    assert_eq!(
        sb.read("a.json"),
        sb.read("b.json"),
        "JSON output differs between runs"
    );
    assert_eq!(
        sb.read("a.csv"),
        sb.read("b.csv"),
        "CSV output differs between runs"
    );
}

#[test]
fn csv_output_has_one_row_per_pair() {
    let sb = Sandbox::new();
    sb.write_json("bundle.json", &base_bundle());
    solve_ok(&sb, "bundle.json", "panels.json");
    solve_ok(&sb, "bundle.json", "panels.csv");
    let json = sb.read_json("panels.json");
    let csv = String::from_utf8(sb.read("panels.csv")).unwrap();
    // CSV outputs start with a byte order mark, for Excel.
    let csv = csv.strip_prefix('\u{feff}').expect("a BOM");
    let mut lines = csv.lines();
    let header = lines.next().unwrap();
    assert!(header.starts_with("application,expert"), "{header}");
    let rows: Vec<(String, String)> = lines
        .map(|l| {
            let mut cells = l.split(',');
            (
                cells.next().unwrap().to_string(),
                cells.next().unwrap().to_string(),
            )
        })
        .collect();
    let pairs: Vec<(String, String)> = json["panels"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| {
            let a = r["application"].as_str().unwrap().to_string();
            r["experts"]
                .as_array()
                .unwrap()
                .iter()
                .map(move |e| (a.clone(), e.as_str().unwrap().to_string()))
        })
        .collect();
    assert_eq!(rows, pairs);
    assert_eq!(rows.len(), 3 * 2);
}

// ------------------------------------------------------------------ 5. both input forms

#[test]
fn bundle_and_csv_forms_solve_alike() {
    let sb = Sandbox::new();
    for seed in ["3", "11"] {
        sb.run(&[
            "generate", "--preset", "tiny", "--seed", seed, "--format", "bundle", "--out",
            "g.json", "-q",
        ])
        .expect_code(0);
        let gdir = format!("g{seed}");
        sb.run(&[
            "generate", "--preset", "tiny", "--seed", seed, "--format", "csv", "--out", &gdir, "-q",
        ])
        .expect_code(0);
        solve_ok(&sb, "g.json", "from-bundle.json");
        solve_ok(&sb, &gdir, "from-csv.json");
        let (a, b) = (
            sb.read_json("from-bundle.json"),
            sb.read_json("from-csv.json"),
        );
        assert_eq!(a["objective"], b["objective"], "seed {seed}");
        assert_eq!(a["panels"], b["panels"], "seed {seed}");
        assert_eq!(a["status"], "optimal");
        // Each verifies against the other form of the instance.
        sb.run(&["verify", &gdir, "from-bundle.json"])
            .expect_code(0);
        sb.run(&["verify", "g.json", "from-csv.json"])
            .expect_code(0);
    }
}

#[test]
fn excel_style_csv_loads_like_plain_csv() {
    let sb = Sandbox::new();
    write_csv_dir(&sb, "plain", |_, t| Some(t));
    // BOM, CRLF line ends, booleans in capitals, as Excel writes them.
    write_csv_dir(&sb, "excel", |name, t| {
        let t = if name == "experts.csv" {
            t.replacen("keywords\n", "keywords,available\n", 1)
                .lines()
                .enumerate()
                .map(|(i, l)| {
                    if i == 0 {
                        l.to_string()
                    } else {
                        format!("{l},TRUE")
                    }
                })
                .collect::<Vec<_>>()
                .join("\n")
                + "\n"
        } else {
            t
        };
        let t = if name.ends_with(".csv") {
            format!("\u{feff}{}", t.replace('\n', "\r\n"))
        } else {
            t
        };
        Some(t)
    });
    solve_ok(&sb, "plain", "plain.json");
    solve_ok(&sb, "excel", "excel.json");
    let (a, b) = (sb.read_json("plain.json"), sb.read_json("excel.json"));
    assert_eq!(a["panels"], b["panels"]);
    assert_eq!(a["objective"], b["objective"]);
}

// ------------------------------------------------------------------ 6. explain

#[test]
fn explain_lists_every_reason() {
    let sb = Sandbox::new();
    let input = bundle_with(&sb, |b| {
        // E03 is at A1's institution; put E03 on A1's team and avoid list too.
        set(b, "/applications/0/team", Some(json!(["P1", "E04", "E03"])));
        set(b, "/applications/0/avoid", Some(json!(["E03"])));
    });
    let run = sb.run(&["explain", input, "-a", "A1", "-e", "E03"]);
    run.expect_code(0).stdout_has(&[
        "not eligible",
        "[same institution]",
        "[team member]",
        "中南大学",
    ]);
    let reasons = run
        .stdout
        .lines()
        .filter(|l| l.trim_start().starts_with("- "))
        .count();
    assert!(reasons >= 3, "expected at least three reasons\n{run}");
}

#[test]
fn explain_each_kind_of_conflict() {
    let sb = Sandbox::new();
    sb.write_json("bundle.json", &base_bundle());
    for (a, e, label) in [
        ("A1", "E04", "[team member]"),
        ("A2", "E02", "avoid"),
        ("A3", "E05", "[declared conflict]"),
        ("A3", "E07", "[co-author]"),
        ("A3", "E06", "[same institution]"),
    ] {
        sb.run(&["explain", "bundle.json", "-a", a, "-e", e])
            .expect_code(0)
            .stdout_has(&["not eligible", label, e, a]);
    }
}

#[test]
fn explain_an_eligible_pair() {
    let sb = Sandbox::new();
    sb.write_json("bundle.json", &base_bundle());
    let run = sb.run(&["explain", "bundle.json", "-a", "A1", "-e", "E01"]);
    run.expect_code(0).stdout_has(&["eligible", "outside-city"]);
    assert!(!run.stdout.contains("not eligible"), "{run}");
    sb.run(&["explain", "bundle.json", "-a", "A1", "-e", "E08"])
        .expect_code(0)
        .stdout_has(&["eligible", "same city"]);
}

#[test]
fn explain_unknown_ids_are_bad_input() {
    let sb = Sandbox::new();
    sb.write_json("bundle.json", &base_bundle());
    sb.run(&["explain", "bundle.json", "-a", "A9", "-e", "E01"])
        .expect_code(2)
        .stderr_has(&["bundle.json", "A9"]);
    sb.run(&["explain", "bundle.json", "-a", "A1", "-e", "E99"])
        .expect_code(2)
        .stderr_has(&["bundle.json", "E99"]);
}

// ------------------------------------------------------------------ 7. generate

#[test]
fn generate_presets_load_and_are_seeded() {
    let sb = Sandbox::new();
    for preset in ["tiny", "guanggu"] {
        let gen = |seed: &str, out: &str| {
            sb.run(&[
                "generate", "--preset", preset, "--seed", seed, "--out", out, "-q",
            ])
            .expect_code(0);
        };
        gen("5", "a.json");
        gen("5", "b.json");
        gen("6", "c.json");
        assert_eq!(
            sb.read("a.json"),
            sb.read("b.json"),
            "{preset}: same seed, different bytes"
        );
        assert_ne!(
            sb.read("a.json"),
            sb.read("c.json"),
            "{preset}: seed ignored"
        );
        gen("5", "dir-a");
        gen("5", "dir-b");
        assert_eq!(sb.ls("dir-a"), sb.ls("dir-b"));
        for f in sb.ls("dir-a") {
            assert_eq!(
                sb.read(&format!("dir-a/{f}")),
                sb.read(&format!("dir-b/{f}")),
                "{preset}: {f}"
            );
        }
        let out = format!("{preset}-panels.json");
        solve_ok(&sb, "a.json", &out);
        sb.run(&["verify", "dir-a", &out, "--certificate"])
            .expect_code(0);
        std::fs::remove_dir_all(sb.path("dir-a")).unwrap();
        std::fs::remove_dir_all(sb.path("dir-b")).unwrap();
    }
}

#[test]
fn generate_unknown_preset_is_bad_input() {
    let sb = Sandbox::new();
    sb.run(&["generate", "--preset", "atlantis", "--out", "x.json"])
        .expect_code(2)
        .stderr_has(&["atlantis", "tiny"]);
    assert!(sb.ls("").is_empty());
}

#[test]
fn generate_more_programmes_than_it_has_names_is_bad_input() {
    let sb = Sandbox::new();
    sb.run(&[
        "generate",
        "--preset",
        "tiny",
        "--programmes",
        "9",
        "--out",
        "x.json",
    ])
    .expect_code(2)
    .stderr_has(&["--programmes 9", "at most 4"]);
    assert!(sb.ls("").is_empty());
}

// ------------------------------------------------------------------ 8. bundled instances

/// Instances shipped under `instances/` (bundles, and CSV directories
/// holding a `policy.json`), searched recursively, and whether each is
/// documented as infeasible (its file name says `infeasible`, as
/// `instances/README.md` names them).
fn shipped_instances() -> Vec<(std::path::PathBuf, bool)> {
    fn walk(dir: &std::path::Path, out: &mut Vec<(std::path::PathBuf, bool)>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for p in entries.filter_map(|e| e.ok().map(|e| e.path())) {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            if p.is_dir() && p.join("policy.json").is_file() {
                out.push((p, name.contains("infeasible")));
            } else if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "json") {
                out.push((p, name.contains("infeasible")));
            }
        }
    }
    let mut out = Vec::new();
    walk(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("instances"),
        &mut out,
    );
    out.sort();
    out
}

#[test]
fn bundled_instances_solve_and_verify() {
    let sb = Sandbox::new();
    let mut cases = shipped_instances();
    // Generated equivalents of the shipped examples, always checked (and
    // the only ones when the crate has no instances/ directory yet).
    for (preset, seed) in [("tiny", "1"), ("guanggu", "2")] {
        let bundle = format!("gen-{preset}.json");
        let dir = format!("gen-{preset}-csv");
        sb.run(&[
            "generate", "--preset", preset, "--seed", seed, "--out", &bundle, "-q",
        ])
        .expect_code(0);
        sb.run(&[
            "generate", "--preset", preset, "--seed", seed, "--out", &dir, "--format", "csv", "-q",
        ])
        .expect_code(0);
        cases.push((sb.path(&bundle), false));
        cases.push((sb.path(&dir), false));
    }
    sb.write_json(
        "gen-infeasible.json",
        &small_round(2, 2, 0.5, &[("W1", 1)], 4),
    );
    cases.push((sb.path("gen-infeasible.json"), true));
    assert!(cases.len() >= 5);
    for (i, (path, infeasible)) in cases.iter().enumerate() {
        let p = path.to_str().unwrap();
        let out = format!("out-{i}.json");
        let run = sb.run(&["solve", p, "--out", &out, "-q"]);
        if *infeasible {
            run.expect_code(3).stderr_has(&["infeasible"]);
            assert!(!sb.path(&out).exists(), "{run}");
        } else {
            run.expect_code(0);
            sb.run(&["verify", p, &out, "--certificate"]).expect_code(0);
        }
    }
}

/// A city spelt with a trailing space next to its plain spelling is the
/// same city; `solve` says it merged the spellings on stderr (not with
/// `--quiet`), and solves.
#[test]
fn near_duplicate_city_names_get_a_note() {
    let sb = Sandbox::new();
    let mut b = base_bundle();
    set(&mut b, "/experts/6/city", Some(json!("武汉 ")));
    sb.write_json("spaced.json", &b);
    let run = sb.run(&["solve", "spaced.json", "--out", "p.json"]);
    run.expect_code(0)
        .stderr_has(&["the city spellings \"武汉\", \"武汉 \" are taken as one city"]);
    let quiet = sb.run(&["--quiet", "solve", "spaced.json", "--out", "q.json"]);
    quiet.expect_code(0);
    assert!(!quiet.stderr.contains("one city"), "{}", quiet.stderr);
}

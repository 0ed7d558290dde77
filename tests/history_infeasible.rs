//! Rounds made infeasible by a history rule are explained like any other
//! infeasible round: exit 3, the rule named with its value, the
//! applications that cannot be staffed, the experts the rule keeps out,
//! and a fix that names the rule. With the rule off, the same round
//! solves, so the explanation points at the rule that binds.

use std::path::Path;
use std::process::Command;

/// Two applications in 2026 (A1 in field F1, A2 in F9), panels of 2, four
/// experts: E1–E3 in F1, E4 in F9. `policy` adds to the policy; `history`
/// is the history list.
fn round(dir: &Path, name: &str, policy: &str, history: &str) -> std::path::PathBuf {
    let text = format!(
        r#"{{"policy": {{"panel_size": 2, "avoid_same_institution": true, "year": 2026{policy}}},
  "experts": [
    {{"id": "E1", "city": "长沙", "institution": "U1", "fields": ["F1"]}},
    {{"id": "E2", "city": "合肥", "institution": "U2", "fields": ["F1"]}},
    {{"id": "E3", "city": "南昌", "institution": "U3", "fields": ["F1"]}},
    {{"id": "E4", "city": "南昌", "institution": "U4", "fields": ["F9"]}}],
  "applications": [
    {{"id": "A1", "city": "武汉", "institution": "U0", "fields": ["F1"], "team": ["P1"]}},
    {{"id": "A2", "city": "武汉", "institution": "U0", "fields": ["F9"]}}],
  "history": [{history}]}}"#
    );
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// `panels solve`: exit code, stderr, and whether a panels file appeared.
fn solve(dir: &Path, instance: &Path) -> (i32, String, bool) {
    let out_path = dir.join(format!(
        "{}.panels.json",
        instance.file_stem().unwrap().to_string_lossy()
    ));
    let out = Command::new(env!("CARGO_BIN_EXE_panels"))
        .arg("solve")
        .arg(instance)
        .arg("--out")
        .arg(&out_path)
        .output()
        .expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out_path.exists(),
    )
}

/// E1–E3 each served in `year` (and E4 does not).
fn served(year: i32, outcome: &str) -> String {
    ["E1", "E2", "E3"]
        .iter()
        .map(|e| {
            format!(r#"{{"year": {year}, "institution": "U7", "expert": "{e}", "outcome": "{outcome}"}}"#)
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn assert_explained(err: &str, rule: &str, fix: &str) {
    assert!(err.contains("infeasible"), "{err}");
    assert!(
        err.contains("A1 (武汉, F1)"),
        "names the application: {err}"
    );
    assert!(err.contains(rule), "names the rule {rule}: {err}");
    assert!(
        err.contains("E1, E2, E3"),
        "names the experts kept out: {err}"
    );
    assert!(err.contains(fix), "offers the fix {fix:?}: {err}");
}

#[test]
fn everyone_in_a_field_resting_is_explained() {
    let dir = tempfile::tempdir().unwrap();
    let on = round(
        dir.path(),
        "rest.json",
        r#", "max_consecutive_years": 1"#,
        &served(2025, "reviewed"),
    );
    let (code, err, written) = solve(dir.path(), &on);
    assert_eq!(code, 3, "{err}");
    assert!(!written);
    assert_explained(
        &err,
        "max_consecutive_years 1",
        "raise max_consecutive_years (1)",
    );
    // Only the rule that binds is offered as a fix.
    assert!(
        !err.contains("max_declines") && !err.contains("min_rating"),
        "{err}"
    );

    // Served two years ago only: nobody rests, the round solves.
    let off = round(
        dir.path(),
        "rest-off.json",
        r#", "max_consecutive_years": 1"#,
        &served(2024, "reviewed"),
    );
    let (code, err, _) = solve(dir.path(), &off);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn declines_and_ratings_that_bar_a_field_are_explained() {
    let dir = tempfile::tempdir().unwrap();
    let declines = round(
        dir.path(),
        "declines.json",
        r#", "max_declines": 0"#,
        &served(2025, "declined"),
    );
    let (code, err, _) = solve(dir.path(), &declines);
    assert_eq!(code, 3, "{err}");
    assert_explained(&err, "max_declines 0", "raise max_declines (0)");

    let rated: String = ["E1", "E2", "E3"]
        .iter()
        .map(|e| format!(r#"{{"year": 2025, "institution": "U7", "expert": "{e}", "rating": 1}}"#))
        .collect::<Vec<_>>()
        .join(", ");
    let rating = round(dir.path(), "rating.json", r#", "min_rating": 3"#, &rated);
    let (code, err, _) = solve(dir.path(), &rating);
    assert_eq!(code, 3, "{err}");
    assert_explained(&err, "min_rating 3", "lower min_rating (3)");

    // The same history with the rules off solves.
    let off = round(
        dir.path(),
        "declines-off.json",
        "",
        &served(2025, "declined"),
    );
    assert_eq!(solve(dir.path(), &off).0, 0);
}

#[test]
fn a_banned_repeat_that_empties_a_field_is_explained() {
    let dir = tempfile::tempdir().unwrap();
    let history: String = ["E1", "E2", "E3"]
        .iter()
        .map(|e| format!(r#"{{"year": 2025, "institution": "U0", "expert": "{e}"}}"#))
        .collect::<Vec<_>>()
        .join(", ");
    let ban = round(
        dir.path(),
        "repeat.json",
        r#", "avoid_repeat": "institution""#,
        &history,
    );
    let (code, err, _) = solve(dir.path(), &ban);
    assert_eq!(code, 3, "{err}");
    assert_explained(&err, "avoid_repeat institution", "set repeat_penalty");

    // As a cost instead of a ban the round solves.
    let priced = round(
        dir.path(),
        "repeat-priced.json",
        r#", "avoid_repeat": "institution", "repeat_penalty": 0.1"#,
        &history,
    );
    assert_eq!(solve(dir.path(), &priced).0, 0);
}

#[test]
fn the_yearly_cap_that_leaves_too_few_reviews_is_explained() {
    let dir = tempfile::tempdir().unwrap();
    // Every expert already reviewed twice in 2026; the yearly cap is 2.
    let history: String = ["E1", "E2", "E3", "E4"]
        .iter()
        .flat_map(|e| {
            ["U7", "U8"]
                .map(|u| format!(r#"{{"year": 2026, "institution": "{u}", "expert": "{e}"}}"#))
        })
        .collect::<Vec<_>>()
        .join(", ");
    let capped = round(
        dir.path(),
        "yearly.json",
        r#", "max_reviews_per_year": 2"#,
        &history,
    );
    let (code, err, written) = solve(dir.path(), &capped);
    assert_eq!(code, 3, "{err}");
    assert!(!written);
    assert!(err.contains("max_reviews_per_year 2"), "{err}");
    assert!(
        err.contains("served or no-show in 2026 already: E1 2, E2 2, E3 2, E4 2"),
        "{err}"
    );
    assert!(err.contains("raise max_reviews_per_year above 2"), "{err}");
    // The yearly cap holds every expert: raising max_load gives nothing,
    // so it is not offered as a fix.
    assert!(!err.contains("raise max_load"), "{err}");
    let raised = round(
        dir.path(),
        "yearly-max-load.json",
        r#", "max_reviews_per_year": 2, "max_load": 100"#,
        &history,
    );
    assert_eq!(solve(dir.path(), &raised).0, 3, "max_load does not help");

    // With a higher cap the round solves.
    let roomy = round(
        dir.path(),
        "yearly-off.json",
        r#", "max_reviews_per_year": 4"#,
        &history,
    );
    assert_eq!(solve(dir.path(), &roomy).0, 0);
}

#[test]
fn raising_max_load_is_offered_only_as_far_as_the_yearly_cap_leaves_room() {
    let dir = tempfile::tempdir().unwrap();
    // E1 and E2 already reviewed twice in 2026 (the yearly cap is 2); E3
    // and E4 did not. With max_load 1 the pool gives 2 of the 4 reviews.
    let history = ["E1", "E1", "E2", "E2"]
        .map(|e| format!(r#"{{"year": 2026, "institution": "U7", "expert": "{e}"}}"#))
        .join(", ");
    let with = |name: &str, max_load: u32| {
        round(
            dir.path(),
            name,
            &format!(r#", "max_reviews_per_year": 2, "max_load": {max_load}"#),
            &history,
        )
    };
    let (code, err, _) = solve(dir.path(), &with("mixed.json", 1));
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains("raise max_load by 1 for each of the 2 usable experts (as far as max_reviews_per_year leaves room; it leaves none to 2 more)"),
        "{err}"
    );
    // And that fix works.
    assert_eq!(solve(dir.path(), &with("mixed-fixed.json", 2)).0, 0);

    // With a yearly cap of 1 a higher max_load cannot help E3 and E4
    // either: no raise is offered.
    let tight = round(
        dir.path(),
        "tight.json",
        r#", "max_reviews_per_year": 1, "max_load": 1"#,
        &history,
    );
    let (code, err, _) = solve(dir.path(), &tight);
    assert_eq!(code, 3, "{err}");
    assert!(!err.contains("raise max_load"), "{err}");
    assert!(err.contains("add experts"), "{err}");
}

#[test]
fn history_rules_that_leave_the_pool_too_few_reviews_are_named() {
    // max_load 1: the four experts give exactly the 4 reviews the round
    // needs. A rule that bars E1 and E2 leaves each application two
    // eligible experts, but the pool only 2 reviews: the shortage is
    // pool-wide, and the rule must still be named with its experts.
    let dir = tempfile::tempdir().unwrap();
    let e1_e2 = |extra: &str| {
        ["E1", "E2"]
            .iter()
            .map(|e| format!(r#"{{"year": 2025, "institution": "U7", "expert": "{e}"{extra}}}"#))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let cases = [
        (
            r#", "max_consecutive_years": 1"#,
            e1_e2(""),
            "2 resting (history) (max_consecutive_years 1: E1, E2)",
            "or raise max_consecutive_years (1) so that fewer experts rest",
        ),
        (
            r#", "max_declines": 0"#,
            e1_e2(r#", "outcome": "declined""#),
            "2 declines (history) (max_declines 0: E1, E2)",
            "or raise max_declines (0)",
        ),
        (
            r#", "min_rating": 4"#,
            e1_e2(r#", "rating": 2"#),
            "2 rating (history) (min_rating 4: E1, E2)",
            "or lower min_rating (4)",
        ),
    ];
    for (i, (rule, history, named, fix)) in cases.iter().enumerate() {
        let on = round(
            dir.path(),
            &format!("pool{i}.json"),
            &format!(r#", "max_load": 1{rule}"#),
            history,
        );
        let (code, err, written) = solve(dir.path(), &on);
        assert_eq!(code, 3, "{err}");
        assert!(!written);
        assert!(err.contains("can give 2 (sum of max_load)"), "{err}");
        assert!(
            err.contains(
                "history rules take 2 expert(s) out of the round, who could give 2 review(s)"
            ),
            "{err}"
        );
        assert!(err.contains(named), "names {named:?}: {err}");
        assert!(err.contains(fix), "offers {fix:?}: {err}");
        // Without the rule the same round solves.
        let off = round(
            dir.path(),
            &format!("pool{i}-off.json"),
            r#", "max_load": 1"#,
            history,
        );
        let (code, err, _) = solve(dir.path(), &off);
        assert_eq!(code, 0, "{err}");
    }
}

//! Programmes and history rules on crafted rounds: each rule binds where
//! it should and does nothing when off; every answer passes `verify`, and
//! flow answers carry a certificate `verify --certificate` proves.

use std::path::Path;

use panels::eligibility::{ConflictKind, Eligibility};
use panels::io::load_bundle_from_bytes;
use panels::model::{ExpertIx, Instance};
use panels::solve::{solve, Method, Solved};

/// A round in 2026: A1 (U0, 武汉, team P1) needs 2 experts; E1 and E2
/// score best for it (fields), E3 and E4 less.
fn round(policy: &str, history: &str) -> Result<Instance, String> {
    let text = format!(
        r#"{{"policy": {{"panel_size": 2, "avoid_same_institution": true, {policy}}},
  "experts": [
    {{"id": "E1", "city": "长沙", "institution": "U1", "fields": ["F1", "F2"]}},
    {{"id": "E2", "city": "合肥", "institution": "U2", "fields": ["F1", "F2"]}},
    {{"id": "E3", "city": "南昌", "institution": "U3", "fields": ["F1"]}},
    {{"id": "E4", "city": "南昌", "institution": "U4", "fields": ["F9"]}}],
  "applications": [
    {{"id": "A1", "city": "武汉", "institution": "U0", "fields": ["F1", "F2"], "team": ["P1"]}}],
  "history": [{history}]}}"#
    );
    load_bundle_from_bytes(Path::new("round.json"), text.as_bytes()).map_err(|e| e.to_string())
}

fn solved(inst: &Instance) -> Solved {
    let elig = Eligibility::compute(inst);
    let s = solve(inst, &elig, Method::Auto).expect("feasible");
    let report = panels::verify::verify_with(inst, &elig, &file_of(inst, &s));
    assert!(report.is_ok(), "{}", report.render(inst));
    assert_eq!(report.objective_micro, s.objective_micro);
    if let Some(cert) = &s.certificate {
        let mut file = file_of(inst, &s);
        file.certificate = Some(serde_json::to_value(cert).unwrap());
        let out = panels::verify::check_certificate(inst, &elig, &file, s.objective_micro);
        assert!(out.is_ok(), "{}", out.describe());
    }
    s
}

fn file_of(inst: &Instance, s: &Solved) -> panels::io::panels::PanelsFile {
    let elig = Eligibility::compute(inst);
    let mut file = panels::solve::panels_file(inst, &elig, s, String::new());
    file.certificate = None;
    file
}

fn panel(inst: &Instance, s: &Solved) -> Vec<String> {
    s.panels[0]
        .iter()
        .map(|e| inst.experts[e.ix()].id.clone())
        .collect()
}

const E1_REVIEWED_U0_2025: &str =
    r#"{"year": 2025, "application": "A0123", "institution": "U0", "expert": "E1"}"#;

#[test]
fn repeat_by_institution_is_a_ban_with_evidence_and_off_does_nothing() {
    let off = round(r#""year": 2026"#, E1_REVIEWED_U0_2025).unwrap();
    assert_eq!(panel(&off, &solved(&off)), ["E1", "E2"]);

    let on = round(
        r#""year": 2026, "avoid_repeat": "institution""#,
        E1_REVIEWED_U0_2025,
    )
    .unwrap();
    let s = solved(&on);
    assert!(!panel(&on, &s).contains(&"E1".to_string()));
    let elig = Eligibility::compute(&on);
    let v = elig.check(&on, panels::model::AppIx(0), ExpertIx(0));
    assert_eq!(v.reasons.len(), 1);
    assert_eq!(v.reasons[0].kind(), ConflictKind::Repeat);
    let words = v.reasons[0].describe(&on, panels::model::AppIx(0), ExpertIx(0));
    assert!(words.contains("reviewed U0's A0123 in 2025"), "{words}");
    // Counted apart from declared conflicts.
    let counts = elig.conflict_counts(&on);
    assert_eq!(counts.get(&ConflictKind::Repeat), Some(&1));
    assert_eq!(counts.get(&ConflictKind::Declared), None);
}

#[test]
fn repeats_outside_the_window_or_after_the_year_do_not_count() {
    let old = r#"{"year": 2022, "institution": "U0", "expert": "E1"}"#;
    let inst = round(r#""year": 2026, "avoid_repeat": "both""#, old).unwrap();
    assert_eq!(panel(&inst, &solved(&inst)), ["E1", "E2"]);
    let later = r#"{"year": 2027, "institution": "U0", "expert": "E1"}"#;
    let inst = round(r#""year": 2026, "avoid_repeat": "both""#, later).unwrap();
    assert_eq!(panel(&inst, &solved(&inst)), ["E1", "E2"]);
    // history_years 4 reaches 2022.
    let inst = round(
        r#""year": 2026, "avoid_repeat": "both", "history_years": 4"#,
        old,
    )
    .unwrap();
    assert!(!panel(&inst, &solved(&inst)).contains(&"E1".to_string()));
    // A decline is not a served review.
    let declined = r#"{"year": 2025, "institution": "U0", "expert": "E1", "outcome": "declined"}"#;
    let inst = round(r#""year": 2026, "avoid_repeat": "institution""#, declined).unwrap();
    assert_eq!(panel(&inst, &solved(&inst)), ["E1", "E2"]);
}

#[test]
fn repeat_by_team_matches_a_shared_person_only_under_team_or_both() {
    let h = r#"{"year": 2025, "institution": "U7", "team": ["P1", "P5"], "expert": "E2"}"#;
    let inst = round(r#""year": 2026, "avoid_repeat": "institution""#, h).unwrap();
    assert_eq!(panel(&inst, &solved(&inst)), ["E1", "E2"]);
    for rule in ["team", "both"] {
        let inst = round(&format!(r#""year": 2026, "avoid_repeat": "{rule}""#), h).unwrap();
        assert!(
            !panel(&inst, &solved(&inst)).contains(&"E2".to_string()),
            "{rule}"
        );
    }
}

#[test]
fn repeat_penalty_prices_the_repeat_once_and_needs_avoid_repeat() {
    let both = format!(
        "{E1_REVIEWED_U0_2025}, {}",
        r#"{"year": 2024, "institution": "U0", "team": ["P1"], "expert": "E1"}"#
    );
    let plain = round(r#""year": 2026"#, &both).unwrap();
    let base = solved(&plain).objective_micro;
    // Small penalty: E1 stays, paid once although both kinds repeat.
    let inst = round(
        r#""year": 2026, "avoid_repeat": "both", "repeat_penalty": 0.01"#,
        &both,
    )
    .unwrap();
    let s = solved(&inst);
    assert_eq!(panel(&inst, &s), ["E1", "E2"]);
    assert_eq!(s.objective_micro, base - 10_000);
    // Large penalty: E1 leaves.
    let inst = round(
        r#""year": 2026, "avoid_repeat": "institution", "repeat_penalty": 5"#,
        &both,
    )
    .unwrap();
    assert!(!panel(&inst, &solved(&inst)).contains(&"E1".to_string()));
    // A penalty without avoid_repeat does nothing.
    let inst = round(r#""year": 2026, "repeat_penalty": 5"#, &both).unwrap();
    assert_eq!(solved(&inst).objective_micro, base);
}

#[test]
fn min_affinity_is_compared_before_the_penalty() {
    let inst = round(
        r#""year": 2026, "avoid_repeat": "institution", "repeat_penalty": 0.5, "min_affinity": 0.6"#,
        E1_REVIEWED_U0_2025,
    )
    .unwrap();
    let elig = Eligibility::compute(&inst);
    let raw = elig.score(&inst, panels::model::AppIx(0), ExpertIx(0));
    assert!(raw.as_f64() >= 0.6);
    let priced = elig
        .eligible_score(&inst, panels::model::AppIx(0), ExpertIx(0))
        .expect("eligible: the raw score passes min_affinity");
    assert_eq!(priced.0, raw.0 - 500_000);
}

#[test]
fn max_reviews_per_year_lowers_the_cap_never_below_zero() {
    let this_year = r#"{"year": 2026, "round": "spring", "institution": "U8", "expert": "E1"},
        {"year": 2026, "round": "spring", "institution": "U9", "expert": "E1", "outcome": "no_show"},
        {"year": 2026, "round": "spring", "institution": "U9", "expert": "E1", "outcome": "declined"}"#;
    let off = round(r#""year": 2026"#, this_year).unwrap();
    assert_eq!(panel(&off, &solved(&off)), ["E1", "E2"]);
    for cap in [1, 2] {
        let inst = round(
            &format!(r#""year": 2026, "max_reviews_per_year": {cap}"#),
            this_year,
        )
        .unwrap();
        assert_eq!(
            inst.max_load(ExpertIx(0)),
            0,
            "served + no-show = 2 ≥ {cap}"
        );
        assert!(!panel(&inst, &solved(&inst)).contains(&"E1".to_string()));
    }
    let inst = round(r#""year": 2026, "max_reviews_per_year": 3"#, this_year).unwrap();
    assert_eq!(inst.max_load(ExpertIx(0)), 1);
    assert_eq!(panel(&inst, &solved(&inst)), ["E1", "E2"]);
}

/// Without a round year (and so without a history table) the yearly cap
/// holds this round's load alone: solve keeps it, verify and explain name
/// it.
#[test]
fn max_reviews_per_year_without_a_year_caps_this_rounds_load() {
    let text = |cap: u32| {
        format!(
            r#"{{"policy": {{"panel_size": 1, "max_load": 3, "max_reviews_per_year": {cap}}},
  "experts": [
    {{"id": "E1", "city": "长沙", "institution": "U1", "fields": ["F1", "F2"]}},
    {{"id": "E2", "city": "合肥", "institution": "U2", "fields": ["F1"]}}],
  "applications": [
    {{"id": "A1", "city": "武汉", "institution": "U0", "fields": ["F1", "F2"]}},
    {{"id": "A2", "city": "武汉", "institution": "U0", "fields": ["F1", "F2"]}}]}}"#
        )
    };
    let load =
        |cap: u32| load_bundle_from_bytes(Path::new("r.json"), text(cap).as_bytes()).unwrap();
    // E1 is best for both; a cap of 2 lets it take both.
    let inst = load(2);
    let s = solved(&inst);
    assert_eq!(s.panels, [[ExpertIx(0)], [ExpertIx(0)]]);
    // A cap of 1: E1 takes one, E2 the other.
    let inst = load(1);
    assert_eq!(inst.max_load(ExpertIx(0)), 1);
    let s = solved(&inst);
    let mut seated: Vec<u32> = s.panels.iter().map(|p| p[0].0).collect();
    seated.sort_unstable();
    assert_eq!(seated, [0, 1]);
    // E1 on both panels breaks it, and verify says so.
    let mut file = file_of(&inst, &s);
    for p in &mut file.panels {
        p.experts = vec!["E1".into()];
        p.scores = None;
    }
    let report = panels::verify::verify(&inst, &file);
    assert!(!report.is_ok());
    let said = report.render(&inst);
    assert!(
        said.contains("E1: 2 review(s) now exceed max_reviews_per_year 1"),
        "{said}"
    );
    let zh: Vec<String> = report
        .violations
        .iter()
        .map(|v| panels::report::violations::describe_zh(&inst, v))
        .collect();
    assert!(
        zh.iter()
            .any(|v| v == "E1：本轮 2 次，超过 max_reviews_per_year 1"),
        "{zh:?}"
    );
    // explain names the cap beside the pair, in both languages.
    let elig = Eligibility::compute(&inst);
    let (a, e) = (panels::model::AppIx(0), ExpertIx(0));
    let verdict = elig.check(&inst, a, e);
    let en = panels::eligibility::explain_text_in(&inst, &elig, a, e, &verdict, false);
    assert!(
        en.contains("max_reviews_per_year 1 leaves E1 1 this round (max_load 1)"),
        "{en}"
    );
    let zh = panels::eligibility::explain_text_in(&inst, &elig, a, e, &verdict, true);
    assert!(
        zh.contains("max_reviews_per_year 1 使E1本轮至多评审 1 次（max_load 1）"),
        "{zh}"
    );
    // A cap of 0 leaves no one: infeasible, the cap named.
    let inst = load(0);
    let elig = Eligibility::compute(&inst);
    let why = match solve(&inst, &elig, Method::Auto) {
        Err(e) => e.to_string(),
        Ok(_) => panic!("no expert may review"),
    };
    assert!(why.contains("max_reviews_per_year"), "{why}");
}

#[test]
fn max_consecutive_years_rests_whatever_the_window() {
    let two = r#"{"year": 2025, "institution": "U8", "expert": "E1"},
                 {"year": 2024, "institution": "U8", "expert": "E1", "outcome": "late"}"#;
    let inst = round(
        r#""year": 2026, "max_consecutive_years": 2, "history_years": 0"#,
        two,
    )
    .unwrap();
    let s = solved(&inst);
    assert!(!panel(&inst, &s).contains(&"E1".to_string()));
    let elig = Eligibility::compute(&inst);
    let v = elig.check(&inst, panels::model::AppIx(0), ExpertIx(0));
    assert_eq!(v.reasons[0].kind(), ConflictKind::Resting);
    let said = v.reasons[0].describe(&inst, panels::model::AppIx(0), ExpertIx(0));
    // The years, and each year's served review with its institution.
    assert!(said.contains("2024, 2025"), "{said}");
    assert!(said.contains("(2024 U8, 2025 U8)"), "{said}");
    let said = v.reasons[0].describe_zh(&inst, panels::model::AppIx(0), ExpertIx(0));
    assert!(said.contains("2024 年U8"), "{said}");
    // A gap year breaks the run; 3 years are not reached.
    let inst = round(r#""year": 2026, "max_consecutive_years": 3"#, two).unwrap();
    assert_eq!(panel(&inst, &solved(&inst)), ["E1", "E2"]);
    let off = round(r#""year": 2026"#, two).unwrap();
    assert_eq!(panel(&off, &solved(&off)), ["E1", "E2"]);
}

#[test]
fn max_declines_counts_declines_and_no_shows_in_the_window() {
    let h = r#"{"year": 2025, "institution": "U8", "expert": "E2", "outcome": "declined"},
               {"year": 2024, "institution": "U8", "expert": "E2", "outcome": "no_show"},
               {"year": 2019, "institution": "U8", "expert": "E2", "outcome": "declined"}"#;
    let inst = round(r#""year": 2026, "max_declines": 1"#, h).unwrap();
    assert!(!panel(&inst, &solved(&inst)).contains(&"E2".to_string()));
    // The evidence: each counting decline's year and institution, by year.
    let elig = Eligibility::compute(&inst);
    let v = elig.check(&inst, panels::model::AppIx(0), ExpertIx(1));
    let said = v.reasons[0].describe(&inst, panels::model::AppIx(0), ExpertIx(1));
    assert!(said.contains("(2024 U8, 2025 U8)"), "{said}");
    let inst = round(r#""year": 2026, "max_declines": 2"#, h).unwrap();
    assert_eq!(panel(&inst, &solved(&inst)), ["E1", "E2"]);
}

#[test]
fn min_rating_bars_low_means_and_spares_the_unrated() {
    let h = r#"{"year": 2025, "institution": "U8", "expert": "E1", "rating": 2},
               {"year": 2024, "institution": "U8", "expert": "E1", "rating": 3},
               {"year": 2025, "institution": "U8", "expert": "E2"}"#;
    let inst = round(r#""year": 2026, "min_rating": 3"#, h).unwrap();
    let p = panel(&inst, &solved(&inst));
    assert!(!p.contains(&"E1".to_string()));
    let elig = Eligibility::compute(&inst);
    let v = elig.check(&inst, panels::model::AppIx(0), ExpertIx(0));
    let said = v.reasons[0].describe(&inst, panels::model::AppIx(0), ExpertIx(0));
    assert!(said.contains("(2024 U8: 3, 2025 U8: 2)"), "{said}");
    assert!(
        p.contains(&"E2".to_string()),
        "unrated experts stay eligible"
    );
    let inst = round(r#""year": 2026, "min_rating": 2.5"#, h).unwrap();
    assert_eq!(panel(&inst, &solved(&inst)), ["E1", "E2"]);
}

#[test]
fn history_rules_need_the_year_and_bad_records_are_located() {
    let e = round(r#""avoid_repeat": "institution""#, E1_REVIEWED_U0_2025).unwrap_err();
    assert!(e.contains("year"), "{e}");
    // Without a rule, no year is needed.
    round(r#""seed": 1"#, E1_REVIEWED_U0_2025).unwrap();
    let e = round(
        r#""year": 2026"#,
        r#"{"year": 2025, "institution": "U0", "expert": "E1", "outcome": "absent", "rating": 7}"#,
    )
    .unwrap_err();
    assert!(
        e.contains("history[0]") && e.contains("outcome") && e.contains("rating"),
        "{e}"
    );
    let e = round(r#""year": 2026, "avoid_repeat": "sometimes""#, "").unwrap_err();
    assert!(e.contains("avoid_repeat"), "{e}");
}

/// Two programmes: 科技进步奖 needs outside experts and caps each expert
/// at 1 review within it; 人才计划 does not. E3 serves 人才计划 only.
fn programmes(policy: &str) -> Result<Instance, String> {
    let text = format!(
        r#"{{"policy": {{"panel_size": 2, {policy}}},
  "experts": [
    {{"id": "E1", "city": "武汉", "institution": "U1", "fields": ["F1", "F4"]}},
    {{"id": "E2", "city": "武汉", "institution": "U2", "fields": ["F1"]}},
    {{"id": "E3", "city": "长沙", "institution": "U3", "fields": ["F1"], "programmes": ["人才计划"]}},
    {{"id": "E4", "city": "合肥", "institution": "U4", "fields": ["F2"]}},
    {{"id": "E5", "city": "合肥", "institution": "U5", "fields": ["F3"]}}],
  "applications": [
    {{"id": "A1", "city": "武汉", "institution": "U0", "fields": ["F1", "F4"], "programme": "科技进步奖"}},
    {{"id": "A2", "city": "武汉", "institution": "U0", "fields": ["F1", "F4"], "programme": "科技进步奖"}},
    {{"id": "A3", "city": "武汉", "institution": "U0", "fields": ["F1"], "programme": "人才计划"}}]}}"#
    );
    load_bundle_from_bytes(Path::new("p.json"), text.as_bytes()).map_err(|e| e.to_string())
}

#[test]
fn programme_rules_apply_per_application_and_experts_serve_their_programmes() {
    let inst =
        programmes(r#""programmes": {"科技进步奖": {"min_outside_share": 0.5, "max_load": 1}}"#)
            .unwrap();
    assert_eq!(inst.min_outside(panels::model::AppIx(0)), 1);
    assert_eq!(inst.min_outside(panels::model::AppIx(2)), 0);
    let s = solved(&inst);
    assert_eq!(s.solver, "flow");
    let ids = |a: usize| -> Vec<String> {
        s.panels[a]
            .iter()
            .map(|e| inst.experts[e.ix()].id.clone())
            .collect()
    };
    for a in [0, 1] {
        assert!(
            !ids(a).contains(&"E3".to_string()),
            "E3 serves 人才计划 only"
        );
    }
    // Each expert at most once within 科技进步奖.
    for e in inst.expert_ixs() {
        let n = (0..2).filter(|&a| s.panels[a].contains(&e)).count();
        assert!(n <= 1);
    }
    // Without the programme cap, E1 (best) would take the home seat of
    // both A1 and A2; the cap binds: the objective is lower.
    let free = programmes(r#""programmes": {"科技进步奖": {"min_outside_share": 0.5}}"#).unwrap();
    assert!(solved(&free).objective_micro > s.objective_micro);
}

#[test]
fn programme_panel_size_wins_over_the_round_and_loses_to_the_application() {
    let inst = programmes(r#""programmes": {"人才计划": {"panel_size": 3}}"#).unwrap();
    assert_eq!(inst.panel_size(panels::model::AppIx(0)), 2);
    assert_eq!(inst.panel_size(panels::model::AppIx(2)), 3);
    solved(&inst);
}

#[test]
fn a_programme_no_application_names_is_refused() {
    let e = programmes(r#""programmes": {"科技进步": {"min_outside_share": 0.5}}"#).unwrap_err();
    assert!(e.contains("科技进步") && e.contains("programmes"), "{e}");
    let e = programmes(r#""programmes": {"人才计划": {"max_laod": 1}}"#).unwrap_err();
    assert!(e.contains("max_load"), "{e}");
}

/// `verify` and the infeasibility explanation name the programme whose
/// rule they apply (SPEC: verify names each application's programme and
/// judges it by its programme's rules), not the round's value.
#[test]
fn verify_and_infeasibility_name_the_programme_rule_applied() {
    let inst = programmes(
        r#""programmes": {"科技进步奖": {"min_outside_share": 0.5, "max_per_city": 1}}"#,
    )
    .unwrap();
    // A1 with both 武汉 experts: too few from outside, two from one city.
    let mut file = file_of(&inst, &solved(&inst));
    file.panels[0].experts = vec!["E1".into(), "E2".into()];
    file.panels[0].scores = None;
    let text = panels::verify::verify(&inst, &file).render(&inst);
    assert!(
        text.contains("at least 1 (programme 科技进步奖's min_outside_share 0.5 of 2)"),
        "{text}"
    );
    assert!(
        text.contains("max_per_city is 1 (programme 科技进步奖)"),
        "{text}"
    );
    // Only the programme asks for outside experts; A1 and A2 have one
    // eligible (E4: E3 serves 人才计划 only, E5 is unavailable).
    let mut inst = programmes(r#""programmes": {"科技进步奖": {"min_outside": 2}}"#).unwrap();
    inst.experts[4].available = false;
    let elig = Eligibility::compute(&inst);
    let why = match solve(&inst, &elig, Method::Auto) {
        Err(e) => e.to_string(),
        Ok(_) => panic!("A1 and A2 cannot get 2 outside experts each"),
    };
    assert!(
        why.contains("relax min_outside_share / min_outside"),
        "{why}"
    );
}

/// Panels files name each application's programme (SPEC "Programmes":
/// outputs name it): a JSON record field and a CSV column, which read back
/// and verify.
#[test]
fn panels_files_name_each_applications_programme() {
    let inst = programmes(r#""programmes": {"人才计划": {"panel_size": 1}}"#).unwrap();
    let file = file_of(&inst, &solved(&inst));
    let tmp = tempfile::tempdir().unwrap();
    let json = tmp.path().join("p.json");
    panels::io::panels::write_panels(&json, &file, &inst).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let named: Vec<&str> = v["panels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["programme"].as_str().unwrap())
        .collect();
    assert_eq!(named, ["科技进步奖", "科技进步奖", "人才计划"]);
    let csv = tmp.path().join("p.csv");
    panels::io::panels::write_panels(&csv, &file, &inst).unwrap();
    let text = std::fs::read_to_string(&csv).unwrap();
    let mut lines = text.trim_start_matches('\u{feff}').lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = header
        .iter()
        .position(|c| *c == "programme")
        .expect("a programme column");
    for line in lines {
        let cells: Vec<&str> = line.split(',').collect();
        let want = if cells[0] == "A3" {
            "人才计划"
        } else {
            "科技进步奖"
        };
        assert_eq!(cells[col], want, "{line}");
    }
    for path in [&json, &csv] {
        let back = panels::io::panels::read_panels(path).unwrap();
        let report = panels::verify::verify(&inst, &back);
        assert!(report.is_ok(), "{}", report.render(&inst));
    }
    // A round without programmes writes neither.
    let plain = round(r#""year": 2026"#, "").unwrap();
    let file = file_of(&plain, &solved(&plain));
    panels::io::panels::write_panels(&json, &file, &plain).unwrap();
    panels::io::panels::write_panels(&csv, &file, &plain).unwrap();
    assert!(!std::fs::read_to_string(&json)
        .unwrap()
        .contains("programme"));
    assert!(!std::fs::read_to_string(&csv).unwrap().contains("programme"));
}

#[test]
fn programme_crossing_rules_go_to_the_mip() {
    let inst = programmes(
        r#""senior_titles": ["教授"], "programmes": {"人才计划": {"cover_fields": true}}"#,
    )
    .unwrap();
    assert!(!inst.policy.crossing_rules().is_empty());
    solved(&inst);
}

/// The history table reads the same from a bundle, a CSV directory's
/// `history.csv` and a workbook sheet named 历史 (or 评审记录); a generated
/// round with history survives the workbook round trip.
#[test]
fn history_loads_from_every_input_form() {
    use panels::io::xlsx::{self, Table, XCell};
    let inst = round(
        r#""year": 2026, "avoid_repeat": "institution""#,
        r#"{"year": 2025, "round": "春季", "programme": "人才计划", "application": "A0123",
            "institution": "U0", "team": ["P1"], "expert": "E1", "outcome": "late", "rating": 4}"#,
    )
    .unwrap();
    let csv = panels::io::csv_to_bytes(&inst).unwrap();
    assert!(csv.history.is_some());
    let back = panels::io::load_csv_from_bytes(Path::new("dir"), &csv).unwrap();
    assert_eq!(back.history, inst.history);

    let text = |s: &str| XCell::Text(s.into());
    for sheet in ["历史", "评审记录", "History"] {
        let tables = vec![
            Table {
                name: "experts".into(),
                header: vec!["id".into(), "city".into(), "institution".into()],
                rows: vec![vec![text("E1"), text("长沙"), text("U1")]],
            },
            Table {
                name: "applications".into(),
                header: vec!["id".into(), "city".into(), "institution".into()],
                rows: vec![vec![text("A1"), text("武汉"), text("U0")]],
            },
            Table {
                name: "policy".into(),
                header: vec!["key".into(), "value".into()],
                rows: vec![
                    vec![text("year"), XCell::Number(2026.0)],
                    vec![text("avoid_repeat"), text("institution")],
                    vec![text("panel_size"), XCell::Number(1.0)],
                ],
            },
            Table {
                name: sheet.into(),
                header: ["year", "institution", "expert", "outcome", "rating"]
                    .iter()
                    .map(|s| s.to_string())
                    .collect(),
                rows: vec![vec![
                    XCell::Number(2025.0),
                    text("U0"),
                    text("E1"),
                    text("已评审"),
                    XCell::Number(4.0),
                ]],
            },
        ];
        let bytes = xlsx::tables_xlsx_bytes(Path::new("r.xlsx"), &tables).unwrap();
        let w = xlsx::load_xlsx_from_bytes(Path::new("r.xlsx"), &bytes)
            .unwrap_or_else(|e| panic!("{sheet}: {e}"));
        assert_eq!(w.history.records.len(), 1, "{sheet}");
        assert_eq!(w.history.records[0].rating, Some(4.0));
        let elig = Eligibility::compute(&w);
        assert!(
            !elig.is_eligible(&w, panels::model::AppIx(0), ExpertIx(0)),
            "{sheet}"
        );
    }
    let gen = panels::generate::generate(&panels::generate::GenConfig {
        years: 2,
        programmes: 2,
        ..panels::generate::GenConfig::sized(20, 60)
    });
    let bytes = xlsx::instance_xlsx_bytes(&gen, Path::new("g.xlsx")).unwrap();
    let back = xlsx::load_xlsx_from_bytes(Path::new("g.xlsx"), &bytes).unwrap();
    assert_eq!(back.history, gen.history);
    assert_eq!(back.policy, gen.policy);
}

/// The words `explain` gives for expert `e`'s exclusion from A1.
fn reasons_of(inst: &Instance, e: u32) -> Vec<String> {
    let elig = Eligibility::compute(inst);
    elig.check(inst, panels::model::AppIx(0), ExpertIx(e))
        .reasons
        .iter()
        .map(|r| r.describe(inst, panels::model::AppIx(0), ExpertIx(e)))
        .collect()
}

#[test]
fn every_history_reason_names_its_years_applications_and_institutions() {
    // A team repeat names the past application's institution.
    let inst = round(
        r#""year": 2026, "avoid_repeat": "team""#,
        r#"{"year": 2025, "application": "OLD1", "institution": "U7", "team": ["P1"], "expert": "E2"}"#,
    )
    .unwrap();
    let words = reasons_of(&inst, 1).join("\n");
    assert!(
        words.contains("E2 reviewed U7's OLD1 in 2025, whose team had P1"),
        "{words}"
    );
    // Declines: every counted record, by year.
    let inst = round(
        r#""year": 2026, "max_declines": 1"#,
        r#"{"year": 2025, "application": "D25", "institution": "U7", "expert": "E1", "outcome": "declined"},
           {"year": 2023, "application": "D23", "institution": "U7", "expert": "E1", "outcome": "no_show"},
           {"year": 2024, "application": "R24", "institution": "U7", "expert": "E1"}"#,
    )
    .unwrap();
    let words = reasons_of(&inst, 0).join("\n");
    assert!(words.contains("2 time(s)"), "{words}");
    assert!(words.contains("(2023 U7's D23, 2025 U7's D25)"), "{words}");
    assert!(!words.contains("R24"), "a review is not a decline: {words}");
    // Rating: every rated counting record, by year, with its rating.
    let inst = round(
        r#""year": 2026, "min_rating": 3"#,
        r#"{"year": 2025, "application": "B25", "institution": "U7", "expert": "E1", "rating": 3},
           {"year": 2024, "application": "B24", "institution": "U7", "expert": "E1", "rating": 2},
           {"year": 2024, "institution": "U7", "expert": "E1"}"#,
    )
    .unwrap();
    let words = reasons_of(&inst, 0).join("\n");
    assert!(words.contains("mean rating 2.50 over 2"), "{words}");
    assert!(
        words.contains("(2024 U7's B24: 2, 2025 U7's B25: 3)"),
        "{words}"
    );
    // Rest: each year's served review, with its institution.
    let inst = round(
        r#""year": 2026, "max_consecutive_years": 2"#,
        r#"{"year": 2025, "application": "S25", "institution": "U7", "expert": "E1"},
           {"year": 2024, "institution": "U6", "expert": "E1", "outcome": "late"},
           {"year": 2024, "application": "S24", "institution": "U7", "expert": "E1"}"#,
    )
    .unwrap();
    let words = reasons_of(&inst, 0).join("\n");
    assert!(
        words.contains("rests in 2026 (2024 U6, 2025 U7's S25)"),
        "{words}"
    );
}

#[test]
fn a_mean_rating_just_below_min_rating_reads_below_it() {
    // 2.99999999 is below 3 (the rule bars E1); two decimals would print
    // "3.00", which would contradict the decision.
    let h = r#"{"year": 2025, "application": "B25", "institution": "U7", "expert": "E1", "rating": 2.99999999}"#;
    let on = round(r#""year": 2026, "min_rating": 3"#, h).unwrap();
    let words = reasons_of(&on, 0).join("\n");
    assert!(
        words.contains("mean rating 2.99999999 over 1 rated review(s) is below min_rating 3"),
        "{words}"
    );
    // verify says the same of a panel that seats E1 anyway.
    let off = round(r#""year": 2026"#, h).unwrap();
    let s = solved(&off);
    assert!(panel(&off, &s).contains(&"E1".to_string()));
    let elig = Eligibility::compute(&on);
    let text = panels::verify::verify_with(&on, &elig, &file_of(&off, &s)).render(&on);
    assert!(
        text.contains("E1's mean rating 2.99999999 is below min_rating 3"),
        "{text}"
    );
    // Two decimals stay when they show the mean below the threshold.
    assert_eq!(panels::history::mean_rating_text(2.5, 3.0), "2.50");
    assert_eq!(panels::history::mean_rating_text(2.995, 3.0), "2.995");
}

#[test]
fn a_repeat_penalty_below_the_score_precision_is_refused_in_every_form() {
    // 4e-7 rounds to 0 millionths: it would cost nothing, and "no
    // penalty" is a ban, the opposite of what a penalty asks for.
    let tiny = r#""year": 2026, "avoid_repeat": "institution", "repeat_penalty": 4e-7"#;
    let err = round(tiny, E1_REVIEWED_U0_2025).unwrap_err();
    assert!(
        err.contains("repeat_penalty")
            && err.contains("the smallest penalty that counts is 0.000001"),
        "{err}"
    );
    // The same value in policy.csv, and in a workbook's policy sheet.
    let ok = round(
        r#""year": 2026, "avoid_repeat": "institution""#,
        E1_REVIEWED_U0_2025,
    )
    .unwrap();
    let mut csv = panels::io::csv_to_bytes(&ok).unwrap();
    csv.policy = None;
    csv.policy_csv = Some(
        b"key,value\nyear,2026\npanel_size,2\navoid_repeat,institution\nrepeat_penalty,0.0000004\n"
            .to_vec(),
    );
    let err = panels::io::load_csv_from_bytes(Path::new("dir"), &csv)
        .unwrap_err()
        .to_string();
    assert!(err.contains("the smallest penalty that counts"), "{err}");
    use panels::io::xlsx::{self, Table, XCell};
    let text = |s: &str| XCell::Text(s.into());
    let sheet = |name: &str, header: &[&str], rows: Vec<Vec<XCell>>| Table {
        name: name.into(),
        header: header.iter().map(|h| h.to_string()).collect(),
        rows,
    };
    let place = ["id", "city", "institution"];
    let tables = vec![
        sheet(
            "experts",
            &place,
            vec![vec![text("E1"), text("长沙"), text("U1")]],
        ),
        sheet(
            "applications",
            &place,
            vec![vec![text("A1"), text("武汉"), text("U0")]],
        ),
        sheet(
            "policy",
            &["key", "value"],
            vec![
                vec![text("year"), XCell::Number(2026.0)],
                vec![text("avoid_repeat"), text("institution")],
                vec![text("repeat_penalty"), XCell::Number(4e-7)],
            ],
        ),
    ];
    let bytes = xlsx::tables_xlsx_bytes(Path::new("r.xlsx"), &tables).unwrap();
    let err = xlsx::load_xlsx_from_bytes(Path::new("r.xlsx"), &bytes)
        .unwrap_err()
        .to_string();
    assert!(err.contains("the smallest penalty that counts"), "{err}");
    // Half a millionth rounds to one: a penalty, not a ban.
    let inst = round(
        r#""year": 2026, "avoid_repeat": "institution", "repeat_penalty": 5e-7"#,
        E1_REVIEWED_U0_2025,
    )
    .unwrap();
    assert_eq!(inst.policy.repeat_penalty_micro(), Some(1));
    assert!(Eligibility::compute(&inst).is_eligible(&inst, panels::model::AppIx(0), ExpertIx(0)));
    // Set in code (no loader), a penalty above 0 still never bans.
    let mut inst = ok;
    inst.policy.repeat_penalty = Some(4e-7);
    assert_eq!(inst.policy.repeat_penalty_micro(), Some(1));
}

#[test]
fn explain_says_an_eligible_expert_at_the_yearly_cap_takes_no_review() {
    // E1 served once, did not show once and declined once in 2026: the
    // cap counts the review and the no-show (SPEC), not the decline.
    let this_year = r#"{"year": 2026, "round": "spring", "institution": "U8", "expert": "E1", "outcome": "late"},
        {"year": 2026, "round": "spring", "institution": "U9", "expert": "E1", "outcome": "no_show"},
        {"year": 2026, "round": "spring", "institution": "U9", "expert": "E1", "outcome": "declined"}"#;
    let explain = |inst: &Instance| {
        let elig = Eligibility::compute(inst);
        let (a, e) = (panels::model::AppIx(0), ExpertIx(0));
        let verdict = elig.check(inst, a, e);
        assert!(verdict.is_eligible());
        panels::eligibility::explain_text(inst, &elig, a, e, &verdict)
    };
    let full = round(r#""year": 2026, "max_reviews_per_year": 2"#, this_year).unwrap();
    let text = explain(&full);
    assert!(
        text.contains(
            "eligible (counts as an outside-city expert), but E1 takes no review this round: max_reviews_per_year 2 reached in 2026 (2 served or no-show)"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "E1 served or did not show 2 time(s) in 2026 (1 served, 1 no-show; declines do not count): max_reviews_per_year 2 leaves 0 this round (max_load 0)"
        ),
        "{text}"
    );
    assert!(!text.contains("already reviewed"), "{text}");
    // The console's answer says the same.
    #[cfg(feature = "serve")]
    {
        let x = panels::serve::actions::explain(&full, "A1", "E1").unwrap();
        assert!(x.eligible && x.no_review_left);
    }
    // With room left, the headline is plain "eligible".
    let room = round(r#""year": 2026, "max_reviews_per_year": 3"#, this_year).unwrap();
    let text = explain(&room);
    assert!(!text.contains("takes no review"), "{text}");
    assert!(text.contains("leaves 1 this round"), "{text}");
    #[cfg(feature = "serve")]
    assert!(
        !panels::serve::actions::explain(&room, "A1", "E1")
            .unwrap()
            .no_review_left
    );
}

/// `explain` on a Chinese page: every pair's explanation in Chinese has
/// the lines of the English one, with the same ids and numbers, and no
/// English sentence (the policy's field names and labels aside).
#[test]
fn every_pairs_explanation_reads_in_chinese_with_the_same_evidence() {
    let mut cfg = panels::generate::preset("yangtze").unwrap();
    cfg.applications = 30;
    cfg.experts = 120;
    cfg.seed = 5;
    cfg.programmes = 2;
    cfg.years = 4;
    let mut inst = panels::generate::generate(&cfg);
    inst.policy.max_declines = Some(0);
    let elig = Eligibility::compute(&inst);
    let mut kinds = std::collections::BTreeSet::new();
    let mut eligible = 0;
    for a in inst.app_ixs() {
        for e in inst.expert_ixs() {
            let verdict = elig.check(&inst, a, e);
            eligible += usize::from(verdict.is_eligible());
            kinds.extend(verdict.reasons.iter().map(|r| r.kind().label()));
            let en = panels::eligibility::explain_text(&inst, &elig, a, e, &verdict);
            let zh = panels::eligibility::explain_text_in(&inst, &elig, a, e, &verdict, true);
            assert_eq!(en.lines().count(), zh.lines().count(), "{en}\n{zh}");
            for word in [
                "eligible",
                " for ",
                "score ",
                "served",
                "reviewed",
                "declined",
                "chain:",
                "programme ",
                "counts as",
                "same city",
                "is on the team",
                "marked",
            ] {
                assert!(!zh.contains(word), "{word:?} in\n{zh}\n(English:\n{en})");
            }
            let evidence = |t: &str| -> Vec<String> {
                let mut v: Vec<String> = t
                    .split(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '-'))
                    .filter(|w| w.chars().any(|c| c.is_ascii_digit()))
                    .map(str::to_string)
                    .collect();
                v.sort();
                v.dedup();
                v
            };
            for x in evidence(&en) {
                assert!(zh.contains(&x), "{x} of\n{en}\nnot in\n{zh}");
            }
        }
    }
    assert!(eligible > 0);
    assert!(kinds.len() >= 5, "{kinds:?}");
}

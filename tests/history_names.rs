//! History institutions are compared as SPEC's "Names as offices type
//! them" compares places: NFKC, zero-width characters dropped, trimmed,
//! inner spaces collapsed, letter case ignored. A past review of
//! `"华中科技大学 "`, `"ｈｕｓｔ"` or `"hust\u{200B}"` is a repeat for today's
//! applications of 华中科技大学 and HUST, in eligibility and in `verify`
//! alike, whether the records come through a loader or are built in code.

use std::path::Path;

use panels::eligibility::{ConflictKind, Eligibility};
use panels::history::{History, PastReview};
use panels::model::{AppIx, Instance};

/// A 2026 round with `avoid_repeat institution`: A1 from 华中科技大学, A2
/// from HUST, four experts; `history` is the history list.
fn round(history: &str) -> Instance {
    let text = format!(
        r#"{{"policy": {{"panel_size": 1, "year": 2026, "avoid_repeat": "institution"}},
  "experts": [
    {{"id": "E1", "city": "长沙", "institution": "U1", "fields": ["F1"]}},
    {{"id": "E2", "city": "合肥", "institution": "U2", "fields": ["F1"]}},
    {{"id": "E3", "city": "南昌", "institution": "U3", "fields": ["F1"]}},
    {{"id": "E4", "city": "南昌", "institution": "U4", "fields": ["F1"]}}],
  "applications": [
    {{"id": "A1", "city": "武汉", "institution": "华中科技大学", "fields": ["F1"]}},
    {{"id": "A2", "city": "武汉", "institution": "HUST", "fields": ["F1"]}}],
  "history": [{history}]}}"#
    );
    panels::io::load_bundle_from_bytes(Path::new("names.json"), text.as_bytes()).unwrap()
}

fn past(expert: &str, institution: &str) -> PastReview {
    PastReview {
        year: 2025,
        institution: institution.into(),
        expert: expert.into(),
        ..PastReview::default()
    }
}

/// The experts a repeat keeps from application `a`.
fn repeating(inst: &Instance, a: u32) -> Vec<String> {
    let elig = Eligibility::compute(inst);
    inst.expert_ixs()
        .filter(|&e| {
            elig.check(inst, AppIx(a), e)
                .reasons
                .iter()
                .any(|r| r.kind() == ConflictKind::Repeat)
        })
        .map(|e| inst.experts[e.ix()].id.clone())
        .collect()
}

#[test]
fn loaded_spellings_of_an_institution_are_one_place() {
    let inst = round(
        r#"{"year": 2025, "institution": "华中科技大学 ", "expert": "E1"},
           {"year": 2025, "institution": "ｈｕｓｔ", "expert": "E2"},
           {"year": 2025, "institution": "hust\u200b", "expert": "E3"},
           {"year": 2025, "institution": "HUST Wuhan", "expert": "E4"}"#,
    );
    assert_eq!(repeating(&inst, 0), ["E1"]);
    assert_eq!(
        repeating(&inst, 1),
        ["E2", "E3"],
        "E4's institution is another place"
    );
}

#[test]
fn records_built_in_code_resolve_the_same_way() {
    let mut inst = round("");
    let records = vec![
        past("E1", "华中科技大学 "),
        past("E2", " Hust "),
        past("E3", "ＨＵＳＴ"),
        past("E4", "华中科技\u{200B}大学\u{3000}"),
    ];
    inst.history = History::resolve(
        records,
        &inst.persons,
        inst.experts.len(),
        &inst.institutions,
    );
    assert_eq!(repeating(&inst, 0), ["E1", "E4"]);
    assert_eq!(repeating(&inst, 1), ["E2", "E3"]);

    // verify reads the records by its own loops, and agrees: E2 on A2 is
    // a banned repeat, E1 on A2 is not.
    let file = |expert: &str| panels::io::panels::PanelsFile {
        status: "feasible".into(),
        panels: vec![
            panels::io::panels::PanelRecord {
                application: "A1".into(),
                programme: None,
                experts: vec!["E3".into()],
                scores: None,
            },
            panels::io::panels::PanelRecord {
                application: "A2".into(),
                programme: None,
                experts: vec![expert.into()],
                scores: None,
            },
        ],
        ..Default::default()
    };
    let broken = panels::verify::verify(&inst, &file("E2"));
    let repeats: Vec<String> = broken
        .rule_violations()
        .map(|v| v.describe(&inst))
        .filter(|d| d.contains("avoid_repeat"))
        .collect();
    assert_eq!(repeats.len(), 1, "{repeats:?}");
    assert!(repeats[0].starts_with("A2: E2"), "{repeats:?}");
    let fine = panels::verify::verify(&inst, &file("E1"));
    assert!(
        fine.rule_violations()
            .all(|v| !v.describe(&inst).contains("avoid_repeat")),
        "{}",
        fine.render(&inst)
    );
}

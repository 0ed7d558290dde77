//! Programme names in the policy's `programmes` map are compared as SPEC's
//! "Names as offices type them" compares every name: a key typed with
//! full-width letters, a doubled inner space, a zero-width character or a
//! trailing ideographic space names the programme its applications name
//! (and its rules apply, with a note), and two keys that name one
//! programme are refused rather than one of them silently winning.

use std::path::Path;

use panels::model::AppIx;

/// A round whose applications A1 and A2 are in `programme` (as the
/// applications spell it), with the policy's programme map `programmes`.
fn bundle(programme: &str, programmes: &str) -> String {
    format!(
        r#"{{"policy": {{"panel_size": 1, "programmes": {programmes}}},
  "experts": [
    {{"id": "E1", "city": "长沙", "institution": "U1", "fields": ["F1"]}},
    {{"id": "E2", "city": "合肥", "institution": "U2", "fields": ["F1"]}},
    {{"id": "E3", "city": "南昌", "institution": "U3", "fields": ["F1"]}}],
  "applications": [
    {{"id": "A1", "city": "武汉", "institution": "U9", "fields": ["F1"], "programme": "{programme}"}},
    {{"id": "A2", "city": "武汉", "institution": "U9", "fields": ["F1"], "programme": "{programme}"}}]}}"#
    )
}

#[test]
fn a_key_typed_otherwise_names_the_applications_programme() {
    for (written, applications) in [
        ("ＰＲＯＧ", "PROG"),
        ("talent  plan", "talent plan"),
        ("人才\u{200b}计划", "人才计划"),
        ("人才计划\u{3000}", "人才计划"),
        (" 人才计划", "人才\u{feff}计划"),
    ] {
        let key = serde_json::to_string(written).unwrap();
        let text = bundle(applications, &format!(r#"{{{key}: {{"panel_size": 2}}}}"#));
        let (inst, notes) = panels::io::load_bundle_noted(Path::new("p.json"), text.as_bytes())
            .unwrap_or_else(|e| panic!("{written:?}: {e}"));
        assert_eq!(inst.panel_size(AppIx(0)), 2, "{written:?}");
        assert_eq!(inst.panel_size(AppIx(1)), 2, "{written:?}");
        let noted = notes
            .notes
            .iter()
            .any(|n| n.contains("policy's programme") && n.contains(&format!("{written:?}")));
        assert!(noted, "{written:?}: {:?}", notes.notes);
    }
}

#[test]
fn a_key_in_its_normal_form_has_no_note() {
    let text = bundle("PROG", r#"{"PROG": {"panel_size": 2}}"#);
    let (inst, notes) =
        panels::io::load_bundle_noted(Path::new("p.json"), text.as_bytes()).unwrap();
    assert_eq!(inst.panel_size(AppIx(0)), 2);
    assert!(
        notes.notes.iter().all(|n| !n.contains("programme")),
        "{:?}",
        notes.notes
    );
}

#[test]
fn two_keys_naming_one_programme_are_refused() {
    for (first, second) in [
        ("P", " P "),
        ("PROG", "ＰＲＯＧ"),
        ("人才计划", "人才\u{200b}计划"),
    ] {
        let (k1, k2) = (
            serde_json::to_string(first).unwrap(),
            serde_json::to_string(second).unwrap(),
        );
        let text = bundle(
            first.trim(),
            &format!(r#"{{{k1}: {{"panel_size": 2}}, {k2}: {{"panel_size": 3}}}}"#),
        );
        let err = panels::io::load_bundle_from_bytes(Path::new("p.json"), text.as_bytes())
            .expect_err("two keys for one programme");
        let msg = err.to_string();
        assert!(msg.contains("name the same programme"), "{msg}");
        assert!(msg.contains("field programmes"), "{msg}");
    }
}

#[test]
fn a_blank_key_is_refused() {
    let text = bundle(
        "P",
        r#"{"P": {"panel_size": 2}, "\u200b ": {"panel_size": 3}}"#,
    );
    let err = panels::io::load_bundle_from_bytes(Path::new("p.json"), text.as_bytes())
        .expect_err("a blank programme name");
    assert!(err.to_string().contains("is blank"), "{err}");
}

/// Runs `panels verify` on `round` and a copy of its solved panels whose
/// first panel's `programme` is `label` (`None`: left out).
fn verify_with_label(label: Option<&str>) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("r.json"),
        bundle("人才计划", r#"{"人才计划": {"panel_size": 1}}"#),
    )
    .unwrap();
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_panels"))
            .current_dir(d)
            .args(args)
            .output()
            .unwrap()
    };
    let o = run(&["-q", "solve", "r.json", "--out", "p.json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut file: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.join("p.json")).unwrap()).unwrap();
    let first = file["panels"][0].as_object_mut().unwrap();
    assert_eq!(first["programme"], "人才计划", "solve names the programme");
    match label {
        Some(l) => first.insert("programme".into(), l.into()),
        None => first.remove("programme"),
    };
    std::fs::write(d.join("q.json"), serde_json::to_vec(&file).unwrap()).unwrap();
    let o = run(&["verify", "r.json", "q.json"]);
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
    )
}

#[test]
fn verify_holds_a_panel_to_the_programme_it_names() {
    let (code, out) = verify_with_label(Some("科技进步奖"));
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("[listed programme]"), "{out}");
    assert!(
        out.contains("科技进步奖") && out.contains("人才计划"),
        "{out}"
    );
    // The same programme typed otherwise, or no label at all, claims
    // nothing wrong.
    for label in [Some("人才计划\u{3000}"), Some("人才\u{200b}计划"), None] {
        let (code, out) = verify_with_label(label);
        assert_eq!(code, 0, "{label:?}: {out}");
        assert!(!out.contains("listed programme"), "{label:?}: {out}");
    }
}

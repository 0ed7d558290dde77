//! Nothing silently misread, nothing blows up: integers out of range,
//! repeated keys and oversized lists are refused with located messages in
//! every reader (bundle fast path from disk, serde_json's full parser from
//! memory, CSV, workbook); co-author evidence and workbooks stay bounded.

use std::path::Path;
use std::time::Instant;

use panels::io::{load_bundle_from_bytes, load_csv_from_bytes, load_instance, CsvInput};
use serde_json::json;

fn bundle(policy: &str, expert_extra: &str) -> String {
    format!(
        r#"{{"policy": {{"panel_size": 1{policy}}},
  "experts": [{{"id": "E1", "city": "X", "institution": "I"{expert_extra}}},
              {{"id": "E2", "city": "Y", "institution": "J"}}],
  "applications": [{{"id": "A1", "city": "Y", "institution": "K"}}],
  "affinity": [{{"application": "A1", "expert": "E1", "score": 0.5}},
               {{"application": "A1", "expert": "E2", "score": 0.25}}]}}"#
    )
}

/// Loads `text` both ways (from disk through the fast path, from memory
/// through serde_json) and returns both messages; both must fail.
#[track_caller]
fn both_refuse(text: &str) -> [String; 2] {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("b.json");
    std::fs::write(&path, text).unwrap();
    let disk = load_instance(&path).map(|_| ()).unwrap_err().to_string();
    let mem = load_bundle_from_bytes(Path::new("b.json"), text.as_bytes())
        .map(|_| ())
        .unwrap_err()
        .to_string();
    [disk, mem]
}

#[test]
fn the_plain_bundle_loads() {
    let text = bundle(", \"seed\": 18446744073709551615", "");
    let inst = load_bundle_from_bytes(Path::new("b.json"), text.as_bytes()).unwrap();
    assert_eq!(inst.policy.seed, u64::MAX);
}

#[test]
fn integers_out_of_range_are_refused_in_both_json_paths() {
    for (policy, says) in [
        (
            ", \"seed\": 18446744073709551616",
            "at most 18446744073709551615",
        ),
        (
            ", \"seed\": 1.8446744073709552e19",
            "at most 18446744073709551615",
        ),
        (", \"seed\": 1e19", "plain digits"),
        (", \"seed\": 9007199254740993.0", "plain digits"),
        (", \"seed\": -1", "non-negative"),
        (", \"max_load\": 4294967296", "at most"),
        (", \"max_load\": 2.5", "non-negative integer"),
    ] {
        for m in both_refuse(&bundle(policy, "")) {
            assert!(m.contains("seed") || m.contains("max_load"), "{m}");
            assert!(m.contains(says), "{policy}: {m}");
        }
    }
    for m in both_refuse(&bundle("", ", \"max_load\": -3")) {
        assert!(
            m.contains("experts[0]") && m.contains("non-negative"),
            "{m}"
        );
    }
}

#[test]
fn repeated_keys_inside_records_are_refused_in_both_json_paths() {
    let cases = [
        bundle(", \"max_load\": 0, \"max_load\": 6", ""),
        bundle("", ", \"max_load\": 0, \"max_load\": 6"),
        bundle("", ", \"city\": \"Y\""),
        bundle(
            ", \"min_outside_share_by_city\": {\"X\": 0.1, \"X\": 0.2}",
            "",
        ),
        bundle("", "").replace(
            r#""expert": "E1", "score": 0.5"#,
            r#""expert": "E1", "score": 0.5, "score": 999"#,
        ),
        bundle("", "").replace(
            r#""expert": "E1", "score": 0.5"#,
            r#""expert": "E1", "expert": "E2", "score": 0.5"#,
        ),
        bundle("", "").replace(
            r#""expert": "E1", "score": 0.5"#,
            r#""expert": "E1", "score": 0.5, "note": 1, "note": 2"#,
        ),
    ];
    for text in cases {
        for m in both_refuse(&text) {
            assert!(m.contains("is given twice in one object"), "{text}\n{m}");
            assert!(m.contains("line "), "located: {m}");
        }
    }
}

#[test]
fn integers_out_of_range_are_refused_in_csv() {
    let mut input = CsvInput::default();
    input.set(
        "experts.csv",
        b"id,city,institution,max_load\nE1,X,I,99999999999999999999\nE2,Y,J,-1\nE3,Y,J,2.5\n"
            .to_vec(),
    );
    input.set(
        "applications.csv",
        b"id,city,institution\nA1,Y,K\n".to_vec(),
    );
    input.set(
        "policy.json",
        br#"{"panel_size": 1, "seed": 18446744073709551616}"#.to_vec(),
    );
    let e = load_csv_from_bytes(Path::new("inst"), &input).unwrap_err();
    let m = e.to_string();
    for part in ["row 2", "row 3", "row 4", "max_load", "seed", "policy.json"] {
        assert!(m.contains(part), "{part}: {m}");
    }
    assert_eq!(e.iter().count(), 4, "{m}");
}

#[test]
fn integers_out_of_range_are_refused_in_workbooks() {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let s = wb.add_worksheet().set_name("policy").unwrap();
    s.write(0, 0, "key").unwrap();
    s.write(0, 1, "value").unwrap();
    s.write(1, 0, "seed").unwrap();
    s.write(1, 1, 1.8446744073709552e19).unwrap();
    s.write(2, 0, "panel_size").unwrap();
    s.write(2, 1, 1).unwrap();
    let s = wb.add_worksheet().set_name("experts").unwrap();
    for (c, h) in ["id", "city", "institution", "max_load"].iter().enumerate() {
        s.write(0, c as u16, *h).unwrap();
    }
    for (c, v) in ["E1", "X", "I"].iter().enumerate() {
        s.write(1, c as u16, *v).unwrap();
    }
    s.write(1, 3, 1e12).unwrap();
    let s = wb.add_worksheet().set_name("applications").unwrap();
    for (c, h) in ["id", "city", "institution"].iter().enumerate() {
        s.write(0, c as u16, *h).unwrap();
        s.write(1, c as u16, ["A1", "Y", "K"][c]).unwrap();
    }
    let bytes = wb.save_to_buffer().unwrap();
    let m = panels::io::xlsx::load_xlsx_from_bytes(Path::new("w.xlsx"), &bytes)
        .unwrap_err()
        .to_string();
    assert!(
        m.contains("seed") && m.contains("at most 18446744073709551615"),
        "{m}"
    );
    assert!(m.contains("max_load") && m.contains("at most"), "{m}");
}

#[test]
fn a_csv_cell_of_millions_of_keywords_is_refused_quickly() {
    let t = Instant::now();
    let cell = "k;".repeat(17_000_000);
    let mut input = CsvInput::default();
    input.set(
        "experts.csv",
        format!("id,city,institution,keywords\nE1,X,I,{cell}\n").into_bytes(),
    );
    input.set(
        "applications.csv",
        b"id,city,institution\nA1,Y,K\n".to_vec(),
    );
    input.set("policy.json", br#"{"panel_size": 1}"#.to_vec());
    let m = load_csv_from_bytes(Path::new("inst"), &input)
        .unwrap_err()
        .to_string();
    assert!(m.contains("keywords") && m.contains("at most 10000"), "{m}");
    assert!(t.elapsed().as_secs() < 10);
}

#[test]
fn a_json_list_of_millions_of_items_is_refused_in_both_paths() {
    let items = vec!["k"; 200_000];
    let text = bundle("", &format!(", \"keywords\": {}", json!(items)));
    for m in both_refuse(&text) {
        assert!(m.contains("more than 10000 items"), "{m}");
    }
}

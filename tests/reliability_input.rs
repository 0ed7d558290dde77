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

/// Loads CSV files from memory and from a directory on disk (streamed):
/// both must refuse with the same messages, which are returned.
#[track_caller]
fn csv_both_refuse(files: &[(&str, &[u8])]) -> String {
    let mut input = CsvInput::default();
    let dir = tempfile::tempdir().unwrap();
    let inst = dir.path().join("inst");
    std::fs::create_dir(&inst).unwrap();
    for (name, bytes) in files {
        input.set(name, bytes.to_vec());
        std::fs::write(inst.join(name), bytes).unwrap();
    }
    let mem = load_csv_from_bytes(Path::new("inst"), &input)
        .map(|_| ())
        .unwrap_err()
        .to_string();
    let disk = load_instance(&inst).map(|_| ()).unwrap_err().to_string();
    let prefix = format!("{}/", dir.path().display());
    assert_eq!(mem, disk.replace(&prefix, ""), "memory and disk disagree");
    mem
}

/// NUL bytes and other control characters (all but tab, line feed and
/// carriage return) in ids, places, names, lists, kept cells and header
/// cells are refused by file, row and column, from memory and from disk
/// alike, in CSV, bundles (both JSON paths) and workbooks; a tab or a line
/// break inside a quoted name still loads.
#[test]
fn control_characters_in_cells_are_refused_where_they_are() {
    let apps: &[u8] = b"id,city,institution\nA1,Y,K\n";
    let policy: &[u8] = br#"{"panel_size": 1}"#;
    for (experts, says) in [
        (
            &b"id,city,institution\nE\x001,X,I\n"[..],
            "inst/experts.csv row 2, field id (column A): holds the control character U+0000 (NUL) at character 2",
        ),
        (
            b"id,city,institution\nE1,X\x07,I\n",
            "inst/experts.csv row 2 (id E1), field city (column B): holds the control character U+0007",
        ),
        (
            b"id,city,institution,keywords\nE1,X,I,a;b\x01\n",
            "inst/experts.csv row 2 (id E1), field keywords (column D): holds the control character U+0001",
        ),
        (
            b"id,city,institution,name\nE1,X,I,\"Li\x1bWei\"\n",
            "field name (column D): holds the control character U+001B",
        ),
        (
            "id,city,institution,邮箱\nE1,X,I,li@x\u{7f}.cn\n".as_bytes(),
            "inst/experts.csv row 2 (id E1), field 邮箱: holds the control character U+007F",
        ),
        (
            b"id,city,institution,no\x00te\nE1,X,I,x\n",
            "inst/experts.csv row 1: column D of the header holds the control character U+0000 (NUL)",
        ),
    ] {
        let m = csv_both_refuse(&[
            ("experts.csv", experts),
            ("applications.csv", apps),
            ("policy.json", policy),
        ]);
        assert!(m.contains(says), "{says}\n{m}");
    }
    // Tabs and line breaks inside a quoted cell are text.
    let mut input = CsvInput::default();
    input.set(
        "experts.csv",
        b"id,city,institution,name\r\nE1,X,I,\"Li\tWei\r\nsecond line\"\r\n".to_vec(),
    );
    input.set("applications.csv", apps.to_vec());
    input.set("policy.json", policy.to_vec());
    let mut inst = load_csv_from_bytes(Path::new("inst"), &input).unwrap();
    assert_eq!(
        inst.experts[0].name.as_deref(),
        Some("Li\tWei\r\nsecond line")
    );
    // Nothing writes what no reader takes back.
    inst.experts[0].name = Some("Li\u{0}Wei".into());
    let m = panels::io::bundle_to_bytes(&inst).unwrap_err().to_string();
    assert!(m.contains("U+0000 (NUL)"), "{m}");
    assert!(panels::io::csv_to_bytes(&inst).is_err());

    // Bundles: an escaped NUL in an id, a BEL in a list item.
    for (extra, says) in [
        (
            r#", "name": "Li\u0000Wei""#,
            "field name: holds the control character U+0000 (NUL)",
        ),
        (
            r#", "fields": ["F01", "F\u000702"]"#,
            "field fields: item 1 of the list holds the control character U+0007",
        ),
    ] {
        for m in both_refuse(&bundle("", extra)) {
            assert!(
                m.contains("experts[0] (id E1)") && m.contains(says),
                "{says}\n{m}"
            );
        }
    }

    // Workbooks: a text cell with a control character.
    let mut wb = rust_xlsxwriter::Workbook::new();
    let s = wb.add_worksheet().set_name("policy").unwrap();
    s.write_row(0, 0, ["key", "value"]).unwrap();
    let s = wb.add_worksheet().set_name("experts").unwrap();
    s.write_row(0, 0, ["id", "city", "institution"]).unwrap();
    s.write_row(1, 0, ["E1", "X\u{1}Y", "I"]).unwrap();
    let s = wb.add_worksheet().set_name("applications").unwrap();
    s.write_row(0, 0, ["id", "city", "institution"]).unwrap();
    s.write_row(1, 0, ["A1", "Y", "K"]).unwrap();
    let bytes = wb.save_to_buffer().unwrap();
    let m = panels::io::xlsx::load_xlsx_from_bytes(Path::new("w.xlsx"), &bytes)
        .unwrap_err()
        .to_string();
    assert!(
        m.contains("w.xlsx sheet experts row 2 (id E1), field city (column B): holds the control character U+0001"),
        "{m}"
    );
}

/// The keys of the policy's maps (per-city outside targets, programme
/// names) are names too: a control character in one is refused as in a
/// cell, naming the field, in both JSON paths and in a policy CSV; a key
/// that only its spaces or zero-width characters set apart from a city is
/// read as that city with a note, never silently.
#[test]
fn control_characters_in_policy_map_keys_are_refused_and_respellings_noted() {
    let two_cities = r#"{"policy": {"panel_size": 1POLICY},
  "experts": [{"id": "E1", "city": "X", "institution": "I"},
              {"id": "E2", "city": "Y", "institution": "J"}],
  "applications": [{"id": "A1", "city": "Y", "institution": "K", "programme": "P"}]}"#;
    for (policy, says) in [
        (
            r#", "min_outside_share_by_city": {"Y\u0007": 0.5}"#,
            "field min_outside_share_by_city: the city key holds the control character U+0007",
        ),
        (
            r#", "programmes": {"P\u0001": {"panel_size": 1}}"#,
            "field programmes: the programme name holds the control character U+0001",
        ),
    ] {
        for m in both_refuse(&two_cities.replace("POLICY", policy)) {
            assert!(m.contains(says), "{says}\n{m}");
        }
    }
    let m = csv_both_refuse(&[
        ("experts.csv", b"id,city,institution\nE1,X,I\nE2,Y,J\n"),
        ("applications.csv", b"id,city,institution\nA1,Y,K\n"),
        (
            "policy.csv",
            b"key,value\npanel_size,1\nmin_outside_share_by_city,\"{\"\"Y\\u001b\"\": 0.5}\"\n",
        ),
    ]);
    assert!(
        m.contains("the city key holds the control character U+001B"),
        "{m}"
    );
    // "Y\u200b " and "y" name the city Y: read so, each with a note.
    for key in ["Y\\u200b ", "y"] {
        let text = two_cities.replace(
            "POLICY",
            &format!(r#", "min_outside_share_by_city": {{"{key}": 0.5}}"#),
        );
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b.json");
        std::fs::write(&path, &text).unwrap();
        let loaded = panels::io::load_instance_noted(&path, &|_| {}).unwrap();
        assert_eq!(
            loaded.instance.policy.min_outside_share_by_city.get("Y"),
            Some(&0.5),
            "{key}"
        );
        let notes = &loaded.notes;
        assert!(
            notes
                .iter()
                .any(|n| n.contains("min_outside_share_by_city") && n.contains("\"Y\"")),
            "{key}: {notes:?}"
        );
    }
}

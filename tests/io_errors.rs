//! One test per class of bad input: each asserts that the error names the
//! file, the record (row or JSON path and id) and what is wrong.

use std::collections::BTreeMap;
use std::path::Path;

use panels::io::{
    load_bundle_from_bytes, load_csv_from_bytes, load_instance, read_panels, CsvInput, LoadError,
    LoadErrors, Location,
};
use serde_json::{json, Value};

// ------------------------------------------------------------ fixtures

fn csv_base() -> BTreeMap<&'static str, String> {
    let mut m = BTreeMap::new();
    m.insert(
        "experts.csv",
        "id,name,city,institution,fields,max_load,min_load,available\n\
         E1,李伟,武汉,武汉大学,F0301,4,,true\n\
         E2,王芳,长沙,中南大学,F0302,,,\n\
         E3,,合肥,中国科大,,,,\n"
            .to_string(),
    );
    m.insert(
        "applications.csv",
        "id,title,city,institution,panel_size,team,avoid\n\
         A1,传感器,长沙,中南大学,2,P9;E2,E3\n\
         A2,,武汉,华中科技大学,,P9,\n"
            .to_string(),
    );
    m.insert(
        "conflicts.csv",
        "expert,with,reason\nE1,A2,同事\nE3,P9,\n".to_string(),
    );
    m.insert("coauthorships.csv", "a,b,year\nE1,Q7,2023\n".to_string());
    m.insert(
        "affinity.csv",
        "application,expert,score\nA1,E1,0.83\n".to_string(),
    );
    m.insert(
        "policy.json",
        r#"{ "panel_size": 2, "max_load": 3 }"#.to_string(),
    );
    m
}

/// Loads the files from memory and, the same files, from a directory on
/// disk (streamed): both must give the same instance or the same messages.
fn load_csv(m: &BTreeMap<&'static str, String>) -> Result<(), LoadErrors> {
    let mut input = CsvInput::default();
    for (name, text) in m {
        input.set(name, text.clone().into_bytes());
    }
    let from_bytes = load_csv_from_bytes(Path::new("inst"), &input);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("inst");
    std::fs::create_dir(&dir).unwrap();
    for (name, text) in m {
        std::fs::write(dir.join(name), text).unwrap();
    }
    let from_disk = panels::io::load_instance(&dir);
    match (&from_bytes, &from_disk) {
        (Ok(a), Ok(b)) => assert_eq!(a, b),
        (Err(a), Err(b)) => {
            let prefix = format!("{}/", tmp.path().display());
            assert_eq!(a.to_string(), b.to_string().replace(&prefix, ""));
        }
        _ => panic!(
            "memory and disk disagree: {:?} vs {:?}",
            from_bytes.as_ref().err().map(|e| e.to_string()),
            from_disk.as_ref().err().map(|e| e.to_string())
        ),
    }
    from_bytes.map(|_| ())
}

fn csv_errors(edit: impl FnOnce(&mut BTreeMap<&'static str, String>)) -> LoadErrors {
    let mut m = csv_base();
    edit(&mut m);
    load_csv(&m).expect_err("the input should be refused")
}

fn bundle_base() -> Value {
    json!({
        "policy": { "panel_size": 2, "max_load": 3 },
        "experts": [
            { "id": "E1", "name": "李伟", "city": "武汉", "institution": "武汉大学", "max_load": 4 },
            { "id": "E2", "city": "长沙", "institution": "中南大学" },
            { "id": "E3", "city": "合肥", "institution": "中国科大" }
        ],
        "applications": [
            { "id": "A1", "city": "长沙", "institution": "中南大学", "team": ["P9", "E2"], "avoid": ["E3"] },
            { "id": "A2", "city": "武汉", "institution": "华中科技大学" }
        ],
        "conflicts": [ { "expert": "E1", "with": "A2" } ],
        "coauthorships": [ { "a": "E1", "b": "Q7", "year": 2023 } ],
        "affinity": [ { "application": "A1", "expert": "E1", "score": 0.83 } ]
    })
}

/// Loads the bundle from memory and, the same bytes, from a file on disk
/// (streamed, through the fast path or the full parser): both must give
/// the same messages.
fn bundle_errors_bytes(bytes: &[u8]) -> LoadErrors {
    let from_bytes = load_bundle_from_bytes(Path::new("bundle.json"), bytes)
        .expect_err("the input should be refused");
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("bundle.json");
    std::fs::write(&path, bytes).unwrap();
    let from_disk = panels::io::load_instance(&path).expect_err("refused from disk too");
    let prefix = format!("{}/", tmp.path().display());
    assert_eq!(
        from_bytes.to_string(),
        from_disk.to_string().replace(&prefix, "")
    );
    from_bytes
}

fn bundle_errors(edit: impl FnOnce(&mut Value)) -> LoadErrors {
    let mut v = bundle_base();
    edit(&mut v);
    bundle_errors_bytes(serde_json::to_string_pretty(&v).unwrap().as_bytes())
}

/// Asserts some error is in `file` (path suffix), at `loc` (its Display),
/// in `field`, with a message containing `msg`.
#[track_caller]
fn expect(errs: &LoadErrors, file: &str, loc: Option<&str>, field: Option<&str>, msg: &str) {
    let hit = errs.iter().any(|e: &LoadError| {
        e.file().ends_with(file)
            && e.location().map(|l| l.to_string()).as_deref() == loc
            && e.field() == field
            && e.message().contains(msg)
    });
    assert!(
        hit,
        "no error in {file} at {loc:?}, field {field:?}, containing {msg:?}; got:\n{errs}"
    );
}

#[test]
fn the_fixtures_are_valid() {
    load_csv(&csv_base()).unwrap();
    load_bundle_from_bytes(Path::new("b.json"), bundle_base().to_string().as_bytes()).unwrap();
}

// ------------------------------------------------------------ syntax, encoding, truncation

#[test]
fn invalid_json_gives_line_and_column() {
    let errs =
        bundle_errors_bytes(b"{\n  \"policy\": {},\n  \"experts\": [ { \"id\": \"E1\", } ]\n}");
    let e = errs.first();
    assert_eq!(
        e.location(),
        Some(&Location::Line {
            line: 3,
            column: 30
        })
    );
    assert!(e.message().contains("invalid JSON"), "{e}");
    assert!(
        e.to_string().starts_with("bundle.json line 3 column 30: "),
        "{e}"
    );

    let errs = csv_errors(|m| {
        m.insert("policy.json", "{ \"panel_size\": 2,, }".into());
    });
    expect(
        &errs,
        "policy.json",
        Some("line 1 column 19"),
        None,
        "invalid JSON",
    );
}

#[test]
fn truncated_bundle_says_it_ends_too_early() {
    let full = serde_json::to_string_pretty(&bundle_base()).unwrap();
    let errs = bundle_errors_bytes(&full.as_bytes()[..full.len() / 2]);
    let e = errs.iter().last().unwrap();
    assert!(e.message().contains("ends too early"), "{errs}");
    assert!(matches!(e.location(), Some(Location::Line { .. })));
}

#[test]
fn truncated_csv_is_caught() {
    // Cut inside a quoted cell.
    let errs = csv_errors(|m| {
        m.insert(
            "experts.csv",
            "id,name,city,institution\nE1,\"Li, Wei\",武汉,武大\nE2,\"Wang, F".into(),
        );
    });
    expect(&errs, "experts.csv", Some("row 3"), None, "never closes");
    // Cut mid-row.
    let errs = csv_errors(|m| {
        m.insert(
            "experts.csv",
            "id,name,city,institution\nE1,李伟,武汉,武大\nE2,王".into(),
        );
    });
    expect(
        &errs,
        "experts.csv",
        Some("row 3"),
        None,
        "2 cells but the header has 4",
    );
}

#[test]
fn invalid_utf8_gives_byte_offset_and_line() {
    // Bytes that are neither UTF-8 nor GB18030 (GBK text is read as such:
    // tests/office_tables.rs).
    let mut bytes = b"id,city,institution\nE1,".to_vec();
    bytes.extend_from_slice(&[0xFF, 0xFF, 0xBA, 0xBA]);
    bytes.extend_from_slice(b",x\n");
    let mut input = CsvInput::default();
    for (name, text) in csv_base() {
        input.set(name, text.into_bytes());
    }
    input.experts = Some(bytes);
    let errs = load_csv_from_bytes(Path::new("inst"), &input).unwrap_err();
    expect(
        &errs,
        "experts.csv",
        Some("line 2 (byte offset 23)"),
        None,
        "invalid UTF-8",
    );
    assert!(errs.first().message().contains("GBK"));

    // Bundle: offset counts the BOM too.
    let mut b = b"\xEF\xBB\xBF{\"policy\": {\"x\": \"".to_vec();
    b.push(0xFF);
    b.extend_from_slice(b"\"}}");
    let errs = bundle_errors_bytes(&b);
    expect(
        &errs,
        "bundle.json",
        Some("line 1 (byte offset 21)"),
        None,
        "invalid UTF-8",
    );
}

#[test]
fn deeply_nested_json_is_refused_clearly() {
    let deep = format!(
        "{{\"policy\": {}{}}}",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let errs = bundle_errors_bytes(deep.as_bytes());
    assert!(errs.first().message().contains("recursion limit"), "{errs}");
    assert!(matches!(
        errs.first().location(),
        Some(Location::Line { line: 1, .. })
    ));
}

// ------------------------------------------------------------ missing and unknown

#[test]
fn missing_required_fields_and_columns() {
    let errs = bundle_errors(|v| {
        v["experts"][2].as_object_mut().unwrap().remove("city");
        v["applications"][1]
            .as_object_mut()
            .unwrap()
            .remove("institution");
    });
    expect(
        &errs,
        "bundle.json",
        Some("experts[2] (id E3)"),
        Some("city"),
        "missing",
    );
    expect(
        &errs,
        "bundle.json",
        Some("applications[1] (id A2)"),
        Some("institution"),
        "missing",
    );
    assert!(errs
        .to_string()
        .contains("bundle.json experts[2] (id E3), field city: missing"));

    let errs = csv_errors(|m| {
        m.insert("experts.csv", "id,name,city\nE1,李伟,武汉\n".into());
    });
    expect(
        &errs,
        "experts.csv",
        Some("row 1"),
        Some("institution"),
        "missing required column",
    );

    // A required cell left empty.
    let errs = csv_errors(|m| {
        m.insert(
            "experts.csv",
            "id,city,institution\nE1,武汉,武大\nE2,,中南\n".into(),
        );
    });
    expect(
        &errs,
        "experts.csv",
        Some("row 3 (id E2)"),
        Some("city"),
        "missing",
    );

    // The bundle's required keys.
    let errs = bundle_errors(|v| {
        v.as_object_mut().unwrap().remove("applications");
    });
    expect(&errs, "bundle.json", None, Some("applications"), "missing");
}

#[test]
fn missing_required_files() {
    let errs = csv_errors(|m| {
        m.remove("policy.json");
        m.remove("applications.csv");
    });
    expect(&errs, "inst/policy.json", None, None, "needs policy.json");
    expect(&errs, "inst/applications.csv", None, None, "missing");

    let dir = tempfile::tempdir().unwrap();
    let errs = load_instance(&dir.path().join("nope.json")).unwrap_err();
    expect(&errs, "nope.json", None, None, "no such file");
}

#[test]
fn unknown_fields_columns_and_keys_suggest_the_nearest_name() {
    let errs = csv_errors(|m| {
        m.insert(
            "policy.json",
            r#"{ "panel_size": 2, "min_outside_shar": 0.4 }"#.into(),
        );
    });
    expect(
        &errs,
        "policy.json",
        None,
        Some("min_outside_shar"),
        "did you mean min_outside_share?",
    );
    assert!(errs.to_string().contains(
        "inst/policy.json field min_outside_shar: unknown field; did you mean min_outside_share?"
    ));

    let errs = csv_errors(|m| {
        m.insert(
            "experts.csv",
            "id,city,institution,instituton2,max_laod\nE1,武汉,武大,,\n".into(),
        );
    });
    expect(
        &errs,
        "experts.csv",
        Some("row 1"),
        Some("max_laod"),
        "did you mean max_load (评审上限/最多评审数)? Rename the header cell",
    );
    expect(
        &errs,
        "experts.csv",
        Some("row 1"),
        Some("instituton2"),
        "did you mean institution",
    );

    let errs = bundle_errors(|v| {
        v["experts"][1]["colour"] = json!("red");
        v["policy"]["seeed"] = json!(3);
        v["conflict"] = json!([]);
    });
    expect(
        &errs,
        "bundle.json",
        Some("experts[1] (id E2)"),
        Some("colour"),
        "expected one of: id, name",
    );
    expect(
        &errs,
        "bundle.json",
        Some("policy"),
        Some("seeed"),
        "did you mean seed?",
    );
    expect(
        &errs,
        "bundle.json",
        None,
        Some("conflict"),
        "did you mean conflicts?",
    );
}

#[test]
fn near_miss_file_names_in_a_directory_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in csv_base() {
        let name = if name == "conflicts.csv" {
            "conflict.csv"
        } else {
            name
        };
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    std::fs::write(dir.path().join("panels.csv"), "application,expert\n").unwrap();
    let errs = load_instance(dir.path()).unwrap_err();
    expect(
        &errs,
        "conflict.csv",
        None,
        None,
        "did you mean conflicts.csv?",
    );
    assert_eq!(errs.total(), 1, "{errs}");
}

// ------------------------------------------------------------ ids and references

#[test]
fn duplicate_ids() {
    let errs = csv_errors(|m| {
        m.get_mut("experts.csv")
            .unwrap()
            .push_str("E2,,南昌,南大,,,,\n");
        m.get_mut("applications.csv")
            .unwrap()
            .push_str("A1,,南昌,南大,,,\n");
    });
    expect(
        &errs,
        "experts.csv",
        Some("row 5 (id E2)"),
        Some("id"),
        "duplicate expert id \"E2\"; first given at experts.csv row 3",
    );
    expect(
        &errs,
        "applications.csv",
        Some("row 4 (id A1)"),
        Some("id"),
        "duplicate application id",
    );

    let errs = bundle_errors(|v| {
        v["experts"][2]["id"] = json!("E1");
    });
    expect(
        &errs,
        "bundle.json",
        Some("experts[2] (id E1)"),
        Some("id"),
        "first given at experts[0]",
    );
}

#[test]
fn an_id_used_as_expert_and_application_is_refused() {
    let errs = csv_errors(|m| {
        m.get_mut("applications.csv")
            .unwrap()
            .push_str("E3,,南昌,南大,,,\n");
    });
    expect(
        &errs,
        "applications.csv",
        Some("row 4 (id E3)"),
        Some("id"),
        "also an expert id (experts.csv row 4)",
    );
    // ... and as a team member's person id.
    let errs = csv_errors(|m| {
        m.get_mut("applications.csv")
            .unwrap()
            .push_str("P9,,南昌,南大,,,\n");
    });
    expect(
        &errs,
        "applications.csv",
        Some("row 4 (id P9)"),
        Some("id"),
        "a person id",
    );
}

#[test]
fn unknown_references() {
    let errs = csv_errors(|m| {
        m.insert(
            "applications.csv",
            "id,city,institution,avoid\nA1,长沙,中南,E9\nA2,武汉,华科,\n".into(),
        );
        m.insert("conflicts.csv", "expert,with\nE8,A1\nE1,Nobody\n".into());
        m.insert(
            "affinity.csv",
            "application,expert,score\nA7,E1,0.5\nA1,E6,0.5\n".into(),
        );
    });
    expect(
        &errs,
        "applications.csv",
        Some("row 2 (id A1)"),
        Some("avoid"),
        "\"E9\" is not an expert id",
    );
    expect(
        &errs,
        "conflicts.csv",
        Some("row 2"),
        Some("expert"),
        "unknown expert \"E8\"",
    );
    expect(
        &errs,
        "conflicts.csv",
        Some("row 3"),
        Some("with"),
        "\"Nobody\" is neither an application id nor a known person",
    );
    expect(
        &errs,
        "affinity.csv",
        Some("row 2"),
        Some("application"),
        "unknown application \"A7\"",
    );
    expect(
        &errs,
        "affinity.csv",
        Some("row 3"),
        Some("expert"),
        "unknown expert \"E6\"",
    );
}

#[test]
fn conflict_with_a_coauthor_or_team_member_is_fine() {
    let mut m = csv_base();
    m.insert(
        "conflicts.csv",
        "expert,with\nE1,Q7\nE2,P9\nE3,E1\nE3,A1\n".into(),
    );
    load_csv(&m).unwrap();
}

#[test]
fn empty_ids() {
    let errs = csv_errors(|m| {
        m.get_mut("experts.csv")
            .unwrap()
            .push_str(",,南昌,南大,,,,\n");
    });
    expect(&errs, "experts.csv", Some("row 5"), Some("id"), "missing");
    let errs = bundle_errors(|v| {
        v["applications"][0]["id"] = json!("  ");
    });
    expect(
        &errs,
        "bundle.json",
        Some("applications[0]"),
        Some("id"),
        "empty",
    );
    let errs = bundle_errors(|v| {
        v["experts"][0]["id"] = json!(17);
    });
    expect(
        &errs,
        "bundle.json",
        Some("experts[0]"),
        Some("id"),
        "write it in quotes",
    );
}

#[test]
fn empty_pool_and_no_applications() {
    let errs = csv_errors(|m| {
        m.insert("experts.csv", "id,city,institution\n".into());
        m.insert("conflicts.csv", "expert,with\n".into());
        m.insert("coauthorships.csv", "a,b\n".into());
        m.insert("affinity.csv", "application,expert,score\n".into());
        m.insert("applications.csv", "id,city,institution\n".into());
    });
    expect(&errs, "inst/experts.csv", None, None, "the pool is empty");
    expect(
        &errs,
        "inst/applications.csv",
        None,
        None,
        "no applications",
    );
    let errs = bundle_errors(|v| {
        v["experts"] = json!([]);
        v["applications"] = json!([]);
        v.as_object_mut().unwrap().remove("conflicts");
        v.as_object_mut().unwrap().remove("coauthorships");
        v.as_object_mut().unwrap().remove("affinity");
    });
    expect(&errs, "bundle.json", None, None, "the pool is empty");
    expect(&errs, "bundle.json", None, None, "no applications");
    // A completely empty file.
    let errs = csv_errors(|m| {
        m.insert("experts.csv", String::new());
    });
    expect(&errs, "experts.csv", None, None, "the file is empty");
}

// ------------------------------------------------------------ values

#[test]
fn negative_non_integer_and_text_loads() {
    let errs = csv_errors(|m| {
        m.insert(
            "experts.csv",
            "id,city,institution,max_load,min_load\nE1,武汉,武大,-1,\nE2,长沙,中南,2.5,\nE3,合肥,科大,ten,\n".into(),
        );
    });
    expect(
        &errs,
        "experts.csv",
        Some("row 2 (id E1)"),
        Some("max_load"),
        "expected a non-negative integer, got -1",
    );
    expect(
        &errs,
        "experts.csv",
        Some("row 3 (id E2)"),
        Some("max_load"),
        "got 2.5",
    );
    expect(
        &errs,
        "experts.csv",
        Some("row 4 (id E3)"),
        Some("max_load"),
        "expected a non-negative integer, got \"ten\"",
    );
    assert!(errs
        .to_string()
        .contains("inst/experts.csv row 4 (id E3), field max_load (column D): expected a non-negative integer, got \"ten\""));
    let errs = bundle_errors(|v| {
        v["experts"][0]["min_load"] = json!(-2);
        v["experts"][1]["max_load"] = json!("6");
    });
    expect(
        &errs,
        "bundle.json",
        Some("experts[0] (id E1)"),
        Some("min_load"),
        "got -2",
    );
    expect(
        &errs,
        "bundle.json",
        Some("experts[1] (id E2)"),
        Some("max_load"),
        "got \"6\"",
    );
}

#[test]
fn huge_numbers_are_clear_errors() {
    let errs = csv_errors(|m| {
        m.insert(
            "experts.csv",
            "id,city,institution,max_load\nE1,武汉,武大,1e30\nE2,长沙,中南,99999999999999999999\nE3,合肥,科大,4294967296\n".into(),
        );
    });
    for (row, id) in [(2, "E1"), (3, "E2"), (4, "E3")] {
        let loc = format!("row {row} (id {id})");
        expect(
            &errs,
            "experts.csv",
            Some(&loc),
            Some("max_load"),
            "of at most 1000000",
        );
    }
    let bytes = serde_json::to_string(&bundle_base())
        .unwrap()
        .replace("\"max_load\":4", "\"max_load\":99999999999999999999");
    let errs = bundle_errors_bytes(bytes.as_bytes());
    expect(
        &errs,
        "bundle.json",
        Some("experts[0] (id E1)"),
        Some("max_load"),
        "of at most 1000000",
    );
    let errs = bundle_errors(|v| v["policy"]["seed"] = json!(1e30));
    expect(
        &errs,
        "bundle.json",
        Some("policy"),
        Some("seed"),
        "of at most 18446744073709551615",
    );
    let errs = bundle_errors_bytes(
        serde_json::to_string(&bundle_base())
            .unwrap()
            .replace("0.83", "1e999")
            .as_bytes(),
    );
    assert!(
        errs.first().message().contains("number out of range"),
        "{errs}"
    );
}

#[test]
fn min_load_above_max_load() {
    let errs = csv_errors(|m| {
        m.insert("experts.csv", "id,city,institution,max_load,min_load\nE1,武汉,武大,2,3\nE2,长沙,中南,,4\nE3,合肥,科大,,\n".into());
    });
    expect(
        &errs,
        "experts.csv",
        Some("row 2 (id E1)"),
        Some("min_load"),
        "min_load 3 (this expert's) exceeds max_load 2 (this expert's)",
    );
    expect(
        &errs,
        "experts.csv",
        Some("row 3 (id E2)"),
        Some("min_load"),
        "exceeds max_load 3 (the policy's)",
    );
    let errs = bundle_errors(|v| v["policy"]["min_load"] = json!(5));
    expect(
        &errs,
        "bundle.json",
        Some("policy"),
        Some("min_load"),
        "min_load 5 exceeds max_load 3",
    );
}

#[test]
fn panel_size_zero() {
    let errs = bundle_errors(|v| {
        v["policy"]["panel_size"] = json!(0);
        v["applications"][1]["panel_size"] = json!(0);
    });
    expect(
        &errs,
        "bundle.json",
        Some("policy"),
        Some("panel_size"),
        "must be at least 1",
    );
    expect(
        &errs,
        "bundle.json",
        Some("applications[1] (id A2)"),
        Some("panel_size"),
        "must be at least 1",
    );
    let errs = csv_errors(|m| {
        m.insert(
            "applications.csv",
            "id,city,institution,panel_size\nA1,长沙,中南,0\n".into(),
        );
    });
    expect(
        &errs,
        "applications.csv",
        Some("row 2 (id A1)"),
        Some("panel_size"),
        "must be at least 1",
    );
}

#[test]
fn shares_outside_zero_one() {
    for bad in [json!(1.5), json!(-0.1)] {
        let errs = bundle_errors(|v| v["policy"]["min_outside_share"] = bad.clone());
        expect(
            &errs,
            "bundle.json",
            Some("policy"),
            Some("min_outside_share"),
            "between 0 and 1",
        );
    }
    let errs = bundle_errors(|v| v["policy"]["max_per_city"] = json!(0));
    expect(
        &errs,
        "bundle.json",
        Some("policy"),
        Some("max_per_city"),
        "leave the field out for no cap",
    );
}

#[test]
fn bad_scores_and_policy_numbers() {
    let errs = csv_errors(|m| {
        m.insert(
            "affinity.csv",
            "application,expert,score\nA1,E1,NaN\nA1,E2,inf\nA1,E3,high\nA2,E1,1000.5\nA2,E2,0,5\nA2,E3,\n".into(),
        );
    });
    expect(
        &errs,
        "affinity.csv",
        Some("row 2"),
        Some("score"),
        "expected a finite number, got \"NaN\"",
    );
    expect(
        &errs,
        "affinity.csv",
        Some("row 3"),
        Some("score"),
        "finite",
    );
    expect(
        &errs,
        "affinity.csv",
        Some("row 4"),
        Some("score"),
        "expected a number, got \"high\"",
    );
    expect(
        &errs,
        "affinity.csv",
        Some("row 5"),
        Some("score"),
        "within ±1000",
    );
    expect(
        &errs,
        "affinity.csv",
        Some("row 6"),
        None,
        "4 cells but the header has only 3",
    );
    expect(
        &errs,
        "affinity.csv",
        Some("row 7"),
        Some("score"),
        "missing",
    );
    let errs = bundle_errors(|v| {
        v["policy"]["default_affinity"] = json!("zero");
        v["policy"]["min_affinity"] = json!(-2000);
        v["affinity"][0]["score"] = json!(-1000.01);
    });
    expect(
        &errs,
        "bundle.json",
        Some("policy"),
        Some("default_affinity"),
        "expected a number, got \"zero\"",
    );
    expect(
        &errs,
        "bundle.json",
        Some("policy"),
        Some("min_affinity"),
        "out of range",
    );
    expect(
        &errs,
        "bundle.json",
        Some("affinity[0]"),
        Some("score"),
        "out of range",
    );
}

#[test]
fn duplicate_affinity_pairs() {
    let errs = csv_errors(|m| {
        m.get_mut("affinity.csv")
            .unwrap()
            .push_str("A2,E1,0.1\nA1,E1,0.9\n");
    });
    expect(
        &errs,
        "affinity.csv",
        Some("row 4"),
        None,
        "duplicate affinity pair (A1, E1); first given at affinity.csv row 2",
    );
}

/// Affinity records are read on a fast path that interns ids as it goes;
/// every record it cannot take whole must get the general path's message,
/// and duplicates must be found even when a list is not grouped by
/// application.
#[test]
fn bundle_affinity_records_off_the_fast_path() {
    let errs = bundle_errors(|v| {
        v["affinity"] = json!([
            { "application": "A1", "expert": "E1", "score": 0.5 },
            { "application": "A2", "expert": "E1", "score": 1 },
            { "application": "A1", "expert": "E2", "score": 0.25 },
            { "application": "A1", "expert": "E1", "score": 0.75 },
            { "application": "  ", "expert": "E1", "score": 0.1 },
            { "application": 7, "expert": "E1", "score": 0.1 },
            { "application": "A2", "expert": "E3", "score": "high" },
            { "application": "A2", "expert": "E2", "score": 0.1, "note": "x" },
            { "application": "A9", "expert": "E8", "score": 0.1 },
            [1, 2],
            { "application": "A2", "expert": "E1", "score": 2 }
        ]);
    });
    let at = |i: u32| format!("affinity[{i}]");
    expect(
        &errs,
        "bundle.json",
        Some(&at(3)),
        None,
        "duplicate affinity pair (A1, E1); first given at affinity[0]",
    );
    expect(
        &errs,
        "bundle.json",
        Some(&at(10)),
        None,
        "duplicate affinity pair (A2, E1); first given at affinity[1]",
    );
    expect(
        &errs,
        "bundle.json",
        Some(&at(4)),
        Some("application"),
        "empty",
    );
    expect(&errs, "bundle.json", Some(&at(6)), Some("score"), "");
    expect(&errs, "bundle.json", Some(&at(7)), Some("note"), "unknown");
    expect(
        &errs,
        "bundle.json",
        Some(&at(8)),
        Some("application"),
        "unknown application \"A9\"",
    );
    expect(
        &errs,
        "bundle.json",
        Some(&at(8)),
        Some("expert"),
        "unknown expert \"E8\"",
    );
    expect(
        &errs,
        "bundle.json",
        Some(&at(9)),
        None,
        "expected an object",
    );
    assert!(
        errs.iter()
            .any(|e| e.location().map(|l| l.to_string()) == Some(at(5))),
        "a numeric id must be reported; got:\n{errs}"
    );
    for ok in [0, 1, 2] {
        assert!(
            !errs
                .iter()
                .any(|e| e.location().map(|l| l.to_string()) == Some(at(ok))),
            "affinity[{ok}] is valid; got:\n{errs}"
        );
    }
}

/// An integer score is a number like any other: `1` loads as 1.0.
#[test]
fn bundle_affinity_integer_scores_load() {
    let mut v = bundle_base();
    v["affinity"] = json!([
        { "application": "A1", "expert": "E1", "score": 1 },
        { "application": "A2", "expert": "E2", "score": -2.5 }
    ]);
    let bytes = serde_json::to_vec(&v).unwrap();
    let inst = load_bundle_from_bytes(Path::new("bundle.json"), &bytes).unwrap();
    let scores: Vec<i64> = inst.affinity.unwrap().iter().map(|a| a.score.0).collect();
    assert_eq!(scores, vec![1_000_000, -2_500_000]);
}

#[test]
fn booleans_other_than_true_false() {
    let errs = csv_errors(|m| {
        m.insert(
            "experts.csv",
            "id,city,institution,available\nE1,武汉,武大,maybe\nE2,长沙,中南,2\nE3,合肥,科大,False\n\
             E4,合肥,科大,是\nE5,合肥,科大,no\nE6,合肥,科大,0\n"
                .into(),
        );
    });
    expect(
        &errs,
        "experts.csv",
        Some("row 2 (id E1)"),
        Some("available"),
        "expected 是/否 (or true/false, yes/no, 1/0, √/×), got \"maybe\"",
    );
    expect(
        &errs,
        "experts.csv",
        Some("row 3 (id E2)"),
        Some("available"),
        "got \"2\"",
    );
    assert_eq!(
        errs.total(),
        2,
        "False (any case), 是, no and 0 are fine: {errs}"
    );
    let errs = bundle_errors(|v| v["policy"]["avoid_same_institution"] = json!("true"));
    expect(
        &errs,
        "bundle.json",
        Some("policy"),
        Some("avoid_same_institution"),
        "expected true or false",
    );
}

#[test]
fn years_must_be_integers() {
    let errs = csv_errors(|m| {
        m.insert(
            "coauthorships.csv",
            "a,b,year\nE1,Q7,2023.5\nE2,Q7,last year\nE3,Q7,2023.0\n".into(),
        );
    });
    expect(
        &errs,
        "coauthorships.csv",
        Some("row 2"),
        Some("year"),
        "expected an integer, got 2023.5",
    );
    expect(
        &errs,
        "coauthorships.csv",
        Some("row 3"),
        Some("year"),
        "got \"last year\"",
    );
    assert_eq!(errs.total(), 2, "2023.0 is an integer: {errs}");
    let errs = bundle_errors(|v| v["policy"]["year"] = json!(2024.5));
    expect(
        &errs,
        "bundle.json",
        Some("policy"),
        Some("year"),
        "expected an integer",
    );
}

#[test]
fn co_authorship_with_oneself() {
    let errs = csv_errors(|m| {
        m.insert("coauthorships.csv", "a,b\nQ7,Q7\n".into());
    });
    expect(
        &errs,
        "coauthorships.csv",
        Some("row 2"),
        Some("b"),
        "to themselves",
    );
}

// ------------------------------------------------------------ shapes

#[test]
fn wrong_json_shapes() {
    let errs = bundle_errors(|v| {
        v["experts"][1] = json!("E2");
        v["applications"][0]["team"] = json!("P9;E2");
        v["applications"][1]["fields"] = json!(["F01", 3]);
        v["policy"] = json!([1, 2]);
    });
    expect(
        &errs,
        "bundle.json",
        Some("experts[1]"),
        None,
        "expected an object",
    );
    expect(
        &errs,
        "bundle.json",
        Some("applications[0] (id A1)"),
        Some("team"),
        "expected a list like",
    );
    expect(
        &errs,
        "bundle.json",
        Some("applications[1] (id A2)"),
        Some("fields"),
        "item 1 of the list",
    );
    expect(
        &errs,
        "bundle.json",
        Some("policy"),
        None,
        "must be a JSON object",
    );

    let errs = bundle_errors(|v| v["experts"] = json!({"id": "E1"}));
    assert!(
        errs.first()
            .message()
            .contains("expected a list of expert records"),
        "{errs}"
    );
    let errs = bundle_errors_bytes(b"[1, 2]");
    assert!(
        errs.first().message().contains("expected a bundle object"),
        "{errs}"
    );
    let errs = bundle_errors_bytes(br#"{"policy": {}, "policy": {}}"#);
    expect(&errs, "bundle.json", None, Some("policy"), "given twice");
    let errs = bundle_errors_bytes(b"{} trailing");
    assert!(
        errs.first().message().contains("trailing characters"),
        "{errs}"
    );
}

#[test]
fn csv_shape_problems() {
    // Extra non-empty cells, a value under an unnamed column, a duplicate column.
    let errs = csv_errors(|m| {
        m.insert(
            "experts.csv",
            "id,city,institution,\nE1,武汉,\"武汉大学\",\nE2,长沙,中南,oops\nE3,合肥,科大,,extra\n"
                .into(),
        );
        m.insert("conflicts.csv", "expert,with,with\nE1,A2,A1\n".into());
    });
    expect(
        &errs,
        "experts.csv",
        Some("row 3"),
        None,
        "column D has a value but no name in the header",
    );
    expect(
        &errs,
        "experts.csv",
        Some("row 4"),
        None,
        "5 cells but the header has only 4",
    );
    expect(
        &errs,
        "conflicts.csv",
        Some("row 1"),
        Some("with"),
        "both give with",
    );
    // Semicolon-separated export.
    let errs = csv_errors(|m| {
        m.insert("experts.csv", "id;city;institution\nE1;武汉;武大\n".into());
    });
    expect(
        &errs,
        "experts.csv",
        Some("row 1"),
        Some("id"),
        "use commas",
    );
}

#[test]
fn rows_are_counted_like_a_spreadsheet() {
    // A quoted cell spanning three lines is one row; blank lines are rows.
    let errs = csv_errors(|m| {
        m.insert(
            "experts.csv",
            "id,name,city,institution,max_load\nE1,\"Li\nWei\nSr\",武汉,武大,1\n\nE2,王,长沙,中南,x\n".into(),
        );
    });
    expect(
        &errs,
        "experts.csv",
        Some("row 4 (id E2)"),
        Some("max_load"),
        "got \"x\"",
    );
}

#[test]
fn all_errors_are_collected_and_the_display_is_capped() {
    let mut experts = String::from("id,city,institution,max_load\n");
    for i in 0..30 {
        experts.push_str(&format!("E{i},武汉,武大,bad{i}\n"));
    }
    let errs = csv_errors(|m| {
        m.insert("experts.csv", experts);
    });
    assert_eq!(errs.total(), 30);
    let shown = errs.to_string();
    assert_eq!(shown.lines().count(), 21, "{shown}");
    assert!(
        shown.ends_with("... and 10 more errors (30 in all)"),
        "{shown}"
    );
    assert!(shown.lines().next().unwrap().contains("row 2 (id E0)"));
}

#[test]
fn panels_file_errors_are_located() {
    let dir = tempfile::tempdir().unwrap();
    let j = dir.path().join("p.json");
    std::fs::write(
        &j,
        r#"{"status": "optimal", "objective": 1, "panels": [ {"application": "A1"} ]}"#,
    )
    .unwrap();
    let e = read_panels(&j).unwrap_err();
    assert!(e.message().contains("missing field `experts`"), "{e}");
    assert!(matches!(e.location(), Some(Location::Line { line: 1, .. })));
    let c = dir.path().join("p.csv");
    std::fs::write(&c, "application,expert,score\nA1,E1,0.5\nA1,,0.2\n").unwrap();
    let e = read_panels(&c).unwrap_err();
    assert_eq!(e.location(), Some(&Location::row(3)));
    assert_eq!(e.field(), Some("expert"));
    let t = dir.path().join("p.txt");
    std::fs::write(&t, "x").unwrap();
    assert!(read_panels(&t)
        .unwrap_err()
        .message()
        .contains(".json, .csv or .xlsx"));
}

//! A small, always-run cousin of the cargo-fuzz targets in `fuzz/`:
//! arbitrary bytes and mutated valid inputs never panic the readers, and
//! whatever loads round-trips through both writers unchanged.

use std::path::Path;

use panels::io::{
    bundle_to_bytes, csv_to_bytes, load_bundle_from_bytes, load_csv_from_bytes,
    read_panels_from_bytes, CsvInput, PanelsFormat, CSV_DIR_FILES,
};
use panels::model::Instance;
use proptest::prelude::*;

const BUNDLE: &str = r#"{
  "policy": { "panel_size": 2, "min_outside_share": 0.4, "max_load": 6, "year": 2025 },
  "experts": [
    { "id": "E1", "name": "李伟", "city": "武汉", "institution": "武汉大学",
      "fields": ["F0301", "F0302"], "keywords": ["optics"], "max_load": 6, "available": true },
    { "id": "E2", "city": "长沙", "institution": "中南大学", "min_load": 1 }
  ],
  "applications": [
    { "id": "A1", "city": "长沙", "institution": "中南大学", "panel_size": 1,
      "team": ["P1", "E2"], "avoid": ["E1"] }
  ],
  "conflicts": [ { "expert": "E1", "with": "P1", "reason": "declared" } ],
  "coauthorships": [ { "a": "E1", "b": "P1", "year": 2024 } ],
  "affinity": [ { "application": "A1", "expert": "E1", "score": 0.83 } ]
}"#;

const CSV: [(&str, &str); 6] = [
    (
        "experts.csv",
        "id,name,city,institution,fields,max_load,available\nE1,\"Li, Wei\",武汉,武汉大学,F0301;F0302,6,true\nE2,,长沙,中南大学,,,\n",
    ),
    ("applications.csv", "id,city,institution,panel_size,team,avoid\nA1,长沙,中南大学,1,P1;E2,E1\n"),
    ("conflicts.csv", "expert,with,reason\nE1,P1,declared\n"),
    ("coauthorships.csv", "a,b,year\nE1,P1,2024\n"),
    ("affinity.csv", "application,expert,score\nA1,E1,0.83\n"),
    ("policy.json", "{\"panel_size\": 1, \"seed\": 3}"),
];

fn round_trips(inst: &Instance) -> Result<(), TestCaseError> {
    if let Ok(b) = bundle_to_bytes(inst) {
        let again = load_bundle_from_bytes(Path::new("b.json"), &b);
        prop_assert_eq!(again.as_ref().ok(), Some(inst));
    }
    if let Ok(files) = csv_to_bytes(inst) {
        let again = load_csv_from_bytes(Path::new("d"), &files);
        prop_assert_eq!(again.as_ref().ok(), Some(inst));
    }
    Ok(())
}

/// The same bytes written to disk (one file: a bundle; several: a CSV
/// directory) load, streamed, to the same instance or the same messages.
fn same_from_disk(
    files: &[(&str, &[u8])],
    from_memory: &Result<Instance, panels::io::LoadErrors>,
) -> Result<(), TestCaseError> {
    let tmp = tempfile::tempdir().unwrap();
    let (path, shown) = if files.len() == 1 {
        (tmp.path().join(files[0].0), files[0].0.to_string())
    } else {
        (tmp.path().join("d"), "d".to_string())
    };
    if files.len() > 1 {
        std::fs::create_dir(&path).unwrap();
        for (name, bytes) in files {
            std::fs::write(path.join(name), bytes).unwrap();
        }
    } else {
        std::fs::write(&path, files[0].1).unwrap();
    }
    let from_disk = panels::io::load_instance(&path);
    match (from_memory, &from_disk) {
        (Ok(a), Ok(b)) => prop_assert_eq!(a, b),
        (Err(a), Err(b)) => {
            let b = b.to_string().replace(&path.display().to_string(), &shown);
            prop_assert_eq!(a.to_string(), b);
        }
        _ => prop_assert!(
            false,
            "memory and disk disagree: {:?} vs {:?}",
            from_memory.as_ref().err().map(|e| e.to_string()),
            from_disk.as_ref().err().map(|e| e.to_string())
        ),
    }
    Ok(())
}

/// Edits to a byte string: flip, delete, insert, truncate.
#[derive(Clone, Debug)]
enum Edit {
    Set(prop::sample::Index, u8),
    Delete(prop::sample::Index),
    Insert(prop::sample::Index, Vec<u8>),
    Truncate(prop::sample::Index),
}

fn edit() -> impl Strategy<Value = Edit> {
    let interesting = prop::sample::select(vec![
        b"\"".to_vec(),
        b",".to_vec(),
        b";".to_vec(),
        b"\n".to_vec(),
        b"{".to_vec(),
        b"[".to_vec(),
        b"-1".to_vec(),
        b"1e400".to_vec(),
        b"null".to_vec(),
        b"\xEF\xBB\xBF".to_vec(),
        b"\xFF".to_vec(),
        "武".as_bytes().to_vec(),
        b"99999999999999999999".to_vec(),
        // Control characters: refused where they land, alike from disk.
        b"\0".to_vec(),
        b"\x07".to_vec(),
        b"\t".to_vec(),
    ]);
    prop_oneof![
        (any::<prop::sample::Index>(), any::<u8>()).prop_map(|(i, b)| Edit::Set(i, b)),
        any::<prop::sample::Index>().prop_map(Edit::Delete),
        (any::<prop::sample::Index>(), interesting).prop_map(|(i, s)| Edit::Insert(i, s)),
        any::<prop::sample::Index>().prop_map(Edit::Truncate),
    ]
}

fn apply(mut bytes: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for e in edits {
        if bytes.is_empty() {
            break;
        }
        match e {
            Edit::Set(i, b) => {
                let i = i.index(bytes.len());
                bytes[i] = *b;
            }
            Edit::Delete(i) => {
                let i = i.index(bytes.len());
                bytes.remove(i);
            }
            Edit::Insert(i, s) => {
                let i = i.index(bytes.len() + 1);
                bytes.splice(i..i, s.iter().copied());
            }
            Edit::Truncate(i) => {
                let i = i.index(bytes.len());
                bytes.truncate(i);
            }
        }
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = load_bundle_from_bytes(Path::new("b.json"), &bytes);
        let mut input = CsvInput::default();
        for (name, text) in CSV {
            input.set(name, text.as_bytes().to_vec());
        }
        input.experts = Some(bytes.clone());
        let _ = load_csv_from_bytes(Path::new("d"), &input);
        let _ = read_panels_from_bytes(Path::new("p.json"), &bytes, PanelsFormat::Json);
        let _ = read_panels_from_bytes(Path::new("p.csv"), &bytes, PanelsFormat::Csv);
    }

    #[test]
    fn mutated_bundles_never_panic_and_round_trip(edits in prop::collection::vec(edit(), 1..4)) {
        let bytes = apply(BUNDLE.as_bytes().to_vec(), &edits);
        let loaded = load_bundle_from_bytes(Path::new("b.json"), &bytes);
        same_from_disk(&[("b.json", &bytes)], &loaded)?;
        if let Ok(inst) = loaded {
            round_trips(&inst)?;
        }
    }

    #[test]
    fn mutated_csv_never_panics_and_round_trips(
        which in 0usize..6,
        edits in prop::collection::vec(edit(), 1..4),
    ) {
        let mut input = CsvInput::default();
        for (k, (name, text)) in CSV.iter().enumerate() {
            let bytes = text.as_bytes().to_vec();
            input.set(name, if k == which { apply(bytes, &edits) } else { bytes });
        }
        let loaded = load_csv_from_bytes(Path::new("d"), &input);
        let files: Vec<(&str, &[u8])> = CSV_DIR_FILES
            .iter()
            .filter_map(|&n| input.get(n).map(|b| (n, b)))
            .collect();
        same_from_disk(&files, &loaded)?;
        if let Ok(inst) = loaded {
            round_trips(&inst)?;
        }
    }
}

#[test]
fn the_fixtures_load() {
    load_bundle_from_bytes(Path::new("b.json"), BUNDLE.as_bytes()).unwrap();
    let mut input = CsvInput::default();
    for (name, text) in CSV {
        input.set(name, text.as_bytes().to_vec());
    }
    load_csv_from_bytes(Path::new("d"), &input).unwrap();
}

// ------------------------------------------------------------ office tables

/// An office's CSV directory: Chinese headers, a title row, kept columns,
/// 是/否, ；/、 lists, and the policy as `policy.csv`.
const OFFICE_CSV: [(&str, &str); 6] = [
    (
        "experts.csv",
        "2026年度专家库,,,,,,,\n专家编号,姓名,所在城市,工作单位,学科代码,评审上限,是否可用,电话\nE1,李伟,武汉,武汉大学,F0301；F0302,6,是,027-1\nE2,,长沙 ,中南大学,,,否,\n",
    ),
    (
        "applications.csv",
        "项目编号,城市,申报单位,评审专家数,团队成员,申请回避专家,备注\nA1,长沙,中南大学,1,P1、E2,E1,急\n",
    ),
    ("conflicts.csv", "专家编号,回避对象,原因\nE1,P1,declared\n"),
    ("coauthorships.csv", "成员甲,成员乙,年份\nE1,P1,2024\n"),
    ("affinity.csv", "项目编号,专家编号,匹配度\nA1,E1,0.83\n"),
    ("policy.csv", "参数,值\npanel_size,1\nseed,3\navoid_same_institution,是\n"),
];

/// A text in one of the encodings offices save CSV files in.
fn encode(text: &str, encoding: usize) -> Vec<u8> {
    match encoding {
        0 => text.as_bytes().to_vec(),
        1 => encoding_rs::GB18030.encode(text).0.into_owned(),
        2 => {
            let mut b = vec![0xFF, 0xFE];
            b.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
            b
        }
        // UTF-16 without a byte order mark, little- and big-endian.
        3 => text.encode_utf16().flat_map(u16::to_le_bytes).collect(),
        _ => text.encode_utf16().flat_map(u16::to_be_bytes).collect(),
    }
}

/// An office's workbook: a 参数 sheet, Chinese headers below a title row.
fn office_sheets() -> Vec<(String, Vec<Vec<String>>)> {
    let rows = |text: &str| -> Vec<Vec<String>> {
        text.lines()
            .map(|l| l.split(',').map(str::to_string).collect())
            .collect()
    };
    vec![
        ("参数".into(), rows("参数,值\npanel_size,1\nseed,3\ncover_fields,否")),
        (
            "专家库".into(),
            rows("2026年度专家库\n专家编号,城市,单位,学科,是否可用,邮箱\nE1,武汉,武大,F01；F02,是,a@b\nE2,长沙,中南,F01,否,"),
        ),
        ("申报项目".into(), rows("项目编号,城市,依托单位,学科\nA1,长沙,湖大,F01")),
        ("评分".into(), rows("项目编号,专家编号,分数\nA1,E1,0.5")),
    ]
}

fn workbook_bytes(sheets: &[(String, Vec<Vec<String>>)]) -> Vec<u8> {
    use panels::io::xlsx::{tables_xlsx_bytes, Table, XCell};
    let tables: Vec<Table> = sheets
        .iter()
        .map(|(name, rows)| Table {
            name: name.clone(),
            header: rows.first().cloned().unwrap_or_default(),
            rows: rows
                .iter()
                .skip(1)
                .map(|r| r.iter().map(|c| XCell::from(c.as_str())).collect())
                .collect(),
        })
        .collect();
    tables_xlsx_bytes(Path::new("w.xlsx"), &tables).unwrap()
}

/// An instance read from a workbook writes back as one (both languages)
/// and reads the same, except that an empty affinity list is no list in a
/// workbook (an affinity sheet without rows means "no scores given").
fn workbook_round_trips(inst: &Instance) -> Result<(), TestCaseError> {
    use panels::io::office::Lang;
    let mut expected = inst.clone();
    if expected.affinity.as_ref().is_some_and(Vec::is_empty) {
        expected.affinity = None;
    }
    for lang in [Lang::Zh, Lang::En] {
        if let Ok(bytes) = panels::io::xlsx::instance_xlsx_bytes_in(inst, Path::new("w.xlsx"), lang)
        {
            let again = panels::io::xlsx::load_xlsx_from_bytes(Path::new("w.xlsx"), &bytes);
            prop_assert_eq!(again.as_ref().ok(), Some(&expected));
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// GB18030 and UTF-16 files (with and without a byte order mark),
    /// title rows and policy.csv: mutated, they
    /// never panic, load the same from disk as from memory, and what loads
    /// round-trips.
    #[test]
    fn mutated_office_csv_never_panics_and_round_trips(
        which in 0usize..6,
        encoding in 0usize..5,
        edits in prop::collection::vec(edit(), 0..4),
    ) {
        let mut input = CsvInput::default();
        for (k, (name, text)) in OFFICE_CSV.iter().enumerate() {
            let bytes = encode(text, encoding);
            input.set(name, if k == which { apply(bytes, &edits) } else { bytes });
        }
        let loaded = load_csv_from_bytes(Path::new("d"), &input);
        if edits.is_empty() {
            prop_assert!(loaded.is_ok(), "{:?}", loaded.as_ref().err().map(|e| e.to_string()));
        }
        let files: Vec<(&str, &[u8])> = CSV_DIR_FILES
            .iter()
            .filter_map(|&n| input.get(n).map(|b| (n, b)))
            .collect();
        same_from_disk(&files, &loaded)?;
        if let Ok(inst) = loaded {
            round_trips(&inst)?;
            workbook_round_trips(&inst)?;
        }
    }

    /// Workbooks with a cell changed to something an office might type
    /// (or mistype): never panic; what loads round-trips.
    #[test]
    fn edited_office_workbooks_never_panic_and_round_trip(
        sheet in any::<prop::sample::Index>(),
        row in any::<prop::sample::Index>(),
        col in 0usize..8,
        text in prop::sample::select(vec![
            "", " ", "是", "否", "maybe", "1e400", "-1", "6.5", "；；", "、", "\u{200B}",
            "max_laod", "评审上线", "电话", "专家编号", "武汉 ", "wuhan", "Ｅ1", "E1 ",
            "2026年度", "=1+1", "\"", "参数", "值", "seed", "18446744073709551616",
        ]),
    ) {
        let mut sheets = office_sheets();
        let s = sheet.index(sheets.len());
        let rows = &mut sheets[s].1;
        let r = row.index(rows.len());
        if rows[r].len() <= col {
            rows[r].resize(col + 1, String::new());
        }
        rows[r][col] = text.to_string();
        let bytes = workbook_bytes(&sheets);
        if let Ok(inst) = panels::io::xlsx::load_xlsx_from_bytes(Path::new("w.xlsx"), &bytes) {
            round_trips(&inst)?;
            workbook_round_trips(&inst)?;
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic_the_office_readers(
        bytes in prop::collection::vec(any::<u8>(), 0..512),
        prefix in prop::sample::select(vec![
            &b""[..], &b"\xFF\xFE"[..], &b"\xFE\xFF"[..], &b"\xEF\xBB\xBF"[..], &b"\xD6\xB5"[..],
        ]),
    ) {
        let mut b = prefix.to_vec();
        b.extend_from_slice(&bytes);
        let mut input = CsvInput::default();
        for (name, text) in OFFICE_CSV {
            input.set(name, text.as_bytes().to_vec());
        }
        input.experts = Some(b.clone());
        let _ = load_csv_from_bytes(Path::new("d"), &input);
        input.experts = Some(OFFICE_CSV[0].1.as_bytes().to_vec());
        input.policy_csv = Some(b.clone());
        let _ = load_csv_from_bytes(Path::new("d"), &input);
        let _ = panels::io::xlsx::load_xlsx_from_bytes(Path::new("w.xlsx"), &b);
    }
}

#[test]
fn the_office_fixtures_load() {
    for encoding in 0..5 {
        let mut input = CsvInput::default();
        for (name, text) in OFFICE_CSV {
            input.set(name, encode(text, encoding));
        }
        let inst = load_csv_from_bytes(Path::new("d"), &input).unwrap();
        assert_eq!(inst.kept.experts.columns, ["电话"]);
        assert_eq!(inst.kept.applications.columns, ["备注"]);
    }
    panels::io::xlsx::load_xlsx_from_bytes(Path::new("w.xlsx"), &workbook_bytes(&office_sheets()))
        .unwrap();
}

//! Office formats: instances read from `.xlsx` workbooks with the same
//! validation and located errors as CSV, the round trip instance → workbook
//! → instance, and panels written as a workbook.

mod report_fixture;

use std::path::Path;

use panels::io::xlsx::{self, Table, XCell};
use panels::model::Instance;
use proptest::prelude::*;

fn load_xlsx(bytes: &[u8]) -> Result<Instance, panels::io::LoadErrors> {
    xlsx::load_xlsx_from_bytes(Path::new("round.xlsx"), bytes)
}

fn round_trip(inst: &Instance) {
    let bytes = xlsx::instance_xlsx_bytes(inst, Path::new("round.xlsx")).unwrap();
    let back = load_xlsx(&bytes).unwrap_or_else(|e| panic!("reload failed:\n{e}"));
    assert_eq!(&back, inst);
    // Deterministic bytes.
    assert_eq!(
        bytes,
        xlsx::instance_xlsx_bytes(inst, Path::new("round.xlsx")).unwrap()
    );
}

#[test]
fn bundled_instances_round_trip_through_xlsx() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("instances");
    let mut paths = vec![root.join("yangtze.json"), root.join("guanggu")];
    for e in std::fs::read_dir(root.join("tiny")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "json") {
            paths.push(p);
        }
    }
    paths.sort();
    for p in paths {
        let inst = panels::io::load_instance(&p).unwrap();
        round_trip(&inst);
    }
    round_trip(&report_fixture::instance());
}

#[test]
fn workbook_on_disk_loads_through_load_instance_and_hashes_its_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let inst = report_fixture::instance();
    let p = dir.path().join("Round.XLSX");
    xlsx::write_instance_xlsx(&inst, &p).unwrap();
    let (back, hash) = panels::io::load_instance_hashed(&p).unwrap();
    assert_eq!(back, inst);
    assert_eq!(hash, panels::io::instance_sha256(&p).unwrap());
    // The CSV form of the same data loads to the same instance.
    let csv = dir.path().join("round");
    panels::io::write_instance(&inst, &csv, panels::io::InstanceFormat::CsvDir).unwrap();
    assert_eq!(panels::io::load_instance(&csv).unwrap(), back);
}

fn t(name: &str, header: &[&str], rows: Vec<Vec<XCell>>) -> Table {
    Table {
        name: name.into(),
        header: header.iter().map(|s| s.to_string()).collect(),
        rows,
    }
}

fn txt(s: &str) -> XCell {
    XCell::Text(s.into())
}

/// A minimal valid workbook, with `experts` rows replaceable.
fn workbook(experts: Vec<Vec<XCell>>, policy: Vec<Vec<XCell>>) -> Vec<u8> {
    let tables = vec![
        t(
            "Experts",
            &["id", "city", "institution", "max_load", "available"],
            experts,
        ),
        t(
            "applications",
            &["id", "city", "institution", "fields"],
            vec![vec![txt("A1"), txt("长沙"), txt("U9"), txt("F01; F02")]],
        ),
        t("policy", &["key", "value"], policy),
        t("notes", &["anything"], vec![vec![txt("ignored")]]),
    ];
    xlsx::tables_xlsx_bytes(Path::new("round.xlsx"), &tables).unwrap()
}

fn good_experts() -> Vec<Vec<XCell>> {
    vec![
        vec![
            txt("E1"),
            txt("武汉"),
            txt("U1"),
            XCell::Number(6.0),
            XCell::Bool(true),
        ],
        vec![txt("E2"), txt("武汉"), txt("U2"), txt("4"), txt("FALSE")],
    ]
}

#[test]
fn typed_cells_read_like_csv_text() {
    let policy = vec![
        vec![txt("panel_size"), XCell::Number(1.0)],
        vec![txt("min_outside_share"), txt("0.5")],
        vec![txt("avoid_same_institution"), XCell::Bool(false)],
    ];
    let inst = load_xlsx(&workbook(good_experts(), policy)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(inst.experts[0].max_load, Some(6));
    assert_eq!(inst.experts[1].max_load, Some(4));
    assert!(inst.experts[0].available && !inst.experts[1].available);
    assert_eq!(
        inst.applications[0].fields,
        vec!["F01".to_string(), "F02".to_string()]
    );
    assert_eq!(inst.policy.panel_size, 1);
    assert!((inst.policy.min_outside_share - 0.5).abs() < 1e-12);
    assert!(!inst.policy.avoid_same_institution);
}

#[test]
fn errors_name_workbook_sheet_row_and_field() {
    let mut experts = good_experts();
    experts[1][3] = txt("ten");
    let err = load_xlsx(&workbook(experts, vec![]))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(
            "round.xlsx sheet Experts row 3 (id E2), field max_load (column D): expected a non-negative integer, got \"ten\""
        ),
        "{err}"
    );

    let mut experts = good_experts();
    experts[1][3] = XCell::Number(6.5);
    let err = load_xlsx(&workbook(experts, vec![]))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("row 3 (id E2), field max_load") && err.contains("6.5"),
        "{err}"
    );

    // Duplicate ids point back at the first row.
    let mut experts = good_experts();
    experts[1][0] = txt("E1");
    let err = load_xlsx(&workbook(experts, vec![]))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("duplicate expert id") && err.contains("sheet Experts row 2"),
        "{err}"
    );

    // A policy error is located at the row of its key; unknown keys suggest.
    let policy = vec![
        vec![txt("panel_size"), XCell::Number(5.0)],
        vec![txt("min_outside_shar"), XCell::Number(0.4)],
        vec![txt("max_load"), txt("many")],
    ];
    let err = load_xlsx(&workbook(good_experts(), policy))
        .unwrap_err()
        .to_string();
    assert!(err.contains("sheet policy row 3, field min_outside_shar: unknown field; did you mean min_outside_share?"), "{err}");
    assert!(err.contains("sheet policy row 4, field max_load"), "{err}");
}

#[test]
fn missing_sheets_and_columns_are_named() {
    let tables = vec![t(
        "experts",
        &["id", "city"],
        vec![vec![txt("E1"), txt("武汉")]],
    )];
    let bytes = xlsx::tables_xlsx_bytes(Path::new("x.xlsx"), &tables).unwrap();
    let err = load_xlsx(&bytes).unwrap_err().to_string();
    assert!(err.contains("missing sheet policy"), "{err}");
    assert!(err.contains("missing sheet applications"), "{err}");
    assert!(
        err.contains("sheet experts row 1, field institution: missing required column institution"),
        "{err}"
    );

    let tables = vec![
        t("expert", &["id"], vec![]),
        t("policy", &["key", "value"], vec![]),
    ];
    let bytes = xlsx::tables_xlsx_bytes(Path::new("x.xlsx"), &tables).unwrap();
    let err = load_xlsx(&bytes).unwrap_err().to_string();
    assert!(
        err.contains("sheet \"expert\" is not a table name; did you mean experts?"),
        "{err}"
    );

    let err = load_xlsx(b"PK\x03\x04 not really a zip")
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("round.xlsx: not a readable .xlsx workbook"),
        "{err}"
    );
}

#[test]
fn panels_workbook_has_a_sheet_per_city_and_one_per_expert() {
    let inst = report_fixture::instance();
    let file = report_fixture::optimal();
    let bytes = xlsx::panels_xlsx_bytes(Path::new("p.xlsx"), &file, &inst).unwrap();
    let tables = xlsx::read_xlsx_tables(&bytes).unwrap();
    let names: Vec<&str> = tables.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, vec!["summary", "武汉", "长沙", "by expert"]);
    let sheet = |n: &str| &tables.iter().find(|(x, _)| x == n).unwrap().1;
    // 武汉: A1 (E3, E6; 1 outside; 1.5) and A3 (E3, E5; 2 outside; 1.1).
    let w = sheet("武汉");
    assert_eq!(w.len(), 3);
    assert_eq!(&w[1][..6], &["A1", "Lasers", "U1", "2", "1", "1.5"]);
    assert_eq!(
        w[1][6..12],
        ["E3", "Sun San", "长沙", "E6", "Wu Liu", "武汉"]
    );
    assert_eq!(&w[2][..6], &["A3", "Bridges", "U2", "2", "2", "1.1"]);
    // By expert: one row per review, pool order, with load and cap.
    let by = sheet("by expert");
    let rows: Vec<(&str, &str, &str)> = by[1..]
        .iter()
        .map(|r| (r[0].as_str(), r[4].as_str(), r[6].as_str()))
        .collect();
    assert_eq!(
        rows,
        vec![
            ("E1", "1", "A2"),
            ("E3", "2", "A1"),
            ("E3", "2", "A3"),
            ("E5", "2", "A2"),
            ("E5", "2", "A3"),
            ("E6", "1", "A1")
        ]
    );
    let summary = sheet("summary");
    assert!(summary.iter().any(|r| r[0] == "objective" && r[1] == "4"));
    assert!(summary.iter().any(|r| r[0] == "reviews" && r[1] == "6"));
    // Unknown ids are refused, not written.
    let mut bad = file.clone();
    bad.panels[0].experts[0] = "E99".into();
    assert!(xlsx::panels_xlsx_bytes(Path::new("p.xlsx"), &bad, &inst).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// Generated rounds (any preset shape, any seed) survive the workbook.
    #[test]
    fn generated_instances_round_trip(seed in 0u64..1_000_000, apps in 1usize..12, experts in 2usize..30) {
        let mut cfg = panels::generate::preset("tiny").unwrap();
        cfg.seed = seed;
        cfg.applications = apps;
        cfg.experts = experts;
        let inst = panels::generate::generate(&cfg);
        let bytes = xlsx::instance_xlsx_bytes(&inst, Path::new("g.xlsx")).unwrap();
        let back = load_xlsx(&bytes);
        prop_assert!(back.is_ok(), "{}", back.unwrap_err());
        prop_assert_eq!(back.unwrap(), inst);
    }
}

/// A panels workbook reads back to the same panels (in the instance's
/// order, though the workbook groups them by city), scores and summary;
/// it carries no certificate.
#[test]
fn panels_workbook_reads_back() {
    let inst = report_fixture::instance();
    let mut file = report_fixture::optimal();
    file.input_sha256 = Some("ab".repeat(32));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.xlsx");
    panels::io::write_panels(&path, &file, &inst).unwrap();
    let back = panels::io::read_panels_for(&path, &inst).unwrap();
    assert_eq!(back, file);
    // Without the instance the workbook's own order (by city) stands.
    let raw = panels::io::read_panels(&path).unwrap();
    let order: Vec<&str> = raw.panels.iter().map(|p| p.application.as_str()).collect();
    assert_eq!(order, vec!["A1", "A3", "A2"]);
    let report = panels::verify::verify(&inst, &back);
    assert!(report.is_ok(), "{report:?}");
}

/// Panels workbooks that cannot be read say why, with sheet and row.
#[test]
fn bad_panels_workbooks_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.xlsx");
    let write = |tables: &[Table]| {
        std::fs::write(&path, xlsx::tables_xlsx_bytes(&path, tables).unwrap()).unwrap();
    };
    let summary = t(
        "summary",
        &["key", "value"],
        vec![vec![txt("objective"), txt("x")]],
    );
    write(&[summary]);
    let e = panels::io::read_panels(&path).unwrap_err().to_string();
    assert!(
        e.contains("sheet summary row 2") && e.contains("not a number"),
        "{e}"
    );
    write(&[t(
        "武汉",
        &["application", "expert_1"],
        vec![vec![txt("A1"), txt("E1")]],
    )]);
    let e = panels::io::read_panels(&path).unwrap_err().to_string();
    assert!(e.contains("no \"summary\" sheet"), "{e}");
    let summary = t(
        "summary",
        &["key", "value"],
        vec![vec![txt("status"), txt("optimal")]],
    );
    let city = |n: &str| {
        t(
            n,
            &["application", "expert_1"],
            vec![vec![txt("A1"), txt("E1")]],
        )
    };
    write(&[summary, city("武汉"), city("长沙")]);
    let e = panels::io::read_panels(&path).unwrap_err().to_string();
    assert!(
        e.contains("sheet 长沙 row 2") && e.contains("first is on sheet 武汉 row 2"),
        "{e}"
    );
    std::fs::write(&path, b"not a zip").unwrap();
    let e = panels::io::read_panels(&path).unwrap_err().to_string();
    assert!(e.contains("not a readable .xlsx workbook"), "{e}");
}

/// A city called like a fixed sheet ("By Expert") and ids with spaces at
/// either end survive the workbook; a title row an officer puts above a
/// header is skipped.
#[test]
fn panels_workbook_odd_names_and_title_rows() {
    let bundle = report_fixture::BUNDLE
        .replace("长沙", "By Expert")
        .replace("\"E3\"", "\"E3 \"");
    let inst =
        panels::io::load_bundle_from_bytes(Path::new("odd.json"), bundle.as_bytes()).unwrap();
    // Ids are compared after normalising (SPEC "Names as offices type
    // them"): "E3 " is E3.
    assert!(inst.expert_by_id("E3").is_some());
    let file = report_fixture::optimal();
    assert!(panels::verify::verify(&inst, &file).is_ok());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.xlsx");
    panels::io::write_panels(&path, &file, &inst).unwrap();
    let back = panels::io::read_panels_for(&path, &inst).unwrap();
    assert_eq!(back, file);

    // A title row above the header of a panel sheet.
    let summary = t(
        "summary",
        &["key", "value"],
        vec![vec![txt("status"), txt("feasible")]],
    );
    let city = t(
        "武汉",
        &["Panels for 武汉", ""],
        vec![
            vec![txt("application"), txt("expert_1")],
            vec![txt("A1"), txt("E1")],
        ],
    );
    std::fs::write(
        &path,
        xlsx::tables_xlsx_bytes(&path, &[summary, city]).unwrap(),
    )
    .unwrap();
    let back = panels::io::read_panels(&path).unwrap();
    assert_eq!(back.panels.len(), 1);
    assert_eq!(back.panels[0].experts, vec!["E1".to_string()]);
}

/// One stray cell at the last cell Excel has (XFD1048576) costs one cell:
/// sheets are read cell by cell, not as a grid of every row × column up to
/// it (which would need ~17 billion cells).
#[test]
fn a_stray_far_cell_does_not_blow_up_the_reader() {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let add = |wb: &mut rust_xlsxwriter::Workbook, name: &str, rows: &[&[&str]]| {
        let ws = wb.add_worksheet();
        ws.set_name(name).unwrap();
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                ws.write_string(r as u32, c as u16, *v).unwrap();
            }
        }
    };
    add(
        &mut wb,
        "experts",
        &[&["id", "city", "institution"], &["E1", "武汉", "U1"]],
    );
    add(
        &mut wb,
        "applications",
        &[&["id", "city", "institution"], &["A1", "长沙", "U2"]],
    );
    add(
        &mut wb,
        "policy",
        &[&["key", "value"], &["panel_size", "1"]],
    );
    add(&mut wb, "notes", &[&["see below"]]);
    wb.worksheet_from_name("notes")
        .unwrap()
        .write_string(1_048_575, 16_383, "stray")
        .unwrap();
    let bytes = wb.save_to_buffer().unwrap();
    let inst = load_xlsx(&bytes).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(inst.experts.len(), 1);
    let tables = xlsx::read_xlsx_tables(&bytes).unwrap();
    let notes = &tables.iter().find(|(n, _)| n == "notes").unwrap().1;
    assert_eq!(notes.len(), 1_048_576);
    assert_eq!(notes.last().unwrap().len(), 16_384);
    assert_eq!(notes.last().unwrap()[16_383], "stray");
}

/// The reviewer sheet (the one invitations are sent from) and the city
/// sheets must list the same reviews: an edit in one and not the other is
/// an error naming the sheet, the row and the pair.
#[test]
fn panels_workbook_sheets_must_agree() {
    let inst = report_fixture::instance();
    let file = report_fixture::optimal();
    let bytes = xlsx::panels_xlsx_bytes(Path::new("p.xlsx"), &file, &inst).unwrap();
    let tables = xlsx::read_xlsx_tables(&bytes).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.xlsx");
    // Rewrites the workbook with one cell changed.
    let edited = |sheet: &str, row: usize, col: usize, value: &str| {
        let tables: Vec<Table> = tables
            .iter()
            .map(|(name, rows)| {
                let mut rows = rows.clone();
                if name == sheet {
                    rows[row][col] = value.to_string();
                }
                Table {
                    name: name.clone(),
                    header: rows[0].clone(),
                    rows: rows[1..]
                        .iter()
                        .map(|r| r.iter().map(|c| txt(c)).collect())
                        .collect(),
                }
            })
            .collect();
        std::fs::write(&path, xlsx::tables_xlsx_bytes(&path, &tables).unwrap()).unwrap();
        panels::io::read_panels(&path).map_err(|e| e.to_string())
    };
    // Unchanged (numbers rewritten as text): reads back.
    assert!(edited("summary", 0, 0, "key").is_ok());
    // By expert row 7 is E6 for A1; made E1 there only.
    let e = edited("by expert", 6, 0, "E1").unwrap_err();
    assert!(
        e.contains("sheet by expert row 7")
            && e.contains("lists expert E1 for application A1")
            && e.contains("sheet 武汉 row 2")
            && e.contains("must agree"),
        "{e}"
    );
    // 武汉 row 2 has E6 as its second member; made E1 there only.
    let e = edited("武汉", 1, 9, "E1").unwrap_err();
    assert!(
        e.contains("sheet by expert row 7")
            && e.contains("lists expert E6 for application A1")
            && e.contains("does not include E6"),
        "{e}"
    );
    // A review deleted from the reviewer sheet only.
    let e = edited("by expert", 6, 6, "").unwrap_err();
    assert!(
        e.contains("sheet by expert row 7") || e.contains("sheet 武汉 row 2"),
        "{e}"
    );
}

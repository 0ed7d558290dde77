//! The bundled Yangtze round as an office keeps it, in `instances/`: a
//! workbook (`yangtze-office.xlsx`: Chinese sheets and headers, title rows
//! 「2026年度专家库」, extra columns 电话/邮箱/备注, 是/否, `；` lists, a 参数
//! sheet) and a GB18030 CSV directory (`yangtze-office-gbk/`, with
//! `policy.csv`). Both are made here from `instances/yangtze.json` and
//! must match the committed files (run with `PANELS_WRITE_OFFICE=1` to
//! rewrite them); both load to the bundle's round plus the kept columns and
//! solve to the bundle's optimum.

use std::path::{Path, PathBuf};

use panels::eligibility::Eligibility;
use panels::io::office::Lang;
use panels::io::xlsx::{read_xlsx_tables, tables_xlsx_bytes, Table, XCell};
use panels::model::{Instance, KeptColumns};

fn repo(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(p)
}

/// The Yangtze round with an office's extra columns on the experts.
fn yangtze_with_kept() -> Instance {
    let mut inst = panels::io::load_instance(&repo("instances/yangtze.json")).unwrap();
    let rows = (0..inst.experts.len())
        .map(|i| {
            let id = &inst.experts[i].id;
            vec![
                format!("027-8{:06}", i * 7919 % 1_000_000),
                format!("{}@example.edu.cn", id.to_lowercase()),
                match i % 9 {
                    0 => "年度考核优秀".to_string(),
                    4 => "暂停外出评审需提前联系".to_string(),
                    _ => String::new(),
                },
            ]
        })
        .collect();
    inst.kept.experts = KeptColumns {
        columns: vec!["电话".into(), "邮箱".into(), "备注".into()],
        rows,
    };
    inst
}

/// Text rows of the instance in Chinese, lists with `；`, and a title row
/// above each record sheet's header.
fn office_sheets(inst: &Instance) -> Vec<(String, Vec<Vec<String>>)> {
    let bytes =
        panels::io::xlsx::instance_xlsx_bytes_in(inst, Path::new("y.xlsx"), Lang::Zh).unwrap();
    let lists = ["学科代码", "关键词", "团队成员", "申请回避专家"];
    read_xlsx_tables(&bytes)
        .unwrap()
        .into_iter()
        .map(|(name, mut rows)| {
            let list_cols: Vec<usize> = rows[0]
                .iter()
                .enumerate()
                .filter(|(_, h)| lists.contains(&h.as_str()))
                .map(|(i, _)| i)
                .collect();
            let width = rows[0].len();
            for r in rows.iter_mut().skip(1) {
                // As Excel saves a sheet: every row as wide as the header.
                r.resize(width.max(r.len()), String::new());
                for &c in &list_cols {
                    if let Some(cell) = r.get_mut(c) {
                        *cell = cell.replace(';', "；");
                    }
                }
            }
            let title = match name.as_str() {
                "专家" => Some("2026年度专家库"),
                "申报项目" => Some("2026年度申报项目汇总"),
                _ => None,
            };
            if let Some(t) = title {
                rows.insert(0, vec![t.to_string()]);
            }
            (name, rows)
        })
        .collect()
}

fn office_workbook(sheets: &[(String, Vec<Vec<String>>)]) -> Vec<u8> {
    let tables: Vec<Table> = sheets
        .iter()
        .map(|(name, rows)| Table {
            name: name.clone(),
            header: rows[0].clone(),
            rows: rows[1..]
                .iter()
                .map(|r| {
                    r.iter()
                        .map(|c| match c.parse::<f64>() {
                            // Counts, years and scores as number cells;
                            // ids and codes stay text.
                            Ok(x) if !c.starts_with('0') || c == "0" => XCell::Number(x),
                            _ => XCell::from(c.as_str()),
                        })
                        .collect()
                })
                .collect(),
        })
        .collect();
    tables_xlsx_bytes(Path::new("yangtze-office.xlsx"), &tables).unwrap()
}

/// The CSV files (GB18030) of the office directory: policy.csv and one
/// file per record sheet, file names as the program reads them.
fn office_csv(sheets: &[(String, Vec<Vec<String>>)]) -> Vec<(String, Vec<u8>)> {
    sheets
        .iter()
        .map(|(name, rows)| {
            let kind = panels::io::office::table_of_sheet(name).unwrap();
            let file = match kind {
                panels::io::office::TableKind::Policy => "policy.csv".to_string(),
                other => format!("{}.csv", panels::io::office::vocab(other).name),
            };
            let mut w = csv::WriterBuilder::new()
                .flexible(true)
                .terminator(csv::Terminator::CRLF)
                .from_writer(Vec::new());
            for r in rows {
                w.write_record(r).unwrap();
            }
            let text = String::from_utf8(w.into_inner().unwrap()).unwrap();
            let (bytes, _, unmappable) = encoding_rs::GB18030.encode(&text);
            assert!(!unmappable);
            (file, bytes.into_owned())
        })
        .collect()
}

fn objective(inst: &Instance) -> i64 {
    let elig = Eligibility::compute(inst);
    let solved = panels::solve::solve_with(inst, &elig, &Default::default()).unwrap();
    let file = panels::solve::panels_file(inst, &elig, &solved, String::new());
    assert!(panels::verify::verify(inst, &file).is_ok());
    assert_eq!(solved.status.as_str(), "optimal");
    solved.objective_micro
}

#[test]
fn the_office_yangtze_files_are_in_sync_and_solve_to_the_bundles_optimum() {
    let expected = yangtze_with_kept();
    let sheets = office_sheets(&expected);
    let workbook = office_workbook(&sheets);
    let csv = office_csv(&sheets);
    let xlsx_path = repo("instances/yangtze-office.xlsx");
    let dir = repo("instances/yangtze-office-gbk");
    if std::env::var_os("PANELS_WRITE_OFFICE").is_some() {
        std::fs::write(&xlsx_path, &workbook).unwrap();
        std::fs::create_dir_all(&dir).unwrap();
        for (name, bytes) in &csv {
            std::fs::write(dir.join(name), bytes).unwrap();
        }
    }
    let stale = "out of date: run PANELS_WRITE_OFFICE=1 cargo test --test office_instances";
    assert!(
        std::fs::read(&xlsx_path).ok() == Some(workbook),
        "{} {stale}",
        xlsx_path.display()
    );
    for (name, bytes) in &csv {
        assert!(
            std::fs::read(dir.join(name)).ok().as_ref() == Some(bytes),
            "{name} {stale}"
        );
    }

    let load = |p: &Path| {
        panels::io::load_instance_noted(p, &|_| {}).unwrap_or_else(|e| panic!("{}", e.first()))
    };
    let loaded = load(&xlsx_path);
    assert_eq!(loaded.instance, expected);
    assert_eq!(loaded.lang, Lang::Zh);
    assert!(loaded
        .notes
        .iter()
        .any(|n| n.contains("2026") || n.contains("row 1 above it skipped")));
    let from_csv = load(&dir);
    assert_eq!(from_csv.instance, expected);
    assert!(
        from_csv.notes.iter().any(|n| n.contains("read as GB18030")),
        "{:?}",
        from_csv.notes
    );

    let bundle = panels::io::load_instance(&repo("instances/yangtze.json")).unwrap();
    let optimum = objective(&bundle);
    assert_eq!(objective(&loaded.instance), optimum);
    assert_eq!(objective(&from_csv.instance), optimum);
}

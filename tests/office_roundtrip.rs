//! Random rounds written as an office would keep them — a workbook with
//! random Chinese or English sheet and column names, columns in any order,
//! title rows, extra columns, 是/否 and `；`/`、` lists, and a GB18030 CSV
//! directory with `policy.csv` — load back to the same instance (with the
//! extra columns kept).

use std::path::Path;

use panels::io::office::{self, TableKind};
use panels::io::xlsx::{tables_xlsx_bytes, Table, XCell};
use panels::io::{csv_to_bytes, load_csv_from_bytes, CsvInput};
use panels::model::{Instance, KeptColumns};
use proptest::prelude::*;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A table as text rows: header, then data.
type Rows = Vec<Vec<String>>;

fn parse_csv(bytes: &[u8]) -> Rows {
    let text = std::str::from_utf8(bytes).unwrap();
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

/// A header name as an office might type it: the English name in some
/// letter case, or one of its Chinese names.
fn office_name(rng: &mut ChaCha8Rng, kind: TableKind, field: &str) -> String {
    let column = office::vocab(kind)
        .columns
        .iter()
        .find(|c| c.field == field);
    let zh = column.map_or(&[][..], |c| c.zh);
    let pick = rng.random_range(0..zh.len() + 2);
    match pick {
        0 => field.to_string(),
        1 => field.to_uppercase().replace('_', " "),
        n => zh[n - 2].to_string(),
    }
}

fn office_bool(rng: &mut ChaCha8Rng, v: &str) -> String {
    let b = v == "true";
    let forms: [(&str, &str); 4] = [("是", "否"), ("yes", "no"), ("TRUE", "FALSE"), ("1", "0")];
    let (y, n) = forms[rng.random_range(0..forms.len())];
    (if b { y } else { n }).to_string()
}

const LISTS: &[&str] = &["fields", "keywords", "team", "avoid"];
const EXTRA: &[&str] = &["电话", "邮箱", "备注", "phone", "notes"];

/// One table in office shape, and the kept columns it adds (experts and
/// applications).
fn office_table(rng: &mut ChaCha8Rng, kind: TableKind, rows: &Rows) -> (Rows, KeptColumns) {
    let fields = &rows[0];
    let mut header: Vec<String> = fields.iter().map(|f| office_name(rng, kind, f)).collect();
    let mut body: Rows = rows[1..]
        .iter()
        .map(|r| {
            r.iter()
                .zip(fields)
                .map(|(v, f)| {
                    if f == "available" && !v.is_empty() {
                        office_bool(rng, v)
                    } else if LISTS.contains(&f.as_str()) {
                        let sep = ["；", "、", ";", "; "][rng.random_range(0..4)];
                        v.replace(';', sep)
                    } else {
                        v.clone()
                    }
                })
                .collect()
        })
        .collect();
    // Extra columns for the records outputs list.
    let mut kept = KeptColumns::default();
    if kind.keeps_columns() {
        let n = rng.random_range(0..3);
        let mut names: Vec<&str> = EXTRA.to_vec();
        for _ in 0..n {
            let name = names.remove(rng.random_range(0..names.len()));
            header.push(name.to_string());
            let values: Vec<String> = body
                .iter()
                .enumerate()
                .map(|(i, _)| {
                    if rng.random_bool(0.6) {
                        format!("{name}-{i}")
                    } else {
                        String::new()
                    }
                })
                .collect();
            for (r, v) in body.iter_mut().zip(&values) {
                r.push(v.clone());
            }
            if values.iter().any(|v| !v.is_empty()) {
                kept.columns.push(name.to_string());
                kept.rows = if kept.rows.is_empty() {
                    values.iter().map(|v| vec![v.clone()]).collect()
                } else {
                    kept.rows
                        .into_iter()
                        .zip(&values)
                        .map(|(mut r, v)| {
                            r.push(v.clone());
                            r
                        })
                        .collect()
                };
            }
        }
    }
    // Columns in a random order.
    let mut order: Vec<usize> = (0..header.len()).collect();
    for i in (1..order.len()).rev() {
        order.swap(i, rng.random_range(0..=i));
    }
    let shuffle =
        |r: &Vec<String>| -> Vec<String> { order.iter().map(|&i| r[i].clone()).collect() };
    let mut out = vec![shuffle(&header)];
    out.extend(body.iter().map(shuffle));
    (out, kept)
}

/// Title rows an office puts above a header.
fn titles(rng: &mut ChaCha8Rng) -> Rows {
    let all = ["2026年度专家库", "制表：科技处", "2026-03-01"];
    (0..rng.random_range(0..3))
        .map(|i| vec![all[i].to_string()])
        .collect()
}

/// The policy as key/value rows with office booleans and headers.
fn policy_rows(rng: &mut ChaCha8Rng, json: &[u8]) -> Rows {
    let v: serde_json::Value = serde_json::from_slice(json).unwrap();
    let header = vec![
        office_name(rng, TableKind::Policy, "key"),
        office_name(rng, TableKind::Policy, "value"),
    ];
    let mut rows = vec![header];
    for (k, v) in v.as_object().unwrap() {
        let text = match v {
            serde_json::Value::Null => continue,
            serde_json::Value::Bool(b) => office_bool(rng, &b.to_string()),
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        rows.push(vec![k.clone(), text]);
    }
    rows
}

/// The round in office shape: (sheet or file stem, rows incl. title
/// rows), and the instance it must load to.
fn office_round(inst: &Instance, seed: u64) -> (Vec<(TableKind, Rows)>, Instance) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let files = csv_to_bytes(inst).unwrap();
    let mut expected = inst.clone();
    let mut out = vec![(
        TableKind::Policy,
        policy_rows(&mut rng, files.policy.as_deref().unwrap()),
    )];
    for (kind, name) in [
        (TableKind::Experts, "experts.csv"),
        (TableKind::Applications, "applications.csv"),
        (TableKind::Conflicts, "conflicts.csv"),
        (TableKind::Coauthorships, "coauthorships.csv"),
        (TableKind::Affinity, "affinity.csv"),
    ] {
        let Some(bytes) = files.get(name) else {
            continue;
        };
        let (rows, kept) = office_table(&mut rng, kind, &parse_csv(bytes));
        match kind {
            TableKind::Experts => expected.kept.experts = kept,
            TableKind::Applications => expected.kept.applications = kept,
            _ => {}
        }
        let mut all = titles(&mut rng);
        all.extend(rows);
        out.push((kind, all));
    }
    (out, expected)
}

fn workbook(tables: &[(TableKind, Rows)], seed: u64) -> Vec<u8> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed);
    let sheets: Vec<Table> = tables
        .iter()
        .map(|(kind, rows)| {
            let v = office::vocab(*kind);
            let names: Vec<&str> = std::iter::once(v.name)
                .chain(v.zh.iter().copied())
                .collect();
            Table {
                name: names[rng.random_range(0..names.len())].to_string(),
                header: rows[0].clone(),
                rows: rows[1..]
                    .iter()
                    .map(|r| r.iter().map(|c| XCell::from(c.as_str())).collect())
                    .collect(),
            }
        })
        .collect();
    tables_xlsx_bytes(Path::new("round.xlsx"), &sheets).unwrap()
}

fn csv_text(rows: &Rows) -> String {
    let mut w = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::new());
    for r in rows {
        w.write_record(r).unwrap();
    }
    String::from_utf8(w.into_inner().unwrap()).unwrap()
}

fn gbk_directory(tables: &[(TableKind, Rows)]) -> CsvInput {
    let mut input = CsvInput::default();
    for (kind, rows) in tables {
        let name = match kind {
            TableKind::Policy => "policy.csv".to_string(),
            other => format!("{}.csv", office::vocab(*other).name),
        };
        let text = csv_text(rows);
        let (bytes, _, unmappable) = encoding_rs::GB18030.encode(&text);
        assert!(!unmappable);
        input.set(&name, bytes.into_owned());
    }
    input
}

fn random_round(seed: u64, apps: usize, experts: usize) -> Instance {
    let mut cfg = panels::generate::preset("tiny").unwrap();
    cfg.applications = apps;
    cfg.experts = experts;
    cfg.seed = seed;
    panels::generate::generate(&cfg)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn office_shaped_rounds_load_to_the_same_instance(
        seed in any::<u64>(),
        shape in any::<u64>(),
        apps in 2usize..8,
        experts in 10usize..30,
    ) {
        let inst = random_round(seed, apps, experts);
        let (tables, expected) = office_round(&inst, shape);
        let bytes = workbook(&tables, shape);
        let from_workbook = panels::io::xlsx::load_xlsx_from_bytes(Path::new("round.xlsx"), &bytes);
        prop_assert_eq!(from_workbook.as_ref().map_err(|e| e.to_string()), Ok(&expected));
        let input = gbk_directory(&tables);
        let from_csv = load_csv_from_bytes(Path::new("round"), &input);
        prop_assert_eq!(from_csv.as_ref().map_err(|e| e.to_string()), Ok(&expected));
        // What was read writes back and reads again the same (kept
        // columns included), in every form.
        let again = panels::io::xlsx::instance_xlsx_bytes_in(
            &expected, Path::new("r.xlsx"), office::Lang::Zh).unwrap();
        let back = panels::io::xlsx::load_xlsx_from_bytes(Path::new("r.xlsx"), &again);
        prop_assert_eq!(back.as_ref().map_err(|e| e.to_string()), Ok(&expected));
        let bundle = panels::io::bundle_to_bytes(&expected).unwrap();
        let back = panels::io::load_bundle_from_bytes(Path::new("b.json"), &bundle);
        prop_assert_eq!(back.as_ref().map_err(|e| e.to_string()), Ok(&expected));
        let files = csv_to_bytes(&expected).unwrap();
        let back = load_csv_from_bytes(Path::new("d"), &files);
        prop_assert_eq!(back.as_ref().map_err(|e| e.to_string()), Ok(&expected));
    }
}

//! The applicants' side export (`panels export --anonymous`), as in
//! out-of-town anonymous online review (异地专家匿名网上评审): per
//! application a panel code, the panel's size and how many reviewers come
//! from another city, and nothing that names or locates a reviewer (no
//! ids, names, institutions or reviewer cities).
//!
//! A panel code is `P-` followed by 8 hex digits of SHA-256 over the input
//! hash, the seed and the application id: stable for a round, different
//! between rounds, and saying nothing about who sits on the panel.

use std::path::Path;

use sha2::{Digest, Sha256};

use crate::io::assignment::Assignment;
use crate::io::office::Lang;
use crate::io::panels::PanelsFile;
use crate::io::xlsx::{Table, XCell};
use crate::io::WriteError;
use crate::model::Instance;

/// Columns of the anonymous export, in order: (English, Chinese).
pub(crate) const ANONYMOUS_COLUMNS: &[(&str, &str)] = &[
    ("application", "项目编号"),
    ("title", "项目名称"),
    ("city", "项目城市"),
    ("panel_code", "评审组代码"),
    ("panel_size", "评审专家数"),
    ("reviewers_from_other_cities", "外地专家数"),
    ("required_from_other_cities", "应有外地专家数"),
];

/// The anonymous export's sheet: (English, Chinese).
const ANONYMOUS_SHEET: (&str, &str) = ("applicants", "申报方");

/// An (English, Chinese) word in `lang`.
fn said(words: (&'static str, &'static str), lang: Lang) -> &'static str {
    match lang {
        Lang::En => words.0,
        Lang::Zh => words.1,
    }
}

/// The panel code of an application (see the module docs).
pub(crate) fn panel_code(input_sha256: &str, seed: u64, application: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"panels anonymous panel code\0");
    h.update(input_sha256.as_bytes());
    h.update([0u8]);
    h.update(seed.to_le_bytes());
    h.update(application.as_bytes());
    let d = h.finalize();
    format!("P-{:02X}{:02X}-{:02X}{:02X}", d[0], d[1], d[2], d[3])
}

/// The anonymous table: one row per panel record whose application is
/// known, in file order. Unknown expert ids count as neither home nor
/// outside (run `verify` first; the CLI refuses files that fail it).
/// The sheet's name and the headers are in `lang` (as the other office
/// outputs: `panels export --lang`, by default the round's language).
pub fn anonymous_table(
    inst: &Instance,
    panels: &PanelsFile,
    input_sha256: &str,
    lang: Lang,
) -> Table {
    let seed = panels.seed.unwrap_or(inst.policy.seed);
    let mut rows = Vec::new();
    let assignment = Assignment::resolve(inst, panels);
    for (r, p) in assignment.records.iter().zip(&panels.panels) {
        let Some(a) = r.app else {
            continue;
        };
        let app = &inst.applications[a.ix()];
        let seen = &r.distinct;
        let outside = seen
            .iter()
            .filter(|e| inst.experts[e.ix()].city != app.city)
            .count();
        rows.push(vec![
            XCell::from(app.id.as_str()),
            XCell::from(app.title.clone().unwrap_or_default()),
            XCell::from(inst.app_city(a)),
            XCell::from(panel_code(input_sha256, seed, &app.id)),
            XCell::Number(p.experts.len() as f64),
            XCell::Number(outside as f64),
            XCell::Number(f64::from(inst.min_outside(a))),
        ]);
    }
    Table {
        name: said(ANONYMOUS_SHEET, lang).into(),
        header: ANONYMOUS_COLUMNS
            .iter()
            .map(|&w| said(w, lang).to_string())
            .collect(),
        rows,
    }
}

/// The table as CSV bytes (numbers as integers when integral), with a
/// byte order mark and text cells neutralised ([`crate::io::csv_safe`]).
pub fn table_csv_bytes(path: &Path, t: &Table) -> Result<Vec<u8>, WriteError> {
    let mut w = crate::io::csv_safe::writer();
    let bad = |m: String| WriteError::Unrepresentable {
        path: path.to_path_buf(),
        message: m,
    };
    w.write_record(&t.header).map_err(|e| bad(e.to_string()))?;
    for row in &t.rows {
        let cells: Vec<String> = row
            .iter()
            .map(|c| match c {
                XCell::Empty => String::new(),
                XCell::Text(s) => crate::io::csv_safe::neutralise(s).into_owned(),
                XCell::Number(x) | XCell::Date(x, _) if x.fract() == 0.0 && x.abs() < 1e15 => {
                    format!("{}", *x as i64)
                }
                XCell::Number(x) | XCell::Date(x, _) => x.to_string(),
                XCell::Bool(b) => b.to_string(),
            })
            .collect();
        w.write_record(&cells).map_err(|e| bad(e.to_string()))?;
    }
    w.into_inner().map_err(|e| bad(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panel_codes_are_stable_and_differ() {
        let a = panel_code("abc", 1, "A1");
        assert_eq!(a, panel_code("abc", 1, "A1"));
        assert_ne!(a, panel_code("abc", 1, "A2"));
        assert_ne!(a, panel_code("abd", 1, "A1"));
        assert_ne!(a, panel_code("abc", 2, "A1"));
        assert_eq!(a.len(), 11);
        assert!(a.starts_with("P-"));
    }
}

//! Panels as a workbook for program officers, and read back from one.

use std::collections::BTreeMap;
use std::path::Path;

use crate::error::{LoadError, Location, WriteError};
use crate::instances::office::Lang;
use crate::model::{AppIx, ExpertIx, Instance};
use crate::panels::{DeclinedPair, PanelRecord, PanelsFile};
use crate::workbooks::xlsx::{read_xlsx_tables, tables_xlsx_bytes, Table, TextSheets, XCell};

/// Sheet names of a panels workbook other than the per-city sheets.
pub const PANELS_SUMMARY_SHEET: &str = "summary";
/// The per-reviewer sheet of a panels workbook.
pub const PANELS_BY_EXPERT_SHEET: &str = "by expert";
/// The sheet of declined pairs and withdrawn experts (written only when
/// there are any): columns `application`, `expert`, `state`.
pub(crate) const PANELS_DECLINES_SHEET: &str = "declines";
/// The city sheets' column an officer marks when a panel is confirmed
/// (`replace --lock-confirmed` locks those panels).
pub(crate) const CONFIRMED_COLUMN: &str = "confirmed";
/// The city sheets' column marking locked panels.
pub(crate) const LOCKED_COLUMN: &str = "locked";

/// The words of a panels workbook: (English, Chinese). Sheet names,
/// headers and summary keys are written in the chosen language and read
/// back in either.
const WORDS: &[(&str, &str)] = &[
    (PANELS_SUMMARY_SHEET, "汇总"),
    (PANELS_BY_EXPERT_SHEET, "按专家"),
    ("key", "指标"),
    ("value", "值"),
    ("status", "状态"),
    ("objective", "总匹配分"),
    ("bound", "上界"),
    ("solver", "求解方法"),
    ("seed", "随机种子"),
    ("input_sha256", "输入文件SHA-256"),
    ("assignment_sha256", "分组SHA-256"),
    ("draw_log_sha256", "抽取日志SHA-256"),
    ("applications", "项目数"),
    ("panels", "分组数"),
    ("reviews", "评审人次"),
    ("application", "项目编号"),
    ("title", "项目名称"),
    ("institution", "单位"),
    ("panel_size", "评审专家数"),
    ("outside_city", "外地专家数"),
    ("panel_score", "分组匹配分"),
    ("expert", "专家编号"),
    ("name", "姓名"),
    ("city", "城市"),
    ("load", "评审数"),
    ("max_load", "评审上限"),
    ("application_title", "项目名称"),
    ("application_institution", "申报单位"),
    ("application_city", "项目城市"),
    ("programme", "计划类别"),
    ("score", "匹配度"),
    (CONFIRMED_COLUMN, "已确认"),
    (LOCKED_COLUMN, "锁定"),
];

/// A word of the workbook in `lang`.
fn word(key: &'static str, lang: Lang) -> &'static str {
    match lang {
        Lang::En => key,
        Lang::Zh => WORDS
            .iter()
            .find(|(en, _)| *en == key)
            .map_or(key, |(_, zh)| zh),
    }
}

/// True when `cell` is `key` in either language.
fn is_word(cell: &str, key: &str) -> bool {
    let c = cell.trim();
    c == key || WORDS.iter().any(|(en, zh)| *en == key && c == *zh)
}

/// A numbered member column (`expert_3`, `专家3`): its number.
fn member_number(cell: &str, en: &str, zh: &str) -> Option<u32> {
    let c = cell.trim();
    c.strip_prefix(en)
        .or_else(|| c.strip_prefix(zh))?
        .parse()
        .ok()
}

/// A panels file as an `.xlsx` workbook for program officers, with
/// English headers; see [`panels_xlsx_bytes_in`].
///
/// # Errors
/// As [`panels_xlsx_bytes_in`].
pub fn panels_xlsx_bytes(
    path: &Path,
    panels: &PanelsFile,
    inst: &Instance,
) -> Result<Vec<u8>, WriteError> {
    panels_xlsx_bytes_in(path, panels, inst, Lang::En)
}

/// A panels file as an `.xlsx` workbook for program officers, sheet names
/// and headers in `lang`: `summary`/汇总 (status, objective, bound, solver,
/// seed, input hash; numbers as numbers), one sheet per applicants' city
/// in instance order (application, title, institution, the application's
/// kept columns (a contact person, notes), panel size, outside-city
/// members, panel score, then each member's id, name and city), and
/// `by expert`/按专家, what invitation letters need: one row per review,
/// experts in pool order, with the expert's id, name, city, institution,
/// load and cap, the expert's kept columns (e-mail, phone), then the
/// application's id, title, institution and city, its kept columns, and
/// the score.
///
/// # Errors
/// A panel naming an application or expert `inst` does not have; scores
/// not aligned with experts.
pub fn panels_xlsx_bytes_in(
    path: &Path,
    panels: &PanelsFile,
    inst: &Instance,
    lang: Lang,
) -> Result<Vec<u8>, WriteError> {
    let resolved = resolve_members(path, panels, inst)?;
    let mut tables = vec![summary_table(panels, inst, &resolved, lang)];
    tables.extend(city_tables(panels, inst, &resolved, lang));
    tables.push(by_expert_table(inst, &resolved, lang));
    tables.extend(declines_table(panels));
    tables_xlsx_bytes(path, &tables)
}

/// Each panel's application and members (with their scores, if the file
/// has them), by index.
fn resolve_members(
    path: &Path,
    panels: &PanelsFile,
    inst: &Instance,
) -> Result<Vec<(AppIx, Members)>, WriteError> {
    let bad = |m: String| WriteError::unrepresentable(path, m);
    let assignment = crate::panels::assignment::Assignment::resolve(inst, panels);
    let mut resolved: Vec<(AppIx, Members)> = Vec::new();
    for (r, p) in assignment.records.iter().zip(&panels.panels) {
        let a = r
            .app
            .ok_or_else(|| bad(format!("unknown application {:?}", p.application)))?;
        if let Some(s) = &p.scores {
            if s.len() != p.experts.len() {
                return Err(bad(format!(
                    "panel of {}: {} scores for {} experts",
                    p.application,
                    s.len(),
                    p.experts.len()
                )));
            }
        }
        let mut members = Vec::new();
        for (i, (id, e)) in p.experts.iter().zip(&r.experts).enumerate() {
            let e = e.ok_or_else(|| bad(format!("unknown expert {id:?}")))?;
            members.push((e, p.scores.as_ref().map(|s| s[i])));
        }
        resolved.push((a, members));
    }
    Ok(resolved)
}

/// A number cell, or an empty one.
fn opt_num(x: Option<f64>) -> XCell {
    x.map(XCell::Number).unwrap_or(XCell::Empty)
}

/// The summary sheet: the file's claims and counts, numbers as numbers.
fn summary_table(
    panels: &PanelsFile,
    inst: &Instance,
    resolved: &[(AppIx, Members)],
    lang: Lang,
) -> Table {
    let w = |key: &'static str| word(key, lang).to_string();
    let num = XCell::Number;
    let reviews: usize = resolved.iter().map(|(_, m)| m.len()).sum();
    // A seed is a number where a number cell holds it exactly.
    let seed = |s: u64| {
        if s < (1 << 53) {
            XCell::Number(s as f64)
        } else {
            XCell::Text(s.to_string())
        }
    };
    let mut table = Table {
        name: w(PANELS_SUMMARY_SHEET),
        header: vec![w("key"), w("value")],
        rows: vec![
            vec![w("status").into(), panels.status.clone().into()],
            vec![w("objective").into(), num(panels.objective)],
            vec![w("bound").into(), opt_num(panels.bound)],
            vec![
                w("solver").into(),
                panels.solver.clone().unwrap_or_default().into(),
            ],
            vec![
                w("seed").into(),
                panels.seed.map(seed).unwrap_or(XCell::Empty),
            ],
            vec![
                w("input_sha256").into(),
                panels.input_sha256.clone().unwrap_or_default().into(),
            ],
            vec![
                w("assignment_sha256").into(),
                panels.assignment_sha256.clone().unwrap_or_default().into(),
            ],
            vec![
                w("applications").into(),
                num(inst.applications.len() as f64),
            ],
            vec![w("panels").into(), num(resolved.len() as f64)],
            vec![w("reviews").into(), num(reviews as f64)],
        ],
    };
    // Only a draw's workbook has this row (older workbooks stay as they were).
    if let Some(h) = &panels.draw_log_sha256 {
        table
            .rows
            .insert(7, vec![w("draw_log_sha256").into(), h.clone().into()]);
    }
    table
}

/// One sheet per applicants' city, cities in instance order: a row per
/// panel with its members, and the confirmed and locked marks.
fn city_tables(
    panels: &PanelsFile,
    inst: &Instance,
    resolved: &[(AppIx, Members)],
    lang: Lang,
) -> Vec<Table> {
    let w = |key: &'static str| word(key, lang).to_string();
    let mut by_city: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
    for (i, (a, _)) in resolved.iter().enumerate() {
        by_city
            .entry(inst.applications[a.ix()].city.0)
            .or_default()
            .push(i);
    }
    let mut tables = Vec::new();
    for (city, idx) in &by_city {
        let width = idx.iter().map(|&i| resolved[i].1.len()).max().unwrap_or(0);
        let mut header: Vec<String> = [
            "application",
            "title",
            "institution",
            "panel_size",
            "outside_city",
            "panel_score",
        ]
        .into_iter()
        .map(w)
        .collect();
        // The applications' kept columns (the office's 联系人, 备注) go
        // after the application's own columns, under the office's headers.
        header.splice(3..3, inst.kept.applications.columns.iter().cloned());
        for m in 1..=width {
            match lang {
                Lang::En => {
                    header.push(format!("expert_{m}"));
                    header.push(format!("name_{m}"));
                    header.push(format!("city_{m}"));
                }
                Lang::Zh => {
                    header.push(format!("专家{m}"));
                    header.push(format!("姓名{m}"));
                    header.push(format!("城市{m}"));
                }
            }
        }
        header.push(w(CONFIRMED_COLUMN));
        header.push(w(LOCKED_COLUMN));
        let rows = idx
            .iter()
            .map(|&i| city_row(panels, inst, &resolved[i], width))
            .collect();
        tables.push(Table {
            name: city_sheet_name(inst.cities.name(*city)),
            header,
            rows,
        });
    }
    tables
}

/// A panel's row on its city's sheet, members padded to `width`.
fn city_row(
    panels: &PanelsFile,
    inst: &Instance,
    (a, members): &(AppIx, Members),
    width: usize,
) -> Vec<XCell> {
    let app = &inst.applications[a.ix()];
    let outside = members
        .iter()
        .filter(|(e, _)| inst.experts[e.ix()].city != app.city)
        .count();
    let total: Option<f64> = members.iter().map(|(_, s)| *s).sum();
    let mut row = vec![
        XCell::from(app.id.as_str()),
        XCell::from(app.title.clone().unwrap_or_default()),
        XCell::from(inst.app_institution(*a)),
    ];
    row.extend(kept_cells(&inst.kept.applications, a.ix()));
    row.extend([
        XCell::Number(inst.panel_size(*a) as f64),
        XCell::Number(outside as f64),
        opt_num(total.map(round6)),
    ]);
    for (e, _) in members {
        let ex = &inst.experts[e.ix()];
        row.push(XCell::from(ex.id.as_str()));
        row.push(XCell::from(ex.name.clone().unwrap_or_default()));
        row.push(XCell::from(inst.expert_city(*e)));
    }
    for _ in members.len()..width {
        row.extend([XCell::Empty, XCell::Empty, XCell::Empty]);
    }
    let mark = |list: &[String]| {
        if list.contains(&app.id) {
            XCell::from("yes")
        } else {
            XCell::Empty
        }
    };
    row.push(mark(&panels.confirmed));
    row.push(mark(&panels.locked));
    row
}

/// The by-expert sheet, what invitation letters need: one row per
/// review, reviewers in pool order, with the expert's kept columns.
fn by_expert_table(inst: &Instance, resolved: &[(AppIx, Members)], lang: Lang) -> Table {
    let w = |key: &'static str| word(key, lang).to_string();
    let mut per_expert: BTreeMap<ExpertIx, Vec<(AppIx, Option<f64>)>> = BTreeMap::new();
    for (a, members) in resolved {
        for (e, s) in members {
            per_expert.entry(*e).or_default().push((*a, *s));
        }
    }
    let kept = &inst.kept.experts;
    let mut rows = Vec::new();
    for (e, list) in &per_expert {
        let ex = &inst.experts[e.ix()];
        for (a, s) in list {
            let app = &inst.applications[a.ix()];
            let mut row = vec![
                XCell::from(ex.id.as_str()),
                XCell::from(ex.name.clone().unwrap_or_default()),
                XCell::from(inst.expert_city(*e)),
                XCell::from(inst.expert_institution(*e)),
                XCell::Number(list.len() as f64),
                XCell::Number(inst.max_load(*e) as f64),
            ];
            row.extend(kept_cells(&inst.kept.experts, e.ix()));
            // When applications carry a programme, its column (word
            // `programme`) goes after the application's city.
            row.extend([
                XCell::from(app.id.as_str()),
                XCell::from(app.title.clone().unwrap_or_default()),
                XCell::from(inst.app_institution(*a)),
                XCell::from(inst.app_city(*a)),
            ]);
            row.extend(kept_cells(&inst.kept.applications, a.ix()));
            row.push(opt_num(*s));
            rows.push(row);
        }
    }
    let mut header: Vec<String> = ["expert", "name", "city", "institution", "load", "max_load"]
        .into_iter()
        .map(w)
        .collect();
    header.extend(kept.columns.iter().cloned());
    header.extend(
        [
            "application",
            "application_title",
            "application_institution",
            "application_city",
        ]
        .into_iter()
        .map(w),
    );
    header.extend(inst.kept.applications.columns.iter().cloned());
    header.push(w("score"));
    Table {
        name: w(PANELS_BY_EXPERT_SHEET),
        header,
        rows,
    }
}

/// Record `i`'s cells in every kept column (blank where it has none).
fn kept_cells(kept: &crate::model::KeptColumns, i: usize) -> impl Iterator<Item = XCell> + '_ {
    kept.columns
        .iter()
        .map(move |c| XCell::from(kept.get(i, c)))
}

/// The declines sheet, when the file has declined pairs or withdrawn
/// experts.
fn declines_table(panels: &PanelsFile) -> Option<Table> {
    use crate::panels::state_words;
    if panels.declined.is_empty() && panels.withdrawn.is_empty() {
        return None;
    }
    let mut rows: Vec<Vec<XCell>> = panels
        .declined
        .iter()
        .map(|d| {
            vec![
                XCell::from(d.application.as_str()),
                XCell::from(d.expert.as_str()),
                XCell::from(state_words::DECLINED),
            ]
        })
        .collect();
    rows.extend(panels.withdrawn.iter().map(|e| {
        vec![
            XCell::Empty,
            XCell::from(e.as_str()),
            XCell::from(state_words::WITHDRAWN),
        ]
    }));
    Some(Table {
        name: PANELS_DECLINES_SHEET.into(),
        header: vec!["application".into(), "expert".into(), "state".into()],
        rows,
    })
}

/// True for a cell an officer typed to mean yes (`yes`, `true`, `1`, `是`,
/// `✓`, `√`, `y`, `x`, any letter case).
/// Whether a `confirmed`/`locked` cell marks its panel: the ticks and
/// yes-words offices type, or blank and the no-words; anything else is an
/// error (a mark the program does not understand must not read as "no").
fn marked(cell: &str) -> Result<bool, String> {
    let t = crate::names::normalize(cell).to_lowercase();
    match t.as_str() {
        "yes" | "y" | "true" | "1" | "是" | "✓" | "√" | "✔" | "☑" | "x" | "ok" | "确认"
        | "已确认" | "锁定" | "已锁定" => Ok(true),
        "" | "no" | "n" | "false" | "0" | "否" | "未确认" | "未锁定" | "-" | "—" => {
            Ok(false)
        }
        _ => Err(format!(
            "{cell:?} is not a mark this column understands: write 是 (or yes, ✓, x) \
             to mark the panel, or leave the cell empty"
        )),
    }
}

/// Reads panels back from a workbook written by [`panels_xlsx_bytes`] (and
/// perhaps edited): the `summary` sheet gives status, objective, bound,
/// solver, seed and input hash; every other sheet with an `application`
/// column and `expert_1`, `expert_2`, … columns gives panels (members in
/// column order, empty cells skipped), in sheet then row order; scores come
/// from the `by expert` sheet where it lists the pair. A sheet's header is
/// its first row with an `application` cell (a title row above it is
/// skipped). Ids are put in their normal form by the caller
/// ([`crate::panels::read_panels`]), as in the other formats. A
/// `confirmed` or `locked` cell is a tick or yes-word, or blank or a
/// no-word; anything else is an error. The workbook carries no certificate.
///
/// # Errors
/// Not a workbook; no summary sheet or a bad value in it; no panel sheet;
/// an application on two rows. Each names the sheet and row.
pub fn read_panels_xlsx(path: &Path, bytes: &[u8]) -> Result<PanelsFile, LoadError> {
    if crate::workbooks::xlsx::is_old_workbook(bytes) {
        return Err(LoadError::said(
            path,
            crate::workbooks::xlsx::old_workbook(bytes),
        ));
    }
    let sheets = read_xlsx_tables(bytes).map_err(|e| {
        if e.contains(crate::workbooks::xlsx::UNSAVED_FORMULA) {
            // A readable workbook that a program wrote without values.
            LoadError::new(path, e)
        } else {
            LoadError::said(path, crate::Said::NotWorkbook { detail: e })
        }
    })?;
    let summary = read_summary(path, &sheets)?;
    let scores = read_scores(&sheets);
    let read = read_panel_sheets(path, &sheets, &scores)?;
    check_reviewer_sheet(path, &sheets, &read)?;
    let (declined, withdrawn) = read_declines(&sheets);
    if read.panels.is_empty() && sheets.len() <= 2 {
        return Err(LoadError::new(
            path,
            "no panel sheet (a sheet with an application column and expert_1, expert_2, … columns)",
        ));
    }
    Ok(PanelsFile {
        status: summary.status,
        objective: summary.objective.unwrap_or(0.0),
        given: crate::panels::Given {
            objective: summary.objective.is_some(),
        },
        bound: summary.bound,
        panels: read.panels,
        solver: summary.solver,
        seed: summary.seed,
        input_sha256: summary.input_sha256,
        assignment_sha256: summary.assignment_sha256,
        draw_log_sha256: summary.draw_log_sha256,
        declined,
        withdrawn,
        confirmed: read.confirmed,
        locked: read.locked,
        certificate: None,
        stats: None,
    })
}

/// Where a row of a sheet is (rows from 0).
fn sheet_at(sheet: &str, row: usize) -> Location {
    Location::sheet(sheet, row as u64 + 1)
}

/// What the summary sheet claims.
struct Summary {
    status: String,
    objective: Option<f64>,
    bound: Option<f64>,
    solver: Option<String>,
    seed: Option<u64>,
    input_sha256: Option<String>,
    assignment_sha256: Option<String>,
    draw_log_sha256: Option<String>,
}

/// Reads the summary sheet (keys in either language).
fn read_summary(path: &Path, sheets: &TextSheets) -> Result<Summary, LoadError> {
    let summary = sheets
        .iter()
        .find(|(n, _)| is_word(n, PANELS_SUMMARY_SHEET))
        .ok_or_else(|| {
            LoadError::new(
                path,
                format!(
                    "no {PANELS_SUMMARY_SHEET:?} sheet: not a panels workbook from `panels solve`"
                ),
            )
        })?;
    let mut value: BTreeMap<&str, (usize, &str)> = BTreeMap::new();
    for (r, row) in summary.1.iter().enumerate().skip(1) {
        if let (Some(k), Some(v)) = (row.first(), row.get(1)) {
            let key = WORDS
                .iter()
                .find(|(en, zh)| k.trim() == *en || k.trim() == *zh)
                .map_or(k.trim(), |(en, _)| en);
            value.insert(key, (r, v.trim()));
        }
    }
    let text = |key: &str| {
        value
            .get(key)
            .map(|&(_, v)| v)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    let number = |key: &str| -> Result<Option<f64>, LoadError> {
        match value.get(key) {
            Some(&(r, v)) if !v.is_empty() => v.parse::<f64>().map(Some).map_err(|_| {
                LoadError::new(path, format!("{key}: {v:?} is not a number"))
                    .at(sheet_at(PANELS_SUMMARY_SHEET, r))
            }),
            _ => Ok(None),
        }
    };
    let seed = match value.get("seed") {
        Some(&(r, v)) if !v.is_empty() => Some(v.parse::<u64>().map_err(|_| {
            LoadError::new(path, format!("seed: {v:?} is not a whole number"))
                .at(sheet_at(PANELS_SUMMARY_SHEET, r))
        })?),
        _ => None,
    };
    Ok(Summary {
        status: text("status").unwrap_or_else(|| "feasible".to_string()),
        objective: number("objective")?,
        bound: number("bound")?,
        solver: text("solver"),
        seed,
        input_sha256: text("input_sha256"),
        assignment_sha256: text("assignment_sha256"),
        draw_log_sha256: text("draw_log_sha256"),
    })
}

/// Scores by (application, expert), from the sheet by expert.
fn read_scores(sheets: &TextSheets) -> BTreeMap<(&str, &str), f64> {
    let mut scores = BTreeMap::new();
    if let Some((_, rows)) = sheets
        .iter()
        .find(|(n, _)| is_word(n, PANELS_BY_EXPERT_SHEET))
    {
        if let Some((h, _)) = header_row(rows) {
            let col = |name: &str| rows[h].iter().position(|c| is_word(c, name));
            // The score is the last column (after the kept ones).
            let score = rows[h].iter().rposition(|c| is_word(c, "score"));
            if let (Some(e), Some(a), Some(sc)) = (col("expert"), col("application"), score) {
                for row in &rows[h + 1..] {
                    if let Ok(x) = cell(row, sc).trim().parse::<f64>() {
                        scores.insert((cell(row, a), cell(row, e)), x);
                    }
                }
            }
        }
    }
    scores
}

/// The panels of the per-city sheets, and the applications marked
/// confirmed and locked.
#[derive(Default)]
struct PanelSheets {
    panels: Vec<PanelRecord>,
    confirmed: Vec<String>,
    locked: Vec<String>,
    /// Where each application's panel is: (sheet, row from 0).
    rows: BTreeMap<String, (String, usize)>,
}

/// Reads every per-city sheet (any sheet but the summary, by-expert and
/// declines sheets that has an application column); an application with
/// two panels, or a confirmed/locked mark not understood, is an error.
fn read_panel_sheets(
    path: &Path,
    sheets: &TextSheets,
    scores: &BTreeMap<(&str, &str), f64>,
) -> Result<PanelSheets, LoadError> {
    let mut out = PanelSheets::default();
    let mut seen: BTreeMap<String, (String, usize)> = BTreeMap::new();
    for (name, rows) in sheets {
        if is_word(name, PANELS_SUMMARY_SHEET)
            || is_word(name, PANELS_BY_EXPERT_SHEET)
            || is_word(name, PANELS_DECLINES_SHEET)
        {
            continue;
        }
        let Some((h, app_col)) = header_row(rows) else {
            continue;
        };
        let header = &rows[h];
        // expert_N columns, by N, after the panel's score (the columns
        // before it are the application's, kept ones included, whatever
        // their headers).
        let members_from = header
            .iter()
            .position(|c| is_word(c, "panel_score"))
            .map_or(0, |i| i + 1);
        let mut expert_cols: Vec<(u32, usize)> = header
            .iter()
            .enumerate()
            .skip(members_from)
            .filter_map(|(i, h)| Some((member_number(h, "expert_", "专家")?, i)))
            .collect();
        expert_cols.sort_unstable();
        // The marks are the last columns (a kept column of the same name
        // comes earlier).
        let column = |names: &[&str]| {
            header.iter().rposition(|c| {
                let c = crate::names::normalize(c).to_lowercase();
                names.contains(&c.as_str())
            })
        };
        let confirmed_col = column(&[CONFIRMED_COLUMN, "确认", "已确认"]);
        let locked_col = column(&[LOCKED_COLUMN, "锁定"]);
        for (r, row) in rows.iter().enumerate().skip(h + 1) {
            let cell = |i: usize| cell(row, i);
            let app = cell(app_col);
            if app.trim().is_empty() {
                continue;
            }
            if let Some((sheet, first)) = seen.get(app) {
                return Err(LoadError::new(
                    path,
                    format!(
                        "application {app} has a second panel; the first is on sheet {sheet} row {}",
                        first + 1
                    ),
                )
                .at(sheet_at(name, r)));
            }
            seen.insert(app.to_string(), (name.clone(), r));
            for (col, list) in [
                (confirmed_col, &mut out.confirmed),
                (locked_col, &mut out.locked),
            ] {
                let Some(c) = col else { continue };
                match marked(cell(c)) {
                    Ok(true) => list.push(app.to_string()),
                    Ok(false) => {}
                    Err(m) => {
                        return Err(LoadError::new(
                            path,
                            format!(
                                "column {} \"{}\": {m}",
                                crate::instances::office::column_letters(c),
                                header[c].trim()
                            ),
                        )
                        .at(sheet_at(name, r)))
                    }
                }
            }
            let experts: Vec<String> = expert_cols
                .iter()
                .map(|&(_, i)| cell(i))
                .filter(|e| !e.trim().is_empty())
                .map(str::to_string)
                .collect();
            let listed: Option<Vec<f64>> = experts
                .iter()
                .map(|e| scores.get(&(app, e.as_str())).copied())
                .collect();
            out.panels.push(PanelRecord {
                application: app.to_string(),
                programme: None,
                experts,
                scores: listed,
            });
        }
    }
    out.rows = seen;
    Ok(out)
}

/// Checks the reviewer sheet (`by expert`/按专家, the one invitations are
/// sent from) against the city sheets: each must list the same reviews,
/// (application, expert) pairs compared by their ids' normal form. A
/// workbook without the sheet, or without its `expert` and `application`
/// columns, is read from the city sheets alone.
///
/// # Errors
/// The first pair one side lists and the other does not, at its sheet
/// and row.
fn check_reviewer_sheet(
    path: &Path,
    sheets: &TextSheets,
    read: &PanelSheets,
) -> Result<(), LoadError> {
    use crate::names::normalize;
    let Some((by_name, rows)) = sheets
        .iter()
        .find(|(n, _)| is_word(n, PANELS_BY_EXPERT_SHEET))
    else {
        return Ok(());
    };
    let Some((h, a_col)) = header_row(rows) else {
        return Ok(());
    };
    let Some(e_col) = rows[h].iter().position(|c| is_word(c, "expert")) else {
        return Ok(());
    };
    let key = |a: &str, e: &str| (normalize(a).into_owned(), normalize(e).into_owned());
    let mut in_city: BTreeMap<(String, String), &str> = BTreeMap::new();
    for p in &read.panels {
        for e in &p.experts {
            in_city.insert(key(&p.application, e), p.application.as_str());
        }
    }
    let city_sheets = "the city sheets";
    let agree = format!(
        "the panels must agree on {city_sheets} and on sheet {by_name}: correct the one that is wrong"
    );
    let mut listed: std::collections::BTreeSet<(String, String)> = Default::default();
    for (r, row) in rows.iter().enumerate().skip(h + 1) {
        let (a, e) = (cell(row, a_col).trim(), cell(row, e_col).trim());
        if a.is_empty() && e.is_empty() {
            continue;
        }
        let k = key(a, e);
        if !in_city.contains_key(&k) {
            let panel = match read.rows.get(k.0.as_str()).or_else(|| read.rows.get(a)) {
                Some((sheet, pr)) => format!(
                    "the panel of {a} on sheet {sheet} row {} does not include {e}",
                    pr + 1
                ),
                None => format!("no city sheet has a panel for {a}"),
            };
            return Err(LoadError::new(
                path,
                format!(
                    "sheet {by_name} lists expert {e} for application {a}, but {panel}; {agree}"
                ),
            )
            .at(sheet_at(by_name, r)));
        }
        listed.insert(k);
    }
    for p in &read.panels {
        for e in &p.experts {
            if !listed.contains(&key(&p.application, e)) {
                let (sheet, r) = read
                    .rows
                    .get(p.application.as_str())
                    .cloned()
                    .unwrap_or_default();
                return Err(LoadError::new(
                    path,
                    format!(
                        "the panel of {} has expert {e}, but sheet {by_name} does not list \
                         that review; {agree}",
                        p.application
                    ),
                )
                .at(sheet_at(&sheet, r)));
            }
        }
    }
    Ok(())
}

/// A panel's members with their scores from the file.
type Members = Vec<(ExpertIx, Option<f64>)>;

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// A city's sheet name: the city's, unless it would take the name of the
/// summary or by-expert sheet (in any letter case), which the reader looks
/// for.
fn city_sheet_name(city: &str) -> String {
    let fixed = [PANELS_SUMMARY_SHEET, PANELS_BY_EXPERT_SHEET];
    let taken = |f: &&str| f.eq_ignore_ascii_case(city.trim()) || is_word(city, f);
    if fixed.iter().any(taken) {
        format!("{city} (city)")
    } else {
        city.to_string()
    }
}

/// A cell as written: ids keep their spaces, as the other formats keep
/// them.
fn cell(row: &[String], i: usize) -> &str {
    row.get(i).map(String::as_str).unwrap_or("")
}

/// The header row of a panel sheet: the first row with an `application`
/// cell (rows above it, such as a title an officer added, are skipped).
fn header_row(rows: &[Vec<String>]) -> Option<(usize, usize)> {
    rows.iter().enumerate().find_map(|(r, row)| {
        row.iter()
            .position(|h| is_word(h, "application"))
            .map(|c| (r, c))
    })
}

/// Declined pairs and withdrawn experts from the `declines` sheet (rows
/// with another state word, or none, are skipped).
fn read_declines(sheets: &[(String, Vec<Vec<String>>)]) -> (Vec<DeclinedPair>, Vec<String>) {
    use crate::panels::state_words;
    let (mut declined, mut withdrawn) = (Vec::new(), Vec::new());
    let Some((_, rows)) = sheets.iter().find(|(n, _)| n == PANELS_DECLINES_SHEET) else {
        return (declined, withdrawn);
    };
    let Some((h, a)) = header_row(rows) else {
        return (declined, withdrawn);
    };
    let col = |name: &str| rows[h].iter().position(|c| c.trim() == name);
    let (Some(e), Some(st)) = (col("expert"), col("state")) else {
        return (declined, withdrawn);
    };
    for row in &rows[h + 1..] {
        let (app, expert) = (cell(row, a), cell(row, e));
        if expert.trim().is_empty() {
            continue;
        }
        match cell(row, st).trim().to_lowercase().as_str() {
            state_words::DECLINED if !app.trim().is_empty() => declined.push(DeclinedPair {
                application: app.to_string(),
                expert: expert.to_string(),
            }),
            state_words::WITHDRAWN => withdrawn.push(expert.to_string()),
            _ => {}
        }
    }
    (declined, withdrawn)
}

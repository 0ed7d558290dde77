//! The blank workbook an office fills (`panels template`): every table's
//! sheet (past reviews, `历史`/`history`, included) with its headers in the chosen language and one example row,
//! data validation on booleans and numbers, and an instructions sheet
//! (what each column means, which are required). Filled in, it loads as
//! it is; the example rows are examples to overwrite or delete.

use std::path::Path;

use rust_xlsxwriter::{
    DataValidation, DataValidationErrorStyle, DataValidationRule, DocProperties, ExcelDateTime,
    Format, Workbook, Worksheet,
};

use super::xlsx::{display_width, instance_tables, sheet_name, Table, XCell};
use crate::error::WriteError;
use crate::instances::office::{self, ColumnKind, Lang, TableKind};

/// The instructions sheet's name.
pub fn instructions_sheet(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "instructions",
        Lang::Zh => "说明",
    }
}

/// The example round behind the example rows: one of each record.
fn example_bundle(lang: Lang) -> String {
    let (email, phone, round) = match lang {
        Lang::En => ("email", "phone", "first round"),
        Lang::Zh => ("邮箱", "电话", "第一批"),
    };
    format!(
        r#"{{
  "policy": {{ "panel_size": 5, "min_outside_share": 0.4, "max_load": 6, "min_load": 0,
              "avoid_same_institution": true, "coauthor_hops": 1, "seed": 2026 }},
  "experts": [
    {{ "id": "E0001", "name": "李伟", "city": "武汉", "institution": "武汉大学",
      "fields": ["F0301", "F0302"], "keywords": ["光学", "激光"], "title": "教授",
      "max_load": 6, "extra": {{ "{email}": "liwei@example.edu.cn", "{phone}": "027-0000-0000" }} }}
  ],
  "applications": [
    {{ "id": "A0001", "title": "集成光子传感器", "city": "长沙", "institution": "中南大学",
      "fields": ["F0301"], "keywords": ["光子学"], "team": ["P0101"] }}
  ],
  "conflicts": [ {{ "expert": "E0001", "with": "P0101", "reason": "师生关系" }} ],
  "coauthorships": [ {{ "a": "E0001", "b": "P0101", "year": 2024 }} ],
  "affinity": [ {{ "application": "A0001", "expert": "E0001", "score": 0.83 }} ],
  "history": [ {{ "year": 2025, "round": "{round}", "application": "A2025-001",
                 "institution": "中南大学", "team": ["P0101"], "expert": "E0001",
                 "outcome": "reviewed", "rating": 4 }} ]
}}"#
    )
}

/// Meaning of the main policy keys: (key, English, Chinese).
const POLICY_HELP: &[(&str, &str, &str)] = &[
    (
        "panel_size",
        "experts per application (default 5)",
        "每个项目的评审专家数（默认 5）",
    ),
    (
        "min_outside_share",
        "least share of a panel from another city, 0–1",
        "外地专家最低比例，0–1",
    ),
    (
        "min_outside",
        "least number from another city",
        "外地专家最少人数",
    ),
    (
        "max_per_city",
        "most panel members from one city",
        "同一城市专家最多人数",
    ),
    (
        "max_per_institution",
        "most panel members from one institution",
        "同一单位专家最多人数",
    ),
    (
        "max_load",
        "most reviews per expert (default 6)",
        "每位专家最多评审数（默认 6）",
    ),
    (
        "min_load",
        "fewest reviews per expert (default 0)",
        "每位专家最少评审数（默认 0）",
    ),
    (
        "avoid_same_institution",
        "an expert never reviews their own institution (是/否)",
        "回避本单位项目（是/否，默认 是）",
    ),
    (
        "coauthor_hops",
        "co-authorship links that make a conflict (0: off)",
        "合作关系回避的层数（0：不回避）",
    ),
    (
        "coauthor_years",
        "only co-authorships of the last N years count",
        "只计近 N 年的合作",
    ),
    ("year", "the round's year", "本轮年度"),
    (
        "default_affinity",
        "score of a pair the affinity sheet does not list",
        "匹配度表未列出的配对分数",
    ),
    (
        "min_affinity",
        "pairs below this score are not eligible",
        "低于此分数的配对不可评审",
    ),
    (
        "seed",
        "seed of every random choice (a whole number)",
        "随机种子（整数）",
    ),
    (
        "history_years",
        "years of past reviews the history rules count (default 3)",
        "历史规则计入的往年年数（默认 3）",
    ),
    (
        "avoid_repeat",
        "an expert does not review again an institution or team they reviewed within history_years: off, institution, team or both",
        "近 history_years 年内评审过的单位或团队不再评审：off、institution、team 或 both",
    ),
    (
        "max_reviews_per_year",
        "most reviews per expert in the round's year, earlier rounds of the year included",
        "每位专家本年度最多评审数（含本年度之前各批）",
    ),
    (
        "max_declines",
        "experts with more declines or no-shows than this are not eligible",
        "拒评或缺席次数超过此值的专家不可评审",
    ),
    (
        "min_rating",
        "experts whose mean rating is below this (1–5) are not eligible",
        "平均评价低于此值（1–5）的专家不可评审",
    ),
];

/// Rows the data validation covers below the header.
const VALIDATED_ROWS: u32 = 5000;

/// The blank template as `.xlsx` bytes (deterministic).
///
/// # Errors
/// Never for the built-in example; a writer failure otherwise.
pub fn template_xlsx_bytes(path: &Path, lang: Lang) -> Result<Vec<u8>, WriteError> {
    let bad = |e: rust_xlsxwriter::XlsxError| WriteError::encode(path, e);
    let example = crate::instances::load_bundle_from_bytes(
        Path::new("template example"),
        example_bundle(lang).as_bytes(),
    )
    .map_err(|e| WriteError::unrepresentable(path, e.to_string()))?;
    let tables = instance_tables(&example, path, lang)?;
    let mut wb = Workbook::new();
    let date = ExcelDateTime::from_ymd(2000, 1, 1).map_err(bad)?;
    wb.set_properties(&DocProperties::new().set_creation_datetime(&date));
    let mut taken = Vec::new();
    let ws = wb.add_worksheet();
    ws.set_name(sheet_name(instructions_sheet(lang), &mut taken))
        .map_err(bad)?;
    write_table(ws, &instructions(lang)).map_err(bad)?;
    for t in &tables {
        let ws = wb.add_worksheet();
        ws.set_name(sheet_name(&t.name, &mut taken)).map_err(bad)?;
        write_table(ws, t).map_err(bad)?;
        if let Some(kind) = office::table_of_sheet(&t.name) {
            validate(ws, kind, &t.header, lang).map_err(bad)?;
        }
    }
    wb.save_to_buffer().map_err(bad)
}

/// Writes a table: a bold header row, the rows, frozen header, widths.
fn write_table(ws: &mut Worksheet, t: &Table) -> Result<(), rust_xlsxwriter::XlsxError> {
    let bold = Format::new().set_bold();
    for (c, h) in t.header.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, h, &bold)?;
    }
    for (r, row) in t.rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            super::xlsx::write_cell(ws, (r as u32 + 1, c as u16), cell)?;
        }
    }
    ws.set_freeze_panes(1, 0)?;
    for (c, h) in t.header.iter().enumerate() {
        let widest = t
            .rows
            .iter()
            .filter_map(|row| match row.get(c) {
                Some(XCell::Text(s)) => Some(display_width(s)),
                _ => None,
            })
            .max()
            .unwrap_or(0)
            .max(display_width(h));
        ws.set_column_width(c as u16, (widest.clamp(8, 60) + 2) as f64)?;
    }
    Ok(())
}

/// Data validation for a table's boolean and number columns.
fn validate(
    ws: &mut Worksheet,
    kind: TableKind,
    header: &[String],
    lang: Lang,
) -> Result<(), rust_xlsxwriter::XlsxError> {
    for (c, h) in header.iter().enumerate() {
        let Some(field) = office::field_of_header(kind, h) else {
            continue;
        };
        let Some(column) = office::vocab(kind)
            .columns
            .iter()
            .find(|x| x.field == field)
        else {
            continue;
        };
        let (yes, no) = match lang {
            Lang::En => ("TRUE", "FALSE"),
            Lang::Zh => ("是", "否"),
        };
        let dv =
            match column.kind {
                ColumnKind::Bool => DataValidation::new().allow_list_strings(&[yes, no])?,
                ColumnKind::Count => DataValidation::new()
                    .allow_whole_number(DataValidationRule::Between(0, 1_000_000)),
                ColumnKind::Positive => DataValidation::new()
                    .allow_whole_number(DataValidationRule::Between(1, 1_000_000)),
                ColumnKind::Year => DataValidation::new()
                    .allow_whole_number(DataValidationRule::Between(1900, 2200)),
                ColumnKind::Number => DataValidation::new()
                    .allow_decimal_number(DataValidationRule::Between(-1000.0, 1000.0)),
                ColumnKind::Text | ColumnKind::List => continue,
            };
        let help = match lang {
            Lang::En => column.en_help,
            Lang::Zh => column.zh_help,
        };
        let dv = dv
            .ignore_blank(true)
            .set_error_style(DataValidationErrorStyle::Stop)
            .set_input_message(help)?;
        ws.add_data_validation(1, c as u16, VALIDATED_ROWS, c as u16, &dv)?;
    }
    Ok(())
}

/// The instructions: one row per column of every sheet, then the policy
/// keys.
fn instructions(lang: Lang) -> Table {
    let zh = lang == Lang::Zh;
    let yes_no = |b: bool| -> XCell {
        XCell::from(match (zh, b) {
            (true, true) => "必填",
            (true, false) => "选填",
            (false, true) => "required",
            (false, false) => "optional",
        })
    };
    let header: Vec<String> = if zh {
        ["工作表", "列名", "含义", "是否必填", "示例", "英文列名"]
    } else {
        [
            "sheet",
            "column",
            "meaning",
            "required",
            "example",
            "other names",
        ]
    }
    .iter()
    .map(|s| s.to_string())
    .collect();
    let mut rows = Vec::new();
    let general = if zh {
        [
            "每张表第一行是表头（上方可有标题行）；示例行请改写或删除。列表用；或、分隔；是/否 列填 是 或 否。",
            "专家表、项目表中其他列（如 电话、邮箱、备注）会保留，并列在评审名单中。",
            "有“匹配度”表时，未列出的配对按参数 default_affinity 计分；不用时请删除该表。",
            "“历史”表是往年评审记录（选填），供参数中的历史规则（avoid_repeat、max_reviews_per_year 等）使用；没有记录时可删除该表。",
        ]
    } else {
        [
            "Row 1 of each sheet is the header (title rows above it are fine); overwrite or delete the example rows. Lists use ; or 、 between items; yes/no columns take TRUE/FALSE (是/否, yes/no, 1/0).",
            "Other columns of the experts and applications sheets (phone, email, notes) are kept and listed on the reviewer sheet.",
            "With an affinity sheet, unlisted pairs score the policy's default_affinity; delete the sheet when scores are not given.",
            "The history sheet lists past reviews (optional), read by the history rules of the policy (avoid_repeat, max_reviews_per_year, …); delete it when there are none.",
        ]
    };
    for g in general {
        rows.push(vec![XCell::from("*"), XCell::Empty, XCell::from(g)]);
    }
    for t in office::TABLES {
        let kind = t.kind;
        let sheet = office::sheet_name(kind, lang);
        if kind == TableKind::Policy {
            for &(key, en, zh_help) in POLICY_HELP {
                rows.push(vec![
                    XCell::from(sheet),
                    XCell::from(key),
                    XCell::from(if zh { zh_help } else { en }),
                    yes_no(false),
                ]);
            }
            continue;
        }
        let known = kind.known();
        let required = kind.required();
        for c in t.columns.iter().filter(|c| known.contains(&c.field)) {
            let name = office::header_name(kind, c.field, lang);
            let other = if zh {
                c.field.to_string()
            } else {
                c.zh.join("/")
            };
            rows.push(vec![
                XCell::from(sheet),
                XCell::from(name),
                XCell::from(if zh { c.zh_help } else { c.en_help }),
                yes_no(required.contains(&c.field)),
                XCell::from(c.example),
                XCell::from(other),
            ]);
        }
    }
    Table {
        name: instructions_sheet(lang).into(),
        header,
        rows,
    }
}

//! Office tables (SPEC.md "Office tables"): the names offices give tables
//! and columns (English and Chinese), the header row found below title
//! rows, columns kept with their records, near-typos of known columns,
//! text encodings, and the policy as key/value rows.
//!
//! One vocabulary ([`TABLES`]) serves the readers (CSV directory and
//! workbook), the writers (headers in the instance's language) and the
//! blank template (instructions and data validation).

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use serde_json::Value;

use crate::error::{Errs, LoadError, Location};
use crate::instances::records::{
    self, parse_policy, Origin, Raw, Reader, Record, Site, AFFINITY_FIELDS, AFFINITY_REQUIRED,
    APPLICATION_FIELDS, APPLICATION_REQUIRED, COAUTHORSHIP_FIELDS, COAUTHORSHIP_REQUIRED,
    CONFLICT_FIELDS, CONFLICT_REQUIRED, EXPERT_FIELDS, EXPERT_REQUIRED,
};
use crate::names::{normalize, split_list};

/// The language of the headers a workbook or template is written in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Lang {
    /// English field names (SPEC's).
    #[default]
    En,
    /// Chinese sheet and column names (SPEC's table, first alias).
    Zh,
}

/// What a column holds, for the template's data validation and
/// instructions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColumnKind {
    /// Free text or an id.
    Text,
    /// A list (`;`, `；` or `、` between items).
    List,
    /// A whole number ≥ 0.
    Count,
    /// A whole number ≥ 1.
    Positive,
    /// A year.
    Year,
    /// A number (a score).
    Number,
    /// 是/否, true/false.
    Bool,
}

/// One known column: its field name, Chinese names (the first is the one
/// written), what it holds and what it means.
#[derive(Clone, Copy, Debug)]
pub struct Column {
    /// The field name (SPEC's, the bundle's key).
    pub field: &'static str,
    /// Chinese header names; the first is written.
    pub zh: &'static [&'static str],
    /// What the cells hold.
    pub kind: ColumnKind,
    /// Meaning, in English.
    pub en_help: &'static str,
    /// Meaning, in Chinese.
    pub zh_help: &'static str,
    /// An example cell for the template.
    pub example: &'static str,
}

/// The tables of an instance.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum TableKind {
    /// The round's rules (key/value rows).
    Policy,
    /// The pool.
    Experts,
    /// The applications.
    Applications,
    /// Declared conflicts.
    Conflicts,
    /// Co-authorship links.
    Coauthorships,
    /// Given scores.
    Affinity,
    /// Past reviews (SPEC "History").
    History,
    /// A panels file as CSV rows (read back by `verify` and others).
    PanelsCsv,
}

/// One table as offices name it.
#[derive(Clone, Copy, Debug)]
pub struct TableVocab {
    /// Which table.
    pub kind: TableKind,
    /// The English name (sheet name, CSV file stem).
    pub name: &'static str,
    /// Chinese sheet names; the first is written.
    pub zh: &'static [&'static str],
    /// Known columns (more than the model may use yet: a column whose
    /// field the reader does not know is not matched).
    pub columns: &'static [Column],
    /// Meaning of the table, English and Chinese.
    pub help: (&'static str, &'static str),
}

use ColumnKind::*;

const fn col(
    field: &'static str,
    zh: &'static [&'static str],
    kind: ColumnKind,
    en_help: &'static str,
    zh_help: &'static str,
    example: &'static str,
) -> Column {
    Column {
        field,
        zh,
        kind,
        en_help,
        zh_help,
        example,
    }
}

/// The vocabulary of every table, in the order workbooks list them.
pub const TABLES: &[TableVocab] = &[
    TableVocab {
        kind: TableKind::Policy,
        name: "policy",
        zh: &["参数", "规则"],
        columns: &[
            col(
                "key",
                &["参数", "键"],
                Text,
                "policy field name (see the instructions)",
                "参数名（见说明）",
                "panel_size",
            ),
            col("value", &["值"], Text, "its value", "取值", "5"),
        ],
        help: ("the round's rules, one per row", "本轮规则，每行一项"),
    },
    TableVocab {
        kind: TableKind::Experts,
        name: "experts",
        zh: &["专家", "专家库"],
        columns: &[
            col(
                "id",
                &["专家编号", "编号"],
                Text,
                "unique expert id",
                "专家唯一编号",
                "E0001",
            ),
            col("name", &["姓名"], Text, "name", "姓名", "李伟"),
            col(
                "city",
                &["城市", "所在城市"],
                Text,
                "home city",
                "所在城市",
                "武汉",
            ),
            col(
                "institution",
                &["工作单位", "单位", "所在单位"],
                Text,
                "work unit",
                "工作单位",
                "武汉大学",
            ),
            col(
                "fields",
                &["学科代码", "学科", "研究领域"],
                List,
                "discipline codes, separated by ; or 、",
                "学科代码，用；或、分隔",
                "F0301；F0302",
            ),
            col(
                "keywords",
                &["关键词", "关键字"],
                List,
                "keywords, separated by ; or 、",
                "关键词，用；或、分隔",
                "光学；激光",
            ),
            col(
                "title",
                &["职称"],
                Text,
                "title (e.g. 教授)",
                "职称（如 教授）",
                "教授",
            ),
            col(
                "max_load",
                &["评审上限", "最多评审数"],
                Count,
                "most reviews (default: the policy's max_load)",
                "最多评审项目数（空：按参数 max_load）",
                "6",
            ),
            col(
                "min_load",
                &["最少评审数"],
                Count,
                "fewest reviews (default: the policy's min_load)",
                "最少评审项目数（空：按参数 min_load）",
                "0",
            ),
            col(
                "available",
                &["是否可用", "可用"],
                Bool,
                "是/否 (default 是)",
                "是/否（空：是）",
                "是",
            ),
            col(
                "programmes",
                &["可评计划"],
                List,
                "programmes the expert serves (empty: all)",
                "可评审的计划类别（空：全部）",
                "",
            ),
        ],
        help: (
            "the expert pool, one expert per row",
            "专家库，每行一位专家",
        ),
    },
    TableVocab {
        kind: TableKind::Applications,
        name: "applications",
        zh: &["申报项目", "项目"],
        columns: &[
            col(
                "id",
                &["项目编号", "编号"],
                Text,
                "unique application id",
                "项目唯一编号",
                "A0001",
            ),
            col(
                "title",
                &["项目名称", "名称"],
                Text,
                "project title",
                "项目名称",
                "集成光子传感器",
            ),
            col(
                "city",
                &["城市", "所在城市"],
                Text,
                "applicant's city",
                "申报单位所在城市",
                "长沙",
            ),
            col(
                "institution",
                &["申报单位", "依托单位", "单位"],
                Text,
                "applicant's institution",
                "申报单位",
                "中南大学",
            ),
            col(
                "fields",
                &["学科代码", "学科", "研究领域"],
                List,
                "discipline codes, separated by ; or 、",
                "学科代码，用；或、分隔",
                "F0301",
            ),
            col(
                "keywords",
                &["关键词", "关键字"],
                List,
                "keywords, separated by ; or 、",
                "关键词，用；或、分隔",
                "光子学",
            ),
            col(
                "panel_size",
                &["评审专家数", "专家数"],
                Positive,
                "experts on the panel (default: the policy's panel_size)",
                "评审专家人数（空：按参数 panel_size）",
                "",
            ),
            col(
                "team",
                &["团队成员", "团队"],
                List,
                "person ids of the team (may be expert ids)",
                "团队成员编号（可为专家编号）",
                "P0101；E0420",
            ),
            col(
                "avoid",
                &["申请回避专家", "回避专家"],
                List,
                "expert ids the applicants asked to avoid",
                "申请回避的专家编号",
                "",
            ),
            col(
                "programme",
                &["计划类别", "计划", "类别"],
                Text,
                "programme",
                "计划类别",
                "",
            ),
        ],
        help: ("the applications, one per row", "申报项目，每行一项"),
    },
    TableVocab {
        kind: TableKind::Conflicts,
        name: "conflicts",
        zh: &["回避", "利益冲突"],
        columns: &[
            col(
                "expert",
                &["专家编号", "专家"],
                Text,
                "the expert",
                "专家编号",
                "E0001",
            ),
            col(
                "with",
                &["回避对象", "对象"],
                Text,
                "an application id or a person id",
                "项目编号或人员编号",
                "A0001",
            ),
            col("reason", &["原因"], Text, "why", "回避原因", "本人申报"),
        ],
        help: ("declared conflicts of interest", "申报的利益冲突"),
    },
    TableVocab {
        kind: TableKind::Coauthorships,
        name: "coauthorships",
        zh: &["合作", "合著"],
        columns: &[
            col(
                "a",
                &["成员甲"],
                Text,
                "one person id",
                "人员甲编号",
                "E0001",
            ),
            col(
                "b",
                &["成员乙"],
                Text,
                "the other person id",
                "人员乙编号",
                "P0101",
            ),
            col(
                "year",
                &["年份"],
                Year,
                "year of the joint work",
                "合作年份",
                "2024",
            ),
        ],
        help: ("co-authorship links", "合作（合著）关系"),
    },
    TableVocab {
        kind: TableKind::Affinity,
        name: "affinity",
        zh: &["匹配度", "评分"],
        columns: &[
            col(
                "application",
                &["项目编号"],
                Text,
                "application id",
                "项目编号",
                "A0001",
            ),
            col(
                "expert",
                &["专家编号"],
                Text,
                "expert id",
                "专家编号",
                "E0001",
            ),
            col(
                "score",
                &["匹配度", "分数"],
                Number,
                "score of the pair",
                "匹配分数",
                "0.83",
            ),
        ],
        help: (
            "given scores (if present, unlisted pairs score default_affinity)",
            "给定的匹配分数（有此表时，未列出的配对按 default_affinity 计分）",
        ),
    },
    TableVocab {
        kind: TableKind::History,
        name: "history",
        zh: &["历史", "评审记录"],
        columns: &[
            col(
                "year",
                &["年份", "年度"],
                Year,
                "the year of that round",
                "评审年度",
                "2025",
            ),
            col(
                "round",
                &["轮次", "批次"],
                Text,
                "label of the round",
                "轮次",
                "第一批",
            ),
            col(
                "programme",
                &["计划类别", "计划", "类别"],
                Text,
                "programme",
                "计划类别",
                "",
            ),
            col(
                "application",
                &["项目编号"],
                Text,
                "the past application's id",
                "往年项目编号",
                "A2025-001",
            ),
            col(
                "institution",
                &["申报单位", "依托单位", "单位"],
                Text,
                "the past applicant institution",
                "往年申报单位",
                "中南大学",
            ),
            col(
                "team",
                &["团队成员", "团队"],
                List,
                "person ids of the past application",
                "往年团队成员编号",
                "",
            ),
            col(
                "expert",
                &["专家编号", "专家"],
                Text,
                "the reviewer",
                "评审专家编号",
                "E0001",
            ),
            col(
                "outcome",
                &["结果", "评审结果"],
                Text,
                "reviewed, declined, no_show or late",
                "reviewed / declined / no_show / late",
                "reviewed",
            ),
            col(
                "rating",
                &["评价", "评分等级", "评分"],
                Number,
                "the office's rating, 1 to 5",
                "评审质量评价，1–5",
                "4",
            ),
        ],
        help: (
            "past reviews, one per (application, expert)",
            "往年评审记录，每行一条",
        ),
    },
];

/// The columns of a panels CSV file (one row per review).
const PANELS_CSV_VOCAB: TableVocab = TableVocab {
    kind: TableKind::PanelsCsv,
    name: "panels",
    zh: &["评审分组"],
    columns: &[
        col(
            "application",
            &["项目编号"],
            Text,
            "application id",
            "项目编号",
            "A0001",
        ),
        col(
            "expert",
            &["专家编号"],
            Text,
            "expert id",
            "专家编号",
            "E0001",
        ),
        col(
            "score",
            &["匹配度", "分数"],
            Number,
            "score of the pair",
            "匹配分数",
            "0.83",
        ),
        col(
            "expert_city",
            &["专家城市"],
            Text,
            "the expert's city",
            "专家所在城市",
            "武汉",
        ),
        col(
            "application_city",
            &["项目城市"],
            Text,
            "the application's city",
            "项目所在城市",
            "长沙",
        ),
        col(
            "programme",
            &["计划类别"],
            Text,
            "the application's programme",
            "计划类别",
            "人才计划",
        ),
        col(
            "state",
            &["状态"],
            Text,
            "confirmed, locked, declined or withdrawn",
            "confirmed / locked / declined / withdrawn",
            "",
        ),
    ],
    help: ("panels, one review per row", "评审分组，每行一条评审"),
};

/// The vocabulary of a table.
pub fn vocab(kind: TableKind) -> &'static TableVocab {
    if kind == TableKind::PanelsCsv {
        return &PANELS_CSV_VOCAB;
    }
    TABLES.iter().find(|t| t.kind == kind).unwrap_or(&TABLES[0])
}

impl TableKind {
    /// Fields the reader knows (its columns), in output order.
    pub fn known(self) -> &'static [&'static str] {
        match self {
            TableKind::Policy => &["key", "value"],
            TableKind::Experts => EXPERT_FIELDS,
            TableKind::Applications => APPLICATION_FIELDS,
            TableKind::Conflicts => CONFLICT_FIELDS,
            TableKind::Coauthorships => COAUTHORSHIP_FIELDS,
            TableKind::Affinity => AFFINITY_FIELDS,
            TableKind::History => crate::instances::records::HISTORY_FIELDS,
            TableKind::PanelsCsv => crate::panels::PANELS_CSV_COLUMNS,
        }
    }

    /// Required fields.
    pub fn required(self) -> &'static [&'static str] {
        match self {
            TableKind::Policy => &["key", "value"],
            TableKind::Experts => EXPERT_REQUIRED,
            TableKind::Applications => APPLICATION_REQUIRED,
            TableKind::Conflicts => CONFLICT_REQUIRED,
            TableKind::Coauthorships => COAUTHORSHIP_REQUIRED,
            TableKind::Affinity => AFFINITY_REQUIRED,
            TableKind::History => crate::instances::records::HISTORY_REQUIRED,
            TableKind::PanelsCsv => &["application", "expert"],
        }
    }

    /// True when unknown columns are kept with the records (experts and
    /// applications: outputs list them; past reviews: `history append`
    /// writes them back); elsewhere they are ignored.
    pub fn keeps_columns(self) -> bool {
        matches!(
            self,
            TableKind::Experts | TableKind::Applications | TableKind::History
        )
    }

    /// The record, for messages ("expert").
    pub fn record(self) -> &'static str {
        match self {
            TableKind::Policy => "policy field",
            TableKind::Experts => "expert",
            TableKind::Applications => "application",
            TableKind::Conflicts => "conflict",
            TableKind::Coauthorships => "co-authorship",
            TableKind::Affinity => "affinity entry",
            TableKind::History => "past review",
            TableKind::PanelsCsv => "review",
        }
    }
}

/// The header written for `field` of `kind` in `lang`.
pub(crate) fn header_name(kind: TableKind, field: &str, lang: Lang) -> String {
    match lang {
        Lang::En => field.to_string(),
        Lang::Zh => vocab(kind)
            .columns
            .iter()
            .find(|c| c.field == field)
            .and_then(|c| c.zh.first())
            .map_or_else(|| field.to_string(), |z| z.to_string()),
    }
}

/// The sheet name written for a table in `lang`.
pub(crate) fn sheet_name(kind: TableKind, lang: Lang) -> &'static str {
    let v = vocab(kind);
    match lang {
        Lang::En => v.name,
        Lang::Zh => v.zh[0],
    }
}

/// The key a header cell or sheet name is matched by: its normal form in
/// lower case, without spaces, `_` or `-` (`Max Load`, `max_load` and
/// `MAX-LOAD` match).
pub(crate) fn header_key(s: &str) -> String {
    normalize(s)
        .chars()
        .filter(|c| !matches!(c, ' ' | '_' | '-'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// The table a sheet name names (English or Chinese), if any.
pub fn table_of_sheet(name: &str) -> Option<TableKind> {
    let key = header_key(name);
    TABLES.iter().find_map(|t| {
        (header_key(t.name) == key || t.zh.iter().any(|z| header_key(z) == key)).then_some(t.kind)
    })
}

/// The field a header cell names in `kind` (English name or an alias),
/// among the fields the reader knows.
pub(crate) fn field_of_header(kind: TableKind, cell: &str) -> Option<&'static str> {
    field_of_key(kind, &header_key(cell))
}

/// The field whose name or alias has header key `key` ([`header_key`]) in
/// `kind`, among the fields the reader knows: the first such column in
/// the vocabulary's order.
fn field_of_key(kind: TableKind, key: &str) -> Option<&'static str> {
    if key.is_empty() {
        return None;
    }
    column_keys(kind)
        .iter()
        .find(|(k, _)| k == key)
        .map(|&(_, field)| field)
}

/// The header keys of `kind`'s known columns, each with its field, in
/// the vocabulary's order (a column's English name, then its Chinese
/// names): made once per table kind, since every header cell — and, for
/// the repeated-header check, a cell of every data row — is looked up.
fn column_keys(kind: TableKind) -> &'static [(String, &'static str)] {
    use std::sync::OnceLock;
    const KINDS: [TableKind; 8] = [
        TableKind::Policy,
        TableKind::Experts,
        TableKind::Applications,
        TableKind::Conflicts,
        TableKind::Coauthorships,
        TableKind::Affinity,
        TableKind::History,
        TableKind::PanelsCsv,
    ];
    static KEYS: [OnceLock<Vec<(String, &'static str)>>; KINDS.len()] =
        [const { OnceLock::new() }; KINDS.len()];
    let slot = KINDS.iter().position(|&k| k == kind).unwrap_or(0);
    KEYS[slot].get_or_init(|| {
        let known = kind.known();
        vocab(kind)
            .columns
            .iter()
            .filter(|c| known.contains(&c.field))
            .flat_map(|c| {
                std::iter::once(c.field)
                    .chain(c.zh.iter().copied())
                    .map(|name| (header_key(name), c.field))
            })
            .collect()
    })
}

/// A header cell without the marks offices add to a column's name: `*`
/// for a required column (`*专家编号`, `专家编号*`) and a note in brackets
/// at the end (`专家编号（必填）`, `职称\n(正高/副高)`, `评审上限[项]`,
/// `单位【全称】`). The cell is in normal form (NFKC turns `（）` and `＊`
/// into `()` and `*`). `None` when there is nothing to take off or
/// nothing would be left.
pub(crate) fn header_without_marks(cell: &str) -> Option<String> {
    let mut t = cell.trim();
    loop {
        let before = t;
        t = t.trim_matches(|c: char| c == '*' || c == '※' || c.is_whitespace());
        for (open, close) in [
            ('(', ')'),
            ('[', ']'),
            ('【', '】'),
            ('〔', '〕'),
            ('<', '>'),
        ] {
            if let Some(rest) = t.strip_suffix(close) {
                if let Some(at) = rest.rfind(open) {
                    if !rest[..at].trim().is_empty() {
                        t = &rest[..at];
                    }
                }
            }
        }
        if t == before {
            break;
        }
    }
    let t = t.trim();
    (!t.is_empty() && t != cell.trim()).then(|| t.to_string())
}

/// The field a header cell names once its marks are taken off
/// ([`header_without_marks`]), when the cell itself names none.
pub(crate) fn field_of_marked_header(kind: TableKind, cell: &str) -> Option<&'static str> {
    field_of_header(kind, &header_without_marks(&normalize(cell))?)
}

/// The known name `name` is a near-typo of (SPEC: at most two edits, a
/// swap of neighbours counting as one, and fewer edits than half the known
/// name's length), compared by [`header_key`]; a name equal but for
/// letter case or spaces is its own near-typo. `phone`, 电话 and `notes`
/// are no typos of anything the tables know.
pub(crate) fn near_typo<'k>(
    name: &str,
    known: impl IntoIterator<Item = &'k str>,
) -> Option<&'k str> {
    let key = header_key(name);
    let mut best: Option<(usize, &str)> = None;
    for k in known {
        let kk = header_key(k);
        if kk == key {
            // The same name in another letter case or spacing.
            return Some(k);
        }
        let d = strsim::osa_distance(&key, &kk);
        let len = kk.chars().count();
        if d <= 2 && 2 * d < len && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, k));
        }
    }
    best.map(|(_, k)| k)
}

/// Every header name of a table's known columns (English and Chinese).
fn all_names(kind: TableKind) -> Vec<&'static str> {
    let known = kind.known();
    let mut out = Vec::new();
    for c in vocab(kind)
        .columns
        .iter()
        .filter(|c| known.contains(&c.field))
    {
        out.push(c.field);
        out.extend(c.zh.iter().copied());
    }
    out
}

/// "max_load (评审上限)": a field with its Chinese names, for messages.
pub(crate) fn field_with_aliases(kind: TableKind, field: &str) -> String {
    match vocab(kind).columns.iter().find(|c| c.field == field) {
        Some(c) if !c.zh.is_empty() => format!("{field} ({})", c.zh.join("/")),
        _ => field.to_string(),
    }
}

/// Excel's column name: 0 → A, 25 → Z, 26 → AA.
pub(crate) fn column_letters(mut c: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (c % 26) as u8);
        if c < 26 {
            break;
        }
        c = c / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

/// A checked table header: known columns by field, kept (unknown)
/// columns, blank header cells, and every cell as written.
#[derive(Clone, Debug, Default)]
pub(crate) struct Header {
    /// Known columns: field → position.
    pub columns: BTreeMap<String, usize>,
    /// Kept columns: (position, normalised header).
    pub kept: Vec<(usize, String)>,
    /// Positions whose header cell is blank.
    pub unnamed: Vec<usize>,
    /// Header cells as written (trimmed), by position.
    pub labels: Vec<String>,
    /// The header's row (Excel's row number; a CSV file's row).
    pub row: u64,
    /// The rows above the header that were skipped (a title, a date; a
    /// workbook's blank rows are not rows), each with its row number and
    /// its cells as written: a rewrite of the table (`history append`)
    /// puts them back.
    pub above: Vec<(u64, Vec<String>)>,
}

impl Header {
    /// Where a field's column is, for messages: `column H "评审上限"`
    /// (`column H` when the header is the field's own name).
    pub(crate) fn column_of(&self, field: &str) -> Option<crate::error::ColumnAt> {
        let &i = self.columns.get(field)?;
        let label = self.labels.get(i).map_or("", String::as_str);
        Some(crate::error::ColumnAt {
            letter: column_letters(i),
            header: (label != field).then(|| label.to_string()),
        })
    }
}

/// How many required columns a row names (to find the header row).
fn required_named(kind: TableKind, cells: &[String]) -> usize {
    let named: Vec<&str> = cells
        .iter()
        .filter_map(|c| field_of_header(kind, c).or_else(|| field_of_marked_header(kind, c)))
        .collect();
    kind.required().iter().filter(|r| named.contains(r)).count()
}

/// True when a data row repeats its table's header (offices paste blocks
/// together, each with its header): every required column's cell names
/// that column again — as the header cell is written, or by another of
/// the column's names (`专家编号` under `id`, `城市` under `所在城市`).
/// `cell(i)` is the row's cell in column `i` (read in place: asked of
/// every data row).
pub(crate) fn repeats_header<'c>(
    kind: TableKind,
    header: &Header,
    cell: impl Fn(usize) -> Option<&'c str>,
) -> bool {
    let required = kind.required();
    !required.is_empty()
        && required
            .iter()
            .all(|&field| names_column(kind, header, field, &cell))
}

/// True when a data row's cell in `field`'s column names that column
/// ([`repeats_header`]).
fn names_column<'c>(
    kind: TableKind,
    header: &Header,
    field: &str,
    cell: &impl Fn(usize) -> Option<&'c str>,
) -> bool {
    let Some(&i) = header.columns.get(field) else {
        return false;
    };
    let cell = cell(i).map_or("", str::trim);
    if cell.is_empty() {
        return false;
    }
    // The same cell as the header's, or another name of the field, with
    // the cell's marks (`*`, a bracketed note) or without: the checks
    // cheapest for a plain data cell first (this runs on every data row).
    let label = header.labels.get(i).map_or("", String::as_str);
    normalize(cell) == normalize(label)
        || field_of_header(kind, cell) == Some(field)
        || field_of_marked_header(kind, cell) == Some(field)
}

/// Cells of a table's first required column found not to name it
/// ([`repeats_header_known`]), up to [`NOT_HEADER_KEPT`] of them.
#[derive(Debug, Default)]
pub(crate) struct NotHeader(Vec<String>);

/// The most cells a [`NotHeader`] keeps.
const NOT_HEADER_KEPT: usize = 16;

/// [`repeats_header`], answering at once for a row whose first required
/// cell is one already found not to name its column: a column such as a
/// year holds a few values over many rows, and each is then looked up
/// among the column names once, not once a row.
pub(crate) fn repeats_header_known<'c>(
    kind: TableKind,
    header: &Header,
    cell: impl Fn(usize) -> Option<&'c str>,
    known: &mut NotHeader,
) -> bool {
    let Some(&first) = kind.required().first() else {
        return false;
    };
    let text = header
        .columns
        .get(first)
        .and_then(|&i| cell(i))
        .map_or("", str::trim);
    if known.0.iter().any(|k| k == text) {
        return false;
    }
    if !names_column(kind, header, first, &cell) {
        if known.0.len() < NOT_HEADER_KEPT {
            known.0.push(text.to_string());
        }
        return false;
    }
    repeats_header(kind, header, cell)
}

/// The error for a data row that repeats the header ([`repeats_header`]).
pub(crate) fn repeated_header_message(row: u64, header_row: u64) -> crate::error::Said {
    crate::error::Said::RepeatedHeader { row, header_row }
}

/// True when every cell of a row is empty or white space (Excel writes
/// a blank row of a CSV file as a line of commas): the row is skipped,
/// in a CSV file as in a workbook.
pub(crate) fn blank_row<S: AsRef<str>>(cells: impl IntoIterator<Item = S>) -> bool {
    cells.into_iter().all(|c| c.as_ref().trim().is_empty())
}

/// Rows looked at for the header (title rows above it are skipped).
pub(crate) const HEADER_SEARCH_ROWS: usize = 20;

/// The index of the header among the first rows: the first row naming
/// every required column; if none does, the row naming most of them (its
/// problems are then reported), else the first.
pub(crate) fn header_index(kind: TableKind, rows: &[&[String]]) -> usize {
    let need = kind.required().len();
    let mut best = (0, 0);
    for (i, cells) in rows.iter().enumerate().take(HEADER_SEARCH_ROWS) {
        let n = required_named(kind, cells);
        if n == need {
            return i;
        }
        if n > best.1 {
            best = (i, n);
        }
    }
    best.0
}

/// True when `cells` name every required column of `kind`: this row is
/// the header.
pub(crate) fn is_header(kind: TableKind, cells: &[String]) -> bool {
    required_named(kind, cells) == kind.required().len()
}

/// Where a table is, for messages and notes: `experts.csv` or `sheet 专家`.
pub(crate) struct TableAt<'a> {
    /// The file.
    pub file: &'a Path,
    /// The sheet, for workbooks.
    pub sheet: Option<&'a str>,
    /// The header's row number (Excel's, from 1).
    pub row: u64,
}

impl TableAt<'_> {
    fn loc(&self) -> Location {
        match self.sheet {
            Some(s) => Location::sheet(s, self.row),
            None => Location::row(self.row),
        }
    }

    fn label(&self) -> String {
        match self.sheet {
            Some(s) => format!("{} sheet {s}", self.file.display()),
            None => self.file.display().to_string(),
        }
    }
}

/// Checks a header row for every tabular form: known columns by English
/// name or alias; a column given twice, a near-typo of a known column or a
/// missing required column is an error (a missing one: `None`, no row can
/// be read). Other columns are kept (experts, applications) or ignored,
/// named once in a note. `semicolons`: the file seems to use `;` between
/// cells (said in "missing" messages).
pub(crate) fn check_header(
    at: &TableAt<'_>,
    cells: &[String],
    kind: TableKind,
    semicolons: bool,
    errs: &mut Errs,
) -> Option<Header> {
    let mut header = Header {
        labels: cells.iter().map(|c| c.trim().to_string()).collect(),
        row: at.row,
        ..Header::default()
    };
    let err = |m: String| LoadError::new(at.file, m).at(at.loc());
    let said = |m: crate::error::Said| LoadError::said(at.file, m).at(at.loc());
    let mut unknown: Vec<crate::error::ColumnAt> = Vec::new();
    // Keys of the kept columns so far (a wide sheet has thousands).
    let mut kept_keys: std::collections::HashSet<String> = Default::default();
    // Columns naming a field with marks (`*专家编号`, `职称（正高/副高）`).
    let mut marked: Vec<(usize, &'static str, String)> = Vec::new();
    let mut ok = true;
    for (i, cell) in cells.iter().enumerate() {
        let name = normalize(cell).into_owned();
        let letter = column_letters(i);
        if let Some(m) = crate::instances::records::control_within(
            cell,
            crate::error::Within::Header(letter.clone()),
        ) {
            errs.push(said(m));
            ok = false;
            continue;
        }
        if name.is_empty() {
            header.unnamed.push(i);
            continue;
        }
        if let Some(field) = field_of_header(kind, &name) {
            if header_key(field) != header_key(&name) {
                errs.saw_chinese();
            }
            if let Some(&first) = header.columns.get(field) {
                errs.push(
                    said(crate::error::Said::ColumnsOneField {
                        first: crate::error::ColumnAt {
                            letter: column_letters(first),
                            header: Some(header.labels[first].clone()),
                        },
                        second: crate::error::ColumnAt {
                            letter: letter.clone(),
                            header: Some(name.clone()),
                        },
                        field: field_with_aliases(kind, field),
                    })
                    .in_field(field),
                );
                continue;
            }
            header.columns.insert(field.to_string(), i);
            continue;
        }
        if let Some(field) = field_of_marked_header(kind, &name) {
            // Decided once every column is seen: a column named plainly
            // wins.
            marked.push((i, field, name));
            continue;
        }
        if let Some(near) = near_typo(&name, all_names(kind)) {
            let field = field_of_header(kind, near).unwrap_or(near);
            let said = crate::error::Said::UnknownColumn {
                column: crate::error::ColumnAt {
                    letter: letter.clone(),
                    header: Some(name.clone()),
                },
                near: field_with_aliases(kind, field),
            };
            errs.push(LoadError::said(at.file, said).at(at.loc()).in_field(name));
            continue;
        }
        if !kept_keys.insert(header_key(&name)) {
            errs.push(said(crate::error::Said::ColumnTwice {
                column: crate::error::ColumnAt {
                    letter: letter.clone(),
                    header: Some(name.clone()),
                },
            }));
            continue;
        }
        unknown.push(crate::error::ColumnAt {
            letter: letter.clone(),
            header: Some(name.clone()),
        });
        header.kept.push((i, name));
    }
    let mut read_as: Vec<String> = Vec::new();
    for (i, field, name) in marked {
        let letter = column_letters(i);
        if !header.columns.contains_key(field) {
            if header_key(field) != header_key(&header_without_marks(&name).unwrap_or_default()) {
                errs.saw_chinese();
            }
            header.columns.insert(field.to_string(), i);
            read_as.push(format!("{letter} \"{name}\" as {field}"));
        } else if kept_keys.insert(header_key(&name)) {
            // The field has its own column: this one is the office's.
            unknown.push(crate::error::ColumnAt {
                letter: letter.clone(),
                header: Some(name.clone()),
            });
            header.kept.push((i, name));
        } else {
            errs.push(said(crate::error::Said::ColumnTwice {
                column: crate::error::ColumnAt {
                    letter: letter.clone(),
                    header: Some(name.clone()),
                },
            }));
        }
    }
    header.kept.sort_by_key(|&(i, _)| i);
    if !read_as.is_empty() {
        errs.note(format!(
            "note: {}: column(s) {} (a * mark or a note in brackets is not part of the name)",
            at.label(),
            read_as.join(", ")
        ));
    }
    if !unknown.is_empty() {
        use crate::note::KeptAs;
        const SHOWN: usize = 20;
        let more = unknown.len().saturating_sub(SHOWN);
        unknown.truncate(SHOWN);
        errs.note(crate::note::Noted::UnusedColumns {
            file: at.file.display().to_string(),
            sheet: at.sheet.map(str::to_string),
            columns: unknown,
            more,
            kept: match kind {
                TableKind::Experts => KeptAs::Experts,
                TableKind::Applications => KeptAs::Applications,
                TableKind::History => KeptAs::History,
                _ => KeptAs::Ignored,
            },
        });
        if !kind.keeps_columns() {
            header.kept.clear();
        }
    }
    for &r in kind.required() {
        if !header.columns.contains_key(r) {
            errs.push(
                err(String::new())
                    .saying(crate::error::Said::MissingColumn {
                        column: field_with_aliases(kind, r),
                        row: at.row,
                        semicolons,
                    })
                    .in_field(r),
            );
            ok = false;
        }
    }
    ok.then_some(header)
}

/// The note for title rows skipped above a header.
pub(crate) fn title_rows_note(at: &TableAt<'_>, skipped: &[u64]) -> crate::note::Noted {
    crate::note::Noted::TitleRows {
        file: at.file.display().to_string(),
        sheet: at.sheet.map(str::to_string),
        header: at.row,
        skipped: (
            skipped.first().copied().unwrap_or_default(),
            skipped.last().copied().unwrap_or_default(),
        ),
    }
}

/// A data row's kept cells as (normalised header, trimmed value), blank
/// ones left out.
pub(crate) fn kept_cells(header: &Header, cells: &[String]) -> Vec<(String, String)> {
    header
        .kept
        .iter()
        .filter_map(|(i, name)| {
            let v = cells.get(*i).map_or("", |s| s.trim());
            (!v.is_empty()).then(|| (name.clone(), v.to_string()))
        })
        .collect()
}

// ---------------------------------------------------------------- policy rows

/// A policy given as key/value rows (`policy.csv`, a 参数 sheet): rows
/// collected, then parsed by the one policy parser with each error placed
/// at the row of its key.
#[derive(Default)]
pub(crate) struct PolicyRows {
    obj: serde_json::Map<String, Value>,
    rows: BTreeMap<String, Site>,
    ok: bool,
    started: bool,
}

impl PolicyRows {
    /// Adds one row.
    pub(crate) fn add(&mut self, mut r: Reader<'_>, rec: &dyn Record) {
        if !self.started {
            self.started = true;
            self.ok = true;
        }
        let key = r.required(rec, "key");
        let value = r.text(rec, "value").unwrap_or_default();
        if key.is_empty() {
            self.ok = false;
            return;
        }
        if let Some(first) = self.rows.get(&key) {
            let first = Origin {
                file: r.at.file.clone(),
                site: first.clone(),
                id: None,
            };
            r.error(
                "key",
                crate::error::Said::KeyTwice {
                    key: key.clone(),
                    first: first.location(),
                },
            );
            self.ok = false;
            return;
        }
        self.rows.insert(key.clone(), r.at.site.clone());
        match policy_value(&key, &value) {
            Ok(Some(v)) => {
                self.obj.insert(key, v);
            }
            Ok(None) => {}
            Err(message) => {
                r.error("value", message);
                self.ok = false;
            }
        }
    }

    /// Parses the rows into `raw.policy` (all defaults for no rows),
    /// errors placed at their key's row, else at `whole`.
    pub(crate) fn finish(self, file: &Arc<Path>, whole: Site, raw: &mut Raw, errs: &mut Errs) {
        if self.started && !self.ok {
            return;
        }
        raw.policy_file = Some(file.clone());
        raw.policy_sites = self.rows.clone();
        let mut inner = Errs::default();
        let policy = parse_policy(
            Reader::new(file, whole.clone(), &mut inner),
            &Value::Object(self.obj),
        );
        if let Err(list) = inner.finish(policy.clone()) {
            for e in list.iter() {
                let site = e
                    .field()
                    .and_then(|f| self.rows.get(f))
                    .cloned()
                    .unwrap_or_else(|| whole.clone());
                let at = Origin {
                    file: file.clone(),
                    site,
                    id: None,
                };
                errs.push(at.error(e.field(), e.message()));
            }
        }
        raw.policy = policy;
    }
}

/// A policy cell as the JSON value `policy.json` would hold: booleans for
/// the boolean fields (是/否, yes/no, 1/0, true/false), a list for list
/// fields, JSON objects and lists as written, numbers, else text.
///
/// JSON in a cell is read by the strict reader `policy.json` is read by
/// ([`crate::streams::strict`]): a key given twice in one object (a
/// programme's `panel_size` twice, a programme named twice) is an error,
/// as it is in `policy.json`, never the last one silently.
///
/// # Errors
/// The message for JSON the strict reader refuses (the caller places it
/// at the cell).
fn policy_value(key: &str, text: &str) -> Result<Option<Value>, crate::error::Said> {
    // NFKC, as every cell: full-width digits are digits.
    let norm = normalize(text);
    let t = norm.as_ref();
    if t.is_empty() {
        return Ok(None);
    }
    if records::POLICY_BOOLEANS.contains(&key) {
        if let Ok(Some(b)) = records::boolean(records::Cell::Text(t)) {
            return Ok(Some(Value::Bool(b)));
        }
    }
    if records::POLICY_LISTS.contains(&key) && !t.starts_with('[') {
        return Ok(Some(Value::Array(
            split_list(t).into_iter().map(Value::String).collect(),
        )));
    }
    if t.starts_with('{') || t.starts_with('[') {
        match crate::streams::strict::from_str(t) {
            Ok(v) => return Ok(Some(v)),
            // Valid JSON the strict reader refuses (a repeated key, an
            // overlong list): said so. Text that is no JSON at all stays
            // text, for the field's own message.
            Err(e) if serde_json::from_str::<serde::de::IgnoredAny>(t).is_ok() => {
                return Err(crate::error::Said::CellJson {
                    key: key.to_string(),
                    said: Box::new(crate::streams::strict::said(&e)),
                });
            }
            Err(_) => {}
        }
    }
    if let Ok(v) = t.parse::<i64>() {
        return Ok(Some(Value::from(v)));
    }
    if let Ok(v) = t.parse::<u64>() {
        return Ok(Some(Value::from(v)));
    }
    if let Ok(f) = t.parse::<f64>() {
        if let Some(n) = serde_json::Number::from_f64(f) {
            return Ok(Some(Value::Number(n)));
        }
    }
    if t.eq_ignore_ascii_case("true") {
        return Ok(Some(Value::Bool(true)));
    }
    if t.eq_ignore_ascii_case("false") {
        return Ok(Some(Value::Bool(false)));
    }
    Ok(Some(Value::String(t.to_string())))
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(500))]

        /// Rows checked with the cells known not to name their column give
        /// what the check of each row alone gives, row after row (a
        /// table's header repeated, spelt otherwise, marked, or not).
        #[test]
        fn known_cells_keep_the_repeated_header_check(
            labels in proptest::sample::select(vec![
                ["year", "institution", "expert"],
                ["年份", "单位", "专家"],
                ["年度*", "institution", "expert (id)"],
            ]),
            rows in proptest::collection::vec(
                proptest::collection::vec(0usize..14, 3),
                1..60,
            ),
        ) {
            let cells = [
                "year", "年份", "年度", " YEAR ", "year*", "2023", "2024", "2025", "", " ",
                "institution", "expert", "E1", "年度（必填）",
            ];
            let header = Header {
                columns: ["year", "institution", "expert"]
                    .iter()
                    .enumerate()
                    .map(|(i, f)| (f.to_string(), i))
                    .collect(),
                labels: labels.iter().map(|l| l.to_string()).collect(),
                ..Header::default()
            };
            let mut known = NotHeader::default();
            for row in &rows {
                let cell = |i: usize| row.get(i).map(|&k| cells[k]);
                proptest::prop_assert_eq!(
                    repeats_header_known(TableKind::History, &header, cell, &mut known),
                    repeats_header(TableKind::History, &header, cell),
                    "{:?}",
                    row
                );
            }
        }
    }

    /// The field a header names, by comparing its key with every known
    /// name's key in turn (what the table of keys made once replaces).
    fn field_by_scanning(kind: TableKind, cell: &str) -> Option<&'static str> {
        let key = header_key(cell);
        if key.is_empty() {
            return None;
        }
        let known = kind.known();
        vocab(kind)
            .columns
            .iter()
            .filter(|c| known.contains(&c.field))
            .find(|c| header_key(c.field) == key || c.zh.iter().any(|z| header_key(z) == key))
            .map(|c| c.field)
    }

    #[test]
    fn header_fields_are_found_as_by_scanning_every_name() {
        let kinds = [
            TableKind::Policy,
            TableKind::Experts,
            TableKind::Applications,
            TableKind::Conflicts,
            TableKind::Coauthorships,
            TableKind::Affinity,
            TableKind::History,
            TableKind::PanelsCsv,
        ];
        let mut cells: Vec<String> = Vec::new();
        for kind in kinds {
            for c in vocab(kind).columns {
                for name in std::iter::once(c.field).chain(c.zh.iter().copied()) {
                    cells.push(name.to_string());
                    cells.push(format!(" {} ", name.to_uppercase()));
                    cells.push(name.replace('_', " "));
                    cells.push(format!("{name}x"));
                }
            }
        }
        cells.extend(["", " ", "电话", "E00001", "2023", "-", "_"].map(String::from));
        let mut found = 0;
        for kind in kinds {
            for cell in &cells {
                let want = field_by_scanning(kind, cell);
                assert_eq!(field_of_header(kind, cell), want, "{kind:?} {cell:?}");
                found += usize::from(want.is_some());
            }
        }
        assert!(found > 100, "only {found} header cells name a field");
    }

    #[test]
    fn column_letters_follow_excel() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(27), "AB");
        assert_eq!(column_letters(701), "ZZ");
        assert_eq!(column_letters(702), "AAA");
    }

    #[test]
    fn aliases_name_fields() {
        let e = TableKind::Experts;
        assert_eq!(field_of_header(e, "姓名"), Some("name"));
        assert_eq!(field_of_header(e, " 工作单位 "), Some("institution"));
        assert_eq!(field_of_header(e, "Max Load"), Some("max_load"));
        assert_eq!(field_of_header(e, "MAX_LOAD"), Some("max_load"));
        assert_eq!(field_of_header(e, "电话"), None);
        for marked in [
            "*专家编号",
            "专家编号*",
            "专家编号 (必填)",
            "※专家编号[必填]",
        ] {
            assert_eq!(field_of_marked_header(e, marked), Some("id"), "{marked}");
        }
        assert_eq!(
            field_of_marked_header(e, "职称\n（正高/副高）"),
            Some("title")
        );
        assert_eq!(
            field_of_marked_header(e, "评审上限【项】"),
            Some("max_load")
        );
        assert_eq!(field_of_marked_header(e, "电话(办公)"), None);
        assert_eq!(field_of_marked_header(e, "(必填)"), None);
        assert_eq!(header_without_marks("姓名"), None);
        let a = TableKind::Applications;
        assert_eq!(field_of_header(a, "依托单位"), Some("institution"));
        assert_eq!(field_of_header(a, "项目名称"), Some("title"));
        assert_eq!(table_of_sheet("专家库"), Some(TableKind::Experts));
        assert_eq!(
            table_of_sheet(" Applications "),
            Some(TableKind::Applications)
        );
        assert_eq!(table_of_sheet("规则"), Some(TableKind::Policy));
        assert_eq!(table_of_sheet("说明"), None);
    }

    #[test]
    fn near_typos_are_close_but_not_office_columns() {
        let names = all_names(TableKind::Experts);
        assert_eq!(near_typo("max_laod", names.clone()), Some("max_load"));
        assert_eq!(near_typo("citty", names.clone()), Some("city"));
        for fine in [
            "phone", "电话", "notes", "备注", "邮箱", "email", "e-mail", "remarks",
        ] {
            assert_eq!(near_typo(fine, names.clone()), None, "{fine}");
        }
    }
}

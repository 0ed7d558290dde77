//! Load notes: what a load did or saw that the office should know but
//! that is not an error (spellings taken as one, rows hidden in Excel,
//! columns the program does not use).
//!
//! The CLI prints each note's English on stderr; the console shows every
//! note of a round in the round's language. The kinds offices meet are
//! [`Noted`] values, each worded here once in English and once in
//! Chinese, as [`crate::Said`] words load problems; any other note is its
//! English only ([`Note::Other`]).

use std::fmt;

use crate::error::ColumnAt;
use crate::instances::office::Lang;
use crate::instances::unnamed::UnnamedProgramme;

/// One load note.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Note {
    /// A note of a kind worded in every language.
    Said(Noted),
    /// A note worded in English only (one line starting `note:`).
    Other(String),
}

impl Note {
    /// The note in `lang`: one line, `note: …` in English, `提示：…` in
    /// Chinese (a note of another kind: its English in either).
    pub fn text(&self, lang: Lang) -> String {
        match self {
            Note::Said(n) => n.text(lang),
            Note::Other(s) => s.clone(),
        }
    }

    /// The note's kind, when it is one worded in every language.
    pub fn kind(&self) -> Option<&Noted> {
        match self {
            Note::Said(n) => Some(n),
            Note::Other(_) => None,
        }
    }
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text(Lang::En))
    }
}

impl From<String> for Note {
    fn from(s: String) -> Note {
        Note::Other(s)
    }
}

impl From<&str> for Note {
    fn from(s: &str) -> Note {
        Note::Other(s.to_string())
    }
}

impl From<Noted> for Note {
    fn from(n: Noted) -> Note {
        Note::Said(n)
    }
}

/// A field code with the experts and applications that list it
/// ([`Noted::CaseOnlyFields`]): the first few ids of each, and how many
/// more.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldListed {
    /// The code as written.
    pub code: String,
    /// The first experts who list it.
    pub experts: Vec<String>,
    /// How many more experts list it.
    pub experts_more: usize,
    /// The first applications that list it.
    pub applications: Vec<String>,
    /// How many more applications list it.
    pub applications_more: usize,
}

impl FieldListed {
    /// `"F0301" (listed by experts E1, E2)` in English,
    /// `“F0301”（专家 E1、E2 列出）` in Chinese.
    fn text(&self, lang: Lang) -> String {
        let side = |ids: &[String], more: usize, one: &str, many: &str, zh: &str| {
            if ids.is_empty() {
                return None;
            }
            Some(match lang {
                Lang::En => format!(
                    "{} {}{}",
                    if ids.len() + more == 1 { one } else { many },
                    ids.join(", "),
                    if more > 0 {
                        format!(" and {more} more")
                    } else {
                        String::new()
                    }
                ),
                Lang::Zh => format!(
                    "{zh} {}{}",
                    ids.join("、"),
                    if more > 0 {
                        format!(" 等 {} 个", ids.len() + more)
                    } else {
                        String::new()
                    }
                ),
            })
        };
        let sides: Vec<String> = [
            side(
                &self.experts,
                self.experts_more,
                "expert",
                "experts",
                "专家",
            ),
            side(
                &self.applications,
                self.applications_more,
                "application",
                "applications",
                "申报项目",
            ),
        ]
        .into_iter()
        .flatten()
        .collect();
        match lang {
            Lang::En => format!("{:?} (listed by {})", self.code, sides.join("; ")),
            Lang::Zh => format!("“{}”（{}列出）", self.code, sides.join("；")),
        }
    }
}

/// The pairs of a letter-case note listed in English and in Chinese
/// (each pair already worded in both), with how many more are not shown.
fn case_only(pairs: impl Iterator<Item = (String, String)>, more: usize) -> (String, String) {
    let (en, zh): (Vec<String>, Vec<String>) = pairs.unzip();
    let (more_en, more_zh) = if more > 0 {
        (format!(" and {more} more"), format!("等，另有 {more} 组"))
    } else {
        (String::new(), String::new())
    };
    (
        format!("{}{more_en}", en.join(", ")),
        format!("{}{more_zh}", zh.join("、")),
    )
}

/// A place name compared without spelling differences ([`Noted::SpellingsMerged`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlaceOf {
    /// A city.
    City,
    /// An institution.
    Institution,
}

/// What becomes of a table's columns the program does not use
/// ([`Noted::UnusedColumns`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeptAs {
    /// Kept with each expert: the reviewer sheet of panels workbooks, and
    /// instance outputs.
    Experts,
    /// Kept with each application: the city sheets and the reviewer sheet
    /// of panels workbooks, and instance outputs.
    Applications,
    /// Kept with each past review (history append writes them back).
    History,
    /// Ignored.
    Ignored,
}

/// The load notes offices meet, each worded once per language.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Noted {
    /// A city or institution written more than one way, taken as one.
    SpellingsMerged {
        /// A city or an institution.
        of: PlaceOf,
        /// The spellings as written (the first few).
        spellings: Vec<String>,
        /// The spelling shown.
        shown: String,
    },
    /// An institution of the history spelt otherwise than in the round.
    HistoryInstitution {
        /// As the history writes it.
        written: String,
        /// As the round shows it.
        shown: String,
    },
    /// More institutions of the history spelt otherwise than in the round
    /// than are noted one by one (a history exported with a space after
    /// every institution would otherwise give a note per institution).
    HistoryInstitutionsMore {
        /// The spellings not noted one by one.
        count: usize,
    },
    /// Two cities that differ only by a trailing 市, kept apart.
    CitySuffix {
        /// The name with 市.
        city: String,
        /// The name without.
        other: String,
    },
    /// Person ids that differ only in letter case, kept apart.
    CaseOnlyIds {
        /// The pairs, the first few.
        pairs: Vec<(String, String)>,
        /// How many more pairs.
        more: usize,
    },
    /// Field codes of experts and applications that differ only in
    /// letter case, kept apart.
    CaseOnlyFields {
        /// The pairs, the first few: each code with who lists it.
        pairs: Vec<(FieldListed, FieldListed)>,
        /// How many more pairs.
        more: usize,
    },
    /// Rows of a sheet hidden in Excel and read like the others.
    HiddenRows {
        /// The workbook, as named in messages.
        file: String,
        /// The sheet.
        sheet: String,
        /// The hidden rows (Excel's numbers), in order.
        rows: Vec<u64>,
        /// The note adds what to do (unhide, delete the rows that should
        /// not count).
        advice: bool,
    },
    /// A sheet hidden in Excel, read all the same.
    HiddenSheet {
        /// The workbook, as named in messages.
        file: String,
        /// The sheet.
        sheet: String,
        /// The table it is read as (`experts`), or `None`: read like the
        /// other sheets.
        table: Option<String>,
    },
    /// Columns of a table the program does not use: kept or ignored.
    UnusedColumns {
        /// The file, as named in messages.
        file: String,
        /// The sheet, for workbooks.
        sheet: Option<String>,
        /// The columns (the first twenty).
        columns: Vec<ColumnAt>,
        /// How many more columns.
        more: usize,
        /// What becomes of them.
        kept: KeptAs,
    },
    /// A programme experts list that no application names.
    UnnamedProgramme(UnnamedProgramme),
    /// Rows above a table's header skipped (a title).
    TitleRows {
        /// The file, as named in messages.
        file: String,
        /// The sheet, for workbooks.
        sheet: Option<String>,
        /// The header's row.
        header: u64,
        /// The first and last rows skipped.
        skipped: (u64, u64),
    },
    /// Merged cells read as their value on every row they span.
    MergedCells {
        /// The workbook, as named in messages.
        file: String,
        /// The sheet.
        sheet: String,
        /// The ranges (`B3:B5`), the first few.
        ranges: Vec<String>,
        /// How many more ranges.
        more: usize,
    },
    /// An affinity sheet with no rows: scores computed.
    NoAffinityRows {
        /// The workbook, as named in messages.
        file: String,
    },
    /// A table whose cells are separated by tabs.
    Tabs {
        /// The file, as named in messages.
        file: String,
    },
    /// A list item holding a comma, read as one item.
    CommaInItem {
        /// The file, as named in messages.
        file: String,
        /// The field.
        field: String,
    },
    /// A table not in UTF-8, read in another encoding.
    Encoding {
        /// The file, as named in messages.
        file: String,
        /// The encoding read (`GB18030`, `UTF-16LE`).
        name: String,
    },
}

impl Noted {
    /// The kind's name, for programs reading notes (the console's API):
    /// `spellings_merged`, `history_institution`, `city_suffix`,
    /// `case_only_ids`, `hidden_rows`, `hidden_sheet`, `unused_columns`,
    /// `unnamed_programme`, `title_rows`, `merged_cells`,
    /// `no_affinity_rows`, `tabs`, `comma_in_item`, `encoding`.
    pub fn key(&self) -> &'static str {
        match self {
            Noted::SpellingsMerged { .. } => "spellings_merged",
            Noted::HistoryInstitution { .. } => "history_institution",
            Noted::HistoryInstitutionsMore { .. } => "history_institutions_more",
            Noted::CitySuffix { .. } => "city_suffix",
            Noted::CaseOnlyIds { .. } => "case_only_ids",
            Noted::CaseOnlyFields { .. } => "case_only_fields",
            Noted::HiddenRows { .. } => "hidden_rows",
            Noted::HiddenSheet { .. } => "hidden_sheet",
            Noted::UnusedColumns { .. } => "unused_columns",
            Noted::UnnamedProgramme(_) => "unnamed_programme",
            Noted::TitleRows { .. } => "title_rows",
            Noted::MergedCells { .. } => "merged_cells",
            Noted::NoAffinityRows { .. } => "no_affinity_rows",
            Noted::Tabs { .. } => "tabs",
            Noted::CommaInItem { .. } => "comma_in_item",
            Noted::Encoding { .. } => "encoding",
        }
    }

    /// The note in `lang`.
    pub fn text(&self, lang: Lang) -> String {
        let say = |en: String, zh: String| match lang {
            Lang::En => format!("note: {en}"),
            Lang::Zh => format!("提示：{zh}"),
        };
        let quoted_zh = |names: &[String]| {
            names
                .iter()
                .map(|n| format!("“{n}”"))
                .collect::<Vec<_>>()
                .join("、")
        };
        match self {
            Noted::SpellingsMerged {
                of,
                spellings,
                shown,
            } => {
                let (what, plural, zh) = match of {
                    PlaceOf::City => ("city", "cities", "城市"),
                    PlaceOf::Institution => ("institution", "institutions", "单位"),
                };
                let listed: Vec<String> = spellings.iter().map(|x| format!("{x:?}")).collect();
                say(
                    format!(
                        "the {what} spellings {} are taken as one {what}, shown as {shown:?} \
                         ({plural} are compared without spaces at the ends, zero-width \
                         characters, full-width forms or letter case)",
                        listed.join(", ")
                    ),
                    format!(
                        "{zh}的写法 {} 视为同一{zh}，显示为“{shown}”（比较{zh}名称时不计首尾空格、\
                         零宽字符、全角半角和大小写）",
                        quoted_zh(spellings)
                    ),
                )
            }
            Noted::HistoryInstitution { written, shown } => say(
                format!(
                    "the history's institution {written:?} is taken as {shown:?} \
                     (institutions are compared without spaces at the ends, zero-width \
                     characters, full-width forms or letter case)"
                ),
                format!(
                    "历史记录中的单位“{written}”视为“{shown}”（比较单位名称时不计首尾空格、\
                     零宽字符、全角半角和大小写）"
                ),
            ),
            Noted::HistoryInstitutionsMore { count } => say(
                format!(
                    "{count} more spelling(s) of the history's institutions are taken as the \
                     round's institutions (institutions are compared without spaces at the \
                     ends, zero-width characters, full-width forms or letter case)"
                ),
                format!(
                    "另有 {count} 种历史记录中的单位写法视为本轮的单位（比较单位名称时不计首尾空格、\
                     零宽字符、全角半角和大小写）"
                ),
            ),
            Noted::CitySuffix { city, other } => say(
                format!(
                    "the cities {city:?} and {other:?} differ only by a trailing 市 and are \
                     taken as two cities (an expert of one counts as outside the other); if \
                     they are one city, write it alike everywhere"
                ),
                format!(
                    "城市“{city}”和“{other}”只差一个“市”字，按两个城市处理（其中一个城市的专家\
                     对另一个城市算作外地专家）；如为同一城市，请各处写法一致"
                ),
            ),
            Noted::CaseOnlyIds { pairs, more } => {
                let (en, zh) = case_only(
                    pairs
                        .iter()
                        .map(|(a, b)| (format!("{a:?} and {b:?}"), format!("“{a}”与“{b}”"))),
                    *more,
                );
                say(
                    format!(
                        "the person ids {en} differ only in letter case and are taken as \
                         different people (ids keep their letter case): a conflict, \
                         co-authorship or team that names one does not reach the other; if they \
                         are one person, write the id alike everywhere"
                    ),
                    format!(
                        "人员编号 {zh} 只差字母大小写，按不同的人处理（编号区分大小写）：\
                         写其中一个编号的回避关系、合作关系或项目团队不涉及另一个；如为同一人，\
                         请各处写法一致"
                    ),
                )
            }
            Noted::CaseOnlyFields { pairs, more } => {
                let (en, zh) = case_only(
                    pairs.iter().map(|(a, b)| {
                        (
                            format!("{} and {}", a.text(Lang::En), b.text(Lang::En)),
                            format!("{}与{}", a.text(Lang::Zh), b.text(Lang::Zh)),
                        )
                    }),
                    *more,
                );
                say(
                    format!(
                        "the field codes {en} differ only in letter case and are taken as \
                         different fields (field codes keep their letter case): an expert who \
                         lists one does not match an application that lists the other, in the \
                         computed score and in cover_fields; if they are one field, write the \
                         code alike everywhere"
                    ),
                    format!(
                        "学科代码 {zh} 只差字母大小写，按不同的学科处理（代码区分大小写）：\
                         列出其中一个代码的专家与列出另一个代码的申报项目不匹配（计算匹配度和 \
                         cover_fields 均如此）；如为同一学科，请各处写法一致"
                    ),
                )
            }
            Noted::HiddenRows {
                file,
                sheet,
                rows,
                advice,
            } => {
                let n = rows.len();
                let be = if n == 1 { "is" } else { "are" };
                say(
                    format!(
                        "{file} sheet {sheet}: {} {be} hidden in Excel (by hand or by a filter) \
                         and read like the others{}",
                        rows_text(rows, Lang::En),
                        if *advice {
                            "; unhide them to see everything that is read, and delete the rows \
                             that should not count"
                        } else {
                            ""
                        }
                    ),
                    format!(
                        "{file} 工作表 {sheet}：{}在 Excel 中被隐藏（手动隐藏或被筛选），\
                         仍与其他行一样读入{}",
                        rows_text(rows, Lang::Zh),
                        if *advice {
                            "；请取消隐藏以查看读入的全部内容，并删除不应计入的行"
                        } else {
                            ""
                        }
                    ),
                )
            }
            Noted::HiddenSheet { file, sheet, table } => match table {
                Some(t) => say(
                    format!("{file} sheet {sheet}: hidden in Excel, read as the {t} table"),
                    format!("{file} 工作表 {sheet}：在 Excel 中被隐藏，仍作为 {t} 表读入"),
                ),
                None => say(
                    format!("{file} sheet {sheet}: hidden in Excel, read like the other sheets"),
                    format!("{file} 工作表 {sheet}：在 Excel 中被隐藏，仍与其他工作表一样读入"),
                ),
            },
            Noted::UnusedColumns {
                file,
                sheet,
                columns,
                more,
                kept,
            } => {
                let (at_en, at_zh) = table_at(file, sheet.as_deref());
                let en: Vec<String> = columns
                    .iter()
                    .map(|c| match &c.header {
                        Some(h) => format!("{} \"{h}\"", c.letter),
                        None => c.letter.clone(),
                    })
                    .collect();
                let zh: Vec<String> = columns.iter().map(|c| c.text(Lang::Zh)).collect();
                let (more_en, more_zh) = if *more > 0 {
                    (format!(" and {more} more"), format!("等，另有 {more} 列"))
                } else {
                    (String::new(), String::new())
                };
                let (what_en, what_zh) = match kept {
                    KeptAs::Experts => (
                        "kept with each expert: shown on the reviewer sheet of panels workbooks \
                         and written back by instance outputs",
                        "随每位专家保留：显示在评审工作簿的“按专家”工作表中，导出本轮数据时一并写回",
                    ),
                    KeptAs::Applications => (
                        "kept with each application: shown on the city sheets and the reviewer \
                         sheet of panels workbooks and written back by instance outputs",
                        "随每个项目保留：显示在评审工作簿的各城市工作表和“按专家”工作表中，\
                         导出本轮数据时一并写回",
                    ),
                    KeptAs::History => (
                        "kept with each past review (history append writes them back)",
                        "随每条往年评审记录保留（追加历史记录时一并写回）",
                    ),
                    KeptAs::Ignored => ("ignored", "不读取"),
                };
                say(
                    format!(
                        "{at_en}: column(s) {}{more_en} are not used by the program; {what_en}",
                        en.join(", ")
                    ),
                    format!(
                        "{at_zh}：{}{more_zh}不是本程序使用的列；{what_zh}",
                        zh.join("、")
                    ),
                )
            }
            Noted::UnnamedProgramme(u) => match lang {
                Lang::En => format!("note: {}", u.text(Lang::En)),
                Lang::Zh => format!("提示：{}", u.text(Lang::Zh)),
            },
            Noted::TitleRows {
                file,
                sheet,
                header,
                skipped: (first, last),
            } => {
                let (at_en, at_zh) = table_at(file, sheet.as_deref());
                let (rows_en, rows_zh) = if first == last {
                    (format!("row {first}"), format!("第 {first} 行"))
                } else {
                    (
                        format!("rows {first}–{last}"),
                        format!("第 {first}–{last} 行"),
                    )
                };
                say(
                    format!(
                        "{at_en}: the header is row {header}; {rows_en} above it skipped (a title)"
                    ),
                    format!("{at_zh}：表头在第 {header} 行；其上的{rows_zh}（标题）未读入"),
                )
            }
            Noted::MergedCells {
                file,
                sheet,
                ranges,
                more,
            } => {
                let (more_en, more_zh) = if *more > 0 {
                    (format!(" and {more} more"), format!("等，另有 {more} 处"))
                } else {
                    (String::new(), String::new())
                };
                say(
                    format!(
                        "{file} sheet {sheet}: merged cells {}{more_en} read as their value on \
                         every row they span",
                        ranges.join(", ")
                    ),
                    format!(
                        "{file} 工作表 {sheet}：合并单元格 {}{more_zh} 按其值读入所跨的每一行",
                        ranges.join("、")
                    ),
                )
            }
            Noted::NoAffinityRows { file } => say(
                format!(
                    "{file}: the affinity sheet has no rows; scores are computed from fields \
                     and keywords"
                ),
                format!("{file}：匹配度工作表没有数据行；匹配度按学科代码和关键词计算"),
            ),
            Noted::Tabs { file } => say(
                format!(
                    "{file}: cells are separated by tabs (as Excel's \"Unicode text\" saves \
                     them); read so"
                ),
                format!(
                    "{file}：单元格以制表符分隔（Excel 另存为“Unicode 文本”时即如此），已按此读入"
                ),
            ),
            Noted::CommaInItem { file, field } => say(
                format!(
                    "{file}: field {field}: an item holds a comma and is read as one item (list \
                     items are separated by ; ； or 、: write P0001；P0002, not P0001，P0002)"
                ),
                format!(
                    "{file}：字段 {field}：有一项含逗号，按一项读入（列表各项以 ; ； 或 、 分隔：\
                     应写 P0001；P0002，而不是 P0001，P0002）"
                ),
            ),
            Noted::Encoding { file, name } => say(
                format!("{file}: not UTF-8; read as {name}"),
                format!("{file}：不是 UTF-8 编码，已按 {name} 读入"),
            ),
        }
    }
}

/// Where a table is, in English and in Chinese: `round.xlsx sheet 专家`,
/// `round.xlsx 工作表 专家`, or the file alone.
fn table_at(file: &str, sheet: Option<&str>) -> (String, String) {
    match sheet {
        Some(s) => (format!("{file} sheet {s}"), format!("{file} 工作表 {s}")),
        None => (file.to_string(), file.to_string()),
    }
}

/// Rows as a short list for a note: runs joined (`rows 5, 9–12`, `第 5、9–12
/// 行`), at most ten items, then how many more rows.
pub(crate) fn rows_text(rows: &[u64], lang: Lang) -> String {
    const SHOWN: usize = 10;
    let mut runs: Vec<(u64, u64)> = Vec::new();
    for &r in rows {
        match runs.last_mut() {
            Some((_, last)) if *last + 1 == r => *last = r,
            _ => runs.push((r, r)),
        }
    }
    let parts: Vec<String> = runs
        .iter()
        .take(SHOWN)
        .map(|&(a, b)| {
            if a == b {
                a.to_string()
            } else {
                format!("{a}–{b}")
            }
        })
        .collect();
    let listed: u64 = runs.iter().take(SHOWN).map(|&(a, b)| b - a + 1).sum();
    let more = rows.len() as u64 - listed;
    match lang {
        Lang::En => {
            let mut parts = parts;
            if more > 0 {
                parts.push(format!("and {more} more"));
            }
            let word = if rows.len() == 1 { "row" } else { "rows" };
            format!("{word} {}", parts.join(", "))
        }
        Lang::Zh => {
            let more = if more > 0 {
                format!("等，另有 {more} 行")
            } else {
                String::new()
            };
            format!("第 {} 行{more}", parts.join("、"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_is_one_line_in_both_languages() {
        let notes = [
            Noted::SpellingsMerged {
                of: PlaceOf::City,
                spellings: vec!["长沙 ".into(), "长沙".into()],
                shown: "长沙".into(),
            },
            Noted::HiddenRows {
                file: "r.xlsx".into(),
                sheet: "专家".into(),
                rows: vec![4, 7, 8, 9],
                advice: true,
            },
            Noted::TitleRows {
                file: "r.xlsx".into(),
                sheet: Some("专家".into()),
                header: 3,
                skipped: (1, 2),
            },
            Noted::UnusedColumns {
                file: "r.xlsx".into(),
                sheet: Some("申报项目".into()),
                columns: vec![ColumnAt {
                    letter: "F".into(),
                    header: Some("联系人".into()),
                }],
                more: 0,
                kept: KeptAs::Applications,
            },
        ];
        let listed = |code: &str, experts: &[&str], applications: &[&str]| FieldListed {
            code: code.into(),
            experts: experts.iter().map(|x| x.to_string()).collect(),
            experts_more: 0,
            applications: applications.iter().map(|x| x.to_string()).collect(),
            applications_more: 2,
        };
        let fields = Noted::CaseOnlyFields {
            pairs: vec![(
                listed("F0301", &["E1", "E2"], &[]),
                listed("f0301", &[], &["A1"]),
            )],
            more: 0,
        };
        assert!(fields
            .text(Lang::En)
            .contains(r#""F0301" (listed by experts E1, E2) and "f0301" (listed by applications A1 and 2 more)"#));
        assert!(fields
            .text(Lang::Zh)
            .contains("“F0301”（专家 E1、E2列出）与“f0301”（申报项目 A1 等 3 个列出）"));
        let notes: Vec<Noted> = notes.into_iter().chain([fields]).collect();
        for n in &notes {
            let (en, zh) = (n.text(Lang::En), n.text(Lang::Zh));
            assert!(en.starts_with("note: ") && !en.contains('\n'), "{en}");
            assert!(zh.starts_with("提示：") && !zh.contains('\n'), "{zh}");
            assert_eq!(Note::from(n.clone()).to_string(), en);
        }
        assert!(notes[1].text(Lang::En).contains("rows 4, 7–9 are hidden"));
        assert!(notes[1]
            .text(Lang::Zh)
            .contains("第 4、7–9 行在 Excel 中被隐藏"));
        assert!(notes[2]
            .text(Lang::En)
            .ends_with("the header is row 3; rows 1–2 above it skipped (a title)"));
        assert!(notes[3]
            .text(Lang::Zh)
            .contains("F 列“联系人”不是本程序使用的列"));
        // A note of another kind is its English in either language.
        let other = Note::from("note: something else");
        assert_eq!(other.text(Lang::Zh), "note: something else");
        assert!(other.kind().is_none());
    }
}

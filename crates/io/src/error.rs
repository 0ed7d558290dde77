//! Load and write errors that name the file, the record and the problem.
//!
//! A [`LoadError`] is one problem with one input file, located as precisely
//! as the format allows (see [`Location`] for the bases). A load collects
//! every record-level problem it finds into [`LoadErrors`], so a program
//! officer can fix a spreadsheet in one go; the CLI prints the first 20 and
//! a count, and maps any of them to exit code 2.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::instances::office::Lang;

/// How many errors a load keeps (the rest are only counted).
pub const MAX_KEPT_ERRORS: usize = 1000;

/// How many errors [`LoadErrors`]' `Display` prints before the count.
pub const MAX_SHOWN_ERRORS: usize = 20;

/// Where in a file a problem is.
///
/// Bases: CSV rows are counted as a spreadsheet shows them (the header is
/// row 1, the first data row is row 2; a quoted cell spanning several lines
/// is still one row). Lines and columns are counted from 1 (columns in
/// bytes, as `serde_json` counts them). JSON record indices are the
/// position in the JSON array, counted from 0 (`experts[0]` is the first
/// expert).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    /// A line and column of a text file (JSON syntax errors).
    Line {
        /// Line, from 1.
        line: u64,
        /// Column in bytes, from 1.
        column: u64,
    },
    /// A byte offset (invalid UTF-8), with the line it falls on.
    Byte {
        /// Byte offset from the start of the file, from 0.
        offset: u64,
        /// Line, from 1.
        line: u64,
    },
    /// A CSV row (header = row 1), with the record's id when known.
    Row {
        /// Spreadsheet row number.
        row: u64,
        /// The id of the record on that row, if it has one.
        id: Option<String>,
    },
    /// A JSON record, by path (`experts[3]`, `policy`), with its id when known.
    Record {
        /// JSON path of the record, e.g. `experts[3]`.
        path: String,
        /// The id of the record, if it has one.
        id: Option<String>,
    },
    /// A row of a workbook's sheet (`sheet 专家 row 17`), with the record's
    /// id when known.
    Sheet {
        /// The sheet's name.
        sheet: String,
        /// The row as Excel numbers it, from 1.
        row: u64,
        /// The id of the record on that row, if it has one.
        id: Option<String>,
    },
}

impl Location {
    /// A CSV row without a known id.
    pub fn row(row: u64) -> Location {
        Location::Row { row, id: None }
    }

    /// A row of a workbook's sheet without a known id.
    pub fn sheet(sheet: impl Into<String>, row: u64) -> Location {
        Location::Sheet {
            sheet: sheet.into(),
            row,
            id: None,
        }
    }

    /// The same location with the record's id attached (rows and records).
    pub fn with_id(self, new_id: &str) -> Location {
        let id = Some(new_id.to_string());
        match self {
            Location::Row { row, .. } => Location::Row { row, id },
            Location::Record { path, .. } => Location::Record { path, id },
            Location::Sheet { sheet, row, .. } => Location::Sheet { sheet, row, id },
            other => other,
        }
    }

    /// The spreadsheet row, when the location is a table's row.
    pub fn table_row(&self) -> Option<u64> {
        match self {
            Location::Row { row, .. } | Location::Sheet { row, .. } => Some(*row),
            _ => None,
        }
    }

    /// The location in `lang`: `row 17 (id E0017)` or `第 17 行（编号
    /// E0017）`, `sheet 专家 row 3` or `工作表 专家 第 3 行`. The one
    /// wording of places, for every message that names one.
    pub fn text(&self, lang: Lang) -> String {
        let id = |id: &Option<String>| match (id.as_deref(), lang) {
            (None, _) => String::new(),
            (Some(id), Lang::En) => format!(" (id {id})"),
            (Some(id), Lang::Zh) => format!("（编号 {id}）"),
        };
        match (self, lang) {
            (Location::Line { line, column }, Lang::En) => format!("line {line} column {column}"),
            (Location::Line { line, column }, Lang::Zh) => format!("第 {line} 行第 {column} 列"),
            (Location::Byte { offset, line }, Lang::En) => {
                format!("line {line} (byte offset {offset})")
            }
            (Location::Byte { offset, line }, Lang::Zh) => {
                format!("第 {line} 行（第 {offset} 字节）")
            }
            (Location::Row { row, id: i }, Lang::En) => format!("row {row}{}", id(i)),
            (Location::Row { row, id: i }, Lang::Zh) => format!("第 {row} 行{}", id(i)),
            (Location::Record { path, id: i }, _) => format!("{path}{}", id(i)),
            (Location::Sheet { sheet, row, id: i }, Lang::En) => {
                format!("sheet {sheet} row {row}{}", id(i))
            }
            (Location::Sheet { sheet, row, id: i }, Lang::Zh) => {
                format!("工作表 {sheet} 第 {row} 行{}", id(i))
            }
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text(Lang::En))
    }
}

/// Where a field's column is in a table: its letter, and its header
/// when that is not the field's own name (`column H "评审上限"`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ColumnAt {
    /// The column's letters as Excel shows them (`H`, `AB`).
    pub letter: String,
    /// The header cell, when it is worth showing.
    pub header: Option<String>,
}

impl ColumnAt {
    /// The column in `lang`: `column H "评审上限"` or `H 列“评审上限”`.
    pub fn text(&self, lang: Lang) -> String {
        match (&self.header, lang) {
            (None, Lang::En) => format!("column {}", self.letter),
            (Some(h), Lang::En) => format!("column {} \"{h}\"", self.letter),
            (None, Lang::Zh) => format!("{} 列", self.letter),
            (Some(h), Lang::Zh) => format!("{} 列“{h}”", self.letter),
        }
    }
}

/// One problem with one input file.
///
/// Shown as `experts.csv row 17 (id E0017), field max_load: expected a
/// non-negative integer, got "ten"`, `bundle.json line 12 column 5: ...` or
/// `bundle.json experts[3] (id E0007), field city: missing`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadError {
    file: PathBuf,
    location: Option<Location>,
    /// The field, and where it is in a table (boxed: errors stay small).
    field: Option<Box<FieldAt>>,
    message: String,
    /// What the problem is, when it is one of the common kinds worded in
    /// every language ([`Said`]); `message` is then its English.
    said: Option<Box<Said>>,
}

/// The load problems offices meet, each worded once per language: the
/// English is the message the CLI prints (and the API's `message`), the
/// Chinese what a Chinese console page shows. A problem of another kind
/// has its English message only.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Said {
    /// A table lacks a required column: the column (with its Chinese
    /// names), the header's row, and a hint about the file's separator.
    MissingColumn {
        /// The column as [`crate::office`] names it: `city (城市/所在城市)`.
        column: String,
        /// The header's row.
        row: u64,
        /// The file seems to use `;` between cells.
        semicolons: bool,
    },
    /// An id given twice in one table.
    DuplicateId {
        /// What the id names.
        of: IdOf,
        /// The id.
        id: String,
        /// The file it was first given in, when a table's row or the file
        /// as a whole names the place.
        file: Option<String>,
        /// Where in that file (`row 3`, `experts[2]`).
        first: Option<Location>,
    },
    /// A reference to an id the round does not hold.
    UnknownId {
        /// What the id names.
        of: IdOf,
        /// The id.
        id: String,
    },
    /// A required field is missing.
    Missing,
    /// A bundle lacks one of its required parts.
    MissingPart,
    /// A table of experts or applications holds none.
    NoRecords {
        /// What the table holds.
        of: IdOf,
    },
    /// A history record's year is missing.
    MissingYear,
    /// History rules are on but the policy gives no year.
    NoRoundYear,
    /// A required field holds only spaces.
    Blank,
    /// A value of the wrong kind: what was expected, and what was given
    /// (quoted as a message shows it).
    Expected {
        /// What the field takes.
        want: Want,
        /// The value given.
        got: String,
        /// The value looks like a number with a decimal comma (`0,5`).
        comma: bool,
    },
    /// A non-negative integer above the field's largest value.
    AtMost {
        /// The largest value.
        max: u64,
        /// The value given.
        got: String,
    },
    /// An integer (a year) outside the range the field takes.
    Between {
        /// The smallest value.
        lo: i64,
        /// The largest value.
        hi: u64,
        /// The value given.
        got: String,
    },
    /// A count that must be at least 1 is 0.
    AtLeastOne {
        /// What to do instead, when leaving the field out means something.
        leave: Leave,
    },
    /// A number outside the range its rule takes.
    OutOfRange {
        /// Which range.
        range: Range,
        /// The value given.
        got: String,
    },
    /// A key, field or rule name the program does not know.
    UnknownName {
        /// What kind of name.
        what: Named,
        /// The known name it is probably a typo of.
        near: Option<String>,
        /// Every known name (shown when none is near).
        known: Vec<String>,
    },
    /// A value outside a field's list of choices.
    Choice {
        /// The field's choices.
        of: Choices,
        /// The value given (quoted).
        got: String,
    },
    /// Bytes that are not UTF-8.
    InvalidUtf8,
    /// A workbook lacks a required sheet (`others`: the workbook's other
    /// sheets, quoted, one of which may hold the table).
    MissingSheet {
        /// The table.
        table: SheetOf,
        /// The sheets that name no table.
        others: Vec<String>,
    },
    /// A sheet whose name is near a table's but is none.
    UnknownSheet {
        /// The sheet's name.
        sheet: String,
        /// The table name it is near.
        near: String,
    },
    /// Two sheets name the same table.
    TwoSheets {
        /// The first sheet.
        first: String,
        /// The second sheet.
        second: String,
        /// The table's name.
        table: String,
    },
    /// A header cell near a known column's name but not one.
    UnknownColumn {
        /// The column and its header cell.
        column: ColumnAt,
        /// The known column it is near, with its other names.
        near: String,
    },
    /// A CSV row with another number of cells than its header.
    RowWidth {
        /// The row's cells.
        cells: usize,
        /// The header's cells.
        width: usize,
    },
    /// A table (a CSV file or a sheet) without a header row.
    EmptyTable {
        /// The sheet, in a workbook.
        sheet: Option<String>,
        /// The required columns.
        columns: Vec<String>,
    },
    /// JSON that does not read: what went wrong, and serde_json's own
    /// words for it (without their position: the error's location
    /// gives the line and column).
    Json {
        /// Syntax, an early end, or a value of the wrong shape.
        kind: JsonKind,
        /// serde_json's words (Chinese pages show them translated where
        /// they are serde_json's fixed phrases).
        detail: String,
    },
    /// A problem with one programme's rules in the policy.
    InProgramme {
        /// The programme.
        programme: String,
        /// What is wrong with its rules.
        said: Box<Said>,
    },
    /// A programme of the policy named by blank text.
    BlankProgramme {
        /// The name as written (quoted).
        name: String,
    },
    /// Two keys of the policy's `programmes` that name one programme.
    SameProgramme {
        /// The first key.
        first: String,
        /// The second key.
        second: String,
        /// The programme they both name.
        normal: String,
    },
    /// The JSON of a policy table's cell (a programme's rules) refused.
    CellJson {
        /// The policy key of the row.
        key: String,
        /// What is wrong with the JSON.
        said: Box<Said>,
    },
    /// A key given twice in one JSON object or policy table.
    KeyTwice {
        /// The key.
        key: String,
        /// Where it was first given, in a table.
        first: Option<Location>,
    },
    /// A list longer than [`crate::MAX_LIST_ITEMS`].
    ListTooLong {
        /// The items of a list cell, when counted.
        items: Option<usize>,
        /// The most a list holds.
        max: usize,
    },
    /// The lists of a whole load hold more than [`MAX_TOTAL_LIST_ITEMS`].
    TooManyListItems {
        /// The most a load's lists hold in all.
        max: usize,
    },
    /// Text holding a control character no cell may hold.
    ControlChar {
        /// The character's code point.
        code: u32,
        /// Its position in characters, from 1.
        at: usize,
        /// The text (quoted as a message shows it).
        got: String,
        /// What text it is in.
        within: Within,
    },
    /// A CSV file ends inside a quoted cell.
    UnclosedQuote,
    /// A row that repeats the header row.
    RepeatedHeader {
        /// The row.
        row: u64,
        /// The header's row.
        header_row: u64,
    },
    /// A column whose header is given twice.
    ColumnTwice {
        /// The second column and its header.
        column: ColumnAt,
    },
    /// A value in a column whose header cell is empty.
    UnnamedColumn {
        /// The column's letters.
        letter: String,
        /// The header's row, when the message names it.
        header_row: Option<u64>,
    },
    /// A workbook's sheet that does not read: the reader's own words.
    UnreadableSheet {
        /// The sheet.
        sheet: String,
        /// The workbook reader's words.
        detail: String,
    },
    /// Two columns that name one field.
    ColumnsOneField {
        /// The first column.
        first: ColumnAt,
        /// The second column.
        second: ColumnAt,
        /// The field, with its other names.
        field: String,
    },
    /// A CSV table in an encoding it says (a byte order mark, NUL bytes)
    /// but whose bytes do not decode in it.
    Undecodable {
        /// The encoding (`UTF-16LE`).
        encoding: String,
        /// It said so by a byte order mark (else by its NUL bytes).
        bom: bool,
    },
    /// A table file that is no text a table is read from.
    NotText {
        /// What it is instead.
        is: NotText,
    },
    /// A file that is not a readable `.xlsx` workbook: the reader's own
    /// words.
    NotWorkbook {
        /// The workbook reader's words.
        detail: String,
    },
    /// A workbook in a form that is not read: an `.xls` (or WPS `.et`)
    /// file, or one protected with a password.
    OldWorkbook {
        /// Protected with a password (else an old format).
        protected: bool,
    },
    /// A file that cannot be read.
    Unreadable {
        /// Why.
        why: Unreadable,
    },
    /// A file over [`crate::MAX_FILE_BYTES`].
    TooLarge {
        /// Its size, when it reports one (a regular file).
        size: Option<u64>,
    },
    /// A file whose size changed while it was read.
    FileChanged {
        /// Its size when opened.
        expected: u64,
        /// The bytes read, when counted to the end.
        read: Option<u64>,
    },
    /// A history file with another extension than `.csv`, `.json`, `.xlsx`.
    HistoryExtension,
    /// A JSON history file that holds no list of records.
    NoHistoryList {
        /// The file is an object (without a `history` list).
        object: bool,
    },
    /// A history workbook to append to holds other sheets too.
    HistoryOtherSheets {
        /// The history sheet.
        sheet: String,
        /// The other sheets.
        others: Vec<String>,
    },
    /// An available expert's `min_load` above their `max_load`.
    LoadsCrossed {
        /// The `min_load` that applies.
        min: u32,
        /// The `max_load` that applies.
        max: u32,
        /// The `min_load` is the expert's own (else the policy's).
        min_own: bool,
        /// The `max_load` is the expert's own (else the policy's).
        max_own: bool,
    },
    /// An `avoid` entry that is no expert of the pool.
    AvoidNotExpert {
        /// The entry.
        id: String,
    },
    /// A co-authorship of a person with themselves.
    SelfCoauthor {
        /// The person.
        id: String,
    },
    /// An application id that is also a person's id.
    AppIdIsPerson {
        /// The id.
        id: String,
        /// Whose id it also is.
        person: PersonId,
    },
    /// A conflict's `with` that names neither an application nor a person.
    UnknownWith {
        /// The id.
        id: String,
    },
    /// A city given twice (spellings of one city) in a per-city rule.
    CityTwice {
        /// The city.
        city: String,
    },
    /// A policy rule names a city or programme no application is in.
    NoApplicationIn {
        /// A city or a programme.
        of: NoneIn,
        /// The name.
        name: String,
        /// The cities or programmes the applications are in.
        known: Vec<String>,
    },
    /// An affinity pair given twice.
    DuplicatePair {
        /// The application.
        application: String,
        /// The expert.
        expert: String,
        /// The file it was first given in, when a table's row or the file
        /// names the place.
        file: Option<String>,
        /// Where in that file (boxed: the variant stays as small as the
        /// others).
        first: Option<Box<Location>>,
    },
}

/// What kind of JSON problem ([`Said::Json`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonKind {
    /// Not JSON.
    Syntax,
    /// The text ends before the JSON does.
    Eof,
    /// JSON, but a value of another shape than the file takes.
    Data,
}

/// What text a control character is in ([`Said::ControlChar`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Within {
    /// The field's value.
    Value,
    /// An item of a list (from 0).
    ListItem(usize),
    /// A city key of `min_outside_share_by_city`.
    CityKey,
    /// A programme's name in the policy.
    ProgrammeName,
    /// A header cell (its column's letters).
    Header(String),
}

/// What a table file is instead of text ([`Said::NotText`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotText {
    /// UTF-32 text.
    Utf32,
    /// A zip file (a workbook under a table's name).
    Zip,
}

/// Why a file cannot be read ([`Said::Unreadable`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unreadable {
    /// It does not exist.
    NotFound,
    /// The system refuses.
    PermissionDenied,
    /// A directory where a file was expected.
    Directory,
    /// Another system error, in the system's words.
    Other(String),
}

/// Whose id an application's id also is ([`Said::AppIdIsPerson`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PersonId {
    /// An expert's, with where the expert is given (`experts.csv row 3`)
    /// when known.
    Expert {
        /// The expert's file, when a table's row or the file names the place.
        file: Option<String>,
        /// Where in that file.
        at: Option<Location>,
    },
    /// A team member's or a co-author's.
    Person,
}

/// What a policy rule names that no application is in
/// ([`Said::NoApplicationIn`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoneIn {
    /// A city (`min_outside_share_by_city`).
    City,
    /// A programme (`programmes`).
    Programme,
}

/// What an id in a [`Said`] names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdOf {
    /// An expert.
    Expert,
    /// An application.
    Application,
}

/// What a field takes ([`Said::Expected`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Want {
    /// A non-negative integer.
    Count,
    /// An integer.
    Integer,
    /// A number.
    Number,
    /// A finite number.
    FiniteNumber,
    /// Yes or no, as a table cell writes it.
    YesNo,
    /// JSON `true` or `false`.
    TrueFalse,
    /// Text.
    Text,
    /// A year, as offices write it (`2025`, `2025年`).
    Year,
    /// The policy's `programmes`: an object from programme to rules.
    Programmes,
    /// A programme's rules: an object.
    Rules,
}

/// What leaving a field out means ([`Said::AtLeastOne`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Leave {
    /// Nothing worth saying.
    Nothing,
    /// No cap.
    NoCap,
    /// No limit.
    NoLimit,
    /// Experts may serve every year.
    EveryYear,
}

/// A number's range ([`Said::OutOfRange`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Range {
    /// A share, from 0 to 1.
    Share,
    /// A past review's rating, from 1 to 5.
    Rating,
    /// The policy's `min_rating`, from 1 to 5.
    MinRating,
    /// A probability cap in (0, 1], at least 0.000001.
    Probability,
    /// At least 2 alternates.
    Alternates,
    /// A penalty of at least 0.
    Penalty,
}

/// What kind of name is unknown ([`Said::UnknownName`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Named {
    /// A field of a record (or a policy key).
    Field,
    /// A key of a bundle's top level.
    Key,
    /// A key of a programme's rules.
    Rule(String),
}

/// A field's list of choices ([`Said::Choice`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Choices {
    /// A past review's outcome.
    Outcome,
    /// The policy's `avoid_repeat`.
    AvoidRepeat,
}

/// A workbook's sheet ([`Said::MissingSheet`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SheetOf {
    /// The policy.
    Policy,
    /// The experts.
    Experts,
    /// The applications.
    Applications,
    /// The past reviews of a history workbook.
    History,
}

impl Said {
    /// The problem in `lang`.
    pub fn text(&self, lang: Lang) -> String {
        // Each kind's words, English then Chinese, side by side.
        let say = |en: String, zh: String| match lang {
            Lang::En => en,
            Lang::Zh => zh,
        };
        let of = |o: &IdOf| match (o, lang) {
            (IdOf::Expert, Lang::En) => "expert",
            (IdOf::Application, Lang::En) => "application",
            (IdOf::Expert, Lang::Zh) => "专家",
            (IdOf::Application, Lang::Zh) => "项目",
        };
        match self {
            Said::MissingColumn {
                column,
                row,
                semicolons,
            } => say(
                format!(
                    "missing required column {column}; add it to the header row (row {row}){}",
                    if *semicolons {
                        " (the file seems to use ';' between cells; use commas or tabs)"
                    } else {
                        ""
                    }
                ),
                format!(
                    "缺少必需的列 {}；请在表头行（第 {row} 行）中加上这一列{}",
                    full_width_parens(column),
                    if *semicolons {
                        "（文件似乎用分号“;”分隔单元格，请改用逗号或制表符）"
                    } else {
                        ""
                    }
                ),
            ),
            Said::DuplicateId {
                of: o,
                id,
                file,
                first,
            } => {
                let at = place_text(file, first.as_ref(), lang);
                say(
                    format!("duplicate {} id {id:?}; first given at {at}", of(o)),
                    format!("{}编号 {id:?} 重复；首次出现在 {at}", of(o)),
                )
            }
            Said::UnknownId { of: o, id } => say(
                format!("unknown {} {id:?}", of(o)),
                format!("没有编号为 {id:?} 的{}", of(o)),
            ),
            Said::Missing => say("missing".into(), "缺少此项".into()),
            Said::MissingPart => say(
                "missing; a bundle needs policy, experts and applications".into(),
                "缺少此项；数据包需要 policy、experts 和 applications 三部分".into(),
            ),
            Said::NoRecords { of: IdOf::Expert } => say(
                "the pool is empty: there are no experts".into(),
                "专家库为空：没有任何专家".into(),
            ),
            Said::NoRecords {
                of: IdOf::Application,
            } => say(
                "there are no applications".into(),
                "没有任何申报项目".into(),
            ),
            Said::MissingYear => say(
                "missing (the year of that round)".into(),
                "缺少年份（那一轮评审的年份）".into(),
            ),
            Said::NoRoundYear => say(
                "the history rules (avoid_repeat, max_reviews_per_year, max_consecutive_years, \
                 max_declines, min_rating) need the round's year: add \"year\" (e.g. 2026) to \
                 the policy"
                    .into(),
                "历史规则（avoid_repeat、max_reviews_per_year、max_consecutive_years、\
                 max_declines、min_rating）需要本轮的年份：请在参数中加上 year（如 2026）"
                    .into(),
            ),
            Said::Blank => say("empty (only spaces)".into(), "为空（只有空格）".into()),
            Said::Expected { want, got, comma } => {
                let (en, zh) = match want {
                    Want::Count => ("a non-negative integer", "非负整数"),
                    Want::Integer => ("an integer", "整数"),
                    Want::Number => ("a number", "数字"),
                    Want::FiniteNumber => ("a finite number", "有限的数字"),
                    Want::YesNo => (
                        "是/否 (or true/false, yes/no, 1/0, √/×)",
                        "是/否（或 true/false、yes/no、1/0、√/×）",
                    ),
                    Want::TrueFalse => ("true or false", "true 或 false"),
                    Want::Text => ("text", "文字"),
                    Want::Year => (
                        "a year such as 2025 or 2025年",
                        "年份（如 2025 或 2025年）",
                    ),
                    Want::Programmes => (
                        "an object of programme → rules like {\"科技进步奖\": {\"min_outside_share\": 0.6}}",
                        "从计划到规则的对象，如 {\"科技进步奖\":{\"min_outside_share\":0.6}}",
                    ),
                    Want::Rules => ("an object of rules", "由规则组成的对象"),
                };
                say(
                    format!(
                        "expected {en}, got {got}{}",
                        if *comma {
                            " (a comma is not a decimal mark: write 0.5, not 0,5)"
                        } else {
                            ""
                        }
                    ),
                    format!(
                        "应为{zh}，实际为 {got}{}",
                        if *comma {
                            "（逗号不是小数点：请写 0.5，不要写 0,5）"
                        } else {
                            ""
                        }
                    ),
                )
            }
            Said::AtMost { max, got } => say(
                format!("expected a non-negative integer of at most {max}, got {got}"),
                format!("应为不超过 {max} 的非负整数，实际为 {got}"),
            ),
            Said::Between { lo, hi, got } => say(
                format!("expected an integer between {lo} and {hi}, got {got}"),
                format!("应为 {lo} 到 {hi} 之间的整数，实际为 {got}"),
            ),
            Said::AtLeastOne { leave } => say(
                format!(
                    "must be at least 1, got 0{}",
                    match leave {
                        Leave::Nothing => "",
                        Leave::NoCap => " (leave the field out for no cap)",
                        Leave::NoLimit => " (leave the field out for no limit)",
                        Leave::EveryYear =>
                            " (leave the field out to let experts serve every year)",
                    }
                ),
                format!(
                    "至少应为 1，实际为 0{}",
                    match leave {
                        Leave::Nothing => "",
                        Leave::NoCap => "（不设上限时请不填此项）",
                        Leave::NoLimit => "（不设限制时请不填此项）",
                        Leave::EveryYear => "（若允许专家每年参加评审，请不填此项）",
                    }
                ),
            ),
            Said::OutOfRange { range, got } => match range {
                Range::Share => say(
                    format!("a share must lie between 0 and 1, got {got}"),
                    format!("比例应在 0 到 1 之间，实际为 {got}"),
                ),
                Range::Rating => say(
                    format!("a rating lies between 1 and 5, got {got}"),
                    format!("评分应在 1 到 5 之间，实际为 {got}"),
                ),
                Range::MinRating => say(
                    format!("ratings lie between 1 and 5, got {got}"),
                    format!("评分应在 1 到 5 之间，实际为 {got}"),
                ),
                Range::Probability => say(
                    format!(
                        "a probability cap must lie in (0, 1] and be at least 0.000001, got {got}"
                    ),
                    format!("概率上限应大于 0、不超过 1，且至少为 0.000001，实际为 {got}"),
                ),
                Range::Alternates => say(
                    format!("at least 2 alternates per panel are kept, got {got}"),
                    format!("每个评审组至少保留 2 名候补专家，实际为 {got}"),
                ),
                Range::Penalty => say(
                    format!("a penalty is a cost of at least 0, got {got}"),
                    format!("惩罚分是不小于 0 的代价，实际为 {got}"),
                ),
            },
            Said::UnknownName { what, near, known } => {
                let (en, zh) = match what {
                    Named::Field => ("field".to_string(), "字段".to_string()),
                    Named::Key => ("key".to_string(), "键".to_string()),
                    Named::Rule(k) => (format!("rule {k}"), format!("规则 {k}")),
                };
                match near {
                    Some(n) => say(
                        format!("unknown {en}; did you mean {n}?"),
                        format!("未知的{zh}；是否应为 {n}？"),
                    ),
                    None => say(
                        format!("unknown {en}; expected one of: {}", known.join(", ")),
                        format!("未知的{zh}；应为以下之一：{}", known.join("、")),
                    ),
                }
            }
            Said::Choice { of: c, got } => match c {
                Choices::Outcome => say(
                    format!("unknown outcome {got}; expected reviewed, declined, no_show or late"),
                    format!("未知的评审结果 {got}；应为 reviewed、declined、no_show 或 late"),
                ),
                Choices::AvoidRepeat => say(
                    format!("expected off, institution, team or both, got {got}"),
                    format!("应为 off、institution、team 或 both，实际为 {got}"),
                ),
            },
            Said::InvalidUtf8 => say(
                "invalid UTF-8 (save the file as UTF-8, in Excel: Save As → \"CSV UTF-8\"; \
                 a CSV table may also be GB18030/GBK or UTF-16)"
                    .into(),
                "不是有效的 UTF-8 编码（请将文件另存为 UTF-8，在 Excel 中：另存为 →\
                 “CSV UTF-8”；CSV 表格也可以是 GB18030/GBK 或 UTF-16 编码）"
                    .into(),
            ),
            Said::MissingSheet { table, others } => {
                let among = |en: bool| {
                    if others.is_empty() {
                        String::new()
                    } else if en {
                        format!(
                            "; the workbook's other sheets are {} (rename the one that holds them)",
                            others.join(", ")
                        )
                    } else {
                        format!(
                            "；工作簿中的其他工作表为 {}（请给存放这些数据的工作表改名）",
                            others.join("、")
                        )
                    }
                };
                match table {
                    SheetOf::Policy => say(
                        "missing sheet policy (参数): add a sheet named policy or 参数 with \
                         columns key and value (参数 and 值), one policy field per row (only the \
                         header row means all defaults)"
                            .into(),
                        "缺少工作表“参数”（policy）：请添加名为“参数”或 policy 的工作表，\
                         含“参数”和“值”两列（key 和 value），每行一个参数（只有表头行表示全部取默认值）"
                            .into(),
                    ),
                    SheetOf::Experts => say(
                        format!(
                            "missing sheet experts (专家): the pool of experts is required; name \
                             its sheet 专家, 专家库 or experts{}",
                            among(true)
                        ),
                        format!(
                            "缺少工作表“专家”（experts）：专家库是必需的；请将其工作表命名为\
                             “专家”“专家库”或 experts{}",
                            among(false)
                        ),
                    ),
                    SheetOf::Applications => say(
                        format!(
                            "missing sheet applications (申报项目): the applications are \
                             required; name their sheet 申报项目, 项目 or applications{}",
                            among(true)
                        ),
                        format!(
                            "缺少工作表“申报项目”（applications）：申报项目是必需的；请将其工作表\
                             命名为“申报项目”“项目”或 applications{}",
                            among(false)
                        ),
                    ),
                    SheetOf::History => say(
                        "no history sheet: name the sheet of past reviews history or 历史".into(),
                        "没有历史工作表：请将存放以往评审记录的工作表命名为“历史”或 history".into(),
                    ),
                }
            }
            Said::UnknownSheet { sheet, near } => say(
                format!(
                    "sheet {sheet:?} is not a table name; did you mean {near}? Rename the sheet"
                ),
                format!("工作表 {sheet:?} 不是表格名称；是否应为 {near}？请给工作表改名"),
            ),
            Said::TwoSheets {
                first,
                second,
                table,
            } => say(
                format!(
                    "sheets {first:?} and {second:?} both name the {table} table; rename or \
                     delete one"
                ),
                format!("工作表 {first:?} 和 {second:?} 都是 {table} 表；请改名或删除其中一个"),
            ),
            Said::UnknownColumn { column, near } => say(
                format!(
                    "{} is not a known column; did you mean {near}? Rename the header cell",
                    column.text(Lang::En)
                ),
                format!(
                    "{}不是已知的列；是否应为 {}？请修改表头单元格",
                    column.text(Lang::Zh),
                    full_width_parens(near)
                ),
            ),
            Said::RowWidth { cells, width } if cells < width => say(
                format!("the row has {cells} cells but the header has {width} (a cut-off row?)"),
                format!("这一行只有 {cells} 个单元格，但表头有 {width} 个（这一行是否被截断？）"),
            ),
            Said::RowWidth { cells, width } => say(
                format!(
                    "the row has {cells} cells but the header has only {width} (a comma inside a \
                     cell that is not quoted?)"
                ),
                format!(
                    "这一行有 {cells} 个单元格，但表头只有 {width} 个（是否有单元格内含逗号却没有加引号？）"
                ),
            ),
            Said::EmptyTable { sheet, columns } => {
                let (en, zh) = (columns.join(", "), columns.join("、"));
                match sheet {
                    None => say(
                        format!("the file is empty; it needs a header row ({en})"),
                        format!("文件为空；需要一个表头行（{zh}）"),
                    ),
                    Some(s) => say(
                        format!("sheet {s} is empty; it needs a header row ({en})"),
                        format!("工作表 {s} 为空；需要一个表头行（{zh}）"),
                    ),
                }
            }
            Said::Json { kind, detail } => {
                let zh = serde_zh(detail);
                match kind {
                    JsonKind::Eof => say(
                        format!("the file ends too early (truncated?): {detail}"),
                        format!("文件提前结束（是否被截断？）：{zh}"),
                    ),
                    JsonKind::Syntax => say(
                        format!("invalid JSON: {detail}"),
                        format!("JSON 语法错误：{zh}"),
                    ),
                    JsonKind::Data => say(detail.clone(), format!("JSON 内容不符合格式：{zh}")),
                }
            }
            Said::InProgramme { programme, said } => say(
                format!("programme {programme}: {}", said.text(Lang::En)),
                format!("计划 {programme}：{}", said.text(Lang::Zh)),
            ),
            Said::BlankProgramme { name } => say(
                format!("the programme name {name:?} is blank; name the programme as its applications do"),
                format!("计划名称 {name:?} 为空白；请按申报项目中的写法填写计划名称"),
            ),
            Said::SameProgramme {
                first,
                second,
                normal,
            } => say(
                format!(
                    "the keys {first:?} and {second:?} name the same programme {normal:?} (names \
                     are compared without spaces at the ends, doubled spaces, zero-width \
                     characters or full-width forms); keep one of them"
                ),
                format!(
                    "键 {first:?} 和 {second:?} 指的是同一个计划 {normal:?}（名称比较时不计首尾空格、\
                     重复空格、零宽字符和全角形式）；请只保留其中一个"
                ),
            ),
            Said::CellJson { key, said } => say(
                format!("the {key} JSON in this cell: {}", said.text(Lang::En)),
                format!("此单元格中 {key} 的 JSON：{}", said.text(Lang::Zh)),
            ),
            Said::KeyTwice { key, first: None } => say(
                format!("the key {key:?} is given twice in one object; keep one"),
                format!("键 {key:?} 在同一对象中出现了两次；请只保留一个"),
            ),
            Said::KeyTwice {
                key,
                first: Some(first),
            } => say(
                format!("{key} is given twice; first at {}", first.text(Lang::En)),
                format!("{key} 出现了两次；首次出现在{}", first.text(Lang::Zh)),
            ),
            Said::ListTooLong { items: None, max } => say(
                format!("a list of more than {max} items; split it or check the file"),
                format!("列表超过 {max} 项；请拆分列表或检查文件"),
            ),
            Said::ListTooLong {
                items: Some(n),
                max,
            } => say(
                format!("a list of {n} items; at most {max} are read (split it or check the cell)"),
                format!("列表有 {n} 项，最多读取 {max} 项（请拆分或检查该单元格）"),
            ),
            Said::TooManyListItems { max } => say(
                format!(
                    "the lists of this input hold more than {max} items in all (fields, keywords, \
                     teams, avoid lists); split the round"
                ),
                format!(
                    "本次输入的列表（学科、关键词、团队成员、回避专家）合计超过 {max} 项；请拆分本轮数据"
                ),
            ),
            Said::ControlChar {
                code,
                at,
                got,
                within,
            } => {
                let nul = if *code == 0 { " (NUL)" } else { "" };
                let nul_zh = if *code == 0 { "（NUL）" } else { "" };
                let (en, zh) = match within {
                    Within::Value => (String::new(), String::new()),
                    Within::ListItem(i) => {
                        (format!("item {i} of the list "), format!("列表第 {} 项 ", i + 1))
                    }
                    Within::CityKey => ("the city key ".into(), "城市名 ".into()),
                    Within::ProgrammeName => ("the programme name ".into(), "计划名称 ".into()),
                    Within::Header(letter) => (
                        format!("column {letter} of the header "),
                        format!("表头 {letter} 列 "),
                    ),
                };
                say(
                    format!(
                        "{en}holds the control character U+{code:04X}{nul} at character {at} of \
                         {got}; delete it (control characters do not show in most editors)"
                    ),
                    format!(
                        "{zh}{got} 的第 {at} 个字符是控制字符 U+{code:04X}{nul_zh}；请删除它（多数编辑器不显示控制字符）"
                    ),
                )
            }
            Said::UnclosedQuote => say(
                "a quoted cell (starting with \") never closes: the file is cut off or a quote is \
                 missing"
                    .into(),
                "有一个以引号“\"”开头的单元格没有结束引号：文件被截断，或缺少一个引号".into(),
            ),
            Said::RepeatedHeader { row, header_row } => say(
                format!(
                    "row {row} repeats the header (row {header_row}); delete it (a table pasted \
                     together from blocks keeps one header, at the top)"
                ),
                format!(
                    "第 {row} 行重复了表头（第 {header_row} 行）；请删除这一行（由几段拼成的表格只在最上面保留一个表头）"
                ),
            ),
            Said::ColumnTwice { column } => say(
                format!(
                    "{} appears twice in the header; rename one",
                    column.text(Lang::En)
                ),
                format!("{}在表头中出现了两次；请给其中一列改名", column.text(Lang::Zh)),
            ),
            Said::UnnamedColumn { letter, header_row } => say(
                format!(
                    "column {letter} has a value but no name in the header{}; name the column or \
                     clear its cells",
                    header_row.map_or(String::new(), |r| format!(" (row {r})"))
                ),
                format!(
                    "{letter} 列有内容，但表头{}中没有列名；请为这一列加上列名，或清空其中的单元格",
                    header_row.map_or(String::new(), |r| format!("（第 {r} 行）"))
                ),
            ),
            Said::UnreadableSheet { sheet, detail } => say(
                format!("cannot read sheet {sheet}: {detail}"),
                format!("无法读取工作表 {sheet}（读取程序的说明：{detail}）"),
            ),
            Said::ColumnsOneField {
                first,
                second,
                field,
            } => {
                let both = |c: &ColumnAt| match &c.header {
                    Some(h) => format!("{} \"{h}\"", c.letter),
                    None => c.letter.clone(),
                };
                say(
                    format!(
                        "columns {} and {} both give {field}; keep one",
                        both(first),
                        both(second)
                    ),
                    format!(
                        "{}和 {}都是 {}；请只保留一列",
                        first.text(Lang::Zh),
                        second.text(Lang::Zh),
                        full_width_parens(field)
                    ),
                )
            }
            Said::Undecodable { encoding, bom } => say(
                format!(
                    "the file {} but is not valid {encoding}; save it as UTF-8 (CSV UTF-8 in Excel)",
                    if *bom {
                        format!("starts with a {encoding} byte order mark")
                    } else {
                        format!(
                            "looks like {encoding} without a byte order mark (a NUL byte beside \
                             every ASCII character)"
                        )
                    }
                ),
                format!(
                    "文件{}，但不是有效的 {encoding} 编码；请另存为 UTF-8（Excel 中为“CSV UTF-8”）",
                    if *bom {
                        format!("以 {encoding} 字节顺序标记开头")
                    } else {
                        format!("看起来是没有字节顺序标记的 {encoding}（每个 ASCII 字符旁都有一个 NUL 字节）")
                    }
                ),
            ),
            Said::NotText { is: NotText::Utf32 } => say(
                "a UTF-32 text file, which is not read: save it as UTF-8 (in Excel: CSV UTF-8) or \
                 UTF-16"
                    .into(),
                "这是 UTF-32 编码的文本文件，无法读取：请另存为 UTF-8（Excel 中为“CSV UTF-8”）或 UTF-16"
                    .into(),
            ),
            Said::NotText { is: NotText::Zip } => say(
                "a zip file (an Excel workbook .xlsx saved under a table's name?), not a CSV table: \
                 give a workbook the .xlsx extension and load it as a round, or save the sheet as \
                 CSV UTF-8"
                    .into(),
                "这是一个 zip 文件（是否是以表格文件名保存的 Excel 工作簿 .xlsx？），不是 CSV 表格：\
                 请把工作簿的扩展名改为 .xlsx 并作为一轮数据载入，或把工作表另存为“CSV UTF-8”"
                    .into(),
            ),
            Said::NotWorkbook { detail } => say(
                format!("not a readable .xlsx workbook ({detail}); save it from Excel as .xlsx"),
                format!(
                    "不是可读取的 .xlsx 工作簿（读取程序的说明：{detail}）；请在 Excel 中另存为 .xlsx"
                ),
            ),
            Said::OldWorkbook { protected: false } => say(
                crate::xlsx::OLD_WORKBOOK.into(),
                "这是 Excel 97–2003 工作簿（.xls）或 WPS 的 .et 文件，无法读取；请在 Excel 或 WPS 中\
                 打开并另存为 Excel 工作簿（.xlsx）：文件 → 另存为 → Excel 工作簿"
                    .into(),
            ),
            Said::OldWorkbook { protected: true } => say(
                crate::xlsx::PROTECTED_WORKBOOK.into(),
                "这是设置了打开密码的工作簿（Excel 以加密方式保存），无法读取；请在 Excel 中打开，\
                 取消密码（文件 → 信息 → 保护工作簿 → 用密码进行加密，清空密码；WPS 中：文件 → \
                 文档加密），另存为 Excel 工作簿（.xlsx）后重新载入"
                    .into(),
            ),
            Said::Unreadable { why } => match why {
                Unreadable::NotFound => say(
                    "no such file or directory".into(),
                    "文件或文件夹不存在".into(),
                ),
                Unreadable::PermissionDenied => {
                    say("permission denied".into(), "没有读取权限".into())
                }
                Unreadable::Directory => say(
                    "is a directory, expected a file".into(),
                    "这是一个文件夹，此处需要一个文件".into(),
                ),
                Unreadable::Other(e) => say(
                    format!("cannot read: {e}"),
                    format!("无法读取（系统的说明：{e}）"),
                ),
            },
            Said::TooLarge { size: Some(len) } => {
                let gib = *len as f64 / (1u64 << 30) as f64;
                say(
                    format!("the file is {gib:.1} GiB; files over 1 GiB are refused (split the round)"),
                    format!("文件大小为 {gib:.1} GiB；超过 1 GiB 的文件不予读取（请拆分本轮数据）"),
                )
            }
            Said::TooLarge { size: None } => say(
                "more than 1 GiB was read from it (not a regular file: a pipe or device); files \
                 over 1 GiB are refused (split the round)"
                    .into(),
                "已从中读取超过 1 GiB（不是普通文件：管道或设备）；超过 1 GiB 的文件不予读取（请拆分本轮数据）"
                    .into(),
            ),
            Said::FileChanged { expected, read } => {
                let (en, zh) = match read {
                    Some(n) => (format!("{n} read"), format!("读到 {n} 字节")),
                    None => ("more read".to_string(), "读到的更多".to_string()),
                };
                say(
                    format!(
                        "the file changed while it was read ({expected} bytes when opened, {en})"
                    ),
                    format!("文件在读取过程中被修改（打开时为 {expected} 字节，{zh}）"),
                )
            }
            Said::HistoryExtension => say(
                crate::history_file::HISTORY_EXTENSIONS.into(),
                "历史文件的扩展名必须是 .csv、.json 或 .xlsx".into(),
            ),
            Said::NoHistoryList { object } => say(
                if *object {
                    "expected a list of history records (or an object with a history list)".into()
                } else {
                    "expected a list of history records".into()
                },
                if *object {
                    "应为历史评审记录的列表（或含 history 列表的对象）".into()
                } else {
                    "应为历史评审记录的列表".into()
                },
            ),
            Said::HistoryOtherSheets { sheet, others } => say(
                format!(
                    "the workbook holds other sheets besides {sheet:?} ({}); appending rewrites a \
                     history workbook with its history sheet alone: move the history sheet to a \
                     workbook of its own, or append to a .csv",
                    others.join(", ")
                ),
                format!(
                    "工作簿中除 {sheet:?} 外还有其他工作表（{}）；追加记录时只会写回历史工作表：\
                     请把历史工作表移到单独的工作簿，或追加到 .csv 文件",
                    others.join("、")
                ),
            ),
            Said::LoadsCrossed {
                min,
                max,
                min_own,
                max_own,
            } => {
                let whose = |own: bool| match (own, lang) {
                    (true, Lang::En) => "this expert's",
                    (false, Lang::En) => "the policy's",
                    (true, Lang::Zh) => "该专家自己的",
                    (false, Lang::Zh) => "参数中的",
                };
                say(
                    format!(
                        "min_load {min} ({}) exceeds max_load {max} ({})",
                        whose(*min_own),
                        whose(*max_own)
                    ),
                    format!(
                        "最少评审数 min_load {min}（{}）大于评审上限 max_load {max}（{}）",
                        whose(*min_own),
                        whose(*max_own)
                    ),
                )
            }
            Said::AvoidNotExpert { id } => say(
                format!("{id:?} is not an expert id (avoid lists experts of the pool)"),
                format!("{id:?} 不是专家编号（回避专家只能填写专家库中的专家）"),
            ),
            Said::SelfCoauthor { id } => say(
                format!("a co-authorship links {id:?} to themselves"),
                format!("合作关系把 {id:?} 与其本人相连"),
            ),
            Said::AppIdIsPerson { id, person } => {
                let (en, zh) = match person {
                    PersonId::Expert { file, at } if file.is_some() || at.is_some() => (
                        format!("an expert id ({})", place_text(file, at.as_ref(), Lang::En)),
                        format!("专家编号（{}）", place_text(file, at.as_ref(), Lang::Zh)),
                    ),
                    PersonId::Expert { .. } => ("an expert id".into(), "专家编号".into()),
                    PersonId::Person => (
                        "a person id (a team member or a co-author)".into(),
                        "人员编号（团队成员或合作者）".into(),
                    ),
                };
                say(
                    format!(
                        "application id {id:?} is also {en}; application and person ids must differ"
                    ),
                    format!("项目编号 {id:?} 同时也是{zh}；项目编号与人员编号不能相同"),
                )
            }
            Said::UnknownWith { id } => say(
                format!(
                    "{id:?} is neither an application id nor a known person (an expert, a team \
                     member or a co-author)"
                ),
                format!("{id:?} 既不是项目编号，也不是已知人员（专家、团队成员或合作者）"),
            ),
            Said::CityTwice { city } => say(
                format!("city {city:?} is given twice (spellings of one city)"),
                format!("城市 {city:?} 出现了两次（同一城市的不同写法）"),
            ),
            Said::NoApplicationIn {
                of: NoneIn::City,
                name,
                known,
            } => say(
                format!(
                    "no application is in city {name:?}; the cities of applications are {}",
                    known.join(", ")
                ),
                format!(
                    "没有任何申报项目位于城市 {name:?}；申报项目所在城市为 {}",
                    known.join("、")
                ),
            ),
            Said::NoApplicationIn {
                of: NoneIn::Programme,
                name,
                known,
            } => {
                let (en, zh) = if known.is_empty() {
                    (
                        "no application names a programme (column programme)".to_string(),
                        "没有任何申报项目填写计划类别（programme 列）".to_string(),
                    )
                } else {
                    (
                        format!("the programmes of applications are {}", known.join(", ")),
                        format!("申报项目的计划类别为 {}", known.join("、")),
                    )
                };
                say(
                    format!("no application is in programme {name:?}; {en}"),
                    format!("没有任何申报项目属于计划 {name:?}；{zh}"),
                )
            }
            Said::DuplicatePair {
                application,
                expert,
                file,
                first,
            } => say(
                format!(
                    "duplicate affinity pair ({application}, {expert}); first given at {}",
                    place_text(file, first.as_deref(), Lang::En)
                ),
                format!(
                    "匹配度配对（{application}，{expert}）重复；首次出现在 {}",
                    place_text(file, first.as_deref(), Lang::Zh)
                ),
            ),
        }
    }
}

/// A place another record is given at: `experts.csv row 3`, `experts[2]`.
fn place_text(file: &Option<String>, at: Option<&Location>, lang: Lang) -> String {
    match (file, at) {
        (Some(f), Some(l)) => format!("{f} {}", l.text(lang)),
        (Some(f), None) => f.clone(),
        (None, Some(l)) => l.text(lang),
        (None, None) => String::new(),
    }
}

/// serde_json's words for a JSON problem, in Chinese where they are its
/// fixed phrases (the syntax errors, the shapes of values); anything else
/// as it is.
fn serde_zh(detail: &str) -> String {
    const FIXED: [(&str, &str); 21] = [
        ("EOF while parsing a list", "列表还没有结束，文件就结束了"),
        (
            "EOF while parsing an object",
            "对象还没有结束，文件就结束了",
        ),
        (
            "EOF while parsing a string",
            "字符串还没有结束，文件就结束了",
        ),
        ("EOF while parsing a value", "值还没有写完，文件就结束了"),
        ("EOF while parsing", "内容还没有结束，文件就结束了"),
        ("expected `:`", "此处应为冒号“:”"),
        ("expected `,` or `]`", "此处应为逗号“,”或“]”"),
        ("expected `,` or `}`", "此处应为逗号“,”或“}”"),
        ("expected ident", "此处应为 true、false 或 null"),
        ("expected value", "此处应为一个值"),
        ("expected `\"`", "此处应为双引号"),
        ("invalid escape", "无效的转义符"),
        ("invalid number", "无效的数字"),
        ("number out of range", "数字超出范围"),
        ("invalid unicode code point", "无效的 Unicode 码位"),
        (
            "control character (\\u0000-\\u001F) found while parsing a string",
            "字符串中有控制字符（\\u0000-\\u001F）",
        ),
        ("key must be a string", "键必须是加双引号的字符串"),
        ("trailing comma", "多余的逗号（最后一项后面不能有逗号）"),
        ("trailing characters", "JSON 结束后还有多余的字符"),
        ("unexpected end of hex escape", "十六进制转义提前结束"),
        ("recursion limit exceeded", "嵌套层数过多"),
    ];
    if let Some((_, zh)) = FIXED.iter().find(|(en, _)| *en == detail) {
        return zh.to_string();
    }
    let shape = |s: &str| {
        s.replace(", expected one of ", "，应为以下之一：")
            .replace(", expected ", "，应为 ")
            .replace("`, `", "`、`")
    };
    if let Some(rest) = detail.strip_prefix("invalid type: ") {
        return format!("类型不符：实际为 {}", shape(rest));
    }
    if let Some(rest) = detail.strip_prefix("invalid value: ") {
        return format!("取值无效：实际为 {}", shape(rest));
    }
    if let Some(rest) = detail.strip_prefix("invalid length ") {
        return format!("长度不符：实际为 {}", shape(rest));
    }
    if let Some(rest) = detail.strip_prefix("missing field ") {
        return format!("缺少字段 {rest}");
    }
    if let Some(rest) = detail.strip_prefix("duplicate field ") {
        return format!("字段 {rest} 重复");
    }
    if let Some(rest) = detail.strip_prefix("unknown field ") {
        let rest = rest.replace(", there are no fields", "（此处没有字段）");
        return format!("未知的字段 {}", shape(&rest));
    }
    if let Some(rest) = detail.strip_prefix("unknown variant ") {
        return format!("未知的取值 {}", shape(rest));
    }
    detail.to_string()
}

/// A column named with its other names, `city (城市/所在城市)`, as Chinese
/// text writes it: `city（城市/所在城市）`.
fn full_width_parens(named: &str) -> String {
    match named.split_once(" (") {
        Some((name, rest)) if rest.ends_with(')') => {
            format!("{name}（{}）", &rest[..rest.len() - 1])
        }
        _ => named.to_string(),
    }
}

impl fmt::Display for Said {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text(Lang::En))
    }
}

/// A message as a loader words it: of a common kind ([`Said`], in every
/// language) or English only.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Msg {
    /// English only.
    En(String),
    /// A common kind.
    Said(Said),
}

impl fmt::Display for Msg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Msg::En(s) => f.write_str(s),
            Msg::Said(s) => s.fmt(f),
        }
    }
}

impl From<String> for Msg {
    fn from(s: String) -> Msg {
        Msg::En(s)
    }
}

impl From<&str> for Msg {
    fn from(s: &str) -> Msg {
        Msg::En(s.to_string())
    }
}

impl From<Said> for Msg {
    fn from(s: Said) -> Msg {
        Msg::Said(s)
    }
}

impl LoadError {
    /// A problem with `file` as a whole.
    pub fn new(file: impl Into<PathBuf>, message: impl Into<String>) -> LoadError {
        LoadError {
            file: file.into(),
            location: None,
            field: None,
            message: message.into(),
            said: None,
        }
    }

    /// A problem with `file` as a whole, of a common kind or English only.
    pub(crate) fn of(file: impl Into<PathBuf>, message: impl Into<Msg>) -> LoadError {
        match message.into() {
            Msg::En(m) => LoadError::new(file, m),
            Msg::Said(s) => LoadError::said(file, s),
        }
    }

    /// A problem of a common kind with `file` as a whole (its message the
    /// kind's English).
    pub fn said(file: impl Into<PathBuf>, said: Said) -> LoadError {
        LoadError::new(file, said.text(Lang::En)).saying(said)
    }

    /// The same error, said as `said` says it (the message becomes its
    /// English).
    pub(crate) fn saying(mut self, said: Said) -> LoadError {
        self.message = said.text(Lang::En);
        self.said = Some(Box::new(said));
        self
    }

    /// The kind of problem, when it is a common one ([`Said`]).
    pub fn kind(&self) -> Option<&Said> {
        self.said.as_deref()
    }

    /// What is wrong, in `lang` when the problem is of a common kind
    /// ([`Said`]), else in English ([`LoadError::message`]).
    pub fn message_in(&self, lang: Lang) -> String {
        match &self.said {
            Some(s) => s.text(lang),
            None => self.message.clone(),
        }
    }

    /// The same error, located.
    pub fn at(mut self, location: Location) -> LoadError {
        self.location = Some(location);
        self
    }

    /// The same error, naming a field (JSON key or CSV column).
    pub(crate) fn in_field(mut self, field: impl Into<String>) -> LoadError {
        self.field = Some(Box::new(FieldAt {
            name: field.into(),
            column: None,
        }));
        self
    }

    /// The same error, naming a table's field and where its column is
    /// (`column H "评审上限"`).
    pub(crate) fn in_column(mut self, field: impl Into<String>, column: ColumnAt) -> LoadError {
        self.field = Some(Box::new(FieldAt {
            name: field.into(),
            column: Some(column),
        }));
        self
    }

    /// Where the field is in a table (`column H "评审上限"`), for tables.
    pub fn column(&self) -> Option<String> {
        self.column_in(Lang::En)
    }

    /// Where the field is in a table, in `lang` (`H 列“评审上限”`).
    pub fn column_in(&self, lang: Lang) -> Option<String> {
        self.field
            .as_ref()
            .and_then(|f| f.column.as_ref())
            .map(|c| c.text(lang))
    }

    /// The file the problem is in.
    pub fn file(&self) -> &Path {
        &self.file
    }

    /// Where in the file, if known.
    pub fn location(&self) -> Option<&Location> {
        self.location.as_ref()
    }

    /// The field (JSON key or CSV column), if the problem is in one.
    pub fn field(&self) -> Option<&str> {
        self.field.as_ref().map(|f| f.name.as_str())
    }

    /// What is wrong.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The whole line in `lang`: file, place, field and message
    /// (`experts.csv 第 17 行（编号 E0017），字段 max_load（H 列“评审上限”）：…`);
    /// in English it is the line the CLI prints ([`fmt::Display`]).
    pub fn text_in(&self, lang: Lang) -> String {
        let mut out = self.file.display().to_string();
        let zh = lang == Lang::Zh;
        if let Some(loc) = &self.location {
            out.push(' ');
            out.push_str(&loc.text(lang));
        }
        if let Some(f) = self.field.as_deref() {
            out.push_str(match (self.location.is_some(), zh) {
                (true, false) => ", field ",
                (false, false) => " field ",
                (true, true) => "，字段 ",
                (false, true) => " 字段 ",
            });
            out.push_str(&f.name);
            if let Some(c) = &f.column {
                let (open, close) = if zh { ("（", "）") } else { (" (", ")") };
                out.push_str(open);
                out.push_str(&c.text(lang));
                out.push_str(close);
            }
        }
        out.push_str(if zh { "：" } else { ": " });
        out.push_str(&self.message_in(lang));
        out
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text_in(Lang::En))
    }
}

impl std::error::Error for LoadError {}

/// Every problem a load found (at least one). Keeps the first
/// [`MAX_KEPT_ERRORS`] and counts the rest; `Display` prints the first
/// [`MAX_SHOWN_ERRORS`], one per line, then how many more there are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadErrors {
    errors: Vec<LoadError>,
    total: usize,
}

impl LoadErrors {
    /// The kept errors, in the order found (file order, then record order).
    pub fn errors(&self) -> &[LoadError] {
        &self.errors
    }

    /// The first error.
    pub fn first(&self) -> &LoadError {
        &self.errors[0]
    }

    /// How many errors were found in all (may exceed `errors().len()`).
    pub fn total(&self) -> usize {
        self.total
    }

    /// Iterates over the kept errors.
    pub fn iter(&self) -> std::slice::Iter<'_, LoadError> {
        self.errors.iter()
    }
}

impl From<LoadError> for LoadErrors {
    fn from(e: LoadError) -> LoadErrors {
        LoadErrors {
            errors: vec![e],
            total: 1,
        }
    }
}

impl fmt::Display for LoadErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.errors.iter().take(MAX_SHOWN_ERRORS).enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        let shown = self.errors.len().min(MAX_SHOWN_ERRORS);
        if self.total > shown {
            write!(
                f,
                "\n... and {} more error{} ({} in all)",
                self.total - shown,
                if self.total - shown == 1 { "" } else { "s" },
                self.total
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for LoadErrors {}

impl<'a> IntoIterator for &'a LoadErrors {
    type Item = &'a LoadError;
    type IntoIter = std::slice::Iter<'a, LoadError>;
    fn into_iter(self) -> Self::IntoIter {
        self.errors.iter()
    }
}

/// A field of a record, and where it is in a table.
#[derive(Clone, Debug, PartialEq, Eq)]
struct FieldAt {
    /// The field (JSON key or column name).
    name: String,
    /// Where the field is in a table: `column H "评审上限"`.
    column: Option<ColumnAt>,
}

/// Collects errors during a load (crate-internal).
#[derive(Debug, Default)]
pub(crate) struct Errs {
    errors: Vec<LoadError>,
    total: usize,
    /// Notes for stderr (not errors): a title row skipped, a file read as
    /// GB18030, kept columns, merged spellings.
    notes: Vec<crate::note::Note>,
    /// True once a table named a sheet or column in Chinese.
    chinese: bool,
    list_items: usize,
    /// Read tables whose bytes are both valid UTF-8 and Chinese GB18030
    /// text as GB18030 (another table of the CSV directory is GB18030).
    pub(crate) prefer_gb18030: bool,
    /// A table was read as GB18030.
    gb18030_seen: bool,
    /// A table was kept as UTF-8 though it also reads as GB18030.
    ambiguous_seen: bool,
}

/// What a load tells besides the instance: notes for stderr and the
/// language of the input's table names.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LoadNotes {
    /// Notes, each one line starting `note:`, in the order found (the
    /// English of [`LoadNotes::said`]).
    pub notes: Vec<String>,
    /// The same notes with their kinds, each worded in every language
    /// where its kind is ([`crate::note::Note`]): what the console shows.
    pub said: Vec<crate::note::Note>,
    /// Chinese when the input named a sheet or column in Chinese.
    pub lang: Lang,
}

/// Most list items (fields, keywords, team, avoid) one load reads in all:
/// each costs a string, so a file of millions of tiny items would take
/// memory far out of proportion to its bytes.
pub const MAX_TOTAL_LIST_ITEMS: usize = 10_000_000;

impl Errs {
    /// Counts `n` more list items; `Err(Some(message))` the first time the
    /// total passes [`MAX_TOTAL_LIST_ITEMS`], `Err(None)` after that.
    /// True when `n` more list items stay within [`MAX_TOTAL_LIST_ITEMS`]
    /// (counting nothing).
    pub(crate) fn list_items_fit(&self, n: usize) -> bool {
        self.list_items.saturating_add(n) <= MAX_TOTAL_LIST_ITEMS
    }

    pub(crate) fn count_list_items(&mut self, n: usize) -> Result<(), Option<Said>> {
        let before = self.list_items;
        self.list_items = before.saturating_add(n);
        if self.list_items <= MAX_TOTAL_LIST_ITEMS {
            Ok(())
        } else if before <= MAX_TOTAL_LIST_ITEMS {
            Err(Some(Said::TooManyListItems {
                max: MAX_TOTAL_LIST_ITEMS,
            }))
        } else {
            Err(None)
        }
    }

    pub(crate) fn push(&mut self, e: LoadError) {
        self.total += 1;
        if self.errors.len() < MAX_KEPT_ERRORS {
            self.errors.push(e);
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// Adds a note for stderr and the console (kept once: a repeated note
    /// is dropped).
    pub(crate) fn note(&mut self, note: impl Into<crate::note::Note>) {
        let note = note.into();
        if !self.notes.contains(&note) {
            self.notes.push(note);
        }
    }

    /// Marks the input as named in Chinese (a sheet or a column).
    pub(crate) fn saw_chinese(&mut self) {
        self.chinese = true;
    }

    /// Records how a table was decoded (see
    /// [`crate::instances::encodings::Decoded::record`]).
    pub(crate) fn saw_encoding(&mut self, gb18030: bool, ambiguous: bool) {
        self.gb18030_seen |= gb18030;
        self.ambiguous_seen |= ambiguous;
    }

    /// True when one table was read as GB18030 and another kept as UTF-8
    /// though it also reads as GB18030: the tables are read again, the
    /// second as GB18030 too.
    pub(crate) fn encodings_disagree(&self) -> bool {
        self.gb18030_seen && self.ambiguous_seen
    }

    /// The notes so far and the input's language.
    pub(crate) fn take_notes(&mut self) -> LoadNotes {
        LoadNotes {
            notes: self.notes.iter().map(ToString::to_string).collect(),
            said: std::mem::take(&mut self.notes),
            lang: if self.chinese { Lang::Zh } else { Lang::En },
        }
    }

    /// How many errors are kept so far (a mark for [`Errs::columns_since`]).
    pub(crate) fn kept_len(&self) -> usize {
        self.errors.len()
    }

    /// Places every error kept since `mark` in its field's column, where
    /// `column` knows it (`column H "评审上限"`).
    pub(crate) fn columns_since(&mut self, mark: usize, column: impl Fn(&str) -> Option<ColumnAt>) {
        for e in self.errors.iter_mut().skip(mark) {
            if let Some(f) = e.field.as_deref_mut() {
                f.column = column(&f.name).or(f.column.take());
            }
        }
    }

    /// Adds another list's errors after these.
    pub(crate) fn append(&mut self, mut other: Errs) {
        let notes = other.take_notes();
        for n in notes.said {
            self.note(n);
        }
        self.chinese |= notes.lang == Lang::Zh;
        self.gb18030_seen |= other.gb18030_seen;
        self.ambiguous_seen |= other.ambiguous_seen;
        self.total += other.total;
        self.list_items = self.list_items.saturating_add(other.list_items);
        let room = MAX_KEPT_ERRORS.saturating_sub(self.errors.len());
        self.errors.extend(other.errors.into_iter().take(room));
    }

    /// `Ok(v)` when nothing went wrong, else every error.
    pub(crate) fn finish<T>(self, v: Option<T>) -> Result<T, LoadErrors> {
        match v {
            Some(v) if self.total == 0 => Ok(v),
            _ if self.total == 0 => Err(LoadErrors::from(LoadError::new(
                "",
                "internal error: load failed without a message",
            ))),
            _ => Err(LoadErrors {
                errors: self.errors,
                total: self.total,
            }),
        }
    }
}

/// A failure to write an output file or instance.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The file system refused.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file being written.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The data cannot be written in the requested format without changing
    /// its meaning (e.g. a list item containing `;` in a CSV cell).
    #[error("{}: {message}", path.display())]
    Unrepresentable {
        /// The file being written.
        path: PathBuf,
        /// What cannot be written, and why.
        message: String,
    },
    /// A serialiser (JSON, CSV, workbook) failed on the data: its own
    /// error as the source.
    #[error("{}: {source}", path.display())]
    Encode {
        /// The file being written.
        path: PathBuf,
        /// The serialiser's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The output's extension names no known format.
    #[error("{}: unknown output format (use a .json or .csv file name)", path.display())]
    UnknownFormat {
        /// The file asked for.
        path: PathBuf,
    },
}

impl WriteError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> WriteError {
        WriteError::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    /// A serialiser's failure on the data written to `path`.
    pub(crate) fn encode(
        path: &Path,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> WriteError {
        WriteError::Encode {
            path: path.to_path_buf(),
            source: Box::new(source),
        }
    }

    pub(crate) fn unrepresentable(path: &Path, message: impl Into<String>) -> WriteError {
        WriteError::Unrepresentable {
            path: path.to_path_buf(),
            message: message.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One of each kind (a new kind fails to compile here until it has
    /// a sample: the match below names every one).
    fn samples() -> Vec<Said> {
        let got = || "\"x\"".to_string();
        let all = vec![
            Said::MissingColumn {
                column: "city (城市/所在城市)".into(),
                row: 1,
                semicolons: true,
            },
            Said::DuplicateId {
                of: IdOf::Expert,
                id: "E1".into(),
                file: Some("experts.csv".into()),
                first: Some(Location::row(2)),
            },
            Said::UnknownId {
                of: IdOf::Application,
                id: "A9".into(),
            },
            Said::Missing,
            Said::MissingPart,
            Said::NoRecords { of: IdOf::Expert },
            Said::NoRecords {
                of: IdOf::Application,
            },
            Said::MissingYear,
            Said::NoRoundYear,
            Said::Blank,
            Said::Expected {
                want: Want::Count,
                got: got(),
                comma: true,
            },
            Said::AtMost { max: 9, got: got() },
            Said::Between {
                lo: -1,
                hi: 1,
                got: got(),
            },
            Said::AtLeastOne {
                leave: Leave::NoCap,
            },
            Said::OutOfRange {
                range: Range::Share,
                got: got(),
            },
            Said::UnknownName {
                what: Named::Field,
                near: None,
                known: vec!["a".into(), "b".into()],
            },
            Said::Choice {
                of: Choices::Outcome,
                got: got(),
            },
            Said::InvalidUtf8,
            Said::MissingSheet {
                table: SheetOf::Experts,
                others: vec!["\"Sheet1\"".into()],
            },
            Said::UnknownSheet {
                sheet: "expert".into(),
                near: "experts".into(),
            },
            Said::TwoSheets {
                first: "专家".into(),
                second: "experts".into(),
                table: "experts".into(),
            },
            Said::UnknownColumn {
                column: ColumnAt {
                    letter: "C".into(),
                    header: Some("城是".into()),
                },
                near: "city (城市/所在城市)".into(),
            },
            Said::RowWidth { cells: 2, width: 3 },
            Said::RowWidth { cells: 4, width: 3 },
            Said::EmptyTable {
                sheet: Some("专家".into()),
                columns: vec!["id".into(), "city".into()],
            },
            Said::Json {
                kind: JsonKind::Syntax,
                detail: "expected `,` or `]`".into(),
            },
            Said::Json {
                kind: JsonKind::Eof,
                detail: "EOF while parsing a list".into(),
            },
            Said::Json {
                kind: JsonKind::Data,
                detail: "unknown field `x`, expected one of `a`, `b`".into(),
            },
            Said::KeyTwice {
                key: "max_load".into(),
                first: None,
            },
            Said::InProgramme {
                programme: "人才计划".into(),
                said: Box::new(Said::UnknownName {
                    what: Named::Rule("max_lod".into()),
                    near: Some("max_load".into()),
                    known: Vec::new(),
                }),
            },
            Said::InProgramme {
                programme: "人才计划".into(),
                said: Box::new(Said::Expected {
                    want: Want::Rules,
                    got: "3".into(),
                    comma: false,
                }),
            },
            Said::Expected {
                want: Want::Programmes,
                got: "3".into(),
                comma: false,
            },
            Said::BlankProgramme { name: " ".into() },
            Said::SameProgramme {
                first: "人才计划".into(),
                second: "人才计划 ".into(),
                normal: "人才计划".into(),
            },
            Said::CellJson {
                key: "programmes".into(),
                said: Box::new(Said::KeyTwice {
                    key: "panel_size".into(),
                    first: None,
                }),
            },
            Said::KeyTwice {
                key: "max_load".into(),
                first: Some(Location::sheet("参数", 3)),
            },
            Said::ListTooLong {
                items: None,
                max: 10,
            },
            Said::ListTooLong {
                items: Some(11),
                max: 10,
            },
            Said::TooManyListItems { max: 10 },
            Said::ControlChar {
                code: 0,
                at: 2,
                got: got(),
                within: Within::Value,
            },
            Said::ControlChar {
                code: 7,
                at: 2,
                got: got(),
                within: Within::Header("C".into()),
            },
            Said::UnclosedQuote,
            Said::RepeatedHeader {
                row: 9,
                header_row: 1,
            },
            Said::ColumnTwice {
                column: ColumnAt {
                    letter: "D".into(),
                    header: Some("备注".into()),
                },
            },
            Said::UnnamedColumn {
                letter: "F".into(),
                header_row: Some(2),
            },
            Said::UnreadableSheet {
                sheet: "专家".into(),
                detail: "invalid XML".into(),
            },
            Said::ColumnsOneField {
                first: ColumnAt {
                    letter: "B".into(),
                    header: Some("城市".into()),
                },
                second: ColumnAt {
                    letter: "C".into(),
                    header: Some("所在城市".into()),
                },
                field: "city (城市/所在城市)".into(),
            },
            Said::Undecodable {
                encoding: "UTF-16LE".into(),
                bom: true,
            },
            Said::Undecodable {
                encoding: "UTF-16BE".into(),
                bom: false,
            },
            Said::NotText { is: NotText::Utf32 },
            Said::NotText { is: NotText::Zip },
            Said::NotWorkbook {
                detail: "invalid Zip archive".into(),
            },
            Said::OldWorkbook { protected: false },
            Said::OldWorkbook { protected: true },
            Said::Unreadable {
                why: Unreadable::NotFound,
            },
            Said::Unreadable {
                why: Unreadable::PermissionDenied,
            },
            Said::Unreadable {
                why: Unreadable::Directory,
            },
            Said::Unreadable {
                why: Unreadable::Other("Input/output error".into()),
            },
            Said::TooLarge {
                size: Some(3 << 30),
            },
            Said::TooLarge { size: None },
            Said::FileChanged {
                expected: 10,
                read: Some(12),
            },
            Said::HistoryExtension,
            Said::NoHistoryList { object: true },
            Said::HistoryOtherSheets {
                sheet: "历史".into(),
                others: vec!["\"说明\"".into()],
            },
            Said::LoadsCrossed {
                min: 3,
                max: 2,
                min_own: true,
                max_own: false,
            },
            Said::AvoidNotExpert { id: "E9".into() },
            Said::SelfCoauthor { id: "P1".into() },
            Said::AppIdIsPerson {
                id: "E1".into(),
                person: PersonId::Expert {
                    file: Some("experts.csv".into()),
                    at: Some(Location::row(2)),
                },
            },
            Said::AppIdIsPerson {
                id: "P1".into(),
                person: PersonId::Person,
            },
            Said::UnknownWith { id: "X".into() },
            Said::CityTwice {
                city: "武汉".into(),
            },
            Said::NoApplicationIn {
                of: NoneIn::City,
                name: "武昌".into(),
                known: vec!["武汉".into(), "长沙".into()],
            },
            Said::NoApplicationIn {
                of: NoneIn::Programme,
                name: "人才计化".into(),
                known: vec!["人才计划".into()],
            },
            Said::DuplicatePair {
                application: "A1".into(),
                expert: "E1".into(),
                file: Some("affinity.csv".into()),
                first: Some(Box::new(Location::row(2))),
            },
        ];
        for s in &all {
            match s {
                Said::MissingColumn { .. }
                | Said::DuplicateId { .. }
                | Said::UnknownId { .. }
                | Said::Missing
                | Said::MissingPart
                | Said::NoRecords { .. }
                | Said::MissingYear
                | Said::NoRoundYear
                | Said::Blank
                | Said::Expected { .. }
                | Said::AtMost { .. }
                | Said::Between { .. }
                | Said::AtLeastOne { .. }
                | Said::OutOfRange { .. }
                | Said::UnknownName { .. }
                | Said::Choice { .. }
                | Said::InvalidUtf8
                | Said::MissingSheet { .. }
                | Said::UnknownSheet { .. }
                | Said::TwoSheets { .. }
                | Said::UnknownColumn { .. }
                | Said::RowWidth { .. }
                | Said::EmptyTable { .. }
                | Said::Json { .. }
                | Said::KeyTwice { .. }
                | Said::CellJson { .. }
                | Said::InProgramme { .. }
                | Said::BlankProgramme { .. }
                | Said::SameProgramme { .. }
                | Said::ListTooLong { .. }
                | Said::TooManyListItems { .. }
                | Said::ControlChar { .. }
                | Said::UnclosedQuote
                | Said::RepeatedHeader { .. }
                | Said::ColumnTwice { .. }
                | Said::ColumnsOneField { .. }
                | Said::UnnamedColumn { .. }
                | Said::UnreadableSheet { .. }
                | Said::Undecodable { .. }
                | Said::NotText { .. }
                | Said::NotWorkbook { .. }
                | Said::OldWorkbook { .. }
                | Said::Unreadable { .. }
                | Said::TooLarge { .. }
                | Said::FileChanged { .. }
                | Said::HistoryExtension
                | Said::NoHistoryList { .. }
                | Said::HistoryOtherSheets { .. }
                | Said::LoadsCrossed { .. }
                | Said::AvoidNotExpert { .. }
                | Said::SelfCoauthor { .. }
                | Said::AppIdIsPerson { .. }
                | Said::UnknownWith { .. }
                | Said::CityTwice { .. }
                | Said::NoApplicationIn { .. }
                | Said::DuplicatePair { .. } => {}
            }
        }
        all
    }

    #[test]
    fn every_kind_has_its_chinese_with_full_width_punctuation() {
        for s in samples() {
            let (en, zh) = (s.text(Lang::En), s.text(Lang::Zh));
            assert_eq!(en, s.to_string());
            assert_ne!(en, zh);
            assert!(
                zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{zh}"
            );
            // Chinese sentences take full-width marks: no ASCII
            // punctuation between Chinese words.
            for bad in ["; ", ": ", ", ", " ("] {
                assert!(!zh.contains(bad), "{bad:?} in {zh}");
            }
            // No English sentence on a Chinese page (names, codes and a
            // reader's own detail aside).
            for word in [
                " the ",
                "expected",
                "missing",
                "unknown",
                "given twice",
                "row ",
                "line ",
                "column ",
                "sheet ",
                "delete",
                "save it",
                "cannot",
                "refused",
            ] {
                assert!(!zh.contains(word), "{word:?} in {zh}");
            }
        }
    }

    #[test]
    fn places_read_in_either_language() {
        let zh = |l: Location| l.text(Lang::Zh);
        assert_eq!(
            zh(Location::row(17).with_id("E0017")),
            "第 17 行（编号 E0017）"
        );
        assert_eq!(zh(Location::Line { line: 3, column: 5 }), "第 3 行第 5 列");
        assert_eq!(
            zh(Location::Byte {
                offset: 40,
                line: 2
            }),
            "第 2 行（第 40 字节）"
        );
        assert_eq!(zh(Location::sheet("专家", 3)), "工作表 专家 第 3 行");
        assert_eq!(Location::sheet("专家", 3).to_string(), "sheet 专家 row 3");
        let e = LoadError::said("experts.csv", Said::Missing)
            .at(Location::row(2).with_id("E1"))
            .in_column(
                "max_load",
                ColumnAt {
                    letter: "H".into(),
                    header: Some("评审上限".into()),
                },
            );
        assert_eq!(
            e.to_string(),
            "experts.csv row 2 (id E1), field max_load (column H \"评审上限\"): missing"
        );
        assert_eq!(
            e.text_in(Lang::Zh),
            "experts.csv 第 2 行（编号 E1），字段 max_load（H 列“评审上限”）：缺少此项"
        );
    }
}

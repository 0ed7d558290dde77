//! Load and write errors that name the file, the record and the problem.
//!
//! A [`LoadError`] is one problem with one input file, located as precisely
//! as the format allows (see [`Location`] for the bases). A load collects
//! every record-level problem it finds into [`LoadErrors`], so a program
//! officer can fix a spreadsheet in one go; the CLI prints the first 20 and
//! a count, and maps any of them to exit code 2.

use std::fmt;
use std::path::{Path, PathBuf};

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
}

impl Location {
    /// A CSV row without a known id.
    pub fn row(row: u64) -> Location {
        Location::Row { row, id: None }
    }

    /// The same location with the record's id attached (rows and records).
    pub fn with_id(self, new_id: &str) -> Location {
        match self {
            Location::Row { row, .. } => Location::Row {
                row,
                id: Some(new_id.to_string()),
            },
            Location::Record { path, .. } => Location::Record {
                path,
                id: Some(new_id.to_string()),
            },
            other => other,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Line { line, column } => write!(f, "line {line} column {column}"),
            Location::Byte { offset, line } => write!(f, "line {line} (byte offset {offset})"),
            Location::Row { row, id } => {
                write!(f, "row {row}")?;
                if let Some(id) = id {
                    write!(f, " (id {id})")?;
                }
                Ok(())
            }
            Location::Record { path, id } => {
                write!(f, "{path}")?;
                if let Some(id) = id {
                    write!(f, " (id {id})")?;
                }
                Ok(())
            }
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

/// The load problems offices meet most, each worded once per language:
/// the English is the message the CLI prints (and the API's `message`),
/// the Chinese what a Chinese console page shows. A problem of another
/// kind has its English message only.
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
        /// Where it was first given (`row 3`, `experts[2]`).
        first: String,
    },
    /// A reference to an id the round does not hold.
    UnknownId {
        /// What the id names.
        of: IdOf,
        /// The id.
        id: String,
    },
}

/// What an id in a [`Said`] names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdOf {
    /// An expert.
    Expert,
    /// An application.
    Application,
}

impl Said {
    /// The problem in `lang`.
    pub fn text(&self, lang: crate::instances::office::Lang) -> String {
        use crate::instances::office::Lang;
        let of = |o: &IdOf| match (o, lang) {
            (IdOf::Expert, Lang::En) => "expert",
            (IdOf::Application, Lang::En) => "application",
            (IdOf::Expert, Lang::Zh) => "专家",
            (IdOf::Application, Lang::Zh) => "项目",
        };
        match (self, lang) {
            (
                Said::MissingColumn {
                    column,
                    row,
                    semicolons,
                },
                Lang::En,
            ) => format!(
                "missing required column {column}; add it to the header row (row {row}){}",
                if *semicolons {
                    " (the file seems to use ';' between cells; use commas or tabs)"
                } else {
                    ""
                }
            ),
            (
                Said::MissingColumn {
                    column,
                    row,
                    semicolons,
                },
                Lang::Zh,
            ) => format!(
                "缺少必需的列 {column}；请在表头行（第 {row} 行）中加上这一列{}",
                if *semicolons {
                    "（文件似乎用分号“;”分隔单元格，请改用逗号或制表符）"
                } else {
                    ""
                }
            ),
            (Said::DuplicateId { of: o, id, first }, Lang::En) => {
                format!("duplicate {} id {id:?}; first given at {first}", of(o))
            }
            (Said::DuplicateId { of: o, id, first }, Lang::Zh) => {
                format!("{}编号 {id:?} 重复；首次出现在 {first}", of(o))
            }
            (Said::UnknownId { of: o, id }, Lang::En) => format!("unknown {} {id:?}", of(o)),
            (Said::UnknownId { of: o, id }, Lang::Zh) => {
                format!("没有编号为 {id:?} 的{}", of(o))
            }
        }
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

    /// A problem of a common kind with `file` as a whole (its message the
    /// kind's English).
    pub fn said(file: impl Into<PathBuf>, said: Said) -> LoadError {
        LoadError::new(file, said.text(crate::instances::office::Lang::En)).saying(said)
    }

    /// The same error, said as `said` says it (the message becomes its
    /// English).
    pub(crate) fn saying(mut self, said: Said) -> LoadError {
        self.message = said.text(crate::instances::office::Lang::En);
        self.said = Some(Box::new(said));
        self
    }

    /// The kind of problem, when it is a common one ([`Said`]).
    pub fn kind(&self) -> Option<&Said> {
        self.said.as_deref()
    }

    /// What is wrong, in `lang` when the problem is of a common kind
    /// ([`Said`]), else in English ([`LoadError::message`]).
    pub fn message_in(&self, lang: crate::instances::office::Lang) -> String {
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
    pub(crate) fn in_column(
        mut self,
        field: impl Into<String>,
        column: impl Into<String>,
    ) -> LoadError {
        self.field = Some(Box::new(FieldAt {
            name: field.into(),
            column: Some(column.into()),
        }));
        self
    }

    /// Where the field is in a table (`column H "评审上限"`), for tables.
    pub fn column(&self) -> Option<&str> {
        self.field.as_ref().and_then(|f| f.column.as_deref())
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
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(loc) = &self.location {
            write!(f, " {loc}")?;
        }
        if let Some(FieldAt {
            name: field,
            column,
        }) = self.field.as_deref()
        {
            if self.location.is_some() {
                write!(f, ",")?;
            }
            write!(f, " field {field}")?;
            if let Some(column) = column {
                write!(f, " ({column})")?;
            }
        }
        write!(f, ": {}", self.message)
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
    column: Option<String>,
}

/// Collects errors during a load (crate-internal).
#[derive(Debug, Default)]
pub(crate) struct Errs {
    errors: Vec<LoadError>,
    total: usize,
    /// Notes for stderr (not errors): a title row skipped, a file read as
    /// GB18030, kept columns, merged spellings.
    notes: Vec<String>,
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
    /// Notes, each one line starting `note:`, in the order found.
    pub notes: Vec<String>,
    /// Chinese when the input named a sheet or column in Chinese.
    pub lang: crate::instances::office::Lang,
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

    pub(crate) fn count_list_items(&mut self, n: usize) -> Result<(), Option<String>> {
        let before = self.list_items;
        self.list_items = before.saturating_add(n);
        if self.list_items <= MAX_TOTAL_LIST_ITEMS {
            Ok(())
        } else if before <= MAX_TOTAL_LIST_ITEMS {
            Err(Some(format!(
                "the lists of this input hold more than {MAX_TOTAL_LIST_ITEMS} items in all \
                 (fields, keywords, teams, avoid lists); split the round"
            )))
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

    /// Adds a note for stderr (kept once: a repeated note is dropped).
    pub(crate) fn note(&mut self, note: impl Into<String>) {
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
            notes: std::mem::take(&mut self.notes),
            lang: if self.chinese {
                crate::instances::office::Lang::Zh
            } else {
                crate::instances::office::Lang::En
            },
        }
    }

    /// How many errors are kept so far (a mark for [`Errs::columns_since`]).
    pub(crate) fn kept_len(&self) -> usize {
        self.errors.len()
    }

    /// Places every error kept since `mark` in its field's column, where
    /// `column` knows it (`column H "评审上限"`).
    pub(crate) fn columns_since(&mut self, mark: usize, column: impl Fn(&str) -> Option<String>) {
        for e in self.errors.iter_mut().skip(mark) {
            if let Some(f) = e.field.as_deref_mut() {
                f.column = column(&f.name).or(f.column.take());
            }
        }
    }

    /// Adds another list's errors after these.
    pub(crate) fn append(&mut self, mut other: Errs) {
        let notes = other.take_notes();
        for n in notes.notes {
            self.note(n);
        }
        self.chinese |= notes.lang == crate::instances::office::Lang::Zh;
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

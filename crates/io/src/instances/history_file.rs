//! History files for `panels history append`: a `.csv` table with the
//! columns of the `history` table (what a CSV instance directory reads as
//! `history.csv`), a `.json` list of history records (what a bundle holds
//! under `history`) or an object with a `history` list (a bundle), or an
//! `.xlsx` workbook with one sheet `history` (`历史` in Chinese; what an
//! instance workbook reads as its history sheet). Read with the same
//! record parser as instances, so a file this program writes loads back as
//! an instance's history.
//!
//! Appending keeps what the file holds besides its records
//! ([`HistoryFile::appended_bytes`]): a JSON file's bytes (the new records
//! go at the end of its `history` list, every other key of an object as it
//! was), a table's title rows above its header, its header cells as
//! written (its language: new records' outcomes are written in it too)
//! and the office's own columns with their values.

use std::path::Path;
use std::sync::Arc;

use std::borrow::Cow;

use crate::error::{Errs, LoadError, LoadErrors, Said, WriteError};
use crate::history::PastReview;
use crate::instances::csvdir::{history_cell, history_row, read_table_with, TableInput};
use crate::instances::office::{header_key, header_name, Header, Lang, TableKind};
use crate::instances::records::{HistoryList, JsonRecord, Reader, Record, Site, HISTORY_FIELDS};
use crate::workbooks::xlsx::XCell;

/// The form of a history file, by its extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HistoryForm {
    /// `.csv`: the `history` table.
    Csv,
    /// `.json`: a list of history records.
    Json,
    /// `.xlsx`: a workbook with the history sheet.
    Xlsx,
}

impl HistoryForm {
    /// The form of `path`, or `None` for another extension.
    pub fn of(path: &Path) -> Option<HistoryForm> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "csv" => Some(HistoryForm::Csv),
            "json" => Some(HistoryForm::Json),
            "xlsx" => Some(HistoryForm::Xlsx),
            _ => None,
        }
    }
}

/// What a history file's extension must be, in words.
pub const HISTORY_EXTENSIONS: &str = "a history file must end in .csv, .json or .xlsx";

/// Reads a history file; a file that does not exist is an empty history.
///
/// # Errors
/// Every bad record, located by row (CSV, workbook) or list item (JSON),
/// and records that repeat one another
/// ([`crate::history::repeated_records`]).
pub fn read_history_file(path: &Path) -> Result<Vec<PastReview>, LoadErrors> {
    HistoryFile::read(path).map(|f| f.records)
}

/// Like [`read_history_file`], with the language of a workbook's sheet
/// name (`None` for CSV, JSON and a file that does not exist yet).
///
/// # Errors
/// As [`read_history_file`].
pub fn read_history_file_lang(path: &Path) -> Result<(Vec<PastReview>, Option<Lang>), LoadErrors> {
    HistoryFile::read(path).map(|f| {
        let lang = f.sheet.as_ref().map(|s| s.lang);
        (f.records, lang)
    })
}

/// Reads history records from bytes in `form`; `path` names the file in
/// messages.
///
/// # Errors
/// As [`read_history_file`].
pub fn read_history_bytes(
    path: &Path,
    form: HistoryForm,
    bytes: &[u8],
) -> Result<Vec<PastReview>, LoadErrors> {
    read_parts(path, form, bytes).map(|p| p.table.list.into_records())
}

/// A history file as read for appending: its records, and what a rewrite
/// keeps of it besides them.
#[derive(Debug)]
pub struct HistoryFile {
    /// The records, in file order.
    pub records: Vec<PastReview>,
    /// Notes for stderr, each one line starting `note:` (the office's own
    /// columns kept, title rows skipped, an encoding).
    pub notes: Vec<String>,
    form: HistoryForm,
    /// False when there was no file (it is written afresh).
    exists: bool,
    /// A JSON file's bytes (the new records are put into them).
    json: Option<Vec<u8>>,
    /// A table's columns as its header names them (`None`: JSON, a new
    /// file, or a table of no rows).
    layout: Option<Layout>,
    /// Per record, its cells in `layout`'s columns as written.
    written: Written,
    /// A workbook's history sheet.
    sheet: Option<SheetName>,
}

/// A workbook's history sheet: its name as written, its language, and
/// the workbook's other sheets (quoted).
#[derive(Clone, Debug)]
struct SheetName {
    name: String,
    lang: Lang,
    others: Vec<String>,
}

/// The columns of a history table in file order, each a known field with
/// its header cell as written, or an office's own column (its header cell
/// as written).
#[derive(Clone, Debug, Default)]
struct Layout {
    columns: Vec<Column>,
    /// Each column's position in the table's rows.
    at: Vec<usize>,
    /// The header's row as read (Excel's row number; a CSV file's row).
    row: u64,
    /// The rows above the header (a title such as 「2025年评审记录」, a
    /// date), with their row numbers and cells as written: kept by a
    /// rewrite.
    above: Vec<(u64, Vec<String>)>,
}

#[derive(Clone, Debug)]
enum Column {
    Field(&'static str, String),
    Kept(String),
}

impl Layout {
    fn of(h: &Header) -> Layout {
        let mut at: Vec<(usize, Column)> = Vec::new();
        for (field, &i) in &h.columns {
            if let Some(f) = HISTORY_FIELDS.iter().find(|f| **f == field.as_str()) {
                at.push((
                    i,
                    Column::Field(f, h.labels.get(i).cloned().unwrap_or_default()),
                ));
            }
        }
        for (i, key) in &h.kept {
            let label = h.labels.get(*i).cloned().unwrap_or_else(|| key.clone());
            at.push((*i, Column::Kept(label)));
        }
        at.sort_by_key(|(i, _)| *i);
        let (at, columns) = at.into_iter().unzip();
        Layout {
            columns,
            at,
            row: h.row,
            above: h.above.clone(),
        }
    }

    /// The language of the header: Chinese when a known column is named
    /// other than by its English field name.
    fn lang(&self) -> Lang {
        let chinese = self.columns.iter().any(|c| match c {
            Column::Field(f, label) => header_key(label) != header_key(f),
            Column::Kept(_) => false,
        });
        if chinese {
            Lang::Zh
        } else {
            Lang::En
        }
    }
}

/// Every record's cells in a table's columns ([`Layout`]) as written
/// (known fields untrimmed, the office's own trimmed), and the cells a
/// workbook held as numbers, booleans or dates as they were: one text
/// for all the cells, cut at `ends`, not a string per cell (a history of
/// a million records has ten million cells).
#[derive(Debug, Default)]
struct Written {
    /// Cells per record (the layout's columns).
    width: usize,
    text: String,
    /// Where each cell ends in `text`: record k's cell j is the
    /// `k × width + j`-th.
    ends: Vec<usize>,
    /// (`k × width + j`, the cell as it was), ascending.
    typed: Vec<(usize, XCell)>,
}

impl Written {
    /// Adds a record's cells in `layout`'s columns.
    fn push(&mut self, layout: &Layout, rec: &dyn Record) {
        self.width = layout.columns.len();
        for (c, &i) in layout.columns.iter().zip(&layout.at) {
            let cell = rec.at(i).unwrap_or_default();
            let cell = match c {
                Column::Field(..) => cell,
                Column::Kept(_) => cell.trim(),
            };
            if let Some(t) = rec.typed_at(i) {
                self.typed.push((self.ends.len(), t));
            }
            self.text.push_str(cell);
            self.ends.push(self.text.len());
        }
    }

    /// Drops the cells past the first `records` records.
    fn truncate(&mut self, records: usize) {
        let cells = records * self.width;
        if cells < self.ends.len() {
            self.text
                .truncate(cells.checked_sub(1).map_or(0, |k| self.ends[k]));
            self.ends.truncate(cells);
            self.typed.retain(|&(k, _)| k < cells);
        }
    }

    /// Record `k`'s cell `j` as written, and as it was when a workbook
    /// held it as a number, a boolean or a date; `None` past the layout's
    /// columns.
    fn cell(&self, k: usize, j: usize) -> Option<(&str, Option<&XCell>)> {
        if j >= self.width {
            return None;
        }
        let n = k * self.width + j;
        let end = *self.ends.get(n)?;
        let start = n.checked_sub(1).map_or(0, |p| self.ends[p]);
        let typed = self
            .typed
            .binary_search_by_key(&n, |&(m, _)| m)
            .ok()
            .map(|i| &self.typed[i].1);
        Some((self.text.get(start..end)?, typed))
    }
}

/// A history table as read: the records, the header, the kept cells.
#[derive(Debug, Default)]
pub(crate) struct TableRead {
    pub(crate) list: HistoryList,
    layout: Option<Layout>,
    /// Per record, its cells in `layout`'s columns as written.
    written: Written,
}

impl TableRead {
    /// Takes the table's header (before its rows, or for a table of no
    /// rows), unless a row gave it already.
    pub(crate) fn header(&mut self, h: &Header) {
        if self.layout.is_none() {
            self.layout = Some(Layout::of(h));
        }
    }

    /// Reads one row.
    pub(crate) fn read(&mut self, r: Reader<'_>, rec: &dyn Record) {
        if self.layout.is_none() {
            self.layout = rec.header().map(Layout::of);
        }
        let n = self.list.records.len();
        if let Some(l) = &self.layout {
            self.written.push(l, rec);
        }
        self.list.read(r, rec);
        if self.list.records.len() == n {
            self.written.truncate(n);
        }
    }
}

/// What [`read_parts`] found.
struct Parts {
    table: TableRead,
    notes: Vec<String>,
    sheet: Option<SheetName>,
}

fn read_parts(path: &Path, form: HistoryForm, bytes: &[u8]) -> Result<Parts, LoadErrors> {
    if form == HistoryForm::Xlsx {
        let (table, notes, name, lang, others) =
            crate::workbooks::xlsx::read_history_sheet(path, bytes)?;
        return Ok(Parts {
            table,
            notes,
            sheet: Some(SheetName { name, lang, others }),
        });
    }
    let file: Arc<Path> = Arc::from(path);
    let mut errs = Errs::default();
    let mut table = TableRead::default();
    match form {
        HistoryForm::Xlsx => {}
        HistoryForm::Csv => {
            let mut head: Option<Header> = None;
            read_table_with(
                &file,
                TableInput::Bytes(bytes),
                TableKind::History,
                &mut errs,
                &mut |h| head = Some(h.clone()),
                |r, rec| table.read(r, rec),
            );
            if let Some(h) = head {
                table.header(&h);
            }
        }
        HistoryForm::Json => {
            use serde_json::value::RawValue;
            let text = crate::instances::bundle::text_of(path, bytes)?;
            let json_error = |e: serde_json::Error| crate::instances::bundle::json_error(path, &e);
            // A key given twice (a record's `expert`, the `history`
            // list) is refused, as in a bundle's history; checked without
            // building the values, which are then read one record at a
            // time (a million records as JSON values take gigabytes).
            crate::streams::strict::check_keys(text).map_err(json_error)?;
            let whole: &RawValue = serde_json::from_str(text).map_err(json_error)?;
            let list = match whole.get().as_bytes().first() {
                Some(b'[') => whole,
                Some(b'{') => history_of_object(whole.get())
                    .map_err(|_| LoadError::said(path, Said::NoHistoryList { object: true }))?,
                _ => {
                    return Err(LoadError::said(path, Said::NoHistoryList { object: false }).into())
                }
            };
            let items: Vec<&RawValue> = serde_json::from_str(list.get())
                .map_err(|_| LoadError::said(path, Said::NoHistoryList { object: true }))?;
            for (i, item) in items.iter().enumerate() {
                let mut r = Reader::new(&file, Site::Item("history", i as u32), &mut errs);
                let value: serde_json::Value =
                    serde_json::from_str(item.get()).map_err(json_error)?;
                let serde_json::Value::Object(obj) = &value else {
                    r.error_whole("expected an object (one history record)");
                    continue;
                };
                r.unknown_keys(obj, HISTORY_FIELDS, false);
                table.list.read(r, &JsonRecord(obj));
            }
        }
    }
    table.list.check_repeats(&mut errs);
    let notes = errs.take_notes().notes;
    errs.finish(Some(table)).map(|table| Parts {
        table,
        notes,
        sheet: None,
    })
}

impl HistoryFile {
    /// Reads the history file at `path`; a file that does not exist is an
    /// empty history (written afresh by [`HistoryFile::appended_bytes`]).
    ///
    /// # Errors
    /// As [`read_history_file`].
    pub fn read(path: &Path) -> Result<HistoryFile, LoadErrors> {
        let form =
            HistoryForm::of(path).ok_or_else(|| LoadError::said(path, Said::HistoryExtension))?;
        use crate::streams::ReadFailure;
        let bytes = match crate::streams::read_limited(path, crate::MAX_FILE_BYTES) {
            Ok(b) => b,
            Err(ReadFailure::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(HistoryFile {
                    records: Vec::new(),
                    notes: Vec::new(),
                    form,
                    exists: false,
                    json: None,
                    layout: None,
                    written: Written::default(),
                    sheet: None,
                })
            }
            Err(e) => return Err(e.into_error(path).into()),
        };
        let parts = read_parts(path, form, &bytes)?;
        let TableRead {
            list,
            layout,
            written,
        } = parts.table;
        Ok(HistoryFile {
            records: list.into_records(),
            notes: parts.notes,
            form,
            exists: true,
            json: (form == HistoryForm::Json).then_some(bytes),
            layout,
            written,
            sheet: parts.sheet,
        })
    }

    /// [`HistoryFile::read`] for `history append`: a workbook holding other
    /// sheets besides the history sheet is refused (the rewrite holds the
    /// history sheet alone, and the others would be lost).
    ///
    /// # Errors
    /// As [`read_history_file`], and that refusal.
    pub fn read_to_append(path: &Path) -> Result<HistoryFile, LoadErrors> {
        let f = HistoryFile::read(path)?;
        if let Some(s) = f.sheet.as_ref().filter(|s| !s.others.is_empty()) {
            return Err(LoadError::said(
                path,
                Said::HistoryOtherSheets {
                    sheet: s.name.clone(),
                    others: s.others.clone(),
                },
            )
            .into());
        }
        Ok(f)
    }

    /// The bytes of the file at `path` with `new` appended to its records,
    /// keeping what it holds besides them:
    ///
    /// - JSON: the file's bytes, with the new records (one a line) at the
    ///   end of its list, or of the `history` list of an object (a bundle:
    ///   every other key and value stays as written);
    /// - CSV and workbook: the rows above the header (a title) as read (a
    ///   workbook's at their rows), the header cells as written (Chinese
    ///   stays Chinese, and new records' outcomes are the Chinese words
    ///   under a Chinese header), the records already there cell for cell
    ///   as written,
    ///   the office's own columns with their values (empty in new
    ///   records), known columns the file lacks and a record needs added
    ///   at the end (named in the header's language); a workbook keeps its
    ///   sheet's name;
    /// - a new file: as [`history_bytes`] writes it (`lang` for a
    ///   workbook's sheet and columns).
    ///
    /// # Errors
    /// A record the form cannot hold.
    pub fn appended_bytes(
        &self,
        path: &Path,
        new: &[PastReview],
        lang: Lang,
    ) -> Result<Vec<u8>, WriteError> {
        let all = || {
            let mut all = self.records.clone();
            all.extend(new.iter().cloned());
            all
        };
        match (self.form, &self.json, &self.layout) {
            (HistoryForm::Json, Some(bytes), _) => json_appended(path, bytes, new),
            (HistoryForm::Csv | HistoryForm::Xlsx, _, Some(layout)) if self.exists => {
                self.table_bytes(path, layout, new)
            }
            (HistoryForm::Xlsx, _, None) if self.exists => {
                let lang = self.sheet.as_ref().map_or(lang, |s| s.lang);
                history_bytes(path, self.form, &all(), lang)
            }
            _ => history_bytes(path, self.form, &all(), lang),
        }
    }

    /// A table's bytes after appending `new`, in the file's own columns,
    /// written row by row from the cells as read (no copy of the table).
    fn table_bytes<'a>(
        &'a self,
        path: &Path,
        layout: &Layout,
        new: &'a [PastReview],
    ) -> Result<Vec<u8>, WriteError> {
        let mut columns = layout.columns.clone();
        let lang = layout.lang();
        // Known columns the file lacks and some record gives, at the end.
        for field in HISTORY_FIELDS {
            let present = columns
                .iter()
                .any(|c| matches!(c, Column::Field(f, _) if f == field));
            if !present
                && new
                    .iter()
                    .chain(&self.records)
                    .any(|r| !history_cell(r, field, lang).is_empty())
            {
                columns.push(Column::Field(
                    field,
                    header_name(TableKind::History, field, lang),
                ));
            }
        }
        let header: Vec<String> = columns
            .iter()
            .map(|c| match c {
                Column::Field(_, label) | Column::Kept(label) => label.clone(),
            })
            .collect();
        // Record `k`'s cell in column `j` (`None`: a new record): an
        // existing record's as written (a column added after them from
        // its values), a new record's as this program writes it in the
        // header's language (a Chinese table gets 已评审/拒绝, not
        // reviewed/declined).
        let cell = |k: Option<usize>, r: &'a PastReview, j: usize| -> Cell<'a> {
            if let Some((text, typed)) = k.and_then(|k| self.written.cell(k, j)) {
                let field = match &columns[j] {
                    Column::Field(f, _) => Some(*f),
                    Column::Kept(_) => None,
                };
                return Cell {
                    field,
                    text: Cow::Borrowed(text),
                    typed,
                };
            }
            match &columns[j] {
                Column::Field(f, _) => Cell {
                    field: Some(*f),
                    text: history_cell(r, f, lang),
                    typed: None,
                },
                Column::Kept(_) => Cell {
                    field: None,
                    text: Cow::Borrowed(""),
                    typed: None,
                },
            }
        };
        let cell = &cell;
        let records = self
            .records
            .iter()
            .enumerate()
            .map(|(k, r)| (Some(k), r))
            .chain(new.iter().map(|r| (None, r)));
        let width = columns.len();
        match self.form {
            HistoryForm::Xlsx => {
                let name = self
                    .sheet
                    .as_ref()
                    .map_or_else(|| "history".to_string(), |s| s.name.clone());
                crate::workbooks::xlsx::history_table_xlsx_bytes(
                    path,
                    name,
                    (&layout.above, layout.row),
                    header,
                    records.map(|(k, r)| (0..width).map(|j| cell(k, r, j)).collect()),
                )
            }
            _ => crate::instances::csvdir::titled_rows(
                path,
                layout.above.iter().map(|(_, cells)| cells.as_slice()),
                &header,
                records.map(|(k, r)| {
                    (0..width).map(move |j| {
                        let c = cell(k, r, j);
                        (c.text, c.field == Some("year"))
                    })
                }),
            ),
        }
    }
}

/// A cell of a rewritten history table.
#[derive(Clone, Debug)]
pub(crate) struct Cell<'a> {
    /// The known field of its column (`None`: an office's own column).
    pub(crate) field: Option<&'static str>,
    /// Its text as written in CSV.
    pub(crate) text: Cow<'a, str>,
    /// The cell as a workbook held it, when not as text (a number, a
    /// boolean, a date).
    pub(crate) typed: Option<&'a XCell>,
}

/// The bytes of JSON history file `bytes` with `new` at the end of its
/// list (or of the `history` list of an object), everything else as it
/// was: each new record is one line, indented as the list's last record
/// is (an empty list is laid out one record a line).
fn json_appended(path: &Path, bytes: &[u8], new: &[PastReview]) -> Result<Vec<u8>, WriteError> {
    use serde_json::value::RawValue;
    let bad = |m: &str| WriteError::unrepresentable(path, m.to_string());
    let body = crate::instances::bundle::strip_bom(bytes);
    let text = std::str::from_utf8(body).map_err(|_| bad("not UTF-8"))?;
    let base = text.as_ptr() as usize;
    let whole: &RawValue = serde_json::from_str(text).map_err(|e| bad(&e.to_string()))?;
    let list: &RawValue = if whole.get().starts_with('{') {
        history_of_object(whole.get()).map_err(|m| bad(&m))?
    } else {
        whole
    };
    let items: Vec<&RawValue> =
        serde_json::from_str(list.get()).map_err(|e| bad(&e.to_string()))?;
    let list_start = list.get().as_ptr() as usize - base;
    let list_end = list_start + list.get().len();
    let mut lines = Vec::with_capacity(new.len());
    for r in new {
        let line = serde_json::to_string(&crate::instances::bundle_write::HistoryOut::of(r))
            .map_err(|e| WriteError::encode(path, e))?;
        lines.push(line);
    }
    let prefix = &bytes[..bytes.len() - body.len()];
    let mut out = prefix.to_vec();
    match items.last() {
        _ if lines.is_empty() => return Ok(bytes.to_vec()),
        Some(last) => {
            let last_start = last.get().as_ptr() as usize - base;
            let last_end = last_start + last.get().len();
            let line_start = text[..last_start].rfind('\n').map_or(0, |i| i + 1);
            let indent = &text[line_start..last_start];
            let sep = if indent.chars().all(|c| c == ' ' || c == '\t') {
                format!(",\n{indent}")
            } else {
                ", ".to_string()
            };
            out.extend_from_slice(&text.as_bytes()[..last_end]);
            for l in &lines {
                out.extend_from_slice(sep.as_bytes());
                out.extend_from_slice(l.as_bytes());
            }
            out.extend_from_slice(&text.as_bytes()[last_end..]);
        }
        None => {
            let line_start = text[..list_start].rfind('\n').map_or(0, |i| i + 1);
            let indent: String = text[line_start..list_start]
                .chars()
                .take_while(|c| *c == ' ' || *c == '\t')
                .collect();
            out.extend_from_slice(&text.as_bytes()[..list_start]);
            out.extend_from_slice(b"[\n");
            for (i, l) in lines.iter().enumerate() {
                out.extend_from_slice(format!("{indent}  {l}").as_bytes());
                if i + 1 < lines.len() {
                    out.push(b',');
                }
                out.push(b'\n');
            }
            out.extend_from_slice(format!("{indent}]").as_bytes());
            out.extend_from_slice(&text.as_bytes()[list_end..]);
        }
    }
    Ok(out)
}

/// The `history` value of a JSON object, as written; an error when the
/// object has none or more than one.
fn history_of_object(text: &str) -> Result<&serde_json::value::RawValue, String> {
    use serde::de::{Deserializer as _, MapAccess, Visitor};
    use serde_json::value::RawValue;
    struct Find;
    impl<'de> Visitor<'de> for Find {
        type Value = Result<&'de RawValue, String>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Self::Value, A::Error> {
            let mut found: Option<&'de RawValue> = None;
            let mut twice = false;
            while let Some(k) = m.next_key::<String>()? {
                let v: &'de RawValue = m.next_value()?;
                if k == "history" {
                    twice |= found.is_some();
                    found = Some(v);
                }
            }
            Ok(match (found, twice) {
                (_, true) => Err("the object holds the key history twice; keep one".to_string()),
                (Some(v), false) => Ok(v),
                (None, false) => Err("the object has no history list".to_string()),
            })
        }
    }
    let mut de = serde_json::Deserializer::from_str(text);
    de.deserialize_map(Find).map_err(|e| e.to_string())?
}

/// The bytes of a history file in `form` (CSV with a UTF-8 BOM and
/// formula-safe cells, as office outputs are; JSON one record per line; a
/// workbook with its sheet and columns in `lang`).
///
/// # Errors
/// A record the form cannot hold.
pub fn history_bytes(
    path: &Path,
    form: HistoryForm,
    records: &[PastReview],
    lang: Lang,
) -> Result<Vec<u8>, WriteError> {
    match form {
        HistoryForm::Csv => {
            crate::instances::csvdir::table(path, HISTORY_FIELDS, records.iter().map(history_row))
        }
        HistoryForm::Xlsx => crate::workbooks::xlsx::history_xlsx_bytes(path, records, lang),
        HistoryForm::Json => {
            let mut out = b"[\n".to_vec();
            for (i, r) in records.iter().enumerate() {
                let line = serde_json::to_vec(&crate::instances::bundle_write::HistoryOut::of(r))
                    .map_err(|e| WriteError::encode(path, e))?;
                out.extend_from_slice(b"  ");
                out.extend_from_slice(&line);
                if i + 1 < records.len() {
                    out.push(b',');
                }
                out.push(b'\n');
            }
            out.extend_from_slice(b"]\n");
            Ok(out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::Outcome;

    fn record(expert: &str, outcome: Outcome) -> PastReview {
        PastReview {
            year: 2025,
            round: Some("spring".into()),
            application: Some("A1".into()),
            institution: "中南大学".into(),
            expert: expert.into(),
            outcome,
            ..PastReview::default()
        }
    }

    /// `file` (at `path`) after appending `new`, and what it reads back as.
    fn appended(path: &Path, bytes: &[u8], new: &[PastReview]) -> (Vec<u8>, Vec<PastReview>) {
        std::fs::write(path, bytes).unwrap();
        let f = HistoryFile::read_to_append(path).unwrap();
        let out = f.appended_bytes(path, new, Lang::En).unwrap();
        let again = f.appended_bytes(path, new, Lang::En).unwrap();
        assert_eq!(out, again, "the same append gives the same bytes");
        let form = HistoryForm::of(path).unwrap();
        let back = read_history_bytes(path, form, &out).unwrap();
        (out, back)
    }

    #[test]
    fn a_title_row_above_a_csv_header_stays() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.csv");
        let new = [record("E2", Outcome::Reviewed)];
        // With records, and with the header alone (a blank table an
        // office prepared).
        for (before, first_record) in [
            (
                "2025年评审记录\nyear,institution,expert\n2024,U1,E1\n",
                Some("2024,U1,E1"),
            ),
            ("2025年评审记录,,\n,,\nyear,institution,expert\n", None),
        ] {
            let (out, back) = appended(&path, before.as_bytes(), &new);
            let text = String::from_utf8(out).unwrap();
            let mut lines = text.trim_start_matches('\u{feff}').lines();
            let title = lines.next().unwrap();
            assert!(title.starts_with("2025年评审记录"), "{text}");
            if first_record.is_none() {
                // The blank row under the title, as Excel saved it.
                assert_eq!(lines.next(), Some(",,"), "{text}");
            }
            assert!(
                lines.next().unwrap().starts_with("year,institution,expert"),
                "{text}"
            );
            if let Some(r) = first_record {
                assert!(lines.next().unwrap().starts_with(r), "{text}");
            }
            assert_eq!(back.len(), usize::from(first_record.is_some()) + 1);
            assert_eq!(back.last().unwrap().expert, "E2");
        }
    }

    #[test]
    fn a_title_row_above_a_workbook_header_stays_at_its_row() {
        use crate::workbooks::xlsx::{read_xlsx_tables, tables_xlsx_bytes, Table, XCell};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.xlsx");
        // Title in row 1, row 2 blank, the header in row 3.
        let t = |s: &str| XCell::Text(s.into());
        let table = Table {
            name: "历史".into(),
            header: vec!["2025年评审记录".into()],
            rows: vec![
                vec![],
                vec![t("年份"), t("单位"), t("专家"), t("结果")],
                vec![XCell::Number(2024.0), t("U1"), t("E1"), t("已评审")],
            ],
        };
        let bytes = tables_xlsx_bytes(&path, &[table]).unwrap();
        let new = [record("E2", Outcome::Declined)];
        let (out, back) = appended(&path, &bytes, &new);
        assert_eq!(back.len(), 2);
        let sheets = read_xlsx_tables(&out).unwrap();
        let (name, rows) = &sheets[0];
        assert_eq!(name, "历史");
        assert_eq!(rows[0], ["2025年评审记录"]);
        assert!(rows[1].iter().all(String::is_empty), "{rows:?}");
        assert_eq!(rows[2][..4], ["年份", "单位", "专家", "结果"]);
        assert_eq!(rows[3][..4], ["2024", "U1", "E1", "已评审"]);
        assert_eq!(rows[4][2], "E2");
    }

    #[test]
    fn a_workbook_keeps_its_cells_types() {
        use crate::workbooks::xlsx::{tables_xlsx_bytes, Table};
        use calamine::{Data, Reader as _, Xlsx};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.xlsx");
        let t = |s: &str| XCell::Text(s.into());
        // 2026-12-06 and 2026-12-06 09:30 as Excel serials.
        let (day, moment) = (46_362.0, 46_362.0 + 9.5 / 24.0);
        let table = Table {
            name: "历史".into(),
            header: [
                "年份",
                "单位",
                "专家",
                "评分",
                "得分",
                "已核对",
                "入库日期",
                "备注",
            ]
            .map(String::from)
            .to_vec(),
            rows: vec![vec![
                XCell::Number(2024.0),
                t("U1"),
                XCell::Number(17.0),
                XCell::Number(4.5),
                XCell::Number(88.25),
                XCell::Bool(true),
                XCell::Date(day, "yyyy-mm-dd"),
                t("ok"),
            ]],
        };
        let bytes = tables_xlsx_bytes(&path, &[table]).unwrap();
        let mut new = record("E2", Outcome::Reviewed);
        new.rating = Some(4.0);
        let (out, back) = appended(&path, &bytes, &[new]);
        assert_eq!(back.len(), 2);
        assert_eq!(back[0].rating, Some(4.5));
        let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(out.clone())).unwrap();
        let range = wb.worksheet_range("历史").unwrap();
        let at = |r: usize, c: usize| range.get((r, c)).cloned().unwrap_or(Data::Empty);
        let header: Vec<Data> = (0..8).map(|c| at(0, c)).collect();
        assert_eq!(header[4], Data::String("得分".into()), "{header:?}");
        // The office's record: every cell as it was.
        assert_eq!(at(1, 0), Data::Float(2024.0));
        assert_eq!(at(1, 1), Data::String("U1".into()));
        assert_eq!(
            at(1, 2),
            Data::Float(17.0),
            "an expert id typed as a number"
        );
        assert_eq!(at(1, 3), Data::Float(4.5));
        assert_eq!(at(1, 4), Data::Float(88.25));
        assert_eq!(at(1, 5), Data::Bool(true));
        match at(1, 6) {
            Data::DateTime(d) => {
                assert_eq!(d.as_f64(), day);
                assert!(!d.is_duration());
            }
            other => panic!("the date came back as {other:?}"),
        }
        assert_eq!(at(1, 7), Data::String("ok".into()));
        // The new record: year and rating as numbers, the office's own
        // columns empty.
        assert_eq!(at(2, 0), Data::Float(2025.0));
        assert_eq!(at(2, 2), Data::String("E2".into()));
        assert_eq!(at(2, 3), Data::Float(4.0));
        for c in 4..8 {
            assert_eq!(at(2, c), Data::Empty, "column {c}");
        }
        // A date with a time of day stays one, and the rewrite is read
        // back the same way again.
        let table = Table {
            name: "history".into(),
            header: ["year", "institution", "expert", "checked_at"]
                .map(String::from)
                .to_vec(),
            rows: vec![vec![
                XCell::Number(2024.0),
                t("U1"),
                t("E1"),
                XCell::Date(moment, "yyyy-mm-dd hh:mm:ss"),
            ]],
        };
        let bytes = tables_xlsx_bytes(&path, &[table]).unwrap();
        let (out, _) = appended(&path, &bytes, &[record("E2", Outcome::Declined)]);
        let (again, _) = appended(&path, &out, &[record("E3", Outcome::Declined)]);
        let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(again)).unwrap();
        let range = wb.worksheet_range("history").unwrap();
        match range.get((1, 3)) {
            Some(Data::DateTime(d)) => assert!((d.as_f64() - moment).abs() < 1e-9),
            other => panic!("the date and time came back as {other:?}"),
        }
    }

    #[test]
    fn new_records_of_a_chinese_table_get_chinese_outcomes() {
        let dir = tempfile::tempdir().unwrap();
        let new: Vec<PastReview> = Outcome::ALL
            .iter()
            .enumerate()
            .map(|(i, &o)| record(&format!("E{i}"), o))
            .collect();
        let words = ["已评审", "拒绝", "缺席", "逾期"];
        // CSV: a Chinese header gets the Chinese words; an English one
        // SPEC's words; the records already there stay as written.
        let path = dir.path().join("h.csv");
        let (out, back) = appended(
            &path,
            "年份,单位,专家,结果\n2024,U1,E9,reviewed\n".as_bytes(),
            &new,
        );
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("2024,U1,E9,reviewed,"), "{text}");
        for w in words {
            assert!(text.contains(w), "{w}: {text}");
        }
        for w in ["declined", "no_show", "late"] {
            assert!(!text.contains(w), "{w}: {text}");
        }
        let outcomes: Vec<Outcome> = back.iter().skip(1).map(|r| r.outcome).collect();
        assert_eq!(outcomes, Outcome::ALL);
        let (out, _) = appended(
            &path,
            b"year,institution,expert,outcome\n2024,U1,E9,reviewed\n",
            &new,
        );
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.contains(",declined") && !text.contains("拒绝"),
            "{text}"
        );

        // A workbook with a Chinese header, and a new Chinese workbook.
        let path = dir.path().join("h.xlsx");
        let zh = history_bytes(&path, HistoryForm::Xlsx, &new[..1], Lang::Zh).unwrap();
        let (out, back) = appended(&path, &zh, &new[1..]);
        let rows = &crate::workbooks::xlsx::read_xlsx_tables(&out).unwrap()[0].1;
        let col = rows[0].iter().position(|h| h == "结果").unwrap();
        let shown: Vec<&str> = rows[1..].iter().map(|r| r[col].as_str()).collect();
        assert_eq!(shown, words);
        let outcomes: Vec<Outcome> = back.iter().map(|r| r.outcome).collect();
        assert_eq!(outcomes, Outcome::ALL);
    }
}

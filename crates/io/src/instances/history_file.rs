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

use crate::error::{Errs, LoadError, LoadErrors, WriteError};
use crate::history::PastReview;
use crate::instances::csvdir::{history_row, history_row_in, read_table_with, TableInput};
use crate::instances::office::{header_key, header_name, Header, Lang, TableKind};
use crate::instances::records::{HistoryList, JsonRecord, Reader, Record, Site, HISTORY_FIELDS};

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
    /// The file's bytes; `None` when it does not exist yet.
    bytes: Option<Vec<u8>>,
    /// A table's columns as its header names them (`None`: JSON, a new
    /// file, or a table of no rows).
    layout: Option<Layout>,
    /// Per record, its cells in `layout`'s columns as written.
    kept: Vec<Vec<String>>,
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
/// as written, and the key its cells are kept under).
#[derive(Clone, Debug, Default)]
struct Layout {
    columns: Vec<Column>,
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
    Kept { label: String, key: String },
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
            at.push((
                *i,
                Column::Kept {
                    label,
                    key: key.clone(),
                },
            ));
        }
        at.sort_by_key(|(i, _)| *i);
        Layout {
            columns: at.into_iter().map(|(_, c)| c).collect(),
            row: h.row,
            above: h.above.clone(),
        }
    }

    /// A row's cells in the layout's columns, as written (known fields
    /// untrimmed, the office's own trimmed).
    fn cells_of(&self, rec: &dyn Record) -> Vec<String> {
        let kept = rec.kept();
        self.columns
            .iter()
            .map(|c| match c {
                Column::Field(f, _) => match rec.cell(f) {
                    crate::instances::records::Cell::Text(t) => t.to_string(),
                    _ => String::new(),
                },
                Column::Kept { key, .. } => kept
                    .iter()
                    .find(|(k, _)| k == key)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default(),
            })
            .collect()
    }

    /// The language of the header: Chinese when a known column is named
    /// other than by its English field name.
    fn lang(&self) -> Lang {
        let chinese = self.columns.iter().any(|c| match c {
            Column::Field(f, label) => header_key(label) != header_key(f),
            Column::Kept { .. } => false,
        });
        if chinese {
            Lang::Zh
        } else {
            Lang::En
        }
    }
}

/// A history table as read: the records, the header, the kept cells.
#[derive(Debug, Default)]
pub(crate) struct TableRead {
    pub(crate) list: HistoryList,
    layout: Option<Layout>,
    /// Per record, its cells in `layout`'s columns as written.
    kept: Vec<Vec<String>>,
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
        let cells = self.layout.as_ref().map(|l| l.cells_of(rec));
        self.list.read(r, rec);
        if self.list.records.len() > n {
            self.kept.push(cells.unwrap_or_default());
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
            let text = crate::instances::bundle::text_of(path, bytes)?;
            // A key given twice (a record's `expert`, the `history`
            // list) is refused, as in a bundle's history.
            let v: serde_json::Value = crate::streams::strict::from_str_unique(text)
                .map_err(|e| crate::instances::bundle::json_error(path, &e))?;
            let list = match &v {
                serde_json::Value::Array(items) => items.as_slice(),
                serde_json::Value::Object(m) => {
                    match m.get("history") {
                        Some(serde_json::Value::Array(items)) => items.as_slice(),
                        _ => return Err(LoadError::new(
                            path,
                            "expected a list of history records (or an object with a history list)",
                        )
                        .into()),
                    }
                }
                _ => return Err(LoadError::new(path, "expected a list of history records").into()),
            };
            for (i, item) in list.iter().enumerate() {
                let mut r = Reader::new(&file, Site::Item("history", i as u32), &mut errs);
                let serde_json::Value::Object(obj) = item else {
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
        let form = HistoryForm::of(path).ok_or_else(|| LoadError::new(path, HISTORY_EXTENSIONS))?;
        use crate::streams::ReadFailure;
        let bytes = match crate::streams::read_limited(path, crate::MAX_FILE_BYTES) {
            Ok(b) => b,
            Err(ReadFailure::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(HistoryFile {
                    records: Vec::new(),
                    notes: Vec::new(),
                    form,
                    bytes: None,
                    layout: None,
                    kept: Vec::new(),
                    sheet: None,
                })
            }
            Err(e) => return Err(e.into_error(path).into()),
        };
        let parts = read_parts(path, form, &bytes)?;
        let TableRead { list, layout, kept } = parts.table;
        Ok(HistoryFile {
            records: list.into_records(),
            notes: parts.notes,
            form,
            bytes: Some(bytes),
            layout,
            kept,
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
            return Err(LoadError::new(
                path,
                format!(
                    "the workbook holds other sheets besides {:?} ({}); appending rewrites a \
                     history workbook with its history sheet alone: move the history sheet to \
                     a workbook of its own, or append to a .csv",
                    s.name,
                    s.others.join(", ")
                ),
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
        match (self.form, &self.bytes, &self.layout) {
            (HistoryForm::Json, Some(bytes), _) => json_appended(path, bytes, new),
            (HistoryForm::Csv | HistoryForm::Xlsx, Some(_), Some(layout)) => {
                self.table_bytes(path, layout, new)
            }
            (HistoryForm::Xlsx, Some(_), None) => {
                let lang = self.sheet.as_ref().map_or(lang, |s| s.lang);
                history_bytes(path, self.form, &all(), lang)
            }
            _ => history_bytes(path, self.form, &all(), lang),
        }
    }

    /// A table's bytes after appending `new`, in the file's own columns.
    fn table_bytes(
        &self,
        path: &Path,
        layout: &Layout,
        new: &[PastReview],
    ) -> Result<Vec<u8>, WriteError> {
        let mut columns = layout.columns.clone();
        let lang = layout.lang();
        // The fields some record gives.
        let mut given = [false; HISTORY_FIELDS.len()];
        for r in new.iter().chain(&self.records) {
            for (g, v) in given.iter_mut().zip(history_row(r)) {
                *g |= !v.is_empty();
            }
        }
        for (field, needed) in HISTORY_FIELDS.iter().zip(given) {
            let present = columns
                .iter()
                .any(|c| matches!(c, Column::Field(f, _) if f == field));
            if !present && needed {
                columns.push(Column::Field(
                    field,
                    header_name(TableKind::History, field, lang),
                ));
            }
        }
        let header: Vec<String> = columns
            .iter()
            .map(|c| match c {
                Column::Field(_, label) | Column::Kept { label, .. } => label.clone(),
            })
            .collect();
        let field_at = |f: &str| HISTORY_FIELDS.iter().position(|x| *x == f);
        // A record's cells: an existing record's as written (a column added
        // after them from its values), a new record's as this program
        // writes them in the header's language (a Chinese table gets
        // 已评审/拒绝, not reviewed/declined).
        let row = |r: &PastReview, written: Option<&Vec<String>>| -> Vec<Cell> {
            let values = history_row_in(r, lang);
            columns
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let as_written = written.and_then(|w| w.get(i)).cloned();
                    match c {
                        Column::Field(f, _) => Cell::Known(
                            f,
                            as_written.unwrap_or_else(|| {
                                field_at(f).map(|j| values[j].clone()).unwrap_or_default()
                            }),
                        ),
                        Column::Kept { .. } => Cell::Kept(as_written.unwrap_or_default()),
                    }
                })
                .collect()
        };
        let rows: Vec<Vec<Cell>> = self
            .records
            .iter()
            .zip(&self.kept)
            .map(|(r, w)| row(r, Some(w)))
            .chain(new.iter().map(|r| row(r, None)))
            .collect();
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
                    rows,
                )
            }
            _ => {
                let numeric: Vec<bool> = columns
                    .iter()
                    .map(|c| matches!(c, Column::Field(f, _) if *f == "year"))
                    .collect();
                crate::instances::csvdir::titled_table(
                    path,
                    layout.above.iter().map(|(_, cells)| cells.as_slice()),
                    &header,
                    &numeric,
                    rows.into_iter().map(|r| {
                        r.into_iter()
                            .map(|c| match c {
                                Cell::Known(_, v) | Cell::Kept(v) => v,
                            })
                            .collect()
                    }),
                )
            }
        }
    }
}

/// A cell of a rewritten history table: of a known field, or of an
/// office's own column.
#[derive(Clone, Debug)]
pub(crate) enum Cell {
    /// A known field's value as written in CSV.
    Known(&'static str, String),
    /// A kept cell's text.
    Kept(String),
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

//! History files for `panels history append`: a `.csv` table with the
//! columns of the `history` table (what a CSV instance directory reads as
//! `history.csv`), a `.json` list of history records (what a bundle holds
//! under `history`), or an `.xlsx` workbook with one sheet `history` (`历史`
//! in Chinese; what an instance workbook reads as its history sheet). Read
//! with the same record parser as instances, so a file this program writes
//! loads back as an instance's history.

use std::path::Path;
use std::sync::Arc;

use crate::error::{Errs, LoadError, LoadErrors, WriteError};
use crate::history::PastReview;
use crate::instances::csvdir::{history_row, read_table, TableInput};
use crate::instances::records::{parse_history, JsonRecord, Reader, Site, HISTORY_FIELDS};

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
/// Every bad record, located by row (CSV, workbook) or list item (JSON).
pub fn read_history_file(path: &Path) -> Result<Vec<PastReview>, LoadErrors> {
    read_history_file_lang(path).map(|(records, _)| records)
}

/// Like [`read_history_file`], with the language of a workbook's sheet
/// name (`None` for CSV, JSON and a file that does not exist yet).
///
/// # Errors
/// As [`read_history_file`].
pub fn read_history_file_lang(
    path: &Path,
) -> Result<(Vec<PastReview>, Option<crate::instances::office::Lang>), LoadErrors> {
    let form = HistoryForm::of(path).ok_or_else(|| LoadError::new(path, HISTORY_EXTENSIONS))?;
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((Vec::new(), None)),
        Err(e) => return Err(LoadError::new(path, crate::streams::describe_io(&e)).into()),
    };
    if form == HistoryForm::Xlsx {
        return crate::workbooks::xlsx::read_history_xlsx(path, &bytes).map(|(r, l)| (r, Some(l)));
    }
    read_history_bytes(path, form, &bytes).map(|r| (r, None))
}

/// Reads history records from bytes in `form`; `path` names the file in
/// messages.
pub fn read_history_bytes(
    path: &Path,
    form: HistoryForm,
    bytes: &[u8],
) -> Result<Vec<PastReview>, LoadErrors> {
    let file: Arc<Path> = Arc::from(path);
    let mut errs = Errs::default();
    let mut out = Vec::new();
    match form {
        HistoryForm::Xlsx => {
            return crate::workbooks::xlsx::read_history_xlsx(path, bytes)
                .map(|(records, _)| records)
        }
        HistoryForm::Csv => {
            read_table(
                &file,
                TableInput::Bytes(bytes),
                crate::instances::office::TableKind::History,
                &mut errs,
                |r, rec| out.extend(parse_history(r, rec)),
            );
        }
        HistoryForm::Json => {
            let text = crate::instances::bundle::text_of(path, bytes)?;
            let v: serde_json::Value = serde_json::from_str(text)
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
                out.extend(parse_history(r, &JsonRecord(obj)));
            }
        }
    }
    errs.finish(Some(out))
}

/// The bytes of a history file in `form` (CSV with a UTF-8 BOM and
/// formula-safe cells, as office outputs are; JSON one record per line; a
/// workbook with its sheet and columns in `lang`).
pub fn history_bytes(
    path: &Path,
    form: HistoryForm,
    records: &[PastReview],
    lang: crate::instances::office::Lang,
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

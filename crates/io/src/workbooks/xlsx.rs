//! Excel workbooks (`.xlsx`): an instance read from one workbook, an
//! instance or a panels file written as one.
//!
//! **Reading** (calamine): a workbook holds the same tables as a CSV
//! directory, one sheet each: `experts` and `applications` (required),
//! `conflicts`, `coauthorships`, `affinity` (optional) and `policy`
//! (required; two columns `key` and `value`, one policy field per row; a
//! sheet with only the header means all defaults). Sheet names are matched
//! without regard to letter case or surrounding spaces; other sheets (notes,
//! pivots) are ignored unless their name looks like a misspelt table name.
//! Every record goes through the same parsers (`records`) and the same
//! `resolve` step as the CSV and JSON forms, so a workbook and a CSV
//! directory with the same cells load to equal [`Instance`]s.
//!
//! Cells: text cells are read as CSV cells are; number cells as their
//! shortest decimal (`6.0` → `6`); `TRUE`/`FALSE` cells as booleans; empty
//! cells mean "not given". A date cell, an Excel error (`#N/A`) or a
//! formula with no saved value is an error in a column the program reads,
//! skipped above the header, and kept as its text in a kept column
//! (`odd_cells`). Lists are `;`-separated, as in CSV. Completely empty
//! rows are skipped. The header is the first row naming the required
//! columns (title rows above it are skipped).
//!
//! Errors are located as `round.xlsx sheet experts row 17 (id E0017),
//! field max_load: …`, rows numbered as Excel shows them.
//!
//! **Writing** (rust_xlsxwriter): [`instance_xlsx_bytes`] writes the
//! reading form back (the round trip `load(write(inst)) == inst` holds);
//! [`panels_xlsx_bytes`] writes a panels file for program officers: a
//! `summary` sheet, one sheet per applicants' city (one row per
//! application) and a `by expert` sheet (one row per review, grouped by
//! reviewer). [`tables_xlsx_bytes`] writes any list of plain tables.
//! Output bytes are deterministic (fixed document date).
//!
//! Panels workbooks are in `crate::panels` (`panels/xlsx.rs`).
//!
//! **Boundary:** only this module knows calamine and rust_xlsxwriter.

use std::collections::BTreeMap;
use std::io::Cursor;
use std::path::Path;
use std::sync::Arc;

use calamine::{Data, Reader as _, Xlsx};
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook};
use serde_json::Value;

use crate::error::{Errs, LoadError, LoadErrors, Location, Said, SheetOf, WriteError};
use crate::instances::office::{self, Header, Lang, PolicyRows, TableAt, TableKind};
use crate::instances::records::{
    self, parse_application, parse_coauthorship, parse_conflict, parse_expert, Cell, Raw,
    RawAffinityList, Reader, Record, Site, POLICY_FIELDS,
};
use crate::model::Instance;

pub use super::template::{instructions_sheet, template_xlsx_bytes};
pub use crate::panels::xlsx::{
    panels_xlsx_bytes, panels_xlsx_bytes_in, read_panels_xlsx, PANELS_BY_EXPERT_SHEET,
    PANELS_SUMMARY_SHEET,
};

/// Sheet names of an instance workbook, in the order they are written.
pub const XLSX_SHEETS: &[&str] = &[
    "policy",
    "experts",
    "applications",
    "conflicts",
    "coauthorships",
    "affinity",
    "history",
];

/// The first bytes of an OLE2 compound file: an Excel 97–2003 workbook
/// (`.xls`), a WPS spreadsheet (`.et`).
const OLE2_MAGIC: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

/// True when `bytes` start as an Excel 97–2003 workbook (`.xls`) or a WPS
/// `.et` file does (an OLE2 compound file), which is not read.
pub fn is_old_workbook(bytes: &[u8]) -> bool {
    bytes.starts_with(OLE2_MAGIC)
}

/// What to tell an officer whose file is an old workbook
/// ([`is_old_workbook`]).
pub const OLD_WORKBOOK: &str = "an Excel 97–2003 workbook (.xls) or a WPS .et file, which is not \
     read; open it in Excel or WPS and save it as an Excel workbook (.xlsx): File → Save As → \
     Excel Workbook";

/// What to tell an officer whose workbook is protected with a password
/// ([`old_workbook_message`]).
pub const PROTECTED_WORKBOOK: &str = "a workbook protected with a password (Excel stores it \
     encrypted), which is not read; open it in Excel, remove the password (File → Info → \
     Protect Workbook → Encrypt with Password, clear the password; in WPS: File → Document \
     Encryption), save it as an Excel workbook (.xlsx) and load it again";

/// The message for an OLE2 compound file ([`is_old_workbook`]): Excel
/// saves a workbook with a password as one too, holding the streams
/// `EncryptionInfo` and `EncryptedPackage` ([`PROTECTED_WORKBOOK`]);
/// any other is an old workbook ([`OLD_WORKBOOK`]).
pub fn old_workbook_message(bytes: &[u8]) -> &'static str {
    let utf16 =
        |name: &str| -> Vec<u8> { name.encode_utf16().flat_map(u16::to_le_bytes).collect() };
    let holds = |name: &str| {
        let needle = utf16(name);
        bytes.windows(needle.len()).any(|w| w == needle.as_slice())
    };
    if holds("EncryptedPackage") || holds("EncryptionInfo") {
        PROTECTED_WORKBOOK
    } else {
        OLD_WORKBOOK
    }
}

/// [`old_workbook_message`] as its kind ([`crate::Said::OldWorkbook`]).
pub(crate) fn old_workbook(bytes: &[u8]) -> crate::Said {
    crate::Said::OldWorkbook {
        protected: old_workbook_message(bytes) == PROTECTED_WORKBOOK,
    }
}

/// True when `bytes` start as a zip file does (a workbook is one).
pub fn is_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04")
}

/// True when `path` names an `.xlsx` file (any letter case).
pub fn is_xlsx(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"))
}

// ---------------------------------------------------------------- reading

/// One sheet as text cells, with Excel's row numbers.
struct Sheet {
    /// The sheet's name as written in the workbook.
    name: String,
    /// Non-empty rows: (Excel row number from 1, cells as text).
    rows: Vec<(u64, Vec<String>)>,
    /// Cells that read as text only by a choice (a date, a duration, an
    /// Excel error, a formula with no saved value), in row and column
    /// order. Whether each is an error depends on where it stands, which
    /// only the table's header tells ([`odd_cells`]).
    odd: Vec<Odd>,
    /// Rows hidden in Excel (by hand or by a filter) that hold a value,
    /// ascending ([`super::hidden`]): read like the others, and noted.
    hidden: Vec<u64>,
    /// The cells that held a number, a boolean or a date, as they were
    /// (Excel row from 1, column from 0, value; in row and column order),
    /// when the sheet is read to be rewritten ([`typed_cell`]); else
    /// empty.
    typed: Vec<(u64, usize, XCell)>,
    /// True when `typed` was asked for (a kept date is then kept as a
    /// date, not as its text).
    keeps_types: bool,
}

/// What kind of cell an [`Odd`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum OddKind {
    /// A date or time, read as its ISO text (`2026-12-06`).
    Date,
    /// A duration, read as its text.
    Duration,
    /// An Excel error (`#N/A`), read as that text.
    Error,
    /// A formula with no saved value, read as empty.
    Unsaved,
}

/// A cell that is not plain text, a number or a boolean (small: a sheet
/// of dates has one per cell).
#[derive(Clone, Debug)]
struct Odd {
    /// Excel row, from 1.
    row: u64,
    /// Column, from 0.
    col: usize,
    kind: OddKind,
    /// The error of an [`OddKind::Error`] cell.
    error: Option<calamine::CellErrorType>,
}

impl Odd {
    /// What is wrong with the cell where a value is needed.
    fn message(&self) -> String {
        match (self.kind, &self.error) {
            (OddKind::Date, _) => {
                "holds a date or time; format the cell as text or as a plain number".into()
            }
            (OddKind::Duration, _) => {
                "holds a duration; format the cell as text or as a plain number".into()
            }
            (OddKind::Error, Some(e)) => format!("holds the Excel error {e}"),
            (OddKind::Error, None) => "holds an Excel error".into(),
            (OddKind::Unsaved, _) => UNSAVED_FORMULA.into(),
        }
    }
}

/// The cells of a sheet that are not plain values, sorted out by where
/// they stand once the header is known: rows above the header (a title,
/// a date) are skipped with them; in a column the program reads, each is
/// an error naming the cell and its header, and its text is blanked in
/// `rows` (a date is not a load); in a kept column (an office's own 入库日期
/// or 备注) the value is kept as its text (a date as `2026-12-06`, an
/// error as `#N/A`; a formula with no saved value as empty) with one note
/// per column. In the header row itself, a formula with no saved value
/// or an error is an error (the column would have no name).
fn odd_cells(
    file: &Path,
    sheet: &Sheet,
    header_row: u64,
    header: Option<&Header>,
    errs: &mut Errs,
) -> Vec<(u64, usize)> {
    const SHOWN: usize = 3;
    let mut blank = Vec::new();
    let mut kept: BTreeMap<(usize, OddKind), (usize, Vec<String>)> = BTreeMap::new();
    for odd in &sheet.odd {
        if odd.row < header_row {
            continue;
        }
        let at = sheet_loc(&sheet.name, odd.row);
        if odd.row == header_row {
            if matches!(odd.kind, OddKind::Unsaved | OddKind::Error) {
                errs.push(
                    LoadError::new(
                        file,
                        format!(
                            "column {} (the header row) {}",
                            office::column_letters(odd.col),
                            odd.message()
                        ),
                    )
                    .at(at),
                );
            }
            continue;
        }
        let Some(header) = header else {
            continue;
        };
        let label = header
            .labels
            .get(odd.col)
            .map(|h| h.trim())
            .filter(|h| !h.is_empty());
        let column = crate::error::ColumnAt {
            letter: office::column_letters(odd.col),
            header: label.map(str::to_string),
        };
        if let Some(field) = header
            .columns
            .iter()
            .find(|&(_, &c)| c == odd.col)
            .map(|(f, _)| f)
        {
            errs.push(
                LoadError::new(file, odd.message())
                    .at(at)
                    .in_column(field.as_str(), column),
            );
            blank.push((odd.row, odd.col));
        } else if header.kept.iter().any(|&(c, _)| c == odd.col) {
            let e = kept.entry((odd.col, odd.kind)).or_default();
            e.0 += 1;
            if e.1.len() < SHOWN {
                e.1.push(format!("row {}", odd.row));
            }
        } else if odd.kind == OddKind::Unsaved {
            // A column without a header: a value there is refused as a
            // stray value by the table's reader, and a formula whose
            // value is unknown may be one.
            errs.push(
                LoadError::new(
                    file,
                    format!("{} {}", column.text(office::Lang::En), odd.message()),
                )
                .at(at),
            );
        }
    }
    for ((col, kind), (n, examples)) in kept {
        let label = header
            .and_then(|h| h.labels.get(col))
            .map(|h| h.trim())
            .unwrap_or("");
        let what = match kind {
            OddKind::Date if sheet.keeps_types => "hold a date or time, kept as it is",
            OddKind::Duration if sheet.keeps_types => "hold a duration, kept as it is",
            OddKind::Date => "hold a date or time, kept as its text (year-month-day)",
            OddKind::Duration => "hold a duration, kept as its text",
            OddKind::Error => "hold an Excel error (such as #N/A), kept as that text",
            OddKind::Unsaved => {
                "hold a formula with no saved value, kept empty (open the file in Excel or WPS \
                 and save it again to keep their values)"
            }
        };
        let more = if n > examples.len() { ", …" } else { "" };
        errs.note(format!(
            "note: {} sheet {}: column {} \"{label}\": {n} cell(s) ({}{more}) {what}",
            file.display(),
            sheet.name,
            office::column_letters(col),
            examples.join(", ")
        ));
    }
    blank
}

/// Where a row of a sheet is.
fn sheet_loc(sheet: &str, row: u64) -> Location {
    Location::sheet(sheet, row)
}

/// A cell as the text a CSV cell would hold, or why it cannot be one.
fn cell_text(d: &Data) -> Result<String, String> {
    match cell_reading(d) {
        (t, None) => Ok(t),
        (_, Some(kind)) => Err(Odd {
            row: 0,
            col: 0,
            kind,
            error: match d {
                Data::Error(e) => Some(e.clone()),
                _ => None,
            },
        }
        .message()),
    }
}

/// A cell as text, and for a date, a duration or an Excel error, its
/// kind (the text is then what Excel shows: the date as `2026-12-06`,
/// the error as `#N/A`).
fn cell_reading(d: &Data) -> (String, Option<OddKind>) {
    match d {
        Data::Empty => (String::new(), None),
        Data::String(s) => (s.clone(), None),
        Data::Int(i) => (i.to_string(), None),
        Data::Float(f) => (float_text(*f), None),
        Data::Bool(b) => (b.to_string(), None),
        Data::DateTime(dt) if dt.is_duration() => {
            (float_text(dt.as_f64()), Some(OddKind::Duration))
        }
        Data::DateTime(dt) => (date_text(dt), Some(OddKind::Date)),
        Data::DateTimeIso(s) => (s.clone(), Some(OddKind::Date)),
        Data::DurationIso(s) => (s.clone(), Some(OddKind::Duration)),
        Data::Error(e) => (e.to_string(), Some(OddKind::Error)),
    }
}

/// A cell that is not text as it was, for a rewrite: a number, a
/// boolean, a date or a duration (with the number format that shows it
/// as [`date_text`] reads it); `None` for text, an Excel error and a date
/// Excel cannot show.
fn typed_cell(d: &Data) -> Option<XCell> {
    match d {
        Data::Int(i) => Some(XCell::Number(*i as f64)),
        Data::Float(f) => Some(XCell::Number(*f)),
        Data::Bool(b) => Some(XCell::Bool(*b)),
        Data::DateTime(dt) => {
            let v = dt.as_f64();
            if dt.is_duration() {
                return Some(XCell::Date(v, "[h]:mm:ss"));
            }
            if !(0.0..2_958_466.0).contains(&v) {
                return Some(XCell::Number(v));
            }
            let (_, _, _, h, mi, s, _) = dt.to_ymd_hms_milli();
            Some(XCell::Date(
                v,
                if v < 1.0 {
                    "hh:mm:ss"
                } else if (h, mi, s) != (0, 0, 0) {
                    "yyyy-mm-dd hh:mm:ss"
                } else {
                    "yyyy-mm-dd"
                },
            ))
        }
        _ => None,
    }
}

/// A date cell as ISO text: `2026-12-06`, `2026-12-06 09:30:00` with a
/// time of day, `09:30:00` for a time alone; a serial outside Excel's
/// dates (year 1900 to 9999) as its number.
fn date_text(dt: &calamine::ExcelDateTime) -> String {
    let v = dt.as_f64();
    if !(0.0..2_958_466.0).contains(&v) {
        return float_text(v);
    }
    let (y, mo, d, h, mi, s, _) = dt.to_ymd_hms_milli();
    let time = (h, mi, s) != (0, 0, 0);
    if v < 1.0 {
        format!("{h:02}:{mi:02}:{s:02}")
    } else if time {
        format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}")
    } else {
        format!("{y:04}-{mo:02}-{d:02}")
    }
}

/// Shortest decimal text of a number cell; integral values without `.0`.
fn float_text(f: f64) -> String {
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

/// A worksheet's non-empty cells, row by row: (row from 0, cells as
/// (column from 0, value)), rows and cells in order.
type SparseRows = Vec<(u32, Vec<(u32, Data)>)>;

/// A worksheet as [`sparse_cells`] reads it: its non-empty cells, and the
/// cells holding a formula with no saved value (row, column from 0, in
/// order) — a workbook written by a program that does not calculate
/// (Excel and WPS save every formula's value).
struct SheetCells {
    rows: SparseRows,
    unsaved: Vec<(u32, u32)>,
}

/// What to tell an officer about a formula with no saved value.
pub(crate) const UNSAVED_FORMULA: &str =
    "has a formula with no saved value; open the file in Excel or WPS and save it again";

/// Most cells one workbook may hold, counting each row up to its last
/// filled column (a stray value at column XFD makes its row 16,384 cells
/// wide): about 5 million keeps a workbook's memory well under 1 GiB.
pub(crate) const MAX_WORKBOOK_CELLS: usize = 5_000_000;

/// Longest text of one cell, in characters: Excel's own limit.
pub(crate) const MAX_CELL_CHARS: usize = 32_767;

/// Most text one workbook may decode, all cells together (a shared string
/// is counted each time a cell refers to it).
pub(crate) const MAX_WORKBOOK_TEXT_BYTES: usize = 256 << 20;

/// What a workbook has decoded so far, against the limits above.
#[derive(Default)]
struct Budget {
    cells: usize,
    text: usize,
    /// A limit was passed: stop reading.
    exceeded: bool,
}

/// Bytes of text a cell decodes to (numbers and the like count as a few).
fn text_bytes(v: &calamine::DataRef<'_>) -> usize {
    use calamine::DataRef as D;
    match v {
        D::String(s) | D::DateTimeIso(s) | D::DurationIso(s) => s.len(),
        D::SharedString(s) => s.len(),
        _ => 8,
    }
}

/// A worksheet's non-empty cells ([`SparseRows`]). Read cell by cell, so
/// one stray cell far away (say at XFD1048576) costs one cell, not a grid
/// of every row × every column up to it; refused past the limits
/// ([`MAX_WORKBOOK_CELLS`], [`MAX_CELL_CHARS`], [`MAX_WORKBOOK_TEXT_BYTES`])
/// before the text is copied.
///
/// A cell element without a value (`<c r="D2"><f>B2*2</f></c>`) reads as
/// empty; when there is one, the sheet is read a second time for its
/// formulas, and the cells that have one are returned as unsaved.
fn sparse_cells(
    wb: &mut Xlsx<Cursor<&[u8]>>,
    name: &str,
    budget: &mut Budget,
) -> Result<SheetCells, String> {
    let mut reader = match wb.worksheet_cells_reader(name) {
        Ok(r) => r,
        // A chart sheet or the like: no cells.
        Err(calamine::XlsxError::NotAWorksheet(_)) => {
            return Ok(SheetCells {
                rows: Vec::new(),
                unsaved: Vec::new(),
            })
        }
        Err(e) => return Err(e.to_string()),
    };
    let too_many = || {
        format!(
            "the workbook holds more than {MAX_WORKBOOK_CELLS} cells (each row counted up to \
             its last filled column); delete stray cells far to the right or below, or split \
             the workbook"
        )
    };
    let mut rows: BTreeMap<u32, Vec<(u32, Data)>> = BTreeMap::new();
    let mut width: BTreeMap<u32, u32> = BTreeMap::new();
    let mut valueless = false;
    while let Some(cell) = reader.next_cell().map_err(|e| e.to_string())? {
        let (r, c) = cell.get_position();
        let v = cell.get_value();
        if *v == calamine::DataRef::Empty {
            valueless = true;
            continue;
        }
        let n = text_bytes(v);
        // Bytes bound characters from above: count only long ones.
        if n > MAX_CELL_CHARS && cell_chars(v) > MAX_CELL_CHARS {
            budget.exceeded = true;
            return Err(format!(
                "cell {}{}: text of more than {MAX_CELL_CHARS} characters (Excel's limit \
                 for a cell)",
                office::column_letters(c as usize),
                r + 1
            ));
        }
        budget.text += n;
        if budget.text > MAX_WORKBOOK_TEXT_BYTES {
            budget.exceeded = true;
            return Err(format!(
                "the workbook's cells hold more than {} MiB of text; split the workbook",
                MAX_WORKBOOK_TEXT_BYTES >> 20
            ));
        }
        let w = width.entry(r).or_insert(0);
        if c + 1 > *w {
            budget.cells += (c + 1 - *w) as usize;
            *w = c + 1;
        }
        if budget.cells > MAX_WORKBOOK_CELLS {
            budget.exceeded = true;
            return Err(too_many());
        }
        rows.entry(r).or_default().push((c, v.clone().into()));
    }
    drop(reader);
    let unsaved = if valueless {
        unsaved_formulas(wb, name, &rows)?
    } else {
        Vec::new()
    };
    Ok(SheetCells {
        rows: rows
            .into_iter()
            .map(|(r, mut cells)| {
                cells.sort_by_key(|&(c, _)| c);
                (r, cells)
            })
            .collect(),
        unsaved,
    })
}

/// The cells of a sheet that hold a formula but no value in `rows` (the
/// sheet's cells with a value), in order.
fn unsaved_formulas(
    wb: &mut Xlsx<Cursor<&[u8]>>,
    name: &str,
    rows: &BTreeMap<u32, Vec<(u32, Data)>>,
) -> Result<Vec<(u32, u32)>, String> {
    let mut reader = wb.worksheet_cells_reader(name).map_err(|e| e.to_string())?;
    let mut unsaved = Vec::new();
    while let Some(cell) = reader.next_formula().map_err(|e| e.to_string())? {
        let (r, c) = cell.get_position();
        let has_value = rows
            .get(&r)
            .is_some_and(|cells| cells.iter().any(|&(col, _)| col == c));
        if !cell.get_value().is_empty() && !has_value {
            unsaved.push((r, c));
        }
    }
    unsaved.sort_unstable();
    Ok(unsaved)
}

/// Characters of a text cell.
fn cell_chars(v: &calamine::DataRef<'_>) -> usize {
    use calamine::DataRef as D;
    match v {
        D::String(s) | D::DateTimeIso(s) | D::DurationIso(s) => s.chars().count(),
        D::SharedString(s) => s.chars().count(),
        _ => 0,
    }
}

/// Reads one worksheet into text rows; cell problems go to `errs`. With
/// `keep_types`, the cells that held a number, a boolean or a date are
/// kept as they were too ([`Sheet::typed`]).
fn read_sheet(
    file: &Path,
    wb: &mut Xlsx<Cursor<&[u8]>>,
    name: &str,
    (merges, keep_types): (bool, bool),
    errs: &mut Errs,
    budget: &mut Budget,
) -> Option<Sheet> {
    let SheetCells {
        rows: cells,
        unsaved,
    } = match sparse_cells(wb, name, budget) {
        Ok(c) => c,
        Err(e) => {
            errs.push(LoadError::said(
                file,
                Said::UnreadableSheet {
                    sheet: name.to_string(),
                    detail: e.to_string(),
                },
            ));
            return None;
        }
    };
    let mut rows = Vec::new();
    let mut typed = Vec::new();
    let mut odd: Vec<Odd> = unsaved
        .into_iter()
        .map(|(r, c)| Odd {
            row: u64::from(r) + 1,
            col: c as usize,
            kind: OddKind::Unsaved,
            error: None,
        })
        .collect();
    for (r, row) in cells {
        let excel_row = u64::from(r) + 1;
        let width = row.last().map_or(0, |&(c, _)| c as usize + 1);
        let mut texts = vec![String::new(); width];
        let typed_before = typed.len();
        for (c, d) in &row {
            let (text, why) = cell_reading(d);
            texts[*c as usize] = text;
            if let Some(t) = typed_cell(d).filter(|_| keep_types) {
                typed.push((excel_row, *c as usize, t));
            }
            if let Some(kind) = why {
                odd.push(Odd {
                    row: excel_row,
                    col: *c as usize,
                    kind,
                    error: match d {
                        Data::Error(e) => Some(e.clone()),
                        _ => None,
                    },
                });
            }
        }
        if office::blank_row(&texts) {
            typed.truncate(typed_before);
            continue;
        }
        rows.push((excel_row, texts));
    }
    odd.sort_by_key(|o| (o.row, o.col));
    if merges {
        if let Err(m) = fill_merged(file, wb, name, &mut rows, errs, budget) {
            errs.push(LoadError::new(file, format!("sheet {name}: {m}")));
            return None;
        }
    }
    Some(Sheet {
        name: name.to_string(),
        rows,
        odd,
        hidden: Vec::new(),
        typed,
        keeps_types: keep_types,
    })
}

/// Cells merged down one column (Excel's Merge Cells over several rows,
/// as offices merge a city or an institution shared by the rows below)
/// hold their value in the top cell only; every row they span gets it,
/// with a note. Merges across columns (a title over the table) are left
/// as they are. The cells filled count against [`MAX_WORKBOOK_CELLS`].
fn fill_merged(
    file: &Path,
    wb: &mut Xlsx<Cursor<&[u8]>>,
    name: &str,
    rows: &mut [(u64, Vec<String>)],
    errs: &mut Errs,
    budget: &mut Budget,
) -> Result<(), String> {
    const SHOWN: usize = 3;
    let regions = match wb.worksheet_merge_cells(name) {
        Some(Ok(r)) => r,
        // A chart sheet or no merges: nothing to fill.
        _ => return Ok(()),
    };
    let mut filled: Vec<String> = Vec::new();
    for d in regions {
        let ((r0, c0), (r1, c1)) = (d.start, d.end);
        if c0 != c1 || r1 <= r0 {
            continue;
        }
        let col = c0 as usize;
        let Ok(top) = rows.binary_search_by_key(&(u64::from(r0) + 1), |(r, _)| *r) else {
            continue;
        };
        let value = rows[top].1.get(col).cloned().unwrap_or_default();
        if value.trim().is_empty() {
            continue;
        }
        let mut any = false;
        for (_, texts) in rows[top + 1..]
            .iter_mut()
            .take_while(|(r, _)| *r <= u64::from(r1) + 1)
        {
            budget.cells += 1;
            if budget.cells > MAX_WORKBOOK_CELLS {
                budget.exceeded = true;
                return Err(format!(
                    "merged cells span more than {MAX_WORKBOOK_CELLS} cells; unmerge them"
                ));
            }
            if texts.len() <= col {
                texts.resize(col + 1, String::new());
            }
            if texts[col].is_empty() {
                texts[col].clone_from(&value);
                any = true;
            }
        }
        if any {
            let letter = office::column_letters(col);
            filled.push(format!("{letter}{}:{letter}{}", r0 + 1, r1 + 1));
        }
    }
    if !filled.is_empty() {
        let more = filled.len().saturating_sub(SHOWN);
        filled.truncate(SHOWN);
        errs.note(crate::note::Noted::MergedCells {
            file: file.display().to_string(),
            sheet: name.to_string(),
            ranges: filled,
            more,
        });
    }
    Ok(())
}

/// A sheet row as a record.
struct SheetRecord<'a> {
    header: &'a Header,
    cells: &'a [String],
    /// The row's cells that were not text ([`Sheet::typed`]).
    typed: &'a [(u64, usize, XCell)],
}

impl Record for SheetRecord<'_> {
    fn cell(&self, name: &str) -> Cell<'_> {
        match self
            .header
            .columns
            .get(name)
            .and_then(|&i| self.cells.get(i))
        {
            Some(s) => Cell::Text(s),
            None => Cell::Absent,
        }
    }

    fn kept(&self) -> Vec<(String, String)> {
        office::kept_cells(self.header, self.cells)
    }

    fn header(&self) -> Option<&Header> {
        Some(self.header)
    }

    fn at(&self, i: usize) -> Option<&str> {
        self.cells.get(i).map(String::as_str)
    }

    fn typed_at(&self, i: usize) -> Option<XCell> {
        self.typed
            .iter()
            .find(|&&(_, c, _)| c == i)
            .map(|(_, _, t)| t.clone())
    }
}

/// Finds and checks a sheet's header (the first row naming every
/// required column; title rows above it are noted) and calls `each` per
/// data row. Returns false when a required column is missing (no rows
/// were read).
fn read_table(
    file: &Arc<Path>,
    sheet: &Sheet,
    kind: TableKind,
    errs: &mut Errs,
    each: impl FnMut(Reader<'_>, &dyn Record),
) -> bool {
    read_table_with(file, sheet, kind, errs, &mut |_| {}, each)
}

/// [`read_table`], calling `on_header` once with the checked header (and
/// the rows skipped above it) before any data row: a sheet of no rows
/// still tells its header.
fn read_table_with(
    file: &Arc<Path>,
    sheet: &Sheet,
    kind: TableKind,
    errs: &mut Errs,
    on_header: &mut dyn FnMut(&Header),
    mut each: impl FnMut(Reader<'_>, &dyn Record),
) -> bool {
    if sheet.rows.is_empty() {
        let unsaved = match sheet.odd.iter().find(|o| o.kind == OddKind::Unsaved) {
            Some(o) => format!(
                " (its cells from {}{} on hold formulas with no saved value; open the file in \
                 Excel or WPS and save it again)",
                office::column_letters(o.col),
                o.row
            ),
            None => String::new(),
        };
        errs.push(if unsaved.is_empty() {
            LoadError::said(
                file.to_path_buf(),
                Said::EmptyTable {
                    sheet: Some(sheet.name.clone()),
                    columns: kind.required().iter().map(|c| c.to_string()).collect(),
                },
            )
        } else {
            LoadError::new(
                file.to_path_buf(),
                format!(
                    "sheet {} is empty{unsaved}; it needs a header row ({})",
                    sheet.name,
                    kind.required().join(", ")
                ),
            )
        });
        return false;
    }
    let firsts: Vec<&[String]> = sheet
        .rows
        .iter()
        .take(office::HEADER_SEARCH_ROWS)
        .map(|(_, cells)| cells.as_slice())
        .collect();
    let h = office::header_index(kind, &firsts);
    let (header_row, header_cells) = &sheet.rows[h];
    let at = TableAt {
        file,
        sheet: Some(&sheet.name),
        row: *header_row,
    };
    if h > 0 {
        let skipped: Vec<u64> = sheet.rows[..h].iter().map(|(r, _)| *r).collect();
        errs.note(office::title_rows_note(&at, &skipped));
    }
    let Some(mut header) = office::check_header(&at, header_cells, kind, false, errs) else {
        odd_cells(file, sheet, *header_row, None, errs);
        return false;
    };
    header.above = sheet.rows[..h].to_vec();
    on_header(&header);
    let hidden: Vec<u64> = sheet
        .hidden
        .iter()
        .copied()
        .filter(|&r| r >= *header_row)
        .collect();
    if !hidden.is_empty() {
        errs.note(crate::note::Noted::HiddenRows {
            file: file.display().to_string(),
            sheet: sheet.name.clone(),
            rows: hidden,
            advice: true,
        });
    }
    let blank = odd_cells(file, sheet, *header_row, Some(&header), errs);
    let mut blanked: Vec<String> = Vec::new();
    for (row, cells) in sheet.rows.iter().skip(h + 1) {
        let cells = match blank.binary_search_by_key(row, |&(r, _)| r) {
            Err(_) => cells.as_slice(),
            Ok(_) => {
                blanked.clone_from(cells);
                for &(_, c) in blank.iter().filter(|&&(r, _)| r == *row) {
                    if let Some(t) = blanked.get_mut(c) {
                        t.clear();
                    }
                }
                blanked.as_slice()
            }
        };
        let loc = sheet_loc(&sheet.name, *row);
        let mut stray = false;
        for (i, c) in cells.iter().enumerate() {
            let named = i < header_cells.len() && !header.unnamed.contains(&i);
            if !named && !c.trim().is_empty() {
                errs.push(
                    LoadError::said(
                        file.to_path_buf(),
                        Said::UnnamedColumn {
                            letter: office::column_letters(i),
                            header_row: Some(*header_row),
                        },
                    )
                    .at(loc.clone()),
                );
                stray = true;
            }
        }
        if stray {
            continue;
        }
        if office::repeats_header(kind, &header, |i| cells.get(i).map(String::as_str)) {
            errs.push(
                LoadError::said(
                    file.to_path_buf(),
                    office::repeated_header_message(*row, *header_row),
                )
                .at(loc),
            );
            continue;
        }
        let mark = errs.kept_len();
        let r = Reader::new(
            file,
            Site::SheetRow(Arc::from(sheet.name.as_str()), *row),
            errs,
        );
        let from = sheet.typed.partition_point(|&(r, _, _)| r < *row);
        let to = sheet.typed.partition_point(|&(r, _, _)| r <= *row);
        each(
            r,
            &SheetRecord {
                header: &header,
                cells,
                typed: &sheet.typed[from..to],
            },
        );
        errs.columns_since(mark, |f| header.column_of(f));
    }
    true
}

/// Rows below a sheet's header (0 for an empty sheet).
fn data_rows(sheet: &Sheet, kind: TableKind) -> usize {
    let firsts: Vec<&[String]> = sheet
        .rows
        .iter()
        .take(office::HEADER_SEARCH_ROWS)
        .map(|(_, cells)| cells.as_slice())
        .collect();
    if firsts.is_empty() {
        return 0;
    }
    sheet.rows.len() - office::header_index(kind, &firsts) - 1
}

/// Reads the policy sheet (columns key/参数 and value/值, one policy
/// field per row) into the raw records.
fn read_policy(file: &Arc<Path>, sheet: &Sheet, raw: &mut Raw, errs: &mut Errs) {
    let mut rows = PolicyRows::default();
    if read_table(file, sheet, TableKind::Policy, errs, |r, rec| {
        rows.add(r, rec)
    }) {
        let whole = Site::Named("policy sheet");
        rows.finish(file, whole, raw, errs);
    }
}

/// Loads an instance from the bytes of an `.xlsx` workbook; `name` names
/// the file in messages. See the module docs for the layout.
///
/// # Errors
/// Every problem found, each naming the workbook, the sheet, the row and
/// the field.
pub fn load_xlsx_from_bytes(name: &Path, bytes: &[u8]) -> Result<Instance, LoadErrors> {
    load_xlsx_noted(name, bytes).map(|(inst, _)| inst)
}

/// Like [`load_xlsx_from_bytes`], with the load's notes (title rows
/// skipped, kept columns, merged spellings).
///
/// # Errors
/// As [`load_xlsx_from_bytes`].
pub fn load_xlsx_noted(
    name: &Path,
    bytes: &[u8],
) -> Result<(Instance, crate::LoadNotes), LoadErrors> {
    if is_old_workbook(bytes) {
        return Err(LoadError::said(name, old_workbook(bytes)).into());
    }
    let file: Arc<Path> = Arc::from(name);
    let mut errs = Errs::default();
    let mut wb: Xlsx<Cursor<&[u8]>> = match Xlsx::new(Cursor::new(bytes)) {
        Ok(wb) => wb,
        Err(e) => {
            return Err(LoadError::said(
                name,
                crate::Said::NotWorkbook {
                    detail: e.to_string(),
                },
            )
            .into())
        }
    };
    let found = match_sheets(name, &wb, &mut errs);
    let mut sheets: BTreeMap<&'static str, Sheet> = BTreeMap::new();
    let mut budget = Budget::default();
    for (&known, actual) in &found {
        if let Some(meta) = wb.sheets_metadata().iter().find(|m| &m.name == actual) {
            if meta.visible != calamine::SheetVisible::Visible {
                errs.note(crate::note::Noted::HiddenSheet {
                    file: name.display().to_string(),
                    sheet: actual.to_string(),
                    table: Some(known.to_string()),
                });
            }
        }
        // Merges are looked for where offices merge (not in the long
        // affinity and history tables, read once).
        let merges = !matches!(known, "affinity" | "history");
        if let Some(mut s) = read_sheet(
            name,
            &mut wb,
            actual,
            (merges, false),
            &mut errs,
            &mut budget,
        ) {
            s.hidden = super::hidden::hidden_rows(bytes, actual);
            sheets.insert(known, s);
        }
        if budget.exceeded {
            // Over a limit: that one message, not a cascade.
            return Err(errs.finish::<Instance>(None).unwrap_err());
        }
    }
    let others: Vec<String> = wb
        .sheet_names()
        .into_iter()
        .filter(|n| !found.values().any(|f| f == n))
        .collect();
    let (raw, whole) = read_tables(&file, &sheets, &others, &mut errs);
    let inst = if whole && errs.is_empty() {
        crate::instances::resolve::resolve(raw, &mut errs)
    } else if whole {
        // Resolve anyway to report reference problems too.
        let _ = crate::instances::resolve::resolve(raw, &mut errs);
        None
    } else {
        None
    };
    let notes = errs.take_notes();
    Ok((errs.finish(inst)?, notes))
}

/// The workbook's table sheets: each table's English name → the sheet
/// naming it (English or Chinese, without regard to case or spaces). Two
/// sheets naming one table and near misses of table names are reported.
fn match_sheets(
    name: &Path,
    wb: &Xlsx<Cursor<&[u8]>>,
    errs: &mut Errs,
) -> BTreeMap<&'static str, String> {
    let mut found: BTreeMap<&'static str, String> = BTreeMap::new();
    let all_sheet_names: Vec<&str> = office::TABLES
        .iter()
        .flat_map(|t| std::iter::once(t.name).chain(t.zh.iter().copied()))
        .collect();
    for sheet in wb.sheet_names() {
        if let Some(kind) = office::table_of_sheet(&sheet) {
            let known = office::vocab(kind).name;
            if office::vocab(kind)
                .zh
                .iter()
                .any(|z| office::header_key(z) == office::header_key(&sheet))
            {
                errs.saw_chinese();
            }
            if let Some(first) = found.get(known) {
                errs.push(LoadError::said(
                    name,
                    Said::TwoSheets {
                        first: first.clone(),
                        second: sheet.clone(),
                        table: known.to_string(),
                    },
                ));
            } else {
                found.insert(known, sheet.clone());
            }
        } else if let Some(near) = records::nearest(&sheet, &all_sheet_names) {
            errs.push(LoadError::said(
                name,
                Said::UnknownSheet {
                    sheet: sheet.clone(),
                    near: near.to_string(),
                },
            ));
        }
    }
    found
}

/// Reads the records of every table sheet; false when a required sheet
/// or column is missing (the instance is then not resolved).
fn read_tables(
    file: &Arc<Path>,
    sheets: &BTreeMap<&'static str, Sheet>,
    others: &[String],
    errs: &mut Errs,
) -> (Raw, bool) {
    // The sheets that name no table, for the message of a missing one:
    // the officer's own name for it is likely among them.
    let missing = |table| Said::MissingSheet {
        table,
        others: others.iter().map(|n| format!("{n:?}")).collect(),
    };
    let name: &Path = file;
    let mut raw = Raw {
        policy_file: Some(file.clone()),
        experts_file: Some(file.clone()),
        applications_file: Some(file.clone()),
        ..Raw::default()
    };
    let mut whole = true;
    match sheets.get("policy") {
        None => errs.push(LoadError::said(
            name,
            Said::MissingSheet {
                table: SheetOf::Policy,
                others: Vec::new(),
            },
        )),
        Some(s) => read_policy(file, s, &mut raw, errs),
    }
    match sheets.get("experts") {
        None => {
            errs.push(LoadError::said(name, missing(SheetOf::Experts)));
            whole = false;
        }
        Some(s) => {
            raw.experts_seen = true;
            let mut list = Vec::new();
            whole &= read_table(file, s, TableKind::Experts, errs, |r, rec| {
                list.extend(parse_expert(r, rec))
            });
            raw.experts = list;
        }
    }
    match sheets.get("applications") {
        None => {
            errs.push(LoadError::said(name, missing(SheetOf::Applications)));
            whole = false;
        }
        Some(s) => {
            raw.applications_seen = true;
            let mut list = Vec::new();
            whole &= read_table(file, s, TableKind::Applications, errs, |r, rec| {
                list.extend(parse_application(r, rec))
            });
            raw.applications = list;
        }
    }
    if let Some(s) = sheets.get("conflicts") {
        let mut list = Vec::new();
        whole &= read_table(file, s, TableKind::Conflicts, errs, |r, rec| {
            list.extend(parse_conflict(r, rec))
        });
        raw.conflicts = list;
    }
    if let Some(s) = sheets.get("coauthorships") {
        let mut list = Vec::new();
        whole &= read_table(file, s, TableKind::Coauthorships, errs, |r, rec| {
            list.extend(parse_coauthorship(r, rec))
        });
        raw.coauthorships = list;
    }
    whole &= read_affinity(file, sheets.get("affinity"), &mut raw, errs);
    if let Some(s) = sheets.get("history") {
        let mut list = records::HistoryList::default();
        whole &= read_table(file, s, TableKind::History, errs, |r, rec| {
            list.read(r, rec)
        });
        raw.history = Some(list);
    }
    (raw, whole)
}

/// Reads the affinity sheet, if any; false when its header is unusable.
/// A sheet with no rows (a template's, its example row deleted) gives no
/// scores, with a note: the computed scores apply (an empty list would
/// score every pair `default_affinity`).
fn read_affinity(file: &Arc<Path>, sheet: Option<&Sheet>, raw: &mut Raw, errs: &mut Errs) -> bool {
    let Some(s) = sheet else {
        return true;
    };
    if data_rows(s, TableKind::Affinity) == 0 {
        errs.note(crate::note::Noted::NoAffinityRows {
            file: file.display().to_string(),
        });
        return true;
    }
    let mut list = RawAffinityList::new(file, Site::SheetRow(Arc::from(s.name.as_str()), 0));
    let ok = read_table(file, s, TableKind::Affinity, errs, |r, rec| {
        list.add(r, rec)
    });
    raw.affinity = Some(list);
    ok
}

// ---------------------------------------------------------------- writing

/// One cell to write.
#[derive(Clone, Debug, PartialEq)]
pub enum XCell {
    /// Nothing (the cell stays empty).
    Empty,
    /// Text.
    Text(String),
    /// A number.
    Number(f64),
    /// `TRUE` / `FALSE`.
    Bool(bool),
    /// A date, a time of day, both, or a duration: Excel's serial number
    /// (days since 1899-12-30) shown in a number format such as
    /// `yyyy-mm-dd`.
    Date(f64, &'static str),
}

impl From<&str> for XCell {
    fn from(s: &str) -> XCell {
        XCell::Text(s.to_string())
    }
}

impl From<String> for XCell {
    fn from(s: String) -> XCell {
        XCell::Text(s)
    }
}

/// A plain table for one worksheet: a bold header row, then the rows.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    /// Sheet name (made valid and unique when written).
    pub name: String,
    /// Column names.
    pub header: Vec<String>,
    /// Rows of cells.
    pub rows: Vec<Vec<XCell>>,
}

/// A valid, unique (case-insensitive) sheet name: Excel forbids
/// `[]:*?/\`, more than 31 characters and duplicates.
pub(crate) fn sheet_name(wanted: &str, taken: &mut Vec<String>) -> String {
    let clean: String = wanted
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { '_' } else { c })
        .collect();
    let clean = clean.trim_matches('\'').trim();
    let base: String = if clean.is_empty() {
        "sheet".into()
    } else {
        clean.chars().take(31).collect()
    };
    let mut name = base.clone();
    let mut n = 2;
    while taken
        .iter()
        .any(|t| t.to_lowercase() == name.to_lowercase())
    {
        let suffix = format!(" ({n})");
        let keep = 31 - suffix.chars().count();
        name = base.chars().take(keep).collect::<String>() + &suffix;
        n += 1;
    }
    taken.push(name.clone());
    name
}

/// Writes tables, one worksheet each, as `.xlsx` bytes (deterministic).
pub fn tables_xlsx_bytes(path: &Path, tables: &[Table]) -> Result<Vec<u8>, WriteError> {
    let sheets: Vec<(&Table, Title<'_>)> = tables.iter().map(|t| (t, Title::default())).collect();
    sheets_xlsx_bytes(path, &sheets)
}

/// [`tables_xlsx_bytes`], each table with the rows above its header.
fn sheets_xlsx_bytes(path: &Path, tables: &[(&Table, Title<'_>)]) -> Result<Vec<u8>, WriteError> {
    let bad = |e: rust_xlsxwriter::XlsxError| WriteError::encode(path, e);
    let mut wb = Workbook::new();
    let date = ExcelDateTime::from_ymd(2000, 1, 1).map_err(bad)?;
    wb.set_properties(&DocProperties::new().set_creation_datetime(&date));
    let bold = Format::new().set_bold();
    let mut taken = Vec::new();
    for (t, title) in tables {
        let ws = wb.add_worksheet();
        ws.set_name(sheet_name(&t.name, &mut taken)).map_err(bad)?;
        for &(r, cells) in &title.rows {
            for (c, text) in cells.iter().enumerate() {
                let c = u16::try_from(c).map_err(|_| {
                    WriteError::unrepresentable(path, "more columns than a worksheet holds")
                })?;
                if !text.is_empty() {
                    ws.write_string(r, c, text).map_err(bad)?;
                }
            }
        }
        let first = title.header;
        for (c, h) in t.header.iter().enumerate() {
            ws.write_string_with_format(first, c as u16, h, &bold)
                .map_err(bad)?;
        }
        for (r, row) in t.rows.iter().enumerate() {
            let r = u32::try_from(r + 1)
                .ok()
                .and_then(|r| r.checked_add(first))
                .ok_or_else(|| {
                    WriteError::unrepresentable(path, "more rows than a worksheet holds")
                })?;
            for (c, cell) in row.iter().enumerate() {
                let c = u16::try_from(c).map_err(|_| {
                    WriteError::unrepresentable(path, "more columns than a worksheet holds")
                })?;
                write_cell(ws, (r, c), cell).map_err(bad)?;
            }
        }
        if !t.rows.is_empty() || !t.header.is_empty() {
            ws.set_freeze_panes(first + 1, 0).map_err(bad)?;
        }
        for (c, h) in t.header.iter().enumerate() {
            let widest = t
                .rows
                .iter()
                .filter_map(|row| match row.get(c) {
                    Some(XCell::Text(s)) => Some(display_width(s)),
                    Some(XCell::Number(_) | XCell::Date(..)) => Some(10),
                    _ => None,
                })
                .max()
                .unwrap_or(0)
                .max(display_width(h));
            ws.set_column_width(c as u16, (widest.clamp(6, 60) + 2) as f64)
                .map_err(bad)?;
        }
    }
    wb.save_to_buffer().map_err(bad)
}

/// Writes one cell at (row, column) as [`XCell`] says (an empty text is
/// no cell).
pub(crate) fn write_cell(
    ws: &mut rust_xlsxwriter::Worksheet,
    (r, c): (u32, u16),
    cell: &XCell,
) -> Result<(), rust_xlsxwriter::XlsxError> {
    match cell {
        XCell::Empty => {}
        XCell::Text(s) if s.is_empty() => {}
        XCell::Text(s) => {
            ws.write_string(r, c, s)?;
        }
        XCell::Number(x) => {
            ws.write_number(r, c, *x)?;
        }
        XCell::Bool(b) => {
            ws.write_boolean(r, c, *b)?;
        }
        XCell::Date(x, format) => {
            let f = Format::new().set_num_format(*format);
            ws.write_number_with_format(r, c, *x, &f)?;
        }
    }
    Ok(())
}

/// Rough column width of a text: CJK characters count double.
pub(crate) fn display_width(s: &str) -> usize {
    s.chars()
        .map(|c| if (c as u32) >= 0x2E80 { 2 } else { 1 })
        .sum()
}

/// Columns written as numbers (when the text parses), per table.
const NUMERIC_COLUMNS: &[&str] = &[
    "max_load",
    "min_load",
    "panel_size",
    "year",
    "score",
    "rating",
];

/// The instance as an `.xlsx` workbook in the reading layout, English
/// names; see [`instance_xlsx_bytes_in`].
pub fn instance_xlsx_bytes(inst: &Instance, path: &Path) -> Result<Vec<u8>, WriteError> {
    instance_xlsx_bytes_in(inst, path, Lang::En)
}

/// The instance as an `.xlsx` workbook in the reading layout, sheet and
/// column names in `lang` (optional tables only when the instance has
/// them; kept columns after the known ones). Counts and scores are number
/// cells, booleans `TRUE`/`FALSE` (English) or 是/否 (Chinese), the rest
/// text. Reads back to the same instance.
pub fn instance_xlsx_bytes_in(
    inst: &Instance,
    path: &Path,
    lang: Lang,
) -> Result<Vec<u8>, WriteError> {
    tables_xlsx_bytes(path, &instance_tables(inst, path, lang)?)
}

/// A boolean cell in `lang`.
fn bool_cell(b: bool, lang: Lang) -> XCell {
    match lang {
        Lang::En => XCell::Bool(b),
        Lang::Zh => XCell::from(if b { "是" } else { "否" }),
    }
}

/// The instance's tables in the reading layout (see
/// [`instance_xlsx_bytes_in`]).
pub(crate) fn instance_tables(
    inst: &Instance,
    path: &Path,
    lang: Lang,
) -> Result<Vec<Table>, WriteError> {
    let files = crate::instances::csv_to_bytes(inst)?;
    let mut tables = Vec::new();
    // Policy: key/value rows in POLICY_FIELDS order.
    let policy: Value = serde_json::from_slice(files.policy.as_deref().unwrap_or(b"{}"))
        .map_err(|e| WriteError::encode(path, e))?;
    let mut rows = Vec::new();
    for &k in POLICY_FIELDS {
        let cell = match policy.get(k) {
            None | Some(Value::Null) => continue,
            Some(Value::Bool(b)) => bool_cell(*b, lang),
            Some(Value::Number(n)) => match (n.as_i64(), n.as_f64()) {
                (Some(i), _) if i.unsigned_abs() < (1 << 53) => XCell::Number(i as f64),
                (None, Some(f)) if n.as_u64().is_none() => XCell::Number(f),
                _ => XCell::Text(n.to_string()),
            },
            Some(Value::String(text)) => XCell::Text(text.clone()),
            Some(v) => XCell::Text(v.to_string()),
        };
        rows.push(vec![XCell::from(k), cell]);
    }
    let head = |kind: TableKind, fields: &[String]| -> Vec<String> {
        fields
            .iter()
            .map(|f| office::header_name(kind, f, lang))
            .collect()
    };
    tables.push(Table {
        name: office::sheet_name(TableKind::Policy, lang).into(),
        header: head(TableKind::Policy, &["key".into(), "value".into()]),
        rows,
    });
    for (kind, file) in [
        (TableKind::Experts, "experts.csv"),
        (TableKind::Applications, "applications.csv"),
        (TableKind::Conflicts, "conflicts.csv"),
        (TableKind::Coauthorships, "coauthorships.csv"),
        (TableKind::Affinity, "affinity.csv"),
        (TableKind::History, "history.csv"),
    ] {
        let Some(bytes) = files.get(file) else {
            continue;
        };
        if (kind == TableKind::Conflicts && inst.conflicts.is_empty())
            || (kind == TableKind::Coauthorships && inst.coauthorships.is_empty())
        {
            continue;
        }
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(true)
            .from_reader(bytes);
        let header: Vec<String> = rdr
            .headers()
            .map_err(|e| WriteError::encode(path, e))?
            .iter()
            .map(str::to_string)
            .collect();
        let mut rows = Vec::new();
        for rec in rdr.records() {
            let rec = rec.map_err(|e| WriteError::encode(path, e))?;
            let row = rec
                .iter()
                .zip(&header)
                .map(|(v, h)| {
                    if v.is_empty() {
                        XCell::Empty
                    } else if h == "available" {
                        bool_cell(v == "true", lang)
                    } else if NUMERIC_COLUMNS.contains(&h.as_str()) {
                        v.parse::<f64>()
                            .map(XCell::Number)
                            .unwrap_or_else(|_| XCell::from(v))
                    } else {
                        XCell::from(crate::streams::csv_safe::restore(v))
                    }
                })
                .collect();
            rows.push(row);
        }
        tables.push(Table {
            name: office::sheet_name(kind, lang).into(),
            header: head(kind, &header),
            rows,
        });
    }
    Ok(tables)
}

/// Writes an instance as an `.xlsx` workbook, atomically.
pub fn write_instance_xlsx(inst: &Instance, path: &Path) -> Result<(), WriteError> {
    let bytes = instance_xlsx_bytes(inst, path)?;
    crate::output::write_atomic(path, &bytes).map_err(|e| WriteError::io(path, e))
}

/// Notes naming what a workbook read whole (a panels workbook) hides in
/// Excel: each hidden sheet, and each sheet's hidden rows that hold a
/// value ([`super::hidden`]); all of it is read like the rest.
pub(crate) fn hidden_notes(path: &Path, bytes: &[u8]) -> Vec<String> {
    let Ok(wb) = Xlsx::<Cursor<&[u8]>>::new(Cursor::new(bytes)) else {
        return Vec::new();
    };
    let mut notes = Vec::new();
    for meta in wb.sheets_metadata() {
        if meta.visible != calamine::SheetVisible::Visible {
            let n = crate::note::Noted::HiddenSheet {
                file: path.display().to_string(),
                sheet: meta.name.clone(),
                table: None,
            };
            notes.push(n.text(crate::office::Lang::En));
        }
        let rows = super::hidden::hidden_rows(bytes, &meta.name);
        if !rows.is_empty() {
            let n = crate::note::Noted::HiddenRows {
                file: path.display().to_string(),
                sheet: meta.name.clone(),
                rows,
                advice: false,
            };
            notes.push(n.text(crate::office::Lang::En));
        }
    }
    notes
}

/// A workbook as sheets of text rows: (sheet name, rows of cells).
pub(crate) type TextSheets = Vec<(String, Vec<Vec<String>>)>;

/// Reads every sheet of an `.xlsx` workbook as text rows (name, rows with
/// cells as text); for tests and tools that check what was written.
///
/// # Errors
/// The bytes are not a readable workbook.
pub fn read_xlsx_tables(bytes: &[u8]) -> Result<TextSheets, String> {
    let mut wb: Xlsx<Cursor<&[u8]>> = Xlsx::new(Cursor::new(bytes)).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    let mut budget = Budget::default();
    for name in wb.sheet_names() {
        let SheetCells {
            rows: cells,
            unsaved,
        } = sparse_cells(&mut wb, &name, &mut budget).map_err(|e| format!("sheet {name}: {e}"))?;
        if let Some(&(r, c)) = unsaved.first() {
            return Err(format!(
                "sheet {name} row {} column {} {UNSAVED_FORMULA}",
                r + 1,
                office::column_letters(c as usize)
            ));
        }
        // Rows from the first used one, each as wide as its last cell.
        let first = cells.first().map_or(0, |&(r, _)| r);
        let mut rows: Vec<Vec<String>> = Vec::new();
        for (r, row) in cells {
            rows.resize((r - first) as usize, Vec::new());
            let width = row.last().map_or(0, |&(c, _)| c as usize + 1);
            let mut texts = vec![String::new(); width];
            for (c, d) in &row {
                texts[*c as usize] = cell_text(d).unwrap_or_else(|m| format!("<{m}>"));
            }
            rows.push(texts);
        }
        out.push((name, rows));
    }
    Ok(out)
}

// ---------------------------------------------------------------- history files

/// Past reviews as a one-sheet workbook for `panels history append --to
/// FILE.xlsx`: the `history` table (sheet `历史` in Chinese) with its
/// columns in `lang`, years and ratings as numbers. The sheet is what an
/// instance workbook reads as its history table.
///
/// # Errors
/// A record the workbook cannot hold.
pub fn history_xlsx_bytes(
    path: &Path,
    records: &[crate::history::PastReview],
    lang: Lang,
) -> Result<Vec<u8>, WriteError> {
    let rows = records
        .iter()
        .map(|r| {
            crate::instances::csvdir::history_row_in(r, lang)
                .into_iter()
                .zip(records::HISTORY_FIELDS)
                .map(|(v, h)| {
                    if v.is_empty() {
                        XCell::Empty
                    } else if NUMERIC_COLUMNS.contains(h) {
                        v.parse::<f64>()
                            .map(XCell::Number)
                            .unwrap_or_else(|_| XCell::Text(v))
                    } else {
                        XCell::Text(v)
                    }
                })
                .collect()
        })
        .collect();
    let table = Table {
        name: office::sheet_name(TableKind::History, lang).into(),
        header: records::HISTORY_FIELDS
            .iter()
            .map(|f| office::header_name(TableKind::History, f, lang))
            .collect(),
        rows,
    };
    tables_xlsx_bytes(path, &[table])
}

/// Past reviews as a one-sheet workbook in a history file's own columns
/// ([`crate::history_file::HistoryFile::appended_bytes`]): sheet `name`,
/// the rows above the header (a title) at their rows as text, `header`
/// as given at its row, cells the office's workbook held as numbers,
/// booleans or dates as they were, other known fields typed as
/// [`history_xlsx_bytes`] types them (a new record's year and rating as
/// numbers), other cells as text.
///
/// # Errors
/// A record the workbook cannot hold.
pub(crate) fn history_table_xlsx_bytes<'c>(
    path: &Path,
    name: String,
    (above, header_row): (&[(u64, Vec<String>)], u64),
    header: Vec<String>,
    rows: impl Iterator<Item = Vec<crate::instances::history_file::Cell<'c>>>,
) -> Result<Vec<u8>, WriteError> {
    let rows = rows
        .map(|row| {
            row.into_iter()
                .map(|c| match (c.typed, c.field) {
                    (Some(t), _) => t.clone(),
                    _ if c.text.is_empty() => XCell::Empty,
                    (None, Some(f)) if NUMERIC_COLUMNS.contains(&f) => c
                        .text
                        .parse::<f64>()
                        .map(XCell::Number)
                        .unwrap_or_else(|_| XCell::Text(c.text.into_owned())),
                    (None, _) => XCell::Text(c.text.into_owned()),
                })
                .collect()
        })
        .collect();
    let table = Table { name, header, rows };
    let title = Title::of(above, header_row);
    sheets_xlsx_bytes(path, &[(&table, title)])
}

/// Rows above a table's header as a rewrite puts them back: each at its
/// offset from the sheet's first row, the header at `header` (rows from
/// 0). Offsets come from the rows as read; rows that would not stand
/// above the header in order are placed one after another.
#[derive(Clone, Debug, Default)]
struct Title<'a> {
    rows: Vec<(u32, &'a [String])>,
    header: u32,
}

impl<'a> Title<'a> {
    fn of(above: &'a [(u64, Vec<String>)], header_row: u64) -> Title<'a> {
        let at = |r: u64| u32::try_from(r.saturating_sub(1)).ok();
        let placed: Option<Vec<(u32, &[String])>> = above
            .iter()
            .map(|(r, cells)| at(*r).map(|i| (i, cells.as_slice())))
            .collect();
        match (placed, at(header_row)) {
            (Some(rows), Some(header))
                if rows.windows(2).all(|w| w[0].0 < w[1].0)
                    && rows.last().is_none_or(|l| l.0 < header) =>
            {
                Title { rows, header }
            }
            _ => Title {
                rows: above
                    .iter()
                    .enumerate()
                    .map(|(i, (_, c))| (i as u32, c.as_slice()))
                    .collect(),
                header: above.len() as u32,
            },
        }
    }
}

/// Reads the history table of a workbook: the sheet named `history` (or a
/// Chinese name of it, `历史`, …), read as an instance workbook reads it.
/// Returns the records and the language of the sheet's name.
///
/// # Errors
/// Not a workbook, no history sheet, or bad rows (by sheet, row, column).
pub fn read_history_xlsx(
    name: &Path,
    bytes: &[u8],
) -> Result<(Vec<crate::history::PastReview>, Lang), LoadErrors> {
    read_history_sheet(name, bytes).map(|(t, _, _, lang, _)| (t.list.into_records(), lang))
}

/// A workbook's history sheet as read: the table, the notes, the sheet's
/// name, its language, the workbook's other sheets (quoted).
pub(crate) type HistorySheet = (
    crate::instances::history_file::TableRead,
    Vec<String>,
    String,
    Lang,
    Vec<String>,
);

/// [`read_history_xlsx`], with the header and kept cells, the notes, the
/// sheet's name as written, and the names of the workbook's other sheets
/// (quoted).
pub(crate) fn read_history_sheet(name: &Path, bytes: &[u8]) -> Result<HistorySheet, LoadErrors> {
    let file: Arc<Path> = Arc::from(name);
    let mut errs = Errs::default();
    let mut wb: Xlsx<Cursor<&[u8]>> = Xlsx::new(Cursor::new(bytes)).map_err(|e| {
        LoadError::said(
            name,
            crate::Said::NotWorkbook {
                detail: e.to_string(),
            },
        )
    })?;
    let all = wb.sheet_names();
    let sheets: Vec<String> = all
        .iter()
        .filter(|s| office::table_of_sheet(s) == Some(TableKind::History))
        .cloned()
        .collect();
    let sheet = match sheets.as_slice() {
        [one] => one.clone(),
        [] => {
            return Err(LoadError::said(
                name,
                Said::MissingSheet {
                    table: SheetOf::History,
                    others: Vec::new(),
                },
            )
            .into())
        }
        [a, b, ..] => {
            return Err(LoadError::said(
                name,
                Said::TwoSheets {
                    first: a.clone(),
                    second: b.clone(),
                    table: "history".into(),
                },
            )
            .into())
        }
    };
    let others: Vec<String> = all
        .iter()
        .filter(|s| **s != sheet)
        .map(|s| format!("{s:?}"))
        .collect();
    let lang = if !sheet.is_ascii() {
        Lang::Zh
    } else {
        Lang::En
    };
    let mut budget = Budget::default();
    let mut table = crate::instances::history_file::TableRead::default();
    if let Some(meta) = wb.sheets_metadata().iter().find(|m| m.name == sheet) {
        if meta.visible != calamine::SheetVisible::Visible {
            errs.note(crate::note::Noted::HiddenSheet {
                file: name.display().to_string(),
                sheet: sheet.to_string(),
                table: Some("history".to_string()),
            });
        }
    }
    // As the instance reader reads its history sheet (no merges looked for).
    if let Some(mut s) = read_sheet(name, &mut wb, &sheet, (false, true), &mut errs, &mut budget) {
        s.hidden = super::hidden::hidden_rows(bytes, &sheet);
        if !budget.exceeded {
            let mut head: Option<Header> = None;
            read_table_with(
                &file,
                &s,
                TableKind::History,
                &mut errs,
                &mut |h| head = Some(h.clone()),
                |r, rec| table.read(r, rec),
            );
            if let Some(h) = head {
                table.header(&h);
            }
        }
    }
    table.list.check_repeats(&mut errs);
    let notes = errs.take_notes().notes;
    errs.finish(Some(table))
        .map(|t| (t, notes, sheet, lang, others))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_are_valid_and_unique() {
        let mut taken = vec!["summary".to_string()];
        assert_eq!(sheet_name("Summary", &mut taken), "Summary (2)");
        assert_eq!(sheet_name("a/b:c", &mut taken), "a_b_c");
        let long = "x".repeat(40);
        let n1 = sheet_name(&long, &mut taken);
        let n2 = sheet_name(&long, &mut taken);
        assert_eq!(n1.chars().count(), 31);
        assert!(n2.chars().count() <= 31 && n1 != n2);
    }

    #[test]
    fn number_cells_read_as_their_shortest_text() {
        assert_eq!(float_text(6.0), "6");
        assert_eq!(float_text(0.1), "0.1");
        assert_eq!(float_text(-3.0), "-3");
        assert_eq!(float_text(0.833333), "0.833333");
    }
}

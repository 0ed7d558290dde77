//! The CSV directory (SPEC.md "CSV directory"): `experts.csv`,
//! `applications.csv`, optional `conflicts.csv`, `coauthorships.csv`,
//! `affinity.csv`, and `policy.json`.
//!
//! Column names are the JSON field names, in any order; header names are
//! trimmed. A column with an empty header is allowed only if all its cells
//! are empty (Excel sometimes adds one). Every data row must have as many
//! cells as the header (extra trailing empty cells are tolerated). Rows are
//! numbered as a spreadsheet shows them: header = row 1.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use crate::error::{Errs, LoadError, Location, WriteError};
use crate::instances::bundle::{json_error, text_of};
use crate::instances::bundle_write::{conflict_with, policy_bytes};
use crate::instances::encodings::{decode_table, needs_decoding};
use crate::instances::office::{
    self, Header, Lang, PolicyRows, TableAt, TableKind, HEADER_SEARCH_ROWS,
};
use crate::instances::records::{
    self, parse_application, parse_coauthorship, parse_conflict, parse_expert, parse_policy, Cell,
    Raw, RawAffinityList, Reader, Record, Site, AFFINITY_FIELDS, APPLICATION_FIELDS,
    COAUTHORSHIP_FIELDS, CONFLICT_FIELDS, EXPERT_FIELDS, HISTORY_FIELDS,
};
use crate::model::{Instance, KeptColumns};
use crate::streams::stream::{self, Scan, Source, Tap};

/// File names of a CSV instance directory, in name order (the order the
/// input hash uses).
pub const CSV_DIR_FILES: &[&str] = &[
    "affinity.csv",
    "applications.csv",
    "coauthorships.csv",
    "conflicts.csv",
    "experts.csv",
    "history.csv",
    "policy.csv",
    "policy.json",
];

/// The bytes of a CSV instance, file by file (`None` = the file is absent).
/// Lets callers (tests, fuzzers) load a CSV instance without a disk.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CsvInput {
    /// `experts.csv` (required).
    pub experts: Option<Vec<u8>>,
    /// `applications.csv` (required).
    pub applications: Option<Vec<u8>>,
    /// `conflicts.csv`.
    pub conflicts: Option<Vec<u8>>,
    /// `coauthorships.csv`.
    pub coauthorships: Option<Vec<u8>>,
    /// `affinity.csv` (its presence, even header-only, means the instance
    /// has an affinity list).
    pub affinity: Option<Vec<u8>>,
    /// `policy.json` (this or `policy.csv` is required).
    pub policy: Option<Vec<u8>>,
    /// `policy.csv`: the policy as `key,value` rows (instead of
    /// `policy.json`).
    pub policy_csv: Option<Vec<u8>>,
    /// `history.csv` (past reviews).
    pub history: Option<Vec<u8>>,
}

impl CsvInput {
    /// The file's bytes by its name in [`CSV_DIR_FILES`].
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        match name {
            "experts.csv" => self.experts.as_deref(),
            "applications.csv" => self.applications.as_deref(),
            "conflicts.csv" => self.conflicts.as_deref(),
            "coauthorships.csv" => self.coauthorships.as_deref(),
            "affinity.csv" => self.affinity.as_deref(),
            "policy.json" => self.policy.as_deref(),
            "policy.csv" => self.policy_csv.as_deref(),
            "history.csv" => self.history.as_deref(),
            _ => None,
        }
    }

    /// Sets a file's bytes by its name; false if the name is not an
    /// instance file.
    pub fn set(&mut self, name: &str, bytes: Vec<u8>) -> bool {
        let slot = match name {
            "experts.csv" => &mut self.experts,
            "applications.csv" => &mut self.applications,
            "conflicts.csv" => &mut self.conflicts,
            "coauthorships.csv" => &mut self.coauthorships,
            "affinity.csv" => &mut self.affinity,
            "policy.json" => &mut self.policy,
            "policy.csv" => &mut self.policy_csv,
            "history.csv" => &mut self.history,
            _ => return false,
        };
        *slot = Some(bytes);
        true
    }
}

/// A CSV data row as a record.
struct CsvRecord<'a> {
    header: &'a Header,
    row: &'a csv::StringRecord,
}

impl Record for CsvRecord<'_> {
    fn cell(&self, name: &str) -> Cell<'_> {
        // A table's known columns are few (one leaf of the map): found by
        // equality, which compares lengths before bytes, instead of the
        // map's ordered search, which compares the bytes of each name it
        // passes (a history row asks for ten cells).
        let at = self
            .header
            .columns
            .iter()
            .find(|(field, _)| field.as_str() == name)
            .map(|(_, &i)| i);
        match at.and_then(|i| self.row.get(i)) {
            Some(s) => Cell::Text(crate::streams::csv_safe::restore(s)),
            None => Cell::Absent,
        }
    }

    fn kept(&self) -> Vec<(String, String)> {
        self.header
            .kept
            .iter()
            .filter_map(|(i, name)| {
                let v = self
                    .row
                    .get(*i)
                    .map_or("", |c| crate::streams::csv_safe::restore(c).trim());
                (!v.is_empty()).then(|| (name.clone(), v.to_string()))
            })
            .collect()
    }

    fn header(&self) -> Option<&Header> {
        Some(self.header)
    }

    fn at(&self, i: usize) -> Option<&str> {
        self.row.get(i).map(crate::streams::csv_safe::restore)
    }
}

/// The quote rule of RFC 4180 as the csv parser applies it, fed in pieces:
/// a `"` opens a quoted cell only at a cell's start, `""` inside one is a
/// quote, and the cell closes at a lone `"`. Tells where rows end (a
/// newline outside quotes) and whether the text ends inside a quoted cell
/// (a cut-off file). Like the csv parser, it skips a byte order mark at
/// the start of the text (after the loader has removed the file's own).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct QuoteScan {
    state: Quote,
    started: bool,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Quote {
    #[default]
    CellStart,
    Unquoted,
    Quoted,
    /// A `"` inside a quoted cell: a closing quote or the first of `""`.
    ClosingOrDoubled,
}

impl Quote {
    fn step(self, b: u8) -> Quote {
        use Quote::*;
        match (self, b) {
            (Quoted, b'"') => ClosingOrDoubled,
            (Quoted, _) => Quoted,
            (ClosingOrDoubled, b'"') | (CellStart, b'"') => Quoted,
            (_, b',' | b'\n' | b'\r') => CellStart,
            _ => Unquoted,
        }
    }
}

impl QuoteScan {
    /// True when the text so far ends inside a quoted cell.
    pub(crate) fn inside_quotes(self) -> bool {
        self.state == Quote::Quoted
    }
}

/// Marks the offset after the block's last row end.
impl Scan for QuoteScan {
    fn feed(&mut self, text: &[u8], marks: &mut Vec<u32>) {
        let mut from = 0;
        if !self.started && !text.is_empty() {
            self.started = true;
            // Blocks hold whole characters: a mark is never cut.
            if text.starts_with(b"\xEF\xBB\xBF") {
                from = 3;
            }
        }
        let mut state = self.state;
        let mut cut = None;
        let body = text.get(from..).unwrap_or_default();
        if state != Quote::Quoted && memchr::memchr(b'"', body).is_none() {
            // No quote, and not inside a quoted cell: every newline ends
            // a row, and the state after the block is the last byte's
            // (outside quotes a byte other than `"` moves to the same
            // state from any other).
            if let Some(&last) = body.last() {
                state = state.step(last);
            }
            cut = memchr::memrchr(b'\n', body).map(|k| from + k + 1);
        } else {
            for (i, &b) in text.iter().enumerate().skip(from) {
                state = state.step(b);
                if b == b'\n' && state == Quote::CellStart {
                    cut = Some(i + 1);
                }
            }
        }
        self.state = state;
        marks.extend(cut.map(|c| c as u32));
    }
}

/// A table's text in pieces that end at row boundaries.
trait Pieces {
    fn next_piece(&mut self) -> std::io::Result<Option<&str>>;
}

impl Pieces for Source {
    fn next_piece(&mut self) -> std::io::Result<Option<&str>> {
        Source::next_piece(self)
    }
}

/// A table in memory: one piece.
struct Whole<'t>(Option<&'t str>);

impl Pieces for Whole<'_> {
    fn next_piece(&mut self) -> std::io::Result<Option<&str>> {
        Ok(self.0.take())
    }
}

/// Where a table's text comes from.
pub(crate) enum TableInput<'a, 'b> {
    /// Bytes in memory.
    Bytes(&'a [u8]),
    /// The file itself, streamed, its bytes fed to the tap.
    Disk(&'a mut Tap<'b>),
}

/// Reads one CSV table, calling `each` per data row with a reader located at
/// that row. Returns false after a structural error (bad encoding, missing
/// required column, unterminated quote), after which the table's rows were
/// not (all) read.
pub(crate) fn read_table(
    file: &Arc<Path>,
    input: TableInput<'_, '_>,
    kind: TableKind,
    errs: &mut Errs,
    each: impl FnMut(Reader<'_>, &dyn Record),
) -> bool {
    read_table_with(file, input, kind, errs, &mut |_| {}, each)
}

/// [`read_table`], calling `on_header` once with the checked header (and
/// the rows skipped above it) before any data row: a table of no rows
/// still tells its header.
pub(crate) fn read_table_with(
    file: &Arc<Path>,
    input: TableInput<'_, '_>,
    kind: TableKind,
    errs: &mut Errs,
    on_header: &mut dyn FnMut(&Header),
    each: impl FnMut(Reader<'_>, &dyn Record),
) -> bool {
    let mut scan = QuoteScan::default();
    let whole_file: Vec<u8>;
    let input = match input {
        TableInput::Disk(tap) if file_needs_decoding(file) => {
            // Not UTF-8 (or UTF-16): read whole and decode.
            match crate::streams::read_file(file) {
                Ok(bytes) => whole_file = bytes,
                Err(e) => {
                    errs.push(e);
                    return false;
                }
            }
            tap.read(&whole_file);
            TableInput::Bytes(&whole_file)
        }
        other => other,
    };
    let last_row = match input {
        TableInput::Bytes(bytes) => {
            let text = match decode_table(file, bytes, errs.prefer_gb18030) {
                Ok((t, decoded)) => {
                    decoded.record(file, errs);
                    t
                }
                Err(e) => {
                    errs.push(e);
                    return false;
                }
            };
            scan.feed(text.as_bytes(), &mut Vec::new());
            read_rows(file, &mut Whole(Some(&text)), kind, errs, on_header, each)
        }
        TableInput::Disk(tap) => {
            // Rows' messages count only if the whole file could be read
            // (as when it is checked whole in memory first).
            let mut mine = Errs::default();
            let prefer = errs.prefer_gb18030;
            let streamed = stream::stream_table(file, tap, &mut scan, prefer, |source| {
                let rows = read_rows(file, source, kind, &mut mine, &mut *on_header, each);
                // Read on after a stop, as the whole file is checked in
                // memory: a bad byte later on is the error to report.
                while let Ok(Some(_)) = source.next_piece() {}
                rows
            });
            match streamed {
                Ok((rows, decoded)) => {
                    decoded.record(file, errs);
                    errs.append(mine);
                    rows
                }
                Err(e) => {
                    errs.push(e);
                    return false;
                }
            }
        }
    };
    let Some(last_row) = last_row else {
        return false;
    };
    if scan.inside_quotes() {
        errs.push(
            LoadError::said(file.to_path_buf(), crate::error::Said::UnclosedQuote)
                .at(Location::row(last_row)),
        );
        return false;
    }
    true
}

/// The rows of a table, piece by piece; the number of the last row, or
/// `None` after a structural error. The header is the first row naming
/// every required column (rows above it, a title, are skipped with a
/// note).
fn read_rows(
    file: &Arc<Path>,
    pieces: &mut dyn Pieces,
    kind: TableKind,
    errs: &mut Errs,
    on_header: &mut dyn FnMut(&Header),
    mut each: impl FnMut(Reader<'_>, &dyn Record),
) -> Option<u64> {
    let mut header: Option<(Header, usize, u64)> = None;
    // Rows before the header is known: (row, cells).
    let mut before: Vec<(u64, csv::StringRecord)> = Vec::new();
    // Newlines before the piece, and inside cells of earlier rows (a
    // spreadsheet shows a cell's newlines inside one row).
    let mut lines_before: u64 = 0;
    let mut embedded_newlines: u64 = 0;
    let mut last_row = 1;
    // The cell separator, chosen by the first piece ([`separator`]).
    let mut delimiter: Option<u8> = None;
    // Cells quoted after a space, read without the space and the quotes.
    let mut unquoted = Unquoted::default();
    // Cells of the first required column that name no column.
    let mut not_header = office::NotHeader::default();
    loop {
        let piece = match pieces.next_piece() {
            Ok(Some(t)) => t,
            Ok(None) => break,
            // The stream reports its own problem.
            Err(_) => return None,
        };
        let delimiter = *delimiter.get_or_insert_with(|| {
            let d = separator(piece);
            if d == b'\t' {
                errs.note(crate::note::Noted::Tabs {
                    file: file.display().to_string(),
                });
            }
            d
        });
        // The csv reader drops a byte order mark at the start of what it
        // reads; one at the start of a later piece is text (the first cell
        // of a row), so it goes after a blank line the reader skips.
        let shifted;
        let (text, base) = if lines_before > 0 && piece.starts_with('\u{feff}') {
            shifted = format!("\n{piece}");
            (shifted.as_str(), lines_before - 1)
        } else {
            (piece, lines_before)
        };
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .from_reader(text.as_bytes());
        for rec in rdr.records() {
            let rec = match rec {
                Ok(r) => r,
                Err(e) => {
                    let row = e
                        .position()
                        .map(|p| (base + p.line()).saturating_sub(embedded_newlines))
                        .unwrap_or(last_row + 1);
                    errs.push(
                        LoadError::new(file.to_path_buf(), e.to_string()).at(Location::row(row)),
                    );
                    return None;
                }
            };
            // The position is where the parser stood before skipping blank
            // lines; skip them here too (a blank line is a spreadsheet row).
            let line = match rec.position() {
                Some(p) => {
                    let bytes = text.as_bytes();
                    let (mut b, mut line) = (p.byte() as usize, p.line());
                    while b < bytes.len() && (bytes[b] == b'\n' || bytes[b] == b'\r') {
                        line += u64::from(bytes[b] == b'\n');
                        b += 1;
                    }
                    base + line
                }
                None => last_row + 1 + embedded_newlines,
            };
            let row = line.saturating_sub(embedded_newlines);
            last_row = row;
            embedded_newlines += newlines_in(&rec);
            let rec = unquoted.read(row, rec);
            let Some((head, width, header_row)) = &header else {
                before.push((row, rec));
                let cells = cells_of(&before[before.len() - 1].1);
                if office::is_header(kind, &cells) || before.len() >= HEADER_SEARCH_ROWS {
                    let found = read_header(file, &before, kind, errs)?;
                    on_header(&found.0);
                    header = Some(found);
                    before.clear();
                }
                continue;
            };
            if office::blank_row(&rec) {
                continue;
            }
            if office::repeats_header_known(kind, head, |i| rec.get(i), &mut not_header) {
                errs.push(
                    LoadError::said(
                        file.to_path_buf(),
                        office::repeated_header_message(row, *header_row),
                    )
                    .at(Location::row(row)),
                );
                continue;
            }
            let mark = errs.kept_len();
            if let Some(r) = check_row(file, &rec, *width, &head.unnamed, row, errs) {
                each(
                    Reader::new(file, Site::Row(row), r),
                    &CsvRecord {
                        header: head,
                        row: &rec,
                    },
                );
            }
            errs.columns_since(mark, |f| head.column_of(f));
        }
        lines_before = base + text.bytes().filter(|&b| b == b'\n').count() as u64;
    }
    if header.is_none() && !before.is_empty() {
        // The file ended before a row naming the required columns.
        let (head, width, row) = read_header(file, &before, kind, errs)?;
        on_header(&head);
        header = Some((head, width, row));
    }
    unquoted.note(file, header.as_ref().map(|(h, _, _)| h), errs);
    if header.is_none() {
        errs.push(LoadError::said(
            file.to_path_buf(),
            crate::error::Said::EmptyTable {
                sheet: None,
                columns: kind.required().iter().map(|c| c.to_string()).collect(),
            },
        ));
        return None;
    }
    Some(last_row)
}

/// The cell separator of a table from its first lines: the line among
/// them with the most tabs or commas (the header, not a title row above
/// it that may hold a comma or two; of lines with as many, the first)
/// decides — a tab when it has more tabs than commas, as Excel's
/// "Unicode text" and "Text (tab delimited)" write, else a comma. A last
/// line without its newline counts only when no line has one: a file read
/// from disk comes in pieces that end at line ends, and its first piece
/// must choose as the whole text in memory does.
fn separator(text: &str) -> u8 {
    let count = |l: &str, c: char| l.matches(c).count();
    let whole_lines = text.rfind('\n').map_or(text, |end| &text[..=end]);
    whole_lines
        .lines()
        .take(HEADER_SEARCH_ROWS)
        .map(|l| (count(l, '\t'), count(l, ',')))
        .enumerate()
        .max_by_key(|&(i, (tabs, commas))| (tabs.max(commas), std::cmp::Reverse(i)))
        .map(|(_, counts)| counts)
        .map_or(
            b',',
            |(tabs, commas)| if tabs > commas { b'\t' } else { b',' },
        )
}

/// True for a cell like ` "武汉"`: white space, then text in quotes. The
/// CSV reader keeps such quotes as text (only a quote that opens the cell
/// quotes it), so the name would silently differ from `武汉`.
fn quoted_after_a_space(cell: &str) -> bool {
    let inner = cell.trim();
    cell.starts_with(char::is_whitespace)
        && inner.len() >= 2
        && inner.starts_with('"')
        && inner.ends_with('"')
}

/// The text of a cell quoted after a space (` "武汉"`, ` "a ""b"" c"`)
/// as its quotes mean it (`武汉`, `a "b" c`): what the office typed, once
/// an editor or a hand put a space after the comma. `None` when the cell
/// is not such a cell, or its quotes are not a quoted cell's (a lone `"`
/// inside: ` "a" and "b"`), which is then kept as written.
fn unquote_after_a_space(cell: &str) -> Option<String> {
    if !quoted_after_a_space(cell) {
        return None;
    }
    let inner = cell.trim();
    let body = &inner[1..inner.len() - 1];
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        // Inside quotes a quote is written twice.
        if c == '"' && chars.next() != Some('"') {
            return None;
        }
        out.push(c);
    }
    Some(out)
}

/// The cells of a CSV table quoted after a space: read without the space
/// and the quotes, and named in one note per file (never silently: the
/// quotes might have been meant).
#[derive(Default)]
struct Unquoted {
    /// (row, column, cell as written, as read), the first few.
    shown: Vec<(u64, usize, String, String)>,
    /// How many such cells in all.
    count: usize,
    /// The first cell whose quotes are no quoted cell's (kept as written).
    kept: Option<(u64, usize, String)>,
}

impl Unquoted {
    /// Cells shown in the note; the rest are counted.
    const SHOWN: usize = 5;

    /// `rec` with its cells quoted after a space unquoted (the record
    /// itself when it has none, as almost every row).
    fn read(&mut self, row: u64, rec: csv::StringRecord) -> csv::StringRecord {
        if !rec.iter().any(quoted_after_a_space) {
            return rec;
        }
        let mut out = csv::StringRecord::with_capacity(rec.as_slice().len(), rec.len());
        for (i, cell) in rec.iter().enumerate() {
            match unquote_after_a_space(cell) {
                Some(text) => {
                    self.count += 1;
                    if self.shown.len() < Self::SHOWN {
                        self.shown.push((row, i, cell.to_string(), text.clone()));
                    }
                    out.push_field(&text);
                }
                None => {
                    if self.kept.is_none() && quoted_after_a_space(cell) {
                        self.kept = Some((row, i, cell.to_string()));
                    }
                    out.push_field(cell);
                }
            }
        }
        out.set_position(rec.position().cloned());
        out
    }

    /// The notes, each cell named by row and column (with its header cell
    /// when the header is known).
    fn note(&self, file: &Path, header: Option<&Header>, errs: &mut Errs) {
        let column = |i: usize| {
            let letter = office::column_letters(i);
            match header
                .and_then(|h| h.labels.get(i))
                .filter(|l| !l.is_empty())
            {
                Some(label) => format!("column {letter} \"{label}\""),
                None => format!("column {letter}"),
            }
        };
        if !self.shown.is_empty() {
            let listed: Vec<String> = self
                .shown
                .iter()
                .map(|(row, i, raw, text)| format!("row {row} {}: {raw:?} as {text:?}", column(*i)))
                .collect();
            let more = match self.count - self.shown.len() {
                0 => String::new(),
                n => format!(" and {n} more"),
            };
            errs.note(format!(
                "note: {}: {} cell(s) have a space before their opening quote and are read \
                 without the space and the quotes (a CSV quote must open the cell): {}{more}",
                file.display(),
                self.count,
                listed.join(", ")
            ));
        }
        if let Some((row, i, raw)) = &self.kept {
            errs.note(format!(
                "note: {} row {row} {}: the cell {raw:?} has a space before its opening quote \
                 and a quote inside, so it is kept as written, quotes included (a CSV quote \
                 must open the cell): remove the space or the quotes",
                file.display(),
                column(*i)
            ));
        }
    }
}

fn newlines_in(rec: &csv::StringRecord) -> u64 {
    rec.iter().map(|c| c.matches('\n').count() as u64).sum()
}

fn cells_of(rec: &csv::StringRecord) -> Vec<String> {
    rec.iter().map(str::to_string).collect()
}

/// Picks the header among the first rows ([`office::header_index`]),
/// notes the title rows above it, and checks it; the header, its width
/// and its row.
fn read_header(
    file: &Arc<Path>,
    rows: &[(u64, csv::StringRecord)],
    kind: TableKind,
    errs: &mut Errs,
) -> Option<(Header, usize, u64)> {
    let cells: Vec<Vec<String>> = rows.iter().map(|(_, r)| cells_of(r)).collect();
    let refs: Vec<&[String]> = cells.iter().map(Vec::as_slice).collect();
    let h = office::header_index(kind, &refs);
    let (row, rec) = &rows[h];
    let at = TableAt {
        file,
        sheet: None,
        row: *row,
    };
    let semicolons = rec.len() == 1 && rec[0].contains(';');
    if h > 0 {
        let skipped: Vec<u64> = rows[..h].iter().map(|(r, _)| *r).collect();
        errs.note(office::title_rows_note(&at, &skipped));
    }
    let mut head = office::check_header(&at, &cells[h], kind, semicolons, errs)?;
    // Every row above as written (a line of commas too: Excel saves a
    // blank row so).
    head.above = rows[..h]
        .iter()
        .zip(&cells)
        .map(|((r, _), c)| {
            let restored = c
                .iter()
                .map(|x| crate::streams::csv_safe::restore(x).to_string())
                .collect();
            (*r, restored)
        })
        .collect();
    Some((head, rec.len(), *row))
}

/// True when a table file is not plain UTF-8 by its first 64 KiB
/// ([`needs_decoding`]): it is then read whole and decoded. A file that
/// cannot be opened is left to the read proper, which reports why.
fn file_needs_decoding(file: &Path) -> bool {
    use std::io::Read as _;
    const PREFIX: u64 = 64 * 1024;
    let mut buf = Vec::new();
    match std::fs::File::open(file) {
        Ok(f) => {
            let _ = f.take(PREFIX).read_to_end(&mut buf);
        }
        Err(_) => return false,
    }
    needs_decoding(&buf, (buf.len() as u64) < PREFIX)
}

/// Checks a data row's width and unnamed cells; the error list back when
/// the row can be read.
fn check_row<'e>(
    file: &Arc<Path>,
    rec: &csv::StringRecord,
    width: usize,
    unnamed: &[usize],
    row: u64,
    errs: &'e mut Errs,
) -> Option<&'e mut Errs> {
    let loc = Location::row(row);
    if rec.len() < width {
        errs.push(
            LoadError::said(
                file.to_path_buf(),
                crate::error::Said::RowWidth {
                    cells: rec.len(),
                    width,
                },
            )
            .at(loc),
        );
        return None;
    }
    if rec.len() > width && rec.iter().skip(width).any(|c| !c.trim().is_empty()) {
        errs.push(
            LoadError::said(
                file.to_path_buf(),
                crate::error::Said::RowWidth {
                    cells: rec.len(),
                    width,
                },
            )
            .at(loc),
        );
        return None;
    }
    for &i in unnamed {
        if !rec[i].trim().is_empty() {
            errs.push(
                LoadError::said(
                    file.to_path_buf(),
                    crate::error::Said::UnnamedColumn {
                        letter: office::column_letters(i),
                        header_row: None,
                    },
                )
                .at(loc.clone()),
            );
        }
    }
    Some(errs)
}

/// Where a CSV instance's files come from.
pub(crate) enum CsvFiles<'a> {
    /// Bytes in memory.
    Bytes(&'a CsvInput),
    /// The instance files present in the directory, in name order: read
    /// from disk as streams, hashed (see [`crate::instances::instance_sha256`]) and
    /// reported to the observer.
    Disk(&'a [String], &'a (dyn Fn(u64) + Sync)),
}

/// Reads a CSV instance's files into raw records. `dir` is used to name
/// the files in messages. Returns the records, whether they are
/// structurally whole (else resolving would only add follow-on errors),
/// and for files on disk the input hash.
///
/// Files are read in name order (the hash's order); their messages are
/// listed policy, experts, applications, conflicts, co-authorships,
/// affinity.
///
/// One encoding for the directory: when one table is read as GB18030 and
/// another is kept as UTF-8 though its bytes also read as Chinese
/// GB18030 text (see [`crate::instances::encodings`]), the directory is
/// read again with such tables read as GB18030 (as one Excel saved them
/// all).
pub(crate) fn read_csv(
    dir: &Path,
    files: CsvFiles<'_>,
    errs: &mut Errs,
) -> (Raw, bool, Option<String>) {
    let mut first = Errs::default();
    let read = read_csv_once(dir, &files, &mut first);
    if !first.encodings_disagree() {
        errs.append(first);
        return read;
    }
    let mut again = Errs::default();
    again.prefer_gb18030 = true;
    // The bytes were reported to the observer once already.
    let quiet = |_: u64| {};
    let files = match files {
        CsvFiles::Disk(present, _) => CsvFiles::Disk(present, &quiet),
        bytes => bytes,
    };
    let read = read_csv_once(dir, &files, &mut again);
    errs.append(again);
    read
}

/// The table read on a thread of its own while the other files are read:
/// the history, most of a yearly round's bytes (three years of past
/// reviews are several times the pool and the applications together).
const SIDE_TABLE: &str = "history.csv";

/// The largest [`SIDE_TABLE`] read on its own thread from disk: its bytes
/// are kept until the files before it are hashed (a larger one is read in
/// its turn, as a stream).
const SIDE_TABLE_MAX_BYTES: u64 = 256 << 20;

/// What the thread of [`SIDE_TABLE`] read: the records, messages and
/// whether it was read whole, as [`read_file_named`] gives them, and for
/// a file on disk its length and bytes, to be hashed in its place.
struct SideRead {
    raw: Raw,
    errs: Errs,
    whole: bool,
    hashed: Option<(u64, Vec<u8>)>,
}

/// Where [`SIDE_TABLE`] comes from.
enum SideInput<'a> {
    /// Bytes in memory.
    Bytes(&'a [u8]),
    /// The file on disk, of this length, its reading reported to the
    /// observer.
    Disk(u64, &'a (dyn Fn(u64) + Sync)),
}

/// Reads [`SIDE_TABLE`] as [`read_file_named`] does, for [`read_csv_once`]
/// on another thread; from disk, with its bytes kept for the input hash.
fn read_side_table(file: &Arc<Path>, input: SideInput<'_>, prefer_gb18030: bool) -> SideRead {
    let mut raw = Raw::default();
    let mut errs = Errs::default();
    errs.prefer_gb18030 = prefer_gb18030;
    let (whole, hashed) = match input {
        SideInput::Bytes(bytes) => (
            read_file_named(
                SIDE_TABLE,
                file,
                TableInput::Bytes(bytes),
                &mut raw,
                &mut errs,
            ),
            None,
        ),
        SideInput::Disk(len, seen) => {
            let mut tap = Tap::keeping(seen);
            let whole = read_file_named(
                SIDE_TABLE,
                file,
                TableInput::Disk(&mut tap),
                &mut raw,
                &mut errs,
            );
            (whole, Some((len, tap.into_kept())))
        }
    };
    SideRead {
        raw,
        errs,
        whole,
        hashed,
    }
}

/// [`read_csv`] with one encoding decision per table (ambiguous tables as
/// `errs.prefer_gb18030` says). [`SIDE_TABLE`] is read on a second thread
/// meanwhile; its records, messages and hash come out as if it were read
/// in its turn.
fn read_csv_once(dir: &Path, files: &CsvFiles<'_>, errs: &mut Errs) -> (Raw, bool, Option<String>) {
    let path = |name: &str| -> Arc<Path> { Arc::from(dir.join(name).as_path()) };
    let side_file = path(SIDE_TABLE);
    let prefer_gb18030 = errs.prefer_gb18030;
    let side_input = match files {
        CsvFiles::Bytes(input) => input.get(SIDE_TABLE).map(SideInput::Bytes),
        CsvFiles::Disk(present, seen) => present
            .iter()
            .any(|p| p == SIDE_TABLE)
            .then(|| std::fs::metadata(&side_file).ok())
            .flatten()
            .filter(|meta| meta.is_file() && meta.len() <= SIDE_TABLE_MAX_BYTES)
            .map(|meta| SideInput::Disk(meta.len(), *seen)),
    };
    std::thread::scope(|scope| {
        let side_file = &side_file;
        let side = side_input
            .map(|input| scope.spawn(move || read_side_table(side_file, input, prefer_gb18030)));
        read_csv_files(dir, files, errs, side)
    })
}

/// The files of [`read_csv_once`] in name order, [`SIDE_TABLE`] taken
/// from `side` when its thread reads it.
fn read_csv_files(
    dir: &Path,
    files: &CsvFiles<'_>,
    errs: &mut Errs,
    mut side: Option<std::thread::ScopedJoinHandle<'_, SideRead>>,
) -> (Raw, bool, Option<String>) {
    let mut raw = Raw::default();
    let mut whole = true;
    let path = |name: &str| -> Arc<Path> { Arc::from(dir.join(name).as_path()) };
    raw.policy_file = Some(path("policy.json"));
    raw.experts_file = Some(path("experts.csv"));
    raw.applications_file = Some(path("applications.csv"));
    let no_observer = |_: u64| {};
    let mut tap = Tap::new(match files {
        CsvFiles::Disk(_, seen) => *seen,
        CsvFiles::Bytes(_) => &no_observer,
    });
    let mut file_errs: BTreeMap<&str, Errs> = BTreeMap::new();
    for &name in CSV_DIR_FILES {
        if name == SIDE_TABLE {
            if let Some(handle) = side.take() {
                let read = handle
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                if let Some((len, bytes)) = &read.hashed {
                    tap.file_header(name, *len);
                    tap.hash_kept(bytes);
                }
                raw.history = read.raw.history;
                file_errs.insert(name, read.errs);
                whole &= read.whole;
                continue;
            }
        }
        let file = path(name);
        let ferrs = file_errs.entry(name).or_default();
        ferrs.prefer_gb18030 = errs.prefer_gb18030;
        let whole_file: Vec<u8>;
        let input = match files {
            CsvFiles::Bytes(input) => match input.get(name) {
                Some(bytes) => TableInput::Bytes(bytes),
                None => continue,
            },
            CsvFiles::Disk(present, _) => {
                if !present.iter().any(|p| p == name) {
                    continue;
                }
                let meta = match std::fs::metadata(&file) {
                    Ok(meta) => meta,
                    Err(e) => {
                        ferrs.push(LoadError::said(
                            file.to_path_buf(),
                            crate::streams::describe_io(&e),
                        ));
                        whole = false;
                        continue;
                    }
                };
                if meta.is_file() {
                    tap.file_header(name, meta.len());
                    TableInput::Disk(&mut tap)
                } else {
                    // A pipe or device: read once, whole (its size is
                    // unknown and it cannot be read twice).
                    match crate::streams::read_file(&file) {
                        Ok(bytes) => whole_file = bytes,
                        Err(e) => {
                            ferrs.push(e);
                            whole = false;
                            continue;
                        }
                    }
                    tap.file_header(name, whole_file.len() as u64);
                    tap.read(&whole_file);
                    TableInput::Bytes(&whole_file)
                }
            }
        };
        whole &= read_file_named(name, &file, input, &mut raw, ferrs);
    }
    if raw.policy_file_seen && policy_csv_seen(files) {
        file_errs
            .entry("policy.json")
            .or_default()
            .push(LoadError::new(
                path("policy.csv").to_path_buf(),
                "both policy.json and policy.csv are present; keep one of them",
            ));
    }
    raw.policy_file_seen |= policy_csv_seen(files);
    for (name, seen, what) in [
        (
            "policy.json",
            raw.policy_file_seen,
            "missing: a CSV instance directory needs policy.json (write {} for all defaults) \
             or policy.csv (key,value rows)",
        ),
        (
            "experts.csv",
            raw.experts_seen,
            "missing: the pool of experts is required",
        ),
        (
            "applications.csv",
            raw.applications_seen,
            "missing: the applications are required",
        ),
    ] {
        if !seen {
            file_errs
                .entry(name)
                .or_default()
                .push(LoadError::new(path(name).to_path_buf(), what));
            whole &= name == "policy.json";
        }
    }
    for name in [
        "policy.json",
        "policy.csv",
        "experts.csv",
        "applications.csv",
        "conflicts.csv",
        "coauthorships.csv",
        "affinity.csv",
        "history.csv",
    ] {
        if let Some(e) = file_errs.remove(name) {
            errs.append(e);
        }
    }
    let hash = matches!(files, CsvFiles::Disk(..)).then(|| tap.finish());
    (raw, whole, hash)
}

/// True when the instance has a `policy.csv`.
fn policy_csv_seen(files: &CsvFiles<'_>) -> bool {
    match files {
        CsvFiles::Bytes(input) => input.policy_csv.is_some(),
        CsvFiles::Disk(present, _) => present.iter().any(|p| p == "policy.csv"),
    }
}

/// Reads one instance file into `raw`; false after a structural error.
fn read_file_named(
    name: &str,
    file: &Arc<Path>,
    input: TableInput<'_, '_>,
    raw: &mut Raw,
    errs: &mut Errs,
) -> bool {
    match name {
        "policy.json" => {
            raw.policy_file_seen = true;
            let bytes = match input {
                TableInput::Bytes(b) => std::borrow::Cow::Borrowed(b),
                TableInput::Disk(tap) => match crate::streams::read_file(file) {
                    Ok(b) => {
                        tap.read(&b);
                        std::borrow::Cow::Owned(b)
                    }
                    Err(e) => {
                        errs.push(e);
                        return true;
                    }
                },
            };
            match text_of(file, &bytes) {
                Err(e) => errs.push(e),
                Ok(text) => match crate::streams::strict::from_str(text) {
                    Err(e) => errs.push(json_error(file, &e)),
                    Ok(v) => raw.policy = parse_policy(Reader::new(file, Site::Whole, errs), &v),
                },
            }
            true
        }
        "policy.csv" => {
            let mut rows = PolicyRows::default();
            let ok = read_table(file, input, TableKind::Policy, errs, |r, rec| {
                rows.add(r, rec)
            });
            if ok {
                rows.finish(file, Site::Whole, raw, errs);
            }
            true
        }
        "experts.csv" => {
            raw.experts_seen = true;
            let list = &mut raw.experts;
            read_table(file, input, TableKind::Experts, errs, |r, rec| {
                list.extend(parse_expert(r, rec))
            })
        }
        "applications.csv" => {
            raw.applications_seen = true;
            let list = &mut raw.applications;
            read_table(file, input, TableKind::Applications, errs, |r, rec| {
                list.extend(parse_application(r, rec))
            })
        }
        "conflicts.csv" => {
            let list = &mut raw.conflicts;
            read_table(file, input, TableKind::Conflicts, errs, |r, rec| {
                list.extend(parse_conflict(r, rec))
            })
        }
        "coauthorships.csv" => {
            let list = &mut raw.coauthorships;
            read_table(file, input, TableKind::Coauthorships, errs, |r, rec| {
                list.extend(parse_coauthorship(r, rec))
            })
        }
        "affinity.csv" => {
            let mut list = RawAffinityList::new(file, Site::Row(0));
            let ok = read_table(file, input, TableKind::Affinity, errs, |r, rec| {
                list.add(r, rec)
            });
            raw.affinity = Some(list);
            ok
        }
        "history.csv" => {
            let mut list = records::HistoryList::default();
            // The fields' columns, found at the first row; a row valid as
            // it stands is read by position (`quick_history_row`), any
            // other the general way, with its messages.
            let mut columns: Option<Option<records::HistoryColumns>> = None;
            let ok = read_table(file, input, TableKind::History, errs, |r, rec| {
                let cols =
                    *columns.get_or_insert_with(|| rec.header().map(records::HistoryColumns::of));
                if let Some((record, team_items)) =
                    cols.and_then(|c| records::quick_history_row(rec, &c))
                {
                    if r.errs.list_items_fit(team_items)
                        && r.errs.count_list_items(team_items).is_ok()
                    {
                        list.push(&r.at.file, r.at.site, record);
                        return;
                    }
                }
                list.read(r, rec)
            });
            raw.history = Some(list);
            ok
        }
        _ => true,
    }
}

/// The instance files present in a directory, in name order; near-miss
/// names (`Experts.csv`) are errors.
pub(crate) fn list_dir_files(dir: &Path) -> Result<Vec<String>, LoadErrors> {
    let mut errs = Errs::default();
    let entries = std::fs::read_dir(dir)
        .map_err(|e| LoadError::new(dir, format!("cannot list the directory: {e}")))?;
    let mut names: Vec<String> = Vec::new();
    for entry in entries {
        let entry =
            entry.map_err(|e| LoadError::new(dir, format!("cannot list the directory: {e}")))?;
        names.push(entry.file_name().to_string_lossy().into_owned());
    }
    names.sort();
    let mut present = Vec::new();
    for name in &names {
        if CSV_DIR_FILES.contains(&name.as_str()) {
            present.push(name.clone());
        } else if name.to_lowercase().ends_with(".csv") || name.to_lowercase().ends_with(".json") {
            if let Some(n) = records::nearest(name, CSV_DIR_FILES) {
                if !names.iter().any(|x| x == n) {
                    errs.push(LoadError::new(
                        dir.join(name),
                        format!("not an instance file name; did you mean {n}? (file names are lower case)"),
                    ));
                }
            }
        }
    }
    errs.finish(Some(present))
}

use crate::error::LoadErrors;

// ---------------------------------------------------------------- writing

fn join_list<T: AsRef<str>>(items: &[T]) -> String {
    let items: Vec<&str> = items.iter().map(AsRef::as_ref).collect();
    items.join(";")
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

/// One history record as a row of [`HISTORY_FIELDS`].
pub(crate) fn history_row(r: &crate::history::PastReview) -> Vec<String> {
    history_row_in(r, Lang::En)
}

/// [`history_row`] with the outcome in `lang`: SPEC's words in English,
/// the Chinese words the reader accepts in Chinese (已评审, 拒绝, 缺席,
/// 逾期; [`crate::history::Outcome::chinese`]).
pub(crate) fn history_row_in(r: &crate::history::PastReview, lang: Lang) -> Vec<String> {
    HISTORY_FIELDS
        .iter()
        .map(|f| history_cell(r, f, lang).into_owned())
        .collect()
}

/// One cell of [`history_row_in`]: field `field` of `r` (empty for a
/// field not given, and for a name not in [`HISTORY_FIELDS`]).
pub(crate) fn history_cell<'r>(
    r: &'r crate::history::PastReview,
    field: &str,
    lang: Lang,
) -> std::borrow::Cow<'r, str> {
    use std::borrow::Cow;
    let text = |v: Option<&'r str>| Cow::Borrowed(v.unwrap_or_default());
    match field {
        "year" => Cow::Owned(r.year.to_string()),
        "round" => text(r.round.as_deref()),
        "programme" => text(r.programme.as_deref()),
        "application" => text(r.application.as_deref()),
        "institution" => Cow::Borrowed(&*r.institution),
        "team" => Cow::Owned(join_list(&r.team)),
        "expert" => Cow::Borrowed(&*r.expert),
        "outcome" => Cow::Borrowed(match lang {
            Lang::En => r.outcome.as_str(),
            Lang::Zh => r.outcome.chinese(),
        }),
        "rating" => Cow::Owned(opt(r.rating)),
        _ => Cow::Borrowed(""),
    }
}

/// A table as CSV bytes: a BOM, the header, then the rows; text cells
/// formula-safe ([`crate::streams::csv_safe::neutralise`]).
pub(crate) fn table(
    path: &Path,
    header: &[&str],
    rows: impl Iterator<Item = Vec<String>>,
) -> Result<Vec<u8>, WriteError> {
    // Counts, years and scores are numbers; every other cell is text.
    let numeric: Vec<bool> = header
        .iter()
        .map(|h| {
            matches!(
                *h,
                "max_load" | "min_load" | "panel_size" | "year" | "score"
            )
        })
        .collect();
    typed_table(path, header, &numeric, rows)
}

/// [`table`] with the number columns given (`numeric[i]`: column i holds
/// numbers, written as they are; other cells are made formula-safe).
pub(crate) fn typed_table<H: AsRef<[u8]>>(
    path: &Path,
    header: &[H],
    numeric: &[bool],
    rows: impl Iterator<Item = Vec<String>>,
) -> Result<Vec<u8>, WriteError> {
    titled_table(path, std::iter::empty(), header, numeric, rows)
}

/// [`typed_table`] with rows above the header (a title, a date: each as
/// wide as it was, its cells formula-safe), as an office's table had
/// them.
pub(crate) fn titled_table<'t, H: AsRef<[u8]>>(
    path: &Path,
    above: impl Iterator<Item = &'t [String]>,
    header: &[H],
    numeric: &[bool],
    rows: impl Iterator<Item = Vec<String>>,
) -> Result<Vec<u8>, WriteError> {
    let mut w = crate::streams::csv_safe::writer_flexible();
    let err = |e: csv::Error| WriteError::encode(path, e);
    for cells in above {
        let safe = cells
            .iter()
            .map(|c| crate::streams::csv_safe::neutralise(c));
        w.write_record(safe.map(|c| c.into_owned())).map_err(err)?;
    }
    w.write_record(header).map_err(err)?;
    for r in rows {
        let cells = r.iter().enumerate().map(|(i, c)| {
            if numeric.get(i).copied().unwrap_or(false) {
                std::borrow::Cow::Borrowed(c.as_str())
            } else {
                crate::streams::csv_safe::neutralise(c)
            }
        });
        w.write_record(cells.map(|c| c.into_owned())).map_err(err)?;
    }
    w.into_inner()
        .map_err(|e| WriteError::unrepresentable(path, e.to_string()))
}

/// [`titled_table`] with the rows given cell by cell, each with whether
/// it is a number (written as it is; other cells are made formula-safe),
/// and written as they come (no table of strings built first).
pub(crate) fn titled_rows<'t, 'c, H: AsRef<[u8]>>(
    path: &Path,
    above: impl Iterator<Item = &'t [String]>,
    header: &[H],
    rows: impl Iterator<Item = impl Iterator<Item = (std::borrow::Cow<'c, str>, bool)>>,
) -> Result<Vec<u8>, WriteError> {
    let mut w = crate::streams::csv_safe::writer_flexible();
    let err = |e: csv::Error| WriteError::encode(path, e);
    for cells in above {
        for c in cells {
            w.write_field(crate::streams::csv_safe::neutralise(c).as_bytes())
                .map_err(err)?;
        }
        w.write_record(std::iter::empty::<&[u8]>()).map_err(err)?;
    }
    w.write_record(header).map_err(err)?;
    for r in rows {
        for (c, numeric) in r {
            if numeric {
                w.write_field(c.as_bytes()).map_err(err)?;
            } else {
                w.write_field(crate::streams::csv_safe::neutralise(&c).as_bytes())
                    .map_err(err)?;
            }
        }
        w.write_record(std::iter::empty::<&[u8]>()).map_err(err)?;
    }
    w.into_inner()
        .map_err(|e| WriteError::unrepresentable(path, e.to_string()))
}

/// A table's header: the known fields, then the kept columns.
fn with_kept<'a>(fields: &[&'a str], kept: &'a KeptColumns) -> Vec<&'a str> {
    let mut h = fields.to_vec();
    h.extend(kept.columns.iter().map(String::as_str));
    h
}

/// Record `i`'s kept cells, one per kept column.
fn kept_row(kept: &KeptColumns, i: usize) -> Vec<String> {
    match kept.rows.get(i) {
        Some(r) => r.clone(),
        None => vec![String::new(); kept.columns.len()],
    }
}

/// The files of a CSV instance directory, name → bytes (deterministic).
/// The instance must have passed [`crate::instances::check_writable`].
pub(crate) fn csv_files(
    inst: &Instance,
    dir: &Path,
) -> Result<Vec<(&'static str, Vec<u8>)>, WriteError> {
    let mut files = Vec::new();
    files.push((
        "experts.csv",
        table(
            &dir.join("experts.csv"),
            &with_kept(EXPERT_FIELDS, &inst.kept.experts),
            inst.expert_ixs().map(|e| {
                let x = &inst.experts[e.ix()];
                let mut row = vec![
                    x.id.clone(),
                    opt(x.name.as_deref()),
                    inst.expert_city(e).to_string(),
                    inst.expert_institution(e).to_string(),
                    join_list(&x.fields),
                    join_list(&x.keywords),
                    opt(x.title.as_deref()),
                    opt(x.max_load),
                    opt(x.min_load),
                    x.available.to_string(),
                    join_list(
                        &x.programmes
                            .iter()
                            .map(|p| inst.programmes.name(p.0).to_string())
                            .collect::<Vec<_>>(),
                    ),
                ];
                row.extend(kept_row(&inst.kept.experts, e.ix()));
                row
            }),
        )?,
    ));
    files.push((
        "applications.csv",
        table(
            &dir.join("applications.csv"),
            &with_kept(APPLICATION_FIELDS, &inst.kept.applications),
            inst.app_ixs().map(|a| {
                let x = &inst.applications[a.ix()];
                let team: Vec<String> = x
                    .team
                    .iter()
                    .map(|&p| inst.person_id(p).to_string())
                    .collect();
                let avoid: Vec<String> = x
                    .avoid
                    .iter()
                    .map(|&e| inst.experts[e.ix()].id.clone())
                    .collect();
                let mut row = vec![
                    x.id.clone(),
                    opt(x.title.as_deref()),
                    inst.app_city(a).to_string(),
                    inst.app_institution(a).to_string(),
                    join_list(&x.fields),
                    join_list(&x.keywords),
                    opt(x.panel_size),
                    join_list(&team),
                    join_list(&avoid),
                    opt(inst.programme_name(a)),
                ];
                row.extend(kept_row(&inst.kept.applications, a.ix()));
                row
            }),
        )?,
    ));
    files.push((
        "conflicts.csv",
        table(
            &dir.join("conflicts.csv"),
            CONFLICT_FIELDS,
            inst.conflicts.iter().map(|c| {
                vec![
                    inst.experts[c.expert.ix()].id.clone(),
                    conflict_with(inst, c.with).to_string(),
                    opt(c.reason.as_deref()),
                ]
            }),
        )?,
    ));
    files.push((
        "coauthorships.csv",
        table(
            &dir.join("coauthorships.csv"),
            COAUTHORSHIP_FIELDS,
            inst.coauthorships.iter().map(|c| {
                vec![
                    inst.person_id(c.a).to_string(),
                    inst.person_id(c.b).to_string(),
                    opt(c.year),
                ]
            }),
        )?,
    ));
    if let Some(list) = &inst.affinity {
        files.push((
            "affinity.csv",
            table(
                &dir.join("affinity.csv"),
                AFFINITY_FIELDS,
                list.iter().map(|f| {
                    vec![
                        inst.applications[f.application.ix()].id.clone(),
                        inst.experts[f.expert.ix()].id.clone(),
                        f.score.as_f64().to_string(),
                    ]
                }),
            )?,
        ));
    }
    if inst.history.given {
        files.push((
            "history.csv",
            table(
                &dir.join("history.csv"),
                HISTORY_FIELDS,
                inst.history.records.iter().map(history_row),
            )?,
        ));
    }
    files.push((
        "policy.json",
        policy_bytes(&inst.policy, &dir.join("policy.json"))?,
    ));
    Ok(files)
}

#[cfg(test)]
mod quote_scan_tests {
    use super::{Quote, QuoteScan};
    use crate::streams::stream::Scan;

    /// The scan byte by byte, as it was before blocks without a quote
    /// were skipped through: the marks of each block and the last state.
    fn bytewise(blocks: &[&[u8]]) -> (Vec<Vec<u32>>, Quote) {
        let (mut state, mut started) = (Quote::default(), false);
        let mut out = Vec::new();
        for text in blocks {
            let mut from = 0;
            if !started && !text.is_empty() {
                started = true;
                if text.starts_with(b"\xEF\xBB\xBF") {
                    from = 3;
                }
            }
            let mut cut = None;
            for (i, &b) in text.iter().enumerate().skip(from) {
                state = state.step(b);
                if b == b'\n' && state == Quote::CellStart {
                    cut = Some(i + 1);
                }
            }
            out.push(cut.map(|c| c as u32).into_iter().collect());
        }
        (out, state)
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

        /// Blocks with and without quotes, cut anywhere: the same marks
        /// and the same state as the scan byte by byte.
        #[test]
        fn the_scan_marks_rows_as_byte_by_byte(
            bytes in proptest::collection::vec(
                proptest::sample::select(vec![b'"', b',', b'\n', b'\r', b'a', b' ', 0xEF, 0xBB, 0xBF]),
                0..60,
            ),
            cuts in proptest::collection::vec(0usize..60, 0..5),
        ) {
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(bytes.len())).collect();
            cuts.push(0);
            cuts.push(bytes.len());
            cuts.sort_unstable();
            let blocks: Vec<&[u8]> = cuts.windows(2).map(|w| &bytes[w[0]..w[1]]).collect();
            let mut scan = QuoteScan::default();
            let mut marks = Vec::new();
            for b in &blocks {
                let mut m = Vec::new();
                scan.feed(b, &mut m);
                marks.push(m);
            }
            proptest::prop_assert_eq!((marks, scan.state), bytewise(&blocks));
        }
    }
}

#[cfg(test)]
mod separator_tests {
    use super::{quoted_after_a_space, separator, unquote_after_a_space};

    #[test]
    fn a_cell_quoted_after_a_space_is_told() {
        assert!(quoted_after_a_space(" \"武汉\""));
        assert!(quoted_after_a_space("\t\"武汉\" "));
        assert!(!quoted_after_a_space("\"武汉\""));
        assert!(!quoted_after_a_space(" 武汉"));
        assert!(!quoted_after_a_space(" \""));
        assert_eq!(unquote_after_a_space(" \"武汉\"").as_deref(), Some("武汉"));
        assert_eq!(
            unquote_after_a_space(" \"a \"\"b\"\" c\" ").as_deref(),
            Some("a \"b\" c")
        );
        assert_eq!(unquote_after_a_space(" \"a\" and \"b\""), None);
        assert_eq!(unquote_after_a_space("武汉"), None);
    }

    /// A round whose experts.csv is `experts`, noted.
    fn load(experts: &str) -> (crate::model::Instance, Vec<String>) {
        let mut input = crate::instances::csvdir::CsvInput::default();
        input.set("experts.csv", experts.as_bytes().to_vec());
        input.set(
            "applications.csv",
            "id,city,institution\nA1,武汉,U9\n".as_bytes().to_vec(),
        );
        input.set("policy.json", br#"{"panel_size": 1}"#.to_vec());
        let (inst, notes) =
            crate::instances::load_csv_noted(std::path::Path::new("round"), &input).unwrap();
        (inst, notes.notes)
    }

    #[test]
    fn a_cell_quoted_after_a_space_reads_as_its_quotes_mean_with_a_note() {
        // The cities are 武汉 and 长沙 (the same place as the application's
        // unquoted 武汉), noted once, naming rows and columns.
        let (inst, notes) = load(
            "id,城市,institution\nE1, \"武汉\",U1\nE2, \"长沙\",U2\nE3,长沙, \"U\"\"3\"\"\"\n",
        );
        let e = |i: u32| crate::model::ExpertIx(i);
        let cities: Vec<&str> = (0..3).map(|i| inst.expert_city(e(i))).collect();
        assert_eq!(cities, ["武汉", "长沙", "长沙"]);
        assert_eq!(inst.experts[0].city, inst.applications[0].city, "one place");
        assert_eq!(inst.expert_institution(e(2)), "U\"3\"");
        let quoted: Vec<&String> = notes
            .iter()
            .filter(|n| n.contains("opening quote"))
            .collect();
        assert_eq!(quoted.len(), 1, "{notes:?}");
        let n = quoted[0];
        assert!(n.contains("round/experts.csv: 3 cell(s)"), "{n}");
        assert!(
            n.contains(r#"row 2 column B "城市": " \"武汉\"" as "武汉""#),
            "{n}"
        );
        assert!(n.contains(r#"row 4 column C "institution""#), "{n}");
    }

    #[test]
    fn a_quoted_cell_with_a_lone_quote_inside_stays_as_written_with_a_note() {
        let (inst, notes) = load("id,city,institution\nE1,武汉, \"U\" and \"V\"\n");
        assert_eq!(
            inst.expert_institution(crate::model::ExpertIx(0)),
            "\"U\" and \"V\""
        );
        assert!(
            notes
                .iter()
                .any(|n| n.contains("experts.csv row 2 column C") && n.contains("kept as written")),
            "{notes:?}"
        );
    }

    #[test]
    fn the_header_decides_the_separator_not_a_title_row() {
        assert_eq!(separator("id,city\nE1,武汉\n"), b',');
        assert_eq!(separator("id\tcity\tfields\nE1\t武汉\tF1\n"), b'\t');
        // A title row with a comma above a tab-separated header.
        assert_eq!(
            separator("2026年度, 专家库\nid\tcity\tfields\nE1\t武汉\tF1\n"),
            b'\t'
        );
        // A title row with a tab above a comma-separated header.
        assert_eq!(
            separator("专家库\t2026\nid,city,fields\nE1,武汉,F1\n"),
            b','
        );
        // A title row with neither.
        assert_eq!(separator("专家库\nid\tcity\nE1\t武汉\n"), b'\t');
        // A stray tab on a later line does not outweigh the header's comma.
        assert_eq!(separator("参数,值\nseed,3\n\t"), b',');
        assert_eq!(separator("参数,值\nseed,3\na\tb\tc"), b',');
        assert_eq!(separator("id\tcity"), b'\t');
        assert_eq!(separator(""), b',');
    }
}

#[cfg(test)]
mod history_row_tests {
    use std::path::Path;
    use std::sync::Arc;

    use proptest::prelude::*;

    use super::CsvRecord;
    use crate::error::Errs;
    use crate::instances::office::Header;
    use crate::instances::records::{quick_history_row, HistoryColumns, HistoryList, Reader, Site};

    /// A history row read by position and the general way, when the first
    /// takes it: each one's records and messages (the general path must
    /// take it too, without a message or a note).
    fn both_ways(header: &Header, cells: &[&str]) -> Option<(String, String)> {
        let file: Arc<Path> = Arc::from(Path::new("history.csv"));
        let row = csv::StringRecord::from(cells.to_vec());
        let rec = CsvRecord { header, row: &row };
        let (record, team_items) = quick_history_row(&rec, &HistoryColumns::of(header))?;
        let run = |quick: bool| {
            let mut errs = Errs::default();
            let mut list = HistoryList::default();
            let r = Reader::new(&file, Site::Row(2), &mut errs);
            if quick {
                assert!(r.errs.list_items_fit(team_items));
                assert!(r.errs.count_list_items(team_items).is_ok());
                list.push(&file, Site::Row(2), record.clone());
            } else {
                list.read(r, &rec);
            }
            let notes = errs.take_notes();
            let errs = errs.finish(Some(())).map_err(|e| e.to_string());
            format!("{list:?}\n{errs:?}\n{notes:?}")
        };
        Some((run(true), run(false)))
    }

    /// A header naming `fields` in this order.
    fn header(fields: &[&str]) -> Header {
        Header {
            columns: fields
                .iter()
                .enumerate()
                .filter(|(_, f)| !f.is_empty())
                .map(|(i, f)| (f.to_string(), i))
                .collect(),
            labels: fields.iter().map(|f| f.to_string()).collect(),
            row: 1,
            ..Header::default()
        }
    }

    #[test]
    fn a_plain_row_is_read_by_position() {
        let h = header(&[
            "year",
            "programme",
            "application",
            "institution",
            "team",
            "expert",
            "outcome",
            "rating",
        ]);
        let row = [
            "2023",
            "科技进步奖",
            "2023-A01353",
            "南京第4研究所",
            "E06900;P1",
            "E00002",
            "reviewed",
            "5",
        ];
        let (quick, general) = both_ways(&h, &row).expect("taken");
        assert_eq!(quick, general);
        for (k, other) in [
            (0, ""),
            (0, "2023.0"),
            (3, " "),
            (5, "E\u{7f}"),
            (6, "bogus"),
            (7, "6"),
            (7, "4,5"),
            (4, "P1，P2"),
        ] {
            let mut cells = row;
            cells[k] = other;
            assert!(both_ways(&h, &cells).is_none(), "{other:?}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        /// Whatever a history row read by position gives, the general
        /// path reads the same: the same record, no message, no note;
        /// hostile cells among the choices (control characters, blanks,
        /// separators, full-width digits, numbers at the edges of their
        /// ranges), columns in any order, some missing, an office's own.
        #[test]
        fn a_row_read_by_position_agrees_with_the_general_path(
            keep in proptest::collection::vec(proptest::bool::weighted(0.85), 10),
            shuffle in proptest::collection::vec(0usize..10, 10),
            picks in proptest::collection::vec(0usize..40, 10),
            short in 0usize..12,
        ) {
            let choices: [&[&str]; 10] = [
                &["2025", "-2025", "0", "-0", "02025", " 2025 ", "２０２５", "2147483647", "2147483648", "-2147483648", "-2147483649", "99999999999", "2025.0", "2e3", "", " ", "x", "+2025", "2025\u{7f}"],
                &["spring", "", " s ", "s\u{7f}", "s\u{85}", "s\nt", "春季", " ", "\u{200B}"],
                &["科技进步奖", "", " P ", "  ", "P\u{9f}", "Ｐ", "P\t"],
                &["A1", "", "a\nb", " A 1 ", "A\u{200B}1", "A\u{0}"],
                &["U1", " 华中科技大学 ", "", "  ", "U\u{7f}", "\u{3000}", "Wuhan  University", "ＵＮＩ", "\u{200B}", "U\t1"],
                &["P1;P2", "", " ", "P1", "P1、P2；P3", " P1 ; ; ", "P\u{7f}", "Ｐ１;P1", "P1,P2", "P1，P2", ";", "P1;P2;P3;P4;P5;P6;P7;P8"],
                &["E1", " E1 ", "", "Ｅ１", "E\u{85}", "E 1", "E  1", "\u{feff}E1", " "],
                &["reviewed", "Declined", "no-show", "no show", "bogus", "", "拒绝", " late ", "late\u{7f}", "no_show", "已评审", "REVIEWED"],
                &["4.5", "0", "6", "", " ", "5", "1", "1.0", "5.0", "5.000000000000001", "0.9999999999999999", "1e0", "1E+0", "-1", "4.", ".5", "01", "1e400", "inf", "NaN", "４", "4,5", " 3 "],
                &["备注", "x", ""],
            ];
            let fields = ["year", "round", "programme", "application", "institution", "team", "expert", "outcome", "rating", "备注"];
            // Valid choices, taken half the time (else any choice).
            let good: [&[usize]; 10] = [
                &[0, 1, 2, 3, 4, 5, 6],
                &[0, 1, 2, 6],
                &[0, 1, 2, 5],
                &[0, 1, 3, 4],
                &[0, 1, 6, 7],
                &[0, 1, 3, 4, 5, 7, 11],
                &[0, 1, 3, 5, 6],
                &[0, 1, 2, 3, 5, 6, 7, 10],
                &[0, 3, 5, 6, 7, 8, 11, 12, 20, 22],
                &[0, 1, 2],
            ];
            let mut order: Vec<usize> = (0..10).filter(|&k| keep[k]).collect();
            for (i, &j) in shuffle.iter().enumerate() {
                if !order.is_empty() {
                    let (a, b) = (i % order.len(), j % order.len());
                    order.swap(a, b);
                }
            }
            let names: Vec<&str> = order.iter().map(|&k| if k == 9 { "" } else { fields[k] }).collect();
            let h = header(&names);
            let mut cells: Vec<&str> = order
                .iter()
                .map(|&k| {
                    let pick = if picks[k] < 20 { good[k][picks[k] % good[k].len()] } else { picks[k] % choices[k].len() };
                    choices[k][pick]
                })
                .collect();
            // A row shorter than the header, now and then.
            if short < cells.len() && short % 3 == 0 {
                cells.truncate(short);
            }
            if let Some((quick, general)) = both_ways(&h, &cells) {
                prop_assert_eq!(quick, general, "{:?} {:?}", names, cells);
            }
        }
    }
}

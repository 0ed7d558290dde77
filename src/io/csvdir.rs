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

use super::bundle::{conflict_with, json_error, policy_bytes, strip_bom, utf8};
use super::error::{Errs, LoadError, Location, WriteError};
use super::records::{
    self, parse_application, parse_coauthorship, parse_conflict, parse_expert, parse_policy, Cell,
    Raw, RawAffinityList, Reader, Record, Site, AFFINITY_FIELDS, AFFINITY_REQUIRED,
    APPLICATION_FIELDS, APPLICATION_REQUIRED, COAUTHORSHIP_FIELDS, COAUTHORSHIP_REQUIRED,
    CONFLICT_FIELDS, CONFLICT_REQUIRED, EXPERT_FIELDS, EXPERT_REQUIRED,
};
use crate::model::Instance;

/// File names of a CSV instance directory, in name order (the order the
/// input hash uses).
pub const CSV_DIR_FILES: &[&str] = &[
    "affinity.csv",
    "applications.csv",
    "coauthorships.csv",
    "conflicts.csv",
    "experts.csv",
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
    /// `policy.json` (required).
    pub policy: Option<Vec<u8>>,
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
            _ => return false,
        };
        *slot = Some(bytes);
        true
    }
}

/// A CSV data row as a record.
struct CsvRecord<'a> {
    columns: &'a BTreeMap<String, usize>,
    row: &'a csv::StringRecord,
}

impl Record for CsvRecord<'_> {
    fn cell(&self, name: &str) -> Cell<'_> {
        match self.columns.get(name).and_then(|&i| self.row.get(i)) {
            Some(s) => Cell::Text(s),
            None => Cell::Absent,
        }
    }
}

/// True when the text ends inside a quoted cell (RFC 4180 rules), i.e. a
/// `"` opened a cell that never closes: a truncated file.
fn ends_inside_quotes(text: &str) -> bool {
    let mut in_quotes = false;
    let mut at_field_start = true;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if in_quotes {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                } else {
                    in_quotes = false;
                }
            }
            continue;
        }
        match c {
            '"' if at_field_start => {
                in_quotes = true;
                at_field_start = false;
            }
            ',' | '\n' | '\r' => at_field_start = true,
            _ => at_field_start = false,
        }
    }
    in_quotes
}

/// Reads one CSV table, calling `each` per data row with a reader located at
/// that row. Returns false after a structural error (bad encoding, missing
/// required column, unterminated quote), after which the table's rows were
/// not (all) read.
pub(crate) fn read_table(
    file: &Arc<Path>,
    bytes: &[u8],
    known: &[&str],
    required: &[&str],
    errs: &mut Errs,
    mut each: impl FnMut(Reader<'_>, &dyn Record),
) -> bool {
    let body = strip_bom(bytes);
    let text = match utf8(file, body, bytes.len() - body.len()) {
        Ok(t) => t,
        Err(e) => {
            errs.push(e);
            return false;
        }
    };
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = rdr.records();
    let header = match records.next() {
        None => {
            errs.push(LoadError::new(
                file.to_path_buf(),
                format!(
                    "the file is empty; it needs a header row ({})",
                    required.join(",")
                ),
            ));
            return false;
        }
        Some(Err(e)) => {
            errs.push(LoadError::new(file.to_path_buf(), e.to_string()).at(Location::row(1)));
            return false;
        }
        Some(Ok(h)) => h,
    };
    let hint = if header.len() == 1 && (header[0].contains(';') || header[0].contains('\t')) {
        " (the file seems to use ';' or tabs between cells; use commas)"
    } else {
        ""
    };
    let Some(records::Header { columns, unnamed }) = records::check_header(
        file,
        header.iter(),
        known,
        required,
        || Location::row(1),
        hint,
        errs,
    ) else {
        return false;
    };
    let width = header.len();
    let mut embedded_newlines: u64 = 0;
    let mut last_row = 1;
    for rec in records {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                let row = e
                    .position()
                    .map(|p| p.line().saturating_sub(embedded_newlines))
                    .unwrap_or(last_row + 1);
                errs.push(LoadError::new(file.to_path_buf(), e.to_string()).at(Location::row(row)));
                return false;
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
                line
            }
            None => last_row + 1,
        };
        let row = line.saturating_sub(embedded_newlines);
        last_row = row;
        embedded_newlines += rec
            .iter()
            .map(|c| c.matches('\n').count() as u64)
            .sum::<u64>();
        let loc = Location::row(row);
        if rec.len() < width {
            errs.push(
                LoadError::new(
                    file.to_path_buf(),
                    format!(
                        "the row has {} cells but the header has {width} (a cut-off row?)",
                        rec.len()
                    ),
                )
                .at(loc),
            );
            continue;
        }
        if rec.len() > width && rec.iter().skip(width).any(|c| !c.trim().is_empty()) {
            errs.push(
                LoadError::new(
                    file.to_path_buf(),
                    format!(
                        "the row has {} cells but the header has only {width} (a comma inside \
                         a cell that is not quoted?)",
                        rec.len()
                    ),
                )
                .at(loc),
            );
            continue;
        }
        for &i in &unnamed {
            if !rec[i].trim().is_empty() {
                errs.push(
                    LoadError::new(
                        file.to_path_buf(),
                        format!(
                            "cell {} has a value but its column has no name in the header",
                            i + 1
                        ),
                    )
                    .at(loc.clone()),
                );
            }
        }
        let r = Reader::new(file, Site::Row(row), errs);
        each(
            r,
            &CsvRecord {
                columns: &columns,
                row: &rec,
            },
        );
    }
    if ends_inside_quotes(text) {
        errs.push(
            LoadError::new(
                file.to_path_buf(),
                "a quoted cell (starting with \") never closes: the file is cut off \
                 or a quote is missing",
            )
            .at(Location::row(last_row)),
        );
        return false;
    }
    true
}

/// Reads a CSV instance's files into raw records. `dir` is used to name
/// the files in messages. Returns the records and whether they are
/// structurally whole (else resolving would only add follow-on errors).
pub(crate) fn read_csv(dir: &Path, input: &CsvInput, errs: &mut Errs) -> (Raw, bool) {
    let mut raw = Raw::default();
    let mut whole = true;
    let path = |name: &str| -> Arc<Path> { Arc::from(dir.join(name).as_path()) };

    // policy.json
    let pfile = path("policy.json");
    raw.policy_file = Some(pfile.clone());
    match input.policy.as_deref() {
        None => errs.push(LoadError::new(
            pfile.to_path_buf(),
            "missing: a CSV instance directory needs policy.json (write {} for all defaults)",
        )),
        Some(bytes) => {
            let body = strip_bom(bytes);
            match utf8(&pfile, body, bytes.len() - body.len()) {
                Err(e) => errs.push(e),
                Ok(text) => match serde_json::from_str::<serde_json::Value>(text) {
                    Err(e) => errs.push(json_error(&pfile, &e)),
                    Ok(v) => raw.policy = parse_policy(Reader::new(&pfile, Site::Whole, errs), &v),
                },
            }
        }
    }

    // experts.csv, applications.csv (required)
    let efile = path("experts.csv");
    raw.experts_file = Some(efile.clone());
    match input.experts.as_deref() {
        None => {
            errs.push(LoadError::new(
                efile.to_path_buf(),
                "missing: the pool of experts is required",
            ));
            whole = false;
        }
        Some(bytes) => {
            raw.experts_seen = true;
            let mut list = Vec::new();
            whole &= read_table(
                &efile,
                bytes,
                EXPERT_FIELDS,
                EXPERT_REQUIRED,
                errs,
                |r, rec| list.extend(parse_expert(r, rec)),
            );
            raw.experts = list;
        }
    }
    let afile = path("applications.csv");
    raw.applications_file = Some(afile.clone());
    match input.applications.as_deref() {
        None => {
            errs.push(LoadError::new(
                afile.to_path_buf(),
                "missing: the applications are required",
            ));
            whole = false;
        }
        Some(bytes) => {
            raw.applications_seen = true;
            let mut list = Vec::new();
            whole &= read_table(
                &afile,
                bytes,
                APPLICATION_FIELDS,
                APPLICATION_REQUIRED,
                errs,
                |r, rec| list.extend(parse_application(r, rec)),
            );
            raw.applications = list;
        }
    }

    // Optional tables.
    if let Some(bytes) = input.conflicts.as_deref() {
        let mut list = Vec::new();
        whole &= read_table(
            &path("conflicts.csv"),
            bytes,
            CONFLICT_FIELDS,
            CONFLICT_REQUIRED,
            errs,
            |r, rec| list.extend(parse_conflict(r, rec)),
        );
        raw.conflicts = list;
    }
    if let Some(bytes) = input.coauthorships.as_deref() {
        let mut list = Vec::new();
        whole &= read_table(
            &path("coauthorships.csv"),
            bytes,
            COAUTHORSHIP_FIELDS,
            COAUTHORSHIP_REQUIRED,
            errs,
            |r, rec| list.extend(parse_coauthorship(r, rec)),
        );
        raw.coauthorships = list;
    }
    if let Some(bytes) = input.affinity.as_deref() {
        let file = path("affinity.csv");
        let mut list = RawAffinityList::new(&file, Site::Row(0));
        whole &= read_table(
            &file,
            bytes,
            AFFINITY_FIELDS,
            AFFINITY_REQUIRED,
            errs,
            |r, rec| list.add(r, rec),
        );
        raw.affinity = Some(list);
    }
    (raw, whole)
}

/// Reads the instance files present in `dir` (each at most `limit` bytes)
/// and reports near-miss file names (`conflict.csv`, `Experts.csv`).
pub(crate) fn read_dir_files(
    dir: &Path,
    read: impl Fn(&Path) -> Result<Vec<u8>, LoadError>,
) -> Result<CsvInput, LoadErrors> {
    let mut errs = Errs::default();
    let mut input = CsvInput::default();
    let entries = std::fs::read_dir(dir)
        .map_err(|e| LoadError::new(dir, format!("cannot list the directory: {e}")))?;
    let mut names: Vec<String> = Vec::new();
    for entry in entries {
        let entry =
            entry.map_err(|e| LoadError::new(dir, format!("cannot list the directory: {e}")))?;
        names.push(entry.file_name().to_string_lossy().into_owned());
    }
    names.sort();
    for name in &names {
        if CSV_DIR_FILES.contains(&name.as_str()) {
            let p = dir.join(name);
            match read(&p) {
                Ok(bytes) => {
                    input.set(name, bytes);
                }
                Err(e) => errs.push(e),
            }
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
    errs.finish(Some(input))
}

use super::error::LoadErrors;

// ---------------------------------------------------------------- writing

fn join_list(items: &[String]) -> String {
    items.join(";")
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

fn table(
    path: &Path,
    header: &[&str],
    rows: impl Iterator<Item = Vec<String>>,
) -> Result<Vec<u8>, WriteError> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    let err = |e: csv::Error| WriteError::unrepresentable(path, e.to_string());
    w.write_record(header).map_err(err)?;
    for r in rows {
        w.write_record(&r).map_err(err)?;
    }
    w.into_inner()
        .map_err(|e| WriteError::unrepresentable(path, e.to_string()))
}

/// The files of a CSV instance directory, name → bytes (deterministic).
/// The instance must have passed [`super::check_writable`].
pub(crate) fn csv_files(
    inst: &Instance,
    dir: &Path,
) -> Result<Vec<(&'static str, Vec<u8>)>, WriteError> {
    let mut files = Vec::new();
    files.push((
        "experts.csv",
        table(
            &dir.join("experts.csv"),
            EXPERT_FIELDS,
            inst.expert_ixs().map(|e| {
                let x = &inst.experts[e.ix()];
                vec![
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
                ]
            }),
        )?,
    ));
    files.push((
        "applications.csv",
        table(
            &dir.join("applications.csv"),
            APPLICATION_FIELDS,
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
                vec![
                    x.id.clone(),
                    opt(x.title.as_deref()),
                    inst.app_city(a).to_string(),
                    inst.app_institution(a).to_string(),
                    join_list(&x.fields),
                    join_list(&x.keywords),
                    opt(x.panel_size),
                    join_list(&team),
                    join_list(&avoid),
                ]
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
    files.push((
        "policy.json",
        policy_bytes(&inst.policy, &dir.join("policy.json"))?,
    ));
    Ok(files)
}

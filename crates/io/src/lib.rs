//! Reading and writing files: instances (JSON bundle or CSV directory),
//! panels files, atomic writes and input hashes.
//!
//! This is the only module that touches input files. Both instance forms go
//! through the same record parsers (`records`) and the same `resolve` step,
//! so a bundle and a CSV directory with the same data load to equal
//! [`Instance`]s; the writers do the reverse, and `load(write(inst)) ==
//! inst` for both forms.
//!
//! Errors name the file, the record (row or JSON path, and id) and what is
//! wrong ([`LoadError`]); a load collects every problem it can find
//! ([`LoadErrors`]) rather than stopping at the first. The CLI maps any of
//! them to exit code 2.
//!
//! Input rules that SPEC.md leaves open, decided here:
//! - An empty string, an empty CSV cell and JSON `null` all mean "not
//!   given" (the default applies).
//! - List items (`fields`, `keywords`, `team`, `avoid`) are trimmed and
//!   empty items dropped, in both forms.
//! - Integers may be written `6` or `6.0`, never `6.5`; counts (panel sizes,
//!   loads, caps, hops) are at most [`MAX_COUNT`]; numbers must be finite;
//!   scores lie within ±[`crate::model::MAX_ABS_SCORE`].
//! - CSV booleans are `true`/`false` in any letter case (Excel writes `TRUE`).
//! - An application id may not also be a person id (expert, team member or
//!   co-author): a conflict's `with` could not tell them apart.
//! - `max_per_city` / `max_per_institution` of 0 are refused (leave the
//!   field out for no cap).
//! - Workbooks and panels files over [`MAX_FILE_BYTES`] (1 GiB) are
//!   refused; bundles and CSV files are streamed and have no size limit.
//!
//! **Boundary:** nothing else builds an [`Instance`] from files; everything
//! downstream sees only the model.

#![deny(missing_docs)]

// The crates below, under the module names they had in one crate, so that
// paths read `crate::model::Instance` wherever they are used.
use panels_core::{history, model};

pub mod assignment;
mod bundle;
mod bundle_fast;
mod bundle_write;
pub mod csv_safe;
mod csvdir;
mod error;
pub mod history_file;
mod intern;
pub use panels_core::names;
pub mod office;
pub mod output;
pub mod panels;
mod records;
mod resolve;
mod stream;
mod strict;
pub mod xlsx;

use std::path::Path;

use sha2::{Digest, Sha256};

pub use bundle::BUNDLE_KEYS;
pub use csvdir::{CsvInput, CSV_DIR_FILES};
pub use error::{
    LoadError, LoadErrors, LoadNotes, Location, WriteError, MAX_KEPT_ERRORS, MAX_SHOWN_ERRORS,
    MAX_TOTAL_LIST_ITEMS,
};
pub use output::{check_paths, Outputs};
pub use panels::{
    read_panels, read_panels_for, read_panels_for_noted, read_panels_from_bytes, read_panels_noted,
    PanelsFormat,
};
pub use records::{
    AFFINITY_FIELDS, APPLICATION_FIELDS, COAUTHORSHIP_FIELDS, CONFLICT_FIELDS, EXPERT_FIELDS,
    MAX_COUNT, POLICY_FIELDS,
};
pub use strict::MAX_LIST_ITEMS;

use crate::model::Instance;
use csvdir::CsvFiles;
use error::Errs;

/// Largest input file read whole (1 GiB): workbooks, panels files and
/// `policy.json`. Bundles and CSV files are streamed and have no limit.
pub const MAX_FILE_BYTES: u64 = 1 << 30;

/// The two forms of an instance on disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InstanceFormat {
    /// One JSON file.
    Bundle,
    /// A directory of CSV files plus `policy.json`.
    CsvDir,
}

/// Loads an instance: a directory as a CSV directory, an `.xlsx` file as a
/// workbook ([`xlsx`]), any other file as a JSON bundle.
///
/// # Errors
/// Every problem found (see the module docs for the rules), each naming the
/// file, the record and what is wrong.
pub fn load_instance(path: &Path) -> Result<Instance, LoadErrors> {
    load_instance_hashed(path).map(|(inst, _)| inst)
}

/// Like [`load_instance`], and also returns the input's SHA-256 (as
/// [`instance_sha256`] computes it) from the same bytes, so files are read
/// once.
pub fn load_instance_hashed(path: &Path) -> Result<(Instance, String), LoadErrors> {
    load_instance_observed(path, &|_| {})
}

/// Like [`load_instance_hashed`], telling `seen(n)` as each `n` bytes of
/// input are read (from the reading thread; [`input_bytes`] is the total),
/// for a progress bar.
///
/// # Errors
/// As [`load_instance`].
pub fn load_instance_observed(
    path: &Path,
    seen: &(dyn Fn(u64) + Sync),
) -> Result<(Instance, String), LoadErrors> {
    load_instance_noted(path, seen).map(|l| (l.instance, l.sha256))
}

/// An instance as loaded, with its input hash and the notes a load makes
/// for stderr (title rows skipped, an encoding, kept columns, merged
/// spellings of a place).
#[derive(Clone, Debug)]
pub struct Loaded {
    /// The instance.
    pub instance: Instance,
    /// The input's SHA-256 ([`instance_sha256`]).
    pub sha256: String,
    /// Notes, each one line starting `note:`, in the order found.
    pub notes: Vec<String>,
    /// The language of the input's sheet and column names (outputs use it
    /// unless told otherwise).
    pub lang: office::Lang,
}

/// Like [`load_instance_observed`], with the load's notes.
///
/// # Errors
/// As [`load_instance`].
pub fn load_instance_noted(path: &Path, seen: &(dyn Fn(u64) + Sync)) -> Result<Loaded, LoadErrors> {
    let meta = std::fs::metadata(path).map_err(|e| LoadError::new(path, describe_io(&e)))?;
    let mut errs = Errs::default();
    if meta.is_dir() {
        let present = csvdir::list_dir_files(path)?;
        let (raw, whole, hash) = csvdir::read_csv(path, CsvFiles::Disk(&present, seen), &mut errs);
        let inst = if whole {
            resolve::resolve(raw, &mut errs)
        } else {
            None
        };
        let notes = errs.take_notes();
        Ok(Loaded {
            instance: errs.finish(inst)?,
            sha256: hash.unwrap_or_default(),
            notes: notes.notes,
            lang: notes.lang,
        })
    } else if xlsx::is_xlsx(path) || !meta.is_file() {
        // Workbooks are zip files, read whole; a pipe or device is read
        // once, whole (its size is unknown and it cannot be read twice).
        let bytes = read_file(path)?;
        seen(bytes.len() as u64);
        let sha256 = hex(&Sha256::digest(&bytes));
        let (instance, notes) = if xlsx::is_xlsx(path) {
            xlsx::load_xlsx_noted(path, &bytes)?
        } else {
            load_bundle_noted(path, &bytes)?
        };
        Ok(Loaded {
            instance,
            sha256,
            notes: notes.notes,
            lang: notes.lang,
        })
    } else {
        load_bundle_streamed(path, MAX_FILE_BYTES, seen)
    }
}

/// The bytes a load reads: the file's size, or for a CSV directory the
/// sizes of its instance files (0 when unknown).
pub fn input_bytes(path: &Path) -> u64 {
    let Ok(meta) = std::fs::metadata(path) else {
        return 0;
    };
    if !meta.is_dir() {
        return meta.len();
    }
    CSV_DIR_FILES
        .iter()
        .filter_map(|name| std::fs::metadata(path.join(name)).ok())
        .map(|m| m.len())
        .sum()
}

/// Loads a bundle file as [`load_instance_hashed`] does: as a stream, a
/// second thread reading, hashing and checking the file block by block
/// while this one parses, so memory follows the model, not the file. A
/// file the fast path ([`bundle_fast`]) does not take whole is read again
/// by the full parser, for its messages: from memory up to `whole_limit`
/// bytes (as [`load_bundle_from_bytes`] does, so the same line and
/// column), else as a stream.
fn load_bundle_streamed(
    path: &Path,
    whole_limit: u64,
    seen: &(dyn Fn(u64) + Sync),
) -> Result<Loaded, LoadErrors> {
    let mut errs = Errs::default();
    let mut tap = stream::Tap::new(seen);
    let fast = stream::stream_file(
        path,
        &mut tap,
        &mut bundle_fast::JsonScan::default(),
        |source| bundle_fast::read_bundle_fast(path, source, &mut errs),
    )?;
    let raw = match fast {
        Ok(raw) => Some(raw),
        Err(bundle_fast::GiveUp) => {
            let meta =
                std::fs::metadata(path).map_err(|e| LoadError::new(path, describe_io(&e)))?;
            if meta.len() <= whole_limit {
                let bytes = read_file(path)?;
                let sha256 = hex(&Sha256::digest(&bytes));
                let (instance, notes) = load_bundle_noted(path, &bytes)?;
                return Ok(Loaded {
                    instance,
                    sha256,
                    notes: notes.notes,
                    lang: notes.lang,
                });
            }
            tap.restart();
            stream::stream_file(path, &mut tap, &mut (), |source| {
                bundle::read_bundle_stream(path, source, &mut errs)
            })?
        }
    };
    let sha256 = tap.finish();
    let inst = raw.and_then(|raw| resolve::resolve(raw, &mut errs));
    let notes = errs.take_notes();
    Ok(Loaded {
        instance: errs.finish(inst)?,
        sha256,
        notes: notes.notes,
        lang: notes.lang,
    })
}

/// Loads a JSON bundle from bytes; `name` names the file in messages.
pub fn load_bundle_from_bytes(name: &Path, bytes: &[u8]) -> Result<Instance, LoadErrors> {
    load_bundle_noted(name, bytes).map(|(inst, _)| inst)
}

/// Like [`load_bundle_from_bytes`], with the load's notes (see [`Loaded`]).
pub fn load_bundle_noted(name: &Path, bytes: &[u8]) -> Result<(Instance, LoadNotes), LoadErrors> {
    let mut errs = Errs::default();
    let inst = bundle::read_bundle(name, bytes, &mut errs)
        .and_then(|raw| resolve::resolve(raw, &mut errs));
    let notes = errs.take_notes();
    Ok((errs.finish(inst)?, notes))
}

/// Loads a CSV instance from the bytes of its files; `dir` names the
/// directory in messages.
pub fn load_csv_from_bytes(dir: &Path, input: &CsvInput) -> Result<Instance, LoadErrors> {
    load_csv_noted(dir, input).map(|(inst, _)| inst)
}

/// Like [`load_csv_from_bytes`], with the load's notes (see [`Loaded`]).
pub fn load_csv_noted(dir: &Path, input: &CsvInput) -> Result<(Instance, LoadNotes), LoadErrors> {
    let mut errs = Errs::default();
    let (raw, whole, _) = csvdir::read_csv(dir, CsvFiles::Bytes(input), &mut errs);
    let inst = if whole {
        resolve::resolve(raw, &mut errs)
    } else {
        None
    };
    let notes = errs.take_notes();
    Ok((errs.finish(inst)?, notes))
}

/// SHA-256 (lower-case hex) of an instance's input bytes: of the file for a
/// bundle; for a CSV directory, of each instance file present (see
/// [`CSV_DIR_FILES`]; other files are ignored) in name order, each as its
/// name, a NUL byte, its length as 8 little-endian bytes, then its bytes.
pub fn instance_sha256(path: &Path) -> Result<String, LoadError> {
    let meta = std::fs::metadata(path).map_err(|e| LoadError::new(path, describe_io(&e)))?;
    let mut tap = stream::Tap::new(&|_| {});
    if meta.is_dir() {
        let present = csvdir::list_dir_files(path).map_err(|e| e.first().clone())?;
        for name in present {
            let file = path.join(&name);
            let len = std::fs::metadata(&file)
                .map_err(|e| LoadError::new(&file, describe_io(&e)))?
                .len();
            tap.file_header(&name, len);
            stream::hash_file(&file, &mut tap)?;
        }
    } else {
        stream::hash_file(path, &mut tap)?;
    }
    Ok(tap.finish())
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

fn describe_io(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => format!("cannot read: {e}"),
    }
}

/// Reads a whole input file, refusing files over [`MAX_FILE_BYTES`].
pub(crate) fn read_file(path: &Path) -> Result<Vec<u8>, LoadError> {
    let meta = std::fs::metadata(path).map_err(|e| LoadError::new(path, describe_io(&e)))?;
    if meta.is_dir() {
        return Err(LoadError::new(path, "is a directory, expected a file"));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(LoadError::new(
            path,
            format!(
                "the file is {:.1} GiB; files over 1 GiB are refused (split the round)",
                meta.len() as f64 / (1u64 << 30) as f64
            ),
        ));
    }
    std::fs::read(path).map_err(|e| LoadError::new(path, describe_io(&e)))
}

// ---------------------------------------------------------------- writing

/// Checks that an instance can be written and read back unchanged: indices
/// in range, ids non-empty, list items trimmed, non-empty and free of `;`,
/// optional texts not empty, numbers finite.
pub(crate) fn check_writable(inst: &Instance, path: &Path) -> Result<(), WriteError> {
    let bad = |m: String| Err(WriteError::unrepresentable(path, m));
    let (nc, ni, np, ne, na) = (
        inst.cities.len(),
        inst.institutions.len(),
        inst.persons.len(),
        inst.experts.len(),
        inst.applications.len(),
    );
    if np < ne {
        return bad(format!("the person table has {np} ids for {ne} experts"));
    }
    let list_ok = |items: &[String]| {
        items
            .iter()
            .all(|s| !s.is_empty() && names::is_normal(s) && !s.contains(names::is_list_separator))
    };
    let text_ok = |t: &Option<String>| t.as_deref() != Some("");
    let title_ok = |t: &Option<String>| t.as_deref().is_none_or(names::is_normal);
    if let Some(m) = places_unwritable(inst) {
        return bad(m);
    }
    if let Some(m) = control_unwritable(inst) {
        return bad(m);
    }
    for (what, kept, n) in [
        ("expert", &inst.kept.experts, inst.experts.len()),
        (
            "application",
            &inst.kept.applications,
            inst.applications.len(),
        ),
    ] {
        if let Some(m) = kept_unwritable(what, kept, n) {
            return bad(m);
        }
    }
    for (i, e) in inst.experts.iter().enumerate() {
        if e.id.trim().is_empty() || inst.persons.name(i as u32) != e.id {
            return bad(format!(
                "expert {i} ({:?}): empty id or not person {i}",
                e.id
            ));
        }
        if e.city.ix() >= nc || e.institution.ix() >= ni {
            return bad(format!(
                "expert {:?}: city or institution index out of range",
                e.id
            ));
        }
        if !list_ok(&e.fields) || !list_ok(&e.keywords) {
            return bad(format!(
                "expert {:?}: a field or keyword is empty, has spaces at its ends or contains ';'",
                e.id
            ));
        }
        if !text_ok(&e.name) || !text_ok(&e.title) || !title_ok(&e.title) {
            return bad(format!(
                "expert {:?}: name or title is Some(\"\"), or the title is not in normal form",
                e.id
            ));
        }
    }
    for a in &inst.applications {
        if a.id.trim().is_empty() {
            return bad("an application has an empty id".into());
        }
        if a.city.ix() >= nc || a.institution.ix() >= ni {
            return bad(format!(
                "application {:?}: city or institution index out of range",
                a.id
            ));
        }
        if a.team.iter().any(|p| p.ix() >= np) || a.avoid.iter().any(|e| e.ix() >= ne) {
            return bad(format!(
                "application {:?}: team or avoid index out of range",
                a.id
            ));
        }
        if !list_ok(&a.fields) || !list_ok(&a.keywords) {
            return bad(format!(
                "application {:?}: a field or keyword is empty, has spaces at its ends or contains ';'",
                a.id
            ));
        }
        if !text_ok(&a.title) || !title_ok(&a.title) {
            return bad(format!(
                "application {:?}: title is Some(\"\") or not in normal form",
                a.id
            ));
        }
    }
    for p in inst.persons.names() {
        if p.is_empty() || !names::is_normal(p) || p.contains(names::is_list_separator) {
            return bad(format!(
                "person id {p:?} is empty, not in normal form (spaces at its ends, \
                 full-width forms) or contains a list separator"
            ));
        }
    }
    for a in &inst.applications {
        if !names::is_normal(&a.id) {
            return bad(format!("application id {:?} is not in normal form", a.id));
        }
    }
    for c in &inst.conflicts {
        let with_ok = match c.with {
            crate::model::ConflictWith::Application(a) => a.ix() < na,
            crate::model::ConflictWith::Person(p) => p.ix() < np,
        };
        if c.expert.ix() >= ne || !with_ok || !text_ok(&c.reason) {
            return bad("a conflict has an index out of range or an empty reason".into());
        }
    }
    if inst
        .coauthorships
        .iter()
        .any(|c| c.a.ix() >= np || c.b.ix() >= np)
    {
        return bad("a co-authorship has a person index out of range".into());
    }
    if let Some(list) = &inst.affinity {
        if list
            .iter()
            .any(|f| f.application.ix() >= na || f.expert.ix() >= ne)
        {
            return bad("an affinity entry has an index out of range".into());
        }
    }
    let p = &inst.policy;
    let finite = [
        Some(p.min_outside_share),
        Some(p.default_affinity),
        p.min_affinity,
        p.min_outside_share_round,
        Some(p.bonus_per_city),
    ];
    let by_city_finite = p.min_outside_share_by_city.values().all(|x| x.is_finite());
    if finite.iter().flatten().any(|x| !x.is_finite()) || !by_city_finite {
        return bad("the policy has a number that is not finite".into());
    }
    Ok(())
}

/// Why an instance's texts cannot be written and read back: one holds a
/// control character the readers refuse ([`records::control_char`]).
fn control_unwritable(inst: &Instance) -> Option<String> {
    let e = &inst.experts;
    let a = &inst.applications;
    let texts = (inst.cities.names().iter())
        .chain(inst.institutions.names())
        .chain(inst.persons.names())
        .chain(inst.programmes.names())
        .map(String::as_str)
        .chain(e.iter().flat_map(|x| {
            let opt = x.name.iter().chain(&x.title).map(String::as_str);
            std::iter::once(x.id.as_str())
                .chain(opt)
                .chain(x.fields.iter().chain(&x.keywords).map(String::as_str))
        }))
        .chain(a.iter().flat_map(|x| {
            std::iter::once(x.id.as_str())
                .chain(x.title.as_deref())
                .chain(x.fields.iter().chain(&x.keywords).map(String::as_str))
        }))
        .chain(inst.conflicts.iter().filter_map(|c| c.reason.as_deref()))
        .chain(
            [&inst.kept.experts, &inst.kept.applications]
                .into_iter()
                .flat_map(|k| {
                    k.columns
                        .iter()
                        .chain(k.rows.iter().flatten())
                        .map(String::as_str)
                }),
        )
        .chain(inst.history.records.iter().flat_map(|r| {
            [&r.round, &r.programme, &r.application]
                .into_iter()
                .filter_map(|t| t.as_deref())
                .chain([r.institution.as_str(), r.expert.as_str()])
                .chain(r.team.iter().map(String::as_str))
        }));
    for t in texts {
        if let Some(m) = records::control_message(t) {
            return Some(format!("a text {m}"));
        }
    }
    None
}

/// Why the places cannot be written and read back as they are: a name
/// not in normal form, or two names that read back as one place.
fn places_unwritable(inst: &Instance) -> Option<String> {
    for (what, names) in [
        ("city", inst.cities.names()),
        ("institution", inst.institutions.names()),
    ] {
        let mut keys = std::collections::BTreeSet::new();
        for n in names {
            if n.is_empty() || !names::is_normal(n) {
                return Some(format!(
                    "the {what} name {n:?} is empty or not in normal form"
                ));
            }
            if !keys.insert(names::place_key(n)) {
                return Some(format!(
                    "two {what} names differ only in letter case ({n:?}); they would read back \
                     as one"
                ));
            }
        }
    }
    None
}

/// Why kept columns cannot be written and read back: a column name not in
/// normal form, naming a known column (or a near-typo of one), given
/// twice; rows not one per record; a value with spaces at its ends.
fn kept_unwritable(what: &str, kept: &crate::model::KeptColumns, n: usize) -> Option<String> {
    if kept.columns.is_empty() {
        return (!kept.rows.is_empty()).then(|| format!("{what} kept rows without columns"));
    }
    let kind = if what == "expert" {
        office::TableKind::Experts
    } else {
        office::TableKind::Applications
    };
    let mut keys = std::collections::BTreeSet::new();
    for c in &kept.columns {
        let known = office::vocab(kind)
            .columns
            .iter()
            .flat_map(|k| std::iter::once(k.field).chain(k.zh.iter().copied()));
        if c.is_empty()
            || !names::is_normal(c)
            || office::field_of_header(kind, c).is_some()
            || office::near_typo(c, known).is_some()
            || c == records::KEPT_KEY
            || !keys.insert(office::header_key(c))
        {
            return Some(format!(
                "{what} kept column {c:?} is empty, not in normal form, repeated, or (nearly) \
                 the name of a known column"
            ));
        }
    }
    let rows_ok = kept.rows.len() == n
        && kept.rows.iter().all(|r| {
            r.len() == kept.columns.len() && r.iter().all(|v| v.trim() == v && !v.contains('\r'))
        });
    (!rows_ok).then(|| format!("{what} kept cells are not one row per record, trimmed"))
}

/// Writes an instance as a bundle file or a CSV directory, whole or not
/// at all (see [`output`]): staged next to `path`, then renamed into
/// place; a CSV directory replaces an old one in one exchange. An existing
/// directory at `path` is replaced only if it holds nothing but instance
/// files ([`CSV_DIR_FILES`]); otherwise the write is refused.
pub fn write_instance(
    inst: &Instance,
    path: &Path,
    format: InstanceFormat,
) -> Result<(), WriteError> {
    let mut out = Outputs::new();
    stage_instance(&mut out, inst, path, format)?;
    out.commit()
}

/// Stages an instance for [`Outputs::commit`] (as [`write_instance`]
/// writes it).
pub fn stage_instance(
    out: &mut Outputs,
    inst: &Instance,
    path: &Path,
    format: InstanceFormat,
) -> Result<(), WriteError> {
    check_writable(inst, path)?;
    match format {
        InstanceFormat::Bundle => out.file(path, &bundle_write::bundle_bytes(inst)),
        InstanceFormat::CsvDir => {
            let files = csvdir::csv_files(inst, path)?;
            out.dir(path, &files)
        }
    }
}

/// The bundle form of an instance as bytes (pretty JSON, deterministic).
pub fn bundle_to_bytes(inst: &Instance) -> Result<Vec<u8>, WriteError> {
    check_writable(inst, Path::new("bundle.json"))?;
    Ok(bundle_write::bundle_bytes(inst))
}

/// The CSV form of an instance as file name → bytes (deterministic).
pub fn csv_to_bytes(inst: &Instance) -> Result<CsvInput, WriteError> {
    let dir = Path::new(".");
    check_writable(inst, dir)?;
    let mut out = CsvInput::default();
    for (name, bytes) in csvdir::csv_files(inst, dir)? {
        out.set(name, bytes);
    }
    Ok(out)
}

/// Writes a panels file whole or not at all, by extension: `.json` and
/// `.csv` as [`panels::write_panels`] does, `.xlsx` as a workbook for
/// program officers ([`xlsx::panels_xlsx_bytes`]).
pub fn write_panels(
    path: &Path,
    file: &panels::PanelsFile,
    inst: &Instance,
) -> Result<(), WriteError> {
    write_panels_in(path, file, inst, office::Lang::En)
}

/// Like [`write_panels`], a workbook's sheet names and headers in `lang`
/// ([`xlsx::panels_xlsx_bytes_in`]).
pub(crate) fn write_panels_in(
    path: &Path,
    file: &panels::PanelsFile,
    inst: &Instance,
    lang: office::Lang,
) -> Result<(), WriteError> {
    let mut out = Outputs::new();
    stage_panels_in(&mut out, path, file, inst, lang)?;
    out.commit()
}

/// Stages a panels file for [`Outputs::commit`] (as [`write_panels`]
/// writes it).
pub fn stage_panels(
    out: &mut Outputs,
    path: &Path,
    file: &panels::PanelsFile,
    inst: &Instance,
) -> Result<(), WriteError> {
    stage_panels_in(out, path, file, inst, office::Lang::En)
}

/// Like [`stage_panels`], a workbook's sheet names and headers in `lang`
/// ([`xlsx::panels_xlsx_bytes_in`]).
pub fn stage_panels_in(
    out: &mut Outputs,
    path: &Path,
    file: &panels::PanelsFile,
    inst: &Instance,
    lang: office::Lang,
) -> Result<(), WriteError> {
    let format = PanelsFormat::from_path(path).ok_or_else(|| WriteError::UnknownFormat {
        path: path.to_path_buf(),
    })?;
    let bytes = if format == PanelsFormat::Xlsx {
        xlsx::panels_xlsx_bytes_in(path, file, inst, lang)?
    } else {
        panels::panels_bytes(path, file, inst, format)?
    };
    out.file(path, &bytes)
}

/// Writes `bytes` to `path` whole or not at all: a temporary file in the
/// same directory (created with the umask's permissions, or the old
/// file's), flushed and fsynced, then renamed over `path` (see
/// [`output`]).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut out = Outputs::new();
    let result = out.file(path, bytes).and_then(|()| out.commit());
    result.map_err(|e| match e {
        WriteError::Io { source, .. } => source,
        other => std::io::Error::other(other.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_differing_in_spaces_or_case_are_one_place_with_a_note() {
        let bundle = br#"{"policy": {}, "experts": [
            {"id": "E1", "city": "Wuhan", "institution": "HUST"},
            {"id": "E2", "city": "Wuhan ", "institution": "hust"},
            {"id": "E3", "city": "Changsha", "institution": "CSU"}],
          "applications": [{"id": "A1", "city": "Changsha", "institution": "CSU"}]}"#;
        let (inst, notes) = load_bundle_noted(Path::new("b.json"), bundle).unwrap();
        let notes = notes.notes;
        assert_eq!(inst.cities.names(), ["Wuhan", "Changsha"]);
        assert_eq!(inst.institutions.names(), ["HUST", "CSU"]);
        assert_eq!(notes.len(), 2, "{notes:?}");
        assert!(notes[0].contains(r#""Wuhan", "Wuhan ""#) && notes[0].contains("one city"));
        assert!(notes[1].contains(r#""HUST", "hust""#) && notes[1].contains("institution"));
    }

    /// A bundle the fast path gives up on, too large to re-read from
    /// memory, is re-read by serde_json as a stream: the same messages
    /// (serde_json may place a column one apart between the two readers).
    #[test]
    fn bundles_too_large_for_memory_are_re_read_as_streams() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b.json");
        let cases: [&[u8]; 4] = [
            br#"{"policy": {}, "experts": [{"id": "E1", "city": "X", "institution": "I"}], "applications": [{"id": "A1", "city": "Y", "institution": "J"}], "affinity": [{"application": "A1", "expert": "E1", "score": 0.5},]}"#,
            br#"{"policy": {}, "experts": {}, "applications": []}"#,
            br#"{"policy": {}, "experts": [], "applications": [], "x\u0041": 1, "affinity": [{"application": "A9", "expert": "E1", "score": 0.5}]}"#,
            b"{\"policy\": {}, \"experts\": [], \"applications\": [] } }",
        ];
        for bytes in cases {
            std::fs::write(&path, bytes).unwrap();
            let whole = load_bundle_streamed(&path, u64::MAX, &|_| {}).unwrap_err();
            let streamed = load_bundle_streamed(&path, 0, &|_| {}).unwrap_err();
            let messages = |e: &LoadErrors| -> Vec<String> {
                e.iter().map(|e| e.message().to_string()).collect()
            };
            assert_eq!(messages(&whole), messages(&streamed));
            let lines = |e: &LoadErrors| -> Vec<Option<u64>> {
                e.iter()
                    .map(|e| match e.location() {
                        Some(Location::Line { line, .. }) => Some(*line),
                        _ => None,
                    })
                    .collect()
            };
            assert_eq!(lines(&whole), lines(&streamed));
        }
    }
}

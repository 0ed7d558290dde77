//! Reading and writing files: instances (JSON bundle, CSV directory or
//! workbook), panels files, atomic writes and input hashes.
//!
//! The crate is split by job:
//! - **instances** (`instances/`): the loaders (`bundle`, `bundle_fast`,
//!   `csvdir`), record parsers (`records`), the office vocabulary
//!   ([`office`]), `resolve` (references checked, the [`Instance`] built),
//!   the instance writers and their checks, history files
//!   ([`history_file`]);
//! - **panels** ([`panels`]): the panels file in JSON, CSV and workbook
//!   form, and [`assignment`], a panels file resolved against its instance;
//! - **workbooks** ([`xlsx`]): `.xlsx` read and written, and the blank
//!   template;
//! - **streams** (`streams/`): files read block by block while hashed and
//!   checked, strict JSON values, interned ids, CSV cells made safe
//!   ([`csv_safe`]);
//! - **output** ([`output`]): every write staged and committed atomically.
//!
//! The modules keep the public paths they had before the split
//! (`panels_io::office`, `panels_io::xlsx`, …), re-exported here.
//!
//! This is the only crate that touches input files. Every instance form goes
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
//! - Workbooks, panels files, history files, logs and `policy.json` over
//!   [`MAX_FILE_BYTES`] (1 GiB) are refused, counted as they are read (a
//!   pipe or a device reports no size); bundles and CSV files are streamed
//!   and have no size limit of their own, but one that is not a regular
//!   file is read whole, under the same limit.
//!
//! **Boundary:** nothing else builds an [`Instance`] from files; everything
//! downstream sees only the model.

#![deny(missing_docs)]

// The crates below, under the module names they had in one crate, so that
// paths read `crate::model::Instance` wherever they are used.
use panels_core::{history, model};

mod error;
mod instances;
pub mod logged;
pub mod note;
pub mod output;
pub mod panels;
mod streams;
mod workbooks;

// The modules of the public surface, wherever their job put them.
pub use instances::unnamed::{unnamed_programmes, UnnamedProgramme};
pub use instances::{history_file, office};
pub use note::{Note, Noted};
pub use panels::assignment;
pub use panels_core::names;
pub use streams::csv_safe;
pub use workbooks::xlsx;

use std::path::Path;

pub use error::{
    Choices, ColumnAt, IdOf, JsonKind, Leave, LoadError, LoadErrors, LoadNotes, Location, Named,
    NoneIn, NotText, PersonId, Range, Said, SheetOf, Unreadable, Want, Within, WriteError,
    MAX_KEPT_ERRORS, MAX_SHOWN_ERRORS, MAX_TOTAL_LIST_ITEMS,
};
pub use instances::bundle::BUNDLE_KEYS;
pub use instances::csvdir::{CsvInput, CSV_DIR_FILES};
pub use instances::records::{
    AFFINITY_FIELDS, APPLICATION_FIELDS, COAUTHORSHIP_FIELDS, CONFLICT_FIELDS, EXPERT_FIELDS,
    MAX_COUNT, POLICY_FIELDS,
};
pub use instances::{
    bundle_to_bytes, csv_to_bytes, directory_sha256_command, input_bytes, instance_sha256,
    load_bundle_from_bytes, load_bundle_noted, load_csv_from_bytes, load_csv_noted, load_instance,
    load_instance_hashed, load_instance_noted, load_instance_observed, stage_instance,
    write_instance, InstanceFormat, Loaded,
};
pub use output::{check_paths, lock_folder_of, write_atomic, Outputs};
pub use panels::{
    read_panels, read_panels_for, read_panels_for_noted, read_panels_from_bytes, read_panels_noted,
    PanelsFormat,
};
pub use streams::read_input;
pub use streams::strict::{check_keys, from_slice_unique, from_str_unique, MAX_LIST_ITEMS};

use crate::model::Instance;

/// SHA-256 of bytes, lower-case hex (the hash `sha256sum` prints).
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    streams::hex(&sha2::Sha256::digest(bytes))
}

/// Largest input file read whole (1 GiB): workbooks, panels files,
/// history files, logs and `policy.json`, and a bundle or CSV table that
/// is not a regular file (a pipe, a device). The bytes are counted as
/// they are read, so a file that reports no size is stopped at the limit
/// too. Regular bundles and CSV files are streamed and have no limit.
pub const MAX_FILE_BYTES: u64 = 1 << 30;

// ---------------------------------------------------------------- panels files

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

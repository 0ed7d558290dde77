//! Instances: the round's input in each of its forms — a JSON bundle
//! (`bundle` with serde_json's full parser, `bundle_fast` from the
//! reading thread's marks), a CSV directory (`csvdir`), a workbook
//! (`crate::xlsx`) — parsed record by record (`records`) in the office
//! vocabulary (`office`), resolved into one [`Instance`] (`resolve`), and
//! written back (`bundle_write`, `csvdir`, the checks of `writable`);
//! history files (`history_file`).

pub(crate) mod bundle;
pub(crate) mod bundle_fast;
pub(crate) mod bundle_write;
pub(crate) mod csvdir;
pub(crate) mod encodings;
pub mod history_file;
pub mod office;
pub(crate) mod records;
pub(crate) mod resolve;
pub mod unnamed;
mod writable;

use std::path::Path;

use sha2::{Digest, Sha256};

use crate::error::{Errs, LoadError, LoadErrors, LoadNotes, WriteError};
use crate::model::Instance;
use crate::output::Outputs;
use crate::streams::{describe_io, hex, read_file, stream};
use crate::workbooks::xlsx;
use crate::MAX_FILE_BYTES;
use csvdir::{CsvFiles, CsvInput, CSV_DIR_FILES};
pub(crate) use writable::check_writable;

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
    /// The same notes with their kinds, each worded in every language
    /// where its kind is: the console shows them in a round's language.
    pub said: Vec<crate::note::Note>,
    /// The language of the input's sheet and column names (outputs use it
    /// unless told otherwise).
    pub lang: office::Lang,
}

/// Like [`load_instance_observed`], with the load's notes.
///
/// # Errors
/// As [`load_instance`].
pub fn load_instance_noted(path: &Path, seen: &(dyn Fn(u64) + Sync)) -> Result<Loaded, LoadErrors> {
    let meta = std::fs::metadata(path).map_err(|e| LoadError::said(path, describe_io(&e)))?;
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
            said: notes.said,
            lang: notes.lang,
        })
    } else if let Some(kind) = sniff_workbook(path, &meta)? {
        let bytes = read_file(path)?;
        if kind == Sniffed::Old || xlsx::is_old_workbook(&bytes) {
            return Err(LoadError::said(path, xlsx::old_workbook(&bytes)).into());
        }
        seen(bytes.len() as u64);
        let sha256 = hex(&Sha256::digest(&bytes));
        let (instance, notes) = xlsx::load_xlsx_noted(path, &bytes)?;
        Ok(Loaded {
            instance,
            sha256,
            notes: notes.notes,
            said: notes.said,
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
            said: notes.said,
            lang: notes.lang,
        })
    } else {
        load_bundle_streamed(path, MAX_FILE_BYTES, seen)
    }
}

/// What the first bytes of a file that is not named `.xlsx` say it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Sniffed {
    /// A zip file: a workbook saved under another name (`round.xls`
    /// renamed, `.xlsm`).
    Zip,
    /// An Excel 97–2003 workbook or a WPS `.et` file.
    Old,
}

/// A regular file not named `.xlsx` whose first bytes are a zip's or an
/// old workbook's (`None` for anything else, read as a bundle).
fn sniff_workbook(path: &Path, meta: &std::fs::Metadata) -> Result<Option<Sniffed>, LoadErrors> {
    use std::io::Read as _;
    if xlsx::is_xlsx(path) || !meta.is_file() {
        return Ok(None);
    }
    let mut head = [0u8; 8];
    let mut f = std::fs::File::open(path).map_err(|e| LoadError::said(path, describe_io(&e)))?;
    let mut n = 0;
    while n < head.len() {
        match f.read(&mut head[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(LoadError::said(path, describe_io(&e)).into()),
        }
    }
    let head = &head[..n];
    Ok(if xlsx::is_old_workbook(head) {
        Some(Sniffed::Old)
    } else if xlsx::is_zip(head) {
        Some(Sniffed::Zip)
    } else {
        None
    })
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
    let (raw, base) = match fast {
        Ok((raw, base)) => (Some(raw), base),
        Err(bundle_fast::GiveUp) => {
            let meta =
                std::fs::metadata(path).map_err(|e| LoadError::said(path, describe_io(&e)))?;
            if meta.len() <= whole_limit {
                let bytes = read_file(path)?;
                let sha256 = hex(&Sha256::digest(&bytes));
                let (instance, notes) = load_bundle_noted(path, &bytes)?;
                return Ok(Loaded {
                    instance,
                    sha256,
                    notes: notes.notes,
                    said: notes.said,
                    lang: notes.lang,
                });
            }
            tap.restart();
            let raw = stream::stream_file(path, &mut tap, &mut (), |source| {
                bundle::read_bundle_stream(path, source, &mut errs)
            })?;
            (raw, None)
        }
    };
    let sha256 = tap.finish();
    let inst = raw.and_then(|raw| match base {
        // The rest was resolved while the history was read: the history
        // is left, its problems after the rest's.
        Some((base, base_errs, history)) => {
            errs.append(base_errs);
            resolve::resolve_history(base, Some(history), &mut errs)
        }
        None => resolve::resolve(raw, &mut errs),
    });
    let notes = errs.take_notes();
    Ok(Loaded {
        instance: errs.finish(inst)?,
        sha256,
        notes: notes.notes,
        said: notes.said,
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

/// A shell command that prints a CSV directory's input hash (as
/// [`instance_sha256`] computes it) without `panels`: Python 3's standard
/// library only. `dir` is written into the command as given (the caller
/// quotes it for the shell).
pub fn directory_sha256_command(dir: &str) -> String {
    let names = CSV_DIR_FILES
        .iter()
        .map(|n| format!("'{n}'"))
        .collect::<Vec<_>>()
        .join(",");
    format!(
        "python3 -c \"import hashlib,os,struct,sys; d=sys.argv[1]; h=hashlib.sha256(); \
         [h.update(n.encode()+bytes(1)+struct.pack('<Q',os.path.getsize(f))+open(f,'rb').read()) \
         for n in [{names}] for f in [os.path.join(d,n)] if os.path.isfile(f)]; \
         print(h.hexdigest())\" {dir}"
    )
}

/// SHA-256 (lower-case hex) of an instance's input bytes: of the file for a
/// bundle; for a CSV directory, of each instance file present (see
/// [`CSV_DIR_FILES`]; other files are ignored) in name order, each as its
/// name, a NUL byte, its length as 8 little-endian bytes, then its bytes.
pub fn instance_sha256(path: &Path) -> Result<String, LoadError> {
    let meta = std::fs::metadata(path).map_err(|e| LoadError::said(path, describe_io(&e)))?;
    let mut tap = stream::Tap::new(&|_| {});
    if meta.is_dir() {
        let present = csvdir::list_dir_files(path).map_err(|e| e.first().clone())?;
        for name in present {
            let file = path.join(&name);
            let len = std::fs::metadata(&file)
                .map_err(|e| LoadError::said(&file, describe_io(&e)))?
                .len();
            tap.file_header(&name, len);
            stream::hash_file(&file, &mut tap)?;
        }
    } else {
        stream::hash_file(path, &mut tap)?;
    }
    Ok(tap.finish())
}

/// Writes an instance as a bundle file or a CSV directory, whole or not
/// at all (see [`crate::output`]): staged next to `path`, then renamed into
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Location;

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

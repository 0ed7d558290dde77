//! Uploads: what the bytes are (never what the client calls them), zip
//! bombs and hostile path names, and a round made only when it loads.

use std::io::Read as _;
use std::path::Path;

use sha2::{Digest, Sha256};

use super::actions::{self, ActionError};
use super::store::{now_rfc3339, HistoryFrom, HistoryUsed, InputForm, RoundMeta, RoundNote, Store};
use crate::io::Noted;

/// Caps on what an upload may unpack to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ZipLimits {
    /// Entries in the archive.
    pub max_entries: usize,
    /// Bytes all entries unpack to, in all (the CLI reads files up to
    /// 1 GiB).
    pub max_total: u64,
    /// Unpacked bytes per packed byte, over the whole archive (CSV packs
    /// about 5–20 to 1; bombs pack thousands to 1).
    pub max_ratio: u64,
}

impl Default for ZipLimits {
    fn default() -> Self {
        ZipLimits {
            max_entries: 10_000,
            max_total: crate::io::MAX_FILE_BYTES,
            max_ratio: 100,
        }
    }
}

/// What the upload's bytes are.
///
/// # Errors
/// Neither a JSON bundle, a workbook nor a zip of CSV files.
pub fn classify(bytes: &[u8]) -> Result<InputForm, ActionError> {
    if bytes.starts_with(b"PK\x03\x04") {
        let archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(damaged)?;
        let is_workbook = archive.file_names().any(|n| n == "xl/workbook.xml");
        return Ok(if is_workbook {
            InputForm::Workbook
        } else {
            InputForm::CsvZip
        });
    }
    if crate::io::xlsx::is_old_workbook(bytes) {
        let said = crate::io::Said::OldWorkbook {
            protected: crate::io::xlsx::old_workbook_message(bytes)
                == crate::io::xlsx::PROTECTED_WORKBOOK,
        };
        return Err(ActionError::bad(format!(
            "the upload is {}",
            said.text(crate::io::office::Lang::En)
        ))
        .zh(format!(
            "上传的文件：{}",
            said.text(crate::io::office::Lang::Zh)
        )));
    }
    let text = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    match text.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => Ok(InputForm::Bundle),
        _ => Err(ActionError::bad(
            "the upload is not a round: send an Excel workbook (.xlsx), a zip of the CSV files, or a JSON bundle",
        )
        .zh("上传的文件不是评审轮次数据：请上传 Excel 工作簿（.xlsx）、CSV 文件的 zip 压缩包或 JSON 数据包")),
    }
}

fn damaged(e: zip::result::ZipError) -> ActionError {
    ActionError::bad(format!("the upload is a damaged zip file: {e}"))
        .zh(format!("上传的 zip 文件已损坏：{e}"))
}

/// Checks a zip (a workbook or a CSV zip) against bombs and hostile names
/// before anything reads it: entry count, declared and actual unpacked
/// sizes, ratio, and names (no absolute paths, `..`, backslashes or drive
/// letters). Returns the files `wanted` accepts, unpacked, under their
/// base names.
///
/// # Errors
/// Any cap exceeded or any hostile name: the whole upload is refused.
pub fn unpack_zip(
    bytes: &[u8],
    limits: ZipLimits,
    wanted: &dyn Fn(&str) -> bool,
) -> Result<Vec<(String, Vec<u8>)>, ActionError> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(damaged)?;
    // The zip crate keeps one entry per name (the last); the central
    // directory holds them all, and other readers may take the first.
    let names = central_directory_names(bytes, archive.central_directory_start(), limits)?;
    let count = names.len().max(archive.len());
    if count > limits.max_entries {
        return Err(too_many_entries(count, limits));
    }
    let mut seen = std::collections::HashSet::new();
    for name in &names {
        if !seen.insert(*name) {
            return Err(twice(&String::from_utf8_lossy(name)));
        }
    }
    if names.len() > archive.len() {
        // Names that differ in their bytes but read the same.
        return Err(ActionError::bad(format!(
            "the zip lists {} entries but {} distinct names: two entries share a name; keep one of each",
            names.len(),
            archive.len()
        ))
        .zh("zip 中有同名的文件：每个名称请只保留一个"));
    }
    let budget = limits
        .max_total
        .min((bytes.len() as u64).saturating_mul(limits.max_ratio));
    let mut declared: u64 = 0;
    for i in 0..archive.len() {
        let f = archive.by_index_raw(i).map_err(damaged)?;
        check_entry_name(f.name())?;
        declared = declared.saturating_add(f.size());
    }
    if declared > budget {
        return Err(bomb(declared, bytes.len() as u64, limits));
    }
    let mut out = Vec::new();
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let mut f = archive.by_index(i).map_err(damaged)?;
        if f.is_dir() {
            continue;
        }
        let name = f.name().to_string();
        let base = name.rsplit('/').next().unwrap_or(&name).to_string();
        if !wanted(&name) {
            continue;
        }
        // Declared sizes can lie: read at most what is left of the budget.
        let mut data = Vec::new();
        let left = budget - total;
        (&mut f)
            .take(left + 1)
            .read_to_end(&mut data)
            .map_err(|e| ActionError::bad(format!("{name} in the zip: {e}")))?;
        total += data.len() as u64;
        if total > budget {
            return Err(bomb(total, bytes.len() as u64, limits));
        }
        out.push((base, data));
    }
    Ok(out)
}

fn bomb(unpacked: u64, packed: u64, limits: ZipLimits) -> ActionError {
    ActionError::bad(format!(
        "the zip unpacks to {unpacked} bytes from {packed}: refused (at most {} bytes, and at most {} times the upload's size)",
        limits.max_total, limits.max_ratio
    ))
    .zh(format!(
        "该 zip 解压后为 {unpacked} 字节（压缩包 {packed} 字节）：已拒绝（最多 {} 字节，且不超过上传大小的 {} 倍）",
        limits.max_total, limits.max_ratio
    ))
}

fn too_many_entries(count: usize, limits: ZipLimits) -> ActionError {
    ActionError::bad(format!(
        "the zip has {count} entries; at most {} are accepted",
        limits.max_entries
    ))
    .zh(format!(
        "该 zip 有 {count} 个条目；最多接受 {} 个",
        limits.max_entries
    ))
}

/// Two entries of one name (or two instance files of one name in the
/// zip's folder and at its top): which one a reader takes is not
/// defined, so the upload is refused.
fn twice(name: &str) -> ActionError {
    ActionError::bad(format!("the zip holds {name} twice; keep one"))
        .zh(format!("zip 中有两个 {name}：请只保留一个"))
}

/// The raw names of the central directory's entries from `start`, in
/// order, repeated names kept (the zip crate's index keeps one entry per
/// name). A record is 46 bytes, then its name, extra field and comment,
/// whose lengths are at bytes 28, 30 and 32 (little-endian); the walk
/// stops at the first bytes that are not a record, or one past the entry
/// cap.
///
/// # Errors
/// A record that runs past the end of the upload.
fn central_directory_names(
    bytes: &[u8],
    start: u64,
    limits: ZipLimits,
) -> Result<Vec<&[u8]>, ActionError> {
    const RECORD: &[u8] = b"PK\x01\x02";
    let u16_at = |at: usize| usize::from(u16::from_le_bytes([bytes[at], bytes[at + 1]]));
    let mut names = Vec::new();
    let mut at = usize::try_from(start).unwrap_or(usize::MAX);
    while names.len() <= limits.max_entries
        && bytes.get(at..).is_some_and(|b| b.starts_with(RECORD))
    {
        let cut = || {
            ActionError::bad("the upload is a damaged zip file: its central directory is cut short")
                .zh("上传的 zip 文件已损坏：中央目录不完整")
        };
        if bytes.len() < at + 46 {
            return Err(cut());
        }
        let (name_len, extra_len, comment_len) =
            (u16_at(at + 28), u16_at(at + 30), u16_at(at + 32));
        let name = bytes.get(at + 46..at + 46 + name_len).ok_or_else(cut)?;
        names.push(name);
        at += 46 + name_len + extra_len + comment_len;
    }
    Ok(names)
}

fn check_entry_name(name: &str) -> Result<(), ActionError> {
    let hostile = name.starts_with('/')
        || name.contains('\\')
        || name.contains('\0')
        || name.split('/').any(|part| part == "..")
        || name.as_bytes().get(1) == Some(&b':');
    if hostile {
        Err(ActionError::bad(format!(
            "the zip holds an entry named {name:?}: names with '..', '\\', a drive letter or a leading '/' are refused"
        ))
        .zh(format!(
            "zip 中有名为 {name:?} 的条目：含 '..'、'\\'、盘符或以 '/' 开头的名称会被拒绝"
        )))
    } else {
        Ok(())
    }
}

/// The CSV files of a CSV zip: the instance files at the top or in one
/// folder (`round/experts.csv`); `__MACOSX` and other files are ignored.
fn csv_entry(name: &str) -> bool {
    if name.starts_with("__MACOSX/") {
        return false;
    }
    let parts: Vec<&str> = name.split('/').collect();
    parts.len() <= 2 && crate::io::CSV_DIR_FILES.contains(parts.last().unwrap_or(&""))
}

/// Makes a round from an upload: stores the bytes as received, lays out
/// the input, loads it as `panels` would, and publishes the folder only if
/// it loads. `client_name` is for display only. With `take_history`, an
/// upload without a history table of its own whose policy has a year gets
/// the console's history ([`take_history`]).
///
/// # Errors
/// An upload that is not a round, is hostile, or does not load (with
/// every load problem as data); nothing is kept.
pub fn make_round(
    store: &Store,
    bytes: &[u8],
    client_name: &str,
    limits: ZipLimits,
    take_history: bool,
) -> Result<std::sync::Arc<super::store::Round>, ActionError> {
    let form = classify(bytes)?;
    let (id, staging) = store.staging().map_err(ActionError::other)?;
    let result = lay_out(&staging, bytes, form, limits).and_then(|()| {
        let input = staging.join(form.input_name());
        let shown = display_name(client_name);
        let (mut loaded, first_notes) =
            actions::load_round_noted(&input).map_err(|e| relabel(e, &input, &shown))?;
        let mut notes: Vec<RoundNote> = first_notes
            .iter()
            .map(|n| round_note(n, &input, &shown))
            .collect();
        let history_used = self::history_of(store, &input, form, &loaded, take_history)?;
        let history_records = history_used
            .as_ref()
            .filter(|h| h.from == HistoryFrom::Console)
            .map(|h| h.records);
        if history_records.is_some() {
            let again;
            (loaded, again) =
                actions::load_round_noted(&input).map_err(|e| relabel(e, &input, &shown))?;
            // What the history taken adds (its institutions spelt otherwise);
            // the rest was said of the upload as received.
            notes.extend(
                again
                    .iter()
                    .filter(|n| {
                        matches!(
                            n.kind(),
                            Some(
                                Noted::HistoryInstitution { .. }
                                    | Noted::HistoryInstitutionsMore { .. }
                            )
                        )
                    })
                    .map(|n| round_note(n, &input, &shown)),
            );
        }
        let meta = RoundMeta {
            id: id.clone(),
            created: now_rfc3339(),
            upload_name: display_name(client_name),
            upload_bytes: bytes.len() as u64,
            upload_sha256: hex(&Sha256::digest(bytes)),
            form,
            input_sha256: loaded.1.clone(),
            language: language_of(&loaded.0).to_string(),
            applications: loaded.0.applications.len(),
            experts: loaded.0.experts.len(),
            cities: loaded.0.cities.len(),
            history_records,
            history_used,
            notes,
        };
        super::store::write_json(&staging.join("round.json"), &meta).map_err(ActionError::other)?;
        Ok((meta, loaded))
    });
    match result {
        Ok((meta, loaded)) => store
            .publish(&id, &staging, meta, loaded)
            .map_err(ActionError::other),
        Err(e) => {
            let _ = std::fs::remove_dir_all(&staging);
            Err(e)
        }
    }
}

fn lay_out(
    staging: &Path,
    bytes: &[u8],
    form: InputForm,
    limits: ZipLimits,
) -> Result<(), ActionError> {
    write(&staging.join(form.upload_name()), bytes)?;
    match form {
        InputForm::Bundle => write(&staging.join("input.json"), bytes),
        InputForm::Workbook => {
            // Checked before calamine reads it: a workbook is a zip too.
            unpack_zip(bytes, limits, &|_| false)?;
            write(&staging.join("input.xlsx"), bytes)
        }
        InputForm::CsvZip => {
            let files = unpack_zip(bytes, limits, &csv_entry)?;
            let mut seen = std::collections::BTreeSet::new();
            for (name, _) in &files {
                if !seen.insert(name.clone()) {
                    return Err(twice(name));
                }
            }
            if files.is_empty() {
                return Err(ActionError::bad(format!(
                    "the zip holds none of the round's files ({}); zip the CSV folder itself",
                    crate::io::CSV_DIR_FILES.join(", ")
                ))
                .zh(format!(
                    "zip 中没有本轮所需的文件（{}）；请直接压缩 CSV 文件夹",
                    crate::io::CSV_DIR_FILES.join("、")
                )));
            }
            let dir = staging.join("input");
            std::fs::create_dir(&dir)
                .map_err(|e| ActionError::other(format!("{}: {e}", dir.display())))?;
            for (name, data) in files {
                write(&dir.join(name), &data)?;
            }
            Ok(())
        }
    }
}

/// Writes a file of the round's folder whole ([`crate::io::write_atomic`]),
/// naming it in the error.
fn write(path: &Path, data: &[u8]) -> Result<(), ActionError> {
    crate::io::write_atomic(path, data)
        .map_err(|e| ActionError::other(format!("{}: {e}", path.display())))
}

/// The history a new round's rules read, and where it comes from: the
/// upload's own past reviews when it has any (the console's history is
/// then left out, and its size said, so neither is dropped unseen); else,
/// with `take`, the console's history ([`take_history`]). An upload's
/// history table with no rows (a template's 历史 sheet with its example
/// rows deleted) counts as no history of its own.
///
/// # Errors
/// As [`take_history`].
pub fn history_of(
    store: &Store,
    input: &Path,
    form: InputForm,
    loaded: &actions::LoadedRound,
    take: bool,
) -> Result<Option<HistoryUsed>, ActionError> {
    let own = loaded.0.history.records.len();
    if own > 0 {
        let console = if take {
            console_history(store)?.map(|(_, records)| records.len())
        } else {
            None
        };
        return Ok(Some(HistoryUsed {
            from: HistoryFrom::Upload,
            records: own,
            console_records_not_taken: console.filter(|&n| n > 0),
        }));
    }
    if !take {
        return Ok(None);
    }
    Ok(
        take_history(store, input, form, loaded)?.map(|records| HistoryUsed {
            from: HistoryFrom::Console,
            records,
            console_records_not_taken: None,
        }),
    )
}

/// The console's history file as read: its bytes and its records.
type ConsoleHistory = (Vec<u8>, Vec<crate::history::PastReview>);

/// The console's history (`DATA/history.csv`): its bytes and records, or
/// `None` when there is none yet.
fn console_history(store: &Store) -> Result<Option<ConsoleHistory>, ActionError> {
    use crate::io::history_file::{read_history_bytes, HistoryForm};
    let _held = store.history_lock.lock().unwrap_or_else(|p| p.into_inner());
    let bytes = match std::fs::read(store.history_path()) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(ActionError::other(format!("history.csv: {e}"))),
    };
    let records = read_history_bytes(Path::new("history.csv"), HistoryForm::Csv, &bytes)
        .map_err(|e| ActionError::load(&e))?;
    Ok(Some((bytes, records)))
}

/// Gives a round the console's history (`DATA/history.csv`, the rounds
/// appended before) when its upload has no past reviews of its own (no
/// history table, or one with only its header) and its policy has a year
/// (history counts only against a year). The
/// round's input gets the records in its own form, so `panels` run in the
/// round folder reads the same instance: a CSV round gets `history.csv`
/// (the console's file, byte for byte), a bundle a `history` list (the
/// upload's text otherwise unchanged), a workbook the history sheet (the
/// instance rewritten by the library's workbook writer, in the upload's
/// language). The upload itself stays as received. Returns the number of
/// records taken.
///
/// # Errors
/// A console history that does not read, or a failed write.
pub fn take_history(
    store: &Store,
    input: &Path,
    form: InputForm,
    (inst, _, lang): &actions::LoadedRound,
) -> Result<Option<usize>, ActionError> {
    use crate::io::history_file::{history_bytes, HistoryForm};
    if !inst.history.records.is_empty() || inst.policy.year.is_none() {
        return Ok(None);
    }
    let Some((bytes, records)) = console_history(store)? else {
        return Ok(None);
    };
    let shown = Path::new("history.csv");
    if records.is_empty() {
        return Ok(None);
    }
    // The round with the records, for the forms whose writer rewrites it.
    let with_records = || {
        let mut with = inst.clone();
        with.history = crate::history::History::resolve(
            records.clone(),
            &inst.persons,
            inst.experts.len(),
            &inst.institutions,
        );
        with
    };
    match form {
        InputForm::CsvZip => write(&input.join("history.csv"), &bytes)?,
        InputForm::Bundle if inst.history.given => {
            // The bundle's own history list is empty: the round is written
            // again by the library's bundle writer, with the records.
            let out = crate::io::bundle_to_bytes(&with_records())
                .map_err(|e| ActionError::other(e.to_string()))?;
            write(input, &out)?;
        }
        InputForm::Bundle => {
            let list = history_bytes(shown, HistoryForm::Json, &records, Default::default())
                .map_err(|e| ActionError::other(e.to_string()))?;
            let text = std::fs::read(input).map_err(|e| ActionError::other(e.to_string()))?;
            let open = text
                .iter()
                .position(|&b| b == b'{')
                .ok_or_else(|| ActionError::bad("the bundle is not a JSON object"))?;
            let mut out = Vec::with_capacity(text.len() + list.len() + 16);
            out.extend_from_slice(&text[..=open]);
            out.extend_from_slice(b"\n\"history\": ");
            out.extend_from_slice(list.trim_ascii_end());
            out.push(b',');
            out.extend_from_slice(&text[open + 1..]);
            write(input, &out)?;
        }
        InputForm::Workbook => {
            let out = crate::io::xlsx::instance_xlsx_bytes_in(&with_records(), input, *lang)
                .map_err(|e| ActionError::other(e.to_string()))?;
            write(input, &out)?;
        }
    }
    Ok(Some(records.len()))
}

/// A load note as a round keeps it: in both languages, naming the file
/// the officer uploaded (as [`relabel`] does for errors).
fn round_note(note: &crate::io::Note, input: &Path, shown: &str) -> RoundNote {
    use crate::io::office::Lang;
    let path = input.display().to_string();
    let fix = |s: String| s.replace(&path, shown);
    RoundNote {
        kind: note.kind().map(|k| k.key().to_string()),
        text: fix(note.text(Lang::En)),
        text_zh: fix(note.text(Lang::Zh)),
    }
}

/// Load messages name the staging copy; show the name the officer
/// uploaded (`round.zip/experts.csv`, `轮次.xlsx`).
fn relabel(mut e: ActionError, input: &Path, shown: &str) -> ActionError {
    let path = input.display().to_string();
    let fix = |s: &mut String| *s = s.replace(&path, shown);
    fix(&mut e.message);
    for p in &mut e.problems {
        fix(&mut p.file);
        fix(&mut p.text);
    }
    e
}

/// A client file name made safe to show: the last path part, printable,
/// at most 200 characters.
pub fn display_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let clean: String = base.chars().filter(|c| !c.is_control()).take(200).collect();
    if clean.is_empty() {
        "upload".into()
    } else {
        clean
    }
}

/// `zh` when the round's names are written in Chinese, else `en`.
pub fn language_of(inst: &crate::model::Instance) -> &'static str {
    let cjk = |s: &str| s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
    let names = inst
        .cities
        .names()
        .iter()
        .map(String::as_str)
        .chain(
            inst.applications
                .iter()
                .take(50)
                .filter_map(|a| a.title.as_deref()),
        )
        .chain(
            inst.experts
                .iter()
                .take(50)
                .filter_map(|e| e.name.as_deref()),
        );
    if names.into_iter().any(cjk) {
        "zh"
    } else {
        "en"
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write as _;

    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, data) in entries {
            w.start_file(*name, opts).unwrap();
            w.write_all(data).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    #[test]
    fn a_zip_bomb_is_refused_before_it_is_unpacked() {
        let zeros = vec![0u8; 50 << 20];
        let bomb = zip_of(&[("experts.csv", &zeros)]);
        assert!(bomb.len() < 1 << 20);
        let e = unpack_zip(&bomb, ZipLimits::default(), &csv_entry).unwrap_err();
        assert!(e.message.contains("refused"), "{}", e.message);
    }

    /// A zip with the entry `from` renamed `to` in its bytes (local header
    /// and central directory): names the zip writer refuses to repeat.
    fn zip_renamed(entries: &[(&str, &[u8])], from: &str, to: &str) -> Vec<u8> {
        let mut z = zip_of(entries);
        let (from, to) = (from.as_bytes(), to.as_bytes());
        let at: Vec<usize> = (0..=z.len() - from.len())
            .filter(|&i| &z[i..i + from.len()] == from)
            .collect();
        assert_eq!(at.len(), 2);
        for i in at {
            z[i..i + from.len()].copy_from_slice(to);
        }
        z
    }

    #[test]
    fn a_name_twice_in_the_zip_is_refused_naming_it() {
        for (a, b) in [
            ("experts.csv", "experts.csx"),
            ("round/experts.csv", "round/experts.csx"),
            ("notes.txt", "notes.txx"),
            ("xl/workbook.xml", "xl/workbook.xmm"),
        ] {
            let z = zip_renamed(
                &[
                    (
                        a, b"id
E1
",
                    ),
                    (
                        b, b"id
E2
",
                    ),
                ],
                b,
                a,
            );
            let e = unpack_zip(&z, ZipLimits::default(), &csv_entry).unwrap_err();
            assert_eq!(e.message, format!("the zip holds {a} twice; keep one"));
            assert_eq!(e.exit_code, 2);
        }
        // The same name in the folder and at the top: still one too many.
        let z = zip_of(&[
            (
                "experts.csv",
                b"id
",
            ),
            (
                "round/experts.csv",
                b"id
",
            ),
        ]);
        let dir = tempfile::tempdir().unwrap();
        let e = lay_out(dir.path(), &z, InputForm::CsvZip, ZipLimits::default()).unwrap_err();
        assert_eq!(e.message, "the zip holds experts.csv twice; keep one");
        // Repeated names count as entries against the cap.
        let z = zip_renamed(&[("a.csv", b"x"), ("b.csv", b"y")], "b.csv", "a.csv");
        let limits = ZipLimits {
            max_entries: 1,
            ..ZipLimits::default()
        };
        let e = unpack_zip(&z, limits, &csv_entry).unwrap_err();
        assert!(e.message.contains("2 entries"), "{}", e.message);
    }

    #[test]
    fn hostile_names_are_refused() {
        for name in [
            "../experts.csv",
            "/etc/passwd",
            "a\\..\\b.csv",
            "C:/x.csv",
            "x/../../y",
        ] {
            let z = zip_of(&[(name, b"id\n")]);
            let e = unpack_zip(&z, ZipLimits::default(), &csv_entry).unwrap_err();
            assert!(e.message.contains("refused"), "{name}: {}", e.message);
        }
    }

    #[test]
    fn csv_zip_entries_at_the_top_or_in_one_folder() {
        assert!(csv_entry("experts.csv"));
        assert!(csv_entry("round/experts.csv"));
        assert!(!csv_entry("a/b/experts.csv"));
        assert!(!csv_entry("__MACOSX/round/experts.csv"));
        assert!(!csv_entry("notes.txt"));
    }

    #[test]
    fn uploads_are_classified_by_their_bytes() {
        assert_eq!(
            classify(b"\xef\xbb\xbf {\"a\":1}").unwrap(),
            InputForm::Bundle
        );
        assert_eq!(
            classify(&zip_of(&[("experts.csv", b"id\n")])).unwrap(),
            InputForm::CsvZip
        );
        assert_eq!(
            classify(&zip_of(&[("xl/workbook.xml", b"<x/>")])).unwrap(),
            InputForm::Workbook
        );
        assert!(classify(b"<html>").is_err());
        assert!(classify(b"PK\x03\x04garbage").is_err());
        // An Excel 97-2003 workbook: told to save it as .xlsx.
        let old = classify(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\0\0\0\0").unwrap_err();
        assert!(
            old.message.contains("save it as an Excel workbook (.xlsx)"),
            "{old:?}"
        );
    }

    #[test]
    fn display_names_are_base_names() {
        assert_eq!(display_name("../../etc/passwd"), "passwd");
        assert_eq!(display_name("C:\\Users\\x\\轮次.xlsx"), "轮次.xlsx");
        assert_eq!(display_name(""), "upload");
    }
}

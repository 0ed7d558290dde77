//! `panels history append` on files: a finished round's panels file and
//! replace logs become records appended to a history file (the records
//! themselves are [`crate::history::append`]'s).

use crate::model::Instance;

/// Why [`append_round`] appended nothing (the history file is untouched).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AppendError {
    /// A bad panels file, replace log, history file, year or round (the
    /// CLI's exit 2).
    BadInput(String),
    /// The history file (named first) already holds the round (exit 2):
    /// the console words it in Chinese too.
    Recorded(std::path::PathBuf, crate::history::append::RoundRecorded),
    /// The history file could not be written (exit 4).
    Other(String),
}

impl std::fmt::Display for AppendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AppendError::BadInput(m) | AppendError::Other(m) => f.write_str(m),
            AppendError::Recorded(to, why) => write!(f, "{}: {why}", to.display()),
        }
    }
}

impl AppendError {
    /// The refusal in Chinese, where it has one (the console's Chinese
    /// pages show it).
    pub fn chinese(&self) -> Option<String> {
        match self {
            AppendError::Recorded(to, why) => Some(format!("{}：{}", to.display(), why.chinese())),
            _ => None,
        }
    }
}

/// A finished round to append to a history file (`panels history append
/// INSTANCE PANELS --year Y [--round R] [--replace-log LOG…] --to TO`).
#[derive(Clone, Copy, Debug)]
pub struct AppendRound<'a> {
    /// The round's final panels file (.json, .csv or .xlsx).
    pub panels: &'a std::path::Path,
    /// The round's replace logs (`panels-replace/2`; their declined pairs,
    /// and the panels each withdrawn expert was taken off, are recorded as
    /// declined). Optional for declined pairs, which the final panels file
    /// records too; needed for the seats of an expert who withdrew.
    pub replace_logs: &'a [std::path::PathBuf],
    /// The round's year.
    pub year: i32,
    /// The round's label, when a year has several rounds.
    pub round: Option<&'a str>,
    /// The history file (.csv, .json or .xlsx; created if absent).
    pub to: &'a std::path::Path,
    /// The instance's input SHA-256: a replace log of another instance is
    /// refused.
    pub input_sha256: &'a str,
    /// The language of a new workbook's sheet and columns (an existing
    /// workbook keeps its own).
    pub lang: crate::io::office::Lang,
}

/// What [`append_round`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Appended {
    /// Records added.
    pub added: usize,
    /// Records in the file now.
    pub total: usize,
    /// Notes on the history file for stderr, each one line starting
    /// `note:` (the office's own columns kept, title rows skipped).
    pub notes: Vec<String>,
}

/// Appends a finished round to a history file: its final panels' pairs as
/// `reviewed`, and as `declined` every pair the panels file's `declined`
/// list records together with the declines its replace logs record (an
/// expert who withdrew declined every panel the replacement took them
/// off; each pair once, the logs' first). A log recording a decline or a
/// withdrawal that the panels file does not is refused (it is not of the
/// replacements that led to this file); a withdrawal that no log given
/// records is noted (the panels file alone does not say which panels the
/// expert left) ([`round_records`](crate::history::append::round_records)); a (year, round) already in the file is
/// refused ([`refuse_recorded_round`](crate::history::append::refuse_recorded_round)). The panels file
/// must be the round's final panels, whole ([`final_panels`]). The file is
/// rewritten whole, atomically, in its own form, keeping what it holds
/// besides its records ([`HistoryFile::appended_bytes`](crate::io::history_file::HistoryFile::appended_bytes):
/// a bundle's other keys, a table's header and the office's own columns).
/// Replace logs must be of the current format and of this instance
/// ([`replace_log_declines`]); none is needed for the declines.
///
/// The one implementation of `panels history append` (the CLI checks its
/// paths, loads the instance and calls this; the console does the same).
///
/// # Errors
/// [`AppendError::BadInput`] for a year other than the policy's, a panels
/// file or log that does not read or names unknown ids, a panels file
/// that is not a round's final panels ([`final_panels`]) or whose state
/// names unknown ids, a log whose declines the panels file does not
/// record, a history file
/// that does not read (repeated records included), holds other sheets or
/// already holds the round; [`AppendError::Other`]
/// when the write fails. Nothing is written then.
pub fn append_round(inst: &Instance, req: &AppendRound<'_>) -> Result<Appended, AppendError> {
    use crate::io::history_file::{HistoryFile, HistoryForm, HISTORY_EXTENSIONS};
    use std::path::Path;
    let bad = |path: &Path, m: String| AppendError::BadInput(format!("{}: {m}", path.display()));
    if HistoryForm::of(req.to).is_none() {
        return Err(bad(req.to, HISTORY_EXTENSIONS.to_string()));
    }
    if let Some(y) = inst.policy.year.filter(|&y| y != req.year) {
        return Err(AppendError::BadInput(format!(
            "--year {} but the instance's policy says year {y}; append the round under its own year",
            req.year
        )));
    }
    // Appends to one history file wait for each other: each reads the
    // file, adds its round and writes it back.
    let _appending = crate::io::lock_folder_of(req.to);
    let file = crate::io::read_panels_for(req.panels, inst)
        .map_err(|e| AppendError::BadInput(e.to_string()))?;
    let mut notes = Vec::new();
    if let Some(theirs) = file.input_sha256.as_deref() {
        if !theirs.eq_ignore_ascii_case(req.input_sha256) {
            notes.push(format!(
                "note: {} was made for another version of the round (input SHA-256 {theirs}; \
                 this input's is {}); its panels are recorded as they are (`panels verify` \
                 checks them against this input)",
                req.panels.display(),
                req.input_sha256
            ));
        }
    }
    let panels_sha256 = (!req.replace_logs.is_empty())
        .then(|| crate::io::instance_sha256(req.panels))
        .transpose()
        .map_err(|e| AppendError::BadInput(e.to_string()))?;
    let assignment = crate::io::assignment::Assignment::resolve(inst, &file);
    let panels = assignment.whole_panels(inst, &file).map_err(|m| {
        bad(
            req.panels,
            format!(
                "{m}; history append records a round's final panels as they are: fix the \
                 file (`panels verify INSTANCE {}` lists every broken rule)",
                req.panels.display()
            ),
        )
    })?;
    let state = assignment
        .checked_state(req.panels)
        .map_err(AppendError::BadInput)?;
    // The logs' declines first (in the order given), then those of the
    // panels file's `declined` list no log gave: the final panels file
    // records every decline of the round, so none is lost when a log is
    // left out. `round_records` writes each pair once.
    let mut declines = Vec::new();
    let mut logged_withdrawals = Vec::new();
    for log_path in req.replace_logs {
        let bytes =
            crate::io::read_input(log_path).map_err(|e| AppendError::BadInput(e.to_string()))?;
        let log = read_replace_log(&bytes, req.input_sha256).map_err(|m| bad(log_path, m))?;
        if let Some(hash) = &panels_sha256 {
            refuse_log_input(&log.panels_sha256, hash, req.panels, log_path)?;
        }
        let app = |id: &str| {
            inst.app_by_id(id)
                .ok_or_else(|| bad(log_path, format!("unknown application {id}")))
        };
        let expert = |id: &str| {
            inst.expert_by_id(id)
                .ok_or_else(|| bad(log_path, format!("unknown expert {id}")))
        };
        let disagrees = |what: String| {
            bad(
                log_path,
                format!(
                    "the replace log records that {what}, but the final panels file {} does \
                     not (its declined and withdrawn lists hold every decline of the round so \
                     far); give only the logs of the replacements that led to {}, or as PANELS \
                     the panels file the last of them wrote",
                    req.panels.display(),
                    req.panels.display()
                ),
            )
        };
        for e_id in &log.withdrawn {
            let e = expert(e_id)?;
            if state.withdrawn.binary_search(&e).is_err() {
                return Err(disagrees(format!("{e_id} withdrew from the round")));
            }
            logged_withdrawals.push(e);
        }
        for (a_id, e_id) in log_declines(&log) {
            let (a, e) = (app(&a_id)?, expert(&e_id)?);
            // A withdrawal's seats are checked above, with the withdrawal.
            if !log.withdrawn.contains(&e_id) && state.declined.binary_search(&(a, e)).is_err() {
                return Err(disagrees(format!("{e_id} declined {a_id}")));
            }
            declines.push((a, e));
        }
    }
    declines.extend(state.declined.iter().copied());
    notes.extend(unlogged_withdrawals(
        inst,
        state,
        &logged_withdrawals,
        req.panels,
    ));
    let existing =
        HistoryFile::read_to_append(req.to).map_err(|e| AppendError::BadInput(e.to_string()))?;
    let new = crate::history::append::round_records(inst, &panels, &declines, req.year, req.round);
    let added = new.len();
    crate::history::append::refuse_recorded_round(&existing.records, req.year, req.round)
        .map_err(|why| AppendError::Recorded(req.to.to_path_buf(), why))?;
    let bytes = existing
        .appended_bytes(req.to, &new, req.lang)
        .map_err(|e| AppendError::Other(e.to_string()))?;
    let mut staged = crate::io::Outputs::new();
    staged
        .file(req.to, &bytes)
        .map_err(|e| AppendError::Other(e.to_string()))?;
    staged
        .commit()
        .map_err(|e| AppendError::Other(e.to_string()))?;
    notes.extend(existing.notes);
    Ok(Appended {
        added,
        total: existing.records.len() + added,
        notes,
    })
}

/// A note for each expert the panels file records as withdrawn that no
/// replace log given records: the panels file does not say which panels
/// they were taken off, so those seats are not recorded as declined.
fn unlogged_withdrawals(
    inst: &Instance,
    state: &crate::io::assignment::RoundState,
    logged: &[crate::model::ExpertIx],
    panels: &std::path::Path,
) -> Vec<String> {
    state
        .withdrawn
        .iter()
        .filter(|e| !logged.contains(e))
        .map(|e| {
            format!(
                "note: {}: expert {} withdrew from the round; the panels file does not say which \
                 panels they were taken off, so no declined record is written for them (give \
                 --replace-log with the log of that replacement to record them)",
                panels.display(),
                inst.experts[e.ix()].id
            )
        })
        .collect()
}

/// Refuses a panels file that a replace log started from (its SHA-256 is
/// `started_from`, the log's `panels_sha256`): the round's final panels are the ones that
/// replacement wrote, and recording the old ones would write a declined
/// expert as `reviewed` and leave their replacement out.
fn refuse_log_input(
    started_from: &str,
    panels_sha256: &str,
    panels: &std::path::Path,
    log_path: &std::path::Path,
) -> Result<(), AppendError> {
    if !started_from.eq_ignore_ascii_case(panels_sha256) {
        return Ok(());
    }
    Err(AppendError::BadInput(format!(
        "{}: this is the panels file the replace log {} started from, not the panels it \
             wrote; give the round's final panels (the --out of the last panels replace), \
             which hold the replacements",
        panels.display(),
        log_path.display()
    )))
}

/// A panels file's panels by application (file order), or why it is not
/// a round's final panels ([`Assignment::whole_panels`]: an unknown
/// application or expert, an application with two panels, an expert twice
/// on one panel, or an application of the instance without a panel; a
/// message without the file name). Panel sizes are not checked: a seat
/// left empty when no replacement was found is part of the round's record.
///
/// [`Assignment::whole_panels`]: crate::io::assignment::Assignment::whole_panels
pub fn final_panels(
    inst: &Instance,
    file: &crate::io::panels::PanelsFile,
) -> Result<Vec<(crate::model::AppIx, Vec<crate::model::ExpertIx>)>, String> {
    crate::io::assignment::Assignment::resolve(inst, file).whole_panels(inst, file)
}

/// The declined pairs (application id, expert id) a replace log records:
/// its `declined` pairs, then, for each expert who withdrew from the
/// round, every panel this replacement took them off. Reads the current
/// log format ([`super::log::REPLACE_FORMAT`]) only, and refuses a
/// log of another instance (its `input_sha256` against `input_sha256`).
///
/// # Errors
/// Not a replace log, another format, or another instance's log (a
/// message in the user's terms).
pub fn replace_log_declines(
    bytes: &[u8],
    input_sha256: &str,
) -> Result<Vec<(String, String)>, String> {
    read_replace_log(bytes, input_sha256).map(|log| log_declines(&log))
}

/// A replace log of this instance, read as [`replace_log_declines`]
/// reads it (the current format, the instance's `input_sha256`).
fn read_replace_log(bytes: &[u8], input_sha256: &str) -> Result<super::log::ReplaceLog, String> {
    use super::log::{ReplaceLog, REPLACE_FORMAT};
    let value: serde_json::Value =
        crate::io::from_slice_unique(bytes).map_err(|e| format!("not a replace log: {e}"))?;
    let format = value.get("format").and_then(|f| f.as_str()).unwrap_or("");
    if format != REPLACE_FORMAT {
        return Err(format!(
            "not a replace log of format {REPLACE_FORMAT} (it says {format:?}); \
             give the log panels replace wrote for this round"
        ));
    }
    let log: ReplaceLog =
        serde_json::from_value(value).map_err(|e| format!("not a replace log: {e}"))?;
    if !log.input_sha256.eq_ignore_ascii_case(input_sha256) {
        return Err(format!(
            "this replace log belongs to another instance (input SHA-256 {}, the instance's is {})",
            log.input_sha256, input_sha256
        ));
    }
    Ok(log)
}

/// The declined pairs of a replace log read by [`read_replace_log`] (see
/// [`replace_log_declines`]).
fn log_declines(log: &super::log::ReplaceLog) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = log
        .declined
        .iter()
        .map(|d| (d.application.clone(), d.expert.clone()))
        .collect();
    for w in &log.withdrawn {
        for c in &log.changes {
            if c.removed.iter().any(|x| x == w) {
                pairs.push((c.application.clone(), w.clone()));
            }
        }
    }
    pairs
}

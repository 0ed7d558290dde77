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
    /// The history file could not be written (exit 4).
    Other(String),
}

impl std::fmt::Display for AppendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AppendError::BadInput(m) | AppendError::Other(m) => f.write_str(m),
        }
    }
}

/// A finished round to append to a history file (`panels history append
/// INSTANCE PANELS --year Y [--round R] [--replace-log LOG…] --to TO`).
#[derive(Clone, Copy, Debug)]
pub struct AppendRound<'a> {
    /// The round's final panels file (.json, .csv or .xlsx).
    pub panels: &'a std::path::Path,
    /// The round's replace logs (their declines are recorded as declined).
    pub replace_logs: &'a [std::path::PathBuf],
    /// The round's year.
    pub year: i32,
    /// The round's label, when a year has several rounds.
    pub round: Option<&'a str>,
    /// The history file (.csv or .json; created if absent).
    pub to: &'a std::path::Path,
}

/// What [`append_round`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Appended {
    /// Records added.
    pub added: usize,
    /// Records in the file now.
    pub total: usize,
}

/// Appends a finished round to a history file: its final panels' pairs as
/// `reviewed`, and the declines its replace logs record (an expert who
/// withdrew declined every panel the replacement took them off) as
/// `declined` ([`round_records`](crate::history::append::round_records)); a (year, round) already in the file is
/// refused ([`append`](crate::history::append::append)). The file is rewritten whole, atomically, in its
/// own form (`.csv` with a BOM, or `.json`).
///
/// The one implementation of `panels history append` (the CLI checks its
/// paths, loads the instance and calls this; the console does the same).
///
/// # Errors
/// [`AppendError::BadInput`] for a year other than the policy's, a panels
/// file or log that does not read or names unknown ids, a history file
/// that does not read or already holds the round; [`AppendError::Other`]
/// when the write fails. Nothing is written then.
pub fn append_round(inst: &Instance, req: &AppendRound<'_>) -> Result<Appended, AppendError> {
    use crate::io::history_file::{history_bytes, read_history_file, HistoryForm};
    use std::path::Path;
    let bad = |path: &Path, m: String| AppendError::BadInput(format!("{}: {m}", path.display()));
    let Some(form) = HistoryForm::of(req.to) else {
        return Err(bad(
            req.to,
            "a history file must end in .csv or .json".to_string(),
        ));
    };
    if let Some(y) = inst.policy.year.filter(|&y| y != req.year) {
        return Err(AppendError::BadInput(format!(
            "--year {} but the instance's policy says year {y}; append the round under its own year",
            req.year
        )));
    }
    let file = crate::io::read_panels_for(req.panels, inst)
        .map_err(|e| AppendError::BadInput(e.to_string()))?;
    let mut panels = Vec::with_capacity(file.panels.len());
    for rec in &file.panels {
        let a = inst.app_by_id(&rec.application).ok_or_else(|| {
            bad(
                req.panels,
                format!("unknown application {}", rec.application),
            )
        })?;
        let mut experts = Vec::new();
        for id in &rec.experts {
            let e = inst
                .expert_by_id(id)
                .ok_or_else(|| bad(req.panels, format!("unknown expert {id}")))?;
            if !experts.contains(&e) {
                experts.push(e);
            }
        }
        panels.push((a, experts));
    }
    let mut declines = Vec::new();
    for log_path in req.replace_logs {
        let bytes = std::fs::read(log_path).map_err(|e| bad(log_path, e.to_string()))?;
        let log: super::log::ReplaceLog = serde_json::from_slice(&bytes)
            .map_err(|e| bad(log_path, format!("not a replace log: {e}")))?;
        // Declined pairs; an expert who withdrew declined every panel the
        // replacement took them off.
        let mut pairs: Vec<(&str, &str)> = log
            .declined
            .iter()
            .map(|d| (d.application.as_str(), d.expert.as_str()))
            .collect();
        for w in &log.withdrawn {
            for c in &log.changes {
                if c.removed.iter().any(|x| x == w) {
                    pairs.push((c.application.as_str(), w.as_str()));
                }
            }
        }
        for (app, ex) in pairs {
            let a = inst
                .app_by_id(app)
                .ok_or_else(|| bad(log_path, format!("unknown application {app}")))?;
            let e = inst
                .expert_by_id(ex)
                .ok_or_else(|| bad(log_path, format!("unknown expert {ex}")))?;
            declines.push((a, e));
        }
    }
    let existing = read_history_file(req.to).map_err(|e| AppendError::BadInput(e.to_string()))?;
    let new = crate::history::append::round_records(inst, &panels, &declines, req.year, req.round);
    let added = new.len();
    let all = crate::history::append::append(&existing, new, req.year, req.round)
        .map_err(|m| bad(req.to, m))?;
    let bytes = history_bytes(req.to, form, &all).map_err(|e| AppendError::Other(e.to_string()))?;
    crate::io::write_atomic(req.to, &bytes)
        .map_err(|e| AppendError::Other(format!("{}: {e}", req.to.display())))?;
    Ok(Appended {
        added,
        total: all.len(),
    })
}

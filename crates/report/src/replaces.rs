//! What the report shows about a replacement (替换) when its log is given
//! (`panels report INSTANCE PANELS --log REPLACE-LOG`): the declines and
//! withdrawals it recorded, who replaced whom on each panel that changed,
//! the log's SHA-256, the SHA-256 of the panels file it started from (the
//! link to the step before it: a draw's or an earlier replacement's
//! output), and whether the panels it wrote are this file's.
//!
//! The report does not replace again: `panels replace --replay LOG`
//! recomputes the replacement from its log byte for byte. Following a
//! chain of replacements means one report per step, each with its log:
//! each log names the SHA-256 of the file it started from, which is the
//! file the step before wrote.

use serde::{Deserialize, Serialize};

use super::{app_named, Named, LIST_KEEP};
use crate::io::panels::PanelsFile;
use crate::model::Instance;
use crate::solve::draw::log::{ReplaceLog, REPLACE_FORMAT};

/// A replacement's log given to the report, compared with the panels file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReplaceFigures {
    /// The log as named on the command line.
    pub file: String,
    /// SHA-256 of its bytes.
    pub sha256: String,
    /// The input SHA-256 it records.
    pub input_sha256: String,
    /// The panels file it started from, as it was given to `replace`.
    pub started_from: String,
    /// SHA-256 of that file's bytes, as the log records it.
    pub started_from_sha256: String,
    /// The `--decline` values as given (`APPLICATION:EXPERT` or `EXPERT`).
    pub declines: Vec<String>,
    /// Every declined pair of the round after this replacement
    /// (application, expert).
    pub declined: Vec<(String, String)>,
    /// Every expert who withdrew from the round, after this replacement.
    pub withdrawn: Vec<String>,
    /// Panels that changed.
    pub changed: usize,
    /// The first [`LIST_KEEP`] of them, in the log's order: who left and
    /// who joined.
    pub changes: Vec<ChangeFigure>,
    /// Total score before and after, as the log records them.
    pub objective_before: f64,
    /// See `objective_before`.
    pub objective_after: f64,
    /// Applications whose panel in the file is not the one the log wrote.
    pub panels_differ: usize,
    /// The first [`LIST_KEEP`] of them.
    pub differing: Vec<Named>,
}

/// One panel a replacement changed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChangeFigure {
    /// The application.
    pub application: Named,
    /// Experts who left the panel.
    pub removed: Vec<String>,
    /// Experts who joined it.
    pub added: Vec<String>,
}

impl ReplaceFigures {
    /// True when the panels the log wrote are not the file's, or the log
    /// was made for other input than the round's (`input`, when known).
    pub fn differs(&self, input: Option<&str>) -> bool {
        self.panels_differ > 0 || input.is_some_and(|i| !i.eq_ignore_ascii_case(&self.input_sha256))
    }
}

/// Reads a replacement's log (format [`REPLACE_FORMAT`]).
///
/// # Errors
/// Why the bytes are not one.
pub fn read(bytes: &[u8]) -> Result<ReplaceLog, String> {
    let v: serde_json::Value =
        crate::io::from_slice_unique(bytes).map_err(|e| format!("not JSON: {e}"))?;
    let format = v.get("format").and_then(|f| f.as_str()).unwrap_or("");
    if format != REPLACE_FORMAT {
        return Err(format!("format is {format:?}, expected {REPLACE_FORMAT:?}"));
    }
    serde_json::from_value(v).map_err(|e| format!("not a {REPLACE_FORMAT} log: {e}"))
}

/// The figures of a replacement's log read by [`read`] against the panels
/// file.
pub fn replace_figures(
    inst: &Instance,
    panels: &PanelsFile,
    file: &str,
    bytes: &[u8],
    log: &ReplaceLog,
) -> ReplaceFigures {
    let (panels_differ, differing) = super::draws::differing(inst, &panels.panels, &log.panels);
    let application = |id: &str| match inst.app_by_id(id) {
        Some(a) => app_named(inst, a),
        None => Named {
            id: id.to_string(),
            name: None,
        },
    };
    ReplaceFigures {
        file: file.to_string(),
        sha256: crate::io::sha256_hex(bytes),
        input_sha256: log.input_sha256.clone(),
        started_from: log.panels_file.clone(),
        started_from_sha256: log.panels_sha256.clone(),
        declines: log.declines.clone(),
        declined: log
            .declined
            .iter()
            .map(|d| (d.application.clone(), d.expert.clone()))
            .collect(),
        withdrawn: log.withdrawn.clone(),
        changed: log.changes.len(),
        changes: log
            .changes
            .iter()
            .take(LIST_KEEP)
            .map(|c| ChangeFigure {
                application: application(&c.application),
                removed: c.removed.clone(),
                added: c.added.clone(),
            })
            .collect(),
        objective_before: log.objective_before,
        objective_after: log.objective_after,
        panels_differ,
        differing,
    }
}

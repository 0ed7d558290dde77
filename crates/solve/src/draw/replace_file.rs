//! `panels replace` as one operation on a panels file, for the command line
//! and the console alike: resolve the file ([`Assignment`]), apply what is
//! asked to the round's state, replace with the fewest changes, and build
//! the next panels file and the log. Writing (and the check by `verify`
//! before it) is the caller's.

use std::path::Path;

use super::log::{json_bytes, panel_records, replace_log, ReplaceAsked, ReplaceLog};
use super::{replace_with, total_micro, DrawError, ReplaceRequest, Replaced};
use crate::eligibility::Eligibility;
use crate::io::assignment::{Assignment, RoundState};
use crate::io::panels::PanelsFile;
use crate::model::{total_as_f64, Instance};

/// A replacement ready to write.
#[derive(Clone, Debug)]
pub struct FileReplacement {
    /// The round's state after the replacement.
    pub state: RoundState,
    /// What changed.
    pub replaced: Replaced,
    /// The next panels file (`feasible`, sealed, carrying the state).
    pub file: PanelsFile,
    /// The log of the replacement.
    pub log: ReplaceLog,
    /// The log as written (and compared by a replay).
    pub log_bytes: Vec<u8>,
}

/// Why a replacement produced nothing.
#[derive(Debug, thiserror::Error)]
pub enum ReplaceFileError {
    /// The panels do not resolve against the instance (an unknown id, two
    /// panels or none for an application): the message names no file.
    #[error("{0}")]
    Panels(String),
    /// The file's state or what is asked names an unknown id, or asks what
    /// cannot be (a pair not on its panel): the whole message.
    #[error("{0}")]
    Asked(String),
    /// The panels replaced in break a rule on seats that stay (the
    /// caller's check; see [`ReplaceInput`]): the whole message.
    #[error("{0}")]
    BrokenInput(String),
    /// The replacement itself failed.
    #[error(transparent)]
    Draw(DrawError),
}

/// What a replacement starts from, handed to the caller's check before
/// anything is refilled. The check is `verify`'s rules
/// (`panels_verify::replace_input`), which this crate does not reach.
#[derive(Clone, Debug)]
pub struct ReplaceInput<'a> {
    /// The round.
    pub instance: &'a Instance,
    /// The panels file as read, with its own state: complete panels.
    pub file: &'a PanelsFile,
    /// The same panels less the seats this replacement vacates (its new
    /// declines and withdrawals), with the round's state after it: the
    /// seats that stay.
    pub kept: PanelsFile,
}

/// Replaces in `file` (the panels file at `panels_path`, named in
/// messages) what `asked` declines, withdraws and locks; `asked` carries
/// the inputs' hashes for the log and the file, and the time limit of the
/// whole replacement (only a MIP refill takes it; see
/// [`ReplaceRequest::deadline`]). A call that changes
/// nothing of the round's state (a decline the file records already, and
/// nothing else) is refused ([`ReplaceFileError::Asked`]): every log
/// records a step that did something, or a step that asked nothing
/// ([`ReplaceAsked::asks_nothing`]: no decline came in), which vacates no
/// seat, keeps every panel as it is and logs no change. `check` judges the input
/// before anything is refilled ([`ReplaceInput`]; an `Err` is the whole
/// message of [`ReplaceFileError::BrokenInput`]). `note` receives remarks
/// for the user (as the CLI prints them on stderr).
///
/// # Errors
/// See [`ReplaceFileError`].
pub fn replace_file(
    inst: &Instance,
    file: &PanelsFile,
    panels_path: &Path,
    asked: &ReplaceAsked,
    check: &dyn Fn(&ReplaceInput<'_>) -> Result<(), String>,
    note: &mut dyn FnMut(String),
) -> Result<FileReplacement, ReplaceFileError> {
    // The time limit covers the whole replacement from here (a limit too
    // large for a deadline is none).
    let deadline = asked
        .time_limit
        .and_then(|t| std::time::Instant::now().checked_add(t));
    let assignment = Assignment::resolve(inst, file);
    let panels = assignment
        .panels_by_application(inst, file)
        .map_err(ReplaceFileError::Panels)?;
    let before = assignment
        .checked_state(panels_path)
        .map_err(ReplaceFileError::Asked)?
        .clone();
    let mut said = Vec::new();
    let state = super::state::apply(before.clone(), inst, &panels, asked, &mut |m| said.push(m))
        .map_err(ReplaceFileError::Asked)?;
    let mut was = before.clone();
    was.normalise();
    // Asking nothing (an empty list of declines) is a step that keeps
    // the panels and logs so; asking what is done already is refused.
    if !asked.asks_nothing() {
        if let Some(m) = super::state::nothing_changes(&was, &state, panels_path, &said) {
            return Err(ReplaceFileError::Asked(m));
        }
    }
    for m in said {
        note(m);
    }
    check(&ReplaceInput {
        instance: inst,
        file,
        kept: kept_seats(inst, &panels, &before, &state),
    })
    .map_err(ReplaceFileError::BrokenInput)?;
    let solving = state.instance_for_solving(inst);
    let elig = Eligibility::compute(&solving);
    let before = total_micro(&solving, &elig, &panels);
    let replaced = replace_with(
        &solving,
        &elig,
        &ReplaceRequest {
            panels: &panels,
            declined: &state.declined,
            withdrawn: &state.withdrawn,
            locked: &state.locked,
            allow_moves: asked.allow_moves,
            deadline,
        },
    )
    .map_err(ReplaceFileError::Draw)?;
    let mut new_file = PanelsFile {
        status: "feasible".to_string(),
        objective: total_as_f64(replaced.objective_micro),
        bound: None,
        panels: panel_records(&solving, &elig, &replaced.panels),
        solver: Some("replace".to_string()),
        seed: file.seed,
        input_sha256: Some(asked.input_sha256.clone()),
        ..Default::default()
    };
    state.write_into(inst, &mut new_file);
    new_file.seal();
    let log = replace_log(&solving, &replaced, asked, before, &new_file);
    let log_bytes = json_bytes(&log);
    Ok(FileReplacement {
        state,
        replaced,
        file: new_file,
        log,
        log_bytes,
    })
}

/// The panels less the seats this replacement vacates (pairs declined and
/// experts withdrawn now, not before), carrying the state after it. Both
/// states are normalised (sorted lists), so a seat is looked up, not
/// scanned for, in a round with many declines.
fn kept_seats(
    inst: &Instance,
    panels: &[Vec<crate::model::ExpertIx>],
    before: &RoundState,
    after: &RoundState,
) -> PanelsFile {
    let declined = |s: &RoundState, a, e| s.declined.binary_search(&(a, e)).is_ok();
    let withdrawn = |s: &RoundState, e| s.withdrawn.binary_search(&e).is_ok();
    let vacated = |a, e| {
        (declined(after, a, e) && !declined(before, a, e))
            || (withdrawn(after, e) && !withdrawn(before, e))
    };
    let mut kept = PanelsFile {
        status: "feasible".to_string(),
        panels: inst
            .app_ixs()
            .map(|a| crate::io::panels::PanelRecord {
                application: inst.applications[a.ix()].id.clone(),
                programme: None,
                experts: panels[a.ix()]
                    .iter()
                    .filter(|&&e| !vacated(a, e))
                    .map(|e| inst.experts[e.ix()].id.clone())
                    .collect(),
                scores: None,
            })
            .collect(),
        ..Default::default()
    };
    after.write_into(inst, &mut kept);
    kept
}

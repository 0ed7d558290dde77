//! The panels file: what `solve` and `draw` write and `verify` and `report`
//! read (SPEC.md "Outputs").
//!
//! **Boundary:** the JSON shape here is the contract; new fields must be
//! optional so older files still read.

pub mod assignment;
pub(crate) mod xlsx;

use serde::{Deserialize, Serialize};

use assignment::Assignment;

/// The `status` of a panels file that records no claims: a CSV panels file
/// carries only the panels (`objective` then is the sum of its scores,
/// `bound` none), so `verify` says "not recorded" rather than judge them.
pub const STATUS_NOT_RECORDED: &str = "";

/// A whole panels file.
///
/// Besides the panels and the solver's claims (`status`, `objective`,
/// `bound`, `certificate`, `input_sha256`), it carries the state of the
/// round after `panels replace` (docs/round-lifecycle.md): pairs that
/// declined, experts who withdrew, panels confirmed and panels locked.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PanelsFile {
    /// `optimal` (proven), `feasible` (valid, not proven optimal; see `bound`);
    /// [`STATUS_NOT_RECORDED`] when the file records no claims (a CSV, or
    /// a JSON file written by hand with its panels only).
    #[serde(default)]
    pub status: String,
    /// Total score of all assigned pairs (a claim; 0 when not recorded).
    #[serde(default)]
    pub objective: f64,
    /// Which claims the file states in so many words, as its reader saw
    /// them (not written; set by [`read_panels`] and the other readers).
    #[serde(skip)]
    pub given: Given,
    /// Best proven upper bound on the objective (equals it when optimal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bound: Option<f64>,
    /// One panel per application, in input order.
    pub panels: Vec<PanelRecord>,
    /// Which method produced the file, e.g. `flow` or `mip`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub solver: Option<String>,
    /// The seed in force.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// SHA-256 of the instance's canonical content, hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_sha256: Option<String>,
    /// Optimality certificate (dual values), re-checked by `verify --certificate`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<serde_json::Value>,
    /// Solver statistics (timings, sizes); informative only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stats: Option<serde_json::Value>,
    /// SHA-256 of the assignment the claims above were made for
    /// ([`assignment_sha256`]): when the panels no longer hash to it, the
    /// file was edited after solving and `verify` reads the claims as
    /// history, not as claims about these panels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignment_sha256: Option<String>,
    /// SHA-256 of the draw log written with these panels (`panels draw
    /// --log`), so that a reader holding a log can tell it is this file's;
    /// only in files a draw wrote.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub draw_log_sha256: Option<String>,
    /// (application, expert) pairs that declined: kept off that panel by
    /// every later `replace`, and a rule for `verify`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub declined: Vec<DeclinedPair>,
    /// Experts who withdrew from the whole round: on no panel, and their
    /// load floor no longer applies.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub withdrawn: Vec<String>,
    /// Applications whose panels the office marked confirmed (invitations
    /// accepted); `replace --lock-confirmed` locks them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub confirmed: Vec<String>,
    /// Applications whose panels are locked: no `replace` changes them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub locked: Vec<String>,
}

/// The claims a panels file states in so many words, beyond their values
/// (a missing `objective` reads as 0): an `objective` the file states is a
/// claim `verify` checks even without a `status`. How a file was read, not
/// what it holds, so it never makes two files unequal: two [`Given`]s
/// always compare equal.
#[derive(Clone, Copy, Debug, Default)]
pub struct Given {
    /// The file has an `objective` (a JSON file's key, a workbook
    /// summary's row). A file with a `status` claims its objective either
    /// way ([`PanelsFile::claims_objective`]).
    pub objective: bool,
}

impl PartialEq for Given {
    fn eq(&self, _: &Given) -> bool {
        true
    }
}

/// One declined (application, expert) pair of a panels file.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct DeclinedPair {
    /// Application id.
    pub application: String,
    /// Expert id.
    pub expert: String,
}

/// SHA-256 (hex) of an assignment: the sorted lines `application TAB
/// expert`, one per listed pair. Independent of the order of panels and
/// members, so a workbook read back (grouped by city) hashes the same.
pub fn assignment_sha256(panels: &[PanelRecord]) -> String {
    use sha2::{Digest, Sha256};
    let mut lines: Vec<(&str, &str)> = panels
        .iter()
        .flat_map(|p| {
            p.experts
                .iter()
                .map(move |e| (p.application.as_str(), e.as_str()))
        })
        .collect();
    lines.sort_unstable();
    let mut h = Sha256::new();
    for (a, e) in lines {
        h.update(a.as_bytes());
        h.update(b"\t");
        h.update(e.as_bytes());
        h.update(b"\n");
    }
    crate::streams::hex(&h.finalize())
}

impl PanelsFile {
    /// Records the hash of the current panels as the assignment the claims
    /// are about (see [`PanelsFile::assignment_sha256`]).
    pub fn seal(&mut self) {
        self.assignment_sha256 = Some(assignment_sha256(&self.panels));
    }

    /// True when the file's `objective` is a claim: the file has a
    /// `status`, or states its objective without one ([`Given`]).
    pub fn claims_objective(&self) -> bool {
        self.status != STATUS_NOT_RECORDED || self.given.objective
    }

    /// The claims the file records, by name, in the order `verify` checks
    /// them: `status`, `objective`, `bound` (empty for a CSV file or one
    /// written with its panels only).
    pub fn claims_present(&self) -> Vec<&'static str> {
        let mut named = Vec::new();
        if self.status != STATUS_NOT_RECORDED {
            named.push("status");
        }
        if self.claims_objective() {
            named.push("objective");
        }
        if self.bound.is_some() {
            named.push("bound");
        }
        named
    }

    /// True when the file records an assignment hash that its panels no
    /// longer have: edited after the program wrote it.
    pub fn edited(&self) -> bool {
        self.assignment_sha256
            .as_deref()
            .is_some_and(|h| h != assignment_sha256(&self.panels))
    }

    /// Puts every id of the file (applications, experts, the round's
    /// state) in its normal form, as the instance's ids are
    /// ([`crate::names::normalize`]: NFKC, no zero-width characters, no
    /// spaces at the ends, inner spaces collapsed), so an id typed
    /// `"A0001 "` or with a full-width space in a hand-edited file is
    /// `A0001`. Returns the ids that changed (as written, then normal),
    /// each once, in the order met.
    pub fn normalize_ids(&mut self) -> Vec<(String, String)> {
        let mut changed: Vec<(String, String)> = Vec::new();
        let mut fix = |id: &mut String| {
            if let std::borrow::Cow::Owned(n) = crate::names::normalize(id) {
                let old = std::mem::replace(id, n);
                if !changed.iter().any(|(o, _)| *o == old) {
                    changed.push((old, id.clone()));
                }
            }
        };
        for p in &mut self.panels {
            fix(&mut p.application);
            p.experts.iter_mut().for_each(&mut fix);
        }
        for d in &mut self.declined {
            fix(&mut d.application);
            fix(&mut d.expert);
        }
        self.withdrawn.iter_mut().for_each(&mut fix);
        self.confirmed.iter_mut().for_each(&mut fix);
        self.locked.iter_mut().for_each(&mut fix);
        changed
    }

    /// True when the file carries any round state (declines, withdrawals,
    /// confirmations, locks).
    pub(crate) fn has_state(&self) -> bool {
        !(self.declined.is_empty()
            && self.withdrawn.is_empty()
            && self.confirmed.is_empty()
            && self.locked.is_empty())
    }
}

/// One application's panel.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PanelRecord {
    /// Application id.
    pub application: String,
    /// The application's programme (SPEC "Programmes": outputs name it).
    /// Informative: a solve's panels come with it, and [`write_panels`]
    /// writes it from the instance when the application has one; `verify`
    /// judges by the instance, not by this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub programme: Option<String>,
    /// Expert ids, in a stable order (input order of the pool).
    pub experts: Vec<String>,
    /// Scores of the pairs, aligned with `experts` (informative).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scores: Option<Vec<f64>>,
}

// ---------------------------------------------------------------- reading and writing

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use crate::error::{Errs, LoadError, WriteError};
use crate::instances::bundle::{json_error, text_of};
use crate::instances::csvdir::{read_table, TableInput};
use crate::model::{AppIx, Instance};

/// Columns of a panels CSV, in output order (`score` only when the panels
/// carry scores, `programme` only when an application of the instance has
/// one, `state` only when the file carries round state).
pub const PANELS_CSV_COLUMNS: &[&str] = &[
    "application",
    "expert",
    "score",
    "expert_city",
    "application_city",
    "programme",
    "state",
];

/// Words of the CSV `state` column (docs/round-lifecycle.md): on a seat
/// row, `confirmed` and/or `locked` (`;`-separated); a `declined` row
/// names a declined pair, a `withdrawn` row an expert (application empty)
/// who withdrew from the round. Neither is a seat.
pub mod state_words {
    /// A seat of a panel the office marked confirmed.
    pub(crate) const CONFIRMED: &str = "confirmed";
    /// A seat of a locked panel.
    pub(crate) const LOCKED: &str = "locked";
    /// A declined (application, expert) pair.
    pub(crate) const DECLINED: &str = "declined";
    /// An expert who withdrew from the round.
    pub(crate) const WITHDRAWN: &str = "withdrawn";
}

/// The two forms of a panels file, chosen by the file's extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PanelsFormat {
    /// `.json`: the whole [`PanelsFile`], pretty-printed.
    Json,
    /// `.csv`: one row per (application, expert).
    Csv,
    /// `.xlsx`: the workbook `panels solve --out x.xlsx` writes (read back
    /// with [`crate::workbooks::xlsx::read_panels_xlsx`]).
    Xlsx,
}

impl PanelsFormat {
    /// The format a file name asks for (`.json`, `.csv` or `.xlsx`, any
    /// letter case).
    pub fn from_path(path: &Path) -> Option<PanelsFormat> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "json" => Some(PanelsFormat::Json),
            "csv" => Some(PanelsFormat::Csv),
            "xlsx" => Some(PanelsFormat::Xlsx),
            _ => None,
        }
    }
}

/// Writes a panels file atomically: `.json` as pretty JSON (SPEC.md
/// "Outputs"), `.csv` as one row per (application, expert) with columns
/// [`PANELS_CSV_COLUMNS`] (`score` only when the panels carry scores; the
/// cities and programmes come from `inst`). Each panel names its
/// application's programme, when it has one (SPEC "Programmes"). Any other
/// extension is an error.
///
/// # Errors
/// Unknown extension; a non-finite number; a panel naming an application or
/// expert `inst` does not have (CSV only, where cities are looked up);
/// `scores` not aligned with `experts`; file system errors.
pub fn write_panels(path: &Path, panels: &PanelsFile, inst: &Instance) -> Result<(), WriteError> {
    let format = PanelsFormat::from_path(path).ok_or_else(|| WriteError::UnknownFormat {
        path: path.to_path_buf(),
    })?;
    let mut out = crate::Outputs::new();
    out.file(path, &panels_bytes(path, panels, inst, format)?)?;
    out.commit()
}

/// `panels` with each panel naming its application's programme (none
/// for an application without one, or not in `inst`), or `None` when
/// every panel names it already: then nothing is copied (a solve's panels
/// come named, and their certificate is large). `with_programme`: some
/// application of `inst` has a programme.
fn programmes_named(
    panels: &PanelsFile,
    inst: &Instance,
    with_programme: bool,
) -> Option<PanelsFile> {
    if !with_programme && panels.panels.iter().all(|p| p.programme.is_none()) {
        return None;
    }
    // Panels mostly stand in the instance's order (a solve's do); the
    // index is made for the first that does not.
    let apps = std::cell::OnceCell::new();
    let name = |i: usize, p: &PanelRecord| {
        let a = match inst.applications.get(i) {
            Some(a) if a.id == p.application => Some(AppIx(i as u32)),
            _ => apps
                .get_or_init(|| inst.app_index())
                .get(p.application.as_str())
                .copied(),
        };
        a.and_then(|a| inst.programme_name(a))
    };
    if panels
        .panels
        .iter()
        .enumerate()
        .all(|(i, p)| p.programme.as_deref() == name(i, p))
    {
        return None;
    }
    let mut file = panels.clone();
    for (i, p) in file.panels.iter_mut().enumerate() {
        p.programme = name(i, &panels.panels[i]).map(str::to_string);
    }
    Some(file)
}

/// The bytes [`write_panels`] would write (deterministic).
pub fn panels_bytes(
    path: &Path,
    panels: &PanelsFile,
    inst: &Instance,
    format: PanelsFormat,
) -> Result<Vec<u8>, WriteError> {
    let bad = |m: String| WriteError::unrepresentable(path, m);
    let mut numbers = vec![panels.objective];
    numbers.extend(panels.bound);
    for p in &panels.panels {
        if let Some(s) = &p.scores {
            if s.len() != p.experts.len() {
                return Err(bad(format!(
                    "panel of {}: {} scores for {} experts",
                    p.application,
                    s.len(),
                    p.experts.len()
                )));
            }
            numbers.extend(s.iter().copied());
        }
    }
    if numbers.iter().any(|x| !x.is_finite()) {
        return Err(bad(
            "a score, the objective or the bound is not finite".into()
        ));
    }
    let with_programme = inst.applications.iter().any(|a| a.programme.is_some());
    match format {
        PanelsFormat::Xlsx => crate::workbooks::xlsx::panels_xlsx_bytes(path, panels, inst),
        PanelsFormat::Json => {
            let named;
            let panels = match programmes_named(panels, inst, with_programme) {
                Some(file) => {
                    named = file;
                    &named
                }
                None => panels,
            };
            let mut bytes =
                serde_json::to_vec_pretty(panels).map_err(|e| WriteError::encode(path, e))?;
            bytes.push(b'\n');
            Ok(bytes)
        }
        PanelsFormat::Csv => {
            let with_scores = panels.panels.iter().any(|p| p.scores.is_some());
            let with_state = panels.has_state();
            let header: Vec<&str> = PANELS_CSV_COLUMNS
                .iter()
                .copied()
                .filter(|c| with_scores || *c != "score")
                .filter(|c| with_programme || *c != "programme")
                .filter(|c| with_state || *c != "state")
                .collect();
            let seat_state = |app: &str| {
                let mut words = Vec::new();
                if panels.confirmed.iter().any(|x| x == app) {
                    words.push(state_words::CONFIRMED);
                }
                if panels.locked.iter().any(|x| x == app) {
                    words.push(state_words::LOCKED);
                }
                words.join(";")
            };
            let apps = inst.app_index();
            let mut w = crate::streams::csv_safe::writer();
            let text = |s: &str| crate::streams::csv_safe::neutralise(s).into_owned();
            let cerr = |e: csv::Error| WriteError::encode(path, e);
            w.write_record(&header).map_err(cerr)?;
            let assignment = Assignment::resolve(inst, panels);
            for (r, p) in assignment.records.iter().zip(&panels.panels) {
                let a = r
                    .app
                    .ok_or_else(|| bad(format!("unknown application {:?}", p.application)))?;
                for (i, (e, ex)) in p.experts.iter().zip(&r.experts).enumerate() {
                    let ex = ex.ok_or_else(|| bad(format!("unknown expert {e:?}")))?;
                    let mut row = vec![text(&p.application), text(e)];
                    if with_scores {
                        row.push(
                            p.scores
                                .as_ref()
                                .map(|s| s[i].to_string())
                                .unwrap_or_default(),
                        );
                    }
                    row.push(text(inst.expert_city(ex)));
                    row.push(text(inst.app_city(a)));
                    if with_programme {
                        row.push(text(inst.programme_name(a).unwrap_or_default()));
                    }
                    if with_state {
                        row.push(text(&seat_state(&p.application)));
                    }
                    w.write_record(&row).map_err(cerr)?;
                }
            }
            for d in &panels.declined {
                let a = *apps
                    .get(d.application.as_str())
                    .ok_or_else(|| bad(format!("unknown application {:?}", d.application)))?;
                let ex = inst
                    .expert_by_id(&d.expert)
                    .ok_or_else(|| bad(format!("unknown expert {:?}", d.expert)))?;
                let mut row = vec![d.application.clone(), d.expert.clone()];
                if with_scores {
                    row.push(String::new());
                }
                row.push(inst.expert_city(ex).to_string());
                row.push(inst.app_city(a).to_string());
                if with_programme {
                    row.push(text(inst.programme_name(a).unwrap_or_default()));
                }
                row.push(state_words::DECLINED.to_string());
                w.write_record(&row).map_err(cerr)?;
            }
            for id in &panels.withdrawn {
                let ex = inst
                    .expert_by_id(id)
                    .ok_or_else(|| bad(format!("unknown expert {id:?}")))?;
                let mut row = vec![String::new(), id.clone()];
                if with_scores {
                    row.push(String::new());
                }
                row.push(inst.expert_city(ex).to_string());
                row.push(String::new());
                if with_programme {
                    row.push(String::new());
                }
                row.push(state_words::WITHDRAWN.to_string());
                w.write_record(&row).map_err(cerr)?;
            }
            w.into_inner().map_err(|e| bad(e.to_string()))
        }
    }
}

/// Reads a panels file written by [`write_panels`] (or by hand), by
/// extension, its ids in their normal form (SPEC.md "Names as offices
/// type them"; see [`PanelsFile::normalize_ids`]). Checking ids against
/// an instance is `verify`'s job, not this.
///
/// A CSV file carries no status or objective: they read as `status: ""`
/// ([`STATUS_NOT_RECORDED`]: `verify` says "not recorded"
/// and judges only the rules and the listed scores) and `objective` = the
/// sum of the scores (0 without a `score` column). A `state` column gives
/// the round's state ([`state_words`]). Rows of one application form its panel, in row order; a panel's
/// `scores` are set only when every row of it has a score. `expert_city`
/// and `application_city` are informative and not read back.
pub fn read_panels(path: &Path) -> Result<PanelsFile, LoadError> {
    read_panels_noted(path).map(|(file, _)| file)
}

/// [`read_panels`], with the notes for stderr: one line naming the ids
/// that were not in their normal form ([`PanelsFile::normalize_ids`]),
/// and for a workbook its hidden sheets and the hidden rows that hold a
/// value (read like the rest).
///
/// # Errors
/// As [`read_panels`].
pub fn read_panels_noted(path: &Path) -> Result<(PanelsFile, Vec<String>), LoadError> {
    let format = PanelsFormat::from_path(path).ok_or_else(|| {
        LoadError::new(
            path,
            "unknown panels file format (expected a .json, .csv or .xlsx file name)",
        )
    })?;
    let bytes = crate::streams::read_file(path)?;
    let mut file = read_raw(path, &bytes, format)?;
    let mut notes: Vec<String> = ids_note(path, &file.normalize_ids()).into_iter().collect();
    if format == PanelsFormat::Xlsx {
        notes.extend(crate::workbooks::xlsx::hidden_notes(path, &bytes));
    }
    Ok((file, notes))
}

/// The note for ids read in another spelling than their normal form.
fn ids_note(path: &Path, changed: &[(String, String)]) -> Option<String> {
    const SHOWN: usize = 5;
    if changed.is_empty() {
        return None;
    }
    let list: Vec<String> = changed
        .iter()
        .take(SHOWN)
        .map(|(old, new)| format!("{:?} as {new:?}", old))
        .collect();
    let more = match changed.len().saturating_sub(SHOWN) {
        0 => String::new(),
        n => format!(" and {n} more"),
    };
    Some(format!(
        "note: {}: {} id(s) read without their extra spaces, zero-width or full-width characters: {}{more}",
        path.display(),
        changed.len(),
        list.join(", ")
    ))
}

/// Reads a panels file for `inst`: as [`read_panels`], and a workbook's
/// panels (grouped there by the applicants' city) are put back in the
/// instance's order of applications (unknown ids last, as listed).
///
/// # Errors
/// As [`read_panels`].
pub fn read_panels_for(path: &Path, inst: &Instance) -> Result<PanelsFile, LoadError> {
    read_panels_for_noted(path, inst).map(|(file, _)| file)
}

/// [`read_panels_for`], with the notes of [`read_panels_noted`].
///
/// # Errors
/// As [`read_panels`].
pub fn read_panels_for_noted(
    path: &Path,
    inst: &Instance,
) -> Result<(PanelsFile, Vec<String>), LoadError> {
    let (mut file, notes) = read_panels_noted(path)?;
    if PanelsFormat::from_path(path) == Some(PanelsFormat::Xlsx) {
        let apps = inst.app_index();
        file.panels.sort_by_key(|p| {
            apps.get(p.application.as_str())
                .map_or(usize::MAX, |a| a.ix())
        });
    }
    Ok((file, notes))
}

/// Reads a panels file from bytes; `name` names the file in messages.
/// Ids are put in their normal form ([`PanelsFile::normalize_ids`]).
pub fn read_panels_from_bytes(
    name: &Path,
    bytes: &[u8],
    format: PanelsFormat,
) -> Result<PanelsFile, LoadError> {
    let mut file = read_raw(name, bytes, format)?;
    file.normalize_ids();
    Ok(file)
}

/// A panels file as written, ids untouched.
fn read_raw(name: &Path, bytes: &[u8], format: PanelsFormat) -> Result<PanelsFile, LoadError> {
    match format {
        PanelsFormat::Json => {
            let text = text_of(name, bytes)?;
            // A key given twice (a panel's `experts`, a certificate's
            // dual) is refused, as in every JSON input.
            let mut file: PanelsFile =
                crate::streams::strict::from_str_unique(text).map_err(|e| json_error(name, &e))?;
            file.given.objective = objective_key(text);
            Ok(file)
        }
        PanelsFormat::Csv => read_panels_csv(name, bytes),
        PanelsFormat::Xlsx => crate::workbooks::xlsx::read_panels_xlsx(name, bytes),
    }
}

/// True when the top-level object of a panels JSON text (already read
/// whole) has an `objective` key.
fn objective_key(text: &str) -> bool {
    #[derive(Deserialize)]
    struct Keys {
        objective: Option<serde::de::IgnoredAny>,
    }
    serde_json::from_str::<Keys>(text).is_ok_and(|k| k.objective.is_some())
}

fn read_panels_csv(name: &Path, bytes: &[u8]) -> Result<PanelsFile, LoadError> {
    let file: Arc<Path> = Arc::from(name);
    let mut errs = Errs::default();
    let mut panels: Vec<PanelRecord> = Vec::new();
    let mut complete: Vec<bool> = Vec::new();
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    let mut total = 0.0;
    let (mut declined, mut withdrawn, mut confirmed, mut locked) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    // Per application, its seat rows: where each is, and whether it says
    // confirmed and locked (a panel is marked as a whole).
    let mut marks: BTreeMap<String, Vec<(crate::instances::records::Origin, bool, bool)>> =
        BTreeMap::new();
    read_table(
        &file,
        TableInput::Bytes(bytes),
        crate::instances::office::TableKind::PanelsCsv,
        &mut errs,
        |mut r, rec| {
            let words = r.text(rec, "state").unwrap_or_default().to_lowercase();
            let words: Vec<&str> = words
                .split([';', ',', '；', '、', ' '])
                .map(str::trim)
                .filter(|w| !w.is_empty())
                .collect();
            if words.contains(&state_words::WITHDRAWN) {
                let expert = r.required(rec, "expert");
                if !expert.is_empty() {
                    withdrawn.push(expert);
                }
                return;
            }
            let application = r.required(rec, "application");
            let expert = r.required(rec, "expert");
            if let Some(w) = words.iter().find(|w| {
                ![
                    state_words::CONFIRMED,
                    state_words::LOCKED,
                    state_words::DECLINED,
                ]
                .contains(w)
            }) {
                r.error(
                    "state",
                    format!("{w:?} is not a state (confirmed, locked, declined or withdrawn)"),
                );
                return;
            }
            if words.contains(&state_words::DECLINED) {
                if !application.is_empty() && !expert.is_empty() {
                    declined.push(DeclinedPair {
                        application,
                        expert,
                    });
                }
                return;
            }
            let (is_confirmed, is_locked) = (
                words.contains(&state_words::CONFIRMED),
                words.contains(&state_words::LOCKED),
            );
            if is_confirmed && !confirmed.contains(&application) {
                confirmed.push(application.clone());
            }
            if is_locked && !locked.contains(&application) {
                locked.push(application.clone());
            }
            if !application.is_empty() {
                marks.entry(application.clone()).or_default().push((
                    r.at.clone(),
                    is_confirmed,
                    is_locked,
                ));
            }
            let score = if crate::instances::records::is_blank(rec.cell("score")) {
                None
            } else {
                r.number(rec, "score")
            };
            if application.is_empty() || expert.is_empty() {
                return;
            }
            let i = *index.entry(application.clone()).or_insert_with(|| {
                panels.push(PanelRecord {
                    application,
                    programme: None,
                    experts: Vec::new(),
                    scores: Some(Vec::new()),
                });
                complete.push(true);
                panels.len() - 1
            });
            panels[i].experts.push(expert);
            match score {
                Some(s) => {
                    total += s;
                    if let Some(v) = panels[i].scores.as_mut() {
                        v.push(s);
                    }
                }
                None => complete[i] = false,
            }
        },
    );
    for (application, rows) in &marks {
        for (word, at) in [(state_words::CONFIRMED, 1), (state_words::LOCKED, 2)] {
            let marked = |row: &(crate::instances::records::Origin, bool, bool)| {
                if at == 1 {
                    row.1
                } else {
                    row.2
                }
            };
            let Some(first_marked) = rows.iter().find(|row| marked(row)) else {
                continue;
            };
            if let Some(unmarked) = rows.iter().find(|row| !marked(row)) {
                errs.push(unmarked.0.error(
                    Some("state"),
                    format!(
                        "the panel of {application} is marked {word} on {} but not on this row; \
                         a panel is {word} as a whole: write {word} on every seat row of it, or on none",
                        first_marked.0.short()
                    ),
                ));
            }
        }
    }
    if let Err(e) = errs.finish(Some(())) {
        return Err(e.first().clone());
    }
    for (p, ok) in panels.iter_mut().zip(&complete) {
        if !ok {
            p.scores = None;
        }
    }
    Ok(PanelsFile {
        status: STATUS_NOT_RECORDED.into(),
        objective: total,
        declined,
        withdrawn,
        confirmed,
        locked,
        bound: None,
        panels,
        solver: None,
        seed: None,
        input_sha256: None,
        certificate: None,
        stats: None,
        ..Default::default()
    })
}

#[cfg(test)]
mod marks_tests {
    use super::*;

    fn read(csv: &str) -> Result<PanelsFile, LoadError> {
        read_panels_from_bytes(Path::new("p.csv"), csv.as_bytes(), PanelsFormat::Csv)
    }

    #[test]
    fn a_panel_is_confirmed_or_locked_as_a_whole() {
        let whole = "application,expert,score,state\nA1,E1,0.5,confirmed\nA1,E2,0.5,confirmed\nA2,E3,0.5,\n";
        let f = read(whole).unwrap();
        assert_eq!(f.confirmed, ["A1"]);
        for (half, row) in [
            (
                "application,expert,score,state\nA1,E1,0.5,confirmed\nA1,E2,0.5,\n",
                "row 3",
            ),
            (
                "application,expert,score,state\nA1,E1,0.5,\nA1,E2,0.5,locked\n",
                "row 2",
            ),
            (
                "application,expert,score,state\nA1,E1,0.5,confirmed;locked\nA1,E2,0.5,confirmed\n",
                "row 3",
            ),
        ] {
            let err = read(half).expect_err(half).to_string();
            assert!(err.contains("a panel is"), "{err}");
            assert!(err.contains(row), "{half}: {err}");
            assert!(err.contains("A1"), "{err}");
        }
        // A declined row is not a seat: it need not carry the panel's mark.
        let declined = "application,expert,score,state\nA1,E1,0.5,confirmed\nA1,E9,,declined\nA1,E2,0.5,confirmed\n";
        assert_eq!(read(declined).unwrap().confirmed, ["A1"]);
    }
}

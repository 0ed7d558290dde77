//! One library call per console action, over the files of one round.
//!
//! Every page and API handler calls exactly one function here; each does
//! what the matching CLI command does (same library calls, same bytes
//! written through the same atomic writers), on paths inside the round's
//! folder. Labels written into logs and reports are the file names inside
//! that folder, so `panels` run in the folder on the same files writes the
//! same bytes.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;

use crate::eligibility::Eligibility;
use crate::io::panels::PanelsFile;
use crate::io::LoadErrors;
use crate::model::{AppIx, ExpertIx, Instance};
use crate::solve::{self, Method, SolveError};

/// What kind of failure, with the CLI's exit code for the same failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// Bad input (CLI exit 2): HTTP 400.
    BadInput,
    /// The rules admit no assignment (exit 3): HTTP 422.
    Infeasible,
    /// Anything else (exit 4): HTTP 500.
    Other,
    /// No such round, step or file: HTTP 404.
    NotFound,
    /// A job or another request holds the round: HTTP 409.
    Busy,
    /// No valid token or session: HTTP 401.
    Unauthorized,
    /// A form or request from another site, or without its CSRF token:
    /// HTTP 403.
    Forbidden,
    /// The upload is larger than the server takes: HTTP 413.
    TooLarge,
    /// Not in this build: HTTP 501.
    NotAvailable,
    /// A method the path does not take (GET on an action): HTTP 405.
    WrongMethod,
}

impl ErrorKind {
    /// The CLI's exit code for this kind.
    pub fn exit_code(self) -> u8 {
        match self {
            ErrorKind::BadInput
            | ErrorKind::NotFound
            | ErrorKind::TooLarge
            | ErrorKind::WrongMethod => 2,
            ErrorKind::Infeasible => 3,
            ErrorKind::Other
            | ErrorKind::Busy
            | ErrorKind::Unauthorized
            | ErrorKind::Forbidden
            | ErrorKind::NotAvailable => 4,
        }
    }
}

/// One load problem as data: file, location, field and the message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Problem {
    /// The file (or, in a workbook, `file` as the loader names it).
    pub file: String,
    /// Where: `row 17 (id E0017)`, `line 3 column 5`, `experts[2]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// The same in Chinese (`第 17 行（编号 E0017）`, `工作表 专家 第 3 行`),
    /// which Chinese pages show.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_zh: Option<String>,
    /// Spreadsheet row (header = row 1), when the problem is on a row.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row: Option<u64>,
    /// The field (column header).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Where the field is in a table, as the office sees it: column
    /// letter and header (`column H "评审上限"`), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    /// The same in Chinese (`H 列“评审上限”`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column_zh: Option<String>,
    /// What is wrong and what to change.
    pub message: String,
    /// The same in Chinese, for the kinds of problem worded in every
    /// language ([`crate::io::Said`]: missing columns and sheets, ids,
    /// numbers, choices, unknown keys, encodings …), which Chinese pages
    /// show.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_zh: Option<String>,
    /// The whole line as the CLI prints it.
    pub text: String,
}

/// Why an action produced nothing; nothing was written.
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct ActionError {
    /// The kind (and exit code).
    pub kind: ErrorKind,
    /// What the CLI would print.
    pub message: String,
    /// The same in Chinese, for the console's own messages (a stale
    /// form, a busy round, nothing to do, …), which Chinese pages show;
    /// the library's messages (the loader's, the solver's) are the CLI's
    /// words and have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_zh: Option<String>,
    /// The CLI's exit code for the same failure.
    pub exit_code: u8,
    /// Every load problem, when the input did not load.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<Problem>,
    /// How many load problems there were in all (more than listed when
    /// the loader stopped keeping them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_problems: Option<usize>,
}

impl ActionError {
    /// An error of `kind` with `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> ActionError {
        ActionError {
            kind,
            message: message.into(),
            message_zh: None,
            exit_code: kind.exit_code(),
            problems: Vec::new(),
            total_problems: None,
        }
    }

    /// The error with its message in Chinese too ([`Self::message_zh`]).
    #[must_use]
    pub fn zh(mut self, message: impl Into<String>) -> ActionError {
        self.message_zh = Some(message.into());
        self
    }

    /// The error with `f` applied to every text it shows (the messages,
    /// and each problem's file, place and texts), e.g. to name files as
    /// in the data folder.
    #[must_use]
    pub fn map_text(mut self, f: &dyn Fn(&str) -> String) -> ActionError {
        self.message = f(&self.message);
        self.message_zh = self.message_zh.as_deref().map(f);
        for p in &mut self.problems {
            p.file = f(&p.file);
            p.location = p.location.as_deref().map(f);
            p.location_zh = p.location_zh.as_deref().map(f);
            p.message = f(&p.message);
            p.message_zh = p.message_zh.as_deref().map(f);
            p.text = f(&p.text);
        }
        self
    }

    /// Bad input.
    pub fn bad(message: impl Into<String>) -> ActionError {
        ActionError::new(ErrorKind::BadInput, message)
    }

    /// Anything else.
    pub fn other(message: impl Into<String>) -> ActionError {
        ActionError::new(ErrorKind::Other, message)
    }

    /// The load problems of an input that did not load.
    pub fn load(errors: &LoadErrors) -> ActionError {
        let problems = errors.iter().map(problem).collect();
        ActionError {
            problems,
            total_problems: Some(errors.total()),
            ..ActionError::bad(errors.to_string())
        }
    }
}

fn problem(e: &crate::io::LoadError) -> Problem {
    use crate::io::office::Lang;
    Problem {
        file: e.file().display().to_string(),
        location: e.location().map(|l| l.to_string()),
        location_zh: e.location().map(|l| l.text(Lang::Zh)),
        row: e.location().and_then(crate::io::Location::table_row),
        field: e.field().map(str::to_string),
        column: e.column(),
        column_zh: e.column_in(Lang::Zh),
        message: e.message().to_string(),
        message_zh: e.kind().map(|s| s.text(Lang::Zh)),
        text: e.to_string(),
    }
}

/// An infeasible round: the explanation as the CLI prints it, and in
/// Chinese for Chinese pages.
fn infeasible(why: &solve::explain::Infeasibility) -> ActionError {
    ActionError::new(ErrorKind::Infeasible, why.to_string())
        .zh(why.text(crate::io::office::Lang::Zh))
}

fn write_err(e: crate::io::WriteError) -> ActionError {
    ActionError::other(e.to_string())
}

fn io_err(path: &Path, e: std::io::Error) -> ActionError {
    ActionError::other(format!("{}: {e}", path.display()))
}

// ---------------------------------------------------------------- load

/// Loads a round's input (bundle file, CSV directory or workbook) and its
/// SHA-256, as `panels solve` does.
///
/// # Errors
/// Every load problem, as data ([`ActionError::load`]).
pub fn load_round(input: &Path) -> Result<LoadedRound, ActionError> {
    load_round_noted(input).map(|(loaded, _)| loaded)
}

/// Like [`load_round`], with the load's notes (the notes `panels solve`
/// prints on stderr).
///
/// # Errors
/// As [`load_round`].
pub fn load_round_noted(input: &Path) -> Result<(LoadedRound, Vec<crate::io::Note>), ActionError> {
    let l = crate::io::load_instance_noted(input, &|_| {}).map_err(|e| ActionError::load(&e))?;
    Ok(((l.instance, l.sha256, l.lang), l.said))
}

/// A round's instance as loaded: the instance, its input hash
/// (`input_sha256`) and the language of its sheet and column names (the
/// CLI's default for outputs).
pub type LoadedRound = (Instance, String, crate::io::office::Lang);

// ---------------------------------------------------------------- solve

/// What a solve is asked for (the flags of `panels solve`).
#[derive(Clone, Debug, Default)]
pub struct SolveParams {
    /// `--method`.
    pub method: Method,
    /// `--time-limit` in seconds.
    pub time_limit: Option<f64>,
    /// `--candidates`.
    pub candidates: solve::pricing::CandidateChoice,
}

/// A solve's time limit in seconds as a duration, by the library's one
/// rule ([`solve::time_limit`], which `panels solve --time-limit` calls
/// too): above 0 and at most [`solve::MAX_TIME_LIMIT_SECONDS`].
///
/// # Errors
/// Any other number, named (bad input).
pub fn time_limit(seconds: Option<f64>) -> Result<Option<Duration>, ActionError> {
    seconds.map(solve::time_limit).transpose().map_err(|e| {
        ActionError::bad(format!("time_limit {e}")).zh(format!(
            "时间上限 {}：应为大于 0、不超过 {} 的秒数",
            e.0,
            solve::MAX_TIME_LIMIT_SECONDS
        ))
    })
}

/// Solves the round and writes the panels file to `out` (as `panels solve
/// INPUT --out out`).
///
/// # Errors
/// Bad parameters or rules the method cannot hold (bad input), an
/// infeasible round, or a failed write.
pub fn solve(
    inst: &Instance,
    hash: &str,
    params: &SolveParams,
    progress: solve::progress::Progress,
    out: &Path,
) -> Result<PanelsFile, ActionError> {
    let time_limit = time_limit(params.time_limit)?;
    let began = std::time::Instant::now();
    let elig = Eligibility::compute(inst);
    let opts = solve::SolveOptions {
        method: params.method,
        time_limit,
        // The limit covers the whole solve, the eligibility included.
        started: Some(began),
        candidates: params.candidates,
        progress,
        ..Default::default()
    };
    let solved = solve::solve_with(inst, &elig, &opts).map_err(|e| match e {
        SolveError::Infeasible(why) => infeasible(&why),
        SolveError::CrossingRules(why) => ActionError::bad(why.to_string()),
        SolveError::NotLaminar(e) => {
            ActionError::bad(format!("{e}; use the method mip on small instances"))
        }
        other => ActionError::other(other.to_string()),
    })?;
    let file = crate::solve::panels_file(inst, &elig, &solved, hash.to_string());
    crate::io::write_panels(out, &file, inst).map_err(write_err)?;
    Ok(file)
}

// ---------------------------------------------------------------- draw

/// What a draw is asked for.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DrawParams {
    /// The seed (default: the policy's).
    pub seed: Option<u64>,
    /// Overrides the policy's `max_probability` for this draw.
    pub max_probability: Option<f64>,
}

/// The outcome of a draw.
#[derive(Clone, Debug)]
pub struct DrawnRound {
    /// The panels written.
    pub panels: PanelsFile,
    /// The seed used.
    pub seed: u64,
    /// The cap used.
    pub max_probability: f64,
    /// The expected and optimum objective.
    pub expected_objective: f64,
    /// The optimum without the cap.
    pub optimum_objective: f64,
}

/// Draws panels and writes them and the audit log (as `panels draw INPUT
/// --seed S --out out --log log`, the log naming the input `label`).
///
/// # Errors
/// As `panels draw`.
pub fn draw(
    inst: &Instance,
    hash: &str,
    label: &str,
    params: &DrawParams,
    out: &Path,
    log: &Path,
) -> Result<DrawnRound, ActionError> {
    if let Some(p) = params.max_probability {
        if !(p > 0.0 && p <= 1.0) {
            return Err(ActionError::bad(format!(
                "max_probability {p}: a probability cap must lie in (0, 1], e.g. 0.5"
            ))
            .zh(format!("每对最大概率 {p}：应大于 0 且不超过 1，例如 0.5")));
        }
    }
    let seed = params.seed.unwrap_or(inst.policy.seed);
    let (cap, source) =
        crate::draw::resolve_cap(params.max_probability, inst.policy.max_probability);
    let elig = Eligibility::compute(inst);
    let drawn = crate::draw::draw_capped(inst, &elig, seed, cap).map_err(draw_err)?;
    let output = crate::draw::draw_output(inst, &elig, &drawn, label, hash, seed, source);
    verified(inst, &output.panels, "draw")?;
    let mut staged = crate::io::Outputs::new();
    staged.file(log, &output.log_bytes).map_err(write_err)?;
    crate::io::stage_panels(&mut staged, out, &output.panels, inst).map_err(write_err)?;
    staged.commit().map_err(write_err)?;
    Ok(DrawnRound {
        seed,
        max_probability: output.log.max_probability,
        expected_objective: output.log.expected_objective,
        optimum_objective: output.log.optimum_objective,
        panels: output.panels,
    })
}

fn draw_err(e: crate::draw::DrawError) -> ActionError {
    use crate::draw::DrawError;
    match e {
        DrawError::Infeasible(why) => infeasible(&why),
        DrawError::CapTooLow(why) => ActionError::new(ErrorKind::Infeasible, why.to_string())
            .zh(why.text(crate::io::office::Lang::Zh)),
        DrawError::NotLaminar(n) => {
            ActionError::bad(format!("{n}; the draw needs rules that nest"))
        }
        DrawError::BadDecline(m) => ActionError::bad(m),
        e @ DrawError::CrossingRules(_) => ActionError::bad(e.to_string()),
        other => ActionError::other(other.to_string()),
    }
}

/// Refuses to write what `verify` rejects (never expected: a bug).
fn verified(inst: &Instance, file: &PanelsFile, what: &str) -> Result<(), ActionError> {
    let report = crate::verify::verify(inst, file);
    if report.is_ok() {
        Ok(())
    } else {
        Err(ActionError::other(format!(
            "internal error: the {what} failed verification; nothing written\n{}",
            report.render(inst)
        )))
    }
}

// ---------------------------------------------------------------- replace

/// Pairs marked on the panels page or sent to the API, as
/// `APPLICATION:EXPERT`.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Marks {
    /// Experts who declined a panel (replaced, never drawn again there).
    #[serde(default)]
    pub decline: Vec<String>,
    /// Experts withdrawn from every panel of the round (expert ids).
    #[serde(default)]
    pub withdraw: Vec<String>,
    /// Applications whose panels are locked: no replacement changes them
    /// (application ids; `APPLICATION:EXPERT` locks that application).
    #[serde(default)]
    pub lock: Vec<String>,
    /// Lock every panel the panels file marks confirmed.
    #[serde(default)]
    pub lock_confirmed: bool,
    /// Applications whose panels are taken off the locked list:
    /// replacements may change them again (application ids;
    /// `APPLICATION:EXPERT` unlocks that application). `panels replace
    /// --unlock`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unlock: Vec<String>,
    /// Let seats other than the declined ones change (fewest changes).
    #[serde(default)]
    pub allow_moves: bool,
}

/// The outcome of a replacement.
#[derive(Clone, Debug, Serialize)]
pub struct Replacement {
    /// Declines applied.
    pub declines: usize,
    /// Pairs changed.
    pub changed_pairs: usize,
    /// Panels changed.
    pub changed_panels: usize,
    /// Objective before and after.
    pub objective_before: f64,
    /// Objective after.
    pub objective_after: f64,
    /// Notes the replacement made (as the CLI prints them on stderr).
    pub notes: Vec<String>,
    /// The panels written.
    #[serde(skip)]
    pub panels: Option<PanelsFile>,
}

/// Replaces declined experts with the fewest changes and writes the new
/// panels and the log (as `panels replace INPUT PANELS --decline … --out
/// out --log log`, the log naming the files by their labels).
///
/// # Errors
/// As `panels replace`: an unknown or unmarked pair, or a mark this build
/// cannot apply, is bad input.
#[allow(clippy::too_many_arguments)]
pub fn replace(
    inst: &Instance,
    hash: &str,
    instance_label: &str,
    panels_path: &Path,
    panels_label: &str,
    marks: &Marks,
    out: &Path,
    log: &Path,
) -> Result<Replacement, ActionError> {
    // Ids as the CLI reads them (`names::normalize`: NFKC turns a
    // full-width `：` into `:`, spaces are trimmed), so the log records
    // what `panels replace` would record for the same marks.
    let trimmed = |v: &[String]| -> Vec<String> {
        v.iter()
            .map(|x| crate::io::names::normalize(x).into_owned())
            .filter(|x| !x.is_empty())
            .collect()
    };
    // A ticked pair `A:E` names its application.
    let applications = |v: &[String]| -> Vec<String> {
        trimmed(v)
            .into_iter()
            .map(|l| match l.split_once(':') {
                Some((a, _)) => a.trim().to_string(),
                None => l,
            })
            .collect()
    };
    let mut declines = trimmed(&marks.decline);
    declines.extend(
        trimmed(&marks.withdraw)
            .into_iter()
            .map(|w| match w.split_once(':') {
                Some((_, e)) => e.trim().to_string(),
                None => w,
            }),
    );
    let mut asked = crate::draw::ReplaceAsked {
        instance: instance_label.to_string(),
        panels_file: panels_label.to_string(),
        declines,
        lock: applications(&marks.lock),
        unlock: applications(&marks.unlock),
        lock_confirmed: marks.lock_confirmed,
        allow_moves: marks.allow_moves,
        ..Default::default()
    };
    if asked.declines.is_empty()
        && asked.lock.is_empty()
        && asked.unlock.is_empty()
        && !asked.lock_confirmed
    {
        return Err(ActionError::bad(
            "nothing to do: mark a declined pair APPLICATION:EXPERT, an EXPERT who withdraws, or a panel to lock or unlock",
        )
        .zh("没有要做的操作：请标记拒绝参加的配对（申请编号:专家编号）、退出本轮的专家，或要锁定或解除锁定的评审组"));
    }
    let file = read_panels(inst, panels_path)?;
    asked.input_sha256 = hash.to_string();
    asked.panels_sha256 =
        crate::io::instance_sha256(panels_path).map_err(|e| ActionError::bad(e.to_string()))?;
    let mut notes = Vec::new();
    let check = |input: &crate::draw::ReplaceInput<'_>| {
        crate::verify::check_replace_input(
            input.instance,
            input.file,
            &input.kept,
            instance_label,
            panels_label,
        )
    };
    let done = crate::draw::replace_file(inst, &file, panels_path, &asked, &check, &mut |m| {
        notes.push(m.to_string())
    })
    .map_err(|e| match e {
        crate::draw::ReplaceFileError::Panels(m) => {
            ActionError::bad(format!("{panels_label}: {m}"))
        }
        crate::draw::ReplaceFileError::Asked(m) | crate::draw::ReplaceFileError::BrokenInput(m) => {
            ActionError::bad(m)
        }
        crate::draw::ReplaceFileError::Draw(e) => draw_err(e),
    })?;
    let (state, replaced, new_file, rlog, log_bytes) = (
        done.state,
        done.replaced,
        done.file,
        done.log,
        done.log_bytes,
    );
    verified(inst, &new_file, "replacement")?;
    let mut staged = crate::io::Outputs::new();
    staged.file(log, &log_bytes).map_err(write_err)?;
    crate::io::stage_panels(&mut staged, out, &new_file, inst).map_err(write_err)?;
    staged.commit().map_err(write_err)?;
    Ok(Replacement {
        declines: state.declined.len(),
        changed_pairs: replaced.changed_pairs(),
        changed_panels: replaced.changes.len(),
        objective_before: rlog.objective_before,
        objective_after: rlog.objective_after,
        notes,
        panels: Some(new_file),
    })
}

/// `APPLICATION:EXPERT` pairs, resolved; repeats dropped.
pub fn parse_pairs(
    inst: &Instance,
    pairs: &[String],
    what: &str,
) -> Result<Vec<(AppIx, ExpertIx)>, ActionError> {
    let mut out = Vec::new();
    for d in pairs {
        let (app, ex) = d.split_once(':').ok_or_else(|| {
            ActionError::bad(format!(
                "{what} {d}: expected APPLICATION:EXPERT, e.g. A017:E0420"
            ))
        })?;
        let a = inst
            .app_by_id(app.trim())
            .ok_or_else(|| ActionError::bad(format!("{what} {d}: no application with id {app}")))?;
        let e = inst
            .expert_by_id(ex.trim())
            .ok_or_else(|| ActionError::bad(format!("{what} {d}: no expert with id {ex}")))?;
        if !out.contains(&(a, e)) {
            out.push((a, e));
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------- report and export

/// Writes the fairness report of a panels file to `out` (.html or .md),
/// as `panels report INPUT PANELS [--log LOG] --out out`; `log` is a
/// draw's or a replacement's log (its path and the label the report
/// names it by).
///
/// # Errors
/// A panels file that does not read, or a failed write.
#[allow(clippy::too_many_arguments)]
pub fn report(
    inst: &Instance,
    hash: &str,
    instance_label: &str,
    input_is_file: bool,
    panels_path: &Path,
    panels_label: &str,
    log: Option<(PathBuf, &str)>,
    out: &Path,
) -> Result<(), ActionError> {
    let format = crate::report::ReportFormat::from_path(out)
        .ok_or_else(|| ActionError::bad("a report is .html, .md or .json"))?;
    let panels = read_panels(inst, panels_path)?;
    let panels_bytes = std::fs::read(panels_path).map_err(|e| io_err(panels_path, e))?;
    let opts = crate::report::ReportOptions {
        instance_label: instance_label.to_string(),
        panels_label: panels_label.to_string(),
        report_label: out
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
        input_sha256: Some(hash.to_string()),
        panels_sha256: Some(sha256_hex(&panels_bytes)),
        input_is_file,
        draw_log: match log {
            Some((path, label)) => Some(crate::report::DrawLogInput {
                label: label.to_string(),
                bytes: std::fs::read(&path).map_err(|e| io_err(&path, e))?,
            }),
            None => None,
        },
        ..Default::default()
    };
    let figures = crate::report::figures(inst, &panels, &opts);
    let text = crate::report::render(&figures, format);
    let mut staged = crate::io::Outputs::new();
    staged.file(out, text.as_bytes()).map_err(write_err)?;
    staged.commit().map_err(write_err)
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Writes panels as `.xlsx`/`.csv`/`.json`, or anonymised for the
/// applicants, as `panels export INPUT PANELS --out out [--anonymous]`
/// (a workbook's sheet names and headers in `lang`, the CLI's default
/// being the input's language).
///
/// # Errors
/// Panels that break a rule are not exported (bad input here; the CLI
/// prints the violations and exits 1).
pub fn export(
    inst: &Instance,
    hash: &str,
    panels_path: &Path,
    out: &Path,
    anonymous: bool,
    lang: crate::io::office::Lang,
) -> Result<(), ActionError> {
    let panels = crate::io::read_panels_for(panels_path, inst)
        .map_err(|e| ActionError::bad(e.to_string()))?;
    let report = crate::verify::verify(inst, &panels);
    if !report.is_ok() {
        return Err(ActionError::bad(format!(
            "{}the panels break the rules above; nothing exported",
            report.render(inst)
        )));
    }
    if anonymous {
        let table = crate::report::anonymous::anonymous_table(inst, &panels, hash, lang);
        let bytes = if crate::io::xlsx::is_xlsx(out) {
            crate::io::xlsx::tables_xlsx_bytes(out, std::slice::from_ref(&table))
                .map_err(write_err)?
        } else {
            crate::report::anonymous::table_csv_bytes(out, &table).map_err(write_err)?
        };
        crate::io::write_atomic(out, &bytes).map_err(|e| io_err(out, e))
    } else {
        let mut staged = crate::io::Outputs::new();
        crate::io::stage_panels_in(&mut staged, out, &panels, inst, lang).map_err(write_err)?;
        staged.commit().map_err(write_err)
    }
}

/// Reads a panels file (.json, .csv or .xlsx) against the instance.
///
/// # Errors
/// The file does not read, or names unknown ids.
pub fn read_panels(inst: &Instance, path: &Path) -> Result<PanelsFile, ActionError> {
    crate::io::read_panels_for(path, inst).map_err(|e| ActionError::bad(e.to_string()))
}

/// Reads a panels file of the round and re-checks it against every rule
/// (as `panels verify`): the report's text and whether it holds.
///
/// # Errors
/// A panels file that does not read.
pub fn verify(inst: &Instance, panels_path: &Path) -> Result<(bool, String), ActionError> {
    let panels = crate::io::read_panels_for(panels_path, inst)
        .map_err(|e| ActionError::bad(e.to_string()))?;
    let report = crate::verify::verify(inst, &panels);
    Ok((report.is_ok(), report.render(inst)))
}

// ---------------------------------------------------------------- history and template

/// Appends a finished round to a history file (as `panels history append
/// INPUT PANELS --year Y [--round R] --replace-log LOG… --to TO`); the
/// instance comes with its input hash (replace logs of another input are
/// refused).
///
/// # Errors
/// As `panels history append`: a year other than the policy's or a round
/// already in the file is bad input; nothing is written then.
pub fn history_append(
    (inst, input_sha256): (&Instance, &str),
    panels: &Path,
    replace_logs: &[std::path::PathBuf],
    year: i32,
    round: Option<&str>,
    to: &Path,
) -> Result<crate::draw::history::Appended, ActionError> {
    use crate::draw::history::{append_round, AppendError, AppendRound};
    append_round(
        inst,
        &AppendRound {
            panels,
            replace_logs,
            year,
            round,
            to,
            input_sha256,
            // The console's history is a CSV file: no sheet names to choose.
            lang: crate::io::office::Lang::default(),
        },
    )
    .map_err(|e| match (&e, e.chinese()) {
        (AppendError::Other(m), _) => ActionError::other(m),
        (_, Some(zh)) => ActionError::bad(e.to_string()).zh(zh),
        (_, None) => ActionError::bad(e.to_string()),
    })
}

/// The blank workbook in `lang` (as `panels template --lang L`).
///
/// # Errors
/// A writer failure (never expected).
pub fn template(lang: crate::io::office::Lang) -> Result<Vec<u8>, ActionError> {
    crate::io::xlsx::template_xlsx_bytes(std::path::Path::new("template.xlsx"), lang)
        .map_err(write_err)
}

// ---------------------------------------------------------------- explain

/// Why an expert is or is not eligible for an application.
#[derive(Clone, Debug, Serialize)]
pub struct Explained {
    /// Eligible or not.
    pub eligible: bool,
    /// Eligible, but the expert takes no review this round (their load
    /// cap is 0: `max_reviews_per_year` reached, or `max_load` 0).
    pub no_review_left: bool,
    /// The pair's score.
    pub score: f64,
    /// The explanation as `panels explain` prints it.
    pub text: String,
    /// The same explanation in Chinese (a Chinese page shows it).
    pub text_zh: String,
}

/// Explains one pair (as `panels explain INPUT -a APP -e EXPERT`).
///
/// # Errors
/// An unknown application or expert id.
pub fn explain(inst: &Instance, application: &str, expert: &str) -> Result<Explained, ActionError> {
    let a = inst.app_by_id(application).ok_or_else(|| {
        ActionError::bad(format!("no application with id {application}"))
            .zh(format!("没有编号为 {application} 的申报项目"))
    })?;
    let e = inst.expert_by_id(expert).ok_or_else(|| {
        ActionError::bad(format!("no expert with id {expert}"))
            .zh(format!("没有编号为 {expert} 的专家"))
    })?;
    let elig = Eligibility::compute(inst);
    let verdict = elig.check(inst, a, e);
    let text = crate::eligibility::explain_text(inst, &elig, a, e, &verdict);
    let text_zh = crate::eligibility::explain_text_in(inst, &elig, a, e, &verdict, true);
    Ok(Explained {
        text_zh,
        eligible: verdict.is_eligible(),
        no_review_left: verdict.is_eligible() && crate::history::no_review_left(inst, e).is_some(),
        score: verdict.score.as_f64(),
        text,
    })
}

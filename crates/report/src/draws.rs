//! What the report shows about a drawn round (抽取), so that a reader can
//! check the draw: the cap on every pair's probability, the seed, the
//! SHA-256 of the draw log (the one `panels draw` records in the panels
//! file, and the one given to the report with `--log`), and whether the
//! log given is this file's draw — the same panels, seed and input.
//!
//! The report does not draw again: `panels draw --replay LOG INSTANCE`
//! recomputes the draw from its log byte for byte, and the report ties
//! the panels file to that log. A file that names `draw` as its method but
//! comes without its log says so at the top of the report, since nothing
//! in the file alone shows that its panels were drawn.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{app_named, Named, LIST_KEEP};
use crate::io::panels::{PanelRecord, PanelsFile};
use crate::model::Instance;
use crate::solve::draw::log::{LOG_FORMAT, REPLACE_FORMAT};

/// A log given to the report (`panels report --log LOG`): a draw log, or
/// a replacement's log ([`crate::replaces`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DrawLogInput {
    /// How it is named in the report (its path as given).
    pub label: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// The draw figures of a report (`draw` in the figures; absent when the
/// file names no draw, records no draw log and no log is given).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DrawFigures {
    /// True when the panels file names `draw` as its method (`solver`).
    pub claimed: bool,
    /// The seed the panels file records.
    pub seed: Option<u64>,
    /// The cap on every pair's probability: the log's when a log is given,
    /// else what the panels file records (`stats.max_probability`).
    pub max_probability: Option<f64>,
    /// Where the cap came from: `flag` (`--max-probability`), `policy` or
    /// `default` (the log says), or `panels` (only the panels file's
    /// record, no log given).
    pub max_probability_from: Option<String>,
    /// The draw's expected total score (the capped LP's optimum), from the
    /// log or the panels file.
    pub expected_objective: Option<f64>,
    /// The draw log's SHA-256 the panels file records (`draw_log_sha256`).
    pub recorded_log_sha256: Option<String>,
    /// The log given to the report, compared with the file and the round.
    pub log: Option<LogFigures>,
}

/// A draw log given to the report, compared with the panels file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LogFigures {
    /// The log as named on the command line.
    pub file: String,
    /// SHA-256 of its bytes.
    pub sha256: String,
    /// Why it cannot be read as a draw log (then nothing else is known).
    pub problem: Option<String>,
    /// The seed it records.
    pub seed: Option<u64>,
    /// The input SHA-256 it records.
    pub input_sha256: Option<String>,
    /// Applications whose panel in the file is not the log's (the members
    /// compared as sets; an application only one side lists counts).
    pub panels_differ: usize,
    /// The first [`LIST_KEEP`] of them (instance order, then ids the
    /// instance does not know).
    pub differing: Vec<Named>,
}

impl LogFigures {
    /// True when the log was read and names other panels, another seed
    /// or another input than the file and the round (`input` is the
    /// round's SHA-256, when known), or another hash than the file records.
    pub fn differs(&self, draw: &DrawFigures, input: Option<&str>) -> bool {
        self.problem.is_some()
            || self.panels_differ > 0
            || self.seed != draw.seed
            || matches!((input, &self.input_sha256), (Some(a), Some(b)) if !a.eq_ignore_ascii_case(b))
            || draw
                .recorded_log_sha256
                .as_deref()
                .is_some_and(|r| !r.eq_ignore_ascii_case(&self.sha256))
    }
}

/// The fields of a draw log the report reads (the log's other fields are
/// `draw --replay`'s business).
#[derive(Deserialize)]
struct LogView {
    seed: u64,
    input_sha256: String,
    max_probability: f64,
    #[serde(default)]
    max_probability_source: Option<String>,
    expected_objective: f64,
    panels: Vec<PanelRecord>,
}

/// Reads a draw log's bytes as the report needs them.
///
/// # Errors
/// A message saying why the bytes are not a draw log (`panels-draw/1`),
/// e.g. that they are a replacement's log.
fn read(bytes: &[u8]) -> Result<LogView, String> {
    let v: serde_json::Value =
        crate::io::from_slice_unique(bytes).map_err(|e| format!("not JSON: {e}"))?;
    let format = v.get("format").and_then(|f| f.as_str()).unwrap_or("");
    if format.starts_with("panels-replace") {
        return Err(format!(
            "a replacement's log of format {format:?}; --log takes the log `panels draw --log` \
             wrote ({LOG_FORMAT}) or one `panels replace --log` writes now ({REPLACE_FORMAT})"
        ));
    }
    if format != LOG_FORMAT {
        return Err(format!("format is {format:?}, expected {LOG_FORMAT:?}"));
    }
    serde_json::from_value(v).map_err(|e| format!("not a {LOG_FORMAT} log: {e}"))
}

/// Checks that bytes are a log the report can read: a draw log, or a
/// replacement's log ([`crate::replaces`]); the command line refuses any
/// other file, exit 2.
///
/// # Errors
/// Why not, as `read` says.
pub fn check_log(bytes: &[u8]) -> Result<(), String> {
    if crate::replaces::read(bytes).is_ok() {
        return Ok(());
    }
    read(bytes).map(|_| ())
}

/// True when bytes are a draw log the report can read.
pub fn is_draw_log(bytes: &[u8]) -> bool {
    read(bytes).is_ok()
}

/// The draw figures of a panels file, with the log when one is given.
/// `None` when the file names no draw, records no draw log and no log is
/// given.
pub fn draw_figures(
    inst: &Instance,
    panels: &PanelsFile,
    log: Option<&DrawLogInput>,
) -> Option<DrawFigures> {
    let claimed = panels.solver.as_deref() == Some("draw");
    if !claimed && log.is_none() && panels.draw_log_sha256.is_none() {
        return None;
    }
    let stat = |key: &str| {
        panels
            .stats
            .as_ref()
            .and_then(|s| s.get(key))
            .and_then(serde_json::Value::as_f64)
    };
    let mut f = DrawFigures {
        claimed,
        seed: panels.seed,
        max_probability: stat("max_probability"),
        max_probability_from: stat("max_probability").map(|_| "panels".to_string()),
        expected_objective: stat("expected_objective"),
        recorded_log_sha256: panels.draw_log_sha256.clone(),
        log: None,
    };
    if let Some(given) = log {
        let mut lf = LogFigures {
            file: given.label.clone(),
            sha256: crate::io::sha256_hex(&given.bytes),
            problem: None,
            seed: None,
            input_sha256: None,
            panels_differ: 0,
            differing: Vec::new(),
        };
        match read(&given.bytes) {
            Ok(view) => {
                f.max_probability = Some(view.max_probability);
                f.max_probability_from = view.max_probability_source.clone();
                f.expected_objective = Some(view.expected_objective);
                lf.seed = Some(view.seed);
                lf.input_sha256 = Some(view.input_sha256.clone());
                let (count, first) = differing(inst, &panels.panels, &view.panels);
                lf.panels_differ = count;
                lf.differing = first;
            }
            Err(problem) => lf.problem = Some(problem),
        }
        f.log = Some(lf);
    }
    Some(f)
}

/// Applications whose members differ between two lists of panels (as
/// sets; several records of one application are taken together): how
/// many, and the first [`LIST_KEEP`] (instance order, then unknown ids in
/// id order).
pub(crate) fn differing(
    inst: &Instance,
    file: &[PanelRecord],
    log: &[PanelRecord],
) -> (usize, Vec<Named>) {
    let members = |records: &[PanelRecord]| {
        let mut m: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for r in records {
            m.entry(r.application.clone())
                .or_default()
                .extend(r.experts.iter().cloned());
        }
        for v in m.values_mut() {
            v.sort_unstable();
        }
        m
    };
    let (a, b) = (members(file), members(log));
    let mut ids: Vec<&String> = a.keys().chain(b.keys()).collect();
    ids.sort_unstable();
    ids.dedup();
    let index: BTreeMap<&str, u32> = inst
        .applications
        .iter()
        .enumerate()
        .map(|(i, x)| (x.id.as_str(), i as u32))
        .collect();
    let mut known: Vec<(usize, Named)> = Vec::new();
    let mut unknown: Vec<Named> = Vec::new();
    for id in ids {
        if a.get(id) == b.get(id) {
            continue;
        }
        match index.get(id.as_str()) {
            Some(&i) => known.push((i as usize, app_named(inst, crate::model::AppIx(i)))),
            None => unknown.push(Named {
                id: id.clone(),
                name: None,
            }),
        }
    }
    known.sort_by_key(|(i, _)| *i);
    let count = known.len() + unknown.len();
    let first = known
        .into_iter()
        .map(|(_, n)| n)
        .chain(unknown)
        .take(LIST_KEEP)
        .collect();
    (count, first)
}

//! The audit logs of `panels draw` and `panels replace` (全程留痕), and the
//! panels files they come with.
//!
//! A draw log holds everything needed to check the draw afterwards: the
//! program version, the instance path as given, the input's SHA-256
//! ([`crate::io::instance_sha256`]), the seed, the policy, the cap as a
//! fraction, the cap-free optimum, the expected and drawn scores, every
//! pair's probability (pairs with `x > 0`, by application then expert in
//! input order), the panels and the ranked alternates. It holds no time
//! stamp or timing, so the same input and seed give the same bytes:
//! `panels draw --replay LOG` recomputes the draw and compares bytes.
//!
//! **Boundary:** the JSON shapes here ([`LOG_FORMAT`], [`REPLACE_FORMAT`])
//! are read by people and by replay; new fields go at the end.

use serde::{Deserialize, Serialize};

use super::alternates::alternates;
use super::replace::Replaced;
use super::Drawn;
use crate::eligibility::Eligibility;
use crate::io::panels::{PanelRecord, PanelsFile};
use crate::model::{total_as_f64, ExpertIx, Instance, Policy};

/// `format` of a draw log.
pub const LOG_FORMAT: &str = "panels-draw/1";
/// `format` of a replacement log.
pub const REPLACE_FORMAT: &str = "panels-replace/2";

/// The program and version, written into every log.
pub fn program() -> String {
    format!("panels {}", env!("CARGO_PKG_VERSION"))
}

/// The draw log (see the module docs).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DrawLog {
    /// [`LOG_FORMAT`].
    pub format: String,
    /// Program and version that drew.
    pub program: String,
    /// The instance path as given on the command line.
    pub instance: String,
    /// SHA-256 of the instance's input bytes.
    pub input_sha256: String,
    /// The seed of the draw.
    pub seed: u64,
    /// The policy in force.
    pub policy: Policy,
    /// The cap on every pair's probability, as applied (`P/D`).
    pub max_probability: f64,
    /// `D`: every probability is a multiple of `1/D`.
    pub denominator: i64,
    /// Best total score without the cap (`panels solve`): a bound on every draw.
    pub optimum_objective: f64,
    /// Expected total score of the draw: the capped LP's optimum.
    pub expected_objective: f64,
    /// Total score of the drawn panels.
    pub objective: f64,
    /// Cycles rounded by the dependent rounding.
    pub rounding_steps: usize,
    /// Probability of every pair with `x > 0`, per application.
    pub probabilities: Vec<ProbabilityRow>,
    /// The drawn panels (as in the panels file).
    pub panels: Vec<PanelRecord>,
    /// Ranked alternates per panel.
    pub alternates: Vec<AlternatesRow>,
    /// Where `max_probability` came from: `flag` (`--max-probability`),
    /// `policy`, or `default` (½; see [`super::DEFAULT_MAX_PROBABILITY`]).
    pub max_probability_source: String,
}

/// The probabilities of one application's pairs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProbabilityRow {
    /// Application id.
    pub application: String,
    /// Experts with positive probability, in input order.
    pub experts: Vec<String>,
    /// Their probabilities, aligned with `experts`.
    pub p: Vec<f64>,
}

/// The ranked alternates of one panel.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AlternatesRow {
    /// Application id.
    pub application: String,
    /// Alternates, best first.
    pub alternates: Vec<AlternateRow>,
    /// Present when fewer than the policy's `alternates` exist.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One alternate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AlternateRow {
    /// Rank, from 1.
    pub rank: u32,
    /// Expert id.
    pub expert: String,
    /// Score of the pair.
    pub score: f64,
    /// Members this alternate may replace, keeping every rule.
    pub replaces: Vec<String>,
}

/// What a draw writes: the panels file and the log with its bytes.
#[derive(Clone, Debug, PartialEq)]
pub struct DrawOutput {
    /// The panels file.
    pub panels: PanelsFile,
    /// The log.
    pub log: DrawLog,
    /// The log as written: pretty JSON and a final newline.
    pub log_bytes: Vec<u8>,
}

/// Builds the panels file and the log of a draw.
///
/// `instance` is the instance path as given, `hash` its SHA-256.
pub fn draw_output(
    inst: &Instance,
    elig: &Eligibility,
    drawn: &Drawn,
    instance: &str,
    hash: &str,
    seed: u64,
    source: super::CapSource,
) -> DrawOutput {
    let pairs = &drawn.pairs;
    let records = panel_records(inst, elig, &drawn.panels);
    let status = if drawn.objective_micro == drawn.optimum_micro {
        "optimal"
    } else {
        "feasible"
    };
    let mut panels = PanelsFile {
        status: status.to_string(),
        objective: total_as_f64(drawn.objective_micro),
        bound: Some(total_as_f64(drawn.optimum_micro)),
        panels: records.clone(),
        solver: Some("draw".to_string()),
        seed: Some(seed),
        input_sha256: Some(hash.to_string()),
        certificate: None,
        stats: Some(serde_json::json!({
            "eligible_pairs": drawn.eligible_pairs,
            "max_probability": drawn.lp.cap(),
            "expected_objective": drawn.lp.expected_objective(),
        })),
        ..Default::default()
    };
    let d = drawn.lp.denominator as f64;
    let mut probabilities: Vec<ProbabilityRow> = Vec::new();
    for m in drawn.lp.marginals() {
        let app = &inst.applications[m.app.ix()].id;
        if probabilities.last().is_none_or(|r| &r.application != app) {
            probabilities.push(ProbabilityRow {
                application: app.clone(),
                experts: Vec::new(),
                p: Vec::new(),
            });
        }
        let row = probabilities.last_mut().expect("just pushed");
        row.experts.push(inst.experts[m.expert.ix()].id.clone());
        row.p.push(m.units as f64 / d);
    }
    let wanted = inst.policy.alternates;
    let alternates = alternates(inst, pairs, &drawn.panels, wanted)
        .into_iter()
        .map(|pa| AlternatesRow {
            application: inst.applications[pa.app.ix()].id.clone(),
            note: pa.is_short().then(|| {
                format!(
                    "only {} eligible expert(s) can be promoted keeping every rule; the policy asks for {wanted}",
                    pa.available
                )
            }),
            alternates: pa
                .alternates
                .iter()
                .enumerate()
                .map(|(i, alt)| AlternateRow {
                    rank: i as u32 + 1,
                    expert: inst.experts[alt.expert.ix()].id.clone(),
                    score: alt.score.as_f64(),
                    replaces: ids(inst, &alt.replaces),
                })
                .collect(),
        })
        .collect();
    let log = DrawLog {
        format: LOG_FORMAT.to_string(),
        program: program(),
        instance: instance.to_string(),
        input_sha256: hash.to_string(),
        seed,
        policy: inst.policy.clone(),
        max_probability: drawn.lp.cap(),
        denominator: drawn.lp.denominator,
        optimum_objective: total_as_f64(drawn.optimum_micro),
        expected_objective: drawn.lp.expected_objective(),
        objective: total_as_f64(drawn.objective_micro),
        rounding_steps: drawn.rounding_steps,
        probabilities,
        panels: records,
        alternates,
        max_probability_source: source.as_str().to_string(),
    };
    panels.seal();
    let log_bytes = json_bytes(&log);
    // The log holds the panels, not this file, so the file can name the
    // log: whoever holds a log can tell it is this file's draw.
    panels.draw_log_sha256 = Some(crate::io::sha256_hex(&log_bytes));
    DrawOutput {
        panels,
        log,
        log_bytes,
    }
}

/// Pretty JSON with a final newline (what every log file holds).
pub(crate) fn json_bytes<T: Serialize>(value: &T) -> Vec<u8> {
    // Serialising these plain structs cannot fail: no maps with non-string
    // keys, and serde_json writes non-finite floats as null.
    let mut bytes = serde_json::to_vec_pretty(value).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

/// Panel records with scores, per application in input order.
pub fn panel_records(
    inst: &Instance,
    elig: &Eligibility,
    panels: &[Vec<ExpertIx>],
) -> Vec<PanelRecord> {
    inst.app_ixs()
        .map(|a| {
            let experts = panels.get(a.ix()).map(Vec::as_slice).unwrap_or(&[]);
            PanelRecord {
                application: inst.applications[a.ix()].id.clone(),
                programme: None,
                experts: ids(inst, experts),
                scores: Some(
                    experts
                        .iter()
                        .map(|&e| elig.score(inst, a, e).as_f64())
                        .collect(),
                ),
            }
        })
        .collect()
}

fn ids(inst: &Instance, experts: &[ExpertIx]) -> Vec<String> {
    experts
        .iter()
        .map(|e| inst.experts[e.ix()].id.clone())
        .collect()
}

/// What `--replay` needs from a draw log.
#[derive(Clone, Debug, PartialEq)]
pub struct ReplayRecord {
    /// The instance path as logged.
    pub instance: String,
    /// The logged input hash.
    pub input_sha256: String,
    /// The logged seed.
    pub seed: u64,
    /// The program that drew.
    pub program: String,
    /// The cap, when it came from `--max-probability` (replay applies it
    /// again); `None` when the policy or the default gave it.
    pub flag_cap: Option<f64>,
}

impl ReplayRecord {
    /// Reads the fields replay needs from a log's bytes.
    ///
    /// # Errors
    /// A message naming what is missing or malformed.
    pub fn from_bytes(bytes: &[u8]) -> Result<ReplayRecord, String> {
        let v: serde_json::Value =
            crate::io::from_slice_unique(bytes).map_err(|e| format!("not a JSON draw log: {e}"))?;
        let text = |k: &str| {
            v.get(k)
                .and_then(|x| x.as_str())
                .map(str::to_string)
                .ok_or_else(|| format!("field {k} is missing or not a string"))
        };
        let format = text("format")?;
        if format != LOG_FORMAT {
            return Err(format!("format is {format:?}, expected {LOG_FORMAT:?}"));
        }
        Ok(ReplayRecord {
            instance: text("instance")?,
            input_sha256: text("input_sha256")?,
            program: text("program")?,
            seed: v
                .get("seed")
                .and_then(|x| x.as_u64())
                .ok_or("field seed is missing or not a non-negative integer")?,
            flag_cap: match v.get("max_probability_source").and_then(|x| x.as_str()) {
                Some("flag") => Some(
                    v.get("max_probability")
                        .and_then(|x| x.as_f64())
                        .ok_or("field max_probability is missing or not a number")?,
                ),
                _ => None,
            },
        })
    }
}

/// The replacement log: what was asked (declines, locks, moves), the
/// round's state after it, what changed and the new panels. Like the draw
/// log it holds no time stamp, so `panels replace --replay LOG` recomputes
/// it byte for byte.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReplaceLog {
    /// [`REPLACE_FORMAT`].
    pub format: String,
    /// Program and version.
    pub program: String,
    /// The instance path as given.
    pub instance: String,
    /// SHA-256 of the instance's input bytes.
    pub input_sha256: String,
    /// The old panels file as given.
    pub panels_file: String,
    /// SHA-256 of the old panels file's bytes.
    pub panels_sha256: String,
    /// `--decline` values as given (trimmed): `APPLICATION:EXPERT` for a
    /// declined pair, `EXPERT` for an expert who withdrew from the round.
    pub declines: Vec<String>,
    /// `--lock` values as given.
    pub lock: Vec<String>,
    /// `--unlock` values as given (none in logs written before the flag).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unlock: Vec<String>,
    /// `--lock-confirmed` was given.
    pub lock_confirmed: bool,
    /// `--allow-moves` was given.
    pub allow_moves: bool,
    /// Every declined pair of the round after this replacement.
    pub declined: Vec<DeclineRow>,
    /// Every withdrawn expert of the round after this replacement.
    pub withdrawn: Vec<String>,
    /// Every locked application after this replacement.
    pub locked: Vec<String>,
    /// Pairs of the old panels kept.
    pub pairs_kept: usize,
    /// Pairs removed (and as many added).
    pub pairs_changed: usize,
    /// Total score before.
    pub objective_before: f64,
    /// Total score after.
    pub objective_after: f64,
    /// Every panel that changed, in input order.
    pub changes: Vec<ChangeRow>,
    /// The new panels (as in the panels file).
    pub panels: Vec<PanelRecord>,
    /// `--time-limit` in seconds, as given (absent without one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_limit: Option<f64>,
    /// `feasible` when the MIP's refill (rules that do not nest) stopped
    /// at the time limit before it was proven the best (absent when it
    /// is: the refill with the best score that keeps every rule).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refill_status: Option<String>,
    /// A proven upper bound on the total score of such a refill, when the
    /// MIP gave one (without `--allow-moves`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refill_bound: Option<f64>,
}

/// One declined pair.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DeclineRow {
    /// Application id.
    pub application: String,
    /// Expert id.
    pub expert: String,
}

/// What changed on one panel.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChangeRow {
    /// Application id.
    pub application: String,
    /// Experts who left.
    pub removed: Vec<String>,
    /// Experts who joined.
    pub added: Vec<String>,
}

/// What was asked of a replacement, as given (for the log and replay).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReplaceAsked {
    /// The instance path as given.
    pub instance: String,
    /// SHA-256 of the instance's input bytes.
    pub input_sha256: String,
    /// The old panels file path as given.
    pub panels_file: String,
    /// SHA-256 of its bytes.
    pub panels_sha256: String,
    /// `--decline` values (trimmed).
    pub declines: Vec<String>,
    /// `--lock` values (trimmed).
    pub lock: Vec<String>,
    /// `--unlock` values (trimmed): panels taken off the locked list.
    pub unlock: Vec<String>,
    /// `--lock-confirmed`.
    pub lock_confirmed: bool,
    /// `--allow-moves`.
    pub allow_moves: bool,
    /// `--time-limit`: the whole replacement's budget (only a MIP refill
    /// takes it; see [`super::ReplaceRequest::deadline`]).
    pub time_limit: Option<std::time::Duration>,
}

impl ReplaceAsked {
    /// True when nothing is asked: no decline, lock or unlock, and not
    /// `--lock-confirmed` (`--decline ""`, a year nobody declined). Such a
    /// replacement keeps the panels as they are and logs that nothing
    /// changed ([`super::replace_file()`]).
    pub fn asks_nothing(&self) -> bool {
        self.declines.is_empty()
            && self.lock.is_empty()
            && self.unlock.is_empty()
            && !self.lock_confirmed
    }

    /// Reads what a replacement log asked, for `--replay`.
    ///
    /// # Errors
    /// A message naming what is missing or malformed.
    pub fn from_log_bytes(bytes: &[u8]) -> Result<(ReplaceAsked, String), String> {
        let v: serde_json::Value =
            crate::io::from_slice_unique(bytes).map_err(|e| format!("not a JSON log: {e}"))?;
        match v.get("format").and_then(|f| f.as_str()) {
            Some(REPLACE_FORMAT) => {}
            Some(other) => {
                return Err(format!(
                    "format is {other:?}, expected {REPLACE_FORMAT:?} (a replacement log of this version)"
                ))
            }
            None => return Err("field format is missing".into()),
        }
        let log: ReplaceLog =
            serde_json::from_value(v).map_err(|e| format!("not a replacement log: {e}"))?;
        Ok((
            ReplaceAsked {
                instance: log.instance,
                input_sha256: log.input_sha256,
                panels_file: log.panels_file,
                panels_sha256: log.panels_sha256,
                declines: log.declines,
                lock: log.lock,
                unlock: log.unlock,
                lock_confirmed: log.lock_confirmed,
                allow_moves: log.allow_moves,
                time_limit: log
                    .time_limit
                    .filter(|t| t.is_finite() && *t > 0.0)
                    .map(std::time::Duration::from_secs_f64),
            },
            log.program,
        ))
    }
}

/// Builds the replacement log; `state` is the panels file written (its
/// declined, withdrawn and locked lists are the round's state after).
pub fn replace_log(
    inst: &Instance,
    replaced: &Replaced,
    asked: &ReplaceAsked,
    objective_before_micro: i64,
    state: &PanelsFile,
) -> ReplaceLog {
    ReplaceLog {
        format: REPLACE_FORMAT.to_string(),
        program: program(),
        instance: asked.instance.clone(),
        input_sha256: asked.input_sha256.clone(),
        panels_file: asked.panels_file.clone(),
        panels_sha256: asked.panels_sha256.clone(),
        declines: asked.declines.clone(),
        lock: asked.lock.clone(),
        unlock: asked.unlock.clone(),
        lock_confirmed: asked.lock_confirmed,
        allow_moves: asked.allow_moves,
        declined: state
            .declined
            .iter()
            .map(|d| DeclineRow {
                application: d.application.clone(),
                expert: d.expert.clone(),
            })
            .collect(),
        withdrawn: state.withdrawn.clone(),
        locked: state.locked.clone(),
        pairs_kept: replaced.kept,
        pairs_changed: replaced.changed_pairs(),
        objective_before: total_as_f64(objective_before_micro),
        objective_after: total_as_f64(replaced.objective_micro),
        changes: replaced
            .changes
            .iter()
            .map(|c| ChangeRow {
                application: inst.applications[c.app.ix()].id.clone(),
                removed: ids(inst, &c.removed),
                added: ids(inst, &c.added),
            })
            .collect(),
        panels: state.panels.clone(),
        time_limit: asked.time_limit.map(|t| t.as_secs_f64()),
        refill_status: replaced.stopped.map(|_| "feasible".to_string()),
        refill_bound: replaced
            .stopped
            .and_then(|s| s.bound_micro)
            .map(total_as_f64),
    }
}

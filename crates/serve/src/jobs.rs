//! Solves and draws as jobs: run on a blocking thread while holding the
//! round's lock, their progress readable at any time (server-sent events),
//! their outcome recorded in `job.json` and, when they made panels, as a
//! step in `state.json`.

use std::sync::{Arc, Mutex};

use serde::Serialize;

use super::actions::{self, ActionError, DrawParams, SolveParams};
use super::store::{now_rfc3339, JobRecord, Round, Step};
use crate::solve::progress::{Progress, ProgressReading, ProgressSink};

/// What a job does.
#[derive(Clone, Debug)]
pub enum JobKind {
    /// `panels solve`.
    Solve(SolveParams),
    /// `panels draw`.
    Draw(DrawParams),
}

impl JobKind {
    fn name(&self) -> &'static str {
        match self {
            JobKind::Solve(_) => "solve",
            JobKind::Draw(_) => "draw",
        }
    }
}

/// A running or finished job.
#[derive(Debug)]
pub struct Job {
    record: Mutex<JobRecord>,
    phase: Mutex<String>,
    sink: Arc<ProgressSink>,
    done: tokio::sync::watch::Sender<bool>,
}

/// What the API and the pages show of a job.
#[derive(Clone, Debug, Serialize)]
pub struct JobView {
    /// The job as recorded (`job.json`).
    #[serde(flatten)]
    pub record: JobRecord,
    /// The phase now: `loading`, `solving`, `writing`, … (running jobs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phase: Option<String>,
    /// How far the phase is, when it counts steps.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub progress: Option<ProgressReading>,
}

impl Job {
    /// The job as it is now.
    pub fn view(&self) -> JobView {
        let record = self
            .record
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let running = record.state == "running";
        JobView {
            phase: running.then(|| self.phase.lock().map(|p| p.clone()).unwrap_or_default()),
            progress: if running { self.sink.reading() } else { None },
            record,
        }
    }

    /// A receiver that turns `true` when the job ends.
    pub fn subscribe(&self) -> tokio::sync::watch::Receiver<bool> {
        self.done.subscribe()
    }

    fn set_phase(&self, phase: &str) {
        if let Ok(mut p) = self.phase.lock() {
            *p = phase.to_string();
        }
    }
}

/// A view of a job recorded on disk only (after a restart).
pub fn view_of_record(record: JobRecord) -> JobView {
    JobView {
        record,
        phase: None,
        progress: None,
    }
}

/// Why a job did not start.
#[derive(Debug)]
pub enum StartError {
    /// Another job or request holds the round.
    Busy,
    /// `job.json` could not be written.
    Io(String),
}

/// Starts a job on `round` if nothing else holds it: records it as
/// running, then runs it on a blocking thread that keeps the round's lock
/// until the job's files and step are written.
///
/// # Errors
/// [`StartError::Busy`] when the round is held.
pub fn start(round: &Arc<Round>, kind: JobKind) -> Result<Arc<Job>, StartError> {
    let guard = round
        .lock
        .clone()
        .try_lock_owned()
        .map_err(|_| StartError::Busy)?;
    round.set_holder(match kind {
        JobKind::Solve(_) => "a solve",
        JobKind::Draw(_) => "a draw",
    });
    let params = params_json(&kind);
    let record = JobRecord {
        id: format!(
            "{}-{}",
            kind.name(),
            round.state().map_or(1, |s| s.next_n())
        ),
        kind: kind.name().to_string(),
        state: "running".into(),
        started: now_rfc3339(),
        finished: None,
        params: params.clone(),
        step: None,
        error: None,
    };
    round.write_job(&record).map_err(StartError::Io)?;
    round.log(serde_json::json!({"at": record.started, "action": kind.name(), "params": params}));
    let (done, _) = tokio::sync::watch::channel(false);
    let job = Arc::new(Job {
        record: Mutex::new(record),
        phase: Mutex::new("starting".into()),
        sink: Arc::new(ProgressSink::default()),
        done,
    });
    if let Ok(mut slot) = round.job.lock() {
        *slot = Some(job.clone());
    }
    let (round, job2) = (round.clone(), job.clone());
    tokio::task::spawn_blocking(move || {
        // A panic in the solver or a writer ends the job as failed, never
        // as running for ever.
        let outcome =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(&round, &job2, &kind)))
                .unwrap_or_else(|p| {
                    let why = p
                        .downcast_ref::<&str>()
                        .map(|s| s.to_string())
                        .or_else(|| p.downcast_ref::<String>().cloned())
                        .unwrap_or_default();
                    Err(ActionError::other(format!(
                "the {} stopped on an internal error ({why}); nothing it was writing was kept",
                kind.name()
            ))
                    .zh(format!(
                        "{}因内部错误停止（{why}）；未保存任何写到一半的结果",
                        match kind {
                            JobKind::Solve(_) => "求解",
                            JobKind::Draw(_) => "抽取",
                        }
                    )))
                });
        let record = finish(&round, &job2, outcome);
        // The round is free before anyone can read that the job ended: a
        // caller who sees "done" or "failed" may start the next action at
        // once.
        drop(guard);
        *job2.record.lock().unwrap_or_else(|p| p.into_inner()) = record;
        job2.done.send_replace(true);
    });
    Ok(job)
}

fn params_json(kind: &JobKind) -> serde_json::Value {
    match kind {
        JobKind::Solve(p) => serde_json::json!({
            "method": format!("{:?}", p.method).to_lowercase(),
            "time_limit": p.time_limit,
            "candidates": format!("{:?}", p.candidates).to_lowercase(),
        }),
        JobKind::Draw(p) => serde_json::json!({
            "seed": p.seed,
            "max_probability": p.max_probability,
        }),
    }
}

fn run(round: &Round, job: &Job, kind: &JobKind) -> Result<Step, ActionError> {
    job.set_phase("loading");
    let loaded = round.instance()?;
    let (inst, hash) = (&loaded.0, &loaded.1);
    let state = round.state().map_err(ActionError::other)?;
    let n = state.next_n();
    let name = kind.name();
    let panels_name = format!("{n:03}-{name}.panels.json");
    let out = round.file(&panels_name);
    job.set_phase(name);
    let (file, log, params) = match kind {
        JobKind::Solve(p) => {
            let progress = Progress::observed(job.sink.clone());
            let file = actions::solve(inst, hash, p, progress, &out)?;
            (file, None, params_json(kind))
        }
        JobKind::Draw(p) => {
            let log_name = format!("{n:03}-{name}.log.json");
            let drawn = actions::draw(
                inst,
                hash,
                round.meta.form.input_name(),
                p,
                &out,
                &round.file(&log_name),
            )?;
            let params = serde_json::json!({
                "seed": drawn.seed,
                "max_probability": drawn.max_probability,
            });
            (drawn.panels, Some(log_name), params)
        }
    };
    job.set_phase("recording");
    let step = Step {
        n,
        action: name.to_string(),
        at: now_rfc3339(),
        panels: panels_name,
        log,
        status: file.status.clone(),
        objective: file.objective,
        bound: file.bound,
        params,
    };
    round.push_step(step.clone()).map_err(ActionError::other)?;
    Ok(step)
}

/// The job's final record, logged and written to the round's folder (the
/// caller publishes it once the round's lock is released).
fn finish(round: &Round, job: &Job, outcome: Result<Step, ActionError>) -> JobRecord {
    let mut record = job.record.lock().unwrap_or_else(|p| p.into_inner()).clone();
    record.finished = Some(now_rfc3339());
    match outcome {
        Ok(step) => {
            record.state = "done".into();
            record.step = Some(step.n);
            round.log(serde_json::json!({
                "at": record.finished, "action": record.kind, "outcome": "done",
                "step": step.n, "status": step.status, "objective": step.objective,
            }));
        }
        Err(e) => {
            // Kept and shown as the error answers name files: relative
            // to the data folder.
            let e = round.relative(e);
            record.state = "failed".into();
            round.log(serde_json::json!({
                "at": record.finished, "action": record.kind, "outcome": "failed",
                "exit_code": e.exit_code, "message": e.message,
            }));
            record.error = Some(e);
        }
    }
    // If this write fails the step (if any) is still recorded; the job
    // reads as interrupted after a restart.
    let _ = round.write_job(&record);
    record
}

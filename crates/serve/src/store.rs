//! Rounds on disk: one folder per round under `DATA/rounds/`, the audit
//! trail of everything the console did with it.
//!
//! ```text
//! DATA/rounds/<id>/
//!   round.json          what was uploaded: form, sizes, hashes, language (written once)
//!   upload.<ext>        the upload exactly as received
//!   input.json | input.xlsx | input/   the instance the library loads (input/ is a CSV directory from a zip)
//!   state.json          the steps done so far and which panels are current
//!   job.json            the last job started (solve or draw) and how it ended
//!   console.log         one JSON line per action (append only)
//!   001-solve.panels.json, 002-draw.panels.json, 002-draw.log.json,
//!   003-replace.panels.json, 003-replace.log.json, 003-replace.report.html, …
//! ```
//!
//! **Invariant (kill safety):** every file is written whole or not at all
//! (`io::write_atomic`), and `state.json` names a step only after the
//! step's files are in place, so a kill at any moment leaves the round as
//! it was before the step, or after it. A round folder appears by renaming
//! a finished temporary folder (`.new-*`), so a half-made round is never
//! listed; leftovers are removed at start. A `job.json` that says
//! `running` when the server starts is marked `interrupted`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

/// What kind of upload made the round.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum InputForm {
    /// A JSON bundle (`input.json`).
    Bundle,
    /// A zip of a CSV directory (`input/`).
    CsvZip,
    /// An Excel workbook (`input.xlsx`).
    Workbook,
}

impl InputForm {
    /// The name of the instance inside the round folder.
    pub fn input_name(self) -> &'static str {
        match self {
            InputForm::Bundle => "input.json",
            InputForm::CsvZip => "input",
            InputForm::Workbook => "input.xlsx",
        }
    }

    /// The name of the upload as received.
    pub fn upload_name(self) -> &'static str {
        match self {
            InputForm::Bundle => "upload.json",
            InputForm::CsvZip => "upload.zip",
            InputForm::Workbook => "upload.xlsx",
        }
    }
}

/// `round.json`: what was uploaded (written once, when the round is made).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RoundMeta {
    /// The round's id (server-chosen).
    pub id: String,
    /// When it was uploaded (UTC, RFC 3339).
    pub created: String,
    /// The file name the browser sent, for display only (never a path).
    pub upload_name: String,
    /// Bytes uploaded.
    pub upload_bytes: u64,
    /// SHA-256 of the upload as received.
    pub upload_sha256: String,
    /// What the upload was.
    pub form: InputForm,
    /// SHA-256 of the instance, as `panels` computes it (`input_sha256` in
    /// every panels file).
    pub input_sha256: String,
    /// `zh` or `en`: the language of the pages for this round.
    pub language: String,
    /// Applications in the round.
    pub applications: usize,
    /// Experts in the pool.
    pub experts: usize,
    /// Cities.
    pub cities: usize,
    /// Past reviews taken from the console's history when the round was
    /// uploaded (`None`: none taken; the upload's own history, if any, is
    /// in its input).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history_records: Option<usize>,
    /// The history the round's rules read and where it comes from (`None`:
    /// the round has none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history_used: Option<HistoryUsed>,
    /// The notes of the upload's load, as `panels solve` prints them on
    /// stderr (spellings taken as one, rows hidden in Excel, columns kept),
    /// in both languages; empty for a round made before notes were kept.
    #[serde(default)]
    pub notes: Vec<RoundNote>,
}

/// One load note of a round ([`crate::io::Note`]), in both languages.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RoundNote {
    /// The note's kind ([`crate::io::Noted::key`]), when it is one worded
    /// in both languages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The note as the CLI prints it (`note: …`).
    pub text: String,
    /// The note in Chinese (`提示：…`); the English for a note worded in
    /// English only.
    pub text_zh: String,
}

/// Where a round's history comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HistoryFrom {
    /// The upload's own history table.
    Upload,
    /// The console's history (`DATA/history.csv`), taken into the input.
    Console,
}

/// The history a round's rules read, said when the round is made.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HistoryUsed {
    /// Where it comes from.
    pub from: HistoryFrom,
    /// Its past reviews.
    pub records: usize,
    /// With the upload's own history: the past reviews of the console's
    /// history, which the round does not read (`None`: the console has
    /// none, or it was not asked for).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub console_records_not_taken: Option<usize>,
}

/// One finished step: a panels file and what made it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Step {
    /// 1, 2, 3, … in the order done.
    pub n: u32,
    /// `solve`, `draw` or `replace`.
    pub action: String,
    /// When it finished (UTC).
    pub at: String,
    /// The panels file (in the round folder).
    pub panels: String,
    /// The log (draw and replace), in the round folder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log: Option<String>,
    /// The panels' status: `optimal` or `feasible`.
    pub status: String,
    /// The panels' objective.
    pub objective: f64,
    /// The proven bound, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bound: Option<f64>,
    /// What was asked (method, seed, declines, …).
    pub params: serde_json::Value,
}

/// The round appended to the console's history (`DATA/history.csv`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HistoryMark {
    /// When.
    pub at: String,
    /// The step whose panels were appended.
    pub step: u32,
    /// The year recorded.
    pub year: i32,
    /// The round label recorded, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub round: Option<String>,
    /// The replace logs whose declines were recorded.
    #[serde(default)]
    pub replace_logs: Vec<String>,
    /// Records added.
    pub added: usize,
    /// Records in the history file afterwards.
    pub total: usize,
    /// True while the append is recorded but the history file not yet
    /// confirmed written (the round is recorded before the file is
    /// written, so it is never appended twice).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub pending: bool,
}

/// `state.json`: the steps done, the newest last.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RoundState {
    /// Every step, oldest first.
    pub steps: Vec<Step>,
    /// Appends of this round to the console's history, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<HistoryMark>,
}

impl RoundState {
    /// The newest step: its panels are the round's current panels.
    pub fn current(&self) -> Option<&Step> {
        self.steps.last()
    }

    /// The number of the next step.
    pub fn next_n(&self) -> u32 {
        self.steps.last().map_or(1, |s| s.n + 1)
    }

    /// The replace logs that lead to the current panels: those of the
    /// replacements after the newest solve or draw (each replacement
    /// starts from the panels before it), oldest first.
    pub fn current_replace_logs(&self) -> Vec<String> {
        let start = self
            .steps
            .iter()
            .rposition(|s| s.action != "replace")
            .map_or(0, |i| i + 1);
        self.steps[start..]
            .iter()
            .filter_map(|s| s.log.clone())
            .collect()
    }
}

/// `job.json`: the last solve or draw started, and how it ended.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JobRecord {
    /// Job id (server-chosen).
    pub id: String,
    /// `solve` or `draw`.
    pub kind: String,
    /// `running`, `done`, `failed` or `interrupted`.
    pub state: String,
    /// When it started.
    pub started: String,
    /// When it ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished: Option<String>,
    /// What was asked.
    pub params: serde_json::Value,
    /// The step it made, when done.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<u32>,
    /// Why it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<super::actions::ActionError>,
}

/// One round: its folder, its lock, its loaded instance and its job.
#[derive(Debug)]
pub struct Round {
    /// The id.
    pub id: String,
    /// The folder.
    pub dir: PathBuf,
    /// What was uploaded.
    pub meta: RoundMeta,
    /// Held by every request that changes the round, and by its job.
    pub lock: Arc<tokio::sync::Mutex<()>>,
    /// The instance, loaded on first use.
    pub loaded: Mutex<Option<Arc<super::actions::LoadedRound>>>,
    /// The running or last job.
    pub job: Mutex<Option<Arc<super::jobs::Job>>>,
    /// What holds `lock` now or held it last (`a solve`, `a replacement`,
    /// …), for the busy message.
    pub holder: Mutex<&'static str>,
    /// Held while a download (report, workbook, export) is made.
    pub derive: Mutex<()>,
    /// The panels file last read for the pages, by its name.
    pub panels_cache: Mutex<Option<(String, Arc<crate::io::panels::PanelsFile>)>>,
}

impl Round {
    /// What holds the round's lock (set by whoever takes it).
    pub fn holder(&self) -> String {
        self.holder
            .lock()
            .map_or_else(|p| p.into_inner().to_string(), |h| h.to_string())
    }

    /// Records what holds the round's lock, just after taking it.
    pub fn set_holder(&self, what: &'static str) {
        *self.holder.lock().unwrap_or_else(|p| p.into_inner()) = what;
    }

    /// The instance path inside the folder.
    pub fn input(&self) -> PathBuf {
        self.dir.join(self.meta.form.input_name())
    }

    /// A file of the round by its name (names come from the server only).
    pub fn file(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// An error with files named as in the data folder
    /// (`rounds/ID/001-solve.panels.json`), never by the server's paths:
    /// as error answers name them, and as `job.json` and `console.log`
    /// keep them.
    pub fn relative(&self, e: super::actions::ActionError) -> super::actions::ActionError {
        // DATA/rounds/ID: the data folder is two levels up.
        match self.dir.parent().and_then(Path::parent) {
            Some(data) => e.map_text(&|s| relative_to(data, s)),
            None => e,
        }
    }

    /// The steps done (an absent `state.json` is a round with no step).
    ///
    /// # Errors
    /// A `state.json` that does not read.
    pub fn state(&self) -> Result<RoundState, String> {
        read_json_or_default(&self.dir.join("state.json"))
    }

    /// Records an append to the console's history (atomically): first as
    /// pending, before the history file is written, then confirmed with
    /// its counts, replacing the pending mark of the same step.
    ///
    /// # Errors
    /// The write failed; `state.json` is as before.
    pub fn push_history(&self, mark: HistoryMark) -> Result<RoundState, String> {
        let mut state = self.state()?;
        state
            .history
            .retain(|m| !(m.pending && m.step == mark.step));
        state.history.push(mark);
        write_json(&self.dir.join("state.json"), &state)?;
        Ok(state)
    }

    /// Removes a pending append mark (its history write failed and
    /// nothing was added).
    ///
    /// # Errors
    /// The write failed.
    pub fn drop_pending_history(&self) -> Result<(), String> {
        let mut state = self.state()?;
        state.history.retain(|m| !m.pending);
        write_json(&self.dir.join("state.json"), &state)
    }

    /// Records a finished step: after its files, atomically.
    ///
    /// # Errors
    /// The write failed; the round is as before.
    pub fn push_step(&self, step: Step) -> Result<RoundState, String> {
        let mut state = self.state()?;
        state.steps.push(step);
        write_json(&self.dir.join("state.json"), &state)?;
        Ok(state)
    }

    /// The last job recorded on disk.
    pub fn job_record(&self) -> Option<JobRecord> {
        read_json_or_default::<Option<JobRecord>>(&self.dir.join("job.json"))
            .ok()
            .flatten()
    }

    /// Writes `job.json` atomically.
    ///
    /// # Errors
    /// The write failed.
    pub fn write_job(&self, job: &JobRecord) -> Result<(), String> {
        write_json(&self.dir.join("job.json"), job)
    }

    /// Appends one line to `console.log` (best effort: the steps and files
    /// are the record; the log says who asked what, when).
    pub fn log(&self, entry: serde_json::Value) {
        use std::io::Write as _;
        let line = format!("{entry}\n");
        if let Ok(mut f) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("console.log"))
        {
            let _ = f.write_all(line.as_bytes());
            let _ = f.sync_data();
        }
    }

    /// A panels file of the round, read once (files of a step never
    /// change).
    ///
    /// # Errors
    /// The file does not read against the instance.
    pub fn panels(
        &self,
        name: &str,
    ) -> Result<Arc<crate::io::panels::PanelsFile>, super::actions::ActionError> {
        if let Some((n, f)) = self.panels_cache.lock().ok().and_then(|c| c.clone()) {
            if n == name {
                return Ok(f);
            }
        }
        let loaded = self.instance()?;
        let file = Arc::new(super::actions::read_panels(&loaded.0, &self.file(name))?);
        if let Ok(mut c) = self.panels_cache.lock() {
            *c = Some((name.to_string(), file.clone()));
        }
        Ok(file)
    }

    /// The instance and its hash, loaded once.
    ///
    /// # Errors
    /// The input does not load (it did when the round was made, so only
    /// if the folder was changed by hand).
    pub fn instance(
        &self,
    ) -> Result<Arc<super::actions::LoadedRound>, super::actions::ActionError> {
        let mut guard = self.loaded.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(l) = guard.as_ref() {
            return Ok(l.clone());
        }
        let loaded = Arc::new(super::actions::load_round(&self.input())?);
        *guard = Some(loaded.clone());
        Ok(loaded)
    }
}

/// `message` with the data folder `data` taken out of every path in it
/// (as given and as an absolute path): files named as in the data folder.
pub fn relative_to(data: &Path, message: &str) -> String {
    let prefix = format!("{}{}", data.display(), std::path::MAIN_SEPARATOR);
    let mut out = message.replace(&prefix, "");
    if let Ok(abs) = std::path::absolute(data) {
        out = out.replace(
            &format!("{}{}", abs.display(), std::path::MAIN_SEPARATOR),
            "",
        );
    }
    out
}

/// All rounds under the data folder.
#[derive(Debug)]
pub struct Store {
    data: PathBuf,
    root: PathBuf,
    history: PathBuf,
    /// Held while the console's history file is read or written.
    pub history_lock: Mutex<()>,
    rounds: Mutex<HashMap<String, Arc<Round>>>,
}

impl Store {
    /// Opens (and creates) `DATA/rounds`, removes half-made rounds and
    /// marks jobs that were running as interrupted.
    ///
    /// # Errors
    /// The folder cannot be made or read.
    pub fn open(data: &Path) -> Result<Store, String> {
        let root = data.join("rounds");
        std::fs::create_dir_all(&root).map_err(|e| format!("{}: {e}", root.display()))?;
        let mut rounds = HashMap::new();
        let entries = std::fs::read_dir(&root).map_err(|e| format!("{}: {e}", root.display()))?;
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().to_string();
            let path = entry.path();
            if name.starts_with(".new-") {
                let _ = std::fs::remove_dir_all(&path);
                continue;
            }
            if !valid_id(&name) || !path.is_dir() {
                continue;
            }
            let Ok(meta) = read_json::<RoundMeta>(&path.join("round.json")) else {
                continue;
            };
            remove_temporaries(&path);
            let round = Round {
                id: name.clone(),
                dir: path,
                meta,
                lock: Arc::default(),
                loaded: Mutex::new(None),
                job: Mutex::new(None),
                holder: Mutex::new("another request"),
                derive: Mutex::new(()),
                panels_cache: Mutex::new(None),
            };
            if let Some(mut job) = round.job_record() {
                if job.state == "running" {
                    job.state = "interrupted".into();
                    job.finished = Some(now_rfc3339());
                    let _ = round.write_job(&job);
                }
            }
            rounds.insert(name, Arc::new(round));
        }
        Ok(Store {
            data: data.to_path_buf(),
            root,
            history: data.join("history.csv"),
            history_lock: Mutex::new(()),
            rounds: Mutex::new(rounds),
        })
    }

    /// The console's history file, `DATA/history.csv`: every round
    /// appended (as `panels history append … --to DATA/history.csv`
    /// writes it); the next rounds uploaded take it as their history.
    pub fn history_path(&self) -> &Path {
        &self.history
    }

    /// `message` with the data folder's path taken out, so that files are
    /// named as in the data folder (`rounds/ID/state.json`), never by the
    /// server's paths.
    pub fn relative(&self, message: &str) -> String {
        relative_to(&self.data, message)
    }

    /// A round by id (`None` for an unknown or malformed id).
    pub fn get(&self, id: &str) -> Option<Arc<Round>> {
        if !valid_id(id) {
            return None;
        }
        self.rounds.lock().ok()?.get(id).cloned()
    }

    /// Every round, newest first.
    pub fn list(&self) -> Vec<Arc<Round>> {
        let mut v: Vec<_> = self
            .rounds
            .lock()
            .map(|m| m.values().cloned().collect())
            .unwrap_or_default();
        v.sort_by(|a, b| b.id.cmp(&a.id));
        v
    }

    /// A fresh temporary folder for a round being made.
    ///
    /// # Errors
    /// The folder cannot be made.
    pub fn staging(&self) -> Result<(String, PathBuf), String> {
        let id = new_id();
        let dir = self.root.join(format!(".new-{id}"));
        std::fs::create_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        Ok((id, dir))
    }

    /// Publishes a finished staging folder as round `id`.
    ///
    /// # Errors
    /// The rename failed (the staging folder is removed).
    pub fn publish(
        &self,
        id: &str,
        staging: &Path,
        meta: RoundMeta,
        loaded: super::actions::LoadedRound,
    ) -> Result<Arc<Round>, String> {
        let dir = self.root.join(id);
        if let Err(e) = std::fs::rename(staging, &dir) {
            let _ = std::fs::remove_dir_all(staging);
            return Err(format!("{}: {e}", dir.display()));
        }
        sync_dir(&self.root);
        let round = Arc::new(Round {
            id: id.to_string(),
            dir,
            meta,
            lock: Arc::default(),
            loaded: Mutex::new(Some(Arc::new(loaded))),
            job: Mutex::new(None),
            holder: Mutex::new("another request"),
            derive: Mutex::new(()),
            panels_cache: Mutex::new(None),
        });
        if let Ok(mut m) = self.rounds.lock() {
            m.insert(id.to_string(), round.clone());
        }
        Ok(round)
    }
}

/// Ids the server makes: `YYYYMMDD-HHMMSS-xxxxxx` (hex); nothing else is
/// ever looked up, so no client text reaches a path.
pub fn valid_id(id: &str) -> bool {
    id.len() == 22
        && id.bytes().enumerate().all(|(i, b)| match i {
            8 | 15 => b == b'-',
            16..=21 => b.is_ascii_hexdigit() && !b.is_ascii_uppercase(),
            _ => b.is_ascii_digit(),
        })
}

fn new_id() -> String {
    use rand::RngExt as _;
    let stamp = now_rfc3339();
    // 2026-12-04T18:15:27Z → 20261204-181527
    let digits: String = stamp.chars().filter(|c| c.is_ascii_digit()).collect();
    let r: u32 = rand::rng().random_range(0..0x100_0000);
    format!("{}-{}-{r:06x}", &digits[..8], &digits[8..14])
}

/// Now, UTC, as `2026-12-04T18:15:27Z`.
pub fn now_rfc3339() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil_from_days(days as i64);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60
    )
}

/// Proleptic Gregorian date of a day count since 1970-01-01 (H. Hinnant's
/// algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_slice(&bytes).map_err(|e| format!("{}: {e}", path.display()))
}

fn read_json_or_default<T: serde::de::DeserializeOwned + Default>(
    path: &Path,
) -> Result<T, String> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| format!("{}: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(T::default()),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

/// Writes pretty JSON and a newline, atomically.
///
/// # Errors
/// The write failed (nothing changed).
pub fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<(), String> {
    let mut bytes = serde_json::to_vec_pretty(value).map_err(|e| e.to_string())?;
    bytes.push(b'\n');
    crate::io::write_atomic(path, &bytes).map_err(|e| format!("{}: {e}", path.display()))
}

/// Removes what a write cut short left: `.panels-tmp-*` files (never
/// named by any step).
fn remove_temporaries(dir: &Path) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        if entry
            .file_name()
            .to_string_lossy()
            .starts_with(".panels-tmp-")
        {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

fn sync_dir(dir: &Path) {
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_what_the_server_makes_and_nothing_else() {
        let id = new_id();
        assert!(valid_id(&id), "{id}");
        for bad in [
            "",
            "..",
            "../etc",
            "20261204-181527-ABCDEF",
            "20261204-181527-abcde/",
            "x0261204-181527-abcdef",
        ] {
            assert!(!valid_id(bad), "{bad}");
        }
    }

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_791), (2026, 12, 4));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }
}

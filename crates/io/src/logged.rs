//! The input paths a draw or replacement log records, and finding those
//! inputs again when the log is replayed.
//!
//! **The rule.** A log records each input (the round, the old panels
//! file) relative to the log's own folder, so that the log and its inputs
//! can be moved or archived together and replayed from any folder; an
//! input given as an absolute path, or one no relative path reaches (on
//! another drive), is recorded absolute. [`recorded_path`] writes it.
//!
//! **Replay.** Logs written before this rule recorded paths relative to
//! the folder the command ran in. [`locate`] therefore tries, for a
//! relative path, the log's folder first and then the current folder, and
//! takes the one whose SHA-256 is the logged one: a same-named older file
//! beside the log never hides the round the log was made from. When no
//! candidate exists, or none has the logged hash, it says what it tried
//! (the caller then asks for the input to be given on the command line).

use std::path::{Component, Path, PathBuf};

/// How `input` (as typed, relative to the current folder) is recorded in
/// a log written to `log`: relative to the log's folder (`../round.json`
/// for a log in `archive/`), as typed when the log is in the current
/// folder, absolute when typed absolute or when no relative path reaches
/// it. Folders are resolved through symbolic links; the input's own name
/// is kept as typed (a link to a round is recorded as the link).
pub fn recorded_path(input: &Path, log: &Path) -> String {
    if input.is_absolute() {
        return input.display().to_string();
    }
    let log_dir = folder_of(log);
    if log_dir == Path::new(".") {
        return input.display().to_string();
    }
    let absolute = || {
        std::path::absolute(input)
            .map_or_else(|_| input.display().to_string(), |p| p.display().to_string())
    };
    let (Ok(base), Some(target)) = (log_dir.canonicalize(), real_path(input)) else {
        return absolute();
    };
    match relative_to(&base, &target) {
        Some(rel) => rel.display().to_string(),
        None => absolute(),
    }
}

/// The folder a file is in (`.` for a bare name).
fn folder_of(file: &Path) -> &Path {
    match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// `path` with its folder resolved (links, `.`, `..`) and its own name
/// kept; the whole path resolved when it names a folder by `.` or `..`.
fn real_path(path: &Path) -> Option<PathBuf> {
    match path.file_name() {
        Some(name) => Some(folder_of(path).canonicalize().ok()?.join(name)),
        None => path.canonicalize().ok(),
    }
}

/// The relative path from folder `base` to `target`, both absolute and
/// resolved; `None` when they share no root (another drive).
fn relative_to(base: &Path, target: &Path) -> Option<PathBuf> {
    let b: Vec<Component<'_>> = base.components().collect();
    let t: Vec<Component<'_>> = target.components().collect();
    if b.first() != t.first() {
        return None;
    }
    let common = b.iter().zip(&t).take_while(|(x, y)| x == y).count();
    let mut out = PathBuf::new();
    for _ in common..b.len() {
        out.push("..");
    }
    for c in &t[common..] {
        out.push(c.as_os_str());
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    Some(out)
}

/// Where a replay looked for a logged input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tried {
    /// The path tried.
    pub path: PathBuf,
    /// Which reading of the logged path it is: `"beside the log"`, `"from
    /// the current folder"` (`"beside the log, in the current folder"`
    /// when they are one place) or `"as logged"` (an absolute path).
    pub place: &'static str,
    /// Its SHA-256 when it exists (the logged one differs), `None` when
    /// there is nothing at the path.
    pub sha256: Option<String>,
}

impl std::fmt::Display for Tried {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.sha256 {
            None => write!(f, "{} ({}): not there", self.path.display(), self.place),
            Some(h) => write!(
                f,
                "{} ({}): another file, SHA-256 {h}",
                self.path.display(),
                self.place
            ),
        }
    }
}

/// The paths a logged `recorded` path may name, in the order tried: an
/// absolute path as logged; a relative one beside the log, then from the
/// current folder (one candidate when both name the same place).
fn candidates(log: &Path, recorded: &str) -> Vec<(PathBuf, &'static str)> {
    let typed = PathBuf::from(recorded);
    if typed.is_absolute() {
        return vec![(typed, "as logged")];
    }
    let folder = folder_of(log);
    let beside = if folder == Path::new(".") {
        typed.clone()
    } else {
        folder.join(&typed)
    };
    let same = beside == typed
        || matches!((real_path(&beside), real_path(&typed)), (Some(x), Some(y)) if x == y);
    if same {
        vec![(beside, "beside the log, in the current folder")]
    } else {
        vec![
            (beside, "beside the log"),
            (typed, "from the current folder"),
        ]
    }
}

/// The SHA-256 of the input at `path`, or why it could not be read.
fn sha256_of(path: &Path) -> String {
    match crate::instance_sha256(path) {
        Ok(h) => h,
        Err(e) => format!("unreadable ({})", e.message()),
    }
}

/// Finds the input a log recorded as `recorded`, whose SHA-256 the log
/// gives as `sha256` (see the module docs): the path to read, or every
/// path tried when none exists or none has the logged hash.
///
/// A single candidate that exists is returned without hashing it: the
/// caller reads it and compares its hash as it loads it (and, when it
/// differs, lists the places with [`tried`]). Hashes are compared here
/// only to choose between candidates that both exist.
///
/// # Errors
/// What was tried, in order, when no candidate is the logged input.
pub fn locate(log: &Path, recorded: &str, sha256: &str) -> Result<PathBuf, Vec<Tried>> {
    let candidates = candidates(log, recorded);
    let existing: Vec<&PathBuf> = candidates
        .iter()
        .map(|(p, _)| p)
        .filter(|p| p.exists())
        .collect();
    if let [only] = existing.as_slice() {
        return Ok((*only).clone());
    }
    let mut tried = Vec::with_capacity(candidates.len());
    for (path, place) in candidates {
        let now = path.exists().then(|| sha256_of(&path));
        if now
            .as_deref()
            .is_some_and(|h| h.eq_ignore_ascii_case(sha256))
        {
            return Ok(path);
        }
        tried.push(Tried {
            path,
            place,
            sha256: now,
        });
    }
    Err(tried)
}

/// Every place a logged `recorded` path may name, with the SHA-256 of
/// what is there: for the message when the input read differs from the
/// log's.
pub fn tried(log: &Path, recorded: &str) -> Vec<Tried> {
    candidates(log, recorded)
        .into_iter()
        .map(|(path, place)| Tried {
            sha256: path.exists().then(|| sha256_of(&path)),
            path,
            place,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_go_from_the_base_folder() {
        let r = |b: &str, t: &str| relative_to(Path::new(b), Path::new(t)).unwrap();
        assert_eq!(r("/w/archive", "/w/round.json"), Path::new("../round.json"));
        assert_eq!(r("/w", "/w/in/round.json"), Path::new("in/round.json"));
        assert_eq!(r("/w/a/b", "/w/c/r.json"), Path::new("../../c/r.json"));
        assert_eq!(r("/w/round", "/w/round"), Path::new("."));
    }

    #[test]
    fn a_log_records_its_inputs_from_its_own_folder() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir(d.join("archive")).unwrap();
        std::fs::write(d.join("round.json"), "{}").unwrap();
        let here = std::env::current_dir().unwrap();
        // Paths relative to the current folder, as typed on a command
        // line run there.
        let rel = |p: &Path| {
            relative_to(&here.canonicalize().unwrap(), &p.canonicalize().unwrap()).unwrap()
        };
        let round = rel(&d.join("round.json"));
        let log = rel(&d.join("archive")).join("log.json");
        assert_eq!(recorded_path(&round, &log), "../round.json");
        // A log in the current folder records the path as typed.
        assert_eq!(
            recorded_path(Path::new("r.json"), Path::new("log.json")),
            "r.json"
        );
        // An absolute path is recorded as given.
        let abs = d.join("round.json");
        assert_eq!(recorded_path(&abs, &log), abs.display().to_string());
    }

    #[test]
    fn replay_takes_the_candidate_with_the_logged_hash() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir(d.join("archive")).unwrap();
        std::fs::write(d.join("archive/round.json"), "old").unwrap();
        let log = d.join("archive/log.json");
        let hash = |p: &Path| crate::instance_sha256(p).unwrap();
        let old = hash(&d.join("archive/round.json"));
        // Only the one beside the log exists: it is returned unhashed.
        assert_eq!(
            locate(&log, "round.json", "x"),
            Ok(d.join("archive/round.json"))
        );
        assert_eq!(
            locate(&log, "round.json", &old),
            Ok(d.join("archive/round.json"))
        );
        // Nothing anywhere: both places said.
        let tried = locate(&log, "none.json", "x").unwrap_err();
        assert_eq!(tried.len(), 2);
        assert!(tried.iter().all(|t| t.sha256.is_none()));
        assert_eq!(tried[0].place, "beside the log");
        // An absolute path: the one place.
        let abs = d.join("nowhere.json");
        let tried = locate(&log, &abs.display().to_string(), "x").unwrap_err();
        assert_eq!(tried.len(), 1);
        assert_eq!(tried[0].place, "as logged");
    }
}

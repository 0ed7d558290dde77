//! Writing a command's outputs safely: every output staged next to its
//! target, then all committed together.
//!
//! - [`check_paths`] refuses, before any work, an output that is one of the
//!   command's inputs (or an instance file inside an input directory), or
//!   two outputs that are the same file, whatever the spelling: `./x`,
//!   relative or absolute, symlinks, hard links (same device and inode).
//! - [`Outputs`] stages each output as a temporary file (or directory) in
//!   the target's own directory, named `.panels-tmp-<pid>-<n>`, written and
//!   fsynced. Only when every output is staged does [`Outputs::commit`]
//!   rename them into place, one after the other, with the old files kept
//!   (hard links) until all renames succeeded, so a failure at any point
//!   before or during the commit leaves every old file as it was.
//! - A CSV directory replaces an old one with one `renameat2` exchange
//!   (Linux, macOS): the path always names a whole directory, old or new.
//!   Where the exchange is not supported, the old directory is renamed
//!   aside and the new one renamed in (a window of two renames).
//! - An output path that is a symbolic link is written through: the link
//!   stays and the file it names is replaced.
//! - Files are created with the permissions the umask gives (0644 under
//!   umask 022; directories 0755); a file or directory that exists keeps
//!   its mode.
//! - SIGINT, SIGTERM and SIGHUP remove this process's temporary files
//!   before it ends (the commit itself finishes first: a signal never
//!   splits it). Temporary files of ours left by a process that no longer
//!   runs (after SIGKILL or a power cut), older than [`STALE_AFTER`], are
//!   removed at the next write into that directory.

use std::collections::BTreeSet;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use crate::error::WriteError;
use crate::CSV_DIR_FILES;

/// Prefix of every temporary file or directory we create.
pub(crate) const TMP_PREFIX: &str = ".panels-tmp-";

/// Age after which a temporary file of a process that no longer runs is
/// removed.
pub const STALE_AFTER: Duration = Duration::from_secs(60);

/// Temporary paths of this process, removed on SIGINT/SIGTERM/SIGHUP. The
/// lock is also held for a whole commit, so a signal waits for it.
static TEMPS: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

static SEQ: AtomicU64 = AtomicU64::new(0);

fn temps() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    TEMPS.lock().unwrap_or_else(|p| p.into_inner())
}

fn register(p: &Path) {
    install_signal_cleanup();
    temps().push(p.to_path_buf());
}

fn unregister(list: &mut Vec<PathBuf>, p: &Path) {
    list.retain(|q| q != p);
}

/// Removes a temporary file or directory, whichever it is.
fn remove_any(p: &Path) {
    match fs::symlink_metadata(p) {
        Ok(m) if m.is_dir() => {
            let _ = fs::remove_dir_all(p);
        }
        Ok(_) => {
            let _ = fs::remove_file(p);
        }
        Err(_) => {}
    }
}

/// Installs, once, a thread that removes our temporary files on SIGINT,
/// SIGTERM or SIGHUP and then ends the process as the signal would.
fn install_signal_cleanup() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        #[cfg(unix)]
        {
            use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
            if let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP])
            {
                let _ = std::thread::Builder::new()
                    .name("panels-signals".into())
                    .spawn(move || {
                        if let Some(sig) = signals.forever().next() {
                            for p in temps().drain(..) {
                                remove_any(&p);
                            }
                            let _ = signal_hook::low_level::emulate_default_handler(sig);
                            std::process::exit(128 + sig);
                        }
                    });
            }
        }
    });
}

fn parent_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// A fresh temporary name in `dir`: `.panels-tmp-<pid>-<n>-<nanos>`.
fn temp_name(dir: &Path) -> PathBuf {
    let n = SEQ.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    dir.join(format!(
        "{TMP_PREFIX}{}-{n}-{nanos:08x}",
        std::process::id()
    ))
}

/// The pid in one of our temporary names.
fn temp_pid(name: &str) -> Option<u32> {
    name.strip_prefix(TMP_PREFIX)?
        .split('-')
        .next()?
        .parse()
        .ok()
}

fn process_runs(pid: u32) -> bool {
    #[cfg(unix)]
    {
        let Some(p) = i32::try_from(pid)
            .ok()
            .and_then(rustix::process::Pid::from_raw)
        else {
            return false;
        };
        // EPERM: it runs, under another user.
        !matches!(
            rustix::process::test_kill_process(p),
            Err(rustix::io::Errno::SRCH)
        )
    }
    #[cfg(not(unix))]
    {
        let _ = pid;
        true
    }
}

/// Removes, once per directory and process, temporary files of ours whose
/// process no longer runs and that are older than [`STALE_AFTER`].
pub(crate) fn remove_stale_temps(dir: &Path) {
    static DONE: Mutex<BTreeSet<PathBuf>> = Mutex::new(BTreeSet::new());
    let key = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    if !DONE
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(key.clone())
    {
        return;
    }
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let me = std::process::id();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(temp_pid) else {
            continue;
        };
        let old = entry
            .metadata()
            .ok()
            .and_then(|m| m.modified().ok())
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age >= STALE_AFTER);
        if pid != me && old && !process_runs(pid) {
            remove_any(&entry.path());
        }
    }
}

#[cfg(unix)]
fn mode_of(path: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path)
        .ok()
        .map(|m| m.permissions().mode() & 0o7777)
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: Option<u32>) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    match mode {
        Some(m) => fs::set_permissions(path, fs::Permissions::from_mode(m)),
        None => Ok(()),
    }
}

#[cfg(not(unix))]
fn mode_of(_: &Path) -> Option<u32> {
    None
}

#[cfg(not(unix))]
fn set_mode(_: &Path, _: Option<u32>) -> std::io::Result<()> {
    Ok(())
}

/// Creates `path` new (never over an existing file) with the umask's
/// permissions, writes `bytes` and fsyncs.
fn create_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut opts = OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o666);
    }
    let mut f: File = opts.open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

fn sync_dir(dir: &Path) {
    // Best effort: not every platform can open a directory for syncing.
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// The path an output really goes to: a symbolic link is followed (to
/// the file it names, existing or not), so the link stays and its target
/// is replaced, as a shell's `>` would write through it.
fn through_links(path: &Path) -> PathBuf {
    let mut p = path.to_path_buf();
    // Bounded like the kernel's own resolution (ELOOP after 40).
    for _ in 0..40 {
        match fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => match fs::read_link(&p) {
                Ok(t) if t.is_absolute() => p = t,
                Ok(t) => p = parent_of(&p).join(t),
                Err(_) => break,
            },
            _ => break,
        }
    }
    p
}

/// What was staged for one target.
#[derive(Debug)]
struct Staged {
    target: PathBuf,
    tmp: PathBuf,
    dir: bool,
}

/// The outputs of one command, staged and then committed together.
///
/// Dropping an `Outputs` that was not committed removes what it staged;
/// no target is touched before [`Outputs::commit`].
#[derive(Debug, Default)]
pub struct Outputs {
    staged: Vec<Staged>,
}

impl Outputs {
    /// Nothing staged yet.
    pub fn new() -> Outputs {
        Outputs::default()
    }

    /// Stages `bytes` for the file `path`.
    ///
    /// # Errors
    /// The directory cannot take a new file (permissions, full disk).
    pub fn file(&mut self, path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
        let real = through_links(path);
        let path = real.as_path();
        let dir = parent_of(path);
        remove_stale_temps(dir);
        let tmp = temp_name(dir);
        register(&tmp);
        self.staged.push(Staged {
            target: path.to_path_buf(),
            tmp: tmp.clone(),
            dir: false,
        });
        create_file(&tmp, bytes).map_err(|e| WriteError::io(path, e))?;
        if path.exists() {
            set_mode(&tmp, mode_of(path)).map_err(|e| WriteError::io(path, e))?;
        }
        Ok(())
    }

    /// Stages a directory of files (name, bytes) for `path`. An existing
    /// directory at `path` may be replaced only if it holds nothing but
    /// instance files ([`CSV_DIR_FILES`]); anything else there is refused.
    ///
    /// # Errors
    /// `path` is a file, or a directory holding other files; file system
    /// errors.
    pub fn dir(&mut self, path: &Path, files: &[(&str, Vec<u8>)]) -> Result<(), WriteError> {
        let real = through_links(path);
        let path = real.as_path();
        let io = |e| WriteError::io(path, e);
        let existing = check_replaceable_dir(path)?;
        let parent = parent_of(path);
        remove_stale_temps(parent);
        let tmp = temp_name(parent);
        register(&tmp);
        self.staged.push(Staged {
            target: path.to_path_buf(),
            tmp: tmp.clone(),
            dir: true,
        });
        fs::create_dir(&tmp).map_err(io)?;
        if existing {
            set_mode(&tmp, mode_of(path)).map_err(io)?;
        }
        for (name, bytes) in files {
            let p = tmp.join(name);
            create_file(&p, bytes).map_err(|e| WriteError::io(&path.join(name), e))?;
            if existing {
                let old = path.join(name);
                if old.exists() {
                    set_mode(&p, mode_of(&old)).map_err(io)?;
                }
            }
        }
        sync_dir(&tmp);
        Ok(())
    }

    /// Renames every staged output into place. If one rename fails, the
    /// outputs already renamed are put back as they were, and the error is
    /// returned: all or nothing.
    ///
    /// # Errors
    /// The file system refused a rename.
    pub fn commit(mut self) -> Result<(), WriteError> {
        test_pause();
        let mut list = temps();
        let staged = std::mem::take(&mut self.staged);
        let mut done: Vec<Done> = Vec::with_capacity(staged.len());
        for s in &staged {
            match put_in_place(s, &mut list) {
                Ok(d) => done.push(d),
                Err(e) => {
                    for d in done.into_iter().rev() {
                        d.undo(&mut list);
                    }
                    for s in &staged {
                        remove_any(&s.tmp);
                        unregister(&mut list, &s.tmp);
                    }
                    return Err(e);
                }
            }
        }
        let mut dirs = BTreeSet::new();
        for d in done {
            dirs.insert(parent_of(&d.target).to_path_buf());
            d.finish(&mut list);
        }
        drop(list);
        for dir in dirs {
            sync_dir(&dir);
        }
        Ok(())
    }
}

impl Drop for Outputs {
    fn drop(&mut self) {
        if self.staged.is_empty() {
            return;
        }
        let mut list = temps();
        for s in self.staged.drain(..) {
            remove_any(&s.tmp);
            unregister(&mut list, &s.tmp);
        }
    }
}

/// For tests of signals and kills between staging and commit: the
/// environment variable `PANELS_TEST_COMMIT_DELAY_MS` makes every commit
/// wait that long first. Unset in normal use.
fn test_pause() {
    if let Some(ms) = std::env::var_os("PANELS_TEST_COMMIT_DELAY_MS")
        .and_then(|v| v.to_str().and_then(|s| s.parse::<u64>().ok()))
    {
        std::thread::sleep(Duration::from_millis(ms.min(60_000)));
    }
}

/// True when `path` is an existing directory we may replace; false when
/// nothing is there.
fn check_replaceable_dir(path: &Path) -> Result<bool, WriteError> {
    let io = |e| WriteError::io(path, e);
    match fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => {
            return Err(WriteError::unrepresentable(
                path,
                "exists and is not a directory; a CSV instance is a directory",
            ))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(io(e)),
    }
    for entry in fs::read_dir(path).map_err(io)? {
        let name = entry.map_err(io)?.file_name();
        let name = name.to_string_lossy();
        if !CSV_DIR_FILES.contains(&name.as_ref()) {
            return Err(WriteError::unrepresentable(
                path,
                format!(
                    "the directory exists and holds {name:?}, which is not an instance \
                     file; write to a new directory"
                ),
            ));
        }
    }
    Ok(true)
}

/// One output put in place, with what it replaced (kept until all are in
/// place).
struct Done {
    target: PathBuf,
    /// Where the old file or directory now is, if there was one.
    old: Option<PathBuf>,
    /// The old one was swapped with the new one (exchange), not moved.
    exchanged: bool,
    /// There was something at the target, but no copy of it was kept (a
    /// file system without hard links): it cannot be put back.
    lost_old: bool,
}

impl Done {
    /// Puts the old output back (or removes the new one if there was none).
    fn undo(self, list: &mut Vec<PathBuf>) {
        match (&self.old, self.exchanged) {
            (Some(old), true) => {
                if exchange(old, &self.target).is_ok() {
                    remove_any(old);
                }
            }
            (Some(old), false) => {
                // A directory cannot be renamed over a non-empty one.
                if fs::symlink_metadata(old).is_ok_and(|m| m.is_dir()) {
                    remove_any(&self.target);
                }
                let _ = fs::rename(old, &self.target);
            }
            (None, _) if !self.lost_old => remove_any(&self.target),
            (None, _) => {}
        }
        if let Some(old) = &self.old {
            unregister(list, old);
        }
    }

    /// Drops the kept old output.
    fn finish(self, list: &mut Vec<PathBuf>) {
        if let Some(old) = &self.old {
            remove_any(old);
            unregister(list, old);
        }
    }
}

/// Swaps two paths in one step, where the platform can.
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    #[cfg(any(target_os = "linux", target_os = "android", target_vendor = "apple"))]
    {
        use rustix::fs::{renameat_with, RenameFlags, CWD};
        renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).map_err(std::io::Error::from)
    }
    #[cfg(not(any(target_os = "linux", target_os = "android", target_vendor = "apple")))]
    {
        let _ = (a, b);
        Err(std::io::Error::from(std::io::ErrorKind::Unsupported))
    }
}

/// Renames one staged output into place, keeping the old one aside.
fn put_in_place(s: &Staged, list: &mut Vec<PathBuf>) -> Result<Done, WriteError> {
    let io = |e| WriteError::io(&s.target, e);
    let exists = fs::symlink_metadata(&s.target).is_ok();
    let mut done = Done {
        target: s.target.clone(),
        old: None,
        exchanged: false,
        lost_old: false,
    };
    if s.dir && exists {
        if exchange(&s.tmp, &s.target).is_ok() {
            // The old directory is now at the temporary name.
            done.old = Some(s.tmp.clone());
            done.exchanged = true;
            return Ok(done);
        }
        let aside = temp_name(parent_of(&s.target));
        list.push(aside.clone());
        fs::rename(&s.target, &aside).map_err(io)?;
        done.old = Some(aside);
        if let Err(e) = fs::rename(&s.tmp, &s.target) {
            done.undo(list);
            return Err(io(e));
        }
        unregister(list, &s.tmp);
        return Ok(done);
    }
    if exists {
        let keep = temp_name(parent_of(&s.target));
        if fs::hard_link(&s.target, &keep).is_ok() {
            list.push(keep.clone());
            done.old = Some(keep);
        } else {
            done.lost_old = true;
        }
    }
    if let Err(e) = fs::rename(&s.tmp, &s.target) {
        if let Some(keep) = &done.old {
            remove_any(keep);
            unregister(list, keep);
        }
        return Err(io(e));
    }
    unregister(list, &s.tmp);
    Ok(done)
}

// ---------------------------------------------------------------- paths

/// A path as the file system knows it: its canonical form (the parent's,
/// plus the file name, when the path does not exist yet) and, when it
/// exists, its device and inode.
#[derive(Debug)]
struct Identity {
    canonical: PathBuf,
    inode: Option<(u64, u64)>,
    is_dir: bool,
}

fn identity(path: &Path) -> Identity {
    let meta = fs::metadata(path).ok();
    let canonical = path.canonicalize().unwrap_or_else(|_| {
        let parent = parent_of(path);
        let parent = parent
            .canonicalize()
            .unwrap_or_else(|_| parent.to_path_buf());
        match path.file_name() {
            Some(n) => parent.join(n),
            None => parent,
        }
    });
    #[cfg(unix)]
    let inode = {
        use std::os::unix::fs::MetadataExt;
        meta.as_ref().map(|m| (m.dev(), m.ino()))
    };
    #[cfg(not(unix))]
    let inode = None;
    Identity {
        canonical,
        inode,
        is_dir: meta.is_some_and(|m| m.is_dir()),
    }
}

fn same(a: &Identity, b: &Identity) -> bool {
    a.canonical == b.canonical || (a.inode.is_some() && a.inode == b.inode)
}

/// True when `file` is an instance file directly inside the directory `dir`.
fn inside_instance_dir(file: &Identity, dir: &Identity) -> bool {
    dir.is_dir
        && file.canonical.parent() == Some(dir.canonical.as_path())
        && file
            .canonical
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| CSV_DIR_FILES.contains(&n))
}

/// Refuses outputs that would write over an input or over each other: an
/// output that is an input (any spelling, symlink or hard link), an
/// instance file inside an input directory, a directory output holding an
/// input, or two outputs that are one file. The message says which paths
/// clash; nothing has been written.
///
/// # Errors
/// The message, in the user's terms.
pub fn check_paths(inputs: &[&Path], outputs: &[&Path]) -> Result<(), String> {
    let ins: Vec<Identity> = inputs.iter().map(|p| identity(p)).collect();
    let outs: Vec<Identity> = outputs.iter().map(|p| identity(p)).collect();
    for (o, out) in outputs.iter().zip(&outs) {
        for (i, inp) in inputs.iter().zip(&ins) {
            let i = i.display();
            let clash = if same(out, inp) {
                format!("is the input {i} (the same file)")
            } else if inside_instance_dir(out, inp) {
                format!("is a file of the input {i} (an instance directory)")
            } else if inside_instance_dir(inp, out) {
                format!("is a directory holding the input {i}")
            } else {
                continue;
            };
            return Err(format!(
                "{}: {clash}; write the output elsewhere, nothing was written",
                o.display()
            ));
        }
    }
    for (k, (a, ia)) in outputs.iter().zip(&outs).enumerate() {
        for (b, ib) in outputs.iter().zip(&outs).skip(k + 1) {
            if same(ia, ib) {
                return Err(format!(
                    "{} and {}: two outputs of this command are the same file; give each \
                     its own file name, nothing was written",
                    a.display(),
                    b.display()
                ));
            }
        }
    }
    Ok(())
}

/// Writes `bytes` to `path` whole or not at all: a temporary file in the
/// same directory (created with the umask's permissions, or the old
/// file's), flushed and fsynced, then renamed over `path` (see
/// [the module docs](self)).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut out = Outputs::new();
    let result = out.file(path, bytes).and_then(|()| out.commit());
    result.map_err(|e| match e {
        WriteError::Io { source, .. } => source,
        other => std::io::Error::other(other.to_string()),
    })
}

/// Serialises updates that read a file, change it and write it back
/// (`panels history append`: two officers, or the console and a script,
/// appending to one history file must not lose a round): an exclusive OS
/// lock on the file's folder, held until the returned handle is dropped,
/// or the process ends (a kill releases it too, so no stale lock is
/// left). Waits while another update holds it. `None` where a folder
/// cannot be locked (not a Unix system, or a file system without locks):
/// the update then runs as before, unserialised.
pub fn lock_folder_of(file: &Path) -> Option<std::fs::File> {
    #[cfg(unix)]
    {
        let folder = match file.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let handle = std::fs::File::open(folder).ok()?;
        loop {
            match rustix::fs::flock(&handle, rustix::fs::FlockOperation::LockExclusive) {
                Ok(()) => return Some(handle),
                Err(rustix::io::Errno::INTR) => continue,
                Err(_) => return None,
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = file;
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temp_names_carry_our_pid() {
        let t = temp_name(Path::new("."));
        let name = t.file_name().unwrap().to_str().unwrap();
        assert_eq!(temp_pid(name), Some(std::process::id()));
        assert_eq!(temp_pid(".panels-tmp-abc"), None);
    }

    #[test]
    fn a_failed_commit_puts_every_old_file_back() {
        let d = tempfile::tempdir().unwrap();
        let a = d.path().join("a.json");
        let sub = d.path().join("sub");
        fs::create_dir(&sub).unwrap();
        let b = sub.join("b.json");
        fs::write(&a, b"old a").unwrap();
        fs::write(&b, b"old b").unwrap();
        let mut out = Outputs::new();
        out.file(&a, b"new a").unwrap();
        out.file(&b, b"new b").unwrap();
        // The second target's directory goes away before the commit.
        fs::remove_dir_all(&sub).unwrap();
        assert!(out.commit().is_err());
        assert_eq!(fs::read(&a).unwrap(), b"old a");
        let left: Vec<_> = fs::read_dir(d.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(left, vec![std::ffi::OsString::from("a.json")]);
    }

    /// The directory swap in steps: after staging the old directory is in
    /// place; after the exchange the new one is, with the old one kept
    /// under a temporary name; the path never goes missing.
    #[test]
    fn a_csv_directory_is_swapped_in_one_step() {
        let d = tempfile::tempdir().unwrap();
        let target = d.path().join("inst");
        fs::create_dir(&target).unwrap();
        fs::write(target.join("experts.csv"), b"old").unwrap();
        let mut out = Outputs::new();
        out.dir(&target, &[("experts.csv", b"new".to_vec())])
            .unwrap();
        assert_eq!(fs::read(target.join("experts.csv")).unwrap(), b"old");
        let staged = &out.staged[0];
        let mut list = Vec::new();
        let done = put_in_place(staged, &mut list).unwrap();
        assert!(done.exchanged, "renameat2 exchange is available here");
        assert_eq!(fs::read(target.join("experts.csv")).unwrap(), b"new");
        let old = done.old.clone().unwrap();
        assert_eq!(fs::read(old.join("experts.csv")).unwrap(), b"old");
        done.finish(&mut list);
        out.staged.clear();
        assert!(!old.exists());
        assert_eq!(fs::read(target.join("experts.csv")).unwrap(), b"new");
    }
}

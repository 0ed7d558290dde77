//! Streams: reading input files block by block while they are hashed
//! and checked (`stream`), JSON values without repeated keys
//! (`strict`), the CSV cells every writer neutralises and every reader
//! restores (`csv_safe`), interned ids of the bulk records (`intern`),
//! and whole-file reads with their limit.

pub mod csv_safe;
pub(crate) mod intern;
pub(crate) mod stream;
pub(crate) mod strict;

use std::path::Path;

use crate::error::LoadError;
use crate::MAX_FILE_BYTES;

/// Lower-case hex of bytes (hashes).
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// An I/O error in a reader's words.
pub(crate) fn describe_io(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => format!("cannot read: {e}"),
    }
}

/// Reads a whole input file, refusing files over [`MAX_FILE_BYTES`].
pub(crate) fn read_file(path: &Path) -> Result<Vec<u8>, LoadError> {
    let meta = std::fs::metadata(path).map_err(|e| LoadError::new(path, describe_io(&e)))?;
    if meta.is_dir() {
        return Err(LoadError::new(path, "is a directory, expected a file"));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(LoadError::new(
            path,
            format!(
                "the file is {:.1} GiB; files over 1 GiB are refused (split the round)",
                meta.len() as f64 / (1u64 << 30) as f64
            ),
        ));
    }
    std::fs::read(path).map_err(|e| LoadError::new(path, describe_io(&e)))
}

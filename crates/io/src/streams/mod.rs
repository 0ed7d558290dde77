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

use crate::error::{LoadError, Said, Unreadable};
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
pub(crate) fn describe_io(e: &std::io::Error) -> Said {
    let why = match e.kind() {
        std::io::ErrorKind::NotFound => Unreadable::NotFound,
        std::io::ErrorKind::PermissionDenied => Unreadable::PermissionDenied,
        _ => Unreadable::Other(e.to_string()),
    };
    Said::Unreadable { why }
}

/// Why a whole-file read failed.
#[derive(Debug)]
pub(crate) enum ReadFailure {
    /// The file could not be opened or read.
    Io(std::io::Error),
    /// A directory where a file was expected.
    Directory,
    /// More than the limit: the size a regular file reports, or `None`
    /// when more than the limit was read from a pipe or device.
    TooLarge(Option<u64>),
}

impl ReadFailure {
    /// The failure in a reader's words, for `path`.
    pub(crate) fn into_error(self, path: &Path) -> LoadError {
        match self {
            ReadFailure::Io(e) => LoadError::said(path, describe_io(&e)),
            ReadFailure::Directory => LoadError::said(
                path,
                Said::Unreadable {
                    why: Unreadable::Directory,
                },
            ),
            ReadFailure::TooLarge(size) => LoadError::said(path, too_large(size)),
        }
    }
}

/// The message for an input over [`MAX_FILE_BYTES`]: its size when known
/// (a regular file), else that more was read (a pipe or device, whose
/// size is known only by reading it).
pub(crate) fn too_large(size: Option<u64>) -> Said {
    Said::TooLarge { size }
}

/// Reads a whole file, at most `limit` bytes: a regular file whose size
/// is over the limit is refused before anything is read, and every file
/// (a pipe or a device such as `/dev/zero` reports size 0) is refused as
/// soon as one byte more than the limit has been read, so the memory
/// spent is at most the limit and one piece whatever the file is.
pub(crate) fn read_limited(path: &Path, limit: u64) -> Result<Vec<u8>, ReadFailure> {
    use std::io::Read as _;
    let file = std::fs::File::open(path).map_err(ReadFailure::Io)?;
    let meta = file.metadata().map_err(ReadFailure::Io)?;
    if meta.is_dir() {
        return Err(ReadFailure::Directory);
    }
    if meta.is_file() && meta.len() > limit {
        return Err(ReadFailure::TooLarge(Some(meta.len())));
    }
    // Read in pieces, joined once at the end: a buffer grown by doubling
    // would hold its old and new blocks at once (1.5 GiB for a 1 GiB
    // pipe), more than an address-space limit (`ulimit -v`) may allow. A
    // regular file's size is its first piece's capacity, so it is read
    // in one piece unless it grows while read.
    let mut reader = file.take(limit.saturating_add(1));
    let first = usize::try_from(meta.len().min(limit)).unwrap_or(0);
    let mut pieces: Vec<Vec<u8>> = Vec::new();
    let mut total: u64 = 0;
    loop {
        let room = if pieces.is_empty() && meta.is_file() {
            first
        } else {
            PIECE
        };
        let mut piece = Vec::with_capacity(room.saturating_add(1));
        // Reads until this piece is full or the file ends (retrying
        // interrupted reads).
        let n = reader
            .by_ref()
            .take(room as u64 + 1)
            .read_to_end(&mut piece)
            .map_err(ReadFailure::Io)?;
        total += n as u64;
        if total > limit {
            let size = meta.is_file().then_some(total);
            return Err(ReadFailure::TooLarge(size));
        }
        if n > 0 {
            pieces.push(piece);
        }
        if n <= room {
            break;
        }
    }
    if pieces.len() == 1 {
        return Ok(pieces.pop().unwrap_or_default());
    }
    // Each piece is freed once copied.
    let mut bytes = Vec::with_capacity(usize::try_from(total).unwrap_or(usize::MAX));
    for piece in pieces {
        bytes.extend_from_slice(&piece);
    }
    Ok(bytes)
}

/// The size of the pieces [`read_limited`] reads a pipe or device in.
const PIECE: usize = 8 << 20;

/// Reads a whole input file, refusing one over [`MAX_FILE_BYTES`] (see
/// [`read_limited`]: counted as read, not taken from the size the file
/// reports).
pub(crate) fn read_file(path: &Path) -> Result<Vec<u8>, LoadError> {
    read_limited(path, MAX_FILE_BYTES).map_err(|e| e.into_error(path))
}

/// `read_file` for any caller: a whole input file that is not an
/// instance (a log, a report, a replacement's log), with the limit of
/// every file read whole.
///
/// # Errors
/// The file cannot be read, is a directory, or is over
/// [`MAX_FILE_BYTES`] (a message naming the file).
pub fn read_input(path: &Path) -> Result<Vec<u8>, LoadError> {
    read_file(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_are_capped_by_the_bytes_read() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("f.json");
        std::fs::write(&f, b"0123456789").unwrap();
        assert_eq!(read_limited(&f, 10).unwrap(), b"0123456789");
        assert!(matches!(
            read_limited(&f, 9),
            Err(ReadFailure::TooLarge(Some(10)))
        ));
        // A device that reports size 0 and never ends: stopped at the
        // limit + 1.
        let zero = Path::new("/dev/zero");
        if zero.exists() {
            assert!(matches!(
                read_limited(zero, 1 << 20),
                Err(ReadFailure::TooLarge(None))
            ));
            let e = read_limited(zero, 1 << 20).unwrap_err().into_error(zero);
            assert!(e.message().contains("files over 1 GiB are refused"), "{e}");
        }
        assert!(matches!(
            read_limited(dir.path(), 10),
            Err(ReadFailure::Directory)
        ));
        assert!(matches!(
            read_limited(&dir.path().join("none"), 10),
            Err(ReadFailure::Io(e)) if e.kind() == std::io::ErrorKind::NotFound
        ));
    }
}

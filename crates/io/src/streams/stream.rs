//! Input files read as a stream: a second thread reads a file in blocks,
//! feeds the input hash, checks UTF-8 and runs a byte scan (the CSV quote
//! check) as the bytes pass, while the parser takes them block by block.
//!
//! So a file is never held whole in memory (a load's memory is the model
//! it builds plus a few blocks), and hashing and checking cost the parser
//! no time on a machine with a second core. The text the parser sees has
//! its UTF-8 byte order mark removed; the hash covers the file's bytes as
//! they are.
//!
//! A read problem (an I/O error, invalid UTF-8, a file that changes while
//! it is read) stops the stream: the parser then sees an I/O error, which
//! it must not report itself; [`stream_file`] returns the located problem
//! instead.

use std::io::{self, BufRead, Read};
use std::path::Path;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};

use sha2::{Digest, Sha256};

use crate::error::{LoadError, Location};
use crate::instances::encodings::{stream_switch, Decoded};

/// Where a file's bytes go besides the parser: the input hash, and an
/// observer told how many bytes were read (for progress; called from the
/// reading thread).
pub(crate) struct Tap<'a> {
    hasher: Sha256,
    seen: &'a (dyn Fn(u64) + Sync),
    /// For a file read on another thread ([`Tap::keeping`]): its bytes,
    /// kept to be hashed later in their place ([`Tap::hash_kept`]).
    kept: Option<Vec<u8>>,
}

impl<'a> Tap<'a> {
    pub(crate) fn new(seen: &'a (dyn Fn(u64) + Sync)) -> Tap<'a> {
        Tap {
            hasher: Sha256::new(),
            seen,
            kept: None,
        }
    }

    /// A tap for a file read on another thread while the files before it
    /// are read: it keeps the bytes (and reports them), and the tap of
    /// the whole input hashes them in the file's place.
    pub(crate) fn keeping(seen: &'a (dyn Fn(u64) + Sync)) -> Tap<'a> {
        Tap {
            kept: Some(Vec::new()),
            ..Tap::new(seen)
        }
    }

    /// Bytes read from a file: hashed (or kept) and reported.
    pub(crate) fn read(&mut self, bytes: &[u8]) {
        match &mut self.kept {
            Some(kept) => kept.extend_from_slice(bytes),
            None => self.hasher.update(bytes),
        }
        (self.seen)(bytes.len() as u64);
    }

    /// The bytes a [`Tap::keeping`] tap kept.
    pub(crate) fn into_kept(self) -> Vec<u8> {
        self.kept.unwrap_or_default()
    }

    /// Hashes bytes another tap kept and reported ([`Tap::keeping`]).
    pub(crate) fn hash_kept(&mut self, bytes: &[u8]) {
        self.hasher.update(bytes);
    }

    /// What a CSV directory's hash puts before each file's bytes (see
    /// [`crate::instances::instance_sha256`]): its name, a NUL byte, its length as 8
    /// little-endian bytes.
    pub(crate) fn file_header(&mut self, name: &str, len: u64) {
        self.hasher.update(name.as_bytes());
        self.hasher.update([0u8]);
        self.hasher.update(len.to_le_bytes());
    }

    /// Starts over (the file is read again): a new hash; the bytes were
    /// reported once already.
    pub(crate) fn restart(&mut self) {
        self.hasher = Sha256::new();
        self.seen = &|_| {};
        if let Some(kept) = &mut self.kept {
            kept.clear();
        }
    }

    /// The hash, in lower-case hex.
    pub(crate) fn finish(self) -> String {
        crate::streams::hex(&self.hasher.finalize())
    }
}

/// A block's bytes (or a part of them cut at a mark) as text. The reading
/// thread has checked them (whole UTF-8 characters); this checks again
/// with SIMD (a few milliseconds for 30 MB; the standard library's check
/// took the reading thread about four times as long), the one way to a
/// `&str` without `unsafe`. An error here is an internal one.
pub(crate) fn text_of(bytes: &[u8]) -> io::Result<&str> {
    simdutf8::basic::from_utf8(bytes)
        .map_err(|_| io::Error::other("internal error: a block is not UTF-8"))
}

/// Bytes read per block.
const BLOCK: usize = 1 << 20;

/// Blocks in flight between the reading thread and the parser.
const IN_FLIGHT: usize = 4;

/// A scan over a file's text in order, run on the reading thread: it
/// marks offsets in each block for the parser (the CSV quote scan marks
/// where rows end; the JSON scan marks the structure of a bundle).
pub(crate) trait Scan: Send {
    /// Takes the next block's text, pushing offsets into it to `marks`.
    fn feed(&mut self, text: &[u8], marks: &mut Vec<u32>);
}

/// No scan.
impl Scan for () {
    fn feed(&mut self, _: &[u8], _: &mut Vec<u32>) {}
}

/// What the reading thread sends.
enum Message {
    /// Text (whole UTF-8 characters, checked on the reading thread: see
    /// [`text_of`]), and the scan's marks in it.
    Block(Vec<u8>, Vec<u32>),
    /// The file ended.
    End,
    /// Reading stopped on a problem (returned by [`stream_file`]).
    Failed,
}

/// The parser's side of a stream: the file's text in order, BOM removed.
pub(crate) struct Source {
    rx: Receiver<Message>,
    recycle: SyncSender<Vec<u8>>,
    block: Vec<u8>,
    pos: usize,
    state: State,
    /// For [`Source::next_piece`]: text after the last boundary, and the
    /// piece handed out last.
    pending: String,
    piece: String,
    /// The file's length when it is a regular file (a pipe has none).
    len: Option<u64>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Open,
    Ended,
    Failed,
}

impl Source {
    /// The next block from the reading thread, or `None` once it has
    /// ended or failed (then `state` says which).
    fn receive(&mut self) -> Option<(Vec<u8>, Vec<u32>)> {
        if self.state != State::Open {
            return None;
        }
        match self.rx.recv() {
            Ok(Message::Block(b, marks)) => return Some((b, marks)),
            Ok(Message::End) => self.state = State::Ended,
            Ok(Message::Failed) | Err(_) => self.state = State::Failed,
        }
        None
    }

    /// Makes the next block current; false at the end.
    fn next_block(&mut self) -> io::Result<bool> {
        while self.pos == self.block.len() {
            let Some((b, _)) = self.receive() else {
                return self.stopped();
            };
            let old = std::mem::replace(&mut self.block, b);
            self.recycle(old);
            self.pos = 0;
        }
        Ok(true)
    }

    /// The next piece of text that ends at a record boundary (the [`Scan`]'s
    /// last mark in a block is the offset after a boundary), or `None` at
    /// the end. Not to be mixed with reading through [`Read`].
    pub(crate) fn next_piece(&mut self) -> io::Result<Option<&str>> {
        loop {
            let Some((b, marks)) = self.receive() else {
                if self.pending.is_empty() || self.state == State::Failed {
                    return self.stopped().map(|_| None);
                }
                self.piece.clear();
                std::mem::swap(&mut self.piece, &mut self.pending);
                break;
            };
            let cut = marks.last().map_or(0, |&m| m as usize);
            // Marks sit at ASCII bytes: both sides are whole characters.
            let (Some(before), Some(after)) = (b.get(..cut), b.get(cut..)) else {
                return Err(io::Error::other("internal error: a mark past its block"));
            };
            self.pending.push_str(text_of(before)?);
            let boundary = cut > 0;
            if boundary {
                self.piece.clear();
                std::mem::swap(&mut self.piece, &mut self.pending);
            }
            self.pending.push_str(text_of(after)?);
            self.recycle(b);
            if boundary {
                break;
            }
        }
        Ok(Some(&self.piece))
    }

    /// The next block of text with the scan's marks in it, or `None` at
    /// the end. Not to be mixed with the other ways of reading.
    pub(crate) fn next_marked(&mut self) -> io::Result<Option<(Vec<u8>, Vec<u32>)>> {
        match self.receive() {
            Some(block) => Ok(Some(block)),
            None => self.stopped().map(|_| None),
        }
    }

    /// The length in bytes of the file being read, when it is a regular
    /// file: a hint for sizing what is read from it, never a bound (the
    /// file may change while read).
    pub(crate) fn file_len(&self) -> Option<u64> {
        self.len
    }

    /// Gives a block's buffer back to the reading thread (which may have
    /// stopped: a lost buffer is fine).
    pub(crate) fn recycle(&mut self, block: Vec<u8>) {
        let _ = self.recycle.try_send(block);
    }

    fn stopped(&self) -> io::Result<bool> {
        match self.state {
            State::Failed => Err(io::Error::other("the file could not be read")),
            _ => Ok(false),
        }
    }
}

impl Read for Source {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if !self.next_block()? {
            return Ok(0);
        }
        let n = buf.len().min(self.block.len() - self.pos);
        buf[..n].copy_from_slice(&self.block[self.pos..self.pos + n]);
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for Source {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if !self.next_block()? {
            return Ok(&[]);
        }
        Ok(&self.block[self.pos..])
    }

    fn consume(&mut self, n: usize) {
        self.pos += n;
    }
}

/// Runs `parse` on the text of the file at `path` while a second thread
/// reads it, feeding `tap` and `scan` with the file's bytes.
///
/// # Errors
/// The file cannot be opened or read, or is not UTF-8 (with the offset and
/// line of the first bad byte); then `parse`'s result is dropped.
pub(crate) fn stream_file<T>(
    path: &Path,
    tap: &mut Tap<'_>,
    scan: &mut dyn Scan,
    parse: impl FnOnce(&mut Source) -> T,
) -> Result<T, LoadError> {
    stream_decoding(path, tap, scan, None, parse).map(|(parsed, _)| parsed)
}

/// [`stream_file`] for office tables (CSV): a file whose bytes stop being
/// UTF-8 after a prefix of plain ASCII (which reads the same in both) is
/// read on as GB18030 from there, decoded as it streams; so is one whose
/// first block beyond ASCII is GBK in disguise, or ambiguous while
/// `prefer_gb18030` ([`crate::instances::encodings::stream_switch`]). The
/// second value says how the file was decoded, for a note. A file with
/// other text before its first non-UTF-8 byte is no GB18030 file: the
/// UTF-8 error stands.
///
/// # Errors
/// As [`stream_file`]; bytes that are neither UTF-8 nor GB18030 (the
/// UTF-8 error where the file stops being UTF-8, as a whole-file read
/// reports it).
pub(crate) fn stream_table<T>(
    path: &Path,
    tap: &mut Tap<'_>,
    scan: &mut dyn Scan,
    prefer_gb18030: bool,
    parse: impl FnOnce(&mut Source) -> T,
) -> Result<(T, Decoded), LoadError> {
    stream_decoding(path, tap, scan, Some(prefer_gb18030), parse)
}

fn stream_decoding<T>(
    path: &Path,
    tap: &mut Tap<'_>,
    scan: &mut dyn Scan,
    gb18030: Option<bool>,
    parse: impl FnOnce(&mut Source) -> T,
) -> Result<(T, Decoded), LoadError> {
    let file = std::fs::File::open(path)
        .map_err(|e| LoadError::said(path, crate::streams::describe_io(&e)))?;
    // Read once: the reading thread checks the bytes against it, and the
    // parser sizes what it keeps by it.
    let meta = file
        .metadata()
        .map_err(|e| LoadError::said(path, crate::streams::describe_io(&e)))?;
    let opened = Opened {
        file,
        len: meta.len(),
        regular: meta.is_file(),
    };
    let len = opened.regular.then_some(opened.len);
    let (tx, rx) = sync_channel(IN_FLIGHT);
    let (recycle, recycled) = sync_channel(IN_FLIGHT + 2);
    std::thread::scope(|scope| {
        let reading =
            scope.spawn(move || read_blocks(path, opened, tap, scan, gb18030, &tx, &recycled));
        let mut source = Source {
            rx,
            recycle,
            block: Vec::new(),
            pos: 0,
            state: State::Open,
            pending: String::new(),
            piece: String::new(),
            len,
        };
        let parsed = parse(&mut source);
        // The reader stops when the parser is done, whether or not the
        // parser read to the end.
        drop(source);
        match reading.join() {
            Ok(Ok(encoding)) => Ok((parsed, encoding)),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(LoadError::new(path, "the reading thread failed")),
        }
    })
}

/// A file as opened, with what its metadata said then: its length, and
/// whether it is a regular file (a pipe or device reports length 0).
struct Opened {
    file: std::fs::File,
    len: u64,
    regular: bool,
}

/// The reading thread: blocks of whole UTF-8 characters to `tx`. With
/// `gb18030` (`Some(prefer)`), a file that turns out not to be UTF-8 (or
/// GBK in disguise) after an ASCII prefix is decoded as GB18030 from its
/// first block with a non-ASCII byte on (returned: how it was decoded).
fn read_blocks(
    path: &Path,
    opened: Opened,
    tap: &mut Tap<'_>,
    scan: &mut dyn Scan,
    gb18030: Option<bool>,
    tx: &SyncSender<Message>,
    recycled: &Receiver<Vec<u8>>,
) -> Result<Decoded, LoadError> {
    let fail = |e: LoadError| {
        let _ = tx.send(Message::Failed);
        Err(e)
    };
    // Bytes of a character cut by the end of the last block.
    let mut carry: Vec<u8> = Vec::new();
    let mut offset: u64 = 0; // of the block's first byte in the file
    let mut lines: u64 = 0; // newlines before it
    let mut first = true;
    // Every byte before this block was ASCII (so far the file reads the
    // same as UTF-8 and as GB18030).
    let mut ascii = true;
    // Decoding as GB18030 (after the switch).
    let mut decoder: Option<encoding_rs::Decoder> = None;
    // How the file is decoded (once its first block beyond ASCII is seen).
    let mut decoded = Decoded::Utf8;
    let mut read_total: u64 = 0; // bytes read from the file
                                 // The first byte that is not UTF-8 (offset, line), once decoding.
    let mut not_utf8: Option<(u64, u64)> = None;
    let Opened {
        mut file,
        len: expected,
        regular,
    } = opened;
    loop {
        let mut block = recycled.try_recv().unwrap_or_default();
        block.clear();
        block.reserve(BLOCK + carry.len());
        block.append(&mut carry);
        let kept = block.len();
        block.resize(kept + BLOCK, 0);
        let n = match read_full(&mut file, &mut block[kept..]) {
            Ok(n) => n,
            Err(e) => {
                return fail(LoadError::said(path, crate::streams::describe_io(&e)));
            }
        };
        block.truncate(kept + n);
        tap.read(&block[kept..]);
        read_total += n as u64;
        // Bytes are counted as read, not trusted to the size reported: a
        // regular file that grows is stopped at once (it changed), and
        // anything else (a pipe or device reports size 0) at the limit of
        // a file read whole.
        if let Some(e) = over_limit(path, regular, expected, read_total) {
            return fail(e);
        }
        let at_end = n == 0;
        let switch = match gb18030 {
            Some(prefer) if decoder.is_none() && ascii && !block.is_ascii() => {
                stream_switch(&block, prefer)
            }
            _ => None,
        };
        if let Some(how) = switch {
            decoded = how;
        }
        if decoder.is_none() && decoded.is_gb18030() {
            decoder = Some(encoding_rs::GB18030.new_decoder_without_bom_handling());
            // Where the file stops being UTF-8: if it is no GB18030 either,
            // that is the error, as a whole-file read reports it.
            if let Err(e) = std::str::from_utf8(&block) {
                let at = e.valid_up_to();
                let start = read_total - block.len() as u64;
                not_utf8 = Some((start + at as u64, lines + count_newlines(&block[..at]) + 1));
            }
        }
        if let Some(dec) = decoder.as_mut() {
            let raw = std::mem::take(&mut block);
            match decode_block(dec, &raw, at_end) {
                Ok(text) => block = text.into_bytes(),
                Err(at) => {
                    let start = read_total - raw.len() as u64;
                    let (offset, line) = not_utf8
                        .unwrap_or((start + at as u64, lines + count_newlines(&raw[..at]) + 1));
                    return fail(utf8_error(path, offset, line));
                }
            }
        } else {
            // Checked with SIMD here (the error says where, as the
            // standard library's does); the parser's side checks again
            // with SIMD as it takes the text ([`text_of`]).
            let valid = match simdutf8::compat::from_utf8(&block) {
                Ok(_) => block.len(),
                // A character cut by the block's end: finish it next time.
                Err(e) if e.error_len().is_none() && !at_end => e.valid_up_to(),
                Err(e) => {
                    let at = e.valid_up_to();
                    let line = lines + count_newlines(&block[..at]) + 1;
                    return fail(utf8_error(path, offset + at as u64, line));
                }
            };
            carry.extend_from_slice(&block[valid..]);
            block.truncate(valid);
            ascii = ascii && block.is_ascii();
        }
        let mut skip = 0;
        if first && !block.is_empty() {
            first = false;
            if block.starts_with(b"\xEF\xBB\xBF") {
                skip = 3;
            }
        }
        offset += block.len() as u64;
        lines += count_newlines(&block);
        let text = &block[skip..];
        let mut marks = Vec::new();
        scan.feed(text, &mut marks);
        if at_end {
            if read_total != expected {
                return fail(LoadError::said(
                    path,
                    crate::error::Said::FileChanged {
                        expected,
                        read: Some(read_total),
                    },
                ));
            }
            if block.len() > skip {
                block.drain(..skip);
                if tx.send(Message::Block(block, marks)).is_err() {
                    return Ok(decoded);
                }
            }
            let _ = tx.send(Message::End);
            return Ok(decoded);
        }
        if skip > 0 {
            block.drain(..skip);
        }
        // Checked above: whole characters only.
        if !block.is_empty() && tx.send(Message::Block(block, marks)).is_err() {
            // The parser stopped early (a fatal error): nothing more to do.
            return Ok(decoded);
        }
    }
}

/// The error for a stream that has read `read` bytes: more than a regular
/// file's `expected` size (it changed while read), or more than
/// [`crate::MAX_FILE_BYTES`] of anything else.
fn over_limit(path: &Path, regular: bool, expected: u64, read: u64) -> Option<LoadError> {
    if regular && read > expected {
        Some(LoadError::said(
            path,
            crate::error::Said::FileChanged {
                expected,
                read: None,
            },
        ))
    } else if !regular && read > crate::MAX_FILE_BYTES {
        Some(LoadError::said(path, crate::streams::too_large(None)))
    } else {
        None
    }
}

/// One block through the GB18030 decoder; on malformed bytes, the index
/// in `raw` where they start.
fn decode_block(dec: &mut encoding_rs::Decoder, raw: &[u8], last: bool) -> Result<String, usize> {
    let mut out = String::with_capacity(
        dec.max_utf8_buffer_length_without_replacement(raw.len())
            .unwrap_or(raw.len() * 3 + 16),
    );
    let (result, read) = dec.decode_to_string_without_replacement(raw, &mut out, last);
    match result {
        encoding_rs::DecoderResult::InputEmpty if read == raw.len() => Ok(out),
        encoding_rs::DecoderResult::Malformed(bad, after) => {
            Err(read.saturating_sub(usize::from(bad) + usize::from(after)))
        }
        _ => Err(read),
    }
}

/// Reads until `buf` is full or the file ends.
fn read_full(file: &mut std::fs::File, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match file.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

fn count_newlines(bytes: &[u8]) -> u64 {
    // Counted in byte lanes over runs short enough not to overflow them,
    // which the compiler turns into vector compares and adds (a count of
    // a filter is compiled a byte at a time).
    bytes
        .chunks(255)
        .map(|run| u64::from(run.iter().map(|&b| u8::from(b == b'\n')).sum::<u8>()))
        .sum()
}

/// The message for invalid UTF-8 at a byte offset (counted from the file's
/// first byte) on a line.
pub(crate) fn utf8_error(file: &Path, offset: u64, line: u64) -> LoadError {
    LoadError::said(file, crate::error::Said::InvalidUtf8).at(Location::Byte { offset, line })
}

/// Feeds a file to a tap by streaming it (no whole-file buffer), counting
/// the bytes as [`stream_file`] does: a regular file read past the size
/// it reported changed; anything else is refused past
/// [`crate::MAX_FILE_BYTES`].
pub(crate) fn hash_file(path: &Path, tap: &mut Tap<'_>) -> Result<(), LoadError> {
    let io_err = |e: io::Error| LoadError::said(path, crate::streams::describe_io(&e));
    let mut file = std::fs::File::open(path).map_err(io_err)?;
    let meta = file.metadata().map_err(io_err)?;
    let mut buf = vec![0u8; 1 << 16];
    let mut read: u64 = 0;
    loop {
        let n = read_full(&mut file, &mut buf).map_err(io_err)?;
        if n == 0 {
            return Ok(());
        }
        read += n as u64;
        if let Some(e) = over_limit(path, meta.is_file(), meta.len(), read) {
            return Err(e);
        }
        tap.read(&buf[..n]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The lane count agrees with counting byte by byte, on runs of
        /// newlines longer than a lane holds too.
        #[test]
        fn newlines_are_counted_as_byte_by_byte(
            parts in proptest::collection::vec((0usize..600, 0usize..40), 0..12),
        ) {
            let mut bytes = Vec::new();
            for (newlines, others) in parts {
                bytes.extend(std::iter::repeat_n(b'\n', newlines));
                bytes.extend((0..others).map(|i| b"a\r\x00\xff"[i % 4]));
            }
            let by_byte = bytes.iter().filter(|&&b| b == b'\n').count() as u64;
            proptest::prop_assert_eq!(count_newlines(&bytes), by_byte);
        }
    }

    fn stream(bytes: &[u8]) -> (Result<Vec<u8>, LoadError>, String) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.json");
        std::fs::write(&path, bytes).unwrap();
        let seen = std::sync::atomic::AtomicU64::new(0);
        let count = |n: u64| {
            seen.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
        };
        let mut tap = Tap::new(&count);
        let got = stream_file(&path, &mut tap, &mut (), |s| {
            let mut out = Vec::new();
            s.read_to_end(&mut out).map(|_| out)
        });
        let hash = tap.finish();
        if got.is_ok() {
            assert_eq!(seen.into_inner(), bytes.len() as u64, "every byte reported");
        }
        (
            got.and_then(|r| r.map_err(|e| LoadError::new(&path, e.to_string()))),
            hash,
        )
    }

    #[test]
    fn text_passes_whole_and_the_hash_covers_the_bom() {
        // Longer than a block, with a character cut by the block's end.
        let mut bytes = b"\xEF\xBB\xBF".to_vec();
        while bytes.len() < BLOCK + 10 {
            bytes.extend_from_slice("武汉 ab\n".as_bytes());
        }
        let (got, hash) = stream(&bytes);
        assert_eq!(got.unwrap(), &bytes[3..]);
        assert_eq!(hash, crate::streams::hex(&Sha256::digest(&bytes)));
    }

    fn stream_gbk(bytes: &[u8]) -> Result<(String, Decoded), LoadError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        std::fs::write(&path, bytes).unwrap();
        let none = |_: u64| {};
        let mut tap = Tap::new(&none);
        stream_table(&path, &mut tap, &mut (), false, |s| {
            let mut out = String::new();
            s.read_to_string(&mut out).map(|_| out)
        })
        .and_then(|(r, enc)| Ok((r.map_err(|e| LoadError::new(&path, e.to_string()))?, enc)))
    }

    #[test]
    fn gbk_after_an_ascii_prefix_longer_than_blocks_is_decoded() {
        // ASCII for more than two blocks, then Chinese in GBK with a
        // two-byte character cut by a block's end.
        let mut text = String::new();
        while text.len() < 2 * BLOCK - 1 {
            text.push_str("E0001,Wuhan,x\n");
        }
        text.truncate(2 * BLOCK - 1);
        text.push_str("武汉,长沙\n");
        for _ in 0..1000 {
            text.push_str("E0002,合肥,中南大学\n");
        }
        let (gbk, _, _) = encoding_rs::GB18030.encode(&text);
        assert!(std::str::from_utf8(&gbk).is_err());
        let (got, enc) = stream_gbk(&gbk).unwrap();
        assert_eq!(enc, Decoded::Other("GB18030"));
        assert_eq!(got, text);
        // The same text in UTF-8 is read as it is.
        let (got, enc) = stream_gbk(text.as_bytes()).unwrap();
        assert_eq!((got.as_str(), enc), (text.as_str(), Decoded::Utf8));
        // Neither encoding: the UTF-8 error where the file stops being
        // UTF-8, as a whole-file read reports it.
        let mut bad = gbk.to_vec();
        let at = bad.len() - 5;
        bad[at] = 0xFF;
        let e = stream_gbk(&bad).unwrap_err();
        assert!(e.message().contains("invalid UTF-8"), "{e}");
        let first = (2 * BLOCK - 1) as u64;
        assert_eq!(
            e.location().map(|l| l.to_string()),
            Some(
                Location::Byte {
                    offset: first,
                    line: 1 + count_newlines(&gbk[..first as usize])
                }
                .to_string()
            )
        );
    }

    #[test]
    fn gbk_that_is_valid_utf8_after_an_ascii_prefix_is_decoded() {
        // ASCII for more than a block, then GBK whose bytes are valid
        // UTF-8 (太原 as UTF-8 is a combining mark and a Cyrillic letter),
        // a line cut by the block's end.
        let mut text = String::new();
        while text.len() < BLOCK + 100 {
            text.push_str("E0001,Wuhan,x\n");
        }
        text.push_str("E0002,太原,眉山\n");
        let (gbk, _, _) = encoding_rs::GB18030.encode(&text);
        assert!(std::str::from_utf8(&gbk).is_ok());
        let (got, enc) = stream_gbk(&gbk).unwrap();
        assert!(matches!(enc, Decoded::Disguised(_)), "{enc:?}");
        assert_eq!(got, text);
        // Ambiguous GBK (毛 is the UTF-8 of ë) stays UTF-8, said so.
        let text = text.replace("太原,眉山", "毛,x");
        let (got, enc) = stream_gbk(&encoding_rs::GB18030.encode(&text).0).unwrap();
        assert!(matches!(enc, Decoded::Ambiguous(_, false)), "{enc:?}");
        assert_ne!(got, text);
    }

    #[test]
    fn invalid_utf8_is_located_across_blocks() {
        let mut bytes = vec![b'a'; BLOCK + 5];
        bytes[BLOCK - 2] = b'\n';
        bytes[BLOCK + 1] = 0xFF;
        let (got, _) = stream(&bytes);
        let e = got.unwrap_err();
        assert_eq!(
            e.location().map(|l| l.to_string()),
            Some(
                Location::Byte {
                    offset: BLOCK as u64 + 1,
                    line: 2
                }
                .to_string()
            )
        );
        // A character cut off by the end of the file.
        let (got, _) = stream("ab武".as_bytes().split_last().unwrap().1);
        assert!(got.unwrap_err().message().contains("invalid UTF-8"));
    }
}

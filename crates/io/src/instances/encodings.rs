//! Text encodings of office tables (CSV): UTF-8 with or without a byte
//! order mark, UTF-16 with one or told by its NUL bytes, and GB18030
//! (which covers GBK and GB2312, as Excel on Chinese Windows saves
//! "CSV"), including GBK bytes that happen to be valid UTF-8.
//!
//! The rule for such bytes (docs/office-tables.md, "Encodings"): valid
//! UTF-8 whose GB18030 reading is Chinese text ([`reads_as_chinese`]) and
//! whose UTF-8 reading holds no ideograph is judged by its UTF-8 reading:
//! text no office writes ([`no_office_text`]) is read as GB18030; other
//! text is *ambiguous*, kept as UTF-8 with a note, unless another table
//! of the same CSV directory is GB18030 (then it is read as GB18030 too).
//! Both the whole-file reader ([`decode_table`]) and the streaming reader
//! (`crate::streams::stream`) ask [`judge_utf8`].

use std::borrow::Cow;
use std::path::Path;

use crate::error::{Errs, LoadError};

/// Bytes looked at to tell UTF-16 without a byte order mark
/// ([`utf16_without_bom`]).
const UTF16_SNIFF_BYTES: usize = 4096;

/// UTF-16 without a byte order mark (saved by some tools as "Unicode
/// text"), told by its NUL bytes: every ASCII character of a table (its
/// commas, digits, line ends) is a NUL byte next to its code. In the first
/// [`UTF16_SNIFF_BYTES`] bytes, NUL bytes on one side of at least one
/// pair in eight and on the other side almost never (a CJK character
/// like `一`, U+4E00, has one) make it UTF-16, little-endian when the
/// NULs come second. UTF-8 text holds no NUL bytes but by mistake.
pub(crate) fn utf16_without_bom(bytes: &[u8]) -> Option<&'static encoding_rs::Encoding> {
    let head = &bytes[..bytes.len().min(UTF16_SNIFF_BYTES) & !1];
    let pairs = head.len() / 2;
    if pairs < 2 {
        return None;
    }
    let (mut first, mut second) = (0usize, 0usize);
    for pair in head.chunks_exact(2) {
        first += usize::from(pair[0] == 0);
        second += usize::from(pair[1] == 0);
    }
    if second * 8 >= pairs && first * 16 <= second {
        Some(encoding_rs::UTF_16LE)
    } else if first * 8 >= pairs && second * 16 <= first {
        Some(encoding_rs::UTF_16BE)
    } else {
        None
    }
}

/// Decodes UTF-16 text after its byte order mark (if any; `bom` says
/// the file had one): the text, or the error that it is not valid `enc`.
fn decode_utf16(
    file: &Path,
    enc: &'static encoding_rs::Encoding,
    body: &[u8],
    bom: bool,
) -> Result<String, LoadError> {
    let (text, malformed) = enc.decode_without_bom_handling(body);
    if malformed {
        return Err(LoadError::said(
            file,
            crate::error::Said::Undecodable {
                encoding: enc.name().to_string(),
                bom,
            },
        ));
    }
    Ok(text.into_owned())
}

/// A short piece of a table's text in both readings, for a note: the
/// first cell holding a byte beyond ASCII.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Sample {
    utf8: String,
    gb18030: String,
}

impl Sample {
    /// The first cell of `bytes` (valid UTF-8 and GB18030 up to a cut
    /// character at the end) holding a byte beyond ASCII.
    fn of(bytes: &[u8]) -> Sample {
        let Some(at) = bytes.iter().position(|b| !b.is_ascii()) else {
            return Sample {
                utf8: String::new(),
                gb18030: String::new(),
            };
        };
        let cell_end = |b: &u8| matches!(b, b',' | b'\t' | b'\r' | b'\n' | b'"');
        let start = bytes[..at].iter().rposition(cell_end).map_or(0, |i| i + 1);
        let end = bytes[at..]
            .iter()
            .position(cell_end)
            .map_or(bytes.len(), |i| at + i)
            .min(start + 48);
        let cell = &bytes[start..end];
        Sample {
            utf8: String::from_utf8_lossy(cell).into_owned(),
            gb18030: encoding_rs::GB18030
                .decode_without_bom_handling(cell)
                .0
                .into_owned(),
        }
    }
}

/// How a table's bytes were decoded (for its note, and for the decision
/// across a CSV directory).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Decoded {
    /// UTF-8, nothing to note.
    Utf8,
    /// Bytes that are not UTF-8 (or UTF-16), read in the named encoding.
    Other(&'static str),
    /// Valid UTF-8 that reads as no office text, read as GB18030.
    Disguised(Sample),
    /// Valid UTF-8 that also reads as Chinese GB18030 text: read as
    /// GB18030 when `true` (another table of the directory is GB18030),
    /// else kept as UTF-8.
    Ambiguous(Sample, bool),
}

impl Decoded {
    /// True when the text was read as GB18030.
    pub(crate) fn is_gb18030(&self) -> bool {
        match self {
            Decoded::Utf8 | Decoded::Ambiguous(_, false) => false,
            Decoded::Other(name) => *name == "GB18030",
            Decoded::Disguised(_) | Decoded::Ambiguous(_, true) => true,
        }
    }

    /// The note for stderr, if any.
    pub(crate) fn note(&self, file: &Path) -> Option<crate::note::Note> {
        let f = file.display();
        match self {
            Decoded::Utf8 => None,
            Decoded::Other(name) => Some(
                crate::note::Noted::Encoding {
                    file: f.to_string(),
                    name: name.to_string(),
                }
                .into(),
            ),
            Decoded::Disguised(s) => Some(
                format!(
                    "note: {f}: read as GB18030 (\"{}\"); its bytes are also valid UTF-8, \
                 but as UTF-8 they read {:?}, which is no office text",
                    s.gb18030, s.utf8
                )
                .into(),
            ),
            Decoded::Ambiguous(s, true) => Some(
                format!(
                    "note: {f}: read as GB18030 (\"{}\") like the directory's other GB18030 \
                 tables; its bytes are also valid UTF-8 (as UTF-8 they read {:?})",
                    s.gb18030, s.utf8
                )
                .into(),
            ),
            Decoded::Ambiguous(s, false) => Some(
                format!(
                    "note: {f}: read as UTF-8 ({:?}), but its bytes also read as Chinese text \
                 in GB18030 (\"{}\"); if the file was saved as GBK (Excel's \"CSV\" on \
                 Chinese Windows), save it as \"CSV UTF-8\" and load it again",
                    s.utf8, s.gb18030
                )
                .into(),
            ),
        }
    }

    /// Notes the decoding in `errs` and tells it whether the table was
    /// GB18030 or ambiguous (for the directory's decision).
    pub(crate) fn record(&self, file: &Path, errs: &mut Errs) {
        if let Some(n) = self.note(file) {
            errs.note(n);
        }
        errs.saw_encoding(
            self.is_gb18030(),
            matches!(self, Decoded::Ambiguous(_, false)),
        );
    }
}

/// A table file's text, decoded: UTF-8 (a BOM is dropped); UTF-16 with a
/// BOM, or without one when its NUL bytes show it ([`utf16_without_bom`]);
/// otherwise, if not UTF-8, GB18030 (which covers GBK) when it decodes
/// without error; valid UTF-8 as [`judge_utf8`] decides, ambiguous text
/// as GB18030 when `prefer_gb18030` (another table of the directory is
/// GB18030).
pub(crate) fn decode_table<'b>(
    file: &Path,
    bytes: &'b [u8],
    prefer_gb18030: bool,
) -> Result<(Cow<'b, str>, Decoded), LoadError> {
    if let Some(is) = not_a_text_table(bytes) {
        return Err(LoadError::said(file, crate::error::Said::NotText { is }));
    }
    if let Some((enc, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        if enc == encoding_rs::UTF_16LE || enc == encoding_rs::UTF_16BE {
            let text = decode_utf16(file, enc, &bytes[bom..], true)?;
            return Ok((Cow::Owned(text), Decoded::Other(enc.name())));
        }
    }
    if let Some(enc) = utf16_without_bom(bytes) {
        let text = decode_utf16(file, enc, bytes, false)?;
        let name = if enc == encoding_rs::UTF_16LE {
            "UTF-16LE without a byte order mark"
        } else {
            "UTF-16BE without a byte order mark"
        };
        return Ok((Cow::Owned(text), Decoded::Other(name)));
    }
    match crate::instances::bundle::text_of(file, bytes) {
        Ok(t) => Ok(match judge_utf8(bytes, t) {
            Utf8Verdict::Utf8 => (Cow::Borrowed(t), Decoded::Utf8),
            Utf8Verdict::Gb18030(text) => (Cow::Owned(text), Decoded::Disguised(Sample::of(bytes))),
            Utf8Verdict::Ambiguous(text) if prefer_gb18030 => (
                Cow::Owned(text),
                Decoded::Ambiguous(Sample::of(bytes), true),
            ),
            Utf8Verdict::Ambiguous(_) => (
                Cow::Borrowed(t),
                Decoded::Ambiguous(Sample::of(bytes), false),
            ),
        }),
        // Neither: the UTF-8 error, as a streamed read reports it.
        Err(utf8_error) => {
            // A UTF-8 byte order mark over GBK text (a file re-saved by a
            // tool that added the mark only): the mark is no character.
            let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
            match encoding_rs::GB18030.decode_without_bom_handling_and_without_replacement(body) {
                Some(text) => Ok((Cow::Owned(text.into_owned()), Decoded::Other("GB18030"))),
                None => Err(utf8_error),
            }
        }
    }
}

/// Characters Chinese office text is made of beyond ASCII: CJK
/// ideographs and punctuation, full-width forms, general punctuation.
fn office_char(c: char) -> bool {
    matches!(c as u32,
        0x00B7 | 0x00D7 | 0x2000..=0x206F | 0x2E80..=0x9FFF | 0xF900..=0xFAFF | 0xFE30..=0xFE4F
        | 0xFF00..=0xFFEF | 0x20000..=0x3FFFF)
}

/// A CJK ideograph (unified, extension A, compatibility, supplementary
/// planes).
fn ideograph(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x3FFFF)
}

/// A GB18030 reading that is Chinese office text: beyond ASCII only
/// [`office_char`]s, at least one ideograph, and no ideograph touching an
/// ASCII letter (the GB18030 reading of a UTF-8 `Zürich` is `Z眉rich`).
fn reads_as_chinese(text: &str) -> bool {
    let mut any = false;
    let mut prev = ' ';
    for c in text.chars() {
        if !c.is_ascii() && !office_char(c) {
            return false;
        }
        let (a, b) = (ideograph(prev), ideograph(c));
        if (a && c.is_ascii_alphabetic()) || (b && prev.is_ascii_alphabetic()) {
            return false;
        }
        any |= b;
        prev = c;
    }
    any
}

/// Characters no office text holds but the UTF-8 reading of GBK bytes
/// gives: C1 controls, IPA and spacing modifier letters (U+0250–U+02FF),
/// the Cyrillic supplement (U+0500–U+052F), and the scripts of
/// U+0530–U+0DFF (Armenian, Hebrew, Arabic, Syriac, Thaana, NKo,
/// Samaritan, Indic).
fn implausible_char(c: char) -> bool {
    matches!(c as u32, 0x0080..=0x009F | 0x0250..=0x02FF | 0x0500..=0x0DFF)
}

/// A Latin letter (ASCII, Latin-1, Latin Extended-A and -B, Latin
/// Extended Additional).
fn latin_letter(c: char) -> bool {
    c.is_ascii_alphabetic()
        || matches!(c as u32, 0xC0..=0xD6 | 0xD8..=0xF6 | 0xF8..=0x24F | 0x1E00..=0x1EFF)
}

/// The script of a letter among those GBK bytes read as UTF-8 give:
/// Latin, Greek, Cyrillic (bits 0, 1, 2).
fn script_bit(c: char) -> u8 {
    if latin_letter(c) {
        1
    } else if matches!(c as u32, 0x0370..=0x03FF) {
        2
    } else if matches!(c as u32, 0x0400..=0x04FF) {
        4
    } else {
        0
    }
}

/// True when a UTF-8 reading is text no office writes: an
/// [`implausible_char`]; a combining mark (U+0300–U+036F) not after a
/// Latin letter (at the start of a cell, after a Cyrillic letter); or a
/// word mixing Latin, Greek and Cyrillic letters, or holding two or more
/// Latin letters beyond ASCII and none in ASCII (`üɽ`, `ǮĀ`; `Zürich`
/// and `Dvořák` are words).
pub(crate) fn no_office_text(text: &str) -> bool {
    let mut after_latin = false;
    let (mut scripts, mut ascii_letters, mut extended) = (0u8, 0usize, 0usize);
    for c in text.chars() {
        if implausible_char(c) {
            return true;
        }
        if matches!(c as u32, 0x0300..=0x036F) {
            if !after_latin {
                return true;
            }
            continue;
        }
        after_latin = latin_letter(c);
        let bit = script_bit(c);
        if bit == 0 && !c.is_alphanumeric() {
            // A word ends.
            (scripts, ascii_letters, extended) = (0, 0, 0);
            continue;
        }
        scripts |= bit;
        ascii_letters += usize::from(c.is_ascii_alphabetic());
        extended += usize::from(bit == 1 && !c.is_ascii());
        if scripts.count_ones() > 1 || (extended >= 2 && ascii_letters == 0) {
            return true;
        }
    }
    false
}

/// What valid UTF-8 bytes are (see the module's rule).
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Utf8Verdict {
    /// UTF-8 text.
    Utf8,
    /// GBK bytes that happen to be valid UTF-8: the GB18030 text.
    Gb18030(String),
    /// Either: the GB18030 text.
    Ambiguous(String),
}

/// Judges bytes that are valid UTF-8 (`utf8`): GBK in disguise when the
/// UTF-8 reading holds no ideograph and is no office text
/// ([`no_office_text`]) while the GB18030 reading is Chinese
/// ([`reads_as_chinese`]); ambiguous when only the latter two hold
/// (`毛` in GBK is the UTF-8 of `ë`). A file that starts with a UTF-8
/// byte order mark is UTF-8, as it says.
pub(crate) fn judge_utf8(bytes: &[u8], utf8: &str) -> Utf8Verdict {
    if bytes.is_ascii() || bytes.starts_with(b"\xEF\xBB\xBF") || utf8.chars().any(ideograph) {
        return Utf8Verdict::Utf8;
    }
    let Some(gbk) = encoding_rs::GB18030.decode_without_bom_handling_and_without_replacement(bytes)
    else {
        return Utf8Verdict::Utf8;
    };
    if !reads_as_chinese(&gbk) {
        Utf8Verdict::Utf8
    } else if no_office_text(utf8) {
        Utf8Verdict::Gb18030(gbk.into_owned())
    } else {
        Utf8Verdict::Ambiguous(gbk.into_owned())
    }
}

/// The whole lines of a prefix of a file (up to its last newline, which
/// is the same byte in UTF-8 and GB18030 and never inside a character of
/// either), or all of it when it has none.
pub(crate) fn whole_lines(prefix: &[u8]) -> &[u8] {
    match prefix.iter().rposition(|&b| b == b'\n') {
        Some(i) => &prefix[..=i],
        None => prefix,
    }
}

/// How the first block of a streamed file holding a byte beyond ASCII
/// (after an ASCII prefix) is read: `None` to read on as UTF-8 without a
/// note, else the decoding (GB18030 from here when
/// [`Decoded::is_gb18030`]). Bytes that are not UTF-8 (a character cut
/// at the block's end aside) are GB18030; valid ones as [`judge_utf8`]
/// says for the block's whole lines.
pub(crate) fn stream_switch(block: &[u8], prefer_gb18030: bool) -> Option<Decoded> {
    let lines = whole_lines(block);
    let utf8 = match std::str::from_utf8(lines) {
        Ok(t) => t,
        Err(e) if e.error_len().is_none() => std::str::from_utf8(&lines[..e.valid_up_to()]).ok()?,
        Err(_) => return Some(Decoded::Other("GB18030")),
    };
    if std::str::from_utf8(block).is_err_and(|e| e.error_len().is_some()) {
        return Some(Decoded::Other("GB18030"));
    }
    match judge_utf8(lines, utf8) {
        Utf8Verdict::Utf8 => None,
        Utf8Verdict::Gb18030(_) => Some(Decoded::Disguised(Sample::of(lines))),
        Utf8Verdict::Ambiguous(_) => Some(Decoded::Ambiguous(Sample::of(lines), prefer_gb18030)),
    }
}

/// True when a file's first bytes show it needs [`decode_table`] (UTF-16
/// with or without a byte order mark, bytes that are not UTF-8, or UTF-8
/// that [`judge_utf8`] does not call plain UTF-8), so it is read whole
/// rather than streamed as UTF-8. `whole` says the prefix is the whole
/// file (else a character cut at its end is no error).
/// What a table file is when it is no text a table is read from: a
/// UTF-32 file (by its byte order mark), or a workbook or other zip file
/// given a table's name (by its signature). `None` for anything else.
pub(crate) fn not_a_text_table(bytes: &[u8]) -> Option<crate::error::NotText> {
    use crate::error::NotText;
    if bytes.starts_with(&[0xFF, 0xFE, 0, 0]) || bytes.starts_with(&[0, 0, 0xFE, 0xFF]) {
        return Some(NotText::Utf32);
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return Some(NotText::Zip);
    }
    None
}

pub(crate) fn needs_decoding(prefix: &[u8], whole: bool) -> bool {
    if not_a_text_table(prefix).is_some() {
        return true;
    }
    if prefix.starts_with(&[0xFF, 0xFE])
        || prefix.starts_with(&[0xFE, 0xFF])
        || utf16_without_bom(prefix).is_some()
    {
        return true;
    }
    match std::str::from_utf8(prefix) {
        Ok(t) if whole => judge_utf8(prefix, t) != Utf8Verdict::Utf8,
        Ok(_) => stream_switch(prefix, false).is_some(),
        Err(e) => whole || e.error_len().is_some() || stream_switch(prefix, false).is_some(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gbk(text: &str) -> Vec<u8> {
        encoding_rs::GB18030.encode(text).0.into_owned()
    }

    #[test]
    fn utf32_and_zip_files_are_named_not_decoded() {
        let f = Path::new("experts.csv");
        let utf32le: Vec<u8> = [0xFF, 0xFE, 0, 0]
            .into_iter()
            .chain(
                "id,city\nE1,武汉\n"
                    .chars()
                    .flat_map(|c| (c as u32).to_le_bytes()),
            )
            .collect();
        let utf32be: Vec<u8> = [0, 0, 0xFE, 0xFF]
            .into_iter()
            .chain("id,city\n".chars().flat_map(|c| (c as u32).to_be_bytes()))
            .collect();
        for (bytes, said) in [
            (utf32le, "UTF-32"),
            (utf32be, "UTF-32"),
            (
                b"PK\x03\x04\x14\x00\x06\x00rest of a workbook".to_vec(),
                "zip file",
            ),
        ] {
            assert!(needs_decoding(&bytes, true));
            let err = decode_table(f, &bytes, false).expect_err(said).to_string();
            assert!(err.contains(said), "{err}");
            assert!(err.contains("experts.csv"), "{err}");
        }
        // A UTF-16LE file whose first character is no NUL pair is still
        // UTF-16.
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("id,city\n".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert!(decode_table(f, &utf16, false).is_ok());
    }

    #[test]
    fn gbk_that_happens_to_be_utf8_is_read_as_gbk() {
        // Cities and a surname whose GBK bytes are valid UTF-8 that is no
        // office text: a combining mark opening a cell (太原, 台山, 谭),
        // IPA letters (眉山, 石狮), a mark after a Cyrillic letter (鹰潭),
        // a Hebrew point (值).
        for text in [
            "id,city\nE1,太原\n",
            "id,city\nE1,台山\n",
            "id,name\nE1,谭\n",
            "id,city\nE1,眉山\n",
            "id,city\nE1,石狮\n",
            "id,city\nE1,鹰潭\n",
            "key,值\nseed,3\n",
            "id,city\nE1,太原\nE2,眉山\nE3,台山\n",
        ] {
            let bytes = gbk(text);
            let utf8 = std::str::from_utf8(&bytes).expect("valid UTF-8 by accident");
            assert_eq!(
                judge_utf8(&bytes, utf8),
                Utf8Verdict::Gb18030(text.to_string()),
                "{text}"
            );
            let (read, how) = decode_table(Path::new("p.csv"), &bytes, false).unwrap();
            assert_eq!(read, text);
            assert!(how.is_gb18030());
            let note = how.note(Path::new("p.csv")).unwrap().to_string();
            assert!(note.contains("read as GB18030"), "{note}");
        }
    }

    #[test]
    fn gbk_that_reads_as_plausible_utf8_is_ambiguous_and_noted() {
        // 毛 is the UTF-8 of ë, 钱 of Ǯ, 卢 of ¬: kept as UTF-8 alone,
        // with a note; read as GB18030 when the directory prefers it.
        for text in ["id,name\nE1,毛\n", "id,name\nE1,钱\n", "id,name\nE1,卢\n"] {
            let bytes = gbk(text);
            let utf8 = std::str::from_utf8(&bytes).unwrap();
            assert_eq!(
                judge_utf8(&bytes, utf8),
                Utf8Verdict::Ambiguous(text.to_string()),
                "{text}"
            );
            let (read, how) = decode_table(Path::new("p.csv"), &bytes, false).unwrap();
            assert_eq!(read, utf8);
            assert!(!how.is_gb18030());
            let note = how.note(Path::new("p.csv")).unwrap().to_string();
            assert!(
                note.contains("read as UTF-8") && note.contains("CSV UTF-8"),
                "{note}"
            );
            let (read, how) = decode_table(Path::new("p.csv"), &bytes, true).unwrap();
            assert_eq!(read, text);
            assert!(how.is_gb18030());
        }
    }

    #[test]
    fn real_utf8_stays_utf8() {
        for real in [
            "参数,值\nZürich,是\n",
            "city\nZürich\n",
            "name\nJosé Müller\n",
            "name\nAntonín Dvořák\n",
            "city\nZu\u{308}rich\n",
            "name,city\nÅsa Ørsted,Genève\n",
        ] {
            assert_eq!(
                judge_utf8(real.as_bytes(), real),
                Utf8Verdict::Utf8,
                "{real}"
            );
            let (read, how) = decode_table(Path::new("p.csv"), real.as_bytes(), true).unwrap();
            assert_eq!((read.as_ref(), how), (real, Decoded::Utf8));
        }
        // A Cyrillic or Greek word also reads as Chinese GB18030: kept as
        // UTF-8, noted.
        for word in ["city\nМосква\n", "city\nΑθήνα\n"] {
            assert!(matches!(
                judge_utf8(word.as_bytes(), word),
                Utf8Verdict::Ambiguous(_)
            ));
        }
        // A file with a UTF-8 byte order mark is UTF-8, as it says.
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice(&gbk("id,city\nE1,太原\n"));
        let utf8 = std::str::from_utf8(&bom).unwrap();
        assert_eq!(judge_utf8(&bom, utf8), Utf8Verdict::Utf8);
    }

    #[test]
    fn a_prefix_is_judged_by_its_whole_lines() {
        let mut bytes = gbk("id,city\nE1,太原\n");
        // A lead byte cut off at the end of a prefix.
        bytes.extend_from_slice(&gbk("E2,太原")[..4]);
        assert!(needs_decoding(&bytes, false));
        assert!(matches!(
            stream_switch(&bytes, false),
            Some(Decoded::Disguised(_))
        ));
        assert!(!needs_decoding(
            "id,city\nE1,Zürich\nE2,Z".as_bytes(),
            false
        ));
        assert_eq!(stream_switch("id\nE1\n".as_bytes(), true), None);
    }
}

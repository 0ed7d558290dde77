//! The fast path for reading a bundle from disk: the reading thread marks
//! the bundle's structure as the bytes pass ([`JsonScan`]), and this
//! thread walks the top-level object from those marks, handing each list
//! item's text to serde_json on its own.
//!
//! So the file streams (a few blocks in memory), items parse from slices
//! (serde_json's fast path: no copying, no per-byte reads), and the
//! scanning and hashing overlap the parsing on a second core.
//!
//! It takes only what it is sure of: a top-level object of plain keys
//! whose values are lists or single values, every item valid JSON on its
//! own. Anything else (a syntax error anywhere, an escaped key, a list
//! where an object belongs) makes it give up, and the caller reads the
//! file again with serde_json's full parser, which reports the problem
//! with its line and column. Records go through the same [`Builder`] either
//! way, so both paths load the same records with the same messages.

use std::collections::VecDeque;
use std::path::Path;

use serde::de::{DeserializeSeed, IgnoredAny};
use serde_json::Value;

use crate::error::Errs;
use crate::history::{Outcome, PastReview, ShortText};
use crate::instances::bundle::{AffinitySeed, Builder, Kind, Part};
use crate::instances::records::{Raw, RepeatsSought};
use crate::instances::resolve::{resolve_base, Base};
use crate::model::Score;
use crate::streams::stream::{Scan, Source};

/// Marks, on the reading thread, the bytes of a bundle's structure down to
/// its list items: `{ [` at depth 0 or 1, `} ]` closing to depth 1 or 0,
/// and `, :` at depth 1 or 2 (depth counts the open `{ [`), outside
/// strings. A list item's own structure is not marked, so the text between
/// two marks inside a list is exactly one item.
///
/// An opening bracket deeper than [`DEEPEST`] is marked too, which the walk
/// never expects: it gives up, and the full parser applies its recursion
/// limit to the whole file (an item parsed alone would start two levels
/// higher and pass where the whole file does not).
/// Nesting the fast path takes (well below serde_json's limit of 128).
const DEEPEST: u32 = 100;

#[derive(Debug, Default)]
pub(crate) struct JsonScan {
    depth: u32,
    in_string: bool,
    escaped: bool,
}

impl Scan for JsonScan {
    fn feed(&mut self, text: &[u8], marks: &mut Vec<u32>) {
        let mut i = 0;
        while i < text.len() {
            if self.in_string {
                if self.escaped {
                    self.escaped = false;
                    i += 1;
                    continue;
                }
                match quote_or_backslash(&text[i..]) {
                    None => i = text.len(),
                    Some(k) => {
                        i += k;
                        if text[i] == b'\\' {
                            self.escaped = true;
                        } else {
                            self.in_string = false;
                        }
                        i += 1;
                    }
                }
                continue;
            }
            match text[i] {
                b'"' => self.in_string = true,
                b'{' | b'[' => {
                    if self.depth <= 1 || self.depth >= DEEPEST {
                        marks.push(i as u32);
                    }
                    self.depth += 1;
                }
                b'}' | b']' => {
                    if self.depth <= 2 {
                        marks.push(i as u32);
                    }
                    self.depth = self.depth.saturating_sub(1);
                }
                b',' | b':' if self.depth <= 2 => marks.push(i as u32),
                _ => {}
            }
            i += 1;
        }
    }
}

/// Where the first `"` or `\\` of `text` is: read eight bytes at a time
/// in place (a JSON string is mostly a few bytes long, shorter than a
/// vector search's setup pays for).
fn quote_or_backslash(text: &[u8]) -> Option<usize> {
    string_stop::<false>(text)
}

/// Where the first `"`, `\\` or byte below `0x20` (a control character,
/// which a JSON string may not hold as it is) of `text` is, eight bytes
/// at a time as [`quote_or_backslash`].
fn quote_backslash_or_control(text: &[u8]) -> Option<usize> {
    string_stop::<true>(text)
}

/// The first `"` or `\\` of `text`, or with `CONTROL` also the first
/// byte below `0x20`.
fn string_stop<const CONTROL: bool>(text: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let mut words = text.chunks_exact(8);
    let mut at = 0;
    for w in &mut words {
        let w = u64::from_le_bytes(w.try_into().expect("eight bytes"));
        let (q, b) = (w ^ (ONES * u64::from(b'"')), w ^ (ONES * u64::from(b'\\')));
        // A zero byte of q or b sets its high bit here (a byte above it
        // may be set too, never one below: the lowest is the first); so
        // does a byte of w below 0x20 (its subtraction borrows, and its
        // own high bit is clear).
        let mut found = (q.wrapping_sub(ONES) & !q) | (b.wrapping_sub(ONES) & !b);
        if CONTROL {
            found |= w.wrapping_sub(ONES * 0x20) & !w;
        }
        found &= HIGHS;
        if found != 0 {
            return Some(at + (found.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    words
        .remainder()
        .iter()
        .position(|&c| c == b'"' || c == b'\\' || (CONTROL && c < 0x20))
        .map(|k| at + k)
}

/// JSON whitespace (not form feed or vertical tab, which Rust's ASCII
/// whitespace includes).
fn json_blank(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

fn all_blank(text: &str) -> bool {
    text.bytes().all(json_blank)
}

/// The fast path gave up: the file must be read by the full parser.
pub(crate) struct GiveUp;

/// The text seen so far and the marks not yet used, in file offsets
/// (after the byte order mark).
struct Text<'s> {
    source: &'s mut Source,
    buf: String,
    /// The offset of `buf[0]`.
    base: u64,
    marks: VecDeque<u64>,
    ended: bool,
}

impl Text<'_> {
    /// The next mark, reading blocks as needed; `None` at the end.
    fn next_mark(&mut self) -> Result<Option<u64>, GiveUp> {
        while self.marks.is_empty() && !self.ended {
            self.pull()?;
        }
        Ok(self.marks.pop_front())
    }

    /// The next mark, which must exist.
    fn mark(&mut self) -> Result<u64, GiveUp> {
        self.next_mark()?.ok_or(GiveUp)
    }

    fn pull(&mut self) -> Result<(), GiveUp> {
        match self.source.next_marked() {
            Ok(Some((block, marks))) => {
                let start = self.base + self.buf.len() as u64;
                self.marks
                    .extend(marks.iter().map(|&m| start + u64::from(m)));
                let text = crate::streams::stream::text_of(&block).map_err(|_| GiveUp)?;
                // Text between two marks is held whole (a long run of
                // blanks too): when memory runs short for it, the general
                // reader, which holds the file and no more, takes over.
                self.buf.try_reserve(text.len()).map_err(|_| GiveUp)?;
                self.buf.push_str(text);
                self.source.recycle(block);
            }
            Ok(None) => self.ended = true,
            // The stream reports its own problem.
            Err(_) => return Err(GiveUp),
        }
        Ok(())
    }

    fn byte(&self, at: u64) -> u8 {
        self.buf.as_bytes()[(at - self.base) as usize]
    }

    /// The text between two offsets: at marks (ASCII bytes) or just after
    /// them, so always on character boundaries.
    fn slice(&self, from: u64, to: u64) -> &str {
        self.buf
            .get((from - self.base) as usize..(to - self.base) as usize)
            .unwrap_or_default()
    }

    fn blank(&self, from: u64, to: u64) -> bool {
        all_blank(self.slice(from, to))
    }

    /// Forgets the text before `at` (when enough has piled up).
    fn release(&mut self, at: u64) {
        let k = (at - self.base) as usize;
        if k > 1 << 22 {
            self.buf.drain(..k);
            self.base = at;
        }
    }
}

/// Reads a bundle through the fast path; `Err(GiveUp)` when the file must
/// be read by the full parser (nothing then is kept).
pub(crate) fn read_bundle_fast(
    file: &Path,
    source: &mut Source,
    errs: &mut Errs,
) -> Result<(Raw, Option<BaseMade>), GiveUp> {
    let mut mine = Errs::default();
    let mut b = Builder::new(file, &mut mine);
    let mut t = Text {
        source,
        buf: String::new(),
        base: 0,
        marks: VecDeque::new(),
        ended: false,
    };
    let base = walk(&mut t, &mut b)?;
    let raw = b.finish();
    errs.append(mine);
    Ok((raw, base))
}

/// The first part of a resolve made while the history was read: the
/// records' [`Base`], the problems found making it (reported after the
/// file's own, as a resolve after the reading would), and the history,
/// its repeated records being sought.
pub(crate) type BaseMade = (Base, Errs, RepeatsSought);

/// Reads the history list at `colon` while another thread resolves what
/// was read before it ([`resolve_base`]): a bundle that ends with its
/// history, as this program writes bundles, then loads in about the time
/// of the longer of the two instead of their sum. Returns the mark after
/// the list and the base made.
fn history_beside_base(
    t: &mut Text<'_>,
    b: &mut Builder<'_>,
    colon: u64,
) -> Result<(u64, BaseMade), GiveUp> {
    let raw = b.take_base();
    if let Some(len) = t.source.file_len() {
        b.expect_history(history_records_expected(len.saturating_sub(colon)));
    }
    std::thread::scope(|scope| {
        let making = scope.spawn(move || {
            let mut errs = Errs::default();
            // The input has a history: the list read below, or the full
            // parser's reading when the fast path gives up on it.
            let base = resolve_base(raw, true, &mut errs);
            (base, errs)
        });
        let read = value(t, b, Part::List(Kind::History), colon).map(|next| {
            let history = b.take_history().unwrap_or_default();
            (next, history.seek_repeats())
        });
        let (base, errs) = making
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        read.map(|(next, history)| (next, (base, errs, history)))
    })
}

/// Bytes of a short history record as this program and offices write
/// them (year, institution, expert, outcome and a small team; a record
/// with a programme and rating takes about 190).
const SHORT_HISTORY_RECORD_BYTES: u64 = 128;

/// Most history records room is made for ahead of the list (their memory
/// is only reserved, not touched, until records fill it).
const MOST_HISTORY_RECORDS_EXPECTED: u64 = 4_000_000;

/// How many history records `bytes` of list text likely hold, at most
/// [`MOST_HISTORY_RECORDS_EXPECTED`]: the room made for them before the
/// list is read.
fn history_records_expected(bytes: u64) -> usize {
    (bytes / SHORT_HISTORY_RECORD_BYTES).min(MOST_HISTORY_RECORDS_EXPECTED) as usize
}

/// Walks the top-level object; returns the base made beside a history
/// that came last ([`history_beside_base`]).
fn walk(t: &mut Text<'_>, b: &mut Builder<'_>) -> Result<Option<BaseMade>, GiveUp> {
    let open = t.mark()?;
    if t.byte(open) != b'{' || !t.blank(0, open) {
        return Err(GiveUp);
    }
    let mut prev = open;
    let mut first = true;
    let mut base = None;
    let end = loop {
        let colon = t.mark()?;
        match t.byte(colon) {
            b'}' if first && t.blank(prev + 1, colon) => break colon,
            b':' => {}
            _ => return Err(GiveUp),
        }
        let part = b.key(plain_key(t.slice(prev + 1, colon))?);
        let next = match part {
            Part::List(Kind::History) if b.base_complete() => {
                let (next, made) = history_beside_base(t, b, colon)?;
                base = Some(made);
                next
            }
            _ => value(t, b, part, colon)?,
        };
        match t.byte(next) {
            // A part after the history: the base made beside it lacks
            // that part, so the full parser reads the file.
            b',' if base.is_some() => return Err(GiveUp),
            b',' => {
                prev = next;
                first = false;
            }
            b'}' => break next,
            _ => return Err(GiveUp),
        }
        t.release(prev);
    };
    // Only blank text may follow.
    if t.next_mark()?.is_some() {
        return Err(GiveUp);
    }
    if !t.blank(end + 1, t.base + t.buf.len() as u64) {
        return Err(GiveUp);
    }
    Ok(base)
}

/// A key's text between its marks: a string without escapes or control
/// characters (anything else goes to the full parser).
fn plain_key(raw: &str) -> Result<&str, GiveUp> {
    let s = raw.trim_matches(|c: char| c.is_ascii() && json_blank(c as u8));
    let inner = s
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .ok_or(GiveUp)?;
    if inner.bytes().any(|c| c == b'"' || c == b'\\' || c < 0x20) {
        return Err(GiveUp);
    }
    Ok(inner)
}

/// Reads the value after the colon at `colon`; returns the mark after it
/// (`,` or `}`).
fn value(t: &mut Text<'_>, b: &mut Builder<'_>, part: Part, colon: u64) -> Result<u64, GiveUp> {
    let v = t.mark()?;
    match t.byte(v) {
        b'[' if t.blank(colon + 1, v) => {
            let close = list(t, b, part, v)?;
            mark_after(t, close)
        }
        b'{' if t.blank(colon + 1, v) => {
            // The object's own `,` and `:` are marked; its `}` is the first
            // closing mark.
            let close = loop {
                let m = t.mark()?;
                match t.byte(m) {
                    b'}' => break m,
                    b',' | b':' => {}
                    _ => return Err(GiveUp),
                }
            };
            single(b, part, t.slice(v, close + 1))?;
            mark_after(t, close)
        }
        b',' | b'}' => {
            single(b, part, t.slice(colon + 1, v))?;
            Ok(v)
        }
        _ => Err(GiveUp),
    }
}

/// The mark after a value that closed at `close`, with only blanks
/// between.
fn mark_after(t: &mut Text<'_>, close: u64) -> Result<u64, GiveUp> {
    let next = t.mark()?;
    if !t.blank(close + 1, next) {
        return Err(GiveUp);
    }
    Ok(next)
}

/// A value that is not a list.
fn single(b: &mut Builder<'_>, part: Part, text: &str) -> Result<(), GiveUp> {
    match part {
        Part::Policy => {
            let v: Value = crate::streams::strict::from_str(text).map_err(|_| GiveUp)?;
            b.policy(&v);
        }
        Part::Skip => {
            serde_json::from_str::<IgnoredAny>(text).map_err(|_| GiveUp)?;
        }
        // Not a list where a list belongs: the full parser words it.
        Part::List(_) => return Err(GiveUp),
    }
    Ok(())
}

/// Reads a list whose `[` is at `open`; returns the offset of its `]`.
fn list(t: &mut Text<'_>, b: &mut Builder<'_>, part: Part, open: u64) -> Result<u64, GiveUp> {
    let kind = match part {
        Part::List(kind) => {
            b.begin_list(kind);
            Some(kind)
        }
        Part::Skip => None,
        // A policy must be an object; the full parser words it.
        Part::Policy => return Err(GiveUp),
    };
    let mut start = open + 1;
    let mut i = 0usize;
    let mut team = Vec::new();
    loop {
        let m = t.mark()?;
        let last = match t.byte(m) {
            b',' => false,
            b']' => true,
            _ => return Err(GiveUp),
        };
        let text = t.slice(start, m);
        if last && i == 0 && all_blank(text) {
            return Ok(m);
        }
        item(b, kind, i, text, &mut team)?;
        i += 1;
        start = m + 1;
        if last {
            return Ok(m);
        }
        t.release(start);
    }
}

/// One list item (`team`: room for a history record's team items, kept
/// from one item to the next).
fn item(
    b: &mut Builder<'_>,
    kind: Option<Kind>,
    i: usize,
    text: &str,
    team: &mut Vec<ShortText>,
) -> Result<(), GiveUp> {
    match kind {
        Some(Kind::Affinity) => {
            if let Some((application, expert, score)) = quick_affinity(text) {
                b.affinity().push(i as u64, application, expert, score);
                return Ok(());
            }
            let mut de = serde_json::Deserializer::from_str(text);
            let item = AffinitySeed(b.affinity())
                .deserialize(&mut de)
                .and_then(|item| de.end().map(|()| item))
                .map_err(|_| GiveUp)?;
            b.affinity_item(i, item);
        }
        Some(Kind::History) => {
            let kept = quick_history_record(text, team)
                .is_some_and(|(record, team_items)| b.history_valid(i, record, team_items));
            if !kept {
                history_item(b, i, text)?;
            }
        }
        Some(kind) => {
            let v: Value = crate::streams::strict::from_str(text).map_err(|_| GiveUp)?;
            b.item(kind, i, &v);
        }
        None => {
            serde_json::from_str::<IgnoredAny>(text).map_err(|_| GiveUp)?;
        }
    }
    Ok(())
}

/// A history item not taken by [`quick_history_record`]: through
/// [`QuickHistory`] when it has that shape, else as a JSON value.
fn history_item(b: &mut Builder<'_>, i: usize, text: &str) -> Result<(), GiveUp> {
    match serde_json::from_str::<QuickHistory<'_>>(text) {
        Ok(q) => b.history_record(i, &q.record()),
        Err(_) => {
            let v: Value = crate::streams::strict::from_str(text).map_err(|_| GiveUp)?;
            b.item(Kind::History, i, &v);
        }
    }
    Ok(())
}

/// Most team items the hand reader takes in one record (longer teams go
/// the general way).
const QUICK_TEAM_ITEMS: usize = 1000;

/// A history record read by hand straight into its [`PastReview`], with
/// its number of team items, when it is valid as it stands in its plain
/// shape: an object of the history table's keys, each once, in any order;
/// texts without escapes or control characters; `year` an integer within
/// `i32`; `institution` and `expert` not blank; `team` a list of such
/// texts; `outcome` a word [`Outcome::parse`] knows; `rating` a number
/// from 1 to 5; `null` for an optional field. The record is what the
/// general path builds of the same text (the same functions clean the
/// names and split the team; property tests below). Anything else — any
/// problem that path would word, any other shape — is `None`, and the
/// item is read the general way.
///
/// `items` is room for the team's items (emptied here): the team keeps a
/// copy of exactly its length, not a list grown item by item.
fn quick_history_record(text: &str, items: &mut Vec<ShortText>) -> Option<(PastReview, usize)> {
    use crate::instances::records::{control_char, required_id as id, required_place};
    use crate::names::split_list_into;
    // The caller copies what it keeps of an optional text.
    let optional = crate::instances::records::optional_text;
    let mut c = Cursor { text, i: 0 };
    c.blank();
    c.eat(b'{')?;
    let mut seen = 0u16;
    let (mut year, mut institution, mut expert) = (None, None, None);
    let mut r = PastReview::default();
    let mut team_items = 0;
    loop {
        c.blank();
        let key = c.plain_string()?;
        c.blank();
        c.eat(b':')?;
        c.blank();
        let bit = match key {
            "year" => 0,
            "round" => 1,
            "programme" => 2,
            "application" => 3,
            "institution" => 4,
            "team" => 5,
            "expert" => 6,
            "outcome" => 7,
            "rating" => 8,
            _ => return None,
        };
        if seen & (1 << bit) != 0 {
            return None;
        }
        seen |= 1 << bit;
        match bit {
            0 => year = Some(c.integer()?),
            4 => institution = Some(required_place(c.plain_string()?)?),
            6 => expert = Some(id(c.plain_string()?)?),
            5 => {
                if !c.null() {
                    items.clear();
                    c.eat(b'[')?;
                    c.blank();
                    if c.peek() == Some(b']') {
                        c.i += 1;
                    } else {
                        loop {
                            c.blank();
                            let s = c.plain_string()?;
                            if control_char(s).is_some() || items.len() >= QUICK_TEAM_ITEMS {
                                return None;
                            }
                            split_list_into(s, items);
                            c.blank();
                            match c.next()? {
                                b',' => {}
                                b']' => break,
                                _ => return None,
                            }
                        }
                    }
                    team_items = items.len();
                    r.team = Vec::with_capacity(items.len());
                    r.team.append(items);
                }
            }
            8 => {
                if !c.null() {
                    let x = c.number()?;
                    if !(1.0..=5.0).contains(&x) {
                        return None;
                    }
                    r.rating = Some(x);
                }
            }
            _ => {
                let s = if c.null() {
                    None
                } else {
                    Some(c.plain_string()?)
                };
                let t = optional(s)?;
                // One copy of what is kept (none for the outcome).
                match bit {
                    1 => r.round = t.map(ShortText::from),
                    2 => r.programme = t.map(|p| ShortText::from(p.trim())),
                    3 => r.application = t.map(ShortText::from),
                    _ => {
                        r.outcome = match t {
                            None => Outcome::Reviewed,
                            Some(t) => Outcome::parse(t)?,
                        }
                    }
                }
            }
        }
        c.blank();
        match c.next()? {
            b',' => {}
            b'}' => break,
            _ => return None,
        }
    }
    c.blank();
    if c.i != text.len() {
        return None;
    }
    r.year = year?;
    r.institution = institution?;
    r.expert = expert?;
    Some((r, team_items))
}

/// A history record in its common shape, read without building a JSON
/// map: only the keys of the history table (serde refuses unknown and
/// repeated keys), texts without escapes (borrowed), numbers as numbers,
/// the team as a list of texts. Anything else fails, and the record is read
/// as a JSON value instead (with that path's messages). The record it
/// gives reads exactly as the JSON object would (a property test below).
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct QuickHistory<'a> {
    #[serde(default)]
    year: Option<serde_json::Number>,
    #[serde(default, borrow)]
    round: Option<&'a str>,
    #[serde(default, borrow)]
    programme: Option<&'a str>,
    #[serde(default, borrow)]
    application: Option<&'a str>,
    #[serde(default, borrow)]
    institution: Option<&'a str>,
    #[serde(default, borrow)]
    team: Option<Vec<&'a str>>,
    #[serde(default, borrow)]
    expert: Option<&'a str>,
    #[serde(default, borrow)]
    outcome: Option<&'a str>,
    #[serde(default)]
    rating: Option<serde_json::Number>,
}

impl<'a> QuickHistory<'a> {
    fn record(mut self) -> QuickHistoryRecord<'a> {
        QuickHistoryRecord {
            year: self.year.take().map(Value::Number),
            team: self
                .team
                .take()
                .map(|t| Value::Array(t.into_iter().map(|s| Value::String(s.into())).collect())),
            rating: self.rating.take().map(Value::Number),
            q: self,
        }
    }
}

/// [`QuickHistory`] as a record: texts as cells, the numbers and the team
/// as the JSON values they were.
struct QuickHistoryRecord<'a> {
    q: QuickHistory<'a>,
    year: Option<Value>,
    team: Option<Value>,
    rating: Option<Value>,
}

impl crate::instances::records::Record for QuickHistoryRecord<'_> {
    fn cell(&self, name: &str) -> crate::instances::records::Cell<'_> {
        use crate::instances::records::Cell;
        fn text<'s>(s: Option<&'s str>) -> Cell<'s> {
            s.map_or(Cell::Absent, Cell::Text)
        }
        fn json(v: &Option<Value>) -> Cell<'_> {
            v.as_ref().map_or(Cell::Absent, Cell::Json)
        }
        match name {
            "year" => json(&self.year),
            "round" => text(self.q.round),
            "programme" => text(self.q.programme),
            "application" => text(self.q.application),
            "institution" => text(self.q.institution),
            "team" => json(&self.team),
            "expert" => text(self.q.expert),
            "outcome" => text(self.q.outcome),
            "rating" => json(&self.rating),
            _ => Cell::Absent,
        }
    }
}

/// The common affinity record read by hand: an object with exactly the
/// keys `application`, `expert` (strings without escapes, not blank) and
/// `score` (a number with a fraction or an exponent, within range), in any
/// order. Anything else is `None`, and serde_json reads the item (so every
/// message comes from one place). The score is the correctly rounded
/// value of its decimal text, as serde_json's `float_roundtrip` parses it.
fn quick_affinity(text: &str) -> Option<(&str, &str, Score)> {
    let mut c = Cursor { text, i: 0 };
    c.blank();
    c.eat(b'{')?;
    let (mut application, mut expert, mut score) = (None, None, None);
    loop {
        c.blank();
        let key = c.plain_string()?;
        c.blank();
        c.eat(b':')?;
        c.blank();
        match key {
            "application" if application.is_none() => application = Some(c.plain_string()?),
            "expert" if expert.is_none() => expert = Some(c.plain_string()?),
            "score" if score.is_none() => score = Some(c.decimal()?),
            _ => return None,
        }
        c.blank();
        match c.next()? {
            b',' => {}
            b'}' => break,
            _ => return None,
        }
    }
    c.blank();
    let (application, expert) = (application?, expert?);
    if c.i != text.len() || application.trim().is_empty() || expert.trim().is_empty() {
        return None;
    }
    Some((application, expert, Score::from_f64(score?)?))
}

/// A position in a record's text.
struct Cursor<'t> {
    text: &'t str,
    i: usize,
}

impl<'t> Cursor<'t> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.i).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.i += 1;
        Some(b)
    }

    fn eat(&mut self, want: u8) -> Option<()> {
        (self.next()? == want).then_some(())
    }

    /// JSON whitespace.
    fn blank(&mut self) {
        while self.peek().is_some_and(json_blank) {
            self.i += 1;
        }
    }

    /// A string with no escapes and no control characters.
    fn plain_string(&mut self) -> Option<&'t str> {
        self.eat(b'"')?;
        let start = self.i;
        let end = start + quote_backslash_or_control(self.text.as_bytes().get(start..)?)?;
        if self.text.as_bytes()[end] != b'"' {
            return None;
        }
        self.i = end + 1;
        self.text.get(start..end)
    }

    fn digits(&mut self) -> usize {
        let start = self.i;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.i += 1;
        }
        self.i - start
    }

    /// The literal `null`, taken when it is next.
    fn null(&mut self) -> bool {
        let yes = self.text.as_bytes()[self.i..].starts_with(b"null");
        if yes {
            self.i += 4;
        }
        yes
    }

    /// A JSON integer (no fraction, no exponent) within `i32`.
    fn integer(&mut self) -> Option<i32> {
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        let int_start = self.i;
        let n = self.digits();
        if n == 0 || n > 10 || (n > 1 && self.text.as_bytes()[int_start] == b'0') {
            return None;
        }
        if matches!(self.peek(), Some(b'.' | b'e' | b'E')) {
            return None;
        }
        self.text.get(start..self.i)?.parse().ok()
    }

    /// Any JSON number, as a finite `f64` (the correctly rounded value of
    /// its text).
    fn number(&mut self) -> Option<f64> {
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        let int_start = self.i;
        let n = self.digits();
        if n == 0 || (n > 1 && self.text.as_bytes()[int_start] == b'0') {
            return None;
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            if self.digits() == 0 {
                return None;
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if self.digits() == 0 {
                return None;
            }
        }
        let x: f64 = self.text.get(start..self.i)?.parse().ok()?;
        x.is_finite().then_some(x)
    }

    /// A JSON number with a fraction or an exponent (integers are left to
    /// serde_json), as a finite `f64`.
    fn decimal(&mut self) -> Option<f64> {
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        let int_start = self.i;
        let int_digits = self.digits();
        if int_digits == 0 || (int_digits > 1 && self.text.as_bytes()[int_start] == b'0') {
            return None;
        }
        let mut decimal = false;
        if self.peek() == Some(b'.') {
            self.i += 1;
            if self.digits() == 0 {
                return None;
            }
            decimal = true;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if self.digits() == 0 {
                return None;
            }
            decimal = true;
        }
        if !decimal {
            return None;
        }
        let x: f64 = self.text.get(start..self.i)?.parse().ok()?;
        x.is_finite().then_some(x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The search eight bytes at a time finds what a byte search finds.
        #[test]
        fn quote_or_backslash_is_the_first_of_either(
            bytes in proptest::collection::vec(
                proptest::sample::select(vec![b'"', b'\\', b'a', 0, 0x80, 0xff, 0x21, 0x5b, 0x5d, 0x7f]),
                0..40,
            ),
        ) {
            proptest::prop_assert_eq!(
                quote_or_backslash(&bytes),
                bytes.iter().position(|&c| c == b'"' || c == b'\\')
            );
        }

        /// The scan marks what a scan byte by byte marks, however the
        /// text is cut into blocks.
        #[test]
        fn the_scan_marks_as_a_byte_by_byte_scan(
            bytes in proptest::collection::vec(
                proptest::sample::select(vec![
                    b'"', b'{', b'}', b'[', b']', b'\\', b',', b':', b'a', b' ', 0xdb, 0xfd,
                ]),
                0..300,
            ),
            cuts in proptest::collection::vec(0usize..300, 0..6),
        ) {
            let mut cuts: Vec<usize> = cuts.into_iter().filter(|&c| c <= bytes.len()).collect();
            cuts.push(0);
            cuts.push(bytes.len());
            cuts.sort_unstable();
            let mut scan = JsonScan::default();
            let mut got = Vec::new();
            for w in cuts.windows(2) {
                let mut m = Vec::new();
                scan.feed(&bytes[w[0]..w[1]], &mut m);
                got.extend(m.iter().map(|&o| w[0] + o as usize));
            }
            proptest::prop_assert_eq!(got, marks_byte_by_byte(&bytes));
        }

        /// So does the search that also stops at control bytes.
        #[test]
        fn the_search_with_control_bytes_is_the_first_of_any(
            bytes in proptest::collection::vec(
                proptest::sample::select(vec![
                    b'"', b'\\', b'a', 0, 0x1f, 0x20, 0x0a, 0x80, 0x9f, 0xa0, 0xff, 0x21, 0x7f,
                ]),
                0..40,
            ),
        ) {
            proptest::prop_assert_eq!(
                quote_backslash_or_control(&bytes),
                bytes.iter().position(|&c| c == b'"' || c == b'\\' || c < 0x20)
            );
        }
    }
    /// [`JsonScan`]'s rule read one byte at a time.
    fn marks_byte_by_byte(bytes: &[u8]) -> Vec<usize> {
        let (mut depth, mut in_string, mut escaped) = (0u32, false, false);
        let mut out = Vec::new();
        for (i, &c) in bytes.iter().enumerate() {
            if in_string {
                if escaped {
                    escaped = false;
                } else if c == b'\\' {
                    escaped = true;
                } else if c == b'"' {
                    in_string = false;
                }
                continue;
            }
            match c {
                b'"' => in_string = true,
                b'{' | b'[' => {
                    if depth <= 1 || depth >= DEEPEST {
                        out.push(i);
                    }
                    depth += 1;
                }
                b'}' | b']' => {
                    if depth <= 2 {
                        out.push(i);
                    }
                    depth = depth.saturating_sub(1);
                }
                b',' | b':' if depth <= 2 => out.push(i),
                _ => {}
            }
        }
        out
    }

    use crate::instances::bundle::AffinityItem;
    use crate::instances::records::{RawAffinityList, Site};
    use std::path::Path;
    use std::sync::Arc;

    fn marks(text: &str, pieces: usize) -> Vec<(usize, char)> {
        let bytes = text.as_bytes();
        let mut scan = JsonScan::default();
        let mut out = Vec::new();
        let step = bytes.len().div_ceil(pieces).max(1);
        for (k, chunk) in bytes.chunks(step).enumerate() {
            let mut m = Vec::new();
            scan.feed(chunk, &mut m);
            out.extend(m.iter().map(|&o| {
                let at = k * step + o as usize;
                (at, bytes[at] as char)
            }));
        }
        out
    }

    /// What serde_json makes of an item: the record's ids and score when
    /// it is valid as it stands.
    fn by_serde(text: &str) -> Option<(String, String, Score)> {
        let mut list =
            RawAffinityList::new(&Arc::from(Path::new("b.json")), Site::Item("affinity", 0));
        let mut de = serde_json::Deserializer::from_str(text);
        let item = AffinitySeed(&mut list).deserialize(&mut de).ok()?;
        de.end().ok()?;
        match item {
            AffinityItem::Valid(a, e, s) => Some((
                list.applications.name(a).to_string(),
                list.experts.name(e).to_string(),
                s,
            )),
            _ => None,
        }
    }

    use proptest::prelude::*;

    /// A history item read both ways, when the quick reader takes it: the
    /// records and messages of the quick path, then of the JSON value path.
    fn history_both_ways(text: &str) -> Option<(String, String)> {
        serde_json::from_str::<QuickHistory<'_>>(text).ok()?;
        let run = |quick: bool| {
            let mut errs = Errs::default();
            let mut b = Builder::new(Path::new("b.json"), &mut errs);
            b.begin_list(Kind::History);
            if quick {
                let q = serde_json::from_str::<QuickHistory<'_>>(text).unwrap();
                b.history_record(0, &q.record());
            } else {
                let v: Value = crate::streams::strict::from_str(text).expect("strict reads it too");
                b.item(Kind::History, 0, &v);
            }
            let raw = b.finish();
            let errs = errs.finish(Some(())).map_err(|e| e.to_string());
            format!("{:?}\n{errs:?}", raw.history)
        };
        Some((run(true), run(false)))
    }

    /// A history item read by the hand reader and by the JSON value
    /// path, when the hand reader takes it: the records and messages of
    /// each (the value path must take it too, without a message).
    fn hand_both_ways(text: &str) -> Option<(String, String)> {
        let (record, team_items) = quick_history_record(text, &mut Vec::new())?;
        let hand = {
            let mut errs = Errs::default();
            let mut b = Builder::new(Path::new("b.json"), &mut errs);
            b.begin_list(Kind::History);
            assert!(b.history_valid(0, record, team_items));
            let raw = b.finish();
            let errs = errs.finish(Some(())).map_err(|e| e.to_string());
            format!("{:?}\n{errs:?}", raw.history)
        };
        let value = {
            let mut errs = Errs::default();
            let mut b = Builder::new(Path::new("b.json"), &mut errs);
            b.begin_list(Kind::History);
            match crate::streams::strict::from_str(text) {
                Ok(v) => b.item(Kind::History, 0, &v),
                Err(e) => return Some((hand, format!("the value path refuses it: {e}"))),
            }
            let raw = b.finish();
            let errs = errs.finish(Some(())).map_err(|e| e.to_string());
            format!("{:?}\n{errs:?}", raw.history)
        };
        Some((hand, value))
    }

    /// A plain history record's text.
    const PLAIN_HISTORY: &str = r#"{"year": 2023, "programme": "科技进步奖", "application": "2023-A01353", "institution": "南京第4研究所", "team": ["E06900", "P1"], "expert": "E00002", "outcome": "reviewed", "rating": 5.0}"#;

    #[test]
    fn hand_history_reader_takes_the_plain_shape() {
        let (r, n) = quick_history_record(PLAIN_HISTORY, &mut Vec::new()).expect("taken");
        assert_eq!((r.year, r.expert.as_str(), n), (2023, "E00002", 2));
        let (hand, value) = hand_both_ways(PLAIN_HISTORY).unwrap();
        assert_eq!(hand, value);
        for other in [
            r#"{"year": 2023, "institution": "U", "expert": "E1", "extra": 1}"#,
            r#"{"year": 2023, "institution": "U", "expert": "E1", "expert": "E2"}"#,
            r#"{"year": 2023, "institution": "U"}"#,
            r#"{"year": 2023.0, "institution": "U", "expert": "E1"}"#,
            r#"{"year": 2023, "institution": "U\u0031", "expert": "E1"}"#,
            r#"{"year": 2023, "institution": " ", "expert": "E1"}"#,
            r#"{"year": 2023, "institution": "U", "expert": "E1", "rating": 6}"#,
            r#"{"year": 2023, "institution": "U", "expert": "E1", "outcome": "bogus"}"#,
            r#"{"year": 2023, "institution": "U", "expert": "E1"} x"#,
            "{\"year\": 2023, \"institution\": \"U\u{7f}\", \"expert\": \"E1\"}",
        ] {
            assert!(
                quick_history_record(other, &mut Vec::new()).is_none(),
                "{other}"
            );
        }
    }

    /// Edits a text at `at` (a char index, wrapped): 0 inserts `c`, 1
    /// deletes, 2 replaces with `c`.
    fn edit(text: &str, op: usize, at: usize, c: char) -> String {
        let mut chars: Vec<char> = text.chars().collect();
        let at = at % (chars.len() + 1);
        match op % 3 {
            0 => chars.insert(at, c),
            1 if at < chars.len() => {
                chars.remove(at);
            }
            _ if at < chars.len() => chars[at] = c,
            _ => chars.push(c),
        }
        chars.into_iter().collect()
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

        /// Whatever the hand history reader takes, the JSON value path
        /// reads the same: the same records, no message; hostile values
        /// among the choices (control characters, escapes, separators,
        /// full-width digits, numbers at the edges of their ranges).
        #[test]
        fn hand_history_agrees_with_the_value_path(
            keep in proptest::collection::vec(proptest::bool::weighted(0.85), 10),
            shuffle in proptest::collection::vec(0usize..10, 10),
            picks in proptest::collection::vec(0usize..32, 10),
            ws in proptest::collection::vec(proptest::sample::select(vec!["", " ", "\n\t ", "\r\n", "\u{a0}", "\u{c}"]), 4),
        ) {
            let choices: [&[&str]; 10] = [
                &["2025", "-2025", "0", "-0", "02025", "2147483647", "2147483648", "-2147483648", "-2147483649", "9999999999", "99999999999", "2025.0", "2e3", "null", "\"2025\"", "true"],
                &["\"spring\"", "\"\"", "null", "3", "\" s \"", "\"s\u{7f}\"", "\"s\u{85}\"", "\"s\\n\"", "\"春季\""],
                &["\"科技进步奖\"", "null", "\"\"", "\" P \"", "\"  \"", "[1]", "\"P\u{9f}\"", "\"Ｐ\""],
                &["\"A1\"", "null", "\"a\\nb\"", "7", "\"\"", "\" A 1 \"", "\"A\u{200B}1\""],
                &["\"U1\"", "\" 华中科技大学 \"", "\"\"", "null", "\"  \"", "1", "\"U\\u0031\"", "\"U\u{7f}\"", "\"\u{3000}\"", "\"Wuhan  University\"", "\"ＵＮＩ\"", "\"\u{200B}\""],
                &["[\"P1\", \"P2\"]", "[]", "[ ]", "[\"P1;P2\"]", "[\"P1、P2；P3\"]", "\"P1\"", "null", "[1]", "[\" P1 \", \"\"]", "[\" \"]", "[\"P\u{7f}\"]", "[\"P1\",]", "[\"Ｐ１\", \"P\\u0031\"]", "[null]", "[\"a\"  ,  \"b\" ]"],
                &["\"E1\"", "\" E1 \"", "\"\"", "null", "2", "\"Ｅ１\"", "\"E\u{85}\"", "\"E 1\"", "\"E  1\"", "\"\u{feff}E1\""],
                &["\"reviewed\"", "\"Declined\"", "\"no-show\"", "\"no show\"", "\"bogus\"", "null", "\"拒绝\"", "1", "\"\"", "\" late \"", "\"late\u{7f}\"", "\"no_show\""],
                &["4.5", "0", "6", "null", "\"4\"", "5", "1", "1.0", "5.0", "5.000000000000001", "0.9999999999999999", "1e0", "1E+0", "-1", "3.33333333333333333333", "4.", ".5", "01", "1e400", "2.5e-0"],
                &["1", "\"x\""],
            ];
            let keys = ["year", "round", "programme", "application", "institution", "team", "expert", "outcome", "rating", "extra"];
            // Valid choices, taken half the time (else any choice).
            let good: [&[usize]; 10] = [
                &[0, 1, 2, 3, 5, 7],
                &[0, 1, 2, 4, 8],
                &[0, 1, 2, 3, 4, 7],
                &[0, 1, 4, 5, 6],
                &[0, 1, 9, 10],
                &[0, 1, 2, 3, 4, 6, 8, 14],
                &[0, 1, 5, 7],
                &[0, 1, 2, 3, 5, 6, 8, 9, 11],
                &[0, 2, 5, 6, 7, 8, 11, 12, 14, 19],
                &[0],
            ];
            // Each key of the table most of the time, `extra` seldom.
            let mut order: Vec<usize> = (0..10).filter(|&k| keep[k] != (k == 9)).collect();
            for (i, &j) in shuffle.iter().enumerate() {
                if !order.is_empty() {
                    let (a, b) = (i % order.len(), j % order.len());
                    order.swap(a, b);
                }
            }
            let body: Vec<String> = order
                .iter()
                .map(|&k| {
                    let pick = if picks[k] < 16 { good[k][picks[k] % good[k].len()] } else { picks[k] % choices[k].len() };
                    format!("\"{}\"{}:{}{}", keys[k], ws[0], ws[1], choices[k][pick])
                })
                .collect();
            let text = format!("{}{{{}}}{}", ws[2], body.join(&format!(",{}", ws[3])), ws[3]);
            if let Some((hand, value)) = hand_both_ways(&text) {
                prop_assert_eq!(hand, value, "{}", text);
            }
        }

        /// Hostile edits of a plain record: whatever the hand reader still
        /// takes, the value path reads the same; it never panics.
        #[test]
        fn hand_history_agrees_on_edited_records(
            edits in proptest::collection::vec(
                (0usize..3, 0usize..400, proptest::sample::select(vec![
                    ' ', '"', ',', ':', '{', '}', '[', ']', '\\', 'n', 'u', 'l', '0', '1', '9', '.', 'e', 'E', '-', '+',
                    ';', '、', 'Ｅ', '\u{7f}', '\u{85}', '\u{0}', '\t', 'a', '\u{200B}', '\u{3000}',
                ])),
                1..4,
            ),
        ) {
            let mut text = PLAIN_HISTORY.to_string();
            for &(op, at, c) in &edits {
                text = edit(&text, op, at, c);
            }
            if let Some((hand, value)) = hand_both_ways(&text) {
                prop_assert_eq!(hand, value, "{}", text);
            }
        }

        /// The hand reader never panics on any text.
        #[test]
        fn hand_history_reader_takes_any_text(text in "\\PC{0,80}|[{}\\[\\]\",:0-9a-z \\\\]{0,80}") {
            let _ = quick_history_record(&text, &mut Vec::new());
        }

        /// Whatever the quick history reader takes, it reads as the JSON
        /// value path does: the same records, the same messages.
        #[test]
        fn quick_history_agrees_with_the_value_path(
            fields in proptest::sample::subsequence(vec![0usize, 1, 2, 3, 4, 5, 6, 7, 8, 9], 0..=10),
            shuffle in proptest::collection::vec(0usize..10, 10),
            picks in proptest::collection::vec(0usize..8, 10),
        ) {
            let choices: [&[&str]; 10] = [
                &["2025", "2025.0", "-1", "99999999999", "null", "\"2025\"", "2.5", "1e3"],
                &["\"spring\"", "\"\"", "null", "3", "\" s \""],
                &["\"科技进步奖\"", "null", "\"\"", "\" P \"", "[1]"],
                &["\"A1\"", "null", "\"a\\nb\"", "7"],
                &["\"U1\"", "\" 华中科技大学 \"", "\"\"", "null", "\"  \"", "1", "\"U\\u0031\""],
                &["[\"P1\", \"P2\"]", "[]", "[\"P1;P2\"]", "\"P1\"", "null", "[1]", "[\" P1 \", \"\"]"],
                &["\"E1\"", "\" E1 \"", "\"\"", "null", "2", "\"Ｅ１\""],
                &["\"reviewed\"", "\"Declined\"", "\"no-show\"", "\"bogus\"", "null", "\"拒绝\"", "1"],
                &["4.5", "0", "6", "null", "\"4\"", "5", "1"],
                &["1", "\"x\""],
            ];
            let keys = ["year", "round", "programme", "application", "institution", "team", "expert", "outcome", "rating", "extra"];
            let mut order = fields.clone();
            for (i, &j) in shuffle.iter().enumerate() {
                if !order.is_empty() {
                    let (a, b) = (i % order.len(), j % order.len());
                    order.swap(a, b);
                }
            }
            let body: Vec<String> = order
                .iter()
                .map(|&k| format!("\"{}\": {}", keys[k], choices[k][picks[k] % choices[k].len()]))
                .collect();
            let text = format!("{{{}}}", body.join(", "));
            if let Some((quick, value)) = history_both_ways(&text) {
                prop_assert_eq!(quick, value, "{}", text);
            }
        }

        /// Whatever the hand reader takes, serde_json reads the same way.
        #[test]
        fn quick_affinity_agrees_with_serde(
            order in proptest::sample::select(vec![[0usize, 1, 2], [2, 0, 1], [1, 2, 0], [0, 2, 1], [0, 0, 2]]),
            ws in proptest::collection::vec(proptest::sample::select(vec!["", " ", "\n\t ", "\r\n"]), 12),
            app in proptest::prop_oneof![4 => "A[0-9]{1,5}", 1 => "[A-Z]?[0-9 \\\\\"é\u{1}]{0,6}"],
            expert in proptest::prop_oneof![4 => "E[0-9]{1,5}", 1 => "[E]?[0-9 ]{0,5}"],
            score in proptest::prop_oneof![
                (-1000.0f64..1000.0).prop_map(|x| format!("{x:e}")),
                (-1000.0f64..1000.0).prop_map(|x| format!("{x}")),
                proptest::num::f64::ANY.prop_map(|x| format!("{x:e}")),
                "-?(0|[1-9][0-9]{0,25})(\\.[0-9]{0,30})?([eE][+-]?[0-9]{0,4})?",
                proptest::sample::select(vec!["1e400".to_string(), "-0.0".to_string(), "01.5".to_string(), ".5".to_string(), "1.".to_string(), "1000.01".to_string(), "-1000.01".to_string()]),
            ],
        ) {
            let parts = [
                format!("\"application\"{}:{}\"{app}\"", ws[0], ws[1]),
                format!("\"expert\"{}:{}\"{expert}\"", ws[2], ws[3]),
                format!("\"score\"{}:{}{score}", ws[4], ws[5]),
            ];
            let body: Vec<String> = order.iter().map(|&k| parts[k].clone()).collect();
            let text = format!("{}{{{}{}{}}}{}", ws[6], ws[7], body.join(&format!("{},{}", ws[8], ws[9])), ws[10], ws[11]);
            if let Some((a, e, s)) = quick_affinity(&text) {
                prop_assert_eq!(Some((a.to_string(), e.to_string(), s)), by_serde(&text), "{}", text);
            }
        }
    }

    #[test]
    fn quick_affinity_takes_the_common_shapes() {
        let got = quick_affinity(r#"{"application":"A1","expert":"E1","score":0.1829}"#);
        assert_eq!(got, Some(("A1", "E1", Score(182_900))));
        let got =
            quick_affinity(" {\n \"score\" : 1.5e-1 ,\"expert\":\"E 2\",\"application\":\"A\"}\n");
        assert_eq!(got, Some(("A", "E 2", Score(150_000))));
        for other in [
            r#"{"application":"A1","expert":"E1","score":1}"#,
            r#"{"application":"A\u0031","expert":"E1","score":0.5}"#,
            r#"{"application":" ","expert":"E1","score":0.5}"#,
            r#"{"application":"A1","expert":"E1","score":0.5,"x":1}"#,
            r#"{"application":"A1","expert":"E1"}"#,
            r#"{"application":"A1","expert":"E1","score":1e400}"#,
            r#"{"application":"A1","expert":"E1","score":0.5}x"#,
        ] {
            assert_eq!(quick_affinity(other), None, "{other}");
        }
    }

    #[test]
    fn marks_the_structure_down_to_list_items_only() {
        let text = r#"{"p": {"a": [1, 2], "b": "x,\"]"}, "l": [{"k": [1]}, 3]}"#;
        let got: String = marks(text, 1).iter().map(|&(_, c)| c).collect();
        assert_eq!(got, "{:{:,:},:[,]}");
        // The same marks when the text comes in pieces (strings and
        // escapes cut anywhere).
        for pieces in [2, 3, 7, 20, text.len()] {
            assert_eq!(marks(text, pieces), marks(text, 1), "{pieces} pieces");
        }
    }
}

//! Reading the JSON bundle (SPEC.md "JSON bundle"): one file with
//! `policy`, `experts`, `applications` and optional `conflicts`,
//! `coauthorships`, `affinity`.
//!
//! [`Builder`] turns the bundle's parts into raw records, whichever parser
//! walks the file: serde_json's, through the visitors here (bundles in
//! memory, and files the fast path gives up on), or the streaming fast
//! path ([`crate::instances::bundle_fast`]). Records are parsed one at a time (a small
//! `serde_json::Value`, or for affinity records no JSON object at all, ids
//! interned as they are read), so memory stays near the size of the model,
//! not of a JSON tree of the whole file. Syntax errors carry line and
//! column; record errors carry the record's path and id
//! (`experts[3] (id E0007)`). serde_json's recursion limit (128) guards
//! against deeply nested input. Writing is in [`crate::instances::bundle_write`].

use std::collections::BTreeSet;
use std::fmt;
use std::path::Path;
use std::sync::Arc;

use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{DeserializeSeed, Error as _, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;

use crate::error::{Errs, LoadError, Location};
use crate::instances::records::{
    parse_application, parse_coauthorship, parse_conflict, parse_expert, parse_policy, Cell,
    HistoryList, JsonRecord, Raw, RawAffinityList, Reader, Record, Site, AFFINITY_FIELDS,
    APPLICATION_FIELDS, COAUTHORSHIP_FIELDS, CONFLICT_FIELDS, EXPERT_FIELDS, HISTORY_FIELDS,
};
use crate::model::Score;
use crate::streams::intern::IdTable;
use crate::streams::stream::Source;
use crate::streams::strict::Strict;

/// Top-level keys of a bundle.
pub const BUNDLE_KEYS: &[&str] = &[
    "policy",
    "experts",
    "applications",
    "conflicts",
    "coauthorships",
    "affinity",
    "history",
];

/// Removes a UTF-8 byte order mark.
pub(crate) fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

/// A whole file's text: its byte order mark removed, UTF-8 checked
/// (reporting the byte offset, counted from the file's first byte, and the
/// line of the first bad byte).
pub(crate) fn text_of<'b>(file: &Path, bytes: &'b [u8]) -> Result<&'b str, LoadError> {
    let body = strip_bom(bytes);
    let bom = bytes.len() - body.len();
    std::str::from_utf8(body).map_err(|e| {
        let at = e.valid_up_to();
        let line = body[..at].iter().filter(|&&b| b == b'\n').count() as u64 + 1;
        crate::streams::stream::utf8_error(file, (at + bom) as u64, line)
    })
}

/// A serde_json error as a located load error.
pub(crate) fn json_error(file: &Path, e: &serde_json::Error) -> LoadError {
    let err = LoadError::said(file, crate::streams::strict::said(e));
    if e.line() > 0 {
        // serde_json says column 0 for an error before a line's first
        // character (e.g. an empty file); our columns count from 1.
        err.at(Location::Line {
            line: e.line() as u64,
            column: (e.column() as u64).max(1),
        })
    } else {
        err
    }
}

/// Reads a bundle's bytes into raw records. Returns `None` after a fatal
/// (structural) error; record errors go to `errs` and the records are kept.
pub(crate) fn read_bundle(file: &Path, bytes: &[u8], errs: &mut Errs) -> Option<Raw> {
    let text = match text_of(file, bytes) {
        Ok(t) => t,
        Err(e) => {
            errs.push(e);
            return None;
        }
    };
    parse_bundle(file, serde_json::Deserializer::from_str(text), errs)
}

/// Reads a bundle from a stream of its text (see [`crate::streams::stream`]).
pub(crate) fn read_bundle_stream(file: &Path, source: &mut Source, errs: &mut Errs) -> Option<Raw> {
    let reader = std::io::BufReader::with_capacity(1 << 16, &mut *source);
    let raw = parse_bundle(file, serde_json::Deserializer::from_reader(reader), errs);
    // Read on after a syntax error, as the whole file is checked in
    // memory: a bad byte later on is the error to report.
    let _ = std::io::copy(source, &mut std::io::sink());
    raw
}

fn parse_bundle<'de, R: serde_json::de::Read<'de>>(
    file: &Path,
    mut de: serde_json::Deserializer<R>,
    errs: &mut Errs,
) -> Option<Raw> {
    let mut b = Builder::new(file, errs);
    let result = BundleSeed(&mut b)
        .deserialize(&mut de)
        .and_then(|()| de.end());
    if let Err(e) = result {
        // A stream's read problem is reported by the stream.
        if !e.is_io() {
            b.errs.push(json_error(&b.file, &e));
        }
        return None;
    }
    Some(b.finish())
}

/// Builds the raw records of a bundle from its parts, whichever parser
/// walks the file: the serde visitor here, or the streaming fast path
/// ([`crate::instances::bundle_fast`]). One set of rules for keys and records.
pub(crate) struct Builder<'e> {
    pub(crate) file: Arc<Path>,
    pub(crate) errs: &'e mut Errs,
    raw: Raw,
    seen: BTreeSet<String>,
}

/// What a top-level key holds.
#[derive(Clone, Copy)]
pub(crate) enum Part {
    Policy,
    List(Kind),
    /// Unknown or repeated (already reported): skipped.
    Skip,
}

impl<'e> Builder<'e> {
    pub(crate) fn new(file: &Path, errs: &'e mut Errs) -> Builder<'e> {
        Builder {
            file: Arc::from(file),
            errs,
            raw: Raw::default(),
            seen: BTreeSet::new(),
        }
    }

    /// What a top-level key holds; reports repeated and unknown keys.
    pub(crate) fn key(&mut self, key: &str) -> Part {
        if !self.seen.insert(key.to_string()) {
            let said = crate::error::Said::KeyTwice {
                key: key.to_string(),
                first: None,
            };
            self.errs
                .push(LoadError::said(self.file.to_path_buf(), said).in_field(key));
            return Part::Skip;
        }
        match key {
            "policy" => Part::Policy,
            "experts" => Part::List(Kind::Experts),
            "applications" => Part::List(Kind::Applications),
            "conflicts" => Part::List(Kind::Conflicts),
            "coauthorships" => Part::List(Kind::Coauthorships),
            "affinity" => Part::List(Kind::Affinity),
            "history" => Part::List(Kind::History),
            other => {
                let said = crate::instances::records::unknown_name(
                    crate::error::Named::Key,
                    other,
                    BUNDLE_KEYS,
                );
                self.errs
                    .push(LoadError::said(self.file.to_path_buf(), said).in_field(other));
                Part::Skip
            }
        }
    }

    pub(crate) fn policy(&mut self, v: &Value) {
        self.raw.policy =
            parse_policy(Reader::new(&self.file, Site::Named("policy"), self.errs), v);
    }

    /// A list starts.
    pub(crate) fn begin_list(&mut self, kind: Kind) {
        match kind {
            Kind::Experts => self.raw.experts_seen = true,
            Kind::Applications => self.raw.applications_seen = true,
            Kind::Affinity => {
                self.affinity();
            }
            Kind::History => {
                self.raw.history.get_or_insert_with(HistoryList::default);
            }
            _ => {}
        }
    }

    /// The affinity list being read, for [`AffinitySeed`].
    pub(crate) fn affinity(&mut self) -> &mut RawAffinityList {
        affinity_list(&mut self.raw, &self.file)
    }

    /// Item `i` of an affinity list, read by [`AffinitySeed`].
    pub(crate) fn affinity_item(&mut self, i: usize, item: AffinityItem) {
        let site = item_site(Kind::Affinity, i);
        let list = affinity_list(&mut self.raw, &self.file);
        match item {
            AffinityItem::Valid(application, expert, score) => {
                list.push_interned(site.position(), application, expert, score);
            }
            AffinityItem::Fields(f) => list.add(Reader::new(&self.file, site, self.errs), &f),
            AffinityItem::Other(v) => {
                record(&self.file, self.errs, site, Kind::Affinity, &v, |r, rec| {
                    list.add(r, rec)
                })
            }
        }
    }

    /// Item `i` of the history list, already read as a record (the quick
    /// path of [`crate::instances::bundle_fast`]: a record with known keys only, so
    /// there is no unknown key to report).
    pub(crate) fn history_record(&mut self, i: usize, rec: &dyn Record) {
        let r = Reader::new(&self.file, item_site(Kind::History, i), self.errs);
        self.raw
            .history
            .get_or_insert_with(HistoryList::default)
            .read(r, rec);
    }

    /// Item `i` of the history list, read by hand into a valid record
    /// with `team_items` team items (the hand reader of
    /// [`crate::instances::bundle_fast`] takes only records without a
    /// problem). False, with nothing counted or kept, when the team would
    /// pass the load's total of list items: the record must then be read
    /// again by the general path, which words that.
    pub(crate) fn history_valid(
        &mut self,
        i: usize,
        record: crate::history::PastReview,
        team_items: usize,
    ) -> bool {
        if !self.errs.list_items_fit(team_items) {
            return false;
        }
        if self.errs.count_list_items(team_items).is_err() {
            return false;
        }
        self.raw
            .history
            .get_or_insert_with(HistoryList::default)
            .push(&self.file, item_site(Kind::History, i), record);
        true
    }

    /// Item `i` of another list.
    pub(crate) fn item(&mut self, kind: Kind, i: usize, v: &Value) {
        let site = item_site(kind, i);
        let (file, raw) = (&self.file, &mut self.raw);
        record(file, self.errs, site, kind, v, |r, rec| match kind {
            Kind::Experts => raw.experts.extend(parse_expert(r, rec)),
            Kind::Applications => raw.applications.extend(parse_application(r, rec)),
            Kind::Conflicts => raw.conflicts.extend(parse_conflict(r, rec)),
            Kind::Coauthorships => raw.coauthorships.extend(parse_coauthorship(r, rec)),
            Kind::Affinity => affinity_list(raw, file).add(r, rec),
            Kind::History => raw
                .history
                .get_or_insert_with(HistoryList::default)
                .read(r, rec),
        });
    }

    /// True when the policy, the experts and the applications have been
    /// read (well or not): [`Builder::finish`] will find no part missing,
    /// and what [`crate::instances::resolve::resolve_base`] reads is
    /// there, should the history come last.
    pub(crate) fn base_complete(&self) -> bool {
        ["policy", "experts", "applications"]
            .iter()
            .all(|k| self.seen.contains(*k))
    }

    /// The records read so far, as [`Builder::finish`] leaves them once
    /// [`Builder::base_complete`] holds, for
    /// [`crate::instances::resolve::resolve_base`]; the builder goes on
    /// with none, to read the history.
    pub(crate) fn take_base(&mut self) -> Raw {
        debug_assert!(self.base_complete());
        let mut base = std::mem::take(&mut self.raw);
        self.set_files(&mut base);
        base
    }

    /// Makes room for about `records` history records before the list is
    /// read, so that a long list is not copied as it grows (each copy
    /// touches fresh memory, which costs the most on a loaded machine).
    pub(crate) fn expect_history(&mut self, records: usize) {
        self.raw
            .history
            .get_or_insert_with(HistoryList::default)
            .reserve(records);
    }

    /// The history list read so far (see [`Builder::take_base`]).
    pub(crate) fn take_history(&mut self) -> Option<HistoryList> {
        self.raw.history.take()
    }

    fn set_files(&self, raw: &mut Raw) {
        raw.experts_file = Some(self.file.clone());
        raw.applications_file = Some(self.file.clone());
        raw.policy_file = Some(self.file.clone());
    }

    /// The records, once the whole bundle is read; reports missing parts.
    pub(crate) fn finish(mut self) -> Raw {
        for key in ["policy", "experts", "applications"] {
            if !self.seen.contains(key) {
                self.errs.push(
                    LoadError::said(self.file.to_path_buf(), crate::error::Said::MissingPart)
                        .in_field(key),
                );
            }
        }
        let mut raw = std::mem::take(&mut self.raw);
        self.set_files(&mut raw);
        raw
    }
}

/// The bundle's affinity list, made when first needed.
fn affinity_list<'r>(raw: &'r mut Raw, file: &Arc<Path>) -> &'r mut RawAffinityList {
    raw.affinity
        .get_or_insert_with(|| RawAffinityList::new(file, item_site(Kind::Affinity, 0)))
}

/// Where item `i` of a list is.
fn item_site(kind: Kind, i: usize) -> Site {
    Site::Item(kind.key(), i.min(u32::MAX as usize) as u32)
}

struct BundleSeed<'b, 'e>(&'b mut Builder<'e>);

impl<'de> DeserializeSeed<'de> for BundleSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for BundleSeed<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a bundle object with keys policy, experts and applications")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            match self.0.key(&key) {
                Part::Skip => {
                    map.next_value::<IgnoredAny>()?;
                }
                Part::Policy => {
                    let Strict(v) = map.next_value()?;
                    self.0.policy(&v);
                }
                Part::List(kind) => map.next_value_seed(ListSeed {
                    kind,
                    b: &mut *self.0,
                })?,
            }
        }
        Ok(())
    }
}

/// A list of records.
#[derive(Clone, Copy)]
pub(crate) enum Kind {
    Experts,
    Applications,
    Conflicts,
    Coauthorships,
    Affinity,
    History,
}

impl Kind {
    fn key(self) -> &'static str {
        match self {
            Kind::Experts => "experts",
            Kind::Applications => "applications",
            Kind::Conflicts => "conflicts",
            Kind::Coauthorships => "coauthorships",
            Kind::Affinity => "affinity",
            Kind::History => "history",
        }
    }

    fn fields(self) -> &'static [&'static str] {
        match self {
            Kind::Experts => EXPERT_FIELDS,
            Kind::Applications => APPLICATION_FIELDS,
            Kind::Conflicts => CONFLICT_FIELDS,
            Kind::Coauthorships => COAUTHORSHIP_FIELDS,
            Kind::Affinity => AFFINITY_FIELDS,
            Kind::History => HISTORY_FIELDS,
        }
    }

    fn record(self) -> &'static str {
        match self {
            Kind::Experts => "expert",
            Kind::Applications => "application",
            Kind::Conflicts => "conflict",
            Kind::Coauthorships => "co-authorship",
            Kind::Affinity => "affinity",
            Kind::History => "history",
        }
    }
}

struct ListSeed<'b, 'e> {
    kind: Kind,
    b: &'b mut Builder<'e>,
}

impl<'de> DeserializeSeed<'de> for ListSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for ListSeed<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a list of {} records", self.kind.record())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.b.begin_list(self.kind);
        let mut i = 0usize;
        if let Kind::Affinity = self.kind {
            // Affinity lists are the big ones (applications × candidates):
            // their ids are interned as they are read, and no JSON object
            // is built for a valid record.
            while let Some(item) = seq.next_element_seed(AffinitySeed(self.b.affinity()))? {
                self.b.affinity_item(i, item);
                i += 1;
            }
            return Ok(());
        }
        while let Some(Strict(v)) = seq.next_element()? {
            self.b.item(self.kind, i, &v);
            i += 1;
        }
        Ok(())
    }
}

/// Checks that a list item is an object with known keys (noting an
/// expert's or application's id for messages), then hands it to `parse`.
fn record(
    file: &Arc<Path>,
    errs: &mut Errs,
    site: Site,
    kind: Kind,
    v: &Value,
    parse: impl FnOnce(Reader<'_>, &dyn Record),
) {
    let mut r = Reader::new(file, site, errs);
    let Value::Object(obj) = v else {
        r.error_whole(format!("expected an object (one {} record)", kind.record()));
        return;
    };
    if let (Kind::Experts | Kind::Applications, Some(Value::String(s))) = (kind, obj.get("id")) {
        if !s.trim().is_empty() {
            r.at.id = Some(s.as_str().into());
        }
    }
    let keeps = matches!(kind, Kind::Experts | Kind::Applications);
    r.unknown_keys(obj, kind.fields(), keeps);
    parse(r, &JsonRecord(obj));
}

/// A field of an affinity record: an id already interned or a score
/// already a number (the common case), or the value as JSON for
/// [`parse_affinity`] to check and report.
enum Field<T> {
    Fast(T),
    Json(Value),
}

impl<T> Field<T> {
    fn into_json(self, fast: impl FnOnce(T) -> Value) -> Value {
        match self {
            Field::Fast(x) => fast(x),
            Field::Json(v) => v,
        }
    }
}

/// An affinity record read field by field (no JSON object built), given
/// to [`parse_affinity`] when it is not valid as it stands, so values are
/// checked and reported exactly like every other record's.
#[derive(Default)]
pub(crate) struct AffinityFields {
    application: Option<Value>,
    expert: Option<Value>,
    score: Option<Value>,
}

impl Record for AffinityFields {
    fn cell(&self, name: &str) -> Cell<'_> {
        let v = match name {
            "application" => &self.application,
            "expert" => &self.expert,
            "score" => &self.score,
            _ => &None,
        };
        v.as_ref().map_or(Cell::Absent, Cell::Json)
    }
}

/// One element of an affinity list.
pub(crate) enum AffinityItem {
    /// A valid record: interned ids and the score.
    Valid(u32, u32, Score),
    /// An object with the known keys only, not valid as it stands.
    Fields(AffinityFields),
    /// Anything else (not an object, or unknown keys), for the general
    /// path and its messages.
    Other(Value),
}

/// Reads one affinity list element, interning its ids into the list.
pub(crate) struct AffinitySeed<'a>(pub(crate) &'a mut RawAffinityList);

impl<'de> DeserializeSeed<'de> for AffinitySeed<'_> {
    type Value = AffinityItem;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<AffinityItem, D::Error> {
        d.deserialize_any(self)
    }
}

/// Keys of an affinity record.
enum AffinityKey {
    Application,
    Expert,
    Score,
    Other(String),
}

struct AffinityKeySeed;

impl<'de> DeserializeSeed<'de> for AffinityKeySeed {
    type Value = AffinityKey;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<AffinityKey, D::Error> {
        d.deserialize_str(self)
    }
}

impl Visitor<'_> for AffinityKeySeed {
    type Value = AffinityKey;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key")
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<AffinityKey, E> {
        Ok(match v {
            "application" => AffinityKey::Application,
            "expert" => AffinityKey::Expert,
            "score" => AffinityKey::Score,
            other => AffinityKey::Other(other.to_string()),
        })
    }
}

/// An id value: a non-blank string is interned; anything else is kept as
/// JSON.
struct IdSeed<'a>(&'a mut IdTable);

impl<'de> DeserializeSeed<'de> for IdSeed<'_> {
    type Value = Field<u32>;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Field<u32>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for IdSeed<'_> {
    type Value = Field<u32>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an id")
    }
    fn visit_str<E>(self, v: &str) -> Result<Field<u32>, E> {
        Ok(if v.trim().is_empty() {
            Field::Json(Value::String(v.to_string()))
        } else {
            Field::Fast(self.0.intern(v))
        })
    }
    fn visit_bool<E>(self, v: bool) -> Result<Field<u32>, E> {
        Ok(Field::Json(Value::Bool(v)))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Field<u32>, E> {
        Ok(Field::Json(Value::from(v)))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Field<u32>, E> {
        Ok(Field::Json(Value::from(v)))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Field<u32>, E> {
        Ok(Field::Json(Value::from(v)))
    }
    fn visit_unit<E>(self) -> Result<Field<u32>, E> {
        Ok(Field::Json(Value::Null))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Field<u32>, A::Error> {
        Strict::deserialize(SeqAccessDeserializer::new(seq)).map(|s| Field::Json(s.0))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Field<u32>, A::Error> {
        Strict::deserialize(MapAccessDeserializer::new(map)).map(|s| Field::Json(s.0))
    }
}

/// A score value: a number is kept as a number; anything else as JSON.
struct ScoreSeed;

impl<'de> DeserializeSeed<'de> for ScoreSeed {
    type Value = Field<serde_json::Number>;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ScoreSeed {
    type Value = Field<serde_json::Number>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a score")
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Field::Fast(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Field::Fast(v.into()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(match serde_json::Number::from_f64(v) {
            Some(n) => Field::Fast(n),
            None => Field::Json(Value::Null),
        })
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Field::Json(Value::String(v.to_string())))
    }
    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Field::Json(Value::Bool(v)))
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Field::Json(Value::Null))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        Strict::deserialize(SeqAccessDeserializer::new(seq)).map(|s| Field::Json(s.0))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        Strict::deserialize(MapAccessDeserializer::new(map)).map(|s| Field::Json(s.0))
    }
}

impl<'de> Visitor<'de> for AffinitySeed<'_> {
    type Value = AffinityItem;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an affinity record")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<AffinityItem, A::Error> {
        let list = self.0;
        let mut application = None;
        let mut expert = None;
        let mut score = None;
        let mut extra: Option<serde_json::Map<String, Value>> = None;
        while let Some(key) = map.next_key_seed(AffinityKeySeed)? {
            let twice = |k: &str| A::Error::custom(crate::streams::strict::repeated_key(k));
            match key {
                AffinityKey::Application if application.is_some() => {
                    return Err(twice("application"))
                }
                AffinityKey::Expert if expert.is_some() => return Err(twice("expert")),
                AffinityKey::Score if score.is_some() => return Err(twice("score")),
                AffinityKey::Application => {
                    application = Some(map.next_value_seed(IdSeed(&mut list.applications))?)
                }
                AffinityKey::Expert => {
                    expert = Some(map.next_value_seed(IdSeed(&mut list.experts))?)
                }
                AffinityKey::Score => score = Some(map.next_value_seed(ScoreSeed)?),
                AffinityKey::Other(k) => {
                    let Strict(v) = map.next_value()?;
                    let extra = extra.get_or_insert_with(serde_json::Map::new);
                    if extra.contains_key(&k) {
                        return Err(twice(&k));
                    }
                    extra.insert(k, v);
                }
            }
        }
        if extra.is_none() {
            if let (Some(Field::Fast(a)), Some(Field::Fast(e)), Some(Field::Fast(n))) =
                (&application, &expert, &score)
            {
                if let Some(s) = n.as_f64().and_then(Score::from_f64) {
                    return Ok(AffinityItem::Valid(*a, *e, s));
                }
            }
        }
        let (apps, experts) = (&list.applications, &list.experts);
        let fields = AffinityFields {
            application: application
                .map(|f| f.into_json(|k| Value::String(apps.name(k).to_string()))),
            expert: expert.map(|f| f.into_json(|k| Value::String(experts.name(k).to_string()))),
            score: score.map(|f| f.into_json(Value::Number)),
        };
        let Some(mut obj) = extra else {
            return Ok(AffinityItem::Fields(fields));
        };
        for (k, v) in [
            ("application", fields.application),
            ("expert", fields.expert),
            ("score", fields.score),
        ] {
            if let Some(v) = v {
                obj.insert(k.to_string(), v);
            }
        }
        Ok(AffinityItem::Other(Value::Object(obj)))
    }

    // Not an object: the general path reports it (its message does not
    // depend on the value).
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<AffinityItem, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(AffinityItem::Other(Value::Null))
    }
    fn visit_bool<E>(self, _: bool) -> Result<AffinityItem, E> {
        Ok(AffinityItem::Other(Value::Null))
    }
    fn visit_i64<E>(self, _: i64) -> Result<AffinityItem, E> {
        Ok(AffinityItem::Other(Value::Null))
    }
    fn visit_u64<E>(self, _: u64) -> Result<AffinityItem, E> {
        Ok(AffinityItem::Other(Value::Null))
    }
    fn visit_f64<E>(self, _: f64) -> Result<AffinityItem, E> {
        Ok(AffinityItem::Other(Value::Null))
    }
    fn visit_str<E>(self, _: &str) -> Result<AffinityItem, E> {
        Ok(AffinityItem::Other(Value::Null))
    }
    fn visit_unit<E>(self) -> Result<AffinityItem, E> {
        Ok(AffinityItem::Other(Value::Null))
    }
}

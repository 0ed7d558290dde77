//! Input records before ids are resolved: one parser per record kind, shared
//! by the JSON bundle and the CSV directory.
//!
//! A record is read through [`Record::cell`], which gives a [`Cell`]: a JSON
//! value (bundle) or a text cell (CSV). The typed readers here turn a cell
//! into a value or an error message, with the same rules for both forms:
//! an empty string, an empty cell and JSON `null` all mean "not given";
//! list items are trimmed and empty items dropped; integers may be written
//! as `6` or `6.0` but not `6.5`; numbers must be finite.
//!
//! Parsing never stops at the first problem: every problem is pushed to the
//! load's error list, and a record is kept (with placeholders) as long as it
//! has an id, so one bad cell does not cascade into "unknown expert" errors
//! elsewhere.

use std::path::Path;
use std::sync::Arc;

use serde_json::Value;

use crate::error::{Choices, Errs, Leave, LoadError, Location, Msg, Named, Range, Said, Want};
use crate::history::ShortText;
use crate::model::{Policy, Score, MAX_ABS_SCORE};
use crate::names::{normalize, split_list};
use crate::streams::intern::IdTable;

/// Largest count the input may give for a panel size, a load, a cap or a
/// hop limit. Larger values are surely typos and are refused with a clear
/// message (this also keeps every sum of counts far from overflow).
pub const MAX_COUNT: u64 = 1_000_000;

/// Fields of an expert record (JSON keys and CSV columns), in output order.
pub const EXPERT_FIELDS: &[&str] = &[
    "id",
    "name",
    "city",
    "institution",
    "fields",
    "keywords",
    "title",
    "max_load",
    "min_load",
    "available",
    "programmes",
];
/// Fields of an application record, in output order.
pub const APPLICATION_FIELDS: &[&str] = &[
    "id",
    "title",
    "city",
    "institution",
    "fields",
    "keywords",
    "panel_size",
    "team",
    "avoid",
    "programme",
];
/// Fields of a conflict record, in output order.
pub const CONFLICT_FIELDS: &[&str] = &["expert", "with", "reason"];
/// Fields of a co-authorship record, in output order.
pub const COAUTHORSHIP_FIELDS: &[&str] = &["a", "b", "year"];
/// Fields of an affinity record, in output order.
pub const AFFINITY_FIELDS: &[&str] = &["application", "expert", "score"];
/// Fields of a history record, in output order.
pub(crate) const HISTORY_FIELDS: &[&str] = &HISTORY_FIELD_ARRAY;
const HISTORY_FIELD_ARRAY: [&str; 9] = [
    "year",
    "round",
    "programme",
    "application",
    "institution",
    "team",
    "expert",
    "outcome",
    "rating",
];
/// Fields of the policy, in output order.
pub const POLICY_FIELDS: &[&str] = &[
    "panel_size",
    "min_outside_share",
    "min_outside",
    "max_per_city",
    "max_per_institution",
    "max_load",
    "min_load",
    "avoid_same_institution",
    "coauthor_hops",
    "coauthor_years",
    "year",
    "default_affinity",
    "min_affinity",
    "seed",
    "max_probability",
    "alternates",
    "min_senior",
    "senior_titles",
    "cover_fields",
    "min_outside_share_round",
    "min_outside_share_by_city",
    "max_copanel",
    "bonus_per_city",
    "programmes",
    "history_years",
    "avoid_repeat",
    "repeat_penalty",
    "max_reviews_per_year",
    "max_consecutive_years",
    "max_declines",
    "min_rating",
];

/// Policy fields that hold a boolean (read from 是/否, yes/no, 1/0 in
/// key/value tables).
pub(crate) const POLICY_BOOLEANS: &[&str] = &["avoid_same_institution", "cover_fields"];
/// Policy fields that hold a list (a `;`-separated cell in key/value
/// tables).
pub(crate) const POLICY_LISTS: &[&str] = &["senior_titles"];

/// Required fields per record kind.
pub(crate) const EXPERT_REQUIRED: &[&str] = &["id", "city", "institution"];
pub(crate) const APPLICATION_REQUIRED: &[&str] = &["id", "city", "institution"];
pub(crate) const CONFLICT_REQUIRED: &[&str] = &["expert", "with"];
pub(crate) const COAUTHORSHIP_REQUIRED: &[&str] = &["a", "b"];
pub(crate) const AFFINITY_REQUIRED: &[&str] = &["application", "expert", "score"];
pub(crate) const HISTORY_REQUIRED: &[&str] = &["year", "institution", "expert"];

/// One field's raw value.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Cell<'a> {
    /// The field is not there (no key, no column).
    Absent,
    /// A CSV cell.
    Text(&'a str),
    /// A JSON value.
    Json(&'a Value),
}

/// A record whose fields can be looked up by name.
pub(crate) trait Record {
    fn cell(&self, name: &str) -> Cell<'_>;

    /// The record's kept cells (columns the program does not use) as
    /// (header, value), blank ones left out; see [`crate::model::Kept`].
    fn kept(&self) -> Vec<(String, String)> {
        Vec::new()
    }

    /// The header of the table the record is a row of (CSV, workbook).
    fn header(&self) -> Option<&crate::instances::office::Header> {
        None
    }

    /// Cell `i` of a table row as written (a CSV cell without the guard
    /// against formulas that CSV outputs put before it), for a rewrite of
    /// the table (`history append`); `None` past the row's end and for a
    /// JSON record.
    fn at(&self, _i: usize) -> Option<&str> {
        None
    }

    /// Cell `i` of a workbook row when it held a number, a boolean or a
    /// date (read as text by [`Record::cell`]), as it was, so that a
    /// rewrite puts it back so; `None` for a text cell, and for a table
    /// read without its cells' types.
    fn typed_at(&self, _i: usize) -> Option<crate::workbooks::xlsx::XCell> {
        None
    }
}

/// The bundle key holding an expert's or application's kept fields (an
/// object of texts, e.g. `{"邮箱": "li@whu.edu.cn"}`).
pub(crate) const KEPT_KEY: &str = "extra";

/// A JSON object as a record.
pub(crate) struct JsonRecord<'a>(pub &'a serde_json::Map<String, Value>);

impl Record for JsonRecord<'_> {
    fn cell(&self, name: &str) -> Cell<'_> {
        match self.0.get(name) {
            Some(v) => Cell::Json(v),
            None => Cell::Absent,
        }
    }

    fn kept(&self) -> Vec<(String, String)> {
        let Some(Value::Object(m)) = self.0.get(KEPT_KEY) else {
            return Vec::new();
        };
        m.iter()
            .filter_map(|(k, v)| match v {
                Value::String(s) if !s.trim().is_empty() => {
                    Some((normalize(k).into_owned(), s.trim().to_string()))
                }
                _ => None,
            })
            .filter(|(k, _)| !k.is_empty())
            .collect()
    }
}

/// Where a record sits in its file, compactly (a [`Location`] is built only
/// when an error is reported).
#[derive(Clone, Debug)]
pub(crate) enum Site {
    /// The file as a whole (e.g. `policy.json`).
    Whole,
    /// A CSV row (header = row 1).
    Row(u64),
    /// An item of a bundle list, e.g. `experts[3]`.
    Item(&'static str, u32),
    /// A named part of a bundle, e.g. `policy`.
    Named(&'static str),
    /// A row of a workbook sheet (header = row 1).
    SheetRow(Arc<str>, u64),
}

impl Site {
    /// The record's position in its list or sheet (0 for whole files and
    /// named parts).
    pub(crate) fn position(&self) -> u64 {
        match self {
            Site::Row(row) | Site::SheetRow(_, row) => *row,
            Site::Item(_, i) => u64::from(*i),
            Site::Whole | Site::Named(_) => 0,
        }
    }

    /// The same kind of site at another position.
    pub(crate) fn at_position(&self, position: u64) -> Site {
        match self {
            Site::Row(_) => Site::Row(position),
            Site::SheetRow(sheet, _) => Site::SheetRow(sheet.clone(), position),
            Site::Item(list, _) => Site::Item(list, position.min(u64::from(u32::MAX)) as u32),
            other => other.clone(),
        }
    }
}

/// Where a parsed record came from, for later (resolve-time) errors.
#[derive(Clone, Debug)]
pub(crate) struct Origin {
    pub file: Arc<Path>,
    pub site: Site,
    /// The record's id, once known (experts and applications).
    pub id: Option<Box<str>>,
}

impl Origin {
    /// The location for messages.
    pub(crate) fn location(&self) -> Option<Location> {
        let id = self.id.as_deref().map(str::to_string);
        match &self.site {
            Site::Whole => None,
            Site::Row(row) => Some(Location::Row { row: *row, id }),
            Site::Item(list, i) => Some(Location::Record {
                path: format!("{list}[{i}]"),
                id,
            }),
            Site::Named(name) => Some(Location::Record {
                path: name.to_string(),
                id,
            }),
            Site::SheetRow(sheet, row) => Some(Location::Sheet {
                sheet: sheet.to_string(),
                row: *row,
                id,
            }),
        }
    }

    pub(crate) fn error(&self, field: Option<&str>, message: impl Into<Msg>) -> LoadError {
        let mut e = LoadError::of(self.file.to_path_buf(), message);
        if let Some(loc) = self.location() {
            e = e.at(loc);
        }
        match field {
            Some(f) => e.in_field(f),
            None => e,
        }
    }

    /// A short "where" for cross references in messages: `row 3` or `experts[2]`.
    pub(crate) fn short(&self) -> String {
        match &self.site {
            Site::Row(row) => format!("row {row}"),
            Site::Item(list, i) => format!("{list}[{i}]"),
            Site::Named(name) => name.to_string(),
            Site::SheetRow(sheet, row) => format!("sheet {sheet} row {row}"),
            Site::Whole => self.file.display().to_string(),
        }
    }
}

/// An expert as read.
#[derive(Clone, Debug)]
pub(crate) struct RawExpert {
    pub at: Origin,
    pub id: String,
    pub name: Option<String>,
    pub city: String,
    pub institution: String,
    pub fields: Vec<String>,
    pub keywords: Vec<String>,
    pub title: Option<String>,
    pub max_load: Option<u32>,
    pub min_load: Option<u32>,
    pub available: bool,
    /// Kept cells (header, value).
    pub kept: Vec<(String, String)>,
    pub programmes: Vec<String>,
}

/// An application as read.
#[derive(Clone, Debug)]
pub(crate) struct RawApplication {
    pub at: Origin,
    pub id: String,
    pub title: Option<String>,
    pub city: String,
    pub institution: String,
    pub fields: Vec<String>,
    pub keywords: Vec<String>,
    pub panel_size: Option<u32>,
    pub team: Vec<String>,
    pub avoid: Vec<String>,
    /// Kept cells (header, value).
    pub kept: Vec<(String, String)>,
    pub programme: Option<String>,
}

/// A conflict as read.
#[derive(Clone, Debug)]
pub(crate) struct RawConflict {
    pub at: Origin,
    pub expert: String,
    pub with: String,
    pub reason: Option<String>,
}

/// A co-authorship as read.
#[derive(Clone, Debug)]
pub(crate) struct RawCoauthorship {
    pub at: Origin,
    pub a: String,
    pub b: String,
    pub year: Option<i32>,
}

/// An affinity entry as read, its ids numbered in its list's [`IdTable`]s
/// (no strings per record: affinity lists are the large part of an input).
#[derive(Clone, Copy, Debug)]
pub(crate) struct RawAffinity {
    /// Where the record stands: its list index (bundle) or row (CSV, sheet).
    pub position: u64,
    /// The application id's number in [`RawAffinityList::applications`].
    pub application: u32,
    /// The expert id's number in [`RawAffinityList::experts`].
    pub expert: u32,
    pub score: Score,
}

/// An affinity list as read: the records and the ids they name.
#[derive(Debug)]
pub(crate) struct RawAffinityList {
    file: Arc<Path>,
    /// The site of the record at position 0; others differ only there.
    site: Site,
    pub applications: IdTable,
    pub experts: IdTable,
    pub records: Vec<RawAffinity>,
}

impl RawAffinityList {
    /// An empty list read from `file`, its records located like `site`.
    pub(crate) fn new(file: &Arc<Path>, site: Site) -> RawAffinityList {
        RawAffinityList {
            file: file.clone(),
            site: site.at_position(0),
            applications: IdTable::default(),
            experts: IdTable::default(),
            records: Vec::new(),
        }
    }

    /// Parses one record with [`parse_affinity`], keeping it if valid.
    pub(crate) fn add(&mut self, r: Reader<'_>, rec: &dyn Record) {
        let position = r.at.site.position();
        if let Some((application, expert, score)) = parse_affinity(r, rec) {
            self.push(position, &application, &expert, score);
        }
    }

    /// Keeps a valid record whose ids are already interned.
    pub(crate) fn push_interned(
        &mut self,
        position: u64,
        application: u32,
        expert: u32,
        score: Score,
    ) {
        self.records.push(RawAffinity {
            position,
            application,
            expert,
            score,
        });
    }

    /// Keeps a record already known to be valid.
    pub(crate) fn push(&mut self, position: u64, application: &str, expert: &str, score: Score) {
        let application = self.applications.intern(application);
        let expert = self.experts.intern(expert);
        self.push_interned(position, application, expert, score);
    }

    /// Where a record came from, for messages.
    pub(crate) fn origin(&self, rec: &RawAffinity) -> Origin {
        Origin {
            file: self.file.clone(),
            site: self.site.at_position(rec.position),
            id: None,
        }
    }
}

/// Everything a load read, before resolving ids.
#[derive(Debug, Default)]
pub(crate) struct Raw {
    /// The policy, if it was read (and where).
    pub policy: Option<Policy>,
    /// File of the policy (for "missing" errors).
    pub policy_file: Option<Arc<Path>>,
    /// True when a policy file was found (CSV directories).
    pub policy_file_seen: bool,
    /// For a policy given as key/value rows (`policy.csv`, a 参数 sheet):
    /// each key's row, for errors found when resolving.
    pub policy_sites: std::collections::BTreeMap<String, Site>,
    pub experts: Vec<RawExpert>,
    pub experts_file: Option<Arc<Path>>,
    pub experts_seen: bool,
    pub applications: Vec<RawApplication>,
    pub applications_file: Option<Arc<Path>>,
    pub applications_seen: bool,
    pub conflicts: Vec<RawConflict>,
    pub coauthorships: Vec<RawCoauthorship>,
    /// `Some` when the input has an affinity list at all.
    pub affinity: Option<RawAffinityList>,
    /// `Some` when the input has a history table at all.
    pub history: Option<HistoryList>,
}

/// A history table as read: its records, and where each stood (a
/// message about two records names both).
#[derive(Debug, Default)]
pub(crate) struct HistoryList {
    /// The records, in input order.
    pub records: Vec<crate::history::PastReview>,
    /// Record i stood at `site.at_position(positions[i])`.
    positions: Vec<u64>,
    /// The table's file and the site of its first record.
    origin: Option<(Arc<Path>, Site)>,
}

impl HistoryList {
    /// Makes room for `records` more records when the memory is there (a
    /// hint: without it the list grows as it is read, as before).
    pub(crate) fn reserve(&mut self, records: usize) {
        if self.records.try_reserve(records).is_ok() {
            let _ = self.positions.try_reserve(records);
        }
    }

    /// Parses one record ([`parse_history`]) and keeps it when valid.
    pub(crate) fn read(&mut self, r: Reader<'_>, rec: &dyn Record) {
        let position = r.at.site.position();
        if self.origin.is_none() {
            self.origin = Some((r.at.file.clone(), r.at.site.clone()));
        }
        if let Some(record) = parse_history(r, rec) {
            self.records.push(record);
            self.positions.push(position);
        }
    }

    /// Keeps a record read elsewhere (the bundle's quick path) at `site`
    /// of `file`.
    pub(crate) fn push(
        &mut self,
        file: &Arc<Path>,
        site: Site,
        record: crate::history::PastReview,
    ) {
        self.positions.push(site.position());
        if self.origin.is_none() {
            self.origin = Some((file.clone(), site));
        }
        self.records.push(record);
    }

    /// Where record `i` stood.
    fn origin_of(&self, i: usize) -> Option<Origin> {
        let (file, site) = self.origin.as_ref()?;
        Some(Origin {
            file: file.clone(),
            site: site.at_position(*self.positions.get(i)?),
            id: None,
        })
    }

    /// Refuses records that repeat an earlier one (same year, round,
    /// past application and expert:
    /// [`crate::history::repeated_records`]), naming both.
    pub(crate) fn check_repeats(&self, errs: &mut Errs) {
        self.report_repeats(&crate::history::repeated_records(&self.records), errs);
    }

    /// Finds the repeated records ([`HistoryList::check_repeats`] without
    /// the messages) on a thread of its own when the table is large: a
    /// sort of every record, which needs nothing else of the load, so a
    /// resolve runs it beside its other work and takes the answer when it
    /// words the messages ([`RepeatsSought::found`]).
    pub(crate) fn seek_repeats(self) -> RepeatsSought {
        if self.records.len() < REPEATS_AWAY_FROM {
            let repeats = crate::history::repeated_records(&self.records);
            return RepeatsSought::Here(self, repeats);
        }
        RepeatsSought::Away(std::thread::spawn(move || {
            let repeats = crate::history::repeated_records(&self.records);
            (self, repeats)
        }))
    }

    /// The messages of [`HistoryList::check_repeats`] for the pairs
    /// `repeats` of [`crate::history::repeated_records`].
    fn report_repeats(&self, repeats: &[(usize, usize)], errs: &mut Errs) {
        for &(first, later) in repeats {
            let (Some(at), Some(was)) = (self.origin_of(later), self.origin_of(first)) else {
                continue;
            };
            let r = &self.records[later];
            let round = crate::history::round_label(r.round.as_deref())
                .map(|l| format!(", round {l}"))
                .unwrap_or_default();
            errs.push(at.error(
                None,
                format!(
                    "this past review repeats {} (year {}{round}, application {}, expert {}): \
                     the history holds one record per past application and expert, and a \
                     repeat would count one review twice; delete one of the two (or, if they \
                     are two rounds of that year, give each its round)",
                    was.short(),
                    r.year,
                    normalize(r.application.as_deref().unwrap_or_default()),
                    r.expert,
                ),
            ));
        }
    }

    /// The records.
    pub(crate) fn into_records(self) -> Vec<crate::history::PastReview> {
        self.records
    }
}

/// Fewer history records than this are checked for repeats on the
/// calling thread ([`HistoryList::seek_repeats`]: a thread costs more
/// than it saves).
const REPEATS_AWAY_FROM: usize = 4096;

/// A history table whose repeated records are being found
/// ([`HistoryList::seek_repeats`]).
pub(crate) enum RepeatsSought {
    /// Found already.
    Here(HistoryList, Vec<(usize, usize)>),
    /// Being found on another thread.
    Away(std::thread::JoinHandle<(HistoryList, Vec<(usize, usize)>)>),
}

impl RepeatsSought {
    /// The table, once its repeats are found and worded into `errs`
    /// (as [`HistoryList::check_repeats`] words them).
    pub(crate) fn found(self, errs: &mut Errs) -> HistoryList {
        let (list, repeats) = match self {
            RepeatsSought::Here(list, repeats) => (list, repeats),
            RepeatsSought::Away(job) => job
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
        };
        list.report_repeats(&repeats, errs);
        list
    }
}

/// Reads the fields of one record, pushing every problem to the load's
/// error list.
pub(crate) struct Reader<'a> {
    pub at: Origin,
    pub errs: &'a mut Errs,
    /// True when any field of this record had a problem.
    pub bad: bool,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(file: &Arc<Path>, site: Site, errs: &'a mut Errs) -> Reader<'a> {
        Reader {
            at: Origin {
                file: file.clone(),
                site,
                id: None,
            },
            errs,
            bad: false,
        }
    }

    pub(crate) fn error(&mut self, field: &str, message: impl Into<Msg>) {
        self.bad = true;
        self.errs.push(self.at.error(Some(field), message));
    }

    /// A problem with the record as a whole.
    pub(crate) fn error_whole(&mut self, message: impl Into<Msg>) {
        self.bad = true;
        self.errs.push(self.at.error(None, message));
    }

    pub(crate) fn take<T, E: Into<Msg>>(&mut self, field: &str, r: Result<T, E>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(m) => {
                self.error(field, m);
                None
            }
        }
    }

    /// An optional text field.
    pub(crate) fn text(&mut self, rec: &dyn Record, field: &str) -> Option<String> {
        let r = text(rec.cell(field));
        self.take(field, r).flatten()
    }

    /// An optional name (a title): normalised ([`normalize`]), `None`
    /// when blank.
    pub(crate) fn name_text(&mut self, rec: &dyn Record, field: &str) -> Option<String> {
        self.text(rec, field)
            .map(|s| normalize(&s).into_owned())
            .filter(|s| !s.is_empty())
    }

    /// A required name (an id): normalised ([`normalize`]); reports
    /// "missing" (placeholder "" returned).
    pub(crate) fn required(&mut self, rec: &dyn Record, field: &str) -> String {
        self.required_with(rec, field, true)
    }

    /// A required text field as written (a place: resolve normalises it
    /// and notes merged spellings); reports "missing" (placeholder "").
    pub(crate) fn required_as_written(&mut self, rec: &dyn Record, field: &str) -> String {
        self.required_with(rec, field, false)
    }

    /// [`Reader::required`] (`normal`) or [`Reader::required_as_written`]:
    /// the text is normalised once, to test it and to keep.
    fn required_with(&mut self, rec: &dyn Record, field: &str, normal: bool) -> String {
        match text(rec.cell(field)) {
            Ok(Some(s)) => {
                let owned = match normalize(&s) {
                    std::borrow::Cow::Borrowed(n) if !n.is_empty() => None,
                    std::borrow::Cow::Owned(n) if !n.is_empty() => Some(n),
                    _ => {
                        self.error(field, Said::Blank);
                        return String::new();
                    }
                };
                match owned {
                    Some(n) if normal => n,
                    _ => s,
                }
            }
            Ok(None) => {
                self.error(field, Said::Missing);
                String::new()
            }
            Err(m) => {
                self.error(field, m);
                String::new()
            }
        }
    }

    /// A list field. Lists of the whole load hold at most
    /// [`crate::error::MAX_TOTAL_LIST_ITEMS`] items.
    pub(crate) fn list(&mut self, rec: &dyn Record, field: &str) -> Vec<String> {
        let r = list(rec.cell(field));
        let items = self.take(field, r).unwrap_or_default();
        if items.iter().any(|i| i.contains(',')) {
            // `P0001，P0002` typed with a Chinese comma is one item: say so
            // (once per file and field), never silently.
            self.errs.note(crate::note::Noted::CommaInItem {
                file: self.at.file.display().to_string(),
                field: field.to_string(),
            });
        }
        if let Err(m) = self.errs.count_list_items(items.len()) {
            if let Some(m) = m {
                self.error(field, m);
            }
            return Vec::new();
        }
        items
    }

    /// An optional count (non-negative integer up to [`MAX_COUNT`]).
    pub(crate) fn count(&mut self, rec: &dyn Record, field: &str) -> Option<u32> {
        let r = uint(rec.cell(field), MAX_COUNT);
        self.take(field, r).flatten().map(|v| v as u32)
    }

    /// An optional count that must be at least 1.
    pub(crate) fn positive_count(
        &mut self,
        rec: &dyn Record,
        field: &str,
        leave: Leave,
    ) -> Option<u32> {
        let v = self.count(rec, field)?;
        if v == 0 {
            self.error(field, Said::AtLeastOne { leave });
            return None;
        }
        Some(v)
    }

    /// An optional boolean.
    pub(crate) fn boolean(&mut self, rec: &dyn Record, field: &str) -> Option<bool> {
        let r = boolean(rec.cell(field));
        self.take(field, r).flatten()
    }

    /// An optional year (fits `i32`), as offices write it: `2025`,
    /// `2025年`, `2025年度` (full-width digits too), in a cell or a JSON
    /// number or text ([`year`]).
    pub(crate) fn year(&mut self, rec: &dyn Record, field: &str) -> Option<i32> {
        let r = year(rec.cell(field));
        self.take(field, r).flatten().map(|v| v as i32)
    }

    /// An optional finite number.
    pub(crate) fn number(&mut self, rec: &dyn Record, field: &str) -> Option<f64> {
        let r = float(rec.cell(field));
        self.take(field, r).flatten()
    }

    /// An optional score: finite and within ±[`MAX_ABS_SCORE`].
    pub(crate) fn score(&mut self, rec: &dyn Record, field: &str) -> Option<f64> {
        let v = self.number(rec, field)?;
        if Score::from_f64(v).is_none() {
            self.error(
                field,
                format!(
                    "score {} is out of range (scores must lie within ±{MAX_ABS_SCORE})",
                    shown(v)
                ),
            );
            return None;
        }
        Some(v)
    }

    /// The record's kept cells; in a bundle, `extra` must be an object of
    /// texts.
    pub(crate) fn kept(&mut self, rec: &dyn Record) -> Vec<(String, String)> {
        if let Cell::Json(v) = rec.cell(KEPT_KEY) {
            match v {
                Value::Null => {}
                Value::Object(m) if m.values().all(|x| x.is_string() || x.is_null()) => {}
                other => self.error(
                    KEPT_KEY,
                    format!(
                        "expected an object of texts like {{\"邮箱\": \"li@whu.edu.cn\"}}, got {}",
                        describe_json(other)
                    ),
                ),
            }
        }
        let mut kept = rec.kept();
        let mut seen = std::collections::BTreeSet::new();
        kept.retain(|(k, _)| seen.insert(k.clone()));
        let mut bad = Vec::new();
        kept.retain(
            |(k, v)| match control_message(k).or_else(|| control_message(v)) {
                Some(m) => {
                    bad.push((k.clone(), m));
                    false
                }
                None => true,
            },
        );
        for (k, m) in bad {
            self.error(&k, m);
        }
        kept
    }

    /// Reports every key of a JSON object that is not a known field
    /// (`extra`, the kept fields, is known where `keeps`).
    pub(crate) fn unknown_keys(
        &mut self,
        obj: &serde_json::Map<String, Value>,
        known: &[&str],
        keeps: bool,
    ) {
        for k in obj.keys() {
            if !(known.contains(&k.as_str()) || keeps && k == KEPT_KEY) {
                self.error(k, unknown_name(Named::Field, k, known));
            }
        }
    }
}

/// "unknown field; did you mean min_outside_share?" or a list of the valid
/// names when none is close.
pub(crate) fn unknown_name(what: Named, name: &str, known: &[&str]) -> Said {
    let near = nearest(name, known).map(str::to_string);
    Said::UnknownName {
        what,
        known: if near.is_some() {
            Vec::new()
        } else {
            known.iter().map(|k| k.to_string()).collect()
        },
        near,
    }
}

/// The known name `name` is probably a typo of (or names in another
/// letter case): the rule of [`crate::instances::office::near_typo`].
pub(crate) fn nearest<'k>(name: &str, known: &[&'k str]) -> Option<&'k str> {
    crate::instances::office::near_typo(name, known.iter().copied())
}

/// A value for a message: strings quoted and cut short, other JSON values
/// named by kind.
/// A number from the input as a message shows it: as written for everyday
/// sizes, in scientific notation when very large or very small (`1e308`,
/// not three hundred digits).
pub(crate) fn shown(x: f64) -> String {
    if x.is_finite() && x != 0.0 && !(1e-6..1e15).contains(&x.abs()) {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

pub(crate) fn describe_text(s: &str) -> String {
    const MAX: usize = 40;
    if s.chars().count() > MAX {
        let cut: String = s.chars().take(MAX).collect();
        format!("{:?}...", cut)
    } else {
        format!("{s:?}")
    }
}

fn describe_json(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => describe_text(s),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "an object".into(),
    }
}

/// True when a cell gives no value (absent, null, empty or blank).
pub(crate) fn is_blank(c: Cell<'_>) -> bool {
    match c {
        Cell::Absent | Cell::Json(Value::Null) => true,
        Cell::Text(s) => s.trim().is_empty(),
        Cell::Json(Value::String(s)) => s.trim().is_empty(),
        Cell::Json(_) => false,
    }
}

/// The first control character of `s` that no cell may hold (any but
/// tab, line feed and carriage return, which a cell may break lines
/// with): its position in characters from 1, and the character.
///
/// A plain text ([`crate::names::is_plain`]: printable ASCII and
/// ideographs, what ids and most names are) is settled first: it holds
/// none.
pub(crate) fn control_char(s: &str) -> Option<(usize, char)> {
    if crate::names::is_plain(s) || !may_hold_control(s) {
        return None;
    }
    s.chars()
        .enumerate()
        .find(|&(_, c)| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
        .map(|(i, c)| (i + 1, c))
}

/// False when `s` surely holds no control character but tab and line
/// ends (the characters [`control_char`] finds: U+0000–U+001F and
/// U+007F–U+009F), read from its bytes: such a character is a byte below
/// `0x20` or `0x7F`, or `C2 80`–`C2 9F` (U+0080–U+009F); every other byte
/// of UTF-8 is no part of one.
fn may_hold_control(s: &str) -> bool {
    let b = s.as_bytes();
    // Names are short: one pass over every byte without stopping (which
    // the compiler turns into vector code), then a closer look only when
    // a byte that may start one is there.
    let suspect = b.iter().fold(false, |any, &c| {
        any | (c < 0x20) | (c == 0x7F) | (c == 0xC2)
    });
    suspect
        && b.iter().enumerate().any(|(i, &c)| {
            (c < 0x20 && !matches!(c, b'\t' | b'\n' | b'\r'))
                || c == 0x7F
                || (c == 0xC2 && b.get(i + 1).is_some_and(|n| (0x80..=0x9F).contains(n)))
        })
}

/// Why a text holding a control character is refused, or `None`.
pub(crate) fn control_message(s: &str) -> Option<Said> {
    control_within(s, crate::error::Within::Value)
}

/// [`control_message`] for a text that is `within` something (a list's
/// item, a header cell).
pub(crate) fn control_within(s: &str, within: crate::error::Within) -> Option<Said> {
    let (at, c) = control_char(s)?;
    Some(Said::ControlChar {
        code: c as u32,
        at,
        got: describe_text(s),
        within,
    })
}

/// Text: `None` when absent, empty or null. A control character
/// ([`control_char`]) is an error.
pub(crate) fn text(c: Cell<'_>) -> Result<Option<String>, Msg> {
    let given = match c {
        Cell::Text(s) => s,
        Cell::Json(Value::String(s)) => s.as_str(),
        _ => "",
    };
    if let Some(m) = control_message(given) {
        return Err(m.into());
    }
    match c {
        Cell::Absent | Cell::Json(Value::Null) => Ok(None),
        Cell::Text("") => Ok(None),
        Cell::Json(Value::String(s)) if s.is_empty() => Ok(None),
        Cell::Text(s) => Ok(Some(s.to_string())),
        Cell::Json(Value::String(s)) => Ok(Some(s.clone())),
        Cell::Json(v @ Value::Number(_)) => Err(format!(
            "expected text, got the number {}; write it in quotes",
            describe_json(v)
        )
        .into()),
        Cell::Json(v) => Err(Said::Expected {
            want: Want::Text,
            got: describe_json(v),
            comma: false,
        }
        .into()),
    }
}

/// A list: CSV `a; b; c` (or `；`, `、`), JSON `["a", "b"]`. Items
/// normalised ([`split_list`]: an item holding a separator is split in
/// every form), empty dropped.
pub(crate) fn list(c: Cell<'_>) -> Result<Vec<String>, Msg> {
    fn clean<'s>(items: impl Iterator<Item = &'s str>) -> Vec<String> {
        let mut out = Vec::with_capacity(items.size_hint().0);
        for item in items {
            crate::names::split_list_into(item, &mut out);
        }
        out
    }
    match c {
        Cell::Absent | Cell::Json(Value::Null) => Ok(Vec::new()),
        Cell::Text(s) if list_items(s) > crate::MAX_LIST_ITEMS => Err(Said::ListTooLong {
            items: Some(list_items(s)),
            max: crate::MAX_LIST_ITEMS,
        }
        .into()),
        Cell::Text(s) => match control_message(s) {
            Some(m) => Err(m.into()),
            None => Ok(split_list(s)),
        },
        Cell::Json(Value::Array(items)) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, it) in items.iter().enumerate() {
                match it {
                    Value::String(s) => {
                        if let Some(m) = control_within(s, crate::error::Within::ListItem(i)) {
                            return Err(m.into());
                        }
                        out.push(s.as_str())
                    }
                    other => {
                        return Err(format!(
                            "item {i} of the list: expected text, got {}",
                            describe_json(other)
                        )
                        .into())
                    }
                }
            }
            Ok(clean(out.into_iter()))
        }
        Cell::Json(v @ Value::String(_)) => Err(format!(
            "expected a list like [\"a\", \"b\"], got the text {}",
            describe_json(v)
        )
        .into()),
        Cell::Json(v) => Err(format!("expected a list of texts, got {}", describe_json(v)).into()),
    }
}

/// Items in a list cell, counting every list separator (`;`, `；`, `、`),
/// without building them.
fn list_items(s: &str) -> usize {
    1 + s.matches([';', '；', '、']).count()
}

/// An integer in `[lo, hi]`, given as an integer or an integral decimal.
fn int(c: Cell<'_>, lo: i64, hi: u64) -> Result<Option<i128>, Msg> {
    let want = if lo >= 0 { Want::Count } else { Want::Integer };
    let expected = |got: String| -> Msg {
        Said::Expected {
            want,
            got,
            comma: false,
        }
        .into()
    };
    let in_range = |v: i128, shown: &str| {
        if v < lo as i128 || v > hi as i128 {
            Err(range_message(want, lo, hi, shown))
        } else {
            Ok(Some(v))
        }
    };
    let (x, shown): (f64, String) = match c {
        Cell::Absent | Cell::Json(Value::Null) => return Ok(None),
        Cell::Text(s) if s.trim().is_empty() => return Ok(None),
        Cell::Text(s) => {
            // Full-width digits (６, as a Chinese input method types them)
            // are digits: NFKC, as names are compared.
            let norm = normalize(s);
            let t = norm.as_ref();
            if let Ok(v) = t.parse::<i128>() {
                return in_range(v, t);
            }
            match t.parse::<f64>() {
                Ok(f) if f.is_finite() => (f, t.to_string()),
                _ => return Err(expected(describe_text(s))),
            }
        }
        Cell::Json(Value::Number(n)) => {
            if let Some(v) = n.as_i64() {
                return in_range(v as i128, &n.to_string());
            }
            if let Some(v) = n.as_u64() {
                return in_range(v as i128, &n.to_string());
            }
            match n.as_f64() {
                Some(f) if f.is_finite() => (f, n.to_string()),
                _ => return Err(expected(n.to_string())),
            }
        }
        Cell::Json(v) => return Err(expected(describe_json(v))),
    };
    if x.fract() != 0.0 {
        return Err(expected(shown));
    }
    // Compared as integers (`as` saturates): as floats, u64::MAX rounds
    // up to 2^64 and 2^64 would pass, then wrap to 0.
    let v = x as i128;
    if v < lo as i128 || v > hi as i128 {
        return Err(range_message(want, lo, hi, &shown));
    }
    // Beyond 2^53 a number with a decimal point or an exponent (or too
    // long for the reader's integers) is not read exactly.
    if x.abs() >= MAX_EXACT_FLOAT {
        let expected = if lo >= 0 {
            "a non-negative integer"
        } else {
            "an integer"
        };
        return Err(format!(
            "expected {expected} written as plain digits, got {shown} (a number this large \
             with a decimal point or an exponent is not exact)"
        )
        .into());
    }
    Ok(Some(v))
}

/// A year: an integer (fitting `i32`), or text that is one as offices
/// type it: digits, full-width or not, with `年` or `年度` after them
/// (`2025年`, `２０２５年度`). A JSON text is read the same way, so a
/// policy table's cell, `policy.json` and a bundle agree. Anything else
/// (`2025年3月`, `二〇二五`) is refused, saying how a year is written.
fn year(c: Cell<'_>) -> Result<Option<i128>, Msg> {
    let (lo, hi) = (i64::from(i32::MIN), i32::MAX as u64);
    let text = match c {
        Cell::Text(s) => s,
        Cell::Json(Value::String(s)) => s.as_str(),
        other => return int(other, lo, hi),
    };
    let norm = normalize(text);
    let t = norm.as_ref();
    if t.is_empty() {
        return Ok(None);
    }
    let digits = t
        .strip_suffix("年度")
        .or_else(|| t.strip_suffix('年'))
        .unwrap_or(t)
        .trim_end();
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        return int(Cell::Text(digits), lo, hi);
    }
    if let Cell::Text(s) = c {
        if digits.parse::<f64>().is_ok() {
            // A number, not a year's form: the integer's own message.
            return int(Cell::Text(s), lo, hi);
        }
    }
    let got = match c {
        Cell::Json(v) => describe_json(v),
        _ => describe_text(text),
    };
    Err(Said::Expected {
        want: Want::Year,
        got,
        comma: false,
    }
    .into())
}

/// 2^53: from it on, integers are not all exact as `f64`.
const MAX_EXACT_FLOAT: f64 = 9_007_199_254_740_992.0;

fn range_message(want: Want, lo: i64, hi: u64, shown: &str) -> Msg {
    let got = shown.to_string();
    if lo >= 0 && shown.trim_start().starts_with('-') {
        Said::Expected {
            want,
            got,
            comma: false,
        }
    } else if lo >= 0 {
        Said::AtMost { max: hi, got }
    } else {
        Said::Between { lo, hi, got }
    }
    .into()
}

/// A non-negative integer up to `max`.
pub(crate) fn uint(c: Cell<'_>, max: u64) -> Result<Option<u64>, Msg> {
    Ok(int(c, 0, max)?.map(|v| v as u64))
}

/// True for a number written with a decimal comma (`0,5`, `0，5`).
fn comma_hint(s: &str) -> bool {
    normalize(s).contains(',')
}

/// A finite number.
pub(crate) fn float(c: Cell<'_>) -> Result<Option<f64>, Said> {
    let not = |want, got, comma| Said::Expected { want, got, comma };
    match c {
        Cell::Absent | Cell::Json(Value::Null) => Ok(None),
        Cell::Text(s) if s.trim().is_empty() => Ok(None),
        Cell::Text(s) => match normalize(s).parse::<f64>() {
            Ok(f) if f.is_finite() => Ok(Some(f)),
            Ok(_) => Err(not(Want::FiniteNumber, describe_text(s), false)),
            Err(_) => Err(not(Want::Number, describe_text(s), comma_hint(s))),
        },
        Cell::Json(Value::Number(n)) => match n.as_f64() {
            Some(f) if f.is_finite() => Ok(Some(f)),
            _ => Err(not(Want::FiniteNumber, n.to_string(), false)),
        },
        Cell::Json(v) => Err(not(
            Want::Number,
            describe_json(v),
            v.as_str().is_some_and(comma_hint),
        )),
    }
}

/// A boolean: JSON `true`/`false`; in a table cell `true`/`false`,
/// `yes`/`no`, `y`/`n` (any letter case, as Excel writes `TRUE`), `1`/`0`,
/// `是`/`否`, and the marks offices tick with: `✓`, `√`, `✔`, `☑` for yes,
/// `×`, `✗`, `✘`, `☐` for no.
pub(crate) fn boolean(c: Cell<'_>) -> Result<Option<bool>, Said> {
    match c {
        Cell::Absent | Cell::Json(Value::Null) => Ok(None),
        Cell::Text(s) if normalize(s).is_empty() => Ok(None),
        Cell::Text(s) => {
            let t = normalize(s).to_lowercase();
            match t.as_str() {
                "true" | "yes" | "y" | "1" | "是" | "✓" | "√" | "✔" | "☑" => {
                    Ok(Some(true))
                }
                "false" | "no" | "n" | "0" | "否" | "×" | "✗" | "✘" | "☐" => {
                    Ok(Some(false))
                }
                _ => Err(Said::Expected {
                    want: Want::YesNo,
                    got: describe_text(s),
                    comma: false,
                }),
            }
        }
        Cell::Json(Value::Bool(b)) => Ok(Some(*b)),
        Cell::Json(v) => Err(Said::Expected {
            want: Want::TrueFalse,
            got: describe_json(v),
            comma: false,
        }),
    }
}

/// Reads the id of a record (field `id`); `None` (and an error) when it is
/// missing or empty. Attaches the id to the reader's location.
fn read_id(r: &mut Reader<'_>, rec: &dyn Record) -> Option<String> {
    let id = r.required(rec, "id");
    if id.is_empty() {
        return None;
    }
    r.at.id = Some(id.as_str().into());
    Some(id)
}

/// Parses an expert record.
pub(crate) fn parse_expert(mut r: Reader<'_>, rec: &dyn Record) -> Option<RawExpert> {
    let id = read_id(&mut r, rec)?;
    let name = r.text(rec, "name");
    let city = r.required_as_written(rec, "city");
    let institution = r.required_as_written(rec, "institution");
    let fields = r.list(rec, "fields");
    let keywords = r.list(rec, "keywords");
    let title = r.name_text(rec, "title");
    let max_load = r.count(rec, "max_load");
    let min_load = r.count(rec, "min_load");
    let available = r.boolean(rec, "available").unwrap_or(true);
    let kept = r.kept(rec);
    let programmes = r.list(rec, "programmes");
    Some(RawExpert {
        at: r.at,
        id,
        name,
        city,
        institution,
        fields,
        keywords,
        title,
        max_load,
        min_load,
        available,
        kept,
        programmes,
    })
}

/// Parses an application record.
pub(crate) fn parse_application(mut r: Reader<'_>, rec: &dyn Record) -> Option<RawApplication> {
    let id = read_id(&mut r, rec)?;
    let title = r.name_text(rec, "title");
    let city = r.required_as_written(rec, "city");
    let institution = r.required_as_written(rec, "institution");
    let fields = r.list(rec, "fields");
    let keywords = r.list(rec, "keywords");
    let panel_size = r.positive_count(rec, "panel_size", Leave::Nothing);
    let team = r.list(rec, "team");
    let avoid = r.list(rec, "avoid");
    let kept = r.kept(rec);
    let programme = r.name_text(rec, "programme");
    Some(RawApplication {
        at: r.at,
        id,
        title,
        city,
        institution,
        fields,
        keywords,
        panel_size,
        team,
        avoid,
        kept,
        programme,
    })
}

/// Parses a history record (SPEC "History"): `year`, `institution` and
/// `expert` required; `outcome` one of reviewed (default), declined,
/// no_show, late; `rating` from 1 to 5.
pub(crate) fn parse_history(
    mut r: Reader<'_>,
    rec: &dyn Record,
) -> Option<crate::history::PastReview> {
    use crate::history::{Outcome, PastReview};
    let year = if is_blank(rec.cell("year")) {
        r.error("year", Said::MissingYear);
        None
    } else {
        r.year(rec, "year")
    };
    // A place: kept as written, so that resolving can note the spelling
    // it merges with one of today's.
    let institution = r.required_as_written(rec, "institution");
    let expert = r.required(rec, "expert");
    let round = r.text(rec, "round");
    let programme = r.text(rec, "programme");
    let application = r.text(rec, "application");
    let team = r.list(rec, "team");
    let outcome = match r.text(rec, "outcome") {
        None => Outcome::Reviewed,
        Some(t) => match Outcome::parse(&t) {
            Some(o) => o,
            None => {
                r.error(
                    "outcome",
                    Said::Choice {
                        of: Choices::Outcome,
                        got: describe_text(&t),
                    },
                );
                Outcome::Reviewed
            }
        },
    };
    let rating = r.number(rec, "rating");
    if let Some(x) = rating {
        if !(1.0..=5.0).contains(&x) {
            r.error(
                "rating",
                Said::OutOfRange {
                    range: Range::Rating,
                    got: shown(x),
                },
            );
        }
    }
    if r.bad || institution.is_empty() || expert.is_empty() {
        return None;
    }
    Some(PastReview {
        year: year?,
        round: round.map(ShortText::from),
        programme: programme.map(|p| ShortText::from(p.trim())),
        application: application.map(ShortText::from),
        institution: institution.into(),
        team: team.into_iter().map(ShortText::from).collect(),
        expert: expert.into(),
        outcome,
        rating,
    })
}

/// The history table's fields, in the order of [`HistoryColumns`].
const HISTORY_ROW_FIELDS: [&str; 9] = HISTORY_FIELD_ARRAY;

/// Where a table's header put each field of the history table
/// ([`HISTORY_ROW_FIELDS`]; `None` for a column it lacks): found once per
/// table, for [`quick_history_row`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct HistoryColumns([Option<usize>; 9]);

impl HistoryColumns {
    /// The columns of `header`.
    pub(crate) fn of(header: &crate::instances::office::Header) -> HistoryColumns {
        HistoryColumns(HISTORY_ROW_FIELDS.map(|f| header.columns.get(f).copied()))
    }
}

/// A required id cell as [`Reader::required`] reads it: its normal form,
/// when it holds no control character and is not blank; `None` otherwise
/// (the general path then words the problem).
pub(crate) fn required_id(s: &str) -> Option<crate::history::ShortText> {
    // A plain id is its own normal form, without a control character.
    if crate::names::is_plain(s) {
        return (!s.is_empty()).then(|| crate::history::ShortText::from(s));
    }
    if control_char(s).is_some() {
        return None;
    }
    let n = normalize(s);
    (!n.is_empty()).then(|| crate::history::ShortText::from(n))
}

/// A required place cell as [`Reader::required_as_written`] reads it: the
/// text as written, when it holds no control character and is not blank
/// once normalised; `None` otherwise (the general path then words the
/// problem).
pub(crate) fn required_place(s: &str) -> Option<crate::history::ShortText> {
    // A plain text is its own normal form, without a control character.
    let ok = if crate::names::is_plain(s) {
        !s.is_empty()
    } else {
        control_char(s).is_none() && !crate::names::normalize(s).is_empty()
    };
    ok.then(|| crate::history::ShortText::from(s))
}

/// An optional text cell as the general readers read it: `None` (blank),
/// or the text as written (borrowed); `None` outside when it holds a
/// control character (the general path then words the problem).
pub(crate) fn optional_text(s: Option<&str>) -> Option<Option<&str>> {
    match s {
        None => Some(None),
        Some(s) if control_char(s).is_some() => None,
        Some("") => Some(None),
        Some(s) => Some(Some(s)),
    }
}
/// One row of a history table, with its number of team items, when it is
/// valid as it stands: the record [`parse_history`] builds of the same
/// cells (the same functions clean the names and split the team; a
/// property test holds the two equal), found by column position
/// ([`HistoryColumns`]) and without a `String` per cell. Anything that
/// path would word a problem or a note about — a blank or non-integer
/// year, a blank id, a control character, an unknown outcome, a rating
/// outside 1 to 5 or not a plain number, a team item holding a comma, a
/// list too long — is `None`, and the row is read the general way.
/// `rec` must read its cells by position as [`Record::cell`] does by name
/// (a CSV row's [`Record::at`]).
pub(crate) fn quick_history_row(
    rec: &dyn Record,
    cols: &HistoryColumns,
) -> Option<(crate::history::PastReview, usize)> {
    use crate::history::{Outcome, PastReview};
    let cell = |k: usize| cols.0[k].and_then(|i| rec.at(i));
    let optional = optional_text;
    let id = |s: Option<&str>| required_id(s?);
    let year = cell(0)?;
    if year.trim().is_empty() {
        return None;
    }
    let year = i32::try_from(normalize(year).parse::<i128>().ok()?).ok()?;
    let institution = required_place(cell(4)?)?;
    let expert = id(cell(6))?;
    let round = optional(cell(1))?;
    let programme = optional(cell(2))?;
    let application = optional(cell(3))?;
    let mut team: Vec<ShortText> = Vec::new();
    if let Some(s) = cell(5) {
        if control_char(s).is_some() || list_items(s) > crate::MAX_LIST_ITEMS {
            return None;
        }
        crate::names::split_list_into(s, &mut team);
        if team.iter().any(|t| t.contains(',')) {
            return None;
        }
    }
    let outcome = match optional(cell(7))? {
        None => Outcome::Reviewed,
        Some(t) => Outcome::parse(t)?,
    };
    let rating = match cell(8) {
        Some(s) if !s.trim().is_empty() => {
            let x = normalize(s).parse::<f64>().ok()?;
            if !(1.0..=5.0).contains(&x) {
                return None;
            }
            Some(x)
        }
        _ => None,
    };
    let team_items = team.len();
    Some((
        PastReview {
            year,
            round: round.map(ShortText::from),
            programme: programme.map(|p| ShortText::from(p.trim())),
            application: application.map(ShortText::from),
            institution,
            team,
            expert,
            outcome,
            rating,
        },
        team_items,
    ))
}

/// Parses a conflict record.
pub(crate) fn parse_conflict(mut r: Reader<'_>, rec: &dyn Record) -> Option<RawConflict> {
    let expert = r.required(rec, "expert");
    let with = r.required(rec, "with");
    let reason = r.text(rec, "reason");
    if expert.is_empty() || with.is_empty() {
        return None;
    }
    Some(RawConflict {
        at: r.at,
        expert,
        with,
        reason,
    })
}

/// Parses a co-authorship record.
pub(crate) fn parse_coauthorship(mut r: Reader<'_>, rec: &dyn Record) -> Option<RawCoauthorship> {
    let a = r.required(rec, "a");
    let b = r.required(rec, "b");
    let year = r.year(rec, "year");
    if a.is_empty() || b.is_empty() {
        return None;
    }
    Some(RawCoauthorship {
        at: r.at,
        a,
        b,
        year,
    })
}

/// Parses an affinity record: its ids and score, when valid.
pub(crate) fn parse_affinity(
    mut r: Reader<'_>,
    rec: &dyn Record,
) -> Option<(String, String, Score)> {
    let application = r.required(rec, "application");
    let expert = r.required(rec, "expert");
    let score = if is_blank(rec.cell("score")) {
        r.error("score", "missing");
        None
    } else {
        r.score(rec, "score")
    };
    let score = Score::from_f64(score?)?;
    if application.is_empty() || expert.is_empty() {
        return None;
    }
    Some((application, expert, score))
}

/// Parses the policy object (bundle `policy` or `policy.json`).
pub(crate) fn parse_policy(mut r: Reader<'_>, v: &Value) -> Option<Policy> {
    let obj = match v {
        Value::Object(m) => m,
        other => {
            let msg = format!(
                "the policy must be a JSON object like {{\"panel_size\": 5}}, got {}",
                describe_json(other)
            );
            r.error_whole(msg);
            return None;
        }
    };
    r.unknown_keys(obj, POLICY_FIELDS, false);
    let rec = JsonRecord(obj);
    let d = Policy::default();
    let panel_size = r
        .positive_count(&rec, "panel_size", Leave::Nothing)
        .unwrap_or(d.panel_size);
    let mut min_outside_share = d.min_outside_share;
    if let Some(s) = r.number(&rec, "min_outside_share") {
        if (0.0..=1.0).contains(&s) {
            min_outside_share = s;
        } else {
            r.error(
                "min_outside_share",
                Said::OutOfRange {
                    range: Range::Share,
                    got: shown(s),
                },
            );
        }
    }
    let no_cap = Leave::NoCap;
    let min_outside = r.count(&rec, "min_outside").unwrap_or(d.min_outside);
    let max_per_city = r.positive_count(&rec, "max_per_city", no_cap);
    let max_per_institution = r.positive_count(&rec, "max_per_institution", no_cap);
    let max_load = r.count(&rec, "max_load").unwrap_or(d.max_load);
    let min_load = r.count(&rec, "min_load").unwrap_or(d.min_load);
    if min_load > max_load {
        r.error(
            "min_load",
            format!("min_load {min_load} exceeds max_load {max_load}"),
        );
    }
    let avoid_same_institution = r
        .boolean(&rec, "avoid_same_institution")
        .unwrap_or(d.avoid_same_institution);
    let coauthor_hops = r.count(&rec, "coauthor_hops").unwrap_or(d.coauthor_hops);
    let coauthor_years = r.count(&rec, "coauthor_years");
    let year = r.year(&rec, "year");
    let default_affinity = r
        .score(&rec, "default_affinity")
        .unwrap_or(d.default_affinity);
    let min_affinity = r.score(&rec, "min_affinity");
    let seed = uint(rec.cell("seed"), u64::MAX);
    let seed = r.take("seed", seed).flatten().unwrap_or(d.seed);
    let mut max_probability = None;
    if let Some(x) = r.number(&rec, "max_probability") {
        // The draw works in units of 1e-6 (see crate::draw), so the cap must
        // be at least one unit after rounding.
        if x > 0.0 && x <= 1.0 && (x * 1e6).round() >= 1.0 {
            max_probability = Some(x);
        } else {
            r.error(
                "max_probability",
                Said::OutOfRange {
                    range: Range::Probability,
                    got: shown(x),
                },
            );
        }
    }
    let mut alternates = d.alternates;
    if let Some(n) = r.count(&rec, "alternates") {
        // Every panel keeps at least two ranked alternates.
        if n >= 2 {
            alternates = n;
        } else {
            r.error(
                "alternates",
                Said::OutOfRange {
                    range: Range::Alternates,
                    got: n.to_string(),
                },
            );
        }
    }
    let mut p = Policy {
        panel_size,
        min_outside_share,
        min_outside,
        max_per_city,
        max_per_institution,
        max_load,
        min_load,
        avoid_same_institution,
        coauthor_hops,
        coauthor_years,
        year,
        default_affinity,
        min_affinity,
        seed,
        max_probability,
        alternates,
        ..Policy::default()
    };
    parse_crossing_rules(&mut r, &rec, obj, &mut p);
    parse_programmes(&mut r, obj, &mut p);
    parse_history_rules(&mut r, &rec, &mut p);
    if r.bad {
        None
    } else {
        Some(p)
    }
}

/// A share in [0, 1], or an error message naming the range.
fn share(field: &str, s: f64) -> Result<f64, String> {
    if (0.0..=1.0).contains(&s) {
        Ok(s)
    } else {
        Err(format!(
            "{field}: a share must lie between 0 and 1, got {}",
            shown(s)
        ))
    }
}

/// The crossing rules and the soft city bonus (docs/algorithms.md, "Crossing rules").
fn parse_crossing_rules(
    r: &mut Reader<'_>,
    rec: &JsonRecord<'_>,
    obj: &serde_json::Map<String, Value>,
    p: &mut Policy,
) {
    p.min_senior = r.count(rec, "min_senior").unwrap_or(0);
    if let Cell::Json(Value::Null) | Cell::Absent = rec.cell("senior_titles") {
    } else {
        let titles = r.list(rec, "senior_titles");
        if titles.is_empty() && !r.bad {
            r.error(
                "senior_titles",
                "an empty list makes no title senior; leave the field out for the default list",
            );
        }
        p.senior_titles = titles;
    }
    p.cover_fields = r.boolean(rec, "cover_fields").unwrap_or(false);
    if let Some(s) = r.number(rec, "min_outside_share_round") {
        match share("min_outside_share_round", s) {
            Ok(s) => p.min_outside_share_round = Some(s),
            Err(m) => r.error("min_outside_share_round", m),
        }
    }
    match obj.get("min_outside_share_by_city") {
        None | Some(Value::Null) => {}
        Some(Value::Object(m)) => {
            for (city, v) in m {
                let field = "min_outside_share_by_city";
                if let Some(msg) = control_within(city, crate::error::Within::CityKey) {
                    r.error(field, msg);
                    continue;
                }
                match float(Cell::Json(v)) {
                    Ok(Some(s)) => match share(&format!("{field}.{city}"), s) {
                        Ok(s) => {
                            let name = normalize(city).into_owned();
                            if name != *city {
                                r.errs.note(format!(
                                    "note: {}: {field}: the city {} is read as {name:?} \
                                     (spaces at the ends, zero-width characters and \
                                     full-width forms are not part of a name)",
                                    r.at.file.display(),
                                    describe_text(city)
                                ));
                            }
                            if p.min_outside_share_by_city.insert(name, s).is_some() {
                                r.error(field, format!("city {city:?} is given twice"));
                            }
                        }
                        Err(m) => r.error(field, m),
                    },
                    Ok(None) => {}
                    Err(m) => r.error(field, format!("city {city}: {m}")),
                }
            }
        }
        Some(other) => r.error(
            "min_outside_share_by_city",
            format!(
                "expected an object of city → share like {{\"长沙\": 0.18}}, got {}",
                describe_json(other)
            ),
        ),
    }
    p.max_copanel = r.positive_count(rec, "max_copanel", Leave::NoLimit);
    if let Some(b) = r.number(rec, "bonus_per_city") {
        if (0.0..=MAX_ABS_SCORE).contains(&b) {
            p.bonus_per_city = b;
        } else {
            r.error(
                "bonus_per_city",
                format!(
                    "a bonus must lie between 0 and {MAX_ABS_SCORE}, got {}",
                    shown(b)
                ),
            );
        }
    }
}

/// Policy `programmes`: programme name → overrides ([`ProgrammeRules`]),
/// each checked like the round's field of the same name.
fn parse_programmes(r: &mut Reader<'_>, obj: &serde_json::Map<String, Value>, p: &mut Policy) {
    use crate::model::ProgrammeRules;
    const FIELDS: &[&str] = &[
        "panel_size",
        "min_outside_share",
        "min_outside",
        "max_per_city",
        "max_per_institution",
        "min_senior",
        "cover_fields",
        "min_affinity",
        "max_load",
    ];
    let map = match obj.get("programmes") {
        None | Some(Value::Null) => return,
        Some(Value::Object(m)) => m,
        Some(other) => {
            r.error(
                "programmes",
                Said::Expected {
                    want: Want::Programmes,
                    got: describe_json(other),
                    comma: false,
                },
            );
            return;
        }
    };
    // Normal form → the key as written, for keys that name one programme
    // twice (SPEC "Names as offices type them").
    let mut written: std::collections::BTreeMap<String, &str> = Default::default();
    for (name, v) in map {
        if let Some(msg) = control_within(name, crate::error::Within::ProgrammeName) {
            r.error("programmes", msg);
            continue;
        }
        let normal = crate::names::normalize(name).into_owned();
        if normal.is_empty() {
            r.error("programmes", Said::BlankProgramme { name: name.clone() });
            continue;
        }
        if let Some(first) = written.insert(normal.clone(), name) {
            r.error(
                "programmes",
                Said::SameProgramme {
                    first: first.to_string(),
                    second: name.clone(),
                    normal: normal.clone(),
                },
            );
            continue;
        }
        if normal != *name {
            r.errs.note(format!(
                "note: the policy's programme {name:?} is taken as {normal:?} \
                 (names are compared without spaces at the ends, doubled spaces, \
                 zero-width characters or full-width forms)"
            ));
        }
        let Value::Object(rules) = v else {
            r.error(
                "programmes",
                Said::InProgramme {
                    programme: name.clone(),
                    said: Box::new(Said::Expected {
                        want: Want::Rules,
                        got: describe_json(v),
                        comma: false,
                    }),
                },
            );
            continue;
        };
        let bad_before = r.bad;
        r.bad = false;
        for k in rules.keys() {
            if !FIELDS.contains(&k.as_str()) {
                r.error(
                    "programmes",
                    Said::InProgramme {
                        programme: name.clone(),
                        said: Box::new(unknown_name(Named::Rule(k.clone()), k, FIELDS)),
                    },
                );
            }
        }
        let rec = JsonRecord(rules);
        let mut at = r.at.clone();
        at.id = Some(format!("programmes.{name}").into());
        let mut sub = Reader {
            at,
            errs: &mut *r.errs,
            bad: false,
        };
        let field = |f: &str| format!("programmes.{name}.{f}");
        let mut pr = ProgrammeRules {
            panel_size: sub.positive_count(&rec, "panel_size", Leave::Nothing),
            min_outside: sub.count(&rec, "min_outside"),
            max_per_city: sub.positive_count(&rec, "max_per_city", Leave::NoCap),
            max_per_institution: sub.positive_count(&rec, "max_per_institution", Leave::NoCap),
            min_senior: sub.count(&rec, "min_senior"),
            cover_fields: sub.boolean(&rec, "cover_fields"),
            min_affinity: sub.score(&rec, "min_affinity"),
            max_load: sub.count(&rec, "max_load"),
            ..ProgrammeRules::default()
        };
        if let Some(s) = sub.number(&rec, "min_outside_share") {
            match share(&field("min_outside_share"), s) {
                Ok(s) => pr.min_outside_share = Some(s),
                Err(m) => sub.error("min_outside_share", m),
            }
        }
        let sub_bad = sub.bad;
        r.bad = bad_before || r.bad || sub_bad;
        p.programmes.insert(normal, pr);
    }
}

/// The history rules (SPEC "History (yearly rounds)").
fn parse_history_rules(r: &mut Reader<'_>, rec: &JsonRecord<'_>, p: &mut Policy) {
    use crate::model::AvoidRepeat;
    if let Some(n) = r.count(rec, "history_years") {
        p.history_years = n;
    }
    if let Some(t) = r.text(rec, "avoid_repeat") {
        p.avoid_repeat = match t.trim().to_lowercase().as_str() {
            "off" | "none" | "false" => AvoidRepeat::Off,
            "institution" => AvoidRepeat::Institution,
            "team" => AvoidRepeat::Team,
            "both" => AvoidRepeat::Both,
            _ => {
                r.error(
                    "avoid_repeat",
                    Said::Choice {
                        of: Choices::AvoidRepeat,
                        got: describe_text(&t),
                    },
                );
                AvoidRepeat::Off
            }
        };
    }
    if let Some(x) = r.score(rec, "repeat_penalty") {
        if x < 0.0 {
            r.error(
                "repeat_penalty",
                Said::OutOfRange {
                    range: Range::Penalty,
                    got: shown(x),
                },
            );
        } else if x > 0.0 && Score::from_f64(x).is_some_and(|s| s.0 == 0) {
            // Scores are kept in millionths: a penalty that rounds to 0
            // would cost nothing, and "no penalty" means a ban.
            r.error(
                "repeat_penalty",
                format!(
                    "a penalty of {} rounds to 0 (scores are kept to 6 decimals): the smallest penalty that counts is 0.000001; give at least that to allow repeats at a cost, or leave repeat_penalty out to ban them",
                    shown(x)
                ),
            );
        } else if x > 0.0 {
            p.repeat_penalty = Some(x);
        }
    }
    p.max_reviews_per_year = r.count(rec, "max_reviews_per_year");
    p.max_consecutive_years = r.positive_count(rec, "max_consecutive_years", Leave::EveryYear);
    p.max_declines = r.count(rec, "max_declines");
    if let Some(x) = r.number(rec, "min_rating") {
        if (1.0..=5.0).contains(&x) {
            p.min_rating = Some(x);
        } else {
            r.error(
                "min_rating",
                Said::OutOfRange {
                    range: Range::MinRating,
                    got: shown(x),
                },
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The tests in front of [`control_char`] (plain text, then the
        /// bytes) let through every text it would find a control
        /// character in.
        #[test]
        fn control_chars_are_found_as_by_reading_every_character(
            s in "[ -~\t\n\r\u{0}-\u{1F}\u{7F}-\u{A0}\u{100}\u{2028}\u{3400}\u{4E00}-\u{4E0F}\u{4E2D}\u{9FFF}\u{FEFF}]{0,12}",
        ) {
            let by_char = s
                .chars()
                .enumerate()
                .find(|&(_, c)| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
                .map(|(i, c)| (i + 1, c));
            proptest::prop_assert_eq!(control_char(&s), by_char);
        }
    }

    #[test]
    fn numbers_in_messages_stay_short() {
        assert_eq!(shown(0.5), "0.5");
        assert_eq!(shown(3.0), "3");
        assert_eq!(shown(0.0), "0");
        assert_eq!(shown(-2.5), "-2.5");
        assert_eq!(shown(1e308), "1e308");
        assert_eq!(shown(-1e300), "-1e300");
        assert_eq!(shown(1e-300), "1e-300");
        assert_eq!(shown(f64::INFINITY), "inf");
        // In a load error: the rating and the policy's numbers.
        let text = r#"{"policy": {"panel_size": 1, "year": 2026, "min_rating": 1e-300, "repeat_penalty": 1e308, "avoid_repeat": "institution"},
          "experts": [{"id": "E1", "city": "C", "institution": "U"}],
          "applications": [{"id": "A1", "city": "D", "institution": "V"}],
          "history": [{"year": 2025, "institution": "V", "expert": "E1", "rating": 1e308}]}"#;
        let err = crate::instances::load_bundle_from_bytes(Path::new("r.json"), text.as_bytes())
            .expect_err("out of range");
        let msg = err.to_string();
        assert!(msg.contains("got 1e308"), "{msg}");
        assert!(msg.contains("got 1e-300"), "{msg}");
        assert!(msg.len() < 2000, "{msg}");
    }

    #[test]
    fn nearest_finds_typos_only() {
        assert_eq!(
            nearest("min_outside_shar", POLICY_FIELDS),
            Some("min_outside_share")
        );
        assert_eq!(nearest("Max_Load", POLICY_FIELDS), Some("max_load"));
        assert_eq!(nearest("colour", POLICY_FIELDS), None);
    }

    #[test]
    fn integers_accept_integral_decimals_only() {
        assert_eq!(uint(Cell::Text(" 6 "), 10), Ok(Some(6)));
        assert_eq!(uint(Cell::Text("6.0"), 10), Ok(Some(6)));
        assert!(uint(Cell::Text("6.5"), 10).is_err());
        assert!(uint(Cell::Text("-1"), 10)
            .unwrap_err()
            .to_string()
            .contains("non-negative"));
        assert!(uint(Cell::Text("1e30"), 10)
            .unwrap_err()
            .to_string()
            .contains("at most 10"));
        assert!(uint(Cell::Text("99999999999999999999"), 10).is_err());
        assert_eq!(
            uint(Cell::Text("18446744073709551615"), u64::MAX),
            Ok(Some(u64::MAX))
        );
        assert!(uint(Cell::Text("ten"), 10)
            .unwrap_err()
            .to_string()
            .contains("\"ten\""));
        assert!(uint(Cell::Text("NaN"), 10).is_err());
    }

    #[test]
    fn policy_fields_match_the_model() {
        // Extension fields are written only when set: set them all.
        let mut full = Policy {
            max_probability: Some(0.5),
            alternates: 3,
            min_senior: 1,
            senior_titles: vec!["教授".into()],
            cover_fields: true,
            min_outside_share_round: Some(0.2),
            max_copanel: Some(2),
            bonus_per_city: 0.1,
            history_years: 2,
            avoid_repeat: crate::model::AvoidRepeat::Both,
            repeat_penalty: Some(0.5),
            max_reviews_per_year: Some(8),
            max_consecutive_years: Some(2),
            max_declines: Some(1),
            min_rating: Some(3.0),
            ..Policy::default()
        };
        full.programmes
            .insert("人才计划".into(), crate::model::ProgrammeRules::default());
        full.min_outside_share_by_city.insert("长沙".into(), 0.18);
        let v = serde_json::to_value(full).unwrap();
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(|k| k.as_str()).collect();
        let mut known: Vec<&str> = POLICY_FIELDS.to_vec();
        known.sort_unstable();
        let mut keys = keys;
        keys.sort_unstable();
        assert_eq!(keys, known);
    }
}

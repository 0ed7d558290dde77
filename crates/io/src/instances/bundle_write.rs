//! Writing the JSON bundle (SPEC.md "JSON bundle") and `policy.json`: one
//! record per line, fields in SPEC order, optional fields only when set, so
//! files diff well and load back to equal instances.

use std::path::Path;

use serde::Serialize;

use crate::error::WriteError;
use crate::model::{ConflictWith, Instance, Policy};

fn is_true(b: &bool) -> bool {
    *b
}

#[derive(Serialize)]
struct BundleOut<'a> {
    policy: &'a Policy,
    experts: Vec<ExpertOut<'a>>,
    applications: Vec<ApplicationOut<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    conflicts: Vec<ConflictOut<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    coauthorships: Vec<CoauthorshipOut<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    affinity: Option<Vec<AffinityOut<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    history: Option<Vec<HistoryOut<'a>>>,
}

/// One past review as a bundle record (also what `history append` writes
/// to a `.json` history file).
#[derive(Serialize)]
pub(crate) struct HistoryOut<'a> {
    pub year: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub round: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub programme: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub application: Option<&'a str>,
    pub institution: &'a str,
    #[serde(skip_serializing_if = "<[crate::history::ShortText]>::is_empty")]
    pub team: &'a [crate::history::ShortText],
    pub expert: &'a str,
    pub outcome: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rating: Option<f64>,
}

impl<'a> HistoryOut<'a> {
    /// The record of `r`.
    pub(crate) fn of(r: &'a crate::history::PastReview) -> HistoryOut<'a> {
        HistoryOut {
            year: r.year,
            round: r.round.as_deref(),
            programme: r.programme.as_deref(),
            application: r.application.as_deref(),
            institution: &r.institution,
            team: &r.team,
            expert: &r.expert,
            outcome: r.outcome.as_str(),
            rating: r.rating,
        }
    }
}

#[derive(Serialize)]
struct ExpertOut<'a> {
    id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    city: &'a str,
    institution: &'a str,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    fields: &'a [String],
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    keywords: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    title: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_load: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    min_load: Option<u32>,
    #[serde(skip_serializing_if = "is_true")]
    available: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    programmes: Vec<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty", serialize_with = "as_map")]
    extra: Vec<(&'a str, &'a str)>,
}

/// Kept cells as a JSON object, in column order.
fn as_map<S: serde::Serializer>(pairs: &[(&str, &str)], s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut m = s.serialize_map(Some(pairs.len()))?;
    for (k, v) in pairs {
        m.serialize_entry(k, v)?;
    }
    m.end()
}

#[derive(Serialize)]
struct ApplicationOut<'a> {
    id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    title: Option<&'a str>,
    city: &'a str,
    institution: &'a str,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    fields: &'a [String],
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    keywords: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    panel_size: Option<u32>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    team: Vec<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    avoid: Vec<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty", serialize_with = "as_map")]
    extra: Vec<(&'a str, &'a str)>,
    #[serde(skip_serializing_if = "Option::is_none")]
    programme: Option<&'a str>,
}

#[derive(Serialize)]
struct ConflictOut<'a> {
    expert: &'a str,
    with: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
}

#[derive(Serialize)]
struct CoauthorshipOut<'a> {
    a: &'a str,
    b: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    year: Option<i32>,
}

#[derive(Serialize)]
struct AffinityOut<'a> {
    application: &'a str,
    expert: &'a str,
    score: f64,
}

/// The text of a conflict's `with`.
pub(crate) fn conflict_with(inst: &Instance, w: ConflictWith) -> &str {
    match w {
        ConflictWith::Application(a) => &inst.applications[a.ix()].id,
        ConflictWith::Person(p) => inst.person_id(p),
    }
}

/// The bundle as pretty JSON bytes (deterministic). The instance must have
/// passed [`crate::instances::check_writable`].
pub(crate) fn bundle_bytes(inst: &Instance) -> Vec<u8> {
    let out = BundleOut {
        policy: &inst.policy,
        experts: inst
            .expert_ixs()
            .map(|e| {
                let x = &inst.experts[e.ix()];
                ExpertOut {
                    id: &x.id,
                    name: x.name.as_deref(),
                    city: inst.expert_city(e),
                    institution: inst.expert_institution(e),
                    fields: &x.fields,
                    keywords: &x.keywords,
                    title: x.title.as_deref(),
                    max_load: x.max_load,
                    min_load: x.min_load,
                    available: x.available,
                    extra: inst.kept.experts.of(e.ix()),
                    programmes: x
                        .programmes
                        .iter()
                        .map(|p| inst.programmes.name(p.0))
                        .collect(),
                }
            })
            .collect(),
        applications: inst
            .app_ixs()
            .map(|a| {
                let x = &inst.applications[a.ix()];
                ApplicationOut {
                    id: &x.id,
                    title: x.title.as_deref(),
                    city: inst.app_city(a),
                    institution: inst.app_institution(a),
                    fields: &x.fields,
                    keywords: &x.keywords,
                    panel_size: x.panel_size,
                    team: x.team.iter().map(|&p| inst.person_id(p)).collect(),
                    avoid: x
                        .avoid
                        .iter()
                        .map(|&e| inst.experts[e.ix()].id.as_str())
                        .collect(),
                    extra: inst.kept.applications.of(a.ix()),
                    programme: inst.programme_name(a),
                }
            })
            .collect(),
        conflicts: inst
            .conflicts
            .iter()
            .map(|c| ConflictOut {
                expert: &inst.experts[c.expert.ix()].id,
                with: conflict_with(inst, c.with),
                reason: c.reason.as_deref(),
            })
            .collect(),
        coauthorships: inst
            .coauthorships
            .iter()
            .map(|c| CoauthorshipOut {
                a: inst.person_id(c.a),
                b: inst.person_id(c.b),
                year: c.year,
            })
            .collect(),
        affinity: inst.affinity.as_ref().map(|list| {
            list.iter()
                .map(|f| AffinityOut {
                    application: &inst.applications[f.application.ix()].id,
                    expert: &inst.experts[f.expert.ix()].id,
                    score: f.score.as_f64(),
                })
                .collect()
        }),
        history: inst
            .history
            .given
            .then(|| inst.history.records.iter().map(HistoryOut::of).collect()),
    };
    let mut bytes = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut bytes, RecordPerLine::default());
    if out.serialize(&mut ser).is_err() {
        return Vec::new();
    }
    bytes.push(b'\n');
    bytes
}

/// JSON layout of written bundles: the top level and each list are laid
/// out one entry per line, and every record is compact on its line, so a
/// round of a million affinity entries is half the bytes of fully pretty
/// JSON (and loads in half the time) while staying readable and diffable.
#[derive(Default)]
struct RecordPerLine {
    depth: usize,
    has_value: bool,
}

/// Containers at most this deep are laid out one entry per line.
const PRETTY_DEPTH: usize = 2;

impl RecordPerLine {
    fn pretty(&self) -> bool {
        self.depth <= PRETTY_DEPTH
    }

    fn entry<W: ?Sized + std::io::Write>(&self, w: &mut W, first: bool) -> std::io::Result<()> {
        if self.pretty() {
            w.write_all(if first { b"\n" } else { b",\n" })?;
            for _ in 0..self.depth {
                w.write_all(b"  ")?;
            }
            Ok(())
        } else if first {
            Ok(())
        } else {
            w.write_all(b",")
        }
    }

    fn close<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        bracket: &[u8],
    ) -> std::io::Result<()> {
        let pretty = self.pretty();
        self.depth -= 1;
        if pretty && self.has_value {
            w.write_all(b"\n")?;
            for _ in 0..self.depth {
                w.write_all(b"  ")?;
            }
        }
        w.write_all(bracket)
    }
}

impl serde_json::ser::Formatter for RecordPerLine {
    fn begin_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        w.write_all(b"[")
    }

    fn end_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.close(w, b"]")
    }

    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.entry(w, first)
    }

    fn end_array_value<W: ?Sized + std::io::Write>(&mut self, _w: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        w.write_all(b"{")
    }

    fn end_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.close(w, b"}")
    }

    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.entry(w, first)
    }

    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        w.write_all(if self.pretty() { b": " } else { b":" })
    }

    fn end_object_value<W: ?Sized + std::io::Write>(&mut self, _w: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

/// Writes a policy as pretty JSON bytes (for `policy.json`).
pub(crate) fn policy_bytes(p: &Policy, path: &Path) -> Result<Vec<u8>, WriteError> {
    let mut bytes = serde_json::to_vec_pretty(p).map_err(|e| WriteError::encode(path, e))?;
    bytes.push(b'\n');
    Ok(bytes)
}

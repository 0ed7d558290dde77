//! A panels file resolved against its instance: every id of the file
//! looked up once, here, and read by index everywhere else (`verify`'s
//! rules, `panels replace`, the report, the exports and the writers).
//!
//! Resolving never fails: an id the instance does not have stays `None`
//! (or is listed apart), because `verify` must report such ids rather than
//! stop at them. The strict views ([`Assignment::panels_by_application`],
//! [`Assignment::state`]) refuse them with a message in the user's terms.
//!
//! # Example
//!
//! ```
//! use panels_io::assignment::Assignment;
//! use panels_io::panels::{PanelRecord, PanelsFile};
//!
//! let bundle = br#"{
//!   "policy": { "panel_size": 1 },
//!   "experts": [ { "id": "E1", "city": "Hefei", "institution": "USTC" } ],
//!   "applications": [ { "id": "A1", "city": "Wuhan", "institution": "WHU" } ]
//! }"#;
//! let inst = panels_io::load_bundle_from_bytes(std::path::Path::new("r.json"), bundle)?;
//! let file = PanelsFile {
//!     panels: vec![PanelRecord {
//!         application: "A1".into(),
//!         programme: None,
//!         experts: vec!["E1".into(), "E9".into()],
//!         scores: None,
//!     }],
//!     ..PanelsFile::default()
//! };
//! let assignment = Assignment::resolve(&inst, &file);
//! let record = &assignment.records[0];
//! assert_eq!(record.experts, [inst.expert_by_id("E1"), None]);
//! assert_eq!(
//!     assignment.panels_by_application(&inst, &file),
//!     Err("unknown expert E9 on the panel of A1".to_string())
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::borrow::Cow;
use std::path::Path;

use crate::model::{AppIx, ExpertIx, Instance};
use crate::panels::{DeclinedPair, PanelsFile};

/// A panel record of the file with its ids resolved against the instance.
#[derive(Clone, Debug, PartialEq)]
pub struct Resolved {
    /// Position of the record in the file (0-based).
    pub record: usize,
    /// The application, when its id is known.
    pub app: Option<AppIx>,
    /// Each listed expert, in file order; `None` for an unknown id.
    pub experts: Vec<Option<ExpertIx>>,
    /// The known experts of the panel, each once, in file order.
    pub distinct: Vec<ExpertIx>,
}

/// A round's state by model indices, each list sorted (input order):
/// what `panels replace` reads from a panels file, adds to and writes
/// back (docs/round-lifecycle.md).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RoundState {
    /// Declined (application, expert) pairs.
    pub declined: Vec<(AppIx, ExpertIx)>,
    /// Experts who withdrew from the round.
    pub withdrawn: Vec<ExpertIx>,
    /// Panels the office marked confirmed.
    pub confirmed: Vec<AppIx>,
    /// Locked panels.
    pub locked: Vec<AppIx>,
}

impl RoundState {
    /// Sorts every list and drops repeats.
    pub fn normalise(&mut self) {
        self.declined.sort_unstable();
        self.declined.dedup();
        self.withdrawn.sort_unstable();
        self.withdrawn.dedup();
        self.confirmed.sort_unstable();
        self.confirmed.dedup();
        self.locked.sort_unstable();
        self.locked.dedup();
    }

    /// The instance to solve or check loads with: withdrawn experts marked
    /// unavailable (so they are eligible for nothing and have no load
    /// floor).
    pub fn instance_for_solving<'a>(&self, inst: &'a Instance) -> Cow<'a, Instance> {
        if self.withdrawn.is_empty() {
            return Cow::Borrowed(inst);
        }
        let mut owned = inst.clone();
        for &e in &self.withdrawn {
            owned.experts[e.ix()].available = false;
        }
        Cow::Owned(owned)
    }

    /// Writes the state into `out` by ids, in input order.
    pub fn write_into(&self, inst: &Instance, out: &mut PanelsFile) {
        let app = |a: &AppIx| inst.applications[a.ix()].id.clone();
        let expert = |e: &ExpertIx| inst.experts[e.ix()].id.clone();
        out.declined = self
            .declined
            .iter()
            .map(|(a, e)| DeclinedPair {
                application: app(a),
                expert: expert(e),
            })
            .collect();
        out.withdrawn = self.withdrawn.iter().map(expert).collect();
        out.confirmed = self.confirmed.iter().map(app).collect();
        out.locked = self.locked.iter().map(app).collect();
    }
}

/// An id of the file's state that the instance does not have.
#[derive(Clone, Debug, PartialEq, Eq)]
struct UnknownStateId {
    /// Where it stands: `a declined pair`, `the withdrawn list`, …
    what: &'static str,
    /// `application` or `expert`.
    kind: &'static str,
    /// The id as written.
    id: String,
}

/// A panels file resolved against its instance.
#[derive(Clone, Debug, PartialEq)]
pub struct Assignment {
    /// Every panel record, in file order.
    pub records: Vec<Resolved>,
    /// The round's state, ids unknown to the instance left out.
    pub state: RoundState,
    /// The state's unknown ids, in file order (declined, withdrawn,
    /// confirmed, locked).
    unknown_state: Vec<UnknownStateId>,
}

impl Assignment {
    /// Resolves every id of `file` against `inst`, once.
    pub fn resolve(inst: &Instance, file: &PanelsFile) -> Assignment {
        let app_index = inst.app_index();
        let mut records = Vec::with_capacity(file.panels.len());
        for (record, p) in file.panels.iter().enumerate() {
            let app = app_index.get(p.application.as_str()).copied();
            let experts: Vec<Option<ExpertIx>> =
                p.experts.iter().map(|id| inst.expert_by_id(id)).collect();
            let mut distinct: Vec<ExpertIx> = Vec::new();
            for e in experts.iter().flatten() {
                if !distinct.contains(e) {
                    distinct.push(*e);
                }
            }
            records.push(Resolved {
                record,
                app,
                experts,
                distinct,
            });
        }
        let mut state = RoundState::default();
        let mut unknown_state = Vec::new();
        let mut unknown = |what: &'static str, kind: &'static str, id: &str| {
            unknown_state.push(UnknownStateId {
                what,
                kind,
                id: id.to_string(),
            });
        };
        for d in &file.declined {
            let a = app_index.get(d.application.as_str()).copied();
            let e = inst.expert_by_id(&d.expert);
            match (a, e) {
                (Some(a), Some(e)) => state.declined.push((a, e)),
                (None, _) => unknown("a declined pair", "application", &d.application),
                (Some(_), None) => unknown("a declined pair", "expert", &d.expert),
            }
        }
        for id in &file.withdrawn {
            match inst.expert_by_id(id) {
                Some(e) => state.withdrawn.push(e),
                None => unknown("the withdrawn list", "expert", id),
            }
        }
        for (list, what) in [
            (&file.confirmed, "the confirmed list"),
            (&file.locked, "the locked list"),
        ] {
            for id in list {
                match app_index.get(id.as_str()) {
                    Some(&a) if what == "the confirmed list" => state.confirmed.push(a),
                    Some(&a) => state.locked.push(a),
                    None => unknown(what, "application", id),
                }
            }
        }
        state.normalise();
        Assignment {
            records,
            state,
            unknown_state,
        }
    }

    /// The round's state, refusing ids the instance does not have.
    ///
    /// # Errors
    /// A message naming the file (`path`), the first unknown id and where
    /// it stands.
    pub fn checked_state(&self, path: &Path) -> Result<&RoundState, String> {
        match self.unknown_state.first() {
            None => Ok(&self.state),
            Some(u) => Err(format!(
                "{}: {} names {} {}, which the instance does not have",
                path.display(),
                u.what,
                u.kind,
                u.id
            )),
        }
    }

    /// The file's panels in file order, each with its experts in file
    /// order, when the file is a round's whole panels: every application
    /// of the instance has exactly one panel, every id is known and no
    /// expert is listed twice on a panel (sizes are not checked).
    ///
    /// # Errors
    /// An unknown application or expert, an application with two panels,
    /// an expert listed twice on a panel, or applications of the instance
    /// without a panel, as a message without the file name.
    pub fn whole_panels(
        &self,
        inst: &Instance,
        file: &PanelsFile,
    ) -> Result<Vec<(AppIx, Vec<ExpertIx>)>, String> {
        let mut seen: Vec<Option<usize>> = vec![None; inst.applications.len()];
        let mut panels = Vec::with_capacity(file.panels.len());
        for (i, (r, rec)) in self.records.iter().zip(&file.panels).enumerate() {
            let a = r
                .app
                .ok_or_else(|| format!("unknown application {}", rec.application))?;
            if let Some(first) = seen[a.ix()] {
                return Err(format!(
                    "application {} has two panels (panels {} and {} of the file)",
                    rec.application,
                    first + 1,
                    i + 1
                ));
            }
            seen[a.ix()] = Some(i);
            let mut experts = Vec::with_capacity(rec.experts.len());
            for (id, e) in rec.experts.iter().zip(&r.experts) {
                let e = e.ok_or_else(|| {
                    format!("unknown expert {id} on the panel of {}", rec.application)
                })?;
                if experts.contains(&e) {
                    return Err(format!(
                        "expert {id} is listed twice on the panel of {}; fix the panel (`panels verify` lists every broken rule)",
                        rec.application
                    ));
                }
                experts.push(e);
            }
            panels.push((a, experts));
        }
        let missing: Vec<&str> = seen
            .iter()
            .enumerate()
            .filter(|(_, s)| s.is_none())
            .map(|(a, _)| inst.applications[a].id.as_str())
            .collect();
        if let Some(first) = missing.first() {
            const SHOWN: usize = 10;
            let more = match missing.len().saturating_sub(SHOWN) {
                0 => String::new(),
                n => format!(" and {n} more"),
            };
            return Err(format!(
                "application{} {}{more} of the instance {} no panel in the file (it covers {} of \
                 {} applications); give the round's whole panels file",
                if missing.len() == 1 { "" } else { "s" },
                if missing.len() == 1 {
                    (*first).to_string()
                } else {
                    missing[..missing.len().min(SHOWN)].join(", ")
                },
                if missing.len() == 1 { "has" } else { "have" },
                inst.applications.len() - missing.len(),
                inst.applications.len()
            ));
        }
        Ok(panels)
    }

    /// One panel per application, in instance order, each panel's experts
    /// sorted by index: the panels `panels replace` starts from.
    ///
    /// # Errors
    /// As [`Assignment::whole_panels`], and a panel of the wrong size
    /// (replace refills declined seats of complete panels; it does not
    /// mend a broken file), as a message without the file name.
    pub fn panels_by_application(
        &self,
        inst: &Instance,
        file: &PanelsFile,
    ) -> Result<Vec<Vec<ExpertIx>>, String> {
        let mut panels: Vec<Vec<ExpertIx>> = vec![Vec::new(); inst.applications.len()];
        for (a, mut experts) in self.whole_panels(inst, file)? {
            let k = inst.panel_size(a) as usize;
            if experts.len() != k {
                return Err(format!(
                    "the panel of {} lists {} expert(s), its panel size is {k}; replace repairs \
                     declined seats of complete panels: fix the panel first (`panels verify` lists \
                     every broken rule)",
                    inst.applications[a.ix()].id,
                    experts.len()
                ));
            }
            experts.sort_unstable();
            panels[a.ix()] = experts;
        }
        Ok(panels)
    }
}

//! The independent rule checker behind `panels verify INSTANCE PANELS`.
//!
//! A second person (a reviewer of the process) runs this to confirm that a
//! panels file obeys every rule of SPEC.md, without trusting the program
//! that wrote it. Each rule is one small function in [`rules`], written as
//! a plain loop over the file's panels, so that it can be read and audited
//! against SPEC.md line by line.
//!
//! **Architecture Invariant:** this module shares the *model* with the
//! solvers, never the *solver*: it uses [`crate::model`], the per-pair
//! eligibility rule ([`crate::eligibility::Eligibility::check`], which names
//! every reason), scores ([`crate::eligibility::Eligibility::score`], built
//! on [`panels_core::score`]) and the file types of [`crate::io::panels`]. It
//! never imports `crate::flow` or `crate::mip`; a bug in a solver cannot
//! hide itself here.
//!
//! # What is checked, in report order
//!
//! | rule | violation |
//! |---|---|
//! | every application has exactly one panel | [`Violation::MissingApplication`], [`Violation::DuplicateApplication`] |
//! | no unknown application ids | [`Violation::UnknownApplication`] |
//! | no unknown expert ids | [`Violation::UnknownExpert`] |
//! | panels in the input order of applications (SPEC "Outputs") | [`Violation::PanelOrder`] |
//! | panel size = k of the application | [`Violation::WrongPanelSize`] |
//! | experts of a panel distinct | [`Violation::RepeatedExpert`] |
//! | every pair eligible | [`Violation::Ineligible`] (every reason listed) |
//! | no declined pair, no withdrawn expert (the file's state) | [`Violation::Declined`] |
//! | enough experts from outside the applicant's city | [`Violation::TooFewOutside`] |
//! | `max_per_city` (home city included) | [`Violation::CityCap`] |
//! | `max_per_institution` | [`Violation::InstitutionCap`] |
//! | each expert's load in `[min_load, max_load]` | [`Violation::Underloaded`], [`Violation::Overloaded`] |
//! | programmes: experts serve their programmes; programme `max_load` | [`Violation::History`] ([`history`]) |
//! | history: repeats (ban), rest, declines, rating, `max_reviews_per_year` | [`Violation::History`] ([`history`]) |
//! | `min_senior` senior panel members | [`Violation::TooFewSenior`] |
//! | `cover_fields`: every field of the application listed by a member | [`Violation::FieldNotCovered`] |
//! | `min_outside_share_round`, `min_outside_share_by_city` | [`Violation::RoundOutsideShare`] |
//! | `max_copanel` | [`Violation::CopanelExceeded`] |
//! | per-pair `scores` in the file, when given, match | [`Violation::ListedScoresLength`], [`Violation::ListedScore`] |
//! | a panel's `programme`, when given, is its application's | [`Violation::ListedProgramme`] |
//! | claimed `objective` = recomputed Σ scores + city bonuses | [`Violation::ObjectiveMismatch`] |
//! | recomputed objective ≤ `bound` | [`Violation::AboveBound`] |
//! | `status` is `optimal` or `feasible` | [`Violation::BadStatus`] |
//! | if `optimal`, `bound` (when given) = objective | [`Violation::OptimalWithGap`] |
//!
//! Violations come in that order of rules, and within a rule in input order
//! (panel records in file order; applications and experts in instance
//! order). The same inputs always give the same report, byte for byte.
//!
//! # How unusual files are read
//!
//! Nothing in the file is silently dropped and nothing makes the checker
//! panic:
//!
//! - A record whose application id is unknown is reported; its panel cannot
//!   be checked against an application, so the per-panel rules skip it and
//!   it counts toward no load and no objective.
//! - An unknown expert id is reported where it stands (record and
//!   position). It still counts in the *listed* panel size, but not in
//!   outside, city or institution counts (its city is unknown).
//! - An expert listed twice in one panel is reported once per panel; the
//!   per-panel counts (outside, city, institution), loads and the objective
//!   count them once, so a repetition can never help a panel pass.
//! - An application with two or more records is reported once, and *each*
//!   record is checked as a panel of its own; each counts toward loads and
//!   the objective, as the file claims.
//!
//! # Numbers
//!
//! Scores are integers in millionths ([`crate::model::SCORE_SCALE`]); the
//! recomputed objective is their exact sum ([`Report::objective_micro`]).
//! Floats from the file (`objective`, `bound`, `scores`) are claims and are
//! compared **exactly** with the float of the exact value (no tolerance: a
//! millionth off is a broken claim). A non-finite float never passes.
//!
//! # Rules and claims
//!
//! The last four rows of the table are the file's *claims* about its panels
//! ([`Rule::is_claim`]); the others are the *rules* the panels must keep.
//! [`Report::rules_ok`] and [`Report::claims_ok`] judge them apart
//! (`report` and `export` look at the rules only). A file whose panels no
//! longer hash to its `assignment_sha256` was edited after solving: its
//! objective, optimality and listed scores describe the panels as solved,
//! so they are not held against the edit; a note says so instead
//! ([`Report::notes`]). A CSV records no claims
//! ([`STATUS_NOT_RECORDED`]); a JSON file may record some and not others
//! (an `objective` or a `bound` without a `status`): each claim present is
//! checked, whatever else is missing ([`Report::claims_present`]).
//! docs/round-lifecycle.md has the wording.
//!
//! # Optimality certificate (`verify --certificate`)
//!
//! [`check_certificate`] (in [`certificate`]) re-checks the LP duals the
//! solver writes, by model names, from the instance alone: see
//! [`crate::certificate`] for the LP and the bound; the certificate's
//! stated `dual_objective` must equal the bound its duals give. Without
//! `--certificate`, `status: optimal` is checked only for consistency with
//! `bound` (see [`Violation::OptimalWithGap`]), and the report says the
//! certificate was not checked.
//!
//! # Example
//!
//! A panels file edited by hand so that an expert with a load floor
//! reviews nothing: `verify` names the broken rule.
//!
//! ```
//! use panels_io::panels::{PanelRecord, PanelsFile};
//! use panels_verify::{verify, Rule};
//!
//! let bundle = br#"{
//!   "policy": { "panel_size": 1 },
//!   "experts": [
//!     { "id": "E1", "city": "Hefei", "institution": "USTC" },
//!     { "id": "E2", "city": "Nanchang", "institution": "NCU", "min_load": 1 }
//!   ],
//!   "applications": [ { "id": "A1", "city": "Wuhan", "institution": "WHU" } ]
//! }"#;
//! let inst = panels_io::load_bundle_from_bytes(std::path::Path::new("r.json"), bundle)?;
//! let record = |expert: &str| PanelRecord {
//!     application: "A1".into(),
//!     programme: None,
//!     experts: vec![expert.into()],
//!     scores: None,
//! };
//! let file = PanelsFile {
//!     status: "feasible".into(),
//!     panels: vec![record("E1")],
//!     ..PanelsFile::default()
//! };
//! let report = verify(&inst, &file);
//! assert!(report.rule_violations().any(|v| v.rule() == Rule::Load));
//!
//! let fixed = PanelsFile { panels: vec![record("E2")], ..file };
//! assert!(verify(&inst, &fixed).rules_ok());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![deny(missing_docs)]

// The crates below, under the module names they had in one crate, so that
// paths read `crate::model::Instance` wherever they are used.
use panels_core::{eligibility, model};
use panels_io as io;

pub mod certificate;
pub mod history;
pub mod replace_input;
pub mod rules;
mod violation;

use std::fmt::Write as _;

pub use certificate::{check_certificate, CertificateOutcome};
pub use replace_input::{check_replace_input, replace_input, replace_input_refusal};
pub use violation::{Rule, Violation};

use crate::eligibility::Eligibility;
use crate::io::panels::PanelsFile;
use crate::model::{total_as_f64, Instance};

pub use crate::io::panels::STATUS_NOT_RECORDED;

/// Largest tolerated difference between a float in the file and the exact
/// value `verify` recomputes: 1e-6 absolute when `|reference| ≤ 1`, else
/// 1e-6 × `|reference|` (relative).
pub fn tolerance(reference: f64) -> f64 {
    TOLERANCE * reference.abs().max(1.0)
}

/// The base tolerance of float comparisons; see [`tolerance`].
pub(crate) const TOLERANCE: f64 = 1e-6;

/// Which kind of tolerance [`tolerance`] applied to a reference value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ToleranceKind {
    /// 1e-6, because the reference is at most 1 in magnitude.
    Absolute,
    /// 1e-6 × |reference|.
    Relative,
}

impl ToleranceKind {
    /// The kind of tolerance used for `reference`.
    pub fn of(reference: f64) -> ToleranceKind {
        if reference.abs() <= 1.0 {
            ToleranceKind::Absolute
        } else {
            ToleranceKind::Relative
        }
    }
}

/// True when `value` is within [`tolerance`]`(reference)` of `reference`.
/// False for any non-finite input.
pub fn within_tolerance(value: f64, reference: f64) -> bool {
    let diff = (value - reference).abs();
    // Written so that NaN fails.
    diff <= tolerance(reference)
}

use crate::io::assignment::Assignment;
pub use crate::io::assignment::Resolved;

/// Resolves every record of `panels` against `inst` (the records of
/// [`Assignment::resolve`], the one place ids are looked up).
pub fn resolve(inst: &Instance, panels: &PanelsFile) -> Vec<Resolved> {
    Assignment::resolve(inst, panels).records
}

/// The outcome of checking one panels file against one instance.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    /// Every violation found, by rule then input order (see module docs).
    pub violations: Vec<Violation>,
    /// The recomputed objective: Σ scores of the assigned pairs (less the
    /// repeat penalties) plus the city bonus of each panel (`bonus_per_city` per distinct city beyond
    /// the first), as a float.
    pub objective: f64,
    /// The recomputed objective, exact, in millionths.
    pub objective_micro: i64,
    /// The `objective` the file claims.
    pub claimed_objective: f64,
    /// The `bound` the file claims, if any.
    pub claimed_bound: Option<f64>,
    /// The `status` the file claims.
    pub status: String,
    /// The claims the file records, by name (`status`, `objective`,
    /// `bound`; [`PanelsFile::claims_present`]): each is checked whether
    /// or not the others are there.
    pub claims_present: Vec<&'static str>,
    /// Number of panel records in the file.
    pub panels_in_file: usize,
    /// Number of applications in the instance.
    pub applications: usize,
    /// Number of (record, expert) pairs with known ids that were scored.
    pub pairs_scored: usize,
    /// True when the file carries a `certificate` (checked by
    /// [`check_certificate`] when asked).
    pub certificate_present: bool,
    /// The panels no longer hash to the assignment the claims were made
    /// for: edited after solving (see [`PanelsFile::edited`]).
    pub edited: bool,
    /// Remarks that are neither broken rules nor broken claims (one line
    /// each): an edit after solving, another input's hash.
    pub notes: Vec<String>,
}

impl Report {
    /// True when no rule is broken and every claim holds.
    pub fn is_ok(&self) -> bool {
        self.violations.is_empty()
    }

    /// True when the panels keep every rule (claims aside).
    pub fn rules_ok(&self) -> bool {
        self.rule_violations().next().is_none()
    }

    /// True when every claim the file makes about its panels holds.
    pub fn claims_ok(&self) -> bool {
        self.violations.iter().all(|v| !v.rule().is_claim())
    }

    /// The broken rules (claims aside), in report order.
    pub fn rule_violations(&self) -> impl Iterator<Item = &Violation> {
        self.violations.iter().filter(|v| !v.rule().is_claim())
    }

    /// The broken claims, in report order.
    pub(crate) fn claim_violations(&self) -> impl Iterator<Item = &Violation> {
        self.violations.iter().filter(|v| v.rule().is_claim())
    }

    /// True when the file records any claim (a CSV panels file records
    /// none).
    pub(crate) fn claims_recorded(&self) -> bool {
        !self.claims_present.is_empty()
    }

    /// Adds the one-line note when the file was made for another input
    /// (its `input_sha256` is not `hash`, the input's).
    pub fn note_input(&mut self, file: &PanelsFile, hash: &str) {
        if let Some(theirs) = file.input_sha256.as_deref() {
            if theirs != hash {
                self.notes.push(format!(
                    "note: the panels file was made for another version of the round (input SHA-256 {theirs}; this input's is {hash}); the rules above are checked against this input"
                ));
            }
        }
    }

    /// The report in plain words: the rules (a summary, then each broken
    /// rule on its own numbered line), then the claims (status, objective,
    /// bound; each broken claim numbered on), then the notes — in the
    /// report's (deterministic) order.
    pub fn render(&self, inst: &Instance) -> String {
        let mut s = String::new();
        let rules = self.rule_violations().count();
        if rules == 0 {
            let _ = writeln!(
                s,
                "OK: {} panel(s) for {} application(s) obey every rule checked.",
                self.panels_in_file, self.applications
            );
        } else {
            let _ = writeln!(
                s,
                "FAILED: {rules} rule violation(s) in {} panel(s) for {} application(s).",
                self.panels_in_file, self.applications
            );
        }
        let numbered = |s: &mut String, from: usize, list: &mut dyn Iterator<Item = &Violation>| {
            for (i, v) in list.enumerate() {
                let _ = writeln!(
                    s,
                    "{:>4}. [{}] {}",
                    from + i + 1,
                    v.rule().label(),
                    v.describe(inst)
                );
            }
        };
        numbered(&mut s, 0, &mut self.rule_violations());
        let claims = self.claim_violations().count();
        if !self.claims_recorded() {
            let _ = writeln!(
                s,
                "claims: not recorded (this panels file carries only the panels: no status, objective or bound); objective recomputed {} ({} pairs)",
                fmt_micro(self.objective_micro),
                self.pairs_scored
            );
        } else {
            let verdict = if claims > 0 {
                format!("claims: BROKEN: {claims} claim(s) of the file do not hold")
            } else if self.edited {
                "claims: they describe the panels as solved, before an edit (see the note)".into()
            } else {
                "claims: OK".into()
            };
            let _ = writeln!(s, "{verdict}");
            let named = |name: &str| self.claims_present.contains(&name);
            if !named("status") {
                // Say which claims the file makes, as it makes no status.
                let _ = writeln!(
                    s,
                    "claims recorded: {} (no status)",
                    self.claims_present.join(", ")
                );
            }
            let says = if named("objective") {
                format!("file says {}", self.claimed_objective)
            } else {
                "file does not say".to_string()
            };
            let _ = writeln!(
                s,
                "objective: recomputed {} ({} pairs), {says}",
                fmt_micro(self.objective_micro),
                self.pairs_scored,
            );
            let bound = match self.claimed_bound {
                Some(b) => b.to_string(),
                None => "none".to_string(),
            };
            let status = if named("status") {
                self.status.as_str()
            } else {
                "not recorded"
            };
            let _ = writeln!(s, "status: {status}, bound: {bound}");
        }
        numbered(&mut s, rules, &mut self.claim_violations());
        if self.certificate_present {
            let _ = writeln!(
                s,
                "certificate: present, not checked (add --certificate to check it)"
            );
        }
        for n in &self.notes {
            let _ = writeln!(s, "{n}");
        }
        s
    }
}

/// Formats a sum in millionths exactly, e.g. `12.3456` or `-0.5`.
pub fn fmt_micro(micro: i64) -> String {
    let sign = if micro < 0 { "-" } else { "" };
    let m = micro.unsigned_abs();
    let scale = crate::model::SCORE_SCALE as u64;
    let whole = m / scale;
    let frac = m % scale;
    if frac == 0 {
        format!("{sign}{whole}")
    } else {
        let digits = format!("{frac:06}");
        format!("{sign}{whole}.{}", digits.trim_end_matches('0'))
    }
}

/// Checks `panels` against every rule of SPEC.md for `inst`.
///
/// Never panics on the file's content: unknown ids, repeated ids, empty
/// panels and odd floats are all reported as violations.
pub fn verify(inst: &Instance, panels: &PanelsFile) -> Report {
    verify_with(inst, &Eligibility::compute(inst), panels)
}

/// [`verify`] with eligibility already computed for `inst` (callers that
/// also check the certificate or draw figures need it too).
pub fn verify_with(inst: &Instance, elig: &Eligibility, panels: &PanelsFile) -> Report {
    let assignment = Assignment::resolve(inst, panels);
    let resolved = &assignment.records;
    let (scores_micro, pairs_scored) = rules::recompute_objective(inst, elig, resolved);
    let objective_micro = scores_micro
        .saturating_add(rules::city_bonus(inst, resolved))
        .saturating_sub(history::penalties(inst, resolved));

    let mut v = Vec::new();
    rules::coverage(inst, resolved, &mut v);
    rules::unknown_applications(panels, resolved, &mut v);
    rules::unknown_experts(panels, resolved, &mut v);
    rules::panel_order(resolved, &mut v);
    rules::panel_size(inst, panels, resolved, &mut v);
    rules::distinct_experts(panels, resolved, &mut v);
    rules::eligible_pairs(inst, elig, resolved, &mut v);
    rules::declined(&assignment.state, resolved, &mut v);
    rules::outside_city(inst, resolved, &mut v);
    rules::city_cap(inst, resolved, &mut v);
    rules::institution_cap(inst, resolved, &mut v);
    // Withdrawn experts have no load floor (the file's state).
    let with_withdrawn = assignment.state.instance_for_solving(inst);
    rules::loads(&with_withdrawn, resolved, &mut v);
    let mut breaches: Vec<Violation> = history::check(inst, resolved)
        .into_iter()
        .map(Violation::History)
        .collect();
    breaches.sort_by_key(Violation::rule);
    v.extend(breaches);
    rules::senior(inst, resolved, &mut v);
    rules::field_coverage(inst, resolved, &mut v);
    rules::round_outside_share(inst, resolved, &mut v);
    rules::copanel(inst, resolved, &mut v);
    // Claims: a file edited after solving keeps claims about the panels as
    // solved, so only those that hold for any assignment are checked (a
    // bound, a known status); a file without claims (CSV) lists scores only.
    let edited = panels.edited();
    let mut notes = Vec::new();
    if !edited {
        rules::listed_scores(inst, elig, panels, resolved, &mut v);
        rules::listed_programmes(inst, panels, resolved, &mut v);
    }
    // An objective the file states is a claim with or without a status.
    if panels.claims_objective() && !edited {
        rules::objective(panels.objective, objective_micro, &mut v);
    }
    rules::bound(panels, objective_micro, &mut v);
    if edited {
        if !matches!(panels.status.as_str(), "optimal" | "feasible") {
            rules::status(panels, objective_micro, &mut v);
        }
        notes.push(format!(
            "note: edited after solving: objective now {} (the file says {}){}",
            fmt_micro(objective_micro),
            panels.objective,
            if panels.status == "optimal" {
                "; no longer proven optimal"
            } else {
                ""
            }
        ));
    } else {
        rules::status(panels, objective_micro, &mut v);
    }
    debug_assert!(v.windows(2).all(|w| w[0].rule() <= w[1].rule()));

    Report {
        violations: v,
        objective: total_as_f64(objective_micro),
        objective_micro,
        claimed_objective: panels.objective,
        claimed_bound: panels.bound,
        status: panels.status.clone(),
        claims_present: panels.claims_present(),
        panels_in_file: panels.panels.len(),
        applications: inst.applications.len(),
        pairs_scored,
        certificate_present: panels.certificate.is_some(),
        edited,
        notes,
    }
}

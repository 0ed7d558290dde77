//! The fairness report behind `panels report INSTANCE PANELS --out FILE`:
//! the numbers a program officer shows afterwards to argue that a round was
//! fair, as self-contained HTML (inline SVG charts, no scripts, no network,
//! print-friendly), Markdown, or the figures alone as JSON — in Chinese or
//! English ([`lang`]).
//!
//! [`figures`] computes every number once into [`Figures`] (plain data in
//! deterministic order: instance order for cities, experts and
//! applications; ties broken by that order; the JSON schema of
//! `docs/report.md`, versioned by [`SCHEMA`]). [`html`] and [`markdown`]
//! only format it and embed it as a data block; [`check`] recomputes a
//! report's figures and compares them, and its text, with what the file
//! says; [`svg`] draws the charts by hand. [`anonymous`] writes the
//! applicants' side export (panel codes, no reviewer names).
//!
//! Where it meets others: the numbers come from the model
//! ([`crate::model`]), eligibility ([`crate::eligibility`], for scores and
//! conflicts avoided, counted by the candidate scanner of
//! [`crate::solve::candidates`] so no pair list is materialised) and
//! [`crate::verify`] (violations, recomputed objective); the panels file is
//! never trusted for a number the instance can give. The one place the
//! solver is called is [`price`]: the round re-solved without each rule
//! family, to show what it costs.
//!
//! **Invariant:** the same inputs and options give the same bytes, except
//! where a re-solve is cut off by its time limit (then its interval is
//! wider, and says so).

#![deny(missing_docs)]

// The crates below, under the module names they had in one crate, so that
// paths read `crate::model::Instance` wherever they are used.
use panels_core::{eligibility, history, model};
use panels_io as io;
use panels_solve as solve;
use panels_verify as verify;

pub mod anonymous;
pub mod check;
pub mod draws;
pub mod html;
pub mod lang;
pub mod markdown;
pub mod price;
pub mod replaces;
pub mod rounds;
pub mod svg;
pub mod violations;
pub mod words;

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::eligibility::overlap::ScoreIndex;
use crate::eligibility::{ConflictKind, Eligibility};
use crate::io::panels::PanelsFile;
use crate::model::{AppIx, ExpertIx, Instance};
use crate::solve::candidates::{chunks, threads, Scanner};
pub use draws::{DrawFigures, DrawLogInput, LogFigures};
pub use lang::{pct, Lang};
pub use price::{Family, FamilyPrice, PriceOutcome, Side};
pub use replaces::{ChangeFigure, ReplaceFigures};
pub use rounds::{ExpertList, HistoryFigures, ProgrammeShare, YearlyLoad};

/// The figures' schema name and version (bumped when a field changes
/// meaning or disappears; new optional fields keep it).
pub const SCHEMA: &str = "panels-report/1";

/// How many lowest-scoring panels the report lists.
pub const LOWEST_PANELS: usize = 10;

/// How many ids long lists keep (the counts are always whole).
pub const LIST_KEEP: usize = 30;

/// What to compute besides the figures themselves.
#[derive(Clone, Debug, PartialEq)]
pub struct ReportOptions {
    /// How the instance is named in the report (its path as given).
    pub instance_label: String,
    /// How the panels file is named in the report.
    pub panels_label: String,
    /// How the report itself is named (its `--out` path), for the
    /// `--check` command it prints.
    pub report_label: String,
    /// SHA-256 of the instance input (as `io::instance_sha256` computes it).
    pub input_sha256: Option<String>,
    /// SHA-256 of the panels file's bytes.
    pub panels_sha256: Option<String>,
    /// True when the instance is one file (then `sha256sum FILE` gives the
    /// same hash; a CSV directory's hash covers its files, and the report
    /// gives the command that computes it).
    pub input_is_file: bool,
    /// Outside-city share every city is compared with; `None` means each
    /// city's own target from the policy.
    pub target_share: Option<f64>,
    /// Budget of each re-solve that prices a rule family; `None` skips them.
    pub price_time_limit: Option<Duration>,
    /// The language; `None` means the instance's ([`Lang::of_instance`]).
    pub lang: Option<Lang>,
    /// The log given with `--log`, when given: the draw log of a drawn
    /// panels file, or the log of the replacement that wrote it.
    pub draw_log: Option<DrawLogInput>,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            instance_label: "instance".into(),
            panels_label: "panels".into(),
            report_label: "report.html".into(),
            input_sha256: None,
            panels_sha256: None,
            input_is_file: true,
            target_share: None,
            price_time_limit: Some(Duration::from_secs(120)),
            lang: None,
            draw_log: None,
        }
    }
}

/// The options a report was made with, kept in its figures so that
/// `--check` recomputes it the same way.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// The instance as named on the command line.
    pub instance: String,
    /// The panels file as named on the command line.
    pub panels: String,
    /// The report as named on the command line.
    pub report: String,
    /// `--target`, when given.
    pub target: Option<f64>,
    /// Seconds each pricing re-solve may take; `None`: `--no-price`.
    pub price_timeout_seconds: Option<u64>,
    /// The log (`--log`: a draw's or a replacement's) as named on the
    /// command line, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log: Option<String>,
}

impl Settings {
    /// Options that recompute a report with these settings (the draw
    /// log's bytes are the caller's to give, under [`Settings::log`]).
    pub fn options(&self, lang: Lang) -> ReportOptions {
        ReportOptions {
            instance_label: self.instance.clone(),
            panels_label: self.panels.clone(),
            report_label: self.report.clone(),
            target_share: self.target,
            price_time_limit: self.price_timeout_seconds.map(Duration::from_secs),
            lang: Some(lang),
            ..ReportOptions::default()
        }
    }
}

/// An id with the name (experts) or title (applications) beside it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Named {
    /// The id.
    pub id: String,
    /// The name or title, when the instance has one.
    pub name: Option<String>,
}

impl Named {
    /// `id name`, or the id alone.
    pub fn label(&self) -> String {
        match &self.name {
            Some(n) if !n.is_empty() => format!("{} {}", self.id, n),
            _ => self.id.clone(),
        }
    }
}

/// Every number of the report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Figures {
    /// [`SCHEMA`].
    pub schema: String,
    /// The program that wrote the figures (`panels VERSION`).
    pub generator: String,
    /// The report's language.
    pub lang: Lang,
    /// The options the report was made with.
    pub settings: Settings,
    /// The round at a glance.
    pub glance: Glance,
    /// Every rule in force, with its target.
    pub rules: Vec<RuleInForce>,
    /// All cities, in instance order (rows and columns of [`Figures::flow`]).
    pub cities: Vec<String>,
    /// `flow[h][r]`: reviews of applications from city `h` done by experts
    /// from city `r`.
    pub flow: Vec<Vec<u64>>,
    /// Per applicants' city (cities with at least one application, instance
    /// order): outside-city share against its target.
    pub city_shares: Vec<CityShare>,
    /// `outside_histogram[n]`: panels with exactly `n` members from outside
    /// the applicant's city.
    pub outside_histogram: Vec<u64>,
    /// Applications whose panel has exactly the required minimum of outside
    /// members (the rule binds); only applications with a minimum above 0.
    pub at_minimum_count: usize,
    /// The first [`LIST_KEEP`] of them, instance order.
    pub at_minimum: Vec<Named>,
    /// Applications with an outside-city minimum above 0.
    pub with_minimum: usize,
    /// The outside-city minimum, when every application has the same one
    /// (above 0).
    pub common_minimum: Option<u32>,
    /// The lowest-scoring panels (at most [`LOWEST_PANELS`]), lowest first.
    pub lowest_panels: Vec<PanelScore>,
    /// `load_histogram[n]`: experts (available or assigned) with `n` reviews.
    pub load_histogram: Vec<u64>,
    /// Load per experts' city, instance order.
    pub load_by_city: Vec<LoadGroup>,
    /// Load per institution, most reviews first (ties: instance order).
    pub load_by_institution: Vec<LoadGroup>,
    /// Experts whose reviews reach their cap.
    pub at_cap_count: usize,
    /// The first [`LIST_KEEP`] of them, pool order.
    pub at_cap: Vec<Named>,
    /// Pairs kept out before assignment, by reason.
    pub exclusions: Exclusions,
    /// The price of each rule family in force.
    pub prices: Vec<FamilyPrice>,
    /// Per programme (instance order, then the applications without one):
    /// outside-city share against the programme's own target. `None` when
    /// no application names a programme.
    pub programmes: Option<Vec<ProgrammeShare>>,
    /// Repeats avoided or paid, experts resting or barred, yearly loads
    /// against the cap. `None` when the input has no history table and no
    /// history rule.
    pub history: Option<HistoryFigures>,
    /// Broken rules, in `verify`'s order, in the report's language
    /// ([`violations`]; empty when none).
    pub violations: Vec<String>,
    /// `verify`'s notes on the file (edited after solving, made for
    /// another input), in the report's language ([`violations::notes`];
    /// absent when none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// The draw: its cap, seed and log, and whether the log given is this
    /// file's ([`draws`]). Absent when the file names no draw, records no
    /// draw log and no log is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub draw: Option<DrawFigures>,
    /// The replacement whose log was given (`--log`), against the file
    /// ([`replaces`]). Absent unless a replacement's log is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replace: Option<ReplaceFigures>,
    /// How to check the report.
    pub check: Check,
}

/// The round at a glance.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Glance {
    /// Applications in the instance.
    pub applications: usize,
    /// Panel records in the file.
    pub panels: usize,
    /// Experts in the pool.
    pub pool: usize,
    /// Available experts.
    pub available: usize,
    /// Experts with at least one review.
    pub experts_used: usize,
    /// Reviews (assigned pairs with known ids).
    pub reviews: u64,
    /// Recomputed objective, in millionths.
    pub objective_micro: i64,
    /// Objective the file claims; `None` when it records none (a file
    /// of panels alone).
    pub claimed_objective: Option<f64>,
    /// Bound the file claims.
    pub bound: Option<f64>,
    /// Status the file claims.
    pub status: String,
    /// Solver the file names.
    pub solver: Option<String>,
}

/// One rule in force: a policy field, its value, and the city it applies
/// to (per-city rules).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RuleInForce {
    /// The policy field (`panel_size`, `min_outside_share_by_city`, …).
    pub rule: String,
    /// Its value as written in the policy (`0.5`, `3`, `true`, titles
    /// joined with `, `).
    pub value: String,
    /// The city a per-city rule applies to.
    pub city: Option<String>,
    /// The programme a per-programme rule applies to
    /// (`programmes.<name>.<field>`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub programme: Option<String>,
}

/// Outside-city share of one applicants' city.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CityShare {
    /// The city.
    pub city: String,
    /// Its applications.
    pub applications: usize,
    /// Reviews of its applications.
    pub reviews: u64,
    /// Of those, by experts from another city.
    pub outside_reviews: u64,
    /// Σ required outside members / Σ panel sizes of its applications (the
    /// per-panel rule).
    pub required_share: f64,
    /// The share target it is compared with, if any.
    pub target: Option<f64>,
    /// Where the target comes from: `--target`, or the policy field
    /// (`min_outside_share_by_city`, `min_outside_share_round`,
    /// `min_outside_share`).
    pub target_from: Option<String>,
}

impl CityShare {
    /// `outside_reviews / reviews` (0 without reviews).
    pub fn share(&self) -> f64 {
        ratio(self.outside_reviews, self.reviews)
    }

    /// True unless the share falls short of a target.
    pub fn meets_target(&self) -> bool {
        self.target.is_none_or(|t| self.share() + 1e-12 >= t)
    }
}

/// A panel's total score.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PanelScore {
    /// Application id and title.
    pub application: Named,
    /// Applicants' city.
    pub city: String,
    /// Members (distinct, known).
    pub members: usize,
    /// Total score, millionths.
    pub score_micro: i64,
}

/// Load of a group of experts (a city or an institution).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LoadGroup {
    /// City or institution name.
    pub name: String,
    /// Available experts in the group.
    pub experts: usize,
    /// Experts with at least one review.
    pub used: usize,
    /// Reviews done by the group.
    pub reviews: u64,
    /// Experts at their cap.
    pub at_cap: usize,
}

impl LoadGroup {
    /// Reviews per available expert.
    pub(crate) fn mean_load(&self) -> f64 {
        ratio(self.reviews, self.experts as u64)
    }
}

/// Pairs kept out before assignment, by reason: unavailable experts apart,
/// then conflicts among available experts, then other reasons.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Exclusions {
    /// All (application, expert) pairs.
    pub all_pairs: u64,
    /// Eligible pairs.
    pub eligible_pairs: u64,
    /// Experts marked unavailable.
    pub unavailable_experts: u64,
    /// Pairs with an unavailable expert (not conflicts).
    pub unavailable_pairs: u64,
    /// Pairs of an available expert kept out by at least one conflict.
    pub conflict_pairs: u64,
    /// Per conflict kind, among available experts (a pair with two kinds
    /// counts under both).
    pub conflicts: Vec<ConflictCount>,
    /// Pairs of an available expert without conflict kept out by another
    /// rule: the programme the expert serves, a history rule (a banned
    /// repeat, a rest, declines, ratings), or the score (`min_affinity`).
    pub other_pairs: u64,
}

/// Pairs kept out by one kind of conflict.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConflictCount {
    /// `institution`, `team`, `coauthor`, `declared` or
    /// `applicant_request`.
    pub kind: String,
    /// Pairs of available experts it keeps out.
    pub pairs: u64,
}

/// How to check the report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Check {
    /// SHA-256 of the instance input, when known.
    pub input_sha256: Option<String>,
    /// The input hash the panels file records.
    pub file_input_sha256: Option<String>,
    /// SHA-256 of the panels file's bytes, when known.
    pub panels_sha256: Option<String>,
    /// Seed the panels file records.
    pub seed: Option<u64>,
    /// True when the panels file carries an LP certificate.
    pub certificate: bool,
    /// Commands that re-check everything, one per line.
    pub commands: Vec<String>,
}

impl Check {
    /// `Some(true)` when both hashes are known and equal.
    pub(crate) fn hashes_match(&self) -> Option<bool> {
        match (&self.input_sha256, &self.file_input_sha256) {
            (Some(a), Some(b)) => Some(a.eq_ignore_ascii_case(b)),
            _ => None,
        }
    }
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

/// Quotes a path for a shell command line when it needs it.
pub(crate) fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_alphanumeric() || "-_./=:+@%".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

fn expert_named(inst: &Instance, e: ExpertIx) -> Named {
    let x = &inst.experts[e.ix()];
    Named {
        id: x.id.clone(),
        name: x.name.clone(),
    }
}

pub(crate) fn app_named(inst: &Instance, a: AppIx) -> Named {
    let x = &inst.applications[a.ix()];
    Named {
        id: x.id.clone(),
        name: x.title.clone(),
    }
}

/// Computes every figure of the report. Never panics on the panels file's
/// content: unknown ids are skipped in the counts (and listed among the
/// violations).
pub fn figures(inst: &Instance, panels: &PanelsFile, opts: &ReportOptions) -> Figures {
    let elig = Eligibility::compute(inst);
    let mut vreport = verify::verify_with(inst, &elig, panels);
    if let Some(hash) = &opts.input_sha256 {
        vreport.note_input(panels, hash);
    }
    let resolved = crate::io::assignment::Assignment::resolve(inst, panels).records;
    let lang = opts.lang.unwrap_or_else(|| Lang::of_instance(inst));
    let mut load = vec![0u64; inst.experts.len()];
    for r in &resolved {
        for &e in &r.distinct {
            load[e.ix()] += 1;
        }
    }
    let panel = panel_figures(inst, &elig, &resolved);
    let cities: Vec<String> = inst.cities.names().to_vec();
    let city_shares = city_shares(inst, &panel.flow, opts.target_share);
    let loads = load_figures(inst, &load);
    let prices = price::prices(inst, &elig, panels, &vreport, opts.price_time_limit);
    let rounds = rounds::round_figures(inst, &elig, &resolved);
    let check = check_figures(panels, opts, &prices);
    // Broken rules only: a file edited after solving (stale objective or
    // status) keeps every rule; its claims are shown beside the recomputed
    // numbers instead.
    let violations = vreport
        .rule_violations()
        .map(|v| violations::line(inst, v, lang))
        .collect();
    let notes = violations::notes(&vreport, panels, opts.input_sha256.as_deref(), lang);
    // A replacement's log is read as one; any other log as a draw's.
    let (draw_log, replace) = match opts.draw_log.as_ref() {
        Some(given) => match replaces::read(&given.bytes) {
            Ok(log) => (
                None,
                Some(replaces::replace_figures(
                    inst,
                    panels,
                    &given.label,
                    &given.bytes,
                    &log,
                )),
            ),
            Err(_) => (Some(given), None),
        },
        None => (None, None),
    };
    let draw = draws::draw_figures(inst, panels, draw_log);
    Figures {
        schema: SCHEMA.into(),
        generator: format!("panels {}", env!("CARGO_PKG_VERSION")),
        lang,
        settings: Settings {
            instance: opts.instance_label.clone(),
            panels: opts.panels_label.clone(),
            report: opts.report_label.clone(),
            target: opts.target_share,
            price_timeout_seconds: opts.price_time_limit.map(|d| d.as_secs()),
            log: opts.draw_log.as_ref().map(|l| l.label.clone()),
        },
        glance: Glance {
            applications: inst.applications.len(),
            panels: panels.panels.len(),
            pool: inst.experts.len(),
            available: inst.experts.iter().filter(|e| e.available).count(),
            experts_used: load.iter().filter(|&&l| l > 0).count(),
            reviews: panel.reviews,
            objective_micro: vreport.objective_micro,
            claimed_objective: panels.claims_objective().then_some(panels.objective),
            bound: panels.bound,
            status: panels.status.clone(),
            solver: panels.solver.clone(),
        },
        rules: rules_in_force(inst),
        cities,
        flow: panel.flow,
        city_shares,
        outside_histogram: panel.outside_histogram,
        at_minimum_count: panel.at_minimum_count,
        at_minimum: panel.at_minimum,
        with_minimum: panel.with_minimum,
        common_minimum: panel.common_minimum,
        lowest_panels: panel.lowest_panels,
        load_histogram: loads.histogram,
        load_by_city: loads.by_city,
        load_by_institution: loads.by_institution,
        at_cap_count: loads.at_cap_count,
        at_cap: loads.at_cap,
        exclusions: exclusions(inst, &elig),
        prices,
        programmes: (!rounds.programmes.is_empty()).then_some(rounds.programmes),
        history: rounds.history,
        violations,
        notes,
        draw,
        replace,
        check,
    }
}

/// Per-panel figures and the city × city flow.
struct PanelFigures {
    flow: Vec<Vec<u64>>,
    reviews: u64,
    outside_histogram: Vec<u64>,
    at_minimum_count: usize,
    at_minimum: Vec<Named>,
    with_minimum: usize,
    common_minimum: Option<u32>,
    lowest_panels: Vec<PanelScore>,
}

fn panel_figures(
    inst: &Instance,
    elig: &Eligibility,
    resolved: &[crate::io::assignment::Resolved],
) -> PanelFigures {
    let nc = inst.cities.len();
    let mut flow = vec![vec![0u64; nc]; nc];
    let mut reviews = 0u64;
    let mut outside_histogram: Vec<u64> = Vec::new();
    let mut at_minimum = Vec::new();
    let mut at_minimum_count = 0;
    let mut with_minimum = 0;
    let mut panel_scores: Vec<(i64, AppIx, usize)> = Vec::new();
    for r in resolved {
        let Some(a) = r.app else { continue };
        let home = inst.applications[a.ix()].city;
        let mut outside = 0usize;
        let mut score = 0i64;
        for &e in &r.distinct {
            let c = inst.experts[e.ix()].city;
            flow[home.ix()][c.ix()] += 1;
            reviews += 1;
            outside += usize::from(c != home);
            score += elig.score(inst, a, e).0;
        }
        if outside_histogram.len() <= outside {
            outside_histogram.resize(outside + 1, 0);
        }
        outside_histogram[outside] += 1;
        let q = inst.min_outside(a) as usize;
        if q > 0 {
            with_minimum += 1;
            if outside == q {
                at_minimum_count += 1;
                if at_minimum.len() < LIST_KEEP {
                    at_minimum.push(app_named(inst, a));
                }
            }
        }
        panel_scores.push((score, a, r.distinct.len()));
    }
    let k_max = inst
        .app_ixs()
        .map(|a| inst.panel_size(a) as usize)
        .max()
        .unwrap_or(0);
    if outside_histogram.len() < k_max + 1 {
        outside_histogram.resize(k_max + 1, 0);
    }
    panel_scores.sort_unstable_by(|x, y| x.0.cmp(&y.0).then(x.1.cmp(&y.1)));
    let mut minima: Vec<u32> = inst.app_ixs().map(|a| inst.min_outside(a)).collect();
    minima.sort_unstable();
    minima.dedup();
    let common_minimum = match minima.as_slice() {
        [q] if *q > 0 => Some(*q),
        _ => None,
    };
    let lowest_panels = panel_scores
        .into_iter()
        .take(LOWEST_PANELS)
        .map(|(score, a, members)| PanelScore {
            application: app_named(inst, a),
            city: inst.app_city(a).to_string(),
            members,
            score_micro: score,
        })
        .collect();
    PanelFigures {
        flow,
        reviews,
        outside_histogram,
        at_minimum_count,
        at_minimum,
        with_minimum,
        common_minimum,
        lowest_panels,
    }
}

/// The share target of one city and where it comes from: `--target`, else
/// the city's own `min_outside_share_by_city`, else the round's
/// `min_outside_share_round`, else `min_outside_share` (when above 0).
fn city_target(inst: &Instance, city: &str, option: Option<f64>) -> Option<(f64, &'static str)> {
    let p = &inst.policy;
    if let Some(t) = option {
        return Some((t, "--target"));
    }
    let by_city = p
        .min_outside_share_by_city
        .iter()
        .find(|(name, _)| inst.cities.get(name) == inst.cities.get(city))
        .map(|(_, &s)| s);
    if let Some(s) = by_city {
        return Some((s, "min_outside_share_by_city"));
    }
    if let Some(s) = p.min_outside_share_round.filter(|&s| s > 0.0) {
        return Some((s, "min_outside_share_round"));
    }
    (p.min_outside_share > 0.0).then_some((p.min_outside_share, "min_outside_share"))
}

fn city_shares(inst: &Instance, flow: &[Vec<u64>], option: Option<f64>) -> Vec<CityShare> {
    let nc = inst.cities.len();
    let mut apps = vec![0usize; nc];
    let mut req = vec![(0u64, 0u64); nc]; // Σ q, Σ k
    for a in inst.app_ixs() {
        let c = inst.applications[a.ix()].city.ix();
        apps[c] += 1;
        req[c].0 += u64::from(inst.min_outside(a));
        req[c].1 += u64::from(inst.panel_size(a));
    }
    (0..nc)
        .filter(|&c| apps[c] > 0)
        .map(|c| {
            let total: u64 = flow[c].iter().sum();
            let name = inst.cities.name(c as u32);
            let target = city_target(inst, name, option);
            CityShare {
                city: name.to_string(),
                applications: apps[c],
                reviews: total,
                outside_reviews: total - flow[c][c],
                required_share: ratio(req[c].0, req[c].1),
                target: target.map(|t| t.0),
                target_from: target.map(|t| t.1.to_string()),
            }
        })
        .collect()
}

struct LoadFigures {
    histogram: Vec<u64>,
    by_city: Vec<LoadGroup>,
    by_institution: Vec<LoadGroup>,
    at_cap_count: usize,
    at_cap: Vec<Named>,
}

fn load_figures(inst: &Instance, load: &[u64]) -> LoadFigures {
    let group = |name: &String| LoadGroup {
        name: name.clone(),
        experts: 0,
        used: 0,
        reviews: 0,
        at_cap: 0,
    };
    let max_load = load.iter().copied().max().unwrap_or(0) as usize;
    let mut histogram = vec![0u64; max_load + 1];
    let mut at_cap = Vec::new();
    let mut at_cap_count = 0;
    let mut by_city: Vec<LoadGroup> = inst.cities.names().iter().map(group).collect();
    let mut by_inst: Vec<LoadGroup> = inst.institutions.names().iter().map(group).collect();
    let mut inst_seen = vec![false; inst.institutions.len()];
    for e in inst.expert_ixs() {
        let ex = &inst.experts[e.ix()];
        inst_seen[ex.institution.ix()] = true;
        let l = load[e.ix()];
        if !ex.available && l == 0 {
            continue;
        }
        histogram[l as usize] += 1;
        let cap = u64::from(inst.max_load(e));
        let full = cap > 0 && l >= cap;
        if full {
            at_cap_count += 1;
            if at_cap.len() < LIST_KEEP {
                at_cap.push(expert_named(inst, e));
            }
        }
        for g in [
            &mut by_city[ex.city.ix()],
            &mut by_inst[ex.institution.ix()],
        ] {
            g.experts += usize::from(ex.available);
            g.used += usize::from(l > 0);
            g.reviews += l;
            g.at_cap += usize::from(full);
        }
    }
    let by_city = by_city
        .into_iter()
        .filter(|g| g.experts > 0 || g.reviews > 0)
        .collect();
    let mut by_institution: Vec<(usize, LoadGroup)> = by_inst
        .into_iter()
        .enumerate()
        .filter(|(i, g)| inst_seen[*i] && (g.experts > 0 || g.reviews > 0))
        .collect();
    by_institution.sort_by(|(i1, g1), (i2, g2)| g2.reviews.cmp(&g1.reviews).then(i1.cmp(i2)));
    LoadFigures {
        histogram,
        by_city,
        by_institution: by_institution.into_iter().map(|(_, g)| g).collect(),
        at_cap_count,
        at_cap,
    }
}

/// The conflict kinds counted among available experts, in report order.
pub(crate) const CONFLICT_KINDS: [ConflictKind; 5] = [
    ConflictKind::Institution,
    ConflictKind::Team,
    ConflictKind::Coauthor,
    ConflictKind::Declared,
    ConflictKind::ApplicantRequest,
];

/// The label of [`Exclusions::other_pairs`] in a rendered report.
pub(crate) fn other_reasons_label(l: Lang) -> &'static str {
    l.t(
        "other reasons (programme, history rules, match score below min_affinity)",
        "其他原因（项目类别、历史规则、匹配度低于 min_affinity）",
    )
}

/// The key of a conflict kind in the figures.
pub(crate) fn conflict_key(kind: ConflictKind) -> &'static str {
    match kind {
        ConflictKind::Institution => "institution",
        ConflictKind::Team => "team",
        ConflictKind::Coauthor => "coauthor",
        ConflictKind::Declared => "declared",
        ConflictKind::ApplicantRequest => "applicant_request",
        ConflictKind::Unavailable => "unavailable",
        ConflictKind::LowAffinity => "min_affinity",
        ConflictKind::Programme => "programme",
        ConflictKind::Repeat => "repeat",
        ConflictKind::Resting => "resting",
        ConflictKind::Declines => "declines",
        ConflictKind::Rating => "rating",
    }
}

/// Exact exclusion counts without listing pairs: unavailable experts and
/// conflicts come from the rules' own tables (O(A + conflicts)); the
/// eligible count from the candidate scanner, which counts every
/// eligible expert of an application through the score index.
pub fn exclusions(inst: &Instance, elig: &Eligibility) -> Exclusions {
    let n_apps = inst.applications.len() as u64;
    let all_pairs = n_apps * inst.experts.len() as u64;
    let unavailable_experts = inst.experts.iter().filter(|e| !e.available).count() as u64;
    let mut avail_by_inst: BTreeMap<u32, u64> = BTreeMap::new();
    if inst.policy.avoid_same_institution {
        for e in inst.experts.iter().filter(|e| e.available) {
            *avail_by_inst.entry(e.institution.0).or_default() += 1;
        }
    }
    let mut kinds: BTreeMap<ConflictKind, u64> = BTreeMap::new();
    let mut conflict_pairs = 0u64;
    for a in inst.app_ixs() {
        let home = inst.applications[a.ix()].institution;
        let same = avail_by_inst.get(&home.0).copied().unwrap_or(0);
        *kinds.entry(ConflictKind::Institution).or_default() += same;
        conflict_pairs += same;
        for e in elig.person_excluded(a) {
            if !inst.experts[e.ix()].available {
                continue;
            }
            let v = elig.check(inst, a, e);
            let mut ks: Vec<ConflictKind> = v
                .reasons
                .iter()
                .map(|r| r.kind())
                .filter(|k| CONFLICT_KINDS.contains(k) && *k != ConflictKind::Institution)
                .collect();
            ks.sort_unstable();
            ks.dedup();
            // A banned repeat alone is a history rule, not a conflict: it
            // counts under the other reasons.
            let conflict = !ks.is_empty();
            for k in ks {
                *kinds.entry(k).or_default() += 1;
            }
            let same_inst =
                inst.policy.avoid_same_institution && inst.experts[e.ix()].institution == home;
            conflict_pairs += u64::from(conflict && !same_inst);
        }
    }
    let eligible_pairs = count_eligible(inst, elig);
    let unavailable_pairs = n_apps * unavailable_experts;
    Exclusions {
        all_pairs,
        eligible_pairs,
        unavailable_experts,
        unavailable_pairs,
        conflict_pairs,
        conflicts: CONFLICT_KINDS
            .iter()
            .map(|&k| ConflictCount {
                kind: conflict_key(k).into(),
                pairs: kinds.get(&k).copied().unwrap_or(0),
            })
            .collect(),
        other_pairs: all_pairs
            .saturating_sub(eligible_pairs)
            .saturating_sub(unavailable_pairs)
            .saturating_sub(conflict_pairs),
    }
}

/// The number of eligible pairs, counted per application by the
/// candidate scanner on the machine's threads (no pair is stored).
pub(crate) fn count_eligible(inst: &Instance, elig: &Eligibility) -> u64 {
    let index = ScoreIndex::new(inst);
    let run = |range: std::ops::Range<usize>| {
        let mut scanner = Scanner::new(inst, elig, &index);
        range
            .map(|a| {
                let per_city = scanner.eligible_per_city(AppIx(a as u32));
                per_city.iter().map(|&n| u64::from(n)).sum::<u64>()
            })
            .sum::<u64>()
    };
    let ranges = chunks(inst.applications.len(), threads());
    if ranges.len() <= 1 {
        return ranges.into_iter().map(run).sum();
    }
    std::thread::scope(|scope| {
        let handles: Vec<_> = ranges
            .into_iter()
            .map(|r| scope.spawn(move || run(r)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .sum()
    })
}

/// Every rule of the policy that binds something, with its value.
pub(crate) fn rules_in_force(inst: &Instance) -> Vec<RuleInForce> {
    let p = &inst.policy;
    let mut out = Vec::new();
    let mut push = |rule: &str, value: String, city: Option<String>| {
        out.push(RuleInForce {
            rule: rule.into(),
            value,
            city,
            programme: None,
        })
    };
    push("panel_size", p.panel_size.to_string(), None);
    if p.min_outside_share > 0.0 {
        push("min_outside_share", lang::num(p.min_outside_share), None);
    }
    if p.min_outside > 0 {
        push("min_outside", p.min_outside.to_string(), None);
    }
    if let Some(c) = p.max_per_city {
        push("max_per_city", c.to_string(), None);
    }
    if let Some(c) = p.max_per_institution {
        push("max_per_institution", c.to_string(), None);
    }
    push("max_load", p.max_load.to_string(), None);
    if p.min_load > 0 {
        push("min_load", p.min_load.to_string(), None);
    }
    if p.avoid_same_institution {
        push("avoid_same_institution", "true".into(), None);
    }
    if p.coauthor_hops > 0 {
        let years = p
            .coauthor_years
            .map(|y| format!(" / {y}"))
            .unwrap_or_default();
        push("coauthor_hops", format!("{}{years}", p.coauthor_hops), None);
    }
    if let Some(m) = p.min_affinity {
        push("min_affinity", lang::num(m), None);
    }
    if p.min_senior > 0 {
        push(
            "min_senior",
            format!("{} ({})", p.min_senior, p.senior_titles.join(", ")),
            None,
        );
    }
    if p.cover_fields {
        push("cover_fields", "true".into(), None);
    }
    if let Some(s) = p.min_outside_share_round.filter(|&s| s > 0.0) {
        push("min_outside_share_round", lang::num(s), None);
    }
    for (city, &s) in &p.min_outside_share_by_city {
        if s > 0.0 {
            push(
                "min_outside_share_by_city",
                lang::num(s),
                Some(city.clone()),
            );
        }
    }
    if let Some(c) = p.max_copanel {
        push("max_copanel", c.to_string(), None);
    }
    if p.bonus_per_city > 0.0 {
        push("bonus_per_city", lang::num(p.bonus_per_city), None);
    }
    history_rules(p, &mut push);
    programme_rules(inst, &mut out);
    out
}

/// The history rules in force (SPEC "History (yearly rounds)").
fn history_rules(p: &crate::model::Policy, push: &mut impl FnMut(&str, String, Option<String>)) {
    if !p.history_rules_on() {
        return;
    }
    if let Some(y) = p.year {
        push("year", y.to_string(), None);
    }
    push("history_years", p.history_years.to_string(), None);
    if !p.avoid_repeat.is_off() {
        push("avoid_repeat", p.avoid_repeat.as_str().into(), None);
        if let Some(m) = p.repeat_penalty_micro() {
            push(
                "repeat_penalty",
                lang::num(crate::model::total_as_f64(m)),
                None,
            );
        }
    }
    if let Some(c) = p.max_reviews_per_year {
        push("max_reviews_per_year", c.to_string(), None);
    }
    if let Some(c) = p.max_consecutive_years.filter(|&c| c > 0) {
        push("max_consecutive_years", c.to_string(), None);
    }
    if let Some(c) = p.max_declines {
        push("max_declines", c.to_string(), None);
    }
    if let Some(m) = p.min_rating {
        push("min_rating", lang::num(m), None);
    }
}

/// Every override of `policy.programmes`, programme by programme (in the
/// instance's programme order), fields in SPEC order.
fn programme_rules(inst: &Instance, out: &mut Vec<RuleInForce>) {
    for (i, name) in inst.programmes.names().iter().enumerate() {
        let Some(r) = inst.rules_of_programme(crate::model::ProgIx(i as u32)) else {
            continue;
        };
        let fields: [(&str, Option<String>); 9] = [
            ("panel_size", r.panel_size.map(|v| v.to_string())),
            ("min_outside_share", r.min_outside_share.map(lang::num)),
            ("min_outside", r.min_outside.map(|v| v.to_string())),
            ("max_per_city", r.max_per_city.map(|v| v.to_string())),
            (
                "max_per_institution",
                r.max_per_institution.map(|v| v.to_string()),
            ),
            (
                "min_senior",
                r.min_senior
                    .map(|v| format!("{v} ({})", inst.policy.senior_titles.join(", "))),
            ),
            ("cover_fields", r.cover_fields.map(|v| v.to_string())),
            ("min_affinity", r.min_affinity.map(lang::num)),
            ("max_load", r.max_load.map(|v| v.to_string())),
        ];
        for (rule, value) in fields {
            if let Some(value) = value {
                out.push(RuleInForce {
                    rule: rule.into(),
                    value,
                    city: None,
                    programme: Some(name.clone()),
                });
            }
        }
    }
}

fn check_figures(panels: &PanelsFile, opts: &ReportOptions, prices: &[FamilyPrice]) -> Check {
    let q = shell_quote;
    let (i, p, r) = (
        q(&opts.instance_label),
        q(&opts.panels_label),
        q(&opts.report_label),
    );
    let mut commands = Vec::new();
    if opts.input_is_file {
        commands.push(format!("sha256sum {i}"));
    } else {
        commands.push(crate::io::directory_sha256_command(&i));
    }
    commands.push(format!("sha256sum {p}"));
    commands.push(format!(
        "panels verify {i} {p}{}",
        if panels.certificate.is_some() {
            " --certificate"
        } else {
            ""
        }
    ));
    match &opts.draw_log {
        Some(given) => {
            let log = q(&given.label);
            if draws::is_draw_log(&given.bytes) {
                commands.push(format!("sha256sum {log}"));
                commands.push(format!("panels draw --replay {log} {i}"));
            } else if replaces::read(&given.bytes).is_ok() {
                commands.push(format!("sha256sum {log}"));
                commands.push(format!("panels replace --replay {log}"));
            }
            commands.push(format!("panels report --check {r} {i} {p} --log {log}"));
        }
        None => commands.push(format!("panels report --check {r} {i} {p}")),
    }
    for fp in prices {
        commands.extend(without_family_commands(&i, fp));
    }
    Check {
        input_sha256: opts.input_sha256.clone(),
        file_input_sha256: panels.input_sha256.clone(),
        panels_sha256: opts.panels_sha256.clone(),
        seed: panels.seed,
        certificate: panels.certificate.is_some(),
        commands,
    }
}

/// The commands that reproduce the side without a priced family with
/// `panels` alone: write the round without the family's rules (the same
/// relaxation, [`Family::relax`]), solve it, and verify the answer (with
/// `--certificate` when the re-solve here had a certificate: its objective
/// and bound are then the table's). `instance` is shell-quoted already.
fn without_family_commands(instance: &str, fp: &FamilyPrice) -> Vec<String> {
    let PriceOutcome::Priced { without, .. } = &fp.outcome else {
        return Vec::new();
    };
    let key = fp.family.key().replace('_', "-");
    let round = format!("without-{key}.json");
    let solved = format!("without-{key}-panels.json");
    vec![
        format!(
            "panels export {instance} --without {} --out {round}",
            fp.family.key()
        ),
        format!("panels solve {round} --out {solved}"),
        format!(
            "panels verify {round} {solved}{}",
            if without.source.ends_with("+certificate") {
                " --certificate"
            } else {
                ""
            }
        ),
    ]
}

/// The report format, by the output's extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportFormat {
    /// `.html` / `.htm`.
    Html,
    /// `.md` / `.markdown`.
    Markdown,
    /// `.json`: the figures alone.
    Json,
}

impl ReportFormat {
    /// The format a file name asks for.
    pub fn from_path(path: &std::path::Path) -> Option<ReportFormat> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "html" | "htm" => Some(ReportFormat::Html),
            "md" | "markdown" => Some(ReportFormat::Markdown),
            "json" => Some(ReportFormat::Json),
            _ => None,
        }
    }
}

/// The figures as pretty JSON (the `.json` report, and the data block of
/// the others), ending in a newline.
pub(crate) fn figures_json(f: &Figures) -> String {
    let mut s = serde_json::to_string_pretty(f).unwrap_or_else(|e| format!("\"{e}\""));
    s.push('\n');
    s
}

/// Renders figures in a format.
pub fn render(f: &Figures, format: ReportFormat) -> String {
    match format {
        ReportFormat::Html => html::render(f),
        ReportFormat::Markdown => markdown::render(f),
        ReportFormat::Json => figures_json(f),
    }
}

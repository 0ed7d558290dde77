//! The optimality certificate, in the model's own terms: LP dual values that
//! a second person can re-check from the instance alone, without the
//! solver or its network.
//!
//! The LP relaxation of the panel problem (scores `s`, all in millionths):
//!
//! ```text
//! max Σ s_ae x_ae
//!   Σ_e x_ae                 = k_a                 (dual u_a, free)
//!   Σ_{e in city c} x_ae     ≤ max_from_city(a,c)  (dual g_ac ≥ 0)
//!   Σ_{e in inst i} x_ae     ≤ max_from_institution(a)  (dual w_ai ≥ 0)
//!   Σ_{a in programme p} x_ae ≤ max_load of p     (dual q_ep ≥ 0)
//!   Σ_a x_ae                 ≤ max_load(e)         (dual v_e ≥ 0)
//!   Σ_a x_ae                 ≥ min_load(e)         (dual m_e ≥ 0)
//!   0 ≤ x_ae ≤ 1, eligible pairs only              (dual z_ae ≥ 0)
//! ```
//!
//! For any `u, g, w, v, m` (with the signs above), setting
//! `z_ae = max(0, s_ae − u_a − g_{a,c(e)} − w_{a,i(e)} − q_{e,p(a)} − v_e + m_e)`
//! makes a feasible dual, so
//!
//! ```text
//! D = Σ k_a u_a + Σ cap·g + Σ cap·w + Σ max_load_p·q + Σ max_load·v − Σ min_load·m + Σ z
//! ```
//!
//! (`s_ae` is the pair's score after any repeat penalty; the programme rows
//! exist only for programmes that set `max_load`.)
//!
//! is an upper bound on every assignment's total score (weak duality). When
//! `D` equals the objective of an assignment, that assignment is optimal:
//! that is what `status: optimal` claims and `verify --certificate` checks.
//! Every number is an integer in millionths, so the check is exact.
//!
//! **Invariant:** this module is data and arithmetic over the model only; it
//! never imports the flow solver, so `verify` can use it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::eligibility::overlap::{ScanScratch, ScoreIndex};
use crate::eligibility::Eligibility;
use crate::model::{AppIx, ExpertIx, Instance, SCORE_SCALE};

/// LP dual values proving a bound on the objective. All values in
/// millionths of a score point.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DualCertificate {
    /// Units of every value (always 1,000,000: millionths).
    pub scale: i64,
    /// One entry per application with a non-zero dual, input order.
    pub applications: Vec<ApplicationDual>,
    /// One entry per expert with a non-zero dual, input order.
    pub experts: Vec<ExpertDual>,
    /// The bound `D` these duals prove, in millionths (informative; the
    /// checker recomputes it).
    pub dual_objective: i64,
}

/// Duals of one application's rows.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplicationDual {
    /// Application id.
    pub application: String,
    /// `u_a`: dual of the panel-size row.
    pub panel: i64,
    /// `g_ac` by city name (non-zero only): duals of the city caps.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub cities: BTreeMap<String, i64>,
    /// `w_ai` by institution name (non-zero only): duals of the institution caps.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub institutions: BTreeMap<String, i64>,
}

/// Duals of one expert's load rows.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpertDual {
    /// Expert id.
    pub expert: String,
    /// `v_e ≥ 0`: dual of the `max_load` row.
    #[serde(default)]
    pub max_load: i64,
    /// `m_e ≥ 0`: dual of the `min_load` row.
    #[serde(default)]
    pub min_load: i64,
    /// `q_ep ≥ 0` by programme name (non-zero only): duals of the
    /// per-programme `max_load` rows.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub programmes: BTreeMap<String, i64>,
}

/// Duals resolved to dense indices: what [`dual_bound`] evaluates.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Duals {
    /// `u_a` per application.
    pub panel: Vec<i64>,
    /// `g_ac` per application, by city index.
    pub city: Vec<BTreeMap<u32, i64>>,
    /// `w_ai` per application, by institution index.
    pub institution: Vec<BTreeMap<u32, i64>>,
    /// `v_e` per expert.
    pub max_load: Vec<i64>,
    /// `m_e` per expert.
    pub min_load: Vec<i64>,
    /// `q_ep` per expert, by programme index (programmes with `max_load`).
    pub programme: Vec<BTreeMap<u32, i64>>,
}

/// What is wrong with a certificate.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum CertificateProblem {
    /// A dual that must be non-negative is negative.
    #[error("{row}: dual {value} is negative (must be ≥ 0)")]
    NegativeDual {
        /// The row, in words.
        row: String,
        /// The value.
        value: i64,
    },
    /// An id or name that the instance does not have.
    #[error("certificate names unknown {what} {name}")]
    Unknown {
        /// "application", "expert", "city" or "institution".
        what: &'static str,
        /// The name.
        name: String,
    },
    /// The scale is not millionths.
    #[error("certificate scale is {0}, expected {SCORE_SCALE}")]
    Scale(i64),
    /// Sums left the safe range.
    #[error("certificate values are too large to evaluate exactly")]
    Overflow,
}

impl DualCertificate {
    /// Resolves names to indices and checks signs.
    pub fn resolve(&self, inst: &Instance) -> Result<Duals, CertificateProblem> {
        if self.scale != SCORE_SCALE {
            return Err(CertificateProblem::Scale(self.scale));
        }
        let n_apps = inst.applications.len();
        let n_exp = inst.experts.len();
        let mut d = Duals {
            panel: vec![0; n_apps],
            city: vec![BTreeMap::new(); n_apps],
            institution: vec![BTreeMap::new(); n_apps],
            max_load: vec![0; n_exp],
            min_load: vec![0; n_exp],
            programme: vec![BTreeMap::new(); n_exp],
        };
        let index = inst.app_index();
        for ad in &self.applications {
            let a =
                *index
                    .get(ad.application.as_str())
                    .ok_or_else(|| CertificateProblem::Unknown {
                        what: "application",
                        name: ad.application.clone(),
                    })?;
            d.panel[a.ix()] = ad.panel;
            for (name, &g) in &ad.cities {
                let c = inst
                    .cities
                    .get(name)
                    .ok_or_else(|| CertificateProblem::Unknown {
                        what: "city",
                        name: name.clone(),
                    })?;
                non_negative(g, || format!("{} city cap {}", ad.application, name))?;
                d.city[a.ix()].insert(c, g);
            }
            for (name, &w) in &ad.institutions {
                let i = inst
                    .institutions
                    .get(name)
                    .ok_or_else(|| CertificateProblem::Unknown {
                        what: "institution",
                        name: name.clone(),
                    })?;
                non_negative(w, || format!("{} institution cap {}", ad.application, name))?;
                d.institution[a.ix()].insert(i, w);
            }
        }
        for ed in &self.experts {
            let e = inst
                .expert_by_id(&ed.expert)
                .ok_or_else(|| CertificateProblem::Unknown {
                    what: "expert",
                    name: ed.expert.clone(),
                })?;
            non_negative(ed.max_load, || format!("{} max_load", ed.expert))?;
            non_negative(ed.min_load, || format!("{} min_load", ed.expert))?;
            d.max_load[e.ix()] = ed.max_load;
            d.min_load[e.ix()] = ed.min_load;
            for (name, &q) in &ed.programmes {
                let p = inst
                    .programmes
                    .get(name)
                    .filter(|&p| inst.programme_max_load(crate::model::ProgIx(p)).is_some())
                    .ok_or_else(|| CertificateProblem::Unknown {
                        what: "programme with max_load",
                        name: name.clone(),
                    })?;
                non_negative(q, || format!("{} max_load in {}", ed.expert, name))?;
                d.programme[e.ix()].insert(p, q);
            }
        }
        Ok(d)
    }
}

fn non_negative(v: i64, row: impl FnOnce() -> String) -> Result<(), CertificateProblem> {
    if v < 0 {
        Err(CertificateProblem::NegativeDual {
            row: row(),
            value: v,
        })
    } else {
        Ok(())
    }
}

/// The bound `D` proven by `duals` (see the module docs), in millionths.
///
/// Complexity: O(applications × experts) eligibility checks.
pub fn dual_bound(
    inst: &Instance,
    elig: &Eligibility,
    duals: &Duals,
) -> Result<i128, CertificateProblem> {
    let mut d: i128 = 0;
    for a in inst.app_ixs() {
        let ai = a.ix();
        d += i128::from(inst.panel_size(a)) * i128::from(duals.panel[ai]);
        for (&c, &g) in &duals.city[ai] {
            d += i128::from(inst.max_from_city(a, crate::model::CityIx(c))) * i128::from(g);
        }
        let inst_cap = i128::from(inst.max_from_institution(a));
        for &w in duals.institution[ai].values() {
            d += inst_cap * i128::from(w);
        }
        for e in inst.expert_ixs() {
            if let Some(s) = elig.eligible_score(inst, a, e) {
                d += pair_slack(inst, duals, a, e, s.0).max(0);
            }
        }
    }
    d += expert_terms(inst, duals);
    if d.abs() > i128::from(i64::MAX) {
        return Err(CertificateProblem::Overflow);
    }
    Ok(d)
}

/// The expert rows' part of `D`: `Σ max_load·v − Σ min_load·m + Σ
/// max_load_p·q`.
fn expert_terms(inst: &Instance, duals: &Duals) -> i128 {
    let mut d: i128 = 0;
    for e in inst.expert_ixs() {
        d += i128::from(inst.max_load(e)) * i128::from(duals.max_load[e.ix()]);
        d -= i128::from(inst.min_load(e)) * i128::from(duals.min_load[e.ix()]);
        for (&p, &q) in &duals.programme[e.ix()] {
            let cap = inst
                .programme_max_load(crate::model::ProgIx(p))
                .unwrap_or(0);
            d += i128::from(cap) * i128::from(q);
        }
    }
    d
}

/// Above this many applications × experts, [`dual_bound_fast`] uses the
/// score index instead of enumerating every pair.
pub const ENUMERATE_PAIRS: usize = 20_000_000;

/// The bound `D` proven by `duals`, exactly as [`dual_bound`] computes it,
/// without enumerating applications × experts when the round is large.
///
/// `D` needs `Σ max(0, slack)` over every eligible pair. Per application,
/// the [`ScoreIndex`] reports the experts whose score may differ from its
/// base score `s0` (0 for computed scores, `default_affinity` with an
/// affinity list); those are summed exactly. Every other eligible pair
/// scores `s0`, so its slack is at most `s0 − u_a − μ` with `μ` the least
/// `v_e` over experts with `m_e = 0` (the `g, w ≥ 0` terms only lower it).
/// When that is ≤ 0 they add nothing, proven without enumeration;
/// otherwise every expert of that application is summed exactly. Experts
/// with `m_e > 0` are always summed exactly. The result is the same number
/// as the full enumeration, at the cost of the index scans.
///
/// Complexity: O(Σ_a scan(a) + A·|{e : m_e > 0}| + E per application
/// failing the test); [`dual_bound`] for rounds of at most
/// [`ENUMERATE_PAIRS`] pairs.
pub fn dual_bound_fast(
    inst: &Instance,
    elig: &Eligibility,
    duals: &Duals,
) -> Result<i128, CertificateProblem> {
    if inst.applications.len().saturating_mul(inst.experts.len()) <= ENUMERATE_PAIRS {
        dual_bound(inst, elig, duals)
    } else {
        dual_bound_indexed(inst, elig, duals)
    }
}

/// The index path of [`dual_bound_fast`], whatever the size (public so
/// that tests can hold it to [`dual_bound`]).
pub fn dual_bound_indexed(
    inst: &Instance,
    elig: &Eligibility,
    duals: &Duals,
) -> Result<i128, CertificateProblem> {
    let index = ScoreIndex::new(inst);
    let base = index.base();
    let floor: Vec<ExpertIx> = inst
        .expert_ixs()
        .filter(|e| duals.min_load[e.ix()] != 0)
        .collect();
    let mu: i128 = inst
        .expert_ixs()
        .filter(|e| duals.min_load[e.ix()] == 0)
        .map(|e| i128::from(duals.max_load[e.ix()]))
        .min()
        .unwrap_or(i128::from(i64::MAX));
    let mut scratch = ScanScratch::new(inst.experts.len());
    let mut reported = vec![u32::MAX; inst.experts.len()];
    let mut d: i128 = 0;
    for a in inst.app_ixs() {
        let ai = a.ix();
        let mark = a.0;
        d += i128::from(inst.panel_size(a)) * i128::from(duals.panel[ai]);
        for (&c, &g) in &duals.city[ai] {
            d += i128::from(inst.max_from_city(a, crate::model::CityIx(c))) * i128::from(g);
        }
        let inst_cap = i128::from(inst.max_from_institution(a));
        for &w in duals.institution[ai].values() {
            d += inst_cap * i128::from(w);
        }
        index.scan(inst, elig.scorer(), a, &mut scratch, |e, s| {
            reported[e.ix()] = mark;
            if let Some(s) = elig.eligible_given(inst, a, e, s) {
                d += pair_slack(inst, duals, a, e, s.0).max(0);
            }
        });
        if elig.min_affinity(a).is_some_and(|m| base < m) {
            continue;
        }
        // Penalties and programme duals only lower a pair's slack.
        let all = i128::from(base.0) - i128::from(duals.panel[ai]) - mu > 0;
        let mut add = |e: ExpertIx| {
            if reported[e.ix()] != mark {
                if let Some(s) = elig.eligible_given(inst, a, e, base) {
                    d += pair_slack(inst, duals, a, e, s.0).max(0);
                }
            }
        };
        if all {
            inst.expert_ixs().for_each(&mut add);
        } else {
            floor.iter().copied().for_each(&mut add);
        }
    }
    d += expert_terms(inst, duals);
    if d.abs() > i128::from(i64::MAX) {
        return Err(CertificateProblem::Overflow);
    }
    Ok(d)
}

/// `s − u_a − g − w − q − v_e + m_e` for one pair: positive means the
/// pair's dual constraint needs `z` (or, in pricing, that the pair could
/// improve the objective).
pub fn pair_slack(inst: &Instance, duals: &Duals, a: AppIx, e: ExpertIx, score: i64) -> i128 {
    let ex = &inst.experts[e.ix()];
    let g = duals.city[a.ix()].get(&ex.city.0).copied().unwrap_or(0);
    let w = duals.institution[a.ix()]
        .get(&ex.institution.0)
        .copied()
        .unwrap_or(0);
    let q = match (
        &duals.programme[e.ix()],
        inst.applications[a.ix()].programme,
    ) {
        (m, Some(p)) if !m.is_empty() => m.get(&p.0).copied().unwrap_or(0),
        _ => 0,
    };
    i128::from(score)
        - i128::from(duals.panel[a.ix()])
        - i128::from(g)
        - i128::from(w)
        - i128::from(q)
        - i128::from(duals.max_load[e.ix()])
        + i128::from(duals.min_load[e.ix()])
}

impl Duals {
    /// Writes the duals as a certificate (names instead of indices; zero
    /// entries left out).
    pub fn to_certificate(&self, inst: &Instance, dual_objective: i64) -> DualCertificate {
        let applications = inst
            .app_ixs()
            .filter_map(|a| {
                let ai = a.ix();
                let cities: BTreeMap<String, i64> = self.city[ai]
                    .iter()
                    .filter(|(_, &g)| g != 0)
                    .map(|(&c, &g)| (inst.cities.name(c).to_string(), g))
                    .collect();
                let institutions: BTreeMap<String, i64> = self.institution[ai]
                    .iter()
                    .filter(|(_, &w)| w != 0)
                    .map(|(&i, &w)| (inst.institutions.name(i).to_string(), w))
                    .collect();
                (self.panel[ai] != 0 || !cities.is_empty() || !institutions.is_empty()).then(|| {
                    ApplicationDual {
                        application: inst.applications[ai].id.clone(),
                        panel: self.panel[ai],
                        cities,
                        institutions,
                    }
                })
            })
            .collect();
        let experts = inst
            .expert_ixs()
            .filter_map(|e| {
                let programmes: BTreeMap<String, i64> = self.programme[e.ix()]
                    .iter()
                    .filter(|(_, &q)| q != 0)
                    .map(|(&p, &q)| (inst.programmes.name(p).to_string(), q))
                    .collect();
                (self.max_load[e.ix()] != 0 || self.min_load[e.ix()] != 0 || !programmes.is_empty())
                    .then(|| ExpertDual {
                        expert: inst.experts[e.ix()].id.clone(),
                        max_load: self.max_load[e.ix()],
                        min_load: self.min_load[e.ix()],
                        programmes,
                    })
            })
            .collect();
        DualCertificate {
            scale: SCORE_SCALE,
            applications,
            experts,
            dual_objective,
        }
    }
}

//! Ranked alternates (候补) for each panel: eligible non-members who could
//! take the place of a member who declines, keeping every rule.
//!
//! An alternate `e` for application `a` *may replace* member `m` when the
//! panel with `m` swapped for `e` (and every other panel unchanged) obeys
//! every rule: `e` is eligible for `a` and not on its panel; the panel
//! still has enough outside-city members; `e`'s city and institution stay
//! within their caps; `e`'s load stays within `max_load`; `m`'s load stays
//! at least `min_load`. Alternates are ranked by score (highest first), then
//! input order; each lists the members it may replace.
//!
//! Promotions are checked one at a time: two declines that touch the same
//! expert or the same panel may need `panels replace`, which re-solves.

use std::collections::BTreeMap;

use crate::eligibility::EligiblePairs;
use crate::model::{AppIx, CityIx, ExpertIx, InstIx, Instance, Score};

/// One alternate of a panel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Alternate {
    /// The alternate.
    pub expert: ExpertIx,
    /// Score of (application, alternate).
    pub score: Score,
    /// Members the alternate may replace, in panel order.
    pub replaces: Vec<ExpertIx>,
}

/// The ranked alternates of one panel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PanelAlternates {
    /// The application.
    pub app: AppIx,
    /// How many the policy asks for (`alternates`).
    pub wanted: u32,
    /// The best `wanted` alternates (fewer when the pool has fewer).
    pub alternates: Vec<Alternate>,
    /// How many eligible non-members could be promoted in all.
    pub available: usize,
}

impl PanelAlternates {
    /// True when fewer alternates exist than the policy asks for.
    pub fn is_short(&self) -> bool {
        self.alternates.len() < self.wanted as usize
    }
}

/// Ranks the alternates of every panel (see the module docs).
///
/// `panels[a]` is application `a`'s panel; `pairs` the eligible pairs.
///
/// # Complexity
/// O(Σ_a (eligible experts of a) × k_a) after an O(pairs) load count.
pub fn alternates(
    inst: &Instance,
    pairs: &EligiblePairs,
    panels: &[Vec<ExpertIx>],
    wanted: u32,
) -> Vec<PanelAlternates> {
    let mut load = vec![0u32; inst.experts.len()];
    for p in panels {
        for e in p {
            if let Some(l) = load.get_mut(e.ix()) {
                *l += 1;
            }
        }
    }
    // Reviews per (expert, programme) for programmes with a `max_load`.
    let mut in_programme: BTreeMap<(ExpertIx, u32), u32> = BTreeMap::new();
    for (a, p) in panels.iter().enumerate() {
        if let Some(prog) = crate::history::capped_programme(inst, AppIx(a as u32)) {
            for &e in p {
                *in_programme.entry((e, prog.0)).or_default() += 1;
            }
        }
    }
    inst.app_ixs()
        .map(|a| {
            let panel = panels.get(a.ix()).map(Vec::as_slice).unwrap_or(&[]);
            let mut all = candidates(inst, pairs, a, panel, &load);
            if let Some(prog) = crate::history::capped_programme(inst, a) {
                // An alternate must have room within the programme too.
                let cap = inst.programme_max_load(prog).unwrap_or(0);
                all.retain(|alt| {
                    in_programme
                        .get(&(alt.expert, prog.0))
                        .copied()
                        .unwrap_or(0)
                        < cap
                });
            }
            let available = all.len();
            all.sort_by(|x, y| y.score.cmp(&x.score).then(x.expert.cmp(&y.expert)));
            all.truncate(wanted as usize);
            PanelAlternates {
                app: a,
                wanted,
                alternates: all,
                available,
            }
        })
        .collect()
}

/// Every eligible non-member of `a`'s panel that may replace some member.
fn candidates(
    inst: &Instance,
    pairs: &EligiblePairs,
    a: AppIx,
    panel: &[ExpertIx],
    load: &[u32],
) -> Vec<Alternate> {
    let home = inst.applications[a.ix()].city;
    let q = inst.min_outside(a);
    let inst_cap = inst.max_from_institution(a);
    let city = |e: ExpertIx| inst.experts[e.ix()].city;
    let institution = |e: ExpertIx| inst.experts[e.ix()].institution;
    let outside = panel.iter().filter(|&&m| city(m) != home).count() as u32;
    let mut per_city: BTreeMap<CityIx, u32> = BTreeMap::new();
    let mut per_inst: BTreeMap<InstIx, u32> = BTreeMap::new();
    for &m in panel {
        *per_city.entry(city(m)).or_default() += 1;
        *per_inst.entry(institution(m)).or_default() += 1;
    }
    // Members whose load may drop by one.
    let may_leave: Vec<ExpertIx> = panel
        .iter()
        .copied()
        .filter(|&m| load[m.ix()] > inst.min_load(m))
        .collect();
    let mut out = Vec::new();
    for (&e, &score) in pairs.experts_of(a).iter().zip(pairs.scores_of(a)) {
        if panel.contains(&e) || load[e.ix()] >= inst.max_load(e) {
            continue;
        }
        let (ce, ie) = (city(e), institution(e));
        let replaces: Vec<ExpertIx> = may_leave
            .iter()
            .copied()
            .filter(|&m| {
                let out_after = outside - u32::from(city(m) != home) + u32::from(ce != home);
                let city_after =
                    per_city.get(&ce).copied().unwrap_or(0) - u32::from(city(m) == ce) + 1;
                let inst_after =
                    per_inst.get(&ie).copied().unwrap_or(0) - u32::from(institution(m) == ie) + 1;
                out_after >= q && city_after <= inst.max_from_city(a, ce) && inst_after <= inst_cap
            })
            .collect();
        if !replaces.is_empty() {
            out.push(Alternate {
                expert: e,
                score,
                replaces,
            });
        }
    }
    out
}

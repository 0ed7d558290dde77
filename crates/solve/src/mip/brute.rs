//! Exhaustive search for tiny instances, for tests.
//!
//! [`brute_force`] tries every way to pick each application's panel from its
//! eligible experts and keeps the best assignment that passes every SPEC.md
//! rule and every crossing rule (docs/algorithms.md, "Crossing rules"), checked by plain
//! loops that share nothing with [`super::Model`]'s rows; the objective
//! includes the soft city bonus ([`Instance::panel_bonus`]). It is the reference the MIP (and through it the flow solver) is
//! tested against. It is not a solver: the work is
//! `Π_a C(n_a, k_a)` assignments (n_a eligible experts of application a),
//! fine for ≤ 3 applications and ≤ 6 experts (at most 20³ = 8000), hopeless
//! much beyond.

use crate::eligibility::EligiblePairs;
use crate::model::{AppIx, ExpertIx, Instance};

/// Sizes the exhaustive search is meant for: at most this many applications…
pub const BRUTE_MAX_APPS: usize = 3;
/// …and at most this many experts.
pub const BRUTE_MAX_EXPERTS: usize = 6;

/// The optimum of a tiny instance by exhaustive search: the total score in
/// millionths and one optimal assignment (per [`AppIx`], experts sorted by
/// index), or `None` when no assignment satisfies every rule.
///
/// Among optimal assignments the first in enumeration order is returned
/// (panels as index-sorted combinations, application 0 varying slowest).
///
/// # Arguments
/// `elig` must come from `Eligibility::compute(inst).pairs(inst)`.
///
/// # Complexity
/// `Π_a C(n_a, k_a)` assignments, each checked in O(Σ k_a + experts).
/// Meant for instances within [`BRUTE_MAX_APPS`] × [`BRUTE_MAX_EXPERTS`];
/// it runs on larger ones too, slowly.
pub fn brute_force(inst: &Instance, elig: &EligiblePairs) -> Option<(i64, Vec<Vec<ExpertIx>>)> {
    // Candidate panels per application: every k-subset of its eligible
    // experts that passes the per-panel rules, with its score.
    let mut candidates: Vec<Vec<(i64, Vec<ExpertIx>)>> = Vec::new();
    for a in inst.app_ixs() {
        let k = inst.panel_size(a) as usize;
        let experts = elig.experts_of(a);
        let scores = elig.scores_of(a);
        let mut list = Vec::new();
        for chosen in combinations(experts.len(), k) {
            let panel: Vec<ExpertIx> = chosen.iter().map(|&i| experts[i]).collect();
            if panel_ok(inst, a, &panel) {
                let score =
                    chosen.iter().map(|&i| scores[i].0).sum::<i64>() + inst.panel_bonus(&panel);
                list.push((score, panel));
            }
        }
        if list.is_empty() {
            return None;
        }
        candidates.push(list);
    }

    let mut best: Option<(i64, Vec<usize>)> = None;
    let mut pick = vec![0usize; candidates.len()];
    let mut load = vec![0u32; inst.experts.len()];
    search(inst, &candidates, 0, &mut pick, &mut load, &mut best);
    best.map(|(score, pick)| {
        let panels = pick
            .iter()
            .enumerate()
            .map(|(a, &i)| candidates[a][i].1.clone())
            .collect();
        (score, panels)
    })
}

/// Depth-first over applications; loads are checked at the leaves (and the
/// upper bound on the way down).
fn search(
    inst: &Instance,
    candidates: &[Vec<(i64, Vec<ExpertIx>)>],
    depth: usize,
    pick: &mut Vec<usize>,
    load: &mut Vec<u32>,
    best: &mut Option<(i64, Vec<usize>)>,
) {
    if depth == candidates.len() {
        let loads_ok = inst
            .expert_ixs()
            .all(|e| load[e.ix()] >= inst.min_load(e) && load[e.ix()] <= inst.max_load(e));
        if !loads_ok {
            return;
        }
        let panels: Vec<&[ExpertIx]> = pick
            .iter()
            .enumerate()
            .map(|(a, &i)| candidates[a][i].1.as_slice())
            .collect();
        if !round_ok(inst, &panels)
            || !copanel_ok(inst, &panels)
            || !programme_loads_ok(inst, &panels)
        {
            return;
        }
        let score: i64 = pick
            .iter()
            .enumerate()
            .map(|(a, &i)| candidates[a][i].0)
            .sum();
        if best.as_ref().is_none_or(|(b, _)| score > *b) {
            *best = Some((score, pick.clone()));
        }
        return;
    }
    for (i, (_, panel)) in candidates[depth].iter().enumerate() {
        let fits = panel.iter().all(|&e| load[e.ix()] < inst.max_load(e));
        if !fits {
            continue;
        }
        for &e in panel {
            load[e.ix()] += 1;
        }
        pick[depth] = i;
        search(inst, candidates, depth + 1, pick, load, best);
        for &e in panel {
            load[e.ix()] -= 1;
        }
    }
}

/// The round-wide outside-city targets, counted by plain loops.
fn round_ok(inst: &Instance, panels: &[&[ExpertIx]]) -> bool {
    for (city, share) in inst.round_outside_targets() {
        let mut total = 0u64;
        let mut outside = 0u64;
        for (a, panel) in panels.iter().enumerate() {
            let app = &inst.applications[a];
            if city.is_some_and(|c| c != app.city) {
                continue;
            }
            total += u64::from(inst.panel_size(AppIx(a as u32)));
            outside += panel
                .iter()
                .filter(|e| inst.experts[e.ix()].city != app.city)
                .count() as u64;
        }
        if (outside as f64) < share * total as f64 - 1e-9 {
            return false;
        }
    }
    true
}

/// Programme `max_load`: each expert's panels within each programme that
/// caps loads, counted by plain loops.
fn programme_loads_ok(inst: &Instance, panels: &[&[ExpertIx]]) -> bool {
    for e in inst.expert_ixs() {
        for p in 0..inst.programmes.len() as u32 {
            let p = crate::model::ProgIx(p);
            let Some(cap) = inst.programme_max_load(p) else {
                continue;
            };
            let within = panels
                .iter()
                .enumerate()
                .filter(|(a, panel)| {
                    inst.applications[*a].programme == Some(p) && panel.contains(&e)
                })
                .count();
            if within > cap as usize {
                return false;
            }
        }
    }
    true
}

/// `max_copanel`: no two experts together on more panels.
fn copanel_ok(inst: &Instance, panels: &[&[ExpertIx]]) -> bool {
    let Some(m) = inst.policy.max_copanel else {
        return true;
    };
    for e in inst.expert_ixs() {
        for f in inst.expert_ixs().filter(|&f| f > e) {
            let together = panels
                .iter()
                .filter(|p| p.contains(&e) && p.contains(&f))
                .count();
            if together > m as usize {
                return false;
            }
        }
    }
    true
}

/// The per-panel rules: outside-city count, city cap, institution cap
/// (SPEC.md), seniority and field coverage (crossing rules). Size and
/// eligibility hold by construction.
fn panel_ok(inst: &Instance, a: AppIx, panel: &[ExpertIx]) -> bool {
    let app = &inst.applications[a.ix()];
    let seniors = panel.iter().filter(|&&e| inst.is_senior(e)).count();
    if seniors < inst.min_senior(a) as usize {
        return false;
    }
    if inst.cover_fields(a) {
        for f in &app.fields {
            if !panel
                .iter()
                .any(|e| inst.experts[e.ix()].fields.contains(f))
            {
                return false;
            }
        }
    }
    let outside = panel
        .iter()
        .filter(|e| inst.experts[e.ix()].city != app.city)
        .count();
    if outside < inst.min_outside(a) as usize {
        return false;
    }
    for &e in panel {
        let ex = &inst.experts[e.ix()];
        if let Some(cap) = inst.max_per_city(a) {
            let same = panel
                .iter()
                .filter(|f| inst.experts[f.ix()].city == ex.city)
                .count();
            if same > cap as usize {
                return false;
            }
        }
        if let Some(cap) = inst.max_per_institution(a) {
            let same = panel
                .iter()
                .filter(|f| inst.experts[f.ix()].institution == ex.institution)
                .count();
            if same > cap as usize {
                return false;
            }
        }
    }
    true
}

/// All k-subsets of `0..n` as ascending index vectors, in lexicographic
/// order. Empty when k > n; one empty subset when k = 0.
fn combinations(n: usize, k: usize) -> Vec<Vec<usize>> {
    let mut out = Vec::new();
    if k > n {
        return out;
    }
    let mut c: Vec<usize> = (0..k).collect();
    loop {
        out.push(c.clone());
        // Find the rightmost position that can still move right.
        let mut i = k;
        loop {
            if i == 0 {
                return out;
            }
            i -= 1;
            if c[i] < n - k + i {
                break;
            }
            if i == 0 {
                return out;
            }
        }
        c[i] += 1;
        for j in i + 1..k {
            c[j] = c[j - 1] + 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::combinations;

    fn binomial(n: usize, k: usize) -> usize {
        (0..k).fold(1, |acc, i| acc * (n - i) / (i + 1))
    }

    #[test]
    fn combinations_are_all_distinct_sorted_subsets() {
        for n in 0..=7 {
            for k in 0..=n + 1 {
                let all = combinations(n, k);
                let expected = if k > n { 0 } else { binomial(n, k) };
                assert_eq!(all.len(), expected, "n={n} k={k}");
                for c in &all {
                    assert_eq!(c.len(), k);
                    assert!(c.windows(2).all(|w| w[0] < w[1]));
                    assert!(c.iter().all(|&i| i < n));
                }
                let mut sorted = all.clone();
                sorted.sort();
                sorted.dedup();
                assert_eq!(sorted, all, "lexicographic and distinct, n={n} k={k}");
            }
        }
    }
}

//! Dependent rounding of a flow on any [`Network`] (module docs of
//! [`crate::draw`], "Dependent rounding keeps every rule").
//!
//! Knows nothing of panels: it takes a flow in units of `1/D` whose node
//! balances are multiples of `D` and returns an integral flow (in whole
//! units) that keeps every arc at the floor or ceiling of its value, keeps
//! conservation, and has the given flow as its expectation.

use std::fmt;

use rand::{Rng, RngExt};

use crate::flow::{ArcId, Network};

/// The flow handed to [`dependent_round`] broke its precondition: a bug in
/// the caller, reported rather than panicked on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoundError(pub String);

impl fmt::Display for RoundError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "dependent rounding: {}", self.0)
    }
}

impl std::error::Error for RoundError {}

const NONE: u32 = u32::MAX;

/// Rounds `flow` (units of `1/d` on the arcs of `net`) to an integral flow.
///
/// # Arguments
/// `net` gives the arcs' ends (bounds are not read: every arc ends at the
/// floor or ceiling of its value, so integral bounds that held keep
/// holding); `flow[a]` is arc `a`'s flow times `d`; at every node the net
/// outflow must be a multiple of `d`; `rng` supplies the randomness.
///
/// # Returns
/// The integral flow (in whole units: `result[a] ∈ {⌊flow[a]/d⌋,
/// ⌈flow[a]/d⌉}`, with `E[result[a]] = flow[a]/d`) and the number of
/// cycles rounded.
///
/// # Complexity
/// At most one cycle per fractional arc; the search keeps its path across
/// cycles, so the total work is O(n + m + Σ cycle lengths).
pub fn dependent_round<R: Rng + ?Sized>(
    net: &Network,
    flow: &[i64],
    d: i64,
    rng: &mut R,
) -> Result<(Vec<i64>, usize), RoundError> {
    if d <= 0 {
        return Err(RoundError(format!("denominator {d} is not positive")));
    }
    if flow.len() != net.num_arcs() {
        return Err(RoundError("flow length differs from the arc count".into()));
    }
    let mut f = flow.to_vec();
    let frac = |f: &[i64], a: u32| f[a as usize].rem_euclid(d) != 0;

    // Fractional arcs at each node (self-loops rounded on their own).
    let mut adj: Vec<Vec<u32>> = vec![Vec::new(); net.num_nodes()];
    for a in net.arcs() {
        if !frac(&f, a.0) {
            continue;
        }
        let (u, v) = (net.source(a), net.target(a));
        if u == v {
            let r = f[a.index()].rem_euclid(d);
            let up = rng.random_range(0..d) < r;
            f[a.index()] += if up { d - r } else { -r };
            continue;
        }
        adj[u.index()].push(a.0);
        adj[v.index()].push(a.0);
    }

    let mut pos = vec![NONE; net.num_nodes()];
    let mut path_nodes: Vec<u32> = Vec::new();
    let mut path_arcs: Vec<u32> = Vec::new();
    let mut next_start = 0u32;
    let mut steps = 0usize;
    let m = net.num_arcs() as u32;
    loop {
        if path_nodes.is_empty() {
            while next_start < m && !frac(&f, next_start) {
                next_start += 1;
            }
            if next_start == m {
                break;
            }
            let s = net.source(ArcId(next_start)).0;
            pos[s as usize] = 0;
            path_nodes.push(s);
        }
        let v = *path_nodes.last().expect("path is not empty");
        let came_by = path_arcs.last().copied();
        // The next fractional arc at v other than the one we came by;
        // integral arcs are dropped from the list as they are met.
        let list = &mut adj[v as usize];
        let mut i = 0;
        let mut next = None;
        while i < list.len() {
            let b = list[i];
            if !frac(&f, b) {
                list.swap_remove(i);
            } else if Some(b) == came_by {
                i += 1;
            } else {
                next = Some(b);
                break;
            }
        }
        let Some(b) = next else {
            if came_by.is_none() {
                // A start node whose arcs are all integral now.
                pos[v as usize] = NONE;
                path_nodes.pop();
                continue;
            }
            return Err(RoundError(format!(
                "node {v} has exactly one fractional arc: its balance is not a multiple of {d}"
            )));
        };
        let (s, t) = (net.source(ArcId(b)).0, net.target(ArcId(b)).0);
        let w = if s == v { t } else { s };
        let at = pos[w as usize];
        if at == NONE {
            pos[w as usize] = path_nodes.len() as u32;
            path_nodes.push(w);
            path_arcs.push(b);
            continue;
        }
        // A cycle: path_nodes[at..] then back to w by b.
        let at = at as usize;
        let mut cycle: Vec<(u32, bool)> = Vec::with_capacity(path_arcs.len() - at + 1);
        for j in at..path_arcs.len() {
            let a = path_arcs[j];
            cycle.push((a, net.source(ArcId(a)).0 == path_nodes[j]));
        }
        cycle.push((b, s == v));
        round_cycle(&mut f, &cycle, d, rng);
        steps += 1;
        for &n in &path_nodes[at + 1..] {
            pos[n as usize] = NONE;
        }
        path_nodes.truncate(at + 1);
        path_arcs.truncate(at);
    }
    let mut out = Vec::with_capacity(f.len());
    for (a, &x) in f.iter().enumerate() {
        if x.rem_euclid(d) != 0 {
            return Err(RoundError(format!("arc {a} is still fractional")));
        }
        out.push(x.div_euclid(d));
    }
    Ok((out, steps))
}

/// Pushes `+α` or `−β` around one cycle (`forward` arcs in the direction of
/// travel), with probabilities `β/(α+β)` and `α/(α+β)`.
fn round_cycle<R: Rng + ?Sized>(f: &mut [i64], cycle: &[(u32, bool)], d: i64, rng: &mut R) {
    let mut alpha = i64::MAX;
    let mut beta = i64::MAX;
    for &(a, forward) in cycle {
        let r = f[a as usize].rem_euclid(d);
        let (up, down) = if forward { (d - r, r) } else { (r, d - r) };
        alpha = alpha.min(up);
        beta = beta.min(down);
    }
    let theta = if rng.random_range(0..alpha + beta) < beta {
        alpha
    } else {
        -beta
    };
    for &(a, forward) in cycle {
        f[a as usize] += if forward { theta } else { -theta };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    /// s → {x, y, z} → t, one unit over three parallel paths at 1/3 each.
    fn three_paths() -> (Network, Vec<i64>) {
        let mut net = Network::new();
        let s = net.add_node();
        let t = net.add_node();
        net.set_supply(s, 3);
        net.set_supply(t, -3);
        let mut flow = Vec::new();
        for _ in 0..3 {
            let m = net.add_node();
            net.add_arc(s, m, 0, 1, 0);
            net.add_arc(m, t, 0, 1, 0);
            flow.extend([1, 1]);
        }
        (net, flow)
    }

    #[test]
    fn keeps_conservation_and_expectation() {
        let (net, flow) = three_paths();
        let mut counts = [0u32; 3];
        let n = 3000;
        for seed in 0..n {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let (x, _) = dependent_round(&net, &flow, 3, &mut rng).unwrap();
            assert_eq!(x.iter().step_by(2).sum::<i64>(), 1, "one unit leaves s");
            for (i, pair) in x.chunks(2).enumerate() {
                assert_eq!(pair[0], pair[1], "conservation at the middle node");
                counts[i] += pair[0] as u32;
            }
        }
        // Each path is chosen with probability 1/3; Hoeffding with
        // n = 3000 gives |freq − 1/3| < 0.05 except with probability
        // 2·exp(−2·3000·0.05²) ≈ 6e-7 per path.
        for c in counts {
            assert!(
                (f64::from(c) / n as f64 - 1.0 / 3.0).abs() < 0.05,
                "{counts:?}"
            );
        }
    }

    #[test]
    fn integral_flows_are_left_alone() {
        let (net, _) = three_paths();
        let flow = vec![3, 3, 0, 0, 0, 0];
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let (x, steps) = dependent_round(&net, &flow, 3, &mut rng).unwrap();
        assert_eq!((x, steps), (vec![1, 1, 0, 0, 0, 0], 0));
    }

    #[test]
    fn a_lone_fractional_arc_is_an_error_not_a_panic() {
        let (net, _) = three_paths();
        let flow = vec![1, 0, 0, 0, 0, 0];
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        assert!(dependent_round(&net, &flow, 3, &mut rng).is_err());
    }
}

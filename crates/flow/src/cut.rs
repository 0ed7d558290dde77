//! Infeasibility explained: a minimum cut that shows why the supplies cannot
//! be routed. Computed by Dinic's max-flow on the network with lower bounds
//! shifted into the supplies; independent of the simplex in
//! [`super::simplex`], which only says *that* the problem is infeasible.

use super::{FlowError, Network, NodeId};

/// A set of nodes `X` (the *source side*) whose supply cannot get out.
///
/// # What it means
/// Any feasible flow would have to send `Σ_{v∈X} supply(v)` units out of
/// `X` net; but at most `Σ upper(a)` can leave over arcs from `X` to the
/// rest, and at least `Σ lower(a)` must come in over arcs from the rest into
/// `X`. For this cut
///
/// ```text
/// shortfall = Σ_{v∈X} supply(v) − Σ_{a: X→rest} upper(a) + Σ_{a: rest→X} lower(a) > 0
/// ```
///
/// ([`Cut::violation`] recomputes the right-hand side), which proves that no
/// feasible flow exists (Hoffman's circulation theorem: some such set exists
/// whenever none does). It is a *minimum* cut: `shortfall` is the least
/// amount of supply that must go unrouted, `Σ b'⁺ − maxflow` where `b'` are
/// the supplies after shifting lower bounds.
///
/// `X` is the set of nodes reachable, in the residual graph of a maximum
/// flow, from a super-source joined to every node with positive shifted
/// supply. In that maximum flow, arcs from `X` to the rest are at their
/// upper bound and arcs from the rest into `X` at their lower bound, so a
/// caller can name the binding arcs as the full ones leaving `X`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cut {
    /// `true` for nodes in `X`, indexed by [`NodeId`].
    pub source_side: Vec<bool>,
    /// Supply that cannot be routed (always `> 0`).
    pub shortfall: i64,
}

impl Cut {
    /// Whether node `n` is on the source side.
    pub fn contains(&self, n: NodeId) -> bool {
        self.source_side[n.index()]
    }

    /// `Σ_{v∈X} supply(v) − Σ_{a: X→rest} upper(a) + Σ_{a: rest→X} lower(a)`:
    /// the excess of what must leave `X` over what can. Equals
    /// [`Cut::shortfall`] for a cut returned by this module.
    ///
    /// # Panics
    /// If the cut was made for a network with fewer nodes.
    pub fn violation(&self, net: &Network) -> i128 {
        let mut d: i128 = 0;
        for v in net.nodes() {
            if self.contains(v) {
                d += i128::from(net.supply(v));
            }
        }
        for a in net.arcs() {
            match (self.contains(net.source(a)), self.contains(net.target(a))) {
                (true, false) => d -= i128::from(net.upper(a)),
                (false, true) => d += i128::from(net.lower(a)),
                _ => {}
            }
        }
        d
    }
}

/// Decides feasibility by max-flow and returns a minimum [`Cut`] when the
/// supplies cannot be routed, `None` when they can.
///
/// # Returns
/// `Ok(None)` if a feasible flow exists, `Ok(Some(cut))` if not, or the
/// validation error of [`Network::validate`].
///
/// # Complexity
/// Dinic's algorithm: O(n²·m) worst case, far less in practice; O(n + m)
/// memory.
pub fn feasibility_cut(net: &Network) -> Result<Option<Cut>, FlowError> {
    net.validate()?;
    let n = net.num_nodes();
    let (s0, t0, lo, up) = (net.sources(), net.targets(), net.lowers(), net.uppers());
    let mut b: Vec<i64> = net.supplies().to_vec();
    let mut edges: Vec<(u32, u32, i64)> = Vec::with_capacity(s0.len() + n);
    for a in 0..s0.len() {
        if s0[a] == t0[a] {
            continue;
        }
        b[s0[a] as usize] -= lo[a];
        b[t0[a] as usize] += lo[a];
        if up[a] > lo[a] {
            edges.push((s0[a], t0[a], up[a] - lo[a]));
        }
    }
    let (ss, tt) = (n as u32, n as u32 + 1);
    let mut demand: i64 = 0;
    for (v, &bv) in b.iter().enumerate() {
        if bv > 0 {
            edges.push((ss, v as u32, bv));
            demand += bv;
        } else if bv < 0 {
            edges.push((v as u32, tt, -bv));
        }
    }
    let mut g = Dinic::new(n + 2, &edges);
    let routed = g.max_flow(ss, tt);
    if routed == demand {
        return Ok(None);
    }
    let reach = g.reachable(ss);
    Ok(Some(Cut {
        source_side: reach[..n].to_vec(),
        shortfall: demand - routed,
    }))
}

/// Residual graph in CSR form, each edge with its twin.
struct Dinic {
    start: Vec<usize>,
    to: Vec<u32>,
    cap: Vec<i64>,
    twin: Vec<usize>,
    level: Vec<i32>,
    it: Vec<usize>,
}

impl Dinic {
    fn new(nodes: usize, edges: &[(u32, u32, i64)]) -> Self {
        let mut start = vec![0usize; nodes + 1];
        for &(u, v, _) in edges {
            start[u as usize + 1] += 1;
            start[v as usize + 1] += 1;
        }
        for i in 0..nodes {
            start[i + 1] += start[i];
        }
        let total = start[nodes];
        let mut fill = start.clone();
        let mut to = vec![0u32; total];
        let mut cap = vec![0i64; total];
        let mut twin = vec![0usize; total];
        for &(u, v, c) in edges {
            let f = fill[u as usize];
            fill[u as usize] += 1;
            let r = fill[v as usize];
            fill[v as usize] += 1;
            to[f] = v;
            cap[f] = c;
            twin[f] = r;
            to[r] = u;
            twin[r] = f;
        }
        Dinic {
            start,
            to,
            cap,
            twin,
            level: vec![-1; nodes],
            it: vec![0; nodes],
        }
    }

    fn bfs(&mut self, s: u32, t: u32) -> bool {
        self.level.fill(-1);
        self.level[s as usize] = 0;
        let mut queue = vec![s];
        let mut head = 0;
        while head < queue.len() {
            let u = queue[head] as usize;
            head += 1;
            for e in self.start[u]..self.start[u + 1] {
                let v = self.to[e] as usize;
                if self.cap[e] > 0 && self.level[v] < 0 {
                    self.level[v] = self.level[u] + 1;
                    queue.push(v as u32);
                }
            }
        }
        self.level[t as usize] >= 0
    }

    /// Blocking flow by iterative DFS along level-increasing edges.
    fn blocking(&mut self, s: u32, t: u32) -> i64 {
        let mut total = 0i64;
        let mut path: Vec<usize> = Vec::new();
        let mut u = s as usize;
        loop {
            if u == t as usize {
                let f = path.iter().map(|&e| self.cap[e]).min().unwrap_or(0);
                for &e in &path {
                    self.cap[e] -= f;
                    self.cap[self.twin[e]] += f;
                }
                total += f;
                let k = path.iter().position(|&e| self.cap[e] == 0).unwrap_or(0);
                path.truncate(k);
                u = match path.last() {
                    Some(&e) => self.to[e] as usize,
                    None => s as usize,
                };
                continue;
            }
            let mut advanced = false;
            while self.it[u] < self.start[u + 1] {
                let e = self.it[u];
                let v = self.to[e] as usize;
                if self.cap[e] > 0 && self.level[v] == self.level[u] + 1 {
                    path.push(e);
                    u = v;
                    advanced = true;
                    break;
                }
                self.it[u] += 1;
            }
            if !advanced {
                match path.pop() {
                    None => return total,
                    Some(e) => {
                        u = self.to[self.twin[e]] as usize;
                        self.it[u] += 1;
                    }
                }
            }
        }
    }

    fn max_flow(&mut self, s: u32, t: u32) -> i64 {
        let mut total = 0;
        while self.bfs(s, t) {
            let k = self.it.len();
            self.it.copy_from_slice(&self.start[..k]);
            total += self.blocking(s, t);
        }
        total
    }

    fn reachable(&self, s: u32) -> Vec<bool> {
        let mut seen = vec![false; self.level.len()];
        seen[s as usize] = true;
        let mut stack = vec![s as usize];
        while let Some(u) = stack.pop() {
            for e in self.start[u]..self.start[u + 1] {
                let v = self.to[e] as usize;
                if self.cap[e] > 0 && !seen[v] {
                    seen[v] = true;
                    stack.push(v);
                }
            }
        }
        seen
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bottleneck_arc_is_named_by_the_cut() {
        // s → a (cap 2) → t, but 3 units must go.
        let mut net = Network::new();
        let s = net.add_node();
        let a = net.add_node();
        let t = net.add_node();
        net.set_supply(s, 3);
        net.set_supply(t, -3);
        net.add_arc(s, a, 0, 5, 0);
        net.add_arc(a, t, 0, 2, 0);
        let cut = feasibility_cut(&net).unwrap().unwrap();
        assert_eq!(cut.shortfall, 1);
        assert_eq!(cut.source_side, vec![true, true, false]);
        assert_eq!(cut.violation(&net), 1);
    }

    #[test]
    fn forced_lower_bound_into_the_source_side_counts() {
        // t → s must carry at least 2, making s's problem worse.
        let mut net = Network::new();
        let s = net.add_node();
        let t = net.add_node();
        net.set_supply(s, 1);
        net.set_supply(t, -1);
        net.add_arc(s, t, 0, 2, 0);
        net.add_arc(t, s, 2, 2, 0);
        let cut = feasibility_cut(&net).unwrap().unwrap();
        assert_eq!(cut.shortfall, 1);
        assert_eq!(cut.violation(&net), 1);
        assert!(matches!(net.solve(), Err(FlowError::Infeasible(c)) if c == cut));
    }

    #[test]
    fn feasible_network_has_no_cut() {
        let mut net = Network::new();
        let s = net.add_node();
        let t = net.add_node();
        net.set_supply(s, 2);
        net.set_supply(t, -2);
        net.add_arc(s, t, 0, 2, 0);
        assert_eq!(feasibility_cut(&net), Ok(None));
    }
}

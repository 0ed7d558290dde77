//! Exact minimum-cost flow: the solver at the heart of `panels`.
//!
//! This module knows nothing about reviewers, applications or cities; it
//! solves the textbook problem on a directed graph with integer data. The
//! encoder (`flow::build`, elsewhere) maps the assignment problem onto a
//! [`Network`] and reads the [`FlowSolution`] back.
//!
//! # The problem
//!
//! Given nodes `v` with supplies `b(v)` (`> 0` produces, `< 0` consumes,
//! `Σ b = 0`) and arcs `a = (u, v)` with bounds `l(a) ≤ u(a)` and cost `c(a)`,
//! find integers `x(a)` that
//!
//! ```text
//! minimise   Σ_a c(a)·x(a)
//! subject to Σ_{a leaves v} x(a) − Σ_{a enters v} x(a) = b(v)   for every node v
//!            l(a) ≤ x(a) ≤ u(a)                                   for every arc a
//! ```
//!
//! # Potentials and reduced costs (the sign convention)
//!
//! A *potential* `π(v)` is a number per node, best read as "what a unit of
//! flow costs at `v`" (shortest-path distances are potentials). The
//! **reduced cost** of an arc `a = (u, v)` is
//!
//! ```text
//! rc(a) = c(a) + π(u) − π(v)
//! ```
//!
//! Reduced costs leave the cost of every cycle unchanged, so they change the
//! objective only by a constant. A feasible flow `x` is optimal exactly when
//! some potential satisfies the **complementary slackness conditions**
//!
//! ```text
//! rc(a) < 0  ⇒  x(a) = u(a)        (a cheap arc is full)
//! rc(a) > 0  ⇒  x(a) = l(a)        (a dear arc is empty)
//! l(a) < x(a) < u(a)  ⇒  rc(a) = 0
//! ```
//!
//! Such a potential is a dual solution and a certificate of optimality,
//! checked independently by [`certify()`]. For *any* potential `π`, the LP dual
//! value (see [`dual_objective`])
//!
//! ```text
//! D(π) = Σ_a min(rc(a)·l(a), rc(a)·u(a)) − Σ_v b(v)·π(v)
//! ```
//!
//! is a lower bound on the optimum (weak duality); it equals the optimum for
//! the potentials returned by [`Network::solve`] (strong duality). The
//! constraint matrix is totally unimodular, so with integer data the LP
//! optimum is attained by an integer flow, and this solver returns one.
//!
//! # The algorithm: primal network simplex
//!
//! The solver ([`simplex`]) is the primal network simplex method, laid out as
//! in LEMON's `NetworkSimplex` (Kelly & O'Neill 1991; Ahuja, Magnanti & Orlin,
//! *Network Flows*, 1993, ch. 11):
//!
//! * **Lower bounds** are removed by sending `l(a)` along every arc first and
//!   shifting the supplies; the solver then works with `0 ≤ x' ≤ u − l`.
//! * **Basis = spanning tree.** An artificial root is joined to every node by
//!   an artificial arc (big-M cost `M = (C+1)(n+1)`, `C` the largest |cost|),
//!   which gives a first feasible tree. Non-tree arcs sit at a bound. Tree
//!   arcs have `rc = 0`, which fixes the potentials. If an artificial arc
//!   still carries flow at the optimum, the supplies cannot be routed
//!   (`M` exceeds the cost of any simple path), and a minimum cut
//!   ([`cut`]) explains why.
//! * **Starting tree.** Nodes with zero shifted supply (transit nodes) are
//!   hung below a neighbour by a real out-arc at flow 0 rather than by their
//!   artificial arc, taken in reverse topological order and choosing the arc
//!   that leaves all their out-arcs with `rc ≥ 0`. On the panel shape this
//!   cuts the number of pivots about sevenfold (143k → 20k at 1000×1500).
//! * **Tree storage** as in LEMON: `parent`, `pred` (the tree arc to the
//!   parent) and its direction, a preorder `thread` with `rev_thread`,
//!   `succ_num` (subtree sizes) and `last_succ` (last node of a subtree in
//!   the preorder). Finding the cycle costs O(depth); re-hanging a subtree
//!   costs O(stem + depth) for the tree arrays (the moved subtree's thread is
//!   spliced in pieces, never walked) plus O(min(moved, rest)) for the
//!   potentials: only differences of potentials matter, so the smaller side
//!   is shifted. Potentials are kept modulo 2^64 (wrapping adds); every
//!   difference the solver reads fits in `i64`, so this is exact, and the
//!   output is normalised to the root.
//! * **Pivot rule: block search.** Arcs are scanned cyclically in blocks of
//!   `⌈√m / 4⌉` arcs (`⌈√m / 10⌉` above 2M arcs; LEMON uses `√m`, but on
//!   panel networks the pivot count barely grows with smaller blocks while
//!   each pivot prices fewer arcs, see `simplex::block_size`); at the end of a block that holds a violating arc
//!   (`rc < 0` at its lower bound, `rc > 0` at its upper bound), the most
//!   violating arc of the block enters. Full pricing (Dantzig) costs O(m) per
//!   pivot; first-eligible makes many poor pivots; block search sits between
//!   and is the most robust rule in LEMON's measurements. Arcs are searched
//!   in a strided order (arc `j` is visited in round `j mod B`) so that one
//!   block samples the whole graph rather than one corner of it.
//! * **Degeneracy.** The tree is kept *strongly feasible* (every node can
//!   send a positive amount to the root along the tree), by taking the last
//!   blocking arc of the cycle in the direction of flow, starting at the
//!   apex. This rules out cycling without any perturbation.
//!
//! **Complexity.** Each pivot costs O(B + depth + smaller side) with `B`
//! the block size; the number of pivots has no good polynomial bound (the
//! method is exponential in the worst case) but in practice grows roughly
//! linearly in the number of nodes. Memory is O(n + m).
//!
//! # Numbers and overflow
//!
//! All data are `i64`. Before solving, [`Network::solve`] checks that
//! `Σ|b| + Σ|l| + Σ(u − l) ≤ 2^62` (so every flow value and every update
//! fits in `i64`) and that `(C + 1)(n + 1) ≤ 2^60` (so every potential and
//! reduced cost fits in `i64`, with the big-M included); otherwise it returns
//! [`FlowError::CostRange`] rather than risk a wrapped result. Objective
//! values are summed in `i128` and cannot overflow under these bounds.
//!
//! # Warm starts
//!
//! [`simplex::Simplex`] keeps the whole basis (tree, states, flows,
//! potentials). A later pricing round that adds arcs keeps it:
//! [`simplex::Simplex::add_arcs`] appends arcs that enter at their lower
//! bound 0 (so the supplies do not move); the old tree is still a feasible,
//! strongly feasible basis and the old potentials price the new arcs, so
//! pivoting simply continues ([`simplex::Simplex::finish`]). The big-M is
//! made for a cost bound given up front ([`simplex::Simplex::with_cost_bound`])
//! so that added arcs stay below it. This also works after an infeasible
//! run: the big-M phase continues with the new arcs.
//!
//! When a run ends infeasible, the minimum cut is read off the simplex's
//! own final flow (a maximum flow, thanks to the big-M) by one residual
//! graph search ([`simplex::Simplex::unrouted_cut`]), checked, with Dinic's
//! max-flow ([`cut`]) as the fallback. Setting `PANELS_DEBUG_FLOW` prints
//! pivot counts of each run on stderr.
//!
//! # Measured
//!
//! `cargo run --release --example flow_bench` on the panel shape (k = 3,
//! five cities, ~100 institutions, every pair eligible), CPU time of one
//! core: 1000×1500 (1.6M arcs, 108k nodes) ≈ 0.2 s including setup;
//! 3000×4500 (14.4M arcs) ≈ 6 s.
//!
//! # Example
//!
//! Two units from `s` to `t`, through `a` (cost 1, room for one) or `b`
//! (cost 3); the optimum uses both, and its potentials prove it:
//!
//! ```
//! use panels_flow::{certify, dual_objective, Network};
//!
//! let mut net = Network::new();
//! let (s, a, b, t) = (net.add_node(), net.add_node(), net.add_node(), net.add_node());
//! net.set_supply(s, 2);
//! net.set_supply(t, -2);
//! let sa = net.add_arc(s, a, 0, 1, 1);
//! net.add_arc(a, t, 0, 2, 0);
//! let sb = net.add_arc(s, b, 0, 2, 3);
//! net.add_arc(b, t, 0, 2, 0);
//! let sol = net.solve()?;
//! assert_eq!(sol.cost, 4);
//! assert_eq!((sol.flow[sa.index()], sol.flow[sb.index()]), (1, 1));
//! certify(&net, &sol)?;
//! assert_eq!(dual_objective(&net, &sol.potential), sol.cost);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![deny(missing_docs)]

pub mod certify;
pub mod cut;
pub mod network;
pub mod simplex;

pub use certify::{certify, dual_objective, CertificateError};
pub use cut::{feasibility_cut, Cut};
pub use network::Network;

use std::fmt;

/// A node of a [`Network`], numbered from 0 in the order of
/// [`Network::add_node`].
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct NodeId(pub u32);

/// An arc of a [`Network`], numbered from 0 in the order of
/// [`Network::add_arc`].
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct ArcId(pub u32);

impl NodeId {
    /// The id as a vector index.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl ArcId {
    /// The id as a vector index.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "node {}", self.0)
    }
}

impl fmt::Display for ArcId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "arc {}", self.0)
    }
}

/// An optimal flow with its certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlowSolution {
    /// Flow on each arc, indexed by [`ArcId`]; within the arc's bounds.
    pub flow: Vec<i64>,
    /// Optimal potential of each node, indexed by [`NodeId`]: with
    /// `rc(a) = cost(a) + potential(from) − potential(to)`, arcs with
    /// `rc < 0` are at their upper bound and arcs with `rc > 0` at their
    /// lower bound (see the module docs).
    pub potential: Vec<i64>,
    /// The objective `Σ cost(a)·flow(a)`.
    pub cost: i128,
}

/// What is wrong with a [`Network`] as given (before any solving).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InvalidNetwork {
    /// An arc's lower bound exceeds its upper bound.
    BoundsReversed {
        /// The arc.
        arc: ArcId,
        /// Its lower bound.
        lower: i64,
        /// Its upper bound.
        upper: i64,
    },
    /// The supplies do not sum to zero.
    UnbalancedSupply {
        /// Their sum.
        sum: i128,
    },
}

impl fmt::Display for InvalidNetwork {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InvalidNetwork::BoundsReversed { arc, lower, upper } => write!(
                f,
                "{arc} has lower bound {lower} above its upper bound {upper}"
            ),
            InvalidNetwork::UnbalancedSupply { sum } => write!(
                f,
                "supplies sum to {sum}; what is produced must equal what is consumed"
            ),
        }
    }
}

/// Why [`Network::solve`] found no optimal flow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FlowError {
    /// No flow meets all bounds and supplies; the cut shows where supply
    /// gets stuck.
    Infeasible(Cut),
    /// The numbers are too large to solve exactly in 64-bit arithmetic
    /// (see "Numbers and overflow" in the module docs).
    CostRange {
        /// Which quantity is too large.
        what: &'static str,
        /// Its value.
        value: i128,
        /// The largest value accepted.
        limit: i128,
    },
    /// The network is malformed.
    Invalid {
        /// What is wrong.
        problem: InvalidNetwork,
    },
}

impl fmt::Display for FlowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FlowError::Infeasible(cut) => write!(
                f,
                "no feasible flow: {} units of supply cannot be routed across the cut",
                cut.shortfall
            ),
            FlowError::CostRange { what, value, limit } => write!(
                f,
                "numbers too large to solve exactly: {what} is {value}, the limit is {limit}"
            ),
            FlowError::Invalid { problem } => write!(f, "invalid network: {problem}"),
        }
    }
}

impl std::error::Error for FlowError {}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_optimal(net: &Network) -> FlowSolution {
        let sol = net.solve().expect("solvable");
        certify(net, &sol).expect("certificate");
        assert_eq!(dual_objective(net, &sol.potential), sol.cost);
        sol
    }

    #[test]
    fn empty_network() {
        let net = Network::new();
        let sol = check_optimal(&net);
        assert!(sol.flow.is_empty() && sol.potential.is_empty());
        assert_eq!(sol.cost, 0);
    }

    #[test]
    fn nodes_without_arcs_and_zero_supply() {
        let mut net = Network::new();
        for _ in 0..5 {
            net.add_node();
        }
        let sol = check_optimal(&net);
        assert_eq!(sol.potential.len(), 5);
    }

    #[test]
    fn nodes_without_arcs_but_supply_are_infeasible() {
        let mut net = Network::new();
        let a = net.add_node();
        let b = net.add_node();
        net.set_supply(a, 3);
        net.set_supply(b, -3);
        match net.solve() {
            Err(FlowError::Infeasible(cut)) => {
                assert_eq!(cut.shortfall, 3);
                assert_eq!(cut.source_side, vec![true, false]);
                assert_eq!(cut.violation(&net), 3);
            }
            other => panic!("expected infeasible, got {other:?}"),
        }
    }

    #[test]
    fn negative_self_loop_runs_full_positive_stays_low() {
        let mut net = Network::new();
        let a = net.add_node();
        let l1 = net.add_arc(a, a, 1, 4, -2);
        let l2 = net.add_arc(a, a, 1, 4, 3);
        let l3 = net.add_arc(a, a, -2, 4, 0);
        let sol = check_optimal(&net);
        assert_eq!(sol.flow[l1.index()], 4);
        assert_eq!(sol.flow[l2.index()], 1);
        assert!((-2..=4).contains(&sol.flow[l3.index()]));
        assert_eq!(sol.cost, -8 + 3);
    }

    #[test]
    fn picks_the_cheaper_parallel_arc() {
        let mut net = Network::new();
        let s = net.add_node();
        let t = net.add_node();
        net.set_supply(s, 5);
        net.set_supply(t, -5);
        let dear = net.add_arc(s, t, 0, 10, 7);
        let cheap = net.add_arc(s, t, 0, 3, 2);
        let sol = check_optimal(&net);
        assert_eq!(sol.flow[cheap.index()], 3);
        assert_eq!(sol.flow[dear.index()], 2);
        assert_eq!(sol.cost, 3 * 2 + 2 * 7);
    }

    #[test]
    fn negative_cycle_is_saturated() {
        let mut net = Network::new();
        let a = net.add_node();
        let b = net.add_node();
        net.add_arc(a, b, 0, 5, -3);
        net.add_arc(b, a, 0, 4, 1);
        let sol = check_optimal(&net);
        assert_eq!(sol.flow, vec![4, 4]);
        assert_eq!(sol.cost, -8);
    }

    #[test]
    fn reversed_bounds_are_invalid() {
        let mut net = Network::new();
        let a = net.add_node();
        let b = net.add_node();
        let arc = net.add_arc(a, b, 3, 2, 0);
        assert_eq!(
            net.solve(),
            Err(FlowError::Invalid {
                problem: InvalidNetwork::BoundsReversed {
                    arc,
                    lower: 3,
                    upper: 2
                }
            })
        );
    }

    #[test]
    fn unbalanced_supply_is_invalid() {
        let mut net = Network::new();
        let a = net.add_node();
        net.set_supply(a, 1);
        let err = net.solve().unwrap_err();
        assert!(matches!(
            err,
            FlowError::Invalid {
                problem: InvalidNetwork::UnbalancedSupply { sum: 1 }
            }
        ));
        assert!(err.to_string().contains("sum to 1"));
    }

    #[test]
    fn huge_costs_are_a_range_error_not_a_wrap() {
        let mut net = Network::new();
        let a = net.add_node();
        let b = net.add_node();
        net.set_supply(a, 1);
        net.set_supply(b, -1);
        net.add_arc(a, b, 0, 1, i64::MAX);
        assert!(matches!(net.solve(), Err(FlowError::CostRange { .. })));
    }

    #[test]
    fn huge_capacities_are_a_range_error_not_a_wrap() {
        let mut net = Network::new();
        let a = net.add_node();
        let b = net.add_node();
        net.add_arc(a, b, i64::MIN, i64::MAX, -1);
        let err = net.solve().unwrap_err();
        assert!(matches!(err, FlowError::CostRange { .. }));
        assert!(err.to_string().contains("limit"));
    }

    #[test]
    fn large_but_allowed_values_solve_exactly() {
        // Costs near 2^40 and flows near 2^20: the objective needs more than
        // 53 bits, and must come out exact.
        let mut net = Network::new();
        let s = net.add_node();
        let m = net.add_node();
        let t = net.add_node();
        let f = 1_000_003_i64;
        net.set_supply(s, f);
        net.set_supply(t, -f);
        let c = 1_099_511_627_689_i64;
        net.add_arc(s, m, 0, f, c);
        net.add_arc(m, t, 0, f, c - 1);
        net.add_arc(s, t, 0, 1, 3 * c);
        let sol = check_optimal(&net);
        assert_eq!(sol.cost, i128::from(f) * i128::from(2 * c - 1));
    }

    #[test]
    fn ids_are_u32_indices() {
        let mut net = Network::with_capacity(3, 2);
        let a = net.add_node();
        let b = net.add_node();
        assert_eq!((a, b), (NodeId(0), NodeId(1)));
        let arc = net.add_arc(b, a, 0, 1, 0);
        assert_eq!(arc, ArcId(0));
        assert_eq!(net.source(arc), b);
        assert_eq!(net.target(arc), a);
        assert_eq!(format!("{arc}, {a}"), "arc 0, node 0");
    }
}

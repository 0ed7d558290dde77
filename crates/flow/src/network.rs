//! The [`Network`] a caller builds: nodes with supplies, arcs with bounds and
//! costs, one `Vec` per attribute. [`Network::solve`] validates it, checks the
//! number ranges, and hands it to the network simplex in [`super::simplex`].

use super::simplex::Simplex;
use super::{ArcId, FlowError, FlowSolution, InvalidNetwork, NodeId};

/// Largest `Σ|supply| + Σ|lower| + Σ(upper − lower)` accepted: every flow
/// value, and every sum of them the solver forms, then fits in `i64`.
pub(crate) const FLOW_LIMIT: i128 = 1 << 62;

/// Largest `(max |cost| + 1)·(nodes + 1)` accepted: every potential and
/// reduced cost, including the big-M of the artificial arcs, then fits in
/// `i64`.
pub(crate) const COST_LIMIT: i128 = 1 << 60;

/// A min-cost flow problem: a directed multigraph with supplies, arc bounds
/// and costs. Self-loops and parallel arcs are allowed.
///
/// Nodes and arcs are numbered densely from 0 ([`NodeId`], [`ArcId`]).
#[derive(Clone, Debug, Default)]
pub struct Network {
    supply: Vec<i64>,
    source: Vec<u32>,
    target: Vec<u32>,
    lower: Vec<i64>,
    upper: Vec<i64>,
    cost: Vec<i64>,
}

/// Most nodes a network may hold; the solver needs one more index for its
/// artificial root and one as a "none" marker.
pub const MAX_NODES: usize = (u32::MAX - 2) as usize;

impl Network {
    /// An empty network.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty network with room for `nodes` nodes and `arcs` arcs.
    pub fn with_capacity(nodes: usize, arcs: usize) -> Self {
        Network {
            supply: Vec::with_capacity(nodes),
            source: Vec::with_capacity(arcs),
            target: Vec::with_capacity(arcs),
            lower: Vec::with_capacity(arcs),
            upper: Vec::with_capacity(arcs),
            cost: Vec::with_capacity(arcs),
        }
    }

    /// Adds a node with supply 0.
    ///
    /// # Panics
    /// If the network already holds [`MAX_NODES`] nodes.
    pub fn add_node(&mut self) -> NodeId {
        assert!(self.supply.len() < MAX_NODES, "too many nodes for u32 ids");
        self.supply.push(0);
        NodeId(self.supply.len() as u32 - 1)
    }

    /// Sets the supply of `n`: `> 0` produces, `< 0` consumes. Supplies must
    /// sum to zero when [`Network::solve`] is called.
    ///
    /// # Panics
    /// If `n` is not a node of this network.
    pub fn set_supply(&mut self, n: NodeId, supply: i64) {
        self.supply[n.index()] = supply;
    }

    /// Adds an arc `from → to` carrying between `lower` and `upper` units, each
    /// at `cost`. Bounds are checked by [`Network::solve`], not here.
    ///
    /// # Panics
    /// If `from` or `to` is not a node of this network, or there are
    /// `u32::MAX` arcs already.
    pub fn add_arc(
        &mut self,
        from: NodeId,
        to: NodeId,
        lower: i64,
        upper: i64,
        cost: i64,
    ) -> ArcId {
        assert!(
            from.index() < self.supply.len() && to.index() < self.supply.len(),
            "arc end is not a node of this network"
        );
        assert!(
            self.source.len() < u32::MAX as usize,
            "too many arcs for u32 ids"
        );
        self.source.push(from.0);
        self.target.push(to.0);
        self.lower.push(lower);
        self.upper.push(upper);
        self.cost.push(cost);
        ArcId(self.source.len() as u32 - 1)
    }

    /// Sets the bounds of arc `a` (checked by [`Network::solve`], not here).
    ///
    /// # Panics
    /// If `a` is not an arc of this network.
    pub fn set_bounds(&mut self, a: ArcId, lower: i64, upper: i64) {
        self.lower[a.index()] = lower;
        self.upper[a.index()] = upper;
    }

    /// Moves the tail of arc `a` to node `n` (a group node put in front
    /// of the arcs of its group; see [`crate::simplex::Simplex::extend`]).
    ///
    /// # Panics
    /// If `a` is not an arc of this network.
    pub fn set_source(&mut self, a: ArcId, n: NodeId) {
        self.source[a.index()] = n.0;
    }

    /// Number of nodes.
    pub fn num_nodes(&self) -> usize {
        self.supply.len()
    }

    /// Number of arcs.
    pub fn num_arcs(&self) -> usize {
        self.source.len()
    }

    /// Tail of arc `a`.
    pub fn source(&self, a: ArcId) -> NodeId {
        NodeId(self.source[a.index()])
    }

    /// Head of arc `a`.
    pub fn target(&self, a: ArcId) -> NodeId {
        NodeId(self.target[a.index()])
    }

    /// Lower bound of arc `a`.
    pub fn lower(&self, a: ArcId) -> i64 {
        self.lower[a.index()]
    }

    /// Upper bound of arc `a`.
    pub fn upper(&self, a: ArcId) -> i64 {
        self.upper[a.index()]
    }

    /// Cost per unit on arc `a`.
    pub fn cost(&self, a: ArcId) -> i64 {
        self.cost[a.index()]
    }

    /// Supply of node `n`.
    pub fn supply(&self, n: NodeId) -> i64 {
        self.supply[n.index()]
    }

    /// All arc ids, in order.
    pub fn arcs(&self) -> impl Iterator<Item = ArcId> + '_ {
        (0..self.source.len() as u32).map(ArcId)
    }

    /// All node ids, in order.
    pub fn nodes(&self) -> impl Iterator<Item = NodeId> + '_ {
        (0..self.supply.len() as u32).map(NodeId)
    }

    /// Tail node of every arc, by arc index.
    pub fn sources(&self) -> &[u32] {
        &self.source
    }
    /// Head node of every arc, by arc index.
    pub fn targets(&self) -> &[u32] {
        &self.target
    }
    /// Lower bound of every arc, by arc index.
    pub fn lowers(&self) -> &[i64] {
        &self.lower
    }
    /// Upper bound of every arc, by arc index.
    pub fn uppers(&self) -> &[i64] {
        &self.upper
    }
    /// Cost of every arc, by arc index.
    pub fn costs(&self) -> &[i64] {
        &self.cost
    }
    /// Every node's supply (positive: it sends, negative: it receives),
    /// by node index.
    pub fn supplies(&self) -> &[i64] {
        &self.supply
    }

    /// Checks bounds, balance and number ranges (see "Numbers and overflow"
    /// in the module docs). Every solver entry point calls this first.
    pub fn validate(&self) -> Result<(), FlowError> {
        let mut total: i128 = 0;
        let mut sum: i128 = 0;
        for &b in &self.supply {
            sum += i128::from(b);
            total += i128::from(b).abs();
        }
        let mut max_cost: i128 = 0;
        for i in 0..self.source.len() {
            let (l, u) = (self.lower[i], self.upper[i]);
            if l > u {
                return Err(FlowError::Invalid {
                    problem: InvalidNetwork::BoundsReversed {
                        arc: ArcId(i as u32),
                        lower: l,
                        upper: u,
                    },
                });
            }
            total += i128::from(l).abs() + (i128::from(u) - i128::from(l));
            max_cost = max_cost.max(i128::from(self.cost[i]).abs());
        }
        if sum != 0 {
            return Err(FlowError::Invalid {
                problem: InvalidNetwork::UnbalancedSupply { sum },
            });
        }
        if total > FLOW_LIMIT {
            return Err(FlowError::CostRange {
                what: "the sum of |supplies|, |lower bounds| and capacities",
                value: total,
                limit: FLOW_LIMIT,
            });
        }
        let big_m = (max_cost + 1) * (self.supply.len() as i128 + 1);
        if big_m > COST_LIMIT {
            return Err(FlowError::CostRange {
                what: "(largest |cost| + 1) × (nodes + 1)",
                value: big_m,
                limit: COST_LIMIT,
            });
        }
        Ok(())
    }

    /// Finds a minimum-cost flow, with potentials that prove it optimal.
    ///
    /// # Returns
    /// The flow, potentials and cost; or [`FlowError::Infeasible`] with a
    /// cut when the supplies cannot be routed, [`FlowError::Invalid`] for a
    /// malformed network, [`FlowError::CostRange`] when exact 64-bit
    /// arithmetic cannot be guaranteed.
    ///
    /// # Complexity
    /// See the module docs: O(n + m) memory; each pivot costs
    /// O(√m + tree depth + moved subtree).
    pub fn solve(&self) -> Result<FlowSolution, FlowError> {
        let mut simplex = Simplex::new(self)?;
        let result = simplex.finish(self);
        drop(simplex);
        let sol = result?;
        debug_assert_eq!(super::certify(self, &sol), Ok(()));
        Ok(sol)
    }
}

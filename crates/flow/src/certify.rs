//! Independent checks of a [`FlowSolution`]: feasibility, optimality by
//! complementary slackness, and the LP dual value of any potentials. Uses
//! only the [`Network`] accessors and `i128` arithmetic, never the solver.
//!
//! Sign convention (as everywhere in [`super`]): the reduced cost of arc
//! `a = (u, v)` is `rc(a) = cost(a) + potential(u) − potential(v)`.

use super::{ArcId, FlowSolution, Network, NodeId};
use std::fmt;

/// Why a solution fails [`certify`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CertificateError {
    /// `flow` or `potential` has the wrong length.
    Shape {
        /// Length of `flow`.
        flows: usize,
        /// Length of `potential`.
        potentials: usize,
        /// Arcs in the network.
        arcs: usize,
        /// Nodes in the network.
        nodes: usize,
    },
    /// A flow lies outside its arc's bounds.
    Bounds {
        /// The arc.
        arc: ArcId,
        /// Its flow.
        flow: i64,
        /// Lower bound.
        lower: i64,
        /// Upper bound.
        upper: i64,
    },
    /// Outflow minus inflow differs from a node's supply.
    Conservation {
        /// The node.
        node: NodeId,
        /// Outflow minus inflow.
        net_out: i128,
        /// Its supply.
        supply: i64,
    },
    /// An arc violates complementary slackness: the potentials do not prove
    /// optimality.
    ReducedCost {
        /// The arc.
        arc: ArcId,
        /// Its reduced cost.
        reduced_cost: i128,
        /// Its flow.
        flow: i64,
        /// Lower bound.
        lower: i64,
        /// Upper bound.
        upper: i64,
    },
    /// The stated cost is not `Σ cost·flow`.
    Cost {
        /// `FlowSolution::cost`.
        stated: i128,
        /// Recomputed.
        actual: i128,
    },
}

impl fmt::Display for CertificateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CertificateError::Shape {
                flows,
                potentials,
                arcs,
                nodes,
            } => write!(
                f,
                "solution has {flows} flows and {potentials} potentials for {arcs} arcs and {nodes} nodes"
            ),
            CertificateError::Bounds {
                arc,
                flow,
                lower,
                upper,
            } => write!(f, "{arc} carries {flow}, outside its bounds {lower}..={upper}"),
            CertificateError::Conservation {
                node,
                net_out,
                supply,
            } => write!(f, "{node} sends out {net_out} net but its supply is {supply}"),
            CertificateError::ReducedCost {
                arc,
                reduced_cost,
                flow,
                lower,
                upper,
            } => write!(
                f,
                "{arc} has reduced cost {reduced_cost} but carries {flow} within {lower}..={upper}"
            ),
            CertificateError::Cost { stated, actual } => {
                write!(f, "stated cost {stated} but the flows cost {actual}")
            }
        }
    }
}

impl std::error::Error for CertificateError {}

/// Reduced cost of arc `a` under `potential`: `cost + π(from) − π(to)`.
pub(crate) fn reduced_cost(net: &Network, potential: &[i64], a: ArcId) -> i128 {
    i128::from(net.cost(a)) + i128::from(potential[net.source(a).index()])
        - i128::from(potential[net.target(a).index()])
}

/// Checks that `sol` is a feasible flow of `net` and that its potentials
/// prove it optimal.
///
/// # Arguments
/// * `net`: the network.
/// * `sol`: a claimed optimum.
///
/// # Returns
/// `Ok(())` if every arc has `lower ≤ flow ≤ upper`, every node sends out
/// exactly its supply, every arc with `rc < 0` is at its upper bound and
/// every arc with `rc > 0` at its lower bound, and `sol.cost = Σ cost·flow`;
/// otherwise the first violation found.
///
/// # Complexity
/// O(n + m) time, O(n) extra space.
pub fn certify(net: &Network, sol: &FlowSolution) -> Result<(), CertificateError> {
    if sol.flow.len() != net.num_arcs() || sol.potential.len() != net.num_nodes() {
        return Err(CertificateError::Shape {
            flows: sol.flow.len(),
            potentials: sol.potential.len(),
            arcs: net.num_arcs(),
            nodes: net.num_nodes(),
        });
    }
    let mut net_out = vec![0i128; net.num_nodes()];
    let mut actual: i128 = 0;
    for a in net.arcs() {
        let (f, l, u) = (sol.flow[a.index()], net.lower(a), net.upper(a));
        if f < l || f > u {
            return Err(CertificateError::Bounds {
                arc: a,
                flow: f,
                lower: l,
                upper: u,
            });
        }
        net_out[net.source(a).index()] += i128::from(f);
        net_out[net.target(a).index()] -= i128::from(f);
        actual += i128::from(f) * i128::from(net.cost(a));
        let rc = reduced_cost(net, &sol.potential, a);
        if (rc < 0 && f != u) || (rc > 0 && f != l) {
            return Err(CertificateError::ReducedCost {
                arc: a,
                reduced_cost: rc,
                flow: f,
                lower: l,
                upper: u,
            });
        }
    }
    for v in net.nodes() {
        if net_out[v.index()] != i128::from(net.supply(v)) {
            return Err(CertificateError::Conservation {
                node: v,
                net_out: net_out[v.index()],
                supply: net.supply(v),
            });
        }
    }
    if actual != sol.cost {
        return Err(CertificateError::Cost {
            stated: sol.cost,
            actual,
        });
    }
    Ok(())
}

/// The LP dual value of `potential`:
/// `Σ_a min(rc(a)·lower(a), rc(a)·upper(a)) − Σ_v supply(v)·potential(v)`.
///
/// For **any** potentials this is a lower bound on the cost of every feasible
/// flow (weak duality: for feasible `x`, `Σ c·x = Σ rc·x − Σ b·π` and each
/// `rc·x ≥ min(rc·l, rc·u)`). For potentials that satisfy complementary
/// slackness with an optimal flow it equals the optimum.
///
/// # Panics
/// If `potential` is shorter than the number of nodes.
///
/// # Complexity
/// O(n + m).
pub fn dual_objective(net: &Network, potential: &[i64]) -> i128 {
    let mut d: i128 = 0;
    for a in net.arcs() {
        let rc = reduced_cost(net, potential, a);
        let (l, u) = (i128::from(net.lower(a)), i128::from(net.upper(a)));
        d += (rc * l).min(rc * u);
    }
    for v in net.nodes() {
        d -= i128::from(net.supply(v)) * i128::from(potential[v.index()]);
    }
    d
}

impl fmt::Display for FlowSolution {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "flow of cost {} on {} arcs ({} nodes)",
            self.cost,
            self.flow.len(),
            self.potential.len()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path() -> (Network, FlowSolution) {
        let mut net = Network::new();
        let s = net.add_node();
        let t = net.add_node();
        net.set_supply(s, 2);
        net.set_supply(t, -2);
        net.add_arc(s, t, 0, 2, 5);
        net.add_arc(s, t, 0, 2, 9);
        let sol = net.solve().unwrap();
        (net, sol)
    }

    #[test]
    fn accepts_the_optimum() {
        let (net, sol) = path();
        assert_eq!(sol.flow, vec![2, 0]);
        assert_eq!(certify(&net, &sol), Ok(()));
    }

    #[test]
    fn rejects_a_suboptimal_flow_with_its_potentials() {
        let (net, mut sol) = path();
        sol.flow = vec![1, 1];
        sol.cost = 14;
        assert!(matches!(
            certify(&net, &sol),
            Err(CertificateError::ReducedCost { .. })
        ));
    }

    #[test]
    fn rejects_broken_conservation_bounds_cost_and_shape() {
        let (net, sol) = path();
        let mut bad = sol.clone();
        bad.flow[0] = 1;
        bad.cost = 5;
        assert!(matches!(
            certify(&net, &bad),
            Err(CertificateError::Conservation { .. })
        ));
        let mut bad = sol.clone();
        bad.flow[0] = 3;
        assert!(matches!(
            certify(&net, &bad),
            Err(CertificateError::Bounds { .. })
        ));
        let mut bad = sol.clone();
        bad.cost += 1;
        assert!(matches!(
            certify(&net, &bad),
            Err(CertificateError::Cost { .. })
        ));
        let mut bad = sol;
        bad.potential.pop();
        assert!(matches!(
            certify(&net, &bad),
            Err(CertificateError::Shape { .. })
        ));
    }

    #[test]
    fn dual_is_a_bound_for_zero_potentials() {
        let (net, sol) = path();
        // π = 0: rc = cost ≥ 0, so the bound is Σ cost·lower = 0 ≤ 10.
        assert_eq!(dual_objective(&net, &[0, 0]), 0);
        assert_eq!(dual_objective(&net, &sol.potential), 10);
    }
}

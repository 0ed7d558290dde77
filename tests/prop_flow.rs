//! Property tests for `panels::flow`: the network simplex against a plain
//! reference (successive shortest paths with Bellman–Ford, written here
//! independently), certificates on every solution, weak and strong duality,
//! and minimum cuts on infeasible networks.

use panels::flow::{certify, dual_objective, feasibility_cut, FlowError, Network};
use proptest::prelude::*;

/// A network as plain data: supplies and arcs `(from, to, lower, upper, cost)`.
#[derive(Clone, Debug)]
struct Spec {
    supply: Vec<i64>,
    arcs: Vec<(usize, usize, i64, i64, i64)>,
}

impl Spec {
    fn network(&self) -> Network {
        let mut net = Network::new();
        let nodes: Vec<_> = self.supply.iter().map(|_| net.add_node()).collect();
        for (v, &b) in self.supply.iter().enumerate() {
            net.set_supply(nodes[v], b);
        }
        for &(u, v, l, h, c) in &self.arcs {
            net.add_arc(nodes[u], nodes[v], l, h, c);
        }
        net
    }
}

/// What the reference finds: the optimum, or how much supply is stuck.
#[derive(Debug, PartialEq, Eq)]
enum Reference {
    Optimal(i128),
    Infeasible { shortfall: i64 },
}

/// Min-cost flow by successive shortest paths.
///
/// Start from `x = lower`, then fill every negative-cost arc to its upper
/// bound: the residual graph then has no negative cycle. Excess nodes are
/// joined to a super-source, deficit nodes to a super-sink, and shortest
/// augmenting paths (Bellman–Ford; the residual graph never gains a
/// negative cycle) are pushed until none is left. This yields a maximum flow
/// of minimum cost, so the problem is feasible iff all excess is routed.
fn reference(spec: &Spec) -> Reference {
    let n = spec.supply.len();
    let (src, snk) = (n, n + 1);
    let mut excess: Vec<i64> = spec.supply.clone();
    let mut cost: i128 = 0;
    // Residual edges (from, to, cap, cost); edge i and i ^ 1 are twins.
    let mut edges: Vec<(usize, usize, i64, i64)> = Vec::new();
    for &(u, v, l, h, c) in &spec.arcs {
        let x = if c < 0 { h } else { l };
        cost += i128::from(x) * i128::from(c);
        if u == v {
            continue;
        }
        excess[u] -= x;
        excess[v] += x;
        // Forward residual upper − x, backward x − lower.
        edges.push((u, v, h - x, c));
        edges.push((v, u, x - l, -c));
    }
    let mut need = 0;
    for (v, &e) in excess.iter().enumerate() {
        if e > 0 {
            edges.push((src, v, e, 0));
            edges.push((v, src, 0, 0));
            need += e;
        } else if e < 0 {
            edges.push((v, snk, -e, 0));
            edges.push((snk, v, 0, 0));
        }
    }
    let from: Vec<usize> = edges.iter().map(|e| e.0).collect();
    let to: Vec<usize> = edges.iter().map(|e| e.1).collect();
    let mut cap: Vec<i64> = edges.iter().map(|e| e.2).collect();
    let ecost: Vec<i64> = edges.iter().map(|e| e.3).collect();
    let nn = n + 2;
    let mut routed = 0;
    loop {
        // Bellman–Ford from the super-source.
        let mut dist = vec![i128::MAX; nn];
        let mut via = vec![usize::MAX; nn];
        dist[src] = 0;
        for _ in 0..nn {
            let mut changed = false;
            for e in 0..to.len() {
                if cap[e] > 0 && dist[from[e]] != i128::MAX {
                    let d = dist[from[e]] + i128::from(ecost[e]);
                    if d < dist[to[e]] {
                        dist[to[e]] = d;
                        via[to[e]] = e;
                        changed = true;
                    }
                }
            }
            if !changed {
                break;
            }
        }
        if dist[snk] == i128::MAX {
            break;
        }
        let mut f = i64::MAX;
        let mut v = snk;
        while v != src {
            f = f.min(cap[via[v]]);
            v = from[via[v]];
        }
        let mut v = snk;
        while v != src {
            let e = via[v];
            cap[e] -= f;
            cap[e ^ 1] += f;
            cost += i128::from(f) * i128::from(ecost[e]);
            v = from[e];
        }
        routed += f;
    }
    if routed < need {
        Reference::Infeasible {
            shortfall: need - routed,
        }
    } else {
        Reference::Optimal(cost)
    }
}

/// Random small networks: lower bounds (some negative), negative costs,
/// parallel arcs and loops; supplies balanced but often infeasible.
fn any_spec() -> impl Strategy<Value = Spec> {
    (1usize..7).prop_flat_map(|n| {
        let arc = (0..n, 0..n, -2i64..=2, 0i64..=4, -6i64..=6)
            .prop_map(|(u, v, l, w, c)| (u, v, l, l + w, c));
        (
            proptest::collection::vec(-4i64..=4, n),
            proptest::collection::vec(arc, 0..16),
        )
            .prop_map(|(mut supply, arcs)| {
                let sum: i64 = supply.iter().sum();
                supply[0] -= sum;
                Spec { supply, arcs }
            })
    })
}

/// Random networks that are feasible by construction: pick a flow within
/// the bounds and give every node the supply that flow needs.
fn feasible_spec() -> impl Strategy<Value = Spec> {
    (1usize..8).prop_flat_map(|n| {
        let arc = (0..n, 0..n, -2i64..=2, 0i64..=4, -6i64..=6, 0.0f64..1.0)
            .prop_map(|(u, v, l, w, c, t)| (u, v, l, l + w, c, l + (t * (w + 1) as f64) as i64));
        proptest::collection::vec(arc, 0..20).prop_map(move |arcs| {
            let mut supply = vec![0i64; n];
            for &(u, v, _, _, _, x) in &arcs {
                supply[u] += x;
                supply[v] -= x;
            }
            let arcs = arcs
                .into_iter()
                .map(|(u, v, l, h, c, _)| (u, v, l, h, c))
                .collect();
            Spec { supply, arcs }
        })
    })
}

/// A small instance of the panel shape: S → applications (exactly k) →
/// (application, city) groups → (application, city, institution) groups →
/// experts (pairs, upper 1) → T (min..max load).
fn panel_spec() -> impl Strategy<Value = Spec> {
    (1usize..5, 2usize..7, 1i64..=3).prop_flat_map(|(apps, experts, k)| {
        (
            proptest::collection::vec((0usize..2, 0usize..4), experts), // (city, institution)
            proptest::collection::vec((0i64..=1, 1i64..=3), experts),   // load bounds
            proptest::collection::vec(0usize..2, apps),                 // home city
            proptest::collection::vec(proptest::option::weighted(0.8, 0i64..1000), apps * experts),
        )
            .prop_map(move |(where_, loads, home, scores)| {
                let mut supply = vec![0i64; 2];
                let mut arcs = Vec::new();
                let total = k * apps as i64;
                supply[0] = total;
                supply[1] = -total;
                let node = |supply: &mut Vec<i64>| {
                    supply.push(0);
                    supply.len() - 1
                };
                let expert: Vec<usize> = (0..experts).map(|_| node(&mut supply)).collect();
                for (e, &(lo, hi)) in loads.iter().enumerate() {
                    arcs.push((expert[e], 1, lo, hi, 0));
                }
                for a in 0..apps {
                    let an = node(&mut supply);
                    arcs.push((0, an, k, k, 0));
                    for city in 0..2 {
                        let g = node(&mut supply);
                        arcs.push((an, g, 0, if city == home[a] { k - 1 } else { 2 }, 0));
                        for inst in 0..4 {
                            let h = node(&mut supply);
                            arcs.push((g, h, 0, 1, 0));
                            for e in 0..experts {
                                if where_[e] == (city, inst) {
                                    if let Some(s) = scores[a * experts + e] {
                                        arcs.push((h, expert[e], 0, 1, -s));
                                    }
                                }
                            }
                        }
                    }
                }
                Spec { supply, arcs }
            })
    })
}

/// Solves `spec` and checks everything against the reference.
fn check(spec: &Spec) -> Result<(), TestCaseError> {
    let net = spec.network();
    match (reference(spec), net.solve()) {
        (Reference::Optimal(best), Ok(sol)) => {
            prop_assert_eq!(sol.cost, best);
            prop_assert_eq!(certify(&net, &sol), Ok(()));
            prop_assert_eq!(dual_objective(&net, &sol.potential), best);
            prop_assert_eq!(feasibility_cut(&net), Ok(None));
        }
        (Reference::Infeasible { shortfall }, Err(FlowError::Infeasible(cut))) => {
            prop_assert_eq!(cut.shortfall, shortfall);
            prop_assert!(shortfall > 0);
            prop_assert_eq!(cut.source_side.len(), net.num_nodes());
            // The cut proves infeasibility by itself: what must leave the
            // source side exceeds what can, by exactly the shortfall.
            prop_assert_eq!(cut.violation(&net), i128::from(shortfall));
        }
        (r, s) => prop_assert!(false, "reference {:?} but solver {:?}", r, s),
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_networks_match_the_reference(spec in any_spec()) {
        check(&spec)?;
    }

    #[test]
    fn feasible_networks_are_solved_and_certified(spec in feasible_spec()) {
        prop_assert!(matches!(reference(&spec), Reference::Optimal(_)));
        check(&spec)?;
    }

    #[test]
    fn any_potentials_give_a_lower_bound(
        spec in feasible_spec(),
        pot in proptest::collection::vec(-20i64..=20, 8),
    ) {
        let net = spec.network();
        let sol = net.solve().map_err(|e| TestCaseError::fail(e.to_string()))?;
        let potential = &pot[..net.num_nodes()];
        prop_assert!(dual_objective(&net, potential) <= sol.cost);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn panel_shaped_networks_match_the_reference(spec in panel_spec()) {
        check(&spec)?;
    }
}

#[test]
fn reference_agrees_on_a_hand_example() {
    // Two units from 0 to 2: direct arc costs 5, path via 1 costs 1 + 1
    // but carries one unit only.
    let spec = Spec {
        supply: vec![2, 0, -2],
        arcs: vec![(0, 2, 0, 5, 5), (0, 1, 0, 1, 1), (1, 2, 0, 3, 1)],
    };
    assert_eq!(reference(&spec), Reference::Optimal(2 + 5));
    check(&spec).unwrap();
}

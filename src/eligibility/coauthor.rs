//! Co-authorship conflicts: an expert within `coauthor_hops` links of a team
//! member, counting only links in the `coauthor_years` window.
//!
//! The people and their links form a petgraph graph; a breadth-first search
//! from each team member, cut at the hop limit, finds the conflicted experts
//! and the chain that links them (kept as evidence for `panels explain`).

use std::collections::VecDeque;

use petgraph::graph::{NodeIndex, UnGraph};

use super::rules::{exclude, person_as_expert, Exclusions};
use super::Reason;
use crate::model::{Instance, PersonIx};

/// True when a link of `year` counts under the policy's year window.
/// Undated links always count; without `year` and `coauthor_years` every
/// link counts.
pub fn link_counts(inst: &Instance, year: Option<i32>) -> bool {
    match (inst.policy.year, inst.policy.coauthor_years, year) {
        (Some(round), Some(window), Some(y)) => {
            i64::from(y) >= i64::from(round) - i64::from(window)
        }
        _ => true,
    }
}

/// The co-authorship graph over all persons (node i = `PersonIx(i)`), with
/// only the links in the year window.
fn graph(inst: &Instance) -> UnGraph<(), ()> {
    let n = inst.persons.len();
    let mut g = UnGraph::with_capacity(n, inst.coauthorships.len());
    for _ in 0..n {
        g.add_node(());
    }
    for c in &inst.coauthorships {
        if c.a != c.b && link_counts(inst, c.year) {
            g.update_edge(NodeIndex::new(c.a.ix()), NodeIndex::new(c.b.ix()), ());
        }
    }
    g
}

/// Rule: e is within `coauthor_hops` links of a team member of a.
pub fn coauthor_conflicts(inst: &Instance, ex: &mut Exclusions) {
    let hops = inst.policy.coauthor_hops as usize;
    if hops == 0 || inst.coauthorships.is_empty() {
        return;
    }
    let g = graph(inst);
    let n = g.node_count();
    // BFS scratch reused across searches; `seen_at` marks by search number.
    let mut seen_at = vec![usize::MAX; n];
    let mut parent = vec![usize::MAX; n];
    let mut dist = vec![0usize; n];
    let mut queue = VecDeque::new();
    let mut search = 0usize;
    for a in inst.app_ixs() {
        for &member in &inst.applications[a.ix()].team {
            search += 1;
            let start = member.ix();
            seen_at[start] = search;
            parent[start] = usize::MAX;
            dist[start] = 0;
            queue.clear();
            queue.push_back(start);
            while let Some(u) = queue.pop_front() {
                if dist[u] == hops {
                    continue;
                }
                for v in g.neighbors(NodeIndex::new(u)) {
                    let v = v.index();
                    if seen_at[v] == search {
                        continue;
                    }
                    seen_at[v] = search;
                    parent[v] = u;
                    dist[v] = dist[u] + 1;
                    queue.push_back(v);
                    if let Some(e) = person_as_expert(inst, PersonIx(v as u32)) {
                        exclude(
                            ex,
                            a,
                            e,
                            Reason::Coauthor {
                                path: chain(&parent, v),
                            },
                        );
                    }
                }
            }
        }
    }
}

/// The chain from `v` back to the search's start, `v` first.
fn chain(parent: &[usize], mut v: usize) -> Vec<PersonIx> {
    let mut path = vec![PersonIx(v as u32)];
    while parent[v] != usize::MAX {
        v = parent[v];
        path.push(PersonIx(v as u32));
    }
    path
}

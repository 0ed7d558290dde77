//! Carrying an optimal basis over to a rebuilt candidate network.
//!
//! Pricing ([`crate::pricing`]) adds its violators to the kept network,
//! giving a capped group that has no node yet its node in place
//! ([`crate::flow::simplex::Simplex::extend`]). When that cannot be done,
//! the network is rebuilt with the node. Solving the rebuilt network from
//! scratch costs as much as the first solve. Instead, the last optimal
//! basis is carried over by role:
//!
//! * every arc keeps its flow and tree membership (a pair arc that now
//!   leaves a new group node keeps them too);
//! * a new group node carries the flow of its pairs on its capped arc,
//!   which joins the tree: contracting the new node back into its parent
//!   gives the old tree, so the result is again a spanning tree. A new
//!   node with no tree arc and no flow hangs from the root by its
//!   artificial arc instead.
//!
//! The old flow met every cap (the old network held them all, and a group
//! without a node had fewer pairs than its cap), so the carried flow is
//! feasible, and every old arc keeps its reduced cost: only the violators
//! price negative. [`crate::flow::simplex::Simplex::with_basis`] checks the
//! basis (feasible, spanning, strongly feasible) and starts afresh when it
//! is not, so this is a speed-up only: the optimum and its certificate do
//! not depend on it.
//!
//! [`basis_from_panels`] starts a large capped round the same way from
//! the optimum of the round without its group caps (panels that break a
//! cap left out).

use crate::flow::simplex::{Basis, Simplex};
use crate::flow::{ArcId, NodeId};
use crate::model::{AppIx, CityIx, ExpertIx, InstIx, Instance};
use crate::network::{ArcRole, Encoded, NodeRole};

/// A basis in model terms: what outlives the network it was read from.
pub(crate) struct Carried {
    /// Arcs in the tree or away from their lower bound: (role, flow, in
    /// the tree).
    arcs: Vec<(ArcRole, i64, bool)>,
    /// Nodes joined to the root by their artificial arc.
    artificial: Vec<NodeRole>,
    /// The group nodes the network had (sorted).
    city_groups: Vec<(AppIx, CityIx)>,
    institution_groups: Vec<(AppIx, InstIx)>,
    /// Its (expert, programme) arcs.
    programme_arcs: usize,
}

impl Carried {
    /// Reads the basis of `sx`, solved on `enc`'s network.
    pub(crate) fn read(enc: &Encoded, sx: &Simplex) -> Carried {
        let basis = sx.basis(&enc.net);
        Carried {
            arcs: basis
                .arcs
                .iter()
                .map(|&(a, f, t)| (enc.arc_roles[a.index()], f, t))
                .collect(),
            artificial: basis.artificial.iter().map(|&u| enc.node_role(u)).collect(),
            city_groups: enc.city_groups.iter().map(|&(k, _)| k).collect(),
            institution_groups: enc.institution_groups.iter().map(|&(k, _)| k).collect(),
            programme_arcs: count_programme_arcs(enc),
        }
    }

    /// The basis in `enc`'s terms, for a network built from more pairs
    /// than the one read; `None` when a node or arc of the old basis has
    /// no counterpart (the caller then starts afresh).
    pub(crate) fn basis_for(&self, enc: &Encoded) -> Option<Basis> {
        if count_programme_arcs(enc) != self.programme_arcs {
            return None;
        }
        let find = Locator::new(enc);
        let n = enc.net.num_nodes();
        let mut out_flow = vec![0i64; n];
        let mut tree_deg = vec![0u32; n];
        let mut arcs = Vec::with_capacity(self.arcs.len() + 16);
        for &(role, f, t) in &self.arcs {
            let a = find.arc(enc, role)?;
            let s = enc.net.source(a).index();
            out_flow[s] += f;
            tree_deg[s] += u32::from(t);
            arcs.push((a, f, t));
        }
        let mut artificial = Vec::with_capacity(self.artificial.len() + 16);
        for &role in &self.artificial {
            artificial.push(find.node(enc, role)?);
        }
        // New group nodes, institutions before the cities they hang from.
        let new_inst = new_keys(&enc.institution_groups, &self.institution_groups);
        for (a, i, g) in new_inst.map(|((a, i), g)| (a, i, g)) {
            let arc = find.arc(enc, ArcRole::InstitutionCap(a, i))?;
            let f = out_flow[g.index()];
            if f == 0 && tree_deg[g.index()] == 0 {
                artificial.push(g);
                continue;
            }
            arcs.push((arc, f, true));
            let parent = enc.net.source(arc).index();
            out_flow[parent] += f;
            tree_deg[parent] += 1;
        }
        for ((a, c), g) in new_keys(&enc.city_groups, &self.city_groups) {
            let f = out_flow[g.index()];
            if f == 0 && tree_deg[g.index()] == 0 {
                artificial.push(g);
                continue;
            }
            let cap = find.arc(enc, ArcRole::CityCap(a, c));
            match (find.arc(enc, ArcRole::CityBonus(a, c)), cap) {
                (Some(bonus), Some(cap)) => {
                    // The first seat is the bonus arc's (filled first).
                    let b = f.min(1);
                    arcs.push((bonus, b, false));
                    arcs.push((cap, f - b, true));
                }
                (Some(only), None) | (None, Some(only)) => arcs.push((only, f, true)),
                (None, None) => return None,
            }
        }
        arcs.retain(|&(a, f, t)| t || f != enc.net.lower(a));
        Some(Basis { arcs, artificial })
    }
}

/// The entries of `now` (sorted) whose key is not in `before` (sorted).
fn new_keys<'a, K: Ord + Copy>(
    now: &'a [(K, NodeId)],
    before: &'a [K],
) -> impl Iterator<Item = (K, NodeId)> + 'a {
    now.iter()
        .filter(move |(k, _)| before.binary_search(k).is_err())
        .copied()
}

fn count_programme_arcs(enc: &Encoded) -> usize {
    enc.arc_roles
        .iter()
        .filter(|r| matches!(r, ArcRole::ProgrammeCap(..)))
        .count()
}

/// Finds arcs and nodes of a freshly built network by role.
struct Locator {
    /// Per application: its first arc, its first pair arc, and one past
    /// its last arc (a fresh network lays each application's arcs out
    /// together, group arcs first, then pairs by expert).
    app_arcs: Vec<(u32, u32, u32)>,
    /// Per expert: its load arc.
    load_arc: Vec<Option<ArcId>>,
    /// (expert, programme) arcs, sorted.
    programme_arcs: Vec<(ArcRole, ArcId)>,
}

impl Locator {
    fn new(enc: &Encoded) -> Locator {
        const UNSET: u32 = u32::MAX;
        let mut app_arcs = vec![(UNSET, UNSET, 0u32); enc.app_node.len()];
        let mut load_arc = vec![None; enc.expert_node.len()];
        let mut programme_arcs = Vec::new();
        for (ix, &role) in enc.arc_roles.iter().enumerate() {
            let ix32 = ix as u32;
            let app = match role {
                ArcRole::CityCap(a, _)
                | ArcRole::CityBonus(a, _)
                | ArcRole::InstitutionCap(a, _) => a,
                ArcRole::Pair(a, _) => {
                    let r = &mut app_arcs[a.ix()];
                    if r.1 == UNSET {
                        r.1 = ix32;
                    }
                    a
                }
                ArcRole::Load(e) => {
                    load_arc[e.ix()] = Some(ArcId(ix32));
                    continue;
                }
                ArcRole::ProgrammeCap(..) => {
                    programme_arcs.push((role, ArcId(ix32)));
                    continue;
                }
            };
            let r = &mut app_arcs[app.ix()];
            if r.0 == UNSET {
                r.0 = ix32;
            }
            r.2 = ix32 + 1;
        }
        for r in &mut app_arcs {
            if r.1 == UNSET {
                r.1 = r.2;
            }
        }
        programme_arcs.sort_by_key(|&(role, _)| match role {
            ArcRole::ProgrammeCap(e, p) => (e, p),
            _ => unreachable!("only programme arcs are kept"),
        });
        Locator {
            app_arcs,
            load_arc,
            programme_arcs,
        }
    }

    fn arc(&self, enc: &Encoded, role: ArcRole) -> Option<ArcId> {
        match role {
            ArcRole::Pair(a, e) => {
                let &(_, first, end) = self.app_arcs.get(a.ix())?;
                let roles = enc.arc_roles.get(first as usize..end as usize)?;
                let at = roles
                    .binary_search_by_key(&e, |r| match *r {
                        ArcRole::Pair(_, x) => x,
                        _ => crate::model::ExpertIx(u32::MAX),
                    })
                    .ok()?;
                Some(ArcId(first + at as u32))
            }
            ArcRole::CityCap(a, _) | ArcRole::CityBonus(a, _) | ArcRole::InstitutionCap(a, _) => {
                let &(start, pairs, _) = self.app_arcs.get(a.ix())?;
                let roles = enc.arc_roles.get(start as usize..pairs as usize)?;
                let at = roles.iter().position(|&r| r == role)?;
                Some(ArcId(start + at as u32))
            }
            ArcRole::Load(e) => *self.load_arc.get(e.ix())?,
            ArcRole::ProgrammeCap(e, p) => {
                let at = self
                    .programme_arcs
                    .binary_search_by_key(&(e, p), |&(r, _)| match r {
                        ArcRole::ProgrammeCap(e, p) => (e, p),
                        _ => unreachable!("only programme arcs are kept"),
                    })
                    .ok()?;
                Some(self.programme_arcs[at].1)
            }
        }
    }

    fn node(&self, enc: &Encoded, role: NodeRole) -> Option<NodeId> {
        match role {
            NodeRole::Application(a) => enc.app_node.get(a.ix()).copied(),
            NodeRole::Expert(e) => *enc.expert_node.get(e.ix())?,
            NodeRole::Sink => Some(enc.sink),
            NodeRole::CityGroup(a, c) => {
                let at = enc
                    .city_groups
                    .binary_search_by_key(&(a, c), |&(k, _)| k)
                    .ok()?;
                Some(enc.city_groups[at].1)
            }
            NodeRole::InstitutionGroup(a, i) => {
                let at = enc
                    .institution_groups
                    .binary_search_by_key(&(a, i), |&(k, _)| k)
                    .ok()?;
                Some(enc.institution_groups[at].1)
            }
            NodeRole::ExpertProgramme(e, p) => enc.programme_node_of(e, p),
        }
    }
}

/// A basis of `enc` whose flow seats `panels`, which must keep every rule
/// of the network (the caller drops the panels that break a cap; an
/// application may be left short, its missing seats then ride on its
/// artificial arc): the start of a capped solve from the optimum of the
/// round without group caps. `None` when the panels do not fit `enc`'s
/// arcs (the caller then starts afresh).
///
/// The arcs strictly between their bounds form the tree; on panel
/// networks they form a forest (pairs sit at 0 or 1), and a cycle among
/// them gives up. Each of its components hangs from the root by one
/// artificial arc: the one that carries what the panels leave of a
/// supply, else the arc of a node that may carry nothing (one that does
/// not have to receive flow). A component of nodes that all have to
/// receive flow hangs below another by an arc at one of its bounds that
/// can still move flow towards the root. Every tree arc can then move
/// flow towards the root, so the tree is strongly feasible; the simplex
/// checks all of it again ([`Simplex::with_basis`]).
pub(crate) fn basis_from_panels(
    inst: &Instance,
    enc: &Encoded,
    panels: &[Vec<ExpertIx>],
) -> Option<Basis> {
    let net = &enc.net;
    let (n, m) = (net.num_nodes(), net.num_arcs());
    let (lo, up, src, tgt) = (net.lowers(), net.uppers(), net.sources(), net.targets());
    // Seats per expert and per (expert, programme).
    let mut load = vec![0i64; inst.experts.len()];
    let mut in_programme: std::collections::HashMap<(u32, u32), i64> = Default::default();
    for (a, panel) in panels.iter().enumerate() {
        let programme = inst.applications[a].programme;
        for &e in panel {
            load[e.ix()] += 1;
            if let Some(p) = programme {
                *in_programme.entry((e.0, p.0)).or_default() += 1;
            }
        }
    }
    let in_group = |a: AppIx, f: &dyn Fn(&crate::model::Expert) -> bool| {
        panels[a.ix()]
            .iter()
            .filter(|e| f(&inst.experts[e.ix()]))
            .count() as i64
    };
    let mut flow = vec![0i64; m];
    for (i, role) in enc.arc_roles.iter().enumerate() {
        flow[i] = match *role {
            ArcRole::Pair(a, e) => i64::from(panels[a.ix()].contains(&e)),
            ArcRole::CityCap(a, c) => in_group(a, &|x| x.city == c),
            ArcRole::InstitutionCap(a, g) => in_group(a, &|x| x.institution == g),
            ArcRole::ProgrammeCap(e, p) => in_programme.get(&(e.0, p.0)).copied().unwrap_or(0),
            // A load floor the panels miss is met through the root (the
            // expert's artificial arc brings the rest).
            ArcRole::Load(e) => load[e.ix()].max(lo[i]),
            ArcRole::CityBonus(..) => return None,
        };
    }
    // Components of the free arcs (union-find).
    let mut parent: Vec<u32> = (0..n as u32).collect();
    fn root(p: &mut [u32], mut x: u32) -> u32 {
        while p[x as usize] != x {
            p[x as usize] = p[p[x as usize] as usize];
            x = p[x as usize];
        }
        x
    }
    let mut excess: Vec<i64> = net.supplies().to_vec();
    // Supplies with the lower bounds moved in: the sign of a node's says
    // which way its artificial arc points.
    let mut shifted = excess.clone();
    let mut in_tree = vec![false; m];
    for a in 0..m {
        let f = flow[a];
        if f < lo[a] || f > up[a] {
            return None;
        }
        let (s, t) = (src[a] as usize, tgt[a] as usize);
        excess[s] -= f;
        excess[t] += f;
        shifted[s] -= lo[a];
        shifted[t] += lo[a];
        if f > lo[a] && f < up[a] {
            let (x, y) = (root(&mut parent, src[a]), root(&mut parent, tgt[a]));
            if x == y {
                return None;
            }
            parent[x as usize] = y;
            in_tree[a] = true;
        }
    }
    // The artificial arc of each component: the one carrying what is left
    // of a supply (at most one per component: two would close a cycle
    // through the root), else one that may carry nothing.
    let mut hang: Vec<Option<u32>> = vec![None; n];
    for u in 0..n as u32 {
        if excess[u as usize] != 0 {
            let r = root(&mut parent, u) as usize;
            if hang[r].is_some() {
                return None;
            }
            hang[r] = Some(u);
        }
    }
    for u in 0..n as u32 {
        let r = root(&mut parent, u) as usize;
        if hang[r].is_none() && shifted[u as usize] >= 0 {
            hang[r] = Some(u);
        }
    }
    // Components left (every node must receive flow): below another, by
    // an arc at a bound that can move flow towards the new parent side.
    loop {
        let mut joined = false;
        for a in 0..m {
            if in_tree[a] {
                continue;
            }
            let (x, y) = (root(&mut parent, src[a]), root(&mut parent, tgt[a]));
            if x == y {
                continue;
            }
            let f = flow[a];
            if hang[x as usize].is_none() && f < up[a] {
                parent[x as usize] = y;
            } else if hang[y as usize].is_none() && f > lo[a] {
                parent[y as usize] = x;
            } else {
                continue;
            }
            in_tree[a] = true;
            joined = true;
        }
        if !joined {
            break;
        }
    }
    let mut artificial = Vec::new();
    for u in 0..n as u32 {
        if root(&mut parent, u) == u {
            artificial.push(NodeId(hang[u as usize]?));
        }
    }
    let arcs = (0..m)
        .filter(|&a| in_tree[a] || flow[a] != lo[a])
        .map(|a| (ArcId(a as u32), flow[a], in_tree[a]))
        .collect();
    Some(Basis { arcs, artificial })
}

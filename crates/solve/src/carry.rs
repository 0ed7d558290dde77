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
//! [`basis_from_panels`] starts a large capped round from the optimum of
//! the round without its group caps: its panels, those that break a cap
//! cut down to their caps, and its optimal tree ([`UncappedTree`]). The
//! start grows along that tree, so the first capped solve begins with the
//! uncapped optimum's potentials wherever the panels stay: at 60,000 ×
//! 16,000 with the Yangtze caps its pivots fell from 842,163 (panels that
//! break a cap left out, each component of the start at its own level)
//! to 295,409.

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
/// What the optimum of the round without group caps says beyond its
/// panels: the arcs of its optimal spanning tree (by role) and each
/// expert's potential there. With them the capped round's first basis
/// follows that tree, so that its potentials are the uncapped optimum's
/// wherever the panels stay, instead of each component of the start
/// hanging from the root at an arbitrary level.
pub(crate) struct UncappedTree {
    /// The tree arcs of the uncapped optimum.
    pub(crate) arcs: Vec<ArcRole>,
    /// Per expert: its potential at the uncapped optimum (0 without a node).
    pub(crate) expert_potential: Vec<i64>,
}

/// A basis of `enc` whose flow seats `panels`, which must keep every rule
/// of the network (the caller cuts the panels that break a cap; an
/// application may be left short, its missing seats then ride on its
/// artificial arc): the start of a capped solve from the optimum of the
/// round without group caps. `None` when the panels do not fit `enc`'s
/// arcs (the caller then starts afresh).
///
/// The arcs strictly between their bounds must be in the tree; on panel
/// networks they form a forest (pairs sit at 0 or 1), and a cycle among
/// them gives up. The nodes that carry what the panels leave of a supply
/// hang from the root by their artificial arcs, the others' first.
/// From them the tree grows, one free-arc component at a time, through
/// arcs at a bound that can still move flow towards the root (so that the
/// tree is strongly feasible): with `uncapped`, the arcs of the uncapped
/// optimal tree, each used group's capped arc, and for a group that
/// carries nothing its tightest arc out (the one whose head's potential
/// less the arc's cost is largest, so that every arc out of the group
/// prices non-negative). Components not reached hang from the root by an
/// artificial arc that may carry nothing, else below another by an arc
/// at a bound. The simplex checks all of it again
/// ([`Simplex::with_basis`]).
pub(crate) fn basis_from_panels(
    inst: &Instance,
    enc: &Encoded,
    panels: &[Vec<ExpertIx>],
    uncapped: Option<&UncappedTree>,
) -> Option<Basis> {
    let net = &enc.net;
    let (n, m) = (net.num_nodes(), net.num_arcs());
    let (lo, up, src, tgt) = (net.lowers(), net.uppers(), net.sources(), net.targets());
    let flow = panel_flows(inst, enc, panels)?;
    let (excess, shifted) = balances(net, &flow)?;
    let free = |a: usize| flow[a] > lo[a] && flow[a] < up[a];
    // Arcs the tree may use besides the free ones.
    let mut optional = vec![false; m];
    if let Some(u) = uncapped {
        let find = Locator::new(enc);
        for &role in &u.arcs {
            if let Some(a) = find.arc(enc, role) {
                optional[a.index()] = true;
            }
        }
        // A used group's capped arc (its group hangs below its parent).
        for (a, role) in enc.arc_roles.iter().enumerate() {
            if matches!(role, ArcRole::CityCap(..) | ArcRole::InstitutionCap(..)) && flow[a] > 0 {
                optional[a] = true;
            }
        }
        tightest_group_arcs(enc, &flow, &u.expert_potential, &mut optional);
    }
    // Both ends of every free or optional arc.
    let mut start = vec![0u32; n + 1];
    for a in (0..m).filter(|&a| free(a) || optional[a]) {
        start[src[a] as usize + 1] += 1;
        start[tgt[a] as usize + 1] += 1;
    }
    for i in 0..n {
        start[i + 1] += start[i];
    }
    let mut adj = vec![0u32; start[n] as usize];
    let mut fill = start.clone();
    for a in (0..m).filter(|&a| free(a) || optional[a]) {
        for x in [src[a], tgt[a]] {
            adj[fill[x as usize] as usize] = a as u32;
            fill[x as usize] += 1;
        }
    }
    drop(fill);
    let mut g = Grower {
        net,
        flow: &flow,
        free: &free,
        start: &start,
        adj: &adj,
        via: vec![NONE; n],
        reached: vec![false; n],
        in_tree: vec![false; m],
        queue: Vec::with_capacity(n),
        head: 0,
    };
    let mut artificial = Vec::new();
    // The nodes with unrouted supply hang from the root. The tree grows
    // first from those on the sink's side, so that the rest of the round
    // takes its potentials from there, then from the applications left
    // short.
    let is_app = |u: usize| matches!(enc.node_roles[u], NodeRole::Application(_));
    let anchors = (0..n).filter(|&u| excess[u] != 0);
    let (short, others): (Vec<usize>, Vec<usize>) = anchors.partition(|&u| is_app(u));
    for &u in others.iter().chain(&short) {
        if g.reached[u] || !g.claim(u as u32, NONE) {
            return None; // two in one component: a cycle through the root
        }
        artificial.push(NodeId(u as u32));
    }
    // The short applications' components wait (reached) until the rest
    // has grown.
    let first_short = g
        .queue
        .iter()
        .position(|&u| is_app(u as usize) && excess[u as usize] != 0);
    let waiting = first_short.map_or_else(Vec::new, |i| g.queue.split_off(i));
    if !g.grow() {
        return None;
    }
    g.queue.extend(waiting);
    if !g.grow() {
        return None;
    }
    let grown = g.queue.len();
    let anchors = artificial.len();
    // The rest: from the root by an artificial arc that may carry nothing.
    for (u, &b) in shifted.iter().enumerate().take(n) {
        if !g.reached[u] && b >= 0 {
            if !g.claim(u as u32, NONE) || !g.grow() {
                return None;
            }
            artificial.push(NodeId(u as u32));
        }
    }
    // Components left (every node must receive flow): below a reached
    // node, by any arc at a bound that can move flow towards it.
    while g.queue.len() < n {
        let before = g.queue.len();
        for a in 0..m {
            let (s, t) = (src[a] as usize, tgt[a] as usize);
            if free(a) || g.reached[s] == g.reached[t] {
                continue;
            }
            let w = if g.reached[s] { t } else { s };
            if g.can_hang(a, w) && !g.claim(w as u32, a as u32) {
                return None;
            }
        }
        if g.queue.len() == before {
            return None;
        }
    }
    let in_tree = g.in_tree;
    if std::env::var_os("PANELS_DEBUG_FLOW").is_some() {
        let mut roles = std::collections::BTreeMap::<&str, usize>::new();
        for &NodeId(u) in &artificial[anchors..] {
            let r = match enc.node_roles[u as usize] {
                NodeRole::Application(_) => "app",
                NodeRole::Expert(_) => "expert",
                NodeRole::CityGroup(..) => "city",
                NodeRole::InstitutionGroup(..) => "inst",
                _ => "other",
            };
            *roles.entry(r).or_default() += 1;
        }
        eprintln!("start: {n} nodes, {anchors} anchors, {grown} grown from them, {} hung at 0 ({roles:?})", artificial.len() - anchors);
    }
    let arcs = (0..m)
        .filter(|&a| in_tree[a] || flow[a] != lo[a])
        .map(|a| (ArcId(a as u32), flow[a], in_tree[a]))
        .collect();
    Some(Basis { arcs, artificial })
}

/// "No arc": a node reached from the root.
const NONE: u32 = u32::MAX;

/// The spanning tree of [`basis_from_panels`], grown from the root.
struct Grower<'a> {
    net: &'a crate::flow::Network,
    flow: &'a [i64],
    free: &'a dyn Fn(usize) -> bool,
    /// Free and optional arcs by end node, in CSR form.
    start: &'a [u32],
    adj: &'a [u32],
    /// The tree arc each reached node hangs by (`NONE`: from the root).
    via: Vec<u32>,
    reached: Vec<bool>,
    in_tree: Vec<bool>,
    /// Reached nodes, in order; those from `head` on still to grow from.
    queue: Vec<u32>,
    head: usize,
}

impl Grower<'_> {
    /// True when node `w`, hanging below the other end of `a`, could send
    /// flow up through it: by raising an arc w → parent, by lowering an
    /// arc parent → w.
    fn can_hang(&self, a: usize, w: usize) -> bool {
        if self.net.sources()[a] as usize == w {
            self.flow[a] < self.net.uppers()[a]
        } else {
            self.flow[a] > self.net.lowers()[a]
        }
    }

    /// The end of arc `a` that is not node `z`.
    fn other_end(&self, a: usize, z: usize) -> u32 {
        let (s, t) = (self.net.sources()[a], self.net.targets()[a]);
        if s as usize == z {
            t
        } else {
            s
        }
    }

    /// Reaches `y` (by arc `arc`, or from the root) and, through free
    /// arcs, its whole component; false on a cycle of free arcs.
    fn claim(&mut self, y: u32, arc: u32) -> bool {
        self.reached[y as usize] = true;
        self.via[y as usize] = arc;
        if arc != NONE {
            self.in_tree[arc as usize] = true;
        }
        let mut i = self.queue.len();
        self.queue.push(y);
        while i < self.queue.len() {
            let z = self.queue[i] as usize;
            i += 1;
            for &a in &self.adj[self.start[z] as usize..self.start[z + 1] as usize] {
                let au = a as usize;
                if a == self.via[z] || !(self.free)(au) {
                    continue;
                }
                let w = self.other_end(au, z);
                if self.reached[w as usize] {
                    return false;
                }
                self.reached[w as usize] = true;
                self.via[w as usize] = a;
                self.in_tree[au] = true;
                self.queue.push(w);
            }
        }
        true
    }

    /// Grows the tree from the reached nodes not grown from yet, through
    /// the optional arcs that can hang their other end; false on a cycle
    /// of free arcs.
    fn grow(&mut self) -> bool {
        while self.head < self.queue.len() {
            let z = self.queue[self.head] as usize;
            self.head += 1;
            for i in self.start[z] as usize..self.start[z + 1] as usize {
                let a = self.adj[i];
                let au = a as usize;
                if a == self.via[z] || (self.free)(au) {
                    continue;
                }
                let w = self.other_end(au, z);
                if !self.reached[w as usize] && self.can_hang(au, w as usize) && !self.claim(w, a) {
                    return false;
                }
            }
        }
        true
    }
}

/// Marks in `optional`, for every group node that carries no flow, its
/// tightest arc out: a pair arc or the capped arc of a group nested in it,
/// whichever's head has the largest potential less the arc's cost (an
/// expert's from `expert_potential`, a nested group's as found here).
/// Hanging the group below that head gives it the least potential at
/// which no arc out of it prices negative.
fn tightest_group_arcs(
    enc: &Encoded,
    flow: &[i64],
    expert_potential: &[i64],
    optional: &mut [bool],
) {
    let net = &enc.net;
    let (n, m) = (net.num_nodes(), net.num_arcs());
    let (src, tgt, cost) = (net.sources(), net.targets(), net.costs());
    let mut out_flow = vec![0i64; n];
    for a in 0..m {
        out_flow[src[a] as usize] += flow[a];
    }
    // Best (potential − cost, arc) out of each node; institution groups
    // hold pairs only, so they are settled before the city groups above.
    let mut best: Vec<Option<(i64, u32)>> = vec![None; n];
    let potential_of = |x: usize, best: &[Option<(i64, u32)>]| match enc.node_roles[x] {
        NodeRole::Expert(e) => expert_potential.get(e.ix()).copied(),
        NodeRole::InstitutionGroup(..) | NodeRole::CityGroup(..) if out_flow[x] == 0 => {
            best[x].map(|(v, _)| v)
        }
        _ => None,
    };
    // Institution groups, then city groups, then applications: an
    // application's arc counts only when it carries nothing (the
    // application, whose seats go elsewhere, can hang below its head).
    let level = |x: usize| match enc.node_roles[x] {
        NodeRole::InstitutionGroup(..) => 0,
        NodeRole::CityGroup(..) => 1,
        NodeRole::Application(..) => 2,
        _ => 3,
    };
    for at in 0..3 {
        for a in 0..m {
            let (s, t) = (src[a] as usize, tgt[a] as usize);
            if level(s) != at || (at < 2 && out_flow[s] != 0) || (at == 2 && flow[a] != 0) {
                continue;
            }
            if let Some(p) = potential_of(t, &best) {
                let v = p.saturating_sub(cost[a]);
                if best[s].is_none_or(|(b, _)| v > b) {
                    best[s] = Some((v, a as u32));
                }
            }
        }
    }
    for (_, a) in best.into_iter().flatten() {
        optional[a as usize] = true;
    }
}

/// The flow on each arc of `enc` that seats `panels` (see
/// [`basis_from_panels`]); `None` when a bonus arc is involved.
fn panel_flows(inst: &Instance, enc: &Encoded, panels: &[Vec<ExpertIx>]) -> Option<Vec<i64>> {
    let (m, lo) = (enc.net.num_arcs(), enc.net.lowers());
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
    Some(flow)
}

/// Each node's supply left unrouted by `flow`, and its supply with the
/// arcs' lower bounds moved in (its sign says which way the node's
/// artificial arc points); `None` when a flow leaves its bounds.
fn balances(net: &crate::flow::Network, flow: &[i64]) -> Option<(Vec<i64>, Vec<i64>)> {
    let (lo, up, src, tgt) = (net.lowers(), net.uppers(), net.sources(), net.targets());
    let mut excess: Vec<i64> = net.supplies().to_vec();
    let mut shifted = excess.clone();
    for a in 0..flow.len() {
        let f = flow[a];
        if f < lo[a] || f > up[a] {
            return None;
        }
        let (s, t) = (src[a] as usize, tgt[a] as usize);
        excess[s] -= f;
        excess[t] += f;
        shifted[s] -= lo[a];
        shifted[t] += lo[a];
    }
    Some((excess, shifted))
}

//! Primal network simplex with block-search pricing (see the module docs of
//! [`super`] for the theory). [`Simplex`] holds the working copy of a
//! [`Network`] and the spanning-tree basis; [`Network::solve`] drives it.
//!
//! Layout: one array per attribute, ids as `u32`. Internal arcs are the
//! network's non-loop arcs in a strided order (so that a pricing block
//! samples the whole graph), followed by one artificial arc per node. Node
//! `n` is the artificial root.

use super::{FlowError, FlowSolution, Network};

/// Marks "no node" (the root's parent).
const NONE: u32 = u32::MAX;

/// Arc states: a non-tree arc at its lower bound, at its upper bound, or a
/// tree arc. Chosen so that `state · rc < 0` means "violates optimality".
const LOWER: i8 = 1;
const UPPER: i8 = -1;
const TREE: i8 = 0;

/// Direction of the tree arc joining a node to its parent.
const UP: i8 = 1; // arc goes node → parent
const DOWN: i8 = -1; // arc goes parent → node

/// Room kept for growth beside `len` items of an array (a sixteenth, at
/// least 1024): national rounds' pricing adds about 3% more arcs, and a
/// round that adds more grows its arrays once, as before.
fn growth_room(len: usize) -> usize {
    (len / 16).max(1024)
}

/// `len` copies of `value`, in a vector with room for `capacity` items.
fn filled<T: Clone>(len: usize, capacity: usize, value: T) -> Vec<T> {
    let mut v = Vec::with_capacity(capacity.max(len));
    v.resize(len, value);
    v
}

/// Block size of the pivot search for `m` arcs: `⌈√m / 4⌉` up to 2M
/// arcs, `⌈√m / 10⌉` above, at least 10.
///
/// LEMON uses `√m`. On the panel networks the number of pivots barely
/// depends on the block (970k pivots at `√m`, 1.07M at `√m / 4`, 1.35M at
/// `√m / 10` for 100k applications, 4.1M arcs) while each pivot prices a
/// block, so smaller blocks win: 9.2 s → 4.1 s → 2.8 s there. Below 2M arcs
/// `√m / 4` is as fast as `√m` (dense-1000: 0.15 s both).
fn block_size(m: usize) -> usize {
    let root = (m as f64).sqrt();
    let f = if m > 2_000_000 { 0.1 } else { 0.25 };
    ((root * f).ceil() as usize).max(10)
}

/// A spanning-tree basis in a [`Network`]'s terms: what
/// [`Simplex::basis`] reads off a solved network and
/// [`Simplex::with_basis`] starts from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Basis {
    /// Every arc in the tree or away from its lower bound: (arc, flow, in
    /// the tree). An arc not listed is at its lower bound, outside the
    /// tree.
    pub arcs: Vec<(super::ArcId, i64, bool)>,
    /// The nodes joined to the artificial root by their artificial arc.
    /// Such an arc carries what the listed arcs leave of its node's supply
    /// (none when they route it all): a basis may leave supply unrouted,
    /// as the starting tree does, but only on these arcs.
    pub artificial: Vec<super::NodeId>,
}

/// The simplex working state.
pub struct Simplex {
    /// Real nodes; the root is node `n`.
    n: usize,
    /// Searchable (real, non-loop) arcs; artificial arcs follow.
    m: usize,
    /// Network arc id of each internal real arc.
    arc_of: Vec<u32>,

    src: Vec<u32>,
    tgt: Vec<u32>,
    cost: Vec<i64>,
    cap: Vec<i64>,
    flow: Vec<i64>,
    state: Vec<i8>,

    pi: Vec<i64>,
    parent: Vec<u32>,
    pred: Vec<u32>,
    dir: Vec<i8>,
    thread: Vec<u32>,
    rev_thread: Vec<u32>,
    succ_num: Vec<u32>,
    last_succ: Vec<u32>,

    /// The |cost| bound the big-M was made for: arcs added later must stay
    /// within it ([`Simplex::add_arcs`]).
    max_cost: i64,
    block: usize,
    next_arc: usize,
    /// Scratch: the new preorder of a moved subtree.
    buf: Vec<u32>,
    /// Pivots performed (tree changes and bound flips).
    pub pivots: u64,
    /// Arcs priced, summed over all pivots.
    pub arcs_priced: u64,
    /// Potentials updated, summed over all pivots.
    pub potentials_moved: u64,
}

/// A spanning tree's arrays, found by [`Simplex::span`].
struct Spanned {
    parent: Vec<u32>,
    pred: Vec<u32>,
    dir: Vec<i8>,
    pi: Vec<i64>,
    /// Arcs left out of the tree at their bound, (arc, its lower end now
    /// hanging from the root).
    rehung: Vec<(u32, u32)>,
}

impl Simplex {
    /// Validates `net` ([`Network::validate`]) and sets up the starting
    /// tree.
    pub fn new(net: &Network) -> Result<Self, FlowError> {
        Self::with_cost_bound(net, 0)
    }

    /// Like [`Simplex::new`], with the big-M made for arc costs up to
    /// `cost_bound` in magnitude (or the network's largest, if larger), so
    /// that arcs of such costs can be added later ([`Simplex::add_arcs`]).
    pub fn with_cost_bound(net: &Network, cost_bound: i64) -> Result<Self, FlowError> {
        let (mut sx, b) = Self::layout(net, cost_bound)?;
        sx.hang_transit_nodes(&b);
        Ok(sx)
    }

    /// Like [`Simplex::with_cost_bound`], starting from `basis` (typically
    /// the optimal basis of a smaller network carried over, see
    /// [`Basis`]) when it is a strongly feasible spanning-tree basis of
    /// `net` whose flow meets every supply (what it leaves unrouted riding
    /// on artificial arcs of the tree); otherwise from the usual starting
    /// tree. The second value says which: `Ok(())`, or why the
    /// basis was not taken.
    ///
    /// # Errors
    /// As [`Simplex::with_cost_bound`].
    pub fn with_basis(
        net: &Network,
        cost_bound: i64,
        basis: &Basis,
    ) -> Result<(Self, Result<(), &'static str>), FlowError> {
        let (mut sx, b) = Self::layout(net, cost_bound)?;
        let taken = sx.set_basis(net, basis);
        if taken.is_err() {
            sx.hang_transit_nodes(&b);
        }
        Ok((sx, taken))
    }

    /// The arrays of `net` in pricing order, with every node on its
    /// artificial arc (carrying its shifted supply), and those supplies.
    fn layout(net: &Network, cost_bound: i64) -> Result<(Self, Vec<i64>), FlowError> {
        net.validate()?;
        let cost_bound = cost_bound.max(0);
        let limit = (i128::from(cost_bound) + 1) * (net.num_nodes() as i128 + 1);
        if limit > super::network::COST_LIMIT {
            return Err(FlowError::CostRange {
                what: "(cost bound + 1) × (nodes + 1)",
                value: limit,
                limit: super::network::COST_LIMIT,
            });
        }
        let n = net.num_nodes();
        let (src0, tgt0) = (net.sources(), net.targets());
        let (lo, up, co) = (net.lowers(), net.uppers(), net.costs());

        // Shift lower bounds into supplies.
        let mut b: Vec<i64> = net.supplies().to_vec();
        let mut real: Vec<u32> = Vec::with_capacity(src0.len());
        for a in 0..src0.len() {
            let (s, t) = (src0[a] as usize, tgt0[a] as usize);
            if s == t {
                continue; // loops are set directly in `solution`
            }
            b[s] -= lo[a];
            b[t] += lo[a];
            real.push(a as u32);
        }
        let m = real.len();
        let block = block_size(m);

        // Strided order: arc j of `real` goes to round j mod block, at
        // place j / block in it. Written by scattering in arc order (the
        // network's arrays are read in order; each round is written in
        // order).
        let rounds = block.min(m);
        let mut round_start = Vec::with_capacity(rounds);
        let mut at = 0usize;
        for r in 0..rounds {
            round_start.push(at);
            at += (m - r).div_ceil(block);
        }
        let total = m + n;
        // Room for the arcs and nodes pricing may add later
        // ([`Simplex::add_arcs`], [`Simplex::extend`]): without it the
        // first arc added copies every array into one twice its size, a
        // passing peak of their whole size in fresh memory. Room never
        // written is address space only (no page behind it).
        let (arc_room, node_room) = (growth_room(m), growth_room(n));
        // Arc arrays: the real arcs now, the artificial ones pushed below.
        let room = total + arc_room + node_room;
        let mut arc_of = filled(m, m + arc_room, 0u32);
        let (mut src, mut tgt) = (filled(m, room, 0u32), filled(m, room, 0u32));
        let (mut cost, mut cap) = (filled(m, room, 0i64), filled(m, room, 0i64));
        let mut max_cost: i64 = cost_bound;
        let (mut r, mut q) = (0usize, 0usize);
        for &a in &real {
            let p = round_start[r] + q;
            r += 1;
            if r == rounds {
                r = 0;
                q += 1;
            }
            let a = a as usize;
            arc_of[p] = a as u32;
            src[p] = src0[a];
            tgt[p] = tgt0[a];
            cost[p] = co[a];
            cap[p] = up[a] - lo[a];
            max_cost = max_cost.max(co[a].unsigned_abs() as i64);
        }
        drop(real);
        // Zeros from the allocator: pages of `flow` a cold start never
        // writes stay unbacked.
        let mut flow = vec![0i64; room];
        flow.truncate(total);
        let mut state = filled(total, room, LOWER);

        // Artificial root and arcs. M exceeds the cost of any simple path.
        let big_m = (max_cost + 1) * (n as i64 + 1);
        let root = n as u32;
        let node_capacity = n + 1 + node_room;
        let mut pi = filled(n + 1, node_capacity, 0i64);
        let mut parent = filled(n + 1, node_capacity, root);
        let mut pred = filled(n + 1, node_capacity, 0u32);
        let mut dir = filled(n + 1, node_capacity, UP);
        let mut thread = filled(n + 1, node_capacity, 0u32);
        let mut rev_thread = filled(n + 1, node_capacity, 0u32);
        let mut succ_num = filled(n + 1, node_capacity, 1u32);
        let mut last_succ = filled(n + 1, node_capacity, 0u32);
        for u in 0..n {
            let e = m + u;
            pred[u] = e as u32;
            thread[u] = u as u32 + 1;
            rev_thread[u + 1] = u as u32;
            last_succ[u] = u as u32;
            state[e] = TREE;
            cap.push(i64::MAX);
            if b[u] >= 0 {
                src.push(u as u32);
                tgt.push(root);
                cost.push(0);
                flow[e] = b[u];
                dir[u] = UP;
                pi[u] = 0;
            } else {
                src.push(root);
                tgt.push(u as u32);
                cost.push(big_m);
                flow[e] = -b[u];
                dir[u] = DOWN;
                pi[u] = big_m;
            }
        }
        parent[n] = NONE;
        pred[n] = NONE;
        thread[n] = 0; // for n == 0 this is the root itself
        rev_thread[0] = n as u32;
        succ_num[n] = n as u32 + 1;
        last_succ[n] = if n == 0 { root } else { n as u32 - 1 };
        pi[n] = 0;

        let sx = Simplex {
            n,
            m,
            arc_of,
            src,
            tgt,
            cost,
            cap,
            flow,
            state,
            pi,
            parent,
            pred,
            dir,
            thread,
            rev_thread,
            succ_num,
            last_succ,
            max_cost,
            block,
            next_arc: 0,
            buf: Vec::new(),
            pivots: 0,
            arcs_priced: 0,
            potentials_moved: 0,
        };
        Ok((sx, b))
    }

    /// Replaces the starting tree by `basis` (see [`Simplex::with_basis`]);
    /// on error nothing has changed.
    fn set_basis(&mut self, net: &Network, basis: &Basis) -> Result<(), &'static str> {
        let (n, m) = (self.n, self.m);
        let lo = net.lowers();
        // The listed arcs at their internal positions, sorted: (position,
        // flow above the lower bound, in tree).
        let mut pos = vec![NONE; net.num_arcs()];
        for (p, &a) in self.arc_of.iter().enumerate() {
            pos[a as usize] = p as u32;
        }
        let mut listed: Vec<(u32, i64, bool)> = Vec::with_capacity(basis.arcs.len());
        for &(a, f, in_tree) in &basis.arcs {
            let p = *pos
                .get(a.index())
                .ok_or("a basis arc is not in the network")?;
            if p == NONE {
                return Err("a basis arc is a loop");
            }
            listed.push((p, f - lo[a.index()], in_tree));
        }
        drop(pos);
        listed.sort_unstable_by_key(|x| x.0);
        if listed.windows(2).any(|w| w[0].0 == w[1].0) {
            return Err("an arc is listed twice in the basis");
        }
        // Bounds and flow balance (the artificial arcs carry the shifted
        // supplies now; the basis must route all of it on real arcs).
        let mut excess: Vec<i64> = (0..n)
            .map(|u| {
                let e = m + u;
                if self.src[e] as usize == u {
                    self.flow[e]
                } else {
                    -self.flow[e]
                }
            })
            .collect();
        let mut tree_arcs = 0usize;
        for &(p, f, in_tree) in &listed {
            let p = p as usize;
            if f < 0 || f > self.cap[p] {
                return Err("a basis flow lies outside its arc's bounds");
            }
            if !in_tree && f != 0 && f != self.cap[p] {
                return Err("a non-tree arc of the basis lies strictly between its bounds");
            }
            tree_arcs += usize::from(in_tree);
            excess[self.src[p] as usize] -= f;
            excess[self.tgt[p] as usize] += f;
        }
        let mut art = vec![false; n];
        for &u in &basis.artificial {
            let u = u.index();
            if u >= n || std::mem::replace(&mut art[u], true) {
                return Err("a basis artificial arc names no node, or names one twice");
            }
        }
        // What the listed arcs leave of a node's supply rides on its
        // artificial arc, which must then be in the tree and point the way
        // that supply goes (out of a node with supply left, into a node
        // with demand left).
        let mut art_flow = vec![0i64; n];
        for (u, &x) in excess.iter().enumerate() {
            if x == 0 {
                continue;
            }
            let out = self.src[m + u] as usize == u;
            if !art[u] || out != (x > 0) {
                return Err("the basis flow does not meet the supplies");
            }
            art_flow[u] = x.abs();
        }
        drop(excess);
        if tree_arcs + basis.artificial.len() != n {
            return Err("the basis tree does not have one arc per node");
        }
        // The tree arcs with their flows.
        let tree: Vec<(u32, i64)> = listed
            .iter()
            .filter(|x| x.2)
            .map(|&(p, f, _)| (p, f))
            .chain(
                basis
                    .artificial
                    .iter()
                    .map(|u| ((m + u.index()) as u32, art_flow[u.index()])),
            )
            .collect();
        let spanned = self.span(&tree, 0, |_, _| false)?;
        drop(tree);
        // Valid: take it.
        self.flow[..m].fill(0);
        self.state[..m].fill(LOWER);
        for &(p, f, in_tree) in &listed {
            let p = p as usize;
            self.flow[p] = f;
            self.state[p] = if in_tree {
                TREE
            } else if f == 0 {
                LOWER
            } else {
                UPPER
            };
        }
        for (u, &in_tree) in art.iter().enumerate() {
            self.flow[m + u] = art_flow[u];
            self.state[m + u] = if in_tree { TREE } else { LOWER };
        }
        self.parent = spanned.parent;
        self.pred = spanned.pred;
        self.dir = spanned.dir;
        self.pi = spanned.pi;
        self.next_arc = 0;
        self.rebuild_thread();
        Ok(())
    }

    /// Starting-tree heuristic. A node with zero (shifted) supply is hung
    /// below a neighbour by one of its out-arcs at flow 0 instead of by its
    /// artificial arc, choosing the arc that leaves all its out-arcs with
    /// `rc ≥ 0` (parent `p` maximising `π(p) − cost`). Nodes are taken in
    /// reverse topological order (a node after all its out-neighbours), so
    /// on acyclic networks every transit node is hung; nodes on cycles keep
    /// their artificial arc. Zero-flow tree arcs point towards the root, so
    /// the tree stays strongly feasible.
    fn hang_transit_nodes(&mut self, b: &[i64]) {
        let (n, m) = (self.n, self.m);
        if n == 0 || m == 0 {
            return;
        }
        // In-adjacency (arcs with room only) in CSR form, and the number of
        // such out-arcs per node.
        let mut pending = vec![0u32; n];
        let mut in_start = vec![0u32; n + 1];
        for a in 0..m {
            if self.cap[a] > 0 {
                pending[self.src[a] as usize] += 1;
                in_start[self.tgt[a] as usize + 1] += 1;
            }
        }
        for i in 0..n {
            in_start[i + 1] += in_start[i];
        }
        let mut in_arcs = vec![0u32; in_start[n] as usize];
        let mut fill = in_start.clone();
        for a in 0..m {
            if self.cap[a] > 0 {
                let t = self.tgt[a] as usize;
                in_arcs[fill[t] as usize] = a as u32;
                fill[t] += 1;
            }
        }
        drop(fill);

        // pending[u]: out-arcs of u whose head is not settled yet; best[u]:
        // the best parent arc among the settled heads so far.
        let mut best = vec![(i64::MIN, NONE); n];
        let mut queue: Vec<u32> = Vec::with_capacity(n);
        let mut settled = vec![false; n];
        for u in 0..n {
            if b[u] != 0 || pending[u] == 0 {
                settled[u] = true;
                queue.push(u as u32);
            }
        }
        let mut head = 0;
        let mut hung = 0usize;
        while head < queue.len() {
            let p = queue[head] as usize;
            head += 1;
            let pi_p = self.pi[p];
            for &a in &in_arcs[in_start[p] as usize..in_start[p + 1] as usize] {
                let u = self.src[a as usize] as usize;
                if settled[u] {
                    continue;
                }
                let val = pi_p - self.cost[a as usize];
                if val > best[u].0 {
                    best[u] = (val, a);
                }
                pending[u] -= 1;
                if pending[u] > 0 {
                    continue;
                }
                // All out-neighbours settled: hang u below the best one.
                let (val, arc) = best[u];
                let art = m + u;
                self.state[art] = LOWER;
                self.flow[art] = 0;
                self.state[arc as usize] = TREE;
                self.parent[u] = self.tgt[arc as usize];
                self.pred[u] = arc;
                self.dir[u] = UP;
                self.pi[u] = val;
                settled[u] = true;
                hung += 1;
                queue.push(u as u32);
            }
        }
        if hung > 0 {
            self.rebuild_thread();
        }
    }

    /// Recomputes `thread`, `rev_thread`, `succ_num` and `last_succ` from
    /// `parent` (children in increasing node order).
    fn rebuild_thread(&mut self) {
        let total = self.n + 1;
        let root = self.n;
        let mut child_start = vec![0u32; total + 1];
        for u in 0..self.n {
            child_start[self.parent[u] as usize + 1] += 1;
        }
        for i in 0..total {
            child_start[i + 1] += child_start[i];
        }
        let mut children = vec![0u32; self.n];
        let mut fill = child_start.clone();
        for u in 0..self.n {
            let p = self.parent[u] as usize;
            children[fill[p] as usize] = u as u32;
            fill[p] += 1;
        }
        // Iterative preorder.
        let mut order: Vec<u32> = Vec::with_capacity(total);
        let mut stack: Vec<u32> = vec![root as u32];
        while let Some(u) = stack.pop() {
            order.push(u);
            let (a, z) = (
                child_start[u as usize] as usize,
                child_start[u as usize + 1] as usize,
            );
            stack.extend(children[a..z].iter().rev());
        }
        debug_assert_eq!(order.len(), total);
        for i in 0..total {
            let (u, v) = (order[i], order[(i + 1) % total]);
            self.thread[u as usize] = v;
            self.rev_thread[v as usize] = u;
        }
        for &u in order.iter().rev() {
            let ui = u as usize;
            let (a, z) = (child_start[ui] as usize, child_start[ui + 1] as usize);
            let mut size = 1;
            let mut last = u;
            for &c in &children[a..z] {
                size += self.succ_num[c as usize];
                last = self.last_succ[c as usize];
            }
            self.succ_num[ui] = size;
            self.last_succ[ui] = last;
        }
    }

    /// Block search: the most violating arc of the first block (scanning
    /// cyclically from where the last search stopped) that holds one.
    #[inline(never)]
    fn find_entering(&mut self) -> Option<usize> {
        let m = self.m;
        let mut best = 0i64;
        let mut best_arc = 0usize;
        let mut start = self.next_arc;
        let mut scanned = 0usize;
        while scanned < m {
            let len = self.block.min(m - scanned);
            let end = start + len;
            if end <= m {
                self.scan(start, end, &mut best, &mut best_arc);
            } else {
                self.scan(start, m, &mut best, &mut best_arc);
                self.scan(0, end - m, &mut best, &mut best_arc);
            }
            scanned += len;
            start = if end >= m { end - m } else { end };
            if best < 0 {
                self.next_arc = start;
                self.arcs_priced += scanned as u64;
                return Some(best_arc);
            }
        }
        self.arcs_priced += m as u64;
        None
    }

    /// Prices arcs `from..to`, keeping the most negative `state · rc`.
    #[inline(always)]
    fn scan(&self, from: usize, to: usize, best: &mut i64, best_arc: &mut usize) {
        let pi = &self.pi[..];
        let arcs = self.src[from..to]
            .iter()
            .zip(&self.tgt[from..to])
            .zip(self.cost[from..to].iter().zip(&self.state[from..to]));
        for (i, ((&s, &t), (&c, &st))) in arcs.enumerate() {
            let rc = c.wrapping_add(pi[s as usize].wrapping_sub(pi[t as usize]));
            let v = i64::from(st).wrapping_mul(rc);
            if v < *best {
                *best = v;
                *best_arc = from + i;
            }
        }
    }

    /// Lowest common ancestor of `u` and `v` in the tree.
    fn join(&self, mut u: u32, mut v: u32) -> u32 {
        while u != v {
            if self.succ_num[u as usize] < self.succ_num[v as usize] {
                u = self.parent[u as usize];
            } else {
                v = self.parent[v as usize];
            }
        }
        u
    }

    /// Runs pivots to optimality. Returns `false` when the supplies cannot be
    /// routed (an artificial arc still carries flow).
    pub fn run(&mut self) -> bool {
        while let Some(e) = self.find_entering() {
            self.pivot(e);
        }
        self.flow[self.m..].iter().all(|&f| f == 0)
    }

    #[inline(never)]
    fn pivot(&mut self, e: usize) {
        self.pivots += 1;
        let (first, second) = if self.state[e] == LOWER {
            (self.src[e], self.tgt[e])
        } else {
            (self.tgt[e], self.src[e])
        };
        let join = self.join(first, second);

        // Leaving arc: the last blocking arc on the cycle, oriented along
        // the flow and starting at the apex (keeps the tree strongly
        // feasible). Order on the cycle: join → first, e, second → join.
        let mut delta = self.cap[e];
        let mut side = 0u8;
        let mut u_out = NONE;
        let mut u = first;
        while u != join {
            let ui = u as usize;
            let a = self.pred[ui] as usize;
            let r = if self.dir[ui] == DOWN {
                self.cap[a] - self.flow[a]
            } else {
                self.flow[a]
            };
            if r < delta {
                delta = r;
                u_out = u;
                side = 1;
            }
            u = self.parent[ui];
        }
        let mut u = second;
        while u != join {
            let ui = u as usize;
            let a = self.pred[ui] as usize;
            let r = if self.dir[ui] == UP {
                self.cap[a] - self.flow[a]
            } else {
                self.flow[a]
            };
            if r <= delta {
                delta = r;
                u_out = u;
                side = 2;
            }
            u = self.parent[ui];
        }

        // Augment along the cycle.
        if delta > 0 {
            let val = i64::from(self.state[e]) * delta;
            self.flow[e] += val;
            let mut u = self.src[e];
            while u != join {
                let ui = u as usize;
                self.flow[self.pred[ui] as usize] -= i64::from(self.dir[ui]) * val;
                u = self.parent[ui];
            }
            let mut u = self.tgt[e];
            while u != join {
                let ui = u as usize;
                self.flow[self.pred[ui] as usize] += i64::from(self.dir[ui]) * val;
                u = self.parent[ui];
            }
        }

        if side == 0 {
            // The entering arc blocks itself: it moves to its other bound.
            self.state[e] = -self.state[e];
            return;
        }
        let (u_in, v_in) = if side == 1 {
            (first, second)
        } else {
            (second, first)
        };
        let leaving = self.pred[u_out as usize] as usize;
        self.state[e] = TREE;
        self.state[leaving] = if self.flow[leaving] == 0 {
            LOWER
        } else {
            UPPER
        };
        self.update_tree(e, join, u_in, v_in, u_out);
    }

    /// Replaces the tree arc above `u_out` by `e = (u_in, v_in)`: the subtree
    /// of `u_out` is re-hung below `v_in`, re-rooted at `u_in`, and the
    /// potentials shifted so that `e` gets reduced cost 0.
    ///
    /// Cost: O(stem + depth) for the tree arrays, where the stem is the tree
    /// path `u_in … u_out`, plus O(min(moved, rest)) for the potentials:
    /// potentials matter only up to a constant, so the smaller side moves.
    #[inline(never)]
    fn update_tree(&mut self, e: usize, join: u32, u_in: u32, v_in: u32, u_out: u32) {
        let uo = u_out as usize;
        let v_out = self.parent[uo];
        let size = self.succ_num[uo];
        let old_last = self.last_succ[uo];
        let before = self.rev_thread[uo];
        let after = self.thread[old_last as usize];

        let dir_in = if u_in == self.src[e] { UP } else { DOWN };
        let sigma = self.pi[v_in as usize]
            .wrapping_sub(self.pi[u_in as usize])
            .wrapping_sub(i64::from(dir_in).wrapping_mul(self.cost[e]));

        // New preorder of the moved subtree, as pieces of the old thread.
        // With stem s_0 = u_in, s_1 = parent(s_0), …, s_k = u_out it is:
        // s_0 and its old subtree; then for each i ≥ 1: s_i, the part A_i of
        // s_i's old subtree before s_{i-1}'s, the part B_i after it.
        let mut pieces = std::mem::take(&mut self.buf);
        pieces.clear();
        pieces.push(u_in);
        pieces.push(self.last_succ[u_in as usize]);
        let mut prev = u_in;
        while prev != u_out {
            let s = self.parent[prev as usize];
            let (si, pi_) = (s as usize, prev as usize);
            pieces.push(s);
            pieces.push(s);
            if self.thread[si] != prev {
                pieces.push(self.thread[si]);
                pieces.push(self.rev_thread[pi_]);
            }
            let prev_last = self.last_succ[pi_];
            if prev_last != self.last_succ[si] {
                pieces.push(self.thread[prev_last as usize]);
                pieces.push(self.last_succ[si]);
            }
            prev = s;
        }
        let new_last = pieces[pieces.len() - 1];

        // Re-hang the stem: parents, tree arcs and directions flip along it.
        let mut child = u_in;
        let mut new_parent = v_in;
        let mut new_pred = e as u32;
        let mut new_dir = dir_in;
        let mut prev_old_succ = 0u32;
        loop {
            let ci = child as usize;
            let (old_parent, old_pred, old_dir, old_succ) = (
                self.parent[ci],
                self.pred[ci],
                self.dir[ci],
                self.succ_num[ci],
            );
            self.parent[ci] = new_parent;
            self.pred[ci] = new_pred;
            self.dir[ci] = new_dir;
            self.succ_num[ci] = size - prev_old_succ;
            self.last_succ[ci] = new_last;
            if child == u_out {
                break;
            }
            new_parent = child;
            new_pred = old_pred;
            new_dir = -old_dir;
            prev_old_succ = old_succ;
            child = old_parent;
        }

        // Chain the pieces.
        for w in pieces[1..pieces.len() - 1].chunks_exact(2) {
            let (last, first) = (w[0], w[1]);
            self.thread[last as usize] = first;
            self.rev_thread[first as usize] = last;
        }

        // Cut the block out of the old place; fix last_succ above v_out.
        self.thread[before as usize] = after;
        self.rev_thread[after as usize] = before;
        let mut w = v_out;
        while w != NONE && self.last_succ[w as usize] == old_last {
            self.last_succ[w as usize] = before;
            w = self.parent[w as usize];
        }

        // Splice it in right after v_in.
        let next = self.thread[v_in as usize];
        self.thread[v_in as usize] = u_in;
        self.rev_thread[u_in as usize] = v_in;
        self.thread[new_last as usize] = next;
        self.rev_thread[next as usize] = new_last;
        let mut w = v_in;
        while w != NONE && self.last_succ[w as usize] == v_in {
            self.last_succ[w as usize] = new_last;
            w = self.parent[w as usize];
        }

        // Subtree sizes between the two attachment points and the apex.
        let mut w = v_in;
        while w != join {
            self.succ_num[w as usize] += size;
            w = self.parent[w as usize];
        }
        let mut w = v_out;
        while w != join {
            self.succ_num[w as usize] -= size;
            w = self.parent[w as usize];
        }
        self.buf = pieces;

        // Potentials: shift the moved subtree by sigma, or equivalently the
        // rest of the tree by -sigma (values are kept modulo 2^64; every
        // difference that matters fits in i64, so wrapping is exact).
        self.potentials_moved += u64::from(size.min(self.n as u32 + 1 - size));
        if (size as usize) * 2 <= self.n + 1 {
            let mut x = u_in;
            for _ in 0..size {
                let xi = x as usize;
                self.pi[xi] = self.pi[xi].wrapping_add(sigma);
                x = self.thread[xi];
            }
        } else {
            let mut x = next;
            while x != u_in {
                let xi = x as usize;
                self.pi[xi] = self.pi[xi].wrapping_sub(sigma);
                x = self.thread[xi];
            }
        }
    }

    /// Nodes of the network this simplex was made from (or last extended
    /// to), without its artificial root.
    pub fn num_nodes(&self) -> usize {
        self.n
    }

    /// The current basis in `net`'s terms (to carry over to a larger
    /// network, see [`Simplex::with_basis`]): every arc in the tree or
    /// away from its lower bound, and the nodes whose artificial arc is in
    /// the tree. Arcs of `net` added after this simplex was made (and not
    /// taken in by [`Simplex::add_arcs`]) count as at their lower bound.
    pub fn basis(&self, net: &Network) -> Basis {
        let lo = net.lowers();
        let arcs = (0..self.m)
            .filter(|&p| self.state[p] == TREE || self.flow[p] != 0)
            .map(|p| {
                let a = self.arc_of[p] as usize;
                (
                    super::ArcId(a as u32),
                    lo[a] + self.flow[p],
                    self.state[p] == TREE,
                )
            })
            .collect();
        let artificial = (0..self.n)
            .filter(|&u| self.state[self.m + u] == TREE)
            .map(|u| super::NodeId(u as u32))
            .collect();
        Basis { arcs, artificial }
    }

    /// Warm start: takes in the arcs `first..` that were added to `net`
    /// since this simplex was made from it. Each enters at its lower bound,
    /// which must be 0 (so no supply moves): the current tree stays a
    /// feasible, strongly feasible basis and its potentials price the new
    /// arcs, so [`Simplex::run`] simply continues. Arc costs must lie within
    /// the bound the big-M was made for ([`Simplex::with_cost_bound`]).
    ///
    /// Cost: O(m + n) to make room (the artificial arcs move up).
    ///
    /// # Errors
    /// A message, and nothing changed, when an arc has a non-zero lower
    /// bound, reversed bounds or a cost beyond the bound, or names a node
    /// the simplex does not have; the caller then starts afresh.
    pub fn add_arcs(&mut self, net: &Network, first: usize) -> Result<(), &'static str> {
        let new = self.added_arcs(net, first, self.n)?;
        let (m, k) = self.append_arcs(net, &new);
        self.spread(m, k);
        Ok(())
    }

    /// The arcs `first..` of `net` that are not loops, checked as
    /// [`Simplex::add_arcs`] takes them, for a simplex of `nodes` nodes.
    fn added_arcs(
        &self,
        net: &Network,
        first: usize,
        nodes: usize,
    ) -> Result<Vec<u32>, &'static str> {
        let (s0, t0) = (net.sources(), net.targets());
        let (lo, up, co) = (net.lowers(), net.uppers(), net.costs());
        let mut new: Vec<u32> = Vec::new();
        for a in first..s0.len() {
            if lo[a] != 0 || up[a] < 0 {
                return Err("an added arc must have lower bound 0 and upper bound >= 0");
            }
            if co[a].unsigned_abs() > self.max_cost as u64 {
                return Err("an added arc's cost is beyond the bound of the big-M");
            }
            if s0[a] as usize >= nodes || t0[a] as usize >= nodes {
                return Err("an added arc names a node the simplex does not have");
            }
            if s0[a] != t0[a] {
                new.push(a as u32);
            }
        }
        Ok(new)
    }

    /// Lays the arcs `new` of `net` (from [`Simplex::added_arcs`]) out at
    /// positions `m..m + k`, at their lower bound 0, and returns `(m, k)`.
    fn append_arcs(&mut self, net: &Network, new: &[u32]) -> (usize, usize) {
        let (s0, t0) = (net.sources(), net.targets());
        let (up, co) = (net.uppers(), net.costs());
        let k = new.len();
        if k == 0 {
            return (self.m, 0);
        }
        let m = self.m;
        let at = |v: &mut Vec<u32>, f: &dyn Fn(usize) -> u32| {
            v.splice(m..m, new.iter().map(|&a| f(a as usize)));
        };
        at(&mut self.src, &|a| s0[a]);
        at(&mut self.tgt, &|a| t0[a]);
        self.cost.splice(m..m, new.iter().map(|&a| co[a as usize]));
        self.cap.splice(m..m, new.iter().map(|&a| up[a as usize]));
        self.flow.splice(m..m, std::iter::repeat_n(0, k));
        self.state.splice(m..m, std::iter::repeat_n(LOWER, k));
        self.arc_of.extend_from_slice(new);
        for p in self.pred.iter_mut() {
            if *p != NONE && *p as usize >= m {
                *p += k as u32;
            }
        }
        self.m += k;
        self.block = block_size(self.m);
        (m, k)
    }

    /// Spreads the `k` arcs at positions `m..m + k` over the searched
    /// arcs `0..m + k`: the i-th of them trades places with an old arc at
    /// an even stride. Appended in a block, arcs added in bulk (one
    /// application's after another's) were priced together, like the arcs
    /// of a few applications only; spread, each pricing block samples the
    /// whole network again, as the first layout does. O(k).
    fn spread(&mut self, m: usize, k: usize) {
        let count = k.min(m);
        for i in 0..count {
            let q = i * m / count;
            let r = m + i * k / count;
            self.swap_arcs(q, r);
        }
        self.next_arc = 0;
    }

    /// Swaps the arcs at positions `a` and `b` (both searched arcs),
    /// keeping tree references right.
    fn swap_arcs(&mut self, a: usize, b: usize) {
        let child = |sx: &Simplex, p: usize| -> Option<usize> {
            if sx.state[p] != TREE {
                return None;
            }
            let (s, t) = (sx.src[p] as usize, sx.tgt[p] as usize);
            if sx.pred[s] as usize == p {
                Some(s)
            } else if sx.pred[t] as usize == p {
                Some(t)
            } else {
                None
            }
        };
        let (ua, ub) = (child(self, a), child(self, b));
        self.src.swap(a, b);
        self.tgt.swap(a, b);
        self.cost.swap(a, b);
        self.cap.swap(a, b);
        self.flow.swap(a, b);
        self.state.swap(a, b);
        self.arc_of.swap(a, b);
        if let Some(u) = ua {
            self.pred[u] = b as u32;
        }
        if let Some(u) = ub {
            self.pred[u] = a as u32;
        }
    }

    /// Warm start after the network grew group nodes: takes in the nodes
    /// added to `net` since this simplex was made or last extended (each
    /// of supply 0, entered by exactly one of the arcs `first..`: its
    /// *entry*), those arcs, and `moved`, the older arcs whose source was
    /// changed ([`Network::set_source`]) to one of the new nodes (the arcs
    /// of the node's group). A new node's entry carries what its arcs
    /// carry, so the flow stays feasible when each entry's bound allows it;
    /// the entry joins the tree, so that contracting the new node gives the
    /// old tree and every old arc keeps its reduced cost, only the new arcs
    /// pricing as violators. Where that would leave an entry pointing up the
    /// tree at its bound (not strongly feasible), the node the entry leaves
    /// hangs from the root by its artificial arc instead.
    ///
    /// Cost: O(m + n) (one pass over the arcs, one over the tree).
    ///
    /// # Errors
    /// A message when the additions are not of that form (a new node with
    /// supply, with no entry or two, an entry whose bound its node's flow
    /// exceeds, an arc [`Simplex::add_arcs`] refuses). Nothing has changed
    /// then; the caller starts afresh (or from a carried basis).
    pub fn extend(
        &mut self,
        net: &Network,
        first: usize,
        moved: &[super::ArcId],
    ) -> Result<(), &'static str> {
        let (n_old, n_new) = (self.n, net.num_nodes());
        let (s0, t0) = (net.sources(), net.targets());
        let up = net.uppers();
        if n_new < n_old || first > s0.len() {
            return Err("the network lost nodes or arcs");
        }
        if n_new + 2 > u32::MAX as usize {
            return Err("too many nodes");
        }
        if (n_old..n_new).any(|u| net.supplies()[u] != 0) {
            return Err("a new node has a supply");
        }
        let new = self.added_arcs(net, first, n_new)?;
        // Each new node's entry (a new arc into it), as its index in `new`.
        let added = n_new - n_old;
        let mut entry = vec![NONE; added];
        for (j, &a) in new.iter().enumerate() {
            let t = t0[a as usize] as usize;
            if t >= n_old {
                if entry[t - n_old] != NONE {
                    return Err("a new node has two entries");
                }
                entry[t - n_old] = j as u32;
            }
        }
        if entry.contains(&NONE) {
            return Err("a new node has no entry");
        }
        // Internal positions of the moved arcs (older arcs only).
        let mut is_moved = vec![false; first];
        for a in moved {
            if a.index() < first {
                is_moved[a.index()] = true;
            }
        }
        let moved_at: Vec<usize> = (0..self.m)
            .filter(|&p| {
                let a = self.arc_of[p] as usize;
                a < first && is_moved[a]
            })
            .collect();
        drop(is_moved);
        for &p in &moved_at {
            let s = s0[self.arc_of[p] as usize] as usize;
            if s < n_old || t0[self.arc_of[p] as usize] != self.tgt[p] {
                return Err("a moved arc must now leave a new node, to the same head");
            }
        }
        // Flow out of each new node, then through its entry: deeper nodes
        // (entered from another new node) first.
        let mut out = vec![0i64; added];
        let mut tree_deg = vec![0u32; added];
        for &p in &moved_at {
            let g = s0[self.arc_of[p] as usize] as usize - n_old;
            out[g] += self.flow[p];
            tree_deg[g] += u32::from(self.state[p] == TREE);
        }
        let mut order: Vec<usize> = (0..added).collect();
        let entry_arc = |g: usize| new[entry[g] as usize] as usize;
        order.sort_by_key(|&g| s0[entry_arc(g)] < n_old as u32);
        let mut entry_flow = vec![0i64; added];
        let mut entry_tree = vec![false; added];
        for &g in &order {
            let f = out[g];
            if f > up[entry_arc(g)] {
                return Err("a new node's flow exceeds its entry's bound");
            }
            entry_flow[g] = f;
            entry_tree[g] = f > 0 || tree_deg[g] > 0;
            let s = s0[entry_arc(g)] as usize;
            if s >= n_old {
                out[s - n_old] += f;
                tree_deg[s - n_old] += u32::from(entry_tree[g]);
            }
        }
        drop(order);

        // Valid: grow. The root moves from index n_old to n_new (the tree
        // arrays are all recomputed below; the artificial arcs follow it).
        let (old_root, root) = (n_old as u32, n_new as u32);
        let m = self.m;
        for p in m..m + n_old {
            if self.src[p] == old_root {
                self.src[p] = root;
            }
            if self.tgt[p] == old_root {
                self.tgt[p] = root;
            }
        }
        let root_pi = self.pi[n_old];
        for v in [
            &mut self.parent,
            &mut self.pred,
            &mut self.thread,
            &mut self.rev_thread,
            &mut self.succ_num,
            &mut self.last_succ,
        ] {
            v.resize(n_new + 1, NONE);
        }
        self.dir.resize(n_new + 1, UP);
        self.pi.resize(n_new + 1, 0);
        // Artificial arcs of the new nodes (supply 0: node → root).
        for u in n_old..n_new {
            self.src.push(u as u32);
            self.tgt.push(root);
            self.cost.push(0);
            self.cap.push(i64::MAX);
            self.flow.push(0);
            self.state.push(LOWER);
        }
        self.n = n_new;
        let (m_before, k) = self.append_arcs(net, &new);
        for &p in &moved_at {
            self.src[p] = s0[self.arc_of[p] as usize];
        }
        let m = self.m;
        // The new arcs lie at `m_before..` in the order of `new`.
        let entries: Vec<u32> = entry.iter().map(|&j| (m_before as u32) + j).collect();
        for g in 0..added {
            let p = entries[g] as usize;
            self.flow[p] = entry_flow[g];
            if entry_tree[g] {
                self.state[p] = TREE;
            } else {
                self.state[m + n_old + g] = TREE;
            }
        }
        self.retree(&entries, n_old, root_pi)?;
        self.spread(m_before, k);
        Ok(())
    }

    /// Recomputes the tree arrays and potentials from the arcs in state
    /// `TREE` (root potential `root_pi`), after [`Simplex::extend`]. An
    /// entry of a new node (`entries`, nodes `first_new..`) that would
    /// point up the tree at its bound leaves the tree, and the node it
    /// leaves hangs from the root by its artificial arc.
    fn retree(
        &mut self,
        entries: &[u32],
        first_new: usize,
        root_pi: i64,
    ) -> Result<(), &'static str> {
        let (n, m) = (self.n, self.m);
        let tree: Vec<(u32, i64)> = (0..(m + n) as u32)
            .filter(|&p| self.state[p as usize] == TREE)
            .map(|p| (p, self.flow[p as usize]))
            .collect();
        // An entry pointing up at its bound: its lower end hangs from the
        // root instead, by its artificial arc (node → root, at 0).
        let rehang = |p: u32, y: usize| {
            let t = self.tgt[p as usize] as usize;
            let entry = t >= first_new && t < n && entries[t - first_new] == p;
            entry
                && self.src[p as usize] as usize == y
                && self.src[m + y] as usize == y
                && self.flow[m + y] == 0
        };
        let spanned = self.span(&tree, root_pi, rehang)?;
        drop(tree);
        for &(p, y) in &spanned.rehung {
            self.state[p as usize] = UPPER;
            self.state[m + y as usize] = TREE;
        }
        self.parent = spanned.parent;
        self.pred = spanned.pred;
        self.dir = spanned.dir;
        self.pi = spanned.pi;
        self.rebuild_thread();
        Ok(())
    }

    /// The spanning tree made of `tree` (internal positions with their
    /// flows), found from the root (potential `root_pi`): parents, tree
    /// arcs, directions and potentials, checking that it spans every node
    /// without a cycle and is strongly feasible (every node can send flow
    /// up to the root). An arc that is not strongly feasible is refused,
    /// unless `rehang(arc, y)` lets its lower end `y` hang from the root by
    /// its artificial arc instead (one leaving `y`, at flow 0); such arcs
    /// are listed in `rehung`, for the caller to take out of the tree.
    fn span(
        &self,
        tree: &[(u32, i64)],
        root_pi: i64,
        mut rehang: impl FnMut(u32, usize) -> bool,
    ) -> Result<Spanned, &'static str> {
        let (n, m) = (self.n, self.m);
        let root = n;
        // Tree adjacency, both directions, in CSR form: (arc, its flow).
        let mut start = vec![0u32; n + 2];
        for &(p, _) in tree {
            start[self.src[p as usize] as usize + 1] += 1;
            start[self.tgt[p as usize] as usize + 1] += 1;
        }
        for i in 0..=n {
            start[i + 1] += start[i];
        }
        let mut adj = vec![(0u32, 0i64); start[n + 1] as usize];
        let mut fill = start.clone();
        for &(p, f) in tree {
            for x in [self.src[p as usize], self.tgt[p as usize]] {
                adj[fill[x as usize] as usize] = (p, f);
                fill[x as usize] += 1;
            }
        }
        drop(fill);
        let mut out = Spanned {
            parent: vec![NONE; n + 1],
            pred: vec![NONE; n + 1],
            dir: vec![UP; n + 1],
            pi: vec![0i64; n + 1],
            rehung: Vec::new(),
        };
        out.pi[root] = root_pi;
        let mut queue: Vec<u32> = Vec::with_capacity(n + 1);
        queue.push(root as u32);
        let mut reached = vec![false; n + 1];
        reached[root] = true;
        let mut head = 0;
        while head < queue.len() {
            let x = queue[head] as usize;
            head += 1;
            for &(p, f) in &adj[start[x] as usize..start[x + 1] as usize] {
                if p == out.pred[x] {
                    continue;
                }
                let pu = p as usize;
                let (s, t) = (self.src[pu] as usize, self.tgt[pu] as usize);
                let y = if s == x { t } else { s };
                if std::mem::replace(&mut reached[y], true) {
                    if out.rehung.contains(&(p, x as u32)) {
                        continue; // met again from the node it left
                    }
                    return Err("the basis tree has a cycle");
                }
                // Arc y → parent: y sends flow up by raising it; arc
                // parent → y: by lowering it.
                let up = s == y;
                let (parent, arc) = if (up && f < self.cap[pu]) || (!up && f > 0) {
                    (x, p)
                } else if rehang(p, y) {
                    out.rehung.push((p, y as u32));
                    (root, (m + y) as u32)
                } else {
                    return Err("the basis tree is not strongly feasible");
                };
                let au = arc as usize;
                out.parent[y] = parent as u32;
                out.pred[y] = arc;
                if self.src[au] as usize == y {
                    out.dir[y] = UP;
                    out.pi[y] = out.pi[parent].wrapping_sub(self.cost[au]);
                } else {
                    out.dir[y] = DOWN;
                    out.pi[y] = out.pi[parent].wrapping_add(self.cost[au]);
                }
                queue.push(y as u32);
            }
        }
        if queue.len() != n + 1 {
            return Err("the basis tree does not span the network");
        }
        Ok(out)
    }

    /// Runs to optimality and returns the solution, or the cut that proves
    /// the supplies cannot be routed (from [`Simplex::unrouted_cut`],
    /// checked, else Dinic's max-flow). May be called again after
    /// [`Simplex::add_arcs`].
    pub fn finish(&mut self, net: &Network) -> Result<FlowSolution, FlowError> {
        let feasible = self.run();
        if std::env::var_os("PANELS_DEBUG_FLOW").is_some() {
            eprintln!(
                "flow: {} nodes, {} arcs, {} pivots, {} arcs priced, {} potentials moved",
                self.n, self.m, self.pivots, self.arcs_priced, self.potentials_moved
            );
        }
        if feasible {
            return Ok(self.solution(net));
        }
        let cut = self.unrouted_cut();
        if cut.shortfall > 0 && cut.violation(net) == i128::from(cut.shortfall) {
            return Err(FlowError::Infeasible(cut));
        }
        let cut = super::cut::feasibility_cut(net)?
            .expect("simplex and max-flow disagree on feasibility");
        Err(FlowError::Infeasible(cut))
    }

    /// After [`Simplex::run`] returned `false`: the nodes reachable, in the
    /// residual graph of the final flow on real arcs, from the nodes whose
    /// supply was left on their artificial arc, and the supply so left.
    ///
    /// The big-M costs make the final flow route as much supply as any flow
    /// can (a maximum flow), and the set reachable from the unrouted supply
    /// in the residual graph of a maximum flow is the source side of the
    /// minimal minimum cut, the same set [`super::cut::feasibility_cut`]
    /// finds with Dinic's algorithm, in O(n + m) instead of a max-flow.
    /// [`Network::solve`] checks the cut's violation before using it and
    /// falls back to Dinic otherwise.
    pub fn unrouted_cut(&self) -> super::Cut {
        let (n, m) = (self.n, self.m);
        let mut seen = vec![false; n];
        let mut queue: Vec<u32> = Vec::new();
        let mut unrouted: i64 = 0;
        for (u, seen_u) in seen.iter_mut().enumerate() {
            let e = m + u;
            if self.src[e] as usize == u && self.flow[e] > 0 {
                unrouted += self.flow[e];
                *seen_u = true;
                queue.push(u as u32);
            }
        }
        // Residual adjacency in CSR form: x → y when arc (x, y) has room,
        // or arc (y, x) carries flow.
        let mut start = vec![0u32; n + 1];
        for a in 0..m {
            let (s, t) = (self.src[a] as usize, self.tgt[a] as usize);
            if self.flow[a] < self.cap[a] {
                start[s + 1] += 1;
            }
            if self.flow[a] > 0 {
                start[t + 1] += 1;
            }
        }
        for i in 0..n {
            start[i + 1] += start[i];
        }
        let mut adj = vec![0u32; start[n] as usize];
        let mut fill = start.clone();
        for a in 0..m {
            let (s, t) = (self.src[a] as usize, self.tgt[a] as usize);
            if self.flow[a] < self.cap[a] {
                adj[fill[s] as usize] = t as u32;
                fill[s] += 1;
            }
            if self.flow[a] > 0 {
                adj[fill[t] as usize] = s as u32;
                fill[t] += 1;
            }
        }
        drop(fill);
        let mut head = 0;
        while head < queue.len() {
            let x = queue[head] as usize;
            head += 1;
            for &y in &adj[start[x] as usize..start[x + 1] as usize] {
                if !seen[y as usize] {
                    seen[y as usize] = true;
                    queue.push(y);
                }
            }
        }
        super::Cut {
            source_side: seen,
            shortfall: unrouted,
        }
    }

    /// The solution in the network's numbering: flows (lower bounds added
    /// back, loops set by the sign of their cost), potentials, and cost.
    pub fn solution(&self, net: &Network) -> FlowSolution {
        let (lo, up, co, s, t) = (
            net.lowers(),
            net.uppers(),
            net.costs(),
            net.sources(),
            net.targets(),
        );
        let mut flow = vec![0i64; lo.len()];
        for a in 0..lo.len() {
            if s[a] == t[a] {
                flow[a] = if co[a] < 0 { up[a] } else { lo[a] };
            }
        }
        for (i, &a) in self.arc_of.iter().enumerate() {
            flow[a as usize] = lo[a as usize] + self.flow[i];
        }
        let cost = flow
            .iter()
            .zip(co)
            .map(|(&f, &c)| i128::from(f) * i128::from(c))
            .sum();
        FlowSolution {
            flow,
            potential: self.pi[..self.n]
                .iter()
                .map(|&p| p.wrapping_sub(self.pi[self.n]))
                .collect(),
            cost,
        }
    }

    /// Checks the tree invariants (for tests): thread is a preorder that
    /// agrees with parent, succ_num and last_succ; tree arcs have zero
    /// reduced cost.
    #[cfg(test)]
    pub(crate) fn check_tree(&self) {
        let root = self.n as u32;
        let mut order = vec![root];
        let mut x = self.thread[root as usize];
        while x != root {
            order.push(x);
            x = self.thread[x as usize];
        }
        assert_eq!(order.len(), self.n + 1, "thread visits every node once");
        let mut pos = vec![0usize; self.n + 1];
        for (i, &x) in order.iter().enumerate() {
            pos[x as usize] = i;
            assert_eq!(self.thread[self.rev_thread[x as usize] as usize], x);
        }
        for &x in &order {
            let xi = x as usize;
            let size = self.succ_num[xi] as usize;
            let last = self.last_succ[xi];
            assert_eq!(order[pos[xi] + size - 1], last, "last_succ of {x}");
            for &y in &order[pos[xi] + 1..pos[xi] + size] {
                let mut z = y;
                while z != x && z != NONE {
                    z = self.parent[z as usize];
                }
                assert_eq!(z, x, "{y} in preorder subtree of {x}");
            }
            if x != root {
                let a = self.pred[xi] as usize;
                let p = self.parent[xi];
                if self.dir[xi] == UP {
                    assert_eq!((self.src[a], self.tgt[a]), (x, p));
                } else {
                    assert_eq!((self.src[a], self.tgt[a]), (p, x));
                }
                let rc = self.cost[a].wrapping_add(
                    self.pi[self.src[a] as usize].wrapping_sub(self.pi[self.tgt[a] as usize]),
                );
                assert_eq!(rc, 0, "tree arc {a} has reduced cost 0");
                assert_eq!(self.state[a], TREE);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ops::{Bound, RangeBounds};

    /// SplitMix64: seeded test networks without a dependency (this crate
    /// has none).
    struct TestRng(u64);

    /// The integer types the tests draw.
    trait Int: Copy {
        fn to_i128(self) -> i128;
        fn from_i128(v: i128) -> Self;
    }

    macro_rules! int {
        ($($t:ty),*) => {$(
            impl Int for $t {
                fn to_i128(self) -> i128 {
                    self as i128
                }
                fn from_i128(v: i128) -> Self {
                    v as $t
                }
            }
        )*};
    }
    int!(i32, i64, usize);

    impl TestRng {
        fn seed_from_u64(seed: u64) -> TestRng {
            TestRng(seed)
        }

        fn next_u64(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }

        /// A uniform draw from a non-empty range.
        fn random_range<T: Int>(&mut self, r: impl RangeBounds<T>) -> T {
            let lo = match r.start_bound() {
                Bound::Included(&x) => x.to_i128(),
                Bound::Excluded(&x) => x.to_i128() + 1,
                Bound::Unbounded => unreachable!("bounded ranges only"),
            };
            let hi = match r.end_bound() {
                Bound::Included(&x) => x.to_i128(),
                Bound::Excluded(&x) => x.to_i128() - 1,
                Bound::Unbounded => unreachable!("bounded ranges only"),
            };
            assert!(lo <= hi, "empty range");
            let span = (hi - lo + 1) as u128;
            T::from_i128(lo + (u128::from(self.next_u64()) % span) as i128)
        }
    }

    /// `n` nodes with random supplies in `-b..=b` on all but the first,
    /// which balances them.
    fn balanced_nodes(rng: &mut TestRng, n: usize, b: i64) -> (Network, Vec<crate::NodeId>) {
        let mut net = Network::new();
        let nodes: Vec<_> = (0..n).map(|_| net.add_node()).collect();
        let mut sum = 0;
        for &v in &nodes[1..] {
            let s = rng.random_range(-b..=b);
            net.set_supply(v, s);
            sum += s;
        }
        net.set_supply(nodes[0], -sum);
        (net, nodes)
    }

    /// Adding arcs to a solved simplex and continuing gives the optimum of
    /// the larger network, as a cold solve does.
    #[test]
    fn warm_start_after_adding_arcs_matches_a_cold_solve() {
        let mut checked = 0;
        for seed in 0..300u64 {
            let mut rng = TestRng::seed_from_u64(seed);
            let n = rng.random_range(2..10usize);
            let (mut net, nodes) = balanced_nodes(&mut rng, n, 3);
            let arc = |net: &mut Network, rng: &mut TestRng, lower: i64| {
                let (u, v) = (rng.random_range(0..n), rng.random_range(0..n));
                let up = lower + rng.random_range(0..4);
                net.add_arc(nodes[u], nodes[v], lower, up, rng.random_range(-9..10));
            };
            for _ in 0..rng.random_range(n..30) {
                let l = rng.random_range(-1..=1);
                arc(&mut net, &mut rng, l);
            }
            let mut sx = Simplex::with_cost_bound(&net, 9).unwrap();
            if !sx.run() {
                continue;
            }
            let first = net.num_arcs();
            for _ in 0..rng.random_range(1..12) {
                arc(&mut net, &mut rng, 0);
            }
            sx.add_arcs(&net, first).unwrap();
            sx.check_tree();
            let warm = sx.finish(&net).expect("still feasible");
            crate::certify(&net, &warm).expect("warm solution certified");
            let cold = net.solve().expect("feasible");
            assert_eq!(warm.cost, cold.cost, "seed {seed}");
            checked += 1;
        }
        assert!(checked > 50, "{checked} feasible networks");
    }

    /// A solved basis carried to the network with more arcs is taken (it
    /// stays strongly feasible with the new arcs at 0) and continues to
    /// the cold optimum; a basis whose flow misses the supplies is refused
    /// and the solve starts afresh, to the same optimum.
    /// Panel-shaped networks (applications → experts → sink), solved, then
    /// given group nodes in front of some applications' arcs to experts of
    /// one "city" (and, nested below some of them, of one "institution"),
    /// with caps from the flow they carry up, plus new pair arcs: the
    /// extended simplex reaches the cold optimum of the grown network, and
    /// its tree stays valid.
    #[test]
    fn extending_by_group_nodes_matches_a_cold_solve() {
        let mut checked = 0;
        let mut at_cap = 0;
        for seed in 0..400u64 {
            let mut rng = TestRng::seed_from_u64(seed);
            let (apps, experts) = (rng.random_range(1..6usize), rng.random_range(2..8usize));
            let k = rng.random_range(1..4i64);
            let mut net = Network::new();
            let sink = net.add_node();
            let app: Vec<_> = (0..apps).map(|_| net.add_node()).collect();
            let ex: Vec<_> = (0..experts).map(|_| net.add_node()).collect();
            let city: Vec<usize> = (0..experts).map(|_| rng.random_range(0..2usize)).collect();
            let inst: Vec<usize> = (0..experts)
                .map(|e| city[e] * 2 + rng.random_range(0..2usize))
                .collect();
            for &a in &app {
                net.set_supply(a, k);
            }
            net.set_supply(sink, -(apps as i64) * k);
            // (application, expert) of each pair arc.
            let mut pair = Vec::new();
            for (i, &a) in app.iter().enumerate() {
                for (e, &x) in ex.iter().enumerate() {
                    if rng.random_range(0..4) > 0 {
                        let arc = net.add_arc(a, x, 0, 1, rng.random_range(-9..1));
                        pair.push((arc, i, e));
                    }
                }
            }
            for &x in &ex {
                net.add_arc(x, sink, 0, rng.random_range(1..4), 0);
            }
            let mut sx = Simplex::with_cost_bound(&net, 9).unwrap();
            let Ok(sol) = sx.finish(&net) else { continue };
            let first = net.num_arcs();
            let mut moved = Vec::new();
            for (i, &from) in app.iter().enumerate() {
                if rng.random_range(0..3) == 0 {
                    continue;
                }
                // A city group, then maybe an institution group below it.
                let c = rng.random_range(0..2usize);
                let members: Vec<_> = pair.iter().filter(|p| p.1 == i && city[p.2] == c).collect();
                let carried: i64 = members.iter().map(|p| sol.flow[p.0.index()]).sum();
                let g = net.add_node();
                for p in &members {
                    net.set_source(p.0, g);
                    moved.push(p.0);
                }
                let cap = carried + rng.random_range(0..2);
                at_cap += usize::from(cap == carried);
                net.add_arc(from, g, 0, cap, 0);
                if rng.random_range(0..2) == 0 {
                    let j = c * 2 + rng.random_range(0..2usize);
                    let inner: Vec<_> = members.iter().filter(|p| inst[p.2] == j).collect();
                    let carried: i64 = inner.iter().map(|p| sol.flow[p.0.index()]).sum();
                    let h = net.add_node();
                    for p in &inner {
                        net.set_source(p.0, h);
                    }
                    net.add_arc(g, h, 0, carried + rng.random_range(0..2), 0);
                    // A new pair into the institution group.
                    let e = rng.random_range(0..experts);
                    net.add_arc(h, ex[e], 0, 1, rng.random_range(-9..1));
                }
                // A new pair straight from the application.
                let e = rng.random_range(0..experts);
                net.add_arc(from, ex[e], 0, 1, rng.random_range(-9..1));
            }
            sx.extend(&net, first, &moved)
                .expect("extend takes group nodes");
            sx.check_tree();
            let warm = sx
                .finish(&net)
                .expect("still feasible: caps hold the old flow");
            crate::certify(&net, &warm).expect("warm solution certified");
            let cold = net.solve().expect("feasible");
            assert_eq!(warm.cost, cold.cost, "seed {seed}");
            checked += 1;
        }
        assert!(checked > 100, "{checked} networks extended");
        assert!(at_cap > 50, "{at_cap} groups at their cap");
    }

    #[test]
    fn extend_refuses_a_node_whose_flow_exceeds_its_entry() {
        let mut net = Network::new();
        let (s, a, t) = (net.add_node(), net.add_node(), net.add_node());
        net.set_supply(s, 1);
        net.set_supply(t, -1);
        let arc = net.add_arc(s, t, 0, 1, -1);
        net.add_arc(s, a, 0, 1, 0);
        let mut sx = Simplex::with_cost_bound(&net, 9).unwrap();
        sx.finish(&net).unwrap();
        let first = net.num_arcs();
        let g = net.add_node();
        net.set_source(arc, g);
        net.add_arc(s, g, 0, 0, 0);
        assert!(sx.extend(&net, first, &[arc]).is_err());
        // Nothing changed.
        assert_eq!(sx.num_nodes(), 3);
        sx.check_tree();
    }

    #[test]
    fn a_carried_basis_is_taken_when_valid_and_refused_otherwise() {
        let (mut taken, mut refused) = (0, 0);
        for seed in 0..300u64 {
            let mut rng = TestRng::seed_from_u64(seed);
            let n = rng.random_range(2..10usize);
            let (mut net, nodes) = balanced_nodes(&mut rng, n, 3);
            let arc = |net: &mut Network, rng: &mut TestRng, lower: i64| {
                let (u, v) = (rng.random_range(0..n), rng.random_range(0..n));
                let up = lower + rng.random_range(0..4);
                net.add_arc(nodes[u], nodes[v], lower, up, rng.random_range(-9..10));
            };
            for _ in 0..rng.random_range(n..30) {
                let l = rng.random_range(-1..=1);
                arc(&mut net, &mut rng, l);
            }
            let mut sx = Simplex::with_cost_bound(&net, 9).unwrap();
            if !sx.run() {
                continue;
            }
            let basis = sx.basis(&net);
            for _ in 0..rng.random_range(0..12) {
                arc(&mut net, &mut rng, 0);
            }
            let cold = net.solve().expect("feasible");
            let (mut warm, ok) = Simplex::with_basis(&net, 9, &basis).unwrap();
            assert_eq!(ok, Ok(()), "seed {seed}");
            warm.check_tree();
            let sol = warm.finish(&net).expect("feasible");
            crate::certify(&net, &sol).expect("certified");
            assert_eq!(sol.cost, cold.cost, "seed {seed}");
            taken += 1;

            // One listed flow moved by one unit: the supplies are missed.
            let mut bad = basis.clone();
            if let Some(x) = bad.arcs.iter_mut().find(|x| !x.2) {
                x.1 += if x.1 > net.lower(x.0) { -1 } else { 1 };
                let (mut sx, ok) = Simplex::with_basis(&net, 9, &bad).unwrap();
                assert!(ok.is_err(), "seed {seed}");
                sx.check_tree();
                assert_eq!(sx.finish(&net).expect("feasible").cost, cold.cost);
                refused += 1;
            }
        }
        assert!(
            taken > 50 && refused > 10,
            "{taken} taken, {refused} refused"
        );
    }

    /// A basis may leave supply unrouted on the artificial arcs of its
    /// tree: the starting tree itself (no real arc, every node on its
    /// artificial arc) is taken and solved to the cold optimum, and half
    /// of an optimal basis's flow taken back onto artificial arcs too.
    /// Supply left on an arc that points the other way is refused.
    #[test]
    fn a_basis_may_leave_supply_on_its_artificial_arcs() {
        let (mut taken, mut refused) = (0, 0);
        for seed in 0..200u64 {
            let mut rng = TestRng::seed_from_u64(seed);
            let n = rng.random_range(2..10usize);
            let (mut net, nodes) = balanced_nodes(&mut rng, n, 3);
            for _ in 0..rng.random_range(n..30) {
                let (u, v) = (rng.random_range(0..n), rng.random_range(0..n));
                net.add_arc(
                    nodes[u],
                    nodes[v],
                    0,
                    rng.random_range(0..4),
                    rng.random_range(-9..10),
                );
            }
            let Ok(cold) = net.solve() else {
                continue;
            };
            let start = Basis {
                arcs: Vec::new(),
                artificial: nodes.clone(),
            };
            let (mut sx, ok) = Simplex::with_basis(&net, 9, &start).unwrap();
            assert_eq!(ok, Ok(()), "seed {seed}");
            sx.check_tree();
            let sol = sx.finish(&net).expect("feasible");
            crate::certify(&net, &sol).expect("certified");
            assert_eq!(sol.cost, cold.cost, "seed {seed}");
            taken += 1;

            // Supply left where the artificial arc points the other way.
            let supplies = net.supplies().to_vec();
            if let Some(u) = (0..n).find(|&u| supplies[u] > 0) {
                let v = nodes[(u + 1) % n];
                let a = net.add_arc(nodes[u], v, 0, supplies[u] + 1, 0);
                let wrong = Basis {
                    arcs: vec![(a, supplies[u] + 1, false)],
                    artificial: nodes.clone(),
                };
                let (mut sx, ok) = Simplex::with_basis(&net, 9, &wrong).unwrap();
                assert!(ok.is_err(), "seed {seed}");
                assert_eq!(
                    sx.finish(&net).expect("feasible").cost,
                    net.solve().unwrap().cost
                );
                refused += 1;
            }
        }
        assert!(
            taken > 50 && refused > 20,
            "{taken} taken, {refused} refused"
        );
    }

    /// The cut read off the simplex's flow is Dinic's minimal minimum cut.
    #[test]
    fn unrouted_cut_equals_the_max_flow_cut() {
        let mut checked = 0;
        for seed in 0..400u64 {
            let mut rng = TestRng::seed_from_u64(seed);
            let n = rng.random_range(2..10usize);
            let (mut net, nodes) = balanced_nodes(&mut rng, n, 4);
            for _ in 0..rng.random_range(0..20) {
                let (u, v) = (rng.random_range(0..n), rng.random_range(0..n));
                let l = rng.random_range(0..=1);
                let up = l + rng.random_range(0..3);
                net.add_arc(nodes[u], nodes[v], l, up, rng.random_range(-9..10));
            }
            let mut sx = Simplex::new(&net).unwrap();
            if sx.run() {
                continue;
            }
            let cut = sx.unrouted_cut();
            let dinic = crate::feasibility_cut(&net).unwrap().expect("infeasible");
            assert_eq!(
                cut.violation(&net),
                i128::from(cut.shortfall),
                "seed {seed}"
            );
            assert_eq!(cut, dinic, "seed {seed}");
            checked += 1;
        }
        assert!(checked > 50, "{checked} infeasible networks");
    }

    #[test]
    fn tree_invariants_hold_after_every_pivot() {
        for seed in 0..40u64 {
            let mut rng = TestRng::seed_from_u64(seed);
            let n = rng.random_range(2..12usize);
            let (mut net, nodes) = balanced_nodes(&mut rng, n, 3);
            for _ in 0..rng.random_range(0..40) {
                let (u, v) = (rng.random_range(0..n), rng.random_range(0..n));
                let l = rng.random_range(-1..=1);
                let up = l + rng.random_range(0..5);
                net.add_arc(nodes[u], nodes[v], l, up, rng.random_range(-9..10));
            }
            let mut sx = Simplex::new(&net).unwrap();
            sx.check_tree();
            while let Some(e) = sx.find_entering() {
                sx.pivot(e);
                sx.check_tree();
            }
        }
    }
}

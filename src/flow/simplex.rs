//! Primal network simplex with block-search pricing (see the module docs of
//! [`super`] for the theory). [`Simplex`] holds the working copy of a
//! [`Network`] and the spanning-tree basis; [`Network::solve`] drives it.
//!
//! Layout: one array per attribute, ids as `u32`. Internal arcs are the
//! network's non-loop arcs in a strided order (so that a pricing block
//! samples the whole graph), followed by one artificial arc per node. Node
//! `n` is the artificial root.

use super::{FlowSolution, Network};

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

    block: usize,
    next_arc: usize,
    /// Scratch: the new preorder of a moved subtree.
    buf: Vec<u32>,
    /// Pivots performed (tree changes and bound flips).
    pub pivots: u64,
}

impl Simplex {
    /// Sets up the artificial starting tree for `net`, which must have passed
    /// [`Network::validate`].
    pub fn new(net: &Network) -> Self {
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
        let block = ((m as f64).sqrt().ceil() as usize).max(10);

        // Strided order: arc j of `real` goes to round j mod block.
        let mut arc_of = Vec::with_capacity(m);
        for start in 0..block.min(m) {
            arc_of.extend(real.iter().skip(start).step_by(block).copied());
        }
        drop(real);

        let total = m + n;
        let mut src = Vec::with_capacity(total);
        let mut tgt = Vec::with_capacity(total);
        let mut cost = Vec::with_capacity(total);
        let mut cap = Vec::with_capacity(total);
        let mut max_cost: i64 = 0;
        for &a in &arc_of {
            let a = a as usize;
            src.push(src0[a]);
            tgt.push(tgt0[a]);
            cost.push(co[a]);
            cap.push(up[a] - lo[a]);
            max_cost = max_cost.max(co[a].unsigned_abs() as i64);
        }
        let mut flow = vec![0i64; total];
        let mut state = vec![LOWER; total];

        // Artificial root and arcs. M exceeds the cost of any simple path.
        let big_m = (max_cost + 1) * (n as i64 + 1);
        let root = n as u32;
        let mut pi = vec![0i64; n + 1];
        let mut parent = vec![root; n + 1];
        let mut pred = vec![0u32; n + 1];
        let mut dir = vec![UP; n + 1];
        let mut thread = vec![0u32; n + 1];
        let mut rev_thread = vec![0u32; n + 1];
        let mut succ_num = vec![1u32; n + 1];
        let mut last_succ = vec![0u32; n + 1];
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

        Simplex {
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
            block,
            next_arc: 0,
            buf: Vec::new(),
            pivots: 0,
        }
    }

    /// Block search: the most violating arc of the first block (scanning
    /// cyclically from where the last search stopped) that holds one.
    fn find_entering(&mut self) -> Option<usize> {
        let m = self.m;
        if m == 0 {
            return None;
        }
        let (src, tgt, cost, state, pi) = (&self.src, &self.tgt, &self.cost, &self.state, &self.pi);
        let mut best = 0i64;
        let mut best_arc = usize::MAX;
        let mut cnt = self.block;
        let mut e = self.next_arc;
        for _ in 0..m {
            let c = i64::from(state[e]) * (cost[e] + pi[src[e] as usize] - pi[tgt[e] as usize]);
            if c < best {
                best = c;
                best_arc = e;
            }
            e += 1;
            if e == m {
                e = 0;
            }
            cnt -= 1;
            if cnt == 0 {
                if best < 0 {
                    self.next_arc = e;
                    return Some(best_arc);
                }
                cnt = self.block;
            }
        }
        if best < 0 {
            self.next_arc = e;
            Some(best_arc)
        } else {
            None
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
    /// of `u_out` is re-hung below `v_in`, re-rooted at `u_in`, and its
    /// potentials shifted so that `e` gets reduced cost 0.
    fn update_tree(&mut self, e: usize, join: u32, u_in: u32, v_in: u32, u_out: u32) {
        let uo = u_out as usize;
        let v_out = self.parent[uo];
        let size = self.succ_num[uo];
        let old_last = self.last_succ[uo];
        let before = self.rev_thread[uo];
        let after = self.thread[old_last as usize];

        let dir_in = if u_in == self.src[e] { UP } else { DOWN };
        let sigma =
            self.pi[v_in as usize] - self.pi[u_in as usize] - i64::from(dir_in) * self.cost[e];

        // New preorder of the moved subtree. With stem s_0 = u_in, s_1 =
        // parent(s_0), …, s_k = u_out, it is: s_0, its old descendants, s_1,
        // its old descendants outside s_0's old subtree, …, s_k, … .
        let mut buf = std::mem::take(&mut self.buf);
        buf.clear();
        let mut prev = NONE;
        let mut s = u_in;
        loop {
            buf.push(s);
            let end = self.thread[self.last_succ[s as usize] as usize];
            let mut x = self.thread[s as usize];
            while x != end {
                if x == prev {
                    x = self.thread[self.last_succ[x as usize] as usize];
                    continue;
                }
                buf.push(x);
                x = self.thread[x as usize];
            }
            if s == u_out {
                break;
            }
            prev = s;
            s = self.parent[s as usize];
        }
        let new_last = *buf.last().expect("non-empty");

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

        // Cut the block out of the thread; fix last_succ above v_out.
        self.thread[before as usize] = after;
        self.rev_thread[after as usize] = before;
        let mut w = v_out;
        while w != NONE && self.last_succ[w as usize] == old_last {
            self.last_succ[w as usize] = before;
            w = self.parent[w as usize];
        }

        // Splice it in right after v_in, with the new order and potentials.
        let next = self.thread[v_in as usize];
        let mut p = v_in;
        for &x in &buf {
            self.thread[p as usize] = x;
            self.rev_thread[x as usize] = p;
            self.pi[x as usize] += sigma;
            p = x;
        }
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
        self.buf = buf;
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
            potential: self.pi[..self.n].to_vec(),
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
                let rc =
                    self.cost[a] + self.pi[self.src[a] as usize] - self.pi[self.tgt[a] as usize];
                assert_eq!(rc, 0, "tree arc {a} has reduced cost 0");
                assert_eq!(self.state[a], TREE);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn tree_invariants_hold_after_every_pivot() {
        for seed in 0..40u64 {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let n = rng.random_range(2..12usize);
            let mut net = Network::new();
            let nodes: Vec<_> = (0..n).map(|_| net.add_node()).collect();
            let mut sum = 0;
            for &v in &nodes[1..] {
                let b = rng.random_range(-3..=3);
                net.set_supply(v, b);
                sum += b;
            }
            net.set_supply(nodes[0], -sum);
            for _ in 0..rng.random_range(0..40) {
                let (u, v) = (rng.random_range(0..n), rng.random_range(0..n));
                let l = rng.random_range(-1..=1);
                let up = l + rng.random_range(0..5);
                net.add_arc(nodes[u], nodes[v], l, up, rng.random_range(-9..10));
            }
            net.validate().unwrap();
            let mut sx = Simplex::new(&net);
            sx.check_tree();
            while let Some(e) = sx.find_entering() {
                sx.pivot(e);
                sx.check_tree();
            }
        }
    }
}

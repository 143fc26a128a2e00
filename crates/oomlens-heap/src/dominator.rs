//! The dominator tree of an object graph over a virtual super-root whose
//! successors are the GC roots: semi-NCA (Georgiadis and Tarjan, the
//! Lengauer-Tarjan semidominators with nearest-common-ancestor climbing),
//! iterative throughout, so a chain of millions of objects needs no stack.
//!
//! Objects from which no cycle can be reached (primitive arrays, boxed
//! numbers, Strings with their bytes, arrays of them, small acyclic
//! structures hanging off the rest) take no part in the semidominator
//! pass: no path from them leads back into the cyclic rest (the *core*),
//! so they change none of its dominators. They are found by one
//! depth-first pass (an object is in the core when it reaches an object on
//! the search stack or in the core, or sits on more than `MAX_LEVEL`
//! levels of acyclic objects), then placed in topological order
//! once the core's tree is known: the immediate dominator of such an
//! object is the nearest common dominator-tree ancestor of its
//! predecessors, all placed before it. On a heap they are most of the
//! objects, and the semidominator arrays are kept to the rest.
//!
//! As in Eclipse MAT (`DominatorTree.java`, `getPredecessors`), a GC root
//! has the super-root as its only predecessor: references into a root are
//! ignored.
//!
//! Memory, per object: 4 bytes (the preorder number, later the immediate
//! dominator) + 1 bit (acyclic) + 4 (its place in the result's order); per
//! core object 4 (parent, later idom) + 4 (semi) + 4 (label) + 4
//! (ancestor) + 8 (offset of its predecessors); per edge between core
//! objects 4; per acyclic object 4 (its immediate dominator while the
//! others are placed). The label, ancestor, offsets and predecessors are
//! freed before the acyclic objects are placed.

use crate::graph::{BitSet, Ix, NONE};

/// The super-root's place in [`DomTree::idom`]: the immediate dominator of
/// every GC root and of every object reachable from two roots apart.
pub const SUPER: Ix = u32::MAX - 1;

/// A reachable acyclic object whose dominator is not known yet.
const LEAF: Ix = u32::MAX - 1;

/// Outgoing references of a graph's objects.
pub trait Successors {
    /// A position in one object's successors.
    type Cursor;
    /// The number of objects (indexes are `0..node_count()`).
    fn node_count(&self) -> usize;
    /// Calls `f` with each successor of `v` (duplicates allowed).
    fn for_each_successor(&self, v: Ix, f: impl FnMut(Ix));
    /// A cursor at `v`'s first successor.
    fn cursor(&self, v: Ix) -> Self::Cursor;
    /// The successor at the cursor (advancing it), `None` past the last.
    fn next_successor(&self, c: &mut Self::Cursor) -> Option<Ix>;
    /// Calls `f(v, t)` for each successor `t` of each object `v`, objects
    /// in index order: one sequential read of every list, cheaper than
    /// [`Successors::for_each_successor`] object by object in another order.
    fn for_each_edge(&self, mut f: impl FnMut(Ix, Ix)) {
        for v in 0..self.node_count() as Ix {
            self.for_each_successor(v, |t| f(v, t));
        }
    }
    /// At least the number of successors over all objects.
    fn edge_bound(&self) -> u64 {
        let mut k = 0u64;
        self.for_each_edge(|_, _| k += 1);
        k
    }
}

/// The dominator tree.
#[derive(Clone, Debug, Default)]
pub struct DomTree {
    /// Per object: its immediate dominator, [`SUPER`], or [`NONE`] when no
    /// GC root reaches it.
    pub idom: Vec<Ix>,
    /// Every reachable object, each after its immediate dominator (the
    /// core in depth-first preorder, then the acyclic ones in topological
    /// order).
    pub order: Vec<Ix>,
}

impl DomTree {
    /// The number of reachable objects.
    pub fn reachable(&self) -> usize {
        self.idom.iter().filter(|&&d| d != NONE).count()
    }
}

/// Computes the dominator tree of `g` for the GC roots `roots` (indexes
/// out of range are ignored), every array in memory.
pub fn dominator_tree<G: Successors>(g: &G, roots: &[Ix]) -> DomTree {
    // Without parking nothing is written or read: no error can occur.
    build(g, roots, false).unwrap_or_default()
}

/// As [`dominator_tree`], with the preorder arrays (4 bytes per object and
/// 4 per non-leaf) moved to an unnamed temporary file while the
/// semidominators are computed, the phase whose arrays are the largest.
pub fn dominator_tree_parked<G: Successors>(g: &G, roots: &[Ix]) -> std::io::Result<DomTree> {
    build(g, roots, true)
}

/// The most levels of acyclic objects placed by common ancestors (a leaf
/// is level 1, an object whose successors are at most level k is level
/// k + 1): an acyclic object's dominators among them have higher levels,
/// so a common-ancestor climb takes at most this many steps. Deeper
/// acyclic structures (a long linked list ending in null) stay in the
/// core.
const MAX_LEVEL: u8 = 16;

/// The level of a core object.
const CORE: u8 = u8::MAX;

/// The level of an object on the search stack.
const ON_STACK: u8 = u8::MAX - 1;

/// The reachable objects from which no cycle can be reached, up to
/// [`MAX_LEVEL`] (edges into roots, self-references and indexes out of
/// range left out), as a set and in topological order (each after all of
/// its predecessors among them): one depth-first pass with a cursor and
/// the highest level of the successors seen so far per stack frame.
fn acyclic<G: Successors>(g: &G, roots: &[Ix], is_root: &BitSet) -> (BitSet, Vec<Ix>) {
    let n = g.node_count();
    // 0 unvisited, ON_STACK while on the stack, then the level or CORE.
    let mut level = vec![0u8; n];
    let mut post: Vec<Ix> = Vec::new();
    let mut stack: Vec<(Ix, G::Cursor, u8)> = Vec::new();
    for &r in roots {
        if level[r as usize] != 0 {
            continue;
        }
        level[r as usize] = ON_STACK;
        stack.push((r, g.cursor(r), 0));
        while let Some(top) = stack.last_mut() {
            let v = top.0;
            match g.next_successor(&mut top.1) {
                Some(t) => {
                    if (t as usize) >= n || t == v || is_root.contains(t) {
                        continue;
                    }
                    match level[t as usize] {
                        0 => {
                            level[t as usize] = ON_STACK;
                            stack.push((t, g.cursor(t), 0));
                        }
                        // On the stack: a cycle.
                        ON_STACK => top.2 = CORE,
                        l => top.2 = top.2.max(l),
                    }
                }
                None => {
                    let hi = top.2;
                    stack.pop();
                    let l = if hi >= MAX_LEVEL { CORE } else { hi + 1 };
                    level[v as usize] = l;
                    if l != CORE {
                        post.push(v);
                    }
                    if let Some(p) = stack.last_mut() {
                        p.2 = p.2.max(l);
                    }
                }
            }
        }
    }
    drop(level);
    let mut acyclic = BitSet::new(n);
    for &v in &post {
        acyclic.insert(v);
    }
    post.reverse();
    (acyclic, post)
}

fn build<G: Successors>(g: &G, roots: &[Ix], park: bool) -> std::io::Result<DomTree> {
    let n = g.node_count();
    let mut is_root = BitSet::new(n);
    let roots: Vec<Ix> = roots
        .iter()
        .copied()
        .filter(|&r| (r as usize) < n)
        .collect();
    for &r in &roots {
        is_root.insert(r);
    }
    let (leaf, topo) = acyclic(g, &roots, &is_root);

    // Depth-first preorder of the core, marking on pop: a stack entry is
    // (object, preorder number of the object that pushed it).
    let mut pre = vec![NONE; n];
    for &v in &topo {
        pre[v as usize] = LEAF;
    }
    let mut order: Vec<Ix> = vec![SUPER];
    let mut parent: Vec<Ix> = vec![0];
    let mut stack: Vec<(Ix, Ix)> = roots
        .iter()
        .rev()
        .filter(|&&r| !leaf.contains(r))
        .map(|&r| (r, 0))
        .collect();
    let mut succ: Vec<Ix> = Vec::new();
    while let Some((v, p)) = stack.pop() {
        if pre[v as usize] != NONE {
            continue;
        }
        let pv = order.len() as Ix;
        pre[v as usize] = pv;
        order.push(v);
        parent.push(p);
        // Unnumbered core successors (a leaf's `pre` is `LEAF`, v's own
        // is set).
        succ.clear();
        g.for_each_successor(v, |t| {
            if pre.get(t as usize) == Some(&NONE) && !is_root.contains(t) {
                succ.push(t)
            }
        });
        stack.extend(succ.iter().rev().map(|&t| (t, pv)));
    }
    drop(stack);
    let m = order.len();

    // Predecessors among the core, by preorder number (offsets in `u32`
    // while they fit), then the semidominators.
    let inner = g.edge_bound() + roots.len() as u64;
    let mut cols = [order, pre];
    let semi = if inner < u64::from(u32::MAX) {
        semidominators::<u32>(g, &mut cols, &is_root, &roots, &parent, park)?
    } else {
        semidominators::<u64>(g, &mut cols, &is_root, &roots, &parent, park)?
    };
    let [mut order, mut pre] = cols;

    // Immediate dominators by climbing from the parent (in place).
    for w in 1..m {
        let mut d = parent[w];
        while d > semi[w] {
            d = parent[d as usize];
        }
        parent[w] = d;
    }
    drop(semi);
    let idom_pre = parent;

    // The acyclic objects: the nearest common ancestor of their
    // predecessors, in keys (the core's preorder numbers, then `m` + the
    // place in `topo`; a dominator's key is below its objects'). `pre`
    // holds each one's candidate until it is placed.
    let anc = Intervals::new(&idom_pre);
    let mut pidom: Vec<Ix> = Vec::with_capacity(topo.len());
    let nca = |pidom: &[Ix], mut a: Ix, mut b: Ix| -> Ix {
        loop {
            if a == b {
                return a;
            }
            if (a as usize) < m && (b as usize) < m {
                return anc.nca(&idom_pre, a, b);
            }
            if a > b {
                a = pidom[a as usize - m];
            } else {
                b = pidom[b as usize - m];
            }
        }
    };
    for &r in &roots {
        if leaf.contains(r) {
            pre[r as usize] = 0;
        }
    }
    let offer = |pre: &mut [Ix], pidom: &[Ix], from: Ix, key: Ix, t: Ix| {
        if (t as usize) < n && t != from && leaf.contains(t) && !is_root.contains(t) {
            let cur = pre[t as usize];
            pre[t as usize] = if cur == LEAF {
                key
            } else {
                nca(pidom, cur, key)
            };
        }
    };
    // From the core in index order (the common ancestor does not depend
    // on the order of the offers); a core object's `pre` stays its
    // preorder number.
    g.for_each_edge(|v, t| {
        let pv = pre[v as usize];
        if pv != NONE && !leaf.contains(v) {
            offer(&mut pre, &pidom, v, pv, t);
        }
    });
    for (at, &v) in topo.iter().enumerate() {
        // Every predecessor is placed: the candidate is the dominator.
        let d = pre[v as usize];
        pidom.push(if d == LEAF { 0 } else { d });
        let key = (m + at) as Ix;
        g.for_each_successor(v, |t| offer(&mut pre, &pidom, v, key, t));
    }
    drop(anc);

    // From keys to objects, in place.
    let object = |k: Ix| -> Ix {
        let k = k as usize;
        if k == 0 {
            SUPER
        } else if k < m {
            order[k]
        } else {
            topo[k - m]
        }
    };
    for (v, slot) in pre.iter_mut().enumerate() {
        let p = *slot;
        if p != NONE && !leaf.contains(v as Ix) {
            *slot = object(idom_pre[p as usize]);
        }
    }
    for (at, &v) in topo.iter().enumerate() {
        pre[v as usize] = object(pidom[at]);
    }
    drop((pidom, idom_pre, leaf));
    order.remove(0);
    order.extend_from_slice(&topo);
    Ok(DomTree { idom: pre, order })
}

/// Calls `f(source, target)` in preorder numbers for every edge between
/// non-leaves (sources in index order: `pre` is `NONE` for an unreachable
/// object, `LEAF` for an acyclic one), and `(0, root)` for every non-leaf
/// GC root.
fn each_inner_edge<G: Successors>(
    g: &G,
    pre: &[Ix],
    is_root: &BitSet,
    roots: &[Ix],
    mut f: impl FnMut(Ix, Ix),
) {
    let n = pre.len();
    g.for_each_edge(|v, t| {
        let pv = pre[v as usize];
        if pv == NONE || pv == LEAF || (t as usize) >= n || t == v {
            return;
        }
        // A core object's successors are reachable: numbered or leaves.
        let pt = pre[t as usize];
        if pt != LEAF && !is_root.contains(t) {
            f(pv, pt);
        }
    });
    for &r in roots {
        let pr = pre[r as usize];
        if pr != LEAF {
            f(0, pr);
        }
    }
}

/// A predecessor-list offset: `u32` while the edges fit it.
trait Offset: Copy {
    const ZERO: Self;
    fn get(self) -> usize;
    fn add(self, k: u64) -> Self;
}

impl Offset for u32 {
    const ZERO: u32 = 0;
    fn get(self) -> usize {
        self as usize
    }
    fn add(self, k: u64) -> u32 {
        self + k as u32
    }
}

impl Offset for u64 {
    const ZERO: u64 = 0;
    fn get(self) -> usize {
        self as usize
    }
    fn add(self, k: u64) -> u64 {
        self + k
    }
}

/// The semidominator of every preorder number (Lengauer-Tarjan's, with the
/// label/ancestor forest compressed iteratively); `cols` (`order` and
/// `pre`) are only read to list the predecessors, and with `park` wait in
/// a temporary file while the semidominators are computed.
fn semidominators<O: Offset>(
    g: &impl Successors,
    cols: &mut [Vec<Ix>; 2],
    is_root: &BitSet,
    roots: &[Ix],
    parent: &[Ix],
    park: bool,
) -> std::io::Result<Vec<Ix>> {
    let [order, pre] = &*cols;
    let (order, pre) = (order.as_slice(), pre.as_slice());
    let m = order.len();
    let mut off = vec![O::ZERO; m + 1];
    each_inner_edge(g, pre, is_root, roots, |_, t| {
        off[t as usize + 1] = off[t as usize + 1].add(1)
    });
    for i in 1..=m {
        off[i] = off[i].add(off[i - 1].get() as u64);
    }
    let mut preds = vec![0 as Ix; off[m].get()];
    each_inner_edge(g, pre, is_root, roots, |s, t| {
        let at = &mut off[t as usize];
        preds[at.get()] = s;
        *at = at.add(1);
    });
    for i in (1..=m).rev() {
        off[i] = off[i - 1];
    }
    off[0] = O::ZERO;
    let parked = if park {
        Some(crate::graph::park_u32s(cols)?)
    } else {
        None
    };

    // Semidominators in reverse preorder; label holds the least semi on
    // the compressed forest path, ancestor the forest links.
    let mut semi: Vec<Ix> = (0..m as Ix).collect();
    let mut label: Vec<Ix> = semi.clone();
    let mut ancestor = vec![NONE; m];
    let mut path: Vec<Ix> = Vec::new();
    for w in (1..m).rev() {
        let mut s = semi[w];
        for &v in &preds[off[w].get()..off[w + 1].get()] {
            let e = eval(v, &mut ancestor, &mut label, &mut path);
            s = s.min(e);
        }
        semi[w] = s;
        label[w] = s;
        ancestor[w] = parent[w];
    }
    drop((label, ancestor, preds, off));
    if let Some(f) = parked {
        crate::graph::unpark_u32s(f, cols)?;
    }
    Ok(semi)
}

/// The least label on `v`'s forest path below its tree's root, compressing
/// the path on the way (iteratively).
#[inline]
fn eval(v: Ix, ancestor: &mut [Ix], label: &mut [Ix], path: &mut Vec<Ix>) -> Ix {
    let a = ancestor[v as usize];
    if a == NONE || ancestor[a as usize] == NONE {
        return label[v as usize];
    }
    path.clear();
    let mut x = v;
    while ancestor[ancestor[x as usize] as usize] != NONE {
        path.push(x);
        x = ancestor[x as usize];
    }
    while let Some(y) = path.pop() {
        let a = ancestor[y as usize] as usize;
        if label[a] < label[y as usize] {
            label[y as usize] = label[a];
        }
        ancestor[y as usize] = ancestor[a];
    }
    label[v as usize]
}

/// Dominator-tree preorder intervals over preorder numbers (vertex 0 the
/// super-root): `a` is an ancestor of `b` when `b`'s position falls in
/// `a`'s subtree span.
struct Intervals {
    pos: Vec<Ix>,
    size: Vec<Ix>,
}

impl Intervals {
    /// `idom[w] < w` for every `w > 0` (preorder numbers).
    fn new(idom: &[Ix]) -> Intervals {
        let m = idom.len();
        let mut size = vec![1 as Ix; m];
        for w in (1..m).rev() {
            size[idom[w] as usize] += size[w];
        }
        let mut pos = vec![0 as Ix; m];
        // `next[v]`: where v's next child's subtree starts.
        let mut next = vec![0 as Ix; m];
        next[0] = 1;
        for w in 1..m {
            let p = idom[w] as usize;
            pos[w] = next[p];
            next[p] += size[w];
            next[w] = pos[w] + 1;
        }
        Intervals { pos, size }
    }

    #[inline]
    fn is_ancestor(&self, a: Ix, b: Ix) -> bool {
        let (pa, pb) = (self.pos[a as usize], self.pos[b as usize]);
        pa <= pb && pb - pa < self.size[a as usize]
    }

    /// The nearest common ancestor of `a` and `b`: `a` climbs until it
    /// holds `b`.
    #[inline]
    fn nca(&self, idom: &[Ix], mut a: Ix, b: Ix) -> Ix {
        while !self.is_ancestor(a, b) {
            a = idom[a as usize];
        }
        a
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A graph as adjacency lists.
    pub(crate) struct Adj(pub Vec<Vec<Ix>>);

    impl Successors for Adj {
        fn node_count(&self) -> usize {
            self.0.len()
        }
        fn for_each_successor(&self, v: Ix, f: impl FnMut(Ix)) {
            self.0[v as usize].iter().copied().for_each(f)
        }
        type Cursor = (Ix, usize);
        fn cursor(&self, v: Ix) -> (Ix, usize) {
            (v, 0)
        }
        fn next_successor(&self, c: &mut (Ix, usize)) -> Option<Ix> {
            let t = self.0.get(c.0 as usize)?.get(c.1).copied();
            c.1 += 1;
            t
        }
    }

    fn adj(n: usize, edges: &[(Ix, Ix)]) -> Adj {
        let mut a = vec![Vec::new(); n];
        for &(s, t) in edges {
            a[s as usize].push(t);
        }
        Adj(a)
    }

    /// Dominator sets by the textbook fixpoint (`n` at most 63, the
    /// super-root is bit 63), for comparison.
    fn naive(g: &Adj, roots: &[Ix]) -> Vec<Ix> {
        let n = g.0.len();
        let s = 63usize;
        let is_root = |v: usize| roots.contains(&(v as Ix));
        let mut preds = vec![Vec::new(); n];
        for (v, l) in g.0.iter().enumerate() {
            for &t in l {
                if !is_root(t as usize) && t as usize != v {
                    preds[t as usize].push(v);
                }
            }
        }
        for &r in roots {
            preds[r as usize] = vec![s];
        }
        // Reachability from the super-root.
        let mut reach = vec![false; n];
        let mut todo: Vec<usize> = roots.iter().map(|&r| r as usize).collect();
        while let Some(v) = todo.pop() {
            if std::mem::replace(&mut reach[v], true) {
                continue;
            }
            for &t in &g.0[v] {
                if !is_root(t as usize) {
                    todo.push(t as usize);
                }
            }
        }
        let all = u64::MAX;
        let mut dom = vec![all; n];
        let dom_of = |dom: &Vec<u64>, p: usize| if p == s { 1u64 << s } else { dom[p] };
        loop {
            let mut changed = false;
            for v in 0..n {
                if !reach[v] {
                    continue;
                }
                let mut d = all;
                for &p in &preds[v] {
                    if p == s || reach[p] {
                        d &= dom_of(&dom, p);
                    }
                }
                d |= 1 << v;
                if d != dom[v] {
                    dom[v] = d;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        (0..n)
            .map(|v| {
                if !reach[v] {
                    return NONE;
                }
                // The strict dominator with the most dominators is the nearest.
                let strict = dom[v] & !(1 << v);
                let best = (0..64)
                    .filter(|&d| strict & (1 << d) != 0)
                    .max_by_key(|&d| if d == s { 0 } else { dom[d].count_ones() })
                    .unwrap_or(s);
                if best == s {
                    SUPER
                } else {
                    best as Ix
                }
            })
            .collect()
    }

    fn check(n: usize, edges: &[(Ix, Ix)], roots: &[Ix]) {
        let g = adj(n, edges);
        let t = dominator_tree(&g, roots);
        assert_eq!(t.idom, naive(&g, roots), "edges {edges:?} roots {roots:?}");
        // Parked in a file while the semidominators are computed: the same tree.
        let parked = dominator_tree_parked(&g, roots).unwrap();
        assert_eq!(parked.idom, t.idom);
        assert_eq!(parked.order, t.order);
        // Every reachable object is in `order`, after its immediate dominator.
        assert_eq!(t.order.len(), t.reachable());
        let mut seen = vec![false; n];
        for &v in &t.order {
            let d = t.idom[v as usize];
            assert!(
                d == SUPER || seen[d as usize],
                "{v} before its dominator {d}"
            );
            seen[v as usize] = true;
        }
    }

    #[test]
    fn chain_each_dominates_the_next() {
        let edges: Vec<(Ix, Ix)> = (0..9).map(|i| (i, i + 1)).collect();
        check(10, &edges, &[0]);
        let t = dominator_tree(&adj(10, &edges), &[0]);
        assert_eq!(t.idom[0], SUPER);
        assert_eq!(t.idom[9], 8);
        assert_eq!(t.order, (0..10).collect::<Vec<Ix>>(), "acyclic: all placed");
    }

    #[test]
    fn diamond_is_dominated_by_its_top() {
        // 0 -> 1, 0 -> 2, 1 -> 3, 2 -> 3, 3 -> 4
        let e = [(0, 1), (0, 2), (1, 3), (2, 3), (3, 4)];
        check(5, &e, &[0]);
        let t = dominator_tree(&adj(5, &e), &[0]);
        assert_eq!(t.idom, vec![SUPER, 0, 0, 0, 3]);
    }

    #[test]
    fn cycles_and_two_roots() {
        // 0 -> 1 -> 2 -> 1 (cycle), 3 (root) -> 2: 2 is held by both roots.
        let e = [(0, 1), (1, 2), (2, 1), (3, 2), (2, 4), (4, 0)];
        check(5, &e, &[0, 3]);
        let t = dominator_tree(&adj(5, &e), &[0, 3]);
        assert_eq!(t.idom, vec![SUPER, SUPER, SUPER, SUPER, 2]);
    }

    #[test]
    fn unreachable_objects_have_no_dominator() {
        let e = [(0, 1), (2, 1), (2, 3)];
        let t = dominator_tree(&adj(4, &e), &[0]);
        assert_eq!(t.idom, vec![SUPER, 0, NONE, NONE]);
        assert_eq!(t.reachable(), 2);
    }

    #[test]
    fn a_leaf_held_from_two_branches_goes_to_their_common_ancestor() {
        // 0 -> 1 -> 2 -> 5, 0 -> 3 -> 4 -> 5 (5 is a leaf)
        let e = [(0, 1), (1, 2), (2, 5), (0, 3), (3, 4), (4, 5)];
        check(6, &e, &[0]);
        let t = dominator_tree(&adj(6, &e), &[0]);
        assert_eq!(t.idom[5], 0);
    }

    #[test]
    fn a_chain_deeper_than_the_acyclic_levels_sharing_one_object() {
        // 0 -> 1 -> ... -> 49, each also -> 50: past MAX_LEVEL the chain's
        // head is core, its tail acyclic, and 50 goes to the chain's head.
        let mut e: Vec<(Ix, Ix)> = (0..49).map(|i| (i, i + 1)).collect();
        e.extend((0..50).map(|i| (i, 50)));
        check(51, &e, &[0]);
        let t = dominator_tree(&adj(51, &e), &[0]);
        assert_eq!(t.idom[50], 0);
        assert_eq!(t.idom[49], 48);
        // 1 -> 2 -> 1 closes a cycle: 0, 1 and 2 are core, 3.. acyclic.
        e.push((2, 1));
        check(51, &e, &[0]);
    }

    #[test]
    fn a_deep_chain_needs_no_stack() {
        let n = 2_000_000usize;
        let g = Adj((0..n)
            .map(|i| if i + 1 < n { vec![i as Ix + 1] } else { vec![] })
            .collect());
        let t = dominator_tree(&g, &[0]);
        assert_eq!(t.idom[n - 1], (n - 2) as Ix);
        assert_eq!(t.order.len(), n);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(600))]
        #[test]
        fn semi_nca_agrees_with_the_fixpoint(
            n in 1usize..40,
            raw in proptest::collection::vec((0u32..40, 0u32..40), 0..120),
            raw_roots in proptest::collection::vec(0u32..40, 1..4),
        ) {
            let edges: Vec<(Ix, Ix)> = raw
                .into_iter()
                .map(|(a, b)| (a % n as Ix, b % n as Ix))
                .collect();
            let mut roots: Vec<Ix> = raw_roots.into_iter().map(|r| r % n as Ix).collect();
            roots.sort_unstable();
            roots.dedup();
            check(n, &edges, &roots);
        }

        /// Mostly acyclic graphs (edges forward in index order, a few
        /// back): long acyclic parts with shared objects, placed by
        /// common ancestors over each other and over the core.
        #[test]
        fn acyclic_objects_agree_with_the_fixpoint(
            n in 1usize..40,
            raw in proptest::collection::vec((0u32..40, 0u32..40, proptest::bool::weighted(0.08)), 0..120),
            raw_roots in proptest::collection::vec(0u32..40, 1..4),
        ) {
            let edges: Vec<(Ix, Ix)> = raw
                .into_iter()
                .map(|(a, b, back)| {
                    let (a, b) = (a % n as Ix, b % n as Ix);
                    if back { (a.max(b), a.min(b)) } else { (a.min(b), a.max(b)) }
                })
                .collect();
            let mut roots: Vec<Ix> = raw_roots.into_iter().map(|r| r % n as Ix).collect();
            roots.sort_unstable();
            roots.dedup();
            check(n, &edges, &roots);
        }
    }
}

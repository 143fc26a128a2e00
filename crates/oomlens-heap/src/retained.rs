//! Retained sizes and leak suspects in Eclipse MAT's sense, over the
//! dominator tree of `dominator.rs`: the retained size of an object is the
//! sum of the shallow sizes of the objects it dominates (itself included),
//! summed children-first in reverse preorder, no recursion.
//!
//! What MAT does, read in its source (github.com/eclipse-mat/mat), and
//! what this module does alike:
//! - References (`org.eclipse.mat.hprof/.../HprofParserHandlerImpl.java`,
//!   `prepareHeapObject`, `addGCRoot`; `org.eclipse.mat.parser/.../model/
//!   ClassImpl.java`, `getReferences`): every object refers to its class;
//!   a class to `java.lang.Class`, its superclass, its loader and the
//!   objects in its static fields; an instance to every object field of its
//!   class chain. `java.lang.ref.Reference.referent` is an ordinary field
//!   there: soft, weak, phantom and final referents are dominated by their
//!   Reference object like any other field's target (only what is reachable
//!   through nothing else, of course; a dump taken by `GC.heap_dump` holds no
//!   weakly reachable object at all, the collection before it cleared them).
//!   Java-frame, JNI-local, native-stack and thread-block roots whose thread
//!   is known are not roots: they become references of the thread object.
//! - Roots (`DominatorTree.java`, `getPredecessors`): a GC root's only
//!   predecessor is the virtual root. When a dump marks no system class,
//!   MAT makes every class of the bootstrap loader a root; HotSpot dumps
//!   mark them (`ROOT_STICKY_CLASS`), so this module follows the dump.
//! - Unreachable objects (`GarbageCleaner.java`): removed before the
//!   dominator tree unless `keep_unreachable_objects` is set; here they are
//!   counted apart (`unreachable_objects`, `unreachable_bytes`) and retain
//!   nothing.
//! - The system class loader: MAT adds a pseudo object (address 0) that the
//!   bootstrap classes refer to; it is left out here (a few bytes).
//! - Leak suspects (`org.eclipse.mat.api/.../inspections/FindLeaksQuery.java`):
//!   the children of the virtual root retaining more than 20% of the
//!   reachable heap are suspects one by one; the rest, grouped by class,
//!   are a suspect class when their sum passes the same 20%. The
//!   accumulation point (`findAccumulationPoint`) descends from a suspect
//!   into its biggest dominated child while that child keeps at least 70%
//!   of its parent's retained size (`big_drop_ratio`), at most 1000 steps.
//!   The path from a GC root leaves out `java.lang.ref.Reference:referent`
//!   and `java.lang.ref.Finalizer:unfinalized` (the query's `excludes`);
//!   here it is a shortest path (breadth-first from all roots).
//! - Retained size of a class (`SnapshotImpl.getMinRetainedSize`, as the
//!   histogram's retained column computes it): the sum of the retained
//!   sizes of the class's instances that no other instance of the class
//!   dominates. A class loader's retained size here is that of the loader
//!   instance in the dominator tree (what it alone keeps alive, its classes
//!   when nothing else holds them).
//!
//! Memory per object, in bytes: 4 (retained size, summed in place over
//! the shallow-size column; sizes of 4 GiB and more in a side map) + 4
//! (first dominated child) + 4 (next sibling, written over the immediate
//! dominator); while sizes are summed the graph's other columns and its
//! references wait in temporary files. The report then holds at most 12
//! bytes an object at once (see [`Retained::report`]): the tree's lists
//! with the sizes, then with the class column, then sizes and classes,
//! then the references and a path search's 4.

use crate::dominator::{dominator_tree_parked, DomTree, SUPER};
use crate::graph::{
    park_u32s, read_u32_at, unpark_u32s, BitSet, ClassNames, Column, Graph, GraphBuilder,
    GraphError, Id, Ix, ObjectVisitor, MAX_OBJECTS, NONE,
};
use crate::reader::{read_path, OpenError, Outcome};
use crate::sizing::Sizing;
use serde::Serialize;
use std::path::Path;

/// Why retained sizes could not be computed.
#[derive(Debug)]
pub enum RetainedError {
    Open(OpenError),
    Graph(GraphError),
}

impl std::fmt::Display for RetainedError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RetainedError::Open(e) => write!(f, "{e}"),
            RetainedError::Graph(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for RetainedError {}

/// The object graph of a dump whose layout is `sizing` (the summary pass
/// detected it): one pass over the dump for objects, roots and each
/// object's references as ids (spilled to a temporary file), then the
/// references resolved to indexes from that file. Also returns the class
/// names and the pass's outcome (where a cut-short dump stopped: the
/// graph is then of what came before).
pub fn read_graph(
    path: &Path,
    sizing: Sizing,
) -> Result<(Graph, ClassNames, Outcome), RetainedError> {
    read_graph_within(path, sizing, MAX_OBJECTS)
}

/// [`read_graph`] of at most `max_objects` objects (capped at
/// [`MAX_OBJECTS`], the most `u32` indexes address): a dump with more
/// fails with [`GraphError::TooManyObjects`] as soon as it shows it.
pub fn read_graph_within(
    path: &Path,
    sizing: Sizing,
    max_objects: u64,
) -> Result<(Graph, ClassNames, Outcome), RetainedError> {
    let (mut g, classes, outcome) = read_graph_parked(path, sizing, max_objects)?;
    let io = |e: std::io::Error| RetainedError::Open(e.into());
    g.unpark().map_err(io)?;
    g.unpark_column(Column::Successors).map_err(io)?;
    Ok((g, classes, outcome))
}

/// [`read_graph_within`] with the class and shallow-size columns and the
/// references left in their temporary files (the replay of the references
/// wrote them there), the id index in memory: see [`Graph::park`].
pub fn read_graph_parked(
    path: &Path,
    sizing: Sizing,
    max_objects: u64,
) -> Result<(Graph, ClassNames, Outcome), RetainedError> {
    let mut objects =
        ObjectVisitor::with_edges(sizing).map_err(|e| RetainedError::Open(e.into()))?;
    objects.builder = GraphBuilder::with_limit(max_objects);
    objects
        .builder
        .park_as_built()
        .map_err(|e| RetainedError::Open(e.into()))?;
    let outcome = read_path(path, &mut objects).map_err(RetainedError::Open)?;
    let (g, classes) = graph_of(objects)?;
    Ok((g, classes, outcome))
}

/// The graph of a pass made with [`ObjectVisitor::with_edges`]: the
/// class and shallow-size columns and the references parked.
fn graph_of(objects: ObjectVisitor) -> Result<(Graph, ClassNames), RetainedError> {
    let (mut builder, _, classes, spill) = objects.finish_with_edges();
    builder.flush_columns();
    if let Some(e) = builder.park_error() {
        return Err(RetainedError::Open(e.into()));
    }
    let mut pass = builder.finish().map_err(RetainedError::Graph)?;
    if let Some(spill) = spill {
        spill
            .replay(&mut pass)
            .map_err(|e| RetainedError::Open(e.into()))?;
    }
    Ok((pass.finish(), classes))
}

/// The `retained` section for a dump (graph, dominator tree, retained
/// sizes, the report of its `top` biggest) and the retained size of every
/// class-loader instance, by id.
pub fn analyze(
    path: &Path,
    sizing: Sizing,
    top: usize,
) -> Result<(RetainedReport, Vec<(Id, u64)>), RetainedError> {
    analyze_within(path, sizing, top, MAX_OBJECTS)
}

/// [`analyze`] of a dump of at most `max_objects` objects (see
/// [`read_graph_within`]); past it, `RetainedError::Graph`.
pub fn analyze_within(
    path: &Path,
    sizing: Sizing,
    top: usize,
    max_objects: u64,
) -> Result<(RetainedReport, Vec<(Id, u64)>), RetainedError> {
    let (g, classes, _) = read_graph_parked(path, sizing, max_objects)?;
    report_of(g, &classes, top)
}

/// What [`summarize_retained`] gives: the summary, the `retained` section,
/// and the retained size of every class-loader instance by id.
pub type SummaryAndRetained = (crate::Summary, RetainedReport, Vec<(Id, u64)>);

/// [`crate::summarize`] and [`analyze`] in one read of the dump.
pub fn summarize_retained(path: &Path, top: usize) -> Result<SummaryAndRetained, RetainedError> {
    let (summary, retained) = summarize_retained_within(path, top, MAX_OBJECTS)?;
    let (rep, by_loader) = retained.map_err(RetainedError::Graph)?;
    Ok((summary, rep, by_loader))
}

/// The `retained` section and the loaders' retained sizes, or why the
/// graph was refused.
pub type RetainedOrWhy = Result<(RetainedReport, Vec<(Id, u64)>), GraphError>;

/// [`summarize_retained`] of a dump of at most `max_objects` objects: past
/// it, the whole summary still, beside the graph's refusal (a dump too big
/// for the graph loses its retained sizes, nothing else).
pub fn summarize_retained_within(
    path: &Path,
    top: usize,
    max_objects: u64,
) -> Result<(crate::Summary, RetainedOrWhy), RetainedError> {
    let (summary, objects) = crate::summary::summarize_with(path, |sizing| {
        let mut v = ObjectVisitor::with_edges(sizing)?;
        v.builder = GraphBuilder::with_limit(max_objects);
        v.builder.park_as_built()?;
        Ok(v)
    })
    .map_err(RetainedError::Open)?;
    match graph_of(objects) {
        Ok((g, classes)) => Ok((summary, Ok(report_of(g, &classes, top)?))),
        Err(RetainedError::Graph(e)) => Ok((summary, Err(e))),
        Err(e) => Err(e),
    }
}

/// The object indexes of the class-loader instances the dump holds, with
/// their ids, in the order of `classes` (read while the id index is in
/// memory, before [`Graph::park`]).
pub fn loader_indexes(g: &Graph, classes: &ClassNames) -> Vec<(Id, Ix)> {
    classes
        .loaders()
        .iter()
        .filter_map(|&(id, _)| Some((id, g.index(id)?)))
        .collect()
}

/// Dominator tree, retained sizes and the report of a built graph, each
/// phase with only the columns it reads in memory.
fn report_of(
    mut g: Graph,
    classes: &ClassNames,
    top: usize,
) -> Result<(RetainedReport, Vec<(Id, u64)>), RetainedError> {
    let io = |e: std::io::Error| RetainedError::Open(e.into());
    let loaders = loader_indexes(&g, classes);
    g.park().map_err(io)?;
    g.unpark_column(Column::Successors).map_err(io)?;
    let tree = dominator_tree_parked(&g, g.roots()).map_err(io)?;
    // The references wait in a file while sizes are summed.
    g.park_column(Column::Successors).map_err(io)?;
    let r = Retained::compute(&mut g, tree).map_err(io)?;
    r.report(&mut g, top, &loaders, &|id| classes.name(id))
        .map_err(io)
}

/// A retained size in `bytes` (or `big`).
fn value(bytes: &[u32], big: &rustc_hash::FxHashMap<Ix, u64>, v: Ix) -> u64 {
    match bytes[v as usize] {
        u32::MAX => big.get(&v).copied().unwrap_or(u64::from(u32::MAX)),
        b => u64::from(b),
    }
}

/// MAT's leak-suspect threshold: share of the reachable heap, in percent.
pub const SUSPECT_PERCENT: u64 = 20;
/// MAT's `big_drop_ratio`: where the accumulation point descent stops.
pub const BIG_DROP_RATIO: f64 = 0.7;
/// MAT's `MAX_DEPTH` of the descent.
pub const MAX_DEPTH: usize = 1000;

/// Retained sizes over a dominator tree.
#[derive(Debug)]
pub struct Retained {
    /// Per object: retained bytes (0 when unreachable; [`u32::MAX`]: in
    /// `big`).
    bytes: Vec<u32>,
    /// Retained sizes of 4 GiB and more.
    big: rustc_hash::FxHashMap<Ix, u64>,
    /// Dominator-tree children as lists: each object's first child, and
    /// each object's next sibling ([`NONE`] ends a list).
    first: Vec<Ix>,
    next: Vec<Ix>,
    /// The children of the super-root (objects no single object dominates).
    top: Vec<Ix>,
    reachable_objects: u64,
    reachable_bytes: u64,
    unreachable_objects: u64,
    unreachable_bytes: u64,
}

impl Retained {
    /// Sums shallow sizes up the tree, in place over the graph's shallow
    /// column (taken from it: it stays parked) and the tree's arrays.
    pub fn compute(g: &mut Graph, tree: DomTree) -> std::io::Result<Retained> {
        let n = g.len();
        let DomTree { idom, order } = tree;
        let mut bytes = g.take_shallow()?;
        bytes.resize(n, 0);
        let mut big = rustc_hash::FxHashMap::default();
        let (mut ro, mut rb, mut uo, mut ub) = (0u64, 0u64, 0u64, 0u64);
        for v in 0..n {
            let s = match bytes[v] {
                u32::MAX => g.big_shallow(v as Ix),
                s => u64::from(s),
            };
            if idom[v] == NONE {
                uo += 1;
                ub += s;
                bytes[v] = 0;
            } else {
                ro += 1;
                rb += s;
                if bytes[v] == u32::MAX {
                    big.insert(v as Ix, s);
                }
            }
        }
        // Children first: `order` has each object after its dominator.
        for &v in order.iter().rev() {
            let d = idom[v as usize];
            if d != SUPER {
                let add = value(&bytes, &big, v);
                let sum = value(&bytes, &big, d) + add;
                if sum >= u64::from(u32::MAX) {
                    bytes[d as usize] = u32::MAX;
                    big.insert(d, sum);
                } else {
                    bytes[d as usize] = sum as u32;
                }
            }
        }
        drop(order);
        // Children lists, the next-sibling links written over `idom`.
        let mut first = vec![NONE; n];
        let mut next = idom;
        let mut top = Vec::new();
        for (v, slot) in next.iter_mut().enumerate() {
            let d = std::mem::replace(slot, NONE);
            if d == SUPER {
                top.push(v as Ix);
            } else if d != NONE {
                *slot = first[d as usize];
                first[d as usize] = v as Ix;
            }
        }
        let r = Retained {
            bytes,
            big,
            first,
            next,
            top,
            reachable_objects: ro,
            reachable_bytes: rb,
            unreachable_objects: uo,
            unreachable_bytes: ub,
        };
        let mut top = r.top.clone();
        top.sort_unstable_by_key(|&v| std::cmp::Reverse(r.of(v)));
        Ok(Retained { top, ..r })
    }

    /// The retained bytes of object `v`.
    pub fn of(&self, v: Ix) -> u64 {
        match self.bytes.get(v as usize) {
            Some(&u32::MAX) => self.big.get(&v).copied().unwrap_or(u64::from(u32::MAX)),
            Some(&b) => u64::from(b),
            None => 0,
        }
    }

    /// The objects `v` immediately dominates.
    pub fn children(&self, v: Ix) -> impl Iterator<Item = Ix> + '_ {
        let head = self.first.get(v as usize).copied().unwrap_or(NONE);
        std::iter::successors(Some(head).filter(|&c| c != NONE), move |&c| {
            Some(self.next[c as usize]).filter(|&c| c != NONE)
        })
    }

    /// The super-root's children, biggest retained first.
    pub fn top(&self) -> &[Ix] {
        &self.top
    }

    /// Bytes of all reachable objects (the retained size of the super-root).
    pub fn reachable_bytes(&self) -> u64 {
        self.reachable_bytes
    }

    /// MAT's accumulation point below `v`: the descent into the biggest
    /// child while it keeps [`BIG_DROP_RATIO`] of its parent; `None` when
    /// the descent goes [`MAX_DEPTH`] deep without a drop (MAT: none).
    pub fn accumulation_point(&self, v: Ix) -> Option<Ix> {
        let mut d = v;
        for _ in 0..MAX_DEPTH {
            let Some(big) = self
                .children(d)
                .max_by_key(|&c| (self.of(c), std::cmp::Reverse(c)))
            else {
                return Some(d);
            };
            let parent = self.of(d);
            if parent == 0 || (self.of(big) as f64) / (parent as f64) < BIG_DROP_RATIO {
                return Some(d);
            }
            d = big;
        }
        if self.children(d).next().is_none() {
            Some(d)
        } else {
            None
        }
    }

    /// Per class number: (the instances no other instance of the class
    /// dominates, the sum of their retained sizes) — MAT's retained size of
    /// a class.
    pub fn class_retained(&self, g: &Graph) -> Vec<(u64, u64)> {
        self.sum_class_tops(g, &self.class_tops(g))
    }

    /// The instances no other instance of their class dominates (a walk of
    /// the tree reading only its lists and the graph's class column).
    fn class_tops(&self, g: &Graph) -> BitSet {
        let mut active = vec![0u32; g.class_count()];
        let mut tops = BitSet::new(g.len());
        // (object, leaving?) pairs: leaving entries undo `active`.
        let mut stack: Vec<(Ix, bool)> = self.top.iter().rev().map(|&v| (v, false)).collect();
        while let Some((v, leaving)) = stack.pop() {
            let c = g.class_of(v) as usize;
            if leaving {
                active[c] -= 1;
                continue;
            }
            if active[c] == 0 {
                tops.insert(v);
            }
            if self.children(v).next().is_none() {
                continue;
            }
            active[c] += 1;
            stack.push((v, true));
            stack.extend(self.children(v).map(|k| (k, false)));
        }
        tops
    }

    /// Per class number: the count and retained bytes of `tops` (reading
    /// the sizes and the graph's class column).
    fn sum_class_tops(&self, g: &Graph, tops: &BitSet) -> Vec<(u64, u64)> {
        let mut out = vec![(0u64, 0u64); g.class_count()];
        for v in 0..g.len() as Ix {
            if tops.contains(v) {
                let c = &mut out[g.class_of(v) as usize];
                c.0 += 1;
                c.1 += self.of(v);
            }
        }
        out
    }

    /// A shortest path from a GC root to each target (root first), leaving
    /// out excluded edges; an empty path when none exists.
    pub fn paths(&self, g: &Graph, targets: &[Ix]) -> Vec<Vec<Ix>> {
        let n = g.len();
        let mut from = vec![NONE; n];
        let mut wanted: Vec<Ix> = targets.to_vec();
        wanted.sort_unstable();
        wanted.dedup();
        let mut left = wanted.len();
        let mut queue = std::collections::VecDeque::new();
        for &r in g.roots() {
            if from[r as usize] == NONE {
                from[r as usize] = r;
                queue.push_back(r);
                if wanted.binary_search(&r).is_ok() {
                    left -= 1;
                }
            }
        }
        while left > 0 {
            let Some(v) = queue.pop_front() else { break };
            g.successors().for_each(v, |t| {
                if from[t as usize] == NONE && !g.is_excluded(v, t) {
                    from[t as usize] = v;
                    queue.push_back(t);
                    if wanted.binary_search(&t).is_ok() {
                        left -= 1;
                    }
                }
            });
        }
        targets
            .iter()
            .map(|&t| {
                if (t as usize) >= n || from[t as usize] == NONE {
                    return Vec::new();
                }
                let mut p = vec![t];
                let mut v = t;
                while from[v as usize] != v {
                    v = from[v as usize];
                    p.push(v);
                }
                p.reverse();
                p
            })
            .collect()
    }

    /// The report: the `top` biggest objects no single object dominates,
    /// the `top` classes by retained size, MAT's leak suspects with their
    /// accumulation points and paths, the `top` class-loader instances of
    /// `loaders` (id, index) by retained size; and the retained size of each
    /// of `loaders`. `class_name` names a class object id.
    ///
    /// Made in stages, each with only what it reads in memory (the rest in
    /// temporary files): the suspects' accumulation points over the tree
    /// and the sizes; the class-topmost instances over the tree and the
    /// class column; the classes' sums and the loaders over the sizes and
    /// the class column; the paths over the references; last, the ids,
    /// classes and sizes of the few objects named, read from the files.
    /// Leaves every column of `g` parked.
    pub fn report(
        mut self,
        g: &mut Graph,
        top: usize,
        loaders: &[(Id, Ix)],
        class_name: &dyn Fn(Id) -> String,
    ) -> std::io::Result<(RetainedReport, Vec<(Id, u64)>)> {
        g.park()?;
        g.park_column(Column::Successors)?;

        // The tree and the sizes: leak suspects as FindLeaksQuery finds them.
        let total = self.reachable_bytes;
        let threshold = SUSPECT_PERCENT * total / 100;
        let single: Vec<Ix> = self
            .top
            .iter()
            .copied()
            .take_while(|&v| self.of(v) > threshold)
            .collect();
        let points: Vec<Option<Ix>> = single.iter().map(|&v| self.accumulation_point(v)).collect();

        // The tree and the classes (the sizes in a file).
        let mut sizes = [std::mem::take(&mut self.bytes)];
        let (file, lens) = park_u32s(&mut sizes)?;
        g.unpark_column(Column::Classes)?;
        let tops = self.class_tops(g);
        self.first = Vec::new();
        self.next = Vec::new();

        // The sizes and the classes.
        unpark_u32s((file.try_clone()?, lens), &mut sizes)?;
        self.bytes = std::mem::take(&mut sizes[0]);
        let per_class = self.sum_class_tops(g, &tops);
        drop(tops);
        let mut groups: rustc_hash::FxHashMap<u32, (u64, u64)> = Default::default();
        for &v in &self.top[single.len()..] {
            let e = groups.entry(g.class_of(v)).or_default();
            e.0 += 1;
            e.1 += self.of(v);
        }
        let by_loader: Vec<(Id, u64)> = loaders.iter().map(|&(id, v)| (id, self.of(v))).collect();
        let mut loader_order: Vec<(Ix, u64)> =
            loaders.iter().map(|&(_, v)| (v, self.of(v))).collect();
        loader_order.sort_unstable_by_key(|&(i, b)| (std::cmp::Reverse(b), i));
        self.bytes = Vec::new();
        g.park_column(Column::Classes)?;

        // The references: paths from the GC roots.
        let targets: Vec<Ix> = points
            .iter()
            .zip(&single)
            .map(|(p, &v)| p.unwrap_or(v))
            .collect();
        g.unpark_column(Column::Successors)?;
        let paths = self.paths(g, &targets);
        g.park_column(Column::Successors)?;

        // The objects named, from the files.
        let big = &self.big;
        let retained = |v: Ix| -> std::io::Result<u64> {
            Ok(match read_u32_at(&file, v as usize)? {
                u32::MAX => big.get(&v).copied().unwrap_or(u64::from(u32::MAX)),
                b => u64::from(b),
            })
        };
        let object = |v: Ix| -> std::io::Result<RetainedObject> {
            let (id, c, shallow) = g.object_at(v)?;
            Ok(RetainedObject {
                id: format!("{id:#x}"),
                class: class_name(g.class_id(c)),
                shallow,
                retained: retained(v)?,
            })
        };
        let biggest = self
            .top
            .iter()
            .take(top)
            .map(|&v| object(v))
            .collect::<std::io::Result<_>>()?;

        let mut classes: Vec<u32> = (0..per_class.len() as u32)
            .filter(|&c| per_class[c as usize].0 > 0)
            .collect();
        classes.sort_unstable_by_key(|&c| std::cmp::Reverse(per_class[c as usize].1));
        let classes = classes
            .into_iter()
            .take(top)
            .map(|c| RetainedClass {
                class: class_name(g.class_id(c)),
                tops: per_class[c as usize].0,
                retained: per_class[c as usize].1,
            })
            .collect();

        let share = |b: u64| {
            if total == 0 {
                0.0
            } else {
                b as f64 / total as f64
            }
        };
        let mut suspects: Vec<Suspect> = Vec::with_capacity(single.len());
        for ((&v, p), path) in single.iter().zip(points).zip(paths) {
            let o = object(v)?;
            suspects.push(Suspect {
                kind: SuspectKind::Object,
                class: o.class.clone(),
                instances: 1,
                retained: o.retained,
                share: share(o.retained),
                object: Some(o),
                accumulation_point: p.map(object).transpose()?,
                path: path
                    .into_iter()
                    .map(object)
                    .collect::<std::io::Result<_>>()?,
            });
        }
        let mut groups: Vec<(u32, (u64, u64))> = groups
            .into_iter()
            .filter(|(_, (_, b))| *b > threshold)
            .collect();
        groups.sort_unstable_by_key(|&(c, (_, b))| (std::cmp::Reverse(b), c));
        suspects.extend(groups.into_iter().map(|(c, (k, b))| Suspect {
            kind: SuspectKind::Class,
            class: class_name(g.class_id(c)),
            instances: k,
            retained: b,
            share: share(b),
            object: None,
            accumulation_point: None,
            path: Vec::new(),
        }));
        let loaders = loader_order
            .into_iter()
            .take(top)
            .map(|(v, _)| object(v))
            .collect::<std::io::Result<_>>()?;

        let rep = RetainedReport {
            reachable_objects: self.reachable_objects,
            reachable_bytes: self.reachable_bytes,
            unreachable_objects: self.unreachable_objects,
            unreachable_bytes: self.unreachable_bytes,
            biggest,
            classes,
            suspects,
            loaders,
        };
        Ok((rep, by_loader))
    }
}

/// The `retained` section of `oomlens heap`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RetainedReport {
    /// Objects a GC root reaches, and their shallow bytes (the heap MAT
    /// keeps after removing unreachable objects).
    pub reachable_objects: u64,
    pub reachable_bytes: u64,
    /// Objects no GC root reaches: in the dump, retained by nothing.
    pub unreachable_objects: u64,
    pub unreachable_bytes: u64,
    /// The biggest objects that no single object dominates (MAT's top of
    /// the dominator tree), biggest retained first.
    pub biggest: Vec<RetainedObject>,
    /// Classes by retained size (MAT's minimum retained size of the set of
    /// their instances), biggest first.
    pub classes: Vec<RetainedClass>,
    /// MAT's leak suspects: objects, then classes.
    pub suspects: Vec<Suspect>,
    /// Class-loader instances by retained size: each loader with what it
    /// alone keeps alive (its classes and their statics when nothing else
    /// holds them).
    pub loaders: Vec<RetainedObject>,
}

/// One object with its sizes.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RetainedObject {
    /// The object id, hexadecimal.
    pub id: String,
    pub class: String,
    pub shallow: u64,
    pub retained: u64,
}

/// A class's retained size.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RetainedClass {
    pub class: String,
    /// Instances no other instance of the class dominates.
    pub tops: u64,
    /// The sum of their retained sizes.
    pub retained: u64,
}

/// What a suspect is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SuspectKind {
    /// One object retains more than the threshold.
    Object,
    /// Instances of one class, each below the threshold, together above it.
    Class,
}

/// One leak suspect.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Suspect {
    pub kind: SuspectKind,
    pub class: String,
    pub instances: u64,
    pub retained: u64,
    /// Share of the reachable heap, 0 to 1.
    pub share: f64,
    /// The suspect object (kind `object`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object: Option<RetainedObject>,
    /// Where the memory accumulates below it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accumulation_point: Option<RetainedObject>,
    /// A shortest path from a GC root to the accumulation point (the
    /// suspect itself without one), root first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub path: Vec<RetainedObject>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dominator::dominator_tree;
    use crate::graph::{GraphBuilder, RootKind};

    /// A graph from (id, class id, shallow) objects and id edges; class
    /// objects are plain objects of class 1 here.
    fn build(objects: &[(Id, Id, u64)], edges: &[(Id, &[Id])], roots: &[Id]) -> Graph {
        let mut b = GraphBuilder::new();
        for &(id, c, s) in objects {
            b.object(id, c, s);
        }
        for &r in roots {
            b.root(r, RootKind::JniGlobal, None);
        }
        let mut e = b.finish().unwrap();
        for &(id, _, _) in objects {
            let refs = edges
                .iter()
                .find(|(s, _)| *s == id)
                .map(|(_, t)| t.to_vec())
                .unwrap_or_default();
            e.object(refs, &[]);
        }
        e.finish()
    }

    fn name(id: Id) -> String {
        format!("C{id}")
    }

    /// The graph gathered in one read (references spilled as ids to a
    /// file) is the graph of the two-pass reading, edge for edge, and the
    /// summary read with it is the summary read alone.
    #[test]
    fn one_read_gives_the_two_pass_graph_and_summary() {
        use crate::graph::EdgeVisitor;
        use crate::hprof::{sub, BasicType};
        use crate::reader::read_bytes;
        let mut w = crate::synth::Writer::new(8, 1_700_000_000_000);
        w.string(1, "java/lang/Class")
            .string(2, "app/Node")
            .string(3, "next")
            .string(4, "[Ljava/lang/Object;")
            .string(5, "n")
            .string(6, "cache");
        w.load_class(1, 0x100, 1)
            .load_class(2, 0x200, 2)
            .load_class(3, 0x300, 4);
        w.root(sub::ROOT_STICKY_CLASS, 0x100);
        w.root(sub::ROOT_JNI_GLOBAL, 0x7_0000_0000);
        w.class_dump(0x100, 0, 0, 0, &[], &[]);
        let stat = 0x7_0000_1000u64.to_be_bytes().to_vec();
        w.class_dump(
            0x200,
            0,
            0,
            12,
            &[(6, BasicType::Object, stat)],
            &[(3, BasicType::Object), (5, BasicType::Int)],
        );
        w.class_dump(0x300, 0, 0, 0, &[], &[]);
        // Nodes far apart and out of order: each `next` one the writer put
        // before or after it, some null, one to an id the dump lacks.
        let ids: Vec<u64> = (0..40u64)
            .map(|k| 0x7_0000_0000 + ((k * 7919) % 40) * 0x40_0000 + k * 24)
            .collect();
        for (k, &id) in ids.iter().enumerate() {
            let next = match k % 5 {
                0 => 0,
                1 => 0xdead_0000,
                _ => ids[(k * 13 + 3) % ids.len()],
            };
            let mut data = next.to_be_bytes().to_vec();
            data.extend_from_slice(&(k as u32).to_be_bytes());
            w.instance(id, 0x200, &data);
        }
        w.object_array(0x7_0000_1000, 0x300, &[ids[3], 0, ids[39], ids[3]]);
        w.primitive_array(0x7_0000_2000, BasicType::Byte, 4, &[1, 2, 3, 4]);
        w.end_segment();
        let bytes = w.finish();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.hprof");
        std::fs::write(&path, &bytes).unwrap();
        let sizing = Sizing::detect(&path).unwrap();

        let mut objects = ObjectVisitor::new(sizing);
        read_bytes(&bytes, &mut objects).unwrap();
        let (builder, names, _) = objects.finish();
        let mut pass = builder.finish().unwrap();
        read_bytes(&bytes, &mut EdgeVisitor::new(&mut pass, names)).unwrap();
        let two = pass.finish();
        let (one, _, _) = read_graph(&path, sizing).unwrap();
        assert_eq!(one.len(), 45);
        assert_eq!(one.len(), two.len());
        assert_eq!(one.roots(), two.roots());
        assert_eq!(one.dangling(), two.dangling());
        assert_eq!(one.dangling(), 8, "the eight `next`s to a missing id");
        let edges = |g: &Graph| {
            let mut e = Vec::new();
            g.successors().for_each_edge(|s, t| e.push((s, t)));
            e
        };
        assert_eq!(edges(&one), edges(&two));
        assert!(edges(&one).len() > 40, "{:?}", edges(&one));
        let arr = one.index(0x7_0000_1000).unwrap();
        let mut held = Vec::new();
        one.successors().for_each(arr, |t| held.push(one.id(t)));
        assert_eq!(held, vec![0x300, ids[3], ids[39], ids[3]]);

        let (summary, rep, _) = summarize_retained(&path, 5).unwrap();
        let alone = crate::summarize(&path).unwrap();
        assert_eq!(
            serde_json::to_value(&summary.histogram).unwrap(),
            serde_json::to_value(&alone.histogram).unwrap()
        );
        assert_eq!(summary.totals, alone.totals);
        let (rep_alone, _) = analyze(&path, sizing, 5).unwrap();
        assert_eq!(rep, rep_alone);
        assert_eq!(rep.reachable_objects + rep.unreachable_objects, 45);
    }

    #[test]
    fn retained_sums_what_each_object_alone_keeps() {
        // Class objects 1 (root), 2; holder 10 -> list 11 -> items 12, 13;
        // 14 shared by 10 and by root 20.
        let objs = [
            (1, 1, 0),
            (2, 1, 0),
            (10, 2, 16),
            (11, 2, 24),
            (12, 2, 1000),
            (13, 2, 1000),
            (14, 2, 500),
            (20, 2, 8),
        ];
        let edges: [(Id, &[Id]); 3] = [(10, &[11, 14]), (11, &[12, 13]), (20, &[14])];
        let mut g = build(&objs, &edges, &[1, 2, 10, 20]);
        let tree = dominator_tree(&g, g.roots());
        let r = Retained::compute(&mut g, tree).unwrap();
        g.unpark().unwrap();
        let ix = |id| g.index(id).unwrap();
        assert_eq!(r.of(ix(10)), 16 + 24 + 2000);
        assert_eq!(r.of(ix(11)), 2024);
        assert_eq!(r.of(ix(14)), 500);
        assert_eq!(r.of(ix(20)), 8);
        assert_eq!(r.reachable_bytes(), 16 + 24 + 2000 + 500 + 8);
        assert_eq!(r.top()[0], ix(10));
        assert_eq!(r.accumulation_point(ix(10)), Some(ix(11)));
        let paths = r.paths(&g, &[ix(12), ix(14)]);
        assert_eq!(paths[0], vec![ix(10), ix(11), ix(12)]);
        assert_eq!(paths[1].len(), 2);
    }

    #[test]
    fn class_retained_counts_only_the_topmost_instances() {
        // A chain of class-2 nodes: only the head is a top; a class-3 leaf
        // under the chain is a top of its own class.
        let objs = [
            (1, 1, 0),
            (2, 1, 0),
            (3, 1, 0),
            (10, 2, 10),
            (11, 2, 10),
            (12, 2, 10),
            (13, 3, 100),
        ];
        let edges: [(Id, &[Id]); 3] = [(10, &[11]), (11, &[12]), (12, &[13])];
        let mut g = build(&objs, &edges, &[1, 2, 3, 10]);
        let tree = dominator_tree(&g, g.roots());
        let r = Retained::compute(&mut g, tree).unwrap();
        g.unpark().unwrap();
        let per = r.class_retained(&g);
        let c2 = g.class_of(g.index(10).unwrap()) as usize;
        let c3 = g.class_of(g.index(13).unwrap()) as usize;
        assert_eq!(per[c2], (1, 130));
        assert_eq!(per[c3], (1, 100));
        let (rep, _) = r.report(&mut g, 5, &[], &name).unwrap();
        assert_eq!(rep.suspects.len(), 1);
        let s = &rep.suspects[0];
        assert_eq!(s.kind, SuspectKind::Object);
        assert_eq!(s.retained, 130);
        // 10 (130) -> 11 (120) -> 12 (110) -> 13 (100): no drop below 70%.
        assert_eq!(s.accumulation_point.as_ref().unwrap().id, "0xd");
        assert_eq!(s.path.len(), 4);
    }

    #[test]
    fn many_small_holders_of_one_class_are_a_class_suspect() {
        let mut objs = vec![(1, 1, 0), (2, 1, 0)];
        let mut roots = vec![1, 2];
        for k in 0..10u64 {
            objs.push((100 + k, 2, 100));
            roots.push(100 + k);
        }
        let mut g = build(&objs, &[], &roots);
        let tree = dominator_tree(&g, g.roots());
        let r = Retained::compute(&mut g, tree).unwrap();
        g.unpark().unwrap();
        let (rep, _) = r.report(&mut g, 3, &[], &name).unwrap();
        assert_eq!(rep.suspects.len(), 1);
        assert_eq!(rep.suspects[0].kind, SuspectKind::Class);
        assert_eq!(rep.suspects[0].instances, 10);
        assert_eq!(rep.suspects[0].retained, 1000);
        assert_eq!(rep.biggest.len(), 3);
    }
}

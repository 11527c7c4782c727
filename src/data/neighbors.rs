//! Exact k-nearest-neighbour search over Euclidean distance with a KD-tree.
//!
//! The tree splits the rows at the median of the coordinate with the widest spread until a node
//! holds at most `leaf_size` rows, and keeps each node's bounding box. A query walks the nodes
//! nearest box first and skips every node whose box is farther than the current k-th
//! neighbour, so a query visits a few leaves instead of every row in the typical
//! (low intrinsic dimension) case. The answer is exact: the same rows a brute-force scan would
//! return.
//!
//! Distances are squared Euclidean sums computed in the same order for every pair, and equal
//! distances are broken by the smaller row index, so results are deterministic.

use ndarray::{Array2, ArrayView1, ArrayView2};

use crate::{Error, Float, Result};

const CONTEXT: &str = "KdTree";
const NO_CHILD: usize = usize::MAX;

/// The default number of rows in a leaf.
pub const DEFAULT_LEAF_SIZE: usize = 16;

#[derive(Debug, Clone)]
struct Node {
    start: usize,
    end: usize,
    left: usize,
    right: usize,
}

/// An exact k-nearest-neighbour index (KD-tree with leaf buckets) over the rows of a matrix.
///
/// Built once from data (copied and reordered leaf by leaf so that a leaf's rows are
/// contiguous in memory), then queried many times. Indices returned are row numbers of the
/// data given to [`KdTree::new`]. Results are sorted by distance, equal distances by row
/// index.
///
/// ```
/// use tuneup::data::KdTree;
/// use ndarray::array;
/// let x = array![[0.0, 0.0], [1.0, 0.0], [5.0, 5.0], [0.0, 2.0]];
/// let tree = KdTree::new(&x.view())?;
/// // The two nearest rows to each row, excluding the row itself.
/// let nn = tree.kneighbors_of_fitted(2)?;
/// assert_eq!(nn.row(0).to_vec(), vec![1, 3]);
/// assert_eq!(nn.row(2).to_vec(), vec![3, 1]);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct KdTree<F> {
    /// Rows in leaf order, row-major.
    data: Vec<F>,
    /// `index[i]` is the original row of the i-th stored row.
    index: Vec<usize>,
    nodes: Vec<Node>,
    /// Per node, `dim` lower then `dim` upper bounds.
    bounds: Vec<F>,
    dim: usize,
}

/// Reusable scratch space for [`KdTree::query_into`]: querying many points with one buffer
/// allocates nothing after the first query.
///
/// ```
/// use tuneup::data::{KdTree, KnnBuffer};
/// use ndarray::array;
/// let x = array![[0.0], [1.0], [3.0]];
/// let tree = KdTree::new(&x.view())?;
/// let mut buf = KnnBuffer::new();
/// let mut out = Vec::new();
/// for q in [[0.2], [2.9]] {
///     tree.query_into(&q, 1, None, &mut buf, &mut out)?;
/// }
/// assert_eq!(out, vec![2]);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct KnnBuffer<F> {
    /// The best candidates so far, sorted by (distance, row).
    best: Vec<(F, usize)>,
    /// Nodes still to visit with their box distance.
    stack: Vec<(usize, F)>,
}

impl<F> Default for KnnBuffer<F> {
    fn default() -> Self {
        KnnBuffer {
            best: Vec::new(),
            stack: Vec::new(),
        }
    }
}

impl<F> KnnBuffer<F> {
    /// An empty buffer; it grows on first use and is reused afterwards.
    ///
    /// ```
    /// let buf = tuneup::data::KnnBuffer::<f64>::new();
    /// # let _ = buf;
    /// ```
    pub fn new() -> Self {
        Self::default()
    }
}

impl<F: Float> KdTree<F> {
    /// Builds the tree over the rows of `x` with [`DEFAULT_LEAF_SIZE`] rows per leaf.
    ///
    /// Errors: no rows or no columns ([`Error::Shape`]), a NaN or infinite value
    /// ([`Error::NonFinite`] naming the row and column).
    ///
    /// ```
    /// use tuneup::data::KdTree;
    /// use ndarray::array;
    /// let tree = KdTree::new(&array![[1.0, 2.0], [3.0, 4.0]].view())?;
    /// assert_eq!((tree.len(), tree.dim()), (2, 2));
    /// assert!(KdTree::new(&array![[f64::NAN]].view()).is_err());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn new(x: &ArrayView2<'_, F>) -> Result<Self> {
        Self::with_leaf_size(x, DEFAULT_LEAF_SIZE)
    }

    /// Builds the tree with at most `leaf_size ≥ 1` rows per leaf (0 is an [`Error::Config`]).
    ///
    /// ```
    /// use tuneup::data::KdTree;
    /// use ndarray::array;
    /// let tree = KdTree::with_leaf_size(&array![[1.0], [2.0], [4.0]].view(), 1)?;
    /// assert_eq!(tree.kneighbors(&array![[3.9]].view(), 2)?.row(0).to_vec(), vec![2, 1]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn with_leaf_size(x: &ArrayView2<'_, F>, leaf_size: usize) -> Result<Self> {
        if leaf_size == 0 {
            return Err(Error::config("KdTree.leaf_size", 0, "at least 1"));
        }
        let (n, dim) = x.dim();
        if n == 0 || dim == 0 {
            return Err(Error::shape(
                CONTEXT,
                "at least one row and one column",
                format!("{n}×{dim} data"),
            ));
        }
        for ((r, c), v) in x.indexed_iter() {
            if !v.is_finite() {
                return Err(Error::non_finite(
                    CONTEXT,
                    format!(
                        "value[{r}, {c}] = {v}: nearest neighbours need finite data \
                         (impute missing values first)"
                    ),
                ));
            }
        }
        let mut index: Vec<usize> = (0..n).collect();
        let mut nodes = Vec::new();
        let mut bounds = Vec::new();
        build(x, &mut index, 0, n, leaf_size, &mut nodes, &mut bounds);
        let mut data = Vec::with_capacity(n * dim);
        for &i in &index {
            data.extend(x.row(i).iter().copied());
        }
        Ok(KdTree {
            data,
            index,
            nodes,
            bounds,
            dim,
        })
    }

    /// The number of rows indexed.
    ///
    /// ```
    /// use ndarray::array;
    /// let tree = tuneup::data::KdTree::new(&array![[1.0], [2.0]].view())?;
    /// assert_eq!(tree.len(), 2);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// Always false: a tree holds at least one row.
    ///
    /// ```
    /// use ndarray::array;
    /// assert!(!tuneup::data::KdTree::new(&array![[1.0]].view())?.is_empty());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// The number of columns.
    ///
    /// ```
    /// use ndarray::array;
    /// assert_eq!(tuneup::data::KdTree::new(&array![[1.0, 0.0]].view())?.dim(), 2);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Writes into `out` the rows of the `k` points nearest to `point`, nearest first (equal
    /// distances: smaller row first), skipping row `exclude` if given. `buf` is scratch space
    /// reused between calls.
    ///
    /// Errors: `point` of another width ([`Error::Shape`]), a non-finite coordinate
    /// ([`Error::NonFinite`]), `k` of zero or more than the rows available
    /// ([`Error::Value`], "Expected n_neighbors <= n_samples_fit").
    ///
    /// ```
    /// use tuneup::data::{KdTree, KnnBuffer};
    /// use ndarray::array;
    /// let tree = KdTree::new(&array![[0.0], [1.0], [1.0], [3.0]].view())?;
    /// let (mut buf, mut out) = (KnnBuffer::new(), Vec::new());
    /// tree.query_into(&[1.0], 2, Some(1), &mut buf, &mut out)?;
    /// assert_eq!(out, vec![2, 0]); // row 1 excluded; its duplicate row 2 is at distance 0
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn query_into(
        &self,
        point: &[F],
        k: usize,
        exclude: Option<usize>,
        buf: &mut KnnBuffer<F>,
        out: &mut Vec<usize>,
    ) -> Result<()> {
        if point.len() != self.dim {
            return Err(Error::shape(
                format!("{CONTEXT}.query"),
                format!("a point with {} coordinates", self.dim),
                format!("{} coordinates", point.len()),
            ));
        }
        if let Some((c, v)) = point.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(Error::non_finite(
                format!("{CONTEXT}.query"),
                format!("point[{c}] = {v}"),
            ));
        }
        let available = self.len() - usize::from(exclude.is_some_and(|e| e < self.len()));
        self.check_k(k, available)?;
        self.search(point, k, exclude, buf);
        out.clear();
        out.extend(buf.best.iter().map(|&(_, i)| i));
        Ok(())
    }

    fn check_k(&self, k: usize, available: usize) -> Result<()> {
        if k == 0 || k > available {
            return Err(Error::value(
                format!("{CONTEXT}.query"),
                format!(
                    "between 1 and {available} neighbours ({} rows indexed)",
                    self.len()
                ),
                format!("Expected n_neighbors <= n_samples_fit, but n_neighbors = {k}"),
            ));
        }
        Ok(())
    }

    /// The `k` nearest rows of the tree for each row of `queries` (one row of indices per
    /// query, nearest first). A query equal to an indexed row finds that row too.
    ///
    /// Errors as [`query_into`](Self::query_into).
    ///
    /// ```
    /// use tuneup::data::KdTree;
    /// use ndarray::array;
    /// let tree = KdTree::new(&array![[0.0, 0.0], [2.0, 2.0], [3.0, 3.0]].view())?;
    /// let nn = tree.kneighbors(&array![[2.9, 2.9], [0.1, 0.0]].view(), 2)?;
    /// assert_eq!(nn, array![[2, 1], [0, 1]]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn kneighbors(&self, queries: &ArrayView2<'_, F>, k: usize) -> Result<Array2<usize>> {
        if queries.ncols() != self.dim {
            return Err(Error::shape(
                format!("{CONTEXT}.kneighbors"),
                format!("queries with {} columns", self.dim),
                format!("{} columns", queries.ncols()),
            ));
        }
        self.check_k(k, self.len())?;
        let mut result = Array2::zeros((queries.nrows(), k));
        let mut buf = KnnBuffer::new();
        let mut point = vec![F::zero(); self.dim];
        let mut out = Vec::with_capacity(k);
        for (q, mut row) in queries.rows().into_iter().zip(result.rows_mut()) {
            copy_row(&q, &mut point);
            self.query_into(&point, k, None, &mut buf, &mut out)?;
            for (r, &o) in row.iter_mut().zip(&out) {
                *r = o;
            }
        }
        Ok(result)
    }

    /// The `k` nearest other rows of every indexed row: row `i` of the result lists the
    /// neighbours of indexed row `i`, excluding `i` itself (but not its exact duplicates).
    ///
    /// Errors: `k` of zero or `k ≥ len()` ([`Error::Value`], "Expected n_neighbors <=
    /// n_samples_fit").
    ///
    /// ```
    /// use tuneup::data::KdTree;
    /// use ndarray::array;
    /// let tree = KdTree::new(&array![[0.0], [0.0], [5.0]].view())?;
    /// // Row 2 is as far from row 0 as from row 1: the smaller index wins.
    /// assert_eq!(tree.kneighbors_of_fitted(1)?, array![[1], [0], [0]]);
    /// assert!(tree.kneighbors_of_fitted(3).is_err());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn kneighbors_of_fitted(&self, k: usize) -> Result<Array2<usize>> {
        self.check_k(k, self.len() - 1)?;
        let n = self.len();
        let mut result = Array2::zeros((n, k));
        let mut buf = KnnBuffer::new();
        let mut point = vec![F::zero(); self.dim];
        for (pos, &orig) in self.index.iter().enumerate() {
            point.copy_from_slice(&self.data[pos * self.dim..(pos + 1) * self.dim]);
            self.search(&point, k, Some(orig), &mut buf);
            for (r, &(_, i)) in result.row_mut(orig).iter_mut().zip(&buf.best) {
                *r = i;
            }
        }
        Ok(result)
    }

    /// The search proper; `k` has been checked.
    fn search(&self, point: &[F], k: usize, exclude: Option<usize>, buf: &mut KnnBuffer<F>) {
        let dim = self.dim;
        buf.best.clear();
        buf.stack.clear();
        buf.stack.push((0, self.box_distance(0, point)));
        while let Some((node, box_d)) = buf.stack.pop() {
            if buf.best.len() == k && box_d > buf.best[k - 1].0 {
                continue;
            }
            let nd = &self.nodes[node];
            if nd.left == NO_CHILD {
                for pos in nd.start..nd.end {
                    let orig = self.index[pos];
                    if exclude == Some(orig) {
                        continue;
                    }
                    let row = &self.data[pos * dim..(pos + 1) * dim];
                    let worst = if buf.best.len() == k {
                        Some(buf.best[k - 1].0)
                    } else {
                        None
                    };
                    let mut d = F::zero();
                    let mut abandoned = false;
                    for (chunk_a, chunk_b) in row.chunks(8).zip(point.chunks(8)) {
                        for (&a, &b) in chunk_a.iter().zip(chunk_b) {
                            let t = a - b;
                            d += t * t;
                        }
                        if worst.is_some_and(|w| d > w) {
                            abandoned = true;
                            break;
                        }
                    }
                    if !abandoned {
                        insert(&mut buf.best, k, d, orig);
                    }
                }
            } else {
                let dl = self.box_distance(nd.left, point);
                let dr = self.box_distance(nd.right, point);
                // Pushed last, popped first: the nearer child.
                if dl <= dr {
                    buf.stack.push((nd.right, dr));
                    buf.stack.push((nd.left, dl));
                } else {
                    buf.stack.push((nd.left, dl));
                    buf.stack.push((nd.right, dr));
                }
            }
        }
    }

    /// Squared distance from `point` to the bounding box of `node`.
    fn box_distance(&self, node: usize, point: &[F]) -> F {
        let b = &self.bounds[node * 2 * self.dim..(node + 1) * 2 * self.dim];
        let (lo, hi) = b.split_at(self.dim);
        let mut d = F::zero();
        for ((&p, &l), &h) in point.iter().zip(lo).zip(hi) {
            let t = if p < l {
                l - p
            } else if p > h {
                p - h
            } else {
                F::zero()
            };
            d += t * t;
        }
        d
    }
}

/// Copies a row view into a slice of the same length.
fn copy_row<F: Float>(row: &ArrayView1<'_, F>, out: &mut [F]) {
    for (o, &v) in out.iter_mut().zip(row.iter()) {
        *o = v;
    }
}

/// Inserts `(d, i)` into `best` (sorted by distance then index, at most `k` long).
fn insert<F: Float>(best: &mut Vec<(F, usize)>, k: usize, d: F, i: usize) {
    let less = |a: (F, usize), b: (F, usize)| a.0 < b.0 || (a.0 == b.0 && a.1 < b.1);
    if best.len() == k {
        if !less((d, i), best[k - 1]) {
            return;
        }
        best.pop();
    }
    let mut pos = best.len();
    while pos > 0 && less((d, i), best[pos - 1]) {
        pos -= 1;
    }
    best.insert(pos, (d, i));
}

/// Builds the subtree over `index[start..end]`, returning its node number.
fn build<F: Float>(
    x: &ArrayView2<'_, F>,
    index: &mut [usize],
    start: usize,
    end: usize,
    leaf_size: usize,
    nodes: &mut Vec<Node>,
    bounds: &mut Vec<F>,
) -> usize {
    let dim = x.ncols();
    let id = nodes.len();
    nodes.push(Node {
        start,
        end,
        left: NO_CHILD,
        right: NO_CHILD,
    });
    let base = bounds.len();
    bounds.resize(base + 2 * dim, F::zero());
    for c in 0..dim {
        let mut lo = x[[index[start], c]];
        let mut hi = lo;
        for &i in &index[start + 1..end] {
            let v = x[[i, c]];
            if v < lo {
                lo = v;
            }
            if v > hi {
                hi = v;
            }
        }
        bounds[base + c] = lo;
        bounds[base + dim + c] = hi;
    }
    if end - start <= leaf_size {
        return id;
    }
    let mut split_dim = 0;
    let mut spread = F::zero();
    for c in 0..dim {
        let s = bounds[base + dim + c] - bounds[base + c];
        if s > spread {
            spread = s;
            split_dim = c;
        }
    }
    if spread == F::zero() {
        // All rows identical: nothing to split.
        return id;
    }
    let mid = (end - start) / 2;
    index[start..end].select_nth_unstable_by(mid, |&a, &b| {
        x[[a, split_dim]]
            .partial_cmp(&x[[b, split_dim]])
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(a.cmp(&b))
    });
    let left = build(x, index, start, start + mid, leaf_size, nodes, bounds);
    let right = build(x, index, start + mid, end, leaf_size, nodes, bounds);
    nodes[id].left = left;
    nodes[id].right = right;
    id
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    fn brute(x: &Array2<f64>, q: &[f64], k: usize, exclude: Option<usize>) -> Vec<usize> {
        let mut d: Vec<(f64, usize)> = x
            .rows()
            .into_iter()
            .enumerate()
            .filter(|(i, _)| Some(*i) != exclude)
            .map(|(i, r)| {
                let mut s = 0.0;
                for (a, b) in r.iter().zip(q) {
                    s += (a - b) * (a - b);
                }
                (s, i)
            })
            .collect();
        d.sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap().then(a.1.cmp(&b.1)));
        d.iter().take(k).map(|p| p.1).collect()
    }

    #[test]
    fn matches_brute_force_with_duplicates_and_ties() {
        let mut rng = StdRng::seed_from_u64(3);
        for &(n, d) in &[(1usize, 1usize), (7, 2), (200, 3), (500, 8)] {
            // Integer grid coordinates: many exact ties and duplicates.
            let x = Array2::from_shape_fn((n, d), |_| f64::from(rng.random_range(0..4)));
            for leaf in [1, 4, 16] {
                let tree = KdTree::with_leaf_size(&x.view(), leaf).unwrap();
                let k = (n.saturating_sub(1)).clamp(1, 7);
                if n > 1 {
                    let nn = tree.kneighbors_of_fitted(k).unwrap();
                    for i in 0..n {
                        let q: Vec<f64> = x.row(i).to_vec();
                        assert_eq!(nn.row(i).to_vec(), brute(&x, &q, k, Some(i)));
                    }
                }
                let q: Vec<f64> = (0..d).map(|_| rng.random_range(-1.0..5.0)).collect();
                let mut buf = KnnBuffer::new();
                let mut out = Vec::new();
                let kk = k.min(n);
                tree.query_into(&q, kk, None, &mut buf, &mut out).unwrap();
                assert_eq!(out, brute(&x, &q, kk, None));
            }
        }
    }

    #[test]
    fn rejects_bad_k() {
        let x = ndarray::array![[0.0], [1.0]];
        let tree = KdTree::new(&x.view()).unwrap();
        assert!(matches!(
            tree.kneighbors_of_fitted(2),
            Err(Error::Value { .. })
        ));
        assert!(matches!(
            tree.kneighbors(&x.view(), 0),
            Err(Error::Value { .. })
        ));
    }
}

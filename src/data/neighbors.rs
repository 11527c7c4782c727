//! Exact k-nearest-neighbour search over Euclidean distance with a KD-tree.
//!
//! The tree splits the rows at the median of the coordinate with the widest spread until a node
//! holds at most `leaf_size` rows, and keeps each node's bounding box. A query walks the nodes
//! nearest box first and skips every node whose box is farther than the current k-th
//! neighbour, so a query visits a few leaves instead of every row in the typical
//! (low intrinsic dimension) case. The answer is exact: the same rows a brute-force scan would
//! return.
//!
//! The boxes live in a rotated, scaled copy of the coordinates ([`PrincipalAxes`]: the
//! principal axes of the data), which fits correlated columns far more tightly than the raw
//! axes; a box is skipped only when it is farther than the k-th neighbour by more than the
//! rotation's rounding could explain, so the search stays exact.
//!
//! Distances are squared Euclidean sums over the original coordinates, computed in the same
//! order for every pair, and equal distances are broken by the smaller row index, so results
//! are deterministic. [`KdTree::kneighbors_of_fitted`] spreads its queries over the crate's
//! thread count ([`crate::linalg::num_threads`]); each query is answered the same way on any
//! thread, so the result does not depend on it.

use ndarray::{Array2, ArrayView1, ArrayView2};

use super::blocks::for_each_block;
use super::principal_axes::PrincipalAxes;
use crate::{Error, Float, Result};

const CONTEXT: &str = "KdTree";
const NO_CHILD: usize = usize::MAX;

/// Stored rows per thread below which [`KdTree::kneighbors_of_fitted`] stays on the calling
/// thread.
const FITTED_ROWS_PER_THREAD: usize = 1024;

/// Stored rows per block of [`KdTree::kneighbors_of_fitted`]'s work.
const FITTED_BLOCK: usize = 256;

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
    /// Per node, `dim` lower then `dim` upper bounds, in rotated coordinates.
    bounds: Vec<f64>,
    dim: usize,
    /// Box distances sum the first `box_dims` rotated coordinates only (one past the last
    /// coordinate any node splits on): a lower bound still, and the other coordinates, of
    /// small spread, would rarely prune anything.
    box_dims: usize,
    axes: PrincipalAxes,
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
    /// Nodes still to visit with their (rotated, scaled) box distance.
    stack: Vec<(usize, f64)>,
    /// The query in rotated, scaled coordinates.
    rotated: Vec<f64>,
}

impl<F> Default for KnnBuffer<F> {
    fn default() -> Self {
        KnnBuffer {
            best: Vec::new(),
            stack: Vec::new(),
            rotated: Vec::new(),
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
        let axes = PrincipalAxes::of(x);
        let rotated = rotate_rows(x, &axes);
        let mut index: Vec<usize> = (0..n).collect();
        let mut nodes = Vec::new();
        let mut bounds = Vec::new();
        let mut builder = Builder {
            rows: &rotated,
            dim,
            index: &mut index,
            leaf_size,
            nodes: &mut nodes,
            bounds: &mut bounds,
            box_dims: 1,
        };
        builder.build(0, n);
        let box_dims = builder.box_dims;
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
            box_dims,
            axes,
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
        // Answers in leaf order (neighbouring queries share leaves), in blocks the threads
        // claim one by one.
        let mut by_pos = vec![0usize; n * k];
        let threads = crate::linalg::num_threads()
            .min(n.div_ceil(FITTED_ROWS_PER_THREAD))
            .max(1);
        for_each_block(&mut by_pos, FITTED_BLOCK * k, threads, |b, part| {
            self.fitted_block(b * FITTED_BLOCK, k, part)
        });
        let mut result = Array2::zeros((n, k));
        for (found, &orig) in by_pos.chunks(k).zip(&self.index) {
            for (r, &i) in result.row_mut(orig).iter_mut().zip(found) {
                *r = i;
            }
        }
        Ok(result)
    }

    /// The neighbours of the stored rows `start..` (leaf order), `k` per row, into `out`.
    fn fitted_block(&self, start: usize, k: usize, out: &mut [usize]) {
        let mut buf = KnnBuffer::new();
        let mut point = vec![F::zero(); self.dim];
        for (off, dst) in out.chunks_mut(k).enumerate() {
            let pos = start + off;
            point.copy_from_slice(&self.data[pos * self.dim..(pos + 1) * self.dim]);
            self.search(&point, k, Some(self.index[pos]), &mut buf);
            for (d, &(_, i)) in dst.iter_mut().zip(&buf.best) {
                *d = i;
            }
        }
    }

    /// The search proper; `k` has been checked.
    fn search(&self, point: &[F], k: usize, exclude: Option<usize>, buf: &mut KnnBuffer<F>) {
        buf.best.clear();
        buf.stack.clear();
        // A query too far out to rotate (overflow) visits every leaf: exact, only slower.
        let prune = self.axes.project(point, &mut buf.rotated);
        let mut limit = f64::INFINITY;
        buf.stack.push((0, self.box_distance(0, &buf.rotated)));
        while let Some((node, box_d)) = buf.stack.pop() {
            if box_d > limit {
                continue;
            }
            let nd = &self.nodes[node];
            if nd.left == NO_CHILD {
                self.scan_leaf(nd, point, k, exclude, &mut buf.best);
                if prune && buf.best.len() == k {
                    limit = self.prune_limit(buf.best[k - 1].0);
                }
            } else {
                let dl = self.box_distance(nd.left, &buf.rotated);
                let dr = self.box_distance(nd.right, &buf.rotated);
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

    /// Offers every row of leaf `nd` (but `exclude`) to `best`, with exact distances over the
    /// original coordinates. Rows go four at a time: four independent sums, each still over
    /// the coordinates in order, so every distance is the same as one computed alone.
    fn scan_leaf(
        &self,
        nd: &Node,
        point: &[F],
        k: usize,
        exclude: Option<usize>,
        best: &mut Vec<(F, usize)>,
    ) {
        let dim = self.dim;
        let mut pos = nd.start;
        while pos + 4 <= nd.end {
            let rows = &self.data[pos * dim..(pos + 4) * dim];
            let (r0, rest) = rows.split_at(dim);
            let (r1, rest) = rest.split_at(dim);
            let (r2, r3) = rest.split_at(dim);
            let mut d = [F::zero(); 4];
            for c in 0..dim {
                let p = point[c];
                let t = [r0[c] - p, r1[c] - p, r2[c] - p, r3[c] - p];
                for (dj, tj) in d.iter_mut().zip(t) {
                    *dj += tj * tj;
                }
            }
            for (j, &dj) in d.iter().enumerate() {
                self.offer(best, k, dj, pos + j, exclude);
            }
            pos += 4;
        }
        for pos in pos..nd.end {
            let row = &self.data[pos * dim..(pos + 1) * dim];
            let mut d = F::zero();
            for (&a, &b) in row.iter().zip(point) {
                let t = a - b;
                d += t * t;
            }
            self.offer(best, k, d, pos, exclude);
        }
    }

    /// Offers the stored row `pos` at distance `d` to `best` unless it is `exclude`.
    #[inline]
    fn offer(
        &self,
        best: &mut Vec<(F, usize)>,
        k: usize,
        d: F,
        pos: usize,
        exclude: Option<usize>,
    ) {
        let orig = self.index[pos];
        if exclude != Some(orig) {
            insert(best, k, d, orig);
        }
    }

    /// The squared rotated box distance beyond which no row can be at a computed distance of
    /// `worst` or less: `worst` widened by the rounding of a squared distance in `F` (relative
    /// `4(d + 2)ε` plus `4d` times the smallest normal for underflow), then by the rotation's
    /// margins.
    fn prune_limit(&self, worst: F) -> f64 {
        let d = self.dim as f64;
        let gamma = 4.0 * (d + 2.0) * F::epsilon().as_f64();
        let w = worst.as_f64() + 4.0 * d * F::min_positive_value().as_f64();
        let (abs, rel) = self.axes.lower_bound_margin();
        let t = w.sqrt() * (1.0 + gamma) / self.axes.scale() * (1.0 + rel) + abs;
        t * t
    }

    /// Squared distance from the rotated query to the (rotated) bounding box of `node`.
    fn box_distance(&self, node: usize, rotated: &[f64]) -> f64 {
        let b = &self.bounds[node * 2 * self.dim..(node + 1) * 2 * self.dim];
        let (lo, hi) = b.split_at(self.dim);
        let m = self.box_dims;
        let mut d = 0.0;
        for ((&p, &l), &h) in rotated[..m].iter().zip(&lo[..m]).zip(&hi[..m]) {
            // At most one of the two is positive (`l ≤ h`); NaN from an unrotatable query
            // gives 0 (no pruning happens then anyway).
            let t = (l - p).max(0.0) + (p - h).max(0.0);
            d += t * t;
        }
        d
    }
}

/// The rows of `x` in rotated, scaled coordinates, row-major (finite for finite data).
fn rotate_rows<F: Float>(x: &ArrayView2<'_, F>, axes: &PrincipalAxes) -> Vec<f64> {
    let mut out = Vec::with_capacity(x.len());
    let mut point = vec![F::zero(); x.ncols()];
    let mut rotated = Vec::with_capacity(x.ncols());
    for row in x.rows() {
        copy_row(&row, &mut point);
        axes.project(&point, &mut rotated);
        out.extend_from_slice(&rotated);
    }
    out
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

/// The state of a tree under construction over rotated rows.
struct Builder<'a> {
    /// Rotated rows, row-major, in the original order.
    rows: &'a [f64],
    dim: usize,
    index: &'a mut [usize],
    leaf_size: usize,
    nodes: &'a mut Vec<Node>,
    bounds: &'a mut Vec<f64>,
    /// One past the largest coordinate split on so far.
    box_dims: usize,
}

impl Builder<'_> {
    /// Builds the subtree over `index[start..end]`, returning its node number: split at the
    /// median of the rotated coordinate with the widest spread (ties by row).
    fn build(&mut self, start: usize, end: usize) -> usize {
        let dim = self.dim;
        let id = self.nodes.len();
        self.nodes.push(Node {
            start,
            end,
            left: NO_CHILD,
            right: NO_CHILD,
        });
        let base = self.bounds.len();
        self.bounds.resize(base + 2 * dim, 0.0);
        let (lo, hi) = self.bounds[base..].split_at_mut(dim);
        lo.fill(f64::INFINITY);
        hi.fill(f64::NEG_INFINITY);
        for &i in &self.index[start..end] {
            let row = &self.rows[i * dim..(i + 1) * dim];
            for ((l, h), &v) in lo.iter_mut().zip(hi.iter_mut()).zip(row) {
                *l = l.min(v);
                *h = h.max(v);
            }
        }
        if end - start <= self.leaf_size {
            return id;
        }
        let (mut split_dim, mut spread) = (0, 0.0);
        for (c, (&l, &h)) in lo.iter().zip(hi.iter()).enumerate() {
            if h - l > spread {
                spread = h - l;
                split_dim = c;
            }
        }
        if spread == 0.0 {
            // All rows alike: nothing to split.
            return id;
        }
        self.box_dims = self.box_dims.max(split_dim + 1);
        let mid = (end - start) / 2;
        let rows = self.rows;
        self.index[start..end].select_nth_unstable_by(mid, |&a, &b| {
            rows[a * dim + split_dim]
                .total_cmp(&rows[b * dim + split_dim])
                .then(a.cmp(&b))
        });
        let left = self.build(start, start + mid);
        let right = self.build(start + mid, end);
        self.nodes[id].left = left;
        self.nodes[id].right = right;
        id
    }
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

    /// Rows near a 3-dimensional subspace of 10 columns (the case the rotation is for), with
    /// duplicated rows.
    fn correlated(n: usize, seed: u64) -> Array2<f64> {
        let mut rng = StdRng::seed_from_u64(seed);
        let a: Vec<f64> = (0..30).map(|_| rng.random_range(-1.0..1.0)).collect();
        let mut x = Array2::zeros((n, 10));
        for r in 0..n {
            let z: Vec<f64> = (0..3).map(|_| rng.random_range(-1.0..1.0)).collect();
            for j in 0..10 {
                let noise = rng.random_range(-0.01..0.01);
                x[[r, j]] = (0..3).map(|l| a[j * 3 + l] * z[l]).sum::<f64>() + noise;
            }
        }
        for r in (0..n).step_by(7).skip(1) {
            let copy = x.row(r - 1).to_owned();
            x.row_mut(r).assign(&copy);
        }
        x
    }

    #[test]
    fn rotated_boxes_stay_exact_on_correlated_data() {
        let x = correlated(1500, 5);
        let tree = KdTree::new(&x.view()).unwrap();
        let nn = tree.kneighbors_of_fitted(6).unwrap();
        for i in 0..x.nrows() {
            assert_eq!(
                nn.row(i).to_vec(),
                brute(&x, &x.row(i).to_vec(), 6, Some(i))
            );
        }
        let (mut buf, mut out) = (KnnBuffer::new(), Vec::new());
        // Near, far, and beyond what the rotation can represent (no pruning then).
        for q in [[0.3; 10], [40.0; 10], [f64::MAX; 10]] {
            tree.query_into(&q, 4, None, &mut buf, &mut out).unwrap();
            assert_eq!(out, brute(&x, &q, 4, None));
        }
        let x32 = x.mapv(|v| v as f32);
        let nn32 = KdTree::new(&x32.view())
            .unwrap()
            .kneighbors_of_fitted(3)
            .unwrap();
        for i in (0..x.nrows()).step_by(13) {
            let q = x32.row(i).to_vec();
            let mut d: Vec<(f32, usize)> = (0..x.nrows())
                .filter(|&j| j != i)
                .map(|j| {
                    let mut s = 0.0f32;
                    for (a, b) in x32.row(j).iter().zip(&q) {
                        s += (a - b) * (a - b);
                    }
                    (s, j)
                })
                .collect();
            d.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            let want: Vec<usize> = d.iter().take(3).map(|p| p.1).collect();
            assert_eq!(nn32.row(i).to_vec(), want);
        }
    }

    #[test]
    fn fitted_neighbours_do_not_depend_on_the_thread_count() {
        let x = correlated(4000, 9);
        let tree = KdTree::new(&x.view()).unwrap();
        let before = crate::linalg::num_threads();
        crate::linalg::set_num_threads(1).unwrap();
        let one = tree.kneighbors_of_fitted(5).unwrap();
        crate::linalg::set_num_threads(2).unwrap();
        let two = tree.kneighbors_of_fitted(5).unwrap();
        crate::linalg::set_num_threads(3).unwrap();
        let three = tree.kneighbors_of_fitted(5).unwrap();
        crate::linalg::set_num_threads(before).unwrap();
        assert_eq!(one, two);
        assert_eq!(one, three);
    }

    #[test]
    fn values_near_the_float_range_are_searched_exactly() {
        let x = ndarray::array![
            [f64::MAX, 0.0],
            [-f64::MAX, 1.0],
            [1e308, 1e308],
            [0.0, 0.0]
        ];
        let tree = KdTree::with_leaf_size(&x.view(), 1).unwrap();
        let nn = tree.kneighbors_of_fitted(2).unwrap();
        for i in 0..4 {
            assert_eq!(
                nn.row(i).to_vec(),
                brute(&x, &x.row(i).to_vec(), 2, Some(i))
            );
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

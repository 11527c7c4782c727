//! Borderline-SMOTE: SMOTE from the samples near the class border only ("in danger").

use std::collections::BTreeMap;

use ndarray::ArrayView2;
use rand::rngs::StdRng;
use rand::SeedableRng;

use super::neighbors::{KdTree, KnnBuffer};
use super::sampling_strategy::{
    check_xy, class_rows, rows_to_matrix, rows_with_room, too_few_neighbors, Resampled,
    SamplingStrategy,
};
use super::smote::{check_neighbors, interpolate};
use crate::{Float, Result};

const CONTEXT: &str = "BorderlineSmote";

/// Which Borderline-SMOTE variant to run (Han et al., 2005).
///
/// ```
/// use tuneup::data::{BorderlineKind, BorderlineSmote};
/// let s = BorderlineSmote::new(BorderlineKind::Two);
/// # let _ = s;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BorderlineKind {
    /// Borderline-SMOTE1: interpolate towards same-class neighbours only.
    #[default]
    One,
    /// Borderline-SMOTE2: interpolate towards neighbours of any class; towards a neighbour of
    /// another class the step is shrunk by a second uniform factor in `[0, 0.5)`.
    Two,
}

/// Borderline-SMOTE kinds 1 and 2 with imbalanced-learn's semantics.
///
/// For each class the [`SamplingStrategy`] asks to grow (one at a time, against the rest):
///
/// 1. each sample of the class looks at its `m_neighbors` nearest neighbours in the *whole*
///    data (itself excluded); with `m'` of them from other classes it is **in danger** when
///    `m/2 ≤ m' < m` (all `m` from other classes counts as noise and is not used). If no
///    sample is in danger, the class gets no new samples (as in imbalanced-learn).
/// 2. Synthetic samples start from a uniformly chosen danger sample and go a uniform gap in
///    `[0, 1)` towards one of its `k_neighbors` nearest neighbours, chosen uniformly: same-class
///    neighbours for [`BorderlineKind::One`]; neighbours from the whole data for
///    [`BorderlineKind::Two`], where the gap towards another class's sample is further
///    multiplied by a uniform draw in `[0, 0.5)` (so the new point stays nearer the class).
///
/// The random stream is this crate's, not NumPy's; class counts and danger sets equal
/// imbalanced-learn's.
///
/// ```
/// use tuneup::data::{BorderlineKind, BorderlineSmote};
/// use ndarray::array;
/// let x = array![[0.0], [0.5], [1.0], [1.5], [2.0], [2.2], [2.4], [2.6], [4.0], [4.2]];
/// let y = [0, 0, 0, 0, 0, 1, 0, 1, 1, 1];
/// let s = BorderlineSmote::new(BorderlineKind::One).k_neighbors(2)?.m_neighbors(4)?;
/// let danger = s.danger_indices(&x.view(), &y)?;
/// assert_eq!(danger[&1], vec![5, 7]);
/// let out = s.fit_resample(&x.view(), &y)?;
/// assert_eq!(out.y.len(), 12);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct BorderlineSmote {
    kind: BorderlineKind,
    strategy: SamplingStrategy,
    k_neighbors: usize,
    m_neighbors: usize,
    seed: u64,
}

impl BorderlineSmote {
    /// Borderline-SMOTE of the given kind with the [`Auto`](SamplingStrategy::Auto) strategy,
    /// `k_neighbors = 5`, `m_neighbors = 10` and seed 0 (imbalanced-learn's defaults).
    ///
    /// ```
    /// use tuneup::data::{BorderlineKind, BorderlineSmote};
    /// let s = BorderlineSmote::new(BorderlineKind::One);
    /// # let _ = s;
    /// ```
    pub fn new(kind: BorderlineKind) -> Self {
        BorderlineSmote {
            kind,
            strategy: SamplingStrategy::Auto,
            k_neighbors: 5,
            m_neighbors: 10,
            seed: 0,
        }
    }

    /// Sets the number of neighbours to interpolate towards (at least 1).
    ///
    /// ```
    /// use tuneup::data::{BorderlineKind, BorderlineSmote};
    /// assert!(BorderlineSmote::new(BorderlineKind::One).k_neighbors(0).is_err());
    /// ```
    pub fn k_neighbors(mut self, k: usize) -> Result<Self> {
        self.k_neighbors = check_neighbors("BorderlineSmote.k_neighbors", k)?;
        Ok(self)
    }

    /// Sets the number of whole-data neighbours that decide the danger set (at least 1).
    ///
    /// ```
    /// use tuneup::data::{BorderlineKind, BorderlineSmote};
    /// assert!(BorderlineSmote::new(BorderlineKind::Two).m_neighbors(3).is_ok());
    /// ```
    pub fn m_neighbors(mut self, m: usize) -> Result<Self> {
        self.m_neighbors = check_neighbors("BorderlineSmote.m_neighbors", m)?;
        Ok(self)
    }

    /// Sets the sampling strategy (checked against the labels when resampling).
    ///
    /// ```
    /// use tuneup::data::{BorderlineKind, BorderlineSmote, SamplingStrategy};
    /// let s = BorderlineSmote::new(BorderlineKind::One).sampling_strategy(SamplingStrategy::Ratio(0.5));
    /// # let _ = s;
    /// ```
    pub fn sampling_strategy(mut self, strategy: SamplingStrategy) -> Self {
        self.strategy = strategy;
        self
    }

    /// Sets the random seed (default 0); the same seed gives bit-identical output.
    ///
    /// ```
    /// use tuneup::data::{BorderlineKind, BorderlineSmote};
    /// let s = BorderlineSmote::new(BorderlineKind::One).seed(3);
    /// # let _ = s;
    /// ```
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The danger set of each class the strategy grows: input row indices, ascending
    /// (imbalanced-learn's `in_danger_indices`; classes with an empty set are left out).
    ///
    /// Errors as [`fit_resample`](Self::fit_resample).
    ///
    /// ```
    /// use tuneup::data::{BorderlineKind, BorderlineSmote};
    /// use ndarray::array;
    /// let x = array![[0.0], [1.0], [2.0], [3.0], [10.0], [11.0], [12.0]];
    /// let s = BorderlineSmote::new(BorderlineKind::One).k_neighbors(1)?.m_neighbors(2)?;
    /// // Far from class 0, no class-1 sample is in danger.
    /// assert!(s.danger_indices(&x.view(), &[0, 0, 0, 0, 1, 1, 1])?.is_empty());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn danger_indices<F: Float>(
        &self,
        x: &ArrayView2<'_, F>,
        y: &[usize],
    ) -> Result<BTreeMap<usize, Vec<usize>>> {
        check_xy(CONTEXT, x, y, false)?;
        let targets = self.strategy.over_sampling_targets(y)?;
        let tree = self.whole_tree(x)?;
        let mut out = BTreeMap::new();
        for (&class, &n_new) in &targets {
            if n_new == 0 {
                continue;
            }
            let danger = self.danger(&tree, x, y, class)?;
            if !danger.is_empty() {
                out.insert(class, danger);
            }
        }
        Ok(out)
    }

    fn whole_tree<F: Float>(&self, x: &ArrayView2<'_, F>) -> Result<KdTree<F>> {
        if self.m_neighbors >= x.nrows() {
            return Err(too_few_neighbors(
                CONTEXT,
                "m_neighbors",
                self.m_neighbors,
                "the whole data",
                x.nrows(),
            ));
        }
        KdTree::new(x)
    }

    /// Rows of `class` with `m/2 ≤ m' < m` other-class samples among their `m` neighbours.
    fn danger<F: Float>(
        &self,
        tree: &KdTree<F>,
        x: &ArrayView2<'_, F>,
        y: &[usize],
        class: usize,
    ) -> Result<Vec<usize>> {
        let m = self.m_neighbors;
        let mut buf = KnnBuffer::new();
        let mut nn = Vec::with_capacity(m);
        let mut point = vec![F::zero(); x.ncols()];
        let mut danger = Vec::new();
        for (i, row) in x.rows().into_iter().enumerate() {
            if y[i] != class {
                continue;
            }
            for (p, &v) in point.iter_mut().zip(row.iter()) {
                *p = v;
            }
            tree.query_into(&point, m, Some(i), &mut buf, &mut nn)?;
            let others = nn.iter().filter(|&&j| y[j] != class).count();
            if 2 * others >= m && others < m {
                danger.push(i);
            }
        }
        Ok(danger)
    }

    /// Over-samples `x` (one row per sample) with labels `y`; the inputs are only read.
    ///
    /// Errors: `y` not one label per row, or empty data ([`Error::Shape`](crate::Error::Shape));
    /// a NaN or infinite value ([`Error::NonFinite`](crate::Error::NonFinite) naming row and
    /// column); the strategy errors of [`SamplingStrategy::over_sampling_targets`];
    /// `m_neighbors` not below the number of rows, or (when a class has samples in danger)
    /// `k_neighbors` not below the class size (kind 1) or the number of rows (kind 2)
    /// ([`Error::Value`](crate::Error::Value), "Expected n_neighbors <= n_samples_fit").
    ///
    /// ```
    /// use tuneup::data::{BorderlineKind, BorderlineSmote};
    /// use ndarray::array;
    /// let x = array![[0.0], [1.0], [f64::NAN]];
    /// let err = BorderlineSmote::new(BorderlineKind::Two).fit_resample(&x.view(), &[0, 0, 1]);
    /// assert!(matches!(err, Err(tuneup::Error::NonFinite { .. })));
    /// ```
    pub fn fit_resample<F: Float>(
        &self,
        x: &ArrayView2<'_, F>,
        y: &[usize],
    ) -> Result<Resampled<F>> {
        check_xy(CONTEXT, x, y, false)?;
        let targets = self.strategy.over_sampling_targets(y)?;
        let tree = self.whole_tree(x)?;
        let mut rng = StdRng::seed_from_u64(self.seed);
        let new_rows = super::capacity::total_new_rows(CONTEXT, &targets)?;
        let mut extra = rows_with_room(CONTEXT, x, new_rows)?;
        let mut labels = y.to_vec();
        for (&class, &n_new) in &targets {
            if n_new == 0 {
                continue;
            }
            let danger = self.danger(&tree, x, y, class)?;
            if danger.is_empty() {
                continue;
            }
            let k = self.k_neighbors;
            let base = x.select(ndarray::Axis(0), &danger);
            let mut point = Vec::with_capacity(x.ncols());
            match self.kind {
                BorderlineKind::One => {
                    let (idx, xc) = class_rows(x, y, class);
                    if k >= idx.len() {
                        return Err(too_few_neighbors(
                            CONTEXT,
                            "k_neighbors",
                            k,
                            format!("class {class}"),
                            idx.len(),
                        ));
                    }
                    let class_tree = KdTree::new(&xc.view())?;
                    // Position of each danger row within the class, to exclude it.
                    let mut nn = ndarray::Array2::zeros((danger.len(), k));
                    let (mut buf, mut out) = (KnnBuffer::new(), Vec::with_capacity(k));
                    let mut pos = 0;
                    for (r, &i) in danger.iter().enumerate() {
                        while idx[pos] != i {
                            pos += 1;
                        }
                        point.clear();
                        point.extend(x.row(i).iter().copied());
                        class_tree.query_into(&point, k, Some(pos), &mut buf, &mut out)?;
                        for (c, &j) in out.iter().enumerate() {
                            nn[[r, c]] = j;
                        }
                    }
                    interpolate(
                        &base.view(),
                        &xc.view(),
                        &nn,
                        n_new,
                        None,
                        &mut rng,
                        &mut extra,
                    );
                }
                BorderlineKind::Two => {
                    if k >= x.nrows() {
                        return Err(too_few_neighbors(
                            CONTEXT,
                            "k_neighbors",
                            k,
                            "the whole data",
                            x.nrows(),
                        ));
                    }
                    let mut nn = ndarray::Array2::zeros((danger.len(), k));
                    let (mut buf, mut out) = (KnnBuffer::new(), Vec::with_capacity(k));
                    for (r, &i) in danger.iter().enumerate() {
                        point.clear();
                        point.extend(x.row(i).iter().copied());
                        tree.query_into(&point, k, Some(i), &mut buf, &mut out)?;
                        for (c, &j) in out.iter().enumerate() {
                            nn[[r, c]] = j;
                        }
                    }
                    let other: Vec<bool> = y.iter().map(|&c| c != class).collect();
                    interpolate(
                        &base.view(),
                        x,
                        &nn,
                        n_new,
                        Some(&other),
                        &mut rng,
                        &mut extra,
                    );
                }
            }
            labels.extend(std::iter::repeat_n(class, n_new));
        }
        Ok(Resampled {
            x: rows_to_matrix(x.ncols(), extra),
            y: labels,
        })
    }
}

//! Isolation forest (Liu, Ting and Zhou, 2008) with scikit-learn's scoring conventions.

use ndarray::{Array1, ArrayView2};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::check::{check_fit, check_transform, Nan};
use super::stats::percentile_sorted;
use crate::{Error, Float, Result};

/// Euler–Mascheroni constant γ.
const EULER_GAMMA: f64 = 0.577_215_664_901_532_9;

/// `c(n)`, the average path length of an unsuccessful search in a binary search tree of `n`
/// points, which normalises isolation depths: `c(n) = 2H(n − 1) − 2(n − 1)/n` with the
/// harmonic number estimated as `H(i) ≈ ln(i) + γ` (as in the paper and scikit-learn), and
/// `c(2) = 1`, `c(0) = c(1) = 0`.
///
/// ```
/// use tuneup::data::average_path_length;
/// assert_eq!(average_path_length(1), 0.0);
/// assert_eq!(average_path_length(2), 1.0);
/// // 2(ln 2 + γ) − 4/3
/// assert!((average_path_length(3) - 1.207_392_357_589_623).abs() < 1e-12);
/// ```
pub fn average_path_length(n: usize) -> f64 {
    match n {
        0 | 1 => 0.0,
        2 => 1.0,
        _ => {
            let n = n as f64;
            2.0 * ((n - 1.0).ln() + EULER_GAMMA) - 2.0 * (n - 1.0) / n
        }
    }
}

/// How many training rows each tree is grown on.
///
/// ```
/// use tuneup::data::{IsolationForest, MaxSamples};
/// let f = IsolationForest::new().max_samples(MaxSamples::Fraction(0.5))?;
/// assert!(IsolationForest::new().max_samples(MaxSamples::Count(1)).is_err());
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MaxSamples {
    /// `min(256, n)` (scikit-learn's `"auto"`).
    Auto,
    /// A fixed count (at least 2); capped at the number of training rows.
    Count(usize),
    /// A fraction in `(0, 1]` of the training rows: `max(2, ⌊fraction·n⌋)`, capped at `n`.
    Fraction(f64),
}

/// How the decision threshold is set.
///
/// ```
/// use tuneup::data::{Contamination, IsolationForest};
/// assert!(IsolationForest::new().contamination(Contamination::Fraction(0.1)).is_ok());
/// assert!(IsolationForest::new().contamination(Contamination::Fraction(0.6)).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Contamination {
    /// The paper's threshold: an anomaly score above 0.5 is an outlier (offset −0.5 on
    /// `score_samples`).
    Auto,
    /// The expected share of outliers in the training data, in `(0, 0.5]`: the threshold is
    /// that percentile of the training rows' `score_samples` (linear interpolation), so about
    /// this fraction of the training rows is flagged.
    Fraction(f64),
}

/// Settings of an isolation forest, scikit-learn's `IsolationForest`: an ensemble of random
/// trees, each grown on a subsample of `ψ` rows drawn without replacement by splitting on a
/// random feature at a random value between the node's minimum and maximum, until a node holds
/// one row, all its rows are equal, or it reaches depth `⌈log₂ ψ⌉`. Anomalies are isolated in
/// few splits, so their average depth `E[h(x)]` is small and their anomaly score
/// `s(x) = 2^(−E[h(x)] / c(ψ))` is close to 1 (see [`average_path_length`] for `c`; a leaf
/// holding `m` training rows adds `c(m)` to the depth).
///
/// Defaults: 100 trees, [`MaxSamples::Auto`], [`Contamination::Auto`], seed 0. The same seed
/// gives the same forest and scores; the numbers differ from scikit-learn's (another random
/// generator), the behaviour does not. NaN and infinite values are rejected
/// ([`Error::NonFinite`]); at least 2 training rows are needed ([`Error::Value`]).
///
/// ```
/// use tuneup::data::IsolationForest;
/// use ndarray::array;
/// let train = array![[0.0f64, 0.1], [0.2, 0.0], [0.1, 0.2], [0.0, 0.0], [0.2, 0.1], [5.0, 5.0]];
/// let forest = IsolationForest::new().seed(1).fit(&train.view())?;
/// let scores = forest.score_samples(&train.view())?; // lower = more anomalous
/// let most = (0..6).min_by(|&a, &b| scores[a].total_cmp(&scores[b])).unwrap();
/// assert_eq!(most, 5);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IsolationForest {
    n_estimators: usize,
    max_samples: MaxSamples,
    contamination: Contamination,
    seed: u64,
}

impl Default for IsolationForest {
    fn default() -> Self {
        Self::new()
    }
}

impl IsolationForest {
    /// A forest with scikit-learn's defaults (100 trees, `max_samples = "auto"`,
    /// `contamination = "auto"`) and seed 0.
    ///
    /// ```
    /// let f = tuneup::data::IsolationForest::new();
    /// assert_eq!(f, tuneup::data::IsolationForest::default());
    /// ```
    pub fn new() -> Self {
        IsolationForest {
            n_estimators: 100,
            max_samples: MaxSamples::Auto,
            contamination: Contamination::Auto,
            seed: 0,
        }
    }

    /// The number of trees (at least 1, else [`Error::Config`]).
    ///
    /// ```
    /// use tuneup::data::IsolationForest;
    /// assert!(IsolationForest::new().n_estimators(50).is_ok());
    /// assert!(matches!(IsolationForest::new().n_estimators(0), Err(tuneup::Error::Config { .. })));
    /// ```
    pub fn n_estimators(mut self, n: usize) -> Result<Self> {
        if n == 0 {
            return Err(Error::config(
                "IsolationForest.n_estimators",
                n,
                "at least 1",
            ));
        }
        self.n_estimators = n;
        Ok(self)
    }

    /// The subsample size of each tree; a count below 2 or a fraction outside `(0, 1]` is an
    /// [`Error::Config`].
    ///
    /// ```
    /// use tuneup::data::{IsolationForest, MaxSamples};
    /// assert!(IsolationForest::new().max_samples(MaxSamples::Count(64)).is_ok());
    /// assert!(IsolationForest::new().max_samples(MaxSamples::Fraction(0.0)).is_err());
    /// ```
    pub fn max_samples(mut self, m: MaxSamples) -> Result<Self> {
        match m {
            MaxSamples::Count(c) if c < 2 => {
                return Err(Error::config(
                    "IsolationForest.max_samples",
                    c,
                    "a count ≥ 2",
                ));
            }
            MaxSamples::Fraction(f) if !(f > 0.0 && f <= 1.0) => {
                return Err(Error::config(
                    "IsolationForest.max_samples",
                    f,
                    "a fraction in (0, 1]",
                ));
            }
            _ => {}
        }
        self.max_samples = m;
        Ok(self)
    }

    /// How the decision threshold is set; a fraction outside `(0, 0.5]` is an
    /// [`Error::Config`].
    ///
    /// ```
    /// use tuneup::data::{Contamination, IsolationForest};
    /// assert!(IsolationForest::new().contamination(Contamination::Fraction(0.05)).is_ok());
    /// assert!(IsolationForest::new().contamination(Contamination::Fraction(0.0)).is_err());
    /// ```
    pub fn contamination(mut self, c: Contamination) -> Result<Self> {
        if let Contamination::Fraction(f) = c {
            if !(f > 0.0 && f <= 0.5) {
                return Err(Error::config(
                    "IsolationForest.contamination",
                    f,
                    "a fraction in (0, 0.5]",
                ));
            }
        }
        self.contamination = c;
        Ok(self)
    }

    /// The seed of the random subsamples and splits.
    ///
    /// ```
    /// use ndarray::array;
    /// use tuneup::data::IsolationForest;
    /// let x = array![[0.0], [1.0], [2.0], [9.0]];
    /// let a = IsolationForest::new().seed(3).fit(&x.view())?.score_samples(&x.view())?;
    /// let b = IsolationForest::new().seed(3).fit(&x.view())?.score_samples(&x.view())?;
    /// assert_eq!(a, b);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Grows the forest on `x` and sets the decision offset.
    ///
    /// Errors: empty data ([`Error::Shape`]), NaN or infinite values ([`Error::NonFinite`]),
    /// fewer than 2 rows ([`Error::Value`]).
    ///
    /// ```
    /// use ndarray::array;
    /// use tuneup::data::IsolationForest;
    /// let f = IsolationForest::new().n_estimators(10)?.fit(&array![[0.0], [1.0], [2.0]].view())?;
    /// assert_eq!(f.max_samples(), 3);
    /// assert_eq!(f.offset(), -0.5);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn fit<F: Float>(&self, x: &ArrayView2<'_, F>) -> Result<FittedIsolationForest<F>> {
        check_fit("IsolationForest", x, Nan::Rejected)?;
        let (n, d) = x.dim();
        if n < 2 {
            return Err(Error::value(
                "IsolationForest.fit",
                "at least 2 training rows",
                format!("{n} row"),
            ));
        }
        let psi = match self.max_samples {
            MaxSamples::Auto => n.min(256),
            MaxSamples::Count(c) => c.min(n),
            MaxSamples::Fraction(f) => ((f * n as f64).floor() as usize).max(2).min(n),
        };
        let max_depth = (psi as f64).log2().ceil() as usize;
        let data: Vec<f64> = x.iter().map(|v| v.as_f64()).collect();
        let mut rng = StdRng::seed_from_u64(self.seed);
        let mut trees = Vec::with_capacity(self.n_estimators);
        for _ in 0..self.n_estimators {
            let mut tree_rng = StdRng::seed_from_u64(rng.random::<u64>());
            let mut idx = rand::seq::index::sample(&mut tree_rng, n, psi).into_vec();
            let mut nodes = Vec::new();
            let mut builder = TreeBuilder {
                data: &data,
                d,
                max_depth,
                rng: &mut tree_rng,
                nodes: &mut nodes,
            };
            builder.grow(&mut idx, 0);
            trees.push(nodes);
        }
        let mut fitted = FittedIsolationForest {
            trees,
            n_features: d,
            psi,
            offset: -0.5,
            _float: std::marker::PhantomData,
        };
        if let Contamination::Fraction(c) = self.contamination {
            let mut s = fitted.score_samples_f64(&data, n);
            s.sort_by(f64::total_cmp);
            fitted.offset = percentile_sorted(&s, 100.0 * c);
        }
        Ok(fitted)
    }
}

/// A node of a tree: a split, or a leaf holding its depth plus `c(rows in the leaf)`.
#[derive(Debug, Clone, PartialEq)]
enum Node {
    Split {
        feature: usize,
        threshold: f64,
        left: usize,
        right: usize,
    },
    Leaf {
        path_length: f64,
    },
}

struct TreeBuilder<'a> {
    data: &'a [f64],
    d: usize,
    max_depth: usize,
    rng: &'a mut StdRng,
    nodes: &'a mut Vec<Node>,
}

impl TreeBuilder<'_> {
    /// Grows the subtree over the rows `idx` at `depth`; returns its root's index.
    fn grow(&mut self, idx: &mut [usize], depth: usize) -> usize {
        let me = self.nodes.len();
        let leaf = Node::Leaf {
            path_length: depth as f64 + average_path_length(idx.len()),
        };
        self.nodes.push(leaf.clone());
        if depth >= self.max_depth || idx.len() <= 1 {
            return me;
        }
        // Features that are not constant over the node's rows, with their ranges.
        let mut candidates = Vec::new();
        for f in 0..self.d {
            let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
            for &i in idx.iter() {
                let v = self.data[i * self.d + f];
                lo = lo.min(v);
                hi = hi.max(v);
            }
            if lo < hi {
                candidates.push((f, lo, hi));
            }
        }
        if candidates.is_empty() {
            return me;
        }
        let (feature, lo, hi) = candidates[self.rng.random_range(0..candidates.len())];
        let mut threshold = self.rng.random_range(lo..hi);
        if threshold >= hi {
            threshold = lo;
        }
        // Partition: rows with value ≤ threshold go left (non-empty since lo ≤ threshold,
        // and the right side holds at least the row at hi > threshold).
        let mut split = 0;
        for k in 0..idx.len() {
            if self.data[idx[k] * self.d + feature] <= threshold {
                idx.swap(k, split);
                split += 1;
            }
        }
        let (l, r) = idx.split_at_mut(split);
        let left = self.grow(l, depth + 1);
        let right = self.grow(r, depth + 1);
        self.nodes[me] = Node::Split {
            feature,
            threshold,
            left,
            right,
        };
        me
    }
}

/// An [`IsolationForest`] grown on training data: scores and classifies any data of the same
/// width.
///
/// Conventions follow scikit-learn: [`score_samples`](Self::score_samples) is the *negated*
/// anomaly score `−s(x)` (lower = more anomalous), [`decision_function`](Self::decision_function)
/// is `score_samples − offset` (negative = outlier) and [`predict`](Self::predict) gives −1 for
/// outliers and 1 for inliers.
///
/// ```
/// use ndarray::array;
/// use tuneup::data::IsolationForest;
/// let train = array![[0.0], [0.1], [0.2], [0.3], [0.4], [0.5], [0.6], [0.7]];
/// let f = IsolationForest::new().seed(7).fit(&train.view())?;
/// let p = f.predict(&array![[0.35], [40.0]].view())?;
/// assert_eq!(p.to_vec(), vec![1, -1]);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct FittedIsolationForest<F> {
    trees: Vec<Vec<Node>>,
    n_features: usize,
    psi: usize,
    offset: f64,
    _float: std::marker::PhantomData<F>,
}

impl<F: Float> FittedIsolationForest<F> {
    /// The number of columns seen by `fit`.
    ///
    /// ```
    /// use ndarray::array;
    /// let f = tuneup::data::IsolationForest::new().fit(&array![[0.0, 1.0], [1.0, 0.0]].view())?;
    /// assert_eq!(f.n_features(), 2);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn n_features(&self) -> usize {
        self.n_features
    }

    /// The number of trees.
    ///
    /// ```
    /// use ndarray::array;
    /// let f = tuneup::data::IsolationForest::new().fit(&array![[0.0], [1.0]].view())?;
    /// assert_eq!(f.n_estimators(), 100);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn n_estimators(&self) -> usize {
        self.trees.len()
    }

    /// The subsample size `ψ` each tree was grown on.
    ///
    /// ```
    /// use ndarray::Array2;
    /// let x = Array2::from_shape_fn((300, 1), |(i, _)| i as f64);
    /// let f = tuneup::data::IsolationForest::new().n_estimators(5)?.fit(&x.view())?;
    /// assert_eq!(f.max_samples(), 256);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn max_samples(&self) -> usize {
        self.psi
    }

    /// The offset subtracted from `score_samples` by `decision_function`: −0.5 for
    /// [`Contamination::Auto`], else the contamination percentile of the training scores.
    ///
    /// ```
    /// use ndarray::array;
    /// let f = tuneup::data::IsolationForest::new().fit(&array![[0.0], [1.0]].view())?;
    /// assert_eq!(f.offset(), -0.5);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn offset(&self) -> f64 {
        self.offset
    }

    /// The anomaly score `s(x) = 2^(−E[h(x)]/c(ψ))` of each row, in `(0, 1]`; values near 1 are
    /// anomalies, values well below 0.5 normal points.
    ///
    /// Errors: another width than `fit` saw ([`Error::Shape`]), NaN or infinite values
    /// ([`Error::NonFinite`]).
    ///
    /// ```
    /// use ndarray::array;
    /// let train = array![[0.0], [0.1], [0.2], [0.3], [0.4], [0.5]];
    /// let f = tuneup::data::IsolationForest::new().fit(&train.view())?;
    /// let s = f.anomaly_scores(&array![[0.25], [100.0]].view())?;
    /// assert!(s[1] > s[0]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn anomaly_scores(&self, x: &ArrayView2<'_, F>) -> Result<Array1<F>> {
        Ok(self.score_samples(x)?.mapv(|v| -v))
    }

    /// scikit-learn's `score_samples`: the negated anomaly score `−s(x)`, so lower means more
    /// anomalous.
    ///
    /// Errors as for [`anomaly_scores`](Self::anomaly_scores).
    ///
    /// ```
    /// use ndarray::array;
    /// let train = array![[0.0], [0.1], [0.2], [0.3]];
    /// let f = tuneup::data::IsolationForest::new().fit(&train.view())?;
    /// let s = f.score_samples(&train.view())?;
    /// assert!(s.iter().all(|&v| v < 0.0 && v >= -1.0));
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn score_samples(&self, x: &ArrayView2<'_, F>) -> Result<Array1<F>> {
        check_transform(
            "FittedIsolationForest.score_samples",
            x,
            self.n_features,
            Nan::Rejected,
        )?;
        let data: Vec<f64> = x.iter().map(|v| v.as_f64()).collect();
        Ok(self
            .score_samples_f64(&data, x.nrows())
            .into_iter()
            .map(F::cast)
            .collect())
    }

    /// `score_samples − offset`: negative for outliers, positive for inliers.
    ///
    /// Errors as for [`anomaly_scores`](Self::anomaly_scores).
    ///
    /// ```
    /// use ndarray::array;
    /// let train = array![[0.0], [0.1], [0.2], [0.3], [0.4], [0.5]];
    /// let f = tuneup::data::IsolationForest::new().fit(&train.view())?;
    /// let d = f.decision_function(&array![[0.2], [50.0]].view())?;
    /// assert!(d[0] > 0.0 && d[1] < 0.0);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn decision_function(&self, x: &ArrayView2<'_, F>) -> Result<Array1<F>> {
        let offset = F::cast(self.offset);
        Ok(self.score_samples(x)?.mapv(|v| v - offset))
    }

    /// −1 for outliers (negative `decision_function`) and 1 for inliers.
    ///
    /// Errors as for [`anomaly_scores`](Self::anomaly_scores).
    ///
    /// ```
    /// use ndarray::array;
    /// let train = array![[0.0], [0.1], [0.2], [0.3], [0.4], [0.5]];
    /// let f = tuneup::data::IsolationForest::new().fit(&train.view())?;
    /// assert_eq!(f.predict(&array![[0.2], [50.0]].view())?.to_vec(), vec![1, -1]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn predict(&self, x: &ArrayView2<'_, F>) -> Result<Array1<i8>> {
        let zero = F::zero();
        Ok(self
            .decision_function(x)?
            .mapv(|v| if v < zero { -1 } else { 1 }))
    }

    /// `−s(x)` for the rows of row-major `data` (`n` rows of the fitted width).
    fn score_samples_f64(&self, data: &[f64], n: usize) -> Vec<f64> {
        let d = self.n_features;
        let norm = self.trees.len() as f64 * average_path_length(self.psi);
        (0..n)
            .map(|i| {
                let row = &data[i * d..(i + 1) * d];
                let total: f64 = self.trees.iter().map(|t| path_length(t, row)).sum();
                -(2f64.powf(-total / norm))
            })
            .collect()
    }
}

/// The depth at which `row` leaves `tree`, plus the leaf's `c(m)` correction.
fn path_length(tree: &[Node], row: &[f64]) -> f64 {
    let mut k = 0;
    loop {
        match tree[k] {
            Node::Leaf { path_length } => return path_length,
            Node::Split {
                feature,
                threshold,
                left,
                right,
            } => {
                k = if row[feature] <= threshold {
                    left
                } else {
                    right
                }
            }
        }
    }
}

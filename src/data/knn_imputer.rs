//! Filling missing values from the nearest rows of the training data.

use std::marker::PhantomData;

use ndarray::{Array2, ArrayView1, ArrayView2};

use super::check::{check_fit, check_transform, Nan};
use super::nan_euclidean_index::{NanEuclideanIndex, Searcher};
use super::stats::{mean, observed};
use crate::{Error, Float, Result};

/// Settings of a k-nearest-neighbours imputer, scikit-learn's `KNNImputer` with uniform
/// weights and the `nan_euclidean` metric.
///
/// For a row with missing values, the distance to a training row uses only the coordinates
/// present in both, scaled up for the ones that are not:
/// `d(x, y) = sqrt(n_features / n_present · Σ_present (xᵢ − yᵢ)²)` (undefined when no
/// coordinate is shared). Each missing value of column `j` is the mean of column `j` over the
/// `n_neighbors` nearest training rows that have column `j` (fewer if fewer have a defined
/// distance). If no training row with column `j` shares a coordinate with the row, the
/// training mean of column `j` is used. Equal distances are broken by training-row order.
///
/// Columns entirely missing at fit time are dropped from the output, unless
/// [`keep_empty_features(true)`](Self::keep_empty_features) keeps them, filled with 0 (the
/// whole column, as scikit-learn does).
///
/// The search is exact (the donors a brute-force scan would pick; their values summed in
/// training-row order) but not brute force. `fit` builds KD-trees: one per frequent pattern of
/// missing values (at least 1/16 of the rows; within one pattern the distance is a constant
/// times a Euclidean distance in a subspace) and one per number of missing values for the
/// other rows (with a weaker bound that allows for the missing values). One walk of the trees
/// serves all the missing values of a row, skipping every node whose lower bound exceeds the
/// current `n_neighbors`-th distance. For data with a few missing values per row and a low
/// intrinsic dimension, a walk visits a few leaves of each tree, so imputing `n` rows from `n`
/// training rows costs about `n log n` instead of scikit-learn's `n²` distances. The cost grows
/// with the number of missing values per row; without such structure (rows missing most
/// values, high-dimensional noise) the bounds prune little and the search approaches a
/// brute-force scan. The fitted imputer keeps a copy of the training rows as `f64`.
///
/// ```
/// use tuneup::data::KnnImputer;
/// use ndarray::array;
/// let train = array![[1.0, 10.0], [2.0, 20.0], [10.0, 100.0]];
/// let f = KnnImputer::new(2)?.fit(&train.view())?;
/// // The two rows nearest to x = 1.4 have column 2 equal to 10 and 20.
/// assert_eq!(f.transform(&array![[1.4, f64::NAN]].view())?, array![[1.4, 15.0]]);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KnnImputer {
    n_neighbors: usize,
    keep_empty_features: bool,
}

impl KnnImputer {
    /// An imputer averaging `n_neighbors ≥ 1` neighbours (scikit-learn's default is 5); 0 is
    /// an [`Error::Config`].
    ///
    /// ```
    /// use tuneup::data::KnnImputer;
    /// assert!(KnnImputer::new(5).is_ok());
    /// assert!(matches!(KnnImputer::new(0), Err(tuneup::Error::Config { .. })));
    /// ```
    pub fn new(n_neighbors: usize) -> Result<Self> {
        if n_neighbors == 0 {
            return Err(Error::config(
                "KnnImputer.n_neighbors",
                n_neighbors,
                "at least 1",
            ));
        }
        Ok(KnnImputer {
            n_neighbors,
            keep_empty_features: false,
        })
    }

    /// Whether columns with no observed value at fit time are kept (as zeros) rather than
    /// dropped (default `false`, as in scikit-learn).
    ///
    /// ```
    /// use tuneup::data::KnnImputer;
    /// use ndarray::array;
    /// let train = array![[1.0, f64::NAN], [2.0, f64::NAN]];
    /// let f = KnnImputer::new(1)?.keep_empty_features(true).fit(&train.view())?;
    /// assert_eq!(f.transform(&array![[1.0, 5.0]].view())?, array![[1.0, 0.0]]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn keep_empty_features(mut self, keep: bool) -> Self {
        self.keep_empty_features = keep;
        self
    }

    /// The number of neighbours averaged.
    ///
    /// ```
    /// assert_eq!(tuneup::data::KnnImputer::new(3)?.n_neighbors(), 3);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn n_neighbors(&self) -> usize {
        self.n_neighbors
    }

    /// Stores a copy of `x` (the donors) and each column's mean, ignoring NaN.
    ///
    /// Errors: empty data ([`Error::Shape`]), an infinite value ([`Error::NonFinite`]).
    ///
    /// ```
    /// use tuneup::data::KnnImputer;
    /// use ndarray::array;
    /// let f = KnnImputer::new(1)?.fit(&array![[1.0, 2.0], [3.0, f64::NAN]].view())?;
    /// assert_eq!(f.n_features(), 2);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn fit<F: Float>(&self, x: &ArrayView2<'_, F>) -> Result<FittedKnnImputer<F>> {
        check_fit("KnnImputer", x, Nan::Allowed)?;
        let mut col_means = Vec::with_capacity(x.ncols());
        let mut valid = Vec::with_capacity(x.ncols());
        for col in x.columns() {
            let v = observed(col);
            valid.push(!v.is_empty());
            col_means.push(if v.is_empty() { 0.0 } else { mean(&v) });
        }
        Ok(FittedKnnImputer {
            index: NanEuclideanIndex::new(x),
            n_features: x.ncols(),
            col_means,
            valid,
            n_neighbors: self.n_neighbors,
            keep_empty_features: self.keep_empty_features,
            element: PhantomData,
        })
    }
}

/// A [`KnnImputer`] fitted to data: fills NaN from the nearest stored training rows.
///
/// ```
/// use tuneup::data::KnnImputer;
/// use ndarray::array;
/// let f = KnnImputer::new(1)?.fit(&array![[0.0, 0.0], [5.0, 50.0]].view())?;
/// assert_eq!(f.transform(&array![[4.0, f64::NAN]].view())?, array![[4.0, 50.0]]);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct FittedKnnImputer<F> {
    index: NanEuclideanIndex,
    n_features: usize,
    col_means: Vec<f64>,
    valid: Vec<bool>,
    n_neighbors: usize,
    keep_empty_features: bool,
    element: PhantomData<F>,
}

impl<F: Float> FittedKnnImputer<F> {
    /// The number of columns seen by `fit` (the width `transform` expects).
    ///
    /// ```
    /// use ndarray::array;
    /// let f = tuneup::data::KnnImputer::new(1)?.fit(&array![[1.0, 2.0, 3.0]].view())?;
    /// assert_eq!(f.n_features(), 3);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn n_features(&self) -> usize {
        self.n_features
    }

    /// The number of columns `transform` returns: `n_features`, minus the columns empty at fit
    /// time unless `keep_empty_features` was set.
    ///
    /// ```
    /// use tuneup::data::KnnImputer;
    /// use ndarray::array;
    /// let x = array![[1.0, f64::NAN, 2.0]];
    /// assert_eq!(KnnImputer::new(1)?.fit(&x.view())?.n_features_out(), 2);
    /// let kept = KnnImputer::new(1)?.keep_empty_features(true).fit(&x.view())?;
    /// assert_eq!(kept.n_features_out(), 3);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn n_features_out(&self) -> usize {
        if self.keep_empty_features {
            self.n_features
        } else {
            self.valid.iter().filter(|&&v| v).count()
        }
    }

    /// The columns that had no observed value at fit time.
    ///
    /// ```
    /// use ndarray::array;
    /// let f = tuneup::data::KnnImputer::new(1)?.fit(&array![[1.0, f64::NAN]].view())?;
    /// assert_eq!(f.empty_features(), vec![1]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn empty_features(&self) -> Vec<usize> {
        (0..self.valid.len()).filter(|&j| !self.valid[j]).collect()
    }

    /// Returns a copy of `x` with every NaN filled from its nearest training rows.
    ///
    /// Errors: another width than `fit` saw ([`Error::Shape`]), an infinite value
    /// ([`Error::NonFinite`]).
    ///
    /// ```
    /// use tuneup::data::KnnImputer;
    /// use ndarray::array;
    /// let f = KnnImputer::new(5)?.fit(&array![[1.0, 2.0], [3.0, 6.0]].view())?;
    /// // Only two donors exist, so both are averaged.
    /// assert_eq!(f.transform(&array![[f64::NAN, 0.0]].view())?, array![[2.0, 0.0]]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn transform(&self, x: &ArrayView2<'_, F>) -> Result<Array2<F>> {
        let n_features = self.n_features();
        check_transform("FittedKnnImputer.transform", x, n_features, Nan::Allowed)?;
        let mut out = x.to_owned();
        let mut searcher = Searcher::default();
        let needs =
            |row: ArrayView1<'_, F>| (0..n_features).any(|j| self.valid[j] && row[j].is_nan());
        // Rows with something to fill, in the index's leaf order (nearby rows one after another
        // keep the index in cache; each row's answer does not depend on the order).
        let mut receivers: Vec<(usize, usize)> = x
            .rows()
            .into_iter()
            .enumerate()
            .filter(|(_, row)| needs(*row))
            .map(|(r, row)| {
                searcher.load(row);
                (self.index.locality_key(&mut searcher), r)
            })
            .collect();
        receivers.sort_unstable();
        let mut columns = Vec::with_capacity(n_features);
        for &(_, r) in &receivers {
            let row = x.row(r);
            columns.clear();
            columns.extend((0..n_features).filter(|&j| self.valid[j] && row[j].is_nan()));
            searcher.load(row);
            self.index.search(&mut searcher, &columns, self.n_neighbors);
            for (t, &j) in columns.iter().enumerate() {
                let donors = searcher.donors(t);
                let value = if donors.is_empty() {
                    self.col_means[j]
                } else {
                    let sum: f64 = donors.iter().map(|&(_, v)| v).sum();
                    sum / donors.len() as f64
                };
                out[[r, j]] = F::cast(value);
            }
        }
        if self.keep_empty_features {
            for j in self.empty_features() {
                out.column_mut(j).fill(F::zero());
            }
            Ok(out)
        } else {
            let kept: Vec<usize> = (0..n_features).filter(|&j| self.valid[j]).collect();
            let selected = out.select(ndarray::Axis(1), &kept);
            Ok(selected.as_standard_layout().into_owned())
        }
    }
}

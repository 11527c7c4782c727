//! Filling missing values from the nearest rows of the training data.

use ndarray::{Array2, ArrayView1, ArrayView2};

use super::check::{check_fit, check_transform, Nan};
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
/// The search is exact: each row with a missing value is compared with every training row,
/// using memory proportional to the number of training rows (not quadratic).
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
            fit_x: x.to_owned(),
            col_means,
            valid,
            n_neighbors: self.n_neighbors,
            keep_empty_features: self.keep_empty_features,
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
    fit_x: Array2<F>,
    col_means: Vec<f64>,
    valid: Vec<bool>,
    n_neighbors: usize,
    keep_empty_features: bool,
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
        self.fit_x.ncols()
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
        let mut dist = vec![f64::NAN; self.fit_x.nrows()];
        let mut donors: Vec<(f64, usize)> = Vec::with_capacity(self.fit_x.nrows());
        for (row, mut out_row) in x.rows().into_iter().zip(out.rows_mut()) {
            let needs = (0..n_features).any(|j| self.valid[j] && row[j].is_nan());
            if !needs {
                continue;
            }
            for (d, fit_row) in dist.iter_mut().zip(self.fit_x.rows()) {
                *d = nan_euclidean(row, fit_row);
            }
            for j in 0..n_features {
                if !self.valid[j] || !row[j].is_nan() {
                    continue;
                }
                donors.clear();
                donors.extend(
                    dist.iter()
                        .enumerate()
                        .filter(|&(i, d)| !d.is_nan() && !self.fit_x[[i, j]].is_nan())
                        .map(|(i, &d)| (d, i)),
                );
                let value = if donors.is_empty() {
                    self.col_means[j]
                } else {
                    let k = self.n_neighbors.min(donors.len());
                    let by_distance = |a: &(f64, usize), b: &(f64, usize)| {
                        a.0.total_cmp(&b.0).then(a.1.cmp(&b.1))
                    };
                    if k < donors.len() {
                        donors.select_nth_unstable_by(k - 1, by_distance);
                    }
                    let sum: f64 = donors[..k]
                        .iter()
                        .map(|&(_, i)| self.fit_x[[i, j]].as_f64())
                        .sum();
                    sum / k as f64
                };
                out_row[j] = F::cast(value);
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

/// scikit-learn's `nan_euclidean` distance between two rows; NaN when they share no coordinate.
fn nan_euclidean<F: Float>(a: ArrayView1<'_, F>, b: ArrayView1<'_, F>) -> f64 {
    let (mut sum, mut present) = (0.0, 0usize);
    for (&x, &y) in a.iter().zip(b) {
        if !x.is_nan() && !y.is_nan() {
            let d = x.as_f64() - y.as_f64();
            sum += d * d;
            present += 1;
        }
    }
    if present == 0 {
        f64::NAN
    } else {
        (sum * a.len() as f64 / present as f64).sqrt()
    }
}

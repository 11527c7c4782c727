//! Isotropic Gaussian blobs (`sklearn.datasets.make_blobs`).

use ndarray::Array2;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::{check_count, check_non_negative, labelled, normal, row_order};
use crate::data::Dataset;
use crate::{Error, Float, Result};

/// Where the blobs of [`make_blobs`] are centred.
///
/// ```
/// use tuneup::data::BlobCenters;
/// let fixed = BlobCenters::Given(ndarray::array![[0.0, 0.0], [5.0, 5.0]]);
/// # let _ = (fixed, BlobCenters::Count(3));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum BlobCenters {
    /// This many centres (at least 1), drawn uniformly in `center_box` in every coordinate.
    Count(usize),
    /// These centres, one per row; their width sets the number of features.
    Given(Array2<f64>),
}

/// Settings of [`make_blobs`]; `Default` gives scikit-learn's (100 samples, 2 features,
/// 3 centres in `(-10, 10)`, standard deviation 1, shuffled, seed 0).
///
/// ```
/// use tuneup::data::{BlobCenters, BlobsConfig};
/// let cfg = BlobsConfig { centers: BlobCenters::Count(4), cluster_std: vec![0.5], ..Default::default() };
/// assert_eq!(cfg.n_features, 2);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct BlobsConfig {
    /// Total number of points (at least 1): each blob gets `n_samples / k`, and the first
    /// `n_samples % k` blobs one more.
    pub n_samples: usize,
    /// Number of features when the centres are drawn (ignored for [`BlobCenters::Given`]).
    pub n_features: usize,
    /// The centres, drawn or given.
    pub centers: BlobCenters,
    /// Standard deviation of each blob: one value for all, or one per blob (finite, ≥ 0).
    pub cluster_std: Vec<f64>,
    /// The `(low, high)` box the drawn centres are uniform in (finite, `low < high`).
    pub center_box: (f64, f64),
    /// Whether to shuffle the rows (otherwise blob 0 comes first).
    pub shuffle: bool,
    /// Seed of the random generator.
    pub seed: u64,
}

impl Default for BlobsConfig {
    fn default() -> Self {
        BlobsConfig {
            n_samples: 100,
            n_features: 2,
            centers: BlobCenters::Count(3),
            cluster_std: vec![1.0],
            center_box: (-10.0, 10.0),
            shuffle: true,
            seed: 0,
        }
    }
}

/// Gaussian blobs for clustering and classification: blob `k` (class `k`) is `N(c_k, σ_k² I)`.
/// Returns the dataset and the centres (one per row).
///
/// # Errors
/// [`Error::Config`] if `n_samples`, `n_features` or the number of centres is 0, if
/// `cluster_std` has neither 1 nor `k` entries or holds a negative or non-finite value, if
/// `center_box` is not a finite interval with `low < high`, or if given centres hold a
/// non-finite value.
///
/// ```
/// use tuneup::data::{make_blobs, BlobsConfig};
/// let (ds, centers) = make_blobs::<f64>(&BlobsConfig { n_samples: 10, ..Default::default() })?;
/// assert_eq!(ds.class_counts(), Some(vec![4, 3, 3]));
/// assert_eq!(centers.dim(), (3, 2));
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn make_blobs<F: Float>(config: &BlobsConfig) -> Result<(Dataset<F>, Array2<f64>)> {
    check_count("BlobsConfig.n_samples", config.n_samples, 1)?;
    let mut rng = StdRng::seed_from_u64(config.seed);
    let centers = match &config.centers {
        BlobCenters::Count(k) => {
            check_count("BlobsConfig.centers", *k, 1)?;
            check_count("BlobsConfig.n_features", config.n_features, 1)?;
            let (lo, hi) = config.center_box;
            if !(lo.is_finite() && hi.is_finite() && lo < hi) {
                return Err(Error::config(
                    "BlobsConfig.center_box",
                    format!("({lo}, {hi})"),
                    "a finite interval (low, high) with low < high",
                ));
            }
            Array2::from_shape_simple_fn((*k, config.n_features), || {
                lo + (hi - lo) * rng.random::<f64>()
            })
        }
        BlobCenters::Given(c) => {
            check_count("BlobsConfig.centers (rows)", c.nrows(), 1)?;
            check_count("BlobsConfig.centers (columns)", c.ncols(), 1)?;
            if let Some(v) = c.iter().find(|v| !v.is_finite()) {
                return Err(Error::config(
                    "BlobsConfig.centers",
                    v,
                    "finite coordinates",
                ));
            }
            c.clone()
        }
    };
    let (k, d) = centers.dim();
    let stds = &config.cluster_std;
    if stds.len() != 1 && stds.len() != k {
        return Err(Error::config(
            "BlobsConfig.cluster_std",
            format!("{} values", stds.len()),
            format!("1 value or one per centre ({k})"),
        ));
    }
    for &s in stds {
        check_non_negative("BlobsConfig.cluster_std", s)?;
    }
    let n = config.n_samples;
    let mut x = Array2::zeros((n, d));
    let mut labels = vec![0; n];
    let mut row = 0;
    for c in 0..k {
        let std = stds[if stds.len() == 1 { 0 } else { c }];
        for _ in 0..n / k + usize::from(c < n % k) {
            for j in 0..d {
                x[[row, j]] = centers[[c, j]] + std * normal(&mut rng);
            }
            labels[row] = c;
            row += 1;
        }
    }
    let order = row_order(n, config.shuffle, &mut rng);
    Ok((labelled(&x, &labels, k, &order)?, centers))
}

//! Synthetic data sets like `sklearn.datasets.make_*`: moons, circles, blobs, a general
//! classification problem, linear regression, spirals, and small images of shapes
//! ([`make_shapes`], for convolutional networks).
//!
//! Each generator takes a settings struct (with scikit-learn's defaults through `Default`),
//! checks it (an invalid value is an [`Error::Config`](crate::Error::Config) naming the field),
//! and returns a [`Dataset`](crate::data::Dataset). The geometry and semantics follow
//! scikit-learn's documentation; the random streams do not (a different generator), so the
//! same seed gives other points than scikit-learn's, but always the same points here. Values
//! are computed in `f64` and then converted to the dataset's float type.

mod blobs;
mod circles;
mod classification;
mod moons;
mod regression;
mod shapes;
mod spirals;

pub use blobs::{make_blobs, BlobCenters, BlobsConfig};
pub use circles::{make_circles, CirclesConfig};
pub use classification::{make_classification, ClassificationConfig};
pub use moons::{make_moons, MoonsConfig};
pub use regression::{make_regression, RegressionConfig};
pub use shapes::{make_shapes, Shape, ShapesConfig};
pub use spirals::{make_spirals, SpiralsConfig};

use ndarray::{Array2, Axis};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand_distr::{Distribution, StandardNormal};

use crate::data::Dataset;
use crate::{Error, Float, Result};

/// `Error::Config` unless `n ≥ min`.
fn check_count(parameter: &str, n: usize, min: usize) -> Result<()> {
    if n < min {
        return Err(Error::config(parameter, n, format!("at least {min}")));
    }
    Ok(())
}

/// `Error::Config` unless `v` is finite and `≥ 0`.
fn check_non_negative(parameter: &str, v: f64) -> Result<()> {
    if !(v.is_finite() && v >= 0.0) {
        return Err(Error::config(parameter, v, "a finite value ≥ 0"));
    }
    Ok(())
}

fn normal(rng: &mut StdRng) -> f64 {
    StandardNormal.sample(rng)
}

/// Adds independent `N(0, std²)` noise to every entry (draws nothing when `std` is 0).
fn add_noise(x: &mut Array2<f64>, std: f64, rng: &mut StdRng) {
    if std > 0.0 {
        x.mapv_inplace(|v| v + std * normal(rng));
    }
}

/// `n` points `start + (stop − start) · i / (n − 1)` (NumPy's `linspace`, endpoint included).
fn linspace(start: f64, stop: f64, n: usize) -> impl Iterator<Item = f64> {
    let step = if n > 1 {
        (stop - start) / (n - 1) as f64
    } else {
        0.0
    };
    (0..n).map(move |i| start + step * i as f64)
}

/// A random permutation of the rows, or the identity when `shuffle` is off.
fn row_order(n: usize, shuffle: bool, rng: &mut StdRng) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    if shuffle {
        order.shuffle(rng);
    }
    order
}

/// A classification dataset from `f64` points and labels, rows reordered by `order`.
fn labelled<F: Float>(
    x: &Array2<f64>,
    labels: &[usize],
    n_classes: usize,
    order: &[usize],
) -> Result<Dataset<F>> {
    let x = x.select(Axis(0), order).mapv(F::cast);
    let y = order.iter().map(|&i| labels[i]).collect();
    Dataset::classification(x, y)?.with_n_classes(n_classes)
}

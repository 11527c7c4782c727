//! Partial dependence and ICE curves (scikit-learn's `partial_dependence`, brute method).

use ndarray::{s, Array1, Array2, ArrayView1, ArrayView2};

use super::target::outputs;
use super::{check, Target};
use crate::model::Layer;
use crate::{Error, Float, Result};

/// The model's mean prediction (and each row's, the ICE curves) when the chosen columns are
/// set to each point of a grid: scikit-learn's brute method with its grid (the unique values
/// of a column with fewer than `grid_resolution` of them, otherwise `grid_resolution` evenly
/// spaced points between the `percentiles` (0.05, 0.95) by `scipy.stats.mstats.mquantiles`);
/// several columns take the cartesian product of their axes, the first varying slowest.
///
/// ```
/// use tuneup::explain::{PartialDependence, Target};
/// use tuneup::prelude::*;
/// let mut net = Sequential::<f64>::new()
///     .push(Linear::from_weights(ndarray::array![[2.0, 1.0]], None)?);
/// let x = ndarray::array![[0.0, 1.0], [1.0, 3.0], [2.0, 5.0]];
/// let pd = PartialDependence::new(vec![0]).compute(&mut net, x.view(), &Target::Only)?;
/// assert_eq!(pd.axes[0], [0.0, 1.0, 2.0]); // three unique values < 100
/// assert_eq!(pd.average, ndarray::array![3.0, 5.0, 7.0]); // 2·v + mean(x₁)
/// assert_eq!(pd.individual.row(0), ndarray::array![1.0, 3.0, 5.0]);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct PartialDependence {
    features: Vec<usize>,
    grid_resolution: usize,
    percentiles: (f64, f64),
}

/// Partial dependence on a grid and the individual (ICE) curves.
#[derive(Debug, Clone, PartialEq)]
pub struct PartialDependenceCurves<F> {
    /// The values of each chosen column the grid is made of.
    pub axes: Vec<Vec<F>>,
    /// The grid: one row per point, one column per chosen feature.
    pub grid: Array2<F>,
    /// The mean prediction at each grid point.
    pub average: Array1<F>,
    /// Each row's prediction at each grid point (`rows × points`).
    pub individual: Array2<F>,
}

impl PartialDependence {
    /// Curves over the given columns, with scikit-learn's defaults.
    ///
    /// ```
    /// let pd = tuneup::explain::PartialDependence::new(vec![0, 2]);
    /// assert_eq!(pd, tuneup::explain::PartialDependence::new(vec![0, 2]).grid_resolution(100)?);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn new(features: Vec<usize>) -> Self {
        PartialDependence {
            features,
            grid_resolution: 100,
            percentiles: (0.05, 0.95),
        }
    }

    /// Points per axis (100 by default).
    ///
    /// ```
    /// assert!(tuneup::explain::PartialDependence::new(vec![0]).grid_resolution(1).is_err());
    /// ```
    ///
    /// # Errors
    /// [`Error::Config`] below 2.
    pub fn grid_resolution(mut self, points: usize) -> Result<Self> {
        if points < 2 {
            return Err(Error::config(
                "PartialDependence.grid_resolution",
                points,
                "at least 2",
            ));
        }
        self.grid_resolution = points;
        Ok(self)
    }

    /// The fractions of the data between which an axis runs ((0.05, 0.95) by default).
    ///
    /// ```
    /// let pd = tuneup::explain::PartialDependence::new(vec![0]);
    /// assert!(pd.clone().percentiles(0.9, 0.1).is_err());
    /// assert!(pd.percentiles(0.0, 1.0).is_ok());
    /// ```
    ///
    /// # Errors
    /// [`Error::Config`] unless `0 ≤ low < high ≤ 1`.
    pub fn percentiles(mut self, low: f64, high: f64) -> Result<Self> {
        if !(0.0..=1.0).contains(&low) || !(0.0..=1.0).contains(&high) || low >= high {
            return Err(Error::config(
                "PartialDependence.percentiles",
                format!("({low}, {high})"),
                "0 ≤ low < high ≤ 1",
            ));
        }
        self.percentiles = (low, high);
        Ok(self)
    }

    /// The curves of `target` over the rows of `x`.
    ///
    /// # Errors
    /// An empty or non-finite `x`, no feature or one out of range, percentiles of a column
    /// too close to make a grid, a grid too large, a target out of range, and the model's
    /// errors.
    pub fn compute<F: Float>(
        &self,
        model: &mut dyn Layer<F>,
        x: ArrayView2<'_, F>,
        target: &Target,
    ) -> Result<PartialDependenceCurves<F>> {
        check::rows("PartialDependence", x)?;
        if self.features.is_empty() {
            return Err(Error::value(
                "PartialDependence",
                "at least one feature",
                "none",
            ));
        }
        let axes = self
            .features
            .iter()
            .map(|&j| self.axis(x, j))
            .collect::<Result<Vec<_>>>()?;
        let grid = cartesian(&axes)?;
        let columns = target.columns(x.nrows(), outputs(model, x.slice(s![..1, ..]))?.ncols())?;
        let individual = self.evaluate(model, x, grid.view(), &columns)?;
        let average = individual.mean_axis(ndarray::Axis(0)).unwrap_or_default();
        Ok(PartialDependenceCurves {
            axes,
            grid,
            average,
            individual,
        })
    }

    /// The grid axis of column `j`.
    fn axis<F: Float>(&self, x: ArrayView2<'_, F>, j: usize) -> Result<Vec<F>> {
        if j >= x.ncols() {
            return Err(Error::value(
                "PartialDependence",
                format!("feature indices < {}", x.ncols()),
                j,
            ));
        }
        let mut sorted: Vec<f64> = x.column(j).iter().map(|v| v.as_f64()).collect();
        sorted.sort_by(f64::total_cmp);
        let mut uniques = sorted.clone();
        uniques.dedup();
        if uniques.len() < self.grid_resolution {
            return Ok(uniques.into_iter().map(F::cast).collect());
        }
        let low = mquantile(&sorted, self.percentiles.0);
        let high = mquantile(&sorted, self.percentiles.1);
        if (low - high).abs() <= 1e-8 + 1e-5 * high.abs() {
            return Err(Error::value(
                "PartialDependence",
                "percentiles far enough apart to build a grid",
                format!("column {j}: {low} and {high}"),
            ));
        }
        let n = self.grid_resolution;
        let step = (high - low) / (n - 1) as f64;
        let mut axis: Vec<F> = (0..n).map(|i| F::cast(i as f64 * step + low)).collect();
        axis[n - 1] = F::cast(high);
        Ok(axis)
    }

    /// Each row's target output at each grid point, many points per forward pass.
    fn evaluate<F: Float>(
        &self,
        model: &mut dyn Layer<F>,
        x: ArrayView2<'_, F>,
        grid: ArrayView2<'_, F>,
        columns: &[usize],
    ) -> Result<Array2<F>> {
        let rows = x.nrows();
        let per_batch = ((1usize << 16) / rows).clamp(1, grid.nrows());
        let mut individual = Array2::zeros((rows, grid.nrows()));
        let mut batch = Array2::zeros((per_batch * rows, x.ncols()));
        for first in (0..grid.nrows()).step_by(per_batch) {
            let count = per_batch.min(grid.nrows() - first);
            for k in 0..count {
                let mut block = batch.slice_mut(s![k * rows..(k + 1) * rows, ..]);
                block.assign(&x);
                set_point(&mut block, &self.features, grid.row(first + k));
            }
            let out = outputs(model, batch.slice(s![..count * rows, ..]))?;
            for k in 0..count {
                for (r, &c) in columns.iter().enumerate() {
                    individual[[r, first + k]] = out[[k * rows + r, c]];
                }
            }
        }
        Ok(individual)
    }
}

/// Sets the chosen columns of every row of `block` to a grid point.
fn set_point<F: Float>(
    block: &mut ndarray::ArrayViewMut2<'_, F>,
    features: &[usize],
    point: ArrayView1<'_, F>,
) {
    for (&j, &v) in features.iter().zip(point) {
        block.column_mut(j).fill(v);
    }
}

/// `scipy.stats.mstats.mquantiles` of sorted data at `p` with `alphap = betap = 0.4`.
fn mquantile(sorted: &[f64], p: f64) -> f64 {
    let n = sorted.len();
    if n == 1 {
        return sorted[0];
    }
    let aleph = n as f64 * p + (0.4 + 0.2 * p);
    let k = aleph.clamp(1.0, (n - 1) as f64).floor();
    let gamma = (aleph - k).clamp(0.0, 1.0);
    let k = k as usize;
    (1.0 - gamma) * sorted[k - 1] + gamma * sorted[k]
}

/// Every combination of the axes' values, the first axis varying slowest.
fn cartesian<F: Float>(axes: &[Vec<F>]) -> Result<Array2<F>> {
    let points = axes.iter().try_fold(1usize, |n, a| n.checked_mul(a.len()));
    let points = match points {
        Some(p) if p.checked_mul(axes.len()).is_some() => p,
        _ => {
            return Err(Error::value(
                "PartialDependence",
                "a grid that fits in memory",
                "too many points",
            ))
        }
    };
    let mut grid = Array2::zeros((points, axes.len()));
    for (p, mut row) in grid.rows_mut().into_iter().enumerate() {
        let mut rest = p;
        for (d, axis) in axes.iter().enumerate().rev() {
            row[d] = axis[rest % axis.len()];
            rest /= axis.len();
        }
    }
    Ok(grid)
}

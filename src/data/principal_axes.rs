//! An orthogonal change of basis that lines the coordinate axes up with the directions in which
//! a set of rows spreads most (principal axes), for the boxes of [`KdTree`](super::KdTree).
//!
//! Tabular columns are usually correlated: the rows lie near a low-dimensional subspace that is
//! diagonal to the coordinate axes, and axis-aligned boxes around them are loose. Rotated onto
//! the eigenvectors of their covariance, the same rows fill tight boxes along a few axes, and a
//! nearest-neighbour search skips far more of them. A rotation keeps Euclidean distances, so
//! the boxes give valid lower bounds; the rounding of the rotation is covered by a margin
//! ([`PrincipalAxes::lower_bound_margin`]) so that pruning stays exact.
//!
//! Coordinates are centred on the midpoint of each column's range and divided by the largest
//! centred magnitude, so that the rotated values lie in `[-√d, √d]` whatever the data's scale
//! (values near the float range included). The covariance is taken over at most
//! [`SAMPLE_ROWS`] evenly spaced rows; past [`MAX_ROTATED_DIM`] columns, or when the
//! eigendecomposition fails, the basis is the identity (scaling only).

use faer::{Mat, Side};
use ndarray::ArrayView2;

use crate::Float;

/// Rows used for the covariance (evenly spaced); the rotation only needs to be roughly
/// principal, exactness does not depend on it.
pub(crate) const SAMPLE_ROWS: usize = 2048;

/// Widest data that is rotated; wider data keeps its axes (an eigendecomposition of a
/// d × d matrix costs d³).
pub(crate) const MAX_ROTATED_DIM: usize = 64;

/// Centre, scale and orthogonal basis of a set of rows.
#[derive(Debug, Clone)]
pub(crate) struct PrincipalAxes {
    center: Vec<f64>,
    /// Divides centred coordinates; positive and finite.
    scale: f64,
    /// `dim × dim`, row-major: rotated coordinate `j` is `Σ_i z_i · basis[i·dim + j]`, the
    /// widest axis first; `None` for the identity.
    basis: Option<Vec<f64>>,
    dim: usize,
}

impl PrincipalAxes {
    /// The axes of the rows of `x` (finite, at least one row and one column).
    pub(crate) fn of<F: Float>(x: &ArrayView2<'_, F>) -> Self {
        let dim = x.ncols();
        let (center, scale) = center_and_scale(x);
        let mut axes = PrincipalAxes {
            center,
            scale,
            basis: None,
            dim,
        };
        if dim > 1 && dim <= MAX_ROTATED_DIM {
            axes.basis = axes.covariance_eigenvectors(x);
        }
        axes
    }

    /// Writes the rotated, scaled coordinates of `point` into `out`; false when one of them is
    /// not finite (a query far outside the data's range), in which case no box may be pruned.
    pub(crate) fn project<F: Float>(&self, point: &[F], out: &mut Vec<f64>) -> bool {
        out.clear();
        match &self.basis {
            None => out.extend(
                point
                    .iter()
                    .zip(&self.center)
                    .map(|(&p, &c)| (p.as_f64() - c) / self.scale),
            ),
            Some(basis) => {
                out.resize(self.dim, 0.0);
                for (i, (&p, &c)) in point.iter().zip(&self.center).enumerate() {
                    let z = (p.as_f64() - c) / self.scale;
                    let row = &basis[i * self.dim..(i + 1) * self.dim];
                    for (o, &b) in out.iter_mut().zip(row) {
                        *o += z * b;
                    }
                }
            }
        }
        out.iter().all(|v| v.is_finite())
    }

    /// The scale that divides centred coordinates.
    pub(crate) fn scale(&self) -> f64 {
        self.scale
    }

    /// `(absolute, relative)` margins: a point whose rotated box distance is `b` is at true
    /// (scaled) distance at least `(b − absolute) / (1 + relative)`. The rounding of the
    /// rotation is about `d · 2⁻⁵²` in both; the margins are ten thousand times wider.
    pub(crate) fn lower_bound_margin(&self) -> (f64, f64) {
        let d = self.dim as f64;
        (1e-12 * d * d, 1e-12 * d * d)
    }

    /// The eigenvectors of the scaled covariance of (a sample of) the rows, or `None` when the
    /// eigendecomposition fails or gives a non-finite basis.
    fn covariance_eigenvectors<F: Float>(&self, x: &ArrayView2<'_, F>) -> Option<Vec<f64>> {
        let dim = self.dim;
        let step = x.nrows().div_ceil(SAMPLE_ROWS).max(1);
        let mut z = vec![0.0; dim];
        let mut sums = vec![0.0; dim * dim];
        let mut count = 0.0;
        for row in x.rows().into_iter().step_by(step) {
            for ((zi, &v), &c) in z.iter_mut().zip(row.iter()).zip(&self.center) {
                *zi = (v.as_f64() - c) / self.scale;
            }
            for (&zi, line) in z.iter().zip(sums.chunks_mut(dim)) {
                for (s, &zj) in line.iter_mut().zip(&z) {
                    *s += zi * zj;
                }
            }
            count += 1.0;
        }
        let cov = Mat::from_fn(dim, dim, |i, j| sums[i * dim + j] / count);
        let evd = cov.self_adjoint_eigen(Side::Lower).ok()?;
        let u = evd.U();
        // Eigenvalues come in ascending order: the widest axis first.
        let basis: Vec<f64> = (0..dim * dim)
            .map(|k| u[(k / dim, dim - 1 - k % dim)])
            .collect();
        basis.iter().all(|v| v.is_finite()).then_some(basis)
    }
}

/// The midpoint of each column's range and the largest centred magnitude (1 when every row is
/// the same), computed without overflow.
fn center_and_scale<F: Float>(x: &ArrayView2<'_, F>) -> (Vec<f64>, f64) {
    let mut center = Vec::with_capacity(x.ncols());
    let mut scale = 0.0f64;
    for col in x.columns() {
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for &v in col {
            lo = lo.min(v.as_f64());
            hi = hi.max(v.as_f64());
        }
        center.push(lo / 2.0 + hi / 2.0);
        scale = scale.max(hi / 2.0 - lo / 2.0);
    }
    if !(scale > 0.0 && scale.is_finite()) {
        scale = 1.0;
    }
    (center, scale)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn rotation_keeps_distances_and_scales_to_unit_range() {
        let x = array![
            [1.0, 2.0, 3.0],
            [2.0, 4.1, 6.0],
            [3.0, 6.0, 9.2],
            [0.0, 0.1, -0.1]
        ];
        let axes = PrincipalAxes::of(&x.view());
        let (mut a, mut b) = (Vec::new(), Vec::new());
        assert!(axes.project(&[1.0, 2.0, 3.0], &mut a));
        assert!(axes.project(&[3.0, 6.0, 9.2], &mut b));
        let rotated: f64 = a.iter().zip(&b).map(|(p, q)| (p - q) * (p - q)).sum();
        let original = (4.0 + 16.0 + 6.2f64 * 6.2) / axes.scale().powi(2);
        assert!((rotated - original).abs() < 1e-12 * original);
    }

    #[test]
    fn values_near_the_float_range_stay_finite() {
        let x = array![[f64::MAX, -f64::MAX], [-f64::MAX, f64::MAX], [0.0, 0.0]];
        let axes = PrincipalAxes::of(&x.view());
        let mut out = Vec::new();
        assert!(axes.project(&[f64::MAX, f64::MAX], &mut out));
        assert!(out.iter().all(|v| v.abs() <= 2.0));
    }
}

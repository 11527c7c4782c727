//! The dense solves the interpretable models need, on `f64` through faer: Cholesky for
//! symmetric positive definite systems, and minimum-norm least squares by SVD.

use faer::linalg::solvers::Solve;
use faer::{Mat, Side};
use ndarray::{Array1, Array2};

use crate::{Error, Result};

fn to_faer(a: &Array2<f64>) -> Mat<f64> {
    Mat::from_fn(a.nrows(), a.ncols(), |i, j| a[[i, j]])
}

/// `x` with `a x = b` for a symmetric positive definite `a`.
///
/// # Errors
/// [`Error::Value`] naming `context` when `a` is not positive definite.
pub(crate) fn cholesky_solve(
    context: &str,
    a: &Array2<f64>,
    b: &Array1<f64>,
) -> Result<Array1<f64>> {
    let llt = to_faer(a).llt(Side::Lower).map_err(|_| {
        Error::value(
            context,
            "a positive definite system",
            "a singular or indefinite matrix",
        )
    })?;
    let rhs = Mat::from_fn(b.len(), 1, |i, _| b[i]);
    let x = llt.solve(&rhs);
    Ok(Array1::from_shape_fn(b.len(), |i| x[(i, 0)]))
}

/// The minimum-norm `x` minimising `‖a x − b‖`, singular values below `rcond · σ_max` taken as
/// zero (as `scipy.linalg.lstsq` with `cond = rcond`).
///
/// # Errors
/// [`Error::Value`] naming `context` when the SVD does not converge.
pub(crate) fn lstsq(
    context: &str,
    a: &Array2<f64>,
    b: &Array1<f64>,
    rcond: f64,
) -> Result<Array1<f64>> {
    let svd = to_faer(a)
        .thin_svd()
        .map_err(|_| Error::value(context, "a converging SVD", "no convergence"))?;
    let (u, s, v) = (svd.U(), svd.S().column_vector(), svd.V());
    let largest = (0..s.nrows()).map(|i| s[i]).fold(0.0, f64::max);
    let mut x = Array1::zeros(a.ncols());
    for k in 0..s.nrows() {
        if s[k] <= rcond * largest || s[k] == 0.0 {
            continue;
        }
        let coef = (0..a.nrows()).map(|i| u[(i, k)] * b[i]).sum::<f64>() / s[k];
        for (j, xj) in x.iter_mut().enumerate() {
            *xj += coef * v[(j, k)];
        }
    }
    Ok(x)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn solves_agree_on_a_well_posed_system() {
        let a = array![[4.0, 1.0], [1.0, 3.0]];
        let b = array![1.0, 2.0];
        let x = cholesky_solve("t", &a, &b).unwrap();
        let y = lstsq("t", &a, &b, 1e-15).unwrap();
        assert!((x[0] - 1.0 / 11.0).abs() < 1e-15 && (x[1] - 7.0 / 11.0).abs() < 1e-15);
        assert!((&x - &y).iter().all(|d| d.abs() < 1e-14));
        assert!(cholesky_solve("t", &array![[1.0, 2.0], [2.0, 1.0]], &b).is_err());
    }

    #[test]
    fn least_squares_is_minimum_norm_on_a_rank_deficient_system() {
        // Two equal columns: the minimum-norm solution splits the weight.
        let a = array![[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]];
        let x = lstsq("t", &a, &array![2.0, 4.0, 6.0], 1e-12).unwrap();
        assert!(
            (x[0] - 1.0).abs() < 1e-12 && (x[1] - 1.0).abs() < 1e-12,
            "{x}"
        );
    }
}

//! Logarithmic loss (cross-entropy of predicted probabilities).

use ndarray::ArrayView2;

use super::check::{binary_labels, finite, probabilities, same_len};
use crate::{Error, Float, Result};

/// Machine epsilon of `f64`: scikit-learn (1.5 and later) clips probabilities to
/// `[eps, 1 − eps]` with the epsilon of the input's float type, which is `f64` here.
const EPS: f64 = f64::EPSILON;

fn clip(p: f64) -> f64 {
    p.clamp(EPS, 1.0 - EPS)
}

/// Mean log loss of binary targets from the probability of the positive class
/// (`sklearn.metrics.log_loss` with 1-D `y_proba` and `labels=[0, 1]`).
///
/// `−(1/n) Σ [yᵢ ln pᵢ + (1 − yᵢ) ln(1 − pᵢ)]`, where `pᵢ` and `1 − pᵢ` are each clipped to
/// `[ε, 1 − ε]` with `ε = f64::EPSILON` (≈ 2.2e-16) so that a confident mistake costs about
/// 36.04 instead of infinity. This is scikit-learn's clipping since 1.5 (its `eps` argument
/// was removed; the machine epsilon of the input's float type is used, `f64` here since the
/// probabilities are widened first). `y_true` holds 0 or 1; since the two classes are fixed,
/// a `y_true` with a single class is fine (scikit-learn needs `labels=[0, 1]` for that).
///
/// Errors: [`Error::Shape`] when the inputs are empty or differ in length;
/// [`Error::NonFinite`] for a NaN or infinite probability; [`Error::Value`] for a probability
/// outside `[0, 1]` or a label other than 0 or 1.
///
/// ```
/// use tuneup::diagnostics::metrics::log_loss;
/// let l = log_loss(&[1, 0], &[0.8, 0.4])?;
/// assert!((l - -(0.8f64.ln() + 0.6f64.ln()) / 2.0).abs() < 1e-15);
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn log_loss<F: Float>(y_true: &[usize], proba: &[F]) -> Result<f64> {
    let metric = "log_loss";
    same_len(metric, y_true.len(), proba.len(), "proba")?;
    binary_labels(metric, y_true)?;
    let p = finite(metric, "proba", proba)?;
    probabilities(metric, "proba", &p)?;
    let total: f64 = y_true
        .iter()
        .zip(&p)
        .map(|(&y, &p)| {
            if y == 1 {
                -clip(p).ln()
            } else {
                -clip(1.0 - p).ln()
            }
        })
        .sum();
    Ok(total / y_true.len() as f64)
}

/// Mean log loss of multi-class targets from a probability matrix
/// (`sklearn.metrics.log_loss` with `labels=range(k)`).
///
/// `proba` has one row per sample and one column per class; `y_true[i]` is the column of
/// sample `i`'s class, and the loss is `−(1/n) Σ ln pᵢ,yᵢ` with each probability clipped to
/// `[ε, 1 − ε]`, `ε = f64::EPSILON`, as [`log_loss`]. Rows are not renormalised (scikit-learn
/// only warns when they do not sum to 1). A class may be absent from `y_true`: the columns
/// say how many classes there are.
///
/// Errors: [`Error::Shape`] when the inputs are empty, `proba`'s rows differ from `y_true`'s
/// length, or it has fewer than two columns; [`Error::Value`] for a class index `≥` the
/// number of columns or a probability outside `[0, 1]`; [`Error::NonFinite`] for a NaN or
/// infinite probability.
///
/// ```
/// use tuneup::diagnostics::metrics::log_loss_multiclass;
/// let proba = ndarray::array![[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]];
/// let l = log_loss_multiclass(&[0, 2], proba.view())?;
/// assert!((l - -(0.7f64.ln() + 0.8f64.ln()) / 2.0).abs() < 1e-15);
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn log_loss_multiclass<F: Float>(y_true: &[usize], proba: ArrayView2<'_, F>) -> Result<f64> {
    let metric = "log_loss_multiclass";
    let (rows, k) = proba.dim();
    same_len(metric, y_true.len(), rows, "proba rows")?;
    if k < 2 {
        return Err(Error::shape(
            metric,
            "proba with at least 2 columns (one per class)",
            format!("{k} column(s)"),
        ));
    }
    let mut total = 0.0;
    for (r, (row, &y)) in proba.rows().into_iter().zip(y_true).enumerate() {
        if y >= k {
            return Err(Error::value(
                metric,
                format!("class indices < {k} (the columns of proba)"),
                format!("{y} at index {r}"),
            ));
        }
        for (c, v) in row.iter().enumerate() {
            let x = v.as_f64();
            if !x.is_finite() {
                return Err(Error::non_finite(metric, format!("proba[{r}, {c}] = {x}")));
            }
            if !(0.0..=1.0).contains(&x) {
                return Err(Error::value(
                    metric,
                    "probabilities in [0, 1] in proba",
                    format!("{x} at [{r}, {c}]"),
                ));
            }
        }
        total -= clip(row[y].as_f64()).ln();
    }
    Ok(total / rows as f64)
}

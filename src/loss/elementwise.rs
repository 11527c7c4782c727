//! Shared driver for losses that are a sum of per-element terms.

use ndarray::{ArrayView2, ArrayViewMut2, Zip};

use super::sample_weights::RowWeights;
use super::Reduction;
use crate::{Float, Result};

/// Sums `w_i · term(prediction, target) → (loss, ∂loss/∂prediction)` over all elements (row
/// `i` weighing `w_i`, 1 when unweighted), applies the reduction (the mean divides by
/// `Σ wᵢ × columns`), and writes the reduced gradient into `grad` when given.
pub(crate) fn reduce_elementwise<F: Float>(
    prediction: ArrayView2<'_, F>,
    target: ArrayView2<'_, F>,
    grad: Option<ArrayViewMut2<'_, F>>,
    reduction: Reduction,
    weights: RowWeights<'_, F>,
    term: impl Fn(F, F) -> (F, F),
) -> Result<F> {
    let scale = match reduction {
        Reduction::Mean if !prediction.is_empty() => {
            let count = if weights.is_weighted() {
                weights.total(prediction.nrows()) * F::from_count(prediction.ncols())
            } else {
                F::from_count(prediction.len())
            };
            F::one() / count
        }
        _ => F::one(),
    };
    let mut total = F::zero();
    match grad {
        Some(mut g) => {
            for (i, ((g_row, p_row), t_row)) in g
                .rows_mut()
                .into_iter()
                .zip(prediction.rows())
                .zip(target.rows())
                .enumerate()
            {
                let w = weights.at(i);
                let row_scale = w * scale;
                Zip::from(g_row)
                    .and(&p_row)
                    .and(&t_row)
                    .for_each(|g, &p, &t| {
                        let (l, d) = term(p, t);
                        total += w * l;
                        *g = d * row_scale;
                    });
            }
        }
        None => {
            for (i, (p_row, t_row)) in prediction.rows().into_iter().zip(target.rows()).enumerate()
            {
                let w = weights.at(i);
                Zip::from(&p_row).and(&t_row).for_each(|&p, &t| {
                    total += w * term(p, t).0;
                });
            }
        }
    }
    Ok(total * scale)
}

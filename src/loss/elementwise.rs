//! Shared driver for losses that are a sum of per-element terms.

use ndarray::{ArrayView2, ArrayViewMut2, Zip};

use super::Reduction;
use crate::{Float, Result};

/// Sums `term(prediction, target) → (loss, ∂loss/∂prediction)` over all elements, applies the
/// reduction, and writes the reduced gradient into `grad` when given.
pub(crate) fn reduce_elementwise<F: Float>(
    prediction: ArrayView2<'_, F>,
    target: ArrayView2<'_, F>,
    grad: Option<ArrayViewMut2<'_, F>>,
    reduction: Reduction,
    term: impl Fn(F, F) -> (F, F),
) -> Result<F> {
    let scale = match reduction {
        Reduction::Mean if !prediction.is_empty() => F::one() / F::from_count(prediction.len()),
        _ => F::one(),
    };
    let mut total = F::zero();
    match grad {
        Some(mut g) => Zip::from(&mut g)
            .and(&prediction)
            .and(&target)
            .for_each(|g, &p, &t| {
                let (l, d) = term(p, t);
                total += l;
                *g = d * scale;
            }),
        None => Zip::from(&prediction).and(&target).for_each(|&p, &t| {
            total += term(p, t).0;
        }),
    }
    Ok(total * scale)
}

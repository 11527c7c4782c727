//! The pruning state of a parameter: its 0/1 mask and the values the mask hides, kept so a
//! pruned parameter can be saved as PyTorch's `weight_orig` / `weight_mask` pair.

use ndarray::{ArrayD, ArrayViewD, Zip};

use crate::{Error, Float, Result};

/// A parameter's mask (`torch.nn.utils.prune`'s `<name>_mask`) and the values it zeroed.
#[derive(Debug, Clone)]
pub(crate) struct PruningMask<F> {
    /// 1 where the entry is kept, 0 where it is pruned.
    pub(crate) mask: ArrayD<F>,
    /// The value each pruned entry had when it was pruned (unused where the mask is 1).
    hidden: ArrayD<F>,
}

impl<F: Float> PruningMask<F> {
    /// Checks that `mask` has `value`'s shape and holds only 0 and 1.
    pub(crate) fn check(name: &str, value: &ArrayD<F>, mask: &ArrayViewD<'_, F>) -> Result<()> {
        if mask.shape() != value.shape() {
            return Err(Error::shape(
                format!("pruning mask of {name}"),
                format!("the parameter's shape {:?}", value.shape()),
                format!("{:?}", mask.shape()),
            ));
        }
        if let Some(bad) = mask.iter().find(|&&m| m != F::zero() && m != F::one()) {
            return Err(Error::value(
                format!("pruning mask of {name}"),
                "entries 0 (pruned) or 1 (kept)",
                bad.as_f64(),
            ));
        }
        Ok(())
    }

    /// A first mask on `value`: remembers the entries it hides, then zeroes them.
    pub(crate) fn first(value: &mut ArrayD<F>, mask: ArrayD<F>) -> Self {
        let hidden = value.clone();
        let out = PruningMask { mask, hidden };
        out.apply(value);
        out
    }

    /// Replaces the mask by `mask` (which keeps no entry this one pruned, when it was
    /// composed from it), remembering the values of the entries newly hidden.
    pub(crate) fn replace(&mut self, value: &mut ArrayD<F>, mask: ArrayD<F>) {
        Zip::from(&mut self.hidden)
            .and(&self.mask)
            .and(&*value)
            .for_each(|h, &m, &v| {
                if m == F::one() {
                    *h = v;
                }
            });
        self.mask = mask;
        self.apply(value);
    }

    /// Multiplies `values` (the parameter's value or its gradient) by the mask.
    pub(crate) fn apply(&self, values: &mut ArrayD<F>) {
        Zip::from(values).and(&self.mask).for_each(|v, &m| *v *= m);
    }

    /// PyTorch's `<name>_orig`: the kept entries' current values, the pruned entries' values
    /// when they were pruned.
    pub(crate) fn original(&self, value: &ArrayD<F>) -> ArrayD<F> {
        let mut out = value.clone();
        Zip::from(&mut out)
            .and(&self.mask)
            .and(&self.hidden)
            .for_each(|o, &m, &h| {
                if m != F::one() {
                    *o = h;
                }
            });
        out
    }
}

/// Multiplies every pruned parameter's gradient by its mask (PyTorch's gradient of
/// `weight_orig`); nothing for a model without masks. Optimizer steps, `clip_grad_norm` and
/// the Trainer call it; a custom loop that reads the gradients of a pruned model (for a norm,
/// say) calls it after backward.
///
/// ```
/// use tuneup::prelude::*;
/// use tuneup::model::mask_gradients;
/// let mut net = Mlp::new(&[2, 1]).build::<f64>()?;
/// net.visit_parameters_mut(&mut |p| {
///     if p.name() == "0.weight" { p.set_mask(ndarray::arr2(&[[1.0, 0.0]]).into_dyn()).unwrap() }
///     p.grad_mut().fill(1.0);
/// });
/// mask_gradients(&mut net);
/// let mut total = 0.0;
/// net.visit_parameters(&mut |p| total += p.grad().sum());
/// assert_eq!(total, 2.0); // one weight's and the bias's gradient left
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn mask_gradients<F: Float>(model: &mut dyn crate::model::Layer<F>) {
    model.visit_parameters_mut(&mut |p| p.mask_gradient());
}

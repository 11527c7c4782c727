//! Gradient accumulation: several micro-batches, then one optimizer step.

use ndarray::ArrayViewMut2;

use super::Optimizer;
use crate::model::Layer;
use crate::{Error, Float, Result};

/// Makes `k` micro-batches followed by one optimizer step equal one step on the mean of their
/// losses — the way to train with a batch larger than fits at once.
///
/// Gradients add up in the parameters' buffers across backward passes (layers *add* their
/// parameter gradients), so all that is needed is to scale each micro-batch's loss gradient by
/// `1/k` — [`GradientAccumulator::scale`] — and to step and zero the gradients after every
/// `k`-th micro-batch — [`GradientAccumulator::step`]. With a mean-reduced loss and equal
/// micro-batch sizes the result is exactly (up to rounding) one step on the concatenated batch.
/// With unequal sizes, scale micro-batch `i` by `nᵢ / N` yourself instead.
///
/// Regularizer gradients (`L2::add_gradient`) belong to the step, not to a micro-batch: add them
/// once, before the `k`-th call to `step`, or use the optimizer's `weight_decay`.
///
/// ```
/// use tuneup::prelude::*;
/// use tuneup::optim::GradientAccumulator;
/// use ndarray::{array, s};
/// let x = array![[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]];
/// let y = array![[1.0], [1.0], [0.0], [0.0]];
/// let mut net = Mlp::new(&[2, 4, 1]).activation(Activation::Tanh).seed(3).build::<f64>()?;
/// let mut sgd = Sgd::new(0.1)?;
/// let mut acc = GradientAccumulator::new(2)?;   // two micro-batches of two rows
/// let mut grad = ndarray::Array2::zeros((0, 0));
/// net.zero_grad();
/// for rows in [0..2, 2..4] {
///     let out = net.forward(x.slice(s![rows.clone(), ..]), Mode::Train)?;
///     Mse::new().value_and_grad(out, (&y.slice(s![rows, ..]).to_owned()).into(), &mut grad)?;
///     acc.scale(grad.view_mut());
///     net.backward_parameters(grad.view())?;
///     acc.step(&mut sgd, &mut net)?;   // steps (and zeroes the gradients) after the 2nd
/// }
/// assert_eq!(acc.pending(), 0);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GradientAccumulator {
    micro_batches: usize,
    pending: usize,
}

impl GradientAccumulator {
    /// Steps once every `micro_batches` (≥ 1) micro-batches.
    ///
    /// ```
    /// assert!(tuneup::optim::GradientAccumulator::new(0).is_err());
    /// ```
    pub fn new(micro_batches: usize) -> Result<Self> {
        if micro_batches == 0 {
            return Err(Error::config(
                "GradientAccumulator.micro_batches",
                0,
                "at least 1",
            ));
        }
        Ok(GradientAccumulator {
            micro_batches,
            pending: 0,
        })
    }

    /// The number of micro-batches per step, `k`.
    pub fn micro_batches(&self) -> usize {
        self.micro_batches
    }

    /// The factor `1/k` each micro-batch's loss (and loss gradient) is scaled by.
    ///
    /// ```
    /// assert_eq!(tuneup::optim::GradientAccumulator::new(4).unwrap().factor(), 0.25);
    /// ```
    pub fn factor(&self) -> f64 {
        1.0 / self.micro_batches as f64
    }

    /// Multiplies a micro-batch's loss gradient by `1/k`, before the backward pass.
    ///
    /// ```
    /// let acc = tuneup::optim::GradientAccumulator::new(2).unwrap();
    /// let mut g = ndarray::array![[1.0f32, 4.0]];
    /// acc.scale(g.view_mut());
    /// assert_eq!(g, ndarray::array![[0.5, 2.0]]);
    /// ```
    pub fn scale<F: Float>(&self, mut loss_grad: ArrayViewMut2<'_, F>) {
        if self.micro_batches > 1 {
            let f = F::cast(self.factor());
            loss_grad.mapv_inplace(|g| g * f);
        }
    }

    /// Micro-batches counted since the last step.
    pub fn pending(&self) -> usize {
        self.pending
    }

    /// Counts one micro-batch; true when it completes a group of `k` (the counter then
    /// restarts). For loops that step the optimizer themselves.
    ///
    /// ```
    /// let mut acc = tuneup::optim::GradientAccumulator::new(2).unwrap();
    /// assert!(!acc.record());
    /// assert!(acc.record());
    /// assert!(!acc.record());
    /// ```
    pub fn record(&mut self) -> bool {
        self.pending += 1;
        if self.pending == self.micro_batches {
            self.pending = 0;
            true
        } else {
            false
        }
    }

    /// Counts one micro-batch (call it after the backward pass); after the `k`-th, steps the
    /// optimizer, zeroes the gradients and returns `true`.
    ///
    /// If the optimizer step fails (a non-finite gradient), the error is returned, the
    /// parameters are unchanged, the counter restarts and the gradients are left as they were
    /// so they can be inspected: zero them before the next micro-batch.
    ///
    /// ```
    /// use tuneup::prelude::*;
    /// let mut net = Mlp::new(&[2, 1]).build::<f64>().unwrap();
    /// let (mut sgd, mut acc) = (Sgd::new(0.1).unwrap(), tuneup::optim::GradientAccumulator::new(2).unwrap());
    /// assert!(!acc.step(&mut sgd, &mut net).unwrap());
    /// assert!(acc.step(&mut sgd, &mut net).unwrap());
    /// ```
    pub fn step<F: Float>(
        &mut self,
        optimizer: &mut dyn Optimizer<F>,
        model: &mut dyn Layer<F>,
    ) -> Result<bool> {
        if !self.record() {
            return Ok(false);
        }
        optimizer.step(model)?;
        model.zero_grad();
        Ok(true)
    }

    /// Ends an incomplete group (the last micro-batches of an epoch whose count is not a
    /// multiple of `k`): rescales the gradients from `sum / k` to the mean over the
    /// micro-batches actually seen, steps, zeroes the gradients and returns `true`. Does
    /// nothing and returns `false` when no micro-batch is pending.
    ///
    /// ```
    /// use tuneup::prelude::*;
    /// let mut net = Mlp::new(&[2, 1]).build::<f64>().unwrap();
    /// let (mut sgd, mut acc) = (Sgd::new(0.1).unwrap(), tuneup::optim::GradientAccumulator::new(3).unwrap());
    /// acc.step(&mut sgd, &mut net).unwrap();
    /// assert!(acc.finish(&mut sgd, &mut net).unwrap());
    /// assert!(!acc.finish(&mut sgd, &mut net).unwrap());
    /// ```
    pub fn finish<F: Float>(
        &mut self,
        optimizer: &mut dyn Optimizer<F>,
        model: &mut dyn Layer<F>,
    ) -> Result<bool> {
        if self.pending == 0 {
            return Ok(false);
        }
        let rescale = F::cast(self.micro_batches as f64 / self.pending as f64);
        self.pending = 0;
        model.visit_parameters_mut(&mut |p| {
            if !p.is_frozen() {
                p.value_and_grad_slices_mut()
                    .1
                    .iter_mut()
                    .for_each(|g| *g *= rescale);
            }
        });
        optimizer.step(model)?;
        model.zero_grad();
        Ok(true)
    }
}

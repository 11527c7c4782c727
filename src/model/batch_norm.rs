//! Batch normalisation over the batch axis.

use ndarray::{Array1, Array2, ArrayView2, ArrayViewD, Axis};

use super::deeplift_rule::plain_gradient;
use super::layer::{check_flat_input, check_grad_shape, check_width};
use super::{Layer, Mode, NamedBuffer, NamedCounter, ParamKind, Parameter, Visitor, VisitorMut};
use crate::linalg::Buffer2;
use crate::{Error, Float, Result};

/// `nn.BatchNorm1d` on `(batch, features)` input.
///
/// Train mode normalises with the batch mean and biased variance and updates the running
/// statistics as PyTorch does: `running = (1 − momentum)·running + momentum·batch`, with the
/// *unbiased* batch variance. Eval mode uses the running statistics. The affine scale and shift
/// (`weight`, `bias`) are optional; the buffers are `running_mean`, `running_var`, and the step
/// counter [`BatchNorm1d::num_batches_tracked`].
///
/// ```
/// use tuneup::prelude::*;
/// use ndarray::array;
/// let mut bn = BatchNorm1d::<f64>::new(2).unwrap();
/// let x = array![[1.0, 10.0], [3.0, 30.0]];
/// let y = bn.forward(x.view(), Mode::Train).unwrap();
/// assert!((y[[0, 0]] + 1.0).abs() < 1e-4 && (y[[1, 1]] - 1.0).abs() < 1e-4);
/// let one = array![[1.0, 2.0]];
/// assert!(bn.forward(one.view(), Mode::Train).is_err()); // one sample
/// ```
#[derive(Debug, Clone)]
pub struct BatchNorm1d<F: Float> {
    features: usize,
    eps: f64,
    momentum: f64,
    weight: Option<Parameter<F>>,
    bias: Option<Parameter<F>>,
    running_mean: NamedBuffer<F>,
    running_var: NamedBuffer<F>,
    num_batches_tracked: NamedCounter,
    normalized: Buffer2<F>,
    inv_std: Vec<F>,
    output: Buffer2<F>,
    grad_input: Buffer2<F>,
    sums: Vec<F>,
    last_mode: Mode,
}

impl<F: Float> BatchNorm1d<F> {
    /// Batch norm with PyTorch's defaults: eps = 1e-5, momentum = 0.1, affine.
    pub fn new(features: usize) -> Result<Self> {
        Self::with_options(features, 1e-5, 0.1, true)
    }

    /// Batch norm with explicit `eps` (> 0), `momentum` (in [0, 1]) and affine flag.
    ///
    /// ```
    /// use tuneup::model::BatchNorm1d;
    /// assert!(BatchNorm1d::<f32>::with_options(4, 1e-5, 1.5, true).is_err());
    /// ```
    pub fn with_options(features: usize, eps: f64, momentum: f64, affine: bool) -> Result<Self> {
        if features == 0 {
            return Err(Error::config("BatchNorm1d.num_features", 0, "at least 1"));
        }
        if !(eps.is_finite() && eps > 0.0) {
            return Err(Error::config("BatchNorm1d.eps", eps, "a finite number > 0"));
        }
        if !(0.0..=1.0).contains(&momentum) {
            return Err(Error::config(
                "BatchNorm1d.momentum",
                momentum,
                "a number in [0, 1]",
            ));
        }
        let ones = Array1::<F>::ones(features).into_dyn();
        let zeros = Array1::<F>::zeros(features).into_dyn();
        Ok(BatchNorm1d {
            features,
            eps,
            momentum,
            weight: affine.then(|| Parameter::new("weight", ones.clone(), ParamKind::Norm)),
            bias: affine.then(|| Parameter::new("bias", zeros.clone(), ParamKind::Norm)),
            running_mean: NamedBuffer::new("running_mean", zeros),
            running_var: NamedBuffer::new("running_var", ones),
            num_batches_tracked: NamedCounter::new("num_batches_tracked", 0),
            normalized: Buffer2::default(),
            inv_std: vec![F::zero(); features],
            output: Buffer2::default(),
            grad_input: Buffer2::default(),
            sums: vec![F::zero(); 2 * features],
            last_mode: Mode::Eval,
        })
    }

    /// A batch norm over the features `keep` of this one (in that order), with their affine
    /// parameters and running statistics, the same `eps`, momentum and counter: the layer
    /// that follows a Linear whose other outputs were removed. Names start unprefixed.
    pub(crate) fn select_features(&self, keep: &[usize]) -> Result<Self> {
        let mut out =
            Self::with_options(keep.len(), self.eps, self.momentum, self.weight.is_some())?;
        let pick = |v: ArrayViewD<'_, F>| -> Vec<F> {
            let flat: Vec<F> = v.iter().copied().collect();
            keep.iter().map(|&k| flat[k]).collect()
        };
        let copy = |dst: &mut Parameter<F>, src: &Parameter<F>| {
            dst.value_and_grad_mut()
                .0
                .copy_from_slice(&pick(src.value()));
        };
        if let (Some(d), Some(s)) = (out.weight.as_mut(), self.weight.as_ref()) {
            copy(d, s);
        }
        if let (Some(d), Some(s)) = (out.bias.as_mut(), self.bias.as_ref()) {
            copy(d, s);
        }
        let mean = pick(self.running_mean.value());
        out.running_mean.as_slice_mut().copy_from_slice(&mean);
        let var = pick(self.running_var.value());
        out.running_var.as_slice_mut().copy_from_slice(&var);
        out.num_batches_tracked.set(self.num_batches_tracked.get());
        Ok(out)
    }

    /// The running mean buffer.
    pub fn running_mean(&self) -> &NamedBuffer<F> {
        &self.running_mean
    }

    /// The running (unbiased) variance buffer.
    pub fn running_var(&self) -> &NamedBuffer<F> {
        &self.running_var
    }

    /// How many train-mode batches have updated the running statistics.
    pub fn num_batches_tracked(&self) -> u64 {
        self.num_batches_tracked.get()
    }

    /// Sets the step counter (when loading a checkpoint).
    pub fn set_num_batches_tracked(&mut self, n: u64) {
        self.num_batches_tracked.set(n);
    }
}

impl<F: Float> Layer<F> for BatchNorm1d<F> {
    fn describe(&self) -> String {
        format!("BatchNorm1d({})", self.features)
    }

    fn output_shape(&self, input: &[usize]) -> Result<Vec<usize>> {
        check_flat_input(&|| self.describe(), input, self.features)?;
        Ok(vec![self.features])
    }

    fn forward<'a>(
        &'a mut self,
        input: ArrayView2<'a, F>,
        mode: Mode,
    ) -> Result<ArrayView2<'a, F>> {
        check_width(&|| self.describe(), "input", &input, self.features)?;
        let (n, d) = input.dim();
        if n == 0 {
            return Err(Error::shape(self.describe(), "at least one row", "0 rows"));
        }
        if mode == Mode::Train && n < 2 {
            return Err(Error::shape(
                self.describe(),
                "more than 1 sample per feature in train mode",
                "a batch of 1",
            ));
        }
        self.last_mode = mode;
        let eps = F::cast(self.eps);
        self.normalized.resize(n, d);
        self.output.resize(n, d);
        if mode == Mode::Train {
            let nf = F::from_count(n);
            let (mean, var) = self.sums.split_at_mut(d);
            mean.fill(F::zero());
            var.fill(F::zero());
            for row in input.axis_iter(Axis(0)) {
                for (m, &x) in mean.iter_mut().zip(row) {
                    *m += x;
                }
            }
            mean.iter_mut().for_each(|m| *m /= nf);
            for row in input.axis_iter(Axis(0)) {
                for ((v, &m), &x) in var.iter_mut().zip(mean.iter()).zip(row) {
                    *v += (x - m) * (x - m);
                }
            }
            let momentum = F::cast(self.momentum);
            let keep = F::one() - momentum;
            let unbias = nf / F::from_count(n - 1);
            for j in 0..d {
                let biased = var[j] / nf;
                self.inv_std[j] = F::one() / (biased + eps).sqrt();
                let rm = &mut self.running_mean.as_slice_mut()[j];
                *rm = keep * *rm + momentum * mean[j];
                let rv = &mut self.running_var.as_slice_mut()[j];
                *rv = keep * *rv + momentum * biased * unbias;
            }
            self.num_batches_tracked.increment();
            let mean = &self.sums[..d];
            for (mut xh, x) in self
                .normalized
                .view_mut()
                .axis_iter_mut(Axis(0))
                .zip(input.axis_iter(Axis(0)))
            {
                for j in 0..d {
                    xh[j] = (x[j] - mean[j]) * self.inv_std[j];
                }
            }
        } else {
            let rm = self.running_mean.as_slice();
            let rv = self.running_var.as_slice();
            for (inv, &v) in self.inv_std.iter_mut().zip(rv) {
                *inv = F::one() / (v + eps).sqrt();
            }
            for (mut xh, x) in self
                .normalized
                .view_mut()
                .axis_iter_mut(Axis(0))
                .zip(input.axis_iter(Axis(0)))
            {
                for j in 0..d {
                    xh[j] = (x[j] - rm[j]) * self.inv_std[j];
                }
            }
        }
        let gamma = self.weight.as_ref().map(|w| w.value_slice());
        let beta = self.bias.as_ref().map(|b| b.value_slice());
        for (mut y, xh) in self
            .output
            .view_mut()
            .axis_iter_mut(Axis(0))
            .zip(self.normalized.view().axis_iter(Axis(0)))
        {
            for j in 0..d {
                y[j] = xh[j] * gamma.map_or(F::one(), |g| g[j]) + beta.map_or(F::zero(), |b| b[j]);
            }
        }
        Ok(self.output.view())
    }

    fn backward<'a>(&'a mut self, grad_output: ArrayView2<'a, F>) -> Result<ArrayView2<'a, F>> {
        self.backward_with(grad_output, true)
    }

    fn backward_input<'a>(
        &'a mut self,
        grad_output: ArrayView2<'a, F>,
    ) -> Result<ArrayView2<'a, F>> {
        self.backward_with(grad_output, false)
    }

    /// The ordinary eval-mode gradient (running statistics): captum's DeepLIFT does not
    /// rescale normalisations.
    fn backward_deeplift(
        &mut self,
        input: ArrayView2<'_, F>,
        grad_output: ArrayView2<'_, F>,
        _eps: F,
    ) -> Result<Array2<F>> {
        plain_gradient(self, input, grad_output)
    }

    fn visit(&self, visitor: &mut dyn Visitor<F>) {
        if let Some(w) = &self.weight {
            visitor.parameter(w);
        }
        if let Some(b) = &self.bias {
            visitor.parameter(b);
        }
        visitor.buffer(&self.running_mean);
        visitor.buffer(&self.running_var);
        visitor.counter(&self.num_batches_tracked);
    }

    fn visit_mut(&mut self, visitor: &mut dyn VisitorMut<F>) {
        if let Some(w) = &mut self.weight {
            visitor.parameter(w);
        }
        if let Some(b) = &mut self.bias {
            visitor.parameter(b);
        }
        visitor.buffer(&mut self.running_mean);
        visitor.buffer(&mut self.running_var);
        visitor.counter(&mut self.num_batches_tracked);
    }
}

impl<F: Float> BatchNorm1d<F> {
    /// Back-propagates, adding parameter gradients only when `parameters` is set.
    fn backward_with<'a>(
        &'a mut self,
        grad_output: ArrayView2<'a, F>,
        parameters: bool,
    ) -> Result<ArrayView2<'a, F>> {
        check_grad_shape(&|| self.describe(), &grad_output, self.output.dim())?;
        let (n, d) = grad_output.dim();
        let xh = self.normalized.view();
        // Σ dy and Σ dy·x̂ per feature.
        let (sum_dy, sum_dy_xh) = self.sums.split_at_mut(d);
        sum_dy.fill(F::zero());
        sum_dy_xh.fill(F::zero());
        for (dy, xh) in grad_output.axis_iter(Axis(0)).zip(xh.axis_iter(Axis(0))) {
            for j in 0..d {
                sum_dy[j] += dy[j];
                sum_dy_xh[j] += dy[j] * xh[j];
            }
        }
        if let Some(w) = self
            .weight
            .as_mut()
            .filter(|w| parameters && !w.is_frozen())
        {
            let (_, g) = w.value_and_grad_slices_mut();
            for j in 0..d {
                g[j] += sum_dy_xh[j];
            }
        }
        if let Some(b) = self.bias.as_mut().filter(|b| parameters && !b.is_frozen()) {
            let (_, g) = b.value_and_grad_slices_mut();
            for j in 0..d {
                g[j] += sum_dy[j];
            }
        }
        let gamma = self.weight.as_ref().map(|w| w.value_slice());
        self.grad_input.resize(n, d);
        let nf = F::from_count(n);
        let train = self.last_mode == Mode::Train;
        for ((mut gi, dy), xh) in self
            .grad_input
            .view_mut()
            .axis_iter_mut(Axis(0))
            .zip(grad_output.axis_iter(Axis(0)))
            .zip(xh.axis_iter(Axis(0)))
        {
            for j in 0..d {
                let scale = gamma.map_or(F::one(), |g| g[j]) * self.inv_std[j];
                gi[j] = if train {
                    scale * (dy[j] - sum_dy[j] / nf - xh[j] * sum_dy_xh[j] / nf)
                } else {
                    scale * dy[j]
                };
            }
        }
        Ok(self.grad_input.view())
    }
}

/// The state and settings of a [`BatchNorm1d`], borrowed by [`BatchNorm2d`](super::BatchNorm2d),
/// which keeps its state in one (same names, same checks) and normalises channel-first rows
/// with it.
pub(super) struct BatchNormState<'a, F: Float> {
    pub eps: f64,
    pub momentum: f64,
    pub weight: Option<&'a mut Parameter<F>>,
    pub bias: Option<&'a mut Parameter<F>>,
    pub running_mean: &'a mut NamedBuffer<F>,
    pub running_var: &'a mut NamedBuffer<F>,
    pub num_batches_tracked: &'a mut NamedCounter,
}

impl<F: Float> BatchNorm1d<F> {
    /// Borrows the settings, parameters, buffers and counter.
    pub(super) fn state_mut(&mut self) -> BatchNormState<'_, F> {
        BatchNormState {
            eps: self.eps,
            momentum: self.momentum,
            weight: self.weight.as_mut(),
            bias: self.bias.as_mut(),
            running_mean: &mut self.running_mean,
            running_var: &mut self.running_var,
            num_batches_tracked: &mut self.num_batches_tracked,
        }
    }
}

//! Row-wise softmax and log-softmax, for turning logits into probabilities.

use ndarray::{ArrayView2, ArrayViewMut2, Axis};

use super::layer::check_grad_shape;
use super::{Layer, Mode};
use crate::linalg::Buffer2;
use crate::{Float, Result};

/// Writes `softmax(logits)` row by row into `out`, subtracting each row's maximum first so
/// that no exponential overflows.
///
/// ```
/// use ndarray::{array, Array2};
/// let logits = array![[1000.0f64, 1000.0], [0.0, -1000.0]];
/// let mut p = Array2::zeros((2, 2));
/// tuneup::model::softmax_rows(logits.view(), p.view_mut());
/// assert_eq!(p, array![[0.5, 0.5], [1.0, 0.0]]);
/// ```
pub fn softmax_rows<F: Float>(logits: ArrayView2<'_, F>, mut out: ArrayViewMut2<'_, F>) {
    for (x, mut y) in logits.axis_iter(Axis(0)).zip(out.axis_iter_mut(Axis(0))) {
        let max = x.fold(F::neg_infinity(), |m, &v| m.max(v));
        let mut sum = F::zero();
        for (yi, &xi) in y.iter_mut().zip(x) {
            *yi = (xi - max).exp();
            sum += *yi;
        }
        y.mapv_inplace(|v| v / sum);
    }
}

/// Writes `log_softmax(logits)` row by row into `out` (max-shifted log-sum-exp).
///
/// ```
/// use ndarray::{array, Array2};
/// let mut lp = Array2::zeros((1, 2));
/// tuneup::model::log_softmax_rows(array![[0.0f64, 1000.0]].view(), lp.view_mut());
/// assert_eq!(lp, array![[-1000.0, 0.0]]);
/// ```
pub fn log_softmax_rows<F: Float>(logits: ArrayView2<'_, F>, mut out: ArrayViewMut2<'_, F>) {
    for (x, mut y) in logits.axis_iter(Axis(0)).zip(out.axis_iter_mut(Axis(0))) {
        let max = x.fold(F::neg_infinity(), |m, &v| m.max(v));
        let sum: F = x.iter().map(|&v| (v - max).exp()).sum();
        // (x − max) − ln Σ, not x − (max + ln Σ): the latter rounds max + ln Σ at the scale
        // of max and loses digits for large logits (≈ 3e-5 at |x| = 1000 in f32).
        let log_sum = sum.ln();
        for (yi, &xi) in y.iter_mut().zip(x) {
            *yi = (xi - max) - log_sum;
        }
    }
}

/// Softmax over each row, as a layer (`nn.Softmax(dim=1)`).
///
/// For training a classifier prefer raw logits with
/// [`CrossEntropy`](crate::loss::CrossEntropy), which is more stable; this layer is for models
/// that must output probabilities.
///
/// ```
/// use tuneup::prelude::*;
/// let mut s = Softmax::<f64>::new();
/// let x = ndarray::array![[0.0, 0.0]];
/// let p = s.forward(x.view(), Mode::Eval).unwrap();
/// assert_eq!(p, ndarray::array![[0.5, 0.5]]);
/// ```
#[derive(Debug, Clone, Default)]
pub struct Softmax<F: Float> {
    output: Buffer2<F>,
    grad_input: Buffer2<F>,
}

impl<F: Float> Softmax<F> {
    /// A softmax layer.
    pub fn new() -> Self {
        Self::default()
    }
}

impl<F: Float> Layer<F> for Softmax<F> {
    fn describe(&self) -> String {
        "Softmax".into()
    }
    fn output_shape(&self, input: &[usize]) -> Result<Vec<usize>> {
        Ok(input.to_vec())
    }
    fn forward<'a>(
        &'a mut self,
        input: ArrayView2<'a, F>,
        _mode: Mode,
    ) -> Result<ArrayView2<'a, F>> {
        self.output.resize(input.nrows(), input.ncols());
        softmax_rows(input, self.output.view_mut());
        Ok(self.output.view())
    }
    fn backward<'a>(&'a mut self, grad_output: ArrayView2<'a, F>) -> Result<ArrayView2<'a, F>> {
        check_grad_shape(&|| self.describe(), &grad_output, self.output.dim())?;
        let (r, c) = self.output.dim();
        self.grad_input.resize(r, c);
        let s = self.output.view();
        for ((mut gi, go), s) in self
            .grad_input
            .view_mut()
            .axis_iter_mut(Axis(0))
            .zip(grad_output.axis_iter(Axis(0)))
            .zip(s.axis_iter(Axis(0)))
        {
            let dot: F = go.iter().zip(s).map(|(&g, &p)| g * p).sum();
            for ((g, &d), &p) in gi.iter_mut().zip(go).zip(s) {
                *g = p * (d - dot);
            }
        }
        Ok(self.grad_input.view())
    }
}

/// Log-softmax over each row, as a layer (`nn.LogSoftmax(dim=1)`).
///
/// ```
/// use tuneup::prelude::*;
/// let mut s = LogSoftmax::<f64>::new();
/// let x = ndarray::array![[0.0, 0.0]];
/// let lp = s.forward(x.view(), Mode::Eval).unwrap();
/// assert!((lp[[0, 0]] - 0.5f64.ln()).abs() < 1e-15);
/// ```
#[derive(Debug, Clone, Default)]
pub struct LogSoftmax<F: Float> {
    output: Buffer2<F>,
    grad_input: Buffer2<F>,
}

impl<F: Float> LogSoftmax<F> {
    /// A log-softmax layer.
    pub fn new() -> Self {
        Self::default()
    }
}

impl<F: Float> Layer<F> for LogSoftmax<F> {
    fn describe(&self) -> String {
        "LogSoftmax".into()
    }
    fn output_shape(&self, input: &[usize]) -> Result<Vec<usize>> {
        Ok(input.to_vec())
    }
    fn forward<'a>(
        &'a mut self,
        input: ArrayView2<'a, F>,
        _mode: Mode,
    ) -> Result<ArrayView2<'a, F>> {
        self.output.resize(input.nrows(), input.ncols());
        log_softmax_rows(input, self.output.view_mut());
        Ok(self.output.view())
    }
    fn backward<'a>(&'a mut self, grad_output: ArrayView2<'a, F>) -> Result<ArrayView2<'a, F>> {
        check_grad_shape(&|| self.describe(), &grad_output, self.output.dim())?;
        let (r, c) = self.output.dim();
        self.grad_input.resize(r, c);
        let lp = self.output.view();
        for ((mut gi, go), lp) in self
            .grad_input
            .view_mut()
            .axis_iter_mut(Axis(0))
            .zip(grad_output.axis_iter(Axis(0)))
            .zip(lp.axis_iter(Axis(0)))
        {
            let total: F = go.sum();
            for ((g, &d), &l) in gi.iter_mut().zip(go).zip(lp) {
                *g = d - l.exp() * total;
            }
        }
        Ok(self.grad_input.view())
    }
}

//! Layer normalisation over the feature axis.

use ndarray::{Array1, Array2, ArrayView2, Axis};

use super::deeplift_rule::plain_gradient;
use super::layer::{check_flat_input, check_grad_shape, check_width};
use super::{Layer, Mode, ParamKind, Parameter, Visitor, VisitorMut};
use crate::linalg::Buffer2;
use crate::{Error, Float, Result};

/// `nn.LayerNorm(width)`: each row is normalised by its own mean and biased variance, then
/// scaled and shifted by the learned `weight` and `bias`. The same in train and eval mode.
///
/// ```
/// use tuneup::prelude::*;
/// let mut ln = LayerNorm::<f64>::new(3).unwrap();
/// let x = ndarray::array![[1.0, 2.0, 3.0]];
/// let y = ln.forward(x.view(), Mode::Eval).unwrap();
/// assert!(y.sum().abs() < 1e-12);
/// assert!(LayerNorm::<f64>::new(0).is_err());
/// ```
#[derive(Debug, Clone)]
pub struct LayerNorm<F: Float> {
    width: usize,
    eps: f64,
    weight: Option<Parameter<F>>,
    bias: Option<Parameter<F>>,
    normalized: Buffer2<F>,
    inv_std: Vec<F>,
    output: Buffer2<F>,
    grad_input: Buffer2<F>,
}

impl<F: Float> LayerNorm<F> {
    /// Layer norm with PyTorch's defaults: eps = 1e-5, affine.
    pub fn new(width: usize) -> Result<Self> {
        Self::with_options(width, 1e-5, true)
    }

    /// Layer norm with explicit `eps` (> 0) and affine flag.
    pub fn with_options(width: usize, eps: f64, affine: bool) -> Result<Self> {
        if width == 0 {
            return Err(Error::config("LayerNorm.normalized_shape", 0, "at least 1"));
        }
        if !(eps.is_finite() && eps > 0.0) {
            return Err(Error::config("LayerNorm.eps", eps, "a finite number > 0"));
        }
        Ok(LayerNorm {
            width,
            eps,
            weight: affine
                .then(|| Parameter::new("weight", Array1::ones(width).into_dyn(), ParamKind::Norm)),
            bias: affine
                .then(|| Parameter::new("bias", Array1::zeros(width).into_dyn(), ParamKind::Norm)),
            normalized: Buffer2::default(),
            inv_std: Vec::new(),
            output: Buffer2::default(),
            grad_input: Buffer2::default(),
        })
    }
}

impl<F: Float> Layer<F> for LayerNorm<F> {
    fn describe(&self) -> String {
        format!("LayerNorm({})", self.width)
    }

    fn output_shape(&self, input: &[usize]) -> Result<Vec<usize>> {
        check_flat_input(&|| self.describe(), input, self.width)?;
        Ok(vec![self.width])
    }

    fn forward<'a>(
        &'a mut self,
        input: ArrayView2<'a, F>,
        _mode: Mode,
    ) -> Result<ArrayView2<'a, F>> {
        check_width(&|| self.describe(), "input", &input, self.width)?;
        let (n, d) = input.dim();
        self.normalized.resize(n, d);
        self.output.resize(n, d);
        if self.inv_std.len() < n {
            self.inv_std.resize(n, F::zero());
        }
        let df = F::from_count(d);
        let eps = F::cast(self.eps);
        let gamma = self.weight.as_ref().map(|w| w.value_slice());
        let beta = self.bias.as_ref().map(|b| b.value_slice());
        for (((x, mut xh), mut y), inv) in input
            .axis_iter(Axis(0))
            .zip(self.normalized.view_mut().axis_iter_mut(Axis(0)))
            .zip(self.output.view_mut().axis_iter_mut(Axis(0)))
            .zip(self.inv_std.iter_mut())
        {
            let mean = x.sum() / df;
            let var = x.iter().map(|&v| (v - mean) * (v - mean)).sum::<F>() / df;
            *inv = F::one() / (var + eps).sqrt();
            for j in 0..d {
                xh[j] = (x[j] - mean) * *inv;
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

    /// The ordinary gradient: captum's DeepLIFT does not rescale normalisations.
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
    }

    fn visit_mut(&mut self, visitor: &mut dyn VisitorMut<F>) {
        if let Some(w) = &mut self.weight {
            visitor.parameter(w);
        }
        if let Some(b) = &mut self.bias {
            visitor.parameter(b);
        }
    }
}

impl<F: Float> LayerNorm<F> {
    /// Back-propagates, adding parameter gradients only when `parameters` is set.
    fn backward_with<'a>(
        &'a mut self,
        grad_output: ArrayView2<'a, F>,
        parameters: bool,
    ) -> Result<ArrayView2<'a, F>> {
        check_grad_shape(&|| self.describe(), &grad_output, self.output.dim())?;
        let (n, d) = grad_output.dim();
        let df = F::from_count(d);
        let xh = self.normalized.view();
        if let Some(w) = self
            .weight
            .as_mut()
            .filter(|w| parameters && !w.is_frozen())
        {
            let (_, g) = w.value_and_grad_slices_mut();
            for (dy, xh) in grad_output.axis_iter(Axis(0)).zip(xh.axis_iter(Axis(0))) {
                for j in 0..d {
                    g[j] += dy[j] * xh[j];
                }
            }
        }
        if let Some(b) = self.bias.as_mut().filter(|b| parameters && !b.is_frozen()) {
            let (_, g) = b.value_and_grad_slices_mut();
            for dy in grad_output.axis_iter(Axis(0)) {
                for j in 0..d {
                    g[j] += dy[j];
                }
            }
        }
        let gamma = self.weight.as_ref().map(|w| w.value_slice());
        self.grad_input.resize(n, d);
        for (((mut gi, dy), xh), &inv) in self
            .grad_input
            .view_mut()
            .axis_iter_mut(Axis(0))
            .zip(grad_output.axis_iter(Axis(0)))
            .zip(xh.axis_iter(Axis(0)))
            .zip(self.inv_std.iter())
        {
            // g = dy·γ; dx = inv/d · (d·g − Σg − x̂·Σ(g·x̂))
            let mut sum_g = F::zero();
            let mut sum_gx = F::zero();
            for j in 0..d {
                let g = dy[j] * gamma.map_or(F::one(), |w| w[j]);
                sum_g += g;
                sum_gx += g * xh[j];
            }
            for j in 0..d {
                let g = dy[j] * gamma.map_or(F::one(), |w| w[j]);
                gi[j] = inv * (g - sum_g / df - xh[j] * sum_gx / df);
            }
        }
        Ok(self.grad_input.view())
    }
}

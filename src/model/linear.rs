//! The dense layer `y = act(x Wᵀ + b)`.

use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::deeplift_rule::{check_multipliers, halves, rescale};
use super::layer::{check_flat_input, check_grad_shape, check_width};
use super::{Activation, Init, Layer, Mode, ParamKind, Parameter, Visitor, VisitorMut};
use crate::linalg::{gemm_with_precision, Buffer2, GemmWorkspace, Precision, PrecisionWorkspace};
use crate::{Error, Float, Result};

/// A fully connected layer, `y = act(x Wᵀ + b)`, with the weight in PyTorch's `out × in`
/// layout and an optional fused activation.
///
/// Fusing the activation (see [`Linear::with_activation`]) applies bias and activation in the
/// pass that leaves the matrix product, and their derivatives in one pass on the way back. In
/// a PyTorch `nn.Sequential` it stands for two modules (`Linear` then the activation), so its
/// parameters keep PyTorch's names.
///
/// ```
/// use tuneup::prelude::*;
/// use ndarray::array;
/// let mut layer = Linear::<f64>::from_weights(array![[1.0, -1.0]], Some(array![0.5])).unwrap();
/// let x = array![[2.0, 1.0]];
/// let y = layer.forward(x.view(), Mode::Eval).unwrap();
/// assert_eq!(y, array![[1.5]]);
/// ```
#[derive(Debug, Clone)]
pub struct Linear<F: Float> {
    in_features: usize,
    out_features: usize,
    weight: Parameter<F>,
    bias: Option<Parameter<F>>,
    activation: Activation,
    input: Buffer2<F>,
    pre_activation: Buffer2<F>,
    output: Buffer2<F>,
    grad_pre_activation: Buffer2<F>,
    grad_input: Buffer2<F>,
    workspace: GemmWorkspace<F>,
    /// The arithmetic of the three matrix products (forward, input and weight gradients).
    precision: Precision,
    reduced: PrecisionWorkspace,
}

impl<F: Float> Linear<F> {
    /// A layer with PyTorch's default initialisation, drawn from `seed`.
    ///
    /// ```
    /// let layer = tuneup::model::Linear::<f32>::new(784, 256, 0).unwrap();
    /// assert_eq!(tuneup::model::Layer::num_parameters(&layer), 784 * 256 + 256);
    /// ```
    pub fn new(in_features: usize, out_features: usize, seed: u64) -> Result<Self> {
        let mut rng = StdRng::seed_from_u64(seed);
        Self::from_rng(
            in_features,
            out_features,
            Init::TorchDefault,
            true,
            &mut rng,
        )
    }

    /// A layer initialised by `init` from the caller's generator, with or without bias.
    ///
    /// ```
    /// use tuneup::model::{Init, Linear, Activation};
    /// use rand::SeedableRng;
    /// let mut rng = rand::rngs::StdRng::seed_from_u64(3);
    /// let layer = Linear::<f64>::from_rng(10, 4, Init::he_for(Activation::Relu), false, &mut rng)
    ///     .unwrap();
    /// assert!(layer.bias().is_none());
    /// ```
    pub fn from_rng(
        in_features: usize,
        out_features: usize,
        init: Init,
        bias: bool,
        rng: &mut StdRng,
    ) -> Result<Self> {
        if in_features == 0 {
            return Err(Error::config("Linear.in_features", 0, "at least 1"));
        }
        if out_features == 0 {
            return Err(Error::config("Linear.out_features", 0, "at least 1"));
        }
        let weight = init.weights::<F>(out_features, in_features, rng)?;
        let bias = bias.then(|| {
            let bound = init.bias_bound(in_features);
            Array1::from_shape_simple_fn(out_features, || {
                F::cast(if bound > 0.0 {
                    rng.random_range(-bound..bound)
                } else {
                    0.0
                })
            })
        });
        Self::from_weights(weight, bias)
    }

    /// A layer with the given weight (`out × in`, PyTorch layout) and optional bias.
    ///
    /// ```
    /// use tuneup::model::Linear;
    /// use ndarray::array;
    /// let err = Linear::<f64>::from_weights(array![[1.0, 2.0]], Some(array![0.0, 1.0]));
    /// assert!(err.is_err()); // bias has 2 entries for 1 output
    /// ```
    pub fn from_weights(weight: Array2<F>, bias: Option<Array1<F>>) -> Result<Self> {
        let (out_features, in_features) = weight.dim();
        if in_features == 0 || out_features == 0 {
            return Err(Error::shape(
                "Linear::from_weights",
                "a non-empty out × in weight",
                format!("{out_features} × {in_features}"),
            ));
        }
        if let Some(b) = &bias {
            if b.len() != out_features {
                return Err(Error::shape(
                    "Linear::from_weights",
                    format!("a bias of length {out_features}"),
                    format!("length {}", b.len()),
                ));
            }
        }
        Ok(Linear {
            in_features,
            out_features,
            weight: Parameter::new("weight", weight.into_dyn(), ParamKind::Weight),
            bias: bias.map(|b| Parameter::new("bias", b.into_dyn(), ParamKind::Bias)),
            activation: Activation::Identity,
            input: Buffer2::default(),
            pre_activation: Buffer2::default(),
            output: Buffer2::default(),
            grad_pre_activation: Buffer2::default(),
            grad_input: Buffer2::default(),
            workspace: GemmWorkspace::default(),
            precision: Precision::F32,
            reduced: PrecisionWorkspace::default(),
        })
    }

    /// Fuses an activation into the layer.
    ///
    /// ```
    /// use tuneup::prelude::*;
    /// let layer = Linear::<f32>::new(4, 3, 0).unwrap().with_activation(Activation::Relu).unwrap();
    /// assert_eq!(layer.describe(), "Linear(4 → 3, relu)");
    /// ```
    pub fn with_activation(mut self, activation: Activation) -> Result<Self> {
        activation.validate()?;
        self.activation = activation;
        Ok(self)
    }

    /// Input width.
    pub fn in_features(&self) -> usize {
        self.in_features
    }

    /// Output width.
    pub fn out_features(&self) -> usize {
        self.out_features
    }

    /// The fused activation ([`Activation::Identity`] when none).
    pub fn activation(&self) -> Activation {
        self.activation
    }

    /// The weight parameter (`out × in`).
    pub fn weight(&self) -> &Parameter<F> {
        &self.weight
    }

    /// The bias parameter, if any.
    pub fn bias(&self) -> Option<&Parameter<F>> {
        self.bias.as_ref()
    }

    /// The weight parameter, mutably: its value and gradient as matrices through
    /// [`Parameter::matrix_mut`] / [`Parameter::grad_matrix_mut`] (its shape cannot change).
    ///
    /// ```
    /// use tuneup::prelude::*;
    /// let mut layer = Linear::<f64>::new(2, 1, 0)?;
    /// layer.weight_mut().matrix_mut()?.assign(&ndarray::array![[1.0, -1.0]]);
    /// if let Some(b) = layer.bias_mut() { b.value_mut().fill(0.0); }
    /// assert_eq!(layer.forward(ndarray::array![[3.0, 1.0]].view(), Mode::Eval)?, ndarray::array![[2.0]]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn weight_mut(&mut self) -> &mut Parameter<F> {
        &mut self.weight
    }

    /// The bias parameter mutably, if any.
    pub fn bias_mut(&mut self) -> Option<&mut Parameter<F>> {
        self.bias.as_mut()
    }

    fn keeps_pre_activation(&self) -> bool {
        !self.activation.derivative_from_output()
    }
}

impl<F: Float> Layer<F> for Linear<F> {
    fn describe(&self) -> String {
        match self.activation {
            Activation::Identity => format!("Linear({} → {})", self.in_features, self.out_features),
            act => format!(
                "Linear({} → {}, {act})",
                self.in_features, self.out_features
            ),
        }
    }

    fn output_shape(&self, input: &[usize]) -> Result<Vec<usize>> {
        check_flat_input(&|| self.describe(), input, self.in_features)?;
        Ok(vec![self.out_features])
    }

    fn forward<'a>(
        &'a mut self,
        input: ArrayView2<'a, F>,
        _mode: Mode,
    ) -> Result<ArrayView2<'a, F>> {
        check_width(&|| self.describe(), "input", &input, self.in_features)?;
        let batch = input.nrows();
        self.input.copy_from(input);
        self.output.resize(batch, self.out_features);
        gemm_with_precision(
            self.precision,
            F::one(),
            self.input.view(),
            self.weight.value2().t(),
            F::zero(),
            self.output.view_mut(),
            &mut self.workspace,
            &mut self.reduced,
        );
        let act = self.activation;
        let width = self.out_features;
        let keep_pre = self.keeps_pre_activation();
        let bias = self.bias.as_ref().map(|b| b.value_slice());
        let out = self.output.as_slice_mut();
        if let Some(b) = bias {
            for o_row in out.chunks_exact_mut(width) {
                o_row.iter_mut().zip(b).for_each(|(o, &bj)| *o += bj);
            }
        }
        if keep_pre {
            self.pre_activation.resize(batch, width);
            self.pre_activation.as_slice_mut().copy_from_slice(out);
        }
        act.apply_in_place(out);
        Ok(self.output.view())
    }

    fn backward<'a>(&'a mut self, grad_output: ArrayView2<'a, F>) -> Result<ArrayView2<'a, F>> {
        self.pre_activation_gradient(grad_output)?;
        self.accumulate(grad_output);
        Ok(self.input_gradient(grad_output))
    }

    fn backward_parameters(&mut self, grad_output: ArrayView2<'_, F>) -> Result<()> {
        self.pre_activation_gradient(grad_output)?;
        self.accumulate(grad_output);
        Ok(())
    }

    fn backward_overwrite<'a>(
        &'a mut self,
        grad_output: ArrayView2<'a, F>,
    ) -> Result<ArrayView2<'a, F>> {
        self.pre_activation_gradient(grad_output)?;
        self.overwrite_gradients(grad_output);
        Ok(self.input_gradient(grad_output))
    }

    fn backward_parameters_overwrite(&mut self, grad_output: ArrayView2<'_, F>) -> Result<()> {
        self.pre_activation_gradient(grad_output)?;
        self.overwrite_gradients(grad_output);
        Ok(())
    }

    fn backward_input<'a>(
        &'a mut self,
        grad_output: ArrayView2<'a, F>,
    ) -> Result<ArrayView2<'a, F>> {
        self.pre_activation_gradient(grad_output)?;
        Ok(self.input_gradient(grad_output))
    }

    fn backward_deeplift(
        &mut self,
        input: ArrayView2<'_, F>,
        grad_output: ArrayView2<'_, F>,
        eps: F,
    ) -> Result<Array2<F>> {
        let describe = || self.describe();
        check_width(&describe, "input", &input, self.in_features)?;
        halves(&describe, input)?;
        check_multipliers(&describe, grad_output, (input.nrows(), self.out_features))?;
        let weight = self.weight.value2();
        let grad_pre = match self.activation {
            Activation::Identity => grad_output.to_owned(),
            act => {
                let mut z = input.dot(&weight.t());
                if let Some(b) = &self.bias {
                    let b = ArrayView1::from(b.value_slice());
                    z.rows_mut().into_iter().for_each(|mut row| row += &b);
                }
                let y = z.mapv(|v| act.apply(v));
                rescale(&describe, act, (z.view(), y.view()), grad_output, eps)?
            }
        };
        Ok(grad_pre.dot(&weight))
    }

    fn visit(&self, visitor: &mut dyn Visitor<F>) {
        visitor.parameter(&self.weight);
        if let Some(b) = &self.bias {
            visitor.parameter(b);
        }
        visitor.matmul_precision(self.precision);
    }

    fn visit_mut(&mut self, visitor: &mut dyn VisitorMut<F>) {
        visitor.parameter(&mut self.weight);
        if let Some(b) = &mut self.bias {
            visitor.parameter(b);
        }
        visitor.matmul_precision(&mut self.precision);
    }

    fn output_activation(&self) -> Option<Activation> {
        Some(self.activation)
    }

    fn torch_modules(&self) -> usize {
        if self.activation == Activation::Identity {
            1
        } else {
            2
        }
    }
}

impl<F: Float> Linear<F> {
    /// Computes the pre-activation gradient into its buffer (unless the activation is the
    /// identity, when it is `grad_output` itself).
    fn pre_activation_gradient(&mut self, grad_output: ArrayView2<'_, F>) -> Result<()> {
        check_grad_shape(&|| self.describe(), &grad_output, self.output.dim())?;
        let act = self.activation;
        let width = self.out_features;
        if act != Activation::Identity {
            let (batch, _) = grad_output.dim();
            self.grad_pre_activation.resize(batch, width);
            let gp = self.grad_pre_activation.as_slice_mut();
            let out = self.output.as_slice();
            let rows = gp.chunks_exact_mut(width).zip(out.chunks_exact(width));
            if let (true, Some(dy)) = (act.derivative_from_output(), grad_output.as_slice()) {
                act.grad_from_output(dy, out, gp);
            } else if act.derivative_from_output() {
                for ((gp_row, o_row), go_row) in rows.zip(grad_output.rows()) {
                    for ((g, &y), &go) in gp_row.iter_mut().zip(o_row).zip(go_row) {
                        *g = go * act.derivative_of_output(y);
                    }
                }
            } else {
                let pre = self.pre_activation.as_slice();
                for (((gp_row, o_row), p_row), go_row) in
                    rows.zip(pre.chunks_exact(width)).zip(grad_output.rows())
                {
                    for (((g, &y), &z), &go) in gp_row.iter_mut().zip(o_row).zip(p_row).zip(go_row)
                    {
                        *g = go * act.derivative(z, y);
                    }
                }
            }
        }
        Ok(())
    }

    /// `∂L/∂x = ∂L/∂z · W`, into the input-gradient buffer.
    fn input_gradient<'a>(&'a mut self, grad_output: ArrayView2<'a, F>) -> ArrayView2<'a, F> {
        let rows = grad_output.nrows();
        self.grad_input.resize(rows, self.in_features);
        let grad_pre = if self.activation == Activation::Identity {
            grad_output
        } else {
            self.grad_pre_activation.view()
        };
        gemm_with_precision(
            self.precision,
            F::one(),
            grad_pre,
            self.weight.value2(),
            F::zero(),
            self.grad_input.view_mut(),
            &mut self.workspace,
            &mut self.reduced,
        );
        self.grad_input.view()
    }

    /// Adds the weight and bias gradients (of unfrozen parameters), once the pre-activation
    /// gradient is known.
    fn accumulate(&mut self, grad_output: ArrayView2<'_, F>) {
        self.weight_and_bias_gradients(grad_output, F::one());
    }

    /// Writes the weight and bias gradients: [`Layer::zero_grad`] then
    /// [`accumulate`](Self::accumulate), without reading the old gradients.
    fn overwrite_gradients(&mut self, grad_output: ArrayView2<'_, F>) {
        if self.weight.is_frozen() {
            self.weight.zero_grad();
        }
        if let Some(bias) = &mut self.bias {
            bias.zero_grad();
        }
        self.weight_and_bias_gradients(grad_output, F::zero());
    }

    /// `weight.grad = beta · weight.grad + δᵀ · input` (a β of 0 reads nothing of the old
    /// gradient) and `bias.grad += Σ δ`, for unfrozen parameters; δ is the pre-activation
    /// gradient.
    fn weight_and_bias_gradients(&mut self, grad_output: ArrayView2<'_, F>, beta: F) {
        let grad_pre = if self.activation == Activation::Identity {
            grad_output
        } else {
            self.grad_pre_activation.view()
        };
        if !self.weight.is_frozen() {
            gemm_with_precision(
                self.precision,
                F::one(),
                grad_pre.t(),
                self.input.view(),
                beta,
                self.weight.grad2_mut(),
                &mut self.workspace,
                &mut self.reduced,
            );
        }
        if let Some(bias) = self.bias.as_mut().filter(|b| !b.is_frozen()) {
            let (_, grad) = bias.value_and_grad_slices_mut();
            for row in grad_pre.axis_iter(Axis(0)) {
                for (g, &d) in grad.iter_mut().zip(row) {
                    *g += d;
                }
            }
        }
    }
}

//! What `Conv1d` and `Conv2d` share: the weight and bias, their PyTorch initialisation, and
//! the forward / backward passes over the core.

use ndarray::{Array1, ArrayView2, IxDyn};
use rand::rngs::StdRng;
use rand::Rng;

use super::conv_core::ConvCore;
use super::conv_geometry::ConvGeometry;
use super::layer::check_width;
use super::{Init, ParamKind, Parameter, Visitor, VisitorMut};
use crate::{Error, Float, Result};

/// A convolution's parameters and buffers.
#[derive(Debug, Clone)]
pub(crate) struct ConvParams<F: Float> {
    pub weight: Parameter<F>,
    pub bias: Option<Parameter<F>>,
    pub core: ConvCore<F>,
}

impl<F: Float> ConvParams<F> {
    /// Weight of `weight_shape` (`O × C/groups × kernel…`) drawn by `init` with
    /// fan-in (C/groups)·∏kernel, as PyTorch's `reset_parameters`, and the bias from the
    /// same bound (U(−1/√fan_in, 1/√fan_in) for [`Init::TorchDefault`]).
    pub(crate) fn init(
        geometry: ConvGeometry,
        weight_shape: &[usize],
        init: Init,
        bias: bool,
        rng: &mut StdRng,
    ) -> Result<Self> {
        let fan_in = geometry.patch();
        let weight = init
            .weights::<F>(geometry.out_channels, fan_in, rng)?
            .into_shape_with_order(IxDyn(weight_shape))
            .map_err(|e| Error::shape("convolution weight", "O × patch values", e))?;
        let bias = bias.then(|| {
            let bound = init.bias_bound(fan_in);
            Array1::from_shape_simple_fn(geometry.out_channels, || {
                F::cast(if bound > 0.0 {
                    rng.random_range(-bound..bound)
                } else {
                    0.0
                })
            })
            .into_dyn()
        });
        Ok(ConvParams {
            weight: Parameter::new("weight", weight, ParamKind::Weight),
            bias: bias.map(|b| Parameter::new("bias", b, ParamKind::Bias)),
            core: ConvCore::new(geometry),
        })
    }

    pub(crate) fn forward<'a>(
        &'a mut self,
        describe: &dyn Fn() -> String,
        input: ArrayView2<'a, F>,
    ) -> Result<ArrayView2<'a, F>> {
        check_width(describe, "input", &input, self.core.geometry.in_size())?;
        let bias = self.bias.as_ref().map(|b| b.value_slice());
        Ok(self.core.forward(input, self.weight.value_slice(), bias))
    }

    pub(crate) fn backward<'a>(
        &'a mut self,
        describe: &dyn Fn() -> String,
        grad_output: ArrayView2<'a, F>,
        parameters: bool,
        input: bool,
    ) -> Result<Option<ArrayView2<'a, F>>> {
        self.core.backward(
            describe,
            grad_output,
            &mut self.weight,
            self.bias.as_mut(),
            parameters,
            input,
        )
    }

    /// The input gradient (adding parameter gradients when `parameters` is set): what
    /// `backward` and `backward_input` of every convolution return.
    pub(crate) fn input_gradient<'a>(
        &'a mut self,
        describe: &dyn Fn() -> String,
        grad_output: ArrayView2<'a, F>,
        parameters: bool,
    ) -> Result<ArrayView2<'a, F>> {
        self.backward(describe, grad_output, parameters, true)?
            .ok_or_else(|| crate::Error::state(describe(), "no input gradient was computed"))
    }

    pub(crate) fn visit(&self, visitor: &mut dyn Visitor<F>) {
        visitor.parameter(&self.weight);
        if let Some(b) = &self.bias {
            visitor.parameter(b);
        }
    }

    pub(crate) fn visit_mut(&mut self, visitor: &mut dyn VisitorMut<F>) {
        visitor.parameter(&mut self.weight);
        if let Some(b) = &mut self.bias {
            visitor.parameter(b);
        }
    }
}

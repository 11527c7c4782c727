//! Residual (skip) connections.

use ndarray::{Array2, ArrayView2};

use super::deeplift_rule::check_multipliers;
use super::layer::{check_flat_input, check_grad_shape};
use super::{Init, Layer, Linear, Mode, Visitor, VisitorMut};
use crate::linalg::Buffer2;
use crate::{Error, Float, Result};

/// `y = f(x) + x`, or `y = f(x) + P x` with a learned bias-free projection `P` when `f`
/// changes the width. Gradients flow through both paths, which is what lets deep stacks train.
///
/// Parameter names are `body.…` for `f` and `projection.weight` for `P`.
///
/// ```
/// use tuneup::prelude::*;
/// let body = Linear::<f64>::new(4, 4, 0).unwrap().with_activation(Activation::Relu).unwrap();
/// let mut block = Residual::new(body, 4).unwrap();
/// let x = ndarray::Array2::<f64>::zeros((2, 4));
/// assert_eq!(block.forward(x.view(), Mode::Train).unwrap().dim(), (2, 4));
///
/// let wider = Linear::<f64>::new(4, 6, 0).unwrap();
/// assert!(Residual::new(wider.clone(), 4).is_err()); // widths differ: needs a projection
/// let block = Residual::with_projection(wider, 4, 1).unwrap();
/// assert_eq!(block.output_width(4).unwrap(), 6);
/// ```
#[derive(Clone)]
pub struct Residual<F: Float> {
    body: Box<dyn Layer<F>>,
    projection: Option<Linear<F>>,
    in_width: usize,
    out_width: usize,
    output: Buffer2<F>,
    grad_input: Buffer2<F>,
}

impl<F: Float> std::fmt::Debug for Residual<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

impl<F: Float> Residual<F> {
    /// `x + body(x)` for inputs of `width` columns; `body` must keep the width.
    pub fn new(body: impl Layer<F> + 'static, width: usize) -> Result<Self> {
        let out = body.output_width(width)?;
        if out != width {
            return Err(Error::shape(
                "Residual",
                format!("a body that keeps the width {width} (or use Residual::with_projection)"),
                format!("a body of output width {out}"),
            ));
        }
        Ok(Self::assemble(Box::new(body), None, width, out))
    }

    /// `P x + body(x)`, with `P` a bias-free linear projection from `in_width` to the body's
    /// output width (PyTorch-default initialisation drawn from `seed`).
    pub fn with_projection(
        body: impl Layer<F> + 'static,
        in_width: usize,
        seed: u64,
    ) -> Result<Self> {
        let out = body.output_width(in_width)?;
        let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(seed);
        let projection = Linear::from_rng(in_width, out, Init::TorchDefault, false, &mut rng)?;
        Ok(Self::assemble(
            Box::new(body),
            Some(projection),
            in_width,
            out,
        ))
    }

    fn assemble(
        mut body: Box<dyn Layer<F>>,
        mut projection: Option<Linear<F>>,
        in_width: usize,
        out_width: usize,
    ) -> Self {
        body.prefix_names("body.");
        if let Some(p) = &mut projection {
            p.prefix_names("projection.");
        }
        Residual {
            body,
            projection,
            in_width,
            out_width,
            output: Buffer2::default(),
            grad_input: Buffer2::default(),
        }
    }
}

impl<F: Float> Layer<F> for Residual<F> {
    fn describe(&self) -> String {
        match &self.projection {
            Some(_) => format!(
                "Residual({} → {}, projected; {})",
                self.in_width,
                self.out_width,
                self.body.describe()
            ),
            None => format!("Residual({})", self.body.describe()),
        }
    }

    fn output_shape(&self, input: &[usize]) -> Result<Vec<usize>> {
        check_flat_input(&|| self.describe(), input, self.in_width)?;
        match &self.projection {
            // The skip adds the input itself, so the body's shape (C × H × W for a
            // convolutional body) is the block's.
            None => self.body.output_shape(input),
            Some(_) => Ok(vec![self.out_width]),
        }
    }

    fn forward<'a>(
        &'a mut self,
        input: ArrayView2<'a, F>,
        mode: Mode,
    ) -> Result<ArrayView2<'a, F>> {
        check_flat_input(&|| self.describe(), &[input.ncols()], self.in_width)?;
        let body_out = self
            .body
            .forward(input, mode)
            .map_err(|e| e.within("Residual body"))?;
        self.output.copy_from(body_out);
        match &mut self.projection {
            Some(p) => {
                let skip = p.forward(input, mode)?;
                self.output.view_mut().zip_mut_with(&skip, |y, &s| *y += s);
            }
            None => self.output.view_mut().zip_mut_with(&input, |y, &s| *y += s),
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

    /// The body's rule plus the skip path (the identity, or the projection's linear rule).
    fn backward_deeplift(
        &mut self,
        input: ArrayView2<'_, F>,
        grad_output: ArrayView2<'_, F>,
        eps: F,
    ) -> Result<Array2<F>> {
        let describe = || self.describe();
        check_flat_input(&describe, &[input.ncols()], self.in_width)?;
        check_multipliers(&describe, grad_output, (input.nrows(), self.out_width))?;
        let mut grad = self
            .body
            .backward_deeplift(input, grad_output, eps)
            .map_err(|e| e.within("Residual body"))?;
        match &mut self.projection {
            Some(p) => grad += &p.backward_deeplift(input, grad_output, eps)?,
            None => grad += &grad_output,
        }
        Ok(grad)
    }

    fn visit(&self, visitor: &mut dyn Visitor<F>) {
        self.body.visit(visitor);
        if let Some(p) = &self.projection {
            p.visit(visitor);
        }
    }

    fn visit_mut(&mut self, visitor: &mut dyn VisitorMut<F>) {
        self.body.visit_mut(visitor);
        if let Some(p) = &mut self.projection {
            p.visit_mut(visitor);
        }
    }
}

impl<F: Float> Residual<F> {
    /// The gradient through the body plus the skip path; parameter gradients are added only
    /// when `parameters` is set.
    fn backward_with<'a>(
        &'a mut self,
        grad_output: ArrayView2<'a, F>,
        parameters: bool,
    ) -> Result<ArrayView2<'a, F>> {
        check_grad_shape(&|| self.describe(), &grad_output, self.output.dim())?;
        let through_body = if parameters {
            self.body.backward(grad_output)
        } else {
            self.body.backward_input(grad_output)
        };
        self.grad_input
            .copy_from(through_body.map_err(|e| e.within("Residual body"))?);
        match &mut self.projection {
            Some(p) => {
                let skip = if parameters {
                    p.backward(grad_output)?
                } else {
                    p.backward_input(grad_output)?
                };
                self.grad_input
                    .view_mut()
                    .zip_mut_with(&skip, |g, &s| *g += s);
            }
            None => self
                .grad_input
                .view_mut()
                .zip_mut_with(&grad_output, |g, &s| *g += s),
        }
        Ok(self.grad_input.view())
    }
}

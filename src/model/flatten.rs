//! `nn.Flatten`: per-sample shapes collapse to one width; the data is untouched.

use ndarray::ArrayView2;

use super::layer::{check_grad_shape, describe_shape};
use super::{Layer, Mode};
use crate::{Error, Float, Result};

/// `nn.Flatten()`: turns a per-sample shape such as `[C, H, W]` into `[C·H·W]`, so dense
/// layers can follow convolutions. Rows are already flattened images, so forward and backward
/// pass their arguments through without copying.
///
/// ```
/// use tuneup::prelude::*;
/// let mut flat = Flatten::new();
/// assert_eq!(Layer::<f32>::output_shape(&flat, &[16, 4, 4])?, [256]);
/// let x = ndarray::Array2::<f32>::ones((2, 6));
/// assert_eq!(flat.forward(x.view(), Mode::Eval)?, x);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Flatten {
    last: (usize, usize),
}

impl Flatten {
    /// A flatten layer.
    pub fn new() -> Self {
        Flatten::default()
    }
}

impl<F: Float> Layer<F> for Flatten {
    fn describe(&self) -> String {
        "Flatten".into()
    }

    fn output_shape(&self, input: &[usize]) -> Result<Vec<usize>> {
        let size = input.iter().try_fold(1usize, |n, &d| n.checked_mul(d));
        size.map(|n| vec![n]).ok_or_else(|| {
            Error::shape(
                "Flatten",
                "a shape that fits in memory",
                describe_shape(input),
            )
        })
    }

    fn forward<'a>(
        &'a mut self,
        input: ArrayView2<'a, F>,
        _mode: Mode,
    ) -> Result<ArrayView2<'a, F>> {
        self.last = input.dim();
        Ok(input)
    }

    fn backward<'a>(&'a mut self, grad_output: ArrayView2<'a, F>) -> Result<ArrayView2<'a, F>> {
        check_grad_shape(&|| "Flatten".to_string(), &grad_output, self.last)?;
        Ok(grad_output)
    }
}

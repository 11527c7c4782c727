//! Setting and reading the arithmetic of a model's matrix products (mixed precision).

use super::{Layer, Visitor, VisitorMut};
use crate::linalg::Precision;
use crate::{Float, Result};

struct SetPrecision {
    precision: Precision,
    layers: usize,
}

impl<F: Float> VisitorMut<F> for SetPrecision {
    fn matmul_precision(&mut self, precision: &mut Precision) {
        *precision = self.precision;
        self.layers += 1;
    }
}

struct ReadPrecision(Vec<Precision>);

impl<F: Float> Visitor<F> for ReadPrecision {
    fn matmul_precision(&mut self, precision: Precision) {
        self.0.push(precision);
    }
}

/// Sets the arithmetic of every matrix product of `model` that can run in reduced precision
/// (each `Linear`'s forward product and both gradient products; see [`Precision`]) and returns
/// how many layers took it. Convolutions and the other layers compute at the model's own
/// precision.
///
/// Errors: a reduced precision on a model that is not `f32` ([`Error::Config`]); the model is
/// left as it was.
///
/// [`Error::Config`]: crate::Error::Config
///
/// ```
/// use tuneup::prelude::*;
/// use tuneup::linalg::Precision;
/// use tuneup::model::{matmul_precisions, set_matmul_precision};
/// let mut net = Mlp::new(&[4, 8, 2]).build::<f32>()?;
/// assert_eq!(set_matmul_precision(&mut net, Precision::Bf16)?, 2);
/// assert_eq!(matmul_precisions(&net), vec![Precision::Bf16; 2]);
/// let mut wide = Mlp::new(&[4, 2]).build::<f64>()?;
/// assert!(set_matmul_precision(&mut wide, Precision::Bf16).is_err());
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn set_matmul_precision<F: Float>(
    model: &mut dyn Layer<F>,
    precision: Precision,
) -> Result<usize> {
    precision.check::<F>("set_matmul_precision")?;
    let mut set = SetPrecision {
        precision,
        layers: 0,
    };
    model.visit_mut(&mut set);
    Ok(set.layers)
}

/// The arithmetic of each layer of `model` whose matrix products can run in reduced
/// precision, in visiting order.
///
/// ```
/// use tuneup::prelude::*;
/// use tuneup::linalg::Precision;
/// let net = Mlp::new(&[4, 8, 2]).build::<f32>()?;
/// assert_eq!(tuneup::model::matmul_precisions(&net), vec![Precision::F32; 2]);
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn matmul_precisions<F: Float>(model: &dyn Layer<F>) -> Vec<Precision> {
    let mut read = ReadPrecision(Vec::new());
    model.visit(&mut read);
    read.0
}

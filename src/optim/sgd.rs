//! Plain stochastic gradient descent.

use super::optimizer::{check_gradients_finite, check_learning_rate};
use super::Optimizer;
use crate::model::Layer;
use crate::{Float, Result};

/// Plain SGD: `θ ← θ − lr·g`.
///
/// ```
/// use tuneup::prelude::*;
/// assert!(Sgd::new(-0.1).is_err());
/// assert!(Sgd::new(f64::NAN).is_err());
/// assert_eq!(Sgd::new(0.1).unwrap().learning_rate(), 0.1);
/// ```
#[derive(Debug, Clone)]
pub struct Sgd {
    lr: f64,
}

impl Sgd {
    /// SGD with learning rate `lr` (finite, ≥ 0).
    pub fn new(lr: f64) -> Result<Self> {
        check_learning_rate("Sgd", lr)?;
        Ok(Sgd { lr })
    }

    /// The learning rate (also available through [`Optimizer::learning_rate`]).
    pub fn learning_rate(&self) -> f64 {
        self.lr
    }
}

impl<F: Float> Optimizer<F> for Sgd {
    fn step(&mut self, model: &mut dyn Layer<F>) -> Result<()> {
        check_gradients_finite(model, "SGD step")?;
        let lr = F::cast(self.lr);
        model.visit_parameters_mut(&mut |p| {
            if p.is_frozen() {
                return;
            }
            let (value, grad) = p.value_and_grad_mut();
            for (v, &g) in value.iter_mut().zip(grad) {
                *v -= lr * g;
            }
        });
        Ok(())
    }

    fn learning_rate(&self) -> f64 {
        self.lr
    }

    fn set_learning_rate(&mut self, lr: f64) -> Result<()> {
        check_learning_rate("Sgd", lr)?;
        self.lr = lr;
        Ok(())
    }
}

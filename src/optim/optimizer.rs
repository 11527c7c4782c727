//! The `Optimizer` trait.

use crate::model::Layer;
use crate::{Error, Float, Result};

/// Updates a model's parameters from their accumulated gradients.
///
/// A step that meets a NaN or infinite gradient returns an error and changes nothing: every
/// parameter and all optimizer state stay exactly as before the call. Frozen parameters are
/// skipped.
///
/// ```
/// use tuneup::prelude::*;
/// let mut net = Mlp::new(&[2, 1]).build::<f64>().unwrap();
/// let mut sgd = Sgd::new(0.1).unwrap();
/// net.visit_parameters_mut(&mut |p| p.grad_mut().fill(1.0));
/// let before = net.predict(ndarray::array![[0.0, 0.0]].view()).unwrap()[[0, 0]];
/// sgd.step(&mut net).unwrap();
/// let after = net.predict(ndarray::array![[0.0, 0.0]].view()).unwrap()[[0, 0]];
/// assert!((before - after - 0.1).abs() < 1e-12); // the bias moved by −lr·1
/// ```
pub trait Optimizer<F: Float> {
    /// Applies one update to every unfrozen parameter of `model`.
    fn step(&mut self, model: &mut dyn Layer<F>) -> Result<()>;

    /// The current learning rate.
    fn learning_rate(&self) -> f64;

    /// Sets the learning rate (schedules call this); it must be finite and ≥ 0.
    fn set_learning_rate(&mut self, lr: f64) -> Result<()>;
}

/// Fails with [`Error::NonFinite`] naming the first parameter whose gradient holds NaN or ∞.
///
/// ```
/// use tuneup::prelude::*;
/// let mut net = Mlp::new(&[2, 1]).build::<f64>().unwrap();
/// net.visit_parameters_mut(&mut |p| p.grad_mut().fill(f64::NAN));
/// assert!(tuneup::optim::check_gradients_finite(&net, "SGD step").is_err());
/// ```
pub fn check_gradients_finite<F: Float>(model: &dyn Layer<F>, context: &str) -> Result<()> {
    let mut bad: Option<Error> = None;
    model.visit_parameters(&mut |p| {
        if bad.is_some() || p.is_frozen() {
            return;
        }
        if let Some((i, g)) = p.grad_slice().iter().enumerate().find(|(_, g)| !g.is_finite()) {
            bad = Some(Error::non_finite(
                context,
                format!("gradient of {} has {g} at flat index {i}; no parameter was changed", p.name()),
            ));
        }
    });
    bad.map_or(Ok(()), Err)
}

/// Checks a learning rate: finite and ≥ 0.
pub(crate) fn check_learning_rate(owner: &str, lr: f64) -> Result<()> {
    if lr.is_finite() && lr >= 0.0 {
        Ok(())
    } else {
        Err(Error::config(format!("{owner}.lr"), lr, "a finite number ≥ 0"))
    }
}

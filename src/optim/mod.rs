//! Optimizers that update any model through its parameter visitor.

mod optimizer;
mod sgd;

pub use optimizer::{check_gradients_finite, Optimizer};
pub use sgd::Sgd;

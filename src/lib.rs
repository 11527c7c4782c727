//! # tuneup
//!
//! Train neural networks on [`ndarray`], and find and fix what goes wrong while tuning them.
//!
//! The crate is built in layers whose imports only point down: [`model`] (layers and networks,
//! knowing nothing of training), [`loss`] (losses and regularizers) and [`optim`] (optimizers),
//! which reach parameters through the model's visitor. Every part works on its own, so a
//! hand-written training loop needs nothing else:
//!
//! ```
//! use tuneup::prelude::*;
//! use ndarray::array;
//!
//! // f(x) = W₂ σ(W₁x + b₁) + b₂, trained on XOR with BCE-with-logits and an L2 penalty.
//! let mut net = Mlp::new(&[2, 8, 1]).activation(Activation::Tanh).seed(1).build::<f64>()?;
//! let x = array![[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]];
//! let y = array![[0.0], [1.0], [1.0], [0.0]];
//! let (loss, l2, mut sgd) = (BceWithLogits::new(), L2::new(1e-4)?, Sgd::new(0.5)?);
//! let mut grad = ndarray::Array2::zeros((0, 0));
//! let mut last = f64::INFINITY;
//! for _ in 0..2000 {
//!     net.zero_grad();
//!     let out = net.forward(x.view(), Mode::Train)?;
//!     last = loss.value_and_grad(out, (&y).into(), &mut grad)?;
//!     net.backward_parameters(grad.view())?;
//!     last += l2.add_gradient(&mut net);
//!     sgd.step(&mut net)?;
//! }
//! assert!(last < 0.05, "final objective {last}");
//! # Ok::<(), tuneup::Error>(())
//! ```
//!
//! Numbers are generic over `f32` (speed) and `f64` (gradient checks) through [`Float`].
//! Everything random takes a seed; one seed gives bit-identical runs on one machine.
#![deny(missing_docs)]
#![warn(rust_2018_idioms)]

pub mod data;
pub mod diagnostics;
pub mod error;
pub mod explain;
mod float;
pub mod linalg;
pub mod loss;
pub mod model;
pub mod optim;
pub mod train;

pub use error::{Error, Result};
pub use float::Float;
#[doc(hidden)]
pub use float::FloatVecs;

/// The random-number crate the seeded APIs use (`rand` 0.9), re-exported so that callers who
/// pass their own generator get the same version.
pub use rand;

/// The names most programs need.
///
/// ```
/// use tuneup::prelude::*;
/// let _net: Sequential<f32> = Mlp::new(&[4, 8, 2]).build().unwrap();
/// ```
pub mod prelude {
    pub use crate::loss::{
        Bce, BceWithLogits, CrossEntropy, ElasticNet, Huber, Loss, Mae, Mse, Reduction,
        Regularizer, Targets, L1, L2,
    };
    pub use crate::model::{
        Activation, ActivationLayer, BatchNorm1d, Dropout, Init, Layer, LayerNorm, Linear,
        LogSoftmax, Mlp, Mode, Normalization, Residual, Sequential, Softmax,
    };
    pub use crate::optim::schedule::{
        ChainedSchedule, CosineAnnealingLr, CosineAnnealingWarmRestarts, CyclicLr, ExponentialLr,
        LinearLr, LrSchedule, MultiStepLr, OneCycleLr, ReduceLrOnPlateau, SequentialLr, StepLr,
    };
    pub use crate::optim::{
        clip_grad_norm, clip_grad_value, Adagrad, Adam, AdamW, GradientAccumulator, Optimizer,
        OptimizerState, ParamGroup, RmsProp, Sgd,
    };
    pub use crate::optim::{EarlyStopping, EarlyStoppingConfig, StopDecision};
    pub use crate::{Error, Float, Result};
}

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
//! Above them, [`data`] (datasets, cleaning, resampling, augmentation), [`diagnostics`]
//! (metrics, the run record, the doctor) and [`train`]: a [`train::TrainerConfig`] holds every
//! setting of a run and builds any number of identical [`train::Trainer`]s, on any thread,
//! because models, losses, optimizers, schedules, callbacks and augmenters are all
//! `Send + Sync` and cloneable as trait objects. A layer states its per-sample output shape
//! ([`model::Layer::output_shape`]), shows its state through one visitor
//! ([`model::Layer::visit`]) and gives its input gradient on its own
//! ([`model::Layer::backward_input`], [`loss::InputGradient`]).
//!
//! Numbers are generic over `f32` (speed) and `f64` (gradient checks) through [`Float`].
//! Everything random takes a seed; one seed gives bit-identical runs on one machine.
#![deny(missing_docs)]
#![warn(rust_2018_idioms)]

pub mod compress;
pub mod data;
pub mod diagnostics;
pub mod error;
pub mod explain;
mod float;
pub mod linalg;
pub mod loss;
pub mod model;
pub mod optim;
pub mod parallel;
pub mod train;
pub mod tune;

pub use error::{Error, Result};
pub use float::Float;
#[doc(hidden)]
pub use float::FloatVecs;

/// The random-number crate the seeded APIs use (`rand` 0.9), re-exported so that callers who
/// pass their own generator get the same version.
pub use rand;

/// The array crate every API takes and returns (`ndarray` 0.17), re-exported so that callers
/// use the same version without naming it in their own `Cargo.toml`.
///
/// ```
/// let x: tuneup::ndarray::Array2<f64> = tuneup::ndarray::array![[1.0, 2.0]];
/// assert_eq!(x.ncols(), 2);
/// ```
pub use ndarray;

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

/// The names most programs need.
///
/// ```
/// use tuneup::prelude::*;
/// let _net: Sequential<f32> = Mlp::new(&[4, 8, 2]).build().unwrap();
/// ```
pub mod prelude {
    pub use crate::data::Dataset;
    pub use crate::diagnostics::metrics::Average;
    pub use crate::loss::{
        Bce, BceWithLogits, CrossEntropy, ElasticNet, Huber, Loss, Mae, Mse, Reduction,
        Regularizer, Targets, L1, L2,
    };
    pub use crate::loss::{InputGradient, OutputKind};
    pub use crate::model::{
        Activation, ActivationLayer, AdaptiveAvgPool2d, AvgPool2d, BatchNorm1d, BatchNorm2d, Cnn,
        Conv1d, Conv1dConfig, Conv2d, Conv2dConfig, DepthwiseSeparable, Dropout, Flatten, Init,
        Layer, LayerNorm, Linear, LogSoftmax, MaxPool2d, Mlp, Mode, Normalization, Padding,
        ParamKind, Parameter, Pool2dConfig, Residual, Sequential, Softmax,
    };
    pub use crate::optim::schedule::{
        AnnealStrategy, ChainedSchedule, CosineAnnealingLr, CosineAnnealingWarmRestarts,
        CyclicConfig, CyclicLr, CyclicMode, ExponentialLr, LinearLr, LrSchedule, MultiStepLr,
        OneCycleConfig, OneCycleLr, PlateauConfig, PlateauMode, ReduceLrOnPlateau, SequentialLr,
        StepLr, ThresholdMode,
    };
    pub use crate::optim::{
        clip_grad_norm, clip_grad_value, Adagrad, AdagradConfig, Adam, AdamConfig, AdamW,
        AdamWConfig, GradientAccumulator, Optimizer, OptimizerConfig, OptimizerState, ParamGroup,
        RmsProp, RmsPropConfig, Sgd, SgdConfig,
    };
    pub use crate::optim::{
        EarlyStopping, EarlyStoppingConfig, MonitorMode, StopDecision, StoppingRule,
    };
    pub use crate::train::{
        Callback, GradClip, Metric, OnDivergence, Preflight, ScheduleStep, Trainer, TrainerConfig,
    };
    pub use crate::{Error, Float, Result};
}

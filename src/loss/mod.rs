//! Losses (MSE, MAE, Huber, BCE, BCE with logits, cross-entropy, distillation) and regularizers (L1, L2,
//! elastic net). Each gives its value and its exact gradient; the objective
//! `L(θ) = (1/n) Σ L(yᵢ, ŷᵢ) + α R(θ)` is a loss plus a regularizer.

mod bce;
mod bce_with_logits;
mod cross_entropy;
mod distillation;
mod elementwise;
mod generalized_cross_entropy;
mod huber;
mod input_gradient;
mod loss_trait;
mod mae;
mod mse;
mod output_kind;
mod regularizer;
mod sample_weights;
mod targets;

pub use bce::Bce;
pub use bce_with_logits::BceWithLogits;
pub use cross_entropy::CrossEntropy;
pub use distillation::Distillation;
pub use generalized_cross_entropy::GeneralizedCrossEntropy;
pub use huber::Huber;
pub use input_gradient::{input_gradient, InputGradient};
pub(crate) use loss_trait::fit_buffer;
pub use loss_trait::{Loss, LossClone, Reduction};
pub use mae::Mae;
pub use mse::Mse;
pub use output_kind::OutputKind;
pub use regularizer::{ElasticNet, Penalty, Regularizer, RegularizerClone, L1, L2};
pub use sample_weights::check_sample_weights;
pub use targets::Targets;

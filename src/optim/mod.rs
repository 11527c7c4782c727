//! Optimizers that update any model through its parameter visitor.
//!
//! [`Sgd`], [`Adam`], [`AdamW`], [`RmsProp`] and [`Adagrad`] follow `torch.optim` (same update
//! formulas, same defaults) and share one [`Optimizer`] trait: a step that meets a non-finite
//! gradient changes nothing, per-parameter state is created on the first step and exported by
//! [`Optimizer::state`] for checkpoints, and [`ParamGroup`]s give chosen parameters their own
//! weight decay and learning-rate factor. [`clip_grad_norm`] / [`clip_grad_value`] clip
//! gradients and [`GradientAccumulator`] turns micro-batches into one large batch.
//! [`OptimizerConfig`] describes an optimizer's settings and builds fresh ones from them.

mod accumulate;
mod adagrad;
mod adam;
mod adamw;
mod clip;
mod config;
mod early_stopping;
mod engine;
mod layerwise_decay;
mod optimizer;
mod param_groups;
mod rmsprop;
pub mod schedule;
mod sgd;
mod shard;
mod state;

pub use accumulate::GradientAccumulator;
pub use adagrad::{Adagrad, AdagradConfig};
pub use adam::{Adam, AdamConfig};
pub use adamw::{AdamW, AdamWConfig};
pub use clip::{clip_grad_norm, clip_grad_value, grad_norm};
pub use config::{OptimizerConfig, OptimizerConfigClone};
pub use early_stopping::{
    EarlyStopping, EarlyStoppingConfig, MonitorMode, StopDecision, StoppingRule,
};
pub use optimizer::{check_gradients_finite, Optimizer, OptimizerClone};
pub use param_groups::ParamGroup;
pub use rmsprop::{RmsProp, RmsPropConfig};
pub use schedule::{LrSchedule, LrScheduleClone, ScheduleState};
pub use sgd::{Sgd, SgdConfig};
pub use shard::Shard;
pub use state::OptimizerState;

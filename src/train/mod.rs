//! Training: the [`Trainer`] builder that joins model, loss, regularizers, optimizer, schedule,
//! early stopping, data handling and callbacks, and the built-in callbacks.
//!
//! ```
//! use tuneup::prelude::*;
//! use tuneup::train::{Metric, Trainer};
//! use tuneup::optim::EarlyStoppingConfig;
//! use ndarray::Array2;
//!
//! // y = 1 when x₀ + x₁ > 0, on a seeded grid.
//! let x = Array2::from_shape_fn((200, 2), |(i, j)| ((i * 7 + j * 13) % 41) as f64 / 20.0 - 1.0);
//! let y: Vec<usize> = x.rows().into_iter().map(|r| usize::from(r[0] + r[1] > 0.0)).collect();
//! let mut trainer = Trainer::builder()
//!     .model(Mlp::new(&[2, 8, 2]).activation(Activation::Relu).seed(3).build::<f64>()?)
//!     .loss(CrossEntropy::new())
//!     .regularizer(L2::new(1e-4)?)
//!     .optimizer(Adam::new(0.02)?)
//!     .epochs(60)
//!     .batch_size(32)
//!     .seed(1)
//!     .validation_split(0.2)
//!     .metric(Metric::Accuracy)
//!     .early_stopping(EarlyStoppingConfig { patience: 10, ..Default::default() })
//!     .build()?;
//! let history = trainer.fit(x.view(), &y)?;
//! assert!(history.last().unwrap().get("val_accuracy").unwrap() > 0.9);
//! # Ok::<(), tuneup::Error>(())
//! ```
//!
//! Weights and checkpoints are safetensors files with PyTorch `state_dict` names, usable
//! without the Trainer: [`save_weights`] / [`load_weights`] move a model's weights to and from
//! PyTorch (`safetensors.torch.load_file` + `load_state_dict(strict=True)`), and a
//! [`Checkpoint`] keeps everything a run needs to resume bit for bit.

mod build;
mod builder;
mod callback;
pub mod callbacks;
mod checkpoint;
mod config;
#[cfg(feature = "serde")]
mod config_serde;
mod constant_baseline;
mod data_parallel;
mod diagnose;
pub mod estimators;
mod evaluate;
mod features;
mod fit;
mod fit_weighted;
mod importance_weights;
mod last_good;
mod metric;
mod preprocessing;
mod preprocessor;
mod pruned_entries;
mod random_streams;
mod remap;
mod resume;
mod safetensors_io;
mod settings;
mod state_dict;
mod step;
mod teacher;
mod trainer;

pub use builder::TrainerBuilder;
pub use callback::{Callback, CallbackClone, CallbackContext, StepContext};
#[cfg(feature = "progress")]
pub use callbacks::ProgressBar;
pub use callbacks::{
    CsvLogger, GradualPruning, GradualUnfreezing, ModelCheckpoint, ProgressLogger,
};
pub use checkpoint::Checkpoint;
pub use config::{Convergence, TrainerConfig};
pub use evaluate::Evaluation;
pub use features::Features;
pub use importance_weights::{FittedImportanceWeighting, ImportanceWeighting};
pub use metric::{Metric, OutputKind};
pub use remap::remap_state_dict;
pub use safetensors_io::{Dtype, Tensor, TensorFile};
pub use settings::{GradClip, OnDivergence, OwnedTargets, Preflight, ScheduleStep};
pub use state_dict::{
    check_state_dict, is_torch_counter, load_state_dict, load_weights, load_weights_from_bytes,
    save_weights, state_dict, weights_to_bytes, LoadOptions, LoadReport, Mismatch, StateScope,
};
pub use trainer::Trainer;

//! Built-in callbacks: a progress line per epoch ([`ProgressLogger`]; an `indicatif` bar,
//! `ProgressBar`, with the `progress` feature), a CSV logger of the history, model
//! checkpoints, a [`HealthMonitor`] feeding the doctor, [`GradualPruning`] (magnitude pruning
//! on a sparsity schedule) and ULMFiT's [`GradualUnfreezing`]. (Early stopping and the
//! learning-rate schedule are built into the [`Trainer`](super::Trainer) itself, set with
//! `early_stopping` and `schedule`, because a checkpoint must save their state with the
//! optimizer's.)

mod csv_logger;
mod gradual_pruning;
mod gradual_unfreezing;
mod health_monitor;
mod model_checkpoint;
mod progress;
#[cfg(feature = "progress")]
mod progress_bar;

pub use csv_logger::CsvLogger;
pub use gradual_pruning::GradualPruning;
pub use gradual_unfreezing::GradualUnfreezing;
pub use health_monitor::HealthMonitor;
pub use model_checkpoint::ModelCheckpoint;
pub use progress::ProgressLogger;
#[cfg(feature = "progress")]
pub use progress_bar::ProgressBar;

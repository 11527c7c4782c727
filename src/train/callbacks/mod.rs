//! Built-in callbacks: a progress line per epoch ([`ProgressLogger`]; an `indicatif` bar,
//! `ProgressBar`, with the `progress` feature), a CSV logger of the history, model
<<<<<<< HEAD
//! checkpoints, a [`HealthMonitor`] feeding the doctor and [`GradualPruning`] (magnitude pruning
//! on a sparsity schedule). (Early stopping and the
=======
//! checkpoints, a [`HealthMonitor`] feeding the doctor and ULMFiT's [`GradualUnfreezing`]. (Early stopping and the
>>>>>>> wt-transfer
//! learning-rate schedule are built into the [`Trainer`](super::Trainer) itself, set with
//! `early_stopping` and `schedule`, because a checkpoint must save their state with the
//! optimizer's.)

mod csv_logger;
<<<<<<< HEAD
mod gradual_pruning;
=======
mod gradual_unfreezing;
>>>>>>> wt-transfer
mod health_monitor;
mod model_checkpoint;
mod progress;
#[cfg(feature = "progress")]
mod progress_bar;

pub use csv_logger::CsvLogger;
<<<<<<< HEAD
pub use gradual_pruning::GradualPruning;
=======
pub use gradual_unfreezing::GradualUnfreezing;
>>>>>>> wt-transfer
pub use health_monitor::HealthMonitor;
pub use model_checkpoint::ModelCheckpoint;
pub use progress::ProgressLogger;
#[cfg(feature = "progress")]
pub use progress_bar::ProgressBar;

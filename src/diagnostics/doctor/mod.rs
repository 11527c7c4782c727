//! The training doctor: reads a run's [`History`](crate::diagnostics::history::History) and
//! further evidence, names what went wrong and prescribes the crate's remedies.
//!
//! | file | concept |
//! |---|---|
//! | `doctor.rs` | [`Doctor`], its inputs and [`TestScore`] |
//! | `settings.rs` | [`DoctorSettings`], every threshold with its default and reason |
//! | `finding.rs` | [`Diagnosis`], [`Finding`], [`Problem`], [`Severity`], [`Evidence`], [`Remedy`] |
//! | `health.rs` | [`LayerHealth`] and [`HealthLog`], per-layer statistics over epochs |
//! | `shift.rs` | [`population_stability_index`], [`ks_two_sample`], [`feature_shift`] |
//! | `curves.rs`, `gradients.rs`, `data_checks.rs` | the checks |
//! | `leakage.rs` | a feature that is the target in disguise |
//! | `preflight.rs`, `symmetry.rs` | pre-flight checks of a program (and a symmetric initialisation) |
//! | `remedies.rs` | the remedy catalogue |
//! | `ranking.rs` | remedies reordered by the evidence of the health log and the History |
//!
//! The doctor sits beside the metrics, below the Trainer: it never sees the code that wrote
//! the History, so it works as well on a hand-written loop.
//!
//! ```
//! use tuneup::diagnostics::doctor::Doctor;
//! use tuneup::diagnostics::history::{EpochRecord, History};
//! let mut h = History::new("loss", true);
//! for (e, l) in [0.7, 0.4, 0.2, 0.1, 0.05].into_iter().enumerate() {
//!     h.push(EpochRecord { epoch: e, loss: l, val_loss: Some(l * 1.1), metrics: vec![],
//!                          lr: 1e-3, grad_norm: 1.0, wall_time: 0.0 });
//! }
//! let d = Doctor::new(&h).examine()?;
//! assert_eq!(d.to_string(), "no problems found\n");
//! # Ok::<(), tuneup::Error>(())
//! ```

mod curves;
mod data_checks;
#[allow(clippy::module_inception)]
mod doctor;
mod finding;
mod gradients;
mod health;
mod label_noise;
mod leakage;
mod learning_signal;
mod outlier_rule;
mod preflight;
mod ranking;
mod remedies;
mod settings;
mod shift;
mod symmetry;

pub use doctor::{Doctor, TestScore};
pub use finding::{Diagnosis, Evidence, Finding, Problem, Remedy, Severity};
pub use health::{HealthLog, LayerHealth};
pub use settings::DoctorSettings;
pub use shift::{
    feature_shift, kolmogorov_sf, ks_two_sample, population_stability_index, FeatureShift, KsTest,
};

//! Diagnostics: measuring a model and reading what goes wrong while tuning it.
//!
//! [`metrics`] scores predictions with scikit-learn's definitions, on plain slices and
//! `ndarray` views, so they work in a hand-written loop as well as in a trainer.
//!
//! ```
//! use tuneup::diagnostics::metrics::accuracy_score;
//! assert_eq!(accuracy_score(&[0, 1, 1, 2], &[0, 1, 0, 2])?, 0.75);
//! # Ok::<(), tuneup::Error>(())
//! ```

pub mod curves;
pub mod doctor;
pub mod health;
pub mod history;
pub mod metrics;
#[cfg(feature = "plot")]
pub mod plot;

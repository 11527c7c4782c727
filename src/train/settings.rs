//! The plain settings of a training run that the Trainer and its config share: when a
//! schedule steps, what divergence does, gradient clipping, owned targets and where the
//! validation set comes from.

use ndarray::Array2;

use crate::loss::Targets;
use crate::Float;

/// When a learning-rate schedule steps.
///
/// ```
/// use tuneup::train::ScheduleStep;
/// assert_ne!(ScheduleStep::Epoch, ScheduleStep::Batch);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScheduleStep {
    /// After every epoch (`StepLR`, cosine annealing, reduce-on-plateau…).
    Epoch,
    /// After every optimizer step (one-cycle, cyclic).
    Batch,
}

/// What to do when a loss or gradient becomes NaN or infinite.
///
/// ```
/// use tuneup::train::OnDivergence;
/// assert_eq!(OnDivergence::default(), OnDivergence::Stop);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnDivergence {
    /// Restore the weights of the start of the epoch and stop, with
    /// [`StopReason::Diverged`](crate::diagnostics::history::StopReason::Diverged) (the default).
    #[default]
    Stop,
    /// Restore the weights of the start of the epoch and return [`Error::NonFinite`](crate::Error::NonFinite).
    Error,
}

/// Gradient clipping applied before each optimizer step (after the penalty gradient).
///
/// ```
/// use tuneup::train::GradClip;
/// let c = GradClip::Norm(1.0);
/// assert!(matches!(c, GradClip::Norm(n) if n == 1.0));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum GradClip {
    /// Scale all gradients so their global L2 norm is at most this (`clip_grad_norm_`).
    Norm(f64),
    /// Clamp every gradient element into `[−v, v]` (`clip_grad_value_`).
    Value(f64),
}

/// Targets owned by the trainer (an explicit validation set): a dense matrix or class indices.
///
/// ```
/// use tuneup::train::OwnedTargets;
/// let t: OwnedTargets<f64> = vec![0usize, 1, 1].into();
/// assert_eq!(t.rows(), 3);
/// let d: OwnedTargets<f64> = ndarray::Array2::zeros((4, 1)).into();
/// assert_eq!(d.rows(), 4);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum OwnedTargets<F> {
    /// One row per sample.
    Dense(Array2<F>),
    /// One class index per sample.
    Classes(Vec<usize>),
}

impl<F: Float> OwnedTargets<F> {
    /// A borrowed view for the losses.
    pub fn view(&self) -> Targets<'_, F> {
        match self {
            OwnedTargets::Dense(a) => Targets::Dense(a.view()),
            OwnedTargets::Classes(c) => Targets::Classes(c),
        }
    }
    /// Number of samples.
    pub fn rows(&self) -> usize {
        self.view().rows()
    }
}

impl<F> From<Array2<F>> for OwnedTargets<F> {
    fn from(a: Array2<F>) -> Self {
        OwnedTargets::Dense(a)
    }
}

impl<F> From<Vec<usize>> for OwnedTargets<F> {
    fn from(c: Vec<usize>) -> Self {
        OwnedTargets::Classes(c)
    }
}

/// Where the validation set comes from.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Validation<F> {
    None,
    /// A seeded split of `fit`'s data (stratified when targets are classes).
    Split(f64),
    /// An explicit set.
    Data(Array2<F>, OwnedTargets<F>),
    /// An explicit set as a table (transformed by the table preprocessing).
    Table(crate::data::Table<F>, OwnedTargets<F>),
}

/// Whether `fit` runs the doctor's pre-flight checks
/// ([`Doctor::preflight`](crate::diagnostics::doctor::Doctor::preflight)) before the first
/// epoch of a run.
///
/// ```
/// use tuneup::train::Preflight;
/// assert_eq!(Preflight::default(), Preflight::Off);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Preflight {
    /// No checks (the default).
    #[default]
    Off,
    /// Run them and keep the report ([`Trainer::preflight_report`](super::Trainer::preflight_report)),
    /// training in any case.
    Warn,
    /// Run them and refuse to train on a critical finding: `fit` returns
    /// [`Error::Value`](crate::Error::Value) with the finding and its first remedy, and the
    /// model is untouched.
    Refuse,
}

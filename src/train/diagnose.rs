//! `Trainer::diagnose`: the doctor in one call, with what the trainer already has.

use ndarray::{s, ArrayView2};

use super::callbacks::HealthMonitor;
use super::features::Features;
use super::metric::true_labels;
use super::settings::OwnedTargets;
use super::trainer::Trainer;
use crate::diagnostics::doctor::{Diagnosis, Doctor, HealthLog, TestScore};
use crate::loss::Targets;
use crate::model::Layer;
use crate::{Float, Result};

/// Rows of the training data the health snapshot measures on.
const PROBE_ROWS: usize = 256;

impl<F: Float, M: Layer<F>> Trainer<F, M> {
    /// Examines the run with the [`Doctor`]: the trainer's history, the health log of a
    /// [`HealthMonitor`] among its callbacks (or, without one, the model's health measured now
    /// on the first 256 rows of `x` with the trainer's own loss), and the training data `x`, `y`
    /// (class labels for a classifier, targets otherwise). Call it after
    /// [`fit`](Trainer::fit) with the same data.
    ///
    /// ```
    /// use tuneup::prelude::*;
    /// use tuneup::diagnostics::doctor::Problem;
    /// // A learning rate far too large: the doctor names divergence.
    /// let x = ndarray::Array2::from_shape_fn((64, 2), |(i, j)| ((i * 2 + j) as f64 * 0.3).sin());
    /// let y = ndarray::Array2::from_shape_fn((64, 1), |(i, _)| x[[i, 0]] * 3.0 - x[[i, 1]]);
    /// let mut t = Trainer::builder()
    ///     .model(Mlp::new(&[2, 16, 1]).build::<f64>()?)
    ///     .loss(Mse::new()).optimizer(Sgd::new(50.0)?).epochs(20).build()?;
    /// t.fit(x.view(), &y)?;
    /// let diagnosis = t.diagnose(x.view(), &y)?;
    /// assert!(diagnosis.findings.iter().any(|f| f.problem == Problem::Divergence));
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Shape`](crate::Error::Shape) for data the model cannot take, and the doctor's
    /// own errors.
    pub fn diagnose<'a>(
        &mut self,
        x: impl Into<Features<'a, F>>,
        y: impl Into<Targets<'a, F>>,
    ) -> Result<Diagnosis> {
        let y = y.into();
        // The doctor reads the data the model trains on (after any preprocessing).
        let x = self.model_input("Trainer::diagnose", x.into())?;
        let x = x.view();
        self.check_data("Trainer::diagnose", x, Some(y))?;
        let log = self.health_evidence(x, y)?;
        self.doctor(x, y, &log).examine()
    }

    /// [`diagnose`](Trainer::diagnose) with a held-out test set as well: its features (for
    /// train/test shift and test rows that repeat training rows), a classifier's test labels
    /// (for classes never seen in training) and, when the run had a validation set, the
    /// trainer's loss on it (for generalisation: test against validation loss).
    ///
    /// ```
    /// use tuneup::prelude::*;
    /// let x = ndarray::Array2::from_shape_fn((64, 2), |(i, j)| ((i * 2 + j) as f64 * 0.3).sin());
    /// let y = ndarray::Array2::from_shape_fn((64, 1), |(i, _)| x[[i, 0]] - x[[i, 1]]);
    /// let mut t = Trainer::builder().model(Mlp::new(&[2, 8, 1]).build::<f64>()?)
    ///     .loss(Mse::new()).optimizer(Adam::new(0.01)?).epochs(30).build()?;
    /// t.fit(x.view(), &y)?;
    /// let shifted = x.mapv(|v| v + 5.0);
    /// let d = t.diagnose_with_test(x.view(), &y, shifted.view(), &y)?;
    /// assert!(d.findings.iter().any(|f| f.problem == tuneup::diagnostics::doctor::Problem::DistributionShift));
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn diagnose_with_test<'a, 'b>(
        &mut self,
        x: impl Into<Features<'a, F>>,
        y: impl Into<Targets<'a, F>>,
        x_test: impl Into<Features<'b, F>>,
        y_test: impl Into<Targets<'b, F>>,
    ) -> Result<Diagnosis> {
        let (y, y_test, x_test) = (y.into(), y_test.into(), x_test.into());
        let x = self.model_input("Trainer::diagnose", x.into())?;
        let x = x.view();
        self.check_data("Trainer::diagnose", x, Some(y))?;
        let test = self.evaluate(x_test, y_test)?;
        let x_test = self.model_input("Trainer::diagnose", x_test)?;
        let x_test = x_test.view();
        // Generalisation compares the test loss with the validation loss, when there is one,
        // beyond the chance difference of two samples of these sizes.
        let score = match self.config.has_validation() {
            true => Some(
                TestScore::lower_is_better("loss", test.loss)
                    .with_standard_error(self.loss_difference_se(x_test, y_test)?),
            ),
            false => None,
        };
        let log = self.health_evidence(x, y)?;
        let mut doctor = self.doctor(x, y, &log).test_data(&x_test);
        if self.kind.is_classifier() {
            doctor = doctor.test_labels(&true_labels(y_test));
        }
        match score {
            Some(score) => doctor.test_score(score),
            None => doctor,
        }
        .examine()
    }

    /// The standard error of the difference between the mean loss on the test rows and on the
    /// last fit's validation rows, taking the per-row spread of the test losses for both:
    /// `sd · √(1/n_test + 1/n_val)`.
    fn loss_difference_se(&mut self, x_test: ArrayView2<'_, F>, y: Targets<'_, F>) -> Result<f64> {
        let n_val = self.ws.val_out.nrows().max(1) as f64;
        let out = self
            .model
            .forward(x_test, crate::model::Mode::Eval)?
            .to_owned();
        let n = out.nrows();
        let mut losses = Vec::with_capacity(n);
        for i in 0..n {
            let target = match y {
                Targets::Dense(t) => Targets::Dense(t.slice_move(s![i..i + 1, ..])),
                Targets::Classes(c) => Targets::Classes(&c[i..i + 1]),
            };
            losses.push(
                self.loss
                    .value(out.slice(s![i..i + 1, ..]), target)?
                    .as_f64(),
            );
        }
        let mean = losses.iter().sum::<f64>() / n.max(1) as f64;
        let var = losses.iter().map(|l| (l - mean).powi(2)).sum::<f64>() / (n.max(2) - 1) as f64;
        Ok(var.sqrt() * (1.0 / n.max(1) as f64 + 1.0 / n_val).sqrt())
    }

    /// The doctor with the history, the health log and the training data.
    fn doctor<'d>(
        &'d self,
        x: ArrayView2<'_, F>,
        y: Targets<'_, F>,
        log: &'d HealthLog,
    ) -> Doctor<'d> {
        let mut doctor = Doctor::new(&self.history).health(log).training_data(&x);
        // The constant predictor's loss under this trainer's loss (MAE's median, a weighted
        // cross-entropy's prior), not a guess from the targets alone.
        let width = self.model.output_width(x.ncols()).unwrap_or(0);
        if let Some(b) = self.constant_baseline(y, width) {
            doctor = doctor.baseline_loss(b);
        }
        match y {
            _ if self.kind.is_classifier() => doctor.class_labels(&true_labels(y)),
            Targets::Dense(t) => doctor.regression_targets(&t),
            Targets::Classes(_) => doctor,
        }
    }

    /// The health log of a monitoring callback, or a snapshot of the model's health now.
    fn health_evidence(&self, x: ArrayView2<'_, F>, y: Targets<'_, F>) -> Result<HealthLog> {
        if let Some(log) = self.callbacks.iter().find_map(|c| c.health_log()) {
            return Ok(log);
        }
        let rows = x.nrows().min(PROBE_ROWS);
        let probe_y: OwnedTargets<F> = match y {
            Targets::Dense(t) => t.slice(s![..rows, ..]).to_owned().into(),
            Targets::Classes(c) => c[..rows].to_vec().into(),
        };
        let monitor = HealthMonitor::new(
            self.loss.clone(),
            x.slice(s![..rows, ..]).to_owned(),
            probe_y,
        )?;
        monitor.snapshot(&self.model, self.completed.saturating_sub(1))
    }
}

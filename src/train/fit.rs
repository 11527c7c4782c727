//! `Trainer::fit`: data preparation, the epoch runner and the end of each epoch.

use std::time::Instant;

use ndarray::{s, Array2, ArrayView2};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;

use super::callback::{run_hook, CallbackContext, Hook};
use super::evaluate::metric_values;
use super::features::Features;
use super::random_streams::StreamSource;
use super::settings::{OnDivergence, OwnedTargets, Preflight, ScheduleStep, Validation};
use super::step::{BatchOutcome, StepPlan};
use super::trainer::{epoch_seed, gather_rows, select, select_targets, Trainer};
use crate::data::train_test_split_indices;
use crate::diagnostics::doctor::{Doctor, Severity};
use crate::diagnostics::history::{EpochRecord, History, StopReason};
use crate::loss::Targets;
use crate::model::Layer;
use crate::{Error, Float, Result};

/// What `fit` works out once, before the first epoch.
pub(crate) struct FitPlan<F> {
    /// The training rows (all rows, or those left by a validation split).
    train_idx: Vec<usize>,
    /// The validation set, if any.
    val: Option<(Array2<F>, OwnedTargets<F>)>,
    batches: usize,
    used_rows: usize,
    /// Class indices become one-hot rows (for augmenters).
    one_hot: bool,
    /// The width of the dense target matrix, if targets are dense for training.
    dense_width: Option<usize>,
}

/// How an epoch ended.
enum EpochEnd {
    /// Go on with the next epoch.
    Continue,
    /// Stop with this reason.
    Stop(StopReason),
    /// A non-finite value in batch `batch` (`batches` for the validation loss).
    Diverged {
        batch: usize,
        what: &'static str,
        value: f64,
    },
}

/// Sums over an epoch's batches.
#[derive(Default)]
struct EpochSums {
    loss: f64,
    grad_norm: f64,
    steps: usize,
}

impl<F: Float, M: Layer<F>> Trainer<F, M> {
    /// Trains on `x` (one row per sample) and `y` (a dense matrix shaped like the outputs, or
    /// class indices), running epochs [`completed_epochs`](Trainer::completed_epochs)`..`
    /// [`epochs`](Trainer::epochs), and returns the history.
    ///
    /// # Errors
    /// Before any training: [`Error::Shape`] for empty data, features and targets with
    /// different row counts, features the model cannot take or dense targets of the wrong
    /// width; [`Error::NonFinite`] naming the first row and column holding NaN or ∞ (unless
    /// `check_finite(false)`); [`Error::Value`] for a class index ≥ the output width;
    /// [`Error::Config`] (`Trainer.batch_size`) for a batch larger than the training rows
    /// with drop-last; errors of the validation split (a class with one member). During
    /// training: errors of callbacks, and [`Error::NonFinite`] on divergence with
    /// [`OnDivergence::Error`].
    pub fn fit<'a>(
        &mut self,
        x: impl Into<Features<'a, F>>,
        y: impl Into<Targets<'a, F>>,
    ) -> Result<History> {
        let (x, y) = (x.into(), y.into());
        if self.config.preprocessing.is_some() {
            return self.fit_preprocessed(x, y);
        }
        let x = x.to_matrix("Trainer::fit")?;
        self.fit_rows(x.view(), y)
    }

    /// `fit` on the rows the model takes (after any preprocessing).
    pub(crate) fn fit_rows(&mut self, x: ArrayView2<'_, F>, y: Targets<'_, F>) -> Result<History> {
        let plan = self.prepare(x, y)?;
        self.run_preflight(x, y)?;
        self.start_run()?;
        let (start, batches) = (self.completed, plan.batches);
        if let Some(name) = self.hook(Hook::TrainBegin, start, None, batches, None)? {
            return self.finish(StopReason::Callback { name, epoch: start }, batches);
        }
        for epoch in start..self.config.epochs {
            match self.run_epoch(epoch, x, y, &plan)? {
                EpochEnd::Continue => {}
                EpochEnd::Stop(reason) => return self.finish(reason, batches),
                EpochEnd::Diverged { batch, what, value } => {
                    return self.diverged(epoch, batch, what, value, batches)
                }
            }
        }
        self.finish(StopReason::EpochsDone, batches)
    }

    /// Checks the data, splits off the validation set and sizes the buffers.
    fn prepare(&mut self, x: ArrayView2<'_, F>, y: Targets<'_, F>) -> Result<FitPlan<F>> {
        let width = self.check_data("Trainer::fit", x, Some(y))?;
        super::trainer::check_several_classes("Trainer::fit", y)?;
        if let Some(teacher) = &self.teacher {
            teacher.check(x.ncols(), width, y)?;
        }
        let (train_idx, val) = self.split_validation(x, y, width)?;
        self.normalise_sample_weights(&train_idx)?;
        let n_train = train_idx.len();
        self.check_parallel_batches(n_train)?;
        let bs = self.config.batch_size;
        if self.config.drop_last && bs > n_train {
            return Err(Error::config(
                "Trainer.batch_size",
                bs,
                format!("at most {n_train} (the training rows) when drop_last is set"),
            ));
        }
        let (batches, used_rows) = if self.config.drop_last {
            (n_train / bs, (n_train / bs) * bs)
        } else {
            (n_train.div_ceil(bs), n_train)
        };
        // Augmenters take dense targets: class indices become one-hot rows of the output width.
        let one_hot = !self.augmenters.is_empty() && matches!(y, Targets::Classes(_));
        let dense_width = match y {
            Targets::Dense(t) => Some(t.ncols()),
            Targets::Classes(_) if one_hot => Some(width),
            Targets::Classes(_) => None,
        };
        let ws = &mut self.ws;
        ws.xb = Array2::zeros((bs.min(n_train), x.ncols()));
        ws.yb = Array2::zeros((bs.min(n_train), dense_width.unwrap_or(0)));
        ws.cb = Vec::with_capacity(bs);
        ws.perm = Vec::with_capacity(n_train);
        ws.train_out = if self.config.metrics.is_empty() {
            Array2::zeros((0, 0))
        } else {
            Array2::zeros((used_rows, width))
        };
        if let Some((xv, _)) = &val {
            ws.val_out = Array2::zeros((xv.nrows(), width));
        }
        Ok(FitPlan {
            train_idx,
            val,
            batches,
            used_rows,
            one_hot,
            dense_width,
        })
    }

    /// The training rows and the validation set (a seeded split, or the explicit set).
    #[allow(clippy::type_complexity)]
    fn split_validation(
        &mut self,
        x: ArrayView2<'_, F>,
        y: Targets<'_, F>,
        width: usize,
    ) -> Result<(Vec<usize>, Option<(Array2<F>, OwnedTargets<F>)>)> {
        let n = x.nrows();
        match &self.config.validation {
            Validation::None => Ok(((0..n).collect(), None)),
            Validation::Split(fraction) => {
                let strat = self.stratify_labels(y);
                let (tr, te) =
                    train_test_split_indices(n, *fraction, strat.as_deref(), self.config.seed)?;
                self.split_sample_weights(&te)?;
                Ok((tr, Some(select(&x, y, &te))))
            }
            Validation::Data(xv, yv) => {
                let explicit = (xv.clone(), yv.clone());
                self.explicit_validation(x, width, explicit)
            }
            Validation::Table(tv, yv) => {
                let context = "Trainer validation_table";
                let xv = Features::Table(tv).to_matrix(context)?.into_owned();
                let explicit = (xv, yv.clone());
                self.explicit_validation(x, width, explicit)
            }
        }
    }

    /// Every row for training and the explicit validation set, checked against the training
    /// data.
    #[allow(clippy::type_complexity)]
    fn explicit_validation(
        &mut self,
        x: ArrayView2<'_, F>,
        width: usize,
        (xv, yv): (Array2<F>, OwnedTargets<F>),
    ) -> Result<(Vec<usize>, Option<(Array2<F>, OwnedTargets<F>)>)> {
        self.ws.val_weights.clear();
        let w = self.check_data("Trainer validation_data", xv.view(), Some(yv.view()))?;
        if w != width || xv.ncols() != x.ncols() {
            return Err(Error::shape(
                "Trainer validation_data",
                format!(
                    "features with {} columns, like the training data",
                    x.ncols()
                ),
                format!("{} columns", xv.ncols()),
            ));
        }
        Ok(((0..x.nrows()).collect(), Some((xv, yv))))
    }

    /// The doctor's pre-flight checks, when asked for, before a fresh run's first epoch.
    fn run_preflight(&mut self, x: ArrayView2<'_, F>, y: Targets<'_, F>) -> Result<()> {
        if self.config.preflight == Preflight::Off || self.completed > 0 {
            return Ok(());
        }
        let report = Doctor::preflight(&self.model, &*self.loss, x, y)?;
        let critical = report
            .findings
            .iter()
            .find(|f| f.severity == Severity::Critical);
        if let (Preflight::Refuse, Some(f)) = (self.config.preflight, critical) {
            let fix = f
                .remedies
                .first()
                .map_or(String::new(), |r| format!("; fix: {r}"));
            return Err(Error::value(
                "Trainer::fit (pre-flight)",
                "a program without critical mistakes",
                format!("{}: {}{fix}", f.problem, f.summary),
            ));
        }
        self.preflight_report = Some(report);
        Ok(())
    }

    /// A fresh run (nothing completed) starts a new history; every run starts at the
    /// schedule's rate with zero gradients.
    fn start_run(&mut self) -> Result<()> {
        if self.completed == 0 {
            let minimize = self.history.minimizes();
            self.history = History::new(self.monitor.clone(), minimize);
            self.steps = 0;
            if let Some(es) = &mut self.early_stopping {
                es.reset();
            }
            if let Some(c) = &mut self.convergence {
                c.reset();
            }
        }
        if let Some(s) = &self.schedule {
            self.optimizer.set_learning_rate(s.lr())?;
        }
        self.model.zero_grad();
        self.start_parallel()
    }

    /// One epoch: its batches in the epoch's order, then its record.
    fn run_epoch(
        &mut self,
        epoch: usize,
        x: ArrayView2<'_, F>,
        y: Targets<'_, F>,
        plan: &FitPlan<F>,
    ) -> Result<EpochEnd> {
        let t0 = Instant::now();
        let batches = plan.batches;
        self.capture_weights();
        if let Some(name) = self.hook(Hook::EpochBegin, epoch, None, batches, None)? {
            return Ok(EpochEnd::Stop(StopReason::Callback { name, epoch }));
        }
        let lr = self.optimizer.learning_rate();
        self.order_rows(epoch, &plan.train_idx);
        self.clear_train_outputs();
        let mut sums = EpochSums::default();
        for b in 0..batches {
            if let Some(end) = self.run_batch(epoch, b, x, y, plan, &mut sums)? {
                return Ok(end);
            }
        }
        self.end_epoch(epoch, y, plan, sums, lr, t0)
    }

    /// Puts the training rows in epoch `epoch`'s order, drawn from `(seed, epoch)` alone.
    fn order_rows(&mut self, epoch: usize, train_idx: &[usize]) {
        self.ws.perm.clear();
        self.ws.perm.extend_from_slice(train_idx);
        if self.config.shuffle {
            let mut rng = StdRng::seed_from_u64(epoch_seed(self.config.seed, epoch));
            self.ws.perm.shuffle(&mut rng);
        }
    }

    /// Gathers, augments and trains on batch `b`; `Some` when the run must end.
    fn run_batch(
        &mut self,
        epoch: usize,
        b: usize,
        x: ArrayView2<'_, F>,
        y: Targets<'_, F>,
        plan: &FitPlan<F>,
        sums: &mut EpochSums,
    ) -> Result<Option<EpochEnd>> {
        let (batches, bs) = (plan.batches, self.config.batch_size);
        let lo = b * bs;
        let rows = (lo + bs).min(plan.train_idx.len()) - lo;
        self.gather_batch(x, y, lo, rows, plan.one_hot);
        if let Some(name) = self.hook(Hook::BatchBegin, epoch, Some(b), batches, None)? {
            return Ok(Some(EpochEnd::Stop(StopReason::Callback { name, epoch })));
        }
        // The run's batch number: what seeds augmenters and the attacked rows.
        let global_batch = (epoch * batches + b) as u64;
        self.augment_batch(rows, global_batch)?;
        let k = self.config.accumulation;
        let step = StepPlan {
            rows,
            dense: plan.dense_width.is_some(),
            epoch,
            batch: b,
            batches,
            global_batch,
            group_size: k.min(batches - (b / k) * k),
            first_of_group: b % k == 0,
            end_of_group: b % k == k - 1 || b == batches - 1,
            out_offset: (!self.config.metrics.is_empty()).then_some(lo),
        };
        match self.train_step(&step)? {
            BatchOutcome::Done {
                objective,
                grad_norm,
            } => {
                sums.loss += objective * rows as f64;
                if let Some(g) = grad_norm {
                    sums.grad_norm += g;
                    sums.steps += 1;
                }
                let stop = self.hook(Hook::BatchEnd, epoch, Some(b), batches, Some(objective))?;
                Ok(stop.map(|name| EpochEnd::Stop(StopReason::Callback { name, epoch })))
            }
            BatchOutcome::Diverged { what, value } => Ok(Some(EpochEnd::Diverged {
                batch: b,
                what,
                value,
            })),
        }
    }

    /// Copies the rows `perm[lo..lo + rows]` into the batch buffers.
    fn gather_batch(
        &mut self,
        x: ArrayView2<'_, F>,
        y: Targets<'_, F>,
        lo: usize,
        rows: usize,
        one_hot: bool,
    ) {
        let ws = &mut self.ws;
        let idx = &ws.perm[lo..lo + rows];
        gather_rows(&x, idx, &mut ws.xb);
        if !ws.sample_weights.is_empty() {
            ws.wb.clear();
            ws.wb.extend(idx.iter().map(|&i| ws.sample_weights[i]));
        }
        match y {
            Targets::Dense(t) => gather_rows(&t, idx, &mut ws.yb),
            Targets::Classes(c) if one_hot => {
                for (mut row, &i) in ws.yb.rows_mut().into_iter().zip(idx) {
                    row.fill(F::zero());
                    row[c[i]] = F::one();
                }
            }
            Targets::Classes(c) => {
                ws.cb.clear();
                ws.cb.extend(idx.iter().map(|&i| c[i]));
            }
        }
    }

    /// Runs the augmenters, in order, on the gathered batch.
    fn augment_batch(&mut self, rows: usize, global_batch: u64) -> Result<()> {
        for a in &mut self.augmenters {
            a.seek(global_batch);
            let ws = &mut self.ws;
            a.augment(
                ws.xb.slice_mut(s![..rows, ..]),
                ws.yb.slice_mut(s![..rows, ..]),
            )
            .map_err(|e| e.within(format!("Trainer::fit: augmenter {}", a.name())))?;
        }
        Ok(())
    }

    /// The epoch's record (training loss and metrics, validation), the per-epoch schedule,
    /// early stopping and the `on_epoch_end` callbacks.
    fn end_epoch(
        &mut self,
        epoch: usize,
        y: Targets<'_, F>,
        plan: &FitPlan<F>,
        sums: EpochSums,
        lr: f64,
        t0: Instant,
    ) -> Result<EpochEnd> {
        let mut metrics = Vec::with_capacity(self.config.metrics.len() * 2);
        // Data parallel: every rank validates with rank 0's buffers, on every rank's outputs.
        self.sync_buffers()?;
        if !self.config.metrics.is_empty() {
            self.gather_train_outputs()?;
            let ys = select_targets(y, &self.ws.perm[..plan.used_rows]);
            let out = self.ws.train_out.view();
            metric_values(
                &self.config.metrics,
                out,
                ys.view(),
                self.kind,
                "",
                &mut metrics,
            );
        }
        let val_loss = match self.validate_epoch(&plan.val, &mut metrics)? {
            Ok(v) => v,
            Err(value) => {
                return Ok(EpochEnd::Diverged {
                    batch: plan.batches,
                    what: "validation loss",
                    value,
                })
            }
        };
        let mut record = EpochRecord {
            epoch,
            loss: sums.loss / plan.used_rows as f64,
            val_loss,
            metrics,
            lr,
            grad_norm: if sums.steps > 0 {
                sums.grad_norm / sums.steps as f64
            } else {
                0.0
            },
            wall_time: 0.0,
        };
        self.step_epoch_schedule(&record)?;
        let mut stop = self.early_stop(epoch, &record)?;
        stop = stop.or_else(|| self.converged(epoch, &record));
        record.wall_time = t0.elapsed().as_secs_f64();
        self.history.push(record);
        self.completed = epoch + 1;
        if let Some(name) = self.hook(Hook::EpochEnd, epoch, None, plan.batches, None)? {
            stop = stop.or(Some(StopReason::Callback { name, epoch }));
        }
        Ok(stop.map_or(EpochEnd::Continue, EpochEnd::Stop))
    }

    /// The validation objective and `val_` metrics; `Err(value)` when the objective is not
    /// finite.
    #[allow(clippy::type_complexity)]
    fn validate_epoch(
        &mut self,
        val: &Option<(Array2<F>, OwnedTargets<F>)>,
        metrics: &mut Vec<(String, f64)>,
    ) -> Result<std::result::Result<Option<f64>, f64>> {
        let Some((xv, yv)) = val else {
            return Ok(Ok(None));
        };
        let mut out = std::mem::take(&mut self.ws.val_out);
        let val_weights = std::mem::take(&mut self.ws.val_weights);
        let weights = (!val_weights.is_empty()).then_some(&val_weights[..]);
        let data = self.run_eval(xv.view(), Some(yv.view()), Some(&mut out), weights);
        self.ws.val_weights = val_weights;
        let objective = data.map(|d| d + self.penalty());
        if let Ok(o) = objective {
            if o.is_finite() {
                let kind = self.kind;
                metric_values(
                    &self.config.metrics,
                    out.view(),
                    yv.view(),
                    kind,
                    "val_",
                    metrics,
                );
            }
        }
        self.ws.val_out = out;
        match objective {
            Ok(o) if o.is_finite() => Ok(Ok(Some(o))),
            Ok(o) => Ok(Err(o)),
            Err(e) => Err(e),
        }
    }

    /// Steps a per-epoch schedule (with the monitored value, when it needs one).
    fn step_epoch_schedule(&mut self, record: &EpochRecord) -> Result<()> {
        if self.config.schedule.as_ref().map(|(_, e)| *e) != Some(ScheduleStep::Epoch) {
            return Ok(());
        }
        if let Some(s) = &mut self.schedule {
            let next = if s.needs_metric() {
                s.step_with_metric(record.get(&self.monitor).unwrap_or(f64::NAN))?
            } else {
                s.step()?
            };
            self.optimizer.set_learning_rate(next)?;
        }
        Ok(())
    }

    /// The default convergence rule's decision on the epoch's training loss.
    fn converged(&mut self, epoch: usize, record: &EpochRecord) -> Option<StopReason> {
        let c = self.convergence.as_mut()?;
        match c.observe(epoch, record.loss) {
            Ok(d) if d.is_stop() => Some(StopReason::Converged { epoch }),
            _ => None,
        }
    }

    /// Early stopping's decision on the epoch's record (restoring the best weights if asked).
    fn early_stop(&mut self, epoch: usize, record: &EpochRecord) -> Result<Option<StopReason>> {
        let Some(es) = &mut self.early_stopping else {
            return Ok(None);
        };
        let value = record.get(es.monitor()).unwrap_or(f64::NAN);
        if !es.update(epoch, value, &self.model).is_stop() {
            return Ok(None);
        }
        if es.config().restore_best_weights && es.has_best_weights() {
            es.restore(&mut self.model)?;
        }
        Ok(Some(StopReason::EarlyStop { epoch }))
    }

    /// [`fit`](Trainer::fit) on a [`Dataset`](crate::data::Dataset): its features and its
    /// class labels or target values.
    ///
    /// ```
    /// use tuneup::prelude::*;
    /// use tuneup::data::Dataset;
    /// use tuneup::train::Trainer;
    /// let data = Dataset::classification(ndarray::Array2::<f64>::zeros((6, 2)), vec![0, 1, 0, 1, 0, 1])?;
    /// let mut t = Trainer::builder().model(Mlp::new(&[2, 2]).build::<f64>()?)
    ///     .loss(CrossEntropy::new()).optimizer(Sgd::new(0.1)?).epochs(2).build()?;
    /// assert_eq!(t.fit_dataset(&data)?.len(), 2);
    /// assert!(t.evaluate_dataset(&data)?.loss > 0.0);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    ///
    /// A non-finite value is reported by column name and CSV line where the dataset has
    /// them (see [`Dataset::locate`](crate::data::Dataset::locate)).
    pub fn fit_dataset(&mut self, data: &crate::data::Dataset<F>) -> Result<History> {
        if self.config.check_finite {
            super::trainer::check_dataset_finite("Trainer::fit_dataset", data)?;
        }
        self.fit(data.features(), data.loss_targets())
    }

    /// Records the stop reason, runs `on_train_end` and returns the history.
    fn finish(&mut self, reason: StopReason, batches: usize) -> Result<History> {
        self.history.set_stop_reason(reason);
        let epoch = self.completed;
        self.hook(Hook::TrainEnd, epoch, None, batches, None)?;
        Ok(self.history.clone())
    }

    /// Restores the epoch's starting weights and stops (or fails).
    fn diverged(
        &mut self,
        epoch: usize,
        batch: usize,
        what: &'static str,
        value: f64,
        batches: usize,
    ) -> Result<History> {
        self.restore_weights();
        self.model.zero_grad();
        let reason = StopReason::Diverged {
            epoch,
            batch,
            value,
            what: what.to_string(),
        };
        if self.config.on_divergence == OnDivergence::Error {
            self.history.set_stop_reason(reason.clone());
            let done = self.completed;
            self.hook(Hook::TrainEnd, done, None, batches, None)?;
            return Err(Error::non_finite(
                "Trainer::fit",
                format!("{reason}; the weights of the start of epoch {epoch} were restored"),
            ));
        }
        self.finish(reason, batches)
    }

    /// Runs the callbacks of one hook; returns the name of one that asked to stop.
    fn hook(
        &mut self,
        hook: Hook,
        epoch: usize,
        batch: Option<usize>,
        batches: usize,
        batch_loss: Option<f64>,
    ) -> Result<Option<String>> {
        // Data parallel: callbacks (logs, checkpoints) run on rank 0 and it decides for all.
        let local = if self.runs_callbacks() {
            self.run_callbacks(hook, epoch, batch, batches, batch_loss)?
        } else {
            None
        };
        self.agree_stop(local)
    }

    /// Runs this rank's callbacks of one hook.
    fn run_callbacks(
        &mut self,
        hook: Hook,
        epoch: usize,
        batch: Option<usize>,
        batches: usize,
        batch_loss: Option<f64>,
    ) -> Result<Option<String>> {
        if self.callbacks.is_empty() {
            return Ok(None);
        }
        let mut ctx = CallbackContext {
            model: &self.model,
            history: &self.history,
            optimizer: &*self.optimizer,
            schedule: self.schedule.as_deref(),
            epoch,
            epochs: self.config.epochs,
            batch,
            batches,
            batch_loss,
            completed_epochs: self.completed,
            stop: false,
            streams: StreamSource {
                seed: self.config.seed,
                augmenters: &self.augmenters,
                adversarial: self.adversarial.as_ref(),
                steps: self.steps,
            },
            grad_scaler: self.grad_scaler.as_ref(),
        };
        run_hook(&mut self.callbacks, hook, &mut ctx)
    }
}

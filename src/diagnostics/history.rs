//! The record of a training run: one row per epoch, the best epoch and why training stopped.
//!
//! A [`History`] is written by a training loop (the crate's `Trainer`, or a hand-written one)
//! and read by anything that diagnoses a run, without knowing what wrote it.

use std::fmt;
use std::fmt::Write as _;

use crate::{Error, Result};

/// Why a training run ended.
///
/// ```
/// use tuneup::diagnostics::history::StopReason;
/// let r = StopReason::EarlyStop { epoch: 12 };
/// assert_eq!(r.to_string(), "early stopping at epoch 12");
/// assert!(!r.is_diverged());
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum StopReason {
    /// Every requested epoch ran.
    EpochsDone,
    /// Early stopping ran out of patience at the end of `epoch` (counted from 0).
    EarlyStop {
        /// The epoch at whose end training stopped.
        epoch: usize,
    },
    /// The training loss stopped improving (the trainer's default convergence rule:
    /// scikit-learn's `tol` / `n_iter_no_change`) at the end of `epoch`.
    Converged {
        /// The epoch at whose end training stopped.
        epoch: usize,
    },
    /// A loss or gradient became NaN or infinite; the last good weights were restored.
    Diverged {
        /// Epoch (from 0) of the batch that diverged.
        epoch: usize,
        /// Batch (from 0, within the epoch) that diverged.
        batch: usize,
        /// The offending value (NaN or ±∞), or the loss reached when the model's output was
        /// already non-finite.
        value: f64,
        /// What was non-finite: `loss`, `gradient norm`, `prediction`, `validation loss`.
        what: String,
    },
    /// A callback asked to stop at the end of `epoch` (or during it).
    Callback {
        /// The callback's name.
        name: String,
        /// The epoch during or after which it asked.
        epoch: usize,
    },
}

impl StopReason {
    /// True for [`StopReason::Diverged`].
    ///
    /// ```
    /// use tuneup::diagnostics::history::StopReason;
    /// assert!(StopReason::Diverged { epoch: 0, batch: 3, value: f64::NAN, what: "loss".into() }.is_diverged());
    /// ```
    pub fn is_diverged(&self) -> bool {
        matches!(self, StopReason::Diverged { .. })
    }
}

impl fmt::Display for StopReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StopReason::EpochsDone => write!(f, "all epochs done"),
            StopReason::EarlyStop { epoch } => write!(f, "early stopping at epoch {epoch}"),
            StopReason::Converged { epoch } => write!(
                f,
                "converged at epoch {epoch} (the training loss stopped improving)"
            ),
            StopReason::Diverged {
                epoch,
                batch,
                value,
                what,
            } => write!(
                f,
                "diverged at epoch {epoch}, batch {batch}: {what} = {value}"
            ),
            StopReason::Callback { name, epoch } => {
                write!(f, "callback `{name}` asked to stop at epoch {epoch}")
            }
        }
    }
}

/// One epoch of a run.
///
/// Losses are the objective (data loss plus the regularization penalty, as Keras reports
/// them). `metrics` holds named values such as `accuracy` (on the training batches) and
/// `val_accuracy` (on the validation set).
///
/// ```
/// use tuneup::diagnostics::history::EpochRecord;
/// let r = EpochRecord { epoch: 0, loss: 0.7, val_loss: Some(0.8), metrics: vec![("val_accuracy".into(), 0.5)],
///                       lr: 0.1, grad_norm: 1.5, wall_time: 0.01 };
/// assert_eq!(r.get("val_loss"), Some(0.8));
/// assert_eq!(r.get("val_accuracy"), Some(0.5));
/// assert_eq!(r.get("nothing"), None);
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct EpochRecord {
    /// The epoch, counted from 0.
    pub epoch: usize,
    /// Mean training objective over the epoch's batches (weighted by batch size).
    pub loss: f64,
    /// Objective on the validation set at the end of the epoch, in eval mode.
    pub val_loss: Option<f64>,
    /// Named metrics, in the order they were configured (train ones, then `val_` ones).
    pub metrics: Vec<(String, f64)>,
    /// The learning rate at the start of the epoch.
    pub lr: f64,
    /// Mean over the epoch's optimizer steps of the global L2 norm of the gradients (before
    /// clipping).
    pub grad_norm: f64,
    /// Wall-clock seconds the epoch took (training, validation and callbacks).
    pub wall_time: f64,
}

impl EpochRecord {
    /// A value by name: `loss`, `val_loss`, `lr`, `grad_norm`, `wall_time` or a metric's name.
    pub fn get(&self, name: &str) -> Option<f64> {
        match name {
            "loss" => Some(self.loss),
            "val_loss" => self.val_loss,
            "lr" => Some(self.lr),
            "grad_norm" => Some(self.grad_norm),
            "wall_time" => Some(self.wall_time),
            _ => self
                .metrics
                .iter()
                .find(|(n, _)| n == name)
                .map(|&(_, v)| v),
        }
    }

    /// The names of every value this record holds, in column order.
    pub fn names(&self) -> Vec<String> {
        let mut names = vec!["loss".to_string()];
        if self.val_loss.is_some() {
            names.push("val_loss".to_string());
        }
        names.extend(self.metrics.iter().map(|(n, _)| n.clone()));
        names.extend(["lr", "grad_norm", "wall_time"].map(String::from));
        names
    }
}

/// The record of a training run: per-epoch values, the best epoch of a monitored quantity
/// and the reason training stopped.
///
/// ```
/// use tuneup::diagnostics::history::{EpochRecord, History, StopReason};
/// let mut h = History::new("val_loss", true);
/// for (e, v) in [0.9, 0.5, 0.7].into_iter().enumerate() {
///     h.push(EpochRecord { epoch: e, loss: 1.0, val_loss: Some(v), metrics: vec![],
///                          lr: 0.1, grad_norm: 1.0, wall_time: 0.0 });
/// }
/// h.set_stop_reason(StopReason::EpochsDone);
/// assert_eq!(h.best_epoch(), Some(1));
/// assert_eq!(h.best_value(), Some(0.5));
/// assert_eq!(h.series("val_loss")?, vec![0.9, 0.5, 0.7]);
/// assert_eq!(h.stop_reason(), Some(&StopReason::EpochsDone));
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct History {
    epochs: Vec<EpochRecord>,
    monitor: String,
    minimize: bool,
    best: Option<(usize, f64)>,
    stop_reason: Option<StopReason>,
}

impl History {
    /// An empty history that tracks the best value of `monitor` (lower is better when
    /// `minimize`).
    pub fn new(monitor: impl Into<String>, minimize: bool) -> Self {
        History {
            epochs: Vec::new(),
            monitor: monitor.into(),
            minimize,
            best: None,
            stop_reason: None,
        }
    }

    /// Appends an epoch and updates the best value (NaN never counts as best).
    pub fn push(&mut self, record: EpochRecord) {
        if let Some(v) = record.get(&self.monitor) {
            let better = match self.best {
                None => !v.is_nan(),
                Some((_, b)) => {
                    if self.minimize {
                        v < b
                    } else {
                        v > b
                    }
                }
            };
            if better {
                self.best = Some((record.epoch, v));
            }
        }
        self.epochs.push(record);
    }

    /// The epochs recorded, in order.
    pub fn epochs(&self) -> &[EpochRecord] {
        &self.epochs
    }

    /// Number of epochs recorded.
    pub fn len(&self) -> usize {
        self.epochs.len()
    }

    /// True when no epoch was recorded.
    pub fn is_empty(&self) -> bool {
        self.epochs.is_empty()
    }

    /// The last epoch recorded.
    pub fn last(&self) -> Option<&EpochRecord> {
        self.epochs.last()
    }

    /// The monitored quantity's name.
    pub fn monitor(&self) -> &str {
        &self.monitor
    }

    /// True when lower values of the monitored quantity are better.
    pub fn minimizes(&self) -> bool {
        self.minimize
    }

    /// The epoch with the best monitored value.
    pub fn best_epoch(&self) -> Option<usize> {
        self.best.map(|(e, _)| e)
    }

    /// The best monitored value.
    pub fn best_value(&self) -> Option<f64> {
        self.best.map(|(_, v)| v)
    }

    /// Why training stopped (`None` while it runs).
    pub fn stop_reason(&self) -> Option<&StopReason> {
        self.stop_reason.as_ref()
    }

    /// Records why training stopped.
    pub fn set_stop_reason(&mut self, reason: StopReason) {
        self.stop_reason = Some(reason);
    }

    /// One value per epoch by name (see [`EpochRecord::get`]); [`Error::Value`] if some epoch
    /// lacks it.
    pub fn series(&self, name: &str) -> Result<Vec<f64>> {
        self.epochs
            .iter()
            .map(|r| {
                r.get(name).ok_or_else(|| {
                    Error::value(
                        "History::series",
                        format!("one of {:?}", r.names()),
                        format!("`{name}` missing at epoch {}", r.epoch),
                    )
                })
            })
            .collect()
    }

    /// True when both histories hold the same values bit for bit, wall times excepted (what
    /// two runs with one seed must give).
    ///
    /// ```
    /// use tuneup::diagnostics::history::{EpochRecord, History};
    /// let mut a = History::new("loss", true);
    /// a.push(EpochRecord { epoch: 0, loss: 1.0, val_loss: None, metrics: vec![], lr: 0.1,
    ///                      grad_norm: 2.0, wall_time: 0.5 });
    /// let mut b = a.clone();
    /// assert!(a.same_values(&b));
    /// b.push(a.epochs()[0].clone());
    /// assert!(!a.same_values(&b));
    /// ```
    pub fn same_values(&self, other: &History) -> bool {
        let bits = |a: f64, b: f64| a.to_bits() == b.to_bits();
        self.monitor == other.monitor
            && self.minimize == other.minimize
            && self.stop_reason == other.stop_reason
            && self.best.map(|(e, v)| (e, v.to_bits())) == other.best.map(|(e, v)| (e, v.to_bits()))
            && self.epochs.len() == other.epochs.len()
            && self.epochs.iter().zip(&other.epochs).all(|(a, b)| {
                a.epoch == b.epoch
                    && bits(a.loss, b.loss)
                    && a.val_loss.map(f64::to_bits) == b.val_loss.map(f64::to_bits)
                    && bits(a.lr, b.lr)
                    && bits(a.grad_norm, b.grad_norm)
                    && a.metrics.len() == b.metrics.len()
                    && a.metrics
                        .iter()
                        .zip(&b.metrics)
                        .all(|((n, x), (m, y))| n == m && bits(*x, *y))
            })
    }

    /// The history as CSV: a header `epoch,loss[,val_loss],<metrics>,lr,grad_norm,wall_time`
    /// and one row per epoch. Numbers are written in Rust's shortest round-trip form, so
    /// [`History::from_csv`] reads back the same bits.
    ///
    /// ```
    /// use tuneup::diagnostics::history::{EpochRecord, History};
    /// let mut h = History::new("loss", true);
    /// h.push(EpochRecord { epoch: 0, loss: 0.25, val_loss: None, metrics: vec![("accuracy".into(), 0.5)],
    ///                      lr: 0.1, grad_norm: 2.0, wall_time: 0.0 });
    /// let csv = h.to_csv();
    /// assert_eq!(csv.lines().next(), Some("epoch,loss,accuracy,lr,grad_norm,wall_time"));
    /// assert!(History::from_csv(&csv, "loss", true)?.same_values(&h));
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn to_csv(&self) -> String {
        let mut out = String::new();
        let Some(first) = self.epochs.first() else {
            return out;
        };
        let _ = writeln!(out, "epoch,{}", first.names().join(","));
        for r in &self.epochs {
            out.push_str(&Self::csv_row(r));
        }
        out
    }

    /// The CSV header line (with its newline) for records shaped like `r`.
    pub fn csv_header(r: &EpochRecord) -> String {
        format!("epoch,{}\n", r.names().join(","))
    }

    /// One CSV row (with its newline) for `r`.
    pub fn csv_row(r: &EpochRecord) -> String {
        let mut out = r.epoch.to_string();
        for name in r.names() {
            let _ = write!(out, ",{:?}", r.get(&name).unwrap_or(f64::NAN));
        }
        out.push('\n');
        out
    }

    /// Reads a history written by [`History::to_csv`] (the stop reason is not part of the
    /// CSV). A malformed line is an [`Error::Value`] naming it.
    pub fn from_csv(text: &str, monitor: &str, minimize: bool) -> Result<History> {
        let mut h = History::new(monitor, minimize);
        let mut lines = text.lines().filter(|l| !l.trim().is_empty());
        let Some(header) = lines.next() else {
            return Ok(h);
        };
        let names: Vec<&str> = header.split(',').collect();
        let known = ["epoch", "loss", "val_loss", "lr", "grad_norm", "wall_time"];
        if names.first() != Some(&"epoch") || !names.contains(&"loss") {
            return Err(Error::value(
                "History::from_csv",
                "a header starting `epoch,loss`",
                header,
            ));
        }
        for (i, line) in lines.enumerate() {
            let fields: Vec<&str> = line.split(',').collect();
            let bad = |what: &str| {
                Error::value(
                    "History::from_csv",
                    format!("{} comma-separated numbers", names.len()),
                    format!("{what} on data line {}: `{line}`", i + 1),
                )
            };
            if fields.len() != names.len() {
                return Err(bad("a wrong field count"));
            }
            let mut r = EpochRecord {
                epoch: fields[0].parse().map_err(|_| bad("a bad epoch"))?,
                loss: f64::NAN,
                val_loss: None,
                metrics: Vec::new(),
                lr: f64::NAN,
                grad_norm: f64::NAN,
                wall_time: 0.0,
            };
            for (name, field) in names.iter().zip(&fields).skip(1) {
                let v: f64 = field.trim().parse().map_err(|_| bad("a bad number"))?;
                match *name {
                    "loss" => r.loss = v,
                    "val_loss" => r.val_loss = Some(v),
                    "lr" => r.lr = v,
                    "grad_norm" => r.grad_norm = v,
                    "wall_time" => r.wall_time = v,
                    n if !known.contains(&n) => r.metrics.push((n.to_string(), v)),
                    _ => {}
                }
            }
            h.push(r);
        }
        Ok(h)
    }
}

//! One line per epoch, written to standard error (or any writer).

use std::io::Write;
use std::sync::{Arc, Mutex, PoisonError};

use crate::train::{Callback, CallbackContext};
use crate::{Float, Result};

/// Writes one line per epoch: epoch, every recorded value and the wall time, e.g.
/// `epoch 3/20  loss 0.4123  val_loss 0.4410  val_accuracy 0.8750  lr 0.001  (0.02 s)`.
/// Every `every` epochs (and the last) — `every = 1` by default.
///
/// ```
/// use tuneup::prelude::*;
/// use tuneup::train::{ProgressLogger, Trainer};
/// let mut t = Trainer::builder()
///     .model(Mlp::new(&[1, 1]).build::<f64>()?)
///     .loss(Mse::new())
///     .optimizer(Sgd::new(0.1)?)
///     .epochs(2)
///     .callback(ProgressLogger::to_writer(Vec::new()))
///     .build()?;
/// t.fit(ndarray::Array2::zeros((4, 1)).view(), &ndarray::Array2::zeros((4, 1)))?;
/// # Ok::<(), tuneup::Error>(())
/// ```
///
/// Clones (one per trainer a [`TrainerConfig`](crate::train::TrainerConfig) builds) write to
/// the same writer.
#[derive(Clone)]
pub struct ProgressLogger {
    out: Arc<Mutex<dyn Write + Send>>,
    every: usize,
}

impl ProgressLogger {
    /// Writes to standard error, every epoch.
    pub fn new() -> Self {
        Self::to_writer(std::io::stderr())
    }

    /// Writes to `out`.
    pub fn to_writer(out: impl Write + Send + 'static) -> Self {
        ProgressLogger {
            out: Arc::new(Mutex::new(out)),
            every: 1,
        }
    }

    /// Writes only every `every` epochs (≥ 1; 0 counts as 1) and the last.
    pub fn every(mut self, every: usize) -> Self {
        self.every = every.max(1);
        self
    }
}

impl Default for ProgressLogger {
    fn default() -> Self {
        Self::new()
    }
}

impl<F: Float> Callback<F> for ProgressLogger {
    fn name(&self) -> String {
        "ProgressLogger".to_string()
    }

    fn on_epoch_end(&mut self, ctx: &mut CallbackContext<'_, F>) -> Result<()> {
        let Some(r) = ctx.history.last() else {
            return Ok(());
        };
        if (r.epoch + 1) % self.every != 0 && r.epoch + 1 != ctx.epochs {
            return Ok(());
        }
        let mut line = format!("epoch {}/{}", r.epoch + 1, ctx.epochs);
        for name in r.names() {
            if name == "wall_time" || name == "grad_norm" {
                continue;
            }
            let v = r.get(&name).unwrap_or(f64::NAN);
            if name == "lr" {
                line.push_str(&format!("  lr {v:.3e}"));
            } else {
                line.push_str(&format!("  {name} {v:.4}"));
            }
        }
        line.push_str(&format!("  ({:.2} s)", r.wall_time));
        // A progress line that cannot be written is not worth stopping training for.
        let mut out = self.out.lock().unwrap_or_else(PoisonError::into_inner);
        let _ = writeln!(out, "{line}");
        Ok(())
    }

    fn on_train_end(&mut self, ctx: &mut CallbackContext<'_, F>) -> Result<()> {
        let mut out = self.out.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(reason) = ctx.history.stop_reason() {
            let _ = writeln!(out, "stopped: {reason}");
        }
        let _ = out.flush();
        Ok(())
    }
}

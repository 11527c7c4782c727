//! Saves checkpoints during training: the last epoch's and/or the best one's.

use std::path::PathBuf;

use crate::train::resume::run_checkpoint;
use crate::train::{Callback, CallbackContext};
use crate::{Float, Result};

/// Writes [`Checkpoint`](crate::train::Checkpoint)s (model, optimizer, schedule, epoch and
/// history, in safetensors) into a folder at the end of epochs: `last.safetensors` after every
/// epoch (or every `every` epochs) when `save_last`, and `best.safetensors` whenever the
/// history's monitored value reaches a new best, when `save_best`. A trainer built with the
/// same settings resumes from either with [`Trainer::load_checkpoint`](crate::train::Trainer::load_checkpoint).
///
/// ```
/// use tuneup::prelude::*;
/// use tuneup::train::{ModelCheckpoint, Trainer};
/// let dir = std::env::temp_dir().join("tuneup_model_checkpoint_doc");
/// let mut t = Trainer::builder()
///     .model(Mlp::new(&[1, 1]).build::<f64>()?)
///     .loss(Mse::new())
///     .optimizer(Adam::new(0.01)?)
///     .epochs(3)
///     .callback(ModelCheckpoint::new(&dir).save_best(true))
///     .build()?;
/// t.fit(ndarray::Array2::ones((4, 1)).view(), &ndarray::Array2::zeros((4, 1)))?;
/// assert!(dir.join("last.safetensors").exists() && dir.join("best.safetensors").exists());
/// let mut fresh = Trainer::builder()
///     .model(Mlp::new(&[1, 1]).seed(5).build::<f64>()?)
///     .loss(Mse::new())
///     .optimizer(Adam::new(0.01)?)
///     .epochs(3)
///     .build()?;
/// fresh.load_checkpoint(dir.join("last.safetensors"))?;
/// assert_eq!(fresh.completed_epochs(), 3);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct ModelCheckpoint {
    dir: PathBuf,
    save_last: bool,
    save_best: bool,
    every: usize,
}

impl ModelCheckpoint {
    /// Saves `last.safetensors` into `dir` (created if missing) after every epoch.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        ModelCheckpoint {
            dir: dir.into(),
            save_last: true,
            save_best: false,
            every: 1,
        }
    }

    /// Whether to keep `last.safetensors` (default on).
    pub fn save_last(mut self, yes: bool) -> Self {
        self.save_last = yes;
        self
    }

    /// Whether to keep `best.safetensors`, the epoch with the best monitored value.
    pub fn save_best(mut self, yes: bool) -> Self {
        self.save_best = yes;
        self
    }

    /// Saves `last.safetensors` only every `every` epochs (≥ 1; 0 counts as 1) and at the
    /// end of training.
    pub fn every(mut self, every: usize) -> Self {
        self.every = every.max(1);
        self
    }

    /// The path of the last-epoch checkpoint.
    pub fn last_path(&self) -> PathBuf {
        self.dir.join("last.safetensors")
    }

    /// The path of the best-epoch checkpoint.
    pub fn best_path(&self) -> PathBuf {
        self.dir.join("best.safetensors")
    }

    fn save<F: Float>(&self, path: PathBuf, ctx: &CallbackContext<'_, F>) -> Result<()> {
        std::fs::create_dir_all(&self.dir)
            .map_err(|e| crate::Error::io("create the checkpoint folder", self.dir.display(), e))?;
        run_checkpoint(
            ctx.model,
            ctx.optimizer,
            ctx.schedule,
            ctx.completed_epochs,
            ctx.history,
            &ctx.streams.streams(),
            ctx.grad_scaler,
        )?
        .save(path)
    }
}

impl<F: Float> Callback<F> for ModelCheckpoint {
    fn name(&self) -> String {
        "ModelCheckpoint".to_string()
    }

    fn on_epoch_end(&mut self, ctx: &mut CallbackContext<'_, F>) -> Result<()> {
        let Some(last) = ctx.history.last() else {
            return Ok(());
        };
        if self.save_best && ctx.history.best_epoch() == Some(last.epoch) {
            self.save(self.best_path(), ctx)?;
        }
        let due = ctx.completed_epochs % self.every == 0 || ctx.completed_epochs == ctx.epochs;
        if self.save_last && due {
            self.save(self.last_path(), ctx)?;
        }
        Ok(())
    }
}

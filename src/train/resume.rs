//! Saving a [`Trainer`]'s whole state to a [`Checkpoint`] and resuming from one.

use std::path::Path;

use super::checkpoint::Checkpoint;
use super::random_streams::RandomStreams;
use super::Trainer;
use crate::diagnostics::history::History;
use crate::model::Layer;
use crate::optim::{LrSchedule, Optimizer};
use crate::parallel::GradScaler;
use crate::{Error, Float, Result};

/// The metadata key under which a trainer's checkpoint keeps the history (as CSV).
pub(crate) const HISTORY_KEY: &str = "trainer.history";

/// A checkpoint of a run: model (parameters, buffers, counters such as Dropout's mask draws),
/// optimizer and schedule state, completed epochs and the history.
pub(crate) fn run_checkpoint<F: Float>(
    model: &dyn Layer<F>,
    optimizer: &dyn Optimizer<F>,
    schedule: Option<&dyn LrSchedule>,
    completed: usize,
    history: &History,
    streams: &RandomStreams,
    grad_scaler: Option<&GradScaler>,
) -> Result<Checkpoint> {
    let mut ckpt = Checkpoint::new(model)?
        .with_optimizer(optimizer.state())
        .with_epoch(completed as u64)
        .with_metadata(HISTORY_KEY, history.to_csv());
    if let Some(s) = schedule {
        ckpt = ckpt.with_schedule(s);
    }
    if let Some(s) = grad_scaler {
        ckpt = ckpt.with_grad_scaler(s);
    }
    Ok(streams.write(ckpt))
}

impl<F: Float, M: Layer<F>> Trainer<F, M> {
    /// The trainer's state now: the model's full state, the optimizer's and schedule's
    /// state, the completed epochs and the history. [`restore_checkpoint`](Trainer::restore_checkpoint)
    /// on a trainer built with the same settings continues the run bit for bit: each epoch's
    /// shuffle depends only on `(seed, epoch)`, and Dropout's mask stream on its saved counter.
    ///
    /// ```
    /// use tuneup::prelude::*;
    /// use tuneup::train::Trainer;
    /// let t = Trainer::builder().model(Mlp::new(&[2, 1]).build::<f64>()?)
    ///     .loss(Mse::new()).optimizer(Adam::new(1e-3)?).build()?;
    /// assert_eq!(t.checkpoint()?.epoch, 0);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn checkpoint(&self) -> Result<Checkpoint> {
        run_checkpoint(
            &self.model,
            &*self.optimizer,
            self.schedule(),
            self.completed,
            &self.history,
            &self.random_streams(),
            self.grad_scaler.as_ref(),
        )
    }

    /// Writes [`checkpoint`](Trainer::checkpoint) to a safetensors file; in a data-parallel
    /// run, only rank 0 writes (the others return `Ok` and write nothing).
    pub fn save_checkpoint(&self, path: impl AsRef<Path>) -> Result<()> {
        if self.rank() != 0 {
            return Ok(());
        }
        self.checkpoint()?.save(path)
    }

    /// Restores a checkpoint written by [`checkpoint`](Trainer::checkpoint) (or the
    /// [`ModelCheckpoint`](super::ModelCheckpoint) callback) into this trainer, which must have
    /// been built with the same settings; the next [`fit`](Trainer::fit) continues from the
    /// saved epoch. Everything is checked before anything changes.
    ///
    /// Early stopping's counters are rebuilt by replaying the saved history; with
    /// `restore_best_weights`, the weights it holds as "best" are those of the checkpoint.
    ///
    /// # Errors
    /// The checkpoint's errors ([`Checkpoint::restore`]): a model whose state does not fit,
    /// another kind of optimizer or schedule, a missing schedule state; [`Error::Value`] for a
    /// history that cannot be read or that does not match the saved epoch count, or a loss
    /// scaler's state in a checkpoint restored into a trainer without
    /// [`grad_scaler`](super::TrainerConfig::grad_scaler) (a scaler state is restored with the
    /// rest; without one in the checkpoint the trainer's scaler keeps its own).
    pub fn restore_checkpoint(&mut self, ckpt: &Checkpoint) -> Result<()> {
        let history = match ckpt.metadata.get(HISTORY_KEY) {
            Some(csv) => History::from_csv(csv, &self.monitor, self.history.minimizes())?,
            None => History::new(self.monitor.clone(), self.history.minimizes()),
        };
        let completed = usize::try_from(ckpt.epoch).unwrap_or(usize::MAX);
        if ckpt.metadata.contains_key(HISTORY_KEY) && history.len() != completed {
            return Err(Error::value(
                "Trainer::restore_checkpoint",
                format!("a history of {completed} epochs, as the checkpoint's epoch count says"),
                format!("{} epochs", history.len()),
            ));
        }
        let streams = RandomStreams::from_checkpoint(ckpt)?;
        streams.check_fits(self.augmenters.len(), self.adversarial.is_some())?;
        let scaler = self.checked_grad_scaler(ckpt)?;
        let schedule = self
            .schedule
            .as_mut()
            .map(|s| &mut **s as &mut dyn LrSchedule);
        ckpt.restore(&mut self.model, Some(&mut *self.optimizer), schedule)?;
        self.restore_streams(&streams);
        if let Some(s) = scaler {
            self.grad_scaler = Some(s);
        }
        if let Some(es) = &mut self.early_stopping {
            es.reset();
            for r in history.epochs() {
                let v = r.get(es.monitor()).unwrap_or(f64::NAN);
                es.update(r.epoch, v, &self.model);
            }
        }
        if let Some(c) = &mut self.convergence {
            c.reset();
            for r in history.epochs() {
                let _ = c.observe(r.epoch, r.loss);
            }
        }
        self.set_progress(completed, history);
        Ok(())
    }

    /// Reads a checkpoint file and [`restore_checkpoint`](Trainer::restore_checkpoint)s it.
    pub fn load_checkpoint(&mut self, path: impl AsRef<Path>) -> Result<()> {
        let ckpt = Checkpoint::load(path)?;
        self.restore_checkpoint(&ckpt)
    }

    /// The loss scaler a checkpoint's state gives, checked but not yet in place: `None` when
    /// the checkpoint holds no scaler state (the trainer's scaler then keeps its own).
    fn checked_grad_scaler(&self, ckpt: &Checkpoint) -> Result<Option<GradScaler>> {
        let Some(state) = ckpt.grad_scaler_state()? else {
            return Ok(None);
        };
        let Some(current) = &self.grad_scaler else {
            return Err(Error::value(
                "Trainer::restore_checkpoint",
                "a trainer built with .grad_scaler(…) for a checkpoint holding a scaler state",
                "a trainer without loss scaling",
            ));
        };
        let mut scaler = current.clone();
        scaler.load_state(&state)?;
        Ok(Some(scaler))
    }

    /// The seeds of the run's random streams, for a checkpoint.
    pub(crate) fn random_streams(&self) -> RandomStreams {
        RandomStreams::of(
            self.config.seed,
            &self.augmenters,
            self.adversarial.as_ref(),
            self.steps,
        )
    }

    /// Puts a checkpoint's stream seeds in place (those it holds).
    fn restore_streams(&mut self, streams: &RandomStreams) {
        if let Some(seed) = streams.seed {
            self.config.seed = seed;
        }
        if let Some(list) = &streams.augmenters {
            for (a, seed) in self.augmenters.iter_mut().zip(list) {
                if let Some(seed) = seed {
                    a.set_stream_seed(*seed);
                }
            }
        }
        if let (Some(adv), Some((rows, start))) = (&mut self.adversarial, streams.adversarial) {
            *adv = adv.with_stream_seeds(rows, start);
        }
        if let Some(steps) = streams.steps {
            self.steps = steps;
        }
    }
}

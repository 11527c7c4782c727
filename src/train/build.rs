//! `TrainerConfig::build`: a validated config and a model make a Trainer.

use super::config::TrainerConfig;
use super::trainer::{Trainer, Workspace};
use crate::diagnostics::history::History;
use crate::model::{check_visitors, set_matmul_precision, Layer};
use crate::optim::EarlyStopping;
use crate::{Error, Float, Result};

impl<F: Float> TrainerConfig<F> {
    /// Validates the settings ([`TrainerConfig::validate`]) and builds a trainer for `model`,
    /// leaving the config as it was: build again for another identical trainer (a fresh
    /// optimizer, its own copies of the schedule, callbacks and augmenters).
    ///
    /// # Errors
    /// Those of [`TrainerConfig::validate`]; an explicit validation set the model cannot take
    /// (wrong width, NaN or ∞, a class index outside the output width; the message holds the
    /// underlying error); a model whose `visit` and `visit_mut` list different state.
    ///
    /// ```
    /// use tuneup::prelude::*;
    /// use tuneup::train::TrainerConfig;
    /// let config = TrainerConfig::new().loss(Mse::new()).optimizer(Sgd::new(0.1)?).epochs(3);
    /// let trainers: Vec<_> = (0..2)
    ///     .map(|_| config.build(Mlp::new(&[2, 1]).seed(5).build::<f64>()?))
    ///     .collect::<tuneup::Result<_>>()?;
    /// assert_eq!(trainers[0].epochs(), 3);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn build<M: Layer<F>>(&self, mut model: M) -> Result<Trainer<F, M>> {
        self.validate()?;
        check_visitors(&mut model)?;
        if let Some(precision) = self.precision {
            precision.check::<F>("Trainer.precision")?;
            set_matmul_precision(&mut model, precision)?;
        }
        let optimizer = self
            .optimizer
            .as_ref()
            .ok_or_else(|| Error::config("Trainer.optimizer", "none", "an optimizer"))?
            .build()?;
        let early_stopping = match &self.early_stopping {
            Some(c) => Some(EarlyStopping::new(c.clone())?),
            None => None,
        };
        let convergence = match (&self.convergence, &self.early_stopping) {
            (Some(c), None) => Some(c.stopper()?),
            _ => None,
        };
        let (monitor, minimize) = self.monitor();
        let trainer = Trainer {
            model,
            loss: self.weighted_loss()?,
            kind: self.resolved_output_kind(),
            optimizer,
            schedule: self.schedule.as_ref().map(|(s, _)| s.clone()),
            early_stopping,
            convergence,
            callbacks: self.callbacks.clone(),
            augmenters: self.augmenters.clone(),
            adversarial: self.adversarial,
            history: History::new(monitor.clone(), minimize),
            monitor,
            completed: 0,
            steps: 0,
            preflight_report: None,
            grad_scaler: self
                .grad_scaler
                .map(crate::parallel::GradScaler::with_config)
                .transpose()?,
            ws: Workspace::default(),
            parallel: None,
            preprocessing: None,
            teacher: self.teacher.as_ref().map(|t| t.build()).transpose()?,
            config: self.clone(),
        };
        trainer.check_validation_data()?;
        Ok(trainer)
    }
}

impl<F: Float, M: Layer<F>> Trainer<F, M> {
    /// An explicit validation set is known when the trainer is built: check it against the
    /// model then.
    fn check_validation_data(&self) -> Result<()> {
        // With preprocessing, the validation rows are raw: checked once transformed, in fit.
        if self.config.preprocessing.is_some() {
            return Ok(());
        }
        if let super::settings::Validation::Data(x, y) = &self.config.validation {
            self.check_data("Trainer.validation_data", x.view(), Some(y.view()))
                .map_err(|e| {
                    Error::config(
                        "Trainer.validation_data",
                        e,
                        "features the model takes, finite, with one fitting target per row",
                    )
                })?;
        }
        Ok(())
    }
}

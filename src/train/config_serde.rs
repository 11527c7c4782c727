//! `Serialize` for [`TrainerConfig`] (the `serde` feature): every setting as plain data, the
//! loss, optimizer, schedule, regularizers, callbacks and augmenters by their description, so
//! a run's settings can be logged or compared as JSON.

use serde::ser::{Serialize, SerializeStruct, Serializer};

use super::config::TrainerConfig;
use super::settings::{GradClip, OnDivergence, ScheduleStep, Validation};
use crate::Float;

/// ```
/// use tuneup::prelude::*;
/// use tuneup::train::TrainerConfig;
/// let c = TrainerConfig::<f32>::new().loss(Mse::new()).optimizer(Sgd::new(0.1)?).epochs(7);
/// let json = serde_json::to_value(&c).unwrap();
/// assert_eq!(json["epochs"], 7);
/// assert_eq!(json["optimizer"], "SGD");
/// # Ok::<(), tuneup::Error>(())
/// ```
impl<F: Float> Serialize for TrainerConfig<F> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("TrainerConfig", 23)?;
        s.serialize_field("loss", &self.loss.as_ref().map(|l| l.name()))?;
        s.serialize_field("output_kind", &format!("{:?}", self.resolved_output_kind()))?;
        let regularizers: Vec<String> = self.regularizers.iter().map(|r| r.name()).collect();
        s.serialize_field("regularizers", &regularizers)?;
        s.serialize_field("optimizer", &self.optimizer.as_ref().map(|o| o.name()))?;
        s.serialize_field(
            "optimizer_settings",
            &self.optimizer.as_ref().map(|o| format!("{o:?}")),
        )?;
        let schedule = self.schedule.as_ref().map(|(sch, every)| {
            let every = match every {
                ScheduleStep::Epoch => "epoch",
                ScheduleStep::Batch => "batch",
            };
            (sch.name(), every)
        });
        s.serialize_field("schedule", &schedule)?;
        s.serialize_field(
            "early_stopping",
            &self.early_stopping.as_ref().map(|e| format!("{e:?}")),
        )?;
        s.serialize_field("epochs", &self.epochs)?;
        let convergence = self.convergence.map(|c| (c.tol, c.n_iter_no_change));
        s.serialize_field("until_convergence", &convergence)?;
        s.serialize_field("batch_size", &self.batch_size)?;
        s.serialize_field("shuffle", &self.shuffle)?;
        s.serialize_field("seed", &self.seed)?;
        s.serialize_field("drop_last", &self.drop_last)?;
        s.serialize_field("validation", &validation_text(&self.validation))?;
        let metrics: Vec<&str> = self.metrics.iter().map(|m| m.name()).collect();
        s.serialize_field("metrics", &metrics)?;
        s.serialize_field("class_weights", &self.class_weights)?;
        s.serialize_field("clip_gradients", &self.clip.map(clip_text))?;
        s.serialize_field("accumulate_gradients", &self.accumulation)?;
        let callbacks: Vec<String> = self.callbacks.iter().map(|c| c.name()).collect();
        s.serialize_field("callbacks", &callbacks)?;
        let augmenters: Vec<String> = self.augmenters.iter().map(|a| a.name()).collect();
        s.serialize_field("augmenters", &augmenters)?;
        s.serialize_field("adversarial", &self.adversarial.map(|a| format!("{a:?}")))?;
        let divergence = match self.on_divergence {
            OnDivergence::Stop => "stop",
            OnDivergence::Error => "error",
        };
        s.serialize_field("on_divergence", divergence)?;
        s.serialize_field("check_finite", &self.check_finite)?;
        s.serialize_field("preflight", &format!("{:?}", self.preflight))?;
        s.serialize_field("precision", &self.precision.map(|p| p.to_string()))?;
        s.end()
    }
}

fn validation_text<F: Float>(v: &Validation<F>) -> String {
    match v {
        Validation::None => "none".to_string(),
        Validation::Split(f) => format!("split {f}"),
        Validation::Data(x, _) => format!("explicit set of {} rows", x.nrows()),
        Validation::Table(x, _) => format!("explicit table of {} rows", x.n_rows()),
    }
}

fn clip_text(c: GradClip) -> String {
    match c {
        GradClip::Norm(v) => format!("norm {v}"),
        GradClip::Value(v) => format!("value {v}"),
    }
}

//! Discriminative learning rates: layer-wise decay of the learning-rate factor (ULMFiT,
//! Howard and Ruder 2018).

use super::ParamGroup;
use crate::model::Layer;
use crate::{Error, Float, Result};

impl ParamGroup {
    /// One group per top-level layer of `model` that holds parameters (the parameters named
    /// `i.…` form layer `i`'s group), in order: the last such layer (the head) gets the
    /// learning-rate factor 1 and each one below it `decay` times the factor of the one above
    /// (ULMFiT's discriminative fine-tuning uses `decay = 1 / 2.6`). Hand each group to the
    /// optimizer's `group` method.
    ///
    /// Errors: a model without parameters, or `decay` not a finite number in `(0, 1]`
    /// ([`Error::Config`]).
    ///
    /// ```
    /// use tuneup::prelude::*;
    /// use tuneup::model::ParamKind;
    /// let net = Mlp::new(&[4, 8, 8, 2]).build::<f64>()?;
    /// let groups = ParamGroup::layerwise_decay(&net, 0.5)?;
    /// assert_eq!(groups.len(), 3);
    /// let factors: Vec<f64> = groups.iter().map(|g| g.learning_rate_factor()).collect();
    /// assert_eq!(factors, [0.25, 0.5, 1.0]);
    /// assert!(groups[0].selects("0.weight", ParamKind::Weight));
    /// let mut sgd = Sgd::new(0.1)?;
    /// for g in groups {
    ///     sgd = sgd.group(g)?;
    /// }
    /// assert!(ParamGroup::layerwise_decay(&net, 0.0).is_err());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn layerwise_decay<F: Float, L: Layer<F> + ?Sized>(
        model: &L,
        decay: f64,
    ) -> Result<Vec<ParamGroup>> {
        if !(decay.is_finite() && decay > 0.0 && decay <= 1.0) {
            return Err(Error::config(
                "ParamGroup::layerwise_decay.decay",
                decay,
                "a finite number in (0, 1]",
            ));
        }
        let mut prefixes: Vec<String> = Vec::new();
        model.visit_parameters(&mut |p| {
            let top = p.name().split('.').next().unwrap_or("");
            if prefixes.last().map(String::as_str) != Some(top) {
                prefixes.push(top.to_string());
            }
        });
        if prefixes.is_empty() {
            return Err(Error::config(
                "ParamGroup::layerwise_decay.model",
                "a model without parameters",
                "a model with parameters",
            ));
        }
        let n = prefixes.len();
        Ok(prefixes
            .into_iter()
            .enumerate()
            .map(|(i, p)| {
                let depth = i32::try_from(n - 1 - i).unwrap_or(i32::MAX);
                ParamGroup::name_prefix(format!("{p}.")).lr_factor(decay.powi(depth))
            })
            .collect())
    }
}

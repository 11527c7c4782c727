//! Gradual unfreezing (ULMFiT, Howard & Ruder 2018): train the head first, then unfreeze one
//! more layer group every few epochs, from the output back.

use crate::model::{name_matches, Layer};
use crate::train::{Callback, CallbackContext, StepContext};
use crate::{Error, Float, Result};

/// A [`Callback`] that fine-tunes a pretrained network ULMFiT's way: layer groups, given as
/// parameter-name patterns (globs, as [`name_matches`]) ordered **from the output back**,
/// are unfrozen one at a time. During epochs `0 .. every` only the first group (the head)
/// trains; during epochs `every .. 2·every` the first two; and so on until every group
/// trains. A parameter belongs to the first group whose pattern it matches; parameters that
/// match no group are left as they are.
///
/// The frozen flags of each epoch follow from the epoch number alone, so a run resumed from
/// a checkpoint goes on exactly as an uninterrupted one: they are set at the start of each
/// optimizer step ([`Callback::on_step_begin`], before its forward pass), so a group trains
/// from the first batch of its first epoch and is untouched before it (no optimizer state,
/// no weight decay). Frozen parameters are skipped by the optimizers, clipping, penalties
/// and the gradient norm.
///
/// Errors: `every = 0`, no group, or an empty pattern when built ([`Error::Config`]); a
/// pattern matching no parameter of the model when training begins ([`Error::Value`],
/// listing the names), before any step.
///
/// ```
/// use tuneup::prelude::*;
/// use tuneup::train::{callbacks::GradualUnfreezing, Trainer};
/// let net = Mlp::new(&[2, 8, 8, 1]).activation(Activation::Tanh).seed(3).build::<f64>()?;
/// let unfreeze = GradualUnfreezing::new(["4.*", "2.*", "0.*"], 2)?;
/// assert_eq!(unfreeze.groups_training(0), 1);
/// assert_eq!(unfreeze.groups_training(5), 3);
/// let mut t = Trainer::builder().model(net).loss(Mse::new()).optimizer(Adam::new(1e-2)?)
///     .epochs(3).batch_size(4).callback(unfreeze).build()?;
/// let x = ndarray::Array2::from_shape_fn((8, 2), |(i, j)| (i * 2 + j) as f64 * 0.1);
/// t.fit(x.view(), &x.column(0).to_owned().insert_axis(ndarray::Axis(1)))?;
/// let mut frozen = Vec::new();
/// t.model().visit_parameters(&mut |p| if p.is_frozen() { frozen.push(p.name().to_string()) });
/// assert_eq!(frozen, ["0.weight", "0.bias"]); // epoch 2 trains the head and group "2.*"
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct GradualUnfreezing {
    groups: Vec<String>,
    every: usize,
    /// How many groups the model's flags currently let train (`None`: not set in this run).
    applied: Option<usize>,
}

impl GradualUnfreezing {
    /// Groups as name patterns from the output back (the head first), and the number of
    /// epochs between two unfreezings.
    ///
    /// ```
    /// use tuneup::train::callbacks::GradualUnfreezing;
    /// assert!(GradualUnfreezing::new(["2.*", "0.*"], 1).is_ok());
    /// assert!(GradualUnfreezing::new(["2.*"], 0).is_err());
    /// assert!(GradualUnfreezing::new(Vec::<String>::new(), 1).is_err());
    /// assert!(GradualUnfreezing::new(["2.*", ""], 1).is_err());
    /// ```
    ///
    /// # Errors
    /// [`Error::Config`] for `every = 0`, no group or an empty pattern.
    pub fn new<S: Into<String>>(groups: impl IntoIterator<Item = S>, every: usize) -> Result<Self> {
        let groups: Vec<String> = groups.into_iter().map(Into::into).collect();
        if every == 0 {
            return Err(Error::config(
                "GradualUnfreezing.every",
                every,
                "at least 1 epoch between two unfreezings",
            ));
        }
        if groups.is_empty() {
            return Err(Error::config(
                "GradualUnfreezing.groups",
                "[]",
                "at least one layer group (the head first), e.g. [\"4.*\", \"2.*\", \"0.*\"]",
            ));
        }
        if let Some(i) = groups.iter().position(String::is_empty) {
            return Err(Error::config(
                format!("GradualUnfreezing.groups[{i}]"),
                "\"\"",
                "a non-empty parameter-name pattern such as \"0.*\"",
            ));
        }
        Ok(GradualUnfreezing {
            groups,
            every,
            applied: None,
        })
    }

    /// How many groups train during `epoch` (0-based): `min(1 + epoch / every, groups)`.
    ///
    /// ```
    /// use tuneup::train::callbacks::GradualUnfreezing;
    /// let u = GradualUnfreezing::new(["c", "b", "a"], 2)?;
    /// let stages: Vec<usize> = (0..7).map(|e| u.groups_training(e)).collect();
    /// assert_eq!(stages, [1, 1, 2, 2, 3, 3, 3]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn groups_training(&self, epoch: usize) -> usize {
        (1 + epoch / self.every).min(self.groups.len())
    }

    /// Sets the flags of the matched parameters so that the first `training` groups train.
    fn apply<F: Float>(&mut self, model: &mut dyn Layer<F>, training: usize) {
        if self.applied == Some(training) {
            return;
        }
        let groups = &self.groups;
        model.visit_parameters_mut(&mut |p| {
            if let Some(g) = groups.iter().position(|pat| name_matches(pat, p.name())) {
                p.set_frozen(g >= training);
            }
        });
        self.applied = Some(training);
    }

    /// A value error naming the first pattern that matches no parameter of `model`.
    fn check_patterns<F: Float>(&self, model: &dyn Layer<F>) -> Result<()> {
        let mut names = Vec::new();
        model.visit_parameters(&mut |p| names.push(p.name().to_string()));
        let unmatched = self
            .groups
            .iter()
            .find(|pat| !names.iter().any(|n| name_matches(pat, n)));
        match unmatched {
            None => Ok(()),
            Some(pat) => Err(Error::value(
                "GradualUnfreezing",
                format!(
                    "patterns matching some parameter name (one of {})",
                    names.join(", ")
                ),
                format!("{pat:?}, matching none"),
            )),
        }
    }
}

impl<F: Float> Callback<F> for GradualUnfreezing {
    fn name(&self) -> String {
        "GradualUnfreezing".to_string()
    }

    fn on_train_begin(&mut self, ctx: &mut CallbackContext<'_, F>) -> Result<()> {
        self.applied = None;
        self.check_patterns(ctx.model)
    }

    /// Every step sets its epoch's flags before the forward pass (a no-op unless they change).
    fn on_step_begin(&mut self, ctx: &mut StepContext<'_, F>) -> Result<()> {
        let training = self.groups_training(ctx.epoch);
        self.apply(ctx.model, training);
        Ok(())
    }
}

//! Gradual magnitude pruning during training (Zhu & Gupta 2017), as a callback.

use crate::compress::{prune_to_sparsity, PolynomialSparsity, SparsityScope};
use crate::model::{name_matches, Layer};
use crate::train::{Callback, CallbackContext, StepContext};
use crate::{Error, Float, Result};

/// A [`Callback`] that prunes the parameters matching its name patterns by magnitude, to the
/// sparsity its [`PolynomialSparsity`] schedule gives, at the schedule's pruning steps
/// (optimizer steps counted over the run from 0): at the start of those steps, before their
/// forward pass ([`Callback::on_step_begin`], as TF-MOT updates its masks at batch begin). Pruned entries stay 0 until the end of training, since the masks apply to the
/// gradients and the updates; the masks go into checkpoints, and the callback keeps no state
/// of its own, so a resumed run prunes exactly as an uninterrupted one.
///
/// Patterns are globs as [`name_matches`] reads them (`"*.weight"`, `"0.weight"`); each must
/// match some parameter ([`Error::Value`] when training begins otherwise, nothing trained).
///
/// ```
/// use tuneup::compress::{sparsity_report, PolynomialSparsity};
/// use tuneup::prelude::*;
/// use tuneup::train::callbacks::GradualPruning;
/// use tuneup::train::Trainer;
/// let x = ndarray::Array2::from_shape_fn((64, 4), |(i, j)| ((i * 5 + j * 3) % 9) as f64 / 4.0 - 1.0);
/// let y = x.sum_axis(ndarray::Axis(1)).insert_axis(ndarray::Axis(1));
/// // 8 steps an epoch: from 0 to 80% sparsity over steps 0..=40, pruning every 8 steps.
/// let schedule = PolynomialSparsity::new(0.0, 0.8, 0, 40)?.frequency(8)?;
/// let mut t = Trainer::builder()
///     .model(Mlp::new(&[4, 32, 1]).seed(1).build::<f64>()?)
///     .loss(Mse::new()).optimizer(Adam::new(0.01)?).epochs(8).batch_size(8)
///     .callback(GradualPruning::new(schedule, &["*.weight"])?)
///     .build()?;
/// t.fit(x.view(), &y)?;
/// let report = sparsity_report(t.model());
/// assert_eq!(report.parameters[0].zeros, 102); // 128 − round(128 · 0.2)
/// assert_eq!(report.parameters[2].zeros, 26); // 32 − round(32 · 0.2)
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct GradualPruning {
    schedule: PolynomialSparsity,
    patterns: Vec<String>,
    scope: SparsityScope,
}

impl GradualPruning {
    /// Prunes the parameters matching `patterns`, each to the scheduled sparsity
    /// ([`SparsityScope::PerParameter`]; see [`global`](Self::global)).
    ///
    /// Errors: no pattern or an empty one ([`Error::Config`]).
    ///
    /// ```
    /// use tuneup::compress::PolynomialSparsity;
    /// use tuneup::train::callbacks::GradualPruning;
    /// let s = PolynomialSparsity::new(0.0, 0.5, 0, 1000)?;
    /// assert!(GradualPruning::new(s, &["0.weight", "2.weight"]).is_ok());
    /// assert!(GradualPruning::new(s, &[]).is_err());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn new(schedule: PolynomialSparsity, patterns: &[&str]) -> Result<Self> {
        if patterns.is_empty() || patterns.iter().any(|p| p.is_empty()) {
            return Err(Error::config(
                "GradualPruning.patterns",
                format!("{patterns:?}"),
                "at least one non-empty parameter name pattern, e.g. \"*.weight\"",
            ));
        }
        Ok(GradualPruning {
            schedule,
            patterns: patterns.iter().map(|p| p.to_string()).collect(),
            scope: SparsityScope::PerParameter,
        })
    }

    /// Prunes the matching parameters together by one magnitude threshold
    /// ([`SparsityScope::Global`]) instead of each to the sparsity.
    ///
    /// ```
    /// use tuneup::compress::PolynomialSparsity;
    /// use tuneup::train::callbacks::GradualPruning;
    /// let g = GradualPruning::new(PolynomialSparsity::new(0.0, 0.5, 0, 10)?, &["*.weight"])?.global();
    /// assert_eq!(g.scope(), tuneup::compress::SparsityScope::Global);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn global(mut self) -> Self {
        self.scope = SparsityScope::Global;
        self
    }

    /// Whether parameters are pruned each on its own or together.
    ///
    /// ```
    /// use tuneup::compress::{PolynomialSparsity, SparsityScope};
    /// use tuneup::train::callbacks::GradualPruning;
    /// let g = GradualPruning::new(PolynomialSparsity::new(0.0, 0.5, 0, 10)?, &["*"])?;
    /// assert_eq!(g.scope(), SparsityScope::PerParameter);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn scope(&self) -> SparsityScope {
        self.scope
    }

    /// The names of `model`'s parameters matching the patterns, in visiting order, or the
    /// error naming a pattern that matches none.
    fn matching<F: Float>(&self, model: &dyn Layer<F>) -> Result<Vec<String>> {
        let mut all = Vec::new();
        model.visit_parameters(&mut |p| all.push(p.name().to_string()));
        if let Some(p) = self
            .patterns
            .iter()
            .find(|p| !all.iter().any(|n| name_matches(p, n)))
        {
            return Err(Error::value(
                "GradualPruning",
                format!("a pattern matching a parameter (one of {})", all.join(", ")),
                format!("{p:?}, matching none"),
            ));
        }
        all.retain(|n| self.patterns.iter().any(|p| name_matches(p, n)));
        Ok(all)
    }
}

impl<F: Float> Callback<F> for GradualPruning {
    fn name(&self) -> String {
        "GradualPruning".to_string()
    }

    fn on_train_begin(&mut self, ctx: &mut CallbackContext<'_, F>) -> Result<()> {
        self.matching(ctx.model).map(|_| ())
    }

    fn on_step_begin(&mut self, ctx: &mut StepContext<'_, F>) -> Result<()> {
        if !self.schedule.prunes_at(ctx.step) {
            return Ok(());
        }
        let names = self.matching(&*ctx.model)?;
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        prune_to_sparsity(
            ctx.model,
            &names,
            self.schedule.sparsity(ctx.step),
            self.scope,
        )
    }
}

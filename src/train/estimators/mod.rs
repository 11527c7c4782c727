//! scikit-learn-style estimators on the [`Trainer`]: [`MlpClassifier`] and
//! [`MlpRegressor`] take `MLPClassifier` / `MLPRegressor`'s parameters with their defaults,
//! train to convergence by scikit-learn's rule, and give `predict`, `predict_proba`, `score`
//! and the run's record (`n_iter`, `loss_curve`, `best_loss`); the fitted network is a
//! [`Sequential`](crate::model::Sequential) for everything else in the crate.

mod class_labels;
mod clipped_log_loss;
mod mlp_classifier;
mod mlp_params;
mod mlp_regressor;

pub use class_labels::ClassLabels;
pub use mlp_classifier::{FittedMlpClassifier, MlpClassifier};
pub use mlp_params::MlpParams;
pub use mlp_regressor::{FittedMlpRegressor, MlpRegressor};

use super::Trainer;
use crate::model::Layer;
use crate::{Float, Result};

/// With early stopping, scikit-learn keeps the best validation epoch's weights also when the
/// run ends at `max_iter`: put them back.
fn restore_best<F: Float, M: Layer<F>>(trainer: &mut Trainer<F, M>, early: bool) -> Result<()> {
    if !early {
        return Ok(());
    }
    let Trainer {
        early_stopping,
        model,
        ..
    } = trainer;
    match early_stopping {
        Some(es) if es.has_best_weights() => es.restore(model),
        _ => Ok(()),
    }
}

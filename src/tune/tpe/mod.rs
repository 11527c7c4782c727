//! TPE, the tree-structured Parzen estimator (Optuna's default sampler), in its univariate
//! form: [`TpeSampler`] over [`ParzenEstimator`]s, [`split_trials`], [`tpe_gamma`] and
//! [`tpe_weights`].

mod bandwidth;
mod gamma;
mod kernel;
mod parzen;
mod sampler;
mod split;
mod truncnorm;

pub use gamma::{tpe_gamma, tpe_weights};
pub use parzen::{ParzenEstimator, ParzenSettings};
pub use sampler::TpeSampler;
pub use split::split_trials;

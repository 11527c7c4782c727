//! Tuning: searching configurations and proving that a tuning really helped.
//!
//! Search: a [`SearchSpace`] declares named parameters (integer and float ranges, uniform, log-uniform
//! or stepped; categorical choices; parameters active only under a condition on another one)
//! and is checked when built. A [`Sampler`] picks the values of trial `k` of a search seeded
//! with `s`, deterministically from `(s, k)`: [`GridSampler`] walks scikit-learn's
//! `ParameterGrid` order, [`RandomSampler`] draws each value independently, [`TpeSampler`]
//! learns from the trials it is shown (Optuna's default TPE).
//! [`halving_schedule`] gives scikit-learn's successive-halving iterations (candidates and
//! resources per iteration), [`hyperband_brackets`] Hyperband's brackets.
//!
//! ```
//! use tuneup::tune::{RandomSampler, Sampler, SearchSpace};
//! let space = SearchSpace::builder()
//!     .float_log("lr", 1e-4, 1e-1)
//!     .int_step("width", 16, 128, 16)
//!     .categorical("optimizer", ["sgd", "adam"])
//!     .float("momentum", 0.0, 0.99).only_when("optimizer", ["sgd"])
//!     .build()?;
//! let trial = RandomSampler.sample(&space, 42, 0)?;
//! let lr = trial.f64("lr")?;
//! assert!((1e-4..=1e-1).contains(&lr));
//! assert_eq!(trial.usize("width")? % 16, 0);
//! assert!(trial.f64("dropout").is_err()); // not in the space: a typed error
//! # Ok::<(), tuneup::Error>(())
//! ```
//!
//! [`compare`] holds paired statistical tests of two configurations evaluated on the same folds
//! (Dietterich's 5×2cv t-test, Alpaydin's combined F-test, McNemar's test, the Nadeau–Bengio
//! corrected resampled t-test, bootstrap intervals), runners that produce their scores, and the
//! one-line [`Comparison`] report.
//!
//! Pruning: a [`Pruner`] stops a bad trial early from the per-step values it reports, with
//! Optuna's semantics: [`MedianPruner`] and [`PercentilePruner`] (best value so far against a
//! percentile of the complete trials at that step), [`SuccessiveHalvingPruner`] (ASHA) and
//! [`HyperbandPruner`] (successive halving in brackets).

pub mod compare;
mod crc32;
mod cross_validate;
mod direction;
mod distribution;
mod grid_sampler;
mod halving;
mod hyperband;
mod hyperband_pruner;
mod median_pruner;
mod objective_value;
mod params;
mod pareto;
mod pareto_pruning;
mod percentile_pruner;
mod pruner;
mod pruning_callback;
mod random_sampler;
mod sampler;
mod space;
mod study;
mod study_file;
mod study_run;
#[cfg(feature = "csv")]
mod study_table;
mod study_view;
mod successive_halving;
mod suggest;
mod tpe;
mod trial;
mod trial_record;
mod value;

pub use direction::Direction;
pub use distribution::Distribution;
pub use grid_sampler::GridSampler;
pub use halving::{halving_schedule, HalvingIteration, MinResources};
pub use hyperband::hyperband_brackets;
pub use hyperband_pruner::{HyperbandPruner, HyperbandPrunerBuilder};
pub use median_pruner::{MedianPruner, MedianPrunerBuilder};
pub use objective_value::ObjectiveValue;
pub use params::Params;
pub use pareto::{dominates, pareto_front, pareto_indices};
pub use pareto_pruning::ParetoPruning;
pub use percentile_pruner::{PercentilePruner, PercentilePrunerBuilder};
pub use pruner::{NoPruning, Pruner, TrialProgress};
pub use pruning_callback::PruningCallback;
pub use random_sampler::RandomSampler;
pub use sampler::{trial_seed, Sampler};
pub use space::{Condition, Param, SearchSpace, SearchSpaceBuilder};
pub use study::{Study, StudyBuilder};
pub use study_view::StudyView;
pub use successive_halving::{
    MinResource, SuccessiveHalvingPruner, SuccessiveHalvingPrunerBuilder,
};
pub use suggest::{suggest_space, CurrentSettings, SuggestedSpace};
pub use tpe::{split_trials, tpe_gamma, tpe_weights, ParzenEstimator, ParzenSettings, TpeSampler};
pub use trial::Trial;
pub use trial_record::{TrialRecord, TrialState};
pub use value::ParamValue;

pub use compare::{
    bootstrap_ci, bootstrap_interval, bootstrap_means, combined_ftest_5x2cv,
    corrected_resampled_ttest, correctness_differences, five_by_two_splits, mcnemar, mcnemar_table,
    paired_ttest_5x2cv, run_5x2cv, BootstrapCi, BootstrapSettings, CiMethod, Comparison, FoldSplit,
    McnemarMethod, McnemarTable, ScoreMatrix, TestKind, TestResult, Verdict,
};

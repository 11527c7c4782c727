//! Tuning: searching configurations and proving that a tuning really helped.
//!
//! [`compare`] holds paired statistical tests of two configurations evaluated on the same folds
//! (Dietterich's 5×2cv t-test, Alpaydin's combined F-test, McNemar's test, the Nadeau–Bengio
//! corrected resampled t-test, bootstrap intervals), runners that produce their scores, and the
//! one-line [`Comparison`] report.

pub mod compare;

pub use compare::{
    bootstrap_ci, bootstrap_interval, bootstrap_means, combined_ftest_5x2cv,
    corrected_resampled_ttest, correctness_differences, five_by_two_splits, mcnemar, mcnemar_table,
    paired_ttest_5x2cv, run_5x2cv, BootstrapCi, BootstrapSettings, CiMethod, Comparison, FoldSplit,
    McnemarMethod, McnemarTable, ScoreMatrix, TestKind, TestResult, Verdict,
};

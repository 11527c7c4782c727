//! Proof that a tuning really helped: paired tests of two configurations on the same folds.
//!
//! Two layers:
//! * **statistics on recorded scores**, checked against mlxtend and SciPy to 1e-10:
//!   [`paired_ttest_5x2cv`] (Dietterich), [`combined_ftest_5x2cv`] (Alpaydin), [`mcnemar_table`]
//!   and [`mcnemar`] (exact binomial or χ² with or without continuity correction),
//!   [`corrected_resampled_ttest`] (Nadeau–Bengio), and the seeded [`bootstrap_ci`] (percentile
//!   or BCa) of a mean score difference;
//! * **runners** that produce those scores: [`five_by_two_splits`] and [`run_5x2cv`], which fit
//!   two configurations (any closure that fits on some rows and scores on others) on the same
//!   folds.
//!
//! A [`Comparison`] turns a test into one line: whether B is better than A, by how much, with
//! what interval and p-value.
//!
//! Distributions (Student t, F, χ², binomial, normal) come from `statrs`.
//!
//! ```
//! use tuneup::tune::{mcnemar, mcnemar_table, McnemarMethod};
//! let y = [1, 0, 1, 1, 0, 1, 0, 1, 1, 0, 1, 1];
//! let old = [0, 0, 1, 0, 1, 1, 1, 0, 1, 1, 0, 1];
//! let new = [1, 0, 1, 1, 0, 1, 0, 1, 1, 1, 1, 1];
//! let table = mcnemar_table(&y, &old, &new)?;
//! assert_eq!((table.b, table.c), (0, 6));
//! let r = mcnemar(&table, McnemarMethod::Exact)?;
//! assert!((r.p_value - 0.03125).abs() < 1e-12); // 2 · 0.5⁶
//! # Ok::<(), tuneup::Error>(())
//! ```

mod bootstrap;
mod check;
mod comparison;
mod differences;
mod five_by_two;
mod mcnemar;
mod resampled;
mod result;
mod runner;

pub use bootstrap::{
    bootstrap_ci, bootstrap_interval, bootstrap_means, BootstrapCi, BootstrapSettings, CiMethod,
};
pub use comparison::{Comparison, Verdict};
pub use differences::correctness_differences;
pub use five_by_two::{combined_ftest_5x2cv, paired_ttest_5x2cv};
pub use mcnemar::{mcnemar, mcnemar_table, McnemarMethod, McnemarTable};
pub use resampled::corrected_resampled_ttest;
pub use result::{TestKind, TestResult};
pub use runner::{five_by_two_splits, run_5x2cv, FoldSplit, ScoreMatrix};

//! Optuna's `HyperbandPruner`: successive halving in several brackets, each trial in one.

use super::crc32::crc32;
use super::pruner::check_finite;
use super::{MinResource, Pruner, StudyView, SuccessiveHalvingPruner, TrialProgress, TrialRecord};
use crate::{Error, Result};

/// Hyperband as Optuna's `HyperbandPruner`: `n` brackets, bracket `b` a
/// [`SuccessiveHalvingPruner`] with minimum early-stopping rate `b`, comparing only the trials
/// of its own bracket.
///
/// - Brackets: `n = ⌊log_η(max_resource / min_resource)⌋ + 1`, computed in floating point as
///   Optuna does (so `max_resource = 243`, `η = 3` gives 5 brackets, `ln 243 / ln 3` being
///   just under 5).
/// - Budgets: bracket `b` (with `s = n − 1 − b`) gets `⌈n·η^s / (s + 1)⌉`, the number of
///   configurations of Li et al.'s bracket `s`.
/// - Assignment: trial `k` goes to the bracket where `crc32("<study_name>_<k>") mod Σ budgets`
///   falls when the budgets are laid end to end, Optuna's rule; with the Optuna study's name
///   the brackets are Optuna's (default name `"tuneup"`).
///
/// ```
/// use tuneup::tune::HyperbandPruner;
/// let p = HyperbandPruner::builder(81).build()?;
/// assert_eq!(p.n_brackets(), 5);
/// assert_eq!(p.budgets(), &[81, 34, 15, 8, 5]);
/// assert!(p.bracket_of(7) < 5);
/// assert!(HyperbandPruner::builder(81).reduction_factor(1).build().is_err());
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HyperbandPruner {
    study_name: String,
    budgets: Vec<usize>,
    total_budget: usize,
    brackets: Vec<SuccessiveHalvingPruner>,
}

/// The settings of a [`HyperbandPruner`], checked by [`build`](Self::build).
///
/// ```
/// let b = tuneup::tune::HyperbandPruner::builder(27).min_resource(28);
/// assert!(b.build().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HyperbandPrunerBuilder {
    min_resource: usize,
    max_resource: usize,
    reduction_factor: usize,
    bootstrap_count: usize,
    study_name: String,
}

impl HyperbandPruner {
    /// Settings for trials of at most `max_resource` steps, with Optuna's defaults:
    /// `min_resource` 1, `reduction_factor` 3, `bootstrap_count` 0.
    ///
    /// ```
    /// let p = tuneup::tune::HyperbandPruner::builder(27).build()?;
    /// assert_eq!(p.n_brackets(), 4);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn builder(max_resource: usize) -> HyperbandPrunerBuilder {
        HyperbandPrunerBuilder {
            min_resource: 1,
            max_resource,
            reduction_factor: 3,
            bootstrap_count: 0,
            study_name: "tuneup".to_string(),
        }
    }

    /// How many brackets.
    ///
    /// ```
    /// let p = tuneup::tune::HyperbandPruner::builder(64).reduction_factor(2).build()?;
    /// assert_eq!(p.n_brackets(), 7);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn n_brackets(&self) -> usize {
        self.brackets.len()
    }

    /// Each bracket's trial-allocation budget, bracket 0 (the most aggressive) first.
    ///
    /// ```
    /// let p = tuneup::tune::HyperbandPruner::builder(27).build()?;
    /// assert_eq!(p.budgets(), &[27, 12, 6, 4]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn budgets(&self) -> &[usize] {
        &self.budgets
    }

    /// The bracket of trial `number`.
    ///
    /// ```
    /// let p = tuneup::tune::HyperbandPruner::builder(27).study_name("tuneup-pruners").build()?;
    /// assert_eq!(p.bracket_of(0), 1); // as Optuna assigns it in a study of that name
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn bracket_of(&self, number: usize) -> usize {
        let key = format!("{}_{}", self.study_name, number);
        // u32 → usize is lossless on every platform this crate builds for (≥ 32 bits).
        let mut n = crc32(key.as_bytes()) as usize % self.total_budget;
        for (bracket, &budget) in self.budgets.iter().enumerate() {
            if n < budget {
                return bracket;
            }
            n -= budget;
        }
        self.budgets.len() - 1 // unreachable: n < total budget
    }
}

impl HyperbandPrunerBuilder {
    /// The minimum resource (default 1, at least 1): bracket `b`'s first rung is at
    /// `min_resource·η^b`.
    ///
    /// ```
    /// assert!(tuneup::tune::HyperbandPruner::builder(27).min_resource(0).build().is_err());
    /// ```
    pub fn min_resource(mut self, steps: usize) -> Self {
        self.min_resource = steps;
        self
    }

    /// The reduction factor `η` (default 3, at least 2).
    ///
    /// ```
    /// assert!(tuneup::tune::HyperbandPruner::builder(27).reduction_factor(2).build().is_ok());
    /// ```
    pub fn reduction_factor(mut self, eta: usize) -> Self {
        self.reduction_factor = eta;
        self
    }

    /// Each bracket's successive-halving `bootstrap_count` (default 0).
    ///
    /// ```
    /// assert!(tuneup::tune::HyperbandPruner::builder(27).bootstrap_count(1).build().is_ok());
    /// ```
    pub fn bootstrap_count(mut self, count: usize) -> Self {
        self.bootstrap_count = count;
        self
    }

    /// The name hashed with each trial number to pick its bracket (default `"tuneup"`).
    ///
    /// ```
    /// let p = tuneup::tune::HyperbandPruner::builder(27).study_name("mine").build()?;
    /// assert!(p.bracket_of(3) < p.n_brackets());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn study_name(mut self, name: impl Into<String>) -> Self {
        self.study_name = name.into();
        self
    }

    /// The pruner, or an [`Error::Config`] naming the setting out of range.
    ///
    /// ```
    /// assert!(tuneup::tune::HyperbandPruner::builder(0).build().is_err());
    /// ```
    pub fn build(self) -> Result<HyperbandPruner> {
        self.check()?;
        let n = self.n_brackets();
        let mut budgets = Vec::with_capacity(n);
        let mut brackets = Vec::with_capacity(n);
        for bracket in 0..n {
            budgets.push(self.budget(n, bracket)?);
            brackets.push(
                SuccessiveHalvingPruner::builder()
                    .min_resource(MinResource::Steps(self.min_resource))
                    .reduction_factor(self.reduction_factor)
                    .min_early_stopping_rate(bracket)
                    .bootstrap_count(self.bootstrap_count)
                    .build()?,
            );
        }
        let total_budget = budgets.iter().try_fold(0usize, |a, &b| a.checked_add(b));
        let total_budget = total_budget.ok_or_else(|| self.too_large())?;
        Ok(HyperbandPruner {
            study_name: self.study_name,
            budgets,
            total_budget,
            brackets,
        })
    }

    fn check(&self) -> Result<()> {
        if self.min_resource == 0 {
            return Err(Error::config(
                "HyperbandPruner.min_resource",
                0,
                "at least 1",
            ));
        }
        if self.max_resource < self.min_resource {
            return Err(Error::config(
                "HyperbandPruner.max_resource",
                self.max_resource,
                format!("at least min_resource = {}", self.min_resource),
            ));
        }
        if self.reduction_factor < 2 {
            return Err(Error::config(
                "HyperbandPruner.reduction_factor",
                self.reduction_factor,
                "at least 2",
            ));
        }
        Ok(())
    }

    /// `⌊log_η(max / min)⌋ + 1` in floating point, as Optuna's `math.log(x, base)`.
    fn n_brackets(&self) -> usize {
        let ratio = self.max_resource as f64 / self.min_resource as f64;
        let log = ratio.ln() / (self.reduction_factor as f64).ln();
        // ratio ≥ 1, so log ≥ 0 and at most log₂(usize::MAX) < 64.
        log.floor() as usize + 1
    }

    /// `⌈n·η^s / (s + 1)⌉` with `s = n − 1 − bracket`.
    fn budget(&self, n: usize, bracket: usize) -> Result<usize> {
        let s = n - 1 - bracket;
        let power = u32::try_from(s)
            .ok()
            .and_then(|s| self.reduction_factor.checked_pow(s))
            .and_then(|p| p.checked_mul(n))
            .ok_or_else(|| self.too_large())?;
        Ok(power.div_ceil(s + 1))
    }

    fn too_large(&self) -> Error {
        Error::config(
            "HyperbandPruner.max_resource",
            self.max_resource,
            "small enough for the bracket budgets to fit in usize",
        )
    }
}

impl Pruner for HyperbandPruner {
    fn should_prune(&self, trial: &TrialProgress<'_>, past: &StudyView<'_>) -> Result<bool> {
        check_finite(trial)?;
        let bracket = self.bracket_of(trial.number);
        let same_bracket: Vec<&TrialRecord> = past
            .trials
            .iter()
            .filter(|t| self.bracket_of(t.number) == bracket)
            .collect();
        Ok(self.brackets[bracket].decide(trial, &same_bracket, past.direction()))
    }
}

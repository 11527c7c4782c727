//! The univariate Parzen estimator of TPE: a weighted mixture of one kernel per observation
//! and one prior kernel, with Optuna's kernels for each kind of range.

use rand::Rng;

use super::bandwidth::bandwidths;
use super::kernel::NumericKernels;
use super::tpe_weights;
use crate::tune::{Distribution, ParamValue};
use crate::{Error, Result};

/// The settings of a [`ParzenEstimator`]; the default is Optuna's (prior weight 1, magic clip,
/// endpoints not considered).
///
/// ```
/// let s = tuneup::tune::ParzenSettings::default();
/// assert_eq!((s.prior_weight, s.magic_clip, s.endpoints), (1.0, true, false));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ParzenSettings {
    /// The weight of the prior kernel (wide, centred on the range) relative to an
    /// observation's; finite and ≥ 0.
    pub prior_weight: f64,
    /// Keep each width at least `range / min(100, n + 2)` (Optuna's `consider_magic_clip`).
    pub magic_clip: bool,
    /// Let the outermost kernels reach the range's ends (Optuna's `consider_endpoints`).
    pub endpoints: bool,
}

impl Default for ParzenSettings {
    fn default() -> Self {
        ParzenSettings {
            prior_weight: 1.0,
            magic_clip: true,
            endpoints: false,
        }
    }
}

impl ParzenSettings {
    /// Checks the prior weight (finite, ≥ 0).
    ///
    /// ```
    /// let bad = tuneup::tune::ParzenSettings { prior_weight: -1.0, ..Default::default() };
    /// assert!(bad.check().is_err());
    /// ```
    pub fn check(&self) -> Result<()> {
        if !self.prior_weight.is_finite() || self.prior_weight < 0.0 {
            return Err(Error::config(
                "ParzenSettings.prior_weight",
                self.prior_weight,
                "a finite weight ≥ 0",
            ));
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Kernels {
    Numeric(NumericKernels),
    /// One row of choice probabilities per kernel.
    Categorical(Vec<ParamValue>, Vec<Vec<f64>>),
}

/// A weighted mixture over one parameter's range, fitted on observed values (oldest first) as
/// Optuna's univariate `_ParzenEstimator`: a truncated normal per observation (on the log
/// scale for log ranges, discretised for integer and stepped ranges) whose width is
/// the larger gap to its neighbours, plus a prior kernel centred on the range with the
/// range's width; for a categorical, a row of choice probabilities per observation, smoothed
/// by the prior weight. Observation weights are [`tpe_weights`], the prior's
/// [`ParzenSettings::prior_weight`].
///
/// ```
/// use tuneup::tune::{Distribution, ParamValue, ParzenEstimator, ParzenSettings};
/// let obs: Vec<ParamValue> = [0.2, 0.5, 0.6].map(ParamValue::from).to_vec();
/// let pe = ParzenEstimator::fit("x", &Distribution::float(0.0, 1.0), &obs, &ParzenSettings::default())?;
/// assert_eq!(pe.mus(), &[0.2, 0.5, 0.6, 0.5]);
/// assert_eq!(pe.weights(), &[0.25; 4]);
/// assert!(pe.log_pdf(&0.5.into())? > pe.log_pdf(&0.95.into())?);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ParzenEstimator {
    weights: Vec<f64>,
    kernels: Kernels,
}

impl ParzenEstimator {
    /// Fits the estimator of parameter `name` with `distribution` on `observations`, oldest
    /// first. An observation of the wrong kind or outside the range is an [`Error::Value`].
    ///
    /// ```
    /// use tuneup::tune::{Distribution, ParzenEstimator, ParzenSettings};
    /// let d = Distribution::int(1, 5);
    /// let s = ParzenSettings::default();
    /// assert!(ParzenEstimator::fit("k", &d, &[9.into()], &s).is_err());
    /// assert_eq!(ParzenEstimator::fit("k", &d, &[], &s)?.weights(), &[1.0]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn fit(
        name: &str,
        distribution: &Distribution,
        observations: &[ParamValue],
        settings: &ParzenSettings,
    ) -> Result<Self> {
        settings.check()?;
        distribution.check(name)?;
        let n = observations.len();
        let weights = if n == 0 {
            vec![1.0]
        } else {
            let mut w = tpe_weights(n);
            w.push(settings.prior_weight);
            let total: f64 = w.iter().sum();
            w.iter().map(|x| x / total).collect()
        };
        let kernels = match distribution {
            Distribution::Categorical(choices) => {
                let rows = categorical_rows(name, choices, observations, settings.prior_weight)?;
                Kernels::Categorical(choices.clone(), rows)
            }
            _ => {
                let mut k = NumericKernels::new(name, distribution, observations)?;
                let sigmas = bandwidths(&k.mus, k.adapted_low, k.adapted_high, settings);
                k.finish(sigmas);
                Kernels::Numeric(k)
            }
        };
        Ok(ParzenEstimator { weights, kernels })
    }

    /// The mixture weights, the observations' (oldest first) then the prior's; they sum to 1.
    ///
    /// ```
    /// # use tuneup::tune::{Distribution, ParzenEstimator, ParzenSettings};
    /// let pe = ParzenEstimator::fit("x", &Distribution::float(0.0, 1.0), &[0.5.into()], &ParzenSettings::default())?;
    /// assert_eq!(pe.weights(), &[0.5, 0.5]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn weights(&self) -> &[f64] {
        &self.weights
    }

    /// The kernels' centres on the estimator's scale (the log of the value for log ranges),
    /// the prior's last; empty for a categorical.
    ///
    /// ```
    /// # use tuneup::tune::{Distribution, ParzenEstimator, ParzenSettings};
    /// let pe = ParzenEstimator::fit("x", &Distribution::int(0, 10), &[], &ParzenSettings::default())?;
    /// assert_eq!(pe.mus(), &[5.0]); // the prior, centred on [−0.5, 10.5]
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn mus(&self) -> &[f64] {
        match &self.kernels {
            Kernels::Numeric(k) => &k.mus,
            Kernels::Categorical(..) => &[],
        }
    }

    /// The kernels' widths, in the order of [`mus`](Self::mus); empty for a categorical.
    ///
    /// ```
    /// # use tuneup::tune::{Distribution, ParzenEstimator, ParzenSettings};
    /// let pe = ParzenEstimator::fit("x", &Distribution::int(0, 10), &[], &ParzenSettings::default())?;
    /// assert_eq!(pe.sigmas(), &[11.0]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn sigmas(&self) -> &[f64] {
        match &self.kernels {
            Kernels::Numeric(k) => &k.sigmas,
            Kernels::Categorical(..) => &[],
        }
    }

    /// A categorical's choice probabilities, one row per kernel (the prior's last); empty for
    /// a numeric range.
    ///
    /// ```
    /// # use tuneup::tune::{Distribution, ParzenEstimator, ParzenSettings};
    /// let d = Distribution::categorical(["a", "b"]);
    /// let pe = ParzenEstimator::fit("c", &d, &["a".into()], &ParzenSettings::default())?;
    /// assert_eq!(pe.choice_probabilities()[0], vec![0.75, 0.25]);
    /// assert_eq!(pe.choice_probabilities()[1], vec![0.5, 0.5]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn choice_probabilities(&self) -> &[Vec<f64>] {
        match &self.kernels {
            Kernels::Numeric(_) => &[],
            Kernels::Categorical(_, rows) => rows,
        }
    }

    /// The mixture's log-density at `value` (for integer and stepped ranges and categoricals,
    /// the log of its probability mass); `−∞` outside the range. A value of the wrong kind, or
    /// not a choice, is an [`Error::Value`].
    ///
    /// ```
    /// # use tuneup::tune::{Distribution, ParzenEstimator, ParzenSettings};
    /// let pe = ParzenEstimator::fit("x", &Distribution::float(0.0, 1.0), &[], &ParzenSettings::default())?;
    /// assert_eq!(pe.log_pdf(&2.0.into())?, f64::NEG_INFINITY);
    /// assert!(pe.log_pdf(&"a".into()).is_err());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn log_pdf(&self, value: &ParamValue) -> Result<f64> {
        let per_kernel: Vec<f64> = match &self.kernels {
            Kernels::Numeric(k) => k.log_pdfs(value)?,
            Kernels::Categorical(choices, rows) => {
                let i = choice_index("ParzenEstimator.log_pdf", choices, value)?;
                rows.iter().map(|r| r[i].ln()).collect()
            }
        };
        let terms = per_kernel
            .iter()
            .zip(&self.weights)
            .map(|(lp, w)| lp + w.ln());
        Ok(log_sum_exp(terms))
    }

    /// Draws `count` values from the mixture: a kernel by weight, then a value from it.
    ///
    /// ```
    /// use rand::SeedableRng;
    /// # use tuneup::tune::{Distribution, ParzenEstimator, ParzenSettings};
    /// let d = Distribution::int_step(0, 20, 5);
    /// let pe = ParzenEstimator::fit("x", &d, &[10.into()], &ParzenSettings::default())?;
    /// let mut rng = rand::rngs::StdRng::seed_from_u64(0);
    /// for v in pe.sample(&mut rng, 50) {
    ///     assert_eq!(v.as_f64().unwrap() % 5.0, 0.0);
    /// }
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R, count: usize) -> Vec<ParamValue> {
        (0..count)
            .map(|_| {
                let k = pick(&self.weights, rng.random::<f64>());
                match &self.kernels {
                    Kernels::Numeric(kernels) => kernels.sample(k, rng.random::<f64>()),
                    Kernels::Categorical(choices, rows) => {
                        choices[pick(&rows[k], rng.random::<f64>())].clone()
                    }
                }
            })
            .collect()
    }
}

/// The index drawn by `u` in [0, 1) from probabilities `p`: the number of cumulative sums
/// below `u`, the last taken as exactly 1 (as Optuna draws categoricals).
fn pick(p: &[f64], u: f64) -> usize {
    let mut cum = 0.0;
    let last = p.len().saturating_sub(1);
    for (i, x) in p.iter().enumerate().take(last) {
        cum += x;
        if cum >= u {
            return i;
        }
    }
    last
}

fn log_sum_exp(terms: impl Iterator<Item = f64> + Clone) -> f64 {
    let max = terms.clone().fold(f64::NEG_INFINITY, f64::max);
    if max == f64::NEG_INFINITY {
        return max;
    }
    max + terms.map(|t| (t - max).exp()).sum::<f64>().ln()
}

/// The position of `value` among `choices`.
pub(crate) fn choice_index(
    context: &str,
    choices: &[ParamValue],
    value: &ParamValue,
) -> Result<usize> {
    choices.iter().position(|c| c == value).ok_or_else(|| {
        let listed: Vec<String> = choices.iter().map(|c| c.to_string()).collect();
        Error::value(
            context,
            format!("one of the choices [{}]", listed.join(", ")),
            format!("{} {value}", value.kind()),
        )
    })
}

/// Optuna's categorical kernel: each of the `n + 1` rows holds `prior_weight / (n + 1)` on
/// every choice, observation rows 1 more on their choice, each row normalised.
fn categorical_rows(
    name: &str,
    choices: &[ParamValue],
    observations: &[ParamValue],
    prior_weight: f64,
) -> Result<Vec<Vec<f64>>> {
    let m = choices.len();
    if observations.is_empty() {
        return Ok(vec![vec![1.0 / m as f64; m]]);
    }
    let base = prior_weight / (observations.len() + 1) as f64;
    let context = format!("TPE observations of '{name}'");
    let mut rows = Vec::with_capacity(observations.len() + 1);
    for v in observations {
        let mut row = vec![base; m];
        row[choice_index(&context, choices, v)?] += 1.0;
        rows.push(row);
    }
    rows.push(vec![base; m]);
    for row in &mut rows {
        let total: f64 = row.iter().sum();
        let total = if total == 0.0 { 1.0 } else { total };
        row.iter_mut().for_each(|x| *x /= total);
    }
    Ok(rows)
}

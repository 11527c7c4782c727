//! The range or set one hyperparameter is drawn from.

use rand::Rng;

use super::ParamValue;
use crate::{Error, Result};

/// Where one hyperparameter's values come from, with Optuna's semantics.
///
/// Integer and float ranges are inclusive of both ends (`low == high` is allowed and gives a
/// constant). A range is either log-uniform or stepped, never both. A stepped float range's
/// upper end is moved down to the last `low + k·step ≤ high`, as Optuna does.
///
/// ```
/// use tuneup::tune::{Distribution, ParamValue};
/// let d = Distribution::float_step(0.0, 1.0, 0.25);
/// assert_eq!(d.grid_values("p")?.len(), 5);
/// assert!(Distribution::float_log(0.0, 1.0).check("lr").is_err());
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Distribution {
    /// Integers in `low..=high`, every `step`-th from `low`, or log-uniform when `log`.
    Int {
        /// Smallest value.
        low: i64,
        /// Largest value.
        high: i64,
        /// Distance between neighbouring values (1 unless stepped).
        step: i64,
        /// Draw uniformly in log space.
        log: bool,
    },
    /// Floats in `[low, high]`, on `low + k·step` when stepped, or log-uniform when `log`.
    Float {
        /// Smallest value.
        low: f64,
        /// Largest value.
        high: f64,
        /// Distance between neighbouring values, when the range is discrete.
        step: Option<f64>,
        /// Draw uniformly in log space.
        log: bool,
    },
    /// One of a list of values, each equally likely.
    Categorical(Vec<ParamValue>),
}

impl Distribution {
    /// Integers `low..=high`, uniform.
    ///
    /// ```
    /// let d = tuneup::tune::Distribution::int(1, 3);
    /// assert_eq!(d.grid_values("n")?.len(), 3);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn int(low: i64, high: i64) -> Self {
        Distribution::Int {
            low,
            high,
            step: 1,
            log: false,
        }
    }

    /// Integers `low, low + step, … ≤ high`, uniform.
    ///
    /// ```
    /// let d = tuneup::tune::Distribution::int_step(8, 64, 8);
    /// assert_eq!(d.grid_values("width")?.len(), 8);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn int_step(low: i64, high: i64, step: i64) -> Self {
        Distribution::Int {
            low,
            high,
            step,
            log: false,
        }
    }

    /// Integers `low..=high`, log-uniform (`low ≥ 1`).
    ///
    /// ```
    /// assert!(tuneup::tune::Distribution::int_log(0, 10).check("n").is_err());
    /// ```
    pub fn int_log(low: i64, high: i64) -> Self {
        Distribution::Int {
            low,
            high,
            step: 1,
            log: true,
        }
    }

    /// Floats in `[low, high]`, uniform.
    ///
    /// ```
    /// assert!(tuneup::tune::Distribution::float(1.0, 0.0).check("p").is_err());
    /// ```
    pub fn float(low: f64, high: f64) -> Self {
        Distribution::Float {
            low,
            high,
            step: None,
            log: false,
        }
    }

    /// Floats in `[low, high]`, log-uniform (`low > 0`).
    ///
    /// ```
    /// assert!(tuneup::tune::Distribution::float_log(1e-4, 1e-1).check("lr").is_ok());
    /// ```
    pub fn float_log(low: f64, high: f64) -> Self {
        Distribution::Float {
            low,
            high,
            step: None,
            log: true,
        }
    }

    /// Floats `low, low + step, … ≤ high`, uniform.
    ///
    /// ```
    /// let d = tuneup::tune::Distribution::float_step(0.0, 0.5, 0.1);
    /// assert_eq!(d.grid_values("dropout")?.len(), 6);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn float_step(low: f64, high: f64, step: f64) -> Self {
        Distribution::Float {
            low,
            high,
            step: Some(step),
            log: false,
        }
    }

    /// One of `choices`, uniform.
    ///
    /// ```
    /// use tuneup::tune::Distribution;
    /// assert!(Distribution::categorical(["sgd", "adam"]).check("opt").is_ok());
    /// assert!(Distribution::categorical(Vec::<&str>::new()).check("opt").is_err());
    /// ```
    pub fn categorical<V: Into<ParamValue>>(choices: impl IntoIterator<Item = V>) -> Self {
        Distribution::Categorical(choices.into_iter().map(Into::into).collect())
    }

    /// Checks the distribution of the parameter `name`: finite ends, `low ≤ high`, positive
    /// step, `low > 0` on a log scale, log and step not together, at least one choice.
    ///
    /// ```
    /// use tuneup::tune::Distribution;
    /// assert!(Distribution::int_step(0, 10, 0).check("n").is_err());
    /// ```
    pub fn check(&self, name: &str) -> Result<()> {
        match self {
            Distribution::Int {
                low,
                high,
                step,
                log,
            } => {
                check_range(name, *low as f64, *high as f64, *log)?;
                if high.checked_sub(*low).is_none() {
                    return Err(Error::config(
                        format!("{name}.high - low"),
                        format!("{high} - {low}"),
                        "a width that fits in an i64",
                    ));
                }
                check_step(name, *step as f64, *log)
            }
            Distribution::Float {
                low,
                high,
                step,
                log,
            } => {
                if !low.is_finite() || !high.is_finite() {
                    return Err(Error::config(
                        format!("{name}.low/high"),
                        format!("[{low}, {high}]"),
                        "finite ends",
                    ));
                }
                check_range(name, *low, *high, *log)?;
                match step {
                    Some(s) if !s.is_finite() => Err(Error::config(
                        format!("{name}.step"),
                        s,
                        "a finite step > 0",
                    )),
                    Some(s) => check_step(name, *s, *log),
                    None => Ok(()),
                }
            }
            Distribution::Categorical(choices) => {
                if choices.is_empty() {
                    return Err(Error::config(
                        format!("{name}.choices"),
                        "[]",
                        "at least one choice",
                    ));
                }
                if let Some(v) = choices
                    .iter()
                    .find(|v| matches!(v, ParamValue::Float(f) if !f.is_finite()))
                {
                    return Err(Error::config(format!("{name}.choices"), v, "finite values"));
                }
                Ok(())
            }
        }
    }

    /// Every value of a discrete distribution, in order, for a grid search: an integer range,
    /// a stepped float range or a categorical. A continuous float range is an error.
    ///
    /// ```
    /// use tuneup::tune::{Distribution, ParamValue};
    /// let v = Distribution::int_step(1, 7, 3).grid_values("k")?;
    /// assert_eq!(v, vec![ParamValue::Int(1), ParamValue::Int(4), ParamValue::Int(7)]);
    /// assert!(Distribution::float(0.0, 1.0).grid_values("p").is_err());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn grid_values(&self, name: &str) -> Result<Vec<ParamValue>> {
        self.check(name)?;
        match self {
            Distribution::Int {
                low, high, step, ..
            } => {
                let n = (high - low) / step;
                Ok((0..=n).map(|k| ParamValue::Int(low + k * step)).collect())
            }
            Distribution::Float {
                low, step: Some(s), ..
            } => {
                let n = self.float_step_count();
                Ok((0..=n)
                    .map(|k| ParamValue::Float(low + k as f64 * s))
                    .collect())
            }
            Distribution::Float { .. } => Err(Error::config(
                name,
                "a continuous float range",
                "a stepped range or a categorical for a grid search",
            )),
            Distribution::Categorical(c) => Ok(c.clone()),
        }
    }

    /// The number of steps above `low` of a stepped float range.
    pub(crate) fn float_step_count(&self) -> u64 {
        match self {
            Distribution::Float {
                low,
                high,
                step: Some(s),
                ..
            } => {
                // A small tolerance keeps 0.1·k ranges from losing their last value.
                ((high - low) / s + 1e-9).floor() as u64
            }
            _ => 0,
        }
    }

    /// Draws one value uniformly (on the distribution's scale) from `rng`, as Optuna's
    /// `RandomSampler` does. The distribution must have passed [`Distribution::check`].
    ///
    /// ```
    /// use rand::SeedableRng;
    /// use tuneup::tune::Distribution;
    /// let mut rng = rand::rngs::StdRng::seed_from_u64(0);
    /// let v = Distribution::float_log(1e-3, 1e-1).sample(&mut rng).as_f64().unwrap();
    /// assert!((1e-3..=1e-1).contains(&v));
    /// ```
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> ParamValue {
        match self {
            Distribution::Int {
                low,
                high,
                step,
                log: false,
            } => {
                let n = (high - low) / step;
                ParamValue::Int(low + rng.random_range(0..=n) * step)
            }
            Distribution::Int {
                low,
                high,
                log: true,
                ..
            } => {
                let (a, b) = ((*low as f64 - 0.5).ln(), (*high as f64 + 0.5).ln());
                let v = rng.random_range(a..b).exp().round() as i64;
                ParamValue::Int(v.clamp(*low, *high))
            }
            Distribution::Float {
                low, step: Some(s), ..
            } => {
                let k = rng.random_range(0..=self.float_step_count());
                ParamValue::Float(low + k as f64 * s)
            }
            Distribution::Float { low, high, log, .. } => {
                ParamValue::Float(sample_float(rng, *low, *high, *log))
            }
            Distribution::Categorical(c) => c[rng.random_range(0..c.len())].clone(),
        }
    }
}

fn sample_float<R: Rng + ?Sized>(rng: &mut R, low: f64, high: f64, log: bool) -> f64 {
    if low == high {
        return low;
    }
    if log {
        rng.random_range(low.ln()..high.ln()).exp().clamp(low, high)
    } else {
        rng.random_range(low..high)
    }
}

fn check_range(name: &str, low: f64, high: f64, log: bool) -> Result<()> {
    if low > high {
        return Err(Error::config(
            format!("{name}.low"),
            low,
            format!("low ≤ high = {high}"),
        ));
    }
    if log && low <= 0.0 {
        return Err(Error::config(
            format!("{name}.low"),
            low,
            "low > 0 on a log scale",
        ));
    }
    Ok(())
}

fn check_step(name: &str, step: f64, log: bool) -> Result<()> {
    if step <= 0.0 {
        return Err(Error::config(format!("{name}.step"), step, "a step > 0"));
    }
    if log && step != 1.0 {
        return Err(Error::config(
            format!("{name}.step"),
            step,
            "no step on a log scale (log and step are exclusive)",
        ));
    }
    Ok(())
}

//! The truncated-normal kernels of a numeric range: continuous, or discretised on the
//! range's grid (integers, stepped ranges), on the linear or log scale.

use super::truncnorm::{log_gauss_mass, log_norm_pdf, truncated_quantile};
use crate::tune::{Distribution, ParamValue};
use crate::{Error, Result};

/// The kernels of one numeric parameter: centres and widths on the estimator's scale, the
/// prior last.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NumericKernels {
    pub(crate) mus: Vec<f64>,
    pub(crate) sigmas: Vec<f64>,
    /// The range's ends on the value scale (`high` moved down onto the step grid).
    low: f64,
    high: f64,
    /// The grid step of integer and stepped ranges.
    step: Option<f64>,
    log: bool,
    integer: bool,
    /// The range on the estimator's scale: widened by half a step when discrete, then logged.
    pub(crate) adapted_low: f64,
    pub(crate) adapted_high: f64,
    /// Each kernel's log-mass on the adapted range (its truncation).
    log_mass: Vec<f64>,
}

impl NumericKernels {
    /// The kernels' ranges and the observations' centres; widths come in [`Self::finish`].
    pub(crate) fn new(name: &str, d: &Distribution, observations: &[ParamValue]) -> Result<Self> {
        let (low, high, step, log, integer) = numeric_range(d);
        let (mut a, mut b) = (low, high);
        if let Some(s) = step {
            a -= s / 2.0;
            b += s / 2.0;
        }
        let scale = |x: f64| if log { x.ln() } else { x };
        let mut mus = Vec::with_capacity(observations.len() + 1);
        for v in observations {
            match v.as_f64() {
                Some(x) if x >= low && x <= high => mus.push(scale(x)),
                _ => {
                    return Err(Error::value(
                        format!("TPE observations of '{name}'"),
                        format!("a number in [{low}, {high}]"),
                        format!("{} {v}", v.kind()),
                    ))
                }
            }
        }
        Ok(NumericKernels {
            mus,
            sigmas: Vec::new(),
            low,
            high,
            step,
            log,
            integer,
            adapted_low: scale(a),
            adapted_high: scale(b),
            log_mass: Vec::new(),
        })
    }

    /// Sets the observations' widths, appends the prior kernel (the range's centre and width)
    /// and computes each kernel's truncation mass.
    pub(crate) fn finish(&mut self, sigmas: Vec<f64>) {
        let (a, b) = (self.adapted_low, self.adapted_high);
        self.sigmas = sigmas;
        self.mus.push(0.5 * (a + b));
        self.sigmas.push(b - a);
        self.log_mass = self
            .mus
            .iter()
            .zip(&self.sigmas)
            .map(|(m, s)| log_gauss_mass((a - m) / s, (b - m) / s))
            .collect();
    }

    /// Each kernel's log-density (or log-mass on the value's grid cell) at `value`.
    pub(crate) fn log_pdfs(&self, value: &ParamValue) -> Result<Vec<f64>> {
        let Some(x) = value.as_f64() else {
            return Err(Error::value(
                "ParzenEstimator.log_pdf",
                "a number",
                format!("{} {value}", value.kind()),
            ));
        };
        let kernels = self.mus.iter().zip(&self.sigmas).zip(&self.log_mass);
        if x < self.low || x > self.high || x.is_nan() {
            return Ok(vec![f64::NEG_INFINITY; self.mus.len()]);
        }
        let scale = |x: f64| if self.log { x.ln() } else { x };
        Ok(match self.step {
            None => {
                let z = scale(x);
                kernels
                    .map(|((m, s), lm)| log_norm_pdf((z - m) / s) - lm - s.ln())
                    .collect()
            }
            Some(step) => {
                let (left, right) = (scale(x - step / 2.0), scale(x + step / 2.0));
                kernels
                    .map(|((m, s), lm)| log_gauss_mass((left - m) / s, (right - m) / s) - lm)
                    .collect()
            }
        })
    }

    /// The value drawn by `u` in [0, 1) from kernel `k`: its truncated normal's quantile,
    /// back on the value scale and, when discrete, rounded onto the grid.
    pub(crate) fn sample(&self, k: usize, u: f64) -> ParamValue {
        let (m, s) = (self.mus[k], self.sigmas[k]);
        let (a, b) = (self.adapted_low, self.adapted_high);
        let z = m + s * truncated_quantile(u, (a - m) / s, (b - m) / s);
        let x = if self.log { z.exp() } else { z };
        let x = match self.step {
            Some(step) => self.low + ((x - self.low) / step).round() * step,
            None => x,
        };
        let x = x.clamp(self.low, self.high);
        if self.integer {
            ParamValue::Int(x.round() as i64)
        } else {
            ParamValue::Float(x)
        }
    }
}

/// `(low, high, step, log, integer)` of a numeric distribution, `high` moved onto the grid
/// as Optuna does; a categorical gives a unit range (never used).
fn numeric_range(d: &Distribution) -> (f64, f64, Option<f64>, bool, bool) {
    match d {
        Distribution::Int {
            low,
            high,
            step,
            log,
        } => {
            let top = low + (high - low) / step * step;
            (*low as f64, top as f64, Some(*step as f64), *log, true)
        }
        Distribution::Float {
            low,
            step: Some(s),
            log,
            ..
        } => {
            let top = low + d.float_step_count() as f64 * s;
            (*low, top, Some(*s), *log, false)
        }
        Distribution::Float { low, high, log, .. } => (*low, *high, None, *log, false),
        Distribution::Categorical(_) => (0.0, 1.0, None, false, false),
    }
}

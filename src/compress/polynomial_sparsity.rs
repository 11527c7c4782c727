//! The gradual pruning schedule of Zhu & Gupta (2017), "To prune, or not to prune": the target
//! sparsity rises from an initial to a final value along a polynomial, pruning every few steps.

use crate::{Error, Result};

/// The polynomial-decay sparsity schedule of Zhu & Gupta (2017), with the semantics of
/// TensorFlow Model Optimization's `tfmot.sparsity.keras.PolynomialDecay`: at step `t`
/// (optimizer steps counted from 0) the target sparsity is
///
/// `s(t) = s_f + (s_i − s_f) · (1 − p)^power`, with `p = clamp((t − begin) / (end − begin), 0, 1)`,
///
/// and pruning happens at the steps `begin ≤ t ≤ end` with `(t − begin)` a multiple of
/// `frequency`. With the paper's cubic `power = 3` the sparsity rises fast at first, while
/// the network has redundant weights, and slowly near the end; `s(end) = s_f`, reached by a
/// pruning step when `end − begin` is a multiple of `frequency`.
///
/// ```
/// use tuneup::compress::PolynomialSparsity;
/// let s = PolynomialSparsity::new(0.0, 0.8, 0, 100)?.frequency(10)?;
/// assert_eq!(s.sparsity(0), 0.0);
/// assert!((s.sparsity(50) - 0.7).abs() < 1e-12); // 0.8 − 0.8·0.5³
/// assert_eq!(s.sparsity(100), 0.8);
/// assert_eq!(s.sparsity(500), 0.8);
/// assert!(s.prunes_at(20) && !s.prunes_at(25) && !s.prunes_at(110));
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PolynomialSparsity {
    initial: f64,
    target: f64,
    begin: u64,
    end: u64,
    power: f64,
    frequency: u64,
}

impl PolynomialSparsity {
    /// A schedule from sparsity `initial` at step `begin` to `target` at step `end`, cubic
    /// (`power = 3`), pruning every 100 steps (TF-MOT's defaults).
    ///
    /// Errors ([`Error::Config`]): a sparsity outside `[0, 1)` or NaN, `initial > target`,
    /// `end ≤ begin`.
    ///
    /// ```
    /// use tuneup::compress::PolynomialSparsity;
    /// assert!(PolynomialSparsity::new(0.5, 0.9, 10, 1000).is_ok());
    /// assert!(PolynomialSparsity::new(0.0, 1.0, 0, 10).is_err()); // nothing would be left
    /// assert!(PolynomialSparsity::new(0.6, 0.5, 0, 10).is_err());
    /// assert!(PolynomialSparsity::new(0.0, 0.5, 10, 10).is_err());
    /// ```
    pub fn new(initial: f64, target: f64, begin: u64, end: u64) -> Result<Self> {
        for (what, s) in [("initial", initial), ("target", target)] {
            if !(0.0..1.0).contains(&s) {
                return Err(Error::config(
                    format!("PolynomialSparsity.{what}"),
                    s,
                    "a sparsity in [0, 1)",
                ));
            }
        }
        if initial > target {
            return Err(Error::config(
                "PolynomialSparsity.initial",
                initial,
                format!("at most the target sparsity {target}"),
            ));
        }
        if end <= begin {
            return Err(Error::config(
                "PolynomialSparsity.end",
                end,
                format!("a step after begin = {begin}"),
            ));
        }
        Ok(PolynomialSparsity {
            initial,
            target,
            begin,
            end,
            power: 3.0,
            frequency: 100,
        })
    }

    /// The exponent of the decay (finite, > 0; default 3, the paper's; 1 is linear).
    ///
    /// ```
    /// use tuneup::compress::PolynomialSparsity;
    /// let linear = PolynomialSparsity::new(0.0, 0.5, 0, 10)?.power(1.0)?;
    /// assert!((linear.sparsity(4) - 0.2).abs() < 1e-12);
    /// assert!(PolynomialSparsity::new(0.0, 0.5, 0, 10)?.power(0.0).is_err());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn power(mut self, power: f64) -> Result<Self> {
        if !(power.is_finite() && power > 0.0) {
            return Err(Error::config(
                "PolynomialSparsity.power",
                power,
                "a finite number > 0",
            ));
        }
        self.power = power;
        Ok(self)
    }

    /// Prune every `frequency` (≥ 1) steps from `begin` (default 100).
    ///
    /// ```
    /// use tuneup::compress::PolynomialSparsity;
    /// let s = PolynomialSparsity::new(0.0, 0.5, 3, 13)?.frequency(5)?;
    /// assert_eq!((3..=13).filter(|&t| s.prunes_at(t)).collect::<Vec<_>>(), [3, 8, 13]);
    /// assert!(s.frequency(0).is_err());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn frequency(mut self, frequency: u64) -> Result<Self> {
        if frequency == 0 {
            return Err(Error::config(
                "PolynomialSparsity.frequency",
                0,
                "at least 1 step",
            ));
        }
        self.frequency = frequency;
        Ok(self)
    }

    /// The target sparsity at step `step`.
    ///
    /// ```
    /// use tuneup::compress::PolynomialSparsity;
    /// let s = PolynomialSparsity::new(0.2, 0.6, 10, 20)?;
    /// assert_eq!(s.sparsity(5), 0.2);
    /// assert!((s.sparsity(15) - (0.6 - 0.4 * 0.125)).abs() < 1e-12);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn sparsity(&self, step: u64) -> f64 {
        let span = (self.end - self.begin) as f64;
        let p = (step.saturating_sub(self.begin) as f64 / span).clamp(0.0, 1.0);
        if p == 1.0 {
            return self.target;
        }
        self.target + (self.initial - self.target) * (1.0 - p).powf(self.power)
    }

    /// Whether the schedule prunes at step `step`: `begin ≤ step ≤ end` and `step − begin` a
    /// multiple of the frequency.
    ///
    /// ```
    /// use tuneup::compress::PolynomialSparsity;
    /// let s = PolynomialSparsity::new(0.0, 0.5, 0, 1000)?;
    /// assert!(s.prunes_at(0) && s.prunes_at(300) && !s.prunes_at(301));
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn prunes_at(&self, step: u64) -> bool {
        (self.begin..=self.end).contains(&step) && (step - self.begin) % self.frequency == 0
    }

    /// The step at which the final sparsity is reached.
    ///
    /// ```
    /// use tuneup::compress::PolynomialSparsity;
    /// assert_eq!(PolynomialSparsity::new(0.0, 0.5, 5, 50)?.end(), 50);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn end(&self) -> u64 {
        self.end
    }
}

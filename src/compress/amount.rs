//! How much to prune: a fraction of the entries (or channels) still unpruned, or a count.

use crate::{Error, Result};

/// The quantity to prune, as `torch.nn.utils.prune`'s `amount`: a fraction in `[0, 1]` of
/// the entries (or channels) not yet pruned, rounded half to even as Python's `round`, or
/// an absolute count.
///
/// ```
/// use tuneup::compress::Amount;
/// assert_eq!(Amount::Fraction(0.3).count(10, "w")?, 3);
/// assert_eq!(Amount::Fraction(0.25).count(10, "w")?, 2); // round(2.5) = 2, as Python
/// assert_eq!(Amount::Count(4).count(10, "w")?, 4);
/// assert!(Amount::Count(11).count(10, "w").is_err());
/// assert!(Amount::Fraction(1.5).count(10, "w").is_err());
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Amount {
    /// A fraction in `[0, 1]` of the entries still unpruned.
    Fraction(f64),
    /// A number of entries (or channels).
    Count(usize),
}

impl Amount {
    /// The number of entries to prune out of `available` still unpruned in `what`.
    ///
    /// Errors: a fraction outside `[0, 1]` or NaN ([`Error::Config`]); a count above
    /// `available` ([`Error::Value`]).
    ///
    /// ```
    /// use tuneup::compress::Amount;
    /// assert_eq!(Amount::Fraction(1.0).count(7, "0.weight")?, 7);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn count(&self, available: usize, what: &str) -> Result<usize> {
        let k = match *self {
            Amount::Fraction(f) => {
                if !(0.0..=1.0).contains(&f) {
                    return Err(Error::config(
                        format!("pruning amount of {what}"),
                        f,
                        "a fraction in [0, 1] or a count",
                    ));
                }
                // Exact in f64 for any tensor that fits in memory; ties go to even.
                (f * available as f64).round_ties_even() as usize
            }
            Amount::Count(k) => k,
        };
        if k > available {
            return Err(Error::value(
                format!("pruning amount of {what}"),
                format!("at most {available} (the entries or channels not yet pruned)"),
                k,
            ));
        }
        Ok(k)
    }
}

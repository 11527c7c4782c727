//! Hyperband's brackets, as Li et al. (2018, JMLR, Algorithm 1) define them.

use super::HalvingIteration;
use crate::{Error, Result};

/// The brackets of Hyperband with maximum resource `max_resource` (R) and reduction factor
/// `eta` (η), from the most exploratory (`s = s_max = ⌊log_η R⌋`) to plain evaluation
/// (`s = 0`). Bracket `s` starts `n = ⌈(s_max + 1) η^s / (s + 1)⌉` configurations on
/// `r = R η^-s` resources; its round `i` runs `⌊n η^-i⌋` of them on `r η^i` (rounded down to a
/// whole resource, at least 1).
///
/// ```
/// let b = tuneup::tune::hyperband_brackets(81, 3)?;
/// assert_eq!(b.len(), 5);
/// assert_eq!(b[1][0], tuneup::tune::HalvingIteration { candidates: 34, resources: 3 });
/// assert!(tuneup::tune::hyperband_brackets(81, 1).is_err());
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn hyperband_brackets(max_resource: usize, eta: usize) -> Result<Vec<Vec<HalvingIteration>>> {
    if eta < 2 {
        return Err(Error::config("hyperband_brackets.eta", eta, "at least 2"));
    }
    if max_resource == 0 {
        return Err(Error::config(
            "hyperband_brackets.max_resource",
            0,
            "at least 1",
        ));
    }
    // s_max = ⌊log_η R⌋ in integers, so exact powers are exact.
    let mut s_max = 0u32;
    while eta
        .checked_pow(s_max + 1)
        .is_some_and(|p| p <= max_resource)
    {
        s_max += 1;
    }
    let mut brackets = Vec::with_capacity(s_max as usize + 1);
    for s in (0..=s_max).rev() {
        let eta_s = eta.pow(s);
        let n = (s_max as usize + 1)
            .saturating_mul(eta_s)
            .div_ceil(s as usize + 1);
        let rounds = (0..=s)
            .map(|i| HalvingIteration {
                candidates: n / eta.pow(i),
                resources: (max_resource / eta.pow(s - i)).max(1),
            })
            .collect();
        brackets.push(rounds);
    }
    Ok(brackets)
}

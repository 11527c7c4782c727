//! scikit-learn's successive-halving resource schedule (`HalvingRandomSearchCV`,
//! `HalvingGridSearchCV`).

use crate::{Error, Result};

/// How many resources the first iteration of a halving search gives each candidate.
///
/// ```
/// use tuneup::tune::{halving_schedule, MinResources};
/// let s = halving_schedule(27, 3, MinResources::Exhaust(8), 1000, false)?;
/// assert_eq!(s.last().unwrap().resources, 999);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MinResources {
    /// A fixed number (scikit-learn's integer `min_resources`).
    Fixed(usize),
    /// As large as lets the last required iteration use as much of `max_resources` as
    /// possible, and at least the value held (scikit-learn's `"exhaust"`, which starts from
    /// its `"smallest"` value: `2 · n_splits · n_classes` for a classifier, `2 · n_splits`
    /// for a regressor).
    Exhaust(usize),
}

/// One iteration of a halving search: how many candidates it evaluates, on how many
/// resources (samples, epochs) each.
///
/// ```
/// let s = tuneup::tune::halving_schedule(20, 3, tuneup::tune::MinResources::Fixed(20), 1000, false)?;
/// assert_eq!(s[1], tuneup::tune::HalvingIteration { candidates: 7, resources: 60 });
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct HalvingIteration {
    /// Candidates evaluated in this iteration.
    pub candidates: usize,
    /// Resources given to each of them.
    pub resources: usize,
}

/// The iterations of scikit-learn's successive halving (`HalvingRandomSearchCV` /
/// `HalvingGridSearchCV`, integer `factor`) for `n_candidates` starting candidates:
/// iteration `i` keeps `⌈candidates / factor⌉` of the previous one's and gives each
/// `factor^i · min_resources` (at most `max_resources`). There are
/// `1 + ⌊log_factor(n_candidates)⌋` required iterations and
/// `1 + ⌊log_factor(max_resources / min_resources)⌋` possible ones; without
/// `aggressive_elimination` the search runs the smaller number, with it all required ones,
/// repeating the first resource level until the rest fit.
///
/// ```
/// use tuneup::tune::{halving_schedule, MinResources};
/// let s = halving_schedule(100, 3, MinResources::Fixed(20), 200, true)?;
/// let candidates: Vec<usize> = s.iter().map(|i| i.candidates).collect();
/// let resources: Vec<usize> = s.iter().map(|i| i.resources).collect();
/// assert_eq!(candidates, [100, 34, 12, 4, 2]);
/// assert_eq!(resources, [20, 20, 20, 60, 180]);
/// assert!(halving_schedule(10, 1, MinResources::Fixed(1), 10, false).is_err());
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn halving_schedule(
    n_candidates: usize,
    factor: usize,
    min_resources: MinResources,
    max_resources: usize,
    aggressive_elimination: bool,
) -> Result<Vec<HalvingIteration>> {
    check(n_candidates, factor, min_resources, max_resources)?;
    let required = 1 + floor_log(n_candidates, factor);
    let min = match min_resources {
        MinResources::Fixed(m) => m,
        MinResources::Exhaust(at_least) => (max_resources / pow_saturating(factor, required - 1))
            .max(at_least)
            .max(1),
    };
    let possible = 1 + floor_log(max_resources / min, factor);
    let n_iterations = if aggressive_elimination {
        required
    } else {
        possible.min(required)
    };
    let mut candidates = n_candidates;
    let mut out = Vec::with_capacity(n_iterations);
    for itr in 0..n_iterations {
        let power = if aggressive_elimination {
            (itr + possible).saturating_sub(required)
        } else {
            itr
        };
        let resources = pow_saturating(factor, power)
            .saturating_mul(min)
            .min(max_resources);
        out.push(HalvingIteration {
            candidates,
            resources,
        });
        candidates = candidates.div_ceil(factor);
    }
    Ok(out)
}

fn check(
    n_candidates: usize,
    factor: usize,
    min_resources: MinResources,
    max_resources: usize,
) -> Result<()> {
    if n_candidates == 0 {
        return Err(Error::config(
            "halving_schedule.n_candidates",
            0,
            "at least 1",
        ));
    }
    if factor < 2 {
        return Err(Error::config(
            "halving_schedule.factor",
            factor,
            "at least 2",
        ));
    }
    let (MinResources::Fixed(m) | MinResources::Exhaust(m)) = min_resources;
    if (m == 0 && matches!(min_resources, MinResources::Fixed(_))) || m > max_resources {
        return Err(Error::config(
            "halving_schedule.min_resources",
            m,
            format!("between 1 and max_resources = {max_resources}"),
        ));
    }
    if max_resources == 0 {
        return Err(Error::config(
            "halving_schedule.max_resources",
            0,
            "at least 1",
        ));
    }
    Ok(())
}

/// `⌊log(n) / log(base)⌋` in floats, as scikit-learn computes it (`floor(log(n, base))`), so
/// exact powers land where they land in Python.
fn floor_log(n: usize, base: usize) -> usize {
    ((n as f64).ln() / (base as f64).ln()).floor().max(0.0) as usize
}

fn pow_saturating(base: usize, exp: usize) -> usize {
    u32::try_from(exp).map_or(usize::MAX, |e| base.saturating_pow(e))
}

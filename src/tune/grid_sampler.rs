//! Grid search in scikit-learn's `ParameterGrid` order.

use super::{ParamValue, Params, Sampler, SearchSpace};
use crate::{Error, Result};

/// The most combinations a grid may hold.
const MAX_GRID: usize = 1 << 24;

/// Every combination of a discrete space, trial `k` taking the `k`-th.
///
/// The order is scikit-learn's `ParameterGrid`: parameters sorted by name, the product taken
/// with the last name varying fastest. A conditional parameter appears only in combinations
/// where its condition holds, and each such combination appears once (the product is taken
/// over all names, and a combination is kept when every inactive parameter sits at its first
/// value). Every parameter must be discrete: an integer range, a stepped float range or a
/// categorical.
///
/// ```
/// use tuneup::tune::{GridSampler, Sampler, SearchSpace};
/// let space = SearchSpace::builder().categorical("b", ["x", "y"]).int("a", 1, 2).build()?;
/// let grid = GridSampler::combinations(&space)?;
/// // sorted names: a, b; b varies fastest
/// assert_eq!(grid[1].str("b")?, "y");
/// assert_eq!(grid[1].i64("a")?, 1);
/// assert_eq!(GridSampler.max_trials(&space)?, Some(4));
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GridSampler;

impl GridSampler {
    /// All combinations of the space, in grid order.
    ///
    /// ```
    /// use tuneup::tune::{GridSampler, SearchSpace};
    /// let space = SearchSpace::builder().float("p", 0.0, 1.0).build()?;
    /// assert!(GridSampler::combinations(&space).is_err());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn combinations(space: &SearchSpace) -> Result<Vec<Params>> {
        let mut order: Vec<usize> = (0..space.len()).collect();
        order.sort_by(|&a, &b| space.params()[a].name().cmp(space.params()[b].name()));
        let values = order
            .iter()
            .map(|&i| {
                space.params()[i]
                    .distribution()
                    .grid_values(space.params()[i].name())
            })
            .collect::<Result<Vec<_>>>()?;
        let total = values
            .iter()
            .try_fold(1usize, |acc, v| acc.checked_mul(v.len()));
        match total {
            Some(t) if t <= MAX_GRID => Ok(enumerate(space, &order, &values, t)),
            _ => Err(Error::config(
                "GridSampler",
                "the product of the grid's value counts",
                format!("at most {MAX_GRID} combinations"),
            )),
        }
    }
}

fn enumerate(
    space: &SearchSpace,
    order: &[usize],
    values: &[Vec<ParamValue>],
    total: usize,
) -> Vec<Params> {
    let mut out = Vec::new();
    let mut picks = vec![0usize; order.len()];
    for mut k in 0..total {
        for j in (0..order.len()).rev() {
            picks[j] = k % values[j].len();
            k /= values[j].len();
        }
        if let Some(p) = combination(space, order, values, &picks) {
            out.push(p);
        }
    }
    out
}

/// The combination `picks` (indices in sorted-name order) as Params in space order, or
/// `None` when an inactive parameter is not at its first value (a duplicate).
fn combination(
    space: &SearchSpace,
    order: &[usize],
    values: &[Vec<ParamValue>],
    picks: &[usize],
) -> Option<Params> {
    let mut by_space: Vec<(usize, usize)> = order.iter().copied().zip(0..).collect();
    by_space.sort_unstable();
    let mut kept = Params::default();
    for &(i, j) in &by_space {
        let param = &space.params()[i];
        if param.is_active(|name| kept.lookup(name)) {
            kept.push(param.name(), values[j][picks[j]].clone());
        } else if picks[j] != 0 {
            return None;
        }
    }
    Some(kept)
}

impl Sampler for GridSampler {
    fn sample(&self, space: &SearchSpace, _seed: u64, number: usize) -> Result<Params> {
        let grid = Self::combinations(space)?;
        let size = grid.len();
        grid.into_iter().nth(number).ok_or_else(|| {
            Error::value(
                "GridSampler",
                format!("a trial number < the grid size {size}"),
                number,
            )
        })
    }

    fn max_trials(&self, space: &SearchSpace) -> Result<Option<usize>> {
        Ok(Some(Self::combinations(space)?.len()))
    }
}

//! Infrequent-category grouping shared by [`OneHotEncoder`](super::OneHotEncoder) and
//! [`OrdinalEncoder`](super::OrdinalEncoder) (scikit-learn's `min_frequency`,
//! `max_categories`, `_identify_infrequent` and the default-to-infrequent mapping).

use crate::{Error, Result};

/// The least frequency of a category that is not grouped as infrequent (scikit-learn's
/// `min_frequency`): a count, or a fraction of the training rows.
///
/// ```
/// use tuneup::data::MinFrequency;
/// assert_ne!(MinFrequency::Count(5), MinFrequency::Fraction(0.05));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MinFrequency {
    /// Categories seen fewer than this many times (at least 1) are infrequent.
    Count(usize),
    /// Categories seen in fewer than this fraction (in `(0, 1)`) of the rows are infrequent.
    Fraction(f64),
}

/// The grouping settings of an encoder (both unset: no grouping).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub(crate) struct Infrequent {
    pub(crate) min_frequency: Option<MinFrequency>,
    pub(crate) max_categories: Option<usize>,
}

/// Checks a `min_frequency` setting: a count of at least 1 or a fraction in `(0, 1)`
/// ([`Error::Config`] naming `parameter` otherwise).
pub(crate) fn check_min_frequency(parameter: &str, min: MinFrequency) -> Result<MinFrequency> {
    match min {
        MinFrequency::Count(0) => Err(Error::config(parameter, 0, "at least 1")),
        MinFrequency::Fraction(f) if !(f > 0.0 && f < 1.0) => {
            Err(Error::config(parameter, f, "a fraction in (0, 1)"))
        }
        _ => Ok(min),
    }
}

/// Checks a `max_categories` setting: at least 1 ([`Error::Config`] naming `parameter`).
pub(crate) fn check_max_categories(parameter: &str, max: usize) -> Result<usize> {
    if max == 0 {
        return Err(Error::config(parameter, 0, "at least 1"));
    }
    Ok(max)
}

impl Infrequent {
    /// scikit-learn's `_identify_infrequent`: the indices of the infrequent categories given
    /// their `counts` over `n_rows` training rows, or `None` when none is. `max_categories`
    /// counts the infrequent group; the rarest go first, equal counts in category order
    /// (a stable sort, as NumPy's mergesort).
    pub(crate) fn identify(&self, counts: &[usize], n_rows: usize) -> Option<Vec<usize>> {
        if self.min_frequency.is_none() && self.max_categories.is_none() {
            return None;
        }
        let mut mask: Vec<bool> = match self.min_frequency {
            Some(MinFrequency::Count(m)) => counts.iter().map(|&c| c < m).collect(),
            Some(MinFrequency::Fraction(f)) => {
                let min = n_rows as f64 * f;
                counts.iter().map(|&c| (c as f64) < min).collect()
            }
            None => vec![false; counts.len()],
        };
        if let Some(max) = self.max_categories {
            let n_current = counts.len() - mask.iter().filter(|&&m| m).count() + 1;
            if max < n_current {
                let keep = max - 1;
                if keep == 0 {
                    mask.iter_mut().for_each(|m| *m = true);
                } else {
                    let mut order: Vec<usize> = (0..counts.len()).collect();
                    order.sort_by_key(|&i| counts[i]);
                    for &i in &order[..order.len() - keep] {
                        mask[i] = true;
                    }
                }
            }
        }
        let inf: Vec<usize> = (0..mask.len()).filter(|&i| mask[i]).collect();
        (!inf.is_empty()).then_some(inf)
    }
}

/// The grouped code of each of `n` categories: the frequent ones numbered in order, every
/// infrequent one the code after them; and the number of grouped codes.
pub(crate) fn grouped_codes(n: usize, infrequent: Option<&[usize]>) -> (Vec<usize>, usize) {
    match infrequent {
        None => ((0..n).collect(), n),
        Some(inf) => {
            let n_frequent = n - inf.len();
            let mut next = 0;
            let map = (0..n)
                .map(|i| {
                    if inf.contains(&i) {
                        n_frequent
                    } else {
                        next += 1;
                        next - 1
                    }
                })
                .collect();
            (map, n_frequent + 1)
        }
    }
}

/// The categories of `categories` at the positions `infrequent` lists (none without).
pub(crate) fn infrequent_list(
    categories: &super::categories::ColumnCategories,
    infrequent: Option<&[usize]>,
) -> Vec<super::categories::Category> {
    let list = categories.list();
    infrequent
        .unwrap_or_default()
        .iter()
        .map(|&i| list[i].clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rarest_grouped_first_with_stable_ties() {
        let g = Infrequent {
            min_frequency: None,
            max_categories: Some(3),
        };
        assert_eq!(g.identify(&[5, 1, 1, 9, 1], 17), Some(vec![1, 2, 4]));
        let f = Infrequent {
            min_frequency: Some(MinFrequency::Fraction(0.25)),
            max_categories: None,
        };
        assert_eq!(f.identify(&[1, 3, 4], 8), Some(vec![0]));
        assert_eq!(grouped_codes(4, Some(&[0, 2])), (vec![2, 0, 2, 1], 3));
        assert_eq!(Infrequent::default().identify(&[1, 2], 3), None);
    }
}

//! Columns explained together: one Shapley value for a group of correlated features.

use crate::{Error, Result};

/// A partition of a row's columns into groups, each attributed as one player.
///
/// ```
/// use tuneup::explain::FeatureGroups;
/// let g = FeatureGroups::new(vec![vec![0, 3], vec![1, 2]], 4)?;
/// assert_eq!(g.len(), 2);
/// assert!(FeatureGroups::new(vec![vec![0], vec![0, 1]], 2).is_err()); // column 0 twice
/// assert!(FeatureGroups::new(vec![vec![0]], 2).is_err()); // column 1 in no group
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeatureGroups {
    groups: Vec<Vec<usize>>,
    width: usize,
}

impl FeatureGroups {
    /// Groups that together hold each of the `width` columns exactly once.
    ///
    /// # Errors
    /// [`Error::Value`] for an empty group, a column out of range, or a column in no group or
    /// in two.
    pub fn new(groups: Vec<Vec<usize>>, width: usize) -> Result<Self> {
        let mut seen = vec![false; width];
        for (g, members) in groups.iter().enumerate() {
            if members.is_empty() {
                return Err(Error::value(
                    "FeatureGroups",
                    "non-empty groups",
                    format!("group {g} is empty"),
                ));
            }
            for &j in members {
                match seen.get_mut(j) {
                    None => {
                        return Err(Error::value(
                            "FeatureGroups",
                            format!("column indices < {width}"),
                            format!("{j} in group {g}"),
                        ))
                    }
                    Some(true) => {
                        return Err(Error::value(
                            "FeatureGroups",
                            "each column in one group",
                            format!("column {j} again in group {g}"),
                        ))
                    }
                    Some(s) => *s = true,
                }
            }
        }
        if let Some(j) = seen.iter().position(|s| !s) {
            return Err(Error::value(
                "FeatureGroups",
                "every column in a group",
                format!("column {j} in none"),
            ));
        }
        Ok(FeatureGroups { groups, width })
    }

    /// One group per column.
    ///
    /// ```
    /// assert_eq!(tuneup::explain::FeatureGroups::singletons(3).len(), 3);
    /// ```
    pub fn singletons(width: usize) -> Self {
        FeatureGroups {
            groups: (0..width).map(|j| vec![j]).collect(),
            width,
        }
    }

    /// The number of groups.
    ///
    /// ```
    /// assert_eq!(tuneup::explain::FeatureGroups::singletons(0).len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.groups.len()
    }

    /// Whether there is no group.
    ///
    /// ```
    /// assert!(tuneup::explain::FeatureGroups::singletons(0).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// The number of columns the groups cover.
    ///
    /// ```
    /// assert_eq!(tuneup::explain::FeatureGroups::singletons(5).width(), 5);
    /// ```
    pub fn width(&self) -> usize {
        self.width
    }

    /// The groups' columns, in order.
    ///
    /// ```
    /// let g = tuneup::explain::FeatureGroups::singletons(2);
    /// assert_eq!(g.iter().collect::<Vec<_>>(), [&[0usize][..], &[1][..]]);
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = &[usize]> {
        self.groups.iter().map(Vec::as_slice)
    }
}

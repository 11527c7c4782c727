//! Arbitrary class labels (strings, any integers) mapped to `0..k` and back.

use crate::{Error, Result};

/// The sorted distinct labels seen at fit (scikit-learn's `classes_`): label `classes[i]` is
/// class index `i`.
///
/// ```
/// use tuneup::train::estimators::ClassLabels;
/// let labels = ClassLabels::fit(&["cat", "dog", "cat", "ant"])?;
/// assert_eq!(labels.classes(), &["ant", "cat", "dog"]);
/// assert_eq!(labels.encode(&["dog", "ant"])?, vec![2, 0]);
/// assert_eq!(labels.decode(&[1, 2]), vec!["cat", "dog"]);
/// assert!(labels.encode(&["eel"]).is_err());
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ClassLabels<L> {
    classes: Vec<L>,
}

impl<L: Ord + Clone + std::fmt::Debug> ClassLabels<L> {
    /// The distinct labels of `y`, sorted; an error for fewer than two of them (a classifier
    /// needs two classes to tell apart).
    pub fn fit(y: &[L]) -> Result<Self> {
        let mut classes = y.to_vec();
        classes.sort();
        classes.dedup();
        if classes.len() < 2 {
            return Err(Error::value(
                "classifier fit",
                "labels of at least two classes",
                match classes.first() {
                    Some(c) => format!("only the class {}", excerpt(c)),
                    None => "no labels".to_string(),
                },
            ));
        }
        Ok(ClassLabels { classes })
    }

    /// The classes, sorted.
    pub fn classes(&self) -> &[L] {
        &self.classes
    }

    /// How many classes.
    pub fn len(&self) -> usize {
        self.classes.len()
    }

    /// Never true: a fitted set has at least two classes.
    pub fn is_empty(&self) -> bool {
        self.classes.is_empty()
    }

    /// Class indices of `y`; a label not seen at fit is an error naming it and its row.
    pub fn encode(&self, y: &[L]) -> Result<Vec<usize>> {
        y.iter()
            .enumerate()
            .map(|(row, l)| {
                self.classes.binary_search(l).map_err(|_| {
                    Error::value(
                        "classifier labels",
                        format!("one of the {} classes seen at fit", self.classes.len()),
                        format!("{} at row {row}", excerpt(l)),
                    )
                })
            })
            .collect()
    }

    /// The labels of class indices (each below [`ClassLabels::len`]).
    pub fn decode(&self, indices: &[usize]) -> Vec<L> {
        indices
            .iter()
            .map(|&i| self.classes[i.min(self.classes.len() - 1)].clone())
            .collect()
    }
}

/// A label as text, cut to 40 characters.
fn excerpt<L: std::fmt::Debug>(label: &L) -> String {
    crate::error::excerpt(&format!("{label:?}"), 40)
}

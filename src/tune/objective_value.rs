//! What an objective returns: one value, or one per objective of a multi-objective study.

/// The value(s) an objective returns: an `f64` for a single-objective study, a `Vec<f64>` or
/// an array for a multi-objective one (in the order of the study's directions).
///
/// ```
/// use tuneup::tune::ObjectiveValue;
/// assert_eq!(0.5.into_values(), vec![0.5]);
/// assert_eq!([0.5, 12.0].into_values(), vec![0.5, 12.0]);
/// ```
pub trait ObjectiveValue {
    /// The values, one per objective.
    fn into_values(self) -> Vec<f64>;
}

impl ObjectiveValue for f64 {
    fn into_values(self) -> Vec<f64> {
        vec![self]
    }
}

impl ObjectiveValue for Vec<f64> {
    fn into_values(self) -> Vec<f64> {
        self
    }
}

impl<const N: usize> ObjectiveValue for [f64; N] {
    fn into_values(self) -> Vec<f64> {
        self.to_vec()
    }
}

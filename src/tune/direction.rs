//! Whether a study minimises or maximises an objective.

/// The direction of one objective: smaller is better, or larger is better.
///
/// ```
/// use tuneup::tune::Direction;
/// assert!(Direction::Minimize.is_better(0.1, 0.2));
/// assert!(Direction::Maximize.is_better(0.9, 0.8));
/// assert!(!Direction::Maximize.is_better(0.8, 0.8));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Direction {
    /// Smaller values are better (a loss, an error rate).
    #[default]
    Minimize,
    /// Larger values are better (an accuracy, an R²).
    Maximize,
}

impl Direction {
    /// True when `a` is strictly better than `b` in this direction.
    ///
    /// ```
    /// assert!(tuneup::tune::Direction::Minimize.is_better(-1.0, 0.0));
    /// ```
    pub fn is_better(self, a: f64, b: f64) -> bool {
        match self {
            Direction::Minimize => a < b,
            Direction::Maximize => a > b,
        }
    }

    /// The value as a loss: itself when minimising, its negation when maximising, so that
    /// smaller is always better.
    ///
    /// ```
    /// use tuneup::tune::Direction;
    /// assert_eq!(Direction::Maximize.as_loss(0.9), -0.9);
    /// assert_eq!(Direction::Minimize.as_loss(0.9), 0.9);
    /// ```
    pub fn as_loss(self, value: f64) -> f64 {
        match self {
            Direction::Minimize => value,
            Direction::Maximize => -value,
        }
    }

    /// `"minimize"` or `"maximize"`.
    ///
    /// ```
    /// assert_eq!(tuneup::tune::Direction::Maximize.name(), "maximize");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Direction::Minimize => "minimize",
            Direction::Maximize => "maximize",
        }
    }
}

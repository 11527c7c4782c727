//! What a model's outputs are, as a loss reads them.

/// What the model's outputs are, which decides how predictions become classes and
/// probabilities. Each loss reports it through [`Loss::output_kind`](super::Loss::output_kind):
/// [`CrossEntropy`](super::CrossEntropy) and [`BceWithLogits`](super::BceWithLogits) →
/// `Logits`, [`Bce`](super::Bce) → `Probabilities`, every other built-in loss → `Values`; the
/// trainer's builder takes it from the loss, and `TrainerBuilder::output_kind` overrides it.
///
/// ```
/// use tuneup::loss::OutputKind;
/// assert!(OutputKind::Logits.is_classifier());
/// assert!(!OutputKind::Values.is_classifier());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputKind {
    /// Unnormalised scores: one logit per row for two classes (sigmoid), or one per class
    /// (softmax).
    Logits,
    /// Probabilities: of class 1 for a single column, or of each class.
    Probabilities,
    /// Regression values.
    Values,
}

impl OutputKind {
    /// True for `Logits` and `Probabilities`.
    ///
    /// ```
    /// use tuneup::loss::OutputKind;
    /// assert!(OutputKind::Probabilities.is_classifier());
    /// ```
    pub fn is_classifier(self) -> bool {
        self != OutputKind::Values
    }
}

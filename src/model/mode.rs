//! Train and eval modes.

/// Whether a forward pass is part of training or of inference.
///
/// Layers that behave differently (dropout, batch norm) read it; the others ignore it.
///
/// ```
/// use tuneup::model::Mode;
/// assert_ne!(Mode::Train, Mode::Eval);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    /// Training: dropout drops, batch norm uses and updates batch statistics.
    Train,
    /// Inference: dropout is the identity, batch norm uses its running statistics.
    Eval,
}

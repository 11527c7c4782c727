//! The crate's one error type.
//!
//! Every fallible operation returns [`Result`]. Each variant says *what* went wrong, *where*
//! (the layer, loss, parameter or function), what was *expected* and what was *found*, so that a
//! message read in a terminal is enough to fix the call.

use std::fmt;

/// The result type used throughout the crate.
///
/// ```
/// fn check(width: usize) -> tuneup::Result<usize> {
///     if width == 0 {
///         return Err(tuneup::Error::config("width", width, "at least 1"));
///     }
///     Ok(width)
/// }
/// assert!(check(0).is_err());
/// ```
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in tuneup.
///
/// ```
/// use tuneup::Error;
/// let err = Error::shape("Linear(3 → 2)", "input with 3 columns", "4 columns");
/// assert_eq!(
///     err.to_string(),
///     "shape mismatch in Linear(3 → 2): expected input with 3 columns, found 4 columns"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An array had the wrong shape for where it was used.
    #[error("shape mismatch in {context}: expected {expected}, found {found}")]
    Shape {
        /// The layer, loss or function that received the array.
        context: String,
        /// What shape was required.
        expected: String,
        /// What shape arrived.
        found: String,
    },
    /// A hyperparameter or setting is outside its allowed range.
    #[error("invalid configuration: {parameter} = {value} (expected {expected})")]
    Config {
        /// The parameter's name, e.g. `Dropout.p`.
        parameter: String,
        /// The value given.
        value: String,
        /// The allowed range or form.
        expected: String,
    },
    /// A NaN or infinite value where only finite values make sense.
    #[error("non-finite value in {context}: {detail}")]
    NonFinite {
        /// Where the value was found (a loss, an optimizer step, a data column).
        context: String,
        /// Which value, and where in the array.
        detail: String,
    },
    /// A value outside the domain the operation is defined on (a class index out of range,
    /// a probability outside [0, 1]).
    #[error("invalid value in {context}: expected {expected}, found {found}")]
    Value {
        /// Where the value was found.
        context: String,
        /// What was allowed.
        expected: String,
        /// What arrived, with its position.
        found: String,
    },
    /// An operation was called in an order that cannot work (backward before forward).
    #[error("{context}: {detail}")]
    State {
        /// The object whose state is wrong.
        context: String,
        /// What was called and what must happen first.
        detail: String,
    },
    /// A file could not be read or written.
    #[error("I/O error: cannot {operation} {path}: {detail}")]
    Io {
        /// What was attempted: `read` or `write`.
        operation: String,
        /// The file's path.
        path: String,
        /// The operating system's message.
        detail: String,
    },
    /// A tuning trial was stopped early by its study's pruner: what
    /// [`Trial::report`](crate::tune::Trial::report) returns so that `?` ends the objective
    /// (Optuna's `TrialPruned`). The study records the trial as pruned, not failed.
    #[error("trial {trial} pruned at step {step}")]
    Pruned {
        /// The trial's number.
        trial: usize,
        /// The step whose value the pruner judged.
        step: usize,
    },
}

impl Error {
    /// A [`Error::Shape`] from anything printable.
    ///
    /// ```
    /// let e = tuneup::Error::shape("MSE loss", "target 4×1", "4×2");
    /// assert!(e.to_string().contains("target 4×1"));
    /// ```
    pub fn shape(
        context: impl fmt::Display,
        expected: impl fmt::Display,
        found: impl fmt::Display,
    ) -> Self {
        Error::Shape {
            context: context.to_string(),
            expected: expected.to_string(),
            found: found.to_string(),
        }
    }

    /// A [`Error::Config`] from anything printable.
    ///
    /// ```
    /// let e = tuneup::Error::config("Dropout.p", 1.0, "a probability in [0, 1)");
    /// assert!(e.to_string().contains("Dropout.p = 1"));
    /// ```
    pub fn config(
        parameter: impl fmt::Display,
        value: impl fmt::Display,
        expected: impl fmt::Display,
    ) -> Self {
        Error::Config {
            parameter: parameter.to_string(),
            value: value.to_string(),
            expected: expected.to_string(),
        }
    }

    /// A [`Error::NonFinite`] from anything printable.
    ///
    /// ```
    /// let e = tuneup::Error::non_finite("BCEWithLogits loss", "prediction[3, 0] = NaN");
    /// assert!(e.to_string().contains("BCEWithLogits"));
    /// ```
    pub fn non_finite(context: impl fmt::Display, detail: impl fmt::Display) -> Self {
        Error::NonFinite {
            context: context.to_string(),
            detail: detail.to_string(),
        }
    }

    /// A [`Error::Value`] from anything printable.
    ///
    /// ```
    /// let e = tuneup::Error::value("CrossEntropy loss", "class index < 3", "7 at row 2");
    /// assert!(e.to_string().contains("7 at row 2"));
    /// ```
    pub fn value(
        context: impl fmt::Display,
        expected: impl fmt::Display,
        found: impl fmt::Display,
    ) -> Self {
        Error::Value {
            context: context.to_string(),
            expected: expected.to_string(),
            found: found.to_string(),
        }
    }

    /// A [`Error::State`] from anything printable.
    ///
    /// ```
    /// let e = tuneup::Error::state("Linear(2 → 1)", "backward called before forward");
    /// assert_eq!(e.to_string(), "Linear(2 → 1): backward called before forward");
    /// ```
    pub fn state(context: impl fmt::Display, detail: impl fmt::Display) -> Self {
        Error::State {
            context: context.to_string(),
            detail: detail.to_string(),
        }
    }

    /// A [`Error::Io`] from the operation, the path and the underlying error.
    ///
    /// ```
    /// let os = std::io::Error::new(std::io::ErrorKind::NotFound, "not found");
    /// let e = tuneup::Error::io("read", "w.safetensors", os);
    /// assert_eq!(e.to_string(), "I/O error: cannot read w.safetensors: not found");
    /// ```
    pub fn io(
        operation: impl fmt::Display,
        path: impl fmt::Display,
        error: impl fmt::Display,
    ) -> Self {
        Error::Io {
            operation: operation.to_string(),
            path: path.to_string(),
            detail: error.to_string(),
        }
    }

    /// Prefixes the error's location with an enclosing container, e.g. `layer 2 of Sequential`.
    ///
    /// ```
    /// let e = tuneup::Error::shape("Linear(3 → 2)", "3 columns", "4 columns").within("layer 0");
    /// assert!(e.to_string().contains("layer 0: Linear(3 → 2)"));
    /// ```
    pub fn within(self, outer: impl fmt::Display) -> Self {
        let wrap = |c: String| format!("{outer}: {c}");
        match self {
            Error::Shape {
                context,
                expected,
                found,
            } => Error::Shape {
                context: wrap(context),
                expected,
                found,
            },
            Error::NonFinite { context, detail } => Error::NonFinite {
                context: wrap(context),
                detail,
            },
            Error::Value {
                context,
                expected,
                found,
            } => Error::Value {
                context: wrap(context),
                expected,
                found,
            },
            Error::State { context, detail } => Error::State {
                context: wrap(context),
                detail,
            },
            other @ (Error::Config { .. } | Error::Io { .. } | Error::Pruned { .. }) => other,
        }
    }
}

/// `text` cut to its first `max_chars` characters, with the full size said, so that an error
/// never echoes a huge input whole: `` `aaaa…` (10485760 bytes) ``. Short text comes back as is.
pub(crate) fn excerpt(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((end, _)) => format!("{}… ({} bytes)", &text[..end], text.len()),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod excerpt_tests {
    use super::excerpt;

    #[test]
    fn short_text_is_kept_and_long_text_is_cut_on_a_character_boundary() {
        assert_eq!(excerpt("abc", 3), "abc");
        assert_eq!(excerpt("ééééé", 2), "éé… (10 bytes)");
        let big = "x".repeat(1 << 20);
        assert!(excerpt(&big, 40).len() < 80);
    }
}

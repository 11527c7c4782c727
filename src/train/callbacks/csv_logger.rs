//! Writes the history to a CSV file as training goes.

use std::path::PathBuf;

use crate::diagnostics::history::History;
use crate::train::{Callback, CallbackContext};
use crate::{Error, Float, Result};

/// Rewrites a CSV file with the whole history ([`History::to_csv`]: a header, then one row per
/// epoch, numbers in round-trip form) at the end of every epoch, so the file is complete even
/// if the run is killed. A file that cannot be written ends `fit` with [`Error::State`].
///
/// ```
/// use tuneup::prelude::*;
/// use tuneup::train::{CsvLogger, Trainer};
/// let path = std::env::temp_dir().join("tuneup_csv_logger_doc.csv");
/// let mut t = Trainer::builder()
///     .model(Mlp::new(&[1, 1]).build::<f64>()?)
///     .loss(Mse::new())
///     .optimizer(Sgd::new(0.1)?)
///     .epochs(3)
///     .callback(CsvLogger::new(&path))
///     .build()?;
/// t.fit(ndarray::Array2::zeros((4, 1)).view(), &ndarray::Array2::zeros((4, 1)))?;
/// let text = std::fs::read_to_string(&path).unwrap();
/// assert_eq!(text.lines().count(), 4);
/// assert!(text.starts_with("epoch,loss,lr,grad_norm,wall_time"));
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct CsvLogger {
    path: PathBuf,
}

impl CsvLogger {
    /// Logs to `path` (created or replaced).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        CsvLogger { path: path.into() }
    }

    /// The file written.
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    fn write(&self, history: &History) -> Result<()> {
        std::fs::write(&self.path, history.to_csv())
            .map_err(|e| Error::io("write the training history to", self.path.display(), e))
    }
}

impl<F: Float> Callback<F> for CsvLogger {
    fn name(&self) -> String {
        "CsvLogger".to_string()
    }

    fn on_epoch_end(&mut self, ctx: &mut CallbackContext<'_, F>) -> Result<()> {
        self.write(ctx.history)
    }
}

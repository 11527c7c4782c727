//! A terminal progress bar over each epoch's batches (feature `progress`, with `indicatif`).

use indicatif::{ProgressBar as Bar, ProgressStyle};

use crate::train::{Callback, CallbackContext};
use crate::{Float, Result};

/// Draws an `indicatif` bar over each epoch's batches with the running batch objective, and
/// leaves one finished line per epoch with its recorded values. Needs the `progress` feature.
///
/// ```
/// use tuneup::prelude::*;
/// use tuneup::train::{ProgressBar, Trainer};
/// let mut t = Trainer::builder()
///     .model(Mlp::new(&[1, 1]).build::<f64>()?)
///     .loss(Mse::new())
///     .optimizer(Sgd::new(0.1)?)
///     .epochs(2)
///     .callback(ProgressBar::hidden())
///     .build()?;
/// t.fit(ndarray::Array2::zeros((4, 1)).view(), &ndarray::Array2::zeros((4, 1)))?;
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Clone)]
pub struct ProgressBar {
    bar: Option<Bar>,
    hidden: bool,
}

impl ProgressBar {
    /// A bar drawn on standard error.
    pub fn new() -> Self {
        ProgressBar {
            bar: None,
            hidden: false,
        }
    }

    /// A bar that draws nothing (for tests and non-interactive runs).
    pub fn hidden() -> Self {
        ProgressBar {
            bar: None,
            hidden: true,
        }
    }
}

impl Default for ProgressBar {
    fn default() -> Self {
        Self::new()
    }
}

impl<F: Float> Callback<F> for ProgressBar {
    fn name(&self) -> String {
        "ProgressBar".to_string()
    }

    fn on_epoch_begin(&mut self, ctx: &mut CallbackContext<'_, F>) -> Result<()> {
        let bar = if self.hidden {
            Bar::hidden()
        } else {
            Bar::new(ctx.batches as u64)
        };
        if let Ok(style) =
            ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} batches {msg}")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_prefix(format!("epoch {}/{}", ctx.epoch + 1, ctx.epochs));
        self.bar = Some(bar);
        Ok(())
    }

    fn on_batch_end(&mut self, ctx: &mut CallbackContext<'_, F>) -> Result<()> {
        if let Some(bar) = &self.bar {
            bar.inc(1);
            if let Some(loss) = ctx.batch_loss {
                bar.set_message(format!("loss {loss:.4}"));
            }
        }
        Ok(())
    }

    fn on_epoch_end(&mut self, ctx: &mut CallbackContext<'_, F>) -> Result<()> {
        if let (Some(bar), Some(r)) = (self.bar.take(), ctx.history.last()) {
            let mut msg = String::new();
            for name in r.names() {
                if name != "wall_time" && name != "grad_norm" && name != "lr" {
                    msg.push_str(&format!("{name} {:.4}  ", r.get(&name).unwrap_or(f64::NAN)));
                }
            }
            bar.finish_with_message(msg);
        }
        Ok(())
    }
}

//! Magnitude pruning up to a total sparsity: the step of gradual pruning.

use super::amount::Amount;
use super::find::value_and_mask;
use super::global::{check_names, global_unstructured};
use super::unstructured::l1_unstructured;
use crate::model::Layer;
use crate::{Error, Float, Result};

/// Whether each parameter reaches the sparsity on its own or the listed ones together.
///
/// ```
/// use tuneup::compress::SparsityScope;
/// assert_ne!(SparsityScope::PerParameter, SparsityScope::Global);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SparsityScope {
    /// Every parameter is brought to the sparsity (TF-MOT's per-layer pruning).
    PerParameter,
    /// The parameters together, by one magnitude threshold (layers of small weights lose
    /// more), as [`global_unstructured`].
    Global,
}

/// Prunes the parameters `names` by magnitude until a fraction `sparsity` of their entries
/// is pruned: `n − round(n·(1 − sparsity))` of the `n` entries (rounded half to even, so the
/// kept count is TF-MOT's), counting what is already pruned. The new entries are the
/// smallest in magnitude among those still unpruned, as [`l1_unstructured`] chooses them, so
/// the masks compose and never shrink: a sparsity at or below the current one changes nothing.
///
/// Errors: a sparsity outside `[0, 1]` ([`Error::Config`]); no name, a name twice or one the
/// model lacks ([`Error::Value`]); the model is then untouched.
///
/// ```
/// use tuneup::compress::{prune_to_sparsity, sparsity_report, SparsityScope};
/// use tuneup::prelude::*;
/// let mut net = Mlp::new(&[4, 10, 2]).seed(0).build::<f64>()?;
/// prune_to_sparsity(&mut net, &["0.weight", "2.weight"], 0.5, SparsityScope::PerParameter)?;
/// prune_to_sparsity(&mut net, &["0.weight", "2.weight"], 0.75, SparsityScope::PerParameter)?;
/// let report = sparsity_report(&net);
/// assert_eq!(report.parameters[0].zeros, 30); // 40 − round(40 · 0.25)
/// assert_eq!(report.parameters[2].zeros, 15);
/// prune_to_sparsity(&mut net, &["0.weight"], 0.1, SparsityScope::Global)?; // already past it
/// assert_eq!(sparsity_report(&net).parameters[0].zeros, 30);
/// assert!(prune_to_sparsity(&mut net, &["9.weight"], 0.5, SparsityScope::Global).is_err());
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn prune_to_sparsity<F: Float>(
    model: &mut dyn Layer<F>,
    names: &[&str],
    sparsity: f64,
    scope: SparsityScope,
) -> Result<()> {
    const CONTEXT: &str = "prune_to_sparsity";
    if !(0.0..=1.0).contains(&sparsity) {
        return Err(Error::config(
            "prune_to_sparsity.sparsity",
            sparsity,
            "a fraction in [0, 1]",
        ));
    }
    check_names(names).map_err(|e| e.within(CONTEXT))?;
    // Check every name (and count) before changing anything.
    let mut counts = Vec::with_capacity(names.len());
    for &name in names {
        let (_, mask) = value_and_mask(model, name, CONTEXT)?;
        let pruned = mask.iter().filter(|&&m| m == F::zero()).count();
        counts.push((mask.len(), pruned));
    }
    match scope {
        SparsityScope::Global => {
            let size = counts.iter().map(|c| c.0).sum();
            let pruned = counts.iter().map(|c| c.1).sum();
            let more = still_to_prune(size, pruned, sparsity);
            global_unstructured(model, names, Amount::Count(more))
        }
        SparsityScope::PerParameter => {
            for (&name, &(size, pruned)) in names.iter().zip(&counts) {
                let more = still_to_prune(size, pruned, sparsity);
                l1_unstructured(model, name, Amount::Count(more))?;
            }
            Ok(())
        }
    }
}

/// How many more of `size` entries, `pruned` of them pruned, make a sparsity of `sparsity`.
fn still_to_prune(size: usize, pruned: usize, sparsity: f64) -> usize {
    let kept = (size as f64 * (1.0 - sparsity)).round_ties_even() as usize;
    size.saturating_sub(kept).saturating_sub(pruned)
}

//! Making pruning permanent: `torch.nn.utils.prune.remove`.

use super::find::unknown;
use crate::model::Layer;
use crate::{Error, Float, Result};

/// Drops the mask of parameter `name`, keeping its pruned entries at 0 as ordinary values
/// (`prune.remove`): training may then change them again.
///
/// Errors: a name the model lacks, or a parameter that is not pruned ([`Error::State`], as
/// PyTorch's "has to be pruned before pruning can be removed").
///
/// ```
/// use tuneup::compress::{l1_unstructured, remove, Amount};
/// use tuneup::model::{Layer, Linear};
/// let mut lin = Linear::<f64>::new(3, 2, 0)?;
/// l1_unstructured(&mut lin, "weight", Amount::Count(2))?;
/// remove(&mut lin, "weight")?;
/// lin.visit_parameters(&mut |p| assert!(!p.is_pruned()));
/// assert!(matches!(remove(&mut lin, "weight"), Err(tuneup::Error::State { .. })));
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn remove<F: Float>(model: &mut dyn Layer<F>, name: &str) -> Result<()> {
    let mut state = None;
    model.visit_parameters_mut(&mut |p| {
        if state.is_none() && p.name() == name {
            state = Some(p.remove_mask());
        }
    });
    match state {
        Some(true) => Ok(()),
        Some(false) => Err(Error::state(
            format!("prune::remove({name})"),
            "the parameter has to be pruned before pruning can be removed",
        )),
        None => Err(unknown(model, name, "prune::remove")),
    }
}

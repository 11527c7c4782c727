//! Pruning across several parameters at once, by one magnitude threshold
//! (`torch.nn.utils.prune.global_unstructured` with `L1Unstructured`).

use std::collections::HashSet;

use ndarray::ArrayD;

use super::amount::Amount;
use super::find::{set_mask, value_and_mask};
use super::unstructured::prune_smallest;
use crate::model::Layer;
use crate::{Error, Float, Result};

/// Prunes the `amount` entries of smallest absolute value among all the listed parameters
/// together (so layers with smaller weights lose more), as
/// `prune.global_unstructured(parameters, pruning_method=prune.L1Unstructured, amount=…)`:
/// the amount counts among the entries not yet pruned, and each parameter's new mask composes
/// with its earlier one. Ties prune the earlier parameter, then the lower index, first.
///
/// Errors: no name, a name twice or one the model lacks ([`Error::Value`]), an amount out of
/// range; the model is then untouched.
///
/// ```
/// use tuneup::compress::{global_unstructured, Amount};
/// use tuneup::prelude::*;
/// let mut net = Mlp::new(&[4, 8, 2]).seed(1).build::<f64>()?;
/// global_unstructured(&mut net, &["0.weight", "2.weight"], Amount::Fraction(0.5))?;
/// let mut zeros = 0;
/// net.visit_parameters(&mut |p| zeros += p.value().iter().filter(|&&v| v == 0.0).count());
/// assert_eq!(zeros, 24); // half of 32 + 16 weights
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn global_unstructured<F: Float>(
    model: &mut dyn Layer<F>,
    names: &[&str],
    amount: Amount,
) -> Result<()> {
    const CONTEXT: &str = "global_unstructured";
    check_names(names)?;
    let mut parts = Vec::with_capacity(names.len());
    for &name in names {
        parts.push(value_and_mask(model, name, CONTEXT)?);
    }
    let scores: Vec<f64> = parts
        .iter()
        .flat_map(|(v, _)| v.iter().map(|x| x.as_f64().abs()))
        .collect();
    let joined: Vec<F> = parts.iter().flat_map(|(_, m)| m.iter().copied()).collect();
    let joined = ArrayD::from_shape_vec(vec![joined.len()], joined)
        .expect("a flat vector of its own length");
    let mask = prune_smallest(&scores, joined, amount, "the listed parameters")?;
    let mut offset = 0;
    for (&name, (value, _)) in names.iter().zip(&parts) {
        let part = mask.as_slice().expect("standard layout")[offset..offset + value.len()].to_vec();
        offset += value.len();
        let part = ArrayD::from_shape_vec(value.raw_dim(), part).expect("the parameter's size");
        set_mask(model, name, part)?;
    }
    Ok(())
}

/// No name, or a name twice: an [`Error::Value`] (for `global_unstructured` and
/// `prune_to_sparsity`).
pub(super) fn check_names(names: &[&str]) -> Result<()> {
    if names.is_empty() {
        return Err(Error::value(
            "global_unstructured",
            "at least one parameter name",
            "none",
        ));
    }
    let mut seen = HashSet::new();
    if let Some(dup) = names.iter().find(|n| !seen.insert(**n)) {
        return Err(Error::value(
            "global_unstructured",
            "each parameter once",
            format!("`{dup}` twice"),
        ));
    }
    Ok(())
}

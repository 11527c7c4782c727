//! Unstructured pruning of one parameter: by magnitude (`prune.l1_unstructured`) or at random
//! (`prune.random_unstructured`).

use ndarray::ArrayD;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::amount::Amount;
use super::find::{set_mask, value_and_mask};
use crate::model::Layer;
use crate::{Float, Result};

/// Prunes the entries of parameter `name` (e.g. `"0.weight"`) with the smallest absolute
/// values, as `torch.nn.utils.prune.l1_unstructured`: `amount` counts among the entries not
/// yet pruned, and the new mask composes with an earlier one. Ties in magnitude prune the
/// lower flat (row-major) index first. Pruned entries stay 0 through training.
///
/// Errors: a name the model lacks, an amount out of range ([`Amount::count`]); the model is
/// then untouched.
///
/// ```
/// use tuneup::compress::{l1_unstructured, Amount};
/// use tuneup::model::{Layer, Linear};
/// let mut lin = Linear::<f64>::from_weights(
///     ndarray::arr2(&[[0.5, -0.1], [2.0, 0.3]]), None)?;
/// l1_unstructured(&mut lin, "weight", Amount::Fraction(0.5))?;
/// lin.visit_parameters(&mut |p| assert_eq!(p.value().iter().copied().collect::<Vec<_>>(), [0.5, 0.0, 2.0, 0.0]));
/// assert!(l1_unstructured(&mut lin, "bias", Amount::Count(1)).is_err());
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn l1_unstructured<F: Float>(
    model: &mut dyn Layer<F>,
    name: &str,
    amount: Amount,
) -> Result<()> {
    let (value, mask) = value_and_mask(model, name, "l1_unstructured")?;
    let scores: Vec<f64> = value.iter().map(|v| v.as_f64().abs()).collect();
    let mask = prune_smallest(&scores, mask, amount, name)?;
    set_mask(model, name, mask)
}

/// Prunes `amount` of the entries of parameter `name` not yet pruned, chosen at random
/// (seeded), as `torch.nn.utils.prune.random_unstructured` (which draws one uniform number
/// per entry and prunes the largest; the stream is this crate's, not PyTorch's).
///
/// Errors: those of [`l1_unstructured`].
///
/// ```
/// use tuneup::compress::{random_unstructured, Amount};
/// use tuneup::model::{Layer, Linear};
/// let mut lin = Linear::<f64>::new(10, 10, 0)?;
/// random_unstructured(&mut lin, "weight", Amount::Fraction(0.3), 7)?;
/// let mut zeros = 0;
/// lin.visit_parameters(&mut |p| if p.name() == "weight" {
///     zeros = p.value().iter().filter(|&&v| v == 0.0).count()
/// });
/// assert_eq!(zeros, 30);
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn random_unstructured<F: Float>(
    model: &mut dyn Layer<F>,
    name: &str,
    amount: Amount,
    seed: u64,
) -> Result<()> {
    let (value, mask) = value_and_mask(model, name, "random_unstructured")?;
    let mut rng = StdRng::seed_from_u64(seed);
    // Larger draw → pruned first: score = −draw, pruned smallest first.
    let scores: Vec<f64> = (0..value.len()).map(|_| -rng.random::<f64>()).collect();
    let mask = prune_smallest(&scores, mask, amount, name)?;
    set_mask(model, name, mask)
}

/// Zeroes in `mask` the `amount` entries of smallest score among those it keeps (ties: lower
/// flat index first). `scores` is in the row-major order of `mask`.
pub(crate) fn prune_smallest<F: Float>(
    scores: &[f64],
    mut mask: ArrayD<F>,
    amount: Amount,
    what: &str,
) -> Result<ArrayD<F>> {
    let flat = mask
        .as_slice_mut()
        .expect("masks are built in standard layout");
    let mut alive: Vec<usize> = (0..flat.len()).filter(|&i| flat[i] == F::one()).collect();
    let k = amount.count(alive.len(), what)?;
    if k > 0 {
        let by_score = |&a: &usize, &b: &usize| scores[a].total_cmp(&scores[b]).then(a.cmp(&b));
        alive.select_nth_unstable_by(k - 1, by_score);
        for &i in &alive[..k] {
            flat[i] = F::zero();
        }
    }
    Ok(mask)
}

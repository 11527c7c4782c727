//! Structured pruning: whole channels (a Linear weight's rows = output neurons, or columns =
//! inputs) by their Lₙ norm, as `torch.nn.utils.prune.ln_structured`.

use ndarray::{ArrayD, ArrayViewD, Axis};

use super::amount::Amount;
use super::find::{set_mask, value_and_mask};
use crate::model::Layer;
use crate::{Error, Float, Result};

/// Prunes the `amount` channels along `dim` of parameter `name` with the smallest Lₙ norm
/// (`n`: a p > 0, 0 (non-zero count), `f64::INFINITY` or `f64::NEG_INFINITY`, as
/// `torch.linalg.vector_norm`'s `ord`), as `torch.nn.utils.prune.ln_structured`. For a
/// `Linear` weight (out × in), `dim = 0` prunes output neurons and `dim = 1` inputs. The amount
/// counts among channels not yet fully pruned; norms are taken over the current (masked)
/// values, and the new mask composes with an earlier one. Ties keep the lower index.
///
/// Errors: a name the model lacks or a parameter of fewer than 2 dimensions
/// ([`Error::Value`]), `dim` out of range ([`Error::Config`]), an invalid `n` or amount; the
/// model is then untouched.
///
/// ```
/// use tuneup::compress::{ln_structured, Amount};
/// use tuneup::model::{Layer, Linear};
/// let mut lin = Linear::<f64>::from_weights(
///     ndarray::arr2(&[[1.0, 1.0], [0.1, 0.2], [3.0, 0.0]]), None)?;
/// ln_structured(&mut lin, "weight", Amount::Count(1), 2.0, 0)?; // the weakest neuron
/// lin.visit_parameters(&mut |p| assert_eq!(p.value().iter().copied().collect::<Vec<_>>(), [1.0, 1.0, 0.0, 0.0, 3.0, 0.0]));
/// assert!(ln_structured(&mut lin, "weight", Amount::Count(1), 2.0, 2).is_err());
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn ln_structured<F: Float>(
    model: &mut dyn Layer<F>,
    name: &str,
    amount: Amount,
    n: f64,
    dim: usize,
) -> Result<()> {
    const CONTEXT: &str = "ln_structured";
    let (value, mut mask) = value_and_mask(model, name, CONTEXT)?;
    check_structured(&value, name, n, dim)?;
    let alive: Vec<usize> = (0..value.shape()[dim])
        .filter(|&c| {
            mask.index_axis(Axis(dim), c)
                .iter()
                .any(|&m| m != F::zero())
        })
        .collect();
    let k = amount.count(alive.len(), name)?;
    if k > 0 {
        let norms: Vec<f64> = alive
            .iter()
            .map(|&c| vector_norm(value.index_axis(Axis(dim), c), n))
            .collect();
        let mut order: Vec<usize> = (0..alive.len()).collect();
        // Strongest first (ties: lower index first); the last k are pruned.
        order.sort_by(|&a, &b| norms[b].total_cmp(&norms[a]).then(a.cmp(&b)));
        for &i in &order[alive.len() - k..] {
            mask.index_axis_mut(Axis(dim), alive[i]).fill(F::zero());
        }
    }
    set_mask(model, name, mask)
}

fn check_structured<F: Float>(value: &ArrayD<F>, name: &str, n: f64, dim: usize) -> Result<()> {
    if value.ndim() < 2 {
        return Err(Error::value(
            format!("ln_structured of {name}"),
            "a parameter of at least 2 dimensions (channels to prune)",
            format!("shape {:?}", value.shape()),
        ));
    }
    if dim >= value.ndim() {
        return Err(Error::config(
            "ln_structured.dim",
            dim,
            format!("below {} (the dimensions of {name})", value.ndim()),
        ));
    }
    if n.is_nan() || (n.is_finite() && n < 0.0) {
        return Err(Error::config(
            "ln_structured.n",
            n,
            "a norm order p > 0, 0, or ±infinity",
        ));
    }
    Ok(())
}

/// `torch.linalg.vector_norm(t, ord = n)` over every entry of `t`, in f64.
fn vector_norm<F: Float>(t: ArrayViewD<'_, F>, n: f64) -> f64 {
    let abs = t.iter().map(|v| v.as_f64().abs());
    if n == f64::INFINITY {
        abs.fold(0.0, f64::max)
    } else if n == f64::NEG_INFINITY {
        abs.fold(f64::INFINITY, f64::min)
    } else if n == 0.0 {
        abs.filter(|&a| a != 0.0).count() as f64
    } else if n == 1.0 {
        abs.sum()
    } else if n == 2.0 {
        abs.map(|a| a * a).sum::<f64>().sqrt()
    } else {
        abs.map(|a| a.powf(n)).sum::<f64>().powf(1.0 / n)
    }
}

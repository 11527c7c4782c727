//! The per-layer rules of DeepLIFT's backward pass (captum's `DeepLift`): the Rescale
//! multiplier of an element-wise activation, and the ordinary gradient of the layers captum
//! leaves alone.

use ndarray::{Array2, ArrayView2};

use super::{Activation, Layer, Mode};
use crate::{Error, Float, Result};

/// The multipliers of an element-wise activation `y = act(z)` for a batch of explained rows
/// over their baselines (row `r < n` paired with row `r + n`): `grad · Δy / Δz` where
/// `|Δz| ≥ eps`, else the ordinary gradient `grad · act'(z)` — captum's `nonlinear` rule,
/// with the same `Δ` for both halves.
pub(crate) fn rescale<F: Float>(
    context: &dyn Fn() -> String,
    act: Activation,
    (z, y): (ArrayView2<'_, F>, ArrayView2<'_, F>),
    grad: ArrayView2<'_, F>,
    eps: F,
) -> Result<Array2<F>> {
    let n = halves(context, z)?;
    check_multipliers(context, grad, z.dim())?;
    let mut out = Array2::zeros(z.raw_dim());
    for ((r, c), m) in out.indexed_iter_mut() {
        let pair = if r < n { r } else { r - n };
        let dz = z[[pair, c]] - z[[pair + n, c]];
        let g = grad[[r, c]];
        *m = if dz.abs() < eps {
            g * act.derivative(z[[r, c]], y[[r, c]])
        } else {
            g * (y[[pair, c]] - y[[pair + n, c]]) / dz
        };
    }
    Ok(out)
}

/// The ordinary input gradient of `layer` at `input` (eval mode), for the layers captum's
/// DeepLIFT passes through unchanged (normalisations, dropout).
pub(crate) fn plain_gradient<F: Float>(
    layer: &mut dyn Layer<F>,
    input: ArrayView2<'_, F>,
    grad_output: ArrayView2<'_, F>,
) -> Result<Array2<F>> {
    layer.forward(input, Mode::Eval)?;
    Ok(layer.backward_input(grad_output)?.to_owned())
}

/// Fails unless the multipliers of a layer's output have the shape of that output.
pub(crate) fn check_multipliers<F: Float>(
    context: &dyn Fn() -> String,
    grad: ArrayView2<'_, F>,
    (rows, cols): (usize, usize),
) -> Result<()> {
    if grad.dim() != (rows, cols) {
        return Err(Error::shape(
            context(),
            format!("DeepLIFT multipliers of shape {rows} × {cols}"),
            format!("{} × {}", grad.nrows(), grad.ncols()),
        ));
    }
    Ok(())
}

/// `n` for a batch of `2n` rows (explained rows over their baselines).
pub(crate) fn halves<F: Float>(
    context: &dyn Fn() -> String,
    x: ArrayView2<'_, F>,
) -> Result<usize> {
    if x.nrows() % 2 != 0 {
        return Err(Error::shape(
            context(),
            "an even number of DeepLIFT rows (explained rows over their baselines)",
            format!("{} rows", x.nrows()),
        ));
    }
    Ok(x.nrows() / 2)
}

/// The error of a layer without a DeepLIFT rule.
pub(crate) fn unsupported(layer: String) -> Error {
    Error::state(
        layer,
        "no DeepLIFT rule for this layer: DeepLift runs Linear, ActivationLayer, Dropout, \
         BatchNorm1d, LayerNorm, Residual and Sequential (a custom layer implements \
         Layer::backward_deeplift)",
    )
}

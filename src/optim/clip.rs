//! Gradient clipping by total norm or by value (`torch.nn.utils.clip_grad_norm_` /
//! `clip_grad_value_`). Frozen parameters are left out, as PyTorch leaves out parameters
//! without a gradient.

use crate::model::Layer;
use crate::{Error, Float, Result};

/// Checks a norm order: finite and > 0, or +∞.
fn check_norm_type(norm_type: f64) -> Result<()> {
    if norm_type == f64::INFINITY || (norm_type.is_finite() && norm_type > 0.0) {
        Ok(())
    } else {
        Err(Error::config(
            "clip_grad_norm.norm_type",
            norm_type,
            "a finite number > 0 (1 and 2 are usual) or f64::INFINITY",
        ))
    }
}

/// The `p`-norm of one slice, accumulated in `f64`.
fn slice_norm<F: Float>(values: &[F], p: f64) -> f64 {
    if p == f64::INFINITY {
        values.iter().fold(0.0f64, |m, v| {
            let a = v.as_f64().abs();
            if a > m || a.is_nan() {
                a
            } else {
                m
            }
        })
    } else if p == 1.0 {
        values.iter().map(|v| v.as_f64().abs()).sum()
    } else if p == 2.0 {
        values
            .iter()
            .map(|v| v.as_f64() * v.as_f64())
            .sum::<f64>()
            .sqrt()
    } else {
        values
            .iter()
            .map(|v| v.as_f64().abs().powf(p))
            .sum::<f64>()
            .powf(1.0 / p)
    }
}

/// The total `norm_type`-norm of every unfrozen parameter's gradient, taken as one vector
/// (computed, as PyTorch does, as the norm of the per-parameter norms). Changes nothing.
///
/// ```
/// use tuneup::prelude::*;
/// let mut net = Mlp::new(&[2, 1]).build::<f64>()?;     // 3 parameters
/// net.visit_parameters_mut(&mut |p| p.grad_mut().fill(2.0));
/// assert!((tuneup::optim::grad_norm(&net, 2.0)? - 12f64.sqrt()).abs() < 1e-12);
/// assert_eq!(tuneup::optim::grad_norm(&net, 1.0)?, 6.0);
/// assert_eq!(tuneup::optim::grad_norm(&net, f64::INFINITY)?, 2.0);
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn grad_norm<F: Float>(model: &dyn Layer<F>, norm_type: f64) -> Result<f64> {
    check_norm_type(norm_type)?;
    let p = norm_type;
    let mut acc = 0.0f64;
    model.visit_parameters(&mut |param| {
        if param.is_frozen() {
            return;
        }
        let n = slice_norm(param.grad_slice(), p);
        acc = if p == f64::INFINITY {
            if n > acc || n.is_nan() {
                n
            } else {
                acc
            }
        } else if p == 1.0 {
            acc + n
        } else if p == 2.0 {
            acc + n * n
        } else {
            acc + n.powf(p)
        };
    });
    Ok(if p == f64::INFINITY || p == 1.0 {
        acc
    } else if p == 2.0 {
        acc.sqrt()
    } else {
        acc.powf(1.0 / p)
    })
}

/// Scales every unfrozen gradient so that their total `norm_type`-norm is at most `max_norm`,
/// and returns the total norm **before** clipping — `torch.nn.utils.clip_grad_norm_`.
///
/// The scale is `min(max_norm / (total + 1e-6), 1)`. `norm_type` is 2 (Euclidean), 1, any
/// other finite p > 0, or `f64::INFINITY` (largest absolute value). `max_norm` must be finite
/// and ≥ 0.
///
/// A NaN or infinite total norm is an [`Error::NonFinite`] (leaving the gradients untouched)
/// when `error_if_nonfinite` is true; otherwise the gradients are scaled as PyTorch scales them
/// (by 0 for an infinite norm, by NaN for a NaN norm), so that the optimizer step that follows
/// reports the non-finite gradient.
///
/// ```
/// use tuneup::prelude::*;
/// use tuneup::optim::clip_grad_norm;
/// let mut net = Mlp::new(&[2, 1]).build::<f64>()?;     // 3 parameters
/// net.visit_parameters_mut(&mut |p| p.grad_mut().fill(2.0));
/// let before = clip_grad_norm(&mut net, 1.0, 2.0, false)?;
/// assert!((before - 12f64.sqrt()).abs() < 1e-12);
/// assert!((tuneup::optim::grad_norm(&net, 2.0)? - 1.0).abs() < 1e-6);
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn clip_grad_norm<F: Float>(
    model: &mut dyn Layer<F>,
    max_norm: f64,
    norm_type: f64,
    error_if_nonfinite: bool,
) -> Result<f64> {
    if !(max_norm.is_finite() && max_norm >= 0.0) {
        return Err(Error::config(
            "clip_grad_norm.max_norm",
            max_norm,
            "a finite number ≥ 0",
        ));
    }
    crate::model::mask_gradients(model);
    let total = grad_norm(model, norm_type)?;
    if error_if_nonfinite && !total.is_finite() {
        return Err(Error::non_finite(
            "clip_grad_norm",
            format!(
                "the total {norm_type}-norm of the gradients is {total}, so they cannot be \
                 clipped; no gradient was changed (pass error_if_nonfinite = false to scale \
                 them anyway, as PyTorch does)"
            ),
        ));
    }
    let coef = max_norm / (total + 1e-6);
    // torch.clamp(coef, max=1) keeps a NaN; f64::min would not.
    let coef = if coef.is_nan() { coef } else { coef.min(1.0) };
    if coef != 1.0 {
        let c = F::cast(coef);
        model.visit_parameters_mut(&mut |p| {
            if !p.is_frozen() {
                p.value_and_grad_slices_mut()
                    .1
                    .iter_mut()
                    .for_each(|g| *g *= c);
            }
        });
    }
    Ok(total)
}

/// Clamps every unfrozen gradient element into `[−clip_value, clip_value]` —
/// `torch.nn.utils.clip_grad_value_`. `clip_value` must be finite and ≥ 0. NaN gradients stay
/// NaN (the optimizer step reports them).
///
/// ```
/// use tuneup::prelude::*;
/// let mut net = Mlp::new(&[2, 1]).build::<f64>()?;
/// net.visit_parameters_mut(&mut |p| p.grad_mut().fill(-3.0));
/// tuneup::optim::clip_grad_value(&mut net, 0.5)?;
/// net.visit_parameters(&mut |p| assert!(p.grad().iter().all(|&g| g == -0.5)));
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn clip_grad_value<F: Float>(model: &mut dyn Layer<F>, clip_value: f64) -> Result<()> {
    if !(clip_value.is_finite() && clip_value >= 0.0) {
        return Err(Error::config(
            "clip_grad_value.clip_value",
            clip_value,
            "a finite number ≥ 0",
        ));
    }
    let (lo, hi) = (F::cast(-clip_value), F::cast(clip_value));
    model.visit_parameters_mut(&mut |p| {
        if p.is_frozen() {
            return;
        }
        for g in p.value_and_grad_slices_mut().1 {
            if *g < lo {
                *g = lo;
            } else if *g > hi {
                *g = hi;
            }
        }
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Linear, Sequential};
    use ndarray::array;

    fn net() -> Sequential<f64> {
        let l = Linear::from_weights(array![[1.0, 2.0]], Some(array![0.5])).unwrap();
        let mut net = Sequential::new().push(l);
        net.visit_parameters_mut(&mut |p| {
            let (_, g) = p.value_and_grad_slices_mut();
            for (i, x) in g.iter_mut().enumerate() {
                *x = [3.0, -4.0][i];
            }
        });
        net
    }

    #[test]
    fn p_norms_of_known_vectors() {
        // weight grad [3, -4], bias grad [3]
        let n = net();
        assert!((grad_norm(&n, 2.0).unwrap() - 34f64.sqrt()).abs() < 1e-12);
        assert_eq!(grad_norm(&n, 1.0).unwrap(), 10.0);
        assert_eq!(grad_norm(&n, f64::INFINITY).unwrap(), 4.0);
        let p3 = (27.0f64 + 64.0 + 27.0).powf(1.0 / 3.0);
        assert!((grad_norm(&n, 3.0).unwrap() - p3).abs() < 1e-12);
    }

    #[test]
    fn bad_arguments_are_config_errors() {
        let mut n = net();
        for p in [0.0, -1.0, f64::NAN, f64::NEG_INFINITY] {
            assert!(matches!(grad_norm(&n, p), Err(Error::Config { .. })), "{p}");
        }
        assert!(matches!(
            clip_grad_norm(&mut n, -1.0, 2.0, false),
            Err(Error::Config { .. })
        ));
        assert!(matches!(
            clip_grad_value(&mut n, f64::NAN),
            Err(Error::Config { .. })
        ));
    }

    #[test]
    fn frozen_parameters_are_left_out() {
        let mut n = net();
        n.visit_parameters_mut(&mut |p| {
            if p.name().ends_with("bias") {
                p.set_frozen(true)
            }
        });
        assert_eq!(clip_grad_norm(&mut n, 1.0, 1.0, true).unwrap(), 7.0);
        n.visit_parameters(&mut |p| {
            if p.is_frozen() {
                assert_eq!(p.grad_slice(), &[3.0]);
            }
        });
    }

    #[test]
    fn non_finite_norm_errors_without_touching_gradients() {
        let mut n = net();
        n.visit_parameters_mut(&mut |p| p.value_and_grad_slices_mut().1[0] = f64::INFINITY);
        let e = clip_grad_norm(&mut n, 1.0, 2.0, true).unwrap_err();
        assert!(matches!(e, Error::NonFinite { .. }));
        n.visit_parameters(&mut |p| assert_eq!(p.grad_slice()[0], f64::INFINITY));
        // Without the flag the infinite norm gives a zero scale, as in PyTorch: ∞·0 = NaN.
        assert_eq!(
            clip_grad_norm(&mut n, 1.0, 2.0, false).unwrap(),
            f64::INFINITY
        );
        n.visit_parameters(&mut |p| assert!(p.grad_slice()[0].is_nan()));
    }
}

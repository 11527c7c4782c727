//! Pruned parameters in a `state_dict`, under PyTorch's names: `<name>_orig` (the values
//! before masking) and `<name>_mask` (the 0/1 mask) instead of `<name>`.

use std::collections::{BTreeMap, HashMap};

use super::safetensors_io::Tensor;
use super::state_dict::{LoadOptions, LoadReport, Mismatch, Staged};
use crate::model::Layer;
use crate::{Float, Result};

/// PyTorch's two entry names for the pruned parameter `name`.
pub(crate) fn pair_names(name: &str) -> (String, String) {
    (format!("{name}_orig"), format!("{name}_mask"))
}

/// The entries of a pruned parameter for a `state_dict`.
pub(crate) fn pruned_tensors<F: Float>(
    name: &str,
    original: &ndarray::ArrayD<F>,
    mask: ndarray::ArrayViewD<'_, F>,
) -> Result<[(String, Tensor); 2]> {
    let (o, m) = pair_names(name);
    let orig = Tensor::from_floats(original.shape(), original.as_slice().unwrap_or(&[]))?;
    let mask = mask.as_standard_layout();
    let mask = Tensor::from_floats(mask.shape(), mask.as_slice().unwrap_or(&[]))?;
    Ok([(o, orig), (m, mask)])
}

/// Joins the staged `<name>_orig` / `<name>_mask` values of each parameter into one
/// [`Staged::Pruned`] entry: for a pruned parameter (whose slots are the pair), and for an
/// unpruned one whose `<name>` is missing while the pair is there (a PyTorch checkpoint of a
/// pruned model), which then becomes pruned. A mask with entries other than 0 and 1 is a
/// mismatch; half a pair loads nothing.
pub(crate) fn pair_up<F: Float>(
    model: &dyn Layer<F>,
    tensors: &BTreeMap<String, Tensor>,
    options: LoadOptions,
    report: &mut LoadReport,
    staged: &mut HashMap<String, Staged<F>>,
) {
    let mut params = Vec::new();
    model.visit_parameters(&mut |p| {
        params.push((p.name().to_string(), p.shape().to_vec(), p.is_pruned()))
    });
    for (name, shape, pruned) in params {
        let (o, m) = pair_names(&name);
        if !pruned {
            let from_pair = report.missing.contains(&name)
                && tensors.contains_key(&o)
                && tensors.contains_key(&m);
            if !from_pair {
                continue;
            }
            for key in [&o, &m] {
                if let Some(v) = stage_value(key, &shape, &tensors[key], options, report) {
                    staged.insert(key.clone(), Staged::Values(v));
                }
            }
            report.missing.retain(|n| n != &name);
            report.unexpected.retain(|n| n != &o && n != &m);
        }
        join(&name, &o, &m, report, staged);
    }
}

/// Moves the staged pair of `name` into one entry, or drops half a pair.
fn join<F: Float>(
    name: &str,
    o: &str,
    m: &str,
    report: &mut LoadReport,
    staged: &mut HashMap<String, Staged<F>>,
) {
    let (orig, mask) = (staged.remove(o), staged.remove(m));
    let (Some(Staged::Values(orig)), Some(Staged::Values(mask))) = (orig, mask) else {
        report.loaded.retain(|n| n != o && n != m);
        return;
    };
    if let Some(bad) = mask.iter().find(|&&v| v != F::zero() && v != F::one()) {
        report.loaded.retain(|n| n != o && n != m);
        report.mismatched.push(Mismatch {
            name: m.to_string(),
            expected: "a pruning mask of 0 and 1".into(),
            found: format!("{}", bad.as_f64()),
        });
        return;
    }
    for key in [o, m] {
        if !report.loaded.iter().any(|n| n == key) {
            report.loaded.push(key.to_string());
        }
    }
    staged.insert(name.to_string(), Staged::Pruned(orig, mask));
}

/// One tensor's values for an entry of `shape`, or its mismatch recorded.
fn stage_value<F: Float>(
    key: &str,
    shape: &[usize],
    t: &Tensor,
    options: LoadOptions,
    report: &mut LoadReport,
) -> Option<Vec<F>> {
    let mismatch = |expected: String, found: String| Mismatch {
        name: key.to_string(),
        expected,
        found,
    };
    if t.shape() != shape {
        report.mismatched.push(mismatch(
            format!("shape {shape:?}"),
            format!("shape {:?}", t.shape()),
        ));
        return None;
    }
    match t.to_floats::<F>() {
        Ok(v) => match super::state_dict::value_problem(key, t, &v, options) {
            Some((e, f)) => {
                report.mismatched.push(mismatch(e, f));
                None
            }
            None => {
                report.loaded.push(key.to_string());
                Some(v)
            }
        },
        Err(_) => {
            report.mismatched.push(mismatch(
                "a float dtype (F16, BF16, F32, F64)".into(),
                format!("dtype {}", t.dtype()),
            ));
            None
        }
    }
}

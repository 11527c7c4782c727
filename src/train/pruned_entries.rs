//! Pruned parameters in a `state_dict`, under PyTorch's names: `<name>_orig` (the values
//! before masking) and `<name>_mask` (the 0/1 mask) instead of `<name>`.

use super::safetensors_io::Tensor;
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

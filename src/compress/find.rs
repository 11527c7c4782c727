//! Finding a parameter of a model by its full name, for the pruning functions.

use ndarray::ArrayD;

use crate::model::Layer;
use crate::{Error, Float, Result};

/// A copy of the parameter `name`'s value and mask (ones when not pruned).
pub(crate) fn value_and_mask<F: Float>(
    model: &dyn Layer<F>,
    name: &str,
    context: &str,
) -> Result<(ArrayD<F>, ArrayD<F>)> {
    let mut found = None;
    model.visit_parameters(&mut |p| {
        if found.is_none() && p.name() == name {
            let mask = p
                .mask()
                .map_or_else(|| ArrayD::ones(p.value().raw_dim()), |m| m.to_owned());
            found = Some((p.value().to_owned(), mask));
        }
    });
    found.ok_or_else(|| unknown(model, name, context))
}

/// Sets the mask of the parameter `name` (which exists: found before).
pub(crate) fn set_mask<F: Float>(
    model: &mut dyn Layer<F>,
    name: &str,
    mask: ArrayD<F>,
) -> Result<()> {
    let mut mask = Some(mask);
    let mut result = Ok(());
    model.visit_parameters_mut(&mut |p| {
        if p.name() == name {
            if let Some(m) = mask.take() {
                result = p.set_mask(m);
            }
        }
    });
    result
}

/// The error for a name the model does not have, listing the names it has.
pub(crate) fn unknown<F: Float>(model: &dyn Layer<F>, name: &str, context: &str) -> Error {
    let mut names = Vec::new();
    model.visit_parameters(&mut |p| names.push(p.name().to_string()));
    Error::value(
        context,
        format!("a parameter of the model: {}", names.join(", ")),
        format!("`{name}`"),
    )
}

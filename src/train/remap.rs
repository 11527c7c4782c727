//! Renaming a state dict's entries before loading, for a model laid out differently from the
//! one that saved the weights (a new head, an extra input layer, PyTorch module names).

use std::collections::BTreeMap;

use super::Tensor;
use crate::{Error, Result};

/// `tensors` with their names rewritten by prefix rules `(from, to)`: a name starting with
/// `from` has that prefix replaced by `to` (the first rule that applies wins; names no rule
/// applies to are kept). With `to = None` the matching entries are dropped (e.g. the old head,
/// before [`load_state_dict`](super::load_state_dict) with
/// [`LoadOptions::non_strict`](super::LoadOptions::non_strict) fills the rest).
///
/// Errors ([`Error::Value`]): a rule with an empty `from`, a rule matching no name (a typo
/// would otherwise load nothing silently), or two entries renamed to the same name. The input
/// is never changed.
///
/// ```
/// use std::collections::BTreeMap;
/// use tuneup::prelude::*;
/// use tuneup::train::{load_state_dict, remap_state_dict, state_dict, LoadOptions, StateScope};
/// // Saved: a body `0` and a 3-class head `1`. New model: an input layer, the body, a new head.
/// let old = Sequential::<f64>::new().push(Linear::new(4, 6, 0)?).push(Linear::new(6, 3, 1)?);
/// let sd = state_dict(&old, StateScope::Torch)?;
/// let moved = remap_state_dict(&sd, &[("1.", None), ("0.", Some("1."))])?;
/// assert_eq!(moved.keys().collect::<Vec<_>>(), ["1.bias", "1.weight"]);
/// let mut new = Sequential::<f64>::new()
///     .push(Linear::new(4, 4, 2)?)
///     .push(Linear::new(4, 6, 3)?)
///     .push(Linear::new(6, 5, 4)?);
/// let report = load_state_dict(&mut new, &moved, LoadOptions::non_strict())?;
/// assert_eq!(report.missing.len(), 4); // the new input layer and the new head
/// assert!(remap_state_dict(&sd, &[("head.", None)]).is_err());
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn remap_state_dict(
    tensors: &BTreeMap<String, Tensor>,
    rules: &[(&str, Option<&str>)],
) -> Result<BTreeMap<String, Tensor>> {
    let mut used = vec![false; rules.len()];
    if let Some(i) = rules.iter().position(|(from, _)| from.is_empty()) {
        return Err(Error::value(
            format!("remap_state_dict rule {i}"),
            "a non-empty prefix to replace",
            "\"\"",
        ));
    }
    let mut out = BTreeMap::new();
    for (name, tensor) in tensors {
        let rule = rules.iter().position(|(from, _)| name.starts_with(from));
        let new_name = match rule {
            Some(i) => {
                used[i] = true;
                let (from, to) = rules[i];
                match to {
                    Some(to) => format!("{to}{}", &name[from.len()..]),
                    None => continue,
                }
            }
            None => name.clone(),
        };
        if out.insert(new_name.clone(), tensor.clone()).is_some() {
            return Err(Error::value(
                "remap_state_dict",
                "rules giving every entry a distinct name",
                format!("two entries renamed to `{new_name}`"),
            ));
        }
    }
    if let Some(i) = used.iter().position(|u| !u) {
        return Err(Error::value(
            format!("remap_state_dict rule {i}"),
            "a prefix some entry starts with",
            format!("{:?}, matching none", rules[i].0),
        ));
    }
    Ok(out)
}

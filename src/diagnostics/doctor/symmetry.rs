//! Symmetric initialisation: hidden units that start identical stay identical, because every
//! one of them receives the same gradient.

use super::finding::{Evidence, Finding, Problem, Severity};
use super::remedies::remedies_for;
use crate::model::{Layer, ParamKind, Parameter, Visitor};
use crate::Float;

/// What the check needs of one weight tensor, read in place (no copy of the values).
struct Weight {
    name: String,
    outputs: usize,
    inputs: usize,
    first: f64,
    /// Every output unit's weights equal the first unit's (and there are at least two).
    identical_rows: bool,
    /// For each output (and kernel offset), every input's weight equals the first input's.
    identical_columns: bool,
}

/// `values` as `(outputs, inputs, rest)` row-major: are all rows equal?
fn identical_rows<F: Float>(values: &[F], outputs: usize) -> bool {
    let row = values.len() / outputs.max(1);
    outputs >= 2 && values.chunks(row.max(1)).all(|r| r == &values[..row])
}

/// `values` as `(outputs, inputs, rest)` row-major: equal across inputs for every output?
fn identical_columns<F: Float>(values: &[F], outputs: usize, inputs: usize) -> bool {
    let rest = (values.len() / (outputs * inputs).max(1)).max(1);
    values
        .chunks(inputs * rest)
        .all(|unit| unit.chunks(rest).all(|column| column == &unit[..rest]))
}

struct Weights(Vec<Weight>);

impl<F: Float> Visitor<F> for Weights {
    fn parameter(&mut self, p: &Parameter<F>) {
        let shape = p.shape();
        if p.kind() == ParamKind::Weight && shape.len() >= 2 && !p.is_empty() {
            let (outputs, inputs, values) = (shape[0], shape[1], p.value_slice());
            self.0.push(Weight {
                name: p.name().to_string(),
                outputs,
                inputs,
                first: values[0].as_f64(),
                identical_rows: identical_rows(values, outputs),
                identical_columns: identical_columns(values, outputs, inputs),
            });
        }
    }
}

/// The first weight whose output units are identical and feed a next weight whose inputs
/// are identical too: those hidden units compute the same function and get the same
/// gradient at every step, so training can never tell them apart.
pub(crate) fn symmetric_units<F: Float>(model: &dyn Layer<F>) -> Option<Finding> {
    let mut weights = Weights(Vec::new());
    model.visit(&mut weights);
    let (a, b) = weights.0.windows(2).find_map(|pair| {
        let (a, b) = (&pair[0], &pair[1]);
        (b.inputs == a.outputs && a.identical_rows && b.identical_columns).then_some((a, b))
    })?;
    Some(Finding {
        problem: Problem::SymmetricWeights,
        severity: Severity::Critical,
        summary: format!(
            "the {} units of `{}` start with identical weights and `{}` weighs them alike: \
             every step moves them together, so they stay one unit",
            a.outputs, a.name, b.name
        ),
        evidence: vec![
            Evidence::new(format!("{} identical units", a.name), a.outputs as f64),
            Evidence::new(format!("{} first weight", a.name), a.first),
        ],
        remedies: remedies_for(Problem::SymmetricWeights),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Init, Mlp};

    #[test]
    fn a_constant_initialisation_is_found_and_a_random_one_is_not() {
        let constant = Mlp::new(&[3, 5, 2])
            .init(Init::Constant(0.1))
            .build::<f64>()
            .unwrap();
        let f = symmetric_units(&constant).expect("symmetric");
        assert_eq!(f.evidence[0].value, 5.0);
        assert!(f.summary.contains("`0.weight`"), "{}", f.summary);
        let random = Mlp::new(&[3, 5, 2]).seed(1).build::<f64>().unwrap();
        assert!(symmetric_units(&random).is_none());
    }
}

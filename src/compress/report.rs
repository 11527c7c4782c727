//! How sparse a model is, parameter by parameter.

use std::fmt;

use crate::model::Layer;
use crate::Float;

/// One parameter's sparsity.
///
/// ```
/// use tuneup::compress::ParameterSparsity;
/// let p = ParameterSparsity { name: "0.weight".into(), size: 10, zeros: 4, pruned: true };
/// assert_eq!(p.sparsity(), 0.4);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ParameterSparsity {
    /// The parameter's full name.
    pub name: String,
    /// Its number of entries.
    pub size: usize,
    /// How many entries are exactly 0.
    pub zeros: usize,
    /// Whether it carries a pruning mask.
    pub pruned: bool,
}

impl ParameterSparsity {
    /// The fraction of entries that are 0 (0 for an empty parameter).
    ///
    /// ```
    /// use tuneup::compress::ParameterSparsity;
    /// let p = ParameterSparsity { name: "b".into(), size: 0, zeros: 0, pruned: false };
    /// assert_eq!(p.sparsity(), 0.0);
    /// ```
    pub fn sparsity(&self) -> f64 {
        self.zeros as f64 / self.size.max(1) as f64
    }
}

/// Every parameter's sparsity (zero entries, pruned or not), in visiting order.
///
/// ```
/// use tuneup::compress::{l1_unstructured, sparsity_report, Amount};
/// use tuneup::prelude::*;
/// let mut net = Mlp::new(&[4, 5, 1]).seed(2).build::<f64>()?;
/// l1_unstructured(&mut net, "0.weight", Amount::Fraction(0.5))?;
/// let report = sparsity_report(&net);
/// assert_eq!(report.parameters[0].zeros, 10);
/// assert_eq!(report.weights_sparsity(), 10.0 / 25.0);
/// println!("{report}");
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct SparsityReport {
    /// One entry per parameter.
    pub parameters: Vec<ParameterSparsity>,
    /// Which of them are weights (not biases or norm scales).
    weights: Vec<bool>,
}

/// The sparsity of every parameter of `model`.
///
/// ```
/// use tuneup::compress::sparsity_report;
/// use tuneup::prelude::*;
/// let net = Mlp::new(&[2, 1]).build::<f64>()?;
/// assert_eq!(sparsity_report(&net).parameters.len(), 2);
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn sparsity_report<F: Float>(model: &dyn Layer<F>) -> SparsityReport {
    let mut parameters = Vec::new();
    let mut weights = Vec::new();
    model.visit_parameters(&mut |p| {
        parameters.push(ParameterSparsity {
            name: p.name().to_string(),
            size: p.len(),
            zeros: p.value().iter().filter(|&&v| v == F::zero()).count(),
            pruned: p.is_pruned(),
        });
        weights.push(p.kind() == crate::model::ParamKind::Weight);
    });
    SparsityReport {
        parameters,
        weights,
    }
}

impl SparsityReport {
    /// The fraction of zero entries over every parameter.
    ///
    /// ```
    /// use tuneup::compress::{l1_unstructured, sparsity_report, Amount};
    /// use tuneup::prelude::*;
    /// let mut net = Mlp::new(&[2, 1]).seed(1).build::<f64>()?; // 2 weights and a bias
    /// l1_unstructured(&mut net, "0.weight", Amount::Count(1))?;
    /// assert_eq!(sparsity_report(&net).total_sparsity(), 1.0 / 3.0);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn total_sparsity(&self) -> f64 {
        ratio(self.parameters.iter())
    }

    /// The fraction of zero entries over the weights only (what pruning usually targets).
    ///
    /// ```
    /// use tuneup::compress::sparsity_report;
    /// use tuneup::prelude::*;
    /// let net = Mlp::new(&[2, 1]).seed(3).build::<f64>()?;
    /// assert_eq!(sparsity_report(&net).weights_sparsity(), 0.0);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn weights_sparsity(&self) -> f64 {
        ratio(
            self.parameters
                .iter()
                .zip(&self.weights)
                .filter(|&(_, &w)| w)
                .map(|(p, _)| p),
        )
    }
}

fn ratio<'a>(ps: impl Iterator<Item = &'a ParameterSparsity>) -> f64 {
    let (zeros, size) = ps.fold((0, 0), |(z, s), p| (z + p.zeros, s + p.size));
    zeros as f64 / size.max(1) as f64
}

impl fmt::Display for SparsityReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for p in &self.parameters {
            let mark = if p.pruned { " (pruned)" } else { "" };
            writeln!(
                f,
                "{:<24} {:>8} entries, {:>6.2}% zero{mark}",
                p.name,
                p.size,
                100.0 * p.sparsity()
            )?;
        }
        write!(
            f,
            "weights {:.2}% zero, all parameters {:.2}% zero",
            100.0 * self.weights_sparsity(),
            100.0 * self.total_sparsity()
        )
    }
}

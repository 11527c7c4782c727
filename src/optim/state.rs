//! The exported state of an optimizer, for checkpoints.

use std::collections::BTreeMap;

use ndarray::ArrayD;

/// Everything an optimizer needs to resume exactly: its kind, how many steps it took, the
/// learning rate, each parameter's own step count and one `f64` tensor per parameter and
/// buffer. (Optimizers keep their buffers in the parameters' own precision, as PyTorch does;
/// the export widens `f32` buffers to `f64` exactly, and loading narrows them back exactly.)
///
/// Tensor names are `"<parameter name>.<buffer>"` with PyTorch's buffer names
/// (`exp_avg`, `exp_avg_sq`, `max_exp_avg_sq`, `momentum_buffer`, `square_avg`, `grad_avg`,
/// `sum`), and each tensor has its parameter's shape, so the map can be written to a
/// safetensors file as it is. Only parameters that have been updated at least once appear.
///
/// Hyperparameters other than the learning rate are not part of the state: they come from the
/// optimizer the state is loaded into, as it was built.
///
/// ```
/// use tuneup::prelude::*;
/// let mut net = Mlp::new(&[2, 1]).build::<f64>().unwrap();
/// let mut adam = Adam::new(1e-3).unwrap();
/// net.visit_parameters_mut(&mut |p| p.grad_mut().fill(0.5));
/// adam.step(&mut net).unwrap();
/// let state = adam.state();
/// assert_eq!(state.optimizer, "Adam");
/// assert_eq!(state.steps, 1);
/// assert_eq!(state.param_steps["0.weight"], 1);
/// assert_eq!(state.tensors["0.weight.exp_avg"].shape(), &[1, 2]);
/// assert_eq!(state.tensor_names(), ["0.bias.exp_avg", "0.bias.exp_avg_sq",
///                                   "0.weight.exp_avg", "0.weight.exp_avg_sq"]);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct OptimizerState {
    /// The optimizer's kind, PyTorch's class name: `SGD`, `Adam`, `AdamW`, `RMSprop`,
    /// `Adagrad`. Loading checks it.
    pub optimizer: String,
    /// How many successful `step` calls the optimizer made.
    pub steps: u64,
    /// The base learning rate when the state was taken; loading restores it.
    pub learning_rate: f64,
    /// Each updated parameter's own step count (PyTorch's `state[p]["step"]`), by parameter
    /// name. It differs from `steps` for parameters that were frozen for a while.
    pub param_steps: BTreeMap<String, u64>,
    /// The buffers, by `"<parameter name>.<buffer>"`, each with its parameter's shape.
    pub tensors: BTreeMap<String, ArrayD<f64>>,
}

impl OptimizerState {
    /// An empty state (no step taken) of the named optimizer kind.
    ///
    /// ```
    /// let s = tuneup::optim::OptimizerState::new("Adam", 1e-3);
    /// assert!(s.is_empty());
    /// ```
    pub fn new(optimizer: impl Into<String>, learning_rate: f64) -> Self {
        OptimizerState {
            optimizer: optimizer.into(),
            steps: 0,
            learning_rate,
            param_steps: BTreeMap::new(),
            tensors: BTreeMap::new(),
        }
    }

    /// True when no parameter has state yet.
    ///
    /// ```
    /// assert!(tuneup::optim::OptimizerState::new("SGD", 0.1).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.param_steps.is_empty() && self.tensors.is_empty()
    }

    /// The tensor names, sorted.
    ///
    /// ```
    /// assert!(tuneup::optim::OptimizerState::new("SGD", 0.1).tensor_names().is_empty());
    /// ```
    pub fn tensor_names(&self) -> Vec<&str> {
        self.tensors.keys().map(String::as_str).collect()
    }

    /// True when both states hold the same numbers bit for bit (unlike `==`, which treats
    /// `0.0` and `-0.0` as equal and NaN as unequal to itself).
    ///
    /// ```
    /// let a = tuneup::optim::OptimizerState::new("SGD", 0.1);
    /// assert!(a.bitwise_eq(&a.clone()));
    /// ```
    pub fn bitwise_eq(&self, other: &OptimizerState) -> bool {
        self.optimizer == other.optimizer
            && self.steps == other.steps
            && self.learning_rate.to_bits() == other.learning_rate.to_bits()
            && self.param_steps == other.param_steps
            && self.tensors.len() == other.tensors.len()
            && self
                .tensors
                .iter()
                .zip(&other.tensors)
                .all(|((ka, a), (kb, b))| {
                    ka == kb
                        && a.shape() == b.shape()
                        && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
                })
    }
}

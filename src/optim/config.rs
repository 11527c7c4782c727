//! `OptimizerConfig`: the settings of an optimizer, from which fresh optimizers are built.

use std::fmt::Debug;

use super::Optimizer;
use crate::{Float, Result};

/// The settings of an optimizer — hyperparameters and parameter groups — from which
/// [`build`](OptimizerConfig::build) makes a fresh optimizer with no state (no moments, no
/// step counts). It is cloneable (`Box<dyn OptimizerConfig<F>>: Clone`), `Send + Sync` and
/// `Debug`, so a hyperparameter search or a data-parallel run can build one optimizer per
/// trial or thread from the same description.
///
/// It is implemented by the config structs ([`SgdConfig`](super::SgdConfig),
/// [`AdamConfig`](super::AdamConfig), …), which hold no parameter groups, and by the built-in
/// optimizers themselves ([`Sgd`](super::Sgd), [`Adam`](super::Adam), …): building from an
/// optimizer value gives a fresh optimizer with its settings, its groups and its *current*
/// learning rate.
///
/// ```
/// use tuneup::prelude::*;
/// use tuneup::optim::{AdamConfig, OptimizerConfig};
/// let config: Box<dyn OptimizerConfig<f32>> = Box::new(AdamConfig { lr: 3e-4, ..Default::default() });
/// let a = config.build()?;
/// let b = config.clone().build()?;
/// assert_eq!(a.learning_rate(), 3e-4);
/// assert_eq!(a.state(), b.state());
/// assert_eq!(config.name(), "Adam");
/// assert!(OptimizerConfig::<f32>::build(&AdamConfig { lr: -1.0, ..Default::default() }).is_err());
/// # Ok::<(), tuneup::Error>(())
/// ```
pub trait OptimizerConfig<F: Float>: Send + Sync + Debug + OptimizerConfigClone<F> {
    /// A fresh optimizer with these settings and no state; an [`Error::Config`](crate::Error)
    /// naming the field when a setting is out of range.
    fn build(&self) -> Result<Box<dyn Optimizer<F>>>;

    /// The optimizer's PyTorch class name (`"SGD"`, `"Adam"`, `"AdamW"`, `"RMSprop"`,
    /// `"Adagrad"`), as in its [`OptimizerState`](super::OptimizerState).
    fn name(&self) -> String;
}

/// Clones an optimizer config behind a trait object, so that `Box<dyn OptimizerConfig<F>>` is
/// `Clone`. Implemented for every config that is `Clone`.
///
/// ```
/// use tuneup::optim::{OptimizerConfig, SgdConfig};
/// let config: Box<dyn OptimizerConfig<f64>> = Box::new(SgdConfig::default());
/// assert_eq!(config.clone().name(), "SGD");
/// ```
pub trait OptimizerConfigClone<F: Float> {
    /// A boxed copy of the config.
    fn clone_box(&self) -> Box<dyn OptimizerConfig<F>>;
}

impl<F: Float, T: OptimizerConfig<F> + Clone + 'static> OptimizerConfigClone<F> for T {
    fn clone_box(&self) -> Box<dyn OptimizerConfig<F>> {
        Box::new(self.clone())
    }
}

impl<F: Float> Clone for Box<dyn OptimizerConfig<F>> {
    fn clone(&self) -> Self {
        (**self).clone_box()
    }
}

/// A boxed config is a config, so a stored one can go wherever one is taken.
impl<F: Float> OptimizerConfig<F> for Box<dyn OptimizerConfig<F>> {
    fn build(&self) -> Result<Box<dyn Optimizer<F>>> {
        (**self).build()
    }
    fn name(&self) -> String {
        (**self).name()
    }
}

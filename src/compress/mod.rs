//! Compression: pruning with `torch.nn.utils.prune`'s semantics.
//!
//! A pruned parameter carries a 0/1 mask ([`Parameter::mask`](crate::model::Parameter::mask));
//! its value is the masked one (PyTorch's `weight = weight_orig * weight_mask`), and the
//! optimizers, gradient clipping and the Trainer multiply its gradient and update by the mask,
//! so pruned entries stay exactly 0 through fine-tuning.
//! Methods compose as PyTorch's `PruningContainer`: a second pruning counts its amount among
//! the entries (or channels) still unpruned. [`remove`] makes pruning permanent, and
//! [`shrink`] turns pruned neurons into a smaller dense network (a real speed-up). Gradual
//! pruning during training follows a [`PolynomialSparsity`] schedule (Zhu & Gupta 2017)
//! through [`prune_to_sparsity`]; the trainer's callback is
//! [`GradualPruning`](crate::train::callbacks::GradualPruning). The module
//! stands above [`model`](crate::model) and below [`train`](crate::train).
//!
//! ```
//! use tuneup::compress::{l1_unstructured, ln_structured, sparsity_report, Amount};
//! use tuneup::prelude::*;
//! let mut net = Mlp::new(&[8, 16, 2]).seed(0).build::<f64>()?;
//! l1_unstructured(&mut net, "0.weight", Amount::Fraction(0.5))?;     // 64 of 128
//! l1_unstructured(&mut net, "0.weight", Amount::Fraction(0.5))?;     // 32 of the 64 left
//! ln_structured(&mut net, "2.weight", Amount::Count(1), 1.0, 0)?;    // one output neuron
//! let report = sparsity_report(&net);
//! assert_eq!(report.parameters[0].zeros, 96);
//! assert_eq!(report.parameters[2].zeros, 16);
//! # Ok::<(), tuneup::Error>(())
//! ```

mod amount;
mod find;
mod global;
mod polynomial_sparsity;
mod remove;
mod report;
mod shrink;
mod structured;
mod to_sparsity;
mod unstructured;

pub use amount::Amount;
pub use global::global_unstructured;
pub use polynomial_sparsity::PolynomialSparsity;
pub use remove::remove;
pub use report::{sparsity_report, ParameterSparsity, SparsityReport};
pub use shrink::{shrink, RemovedNeurons};
pub use structured::ln_structured;
pub use to_sparsity::{prune_to_sparsity, SparsityScope};
pub use unstructured::{l1_unstructured, random_unstructured};

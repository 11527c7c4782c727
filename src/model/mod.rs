//! Layers and networks: the [`Layer`] trait, [`Linear`], activations, [`Dropout`],
//! [`BatchNorm1d`], [`LayerNorm`], [`Residual`], [`Sequential`], the [`Mlp`] builder and the
//! initialisation schemes. The model knows nothing of losses or optimizers.

mod activation;
mod activation_layer;
mod batch_norm;
mod boxed_layer;
mod dropout;
mod init;
mod layer;
mod layer_norm;
mod linear;
mod mlp;
mod mode;
mod parameter;
mod residual;
mod sequential;
mod softmax;
mod visitor;

pub use activation::{sigmoid, Activation};
pub use activation_layer::ActivationLayer;
pub use batch_norm::BatchNorm1d;
pub use dropout::Dropout;
pub use init::{FanMode, Init};
pub use layer::{check_visitors, Layer, LayerClone};
pub use layer_norm::LayerNorm;
pub use linear::Linear;
pub use mlp::{Mlp, Normalization};
pub use mode::Mode;
pub use parameter::{NamedBuffer, NamedCounter, ParamKind, Parameter};
pub use residual::Residual;
pub use sequential::Sequential;
pub use softmax::{log_softmax_rows, softmax_rows, LogSoftmax, Softmax};
pub use visitor::{Visitor, VisitorMut};

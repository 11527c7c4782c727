//! Layers and networks: the [`Layer`] trait, [`Linear`], activations, [`Dropout`],
//! [`BatchNorm1d`], [`LayerNorm`], [`Residual`], [`Sequential`], the [`Mlp`] builder and the
//! initialisation schemes; for images [`Conv2d`], [`Conv1d`], [`BatchNorm2d`], pooling
//! ([`MaxPool2d`], [`AvgPool2d`], [`AdaptiveAvgPool2d`]), [`Flatten`], the [`DepthwiseSeparable`] block and the [`Cnn`] builder. The model knows nothing of losses or optimizers.

mod activation;
mod activation_layer;
mod adaptive_pool;
mod batch_norm;
mod batch_norm2d;
mod boxed_layer;
mod cnn;
mod conv1d;
mod conv2d;
mod conv_core;
mod conv_geometry;
mod conv_layer;
mod deeplift_rule;
mod depthwise_separable;
mod dropout;
mod flatten;
mod freeze;
mod im2col;
mod init;
mod lanes;
mod layer;
mod layer_norm;
mod linear;
mod matmul_precision;
mod mlp;
mod mode;
mod parameter;
mod pool2d;
mod pool_windows;
mod pruning_mask;
mod residual;
mod sequential;
mod sequential_surgery;
mod softmax;
mod visitor;
mod wide;

pub use activation::{sigmoid, Activation};
pub use activation_layer::ActivationLayer;
pub use adaptive_pool::AdaptiveAvgPool2d;
pub use batch_norm::BatchNorm1d;
pub use batch_norm2d::BatchNorm2d;
pub use cnn::Cnn;
pub use conv1d::{Conv1d, Conv1dConfig};
pub use conv2d::{Conv2d, Conv2dConfig};
pub use conv_geometry::Padding;
pub use depthwise_separable::DepthwiseSeparable;
pub use dropout::Dropout;
pub use flatten::Flatten;
pub use freeze::{name_matches, set_frozen_matching};
pub use init::{FanMode, Init};
pub use layer::{check_visitors, Layer, LayerAny, LayerClone};
pub use layer_norm::LayerNorm;
pub use linear::Linear;
pub use matmul_precision::{matmul_precisions, set_matmul_precision};
pub use mlp::{Mlp, Normalization};
pub use mode::Mode;
pub use parameter::{NamedBuffer, NamedCounter, ParamKind, Parameter};
pub use pool2d::{AvgPool2d, MaxPool2d, Pool2dConfig};
pub use pruning_mask::mask_gradients;
pub use residual::Residual;
pub use sequential::Sequential;
pub use softmax::{log_softmax_rows, softmax_rows, LogSoftmax, Softmax};
pub use visitor::{Visitor, VisitorMut};

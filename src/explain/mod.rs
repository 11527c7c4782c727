//! Why a model predicts what it predicts: attributions, Shapley values and global importance
//! for any [`Layer`](crate::model::Layer), matching captum, shap and scikit-learn.
//!
//! - Gradient attributions of a chosen [`Target`] output: [`Saliency`], [`InputXGradient`],
//!   [`IntegratedGradients`] (captum's five quadrature rules, baselines, bounded batches and
//!   the convergence delta), [`DeepLift`] (the Rescale rule, with the convergence delta) and
//!   [`NoiseTunnel`] (SmoothGrad and its variants) over any of
//!   them, all behind the [`Attribution`] trait.
//! - Shapley values against a background set: [`ExactShap`] (shap's `Exact` explainer with an
//!   `Independent` masker) and [`KernelShap`] (shap's `KernelExplainer`), optionally over
//!   [`FeatureGroups`].
//! - Local surrogates: [`LimeTabular`] (lime's `LimeTabularExplainer`).
//! - Global views: [`PermutationImportance`] and [`PartialDependence`] / ICE curves
//!   (scikit-learn's `inspection`).
//! - Interpretable models with fit → fitted → predict: [`LinearRegression`] (OLS and ridge),
//!   [`LogisticRegression`], [`DecisionTree`] (CART) with [`export_text`], and a
//!   [`GlobalSurrogate`] tree fitted to a network with its fidelity.
//!
//! Models run in eval mode; parameters and their gradients are left as they were.
//! The module sits above [`model`](crate::model) and [`loss`](crate::loss) and below `train`.
//!
//! ```
//! use tuneup::explain::{Attribution, InputXGradient, Target};
//! use tuneup::prelude::*;
//! let mut net = Sequential::<f64>::new()
//!     .push(Linear::from_weights(ndarray::array![[3.0, 0.0, -1.0]], Some(ndarray::array![0.5]))?);
//! let a = InputXGradient.attribute(&mut net, ndarray::array![[1.0, 5.0, 2.0]].view(), &Target::Only)?;
//! assert_eq!(a, ndarray::array![[3.0, 0.0, -2.0]]);
//! # Ok::<(), tuneup::Error>(())
//! ```

mod attribution;
mod baseline;
mod check;
mod decision_tree;
mod deep_lift;
mod exact_shap;
mod export_text;
mod feature_groups;
mod first_linear;
mod gradient;
mod input_x_gradient;
mod integrated_gradients;
mod kernel_coalitions;
mod kernel_shap;
mod lime;
mod linear_regression;
mod logistic_regression;
mod masking;
mod noise_tunnel;
mod partial_dependence;
mod permutation_importance;
mod quadrature;
mod quartile_bins;
mod saliency;
mod solve;
mod split_criterion;
mod surrogate;
mod target;
mod tree_builder;

pub use attribution::Attribution;
pub use baseline::Baseline;
pub use decision_tree::{DecisionTree, FittedTree, TreeNode};
pub use deep_lift::DeepLift;
pub use exact_shap::{ExactShap, ShapValues, MAX_EXACT_FEATURES};
pub use export_text::{export_text, TextOptions};
pub use feature_groups::FeatureGroups;
pub use gradient::target_gradient;
pub use input_x_gradient::InputXGradient;
pub use integrated_gradients::{IgAttribution, IntegratedGradients};
pub use kernel_shap::KernelShap;
pub use lime::{LimeExplanation, LimeTabular};
pub use linear_regression::{FittedLinear, LinearRegression};
pub use logistic_regression::{FittedLogistic, LogisticRegression};
pub use noise_tunnel::{NoiseKind, NoiseTunnel};
pub use partial_dependence::{PartialDependence, PartialDependenceCurves};
pub use permutation_importance::{
    permutation_importance_with, Importances, PermutationImportance, Scorer,
};
pub use quadrature::IgMethod;
pub use saliency::Saliency;
pub use split_criterion::SplitCriterion;
pub use surrogate::{FittedSurrogate, GlobalSurrogate, SurrogateReport};
pub use target::Target;

//! Weight penalties: L1, L2 and elastic net.

use std::fmt::Debug;

use crate::model::{Layer, ParamKind, Parameter};
use crate::{Error, Float, Result};

/// A penalty `α R(θ)` added to the loss, so the objective is
/// `L(θ) = (1/n) Σ L(yᵢ, ŷᵢ) + α R(θ)`.
///
/// Penalties apply to weights only; biases and normalisation parameters are included only when
/// asked ([`Penalty::include_biases`], [`Penalty::include_norm`]); frozen parameters never.
///
/// A regularizer is `Send + Sync + Debug` and cloneable as a trait object
/// (`Box<dyn Regularizer<F>>: Clone`, through [`RegularizerClone`]).
///
/// ```
/// use tuneup::prelude::*;
/// use ndarray::array;
/// let mut layer = Linear::<f64>::from_weights(array![[3.0, -4.0]], Some(array![10.0])).unwrap();
/// let l2 = L2::new(0.1).unwrap();
/// assert!((l2.penalty(&layer) - 0.5 * 0.1 * 25.0).abs() < 1e-12); // bias excluded
/// layer.zero_grad();
/// l2.add_gradient(&mut layer);
/// let mut grads = Vec::new();
/// layer.visit_parameters(&mut |p| grads.push(p.grad().to_owned()));
/// assert!((grads[0][[0, 0]] - 0.3).abs() < 1e-12 && grads[1][[0]] == 0.0);
/// ```
pub trait Regularizer<F: Float>: Send + Sync + Debug + RegularizerClone<F> {
    /// Name for messages and reports.
    fn name(&self) -> String;

    /// `α R(θ)` over the selected parameters.
    fn penalty(&self, model: &dyn Layer<F>) -> F;

    /// Adds `α ∂R/∂θ` to the gradients of the selected parameters and returns `α R(θ)`.
    fn add_gradient(&self, model: &mut dyn Layer<F>) -> F;
}

/// Clones a regularizer behind a trait object, so that `Box<dyn Regularizer<F>>` is `Clone`.
/// Implemented for every regularizer that is `Clone`.
///
/// ```
/// use tuneup::loss::{Regularizer, L2};
/// let boxed: Box<dyn Regularizer<f64>> = Box::new(L2::new(0.1)?);
/// assert_eq!(boxed.clone().name(), "L2(α=0.1)");
/// # Ok::<(), tuneup::Error>(())
/// ```
pub trait RegularizerClone<F: Float> {
    /// A boxed copy of the regularizer.
    fn clone_box(&self) -> Box<dyn Regularizer<F>>;
}

impl<F: Float, T: Regularizer<F> + Clone + 'static> RegularizerClone<F> for T {
    fn clone_box(&self) -> Box<dyn Regularizer<F>> {
        Box::new(self.clone())
    }
}

impl<F: Float> Clone for Box<dyn Regularizer<F>> {
    fn clone(&self) -> Self {
        (**self).clone_box()
    }
}

/// A boxed regularizer is a regularizer, so a stored one can go wherever one is taken.
impl<F: Float> Regularizer<F> for Box<dyn Regularizer<F>> {
    fn name(&self) -> String {
        (**self).name()
    }
    fn penalty(&self, model: &dyn Layer<F>) -> F {
        (**self).penalty(model)
    }
    fn add_gradient(&self, model: &mut dyn Layer<F>) -> F {
        (**self).add_gradient(model)
    }
}

/// Which parameters a penalty reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Selection {
    biases: bool,
    norm: bool,
}

impl Selection {
    fn covers<F: Float>(&self, p: &Parameter<F>) -> bool {
        !p.is_frozen()
            && match p.kind() {
                ParamKind::Weight => true,
                ParamKind::Bias => self.biases,
                ParamKind::Norm => self.norm,
            }
    }
}

/// Elastic-net penalty `α(ρ‖θ‖₁ + (1 − ρ)·½‖θ‖²)`; [`L1`] and [`L2`] are its two ends.
///
/// The gradient of `|θ|` at 0 is taken as 0 (PyTorch's convention for `abs`).
///
/// ```
/// use tuneup::loss::ElasticNet;
/// assert!(ElasticNet::new(0.1, 1.5).is_err()); // ρ outside [0, 1]
/// assert!(ElasticNet::new(-0.1, 0.5).is_err()); // α < 0
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Penalty {
    alpha: f64,
    l1_ratio: f64,
    selection: Selection,
    label: &'static str,
}

/// The elastic-net penalty (see [`Penalty`]).
pub type ElasticNet = Penalty;

impl Penalty {
    /// Elastic net with strength `alpha ≥ 0` and L1 share `l1_ratio ∈ [0, 1]`.
    pub fn new(alpha: f64, l1_ratio: f64) -> Result<Self> {
        Self::checked(alpha, l1_ratio, "ElasticNet")
    }

    fn checked(alpha: f64, l1_ratio: f64, label: &'static str) -> Result<Self> {
        if !(alpha.is_finite() && alpha >= 0.0) {
            return Err(Error::config(
                format!("{label}.alpha"),
                alpha,
                "a finite number ≥ 0",
            ));
        }
        if !(0.0..=1.0).contains(&l1_ratio) {
            return Err(Error::config(
                format!("{label}.l1_ratio"),
                l1_ratio,
                "a number in [0, 1]",
            ));
        }
        Ok(Penalty {
            alpha,
            l1_ratio,
            selection: Selection {
                biases: false,
                norm: false,
            },
            label,
        })
    }

    /// Also penalise biases.
    pub fn include_biases(mut self, yes: bool) -> Self {
        self.selection.biases = yes;
        self
    }

    /// Also penalise normalisation scales and shifts.
    pub fn include_norm(mut self, yes: bool) -> Self {
        self.selection.norm = yes;
        self
    }

    /// The strength α.
    pub fn alpha(&self) -> f64 {
        self.alpha
    }

    /// The L1 share ρ.
    pub fn l1_ratio(&self) -> f64 {
        self.l1_ratio
    }
}

/// `α‖θ‖₁`: drives weights to exactly zero (sparse models).
///
/// ```
/// use tuneup::loss::L1;
/// assert_eq!(L1::new(0.01).unwrap().l1_ratio(), 1.0);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct L1;

impl L1 {
    /// L1 penalty of strength `alpha ≥ 0`.
    #[allow(clippy::new_ret_no_self)]
    pub fn new(alpha: f64) -> Result<Penalty> {
        Penalty::checked(alpha, 1.0, "L1")
    }
}

/// `½α‖θ‖²`, gradient `αθ` (the same as weight decay in plain SGD).
///
/// ```
/// use tuneup::loss::L2;
/// assert_eq!(L2::new(0.01).unwrap().l1_ratio(), 0.0);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct L2;

impl L2 {
    /// L2 penalty of strength `alpha ≥ 0`.
    #[allow(clippy::new_ret_no_self)]
    pub fn new(alpha: f64) -> Result<Penalty> {
        Penalty::checked(alpha, 0.0, "L2")
    }
}

impl<F: Float> Regularizer<F> for Penalty {
    fn name(&self) -> String {
        match self.label {
            "ElasticNet" => format!("ElasticNet(α={}, ρ={})", self.alpha, self.l1_ratio),
            label => format!("{label}(α={})", self.alpha),
        }
    }

    fn penalty(&self, model: &dyn Layer<F>) -> F {
        let (a1, a2) = self.coefficients::<F>();
        let mut total = F::zero();
        model.visit_parameters(&mut |p| {
            if self.selection.covers(p) {
                for &w in p.value_slice() {
                    total += a1 * w.abs() + a2 * F::cast(0.5) * w * w;
                }
            }
        });
        total
    }

    fn add_gradient(&self, model: &mut dyn Layer<F>) -> F {
        let (a1, a2) = self.coefficients::<F>();
        let mut total = F::zero();
        model.visit_parameters_mut(&mut |p| {
            if self.selection.covers(p) {
                let (value, grad) = p.value_and_grad_slices_mut();
                for (g, &w) in grad.iter_mut().zip(value) {
                    total += a1 * w.abs() + a2 * F::cast(0.5) * w * w;
                    let sign = if w > F::zero() {
                        F::one()
                    } else if w < F::zero() {
                        -F::one()
                    } else {
                        F::zero()
                    };
                    *g += a1 * sign + a2 * w;
                }
            }
        });
        total
    }
}

impl Penalty {
    /// `(α·ρ, α·(1 − ρ))`.
    fn coefficients<F: Float>(&self) -> (F, F) {
        (
            F::cast(self.alpha * self.l1_ratio),
            F::cast(self.alpha * (1.0 - self.l1_ratio)),
        )
    }
}

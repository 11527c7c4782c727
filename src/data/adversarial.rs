//! Adversarial examples from the model's input gradient: FGSM and PGD.

use ndarray::{Array2, ArrayView2, ArrayViewMut2, Zip};
use rand::Rng;

use super::augmenter::batch_rng;
use crate::linalg::Buffer2;
use crate::loss::{InputGradient, Loss, Targets};
use crate::model::{Layer, Mode};
use crate::{Error, Float, Result};

/// `torch.sign`: −1, 0 or 1.
fn sign<F: Float>(g: F) -> F {
    if g > F::zero() {
        F::one()
    } else if g < F::zero() {
        -F::one()
    } else {
        F::zero()
    }
}

/// Buffers an attack reuses from batch to batch, so adversarial training allocates nothing
/// after its first batch.
#[derive(Debug, Default)]
pub(crate) struct AttackScratch<F> {
    gradient: InputGradient<F>,
    origin: Buffer2<F>,
}

/// One signed gradient step in place, `x ← x + step·sign(∇ₓ L(model(x), y))`, with the
/// gradient taken in eval mode and without touching any parameter gradient.
fn signed_gradient_step<F: Float>(
    model: &mut dyn Layer<F>,
    loss: &dyn Loss<F>,
    mut x: ArrayViewMut2<'_, F>,
    targets: Targets<'_, F>,
    step: F,
    scratch: &mut AttackScratch<F>,
) -> Result<()> {
    let ig = &mut scratch.gradient;
    ig.of_loss(model, loss, x.view(), targets, Mode::Eval)?;
    Zip::from(&mut x)
        .and(&ig.gradient())
        .for_each(|a, &g| *a += step * sign(g));
    Ok(())
}

/// Clamps every entry of `x` into `[lo, hi]`.
fn clamp_in_place<F: Float>(x: &mut ArrayViewMut2<'_, F>, clamp: Option<(f64, f64)>) {
    if let Some((lo, hi)) = clamp {
        x.mapv_inplace(|v| v.max(F::cast(lo)).min(F::cast(hi)));
    }
}

fn check_epsilon(owner: &str, name: &str, v: f64) -> Result<()> {
    if v.is_finite() && v >= 0.0 {
        Ok(())
    } else {
        Err(Error::config(
            format!("{owner}.{name}"),
            v,
            "a finite number ≥ 0",
        ))
    }
}

fn check_clamp(owner: &str, lo: f64, hi: f64) -> Result<()> {
    if lo.is_finite() && hi.is_finite() && lo <= hi {
        Ok(())
    } else {
        Err(Error::config(
            format!("{owner}.clamp"),
            format!("({lo}, {hi})"),
            "finite bounds with lo ≤ hi",
        ))
    }
}

/// The fast gradient sign method (Goodfellow et al., 2015): `x + ε·sign(∇ₓL)`, with ε in the
/// input's units and an optional clamp to the valid input range.
///
/// The gradient is taken in eval mode (no dropout, no batch-norm statistics updated) and
/// parameter gradients are left exactly as they were.
///
/// ```
/// use tuneup::prelude::*;
/// use tuneup::data::Fgsm;
/// let mut net = Mlp::new(&[2, 4, 1]).seed(3).build::<f64>()?;
/// let x = ndarray::array![[0.5, -0.5], [1.0, 2.0]];
/// let y = ndarray::array![[1.0], [0.0]];
/// let adv = Fgsm::new(0.1)?.perturb(&mut net, &BceWithLogits::new(), x.view(), (&y).into())?;
/// assert!(adv.iter().zip(x.iter()).all(|(a, b)| (a - b).abs() <= 0.1 + 1e-15));
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fgsm {
    epsilon: f64,
    clamp: Option<(f64, f64)>,
}

impl Fgsm {
    /// FGSM with step `epsilon` (finite, ≥ 0).
    pub fn new(epsilon: f64) -> Result<Self> {
        check_epsilon("Fgsm", "epsilon", epsilon)?;
        Ok(Fgsm {
            epsilon,
            clamp: None,
        })
    }

    /// Clamps adversarial inputs to `[lo, hi]` (e.g. pixel range).
    pub fn clamp(mut self, lo: f64, hi: f64) -> Result<Self> {
        check_clamp("Fgsm", lo, hi)?;
        self.clamp = Some((lo, hi));
        Ok(self)
    }

    /// The perturbation size.
    pub fn epsilon(&self) -> f64 {
        self.epsilon
    }

    /// The adversarial version of `x` for `model` under `loss`.
    pub fn perturb<F: Float>(
        &self,
        model: &mut dyn Layer<F>,
        loss: &dyn Loss<F>,
        x: ArrayView2<'_, F>,
        targets: Targets<'_, F>,
    ) -> Result<Array2<F>> {
        let mut adv = x.to_owned();
        self.perturb_in_place(
            model,
            loss,
            adv.view_mut(),
            targets,
            &mut AttackScratch::default(),
        )?;
        Ok(adv)
    }

    /// [`perturb`](Fgsm::perturb) writing over `x`, with reusable buffers.
    pub(crate) fn perturb_in_place<F: Float>(
        &self,
        model: &mut dyn Layer<F>,
        loss: &dyn Loss<F>,
        mut x: ArrayViewMut2<'_, F>,
        targets: Targets<'_, F>,
        scratch: &mut AttackScratch<F>,
    ) -> Result<()> {
        let eps = F::cast(self.epsilon);
        signed_gradient_step(model, loss, x.view_mut(), targets, eps, scratch)?;
        clamp_in_place(&mut x, self.clamp);
        Ok(())
    }
}

/// Projected gradient descent (Madry et al., 2018): `steps` FGSM steps of size `step_size`, each
/// projected back onto the L∞ ball of radius ε around `x` (and the clamp range), optionally from
/// a seeded uniform random start inside the ball. The strongest first-order attack in common use.
///
/// ```
/// use tuneup::prelude::*;
/// use tuneup::data::Pgd;
/// let mut net = Mlp::new(&[2, 4, 1]).seed(3).build::<f64>()?;
/// let x = ndarray::array![[0.5, -0.5]];
/// let y = ndarray::array![[1.0]];
/// let pgd = Pgd::new(0.2, 0.05, 10)?.random_start(7);
/// let adv = pgd.perturb(&mut net, &BceWithLogits::new(), x.view(), (&y).into())?;
/// assert!(adv.iter().zip(x.iter()).all(|(a, b)| (a - b).abs() <= 0.2 + 1e-12));
/// assert!(Pgd::new(0.1, 0.01, 0).is_err());
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pgd {
    epsilon: f64,
    step_size: f64,
    steps: usize,
    random_start: Option<u64>,
    clamp: Option<(f64, f64)>,
}

impl Pgd {
    /// PGD with radius `epsilon`, step `step_size` (both finite, ≥ 0) and `steps ≥ 1`.
    pub fn new(epsilon: f64, step_size: f64, steps: usize) -> Result<Self> {
        check_epsilon("Pgd", "epsilon", epsilon)?;
        check_epsilon("Pgd", "step_size", step_size)?;
        if steps == 0 {
            return Err(Error::config("Pgd.steps", 0, "at least 1"));
        }
        Ok(Pgd {
            epsilon,
            step_size,
            steps,
            random_start: None,
            clamp: None,
        })
    }

    /// Starts from a uniform random point of the ε-ball drawn from `seed`.
    pub fn random_start(mut self, seed: u64) -> Self {
        self.random_start = Some(seed);
        self
    }

    /// The seed of the random start, if there is one.
    pub fn random_start_seed(&self) -> Option<u64> {
        self.random_start
    }

    /// Clamps adversarial inputs to `[lo, hi]`.
    pub fn clamp(mut self, lo: f64, hi: f64) -> Result<Self> {
        check_clamp("Pgd", lo, hi)?;
        self.clamp = Some((lo, hi));
        Ok(self)
    }

    /// The adversarial version of `x` for `model` under `loss`.
    pub fn perturb<F: Float>(
        &self,
        model: &mut dyn Layer<F>,
        loss: &dyn Loss<F>,
        x: ArrayView2<'_, F>,
        targets: Targets<'_, F>,
    ) -> Result<Array2<F>> {
        self.perturb_batch(model, loss, x, targets, 0)
    }

    /// [`perturb`](Pgd::perturb) for batch number `batch` of a training run: the random start
    /// (if any) is the `batch`-th draw of its seeded stream, so every batch starts from fresh
    /// noise while the run stays reproducible (`perturb` is `perturb_batch(…, 0)`). This is
    /// what [`AdversarialTraining`](crate::data::AdversarialTraining) uses.
    ///
    /// ```
    /// use tuneup::prelude::*;
    /// use tuneup::data::Pgd;
    /// let mut net = Mlp::new(&[2, 4, 1]).seed(3).build::<f64>()?;
    /// let (x, y) = (ndarray::array![[0.5, -0.5]], ndarray::array![[1.0]]);
    /// let pgd = Pgd::new(0.2, 0.0, 1)?.random_start(7); // step 0: just the random start
    /// let loss = BceWithLogits::new();
    /// let a = pgd.perturb_batch(&mut net, &loss, x.view(), (&y).into(), 0)?;
    /// let b = pgd.perturb_batch(&mut net, &loss, x.view(), (&y).into(), 1)?;
    /// assert_eq!(a, pgd.perturb(&mut net, &loss, x.view(), (&y).into())?);
    /// assert_ne!(a, b);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn perturb_batch<F: Float>(
        &self,
        model: &mut dyn Layer<F>,
        loss: &dyn Loss<F>,
        x: ArrayView2<'_, F>,
        targets: Targets<'_, F>,
        batch: u64,
    ) -> Result<Array2<F>> {
        let mut adv = x.to_owned();
        let mut scratch = AttackScratch::default();
        self.perturb_in_place(model, loss, adv.view_mut(), targets, batch, &mut scratch)?;
        Ok(adv)
    }

    /// [`perturb`](Pgd::perturb) writing over `x`, with reusable buffers; the random start
    /// (if any) is the `draw`-th of its seeded stream.
    pub(crate) fn perturb_in_place<F: Float>(
        &self,
        model: &mut dyn Layer<F>,
        loss: &dyn Loss<F>,
        mut x: ArrayViewMut2<'_, F>,
        targets: Targets<'_, F>,
        draw: u64,
        scratch: &mut AttackScratch<F>,
    ) -> Result<()> {
        let (eps, clamp) = (self.epsilon, self.clamp);
        scratch.origin.copy_from(x.view());
        let project = |adv: &mut ArrayViewMut2<'_, F>, origin: &Buffer2<F>| {
            Zip::from(adv).and(&origin.view()).for_each(|a, &x0| {
                let (lo, hi) = (x0 - F::cast(eps), x0 + F::cast(eps));
                let mut v = a.max(lo).min(hi);
                if let Some((clo, chi)) = clamp {
                    v = v.max(F::cast(clo)).min(F::cast(chi));
                }
                *a = v;
            });
        };
        if let Some(seed) = self.random_start {
            let mut rng = batch_rng(seed, draw);
            if eps > 0.0 {
                x.mapv_inplace(|v| v + F::cast(rng.random_range(-eps..=eps)));
            }
            project(&mut x, &scratch.origin);
        }
        let step = F::cast(self.step_size);
        for _ in 0..self.steps {
            signed_gradient_step(model, loss, x.view_mut(), targets, step, scratch)?;
            project(&mut x, &scratch.origin);
        }
        Ok(())
    }
}

//! Inverted dropout.

use ndarray::{Array2, ArrayView2};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::deeplift_rule::plain_gradient;
use super::layer::check_grad_shape;
use super::{Layer, Mode, NamedCounter, Visitor, VisitorMut};
use crate::linalg::Buffer2;
use crate::{Error, Float, Result};

/// Inverted dropout: in train mode each input is zeroed with probability `p` and the survivors
/// are scaled by `1/(1−p)`, so eval mode is the identity.
///
/// The mask of the k-th train-mode pass is drawn from a generator seeded by `(seed, k)`; both
/// are state counters, `mask_seed` and `mask_draws` (see [`Layer::visit_counters`]), so a
/// checkpoint carries the whole random stream: a run resumed from it draws exactly the masks
/// an uninterrupted run would, even into a Dropout built with another seed.
///
/// ```
/// use tuneup::prelude::*;
/// let mut d = Dropout::<f64>::new(0.5, 42).unwrap();
/// let x = ndarray::Array2::ones((4, 100));
/// let y = d.forward(x.view(), Mode::Train).unwrap();
/// assert!(y.iter().all(|&v| v == 0.0 || v == 2.0));
/// let y = d.forward(x.view(), Mode::Eval).unwrap();
/// assert!(y.iter().all(|&v| v == 1.0));
/// assert!(Dropout::<f64>::new(1.0, 0).is_err());
/// ```
#[derive(Debug, Clone)]
pub struct Dropout<F: Float> {
    p: f64,
    seed: NamedCounter,
    draws: NamedCounter,
    mask: Buffer2<F>,
    output: Buffer2<F>,
    grad_input: Buffer2<F>,
}

impl<F: Float> Dropout<F> {
    /// Dropout with drop probability `p` in `[0, 1)`, masks drawn from `seed`.
    pub fn new(p: f64, seed: u64) -> Result<Self> {
        if !(0.0..1.0).contains(&p) {
            return Err(Error::config("Dropout.p", p, "a probability in [0, 1)"));
        }
        Ok(Dropout {
            p,
            seed: NamedCounter::new("mask_seed", seed),
            draws: NamedCounter::new("mask_draws", 0),
            mask: Buffer2::default(),
            output: Buffer2::default(),
            grad_input: Buffer2::default(),
        })
    }

    /// The drop probability.
    pub fn p(&self) -> f64 {
        self.p
    }
}

impl<F: Float> Layer<F> for Dropout<F> {
    fn describe(&self) -> String {
        format!("Dropout(p={})", self.p)
    }

    fn output_shape(&self, input: &[usize]) -> Result<Vec<usize>> {
        Ok(input.to_vec())
    }

    fn forward<'a>(
        &'a mut self,
        input: ArrayView2<'a, F>,
        mode: Mode,
    ) -> Result<ArrayView2<'a, F>> {
        let (r, c) = input.dim();
        self.output.resize(r, c);
        if mode == Mode::Eval || self.p == 0.0 {
            self.mask.resize(r, c);
            self.mask.as_slice_mut().fill(F::one());
            self.output.view_mut().assign(&input);
            return Ok(self.output.view());
        }
        let scale = F::cast(1.0 / (1.0 - self.p));
        // Seeding a ChaCha generator allocates nothing; the golden-ratio stride spreads
        // consecutive draw indices over the seed space.
        let stream = self
            .seed
            .get()
            .wrapping_add(self.draws.get().wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let mut rng = StdRng::seed_from_u64(stream);
        self.draws.increment();
        self.mask.resize(r, c);
        for m in self.mask.as_slice_mut() {
            *m = if rng.random::<f64>() < self.p {
                F::zero()
            } else {
                scale
            };
        }
        ndarray::Zip::from(&mut self.output.view_mut())
            .and(&input)
            .and(&self.mask.view())
            .for_each(|y, &x, &m| *y = x * m);
        Ok(self.output.view())
    }

    fn backward<'a>(&'a mut self, grad_output: ArrayView2<'a, F>) -> Result<ArrayView2<'a, F>> {
        check_grad_shape(&|| self.describe(), &grad_output, self.output.dim())?;
        let (r, c) = grad_output.dim();
        self.grad_input.resize(r, c);
        ndarray::Zip::from(&mut self.grad_input.view_mut())
            .and(&grad_output)
            .and(&self.mask.view())
            .for_each(|g, &go, &m| *g = go * m);
        Ok(self.grad_input.view())
    }

    /// Eval-mode dropout is the identity: the multipliers pass unchanged.
    fn backward_deeplift(
        &mut self,
        input: ArrayView2<'_, F>,
        grad_output: ArrayView2<'_, F>,
        _eps: F,
    ) -> Result<Array2<F>> {
        plain_gradient(self, input, grad_output)
    }

    fn visit(&self, visitor: &mut dyn Visitor<F>) {
        visitor.counter(&self.seed);
        visitor.counter(&self.draws);
    }

    fn visit_mut(&mut self, visitor: &mut dyn VisitorMut<F>) {
        visitor.counter(&mut self.seed);
        visitor.counter(&mut self.draws);
    }
}

//! Adversarial training: part of each training batch replaced by adversarial examples.

use ndarray::{ArrayView2, ArrayViewMut2};
use rand::Rng;

use super::adversarial::{AttackScratch, Fgsm, Pgd};
use super::augmenter::batch_rng;
use crate::linalg::Buffer2;
use crate::loss::{Loss, Targets};
use crate::model::Layer;
use crate::{Error, Float, Result};

/// The attack that makes the adversarial rows of [`AdversarialTraining`].
///
/// ```
/// use tuneup::data::{Attack, Fgsm, Pgd};
/// let a: Attack = Fgsm::new(0.1)?.into();
/// assert!(matches!(a, Attack::Fgsm(_)));
/// let b: Attack = Pgd::new(0.1, 0.025, 7)?.into();
/// assert!(matches!(b, Attack::Pgd(_)));
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Attack {
    /// One signed gradient step of size ε ([`Fgsm`]).
    Fgsm(Fgsm),
    /// Projected gradient descent inside the ε-ball ([`Pgd`]); with a random start, batch `b`
    /// of the run uses the `b`-th draw of the start's seeded stream.
    Pgd(Pgd),
}

impl From<Fgsm> for Attack {
    fn from(a: Fgsm) -> Self {
        Attack::Fgsm(a)
    }
}

impl From<Pgd> for Attack {
    fn from(a: Pgd) -> Self {
        Attack::Pgd(a)
    }
}

/// Adversarial training (Goodfellow et al., 2015; Madry et al., 2018): in every training
/// batch, a `ratio` of the rows is replaced by adversarial versions of themselves, made by
/// [`Fgsm`] or [`Pgd`] against the model as it is at that batch; the batch then trains as
/// usual. `ratio = 0.5` mixes clean and adversarial rows half and half (in expectation
/// Goodfellow's objective `½ L(x) + ½ L(x_adv)`), `ratio = 1` trains on adversarial rows
/// only (Madry's min-max training).
///
/// Set it with [`TrainerBuilder::adversarial`](crate::train::TrainerBuilder::adversarial).
/// Batch `b` of the run (counted over epochs) replaces `round(ratio × rows)` rows chosen by a
/// generator seeded by `(seed, b)`, so runs are deterministic and a resumed run attacks the
/// same rows. The attack's gradient is taken in eval mode (no dropout masks drawn, no batch
/// statistics updated) and leaves the parameter gradients alone. ε is in the features' units:
/// scale the features first, or pick ε per the scaled units.
///
/// ```
/// use tuneup::data::{AdversarialTraining, Fgsm};
/// let adv = AdversarialTraining::new(Fgsm::new(0.1)?, 0.5)?.seed(3);
/// assert_eq!(adv.ratio(), 0.5);
/// assert_eq!(adv.rows_per_batch(32), 16);
/// assert!(AdversarialTraining::new(Fgsm::new(0.1)?, 1.5).is_err());
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdversarialTraining {
    attack: Attack,
    ratio: f64,
    seed: u64,
}

/// Buffers adversarial training reuses from batch to batch.
#[derive(Debug, Default)]
pub(crate) struct AdversarialWorkspace<F> {
    rows: Vec<usize>,
    features: Buffer2<F>,
    dense: Buffer2<F>,
    classes: Vec<usize>,
    scratch: AttackScratch<F>,
}

impl AdversarialTraining {
    /// Replaces a `ratio` (in [0, 1]) of each batch's rows by adversarial examples from
    /// `attack`; anything else is an [`Error::Config`].
    pub fn new(attack: impl Into<Attack>, ratio: f64) -> Result<Self> {
        if !(0.0..=1.0).contains(&ratio) {
            return Err(Error::config(
                "AdversarialTraining.ratio",
                ratio,
                "a fraction of each batch in [0, 1]",
            ));
        }
        Ok(AdversarialTraining {
            attack: attack.into(),
            ratio,
            seed: 0,
        })
    }

    /// The seed of the choice of rows (default 0).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The seeds of its random streams: the choice of rows, and PGD's random start (if
    /// any), which a checkpoint carries.
    ///
    /// ```
    /// use tuneup::data::{AdversarialTraining, Pgd};
    /// let adv = AdversarialTraining::new(Pgd::new(0.1, 0.02, 3)?.random_start(5), 0.5)?.seed(2);
    /// assert_eq!(adv.stream_seeds(), (2, Some(5)));
    /// let other = AdversarialTraining::new(Pgd::new(0.1, 0.02, 3)?.random_start(1), 0.5)?;
    /// assert_eq!(other.with_stream_seeds(2, Some(5)), adv);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn stream_seeds(&self) -> (u64, Option<u64>) {
        let start = match self.attack {
            Attack::Pgd(p) => p.random_start_seed(),
            Attack::Fgsm(_) => None,
        };
        (self.seed, start)
    }

    /// The same training with other stream seeds (see [`AdversarialTraining::stream_seeds`]);
    /// a random-start seed applies only to a PGD attack that has a random start.
    pub fn with_stream_seeds(mut self, rows: u64, start: Option<u64>) -> Self {
        self.seed = rows;
        if let (Attack::Pgd(p), Some(s)) = (&mut self.attack, start) {
            if p.random_start_seed().is_some() {
                *p = p.random_start(s);
            }
        }
        self
    }

    /// The fraction of each batch made adversarial.
    pub fn ratio(&self) -> f64 {
        self.ratio
    }

    /// The attack.
    pub fn attack(&self) -> Attack {
        self.attack
    }

    /// How many rows of a batch of `rows` rows are made adversarial: `round(ratio × rows)`.
    ///
    /// ```
    /// use tuneup::data::{AdversarialTraining, Fgsm};
    /// let adv = AdversarialTraining::new(Fgsm::new(0.1)?, 0.3)?;
    /// assert_eq!((adv.rows_per_batch(10), adv.rows_per_batch(1)), (3, 0));
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn rows_per_batch(&self, rows: usize) -> usize {
        ((self.ratio * rows as f64).round() as usize).min(rows)
    }

    /// The rows of a batch of `rows` rows that batch number `batch` makes adversarial, in
    /// increasing order.
    ///
    /// ```
    /// use tuneup::data::{AdversarialTraining, Fgsm};
    /// let adv = AdversarialTraining::new(Fgsm::new(0.1)?, 0.25)?.seed(1);
    /// let rows = adv.attacked_rows(8, 5);
    /// assert_eq!(rows.len(), 2);
    /// assert!(rows[0] < rows[1] && rows[1] < 8);
    /// assert_eq!(rows, adv.attacked_rows(8, 5)); // a function of (seed, batch)
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn attacked_rows(&self, rows: usize, batch: u64) -> Vec<usize> {
        let mut out = Vec::new();
        self.choose_rows(rows, batch, &mut out);
        out
    }

    /// Fills `out` with the attacked rows (see [`attacked_rows`](Self::attacked_rows)).
    fn choose_rows(&self, rows: usize, batch: u64, out: &mut Vec<usize>) {
        let m = self.rows_per_batch(rows);
        out.clear();
        out.extend(0..rows);
        if m < rows {
            // A partial Fisher–Yates shuffle picks m distinct rows uniformly.
            let mut rng = batch_rng(self.seed, batch);
            for i in 0..m {
                let j = rng.random_range(i..rows);
                out.swap(i, j);
            }
            out.truncate(m);
            out.sort_unstable();
        }
    }

    /// Replaces the chosen rows of `features` (batch number `batch` of the run) by their
    /// adversarial versions against `model` under `loss`. `targets` are the batch's targets.
    /// Returns how many rows were replaced.
    pub(crate) fn apply<F: Float>(
        &self,
        model: &mut dyn Layer<F>,
        loss: &dyn Loss<F>,
        mut features: ArrayViewMut2<'_, F>,
        targets: Targets<'_, F>,
        batch: u64,
        ws: &mut AdversarialWorkspace<F>,
    ) -> Result<usize> {
        let n = features.nrows();
        self.choose_rows(n, batch, &mut ws.rows);
        let m = ws.rows.len();
        if m == 0 {
            return Ok(0);
        }
        ws.features.resize(m, features.ncols());
        gather(&features.view(), &ws.rows, &mut ws.features.view_mut());
        let sub_targets = match targets {
            Targets::Dense(t) => {
                ws.dense.resize(m, t.ncols());
                gather(&t, &ws.rows, &mut ws.dense.view_mut());
                Targets::Dense(ws.dense.view())
            }
            Targets::Classes(c) => {
                ws.classes.clear();
                ws.classes.extend(ws.rows.iter().map(|&r| c[r]));
                Targets::Classes(&ws.classes)
            }
        };
        let x = ws.features.view_mut();
        match &self.attack {
            Attack::Fgsm(a) => a.perturb_in_place(model, loss, x, sub_targets, &mut ws.scratch)?,
            Attack::Pgd(a) => {
                a.perturb_in_place(model, loss, x, sub_targets, batch, &mut ws.scratch)?
            }
        }
        for (i, &r) in ws.rows.iter().enumerate() {
            features.row_mut(r).assign(&ws.features.view().row(i));
        }
        Ok(m)
    }
}

/// Copies rows `rows` of `src` into the rows of `dst`.
fn gather<F: Float>(src: &ArrayView2<'_, F>, rows: &[usize], dst: &mut ArrayViewMut2<'_, F>) {
    for (i, &r) in rows.iter().enumerate() {
        dst.row_mut(i).assign(&src.row(r));
    }
}

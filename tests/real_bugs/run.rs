//! Re-enacting a bug: small seeded data, a program written the way the report wrote it, and
//! what the doctor says about it before training (pre-flight) and after (`Trainer::diagnose`).

use tuneup::diagnostics::doctor::{Diagnosis, Doctor};
use tuneup::ndarray::{Array2, Axis};
use tuneup::prelude::*;
use tuneup::rand::rngs::StdRng;
use tuneup::rand::{Rng, SeedableRng};
use tuneup::train::callbacks::HealthMonitor;
use tuneup::train::{OwnedTargets, TrainerBuilder};

/// The targets of a re-enactment.
#[derive(Clone)]
pub enum Y {
    /// Class indices (cross-entropy).
    Classes(Vec<usize>),
    /// Dense targets (regression, BCE, one-hot rows).
    Dense(Array2<f64>),
}

impl Y {
    pub fn targets(&self) -> Targets<'_, f64> {
        match self {
            Y::Classes(c) => c.as_slice().into(),
            Y::Dense(t) => t.into(),
        }
    }

    fn owned(&self) -> OwnedTargets<f64> {
        match self {
            Y::Classes(c) => c.clone().into(),
            Y::Dense(t) => t.clone().into(),
        }
    }
}

/// A seeded stream of standard normal numbers (Box–Muller).
pub struct Normal(StdRng);

impl Normal {
    pub fn new(seed: u64) -> Self {
        Normal(StdRng::seed_from_u64(seed))
    }

    pub fn sample(&mut self) -> f64 {
        let u1: f64 = self.0.random::<f64>().max(1e-300);
        let u2: f64 = self.0.random::<f64>();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    pub fn uniform(&mut self) -> f64 {
        self.0.random::<f64>()
    }

    pub fn matrix(&mut self, rows: usize, cols: usize) -> Array2<f64> {
        Array2::from_shape_simple_fn((rows, cols), || self.sample())
    }
}

/// Standard normal features and a linear signal `x · w` (w = 1, −1, 0.5, …).
pub fn features(n: usize, d: usize, seed: u64) -> (Array2<f64>, Vec<f64>) {
    let x = Normal::new(seed).matrix(n, d);
    let w: Vec<f64> = (0..d).map(|j| [1.0, -1.0, 0.5, -0.5][j % 4]).collect();
    let signal = x
        .axis_iter(Axis(0))
        .map(|r| r.iter().zip(&w).map(|(a, b)| a * b).sum())
        .collect();
    (x, signal)
}

/// Two classes split by a linear signal, with 5% label noise.
pub fn binary(n: usize, d: usize, seed: u64) -> (Array2<f64>, Vec<usize>) {
    let (x, s) = features(n, d, seed);
    let mut noise = Normal::new(seed + 1000);
    let y = s
        .iter()
        .map(|&v| usize::from(v > 0.0) ^ usize::from(noise.uniform() < 0.05))
        .collect();
    (x, y)
}

/// `k` classes by the sign pattern of two signals.
pub fn classes(n: usize, d: usize, k: usize, seed: u64) -> (Array2<f64>, Vec<usize>) {
    let (x, s) = features(n, d, seed);
    let y = s
        .iter()
        .zip(x.column(0))
        .map(|(&v, &a)| ((v * 1.3 + a * 0.7 + 4.0).max(0.0) * k as f64 / 8.0) as usize % k)
        .collect();
    (x, y)
}

/// A smooth regression target with a little noise.
pub fn regression(n: usize, d: usize, seed: u64) -> (Array2<f64>, Array2<f64>) {
    let (x, s) = features(n, d, seed);
    let mut noise = Normal::new(seed + 2000);
    let y = Array2::from_shape_fn((n, 1), |(i, _)| {
        s[i] + 0.5 * (x[[i, 0]] * 1.5).sin() + 0.1 * noise.sample()
    });
    (x, y)
}

/// 0/1 labels as a dense column (for BCE-style losses).
pub fn column(labels: &[usize]) -> Array2<f64> {
    Array2::from_shape_fn((labels.len(), 1), |(i, _)| labels[i] as f64)
}

/// One-hot rows of `labels`.
pub fn one_hot(labels: &[usize], k: usize) -> Array2<f64> {
    Array2::from_shape_fn((labels.len(), k), |(i, j)| f64::from(labels[i] == j))
}

/// What the doctor says about one program: its pre-flight report (the trainer runs it before
/// the first epoch with `Preflight::Warn`) followed by `Trainer::diagnose` after the run (or
/// `diagnose_with_test` when a test set is given), the health log from a `HealthMonitor` on
/// the first 128 training rows. The findings are ordered most severe first (stable).
pub struct Program<L: Loss<f64> + Clone + 'static> {
    pub model: Sequential<f64>,
    pub loss: L,
    pub x: Array2<f64>,
    pub y: Y,
    pub test: Option<(Array2<f64>, Y)>,
}

impl<L: Loss<f64> + Clone + 'static> Program<L> {
    pub fn new(model: Sequential<f64>, loss: L, x: Array2<f64>, y: Y) -> Self {
        Program {
            model,
            loss,
            x,
            y,
            test: None,
        }
    }

    pub fn test(mut self, x: Array2<f64>, y: Y) -> Self {
        self.test = Some((x, y));
        self
    }

    /// Trains with `setup` (optimizer, epochs, …) and returns the doctor's findings.
    pub fn run(
        self,
        setup: impl FnOnce(TrainerBuilder<f64, Sequential<f64>>) -> TrainerBuilder<f64, Sequential<f64>>,
    ) -> Diagnosis {
        let rows = self.x.nrows().min(128);
        let probe_y = match &self.y {
            Y::Classes(c) => Y::Classes(c[..rows].to_vec()),
            Y::Dense(t) => Y::Dense(t.slice(tuneup::ndarray::s![..rows, ..]).to_owned()),
        };
        let probe_x = self.x.slice(tuneup::ndarray::s![..rows, ..]).to_owned();
        let monitor = HealthMonitor::new(self.loss.clone(), probe_x, probe_y.owned()).unwrap();
        let builder = Trainer::builder()
            .model(self.model)
            .loss(self.loss)
            .preflight(Preflight::Warn)
            .callback(monitor)
            .seed(7);
        let mut t = setup(builder).build().unwrap();
        // A program the crate refuses to train (a loss that rejects the outputs) still has
        // its pre-flight report; the run's diagnosis needs a run.
        let fitted = t.fit(self.x.view(), self.y.targets());
        let mut findings = t
            .preflight_report()
            .map(|d| d.findings.clone())
            .unwrap_or_default();
        if fitted.is_err() {
            return Diagnosis { findings };
        }
        let after = match &self.test {
            Some((tx, ty)) => t
                .diagnose_with_test(self.x.view(), self.y.targets(), tx.view(), ty.targets())
                .unwrap(),
            None => t.diagnose(self.x.view(), self.y.targets()).unwrap(),
        };
        findings.extend(after.findings);
        findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
        Diagnosis { findings }
    }
}

/// The doctor on the data alone (a program that never got to train, e.g. refused by the
/// trainer's finiteness check): `Doctor::new(history).training_data(x)` and labels.
pub fn data_only(x: &Array2<f64>, labels: Option<&[usize]>) -> Diagnosis {
    let h = tuneup::diagnostics::history::History::new("loss", true);
    let d = Doctor::new(&h).training_data(&x.view());
    match labels {
        Some(l) => d.class_labels(l),
        None => d,
    }
    .examine()
    .unwrap()
}

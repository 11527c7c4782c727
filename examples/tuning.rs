//! From "what is wrong" to "what to try" to "is it really better": a tuning, end to end.
//!
//! 1. A large network (1 → 256 → 256 → 1, ReLU) on 40 noisy points of `y = sin(3x) + noise`
//!    (σ = 0.3) overfits; the doctor names it from the run's history.
//! 2. `suggest_space` turns the diagnosis into a search space (weight decay, dropout, width,
//!    early-stopping patience), and a study searches it with TPE on two threads, each trial
//!    reporting its validation MSE per epoch through a `PruningCallback` so that the median
//!    pruner stops the hopeless ones early.
//! 3. Dietterich's 5×2cv paired t-test, with a bootstrap interval, says whether the best
//!    settings beat the defaults on fresh folds of new data, or whether the gain is noise.
//!
//! Run with `cargo run --release --example tuning`.

use ndarray::{Array2, Axis};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, Normal};
use tuneup::model::Init;
use tuneup::optim::EarlyStoppingConfig;
use tuneup::prelude::*;
use tuneup::train::{Metric, Trainer, TrainerBuilder};
use tuneup::tune::*;

const NOISE: f64 = 0.3;
const EPOCHS: usize = 2000;
const DEFAULT_WIDTH: usize = 256;
const LR: f64 = 1e-3;
const BATCH: usize = 40;

/// `n` points `x ~ U(−1, 1)`, `y = sin(3x) + N(0, σ²)`.
fn noisy_sine(n: usize, rng: &mut StdRng) -> (Array2<f32>, Array2<f32>) {
    let noise = Normal::new(0.0, NOISE).expect("valid σ");
    let x = Array2::from_shape_fn((n, 1), |_| rng.random_range(-1.0..1.0f32));
    let y = x.mapv(|v| (3.0 * v).sin() + noise.sample(rng) as f32);
    (x, y)
}

/// The settings a trial tries; the defaults are the untuned run's.
#[derive(Clone, Copy, Debug)]
struct Settings {
    lr: f64,
    batch_size: usize,
    weight_decay: f64,
    dropout: f64,
    width: usize,
    patience: Option<u64>,
    init: Init,
}

const DEFAULTS: Settings = Settings {
    lr: LR,
    batch_size: BATCH,
    weight_decay: 0.0,
    dropout: 0.0,
    width: DEFAULT_WIDTH,
    patience: None,
    init: Init::TorchDefault,
};

impl Settings {
    /// The defaults, with every value the trial holds put in (the doctor decides which).
    fn from_params(p: &Params) -> Result<Self> {
        let mut s = DEFAULTS;
        for (name, _) in p.iter() {
            match name {
                "lr" => s.lr = p.f64(name)?,
                "batch_size" => s.batch_size = p.usize(name)?,
                "weight_decay" => s.weight_decay = p.f64(name)?,
                "dropout" => s.dropout = p.f64(name)?,
                "width" => s.width = p.usize(name)?,
                "patience" => s.patience = Some(p.i64(name)?.unsigned_abs()),
                "init" => s.init = init_named(p.str(name)?),
                other => println!("   (this example does not search `{other}`)"),
            }
        }
        Ok(s)
    }

    /// A trainer with these settings, validated on `(x_val, y_val)`.
    fn trainer(&self, seed: u64, x_val: &Array2<f32>, y_val: &Array2<f32>) -> Result<Trainer<f32>> {
        self.builder(seed, x_val, y_val)?.build()
    }

    fn builder(
        &self,
        seed: u64,
        x_val: &Array2<f32>,
        y_val: &Array2<f32>,
    ) -> Result<TrainerBuilder<f32, Sequential<f32>>> {
        let net = Mlp::new(&[1, self.width, self.width, 1])
            .activation(Activation::Relu)
            .dropout(self.dropout)
            .init(self.init)
            .seed(seed)
            .build()?;
        let mut b = Trainer::builder()
            .model(net)
            .loss(Mse::new())
            .optimizer(Adam::new(self.lr)?)
            .epochs(EPOCHS)
            .batch_size(self.batch_size)
            .seed(seed)
            .metric(Metric::Mse)
            .validation_data(x_val.clone(), y_val.clone());
        if self.weight_decay > 0.0 {
            b = b.regularizer(L2::new(self.weight_decay)?);
        }
        if let Some(patience) = self.patience {
            b = b.early_stopping(EarlyStoppingConfig {
                patience,
                restore_best_weights: true,
                ..Default::default()
            });
        }
        Ok(b)
    }
}

/// The initialisation `suggest_space` names: `torch`, `he` or `glorot`.
fn init_named(name: &str) -> Init {
    match name {
        "he" => Init::he_for(Activation::Relu),
        "glorot" => Init::xavier_for(Activation::Relu),
        _ => Init::TorchDefault,
    }
}

/// Fits `settings` on `train` rows (the validation set drives early stopping) and returns
/// the negated MSE on `test` rows: higher is better.
fn fit_score(
    settings: Settings,
    x: &Array2<f32>,
    y: &Array2<f32>,
    train: &[usize],
    test: &[usize],
) -> Result<f64> {
    let (xt, yt) = (x.select(Axis(0), train), y.select(Axis(0), train));
    let (xs, ys) = (x.select(Axis(0), test), y.select(Axis(0), test));
    // Early stopping watches a third of the training rows, never the test rows.
    let cut = train.len() * 2 / 3;
    let (fit_rows, val_rows): (Vec<usize>, Vec<usize>) =
        ((0..cut).collect(), (cut..train.len()).collect());
    let mut t = settings.trainer(
        3,
        &xt.select(Axis(0), &val_rows),
        &yt.select(Axis(0), &val_rows),
    )?;
    t.fit(
        xt.select(Axis(0), &fit_rows).view(),
        &yt.select(Axis(0), &fit_rows),
    )?;
    let mse = t.evaluate(xs.view(), &ys)?.get("mse").unwrap_or(f64::NAN);
    Ok(-mse)
}

fn main() -> Result<()> {
    let mut rng = StdRng::seed_from_u64(11);
    let (x, y) = noisy_sine(40, &mut rng);
    let (x_val, y_val) = noisy_sine(200, &mut rng);

    // 1. The problem and its diagnosis.
    let mut untuned = DEFAULTS.trainer(3, &x_val, &y_val)?;
    let history = untuned.fit(x.view(), &y)?;
    let last = history.last().expect("epochs ran");
    println!(
        "1. untuned 1-{w}-{w}-1 on 40 noisy points ({EPOCHS} epochs)",
        w = DEFAULT_WIDTH
    );
    println!(
        "   train MSE {:.4}, validation MSE {:.4} (noise floor σ² = {:.2})",
        last.loss,
        last.val_loss.unwrap_or(f64::NAN),
        NOISE * NOISE
    );
    let diagnosis = untuned.diagnose(x.view(), &y)?;
    for f in &diagnosis.findings {
        println!("   doctor: {}: {}", f.problem, f.summary);
    }

    // 2. The doctor-guided search.
    let current = CurrentSettings {
        lr: 3e-3,
        width: DEFAULT_WIDTH,
        depth: 2,
        batch_size: 20,
    };
    let suggested = suggest_space(&diagnosis, current)?;
    println!("\n2. suggested search space:");
    for (name, problem) in &suggested.reasons {
        let d = suggested
            .space
            .get(name)
            .map(|p| format!("{:?}", p.distribution()));
        println!("   {name:<13} for {problem}: {}", d.unwrap_or_default());
    }
    let mut study = Study::builder(suggested.space.clone())
        .minimize()
        .sampler(TpeSampler::default())
        .pruner(MedianPruner::builder().n_warmup_steps(100).build()?)
        .threads(2)
        .wave_size(4)
        .seed(5)
        .build()?;
    let started = std::time::Instant::now();
    study.optimize(48, |trial| {
        let settings = Settings::from_params(trial.params())?;
        let mut t = settings
            .builder(3, &x_val, &y_val)?
            .callback(PruningCallback::new(trial, "val_mse"))
            .build()?;
        t.fit(x.view(), &y)?;
        Ok(t.evaluate(x_val.view(), &y_val)?
            .get("mse")
            .unwrap_or(f64::NAN))
    })?;
    let best = study.best_trial()?;
    println!(
        "   {} trials in {:.1} s ({} pruned by the median pruner, {} failed; {} epochs of {}):",
        study.trials().len(),
        started.elapsed().as_secs_f64(),
        study.count(TrialState::Pruned),
        study.count(TrialState::Failed),
        study.total_steps(),
        study.trials().len() * EPOCHS,
    );
    println!(
        "   best validation MSE {:.4} (untuned {:.4}) with",
        best.values[0],
        last.val_loss.unwrap_or(f64::NAN)
    );
    for (name, value) in best.params.iter() {
        println!("     {name} = {value}");
    }

    // 3. Is it really better? 5×2cv on new data, both settings fitted on the same folds.
    let tuned = Settings::from_params(&best.params)?;
    let (x_new, y_new) = noisy_sine(80, &mut StdRng::seed_from_u64(99));
    let (a, b) = run_5x2cv(
        x_new.nrows(),
        7,
        |train, test| fit_score(DEFAULTS, &x_new, &y_new, train, test),
        |train, test| fit_score(tuned, &x_new, &y_new, train, test),
    )?;
    let diffs: Vec<f64> = a
        .iter()
        .zip(&b)
        .flat_map(|(p, q)| [q[0] - p[0], q[1] - p[1]])
        .collect();
    let ci = bootstrap_ci(&diffs, &BootstrapSettings::new().seed(3))?;
    let report = Comparison::new(paired_ttest_5x2cv(&a, &b)?, &diffs)?
        .names("defaults", "tuned")
        .metric("−MSE")
        .interval(ci);
    println!("\n3. 5×2cv on 80 new points: {report}");
    Ok(())
}

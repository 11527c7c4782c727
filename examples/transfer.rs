//! Transfer learning and domain adaptation on generated data.
//!
//! Problem: a network trained on plenty of rows of one domain (source) meets a shifted domain
//! (target: the same classes, features mixed and rescaled by a fixed linear distortion) where
//! only 200 labelled rows exist.
//! Remedies compared, each scored on 2000 held-out target rows:
//! - from scratch on the 200 target rows;
//! - the source model as it is;
//! - frozen body: the pretrained network with a new head (`replace_head`), only the head
//!   trained on the 200 rows (`set_frozen_matching`);
//! - gradual unfreezing (ULMFiT): the head first, one more layer every 10 epochs;
//! - CORAL: the source rows re-coloured to the target's covariance (unlabelled target rows
//!   only), then trained on;
//! - importance weighting: source rows weighted by a domain classifier's odds, then trained
//!   on with `fit_weighted`.
//!
//! Run with `cargo run --release --example transfer`.

use ndarray::{Array1, Array2, Axis};
use rand::rngs::StdRng;
use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};
use tuneup::data::Coral;
use tuneup::model::set_frozen_matching;
use tuneup::prelude::*;
use tuneup::train::{GradualUnfreezing, ImportanceWeighting, Trainer, TrainerBuilder};

const FEATURES: usize = 8;
const CLASSES: usize = 3;

/// Rows of a standard normal.
fn normal(rows: usize, cols: usize, rng: &mut StdRng) -> Array2<f64> {
    Array2::from_shape_simple_fn((rows, cols), || StandardNormal.sample(rng))
}

/// The labelling rule shared by both domains: the arg-max of a fixed random tanh network of
/// the latent features.
struct Labeller {
    w1: Array2<f64>,
    w2: Array2<f64>,
}

impl Labeller {
    fn label(&self, z: &Array2<f64>) -> Vec<usize> {
        let scores = z.dot(&self.w1).mapv(f64::tanh).dot(&self.w2);
        scores
            .rows()
            .into_iter()
            .map(|r| {
                (0..CLASSES)
                    .max_by(|&a, &b| r[a].total_cmp(&r[b]))
                    .unwrap_or(0)
            })
            .collect()
    }
}

/// A domain: features `z · mix + shift` of latent rows `z`, and their labels.
struct Domain {
    mix: Array2<f64>,
    shift: Array1<f64>,
}

impl Domain {
    fn sample(
        &self,
        labeller: &Labeller,
        rows: usize,
        rng: &mut StdRng,
    ) -> (Array2<f64>, Vec<usize>) {
        let z = normal(rows, FEATURES, rng);
        (z.dot(&self.mix) + &self.shift, labeller.label(&z))
    }
}

fn net(seed: u64) -> Result<Sequential<f64>> {
    Mlp::new(&[FEATURES, 64, 32, CLASSES])
        .activation(Activation::Relu)
        .seed(seed)
        .build()
}

fn builder(model: Sequential<f64>, epochs: usize) -> Result<TrainerBuilder<f64, Sequential<f64>>> {
    Ok(Trainer::builder()
        .model(model)
        .loss(CrossEntropy::new())
        .optimizer(Adam::new(3e-3)?)
        .epochs(epochs)
        .batch_size(32)
        .seed(7))
}

fn accuracy(trainer: &mut Trainer<f64>, x: &Array2<f64>, y: &[usize]) -> Result<f64> {
    let predicted = trainer.predict_classes(x.view())?;
    let right = predicted.iter().zip(y).filter(|(p, t)| p == t).count();
    Ok(right as f64 / y.len() as f64)
}

/// The pretrained network with a fresh 3-class head, as if the target's classes were new.
fn pretrained_with_new_head(pretrained: &Sequential<f64>) -> Result<Sequential<f64>> {
    let mut model = pretrained.clone();
    model.replace_head(CLASSES, 11)?;
    Ok(model)
}

fn main() -> Result<()> {
    let mut rng = StdRng::seed_from_u64(16);
    let labeller = Labeller {
        w1: normal(FEATURES, 16, &mut rng),
        w2: normal(16, CLASSES, &mut rng),
    };
    let source = Domain {
        mix: Array2::eye(FEATURES),
        shift: Array1::zeros(FEATURES),
    };
    let target = Domain {
        mix: Array2::eye(FEATURES) * 1.5 + normal(FEATURES, FEATURES, &mut rng) * 0.4,
        shift: Array1::from_elem(FEATURES, 0.5),
    };
    let (xs, ys) = source.sample(&labeller, 4000, &mut rng);
    let (xt, yt) = target.sample(&labeller, 200, &mut rng);
    let (xt_unlabelled, _) = target.sample(&labeller, 2000, &mut rng);
    let (x_test, y_test) = target.sample(&labeller, 2000, &mut rng);

    let mut results: Vec<(&str, f64)> = Vec::new();

    let mut scratch = builder(net(1)?, 60)?.build()?;
    scratch.fit(xt.view(), &yt)?;
    results.push((
        "from scratch on 200 target rows",
        accuracy(&mut scratch, &x_test, &y_test)?,
    ));

    let mut source_model = builder(net(2)?, 30)?.build()?;
    source_model.fit(xs.view(), &ys)?;
    results.push((
        "source model, no adaptation",
        accuracy(&mut source_model, &x_test, &y_test)?,
    ));
    let pretrained = source_model.into_model();

    let mut frozen_body = pretrained_with_new_head(&pretrained)?;
    for body in ["0.*", "2.*"] {
        set_frozen_matching(&mut frozen_body, body, true)?;
    }
    let mut frozen = builder(frozen_body, 60)?.build()?;
    frozen.fit(xt.view(), &yt)?;
    results.push((
        "frozen body, new head on 200 rows",
        accuracy(&mut frozen, &x_test, &y_test)?,
    ));

    let unfreezing = GradualUnfreezing::new(["4.*", "2.*", "0.*"], 10)?;
    let mut gradual = builder(pretrained_with_new_head(&pretrained)?, 60)?
        .callback(unfreezing)
        .build()?;
    gradual.fit(xt.view(), &yt)?;
    results.push((
        "gradual unfreezing on 200 rows",
        accuracy(&mut gradual, &x_test, &y_test)?,
    ));

    let coral = Coral::new().fit(xs.view(), xt_unlabelled.view())?;
    let mut aligned = builder(net(2)?, 30)?.build()?;
    aligned.fit(coral.transform(xs.view())?.view(), &ys)?;
    results.push((
        "CORAL (source re-coloured)",
        accuracy(&mut aligned, &x_test, &y_test)?,
    ));

    let weighting = ImportanceWeighting::new().fit(xs.view(), xt_unlabelled.view())?;
    let w = weighting.weights(xs.view())?;
    let mut weighted = builder(net(2)?, 30)?.build()?;
    weighted.fit_weighted(xs.view(), &ys, w.view())?;
    let clipped = w.iter().filter(|&&v| v >= 10.0).count();
    results.push((
        "importance-weighted source",
        accuracy(&mut weighted, &x_test, &y_test)?,
    ));

    println!("test accuracy on {} shifted rows:", y_test.len());
    for (name, acc) in &results {
        println!("  {name:<36} {acc:.3}");
    }
    let mean = w.mean().unwrap_or(0.0);
    let max = w.fold(0.0f64, |m, &v| m.max(v));
    println!(
        "importance weights: mean {mean:.2}, max {max:.2}, {clipped} of {} at the cap of 10",
        w.len()
    );
    let spread = xt.var_axis(Axis(0), 1.0).mean().unwrap_or(0.0);
    println!("target feature variance {spread:.2} (source: 1.00)");
    Ok(())
}

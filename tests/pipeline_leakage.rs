//! Leakage: preprocessing fitted on the whole data set before cross-validation lets the
//! validation folds' statistics into training, and scores differently from a Pipeline fitted
//! inside each fold; the Pipeline's scores equal fitting the same steps by hand on each fold,
//! bit for bit, also when run through `learning_curve`.

use ndarray::{Array2, Axis};
use tuneup::data::{
    ImputeStrategy, KFold, Pipeline, SimpleImputer, StandardScaler, Table, Transformer,
};
use tuneup::diagnostics::curves::{learning_curve, TrainSizes};
use tuneup::prelude::*;
use tuneup::rand::rngs::StdRng;
use tuneup::rand::{Rng, SeedableRng};
use tuneup::train::{Trainer, TrainerConfig};

/// Two classes in 3-D with missing values, and one column whose scale drifts along the rows
/// (so the folds' statistics differ from the whole set's).
fn data() -> (Array2<f64>, Vec<usize>) {
    let mut rng = StdRng::seed_from_u64(17);
    let n = 90;
    let mut x = Array2::zeros((n, 3));
    let mut y = Vec::with_capacity(n);
    for i in 0..n {
        let c = i % 2;
        let drift = 1.0 + 4.0 * (i as f64 / n as f64);
        x[[i, 0]] = c as f64 + rng.random_range(-1.0..1.0);
        x[[i, 1]] = drift * (c as f64 - 0.5 + rng.random_range(-1.0..1.0));
        x[[i, 2]] = if i % 7 == 3 {
            f64::NAN
        } else {
            rng.random_range(-2.0..2.0)
        };
        y.push(c);
    }
    (x, y)
}

fn rows(x: &Array2<f64>, idx: &[usize]) -> Array2<f64> {
    x.select(Axis(0), idx)
}

/// Trains a small classifier on `(xt, yt)` and returns its validation loss on `(xv, yv)`.
fn score(xt: &Array2<f64>, yt: &[usize], xv: &Array2<f64>, yv: &[usize]) -> f64 {
    let mut t: Trainer<f64> = Trainer::builder()
        .model(Sequential::new().push(Linear::new(3, 2, 3).unwrap()))
        .loss(CrossEntropy::new())
        .optimizer(Adam::new(0.05).unwrap())
        .epochs(5)
        .batch_size(16)
        .seed(5)
        .build()
        .unwrap();
    t.fit(xt.view(), yt).unwrap();
    t.evaluate(xv.view(), yv).unwrap().loss
}

fn pipeline() -> Pipeline<f64> {
    Pipeline::new()
        .transform("impute", SimpleImputer::new(ImputeStrategy::Mean).unwrap())
        .transform("scale", StandardScaler::new())
}

fn folds() -> Vec<(Vec<usize>, Vec<usize>)> {
    KFold::new(3)
        .unwrap()
        .shuffle(2)
        .split(90)
        .unwrap()
        .collect()
}

/// Scores of the pipeline fitted inside each fold.
fn pipeline_score(x: &Array2<f64>, y: &[usize], train: &[usize], val: &[usize]) -> f64 {
    let (xt, xv) = (rows(x, train), rows(x, val));
    let fitted = Transformer::fit(&pipeline(), xt.view()).unwrap();
    let yt: Vec<usize> = train.iter().map(|&i| y[i]).collect();
    let yv: Vec<usize> = val.iter().map(|&i| y[i]).collect();
    score(
        &fitted.transform(xt.view()).unwrap(),
        &yt,
        &fitted.transform(xv.view()).unwrap(),
        &yv,
    )
}

#[test]
fn pipeline_inside_folds_equals_hand_fitting_and_differs_from_leaky_scaling() {
    let (x, y) = data();
    let x_before = x.clone();
    let mut leaky = Vec::new();
    let mut piped = Vec::new();
    let mut by_hand = Vec::new();
    // Leaky: imputer and scaler fitted once on all rows, folds cut afterwards.
    let all = pipeline()
        .fit(&Table::from_array(x.view()).unwrap())
        .unwrap();
    let x_all = all
        .transform(&Table::from_array(x.view()).unwrap())
        .unwrap();
    for (train, val) in folds() {
        let yt: Vec<usize> = train.iter().map(|&i| y[i]).collect();
        let yv: Vec<usize> = val.iter().map(|&i| y[i]).collect();
        leaky.push(score(&rows(&x_all, &train), &yt, &rows(&x_all, &val), &yv));
        piped.push(pipeline_score(&x, &y, &train, &val));
        // By hand: the same two steps fitted on the fold's training rows.
        let (xt, xv) = (rows(&x, &train), rows(&x, &val));
        let imputer = SimpleImputer::new(ImputeStrategy::Mean)
            .unwrap()
            .fit(&xt.view())
            .unwrap();
        let xt_i = imputer.transform(&xt.view()).unwrap();
        let scaler = StandardScaler::new().fit(&xt_i.view()).unwrap();
        let xt_s = scaler.transform(&xt_i.view()).unwrap();
        let xv_s = scaler
            .transform(&imputer.transform(&xv.view()).unwrap().view())
            .unwrap();
        by_hand.push(score(&xt_s, &yt, &xv_s, &yv));
    }
    let bits = |v: &[f64]| v.iter().map(|s| s.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&piped), bits(&by_hand), "pipeline vs by hand");
    let gap: f64 = leaky
        .iter()
        .zip(&piped)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    assert!(gap > 1e-6, "leaky {leaky:?} vs pipeline {piped:?}");
    assert_eq!(x.mapv(f64::to_bits), x_before.mapv(f64::to_bits));
}

#[test]
fn pipeline_inside_learning_curve_refits_per_fold() {
    let (x, y) = data();
    let curve = learning_curve(
        &TrainSizes::Absolute(vec![30, 60]),
        folds(),
        |train, val| {
            let s = pipeline_score(&x, &y, train, val);
            Ok((s, s))
        },
    )
    .unwrap();
    // At the full training size the curve's scores are the per-fold pipeline scores.
    let direct: Vec<f64> = folds()
        .iter()
        .map(|(t, v)| pipeline_score(&x, &y, t, v))
        .collect();
    assert_eq!(curve.scores.validation[1], direct);
    assert_ne!(curve.scores.validation[0], direct);
    // A fitted pipeline rejects data of another width.
    let fitted = Transformer::fit(&pipeline(), x.view()).unwrap();
    let narrow = x.slice(ndarray::s![.., ..2]).to_owned();
    assert!(matches!(
        fitted.transform(narrow.view()),
        Err(Error::Shape { .. })
    ));
}

/// The same pipeline in the Trainer's preprocessing slot, one trainer per fold from one
/// config: the scores equal the pipeline fitted by hand on each fold, bit for bit.
#[test]
fn pipeline_in_the_trainers_slot_equals_hand_fitting_per_fold() {
    let (x, y) = data();
    let config = TrainerConfig::<f64>::new()
        .loss(CrossEntropy::new())
        .optimizer(Adam::new(0.05).unwrap())
        .preprocess(pipeline())
        .epochs(5)
        .batch_size(16)
        .seed(5);
    for (train, val) in folds() {
        let yt: Vec<usize> = train.iter().map(|&i| y[i]).collect();
        let yv: Vec<usize> = val.iter().map(|&i| y[i]).collect();
        let model = Sequential::new().push(Linear::new(3, 2, 3).unwrap());
        let mut t = config.build(model).unwrap();
        // Raw rows, NaN included: the trainer imputes and scales with the fold's statistics.
        t.fit(rows(&x, &train).view(), &yt).unwrap();
        let loss = t.evaluate(rows(&x, &val).view(), &yv).unwrap().loss;
        assert_eq!(
            loss.to_bits(),
            pipeline_score(&x, &y, &train, &val).to_bits()
        );
    }
}

//! The Trainer's preprocessing slot: fitted on the training rows only (after the validation
//! split), applied to validation, prediction and evaluation, resampling at fit time only —
//! each run equal bit for bit to doing the same by hand — and its errors.

use ndarray::{Array2, Axis};
use tuneup::data::{
    train_test_split_indices, Pipeline, RandomOverSampler, StandardScaler, Table, Transformer,
};
use tuneup::prelude::*;
use tuneup::rand::rngs::StdRng;
use tuneup::rand::{Rng, SeedableRng};
use tuneup::train::{Trainer, TrainerConfig};

/// Two imbalanced classes (3:1) in 2-D, on a scale of hundreds.
fn data() -> (Array2<f64>, Vec<usize>) {
    let mut rng = StdRng::seed_from_u64(3);
    let n = 80;
    let y: Vec<usize> = (0..n).map(|i| usize::from(i % 4 == 0)).collect();
    let x = Array2::from_shape_fn((n, 2), |(i, j)| {
        300.0 * y[i] as f64 + 100.0 * j as f64 + 150.0 * rng.random_range(-1.0..1.0)
    });
    (x, y)
}

fn config() -> TrainerConfig<f64> {
    TrainerConfig::new()
        .loss(CrossEntropy::new())
        .optimizer(Adam::new(0.05).unwrap())
        .epochs(6)
        .batch_size(16)
        .seed(11)
        .metric(Metric::Accuracy)
}

fn model() -> Sequential<f64> {
    Sequential::new()
        .push(Linear::new(2, 8, 1).unwrap())
        .push(ActivationLayer::new(Activation::Tanh).unwrap())
        .push(Linear::new(8, 2, 2).unwrap())
}

fn bits(a: &Array2<f64>) -> Vec<u64> {
    a.iter().map(|v| v.to_bits()).collect()
}

fn losses(h: &tuneup::diagnostics::history::History) -> Vec<u64> {
    h.epochs()
        .iter()
        .flat_map(|e| [e.loss.to_bits(), e.val_loss.unwrap_or(f64::NAN).to_bits()])
        .collect()
}

#[test]
fn a_scaler_in_the_slot_is_fitted_on_the_training_rows_after_the_split() {
    let (x, y) = data();
    let mut slot = config()
        .validation_split(0.25)
        .preprocess(StandardScaler::new())
        .build(model())
        .unwrap();
    let h_slot = slot.fit(x.view(), &y).unwrap();
    // By hand: the same split, the scaler fitted on its training rows, applied to all rows.
    let (train, _) = train_test_split_indices(80, 0.25, Some(&y), 11).unwrap();
    let scaler =
        Transformer::fit(&StandardScaler::new(), x.select(Axis(0), &train).view()).unwrap();
    let z = scaler.transform(x.view()).unwrap();
    let mut hand = config().validation_split(0.25).build(model()).unwrap();
    let h_hand = hand.fit(z.view(), &y).unwrap();
    assert_eq!(losses(&h_slot), losses(&h_hand));
    let p_slot = slot.predict(x.view()).unwrap();
    assert_eq!(bits(&p_slot), bits(&hand.predict(z.view()).unwrap()));
    // The fitted scaler is the training rows' one, not the whole set's.
    let fitted = slot.preprocessing().unwrap().transform(x.view()).unwrap();
    assert_eq!(bits(&fitted), bits(&z));
    let whole = Transformer::fit_transform(&StandardScaler::new(), x.view()).unwrap();
    assert_ne!(bits(&fitted), bits(&whole));
    let e_slot = slot.evaluate(x.view(), &y).unwrap();
    assert_eq!(e_slot, hand.evaluate(z.view(), &y).unwrap());
}

#[test]
fn explicit_validation_data_is_transformed_too() {
    let (x, y) = data();
    let (xv, yv) = (x.slice(ndarray::s![..20, ..]).to_owned(), y[..20].to_vec());
    let mut slot = config()
        .validation_data(xv.clone(), yv.clone())
        .preprocess(StandardScaler::new())
        .build(model())
        .unwrap();
    let h_slot = slot.fit(x.view(), &y).unwrap();
    let scaler = Transformer::fit(&StandardScaler::new(), x.view()).unwrap();
    let zv = scaler.transform(xv.view()).unwrap();
    let mut hand = config().validation_data(zv, yv).build(model()).unwrap();
    let h_hand = hand
        .fit(scaler.transform(x.view()).unwrap().view(), &y)
        .unwrap();
    assert_eq!(losses(&h_slot), losses(&h_hand));
}

#[test]
fn a_resampling_pipeline_resamples_the_training_rows_only() {
    let (x, y) = data();
    let pipe = || {
        Pipeline::new()
            .transform("scale", StandardScaler::new())
            .resample("over", RandomOverSampler::new().seed(4))
    };
    let mut slot = config()
        .validation_split(0.25)
        .preprocess(pipe())
        .build(model())
        .unwrap();
    let h_slot = slot.fit(x.view(), &y).unwrap();
    // By hand: split, fit_resample on the training rows, validate on the transformed rest.
    let (train, val) = train_test_split_indices(80, 0.25, Some(&y), 11).unwrap();
    let yt: Vec<usize> = train.iter().map(|&i| y[i]).collect();
    let yv: Vec<usize> = val.iter().map(|&i| y[i]).collect();
    let (fitted, rows) = pipe()
        .fit_resample(
            &Table::from_array(x.select(Axis(0), &train).view()).unwrap(),
            &yt,
        )
        .unwrap();
    assert_eq!(rows.y.iter().filter(|&&c| c == 1).count(), 45); // balanced: 45 + 45
    let zv = fitted
        .transform(&Table::from_array(x.select(Axis(0), &val).view()).unwrap())
        .unwrap();
    let mut hand = config().validation_data(zv, yv).build(model()).unwrap();
    let h_hand = hand.fit(rows.x.view(), &rows.y).unwrap();
    assert_eq!(losses(&h_slot), losses(&h_hand));
    // Prediction transforms without resampling: one output row per input row.
    assert_eq!(slot.predict(x.view()).unwrap().nrows(), 80);
}

#[test]
fn errors_are_typed_and_leave_the_trainer_as_it_was() {
    let (x, y) = data();
    let mut t = config()
        .preprocess(StandardScaler::new())
        .build(model())
        .unwrap();
    assert!(matches!(t.predict(x.view()), Err(Error::State { .. })));
    assert!(matches!(t.evaluate(x.view(), &y), Err(Error::State { .. })));
    // Resamplers need class labels and no sample weights.
    let over = Pipeline::new().resample("over", RandomOverSampler::new());
    let dense = Array2::from_shape_fn((80, 2), |(i, j)| f64::from(u8::from(y[i] == j)));
    let mut r = config().preprocess(over.clone()).build(model()).unwrap();
    assert!(matches!(r.fit(x.view(), &dense), Err(Error::Config { .. })));
    let w = ndarray::Array1::ones(80);
    assert!(matches!(
        r.fit_weighted(x.view(), &y, w.view()),
        Err(Error::Config { .. })
    ));
    // A failed fit keeps the model and the preprocessing fitted before.
    t.fit(x.view(), &y).unwrap();
    let before = t.predict(x.view()).unwrap();
    let short = vec![0usize; 79];
    assert!(matches!(t.fit(x.view(), &short), Err(Error::Shape { .. })));
    let mut with_nan = x.clone();
    with_nan[[5, 1]] = f64::NAN;
    assert!(t.fit(with_nan.view(), &y).is_err());
    assert_eq!(bits(&t.predict(x.view()).unwrap()), bits(&before));
    // Rows of another width than the preprocessing was fitted on.
    let narrow = x.slice(ndarray::s![.., ..1]).to_owned();
    assert!(matches!(t.predict(narrow.view()), Err(Error::Shape { .. })));
}

#[test]
fn the_builder_and_a_trainer_without_preprocessing_agree() {
    let (x, y) = data();
    let mut t = Trainer::builder()
        .model(model())
        .loss(CrossEntropy::new())
        .optimizer(Adam::new(0.05).unwrap())
        .preprocess(StandardScaler::new())
        .epochs(2)
        .build()
        .unwrap();
    t.fit(x.view(), &y).unwrap();
    assert_eq!(t.preprocessing().unwrap().n_features_in(), 2);
    let mut plain = config().build(model()).unwrap();
    assert!(plain.preprocessing().is_none());
    plain.fit(x.view(), &y).unwrap();
    assert!(plain.preprocessing().is_none());
}

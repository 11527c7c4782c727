//! The Trainer on typed tables: a table preprocessing (imputers, a scaler and a one-hot
//! encoder in a `ColumnTransformer`) fitted on the training rows of every `fit`, applied to
//! validation, prediction, evaluation and the doctor — each run equal bit for bit to doing the
//! same by hand — inside cross-validation without leakage, with resamplers, and its errors.

use ndarray::{Array2, Axis};
use tuneup::data::{
    train_test_split_indices, Column, ColumnTransformer, Columns, HandleUnknown, ImputeStrategy,
    KFold, OneHotEncoder, Pipeline, RandomOverSampler, SimpleImputer, StandardScaler, Table,
    TableTransformer,
};
use tuneup::diagnostics::curves::{learning_curve, TrainSizes};
use tuneup::diagnostics::history::History;
use tuneup::prelude::*;
use tuneup::rand::rngs::StdRng;
use tuneup::rand::{Rng, SeedableRng};
use tuneup::train::TrainerConfig;
use tuneup::Error;

const CITIES: [&str; 3] = ["Lima", "Oslo", "Pune"];

/// Two imbalanced classes (2:1): a numeric column on a scale of hundreds with missing values
/// and a drift along the rows, and a city (some missing) that shifts the class odds.
fn data() -> (Table<f64>, Vec<usize>) {
    let mut rng = StdRng::seed_from_u64(23);
    let n = 90;
    let y: Vec<usize> = (0..n).map(|i| usize::from(i % 3 == 0)).collect();
    let mut size = Vec::with_capacity(n);
    let mut city = Vec::with_capacity(n);
    for (i, &c) in y.iter().enumerate() {
        let drift = 1.0 + 3.0 * i as f64 / n as f64;
        let v = drift * (200.0 * c as f64 + 150.0 * rng.random_range(-1.0..1.0));
        size.push(if i % 11 == 4 { f64::NAN } else { v });
        let k = (c + rng.random_range(0..2)) % 3;
        city.push((i % 13 != 7).then(|| CITIES[k].to_string()));
    }
    let table = Table::new(
        ["size", "city"],
        vec![Column::Numeric(size), Column::Categorical(city)],
    )
    .unwrap();
    (table, y)
}

/// Impute and scale `size`, impute and one-hot encode `city`: 1 + 3 columns out.
fn encoder() -> ColumnTransformer<f64> {
    ColumnTransformer::new()
        .add(
            "num",
            Pipeline::new()
                .transform("impute", SimpleImputer::new(ImputeStrategy::Mean).unwrap())
                .transform("scale", StandardScaler::new()),
            ["size"],
        )
        .add(
            "cat",
            Pipeline::new()
                .transform(
                    "impute",
                    SimpleImputer::new(ImputeStrategy::MostFrequent).unwrap(),
                )
                .transform(
                    "onehot",
                    OneHotEncoder::new().handle_unknown(HandleUnknown::Ignore),
                ),
            ["city"],
        )
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
        .push(Linear::new(4, 8, 1).unwrap())
        .push(ActivationLayer::new(Activation::Tanh).unwrap())
        .push(Linear::new(8, 2, 2).unwrap())
}

fn bits(a: &Array2<f64>) -> Vec<u64> {
    a.iter().map(|v| v.to_bits()).collect()
}

fn losses(h: &History) -> Vec<u64> {
    h.epochs()
        .iter()
        .flat_map(|e| [e.loss.to_bits(), e.val_loss.unwrap_or(f64::NAN).to_bits()])
        .collect()
}

fn labels(y: &[usize], idx: &[usize]) -> Vec<usize> {
    idx.iter().map(|&i| y[i]).collect()
}

/// The encoder fitted on the rows `fit_rows` of `x`, applied to all of `x`.
fn encoded(x: &Table<f64>, fit_rows: &[usize]) -> Array2<f64> {
    let fitted = encoder().fit(&x.select_rows(fit_rows).unwrap()).unwrap();
    fitted.transform(x).unwrap()
}

/// A table of new rows: one city never seen in training, one missing size.
fn new_rows() -> Table<f64> {
    Table::new(
        ["size", "city"],
        vec![
            Column::Numeric(vec![120.0, f64::NAN, -80.0]),
            Column::Categorical(vec![Some("Oslo".into()), Some("Rome".into()), None]),
        ],
    )
    .unwrap()
}

#[test]
fn a_table_preprocessing_is_fitted_on_the_training_rows_after_the_split() {
    let (x, y) = data();
    let mut slot = config()
        .validation_split(0.25)
        .preprocess_table(encoder())
        .build(model())
        .unwrap();
    let history = slot.fit(&x, &y).unwrap();
    // By hand: the trainer's own stratified split, the encoder fitted on its training rows.
    let (train, _) = train_test_split_indices(90, 0.25, Some(&y), 11).unwrap();
    let z = encoded(&x, &train);
    let mut by_hand = config().validation_split(0.25).build(model()).unwrap();
    let expected = by_hand.fit(z.view(), &y).unwrap();
    assert_eq!(losses(&history), losses(&expected));
    // Fitting the encoder on every row (leakage of the validation rows) trains differently.
    let all: Vec<usize> = (0..90).collect();
    let mut leaky = config().validation_split(0.25).build(model()).unwrap();
    let leaked = leaky.fit(encoded(&x, &all).view(), &y).unwrap();
    assert_ne!(losses(&history), losses(&leaked));
    // Everything that takes features takes the table and sees it encoded.
    let fitted = encoder().fit(&x.select_rows(&train).unwrap()).unwrap();
    let z_new = fitted.transform(&new_rows()).unwrap();
    assert_eq!(
        bits(&slot.predict(&new_rows()).unwrap()),
        bits(&by_hand.predict(z_new.view()).unwrap())
    );
    assert_eq!(
        bits(&slot.predict_proba(&new_rows()).unwrap()),
        bits(&by_hand.predict_proba(z_new.view()).unwrap())
    );
    assert_eq!(
        slot.predict_classes(&new_rows()).unwrap(),
        by_hand.predict_classes(z_new.view()).unwrap()
    );
    let e = slot.evaluate(&x, &y).unwrap();
    let e_hand = by_hand.evaluate(z.view(), &y).unwrap();
    assert_eq!(e.loss.to_bits(), e_hand.loss.to_bits());
    assert_eq!(e.get("accuracy"), e_hand.get("accuracy"));
    let names = slot.table_preprocessing().unwrap().feature_names_out();
    assert_eq!(
        names,
        [
            "num__size",
            "cat__city_Lima",
            "cat__city_Oslo",
            "cat__city_Pune"
        ]
    );
    assert!(slot.preprocessing().is_none());
}

#[test]
fn the_doctor_reads_the_encoded_table() {
    let (x, y) = data();
    let mut slot = config().preprocess_table(encoder()).build(model()).unwrap();
    slot.fit(&x, &y).unwrap();
    let z = encoded(&x, &(0..90).collect::<Vec<_>>());
    let mut by_hand = config().build(model()).unwrap();
    by_hand.fit(z.view(), &y).unwrap();
    let (test, y_test) = (new_rows(), vec![0, 1, 0]);
    let d = slot.diagnose_with_test(&x, &y, &test, &y_test).unwrap();
    let fitted = encoder().fit(&x).unwrap();
    let z_test = fitted.transform(&test).unwrap();
    let d_hand = by_hand
        .diagnose_with_test(z.view(), &y, z_test.view(), &y_test)
        .unwrap();
    assert_eq!(format!("{d:?}"), format!("{d_hand:?}"));
    let d = slot.diagnose(&x, &y).unwrap();
    assert_eq!(
        format!("{d:?}"),
        format!("{:?}", by_hand.diagnose(z.view(), &y).unwrap())
    );
}

#[test]
fn an_explicit_validation_table_is_encoded_by_each_fit() {
    let (x, y) = data();
    let train: Vec<usize> = (0..60).collect();
    let val: Vec<usize> = (60..90).collect();
    let (xt, xv) = (x.select_rows(&train).unwrap(), x.select_rows(&val).unwrap());
    let mut slot = config()
        .validation_table(xv.clone(), labels(&y, &val))
        .preprocess_table(encoder())
        .build(model())
        .unwrap();
    let history = slot.fit(&xt, &labels(&y, &train)).unwrap();
    let fitted = encoder().fit(&xt).unwrap();
    let mut by_hand = config()
        .validation_data(fitted.transform(&xv).unwrap(), labels(&y, &val))
        .build(model())
        .unwrap();
    let expected = by_hand
        .fit(fitted.transform(&xt).unwrap().view(), &labels(&y, &train))
        .unwrap();
    assert_eq!(losses(&history), losses(&expected));
    assert!(history.last().unwrap().val_loss.is_some());
}

#[test]
fn a_table_pipeline_with_a_resampler_resamples_the_training_rows_only() {
    let (x, y) = data();
    let pipe = Pipeline::new()
        .transform("encode", encoder())
        .resample("over", RandomOverSampler::new().seed(4));
    assert!(pipe.table_resamples());
    let mut slot = config()
        .validation_split(0.25)
        .preprocess_table(pipe.clone())
        .build(model())
        .unwrap();
    let history = slot.fit(&x, &y).unwrap();
    // By hand: resample the training rows, validate on the held-out rows encoded.
    let (train, val) = train_test_split_indices(90, 0.25, Some(&y), 11).unwrap();
    let (fitted, rows) = pipe
        .fit_resample(&x.select_rows(&train).unwrap(), &labels(&y, &train))
        .unwrap();
    let ones = rows.y.iter().filter(|&&c| c == 1).count();
    assert_eq!(ones * 2, rows.y.len(), "balanced training rows");
    let zv = fitted.transform(&x.select_rows(&val).unwrap()).unwrap();
    let mut by_hand = config()
        .validation_data(zv, labels(&y, &val))
        .build(model())
        .unwrap();
    let expected = by_hand.fit(rows.x.view(), &rows.y).unwrap();
    assert_eq!(losses(&history), losses(&expected));
    // Prediction does not resample.
    assert_eq!(slot.predict(&x).unwrap().nrows(), 90);
}

/// A fold's validation loss from a trainer with the encoder in its slot.
fn slot_score(x: &Table<f64>, y: &[usize], train: &[usize], val: &[usize]) -> f64 {
    let mut t = config().preprocess_table(encoder()).build(model()).unwrap();
    t.fit(&x.select_rows(train).unwrap(), &labels(y, train))
        .unwrap();
    t.evaluate(&x.select_rows(val).unwrap(), &labels(y, val))
        .unwrap()
        .loss
}

/// The same with the encoder fitted on `fit_rows` outside the trainer.
fn outside_score(
    x: &Table<f64>,
    y: &[usize],
    fit_rows: &[usize],
    folds: (&[usize], &[usize]),
) -> f64 {
    let (train, val) = folds;
    let z = encoded(x, fit_rows);
    let mut t = config().build(model()).unwrap();
    t.fit(z.select(Axis(0), train).view(), &labels(y, train))
        .unwrap();
    t.evaluate(z.select(Axis(0), val).view(), &labels(y, val))
        .unwrap()
        .loss
}

#[test]
fn cross_validation_on_a_table_refits_the_encoder_in_each_fold() {
    let (x, y) = data();
    let folds: Vec<_> = KFold::new(3)
        .unwrap()
        .shuffle(2)
        .split(90)
        .unwrap()
        .collect();
    let all: Vec<usize> = (0..90).collect();
    let mut in_slot = Vec::new();
    let mut by_hand = Vec::new();
    let mut leaky = Vec::new();
    for (train, val) in &folds {
        in_slot.push(slot_score(&x, &y, train, val));
        by_hand.push(outside_score(&x, &y, train, (train, val)));
        leaky.push(outside_score(&x, &y, &all, (train, val)));
    }
    let to_bits = |v: &[f64]| v.iter().map(|s| s.to_bits()).collect::<Vec<_>>();
    assert_eq!(to_bits(&in_slot), to_bits(&by_hand));
    assert_ne!(to_bits(&in_slot), to_bits(&leaky));
    // The learning curve runs the same folds through the closure.
    let curve = learning_curve(
        &TrainSizes::Fractions(vec![1.0]),
        folds.clone(),
        |tr, va| Ok((0.0, -slot_score(&x, &y, tr, va))),
    )
    .unwrap();
    let validation: Vec<f64> = curve.scores.validation[0].iter().map(|s| -s).collect();
    assert_eq!(to_bits(&validation), to_bits(&in_slot));
}

#[test]
fn a_numeric_table_needs_no_preprocessing_and_a_matrix_feeds_a_table_slot() {
    let (x, y) = data();
    let numeric = Table::from_array_with_names(
        encoded(&x, &(0..90).collect::<Vec<_>>()).view(),
        vec!["a".into(), "b".into(), "c".into(), "d".into()],
    )
    .unwrap();
    let matrix = numeric.to_array().unwrap();
    let mut from_table = config().build(model()).unwrap();
    let mut from_matrix = config().build(model()).unwrap();
    let h1 = from_table.fit(&numeric, &y).unwrap();
    let h2 = from_matrix.fit(&matrix, &y).unwrap();
    assert_eq!(losses(&h1), losses(&h2));
    // A matrix given to a table slot is a numeric table of columns x0, x1, … .
    let scale_first_two = ColumnTransformer::new()
        .add("s", StandardScaler::new(), [0, 1])
        .add(
            "keep",
            StandardScaler::new(),
            Columns::Names(vec!["x2".into(), "x3".into()]),
        );
    let mut slot = config()
        .preprocess_table(scale_first_two)
        .build(model())
        .unwrap();
    slot.fit(matrix.view(), &y).unwrap();
    assert_eq!(slot.predict(matrix.view()).unwrap().dim(), (90, 2));
}

#[test]
fn errors_are_typed_and_leave_the_trainer_as_it_was() {
    let (x, y) = data();
    // Text without a table preprocessing: the column is named.
    let mut plain = config().build(model()).unwrap();
    let probe = Array2::zeros((2, 4));
    let before = plain.predict(probe.view()).unwrap();
    let err = plain.fit(&x, &y).unwrap_err();
    assert!(matches!(err, Error::Value { .. }), "{err}");
    assert!(err.to_string().contains("`city`"), "{err}");
    assert_eq!(bits(&plain.predict(probe.view()).unwrap()), bits(&before));
    assert_eq!(plain.completed_epochs(), 0);
    assert!(matches!(plain.predict(&x), Err(Error::Value { .. })));
    // A numeric slot given text.
    let mut numeric = config()
        .preprocess(StandardScaler::new())
        .build(model())
        .unwrap();
    assert!(matches!(numeric.fit(&x, &y), Err(Error::Value { .. })));
    // Before the first fit.
    let mut slot = config().preprocess_table(encoder()).build(model()).unwrap();
    assert!(matches!(slot.predict(&x), Err(Error::State { .. })));
    slot.fit(&x, &y).unwrap();
    let fitted_before = slot.predict(&x).unwrap();
    // Other columns than fit saw.
    let other = Table::new(["size"], vec![Column::Numeric(vec![1.0])]).unwrap();
    assert!(matches!(slot.predict(&other), Err(Error::Shape { .. })));
    // Targets of another length: nothing refitted, nothing trained.
    let err = slot.fit(&x, &y[..10]).unwrap_err();
    assert!(matches!(err, Error::Shape { .. }), "{err}");
    assert_eq!(bits(&slot.predict(&x).unwrap()), bits(&fitted_before));
    // A fit that fails before its first step (class labels out of range) keeps the encoder
    // fitted before, though it was refitted on shifted sizes.
    let Column::Numeric(sizes) = &x.columns()[0] else {
        unreachable!()
    };
    let shifted = Table::new(
        ["size", "city"],
        vec![
            Column::Numeric(sizes.iter().map(|s| s + 1e4).collect()),
            x.columns()[1].clone(),
        ],
    )
    .unwrap();
    let bad: Vec<usize> = vec![7; 90];
    assert!(matches!(slot.fit(&shifted, &bad), Err(Error::Value { .. })));
    assert_eq!(bits(&slot.predict(&x).unwrap()), bits(&fitted_before));
    // A resampler with dense targets.
    let pipe = Pipeline::new()
        .transform("encode", encoder())
        .resample("over", RandomOverSampler::new());
    let mut dense = config().preprocess_table(pipe).build(model()).unwrap();
    let yd = Array2::from_shape_fn((90, 2), |(i, j)| f64::from(u8::from(y[i] == j)));
    assert!(matches!(dense.fit(&x, &yd), Err(Error::Config { .. })));
    // A validation table of another length is refused at build.
    let err = config()
        .validation_table(x.clone(), vec![0usize; 3])
        .preprocess_table(encoder())
        .build(model())
        .unwrap_err();
    assert!(matches!(err, Error::Config { .. }), "{err}");
    // A validation table with text, and no table preprocessing to encode it.
    let numeric_train = Array2::zeros((6, 4));
    let mut no_slot = config()
        .validation_table(x.clone(), y.clone())
        .build(model())
        .unwrap();
    let err = no_slot
        .fit(numeric_train.view(), &[0usize, 1, 0, 1, 0, 1][..])
        .unwrap_err();
    assert!(err.to_string().contains("`city`"), "{err}");
}

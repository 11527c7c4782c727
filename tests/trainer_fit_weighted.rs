//! `Trainer::fit_weighted`: sample weights through shuffling, batching, the validation split
//! and gradient accumulation.
//!
//! The strong invariant: in full-batch training, integer weights train exactly as the rows
//! repeated that many times (weight 0 drops a row). Equal weights give the unweighted run bit
//! for bit, whatever the batching. Bad weights are typed errors that leave the model alone.

use ndarray::{array, Array1, Array2, Axis};
use tuneup::prelude::*;
use tuneup::rand::rngs::StdRng;
use tuneup::rand::{Rng, SeedableRng};
use tuneup::train::Trainer;

fn data(n: usize, seed: u64) -> (Array2<f64>, Vec<usize>, Array2<f64>) {
    let mut rng = StdRng::seed_from_u64(seed);
    let x = Array2::from_shape_fn((n, 3), |_| rng.random_range(-1.0..1.0));
    let classes = (0..n)
        .map(|i| usize::from(x[[i, 0]] + 0.5 * x[[i, 1]] > 0.0) + usize::from(x[[i, 2]] > 0.5))
        .collect();
    let values = x
        .map_axis(Axis(1), |r| r[0] - 2.0 * r[1] + r[2] * r[2])
        .insert_axis(Axis(1));
    (x, classes, values)
}

fn params(net: &dyn Layer<f64>) -> Vec<f64> {
    let mut v = Vec::new();
    net.visit_parameters(&mut |p| v.extend_from_slice(p.value_slice()));
    v
}

fn net(outputs: usize) -> Sequential<f64> {
    Sequential::new()
        .push(
            Linear::new(3, 8, 1)
                .unwrap()
                .with_activation(Activation::Tanh)
                .unwrap(),
        )
        .push(Linear::new(8, outputs, 2).unwrap())
}

fn trainer(outputs: usize, loss: impl Loss<f64> + 'static, batch_size: usize) -> Trainer<f64> {
    Trainer::builder()
        .model(net(outputs))
        .loss(loss)
        .optimizer(Sgd::new(0.2).unwrap())
        .epochs(15)
        .batch_size(batch_size)
        .seed(3)
        .build()
        .unwrap()
}

fn repeat_index(times: &[usize]) -> Vec<usize> {
    times
        .iter()
        .enumerate()
        .flat_map(|(i, &t)| std::iter::repeat_n(i, t))
        .collect()
}

fn assert_close(a: &[f64], b: &[f64], tol: f64, what: &str) {
    assert_eq!(a.len(), b.len());
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        assert!(
            (x - y).abs() <= tol * y.abs().max(1.0),
            "{what}[{i}]: {x} vs {y}"
        );
    }
}

#[test]
fn integer_weights_equal_repeated_rows_in_full_batch_training() {
    let (x, classes, values) = data(20, 7);
    let times: Vec<usize> = (0..20).map(|i| (i * 5 + 1) % 4).collect();
    assert!(times.contains(&0));
    let w: Array1<f64> = times.iter().map(|&t| t as f64).collect();
    let idx = repeat_index(&times);
    let x_rep = x.select(Axis(0), &idx);
    // Classification (cross-entropy with class weights) and regression (Huber).
    let ce = CrossEntropy::new()
        .with_class_weights(vec![1.0, 2.0, 0.5])
        .unwrap();
    let c_rep: Vec<usize> = idx.iter().map(|&i| classes[i]).collect();
    let mut weighted = trainer(3, ce.clone(), 64);
    let mut repeated = trainer(3, ce, 64);
    let hw = weighted.fit_weighted(x.view(), &classes, w.view()).unwrap();
    let hr = repeated.fit(x_rep.view(), &c_rep).unwrap();
    assert_close(
        &params(weighted.model()),
        &params(repeated.model()),
        1e-11,
        "CE params",
    );
    let lw: Vec<f64> = hw.epochs().iter().map(|r| r.loss).collect();
    let lr: Vec<f64> = hr.epochs().iter().map(|r| r.loss).collect();
    assert_close(&lw, &lr, 1e-11, "CE epoch loss");

    let v_rep = values.select(Axis(0), &idx);
    let huber = Huber::new(0.5).unwrap();
    let mut weighted = trainer(1, huber, 64);
    let mut repeated = trainer(1, huber, 64);
    weighted.fit_weighted(x.view(), &values, w.view()).unwrap();
    repeated.fit(x_rep.view(), &v_rep).unwrap();
    assert_close(
        &params(weighted.model()),
        &params(repeated.model()),
        1e-11,
        "Huber params",
    );
    // The weights matter: an unweighted fit ends elsewhere (the test can fail).
    let mut plain = trainer(1, huber, 64);
    plain.fit(x.view(), &values).unwrap();
    assert!(params(plain.model())
        .iter()
        .zip(params(weighted.model()))
        .any(|(a, b)| (a - b).abs() > 1e-6));
}

/// Mini-batches, shuffling, a validation split and gradient accumulation.
fn busy_trainer() -> Trainer<f64> {
    Trainer::builder()
        .model(net(3))
        .loss(CrossEntropy::new())
        .optimizer(Adam::new(0.01).unwrap())
        .epochs(5)
        .batch_size(7)
        .accumulate_gradients(2)
        .validation_split(0.25)
        .seed(9)
        .build()
        .unwrap()
}

#[test]
fn equal_weights_give_the_unweighted_run_bit_for_bit() {
    let (x, classes, _) = data(40, 8);
    let mut weighted = busy_trainer();
    let mut plain = busy_trainer();
    let hw = weighted
        .fit_weighted(x.view(), &classes, Array1::from_elem(40, 2.5).view())
        .unwrap();
    let hp = plain.fit(x.view(), &classes).unwrap();
    assert!(hw.same_values(&hp));
    let bits = |v: Vec<f64>| v.into_iter().map(f64::to_bits).collect::<Vec<_>>();
    assert_eq!(bits(params(weighted.model())), bits(params(plain.model())));
}

#[test]
fn weights_follow_their_rows_through_shuffled_mini_batches() {
    // Rows weighted 0 carry wrong labels: a weighted fit must learn as if they were absent,
    // so its validation-free loss on the clean rows beats the unweighted fit's.
    let (x, mut classes, _) = data(60, 10);
    let mut w = Array1::ones(60);
    for i in (0..60).step_by(3) {
        classes[i] = (classes[i] + 1) % 3;
        w[i] = 0.0;
    }
    let make = || {
        Trainer::builder()
            .model(net(3))
            .loss(CrossEntropy::new())
            .optimizer(Adam::new(0.02).unwrap())
            .epochs(40)
            .batch_size(8)
            .seed(4)
            .build()
            .unwrap()
    };
    let (mut weighted, mut plain) = (make(), make());
    let hw = weighted.fit_weighted(x.view(), &classes, w.view()).unwrap();
    plain.fit(x.view(), &classes).unwrap();
    let clean: Vec<usize> = (0..60).filter(|i| i % 3 != 0).collect();
    let xc = x.select(Axis(0), &clean);
    let cc: Vec<usize> = clean.iter().map(|&i| classes[i]).collect();
    let lw = weighted.evaluate(xc.view(), &cc).unwrap().loss;
    let lp = plain.evaluate(xc.view(), &cc).unwrap().loss;
    assert!(lw < lp, "weighted {lw} vs unweighted {lp}");
    // The recorded epoch loss is the weighted mean over the training rows.
    assert!(hw.epochs().last().unwrap().loss < lp);
}

#[test]
fn bad_weights_are_typed_errors_and_the_model_is_untouched() {
    let (x, classes, _) = data(12, 11);
    let mut t = busy_trainer();
    let before = params(t.model());
    let bad: Vec<(Array1<f64>, &str)> = vec![
        (Array1::from_elem(11, 1.0), "Shape"),
        (Array1::from_elem(12, -1.0), "Value"),
        (Array1::from_elem(12, f64::NAN), "NonFinite"),
        (Array1::zeros(12), "Value"),
    ];
    for (w, variant) in bad {
        let err = t.fit_weighted(x.view(), &classes, w.view()).unwrap_err();
        let ok = match variant {
            "Shape" => matches!(err, tuneup::Error::Shape { .. }),
            "NonFinite" => matches!(err, tuneup::Error::NonFinite { .. }),
            _ => matches!(err, tuneup::Error::Value { .. }),
        };
        assert!(ok, "{variant}: {err}");
        assert_eq!(params(t.model()), before);
        assert_eq!(t.completed_epochs(), 0);
    }
    // Weights that are positive only on rows the validation split takes away.
    let mut t = Trainer::builder()
        .model(net(3))
        .loss(CrossEntropy::new())
        .optimizer(Sgd::new(0.1).unwrap())
        .epochs(2)
        .validation_split(0.5)
        .seed(1)
        .build()
        .unwrap();
    let x = array![
        [0.0, 0.0, 0.0],
        [1.0, 0.0, 0.0],
        [0.0, 1.0, 0.0],
        [1.0, 1.0, 0.0]
    ];
    let y = vec![0usize, 0, 0, 0];
    let mut hits = 0;
    for k in 0..4 {
        let mut w = Array1::zeros(4);
        w[k] = 1.0;
        if let Err(e) = t.fit_weighted(x.view(), &y, w.view()) {
            assert!(matches!(e, tuneup::Error::Value { .. }), "{e}");
            hits += 1;
        }
    }
    assert!(hits >= 2, "rows on the side without weight are refused");
}

//! Knowledge distillation in the Trainer (`.teacher(model, T, α)`): the run equals a
//! hand-written loop minimising `Distillation` with the teacher's eval-mode outputs; sample
//! weights carry through; bad settings are typed errors that train nothing.

use ndarray::{Array2, Axis};
use tuneup::loss::{Distillation, Loss};
use tuneup::prelude::*;
use tuneup::train::Trainer;

fn data() -> (Array2<f64>, Vec<usize>) {
    let x = Array2::from_shape_fn((48, 4), |(i, j)| ((i * 13 + j * 7) % 17) as f64 / 8.0 - 1.0);
    let y = (0..48)
        .map(|i| (x[[i, 0]] + 2.0 * x[[i, 1]] - x[[i, 3]] > 0.0) as usize + usize::from(i % 5 == 0))
        .collect();
    (x, y)
}

/// A teacher with Dropout and BatchNorm, so that running it in train mode (or letting its
/// statistics move) would change its outputs; trained briefly so its statistics are not the
/// initial ones.
fn teacher(x: &Array2<f64>, y: &[usize]) -> Sequential<f64> {
    let net = Sequential::new()
        .push(
            Linear::new(4, 16, 1)
                .unwrap()
                .with_activation(Activation::Relu)
                .unwrap(),
        )
        .push(Dropout::new(0.3, 2).unwrap())
        .push(BatchNorm1d::new(16).unwrap())
        .push(Linear::new(16, 3, 3).unwrap());
    let mut t = Trainer::builder()
        .model(net)
        .loss(CrossEntropy::new())
        .optimizer(Adam::new(0.02).unwrap())
        .epochs(10)
        .batch_size(16)
        .build()
        .unwrap();
    t.fit(x.view(), y).unwrap();
    t.model().clone()
}

fn student() -> Sequential<f64> {
    Mlp::new(&[4, 8, 3]).seed(5).build::<f64>().unwrap()
}

fn weights(net: &dyn Layer<f64>) -> Vec<f64> {
    let mut all = Vec::new();
    net.visit_parameters(&mut |p| all.extend(p.value().iter().copied()));
    all
}

#[test]
fn the_trainer_minimises_the_distillation_of_the_eval_mode_teacher() {
    let (x, y) = data();
    let teach = teacher(&x, &y);
    let (lr, t, alpha, epochs, bs) = (0.1, 2.0, 0.7, 3, 16);
    let mut trainer = Trainer::builder()
        .model(student())
        .loss(CrossEntropy::new())
        .optimizer(Sgd::new(lr).unwrap())
        .teacher(teach.clone(), t, alpha)
        .epochs(epochs)
        .batch_size(bs)
        .shuffle(false)
        .build()
        .unwrap();
    let history = trainer.fit(x.view(), &y).unwrap();

    // The same run by hand: the teacher's eval-mode outputs, computed once for all rows.
    let mut teach = teach;
    let teacher_out = teach.forward(x.view(), Mode::Eval).unwrap().to_owned();
    let objective = Distillation::new(t, alpha).unwrap();
    let mut net = student();
    let mut grad = Array2::zeros((bs, 3));
    for epoch in 0..epochs {
        let mut sum = 0.0;
        for b in 0..x.nrows() / bs {
            let rows = b * bs..(b + 1) * bs;
            net.zero_grad();
            let out = net
                .forward(x.slice(ndarray::s![rows.clone(), ..]), Mode::Train)
                .unwrap();
            sum += objective
                .compute_with_teacher(
                    out,
                    teacher_out.slice(ndarray::s![rows.clone(), ..]),
                    (&y[rows]).into(),
                    Some(grad.view_mut()),
                )
                .unwrap();
            net.backward_parameters(grad.view()).unwrap();
            net.visit_parameters_mut(&mut |p| {
                let (v, g) = p.value_and_grad_mut();
                v.iter_mut().zip(g).for_each(|(v, g)| *v -= lr * g);
            });
        }
        let recorded = history.epochs()[epoch].loss;
        assert!(
            (recorded - sum / 3.0).abs() < 1e-12,
            "epoch {epoch}: {recorded} vs {}",
            sum / 3.0
        );
    }
    for (a, b) in weights(trainer.model()).iter().zip(weights(&net)) {
        assert!((a - b).abs() <= 1e-12 * b.abs().max(1.0), "{a} vs {b}");
    }
    // The configured loss still scores the model: evaluate reports cross-entropy.
    let ce = CrossEntropy::new()
        .value(
            net.forward(x.view(), Mode::Eval).unwrap(),
            y.as_slice().into(),
        )
        .unwrap();
    let reported = trainer.evaluate(x.view(), &y).unwrap().loss;
    assert!((reported - ce).abs() < 1e-12, "{reported} vs {ce}");
}

#[test]
fn distillation_differs_from_plain_training_and_alpha_zero_is_cross_entropy() {
    let (x, y) = data();
    let teach = teacher(&x, &y);
    let run = |teacher: Option<(f64, f64)>| {
        let mut b = Trainer::builder()
            .model(student())
            .loss(CrossEntropy::new())
            .optimizer(Adam::new(0.01).unwrap())
            .epochs(4)
            .batch_size(12)
            .seed(3);
        if let Some((t, alpha)) = teacher {
            b = b.teacher(teach.clone(), t, alpha);
        }
        let mut trainer = b.build().unwrap();
        trainer.fit(x.view(), &y).unwrap();
        weights(trainer.model())
    };
    let plain = run(None);
    let alpha_zero = run(Some((4.0, 0.0)));
    let distilled = run(Some((4.0, 0.9)));
    let gap = |a: &[f64], b: &[f64]| {
        a.iter()
            .zip(b)
            .map(|(p, q)| (p - q).abs())
            .fold(0.0, f64::max)
    };
    assert!(
        gap(&plain, &alpha_zero) < 1e-12,
        "α = 0 is the cross-entropy alone"
    );
    assert!(
        gap(&plain, &distilled) > 1e-3,
        "the teacher term changes the run"
    );
}

#[test]
fn sample_weights_reach_the_distillation_objective() {
    // Integer weights in one full batch equal repeated rows.
    let (x, y) = data();
    let teach = teacher(&x, &y);
    let w: Vec<f64> = (0..48).map(|i| (i % 3) as f64).collect();
    let mut rows = Vec::new();
    for (i, &wi) in w.iter().enumerate() {
        rows.extend(std::iter::repeat_n(i, wi as usize));
    }
    let xr = x.select(Axis(0), &rows);
    let yr: Vec<usize> = rows.iter().map(|&i| y[i]).collect();
    let build = |bs: usize| {
        Trainer::builder()
            .model(student())
            .loss(CrossEntropy::new())
            .optimizer(Sgd::new(0.2).unwrap())
            .teacher(teach.clone(), 3.0, 0.5)
            .epochs(3)
            .batch_size(bs)
            .shuffle(false)
            .build()
            .unwrap()
    };
    let mut weighted = build(48);
    weighted
        .fit_weighted(x.view(), &y, ndarray::Array1::from(w).view())
        .unwrap();
    let mut repeated = build(rows.len());
    repeated.fit(xr.view(), &yr).unwrap();
    for (a, b) in weights(weighted.model())
        .iter()
        .zip(weights(repeated.model()))
    {
        assert!((a - b).abs() < 1e-12, "{a} vs {b}");
    }
}

#[test]
fn bad_teachers_are_typed_errors_and_train_nothing() {
    let (x, y) = data();
    let teach = teacher(&x, &y);
    let base = || {
        Trainer::builder()
            .model(student())
            .loss(CrossEntropy::new())
            .optimizer(Adam::new(0.01).unwrap())
            .epochs(2)
    };
    for (t, alpha) in [
        (0.0, 0.5),
        (-1.0, 0.5),
        (f64::NAN, 0.5),
        (2.0, 1.5),
        (2.0, f64::NAN),
    ] {
        let err = base().teacher(teach.clone(), t, alpha).build().unwrap_err();
        assert!(
            matches!(err, tuneup::Error::Config { .. }),
            "T = {t}, α = {alpha}: {err}"
        );
    }
    let err = base()
        .class_weights(vec![1.0, 2.0, 1.0])
        .teacher(teach.clone(), 2.0, 0.5)
        .build()
        .unwrap_err();
    assert!(matches!(err, tuneup::Error::Config { .. }), "{err}");

    // Another output width: refused at fit, before any step.
    let narrow = Mlp::new(&[4, 8, 2]).seed(1).build::<f64>().unwrap();
    let mut t = base().teacher(narrow, 2.0, 0.5).build().unwrap();
    let before = weights(t.model());
    let err = t.fit(x.view(), &y).unwrap_err();
    assert!(matches!(err, tuneup::Error::Shape { .. }), "{err}");
    assert!(err.to_string().contains("teacher"), "{err}");
    assert_eq!(weights(t.model()), before);

    // A regression teacher with class labels.
    let mut t = base().regression_teacher(teach, 0.5).build().unwrap();
    let err = t.fit(x.view(), &y).unwrap_err();
    assert!(matches!(err, tuneup::Error::Value { .. }), "{err}");
    assert_eq!(weights(t.model()), before);
}

#[test]
fn a_regression_teacher_pulls_the_student_towards_its_outputs() {
    let x = Array2::from_shape_fn((40, 2), |(i, j)| ((i * 3 + j * 5) % 13) as f64 / 6.0 - 1.0);
    let y = x.map_axis(Axis(1), |r| r[0] - r[1]).insert_axis(Axis(1));
    // A teacher that outputs a constant 3: with α = 1 the student learns that constant.
    let teach =
        Linear::<f64>::from_weights(ndarray::arr2(&[[0.0, 0.0]]), Some(ndarray::arr1(&[3.0])))
            .unwrap();
    let mut t = Trainer::builder()
        .model(Mlp::new(&[2, 1]).seed(2).build::<f64>().unwrap())
        .loss(Mse::new())
        .optimizer(Adam::new(0.05).unwrap())
        .regression_teacher(teach, 1.0)
        .epochs(300)
        .batch_size(40)
        .build()
        .unwrap();
    t.fit(x.view(), &y).unwrap();
    let pred = t.predict(x.view()).unwrap();
    assert!(pred.iter().all(|p| (p - 3.0).abs() < 0.05), "{pred}");
}

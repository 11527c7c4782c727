//! Learning and validation curves (src/diagnostics/curves.rs): the fold/size mechanics, and
//! the shapes a real model gives.

use ndarray::{Array2, Axis};
use tuneup::data::{make_moons, KFold, MoonsConfig, StratifiedKFold};
use tuneup::diagnostics::curves::{learning_curve, validation_curve, TrainSizes};
use tuneup::prelude::*;
use tuneup::train::{Metric, Trainer};

#[test]
fn learning_curve_uses_the_first_s_training_indices_of_each_fold() {
    let folds: Vec<_> = KFold::new(3)
        .unwrap()
        .shuffle(7)
        .split(10)
        .unwrap()
        .collect();
    let mut calls = Vec::new();
    let curve = learning_curve(
        &TrainSizes::Fractions(vec![1.0, 0.5, 0.5]),
        folds.clone(),
        |train, val| {
            calls.push((train.to_vec(), val.to_vec()));
            Ok((train.len() as f64, train[0] as f64))
        },
    )
    .unwrap();
    // The smallest training part has 10 − 4 = 6 samples: sizes 3 and 6, deduplicated, sorted.
    assert_eq!(curve.train_sizes, vec![3, 6]);
    assert_eq!(calls.len(), 2 * 3);
    for (i, &s) in [3usize, 6].iter().enumerate() {
        for (k, (train, val)) in folds.iter().enumerate() {
            assert_eq!(calls[i * 3 + k].0, train[..s].to_vec());
            assert_eq!(&calls[i * 3 + k].1, val);
        }
    }
    assert_eq!(curve.scores.train_mean(), vec![3.0, 6.0]);
    assert_eq!(curve.scores.train_std(), vec![0.0, 0.0]);
    let firsts: Vec<f64> = folds.iter().map(|(t, _)| t[0] as f64).collect();
    let m = firsts.iter().sum::<f64>() / 3.0;
    let sd = (firsts.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / 3.0).sqrt();
    assert_eq!(curve.scores.validation_mean()[0], m);
    assert!((curve.scores.validation_std()[1] - sd).abs() < 1e-15);
}

#[test]
fn validation_curve_calls_every_value_on_every_fold() {
    let labels = [0, 1, 1, 0, 1, 0, 0, 1, 1, 0, 1, 0];
    let folds: Vec<_> = StratifiedKFold::new(4)
        .unwrap()
        .split(&labels)
        .unwrap()
        .collect();
    let mut calls = Vec::new();
    let curve = validation_curve(&["a", "b"], folds.clone(), |v, train, val| {
        calls.push((v.to_string(), train.len(), val.to_vec()));
        Ok((train.len() as f64, if *v == "a" { 1.0 } else { 3.0 }))
    })
    .unwrap();
    assert_eq!(curve.values, vec!["a", "b"]);
    assert_eq!(calls.len(), 8);
    assert_eq!(calls[5].0, "b");
    assert_eq!(calls[5].2, folds[1].1);
    assert_eq!(curve.scores.train_mean(), vec![9.0, 9.0]);
    assert_eq!(curve.scores.validation_mean(), vec![1.0, 3.0]);
    assert_eq!(curve.scores.train.len(), 2);
    assert_eq!(curve.scores.validation[1].len(), 4);
}

#[test]
fn bad_arguments_are_typed_errors() {
    let folds = || KFold::new(2).unwrap().split(6).unwrap();
    let ok = |_: &[usize], _: &[usize]| Ok((0.0, 0.0));
    for sizes in [
        TrainSizes::Fractions(vec![]),
        TrainSizes::Fractions(vec![1.5]),
        TrainSizes::Fractions(vec![f64::NAN]),
        TrainSizes::Absolute(vec![0]),
        TrainSizes::Absolute(vec![4]),
    ] {
        assert!(
            matches!(
                learning_curve(&sizes, folds(), ok),
                Err(tuneup::Error::Config { .. })
            ),
            "{sizes:?}"
        );
    }
    assert!(matches!(
        learning_curve(&TrainSizes::Absolute(vec![1]), Vec::new(), ok),
        Err(tuneup::Error::Value { .. })
    ));
    assert!(matches!(
        learning_curve(
            &TrainSizes::Absolute(vec![1]),
            vec![(vec![0, 1], vec![])],
            ok
        ),
        Err(tuneup::Error::Value { .. })
    ));
    assert!(matches!(
        validation_curve::<f64>(&[], folds(), |_, _, _| Ok((0.0, 0.0))),
        Err(tuneup::Error::Value { .. })
    ));
    // A closure's error comes back, located.
    let err = validation_curve(&[1, 2], folds(), |&v, _, _| {
        if v == 2 {
            Err(tuneup::Error::state("my model", "failed"))
        } else {
            Ok((0.0, 0.0))
        }
    })
    .unwrap_err();
    assert!(matches!(err, tuneup::Error::State { .. }));
    assert!(err.to_string().contains("value 1, fold 0"), "{err}");
}

/// Trains a fresh 2-32-32-2 ReLU network on `train` rows with an L2 penalty `alpha`, and
/// returns its accuracy on `train` and on `val`.
fn fit_and_score(
    x: &Array2<f64>,
    y: &[usize],
    train: &[usize],
    val: &[usize],
    alpha: f64,
    epochs: usize,
) -> tuneup::Result<(f64, f64)> {
    let xt = x.select(Axis(0), train);
    let yt: Vec<usize> = train.iter().map(|&i| y[i]).collect();
    let xv = x.select(Axis(0), val);
    let yv: Vec<usize> = val.iter().map(|&i| y[i]).collect();
    let mut b = Trainer::builder()
        .model(
            Mlp::new(&[2, 32, 32, 2])
                .activation(Activation::Relu)
                .seed(3)
                .build::<f64>()?,
        )
        .loss(CrossEntropy::new())
        .optimizer(Adam::new(0.01)?)
        .epochs(epochs)
        .batch_size(16)
        .seed(1)
        .metric(Metric::Accuracy);
    if alpha > 0.0 {
        b = b.regularizer(L2::new(alpha)?);
    }
    let mut t = b.build()?;
    t.fit(xt.view(), yt.as_slice())?;
    let train_acc = t.evaluate(xt.view(), yt.as_slice())?.get("accuracy");
    let val_acc = t.evaluate(xv.view(), yv.as_slice())?.get("accuracy");
    Ok((train_acc.unwrap(), val_acc.unwrap()))
}

fn moons(n: usize, noise: f64) -> (Array2<f64>, Vec<usize>) {
    let ds = make_moons::<f64>(&MoonsConfig {
        n_samples: n,
        noise,
        shuffle: true,
        seed: 5,
    })
    .unwrap();
    (ds.features().to_owned(), ds.labels().unwrap().to_vec())
}

/// More data: the validation accuracy rises and the train/validation gap narrows.
#[test]
fn learning_curve_of_an_mlp_on_moons() {
    let (x, y) = moons(300, 0.3);
    let folds = StratifiedKFold::new(3)
        .unwrap()
        .shuffle(0)
        .split(&y)
        .unwrap();
    let curve = learning_curve(&TrainSizes::Absolute(vec![10, 40, 200]), folds, |tr, va| {
        fit_and_score(&x, &y, tr, va, 0.0, 120)
    })
    .unwrap();
    let (tm, vm) = (curve.scores.train_mean(), curve.scores.validation_mean());
    println!(
        "sizes {:?} train {tm:?} validation {vm:?}",
        curve.train_sizes
    );
    assert!(vm[2] > vm[0] + 0.05, "validation {vm:?}");
    assert!(vm[2] >= vm[1] - 0.02, "validation {vm:?}");
    assert!(vm[2] > 0.85, "validation {vm:?}");
    let gap: Vec<f64> = tm.iter().zip(&vm).map(|(t, v)| t - v).collect();
    assert!(gap[0] > gap[2], "gap {gap:?}");
    assert!(curve
        .scores
        .validation_std()
        .iter()
        .all(|s| s.is_finite() && *s >= 0.0));
}

/// An L2 sweep: little penalty overfits a small noisy training set (train ≫ validation),
/// a huge penalty underfits (both scores fall to about chance and meet).
#[test]
fn validation_curve_over_l2_strength_on_moons() {
    let (x, y) = moons(180, 0.4);
    let folds = StratifiedKFold::new(3)
        .unwrap()
        .shuffle(1)
        .split(&y)
        .unwrap();
    let alphas = [0.0, 1e-3, 1e-2, 1e-1, 1.0, 10.0];
    // Fit on a third of each training part only, so the network can memorise it.
    let curve = validation_curve(&alphas, folds, |&alpha, tr, va| {
        fit_and_score(&x, &y, &tr[..40], va, alpha, 300)
    })
    .unwrap();
    let (tm, vm) = (curve.scores.train_mean(), curve.scores.validation_mean());
    println!("alphas {alphas:?} train {tm:?} validation {vm:?}");
    let last = alphas.len() - 1;
    // Overfitting at α = 0: a large gap.
    assert!(tm[0] > 0.95, "train {tm:?}");
    assert!(tm[0] - vm[0] > 0.1, "train {tm:?} validation {vm:?}");
    // Underfitting at the largest α: the training score has collapsed and the gap closed.
    assert!(tm[last] < tm[0] - 0.2, "train {tm:?}");
    assert!(
        (tm[last] - vm[last]).abs() < tm[0] - vm[0],
        "train {tm:?} validation {vm:?}"
    );
    // The training score falls (within noise) as the penalty grows.
    for w in tm.windows(2) {
        assert!(w[1] <= w[0] + 0.03, "train {tm:?}");
    }
    // The best validation score is not at the strongest penalty.
    let best = vm.iter().cloned().fold(f64::MIN, f64::max);
    assert!(vm[last] < best - 0.1, "validation {vm:?}");
}

/// With the `serde` feature, curves, health statistics and the History serialize to JSON.
#[cfg(feature = "serde")]
#[test]
fn reports_serialize_with_serde() {
    use tuneup::diagnostics::health::{ActivationStats, UnitKind};
    use tuneup::diagnostics::history::{EpochRecord, History, StopReason};
    let curve = learning_curve(
        &TrainSizes::Absolute(vec![2]),
        KFold::new(2).unwrap().split(6).unwrap(),
        |_, _| Ok((1.0, 0.5)),
    )
    .unwrap();
    let json = serde_json::to_value(&curve).unwrap();
    assert_eq!(json["train_sizes"], serde_json::json!([2]));
    assert_eq!(
        json["scores"]["validation"],
        serde_json::json!([[0.5, 0.5]])
    );
    let stats = ActivationStats {
        kind: UnitKind::Relu,
        units: 4,
        rows: 8,
        dead_fraction: Some(0.25),
        saturated_fraction: None,
    };
    let json = serde_json::to_value(stats).unwrap();
    assert_eq!(json["kind"], "Relu");
    assert_eq!(json["dead_fraction"], 0.25);
    let mut h = History::new("loss", true);
    h.push(EpochRecord {
        epoch: 0,
        loss: 0.5,
        val_loss: None,
        metrics: vec![("accuracy".into(), 0.75)],
        lr: 0.1,
        grad_norm: 2.0,
        wall_time: 0.0,
    });
    h.set_stop_reason(StopReason::EpochsDone);
    let text = serde_json::to_string(&h).unwrap();
    assert!(text.contains("\"loss\":0.5"), "{text}");
    assert!(text.contains("EpochsDone"), "{text}");
}

//! The Trainer's fit loop: determinism, divergence, input checks, build-time checks,
//! validation, metrics, callbacks, accumulation and schedules.

use ndarray::{Array2, Axis};
use tuneup::diagnostics::history::StopReason;
use tuneup::optim::schedule::StepLr;
use tuneup::optim::EarlyStoppingConfig;
use tuneup::prelude::*;
use tuneup::rand::rngs::StdRng;
use tuneup::rand::{Rng, SeedableRng};
use tuneup::train::{
    Callback, CallbackContext, GradClip, Metric, OnDivergence, ScheduleStep, Trainer,
};

/// Three Gaussian blobs in 4-D, `n` rows, class labels.
fn blobs(n: usize, seed: u64) -> (Array2<f32>, Vec<usize>) {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut x = Array2::zeros((n, 4));
    let mut y = Vec::with_capacity(n);
    for i in 0..n {
        let c = i % 3;
        for j in 0..4 {
            let centre = if j % 3 == c { 2.0 } else { 0.0 };
            x[[i, j]] = centre + rng.random_range(-1.0f32..1.0);
        }
        y.push(c);
    }
    (x, y)
}

fn params<F: Float>(net: &dyn Layer<F>) -> Vec<F> {
    let mut v = Vec::new();
    net.visit_parameters(&mut |p| v.extend_from_slice(p.value_slice()));
    v
}

fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

fn classifier(seed: u64) -> Trainer<f32> {
    Trainer::builder()
        .model(
            Sequential::new()
                .push(
                    Linear::new(4, 16, seed)
                        .unwrap()
                        .with_activation(Activation::Relu)
                        .unwrap(),
                )
                .push(Dropout::new(0.2, seed + 1).unwrap())
                .push(Linear::new(16, 3, seed + 2).unwrap()),
        )
        .loss(CrossEntropy::new())
        .regularizer(L2::new(1e-4).unwrap())
        .optimizer(Adam::new(0.01).unwrap())
        .schedule(StepLr::new(0.01, 3, 0.5).unwrap(), ScheduleStep::Epoch)
        .epochs(8)
        .batch_size(16)
        .seed(11)
        .validation_split(0.25)
        .metric(Metric::Accuracy)
        .metric(Metric::F1)
        .build()
        .unwrap()
}

#[test]
fn same_seed_gives_bit_identical_history_and_weights() {
    let (x, y) = blobs(150, 1);
    let mut a = classifier(5);
    let mut b = classifier(5);
    let ha = a.fit(x.view(), &y).unwrap();
    let hb = b.fit(x.view(), &y).unwrap();
    assert_eq!(ha.len(), 8);
    assert!(ha.same_values(&hb));
    assert_eq!(bits(&params(a.model())), bits(&params(b.model())));
    // A different shuffling seed gives a different run (the test can fail).
    let mut c = Trainer::builder()
        .model(
            Mlp::new(&[4, 16, 3])
                .activation(Activation::Relu)
                .seed(5)
                .build::<f32>()
                .unwrap(),
        )
        .loss(CrossEntropy::new())
        .optimizer(Adam::new(0.01).unwrap())
        .epochs(3)
        .seed(12)
        .build()
        .unwrap();
    let mut d = Trainer::builder()
        .model(
            Mlp::new(&[4, 16, 3])
                .activation(Activation::Relu)
                .seed(5)
                .build::<f32>()
                .unwrap(),
        )
        .loss(CrossEntropy::new())
        .optimizer(Adam::new(0.01).unwrap())
        .epochs(3)
        .seed(13)
        .build()
        .unwrap();
    let hc = c.fit(x.view(), &y).unwrap();
    let hd = d.fit(x.view(), &y).unwrap();
    assert!(!hc.same_values(&hd));
}

#[test]
fn history_holds_every_value_and_learns() {
    let (x, y) = blobs(300, 2);
    let mut t = classifier(1);
    let h = t.fit(x.view(), &y).unwrap();
    assert_eq!(h.stop_reason(), Some(&StopReason::EpochsDone));
    assert_eq!(h.monitor(), "val_loss");
    let names = h.epochs()[0].names();
    assert_eq!(
        names,
        [
            "loss",
            "val_loss",
            "accuracy",
            "f1",
            "val_accuracy",
            "val_f1",
            "lr",
            "grad_norm",
            "wall_time"
        ]
    );
    // StepLr(step 3, γ 0.5): the rate used in epochs 0-2, 3-5, 6-7.
    assert_eq!(
        h.series("lr").unwrap(),
        [0.01, 0.01, 0.01, 0.005, 0.005, 0.005, 0.0025, 0.0025]
    );
    let loss = h.series("loss").unwrap();
    assert!(loss[7] < loss[0] * 0.7, "{loss:?}");
    assert!(h
        .series("grad_norm")
        .unwrap()
        .iter()
        .all(|g| g.is_finite() && *g > 0.0));
    let val_acc = h.series("val_accuracy").unwrap();
    assert!(val_acc[7] > 0.9, "{val_acc:?}");
    let best = h.best_epoch().unwrap();
    let val_loss = h.series("val_loss").unwrap();
    assert_eq!(h.best_value(), Some(val_loss[best]));
    assert!(val_loss.iter().all(|&v| v >= val_loss[best]));
    // evaluate / predict agree with each other.
    let e = t.evaluate(x.view(), &y).unwrap();
    let classes = t.predict_classes(x.view()).unwrap();
    let acc = classes.iter().zip(&y).filter(|(a, b)| a == b).count() as f64 / y.len() as f64;
    assert_eq!(e.get("accuracy"), Some(acc));
    let p = t.predict_proba(x.view()).unwrap();
    assert_eq!(p.dim(), (300, 3));
    for row in p.axis_iter(Axis(0)) {
        assert!((row.sum() - 1.0).abs() < 1e-5);
    }
}

#[test]
fn huge_learning_rate_stops_with_diverged_and_restores_finite_weights() {
    let (x, y) = blobs(120, 3);
    let yd = Array2::from_shape_fn((120, 1), |(i, _)| y[i] as f32 * 1e3);
    let make = |policy| {
        Trainer::builder()
            .model(
                Mlp::new(&[4, 32, 1])
                    .activation(Activation::Relu)
                    .seed(2)
                    .build::<f32>()
                    .unwrap(),
            )
            .loss(Mse::new())
            .optimizer(Sgd::new(10.0).unwrap().momentum(0.9).unwrap())
            .epochs(50)
            .batch_size(8)
            .on_divergence(policy)
            .build()
            .unwrap()
    };
    let mut t = make(OnDivergence::Stop);
    let h = t.fit(x.view(), &yd).unwrap();
    let Some(StopReason::Diverged { epoch, value, .. }) = h.stop_reason().cloned() else {
        panic!("expected divergence, got {:?}", h.stop_reason());
    };
    assert!(!value.is_finite() || value.abs() > 1e30, "{value}");
    assert_eq!(h.len(), epoch, "no record for the diverged epoch");
    let w = params(t.model());
    assert!(w.iter().all(|v| v.is_finite()));
    // Restored to the weights of the start of the diverged epoch: for epoch 0 that is the init.
    if epoch == 0 {
        let init = params(
            &Mlp::new(&[4, 32, 1])
                .activation(Activation::Relu)
                .seed(2)
                .build::<f32>()
                .unwrap(),
        );
        assert_eq!(bits(&w), bits(&init));
    }
    // The same run as an error.
    let mut t = make(OnDivergence::Error);
    let e = t.fit(x.view(), &yd).unwrap_err();
    assert!(matches!(e, Error::NonFinite { .. }), "{e}");
    assert!(params(t.model()).iter().all(|v| v.is_finite()));
}

fn small() -> (Array2<f64>, Vec<usize>, Trainer<f64>) {
    let x = Array2::from_shape_fn((10, 3), |(i, j)| (i + j) as f64);
    let y = vec![0, 1, 0, 1, 0, 1, 0, 1, 0, 1];
    let t = Trainer::builder()
        .model(Mlp::new(&[3, 4, 2]).build::<f64>().unwrap())
        .loss(CrossEntropy::new())
        .optimizer(Sgd::new(0.1).unwrap())
        .epochs(2)
        .batch_size(4)
        .build()
        .unwrap();
    (x, y, t)
}

#[test]
fn rows_that_differ_are_a_shape_error() {
    let (x, y, mut t) = small();
    let e = t.fit(x.view(), &y[..9]).unwrap_err();
    assert!(
        matches!(e, Error::Shape { ref expected, .. } if expected.contains("10 rows")),
        "{e}"
    );
}

#[test]
fn non_finite_features_name_row_and_column_unless_opted_out() {
    let (mut x, y, mut t) = small();
    x[[6, 2]] = f64::NAN;
    x[[8, 0]] = f64::INFINITY;
    let e = t.fit(x.view(), &y).unwrap_err();
    match &e {
        Error::NonFinite { detail, .. } => assert!(detail.contains("row 6, column 2"), "{detail}"),
        other => panic!("{other}"),
    }
    // Opting out: training runs and the NaN shows up as divergence.
    let mut t = Trainer::builder()
        .model(Mlp::new(&[3, 4, 2]).build::<f64>().unwrap())
        .loss(CrossEntropy::new())
        .optimizer(Sgd::new(0.1).unwrap())
        .check_finite(false)
        .build()
        .unwrap();
    let h = t.fit(x.view(), &y).unwrap();
    assert!(h.stop_reason().unwrap().is_diverged());
    // Dense targets are checked too.
    let mut t = Trainer::builder()
        .model(Mlp::new(&[3, 1]).build::<f64>().unwrap())
        .loss(Mse::new())
        .optimizer(Sgd::new(0.1).unwrap())
        .build()
        .unwrap();
    let mut yd = Array2::zeros((10, 1));
    yd[[3, 0]] = f64::NEG_INFINITY;
    let e = t.fit(Array2::zeros((10, 3)).view(), &yd).unwrap_err();
    assert!(
        matches!(e, Error::NonFinite { ref detail, .. } if detail.contains("row 3, column 0")),
        "{e}"
    );
}

#[test]
fn empty_data_is_a_shape_error() {
    let (_, _, mut t) = small();
    let e = t
        .fit(Array2::<f64>::zeros((0, 3)).view(), &Vec::<usize>::new())
        .unwrap_err();
    assert!(
        matches!(e, Error::Shape { ref found, .. } if found == "0 rows"),
        "{e}"
    );
}

#[test]
fn batch_larger_than_data_with_drop_last_is_a_config_error() {
    let (x, y, _) = small();
    let mut t = Trainer::builder()
        .model(Mlp::new(&[3, 2]).build::<f64>().unwrap())
        .loss(CrossEntropy::new())
        .optimizer(Sgd::new(0.1).unwrap())
        .batch_size(11)
        .drop_last(true)
        .build()
        .unwrap();
    let e = t.fit(x.view(), &y).unwrap_err();
    assert!(
        matches!(e, Error::Config { ref parameter, .. } if parameter == "Trainer.batch_size"),
        "{e}"
    );
    // Without drop-last the same batch size is fine (one short batch).
    let mut t = Trainer::builder()
        .model(Mlp::new(&[3, 2]).build::<f64>().unwrap())
        .loss(CrossEntropy::new())
        .optimizer(Sgd::new(0.1).unwrap())
        .batch_size(11)
        .epochs(1)
        .build()
        .unwrap();
    assert_eq!(t.fit(x.view(), &y).unwrap().len(), 1);
}

#[test]
fn class_labels_outside_the_output_width_are_a_value_error() {
    let (x, mut y, mut t) = small();
    y[7] = 2;
    let e = t.fit(x.view(), &y).unwrap_err();
    assert!(
        matches!(e, Error::Value { ref found, .. } if found == "class 2 at row 7"),
        "{e}"
    );
}

#[test]
fn wrong_feature_or_target_width_is_a_shape_error() {
    let (_, y, mut t) = small();
    assert!(matches!(
        t.fit(Array2::<f64>::zeros((10, 4)).view(), &y),
        Err(Error::Shape { .. })
    ));
    let mut t = Trainer::builder()
        .model(Mlp::new(&[3, 1]).build::<f64>().unwrap())
        .loss(Mse::new())
        .optimizer(Sgd::new(0.1).unwrap())
        .build()
        .unwrap();
    let e = t
        .fit(Array2::zeros((10, 3)).view(), &Array2::zeros((10, 2)))
        .unwrap_err();
    assert!(matches!(e, Error::Shape { .. }), "{e}");
}

fn config_field<T>(r: Result<T>) -> String {
    match r {
        Err(Error::Config { parameter, .. }) => parameter,
        Err(e) => panic!("expected a config error, got {e}"),
        Ok(_) => panic!("expected a config error, got Ok"),
    }
}

#[test]
fn build_names_the_wrong_field() {
    let base = || {
        Trainer::<f64>::builder()
            .model(Mlp::new(&[3, 2]).build::<f64>().unwrap())
            .loss(CrossEntropy::new())
            .optimizer(Sgd::new(0.1).unwrap())
    };
    assert_eq!(config_field(base().epochs(0).build()), "Trainer.epochs");
    assert_eq!(
        config_field(base().batch_size(0).build()),
        "Trainer.batch_size"
    );
    assert_eq!(
        config_field(base().accumulate_gradients(0).build()),
        "Trainer.accumulate_gradients"
    );
    assert_eq!(
        config_field(base().validation_split(1.0).build()),
        "Trainer.validation_split"
    );
    assert_eq!(
        config_field(base().metric(Metric::R2).build()),
        "Trainer.metrics[0]"
    );
    assert_eq!(
        config_field(
            base()
                .metric(Metric::Accuracy)
                .metric(Metric::Accuracy)
                .build()
        ),
        "Trainer.metrics[1]"
    );
    assert_eq!(
        config_field(base().class_weights(vec![1.0, -1.0]).build()),
        "Trainer.class_weights[1]"
    );
    assert_eq!(
        config_field(base().clip_gradients(GradClip::Norm(f64::NAN)).build()),
        "Trainer.clip_gradients"
    );
    let es = EarlyStoppingConfig::default(); // monitors val_loss, but there is no validation
    assert_eq!(
        config_field(base().early_stopping(es).build()),
        "Trainer.early_stopping.monitor"
    );
    let es = EarlyStoppingConfig {
        monitor: "val_accuracy".into(),
        ..Default::default()
    };
    assert_eq!(
        config_field(base().validation_split(0.2).early_stopping(es).build()),
        "Trainer.early_stopping.monitor"
    );
    let plateau = tuneup::optim::schedule::ReduceLrOnPlateau::new(0.1, Default::default()).unwrap();
    assert_eq!(
        config_field(base().schedule(plateau, ScheduleStep::Batch).build()),
        "Trainer.schedule"
    );
    // Class weights with a loss that cannot take them.
    let mse = Trainer::<f64>::builder()
        .model(Mlp::new(&[3, 2]).build::<f64>().unwrap())
        .loss(Mse::new())
        .optimizer(Sgd::new(0.1).unwrap())
        .class_weights(vec![1.0, 2.0]);
    assert_eq!(config_field(mse.build()), "Trainer.class_weights");
    let no_optimizer = Trainer::<f64>::builder()
        .model(Mlp::new(&[3, 2]).build::<f64>().unwrap())
        .loss(Mse::new());
    assert_eq!(config_field(no_optimizer.build()), "Trainer.optimizer");
}

#[test]
fn class_weights_act_through_cross_entropy() {
    let (x, y, _) = small();
    let make = |w: Option<Vec<f64>>| {
        let mut b = Trainer::builder()
            .model(Mlp::new(&[3, 2]).seed(4).build::<f64>().unwrap())
            .loss(CrossEntropy::new())
            .optimizer(Sgd::new(0.1).unwrap());
        if let Some(w) = w {
            b = b.class_weights(w);
        }
        b.build().unwrap()
    };
    let plain = make(None).evaluate(x.view(), &y).unwrap().loss;
    let same = make(Some(vec![2.0, 2.0]))
        .evaluate(x.view(), &y)
        .unwrap()
        .loss;
    let weighted = make(Some(vec![1.0, 3.0]))
        .evaluate(x.view(), &y)
        .unwrap()
        .loss;
    assert!((plain - same).abs() < 1e-12, "equal weights change nothing");
    assert!((plain - weighted).abs() > 1e-6);
    // The expected weighted mean, by hand.
    let mut t = make(None);
    let logits = t.predict(x.view()).unwrap();
    let (mut num, mut den) = (0.0, 0.0);
    for (i, &c) in y.iter().enumerate() {
        let row = logits.row(i);
        let lse = row.iter().map(|v| v.exp()).sum::<f64>().ln();
        let w = [1.0, 3.0][c];
        num += w * (lse - row[c]);
        den += w;
    }
    assert!((weighted - num / den).abs() < 1e-12);
    let mut wrong = make(Some(vec![1.0, 2.0, 3.0]));
    assert!(matches!(wrong.fit(x.view(), &y), Err(Error::Shape { .. })));
}

#[derive(Clone)]
struct StopAfter(usize);
impl Callback<f32> for StopAfter {
    fn name(&self) -> String {
        "stop-after".into()
    }
    fn on_epoch_end(&mut self, ctx: &mut CallbackContext<'_, f32>) -> Result<()> {
        assert_eq!(ctx.history.len(), ctx.epoch + 1);
        if ctx.completed_epochs >= self.0 {
            ctx.request_stop();
        }
        Ok(())
    }
}

#[test]
fn a_callback_can_stop_training_and_fit_resumes_from_there() {
    let (x, y) = blobs(90, 4);
    let mut t = Trainer::builder()
        .model(Mlp::new(&[4, 8, 3]).seed(3).build::<f32>().unwrap())
        .loss(CrossEntropy::new())
        .optimizer(Sgd::new(0.05).unwrap())
        .epochs(6)
        .callback(StopAfter(2))
        .build()
        .unwrap();
    let h = t.fit(x.view(), &y).unwrap();
    assert_eq!(h.len(), 2);
    assert_eq!(
        h.stop_reason(),
        Some(&StopReason::Callback {
            name: "stop-after".into(),
            epoch: 1
        })
    );
    assert_eq!(t.completed_epochs(), 2);
}

#[test]
fn early_stopping_stops_and_restores_the_best_weights() {
    let (x, y) = blobs(120, 5);
    let mut t = Trainer::builder()
        .model(
            Mlp::new(&[4, 64, 3])
                .activation(Activation::Relu)
                .seed(3)
                .build::<f32>()
                .unwrap(),
        )
        .loss(CrossEntropy::new())
        .optimizer(Sgd::new(0.5).unwrap().momentum(0.9).unwrap())
        .epochs(200)
        .batch_size(8)
        .validation_split(0.3)
        .early_stopping(EarlyStoppingConfig {
            patience: 3,
            restore_best_weights: true,
            ..Default::default()
        })
        .build()
        .unwrap();
    let h = t.fit(x.view(), &y).unwrap();
    let Some(StopReason::EarlyStop { epoch }) = h.stop_reason().cloned() else {
        panic!("expected an early stop, got {:?}", h.stop_reason());
    };
    assert_eq!(h.len(), epoch + 1);
    let best = h.best_epoch().unwrap();
    assert_eq!(epoch, best + 3);
}

#[test]
fn accumulating_two_half_batches_equals_one_full_batch() {
    let x = Array2::from_shape_fn((16, 3), |(i, j)| ((i * 5 + j * 3) % 7) as f64 / 3.0 - 1.0);
    let y = Array2::from_shape_fn((16, 1), |(i, _)| (i % 3) as f64);
    let run = |bs: usize, k: usize| {
        let mut t = Trainer::builder()
            .model(
                Mlp::new(&[3, 5, 1])
                    .activation(Activation::Tanh)
                    .seed(9)
                    .build::<f64>()
                    .unwrap(),
            )
            .loss(Mse::new())
            .optimizer(Sgd::new(0.1).unwrap())
            .epochs(3)
            .batch_size(bs)
            .shuffle(false)
            .accumulate_gradients(k)
            .build()
            .unwrap();
        t.fit(x.view(), &y).unwrap();
        params(t.model())
    };
    let full = run(8, 1);
    let accumulated = run(4, 2);
    for (a, b) in full.iter().zip(&accumulated) {
        assert!((a - b).abs() < 1e-12, "{a} vs {b}");
    }
    assert!(full
        .iter()
        .zip(&run(4, 1))
        .any(|(a, b)| (a - b).abs() > 1e-6));
}

#[test]
fn gradient_clipping_by_norm_bounds_each_step() {
    // One step of plain SGD with lr 1 moves the parameters by the clipped gradient.
    let x = Array2::from_shape_fn((8, 2), |(i, j)| (i + j) as f64);
    let y = Array2::from_elem((8, 1), 100.0);
    let mut t = Trainer::builder()
        .model(Mlp::new(&[2, 1]).seed(1).build::<f64>().unwrap())
        .loss(Mse::new())
        .optimizer(Sgd::new(1.0).unwrap())
        .epochs(1)
        .batch_size(8)
        .clip_gradients(GradClip::Norm(0.5))
        .build()
        .unwrap();
    let before = params(t.model());
    let h = t.fit(x.view(), &y).unwrap();
    let after = params(t.model());
    let moved = before
        .iter()
        .zip(&after)
        .map(|(a, b)| (a - b) * (a - b))
        .sum::<f64>()
        .sqrt();
    assert!(h.epochs()[0].grad_norm > 10.0);
    assert!((moved - 0.5).abs() < 1e-5, "{moved}");
}

#[test]
fn explicit_validation_data_and_regression_metrics() {
    let x = Array2::from_shape_fn((64, 2), |(i, j)| ((i * 3 + j * 5) % 11) as f64 / 5.0 - 1.0);
    let y = x
        .map_axis(Axis(1), |r| 2.0 * r[0] - r[1])
        .insert_axis(Axis(1));
    let xv = x.slice(ndarray::s![..16, ..]).to_owned();
    let yv = y.slice(ndarray::s![..16, ..]).to_owned();
    let mut t = Trainer::builder()
        .model(Mlp::new(&[2, 1]).seed(2).build::<f64>().unwrap())
        .loss(Mse::new())
        .optimizer(Adam::new(0.05).unwrap())
        .epochs(80)
        .batch_size(16)
        .validation_data(xv.clone(), yv.clone())
        .metric(Metric::R2)
        .metric(Metric::Mse)
        .build()
        .unwrap();
    let h = t.fit(x.view(), &y).unwrap();
    let last = h.last().unwrap();
    assert!(last.get("val_r2").unwrap() > 0.99);
    // val_mse equals val_loss without a penalty, and evaluate() gives the same number.
    assert!((last.get("val_mse").unwrap() - last.val_loss.unwrap()).abs() < 1e-12);
    let e = t.evaluate(xv.view(), &yv).unwrap();
    assert!((e.loss - last.val_loss.unwrap()).abs() < 1e-12);
    assert!(matches!(
        t.predict_proba(xv.view()),
        Err(Error::State { .. })
    ));
}

#[test]
fn stratified_validation_split_keeps_class_proportions() {
    // 80 % class 0, 20 % class 1. A model frozen (lr 0) on "always class 0" scores, on any
    // set, the share of class 0 in it: 0.8 exactly on both parts of a stratified split.
    let x = Array2::from_shape_fn((100, 2), |(i, j)| (i * (j + 1)) as f64 / 100.0);
    let y: Vec<usize> = (0..100).map(|i| usize::from(i % 5 == 0)).collect();
    let always_zero =
        Linear::from_weights(Array2::zeros((2, 2)), Some(ndarray::array![10.0, -10.0])).unwrap();
    for seed in [1, 2, 3] {
        let mut t = Trainer::builder()
            .model(Sequential::new().push(always_zero.clone()))
            .loss(CrossEntropy::new())
            .optimizer(Sgd::new(0.0).unwrap())
            .epochs(1)
            .seed(seed)
            .validation_split(0.25)
            .metric(Metric::Accuracy)
            .callback(CheckCounts)
            .build()
            .unwrap();
        let h = t.fit(x.view(), &y).unwrap();
        let r = h.last().unwrap();
        assert_eq!(r.get("val_accuracy"), Some(0.8));
        assert_eq!(r.get("accuracy"), Some(0.8));
    }
}

/// 75 training rows in batches of 32: three batches.
#[derive(Clone)]
struct CheckCounts;
impl Callback<f64> for CheckCounts {
    fn on_train_begin(&mut self, ctx: &mut CallbackContext<'_, f64>) -> Result<()> {
        assert_eq!(ctx.batches, 3);
        Ok(())
    }
}

#[test]
fn predict_and_evaluate_run_in_eval_mode() {
    // With dropout, train-mode outputs change from call to call; eval-mode ones do not, and
    // equal a forward pass in eval mode.
    let (x, y) = blobs(60, 6);
    let mut t = classifier(2);
    t.set_epochs(2).unwrap();
    t.fit(x.view(), &y).unwrap();
    let a = t.predict(x.view()).unwrap();
    let b = t.predict(x.view()).unwrap();
    assert_eq!(a, b);
    let e1 = t.evaluate(x.view(), &y).unwrap();
    let e2 = t.evaluate(x.view(), &y).unwrap();
    assert_eq!(e1, e2);
    let direct = t
        .model_mut()
        .forward(x.view(), Mode::Eval)
        .unwrap()
        .to_owned();
    assert_eq!(a, direct);
}

#[test]
fn a_boxed_model_trains_like_the_concrete_one() {
    let (x, y) = blobs(60, 7);
    let make = || {
        Mlp::new(&[4, 8, 3])
            .activation(Activation::Tanh)
            .seed(4)
            .build::<f32>()
            .unwrap()
    };
    let mut concrete = Trainer::builder()
        .model(make())
        .loss(CrossEntropy::new())
        .optimizer(Adam::new(0.01).unwrap())
        .epochs(3)
        .build()
        .unwrap();
    let boxed: Box<dyn Layer<f32>> = Box::new(make());
    let mut dynamic = Trainer::builder()
        .model(boxed)
        .loss(CrossEntropy::new())
        .optimizer(Adam::new(0.01).unwrap())
        .epochs(3)
        .build()
        .unwrap();
    let h1 = concrete.fit(x.view(), &y).unwrap();
    let h2 = dynamic.fit(x.view(), &y).unwrap();
    assert!(h1.same_values(&h2));
    assert_eq!(
        bits(&params(concrete.model())),
        bits(&params(dynamic.model()))
    );
}

#[test]
fn a_bad_explicit_validation_set_is_refused_at_build() {
    let base = || {
        Trainer::<f64>::builder()
            .model(Mlp::new(&[3, 2]).build::<f64>().unwrap())
            .loss(CrossEntropy::new())
            .optimizer(Sgd::new(0.1).unwrap())
    };
    let wide = base().validation_data(Array2::zeros((4, 5)), vec![0usize, 1, 0, 1]);
    assert_eq!(config_field(wide.build()), "Trainer.validation_data");
    let mut nan = Array2::zeros((4, 3));
    nan[[2, 1]] = f64::NAN;
    let nan = base().validation_data(nan, vec![0usize, 1, 0, 1]);
    assert_eq!(config_field(nan.build()), "Trainer.validation_data");
    let label = base().validation_data(Array2::zeros((4, 3)), vec![0usize, 1, 2, 1]);
    assert_eq!(config_field(label.build()), "Trainer.validation_data");
    let rows = base().validation_data(Array2::zeros((4, 3)), vec![0usize, 1, 1]);
    assert_eq!(config_field(rows.build()), "Trainer.validation_data");
    assert!(base()
        .validation_data(Array2::zeros((4, 3)), vec![0usize, 1, 1, 0])
        .build()
        .is_ok());
}

/// A writer whose bytes the test can read afterwards.
#[derive(Clone, Default)]
struct Shared(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);
impl std::io::Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn progress_lines_and_the_csv_log_follow_the_history() {
    let (x, y) = blobs(60, 8);
    let out = Shared::default();
    let path = std::env::temp_dir().join(format!("tuneup_trainer_csv_{}.csv", std::process::id()));
    let mut t = Trainer::builder()
        .model(Mlp::new(&[4, 6, 3]).seed(1).build::<f32>().unwrap())
        .loss(CrossEntropy::new())
        .optimizer(Adam::new(0.01).unwrap())
        .epochs(4)
        .validation_split(0.2)
        .metric(Metric::Accuracy)
        .callback(tuneup::train::ProgressLogger::to_writer(out.clone()).every(2))
        .callback(tuneup::train::CsvLogger::new(&path))
        .build()
        .unwrap();
    let h = t.fit(x.view(), &y).unwrap();
    let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[0].starts_with("epoch 2/4  loss "), "{}", lines[0]);
    assert!(lines[1].starts_with("epoch 4/4"));
    assert!(lines[1].contains(&format!(
        "val_accuracy {:.4}",
        h.epochs()[3].get("val_accuracy").unwrap()
    )));
    assert_eq!(lines[2], "stopped: all epochs done");
    let csv = std::fs::read_to_string(&path).unwrap();
    let back = tuneup::diagnostics::history::History::from_csv(&csv, "val_loss", true).unwrap();
    let mut expected = h.clone();
    expected.set_stop_reason(StopReason::EpochsDone);
    let mut back = back;
    back.set_stop_reason(StopReason::EpochsDone);
    assert!(back.same_values(&expected));
    let _ = std::fs::remove_file(&path);
}

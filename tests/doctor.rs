//! The training doctor on real training runs: every problem is produced by actually training a
//! model with the crate's primitives (Mlp, losses, Adam / Sgd, forward / backward) and recording
//! real `EpochRecord`s and per-layer health; healthy runs on easy data must give no finding.
//! PSI and the KS statistic are checked against scipy (`tests/fixtures/shift.json`, from
//! `scripts/reference/make_shift_fixtures.py`).

mod common;

use ndarray::{s, Array2, Axis};
use tuneup::data::{
    make_blobs, make_circles, make_moons, make_regression, BlobsConfig, CirclesConfig, MoonsConfig,
    RegressionConfig,
};
use tuneup::diagnostics::doctor::{
    feature_shift, kolmogorov_sf, ks_two_sample, population_stability_index, Diagnosis, Doctor,
    DoctorSettings, HealthLog, LayerHealth, Problem, Severity, TestScore,
};
use tuneup::diagnostics::health::{
    dead_fraction, parameter_norms, saturated_fraction, ParameterSnapshot, SaturationConfig,
    UnitKind,
};
use tuneup::diagnostics::history::{EpochRecord, History, StopReason};
use tuneup::optim::grad_norm;
use tuneup::prelude::*;

// ---------------------------------------------------------------------------------------------
// A small, honest training loop.

/// Training targets: binary labels (one logit, BCE with logits), class labels (cross-entropy)
/// or dense regression targets (MSE).
#[derive(Clone)]
enum Y {
    Binary(Vec<usize>),
    Multi(Vec<usize>),
    Dense(Array2<f64>),
}

impl Y {
    fn rows(&self, a: usize, b: usize) -> Y {
        match self {
            Y::Binary(l) => Y::Binary(l[a..b].to_vec()),
            Y::Multi(l) => Y::Multi(l[a..b].to_vec()),
            Y::Dense(y) => Y::Dense(y.slice(s![a..b, ..]).to_owned()),
        }
    }

    fn labels(&self) -> Option<&[usize]> {
        match self {
            Y::Binary(l) | Y::Multi(l) => Some(l),
            Y::Dense(_) => None,
        }
    }

    /// Loss value and gradient of `out` against these targets.
    /// (A non-finite prediction is an error in the crate's losses; it counts as a NaN loss.)
    fn loss(&self, out: &Array2<f64>, grad: &mut Array2<f64>) -> f64 {
        let r = match self {
            Y::Binary(l) => {
                let t = Array2::from_shape_fn((l.len(), 1), |(i, _)| l[i] as f64);
                BceWithLogits::new().value_and_grad(out.view(), Targets::Dense(t.view()), grad)
            }
            Y::Multi(l) => {
                CrossEntropy::new().value_and_grad(out.view(), Targets::Classes(l), grad)
            }
            Y::Dense(y) => Mse::new().value_and_grad(out.view(), Targets::Dense(y.view()), grad),
        };
        r.unwrap_or(f64::NAN)
    }

    /// Accuracy of `out` (classification only).
    fn accuracy(&self, out: &Array2<f64>) -> Option<f64> {
        let l = self.labels()?;
        let correct = out
            .rows()
            .into_iter()
            .zip(l)
            .filter(|&(ref row, &c)| {
                let pred = if row.len() == 1 {
                    usize::from(row[0] > 0.0)
                } else {
                    row.iter()
                        .enumerate()
                        .fold(
                            (0, f64::NEG_INFINITY),
                            |a, (i, &v)| if v > a.1 { (i, v) } else { a },
                        )
                        .0
                };
                pred == c
            })
            .count();
        Some(correct as f64 / l.len() as f64)
    }
}

struct Run {
    history: History,
    health: HealthLog,
    model: Sequential<f64>,
}

struct Setup {
    model: Sequential<f64>,
    opt: Box<dyn Optimizer<f64>>,
    lr: f64,
    epochs: usize,
    /// Mini-batch size; 0 for full batch.
    batch: usize,
}

fn setup(
    model: Sequential<f64>,
    opt: impl Optimizer<f64> + 'static,
    lr: f64,
    epochs: usize,
) -> Setup {
    Setup {
        model,
        opt: Box::new(opt),
        lr,
        epochs,
        batch: 0,
    }
}

fn eval(model: &mut Sequential<f64>, x: &Array2<f64>) -> Array2<f64> {
    model.predict(x.view()).unwrap()
}

/// Trains `s.model` on (x, y), validating on `val`, and records what a trainer records: per
/// epoch the mean training loss over the batches (before each step), validation loss, training
/// and validation accuracy, learning rate and mean global gradient norm; per layer the gradient
/// and weight norms and update ratio of the epoch's last step, and the dead / saturated fraction
/// of each hidden layer's outputs on the training set at the end of the epoch. Stops with
/// `StopReason::Diverged` at the first non-finite loss.
fn train(mut s: Setup, x: &Array2<f64>, y: &Y, val: Option<(&Array2<f64>, &Y)>) -> Run {
    let monitor = if val.is_some() { "val_loss" } else { "loss" };
    let mut history = History::new(monitor, true);
    let mut health = HealthLog::new();
    let n = x.nrows();
    let batch = if s.batch == 0 { n } else { s.batch };
    let mut grad = Array2::zeros((0, 0));
    let mut stop = StopReason::EpochsDone;
    'epochs: for epoch in 0..s.epochs {
        let (mut loss_sum, mut norm_sum, mut steps) = (0.0, 0.0, 0);
        let mut start = 0;
        while start < n {
            let end = (start + batch).min(n);
            let xb = x.slice(s![start..end, ..]);
            let yb = y.rows(start, end);
            s.model.zero_grad();
            let out = s.model.forward(xb, Mode::Train).unwrap().to_owned();
            let loss = yb.loss(&out, &mut grad);
            if !loss.is_finite() {
                stop = StopReason::Diverged {
                    epoch,
                    batch: steps,
                    value: loss,
                    what: "loss".into(),
                };
                break 'epochs;
            }
            s.model.backward(grad.view()).unwrap();
            let norm = grad_norm(&s.model, 2.0).unwrap();
            let last = end == n;
            let before = ParameterSnapshot::of(&s.model);
            if last {
                for p in parameter_norms(&s.model) {
                    health.push(LayerHealth::new(p.name, epoch, p.grad_norm, p.weight_norm));
                }
            }
            if s.opt.step(&mut s.model).is_err() {
                stop = StopReason::Diverged {
                    epoch,
                    batch: steps,
                    value: norm,
                    what: "gradient norm".into(),
                };
                break 'epochs;
            }
            if last {
                let ratios = before.update_ratios(&s.model).unwrap();
                let k = health.len() - ratios.len();
                let mut records = health.records().to_vec();
                for (r, u) in records[k..].iter_mut().zip(ratios) {
                    *r = r.clone().with_update_ratio(u.ratio);
                }
                health = HealthLog::new();
                records.into_iter().for_each(|r| health.push(r));
            }
            loss_sum += loss * (end - start) as f64;
            norm_sum += norm;
            steps += 1;
            start = end;
        }
        // Activation health of each hidden layer on the training set.
        let kinds: Vec<(UnitKind, usize)> = {
            let mut prefix = 0;
            s.model
                .layers()
                .iter()
                .map(|l| {
                    let p = prefix;
                    prefix += l.torch_modules();
                    (UnitKind::of(l.as_ref()), p)
                })
                .collect()
        };
        let hidden = kinds.len() - 1;
        let mut stats: Vec<(usize, Option<f64>, Option<f64>)> = Vec::new();
        s.model
            .forward_observed(x.view(), Mode::Eval, &mut |i, out| {
                if i >= hidden {
                    return;
                }
                let (kind, _) = kinds[i];
                let dead = (kind == UnitKind::Relu).then(|| dead_fraction(out).unwrap());
                let sat = matches!(kind, UnitKind::Sigmoid | UnitKind::Tanh)
                    .then(|| saturated_fraction(out, kind, &SaturationConfig::default()).unwrap());
                stats.push((i, dead, sat));
            })
            .unwrap();
        let mut records = health.records().to_vec();
        for (i, dead, sat) in stats {
            let name = format!("{}.weight", kinds[i].1);
            if let Some(r) = records
                .iter_mut()
                .find(|r| r.epoch == epoch && r.layer == name)
            {
                r.dead_fraction = dead;
                r.saturated_fraction = sat;
            }
        }
        health = HealthLog::new();
        records.into_iter().for_each(|r| health.push(r));

        let out = eval(&mut s.model, x);
        let mut metrics = vec![];
        if let Some(a) = y.accuracy(&out) {
            metrics.push(("accuracy".to_string(), a));
        }
        let val_loss = val.map(|(vx, vy)| {
            let out = eval(&mut s.model, vx);
            if let Some(a) = vy.accuracy(&out) {
                metrics.push(("val_accuracy".to_string(), a));
            }
            vy.loss(&out, &mut grad)
        });
        history.push(EpochRecord {
            epoch,
            loss: loss_sum / n as f64,
            val_loss,
            metrics,
            lr: s.lr,
            grad_norm: norm_sum / steps as f64,
            wall_time: 0.0,
        });
        if val_loss.is_some_and(|v| !v.is_finite()) {
            stop = StopReason::Diverged {
                epoch,
                batch: 0,
                value: val_loss.unwrap_or(f64::NAN),
                what: "validation loss".into(),
            };
            break;
        }
    }
    history.set_stop_reason(stop);
    Run {
        history,
        health,
        model: s.model,
    }
}

// ---------------------------------------------------------------------------------------------
// Data.

fn moons(n: usize, noise: f64, seed: u64) -> (Array2<f64>, Vec<usize>) {
    let d = make_moons::<f64>(&MoonsConfig {
        n_samples: n,
        noise,
        shuffle: true,
        seed,
    })
    .unwrap();
    (d.features().to_owned(), d.labels().unwrap().to_vec())
}

fn blobs(n: usize, seed: u64) -> (Array2<f64>, Vec<usize>) {
    let (d, _) = make_blobs::<f64>(&BlobsConfig {
        n_samples: n,
        center_box: (-5.0, 5.0),
        seed,
        ..Default::default()
    })
    .unwrap();
    (d.features().to_owned(), d.labels().unwrap().to_vec())
}

fn regression(n: usize, seed: u64) -> (Array2<f64>, Array2<f64>) {
    let (d, _) = make_regression::<f64>(&RegressionConfig {
        n_samples: n,
        n_features: 4,
        n_informative: 4,
        noise: 1.0,
        seed,
        ..Default::default()
    })
    .unwrap();
    let y = d.values().unwrap().to_owned();
    let (m, sd) = (y.mean().unwrap(), y.std(0.0));
    (d.features().to_owned(), y.mapv(|v| (v - m) / sd))
}

fn split<T: Clone>(
    x: &Array2<f64>,
    l: &[T],
    at: usize,
) -> (Array2<f64>, Vec<T>, Array2<f64>, Vec<T>) {
    (
        x.slice(s![..at, ..]).to_owned(),
        l[..at].to_vec(),
        x.slice(s![at.., ..]).to_owned(),
        l[at..].to_vec(),
    )
}

fn show(name: &str, d: &Diagnosis) {
    println!("== {name}\n{d}");
}

fn assert_names(d: &Diagnosis, p: Problem) {
    assert!(d.has(p), "expected {p}, got:\n{d}");
    let f = d.get(p).unwrap();
    assert!(!f.evidence.is_empty() && !f.remedies.is_empty() && !f.summary.is_empty());
}

// ---------------------------------------------------------------------------------------------
// Problems, each from a real run.

#[test]
fn overfitting_big_network_on_40_noisy_points() {
    let (x, l) = moons(40, 0.35, 1);
    let (vx, vl) = moons(300, 0.35, 2);
    let net = Mlp::new(&[2, 128, 128, 1]).seed(3).build().unwrap();
    let run = train(
        setup(net, Adam::new(1e-2).unwrap(), 1e-2, 300),
        &x,
        &Y::Binary(l.clone()),
        Some((&vx, &Y::Binary(vl))),
    );
    let d = Doctor::new(&run.history)
        .health(&run.health)
        .training_data(&x.view())
        .class_labels(&l)
        .examine()
        .unwrap();
    show("overfitting", &d);
    assert_names(&d, Problem::Overfitting);
    let f = d.get(Problem::Overfitting).unwrap();
    let best = f.evidence.iter().find(|e| e.name == "best val_loss epoch");
    assert!(best.is_some_and(|e| e.value < 299.0), "{f}");
}

#[test]
fn underfitting_linear_model_on_circles() {
    let ds = make_circles::<f64>(&CirclesConfig {
        n_samples: 300,
        noise: 0.05,
        factor: 0.5,
        shuffle: true,
        seed: 4,
    })
    .unwrap();
    let (x, l) = (ds.features().to_owned(), ds.labels().unwrap().to_vec());
    let (tx, tl, vx, vl) = split(&x, &l, 200);
    let net = Mlp::new(&[2, 1]).seed(5).build().unwrap();
    let run = train(
        setup(net, Adam::new(5e-2).unwrap(), 5e-2, 60),
        &tx,
        &Y::Binary(tl.clone()),
        Some((&vx, &Y::Binary(vl))),
    );
    let d = Doctor::new(&run.history)
        .training_data(&tx.view())
        .class_labels(&tl)
        .examine()
        .unwrap();
    show("underfitting", &d);
    assert_names(&d, Problem::Underfitting);
    assert!(!d.has(Problem::Overfitting));
}

#[test]
fn divergence_learning_rate_10() {
    let (x, y) = regression(200, 6);
    let net = Mlp::new(&[4, 16, 1]).seed(7).build().unwrap();
    let run = train(
        setup(net, Sgd::new(10.0).unwrap(), 10.0, 30),
        &x,
        &Y::Dense(y.clone()),
        None,
    );
    assert!(
        run.history.stop_reason().unwrap().is_diverged(),
        "{:?}",
        run.history.stop_reason()
    );
    let d = Doctor::new(&run.history)
        .training_data(&x.view())
        .regression_targets(&y.view())
        .examine()
        .unwrap();
    show("divergence", &d);
    assert_names(&d, Problem::Divergence);
    assert_eq!(d.findings[0].severity, Severity::Critical);
}

#[test]
fn oscillation_too_high_learning_rate() {
    // Heavy-ball momentum with too large a step: the weights spiral around the minimum and the
    // loss zig-zags from epoch to epoch (full batch, so no sampling noise).
    let (x, y) = regression(200, 8);
    let net = Mlp::new(&[4, 1]).seed(9).build().unwrap();
    let opt = Sgd::new(0.9).unwrap().momentum(0.9).unwrap();
    let run = train(setup(net, opt, 0.9, 40), &x, &Y::Dense(y.clone()), None);
    let d = Doctor::new(&run.history)
        .training_data(&x.view())
        .regression_targets(&y.view())
        .examine()
        .unwrap();
    show("oscillation", &d);
    assert_names(&d, Problem::Oscillation);
}

#[test]
fn plateau_flat_start() {
    // A deep linear network started near 0 sits on a saddle: the loss stays flat for many
    // epochs before it falls (Saxe et al., 2014).
    let (x, y) = regression(200, 10);
    let net = Mlp::new(&[4, 8, 8, 8, 1])
        .activation(Activation::Identity)
        .init(Init::XavierNormal { gain: 0.2 })
        .seed(11)
        .build()
        .unwrap();
    let run = train(
        setup(net, Sgd::new(0.1).unwrap(), 0.1, 120),
        &x,
        &Y::Dense(y.clone()),
        None,
    );
    let d = Doctor::new(&run.history)
        .training_data(&x.view())
        .regression_targets(&y.view())
        .examine()
        .unwrap();
    show("plateau", &d);
    assert_names(&d, Problem::Plateau);
}

#[test]
fn vanishing_gradients_20_layer_sigmoid() {
    let (x, l) = moons(100, 0.1, 12);
    let mut widths = vec![2];
    widths.extend([16; 19]);
    widths.push(1);
    let net = Mlp::new(&widths)
        .activation(Activation::Sigmoid)
        .seed(13)
        .build()
        .unwrap();
    let run = train(
        setup(net, Sgd::new(0.1).unwrap(), 0.1, 3),
        &x,
        &Y::Binary(l),
        None,
    );
    let d = Doctor::new(&run.history)
        .health(&run.health)
        .examine()
        .unwrap();
    show("vanishing", &d);
    assert_names(&d, Problem::VanishingGradients);
}

#[test]
fn exploding_gradients_large_init_deep_net() {
    let (x, y) = regression(100, 14);
    let net = Mlp::new(&[4, 32, 32, 32, 32, 32, 32, 32, 32, 1])
        .activation(Activation::Identity)
        .init(Init::XavierNormal { gain: 3.0 })
        .seed(15)
        .build()
        .unwrap();
    let run = train(
        setup(net, Sgd::new(1e-3).unwrap(), 1e-3, 2),
        &x,
        &Y::Dense(y),
        None,
    );
    let d = Doctor::new(&run.history)
        .health(&run.health)
        .examine()
        .unwrap();
    show("exploding", &d);
    assert_names(&d, Problem::ExplodingGradients);
}

#[test]
fn dead_units_relu_with_large_negative_bias() {
    let (x, l) = moons(200, 0.1, 16);
    let mut net = Mlp::new(&[2, 32, 32, 1]).seed(17).build::<f64>().unwrap();
    net.visit_parameters_mut(&mut |p| {
        if p.name().ends_with("bias") && !p.name().starts_with('4') {
            p.value_mut().fill(-10.0);
        }
    });
    let run = train(
        setup(net, Adam::new(1e-2).unwrap(), 1e-2, 10),
        &x,
        &Y::Binary(l),
        None,
    );
    let d = Doctor::new(&run.history)
        .health(&run.health)
        .examine()
        .unwrap();
    show("dead", &d);
    assert_names(&d, Problem::DeadUnits);
    // Both hidden layers are dead, so no weight gets a gradient: the doctor names the first
    // silent weight and the last dead layer that cuts the signal off.
    assert_names(&d, Problem::NoLearningSignal);
    let f = d.get(Problem::NoLearningSignal).unwrap();
    assert_eq!(f.severity, tuneup::diagnostics::doctor::Severity::Critical);
    assert!(
        f.summary.contains("from 0.weight on") && f.summary.contains("2.weight"),
        "{f}"
    );
}

#[test]
fn saturated_units_tanh_with_large_init() {
    let (x, l) = moons(200, 0.1, 18);
    let net = Mlp::new(&[2, 32, 32, 1])
        .activation(Activation::Tanh)
        .init(Init::XavierNormal { gain: 50.0 })
        .seed(19)
        .build()
        .unwrap();
    let run = train(
        setup(net, Adam::new(1e-3).unwrap(), 1e-3, 5),
        &x,
        &Y::Binary(l),
        None,
    );
    let d = Doctor::new(&run.history)
        .health(&run.health)
        .examine()
        .unwrap();
    show("saturated", &d);
    assert_names(&d, Problem::SaturatedUnits);
}

#[test]
fn distribution_shift_on_shifted_test_data() {
    // One draw of three blobs: the first 300 rows train, the other 400 are the test set,
    // moved by 3 along feature 0.
    let (x, l) = blobs(700, 20);
    let (tx, tl, mut test, _) = split(&x, &l, 300);
    test.column_mut(0).mapv_inplace(|v| v + 3.0);
    let net = Mlp::new(&[2, 16, 3]).seed(22).build().unwrap();
    let run = train(
        setup(net, Adam::new(1e-2).unwrap(), 1e-2, 30),
        &tx,
        &Y::Multi(tl.clone()),
        None,
    );
    let d = Doctor::new(&run.history)
        .training_data(&tx.view())
        .class_labels(&tl)
        .test_data(&test.view())
        .examine()
        .unwrap();
    show("shift", &d);
    assert_names(&d, Problem::DistributionShift);
    let f = d.get(Problem::DistributionShift).unwrap();
    assert!(f.evidence.iter().any(|e| e.name == "feature 0 PSI"));
    assert!(!f.evidence.iter().any(|e| e.name == "feature 1 PSI"), "{f}");
    // Domain adaptation is offered (issue #16): CORAL and importance weighting.
    for api in ["Coral::new()", "ImportanceWeighting::new()"] {
        assert!(
            f.remedies.iter().any(|r| r.action.contains(api)),
            "{api}: {f}"
        );
    }
}

#[test]
fn poor_generalisation_test_below_validation() {
    let (x, l) = moons(300, 0.15, 23);
    let (tx, tl, vx, vl) = split(&x, &l, 200);
    let net = Mlp::new(&[2, 32, 1]).seed(24).build().unwrap();
    let mut run = train(
        setup(net, Adam::new(2e-2).unwrap(), 2e-2, 80),
        &tx,
        &Y::Binary(tl),
        Some((&vx, &Y::Binary(vl))),
    );
    // The deployed data drifted: the same moons, moved by 0.6 along y.
    let (mut test, test_l) = moons(200, 0.15, 25);
    test.column_mut(1).mapv_inplace(|v| v + 0.6);
    let out = eval(&mut run.model, &test);
    let acc = Y::Binary(test_l).accuracy(&out).unwrap();
    let d = Doctor::new(&run.history)
        .test_score(TestScore::higher_is_better("accuracy", acc))
        .examine()
        .unwrap();
    show("generalisation", &d);
    assert_names(&d, Problem::PoorGeneralization);
    // The same drop within two standard errors of chance (a tiny test set) is not called.
    let drop = d.get(Problem::PoorGeneralization).unwrap().evidence[0].value - acc;
    for (se, called) in [(drop / 2.5, true), (drop / 1.5, false)] {
        let d = Doctor::new(&run.history)
            .test_score(TestScore::higher_is_better("accuracy", acc).with_standard_error(se))
            .examine()
            .unwrap();
        assert_eq!(d.has(Problem::PoorGeneralization), called, "se {se}");
    }
}

// Data defects: each run trains on the defective data.

fn defect_run(x: &Array2<f64>, l: &[usize]) -> Diagnosis {
    let net = Mlp::new(&[x.ncols(), 16, 1]).seed(26).build().unwrap();
    let run = train(
        setup(net, Adam::new(1e-2).unwrap(), 1e-2, 20),
        x,
        &Y::Binary(l.to_vec()),
        None,
    );
    Doctor::new(&run.history)
        .health(&run.health)
        .training_data(&x.view())
        .class_labels(l)
        .examine()
        .unwrap()
}

#[test]
fn missing_values() {
    let (mut x, l) = moons(200, 0.1, 27);
    for i in (0..200).step_by(9) {
        x[[i, 1]] = f64::NAN;
    }
    let d = defect_run(&x, &l);
    show("missing", &d);
    assert_names(&d, Problem::MissingValues);
    // NaN inputs make the loss NaN: the doctor names the consequence too.
    assert!(d.has(Problem::Divergence));
}

#[test]
fn outliers() {
    let (mut x, l) = moons(200, 0.1, 28);
    x[[3, 0]] = 40.0;
    x[[50, 1]] = -35.0;
    x[[120, 0]] = 60.0;
    let d = defect_run(&x, &l);
    show("outliers", &d);
    assert_names(&d, Problem::Outliers);
    assert_eq!(d.get(Problem::Outliers).unwrap().evidence[0].value, 3.0);
}

#[test]
fn class_imbalance_1_to_20() {
    let (x, l) = moons(600, 0.1, 29);
    let mut keep = Vec::new();
    let mut ones = 0;
    for (i, &c) in l.iter().enumerate() {
        if c == 0 && keep.iter().filter(|&&j: &&usize| l[j] == 0).count() < 200 {
            keep.push(i);
        } else if c == 1 && ones < 10 {
            keep.push(i);
            ones += 1;
        }
    }
    let x = x.select(Axis(0), &keep);
    let l: Vec<usize> = keep.iter().map(|&i| l[i]).collect();
    let d = defect_run(&x, &l);
    show("imbalance", &d);
    assert_names(&d, Problem::ClassImbalance);
    let f = d.get(Problem::ClassImbalance).unwrap();
    assert_eq!(f.evidence[2].value, 10.0 / 200.0);
}

#[test]
fn duplicate_rows() {
    let (x, l) = moons(150, 0.1, 30);
    let idx: Vec<usize> = (0..150).chain(0..40).collect();
    let x = x.select(Axis(0), &idx);
    let l: Vec<usize> = idx.iter().map(|&i| l[i]).collect();
    let d = defect_run(&x, &l);
    show("duplicates", &d);
    assert_names(&d, Problem::DuplicateRows);
    assert_eq!(
        d.get(Problem::DuplicateRows).unwrap().evidence[0].value,
        40.0
    );
}

#[test]
fn constant_column() {
    let (x, l) = moons(200, 0.1, 31);
    let mut wide = Array2::from_elem((200, 3), 1.0);
    wide.slice_mut(s![.., ..2]).assign(&x);
    let d = defect_run(&wide, &l);
    show("constant", &d);
    assert_names(&d, Problem::ConstantFeatures);
    assert_eq!(
        d.get(Problem::ConstantFeatures).unwrap().evidence[0].value,
        2.0
    );
}

// ---------------------------------------------------------------------------------------------
// Healthy runs: nothing to report.

fn assert_healthy(name: &str, d: &Diagnosis) {
    show(name, d);
    assert!(d.is_healthy(), "false alarm on {name}:\n{d}");
    assert_eq!(d.to_string(), "no problems found\n");
}

fn healthy_classification(
    seed: u64,
    x: Array2<f64>,
    l: Vec<usize>,
    test: (Array2<f64>, Vec<usize>),
    widths: &[usize],
) -> Diagnosis {
    let n = x.nrows() * 3 / 4;
    let (tx, tl, vx, vl) = split(&x, &l, n);
    let y = |l: Vec<usize>| {
        if widths[widths.len() - 1] == 1 {
            Y::Binary(l)
        } else {
            Y::Multi(l)
        }
    };
    let net = Mlp::new(widths).seed(seed).build().unwrap();
    let mut run = train(
        setup(net, Adam::new(1e-2).unwrap(), 1e-2, 60),
        &tx,
        &y(tl.clone()),
        Some((&vx, &y(vl))),
    );
    let out = eval(&mut run.model, &test.0);
    let acc = y(test.1).accuracy(&out).unwrap();
    Doctor::new(&run.history)
        .health(&run.health)
        .training_data(&tx.view())
        .class_labels(&tl)
        .test_data(&test.0.view())
        .test_score(TestScore::higher_is_better("accuracy", acc))
        .examine()
        .unwrap()
}

#[test]
fn healthy_moons_seed_0() {
    let (x, l) = moons(400, 0.1, 100);
    let d = healthy_classification(0, x, l, moons(300, 0.1, 101), &[2, 32, 32, 1]);
    assert_healthy("moons seed 0", &d);
}

#[test]
fn healthy_moons_seed_1_tanh() {
    let (x, l) = moons(400, 0.1, 102);
    let d = healthy_classification(1, x, l, moons(300, 0.1, 103), &[2, 16, 16, 1]);
    assert_healthy("moons seed 1", &d);
}

#[test]
fn healthy_blobs_three_classes() {
    // One shuffled draw, split: a second draw with the same seed repeats rows of the first
    // (the doctor reports such test rows as seen in training).
    let (all, labels) = blobs(900, 104);
    let (x, l, test, tl) = split(&all, &labels, 600);
    let d = healthy_classification(2, x, l, (test, tl), &[2, 16, 3]);
    assert_healthy("blobs", &d);
}

#[test]
fn healthy_linear_regression() {
    let (x, y) = regression(400, 105);
    let (tx, ty) = (
        x.slice(s![..300, ..]).to_owned(),
        y.slice(s![..300, ..]).to_owned(),
    );
    let (vx, vy) = (
        x.slice(s![300.., ..]).to_owned(),
        y.slice(s![300.., ..]).to_owned(),
    );
    let net = Mlp::new(&[4, 1]).seed(3).build().unwrap();
    let run = train(
        setup(net, Adam::new(5e-2).unwrap(), 5e-2, 60),
        &tx,
        &Y::Dense(ty.clone()),
        Some((&vx, &Y::Dense(vy))),
    );
    let d = Doctor::new(&run.history)
        .health(&run.health)
        .training_data(&tx.view())
        .regression_targets(&ty.view())
        .test_data(&vx.view())
        .examine()
        .unwrap();
    assert_healthy("linear regression", &d);
}

#[test]
fn healthy_mlp_regression_minibatch() {
    let (x, y) = regression(400, 106);
    let (tx, ty) = (
        x.slice(s![..300, ..]).to_owned(),
        y.slice(s![..300, ..]).to_owned(),
    );
    let (vx, vy) = (
        x.slice(s![300.., ..]).to_owned(),
        y.slice(s![300.., ..]).to_owned(),
    );
    let net = Mlp::new(&[4, 32, 1]).seed(4).build().unwrap();
    let mut st = setup(net, Adam::new(1e-2).unwrap(), 1e-2, 40);
    st.batch = 50;
    let run = train(st, &tx, &Y::Dense(ty.clone()), Some((&vx, &Y::Dense(vy))));
    let d = Doctor::new(&run.history)
        .health(&run.health)
        .training_data(&tx.view())
        .regression_targets(&ty.view())
        .examine()
        .unwrap();
    assert_healthy("mlp regression", &d);
}

// ---------------------------------------------------------------------------------------------
// Shift statistics against scipy, settings and errors.

#[test]
fn psi_and_ks_match_scipy() {
    let fx = common::load_fixture("shift.json");
    let cases = fx["cases"].as_array().unwrap();
    assert!(cases.len() >= 8);
    for c in cases {
        let name = c["name"].as_str().unwrap();
        let a = common::array1(&c["train"]).to_vec();
        let b = common::array1(&c["test"]).to_vec();
        let bins = c["bins"].as_u64().unwrap() as usize;
        let eps = c["eps"].as_f64().unwrap();
        let psi = population_stability_index(&a, &b, bins, eps).unwrap();
        common::assert_close_slices(
            &[psi],
            &[c["psi"].as_f64().unwrap()],
            1e-12,
            1e-14,
            &format!("{name}: PSI"),
        );
        let ks = ks_two_sample(&a, &b).unwrap();
        assert_eq!(ks.statistic, c["ks_d"].as_f64().unwrap(), "{name}: KS D");
        common::assert_close_slices(
            &[ks.p_value],
            &[c["ks_p_asymp"].as_f64().unwrap()],
            1e-9,
            1e-300,
            &format!("{name}: KS p"),
        );
        // feature_shift gives the same numbers column by column.
        let fa = Array2::from_shape_vec((a.len(), 1), a.clone()).unwrap();
        let fb = Array2::from_shape_vec((b.len(), 1), b.clone()).unwrap();
        let fs = feature_shift(&fa.view(), &fb.view(), bins, eps).unwrap();
        assert_eq!(fs[0].psi, psi);
        assert_eq!(fs[0].ks, ks);
    }
    let k = &fx["kolmogorov"];
    let lambdas = common::array1(&k["lambda"]).to_vec();
    let sf = common::array1(&k["sf"]).to_vec();
    let ours: Vec<f64> = lambdas.iter().map(|&x| kolmogorov_sf(x)).collect();
    common::assert_close_slices(&ours, &sf, 1e-10, 1e-15, "kolmogorov sf");
}

#[test]
fn test_rows_that_repeat_training_rows() {
    // 300 training rows; the test set is 100 new rows and 25 of the training rows (the
    // split of data that was duplicated before splitting): 20% of the test rows were seen.
    let (x, _) = blobs(400, 21);
    let train = x.slice(s![..300, ..]).to_owned();
    let leaky = ndarray::concatenate(
        Axis(0),
        &[x.slice(s![300.., ..]), x.slice(s![100..125, ..])],
    )
    .unwrap();
    let h = History::new("loss", true);
    let seen = tuneup::data::overlapping_rows(&train.view(), &leaky.view()).unwrap();
    assert_eq!(seen, (100..125).collect::<Vec<_>>());
    let d = Doctor::new(&h)
        .training_data(&train.view())
        .test_data(&leaky.view())
        .examine()
        .unwrap();
    show("overlap", &d);
    assert_names(&d, Problem::TrainTestOverlap);
    let f = d.get(Problem::TrainTestOverlap).unwrap();
    assert_eq!(f.severity, Severity::Warning);
    assert_eq!(f.evidence[0].value, 25.0);
    assert_eq!(f.evidence[1].value, 0.2);
    assert!(f.remedies[0].action.contains("drop_duplicate_rows"), "{f}");
    // The honest split: nothing shared, nothing reported.
    let clean = x.slice(s![300.., ..]).to_owned();
    let d = Doctor::new(&h)
        .training_data(&train.view())
        .test_data(&clean.view())
        .examine()
        .unwrap();
    assert!(!d.has(Problem::TrainTestOverlap), "{d}");
    // One shared row in 101 is below the 5% default: clean data repeats a row by chance.
    let one =
        ndarray::concatenate(Axis(0), &[x.slice(s![300.., ..]), x.slice(s![..1, ..])]).unwrap();
    let d = Doctor::new(&h)
        .training_data(&train.view())
        .test_data(&one.view())
        .examine()
        .unwrap();
    assert!(!d.has(Problem::TrainTestOverlap), "{d}");
    // Other column counts: a shape error naming both.
    let err = tuneup::data::overlapping_rows(&train.view(), &train.slice(s![.., ..1])).unwrap_err();
    assert!(matches!(err, Error::Shape { .. }), "{err}");
    assert!(
        err.to_string().contains("2 columns") && err.to_string().contains("1 columns"),
        "{err}"
    );
}

#[test]
fn a_class_that_appears_only_in_the_test_data() {
    let h = History::new("loss", true);
    let train: Vec<usize> = (0..90).map(|i| i % 3).collect();
    // A split that left class 3 out of training: 4 of 20 test rows.
    let test: Vec<usize> = (0..20)
        .map(|i| if i % 5 == 0 { 3 } else { i % 3 })
        .collect();
    let d = Doctor::new(&h)
        .class_labels(&train)
        .test_labels(&test)
        .examine()
        .unwrap();
    show("unseen class", &d);
    assert_names(&d, Problem::UnseenTestClass);
    let f = d.get(Problem::UnseenTestClass).unwrap();
    assert_eq!(f.evidence[0].name, "class 3 test rows");
    assert_eq!(f.evidence[0].value, 4.0);
    assert_eq!(f.evidence[1].value, 0.2);
    assert!(f.remedies[0].action.contains("stratified"), "{f}");
    // Every test class seen in training (one missing from the test data is fine).
    let fine: Vec<usize> = (0..20).map(|i| i % 2).collect();
    let d = Doctor::new(&h)
        .class_labels(&train)
        .test_labels(&fine)
        .examine()
        .unwrap();
    assert!(!d.has(Problem::UnseenTestClass), "{d}");
    // Any label value is a class, usize::MAX included (no table as long as the largest).
    let huge = [0, usize::MAX, 0, usize::MAX];
    let d = Doctor::new(&h)
        .class_labels(&huge)
        .test_labels(&[usize::MAX, 7])
        .examine()
        .unwrap();
    let f = d.get(Problem::UnseenTestClass).unwrap();
    assert_eq!(f.evidence[0].name, "class 7 test rows");
    // Test labels need training labels, and one per test row.
    assert!(matches!(
        Doctor::new(&h).test_labels(&test).examine(),
        Err(Error::Value { .. })
    ));
    let x = Array2::<f64>::zeros((90, 2));
    let tx = Array2::<f64>::zeros((19, 2));
    let err = Doctor::new(&h)
        .training_data(&x.view())
        .class_labels(&train)
        .test_data(&tx.view())
        .test_labels(&test)
        .examine()
        .unwrap_err();
    assert!(matches!(err, Error::Shape { .. }), "{err}");
    assert!(
        err.to_string().contains("19 labels, one per test row"),
        "{err}"
    );
}

#[test]
fn diagnose_with_test_passes_a_classifier_s_test_labels() {
    let (x, l) = blobs(300, 23);
    // Class 2 only in the test rows: training keeps classes 0 and 1.
    let keep: Vec<usize> = (0..200).filter(|&i| l[i] != 2).collect();
    let tx = x.select(Axis(0), &keep);
    let tl: Vec<usize> = keep.iter().map(|&i| l[i]).collect();
    let (test, test_l) = (x.slice(s![200.., ..]).to_owned(), l[200..].to_vec());
    let mut t = Trainer::builder()
        .model(Mlp::new(&[2, 8, 3]).seed(1).build::<f64>().unwrap())
        .loss(CrossEntropy::new())
        .optimizer(Adam::new(1e-2).unwrap())
        .epochs(5)
        .build()
        .unwrap();
    t.fit(tx.view(), &tl).unwrap();
    let d = t
        .diagnose_with_test(tx.view(), &tl, test.view(), &test_l)
        .unwrap();
    let f = d.get(Problem::UnseenTestClass).expect("class 2 unseen");
    assert_eq!(f.evidence[0].name, "class 2 test rows");
}

#[test]
fn shift_statistics_reject_bad_input() {
    assert!(matches!(
        ks_two_sample(&[], &[1.0]),
        Err(Error::Value { .. })
    ));
    assert!(matches!(
        ks_two_sample(&[f64::NAN], &[1.0]),
        Err(Error::Value { .. })
    ));
    assert!(matches!(
        ks_two_sample(&[f64::INFINITY], &[1.0]),
        Err(Error::NonFinite { .. })
    ));
    assert!(matches!(
        population_stability_index(&[1.0], &[1.0], 1, 1e-4),
        Err(Error::Config { .. })
    ));
    assert!(matches!(
        population_stability_index(&[1.0], &[1.0], 10, 0.0),
        Err(Error::Config { .. })
    ));
    let a = Array2::<f64>::zeros((3, 2));
    let b = Array2::<f64>::zeros((3, 3));
    assert!(matches!(
        feature_shift(&a.view(), &b.view(), 10, 1e-4),
        Err(Error::Shape { .. })
    ));
}

#[test]
fn doctor_rejects_mismatched_evidence() {
    let h = History::new("loss", true);
    let x = Array2::<f64>::zeros((4, 2));
    let e = Doctor::new(&h)
        .training_data(&x.view())
        .class_labels(&[0, 1, 0])
        .examine();
    assert!(matches!(e, Err(Error::Shape { .. })), "{e:?}");
    let t = Array2::<f64>::zeros((4, 3));
    let e = Doctor::new(&h)
        .training_data(&x.view())
        .test_data(&t.view())
        .examine();
    assert!(matches!(e, Err(Error::Shape { .. })), "{e:?}");
    let e = Doctor::new(&h).test_data(&t.view()).examine();
    assert!(matches!(e, Err(Error::Value { .. })), "{e:?}");
    let e = Doctor::new(&h)
        .test_score(TestScore::higher_is_better("accuracy", 0.5))
        .examine();
    assert!(matches!(e, Err(Error::Value { .. })), "{e:?}");
    let e = Doctor::new(&h).settings(DoctorSettings {
        psi_epsilon: 0.0,
        ..Default::default()
    });
    assert!(matches!(e, Err(Error::Config { .. })));
}

#[test]
fn display_lists_problem_severity_evidence_and_remedies() {
    let (x, y) = regression(100, 40);
    let net = Mlp::new(&[4, 16, 1]).seed(41).build().unwrap();
    let run = train(
        setup(net, Sgd::new(10.0).unwrap(), 10.0, 10),
        &x,
        &Y::Dense(y),
        None,
    );
    let text = Doctor::new(&run.history).examine().unwrap().to_string();
    assert!(text.contains("[critical] divergence"), "{text}");
    assert!(text.contains("evidence: diverged at epoch = "), "{text}");
    assert!(text.contains("remedy:   clip_grad_norm"), "{text}");
    assert!(text.contains("learning rate = 10"), "{text}");
}

#[test]
fn healthy_sweep_over_seeds_raises_nothing() {
    // Eight more healthy runs (moons, blobs alternating; different data and weight seeds):
    // the false-alarm count must be 0.
    let mut alarms = Vec::new();
    for seed in 200..208u64 {
        let d = if seed % 2 == 0 {
            let (x, l) = moons(300, 0.1, seed);
            healthy_classification(seed, x, l, moons(200, 0.1, seed + 1000), &[2, 16, 1])
        } else {
            let (x, l) = blobs(500, seed);
            let (test, tl) = (x.slice(s![300.., ..]).to_owned(), l[300..].to_vec());
            let (x, l) = (x.slice(s![..300, ..]).to_owned(), l[..300].to_vec());
            healthy_classification(seed, x, l, (test, tl), &[2, 8, 3])
        };
        if !d.is_healthy() {
            alarms.push(format!("seed {seed}:\n{d}"));
        }
    }
    assert!(
        alarms.is_empty(),
        "{} false alarms:\n{}",
        alarms.len(),
        alarms.join("\n")
    );
}

// ---------------------------------------------------------------------------------------------
// Rules on hand-written curves (the branches the real runs above do not reach).

fn history(train: &[f64], val: Option<&[f64]>, acc: Option<&[f64]>) -> History {
    let mut h = History::new("loss", true);
    for (e, &l) in train.iter().enumerate() {
        let metrics = acc.map_or(vec![], |a| vec![("accuracy".to_string(), a[e])]);
        h.push(EpochRecord {
            epoch: e,
            loss: l,
            val_loss: val.map(|v| v[e]),
            metrics,
            lr: 0.01,
            grad_norm: 1.0,
            wall_time: 0.0,
        });
    }
    h.set_stop_reason(StopReason::EpochsDone);
    h
}

#[test]
fn overfitting_gap_rule_and_its_absolute_floor() {
    let train = [0.6, 0.4, 0.3, 0.2];
    let h = history(&train, Some(&[0.65, 0.6, 0.6, 0.6]), None);
    let d = Doctor::new(&h).examine().unwrap();
    assert!(d.has(Problem::Overfitting), "{d}");
    // Same ratio, but both losses tiny: no finding.
    let small: Vec<f64> = train.iter().map(|v| v / 100.0).collect();
    let h = history(&small, Some(&[0.0065, 0.006, 0.006, 0.006]), None);
    assert!(Doctor::new(&h).examine().unwrap().is_healthy());
}

#[test]
fn underfitting_by_accuracy_near_the_majority_rate() {
    let labels: Vec<usize> = (0..100).map(|i| usize::from(i >= 70)).collect();
    let h = history(&[1.0, 0.5, 0.3], None, Some(&[0.6, 0.7, 0.72]));
    // Loss is fine against a given baseline, accuracy is not.
    let d = Doctor::new(&h)
        .class_labels(&labels)
        .baseline_loss(2.0)
        .examine()
        .unwrap();
    let f = d.get(Problem::Underfitting).expect("underfitting");
    assert_eq!(f.evidence[1].value, 0.7);
    let h = history(&[1.0, 0.5, 0.3], None, Some(&[0.6, 0.8, 0.9]));
    let d = Doctor::new(&h)
        .class_labels(&labels)
        .baseline_loss(2.0)
        .examine()
        .unwrap();
    assert!(d.is_healthy(), "{d}");
    // A 97% majority: 99% accuracy is two thirds of the headroom (no finding, where a fixed
    // 5-point margin could never be met); 97.5% is not enough.
    let rare: Vec<usize> = (0..200).map(|i| usize::from(i % 100 < 3)).collect();
    for (best, underfit) in [(0.99, false), (0.975, true)] {
        let h = history(&[1.0, 0.5, 0.3], None, Some(&[0.9, 0.97, best]));
        let d = Doctor::new(&h)
            .class_labels(&rare)
            .baseline_loss(2.0)
            .examine()
            .unwrap();
        assert_eq!(d.has(Problem::Underfitting), underfit, "{best}: {d}");
    }
}

#[test]
fn a_plateau_that_never_ends_is_reported_as_underfitting_only() {
    let flat = vec![0.69; 30];
    let d = Doctor::new(&history(&flat, None, None))
        .baseline_loss(0.693)
        .examine()
        .unwrap();
    assert_eq!(d.problems(), vec![Problem::Underfitting]);
    // Flat at 60 % of the constant loss (a poor local minimum, not underfitting by the 0.8
    // rule): a plateau warning.
    let stuck = vec![0.42; 30];
    let d = Doctor::new(&history(&stuck, None, None))
        .baseline_loss(0.693)
        .examine()
        .unwrap();
    assert_eq!(d.problems(), vec![Problem::Plateau]);
    assert_eq!(d.findings[0].severity, Severity::Warning);
}

#[test]
fn settings_change_what_is_found() {
    let zigzag: Vec<f64> = (0..12)
        .map(|i| if i % 2 == 0 { 1.0 } else { 0.9 })
        .collect();
    let h = history(&zigzag, None, None);
    assert!(Doctor::new(&h).examine().unwrap().has(Problem::Oscillation));
    let lenient = DoctorSettings {
        oscillation_amplitude: 0.5,
        ..Default::default()
    };
    let d = Doctor::new(&h)
        .settings(lenient)
        .unwrap()
        .examine()
        .unwrap();
    assert!(!d.has(Problem::Oscillation), "{d}");
}

/// A run that early stopping already ended is reported as info, without early stopping among
/// the remedies; the same curve without the early stop stays a warning.
#[test]
fn early_stopped_overfitting_is_info_and_does_not_prescribe_early_stopping() {
    use tuneup::diagnostics::doctor::{Doctor, Problem, Severity};
    use tuneup::diagnostics::history::{EpochRecord, History, StopReason};
    let mut h = History::new("val_loss", true);
    for e in 0..30 {
        let loss = 1.0 / (1.0 + e as f64);
        let val = if e <= 10 {
            0.8 - 0.04 * e as f64
        } else {
            0.4 + 0.03 * (e - 10) as f64
        };
        h.push(EpochRecord {
            epoch: e,
            loss,
            val_loss: Some(val),
            metrics: vec![],
            lr: 1e-3,
            grad_norm: 1.0,
            wall_time: 0.0,
        });
    }
    let plain = Doctor::new(&h).examine().unwrap();
    let f = &plain.findings[0];
    assert_eq!(
        (f.problem, f.severity),
        (Problem::Overfitting, Severity::Warning)
    );
    assert!(f.remedies[0].action.starts_with("EarlyStopping"));

    h.set_stop_reason(StopReason::EarlyStop { epoch: 29 });
    let stopped = Doctor::new(&h).examine().unwrap();
    let f = &stopped.findings[0];
    assert_eq!(
        (f.problem, f.severity),
        (Problem::Overfitting, Severity::Info)
    );
    assert!(f
        .remedies
        .iter()
        .all(|r| !r.action.starts_with("EarlyStopping")));
    assert!(f.evidence.iter().any(|e| e.name == "early stop epoch"));
}

#[test]
fn oscillation_needs_a_change_above_the_floor() {
    // The same zig-zag (±20% of its level) near 0.5 and near 1e-7, after a smooth descent
    // from 1 to that level.
    let zigzag = |level: f64| -> Vec<f64> {
        (0..10)
            .map(|i| level.powf(i as f64 / 9.0))
            .chain((0..12).map(|i| level * if i % 2 == 0 { 1.2 } else { 0.8 }))
            .collect()
    };
    let loud = Doctor::new(&history(&zigzag(0.5), None, None))
        .examine()
        .unwrap();
    assert!(loud.has(Problem::Oscillation), "{loud}");
    let rounding = Doctor::new(&history(&zigzag(1e-7), None, None))
        .examine()
        .unwrap();
    assert!(!rounding.has(Problem::Oscillation), "{rounding}");
}

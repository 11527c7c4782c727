//! Health statistics (src/diagnostics/health.rs) on real layers and networks.

use ndarray::{array, Array2};
use tuneup::diagnostics::health::{
    activation_stats, dead_fraction, l2_norm, parameter_norms, saturated_fraction, update_ratio,
    ParameterSnapshot, SaturationConfig, UnitKind,
};
use tuneup::prelude::*;

/// Gradient and weight norms of a Linear layer after one backward pass, against the
/// closed form: dL/dW = gᵀx and dL/db = Σ rows of g for L = Σ g ⊙ y.
#[test]
fn parameter_norms_match_closed_form_gradients() {
    let w = array![[1.0, -2.0, 0.5], [0.0, 3.0, -1.0]];
    let b = array![0.25, -0.75];
    let mut lin = Linear::from_weights(w.clone(), Some(b.clone())).unwrap();
    let x = array![
        [1.0, 2.0, 3.0],
        [-1.0, 0.5, 2.0],
        [0.0, 1.0, -1.0],
        [2.0, 0.0, 1.0]
    ];
    let g = array![[1.0, -1.0], [0.5, 2.0], [-1.5, 0.0], [1.0, 1.0]];
    lin.forward(x.view(), Mode::Train).unwrap();
    lin.zero_grad();
    lin.backward(g.view()).unwrap();
    let norms = parameter_norms(&lin);
    assert_eq!(norms.len(), 2);
    let gw = g.t().dot(&x);
    let gb = g.sum_axis(ndarray::Axis(0));
    let fro = |a: &[f64]| a.iter().map(|v| v * v).sum::<f64>().sqrt();
    assert_eq!(norms[0].name, "weight");
    assert!((norms[0].weight_norm - fro(w.as_slice().unwrap())).abs() < 1e-12);
    assert!((norms[0].grad_norm - fro(gw.as_slice().unwrap())).abs() < 1e-12);
    assert_eq!(norms[1].name, "bias");
    assert!((norms[1].weight_norm - fro(b.as_slice().unwrap())).abs() < 1e-12);
    assert!((norms[1].grad_norm - fro(gb.as_slice().unwrap())).abs() < 1e-12);
    assert_eq!(norms[0].len, 6);
    assert!(!norms[0].frozen);
}

/// For plain SGD the update is −lr·g, so ‖Δθ‖ = lr·‖g‖ for every parameter.
#[test]
fn update_ratio_of_an_sgd_step_is_lr_times_grad_over_weight() {
    let mut net = Mlp::new(&[5, 7, 3])
        .activation(Activation::Tanh)
        .seed(4)
        .build::<f64>()
        .unwrap();
    let x = Array2::from_shape_fn((6, 5), |(i, j)| ((i * 5 + j) as f64 * 0.37).sin());
    let y = Array2::from_shape_fn((6, 3), |(i, j)| ((i + 2 * j) as f64 * 0.71).cos());
    let mut grad = Array2::zeros((0, 0));
    net.zero_grad();
    let out = net.forward(x.view(), Mode::Train).unwrap();
    Mse::new()
        .value_and_grad(out, (&y).into(), &mut grad)
        .unwrap();
    net.backward_parameters(grad.view()).unwrap();
    let norms = parameter_norms(&net);
    let mut snap = ParameterSnapshot::new();
    snap.capture(&net);
    let lr = 0.05;
    Sgd::new(lr).unwrap().step(&mut net).unwrap();
    let ratios = snap.update_ratios(&net).unwrap();
    assert_eq!(ratios.len(), 4);
    for (n, r) in norms.iter().zip(&ratios) {
        assert_eq!(n.name, r.name);
        assert!(n.grad_norm > 0.0);
        assert!((r.update_norm - lr * n.grad_norm).abs() < 1e-12 * (1.0 + n.grad_norm));
        assert!((r.weight_norm - n.weight_norm).abs() < 1e-15);
        if r.weight_norm > 0.0 {
            assert!((r.ratio - r.update_norm / r.weight_norm).abs() < 1e-15);
        } else {
            assert!(r.ratio.is_infinite());
        }
    }
    // The free function agrees with the snapshot.
    let mut after = Vec::new();
    net.visit_parameters(&mut |p| after.push(p.value_slice().to_vec()));
    let r0 = update_ratio(snap.get("0.weight").unwrap(), &after[0]).unwrap();
    assert_eq!(r0, ratios[0].ratio);
}

#[test]
fn snapshot_of_another_model_is_a_shape_error() {
    let a = Mlp::new(&[3, 4, 2]).build::<f32>().unwrap();
    let b = Mlp::new(&[3, 5, 2]).build::<f32>().unwrap();
    let c = Mlp::new(&[3, 4, 2, 2]).build::<f32>().unwrap();
    let snap = ParameterSnapshot::of(&a);
    assert!(matches!(
        snap.update_ratios(&b),
        Err(tuneup::Error::Shape { .. })
    ));
    assert!(matches!(
        snap.update_ratios(&c),
        Err(tuneup::Error::Shape { .. })
    ));
    let small = Mlp::new(&[3, 2]).build::<f32>().unwrap();
    assert!(matches!(
        snap.update_ratios(&small),
        Err(tuneup::Error::Shape { .. })
    ));
    assert!(matches!(
        update_ratio(&[1.0f32, 2.0], &[1.0]),
        Err(tuneup::Error::Shape { .. })
    ));
}

#[test]
fn snapshot_capture_reuses_and_resizes() {
    let big = Mlp::new(&[3, 4, 4, 2]).build::<f64>().unwrap();
    let small = Linear::<f64>::new(2, 1, 0).unwrap();
    let mut snap = ParameterSnapshot::of(&big);
    assert_eq!(snap.len(), 6);
    snap.capture(&small);
    assert_eq!(snap.len(), 2);
    assert_eq!(snap.names().collect::<Vec<_>>(), ["weight", "bias"]);
    assert!(snap.get("2.weight").is_none());
    let r = snap.update_ratios(&small).unwrap();
    assert!(r.iter().all(|r| r.update_norm == 0.0 && r.ratio == 0.0));
}

/// A ReLU unit whose bias is very negative never fires: exactly one dead unit out of 8.
#[test]
fn dead_relu_units_are_counted_through_forward_observed() {
    let mut net = Mlp::new(&[4, 8, 2])
        .activation(Activation::Relu)
        .seed(11)
        .build::<f64>()
        .unwrap();
    net.visit_parameters_mut(&mut |p| {
        if p.name() == "0.bias" {
            p.value_mut().fill(0.1);
            p.value_mut()[3] = -1e3;
        }
    });
    let x = Array2::from_shape_fn((32, 4), |(i, j)| ((i * 4 + j) as f64 * 0.61).sin());
    let kinds: Vec<UnitKind> = net
        .layers()
        .iter()
        .map(|l| UnitKind::of(l.as_ref()))
        .collect();
    assert_eq!(kinds, [UnitKind::Relu, UnitKind::Other]);
    let mut seen = Vec::new();
    net.forward_observed(x.view(), Mode::Eval, &mut |i, out| {
        seen.push((
            i,
            activation_stats(out, kinds[i], &SaturationConfig::default()).unwrap(),
        ))
    })
    .unwrap();
    assert_eq!(seen[0].1.dead_fraction, Some(1.0 / 8.0));
    assert_eq!(seen[0].1.saturated_fraction, None);
    assert_eq!((seen[0].1.units, seen[0].1.rows), (8, 32));
    assert_eq!(seen[1].1.dead_fraction, None);
    assert_eq!(seen[1].1.saturated_fraction, None);
}

/// Sigmoid and tanh units with huge weights saturate; with small weights they do not.
#[test]
fn saturation_of_sigmoid_and_tanh_networks() {
    let x = Array2::from_shape_fn((64, 3), |(i, j)| {
        let v = ((i * 3 + j) as f64 * 0.83).sin();
        // Keep every input away from 0 so that a large weight saturates for every row.
        v.signum() * (0.5 + v.abs())
    });
    for act in [Activation::Sigmoid, Activation::Tanh] {
        let kind = UnitKind::from_activation(act);
        for (scale, expected) in [(1e-3, 0.0), (1e3, 1.0)] {
            let mut lin = Linear::<f64>::from_weights(
                Array2::from_shape_fn((5, 3), |(i, j)| if i == j { scale } else { 0.0 }),
                None,
            )
            .unwrap()
            .with_activation(act)
            .unwrap();
            // Rows 3 and 4 of the weight are zero: output σ(0) = 0.5 / tanh(0) = 0, never
            // saturated. Units 0..3 use input j = unit.
            let out = lin.forward(x.view(), Mode::Eval).unwrap().to_owned();
            let f = saturated_fraction(out.view(), kind, &SaturationConfig::default()).unwrap();
            assert_eq!(f, expected * 3.0 / 5.0, "{act:?} scale {scale}");
        }
    }
}

/// The batch-fraction threshold is inclusive: 19 of 20 rows meets 0.95, 18 does not.
#[test]
fn saturation_batch_fraction_is_inclusive() {
    let mut out = Array2::from_elem((20, 2), 0.999f64);
    out[[0, 0]] = 0.5;
    out[[0, 1]] = 0.5;
    out[[1, 1]] = 0.5;
    let c = SaturationConfig::default();
    assert_eq!(
        saturated_fraction(out.view(), UnitKind::Sigmoid, &c).unwrap(),
        0.5
    );
    let loose = SaturationConfig {
        batch_fraction: 0.9,
        ..c
    };
    assert_eq!(
        saturated_fraction(out.view(), UnitKind::Sigmoid, &loose).unwrap(),
        1.0
    );
    // Tanh: near −1 and near +1 both count; 0.98 is not within 0.01 of 1.
    let t = array![[-0.995f32, 0.98], [0.999, -0.98]];
    assert_eq!(
        saturated_fraction(t.view(), UnitKind::Tanh, &c).unwrap(),
        0.5
    );
    let wide = SaturationConfig {
        delta: 0.05,
        batch_fraction: 1.0,
    };
    assert_eq!(
        saturated_fraction(t.view(), UnitKind::Tanh, &wide).unwrap(),
        1.0
    );
}

#[test]
fn dead_fraction_edge_cases() {
    // Negative and zero outputs count as not firing; NaN counts as alive.
    let out = array![[-1.0, 0.0, f64::NAN], [0.0, 1e-300, 0.0]];
    assert_eq!(dead_fraction(out.view()).unwrap(), 1.0 / 3.0);
    assert_eq!(
        dead_fraction(Array2::<f32>::zeros((3, 4)).view()).unwrap(),
        1.0
    );
}

#[test]
fn bad_inputs_are_typed_errors() {
    let empty = Array2::<f64>::zeros((0, 3));
    let c = SaturationConfig::default();
    assert!(matches!(
        dead_fraction(empty.view()),
        Err(tuneup::Error::Shape { .. })
    ));
    assert!(matches!(
        saturated_fraction(Array2::<f64>::zeros((2, 0)).view(), UnitKind::Tanh, &c),
        Err(tuneup::Error::Shape { .. })
    ));
    let out = Array2::<f64>::zeros((2, 2));
    assert!(matches!(
        saturated_fraction(out.view(), UnitKind::Relu, &c),
        Err(tuneup::Error::Value { .. })
    ));
    for bad in [
        SaturationConfig {
            delta: 0.0,
            batch_fraction: 0.5,
        },
        SaturationConfig {
            delta: f64::NAN,
            batch_fraction: 0.5,
        },
        SaturationConfig {
            delta: 0.1,
            batch_fraction: 1.5,
        },
    ] {
        assert!(matches!(
            activation_stats(out.view(), UnitKind::Sigmoid, &bad),
            Err(tuneup::Error::Config { .. })
        ));
    }
}

#[test]
fn unit_kinds_from_descriptions() {
    let net = Mlp::new(&[2, 3, 3, 1])
        .activation(Activation::Sigmoid)
        .build::<f32>()
        .unwrap();
    let kinds: Vec<_> = net
        .layers()
        .iter()
        .map(|l| UnitKind::of(l.as_ref()))
        .collect();
    assert_eq!(
        kinds,
        [UnitKind::Sigmoid, UnitKind::Sigmoid, UnitKind::Other]
    );
    for (act, kind) in [
        (Activation::Relu, UnitKind::Relu),
        (Activation::Tanh, UnitKind::Tanh),
        (Activation::Sigmoid, UnitKind::Sigmoid),
        (Activation::LEAKY_RELU, UnitKind::Other),
        (Activation::Gelu, UnitKind::Other),
    ] {
        let layer = ActivationLayer::<f32>::new(act).unwrap();
        assert_eq!(UnitKind::from_description(&layer.describe()), kind);
        assert_eq!(UnitKind::from_activation(act), kind);
    }
    assert_eq!(l2_norm(&[1.0f32; 4]), 2.0);
}

// ---------------------------------------------------------------------------------------------
// The Trainer's health monitor.

use std::sync::{Arc, Mutex};
use tuneup::train::callbacks::HealthMonitor;
use tuneup::train::{Callback, CallbackContext, Trainer};

/// Snapshots the model's parameters at every epoch end.
#[derive(Clone)]
struct Recorder(Arc<Mutex<Vec<ParameterSnapshot<f64>>>>);

impl Callback<f64> for Recorder {
    fn on_epoch_end(&mut self, ctx: &mut CallbackContext<'_, f64>) -> tuneup::Result<()> {
        self.0
            .lock()
            .unwrap()
            .push(ParameterSnapshot::of(ctx.model));
        Ok(())
    }
}

fn load(net: &mut Sequential<f64>, snap: &ParameterSnapshot<f64>) {
    let values: Vec<Vec<f64>> = snap.iter().map(|(_, v)| v.to_vec()).collect();
    let mut i = 0;
    net.visit_parameters_mut(&mut |p| {
        p.value_and_grad_mut().0.copy_from_slice(&values[i]);
        i += 1;
    });
}

fn classification_data() -> (Array2<f64>, Vec<usize>) {
    let x = Array2::from_shape_fn((48, 4), |(i, j)| ((i * 4 + j) as f64 * 0.53).sin());
    let y = (0..48)
        .map(|i| usize::from(x[[i, 0]] + x[[i, 1]] > 0.0) + usize::from(x[[i, 2]] > 0.5))
        .collect();
    (x, y)
}

/// Every number the monitor logs, recomputed independently from the weights at each epoch end:
/// the probe gradient norm, the weight norm, the update ratio of the epoch's (only) step, and
/// the dead fraction of the ReLU layer (one unit killed by a −1000 bias).
#[test]
fn health_monitor_records_match_independent_measurements() {
    let arch = Mlp::new(&[4, 8, 3]).activation(Activation::Relu).seed(5);
    let (x, y) = classification_data();
    let probe_x = x.slice(ndarray::s![..16, ..]).to_owned();
    let probe_y = y[..16].to_vec();
    let mut model = arch.build::<f64>().unwrap();
    model.visit_parameters_mut(&mut |p| {
        if p.name() == "0.bias" {
            p.value_mut()[3] = -1e3;
        }
    });
    let initial = ParameterSnapshot::of(&model);
    let monitor =
        HealthMonitor::new(CrossEntropy::new(), probe_x.clone(), probe_y.clone()).unwrap();
    let log = monitor.shared_log();
    let snaps = Arc::new(Mutex::new(Vec::new()));
    let epochs = 4;
    let mut trainer = Trainer::builder()
        .model(model)
        .loss(CrossEntropy::new())
        .optimizer(Sgd::new(0.5).unwrap())
        .epochs(epochs)
        .batch_size(48) // one step per epoch: the last step is the whole epoch's change
        .callback(monitor)
        .callback(Recorder(Arc::clone(&snaps)))
        .build()
        .unwrap();
    trainer.fit(x.view(), &y).unwrap();
    let log = log.lock().unwrap();
    let snaps = snaps.lock().unwrap();
    assert_eq!(log.len(), epochs * 4);
    assert_eq!(log.last_epoch(), Some(epochs - 1));
    let mut net = arch.build::<f64>().unwrap();
    let mut grad = Array2::zeros((0, 0));
    for e in 0..epochs {
        let recs = log.epoch(e);
        let names: Vec<&str> = recs.iter().map(|r| r.layer.as_str()).collect();
        assert_eq!(names, ["0.weight", "0.bias", "2.weight", "2.bias"]);
        load(&mut net, &snaps[e]);
        // Dead fraction on the probe, eval mode.
        let mut dead = None;
        net.forward_observed(probe_x.view(), Mode::Eval, &mut |i, out| {
            if i == 0 {
                dead = Some(dead_fraction(out).unwrap());
            }
        })
        .unwrap();
        assert!(dead.unwrap() >= 1.0 / 8.0);
        assert_eq!(recs[0].dead_fraction, dead);
        assert!(recs[1..].iter().all(|r| r.dead_fraction.is_none()));
        assert!(recs.iter().all(|r| r.saturated_fraction.is_none()));
        // Probe gradient (data term, training mode).
        net.zero_grad();
        let out = net.forward(probe_x.view(), Mode::Train).unwrap();
        CrossEntropy::new()
            .value_and_grad(out, probe_y.as_slice().into(), &mut grad)
            .unwrap();
        net.backward_parameters(grad.view()).unwrap();
        let norms = parameter_norms(&net);
        let before = if e == 0 { &initial } else { &snaps[e - 1] };
        let ratios = before.update_ratios(&net).unwrap();
        for ((r, n), u) in recs.iter().zip(&norms).zip(&ratios) {
            assert!(
                (r.grad_norm - n.grad_norm).abs() <= 1e-12 * (1.0 + n.grad_norm),
                "{} epoch {e}: {} vs {}",
                r.layer,
                r.grad_norm,
                n.grad_norm
            );
            assert!(r.grad_norm > 0.0);
            assert!((r.weight_norm - n.weight_norm).abs() <= 1e-12 * n.weight_norm);
            let ratio = r.update_ratio.unwrap();
            assert!(
                (ratio - u.ratio).abs() <= 1e-12 * u.ratio,
                "{} epoch {e}: {ratio} vs {}",
                r.layer,
                u.ratio
            );
            assert!(ratio > 0.0);
        }
    }
}

/// Saturated sigmoid units are attached to the layer's weight; frozen parameters are skipped.
#[test]
fn health_monitor_saturation_and_frozen_parameters() {
    let arch = Mlp::new(&[4, 6, 3]).activation(Activation::Sigmoid).seed(2);
    let (x, y) = classification_data();
    let mut model = arch.build::<f64>().unwrap();
    // Huge first-layer weights: every hidden sigmoid unit is pinned at 0 or 1 for most rows.
    model.visit_parameters_mut(&mut |p| {
        if p.name() == "0.weight" {
            p.value_mut().mapv_inplace(|w| w * 1e4);
        }
    });
    model.layer_mut(1).unwrap().set_frozen(true);
    let monitor = HealthMonitor::new(CrossEntropy::new(), x.clone(), y.clone())
        .unwrap()
        .saturation(SaturationConfig {
            delta: 0.01,
            batch_fraction: 0.9,
        })
        .unwrap();
    let log = monitor.shared_log();
    let snaps = Arc::new(Mutex::new(Vec::new()));
    let mut trainer = Trainer::builder()
        .model(model)
        .loss(CrossEntropy::new())
        .optimizer(Sgd::new(0.01).unwrap())
        .epochs(2)
        .batch_size(16)
        .callback(monitor)
        .callback(Recorder(Arc::clone(&snaps)))
        .build()
        .unwrap();
    trainer.fit(x.view(), &y).unwrap();
    let log = log.lock().unwrap();
    let snaps = snaps.lock().unwrap();
    assert_eq!(log.len(), 2 * 2, "the frozen output layer is not recorded");
    let mut net = arch.build::<f64>().unwrap();
    load(&mut net, &snaps[1]);
    let mut sat = None;
    let config = SaturationConfig {
        delta: 0.01,
        batch_fraction: 0.9,
    };
    net.forward_observed(x.view(), Mode::Eval, &mut |i, out| {
        if i == 0 {
            sat = Some(saturated_fraction(out, UnitKind::Sigmoid, &config).unwrap());
        }
    })
    .unwrap();
    let recs = log.epoch(1);
    assert_eq!(recs[0].layer, "0.weight");
    assert_eq!(recs[0].saturated_fraction, sat);
    assert!(sat.unwrap() > 0.5, "saturated fraction {sat:?}");
    assert_eq!(recs[1].saturated_fraction, None);
}

#[test]
fn health_monitor_with_a_probe_the_model_cannot_take_fails_before_training() {
    let (x, y) = classification_data();
    // The probe has one column too many for the model.
    let wide = ndarray::concatenate![
        ndarray::Axis(1),
        x,
        x.column(0).insert_axis(ndarray::Axis(1))
    ];
    let monitor = HealthMonitor::new(CrossEntropy::new(), wide, y.clone()).unwrap();
    let log = monitor.shared_log();
    let mut trainer = Trainer::builder()
        .model(Mlp::new(&[4, 8, 3]).build::<f64>().unwrap())
        .loss(CrossEntropy::new())
        .optimizer(Sgd::new(0.1).unwrap())
        .epochs(2)
        .callback(monitor)
        .build()
        .unwrap();
    let before = trainer.model().clone();
    let err = trainer.fit(x.view(), &y).unwrap_err();
    assert!(
        matches!(err, tuneup::Error::Shape { ref context, .. } if context.contains("HealthMonitor probe")),
        "{err}"
    );
    assert!(log.lock().unwrap().is_empty());
    assert!(trainer.history().is_empty());
    let mut a = before;
    let probe = x.slice(ndarray::s![..5, ..]).to_owned();
    assert_eq!(
        a.predict(probe.view()).unwrap(),
        trainer.model_mut().predict(probe.view()).unwrap(),
        "no step was taken"
    );
}

/// Measures the monitor's cost on an MNIST-shaped epoch (60 000 × 784 inputs, 784-256-128-10
/// ReLU network, batch 128, Adam). Not a test of the result (no timing assertion); run with
/// `cargo test --release --test health -- --ignored --nocapture`.
#[test]
#[ignore]
fn health_monitor_overhead_on_an_mnist_shaped_epoch() {
    use std::time::Instant;
    let n = 60_000;
    let x = Array2::from_shape_fn((n, 784), |(i, j)| {
        (((i * 31 + j * 17) % 255) as f32) / 255.0
    });
    let y: Vec<usize> = (0..n).map(|i| (i * 7) % 10).collect();
    let arch = Mlp::new(&[784, 256, 128, 10])
        .activation(Activation::Relu)
        .seed(0);
    let run = |monitor: bool| -> f64 {
        let mut b = Trainer::builder()
            .model(arch.build::<f32>().unwrap())
            .loss(CrossEntropy::new())
            .optimizer(Adam::new(1e-3).unwrap())
            .epochs(1)
            .batch_size(128);
        if monitor {
            let probe = x.slice(ndarray::s![..128, ..]).to_owned();
            b = b.callback(
                HealthMonitor::new(CrossEntropy::new(), probe, y[..128].to_vec()).unwrap(),
            );
        }
        let mut t = b.build().unwrap();
        let t0 = Instant::now();
        t.fit(x.view(), y.as_slice()).unwrap();
        t0.elapsed().as_secs_f64()
    };
    run(false); // warm-up
    let (mut without, mut with) = (Vec::new(), Vec::new());
    for _ in 0..3 {
        without.push(run(false));
        with.push(run(true));
    }
    let min = |v: &[f64]| v.iter().cloned().fold(f64::INFINITY, f64::min);
    let (a, b) = (min(&without), min(&with));
    println!(
        "epoch without monitor {a:.3} s, with {b:.3} s: overhead {:.2}% (runs {without:?} / {with:?})",
        100.0 * (b - a) / a
    );
}

/// The monitor only reads the model: a run with it is bit-identical to a run without it.
#[test]
fn health_monitor_does_not_change_training() {
    let arch = Mlp::new(&[4, 8, 3])
        .activation(Activation::Relu)
        .dropout(0.2)
        .seed(9);
    let (x, y) = classification_data();
    let run = |monitor: bool| {
        let mut b = Trainer::builder()
            .model(arch.build::<f64>().unwrap())
            .loss(CrossEntropy::new())
            .optimizer(Adam::new(0.01).unwrap())
            .epochs(5)
            .batch_size(8)
            .validation_split(0.25)
            .seed(2);
        if monitor {
            b = b.callback(HealthMonitor::new(CrossEntropy::new(), x.clone(), y.clone()).unwrap());
        }
        let mut t = b.build().unwrap();
        let h = t.fit(x.view(), &y).unwrap();
        let mut w = Vec::new();
        t.model()
            .visit_parameters(&mut |p| w.extend_from_slice(p.value_slice()));
        (h, w)
    };
    let (h0, w0) = run(false);
    let (h1, w1) = run(true);
    assert!(h0.same_values(&h1));
    assert_eq!(w0, w1);
}

/// End to end: the doctor reads the monitor's log and names the dead units.
#[test]
fn doctor_finds_dead_units_in_the_monitor_log() {
    use tuneup::diagnostics::doctor::{Doctor, Problem};
    let arch = Mlp::new(&[4, 8, 3]).activation(Activation::Relu).seed(5);
    let (x, y) = classification_data();
    let mut model = arch.build::<f64>().unwrap();
    // Kill five of the eight hidden units.
    model.visit_parameters_mut(&mut |p| {
        if p.name() == "0.bias" {
            for u in 0..5 {
                p.value_mut()[u] = -1e3;
            }
        }
    });
    let monitor = HealthMonitor::new(CrossEntropy::new(), x.clone(), y.clone()).unwrap();
    let log = monitor.shared_log();
    let mut trainer = Trainer::builder()
        .model(model)
        .loss(CrossEntropy::new())
        .optimizer(Sgd::new(0.1).unwrap())
        .epochs(3)
        .batch_size(16)
        .callback(monitor)
        .build()
        .unwrap();
    let history = trainer.fit(x.view(), &y).unwrap();
    let log = log.lock().unwrap().clone();
    assert!(log.epoch(2)[0].dead_fraction.unwrap() >= 5.0 / 8.0);
    let diagnosis = Doctor::new(&history).health(&log).examine().unwrap();
    assert!(diagnosis.has(Problem::DeadUnits), "{diagnosis:?}");
}

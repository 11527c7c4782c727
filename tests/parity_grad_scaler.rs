//! `GradScaler` against `torch.amp.GradScaler`: the scale and growth count after every update
//! on planted overflow patterns (through PyTorch's own `_amp_update_scale_`), a full scaled
//! training run with SGD + momentum and clipping of the unscaled gradients, and the
//! invariants of a skipped step. Fixture: scripts/reference/make_grad_scaler_fixtures.py.

use ndarray::{Array2, ArrayD, IxDyn};
use serde_json::Value;
use tuneup::model::Layer;
use tuneup::parallel::{GradScaler, GradScalerConfig, GradScalerState};
use tuneup::prelude::*;

/// Every parameter value, flattened in visiting order.
fn values<F: Float>(net: &dyn Layer<F>) -> Vec<F> {
    let mut out = Vec::new();
    net.visit_parameters(&mut |p| out.extend_from_slice(p.value_slice()));
    out
}

/// Every gradient, flattened in visiting order.
fn grads<F: Float>(net: &dyn Layer<F>) -> Vec<F> {
    let mut out = Vec::new();
    net.visit_parameters(&mut |p| out.extend_from_slice(p.grad_slice()));
    out
}

fn fixture() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/grad_scaler.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

fn matrix(v: &Value) -> Array2<f32> {
    let rows: Vec<Vec<f64>> = v.as_array().unwrap().iter().map(floats).collect();
    Array2::from_shape_fn((rows.len(), rows[0].len()), |(i, j)| rows[i][j] as f32)
}

/// Plants `found_inf` (or a finite gradient) on a one-weight model and runs unscale + update.
fn drive_update_rule(case: &Value) {
    let config = GradScalerConfig {
        init_scale: case["init_scale"].as_f64().unwrap(),
        growth_factor: case["growth_factor"].as_f64().unwrap(),
        backoff_factor: case["backoff_factor"].as_f64().unwrap(),
        growth_interval: case["growth_interval"].as_u64().unwrap() as u32,
        enabled: true,
    };
    let mut scaler = GradScaler::with_config(config).unwrap();
    let mut net = Linear::<f32>::new(1, 1, 0).unwrap();
    let flags = case["found_inf"].as_array().unwrap();
    let scales = floats(&case["scales"]);
    let trackers = case["growth_trackers"].as_array().unwrap();
    for (i, flag) in flags.iter().enumerate() {
        let g = if flag.as_bool().unwrap() {
            f32::INFINITY
        } else {
            3.0
        };
        net.visit_parameters_mut(&mut |p| p.grad_mut().fill(g));
        assert_eq!(scaler.unscale(&mut net).unwrap(), flag.as_bool().unwrap());
        scaler.update().unwrap();
        let name = case["name"].as_str().unwrap();
        assert_eq!(
            scaler.scale_factor().to_bits(),
            scales[i].to_bits(),
            "{name} step {i}"
        );
        assert_eq!(
            u64::from(scaler.growth_tracker()),
            trackers[i].as_u64().unwrap(),
            "{name} step {i}"
        );
    }
}

#[test]
fn scale_sequences_match_torch_update_rule() {
    let fx = fixture();
    let cases = fx["update_rule"].as_array().unwrap();
    assert_eq!(cases.len(), 4);
    for case in cases {
        drive_update_rule(case);
    }
}

fn run_model(run: &Value) -> Linear<f32> {
    let mut net = Linear::<f32>::new(3, 2, 0).unwrap();
    let w = floats(&run["init"]["weight"]);
    let b = floats(&run["init"]["bias"]);
    net.visit_parameters_mut(&mut |p| {
        let src = if p.name() == "weight" { &w } else { &b };
        let v = ArrayD::from_shape_vec(IxDyn(p.shape()), src.iter().map(|&x| x as f32).collect());
        p.set_value(v.unwrap().view()).unwrap();
    });
    net
}

#[test]
fn scaled_training_run_matches_torch() {
    let fx = fixture();
    let run = &fx["training_run"];
    let (x, y) = (matrix(&run["x"]), matrix(&run["y"]));
    let mut net = run_model(run);
    let mut sgd = Sgd::new(0.1).unwrap().momentum(0.9).unwrap();
    let config = GradScalerConfig {
        init_scale: 1024.0,
        growth_interval: 2,
        ..Default::default()
    };
    let mut scaler = GradScaler::with_config(config).unwrap();
    let mut grad = Array2::zeros((0, 0));
    for (i, step) in run["steps"].as_array().unwrap().iter().enumerate() {
        net.zero_grad();
        let out = net.forward(x.view(), Mode::Train).unwrap();
        let loss = Mse::new()
            .value_and_grad(out, (&y).into(), &mut grad)
            .unwrap();
        assert!(
            (f64::from(loss) - step["loss"].as_f64().unwrap()).abs() < 1e-5,
            "step {i}"
        );
        scaler.scale(grad.view_mut());
        net.backward_parameters(grad.view()).unwrap();
        if let Some(p) = step["planted"].as_str() {
            let v: f32 = p.parse().unwrap();
            net.weight_mut().grad_mut()[[1, 2]] = v;
        }
        let found = scaler.unscale(&mut net).unwrap();
        clip_grad_norm(&mut net, 1.0, 2.0, false).unwrap();
        let stepped = scaler.step(&mut sgd, &mut net).unwrap();
        assert_eq!(stepped, !step["skipped"].as_bool().unwrap(), "step {i}");
        assert_eq!(found, !stepped, "step {i}");
        scaler.update().unwrap();
        assert_eq!(
            scaler.scale_factor(),
            step["scale"].as_f64().unwrap(),
            "step {i}"
        );
        assert_eq!(
            u64::from(scaler.growth_tracker()),
            step["growth_tracker"].as_u64().unwrap()
        );
        for (got, want) in net
            .weight()
            .value_slice()
            .iter()
            .zip(floats(&step["weight"]))
        {
            assert!(
                (f64::from(*got) - want).abs() < 1e-5,
                "step {i}: weight {got} vs {want}"
            );
        }
        for (got, want) in net
            .bias()
            .unwrap()
            .value_slice()
            .iter()
            .zip(floats(&step["bias"]))
        {
            assert!(
                (f64::from(*got) - want).abs() < 1e-5,
                "step {i}: bias {got} vs {want}"
            );
        }
    }
    let sd = &run["state_dict"];
    let torch_state = GradScalerState::from_json(&sd.to_string()).unwrap();
    assert_eq!(scaler.state(), torch_state);
}

#[test]
fn a_skipped_step_changes_no_parameter_and_no_optimizer_state() {
    let mut net = Mlp::new(&[3, 4, 2]).seed(2).build::<f32>().unwrap();
    let mut adam = Adam::new(0.01).unwrap();
    let mut scaler = GradScaler::new();
    net.visit_parameters_mut(&mut |p| p.grad_mut().fill(65536.0));
    assert!(scaler.step(&mut adam, &mut net).unwrap());
    scaler.update().unwrap();
    let params = values(&net);
    let state = adam.state();
    net.visit_parameters_mut(&mut |p| p.grad_mut().fill(1.0));
    net.visit_parameters_mut(&mut |p| {
        if p.name() == "2.bias" {
            p.grad_mut()[[1]] = f32::NAN;
        }
    });
    assert!(!scaler.step(&mut adam, &mut net).unwrap());
    let bits = |v: Vec<f32>| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(values(&net)), bits(params));
    assert!(adam.state().bitwise_eq(&state));
    scaler.update().unwrap();
    assert_eq!(scaler.scale_factor(), 32768.0);
    assert_eq!(scaler.growth_tracker(), 0);
}

#[test]
fn frozen_parameters_are_neither_unscaled_nor_checked() {
    let mut net = Mlp::new(&[2, 1]).build::<f32>().unwrap();
    net.visit_parameters_mut(&mut |p| {
        let bias = p.name() == "0.bias";
        p.grad_mut().fill(if bias { f32::NAN } else { 2.0 });
        p.set_frozen(bias);
    });
    let mut scaler = GradScaler::with_config(GradScalerConfig {
        init_scale: 4.0,
        ..Default::default()
    })
    .unwrap();
    assert!(!scaler.unscale(&mut net).unwrap());
    let g = grads(&net);
    assert_eq!(&g[..2], &[0.5, 0.5]);
    assert!(g[2].is_nan());
}

#[test]
fn calls_out_of_order_are_state_errors_that_change_nothing() {
    let mut net = Mlp::new(&[2, 1]).build::<f32>().unwrap();
    let mut sgd = Sgd::new(0.1).unwrap();
    let mut scaler = GradScaler::new();
    assert!(matches!(scaler.update(), Err(Error::State { .. })));
    net.visit_parameters_mut(&mut |p| p.grad_mut().fill(65536.0));
    scaler.step(&mut sgd, &mut net).unwrap();
    let before = grads(&net);
    assert!(matches!(
        scaler.step(&mut sgd, &mut net),
        Err(Error::State { .. })
    ));
    assert!(matches!(scaler.unscale(&mut net), Err(Error::State { .. })));
    assert_eq!(grads(&net), before);
    scaler.update().unwrap();
    assert_eq!(scaler.growth_tracker(), 1);
}

#[test]
fn a_disabled_scaler_only_steps() {
    let config = GradScalerConfig {
        enabled: false,
        ..Default::default()
    };
    let mut scaler = GradScaler::with_config(config).unwrap();
    let mut g = ndarray::array![[2.0f32]];
    scaler.scale(g.view_mut());
    assert_eq!(g[[0, 0]], 2.0);
    assert_eq!(scaler.scale_factor(), 1.0);
    let mut net = Mlp::new(&[2, 1]).build::<f32>().unwrap();
    net.visit_parameters_mut(&mut |p| p.grad_mut().fill(1.0));
    assert!(scaler.step(&mut Sgd::new(0.1).unwrap(), &mut net).unwrap());
    scaler.update().unwrap();
    assert_eq!(scaler.state().scale, 65536.0);
}

#[test]
fn state_round_trips_and_bad_states_are_refused() {
    let mut a = GradScaler::with_config(GradScalerConfig {
        growth_interval: 5,
        ..Default::default()
    })
    .unwrap();
    let mut net = Mlp::new(&[2, 1]).build::<f64>().unwrap();
    for _ in 0..3 {
        net.visit_parameters_mut(&mut |p| p.grad_mut().fill(1.0));
        a.unscale(&mut net).unwrap();
        a.update().unwrap();
    }
    let state = GradScalerState::from_json(&a.state().to_json()).unwrap();
    let mut b = GradScaler::new();
    b.load_state(&state).unwrap();
    assert_eq!(b.state(), a.state());
    assert_eq!(b.config().growth_interval, 5);
    let before = b.clone();
    let bad = GradScalerState {
        growth_tracker: 5,
        ..state
    };
    assert!(matches!(b.load_state(&bad), Err(Error::Value { .. })));
    let bad = GradScalerState {
        scale: f64::INFINITY,
        ..state
    };
    assert!(b.load_state(&bad).is_err());
    assert_eq!(b, before);
    assert!(GradScalerState::from_json("[1]").is_err());
    assert!(GradScalerState::from_json("not json").is_err());
}

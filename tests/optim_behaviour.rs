//! Behaviour of the optimizers beyond parity with PyTorch: a non-finite gradient changes
//! nothing, bad settings are `Error::Config`, state export / import resumes bit for bit, loading
//! a wrong state says what is wrong, parameter groups and frozen parameters, gradient
//! accumulation equals one large batch, and the step allocates nothing after the first.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use ndarray::{s, Array2};
use tuneup::model::ParamKind;
use tuneup::optim::{
    clip_grad_norm, AdagradConfig, AdamConfig, AdamWConfig, GradientAccumulator, OptimizerState,
    RmsPropConfig, SgdConfig,
};
use tuneup::prelude::*;

// ---------------------------------------------------------------------------------------------
// An allocator that counts this thread's allocations, to check the hot path allocates nothing.

struct CountingAllocator;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

fn count_allocation() {
    let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
}

// SAFETY: every call forwards to the system allocator unchanged; only a counter is added.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        unsafe {
            count_allocation();
            System.alloc(layout)
        }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        unsafe {
            count_allocation();
            System.alloc_zeroed(layout)
        }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        unsafe {
            count_allocation();
            System.realloc(ptr, layout, new_size)
        }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

fn allocations() -> usize {
    ALLOCATIONS.with(Cell::get)
}

// ---------------------------------------------------------------------------------------------
// The model, data and optimizers the tests share.

/// `Linear(3, 5) + tanh, LayerNorm(5), Linear(5, 2)`: parameters 0.*, 2.*, 3.*.
fn model(seed: u64) -> Sequential<f64> {
    Sequential::new()
        .push(
            Linear::new(3, 5, seed)
                .unwrap()
                .with_activation(Activation::Tanh)
                .unwrap(),
        )
        .push(LayerNorm::new(5).unwrap())
        .push(Linear::new(5, 2, seed + 1).unwrap())
}

fn data(rows: usize) -> (Array2<f64>, Array2<f64>) {
    let x = Array2::from_shape_fn((rows, 3), |(i, j)| ((i * 7 + j * 3) as f64 * 0.37).sin());
    let y = Array2::from_shape_fn((rows, 2), |(i, j)| ((i + 2 * j) as f64 * 0.53).cos());
    (x, y)
}

/// Zeroes the gradients and accumulates those of the MSE on (x, y); returns the loss.
fn gradients(net: &mut Sequential<f64>, x: &Array2<f64>, y: &Array2<f64>) -> f64 {
    let mut grad = Array2::zeros((0, 0));
    net.zero_grad();
    let out = net.forward(x.view(), Mode::Train).unwrap();
    let loss = Mse::new().value_and_grad(out, y.into(), &mut grad).unwrap();
    net.backward_parameters(grad.view()).unwrap();
    loss
}

fn values(net: &Sequential<f64>) -> Vec<u64> {
    let mut v = Vec::new();
    net.visit_parameters(&mut |p| v.extend(p.value_slice().iter().map(|x| x.to_bits())));
    v
}

fn copy_weights(from: &Sequential<f64>, to: &mut Sequential<f64>) {
    let mut weights = Vec::new();
    from.visit_parameters(&mut |p| weights.push(p.value().to_owned()));
    let mut i = 0;
    to.visit_parameters_mut(&mut |p| {
        p.set_value(weights[i].view()).unwrap();
        i += 1;
    });
}

fn no_decay() -> ParamGroup {
    ParamGroup::biases_and_norms().weight_decay(0.0)
}

type Factory = fn() -> Box<dyn Optimizer<f64>>;

/// Every optimizer in a few configurations, each building a fresh instance.
fn optimizers() -> Vec<(&'static str, Factory)> {
    vec![
        ("sgd", || Box::new(Sgd::new(0.05).unwrap())),
        ("sgd momentum nesterov wd", || {
            Box::new(
                Sgd::new(0.05)
                    .unwrap()
                    .momentum(0.9)
                    .unwrap()
                    .nesterov(true)
                    .unwrap()
                    .weight_decay(0.01)
                    .unwrap(),
            )
        }),
        ("sgd dampening groups", || {
            Box::new(
                Sgd::with_config(SgdConfig {
                    lr: 0.05,
                    momentum: 0.8,
                    dampening: 0.2,
                    weight_decay: 0.1,
                    ..Default::default()
                })
                .unwrap()
                .group(no_decay())
                .unwrap()
                .group(ParamGroup::name_prefix("3.").lr_factor(0.5))
                .unwrap(),
            )
        }),
        ("adam", || Box::new(Adam::new(0.01).unwrap())),
        ("adam amsgrad wd groups", || {
            Box::new(
                Adam::with_config(AdamConfig {
                    lr: 0.01,
                    amsgrad: true,
                    weight_decay: 0.1,
                    ..Default::default()
                })
                .unwrap()
                .group(no_decay())
                .unwrap(),
            )
        }),
        ("adamw amsgrad", || {
            Box::new(
                AdamW::with_config(AdamWConfig {
                    lr: 0.01,
                    amsgrad: true,
                    weight_decay: 0.2,
                    ..Default::default()
                })
                .unwrap(),
            )
        }),
        ("rmsprop", || Box::new(RmsProp::new(0.01).unwrap())),
        ("rmsprop centered momentum", || {
            Box::new(
                RmsProp::with_config(RmsPropConfig {
                    lr: 0.005,
                    centered: true,
                    momentum: 0.5,
                    weight_decay: 0.01,
                    ..Default::default()
                })
                .unwrap(),
            )
        }),
        ("adagrad", || {
            Box::new(
                Adagrad::with_config(AdagradConfig {
                    lr: 0.05,
                    lr_decay: 0.01,
                    initial_accumulator_value: 0.1,
                    weight_decay: 0.01,
                    ..Default::default()
                })
                .unwrap()
                .group(ParamGroup::name_suffix(".bias").lr_factor(2.0))
                .unwrap(),
            )
        }),
    ]
}

// ---------------------------------------------------------------------------------------------
// Non-finite gradients.

#[test]
fn non_finite_gradient_changes_neither_parameters_nor_state() {
    let (x, y) = data(8);
    for (name, make) in optimizers() {
        for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            let mut net = model(1);
            let mut opt = make();
            for _ in 0..3 {
                gradients(&mut net, &x, &y);
                opt.step(&mut net).unwrap();
            }
            gradients(&mut net, &x, &y);
            // Poison the last parameter, so that an optimizer that checked while updating would
            // already have changed the ones before it.
            let mut seen = 0;
            let total = {
                let mut n = 0;
                net.visit_parameters(&mut |_| n += 1);
                n
            };
            net.visit_parameters_mut(&mut |p| {
                seen += 1;
                if seen == total {
                    p.grad_mut()[[1]] = bad;
                }
            });
            let (params, state) = (values(&net), opt.state());
            let err = opt.step(&mut net).unwrap_err();
            assert!(matches!(err, Error::NonFinite { .. }), "{name}: {err}");
            assert!(
                err.to_string().contains("3.bias"),
                "{name}: the error names the parameter: {err}"
            );
            assert_eq!(
                values(&net),
                params,
                "{name}: parameters changed on a {bad} gradient"
            );
            assert!(
                opt.state().bitwise_eq(&state),
                "{name}: state changed on a {bad} gradient"
            );
        }
    }
}

#[test]
fn non_finite_gradient_on_the_first_step_creates_no_state() {
    let (x, y) = data(8);
    for (name, make) in optimizers() {
        let mut net = model(2);
        let mut opt = make();
        gradients(&mut net, &x, &y);
        net.visit_parameters_mut(&mut |p| {
            if p.name() == "2.weight" {
                p.grad_mut()[[0]] = f64::NAN;
            }
        });
        let params = values(&net);
        assert!(opt.step(&mut net).is_err(), "{name}");
        assert_eq!(values(&net), params, "{name}");
        let state = opt.state();
        assert!(state.is_empty() && state.steps == 0, "{name}: {state:?}");
    }
}

#[test]
fn non_finite_gradient_of_a_frozen_parameter_is_ignored() {
    let (x, y) = data(8);
    for (name, make) in optimizers() {
        let mut net = model(3);
        net.layer_mut(0).unwrap().set_frozen(true);
        let mut opt = make();
        gradients(&mut net, &x, &y);
        net.visit_parameters_mut(&mut |p| {
            if p.name() == "0.weight" {
                p.grad_mut().fill(f64::NAN);
            }
        });
        opt.step(&mut net).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

// ---------------------------------------------------------------------------------------------
// Configuration errors.

fn expect_config<T: std::fmt::Debug>(result: tuneup::Result<T>, parameter: &str) {
    match result {
        Err(Error::Config {
            parameter: p,
            value,
            expected,
        }) => {
            assert_eq!(p, parameter, "value {value}, expected {expected}");
            assert!(!value.is_empty() && !expected.is_empty());
        }
        other => panic!("{parameter}: expected Error::Config, got {other:?}"),
    }
}

#[test]
fn every_bad_setting_is_a_config_error_naming_it() {
    // Learning rates.
    for lr in [-1e-3, f64::NAN, f64::INFINITY] {
        expect_config(Sgd::new(lr), "Sgd.lr");
        expect_config(Adam::new(lr), "Adam.lr");
        expect_config(AdamW::new(lr), "AdamW.lr");
        expect_config(RmsProp::new(lr), "RmsProp.lr");
        expect_config(Adagrad::new(lr), "Adagrad.lr");
    }
    let sgd = || Sgd::new(0.1).unwrap();
    expect_config(sgd().momentum(-0.1), "Sgd.momentum");
    expect_config(sgd().momentum(1.0), "Sgd.momentum");
    expect_config(sgd().dampening(1.5), "Sgd.dampening");
    expect_config(sgd().dampening(-0.5), "Sgd.dampening");
    expect_config(sgd().weight_decay(-1e-4), "Sgd.weight_decay");
    expect_config(sgd().weight_decay(f64::NAN), "Sgd.weight_decay");
    // PyTorch rejects Nesterov without momentum and with dampening.
    expect_config(sgd().nesterov(true), "Sgd.nesterov");
    expect_config(
        Sgd::with_config(SgdConfig {
            momentum: 0.9,
            dampening: 0.1,
            nesterov: true,
            ..Default::default()
        }),
        "Sgd.nesterov",
    );
    expect_config(
        sgd()
            .momentum(0.9)
            .unwrap()
            .nesterov(true)
            .unwrap()
            .dampening(0.1),
        "Sgd.nesterov",
    );

    let adam = || Adam::new(1e-3).unwrap();
    expect_config(adam().betas(1.0, 0.999), "Adam.betas.0");
    expect_config(adam().betas(-0.1, 0.999), "Adam.betas.0");
    expect_config(adam().betas(0.9, 1.0), "Adam.betas.1");
    expect_config(adam().betas(0.9, f64::NAN), "Adam.betas.1");
    expect_config(adam().eps(0.0), "Adam.eps");
    expect_config(adam().eps(-1e-8), "Adam.eps");
    expect_config(adam().weight_decay(-0.01), "Adam.weight_decay");

    let adamw = || AdamW::new(1e-3).unwrap();
    expect_config(adamw().betas(0.9, 1.2), "AdamW.betas.1");
    expect_config(adamw().eps(0.0), "AdamW.eps");
    expect_config(adamw().weight_decay(-0.01), "AdamW.weight_decay");
    expect_config(
        AdamW::with_config(AdamWConfig {
            betas: (1.0, 0.9),
            ..Default::default()
        }),
        "AdamW.betas.0",
    );

    let rms = || RmsProp::new(1e-2).unwrap();
    expect_config(rms().alpha(1.01), "RmsProp.alpha");
    expect_config(rms().alpha(-0.01), "RmsProp.alpha");
    expect_config(rms().eps(0.0), "RmsProp.eps");
    expect_config(rms().momentum(-0.5), "RmsProp.momentum");
    expect_config(rms().weight_decay(-1.0), "RmsProp.weight_decay");

    let ada = || Adagrad::new(1e-2).unwrap();
    expect_config(ada().lr_decay(-0.1), "Adagrad.lr_decay");
    expect_config(
        ada().initial_accumulator_value(-0.1),
        "Adagrad.initial_accumulator_value",
    );
    expect_config(ada().eps(0.0), "Adagrad.eps");
    expect_config(ada().weight_decay(-0.1), "Adagrad.weight_decay");

    // Groups, learning-rate changes, clipping, accumulation.
    expect_config(
        adamw().group(ParamGroup::biases_and_norms().weight_decay(-1.0)),
        "AdamW.groups[0].weight_decay",
    );
    expect_config(
        sgd()
            .group(no_decay())
            .unwrap()
            .group(ParamGroup::name_prefix("0.").lr_factor(f64::NAN)),
        "Sgd.groups[1].lr_factor",
    );
    let mut opt: Box<dyn Optimizer<f64>> = Box::new(adam());
    expect_config(opt.set_learning_rate(-1.0), "Adam.lr");
    assert_eq!(
        opt.learning_rate(),
        1e-3,
        "a rejected learning rate is not applied"
    );
    let mut net = model(0);
    expect_config(
        clip_grad_norm(&mut net, -1.0, 2.0, false),
        "clip_grad_norm.max_norm",
    );
    expect_config(
        clip_grad_norm(&mut net, 1.0, 0.0, false),
        "clip_grad_norm.norm_type",
    );
    expect_config(
        tuneup::optim::clip_grad_value(&mut net, -0.1),
        "clip_grad_value.clip_value",
    );
    expect_config(
        GradientAccumulator::new(0),
        "GradientAccumulator.micro_batches",
    );
}

#[test]
fn defaults_are_pytorch_defaults() {
    let s = SgdConfig::default();
    assert_eq!(
        (
            s.lr,
            s.momentum,
            s.dampening,
            s.weight_decay,
            s.nesterov,
            s.maximize
        ),
        (1e-3, 0.0, 0.0, 0.0, false, false)
    );
    let a = AdamConfig::default();
    assert_eq!(
        (a.lr, a.betas, a.eps, a.weight_decay, a.amsgrad),
        (1e-3, (0.9, 0.999), 1e-8, 0.0, false)
    );
    let w = AdamWConfig::default();
    assert_eq!(
        (w.lr, w.betas, w.eps, w.weight_decay, w.amsgrad),
        (1e-3, (0.9, 0.999), 1e-8, 1e-2, false)
    );
    let r = RmsPropConfig::default();
    assert_eq!(
        (r.lr, r.alpha, r.eps, r.weight_decay, r.momentum, r.centered),
        (1e-2, 0.99, 1e-8, 0.0, 0.0, false)
    );
    let g = AdagradConfig::default();
    assert_eq!(
        (
            g.lr,
            g.lr_decay,
            g.weight_decay,
            g.initial_accumulator_value,
            g.eps
        ),
        (1e-2, 0.0, 0.0, 0.0, 1e-10)
    );
}

#[test]
fn settings_cannot_change_after_the_first_step() {
    let (x, y) = data(4);
    let mut net = model(0);
    let mut adam = Adam::new(1e-2).unwrap();
    gradients(&mut net, &x, &y);
    Optimizer::<f64>::step(&mut adam, &mut net).unwrap();
    assert!(matches!(
        adam.clone().amsgrad(true),
        Err(Error::State { .. })
    ));
    assert!(matches!(
        adam.clone().group(no_decay()),
        Err(Error::State { .. })
    ));
    // The learning rate always can.
    Optimizer::<f64>::set_learning_rate(&mut adam, 0.5).unwrap();
    assert_eq!(adam.learning_rate(), 0.5);
}

// ---------------------------------------------------------------------------------------------
// State export / import.

/// Trains `steps` steps from `start`; layer 0 is frozen while `frozen_until` > step.
fn train(
    net: &mut Sequential<f64>,
    opt: &mut dyn Optimizer<f64>,
    steps: std::ops::Range<usize>,
    frozen_until: usize,
) {
    let (x, y) = data(8);
    for step in steps {
        net.layer_mut(0).unwrap().set_frozen(step < frozen_until);
        if step == 4 {
            let lr = opt.learning_rate();
            opt.set_learning_rate(lr * 0.5).unwrap();
        }
        gradients(net, &x, &y);
        opt.step(net).unwrap();
    }
}

#[test]
fn save_load_and_continue_is_bit_identical_to_an_uninterrupted_run() {
    for (name, make) in optimizers() {
        for frozen_until in [0, 10] {
            let mut straight = model(5);
            let mut opt = make();
            train(&mut straight, opt.as_mut(), 0..20, frozen_until);

            let mut first = model(5);
            let mut opt = make();
            train(&mut first, opt.as_mut(), 0..10, frozen_until);
            let saved = opt.state();
            assert_eq!(saved.steps, 10, "{name}");
            if frozen_until == 10 {
                assert!(
                    !saved.param_steps.contains_key("0.weight"),
                    "{name}: frozen parameters have no state"
                );
            }

            // A fresh process: new model with the saved weights, new optimizer (with a
            // different learning rate, which loading replaces), the saved state.
            let mut resumed = model(99);
            copy_weights(&first, &mut resumed);
            let mut fresh = make();
            fresh.set_learning_rate(123.0).unwrap();
            fresh.load_state(&resumed, &saved).unwrap();
            assert!(
                fresh.state().bitwise_eq(&saved),
                "{name}: load → state round trip"
            );
            assert_eq!(fresh.learning_rate(), saved.learning_rate, "{name}");
            train(&mut resumed, fresh.as_mut(), 10..20, frozen_until);

            assert_eq!(
                values(&resumed),
                values(&straight),
                "{name} (frozen until {frozen_until}): resumed run differs"
            );
            assert!(
                fresh
                    .state()
                    .bitwise_eq(&opt_state_after(make, frozen_until)),
                "{name}: final states differ"
            );
        }
    }
}

fn opt_state_after(make: Factory, frozen_until: usize) -> OptimizerState {
    let mut net = model(5);
    let mut opt = make();
    train(&mut net, opt.as_mut(), 0..20, frozen_until);
    opt.state()
}

#[test]
fn state_is_named_per_parameter_and_buffer_and_created_lazily() {
    let (x, y) = data(4);
    let mut net = model(0);
    net.layer_mut(0).unwrap().set_frozen(true);
    let mut adam = Adam::new(1e-2).unwrap().amsgrad(true).unwrap();
    assert!(adam.state().is_empty());
    gradients(&mut net, &x, &y);
    Optimizer::<f64>::step(&mut adam, &mut net).unwrap();
    let state = adam.state();
    let mut expected = Vec::new();
    for p in ["2.bias", "2.weight", "3.bias", "3.weight"] {
        for b in ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"] {
            expected.push(format!("{p}.{b}"));
        }
    }
    expected.sort();
    assert_eq!(state.tensor_names(), expected);
    assert_eq!(state.tensors["3.weight.exp_avg"].shape(), &[2, 5]);
    assert_eq!(state.param_steps.len(), 4);

    // Unfreezing later starts the layer's own step count at 1.
    net.layer_mut(0).unwrap().set_frozen(false);
    gradients(&mut net, &x, &y);
    Optimizer::<f64>::step(&mut adam, &mut net).unwrap();
    let state = adam.state();
    assert_eq!(
        (
            state.param_steps["0.weight"],
            state.param_steps["3.weight"],
            state.steps
        ),
        (1, 2, 2)
    );

    let names = |s: &OptimizerState| {
        s.tensor_names()
            .iter()
            .map(|n| n.to_string())
            .collect::<Vec<_>>()
    };
    let mut sgd = Sgd::new(0.1).unwrap();
    Optimizer::<f64>::step(&mut sgd, &mut net).unwrap();
    assert!(sgd.state().tensors.is_empty(), "plain SGD keeps no buffer");
    let mut sgd = Sgd::new(0.1).unwrap().momentum(0.9).unwrap();
    Optimizer::<f64>::step(&mut sgd, &mut net).unwrap();
    assert!(names(&sgd.state()).contains(&"3.bias.momentum_buffer".to_string()));
    let mut rms = RmsProp::new(0.1)
        .unwrap()
        .centered(true)
        .unwrap()
        .momentum(0.1)
        .unwrap();
    Optimizer::<f64>::step(&mut rms, &mut net).unwrap();
    for b in ["square_avg", "momentum_buffer", "grad_avg"] {
        assert!(names(&rms.state()).contains(&format!("0.bias.{b}")), "{b}");
    }
    let mut ada = Adagrad::new(0.1).unwrap();
    Optimizer::<f64>::step(&mut ada, &mut net).unwrap();
    assert_eq!(ada.state().tensors.len(), 6);
}

fn trained_adam() -> (Sequential<f64>, Adam) {
    let (x, y) = data(4);
    let mut net = model(0);
    let mut adam = Adam::new(1e-2).unwrap();
    for _ in 0..2 {
        gradients(&mut net, &x, &y);
        Optimizer::<f64>::step(&mut adam, &mut net).unwrap();
    }
    (net, adam)
}

fn load_error(state: &OptimizerState) -> (Error, bool) {
    let (net, _) = trained_adam();
    let (_, mut target) = trained_adam();
    let before = target.state();
    let err = target.load_state(&net, state).unwrap_err();
    (err, target.state().bitwise_eq(&before))
}

#[test]
fn loading_a_wrong_state_says_what_is_wrong_and_changes_nothing() {
    let (_, adam) = trained_adam();
    let good = adam.state();

    let mut missing = good.clone();
    missing.tensors.remove("2.weight.exp_avg_sq");
    let (err, unchanged) = load_error(&missing);
    assert!(matches!(err, Error::Value { .. }) && unchanged, "{err}");
    assert!(
        err.to_string().contains("missing: 2.weight.exp_avg_sq"),
        "{err}"
    );

    let mut extra = good.clone();
    extra.tensors.insert(
        "7.weight.exp_avg".into(),
        ndarray::ArrayD::zeros(ndarray::IxDyn(&[2])),
    );
    extra.tensors.insert(
        "3.bias.momentum_buffer".into(),
        ndarray::ArrayD::zeros(ndarray::IxDyn(&[2])),
    );
    let (err, unchanged) = load_error(&extra);
    assert!(matches!(err, Error::Value { .. }) && unchanged, "{err}");
    let text = err.to_string();
    assert!(
        text.contains("extra")
            && text.contains("7.weight.exp_avg")
            && text.contains("3.bias.momentum_buffer"),
        "{text}"
    );

    let mut mis_sized = good.clone();
    mis_sized.tensors.insert(
        "3.weight.exp_avg".into(),
        ndarray::ArrayD::zeros(ndarray::IxDyn(&[10])),
    );
    let (err, unchanged) = load_error(&mis_sized);
    assert!(matches!(err, Error::Shape { .. }) && unchanged, "{err}");
    assert!(
        err.to_string()
            .contains("3.weight.exp_avg: expected shape [2, 5], found [10]"),
        "{err}"
    );

    let mut no_step = good.clone();
    no_step.param_steps.remove("0.bias");
    let (err, unchanged) = load_error(&no_step);
    assert!(
        err.to_string().contains("step count of 0.bias") && unchanged,
        "{err}"
    );

    let mut wrong_kind = good.clone();
    wrong_kind.optimizer = "SGD".into();
    let (err, unchanged) = load_error(&wrong_kind);
    assert!(matches!(err, Error::Value { .. }) && unchanged, "{err}");

    // An AMSGrad state does not fit plain Adam: its third buffer is extra.
    let (x, y) = data(4);
    let mut net = model(0);
    let mut ams = Adam::new(1e-2).unwrap().amsgrad(true).unwrap();
    gradients(&mut net, &x, &y);
    Optimizer::<f64>::step(&mut ams, &mut net).unwrap();
    let err = Adam::new(1e-2)
        .unwrap()
        .load_state(&net, &ams.state())
        .unwrap_err();
    assert!(err.to_string().contains("max_exp_avg_sq"), "{err}");
    // And the other way round, the third buffer is missing.
    let err = Adam::new(1e-2)
        .unwrap()
        .amsgrad(true)
        .unwrap()
        .load_state(&net, &good)
        .unwrap_err();
    assert!(
        err.to_string().contains("missing: 0.weight.max_exp_avg_sq"),
        "{err}"
    );
}

#[test]
fn one_optimizer_cannot_step_a_different_model() {
    let (x, y) = data(4);
    let (_, mut adam) = trained_adam();
    let mut other = Mlp::new(&[3, 4, 2]).build::<f64>().unwrap();
    let mut grad = Array2::zeros((0, 0));
    let out = other.forward(x.view(), Mode::Train).unwrap();
    Mse::new()
        .value_and_grad(out, (&y).into(), &mut grad)
        .unwrap();
    other.backward_parameters(grad.view()).unwrap();
    let (before, params) = (adam.state(), values(&other));
    let err = Optimizer::<f64>::step(&mut adam, &mut other).unwrap_err();
    assert!(matches!(err, Error::State { .. }), "{err}");
    assert!(adam.state().bitwise_eq(&before));
    assert_eq!(values(&other), params);
}

// ---------------------------------------------------------------------------------------------
// Parameter groups.

#[test]
fn groups_set_weight_decay_and_follow_learning_rate_changes() {
    // Zero gradients: only weight decay moves parameters.
    let mut net = model(0);
    let mut sgd = Sgd::new(0.1)
        .unwrap()
        .weight_decay(0.5)
        .unwrap()
        .group(ParamGroup::biases_and_norms().weight_decay(0.0))
        .unwrap()
        .group(ParamGroup::name_prefix("3.").lr_factor(0.5)) // 3.bias was taken by the first
        .unwrap();
    let mut before = Vec::new();
    net.visit_parameters(&mut |p| {
        before.push((p.name().to_string(), p.kind(), p.value_slice().to_vec()))
    });
    Optimizer::<f64>::step(&mut sgd, &mut net).unwrap();
    Optimizer::<f64>::set_learning_rate(&mut sgd, 0.2).unwrap();
    Optimizer::<f64>::step(&mut sgd, &mut net).unwrap();
    let mut i = 0;
    net.visit_parameters(&mut |p| {
        let (name, kind, old) = &before[i];
        i += 1;
        for (&new, &old) in p.value_slice().iter().zip(old) {
            let expected = match (kind, name.as_str()) {
                (ParamKind::Bias | ParamKind::Norm, _) => old,
                (_, "3.weight") => old * (1.0 - 0.1 * 0.5 * 0.5) * (1.0 - 0.2 * 0.5 * 0.5),
                _ => old * (1.0 - 0.1 * 0.5) * (1.0 - 0.2 * 0.5),
            };
            assert!(
                (new - expected).abs() <= 1e-15 * old.abs().max(1.0),
                "{name}: {new} vs {expected}"
            );
        }
    });
}

#[test]
fn group_selectors() {
    let g = ParamGroup::matching(|name, kind| kind == ParamKind::Weight && name.starts_with('3'));
    assert!(g.selects("3.weight", ParamKind::Weight));
    assert!(!g.selects("0.weight", ParamKind::Weight));
    assert!(ParamGroup::names(&["2.bias"]).selects("2.bias", ParamKind::Norm));
    assert!(!ParamGroup::names(&["2.bias"]).selects("3.bias", ParamKind::Bias));
    assert!(ParamGroup::kinds(&[ParamKind::Norm]).selects("2.weight", ParamKind::Norm));
}

// ---------------------------------------------------------------------------------------------
// Gradient accumulation.

fn grads(net: &Sequential<f64>) -> Vec<f64> {
    let mut v = Vec::new();
    net.visit_parameters(&mut |p| v.extend_from_slice(p.grad_slice()));
    v
}

fn assert_close(a: &[f64], b: &[f64], tol: f64, what: &str) {
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        assert!(
            (x - y).abs() <= tol * y.abs().max(1e-3),
            "{what}[{i}]: {x} vs {y}"
        );
    }
}

#[test]
fn k_micro_batches_then_one_step_equal_one_step_on_the_whole_batch() {
    let (x, y) = data(16);
    for (name, make) in optimizers() {
        for k in [2usize, 4] {
            let rows = 16 / k;
            let mut big = model(7);
            let mut opt_big = make();
            let mut small = model(7);
            let mut opt_small = make();
            let mut acc = GradientAccumulator::new(k).unwrap();
            let mut grad = Array2::zeros((0, 0));
            small.zero_grad();
            for _step in 0..3 {
                gradients(&mut big, &x, &y);
                let full_grads = grads(&big);
                opt_big.step(&mut big).unwrap();
                for m in 0..k {
                    let xs = x.slice(s![m * rows..(m + 1) * rows, ..]);
                    let ys = y.slice(s![m * rows..(m + 1) * rows, ..]).to_owned();
                    let out = small.forward(xs, Mode::Train).unwrap();
                    Mse::new()
                        .value_and_grad(out, (&ys).into(), &mut grad)
                        .unwrap();
                    acc.scale(grad.view_mut());
                    small.backward_parameters(grad.view()).unwrap();
                    if m + 1 == k {
                        assert_close(
                            &grads(&small),
                            &full_grads,
                            1e-12,
                            &format!("{name}, k = {k}: gradient"),
                        );
                    }
                    let stepped = acc.step(opt_small.as_mut(), &mut small).unwrap();
                    assert_eq!(stepped, m + 1 == k);
                }
                assert!(
                    grads(&small).iter().all(|&g| g == 0.0),
                    "the step zeroes the gradients"
                );
                let (a, b) = (flat(&small), flat(&big));
                assert_close(&a, &b, 1e-12, &format!("{name}, k = {k}: parameters"));
            }
        }
    }
}

fn flat(net: &Sequential<f64>) -> Vec<f64> {
    let mut v = Vec::new();
    net.visit_parameters(&mut |p| v.extend_from_slice(p.value_slice()));
    v
}

#[test]
fn finish_steps_on_the_mean_of_an_incomplete_group() {
    let (x, y) = data(12);
    let mut big = model(8);
    let mut small = model(8);
    let (mut a, mut b) = (Adam::new(0.01).unwrap(), Adam::new(0.01).unwrap());
    gradients(&mut big, &x, &y);
    Optimizer::<f64>::step(&mut a, &mut big).unwrap();
    let mut acc = GradientAccumulator::new(4).unwrap();
    let mut grad = Array2::zeros((0, 0));
    small.zero_grad();
    for m in 0..3 {
        let xs = x.slice(s![m * 4..(m + 1) * 4, ..]);
        let ys = y.slice(s![m * 4..(m + 1) * 4, ..]).to_owned();
        let out = small.forward(xs, Mode::Train).unwrap();
        Mse::new()
            .value_and_grad(out, (&ys).into(), &mut grad)
            .unwrap();
        acc.scale(grad.view_mut());
        small.backward_parameters(grad.view()).unwrap();
        assert!(!acc.step(&mut b, &mut small).unwrap());
    }
    assert_eq!(acc.pending(), 3);
    assert!(acc.finish(&mut b, &mut small).unwrap());
    assert_eq!(acc.pending(), 0);
    assert_close(&flat(&small), &flat(&big), 1e-12, "parameters");
}

// ---------------------------------------------------------------------------------------------
// Allocation-free hot path, f32, and the plain SGD rule.

#[test]
fn steps_after_the_first_allocate_nothing() {
    let (x, y) = data(8);
    for (name, make) in optimizers() {
        let mut net = model(4);
        let mut opt = make();
        let mut acc = GradientAccumulator::new(1).unwrap();
        gradients(&mut net, &x, &y);
        let before_first = allocations();
        opt.step(&mut net).unwrap();
        let first = allocations() - before_first;
        assert!(
            first > 0,
            "{name}: the first step lays out the state (counter sanity check)"
        );
        for _ in 0..5 {
            gradients(&mut net, &x, &y);
            let before = allocations();
            clip_grad_norm(&mut net, 10.0, 2.0, true).unwrap();
            opt.step(&mut net).unwrap();
            acc.step(opt.as_mut(), &mut net).unwrap();
            assert_eq!(allocations() - before, 0, "{name}: a later step allocated");
        }
    }
}

#[test]
fn optimizers_train_an_f32_model() {
    let x = Array2::from_shape_fn((16, 2), |(i, j)| ((i * 3 + j) as f32 * 0.41).sin());
    let y = x
        .map_axis(ndarray::Axis(1), |r| (r[0] * r[1]).tanh())
        .insert_axis(ndarray::Axis(1));
    let make: Vec<Box<dyn Optimizer<f32>>> = vec![
        Box::new(Sgd::new(0.1).unwrap().momentum(0.9).unwrap()),
        Box::new(Adam::new(0.01).unwrap()),
        Box::new(AdamW::new(0.01).unwrap()),
        Box::new(RmsProp::new(0.01).unwrap()),
        Box::new(Adagrad::new(0.1).unwrap()),
    ];
    for mut opt in make {
        let mut net = Mlp::new(&[2, 8, 1])
            .activation(Activation::Tanh)
            .seed(2)
            .build::<f32>()
            .unwrap();
        let mut grad = Array2::zeros((0, 0));
        let mut losses = Vec::new();
        for _ in 0..60 {
            net.zero_grad();
            let out = net.forward(x.view(), Mode::Train).unwrap();
            losses.push(
                Mse::new()
                    .value_and_grad(out, (&y).into(), &mut grad)
                    .unwrap(),
            );
            net.backward_parameters(grad.view()).unwrap();
            opt.step(&mut net).unwrap();
        }
        assert!(
            losses[59] < 0.5 * losses[0],
            "{:?}: {} → {}",
            opt.state().optimizer,
            losses[0],
            losses[59]
        );
    }
}

#[test]
fn plain_sgd_is_theta_minus_lr_g() {
    let (x, y) = data(4);
    let mut net = model(0);
    gradients(&mut net, &x, &y);
    let mut expected = Vec::new();
    net.visit_parameters(&mut |p| {
        expected.extend(
            p.value_slice()
                .iter()
                .zip(p.grad_slice())
                .map(|(v, g)| (v - 0.3 * g).to_bits()),
        )
    });
    Optimizer::<f64>::step(&mut Sgd::new(0.3).unwrap(), &mut net).unwrap();
    assert_eq!(values(&net), expected);
}

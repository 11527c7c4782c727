//! Parity of the optimizers and of gradient clipping with `torch.optim` / `torch.nn.utils`.
//!
//! The fixture (`scripts/reference/make_optim_fixtures.py`) trains
//! `Sequential(Linear(3, 5), Tanh, LayerNorm(5), Linear(5, 2))` with MSE for 30 steps under
//! every optimizer in several configurations (each option at a non-default value, parameter
//! groups, a frozen layer, learning-rate changes, clipping), recording the parameters after
//! each step. Here tuneup builds the same network from the same initial weights, computes its
//! own gradients, and must follow every trajectory to 1e-10 relative in f64.

mod common;

use std::collections::BTreeMap;

use common::{array2, array_d, assert_close_slices, load_fixture};
use ndarray::Array2;
use serde_json::Value;
use tuneup::model::ParamKind;
use tuneup::optim::{
    clip_grad_norm, clip_grad_value, AdagradConfig, AdamConfig, AdamWConfig, RmsPropConfig,
    SgdConfig,
};
use tuneup::prelude::*;

/// Relative tolerance on parameters; the absolute floor only matters for entries within
/// ~1e-3 of zero, where the relative test would ask for more than f64 rounding gives.
const RTOL: f64 = 1e-10;
const ATOL: f64 = 1e-13;

fn fixture() -> Value {
    load_fixture("optim_trajectories.json")
}

/// The reference network, with the fixture's initial weights and the given prefixes frozen.
fn build_model(fx: &Value, frozen: &[String]) -> Sequential<f64> {
    let mut net = Sequential::new()
        .push(
            Linear::new(3, 5, 0)
                .unwrap()
                .with_activation(Activation::Tanh)
                .unwrap(),
        )
        .push(LayerNorm::new(5).unwrap())
        .push(Linear::new(5, 2, 0).unwrap());
    let mut names = Vec::new();
    net.visit_parameters_mut(&mut |p| {
        let init = array_d(&fx["initial"][p.name()]);
        p.set_value(init.view()).unwrap();
        if frozen.iter().any(|f| p.name().starts_with(f.as_str())) {
            p.set_frozen(true);
        }
        names.push(p.name().to_string());
    });
    let expected: Vec<String> = fx["names"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        names, expected,
        "parameter names follow PyTorch's state_dict"
    );
    net
}

fn flat(net: &Sequential<f64>) -> Vec<f64> {
    let mut v = Vec::new();
    net.visit_parameters(&mut |p| v.extend_from_slice(p.value_slice()));
    v
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| a.iter().map(|s| s.as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

fn kind(name: &str) -> ParamKind {
    match name {
        "weight" => ParamKind::Weight,
        "bias" => ParamKind::Bias,
        "norm" => ParamKind::Norm,
        other => panic!("unknown kind {other}"),
    }
}

fn group(spec: &Value) -> ParamGroup {
    let select = &spec["select"];
    let mut g = if let Some(kinds) = select.get("kinds") {
        let kinds: Vec<ParamKind> = strings(kinds).iter().map(|k| kind(k)).collect();
        ParamGroup::kinds(&kinds)
    } else if let Some(p) = select.get("prefix") {
        ParamGroup::name_prefix(p.as_str().unwrap())
    } else if let Some(s) = select.get("suffix") {
        ParamGroup::name_suffix(s.as_str().unwrap())
    } else {
        panic!("unknown selector {select}")
    };
    if let Some(wd) = spec.get("weight_decay") {
        g = g.weight_decay(wd.as_f64().unwrap());
    }
    if let Some(f) = spec.get("lr_factor") {
        g = g.lr_factor(f.as_f64().unwrap());
    }
    g
}

fn num(options: &Value, key: &str, default: f64) -> f64 {
    options.get(key).map_or(default, |v| v.as_f64().unwrap())
}

fn flag(options: &Value, key: &str) -> bool {
    options.get(key).is_some_and(|v| v.as_bool().unwrap())
}

fn betas(options: &Value, default: (f64, f64)) -> (f64, f64) {
    options.get("betas").map_or(default, |b| {
        (b[0].as_f64().unwrap(), b[1].as_f64().unwrap())
    })
}

/// The tuneup optimizer a fixture case describes, with its groups.
fn optimizer(case: &Value) -> Box<dyn Optimizer<f64>> {
    let o = &case["options"];
    let groups: Vec<ParamGroup> = case
        .get("groups")
        .and_then(Value::as_array)
        .map(|gs| gs.iter().map(group).collect())
        .unwrap_or_default();
    macro_rules! with_groups {
        ($opt:expr) => {{
            let mut opt = $opt.unwrap();
            for g in groups {
                opt = opt.group(g).unwrap();
            }
            Box::new(opt)
        }};
    }
    match case["optimizer"].as_str().unwrap() {
        "SGD" => {
            let d = SgdConfig::default();
            with_groups!(tuneup::optim::Sgd::with_config(SgdConfig {
                lr: num(o, "lr", d.lr),
                momentum: num(o, "momentum", d.momentum),
                dampening: num(o, "dampening", d.dampening),
                weight_decay: num(o, "weight_decay", d.weight_decay),
                nesterov: flag(o, "nesterov"),
                maximize: flag(o, "maximize"),
            }))
        }
        "Adam" => {
            let d = AdamConfig::default();
            with_groups!(tuneup::optim::Adam::with_config(AdamConfig {
                lr: num(o, "lr", d.lr),
                betas: betas(o, d.betas),
                eps: num(o, "eps", d.eps),
                weight_decay: num(o, "weight_decay", d.weight_decay),
                amsgrad: flag(o, "amsgrad"),
                maximize: flag(o, "maximize"),
            }))
        }
        "AdamW" => {
            let d = AdamWConfig::default();
            with_groups!(tuneup::optim::AdamW::with_config(AdamWConfig {
                lr: num(o, "lr", d.lr),
                betas: betas(o, d.betas),
                eps: num(o, "eps", d.eps),
                weight_decay: num(o, "weight_decay", d.weight_decay),
                amsgrad: flag(o, "amsgrad"),
                maximize: flag(o, "maximize"),
            }))
        }
        "RMSprop" => {
            let d = RmsPropConfig::default();
            with_groups!(tuneup::optim::RmsProp::with_config(RmsPropConfig {
                lr: num(o, "lr", d.lr),
                alpha: num(o, "alpha", d.alpha),
                eps: num(o, "eps", d.eps),
                weight_decay: num(o, "weight_decay", d.weight_decay),
                momentum: num(o, "momentum", d.momentum),
                centered: flag(o, "centered"),
                maximize: flag(o, "maximize"),
            }))
        }
        "Adagrad" => {
            let d = AdagradConfig::default();
            with_groups!(tuneup::optim::Adagrad::with_config(AdagradConfig {
                lr: num(o, "lr", d.lr),
                lr_decay: num(o, "lr_decay", d.lr_decay),
                weight_decay: num(o, "weight_decay", d.weight_decay),
                initial_accumulator_value: num(
                    o,
                    "initial_accumulator_value",
                    d.initial_accumulator_value
                ),
                eps: num(o, "eps", d.eps),
                maximize: flag(o, "maximize"),
            }))
        }
        other => panic!("unknown optimizer {other}"),
    }
}

/// The largest relative deviation among entries at least 1e-6 in size (an entry crossing zero
/// has a meaningless relative error; the absolute floor covers it), and the largest absolute one.
fn deviations(a: &[f64], b: &[f64]) -> (f64, f64) {
    a.iter()
        .zip(b)
        .fold((0.0f64, 0.0f64), |(rel, abs), (x, y)| {
            let d = (x - y).abs();
            let r = if y.abs() >= 1e-6 { d / y.abs() } else { 0.0 };
            (rel.max(r), abs.max(d))
        })
}

/// Runs one fixture case and checks every step; returns the largest relative and absolute
/// deviations.
fn run_case(fx: &Value, case: &Value) -> (f64, f64) {
    let name = case["name"].as_str().unwrap();
    let frozen = strings(&case["frozen"]);
    let mut net = build_model(fx, &frozen);
    let mut opt = optimizer(case);
    let (x, y) = (array2(&fx["x"]), array2(&fx["y"]));
    let steps = case["steps"].as_u64().unwrap() as usize;
    let expected = array2(&case["trajectory"]);
    assert_eq!(expected.nrows(), steps, "{name}: trajectory rows");
    let losses: Vec<f64> = case["losses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert_eq!(losses.len(), steps, "{name}: one loss per step");
    let lr_changes: BTreeMap<usize, f64> = case
        .get("lr_changes")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.parse().unwrap(), v.as_f64().unwrap()))
                .collect()
        })
        .unwrap_or_default();
    let clip = case.get("clip");
    let mut grad = Array2::zeros((0, 0));
    let mut worst = (0.0f64, 0.0f64);
    for (step, &expected_loss) in losses.iter().enumerate() {
        if let Some(&lr) = lr_changes.get(&step) {
            opt.set_learning_rate(lr).unwrap();
        }
        net.zero_grad();
        let out = net.forward(x.view(), Mode::Train).unwrap();
        let loss = Mse::new()
            .value_and_grad(out, (&y).into(), &mut grad)
            .unwrap();
        assert_close_slices(
            &[loss],
            &[expected_loss],
            1e-10,
            0.0,
            &format!("{name}: loss before step {step}"),
        );
        net.backward_parameters(grad.view()).unwrap();
        if let Some(c) = clip {
            match c["kind"].as_str().unwrap() {
                "norm" => {
                    clip_grad_norm(
                        &mut net,
                        c["max_norm"].as_f64().unwrap(),
                        c["norm_type"].as_f64().unwrap_or(f64::INFINITY),
                        false,
                    )
                    .unwrap();
                }
                _ => clip_grad_value(&mut net, c["clip_value"].as_f64().unwrap()).unwrap(),
            }
        }
        opt.step(&mut net).unwrap();
        let got = flat(&net);
        let want: Vec<f64> = expected.row(step).to_vec();
        assert_close_slices(
            &got,
            &want,
            RTOL,
            ATOL,
            &format!("{name}: parameters after step {}", step + 1),
        );
        let (rel, abs) = deviations(&got, &want);
        worst = (worst.0.max(rel), worst.1.max(abs));
    }
    // The frozen parameters never moved.
    net.visit_parameters(&mut |p| {
        if p.is_frozen() {
            let init = array_d(&fx["initial"][p.name()]);
            assert_eq!(p.value(), init.view(), "{name}: frozen {} moved", p.name());
        }
    });
    worst
}

#[test]
fn every_trajectory_matches_torch() {
    let fx = fixture();
    let cases = fx["cases"].as_array().unwrap();
    assert!(cases.len() >= 30, "the fixture holds {} cases", cases.len());
    let mut report = Vec::new();
    for case in cases {
        let (rel, abs) = run_case(&fx, case);
        report.push(format!(
            "{:<42} max deviation: relative {rel:.1e}, absolute {abs:.1e}",
            case["name"].as_str().unwrap()
        ));
    }
    eprintln!("{}", report.join("\n"));
}

#[test]
fn every_optimizer_and_option_is_covered() {
    let fx = fixture();
    let cases = fx["cases"].as_array().unwrap();
    let covered = |opt: &str, key: &str| {
        cases.iter().any(|c| {
            c["optimizer"] == opt && (c["options"].get(key).is_some() || c.get(key).is_some())
        })
    };
    let wanted: &[(&str, &[&str])] = &[
        (
            "SGD",
            &[
                "momentum",
                "dampening",
                "nesterov",
                "weight_decay",
                "maximize",
                "groups",
                "frozen",
                "clip",
            ],
        ),
        (
            "Adam",
            &[
                "betas",
                "eps",
                "weight_decay",
                "amsgrad",
                "maximize",
                "groups",
                "frozen",
            ],
        ),
        (
            "AdamW",
            &[
                "betas",
                "eps",
                "weight_decay",
                "amsgrad",
                "maximize",
                "groups",
                "frozen",
            ],
        ),
        (
            "RMSprop",
            &[
                "alpha",
                "eps",
                "weight_decay",
                "momentum",
                "centered",
                "maximize",
                "groups",
            ],
        ),
        (
            "Adagrad",
            &[
                "lr_decay",
                "weight_decay",
                "initial_accumulator_value",
                "eps",
                "maximize",
                "groups",
            ],
        ),
    ];
    for (opt, keys) in wanted {
        for key in *keys {
            assert!(covered(opt, key), "no {opt} case sets {key}");
        }
    }
}

#[test]
fn clipping_matches_torch() {
    let fx = fixture();
    let x = array2(&fx["x"]);
    let y = array2(&fx["y"]);
    for (i, case) in fx["clip"].as_array().unwrap().iter().enumerate() {
        let frozen = strings(&case["frozen"]);
        let mut net = build_model(&fx, &frozen);
        let mut grad = Array2::zeros((0, 0));
        net.zero_grad();
        let out = net.forward(x.view(), Mode::Train).unwrap();
        Mse::new()
            .value_and_grad(out, (&y).into(), &mut grad)
            .unwrap();
        net.backward_parameters(grad.view()).unwrap();
        if case["kind"] == "norm" {
            let norm_type = case["norm_type"].as_f64().unwrap_or(f64::INFINITY);
            let max_norm = case["max_norm"].as_f64().unwrap();
            let total = clip_grad_norm(&mut net, max_norm, norm_type, true).unwrap();
            let want = case["total_norm"].as_f64().unwrap();
            assert_close_slices(
                &[total],
                &[want],
                1e-12,
                0.0,
                &format!("clip case {i}: total norm"),
            );
        } else {
            clip_grad_value(&mut net, case["clip_value"].as_f64().unwrap()).unwrap();
        }
        let grads = case["grads"].as_object().unwrap();
        let mut seen = 0;
        net.visit_parameters(&mut |p| {
            if let Some(g) = grads.get(p.name()) {
                let want = array_d(g);
                assert_close_slices(
                    p.grad_slice(),
                    want.as_slice().unwrap(),
                    1e-10,
                    1e-15,
                    &format!("clip case {i}: gradient of {}", p.name()),
                );
                seen += 1;
            } else {
                assert!(p.is_frozen(), "clip case {i}: torch left out {}", p.name());
            }
        });
        assert_eq!(
            seen,
            grads.len(),
            "clip case {i}: every clipped gradient compared"
        );
    }
}

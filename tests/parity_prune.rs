//! Pruning against `torch.nn.utils.prune` (`scripts/reference/make_prune_fixtures.py`): each
//! method's mask, masks after successive prunings (PyTorch's `PruningContainer`), global
//! pruning over two layers, and 100 Adam steps with weight decay on a pruned network — the
//! effective weights equal PyTorch's to 1e-10 and pruned entries stay exactly 0.

mod common;

use common::{array1, array2, array_d, assert_close, load_fixture};
use serde_json::Value;
use tuneup::compress::{
    global_unstructured, l1_unstructured, ln_structured, random_unstructured, remove,
    sparsity_report, Amount,
};
use tuneup::prelude::*;

fn amount(v: &Value) -> Amount {
    match v.get("fraction") {
        Some(f) => Amount::Fraction(f.as_f64().unwrap()),
        None => Amount::Count(v["count"].as_u64().unwrap() as usize),
    }
}

fn norm_order(v: &Value) -> f64 {
    match v.as_str() {
        Some("inf") => f64::INFINITY,
        Some("-inf") => f64::NEG_INFINITY,
        _ => v.as_f64().unwrap(),
    }
}

fn linear(weight: &Value) -> Linear<f64> {
    Linear::from_weights(array2(weight), None).unwrap()
}

fn mask_of(layer: &dyn Layer<f64>, name: &str) -> ndarray::ArrayD<f64> {
    let mut out = None;
    layer.visit_parameters(&mut |p| {
        if p.name() == name {
            out = p.mask().map(|m| m.to_owned());
        }
    });
    out.expect("the parameter is pruned")
}

#[test]
fn single_parameter_masks_equal_torch() {
    let fixture = load_fixture("prune.json");
    for (i, case) in fixture["single"].as_array().unwrap().iter().enumerate() {
        let mut lin = linear(&case["weight"]);
        for step in case["steps"].as_array().unwrap() {
            let a = amount(&step["amount"]);
            match step["method"].as_str().unwrap() {
                "l1" => l1_unstructured(&mut lin, "weight", a).unwrap(),
                _ => ln_structured(
                    &mut lin,
                    "weight",
                    a,
                    norm_order(&step["n"]),
                    step["dim"].as_u64().unwrap() as usize,
                )
                .unwrap(),
            }
        }
        assert_eq!(
            mask_of(&lin, "weight"),
            array_d(&case["mask"]),
            "case {i}: {}",
            case["steps"]
        );
        let mut after = None;
        lin.visit_parameters(&mut |p| {
            if p.name() == "weight" {
                after = Some(p.value().to_owned());
            }
        });
        assert_eq!(after.unwrap(), array_d(&case["weight_after"]), "case {i}");
    }
}

#[test]
fn global_masks_equal_torch() {
    let fixture = load_fixture("prune.json");
    for (i, case) in fixture["global"].as_array().unwrap().iter().enumerate() {
        let w = case["weights"].as_array().unwrap();
        let mut net = Sequential::new().push(linear(&w[0])).push(linear(&w[1]));
        if let Some(pre) = case["pre_l1"].as_f64() {
            l1_unstructured(&mut net, "0.weight", Amount::Fraction(pre)).unwrap();
        }
        global_unstructured(&mut net, &["0.weight", "1.weight"], amount(&case["amount"])).unwrap();
        let masks = case["masks"].as_array().unwrap();
        assert_eq!(mask_of(&net, "0.weight"), array_d(&masks[0]), "case {i}");
        assert_eq!(mask_of(&net, "1.weight"), array_d(&masks[1]), "case {i}");
    }
}

/// The network of the fine-tuning case: Linear(4, 6) → tanh → Linear(6, 3), PyTorch's names.
fn fine_tune_net(case: &Value) -> Sequential<f64> {
    let w = &case["weights"];
    let lin = |k: &str| {
        Linear::from_weights(
            array2(&w[format!("{k}.weight")]),
            Some(array1(&w[format!("{k}.bias")])),
        )
        .unwrap()
    };
    Sequential::new()
        .push(lin("0"))
        .push(ActivationLayer::new(Activation::Tanh).unwrap())
        .push(lin("2"))
}

#[test]
fn adam_with_weight_decay_on_a_pruned_net_follows_torch_and_keeps_zeros() {
    let fixture = load_fixture("prune.json");
    let case = &fixture["fine_tune"];
    let mut net = fine_tune_net(case);
    l1_unstructured(&mut net, "0.weight", Amount::Fraction(0.5)).unwrap();
    ln_structured(&mut net, "2.weight", Amount::Count(2), 2.0, 1).unwrap();
    let masks = &case["masks"];
    assert_eq!(mask_of(&net, "0.weight"), array_d(&masks["0.weight"]));
    assert_eq!(mask_of(&net, "2.weight"), array_d(&masks["2.weight"]));
    let (x, y) = (array2(&case["x"]), array2(&case["y"]));
    let mut adam = Adam::new(case["lr"].as_f64().unwrap())
        .unwrap()
        .weight_decay(case["weight_decay"].as_f64().unwrap())
        .unwrap();
    let loss = Mse::new();
    let mut grad = ndarray::Array2::zeros((0, 0));
    let wanted: Vec<(u64, &Value)> = case["step_numbers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_u64().unwrap())
        .zip(case["steps"].as_array().unwrap())
        .collect();
    for step in 1..=100u64 {
        net.zero_grad();
        let out = net.forward(x.view(), Mode::Train).unwrap();
        let l = loss.value_and_grad(out, (&y).into(), &mut grad).unwrap();
        net.backward_parameters(grad.view()).unwrap();
        adam.step(&mut net).unwrap();
        let Some((_, want)) = wanted.iter().find(|(n, _)| *n == step) else {
            continue;
        };
        assert!(
            (l - want["loss"].as_f64().unwrap()).abs() < 1e-10,
            "step {step}"
        );
        net.visit_parameters(&mut |p| {
            if let Some(m) = p.mask() {
                let expected = array_d(&want[p.name()]);
                assert_close(
                    &p.value().to_owned(),
                    &expected,
                    1e-10,
                    1e-12,
                    &format!("{} at step {step}", p.name()),
                );
                for (v, mk) in p.value().iter().zip(m.iter()) {
                    assert!(*mk == 1.0 || *v == 0.0, "a pruned entry moved: {v}");
                }
            }
        });
    }
    // remove() keeps the zeros as plain values; training may move them again.
    remove(&mut net, "0.weight").unwrap();
    let report = sparsity_report(&net);
    assert_eq!(report.parameters[0].zeros, 12);
    assert!(!report.parameters[0].pruned && report.parameters[2].pruned);
}

#[test]
fn random_pruning_is_seeded_and_composes() {
    let mut a = Linear::<f64>::new(8, 8, 3).unwrap();
    let mut b = a.clone();
    random_unstructured(&mut a, "weight", Amount::Fraction(0.25), 5).unwrap();
    random_unstructured(&mut b, "weight", Amount::Fraction(0.25), 5).unwrap();
    assert_eq!(mask_of(&a, "weight"), mask_of(&b, "weight"));
    let first = mask_of(&a, "weight");
    random_unstructured(&mut a, "weight", Amount::Fraction(0.5), 6).unwrap();
    let second = mask_of(&a, "weight");
    assert_eq!(second.sum(), 24.0); // half of the 48 left
    assert!(first.iter().zip(&second).all(|(f, s)| s <= f));
    let mut c = Linear::<f64>::new(8, 8, 3).unwrap();
    random_unstructured(&mut c, "weight", Amount::Fraction(0.25), 9).unwrap();
    assert_ne!(mask_of(&c, "weight"), first);
}

#[test]
fn bad_input_is_a_typed_error_and_the_model_is_untouched() {
    let mut net = Mlp::new(&[3, 4, 2]).seed(1).build::<f64>().unwrap();
    let before = net.clone();
    let same = |a: &Sequential<f64>, b: &Sequential<f64>| {
        let (mut va, mut vb) = (Vec::new(), Vec::new());
        a.visit_parameters(&mut |p| va.push((p.value().to_owned(), p.is_pruned())));
        b.visit_parameters(&mut |p| vb.push((p.value().to_owned(), p.is_pruned())));
        va == vb
    };
    let errors = [
        l1_unstructured(&mut net, "9.weight", Amount::Count(1)),
        l1_unstructured(&mut net, "0.weight", Amount::Fraction(1.5)),
        l1_unstructured(&mut net, "0.weight", Amount::Fraction(f64::NAN)),
        l1_unstructured(&mut net, "0.weight", Amount::Count(13)),
        ln_structured(&mut net, "0.bias", Amount::Count(1), 2.0, 0),
        ln_structured(&mut net, "0.weight", Amount::Count(1), 2.0, 2),
        ln_structured(&mut net, "0.weight", Amount::Count(1), f64::NAN, 0),
        ln_structured(&mut net, "0.weight", Amount::Count(5), 2.0, 0),
        global_unstructured(&mut net, &[], Amount::Count(1)),
        global_unstructured(&mut net, &["0.weight", "0.weight"], Amount::Count(1)),
        global_unstructured(&mut net, &["0.weight", "x"], Amount::Count(1)),
        remove(&mut net, "0.weight"),
    ];
    assert!(matches!(errors[0], Err(Error::Value { .. })));
    assert!(matches!(errors[1], Err(Error::Config { .. })));
    assert!(matches!(errors[2], Err(Error::Config { .. })));
    assert!(matches!(errors[3], Err(Error::Value { .. })));
    assert!(matches!(errors[5], Err(Error::Config { .. })));
    assert!(matches!(errors[11], Err(Error::State { .. })));
    for (i, e) in errors.iter().enumerate() {
        assert!(e.is_err(), "case {i}");
    }
    let msg = errors[0].as_ref().unwrap_err().to_string();
    assert!(
        msg.contains("0.weight") && msg.contains("9.weight"),
        "{msg}"
    );
    assert!(same(&net, &before));
}

#[test]
fn a_trainer_keeps_pruned_entries_at_zero() {
    let mut net = Mlp::new(&[3, 16, 2]).seed(4).build::<f64>().unwrap();
    global_unstructured(&mut net, &["0.weight", "2.weight"], Amount::Fraction(0.8)).unwrap();
    let zeros = sparsity_report(&net).parameters[0].zeros;
    let x = ndarray::Array2::from_shape_fn((64, 3), |(i, j)| ((i * 3 + j) as f64 * 0.37).sin());
    let y: Vec<usize> = (0..64)
        .map(|i| usize::from(x[[i, 0]] > x[[i, 1]]))
        .collect();
    let mut t = tuneup::train::Trainer::builder()
        .model(net)
        .loss(CrossEntropy::new())
        .optimizer(AdamW::new(0.01).unwrap())
        .clip_gradients(tuneup::train::GradClip::Norm(0.5))
        .epochs(20)
        .build()
        .unwrap();
    t.fit(x.view(), &y).unwrap();
    let report = sparsity_report(t.model());
    assert_eq!(report.parameters[0].zeros, zeros);
    assert!((report.weights_sparsity() - 0.8).abs() < 0.01, "{report}");
}

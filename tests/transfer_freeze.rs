//! Fine-tuning tools: freezing by name pattern and layer-wise learning-rate decay.

use ndarray::{Array2, Axis};
use tuneup::model::set_frozen_matching;
use tuneup::prelude::*;
use tuneup::train::Trainer;

fn params_of(net: &dyn Layer<f64>, prefix: &str) -> Vec<f64> {
    let mut v = Vec::new();
    net.visit_parameters(&mut |p| {
        if p.name().starts_with(prefix) {
            v.extend_from_slice(p.value_slice())
        }
    });
    v
}

fn data() -> (Array2<f64>, Array2<f64>) {
    let x = Array2::from_shape_fn((16, 3), |(i, j)| ((i * 3 + j) as f64 * 0.37).sin());
    let y = x.map_axis(Axis(1), |r| r.sum()).insert_axis(Axis(1));
    (x, y)
}

fn net() -> Sequential<f64> {
    Sequential::new()
        .push(
            Linear::new(3, 5, 1)
                .unwrap()
                .with_activation(Activation::Tanh)
                .unwrap(),
        )
        .push(
            Linear::new(5, 4, 2)
                .unwrap()
                .with_activation(Activation::Tanh)
                .unwrap(),
        )
        .push(Linear::new(4, 1, 3).unwrap())
}

fn one_full_batch_step(model: Sequential<f64>, sgd: Sgd) -> Sequential<f64> {
    let (x, y) = data();
    let mut t = Trainer::builder()
        .model(model)
        .loss(Mse::new())
        .optimizer(sgd)
        .epochs(1)
        .batch_size(16)
        .build()
        .unwrap();
    t.fit(x.view(), &y).unwrap();
    t.into_model()
}

#[test]
fn a_frozen_pattern_keeps_its_parameters_through_training() {
    let mut model = net();
    assert_eq!(set_frozen_matching(&mut model, "0.*", true).unwrap(), 2);
    assert_eq!(set_frozen_matching(&mut model, "2.bias", true).unwrap(), 1);
    let before = model.clone();
    let after = one_full_batch_step(model, Sgd::new(0.1).unwrap());
    assert_eq!(params_of(&after, "0."), params_of(&before, "0."));
    assert_eq!(params_of(&after, "2.bias"), params_of(&before, "2.bias"));
    assert_ne!(
        params_of(&after, "2.weight"),
        params_of(&before, "2.weight")
    );
    assert_ne!(params_of(&after, "4."), params_of(&before, "4."));
}

#[test]
fn a_pattern_matching_nothing_is_an_error_and_changes_nothing() {
    let mut model = net();
    set_frozen_matching(&mut model, "*.bias", true).unwrap();
    let flags = |m: &Sequential<f64>| {
        let mut f = Vec::new();
        m.visit_parameters(&mut |p| f.push(p.is_frozen()));
        f
    };
    let before = flags(&model);
    for bad in ["head.*", "", "1.weight"] {
        let err = set_frozen_matching(&mut model, bad, false).unwrap_err();
        assert!(matches!(err, tuneup::Error::Value { .. }), "{err}");
        assert!(
            err.to_string().contains("0.weight"),
            "the error lists the names: {err}"
        );
        assert_eq!(flags(&model), before);
    }
    // Unfreezing by pattern works on what was frozen.
    assert_eq!(set_frozen_matching(&mut model, "*", false).unwrap(), 6);
    assert!(flags(&model).iter().all(|f| !f));
}

#[test]
fn layerwise_decay_scales_each_layers_sgd_step() {
    let decay = 0.5;
    let plain = one_full_batch_step(net(), Sgd::new(0.1).unwrap());
    let mut sgd = Sgd::new(0.1).unwrap();
    for g in ParamGroup::layerwise_decay(&net(), decay).unwrap() {
        sgd = sgd.group(g).unwrap();
    }
    let grouped = one_full_batch_step(net(), sgd);
    let start = net();
    for (layer, factor) in [("0.", 0.25), ("2.", 0.5), ("4.", 1.0)] {
        let s = params_of(&start, layer);
        let p = params_of(&plain, layer);
        let g = params_of(&grouped, layer);
        for i in 0..s.len() {
            let want = factor * (p[i] - s[i]);
            assert!(
                ((g[i] - s[i]) - want).abs() <= 1e-15,
                "{layer}[{i}]: {} vs {want}",
                g[i] - s[i]
            );
        }
    }
}

#[test]
fn remapped_weights_load_into_a_model_with_a_new_head() {
    use tuneup::train::{load_state_dict, remap_state_dict, state_dict, LoadOptions, StateScope};
    // Pretrained: body 0 → 2 (names 0, 2) and a one-output head 4; new: the body behind an
    // input layer (names 0 → 2, 4), a 3-output head 6.
    let pretrained = net();
    let sd = state_dict(&pretrained, StateScope::Torch).unwrap();
    let original = sd.clone();
    let rules = [("4.", None), ("2.", Some("4.")), ("0.", Some("2."))];
    let moved = remap_state_dict(&sd, &rules).unwrap();
    assert_eq!(sd, original, "the input is untouched");
    let mut model = Sequential::new()
        .push(
            Linear::new(3, 3, 7)
                .unwrap()
                .with_activation(Activation::Tanh)
                .unwrap(),
        )
        .push(
            Linear::new(3, 5, 8)
                .unwrap()
                .with_activation(Activation::Tanh)
                .unwrap(),
        )
        .push(
            Linear::new(5, 4, 9)
                .unwrap()
                .with_activation(Activation::Tanh)
                .unwrap(),
        )
        .push(Linear::new(4, 3, 10).unwrap());
    let report = load_state_dict(&mut model, &moved, LoadOptions::non_strict()).unwrap();
    assert_eq!(report.loaded.len(), 4);
    assert!(report.unexpected.is_empty());
    assert_eq!(params_of(&model, "2."), params_of(&pretrained, "0."));
    assert_eq!(params_of(&model, "4."), params_of(&pretrained, "2."));
    // Collisions and rules matching nothing are typed errors.
    let collide = remap_state_dict(&sd, &[("0.", Some("2."))]).unwrap_err();
    assert!(matches!(collide, tuneup::Error::Value { .. }), "{collide}");
    let unused = remap_state_dict(&sd, &[("0.", Some("9.")), ("head.", None)]).unwrap_err();
    assert!(unused.to_string().contains("head."), "{unused}");
    assert!(remap_state_dict(&sd, &[("", Some("1."))]).is_err());
}

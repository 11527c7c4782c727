//! Weights files and checkpoints: bit-identical round trips, strict and non-strict loading,
//! unreadable files, and a resumed training run that matches an uninterrupted one bit for bit.

use std::collections::BTreeMap;
use std::path::PathBuf;

use ndarray::Array2;
use tuneup::optim::schedule::{CosineAnnealingLr, ExponentialLr, StepLr};
use tuneup::prelude::*;
use tuneup::train::{
    load_state_dict, load_weights, load_weights_from_bytes, save_weights, state_dict,
    weights_to_bytes, Checkpoint, Dtype, LoadOptions, StateScope, Tensor, TensorFile,
};

/// Linear(4 → 8, ReLU), Dropout, BatchNorm1d(8), Linear(8 → 2): parameters, buffers, a
/// PyTorch counter and a tuneup-only counter.
fn net(weight_seed: u64) -> Sequential<f32> {
    Sequential::new()
        .push(
            Linear::new(4, 8, weight_seed)
                .unwrap()
                .with_activation(Activation::Relu)
                .unwrap(),
        )
        .push(Dropout::new(0.25, 99).unwrap())
        .push(BatchNorm1d::new(8).unwrap())
        .push(Linear::new(8, 2, weight_seed + 1).unwrap())
}

fn batch(step: usize) -> (Array2<f32>, Array2<f32>) {
    let x = Array2::from_shape_fn((6, 4), |(i, j)| {
        ((i * 5 + j * 3 + step * 7) % 13) as f32 / 6.0 - 1.0
    });
    let y = Array2::from_shape_fn((6, 2), |(i, j)| ((i + j + step) % 3) as f32 - 1.0);
    (x, y)
}

/// One training step; returns the loss.
fn train_step(
    net: &mut Sequential<f32>,
    opt: &mut Adam,
    schedule: &mut CosineAnnealingLr,
    step: usize,
) -> f32 {
    let (x, y) = batch(step);
    let mut grad = Array2::zeros((0, 0));
    net.zero_grad();
    let out = net.forward(x.view(), Mode::Train).unwrap();
    let loss = Mse::new()
        .value_and_grad(out, (&y).into(), &mut grad)
        .unwrap();
    net.backward_parameters(grad.view()).unwrap();
    opt.step(net).unwrap();
    schedule.step_optimizer::<f32>(opt).unwrap();
    loss
}

fn full_state(net: &Sequential<f32>) -> BTreeMap<String, Tensor> {
    state_dict(net, StateScope::Full).unwrap()
}

fn temp_path(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("tuneup-{}-{name}", std::process::id()))
}

/// A model whose state differs from a fresh one in every entry.
fn trained() -> Sequential<f32> {
    let mut n = net(1);
    let mut adam = Adam::new(0.05).unwrap();
    let mut cos = CosineAnnealingLr::new(0.05, 10, 0.0).unwrap();
    for s in 0..3 {
        train_step(&mut n, &mut adam, &mut cos, s);
    }
    n
}

#[test]
fn weights_round_trip_bit_for_bit_without_tuneup_only_counters() {
    let a = trained();
    let bytes = weights_to_bytes(&a).unwrap();
    let file = TensorFile::from_bytes(&bytes).unwrap();
    assert!(file.get("2.mask_draws").is_none(), "not a PyTorch entry");
    assert_eq!(
        file.get("3.num_batches_tracked").unwrap().to_i64().unwrap(),
        [3]
    );
    assert_eq!(file.metadata.get("format").map(String::as_str), Some("pt"));
    assert_eq!(file.get("0.weight").unwrap().shape(), &[8, 4]);
    assert_eq!(file.get("0.weight").unwrap().dtype(), Dtype::F32);

    let mut b = net(50);
    let report = load_weights_from_bytes(&mut b, &bytes).unwrap();
    assert!(report.is_complete());
    let (sa, sb) = (full_state(&a), full_state(&b));
    for (name, t) in &sa {
        if name == "2.mask_draws" {
            assert_eq!(sb[name].to_i64().unwrap(), [0], "left as it was");
        } else {
            assert_eq!(&sb[name], t, "{name} differs after the round trip");
        }
    }
    // Through a file on disk too.
    let path = temp_path("weights.safetensors");
    save_weights(&a, &path).unwrap();
    let mut c = net(60);
    load_weights(&mut c, &path).unwrap();
    assert_eq!(weights_to_bytes(&c).unwrap(), bytes);
    // Saving again replaces the file.
    let other = net(61);
    save_weights(&other, &path).unwrap();
    load_weights(&mut c, &path).unwrap();
    assert_eq!(full_state(&c), full_state(&other));
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn f64_model_round_trips_and_converts_to_f32() {
    let a = Mlp::new(&[3, 5, 2]).seed(4).build::<f64>().unwrap();
    let bytes = weights_to_bytes(&a).unwrap();
    let mut b = Mlp::new(&[3, 5, 2]).seed(5).build::<f64>().unwrap();
    load_weights_from_bytes(&mut b, &bytes).unwrap();
    assert_eq!(
        state_dict(&a, StateScope::Full).unwrap(),
        state_dict(&b, StateScope::Full).unwrap()
    );
    let mut c = Mlp::new(&[3, 5, 2]).seed(5).build::<f32>().unwrap();
    load_weights_from_bytes(&mut c, &bytes).unwrap();
    let mut pairs = Vec::new();
    a.visit_parameters(&mut |p| pairs.extend(p.value_slice().iter().map(|&v| v as f32)));
    let mut got = Vec::new();
    c.visit_parameters(&mut |p| got.extend_from_slice(p.value_slice()));
    assert_eq!(pairs, got, "f64 → f32 rounds to nearest");
}

#[test]
fn half_and_bfloat_tensors_load_and_integers_do_not() {
    let mut m = Sequential::<f32>::new().push(Linear::new(2, 1, 0).unwrap());
    let mut sd = BTreeMap::new();
    // 0.5 and -2.0 in BF16; 1.5 in F16.
    sd.insert(
        "0.weight".to_string(),
        Tensor::from_bytes(Dtype::BF16, &[1, 2], vec![0x00, 0x3f, 0x00, 0xc0]).unwrap(),
    );
    sd.insert(
        "0.bias".to_string(),
        Tensor::from_bytes(Dtype::F16, &[1], vec![0x00, 0x3e]).unwrap(),
    );
    load_state_dict(&mut m, &sd, LoadOptions::strict()).unwrap();
    let mut values = Vec::new();
    m.visit_parameters(&mut |p| values.extend_from_slice(p.value_slice()));
    assert_eq!(values, [0.5, -2.0, 1.5]);

    sd.insert("0.bias".to_string(), Tensor::from_i64(&[1], &[1]).unwrap());
    let err = load_state_dict(&mut m, &sd, LoadOptions::strict()).unwrap_err();
    assert!(matches!(err, Error::Value { .. }));
    assert!(
        err.to_string().contains("`0.bias` (expected a float dtype"),
        "{err}"
    );
    assert!(err.to_string().contains("found dtype I64"), "{err}");
}

#[test]
fn strict_load_lists_every_problem_and_changes_nothing() {
    let source = trained();
    let mut sd = state_dict(&source, StateScope::Torch).unwrap();
    sd.remove("4.bias");
    sd.remove("3.running_var");
    sd.insert("5.weight".into(), Tensor::from_f64(&[1], &[0.0]).unwrap());
    sd.insert(
        "0.weight".into(),
        Tensor::from_floats::<f32>(&[4, 8], &[0.0; 32]).unwrap(),
    );
    let mut target = net(7);
    let before = full_state(&target);
    let err = load_state_dict(&mut target, &sd, LoadOptions::strict()).unwrap_err();
    let Error::Value { found, .. } = &err else {
        panic!("expected Error::Value, got {err:?}")
    };
    assert!(
        found.contains(r#"missing ["3.running_var", "4.bias"]"#),
        "{found}"
    );
    assert!(found.contains(r#"unexpected ["5.weight"]"#), "{found}");
    assert!(
        found.contains("`0.weight` (expected shape [8, 4], found shape [4, 8])"),
        "{found}"
    );
    assert_eq!(
        full_state(&target),
        before,
        "a failed strict load changes nothing"
    );
}

#[test]
fn non_strict_load_takes_the_intersection_and_reports_the_rest() {
    let source = trained();
    let mut sd = state_dict(&source, StateScope::Torch).unwrap();
    sd.remove("4.bias");
    sd.insert("extra".into(), Tensor::scalar_i64(1));
    sd.insert(
        "4.weight".into(),
        Tensor::from_floats::<f32>(&[3, 8], &[0.0; 24]).unwrap(),
    );
    let mut target = net(7);
    let before = full_state(&target);
    let report = load_state_dict(&mut target, &sd, LoadOptions::non_strict()).unwrap();
    assert_eq!(report.missing, ["4.bias"]);
    assert_eq!(report.unexpected, ["extra"]);
    assert_eq!(report.mismatched.len(), 1);
    assert_eq!(report.mismatched[0].name, "4.weight");
    assert_eq!(
        report.loaded,
        [
            "0.bias",
            "0.weight",
            "3.bias",
            "3.num_batches_tracked",
            "3.running_mean",
            "3.running_var",
            "3.weight"
        ]
    );
    let after = full_state(&target);
    let src = full_state(&source);
    for name in &report.loaded {
        assert_eq!(after[name], src[name], "{name} loaded");
    }
    for name in ["4.bias", "4.weight", "2.mask_draws"] {
        assert_eq!(after[name], before[name], "{name} untouched");
    }
}

#[test]
fn full_scope_requires_tuneup_counters() {
    let source = trained();
    let torch_only = state_dict(&source, StateScope::Torch).unwrap();
    let mut target = net(7);
    let err = load_state_dict(
        &mut target,
        &torch_only,
        LoadOptions::strict().scope(StateScope::Full),
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .contains(r#"missing ["2.mask_draws", "2.mask_seed"]"#),
        "{err}"
    );
    // With the full state, the counter is restored.
    load_state_dict(
        &mut target,
        &full_state(&source),
        LoadOptions::strict().scope(StateScope::Full),
    )
    .unwrap();
    assert_eq!(full_state(&target), full_state(&source));
}

#[test]
fn unreadable_and_corrupted_files_are_clear_errors() {
    let mut m = net(0);
    let missing = temp_path("does-not-exist.safetensors");
    let err = load_weights(&mut m, &missing).unwrap_err();
    let Error::Io {
        path, operation, ..
    } = &err
    else {
        panic!("expected Error::Io, got {err:?}")
    };
    assert_eq!(operation, "read");
    assert!(path.contains("does-not-exist.safetensors"));
    assert!(matches!(
        Checkpoint::load(&missing).unwrap_err(),
        Error::Io { .. }
    ));
    // A file in a directory that does not exist cannot be written.
    let nowhere = temp_path("no-such-dir").join("w.safetensors");
    let err = save_weights(&m, &nowhere).unwrap_err();
    assert!(
        matches!(&err, Error::Io { operation, .. } if operation == "write"),
        "{err:?}"
    );
    assert!(err.to_string().contains("no-such-dir"), "{err}");

    let good = weights_to_bytes(&trained()).unwrap();
    for (what, bytes) in [
        ("truncated", good[..good.len() - 3].to_vec()),
        ("too short", good[..5].to_vec()),
        ("not JSON", {
            let mut b = good.clone();
            b[8] = b'#';
            b
        }),
        ("header length past the end", {
            let mut b = good.clone();
            b[..8].copy_from_slice(&(1u64 << 40).to_le_bytes());
            b
        }),
    ] {
        let before = full_state(&m);
        let err = load_weights_from_bytes(&mut m, &bytes).unwrap_err();
        assert!(
            matches!(&err, Error::Value { expected, .. } if expected.contains("valid safetensors")),
            "{what}: {err:?}"
        );
        assert_eq!(full_state(&m), before);
    }
    let path = temp_path("corrupt.safetensors");
    std::fs::write(&path, &good[..good.len() - 1]).unwrap();
    let err = load_weights(&mut m, &path).unwrap_err();
    assert!(err.to_string().contains("corrupt.safetensors"), "{err}");
    let err = Checkpoint::load(&path).unwrap_err();
    assert!(err.to_string().contains("corrupt.safetensors"), "{err}");
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn checkpoint_resume_is_bit_identical_to_an_uninterrupted_run() {
    const TOTAL: usize = 10;
    const CUT: usize = 4;

    // Uninterrupted.
    let mut a = net(1);
    let mut adam_a = Adam::new(0.05).unwrap();
    let mut cos_a = CosineAnnealingLr::new(0.05, 6, 0.001).unwrap();
    let losses_a: Vec<f32> = (0..TOTAL)
        .map(|s| train_step(&mut a, &mut adam_a, &mut cos_a, s))
        .collect();

    // Interrupted after CUT steps, saved to disk, restored into fresh objects.
    let mut b = net(1);
    let mut adam_b = Adam::new(0.05).unwrap();
    let mut cos_b = CosineAnnealingLr::new(0.05, 6, 0.001).unwrap();
    let mut losses_b: Vec<f32> = (0..CUT)
        .map(|s| train_step(&mut b, &mut adam_b, &mut cos_b, s))
        .collect();
    let path = temp_path("resume.safetensors");
    Checkpoint::new(&b)
        .unwrap()
        .with_optimizer(adam_b.state())
        .with_schedule(&cos_b)
        .with_epoch(CUT as u64)
        .with_step(CUT as u64)
        .with_rng(1234, 4)
        .with_metadata("history", r#"{"loss":[1,2]}"#)
        .save(&path)
        .unwrap();
    drop((b, adam_b, cos_b));

    let ckpt = Checkpoint::load(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert_eq!((ckpt.epoch, ckpt.step), (4, 4));
    assert_eq!((ckpt.seed, ckpt.rng_position), (Some(1234), Some(4)));
    assert_eq!(ckpt.metadata["history"], r#"{"loss":[1,2]}"#);
    assert_eq!(ckpt.model["2.mask_draws"].to_i64().unwrap(), [4]);

    let mut c = net(77); // other weights: all must come from the checkpoint
    let mut adam_c = Adam::new(0.9).unwrap();
    let mut cos_c = CosineAnnealingLr::new(0.05, 6, 0.001).unwrap();
    ckpt.restore(&mut c, Some(&mut adam_c), Some(&mut cos_c))
        .unwrap();
    assert_eq!(adam_c.learning_rate(), cos_c.lr());
    losses_b.extend((CUT..TOTAL).map(|s| train_step(&mut c, &mut adam_c, &mut cos_c, s)));

    let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&losses_b), bits(&losses_a));
    assert_eq!(
        full_state(&c),
        full_state(&a),
        "parameters, buffers, counters"
    );
    assert!(adam_c.state().bitwise_eq(&adam_a.state()));
    assert_eq!(cos_c.state(), cos_a.state());
}

#[test]
fn checkpoint_bytes_round_trip_exactly() {
    let mut n = net(1);
    let mut adam = Adam::new(0.05).unwrap();
    let mut cos = CosineAnnealingLr::new(0.05, 10, 0.0).unwrap();
    for s in 0..3 {
        train_step(&mut n, &mut adam, &mut cos, s);
    }
    let ckpt = Checkpoint::new(&n)
        .unwrap()
        .with_optimizer(adam.state())
        .with_schedule(&cos)
        .with_metadata("a", "1")
        .with_metadata("b", "ü ✓");
    let bytes = ckpt.to_bytes().unwrap();
    let back = Checkpoint::from_bytes(&bytes).unwrap();
    assert_eq!(back, ckpt);
    // Equal contents, equal bytes (metadata keys are written sorted).
    assert_eq!(back.to_bytes().unwrap(), bytes);
    assert!(back
        .optimizer
        .as_ref()
        .unwrap()
        .bitwise_eq(ckpt.optimizer.as_ref().unwrap()));
}

#[test]
fn checkpoint_restore_rejects_mismatches_and_changes_nothing() {
    let mut n = net(1);
    let mut adam = Adam::new(0.05).unwrap();
    let mut cos = CosineAnnealingLr::new(0.05, 10, 0.0).unwrap();
    for s in 0..2 {
        train_step(&mut n, &mut adam, &mut cos, s);
    }
    let ckpt = Checkpoint::new(&n)
        .unwrap()
        .with_optimizer(adam.state())
        .with_schedule(&cos);

    // Wrong kind of optimizer.
    let mut target = net(5);
    let before = full_state(&target);
    let mut sgd = Sgd::new(0.1).unwrap();
    let err = ckpt.restore(&mut target, Some(&mut sgd), None).unwrap_err();
    assert!(matches!(err, Error::Value { .. }));
    assert!(err.to_string().contains("saved by `Adam`"), "{err}");
    assert_eq!(full_state(&target), before);
    assert!(Optimizer::<f32>::state(&sgd).is_empty());

    // Wrong kind of schedule: the optimizer, already loaded, is put back.
    let mut fresh_adam = Adam::new(0.3).unwrap();
    let fresh_state = fresh_adam.state();
    let mut step = StepLr::new(0.1, 2, 0.5).unwrap();
    let err = ckpt
        .restore(&mut target, Some(&mut fresh_adam), Some(&mut step))
        .unwrap_err();
    assert!(err.to_string().contains("CosineAnnealingLR"), "{err}");
    assert!(fresh_adam.state().bitwise_eq(&fresh_state));
    assert_eq!(full_state(&target), before);

    // A checkpoint without schedule state, given a schedule.
    let no_schedule = Checkpoint::new(&n).unwrap().with_optimizer(adam.state());
    let mut exp = ExponentialLr::new(0.1, 0.9).unwrap();
    let err = no_schedule
        .restore(&mut target, None, Some(&mut exp))
        .unwrap_err();
    assert!(err.to_string().contains("without a schedule"), "{err}");

    // A missing model tensor.
    let mut file = ckpt.to_file().unwrap();
    file.tensors.remove("model.0.weight");
    let broken = Checkpoint::from_bytes(&file.to_bytes().unwrap()).unwrap();
    let mut adam2 = Adam::new(0.05).unwrap();
    let err = broken
        .restore(&mut target, Some(&mut adam2), None)
        .unwrap_err();
    assert!(err.to_string().contains(r#"missing ["0.weight"]"#), "{err}");
    assert!(adam2.state().is_empty());
    assert_eq!(full_state(&target), before);

    // A missing optimizer tensor.
    let mut file = ckpt.to_file().unwrap();
    file.tensors.remove("optimizer.0.weight.exp_avg");
    let broken = Checkpoint::from_bytes(&file.to_bytes().unwrap()).unwrap();
    let err = broken
        .restore(&mut target, Some(&mut adam2), None)
        .unwrap_err();
    assert!(err.to_string().contains("0.weight.exp_avg"), "{err}");
    assert_eq!(full_state(&target), before);

    // A weights file is not a checkpoint.
    let err = Checkpoint::from_bytes(&weights_to_bytes(&n).unwrap()).unwrap_err();
    assert!(err.to_string().contains("tuneup.checkpoint"), "{err}");
}

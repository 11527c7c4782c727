//! Pruned weights moving between PyTorch and tuneup through safetensors, under PyTorch's names
//! `<name>_orig` / `<name>_mask` (fixtures from
//! `scripts/reference/make_pruned_checkpoint_fixtures.py`):
//!
//! - `torch_pruned.safetensors` was written by PyTorch from a pruned model; tuneup loads it
//!   strictly into an unpruned model, which becomes pruned with PyTorch's masks and outputs.
//! - `tuneup_pruned.safetensors` was written by tuneup (the ignored test below); PyTorch loaded
//!   it into the same architecture (after `prune.identity`) with `strict=True` and recorded its
//!   outputs and masks. Here tuneup checks it still writes those bytes and agrees.

mod common;

use common::{array2, array_d, assert_close, load_fixture};
use ndarray::Array2;
use tuneup::compress::{l1_unstructured, ln_structured, Amount};
use tuneup::prelude::*;
use tuneup::train::{load_weights_from_bytes, weights_to_bytes};

fn fixture_path(name: &str) -> String {
    format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// PyTorch's `Sequential(Linear(5, 4), Tanh(), Linear(4, 3))`.
fn architecture(seed: u64) -> Sequential<f64> {
    Sequential::new()
        .push(Linear::new(5, 4, seed).unwrap())
        .push(ActivationLayer::new(Activation::Tanh).unwrap())
        .push(Linear::new(4, 3, seed + 1).unwrap())
}

/// The model behind `tuneup_pruned.safetensors`.
fn tuneup_pruned() -> Sequential<f64> {
    let mut net = architecture(21);
    l1_unstructured(&mut net, "0.weight", Amount::Fraction(0.5)).unwrap();
    ln_structured(&mut net, "2.weight", Amount::Count(1), 2.0, 0).unwrap();
    net
}

fn input() -> Array2<f64> {
    Array2::from_shape_fn((6, 5), |(i, j)| ((i * 5 + j) % 7) as f64 / 3.0 - 1.0)
}

fn mask(net: &Sequential<f64>, name: &str) -> ndarray::ArrayD<f64> {
    let mut out = None;
    net.visit_parameters(&mut |p| {
        if p.name() == name {
            out = p.mask().map(|m| m.to_owned());
        }
    });
    out.expect("pruned")
}

#[test]
#[ignore = "writes tests/fixtures/tuneup_pruned.safetensors; run once, then the Python script"]
fn write_tuneup_pruned_fixture() {
    let bytes = weights_to_bytes(&tuneup_pruned()).unwrap();
    std::fs::write(fixture_path("tuneup_pruned.safetensors"), bytes).unwrap();
}

#[test]
fn a_pytorch_pruned_checkpoint_loads_strictly_with_its_masks() {
    let fx = load_fixture("pruned_checkpoints.json");
    let bytes = std::fs::read(fixture_path("torch_pruned.safetensors")).unwrap();
    let mut net = architecture(0);
    let report = load_weights_from_bytes(&mut net, &bytes).unwrap();
    assert!(report.is_complete(), "{report:?}");
    assert!(report.loaded.contains(&"0.weight_orig".to_string()));
    assert_eq!(
        mask(&net, "0.weight"),
        array_d(&fx["torch_masks"]["0.weight"])
    );
    assert_eq!(
        mask(&net, "2.weight"),
        array_d(&fx["torch_masks"]["2.weight"])
    );
    let out = net.predict(input().view()).unwrap();
    assert_close(
        &out,
        &array2(&fx["torch_output"]),
        1e-12,
        1e-12,
        "torch pruned",
    );
    // And it writes the same entries back.
    let again = weights_to_bytes(&net).unwrap();
    let mut other = architecture(5);
    load_weights_from_bytes(&mut other, &again).unwrap();
    assert_eq!(other.predict(input().view()).unwrap(), out);
}

#[test]
fn pytorch_loads_tuneups_pruned_checkpoint_with_equal_outputs() {
    let fx = load_fixture("pruned_checkpoints.json");
    let committed = std::fs::read(fixture_path("tuneup_pruned.safetensors")).unwrap();
    let mut net = tuneup_pruned();
    assert!(
        weights_to_bytes(&net).unwrap() == committed,
        "tuneup no longer writes the bytes PyTorch checked; rerun the ignored test and the script"
    );
    assert_eq!(
        mask(&net, "0.weight"),
        array_d(&fx["tuneup_masks"]["0.weight"])
    );
    assert_eq!(
        mask(&net, "2.weight"),
        array_d(&fx["tuneup_masks"]["2.weight"])
    );
    let out = net.predict(input().view()).unwrap();
    assert_close(
        &out,
        &array2(&fx["tuneup_output"]),
        1e-12,
        1e-12,
        "torch on tuneup's",
    );
}

#[test]
fn a_half_pair_or_a_bad_mask_is_reported_and_loads_nothing() {
    let bytes = weights_to_bytes(&tuneup_pruned()).unwrap();
    let mut file = tuneup::train::TensorFile::from_bytes(&bytes).unwrap();
    file.tensors.remove("0.weight_mask");
    let mut net = architecture(0);
    let before = net.predict(input().view()).unwrap();
    let err = load_weights_from_bytes(&mut net, &file.to_bytes().unwrap()).unwrap_err();
    assert!(err.to_string().contains("0.weight"), "{err}");
    assert_eq!(net.predict(input().view()).unwrap(), before);
    // A mask of other values than 0 and 1.
    let mut file = tuneup::train::TensorFile::from_bytes(&bytes).unwrap();
    let shape = file.tensors["0.weight_mask"].shape().to_vec();
    let halves = vec![0.5f64; shape.iter().product()];
    let bad = tuneup::train::Tensor::from_floats(&shape, &halves).unwrap();
    file.tensors.insert("0.weight_mask".into(), bad);
    let err = load_weights_from_bytes(&mut net, &file.to_bytes().unwrap()).unwrap_err();
    assert!(err.to_string().contains("0 and 1"), "{err}");
    assert_eq!(net.predict(input().view()).unwrap(), before);
}

//! Weights moving between PyTorch and tuneup through safetensors files, checked against
//! PyTorch: fixtures from `scripts/reference/make_checkpoint_fixtures.py`.
//!
//! - `torch_model.safetensors` was written by PyTorch (`save_file(model.state_dict())`);
//!   tuneup loads it strictly and must reproduce PyTorch's eval-mode outputs.
//! - `tuneup_model.safetensors` was written by tuneup (the ignored test below); PyTorch loaded
//!   it with `load_state_dict(strict=True)` and recorded its outputs. Here tuneup rebuilds the
//!   same model, checks that it still writes exactly those bytes, and that its outputs equal
//!   PyTorch's.

mod common;

use ndarray::Array2;
use tuneup::prelude::*;
use tuneup::train::{
    load_weights, load_weights_from_bytes, state_dict, weights_to_bytes, Dtype, StateScope,
    TensorFile,
};

fn fixture_path(name: &str) -> String {
    format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// PyTorch's `Sequential(Linear(5, 4), ReLU(), BatchNorm1d(4), Linear(4, 3))`.
fn architecture<F: Float>() -> Sequential<F> {
    Sequential::new()
        .push(
            Linear::new(5, 4, 11)
                .unwrap()
                .with_activation(Activation::Relu)
                .unwrap(),
        )
        .push(BatchNorm1d::new(4).unwrap())
        .push(Linear::new(4, 3, 12).unwrap())
}

/// The model behind `tuneup_model.safetensors`: seeded weights, BatchNorm affine parameters
/// set away from 1 and 0, and two train-mode batches (exact rational inputs) so the running
/// statistics and `num_batches_tracked` are not their initial values.
fn tuneup_model() -> Sequential<f64> {
    let mut net = architecture::<f64>();
    net.visit_parameters_mut(&mut |p| {
        let name = p.name().to_string();
        for (i, v) in p.value_mut().iter_mut().enumerate() {
            match name.as_str() {
                "2.weight" => *v = 1.0 + 0.125 * i as f64,
                "2.bias" => *v = 0.0625 * i as f64 - 0.1,
                _ => {}
            }
        }
    });
    for b in 0..2usize {
        let x = Array2::from_shape_fn((8, 5), |(i, j)| {
            ((i * 7 + j * 3 + b * 5) % 11) as f64 / 4.0 - 1.25
        });
        net.forward(x.view(), Mode::Train).unwrap();
    }
    net
}

#[test]
#[ignore = "writes tests/fixtures/tuneup_model.safetensors; run once, then the Python script"]
fn write_tuneup_model_fixture() {
    let bytes = weights_to_bytes(&tuneup_model()).unwrap();
    std::fs::write(fixture_path("tuneup_model.safetensors"), bytes).unwrap();
}

fn input() -> Array2<f64> {
    common::array2(&common::load_fixture("torch_model_outputs.json")["input"])
}

#[test]
fn pytorch_weights_load_and_reproduce_pytorch_outputs_in_f32() {
    let fx = common::load_fixture("torch_model_outputs.json");
    let mut net = architecture::<f32>();
    let report = load_weights(&mut net, fixture_path("torch_model.safetensors")).unwrap();
    assert!(report.is_complete(), "{report:?}");
    assert_eq!(report.loaded.len(), 9);

    let mut counters = Vec::new();
    net.visit_counters(&mut |c| counters.push((c.name().to_string(), c.get())));
    let expected_nbt = fx["torch_model_num_batches_tracked"].as_u64().unwrap();
    assert_eq!(
        counters,
        [("2.num_batches_tracked".to_string(), expected_nbt)]
    );
    assert_eq!(expected_nbt, 3);

    let x = input().mapv(|v| v as f32);
    let out = net.predict(x.view()).unwrap().mapv(|v| v as f64);
    let expected = common::array2(&fx["torch_model_output"]);
    common::assert_close(&out, &expected, 1e-6, 1e-6, "tuneup f32 on PyTorch weights");
}

#[test]
fn pytorch_f32_weights_convert_into_an_f64_model() {
    let fx = common::load_fixture("torch_model_outputs.json");
    let mut net = architecture::<f64>();
    load_weights(&mut net, fixture_path("torch_model.safetensors")).unwrap();
    let out = net.predict(input().view()).unwrap();
    let expected = common::array2(&fx["torch_model_output"]);
    // PyTorch computed in f32; tuneup now computes in f64 from the same f32 weights.
    common::assert_close(
        &out,
        &expected,
        1e-5,
        1e-5,
        "tuneup f64 on PyTorch f32 weights",
    );
}

#[test]
fn pytorch_file_holds_exactly_tuneups_torch_scope_names_and_dtypes() {
    let file = TensorFile::read(fixture_path("torch_model.safetensors")).unwrap();
    let ours = state_dict(&architecture::<f32>(), StateScope::Torch).unwrap();
    assert_eq!(
        file.tensors.keys().collect::<Vec<_>>(),
        ours.keys().collect::<Vec<_>>()
    );
    for (name, t) in &file.tensors {
        assert_eq!(t.shape(), ours[name].shape(), "{name}");
        assert_eq!(t.dtype(), ours[name].dtype(), "{name}");
    }
    assert_eq!(file.tensors["2.num_batches_tracked"].dtype(), Dtype::I64);
    assert!(file.tensors["2.num_batches_tracked"].shape().is_empty());
}

#[test]
fn tuneup_writes_exactly_the_bytes_pytorch_loaded_and_pytorch_agrees_on_outputs() {
    let fx = common::load_fixture("torch_model_outputs.json");
    let committed = std::fs::read(fixture_path("tuneup_model.safetensors")).unwrap();
    let mut net = tuneup_model();
    let bytes = weights_to_bytes(&net).unwrap();
    assert!(
        bytes == committed,
        "tuneup no longer writes the bytes PyTorch checked; rerun the ignored test and the script"
    );
    assert_eq!(fx["tuneup_model_dtypes"][0], "torch.float64");
    assert_eq!(fx["tuneup_model_dtypes"][1], "torch.int64");
    assert_eq!(fx["tuneup_model_num_batches_tracked"], 2);

    let out = net.predict(input().view()).unwrap();
    let expected = common::array2(&fx["tuneup_model_output"]);
    common::assert_close(
        &out,
        &expected,
        1e-12,
        1e-12,
        "PyTorch f64 on tuneup weights",
    );

    // And the file loads back into a fresh tuneup model bit for bit.
    let mut fresh = architecture::<f64>();
    load_weights_from_bytes(&mut fresh, &committed).unwrap();
    assert_eq!(fresh.predict(input().view()).unwrap(), out);
}

//! Weights that would corrupt a model are refused, naming the tensor, and the model is left as
//! it was: values that overflow f32, NaN / ±∞ (unless allowed), negative BatchNorm variances;
//! a truncated file says how many bytes it lacks.

use std::collections::BTreeMap;

use tuneup::prelude::*;
use tuneup::train::{load_state_dict, state_dict, LoadOptions, StateScope, Tensor, TensorFile};

fn net<F: Float>() -> Sequential<F> {
    Sequential::new()
        .push(Linear::new(3, 4, 1).unwrap())
        .push(BatchNorm1d::new(4).unwrap())
        .push(Linear::new(4, 2, 2).unwrap())
}

fn with_tensor(name: &str, values: Vec<f64>, shape: &[usize]) -> BTreeMap<String, Tensor> {
    let mut tensors = state_dict(&net::<f64>(), StateScope::Torch).unwrap();
    tensors.insert(name.to_string(), Tensor::from_f64(shape, &values).unwrap());
    tensors
}

fn values<F: Float>(model: &Sequential<F>) -> Vec<f64> {
    let mut out = Vec::new();
    model.visit_parameters(&mut |p| out.extend(p.value_slice().iter().map(|v| v.as_f64())));
    model.visit_buffers(&mut |b| out.extend(b.as_slice().iter().map(|v| v.as_f64())));
    out
}

fn refused<F: Float>(tensors: &BTreeMap<String, Tensor>, options: LoadOptions, says: &str) {
    let mut model = net::<F>();
    let before = values(&model);
    let err = load_state_dict(&mut model, tensors, options).unwrap_err();
    assert!(err.to_string().contains(says), "{err}");
    assert_eq!(values(&model), before, "the model changed");
}

#[test]
fn overflowing_non_finite_and_negative_variance_weights_are_refused() {
    let big = with_tensor("0.bias", vec![1.0, 1e300, 0.0, 0.0], &[4]);
    refused::<f32>(&big, LoadOptions::strict(), "beyond f32's range");
    // In f64 the same value fits.
    let mut m = net::<f64>();
    load_state_dict(&mut m, &big, LoadOptions::strict()).unwrap();
    let nan = with_tensor(
        "2.weight",
        vec![0.0, f64::NAN, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        &[2, 4],
    );
    refused::<f64>(&nan, LoadOptions::strict(), "finite values");
    let mut m = net::<f64>();
    load_state_dict(&mut m, &nan, LoadOptions::strict().allow_non_finite(true)).unwrap();
    let negative = with_tensor("1.running_var", vec![1.0, -0.5, 1.0, 1.0], &[4]);
    refused::<f64>(&negative, LoadOptions::strict(), "variances ≥ 0");
    // Non-strict loading skips the bad tensor, loads the rest and reports it.
    let mut m = net::<f64>();
    let report = load_state_dict(&mut m, &negative, LoadOptions::non_strict()).unwrap();
    assert_eq!(report.mismatched.len(), 1);
    assert_eq!(report.mismatched[0].name, "1.running_var");
}

#[test]
fn truncated_files_give_expected_and_found_sizes() {
    let bytes = tuneup::train::weights_to_bytes(&net::<f64>()).unwrap();
    let data_cut = TensorFile::from_bytes(&bytes[..bytes.len() - 10])
        .unwrap_err()
        .to_string();
    assert!(
        data_cut.contains("bytes of tensor data") && data_cut.contains("truncated"),
        "{data_cut}"
    );
    let header_cut = TensorFile::from_bytes(&bytes[..40])
        .unwrap_err()
        .to_string();
    assert!(
        header_cut.contains("a header of") && header_cut.contains("found 32 bytes"),
        "{header_cut}"
    );
    let tiny = TensorFile::from_bytes(&bytes[..3]).unwrap_err().to_string();
    assert!(
        tiny.contains("at least 8 bytes") && tiny.contains("found 3 bytes"),
        "{tiny}"
    );
    assert!(TensorFile::from_bytes(&bytes).is_ok());
}

//! Helpers shared by the integration tests: fixture loading and tolerance checks.
//!
//! Fixtures are JSON files under `tests/fixtures/`, written by the scripts in
//! `scripts/reference/` (never by the code they check). An array is stored as
//! `{"shape": [..], "data": [..]}` in row-major order.
#![allow(dead_code)]

use ndarray::{Array1, Array2, ArrayD, IxDyn};
use serde_json::Value;

/// Parses `tests/fixtures/<name>`.
pub fn load_fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parsing {path}: {e}"))
}

/// An n-D array from `{"shape": [...], "data": [...]}`.
pub fn array_d(v: &Value) -> ArrayD<f64> {
    let shape: Vec<usize> = v["shape"]
        .as_array()
        .expect("array has a shape")
        .iter()
        .map(|s| s.as_u64().expect("shape entries are integers") as usize)
        .collect();
    let data: Vec<f64> = v["data"]
        .as_array()
        .expect("array has data")
        .iter()
        .map(|x| x.as_f64().expect("data entries are numbers"))
        .collect();
    ArrayD::from_shape_vec(IxDyn(&shape), data).expect("data length matches shape")
}

/// A matrix from `{"shape": [r, c], "data": [...]}`.
pub fn array2(v: &Value) -> Array2<f64> {
    array_d(v).into_dimensionality().expect("a 2-D array")
}

/// A vector from `{"shape": [n], "data": [...]}` or a plain JSON list.
pub fn array1(v: &Value) -> Array1<f64> {
    if let Some(list) = v.as_array() {
        return list.iter().map(|x| x.as_f64().expect("number")).collect();
    }
    array_d(v).into_dimensionality().expect("a 1-D array")
}

/// Asserts `|a − b| ≤ rtol·|b| + atol` elementwise, naming `what` and the first bad index.
pub fn assert_close_slices(a: &[f64], b: &[f64], rtol: f64, atol: f64, what: &str) {
    assert_eq!(
        a.len(),
        b.len(),
        "{what}: length {} vs expected {}",
        a.len(),
        b.len()
    );
    for (i, (&x, &y)) in a.iter().zip(b).enumerate() {
        let tol = rtol * y.abs() + atol;
        assert!(
            (x - y).abs() <= tol,
            "{what}: index {i}: got {x:e}, expected {y:e} (diff {:e} > tol {tol:e})",
            (x - y).abs()
        );
    }
}

/// [`assert_close_slices`] for arrays of any dimension (shapes must match).
pub fn assert_close<D: ndarray::Dimension, E: ndarray::Dimension>(
    a: &ndarray::ArrayBase<impl ndarray::Data<Elem = f64>, D>,
    b: &ndarray::ArrayBase<impl ndarray::Data<Elem = f64>, E>,
    rtol: f64,
    atol: f64,
    what: &str,
) {
    assert_eq!(a.shape(), b.shape(), "{what}: shape");
    let a: Vec<f64> = a.iter().copied().collect();
    let b: Vec<f64> = b.iter().copied().collect();
    assert_close_slices(&a, &b, rtol, atol, what);
}

/// A fixture table `{"names": [..], "columns": [{"kind": "categorical" | "numeric",
/// "values": [..]}]}`: text columns' nulls are `None`, numeric columns' nulls NaN.
pub fn table(v: &Value) -> tuneup::data::Table<f64> {
    use tuneup::data::Column;
    let names: Vec<String> = v["names"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap().to_string())
        .collect();
    let columns = v["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let values = c["values"].as_array().unwrap();
            if c["kind"] == "categorical" {
                Column::Categorical(
                    values
                        .iter()
                        .map(|x| x.as_str().map(String::from))
                        .collect(),
                )
            } else {
                Column::Numeric(
                    values
                        .iter()
                        .map(|x| x.as_f64().unwrap_or(f64::NAN))
                        .collect(),
                )
            }
        })
        .collect();
    tuneup::data::Table::new(names, columns).unwrap()
}

/// A matrix `{"shape": [r, c], "data": [..]}` whose nulls are NaN.
pub fn nan_matrix(v: &Value) -> Array2<f64> {
    let shape: Vec<usize> = v["shape"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_u64().unwrap() as usize)
        .collect();
    let data: Vec<f64> = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap_or(f64::NAN))
        .collect();
    Array2::from_shape_vec((shape[0], shape[1]), data).unwrap()
}

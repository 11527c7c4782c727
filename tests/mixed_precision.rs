//! Mixed precision: a `Linear` layer's three matrix products at `bf16` or `f16` equal the
//! reduced-precision GEMMs of the same factors exactly (the activation is the crate's own
//! [`tanh`], bit-identical to the layer's); a Trainer run in `bf16` or `f16`
//! (with loss scaling) reaches the `f32` run's accuracy, bit-identically from run to run; an
//! `f64` model refuses a reduced precision.

use half::f16;
use ndarray::{Array2, Axis};
use tuneup::data::{make_classification, ClassificationConfig};
use tuneup::linalg::{gemm, gemm_bf16, Bf16Workspace, GemmWorkspace, Precision};
use tuneup::model::{matmul_precisions, set_matmul_precision, tanh, Layer, Mode};
use tuneup::parallel::GradScalerConfig;
use tuneup::prelude::*;
use tuneup::train::Trainer;
use tuneup::Error;

/// Values of several magnitudes, not representable in bf16 or f16.
fn values(rows: usize, cols: usize, offset: f32) -> Array2<f32> {
    Array2::from_shape_fn((rows, cols), |(i, j)| {
        ((i * cols + j) as f32 * 0.731 + offset).sin() * (1.0 + (j % 3) as f32 * 7.3)
    })
}

fn two_d(v: ndarray::ArrayViewD<f32>) -> Array2<f32> {
    v.into_dimensionality().unwrap().to_owned()
}

fn layer() -> Linear<f32> {
    Linear::new(6, 9, 4)
        .unwrap()
        .with_activation(Activation::Tanh)
        .unwrap()
}

/// `gemm_bf16` with its own workspace (what `Precision::Bf16` computes on every processor).
fn bf16_product(a: ndarray::ArrayView2<f32>, b: ndarray::ArrayView2<f32>) -> Array2<f32> {
    let mut c = Array2::zeros((a.nrows(), b.ncols()));
    gemm_bf16(1.0, a, b, 0.0, c.view_mut(), &mut Bf16Workspace::default()).unwrap();
    c
}

/// The f32 `gemm` of both factors rounded to half precision.
fn f16_product(a: ndarray::ArrayView2<f32>, b: ndarray::ArrayView2<f32>) -> Array2<f32> {
    rounded_product(a, b, |v| f16::from_f32(v).to_f32())
}

/// The f32 `gemm` of both factors rounded by `round`.
fn rounded_product(
    a: ndarray::ArrayView2<f32>,
    b: ndarray::ArrayView2<f32>,
    round: fn(f32) -> f32,
) -> Array2<f32> {
    let round = |x: ndarray::ArrayView2<f32>| x.mapv(round);
    let mut c = Array2::zeros((a.nrows(), b.ncols()));
    let (a, b) = (round(a), round(b));
    gemm(
        1.0,
        a.view(),
        b.view(),
        0.0,
        c.view_mut(),
        &mut GemmWorkspace::default(),
    );
    c
}

/// Forward, input gradient and weight gradient of `layer()` at `precision`, against the
/// reference `product` of the same factors.
fn check_products(
    precision: Precision,
    product: fn(ndarray::ArrayView2<f32>, ndarray::ArrayView2<f32>) -> Array2<f32>,
) {
    let mut lin = layer();
    assert_eq!(set_matmul_precision(&mut lin, precision).unwrap(), 1);
    let x = values(11, 6, 0.3);
    let g = values(11, 9, 1.7);
    let w = two_d(lin.weight().value());
    let b = lin.bias().unwrap().value_slice().to_vec();
    let y = lin.forward(x.view(), Mode::Train).unwrap().to_owned();
    let mut z = product(x.view(), w.t());
    z.axis_iter_mut(Axis(0))
        .for_each(|mut row| row.iter_mut().zip(&b).for_each(|(v, bj)| *v += bj));
    assert_eq!(y, z.mapv(tanh), "{precision} forward");
    lin.zero_grad();
    let dx = lin.backward(g.view()).unwrap().to_owned();
    let dz = &g * &y.mapv(|t| 1.0 - t * t);
    assert_eq!(
        dx,
        product(dz.view(), w.view()),
        "{precision} input gradient"
    );
    let dw = two_d(lin.weight().grad());
    assert_eq!(dw, product(dz.t(), x.view()), "{precision} weight gradient");
    // And it is not the f32 result.
    let mut full = layer();
    let y32 = full.forward(x.view(), Mode::Train).unwrap().to_owned();
    assert_ne!(y, y32, "{precision} rounds the factors");
    let rel = (&y - &y32).mapv(f32::abs).sum() / y32.mapv(f32::abs).sum();
    assert!(rel < 2e-2, "{precision} relative change {rel}");
}

#[test]
fn linear_products_in_bf16_equal_the_bf16_gemm_of_the_same_factors() {
    check_products(Precision::Bf16, bf16_product);
}

#[test]
fn linear_products_in_f16_equal_the_f32_gemm_of_half_precision_factors() {
    check_products(Precision::F16, f16_product);
}

/// One training run of the accuracy tests: a synthetic task split in half, an MLP with ReLU
/// and cross-entropy, Adam.
struct Run {
    task: ClassificationConfig,
    split_seed: u64,
    widths: &'static [usize],
    net_seed: u64,
    lr: f64,
    epochs: usize,
    batch_size: usize,
    seed: u64,
}

/// The 24-64-64-4 net on a 24-feature, 4-class task.
fn small_run() -> Run {
    Run {
        task: ClassificationConfig {
            n_samples: 6000,
            n_features: 24,
            n_informative: 12,
            n_redundant: 4,
            n_classes: 4,
            class_sep: 1.2,
            seed: 9,
            ..Default::default()
        },
        split_seed: 1,
        widths: &[24, 64, 64, 4],
        net_seed: 2,
        lr: 3e-3,
        epochs: 12,
        batch_size: 64,
        seed: 5,
    }
}

/// The `mnist` benchmark workload's net (784-256-128-10, batches of 128) on an MNIST-sized
/// synthetic task (784 features, 10 classes).
fn mnist_workload_run() -> Run {
    Run {
        task: ClassificationConfig {
            n_samples: 4000,
            n_features: 784,
            n_informative: 64,
            n_redundant: 16,
            n_classes: 10,
            class_sep: 2.0,
            seed: 21,
            ..Default::default()
        },
        split_seed: 3,
        widths: &[784, 256, 128, 10],
        net_seed: 4,
        lr: 1e-3,
        epochs: 6,
        batch_size: 128,
        seed: 6,
    }
}

/// Test accuracy and the weights' bits after `run` at `precision` (with a loss scaler when
/// `scaler`).
fn train(run: &Run, precision: Precision, scaler: bool) -> (f64, Vec<u32>) {
    let data = make_classification::<f32>(&run.task).unwrap();
    let (train, test) = data.train_test_split(0.5, true, run.split_seed).unwrap();
    let net = Mlp::new(run.widths)
        .activation(Activation::Relu)
        .seed(run.net_seed)
        .build::<f32>()
        .unwrap();
    let mut builder = Trainer::builder()
        .model(net)
        .loss(CrossEntropy::new())
        .optimizer(Adam::new(run.lr).unwrap())
        .epochs(run.epochs)
        .batch_size(run.batch_size)
        .seed(run.seed)
        .metric(Metric::Accuracy)
        .precision(precision);
    if scaler {
        builder = builder.grad_scaler(GradScalerConfig::default());
    }
    let mut t = builder.build().unwrap();
    t.fit_dataset(&train).unwrap();
    let accuracy = t.evaluate_dataset(&test).unwrap().get("accuracy").unwrap();
    let mut weights = Vec::new();
    t.model()
        .visit_parameters(&mut |p| weights.extend(p.value_slice().iter().map(|v| v.to_bits())));
    (accuracy, weights)
}

#[test]
fn training_in_reduced_precision_reaches_the_f32_accuracy_deterministically() {
    let run = small_run();
    let (full, w32) = train(&run, Precision::F32, false);
    let (bf16, w_bf16) = train(&run, Precision::Bf16, false);
    let (half, w_f16) = train(&run, Precision::F16, true);
    println!("test accuracy: f32 {full:.4}, bf16 {bf16:.4}, f16 + loss scaling {half:.4}");
    assert!(full > 0.8, "the task is learnable: {full}");
    for (name, acc) in [("bf16", bf16), ("f16", half)] {
        assert!((acc - full).abs() <= 0.005, "{name} {acc} vs f32 {full}");
    }
    assert_ne!(w_bf16, w32, "bf16 changes the arithmetic");
    assert_ne!(w_f16, w32, "f16 changes the arithmetic");
    // One seed, one result.
    assert_eq!(train(&run, Precision::Bf16, false).1, w_bf16);
}

#[test]
fn a_reduced_precision_needs_an_f32_model() {
    let net = Mlp::new(&[3, 2]).build::<f64>().unwrap();
    let err = Trainer::builder()
        .model(net)
        .loss(Mse::new())
        .optimizer(Sgd::new(0.1).unwrap())
        .precision(Precision::F16)
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::Config { .. }), "{err}");
    let msg = err.to_string();
    assert!(
        msg.contains("Trainer.precision") && msg.contains("f64"),
        "{msg}"
    );
    // By hand, the model is left as it was.
    let mut net = Mlp::new(&[3, 2]).build::<f64>().unwrap();
    assert!(set_matmul_precision(&mut net, Precision::Bf16).is_err());
    assert_eq!(matmul_precisions(&net), vec![Precision::F32]);
    // F32 is accepted on any model.
    assert_eq!(set_matmul_precision(&mut net, Precision::F32).unwrap(), 1);
}

#[test]
fn the_mnist_workload_in_reduced_precision_reaches_the_f32_accuracy_within_half_a_point() {
    let run = mnist_workload_run();
    let (full, w32) = train(&run, Precision::F32, false);
    let (bf16, w_bf16) = train(&run, Precision::Bf16, false);
    let (half, w_f16) = train(&run, Precision::F16, true);
    println!("mnist workload test accuracy: f32 {full:.4}, bf16 {bf16:.4}, f16 {half:.4}");
    assert!(full > 0.7, "the task is learnable (chance is 0.1): {full}");
    for (name, acc) in [("bf16", bf16), ("f16", half)] {
        assert!(acc >= full - 0.005, "{name} {acc} vs f32 {full}");
    }
    assert_ne!(w_bf16, w32, "bf16 changes the arithmetic");
    assert_ne!(w_f16, w32, "f16 changes the arithmetic");
}

//! `f32` depthwise convolutions (the AVX-512 direct kernels where the processor has them)
//! against the same layer in `f64` (the portable kernels, themselves checked against
//! PyTorch in `parity_conv.rs`): outputs, input gradients and parameter gradients over
//! strides, paddings (explicit, "same", asymmetric), kernels (square, non-square, even),
//! image sizes that are and are not multiples of the vector width, with and without bias;
//! and geometries the fast path does not take (dilation, column stride 3, large padding).
//! Repeated passes, also after a pass on a smaller batch, give the same bits.

use ndarray::Array2;
use tuneup::model::Padding;
use tuneup::prelude::*;
use tuneup::rand::rngs::StdRng;
use tuneup::rand::{Rng, SeedableRng};

/// Kernel, stride, padding, dilation, image (H, W), bias.
type Case = (
    (usize, usize),
    (usize, usize),
    Padding,
    (usize, usize),
    (usize, usize),
    bool,
);

fn cases() -> Vec<Case> {
    use Padding::{Explicit, Same};
    vec![
        ((3, 3), (1, 1), Explicit(1, 1), (1, 1), (32, 32), false),
        ((3, 3), (2, 2), Explicit(1, 1), (1, 1), (32, 32), false),
        ((3, 3), (1, 1), Same, (1, 1), (7, 9), true),
        ((3, 3), (2, 2), Explicit(1, 1), (1, 1), (7, 9), true),
        ((3, 3), (1, 1), Explicit(0, 0), (1, 1), (16, 40), true),
        ((5, 5), (2, 2), Explicit(2, 2), (1, 1), (17, 17), true),
        ((1, 3), (1, 2), Explicit(0, 1), (1, 1), (5, 33), true),
        ((2, 2), (1, 1), Same, (1, 1), (6, 6), true),
        ((4, 3), (2, 1), Explicit(3, 2), (1, 1), (9, 11), false),
        ((3, 3), (3, 1), Explicit(2, 1), (1, 1), (10, 50), true),
        ((3, 2), (1, 2), Explicit(1, 1), (1, 1), (8, 8), true),
        // Not on the fast path: dilation, column stride 3, padding as large as the kernel.
        ((3, 3), (1, 1), Explicit(2, 2), (2, 2), (9, 9), true),
        ((3, 3), (1, 3), Explicit(1, 1), (1, 1), (9, 20), true),
        ((3, 3), (1, 1), Explicit(3, 3), (1, 1), (5, 5), true),
    ]
}

fn build<F: Float>(channels: usize, case: &Case) -> Conv2d<F> {
    let (kernel, stride, padding, dilation, hw, bias) = *case;
    Conv2dConfig::new(channels, channels, kernel)
        .stride(stride)
        .padding(padding)
        .dilation(dilation)
        .groups(channels)
        .bias(bias)
        .build::<F>(hw, 3)
        .unwrap()
}

/// Copies every parameter of `from` into `to`, widened.
fn copy_parameters(from: &dyn Layer<f32>, to: &mut dyn Layer<f64>) {
    let mut values = Vec::new();
    from.visit_parameters(&mut |p| values.push(p.value().mapv(f64::from)));
    let mut values = values.into_iter();
    to.visit_parameters_mut(&mut |p| p.set_value(values.next().unwrap().view()).unwrap());
}

fn random(rows: usize, cols: usize, rng: &mut StdRng) -> Array2<f32> {
    Array2::from_shape_simple_fn((rows, cols), || rng.random_range(-1.0f32..1.0))
}

/// `|got − expected| ≤ 1e-5 · (1 + max |expected|)`, value by value.
fn close(got: &[f32], expected: &[f64], what: &str) {
    assert_eq!(got.len(), expected.len(), "{what}: length");
    let scale = 1.0 + expected.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    for (i, (&g, &e)) in got.iter().zip(expected).enumerate() {
        assert!(
            (f64::from(g) - e).abs() <= 1e-5 * scale,
            "{what}[{i}]: f32 {g}, f64 {e}"
        );
    }
}

/// Output, input gradient and parameter gradients of one pass on `x` with `dy`.
fn pass<F: Float>(
    layer: &mut dyn Layer<F>,
    x: &Array2<F>,
    dy: &Array2<F>,
) -> (Vec<F>, Vec<F>, Vec<F>) {
    layer.zero_grad();
    let y = layer
        .forward(x.view(), Mode::Train)
        .unwrap()
        .iter()
        .copied()
        .collect();
    let dx = layer.backward(dy.view()).unwrap().iter().copied().collect();
    let mut grads = Vec::new();
    layer.visit_parameters(&mut |p| grads.extend(p.grad().iter().copied()));
    (y, dx, grads)
}

#[test]
fn f32_depthwise_matches_f64_for_every_geometry() {
    let (channels, batch) = (5, 3);
    let mut rng = StdRng::seed_from_u64(11);
    for case in cases() {
        let mut fast = build::<f32>(channels, &case);
        let mut exact = build::<f64>(channels, &case);
        copy_parameters(&fast, &mut exact);
        let (h, w) = case.4;
        let x = random(batch, channels * h * w, &mut rng);
        let out_width = fast.forward(x.view(), Mode::Train).unwrap().ncols();
        let dy = random(batch, out_width, &mut rng);
        let (y, dx, grads) = pass(&mut fast, &x, &dy);
        let (y64, dx64, grads64) = pass(&mut exact, &x.mapv(f64::from), &dy.mapv(f64::from));
        let what = format!("{case:?}");
        close(&y, &y64, &format!("{what} output"));
        close(&dx, &dx64, &format!("{what} input gradient"));
        close(&grads, &grads64, &format!("{what} parameter gradients"));

        // A pass on a smaller batch, then the first again: the same bits.
        let small = random(1, channels * h * w, &mut rng);
        let small_dy = random(1, out_width, &mut rng);
        pass(&mut fast, &small, &small_dy);
        assert_eq!(pass(&mut fast, &x, &dy), (y, dx, grads), "{what}: repeat");
    }
}

#[test]
fn f32_depthwise_conv1d_matches_f64() {
    let (channels, batch, len) = (4, 2, 37);
    let mut rng = StdRng::seed_from_u64(5);
    for (stride, padding) in [(1, Padding::Same), (2, Padding::Explicit(0, 2))] {
        let config = Conv1dConfig::new(channels, channels, 5)
            .stride(stride)
            .padding(padding)
            .groups(channels);
        let mut fast = config.build::<f32>(len, 1).unwrap();
        let mut exact = config.build::<f64>(len, 1).unwrap();
        copy_parameters(&fast, &mut exact);
        let x = random(batch, channels * len, &mut rng);
        let out_width = fast.forward(x.view(), Mode::Train).unwrap().ncols();
        let dy = random(batch, out_width, &mut rng);
        let (y, dx, grads) = pass(&mut fast, &x, &dy);
        let (y64, dx64, grads64) = pass(&mut exact, &x.mapv(f64::from), &dy.mapv(f64::from));
        close(&y, &y64, "conv1d output");
        close(&dx, &dx64, "conv1d input gradient");
        close(&grads, &grads64, "conv1d parameter gradients");
    }
}

#[test]
fn f32_depthwise_threads_give_the_same_bits() {
    // Large enough (channels × batch × pixels × taps) for the pool to share the channels.
    let case = (
        (3, 3),
        (2, 2),
        Padding::Explicit(1, 1),
        (1, 1),
        (32, 32),
        true,
    );
    let (channels, batch) = (24, 16);
    let mut rng = StdRng::seed_from_u64(2);
    let x = random(batch, channels * 32 * 32, &mut rng);
    let dy = random(batch, channels * 16 * 16, &mut rng);
    let run = |threads: usize| {
        tuneup::linalg::set_num_threads(threads).unwrap();
        let mut conv = build::<f32>(channels, &case);
        pass(&mut conv, &x, &dy)
    };
    let one = run(1);
    assert_eq!(run(2), one);
    assert_eq!(run(3), one);
}

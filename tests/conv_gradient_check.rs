//! Finite-difference gradient checks of the convolution layers in `f64`, the approach of
//! `tests/gradient_check.rs`: on `L = Σ (output ⊙ R)` for a fixed random `R`, in train mode,
//! the input gradient of `backward` and every parameter gradient are compared with the
//! fourth-order central difference `(8(L(θ + h) − L(θ − h)) − (L(θ + 2h) − L(θ − 2h))) / 12h`.
//! Each evaluation builds the layer afresh (running statistics never leak between them).
//!
//! Also checked per layer: `backward_parameters` accumulates the same parameter gradients,
//! `backward_input` returns the same input gradient and leaves parameter gradients at zero,
//! and a second `backward` adds the gradients again.

use ndarray::Array2;
use tuneup::prelude::*;
use tuneup::rand::rngs::StdRng;
use tuneup::rand::{Rng, SeedableRng};

const H: f64 = 1e-4;
const TOL: f64 = 1e-6;
const FLOOR: f64 = 1e-4;

type Build<'a> = &'a dyn Fn() -> Box<dyn Layer<f64>>;

fn derivative(f: impl Fn(f64) -> f64) -> f64 {
    (8.0 * (f(H) - f(-H)) - (f(2.0 * H) - f(-2.0 * H))) / (12.0 * H)
}

fn compare(what: &str, analytic: f64, numeric: f64) {
    let e = (analytic - numeric).abs() / analytic.abs().max(numeric.abs()).max(FLOOR);
    assert!(
        e < TOL,
        "{what}: analytic {analytic:.12e} vs numeric {numeric:.12e} (relative error {e:.3e})"
    );
}

fn objective(
    build: Build<'_>,
    x: &Array2<f64>,
    r: &Array2<f64>,
    shift: Option<(usize, usize, f64)>,
) -> f64 {
    let mut layer = build();
    if let Some((which, index, delta)) = shift {
        let mut k = 0;
        layer.visit_parameters_mut(&mut |p| {
            if k == which {
                p.value_and_grad_mut().0[index] += delta;
            }
            k += 1;
        });
    }
    let out = layer.forward(x.view(), Mode::Train).expect("forward");
    (&out * r).sum()
}

fn grads(layer: &dyn Layer<f64>) -> Vec<Vec<f64>> {
    let mut out = Vec::new();
    layer.visit_parameters(&mut |p| out.push(p.grad_slice().to_vec()));
    out
}

fn check(name: &str, build: Build<'_>, shape: &[usize], batch: usize, seed: u64) {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut layer = build();
    let out_shape = layer
        .output_shape(shape)
        .expect("the layer takes the shape");
    let in_width = shape.iter().product();
    let x = Array2::from_shape_simple_fn((batch, in_width), || rng.random_range(-1.0..1.0));
    layer.zero_grad();
    let out_dim = layer.forward(x.view(), Mode::Train).unwrap().dim();
    assert_eq!(
        out_dim.1,
        out_shape.iter().product::<usize>(),
        "{name}: output_shape"
    );
    let r = Array2::from_shape_simple_fn(out_dim, || rng.random_range(-1.0..1.0));
    let grad_in = layer.backward(r.view()).unwrap().to_owned();
    let param_grads = grads(layer.as_ref());
    for ((i, j), &a) in grad_in.indexed_iter() {
        let n = derivative(|d| {
            let mut shifted = x.clone();
            shifted[[i, j]] += d;
            objective(build, &shifted, &r, None)
        });
        compare(&format!("{name}: ∂L/∂input[{i}, {j}]"), a, n);
    }
    for (k, g) in param_grads.iter().enumerate() {
        for (idx, &a) in g.iter().enumerate() {
            let n = derivative(|d| objective(build, &x, &r, Some((k, idx, d))));
            compare(&format!("{name}: ∂L/∂param{k}[{idx}]"), a, n);
        }
    }
    // backward_parameters: the same parameter gradients.
    let mut fresh = build();
    fresh.forward(x.view(), Mode::Train).unwrap();
    fresh.backward_parameters(r.view()).unwrap();
    assert_eq!(
        grads(fresh.as_ref()),
        param_grads,
        "{name}: backward_parameters"
    );
    // backward_input: the same input gradient, parameter gradients untouched.
    let mut fresh = build();
    fresh.forward(x.view(), Mode::Train).unwrap();
    let g = fresh.backward_input(r.view()).unwrap().to_owned();
    assert_eq!(g, grad_in, "{name}: backward_input");
    assert!(grads(fresh.as_ref()).iter().flatten().all(|&v| v == 0.0));
    // A second backward adds the gradients again.
    layer.backward(r.view()).unwrap();
    for (a, b) in param_grads
        .iter()
        .flatten()
        .zip(grads(layer.as_ref()).iter().flatten())
    {
        assert!(
            (2.0 * a - b).abs() <= 1e-12 * a.abs().max(1.0),
            "{name}: accumulation"
        );
    }
}

fn conv(config: Conv2dConfig, hw: (usize, usize)) -> impl Fn() -> Box<dyn Layer<f64>> {
    move || Box::new(config.build::<f64>(hw, 3).unwrap())
}

#[test]
fn conv2d_gradients_over_options() {
    let configs = [
        (
            Conv2dConfig::new(2, 3, (3, 2))
                .stride((2, 1))
                .padding((1, 0)),
            [2, 5, 4],
        ),
        (
            Conv2dConfig::new(4, 2, (2, 2))
                .groups(2)
                .dilation((2, 1))
                .bias(false),
            [4, 5, 5],
        ),
        (
            Conv2dConfig::new(3, 3, (3, 3))
                .groups(3)
                .padding(Padding::Same),
            [3, 4, 5],
        ),
        (
            Conv2dConfig::new(2, 4, (3, 3))
                .groups(2)
                .stride((2, 2))
                .padding(1),
            [2, 5, 4],
        ),
        (Conv2dConfig::new(3, 2, (1, 1)), [3, 3, 3]),
        (
            Conv2dConfig::new(1, 2, (4, 3))
                .padding(Padding::Same)
                .dilation((1, 2)),
            [1, 4, 5],
        ),
    ];
    for (i, (config, shape)) in configs.into_iter().enumerate() {
        let build = conv(config, (shape[1], shape[2]));
        check(&format!("conv2d case {i}"), &build, &shape, 2, i as u64);
    }
}

#[test]
fn conv1d_gradients() {
    let build = || -> Box<dyn Layer<f64>> {
        Box::new(
            Conv1dConfig::new(4, 2, 3)
                .stride(2)
                .padding(2)
                .dilation(2)
                .groups(2)
                .build::<f64>(9, 1)
                .unwrap(),
        )
    };
    check("conv1d", &build, &[4, 9], 2, 10);
    let same = || -> Box<dyn Layer<f64>> {
        Box::new(
            Conv1dConfig::new(2, 2, 4)
                .padding(Padding::Same)
                .build::<f64>(7, 1)
                .unwrap(),
        )
    };
    check("conv1d same", &same, &[2, 7], 2, 11);
}

#[test]
fn pooling_flatten_and_batchnorm2d_gradients() {
    let max = || -> Box<dyn Layer<f64>> {
        Box::new(
            Pool2dConfig::new((3, 3))
                .stride((2, 2))
                .padding((1, 1))
                .max([2, 5, 6])
                .unwrap(),
        )
    };
    check("max pool", &max, &[2, 5, 6], 2, 20);
    let avg = || -> Box<dyn Layer<f64>> {
        Box::new(
            Pool2dConfig::new((3, 2))
                .stride((2, 1))
                .padding((1, 1))
                .count_include_pad(false)
                .avg([2, 5, 4])
                .unwrap(),
        )
    };
    check("avg pool", &avg, &[2, 5, 4], 2, 21);
    let adaptive =
        || -> Box<dyn Layer<f64>> { Box::new(AdaptiveAvgPool2d::new([2, 5, 7], (2, 3)).unwrap()) };
    check("adaptive avg pool", &adaptive, &[2, 5, 7], 2, 22);
    let flat = || -> Box<dyn Layer<f64>> {
        Box::new(
            Sequential::new()
                .push(Flatten::new())
                .push(Linear::new(12, 2, 0).unwrap()),
        )
    };
    check("flatten", &flat, &[3, 2, 2], 2, 23);
    let bn = || -> Box<dyn Layer<f64>> {
        let mut bn = BatchNorm2d::<f64>::new(3).unwrap();
        bn.visit_parameters_mut(&mut |p| {
            for (i, v) in p.value_mut().iter_mut().enumerate() {
                *v += 0.3 * i as f64 - 0.2;
            }
        });
        Box::new(Sequential::new().push(bn).push(Flatten::new()))
    };
    let net = bn();
    assert_eq!(net.output_shape(&[3, 2, 3]).unwrap(), [18]);
    check("batchnorm2d", &bn, &[3, 2, 3], 3, 24);
}

#[test]
fn block_and_cnn_gradients() {
    let block = || -> Box<dyn Layer<f64>> {
        Box::new(DepthwiseSeparable::with_options(3, 4, 3, 2, Activation::Tanh, (5, 5), 7).unwrap())
    };
    check("depthwise separable", &block, &[3, 5, 5], 2, 30);
    let residual = || -> Box<dyn Layer<f64>> {
        let conv = |s| {
            Conv2dConfig::new(2, 2, (3, 3))
                .padding(1)
                .build::<f64>((4, 4), s)
                .unwrap()
        };
        let body = Sequential::new()
            .push(conv(1))
            .push(BatchNorm2d::new(2).unwrap())
            .push(ActivationLayer::new(Activation::Tanh).unwrap())
            .push(conv(2));
        Box::new(Residual::new(body, 32).unwrap())
    };
    check("residual conv block", &residual, &[2, 4, 4], 2, 31);
    for batch_norm in [true, false] {
        let projected = || -> Box<dyn Layer<f64>> {
            let body = Sequential::new()
                .push(
                    Conv2dConfig::new(2, 3, (3, 3))
                        .stride((2, 2))
                        .padding(1)
                        .build::<f64>((5, 4), 1)
                        .unwrap(),
                )
                .push(BatchNorm2d::new(3).unwrap())
                .push(ActivationLayer::new(Activation::Tanh).unwrap());
            Box::new(
                Residual::with_conv_projection(body, [2, 5, 4], (2, 2), batch_norm, 3).unwrap(),
            )
        };
        let name = format!("projection residual (batch norm {batch_norm})");
        check(&name, &projected, &[2, 5, 4], 3, 32);
    }
    let cnn = || -> Box<dyn Layer<f64>> {
        Box::new(
            Sequential::new()
                .push(
                    Conv2dConfig::new(1, 3, (3, 3))
                        .padding(1)
                        .build::<f64>((6, 6), 1)
                        .unwrap(),
                )
                .push(ActivationLayer::new(Activation::Tanh).unwrap())
                .push(Pool2dConfig::new((2, 2)).avg([3, 6, 6]).unwrap())
                .push(
                    Conv2dConfig::new(3, 2, (2, 2))
                        .build::<f64>((3, 3), 2)
                        .unwrap(),
                )
                .push(AdaptiveAvgPool2d::global([2, 2, 2]).unwrap())
                .push(Flatten::new())
                .push(Linear::new(2, 2, 3).unwrap()),
        )
    };
    check("small cnn", &cnn, &[1, 6, 6], 2, 32);
}

/// Outputs, input gradients and parameter gradients of a network large enough for the
/// threaded paths (chunks of samples, channel ranges of the depthwise kernel).
fn run_with_threads(threads: usize) -> (Vec<u64>, Vec<u64>, Vec<u64>) {
    tuneup::linalg::set_num_threads(threads).unwrap();
    let mut net = Sequential::<f64>::new()
        .push(
            Conv2dConfig::new(3, 8, (3, 3))
                .padding(1)
                .build((12, 12), 1)
                .unwrap(),
        )
        .push(DepthwiseSeparable::new(8, 16, 1, (12, 12), 2).unwrap())
        .push(
            Conv2dConfig::new(16, 8, (3, 3))
                .groups(2)
                .stride((2, 2))
                .build((12, 12), 3)
                .unwrap(),
        )
        .push(Flatten::new());
    let mut rng = StdRng::seed_from_u64(5);
    let x = Array2::from_shape_simple_fn((40, 3 * 144), || rng.random_range(-1.0..1.0));
    let y = net.forward(x.view(), Mode::Train).unwrap().to_owned();
    let r = Array2::from_shape_simple_fn(y.raw_dim(), || rng.random_range(-1.0..1.0));
    let g = net.backward(r.view()).unwrap().to_owned();
    let mut grads = Vec::new();
    net.visit_parameters(&mut |p| grads.extend(p.grad_slice().iter().map(|v| v.to_bits())));
    let bits = |a: &Array2<f64>| a.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
    (bits(&y), bits(&g), grads)
}

#[test]
fn results_are_bit_identical_for_every_thread_count() {
    let before = tuneup::linalg::num_threads();
    let one = run_with_threads(1);
    for threads in [2, 3] {
        assert!(run_with_threads(threads) == one, "{threads} threads");
    }
    tuneup::linalg::set_num_threads(before).unwrap();
}

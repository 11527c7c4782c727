//! Finite-difference gradient checks in `f64`.
//!
//! Every layer is checked on the scalar objective `L = Σ (output ⊙ R)` for a fixed random `R`
//! (so `∂L/∂output = R`), in train mode: the input gradient returned by `backward` and every
//! parameter gradient it accumulates are compared with fourth-order central differences
//! `(8(L(θ + h) − L(θ − h)) − (L(θ + 2h) − L(θ − 2h))) / 12h`. Losses are checked with respect
//! to the prediction and regularizers with respect to the parameters; whole networks are also
//! checked on a real objective (loss + penalty).
//!
//! Each evaluation of `L` builds the layer afresh from the same seeds, so layers with state
//! drawn in `forward` (dropout masks) see the identical mask in every evaluation, and
//! batch-norm running statistics never leak from one evaluation into the next.
//!
//! The error measure is `|a − n| / max(|a|, |n|, FLOOR)` and must stay below `TOL` for every
//! entry. `FLOOR` only matters for entries whose true gradient is (near) zero, where the
//! finite difference is pure rounding noise of order `ε·|L|/h`.

use ndarray::{Array1, Array2, ArrayView2};
use tuneup::loss::{Penalty, Reduction};
use tuneup::model::{ParamKind, Parameter, Visitor, VisitorMut};
use tuneup::prelude::*;
use tuneup::rand::rngs::StdRng;
use tuneup::rand::{Rng, SeedableRng};

/// Finite-difference step of the fourth-order stencil (see [`derivative`]). Its truncation
/// error is O(h⁴) ≈ 1e-16 and its rounding error about ε·|L|/h ≈ 1e-11 for |L| ~ 10. The
/// plain two-point difference with h = 1e-6 leaves rounding noise of ≈ 1e-9 absolute, which is
/// already a relative error of 1e-6 on a gradient entry of 1e-3 (seen on a weighted, smoothed
/// cross-entropy), so it could not hold the 1e-6 bound. Inputs are random, so no evaluation
/// point lies within 2h of a kink (ReLU at 0, |d| at 0, Huber at |d| = δ); a crossing would
/// fail loudly rather than pass silently.
const H: f64 = 1e-4;
/// Largest accepted error.
const TOL: f64 = 1e-6;
/// Denominator floor of the relative error.
const FLOOR: f64 = 1e-4;

type Build<'a> = &'a dyn Fn() -> Box<dyn Layer<f64>>;

fn rel_err(analytic: f64, numeric: f64) -> f64 {
    (analytic - numeric).abs() / analytic.abs().max(numeric.abs()).max(FLOOR)
}

fn uniform(rng: &mut StdRng, shape: (usize, usize), lo: f64, hi: f64) -> Array2<f64> {
    Array2::from_shape_simple_fn(shape, || rng.random_range(lo..hi))
}

/// The derivative at 0 of `f(δ)` (the objective with one coordinate shifted by δ), by the
/// fourth-order central difference
/// `(8(f(h) − f(−h)) − (f(2h) − f(−2h))) / 12h`.
fn derivative(f: impl Fn(f64) -> f64) -> f64 {
    (8.0 * (f(H) - f(-H)) - (f(2.0 * H) - f(-2.0 * H))) / (12.0 * H)
}

/// `x` with entry `(i, j)` shifted by `d`.
fn shifted(x: &Array2<f64>, i: usize, j: usize, d: f64) -> Array2<f64> {
    let mut y = x.clone();
    y[[i, j]] += d;
    y
}

/// Asserts one analytic/numeric pair and returns its error.
fn compare(what: &str, analytic: f64, numeric: f64) -> f64 {
    let e = rel_err(analytic, numeric);
    assert!(
        e < TOL,
        "{what}: analytic {analytic:.12e} vs numeric {numeric:.12e} (relative error {e:.3e})"
    );
    e
}

/// Adds `delta` to flat entry `index` of the `which`-th parameter.
fn perturb(layer: &mut dyn Layer<f64>, which: usize, index: usize, delta: f64) {
    let mut k = 0;
    layer.visit_parameters_mut(&mut |p| {
        if k == which {
            let (value, _) = p.value_and_grad_mut();
            value[index] += delta;
        }
        k += 1;
    });
}

/// Parameter names and gradients, in visiting order.
fn param_grads(layer: &dyn Layer<f64>) -> Vec<(String, Vec<f64>)> {
    let mut out = Vec::new();
    layer.visit_parameters(&mut |p| out.push((p.name().to_string(), p.grad_slice().to_vec())));
    out
}

/// `Σ layer(x) ⊙ r` for a freshly built layer, optionally with one parameter entry shifted.
fn layer_objective(
    build: Build<'_>,
    x: &Array2<f64>,
    r: &Array2<f64>,
    shift: Option<(usize, usize, f64)>,
) -> f64 {
    let mut layer = build();
    if let Some((which, index, delta)) = shift {
        perturb(layer.as_mut(), which, index, delta);
    }
    let out = layer.forward(x.view(), Mode::Train).expect("forward");
    assert_eq!(
        out.dim(),
        r.dim(),
        "output shape changed between evaluations"
    );
    (&out * r).sum()
}

/// Gradient check of a layer on `L = Σ layer(x) ⊙ R`; returns the largest error seen.
///
/// Also checks that `backward_parameters` accumulates the same parameter gradients as
/// `backward`, and that a second `backward` adds to (rather than overwrites) them.
fn check_layer(
    name: &str,
    build: Build<'_>,
    x: &Array2<f64>,
    expected_params: usize,
    seed: u64,
) -> f64 {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut layer = build();
    assert_eq!(
        layer.num_parameters(),
        expected_params,
        "{name}: parameter count"
    );
    layer.zero_grad();
    let out_dim = layer.forward(x.view(), Mode::Train).expect("forward").dim();
    assert_eq!(out_dim.0, x.nrows(), "{name}: batch size changed");
    let r = uniform(&mut rng, out_dim, -1.0, 1.0);
    let grad_in = layer.backward(r.view()).expect("backward").to_owned();
    assert_eq!(grad_in.dim(), x.dim(), "{name}: input-gradient shape");
    let grads = param_grads(layer.as_ref());

    let mut worst: f64 = 0.0;
    // Input gradient.
    for ((i, j), &a) in grad_in.indexed_iter() {
        let n = derivative(|d| layer_objective(build, &shifted(x, i, j, d), &r, None));
        worst = worst.max(compare(&format!("{name}: ∂L/∂input[{i}, {j}]"), a, n));
    }
    // Every parameter gradient.
    for (k, (pname, g)) in grads.iter().enumerate() {
        for (idx, &a) in g.iter().enumerate() {
            let n = derivative(|d| layer_objective(build, x, &r, Some((k, idx, d))));
            worst = worst.max(compare(&format!("{name}: ∂L/∂{pname}[{idx}]"), a, n));
        }
    }

    // backward_parameters gives the same parameter gradients.
    let mut fresh = build();
    fresh.zero_grad();
    fresh.forward(x.view(), Mode::Train).expect("forward");
    fresh
        .backward_parameters(r.view())
        .expect("backward_parameters");
    for ((pname, g), (_, g2)) in grads.iter().zip(param_grads(fresh.as_ref())) {
        for (idx, (&a, &b)) in g.iter().zip(&g2).enumerate() {
            assert!(
                (a - b).abs() <= 1e-12 * a.abs().max(1.0),
                "{name}: backward_parameters gives {b} for {pname}[{idx}], backward gives {a}"
            );
        }
    }

    // A second backward adds the same gradient again.
    layer.backward(r.view()).expect("second backward");
    for ((pname, g), (_, g2)) in grads.iter().zip(param_grads(layer.as_ref())) {
        for (idx, (&a, &b)) in g.iter().zip(&g2).enumerate() {
            assert!(
                (2.0 * a - b).abs() <= 1e-12 * a.abs().max(1.0),
                "{name}: after two backward calls {pname}[{idx}] is {b}, expected 2 × {a}"
            );
        }
    }
    // zero_grad clears every gradient.
    layer.zero_grad();
    for (pname, g) in param_grads(layer.as_ref()) {
        assert!(
            g.iter().all(|&v| v == 0.0),
            "{name}: zero_grad left {pname} non-zero"
        );
    }
    eprintln!("{name}: max relative error {worst:.2e}");
    worst
}

/// The activations checked, covering both derivative paths (from output, from input).
fn activations() -> Vec<Activation> {
    vec![
        Activation::Identity,
        Activation::Sigmoid,
        Activation::Tanh,
        Activation::Relu,
        Activation::LEAKY_RELU,
        Activation::LeakyRelu { slope: 0.2 },
        Activation::LeakyRelu { slope: -0.3 },
        Activation::ELU,
        Activation::Elu { alpha: 0.5 },
        Activation::Gelu,
        Activation::GeluTanh,
        Activation::Silu,
        Activation::SOFTPLUS,
        Activation::Softplus {
            beta: 2.0,
            threshold: 20.0,
        },
    ]
}

// ───────────────────────────── single layers ─────────────────────────────

#[test]
fn linear_with_and_without_bias_every_fused_activation() {
    let (inp, out) = (5, 3);
    for (a, act) in activations().into_iter().enumerate() {
        for bias in [true, false] {
            for batch in [4, 1] {
                let mut rng = StdRng::seed_from_u64(100 + a as u64);
                let w = uniform(&mut rng, (out, inp), -0.8, 0.8);
                let b: Array1<f64> =
                    Array1::from_shape_simple_fn(out, || rng.random_range(-0.5..0.5));
                let x = uniform(&mut rng, (batch, inp), -2.0, 2.0);
                let build = || -> Box<dyn Layer<f64>> {
                    let layer = Linear::from_weights(w.clone(), bias.then(|| b.clone())).unwrap();
                    Box::new(layer.with_activation(act).unwrap())
                };
                let n_params = out * inp + if bias { out } else { 0 };
                check_layer(
                    &format!("Linear(5 → 3, {act}, bias={bias}, batch={batch})"),
                    &build,
                    &x,
                    n_params,
                    7 + a as u64,
                );
            }
        }
    }
}

#[test]
fn linear_with_seeded_initialisation() {
    let mut rng = StdRng::seed_from_u64(3);
    let x = uniform(&mut rng, (6, 7), -1.5, 1.5);
    let build = || -> Box<dyn Layer<f64>> {
        Box::new(
            Linear::new(7, 2, 11)
                .unwrap()
                .with_activation(Activation::Tanh)
                .unwrap(),
        )
    };
    check_layer("Linear::new(7 → 2, tanh)", &build, &x, 7 * 2 + 2, 1);
}

#[test]
fn activation_layer_every_activation() {
    for (a, act) in activations().into_iter().enumerate() {
        for batch in [3, 1] {
            let mut rng = StdRng::seed_from_u64(200 + a as u64);
            let x = uniform(&mut rng, (batch, 5), -3.0, 3.0);
            let build = || -> Box<dyn Layer<f64>> { Box::new(ActivationLayer::new(act).unwrap()) };
            check_layer(
                &format!("ActivationLayer({act}, batch={batch})"),
                &build,
                &x,
                0,
                a as u64,
            );
        }
    }
}

#[test]
fn softmax_and_log_softmax() {
    for batch in [4, 1] {
        let mut rng = StdRng::seed_from_u64(300);
        let x = uniform(&mut rng, (batch, 6), -3.0, 3.0);
        let build = || -> Box<dyn Layer<f64>> { Box::new(Softmax::new()) };
        check_layer(&format!("Softmax(batch={batch})"), &build, &x, 0, 1);
        let build = || -> Box<dyn Layer<f64>> { Box::new(LogSoftmax::new()) };
        check_layer(&format!("LogSoftmax(batch={batch})"), &build, &x, 0, 2);
    }
}

#[test]
fn dropout_with_the_same_mask() {
    for (p, batch) in [(0.3, 5), (0.5, 1), (0.0, 3)] {
        let mut rng = StdRng::seed_from_u64(400);
        let x = uniform(&mut rng, (batch, 8), -2.0, 2.0);
        // A fresh layer from the same seed draws the same mask in every evaluation.
        let build = || -> Box<dyn Layer<f64>> { Box::new(Dropout::new(p, 99).unwrap()) };
        check_layer(&format!("Dropout(p={p}, batch={batch})"), &build, &x, 0, 3);

        // The mask itself: backward of ones is output / input, each entry 0 or 1/(1 − p).
        let mut d = Dropout::<f64>::new(p, 99).unwrap();
        let y = d.forward(x.view(), Mode::Train).unwrap().to_owned();
        let g = d.backward(Array2::ones(x.dim()).view()).unwrap().to_owned();
        let keep = 1.0 / (1.0 - p);
        for ((i, j), &gij) in g.indexed_iter() {
            assert!(gij == 0.0 || (gij - keep).abs() < 1e-15, "mask entry {gij}");
            assert!(
                (y[[i, j]] - gij * x[[i, j]]).abs() < 1e-15,
                "output is not mask ⊙ input"
            );
        }
    }
    // Eval mode is the identity, with the identity gradient.
    let x = Array2::from_shape_fn((3, 4), |(i, j)| (i * 4 + j) as f64 - 5.0);
    let mut d = Dropout::<f64>::new(0.5, 1).unwrap();
    assert_eq!(d.forward(x.view(), Mode::Eval).unwrap(), x);
    let g = Array2::from_elem((3, 4), 0.25);
    assert_eq!(d.backward(g.view()).unwrap(), g);
}

#[test]
fn batch_norm_train_mode_affine_and_not() {
    for affine in [true, false] {
        for (batch, width) in [(6, 4), (2, 3)] {
            let mut rng = StdRng::seed_from_u64(500);
            let x = uniform(&mut rng, (batch, width), -2.0, 3.0);
            // Non-trivial affine parameters so that γ ≠ 1 and β ≠ 0 are exercised.
            let gamma: Vec<f64> = (0..width).map(|_| rng.random_range(0.5..1.5)).collect();
            let beta: Vec<f64> = (0..width).map(|_| rng.random_range(-0.5..0.5)).collect();
            let build = || -> Box<dyn Layer<f64>> {
                let mut bn = BatchNorm1d::with_options(width, 1e-5, 0.1, affine).unwrap();
                let mut k = 0;
                bn.visit_parameters_mut(&mut |p| {
                    let src = if k == 0 { &gamma } else { &beta };
                    p.value_and_grad_mut().0.copy_from_slice(src);
                    k += 1;
                });
                Box::new(bn)
            };
            let n_params = if affine { 2 * width } else { 0 };
            check_layer(
                &format!("BatchNorm1d({width}, affine={affine}, batch={batch})"),
                &build,
                &x,
                n_params,
                5,
            );
        }
    }
}

#[test]
fn batch_norm_eval_mode() {
    // In eval mode the running statistics are constants: check after a few train batches.
    let mut rng = StdRng::seed_from_u64(501);
    let warm = uniform(&mut rng, (8, 3), -1.0, 2.0);
    let x = uniform(&mut rng, (4, 3), -2.0, 2.0);
    let r = uniform(&mut rng, (4, 3), -1.0, 1.0);
    let build = || {
        let mut bn = BatchNorm1d::<f64>::new(3).unwrap();
        bn.forward(warm.view(), Mode::Train).unwrap();
        bn.forward(warm.view(), Mode::Train).unwrap();
        bn
    };
    let eval_obj = |x: &Array2<f64>, shift: Option<(usize, usize, f64)>| {
        let mut bn = build();
        if let Some((w, i, d)) = shift {
            perturb(&mut bn, w, i, d);
        }
        (&bn.forward(x.view(), Mode::Eval).unwrap() * &r).sum()
    };
    let mut bn = build();
    bn.zero_grad();
    bn.forward(x.view(), Mode::Eval).unwrap();
    let gi = bn.backward(r.view()).unwrap().to_owned();
    for ((i, j), &a) in gi.indexed_iter() {
        let n = derivative(|d| eval_obj(&shifted(&x, i, j, d), None));
        compare("BatchNorm1d eval ∂L/∂input", a, n);
    }
    for (k, (pname, g)) in param_grads(&bn).iter().enumerate() {
        for (idx, &a) in g.iter().enumerate() {
            let n = derivative(|d| eval_obj(&x, Some((k, idx, d))));
            compare(&format!("BatchNorm1d eval ∂L/∂{pname}[{idx}]"), a, n);
        }
    }
}

#[test]
fn batch_norm_rejects_a_batch_of_one_in_train_mode() {
    let mut bn = BatchNorm1d::<f64>::new(3).unwrap();
    let x = Array2::from_elem((1, 3), 0.5);
    match bn.forward(x.view(), Mode::Train) {
        Err(Error::Shape { context, found, .. }) => {
            assert!(context.contains("BatchNorm1d(3)"), "{context}");
            assert!(found.contains("batch of 1"), "{found}");
        }
        other => panic!("expected a shape error, got {other:?}"),
    }
    // Eval mode takes one sample.
    assert!(bn.forward(x.view(), Mode::Eval).is_ok());
    // Inside an Mlp the error names the position.
    let mut net = Mlp::new(&[3, 4, 2])
        .normalization(Normalization::Batch)
        .build::<f64>()
        .unwrap();
    match net.forward(x.view(), Mode::Train) {
        Err(Error::Shape { context, .. }) => {
            assert!(
                context.contains("Sequential[1]") && context.contains("BatchNorm1d(4)"),
                "{context}"
            )
        }
        other => panic!("expected a shape error, got {other:?}"),
    }
}

#[test]
fn layer_norm_affine_and_not() {
    for affine in [true, false] {
        for batch in [5, 1] {
            let mut rng = StdRng::seed_from_u64(600);
            let x = uniform(&mut rng, (batch, 6), -2.0, 2.0);
            let gamma: Vec<f64> = (0..6).map(|_| rng.random_range(0.5..1.5)).collect();
            let beta: Vec<f64> = (0..6).map(|_| rng.random_range(-0.5..0.5)).collect();
            let build = || -> Box<dyn Layer<f64>> {
                let mut ln = LayerNorm::with_options(6, 1e-5, affine).unwrap();
                let mut k = 0;
                ln.visit_parameters_mut(&mut |p| {
                    let src = if k == 0 { &gamma } else { &beta };
                    p.value_and_grad_mut().0.copy_from_slice(src);
                    k += 1;
                });
                Box::new(ln)
            };
            let n_params = if affine { 12 } else { 0 };
            check_layer(
                &format!("LayerNorm(6, affine={affine}, batch={batch})"),
                &build,
                &x,
                n_params,
                6,
            );
        }
    }
}

#[test]
fn residual_identity_skip_and_projection() {
    for batch in [4, 1] {
        let mut rng = StdRng::seed_from_u64(700);
        let x = uniform(&mut rng, (batch, 5), -2.0, 2.0);
        let build = || -> Box<dyn Layer<f64>> {
            let body = Linear::new(5, 5, 1)
                .unwrap()
                .with_activation(Activation::Tanh)
                .unwrap();
            Box::new(Residual::new(body, 5).unwrap())
        };
        check_layer(
            &format!("Residual(identity, batch={batch})"),
            &build,
            &x,
            30,
            8,
        );

        // A body that is itself a chain, with a normalisation inside.
        let build = || -> Box<dyn Layer<f64>> {
            let body = Sequential::new()
                .push(Linear::new(5, 7, 2).unwrap())
                .push(LayerNorm::new(7).unwrap())
                .push(ActivationLayer::new(Activation::Gelu).unwrap())
                .push(Linear::new(7, 5, 3).unwrap());
            Box::new(Residual::new(body, 5).unwrap())
        };
        check_layer(
            &format!("Residual(chain body, batch={batch})"),
            &build,
            &x,
            42 + 14 + 40,
            9,
        );

        let build = || -> Box<dyn Layer<f64>> {
            let body = Linear::new(5, 3, 4)
                .unwrap()
                .with_activation(Activation::Silu)
                .unwrap();
            Box::new(Residual::with_projection(body, 5, 5).unwrap())
        };
        check_layer(
            &format!("Residual(projection 5 → 3, batch={batch})"),
            &build,
            &x,
            18 + 15,
            10,
        );
    }
}

// ───────────────────────────── networks ─────────────────────────────

#[test]
fn sequential_and_mlp_with_several_layers() {
    for batch in [6, 1] {
        let mut rng = StdRng::seed_from_u64(800);
        let x = uniform(&mut rng, (batch, 5), -2.0, 2.0);

        let build = || -> Box<dyn Layer<f64>> {
            Box::new(
                Mlp::new(&[5, 7, 6, 3])
                    .activation(Activation::Tanh)
                    .seed(3)
                    .build()
                    .unwrap(),
            )
        };
        check_layer(
            &format!("Mlp 5-7-6-3 tanh (batch={batch})"),
            &build,
            &x,
            42 + 48 + 21,
            11,
        );

        let build = || -> Box<dyn Layer<f64>> {
            Box::new(
                Mlp::new(&[5, 8, 4, 2])
                    .activation(Activation::Gelu)
                    .normalization(Normalization::Layer)
                    .dropout(0.25)
                    .output_activation(Activation::Sigmoid)
                    .seed(4)
                    .build()
                    .unwrap(),
            )
        };
        check_layer(
            &format!("Mlp 5-8-4-2 LayerNorm + dropout (batch={batch})"),
            &build,
            &x,
            48 + 16 + 36 + 8 + 10,
            12,
        );

        let build = || -> Box<dyn Layer<f64>> {
            Box::new(
                Sequential::new()
                    .push(
                        Linear::new(5, 6, 1)
                            .unwrap()
                            .with_activation(Activation::ELU)
                            .unwrap(),
                    )
                    .push(
                        Residual::new(
                            Linear::new(6, 6, 2)
                                .unwrap()
                                .with_activation(Activation::Relu)
                                .unwrap(),
                            6,
                        )
                        .unwrap(),
                    )
                    .push(LayerNorm::new(6).unwrap())
                    .push(Dropout::new(0.2, 5).unwrap())
                    .push(
                        Residual::with_projection(
                            Linear::new(6, 4, 3)
                                .unwrap()
                                .with_activation(Activation::Softplus {
                                    beta: 1.5,
                                    threshold: 20.0,
                                })
                                .unwrap(),
                            6,
                            4,
                        )
                        .unwrap(),
                    )
                    .push(Linear::new(4, 3, 5).unwrap())
                    .push(LogSoftmax::new()),
            )
        };
        check_layer(
            &format!("Sequential with residuals, LayerNorm, dropout, log-softmax (batch={batch})"),
            &build,
            &x,
            36 + 42 + 12 + 28 + 24 + 15,
            13,
        );
    }
    // Batch norm needs two or more samples in train mode.
    let mut rng = StdRng::seed_from_u64(801);
    let x = uniform(&mut rng, (5, 4), -2.0, 2.0);
    let build = || -> Box<dyn Layer<f64>> {
        Box::new(
            Mlp::new(&[4, 6, 5, 2])
                .activation(Activation::LEAKY_RELU)
                .normalization(Normalization::Batch)
                .dropout(0.3)
                .seed(9)
                .build()
                .unwrap(),
        )
    };
    check_layer(
        "Mlp 4-6-5-2 BatchNorm + dropout",
        &build,
        &x,
        30 + 12 + 35 + 10 + 12,
        14,
    );
    let build = || -> Box<dyn Layer<f64>> {
        Box::new(
            Sequential::new()
                .push(Linear::new(4, 5, 1).unwrap())
                .push(BatchNorm1d::new(5).unwrap())
                .push(ActivationLayer::new(Activation::Silu).unwrap())
                .push(
                    Residual::new(
                        Sequential::new()
                            .push(Linear::new(5, 5, 2).unwrap())
                            .push(BatchNorm1d::with_options(5, 1e-5, 0.1, false).unwrap())
                            .push(ActivationLayer::new(Activation::Tanh).unwrap()),
                        5,
                    )
                    .unwrap(),
                )
                .push(Linear::new(5, 3, 3).unwrap())
                .push(Softmax::new()),
        )
    };
    check_layer(
        "Sequential with BatchNorm inside a residual, softmax",
        &build,
        &x,
        25 + 10 + 30 + 18,
        15,
    );
}

/// The real objective `loss(net(x), y) + penalty(net)` against finite differences, through
/// the training-loop API (`backward_parameters`, `add_gradient`).
fn check_objective(
    name: &str,
    build: &dyn Fn() -> Sequential<f64>,
    x: &Array2<f64>,
    targets: Targets<'_, f64>,
    loss: &dyn Loss<f64>,
    reg: &dyn Regularizer<f64>,
) {
    let objective = |shift: Option<(usize, usize, f64)>| {
        let mut net = build();
        if let Some((w, i, d)) = shift {
            perturb(&mut net, w, i, d);
        }
        let out = net.forward(x.view(), Mode::Train).unwrap();
        loss.value(out, targets).unwrap() + reg.penalty(&net)
    };
    let mut net = build();
    net.zero_grad();
    let out = net.forward(x.view(), Mode::Train).unwrap();
    let mut grad = Array2::zeros((0, 0));
    let value = loss.value_and_grad(out, targets, &mut grad).unwrap();
    net.backward_parameters(grad.view()).unwrap();
    let penalty = reg.add_gradient(&mut net);
    let total = value + penalty;
    assert!(
        (total - objective(None)).abs() <= 1e-12 * total.abs().max(1.0),
        "{name}: value"
    );
    let mut worst: f64 = 0.0;
    for (k, (pname, g)) in param_grads(&net).iter().enumerate() {
        for (idx, &a) in g.iter().enumerate() {
            let n = derivative(|d| objective(Some((k, idx, d))));
            worst = worst.max(compare(&format!("{name}: ∂J/∂{pname}[{idx}]"), a, n));
        }
    }
    eprintln!("{name}: max relative error {worst:.2e}");
}

#[test]
fn training_objective_of_whole_networks() {
    let mut rng = StdRng::seed_from_u64(900);
    let x = uniform(&mut rng, (7, 6), -2.0, 2.0);
    let classes = [0usize, 3, 1, 2, 3, 0, 1];
    let build = || {
        Mlp::new(&[6, 9, 4])
            .activation(Activation::Relu)
            .normalization(Normalization::Layer)
            .dropout(0.2)
            .seed(21)
            .build()
            .unwrap()
    };
    let ce = CrossEntropy::new().with_label_smoothing(0.1).unwrap();
    let l2 = L2::new(0.05).unwrap();
    check_objective(
        "Mlp + CE(classes) + L2",
        &build,
        &x,
        classes[..].into(),
        &ce,
        &l2,
    );

    let y = uniform(&mut rng, (7, 2), 0.0, 1.0);
    let build = || {
        Mlp::new(&[6, 5, 5, 2])
            .activation(Activation::Sigmoid)
            .normalization(Normalization::Batch)
            .seed(22)
            .build()
            .unwrap()
    };
    let bce = BceWithLogits::new()
        .with_pos_weight(vec![2.0, 0.5])
        .unwrap();
    let en = ElasticNet::new(0.02, 0.4)
        .unwrap()
        .include_biases(true)
        .include_norm(true);
    check_objective(
        "Mlp(BatchNorm) + BCEWithLogits + ElasticNet",
        &build,
        &x,
        (&y).into(),
        &bce,
        &en,
    );

    let x1 = uniform(&mut rng, (1, 6), -2.0, 2.0);
    let y1 = uniform(&mut rng, (1, 3), -1.0, 1.0);
    let build = || {
        Mlp::new(&[6, 4, 3])
            .activation(Activation::GeluTanh)
            .seed(23)
            .build()
            .unwrap()
    };
    let huber = Huber::new(0.3).unwrap().with_reduction(Reduction::Sum);
    let l1 = L1::new(0.01).unwrap();
    check_objective(
        "Mlp + Huber(sum) + L1, batch 1",
        &build,
        &x1,
        (&y1).into(),
        &huber,
        &l1,
    );
}

// ───────────────────────────── losses ─────────────────────────────

/// Gradient of a loss with respect to the prediction; also checks that `value_and_grad`
/// returns the same value as `value`.
fn check_loss(
    name: &str,
    loss: &dyn Loss<f64>,
    pred: &Array2<f64>,
    targets: Targets<'_, f64>,
) -> f64 {
    let mut grad = Array2::zeros((0, 0));
    let v = loss
        .value_and_grad(pred.view(), targets, &mut grad)
        .unwrap();
    let v2 = loss.value(pred.view(), targets).unwrap();
    assert!(
        (v - v2).abs() <= 1e-14 * v.abs().max(1.0),
        "{name}: value {v} vs value_and_grad {v2}"
    );
    assert!(v.is_finite(), "{name}: value {v}");
    assert_eq!(grad.dim(), pred.dim(), "{name}: gradient shape");
    let mut worst: f64 = 0.0;
    for ((i, j), &a) in grad.indexed_iter() {
        let n = derivative(|d| loss.value(shifted(pred, i, j, d).view(), targets).unwrap());
        worst = worst.max(compare(&format!("{name}: ∂L/∂pred[{i}, {j}]"), a, n));
    }
    eprintln!("{name}: max relative error {worst:.2e}");
    worst
}

const REDUCTIONS: [Reduction; 2] = [Reduction::Mean, Reduction::Sum];

#[test]
fn regression_losses() {
    for (batch, seed) in [(5, 1000u64), (1, 1001)] {
        let mut rng = StdRng::seed_from_u64(seed);
        let pred = uniform(&mut rng, (batch, 3), -2.0, 2.0);
        let target = uniform(&mut rng, (batch, 3), -2.0, 2.0);
        for red in REDUCTIONS {
            check_loss(
                &format!("MSE {red:?} b{batch}"),
                &Mse::with_reduction(red),
                &pred,
                (&target).into(),
            );
            check_loss(
                &format!("MAE {red:?} b{batch}"),
                &Mae::with_reduction(red),
                &pred,
                (&target).into(),
            );
            // δ = 0.9 leaves residuals on both sides of the threshold.
            let huber = Huber::new(0.9).unwrap().with_reduction(red);
            check_loss(
                &format!("Huber {red:?} b{batch}"),
                &huber,
                &pred,
                (&target).into(),
            );
        }
    }
    // Both Huber branches really are exercised above.
    let mut rng = StdRng::seed_from_u64(1000);
    let pred = uniform(&mut rng, (5, 3), -2.0, 2.0);
    let target = uniform(&mut rng, (5, 3), -2.0, 2.0);
    let d = &pred - &target;
    assert!(d.iter().any(|v| v.abs() < 0.9) && d.iter().any(|v| v.abs() > 0.9));
}

#[test]
fn binary_cross_entropy_losses() {
    for (batch, seed) in [(6, 1100u64), (1, 1101)] {
        let mut rng = StdRng::seed_from_u64(seed);
        let probs = uniform(&mut rng, (batch, 2), 0.05, 0.95);
        let logits = uniform(&mut rng, (batch, 2), -4.0, 4.0);
        let hard =
            Array2::from_shape_simple_fn(
                (batch, 2),
                || if rng.random_bool(0.5) { 1.0 } else { 0.0 },
            );
        let soft = uniform(&mut rng, (batch, 2), 0.0, 1.0);
        for red in REDUCTIONS {
            for (tname, t) in [("hard", &hard), ("soft", &soft)] {
                check_loss(
                    &format!("BCE {red:?} {tname} b{batch}"),
                    &Bce::with_reduction(red),
                    &probs,
                    t.into(),
                );
                let plain = BceWithLogits::new().with_reduction(red);
                check_loss(
                    &format!("BCEWithLogits {red:?} {tname} b{batch}"),
                    &plain,
                    &logits,
                    t.into(),
                );
                let weighted = BceWithLogits::new()
                    .with_reduction(red)
                    .with_pos_weight(vec![3.0, 0.4])
                    .unwrap();
                check_loss(
                    &format!("BCEWithLogits pos_weight {red:?} {tname} b{batch}"),
                    &weighted,
                    &logits,
                    t.into(),
                );
            }
        }
    }
}

#[test]
fn cross_entropy_every_form() {
    for (batch, seed) in [(6, 1200u64), (1, 1201)] {
        let k = 4;
        let mut rng = StdRng::seed_from_u64(seed);
        let logits = uniform(&mut rng, (batch, k), -3.0, 3.0);
        let classes: Vec<usize> = (0..batch).map(|_| rng.random_range(0..k)).collect();
        let mut soft = uniform(&mut rng, (batch, k), 0.0, 1.0);
        for mut row in soft.rows_mut() {
            let s = row.sum();
            row.mapv_inplace(|v| v / s);
        }
        let weights = vec![0.5, 2.0, 1.0, 1.5];
        for red in REDUCTIONS {
            let variants: Vec<(&str, CrossEntropy)> = vec![
                ("plain", CrossEntropy::new().with_reduction(red)),
                (
                    "weights",
                    CrossEntropy::new()
                        .with_reduction(red)
                        .with_class_weights(weights.clone())
                        .unwrap(),
                ),
                (
                    "smoothing",
                    CrossEntropy::new()
                        .with_reduction(red)
                        .with_label_smoothing(0.15)
                        .unwrap(),
                ),
                (
                    "weights+smoothing",
                    CrossEntropy::new()
                        .with_reduction(red)
                        .with_class_weights(weights.clone())
                        .unwrap()
                        .with_label_smoothing(0.15)
                        .unwrap(),
                ),
            ];
            for (vname, ce) in &variants {
                check_loss(
                    &format!("CE classes {vname} {red:?} b{batch}"),
                    ce,
                    &logits,
                    classes.as_slice().into(),
                );
                check_loss(
                    &format!("CE soft {vname} {red:?} b{batch}"),
                    ce,
                    &logits,
                    (&soft).into(),
                );
            }
        }
    }
}

// ───────────────────────────── regularizers ─────────────────────────────

#[test]
fn regularizers_with_respect_to_parameters() {
    let build = || {
        let mut rng = StdRng::seed_from_u64(1300);
        let mut net = Sequential::new()
            .push(
                Linear::new(4, 5, 1)
                    .unwrap()
                    .with_activation(Activation::Tanh)
                    .unwrap(),
            )
            .push(LayerNorm::new(5).unwrap())
            .push(Linear::new(5, 3, 2).unwrap());
        // Move every parameter (norm ones included) away from 0, the kink of |θ|.
        net.visit_parameters_mut(&mut |p| {
            for v in p.value_and_grad_mut().0 {
                let mag = rng.random_range(0.1..1.0);
                *v = if rng.random_bool(0.5) { mag } else { -mag };
            }
        });
        net
    };
    let penalties: Vec<(&str, Penalty)> = vec![
        ("L1", L1::new(0.03).unwrap()),
        ("L2", L2::new(0.2).unwrap()),
        ("ElasticNet", ElasticNet::new(0.1, 0.3).unwrap()),
        ("L1 + biases", L1::new(0.03).unwrap().include_biases(true)),
        ("L2 + norm", L2::new(0.2).unwrap().include_norm(true)),
        (
            "ElasticNet + all",
            ElasticNet::new(0.1, 0.7)
                .unwrap()
                .include_biases(true)
                .include_norm(true),
        ),
    ];
    for (pname, pen) in &penalties {
        let mut net = build();
        net.zero_grad();
        let returned: f64 = pen.add_gradient(&mut net);
        let value: f64 = pen.penalty(&net);
        assert!(
            (returned - value).abs() <= 1e-14 * value.abs().max(1.0),
            "{pname}: add_gradient returned {returned}, penalty {value}"
        );
        assert!(value > 0.0, "{pname}: penalty {value}");
        let mut worst: f64 = 0.0;
        let mut touched = 0;
        for (k, (name, g)) in param_grads(&net).iter().enumerate() {
            for (idx, &a) in g.iter().enumerate() {
                let f = |d: f64| {
                    let mut net = build();
                    perturb(&mut net, k, idx, d);
                    pen.penalty(&net)
                };
                let n = derivative(f);
                worst = worst.max(compare(&format!("{pname}: ∂R/∂{name}[{idx}]"), a, n));
                if a != 0.0 {
                    touched += 1;
                }
            }
        }
        // Weights always count (20 + 15); biases add 5 + 3, norm parameters 10.
        let expected = match *pname {
            "L1" | "L2" | "ElasticNet" => 35,
            "L1 + biases" => 43,
            "L2 + norm" => 45,
            _ => 53,
        };
        assert_eq!(
            touched, expected,
            "{pname}: parameters with a penalty gradient"
        );
        eprintln!("{pname}: max relative error {worst:.2e}");
    }
}

// ───────────────────────────── the checker itself ─────────────────────────────

/// `y = w ⊙ x` (one weight per column) whose weight gradient is off by `error` (relative):
/// the checker must reject any error well above `TOL`.
#[derive(Clone)]
struct Skewed {
    weight: Parameter<f64>,
    input: Array2<f64>,
    output: Array2<f64>,
    grad_input: Array2<f64>,
    error: f64,
}

impl Skewed {
    fn new(error: f64) -> Self {
        let w = ndarray::arr1(&[0.7, -1.3, 0.4]).into_dyn();
        let empty = Array2::zeros((0, 0));
        Skewed {
            weight: Parameter::new("weight", w, ParamKind::Weight),
            input: empty.clone(),
            output: empty.clone(),
            grad_input: empty,
            error,
        }
    }
}

impl Layer<f64> for Skewed {
    fn describe(&self) -> String {
        "Skewed".into()
    }
    fn output_shape(&self, input: &[usize]) -> tuneup::Result<Vec<usize>> {
        Ok(input.to_vec())
    }
    fn forward<'a>(
        &'a mut self,
        input: ArrayView2<'a, f64>,
        _: Mode,
    ) -> tuneup::Result<ArrayView2<'a, f64>> {
        let w = self.weight.value_slice();
        self.input = input.to_owned();
        self.output = Array2::from_shape_fn(input.dim(), |(i, j)| input[[i, j]] * w[j]);
        Ok(self.output.view())
    }
    fn backward<'a>(
        &'a mut self,
        grad_output: ArrayView2<'a, f64>,
    ) -> tuneup::Result<ArrayView2<'a, f64>> {
        let w = self.weight.value_slice().to_vec();
        let (_, g) = self.weight.value_and_grad_slices_mut();
        for (((_, j), &x), &go) in self.input.indexed_iter().zip(grad_output.iter()) {
            g[j] += go * x * (1.0 + self.error);
        }
        self.grad_input =
            Array2::from_shape_fn(grad_output.dim(), |(i, j)| grad_output[[i, j]] * w[j]);
        Ok(self.grad_input.view())
    }
    fn visit(&self, visitor: &mut dyn Visitor<f64>) {
        visitor.parameter(&self.weight);
    }
    fn visit_mut(&mut self, visitor: &mut dyn VisitorMut<f64>) {
        visitor.parameter(&mut self.weight);
    }
}

#[test]
fn the_checker_rejects_a_gradient_wrong_by_one_part_in_a_hundred_thousand() {
    let mut rng = StdRng::seed_from_u64(1400);
    let x = uniform(&mut rng, (4, 3), -2.0, 2.0);
    let exact = || -> Box<dyn Layer<f64>> { Box::new(Skewed::new(0.0)) };
    check_layer("Skewed(exact)", &exact, &x, 3, 1);
    let skewed = || -> Box<dyn Layer<f64>> { Box::new(Skewed::new(1e-5)) };
    let caught = std::panic::catch_unwind(|| check_layer("Skewed(1e-5)", &skewed, &x, 3, 1));
    assert!(
        caught.is_err(),
        "a weight gradient off by 1e-5 passed the check"
    );
}

//! `Layer::backward_overwrite` / `backward_parameters_overwrite`: the gradients of
//! `zero_grad` + `backward` without the zeroing pass, whatever the old gradients held, on the
//! layers that override them (Linear, Sequential, Box<dyn Layer>) and on those that take the
//! default; and the Trainer's step, which uses them when no callback runs.

use ndarray::Array2;
use tuneup::prelude::*;
use tuneup::train::{Callback, Trainer};

/// Every gradient of the model, in visiting order.
fn grads<F: Float>(net: &dyn Layer<F>) -> Vec<F> {
    let mut g = Vec::new();
    net.visit_parameters(&mut |p| g.extend_from_slice(p.grad_slice()));
    g
}

/// Fills every gradient with NaN: what a wrong overwrite would leave behind shows.
fn poison<F: Float>(net: &mut dyn Layer<F>) {
    net.visit_parameters_mut(&mut |p| p.grad_mut().fill(F::nan()));
}

fn inputs<F: Float>(rows: usize, cols: usize) -> Array2<F> {
    Array2::from_shape_fn((rows, cols), |(i, j)| {
        F::cast(((i * cols + j) as f64 * 0.37).sin())
    })
}

/// `zero_grad` + `backward_parameters` and `backward` against their overwriting forms on
/// stale (NaN) gradients: equal values (`==`, so a zero's sign may differ), equal input
/// gradients.
fn check_overwrite<F: Float>(net: &mut dyn Layer<F>, x: &Array2<F>, width: usize) {
    let g = inputs::<F>(x.nrows(), width);
    net.forward(x.view(), Mode::Train).unwrap();
    net.zero_grad();
    net.backward_parameters(g.view()).unwrap();
    let expected = grads(net);
    net.zero_grad();
    let expected_input = net.backward(g.view()).unwrap().to_owned();
    assert_eq!(
        grads(net),
        expected,
        "backward and backward_parameters differ"
    );

    poison(net);
    net.backward_parameters_overwrite(g.view()).unwrap();
    assert_eq!(grads(net), expected, "backward_parameters_overwrite");
    poison(net);
    let input = net.backward_overwrite(g.view()).unwrap().to_owned();
    assert_eq!(grads(net), expected, "backward_overwrite");
    assert_eq!(input, expected_input, "backward_overwrite's input gradient");
}

#[test]
fn mlp_overwrite_equals_zero_grad_then_backward() {
    for act in [Activation::Relu, Activation::Sigmoid, Activation::Identity] {
        // 300 × 70 → 90 crosses the product's blocking in every dimension.
        let mut net = Mlp::new(&[70, 90, 33, 5])
            .activation(act)
            .seed(3)
            .build::<f32>()
            .unwrap();
        check_overwrite(&mut net, &inputs(300, 70), 5);
        let mut net = Mlp::new(&[7, 9, 2])
            .activation(act)
            .seed(4)
            .build::<f64>()
            .unwrap();
        check_overwrite(&mut net, &inputs(11, 7), 2);
    }
}

#[test]
fn layers_on_the_default_path_and_boxed_layers_agree() {
    let net = Sequential::<f64>::new()
        .push(
            Linear::new(4, 6, 1)
                .unwrap()
                .with_activation(Activation::Tanh)
                .unwrap(),
        )
        .push(LayerNorm::new(6).unwrap())
        .push(
            Residual::new(
                Linear::new(6, 6, 2)
                    .unwrap()
                    .with_activation(Activation::Gelu)
                    .unwrap(),
                6,
            )
            .unwrap(),
        )
        .push(BatchNorm1d::new(6).unwrap())
        .push(Linear::new(6, 3, 4).unwrap());
    let mut boxed: Box<dyn Layer<f64>> = Box::new(net);
    check_overwrite(&mut boxed, &inputs(9, 4), 3);
}

#[test]
fn frozen_parameters_end_at_zero_as_after_zero_grad() {
    let mut net = Mlp::new(&[5, 4, 3]).seed(7).build::<f64>().unwrap();
    net.visit_parameters_mut(&mut |p| {
        if p.name().starts_with("0.") {
            p.set_frozen(true);
        }
    });
    let x = inputs::<f64>(6, 5);
    let g = inputs::<f64>(6, 3);
    net.forward(x.view(), Mode::Train).unwrap();
    poison(&mut net);
    net.backward_parameters_overwrite(g.view()).unwrap();
    let mut frozen_zero = true;
    let mut live_finite = true;
    net.visit_parameters(&mut |p| {
        if p.is_frozen() {
            frozen_zero &= p.grad_slice().iter().all(|&v| v == 0.0);
        } else {
            live_finite &= p.grad_slice().iter().all(|v| v.is_finite());
        }
    });
    assert!(frozen_zero, "a frozen gradient kept its stale values");
    assert!(live_finite);
    check_overwrite(&mut net, &x, 3);
}

#[test]
fn a_wrong_gradient_shape_is_refused_and_touches_nothing() {
    let mut net = Mlp::new(&[3, 4, 2]).seed(1).build::<f32>().unwrap();
    net.forward(inputs::<f32>(5, 3).view(), Mode::Train)
        .unwrap();
    net.visit_parameters_mut(&mut |p| p.grad_mut().fill(0.25));
    let before = grads(&net);
    let wrong = Array2::<f32>::ones((5, 3));
    let err = net.backward_parameters_overwrite(wrong.view()).unwrap_err();
    assert!(matches!(err, Error::Shape { .. }), "{err}");
    assert!(err.to_string().contains("Sequential[1]"), "{err}");
    assert_eq!(grads(&net), before);
}

/// A callback that does nothing: with it, the Trainer zeroes the gradients before each step
/// (a callback may read them); without it, the step's backward writes them.
#[derive(Clone)]
struct Quiet;

impl Callback<f64> for Quiet {
    fn name(&self) -> String {
        "quiet".to_string()
    }
}

#[test]
fn trainer_steps_with_and_without_zero_grad_reach_the_same_weights() {
    let x = inputs::<f64>(40, 3);
    let y = Array2::from_shape_fn((40, 1), |(i, _)| (i % 3) as f64 * 0.5);
    let fit = |quiet: bool| {
        let net = Mlp::new(&[3, 8, 1]).seed(5).build::<f64>().unwrap();
        let mut b = Trainer::builder()
            .model(net)
            .loss(Mse::new())
            .optimizer(Adam::new(0.01).unwrap())
            .batch_size(8)
            .epochs(3)
            .seed(2);
        if quiet {
            b = b.callback(Quiet);
        }
        let mut t = b.build().unwrap();
        t.fit(x.view(), &y).unwrap();
        let mut w = Vec::new();
        t.model()
            .visit_parameters(&mut |p| w.extend_from_slice(p.value_slice()));
        w
    };
    let (written, zeroed) = (fit(false), fit(true));
    assert_eq!(written, zeroed);
    assert!(written.iter().all(|v| v.is_finite()));
}

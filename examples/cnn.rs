//! Convolutions against a dense network on images: `make_shapes` draws 16 × 16 bars, crosses,
//! rings and squares with random size, shift and pixel noise; a dense MLP, a small CNN and a
//! depthwise-separable CNN of similar parameter counts train for the same epochs with Adam
//! and cross-entropy, and their test accuracies are printed.
//!
//! Run with `cargo run --release --example cnn`.

use ndarray::{Array2, Axis};
use tuneup::data::{make_shapes, ShapesConfig};
use tuneup::prelude::*;

const SIDE: usize = 16;
const EPOCHS: usize = 15;
const BATCH: usize = 32;

/// Mini-batch Adam on cross-entropy; returns the net.
fn train(net: &mut Sequential<f32>, x: &Array2<f32>, y: &[usize]) -> Result<()> {
    let loss = CrossEntropy::new();
    let mut adam = Adam::new(2e-3)?;
    let mut grad = Array2::zeros((0, 0));
    for _ in 0..EPOCHS {
        for start in (0..x.nrows()).step_by(BATCH) {
            let end = (start + BATCH).min(x.nrows());
            let xb = x.slice(ndarray::s![start..end, ..]);
            net.zero_grad();
            let out = net.forward(xb, Mode::Train)?;
            loss.value_and_grad(out, (&y[start..end]).into(), &mut grad)?;
            net.backward_parameters(grad.view())?;
            Optimizer::<f32>::step(&mut adam, net)?;
        }
    }
    Ok(())
}

/// Share of rows whose largest logit is the label.
fn accuracy(net: &mut Sequential<f32>, x: &Array2<f32>, y: &[usize]) -> Result<f64> {
    let out = net.predict(x.view())?;
    let hits = out
        .axis_iter(Axis(0))
        .zip(y)
        .filter(|&(ref row, &label)| {
            let best = row
                .iter()
                .enumerate()
                .fold((0, f32::MIN), |b, (i, &v)| if v > b.1 { (i, v) } else { b });
            best.0 == label
        })
        .count();
    Ok(hits as f64 / y.len() as f64)
}

fn main() -> Result<()> {
    let config = ShapesConfig {
        n_samples: 1200,
        size: SIDE,
        noise: 0.3,
        max_shift: 2.0,
        seed: 7,
        ..Default::default()
    };
    let data = make_shapes::<f32>(&config)?;
    let labels = data.labels().expect("a classification dataset");
    let (x_train, x_test) = (
        data.features().slice(ndarray::s![..1000, ..]).to_owned(),
        data.features().slice(ndarray::s![1000.., ..]).to_owned(),
    );
    let (y_train, y_test) = (&labels[..1000], &labels[1000..]);

    let mlp = Mlp::new(&[SIDE * SIDE, 12, 4]).seed(1).build::<f32>()?;
    let cnn = Cnn::new([1, SIDE, SIDE])
        .conv(12, 3)
        .max_pool(2)
        .conv(24, 3)
        .max_pool(2)
        .global_avg_pool()
        .seed(2)
        .build::<f32>(4)?;
    let separable = Cnn::new([1, SIDE, SIDE])
        .conv(16, 3)
        .max_pool(2)
        .separable(32, 1)
        .separable(48, 2)
        .global_avg_pool()
        .seed(3)
        .build::<f32>(4)?;
    println!("{}", separable.summary_for(&[1, SIDE, SIDE])?);
    for (name, mut net) in [
        ("dense MLP", mlp),
        ("CNN", cnn),
        ("separable CNN", separable),
    ] {
        let params = net.num_parameters();
        train(&mut net, &x_train, y_train)?;
        let acc = accuracy(&mut net, &x_test, y_test)?;
        println!(
            "{name:>14}: {params:>5} parameters, test accuracy {:.1}%",
            100.0 * acc
        );
    }
    Ok(())
}

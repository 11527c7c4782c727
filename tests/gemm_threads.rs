//! Training with one thread and with several gives the same weights bit for bit: large matrix
//! products are cut at tile boundaries and every part is computed as one thread computes it,
//! and large parameters are updated in one range per thread by every built-in optimizer.
//!
//! One `#[test]` only: the thread count is a process-wide setting.

use ndarray::Array2;
use tuneup::linalg::{num_threads, set_num_threads};
use tuneup::prelude::*;
use tuneup::rand::rngs::StdRng;
use tuneup::rand::{Rng, SeedableRng};

fn train(threads: usize) -> Vec<u32> {
    set_num_threads(threads).unwrap();
    assert_eq!(num_threads(), threads);
    // 128 × 300 × 256 and the backward products are well above the threshold (4.2 M).
    let mut net = Mlp::new(&[300, 256, 130, 10])
        .activation(Activation::Relu)
        .seed(5)
        .build::<f32>()
        .unwrap();
    let mut rng = StdRng::seed_from_u64(1);
    let x = Array2::from_shape_fn((128, 300), |_| rng.random_range(-1.0f32..1.0));
    let y: Vec<usize> = (0..128).map(|i| (i * 7) % 10).collect();
    let mut adam = Adam::new(1e-3).unwrap();
    let loss = CrossEntropy::new();
    let mut grad = Array2::zeros((0, 0));
    for _ in 0..4 {
        net.zero_grad();
        let out = net.forward(x.view(), Mode::Train).unwrap();
        loss.value_and_grad(out, y.as_slice().into(), &mut grad)
            .unwrap();
        net.backward(grad.view()).unwrap();
        adam.step(&mut net).unwrap();
    }
    let mut bits = Vec::new();
    net.visit_parameters(&mut |p| bits.extend(p.value_slice().iter().map(|v| v.to_bits())));
    bits
}

/// Builds one optimizer.
type MakeOptimizer = fn() -> Box<dyn Optimizer<f32>>;

/// Every optimizer (each buffer layout: none, one, two, three) on a first layer of 300 × 257 =
/// 77 100 weights, above the parallel-update size and not a multiple of the range alignment.
fn optimizers(threads: usize) -> Vec<Vec<u32>> {
    set_num_threads(threads).unwrap();
    let make: [MakeOptimizer; 6] = [
        || Box::new(Sgd::new(0.01).unwrap()),
        || {
            Box::new(
                Sgd::new(0.01)
                    .unwrap()
                    .momentum(0.9)
                    .unwrap()
                    .nesterov(true)
                    .unwrap(),
            )
        },
        || {
            Box::new(
                Adam::new(1e-3)
                    .unwrap()
                    .amsgrad(true)
                    .unwrap()
                    .weight_decay(0.1)
                    .unwrap(),
            )
        },
        || Box::new(AdamW::new(1e-3).unwrap().weight_decay(0.1).unwrap()),
        || {
            Box::new(
                RmsProp::new(1e-3)
                    .unwrap()
                    .momentum(0.5)
                    .unwrap()
                    .centered(true)
                    .unwrap(),
            )
        },
        || Box::new(Adagrad::new(1e-2).unwrap().weight_decay(0.01).unwrap()),
    ];
    let mut rng = StdRng::seed_from_u64(2);
    let x = Array2::from_shape_fn((64, 300), |_| rng.random_range(-1.0f32..1.0));
    let y = Array2::from_shape_fn((64, 1), |_| rng.random_range(-1.0f32..1.0));
    let loss = Mse::new();
    let mut grad = Array2::zeros((0, 0));
    make.iter()
        .map(|opt| {
            let mut opt = opt();
            let mut net = Mlp::new(&[300, 257, 1]).seed(9).build::<f32>().unwrap();
            for _ in 0..3 {
                net.zero_grad();
                let out = net.forward(x.view(), Mode::Train).unwrap();
                loss.value_and_grad(out, (&y).into(), &mut grad).unwrap();
                net.backward_parameters(grad.view()).unwrap();
                opt.step(&mut net).unwrap();
            }
            let mut bits = Vec::new();
            net.visit_parameters(&mut |p| bits.extend(p.value_slice().iter().map(|v| v.to_bits())));
            bits
        })
        .collect()
}

#[test]
fn one_two_and_three_threads_train_to_the_same_bits() {
    let one = train(1);
    let one_each = optimizers(1);
    for threads in [2, 3] {
        assert!(train(threads) == one, "{threads} threads differ from one");
        for (i, (a, b)) in optimizers(threads).iter().zip(&one_each).enumerate() {
            assert!(a == b, "optimizer #{i}: {threads} threads differ from one");
        }
    }
    assert!(set_num_threads(0).is_err());
}

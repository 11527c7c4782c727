//! Augmentation: MixUp, Gaussian noise, FGSM and PGD.

use ndarray::{array, Array2, Axis};
use rand::{Rng, SeedableRng};
use tuneup::data::{one_hot, Augmenter, Fgsm, GaussianNoise, MixUp, Pgd};
use tuneup::prelude::*;

fn batch(n: usize, d: usize, seed: u64) -> Array2<f64> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    Array2::from_shape_simple_fn((n, d), || rng.random_range(-2.0..2.0))
}

#[test]
fn mixup_targets_are_lambda_weighted_mixtures_that_sum_to_one() {
    let x0 = batch(16, 5, 1);
    let labels: Vec<usize> = (0..16).map(|i| i % 3).collect();
    let y0 = one_hot::<f64>(&labels, 3).unwrap();
    let (mut x, mut y) = (x0.clone(), y0.clone());
    let mut mixup = MixUp::new(0.4, 11).unwrap();
    mixup.augment(x.view_mut(), y.view_mut()).unwrap();
    let l = mixup.last_lambda();
    assert!(
        (0.5..1.0).contains(&l),
        "λ = {l} is folded to [0.5, 1) and mixing happened"
    );
    let perm = mixup.last_permutation().to_vec();
    let mut sorted = perm.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, (0..16).collect::<Vec<_>>(), "a permutation");
    assert!(perm.iter().enumerate().any(|(i, &p)| i != p));
    for i in 0..16 {
        for j in 0..5 {
            assert_eq!(x[[i, j]], l * x0[[i, j]] + (1.0 - l) * x0[[perm[i], j]]);
        }
        for c in 0..3 {
            assert_eq!(y[[i, c]], l * y0[[i, c]] + (1.0 - l) * y0[[perm[i], c]]);
        }
        assert!((y.row(i).sum() - 1.0).abs() < 1e-15);
    }
}

#[test]
fn mixup_with_vanishing_alpha_leaves_the_batch_unchanged() {
    let x0 = batch(32, 4, 2);
    let y0 = one_hot::<f64>(&(0..32).map(|i| i % 2).collect::<Vec<_>>(), 2).unwrap();
    for alpha in [0.0, 1e-8] {
        let (mut x, mut y) = (x0.clone(), y0.clone());
        let mut mixup = MixUp::new(alpha, 5).unwrap();
        for _ in 0..5 {
            mixup.augment(x.view_mut(), y.view_mut()).unwrap();
        }
        let dx = (&x - &x0).mapv(f64::abs).fold(0.0f64, |m, &v| m.max(v));
        let dy = (&y - &y0).mapv(f64::abs).fold(0.0f64, |m, &v| m.max(v));
        assert!(dx < 1e-12 && dy < 1e-12, "α = {alpha}: moved by {dx}, {dy}");
    }
}

#[test]
fn mixup_is_deterministic_per_seed_and_checks_its_input() {
    let run = |seed| {
        let (mut x, mut y) = (
            batch(8, 3, 3),
            one_hot::<f64>(&[0, 1, 0, 1, 0, 1, 0, 1], 2).unwrap(),
        );
        let mut m = MixUp::new(1.0, seed).unwrap();
        m.augment(x.view_mut(), y.view_mut()).unwrap();
        m.augment(x.view_mut(), y.view_mut()).unwrap();
        (x, y)
    };
    assert_eq!(run(4), run(4));
    assert_ne!(run(4).0, run(5).0);
    let mut x = batch(4, 2, 1);
    let mut y = Array2::<f64>::zeros((3, 1));
    let err = MixUp::new(0.2, 0)
        .unwrap()
        .augment(x.view_mut(), y.view_mut())
        .unwrap_err();
    assert!(matches!(err, Error::Shape { .. }), "{err}");
    for bad in [-0.1, f64::NAN, f64::INFINITY] {
        assert!(matches!(
            MixUp::<f64>::new(bad, 0),
            Err(Error::Config { .. })
        ));
    }
}

#[test]
fn gaussian_noise_perturbs_features_only_and_is_seeded() {
    let x0 = Array2::<f64>::zeros((400, 25));
    let y0 = batch(400, 1, 9);
    let (mut x, mut y) = (x0.clone(), y0.clone());
    let mut noise = GaussianNoise::new(0.3, 8).unwrap();
    noise.augment(x.view_mut(), y.view_mut()).unwrap();
    assert_eq!(y, y0, "targets untouched");
    let mean = x.mean().unwrap();
    let var = x.mapv(|v| v * v).mean().unwrap();
    assert!(
        mean.abs() < 0.01 && (var - 0.09).abs() < 0.005,
        "mean {mean}, var {var}"
    );
    let (mut x2, mut y2) = (x0.clone(), y0.clone());
    GaussianNoise::new(0.3, 8)
        .unwrap()
        .augment(x2.view_mut(), y2.view_mut())
        .unwrap();
    assert_eq!(x, x2);
    assert!(matches!(
        GaussianNoise::new(-1.0, 0),
        Err(Error::Config { .. })
    ));
}

/// Two Gaussian blobs, labels 0 / 1 as a column.
fn blobs(n: usize, seed: u64) -> (Array2<f64>, Array2<f64>) {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut x = Array2::zeros((n, 2));
    let mut y = Array2::zeros((n, 1));
    for i in 0..n {
        let c = (i % 2) as f64;
        x[[i, 0]] = 2.0 * c - 1.0 + 0.5 * rng.random_range(-1.0..1.0);
        x[[i, 1]] = 1.0 - 2.0 * c + 0.5 * rng.random_range(-1.0..1.0);
        y[[i, 0]] = c;
    }
    (x, y)
}

fn trained_model() -> (Sequential<f64>, Array2<f64>, Array2<f64>) {
    let (x, y) = blobs(200, 4);
    let mut net = Mlp::new(&[2, 16, 1])
        .activation(Activation::Tanh)
        .seed(2)
        .build::<f64>()
        .unwrap();
    let loss = BceWithLogits::new();
    let mut adam = Adam::new(0.05).unwrap();
    let mut grad = Array2::zeros((0, 0));
    for _ in 0..200 {
        net.zero_grad();
        let out = net.forward(x.view(), Mode::Train).unwrap();
        loss.value_and_grad(out, (&y).into(), &mut grad).unwrap();
        net.backward_parameters(grad.view()).unwrap();
        adam.step(&mut net).unwrap();
    }
    (net, x, y)
}

fn loss_of(net: &mut Sequential<f64>, x: &Array2<f64>, y: &Array2<f64>) -> f64 {
    let out = net.forward(x.view(), Mode::Eval).unwrap();
    BceWithLogits::new().value(out, y.into()).unwrap()
}

#[test]
fn fgsm_is_epsilon_times_the_gradient_sign_to_the_last_bit_and_leaves_gradients_alone() {
    let (mut net, x, y) = trained_model();
    let loss = BceWithLogits::new();
    // The reference gradient, computed by hand with the public API.
    let mut g = Array2::zeros((0, 0));
    net.zero_grad();
    let out = net.forward(x.view(), Mode::Eval).unwrap();
    loss.value_and_grad(out, (&y).into(), &mut g).unwrap();
    let grad_x = net.backward(g.view()).unwrap().to_owned();
    // Gradients and frozen flags the attack must not disturb.
    net.visit_parameters_mut(&mut |p| p.grad_mut().fill(0.25));
    net.layer_mut(0).unwrap().set_frozen(true);
    let eps = 0.3;
    let adv = Fgsm::new(eps)
        .unwrap()
        .perturb(&mut net, &loss, x.view(), (&y).into())
        .unwrap();
    for ((a, &x0), &gx) in adv.iter().zip(x.iter()).zip(grad_x.iter()) {
        let s = if gx > 0.0 {
            1.0
        } else if gx < 0.0 {
            -1.0
        } else {
            0.0
        };
        assert_eq!(*a, x0 + eps * s);
    }
    let mut flags = Vec::new();
    net.visit_parameters(&mut |p| {
        assert!(p.grad().iter().all(|&v| v == 0.25), "{} changed", p.name());
        flags.push(p.is_frozen());
    });
    assert_eq!(flags, [true, true, false, false]);
}

#[test]
fn fgsm_and_pgd_raise_the_loss_of_a_trained_model_within_the_ball() {
    let (mut net, x, y) = trained_model();
    net.visit_parameters_mut(&mut |p| p.set_frozen(false));
    let clean = loss_of(&mut net, &x, &y);
    let eps = 0.5;
    let fgsm = Fgsm::new(eps)
        .unwrap()
        .perturb(&mut net, &BceWithLogits::new(), x.view(), (&y).into())
        .unwrap();
    let pgd = Pgd::new(eps, 0.1, 10)
        .unwrap()
        .random_start(3)
        .perturb(&mut net, &BceWithLogits::new(), x.view(), (&y).into())
        .unwrap();
    let (l_fgsm, l_pgd) = (loss_of(&mut net, &fgsm, &y), loss_of(&mut net, &pgd, &y));
    assert!(clean < 0.2, "the model is trained (loss {clean})");
    assert!(l_fgsm > 2.0 * clean, "FGSM: {clean} → {l_fgsm}");
    assert!(l_pgd > 2.0 * clean, "PGD: {clean} → {l_pgd}");
    for adv in [&fgsm, &pgd] {
        let max_move = (adv - &x).mapv(f64::abs).fold(0.0f64, |m, &v| m.max(v));
        assert!(max_move <= eps + 1e-12, "moved {max_move}");
    }
    // Clamping keeps every coordinate in range.
    let clamped = Pgd::new(eps, 0.1, 5)
        .unwrap()
        .clamp(-0.5, 0.5)
        .unwrap()
        .perturb(&mut net, &BceWithLogits::new(), x.view(), (&y).into())
        .unwrap();
    assert!(clamped.iter().all(|v| (-0.5..=0.5).contains(v)));
    let per_row = clamped.map_axis(Axis(1), |r| r.len());
    assert!(per_row.iter().all(|&n| n == 2));
}

#[test]
fn attacks_reject_bad_settings() {
    for bad in [-0.1, f64::NAN] {
        assert!(matches!(Fgsm::new(bad), Err(Error::Config { .. })));
        assert!(matches!(Pgd::new(bad, 0.1, 3), Err(Error::Config { .. })));
        assert!(matches!(Pgd::new(0.1, bad, 3), Err(Error::Config { .. })));
    }
    assert!(matches!(Pgd::new(0.1, 0.1, 0), Err(Error::Config { .. })));
    assert!(matches!(
        Fgsm::new(0.1).unwrap().clamp(1.0, 0.0),
        Err(Error::Config { .. })
    ));
    // A target of the wrong shape is the loss's shape error, and nothing is left frozen.
    let mut net = Mlp::new(&[2, 3, 1]).build::<f64>().unwrap();
    let x = array![[0.0, 1.0]];
    let wrong = array![[1.0, 0.0]];
    let err = Fgsm::new(0.1)
        .unwrap()
        .perturb(&mut net, &BceWithLogits::new(), x.view(), (&wrong).into())
        .unwrap_err();
    assert!(matches!(err, Error::Shape { .. }), "{err}");
    net.visit_parameters(&mut |p| assert!(!p.is_frozen()));
}

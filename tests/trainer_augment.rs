//! MixUp, Gaussian noise and adversarial training as Trainer options: each equals the same
//! augmentation written out in a hand loop bit for bit, a resumed run augments exactly as an
//! uninterrupted one, and adversarial training makes a model more robust to the attack.

use ndarray::{s, Array2};
use tuneup::data::{
    make_moons, one_hot, AdversarialTraining, Augmenter, Fgsm, GaussianNoise, MixUp, MoonsConfig,
    Pgd,
};
use tuneup::diagnostics::history::StopReason;
use tuneup::loss::Targets;
use tuneup::model::Mode;
use tuneup::prelude::*;
use tuneup::rand::rngs::StdRng;
use tuneup::rand::{Rng, SeedableRng};
use tuneup::train::{Callback, CallbackContext, Metric, ModelCheckpoint, Trainer};

const ROWS: usize = 40;
const BATCH: usize = 20;
const EPOCHS: usize = 3;

fn data() -> (Array2<f64>, Vec<usize>) {
    let mut rng = StdRng::seed_from_u64(11);
    let x = Array2::from_shape_fn((ROWS, 3), |_| rng.random_range(-1.0..1.0));
    let y = x
        .rows()
        .into_iter()
        .map(|r| usize::from(r[0] > 0.0) + usize::from(r[1] + r[2] > 0.3))
        .collect();
    (x, y)
}

fn net() -> Sequential<f64> {
    Mlp::new(&[3, 8, 3])
        .activation(Activation::Tanh)
        .seed(4)
        .build::<f64>()
        .unwrap()
}

fn bits(net: &Sequential<f64>) -> Vec<u64> {
    let mut v = Vec::new();
    net.visit_parameters(&mut |p| v.extend(p.value_slice().iter().map(|x| x.to_bits())));
    v
}

/// Unshuffled batches of 20 rows, two per epoch, SGD: easy to write out by hand.
fn trainer(configure: impl FnOnce(TrainerBuilderF) -> TrainerBuilderF) -> Trainer<f64> {
    let b = Trainer::builder()
        .model(net())
        .loss(CrossEntropy::new())
        .optimizer(Sgd::new(0.1).unwrap())
        .epochs(EPOCHS)
        .batch_size(BATCH)
        .shuffle(false);
    configure(b).build().unwrap()
}

type TrainerBuilderF = tuneup::train::TrainerBuilder<f64, Sequential<f64>>;

/// One SGD step of the hand loop on a prepared batch.
fn hand_step(
    net: &mut Sequential<f64>,
    opt: &mut Sgd,
    xb: &Array2<f64>,
    targets: Targets<'_, f64>,
) {
    let mut g = Array2::zeros((0, 0));
    let out = net.forward(xb.view(), Mode::Train).unwrap();
    CrossEntropy::new()
        .value_and_grad(out, targets, &mut g)
        .unwrap();
    net.backward_parameters(g.view()).unwrap();
    opt.step(net).unwrap();
    net.zero_grad();
}

#[test]
fn mixup_and_noise_in_the_trainer_equal_a_hand_loop() {
    let (x, y) = data();
    let mut t = trainer(|b| {
        b.augment(MixUp::new(0.4, 5).unwrap())
            .augment(GaussianNoise::new(0.05, 6).unwrap())
    });
    t.fit(x.view(), &y).unwrap();

    let mut hand = net();
    let mut opt = Sgd::new(0.1).unwrap();
    let mut mixup = MixUp::<f64>::new(0.4, 5).unwrap();
    let mut noise = GaussianNoise::new(0.05, 6).unwrap();
    let y1 = one_hot::<f64>(&y, 3).unwrap();
    let mut lambdas = Vec::new();
    let mut batch = 0u64;
    for _ in 0..EPOCHS {
        for b in 0..ROWS / BATCH {
            let rows = s![b * BATCH..(b + 1) * BATCH, ..];
            let (mut xb, mut yb) = (x.slice(rows).to_owned(), y1.slice(rows).to_owned());
            // A fresh count would do here; seek is what the trainer calls.
            mixup.seek(batch);
            mixup.augment(xb.view_mut(), yb.view_mut()).unwrap();
            Augmenter::<f64>::seek(&mut noise, batch);
            noise.augment(xb.view_mut(), yb.view_mut()).unwrap();
            lambdas.push(mixup.last_lambda());
            hand_step(&mut hand, &mut opt, &xb, Targets::Dense(yb.view()));
            batch += 1;
        }
    }
    assert!(
        lambdas.iter().all(|&l| (0.5..1.0).contains(&l)),
        "{lambdas:?}"
    );
    assert_eq!(bits(t.model()), bits(&hand));

    // And the augmentation did something: the plain run ends elsewhere.
    let mut plain = trainer(|b| b);
    plain.fit(x.view(), &y).unwrap();
    assert_ne!(bits(plain.model()), bits(&hand));
}

#[test]
fn fgsm_adversarial_training_of_every_row_equals_a_hand_loop() {
    let (x, y) = data();
    let fgsm = Fgsm::new(0.1).unwrap();
    let mut t = trainer(|b| b.adversarial(AdversarialTraining::new(fgsm, 1.0).unwrap()));
    t.fit(x.view(), &y).unwrap();

    let mut hand = net();
    let mut opt = Sgd::new(0.1).unwrap();
    let loss = CrossEntropy::new();
    for _ in 0..EPOCHS {
        for b in 0..ROWS / BATCH {
            let rows = b * BATCH..(b + 1) * BATCH;
            let xb = x.slice(s![rows.clone(), ..]);
            let adv = fgsm
                .perturb(&mut hand, &loss, xb, Targets::Classes(&y[rows.clone()]))
                .unwrap();
            hand_step(&mut hand, &mut opt, &adv, Targets::Classes(&y[rows]));
        }
    }
    assert_eq!(bits(t.model()), bits(&hand));
}

#[test]
fn pgd_on_half_of_each_batch_equals_a_hand_loop() {
    let (x, y) = data();
    let pgd = Pgd::new(0.2, 0.05, 4).unwrap().random_start(9);
    let adv = AdversarialTraining::new(pgd, 0.5).unwrap().seed(13);
    let mut t = trainer(|b| b.adversarial(adv));
    t.fit(x.view(), &y).unwrap();

    let mut hand = net();
    let mut opt = Sgd::new(0.1).unwrap();
    let loss = CrossEntropy::new();
    let mut batch = 0u64;
    let mut chosen = Vec::new();
    for _ in 0..EPOCHS {
        for b in 0..ROWS / BATCH {
            let lo = b * BATCH;
            let mut xb = x.slice(s![lo..lo + BATCH, ..]).to_owned();
            let rows = adv.attacked_rows(BATCH, batch);
            assert_eq!(rows.len(), BATCH / 2);
            let xs = xb.select(ndarray::Axis(0), &rows);
            let cs: Vec<usize> = rows.iter().map(|&r| y[lo + r]).collect();
            let moved = pgd
                .perturb_batch(&mut hand, &loss, xs.view(), Targets::Classes(&cs), batch)
                .unwrap();
            for (i, &r) in rows.iter().enumerate() {
                xb.row_mut(r).assign(&moved.row(i));
            }
            hand_step(
                &mut hand,
                &mut opt,
                &xb,
                Targets::Classes(&y[lo..lo + BATCH]),
            );
            chosen.push(rows);
            batch += 1;
        }
    }
    assert_eq!(bits(t.model()), bits(&hand));
    // Different batches attack different rows.
    assert!(chosen.windows(2).any(|w| w[0] != w[1]));
}

/// Asks to stop once `k` epochs are done.
#[derive(Clone)]
struct Interrupt(usize);
impl Callback<f32> for Interrupt {
    fn name(&self) -> String {
        "interrupt".into()
    }
    fn on_epoch_end(&mut self, ctx: &mut CallbackContext<'_, f32>) -> Result<()> {
        if ctx.completed_epochs == self.0 {
            ctx.request_stop();
        }
        Ok(())
    }
}

fn augmented(
    init_seed: u64,
    extra: impl FnOnce(
        tuneup::train::TrainerBuilder<f32, Sequential<f32>>,
    ) -> tuneup::train::TrainerBuilder<f32, Sequential<f32>>,
) -> Trainer<f32> {
    let pgd = Pgd::new(0.1, 0.03, 3).unwrap().random_start(2);
    let b = Trainer::builder()
        .model(
            Sequential::new()
                .push(Linear::new(3, 16, init_seed).unwrap())
                .push(ActivationLayer::new(Activation::Relu).unwrap())
                .push(Dropout::new(0.2, 8).unwrap())
                .push(Linear::new(16, 3, init_seed + 1).unwrap()),
        )
        .loss(CrossEntropy::new())
        .optimizer(Adam::new(0.01).unwrap())
        .augment(MixUp::new(0.3, 3).unwrap())
        .augment(GaussianNoise::new(0.02, 4).unwrap())
        .adversarial(AdversarialTraining::new(pgd, 0.5).unwrap().seed(5))
        .epochs(5)
        .batch_size(16)
        .seed(17);
    extra(b).build().unwrap()
}

#[test]
fn resuming_an_augmented_adversarial_run_is_bit_identical() {
    let (x, y) = data();
    let x = x.mapv(|v| v as f32);
    let f32_bits = |t: &Trainer<f32>| {
        let mut v = Vec::new();
        t.model()
            .visit_parameters(&mut |p| v.extend(p.value_slice().iter().map(|x| x.to_bits())));
        v
    };
    let mut full = augmented(1, |b| b);
    let full_history = full.fit(x.view(), &y).unwrap();

    let dir = std::env::temp_dir().join(format!("tuneup_augment_resume_{}", std::process::id()));
    let mut first = augmented(1, |b| {
        b.callback(ModelCheckpoint::new(&dir))
            .callback(Interrupt(2))
    });
    let h = first.fit(x.view(), &y).unwrap();
    assert!(matches!(h.stop_reason(), Some(StopReason::Callback { .. })));

    let mut resumed = augmented(50, |b| b);
    resumed
        .load_checkpoint(dir.join("last.safetensors"))
        .unwrap();
    let resumed_history = resumed.fit(x.view(), &y).unwrap();
    assert_eq!(f32_bits(&resumed), f32_bits(&full));
    assert!(resumed_history.same_values(&full_history));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Accuracy on FGSM examples made against the model itself.
fn robust_accuracy(t: &mut Trainer<f64>, x: &Array2<f64>, y: &[usize], eps: f64) -> f64 {
    let adv = Fgsm::new(eps)
        .unwrap()
        .perturb(
            t.model_mut(),
            &CrossEntropy::new(),
            x.view(),
            Targets::Classes(y),
        )
        .unwrap();
    let predicted = t.predict_classes(adv.view()).unwrap();
    predicted.iter().zip(y).filter(|(p, t)| p == t).count() as f64 / y.len() as f64
}

#[test]
fn adversarial_training_makes_the_model_robust_to_the_attack() {
    let moons = |n, seed| {
        make_moons::<f64>(&MoonsConfig {
            n_samples: n,
            noise: 0.1,
            seed,
            ..Default::default()
        })
        .unwrap()
    };
    let (train, test) = (moons(400, 1), moons(400, 2));
    let eps = 0.3;
    let fit = |adversarial: bool| {
        let b = Trainer::builder()
            .model(
                Mlp::new(&[2, 32, 32, 2])
                    .activation(Activation::Relu)
                    .seed(3)
                    .build::<f64>()
                    .unwrap(),
            )
            .loss(CrossEntropy::new())
            .optimizer(Adam::new(0.01).unwrap())
            .epochs(60)
            .batch_size(32)
            .metric(Metric::Accuracy);
        let b = if adversarial {
            let pgd = Pgd::new(eps, eps / 4.0, 7).unwrap().random_start(1);
            b.adversarial(AdversarialTraining::new(pgd, 0.5).unwrap())
        } else {
            b
        };
        let mut t = b.build().unwrap();
        t.fit_dataset(&train).unwrap();
        t
    };
    let x = test.features().to_owned();
    let y = test.labels().unwrap().to_vec();
    let mut clean = fit(false);
    let mut robust = fit(true);
    let clean_acc = clean
        .evaluate_dataset(&test)
        .unwrap()
        .get("accuracy")
        .unwrap();
    let robust_acc = robust
        .evaluate_dataset(&test)
        .unwrap()
        .get("accuracy")
        .unwrap();
    let clean_under_attack = robust_accuracy(&mut clean, &x, &y, eps);
    let robust_under_attack = robust_accuracy(&mut robust, &x, &y, eps);
    println!(
        "clean training: {clean_acc:.3} clean, {clean_under_attack:.3} under FGSM ε={eps}; \
         adversarial training: {robust_acc:.3} clean, {robust_under_attack:.3} under attack"
    );
    assert!(clean_acc > 0.95 && robust_acc > 0.9);
    assert!(
        robust_under_attack > clean_under_attack + 0.15,
        "{robust_under_attack} vs {clean_under_attack}"
    );
}

#[test]
fn bad_settings_and_failing_augmenters_are_errors() {
    let fgsm = Fgsm::new(0.1).unwrap();
    for r in [-0.1, 1.01, f64::NAN] {
        assert!(matches!(
            AdversarialTraining::new(fgsm, r),
            Err(tuneup::Error::Config { ref parameter, .. }) if parameter == "AdversarialTraining.ratio"
        ));
    }
    /// Fails on every batch.
    #[derive(Clone)]
    struct Broken;
    impl Augmenter<f64> for Broken {
        fn name(&self) -> String {
            "Broken".into()
        }
        fn augment(
            &mut self,
            _: ndarray::ArrayViewMut2<'_, f64>,
            _: ndarray::ArrayViewMut2<'_, f64>,
        ) -> Result<()> {
            Err(tuneup::Error::value(
                "Broken",
                "a batch it can take",
                "any batch",
            ))
        }
    }
    let (x, y) = data();
    let mut t = trainer(|b| b.augment(Broken));
    let before = bits(t.model());
    let err = t.fit(x.view(), &y).unwrap_err();
    assert!(err.to_string().contains("augmenter Broken"), "{err}");
    assert_eq!(bits(t.model()), before, "no step was taken");
}
